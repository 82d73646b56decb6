/* Notifications: the victim's safe hours in the one form a machine reads exactly, the wait until
 * the window opens (over midnight too), and the notification settings on both sides of their
 * limits. */
#include "config.h"
#include "hours.h"
#include "outbox.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#define DAY0 1767225600 /* 2026-01-01 00:00:00 UTC */

static int setup(void **state)
{
    (void)state;
    setenv("TZ", "UTC", 1);
    tzset();
    return 0;
}

static void expect_hours(const char *text, int from, int to)
{
    int a = -2, b = -2;
    assert_int_equal(hours_range(text, &a, &b), 0);
    assert_int_equal(a, from);
    assert_int_equal(b, to);
}

static void test_safe_hours(void **state)
{
    (void)state;
    expect_hours("10:00-12:30", 600, 750);
    expect_hours(" 9:00 to 17:00 ", 540, 1020);
    expect_hours("9点到17点", 540, 1020);
    expect_hours("9点30分至17点", 570, 1020);
    expect_hours("21\xef\xbc\x9a"
                 "00 到 23\xef\xbc\x9a"
                 "30",
                 1260, 1410); /* full-width colons */
    expect_hours("10:00 ~ 12:00", 600, 720);
    expect_hours("10:00\xe2\x80\x93"
                 "12:00",
                 600, 720);                 /* an en dash */
    expect_hours("21:00-07:00", 1260, 420); /* over midnight */
    expect_hours("0:00-24:00", 0, 1440);    /* the whole day */
    int a, b;
    /* What a machine would guess wrong: refused (with notify, 422 at intake). */
    const char *refused[] = {"weekdays 9:00 to 17:00",
                             "工作日 10:00 至 12:00",
                             "下午2点到5点",
                             "2:00pm-5:00pm",
                             "晚上八点以后",
                             "evenings",
                             "",
                             "10:00",
                             "10:00-10:00",
                             "25:00-26:00",
                             "10:61-11:00",
                             "123:00-124:00",
                             "10:00-12:00 weekdays",
                             "not 10:00-12:00",
                             NULL};
    for (int i = 0; refused[i]; i++)
        assert_int_equal(hours_range(refused[i], &a, &b), -1);
    assert_int_equal(hours_range(NULL, &a, &b), -1);
}

static void test_window_wait(void **state)
{
    (void)state;
    int64_t at8 = DAY0 + 8 * 3600;
    assert_int_equal(outbox_window_wait(at8, 600, 720), 2 * 3600);
    assert_int_equal(outbox_window_wait(at8 + 59, 600, 720), 2 * 3600 - 59);
    assert_int_equal(outbox_window_wait(DAY0 + 10 * 3600, 600, 720), 0);         /* opens */
    assert_int_equal(outbox_window_wait(DAY0 + 12 * 3600 - 1, 600, 720), 0);     /* last second */
    assert_int_equal(outbox_window_wait(DAY0 + 12 * 3600, 600, 720), 22 * 3600); /* closed */
    /* over midnight: 21:00-07:00 */
    assert_int_equal(outbox_window_wait(DAY0 + 23 * 3600, 1260, 420), 0);
    assert_int_equal(outbox_window_wait(DAY0 + 3 * 3600, 1260, 420), 0);
    assert_int_equal(outbox_window_wait(DAY0 + 7 * 3600, 1260, 420), 14 * 3600);
    assert_int_equal(outbox_window_wait(DAY0 + 20 * 3600 + 1800, 1260, 420), 1800);
}

static void test_settings(void **state)
{
    (void)state;
    Config c;
    char err[256];
    config_defaults(&c);
    assert_int_equal(c.notify.smtp_starttls, 1);
    assert_int_equal(c.notify.hours_from, 540);
    assert_int_equal(c.notify.hours_to, 1200);
    assert_int_equal(config_set(&c, "notify-hours", "08:30-21:00", err, sizeof err), 0);
    assert_int_equal(c.notify.hours_from, 510);
    assert_int_equal(c.notify.hours_to, 1260);
    const char *bad_hours[] = {"8-8", "08:30", "8:3-9:00", "25-26", "08:30-21:00x", "", NULL};
    for (int i = 0; bad_hours[i]; i++)
        assert_int_equal(config_set(&c, "notify-hours", bad_hours[i], err, sizeof err), -1);
    assert_int_equal(config_set(&c, "smtp-url", "smtp://relay.example:587", err, sizeof err), 0);
    assert_int_equal(config_set(&c, "smtp-url", "smtps://relay.example", err, sizeof err), 0);
    assert_int_equal(config_set(&c, "smtp-url", "http://relay.example", err, sizeof err), -1);
    assert_int_equal(config_set(&c, "smtp-url", "smtp://a b", err, sizeof err), -1);
    assert_int_equal(config_set(&c, "smtp-from", "notify@center.example", err, sizeof err), 0);
    const char *bad_from[] = {"notify", "a@b@c",   "a b@c", "a@b\r\nBcc: x@y",
                              "<a@b>",  "a@b,c@d", NULL};
    for (int i = 0; bad_from[i]; i++)
        assert_int_equal(config_set(&c, "smtp-from", bad_from[i], err, sizeof err), -1);
    assert_int_equal(config_set(&c, "smtp-tls", "none", err, sizeof err), 0);
    assert_int_equal(c.notify.smtp_starttls, 0);
    assert_int_equal(config_set(&c, "smtp-tls", "starttls", err, sizeof err), 0);
    assert_int_equal(c.notify.smtp_starttls, 1);
    assert_int_equal(config_set(&c, "smtp-tls", "maybe", err, sizeof err), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_safe_hours),
        cmocka_unit_test(test_window_wait),
        cmocka_unit_test(test_settings),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
