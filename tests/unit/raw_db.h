/* A raw look at a unit test's database file, the way an outsider would open it: a second SQLite
 * connection beside the store's. The including file defines `db_file` (the path) before this. */
#ifndef TAKEDOWN_TEST_RAW_DB_H
#define TAKEDOWN_TEST_RAW_DB_H

#include <sqlite3.h>

static inline sqlite3 *raw_open(void)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(db_file, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    return db;
}

static inline void raw_exec(const char *sql)
{
    sqlite3 *db = raw_open();
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", sql, msg ? msg : "?");
    sqlite3_close(db);
}

/* The first column of the first row of sql (its one ? bound to arg when not NULL). */
static inline int64_t raw_int(const char *sql, const char *arg)
{
    sqlite3 *db = raw_open();
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("prepare %s: %s", sql, sqlite3_errmsg(db));
    if (arg)
        sqlite3_bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

#endif
