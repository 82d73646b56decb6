/* Per-address backoff tables and overall token buckets for the anonymous victim endpoints. */
#include "guard.h"

#include "clock.h"
#include "ratelimit.h"

#include <stdio.h>

/* Submissions: --submit-per-address (10) per address, then a doubling wait from 1 min up to an
 * hour (an hour's quiet forgets); overall --submit-rate (5) a second with bursts of
 * --submit-burst (50) (the secure-intake peer needs about 0.5 a second). */
static RateLimit *submit_by_address;
static TokenBucket *submit_overall;

void guard_init(const Limits *limits)
{
    submit_by_address =
        ratelimit_new(limits->submit_per_address, 60 * 1000, 60 * 60 * 1000, 60 * 60 * 1000);
    submit_overall = tokenbucket_new((double)limits->submit_rate, (double)limits->submit_burst);
}

void guard_shutdown(void)
{
    ratelimit_free(submit_by_address);
    tokenbucket_free(submit_overall);
}

static int guard_refuse(Request *req, unsigned seconds)
{
    char ra[16];
    snprintf(ra, sizeof ra, "%u", seconds ? seconds : 1);
    http_set_header(req, "Retry-After", ra);
    return http_reply_error(req, 429, "rate_limited", "error.rate_limited", NULL);
}

static void address_key(Request *req, const char *prefix, char out[96])
{
    snprintf(out, 96, "%s:%s", prefix, req->client);
}

/* An attempt within both the address's limit and the overall one counts against the address at
 * once: before any slow check, so parallel attempts cannot slip past the limit. */
static int guard_attempt(Request *req, const char *prefix, RateLimit *by_address,
                         TokenBucket *overall)
{
    char key[96];
    address_key(req, prefix, key);
    int64_t now = clock_now_ms();
    unsigned wait = ratelimit_wait(by_address, key, now);
    if (!wait)
        wait = tokenbucket_take(overall, now);
    if (wait)
        return guard_refuse(req, wait);
    ratelimit_fail(by_address, key, now);
    return 0;
}

int guard_submission(Request *req)
{
    return guard_attempt(req, "s", submit_by_address, submit_overall); /* every one counts */
}

int guard_submission_allowed(Request *req)
{
    char key[96];
    address_key(req, "s", key);
    unsigned wait = ratelimit_wait(submit_by_address, key, clock_now_ms());
    return wait ? guard_refuse(req, wait) : 0;
}
