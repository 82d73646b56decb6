/* Per-address backoff tables and overall token buckets for the anonymous victim endpoints. */
#include "guard.h"

#include "clock.h"
#include "ratelimit.h"

#include <stdio.h>

/* Submissions: --submit-per-address (10) accepted reports per address, then a doubling wait
 * from 1 min up to an hour (an hour's quiet forgets); --submit-tries-per-address (30) refused
 * attempts per address, then a doubling wait from 10 s up to 10 min (ten quiet minutes forget);
 * overall --submit-rate (5) attempts a second with bursts of --submit-burst (50) (the
 * secure-intake peer needs about 0.5 a second). An address is looked at before the overall
 * bucket, so that one address's flood, held at its own limit, cannot use up the others' rate. */
static RateLimit *submit_by_address;
static RateLimit *tries_by_address;
static TokenBucket *submit_overall;

void guard_init(const Limits *limits)
{
    submit_by_address =
        ratelimit_new(limits->submit_per_address, 60 * 1000, 60 * 60 * 1000, 60 * 60 * 1000);
    tries_by_address =
        ratelimit_new(limits->submit_tries_per_address, 10 * 1000, 10 * 60 * 1000, 10 * 60 * 1000);
    submit_overall = tokenbucket_new((double)limits->submit_rate, (double)limits->submit_burst);
}

void guard_shutdown(void)
{
    ratelimit_free(submit_by_address);
    ratelimit_free(tries_by_address);
    tokenbucket_free(submit_overall);
}

void guard_retry_after(Request *req, unsigned seconds)
{
    char ra[16];
    snprintf(ra, sizeof ra, "%u", seconds ? seconds : 1);
    http_set_header(req, "Retry-After", ra);
}

int guard_refuse(Request *req, unsigned seconds)
{
    guard_retry_after(req, seconds);
    return http_reply_error(req, 429, "rate_limited", "error.rate_limited", NULL);
}

static void address_key(Request *req, char out[96])
{
    snprintf(out, 96, "s:%s", req->client_net);
}

unsigned guard_submission_attempt(Request *req)
{
    char key[96];
    address_key(req, key);
    int64_t now = clock_now_ms();
    /* Counted at once (given back when the report is accepted, or when the overall rate has no
     * token for it). */
    unsigned wait = ratelimit_take(tries_by_address, key, now);
    if (!wait && (wait = tokenbucket_take(submit_overall, now)) != 0)
        ratelimit_forgive(tries_by_address, key);
    return wait;
}

unsigned guard_submission_count(Request *req)
{
    char key[96];
    address_key(req, key);
    int64_t now = clock_now_ms();
    unsigned wait = ratelimit_take(submit_by_address, key, now);
    if (!wait)
        ratelimit_forgive(tries_by_address, key); /* an accepted report is not a refused try */
    return wait;
}

void guard_submission_forgive(Request *req)
{
    char key[96];
    address_key(req, key);
    ratelimit_forgive(submit_by_address, key);
}

unsigned guard_submission_wait(Request *req)
{
    char key[96];
    address_key(req, key);
    int64_t now = clock_now_ms();
    unsigned accepted = ratelimit_wait(submit_by_address, key, now);
    unsigned tries = ratelimit_wait(tries_by_address, key, now);
    return accepted > tries ? accepted : tries;
}
