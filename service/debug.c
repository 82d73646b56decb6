/* Routes for the tests only (--debug-routes): a slow job that sleeps in the slow-work pool or
 * holds it until released, the clock, the route table, a tick of the background work, and I/O
 * faults injected under the store. */
#include "handlers.h"

#include "auth.h"
#include "buf.h"
#include "clock.h"
#include "connguard.h"
#include "routes.h"
#include "scheduler.h"
#include "store.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Jobs started with ?hold=1 wait here until POST /debug/release (or ms, the longest wait), so a
 * test can fill the slow-work pool and know what queued behind it without timing anything. */
static pthread_mutex_t hold_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t hold_cv = PTHREAD_COND_INITIALIZER;
static unsigned hold_generation;

/* The release generation when the request came in (before it was queued): a release that comes
 * after the request but before a worker takes the job still ends its hold (on a busy machine the
 * job may start long after the test saw it queued and released it). */
static unsigned *hold_generation_now(void)
{
    unsigned *gen = xmalloc(sizeof *gen);
    pthread_mutex_lock(&hold_mu);
    *gen = hold_generation;
    pthread_mutex_unlock(&hold_mu);
    return gen;
}

/* 1 when released, 0 when ms ran out first. */
static int hold_until_released(unsigned gen, long ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L)
        until.tv_sec++, until.tv_nsec -= 1000000000L;
    pthread_mutex_lock(&hold_mu);
    while (gen == hold_generation && pthread_cond_timedwait(&hold_cv, &hold_mu, &until) == 0)
        ;
    int released = gen != hold_generation;
    pthread_mutex_unlock(&hold_mu);
    return released;
}

static void debug_slow_job(Request *req)
{
    const char *ms_s = http_query(req, "ms");
    const char *hold = http_query(req, "hold");
    long ms = ms_s ? strtol(ms_s, NULL, 10) : 100;
    int released = 0;
    if (hold && strcmp(hold, "1") == 0 && req->ctx) {
        released = hold_until_released(*(const unsigned *)req->ctx, ms);
    } else {
        struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    http_reply_json(req, 200,
                    json_pack("{s:I, s:b}", "slept_ms", (json_int_t)ms, "released", released));
}

int debug_release(Request *req)
{
    pthread_mutex_lock(&hold_mu);
    hold_generation++;
    pthread_cond_broadcast(&hold_cv);
    pthread_mutex_unlock(&hold_mu);
    return http_reply_json(req, 200, json_pack("{s:b}", "released", 1));
}

int debug_slow(Request *req)
{
    const char *ms_s = http_query(req, "ms");
    const char *hold = http_query(req, "hold");
    long ms = ms_s ? strtol(ms_s, NULL, 10) : 100;
    /* A held job waits for /debug/release: its ms is only a bound, so a slow machine may ask more.
     */
    int held = hold && strcmp(hold, "1") == 0;
    if (ms < 0 || ms > (held ? 120000 : 10000))
        return http_reply_error(req, 400, "bad_request", "error.bad_request", "ms");
    if (held) {
        req->ctx = hold_generation_now();
        req->ctx_free = free;
    }
    return http_run_slow(req, debug_slow_job);
}

/* Echoes the parsed body back (form fields in order, or the JSON object) so the tests can check
 * the body parsers end to end. */
int debug_echo(Request *req)
{
    if (req->json)
        return http_reply_json(req, 200, json_pack("{s:O}", "json", req->json));
    json_t *fields = json_array();
    for (size_t i = 0; i < req->nform; i++)
        json_array_append_new(fields, json_pack("[s,s]", req->form[i].name, req->form[i].value));
    return http_reply_json(req, 200, json_pack("{s:o}", "form", fields));
}

/* Moves the service's clock forward by ?seconds=N (expiry and TOTP tests); ?freeze=1 holds it
 * still so that only those shifts move it (backoff tests), ?freeze=0 lets it run again;
 * ?connections=N moves only the connections' clock (slow-client deadlines). */
int debug_clock(Request *req)
{
    const char *s = http_query(req, "seconds");
    const char *f = http_query(req, "freeze");
    const char *c = http_query(req, "connections");
    long n = s ? strtol(s, NULL, 10) : 0;
    if (f)
        clock_freeze(strcmp(f, "1") == 0);
    clock_shift(n);
    if (c)
        clock_shift_connections(strtol(c, NULL, 10));
    return http_reply_json(req, 200, json_pack("{s:I}", "now", (json_int_t)clock_now()));
}

/* The slow-client guard's view of one connection, by the client's ?port=N: its phase and answers
 * so far, so that a test moves the clock only once its connection is where it means it to be. */
int debug_connection(Request *req)
{
    const char *p = http_query(req, "port");
    const char *phase;
    uint64_t answers;
    if (!p || connguard_describe((unsigned)strtoul(p, NULL, 10), &phase, &answers) != 0)
        return http_reply_error(req, 404, "not_found", "error.not_found", NULL);
    return http_reply_json(req, 200,
                           json_pack("{s:s, s:I}", "phase", phase, "answers", (json_int_t)answers));
}

/* The route table with access bits, so the tests can walk every route against every role. */
int debug_routes(Request *req)
{
    size_t n;
    const Route *t = routes_table(1, &n);
    json_t *rows = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(rows,
                              json_pack("{s:s, s:i, s:i, s:i}", "pattern", t[i].pattern, "methods",
                                        t[i].methods, "access", t[i].access, "flags", t[i].flags));
    return http_reply_json(req, 200, json_pack("{s:o}", "routes", rows));
}

/* One pass of the background work now, at the (possibly shifted) service clock. */
int debug_tick(Request *req)
{
    int ran = scheduler_tick(clock_now());
    return http_reply_json(req, 200,
                           json_pack("{s:i, s:I}", "checks", ran, "now", (json_int_t)clock_now()));
}

/* Fails the database's writes or syncs from now on: ?mode=write|full|sync|off, ?after=N lets N
 * more through first (a fault in the middle of a commit). Answers how many failed under the fault
 * set before, so a test knows its fault was met. */
int debug_io_fault(Request *req)
{
    static const struct {
        const char *name;
        StoreFault mode;
    } modes[] = {{"off", STORE_FAULT_NONE},
                 {"write", STORE_FAULT_WRITE},
                 {"full", STORE_FAULT_FULL},
                 {"sync", STORE_FAULT_SYNC}};
    const char *m = http_query(req, "mode");
    const char *a = http_query(req, "after");
    char *end = NULL;
    long long after = a ? strtoll(a, &end, 10) : 0;
    if (a && (*end || after < 0 || after > 1000000))
        return http_reply_error(req, 400, "bad_request", "error.bad_request", "after");
    for (size_t i = 0; m && i < sizeof modes / sizeof modes[0]; i++) {
        if (strcmp(m, modes[i].name) != 0)
            continue;
        int64_t hits = store_fault_hits();
        if (store_fault_set(modes[i].mode, after) != 0)
            return http_reply_error(req, 500, "internal", "error.internal", NULL);
        return http_reply_json(req, 200,
                               json_pack("{s:s, s:I, s:I}", "mode", m, "after", (json_int_t)after,
                                         "failed_before", (json_int_t)hits));
    }
    return http_reply_error(req, 400, "bad_request", "error.bad_request", "mode");
}
