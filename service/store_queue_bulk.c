/* The queue rows for bulk writes: case_queue_refresh deferred to the end of a transaction, and a
 * check of case_queue against a rebuild from scratch (store_queue_bulk.h). */
#include "store_queue_bulk.h"

#include "log.h"
#include "store_internal.h"
#include "store_pg.h"

#include <sqlite3.h>
#include <stdlib.h>

/* The trigger whose body holds the queue rule (schema/0008_case_queue.sql). */
static const char refresh_sql_query[] =
    "SELECT sql FROM sqlite_schema WHERE type = 'trigger' AND name = 'case_queue_refresh'";

static int row_text_dup(StoreStmt *st, void *arg)
{
    const char *s = store_col_text(st, 0);
    *(char **)arg = s ? xstrdup(s) : NULL;
    return 0;
}

/* Runs SQL text that returns no rows (DDL, or several statements); STORE_OK or the error logged. */
static StoreStatus exec_text(StoreConn *c, const char *sql, const char *func)
{
    char *msg = NULL;
    int rc = sqlite3_exec(c->db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        log_msg(LOG_LEVEL_ERROR, "%s: sqlite: %s", func, msg ? msg : sqlite3_errstr(rc));
    sqlite3_free(msg);
    return rc == SQLITE_OK ? STORE_OK : STORE_ERROR;
}

StoreStatus store_queue_refresh_defer(StoreConn *c, char **trigger_sql)
{
    *trigger_sql = NULL;
    /* Outside a transaction the drop would commit on its own: never a schema without it. */
    if (sqlite3_get_autocommit(c->db)) {
        log_errorx("not inside a transaction");
        return STORE_ERROR;
    }
    StoreStatus s =
        store_one(c, store_stmt(c, refresh_sql_query), row_text_dup, trigger_sql, __func__);
    if (s == STORE_OK && !*trigger_sql)
        s = STORE_ERROR;
    if (s == STORE_OK)
        s = exec_text(c, "DROP TRIGGER case_queue_refresh", __func__);
    if (s != STORE_OK) {
        free(*trigger_sql);
        *trigger_sql = NULL;
    }
    return s;
}

StoreStatus store_queue_refresh_resume(StoreConn *c, char **trigger_sql)
{
    if (!*trigger_sql || sqlite3_get_autocommit(c->db)) {
        log_errorx("no deferred trigger in this transaction");
        return STORE_ERROR;
    }
    StoreStatus s = exec_text(c, *trigger_sql, __func__);
    free(*trigger_sql);
    *trigger_sql = NULL;
    /* The SELECT reads the table it inserts into, so SQLite runs it to the end first: each
     * marked case goes in once more, the trigger refreshes it and removes that new mark, and
     * the old marks are all that is left to delete. */
    if (s == STORE_OK)
        s = exec_text(c,
                      "INSERT INTO case_queue_dirty SELECT DISTINCT case_id FROM case_queue_dirty;"
                      "DELETE FROM case_queue_dirty;",
                      __func__);
    return s;
}

static StoreStatus queue_hold(StoreConn *c)
{
    if (c->pg) /* the refresh function marks instead, for this transaction only */
        return pg_in_tx(c->pg) ? pg_exec(c->pg, "SET LOCAL takedown.queue_defer = 'on'", __func__)
                               : STORE_ERROR;
    if (sqlite3_get_autocommit(c->db)) {
        log_errorx("not inside a transaction");
        return STORE_ERROR;
    }
    return store_exec_stmt(
        c, store_stmt(c, "INSERT INTO case_queue_dirty (rowid, case_id) VALUES (0, '')"), __func__);
}

static StoreStatus queue_release(StoreConn *c)
{
    if (c->pg)
        return pg_exec(c->pg,
                       "SET LOCAL takedown.queue_defer = 'off';"
                       "SELECT case_queue_refresh(case_id) FROM case_queue_dirty;"
                       "DELETE FROM case_queue_dirty",
                       __func__);
    StoreStatus s =
        store_exec_stmt(c, store_stmt(c, "DELETE FROM case_queue_dirty WHERE rowid = 0"), __func__);
    /* As in store_queue_refresh_resume: each marked case in once more, refreshed by the trigger
     * (which removes that new mark), then the old marks. */
    if (s == STORE_OK)
        s = store_exec_stmt(c,
                            store_stmt(c, "INSERT INTO case_queue_dirty"
                                          " SELECT DISTINCT case_id FROM case_queue_dirty"),
                            __func__);
    if (s == STORE_OK)
        s = store_exec_stmt(c, store_stmt(c, "DELETE FROM case_queue_dirty"), __func__);
    return s;
}

StoreStatus store_queue_held(StoreConn *c, StoreStatus (*fn)(StoreConn *, void *), void *arg)
{
    StoreStatus s = queue_hold(c);
    if (s == STORE_OK)
        s = fn(c, arg);
    return s == STORE_OK ? queue_release(c) : s;
}

typedef struct QueueCounts {
    int64_t rows, wrong;
} QueueCounts;

static int row_counts(StoreStmt *st, void *arg)
{
    QueueCounts *n = arg;
    n->rows = store_col_int64(st, 0);
    n->wrong = store_col_int64(st, 1);
    return 0;
}

/* The rows kept (in temp.queue_kept) against the rebuilt ones, both ways. */
static StoreStatus queue_compare(StoreConn *c, int64_t marks, QueueCounts *n)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(
        c->db,
        "SELECT (SELECT count(*) FROM temp.queue_kept),"
        " (SELECT count(*) FROM (SELECT * FROM temp.queue_kept EXCEPT SELECT * FROM"
        "  main.case_queue)) + (SELECT count(*) FROM (SELECT * FROM main.case_queue EXCEPT"
        "  SELECT * FROM temp.queue_kept)) + (SELECT count(*) FROM main.case_queue_dirty)",
        -1, &st, NULL);
    StoreStatus s = rc == SQLITE_OK ? store_one(c, (StoreStmt *)(void *)st, row_counts, n, __func__)
                                    : store_status(c, rc, __func__);
    sqlite3_finalize(st);
    n->wrong += marks;
    return s;
}

StoreStatus store_queue_check(StoreConn *c, int64_t *rows, int64_t *wrong)
{
    QueueCounts n = {0, 0};
    int64_t marks = 0;
    StoreStatus s = exec_text(c, "SAVEPOINT queue_check", __func__);
    if (s != STORE_OK)
        return s;
    s = store_one(c, store_stmt(c, "SELECT count(*) FROM case_queue_dirty"), store_row_int64,
                  &marks, __func__);
    if (s == STORE_OK)
        s = exec_text(c,
                      "CREATE TEMP TABLE queue_kept AS SELECT * FROM main.case_queue;"
                      "DELETE FROM main.case_queue;"
                      "INSERT INTO main.case_queue_dirty SELECT id FROM main.cases;",
                      __func__);
    if (s == STORE_OK)
        s = queue_compare(c, marks, &n);
    /* Undo the rebuild and the temporary table, whatever happened. */
    StoreStatus undo = exec_text(c, "ROLLBACK TO queue_check; RELEASE queue_check", __func__);
    if (s == STORE_OK)
        s = undo;
    *rows = n.rows;
    *wrong = n.wrong;
    return s;
}
