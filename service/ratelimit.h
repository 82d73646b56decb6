/* Backoff per key (an account, a source address): a few free failures, then a doubling wait.
 * Sharded with a lock per shard, so no one counter or lock is shared by every client. Memory is
 * bounded: each shard holds a fixed number of keys and forgets the stalest when full. */
#ifndef TAKEDOWN_RATELIMIT_H
#define TAKEDOWN_RATELIMIT_H

#include <stdint.h>

typedef struct RateLimit RateLimit;

/* free_failures before any wait; then base_ms doubling per failure, capped at max_ms. */
RateLimit *ratelimit_new(unsigned free_failures, unsigned base_ms, unsigned max_ms);
void ratelimit_free(RateLimit *rl);
/* 0 when key may try now, else the seconds to wait (at least 1). */
unsigned ratelimit_wait(RateLimit *rl, const char *key, int64_t now_ms);
void ratelimit_fail(RateLimit *rl, const char *key, int64_t now_ms);
void ratelimit_clear(RateLimit *rl, const char *key);

/* A token bucket for a whole route ("overall" limits): rate per second, burst tokens. */
typedef struct TokenBucket TokenBucket;
TokenBucket *tokenbucket_new(double rate, double burst);
void tokenbucket_free(TokenBucket *tb);
/* 0 when a token was taken, else the seconds until one is available. */
unsigned tokenbucket_take(TokenBucket *tb, int64_t now_ms);

/* Milliseconds of a monotonic clock. */
int64_t ratelimit_now_ms(void);

#endif
