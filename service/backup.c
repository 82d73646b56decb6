/* Backup archives: writing, checking and unpacking (takedownctl only). The database copy comes
 * from the store; checksums from the vault; everything else here is plain files. */
#include "backup.h"

#include "buf.h"
#include "erasure.h"
#include "log.h"
#include "store.h"
#include "vault.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAGIC "takedown-backup 1 "
#define COPY_CHUNK 65536
#define NAME_MAX_LEN 128

/* ---- small file helpers ---- */

static void dir_of(const char *path, char out[600])
{
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s", path);
    snprintf(out, 600, "%s", dirname(tmp));
}

static void fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* A new file only we can read, whatever the umask; NULL if the name exists. */
static FILE *create_private(const char *path)
{
    int fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0)
        return NULL;
    if (fchmod(fd, 0600) != 0) {
        close(fd);
        unlink(path);
        return NULL;
    }
    FILE *f = fdopen(fd, "wb");
    if (!f) {
        close(fd);
        unlink(path);
    }
    return f;
}

/* Flushes, fsyncs and closes; 0 or -1. */
static int close_synced(FILE *f)
{
    int rc = fflush(f) == 0 && fsync(fileno(f)) == 0 ? 0 : -1;
    return fclose(f) == 0 ? rc : -1;
}

/* A screenshot id as uploads.c makes them: letters, digits, '-' and '_'. */
static int name_ok(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && n <= NAME_MAX_LEN &&
           strspn(s, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_") == n;
}

/* ---- writing ---- */

typedef struct FileList {
    char **ids; /* owned */
    size_t n, cap;
} FileList;

static void list_add(void *arg, const char *id)
{
    FileList *l = arg;
    if (!id || !name_ok(id))
        return;
    l->ids = xgrow(l->ids, l->n, &l->cap, sizeof *l->ids, 64);
    l->ids[l->n++] = xstrdup(id);
}

static void list_free(FileList *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->ids[i]);
    free(l->ids);
}

typedef struct Progress {
    int pages, pages_total;
    size_t files, files_total;
    int last_pct; /* the last twentieth printed, so a large backup prints about 20 lines a phase */
} Progress;

static void progress_print(Progress *p, int force)
{
    int pct = p->files_total   ? (int)(p->files * 20 / p->files_total)
              : p->pages_total ? p->pages * 20 / p->pages_total
                               : 20;
    if (!force && pct == p->last_pct)
        return;
    p->last_pct = pct;
    if (p->files_total || force)
        fprintf(stderr, "backup: %d/%d pages, %zu/%zu files\n", p->pages, p->pages_total, p->files,
                p->files_total);
    else
        fprintf(stderr, "backup: %d/%d pages\n", p->pages, p->pages_total);
    fflush(stderr);
}

static void on_pages(void *arg, int done, int total)
{
    Progress *p = arg;
    p->pages = done;
    p->pages_total = total;
    progress_print(p, 0);
}

/* Copies exactly size bytes from in to out (or, with out NULL, skips them), hashing them. */
static int copy_hashed(FILE *in, FILE *out, long long size, unsigned char digest[VAULT_ID_BYTES])
{
    unsigned char *buf = xmalloc(COPY_CHUNK);
    VaultHash *h = vault_hash_start();
    long long left = size;
    while (left > 0) {
        size_t want = left < COPY_CHUNK ? (size_t)left : COPY_CHUNK;
        size_t got = fread(buf, 1, want, in);
        if (got == 0 || (out && fwrite(buf, 1, got, out) != got))
            break;
        vault_hash_update(h, buf, got);
        left -= (long long)got;
    }
    vault_hash_final(h, digest);
    free(buf);
    return left == 0 ? 0 : -1;
}

/* Appends one member from the file at src; 1 when src is gone (a file erased meanwhile). */
static int member_put(FILE *out, const char *kind, const char *name, const char *src)
{
    FILE *in = fopen(src, "rb");
    if (!in)
        return errno == ENOENT ? 1 : -1;
    struct stat st;
    if (fstat(fileno(in), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(in);
        return -1;
    }
    long long size = (long long)st.st_size;
    unsigned char d[VAULT_ID_BYTES];
    char hex[2 * VAULT_ID_BYTES + 1];
    fprintf(out, "member %s %s %lld\n", kind, name, size);
    int rc = copy_hashed(in, out, size, d);
    fclose(in);
    if (rc != 0)
        return -1;
    vault_to_hex(d, sizeof d, hex);
    return fprintf(out, "blake2b %s\n", hex) > 0 ? 0 : -1;
}

/* The members after the database: the screenshots it names, then the erasure log. */
static int members_rest(FILE *out, const char *db_copy, Progress *p, size_t *members)
{
    FileList l = {0};
    if (store_backup_files(db_copy, list_add, &l) != 0) {
        fprintf(stderr, "takedownctl backup: cannot list the screenshots\n");
        return -1;
    }
    p->files_total = l.n;
    p->last_pct = -1;
    int rc = 0;
    for (size_t i = 0; i < l.n && rc == 0; i++) {
        char src[700];
        snprintf(src, sizeof src, "%s/files/%s", store_data_dir(), l.ids[i]);
        int r = member_put(out, "file", l.ids[i], src);
        if (r < 0) {
            fprintf(stderr, "takedownctl backup: cannot read a screenshot file: %s\n",
                    strerror(errno));
            rc = -1;
        }
        *members += r == 0;
        p->files = i + 1;
        progress_print(p, 0);
    }
    list_free(&l);
    char log[600];
    snprintf(log, sizeof log, "%s/%s", store_data_dir(), ERASURE_LOG_NAME);
    int r = rc == 0 ? member_put(out, "erasure-log", ERASURE_LOG_NAME, log) : -1;
    *members += r == 0;
    if (r >= 0)
        progress_print(p, 1);
    return r < 0 ? -1 : 0;
}

static int archive_fill(FILE *out, const char *db_copy)
{
    size_t members = 0;
    Progress p = {0};
    p.last_pct = -1;
    if (store_backup_copy(db_copy, on_pages, &p) != 0) {
        fprintf(stderr, "takedownctl backup: cannot copy the database\n");
        return -1;
    }
    fprintf(out, MAGIC "%lld\n", (long long)time(NULL));
    if (member_put(out, "db", "takedown.db", db_copy) != 0) {
        fprintf(stderr, "takedownctl backup: cannot pack the database copy\n");
        return -1;
    }
    members++;
    if (members_rest(out, db_copy, &p, &members) != 0)
        return -1;
    return fprintf(out, "end %zu\n", members) > 0 ? 0 : -1;
}

/* Links tmp to file (never replacing it) and removes tmp. */
static int publish(const char *tmp, const char *file)
{
    if (link(tmp, file) != 0) {
        fprintf(stderr, "takedownctl backup: cannot create %s: %s\n", file,
                errno == EEXIST ? "it exists (choose a new name)" : strerror(errno));
        return -1;
    }
    unlink(tmp);
    char dir[600];
    dir_of(file, dir);
    fsync_dir(dir);
    return 0;
}

int backup_write(const char *file)
{
    struct stat st;
    if (lstat(file, &st) == 0) {
        fprintf(stderr,
                "takedownctl backup: %s exists; choose a new file (a backup is never "
                "overwritten)\n",
                file);
        return -1;
    }
    char tmp[700], db_copy[700];
    snprintf(tmp, sizeof tmp, "%s.partial-%ld", file, (long)getpid());
    snprintf(db_copy, sizeof db_copy, "%s.db-partial-%ld", file, (long)getpid());
    FILE *out = create_private(tmp);
    FILE *dbf = out ? create_private(db_copy) : NULL;
    if (!out || !dbf) {
        fprintf(stderr, "takedownctl backup: cannot create a file beside %s: %s\n", file,
                strerror(errno));
        if (out) {
            fclose(out);
            unlink(tmp);
        }
        return -1;
    }
    fclose(dbf);
    int rc = archive_fill(out, db_copy);
    if (close_synced(out) != 0 && rc == 0) {
        fprintf(stderr, "takedownctl backup: cannot write %s: %s\n", tmp, strerror(errno));
        rc = -1;
    }
    unlink(db_copy);
    if (rc == 0)
        rc = publish(tmp, file);
    if (rc != 0)
        unlink(tmp);
    return rc;
}

/* ---- reading ---- */

/* Reads one line without its newline; -1 at EOF or when it is too long. */
static int line_read(FILE *f, char *buf, size_t n)
{
    if (!fgets(buf, (int)n, f))
        return -1;
    size_t len = strlen(buf);
    if (len == 0 || buf[len - 1] != '\n')
        return -1;
    buf[len - 1] = '\0';
    return 0;
}

typedef struct Stage {
    char dir[600]; /* DATA_DIR/.restore-<pid>, mode 0700 */
    size_t files, members;
    int have_db;
} Stage;

/* Where a member goes in the stage; -1 for an unknown kind, a bad name or a second database. */
static int member_dest(Stage *s, const char *kind, const char *name, char out[800])
{
    if (strcmp(kind, "db") == 0 && strcmp(name, "takedown.db") == 0 && !s->have_db) {
        s->have_db = 1;
        snprintf(out, 800, "%s/takedown.db", s->dir);
    } else if (strcmp(kind, "file") == 0 && name_ok(name)) {
        s->files++;
        snprintf(out, 800, "%s/files/%s", s->dir, name);
    } else if (strcmp(kind, "erasure-log") == 0 && strcmp(name, ERASURE_LOG_NAME) == 0) {
        snprintf(out, 800, "%s/%s", s->dir, ERASURE_LOG_NAME);
    } else {
        return -1;
    }
    return 0;
}

/* Reads one member (its header line already parsed) into the stage, checking its checksum. */
static int member_get(FILE *in, Stage *s, const char *kind, const char *name, long long size)
{
    char dest[800], line[160];
    if (size < 0 || member_dest(s, kind, name, dest) != 0)
        return -1;
    FILE *out = create_private(dest);
    if (!out)
        return -1;
    unsigned char d[VAULT_ID_BYTES], want[VAULT_ID_BYTES];
    int rc = copy_hashed(in, out, size, d);
    if (close_synced(out) != 0)
        rc = -1;
    if (rc == 0 && (line_read(in, line, sizeof line) != 0 || strncmp(line, "blake2b ", 8) != 0 ||
                    vault_from_hex(line + 8, want, sizeof want) != VAULT_ID_BYTES ||
                    !vault_equal(d, want, sizeof d)))
        rc = -1;
    s->members++;
    return rc;
}

static int archive_unpack(FILE *in, Stage *s)
{
    char line[400], kind[32], name[NAME_MAX_LEN + 2];
    if (line_read(in, line, sizeof line) != 0 || strncmp(line, MAGIC, strlen(MAGIC)) != 0)
        return -1;
    for (;;) {
        long long size = -1;
        size_t count = 0;
        if (line_read(in, line, sizeof line) != 0)
            return -1;
        if (sscanf(line, "end %zu", &count) == 1)
            return count == s->members && s->have_db && fgetc(in) == EOF ? 0 : -1;
        if (sscanf(line, "member %31s %129s %lld", kind, name, &size) != 3 ||
            member_get(in, s, kind, name, size) != 0)
            return -1;
        if (strcmp(kind, "file") == 0 && s->files % 100 == 0) {
            fprintf(stderr, "restore: %zu files\n", s->files);
            fflush(stderr);
        }
    }
}

/* Removes the regular files of a directory (one level), then the directory. */
static void remove_flat(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char p[1200];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            remove_flat(p);
        else
            unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

/* 1 when dir holds anything but an erasure log. */
static int dir_in_use(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int used = 0;
    struct dirent *e;
    while (!used && (e = readdir(d)))
        used = strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
               strcmp(e->d_name, ERASURE_LOG_NAME) != 0;
    closedir(d);
    return used;
}

/* Moves the staged database and files into data_dir, then merges the erasure logs. */
static int stage_commit(Stage *s, const char *data_dir)
{
    char from[800], to[800];
    static const char *const sides[] = {"-wal", "-shm", "-journal"};
    for (size_t i = 0; i < sizeof sides / sizeof sides[0]; i++) {
        snprintf(to, sizeof to, "%s/takedown.db%s", data_dir, sides[i]);
        unlink(to);
    }
    snprintf(from, sizeof from, "%s/takedown.db", s->dir);
    snprintf(to, sizeof to, "%s/takedown.db", data_dir);
    if (rename(from, to) != 0)
        return -1;
    char old[800];
    snprintf(to, sizeof to, "%s/files", data_dir);
    snprintf(old, sizeof old, "%s/old-files", s->dir);
    if (rename(to, old) != 0 && errno != ENOENT)
        return -1;
    snprintf(from, sizeof from, "%s/files", s->dir);
    if (rename(from, to) != 0)
        return -1;
    fsync_dir(to);
    fsync_dir(data_dir);
    snprintf(from, sizeof from, "%s/%s", s->dir, ERASURE_LOG_NAME);
    snprintf(to, sizeof to, "%s/%s", data_dir, ERASURE_LOG_NAME);
    long added = erasure_log_merge(to, from);
    if (added < 0)
        return -1;
    if (added > 0)
        fprintf(stderr, "restore: %ld erasure log line(s) from the backup added to %s\n", added,
                to);
    return 0;
}

int backup_restore(const char *file, const char *data_dir, int force)
{
    if (mkdir(data_dir, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "takedownctl restore: cannot create %s: %s\n", data_dir, strerror(errno));
        return -1;
    }
    if (dir_in_use(data_dir) && !force) {
        fprintf(stderr,
                "takedownctl restore: %s is not empty; stop takedownd and add --force to replace "
                "its database and files (its erasure log is kept)\n",
                data_dir);
        return -1;
    }
    FILE *in = fopen(file, "rb");
    if (!in) {
        fprintf(stderr, "takedownctl restore: cannot open %s: %s\n", file, strerror(errno));
        return -1;
    }
    Stage s = {0};
    snprintf(s.dir, sizeof s.dir, "%s/.restore-%ld", data_dir, (long)getpid());
    char sub[700];
    snprintf(sub, sizeof sub, "%s/files", s.dir);
    int rc = mkdir(s.dir, 0700) == 0 && mkdir(sub, 0700) == 0 ? 0 : -1;
    snprintf(sub, sizeof sub, "%s/files/tmp", s.dir);
    if (rc == 0)
        rc = mkdir(sub, 0700);
    if (rc == 0 && archive_unpack(in, &s) != 0) {
        fprintf(stderr,
                "takedownctl restore: %s is not a complete takedown backup (a member is "
                "missing, cut short or fails its checksum); nothing was changed\n",
                file);
        rc = -1;
    }
    fclose(in);
    snprintf(sub, sizeof sub, "%s/takedown.db", s.dir);
    if (rc == 0 && store_backup_check(sub) != 0) {
        fprintf(stderr,
                "takedownctl restore: the database in %s is not one this program can "
                "open; nothing was changed\n",
                file);
        rc = -1;
    }
    if (rc == 0 && stage_commit(&s, data_dir) != 0) {
        fprintf(stderr, "takedownctl restore: cannot move the restored data into %s: %s\n",
                data_dir, strerror(errno));
        rc = -1;
    }
    remove_flat(s.dir);
    if (rc == 0)
        fprintf(stderr, "restore: database and %zu files in place\n", s.files);
    return rc;
}

/* ---- retention of backups ---- */

typedef struct Kept {
    char name[300];
    long long at;
} Kept;

/* The time in a backup's header, or -1 when the file is not one of ours. */
static long long header_time(const char *path)
{
    FILE *f = fopen(path, "rb");
    char line[64];
    long long at = -1;
    if (f && line_read(f, line, sizeof line) == 0 && strncmp(line, MAGIC, strlen(MAGIC)) == 0)
        at = strtoll(line + strlen(MAGIC), NULL, 10);
    if (f)
        fclose(f);
    return at;
}

static int kept_newest_first(const void *a, const void *b)
{
    const Kept *x = a, *y = b;
    return x->at < y->at ? 1 : x->at > y->at ? -1 : strcmp(y->name, x->name);
}

int backup_prune(const char *file, int keep)
{
    char dir[600], self[600];
    dir_of(file, dir);
    snprintf(self, sizeof self, "%s", file);
    const char *base = basename(self);
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    Kept *all = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    size_t suffix = strlen(BACKUP_SUFFIX);
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len <= suffix || len >= sizeof all->name || strcmp(e->d_name, base) == 0 ||
            strcmp(e->d_name + len - suffix, BACKUP_SUFFIX) != 0)
            continue;
        char p[1000];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        long long at = header_time(p);
        if (at < 0)
            continue;
        all = xgrow(all, n, &cap, sizeof *all, 16);
        snprintf(all[n].name, sizeof all[n].name, "%s", e->d_name);
        all[n++].at = at;
    }
    closedir(d);
    if (n)
        qsort(all, n, sizeof *all, kept_newest_first);
    int removed = 0;
    /* The new backup is the first kept; the others are the keep - 1 newest of the rest. */
    for (size_t i = (size_t)keep - 1; i < n; i++) {
        char p[1000];
        snprintf(p, sizeof p, "%s/%s", dir, all[i].name);
        if (unlink(p) == 0) {
            fprintf(stderr, "backup: removed the older backup %s\n", p);
            removed++;
        }
    }
    free(all);
    if (removed)
        fsync_dir(dir);
    return removed;
}

int backup_before_upgrade(void *arg, const char *data_dir, int from, int to)
{
    (void)arg;
    char dir[600], file[700];
    snprintf(dir, sizeof dir, "%s/%s", data_dir, BACKUP_UPGRADE_DIR);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "upgrade: cannot create %s: %s\n", dir, strerror(errno));
        return -1;
    }
    snprintf(file, sizeof file, "%s/schema-%d-to-%d-%lld%s", dir, from, to, (long long)time(NULL),
             BACKUP_SUFFIX);
    if (backup_write(file) != 0)
        return -1;
    log_info("upgrading the database from schema %d to %d: a backup was written first to %s", from,
             to, file);
    return backup_prune(file, BACKUP_UPGRADE_KEEP) < 0 ? -1 : 0;
}
