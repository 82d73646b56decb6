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
#include "store_pg.h"
#include "store_staff.h"

#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every table of schema 17 but those in copy_skipped, in an order where each comes after those it
 * refers to. A table of the target's schema in neither list stops the copy before it starts
 * (check_tables): a migration that adds one must say how it is copied. */
static const char *const copy_tables[] = {
    "meta",
    "org",
    "staff",
    "audit",
    "incidents",
    "cases",
    "targets",
    "fingerprints",
    "messages",
    "files",
    "events",
    "routes",
    "platforms",
    "notices",
    "notes",
    "visits",
    "blind_index",
    "platform_accounts",
    "platform_tokens",
    "desk_notices",
    "desk_answers",
    "desk_reuploads",
    "outbox",
    "night_checks",
};
#define COPY_TABLES (sizeof copy_tables / sizeof copy_tables[0])
/* Not copied: sessions (everyone signs in again), the schema's version (the target's own), the
 * queue (the target's triggers make it from the cases and copies). */
static const char *const copy_skipped[] = {"sessions", "schema_version", "case_queue",
                                           "case_queue_dirty"};
#define COPY_BATCH 500
#define COPY_COLS_MAX 32
#define SOURCE_SCHEMA 17      /* the SQLite schema this copy knows, and PostgreSQL's baseline */
#define MARK "migrate_source" /* meta row on the target while a copy is under way */

static int listed(const char *table, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], table) == 0)
            return 1;
    return 0;
}

typedef struct Unknown {
    int n;
} Unknown;

static int table_known(StoreStmt *st, void *arg)
{
    const char *t = store_col_text(st, 0);
    if (t && !listed(t, copy_tables, COPY_TABLES) &&
        !listed(t, copy_skipped, sizeof copy_skipped / sizeof copy_skipped[0])) {
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
    const char *sql; /* the target's INSERT; lives until the program ends (the statement cache) */
    int cols, rows;
    CopyValue v[COPY_BATCH][COPY_COLS_MAX];
} CopyBatch;

static const char *const param_names[COPY_COLS_MAX] = {
    ":c0",  ":c1",  ":c2",  ":c3",  ":c4",  ":c5",  ":c6",  ":c7",  ":c8",  ":c9",  ":c10",
    ":c11", ":c12", ":c13", ":c14", ":c15", ":c16", ":c17", ":c18", ":c19", ":c20", ":c21",
    ":c22", ":c23", ":c24", ":c25", ":c26", ":c27", ":c28", ":c29", ":c30", ":c31"};

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

/* The source's columns of table, in order, into cols (comma-separated) and their count. */
static int source_columns(sqlite3 *db, const char *table, Buf *cols)
{
    sqlite3_stmt *st = NULL;
    int n = 0;
    if (sqlite3_prepare_v2(db, "SELECT name FROM pragma_table_info(?1) ORDER BY cid", -1, &st,
                           NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW && n < COPY_COLS_MAX) {
        buf_printf(cols, "%s%s", n ? ", " : "", (const char *)sqlite3_column_text(st, 0));
        n++;
    }
    sqlite3_finalize(st);
    return n;
}

static int64_t source_count(sqlite3 *db, const char *table)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    sqlite3_stmt *st = NULL;
    int64_t n = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

/* The target's count of a table; the SQL kept for the statement cache, as above. */
static int64_t target_count(StoreConn *c, const char *table, char **keep)
{
    Buf sql = {0};
    buf_printf(&sql, "SELECT count(*) FROM %s", table);
    *keep = buf_take(&sql);
    int64_t n = -1;
    if (store_one(c, store_stmt(c, *keep), store_row_int64, &n, __func__) != STORE_OK)
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
static StoreCopyResult copy_table(sqlite3 *db, const char *table, char **keep, int64_t *budget,
                                  StoreCopyProgress fn, void *arg)
{
    Buf cols = {0}, select = {0}, insert = {0};
    int n = source_columns(db, table, &cols);
    if (n <= 0 || n >= COPY_COLS_MAX) {
        log_errorx("cannot read the columns of %s", table);
        buf_free(&cols);
        return STORE_COPY_FAILED;
    }
    buf_printf(&select, "SELECT %s FROM %s ORDER BY rowid", (const char *)cols.data, table);
    buf_printf(&insert, "INSERT INTO %s (%s) VALUES (", table, (const char *)cols.data);
    for (int k = 0; k < n; k++)
        buf_printf(&insert, "%s%s", k ? ", " : "", param_names[k]);
    buf_puts(&insert, ") ON CONFLICT DO NOTHING");
    *keep = buf_take(&insert);
    buf_free(&cols);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, (const char *)select.data, -1, &st, NULL);
    buf_free(&select);
    if (rc != SQLITE_OK) {
        log_errorx("cannot read %s: %s", table, sqlite3_errmsg(db));
        return STORE_COPY_FAILED;
    }
    CopyBatch *b = xcalloc(1, sizeof *b);
    b->sql = *keep;
    b->cols = n;
    int64_t total = source_count(db, table), done = 0;
    StoreCopyResult res = STORE_COPY_OK;
    rc = SQLITE_ROW;
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
    /* Identity columns go on after the highest id copied. */
    StoreStatus s = pg_exec(
        c->pg,
        "DO $$ DECLARE t text; BEGIN FOR t IN SELECT table_name FROM information_schema.columns "
        "WHERE table_schema = 'public' AND column_name = 'id' AND is_identity = 'YES' LOOP "
        "EXECUTE format('SELECT setval(%L, coalesce((SELECT max(id) FROM %I), 0) + 1, false)', "
        "pg_get_serial_sequence(t, 'id'), t); END LOOP; END $$",
        __func__);
    if (s == STORE_OK)
        s = store_exec_stmt(c, store_stmt(c, "DELETE FROM meta WHERE key = '" MARK "'"), __func__);
    return s;
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
static StoreCopyResult verify(sqlite3 *db, StoreConn *c, char **keep)
{
    for (size_t i = 0; i < COPY_TABLES; i++) {
        int64_t want = source_count(db, copy_tables[i]) + (strcmp(copy_tables[i], "meta") == 0);
        int64_t got = target_count(c, copy_tables[i], &keep[i]);
        if (want != got) {
            log_errorx("%s: %" PRId64 " rows in the source, %" PRId64 " copied", copy_tables[i],
                       want, got);
            return STORE_COPY_MISMATCH;
        }
    }
    int64_t rows = 0, bad = 0;
    if (store_audit_verify(c, &rows, &bad) != STORE_OK || bad != 0 ||
        rows != source_count(db, "audit")) {
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
    if (source_identity(db, mark, sizeof mark) != 0)
        res = STORE_COPY_NO_SOURCE;
    else if (source_schema(db) != SOURCE_SCHEMA)
        res = STORE_COPY_SOURCE_NEWER;
    else if (check_tables(c) != 0)
        res = STORE_COPY_FAILED;
    Begin b = {mark, 0, 0};
    if (res == STORE_COPY_OK && store_tx(begin_copy, &b) != STORE_OK)
        res = STORE_COPY_FAILED;
    if (res == STORE_COPY_OK && b.other)
        res = STORE_COPY_NOT_EMPTY;
    /* One snapshot of the source for the whole run: takedownd may still be running on it. */
    if (res == STORE_COPY_OK && sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        res = STORE_COPY_FAILED;
    /* The statements' SQL stays allocated until the program ends: the store's statement cache
     * knows a statement by the address of its SQL. */
    static char *inserts[COPY_TABLES], *counts[COPY_TABLES];
    int64_t budget = stop_after > 0 ? stop_after : -1;
    for (size_t i = 0; res == STORE_COPY_OK && i < COPY_TABLES && budget != 0; i++)
        res = copy_table(db, copy_tables[i], &inserts[i], &budget, fn, arg);
    if (res == STORE_COPY_OK && budget == 0)
        res = STORE_COPY_STOPPED;
    if (res == STORE_COPY_OK)
        res = verify(db, c, counts);
    if (res == STORE_COPY_OK && store_tx(end_copy, NULL) != STORE_OK)
        res = STORE_COPY_FAILED;
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(db);
    return res;
}
