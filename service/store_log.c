/* Queries for messages, notes and timeline events: one function per query, every value bound by
 * name. */
#include "store_log.h"

#include "store_internal.h"
#include "store_outbox.h"

#include <stdio.h>
#include <string.h>

/* ---- messages ---- */

StoreStatus store_message_insert(StoreConn *c, const char *case_id, const char *author,
                                 int64_t staff_id, const Buf *body, int64_t now, int64_t *id)
{
    StoreStmt *st =
        store_stmt_insert(c, "INSERT INTO messages (case_id, author, staff_id, created_at, "
                             "body) VALUES (:case_id, :author, :staff_id, :now, :body)");
    store_bind_text_n(st, ":case_id", case_id);
    store_bind_text_n(st, ":author", author);
    store_bind_opt_int64_n(st, ":staff_id", staff_id > 0 ? staff_id : 0);
    store_bind_int64_n(st, ":now", now);
    store_bind_buf_n(st, ":body", body);
    return store_exec_insert(c, st, id, __func__);
}

static const StoreCol message_cols[] = {
    STORE_COL(INT, MessageRow, id), STORE_COL(TEXT, MessageRow, author),
    STORE_COL(INT, MessageRow, staff_id), STORE_COL(INT, MessageRow, created_at),
    STORE_COL(BUF, MessageRow, body)};
static const StoreRowSpec message_spec = STORE_ROW_SPEC(message_cols);
STORE_EACH_ROW(message_each, MessageRow, message_spec)

StoreStatus store_messages_of_case(StoreConn *c, const char *case_id,
                                   void (*cb)(void *arg, const MessageRow *m), void *arg)
{
    StoreStmt *st = store_stmt(c, "SELECT id, author, coalesce(staff_id, 0), created_at, body "
                                  "FROM messages WHERE case_id = :case_id ORDER BY id");
    store_bind_text_n(st, ":case_id", case_id);
    MessageRowEach e = {cb, arg};
    return store_each(c, st, message_each, &e, __func__);
}

/* ---- notes ---- */

StoreStatus store_note_insert(StoreConn *c, const char *case_id, int64_t staff_id, int64_t now,
                              const Buf *placeholder, int64_t *id)
{
    StoreStmt *st = store_stmt_insert(c, "INSERT INTO notes (case_id, staff_id, created_at, body) "
                                         "VALUES (:case_id, :staff_id, :now, :body)");
    store_bind_text_n(st, ":case_id", case_id);
    store_bind_opt_int64_n(st, ":staff_id", staff_id);
    store_bind_int64_n(st, ":now", now);
    store_bind_buf_n(st, ":body", placeholder);
    return store_exec_insert(c, st, id, __func__);
}

static const StoreCol note_cols[] = {STORE_COL(INT, NoteRow, id), STORE_COL(TEXT, NoteRow, author),
                                     STORE_COL(INT, NoteRow, created_at),
                                     STORE_COL(BUF, NoteRow, body)};
static const StoreRowSpec note_spec = STORE_ROW_SPEC(note_cols);
STORE_EACH_ROW(note_each, NoteRow, note_spec)

StoreStatus store_notes_of_case(StoreConn *c, const char *case_id,
                                void (*cb)(void *arg, const NoteRow *n), void *arg)
{
    StoreStmt *st = store_stmt(
        c, "SELECT n.id, coalesce(s.login, ''), n.created_at, n.body FROM notes n "
           "LEFT JOIN staff s ON s.id = n.staff_id WHERE n.case_id = :case_id ORDER BY n.id");
    store_bind_text_n(st, ":case_id", case_id);
    NoteRowEach e = {cb, arg};
    return store_each(c, st, note_each, &e, __func__);
}

/* ---- events ---- */

StoreStatus store_event_insert_id(StoreConn *c, const char *case_id, int64_t target_id, int64_t now,
                                  const char *actor, const char *kind, const char *from_state,
                                  const char *to_state, const Buf *body, int64_t *id)
{
    /* News for the victim (a caseworker's message, a copy that moved) is queued in the same
     * transaction, so an event is never without its notification nor the reverse; and before the
     * event, whose id the callers that seal a detail take (the seal binds it). */
    StoreStatus s = STORE_OK;
    if (strcmp(kind, "message.staff") == 0 || strcmp(kind, "target.transition") == 0)
        s = store_outbox_news(c, case_id, now);
    if (s != STORE_OK)
        return s;
    StoreStmt *st =
        store_stmt_insert(c, "INSERT INTO events (case_id, target_id, at, actor, kind, "
                             "from_state, to_state, body) VALUES (:case_id, :target_id, "
                             ":now, :actor, :kind, :from_state, :to_state, :body)");
    store_bind_text_n(st, ":case_id", case_id);
    store_bind_opt_int64_n(st, ":target_id", target_id > 0 ? target_id : 0);
    store_bind_int64_n(st, ":now", now);
    store_bind_text_n(st, ":actor", actor);
    store_bind_text_n(st, ":kind", kind);
    store_bind_text_n(st, ":from_state", from_state);
    store_bind_text_n(st, ":to_state", to_state);
    store_bind_buf_n(st, ":body", body);
    return store_exec_insert(c, st, id, __func__);
}

StoreStatus store_event_insert(StoreConn *c, const char *case_id, int64_t target_id, int64_t now,
                               const char *actor, const char *kind, const char *from_state,
                               const char *to_state, const Buf *body)
{
    return store_event_insert_id(c, case_id, target_id, now, actor, kind, from_state, to_state,
                                 body, NULL);
}

static const StoreCol event_cols[] = {
    STORE_COL(INT, EventRow, id),        STORE_COL(INT, EventRow, target_id),
    STORE_COL(INT, EventRow, at),        STORE_COL(TEXT, EventRow, actor),
    STORE_COL(TEXT, EventRow, kind),     STORE_COL(TEXT, EventRow, from_state),
    STORE_COL(TEXT, EventRow, to_state), STORE_COL(BUF, EventRow, body)};
static const StoreRowSpec event_spec = STORE_ROW_SPEC(event_cols);
STORE_EACH_ROW(event_each, EventRow, event_spec)

StoreStatus store_events_of_case(StoreConn *c, const char *case_id,
                                 void (*cb)(void *arg, const EventRow *e), void *arg)
{
    StoreStmt *st = store_stmt(
        c, "SELECT id, coalesce(target_id, 0), at, actor, kind, coalesce(from_state, ''), "
           "coalesce(to_state, ''), body FROM events WHERE case_id = :case_id ORDER BY id");
    store_bind_text_n(st, ":case_id", case_id);
    EventRowEach e = {cb, arg};
    return store_each(c, st, event_each, &e, __func__);
}

/* ---- unattended checks' findings ---- */

StoreStatus store_night_check_insert(StoreConn *c, int64_t event_id, const char *case_id,
                                     const Buf *body)
{
    StoreStmt *st = store_stmt(c, "INSERT INTO night_checks (event_id, case_id, body) "
                                  "VALUES (:event_id, :case_id, :body)");
    store_bind_int64_n(st, ":event_id", event_id);
    store_bind_text_n(st, ":case_id", case_id);
    store_bind_buf_n(st, ":body", body);
    return store_exec_stmt(c, st, __func__);
}

typedef struct NightEach {
    void (*cb)(void *arg, int64_t id, int64_t event_id, const char *case_id, const Buf *body);
    void *arg;
} NightEach;

static int night_row(StoreStmt *st, void *arg)
{
    NightEach *e = arg;
    Buf body = {0};
    store_column_buf(st, 3, &body);
    e->cb(e->arg, store_col_int64(st, 0), store_col_int64(st, 1), store_col_text(st, 2), &body);
    buf_free(&body);
    return 0;
}

StoreStatus store_night_checks(StoreConn *c, int limit,
                               void (*cb)(void *arg, int64_t id, int64_t event_id,
                                          const char *case_id, const Buf *body),
                               void *arg)
{
    StoreStmt *st = store_stmt(
        c, "SELECT id, event_id, case_id, body FROM night_checks ORDER BY id LIMIT :limit");
    store_bind_int64_n(st, ":limit", limit);
    NightEach e = {cb, arg};
    return store_each(c, st, night_row, &e, __func__);
}

StoreStatus store_night_check_delete(StoreConn *c, int64_t id)
{
    StoreStmt *st = store_stmt(c, "DELETE FROM night_checks WHERE id = :id");
    store_bind_int64_n(st, ":id", id);
    return store_exec_one(c, st, __func__);
}
