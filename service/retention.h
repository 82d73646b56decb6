/* Retention: cases closed or withdrawn get a purge date; past it, and with no legal hold, the case
 * is destroyed by deleting its keys and ciphertexts (and its encrypted files). */
#ifndef TAKEDOWN_RETENTION_H
#define TAKEDOWN_RETENTION_H

#include <stddef.h>
#include <stdint.h>

/* Called for each case before it is purged (or, on a dry run, instead). */
typedef void (*PurgeProgress)(void *arg, const char *case_id, size_t i, size_t n, int dry_run);

/* Purges every expired case; returns the number purged (or that would be), or -1 on error. */
long retention_purge(int64_t now, int dry_run, PurgeProgress progress, void *arg);
/* The daily job: purges when the last run was a day or more ago. */
void retention_daily(int64_t now);

#endif
