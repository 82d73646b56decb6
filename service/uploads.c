/* The upload sink: type checked from the first bytes, size and count bounded, encrypted chunk by
 * chunk as it arrives into a file the file store (filestore.c) created. */
#include "uploads.h"

#include "filestore.h"
#include "log.h"
#include "reserve.h"
#include "vault.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The image type from its first bytes, or NULL. */
static const char *sniff(const unsigned char *b, size_t n)
{
    if (n >= 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0)
        return "image/png";
    if (n >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF)
        return "image/jpeg";
    if (n >= 6 && (memcmp(b, "GIF87a", 6) == 0 || memcmp(b, "GIF89a", 6) == 0))
        return "image/gif";
    if (n >= 12 && memcmp(b, "RIFF", 4) == 0 && memcmp(b + 8, "WEBP", 4) == 0)
        return "image/webp";
    if (n >= 12 && memcmp(b + 4, "ftyp", 4) == 0 &&
        (memcmp(b + 8, "heic", 4) == 0 || memcmp(b + 8, "heix", 4) == 0 ||
         memcmp(b + 8, "mif1", 4) == 0 || memcmp(b + 8, "heif", 4) == 0))
        return "image/heic";
    return NULL;
}

/* Drops the file being received (refused part or failure). */
static void current_abort(UploadSet *u)
{
    if (u->fd >= 0) {
        close(u->fd);
        u->fd = -1;
        filestore_tmp_remove(u->files[u->nfiles].id);
    }
    vault_stream_free(u->stream);
    u->stream = NULL;
    if (u->pending.data)
        vault_wipe(u->pending.data, u->pending.len);
    buf_reset(&u->pending);
}

/* Writes ct to the file being received and empties it; 0 or -1. */
static int write_ct(UploadSet *u, Buf *ct)
{
    int rc = filestore_write_all(u->fd, ct->data, ct->len);
    buf_reset(ct);
    return rc;
}

/* 1 when errno says the disk refused (full, over quota, failing): the report is refused with 503
 * and the form shown again, not a 500. */
static int disk_refused(int e)
{
    return e == ENOSPC || e == EDQUOT || e == EIO;
}

/* The file store refused a write: this file goes, every later one is skipped, and the page answers
 * 503 with the form kept (storage_refused). Returns 0, or 500 for any other failure. */
static int write_failed(UploadSet *u, int e)
{
    log_errorx("cannot write an upload file: %s", strerror(e));
    current_abort(u);
    if (!disk_refused(e))
        return 500;
    u->storage_refused = 1;
    u->skipping = 1;
    return 0;
}

/* Encrypts and writes what is pending: a full chunk, or with last the file's end and its padding
 * (one chunk at a time) before the file is closed. Returns 0 (also when the disk refused: see
 * write_failed) or 500. */
static int flush_pending(UploadSet *u, int last)
{
    Buf ct = {0}; /* owned here: ciphertext of at most one chunk */
    int rc = 0;
    if (!u->stream) {
        vault_random_hex(u->files[u->nfiles].id, 16);
        if ((u->fd = filestore_tmp_create(u->files[u->nfiles].id)) < 0)
            return write_failed(u, errno);
        u->stream = vault_stream_encrypt_start(u->key, u->files[u->nfiles].id, &ct);
    }
    if (!last) {
        vault_stream_encrypt_push(u->stream, u->pending.data, u->pending.len, &ct);
        rc = write_ct(u, &ct);
    } else {
        int more = vault_stream_encrypt_final(u->stream, u->pending.data, u->pending.len, &ct);
        for (rc = write_ct(u, &ct); rc == 0 && more; rc = write_ct(u, &ct))
            more = vault_stream_encrypt_final(u->stream, NULL, 0, &ct);
    }
    if (rc == 0 && last && fsync(u->fd) != 0)
        rc = -1;
    int e = errno;
    vault_wipe(u->pending.data, u->pending.len);
    buf_reset(&u->pending);
    buf_free(&ct);
    if (rc != 0)
        return write_failed(u, e);
    if (last) {
        close(u->fd);
        u->fd = -1;
        vault_stream_free(u->stream);
        u->stream = NULL;
        u->nfiles++;
    }
    return 0;
}

/* Ends the file being received, if any. */
static int current_finish(UploadSet *u)
{
    if (u->skipping || (!u->stream && u->pending.len == 0)) {
        current_abort(u);
        return 0;
    }
    if (!u->files[u->nfiles].type[0]) {
        const char *t = sniff((const unsigned char *)u->pending.data, u->pending.len);
        if (!t) {
            u->error = "type";
            current_abort(u);
            return 0;
        }
        snprintf(u->files[u->nfiles].type, sizeof u->files[0].type, "%s", t);
    }
    u->files[u->nfiles].size = u->size;
    return flush_pending(u, 1);
}

static int uploads_sink(Request *req, const char *field, const char *filename,
                        const char *content_type, const char *data, size_t n, uint64_t off)
{
    UploadSet *u = req->file_ctx;
    (void)content_type; /* the bytes decide the type, not the client's claim */
    if (!field) {       /* the body ended */
        if (u->error) {
            current_abort(u);
            return 0;
        }
        return current_finish(u);
    }
    if (off == 0) {
        int rc = current_finish(u);
        if (rc)
            return rc;
        u->size = 0;
        u->skipping = 0;
        if (strcmp(field, "screenshots") != 0 || !filename || !*filename) {
            u->skipping = 1; /* another field's file, or the empty part of an unused input */
            if (filename && *filename && strcmp(field, "screenshots") != 0)
                u->error = "type";
            return 0;
        }
        if (u->limited) {
            u->dropped = 1;
            u->skipping = 1;
            return 0;
        }
        if (u->nfiles == UPLOADS_MAX_FILES) {
            u->error = "too_many";
            u->skipping = 1;
            return 0;
        }
        /* Under the free-space reserve, or after the disk refused one: not a byte more. */
        if (u->storage_refused || (!u->reserve_passed && reserve_low())) {
            u->storage_refused = 1;
            u->skipping = 1;
            return 0;
        }
        u->reserve_passed = 1;
        memset(&u->files[u->nfiles], 0, sizeof u->files[0]);
        snprintf(u->files[u->nfiles].name, sizeof u->files[0].name, "%s", filename);
    }
    if (u->skipping || n == 0)
        return 0;
    if (u->size + n > UPLOADS_MAX_BYTES) {
        u->error = "too_large";
        u->skipping = 1;
        current_abort(u);
        return 0;
    }
    u->size += n;
    while (n) {
        /* A full chunk waits until more arrives, so the last chunk can carry the FINAL tag. */
        if (u->pending.len == VAULT_STREAM_CHUNK) {
            int rc = flush_pending(u, 0);
            if (rc)
                return rc;
        }
        size_t room = VAULT_STREAM_CHUNK - u->pending.len;
        size_t take = n < room ? n : room;
        buf_append(&u->pending, data, take);
        data += take;
        n -= take;
        if (!u->files[u->nfiles].type[0] && u->pending.len >= 12) {
            const char *t = sniff((const unsigned char *)u->pending.data, u->pending.len);
            if (!t) {
                u->error = "type";
                u->skipping = 1;
                current_abort(u);
                return 0;
            }
            snprintf(u->files[u->nfiles].type, sizeof u->files[0].type, "%s", t);
        }
    }
    return 0;
}

static void uploads_free(void *p)
{
    UploadSet *u = p;
    if (!u)
        return;
    current_abort(u);
    if (!u->committed) {
        for (size_t i = 0; i < u->nfiles; i++)
            filestore_tmp_remove(u->files[i].id);
    }
    buf_free(&u->pending);
    vault_secret_free(u->key);
    free(u);
}

void uploads_attach(Request *req)
{
    UploadSet *u = xcalloc(1, sizeof *u);
    u->fd = -1;
    u->key = vault_secret_alloc(VAULT_KEY_BYTES);
    /* A new report's key: fresh and random, never taken from a session the browser still holds
     * (one receipt must open one case, and erasing one case must shred only its files). */
    vault_key_new(u->key);
    req->file_sink = uploads_sink;
    req->file_ctx = u;
    req->file_ctx_free = uploads_free;
}

UploadSet *uploads_of(Request *req)
{
    return req->file_sink == uploads_sink ? req->file_ctx : NULL;
}

void uploads_mark_committed(UploadSet *u)
{
    u->committed = 1;
}

void uploads_drop_files(UploadSet *u)
{
    if (u)
        u->limited = 1;
}
