/* Fixed-bucket histograms, counted with atomics. */
#include "histogram.h"

/* From 5 ms to 10 s: a page answers in milliseconds, an Argon2id sign-in in a fraction of a
 * second, a link check or a commit on a loaded disk in seconds. */
static const double bounds[HISTOGRAM_BUCKETS - 1] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                     0.5,   1,    2.5,   5,    10};
static const char *const bound_text[HISTOGRAM_BUCKETS] = {
    "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"};

void histogram_add(Histogram *h, double seconds)
{
    int i = 0;
    while (i < HISTOGRAM_BUCKETS - 1 && seconds > bounds[i])
        i++;
    atomic_fetch_add(&h->count[i], 1);
    atomic_fetch_add(&h->micros, (unsigned long)(seconds > 0 ? seconds * 1e6 : 0));
}

unsigned long histogram_total(const Histogram *h)
{
    unsigned long n = 0;
    for (int i = 0; i < HISTOGRAM_BUCKETS; i++)
        n += atomic_load(&h->count[i]);
    return n;
}

void histogram_write(Buf *out, const char *name, const char *labels, const Histogram *h)
{
    const char *sep = labels[0] ? "," : "";
    unsigned long cumulative = 0;
    for (int i = 0; i < HISTOGRAM_BUCKETS; i++) {
        cumulative += atomic_load(&h->count[i]);
        buf_printf(out, "%s_bucket{%s%sle=\"%s\"} %lu\n", name, labels, sep, bound_text[i],
                   cumulative);
    }
    const char *open = labels[0] ? "{" : "", *close = labels[0] ? "}" : "";
    buf_printf(out, "%s_sum%s%s%s %.6f\n%s_count%s%s%s %lu\n", name, open, labels, close,
               (double)atomic_load(&h->micros) / 1e6, name, open, labels, close, cumulative);
}
