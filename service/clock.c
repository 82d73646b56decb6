/* The service's one clock: real time, a test shift, and a test freeze. */
#include "clock.h"

#include <stdatomic.h>
#include <time.h>

static atomic_llong shift_ms;    /* added to the wall clock */
static atomic_llong mono_ms;     /* added to the monotonic clock: forward shifts only */
static atomic_llong frozen_wall; /* ms since the epoch when frozen, else 0 */
static atomic_llong frozen_mono; /* monotonic ms when frozen */
static atomic_llong conn_ms;     /* added to the connections' clock only */

static int64_t read_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t wall_ms(void)
{
    int64_t f = atomic_load(&frozen_wall);
    return (f ? f : read_ms(CLOCK_REALTIME)) + atomic_load(&shift_ms);
}

int64_t clock_now(void)
{
    return wall_ms() / 1000;
}

/* The monotonic clock, or where it stood when frozen. */
static int64_t mono_base(void)
{
    return atomic_load(&frozen_wall) ? atomic_load(&frozen_mono) : read_ms(CLOCK_MONOTONIC);
}

int64_t clock_now_ms(void)
{
    return mono_base() + atomic_load(&mono_ms);
}

int64_t clock_conn_ms(void)
{
    return mono_base() + atomic_load(&conn_ms); /* none of the service clock's shifts */
}

void clock_shift_connections(int64_t seconds)
{
    if (seconds > 0)
        atomic_fetch_add(&conn_ms, seconds * 1000);
}

void clock_shift(int64_t seconds)
{
    atomic_fetch_add(&shift_ms, seconds * 1000);
    /* A monotonic clock never runs back: a backoff recorded "later" would never end. */
    if (seconds > 0)
        atomic_fetch_add(&mono_ms, seconds * 1000);
}

void clock_freeze(int frozen)
{
    if (frozen && !atomic_load(&frozen_wall)) {
        atomic_store(&frozen_mono, read_ms(CLOCK_MONOTONIC));
        atomic_store(&frozen_wall, read_ms(CLOCK_REALTIME));
    } else if (!frozen && atomic_load(&frozen_wall)) {
        /* The connections' clock goes on from where it stood: a jump by the time it was frozen
         * would cut every kept-alive connection a test is about to reuse. */
        atomic_fetch_add(&conn_ms, atomic_load(&frozen_mono) - read_ms(CLOCK_MONOTONIC));
        /* Back to real time (plus the shift): clocks only ever move forward. */
        atomic_store(&frozen_wall, 0);
    }
}
