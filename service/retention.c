/* The purge: one transaction per case, then the files, then a WAL checkpoint so no old page of a
 * purged case stays behind in the log. */
#include "retention.h"

#include "buf.h"
#include "log.h"
#include "store_case.h"
#include "store_staff.h"
#include "store_work.h"
#include "uploads.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct Expired {
    char (*ids)[CASE_ID_LEN + 1];
    size_t n, cap;
} Expired;

static void collect(void *arg, const char *case_id)
{
    Expired *e = arg;
    if (e->n == e->cap) {
        e->cap = e->cap ? e->cap * 2 : 64;
        e->ids = xrealloc(e->ids, e->cap * sizeof *e->ids);
    }
    snprintf(e->ids[e->n++], CASE_ID_LEN + 1, "%s", case_id);
}

typedef struct PurgeArgs {
    const char *case_id;
    int64_t now;
    Buf files;
} PurgeArgs;

static StoreStatus purge_tx(StoreConn *c, void *arg)
{
    PurgeArgs *a = arg;
    buf_reset(&a->files);
    StoreStatus st = store_case_delete(c, a->case_id, &a->files);
    return st == STORE_OK ? store_audit_append(c, a->now, "system", "case.purge", a->case_id, "")
                          : st;
}

long retention_purge(int64_t now, int dry_run, PurgeProgress progress, void *arg)
{
    StoreConn *c = store_conn();
    if (!c)
        return -1;
    Expired e = {0};
    if (store_cases_to_purge(c, now, collect, &e) != STORE_OK) {
        free(e.ids);
        return -1;
    }
    long done = 0;
    for (size_t i = 0; i < e.n; i++) {
        if (progress)
            progress(arg, e.ids[i], i + 1, e.n, dry_run);
        if (dry_run) {
            done++;
            continue;
        }
        PurgeArgs a = {e.ids[i], now, {0}};
        if (store_tx(purge_tx, &a) == STORE_OK) {
            uploads_remove_list(&a.files);
            done++;
        } else {
            log_warnx("could not purge a case; it stays for the next run");
        }
        buf_free(&a.files);
    }
    free(e.ids);
    if (!dry_run && done)
        store_checkpoint();
    return done;
}

void retention_daily(int64_t now)
{
    StoreConn *c = store_conn();
    char last[32] = "0";
    if (!c)
        return;
    store_meta_get(c, "last_purge_at", last, sizeof last);
    if (now - strtoll(last, NULL, 10) < 86400)
        return;
    long n = retention_purge(now, 0, NULL, NULL);
    if (n > 0)
        log_info("retention: purged %ld expired case(s)", n);
    char stamp[32];
    snprintf(stamp, sizeof stamp, "%lld", (long long)now);
    store_meta_set(c, "last_purge_at", stamp);
}
