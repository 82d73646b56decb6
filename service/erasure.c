/* The erasure log: appended with O_APPEND and fsynced, read back only by restore. */
#include "erasure.h"

#include "buf.h"
#include "filestore.h"
#include "log.h"
#include "vault.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LINE_MAX_LEN 96

/* Appends whole lines to path (created 0600; the directory is synced when the file is new). */
static int log_append_lines(const char *path, const char *lines, size_t n)
{
    struct stat st;
    int existed = stat(path, &st) == 0;
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    int rc =
        fchmod(fd, 0600) == 0 && filestore_write_all(fd, lines, n) == 0 && fsync(fd) == 0 ? 0 : -1;
    close(fd);
    if (rc == 0 && !existed) {
        char dir[600];
        snprintf(dir, sizeof dir, "%s", path);
        char *slash = strrchr(dir, '/');
        if (slash)
            *slash = '\0';
        int dfd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
    }
    return rc;
}

static void line_of(const char *case_id, int64_t now, char out[LINE_MAX_LEN])
{
    unsigned char d[VAULT_ID_BYTES];
    char hex[2 * VAULT_ID_BYTES + 1];
    vault_erasure_digest(case_id, d);
    vault_to_hex(d, sizeof d, hex);
    snprintf(out, LINE_MAX_LEN, "%lld %s\n", (long long)now, hex);
}

int erasure_log_append(const char *data_dir, const char *case_id, int64_t now)
{
    char path[600], line[LINE_MAX_LEN];
    snprintf(path, sizeof path, "%s/%s", data_dir, ERASURE_LOG_NAME);
    line_of(case_id, now, line);
    if (log_append_lines(path, line, strlen(line)) != 0) {
        int e = errno;
        log_errorx("cannot append to the erasure log: %s", strerror(e));
        errno = e;
        return -1;
    }
    return 0;
}

int erasure_log_account(const char *data_dir, const char *login, int64_t now)
{
    char tag[96];
    snprintf(tag, sizeof tag, "%s%s", ERASURE_ACCOUNT_PREFIX, login);
    return erasure_log_append(data_dir, tag, now);
}

/* Parses "<digits> <64 hex>" (without the newline) into digest; 0 or -1. */
static int line_parse(const char *line, unsigned char digest[VAULT_ID_BYTES])
{
    const char *p = line;
    if (*p < '0' || *p > '9')
        return -1;
    while (*p >= '0' && *p <= '9')
        p++;
    if (*p++ != ' ' || strlen(p) != 64 || strspn(p, "0123456789abcdef") != 64)
        return -1;
    return vault_from_hex(p, digest, VAULT_ID_BYTES) == VAULT_ID_BYTES ? 0 : -1;
}

static int digest_cmp(const void *a, const void *b)
{
    return memcmp(a, b, VAULT_ID_BYTES);
}

int erasure_set_load(const char *path, ErasureSet *s)
{
    memset(s, 0, sizeof *s);
    FILE *f = fopen(path, "r");
    if (!f)
        return errno == ENOENT ? 0 : -1;
    char line[LINE_MAX_LEN + 2];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        unsigned char d[VAULT_ID_BYTES];
        if (line_parse(line, d) != 0) {
            s->malformed++;
            continue;
        }
        s->digests = xgrow(s->digests, s->n, &s->cap, sizeof *s->digests, 64);
        memcpy(s->digests[s->n++], d, VAULT_ID_BYTES);
    }
    int rc = ferror(f) ? -1 : 0;
    fclose(f);
    if (s->n)
        qsort(s->digests, s->n, sizeof *s->digests, digest_cmp);
    return rc;
}

int erasure_set_has(const ErasureSet *s, const char *case_id)
{
    unsigned char d[VAULT_ID_BYTES];
    vault_erasure_digest(case_id, d);
    return s->n && bsearch(d, s->digests, s->n, sizeof *s->digests, digest_cmp) != NULL;
}

int erasure_set_has_account(const ErasureSet *s, const char *login)
{
    char tag[96];
    snprintf(tag, sizeof tag, "%s%s", ERASURE_ACCOUNT_PREFIX, login);
    return erasure_set_has(s, tag);
}

void erasure_set_free(ErasureSet *s)
{
    free(s->digests);
    memset(s, 0, sizeof *s);
}

long erasure_log_merge(const char *path, const char *from)
{
    ErasureSet have;
    if (erasure_set_load(path, &have) != 0)
        return -1;
    FILE *f = fopen(from, "r");
    if (!f) {
        erasure_set_free(&have);
        return errno == ENOENT ? 0 : -1;
    }
    Buf add = {0};
    long n = 0;
    char line[LINE_MAX_LEN + 2];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        unsigned char d[VAULT_ID_BYTES];
        if (line_parse(line, d) != 0 ||
            (have.n && bsearch(d, have.digests, have.n, sizeof *have.digests, digest_cmp)))
            continue;
        buf_printf(&add, "%s\n", line);
        n++;
    }
    fclose(f);
    erasure_set_free(&have);
    if (n && log_append_lines(path, add.data, add.len) != 0)
        n = -1;
    buf_free(&add);
    return n;
}
