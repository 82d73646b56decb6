/* Backoff and token bucket: free failures on both sides, doubling up to the cap, forgive, clear,
 * the quiet window on both sides, independent keys, bounded memory, refills. Time is passed in;
 * nothing sleeps. */
#include "ratelimit.h"

#include "clock.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#define BASE 1000u
#define MAX 8000u
#define WINDOW 60000u
#define T0 1000000 /* an arbitrary start on the caller's clock */

static void fail_n(RateLimit *rl, const char *key, int n, int64_t now)
{
    for (int i = 0; i < n; i++)
        ratelimit_fail(rl, key, now);
}

static void test_free_failures_both_sides(void **state)
{
    (void)state;
    RateLimit *rl = ratelimit_new(3, BASE, MAX, WINDOW);
    assert_int_equal(ratelimit_wait(rl, "k", T0), 0); /* never seen */
    ratelimit_fail(rl, "k", T0);
    assert_int_equal(ratelimit_wait(rl, "k", T0), 0);
    ratelimit_fail(rl, "k", T0);
    assert_int_equal(ratelimit_wait(rl, "k", T0), 0); /* two failures: still free */
    ratelimit_fail(rl, "k", T0);
    assert_int_equal(ratelimit_wait(rl, "k", T0), BASE / 1000); /* the third: a wait */
    /* The wait ends exactly base_ms later. */
    assert_int_equal(ratelimit_wait(rl, "k", T0 + BASE - 1), 1);
    assert_int_equal(ratelimit_wait(rl, "k", T0 + BASE), 0);
    ratelimit_free(rl);

    /* No free failures: the first one waits. */
    rl = ratelimit_new(0, BASE, MAX, WINDOW);
    assert_int_equal(ratelimit_wait(rl, "k", T0), 0);
    ratelimit_fail(rl, "k", T0);
    assert_true(ratelimit_wait(rl, "k", T0) > 0);
    ratelimit_free(rl);
}

static void test_doubles_then_capped(void **state)
{
    (void)state;
    RateLimit *rl = ratelimit_new(3, BASE, MAX, WINDOW);
    fail_n(rl, "k", 3, T0);
    static const unsigned want[] = {1, 2, 4, 8, 8, 8}; /* seconds after failures 3, 4, 5 ... */
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        int64_t now = T0 + (int64_t)i;
        if (i > 0)
            ratelimit_fail(rl, "k", now);
        assert_int_equal(ratelimit_wait(rl, "k", now), want[i]);
    }
    /* Many more failures never overflow the cap. */
    for (int i = 0; i < 100; i++)
        ratelimit_fail(rl, "k", T0 + 10);
    assert_int_equal(ratelimit_wait(rl, "k", T0 + 10), MAX / 1000);
    assert_int_equal(ratelimit_wait(rl, "k", T0 + 10 + MAX - 1), 1);
    assert_int_equal(ratelimit_wait(rl, "k", T0 + 10 + MAX), 0);
    ratelimit_free(rl);
}

/* Seconds are rounded up: a wait of 1500 ms is 2 s, never 1. */
static void test_seconds_round_up(void **state)
{
    (void)state;
    RateLimit *rl = ratelimit_new(1, 1500, 60000, WINDOW);
    ratelimit_fail(rl, "k", T0);
    assert_int_equal(ratelimit_wait(rl, "k", T0), 2);
    assert_int_equal(ratelimit_wait(rl, "k", T0 + 500), 1);
    assert_int_equal(ratelimit_wait(rl, "k", T0 + 1499), 1);
    assert_int_equal(ratelimit_wait(rl, "k", T0 + 1500), 0);
    ratelimit_free(rl);
}

static void test_forgive(void **state)
{
    (void)state;
    RateLimit *rl = ratelimit_new(3, BASE, MAX, WINDOW);
    /* The attempt that used up the free failures turned out well: no wait. */
    fail_n(rl, "k", 3, T0);
    assert_true(ratelimit_wait(rl, "k", T0) > 0);
    ratelimit_forgive(rl, "k");
    assert_int_equal(ratelimit_wait(rl, "k", T0), 0);
    /* One failure was taken back, not all: the next one waits base again, not double. */
    ratelimit_fail(rl, "k", T0);
    assert_int_equal(ratelimit_wait(rl, "k", T0), 1);
    ratelimit_forgive(rl, "k");
    ratelimit_forgive(rl, "k");
    ratelimit_fail(rl, "k", T0);
    assert_int_equal(ratelimit_wait(rl, "k", T0), 0); /* back to two */

    /* Over the free failures, forgiving one leaves the count one lower. */
    ratelimit_clear(rl, "k");
    fail_n(rl, "k", 5, T0); /* wait 4 s */
    ratelimit_forgive(rl, "k");
    ratelimit_fail(rl, "k", T0 + 5000); /* the fifth again: 4 s, not 8 */
    assert_int_equal(ratelimit_wait(rl, "k", T0 + 5000), 4);

    /* Forgiving at zero does not wrap around; unknown keys are fine. */
    ratelimit_clear(rl, "k");
    ratelimit_fail(rl, "k", T0);
    ratelimit_forgive(rl, "k");
    ratelimit_forgive(rl, "k"); /* at zero: stays zero */
    ratelimit_forgive(rl, "never-seen");
    assert_int_equal(ratelimit_wait(rl, "never-seen", T0), 0);
    fail_n(rl, "k", 2, T0);
    assert_int_equal(ratelimit_wait(rl, "k", T0), 0);
    ratelimit_fail(rl, "k", T0);
    assert_int_equal(ratelimit_wait(rl, "k", T0), 1);
    ratelimit_free(rl);
}

static void test_clear(void **state)
{
    (void)state;
    RateLimit *rl = ratelimit_new(3, BASE, MAX, WINDOW);
    fail_n(rl, "k", 6, T0);
    assert_int_equal(ratelimit_wait(rl, "k", T0), 8);
    ratelimit_clear(rl, "k");
    assert_int_equal(ratelimit_wait(rl, "k", T0), 0);
    /* The count starts afresh: two free failures again. */
    fail_n(rl, "k", 2, T0);
    assert_int_equal(ratelimit_wait(rl, "k", T0), 0);
    ratelimit_fail(rl, "k", T0);
    assert_int_equal(ratelimit_wait(rl, "k", T0), 1);
    ratelimit_clear(rl, "unknown");
    ratelimit_free(rl);
}

static void test_window_both_sides(void **state)
{
    (void)state;
    RateLimit *rl = ratelimit_new(3, BASE, MAX, WINDOW);
    /* Quiet for exactly the window: still remembered, the third failure waits. */
    fail_n(rl, "a", 2, T0);
    ratelimit_fail(rl, "a", T0 + WINDOW);
    assert_int_equal(ratelimit_wait(rl, "a", T0 + WINDOW), 1);
    /* One millisecond longer: forgotten, this is the first failure. */
    fail_n(rl, "b", 2, T0);
    ratelimit_fail(rl, "b", T0 + WINDOW + 1);
    assert_int_equal(ratelimit_wait(rl, "b", T0 + WINDOW + 1), 0);
    ratelimit_fail(rl, "b", T0 + WINDOW + 1);
    assert_int_equal(ratelimit_wait(rl, "b", T0 + WINDOW + 1), 0);
    ratelimit_fail(rl, "b", T0 + WINDOW + 1);
    assert_int_equal(ratelimit_wait(rl, "b", T0 + WINDOW + 1), 1);
    /* A key that was waiting also starts afresh after a quiet window. */
    fail_n(rl, "c", 6, T0);
    ratelimit_fail(rl, "c", T0 + WINDOW + 1);
    assert_int_equal(ratelimit_wait(rl, "c", T0 + WINDOW + 1), 0);
    ratelimit_free(rl);

    /* Window 0: only clear forgets. */
    rl = ratelimit_new(3, BASE, MAX, 0);
    fail_n(rl, "a", 2, T0);
    ratelimit_fail(rl, "a", T0 + 365LL * 24 * 3600 * 1000);
    assert_int_equal(ratelimit_wait(rl, "a", T0 + 365LL * 24 * 3600 * 1000), 1);
    ratelimit_free(rl);
}

static void test_keys_independent(void **state)
{
    (void)state;
    RateLimit *rl = ratelimit_new(3, BASE, MAX, WINDOW);
    fail_n(rl, "login:alice", 4, T0);
    assert_int_equal(ratelimit_wait(rl, "login:alice", T0), 2);
    assert_int_equal(ratelimit_wait(rl, "login:bob", T0), 0);
    assert_int_equal(ratelimit_wait(rl, "login:alic", T0), 0);
    assert_int_equal(ratelimit_wait(rl, "", T0), 0);
    fail_n(rl, "login:bob", 2, T0);
    assert_int_equal(ratelimit_wait(rl, "login:bob", T0), 0);
    ratelimit_clear(rl, "login:bob");
    ratelimit_forgive(rl, "login:bob");
    assert_int_equal(ratelimit_wait(rl, "login:alice", T0), 2);
    /* Two limiters never share state. */
    RateLimit *other = ratelimit_new(3, BASE, MAX, WINDOW);
    assert_int_equal(ratelimit_wait(other, "login:alice", T0), 0);
    ratelimit_free(other);
    ratelimit_free(rl);
}

/* 100000 keys: memory stays bounded, so stale keys are forgotten and recent ones kept; a key
 * that is still waiting outlives a flood of keys that are not (a flood cannot free a locked
 * account). */
static void test_many_keys_bounded(void **state)
{
    (void)state;
    enum { OLD = 1000, FLOOD = 100000, RECENT = 1000 };
    RateLimit *rl = ratelimit_new(3, 3600000u, 3600000u, 0);
    char key[32];
    for (int i = 0; i < OLD; i++) {
        snprintf(key, sizeof key, "old-%d", i);
        fail_n(rl, key, 2, T0); /* below the free failures: not waiting */
    }
    for (int i = 0; i < OLD; i++) {
        snprintf(key, sizeof key, "locked-%d", i);
        fail_n(rl, key, 3, T0); /* waiting for an hour */
    }
    for (int i = 0; i < FLOOD; i++) {
        snprintf(key, sizeof key, "flood-%d", i);
        ratelimit_fail(rl, key, T0 + 1 + i);
    }
    for (int i = 0; i < RECENT; i++) {
        snprintf(key, sizeof key, "recent-%d", i);
        fail_n(rl, key, 3, T0 + 1 + FLOOD + i);
    }
    int64_t now = T0 + 2 + FLOOD + RECENT;
    int old_kept = 0, recent_kept = 0, locked_kept = 0;
    for (int i = 0; i < OLD; i++) {
        /* One more failure would lock a remembered key; a forgotten one starts from zero. */
        snprintf(key, sizeof key, "old-%d", i);
        ratelimit_fail(rl, key, now);
        old_kept += ratelimit_wait(rl, key, now) > 0;
        snprintf(key, sizeof key, "locked-%d", i);
        locked_kept += ratelimit_wait(rl, key, now) > 0;
    }
    for (int i = 0; i < RECENT; i++) {
        snprintf(key, sizeof key, "recent-%d", i);
        recent_kept += ratelimit_wait(rl, key, now) > 0;
    }
    print_message("old keys kept %d/%d, locked kept %d/%d, recent kept %d/%d\n", old_kept, OLD,
                  locked_kept, OLD, recent_kept, RECENT);
    assert_true(old_kept < OLD / 10);
    assert_true(locked_kept > OLD * 99 / 100);
    assert_true(recent_kept > RECENT * 99 / 100);
    ratelimit_free(rl);
}

/* ---- token bucket ---- */

/* ratelimit_take checks and counts in one step: however many threads try one key at the same
 * moment, exactly the free failures pass (a check and a separate count let several threads pass
 * the check before any of them is counted). */
typedef struct Taker {
    RateLimit *rl;
    int passed;
} Taker;

static void *take_many(void *arg)
{
    Taker *t = arg;
    for (int i = 0; i < 200; i++)
        if (ratelimit_take(t->rl, "same-key", 1000) == 0)
            t->passed++;
    return NULL;
}

static void test_take_counts_as_it_checks(void **state)
{
    (void)state;
    RateLimit *rl = ratelimit_new(5, 60000, 3600000, 0);
    Taker t[8];
    pthread_t th[8];
    for (int i = 0; i < 8; i++) {
        t[i] = (Taker){rl, 0};
        assert_int_equal(pthread_create(&th[i], NULL, take_many, &t[i]), 0);
    }
    int passed = 0;
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        passed += t[i].passed;
    }
    assert_int_equal(passed, 5);
    assert_int_equal(ratelimit_take(rl, "same-key", 1000), 60);
    assert_int_equal(ratelimit_take(rl, "another", 1000), 0);
    ratelimit_free(rl);
}

static void test_bucket_burst_then_refusal(void **state)
{
    (void)state;
    TokenBucket *tb = tokenbucket_new(2.0, 3.0);
    int64_t t0 = clock_now_ms() + 1000; /* after the bucket's own start */
    assert_int_equal(tokenbucket_take(tb, t0), 0);
    assert_int_equal(tokenbucket_take(tb, t0), 0);
    assert_int_equal(tokenbucket_take(tb, t0), 0);
    unsigned w = tokenbucket_take(tb, t0);
    assert_true(w >= 1 && w <= 2);
    /* A refused take costs nothing: still refused, not deeper in debt. */
    assert_int_equal(tokenbucket_take(tb, t0), w);
    /* Time going backwards gives nothing. */
    assert_true(tokenbucket_take(tb, t0 - 5000) > 0);
    /* A long pause refills only up to the burst. */
    int64_t later = t0 + 3600 * 1000;
    assert_int_equal(tokenbucket_take(tb, later), 0);
    assert_int_equal(tokenbucket_take(tb, later), 0);
    assert_int_equal(tokenbucket_take(tb, later), 0);
    assert_true(tokenbucket_take(tb, later) > 0);
    tokenbucket_free(tb);
    tokenbucket_free(NULL);
}

/* At 2 tokens per second, one token takes 500 ms: refused at 499, granted at 500. */
static void test_bucket_refill_both_sides(void **state)
{
    (void)state;
    TokenBucket *a = tokenbucket_new(2.0, 1.0);
    TokenBucket *b = tokenbucket_new(2.0, 1.0);
    int64_t t0 = clock_now_ms() + 1000;
    assert_int_equal(tokenbucket_take(a, t0), 0);
    assert_int_equal(tokenbucket_take(b, t0), 0);
    assert_true(tokenbucket_take(a, t0 + 499) > 0);
    assert_int_equal(tokenbucket_take(b, t0 + 500), 0);
    assert_true(tokenbucket_take(b, t0 + 500) > 0);
    /* a kept its 499 ms of credit: two more milliseconds are enough. */
    assert_int_equal(tokenbucket_take(a, t0 + 501), 0);
    tokenbucket_free(a);
    tokenbucket_free(b);

    /* A slow bucket says how long: about ten seconds at 0.1 tokens per second. */
    TokenBucket *s1 = tokenbucket_new(0.1, 1.0);
    TokenBucket *s2 = tokenbucket_new(0.1, 1.0);
    t0 = clock_now_ms() + 1000;
    assert_int_equal(tokenbucket_take(s1, t0), 0);
    assert_int_equal(tokenbucket_take(s2, t0), 0);
    unsigned w = tokenbucket_take(s1, t0);
    assert_true(w >= 10 && w <= 11);
    assert_true(tokenbucket_take(s1, t0 + 9999) > 0);
    assert_int_equal(tokenbucket_take(s2, t0 + 10000), 0);
    tokenbucket_free(s1);
    tokenbucket_free(s2);
}

static void test_now_is_monotonic(void **state)
{
    (void)state;
    int64_t a = clock_now_ms();
    int64_t b = clock_now_ms();
    assert_true(a > 0);
    assert_true(b >= a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_free_failures_both_sides),
        cmocka_unit_test(test_doubles_then_capped),
        cmocka_unit_test(test_seconds_round_up),
        cmocka_unit_test(test_forgive),
        cmocka_unit_test(test_clear),
        cmocka_unit_test(test_window_both_sides),
        cmocka_unit_test(test_keys_independent),
        cmocka_unit_test(test_many_keys_bounded),
        cmocka_unit_test(test_take_counts_as_it_checks),
        cmocka_unit_test(test_bucket_burst_then_refusal),
        cmocka_unit_test(test_bucket_refill_both_sides),
        cmocka_unit_test(test_now_is_monotonic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
