/* Queries for cases and what belongs to them: one function per query. */
#include "store_case.h"

#include "store_internal.h"

#include <stdio.h>
#include <string.h>

void case_row_free(CaseRow *r)
{
    buf_free(&r->sealed_key);
    buf_free(&r->receipt_wrap);
    buf_free(&r->org_wrap);
    buf_free(&r->body);
}

void target_row_free(TargetRow *r)
{
    buf_free(&r->body);
}

StoreStatus store_case_insert(StoreConn *c, const CaseRow *r)
{
    sqlite3_stmt *st = store_stmt(
        c, "INSERT INTO cases (id, receipt_lookup, sealed_key, receipt_wrap, channel, "
           "requester_role, language, incident_type, risk_flags, created_at, updated_at, body) "
           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11)");
    if (!st)
        return STORE_ERROR;
    store_bind_text(st, 1, r->id);
    store_bind_blob(st, 2, r->receipt_lookup, 32);
    store_bind_blob(st, 3, r->sealed_key.data, r->sealed_key.len);
    store_bind_blob(st, 4, r->receipt_wrap.data, r->receipt_wrap.len);
    store_bind_text(st, 5, r->channel);
    store_bind_text(st, 6, r->requester_role);
    store_bind_text(st, 7, r->language);
    store_bind_text(st, 8, r->incident_type);
    sqlite3_bind_int(st, 9, r->risk_flags);
    sqlite3_bind_int64(st, 10, r->created_at);
    store_bind_blob(st, 11, r->body.data, r->body.len);
    return store_exec_stmt(c, st, __func__);
}

#define CASE_COLUMNS                                                                               \
    "id, channel, requester_role, language, incident_type, risk_flags, "                           \
    "coalesce(withdrawn_at, 0), legal_hold, coalesce(purge_after, 0), coalesce(assignee, 0), "     \
    "created_at, updated_at, sealed_key, receipt_wrap, org_wrap, body, receipt_lookup, "           \
    "coalesce(incident_id, 0)"

static void case_from_row(sqlite3_stmt *st, CaseRow *r)
{
    store_column_text(st, 0, r->id, sizeof r->id);
    store_column_text(st, 1, r->channel, sizeof r->channel);
    store_column_text(st, 2, r->requester_role, sizeof r->requester_role);
    store_column_text(st, 3, r->language, sizeof r->language);
    store_column_text(st, 4, r->incident_type, sizeof r->incident_type);
    r->risk_flags = sqlite3_column_int(st, 5);
    r->withdrawn_at = sqlite3_column_int64(st, 6);
    r->legal_hold = sqlite3_column_int(st, 7);
    r->purge_after = sqlite3_column_int64(st, 8);
    r->assignee = sqlite3_column_int64(st, 9);
    r->created_at = sqlite3_column_int64(st, 10);
    r->updated_at = sqlite3_column_int64(st, 11);
    store_column_buf(st, 12, &r->sealed_key);
    store_column_buf(st, 13, &r->receipt_wrap);
    store_column_buf(st, 14, &r->org_wrap);
    store_column_buf(st, 15, &r->body);
    store_column_fixed(st, 16, r->receipt_lookup, 32);
    r->incident_id = sqlite3_column_int64(st, 17);
}

StoreStatus store_case_get(StoreConn *c, const char *id, CaseRow *out)
{
    sqlite3_stmt *st = store_stmt(c, "SELECT " CASE_COLUMNS " FROM cases WHERE id = ?1");
    if (!st)
        return STORE_ERROR;
    store_bind_text(st, 1, id);
    StoreStatus s = store_step_row(c, st, __func__);
    if (s != STORE_OK)
        return s;
    case_from_row(st, out);
    sqlite3_reset(st);
    return STORE_OK;
}

StoreStatus store_case_by_lookup(StoreConn *c, const unsigned char lookup[32], CaseRow *out)
{
    sqlite3_stmt *st =
        store_stmt(c, "SELECT " CASE_COLUMNS " FROM cases WHERE receipt_lookup = ?1");
    if (!st)
        return STORE_ERROR;
    store_bind_blob(st, 1, lookup, 32);
    StoreStatus s = store_step_row(c, st, __func__);
    if (s != STORE_OK)
        return s;
    case_from_row(st, out);
    sqlite3_reset(st);
    return STORE_OK;
}

StoreStatus store_case_facts(StoreConn *c, const char *id, int64_t *targets, int *withdrawn)
{
    sqlite3_stmt *st = store_stmt(c, "SELECT (SELECT count(*) FROM targets t WHERE t.case_id = "
                                     "c.id), withdrawn_at IS NOT NULL FROM cases c WHERE id = ?1");
    if (!st)
        return STORE_ERROR;
    store_bind_text(st, 1, id);
    StoreStatus s = store_step_row(c, st, __func__);
    if (s != STORE_OK)
        return s;
    *targets = sqlite3_column_int64(st, 0);
    *withdrawn = sqlite3_column_int(st, 1);
    sqlite3_reset(st);
    return STORE_OK;
}

StoreStatus store_case_touch(StoreConn *c, const char *id, int64_t now)
{
    sqlite3_stmt *st = store_stmt(c, "UPDATE cases SET updated_at = ?2 WHERE id = ?1");
    if (!st)
        return STORE_ERROR;
    store_bind_text(st, 1, id);
    sqlite3_bind_int64(st, 2, now);
    return store_exec_one(c, st, __func__);
}

StoreStatus store_case_set_withdrawn(StoreConn *c, const char *id, int64_t now, int64_t purge_after)
{
    sqlite3_stmt *st = store_stmt(c, "UPDATE cases SET withdrawn_at = ?2, updated_at = ?2, "
                                     "purge_after = ?3 WHERE id = ?1 AND withdrawn_at IS NULL");
    if (!st)
        return STORE_ERROR;
    store_bind_text(st, 1, id);
    sqlite3_bind_int64(st, 2, now);
    sqlite3_bind_int64(st, 3, purge_after);
    StoreStatus s = store_exec_one(c, st, __func__);
    return s == STORE_NOT_FOUND ? STORE_CONFLICT : s;
}

StoreStatus store_case_delete(StoreConn *c, const char *id, Buf *file_ids)
{
    sqlite3_stmt *q = store_stmt(c, "SELECT id FROM files WHERE case_id = ?1");
    if (!q)
        return STORE_ERROR;
    store_bind_text(q, 1, id);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        buf_puts(file_ids, (const char *)sqlite3_column_text(q, 0));
        buf_putc(file_ids, '\n');
    }
    sqlite3_reset(q);
    if (rc != SQLITE_DONE)
        return store_status(c, rc, __func__);
    sqlite3_stmt *s1 = store_stmt(c, "DELETE FROM sessions WHERE case_id = ?1");
    if (!s1)
        return STORE_ERROR;
    store_bind_text(s1, 1, id);
    StoreStatus s = store_exec_stmt(c, s1, __func__);
    if (s != STORE_OK)
        return s;
    /* The case's incident goes with its last case: nothing else needs its label. */
    sqlite3_stmt *s3 =
        store_stmt(c, "DELETE FROM incidents WHERE id = (SELECT incident_id FROM cases WHERE id = "
                      "?1) AND NOT EXISTS (SELECT 1 FROM cases o WHERE o.incident_id = "
                      "incidents.id AND o.id <> ?1)");
    if (!s3)
        return STORE_ERROR;
    store_bind_text(s3, 1, id);
    if ((s = store_exec_stmt(c, s3, __func__)) != STORE_OK)
        return s;
    /* Targets, messages, fingerprints, files and events go with the case (ON DELETE CASCADE). */
    sqlite3_stmt *s2 = store_stmt(c, "DELETE FROM cases WHERE id = ?1");
    if (!s2)
        return STORE_ERROR;
    store_bind_text(s2, 1, id);
    return store_exec_one(c, s2, __func__);
}

StoreStatus store_target_insert(StoreConn *c, const char *case_id, const char *kind,
                                const char *platform, const char *state, int64_t parent_id,
                                const Buf *body, int64_t now, int64_t *id)
{
    sqlite3_stmt *st = store_stmt(c, "INSERT INTO targets (case_id, kind, platform, state, "
                                     "parent_id, created_at, updated_at, body) "
                                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7)");
    if (!st)
        return STORE_ERROR;
    store_bind_text(st, 1, case_id);
    store_bind_text(st, 2, kind);
    store_bind_text(st, 3, platform);
    store_bind_text(st, 4, state);
    if (parent_id > 0)
        sqlite3_bind_int64(st, 5, parent_id);
    else
        sqlite3_bind_null(st, 5);
    sqlite3_bind_int64(st, 6, now);
    store_bind_blob(st, 7, body->data, body->len);
    StoreStatus s = store_exec_stmt(c, st, __func__);
    if (s == STORE_OK && id)
        *id = sqlite3_last_insert_rowid(c->db);
    return s;
}

StoreStatus store_target_set_state(StoreConn *c, int64_t id, const char *from, const char *to,
                                   int64_t now)
{
    sqlite3_stmt *st = store_stmt(
        c, "UPDATE targets SET state = ?3, updated_at = ?4 WHERE id = ?1 AND state = ?2");
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, id);
    store_bind_text(st, 2, from);
    store_bind_text(st, 3, to);
    sqlite3_bind_int64(st, 4, now);
    StoreStatus s = store_exec_one(c, st, __func__);
    return s == STORE_NOT_FOUND ? STORE_CONFLICT : s;
}

/* The columns every target query reads, in store_target_from_row's order; the body comes last. */
#define TARGET_COLUMNS                                                                             \
    "id, case_id, kind, platform, state, coalesce(parent_id, 0), coalesce(route, ''), "            \
    "coalesce(due_at, 0), created_at, updated_at, coalesce(monitor_since, 0), "

void store_target_from_row(sqlite3_stmt *st, TargetRow *t)
{
    t->id = sqlite3_column_int64(st, 0);
    store_column_text(st, 1, t->case_id, sizeof t->case_id);
    store_column_text(st, 2, t->kind, sizeof t->kind);
    store_column_text(st, 3, t->platform, sizeof t->platform);
    store_column_text(st, 4, t->state, sizeof t->state);
    t->parent_id = sqlite3_column_int64(st, 5);
    store_column_text(st, 6, t->route, sizeof t->route);
    t->due_at = sqlite3_column_int64(st, 7);
    t->created_at = sqlite3_column_int64(st, 8);
    t->updated_at = sqlite3_column_int64(st, 9);
    t->monitor_since = sqlite3_column_int64(st, 10);
    store_column_buf(st, 11, &t->body);
}

StoreStatus store_targets_of_case(StoreConn *c, const char *case_id, int with_body,
                                  void (*cb)(void *arg, const TargetRow *t), void *arg)
{
    /* Lists that show no content do not even read the ciphertext. */
    sqlite3_stmt *st = store_stmt(c, "SELECT " TARGET_COLUMNS "CASE WHEN ?2 THEN body END "
                                     "FROM targets WHERE case_id = ?1 ORDER BY id");
    if (!st)
        return STORE_ERROR;
    store_bind_text(st, 1, case_id);
    sqlite3_bind_int(st, 2, with_body ? 1 : 0);
    TargetRow t = {0};
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        store_target_from_row(st, &t);
        cb(arg, &t);
    }
    target_row_free(&t);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? STORE_OK : store_status(c, rc, __func__);
}

StoreStatus store_target_get(StoreConn *c, int64_t id, TargetRow *out)
{
    sqlite3_stmt *st = store_stmt(c, "SELECT " TARGET_COLUMNS "body FROM targets WHERE id = ?1");
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, id);
    StoreStatus s = store_step_row(c, st, __func__);
    if (s != STORE_OK)
        return s;
    store_target_from_row(st, out);
    sqlite3_reset(st);
    return STORE_OK;
}

StoreStatus store_fingerprint_insert(StoreConn *c, const char *case_id, const char *alg,
                                     const Buf *body, int64_t *id)
{
    sqlite3_stmt *st =
        store_stmt(c, "INSERT INTO fingerprints (case_id, alg, body) VALUES (?1, ?2, ?3)");
    if (!st)
        return STORE_ERROR;
    store_bind_text(st, 1, case_id);
    store_bind_text(st, 2, alg);
    store_bind_blob(st, 3, body->data, body->len);
    StoreStatus s = store_exec_stmt(c, st, __func__);
    if (s == STORE_OK)
        *id = sqlite3_last_insert_rowid(c->db);
    return s;
}

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

StoreStatus store_file_insert(StoreConn *c, const char *id, const char *case_id, const Buf *meta,
                              int64_t now)
{
    sqlite3_stmt *st =
        store_stmt(c, "INSERT INTO files (id, case_id, created_at, meta) VALUES (?1, ?2, ?3, ?4)");
    if (!st)
        return STORE_ERROR;
    store_bind_text(st, 1, id);
    store_bind_text(st, 2, case_id);
    sqlite3_bind_int64(st, 3, now);
    store_bind_blob(st, 4, meta->data, meta->len);
    return store_exec_stmt(c, st, __func__);
}

StoreStatus store_files_of_case(StoreConn *c, const char *case_id,
                                void (*cb)(void *arg, const FileRow *f), void *arg)
{
    sqlite3_stmt *st = store_stmt(
        c, "SELECT id, created_at, meta FROM files WHERE case_id = ?1 ORDER BY created_at, id");
    if (!st)
        return STORE_ERROR;
    store_bind_text(st, 1, case_id);
    FileRow f = {0};
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        store_column_text(st, 0, f.id, sizeof f.id);
        f.created_at = sqlite3_column_int64(st, 1);
        store_column_buf(st, 2, &f.meta);
        cb(arg, &f);
    }
    buf_free(&f.meta);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? STORE_OK : store_status(c, rc, __func__);
}

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

StoreStatus store_file_get(StoreConn *c, const char *id, char case_id[CASE_ID_LEN + 1], Buf *meta)
{
    sqlite3_stmt *st = store_stmt(c, "SELECT case_id, meta FROM files WHERE id = ?1");
    if (!st)
        return STORE_ERROR;
    store_bind_text(st, 1, id);
    StoreStatus s = store_step_row(c, st, __func__);
    if (s != STORE_OK)
        return s;
    store_column_text(st, 0, case_id, CASE_ID_LEN + 1);
    store_column_buf(st, 1, meta);
    sqlite3_reset(st);
    return STORE_OK;
}

StoreStatus store_fingerprints_of_case(StoreConn *c, const char *case_id,
                                       void (*cb)(void *arg, int64_t id, const Buf *body),
                                       void *arg)
{
    sqlite3_stmt *st =
        store_stmt(c, "SELECT id, body FROM fingerprints WHERE case_id = ?1 ORDER BY id");
    if (!st)
        return STORE_ERROR;
    store_bind_text(st, 1, case_id);
    Buf b = {0};
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        store_column_buf(st, 1, &b);
        cb(arg, sqlite3_column_int64(st, 0), &b);
    }
    buf_free(&b);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? STORE_OK : store_status(c, rc, __func__);
}

int64_t store_last_insert_id(StoreConn *c)
{
    return sqlite3_last_insert_rowid(c->db);
}

StoreStatus store_case_ids(StoreConn *c, void (*cb)(void *arg, const char *id), void *arg)
{
    sqlite3_stmt *st = store_stmt(c, "SELECT id FROM cases ORDER BY created_at, id");
    if (!st)
        return STORE_ERROR;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        cb(arg, (const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? STORE_OK : store_status(c, rc, __func__);
}

StoreStatus store_case_set_keys(StoreConn *c, const char *id, const Buf *sealed_key,
                                const Buf *org_wrap)
{
    sqlite3_stmt *st =
        store_stmt(c, "UPDATE cases SET sealed_key = ?2, org_wrap = ?3 WHERE id = ?1");
    if (!st)
        return STORE_ERROR;
    store_bind_text(st, 1, id);
    store_bind_blob(st, 2, sealed_key->data, sealed_key->len);
    store_bind_blob(st, 3, org_wrap->data, org_wrap->len);
    return store_exec_one(c, st, __func__);
}
