/* A background thread that runs one function at a fixed period until it is stopped. */
#ifndef TAKEDOWN_TICKER_H
#define TAKEDOWN_TICKER_H

typedef struct Ticker Ticker;
typedef void (*TickerFn)(void *arg);

/* Starts a thread that calls tick(arg) every period_ms (first at once when first_at_once,
 * else after one period), waiting on the monotonic clock, and at_exit(arg) (when not NULL) in
 * the thread as it ends. Returns NULL, logged with what, when no thread can be started. */
Ticker *ticker_start(const char *what, unsigned period_ms, int first_at_once, TickerFn tick,
                     TickerFn at_exit, void *arg);
/* Wakes the thread, waits for its current tick to end and for it to exit, and frees t. */
void ticker_stop(Ticker *t);

#endif
