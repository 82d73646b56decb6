/* Shared by the store_*.c files only: the connection and statement cache, and the helpers through
 * which the files that hold one area's SQL (store_case.c, store_target.c, ...) bind, run and read
 * statements. Those files never call the engine themselves: only store.c, store_tx.c,
 * store_fault.c and store_queue_bulk.c know it is SQLite (issue 16: a second engine behind the
 * same SQL). */
#ifndef TAKEDOWN_STORE_INTERNAL_H
#define TAKEDOWN_STORE_INTERNAL_H

#include "buf.h"
#include "store.h"

#include <stddef.h>
#include <string.h>

#define STORE_STMT_SLOTS 256

/* A prepared statement of the engine (a sqlite3_stmt, or the PostgreSQL driver's PgStmt). */
typedef struct StoreStmt StoreStmt;

struct StoreConn {
    struct sqlite3 *db; /* SQLite, or */
    struct PgConn *pg;  /* PostgreSQL (store_pg.h) */
    int reading;        /* a request's read transaction is open (store_read_begin) */
    struct {
        const char *sql; /* the literal's address is the key */
        StoreStmt *st;
    } cache[STORE_STMT_SLOTS];
};

/* The cached statement for this literal SQL, reset and with bindings cleared; NULL on error
 * (logged). The SQL must be a string literal (its address identifies it). Every bind, run and
 * row helper below accepts the NULL and then fails with STORE_ERROR, so callers need not check. */
StoreStmt *store_stmt(StoreConn *c, const char *sql);
/* store_stmt for a statement the two engines cannot share: each gets its own literal. */
StoreStmt *store_stmt2(StoreConn *c, const char *sqlite_sql, const char *pg_sql);
/* store_stmt for an INSERT of one row whose new id store_exec_insert reads: each engine gets the
 * id its own way (SQLite the connection's last rowid; another engine may add "RETURNING id"). */
StoreStmt *store_stmt_insert(StoreConn *c, const char *sql);
/* Maps an SQLite result code to a status, logging unexpected errors with the caller's name. */
StoreStatus store_status(StoreConn *c, int rc, const char *func);
/* The group leader's side of the writer connection (store_tx.c): enter makes store_conn() on
 * this thread return the writer (opened on first use; NULL if it cannot be), leave undoes it;
 * active is 1 in between. One thread at a time: the group commit's leader. */
StoreConn *store_writer_enter(void);
void store_writer_leave(void);
int store_writer_active(void);
/* Sleeps ms milliseconds (backing off from a busy database). */
void store_sleep_ms(long ms);

/* Binds by name (":case_id"), as Fossil's db.c does. A name the statement lacks is a bug: it is
 * logged with the statement's SQL, asserted in debug builds, and the statement's next run returns
 * STORE_ERROR instead of running with that parameter NULL. Each returns 0, or -1 on such a name. */
int store_bind_text_n(StoreStmt *st, const char *name, const char *s);     /* NULL: NULL */
int store_bind_opt_text_n(StoreStmt *st, const char *name, const char *s); /* NULL or "": NULL */
int store_bind_int64_n(StoreStmt *st, const char *name, int64_t v);
int store_bind_opt_int64_n(StoreStmt *st, const char *name, int64_t v);          /* 0: NULL */
int store_bind_blob_n(StoreStmt *st, const char *name, const void *p, size_t n); /* NULL */
int store_bind_buf_n(StoreStmt *st, const char *name, const Buf *b); /* NULL or empty: NULL */

/* Runs a statement that returns no rows; STORE_OK, STORE_CONFLICT on a constraint, ... */
StoreStatus store_exec_stmt(StoreConn *c, StoreStmt *st, const char *func);
/* Runs an UPDATE that must touch exactly one row: STORE_NOT_FOUND when it touched none. */
StoreStatus store_exec_one(StoreConn *c, StoreStmt *st, const char *func);
/* Runs an INSERT prepared by store_stmt_insert; *id (when not NULL) receives the new row's id. */
StoreStatus store_exec_insert(StoreConn *c, StoreStmt *st, int64_t *id, const char *func);
/* Rows the last INSERT, UPDATE or DELETE run on c changed. */
int64_t store_changes(StoreConn *c);

/* Reads the current row of st into arg; for store_each, returns 0 to go on or 1 to stop early. */
typedef int (*StoreRowFn)(StoreStmt *st, void *arg);
/* Steps every row through fn, then resets: STORE_OK at the end or on an early stop. */
StoreStatus store_each(StoreConn *c, StoreStmt *st, StoreRowFn fn, void *arg, const char *func);
/* Reads a single-row query through fn, then resets; STORE_NOT_FOUND when there is no row. */
StoreStatus store_one(StoreConn *c, StoreStmt *st, StoreRowFn fn, void *arg, const char *func);
/* A callback over one text column, the shape of every "ids of ..." query. */
typedef struct StoreTextCb {
    void (*cb)(void *arg, const char *text);
    void *arg;
} StoreTextCb;
/* A StoreRowFn passing column 0 as text to a StoreTextCb. */
int store_row_text0(StoreStmt *st, void *arg);
/* A StoreRowFn reading column 0 as an integer into an int64_t. */
int store_row_int64(StoreStmt *st, void *arg);
/* The first two columns into arg, an int64_t[2]. */
int store_row_int64_pair(StoreStmt *st, void *arg);
/* Column 0 as text into a fixed buffer (a single-value query's answer). */
typedef struct StoreTextOut {
    char *out;
    size_t n;
} StoreTextOut;
/* A StoreRowFn reading column 0 into a StoreTextOut (truncated, NUL-terminated). */
int store_row_text_out(StoreStmt *st, void *arg);

/* A callback over two text columns and an integer (blind index matches, statistics). */
typedef struct StoreText2IntCb {
    void (*cb)(void *arg, const char *a, const char *b, int64_t n);
    void *arg;
} StoreText2IntCb;
/* A StoreRowFn passing columns 0 and 1 as text and 2 as an integer to a StoreText2IntCb. */
int store_row_text2_int(StoreStmt *st, void *arg);

/* A query's result columns declared as data, as the Taler exchange's result specs are: column i
 * of the statement lands in the field cols[i] names, read by the field's kind. */
typedef enum StoreColKind {
    STORE_COL_INT,   /* an int or an int64_t field, by its size */
    STORE_COL_TEXT,  /* a char array: truncated, NUL-terminated, "" for NULL */
    STORE_COL_BUF,   /* a Buf (empty for NULL), freed by store_row_release */
    STORE_COL_FIXED, /* a byte array: a blob of exactly its size, zeros otherwise */
} StoreColKind;
typedef struct StoreCol {
    StoreColKind kind;
    size_t offset, size; /* of the field in the row struct */
} StoreCol;
typedef struct StoreRowSpec {
    const StoreCol *cols;
    size_t n;
} StoreRowSpec;
/* One entry of a column list: STORE_COL(TEXT, CaseRow, id). */
#define STORE_COL(kind, Row, field)                                                                \
    {                                                                                              \
        STORE_COL_##kind, offsetof(Row, field), sizeof(((Row *)0)->field)                          \
    }
/* The spec of a column list (an array, not a pointer). */
#define STORE_ROW_SPEC(cols)                                                                       \
    {                                                                                              \
        (cols), sizeof(cols) / sizeof((cols)[0])                                                   \
    }

/* Reads the current row into the fields spec names; other fields are left as they were. */
void store_row_read(StoreStmt *st, const StoreRowSpec *spec, void *row);
/* Frees the Buf fields spec names. */
void store_row_release(const StoreRowSpec *spec, void *row);
/* store_one reading its row by spec into out. */
StoreStatus store_one_row(StoreConn *c, StoreStmt *st, const StoreRowSpec *spec, void *out,
                          const char *func);

/* The "every row into a typed callback" query, written once. Defines Row##Each ({cb, arg}: what
 * the query's caller passed) and name, a StoreRowFn for store_each that reads each row by spec
 * into a zeroed Row, hands it to the callback and then frees its Bufs:
 *     STORE_EACH_ROW(message_each, MessageRow, message_spec)
 *     ... MessageRowEach e = {cb, arg}; return store_each(c, st, message_each, &e, __func__); */
#define STORE_EACH_ROW(name, Row, spec)                                                            \
    typedef struct Row##Each {                                                                     \
        void (*cb)(void *arg, const Row *row);                                                     \
        void *arg;                                                                                 \
    } Row##Each;                                                                                   \
    static int name(StoreStmt *st, void *each)                                                     \
    {                                                                                              \
        const Row##Each *e = each;                                                                 \
        Row row;                                                                                   \
        memset(&row, 0, sizeof row);                                                               \
        store_row_read(st, &(spec), &row);                                                         \
        e->cb(e->arg, &row);                                                                       \
        store_row_release(&(spec), &row);                                                          \
        return 0;                                                                                  \
    }

/* Column readers: an integer (0 for NULL), text (NULL for NULL; valid until the next step or
 * reset), a blob into a Buf (empty for NULL), a blob of exactly n bytes (zeros otherwise), text
 * into a fixed buffer (truncated, NUL-terminated). */
int64_t store_col_int64(StoreStmt *st, int col);
const char *store_col_text(StoreStmt *st, int col);
void store_column_buf(StoreStmt *st, int col, Buf *out);
void store_column_fixed(StoreStmt *st, int col, void *out, size_t n);
void store_column_text(StoreStmt *st, int col, char *out, size_t n);

/* The open states of states.c (a unit test holds the two together). A clock runs exactly while a
 * target's due_at is set: transitions set or clear it, so "overdue" needs no list of states. */
#define OPEN_STATES                                                                                \
    "('reported', 'in_review', 'ready', 'notice_sent', 'acknowledged', 'needs_info', 'rejected', " \
    "'escalated', 'removed', 'counter_noticed', 'verified_gone', 'monitoring', 'visit_planned', "  \
    "'visited_refused', 'unreachable')"

#endif
