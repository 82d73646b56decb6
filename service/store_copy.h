/* Moving an installation from SQLite to PostgreSQL (issue 16, takedownctl migrate): every row of
 * every table copied as it is stored, ciphertext as ciphertext (no key is needed or used), ids
 * kept (the field encryption binds them), in batches that each commit, so that a run stopped half
 * way goes on where it was when run again. */
#ifndef TAKEDOWN_STORE_COPY_H
#define TAKEDOWN_STORE_COPY_H

#include "store.h"

#include <stddef.h>
#include <stdint.h>

typedef enum StoreCopyResult {
    STORE_COPY_OK = 0,
    STORE_COPY_NO_SOURCE,    /* no SQLite database at the path, or not one of ours */
    STORE_COPY_NOT_EMPTY,    /* the target holds another installation (or one not from this copy) */
    STORE_COPY_SOURCE_NEWER, /* the source's schema is not the one this copy knows (17) */
    STORE_COPY_SOURCE_CHANGED, /* a table of the source has other columns than schema 17's */
    STORE_COPY_STOPPED,        /* stop_after rows copied, as asked: a run again goes on */
    STORE_COPY_FAILED,         /* a read or write failed (logged) */
    STORE_COPY_MISMATCH,       /* the copy does not verify (counts, audit chain) */
} StoreCopyResult;

/* Called after each batch: table, rows copied of it so far, and of its rows in all. */
typedef void (*StoreCopyProgress)(void *arg, const char *table, int64_t done, int64_t total);

/* Copies the SQLite database at sqlite_path into the open store, which must be PostgreSQL, empty
 * of installations or a copy of this same source begun earlier (then it goes on), at most
 * stop_after rows (0: all; for the tests of resuming) and then verifies: every table's rows
 * counted on both sides, the audit chain whole. Sessions are not copied (everyone signs in
 * again). */
StoreCopyResult store_copy_from_sqlite(const char *sqlite_path, int64_t stop_after,
                                       StoreCopyProgress fn, void *arg);

#endif
