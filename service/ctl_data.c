/* takedownctl purge, backup, restore, stats: the data as a whole. None needs a key: purging
 * deletes ciphertexts, a backup copies them, statistics count workflow metadata. */
#include "ctl.h"

#include "retention.h"
#include "store.h"
#include "store_work.h"
#include "vault.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* --data-dir DIR, --dry-run, --force, and up to one positional argument. */
typedef struct DataArgs {
    const char *data_dir, *file;
    int dry_run, force;
} DataArgs;

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
        else if (argv[i][0] != '-' && want_file && !a->file)
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
    if (stat(db, &st) != 0) {
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
    long n = retention_purge((int64_t)time(NULL), a.dry_run, purge_progress, NULL);
    store_close();
    if (n < 0) {
        fprintf(stderr, "takedownctl purge: the database could not be read\n");
        return 1;
    }
    printf("%s %ld case(s) past their purge date%s\n", a.dry_run ? "would purge" : "purged", n,
           a.dry_run ? " (dry run: nothing was changed)" : "");
    return 0;
}

int ctl_backup(int argc, char **argv)
{
    DataArgs a;
    if (data_parse(argc, argv, &a, 1) != 0)
        return 2;
    if (access(a.file, F_OK) == 0) {
        fprintf(stderr, "takedownctl backup: %s exists; choose a new file\n", a.file);
        return 1;
    }
    if (data_open(a.data_dir) != 0)
        return 1;
    int rc = store_backup(a.file);
    store_close();
    if (rc != 0) {
        fprintf(stderr, "takedownctl backup: could not write %s\n", a.file);
        return 1;
    }
    printf("backup written to %s (encrypted as stored; screenshots in %s/files are separate)\n",
           a.file, a.data_dir);
    return 0;
}

int ctl_restore(int argc, char **argv)
{
    DataArgs a;
    if (data_parse(argc, argv, &a, 1) != 0)
        return 2;
    char db[600];
    snprintf(db, sizeof db, "%s/takedown.db", a.data_dir);
    if (access(db, F_OK) == 0 && !a.force) {
        fprintf(stderr,
                "takedownctl restore: %s exists; stop takedownd and add --force to "
                "replace it\n",
                db);
        return 1;
    }
    if (store_restore(a.file, a.data_dir) != 0) {
        fprintf(stderr, "takedownctl restore: %s is not a takedown backup\n", a.file);
        return 1;
    }
    printf("restored %s into %s\n", a.file, a.data_dir);
    return 0;
}

static void print_stat(void *arg, const char *group, const char *key, int64_t n)
{
    (void)arg;
    printf("%-14s %-20s %lld\n", group, key, (long long)n);
}

int ctl_stats(int argc, char **argv)
{
    DataArgs a;
    if (data_parse(argc, argv, &a, 0) != 0)
        return 2;
    if (data_open(a.data_dir) != 0)
        return 1;
    StoreConn *c = store_conn();
    StoreStatus st = c ? store_stats(c, print_stat, NULL) : STORE_ERROR;
    store_close();
    return st == STORE_OK ? 0 : 1;
}
