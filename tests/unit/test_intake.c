/* The intake validator: every bound on both sides (counted in characters: the strings are
 * Chinese, three bytes each), every enum, required fields, dates around the "tomorrow" limit,
 * phone and email checks, error paths, defaults and the normalised output. */
#include "intake.h"
#include "vault.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#define HAN "字" /* one character, three bytes in UTF-8 */

static int64_t utc(int y, int mon, int d, int h, int min, int s)
{
    struct tm tm = {0};
    tm.tm_year = y - 1900;
    tm.tm_mon = mon - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = min;
    tm.tm_sec = s;
    return (int64_t)timegm(&tm);
}

/* 2025-03-10 12:00:00 UTC. */
#define NOW utc(2025, 3, 10, 12, 0, 0)

/* n copies of unit, as a new JSON string. */
static json_t *repeat(const char *unit, size_t n)
{
    size_t u = strlen(unit);
    char *s = malloc(u * n + 1);
    assert_non_null(s);
    for (size_t i = 0; i < n; i++)
        memcpy(s + i * u, unit, u);
    s[u * n] = '\0';
    json_t *j = json_string(s);
    free(s);
    assert_non_null(j);
    return j;
}

/* The smallest report that passes. */
static json_t *good_report(void)
{
    json_t *r =
        json_pack("{s:{s:s}, s:{s:s}, s:b, s:s, s:[{s:s, s:s}]}", "requester", "role", "self",
                  "incident", "type", "crime", "good_faith", 1, "signature", "张三", "targets",
                  "kind", "online", "url", "https://www.douyin.com/video/7300000000000000000");
    assert_non_null(r);
    return r;
}

/* The object at a dotted path of plain object keys ("requester.contact"), created as needed. */
static json_t *obj_at(json_t *root, const char *path)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s", path);
    json_t *o = root;
    for (char *save = NULL, *k = strtok_r(buf, ".", &save); k; k = strtok_r(NULL, ".", &save)) {
        json_t *c = json_object_get(o, k);
        if (!c) {
            c = json_object();
            json_object_set_new(o, k, c);
        }
        o = c;
    }
    return o;
}

/* Sets the member at "a.b.c" (the last part is the key), stealing v. */
static void set(json_t *root, const char *path, json_t *v)
{
    const char *dot = strrchr(path, '.');
    if (!dot) {
        json_object_set_new(root, path, v);
        return;
    }
    char parent[128];
    snprintf(parent, sizeof parent, "%.*s", (int)(dot - path), path);
    json_object_set_new(obj_at(root, parent), dot + 1, v);
}

/* Removes the member at "a.b.c". */
static void del(json_t *root, const char *path)
{
    const char *dot = strrchr(path, '.');
    if (!dot) {
        json_object_del(root, path);
        return;
    }
    char parent[128];
    snprintf(parent, sizeof parent, "%.*s", (int)(dot - path), path);
    json_object_del(obj_at(root, parent), dot + 1);
}

static json_t *target0(json_t *r)
{
    return json_array_get(json_object_get(r, "targets"), 0);
}

static void dump_errors(const IntakeErrors *e)
{
    for (size_t i = 0; i < e->n; i++)
        print_message("  error %s: %s\n", e->e[i].field, e->e[i].code);
}

/* Validates r (stolen) and expects success; returns the output. */
static json_t *expect_ok(json_t *r, int64_t now)
{
    IntakeErrors e;
    json_t *out = intake_validate(r, now, &e);
    json_decref(r);
    if (!out) {
        dump_errors(&e);
        fail_msg("refused a good report");
    }
    assert_int_equal(e.n, 0);
    return out;
}

/* Validates r (stolen) and expects exactly one error, field and code. */
static void expect_one(json_t *r, int64_t now, const char *field, const char *code)
{
    IntakeErrors e;
    json_t *out = intake_validate(r, now, &e);
    json_decref(r);
    if (out || e.n != 1 || strcmp(e.e[0].field, field) != 0 || strcmp(e.e[0].code, code) != 0) {
        dump_errors(&e);
        json_decref(out);
        fail_msg("expected only %s: %s", field, code);
    }
}

static int has_error(const IntakeErrors *e, const char *field, const char *code)
{
    for (size_t i = 0; i < e->n; i++)
        if (strcmp(e->e[i].field, field) == 0 && strcmp(e->e[i].code, code) == 0)
            return 1;
    return 0;
}

/* The string at a dotted path of the output. */
static const char *str_at(json_t *out, const char *path)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s", path);
    json_t *o = out;
    for (char *save = NULL, *k = strtok_r(buf, ".", &save); k && o; k = strtok_r(NULL, ".", &save))
        o = json_object_get(o, k);
    return json_string_value(o);
}

/* ---- text bounds ---- */

typedef struct TextField {
    const char *path; /* in the input and the output */
    size_t max;
    int in_target; /* a member of targets[0]; offline when 2 */
} TextField;

static const TextField text_fields[] = {
    {"requester.name", INTAKE_NAME_MAX, 0},
    {"requester.contact.value", INTAKE_CONTACT_MAX, 0}, /* channel none: any text */
    {"requester.contact.safe_hours", INTAKE_SAFE_HOURS_MAX, 0},
    {"incident.place", INTAKE_PLACE_MAX, 0},
    {"incident.police_case_no", INTAKE_POLICE_NO_MAX, 0},
    {"description", INTAKE_DESCRIPTION_MAX, 0},
    {"signature", INTAKE_SIGNATURE_MAX, 0},
    {"note", INTAKE_NOTE_MAX, 1},
    {"holder", INTAKE_HOLDER_MAX, 2},
    {"where", INTAKE_WHERE_MAX, 2},
};

static json_t *report_with_text(const TextField *f, json_t *v)
{
    json_t *r = good_report();
    if (f->in_target) {
        json_t *t = target0(r);
        if (f->in_target == 2) {
            json_object_clear(t);
            json_object_set_new(t, "kind", json_string("offline"));
            json_object_set_new(t, "holder", json_string("店主"));
            json_object_set_new(t, "where", json_string("便利店"));
        }
        json_object_set_new(t, f->path, v);
    } else {
        set(r, f->path, v);
    }
    return r;
}

static void test_text_bounds_in_characters(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof text_fields / sizeof text_fields[0]; i++) {
        const TextField *f = &text_fields[i];
        char path[64];
        if (f->in_target)
            snprintf(path, sizeof path, "targets[0].%s", f->path);
        else
            snprintf(path, sizeof path, "%s", f->path);
        /* max characters of three bytes each: kept whole (3 * max bytes is over max). */
        json_t *out = expect_ok(report_with_text(f, repeat(HAN, f->max)), NOW);
        const char *got = f->in_target
                              ? json_string_value(json_object_get(
                                    json_array_get(json_object_get(out, "targets"), 0), f->path))
                              : str_at(out, f->path);
        if (!got || intake_chars(got) != f->max || strlen(got) != 3 * f->max)
            fail_msg("%s: %zu characters not kept", path, f->max);
        json_decref(out);
        /* One more character: too long. */
        expect_one(report_with_text(f, repeat(HAN, f->max + 1)), NOW, path, "too_long");
        /* The same in ASCII, both sides. */
        json_decref(expect_ok(report_with_text(f, repeat("a", f->max)), NOW));
        expect_one(report_with_text(f, repeat("a", f->max + 1)), NOW, path, "too_long");
        /* A wrong type. */
        expect_one(report_with_text(f, json_integer(1)), NOW, path, "invalid");
    }
}

/* Surrounding white space does not count toward the bound and is not kept. */
static void test_trim(void **state)
{
    (void)state;
    json_t *r = good_report();
    json_t *name = repeat(HAN, INTAKE_NAME_MAX);
    char padded[3 * INTAKE_NAME_MAX + 16];
    snprintf(padded, sizeof padded, " \t\r\n%s \n", json_string_value(name));
    json_decref(name);
    set(r, "requester.name", json_string(padded));
    set(r, "signature", json_string("  李四\t"));
    set(r, "description", json_string("\n第一行\n第二行\n"));
    json_t *out = expect_ok(r, NOW);
    assert_int_equal(intake_chars(str_at(out, "requester.name")), INTAKE_NAME_MAX);
    assert_string_equal(str_at(out, "signature"), "李四");
    assert_string_equal(str_at(out, "description"), "第一行\n第二行"); /* inner newline kept */
    json_decref(out);
    /* White space only is empty: a required field is missing, an optional one is absent. */
    r = good_report();
    set(r, "signature", json_string(" \t\n "));
    expect_one(r, NOW, "signature", "required");
    r = good_report();
    set(r, "requester.name", json_string("   "));
    out = expect_ok(r, NOW);
    assert_null(json_object_get(json_object_get(out, "requester"), "name"));
    json_decref(out);
}

static void test_control_characters(void **state)
{
    (void)state;
    static const char *const bad[] = {"a\x01z", "a\x1bz", "a\x7fz", "a\x08z", "\x1f"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *r = good_report();
        set(r, "description", json_string(bad[i]));
        expect_one(r, NOW, "description", "invalid");
        r = good_report();
        json_object_set_new(target0(r), "note", json_string(bad[i]));
        expect_one(r, NOW, "targets[0].note", "invalid");
    }
    /* Tab, CR and LF inside a text are fine. */
    json_t *r = good_report();
    set(r, "description", json_string("a\tb\r\nc"));
    json_t *out = expect_ok(r, NOW);
    assert_string_equal(str_at(out, "description"), "a\tb\r\nc");
    json_decref(out);
}

/* ---- enums, required fields, defaults ---- */

typedef struct EnumField {
    const char *path;
    const char *const *ok;
    const char *def; /* NULL: required */
} EnumField;

static const char *const E_LANG[] = {"zh-CN", "en", NULL};
static const char *const E_ROLE[] = {"self", "guardian", "representative", "relative", NULL};
static const char *const E_CHANNEL[] = {"none", NULL}; /* phone and email need a value */
static const char *const E_TYPE[] = {"crime",      "accident", "intimate",          "deepfake",
                                     "harassment", "other",    "prefer_not_to_say", NULL};
static const char *const E_PRESERVE[] = {"none", "fingerprint", "sealed_copy", "police", NULL};

static const EnumField enum_fields[] = {
    {"language", E_LANG, "zh-CN"},
    {"requester.role", E_ROLE, NULL},
    {"requester.contact.channel", E_CHANNEL, "none"},
    {"incident.type", E_TYPE, NULL},
    {"consent.preservation", E_PRESERVE, "none"},
};

static void test_enums(void **state)
{
    (void)state;
    static const char *const wrong[] = {"SELF", "zh-cn", "x", "none ", "lawyer", "fax", "all"};
    for (size_t i = 0; i < sizeof enum_fields / sizeof enum_fields[0]; i++) {
        const EnumField *f = &enum_fields[i];
        for (size_t k = 0; f->ok[k]; k++) {
            json_t *r = good_report();
            set(r, f->path, json_string(f->ok[k]));
            json_t *out = expect_ok(r, NOW);
            assert_string_equal(str_at(out, f->path), f->ok[k]);
            json_decref(out);
        }
        for (size_t k = 0; k < sizeof wrong / sizeof wrong[0]; k++) {
            json_t *r = good_report();
            set(r, f->path, json_string(wrong[k]));
            expect_one(r, NOW, f->path, "invalid");
        }
        json_t *r = good_report();
        set(r, f->path, json_integer(0));
        expect_one(r, NOW, f->path, "invalid");
        /* Absent, null or empty: the default, or "required". */
        for (int a = 0; a < 3; a++) {
            r = good_report();
            if (a == 0) {
                set(r, f->path, json_null());
            } else if (a == 1) {
                set(r, f->path, json_string(""));
            } else {
                del(r, f->path);
            }
            if (f->def) {
                json_t *out = expect_ok(r, NOW);
                assert_string_equal(str_at(out, f->path), f->def);
                json_decref(out);
            } else {
                expect_one(r, NOW, f->path, "required");
            }
        }
    }
}

static void test_target_kinds(void **state)
{
    (void)state;
    static const char *const online_like[] = {"online", "account", "search"};
    for (size_t i = 0; i < 3; i++) {
        json_t *r = good_report();
        json_object_set_new(target0(r), "kind", json_string(online_like[i]));
        json_t *out = expect_ok(r, NOW);
        json_t *t = json_array_get(json_object_get(out, "targets"), 0);
        assert_string_equal(json_string_value(json_object_get(t, "kind")), online_like[i]);
        assert_string_equal(json_string_value(json_object_get(t, "platform")), "douyin");
        json_decref(out);
        /* These need a link. */
        r = good_report();
        json_object_set_new(target0(r), "kind", json_string(online_like[i]));
        json_object_del(target0(r), "url");
        expect_one(r, NOW, "targets[0].url", "required");
    }
    /* Absent kind: online. */
    json_t *r = good_report();
    json_object_del(target0(r), "kind");
    json_t *out = expect_ok(r, NOW);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(out, "targets"), 0), "kind")),
                        "online");
    json_decref(out);
    r = good_report();
    json_object_set_new(target0(r), "kind", json_string("Offline"));
    expect_one(r, NOW, "targets[0].kind", "invalid");
    /* Offline needs holder and where, not a link. */
    r = good_report();
    json_object_set_new(target0(r), "kind", json_string("offline"));
    IntakeErrors e;
    out = intake_validate(r, NOW, &e);
    json_decref(r);
    assert_null(out);
    assert_int_equal(e.n, 2);
    assert_true(has_error(&e, "targets[0].holder", "required"));
    assert_true(has_error(&e, "targets[0].where", "required"));
}

/* An empty report names every required field, and only those. */
static void test_required(void **state)
{
    (void)state;
    IntakeErrors e;
    json_t *r = json_object();
    assert_null(intake_validate(r, NOW, &e));
    json_decref(r);
    assert_int_equal(e.n, 5);
    assert_true(has_error(&e, "requester.role", "required"));
    assert_true(has_error(&e, "incident.type", "required"));
    assert_true(has_error(&e, "good_faith", "must_be_true"));
    assert_true(has_error(&e, "signature", "required"));
    assert_true(has_error(&e, "targets", "required"));
    /* Not an object at all. */
    r = json_array();
    assert_null(intake_validate(r, NOW, &e));
    json_decref(r);
    assert_int_equal(e.n, 1);
    assert_null(intake_validate(NULL, NOW, &e));
    assert_int_equal(e.n, 1);
    /* Sub-objects of the wrong type. */
    static const char *const subs[] = {"requester", "incident", "risk", "consent"};
    for (size_t i = 0; i < 4; i++) {
        r = good_report();
        json_object_set_new(r, subs[i], json_string("x"));
        json_t *out = intake_validate(r, NOW, &e);
        json_decref(r);
        assert_null(out);
        assert_true(has_error(&e, subs[i], "invalid"));
    }
    r = good_report();
    set(r, "requester.contact", json_integer(1));
    assert_null(intake_validate(r, NOW, &e));
    json_decref(r);
    assert_true(has_error(&e, "requester.contact", "invalid"));
}

static void test_good_faith(void **state)
{
    (void)state;
    json_t *r = good_report();
    set(r, "good_faith", json_false());
    expect_one(r, NOW, "good_faith", "must_be_true");
    r = good_report();
    json_object_del(r, "good_faith");
    expect_one(r, NOW, "good_faith", "must_be_true");
    r = good_report();
    set(r, "good_faith", json_null());
    expect_one(r, NOW, "good_faith", "must_be_true");
    /* A string is not a boolean, even "true". */
    r = good_report();
    set(r, "good_faith", json_string("true"));
    IntakeErrors e;
    assert_null(intake_validate(r, NOW, &e));
    json_decref(r);
    assert_true(has_error(&e, "good_faith", "must_be_true"));
    r = good_report();
    json_t *out = expect_ok(r, NOW);
    assert_true(json_is_true(json_object_get(out, "good_faith")));
    json_decref(out);
}

static void test_bool_fields(void **state)
{
    (void)state;
    static const char *const paths[] = {
        "requester.contact.may_leave_message",
        "requester.contact.do_not_contact",
        "risk.danger_now",
        "risk.self_harm",
        "risk.extortion",
        "risk.perpetrator_contact",
        "consent.share_identity_with_platform",
    };
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        json_t *r = good_report();
        set(r, paths[i], json_true());
        json_t *out = expect_ok(r, NOW);
        const char *dot = strrchr(paths[i], '.');
        char parent[64];
        snprintf(parent, sizeof parent, "%.*s", (int)(dot - paths[i]), paths[i]);
        assert_true(json_is_true(json_object_get(obj_at(out, parent), dot + 1)));
        json_decref(out);
        /* Absent: false, and present in the output. */
        out = expect_ok(good_report(), NOW);
        assert_true(json_is_false(json_object_get(obj_at(out, parent), dot + 1)));
        json_decref(out);
        r = good_report();
        set(r, paths[i], json_string("on"));
        expect_one(r, NOW, paths[i], "invalid");
    }
}

static void test_defaults_filled(void **state)
{
    (void)state;
    json_t *r = good_report();
    set(r, "extra", json_string("dropped"));
    set(r, "requester.secret", json_string("dropped"));
    json_t *out = expect_ok(r, NOW);
    assert_string_equal(str_at(out, "language"), "zh-CN");
    assert_string_equal(str_at(out, "requester.contact.channel"), "none");
    assert_string_equal(str_at(out, "consent.preservation"), "none");
    assert_true(json_is_array(json_object_get(out, "fingerprints")));
    assert_int_equal(json_array_size(json_object_get(out, "fingerprints")), 0);
    assert_null(json_object_get(out, "extra"));
    assert_null(json_object_get(json_object_get(out, "requester"), "secret"));
    assert_null(json_object_get(json_object_get(out, "requester"), "name"));
    assert_null(json_object_get(json_object_get(out, "incident"), "date"));
    json_decref(out);
}

/* ---- contact ---- */

static void contact(json_t *r, const char *channel, const char *value)
{
    set(r, "requester.contact.channel", json_string(channel));
    if (value)
        set(r, "requester.contact.value", json_string(value));
}

static void test_phone(void **state)
{
    (void)state;
    static const char *const ok[] = {"13800138000", "+86 138-0013-8000", "(010) 6552 9988", "12345",
                                     "12345678901234567890"};
    static const char *const bad[] = {"1234", "123456789012345678901", "138abc00138",
                                      "+",    "138.0013.8000",         "１３８００１３８０００"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        json_t *r = good_report();
        contact(r, "phone", ok[i]);
        json_t *out = expect_ok(r, NOW);
        assert_string_equal(str_at(out, "requester.contact.value"), ok[i]);
        assert_string_equal(str_at(out, "requester.contact.channel"), "phone");
        json_decref(out);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *r = good_report();
        contact(r, "phone", bad[i]);
        expect_one(r, NOW, "requester.contact.value", "invalid_phone");
    }
    json_t *r = good_report();
    contact(r, "phone", NULL);
    expect_one(r, NOW, "requester.contact.value", "required");
    r = good_report();
    contact(r, "phone", "  ");
    expect_one(r, NOW, "requester.contact.value", "required");
}

/* SMS asks a phone number; a trusted person needs a name and a way to reach them; a code word
 * (optional) is bounded. Both sides of each rule. */
static void test_contact_ways(void **state)
{
    (void)state;
    json_t *r = good_report();
    contact(r, "sms", "138 0013 8000");
    json_t *out = expect_ok(r, NOW);
    assert_string_equal(str_at(out, "requester.contact.channel"), "sms");
    json_decref(out);
    r = good_report();
    contact(r, "sms", "abc");
    expect_one(r, NOW, "requester.contact.value", "invalid_phone");
    r = good_report();
    contact(r, "sms", NULL);
    expect_one(r, NOW, "requester.contact.value", "required");

    r = good_report();
    contact(r, "trusted", NULL);
    set(r, "requester.contact.trusted_name", json_string("王阿姨"));
    set(r, "requester.contact.trusted_contact", json_string("139 0000 0000"));
    out = expect_ok(r, NOW);
    assert_string_equal(str_at(out, "requester.contact.trusted_name"), "王阿姨");
    assert_string_equal(str_at(out, "requester.contact.trusted_contact"), "139 0000 0000");
    json_decref(out);
    r = good_report();
    contact(r, "trusted", NULL);
    set(r, "requester.contact.trusted_name", json_string("王阿姨"));
    expect_one(r, NOW, "requester.contact.trusted_contact", "required");
    /* Another way: the trusted person's fields are not kept. */
    r = good_report();
    contact(r, "none", NULL);
    set(r, "requester.contact.trusted_name", json_string("王阿姨"));
    out = expect_ok(r, NOW);
    assert_null(json_object_get(json_object_get(json_object_get(out, "requester"), "contact"),
                                "trusted_name"));
    json_decref(out);

    char word[INTAKE_CODE_WORD_MAX + 2];
    memset(word, 'w', sizeof word - 1);
    word[INTAKE_CODE_WORD_MAX] = '\0';
    r = good_report();
    contact(r, "phone", "13800138000");
    set(r, "requester.contact.code_word", json_string(word));
    out = expect_ok(r, NOW);
    assert_string_equal(str_at(out, "requester.contact.code_word"), word);
    json_decref(out);
    word[INTAKE_CODE_WORD_MAX] = 'w';
    word[INTAKE_CODE_WORD_MAX + 1] = '\0';
    r = good_report();
    contact(r, "phone", "13800138000");
    set(r, "requester.contact.code_word", json_string(word));
    expect_one(r, NOW, "requester.contact.code_word", "too_long");
}

static void test_email(void **state)
{
    (void)state;
    static const char *const ok[] = {"a@b.cn", "zhang.san+x@mail.example.org", "名@例子.中国"};
    static const char *const bad[] = {"ab.cn",    "@b.cn",    "a@b",      "a@b@c.cn",
                                      "a b@c.cn", "<a@b.cn>", "a@b.cn\"", "a@"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        json_t *r = good_report();
        contact(r, "email", ok[i]);
        json_decref(expect_ok(r, NOW));
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *r = good_report();
        contact(r, "email", bad[i]);
        expect_one(r, NOW, "requester.contact.value", "invalid_email");
    }
    json_t *r = good_report();
    contact(r, "email", NULL);
    expect_one(r, NOW, "requester.contact.value", "required");
    /* The bound applies to addresses too: 254 characters pass, 255 do not. */
    char addr[300];
    memset(addr, 'a', sizeof addr);
    memcpy(addr + 254 - 5, "@b.cn", 6);
    assert_int_equal(strlen(addr), 254);
    r = good_report();
    contact(r, "email", addr);
    json_decref(expect_ok(r, NOW));
    memset(addr, 'a', sizeof addr);
    memcpy(addr + 255 - 5, "@b.cn", 6);
    r = good_report();
    contact(r, "email", addr);
    expect_one(r, NOW, "requester.contact.value", "too_long");
}

/* ---- dates ---- */

static void date_ok(const char *date, int64_t now)
{
    json_t *r = good_report();
    set(r, "incident.date", json_string(date));
    json_t *out = expect_ok(r, now);
    assert_string_equal(str_at(out, "incident.date"), date);
    json_decref(out);
}

static void date_bad(const char *date, int64_t now)
{
    json_t *r = good_report();
    set(r, "incident.date", json_string(date));
    expect_one(r, now, "incident.date", "invalid_date");
}

static void test_dates(void **state)
{
    (void)state;
    date_ok("2025-03-10", NOW);
    date_ok("1900-01-01", NOW);
    date_bad("1899-12-31", NOW);
    /* February 29th: leap years only (divisible by 4, not by 100 unless by 400). */
    date_ok("2024-02-29", NOW);
    date_ok("2000-02-29", NOW);
    date_bad("2023-02-29", NOW);
    date_bad("1900-02-29", NOW);
    date_ok("2023-02-28", NOW);
    date_bad("2024-02-30", NOW);
    /* Month and day ranges. */
    date_bad("2024-13-01", NOW);
    date_bad("2024-00-10", NOW);
    date_bad("2024-01-00", NOW);
    /* Digits only: sscanf alone would read " 9" and "+9" (and " 9" sorts before "03"). */
    date_bad("2025- 9-30", NOW);
    date_bad("2024-01- 1", NOW);
    date_bad("2025-+9-30", NOW);
    date_bad("+025-01-01", NOW);
    date_bad("2024-01-32", NOW);
    date_ok("2024-01-31", NOW);
    date_bad("2024-04-31", NOW);
    date_ok("2024-04-30", NOW);
    date_ok("2024-12-31", NOW);
    /* Shapes. */
    date_bad("2024/01/31", NOW);
    date_bad("2024-1-031", NOW);
    date_bad("20240131xx", NOW);
    date_bad("abcd-ef-gh", NOW);
    date_bad("2024-01-3", NOW);
    json_t *r = good_report();
    set(r, "incident.date", json_string("2024-01-311"));
    expect_one(r, NOW, "incident.date", "too_long");
}

/* Tomorrow (UTC) is allowed for every time zone; the day after is not. */
static void test_date_tomorrow_limit(void **state)
{
    (void)state;
    date_ok("2025-03-11", NOW);
    date_bad("2025-03-12", NOW);
    date_bad("2026-03-10", NOW);
    /* At the last second of a day and the first of the next. */
    int64_t late = utc(2025, 3, 10, 23, 59, 59);
    date_ok("2025-03-11", late);
    date_bad("2025-03-12", late);
    int64_t early = utc(2025, 3, 11, 0, 0, 0);
    date_ok("2025-03-12", early);
    date_bad("2025-03-13", early);
    /* Across a year and a leap day. */
    int64_t eve = utc(2024, 12, 31, 10, 0, 0);
    date_ok("2025-01-01", eve);
    date_bad("2025-01-02", eve);
    int64_t feb28 = utc(2024, 2, 28, 10, 0, 0);
    date_ok("2024-02-29", feb28);
    date_bad("2024-03-01", feb28);
}

/* ---- targets ---- */

static json_t *online(const char *url)
{
    return json_pack("{s:s, s:s}", "kind", "online", "url", url);
}

static void test_target_count(void **state)
{
    (void)state;
    static const size_t counts[] = {0, 1, INTAKE_TARGETS_MAX, INTAKE_TARGETS_MAX + 1};
    for (size_t c = 0; c < 4; c++) {
        json_t *r = good_report();
        json_t *ts = json_array();
        for (size_t i = 0; i < counts[c]; i++) {
            char url[64];
            snprintf(url, sizeof url, "https://weibo.com/1/%zu", i);
            json_array_append_new(ts, online(url));
        }
        json_object_set_new(r, "targets", ts);
        if (counts[c] == 0) {
            expect_one(r, NOW, "targets", "required");
        } else if (counts[c] > INTAKE_TARGETS_MAX) {
            expect_one(r, NOW, "targets", "too_many");
        } else {
            json_t *out = expect_ok(r, NOW);
            assert_int_equal(json_array_size(json_object_get(out, "targets")), counts[c]);
            json_decref(out);
        }
    }
    json_t *r = good_report();
    set(r, "targets", json_object());
    expect_one(r, NOW, "targets", "invalid");
    r = good_report();
    json_array_append_new(json_object_get(r, "targets"), json_string("https://weibo.com/1"));
    expect_one(r, NOW, "targets[1]", "invalid");
}

static void test_error_paths(void **state)
{
    (void)state;
    json_t *r = good_report();
    json_t *ts = json_object_get(r, "targets");
    json_array_append_new(ts, online("https://weibo.com/1/2"));
    json_array_append_new(ts, json_pack("{s:s, s:s}", "kind", "offline", "where", "学校门口"));
    json_array_append_new(ts, online("javascript:alert(1)"));
    json_array_append_new(ts, online("   "));
    json_array_append_new(ts, json_pack("{s:s, s:i}", "kind", "online", "url", 5));
    set(r, "incident.date", json_string("2025-02-30"));
    IntakeErrors e;
    assert_null(intake_validate(r, NOW, &e));
    json_decref(r);
    assert_int_equal(e.n, 5);
    assert_true(has_error(&e, "targets[2].holder", "required"));
    assert_true(has_error(&e, "targets[3].url", "not_http"));
    assert_true(has_error(&e, "targets[4].url", "required"));
    assert_true(has_error(&e, "targets[5].url", "invalid"));
    assert_true(has_error(&e, "incident.date", "invalid_date"));
    /* A platform named for a target is reported at that target's own path. */
    r = good_report();
    json_object_set_new(target0(r), "platform", json_string("myspace"));
    assert_null(intake_validate(r, NOW, &e));
    json_decref(r);
    assert_int_equal(e.n, 1);
    assert_string_equal(e.e[0].field, "targets[0].platform");
}

static void test_errors_capped(void **state)
{
    (void)state;
    json_t *r = good_report();
    json_t *ts = json_array();
    for (size_t i = 0; i < INTAKE_TARGETS_MAX; i++)
        json_array_append_new(ts, online("ftp://x"));
    json_object_set_new(r, "targets", ts);
    json_t *fps = json_array();
    for (size_t i = 0; i < INTAKE_FINGERPRINTS_MAX; i++)
        json_array_append_new(fps, json_pack("{s:s}", "value", "zz"));
    json_object_set_new(r, "fingerprints", fps);
    IntakeErrors e;
    assert_null(intake_validate(r, NOW, &e));
    json_decref(r);
    assert_int_equal(e.n, INTAKE_ERRORS_MAX); /* 70 problems, 64 kept */
    assert_string_equal(e.e[0].field, "targets[0].url");
    assert_string_equal(e.e[INTAKE_TARGETS_MAX].field, "fingerprints[0].value");
}

static void test_normalised_targets(void **state)
{
    (void)state;
    json_t *r = good_report();
    json_t *ts = json_array();
    json_array_append_new(ts, online("https://WWW.Douyin.com/video/1?utm_source=wx#top"));
    json_array_append_new(ts, json_pack("{s:s, s:s, s:s}", "kind", "online", "url",
                                        "https://example.com/a", "platform", "bilibili"));
    json_array_append_new(ts, json_pack("{s:s, s:s, s:s}", "kind", "online", "url",
                                        "https://weibo.com/1/2", "platform", "douyin"));
    json_array_append_new(ts, json_pack("{s:s, s:s, s:s, s:s}", "kind", "offline", "holder",
                                        " 店主 ", "where", "街口便利店", "url", "https://x.com/"));
    json_array_append_new(
        ts, json_pack("{s:s}", "url", "7.99 复制打开抖音 https://v.douyin.com/iRNBho6/ 看看"));
    json_object_set_new(r, "targets", ts);
    json_t *out = expect_ok(r, NOW);
    json_t *ot = json_object_get(out, "targets");
    assert_int_equal(json_array_size(ot), 5);
    json_t *t = json_array_get(ot, 0);
    assert_string_equal(json_string_value(json_object_get(t, "url")),
                        "https://WWW.Douyin.com/video/1?utm_source=wx#top");
    assert_string_equal(json_string_value(json_object_get(t, "canonical")),
                        "https://www.douyin.com/video/1");
    assert_string_equal(json_string_value(json_object_get(t, "host")), "www.douyin.com");
    assert_string_equal(json_string_value(json_object_get(t, "platform")), "douyin");
    /* A known platform named by the victim fills in for an unknown host ... */
    t = json_array_get(ot, 1);
    assert_string_equal(json_string_value(json_object_get(t, "platform")), "bilibili");
    /* ... but never overrides the one the link shows. */
    t = json_array_get(ot, 2);
    assert_string_equal(json_string_value(json_object_get(t, "platform")), "weibo");
    /* Offline: platform "offline", trimmed text, no link kept. */
    t = json_array_get(ot, 3);
    assert_string_equal(json_string_value(json_object_get(t, "kind")), "offline");
    assert_string_equal(json_string_value(json_object_get(t, "platform")), "offline");
    assert_string_equal(json_string_value(json_object_get(t, "holder")), "店主");
    assert_null(json_object_get(t, "url"));
    assert_null(json_object_get(t, "canonical"));
    /* Share text: the link inside it. */
    t = json_array_get(ot, 4);
    assert_string_equal(json_string_value(json_object_get(t, "canonical")),
                        "https://v.douyin.com/iRNBho6/");
    assert_string_equal(json_string_value(json_object_get(t, "platform")), "douyin");
    json_decref(out);
    /* An unknown platform name is refused. */
    r = good_report();
    json_object_set_new(target0(r), "platform", json_string("myspace"));
    IntakeErrors e;
    assert_null(intake_validate(r, NOW, &e));
    json_decref(r);
    assert_int_equal(e.n, 1);
    assert_string_equal(e.e[0].code, "invalid");
    /* An empty platform is the same as none. */
    r = good_report();
    json_object_set_new(target0(r), "platform", json_string(""));
    json_decref(expect_ok(r, NOW));
}

/* ---- fingerprints ---- */

static json_t *fp(const char *value)
{
    return json_pack("{s:s, s:s}", "alg", "sha256", "value", value);
}

static void test_fingerprints(void **state)
{
    (void)state;
    char hex63[64], hex64[65], hex65[66];
    memset(hex63, 'a', 63);
    hex63[63] = '\0';
    memset(hex64, 'b', 64);
    hex64[64] = '\0';
    memset(hex65, 'c', 65);
    hex65[65] = '\0';
    static const size_t counts[] = {0, 1, INTAKE_FINGERPRINTS_MAX, INTAKE_FINGERPRINTS_MAX + 1};
    for (size_t c = 0; c < 4; c++) {
        json_t *r = good_report();
        json_t *a = json_array();
        for (size_t i = 0; i < counts[c]; i++)
            json_array_append_new(a, fp(hex64));
        json_object_set_new(r, "fingerprints", a);
        if (counts[c] > INTAKE_FINGERPRINTS_MAX) {
            expect_one(r, NOW, "fingerprints", "too_many");
        } else {
            json_t *out = expect_ok(r, NOW);
            assert_int_equal(json_array_size(json_object_get(out, "fingerprints")), counts[c]);
            json_decref(out);
        }
    }
    /* Length: 63 and 65 hex digits refused, 64 kept. */
    json_t *r = good_report();
    json_object_set_new(r, "fingerprints", json_pack("[o, o]", fp(hex64), fp(hex63)));
    expect_one(r, NOW, "fingerprints[1].value", "invalid");
    r = good_report();
    json_object_set_new(r, "fingerprints", json_pack("[o]", fp(hex65)));
    expect_one(r, NOW, "fingerprints[0].value", "invalid");
    /* Upper case is normalised to lower case; alg defaults to sha256. */
    char mixed[65];
    for (int i = 0; i < 64; i++)
        mixed[i] = "0123456789ABCDEFabcdef"[i % 22];
    mixed[64] = '\0';
    r = good_report();
    json_object_set_new(r, "fingerprints", json_pack("[{s:s}]", "value", mixed));
    json_t *out = expect_ok(r, NOW);
    json_t *f = json_array_get(json_object_get(out, "fingerprints"), 0);
    assert_string_equal(json_string_value(json_object_get(f, "alg")), "sha256");
    const char *v = json_string_value(json_object_get(f, "value"));
    assert_int_equal(strlen(v), 64);
    for (int i = 0; i < 64; i++)
        assert_true((v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' && v[i] <= 'f'));
    assert_true(strncmp(v, "0123456789abcdefabcdef", 22) == 0);
    json_decref(out);
    /* Not hex, another algorithm, not an object, not an array. */
    char nothex[65];
    memcpy(nothex, hex64, 65);
    nothex[10] = 'g';
    r = good_report();
    json_object_set_new(r, "fingerprints", json_pack("[o]", fp(nothex)));
    expect_one(r, NOW, "fingerprints[0].value", "invalid");
    r = good_report();
    json_object_set_new(r, "fingerprints", json_pack("[{s:s, s:s}]", "alg", "md5", "value", hex64));
    expect_one(r, NOW, "fingerprints[0].value", "invalid");
    r = good_report();
    json_object_set_new(r, "fingerprints", json_pack("[s]", hex64));
    expect_one(r, NOW, "fingerprints[0].value", "invalid");
    r = good_report();
    json_object_set_new(r, "fingerprints", json_string(hex64));
    expect_one(r, NOW, "fingerprints", "invalid");
    r = good_report();
    json_object_set_new(r, "fingerprints", json_null());
    json_decref(expect_ok(r, NOW));
}

/* ---- adding targets later ---- */

static json_t *n_targets(size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, online("https://www.kuaishou.com/short-video/1"));
    return a;
}

static void test_validate_targets_existing(void **state)
{
    (void)state;
    static const struct {
        size_t existing, adding;
        int ok;
    } cases[] = {
        {0, 1, 1},
        {0, INTAKE_TARGETS_MAX, 1},
        {0, INTAKE_TARGETS_MAX + 1, 0},
        {INTAKE_TARGETS_MAX - 1, 1, 1},
        {INTAKE_TARGETS_MAX - 1, 2, 0},
        {INTAKE_TARGETS_MAX - 2, 2, 1},
        {INTAKE_TARGETS_MAX, 1, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *in = n_targets(cases[i].adding);
        IntakeErrors e = {0};
        json_t *out = intake_validate_targets(in, cases[i].existing, &e);
        json_decref(in);
        if (cases[i].ok) {
            if (!out)
                fail_msg("%zu + %zu refused", cases[i].existing, cases[i].adding);
            assert_int_equal(json_array_size(out), cases[i].adding);
            assert_string_equal(
                json_string_value(json_object_get(json_array_get(out, 0), "platform")), "kuaishou");
            json_decref(out);
        } else {
            if (out)
                fail_msg("%zu + %zu accepted", cases[i].existing, cases[i].adding);
            assert_int_equal(e.n, 1);
            assert_string_equal(e.e[0].field, "targets");
            assert_string_equal(e.e[0].code, "too_many");
        }
    }
    IntakeErrors e = {0};
    json_t *in = json_array();
    assert_null(intake_validate_targets(in, 3, &e));
    json_decref(in);
    assert_true(has_error(&e, "targets", "required"));
    e.n = 0;
    assert_null(intake_validate_targets(NULL, 0, &e));
    assert_true(has_error(&e, "targets", "required"));
    e.n = 0;
    in = json_string("x");
    assert_null(intake_validate_targets(in, 0, &e));
    json_decref(in);
    assert_true(has_error(&e, "targets", "invalid"));
    e.n = 0;
    in = json_pack("[o, o]", online("https://weibo.com/1"), online("data:text/html,x"));
    assert_null(intake_validate_targets(in, 0, &e));
    json_decref(in);
    assert_int_equal(e.n, 1);
    assert_string_equal(e.e[0].field, "targets[1].url");
    assert_string_equal(e.e[0].code, "not_http");
}

static void test_chars(void **state)
{
    (void)state;
    assert_int_equal(intake_chars(NULL), 0);
    assert_int_equal(intake_chars(""), 0);
    assert_int_equal(intake_chars("abc"), 3);
    assert_int_equal(intake_chars("字"), 1);
    assert_int_equal(intake_chars("中文abc"), 5);
    assert_int_equal(intake_chars("é"), 1);
    assert_int_equal(intake_chars("\xf0\x9f\x98\x80"), 1); /* an emoji: four bytes */
    assert_int_equal(intake_chars("a\nb"), 3);
}

/* A receipt as intake makes it, "dddd dddd dddd dddd dddd" (shown on the receipt page and sent
 * back by its form), and as a victim types it at sign-in: in full-width digits with ideographic
 * spaces, with dashes, run together. The one parser reads all the same, so all find the same case;
 * one digit short or over fails either way. */
static void test_receipt_one_parser(void **state)
{
    assert_int_equal(vault_init(), 0);
    char made[VAULT_RECEIPT_TEXT], shown[VAULT_RECEIPT_DIGITS + 1];
    vault_receipt_new(made);
    assert_int_equal(vault_receipt_parse(made, shown), 0);
    char wide[VAULT_RECEIPT_TEXT * 3], dashed[VAULT_RECEIPT_TEXT], joined[VAULT_RECEIPT_DIGITS + 1];
    size_t w = 0, d = 0;
    for (const char *p = made; *p; p++) {
        if (*p == ' ') {
            memcpy(wide + w, "\xe3\x80\x80", 3); /* U+3000 ideographic space */
            dashed[d++] = '-';
        } else {
            memcpy(wide + w, "\xef\xbc", 2); /* U+FF10 + digit */
            wide[w + 2] = (char)(0x90 + (*p - '0'));
            dashed[d++] = *p;
        }
        w += 3;
    }
    wide[w] = dashed[d] = '\0';
    snprintf(joined, sizeof joined, "%s", shown);
    const char *typed[] = {made, wide, dashed, joined};
    for (size_t i = 0; i < sizeof typed / sizeof *typed; i++) {
        char digits[VAULT_RECEIPT_DIGITS + 1];
        assert_int_equal(vault_receipt_parse(typed[i], digits), 0);
        assert_string_equal(digits, shown);
    }
    unsigned char salt[VAULT_SALT_BYTES] = {1}, a[VAULT_ID_BYTES], b[VAULT_ID_BYTES];
    unsigned char *ka = vault_secret_alloc(VAULT_KEY_BYTES),
                  *kb = vault_secret_alloc(VAULT_KEY_BYTES);
    char digits[VAULT_RECEIPT_DIGITS + 1];
    assert_int_equal(vault_receipt_parse(wide, digits), 0);
    assert_int_equal(vault_receipt_derive(shown, salt, vault_pw_cost_default(), a, ka), 0);
    assert_int_equal(vault_receipt_derive(digits, salt, vault_pw_cost_default(), b, kb), 0);
    assert_true(memcmp(a, b, sizeof a) == 0 && vault_equal(ka, kb, VAULT_KEY_BYTES));
    vault_secret_free(ka);
    vault_secret_free(kb);
    wide[w - 3] = '\0'; /* 19 digits */
    assert_int_equal(vault_receipt_parse(wide, digits), -1);
    dashed[d - 1] = '\0';
    assert_int_equal(vault_receipt_parse(dashed, digits), -1);
    char over[VAULT_RECEIPT_TEXT + 1];
    snprintf(over, sizeof over, "%s7", made); /* 21 digits */
    assert_int_equal(vault_receipt_parse(over, digits), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_bounds_in_characters),
        cmocka_unit_test(test_trim),
        cmocka_unit_test(test_control_characters),
        cmocka_unit_test(test_enums),
        cmocka_unit_test(test_target_kinds),
        cmocka_unit_test(test_required),
        cmocka_unit_test(test_good_faith),
        cmocka_unit_test(test_bool_fields),
        cmocka_unit_test(test_defaults_filled),
        cmocka_unit_test(test_phone),
        cmocka_unit_test(test_email),
        cmocka_unit_test(test_contact_ways),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_date_tomorrow_limit),
        cmocka_unit_test(test_target_count),
        cmocka_unit_test(test_error_paths),
        cmocka_unit_test(test_errors_capped),
        cmocka_unit_test(test_normalised_targets),
        cmocka_unit_test(test_fingerprints),
        cmocka_unit_test(test_validate_targets_existing),
        cmocka_unit_test(test_chars),
        cmocka_unit_test(test_receipt_one_parser),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
