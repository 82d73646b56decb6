/* Notices carry what the route needs and no more: identity only with consent. */
#include "assets.h"
#include "notice.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static json_t *case_body(int consent)
{
    return json_pack("{s:{s:s, s:{s:s, s:s}}, s:{s:b}, s:s, s:b}", "requester", "name", "王小明",
                     "contact", "channel", "phone", "value", "13800000000", "consent",
                     "share_identity_with_platform", consent, "signature", "小明", "good_faith", 1);
}

static json_t *target(void)
{
    return json_pack("{s:s, s:s}", "canonical", "https://v.douyin.com/abc/", "url", "x");
}

static char *build(const char *route, const char *elements, json_t *cb, json_t *fields,
                   int screenshots, json_t *missing)
{
    json_t *t = target();
    NoticeInput in = {route, elements, "zh-CN",     "抖音", "中心", "2026-11-28",
                      cb,    t,        screenshots, 0,      fields};
    char *text = notice_build(&in, missing);
    json_decref(t);
    return text;
}

static void test_cn_with_consent(void **state)
{
    (void)state;
    json_t *cb = case_body(1), *fields = json_pack("{s:s}", "reason", "未经同意传播");
    json_t *missing = json_array();
    char *text = build("cn_complaint", "url,reason,identity,evidence", cb, fields, 2, missing);
    assert_non_null(text);
    assert_int_equal(json_array_size(missing), 0);
    assert_non_null(strstr(text, "https://v.douyin.com/abc/"));
    assert_non_null(strstr(text, "未经同意传播"));
    assert_non_null(strstr(text, "王小明"));
    assert_non_null(strstr(text, "截图 2 张"));
    assert_null(strstr(text, "13800000000")); /* the route does not need a phone number */
    free(text);
    json_decref(cb);
    json_decref(fields);
    json_decref(missing);
}

static void test_cn_without_consent(void **state)
{
    (void)state;
    json_t *cb = case_body(0), *fields = json_pack("{s:s}", "reason", "r");
    json_t *missing = json_array();
    assert_null(build("cn_complaint", "url,reason,identity,evidence", cb, fields, 0, missing));
    /* Both missing elements are named at once. */
    assert_int_equal(json_array_size(missing), 2);
    assert_string_equal(json_string_value(json_array_get(missing, 0)), "identity");
    assert_string_equal(json_string_value(json_array_get(missing, 1)), "evidence");
    /* A representative and an evidence note complete it, and the name stays out. */
    json_object_set_new(fields, "representative", json_string("某中心(受委托)"));
    json_object_set_new(fields, "evidence", json_string("截图已存档"));
    json_array_clear(missing);
    char *text = build("cn_complaint", "url,reason,identity,evidence", cb, fields, 0, missing);
    assert_non_null(text);
    assert_null(strstr(text, "王小明"));
    assert_non_null(strstr(text, "某中心(受委托)"));
    free(text);
    json_decref(cb);
    json_decref(fields);
    json_decref(missing);
}

static void test_take_it_down_contact(void **state)
{
    (void)state;
    json_t *cb = case_body(0), *fields = json_object(), *missing = json_array();
    assert_null(
        build("us_take_it_down", "url,signature,good_faith,contact", cb, fields, 0, missing));
    assert_int_equal(json_array_size(missing), 2); /* signature and contact need consent */
    json_decref(cb);
    cb = case_body(1);
    json_array_clear(missing);
    char *text =
        build("us_take_it_down", "url,signature,good_faith,contact", cb, fields, 0, missing);
    assert_non_null(text);
    assert_non_null(strstr(text, "13800000000"));
    free(text);
    json_decref(cb);
    json_decref(fields);
    json_decref(missing);
}

static void test_unknown_route(void **state)
{
    (void)state;
    json_t *cb = case_body(1), *missing = json_array();
    assert_null(build("no_such_route", "url", cb, NULL, 0, missing));
    assert_int_equal(json_array_size(missing), 0);
    json_decref(cb);
    json_decref(missing);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cn_with_consent),
        cmocka_unit_test(test_cn_without_consent),
        cmocka_unit_test(test_take_it_down_contact),
        cmocka_unit_test(test_unknown_route),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
