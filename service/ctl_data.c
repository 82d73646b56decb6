/* takedownctl purge, backup, restore, stats: the data as a whole. None needs a key: purging
 * deletes ciphertexts, a backup copies them, statistics count workflow metadata. */
#include "ctl.h"

#include "backup.h"
#include "erasure.h"
#include "platform_stats.h"
#include "retention.h"
#include "staff.h"
#include "store.h"
#include "store_case.h"
#include "store_registry.h"
#include "store_staff.h"
#include "vault.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* --data-dir DIR, --dry-run, --force, --keep N, and up to one positional argument. */
typedef struct DataArgs {
    const char *data_dir, *file;
    int dry_run, force, keep;
} DataArgs;

/* --keep N: 1 to BACKUP_KEEP_MAX; -1 when N is not such a number. */
static int keep_parse(const char *s)
{
    char *end = NULL;
    long n = strtol(s, &end, 10);
    return end != s && *end == '\0' && n >= 1 && n <= BACKUP_KEEP_MAX ? (int)n : -1;
}

static int data_parse(int argc, char **argv, DataArgs *a, int want_file)
{
    memset(a, 0, sizeof *a);
    a->data_dir = "./var";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--data-dir") == 0 && i + 1 < argc)
            a->data_dir = argv[++i];
        else if (strcmp(argv[i], "--dry-run") == 0)
            a->dry_run = 1;
        else if (strcmp(argv[i], "--force") == 0)
            a->force = 1;
        else if (strcmp(argv[i], "--keep") == 0 && i + 1 < argc && strcmp(argv[0], "backup") == 0) {
            if ((a->keep = keep_parse(argv[++i])) < 0) {
                fprintf(stderr, "takedownctl backup: --keep takes a number from 1 to %d\n",
                        BACKUP_KEEP_MAX);
                return 2;
            }
        } else if (argv[i][0] != '-' && want_file && !a->file)
            a->file = argv[i];
        else {
            fprintf(stderr, "takedownctl %s: unexpected argument %s\n", argv[0], argv[i]);
            return 2;
        }
    }
    if (want_file && !a->file) {
        fprintf(stderr, "takedownctl %s: name a file\n", argv[0]);
        return 2;
    }
    return 0;
}

static int data_open(const char *dir)
{
    char err[512];
    struct stat st;
    char db[600];
    snprintf(db, sizeof db, "%s/takedown.db", dir);
    if (!store_is_postgresql() && stat(db, &st) != 0) {
        fprintf(stderr, "takedownctl: no database in %s (run takedownctl init first)\n", dir);
        return 1;
    }
    if (store_open(dir, err, sizeof err) != 0) {
        fprintf(stderr, "takedownctl: %s\n", err);
        return 1;
    }
    return 0;
}

static void purge_progress(void *arg, const char *case_id, size_t i, size_t n, int dry_run)
{
    (void)arg;
    printf("%s case %s (%zu of %zu)\n", dry_run ? "would purge" : "purging", case_id, i, n);
    fflush(stdout);
}

int ctl_purge(int argc, char **argv)
{
    DataArgs a;
    if (data_parse(argc, argv, &a, 0) != 0)
        return 2;
    if (data_open(a.data_dir) != 0)
        return 1;
    int cleared = 1;
    long n = retention_purge((int64_t)time(NULL), a.dry_run, purge_progress, NULL, &cleared);
    store_close();
    if (n < 0) {
        fprintf(stderr, "takedownctl purge: the database could not be read\n");
        return 1;
    }
    printf("%s %ld case(s) past their purge date%s\n", a.dry_run ? "would purge" : "purged", n,
           a.dry_run ? " (dry run: nothing was changed)" : "");
    if (!cleared)
        printf("the database log could not be cleared yet: another process holds the database "
               "open for reading, so old pages of the purged cases may remain in it until "
               "takedownd's next tick (or the next purge) clears it\n");
    return 0;
}

int ctl_backup(int argc, char **argv)
{
    if (store_is_postgresql()) {
        fprintf(stderr,
                "takedownctl backup: a PostgreSQL database is backed up with its own tools "
                "(pg_dump, base backups; docs/operations.md), the data dir's files beside it\n");
        return 2;
    }
    DataArgs a;
    if (data_parse(argc, argv, &a, 1) != 0)
        return 2;
    size_t len = strlen(a.file), sfx = strlen(BACKUP_SUFFIX);
    if (a.keep && (len <= sfx || strcmp(a.file + len - sfx, BACKUP_SUFFIX) != 0)) {
        fprintf(stderr,
                "takedownctl backup: --keep prunes the backups named *%s in the same directory; "
                "name this one so too\n",
                BACKUP_SUFFIX);
        return 2;
    }
    if (data_open(a.data_dir) != 0)
        return 1;
    int rc = backup_write(a.file);
    store_close();
    if (rc != 0)
        return 1;
    printf("backup written to %s (database without sessions, screenshots, erasure log; mode "
           "0600)\n",
           a.file);
    if (a.keep && backup_prune(a.file, a.keep) < 0) {
        fprintf(stderr, "takedownctl backup: cannot list the older backups to prune\n");
        return 1;
    }
    return 0;
}

typedef struct Reerase {
    ErasureSet log;
    CaseIds cases; /* restored cases the log names */
    struct {
        int64_t id;
        char login[STAFF_LOGIN_MAX + 1];
    } * acc; /* enabled accounts the log names as disabled */
    size_t nacc, capacc;
} Reerase;

static void redisable_collect(void *arg, int64_t id, const char *login, const char *role,
                              int disabled, int totp)
{
    (void)role;
    (void)totp;
    Reerase *r = arg;
    if (disabled || !erasure_set_has_account(&r->log, login))
        return;
    r->acc = xgrow(r->acc, r->nacc, &r->capacc, sizeof *r->acc, 8);
    r->acc[r->nacc].id = id;
    snprintf(r->acc[r->nacc++].login, STAFF_LOGIN_MAX + 1, "%s", login);
}

static void reerase_collect(void *arg, const char *case_id)
{
    Reerase *r = arg;
    if (!erasure_set_has(&r->log, case_id))
        return;
    case_ids_add(&r->cases, case_id);
}

/* Disables again each restored account the erasure log names, then destroys again, with the code
 * of every erasure, each restored case it names. Returns the number of cases, or -1. */
static long reerase(const char *data_dir, long *accounts)
{
    Reerase r = {0};
    char path[600];
    snprintf(path, sizeof path, "%s/%s", data_dir, ERASURE_LOG_NAME);
    StoreConn *c = store_conn();
    if (!c || erasure_set_load(path, &r.log) != 0 ||
        store_staff_list(c, redisable_collect, &r) != STORE_OK ||
        store_case_ids_all(c, reerase_collect, &r) != STORE_OK) {
        erasure_set_free(&r.log);
        free(r.cases.id);
        free(r.acc);
        return -1;
    }
    long done = 0;
    *accounts = 0;
    for (size_t i = 0; i < r.nacc; i++)
        *accounts +=
            staff_disable_again(r.acc[i].id, r.acc[i].login, (int64_t)time(NULL)) == STAFF_OK;
    long failed = (long)r.nacc - *accounts;
    for (size_t i = 0; i < r.cases.n; i++)
        done += retention_destroy(r.cases.id[i], (int64_t)time(NULL), "ctl", "case.erase_reapplied",
                                  0) == STORE_OK;
    failed += (long)r.cases.n - done;
    if (r.log.malformed)
        fprintf(stderr, "restore: %zu malformed line(s) in the erasure log were skipped\n",
                r.log.malformed);
    erasure_set_free(&r.log);
    free(r.cases.id);
    free(r.acc);
    if ((done || *accounts) && retention_clear_log() != 0)
        printf("the database log could not be cleared yet: takedownd's next tick clears it\n");
    return failed ? -1 : done;
}

int ctl_restore(int argc, char **argv)
{
    DataArgs a;
    /* PostgreSQL: the database comes back with its own tools (pg_restore, a base backup), the
     * files with the operator's copy of the data dir; this re-applies the erasure log to it. */
    int pg = store_is_postgresql();
    if (data_parse(argc, argv, &a, !pg) != 0)
        return 2;
    if (!pg && backup_restore(a.file, a.data_dir, a.force) != 0)
        return 1;
    if (data_open(a.data_dir) != 0)
        return 1;
    long accounts = 0;
    long n = reerase(a.data_dir, &accounts);
    store_close();
    if (n < 0) {
        fprintf(stderr, "takedownctl restore: the erasure log could not be re-applied in full; "
                        "run the restore again before starting takedownd\n");
        return 1;
    }
    if (pg)
        printf("re-applied the erasure log of %s to the PostgreSQL database\n", a.data_dir);
    else
        printf("restored %s into %s\n", a.file, a.data_dir);
    printf("erasure log re-applied: %ld case(s) erased or purged after this backup was made were "
           "destroyed again\n",
           n);
    printf("erasure log re-applied: %ld account(s) disabled after this backup was made were "
           "disabled again\n",
           accounts);
    return 0;
}

static void print_stat(void *arg, const char *group, const char *key, int64_t n)
{
    (void)arg;
    printf("%-14s %-20s %lld\n", group, key, (long long)n);
}

/* --platforms [--from D] [--to D] [--now T] [--csv]: how fast platforms act, the figures of the
 * API and the page (platform_stats.c); --now is the moment they are computed for (Unix seconds). */
typedef struct StatsArgs {
    const char *data_dir, *from, *to;
    int platforms, csv;
    int64_t now;
} StatsArgs;

static int stats_parse(int argc, char **argv, StatsArgs *a)
{
    memset(a, 0, sizeof *a);
    a->data_dir = "./var";
    a->now = (int64_t)time(NULL);
    for (int i = 1; i < argc && argv[i]; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        char *end = NULL;
        if (strcmp(argv[i], "--data-dir") == 0 && v)
            a->data_dir = argv[++i];
        else if (strcmp(argv[i], "--platforms") == 0)
            a->platforms = 1;
        else if (strcmp(argv[i], "--csv") == 0)
            a->csv = 1;
        else if (strcmp(argv[i], "--from") == 0 && v)
            a->from = argv[++i];
        else if (strcmp(argv[i], "--to") == 0 && v)
            a->to = argv[++i];
        else if (strcmp(argv[i], "--now") == 0 && v && (a->now = strtoll(v, &end, 10)) > 0 &&
                 *end == '\0')
            i++;
        else {
            fprintf(stderr, "takedownctl stats: unexpected argument %s\n", argv[i]);
            return 2;
        }
    }
    if (!a->platforms && (a->from || a->to || a->csv)) {
        fprintf(stderr, "takedownctl stats: --from, --to and --csv go with --platforms\n");
        return 2;
    }
    return 0;
}

static int stats_platforms(const StatsArgs *a)
{
    PstatsPeriod p;
    PstatsResult r = platform_stats_period(a->from, a->to, a->now, &p);
    if (r != PSTATS_OK && platform_stats_field(r)) {
        static const char *const why[] = {
            [PSTATS_BAD_FROM] = "is not a date YYYY-MM-DD (2000 to 2200)",
            [PSTATS_BAD_TO] = "is not a date YYYY-MM-DD (2000 to 2200)",
            [PSTATS_REVERSED] = "is after --to",
            [PSTATS_TOO_LONG] = "starts a period longer than 366 days"};
        fprintf(stderr, "takedownctl stats: --%s %s\n", platform_stats_field(r), why[r]);
        return 2;
    }
    json_t *stats = NULL;
    if (r == PSTATS_OK)
        r = platform_stats_compute(&p, a->now, &stats);
    if (r != PSTATS_OK) {
        fprintf(stderr, "takedownctl stats: the database could not be read\n");
        return 1;
    }
    Buf out = {0};
    if (a->csv)
        platform_stats_csv(stats, &out);
    else
        platform_stats_text(stats, &out);
    fwrite(out.data, 1, out.len, stdout);
    buf_free(&out);
    json_decref(stats);
    return 0;
}

int ctl_stats(int argc, char **argv)
{
    StatsArgs a;
    if (stats_parse(argc, argv, &a) != 0)
        return 2;
    if (data_open(a.data_dir) != 0)
        return 1;
    int rc;
    if (a.platforms) {
        rc = stats_platforms(&a);
    } else {
        StoreConn *c = store_conn();
        rc = c && store_stats(c, print_stat, NULL) == STORE_OK ? 0 : 1;
    }
    store_close();
    return rc;
}
