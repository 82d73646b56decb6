/* Queries for cases, their files, fingerprints and blind indexes: one function per query, every
 * value bound by name. */
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

void case_ids_add(void *arg, const char *case_id)
{
    CaseIds *ids = arg;
    ids->id = xgrow(ids->id, ids->n, &ids->cap, sizeof *ids->id, 64);
    snprintf(ids->id[ids->n++], CASE_ID_LEN + 1, "%s", case_id);
}

/* ---- cases ---- */

StoreStatus store_case_count(StoreConn *c, int64_t *n)
{
    StoreStmt *st = store_stmt(c, "SELECT count(*) FROM cases");
    *n = 0;
    return store_one(c, st, store_row_int64, n, __func__);
}

StoreStatus store_case_insert(StoreConn *c, const CaseRow *r)
{
    StoreStmt *st = store_stmt(
        c, "INSERT INTO cases (id, receipt_lookup, sealed_key, receipt_wrap, channel, "
           "requester_role, language, incident_type, risk_flags, created_at, updated_at, body) "
           "VALUES (:id, :lookup, :sealed_key, :receipt_wrap, :channel, :role, :language, "
           ":incident_type, :risk_flags, :now, :now, :body)");
    store_bind_text_n(st, ":id", r->id);
    store_bind_blob_n(st, ":lookup", r->receipt_lookup, VAULT_ID_BYTES);
    store_bind_buf_n(st, ":sealed_key", &r->sealed_key);
    store_bind_buf_n(st, ":receipt_wrap", &r->receipt_wrap);
    store_bind_text_n(st, ":channel", r->channel);
    store_bind_text_n(st, ":role", r->requester_role);
    store_bind_text_n(st, ":language", r->language);
    store_bind_text_n(st, ":incident_type", r->incident_type);
    store_bind_int64_n(st, ":risk_flags", r->risk_flags);
    store_bind_int64_n(st, ":now", r->created_at);
    store_bind_buf_n(st, ":body", &r->body);
    return store_exec_stmt(c, st, __func__);
}

#define CASE_COLUMNS                                                                               \
    "id, channel, requester_role, language, incident_type, risk_flags, "                           \
    "coalesce(withdrawn_at, 0), legal_hold, coalesce(purge_after, 0), coalesce(assignee, 0), "     \
    "created_at, updated_at, sealed_key, receipt_wrap, org_wrap, body, receipt_lookup, "           \
    "coalesce(incident_id, 0)"

static const StoreCol case_cols[] = {STORE_COL(TEXT, CaseRow, id),
                                     STORE_COL(TEXT, CaseRow, channel),
                                     STORE_COL(TEXT, CaseRow, requester_role),
                                     STORE_COL(TEXT, CaseRow, language),
                                     STORE_COL(TEXT, CaseRow, incident_type),
                                     STORE_COL(INT, CaseRow, risk_flags),
                                     STORE_COL(INT, CaseRow, withdrawn_at),
                                     STORE_COL(INT, CaseRow, legal_hold),
                                     STORE_COL(INT, CaseRow, purge_after),
                                     STORE_COL(INT, CaseRow, assignee),
                                     STORE_COL(INT, CaseRow, created_at),
                                     STORE_COL(INT, CaseRow, updated_at),
                                     STORE_COL(BUF, CaseRow, sealed_key),
                                     STORE_COL(BUF, CaseRow, receipt_wrap),
                                     STORE_COL(BUF, CaseRow, org_wrap),
                                     STORE_COL(BUF, CaseRow, body),
                                     STORE_COL(FIXED, CaseRow, receipt_lookup),
                                     STORE_COL(INT, CaseRow, incident_id)};
static const StoreRowSpec case_spec = STORE_ROW_SPEC(case_cols);

StoreStatus store_case_get(StoreConn *c, const char *id, CaseRow *out)
{
    StoreStmt *st = store_stmt(c, "SELECT " CASE_COLUMNS " FROM cases WHERE id = :id");
    store_bind_text_n(st, ":id", id);
    return store_one_row(c, st, &case_spec, out, __func__);
}

StoreStatus store_case_by_lookup(StoreConn *c, const unsigned char lookup[VAULT_ID_BYTES],
                                 CaseRow *out)
{
    StoreStmt *st =
        store_stmt(c, "SELECT " CASE_COLUMNS " FROM cases WHERE receipt_lookup = :lookup");
    store_bind_blob_n(st, ":lookup", lookup, VAULT_ID_BYTES);
    return store_one_row(c, st, &case_spec, out, __func__);
}

typedef struct CaseFacts {
    int64_t *targets;
    int *withdrawn;
} CaseFacts;

static int facts_row(StoreStmt *st, void *p)
{
    const CaseFacts *f = p;
    *f->targets = store_col_int64(st, 0);
    *f->withdrawn = (int)store_col_int64(st, 1);
    return 0;
}

StoreStatus store_case_facts(StoreConn *c, const char *id, int64_t *targets, int *withdrawn)
{
    StoreStmt *st = store_stmt(c, "SELECT (SELECT count(*) FROM targets t WHERE t.case_id = c.id), "
                                  "withdrawn_at IS NOT NULL FROM cases c WHERE id = :id");
    store_bind_text_n(st, ":id", id);
    CaseFacts f = {targets, withdrawn};
    return store_one(c, st, facts_row, &f, __func__);
}

StoreStatus store_case_touch(StoreConn *c, const char *id, int64_t now)
{
    StoreStmt *st = store_stmt(c, "UPDATE cases SET updated_at = :now WHERE id = :id");
    store_bind_text_n(st, ":id", id);
    store_bind_int64_n(st, ":now", now);
    return store_exec_one(c, st, __func__);
}

/* The purge date of a closed case, in SQL: now + the retention setting in days (meta
 * retention_days; :days when it is unset or not a positive number; CAST reads a number's leading
 * digits as strtoll would). The one place that rule is written. */
#define PURGE_AFTER_CLOSED                                                                         \
    ":now + 86400 * coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = "                \
    "'retention_days' AND CAST(value AS INTEGER) > 0), :days)"

StoreStatus store_case_set_withdrawn(StoreConn *c, const char *id, int64_t now,
                                     int64_t default_days)
{
    StoreStmt *st = store_stmt(c, "UPDATE cases SET withdrawn_at = :now, updated_at = :now, "
                                  "purge_after = " PURGE_AFTER_CLOSED
                                  " WHERE id = :id AND withdrawn_at IS NULL");
    store_bind_text_n(st, ":id", id);
    store_bind_int64_n(st, ":now", now);
    store_bind_int64_n(st, ":days", default_days);
    StoreStatus s = store_exec_one(c, st, __func__);
    return s == STORE_NOT_FOUND ? STORE_CONFLICT : s;
}

/* Appends a file id and a newline to a Buf. */
static int file_id_row(StoreStmt *st, void *p)
{
    buf_puts(p, store_col_text(st, 0));
    buf_putc(p, '\n');
    return 0;
}

StoreStatus store_case_delete(StoreConn *c, const char *id, Buf *file_ids)
{
    StoreStmt *q = store_stmt(c, "SELECT id FROM files WHERE case_id = :case_id");
    store_bind_text_n(q, ":case_id", id);
    StoreStatus s = store_each(c, q, file_id_row, file_ids, __func__);
    if (s != STORE_OK)
        return s;
    StoreStmt *s1 = store_stmt(c, "DELETE FROM sessions WHERE case_id = :case_id");
    store_bind_text_n(s1, ":case_id", id);
    if ((s = store_exec_stmt(c, s1, __func__)) != STORE_OK)
        return s;
    /* The case's incident goes with its last case: nothing else needs its label. */
    StoreStmt *s3 = store_stmt(
        c, "DELETE FROM incidents WHERE id = (SELECT incident_id FROM cases WHERE id = :case_id) "
           "AND NOT EXISTS (SELECT 1 FROM cases o WHERE o.incident_id = incidents.id AND o.id <> "
           ":case_id)");
    store_bind_text_n(s3, ":case_id", id);
    if ((s = store_exec_stmt(c, s3, __func__)) != STORE_OK)
        return s;
    /* Targets, messages, fingerprints, files and events go with the case (ON DELETE CASCADE). */
    StoreStmt *s2 = store_stmt(c, "DELETE FROM cases WHERE id = :case_id");
    store_bind_text_n(s2, ":case_id", id);
    return store_exec_one(c, s2, __func__);
}

StoreStatus store_case_ids(StoreConn *c, void (*cb)(void *arg, const char *id), void *arg)
{
    StoreStmt *st = store_stmt(c, "SELECT id FROM cases ORDER BY created_at, id");
    StoreTextCb t = {cb, arg};
    return store_each(c, st, store_row_text0, &t, __func__);
}

StoreStatus store_case_ids_all(StoreConn *c, void (*cb)(void *arg, const char *case_id), void *arg)
{
    StoreStmt *st = store_stmt(c, "SELECT id FROM cases ORDER BY id");
    StoreTextCb t = {cb, arg};
    return store_each(c, st, store_row_text0, &t, __func__);
}

StoreStatus store_case_set_keys(StoreConn *c, const char *id, const Buf *sealed_key,
                                const Buf *org_wrap)
{
    StoreStmt *st = store_stmt(
        c, "UPDATE cases SET sealed_key = :sealed_key, org_wrap = :org_wrap WHERE id = :id");
    store_bind_text_n(st, ":id", id);
    store_bind_buf_n(st, ":sealed_key", sealed_key);
    store_bind_buf_n(st, ":org_wrap", org_wrap);
    return store_exec_one(c, st, __func__);
}

StoreStatus store_case_set_org_wrap(StoreConn *c, const char *id, const Buf *wrap)
{
    StoreStmt *st = store_stmt(c, "UPDATE cases SET org_wrap = :org_wrap WHERE id = :id");
    store_bind_text_n(st, ":id", id);
    store_bind_buf_n(st, ":org_wrap", wrap);
    return store_exec_one(c, st, __func__);
}

StoreStatus store_case_set_assignee(StoreConn *c, const char *id, int64_t staff_id, int64_t now)
{
    StoreStmt *st =
        store_stmt(c, "UPDATE cases SET assignee = :staff_id, updated_at = :now WHERE id = :id");
    store_bind_text_n(st, ":id", id);
    store_bind_opt_int64_n(st, ":staff_id", staff_id);
    store_bind_int64_n(st, ":now", now);
    return store_exec_one(c, st, __func__);
}

StoreStatus store_case_set_incident(StoreConn *c, const char *id, int64_t incident_id)
{
    StoreStmt *st = store_stmt(c, "UPDATE cases SET incident_id = :incident_id WHERE id = :id");
    store_bind_text_n(st, ":id", id);
    store_bind_opt_int64_n(st, ":incident_id", incident_id);
    return store_exec_one(c, st, __func__);
}

static int id_row(StoreStmt *st, void *p)
{
    snprintf(p, CASE_ID_LEN + 1, "%s", store_col_text(st, 0));
    return 0;
}

StoreStatus store_center_case_of(StoreConn *c, int64_t incident_id, char id[CASE_ID_LEN + 1])
{
    StoreStmt *st = store_stmt(c, "SELECT id FROM cases WHERE incident_id = :incident_id AND "
                                  "channel = 'center' ORDER BY created_at LIMIT 1");
    store_bind_int64_n(st, ":incident_id", incident_id);
    id[0] = '\0';
    StoreStatus s = store_one(c, st, id_row, id, __func__);
    return s == STORE_NOT_FOUND ? STORE_OK : s;
}

StoreStatus store_case_retain(StoreConn *c, const char *case_id, int64_t now, int64_t default_days)
{
    /* +state, SQLite's way of saying "not this column's index": the case's few copies through
     * targets_case, not every open copy through targets_state. PostgreSQL has no such hint (and
     * plans by statistics). */
#define RETAIN_SQL(state)                                                                          \
    "UPDATE cases SET purge_after = CASE WHEN EXISTS (SELECT 1 FROM targets WHERE case_id = "      \
    ":id AND " state " IN " OPEN_STATES ") THEN NULL ELSE " PURGE_AFTER_CLOSED                     \
    " END WHERE id = :id AND withdrawn_at IS NULL"
    StoreStmt *st = store_stmt2(c, RETAIN_SQL("+state"), RETAIN_SQL("state"));
#undef RETAIN_SQL
    store_bind_text_n(st, ":id", case_id);
    store_bind_int64_n(st, ":now", now);
    store_bind_int64_n(st, ":days", default_days);
    return store_exec_stmt(c, st, __func__);
}

StoreStatus store_case_set_purge(StoreConn *c, const char *case_id, int64_t purge_after)
{
    StoreStmt *st = store_stmt(
        c, "UPDATE cases SET purge_after = :purge_after WHERE id = :id AND withdrawn_at IS NULL");
    store_bind_text_n(st, ":id", case_id);
    store_bind_opt_int64_n(st, ":purge_after", purge_after);
    return store_exec_stmt(c, st, __func__);
}

StoreStatus store_case_set_hold(StoreConn *c, const char *case_id, int on)
{
    StoreStmt *st = store_stmt(c, "UPDATE cases SET legal_hold = :on WHERE id = :id");
    store_bind_text_n(st, ":id", case_id);
    store_bind_int64_n(st, ":on", on ? 1 : 0);
    return store_exec_one(c, st, __func__);
}

StoreStatus store_cases_to_purge(StoreConn *c, int64_t now,
                                 void (*cb)(void *arg, const char *case_id), void *arg)
{
    StoreStmt *st =
        store_stmt(c, "SELECT id FROM cases WHERE purge_after IS NOT NULL AND purge_after <= "
                      ":now AND legal_hold = 0 ORDER BY purge_after");
    store_bind_int64_n(st, ":now", now);
    StoreTextCb t = {cb, arg};
    return store_each(c, st, store_row_text0, &t, __func__);
}

/* ---- files ---- */

StoreStatus store_file_insert(StoreConn *c, const char *id, const char *case_id, const Buf *meta,
                              int64_t now)
{
    StoreStmt *st = store_stmt(c, "INSERT INTO files (id, case_id, created_at, meta) "
                                  "VALUES (:id, :case_id, :now, :meta)");
    store_bind_text_n(st, ":id", id);
    store_bind_text_n(st, ":case_id", case_id);
    store_bind_int64_n(st, ":now", now);
    store_bind_buf_n(st, ":meta", meta);
    return store_exec_stmt(c, st, __func__);
}

static const StoreCol file_cols[] = {STORE_COL(TEXT, FileRow, id),
                                     STORE_COL(INT, FileRow, created_at),
                                     STORE_COL(BUF, FileRow, meta)};
static const StoreRowSpec file_spec = STORE_ROW_SPEC(file_cols);
STORE_EACH_ROW(file_each, FileRow, file_spec)

StoreStatus store_files_of_case(StoreConn *c, const char *case_id,
                                void (*cb)(void *arg, const FileRow *f), void *arg)
{
    StoreStmt *st = store_stmt(c, "SELECT id, created_at, meta FROM files "
                                  "WHERE case_id = :case_id ORDER BY created_at, id");
    store_bind_text_n(st, ":case_id", case_id);
    FileRowEach e = {cb, arg};
    return store_each(c, st, file_each, &e, __func__);
}

typedef struct FileOut {
    char *case_id; /* CASE_ID_LEN + 1 */
    Buf *meta;
} FileOut;

static int file_get_row(StoreStmt *st, void *p)
{
    const FileOut *o = p;
    store_column_text(st, 0, o->case_id, CASE_ID_LEN + 1);
    store_column_buf(st, 1, o->meta);
    return 0;
}

StoreStatus store_file_get(StoreConn *c, const char *id, char case_id[CASE_ID_LEN + 1], Buf *meta)
{
    StoreStmt *st = store_stmt(c, "SELECT case_id, meta FROM files WHERE id = :id");
    store_bind_text_n(st, ":id", id);
    FileOut o = {case_id, meta};
    return store_one(c, st, file_get_row, &o, __func__);
}

/* ---- fingerprints ---- */

StoreStatus store_fingerprint_insert(StoreConn *c, const char *case_id, const char *alg,
                                     const Buf *body, int64_t *id)
{
    StoreStmt *st = store_stmt_insert(
        c, "INSERT INTO fingerprints (case_id, alg, body) VALUES (:case_id, :alg, :body)");
    store_bind_text_n(st, ":case_id", case_id);
    store_bind_text_n(st, ":alg", alg);
    store_bind_buf_n(st, ":body", body);
    return store_exec_insert(c, st, id, __func__);
}

typedef struct FingerprintEach {
    void (*cb)(void *arg, int64_t id, const Buf *body);
    void *arg;
} FingerprintEach;

static int fingerprint_row(StoreStmt *st, void *p)
{
    const FingerprintEach *e = p;
    Buf b = {0};
    store_column_buf(st, 1, &b);
    e->cb(e->arg, store_col_int64(st, 0), &b);
    buf_free(&b);
    return 0;
}

StoreStatus store_fingerprints_of_case(StoreConn *c, const char *case_id,
                                       void (*cb)(void *arg, int64_t id, const Buf *body),
                                       void *arg)
{
    StoreStmt *st =
        store_stmt(c, "SELECT id, body FROM fingerprints WHERE case_id = :case_id ORDER BY id");
    store_bind_text_n(st, ":case_id", case_id);
    FingerprintEach e = {cb, arg};
    return store_each(c, st, fingerprint_row, &e, __func__);
}

/* ---- blind indexes ---- */

StoreStatus store_blind_replace(StoreConn *c, const char *case_id, const char *domain,
                                const unsigned char value[VAULT_ID_BYTES], int64_t target_id)
{
    /* Only a repeat of the same value may be skipped; any other refusal is an error. */
    StoreStmt *st = store_stmt(c, "INSERT INTO blind_index (domain, value, case_id, target_id) "
                                  "VALUES (:domain, :value, :case_id, :target_id) "
                                  "ON CONFLICT DO NOTHING");
    store_bind_text_n(st, ":domain", domain);
    store_bind_blob_n(st, ":value", value, VAULT_ID_BYTES);
    store_bind_text_n(st, ":case_id", case_id);
    store_bind_opt_int64_n(st, ":target_id", target_id);
    return store_exec_stmt(c, st, __func__);
}

StoreStatus store_blind_clear(StoreConn *c, const char *case_id)
{
    StoreStmt *st = store_stmt(c, "DELETE FROM blind_index WHERE case_id = :case_id");
    store_bind_text_n(st, ":case_id", case_id);
    return store_exec_stmt(c, st, __func__);
}

static const StoreCol blind_cols[] = {STORE_COL(TEXT, BlindRow, domain),
                                      STORE_COL(FIXED, BlindRow, value),
                                      STORE_COL(INT, BlindRow, target_id)};
static const StoreRowSpec blind_spec = STORE_ROW_SPEC(blind_cols);
STORE_EACH_ROW(blind_each, BlindRow, blind_spec)

StoreStatus store_blind_of_case(StoreConn *c, const char *case_id,
                                void (*cb)(void *arg, const BlindRow *r), void *arg)
{
    StoreStmt *st = store_stmt(c, "SELECT domain, value, coalesce(target_id, 0) FROM blind_index "
                                  "WHERE case_id = :case_id");
    store_bind_text_n(st, ":case_id", case_id);
    BlindRowEach e = {cb, arg};
    return store_each(c, st, blind_each, &e, __func__);
}

StoreStatus store_blind_matches(StoreConn *c, const char *case_id,
                                void (*cb)(void *arg, const char *other_case, const char *domain,
                                           int64_t target_id),
                                void *arg)
{
    StoreStmt *st = store_stmt(
        c, "SELECT DISTINCT o.case_id, o.domain, coalesce(m.target_id, 0) FROM blind_index m "
           "JOIN blind_index o ON o.domain = m.domain AND o.value = m.value AND o.case_id != "
           "m.case_id WHERE m.case_id = :case_id ORDER BY o.case_id, o.domain");
    store_bind_text_n(st, ":case_id", case_id);
    StoreText2IntCb e = {cb, arg};
    return store_each(c, st, store_row_text2_int, &e, __func__);
}
