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
 * (logged). The SQL must be a string literal (its address identifies it). */
sqlite3_stmt *store_stmt(StoreConn *c, const char *sql);
/* Maps an SQLite result code to a status, logging unexpected errors with the caller's name. */
StoreStatus store_status(StoreConn *c, int rc, const char *func);
/* Binds a text, blob or NULL parameter (1-based). */
void store_bind_text(sqlite3_stmt *st, int i, const char *s);
void store_bind_blob(sqlite3_stmt *st, int i, const void *p, size_t n);
/* Binds NULL for an empty text or a zero number (optional columns). */
void store_bind_opt_text(sqlite3_stmt *st, int i, const char *s);
void store_bind_opt_int(sqlite3_stmt *st, int i, int64_t v);
/* Runs a statement that returns no rows; STORE_OK, STORE_CONFLICT on a constraint, ... */
StoreStatus store_exec_stmt(StoreConn *c, sqlite3_stmt *st, const char *func);

/* Column readers: a blob into a Buf (empty for NULL), a blob of exactly n bytes (zeros
 * otherwise), text into a fixed buffer (truncated, NUL-terminated). */
void store_column_buf(sqlite3_stmt *st, int col, Buf *out);
void store_column_fixed(sqlite3_stmt *st, int col, void *out, size_t n);
void store_column_text(sqlite3_stmt *st, int col, char *out, size_t n);
/* Steps a single-row query: STORE_OK with the row ready (the caller resets), or STORE_NOT_FOUND. */
StoreStatus store_step_row(StoreConn *c, sqlite3_stmt *st, const char *func);
/* Runs an UPDATE that must touch exactly one row: STORE_NOT_FOUND when it touched none. */
StoreStatus store_exec_one(StoreConn *c, sqlite3_stmt *st, const char *func);

/* The open states of states.c (a unit test holds the two together). A clock runs exactly while a
 * target's due_at is set: transitions set or clear it, so "overdue" needs no list of states. */
#define OPEN_STATES                                                                                \
    "('reported', 'in_review', 'ready', 'notice_sent', 'acknowledged', 'needs_info', 'rejected', " \
    "'escalated', 'removed', 'counter_noticed', 'verified_gone', 'monitoring', 'visit_planned', "  \
    "'visited_refused', 'unreachable')"

#endif
