/* Opening, migrating and checking the database; per-thread connections; the transaction helper. */
#include "store_internal.h"

#include "assets.h"
#include "buf.h"
#include "log.h"
#include "store_pg.h"
#include "store_staff.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char db_path[600];
/* The PostgreSQL database (store_set_database), or NULL: SQLite at db_path. One engine per
 * process, so a statement's engine is known without asking it. */
static char *db_url;
static char data_dir[512];
static dev_t db_dev;
static ino_t db_ino;
static int schema_version;
static pthread_key_t conn_key;
static pthread_once_t conn_key_once = PTHREAD_ONCE_INIT;
static _Thread_local StoreConn *tl_conn;

/* The engine's statement behind a StoreStmt: one engine per process (store_open). */
static sqlite3_stmt *lite(StoreStmt *st)
{
    return (sqlite3_stmt *)(void *)st;
}

static PgStmt *pgs(StoreStmt *st)
{
    return (PgStmt *)(void *)st;
}

static void conn_close(StoreConn *c)
{
    if (!c)
        return;
    for (int i = 0; i < STORE_STMT_SLOTS; i++) {
        if (!c->cache[i].st)
            continue;
        if (c->pg)
            pg_stmt_free(pgs(c->cache[i].st));
        else
            sqlite3_finalize(lite(c->cache[i].st));
    }
    pg_conn_close(c->pg);
    sqlite3_close(c->db);
    free(c);
}

static void conn_destructor(void *p)
{
    conn_close(p);
}

static void conn_key_init(void)
{
    pthread_key_create(&conn_key, conn_destructor);
}

/* The last failure to connect to PostgreSQL, logged once until a connection succeeds again; and
 * the gate that keeps every thread from trying again at once: after a failure nobody tries before
 * pg_retry_at (ms, monotonic), 100 ms later at first, doubling to 5 s while it keeps failing. */
static atomic_int pg_down_logged;
static _Atomic int64_t pg_retry_at, pg_backoff_ms;

static int64_t monotonic_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static StoreConn *conn_open(void)
{
    StoreConn *c = xcalloc(1, sizeof *c);
    if (db_url) {
        char err[256];
        if (monotonic_ms() < atomic_load(&pg_retry_at)) {
            free(c);
            return NULL;
        }
        c->pg = pg_conn_open(db_url, err, sizeof err);
        if (!c->pg) {
            int64_t wait = atomic_load(&pg_backoff_ms);
            wait = wait < 100 ? 100 : wait * 2 > 5000 ? 5000 : wait * 2;
            atomic_store(&pg_backoff_ms, wait);
            atomic_store(&pg_retry_at, monotonic_ms() + wait);
            if (!atomic_exchange(&pg_down_logged, 1))
                log_msg(LOG_LEVEL_WARN, "%s", err);
            free(c);
            return NULL;
        }
        if (atomic_exchange(&pg_down_logged, 0))
            log_info("connected to PostgreSQL again");
        atomic_store(&pg_backoff_ms, 0);
        atomic_store(&pg_retry_at, 0);
        return c;
    }
    int rc = sqlite3_open_v2(
        db_path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        log_errorx("cannot open database: %s", sqlite3_errstr(rc));
        conn_close(c);
        return NULL;
    }
    sqlite3_busy_timeout(c->db, 5000);
    sqlite3_extended_result_codes(c->db, 1);
    const char *pragmas = "PRAGMA journal_mode=WAL;"
                          "PRAGMA synchronous=FULL;"
                          "PRAGMA foreign_keys=ON;"
                          "PRAGMA secure_delete=ON;"
                          "PRAGMA trusted_schema=OFF;"
                          "PRAGMA temp_store=MEMORY;";
    char *msg = NULL;
    if (sqlite3_exec(c->db, pragmas, NULL, NULL, &msg) != SQLITE_OK) {
        log_errorx("cannot configure database: %s", msg ? msg : "?");
        sqlite3_free(msg);
        conn_close(c);
        return NULL;
    }
    return c;
}

/* The one connection that writes (store_tx.c): used by one group leader at a time, so its page
 * cache stays valid from one write transaction to the next instead of being read again. */
static StoreConn *writer;
static _Thread_local int tl_writing; /* this thread leads a group: store_conn() is the writer */
static const char *_Atomic writer_pragmas_wanted; /* store_fill_durability's, for the writer */
static const char *writer_pragmas_applied;

/* Checkpoints off the commit path: see store_checkpoint_elsewhere. */
static int (*checkpoint_ask)(void);
static atomic_int checkpoint_asked;
static int checkpoint_asked_at; /* the log's pages when last asked; the writer's alone */

/* After each of the writer's commits: once STORE_WAL_PAGES pages came since the last ask (or
 * since the log started again from its beginning), ask for a checkpoint, once until it ran.
 * SQLite's own after-commit checkpoint is off on the writer. */
static int wal_pages_last;               /* the log's pages after the writer's last commit */
static _Atomic int64_t wal_frames_total; /* pages the writer's commits wrote to the log */

int64_t store_wal_frames_total(void)
{
    return atomic_load(&wal_frames_total);
}

static int writer_wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
    (void)arg, (void)db, (void)name;
    /* A log that started again from its beginning holds only this commit's pages. */
    atomic_fetch_add(&wal_frames_total, pages >= wal_pages_last ? pages - wal_pages_last : pages);
    wal_pages_last = pages;
    if (!checkpoint_ask) {
        /* As SQLite's own hook does (this one replaces it): takedownctl, the generator. */
        if (pages >= 1000)
            sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        return SQLITE_OK;
    }
    if (pages < checkpoint_asked_at)
        checkpoint_asked_at = 0; /* the log was reset */
    if (pages - checkpoint_asked_at >= 10 * STORE_WAL_PAGES) {
        /* Asked long ago and never run (the slow-work pool stayed full): here, as SQLite would. */
        sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        checkpoint_asked_at = pages;
        atomic_store(&checkpoint_asked, 0);
        return SQLITE_OK;
    }
    if (pages - checkpoint_asked_at < STORE_WAL_PAGES || atomic_exchange(&checkpoint_asked, 1))
        return SQLITE_OK;
    if (checkpoint_ask() == 0)
        checkpoint_asked_at = pages;
    else
        atomic_store(&checkpoint_asked, 0); /* not taken: the next commit asks again */
    return SQLITE_OK;
}

void store_checkpoint_elsewhere(int (*ask)(void))
{
    checkpoint_ask = ask;
}

int store_checkpoint_passive(void)
{
    if (db_url)
        return 0;
    StoreConn *c = store_conn();
    int rc = c ? sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL)
               : SQLITE_ERROR;
    atomic_store(&checkpoint_asked, 0);
    return rc == SQLITE_OK ? 0 : -1;
}

StoreConn *store_writer_enter(void)
{
    if (!writer && db_path[0]) {
        writer = conn_open();
        if (writer)
            sqlite3_wal_hook(writer->db, writer_wal_hook, NULL);
    }
    if (!writer)
        return NULL;
    const char *want = writer_pragmas_wanted;
    if (want != writer_pragmas_applied && sqlite3_exec(writer->db, want, NULL, NULL, NULL) == 0)
        writer_pragmas_applied = want;
    tl_writing = 1;
    return writer;
}

void store_writer_leave(void)
{
    tl_writing = 0;
}

int store_writer_active(void)
{
    return tl_writing;
}

StoreConn *store_conn(void)
{
    if (tl_writing)
        return writer;
    if (tl_conn && tl_conn->pg && pg_conn_broken(tl_conn->pg))
        store_conn_release(); /* lost: a new connection, its statements prepared anew */
    if (tl_conn)
        return tl_conn;
    if (!db_path[0] && !db_url)
        return NULL;
    pthread_once(&conn_key_once, conn_key_init);
    tl_conn = conn_open();
    if (tl_conn)
        pthread_setspecific(conn_key, tl_conn);
    return tl_conn;
}

int store_reachable(void)
{
    return !db_url || store_conn() != NULL;
}

void store_conn_release(void)
{
    if (!tl_conn)
        return;
    pthread_setspecific(conn_key, NULL);
    conn_close(tl_conn);
    tl_conn = NULL;
}

/* A statement one of whose binds named a parameter it lacks: its next run fails. Statements
 * belong to this thread's connection, so one slot per thread is enough. */
static _Thread_local StoreStmt *tl_bad_bind;

static StoreStmt *stmt_new(StoreConn *c, const char *sql, int insert)
{
    if (c->pg)
        return (StoreStmt *)(void *)pg_stmt_new(c->pg, sql, insert);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
        log_errorx("prepare failed: %s", sqlite3_errmsg(c->db));
        return NULL;
    }
    return (StoreStmt *)(void *)st;
}

static StoreStmt *stmt_cached(StoreConn *c, const char *sql, int insert)
{
    if (!c)
        return NULL;
    size_t h = ((uintptr_t)sql >> 3) % STORE_STMT_SLOTS;
    for (size_t i = 0; i < STORE_STMT_SLOTS; i++) {
        size_t k = (h + i) % STORE_STMT_SLOTS;
        StoreStmt *st = c->cache[k].st;
        if (c->cache[k].sql == sql) {
            if (c->pg) {
                pg_stmt_reset(pgs(st));
            } else {
                sqlite3_reset(lite(st));
                sqlite3_clear_bindings(lite(st));
            }
            if (tl_bad_bind == st)
                tl_bad_bind = NULL;
            return st;
        }
        if (!c->cache[k].sql) {
            st = stmt_new(c, sql, insert);
            if (!st)
                return NULL;
            c->cache[k].sql = sql;
            c->cache[k].st = st;
            return st;
        }
    }
    log_errorx("statement cache full");
    return NULL;
}

StoreStmt *store_stmt(StoreConn *c, const char *sql)
{
    return stmt_cached(c, sql, 0);
}

StoreStmt *store_stmt2(StoreConn *c, const char *sqlite_sql, const char *pg_sql)
{
    return stmt_cached(c, c && c->pg ? pg_sql : sqlite_sql, 0);
}

StoreStmt *store_stmt_insert(StoreConn *c, const char *sql)
{
    /* SQLite: the connection's last rowid, read by store_exec_insert; "RETURNING id" would cost a
     * report about 140 k instructions more in the one writer (cost.mjs --callgrind). PostgreSQL
     * has no last rowid: the statement returns the id. */
    return stmt_cached(c, sql, 1);
}

StoreStatus store_status(StoreConn *c, int rc, const char *func)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW:
        return STORE_OK;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return STORE_BUSY;
    case SQLITE_CONSTRAINT:
        return STORE_CONFLICT;
    case SQLITE_FULL:
    case SQLITE_IOERR:
        /* A warning, not an error: the operator's disk, not our bug; every request says so. */
        log_msg(LOG_LEVEL_WARN, "%s: the disk refused: %s", func,
                c && c->db ? sqlite3_errmsg(c->db) : "?");
        return STORE_UNAVAILABLE;
    default:
        log_msg(LOG_LEVEL_ERROR, "%s: sqlite: %s", func, c && c->db ? sqlite3_errmsg(c->db) : "?");
        return STORE_ERROR;
    }
}

/* ---- binds by name ---- */

/* The index of a named parameter; 0 (logged, asserted, the statement marked) when st lacks it. */
static int param_index(StoreStmt *st, const char *name)
{
    if (!st)
        return 0;
    int i = db_url ? pg_param_index(pgs(st), name) : sqlite3_bind_parameter_index(lite(st), name);
    if (i > 0)
        return i;
    log_errorx("no parameter %s in: %s", name,
               db_url ? pg_stmt_sql(pgs(st)) : sqlite3_sql(lite(st)));
    tl_bad_bind = st;
    assert(!"a bind names a parameter the statement lacks");
    return 0;
}

static void bind_null(StoreStmt *st, int i)
{
    if (db_url)
        pg_bind_null(pgs(st), i);
    else
        sqlite3_bind_null(lite(st), i);
}

int store_bind_text_n(StoreStmt *st, const char *name, const char *s)
{
    int i = param_index(st, name);
    if (!i)
        return -1;
    if (!s)
        bind_null(st, i);
    else if (db_url)
        pg_bind_text(pgs(st), i, s);
    else
        sqlite3_bind_text(lite(st), i, s, -1, SQLITE_TRANSIENT);
    return 0;
}

int store_bind_opt_text_n(StoreStmt *st, const char *name, const char *s)
{
    return store_bind_text_n(st, name, s && *s ? s : NULL);
}

static void bind_int64(StoreStmt *st, int i, int64_t v)
{
    if (db_url)
        pg_bind_int64(pgs(st), i, v);
    else
        sqlite3_bind_int64(lite(st), i, v);
}

int store_bind_int64_n(StoreStmt *st, const char *name, int64_t v)
{
    int i = param_index(st, name);
    if (!i)
        return -1;
    bind_int64(st, i, v);
    return 0;
}

int store_bind_opt_int64_n(StoreStmt *st, const char *name, int64_t v)
{
    int i = param_index(st, name);
    if (!i)
        return -1;
    if (v)
        bind_int64(st, i, v);
    else
        bind_null(st, i);
    return 0;
}

int store_bind_blob_n(StoreStmt *st, const char *name, const void *p, size_t n)
{
    int i = param_index(st, name);
    if (!i)
        return -1;
    if (!p)
        bind_null(st, i);
    else if (db_url)
        pg_bind_blob(pgs(st), i, p, n);
    else
        sqlite3_bind_blob64(lite(st), i, p, n, SQLITE_TRANSIENT);
    return 0;
}

int store_bind_buf_n(StoreStmt *st, const char *name, const Buf *b)
{
    return store_bind_blob_n(st, name, b ? b->data : NULL, b ? b->len : 0);
}

/* ---- running statements ---- */

static void stmt_reset(StoreStmt *st)
{
    if (db_url)
        pg_stmt_reset(pgs(st));
    else
        sqlite3_reset(lite(st));
}

/* 1 when st may run: prepared, and no bind named a parameter it lacks (that mark is used up).
 * SQLite: a statement that writes ends the request's read transaction first: it commits on its
 * own, never inside that snapshot (where it would wait for the request's end). */
static int stmt_runnable(StoreStmt *st)
{
    if (!st)
        return 0;
    if (!db_url && tl_conn && tl_conn->reading && sqlite3_db_handle(lite(st)) == tl_conn->db &&
        !sqlite3_stmt_readonly(lite(st)))
        store_read_end();
    if (tl_bad_bind != st)
        return 1;
    tl_bad_bind = NULL;
    stmt_reset(st);
    return 0;
}

/* One step of st: STEP_ROW, STEP_DONE, or STEP_FAILED with *s set. */
enum { STEP_ROW = 1, STEP_DONE, STEP_FAILED };

static int step(StoreConn *c, StoreStmt *st, StoreStatus *s, const char *func)
{
    if (db_url)
        return pg_step(pgs(st), s, func); /* the same three values */
    int rc = sqlite3_step(lite(st));
    if (rc == SQLITE_ROW)
        return STEP_ROW;
    if (rc == SQLITE_DONE)
        return STEP_DONE;
    *s = store_status(c, rc, func);
    return STEP_FAILED;
}

StoreStatus store_exec_stmt(StoreConn *c, StoreStmt *st, const char *func)
{
    if (!stmt_runnable(st))
        return STORE_ERROR;
    StoreStatus s = STORE_OK;
    step(c, st, &s, func);
    stmt_reset(st);
    return s;
}

/* An UPDATE that must touch exactly one row. */
StoreStatus store_exec_one(StoreConn *c, StoreStmt *st, const char *func)
{
    StoreStatus s = store_exec_stmt(c, st, func);
    if (s == STORE_OK && store_changes(c) == 0)
        return STORE_NOT_FOUND;
    return s;
}

StoreStatus store_exec_insert(StoreConn *c, StoreStmt *st, int64_t *id, const char *func)
{
    if (!c->pg) {
        StoreStatus s = store_exec_stmt(c, st, func);
        if (s == STORE_OK && id)
            *id = sqlite3_last_insert_rowid(c->db);
        return s;
    }
    if (!stmt_runnable(st))
        return STORE_ERROR;
    StoreStatus s = STORE_OK;
    if (step(c, st, &s, func) == STEP_ROW && id)
        *id = pg_col_int64(pgs(st), 0); /* RETURNING id */
    stmt_reset(st);
    return s;
}

int64_t store_changes(StoreConn *c)
{
    return c->pg ? pg_changes(c->pg) : sqlite3_changes64(c->db);
}

StoreStatus store_each(StoreConn *c, StoreStmt *st, StoreRowFn fn, void *arg, const char *func)
{
    if (!stmt_runnable(st))
        return STORE_ERROR;
    StoreStatus s = STORE_OK;
    while (step(c, st, &s, func) == STEP_ROW)
        if (fn(st, arg))
            break;
    stmt_reset(st);
    return s;
}

StoreStatus store_one(StoreConn *c, StoreStmt *st, StoreRowFn fn, void *arg, const char *func)
{
    if (!stmt_runnable(st))
        return STORE_ERROR;
    StoreStatus s = STORE_OK;
    int r = step(c, st, &s, func);
    if (r == STEP_DONE)
        s = STORE_NOT_FOUND;
    else if (r == STEP_ROW)
        fn(st, arg);
    stmt_reset(st);
    return s;
}

int store_row_text0(StoreStmt *st, void *arg)
{
    const StoreTextCb *t = arg;
    t->cb(t->arg, store_col_text(st, 0));
    return 0;
}

int store_row_int64(StoreStmt *st, void *arg)
{
    *(int64_t *)arg = store_col_int64(st, 0);
    return 0;
}

int store_row_text_out(StoreStmt *st, void *arg)
{
    const StoreTextOut *t = arg;
    store_column_text(st, 0, t->out, t->n);
    return 0;
}

int store_row_int64_pair(StoreStmt *st, void *arg)
{
    int64_t *v = arg;
    v[0] = store_col_int64(st, 0);
    v[1] = store_col_int64(st, 1);
    return 0;
}

int store_row_text2_int(StoreStmt *st, void *arg)
{
    const StoreText2IntCb *t = arg;
    t->cb(t->arg, store_col_text(st, 0), store_col_text(st, 1), store_col_int64(st, 2));
    return 0;
}

static void column_int(StoreStmt *st, int col, void *field, size_t size)
{
    int64_t v = store_col_int64(st, col);
    if (size == sizeof(int64_t)) {
        memcpy(field, &v, sizeof v);
    } else {
        assert(size == sizeof(int));
        int i = (int)v;
        memcpy(field, &i, sizeof i);
    }
}

void store_row_read(StoreStmt *st, const StoreRowSpec *spec, void *row)
{
    for (size_t i = 0; i < spec->n; i++) {
        const StoreCol *k = &spec->cols[i];
        unsigned char *field = (unsigned char *)row + k->offset;
        int col = (int)i;
        switch (k->kind) {
        case STORE_COL_INT:
            column_int(st, col, field, k->size);
            break;
        case STORE_COL_TEXT:
            store_column_text(st, col, (char *)field, k->size);
            break;
        case STORE_COL_BUF:
            store_column_buf(st, col, (Buf *)(void *)field);
            break;
        case STORE_COL_FIXED:
            store_column_fixed(st, col, field, k->size);
            break;
        }
    }
}

void store_row_release(const StoreRowSpec *spec, void *row)
{
    for (size_t i = 0; i < spec->n; i++)
        if (spec->cols[i].kind == STORE_COL_BUF)
            buf_free((Buf *)(void *)((unsigned char *)row + spec->cols[i].offset));
}

typedef struct RowInto {
    const StoreRowSpec *spec;
    void *row;
} RowInto;

static int row_into(StoreStmt *st, void *arg)
{
    const RowInto *r = arg;
    store_row_read(st, r->spec, r->row);
    return 0;
}

StoreStatus store_one_row(StoreConn *c, StoreStmt *st, const StoreRowSpec *spec, void *out,
                          const char *func)
{
    RowInto r = {spec, out};
    return store_one(c, st, row_into, &r, func);
}

/* A blob column's bytes and length (NULL for NULL). */
static const void *col_blob(StoreStmt *st, int col, size_t *n)
{
    if (db_url)
        return pg_col_blob(pgs(st), col, n);
    const void *p = sqlite3_column_blob(lite(st), col);
    *n = p ? (size_t)sqlite3_column_bytes(lite(st), col) : 0;
    return p;
}

/* Copies a blob column into a Buf (empty for NULL). */
void store_column_buf(StoreStmt *st, int col, Buf *out)
{
    buf_reset(out);
    size_t n;
    const void *p = col_blob(st, col, &n);
    if (p && n > 0)
        buf_append(out, p, n);
}

void store_column_fixed(StoreStmt *st, int col, void *out, size_t n)
{
    memset(out, 0, n);
    size_t len;
    const void *p = col_blob(st, col, &len);
    if (p && len == n)
        memcpy(out, p, n);
}

void store_column_text(StoreStmt *st, int col, char *out, size_t n)
{
    if (n == 0)
        return;
    const char *p = store_col_text(st, col);
    size_t len = p ? (db_url ? strlen(p) : (size_t)sqlite3_column_bytes(lite(st), col)) : 0;
    if (len > n - 1)
        len = n - 1; /* truncated, as the declaration promises */
    if (len)
        memcpy(out, p, len);
    out[len] = '\0';
}

int64_t store_col_int64(StoreStmt *st, int col)
{
    return db_url ? pg_col_int64(pgs(st), col) : sqlite3_column_int64(lite(st), col);
}

const char *store_col_text(StoreStmt *st, int col)
{
    return db_url ? pg_col_text(pgs(st), col) : (const char *)sqlite3_column_text(lite(st), col);
}

StoreStatus store_set_sealed(StoreConn *c, StoreSealed which, int64_t id, const void *ct, size_t n)
{
    /* Table names cannot be bound: one literal statement per column. */
    static const char *const sql[] = {
        [SEALED_TARGET_BODY] = "UPDATE targets SET body = :sealed WHERE id = :id",
        [SEALED_MESSAGE_BODY] = "UPDATE messages SET body = :sealed WHERE id = :id",
        [SEALED_NOTE_BODY] = "UPDATE notes SET body = :sealed WHERE id = :id",
        [SEALED_NOTICE_BODY] = "UPDATE notices SET body = :sealed WHERE id = :id",
        [SEALED_VISIT_BODY] = "UPDATE visits SET body = :sealed WHERE id = :id",
        [SEALED_EVENT_BODY] = "UPDATE events SET body = :sealed WHERE id = :id",
        [SEALED_INCIDENT_LABEL] = "UPDATE incidents SET label = :sealed WHERE id = :id",
        [SEALED_FINGERPRINT_BODY] = "UPDATE fingerprints SET body = :sealed WHERE id = :id",
    };
    StoreStmt *st = store_stmt(c, sql[which]);
    store_bind_int64_n(st, ":id", id);
    store_bind_blob_n(st, ":sealed", ct, n);
    return store_exec_one(c, st, __func__);
}

/* ---- transactions (the group commit is in store_tx.c) ---- */

void store_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

StoreStatus store_fill_durability(int relaxed)
{
    StoreConn *c = store_conn();
    if (!c)
        return STORE_ERROR;
    if (c->pg) /* the same promise: a crash of the server may lose the last commits, no more */
        return pg_exec(c->pg,
                       relaxed ? "SET synchronous_commit = off" : "SET synchronous_commit = on",
                       __func__);
    /* A large page cache too, so a batch of thousands of cases does not spill mid-transaction.
     * The writer connection takes the same before its next transaction. */
    const char *pragmas =
        relaxed ? "PRAGMA synchronous=OFF; PRAGMA cache_size=-262144; PRAGMA foreign_keys=OFF"
                : "PRAGMA synchronous=FULL; PRAGMA cache_size=-2000; PRAGMA foreign_keys=ON";
    int rc = sqlite3_exec(c->db, pragmas, NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        writer_pragmas_wanted = pragmas;
    return store_status(c, rc, __func__);
}

/* The read transaction's statements, prepared once per connection (store_stmt's key is the
 * address). */
static const char READ_BEGIN[] = "BEGIN";
static const char READ_END[] = "COMMIT";

void store_read_begin(void)
{
    /* PostgreSQL: each statement reads its own snapshot, as a server's reads cost no file lock. */
    StoreConn *c = tl_writing || db_url ? NULL : store_conn();
    if (!c || c->reading || !sqlite3_get_autocommit(c->db))
        return;
    sqlite3_stmt *st = lite(store_stmt(c, READ_BEGIN));
    if (st && sqlite3_step(st) == SQLITE_DONE)
        c->reading = 1;
    sqlite3_reset(st);
}

int store_read_end(void)
{
    StoreConn *c = tl_conn;
    if (!c || !c->reading)
        return 0;
    c->reading = 0;
    if (sqlite3_txn_state(c->db, NULL) == SQLITE_TXN_WRITE) {
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    sqlite3_stmt *st = lite(store_stmt(c, READ_END));
    int rc = st ? sqlite3_step(st) : SQLITE_ERROR;
    sqlite3_reset(st);
    if (rc != SQLITE_DONE && !sqlite3_get_autocommit(c->db))
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    return 0;
}

int store_idle(void)
{
    StoreConn *c = tl_writing ? writer : tl_conn;
    return !c || (c->pg ? !pg_in_tx(c->pg) : sqlite3_get_autocommit(c->db));
}

/* Copies src into dst 256 pages at a time, telling fn how far it got; 0 or -1. */
static int backup_pages(sqlite3 *dst, sqlite3 *src, StoreBackupProgress fn, void *arg)
{
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
    if (!b)
        return -1;
    int rc, busy = 0;
    while ((rc = sqlite3_backup_step(b, 256)) == SQLITE_OK ||
           ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && busy++ < 100)) {
        if (rc != SQLITE_OK)
            store_sleep_ms(50);
        else if (fn)
            fn(arg, sqlite3_backup_pagecount(b) - sqlite3_backup_remaining(b),
               sqlite3_backup_pagecount(b));
    }
    if (rc == SQLITE_DONE && fn)
        fn(arg, sqlite3_backup_pagecount(b), sqlite3_backup_pagecount(b));
    sqlite3_backup_finish(b);
    return rc == SQLITE_DONE ? 0 : -1;
}

int store_backup_copy(const char *dst_path, StoreBackupProgress fn, void *arg)
{
    store_read_end(); /* the copy takes its own snapshot */
    if (db_url) {
        log_errorx("a backup of a PostgreSQL store is made with PostgreSQL's own tools "
                   "(docs/operations.md)");
        return -1;
    }
    StoreConn *c = store_conn();
    sqlite3 *dst = NULL;
    if (!c || sqlite3_open_v2(dst_path, &dst, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        sqlite3_close(dst);
        return -1;
    }
    /* One snapshot for the whole copy: writers in takedownd never restart it. */
    int rc = sqlite3_exec(c->db, "BEGIN; SELECT count(*) FROM sqlite_schema;", NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = backup_pages(dst, c->db, fn, arg) == 0 ? SQLITE_OK : SQLITE_ERROR;
    sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
    /* No session in a backup: secure_delete overwrites what the rows held. */
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(dst,
                          "PRAGMA secure_delete=ON; PRAGMA journal_mode=DELETE;"
                          "DELETE FROM sessions;",
                          NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        log_warnx("backup failed: %s", sqlite3_errmsg(dst));
    sqlite3_close(dst);
    return rc == SQLITE_OK ? 0 : -1;
}

int store_backup_files(const char *path, StoreFileIdFn fn, void *arg)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db, "SELECT id FROM files ORDER BY id", -1, &st, NULL);
    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        fn(arg, (const char *)sqlite3_column_text(st, 0));
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* integrity_check answers "ok" alone, or one row per problem: the first is kept. */
static int integrity_row(StoreStmt *st, void *arg)
{
    StoreCheck *out = arg;
    const char *msg = store_col_text(st, 0);
    if (msg && strcmp(msg, "ok") == 0)
        return 0;
    if (out->integrity_problems++ == 0)
        snprintf(out->integrity, sizeof out->integrity, "%s", msg ? msg : "?");
    return 0;
}

static int count_row(StoreStmt *st, void *arg)
{
    (void)st;
    (*(int64_t *)arg)++;
    return 0;
}

/* The checks of store_check on c, inside its read transaction. */
static StoreStatus check_conn(StoreConn *c, StoreCheck *out, StoreFileIdFn fn, void *arg)
{
    snprintf(out->integrity, sizeof out->integrity, "ok");
    /* PostgreSQL checks its pages' checksums and every foreign key itself, as it writes. */
    StoreStatus s = c->pg ? STORE_OK
                          : store_each(c, store_stmt(c, "PRAGMA integrity_check"), integrity_row,
                                       out, __func__);
    if (s == STORE_OK && !c->pg)
        s = store_each(c, store_stmt(c, "PRAGMA foreign_key_check"), count_row,
                       &out->foreign_key_problems, __func__);
    if (s == STORE_OK)
        s = store_one(c,
                      store_stmt(c, "SELECT count(*) FROM cases WHERE NOT EXISTS"
                                    " (SELECT 1 FROM targets WHERE targets.case_id = cases.id)"),
                      store_row_int64, &out->cases_without_targets, __func__);
    if (s == STORE_OK)
        s = store_audit_verify(c, &out->audit_rows, &out->audit_bad);
    StoreTextCb ids = {fn, arg};
    if (s == STORE_OK)
        s = store_each(c, store_stmt(c, "SELECT id FROM files ORDER BY id"), store_row_text0, &ids,
                       __func__);
    return s;
}

int store_check(const char *path, StoreCheck *out, StoreFileIdFn fn, void *arg)
{
    memset(out, 0, sizeof *out);
    StoreConn *c = xcalloc(1, sizeof *c);
    if (db_url) { /* one snapshot, read only: takedownd may be running */
        char err[256];
        c->pg = pg_conn_open(db_url, err, sizeof err);
        StoreStatus s =
            !c->pg ? STORE_UNAVAILABLE
                   : pg_exec(c->pg, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", __func__);
        if (s == STORE_OK)
            s = check_conn(c, out, fn, arg);
        if (!c->pg)
            log_errorx("%s", err);
        conn_close(c);
        return s == STORE_OK ? 0 : -1;
    }
    int rc = sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READONLY, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_busy_timeout(c->db, 5000);
        sqlite3_extended_result_codes(c->db, 1);
        rc = sqlite3_exec(c->db, "BEGIN", NULL, NULL, NULL);
    }
    StoreStatus s = rc == SQLITE_OK ? check_conn(c, out, fn, arg) : STORE_ERROR;
    if (rc != SQLITE_OK)
        log_errorx("cannot read %s: %s", path, c->db ? sqlite3_errmsg(c->db) : "?");
    conn_close(c); /* the read transaction ends with the connection */
    return s == STORE_OK ? 0 : -1;
}

/* The migrations of each engine: SQLite's in schema/, PostgreSQL's in schema/postgresql/ (whose
 * first file is the whole schema as SQLite's reached it, a baseline). */
static const char SQLITE_MIGRATIONS[] = "schema/";
static const char PG_MIGRATIONS[] = "schema/postgresql/";

/* The number of the migration at path under dir, or 0 when it is not one of dir's. */
static int migration_number(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    return strncmp(path, dir, n) == 0 ? atoi(path + n) : 0;
}

/* The newest migration this program carries for the engine whose files are under dir. */
static int newest_migration(const char *dir)
{
    int newest = 0;
    for (const Asset *a = assets_all(); a->path; a++)
        if (migration_number(a->path, dir) > newest)
            newest = migration_number(a->path, dir);
    return newest;
}

int store_backup_check(const char *path)
{
    sqlite3 *src = NULL;
    sqlite3_stmt *st = NULL;
    int ok = sqlite3_open_v2(path, &src, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
             sqlite3_prepare_v2(src,
                                "SELECT (SELECT count(*) FROM org), (SELECT count(*) FROM staff),"
                                " (SELECT user_version FROM pragma_user_version),"
                                " (SELECT count(*) FROM sessions)",
                                -1, &st, NULL) == SQLITE_OK &&
             sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 1 &&
             sqlite3_column_int(st, 1) > 0 &&
             sqlite3_column_int(st, 2) <= newest_migration(SQLITE_MIGRATIONS) &&
             sqlite3_column_int(st, 3) == 0;
    sqlite3_finalize(st);
    sqlite3_close(src);
    return ok ? 0 : -1;
}

/* A TRUNCATE checkpoint is done when it ran to the end: every frame moved back and the log reset
 * and truncated to zero bytes (both counts are then 0). SQLITE_BUSY means a reader kept it. */
static int checkpoint_once(StoreConn *c)
{
    int frames = -1, moved = -1;
    int rc = sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, &frames, &moved);
    return rc == SQLITE_OK && frames == 0 && moved == 0 ? 0 : -1;
}

int store_checkpoint(void)
{
    if (db_url) /* no log of this process's to truncate: see docs/operations.md, erasure */
        return 0;
    store_read_end();
    StoreConn *c = store_conn();
    if (!c || !sqlite3_get_autocommit(c->db))
        return -1;
    /* A reader may hold an old snapshot for a moment: a few short tries, then the caller
     * reports it and tries again later. */
    sqlite3_busy_timeout(c->db, 100);
    int rc = -1;
    for (int attempt = 0; attempt < 5 && rc != 0; attempt++) {
        if (attempt)
            store_sleep_ms(50L * attempt);
        rc = checkpoint_once(c);
    }
    sqlite3_busy_timeout(c->db, 5000);
    return rc;
}

void store_rollback_stray(void)
{
    if (tl_conn && tl_conn->pg && pg_in_tx(tl_conn->pg))
        pg_exec(tl_conn->pg, "ROLLBACK", __func__);
    else if (tl_conn && !tl_conn->pg && !sqlite3_get_autocommit(tl_conn->db))
        sqlite3_exec(tl_conn->db, "ROLLBACK", NULL, NULL, NULL);
}

/* ---- opening and migrations ---- */

static int mkdir_p(const char *dir)
{
    char tmp[512];
    snprintf(tmp, sizeof tmp, "%s", dir);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
        return -1;
    struct stat st;
    if (stat(tmp, &st) != 0)
        return -1;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

/* Proves the directory takes new files (access() says yes to root even on a read-only mount). */
static int dir_writable(const char *dir)
{
    char probe[600];
    snprintf(probe, sizeof probe, "%s/.write-probe-%ld", dir, (long)getpid());
    int fd = open(probe, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    close(fd);
    unlink(probe);
    return 0;
}

/* After a migration that edited a table's definition in place (writable_schema): one more than
 * the schema version, so that every connection, this one too, reads the definitions again. */
static int schema_version_bump(StoreConn *c, char **msg)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(c->db, "PRAGMA schema_version", -1, &st, NULL) != SQLITE_OK)
        return SQLITE_ERROR;
    int v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_finalize(st);
    if (v < 0)
        return SQLITE_ERROR;
    char set[64];
    snprintf(set, sizeof set, "PRAGMA schema_version=%d;", v + 1);
    return sqlite3_exec(c->db, set, NULL, NULL, msg);
}

static StoreBeforeUpgrade before_upgrade;
static void *before_upgrade_arg;

void store_before_upgrade(StoreBeforeUpgrade fn, void *arg)
{
    before_upgrade = fn;
    before_upgrade_arg = arg;
}

/* The key of the advisory lock under which one node at a time migrates a PostgreSQL store. */
#define PG_LOCK_MIGRATE "499850634497" /* "take" and 01: 0x74616b6501 */

/* PostgreSQL's schema version: 0 for an empty database. -1 when it cannot be read. */
static int pg_version(StoreConn *c)
{
    int64_t exists = 0, v = 0;
    if (store_one(c, store_stmt(c, "SELECT to_regclass('schema_version') IS NOT NULL"),
                  store_row_int64, &exists, __func__) != STORE_OK)
        return -1;
    if (exists && store_one(c, store_stmt(c, "SELECT version FROM schema_version"), store_row_int64,
                            &v, __func__) != STORE_OK)
        return -1;
    return (int)v;
}

/* One migration of PostgreSQL's, in a transaction of its own under the migration lock: the version
 * is read again once the lock is held, so two nodes starting together migrate once. *done is 1
 * when there was nothing left to apply. DDL is transactional: a failed file leaves nothing. */
static int migrate_pg_step(StoreConn *c, int *done, char *err, size_t err_size)
{
    if (pg_exec(c->pg, "BEGIN; SELECT pg_advisory_xact_lock(" PG_LOCK_MIGRATE ")", __func__) !=
        STORE_OK) {
        snprintf(err, err_size, "cannot lock the database for its migrations");
        return -1;
    }
    int version = pg_version(c), newest = newest_migration(PG_MIGRATIONS);
    const Asset *next = NULL;
    for (const Asset *a = assets_all(); a->path; a++) {
        int n = migration_number(a->path, PG_MIGRATIONS);
        if (n > version && (!next || n < migration_number(next->path, PG_MIGRATIONS)))
            next = a;
    }
    int rc = 0;
    if (version < 0) {
        snprintf(err, err_size, "cannot read the schema version");
        rc = -1;
    } else if (version > newest) {
        snprintf(err, err_size, "the database is newer (schema %d) than this program (%d)", version,
                 newest);
        rc = -1;
    } else if (!next) {
        schema_version = version;
        *done = 1;
    } else {
        int n = migration_number(next->path, PG_MIGRATIONS);
        StoreStmt *setv = store_stmt(c, "UPDATE schema_version SET version = :v");
        store_bind_int64_n(setv, ":v", n);
        /* The first file, the baseline, sets its own version; later ones have it set here. */
        if ((version > 0 && n != version + 1) ||
            pg_exec(c->pg, (const char *)next->data, __func__) != STORE_OK ||
            store_exec_stmt(c, setv, __func__) != STORE_OK ||
            pg_exec(c->pg, "COMMIT", __func__) != STORE_OK) {
            snprintf(err, err_size, "migration %s failed", next->path);
            rc = -1;
        } else {
            log_info("applied migration %s", next->path + 7);
        }
    }
    if (pg_in_tx(c->pg))
        pg_exec(c->pg, rc == 0 ? "COMMIT" : "ROLLBACK", __func__);
    return rc;
}

static int migrate_pg(StoreConn *c, char *err, size_t err_size)
{
    int done = 0;
    while (!done)
        if (migrate_pg_step(c, &done, err, err_size) != 0)
            return -1;
    return 0;
}

static int migrate(StoreConn *c, char *err, size_t err_size)
{
    sqlite3_stmt *st;
    sqlite3_prepare_v2(c->db, "PRAGMA user_version", -1, &st, NULL);
    int version = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_finalize(st);
    if (version < 0) {
        snprintf(err, err_size, "cannot read the schema version: %s", sqlite3_errmsg(c->db));
        return -1;
    }
    int newest = newest_migration(SQLITE_MIGRATIONS);
    if (version > newest) { /* made by a newer program: never touched by this one */
        snprintf(err, err_size, "the database is newer (schema %d) than this program (%d)", version,
                 newest);
        return -1;
    }
    /* An existing database about to change: the caller's backup first, or nothing changes. */
    if (version >= 1 && newest > version && before_upgrade &&
        before_upgrade(before_upgrade_arg, data_dir, version, newest) != 0) {
        snprintf(err, err_size,
                 "cannot back up the database before upgrading it from schema %d to %d; "
                 "nothing was changed",
                 version, newest);
        return -1;
    }
    int latest = version;
    for (const Asset *a = assets_all(); a->path; a++) {
        int n = migration_number(a->path, SQLITE_MIGRATIONS);
        if (n <= 0 || n <= version)
            continue;
        if (n != latest + 1) {
            snprintf(err, err_size, "migration %s is out of order", a->path);
            return -1;
        }
        char *msg = NULL;
        char setv[64];
        snprintf(setv, sizeof setv, "PRAGMA user_version=%d;", n);
        if (sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, &msg) != SQLITE_OK ||
            sqlite3_exec(c->db, (const char *)a->data, NULL, NULL, &msg) != SQLITE_OK ||
            (strstr((const char *)a->data, "writable_schema") &&
             schema_version_bump(c, &msg) != SQLITE_OK) ||
            sqlite3_exec(c->db, setv, NULL, NULL, &msg) != SQLITE_OK ||
            sqlite3_exec(c->db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK) {
            snprintf(err, err_size, "migration %s failed: %s", a->path, msg ? msg : "?");
            sqlite3_free(msg);
            sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
            return -1;
        }
        log_info("applied migration %s", a->path + 7);
        latest = n;
    }
    schema_version = latest;
    return 0;
}

/* Before SQLite's first use: no memory statistics. Nothing here reads them, and keeping them takes
 * a global mutex on every SQLite allocation, of which a trigger-heavy write makes many (this build
 * has no lookaside). Too late if SQLite is already in use; then statistics stay on. */
static pthread_once_t library_once = PTHREAD_ONCE_INIT;

static void library_init(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int store_open(const char *dir, char *err, size_t err_size)
{
    pthread_once(&library_once, library_init);
    if (mkdir_p(dir) != 0) {
        snprintf(err, err_size, "cannot create data directory %s: %s", dir, strerror(errno));
        return -1;
    }
    if (dir_writable(dir) != 0) {
        snprintf(err, err_size, "data directory %s is not writable: %s", dir, strerror(errno));
        return -1;
    }
    snprintf(data_dir, sizeof data_dir, "%s", dir);
    if (db_url) { /* the data dir keeps the erasure log and upgrade backups */
        StoreConn *c = store_conn();
        if (!c) {
            snprintf(err, err_size, "cannot connect to the PostgreSQL database");
            return -1;
        }
        if (migrate_pg(c, err, err_size) != 0) {
            store_close();
            return -1;
        }
        return 0;
    }
    snprintf(db_path, sizeof db_path, "%s/takedown.db", dir);
    StoreConn *c = store_conn();
    if (!c) {
        snprintf(err, err_size, "cannot open the database in %s", dir);
        db_path[0] = '\0';
        return -1;
    }
    if (migrate(c, err, err_size) != 0) {
        store_close();
        return -1;
    }
    struct stat st;
    if (stat(db_path, &st) == 0) {
        db_dev = st.st_dev;
        db_ino = st.st_ino;
    }
    chmod(db_path, 0600);
    return 0;
}

int store_set_database(const char *url)
{
    if (url && !pg_url(url))
        return -1;
    free(db_url);
    db_url = url ? xstrdup(url) : NULL;
    return 0;
}

int store_is_postgresql(void)
{
    return db_url != NULL;
}

/* ---- leadership of the background work (PostgreSQL) ---- */

/* The advisory lock's key: "take" and a number, apart from the migration lock's. */
#define PG_LOCK_BACKGROUND 0x74616b6502LL
static pthread_mutex_t lead_mu = PTHREAD_MUTEX_INITIALIZER;
static StoreConn *lead_conn; /* a connection of its own: the lock lives as long as it does */
static atomic_int lead_held;

static void lead_lost(void)
{
    conn_close(lead_conn);
    lead_conn = NULL;
    atomic_store(&lead_held, 0);
}

int store_lead(void)
{
    if (!db_url)
        return 1;
    pthread_mutex_lock(&lead_mu);
    if (lead_conn && pg_conn_broken(lead_conn->pg))
        lead_lost();
    if (!lead_conn)
        lead_conn = conn_open();
    /* Held: a round trip still, so that a connection the server dropped (a restart, a failover)
     * is noticed here, before this node works beside the one that took over. */
    int64_t got = 0;
    StoreStmt *st =
        !lead_conn ? NULL
        : atomic_load(&lead_held)
            ? store_stmt(lead_conn, "SELECT 1")
            : store_stmt(lead_conn,
                         "SELECT CASE WHEN pg_try_advisory_lock(:key) THEN 1 ELSE 0 END");
    if (st && !atomic_load(&lead_held))
        store_bind_int64_n(st, ":key", PG_LOCK_BACKGROUND);
    if (lead_conn && store_one(lead_conn, st, store_row_int64, &got, __func__) != STORE_OK) {
        lead_lost();
        got = 0;
    }
    atomic_store(&lead_held, got == 1);
    pthread_mutex_unlock(&lead_mu);
    return got == 1;
}

int store_leading(void)
{
    return db_url ? atomic_load(&lead_held) : 1;
}

int store_benchmark_dir(const char *dir)
{
    char path[600];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, STORE_BENCH_MARKER);
    return lstat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int store_benchmark_mark(const char *dir)
{
    static const char text[] = "A benchmark data dir made by bench_fill (tests/bench/fill.c): "
                               "fictional cases, receipts derived at the minimum KDF cost.\n";
    char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, STORE_BENCH_MARKER);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, text, sizeof text - 1);
    int rc = n == (ssize_t)(sizeof text - 1) && fsync(fd) == 0 ? 0 : -1;
    close(fd);
    return rc;
}

void store_close(void)
{
    pthread_mutex_lock(&lead_mu);
    if (lead_conn)
        lead_lost();
    pthread_mutex_unlock(&lead_mu);
    store_conn_release();
    conn_close(writer);
    writer = NULL;
    writer_pragmas_applied = NULL;
    db_path[0] = '\0';
}

const char *store_data_dir(void)
{
    return data_dir;
}

int store_schema_version(void)
{
    return schema_version;
}

StoreStatus store_health(void)
{
    if (db_url) {
        StoreConn *c = store_conn();
        int64_t one = 0;
        return c && store_one(c, store_stmt(c, "SELECT 1"), store_row_int64, &one, __func__) ==
                           STORE_OK
                   ? STORE_OK
                   : STORE_ERROR;
    }
    struct stat st;
    if (stat(db_path, &st) != 0 || st.st_dev != db_dev || st.st_ino != db_ino)
        return STORE_ERROR;
    StoreConn *c = store_conn();
    if (!c)
        return STORE_ERROR;
    int64_t tables = 0;
    StoreStmt *q = store_stmt(c, "SELECT count(*) FROM sqlite_schema");
    return store_one(c, q, store_row_int64, &tables, __func__) == STORE_OK ? STORE_OK : STORE_ERROR;
}
