/* A benchmark ceiling: durable single-row commits per second in SQLite, configured as takedownd
 * configures its database (WAL, synchronous=FULL), in a directory on the data directory's
 * filesystem. Each commit inserts one row of about a case's size in its own transaction.
 * Usage: commit_ceiling DIR ROUNDS COMMITS MAX_SECONDS
 * Runs ROUNDS rounds of at most COMMITS commits and at most MAX_SECONDS seconds each (all rounds
 * together stop after 3 x MAX_SECONDS), and prints one line per round: "commits_per_s R".
 * Creates DIR/commit_ceiling.db (and its -wal, -shm) and removes them at the end. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ROW_BYTES 512

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int db_setup(sqlite3 *db)
{
    const char *sql = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                      "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v BLOB NOT NULL);";
    char *err = NULL; /* owned here */
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "commit_ceiling: setup: %s\n", err ? err : "?");
        sqlite3_free(err);
        return -1;
    }
    return 0;
}

/* One round: commits until count or the deadline; returns commits per second, or -1. */
static double db_round(sqlite3_stmt *ins, long count, double max_seconds, double hard_stop)
{
    static unsigned char row[ROW_BYTES];
    double start = now_s();
    long n = 0;
    while (n < count) {
        row[n % ROW_BYTES]++;
        if (sqlite3_bind_blob(ins, 1, row, sizeof row, SQLITE_STATIC) != SQLITE_OK ||
            sqlite3_step(ins) != SQLITE_DONE || sqlite3_reset(ins) != SQLITE_OK)
            return -1;
        n++;
        double t = now_s();
        if (t - start >= max_seconds || t >= hard_stop)
            break;
    }
    double elapsed = now_s() - start;
    return elapsed > 0 ? (double)n / elapsed : -1;
}

static int arg_long(const char *s, long lo, long hi, long *out)
{
    char *end = NULL;
    *out = strtol(s, &end, 10);
    return end != s && !*end && *out >= lo && *out <= hi ? 0 : -1;
}

int main(int argc, char **argv)
{
    long rounds = 0, count = 0, max_seconds = 0;
    if (argc != 5 || arg_long(argv[2], 1, 100, &rounds) || arg_long(argv[3], 1, 1000000, &count) ||
        arg_long(argv[4], 1, 600, &max_seconds)) {
        fprintf(stderr, "usage: commit_ceiling DIR ROUNDS(1-100) COMMITS(1-1000000) "
                        "MAX_SECONDS(1-600)\n");
        return 2;
    }
    char path[4096];
    if (snprintf(path, sizeof path, "%s/commit_ceiling.db", argv[1]) >= (int)sizeof path)
        return 2;
    sqlite3 *db = NULL;       /* owned here */
    sqlite3_stmt *ins = NULL; /* owned here */
    int rc = 1;
    if (sqlite3_open(path, &db) != SQLITE_OK || db_setup(db) != 0 ||
        sqlite3_prepare_v2(db, "INSERT INTO t (v) VALUES (?1)", -1, &ins, NULL) != SQLITE_OK)
        goto done;
    double hard_stop = now_s() + 3.0 * (double)max_seconds;
    for (long r = 0; r < rounds && now_s() < hard_stop; r++) {
        double rate = db_round(ins, count, (double)max_seconds, hard_stop);
        if (rate < 0) {
            fprintf(stderr, "commit_ceiling: insert: %s\n", sqlite3_errmsg(db));
            goto done;
        }
        printf("commits_per_s %.1f\n", rate);
    }
    rc = 0;
done:
    sqlite3_finalize(ins);
    sqlite3_close(db);
    for (int i = 0; i < 3; i++) {
        static const char *const suffix[] = {"", "-wal", "-shm"};
        char f[4200];
        snprintf(f, sizeof f, "%s%s", path, suffix[i]);
        unlink(f);
    }
    return rc;
}
