/* Retention: cases closed or withdrawn get a purge date; past it, and with no legal hold, the case
 * is destroyed by deleting its keys and ciphertexts (and its encrypted files). Erasure by the
 * victim and re-erasure after a restore use the same destroy. */
#ifndef TAKEDOWN_RETENTION_H
#define TAKEDOWN_RETENTION_H

#include "store.h"

#include <stddef.h>
#include <stdint.h>

/* Days a closed or withdrawn case is kept when --retention-days never set it. */
#define RETENTION_DAYS_DEFAULT 180

/* Called for each case before it is purged (or, on a dry run, instead). */
typedef void (*PurgeProgress)(void *arg, const char *case_id, size_t i, size_t n, int dry_run);

/* Destroys one case: first appends its digest to the erasure log (when log_it; restore passes 0,
 * the log has it already) and refuses with STORE_ERROR if that fails; then deletes its rows in
 * one transaction with an audit entry (actor, action), then its files. Does not checkpoint. */
StoreStatus retention_destroy(const char *case_id, int64_t now, const char *actor,
                              const char *action, int log_it);
/* After destroys: checkpoints until the WAL is empty. 0 when it is; -1 when a reader still holds
 * old pages: logged (no case content) and marked, so the next tick tries again. */
int retention_clear_log(void);
/* 1 while a checkpoint that clear_log could not finish waits for the next tick. */
int retention_log_pending(void);
/* Purges every expired case; returns the number purged (or that would be), or -1 on error.
 * *log_cleared (may be NULL) says whether the WAL was emptied afterwards (1 when nothing ran). */
long retention_purge(int64_t now, int dry_run, PurgeProgress progress, void *arg, int *log_cleared);
/* The tick's job: retries a checkpoint left pending, and purges when the last run was a day or
 * more ago. */
void retention_daily(int64_t now);

#endif
