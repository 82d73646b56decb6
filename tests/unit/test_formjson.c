/* Form fields to JSON: nested paths, indexes on both sides of the limit, bools, the skip list,
 * malformed names left out, clashes, invalid UTF-8, and dropping unused rows. */
#include "formjson.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

typedef struct Field {
    const char *name, *value;
} Field;

static const char *const BOOLS[] = {"good_faith", "consent.share_identity_with_platform",
                                    "targets[].flag", NULL};
static const char *const SKIP[] = {"csrf", "action", NULL};

/* Builds the form of a request from fields (names and values copied, as http.c owns them). */
static json_t *build(const Field *fields, size_t n, const char *const *bools,
                     const char *const *skip)
{
    Request req;
    memset(&req, 0, sizeof req);
    req.form = calloc(n ? n : 1, sizeof *req.form);
    assert_non_null(req.form);
    for (size_t i = 0; i < n; i++) {
        req.form[i].name = strdup(fields[i].name);
        req.form[i].value = strdup(fields[i].value);
    }
    req.nform = n;
    json_t *out = formjson_build(&req, bools, skip);
    for (size_t i = 0; i < n; i++) {
        free(req.form[i].name);
        free(req.form[i].value);
    }
    free(req.form);
    assert_non_null(out);
    return out;
}

/* The JSON text with sorted keys, for comparing whole shapes. */
static void assert_json(json_t *v, const char *want)
{
    char *got = json_dumps(v, JSON_SORT_KEYS | JSON_COMPACT);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void assert_form(const Field *fields, size_t n, const char *want)
{
    json_t *v = build(fields, n, BOOLS, SKIP);
    assert_json(v, want);
    json_decref(v);
}

#define FORM(want, ...)                                                                            \
    do {                                                                                           \
        const Field f_[] = {__VA_ARGS__};                                                          \
        assert_form(f_, sizeof f_ / sizeof f_[0], want);                                           \
    } while (0)

static void test_nested_paths(void **state)
{
    (void)state;
    FORM("{\"description\":\"d\",\"requester\":{\"contact\":{\"channel\":\"phone\",\"value\":"
         "\"123\"},\"name\":\"张三\"}}",
         {"requester.contact.channel", "phone"}, {"requester.name", "张三"},
         {"requester.contact.value", "123"}, {"description", "d"});
    /* Values stay strings, empty ones included. */
    FORM("{\"a\":\"\",\"b\":\"1\"}", {"a", ""}, {"b", "1"});
    /* Digits and underscores are part of names. */
    FORM("{\"a_1\":{\"b2\":\"x\"}}", {"a_1.b2", "x"});
    /* No fields: an empty object. */
    json_t *v = build(NULL, 0, BOOLS, SKIP);
    assert_json(v, "{}");
    json_decref(v);
}

static void test_arrays(void **state)
{
    (void)state;
    FORM("{\"targets\":[{\"kind\":\"online\",\"url\":\"u\"}]}", {"targets[0].url", "u"},
         {"targets[0].kind", "online"});
    /* A gap is filled with empty objects, which drop_empty_rows removes later. */
    FORM("{\"targets\":[{\"url\":\"u\"},{},{\"note\":\"n\"}]}", {"targets[0].url", "u"},
         {"targets[2].note", "n"});
    /* Order of arrival does not matter. */
    FORM("{\"targets\":[{},{\"url\":\"b\"},{\"url\":\"c\"}]}", {"targets[2].url", "c"},
         {"targets[1].url", "b"});
    /* An index on the last segment: an array of strings. */
    FORM("{\"tags\":[\"a\",\"b\"]}", {"tags[0]", "a"}, {"tags[1]", "b"});
    /* Arrays nested in objects. */
    FORM("{\"a\":{\"b\":[{\"c\":\"x\"}]}}", {"a.b[0].c", "x"});
}

static void test_index_limit(void **state)
{
    (void)state;
    char name[32];
    /* FORMJSON_MAX_INDEX works ... */
    snprintf(name, sizeof name, "a[%d]", FORMJSON_MAX_INDEX);
    Field ok[] = {{name, "last"}};
    json_t *v = build(ok, 1, BOOLS, SKIP);
    json_t *a = json_object_get(v, "a");
    assert_true(json_is_array(a));
    assert_int_equal(json_array_size(a), FORMJSON_MAX_INDEX + 1);
    assert_string_equal(json_string_value(json_array_get(a, FORMJSON_MAX_INDEX)), "last");
    json_decref(v);
    /* ... one more is left out, with nothing created for it. */
    snprintf(name, sizeof name, "a[%d]", FORMJSON_MAX_INDEX + 1);
    Field over[] = {{name, "x"}};
    v = build(over, 1, BOOLS, SKIP);
    assert_json(v, "{}");
    json_decref(v);
    snprintf(name, sizeof name, "a[%d].b", FORMJSON_MAX_INDEX + 1);
    Field over2[] = {{name, "x"}};
    v = build(over2, 1, BOOLS, SKIP);
    assert_json(v, "{}");
    json_decref(v);
    FORM("{}", {"a[99999999999999999999]", "x"});
}

static void test_bools(void **state)
{
    (void)state;
    /* Every true spelling, without an index. */
    static const char *const yes[] = {"on", "true", "yes", "1"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        Field f[] = {{"good_faith", yes[i]}, {"consent.share_identity_with_platform", yes[i]}};
        json_t *v = build(f, 2, BOOLS, SKIP);
        assert_true(json_is_true(json_object_get(v, "good_faith")));
        assert_true(json_is_true(
            json_object_get(json_object_get(v, "consent"), "share_identity_with_platform")));
        json_decref(v);
    }
    /* Anything else is false, never a string. */
    static const char *const no[] = {"", "off", "no", "0", "ON", "True", "2", "on ", "yes!"};
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        Field f[] = {{"good_faith", no[i]}};
        json_t *v = build(f, 1, BOOLS, SKIP);
        if (!json_is_false(json_object_get(v, "good_faith")))
            fail_msg("\"%s\" should be false", no[i]);
        json_decref(v);
    }
    /* "targets[].flag" matches every index. */
    FORM("{\"targets\":[{},{},{},{\"flag\":true,\"url\":\"u\"}]}", {"targets[3].flag", "yes"},
         {"targets[3].url", "u"});
    FORM("{\"targets\":[{\"flag\":false}]}", {"targets[0].flag", "off"});
    /* Not listed: stays a string, even with a true-looking value. */
    FORM("{\"other\":\"on\",\"targets\":[{\"note\":\"1\"}]}", {"other", "on"},
         {"targets[0].note", "1"});
    /* The listed path without brackets is a different path. */
    FORM("{\"targets\":{\"flag\":\"on\"}}", {"targets.flag", "on"});
    /* No bools list at all. */
    Field f[] = {{"good_faith", "on"}};
    json_t *v = build(f, 1, NULL, NULL);
    assert_json(v, "{\"good_faith\":\"on\"}");
    json_decref(v);
}

static void test_skip(void **state)
{
    (void)state;
    FORM("{\"a\":\"1\",\"csrfx\":\"2\"}", {"csrf", "tok"}, {"a", "1"}, {"action", "add_online"},
         {"csrfx", "2"});
    /* Without a skip list, the same names are kept. */
    Field f[] = {{"csrf", "tok"}};
    json_t *v = build(f, 1, BOOLS, NULL);
    assert_json(v, "{\"csrf\":\"tok\"}");
    json_decref(v);
}

/* A malformed name is left out; a good field beside it is kept. */
static void test_malformed_names(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",    ".a",    "a[x]",   "a[]",     "a[-1]", "a[100]", "A",    "Name",
        "a b", "a-b",   "a[1]x",  "a[1][2]", "a[",    "a]",     "[0]",  "a[1[2]",
        "é",   "a[ 1]", "a[0x1]", "a[1].",   "a.[0]", "a[+1]",  "a\tb", "a/b",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        Field f[] = {{bad[i], "BAD"}, {"ok", "1"}};
        json_t *v = build(f, 2, BOOLS, SKIP);
        char *s = json_dumps(v, JSON_SORT_KEYS | JSON_COMPACT);
        if (strstr(s, "BAD"))
            fail_msg("\"%s\" was kept: %s", bad[i], s);
        assert_string_equal(json_string_value(json_object_get(v, "ok")), "1");
        free(s);
        json_decref(v);
    }
    /* The same shapes, well formed, are kept: the control for the loop above. */
    FORM("{\"a\":[\"z\",\"y\"],\"b\":\"x\"}", {"a[0]", "z"}, {"a[01]", "y"}, {"b", "x"});
}

/* The value of a name whose first segment is bad never reaches the tree. */
static void test_malformed_leaves_nothing(void **state)
{
    (void)state;
    FORM("{}", {"A.b", "x"});
    FORM("{}", {"", "x"});
    FORM("{}", {"a[x].b", "x"});
    FORM("{}", {"a[100].b", "x"});
    /* A bad later segment leaves no empty containers behind either. */
    FORM("{}", {"a..b", "x"});
    FORM("{}", {"fingerprints[2].Value", "x"});
    FORM("{}", {"a.b[x]", "x"});
}

static void test_segment_and_name_length(void **state)
{
    (void)state;
    char seg63[64], seg64[65];
    memset(seg63, 'a', 63);
    seg63[63] = '\0';
    memset(seg64, 'a', 64);
    seg64[64] = '\0';
    Field f63[] = {{seg63, "x"}};
    json_t *v = build(f63, 1, BOOLS, SKIP);
    assert_string_equal(json_string_value(json_object_get(v, seg63)), "x");
    json_decref(v);
    Field f64[] = {{seg64, "x"}};
    v = build(f64, 1, BOOLS, SKIP);
    assert_json(v, "{}");
    json_decref(v);

    /* Whole name: 128 characters kept, 129 left out. */
    char n128[129], n129[130];
    snprintf(n128, sizeof n128, "%.63s.%.62s.c", seg63, seg63);
    snprintf(n129, sizeof n129, "%.63s.%.63s.c", seg63, seg63);
    assert_int_equal(strlen(n128), 128);
    assert_int_equal(strlen(n129), 129);
    Field f128[] = {{n128, "x"}};
    v = build(f128, 1, BOOLS, SKIP);
    json_t *leaf = json_object_get(json_object_get(json_object_get(v, seg63), seg63 + 1), "c");
    assert_string_equal(json_string_value(leaf), "x");
    json_decref(v);
    Field f129[] = {{n129, "x"}};
    v = build(f129, 1, BOOLS, SKIP);
    assert_json(v, "{}");
    json_decref(v);
    /* A very long name is not a crash either. */
    char huge[4096];
    memset(huge, 'a', sizeof huge - 1);
    huge[sizeof huge - 1] = '\0';
    Field fh[] = {{huge, "x"}, {"ok", "1"}};
    v = build(fh, 2, BOOLS, SKIP);
    assert_json(v, "{\"ok\":\"1\"}");
    json_decref(v);
}

static void test_clashes(void **state)
{
    (void)state;
    /* An object first, then the same name as an array (and the other way): the first wins. */
    FORM("{\"a\":{\"b\":\"1\"}}", {"a.b", "1"}, {"a[0]", "2"}, {"a[0].c", "3"});
    FORM("{\"a\":[\"1\"]}", {"a[0]", "1"}, {"a.b", "2"}, {"a[0].c", "3"});
    FORM("{\"a\":\"1\"}", {"a", "1"}, {"a.b", "2"}, {"a[0]", "3"});
    /* A later leaf replaces an earlier value of the same name. */
    FORM("{\"a\":\"2\"}", {"a", "1"}, {"a", "2"});
    /* A leaf over an object replaces it; nothing dangles. */
    FORM("{\"a\":\"2\"}", {"a.b", "1"}, {"a", "2"});
    FORM("{\"t\":[\"x\"]}", {"t[0].b", "1"}, {"t[0]", "x"});
}

static void test_invalid_utf8_dropped(void **state)
{
    (void)state;
    FORM("{\"ok\":\"好\"}", {"bad", "\xff\xfe"}, {"ok", "好"}, {"half", "\xe5\xa5"},
         {"over", "\xc0\xaf"});
    /* A bool field does not look at its bytes beyond the spellings. */
    FORM("{\"good_faith\":false}", {"good_faith", "\xff"});
}

static void test_drop_empty_rows(void **state)
{
    (void)state;
    json_t *a = json_loads("[{\"kind\":\"online\",\"url\":\"\",\"note\":\"\"},"
                           " {\"kind\":\"online\",\"url\":\"https://x\"},"
                           " {},"
                           " {\"kind\":\"offline\",\"holder\":\"\",\"where\":\"shop\"},"
                           " {\"kind\":\"offline\"},"
                           " {\"flag\":true},"
                           " {\"flag\":false, \"url\":\"\"},"
                           " {\"note\":\"n\"}]",
                           0, NULL);
    assert_non_null(a);
    formjson_drop_empty_rows(a);
    assert_json(a, "[{\"kind\":\"online\",\"url\":\"https://x\"},"
                   "{\"holder\":\"\",\"kind\":\"offline\",\"where\":\"shop\"},"
                   "{\"flag\":true},{\"note\":\"n\"}]");
    json_decref(a);
    /* Every row empty: an empty array; an empty array and NULL are fine. */
    a = json_loads("[{\"kind\":\"online\"},{\"url\":\"\"}]", 0, NULL);
    formjson_drop_empty_rows(a);
    assert_int_equal(json_array_size(a), 0);
    formjson_drop_empty_rows(a);
    json_decref(a);
    formjson_drop_empty_rows(NULL);
}

/* The whole path the report form takes: rows left blank disappear. */
static void test_form_rows_end_to_end(void **state)
{
    (void)state;
    Field f[] = {{"targets[0].kind", "online"},  {"targets[0].url", ""},
                 {"targets[1].kind", "online"},  {"targets[1].url", "https://a"},
                 {"targets[2].kind", "offline"}, {"targets[2].holder", ""},
                 {"targets[2].where", ""},       {"csrf", "t"}};
    json_t *v = build(f, sizeof f / sizeof f[0], BOOLS, SKIP);
    formjson_drop_empty_rows(json_object_get(v, "targets"));
    assert_json(v, "{\"targets\":[{\"kind\":\"online\",\"url\":\"https://a\"}]}");
    json_decref(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nested_paths),
        cmocka_unit_test(test_arrays),
        cmocka_unit_test(test_index_limit),
        cmocka_unit_test(test_bools),
        cmocka_unit_test(test_skip),
        cmocka_unit_test(test_malformed_names),
        cmocka_unit_test(test_malformed_leaves_nothing),
        cmocka_unit_test(test_segment_and_name_length),
        cmocka_unit_test(test_clashes),
        cmocka_unit_test(test_invalid_utf8_dropped),
        cmocka_unit_test(test_drop_empty_rows),
        cmocka_unit_test(test_form_rows_end_to_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
