/* The purge: one transaction per case, then the files, then a WAL checkpoint so no old page of a
 * purged case stays behind in the log. Every destroy is first written to the erasure log. */
#include "retention.h"

#include "buf.h"
#include "erasure.h"
#include "filestore.h"
#include "log.h"
#include "store_case.h"
#include "store_registry.h"
#include "store_staff.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define META_LOG_PENDING "wal_clear_pending"

typedef struct DestroyArgs {
    const char *case_id, *actor, *action;
    int64_t now;
    Buf files;
} DestroyArgs;

/* Must not touch files or the erasure log: it may run more than once on a busy database. */
static StoreStatus destroy_tx(StoreConn *c, void *arg)
{
    DestroyArgs *a = arg;
    buf_reset(&a->files);
    StoreStatus st = store_case_delete(c, a->case_id, &a->files);
    return st == STORE_OK ? store_audit_append(c, a->now, a->actor, a->action, a->case_id, "") : st;
}

StoreStatus retention_destroy(const char *case_id, int64_t now, const char *actor,
                              const char *action, int log_it)
{
    /* Logged before the rows go: a crash in between leaves a digest of a case that a restore
     * destroys again, never a destroyed case that a restore would bring back. */
    if (log_it && erasure_log_append(store_data_dir(), case_id, now) != 0)
        return errno == ENOSPC || errno == EDQUOT || errno == EIO ? STORE_UNAVAILABLE : STORE_ERROR;
    DestroyArgs a = {case_id, actor, action, now, {0}};
    StoreStatus st = store_tx(destroy_tx, &a);
    /* The rows are gone; the encrypted files go too (their key went with the rows). */
    if (st == STORE_OK)
        filestore_remove_list(&a.files);
    buf_free(&a.files);
    return st;
}

static void set_pending(const char *value)
{
    StoreConn *c = store_conn();
    if (!c || store_meta_set(c, META_LOG_PENDING, value) != STORE_OK)
        log_warnx("cannot record whether the database log still needs a checkpoint");
}

int retention_clear_log(void)
{
    if (store_checkpoint() == 0)
        return 0;
    set_pending("1");
    log_warnx("the database log still holds pages of a destroyed case or key: a reader holds the "
              "database; the next tick tries again");
    return -1;
}

int retention_log_pending(void)
{
    StoreConn *c = store_conn();
    char v[8] = "";
    return c && store_meta_get(c, META_LOG_PENDING, v, sizeof v) == STORE_OK && strcmp(v, "1") == 0;
}

/* The pending mark is cleared before the checkpoint, so its own write is moved out too. */
static void retry_pending(void)
{
    if (!retention_log_pending())
        return;
    set_pending("0");
    if (retention_clear_log() == 0)
        log_info("retention: the database log is clear of destroyed cases now");
}

long retention_purge(int64_t now, int dry_run, PurgeProgress progress, void *arg, int *log_cleared)
{
    StoreConn *c = store_conn();
    if (log_cleared)
        *log_cleared = 1;
    if (!c)
        return -1;
    CaseIds e = {0};
    if (store_cases_to_purge(c, now, case_ids_add, &e) != STORE_OK) {
        free(e.id);
        return -1;
    }
    long done = 0;
    for (size_t i = 0; i < e.n; i++) {
        if (progress)
            progress(arg, e.id[i], i + 1, e.n, dry_run);
        int ok = dry_run || retention_destroy(e.id[i], now, "system", "case.purge", 1) == STORE_OK;
        if (ok)
            done++;
        else
            log_warnx("could not purge a case; it stays for the next run");
    }
    free(e.id);
    if (!dry_run && done && retention_clear_log() != 0 && log_cleared)
        *log_cleared = 0;
    return done;
}

void retention_daily(int64_t now)
{
    StoreConn *c = store_conn();
    char last[32] = "0";
    if (!c)
        return;
    retry_pending();
    store_meta_get(c, "last_purge_at", last, sizeof last);
    if (now - strtoll(last, NULL, 10) < 86400)
        return;
    long n = retention_purge(now, 0, NULL, NULL, NULL);
    if (n > 0)
        log_info("retention: purged %ld expired case(s)", n);
    char stamp[32];
    snprintf(stamp, sizeof stamp, "%lld", (long long)now);
    store_meta_set(c, "last_purge_at", stamp);
}
