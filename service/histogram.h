/* Latency histograms for /metrics: fixed buckets (seconds), lock-free counts, written in the
 * Prometheus text format. A bottom module: the store and the slow-work pool keep their own. */
#ifndef TAKEDOWN_HISTOGRAM_H
#define TAKEDOWN_HISTOGRAM_H

#include "buf.h"

#include <stdatomic.h>

#define HISTOGRAM_BUCKETS 12 /* 11 upper bounds and +Inf */

typedef struct Histogram {
    atomic_ulong count[HISTOGRAM_BUCKETS]; /* not cumulative: each its own bucket */
    atomic_ulong micros;                   /* the sum, in microseconds */
} Histogram;

void histogram_add(Histogram *h, double seconds);
/* How many were added. */
unsigned long histogram_total(const Histogram *h);
/* name_bucket{labels,le="..."} (cumulative), name_sum{labels} and name_count{labels}; labels is
 * "" or already-escaped pairs such as route="/x",method="GET". The caller writes HELP and TYPE. */
void histogram_write(Buf *out, const char *name, const char *labels, const Histogram *h);

#endif
