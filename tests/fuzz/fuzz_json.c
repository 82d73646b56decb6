/* Fuzz target for JSON request validation: a body read as http.c reads one (json_loadb with
 * duplicate keys refused, an object or nothing), then the report validator (intake_validate),
 * the validator of copies added later (intake_validate_targets) and the notice builder that
 * works on what they let through (notice_build). No crash, leak or overread, and:
 * - a report is refused exactly when problems are listed, each naming a field and a known code;
 * - an accepted report has the shape DESIGN section 7 promises: known words in every enum, every
 *   text trimmed, free of control characters and within its bound, 1-50 targets whose links are
 *   canonical and whose platforms are known, lower-case SHA-256 fingerprints, good_faith true;
 * - validating an accepted report again accepts it unchanged (the normal form is a fixed point),
 *   and its targets pass intake_validate_targets to the same list;
 * - a notice is built exactly when no element of its route is missing.
 * The body is the whole input; "fields" in it (an object) are the caseworker's notice fields. */
#include "fuzz_check.h"
#include "intake.h"
#include "links.h"
#include "notice.h"

#include <jansson.h>
#include <string.h>

/* 2026-03-01 00:00 UTC: a fixed "now" for the date check, so runs repeat. */
#define FUZZ_NOW 1772323200

static const char *const CODES[] = {
    "required", "too_long",     "invalid",      "not_http",      "bad_host",      "control_char",
    "too_many", "must_be_true", "invalid_date", "invalid_phone", "invalid_email", NULL};

static int one_of(const char *s, const char *const *words)
{
    for (size_t i = 0; s && words[i]; i++)
        if (strcmp(s, words[i]) == 0)
            return 1;
    return 0;
}

static void check_errors(const IntakeErrors *errs)
{
    CHECK(errs->n <= INTAKE_ERRORS_MAX);
    for (size_t i = 0; i < errs->n; i++) {
        CHECK(memchr(errs->e[i].field, '\0', sizeof errs->e[i].field) != NULL);
        CHECK(one_of(errs->e[i].code, CODES));
    }
}

/* A kept text: trimmed, no control character but tab and line breaks, at most max characters. */
static void check_text(const json_t *obj, const char *key, size_t max, int required)
{
    const json_t *v = json_object_get(obj, key);
    if (!v) {
        CHECK(!required);
        return;
    }
    CHECK(json_is_string(v));
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    CHECK(n > 0 && strlen(s) == n);
    CHECK(!strchr(" \t\r\n", s[0]) && !strchr(" \t\r\n", s[n - 1]));
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        CHECK(c >= 0x20 || c == '\t' || c == '\n' || c == '\r');
        CHECK(c != 0x7f);
    }
    CHECK(intake_chars(s) <= max);
}

static const char *text_of(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static void check_target(const json_t *t)
{
    static const char *const kinds[] = {"online", "account", "search", "offline", NULL};
    CHECK(json_is_object(t));
    const char *kind = text_of(t, "kind");
    CHECK(one_of(kind, kinds));
    check_text(t, "note", INTAKE_NOTE_MAX, 0);
    const char *platform = text_of(t, "platform");
    CHECK(platform && *platform);
    if (strcmp(kind, "offline") == 0) {
        check_text(t, "holder", INTAKE_HOLDER_MAX, 1);
        check_text(t, "where", INTAKE_WHERE_MAX, 1);
        CHECK(strcmp(platform, "offline") == 0);
        return;
    }
    /* The link as given canonicalises to the canonical form kept, which is its own. */
    LinkInfo a, b;
    CHECK(link_canonicalize(text_of(t, "url"), &a) == LINK_OK);
    CHECK(strcmp(a.canonical, text_of(t, "canonical")) == 0);
    CHECK(strcmp(a.host, text_of(t, "host")) == 0);
    CHECK(link_canonicalize(a.canonical, &b) == LINK_OK && strcmp(a.canonical, b.canonical) == 0);
    size_t n;
    const LinkPlatform *known = link_platforms(&n);
    int ok = 0;
    for (size_t i = 0; i < n; i++)
        ok |= strcmp(known[i].id, platform) == 0;
    CHECK(ok);
}

static void check_report(const json_t *r)
{
    static const char *const langs[] = {"zh-CN", "en", NULL};
    static const char *const roles[] = {"self", "guardian", "representative", "relative", NULL};
    static const char *const channels[] = {"phone", "email", "none", NULL};
    static const char *const types[] = {"crime",      "accident", "intimate", "deepfake",
                                        "harassment", "other",    NULL};
    static const char *const preservation[] = {"none", "fingerprint", "sealed_copy", "police",
                                               NULL};
    CHECK(one_of(text_of(r, "language"), langs));
    const json_t *req = json_object_get(r, "requester");
    CHECK(one_of(text_of(req, "role"), roles));
    check_text(req, "name", INTAKE_NAME_MAX, 0);
    const json_t *contact = json_object_get(req, "contact");
    const char *channel = text_of(contact, "channel");
    CHECK(one_of(channel, channels));
    check_text(contact, "value", INTAKE_CONTACT_MAX, strcmp(channel, "none") != 0);
    check_text(contact, "safe_hours", INTAKE_SAFE_HOURS_MAX, 0);
    CHECK(json_is_boolean(json_object_get(contact, "may_leave_message")));
    CHECK(json_is_boolean(json_object_get(contact, "do_not_contact")));
    const json_t *inc = json_object_get(r, "incident");
    CHECK(one_of(text_of(inc, "type"), types));
    check_text(inc, "date", 10, 0);
    const char *date = text_of(inc, "date");
    CHECK(!date || (strlen(date) == 10 && date[4] == '-' && date[7] == '-'));
    check_text(inc, "place", INTAKE_PLACE_MAX, 0);
    check_text(inc, "police_case_no", INTAKE_POLICE_NO_MAX, 0);
    check_text(r, "description", INTAKE_DESCRIPTION_MAX, 0);
    const json_t *consent = json_object_get(r, "consent");
    CHECK(json_is_boolean(json_object_get(consent, "share_identity_with_platform")));
    CHECK(one_of(text_of(consent, "preservation"), preservation));
    CHECK(json_is_true(json_object_get(r, "good_faith")));
    check_text(r, "signature", INTAKE_SIGNATURE_MAX, 1);
    const json_t *targets = json_object_get(r, "targets");
    CHECK(json_array_size(targets) >= 1 && json_array_size(targets) <= INTAKE_TARGETS_MAX);
    for (size_t i = 0; i < json_array_size(targets); i++)
        check_target(json_array_get(targets, i));
    const json_t *fps = json_object_get(r, "fingerprints");
    CHECK(json_is_array(fps) && json_array_size(fps) <= INTAKE_FINGERPRINTS_MAX);
    for (size_t i = 0; i < json_array_size(fps); i++) {
        const char *v = text_of(json_array_get(fps, i), "value");
        CHECK(strcmp(text_of(json_array_get(fps, i), "alg"), "sha256") == 0);
        CHECK(v && strlen(v) == 64 && strspn(v, "0123456789abcdef") == 64);
    }
    int bits = intake_risk_bits(r);
    const json_t *risk = json_object_get(r, "risk");
    CHECK(bits == ((json_is_true(json_object_get(risk, "danger_now")) ? 1 : 0) |
                   (json_is_true(json_object_get(risk, "self_harm")) ? 2 : 0) |
                   (json_is_true(json_object_get(risk, "extortion")) ? 4 : 0) |
                   (json_is_true(json_object_get(risk, "perpetrator_contact")) ? 8 : 0)));
}

/* The notice of every route for the report's first target: built iff nothing is missing. */
static void check_notices(const json_t *report, const json_t *fields)
{
    static const struct {
        const char *route, *elements;
    } routes[] = {{"cn_complaint", "url,reason,identity,evidence"},
                  {"us_take_it_down", "url,signature,good_faith,contact"},
                  {"eu_dsa", "url,reason,name,email,good_faith"},
                  {"au_esafety", "url,reason"}};
    json_t *body = intake_case_body(report);
    CHECK(body != NULL);
    const json_t *target = json_array_get(json_object_get(report, "targets"), 0);
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        for (int lang = 0; lang < 2; lang++) {
            NoticeInput in = {.route = routes[i].route,
                              .elements = routes[i].elements,
                              .lang = lang ? "en" : "zh-CN",
                              .platform_name = "Douyin",
                              .org_name = "Helpline",
                              .date = "2026-03-01",
                              .case_body = body,
                              .target = target,
                              .screenshots = (int)(i % 2),
                              .fingerprints =
                                  (int)json_array_size(json_object_get(report, "fingerprints")),
                              .fields = fields};
            json_t *missing = json_array();
            char *text = notice_build(&in, missing);
            CHECK((text != NULL) == (json_array_size(missing) == 0));
            for (size_t k = 0; k < json_array_size(missing); k++)
                CHECK(strstr(routes[i].elements, json_string_value(json_array_get(missing, k))));
            free(text);
            json_decref(missing);
        }
    }
    json_decref(body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *in = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(in)) {
        json_decref(in);
        return 0;
    }
    IntakeErrors errs;
    json_t *report = intake_validate(in, FUZZ_NOW, &errs);
    check_errors(&errs);
    CHECK((report == NULL) == (errs.n > 0));

    /* Copies added later, to a case that already has some. */
    size_t existing = size % (INTAKE_TARGETS_MAX + 2);
    IntakeErrors terrs = {0};
    json_t *targets = intake_validate_targets(json_object_get(in, "targets"), existing, &terrs);
    check_errors(&terrs);
    CHECK((targets == NULL) == (terrs.n > 0));
    for (size_t i = 0; i < json_array_size(targets); i++)
        check_target(json_array_get(targets, i));

    if (report) {
        check_report(report);
        IntakeErrors again_errs;
        json_t *again = intake_validate(report, FUZZ_NOW, &again_errs);
        CHECK(again != NULL && json_equal(again, report));
        json_decref(again);
        const json_t *kept = json_object_get(report, "targets");
        if (existing + json_array_size(kept) <= INTAKE_TARGETS_MAX)
            CHECK(targets != NULL && json_equal(targets, kept));
        const json_t *fields = json_object_get(in, "fields");
        check_notices(report, json_is_object(fields) ? fields : NULL);
    }
    json_decref(targets);
    json_decref(report);
    json_decref(in);
    return 0;
}
