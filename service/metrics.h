/* Counters for /metrics: aggregates only, never anything about a case or a person. */
#ifndef TAKEDOWN_METRICS_H
#define TAKEDOWN_METRICS_H

#include "buf.h"
#include "route.h"

#include <stddef.h>

/* The route table requests are counted by (their patterns label the series); metrics_routes_free
 * forgets it at the end. */
void metrics_routes(const Route *routes, size_t n);
void metrics_routes_free(void);
/* Counts one finished request: by status class, and by its route (NULL: none matched), method and
 * status class, with its duration. Lock-free. */
void metrics_request(const Route *route, unsigned method, int status, double ms);
/* Appends the Prometheus text exposition of every counter. */
void metrics_write(Buf *out);

#endif
