/* Files under the data directory's files/: created in tmp/, moved into place, read back through
 * the vault's stream decryption, removed. */
#include "filestore.h"

#include "log.h"
#include "store.h"
#include "vault.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void path_of(const char *id, int tmp, char out[700])
{
    snprintf(out, 700, "%s/files/%s%s", store_data_dir(), tmp ? "tmp/" : "", id);
}

static int ensure_dirs(void)
{
    char p[700];
    snprintf(p, sizeof p, "%s/files", store_data_dir());
    if (mkdir(p, 0700) != 0 && errno != EEXIST)
        return -1;
    snprintf(p, sizeof p, "%s/files/tmp", store_data_dir());
    if (mkdir(p, 0700) != 0 && errno != EEXIST)
        return -1;
    return 0;
}

int filestore_tmp_create(const char *id)
{
    if (ensure_dirs() != 0)
        return -1;
    char p[700];
    path_of(id, 1, p);
    int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        log_errorx("cannot create an upload file: %s", strerror(errno));
    return fd;
}

void filestore_tmp_remove(const char *id)
{
    char p[700];
    path_of(id, 1, p);
    unlink(p);
}

void filestore_commit(const char *id)
{
    char from[700], to[700];
    path_of(id, 1, from);
    path_of(id, 0, to);
    if (rename(from, to) != 0) {
        log_errorx("cannot move an upload into place: %s", strerror(errno));
        return;
    }
    char dir[700];
    snprintf(dir, sizeof dir, "%s/files", store_data_dir());
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

int filestore_read(const char *id, const unsigned char *key, Buf *out)
{
    char p[700];
    path_of(id, 0, p);
    FILE *f = fopen(p, "rb");
    if (!f)
        return -1;
    size_t hdr = vault_stream_header_bytes();
    size_t chunk = VAULT_STREAM_CHUNK + vault_stream_chunk_overhead();
    unsigned char *buf = xmalloc(chunk);
    int rc = -1, last = 0;
    VaultStream *st = NULL;
    if (fread(buf, 1, hdr, f) == hdr && (st = vault_stream_decrypt_start(key, id, buf, hdr))) {
        size_t n;
        while (!last && (n = fread(buf, 1, chunk, f)) > 0)
            if (vault_stream_decrypt_pull(st, buf, n, out, &last) != 0)
                break;
        rc = last && fgetc(f) == EOF && vault_stream_decrypt_end(st, out) == 0 ? 0 : -1;
    }
    if (rc != 0 && out->data) { /* nothing of a file that did not open whole */
        vault_wipe(out->data, out->len);
        buf_reset(out);
    }
    vault_stream_free(st);
    free(buf);
    fclose(f);
    return rc;
}

static void filestore_remove(const char *id)
{
    char p[700];
    path_of(id, 0, p);
    unlink(p);
}

void filestore_remove_list(Buf *ids)
{
    char *save = NULL;
    for (char *id = ids->data ? strtok_r(ids->data, "\n", &save) : NULL; id;
         id = strtok_r(NULL, "\n", &save))
        filestore_remove(id);
}

int filestore_write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

int filestore_each(const char *data_dir, int tmp, void (*fn)(void *arg, const char *id), void *arg)
{
    char p[700];
    snprintf(p, sizeof p, "%s/files%s", data_dir, tmp ? "/tmp" : "");
    DIR *d = opendir(p);
    if (!d)
        return errno == ENOENT ? 0 : -1;
    struct dirent *e;
    while ((e = readdir(d))) {
        char f[1000];
        struct stat st;
        snprintf(f, sizeof f, "%s/%s", p, e->d_name);
        if (e->d_name[0] != '.' && lstat(f, &st) == 0 && S_ISREG(st.st_mode))
            fn(arg, e->d_name);
    }
    closedir(d);
    return 0;
}

/* The ids found in files/tmp, gathered before any is moved or removed. */
typedef struct IdList {
    char (*ids)[64];
    size_t n, cap;
} IdList;

static void id_add(void *arg, const char *id)
{
    IdList *l = arg;
    if (strlen(id) >= sizeof l->ids[0])
        return; /* never one of ours */
    l->ids = xgrow(l->ids, l->n, &l->cap, sizeof l->ids[0], 16);
    snprintf(l->ids[l->n++], sizeof l->ids[0], "%s", id);
}

int filestore_recover(int (*filed)(void *arg, const char *id), void *arg, int *moved, int *removed)
{
    IdList l = {0};
    *moved = *removed = 0;
    int rc = filestore_each(store_data_dir(), 1, id_add, &l);
    for (size_t i = 0; rc == 0 && i < l.n; i++) {
        int known = filed(arg, l.ids[i]);
        if (known > 0) {
            filestore_commit(l.ids[i]);
            (*moved)++;
        } else if (known == 0) {
            filestore_tmp_remove(l.ids[i]);
            (*removed)++;
        }
    }
    free(l.ids);
    return rc;
}
