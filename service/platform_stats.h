/* How fast platforms act (issue 14): per platform and route, per ISO week and for a period, from
 * workflow metadata only (nothing decrypted, no key needed). The one place the figures are made:
 * the JSON API, the CSV export, the staff page and `takedownctl stats --platforms` all use it.
 *
 * Definitions (docs/operations.md, "Platform statistics"):
 * - A copy counts in the week of its first notice; times run from that notice.
 * - Time to decision: to the platform's first decision after it (removed, restricted, rejected).
 * - Time to verified gone: to the copy's first verified_gone after it.
 * - Median and 90th percentile by nearest rank over the copies that have the time: the value at
 *   rank ceil(p/100 * n) of the n values in ascending order (the median of an even count is the
 *   lower middle value); none when n = 0. Values are whole seconds of recorded times.
 * - Within the clock: the first decision is removed or restricted, at or before the deadline of
 *   the notice in force then (the last one sent before it; a needs_info round restarts the clock).
 *   The share is of the settled copies: those decided, and those whose deadline has passed at now
 *   (a copy the victim withdrew undecided is not settled).
 * - Days and weeks are China time (UTC+8), weeks ISO 8601 (Monday to Sunday).
 */
#ifndef TAKEDOWN_PLATFORM_STATS_H
#define TAKEDOWN_PLATFORM_STATS_H

#include "buf.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* The longest period one request may ask for, in days (both ends included). */
#define PSTATS_MAX_DAYS 366
/* The period when none is given: this many ISO weeks up to today, today's week included. */
#define PSTATS_DEFAULT_WEEKS 12
/* China Standard Time, the days and weeks the figures are counted in. */
#define PSTATS_UTC_OFFSET (8 * 3600)

typedef enum PstatsResult {
    PSTATS_OK = 0,
    PSTATS_BAD_FROM,    /* from is not a date YYYY-MM-DD (2000 to 2200) */
    PSTATS_BAD_TO,      /* to is not a date YYYY-MM-DD (2000 to 2200) */
    PSTATS_REVERSED,    /* to is before from */
    PSTATS_TOO_LONG,    /* more than PSTATS_MAX_DAYS days */
    PSTATS_BUSY,        /* the store is busy: try again */
    PSTATS_UNAVAILABLE, /* the store cannot be read */
    PSTATS_ERROR,
} PstatsResult;

typedef struct PstatsPeriod {
    int64_t from_day, to_day; /* days since 1970-01-01 in China time, both included */
    int64_t from, to;         /* the same as seconds: [from, to) */
    char from_date[11], to_date[11];
} PstatsPeriod;

/* The period of from and to (YYYY-MM-DD, both days included; NULL or "" for the default: to is
 * today at now, from the Monday PSTATS_DEFAULT_WEEKS - 1 weeks before to's week). */
PstatsResult platform_stats_period(const char *from, const char *to, int64_t now,
                                   PstatsPeriod *out);
/* The request field a result other than OK names ("from" or "to"), or NULL. */
const char *platform_stats_field(PstatsResult r);
/* The p-th percentile (1..100) of n values sorted ascending, by nearest rank; -1 when n is 0. */
int64_t platform_stats_percentile(const int64_t *sorted, size_t n, int p);
/* The ISO week label ("2026-W05") of a day (days since 1970-01-01) into out[9]. */
void platform_stats_week_label(int64_t day, char out[9]);

/* The figures of the period as at now (the overdue backlog and whether a clock has run out):
 * {"from", "to", "now", "utc_offset", "percentile", "weeks": [{"week", "start"}], "groups":
 * [{"platform", "route", "clock_hours", "total": FIGURES, "weeks": [FIGURES + week, start]}],
 * "all": the same over every group, "offline": {"total", "weeks"}} (*out owned by the caller). */
PstatsResult platform_stats_compute(const PstatsPeriod *p, int64_t now, json_t **out);
/* The figures as CSV (RFC 4180, CRLF): a header, then per group its week rows and a "total" row,
 * the same for all platforms, then the offline outcomes. */
void platform_stats_csv(const json_t *stats, Buf *out);
/* The figures as a plain-text table for a terminal: the totals, then the weeks with any work. */
void platform_stats_text(const json_t *stats, Buf *out);

#endif
