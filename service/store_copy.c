/* Copying a SQLite installation into PostgreSQL (store_copy.h). The source is read with SQLite
 * directly, from one read transaction; the target is written through the store, a batch of rows
 * per transaction, each row inserted with ON CONFLICT DO NOTHING, so that a run begun again
 * passes over what an earlier one copied. The tables go in the order of PostgreSQL's baseline,
 * in which every table comes after those it refers to; rows go in rowid order, so a copy's
 * parent (targets.parent_id) is there before it. */
#include "store_copy.h"

#include "buf.h"
#include "log.h"
#include "store_internal.h"
#include "store_staff.h"

#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The parameters of an INSERT of n columns: ":c0, :c1, ..." (literals joined by the compiler). */
#define P1 ":c0"
#define P2 P1 ", :c1"
#define P3 P2 ", :c2"
#define P4 P3 ", :c3"
#define P5 P4 ", :c4"
#define P6 P5 ", :c5"
#define P7 P6 ", :c6"
#define P8 P7 ", :c7"
#define P9 P8 ", :c8"
#define P10 P9 ", :c9"
#define P11 P10 ", :c10"
#define P12 P11 ", :c11"
#define P13 P12 ", :c12"
#define P14 P13 ", :c13"
#define P15 P14 ", :c14"
#define P16 P15 ", :c15"
#define P17 P16 ", :c16"
#define P18 P17 ", :c17"
#define COPY_COLS_MAX 18

/* One table as the copy reads and writes it: every statement a literal. cols is also compared
 * with the source's own columns (source_matches), so a table whose columns differ stops the copy
 * instead of copying the wrong column into another. */
typedef struct CopyTable {
    const char *name;
    int ncols;
    const char *cols;   /* the source's columns, in order, as pragma_table_info lists them */
    const char *count;  /* the same on both engines */
    const char *select; /* on the source, in rowid order */
    const char *insert; /* on the target */
    const char *serial; /* on the target after the copy: its id identity goes on after the
                           highest id copied (NULL: the table has none) */
} CopyTable;

#define COPY_(t, n, c, s)                                                                          \
    {                                                                                              \
        t, n, c, "SELECT count(*) FROM " t, "SELECT " c " FROM " t " ORDER BY rowid",              \
            "INSERT INTO " t " (" c ") VALUES (" P##n ") ON CONFLICT DO NOTHING", s                \
    }
#define COPY(t, n, c) COPY_(t, n, c, NULL)
#define COPY_SERIAL(t, n, c)                                                                       \
    COPY_(t, n, c,                                                                                 \
          "SELECT setval(pg_get_serial_sequence('" t "', 'id'), coalesce((SELECT max(id) FROM " t  \
          "), 0) + 1, false)")

/* Every table of schema 17 but those in copy_skipped, in an order where each comes after those it
 * refers to. A table of the target's schema in neither list stops the copy before it starts
 * (check_tables): a migration that adds one must say how it is copied. */
static const CopyTable copy_tables[] = {
    COPY("meta", 2, "key, value"),
    COPY("org", 8,
         "id, public_key, recovery_wrap, receipt_salt, require_totp, created_at, key_epoch, "
         "checker_public_key"),
    COPY_SERIAL("staff", 13,
                "id, login, role, key_wrap, totp_secret, totp_pending, totp_last_step, disabled, "
                "created_at, password_changed_at, public_key, org_seal, digest_email"),
    COPY("audit", 8, "id, at, actor, action, subject, detail, prev_hash, hash"),
    COPY_SERIAL("incidents", 3, "id, created_at, label"),
    COPY("cases", 18,
         "id, receipt_lookup, sealed_key, receipt_wrap, org_wrap, channel, requester_role, "
         "language, incident_type, risk_flags, withdrawn_at, legal_hold, purge_after, assignee, "
         "created_at, updated_at, body, incident_id"),
    COPY_SERIAL("targets", 16,
                "id, case_id, kind, platform, state, parent_id, route, due_at, created_at, "
                "updated_at, body, decision_at, monitor_since, next_check_at, last_check_at, "
                "checker_seal"),
    COPY_SERIAL("fingerprints", 4, "id, case_id, alg, body"),
    COPY_SERIAL("messages", 6, "id, case_id, author, staff_id, created_at, body"),
    COPY("files", 4, "id, case_id, created_at, meta"),
    COPY_SERIAL("events", 9, "id, case_id, target_id, at, actor, kind, from_state, to_state, body"),
    COPY("routes", 3, "id, clock_hours, elements"),
    COPY("platforms", 4, "id, route, clock_hours, channel"),
    COPY_SERIAL("notices", 9,
                "id, target_id, case_id, route, language, sent_at, sent_by, body, due_at"),
    COPY_SERIAL("notes", 5, "id, case_id, staff_id, created_at, body"),
    COPY_SERIAL("visits", 9,
                "id, target_id, case_id, planned_at, staff_a, staff_b, outcome, recorded_at, "
                "body"),
    COPY_SERIAL("blind_index", 5, "id, domain, value, case_id, target_id"),
    COPY_SERIAL("platform_accounts", 6,
                "id, platform, public_key, created_at, created_by, revoked_at"),
    COPY_SERIAL("platform_tokens", 7,
                "id, account_id, token_hash, created_at, expires_at, revoked_at, last_used_at"),
    COPY_SERIAL("desk_notices", 11,
                "id, notice_id, account_id, target_id, route, sent_at, sealed, acked_at, "
                "decided_at, seq, copy"),
    COPY_SERIAL("desk_answers", 8,
                "id, desk_notice_id, target_id, kind, outcome, platform_at, received_at, body"),
    COPY_SERIAL("desk_reuploads", 7,
                "id, desk_notice_id, target_id, reported_at, child_id, applied_at, body"),
    COPY_SERIAL("outbox", 12,
                "id, kind, case_id, staff_id, day, msgid, created_at, next_at, state, attempts, "
                "last_error, done_at"),
    COPY_SERIAL("night_checks", 4, "id, event_id, case_id, body"),
};
#define COPY_TABLES (sizeof copy_tables / sizeof copy_tables[0])
/* Not copied: sessions (everyone signs in again), the schema's version (the target's own), the
 * queue (the target's triggers make it from the cases and copies). */
static const char *const copy_skipped[] = {"sessions", "schema_version", "case_queue",
                                           "case_queue_dirty"};
#define COPY_BATCH 500
#define SOURCE_SCHEMA 17      /* the SQLite schema this copy knows, and PostgreSQL's baseline */
#define MARK "migrate_source" /* meta row on the target while a copy is under way */

static int listed(const char *table)
{
    for (size_t i = 0; i < COPY_TABLES; i++)
        if (strcmp(copy_tables[i].name, table) == 0)
            return 1;
    for (size_t i = 0; i < sizeof copy_skipped / sizeof copy_skipped[0]; i++)
        if (strcmp(copy_skipped[i], table) == 0)
            return 1;
    return 0;
}

typedef struct Unknown {
    int n;
} Unknown;

static int table_known(StoreStmt *st, void *arg)
{
    const char *t = store_col_text(st, 0);
    if (t && !listed(t)) {
        log_errorx("the target has a table this copy does not know: %s", t);
        ((Unknown *)arg)->n++;
    }
    return 0;
}

/* 0 when every table of the target is one this copy copies or skips on purpose. */
static int check_tables(StoreConn *c)
{
    Unknown u = {0};
    StoreStmt *st = store_stmt(c, "SELECT table_name FROM information_schema.tables WHERE "
                                  "table_schema = 'public' AND table_type = 'BASE TABLE'");
    return store_each(c, st, table_known, &u, __func__) == STORE_OK && u.n == 0 ? 0 : -1;
}

/* One value read from the source. */
typedef struct CopyValue {
    int type; /* SQLITE_INTEGER, SQLITE_TEXT, SQLITE_BLOB or SQLITE_NULL */
    int64_t i;
    Buf b;
} CopyValue;

typedef struct CopyBatch {
    const char *sql; /* the target's INSERT (a literal) */
    int cols, rows;
    CopyValue v[COPY_BATCH][COPY_COLS_MAX];
} CopyBatch;

static const char *const param_names[COPY_COLS_MAX] = {
    ":c0", ":c1",  ":c2",  ":c3",  ":c4",  ":c5",  ":c6",  ":c7",  ":c8",
    ":c9", ":c10", ":c11", ":c12", ":c13", ":c14", ":c15", ":c16", ":c17"};

static StoreStatus insert_batch(StoreConn *c, void *arg)
{
    CopyBatch *b = arg;
    for (int r = 0; r < b->rows; r++) {
        StoreStmt *st = store_stmt(c, b->sql);
        for (int k = 0; k < b->cols; k++) {
            const CopyValue *v = &b->v[r][k];
            if (v->type == SQLITE_INTEGER)
                store_bind_int64_n(st, param_names[k], v->i);
            else if (v->type == SQLITE_TEXT)
                store_bind_text_n(st, param_names[k], (const char *)v->b.data);
            else if (v->type == SQLITE_BLOB)
                store_bind_blob_n(st, param_names[k], v->b.data ? v->b.data : (const void *)"",
                                  v->b.len);
            else
                store_bind_text_n(st, param_names[k], NULL);
        }
        StoreStatus s = store_exec_stmt(c, st, __func__);
        if (s != STORE_OK)
            return s;
    }
    return STORE_OK;
}

/* 1 when the source's table has exactly the columns t->cols names, in that order. */
static int source_matches(sqlite3 *db, const CopyTable *t)
{
    sqlite3_stmt *st = NULL;
    int same = 0;
    if (sqlite3_prepare_v2(db,
                           "SELECT group_concat(name, ', ') FROM "
                           "(SELECT name FROM pragma_table_info(?1) ORDER BY cid)",
                           -1, &st, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        same = strcmp((const char *)sqlite3_column_text(st, 0), t->cols) == 0;
    sqlite3_finalize(st);
    return same;
}

/* 0 when every table of the source has the columns this copy knows (each one that differs is
 * logged). */
static int source_shape(sqlite3 *db)
{
    int bad = 0;
    for (size_t i = 0; i < COPY_TABLES; i++)
        if (!source_matches(db, &copy_tables[i])) {
            log_errorx("the source's columns of %s are not those of schema 17",
                       copy_tables[i].name);
            bad++;
        }
    return bad ? -1 : 0;
}

static int64_t source_count(sqlite3 *db, const CopyTable *t)
{
    sqlite3_stmt *st = NULL;
    int64_t n = -1;
    if (sqlite3_prepare_v2(db, t->count, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

static int64_t target_count(StoreConn *c, const CopyTable *t)
{
    int64_t n = -1;
    if (store_one(c, store_stmt(c, t->count), store_row_int64, &n, __func__) != STORE_OK)
        n = -1;
    return n;
}

static void batch_clear(CopyBatch *b)
{
    for (int r = 0; r < b->rows; r++)
        for (int k = 0; k < b->cols; k++)
            buf_free(&b->v[r][k].b);
    b->rows = 0;
}

/* Copies one table; *budget counts down the rows a run may still copy (-1: no bound). */
static StoreCopyResult copy_table(sqlite3 *db, const CopyTable *t, int64_t *budget,
                                  StoreCopyProgress fn, void *arg)
{
    const char *table = t->name;
    int n = t->ncols;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, t->select, -1, &st, NULL) != SQLITE_OK) {
        log_errorx("cannot read %s: %s", table, sqlite3_errmsg(db));
        return STORE_COPY_FAILED;
    }
    CopyBatch *b = xcalloc(1, sizeof *b);
    b->sql = t->insert;
    b->cols = n;
    int64_t total = source_count(db, t), done = 0;
    StoreCopyResult res = STORE_COPY_OK;
    int rc = SQLITE_ROW;
    for (;;) {
        /* Never a step after the last row: SQLite would start the statement over. */
        while (b->rows < COPY_BATCH && *budget != 0 && rc == SQLITE_ROW &&
               (rc = sqlite3_step(st)) == SQLITE_ROW) {
            for (int k = 0; k < n; k++) {
                CopyValue *v = &b->v[b->rows][k];
                v->type = sqlite3_column_type(st, k);
                if (v->type == SQLITE_INTEGER) {
                    v->i = sqlite3_column_int64(st, k);
                } else if (v->type == SQLITE_TEXT) {
                    buf_append(&v->b, sqlite3_column_text(st, k),
                               (size_t)sqlite3_column_bytes(st, k));
                    buf_putc(&v->b, '\0');
                } else if (v->type == SQLITE_BLOB) {
                    buf_append(&v->b, sqlite3_column_blob(st, k),
                               (size_t)sqlite3_column_bytes(st, k));
                }
            }
            b->rows++;
            if (*budget > 0)
                (*budget)--;
        }
        if (b->rows == 0)
            break;
        if (store_tx(insert_batch, b) != STORE_OK) {
            res = STORE_COPY_FAILED;
            break;
        }
        done += b->rows;
        batch_clear(b);
        if (fn)
            fn(arg, table, done, total);
        if (*budget == 0 || rc != SQLITE_ROW)
            break;
    }
    if (res == STORE_COPY_OK && *budget != 0 && rc != SQLITE_DONE && rc != SQLITE_ROW) {
        log_errorx("reading %s stopped: %s", table, sqlite3_errmsg(db));
        res = STORE_COPY_FAILED;
    }
    batch_clear(b);
    free(b);
    sqlite3_finalize(st);
    return res;
}

/* The source installation's identity: its org public key, as hex (the copy's mark). */
static int source_identity(sqlite3 *db, char *out, size_t n)
{
    sqlite3_stmt *st = NULL;
    int ok = sqlite3_prepare_v2(db, "SELECT hex(public_key) FROM org WHERE id = 1", -1, &st,
                                NULL) == SQLITE_OK &&
             sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0);
    if (ok)
        snprintf(out, n, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return ok && out[0] ? 0 : -1;
}

typedef struct Begin {
    const char *mark;
    int fresh; /* out: the target had no installation, its seeded rows were cleared */
    int other; /* out: the target holds another installation */
} Begin;

/* Marks the target as this source's copy; a fresh target first loses its seeded routes,
 * platforms and settings, which the copy brings as the source has them. */
static StoreStatus begin_copy(StoreConn *c, void *arg)
{
    Begin *b = arg;
    char have[256] = "";
    int64_t orgs = 0;
    StoreStatus s =
        store_one(c, store_stmt(c, "SELECT count(*) FROM org"), store_row_int64, &orgs, __func__);
    if (s != STORE_OK)
        return s;
    StoreTextOut t = {have, sizeof have};
    StoreStmt *st = store_stmt(c, "SELECT value FROM meta WHERE key = '" MARK "'");
    s = store_one(c, st, store_row_text_out, &t, __func__);
    if (s != STORE_OK && s != STORE_NOT_FOUND)
        return s;
    if (s == STORE_OK) { /* an earlier run of this copy, or of another's */
        b->other = strcmp(have, b->mark) != 0;
        return STORE_OK;
    }
    if (orgs > 0) {
        b->other = 1;
        return STORE_OK;
    }
    b->fresh = 1;
    static const char *const clear[] = {"DELETE FROM platforms", "DELETE FROM routes",
                                        "DELETE FROM meta"};
    for (size_t i = 0; i < sizeof clear / sizeof clear[0]; i++)
        if ((s = store_exec_stmt(c, store_stmt(c, clear[i]), __func__)) != STORE_OK)
            return s;
    st = store_stmt(c, "INSERT INTO meta (key, value) VALUES ('" MARK "', :mark)");
    store_bind_text_n(st, ":mark", b->mark);
    return store_exec_stmt(c, st, __func__);
}

static StoreStatus end_copy(StoreConn *c, void *arg)
{
    (void)arg;
    int64_t next = 0;
    for (size_t i = 0; i < COPY_TABLES; i++) {
        if (!copy_tables[i].serial)
            continue;
        StoreStatus s =
            store_one(c, store_stmt(c, copy_tables[i].serial), store_row_int64, &next, __func__);
        if (s != STORE_OK)
            return s;
    }
    return store_exec_stmt(c, store_stmt(c, "DELETE FROM meta WHERE key = '" MARK "'"), __func__);
}

static int source_schema(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    int v = -1;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Every table counted on both sides (the target's meta holds the mark besides), and the
 * target's audit chain verified. */
static StoreCopyResult verify(sqlite3 *db, StoreConn *c)
{
    int64_t audit_rows = -1;
    for (size_t i = 0; i < COPY_TABLES; i++) {
        const CopyTable *t = &copy_tables[i];
        int64_t want = source_count(db, t) + (strcmp(t->name, "meta") == 0);
        int64_t got = target_count(c, t);
        if (want != got) {
            log_errorx("%s: %" PRId64 " rows in the source, %" PRId64 " copied", t->name, want,
                       got);
            return STORE_COPY_MISMATCH;
        }
        if (strcmp(t->name, "audit") == 0)
            audit_rows = got;
    }
    int64_t rows = 0, bad = 0;
    if (store_audit_verify(c, &rows, &bad) != STORE_OK || bad != 0 || rows != audit_rows) {
        log_errorx("the copied audit log does not verify (entry %" PRId64 ")", bad);
        return STORE_COPY_MISMATCH;
    }
    return STORE_COPY_OK;
}

StoreCopyResult store_copy_from_sqlite(const char *sqlite_path, int64_t stop_after,
                                       StoreCopyProgress fn, void *arg)
{
    StoreConn *c = store_conn();
    if (!c || !c->pg)
        return STORE_COPY_FAILED;
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(sqlite_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        return STORE_COPY_NO_SOURCE;
    }
    sqlite3_busy_timeout(db, 5000);
    char mark[256];
    StoreCopyResult res = STORE_COPY_OK;
    /* One snapshot of the source for the whole run, the checks included (it begins at the first
     * read): takedownd may still be running on it. */
    if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK || check_tables(c) != 0)
        res = STORE_COPY_FAILED;
    else if (source_identity(db, mark, sizeof mark) != 0)
        res = STORE_COPY_NO_SOURCE;
    else if (source_schema(db) != SOURCE_SCHEMA)
        res = STORE_COPY_SOURCE_NEWER;
    else if (source_shape(db) != 0)
        res = STORE_COPY_SOURCE_CHANGED;
    Begin b = {mark, 0, 0};
    if (res == STORE_COPY_OK && store_tx(begin_copy, &b) != STORE_OK)
        res = STORE_COPY_FAILED;
    if (res == STORE_COPY_OK && b.other)
        res = STORE_COPY_NOT_EMPTY;
    int64_t budget = stop_after > 0 ? stop_after : -1;
    for (size_t i = 0; res == STORE_COPY_OK && i < COPY_TABLES && budget != 0; i++)
        res = copy_table(db, &copy_tables[i], &budget, fn, arg);
    if (res == STORE_COPY_OK && budget == 0)
        res = STORE_COPY_STOPPED;
    if (res == STORE_COPY_OK)
        res = verify(db, c);
    if (res == STORE_COPY_OK && store_tx(end_copy, NULL) != STORE_OK)
        res = STORE_COPY_FAILED;
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(db);
    return res;
}
