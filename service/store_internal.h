/* Shared by the store_*.c files only: the connection and statement cache. */
#ifndef TAKEDOWN_STORE_INTERNAL_H
#define TAKEDOWN_STORE_INTERNAL_H

#include "buf.h"
#include "store.h"

#include <sqlite3.h>

#define STORE_STMT_SLOTS 256

struct StoreConn {
    sqlite3 *db;
    struct {
        const char *sql; /* the literal's address is the key */
        sqlite3_stmt *st;
    } cache[STORE_STMT_SLOTS];
};

/* The cached statement for this literal SQL, reset and with bindings cleared; NULL on error
 * (logged). The SQL must be a string literal (its address identifies it). Every bind, run and
 * row helper below accepts the NULL and then fails with STORE_ERROR, so callers need not check. */
sqlite3_stmt *store_stmt(StoreConn *c, const char *sql);
/* Maps an SQLite result code to a status, logging unexpected errors with the caller's name. */
StoreStatus store_status(StoreConn *c, int rc, const char *func);

/* Binds by name (":case_id"), as Fossil's db.c does. A name the statement lacks is a bug: it is
 * logged with the statement's SQL, asserted in debug builds, and the statement's next run returns
 * STORE_ERROR instead of running with that parameter NULL. Each returns 0, or -1 on such a name. */
int store_bind_text_n(sqlite3_stmt *st, const char *name, const char *s);     /* NULL: NULL */
int store_bind_opt_text_n(sqlite3_stmt *st, const char *name, const char *s); /* NULL or "": NULL */
int store_bind_int64_n(sqlite3_stmt *st, const char *name, int64_t v);
int store_bind_opt_int64_n(sqlite3_stmt *st, const char *name, int64_t v);          /* 0: NULL */
int store_bind_blob_n(sqlite3_stmt *st, const char *name, const void *p, size_t n); /* NULL */
int store_bind_buf_n(sqlite3_stmt *st, const char *name, const Buf *b); /* NULL or empty: NULL */

/* Runs a statement that returns no rows; STORE_OK, STORE_CONFLICT on a constraint, ... */
StoreStatus store_exec_stmt(StoreConn *c, sqlite3_stmt *st, const char *func);
/* Runs an UPDATE that must touch exactly one row: STORE_NOT_FOUND when it touched none. */
StoreStatus store_exec_one(StoreConn *c, sqlite3_stmt *st, const char *func);
/* Runs an INSERT; *id (when not NULL) receives the new rowid. */
StoreStatus store_exec_insert(StoreConn *c, sqlite3_stmt *st, int64_t *id, const char *func);

/* Reads the current row of st into arg; for store_each, returns 0 to go on or 1 to stop early. */
typedef int (*StoreRowFn)(sqlite3_stmt *st, void *arg);
/* Steps every row through fn, then resets: STORE_OK at the end or on an early stop. */
StoreStatus store_each(StoreConn *c, sqlite3_stmt *st, StoreRowFn fn, void *arg, const char *func);
/* Reads a single-row query through fn, then resets; STORE_NOT_FOUND when there is no row. */
StoreStatus store_one(StoreConn *c, sqlite3_stmt *st, StoreRowFn fn, void *arg, const char *func);
/* A callback over one text column, the shape of every "ids of ..." query. */
typedef struct StoreTextCb {
    void (*cb)(void *arg, const char *text);
    void *arg;
} StoreTextCb;
/* A StoreRowFn passing column 0 as text to a StoreTextCb. */
int store_row_text0(sqlite3_stmt *st, void *arg);
/* A StoreRowFn reading column 0 as an integer into an int64_t. */
int store_row_int64(sqlite3_stmt *st, void *arg);

/* Column readers: a blob into a Buf (empty for NULL), a blob of exactly n bytes (zeros
 * otherwise), text into a fixed buffer (truncated, NUL-terminated). */
void store_column_buf(sqlite3_stmt *st, int col, Buf *out);
void store_column_fixed(sqlite3_stmt *st, int col, void *out, size_t n);
void store_column_text(sqlite3_stmt *st, int col, char *out, size_t n);

/* The open states of states.c (a unit test holds the two together). A clock runs exactly while a
 * target's due_at is set: transitions set or clear it, so "overdue" needs no list of states. */
#define OPEN_STATES                                                                                \
    "('reported', 'in_review', 'ready', 'notice_sent', 'acknowledged', 'needs_info', 'rejected', " \
    "'escalated', 'removed', 'counter_noticed', 'verified_gone', 'monitoring', 'visit_planned', "  \
    "'visited_refused', 'unreachable')"

#endif
