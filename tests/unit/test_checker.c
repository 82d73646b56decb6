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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_rules), cmocka_unit_test(test_redirect_rules),
        cmocka_unit_test(test_body_rules),   cmocka_unit_test(test_monitor_schedule),
        cmocka_unit_test(test_result_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
