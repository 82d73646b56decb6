/* The service's one clock. Everything that asks "what time is it" asks here, so that tests can
 * move time forward (or hold it still) instead of waiting for it, and no test depends on how
 * fast the machine is. */
#ifndef TAKEDOWN_CLOCK_H
#define TAKEDOWN_CLOCK_H

#include <stdint.h>

/* Seconds since the epoch, plus any test shift. */
int64_t clock_now(void);
/* Milliseconds of a monotonic clock, plus any test shift; for backoff and rate limits. */
int64_t clock_now_ms(void);
/* The connections' clock (slow-client deadlines): the monotonic clock with a shift of its own and
 * none of the service clock's, so that a test moving the service's clock by days does not also
 * cut every kept-alive connection it is about to reuse; a freeze holds it still too, and it goes
 * on from there when the freeze ends (no jump by the time it stood). */
int64_t clock_conn_ms(void);
/* Test only: moves the connections' clock forward by seconds. */
void clock_shift_connections(int64_t seconds);
/* Test only (--debug-routes): moves the wall clock by seconds (forward or back); the monotonic
 * clock only follows forward moves. */
void clock_shift(int64_t seconds);
/* Test only: holds both clocks still (frozen != 0) so that only clock_shift moves them, or lets
 * them run again from where they stand. */
void clock_freeze(int frozen);

#endif
