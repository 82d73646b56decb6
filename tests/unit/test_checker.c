/* The checker's removal-page rules and the monitoring schedule, both sides of every boundary. */
#include "checker.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#define DAY 86400
#define T0 1800000000LL

static void test_status_rules(void **state)
{
    (void)state;
    assert_true(checker_is_removal_page(NULL, "", 404));
    assert_true(checker_is_removal_page(NULL, "", 410));
    assert_false(checker_is_removal_page(NULL, "<html>video</html>", 200));
    assert_false(checker_is_removal_page(NULL, "", 403));
    assert_false(checker_is_removal_page(NULL, NULL, 500));
}

static void test_redirect_rules(void **state)
{
    (void)state;
    /* Only the path of the page we were sent to counts, never the host. */
    assert_true(checker_is_removal_page("https://www.douyin.com/404", "", 200));
    assert_true(checker_is_removal_page("https://m.weibo.cn/content/removed?x=1", "", 200));
    assert_true(checker_is_removal_page("https://x.com/i/deleted", "", 200));
    assert_false(checker_is_removal_page("https://removed.example.com/video/1", "", 200));
    assert_false(checker_is_removal_page("https://www.bilibili.com/video/BV1", "", 200));
    /* NULL: not redirected, so the link's own words cannot make it look removed. */
    assert_false(checker_is_removal_page(NULL, "<p>ok</p>", 200));
}

static void test_body_rules(void **state)
{
    (void)state;
    assert_true(checker_is_removal_page(NULL, "<div>该内容已被删除</div>", 200));
    assert_true(checker_is_removal_page(NULL, "<title>Video unavailable</title>", 200));
    assert_true(checker_is_removal_page(NULL, "抱歉,视频不存在", 200));
    assert_false(checker_is_removal_page(NULL, "<div>内容</div>", 200));
}

static void test_monitor_schedule(void **state)
{
    (void)state;
    /* Daily in the first week: both sides of day 7. */
    assert_int_equal(checker_next_monitor(T0, T0), T0 + DAY);
    assert_int_equal(checker_next_monitor(T0, T0 + 7 * DAY - 1), T0 + 7 * DAY - 1 + DAY);
    assert_int_equal(checker_next_monitor(T0, T0 + 7 * DAY), T0 + 7 * DAY + 7 * DAY);
    /* Weekly in the first month: both sides of day 30. */
    assert_int_equal(checker_next_monitor(T0, T0 + 30 * DAY - 1), T0 + 30 * DAY - 1 + 7 * DAY);
    assert_int_equal(checker_next_monitor(T0, T0 + 30 * DAY), T0 + 30 * DAY + 30 * DAY);
    /* Monthly after that. */
    assert_int_equal(checker_next_monitor(T0, T0 + 400 * DAY), T0 + 430 * DAY);
}

static void test_result_names(void **state)
{
    (void)state;
    assert_string_equal(checker_result_name(CHECK_GONE), "gone");
    assert_string_equal(checker_result_name(CHECK_UP), "up");
    assert_string_equal(checker_result_name(CHECK_UNKNOWN), "unknown");
}

#define PUB CHECK_ADDR_PUBLIC
#define PRIV CHECK_ADDR_PRIVATE
#define RES CHECK_ADDR_RESERVED

typedef struct AddrRow {
    const char *ip;
    CheckAddress want;
} AddrRow;

/* Each special-purpose range with the addresses on both sides of its two ends. */
static const AddrRow v4_rows[] = {
    {"0.0.0.0", RES},          {"0.255.255.255", RES},    {"1.0.0.0", PUB},
    {"9.255.255.255", PUB},    {"10.0.0.0", PRIV},        {"10.255.255.255", PRIV},
    {"11.0.0.0", PUB},         {"100.63.255.255", PUB},   {"100.64.0.0", RES},
    {"100.127.255.255", RES},  {"100.128.0.0", PUB},      {"126.255.255.255", PUB},
    {"127.0.0.0", PRIV},       {"127.0.0.1", PRIV},       {"127.0.0.2", PRIV},
    {"127.255.255.255", PRIV}, {"128.0.0.0", PUB},        {"169.253.255.255", PUB},
    {"169.254.0.0", RES},      {"169.254.169.254", RES},  {"169.254.255.255", RES},
    {"169.255.0.0", PUB},      {"172.15.255.255", PUB},   {"172.16.0.0", PRIV},
    {"172.31.255.255", PRIV},  {"172.32.0.0", PUB},       {"191.255.255.255", PUB},
    {"192.0.0.0", RES},        {"192.0.0.255", RES},      {"192.0.1.0", PUB},
    {"192.0.1.255", PUB},      {"192.0.2.0", RES},        {"192.0.2.255", RES},
    {"192.0.3.0", PUB},        {"192.88.98.255", PUB},    {"192.88.99.0", RES},
    {"192.88.99.255", RES},    {"192.88.100.0", PUB},     {"192.167.255.255", PUB},
    {"192.168.0.0", PRIV},     {"192.168.255.255", PRIV}, {"192.169.0.0", PUB},
    {"198.17.255.255", PUB},   {"198.18.0.0", RES},       {"198.19.255.255", RES},
    {"198.20.0.0", PUB},       {"198.51.99.255", PUB},    {"198.51.100.0", RES},
    {"198.51.100.255", RES},   {"198.51.101.0", PUB},     {"203.0.112.255", PUB},
    {"203.0.113.0", RES},      {"203.0.113.255", RES},    {"203.0.114.0", PUB},
    {"223.255.255.255", PUB},  {"224.0.0.0", RES},        {"239.255.255.255", RES},
    {"240.0.0.0", RES},        {"255.255.255.254", RES},  {"255.255.255.255", RES},
    {"8.8.8.8", PUB},          {"1.1.1.1", PUB},
};

static const AddrRow v6_rows[] = {
    {"::", RES},
    {"::1", PRIV},
    {"::2", RES},
    {"::127.0.0.1", RES}, /* IPv4-compatible, deprecated */
    /* IPv4-mapped: the embedded address decides. */
    {"::ffff:127.0.0.1", PRIV},
    {"::ffff:10.1.2.3", PRIV},
    {"::ffff:0.0.0.0", RES},
    {"::ffff:100.64.0.1", RES},
    {"::ffff:198.18.0.1", RES},
    {"::ffff:8.8.8.8", PUB},
    {"::fffe:8.8.8.8", RES},
    /* NAT64 well-known prefix: the embedded address decides, but only a public one passes (a
     * translator would reach its own network); the local-use prefix never. */
    {"64:ff9b::8.8.8.8", PUB},
    {"64:ff9b::127.0.0.1", RES},
    {"64:ff9b::10.0.0.1", RES},
    {"64:ff9b::1:0:8.8.8.8", RES},
    {"64:ff9b:1::8.8.8.8", RES},
    {"64:ff9b:1:ffff:ffff:ffff:ffff:ffff", RES},
    {"64:ff9a:ffff:ffff:ffff:ffff:ffff:ffff", RES},
    {"100::", RES},
    {"100::ffff:ffff:ffff:ffff", RES},
    {"100:0:0:1::", RES},
    /* Inside 2000::/3, the special blocks. */
    {"1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", RES},
    {"2000::", PUB},
    {"2000:ffff:ffff:ffff:ffff:ffff:ffff:ffff", PUB},
    {"2001::", RES}, /* Teredo */
    {"2001:0:ffff:ffff:ffff:ffff:ffff:ffff", RES},
    {"2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff", RES},
    {"2001:200::", PUB},
    {"2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", PUB},
    {"2001:db8::", RES},
    {"2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", RES},
    {"2001:db9::", PUB},
    {"2001:4860:4860::8888", PUB},
    {"2001:ffff:ffff:ffff:ffff:ffff:ffff:ffff", PUB},
    {"2002::", RES}, /* 6to4 */
    {"2002:7f00:1::", RES},
    {"2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff", RES},
    {"2003::", PUB},
    {"2606:4700::1111", PUB},
    {"3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff", PUB},
    {"3fff::", RES}, /* documentation, RFC 9637 */
    {"3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff", RES},
    {"3fff:1000::", PUB},
    {"4000::", RES},
    {"fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", RES},
    {"fc00::", PRIV},
    {"fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", PRIV},
    {"fe00::", RES},
    {"fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", RES},
    {"fe80::", RES},
    {"fe80::1", RES},
    {"febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", RES},
    {"fec0::", RES},
    {"ff00::", RES},
    {"ff02::1", RES},
    {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", RES},
};

static int check_rows(const AddrRow *rows, size_t n)
{
    int failures = 0;
    for (size_t i = 0; i < n; i++) {
        CheckAddress got = checker_classify_address(rows[i].ip);
        if (got != rows[i].want) {
            print_error("%s: got %d, want %d\n", rows[i].ip, (int)got, (int)rows[i].want);
            failures++;
        }
    }
    return failures;
}

static void test_address_ranges_v4(void **state)
{
    (void)state;
    assert_int_equal(check_rows(v4_rows, sizeof v4_rows / sizeof v4_rows[0]), 0);
}

static void test_address_ranges_v6(void **state)
{
    (void)state;
    assert_int_equal(check_rows(v6_rows, sizeof v6_rows / sizeof v6_rows[0]), 0);
}

/* What is not a numeric address is never fetched. */
static void test_address_not_numeric(void **state)
{
    (void)state;
    static const char *const bad[] = {"",      "localhost",    "1.2.3", "256.1.1.1", "::ffff:1.2.3",
                                      "[::1]", "fe80::1%eth0", NULL};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(checker_classify_address(bad[i]), RES);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_rules),      cmocka_unit_test(test_redirect_rules),
        cmocka_unit_test(test_body_rules),        cmocka_unit_test(test_monitor_schedule),
        cmocka_unit_test(test_result_names),      cmocka_unit_test(test_address_ranges_v4),
        cmocka_unit_test(test_address_ranges_v6), cmocka_unit_test(test_address_not_numeric),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
