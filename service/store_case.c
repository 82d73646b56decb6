/* Queries for cases, their files, fingerprints and blind indexes: one function per query. */
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

StoreStatus store_case_ids_all(StoreConn *c, void (*cb)(void *arg, const char *case_id), void *arg)
{
    sqlite3_stmt *st = store_stmt(c, "SELECT id FROM cases ORDER BY id");
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

StoreStatus store_case_set_org_wrap(StoreConn *c, const char *id, const Buf *wrap)
{
    sqlite3_stmt *st = store_stmt(c, "UPDATE cases SET org_wrap = ?2 WHERE id = ?1");
    if (!st)
        return STORE_ERROR;
    store_bind_text(st, 1, id);
    store_bind_blob(st, 2, wrap->data, wrap->len);
    return store_exec_one(c, st, __func__);
}

StoreStatus store_case_set_assignee(StoreConn *c, const char *id, int64_t staff_id, int64_t now)
{
    sqlite3_stmt *st =
        store_stmt(c, "UPDATE cases SET assignee = ?2, updated_at = ?3 WHERE id = ?1");
    if (!st)
        return STORE_ERROR;
    store_bind_text(st, 1, id);
    store_bind_opt_int(st, 2, staff_id);
    sqlite3_bind_int64(st, 3, now);
    return store_exec_one(c, st, __func__);
}

StoreStatus store_case_set_incident(StoreConn *c, const char *id, int64_t incident_id)
{
    sqlite3_stmt *st = store_stmt(c, "UPDATE cases SET incident_id = ?2 WHERE id = ?1");
    if (!st)
        return STORE_ERROR;
    store_bind_text(st, 1, id);
    store_bind_opt_int(st, 2, incident_id);
    return store_exec_one(c, st, __func__);
}

StoreStatus store_case_set_purge(StoreConn *c, const char *case_id, int64_t purge_after)
{
    sqlite3_stmt *st =
        store_stmt(c, "UPDATE cases SET purge_after = ?2 WHERE id = ?1 AND withdrawn_at IS NULL");
    if (!st)
        return STORE_ERROR;
    store_bind_text(st, 1, case_id);
    store_bind_opt_int(st, 2, purge_after);
    return store_exec_stmt(c, st, __func__);
}

StoreStatus store_case_set_hold(StoreConn *c, const char *case_id, int on)
{
    sqlite3_stmt *st = store_stmt(c, "UPDATE cases SET legal_hold = ?2 WHERE id = ?1");
    if (!st)
        return STORE_ERROR;
    store_bind_text(st, 1, case_id);
    sqlite3_bind_int(st, 2, on ? 1 : 0);
    return store_exec_one(c, st, __func__);
}

StoreStatus store_cases_to_purge(StoreConn *c, int64_t now,
                                 void (*cb)(void *arg, const char *case_id), void *arg)
{
    sqlite3_stmt *st = store_stmt(c, "SELECT id FROM cases WHERE purge_after IS NOT NULL AND "
                                     "purge_after <= ?1 AND legal_hold = 0 ORDER BY purge_after");
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, now);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        cb(arg, (const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? STORE_OK : store_status(c, rc, __func__);
}

/* ---- files ---- */

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

/* ---- fingerprints ---- */

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

/* ---- blind indexes ---- */

StoreStatus store_blind_replace(StoreConn *c, const char *case_id, const char *domain,
                                const unsigned char value[32], int64_t target_id)
{
    /* Only a repeat of the same value may be skipped; any other refusal is an error. */
    sqlite3_stmt *st = store_stmt(c, "INSERT INTO blind_index (domain, value, case_id, target_id) "
                                     "VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING");
    if (!st)
        return STORE_ERROR;
    store_bind_text(st, 1, domain);
    store_bind_blob(st, 2, value, 32);
    store_bind_text(st, 3, case_id);
    store_bind_opt_int(st, 4, target_id);
    return store_exec_stmt(c, st, __func__);
}

StoreStatus store_blind_clear(StoreConn *c, const char *case_id)
{
    sqlite3_stmt *st = store_stmt(c, "DELETE FROM blind_index WHERE case_id = ?1");
    if (!st)
        return STORE_ERROR;
    store_bind_text(st, 1, case_id);
    return store_exec_stmt(c, st, __func__);
}

StoreStatus store_blind_matches(StoreConn *c, const char *case_id,
                                void (*cb)(void *arg, const char *other_case, const char *domain,
                                           int64_t target_id),
                                void *arg)
{
    sqlite3_stmt *st = store_stmt(
        c, "SELECT DISTINCT o.case_id, o.domain, coalesce(m.target_id, 0) FROM blind_index m "
           "JOIN blind_index o ON o.domain = m.domain AND o.value = m.value AND o.case_id != "
           "m.case_id WHERE m.case_id = ?1 ORDER BY o.case_id, o.domain");
    if (!st)
        return STORE_ERROR;
    store_bind_text(st, 1, case_id);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        cb(arg, (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
           sqlite3_column_int64(st, 2));
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? STORE_OK : store_status(c, rc, __func__);
}
