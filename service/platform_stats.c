/* How fast platforms act: the period, the ISO weeks, the figures and their percentiles, and the
 * CSV and text forms of them. Definitions in platform_stats.h. */
#include "platform_stats.h"

#include "store.h"
#include "store_registry.h"
#include "store_stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DAY 86400
/* The offline outcomes, in the order they are reported. */
static const char *const OFFLINE_OUTCOMES[] = {"visited_deleted", "visited_sealed",
                                               "visited_refused", "unreachable"};
#define NOFFLINE (sizeof OFFLINE_OUTCOMES / sizeof OFFLINE_OUTCOMES[0])

/* ---- days, dates and weeks ---- */

static int64_t day_of(int64_t t)
{
    int64_t local = t + PSTATS_UTC_OFFSET;
    return local >= 0 ? local / DAY : -((-local + DAY - 1) / DAY);
}

static void date_of_day(int64_t day, char out[11])
{
    time_t t = (time_t)(day * DAY);
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, 11, "%04u-%02u-%02u", (unsigned)(tm.tm_year + 1900) % 10000u,
             (unsigned)(tm.tm_mon + 1) % 100u, (unsigned)tm.tm_mday % 100u);
}

/* "YYYY-MM-DD", a real calendar day from 2000 to 2200, to its day number; -1 otherwise. */
static int64_t day_of_date(const char *s)
{
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return -1;
    int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
    if (y < 2000 || y > 2200 || m < 1 || m > 12 || d < 1 || d > 31)
        return -1;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d};
    int64_t day = (int64_t)timegm(&tm) / DAY;
    char back[11];
    date_of_day(day, back); /* 2026-02-30 comes back as 2026-03-02: not a day */
    return strcmp(back, s) == 0 ? day : -1;
}

/* The Monday of a day's ISO week (1970-01-01 was a Thursday). */
static int64_t monday_of(int64_t day)
{
    int64_t wd = ((day + 3) % 7 + 7) % 7; /* Monday 0 */
    return day - wd;
}

void platform_stats_week_label(int64_t day, char out[9])
{
    /* The ISO year is the year of the week's Thursday; the week its ordinal in that year. */
    time_t t = (time_t)((monday_of(day) + 3) * DAY);
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, 9, "%04u-W%02u", (unsigned)(tm.tm_year + 1900) % 10000u,
             (unsigned)(tm.tm_yday / 7 + 1) % 100u);
}

PstatsResult platform_stats_period(const char *from, const char *to, int64_t now, PstatsPeriod *out)
{
    memset(out, 0, sizeof *out);
    int has_from = from && *from, has_to = to && *to;
    int64_t to_day = has_to ? day_of_date(to) : day_of(now);
    if (has_to && to_day < 0)
        return PSTATS_BAD_TO;
    int64_t from_day =
        has_from ? day_of_date(from) : monday_of(to_day) - 7 * (PSTATS_DEFAULT_WEEKS - 1);
    if (has_from && from_day < 0)
        return PSTATS_BAD_FROM;
    if (to_day < from_day)
        return PSTATS_REVERSED;
    if (to_day - from_day + 1 > PSTATS_MAX_DAYS)
        return PSTATS_TOO_LONG;
    out->from_day = from_day;
    out->to_day = to_day;
    out->from = from_day * DAY - PSTATS_UTC_OFFSET;
    out->to = (to_day + 1) * DAY - PSTATS_UTC_OFFSET;
    date_of_day(from_day, out->from_date);
    date_of_day(to_day, out->to_date);
    return PSTATS_OK;
}

const char *platform_stats_field(PstatsResult r)
{
    switch (r) {
    case PSTATS_BAD_FROM:
    case PSTATS_REVERSED:
    case PSTATS_TOO_LONG:
        return "from";
    case PSTATS_BAD_TO:
        return "to";
    default:
        return NULL;
    }
}

int64_t platform_stats_percentile(const int64_t *sorted, size_t n, int p)
{
    if (n == 0 || p < 1 || p > 100)
        return -1;
    size_t rank = ((size_t)p * n + 99) / 100; /* ceil(p/100 * n), at least 1 */
    return sorted[rank - 1];
}

/* ---- the figures ---- */

typedef struct Durations {
    int64_t *v; /* owned */
    size_t n, cap;
} Durations;

typedef struct Figures {
    int64_t notices, copies, decided, removed, restricted, rejected, gone, within, settled,
        reuploads;
    int64_t overdue; /* -1: not counted here (a week) */
    Durations decision, gone_times;
} Figures;

typedef struct Group {
    char platform[24], route[24];
    int clock_hours; /* -1: not known */
    Figures total;
    Figures *weeks; /* owned: one per week of the period */
} Group;

typedef struct Compute {
    const PstatsPeriod *p;
    int64_t now, first_monday;
    size_t nweeks;
    Group *groups; /* owned */
    size_t ngroups, cap;
    Group all;
    int64_t offline_total[NOFFLINE];
    int64_t (*offline_weeks)[NOFFLINE]; /* owned: one per week */
} Compute;

static void durations_push(Durations *d, int64_t v)
{
    d->v = xgrow(d->v, d->n, &d->cap, sizeof *d->v, 16);
    d->v[d->n++] = v;
}

static void group_init(Group *g, const char *platform, const char *route, size_t nweeks)
{
    memset(g, 0, sizeof *g);
    snprintf(g->platform, sizeof g->platform, "%s", platform);
    snprintf(g->route, sizeof g->route, "%s", route);
    g->clock_hours = -1;
    g->weeks = xcalloc(nweeks ? nweeks : 1, sizeof *g->weeks);
    for (size_t i = 0; i < nweeks; i++)
        g->weeks[i].overdue = -1;
}

static void figures_free(Figures *f)
{
    free(f->decision.v);
    free(f->gone_times.v);
}

static void group_free(Group *g, size_t nweeks)
{
    figures_free(&g->total);
    for (size_t i = 0; g->weeks && i < nweeks; i++)
        figures_free(&g->weeks[i]);
    free(g->weeks);
}

static Group *group_of(Compute *cx, const char *platform, const char *route)
{
    for (size_t i = 0; i < cx->ngroups; i++)
        if (!strcmp(cx->groups[i].platform, platform) && !strcmp(cx->groups[i].route, route))
            return &cx->groups[i];
    cx->groups = xgrow(cx->groups, cx->ngroups, &cx->cap, sizeof *cx->groups, 8);
    Group *g = &cx->groups[cx->ngroups++];
    group_init(g, platform, route, cx->nweeks);
    return g;
}

/* The week of a time inside the period. */
static size_t week_of(const Compute *cx, int64_t t)
{
    int64_t w = (day_of(t) - cx->first_monday) / 7;
    if (w < 0)
        return 0;
    return (size_t)w < cx->nweeks ? (size_t)w : cx->nweeks - 1;
}

/* The four places a fact counts: its group's week and total, and all platforms' week and total. */
typedef struct Places {
    Figures *f[4];
} Places;

static Places places_of(Compute *cx, const char *platform, const char *route, int64_t t)
{
    Group *g = group_of(cx, platform, route);
    size_t w = week_of(cx, t);
    return (Places){{&g->weeks[w], &g->total, &cx->all.weeks[w], &cx->all.total}};
}

static void figures_add_copy(Figures *f, const PstatNoticeRow *r, int64_t now)
{
    f->copies++;
    int decided = r->decision[0] != '\0';
    int removed = !strcmp(r->decision, "removed"), restricted = !strcmp(r->decision, "restricted");
    if (decided) {
        f->decided++;
        f->removed += removed;
        f->restricted += restricted;
        f->rejected += !strcmp(r->decision, "rejected");
        durations_push(&f->decision, r->decided_at - r->sent_at);
    }
    if (r->gone_at) {
        f->gone++;
        durations_push(&f->gone_times, r->gone_at - r->sent_at);
    }
    if ((removed || restricted) && r->clock_due && r->decided_at <= r->clock_due)
        f->within++;
    if (decided || (strcmp(r->state, "withdrawn") != 0 && r->clock_due && r->clock_due <= now))
        f->settled++;
}

static void on_notice(void *arg, const PstatNoticeRow *r)
{
    Compute *cx = arg;
    Places at = places_of(cx, r->platform, r->route, r->sent_at);
    for (int i = 0; i < 4; i++) {
        at.f[i]->notices++;
        if (r->first)
            figures_add_copy(at.f[i], r, cx->now);
    }
}

static void on_reupload(void *arg, const char *platform, const char *route, int64_t t)
{
    Compute *cx = arg;
    Places at = places_of(cx, platform, route, t);
    for (int i = 0; i < 4; i++)
        at.f[i]->reuploads++;
}

static void on_overdue(void *arg, const char *platform, const char *route, int64_t n)
{
    Compute *cx = arg;
    group_of(cx, platform, route)->total.overdue += n;
    cx->all.total.overdue += n;
}

static void on_offline(void *arg, const char *outcome, int64_t t)
{
    Compute *cx = arg;
    for (size_t i = 0; i < NOFFLINE; i++)
        if (!strcmp(outcome, OFFLINE_OUTCOMES[i])) {
            cx->offline_total[i]++;
            cx->offline_weeks[week_of(cx, t)][i]++;
        }
}

/* ---- the clocks of the registry, for the charts ---- */

typedef struct Clocks {
    PlatformRow *platforms; /* owned */
    size_t np, capp;
    RouteRow *routes; /* owned */
    size_t nr, capr;
} Clocks;

static void on_platform(void *arg, const PlatformRow *p)
{
    Clocks *k = arg;
    k->platforms = xgrow(k->platforms, k->np, &k->capp, sizeof *k->platforms, 32);
    k->platforms[k->np++] = *p;
}

static void on_route(void *arg, const RouteRow *r)
{
    Clocks *k = arg;
    k->routes = xgrow(k->routes, k->nr, &k->capr, sizeof *k->routes, 8);
    k->routes[k->nr++] = *r;
}

/* A notice on the platform's own route runs on the platform's clock when it has one, as
 * casework_transition sets it; on another route, on that route's clock. */
static int clock_of(const Clocks *k, const char *platform, const char *route)
{
    for (size_t i = 0; i < k->np; i++)
        if (!strcmp(k->platforms[i].id, platform) && !strcmp(k->platforms[i].route, route) &&
            k->platforms[i].clock_hours >= 0)
            return k->platforms[i].clock_hours;
    for (size_t i = 0; i < k->nr; i++)
        if (!strcmp(k->routes[i].id, route))
            return k->routes[i].clock_hours;
    return -1;
}

/* ---- JSON ---- */

static int durations_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static json_t *percentile_json(Durations *d, int p)
{
    if (d->n) /* qsort of no elements may get a NULL array, which C does not allow */
        qsort(d->v, d->n, sizeof *d->v, durations_cmp);
    int64_t v = platform_stats_percentile(d->v, d->n, p);
    return v < 0 ? json_null() : json_integer(v);
}

static json_t *figures_json(Figures *f)
{
    json_t *o = json_object();
    json_object_set_new(o, "notices", json_integer(f->notices));
    json_object_set_new(o, "copies", json_integer(f->copies));
    json_object_set_new(o, "decided", json_integer(f->decided));
    json_object_set_new(o, "removed", json_integer(f->removed));
    json_object_set_new(o, "restricted", json_integer(f->restricted));
    json_object_set_new(o, "rejected", json_integer(f->rejected));
    json_object_set_new(o, "decision_median_s", percentile_json(&f->decision, 50));
    json_object_set_new(o, "decision_p90_s", percentile_json(&f->decision, 90));
    json_object_set_new(o, "verified_gone", json_integer(f->gone));
    json_object_set_new(o, "gone_median_s", percentile_json(&f->gone_times, 50));
    json_object_set_new(o, "gone_p90_s", percentile_json(&f->gone_times, 90));
    json_object_set_new(o, "within_clock", json_integer(f->within));
    json_object_set_new(o, "settled", json_integer(f->settled));
    json_object_set_new(o, "within_clock_share",
                        f->settled ? json_real((double)f->within / (double)f->settled)
                                   : json_null());
    json_object_set_new(o, "reuploads", json_integer(f->reuploads));
    json_object_set_new(o, "overdue", f->overdue < 0 ? json_null() : json_integer(f->overdue));
    return o;
}

static void week_names(const Compute *cx, size_t w, json_t *o)
{
    char label[9], start[11];
    int64_t monday = cx->first_monday + 7 * (int64_t)w;
    platform_stats_week_label(monday, label);
    date_of_day(monday, start);
    json_object_set_new(o, "week", json_string(label));
    json_object_set_new(o, "start", json_string(start));
}

static json_t *group_json(const Compute *cx, Group *g)
{
    json_t *weeks = json_array();
    for (size_t w = 0; w < cx->nweeks; w++) {
        json_t *o = figures_json(&g->weeks[w]);
        week_names(cx, w, o);
        json_array_append_new(weeks, o);
    }
    return json_pack("{s:s, s:s, s:o, s:o, s:o}", "platform", g->platform, "route", g->route,
                     "clock_hours", g->clock_hours < 0 ? json_null() : json_integer(g->clock_hours),
                     "total", figures_json(&g->total), "weeks", weeks);
}

static json_t *offline_json(const Compute *cx)
{
    json_t *total = json_object(), *weeks = json_array();
    for (size_t i = 0; i < NOFFLINE; i++)
        json_object_set_new(total, OFFLINE_OUTCOMES[i], json_integer(cx->offline_total[i]));
    for (size_t w = 0; w < cx->nweeks; w++) {
        json_t *o = json_object();
        week_names(cx, w, o);
        for (size_t i = 0; i < NOFFLINE; i++)
            json_object_set_new(o, OFFLINE_OUTCOMES[i], json_integer(cx->offline_weeks[w][i]));
        json_array_append_new(weeks, o);
    }
    return json_pack("{s:o, s:o}", "total", total, "weeks", weeks);
}

static int group_cmp(const void *a, const void *b)
{
    const Group *x = a, *y = b;
    int c = strcmp(x->platform, y->platform);
    return c ? c : strcmp(x->route, y->route);
}

static PstatsResult from_store(StoreStatus st)
{
    switch (st) {
    case STORE_OK:
        return PSTATS_OK;
    case STORE_BUSY:
        return PSTATS_BUSY;
    case STORE_UNAVAILABLE:
        return PSTATS_UNAVAILABLE;
    default:
        return PSTATS_ERROR;
    }
}

static StoreStatus read_all(StoreConn *c, Compute *cx, Clocks *k)
{
    const PstatsPeriod *p = cx->p;
    StoreStatus st = store_pstats_notices(c, p->from, p->to, on_notice, cx);
    if (st == STORE_OK)
        st = store_pstats_reuploads(c, p->from, p->to, on_reupload, cx);
    if (st == STORE_OK)
        st = store_pstats_overdue(c, cx->now, on_overdue, cx);
    if (st == STORE_OK)
        st = store_pstats_offline(c, p->from, p->to, on_offline, cx);
    if (st == STORE_OK)
        st = store_platforms(c, on_platform, k);
    if (st == STORE_OK)
        st = store_routes(c, on_route, k);
    return st;
}

PstatsResult platform_stats_compute(const PstatsPeriod *p, int64_t now, json_t **out)
{
    *out = NULL;
    StoreConn *c = store_conn();
    if (!c)
        return PSTATS_ERROR;
    Compute cx = {.p = p, .now = now, .first_monday = monday_of(p->from_day)};
    cx.nweeks = (size_t)((p->to_day - cx.first_monday) / 7 + 1);
    group_init(&cx.all, "all", "all", cx.nweeks);
    cx.offline_weeks = xcalloc(cx.nweeks, sizeof *cx.offline_weeks);
    Clocks k = {0};
    PstatsResult r = from_store(read_all(c, &cx, &k));
    if (r == PSTATS_OK) {
        if (cx.ngroups) /* none yet: groups is NULL, which qsort may not get */
            qsort(cx.groups, cx.ngroups, sizeof *cx.groups, group_cmp);
        json_t *weeks = json_array(), *groups = json_array();
        for (size_t w = 0; w < cx.nweeks; w++) {
            json_t *o = json_object();
            week_names(&cx, w, o);
            json_array_append_new(weeks, o);
        }
        for (size_t i = 0; i < cx.ngroups; i++) {
            cx.groups[i].clock_hours = clock_of(&k, cx.groups[i].platform, cx.groups[i].route);
            json_array_append_new(groups, group_json(&cx, &cx.groups[i]));
        }
        *out = json_pack("{s:s, s:s, s:I, s:s, s:s, s:o, s:o, s:o, s:o}", "from", p->from_date,
                         "to", p->to_date, "now", (json_int_t)now, "utc_offset", "+08:00",
                         "percentile", "nearest-rank", "weeks", weeks, "groups", groups, "all",
                         group_json(&cx, &cx.all), "offline", offline_json(&cx));
    }
    for (size_t i = 0; i < cx.ngroups; i++)
        group_free(&cx.groups[i], cx.nweeks);
    free(cx.groups);
    group_free(&cx.all, cx.nweeks);
    free(cx.offline_weeks);
    free(k.platforms);
    free(k.routes);
    return r;
}

/* ---- CSV and text ---- */

static const char *const CSV_FIGURES[] = {"notices",           "copies",
                                          "decided",           "removed",
                                          "restricted",        "rejected",
                                          "decision_median_s", "decision_p90_s",
                                          "verified_gone",     "gone_median_s",
                                          "gone_p90_s",        "within_clock",
                                          "settled",           "within_clock_share",
                                          "reuploads",         "overdue"};
#define NFIGURES (sizeof CSV_FIGURES / sizeof CSV_FIGURES[0])

/* One field, quoted when it holds a comma, a quote, CR or LF (quotes doubled), as RFC 4180 says. */
static void csv_field(Buf *out, const char *s)
{
    if (strcspn(s, ",\"\r\n") == strlen(s)) {
        buf_puts(out, s);
        return;
    }
    buf_putc(out, '"');
    for (; *s; s++) {
        if (*s == '"')
            buf_putc(out, '"');
        buf_putc(out, *s);
    }
    buf_putc(out, '"');
}

/* A number as the CSV and the text table write it: integers as is, shares with 4 decimals,
 * null as nothing. */
static void number_text(const json_t *v, char *out, size_t n)
{
    if (json_is_integer(v))
        snprintf(out, n, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        snprintf(out, n, "%.4f", json_real_value(v));
    else if (json_is_string(v))
        snprintf(out, n, "%s", json_string_value(v));
    else
        out[0] = '\0';
}

static void csv_row(Buf *out, const char *week, const char *start, const char *platform,
                    const char *route, const json_t *clock, const json_t *figures,
                    const json_t *offline)
{
    char v[40];
    csv_field(out, week);
    buf_putc(out, ',');
    csv_field(out, start);
    buf_putc(out, ',');
    csv_field(out, platform);
    buf_putc(out, ',');
    csv_field(out, route);
    buf_putc(out, ',');
    number_text(clock, v, sizeof v);
    csv_field(out, v);
    for (size_t i = 0; i < NFIGURES; i++) {
        number_text(figures ? json_object_get(figures, CSV_FIGURES[i]) : NULL, v, sizeof v);
        buf_putc(out, ',');
        csv_field(out, v);
    }
    for (size_t i = 0; i < NOFFLINE; i++) {
        number_text(offline ? json_object_get(offline, OFFLINE_OUTCOMES[i]) : NULL, v, sizeof v);
        buf_putc(out, ',');
        csv_field(out, v);
    }
    buf_puts(out, "\r\n");
}

static void csv_group(Buf *out, const json_t *stats, const json_t *g)
{
    const char *platform = json_string_value(json_object_get(g, "platform"));
    const char *route = json_string_value(json_object_get(g, "route"));
    const json_t *clock = json_object_get(g, "clock_hours");
    size_t i;
    json_t *w;
    json_array_foreach(json_object_get(g, "weeks"), i, w)
        csv_row(out, json_string_value(json_object_get(w, "week")),
                json_string_value(json_object_get(w, "start")), platform, route, clock, w, NULL);
    csv_row(out, "total", json_string_value(json_object_get(stats, "from")), platform, route, clock,
            json_object_get(g, "total"), NULL);
}

void platform_stats_csv(const json_t *stats, Buf *out)
{
    buf_puts(out, "week,week_start,platform,route,clock_hours");
    for (size_t i = 0; i < NFIGURES; i++)
        buf_printf(out, ",%s", CSV_FIGURES[i]);
    for (size_t i = 0; i < NOFFLINE; i++)
        buf_printf(out, ",%s", OFFLINE_OUTCOMES[i]);
    buf_puts(out, "\r\n");
    size_t i;
    json_t *g;
    json_array_foreach(json_object_get(stats, "groups"), i, g) csv_group(out, stats, g);
    csv_group(out, stats, json_object_get(stats, "all"));
    const json_t *off = json_object_get(stats, "offline");
    json_t *w;
    json_array_foreach(json_object_get(off, "weeks"), i, w) csv_row(
        out, json_string_value(json_object_get(w, "week")),
        json_string_value(json_object_get(w, "start")), "offline", "offline_visit", NULL, NULL, w);
    csv_row(out, "total", json_string_value(json_object_get(stats, "from")), "offline",
            "offline_visit", NULL, NULL, json_object_get(off, "total"));
}

/* Whether a week row has anything to show in the text table. */
static int week_has_work(const json_t *w)
{
    return json_integer_value(json_object_get(w, "notices")) ||
           json_integer_value(json_object_get(w, "reuploads"));
}

static void text_row(Buf *out, const char *week, const char *platform, const char *route,
                     const json_t *f)
{
    char cols[NFIGURES][40];
    for (size_t i = 0; i < NFIGURES; i++)
        number_text(json_object_get(f, CSV_FIGURES[i]), cols[i], sizeof cols[i]);
    buf_printf(out, "%-9s %-16s %-16s", week, platform, route);
    for (size_t i = 0; i < NFIGURES; i++)
        buf_printf(out, " %s=%s", CSV_FIGURES[i], cols[i][0] ? cols[i] : "-");
    buf_putc(out, '\n');
}

static void text_group(Buf *out, const json_t *g)
{
    const char *platform = json_string_value(json_object_get(g, "platform"));
    const char *route = json_string_value(json_object_get(g, "route"));
    char clock[24];
    number_text(json_object_get(g, "clock_hours"), clock, sizeof clock);
    buf_printf(out, "%s %s (clock %s h)\n", platform, route, clock[0] ? clock : "-");
    text_row(out, "total", platform, route, json_object_get(g, "total"));
    size_t i;
    json_t *w;
    json_array_foreach(json_object_get(g, "weeks"), i, w) if (week_has_work(w))
        text_row(out, json_string_value(json_object_get(w, "week")), platform, route, w);
}

void platform_stats_text(const json_t *stats, Buf *out)
{
    buf_printf(out,
               "platform statistics %s to %s (UTC+8, ISO weeks; times in seconds; median and "
               "p90 by nearest rank)\n",
               json_string_value(json_object_get(stats, "from")),
               json_string_value(json_object_get(stats, "to")));
    size_t i;
    json_t *g;
    json_array_foreach(json_object_get(stats, "groups"), i, g) text_group(out, g);
    text_group(out, json_object_get(stats, "all"));
    const json_t *off = json_object_get(stats, "offline");
    buf_puts(out, "offline outcomes\n");
    const json_t *total = json_object_get(off, "total");
    buf_printf(out, "%-9s", "total");
    for (size_t k = 0; k < NOFFLINE; k++)
        buf_printf(out, " %s=%lld", OFFLINE_OUTCOMES[k],
                   (long long)json_integer_value(json_object_get(total, OFFLINE_OUTCOMES[k])));
    buf_putc(out, '\n');
    json_t *w;
    json_array_foreach(json_object_get(off, "weeks"), i, w)
    {
        int64_t any = 0;
        for (size_t k = 0; k < NOFFLINE; k++)
            any += json_integer_value(json_object_get(w, OFFLINE_OUTCOMES[k]));
        if (!any)
            continue;
        buf_printf(out, "%-9s", json_string_value(json_object_get(w, "week")));
        for (size_t k = 0; k < NOFFLINE; k++)
            buf_printf(out, " %s=%lld", OFFLINE_OUTCOMES[k],
                       (long long)json_integer_value(json_object_get(w, OFFLINE_OUTCOMES[k])));
        buf_putc(out, '\n');
    }
}
