/* Unit tests of translations and language negotiation (service/i18n.c). Known keys are added
 * with i18n_add, so the tests do not depend on what web/i18n/ holds. */
#include "assets.h"
#include "buf.h"
#include "i18n.h"
#include "log.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "capture_log.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- Init on the real files ------------------------------------------------------------ */

static void test_init_real_assets(void **state)
{
    /* Whatever web/i18n/ holds: zh-CN decides whether init can succeed, and a loaded file's
     * texts are what i18n_get returns. */
    const Asset *zh = assets_find("i18n/zh-CN.json");
    int rc = i18n_init();
    if (!zh) {
        assert_int_equal(rc, -1);
        return;
    }
    if (rc != 0)
        skip(); /* a translation file is malformed; its author sees the logged reason */
    json_t *t = json_loadb((const char *)zh->data, zh->len, 0, NULL);
    assert_non_null(t);
    const char *key;
    json_t *v;
    json_object_foreach(t, key, v)
    {
        assert_string_equal(i18n_get("zh-CN", key), json_string_value(v));
        break;
    }
    json_decref(t);
}

/* ---- Lookups --------------------------------------------------------------------------- */

static void test_get_and_fallback(void **state)
{
    assert_int_equal(i18n_add("zh-CN", "zz_test.both", "两种"), 0);
    assert_int_equal(i18n_add("en", "zz_test.both", "both"), 0);
    assert_int_equal(i18n_add("zh-CN", "zz_test.only_zh", "仅中文"), 0);
    assert_int_equal(i18n_add("en", "zz_test.only_en", "English only"), 0);

    assert_string_equal(i18n_get("en", "zz_test.both"), "both");
    assert_string_equal(i18n_get("zh-CN", "zz_test.both"), "两种");
    assert_string_equal(i18n_get("en", "zz_test.only_zh"), "仅中文"); /* falls back to zh-CN */
    assert_string_equal(i18n_get("en-US", "zz_test.both"), "both");
    /* No language, or one we lack, means zh-CN. */
    assert_string_equal(i18n_get(NULL, "zz_test.both"), "两种");
    assert_string_equal(i18n_get("fr", "zz_test.both"), "两种");
    /* zh-CN never falls back to English: the key itself shows what is missing. */
    assert_string_equal(i18n_get("zh-CN", "zz_test.only_en"), "zz_test.only_en");
    assert_string_equal(i18n_get("en", "zz_test.nowhere"), "zz_test.nowhere");
    assert_string_equal(i18n_get("en", NULL), "");

    /* Replacing a text. */
    assert_int_equal(i18n_add("en", "zz_test.both", "both, again"), 0);
    assert_string_equal(i18n_get("en", "zz_test.both"), "both, again");
}

static void test_add_rejects(void **state)
{
    assert_int_equal(i18n_add("fr", "zz_test.x", "x"), -1);
    assert_int_equal(i18n_add(NULL, "zz_test.x", "x"), -1);
    assert_int_equal(i18n_add("en", NULL, "x"), -1);
    assert_int_equal(i18n_add("en", "zz_test.x", NULL), -1);
    assert_int_equal(i18n_add("en", "zz_test.x", "\xff\xfe not UTF-8"), -1);
    assert_int_equal(i18n_add("en-GB", "zz_test.x", "x"), 0); /* the same "en" */
    assert_string_equal(i18n_get("en", "zz_test.x"), "x");
}

static void test_missing_warned_once(void **state)
{
    Capture cap = capture_begin();
    assert_string_equal(i18n_get("en", "zz_test.warn_a"), "zz_test.warn_a");
    assert_string_equal(i18n_get("zh-CN", "zz_test.warn_a"), "zz_test.warn_a");
    assert_string_equal(i18n_get("en", "zz_test.warn_a"), "zz_test.warn_a");
    assert_string_equal(i18n_get("en", "zz_test.warn_b"), "zz_test.warn_b");
    assert_string_equal(i18n_get("en", "zz_test.both"), "both, again");
    assert_int_equal(capture_end(cap, "zz_test.warn_a"), 1);
    cap = capture_begin();
    (void)i18n_get("en", "zz_test.warn_b");
    assert_int_equal(capture_end(cap, "no translation"), 0);
}

static void *get_thread(void *arg)
{
    for (int i = 0; i < 1000; i++) {
        if (strcmp(i18n_get("en", "zz_test.thread_missing"), "zz_test.thread_missing") != 0 ||
            strcmp(i18n_get("en", "zz_test.only_zh"), "仅中文") != 0)
            *(int *)arg = 1;
    }
    return NULL;
}

static void test_missing_warned_once_across_threads(void **state)
{
    pthread_t threads[8];
    int failed[8] = {0};
    Capture cap = capture_begin();
    for (int i = 0; i < 8; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, get_thread, &failed[i]), 0);
    for (int i = 0; i < 8; i++)
        pthread_join(threads[i], NULL);
    assert_int_equal(capture_end(cap, "zz_test.thread_missing"), 1);
    for (int i = 0; i < 8; i++)
        assert_int_equal(failed[i], 0);
}

/* ---- Language tags --------------------------------------------------------------------- */

static void test_supported(void **state)
{
    static const struct {
        const char *tag;
        const char *want; /* NULL: not supported */
    } cases[] = {
        {"zh", "zh-CN"},
        {"zh-CN", "zh-CN"},
        {"zh-cn", "zh-CN"},
        {"ZH-CN", "zh-CN"},
        {"zh-Hans", "zh-CN"},
        {"zh-Hans-CN", "zh-CN"},
        {"zh-TW", "zh-CN"},
        {"en", "en"},
        {"EN", "en"},
        {"en-US", "en"},
        {"en-GB", "en"},
        {"en-us", "en"},
        {"en-12345678", "en"},
        {"en-123456789", NULL}, /* subtags have at most 8 characters */
        {"fr", NULL},
        {"de-DE", NULL},
        {"", NULL},
        {"e", NULL},
        {"eng", NULL},
        {"english", NULL},
        {"zhx", NULL},
        {"zh-", NULL},
        {"zh--CN", NULL},
        {"-zh", NULL},
        {"zh_CN", NULL},
        {"zh-CN;q=1", NULL},
        {" en", NULL},
        {"en ", NULL},
        {"*", NULL},
        {"en-aaaaaaaa-bbbbbbbb-cccccccc-ddddd", "en"},  /* 35 characters: the longest */
        {"en-aaaaaaaa-bbbbbbbb-cccccccc-dddddd", NULL}, /* 36 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = i18n_supported(cases[i].tag);
        if (cases[i].want ? !got || strcmp(got, cases[i].want) != 0 : got != NULL)
            fail_msg("i18n_supported(\"%s\") = %s, want %s", cases[i].tag, got ? got : "NULL",
                     cases[i].want ? cases[i].want : "NULL");
    }
    assert_null(i18n_supported(NULL));
}

static void test_negotiate(void **state)
{
    static const struct {
        const char *choice;
        const char *header;
        const char *want;
    } cases[] = {
        {NULL, NULL, "zh-CN"},
        {"en", "zh", "en"},       /* the explicit choice wins */
        {"zh-CN", "en", "zh-CN"}, /* either way */
        {"klingon", "en", "en"},  /* an invalid choice is ignored */
        {"", "en", "en"},
        {"en;evil", NULL, "zh-CN"},
        {NULL, "", "zh-CN"},
        {NULL, "en", "en"},
        {NULL, "en-US,en;q=0.9", "en"},
        {NULL, "fr, en;q=0.5", "en"},
        {NULL, "fr-FR,fr;q=0.9,en-US;q=0.8,en;q=0.7,zh;q=0.6", "en"},
        {NULL, "en;q=0, zh;q=0.1", "zh-CN"},
        {NULL, "en;q=0", "zh-CN"},
        {NULL, "zh;q=0, en;q=0.001", "en"},
        {NULL, "zh-Hans-CN", "zh-CN"},
        {NULL, "zh-TW,zh;q=0.9", "zh-CN"},
        {NULL, "*", "zh-CN"},
        {NULL, "zh;q=0, *", "en"}, /* "*" covers only what was not named */
        {NULL, "en;q=0, zh;q=0, *", "zh-CN"},
        {NULL, "en;q=0, *;q=0.5", "zh-CN"},
        {NULL, "en;q=0, *;q=0", "zh-CN"},
        {NULL, "zh;q=0, *;q=0", "zh-CN"}, /* nothing acceptable: the default all the same */
        {NULL, "en-US;q=0.5, en;q=0, zh;q=0.4", "en"}, /* a language's best item counts */
        {NULL, "zh;q=0.5, en;q=0.8", "en"},
        {NULL, "zh;q=0.5, en;q=0.5", "zh-CN"}, /* ties: the earlier wins */
        {NULL, "en;q=0.5, zh;q=0.5", "en"},
        {NULL, "en;q=0.5, fr, zh;q=0.6", "zh-CN"},
        {NULL, "en ; q=0.5 , zh ; q=0.4", "en"},
        {NULL, "en;Q=0.9,zh;q=0.8", "en"},
        {NULL, "en;q=1.000, zh", "en"},
        {NULL, "en;q=1.001, zh;q=0.1", "zh-CN"}, /* a malformed q drops the item */
        {NULL, "en;q=0.0001, zh;q=0.1", "zh-CN"},
        {NULL, "en;q=2, zh;q=0.1", "zh-CN"},
        {NULL, "en;q=-1, zh;q=0.1", "zh-CN"},
        {NULL, "en;q=abc, zh;q=0.1", "zh-CN"},
        {NULL, "en;q=, zh;q=0.1", "zh-CN"},
        {NULL, "en;q=0.5x, zh;q=0.1", "zh-CN"},
        {NULL, "en x, zh;q=0.1", "zh-CN"},
        {NULL, "en;level=1, zh;q=0.1", "en"}, /* other parameters are ignored */
        {NULL, ",,, ;, ;q=1, en", "en"},
        {NULL, "en;;;", "en"},
        {NULL, ";q=0.5", "zh-CN"},
        {NULL, "english, en-", "zh-CN"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = i18n_negotiate(cases[i].choice, cases[i].header);
        if (!got || strcmp(got, cases[i].want) != 0)
            fail_msg("i18n_negotiate(%s, %s) = %s, want %s",
                     cases[i].choice ? cases[i].choice : "NULL",
                     cases[i].header ? cases[i].header : "NULL", got ? got : "NULL", cases[i].want);
    }
}

/* An Accept-Language of n "fr" items followed by "en". */
static char *items_then_en(int n)
{
    Buf b = {0};
    for (int i = 0; i < n; i++)
        buf_puts(&b, "fr,");
    buf_puts(&b, "en");
    return buf_take(&b);
}

static void test_negotiate_item_limit(void **state)
{
    char *h = items_then_en(63); /* en is item 64: looked at */
    assert_string_equal(i18n_negotiate(NULL, h), "en");
    free(h);
    h = items_then_en(64); /* en is item 65: ignored */
    assert_string_equal(i18n_negotiate(NULL, h), "zh-CN");
    free(h);
}

static void test_negotiate_hostile(void **state)
{
    const size_t size = 100 * 1024;
    char *h = malloc(size + 1);
    assert_non_null(h);

    /* Random bytes (no NUL), biased towards the characters the parser cares about. */
    static const char alphabet[] = ",;= q.0123456789enzhENZH-*\t";
    unsigned seed = 12345;
    for (int round = 0; round < 50; round++) {
        for (size_t i = 0; i < size; i++) {
            seed = seed * 1103515245u + 12345u;
            unsigned r = (seed >> 16) & 0x7fff;
            h[i] = (round & 1) ? alphabet[r % (sizeof alphabet - 1)] : (char)(r % 255 + 1);
        }
        h[size] = '\0';
        const char *got = i18n_negotiate(h, h);
        assert_true(strcmp(got, "zh-CN") == 0 || strcmp(got, "en") == 0);
    }

    /* One enormous item, one enormous q, many empty items, a long run of parameters. */
    memset(h, 'a', size);
    h[size] = '\0';
    assert_string_equal(i18n_negotiate(h, h), "zh-CN");
    memcpy(h, "en;q=0.", 7);
    memset(h + 7, '5', size - 7);
    assert_string_equal(i18n_negotiate(NULL, h), "zh-CN");
    memset(h, ',', size);
    assert_string_equal(i18n_negotiate(NULL, h), "zh-CN");
    for (size_t i = 0; i + 1 < size; i += 2)
        memcpy(h + i, ";q", 2);
    memcpy(h, "en", 2);
    assert_string_equal(i18n_negotiate(NULL, h), "zh-CN");
    free(h);
}

/* ---- Times and fills ------------------------------------------------------------------- */

/* What gmtime_r and strftime make of t in China Standard Time (UTC+8), the reference. */
static void reference_time(int64_t t, int with_time, char out[I18N_TIME_MAX])
{
    time_t s = (time_t)(t + 8 * 3600);
    struct tm tm;
    assert_non_null(gmtime_r(&s, &tm));
    size_t n = with_time ? strftime(out, I18N_TIME_MAX, "%Y-%m-%d %H:%M", &tm)
                         : strftime(out, I18N_TIME_MAX, "%Y-%m-%d", &tm);
    assert_true(n > 0);
}

static void check_time(int64_t t)
{
    char want[I18N_TIME_MAX], got[I18N_TIME_MAX];
    reference_time(t, 1, want);
    i18n_format_time("zh-CN", t, got);
    assert_string_equal(got, want);
    reference_time(t, 0, want);
    i18n_format_date("en", t, got);
    assert_string_equal(got, want);
}

static void test_format_time(void **state)
{
    /* Each side of the days that catch a calendar: leap days, a century that is not a leap year
     * (1900, 2100) and one that is (2000), the epoch and the day before it, year ends. */
    const int64_t days[] = {-25568, -25509, -1,    0,     59,    10956, 11016,
                            11017,  11322,  20513, 47541, 47540, 47482, 2932896};
    for (size_t i = 0; i < sizeof days / sizeof days[0]; i++)
        for (int64_t s = -86400; s <= 86400; s += 3599)
            check_time(days[i] * 86400 + s);
    /* A sweep of 1700-2300, a prime number of seconds apart so every time of day comes up. */
    for (int64_t t = -8520336000; t < 10413792000; t += 86400 * 13 + 3541)
        check_time(t);
    /* Out of 0-9999: what strftime prints (the fallback). */
    check_time(253402300800);               /* 10000-01-01 */
    check_time(-62167219200 - 86400 * 366); /* year -1 */
    check_time(1733400000);
    check_time(1733400000 + 8 * 3600 - 1); /* 23:59 of the day in UTC+8 */
}

static void test_fill(void **state)
{
    char out[16];
    i18n_fill("due in {} h", "5", out, sizeof out);
    assert_string_equal(out, "due in 5 h");
    i18n_fill("no hole", "5", out, sizeof out);
    assert_string_equal(out, "no hole");
    i18n_fill("{}", "", out, sizeof out);
    assert_string_equal(out, "");
    /* Cut where out ends, as snprintf: 15 bytes and the terminator. */
    i18n_fill("overdue by {} days", "12345", out, sizeof out);
    assert_string_equal(out, "overdue by 1234");
    i18n_fill("{} and more", "a value longer than out", out, sizeof out);
    assert_string_equal(out, "a value longer ");
    i18n_fill("x{}", "y", out, 1);
    assert_string_equal(out, "");
    out[0] = 'k';
    i18n_fill("x", "y", out, 0); /* no room: nothing written */
    assert_int_equal(out[0], 'k');
}

/* A request's language is i18n_negotiate's pointer; any other string naming a language works
 * the same (the lookup's shortcut compares pointers first). */
static void test_find_any_spelling(void **state)
{
    assert_int_equal(i18n_add("zh-CN", "zz_test.spell", "拼写"), 0);
    assert_int_equal(i18n_add("en", "zz_test.spell", "spelling"), 0);
    char en[] = "en", en_us[] = "EN-us", zh[] = "zh-CN";
    assert_string_equal(i18n_find(i18n_negotiate("en", NULL), "zz_test.spell"), "spelling");
    assert_string_equal(i18n_find(en, "zz_test.spell"), "spelling");
    assert_string_equal(i18n_find(en_us, "zz_test.spell"), "spelling");
    assert_string_equal(i18n_find(i18n_negotiate(NULL, NULL), "zz_test.spell"), "拼写");
    assert_string_equal(i18n_find(zh, "zz_test.spell"), "拼写");
    assert_string_equal(i18n_find("fr", "zz_test.spell"), "拼写");
    assert_string_equal(i18n_find(NULL, "zz_test.spell"), "拼写");
    assert_null(i18n_find(en, "zz_test.nowhere"));
}

static int teardown(void **state)
{
    i18n_shutdown();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_real_assets),
        cmocka_unit_test(test_get_and_fallback),
        cmocka_unit_test(test_add_rejects),
        cmocka_unit_test(test_missing_warned_once),
        cmocka_unit_test(test_missing_warned_once_across_threads),
        cmocka_unit_test(test_supported),
        cmocka_unit_test(test_negotiate),
        cmocka_unit_test(test_negotiate_item_limit),
        cmocka_unit_test(test_negotiate_hostile),
        cmocka_unit_test(test_format_time),
        cmocka_unit_test(test_fill),
        cmocka_unit_test(test_find_any_spelling),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
