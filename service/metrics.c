/* Atomic counters rendered in the Prometheus text format. */
#include "metrics.h"

#include "checker.h"
#include "clock.h"
#include "connguard.h"
#include "histogram.h"
#include "linger.h"
#include "outbox.h"
#include "reserve.h"
#include "store.h"
#include "vault.h"
#include "workpool.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static atomic_ulong by_class[6]; /* 1xx..5xx, index = status / 100 */
static atomic_ulong duration_us_sum;

/* By route and method: one slot per route of the table and one for requests no route matched,
 * times the methods (bit i of Method is slot i; the last slot, any other). */
#define METHOD_SLOTS 8
static const char *const METHOD_NAMES[METHOD_SLOTS] = {"GET",    "HEAD",  "POST",    "PUT",
                                                       "DELETE", "PATCH", "OPTIONS", "OTHER"};
typedef struct RouteStats {
    atomic_ulong by_class[6];
    Histogram latency;
} RouteStats;
static const Route *route_table;
static size_t route_count;
static RouteStats *route_stats; /* (route_count + 1) * METHOD_SLOTS */

void metrics_routes(const Route *routes, size_t n)
{
    metrics_routes_free();
    route_stats = xcalloc((n + 1) * METHOD_SLOTS, sizeof *route_stats);
    route_table = routes;
    route_count = n;
}

void metrics_routes_free(void)
{
    free(route_stats);
    route_stats = NULL;
    route_table = NULL;
    route_count = 0;
}

static int method_slot(unsigned method)
{
    for (int i = 0; i < METHOD_SLOTS - 1; i++)
        if (method == 1u << i)
            return i;
    return METHOD_SLOTS - 1;
}

void metrics_request(const Route *route, unsigned method, int status, double ms)
{
    int cls = status / 100;
    if (cls < 1 || cls > 5)
        cls = 0;
    atomic_fetch_add(&by_class[cls], 1);
    atomic_fetch_add(&duration_us_sum, (unsigned long)(ms * 1000.0));
    if (!route_stats)
        return;
    size_t r = route && route >= route_table && route < route_table + route_count
                   ? (size_t)(route - route_table)
                   : route_count;
    RouteStats *s = &route_stats[r * METHOD_SLOTS + (size_t)method_slot(method)];
    atomic_fetch_add(&s->by_class[cls], 1);
    histogram_add(&s->latency, ms / 1000.0);
}

/* The label pairs of a route slot: its pattern (a label value: \, " and newlines escaped) and
 * method. */
static void route_labels(size_t r, int m, char *out, size_t n)
{
    const char *p = r < route_count ? route_table[r].pattern : "(none)";
    size_t k = 0;
    k += (size_t)snprintf(out, n, "route=\"");
    for (; *p && k + 3 < n; p++) {
        if (*p == '\\' || *p == '"')
            out[k++] = '\\';
        out[k++] = *p == '\n' ? ' ' : *p;
    }
    snprintf(out + k, n > k ? n - k : 0, "\",method=\"%s\"", METHOD_NAMES[m]);
}

/* Requests and their latency by route, for the slots that saw any. */
static void write_routes(Buf *out)
{
    buf_puts(out, "# HELP takedown_http_route_requests_total Finished requests by route pattern "
                  "(never a path's values), method and status class.\n"
                  "# TYPE takedown_http_route_requests_total counter\n");
    char labels[400];
    for (size_t i = 0; route_stats && i < (route_count + 1) * METHOD_SLOTS; i++) {
        RouteStats *s = &route_stats[i];
        route_labels(i / METHOD_SLOTS, (int)(i % METHOD_SLOTS), labels, sizeof labels);
        for (int c = 1; c <= 5; c++)
            if (atomic_load(&s->by_class[c]))
                buf_printf(out, "takedown_http_route_requests_total{%s,class=\"%dxx\"} %lu\n",
                           labels, c, atomic_load(&s->by_class[c]));
    }
    buf_puts(out, "# HELP takedown_http_route_duration_seconds Time to answer a request, by route "
                  "pattern and method.\n"
                  "# TYPE takedown_http_route_duration_seconds histogram\n");
    for (size_t i = 0; route_stats && i < (route_count + 1) * METHOD_SLOTS; i++) {
        if (!histogram_total(&route_stats[i].latency))
            continue;
        route_labels(i / METHOD_SLOTS, (int)(i % METHOD_SLOTS), labels, sizeof labels);
        histogram_write(out, "takedown_http_route_duration_seconds", labels,
                        &route_stats[i].latency);
    }
}

/* The work behind the requests: the slow-work queue's waits, the store's write transactions,
 * link checks by result, and the copies whose clock has run out. */
static void write_work(Buf *out)
{
    buf_puts(out, "# HELP takedown_slow_work_wait_seconds Time a slow job (Argon2id, a link "
                  "check) waited in the queue before a worker took it.\n"
                  "# TYPE takedown_slow_work_wait_seconds histogram\n");
    histogram_write(out, "takedown_slow_work_wait_seconds", "", workpool_waits());
    buf_puts(out, "# HELP takedown_store_transaction_seconds Time a write transaction took, from "
                  "asking to committed (the wait for the writer and the disk included).\n"
                  "# TYPE takedown_store_transaction_seconds histogram\n");
    histogram_write(out, "takedown_store_transaction_seconds", "", store_tx_latency());
    buf_puts(out, "# HELP takedown_checks_total Link checks made, by result.\n"
                  "# TYPE takedown_checks_total counter\n");
    const CheckResult results[] = {CHECK_GONE, CHECK_UP, CHECK_UNKNOWN};
    for (size_t i = 0; i < sizeof results / sizeof results[0]; i++)
        buf_printf(out, "takedown_checks_total{result=\"%s\"} %lu\n",
                   checker_result_name(results[i]), checker_count(results[i]));
    int64_t overdue = -1;
    StoreConn *c = store_conn();
    if (c && store_overdue_count(c, clock_now(), &overdue) != STORE_OK)
        overdue = -1;
    buf_printf(out,
               "# HELP takedown_overdue_copies Open copies whose clock has run out (-1: the "
               "database did not answer).\n"
               "# TYPE takedown_overdue_copies gauge\n"
               "takedown_overdue_copies %lld\n",
               (long long)overdue);
    buf_printf(out,
               "# HELP takedown_background_leader 1 when this node does the background work "
               "(always on SQLite; on PostgreSQL one node of those sharing the database).\n"
               "# TYPE takedown_background_leader gauge\n"
               "takedown_background_leader %d\n",
               store_leading());
}

void metrics_write(Buf *out)
{
    write_routes(out);
    write_work(out);
    outbox_metrics(out);
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
    int64_t groups, transactions, writer_ns;
    store_tx_counts(&groups, &transactions, &writer_ns);
    buf_printf(
        out,
        "# HELP takedown_store_commits_total Write commits to the database (each a group of "
        "transactions sharing one wait for the disk).\n"
        "# TYPE takedown_store_commits_total counter\n"
        "takedown_store_commits_total %lld\n"
        "# HELP takedown_store_transactions_total Write transactions in those commits.\n"
        "# TYPE takedown_store_transactions_total counter\n"
        "takedown_store_transactions_total %lld\n"
        "# HELP takedown_store_writer_cpu_seconds_total CPU time spent running those commits "
        "(their SQL and log writes; one writer at a time).\n"
        "# TYPE takedown_store_writer_cpu_seconds_total counter\n"
        "takedown_store_writer_cpu_seconds_total %.6f\n"
        "# HELP takedown_store_log_pages_total Pages those commits wrote to the database's "
        "log.\n"
        "# TYPE takedown_store_log_pages_total counter\n"
        "takedown_store_log_pages_total %lld\n",
        (long long)groups, (long long)transactions, (double)writer_ns / 1e9,
        (long long)store_wal_frames_total());
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
