/* The PostgreSQL engine of the store, through libpq (store_pg.h). The GNU Taler exchange's
 * PostgreSQL plugin and GNUnet's pq library were read for it: statements prepared lazily per
 * connection, binary results, SQLSTATE classes for what to retry. */
#include "store_pg.h"

#include "buf.h"
#include "log.h"
#include "pg_errors.h"
#include "sql_params.h"

#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Type OIDs (catalog/pg_type.dat): fixed since PostgreSQL 7. */
enum {
    OID_BOOL = 16,
    OID_BYTEA = 17,
    OID_INT8 = 20,
    OID_INT2 = 21,
    OID_INT4 = 23,
    OID_TEXT = 25,
    OID_OID = 26,
};

struct PgConn {
    PGconn *pq;
    int broken;      /* lost or refused: made again at next use */
    int retry;       /* the last failure asks for the transaction to run again */
    int64_t changes; /* rows the last statement changed */
    unsigned next;   /* names of prepared statements: s1, s2, ... */
};

enum { BIND_NULL = 0, BIND_INT, BIND_TEXT, BIND_BLOB };

#define PG_COLS_MAX 48 /* result columns read as text from integers, per statement */

struct PgStmt {
    PgConn *c;
    const char *orig; /* the store's SQL, for the log */
    char *sql;        /* with $n */
    SqlParams params;
    char name[16];
    int prepared;
    int kind[SQL_PARAMS_MAX];
    Buf value[SQL_PARAMS_MAX];
    PGresult *res;
    int row, rows;
    char num[PG_COLS_MAX][24]; /* integer columns read as text */
};

int pg_url(const char *url)
{
    return url && (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0);
}

/* Notices (a WARNING, "there is no transaction in progress") are not for the log of a service
 * serving victims: libpq would print them on stderr. */
static void notice_quiet(void *arg, const PGresult *res)
{
    (void)arg, (void)res;
}

PgConn *pg_conn_open(const char *url, char *err, size_t err_size)
{
    /* Defaults first: what the URL says wins (expand_dbname, later keywords override). */
    const char *const keys[] = {"connect_timeout", "application_name", "dbname", NULL};
    const char *const vals[] = {"5", "takedownd", url, NULL};
    PGconn *pq = PQconnectdbParams(keys, vals, 1);
    if (!pq || PQstatus(pq) != CONNECTION_OK) {
        /* libpq's message names the host and port, never the password. */
        const char *m = pq ? PQerrorMessage(pq) : "out of memory";
        size_t n = strcspn(m, "\n");
        snprintf(err, err_size, "cannot connect to PostgreSQL: %.*s", (int)n, m);
        PQfinish(pq);
        return NULL;
    }
    PQsetNoticeReceiver(pq, notice_quiet, NULL);
    /* No statement timeout, whatever the database's default: one that cancelled a COMMIT's wait
     * for a synchronous standby would leave it committed here but perhaps not there, and the
     * report acknowledged could be lost by a failover. */
    PGresult *r = PQexec(pq, "SET idle_in_transaction_session_timeout = '60s';"
                             "SET statement_timeout = 0;"
                             "SET lock_timeout = '5s';"
                             "SET client_min_messages = warning;"
                             "SET TIME ZONE 'UTC'");
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok) {
        snprintf(err, err_size, "cannot configure the PostgreSQL session");
        PQfinish(pq);
        return NULL;
    }
    PgConn *c = xcalloc(1, sizeof *c);
    c->pq = pq;
    return c;
}

void pg_conn_close(PgConn *c)
{
    if (!c)
        return;
    PQfinish(c->pq);
    free(c);
}

int pg_conn_broken(const PgConn *c)
{
    return c->broken || PQstatus(c->pq) != CONNECTION_OK;
}

int pg_in_tx(const PgConn *c)
{
    PGTransactionStatusType t = PQtransactionStatus(c->pq);
    return t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
}

int pg_tx_failed(const PgConn *c)
{
    return PQtransactionStatus(c->pq) == PQTRANS_INERROR;
}

int pg_retry_wanted(const PgConn *c)
{
    return c->retry;
}

/* A result's status for the store; an error is classified (pg_errors.c) and, when it is ours,
 * logged with the statement's SQL (never a value: error messages can quote them). */
static StoreStatus result_status(PgConn *c, const PGresult *r, const char *sql, const char *func)
{
    ExecStatusType t = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (t == PGRES_COMMAND_OK || t == PGRES_TUPLES_OK || t == PGRES_SINGLE_TUPLE) {
        const char *n = PQcmdTuples((PGresult *)r);
        c->changes = n && *n ? strtoll(n, NULL, 10) : 0;
        return STORE_OK;
    }
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *constraint = r ? PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME) : NULL;
    PgError e = pg_error_of(state, constraint);
    c->retry |= e.retry; /* kept until the next BEGIN: what fails after it is only its echo */
    if (e.broken || PQstatus(c->pq) != CONNECTION_OK) {
        c->broken = 1;
        log_msg(LOG_LEVEL_WARN, "%s: the database is unreachable (%s)", func,
                state ? state : "no answer");
        return STORE_UNAVAILABLE;
    }
    if (e.status == STORE_ERROR) {
        /* Class 42 (a statement this engine refuses) and XX name identifiers, not values. */
        const char *msg =
            state && (strncmp(state, "42", 2) == 0 || strncmp(state, "XX", 2) == 0) && r
                ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY)
                : NULL;
        log_msg(LOG_LEVEL_ERROR, "%s: postgresql %s%s%s in: %s", func, state ? state : "?",
                msg ? ": " : "", msg ? msg : "", sql);
    } else if (e.status == STORE_CONFLICT) {
        log_debug("%s: postgresql %s on %s", func, state, constraint ? constraint : "?");
    } else if (e.status == STORE_UNAVAILABLE) {
        log_msg(LOG_LEVEL_WARN, "%s: the database refused: %s", func, state);
    }
    return e.status;
}

StoreStatus pg_exec(PgConn *c, const char *sql, const char *func)
{
    PGresult *r = PQexec(c->pq, sql);
    StoreStatus s = result_status(c, r, sql, func);
    PQclear(r);
    return s;
}

/* The advisory lock every write transaction takes first: "take" and a number (0x74616b6504), apart
 * from the migration and background locks (store.c). */
#define PG_LOCK_WRITE "499850634500"

StoreStatus pg_begin(PgConn *c, const char *func)
{
    c->retry = 0;
    /* One writer at a time, as on SQLite. Under SERIALIZABLE, concurrent writers (every one of them
     * appends to the audit chain) conflicted and ran again until some gave up: at 9 connections of
     * the benchmark's transitions 22 of 617 answers were 503. A lock taken inside a SERIALIZABLE
     * transaction does not help, as its snapshot is taken before the lock is granted. So: READ
     * COMMITTED, whose every statement after the lock sees what the writer before committed. */
    return pg_exec(c,
                   "BEGIN ISOLATION LEVEL READ COMMITTED; "
                   "SELECT pg_advisory_xact_lock(" PG_LOCK_WRITE ")",
                   func);
}

PgStmt *pg_stmt_new(PgConn *c, const char *sql, int returning_id)
{
    PgStmt *st = xcalloc(1, sizeof *st);
    Buf b = {0};
    if (sql_params_number(sql, &b, &st->params) != 0) {
        log_errorx("too many parameters or a name too long in: %s", sql);
        buf_free(&b);
        free(st);
        return NULL;
    }
    if (returning_id)
        buf_puts(&b, " RETURNING id");
    st->sql = buf_take(&b);
    st->orig = sql;
    st->c = c;
    snprintf(st->name, sizeof st->name, "s%u", ++c->next);
    return st;
}

void pg_stmt_reset(PgStmt *st)
{
    PQclear(st->res);
    st->res = NULL;
    st->row = st->rows = 0;
    for (int i = 0; i < st->params.n; i++)
        st->kind[i] = BIND_NULL;
}

void pg_stmt_free(PgStmt *st)
{
    if (!st)
        return;
    PQclear(st->res);
    for (int i = 0; i < SQL_PARAMS_MAX; i++)
        buf_free(&st->value[i]);
    free(st->sql);
    free(st);
}

const char *pg_stmt_sql(const PgStmt *st)
{
    return st->orig;
}

int pg_param_index(const PgStmt *st, const char *name)
{
    return sql_params_find(&st->params, name);
}

void pg_bind_int64(PgStmt *st, int i, int64_t v)
{
    Buf *b = &st->value[i - 1];
    buf_reset(b);
    buf_printf(b, "%" PRId64, v);
    st->kind[i - 1] = BIND_INT;
}

void pg_bind_text(PgStmt *st, int i, const char *s)
{
    Buf *b = &st->value[i - 1];
    buf_reset(b);
    buf_puts(b, s);
    buf_putc(b, '\0'); /* libpq reads a text value to its NUL */
    st->kind[i - 1] = BIND_TEXT;
}

void pg_bind_blob(PgStmt *st, int i, const void *p, size_t n)
{
    Buf *b = &st->value[i - 1];
    buf_reset(b);
    buf_append(b, p, n);
    buf_putc(b, '\0'); /* a pointer even for an empty value; the length leaves it out */
    st->kind[i - 1] = BIND_BLOB;
}

void pg_bind_null(PgStmt *st, int i)
{
    st->kind[i - 1] = BIND_NULL;
}

/* Prepares st on the server, each parameter typed by the kind of its first value (a NULL left to
 * the server to infer from the statement): numbers as bigint, texts as text, byte strings as
 * bytea, as the schema declares every column. */
static StoreStatus prepare(PgStmt *st, const char *func)
{
    Oid types[SQL_PARAMS_MAX];
    for (int i = 0; i < st->params.n; i++)
        types[i] = st->kind[i] == BIND_INT    ? OID_INT8
                   : st->kind[i] == BIND_TEXT ? OID_TEXT
                   : st->kind[i] == BIND_BLOB ? OID_BYTEA
                                              : 0;
    PGresult *r = PQprepare(st->c->pq, st->name, st->sql, st->params.n, types);
    StoreStatus s = result_status(st->c, r, st->orig, func);
    PQclear(r);
    if (s == STORE_OK)
        st->prepared = 1;
    return s;
}

static StoreStatus run(PgStmt *st, const char *func)
{
    if (!st->prepared) {
        StoreStatus s = prepare(st, func);
        if (s != STORE_OK)
            return s;
    }
    const char *values[SQL_PARAMS_MAX];
    int lengths[SQL_PARAMS_MAX], formats[SQL_PARAMS_MAX];
    for (int i = 0; i < st->params.n; i++) {
        values[i] = st->kind[i] == BIND_NULL ? NULL : (const char *)st->value[i].data;
        lengths[i] = st->kind[i] == BIND_BLOB ? (int)st->value[i].len - 1 : 0;
        formats[i] = st->kind[i] == BIND_BLOB; /* texts and numbers parsed by the server */
    }
    st->res = PQexecPrepared(st->c->pq, st->name, st->params.n, values, lengths, formats, 1);
    StoreStatus s = result_status(st->c, st->res, st->orig, func);
    if (s != STORE_OK) {
        PQclear(st->res);
        st->res = NULL;
        return s;
    }
    st->rows = PQntuples(st->res);
    st->row = -1;
    return STORE_OK;
}

int pg_step(PgStmt *st, StoreStatus *status, const char *func)
{
    if (!st->res) {
        StoreStatus s = run(st, func);
        if (s != STORE_OK) {
            *status = s;
            return PG_FAILED;
        }
    }
    if (st->row < st->rows)
        st->row++;
    return st->row < st->rows ? PG_ROW : PG_DONE;
}

int64_t pg_changes(const PgConn *c)
{
    return c->changes;
}

static int valid(const PgStmt *st, int col)
{
    return st->res && st->row >= 0 && st->row < st->rows && col >= 0 && col < PQnfields(st->res) &&
           !PQgetisnull(st->res, st->row, col);
}

static uint64_t be(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* An integer column of any width (or a boolean), as binary results send it; -1 in *ok when the
 * column holds text or bytes. */
static int64_t int_of(const PgStmt *st, int col, int *is_int)
{
    const unsigned char *p = (const unsigned char *)PQgetvalue(st->res, st->row, col);
    int len = PQgetlength(st->res, st->row, col);
    *is_int = 1;
    switch (PQftype(st->res, col)) {
    case OID_INT8:
        return len == 8 ? (int64_t)be(p, 8) : 0;
    case OID_INT4:
        return len == 4 ? (int32_t)(uint32_t)be(p, 4) : 0;
    case OID_INT2:
        return len == 2 ? (int16_t)(uint16_t)be(p, 2) : 0;
    case OID_OID:
        return len == 4 ? (int64_t)be(p, 4) : 0;
    case OID_BOOL:
        return len == 1 && p[0] != 0;
    default:
        *is_int = 0;
        return 0;
    }
}

int64_t pg_col_int64(PgStmt *st, int col)
{
    if (!valid(st, col))
        return 0;
    int is_int;
    int64_t v = int_of(st, col, &is_int);
    if (is_int)
        return v;
    if (PQftype(st->res, col) == OID_TEXT) /* as SQLite reads a number from text */
        return strtoll(PQgetvalue(st->res, st->row, col), NULL, 10);
    log_errorx("column %d of type %u read as a number in: %s", col, PQftype(st->res, col),
               st->orig);
    return 0;
}

const char *pg_col_text(PgStmt *st, int col)
{
    if (!valid(st, col))
        return NULL;
    int is_int;
    int64_t v = int_of(st, col, &is_int);
    if (!is_int)
        return PQgetvalue(st->res, st->row, col); /* libpq ends every value with a NUL */
    if (col >= PG_COLS_MAX)
        return NULL;
    snprintf(st->num[col], sizeof st->num[col], "%" PRId64, v);
    return st->num[col];
}

const void *pg_col_blob(PgStmt *st, int col, size_t *n)
{
    *n = 0;
    if (!valid(st, col))
        return NULL;
    int is_int;
    (void)int_of(st, col, &is_int);
    if (is_int) {
        const char *s = pg_col_text(st, col);
        *n = s ? strlen(s) : 0;
        return s;
    }
    *n = (size_t)PQgetlength(st->res, st->row, col);
    return PQgetvalue(st->res, st->row, col);
}
