/* Sharded backoff tables and a token bucket. */
#include "ratelimit.h"

#include "buf.h"
#include "clock.h"
#include "vault.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define SHARDS 64
#define SLOTS 512 /* keys per shard */

typedef struct Entry {
    uint64_t key; /* 64-bit hash of the key; 0 = empty */
    unsigned failures;
    int64_t until_ms; /* no attempt before this */
    int64_t last_ms;
} Entry;

typedef struct Shard {
    pthread_mutex_t lock;
    Entry slots[SLOTS];
} Shard;

struct RateLimit {
    unsigned free_failures, base_ms, max_ms, window_ms;
    uint64_t seed; /* random: nobody can choose keys that collide with someone else's */
    Shard shards[SHARDS];
};

/* FNV-1a from a random seed; never 0 so that 0 can mark an empty slot. */
static uint64_t key_hash(const RateLimit *rl, const char *s)
{
    uint64_t h = 1469598103934665603ULL ^ rl->seed;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h ? h : 1;
}

RateLimit *ratelimit_new(unsigned free_failures, unsigned base_ms, unsigned max_ms,
                         unsigned window_ms)
{
    RateLimit *rl = xcalloc(1, sizeof *rl);
    rl->window_ms = window_ms;
    vault_random(&rl->seed, sizeof rl->seed);
    rl->free_failures = free_failures;
    rl->base_ms = base_ms;
    rl->max_ms = max_ms;
    for (int i = 0; i < SHARDS; i++)
        pthread_mutex_init(&rl->shards[i].lock, NULL);
    return rl;
}

void ratelimit_free(RateLimit *rl)
{
    if (!rl)
        return;
    for (int i = 0; i < SHARDS; i++)
        pthread_mutex_destroy(&rl->shards[i].lock);
    free(rl);
}

/* Which entry a full neighbourhood gives up: an empty one, else one not waiting, the stalest. */
static int evict_before(const Entry *a, const Entry *b, int64_t now_ms)
{
    if ((a->key == 0) != (b->key == 0))
        return a->key == 0;
    int aw = a->until_ms > now_ms, bw = b->until_ms > now_ms;
    if (aw != bw)
        return !aw;
    return a->last_ms < b->last_ms;
}

/* The entry for h in its shard (locked by the caller); creates it when asked. */
static Entry *entry_for(Shard *sh, uint64_t h, int create, int64_t now_ms)
{
    size_t start = (size_t)(h >> 6) % SLOTS;
    Entry *victim = NULL;
    for (size_t i = 0; i < 8; i++) {
        Entry *e = &sh->slots[(start + i) % SLOTS];
        if (e->key == h)
            return e;
        if (!victim || evict_before(e, victim, now_ms))
            victim = e;
    }
    if (!create)
        return NULL;
    memset(victim, 0, sizeof *victim);
    victim->key = h;
    return victim;
}

unsigned ratelimit_wait(RateLimit *rl, const char *key, int64_t now_ms)
{
    uint64_t h = key_hash(rl, key);
    Shard *sh = &rl->shards[h % SHARDS];
    pthread_mutex_lock(&sh->lock);
    Entry *e = entry_for(sh, h, 0, now_ms);
    int64_t wait = e && e->until_ms > now_ms ? e->until_ms - now_ms : 0;
    pthread_mutex_unlock(&sh->lock);
    return wait > 0 ? (unsigned)((wait + 999) / 1000) : 0;
}

/* Counts a failure on e (its shard locked by the caller). */
static void fail_locked(const RateLimit *rl, Entry *e, int64_t now_ms)
{
    if (rl->window_ms && e->failures && now_ms - e->last_ms > (int64_t)rl->window_ms &&
        now_ms >= e->until_ms)
        e->failures = 0;
    e->failures++;
    e->last_ms = now_ms;
    /* The free failures are used up: the next attempt waits. */
    if (e->failures >= rl->free_failures) {
        unsigned shift = e->failures - (rl->free_failures ? rl->free_failures : 1);
        uint64_t delay = shift > 20 ? rl->max_ms : (uint64_t)rl->base_ms << shift;
        if (delay > rl->max_ms)
            delay = rl->max_ms;
        e->until_ms = now_ms + (int64_t)delay;
    }
}

void ratelimit_fail(RateLimit *rl, const char *key, int64_t now_ms)
{
    uint64_t h = key_hash(rl, key);
    Shard *sh = &rl->shards[h % SHARDS];
    pthread_mutex_lock(&sh->lock);
    fail_locked(rl, entry_for(sh, h, 1, now_ms), now_ms);
    pthread_mutex_unlock(&sh->lock);
}

unsigned ratelimit_take(RateLimit *rl, const char *key, int64_t now_ms)
{
    uint64_t h = key_hash(rl, key);
    Shard *sh = &rl->shards[h % SHARDS];
    pthread_mutex_lock(&sh->lock);
    Entry *e = entry_for(sh, h, 1, now_ms);
    int64_t wait = e->until_ms > now_ms ? e->until_ms - now_ms : 0;
    if (!wait)
        fail_locked(rl, e, now_ms);
    pthread_mutex_unlock(&sh->lock);
    return wait > 0 ? (unsigned)((wait + 999) / 1000) : 0;
}

/* The key's shard, locked, and its entry there (NULL when it has none); the caller unlocks. */
static Entry *entry_locked(RateLimit *rl, const char *key, Shard **sh)
{
    uint64_t h = key_hash(rl, key);
    *sh = &rl->shards[h % SHARDS];
    pthread_mutex_lock(&(*sh)->lock);
    return entry_for(*sh, h, 0, 0);
}

void ratelimit_forgive(RateLimit *rl, const char *key)
{
    Shard *sh;
    Entry *e = entry_locked(rl, key, &sh);
    if (e && e->failures > 0) {
        e->failures--;
        if (e->failures < rl->free_failures)
            e->until_ms = 0;
    }
    pthread_mutex_unlock(&sh->lock);
}

void ratelimit_clear(RateLimit *rl, const char *key)
{
    Shard *sh;
    Entry *e = entry_locked(rl, key, &sh);
    if (e)
        memset(e, 0, sizeof *e);
    pthread_mutex_unlock(&sh->lock);
}

struct TokenBucket {
    pthread_mutex_t lock;
    double rate, burst, tokens;
    int64_t last_ms;
};

TokenBucket *tokenbucket_new(double rate, double burst)
{
    TokenBucket *tb = xcalloc(1, sizeof *tb);
    pthread_mutex_init(&tb->lock, NULL);
    tb->rate = rate;
    tb->burst = burst;
    tb->tokens = burst;
    tb->last_ms = clock_now_ms();
    return tb;
}

void tokenbucket_free(TokenBucket *tb)
{
    if (!tb)
        return;
    pthread_mutex_destroy(&tb->lock);
    free(tb);
}

unsigned tokenbucket_take(TokenBucket *tb, int64_t now_ms)
{
    pthread_mutex_lock(&tb->lock);
    if (now_ms > tb->last_ms) {
        tb->tokens += (double)(now_ms - tb->last_ms) / 1000.0 * tb->rate;
        if (tb->tokens > tb->burst)
            tb->tokens = tb->burst;
        tb->last_ms = now_ms;
    }
    unsigned wait = 0;
    if (tb->tokens >= 1.0) {
        tb->tokens -= 1.0;
    } else {
        double secs = (1.0 - tb->tokens) / tb->rate;
        wait = (unsigned)secs;
        if ((double)wait < secs || wait == 0)
            wait++;
    }
    pthread_mutex_unlock(&tb->lock);
    return wait;
}
