/* Atomic counters rendered in the Prometheus text format. */
#include "metrics.h"

#include "connguard.h"
#include "linger.h"
#include "reserve.h"
#include "store.h"
#include "vault.h"
#include "workpool.h"

#include <stdatomic.h>

static atomic_ulong by_class[6]; /* 1xx..5xx, index = status / 100 */
static atomic_ulong duration_us_sum;

void metrics_request(int status, double ms)
{
    int cls = status / 100;
    if (cls < 1 || cls > 5)
        cls = 0;
    atomic_fetch_add(&by_class[cls], 1);
    atomic_fetch_add(&duration_us_sum, (unsigned long)(ms * 1000.0));
}

void metrics_write(Buf *out)
{
    buf_puts(out, "# HELP takedown_http_requests_total Finished HTTP requests by status class.\n"
                  "# TYPE takedown_http_requests_total counter\n");
    for (int c = 1; c <= 5; c++)
        buf_printf(out, "takedown_http_requests_total{class=\"%dxx\"} %lu\n", c,
                   atomic_load(&by_class[c]));
    buf_printf(out,
               "# HELP takedown_http_request_seconds_sum Time spent answering requests.\n"
               "# TYPE takedown_http_request_seconds_sum counter\n"
               "takedown_http_request_seconds_sum %.6f\n",
               (double)atomic_load(&duration_us_sum) / 1e6);
    buf_printf(out,
               "# HELP takedown_slow_work_load Jobs queued or running in the slow-work pool.\n"
               "# TYPE takedown_slow_work_load gauge\n"
               "takedown_slow_work_load %u\n"
               "# HELP takedown_slow_work_low_priority_threads Slow-work threads running below the "
               "HTTP threads (SCHED_BATCH, nice 10).\n"
               "# TYPE takedown_slow_work_low_priority_threads gauge\n"
               "takedown_slow_work_low_priority_threads %u\n",
               workpool_load(), workpool_low_priority_threads());
    unsigned active, peak;
    uint64_t runs;
    vault_argon2_stats(&active, &peak, &runs);
    buf_printf(out,
               "# HELP takedown_argon2_active Argon2id runs in progress.\n"
               "# TYPE takedown_argon2_active gauge\n"
               "takedown_argon2_active %u\n"
               "# HELP takedown_argon2_peak Most Argon2id runs ever in progress at once.\n"
               "# TYPE takedown_argon2_peak gauge\n"
               "takedown_argon2_peak %u\n"
               "# HELP takedown_argon2_runs_total Argon2id runs since start.\n"
               "# TYPE takedown_argon2_runs_total counter\n"
               "takedown_argon2_runs_total %llu\n",
               active, peak, (unsigned long long)runs);
    VaultSecretStats secret;
    vault_secret_stats(&secret);
    buf_printf(out,
               "# HELP takedown_secret_arenas Threads' locked arenas for secret memory.\n"
               "# TYPE takedown_secret_arenas gauge\n"
               "takedown_secret_arenas %u\n"
               "# HELP takedown_secret_fallbacks_total Secret allocations too large for an arena "
               "or finding it full.\n"
               "# TYPE takedown_secret_fallbacks_total counter\n"
               "takedown_secret_fallbacks_total %llu\n",
               secret.arenas, (unsigned long long)secret.fallbacks);
    ConnGuardCounts cg;
    connguard_counts(&cg);
    buf_printf(out,
               "# HELP takedown_http_connections Open connections by phase: waiting for a request "
               "head, receiving a body, being worked on, sending the answer.\n"
               "# TYPE takedown_http_connections gauge\n"
               "takedown_http_connections{phase=\"head\"} %llu\n"
               "takedown_http_connections{phase=\"body\"} %llu\n"
               "takedown_http_connections{phase=\"work\"} %llu\n"
               "takedown_http_connections{phase=\"send\"} %llu\n"
               "# HELP takedown_http_connections_cut_total Connections shut down for a client too "
               "slow in a phase (--header-timeout, --min-rate).\n"
               "# TYPE takedown_http_connections_cut_total counter\n"
               "takedown_http_connections_cut_total{phase=\"head\"} %llu\n"
               "takedown_http_connections_cut_total{phase=\"body\"} %llu\n"
               "takedown_http_connections_cut_total{phase=\"send\"} %llu\n",
               (unsigned long long)cg.in_head, (unsigned long long)cg.in_body,
               (unsigned long long)cg.in_work, (unsigned long long)cg.in_send,
               (unsigned long long)cg.head, (unsigned long long)cg.body,
               (unsigned long long)cg.send);
    LingerCounts lc;
    linger_counts(&lc);
    buf_printf(out,
               "# HELP takedown_http_lingering Connections closed by us, kept half-open while "
               "their client still sends (lingering close).\n"
               "# TYPE takedown_http_lingering gauge\n"
               "takedown_http_lingering %llu\n"
               "# HELP takedown_http_lingering_closes_total Connections that lingered.\n"
               "# TYPE takedown_http_lingering_closes_total counter\n"
               "takedown_http_lingering_closes_total %llu\n"
               "# HELP takedown_http_lingering_cut_total Lingering connections closed while the "
               "client had not: at the time limit, or at once with every place taken.\n"
               "# TYPE takedown_http_lingering_cut_total counter\n"
               "takedown_http_lingering_cut_total{reason=\"time\"} %llu\n"
               "takedown_http_lingering_cut_total{reason=\"full\"} %llu\n",
               (unsigned long long)lc.now, (unsigned long long)lc.total,
               (unsigned long long)lc.cut_time, (unsigned long long)lc.cut_full);
    int64_t groups, transactions;
    store_tx_counts(&groups, &transactions);
    buf_printf(out,
               "# HELP takedown_store_commits_total Write commits to the database (each a group of "
               "transactions sharing one wait for the disk).\n"
               "# TYPE takedown_store_commits_total counter\n"
               "takedown_store_commits_total %lld\n"
               "# HELP takedown_store_transactions_total Write transactions in those commits.\n"
               "# TYPE takedown_store_transactions_total counter\n"
               "takedown_store_transactions_total %lld\n",
               (long long)groups, (long long)transactions);
    buf_printf(
        out,
        "# HELP takedown_data_dir_free_bytes Free space on the data directory's filesystem "
        "(-1: unknown).\n"
        "# TYPE takedown_data_dir_free_bytes gauge\n"
        "takedown_data_dir_free_bytes %lld\n"
        "# HELP takedown_data_dir_reserve_bytes The free-space reserve (--min-free-mb): at or "
        "under it, writes other than sign-ins, sign-outs, withdrawal and erasure answer 503.\n"
        "# TYPE takedown_data_dir_reserve_bytes gauge\n"
        "takedown_data_dir_reserve_bytes %llu\n"
        "# HELP takedown_storage_low_refusals_total Writes refused for the reserve.\n"
        "# TYPE takedown_storage_low_refusals_total counter\n"
        "takedown_storage_low_refusals_total %llu\n",
        (long long)reserve_free_now(), (unsigned long long)reserve_floor_bytes(),
        (unsigned long long)reserve_refusals());
}
