/* GET /api/v1/stats/platforms and its CSV: how fast platforms act, for a period given as
 * ?from=YYYY-MM-DD&to=YYYY-MM-DD (default: the last PSTATS_DEFAULT_WEEKS ISO weeks). The figures
 * come from platform_stats.c, as on the page and in `takedownctl stats --platforms`. */
#include "handlers.h"

#include "clock.h"
#include "platform_stats.h"
#include "results.h"

#include <stdio.h>

/* The figures of the period the query asks for, as at the service's clock. */
static PstatsResult stats_of_query(Request *req, json_t **out)
{
    int64_t now = clock_now();
    PstatsPeriod p;
    PstatsResult r = platform_stats_period(http_query(req, "from"), http_query(req, "to"), now, &p);
    return r == PSTATS_OK ? platform_stats_compute(&p, now, out) : r;
}

int api_stats_platforms(Request *req)
{
    json_t *out = NULL;
    PstatsResult r = stats_of_query(req, &out);
    if (r != PSTATS_OK)
        return results_reply(req, results_of_pstats(r));
    return http_reply_json(req, 200, out);
}

int api_stats_platforms_csv(Request *req)
{
    json_t *out = NULL;
    PstatsResult r = stats_of_query(req, &out);
    if (r != PSTATS_OK)
        return results_reply(req, results_of_pstats(r));
    Buf csv = {0};
    platform_stats_csv(out, &csv);
    char disposition[96];
    snprintf(disposition, sizeof disposition, "attachment; filename=\"platform-stats-%s-%s.csv\"",
             json_string_value(json_object_get(out, "from")),
             json_string_value(json_object_get(out, "to")));
    json_decref(out);
    http_set_header(req, "Content-Disposition", disposition);
    int st = http_reply_text(req, 200, "text/csv; charset=utf-8", csv.data, csv.len);
    buf_free(&csv);
    return st;
}
