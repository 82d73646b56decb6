/* Counters for /metrics: aggregates only, never anything about a case or a person. */
#ifndef TAKEDOWN_METRICS_H
#define TAKEDOWN_METRICS_H

#include "buf.h"

/* Counts one finished request by status class and its duration. Lock-free. */
void metrics_request(int status, double ms);
/* Appends the Prometheus text exposition of every counter. */
void metrics_write(Buf *out);

#endif
