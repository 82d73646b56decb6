/* Queries for messages, notes and timeline events: one function per query. */
#include "store_log.h"

#include "store_internal.h"

#include <stdio.h>
#include <string.h>

/* ---- messages ---- */

StoreStatus store_message_insert(StoreConn *c, const char *case_id, const char *author,
                                 int64_t staff_id, const Buf *body, int64_t now, int64_t *id)
{
    sqlite3_stmt *st = store_stmt(c, "INSERT INTO messages (case_id, author, staff_id, "
                                     "created_at, body) VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!st)
        return STORE_ERROR;
    store_bind_text(st, 1, case_id);
    store_bind_text(st, 2, author);
    if (staff_id > 0)
        sqlite3_bind_int64(st, 3, staff_id);
    else
        sqlite3_bind_null(st, 3);
    sqlite3_bind_int64(st, 4, now);
    store_bind_blob(st, 5, body->data, body->len);
    StoreStatus s = store_exec_stmt(c, st, __func__);
    if (s == STORE_OK && id)
        *id = sqlite3_last_insert_rowid(c->db);
    return s;
}

StoreStatus store_messages_of_case(StoreConn *c, const char *case_id,
                                   void (*cb)(void *arg, const MessageRow *m), void *arg)
{
    sqlite3_stmt *st = store_stmt(c, "SELECT id, author, coalesce(staff_id, 0), created_at, body "
                                     "FROM messages WHERE case_id = ?1 ORDER BY id");
    if (!st)
        return STORE_ERROR;
    store_bind_text(st, 1, case_id);
    MessageRow m = {0};
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        m.id = sqlite3_column_int64(st, 0);
        store_column_text(st, 1, m.author, sizeof m.author);
        m.staff_id = sqlite3_column_int64(st, 2);
        m.created_at = sqlite3_column_int64(st, 3);
        store_column_buf(st, 4, &m.body);
        cb(arg, &m);
    }
    buf_free(&m.body);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? STORE_OK : store_status(c, rc, __func__);
}

/* ---- notes ---- */

StoreStatus store_note_insert(StoreConn *c, const char *case_id, int64_t staff_id, int64_t now,
                              const Buf *placeholder, int64_t *id)
{
    sqlite3_stmt *st = store_stmt(
        c, "INSERT INTO notes (case_id, staff_id, created_at, body) VALUES (?1, ?2, ?3, ?4)");
    if (!st)
        return STORE_ERROR;
    store_bind_text(st, 1, case_id);
    store_bind_opt_int(st, 2, staff_id);
    sqlite3_bind_int64(st, 3, now);
    store_bind_blob(st, 4, placeholder->data, placeholder->len);
    StoreStatus s = store_exec_stmt(c, st, __func__);
    if (s == STORE_OK && id)
        *id = sqlite3_last_insert_rowid(c->db);
    return s;
}

StoreStatus store_notes_of_case(StoreConn *c, const char *case_id,
                                void (*cb)(void *arg, const NoteRow *n), void *arg)
{
    sqlite3_stmt *st =
        store_stmt(c, "SELECT n.id, coalesce(s.login, ''), n.created_at, n.body FROM notes n "
                      "LEFT JOIN staff s ON s.id = n.staff_id WHERE n.case_id = ?1 ORDER BY n.id");
    if (!st)
        return STORE_ERROR;
    store_bind_text(st, 1, case_id);
    NoteRow n = {0};
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        n.id = sqlite3_column_int64(st, 0);
        store_column_text(st, 1, n.author, sizeof n.author);
        n.created_at = sqlite3_column_int64(st, 2);
        store_column_buf(st, 3, &n.body);
        cb(arg, &n);
    }
    buf_free(&n.body);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? STORE_OK : store_status(c, rc, __func__);
}

/* ---- events ---- */

StoreStatus store_event_insert(StoreConn *c, const char *case_id, int64_t target_id, int64_t now,
                               const char *actor, const char *kind, const char *from_state,
                               const char *to_state, const Buf *body)
{
    sqlite3_stmt *st = store_stmt(c, "INSERT INTO events (case_id, target_id, at, actor, kind, "
                                     "from_state, to_state, body) "
                                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (!st)
        return STORE_ERROR;
    store_bind_text(st, 1, case_id);
    if (target_id > 0)
        sqlite3_bind_int64(st, 2, target_id);
    else
        sqlite3_bind_null(st, 2);
    sqlite3_bind_int64(st, 3, now);
    store_bind_text(st, 4, actor);
    store_bind_text(st, 5, kind);
    store_bind_text(st, 6, from_state);
    store_bind_text(st, 7, to_state);
    store_bind_blob(st, 8, body ? body->data : NULL, body ? body->len : 0);
    return store_exec_stmt(c, st, __func__);
}

StoreStatus store_events_of_case(StoreConn *c, const char *case_id,
                                 void (*cb)(void *arg, const EventRow *e), void *arg)
{
    sqlite3_stmt *st = store_stmt(
        c, "SELECT id, coalesce(target_id, 0), at, actor, kind, coalesce(from_state, ''), "
           "coalesce(to_state, ''), body FROM events WHERE case_id = ?1 ORDER BY id");
    if (!st)
        return STORE_ERROR;
    store_bind_text(st, 1, case_id);
    EventRow e = {0};
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        e.id = sqlite3_column_int64(st, 0);
        e.target_id = sqlite3_column_int64(st, 1);
        e.at = sqlite3_column_int64(st, 2);
        store_column_text(st, 3, e.actor, sizeof e.actor);
        store_column_text(st, 4, e.kind, sizeof e.kind);
        store_column_text(st, 5, e.from_state, sizeof e.from_state);
        store_column_text(st, 6, e.to_state, sizeof e.to_state);
        store_column_buf(st, 7, &e.body);
        cb(arg, &e);
    }
    buf_free(&e.body);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? STORE_OK : store_status(c, rc, __func__);
}
