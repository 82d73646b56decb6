/* GET /staff/stats/platforms: how fast platforms act, with two charts drawn on the server as SVG
 * (no script, no chart library) and the same figures in tables for screen readers and small
 * screens. This file only lays the figures of platform_stats.c out: coordinates and labels; the
 * markup is in web/templates/staff_stats_platforms.html. */
#include "handlers.h"

#include "clock.h"
#include "platform_stats.h"
#include "results.h"

#include <stdio.h>
#include <string.h>

/* Both charts are 400 units wide, so that their text stays readable on a phone. The decision
 * chart: the platform and its median on the left, bars to the right, one row per group. */
#define PLOT_X0 110.0
#define PLOT_W 270.0
#define ROW_H 32
#define AXIS_H 28
/* The weekly chart: bars of the share within the clock, 0 to 100 %. */
#define SHARE_X0 34.0
#define SHARE_W 356.0
#define SHARE_TOP 12.0
#define SHARE_H 160.0
#define SHARE_LABELS 9 /* at most this many week labels under the bars */

static double seconds_in_hours(const json_t *v)
{
    return json_is_integer(v) ? (double)json_integer_value(v) / 3600.0 : 0.0;
}

/* "12.5" for a time in seconds, or nothing when there is none. */
static void set_hours(json_t *o, const char *name, const json_t *seconds)
{
    if (!json_is_integer(seconds))
        return;
    json_object_set_new(o, name, json_sprintf("%.1f", seconds_in_hours(seconds)));
}

/* "3/4 · 75%" for the copies within the clock of the settled ones, or nothing. */
static void set_share(json_t *o, const json_t *f)
{
    const json_t *share = json_object_get(f, "within_clock_share");
    if (!json_is_real(share))
        return;
    json_object_set_new(
        o, "within_text",
        json_sprintf("%lld/%lld · %.0f%%",
                     (long long)json_integer_value(json_object_get(f, "within_clock")),
                     (long long)json_integer_value(json_object_get(f, "settled")),
                     json_real_value(share) * 100.0));
}

/* What a table row shows of a set of figures. */
static json_t *row_of(const json_t *f)
{
    json_t *o = json_deep_copy(f);
    set_hours(o, "decision_median_h", json_object_get(f, "decision_median_s"));
    set_hours(o, "decision_p90_h", json_object_get(f, "decision_p90_s"));
    set_hours(o, "gone_median_h", json_object_get(f, "gone_median_s"));
    set_hours(o, "gone_p90_h", json_object_get(f, "gone_p90_s"));
    set_share(o, f);
    return o;
}

/* x to one decimal (x >= 0): enough for a drawing, and short in the page. */
static double tenth(double x)
{
    return (double)(long long)(x * 10.0 + 0.5) / 10.0;
}

static double larger(double a, double b)
{
    return a > b ? a : b;
}

/* A round top for the hours axis, at or above the longest time shown. */
static int axis_top(double hours)
{
    static const int tops[] = {6, 12, 24, 48, 72, 96, 120, 168, 240, 336, 504, 720};
    for (size_t i = 0; i < sizeof tops / sizeof tops[0]; i++)
        if (hours <= tops[i])
            return tops[i];
    return ((int)(hours / 720.0) + 1) * 720;
}

static double x_of(double hours, int top)
{
    return tenth(PLOT_X0 + PLOT_W * (hours / top));
}

/* The bars of the median time to decision, the 90th percentile as a line, the clock as a mark. */
static json_t *decision_chart(const json_t *groups)
{
    double longest = 1.0;
    size_t i;
    json_t *g;
    json_array_foreach(groups, i, g)
    {
        const json_t *t = json_object_get(g, "total");
        longest = larger(longest, seconds_in_hours(json_object_get(t, "decision_p90_s")));
        longest = larger(longest, (double)json_integer_value(json_object_get(g, "clock_hours")));
    }
    int top = axis_top(longest);
    json_t *rows = json_array();
    json_array_foreach(groups, i, g)
    {
        const json_t *t = json_object_get(g, "total");
        if (!json_integer_value(json_object_get(t, "copies")))
            continue;
        int y = (int)json_array_size(rows) * ROW_H;
        json_t *r = json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:s+, s:s+}", "y", y + 6, "text_y",
                              y + 13, "value_y", y + 27, "line_y", y + 14, "clock_y1", y + 2,
                              "clock_y2", y + 30, "platform_key", "platform.",
                              json_string_value(json_object_get(g, "platform")), "route_key",
                              "cw.route.", json_string_value(json_object_get(g, "route")));
        const json_t *median = json_object_get(t, "decision_median_s");
        if (json_is_integer(median)) {
            json_object_set_new(r, "has_median", json_true());
            json_object_set_new(r, "bar_w",
                                json_real(x_of(seconds_in_hours(median), top) - PLOT_X0));
            json_object_set_new(
                r, "p90_x",
                json_real(x_of(seconds_in_hours(json_object_get(t, "decision_p90_s")), top)));
            set_hours(r, "median_h", median);
        }
        const json_t *clock = json_object_get(g, "clock_hours");
        if (json_is_integer(clock)) {
            json_object_set_new(r, "clock_x",
                                json_real(x_of((double)json_integer_value(clock), top)));
            json_object_set_new(r, "clock_h", json_integer(json_integer_value(clock)));
        }
        json_array_append_new(rows, r);
    }
    int height = (int)json_array_size(rows) * ROW_H + AXIS_H;
    json_t *ticks = json_array();
    for (int k = 0; k <= 4; k++)
        json_array_append_new(ticks, json_pack("{s:f, s:i}", "x", x_of(top * k / 4.0, top), "hours",
                                               (int)(top * k / 4.0 + 0.5)));
    return json_pack("{s:o, s:o, s:i, s:i, s:i, s:f}", "rows", rows, "ticks", ticks, "height",
                     height, "axis_y", height - AXIS_H + 2, "label_y", height - 6, "plot_x0",
                     PLOT_X0);
}

/* One bar per week of all platforms' share within the clock; a week with none settled has no
 * bar. */
static json_t *share_chart(const json_t *weeks)
{
    size_t n = json_array_size(weeks);
    size_t every = n > SHARE_LABELS ? (n + SHARE_LABELS - 1) / SHARE_LABELS : 1;
    double slot = SHARE_W / (double)(n ? n : 1);
    json_t *bars = json_array();
    size_t i;
    json_t *w;
    json_array_foreach(weeks, i, w)
    {
        double x = SHARE_X0 + slot * (double)i;
        json_t *b =
            json_pack("{s:f, s:f, s:s}", "x", tenth(x + slot * 0.15), "w", tenth(slot * 0.7),
                      "week", json_string_value(json_object_get(w, "week")));
        const json_t *share = json_object_get(w, "within_clock_share");
        if (json_is_real(share)) {
            double h = tenth(SHARE_H * json_real_value(share));
            json_object_set_new(b, "h", json_real(h));
            json_object_set_new(b, "y", json_real(SHARE_TOP + SHARE_H - h));
            json_object_set_new(b, "percent", json_sprintf("%.0f", json_real_value(share) * 100.0));
            json_object_set_new(b, "text_x", json_real(tenth(x + slot / 2)));
            json_object_set_new(b, "text_y", json_real(SHARE_TOP + SHARE_H - h - 3));
        }
        const char *week = json_string_value(json_object_get(w, "week"));
        if (i % every == 0 && week && strlen(week) > 5) {
            json_object_set_new(b, "label", json_string(week + 5)); /* "W05" of "2030-W05" */
            json_object_set_new(b, "label_x", json_real(tenth(x + slot / 2)));
        }
        json_array_append_new(bars, b);
    }
    return json_pack("{s:o, s:f, s:f, s:f, s:f, s:f}", "bars", bars, "top", SHARE_TOP, "mid",
                     SHARE_TOP + SHARE_H / 2, "base", SHARE_TOP + SHARE_H, "label_y",
                     SHARE_TOP + SHARE_H + 16, "x0", SHARE_X0);
}

/* The page's figures: tables and charts from the statistics (borrowed). */
static void fill_figures(json_t *ctx, const json_t *stats)
{
    json_t *groups = json_array(), *weeks = json_array(), *offline = json_array();
    size_t i;
    json_t *g;
    json_array_foreach(json_object_get(stats, "groups"), i, g)
    {
        json_t *r = row_of(json_object_get(g, "total"));
        json_object_set_new(
            r, "platform_key",
            json_sprintf("platform.%s", json_string_value(json_object_get(g, "platform"))));
        json_object_set_new(
            r, "route_key",
            json_sprintf("cw.route.%s", json_string_value(json_object_get(g, "route"))));
        json_object_set(r, "clock_hours", json_object_get(g, "clock_hours"));
        json_object_set_new(r, "has_clock",
                            json_boolean(json_is_integer(json_object_get(g, "clock_hours"))));
        json_array_append_new(groups, r);
    }
    const json_t *all = json_object_get(stats, "all");
    json_t *w;
    json_array_foreach(json_object_get(all, "weeks"), i, w) json_array_append_new(weeks, row_of(w));
    json_array_foreach(json_object_get(json_object_get(stats, "offline"), "weeks"), i, w)
        json_array_append(offline, w);
    json_object_set_new(ctx, "groups", groups);
    json_object_set_new(ctx, "all_rows", json_pack("[o]", row_of(json_object_get(all, "total"))));
    json_object_set_new(ctx, "weeks", weeks);
    json_object_set_new(ctx, "offline", offline);
    json_object_set(ctx, "offline_total",
                    json_object_get(json_object_get(stats, "offline"), "total"));
    json_object_set_new(ctx, "decision_chart", decision_chart(json_object_get(stats, "groups")));
    json_object_set_new(ctx, "share_chart", share_chart(json_object_get(all, "weeks")));
    json_object_set_new(
        ctx, "has_copies",
        json_boolean(json_integer_value(json_object_get(json_object_get(all, "total"), "copies"))));
}

int page_staff_stats_platforms(Request *req)
{
    const char *from = http_query(req, "from"), *to = http_query(req, "to");
    int64_t now = clock_now();
    PstatsPeriod p;
    json_t *stats = NULL;
    PstatsResult r = platform_stats_period(from, to, now, &p);
    if (r == PSTATS_OK)
        r = platform_stats_compute(&p, now, &stats);
    ResultReply rr = results_of_pstats(r);
    if (r != PSTATS_OK && rr.status != 400)
        return results_reply(req, rr);
    json_t *ctx = page_staff_ctx(req, "cw.pstats.title");
    if (r != PSTATS_OK) {
        /* The form again, as typed, with the field at fault marked. */
        json_object_set_new(ctx, "form",
                            json_pack("{s:s, s:s}", "from", from ? from : "", "to", to ? to : ""));
        json_object_set_new(ctx, "error",
                            json_pack("{s:s, s:s}", "key", rr.key, "field", rr.field));
        return http_reply_page(req, 400, "staff_stats_platforms", ctx);
    }
    json_object_set_new(ctx, "form", json_pack("{s:s, s:s}", "from", p.from_date, "to", p.to_date));
    char csv[96];
    snprintf(csv, sizeof csv, "/api/v1/stats/platforms.csv?from=%s&to=%s", p.from_date, p.to_date);
    json_object_set_new(ctx, "csv", json_string(csv));
    fill_figures(ctx, stats);
    json_decref(stats);
    return http_reply_page(req, 200, "staff_stats_platforms", ctx);
}
