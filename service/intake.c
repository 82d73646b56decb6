/* Intake: one validator for the API and the form, then encryption and filing in one transaction.
 * The report's sensitive parts go into the case body and the target bodies, encrypted under the
 * case key; only workflow metadata (role, type, risk flags, platform, state) stays in clear. */
#include "intake.h"

#include "filestore.h"
#include "hours.h"
#include "links.h"
#include "log.h"
#include "sealed.h"
#include "states.h"
#include "store_case.h"
#include "store_log.h"
#include "store_queue_bulk.h"
#include "store_registry.h"
#include "store_staff.h"
#include "store_target.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *const INTAKE_FORM_BOOLS[] = {"requester.contact.may_leave_message",
                                         "requester.contact.do_not_contact",
                                         "requester.contact.notify",
                                         "risk.danger_now",
                                         "risk.self_harm",
                                         "risk.extortion",
                                         "risk.perpetrator_contact",
                                         "consent.share_identity_with_platform",
                                         "good_faith",
                                         NULL};

size_t intake_chars(const char *s)
{
    size_t n = 0;
    for (; s && *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

static void add_error(IntakeErrors *errs, const char *field, const char *code)
{
    if (errs->n == INTAKE_ERRORS_MAX)
        return;
    snprintf(errs->e[errs->n].field, sizeof errs->e[0].field, "%s", field);
    errs->e[errs->n].code = code;
    errs->n++;
}

/* A string at key of obj, trimmed of surrounding ASCII white space, into out (a new string or
 * absent). Checks type and length; records an error under path. Returns the kept value or NULL. */
static const char *take_text(json_t *obj, const char *key, const char *path, size_t max,
                             int required, json_t *out, IntakeErrors *errs)
{
    json_t *v = obj ? json_object_get(obj, key) : NULL;
    if (v && !json_is_string(v) && !json_is_null(v)) {
        add_error(errs, path, "invalid");
        return NULL;
    }
    const char *s = json_is_string(v) ? json_string_value(v) : "";
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    size_t len = strlen(s);
    while (len &&
           (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\n' || s[len - 1] == '\r'))
        len--;
    if (len == 0) {
        if (required)
            add_error(errs, path, "required");
        return NULL;
    }
    char *copy = xstrndup(s, len);
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)copy[i];
        if ((ch < 0x20 && ch != '\n' && ch != '\r' && ch != '\t') || ch == 0x7f) {
            add_error(errs, path, "invalid");
            free(copy);
            return NULL;
        }
    }
    if (intake_chars(copy) > max) {
        add_error(errs, path, "too_long");
        free(copy);
        return NULL;
    }
    json_object_set_new(out, key, json_string(copy));
    free(copy);
    return json_string_value(json_object_get(out, key));
}

/* One of a fixed set of words (def when absent and def is not NULL). */
static const char *take_enum(json_t *obj, const char *key, const char *path,
                             const char *const *allowed, const char *def, json_t *out,
                             IntakeErrors *errs)
{
    json_t *v = obj ? json_object_get(obj, key) : NULL;
    const char *s = json_is_string(v) ? json_string_value(v) : NULL;
    if (!v || json_is_null(v) || (s && !*s)) {
        if (!def) {
            add_error(errs, path, "required");
            return NULL;
        }
        s = def;
    } else if (!s) {
        add_error(errs, path, "invalid");
        return NULL;
    }
    for (size_t i = 0; allowed[i]; i++) {
        if (strcmp(allowed[i], s) == 0) {
            json_object_set_new(out, key, json_string(s));
            return allowed[i];
        }
    }
    add_error(errs, path, "invalid");
    return NULL;
}

/* A boolean (false when absent). */
static int take_bool(json_t *obj, const char *key, const char *path, json_t *out,
                     IntakeErrors *errs)
{
    json_t *v = obj ? json_object_get(obj, key) : NULL;
    if (v && !json_is_boolean(v) && !json_is_null(v)) {
        add_error(errs, path, "invalid");
        return 0;
    }
    int b = json_is_true(v);
    json_object_set_new(out, key, json_boolean(b));
    return b;
}

/* An object member that must be an object when present (an empty one when absent). */
static json_t *sub(json_t *obj, const char *key, const char *path, IntakeErrors *errs)
{
    json_t *v = obj ? json_object_get(obj, key) : NULL;
    if (v && !json_is_object(v)) {
        add_error(errs, path, "invalid");
        return NULL;
    }
    return v;
}

static int valid_date(const char *s, int64_t now)
{
    int y, m, d;
    char tail;
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    /* Digits only where digits belong: sscanf alone would take " 9" or "+9". */
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return 0;
    if (sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
        return 0;
    static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1900 || m < 1 || m > 12 || d < 1 || d > days[m - 1])
        return 0;
    if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 0;
    /* Not after tomorrow (UTC), which leaves room for every time zone. */
    time_t t = (time_t)now + 86400;
    struct tm tm;
    gmtime_r(&t, &tm);
    char limit[16];
    strftime(limit, sizeof limit, "%Y-%m-%d", &tm);
    return strcmp(s, limit) <= 0;
}

static int valid_phone(const char *s)
{
    size_t digits = 0;
    for (const char *p = s; *p; p++) {
        if (*p >= '0' && *p <= '9')
            digits++;
        else if (!strchr("+-() ", *p))
            return 0;
    }
    return digits >= 5 && digits <= 20;
}

int intake_email_valid(const char *s)
{
    const char *at = s ? strchr(s, '@') : NULL;
    if (!at || at == s || strchr(at + 1, '@') || !strchr(at + 1, '.') || strpbrk(s, "<>\",;"))
        return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= ' ' || *p == 0x7f) /* spaces and controls: an address is one header token */
            return 0;
    return 1;
}

static const char *const ROLES[] = {"self", "guardian", "representative", "relative", NULL};
/* How the requester may be reached; "sms" and "trusted" (through a person they trust) came
 * after the first contract, whose values stay valid. */
static const char *const CHANNELS[] = {"phone", "sms", "email", "trusted", "none", NULL};
static const char *const INCIDENTS[] = {"crime",      "accident", "intimate",          "deepfake",
                                        "harassment", "other",    "prefer_not_to_say", NULL};
static const char *const PRESERVE[] = {"none", "fingerprint", "sealed_copy", "police", NULL};
static const char *const LANGS[] = {"zh-CN", "en", NULL};
/* Literals: tests/http/openapi.test.mjs reads this list from the source. */
static const char *const KINDS[] = {"online", "account", "search", "offline", NULL};

static const char *link_error_code(LinkError e)
{
    switch (e) {
    case LINK_EMPTY:
        return "required";
    case LINK_TOO_LONG:
        return "too_long";
    case LINK_NOT_HTTP:
        return "not_http";
    case LINK_BAD_HOST:
        return "bad_host";
    case LINK_CONTROL_CHAR:
        return "control_char";
    default:
        return "invalid";
    }
}

/* Validates one target into out; path is "targets[i]". */
static void take_target(json_t *t, const char *path, json_t *out, IntakeErrors *errs)
{
    char p[64];
    if (!json_is_object(t)) {
        add_error(errs, path, "invalid");
        return;
    }
    snprintf(p, sizeof p, "%s.kind", path);
    const char *kind = take_enum(t, "kind", p, KINDS, TARGET_KIND_ONLINE, out, errs);
    snprintf(p, sizeof p, "%s.note", path);
    take_text(t, "note", p, INTAKE_NOTE_MAX, 0, out, errs);
    if (!kind)
        return;
    if (states_kind_offline(kind)) {
        snprintf(p, sizeof p, "%s.holder", path);
        take_text(t, "holder", p, INTAKE_HOLDER_MAX, 1, out, errs);
        snprintf(p, sizeof p, "%s.where", path);
        take_text(t, "where", p, INTAKE_WHERE_MAX, 1, out, errs);
        json_object_set_new(out, "platform", json_string("offline"));
        return;
    }
    snprintf(p, sizeof p, "%s.url", path);
    json_t *u = json_object_get(t, "url");
    if (u && !json_is_string(u)) {
        add_error(errs, p, "invalid");
        return;
    }
    LinkInfo *li = xcalloc(1, sizeof *li);
    LinkError le = link_canonicalize(u ? json_string_value(u) : "", li);
    if (le != LINK_OK) {
        add_error(errs, p, link_error_code(le));
    } else {
        json_object_set_new(out, "url", json_string(json_string_value(u)));
        json_object_set_new(out, "canonical", json_string(li->canonical));
        json_object_set_new(out, "host", json_string(li->host));
        /* The platform the victim names wins only when it is a known one. */
        json_t *pf = json_object_get(t, "platform");
        const char *platform = li->platform;
        size_t n;
        const LinkPlatform *known = link_platforms(&n);
        if (json_is_string(pf) && *json_string_value(pf)) {
            int ok = 0;
            for (size_t i = 0; i < n; i++)
                if (strcmp(known[i].id, json_string_value(pf)) == 0)
                    ok = 1;
            if (!ok) {
                snprintf(p, sizeof p, "%s.platform", path);
                add_error(errs, p, "invalid");
            } else if (strcmp(platform, "other") == 0)
                platform = json_string_value(pf);
        }
        json_object_set_new(out, "platform", json_string(platform));
    }
    free(li);
}

json_t *intake_validate_targets(json_t *in, size_t existing, IntakeErrors *errs)
{
    errs->n = 0;
    json_t *out = json_array();
    if (!json_is_array(in)) {
        add_error(errs, "targets", in ? "invalid" : "required");
        json_decref(out);
        return NULL;
    }
    size_t n = json_array_size(in);
    if (n == 0)
        add_error(errs, "targets", "required");
    if (n + existing > INTAKE_TARGETS_MAX)
        add_error(errs, "targets", "too_many");
    for (size_t i = 0; i < n && i < INTAKE_TARGETS_MAX; i++) {
        char path[32];
        snprintf(path, sizeof path, "targets[%zu]", i);
        json_t *t = json_object();
        take_target(json_array_get(in, i), path, t, errs);
        json_array_append_new(out, t);
    }
    if (errs->n) {
        json_decref(out);
        return NULL;
    }
    return out;
}

/* The contact's way and its details: the number (phone, sms) or address (email) in value; for
 * "trusted", the trusted person's name and their number or address; an optional code word said
 * first on calls. All of it goes into the sealed case body with the rest of the contact. */
static void take_contact_way(json_t *contact, const char *ch, json_t *oc, IntakeErrors *errs)
{
    int by_phone = ch && (strcmp(ch, "phone") == 0 || strcmp(ch, "sms") == 0);
    int by_email = ch && strcmp(ch, "email") == 0;
    int trusted = ch && strcmp(ch, "trusted") == 0;
    const char *value = take_text(contact, "value", "requester.contact.value", INTAKE_CONTACT_MAX,
                                  by_phone || by_email, oc, errs);
    if (by_phone && value && !valid_phone(value))
        add_error(errs, "requester.contact.value", "invalid_phone");
    if (by_email && value && !intake_email_valid(value))
        add_error(errs, "requester.contact.value", "invalid_email");
    if (trusted) {
        take_text(contact, "trusted_name", "requester.contact.trusted_name", INTAKE_NAME_MAX, 1, oc,
                  errs);
        take_text(contact, "trusted_contact", "requester.contact.trusted_contact",
                  INTAKE_CONTACT_MAX, 1, oc, errs);
    }
    take_text(contact, "code_word", "requester.contact.code_word", INTAKE_CODE_WORD_MAX, 0, oc,
              errs);
}

json_t *intake_validate(json_t *in, int64_t now, IntakeErrors *errs)
{
    errs->n = 0;
    if (!json_is_object(in)) {
        add_error(errs, "", "invalid");
        return NULL;
    }
    json_t *out = json_object();
    take_enum(in, "language", "language", LANGS, "zh-CN", out, errs);

    json_t *req = sub(in, "requester", "requester", errs);
    json_t *oreq = json_object();
    take_enum(req, "role", "requester.role", ROLES, NULL, oreq, errs);
    take_text(req, "name", "requester.name", INTAKE_NAME_MAX, 0, oreq, errs);
    json_t *contact = req ? sub(req, "contact", "requester.contact", errs) : NULL;
    json_t *oc = json_object();
    const char *ch =
        take_enum(contact, "channel", "requester.contact.channel", CHANNELS, "none", oc, errs);
    take_contact_way(contact, ch, oc, errs);
    take_text(contact, "safe_hours", "requester.contact.safe_hours", INTAKE_SAFE_HOURS_MAX, 0, oc,
              errs);
    take_bool(contact, "may_leave_message", "requester.contact.may_leave_message", oc, errs);
    take_bool(contact, "do_not_contact", "requester.contact.do_not_contact", oc, errs);
    /* "Tell me when there is news": a content-free e-mail (outbox.c), so only with an address. */
    if (!take_bool(contact, "notify", "requester.contact.notify", oc, errs))
        json_object_del(oc, "notify"); /* kept only when asked: the contact's shape is as before */
    if (json_is_true(json_object_get(oc, "notify")) && (!ch || strcmp(ch, "email") != 0))
        add_error(errs, "requester.contact.notify", "notify_needs_email");
    /* The e-mail goes only inside these hours, read by a machine: a form it reads exactly, or
     * none (then the center's). "Weekdays", "afternoon" or "after 8" would be guessed wrong. */
    const char *hours = json_string_value(json_object_get(oc, "safe_hours"));
    int hf, ht;
    if (json_is_true(json_object_get(oc, "notify")) && hours && *hours &&
        hours_range(hours, &hf, &ht) != 0)
        add_error(errs, "requester.contact.safe_hours", "safe_hours_format");
    json_object_set_new(oreq, "contact", oc);
    json_object_set_new(out, "requester", oreq);

    json_t *inc = sub(in, "incident", "incident", errs);
    json_t *oi = json_object();
    take_enum(inc, "type", "incident.type", INCIDENTS, NULL, oi, errs);
    const char *date = take_text(inc, "date", "incident.date", 10, 0, oi, errs);
    if (date && !valid_date(date, now))
        add_error(errs, "incident.date", "invalid_date");
    take_text(inc, "place", "incident.place", INTAKE_PLACE_MAX, 0, oi, errs);
    take_text(inc, "police_case_no", "incident.police_case_no", INTAKE_POLICE_NO_MAX, 0, oi, errs);
    json_object_set_new(out, "incident", oi);

    take_text(in, "description", "description", INTAKE_DESCRIPTION_MAX, 0, out, errs);

    json_t *risk = sub(in, "risk", "risk", errs);
    json_t *orisk = json_object();
    take_bool(risk, "danger_now", "risk.danger_now", orisk, errs);
    take_bool(risk, "self_harm", "risk.self_harm", orisk, errs);
    take_bool(risk, "extortion", "risk.extortion", orisk, errs);
    take_bool(risk, "perpetrator_contact", "risk.perpetrator_contact", orisk, errs);
    json_object_set_new(out, "risk", orisk);

    json_t *consent = sub(in, "consent", "consent", errs);
    json_t *oco = json_object();
    take_bool(consent, "share_identity_with_platform", "consent.share_identity_with_platform", oco,
              errs);
    take_enum(consent, "preservation", "consent.preservation", PRESERVE, "none", oco, errs);
    json_object_set_new(out, "consent", oco);

    if (!take_bool(in, "good_faith", "good_faith", out, errs))
        add_error(errs, "good_faith", "must_be_true");
    take_text(in, "signature", "signature", INTAKE_SIGNATURE_MAX, 1, out, errs);

    json_t *targets = json_object_get(in, "targets");
    IntakeErrors terrs = {0};
    json_t *ot = intake_validate_targets(targets, 0, &terrs);
    for (size_t i = 0; i < terrs.n; i++)
        add_error(errs, terrs.e[i].field, terrs.e[i].code);
    if (ot)
        json_object_set_new(out, "targets", ot);

    json_t *fps = json_object_get(in, "fingerprints");
    json_t *ofp = json_array();
    if (fps && !json_is_array(fps) && !json_is_null(fps))
        add_error(errs, "fingerprints", "invalid");
    if (json_array_size(fps) > INTAKE_FINGERPRINTS_MAX)
        add_error(errs, "fingerprints", "too_many");
    for (size_t i = 0; i < json_array_size(fps) && i < INTAKE_FINGERPRINTS_MAX; i++) {
        json_t *f = json_array_get(fps, i);
        char path[48];
        snprintf(path, sizeof path, "fingerprints[%zu].value", i);
        json_t *alg = json_object_get(f, "alg");
        json_t *val = json_object_get(f, "value");
        const char *v = json_is_string(val) ? json_string_value(val) : "";
        int ok = json_is_object(f) &&
                 (!alg || (json_is_string(alg) && strcmp(json_string_value(alg), "sha256") == 0));
        ok = ok && strlen(v) == 64 && strspn(v, "0123456789abcdefABCDEF") == 64;
        if (!ok) {
            add_error(errs, path, "invalid");
            continue;
        }
        char lower[65];
        for (int k = 0; k < 64; k++)
            lower[k] = (char)(v[k] >= 'A' && v[k] <= 'F' ? v[k] - 'A' + 'a' : v[k]);
        lower[64] = '\0';
        json_array_append_new(ofp, json_pack("{s:s, s:s}", "alg", "sha256", "value", lower));
    }
    json_object_set_new(out, "fingerprints", ofp);

    if (errs->n) {
        json_decref(out);
        return NULL;
    }
    return out;
}

/* ---- filing ---- */

static VaultPwCost receipt_cost; /* written once at start, before any thread reads it */
static int receipt_cost_chosen;

void intake_set_receipt_cost(VaultPwCost cost)
{
    receipt_cost = cost;
    receipt_cost_chosen = 1;
}

VaultPwCost intake_receipt_cost(void)
{
    return receipt_cost_chosen ? receipt_cost : vault_pw_cost_default();
}

int intake_risk_bits(const json_t *report)
{
    json_t *r = json_object_get(report, "risk");
    return (json_is_true(json_object_get(r, "danger_now")) ? 1 : 0) |
           (json_is_true(json_object_get(r, "self_harm")) ? 2 : 0) |
           (json_is_true(json_object_get(r, "extortion")) ? 4 : 0) |
           (json_is_true(json_object_get(r, "perpetrator_contact")) ? 8 : 0);
}

json_t *intake_case_body(const json_t *report)
{
    json_t *body = json_pack(
        "{s:O, s:O, s:O, s:O, s:O, s:O}", "requester", json_object_get(report, "requester"),
        "incident", json_object_get(report, "incident"), "description",
        json_object_get(report, "description") ? json_object_get(report, "description")
                                               : json_null(),
        "consent", json_object_get(report, "consent"), "risk", json_object_get(report, "risk"),
        "signature", json_object_get(report, "signature"));
    json_object_set_new(body, "good_faith", json_true());
    return body;
}

typedef struct FileArgs {
    const unsigned char *key;
    const char *case_id;
    const StoredFile *files;
    size_t nfiles;
    int64_t now;
} FileArgs;

/* Inserts targets (insert, then the body bound to the new row id) and their "reported" event. */
static StoreStatus insert_targets(StoreConn *c, const unsigned char *key, const char *case_id,
                                  const json_t *targets, const char *actor, int64_t now)
{
    size_t i;
    json_t *t;
    Buf body = {0};
    StoreStatus s = STORE_OK;
    json_array_foreach(targets, i, t)
    {
        int64_t id = 0;
        Buf placeholder = {0};
        buf_putc(&placeholder, 0);
        s = store_target_insert(c, case_id, json_string_value(json_object_get(t, "kind")),
                                json_string_value(json_object_get(t, "platform")), STATE_REPORTED,
                                0, &placeholder, now, &id);
        buf_free(&placeholder);
        if (s != STORE_OK)
            break;
        char row[24];
        snprintf(row, sizeof row, "%lld", (long long)id);
        sealed_json(key, "targets", "body", row, t, &body);
        if ((s = store_set_sealed(c, SEALED_TARGET_BODY, id, body.data, body.len)) != STORE_OK)
            break;
        if ((s = store_event_insert(c, case_id, id, now, actor, "target.reported", NULL,
                                    STATE_REPORTED, NULL)) != STORE_OK)
            break;
    }
    buf_free(&body);
    return s;
}

typedef struct SubmitArgs {
    CaseRow row;
    const json_t *report;
    const unsigned char *key;
    const StoredFile *files;
    size_t nfiles;
    int64_t now;
    IntakeResult *res;
    const unsigned char *org_pk; /* the key the case key was sealed to */
    const IntakeBy *by;          /* NULL: the requester, who gets a session of their own */
    IntakeSubmit refused;        /* why the transaction refused (it returns STORE_NOT_FOUND) */
} SubmitArgs;

static StoreStatus submit_writes(StoreConn *c, void *arg)
{
    SubmitArgs *a = arg;
    /* An org rotation between sealing and this transaction: seal again to the new key. */
    OrgRow org = {0};
    StoreStatus s = store_org_get(c, &org);
    if (s == STORE_OK && memcmp(org.public_key, a->org_pk, sizeof org.public_key) != 0)
        s = STORE_CONFLICT;
    org_row_free(&org);
    if (s == STORE_OK)
        s = store_case_insert(c, &a->row);
    if (s != STORE_OK)
        return s;
    const char *id = a->row.id;
    /* Who put it on record: the requester, or the staff member who entered it. */
    char actor[80];
    snprintf(actor, sizeof actor, "staff:%s", a->by ? a->by->login : "");
    const char *by = a->by ? actor : "victim";
    if ((s = insert_targets(c, a->key, id, json_object_get(a->report, "targets"), by, a->now)) !=
        STORE_OK)
        return s;
    size_t i;
    json_t *f;
    Buf body = {0};
    json_array_foreach(json_object_get(a->report, "fingerprints"), i, f)
    {
        /* Insert, then the value bound to the new row id (a value moved to another row fails). */
        int64_t fid = 0;
        buf_reset(&body);
        buf_putc(&body, 0);
        if ((s = store_fingerprint_insert(c, id, "sha256", &body, &fid)) != STORE_OK)
            break;
        char row[24];
        snprintf(row, sizeof row, "%lld", (long long)fid);
        const char *v = json_string_value(json_object_get(f, "value"));
        buf_reset(&body);
        vault_field_encrypt(a->key, "fingerprints", "body", row, v, strlen(v), &body);
        if ((s = store_set_sealed(c, SEALED_FINGERPRINT_BODY, fid, body.data, body.len)) !=
            STORE_OK)
            break;
    }
    for (size_t k = 0; s == STORE_OK && k < a->nfiles; k++) {
        json_t *meta = json_pack("{s:s, s:s, s:I}", "name", a->files[k].name, "type",
                                 a->files[k].type, "size", (json_int_t)a->files[k].size);
        sealed_json(a->key, "files", "meta", a->files[k].id, meta, &body);
        json_decref(meta);
        s = store_file_insert(c, a->files[k].id, id, &body, a->now);
    }
    buf_free(&body);
    if (s != STORE_OK)
        return s;
    if ((s = store_event_insert(c, id, 0, a->now, by, "case.reported", NULL, NULL, NULL)) !=
        STORE_OK)
        return s;
    if (a->by && a->by->incident) { /* the center's own case, under its incident: one */
        IncidentRow ir = {0};
        char other[CASE_ID_LEN + 1] = "";
        s = store_incident_get(c, a->by->incident, &ir);
        buf_free(&ir.label);
        if (s == STORE_NOT_FOUND)
            a->refused = INTAKE_SUBMIT_NO_INCIDENT;
        if (s == STORE_OK && (s = store_center_case_of(c, a->by->incident, other)) == STORE_OK &&
            other[0]) {
            a->refused = INTAKE_SUBMIT_CENTER_EXISTS;
            s = STORE_NOT_FOUND;
        }
        if (s == STORE_OK)
            s = store_case_set_incident(c, id, a->by->incident);
        char detail[48];
        snprintf(detail, sizeof detail, "incident %lld", (long long)a->by->incident);
        return s == STORE_OK ? store_audit_append(c, a->now, actor, "case.center_open", id, detail)
                             : s;
    }
    if (a->by) { /* on someone's behalf: no session; the audit names who entered it, and how */
        char detail[96];
        snprintf(detail, sizeof detail, "channel=%s consent=%s", a->row.channel, a->by->consent);
        return store_audit_append(c, a->now, actor, "case.report_on_behalf", id, detail);
    }
    if ((s = session_create(c, "victim", 0, id, a->key, NULL, a->now, a->res->cookie,
                            a->res->csrf)) != STORE_OK)
        return s;
    return store_audit_append(c, a->now, "victim", "case.report", id, "");
}

/* The report's writes with the case's queue rows refreshed once, at the end, instead of after
 * the case and after each copy (store_queue_bulk.h). */
static StoreStatus submit_tx(StoreConn *c, void *arg)
{
    return store_queue_held(c, submit_writes, arg);
}

/* Moves uploaded files from files/tmp into place after the commit made them part of a case. */
static void files_commit(const StoredFile *files, size_t n)
{
    for (size_t i = 0; i < n; i++)
        filestore_commit(files[i].id);
}

static IntakeSubmit submit(const json_t *report, const unsigned char *given_key,
                           const StoredFile *files, size_t nfiles, const char *channel,
                           const IntakeBy *by, int64_t now, IntakeResult *res)
{
    StoreConn *c = store_conn();
    OrgRow org = {0};
    StoreStatus got = c ? store_org_get(c, &org) : STORE_UNAVAILABLE;
    if (got != STORE_OK) {
        org_row_free(&org);
        if (got == STORE_UNAVAILABLE) /* the database is out of reach: nothing was kept */
            return INTAKE_SUBMIT_UNAVAILABLE;
        log_errorx("the service is not initialised (no org key)");
        return INTAKE_SUBMIT_ERROR;
    }
    unsigned char *key = vault_secret_alloc(VAULT_KEY_BYTES);
    unsigned char *rkey = vault_secret_alloc(VAULT_KEY_BYTES);
    if (given_key)
        memcpy(key, given_key, VAULT_KEY_BYTES);
    else
        vault_key_new(key);
    SubmitArgs a = {.report = report,
                    .key = key,
                    .files = files,
                    .nfiles = nfiles,
                    .now = now,
                    .res = res,
                    .by = by};
    CaseRow *r = &a.row;
    json_t *req = json_object_get(report, "requester");
    json_t *inc = json_object_get(report, "incident");
    snprintf(r->channel, sizeof r->channel, "%s", channel);
    snprintf(r->requester_role, sizeof r->requester_role, "%s",
             json_string_value(json_object_get(req, "role")));
    snprintf(r->language, sizeof r->language, "%s",
             json_string_value(json_object_get(report, "language")));
    snprintf(r->incident_type, sizeof r->incident_type, "%s",
             json_string_value(json_object_get(inc, "type")));
    r->risk_flags = intake_risk_bits(report);
    r->created_at = r->updated_at = now;
    IntakeSubmit rc = INTAKE_SUBMIT_ERROR;
    for (int attempt = 0; attempt < 3; attempt++) {
        if (attempt > 0) { /* the org key may have been rotated meanwhile */
            org_row_free(&org);
            if (store_org_get(c, &org) != STORE_OK)
                break;
        }
        a.org_pk = org.public_key;
        vault_random_hex(r->id, CASE_ID_LEN / 2);
        char digits[VAULT_RECEIPT_DIGITS + 1];
        vault_receipt_new(res->receipt);
        if (vault_receipt_parse(res->receipt, digits) != 0 ||
            vault_receipt_derive(digits, org.receipt_salt, intake_receipt_cost(), r->receipt_lookup,
                                 rkey) != 0)
            break;
        vault_wipe(digits, sizeof digits);
        buf_reset(&r->receipt_wrap);
        vault_case_key_wrap_for_receipt(rkey, r->id, key, &r->receipt_wrap);
        buf_reset(&r->sealed_key);
        vault_case_key_seal(org.public_key, key, &r->sealed_key);
        json_t *body = intake_case_body(report);
        if (by && !by->incident) /* how the person consented stays with the case, encrypted */
            json_object_set_new(
                body, "on_behalf",
                json_pack("{s:s, s:s}", "consent", by->consent, "entered_by", by->login));
        sealed_json(key, "cases", "body", r->id, body, &r->body);
        json_decref(body);
        StoreStatus s = store_tx(submit_tx, &a);
        if (s == STORE_OK) {
            snprintf(res->case_id, sizeof res->case_id, "%s", r->id);
            files_commit(files, nfiles);
            rc = INTAKE_SUBMIT_OK;
            break;
        }
        if (s == STORE_UNAVAILABLE)
            rc = INTAKE_SUBMIT_UNAVAILABLE;
        if (s == STORE_NOT_FOUND && a.refused)
            rc = a.refused;
        if (s != STORE_CONFLICT) /* a clash of ids or lookups: try fresh ones */
            break;
    }
    if (rc != INTAKE_SUBMIT_OK)
        vault_wipe(res->receipt, sizeof res->receipt);
    vault_secret_free(key);
    vault_secret_free(rkey);
    org_row_free(&org);
    case_row_free(r);
    return rc;
}

IntakeSubmit intake_submit(const json_t *report, const unsigned char *key, const StoredFile *files,
                           size_t nfiles, const char *channel, int64_t now, IntakeResult *res)
{
    return submit(report, key, files, nfiles, channel, NULL, now, res);
}

IntakeSubmit intake_submit_on_behalf(const json_t *report, const IntakeBy *by, int64_t now,
                                     IntakeResult *res)
{
    return submit(report, NULL, NULL, 0, by->channel, by, now, res);
}

IntakeSubmit intake_submit_center(const json_t *report, const IntakeBy *by, int64_t now,
                                  char case_id[24])
{
    IntakeResult res = {0};
    IntakeSubmit r = submit(report, NULL, NULL, 0, "center", by, now, &res);
    snprintf(case_id, 24, "%s", res.case_id);
    vault_wipe(&res, sizeof res); /* the receipt nobody is given */
    return r;
}

static const char *const BEHALF_CHANNELS[] = {"walk_in", "hotline", "police", "hospital", NULL};
static const char *const BEHALF_CONSENTS[] = {"in_person", "phone", "writing", NULL};

/* The member of in named key when it is one of allowed; else an error at key ("required" when
 * absent). */
static const char *behalf_enum(json_t *in, const char *key, const char *const *allowed,
                               IntakeErrors *errs)
{
    json_t *v = json_is_object(in) ? json_object_get(in, key) : NULL;
    const char *s = json_is_string(v) ? json_string_value(v) : NULL;
    for (size_t i = 0; s && allowed[i]; i++)
        if (strcmp(s, allowed[i]) == 0)
            return allowed[i];
    add_error(errs, key, s && *s ? "invalid" : "required");
    return NULL;
}

json_t *intake_validate_on_behalf(json_t *in, int64_t now, const char *login, IntakeBy *by,
                                  IntakeErrors *errs)
{
    json_t *report = intake_validate(in, now, errs);
    const char *channel = behalf_enum(in, "channel", BEHALF_CHANNELS, errs);
    const char *consent = behalf_enum(in, "consent_recorded", BEHALF_CONSENTS, errs);
    if (!report || !channel || !consent) {
        json_decref(report);
        return NULL;
    }
    by->channel = channel;
    by->consent = consent;
    snprintf(by->login, sizeof by->login, "%s", login);
    return report;
}

json_t *intake_validate_center(json_t *in, int64_t now, const char *login, int64_t incident,
                               IntakeBy *by, IntakeErrors *errs)
{
    /* The victim's checks for what the center records (the incident, the description, the
     * copies), with the parts only a requester has filled in as nobody's: no one to contact, no
     * consent asked, signed by the staff member. */
    json_t *copy = json_is_object(in) ? json_copy(in) : json_object();
    json_object_set_new(copy, "requester", json_pack("{s:s}", "role", "self"));
    json_object_set_new(copy, "good_faith", json_true());
    json_object_set_new(copy, "signature", json_string(login));
    json_object_del(copy, "risk");
    json_object_del(copy, "consent");
    json_t *report = intake_validate(copy, now, errs);
    json_decref(copy);
    if (!report)
        return NULL;
    json_object_set_new(
        report, "requester",
        json_pack("{s:s, s:{s:s}}", "role", "center", "contact", "channel", "none"));
    by->channel = "center";
    by->consent = "none";
    by->incident = incident;
    snprintf(by->login, sizeof by->login, "%s", login);
    return report;
}

/* 1 when a committed case names the upload, 0 when none does, -1 when the store cannot tell. */
static int upload_filed(void *arg, const char *id)
{
    char case_id[CASE_ID_LEN + 1];
    Buf meta = {0};
    StoreStatus s = store_file_get(arg, id, case_id, &meta);
    buf_free(&meta);
    return s == STORE_OK ? 1 : s == STORE_NOT_FOUND ? 0 : -1;
}

int intake_recover_uploads(void)
{
    StoreConn *c = store_conn();
    int moved = 0, removed = 0;
    if (!c || filestore_recover(upload_filed, c, &moved, &removed) != 0) {
        log_errorx("cannot look through unfinished uploads");
        return -1;
    }
    if (moved || removed)
        log_warnx("after an unclean stop: %d screenshots of filed reports moved into place, %d "
                  "uploads no report took removed",
                  moved, removed);
    return 0;
}

typedef struct AddArgs {
    const char *case_id;
    const unsigned char *key;
    const char *actor;
    const json_t *targets;
    int64_t now;
    IntakeAdd refused; /* why the transaction refused (it returns STORE_CONFLICT then) */
} AddArgs;

static StoreStatus add_targets_writes(StoreConn *c, void *arg)
{
    AddArgs *a = arg;
    int64_t have = 0;
    int withdrawn = 0;
    StoreStatus s = store_case_facts(c, a->case_id, &have, &withdrawn);
    if (s != STORE_OK)
        return s;
    /* Counted here, under the write lock: a parallel add waits for this one to commit. */
    if (withdrawn || (size_t)have + json_array_size(a->targets) > INTAKE_TARGETS_MAX) {
        a->refused = withdrawn ? INTAKE_ADD_WITHDRAWN : INTAKE_ADD_TOO_MANY;
        return STORE_CONFLICT;
    }
    s = insert_targets(c, a->key, a->case_id, a->targets, a->actor, a->now);
    if (s != STORE_OK)
        return s;
    if ((s = store_case_touch(c, a->case_id, a->now)) != STORE_OK)
        return s;
    return store_audit_append(c, a->now, a->actor, "case.add_targets", a->case_id, "");
}

/* The copies' writes with the case's queue rows refreshed once, not after each copy. */
static StoreStatus add_targets_tx(StoreConn *c, void *arg)
{
    return store_queue_held(c, add_targets_writes, arg);
}

IntakeAdd intake_add_targets_to(const char *case_id, const unsigned char *key, const char *actor,
                                const json_t *targets, int64_t now)
{
    AddArgs a = {case_id, key, actor, targets, now, INTAKE_ADD_OK};
    StoreStatus st = store_tx(add_targets_tx, &a);
    if (st == STORE_OK)
        return INTAKE_ADD_OK;
    if (st == STORE_UNAVAILABLE)
        return INTAKE_ADD_UNAVAILABLE;
    if (st == STORE_NOT_FOUND)
        return INTAKE_ADD_NOT_FOUND;
    return st == STORE_CONFLICT && a.refused ? a.refused : INTAKE_ADD_ERROR;
}

IntakeAdd intake_add_targets(const Session *s, const json_t *targets, int64_t now)
{
    return intake_add_targets_to(s->case_id, s->key, "victim", targets, now);
}
