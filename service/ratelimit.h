/* Backoff per key (an account, a source address): a few free failures, then a doubling wait.
 * Sharded with a lock per shard, so no one counter or lock is shared by every client. Memory is
 * bounded: each shard holds a fixed number of keys and forgets the stalest when full. */
#ifndef TAKEDOWN_RATELIMIT_H
#define TAKEDOWN_RATELIMIT_H

#include <stdint.h>

typedef struct RateLimit RateLimit;

/* free_failures before any wait; then base_ms doubling per failure, capped at max_ms. A key
 * quiet for window_ms starts afresh (0: only ratelimit_clear forgets). */
RateLimit *ratelimit_new(unsigned free_failures, unsigned base_ms, unsigned max_ms,
                         unsigned window_ms);
void ratelimit_free(RateLimit *rl);
/* 0 when key may try now, else the seconds to wait (at least 1). */
unsigned ratelimit_wait(RateLimit *rl, const char *key, int64_t now_ms);
void ratelimit_fail(RateLimit *rl, const char *key, int64_t now_ms);
/* ratelimit_wait and, when it is 0, ratelimit_fail, as one step: parallel attempts from one key
 * cannot all pass the check before any of them is counted. */
unsigned ratelimit_take(RateLimit *rl, const char *key, int64_t now_ms);
/* Takes back one failure (an attempt counted up front turned out well). */
void ratelimit_forgive(RateLimit *rl, const char *key);
void ratelimit_clear(RateLimit *rl, const char *key);

/* A token bucket for a whole route ("overall" limits): rate per second, burst tokens. */
typedef struct TokenBucket TokenBucket;
TokenBucket *tokenbucket_new(double rate, double burst);
void tokenbucket_free(TokenBucket *tb);
/* 0 when a token was taken, else the seconds until one is available. */
unsigned tokenbucket_take(TokenBucket *tb, int64_t now_ms);

#endif
