/* Background work on a timer: expired sessions, link checks that are due, the daily purge. */
#ifndef TAKEDOWN_SCHEDULER_H
#define TAKEDOWN_SCHEDULER_H

#include <stdint.h>

/* Asks for the background work's lead (store_lead: always this node's on SQLite), logs when this
 * node's part changes, and on becoming the leader takes back what a stop left half-sent in the
 * outbox. Once before serving; then at every pass. 1 while this node leads. */
int scheduler_lead(void);
int scheduler_start(unsigned tick_seconds);
void scheduler_stop(void);
/* One pass now; returns how many link checks ran. */
int scheduler_tick(int64_t now);

#endif
