/* The PostgreSQL engine of the store (issue 16), through libpq: store.c and store_tx.c call these
 * when the store was opened on a postgresql:// URL, and their SQLite code otherwise. Nothing else
 * includes this file; nothing else reaches libpq (tests/layering.sh).
 *
 * A connection per thread, as on SQLite. Statements keep the store's SQL with :name parameters,
 * numbered $1.. once per connection (sql_params.c) and prepared on the server at their first run,
 * when the kinds of their values are known. Values travel as text (the server parses numbers into
 * whatever type the statement needs), byte strings raw; results come back binary, read by column
 * type (integers of every width and booleans as int64, text and bytea raw). */
#ifndef TAKEDOWN_STORE_PG_H
#define TAKEDOWN_STORE_PG_H

#include "store.h"

#include <stddef.h>
#include <stdint.h>

typedef struct PgConn PgConn;
typedef struct PgStmt PgStmt;

/* 1 for a URL this engine takes: "postgresql://..." or "postgres://...". */
int pg_url(const char *url);
/* A new connection to url with the session's settings, or NULL (why, without the URL, in err:
 * it may hold a password). */
PgConn *pg_conn_open(const char *url, char *err, size_t err_size);
void pg_conn_close(PgConn *c);
/* 1 once the connection was lost or refused: the store makes a new one at its next use. */
int pg_conn_broken(const PgConn *c);
/* 1 inside a transaction (or a failed one not yet rolled back). */
int pg_in_tx(const PgConn *c);
/* 1 inside a transaction a statement failed in: PostgreSQL ignores what follows, and answers its
 * COMMIT with a rollback that is not an error. */
int pg_tx_failed(const PgConn *c);
/* The whole text as one round trip, without parameters (BEGIN, SAVEPOINT, a migration's
 * statements); func names the caller in the log. */
StoreStatus pg_exec(PgConn *c, const char *sql, const char *func);
/* Starts a write transaction, after the lock that lets one write transaction of the database run
 * at a time: every transaction may be written as if it were the only writer, as on SQLite. */
StoreStatus pg_begin(PgConn *c, const char *func);
/* 1 when a failure since pg_begin is one the whole transaction should run again for. */
int pg_retry_wanted(const PgConn *c);

/* A statement of c for sql (kept by the store's cache; the server prepares it at its first run).
 * returning_id: an INSERT whose new id pg_inserted_id reads ("RETURNING id" is added). NULL when
 * the SQL has too many parameters or names too long. */
PgStmt *pg_stmt_new(PgConn *c, const char *sql, int returning_id);
void pg_stmt_free(PgStmt *st);
/* Forgets the last run's rows and every value bound. */
void pg_stmt_reset(PgStmt *st);
const char *pg_stmt_sql(const PgStmt *st);
/* The number (1-based) of the parameter called name; 0 when the statement lacks it. */
int pg_param_index(const PgStmt *st, const char *name);
void pg_bind_int64(PgStmt *st, int i, int64_t v);
void pg_bind_text(PgStmt *st, int i, const char *s);
void pg_bind_blob(PgStmt *st, int i, const void *p, size_t n);
void pg_bind_null(PgStmt *st, int i);

/* Runs the statement at the first call, then moves to its next row: PG_ROW, PG_DONE, or PG_FAILED
 * with *status set (logged with func when it is our bug). */
enum { PG_ROW = 1, PG_DONE = 2, PG_FAILED = 3 };
int pg_step(PgStmt *st, StoreStatus *status, const char *func);
/* Rows the statement's last run inserted, updated or deleted. */
int64_t pg_changes(const PgConn *c);
/* Column readers on the current row, as store_col_* promise: 0 and NULL for NULL. */
int64_t pg_col_int64(PgStmt *st, int col);
const char *pg_col_text(PgStmt *st, int col);
const void *pg_col_blob(PgStmt *st, int col, size_t *n);

#endif
