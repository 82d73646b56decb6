/* The erasure log: DATA_DIR/erasure.log, a local append-only file that outlives the database.
 * One line per destroyed case, "<unix time> <64 hex>\n", the hex being vault_erasure_digest of the
 * case id: no id in clear, nothing else. A disabled staff account gets a line of the same form, the
 * digest of "staff:<login>" (never a case id, which is hex). Every erase and purge appends (and
 * fsyncs) before it answers, so `takedownctl restore` can destroy those cases again in a backup
 * made before. */
#ifndef TAKEDOWN_ERASURE_H
#define TAKEDOWN_ERASURE_H

#include "vault.h"

#include <stddef.h>
#include <stdint.h>

#define ERASURE_LOG_NAME "erasure.log"

/* Appends the case's line to DATA_DIR/erasure.log (created 0600) and fsyncs it; 0 or -1 (errno
 * set: ENOSPC or EIO when the disk refused). */
int erasure_log_append(const char *data_dir, const char *case_id, int64_t now);

/* Appends the line of a disabled staff account: the digest of ERASURE_ACCOUNT_PREFIX and its
 * login, in the same form, so that restore disables it again; 0 or -1. */
#define ERASURE_ACCOUNT_PREFIX "staff:"
int erasure_log_account(const char *data_dir, const char *login, int64_t now);

/* The digests of one log, sorted for lookup. */
typedef struct ErasureSet {
    unsigned char (*digests)[VAULT_ID_BYTES]; /* owned */
    size_t n, cap;
    size_t malformed; /* lines that were not "<time> <64 hex>" (skipped) */
} ErasureSet;

/* Reads the log at path into s (a missing file is an empty log); 0 or -1. */
int erasure_set_load(const char *path, ErasureSet *s);
/* 1 when the case's digest is in the set. */
int erasure_set_has(const ErasureSet *s, const char *case_id);
/* 1 when the set names the (disabled) account. */
int erasure_set_has_account(const ErasureSet *s, const char *login);
void erasure_set_free(ErasureSet *s);
/* Appends to the log at path every well-formed line of the log at from that it lacks, then fsyncs;
 * returns the number of lines added, or -1. */
long erasure_log_merge(const char *path, const char *from);

#endif
