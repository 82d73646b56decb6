/* Opening, migrating and checking the database; per-thread connections; the transaction helper. */
#include "store_internal.h"

#include "assets.h"
#include "buf.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char db_path[600];
static char data_dir[512];
static dev_t db_dev;
static ino_t db_ino;
static int schema_version;
static pthread_key_t conn_key;
static pthread_once_t conn_key_once = PTHREAD_ONCE_INIT;
static _Thread_local StoreConn *tl_conn;

static void conn_close(StoreConn *c)
{
    if (!c)
        return;
    for (int i = 0; i < STORE_STMT_SLOTS; i++)
        if (c->cache[i].st)
            sqlite3_finalize(c->cache[i].st);
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

static StoreConn *conn_open(void)
{
    StoreConn *c = xcalloc(1, sizeof *c);
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
                          "PRAGMA trusted_schema=OFF;";
    char *msg = NULL;
    if (sqlite3_exec(c->db, pragmas, NULL, NULL, &msg) != SQLITE_OK) {
        log_errorx("cannot configure database: %s", msg ? msg : "?");
        sqlite3_free(msg);
        conn_close(c);
        return NULL;
    }
    return c;
}

StoreConn *store_conn(void)
{
    if (tl_conn)
        return tl_conn;
    if (!db_path[0])
        return NULL;
    pthread_once(&conn_key_once, conn_key_init);
    tl_conn = conn_open();
    if (tl_conn)
        pthread_setspecific(conn_key, tl_conn);
    return tl_conn;
}

void store_conn_release(void)
{
    if (!tl_conn)
        return;
    pthread_setspecific(conn_key, NULL);
    conn_close(tl_conn);
    tl_conn = NULL;
}

sqlite3_stmt *store_stmt(StoreConn *c, const char *sql)
{
    size_t h = ((uintptr_t)sql >> 3) % STORE_STMT_SLOTS;
    for (size_t i = 0; i < STORE_STMT_SLOTS; i++) {
        size_t k = (h + i) % STORE_STMT_SLOTS;
        if (c->cache[k].sql == sql) {
            sqlite3_reset(c->cache[k].st);
            sqlite3_clear_bindings(c->cache[k].st);
            return c->cache[k].st;
        }
        if (!c->cache[k].sql) {
            sqlite3_stmt *st;
            if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) !=
                SQLITE_OK) {
                log_errorx("prepare failed: %s", sqlite3_errmsg(c->db));
                return NULL;
            }
            c->cache[k].sql = sql;
            c->cache[k].st = st;
            return st;
        }
    }
    log_errorx("statement cache full");
    return NULL;
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
    default:
        log_msg(LOG_LEVEL_ERROR, "%s: sqlite: %s", func, c ? sqlite3_errmsg(c->db) : "?");
        return STORE_ERROR;
    }
}

void store_bind_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

void store_bind_blob(sqlite3_stmt *st, int i, const void *p, size_t n)
{
    if (p)
        sqlite3_bind_blob64(st, i, p, n, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

StoreStatus store_exec_stmt(StoreConn *c, sqlite3_stmt *st, const char *func)
{
    if (!st)
        return STORE_ERROR;
    int rc = sqlite3_step(st);
    StoreStatus s = store_status(c, rc, func);
    sqlite3_reset(st);
    return s;
}

/* Copies a blob column into a Buf (empty for NULL). */
void store_column_buf(sqlite3_stmt *st, int col, Buf *out)
{
    buf_reset(out);
    const void *p = sqlite3_column_blob(st, col);
    int n = sqlite3_column_bytes(st, col);
    if (p && n > 0)
        buf_append(out, p, (size_t)n);
}

void store_column_fixed(sqlite3_stmt *st, int col, void *out, size_t n)
{
    memset(out, 0, n);
    const void *p = sqlite3_column_blob(st, col);
    if (p && (size_t)sqlite3_column_bytes(st, col) == n)
        memcpy(out, p, n);
}

void store_column_text(sqlite3_stmt *st, int col, char *out, size_t n)
{
    const unsigned char *p = sqlite3_column_text(st, col);
    snprintf(out, n, "%s", p ? (const char *)p : "");
}

/* Steps a single-row query; STORE_NOT_FOUND when there is no row. */
StoreStatus store_step_row(StoreConn *c, sqlite3_stmt *st, const char *func)
{
    if (!st)
        return STORE_ERROR;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        return STORE_OK;
    StoreStatus s = rc == SQLITE_DONE ? STORE_NOT_FOUND : store_status(c, rc, func);
    sqlite3_reset(st);
    return s;
}

/* An UPDATE that must touch exactly one row. */
StoreStatus store_exec_one(StoreConn *c, sqlite3_stmt *st, const char *func)
{
    StoreStatus s = store_exec_stmt(c, st, func);
    if (s == STORE_OK && sqlite3_changes(c->db) == 0)
        return STORE_NOT_FOUND;
    return s;
}

StoreStatus store_set_sealed(StoreConn *c, StoreSealed which, int64_t id, const void *ct, size_t n)
{
    /* Table names cannot be bound: one literal statement per column. */
    static const char *const sql[] = {
        [SEALED_TARGET_BODY] = "UPDATE targets SET body = ?2 WHERE id = ?1",
        [SEALED_MESSAGE_BODY] = "UPDATE messages SET body = ?2 WHERE id = ?1",
        [SEALED_NOTE_BODY] = "UPDATE notes SET body = ?2 WHERE id = ?1",
        [SEALED_NOTICE_BODY] = "UPDATE notices SET body = ?2 WHERE id = ?1",
        [SEALED_VISIT_BODY] = "UPDATE visits SET body = ?2 WHERE id = ?1",
        [SEALED_EVENT_BODY] = "UPDATE events SET body = ?2 WHERE id = ?1",
        [SEALED_INCIDENT_LABEL] = "UPDATE incidents SET label = ?2 WHERE id = ?1",
        [SEALED_FINGERPRINT_BODY] = "UPDATE fingerprints SET body = ?2 WHERE id = ?1",
    };
    sqlite3_stmt *st = store_stmt(c, sql[which]);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, id);
    store_bind_blob(st, 2, ct, n);
    return store_exec_one(c, st, __func__);
}

/* ---- transactions ---- */

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

StoreStatus store_tx(StoreTxFn fn, void *arg)
{
    StoreConn *c = store_conn();
    if (!c)
        return STORE_ERROR;
    for (int attempt = 0; attempt < 5; attempt++) {
        int rc = sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        if ((rc & 0xff) == SQLITE_BUSY) {
            sleep_ms(10L << attempt);
            continue;
        }
        if (rc != SQLITE_OK)
            return store_status(c, rc, __func__);
        StoreStatus s = fn(c, arg);
        if (s == STORE_OK) {
            rc = sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
            if (rc == SQLITE_OK)
                return STORE_OK;
            s = store_status(c, rc, __func__);
        }
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
        if (s != STORE_BUSY)
            return s;
        sleep_ms(10L << attempt);
    }
    log_warnx("gave up after retries on a busy database");
    return STORE_BUSY;
}

int store_idle(void)
{
    return !tl_conn || sqlite3_get_autocommit(tl_conn->db);
}

static int mkdir_p(const char *dir);

int store_backup(const char *path)
{
    StoreConn *c = store_conn();
    if (!c)
        return -1;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(c->db, "VACUUM INTO ?1", -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, path, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        log_warnx("backup failed: %s", sqlite3_errmsg(c->db));
        return -1;
    }
    chmod(path, 0600);
    return 0;
}

int store_restore(const char *path, const char *dir)
{
    sqlite3 *src = NULL;
    int ok = sqlite3_open_v2(path, &src, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK;
    sqlite3_stmt *st = NULL;
    ok = ok &&
         sqlite3_prepare_v2(src,
                            "SELECT (SELECT count(*) FROM org), "
                            "(SELECT count(*) FROM staff)",
                            -1, &st, NULL) == SQLITE_OK &&
         sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 1 &&
         sqlite3_column_int(st, 1) > 0;
    sqlite3_finalize(st);
    if (!ok) {
        sqlite3_close(src);
        return -1;
    }
    if (mkdir_p(dir) != 0) {
        sqlite3_close(src);
        return -1;
    }
    char db[600], tmp[620];
    snprintf(db, sizeof db, "%s/takedown.db", dir);
    snprintf(tmp, sizeof tmp, "%s/takedown.db.restore", dir);
    unlink(tmp);
    sqlite3 *dst = NULL;
    int rc = -1;
    if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) == SQLITE_OK) {
        sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
        if (b && sqlite3_backup_step(b, -1) == SQLITE_DONE)
            rc = 0;
        sqlite3_backup_finish(b);
    }
    sqlite3_close(dst);
    sqlite3_close(src);
    if (rc == 0) {
        char side[640];
        snprintf(side, sizeof side, "%s-wal", db);
        unlink(side);
        snprintf(side, sizeof side, "%s-shm", db);
        unlink(side);
        chmod(tmp, 0600);
        rc = rename(tmp, db) == 0 ? 0 : -1;
    }
    return rc;
}

void store_checkpoint(void)
{
    StoreConn *c = store_conn();
    if (c && sqlite3_exec(c->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL) != SQLITE_OK)
        log_warnx("checkpoint: %s", sqlite3_errmsg(c->db));
}

void store_rollback_stray(void)
{
    if (tl_conn && !sqlite3_get_autocommit(tl_conn->db))
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
    int latest = version;
    for (const Asset *a = assets_all(); a->path; a++) {
        if (strncmp(a->path, "schema/", 7) != 0)
            continue;
        int n = atoi(a->path + 7);
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
    if (version > latest) {
        snprintf(err, err_size, "the database is newer (schema %d) than this program (%d)", version,
                 latest);
        return -1;
    }
    schema_version = latest;
    return 0;
}

int store_open(const char *dir, char *err, size_t err_size)
{
    if (mkdir_p(dir) != 0) {
        snprintf(err, err_size, "cannot create data directory %s: %s", dir, strerror(errno));
        return -1;
    }
    if (dir_writable(dir) != 0) {
        snprintf(err, err_size, "data directory %s is not writable: %s", dir, strerror(errno));
        return -1;
    }
    snprintf(data_dir, sizeof data_dir, "%s", dir);
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

void store_close(void)
{
    store_conn_release();
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
    struct stat st;
    if (stat(db_path, &st) != 0 || st.st_dev != db_dev || st.st_ino != db_ino)
        return STORE_ERROR;
    StoreConn *c = store_conn();
    if (!c)
        return STORE_ERROR;
    sqlite3_stmt *q = store_stmt(c, "SELECT count(*) FROM sqlite_schema");
    if (!q)
        return STORE_ERROR;
    int rc = sqlite3_step(q);
    StoreStatus s = rc == SQLITE_ROW ? STORE_OK : store_status(c, rc, __func__);
    sqlite3_reset(q);
    return s == STORE_OK ? STORE_OK : STORE_ERROR;
}
