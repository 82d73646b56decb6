/* Background work on a timer: expired sessions, link checks that are due, the daily purge. */
#ifndef TAKEDOWN_SCHEDULER_H
#define TAKEDOWN_SCHEDULER_H

#include <stdint.h>

int scheduler_start(unsigned tick_seconds);
void scheduler_stop(void);
/* One pass now; returns how many link checks ran. */
int scheduler_tick(int64_t now);

#endif
