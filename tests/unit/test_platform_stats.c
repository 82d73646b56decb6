/* The pieces of the platform statistics that need no database: the nearest-rank percentile on
 * both sides of each rank, the period's limits (dates, order, length, the default), ISO week
 * labels at year ends, and RFC 4180 quoting in the CSV. */
#include "platform_stats.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#define DAY 86400

static void test_percentile_nearest_rank(void **state)
{
    (void)state;
    const int64_t one[] = {7};
    assert_int_equal(platform_stats_percentile(one, 1, 50), 7);
    assert_int_equal(platform_stats_percentile(one, 1, 90), 7);
    assert_int_equal(platform_stats_percentile(one, 0, 50), -1); /* none */
    const int64_t four[] = {20, 40, 50, 80};
    assert_int_equal(platform_stats_percentile(four, 4, 50), 40); /* the lower middle */
    assert_int_equal(platform_stats_percentile(four, 4, 90), 80); /* rank ceil(3.6) = 4 */
    assert_int_equal(platform_stats_percentile(four, 4, 75), 50); /* rank 3 exactly */
    assert_int_equal(platform_stats_percentile(four, 4, 76), 80); /* just over: rank 4 */
    assert_int_equal(platform_stats_percentile(four, 4, 1), 20);
    assert_int_equal(platform_stats_percentile(four, 4, 100), 80);
    const int64_t ten[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    assert_int_equal(platform_stats_percentile(ten, 10, 90), 9);  /* rank 9 exactly */
    assert_int_equal(platform_stats_percentile(ten, 10, 91), 10); /* rank ceil(9.1) = 10 */
    assert_int_equal(platform_stats_percentile(ten, 10, 0), -1);
    assert_int_equal(platform_stats_percentile(ten, 10, 101), -1);
}

/* Seconds at a China-time moment. */
static int64_t china(int y, int mo, int d, int h)
{
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h};
    return (int64_t)timegm(&tm) - 8 * 3600;
}

static void test_period_limits(void **state)
{
    (void)state;
    PstatsPeriod p;
    int64_t now = china(2030, 1, 18, 9);
    assert_int_equal(platform_stats_period("2030-01-07", "2030-01-20", now, &p), PSTATS_OK);
    assert_int_equal(p.from, china(2030, 1, 7, 0));
    assert_int_equal(p.to, china(2030, 1, 21, 0)); /* to's day included */
    assert_string_equal(p.from_date, "2030-01-07");
    assert_string_equal(p.to_date, "2030-01-20");
    /* Dates: only real days written YYYY-MM-DD, from 2000 to 2200. */
    const char *bad[] = {"2030-02-29", "2030-02-30", "2030-13-01", "2030-00-10",
                         "2030-1-07",  "30-01-07",   "2030/01/07", "2030-01-07 ",
                         "1999-12-31", "2201-01-01", "+030-01-07", "abcd-ef-gh"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(platform_stats_period(bad[i], "2030-03-01", now, &p), PSTATS_BAD_FROM);
        assert_int_equal(platform_stats_period("2030-01-01", bad[i], now, &p), PSTATS_BAD_TO);
    }
    assert_int_equal(platform_stats_period("2028-02-29", "2028-03-01", now, &p), PSTATS_OK);
    assert_int_equal(platform_stats_period("2000-01-01", "2000-01-01", now, &p), PSTATS_OK);
    assert_int_equal(platform_stats_period("2200-12-31", "2200-12-31", now, &p), PSTATS_OK);
    /* Order: one day is a period, a day less is not. */
    assert_int_equal(platform_stats_period("2030-01-10", "2030-01-10", now, &p), PSTATS_OK);
    assert_int_equal(platform_stats_period("2030-01-10", "2030-01-09", now, &p), PSTATS_REVERSED);
    /* Length: 366 days, not 367. */
    assert_int_equal(platform_stats_period("2030-01-01", "2031-01-01", now, &p), PSTATS_OK);
    assert_int_equal(platform_stats_period("2030-01-01", "2031-01-02", now, &p), PSTATS_TOO_LONG);
    assert_string_equal(platform_stats_field(PSTATS_BAD_FROM), "from");
    assert_string_equal(platform_stats_field(PSTATS_BAD_TO), "to");
    assert_string_equal(platform_stats_field(PSTATS_REVERSED), "from");
    assert_string_equal(platform_stats_field(PSTATS_TOO_LONG), "from");
    assert_null(platform_stats_field(PSTATS_OK));
    /* The default: 12 ISO weeks up to today (China time: 23:30 UTC is already the next day). */
    assert_int_equal(platform_stats_period(NULL, "", now, &p), PSTATS_OK);
    assert_string_equal(p.to_date, "2030-01-18");
    assert_string_equal(p.from_date, "2029-10-29"); /* the Monday 11 weeks before 2030-01-14 */
    assert_int_equal(platform_stats_period(NULL, NULL, china(2030, 1, 13, 23) + 3600, &p),
                     PSTATS_OK);
    assert_string_equal(p.to_date, "2030-01-14");
}

static void test_week_labels(void **state)
{
    (void)state;
    char w[9];
    struct {
        int y, m, d;
        const char *week;
    } cases[] = {{2030, 1, 7, "2030-W02"},   {2030, 1, 13, "2030-W02"},  {2026, 1, 1, "2026-W01"},
                 {2027, 1, 1, "2026-W53"},   {2024, 12, 30, "2025-W01"}, {2021, 1, 3, "2020-W53"},
                 {2020, 12, 31, "2020-W53"}, {2030, 12, 30, "2031-W01"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct tm tm = {
            .tm_year = cases[i].y - 1900, .tm_mon = cases[i].m - 1, .tm_mday = cases[i].d};
        platform_stats_week_label((int64_t)timegm(&tm) / DAY, w);
        assert_string_equal(w, cases[i].week);
    }
}

static void test_csv_quoting(void **state)
{
    (void)state;
    json_t *stats = json_pack(
        "{s:s, s:s, s:[{s:s, s:s, s:i, s:{s:i, s:f}, s:[]}], s:{s:s, s:s, s:n, s:{}, s:[]}, "
        "s:{s:{}, s:[]}}",
        "from", "2030-01-07", "to", "2030-01-20", "groups", "platform", "a,b \"c\"", "route",
        "line\r\nbreak", "clock_hours", 72, "total", "notices", 3, "within_clock_share", 0.625,
        "weeks", "all", "platform", "all", "route", "all", "clock_hours", "total", "weeks",
        "offline", "total", "weeks");
    Buf out = {0};
    platform_stats_csv(stats, &out);
    buf_putc(&out, '\0');
    const char *row = strstr(out.data, "\r\ntotal,");
    assert_non_null(row);
    assert_true(
        strncmp(row, "\r\ntotal,2030-01-07,\"a,b \"\"c\"\"\",\"line\r\nbreak\",72,3,", 50) == 0);
    assert_non_null(strstr(row, ",0.6250,"));
    assert_true(strncmp(out.data, "week,week_start,platform,route,clock_hours,notices,", 51) == 0);
    buf_free(&out);
    json_decref(stats);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_percentile_nearest_rank),
        cmocka_unit_test(test_period_limits),
        cmocka_unit_test(test_week_labels),
        cmocka_unit_test(test_csv_quoting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
