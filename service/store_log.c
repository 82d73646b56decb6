/* Queries for messages, notes and timeline events: one function per query, every value bound by
 * name. */
#include "store_log.h"

#include "store_internal.h"

#include <stdio.h>
#include <string.h>

/* ---- messages ---- */

StoreStatus store_message_insert(StoreConn *c, const char *case_id, const char *author,
                                 int64_t staff_id, const Buf *body, int64_t now, int64_t *id)
{
    sqlite3_stmt *st = store_stmt(c, "INSERT INTO messages (case_id, author, staff_id, created_at, "
                                     "body) VALUES (:case_id, :author, :staff_id, :now, :body)");
    store_bind_text_n(st, ":case_id", case_id);
    store_bind_text_n(st, ":author", author);
    store_bind_opt_int64_n(st, ":staff_id", staff_id > 0 ? staff_id : 0);
    store_bind_int64_n(st, ":now", now);
    store_bind_buf_n(st, ":body", body);
    return store_exec_insert(c, st, id, __func__);
}

typedef struct MessageEach {
    void (*cb)(void *arg, const MessageRow *m);
    void *arg;
} MessageEach;

static int message_row(sqlite3_stmt *st, void *p)
{
    const MessageEach *e = p;
    MessageRow m = {0};
    m.id = sqlite3_column_int64(st, 0);
    store_column_text(st, 1, m.author, sizeof m.author);
    m.staff_id = sqlite3_column_int64(st, 2);
    m.created_at = sqlite3_column_int64(st, 3);
    store_column_buf(st, 4, &m.body);
    e->cb(e->arg, &m);
    buf_free(&m.body);
    return 0;
}

StoreStatus store_messages_of_case(StoreConn *c, const char *case_id,
                                   void (*cb)(void *arg, const MessageRow *m), void *arg)
{
    sqlite3_stmt *st = store_stmt(c, "SELECT id, author, coalesce(staff_id, 0), created_at, body "
                                     "FROM messages WHERE case_id = :case_id ORDER BY id");
    store_bind_text_n(st, ":case_id", case_id);
    MessageEach e = {cb, arg};
    return store_each(c, st, message_row, &e, __func__);
}

/* ---- notes ---- */

StoreStatus store_note_insert(StoreConn *c, const char *case_id, int64_t staff_id, int64_t now,
                              const Buf *placeholder, int64_t *id)
{
    sqlite3_stmt *st = store_stmt(c, "INSERT INTO notes (case_id, staff_id, created_at, body) "
                                     "VALUES (:case_id, :staff_id, :now, :body)");
    store_bind_text_n(st, ":case_id", case_id);
    store_bind_opt_int64_n(st, ":staff_id", staff_id);
    store_bind_int64_n(st, ":now", now);
    store_bind_buf_n(st, ":body", placeholder);
    return store_exec_insert(c, st, id, __func__);
}

typedef struct NoteEach {
    void (*cb)(void *arg, const NoteRow *n);
    void *arg;
} NoteEach;

static int note_row(sqlite3_stmt *st, void *p)
{
    const NoteEach *e = p;
    NoteRow n = {0};
    n.id = sqlite3_column_int64(st, 0);
    store_column_text(st, 1, n.author, sizeof n.author);
    n.created_at = sqlite3_column_int64(st, 2);
    store_column_buf(st, 3, &n.body);
    e->cb(e->arg, &n);
    buf_free(&n.body);
    return 0;
}

StoreStatus store_notes_of_case(StoreConn *c, const char *case_id,
                                void (*cb)(void *arg, const NoteRow *n), void *arg)
{
    sqlite3_stmt *st = store_stmt(
        c, "SELECT n.id, coalesce(s.login, ''), n.created_at, n.body FROM notes n "
           "LEFT JOIN staff s ON s.id = n.staff_id WHERE n.case_id = :case_id ORDER BY n.id");
    store_bind_text_n(st, ":case_id", case_id);
    NoteEach e = {cb, arg};
    return store_each(c, st, note_row, &e, __func__);
}

/* ---- events ---- */

StoreStatus store_event_insert(StoreConn *c, const char *case_id, int64_t target_id, int64_t now,
                               const char *actor, const char *kind, const char *from_state,
                               const char *to_state, const Buf *body)
{
    sqlite3_stmt *st = store_stmt(c, "INSERT INTO events (case_id, target_id, at, actor, kind, "
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
    return store_exec_stmt(c, st, __func__);
}

typedef struct EventEach {
    void (*cb)(void *arg, const EventRow *e);
    void *arg;
} EventEach;

static int event_row(sqlite3_stmt *st, void *p)
{
    const EventEach *each = p;
    EventRow e = {0};
    e.id = sqlite3_column_int64(st, 0);
    e.target_id = sqlite3_column_int64(st, 1);
    e.at = sqlite3_column_int64(st, 2);
    store_column_text(st, 3, e.actor, sizeof e.actor);
    store_column_text(st, 4, e.kind, sizeof e.kind);
    store_column_text(st, 5, e.from_state, sizeof e.from_state);
    store_column_text(st, 6, e.to_state, sizeof e.to_state);
    store_column_buf(st, 7, &e.body);
    each->cb(each->arg, &e);
    buf_free(&e.body);
    return 0;
}

StoreStatus store_events_of_case(StoreConn *c, const char *case_id,
                                 void (*cb)(void *arg, const EventRow *e), void *arg)
{
    sqlite3_stmt *st = store_stmt(
        c, "SELECT id, coalesce(target_id, 0), at, actor, kind, coalesce(from_state, ''), "
           "coalesce(to_state, ''), body FROM events WHERE case_id = :case_id ORDER BY id");
    store_bind_text_n(st, ":case_id", case_id);
    EventEach e = {cb, arg};
    return store_each(c, st, event_row, &e, __func__);
}
