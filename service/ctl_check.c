/* takedownctl check: is the data directory whole? The database read-only from one snapshot
 * (integrity, foreign keys, every case with its copies, the audit chain) and the file store
 * against it (every screenshot a case names is there, no file that none names, no upload left
 * unfinished). Needs no key, writes nothing; safe while takedownd runs, exact when it is stopped
 * (a running takedownd has uploads in flight in files/tmp). */
#include "ctl.h"

#include "buf.h"
#include "filestore.h"
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define FILE_ID_MAX 64

/* File names, sorted once gathered so that each lookup is a binary search. */
typedef struct Names {
    char (*name)[FILE_ID_MAX];
    size_t n, cap;
    size_t too_long; /* names no file of ours could have: counted as strays */
} Names;

static void names_add(void *arg, const char *name)
{
    Names *l = arg;
    if (strlen(name) >= FILE_ID_MAX) {
        l->too_long++;
        return;
    }
    l->name = xgrow(l->name, l->n, &l->cap, sizeof l->name[0], 64);
    snprintf(l->name[l->n++], FILE_ID_MAX, "%s", name);
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(a, b);
}

static int names_has(const Names *l, const char *name)
{
    return l->n && bsearch(name, l->name, l->n, sizeof l->name[0], name_cmp) != NULL;
}

typedef struct FileCounts {
    size_t named, missing, stray, unfinished;
} FileCounts;

/* The file store against the ids the database names; -1 when a directory cannot be read. */
static int check_files(const char *dir, Names *db, FileCounts *out)
{
    Names disk = {0}, tmp = {0};
    int rc = filestore_each(dir, 0, names_add, &disk) == 0 &&
                     filestore_each(dir, 1, names_add, &tmp) == 0
                 ? 0
                 : -1;
    if (db->n) /* qsort's array must not be NULL, even empty */
        qsort(db->name, db->n, sizeof db->name[0], name_cmp);
    if (disk.n)
        qsort(disk.name, disk.n, sizeof disk.name[0], name_cmp);
    memset(out, 0, sizeof *out);
    out->named = db->n;
    for (size_t i = 0; i < db->n; i++)
        out->missing += !names_has(&disk, db->name[i]);
    for (size_t i = 0; i < disk.n; i++)
        out->stray += !names_has(db, disk.name[i]);
    out->stray += disk.too_long;
    out->unfinished = tmp.n + tmp.too_long;
    free(disk.name);
    free(tmp.name);
    return rc;
}

static int usage(void)
{
    fprintf(stderr, "usage: takedownctl check --data-dir DIR\n");
    return 2;
}

int ctl_check(int argc, char **argv)
{
    const char *dir = "./var";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--data-dir") == 0 && i + 1 < argc)
            dir = argv[++i];
        else
            return usage();
    }
    char db_path[600];
    struct stat st;
    snprintf(db_path, sizeof db_path, "%s/takedown.db", dir);
    if (!store_is_postgresql() && stat(db_path, &st) != 0) {
        fprintf(stderr, "takedownctl check: no database in %s\n", dir);
        return 1;
    }
    StoreCheck c;
    Names db = {0};
    FileCounts f;
    if (store_check(db_path, &c, names_add, &db) != 0) {
        fprintf(stderr, "takedownctl check: cannot read the database in %s\n", dir);
        free(db.name);
        return 1;
    }
    int files_read = check_files(dir, &db, &f) == 0;
    free(db.name);
    printf("integrity: %s\n", c.integrity);
    printf("foreign keys: %lld problem(s)\n", (long long)c.foreign_key_problems);
    printf("cases without copies: %lld\n", (long long)c.cases_without_targets);
    if (c.audit_bad)
        printf("audit log: BROKEN at entry %lld of %lld\n", (long long)c.audit_bad,
               (long long)c.audit_rows);
    else
        printf("audit log: intact, %lld entries\n", (long long)c.audit_rows);
    if (files_read)
        printf("files: %zu named, %zu missing, %zu named by no case\n", f.named, f.missing,
               f.stray);
    else
        printf("files: cannot read %s/files\n", dir);
    printf("unfinished uploads: %zu%s\n", f.unfinished,
           f.unfinished ? " (takedownd files or removes them when it next starts)" : "");
    int ok = c.integrity_problems == 0 && c.foreign_key_problems == 0 &&
             c.cases_without_targets == 0 && c.audit_bad == 0 && files_read && f.missing == 0 &&
             f.stray == 0 && f.unfinished == 0;
    printf("check: %s\n", ok ? "ok" : "PROBLEMS FOUND");
    return ok ? 0 : 1;
}
