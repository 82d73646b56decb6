/* The victim's pages: the report form, the receipt, follow-up by receipt, the status page, adding
 * copies, messages, withdraw and erase. All work without JavaScript; every error shows the form
 * again with what was typed and the field marked. */
#include "handlers.h"

#include "auth.h"
#include "clock.h"
#include "formjson.h"
#include "guard.h"
#include "i18n.h"
#include "intake.h"
#include "links.h"
#include "log.h"
#include "receipt_once.h"
#include "reserve.h"
#include "results.h"
#include "session.h"
#include "signin.h"
#include "states.h"
#include "uploads.h"
#include "vault.h"
#include "victim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const FORM_SKIP[] = {"csrf", "action", "switch_lang", NULL};

/* Errors whose message says more than the code alone ("field.url.not_http" gives an example of
 * a whole link): "<field>.<code>" with field the last part of the path ("url" of a row) or the
 * whole key ("contact_phone"). Every one has a text in both languages. */
static const char *const SPECIFIC_MESSAGES[] = {"url.required",
                                                "url.not_http",
                                                "url.bad_host",
                                                "url.too_long",
                                                "url.invalid",
                                                "holder.required",
                                                "where.required",
                                                "requester_role.required",
                                                "incident_type.required",
                                                "signature.required",
                                                "contact_phone.required",
                                                "contact_phone.invalid_phone",
                                                "contact_email.required",
                                                "contact_email.invalid_email",
                                                "requester_contact_trusted_name.required",
                                                "requester_contact_trusted_contact.required",
                                                NULL};

/* n as an ordinal for people reading lang: "2nd" in English; "2" in Chinese (the text has 第). */
static void ordinal(const char *lang, size_t n, char *out, size_t size)
{
    const char *suffix = "";
    if (strcmp(lang, "en") == 0) {
        suffix = "th";
        if (n % 100 < 11 || n % 100 > 13)
            suffix = n % 10 == 1 ? "st" : n % 10 == 2 ? "nd" : n % 10 == 3 ? "rd" : "th";
    }
    snprintf(out, size, "%zu%s", n, suffix);
}

/* "2nd link" / "第 2 个链接": the text of key ("row.online", "row.offline") with the ordinal of
 * n in place of its "{}". */
static json_t *row_label(const char *lang, const char *key, size_t n)
{
    char ord[24];
    ordinal(lang, n, ord, sizeof ord);
    const char *text = i18n_get(lang, key);
    const char *at = strstr(text, "{}");
    if (!at)
        return json_string(text);
    return json_sprintf("%.*s%s%s", (int)(at - text), text, ord, at + 2);
}

/* The 1-based place of row i among the rows of its own kind (online or offline) in targets. */
static size_t row_place(json_t *targets, size_t i, int *offline)
{
    const char *kind = json_string_value(json_object_get(json_array_get(targets, i), "kind"));
    *offline = states_kind_offline(kind);
    size_t place = 1;
    for (size_t j = 0; j < i; j++) {
        const char *k = json_string_value(json_object_get(json_array_get(targets, j), "kind"));
        if (states_kind_offline(k) == *offline)
            place++;
    }
    return place;
}

/* The message key of one error: "field.url.not_http" where one says more, else "field.<code>". */
static void message_key(const char *field, const char *key, const char *code, char *out,
                        size_t size)
{
    const char *leaf =
        strncmp(field, "targets[", 8) == 0 && strchr(field, '.') ? strrchr(field, '.') + 1 : key;
    size_t n = strlen(leaf);
    for (size_t i = 0; SPECIFIC_MESSAGES[i]; i++)
        if (strncmp(SPECIFIC_MESSAGES[i], leaf, n) == 0 && SPECIFIC_MESSAGES[i][n] == '.' &&
            strcmp(SPECIFIC_MESSAGES[i] + n + 1, code) == 0) {
            snprintf(out, size, "field.%s", SPECIFIC_MESSAGES[i]);
            return;
        }
    snprintf(out, size, "field.%s", code);
}

/* {key: "field.<code>"} for every error, and a summary list with anchors. Each summary line says
 * where ("2nd link", or the field's label) and what to do; targets (may be NULL) are the rows the
 * errors' paths count in. */
static void add_errors(Request *req, json_t *ctx, const IntakeErrors *errs, json_t *targets)
{
    json_t *err = json_object();
    json_t *list = json_array();
    for (size_t i = 0; i < errs->n; i++) {
        const char *field = errs->e[i].field;
        char key[80], msg[96];
        formjson_field_id(field, key, sizeof key);
        message_key(field, key, errs->e[i].code, msg, sizeof msg);
        if (!json_object_get(err, key))
            json_object_set_new(err, key, json_string(msg));
        json_t *item = json_pack("{s:s, s:s}", "anchor", key, "message", msg);
        size_t row;
        if (sscanf(field, "targets[%zu]", &row) == 1) {
            /* Row fields: "2nd link", counted among the rows of the same kind (a row beyond
             * them is the first blank link: no link at all). */
            int offline = 0;
            size_t place = row < json_array_size(targets) ? row_place(targets, row, &offline) : 1;
            json_object_set_new(
                item, "text_label",
                row_label(req->lang, offline ? "row.offline" : "row.online", place));
        } else {
            char label[96];
            snprintf(label, sizeof label, "label.%s", key);
            if (strncmp(field, "fingerprints", 12) == 0)
                snprintf(label, sizeof label, "label.fingerprints");
            json_object_set_new(item, "label", json_string(label));
        }
        json_array_append_new(list, item);
    }
    json_object_set_new(ctx, "err", err);
    json_object_set_new(ctx, "errors", list);
    json_object_set_new(ctx, "has_errors", json_boolean(errs->n > 0));
}

/* Row i's errors from err ({"targets_<i>_url": key}) as err_url, err_note... of row. */
static void row_errors(json_t *row, json_t *err, size_t i)
{
    const char *fields[] = {"url", "note", "holder", "where"};
    for (int f = 0; f < 4; f++) {
        char key[64], ek[16];
        snprintf(key, sizeof key, "targets_%zu_%s", i, fields[f]);
        snprintf(ek, sizeof ek, "err_%s", fields[f]);
        json_t *e = json_object_get(err, key);
        if (e)
            json_object_set(row, ek, e);
    }
}

/* The rows of the copies fieldsets from a targets array, plus blank rows; the first blank row of
 * added_kind ("online", "offline" or NULL) is the one just asked for: the page lands on it.
 * action is where the form posts ("/report"), for the add buttons. */
static void add_rows(Request *req, json_t *ctx, json_t *targets, int extra_online,
                     int extra_offline, const char *added_kind, const char *action)
{
    json_t *online = json_array(), *offline = json_array();
    json_t *err = json_object_get(ctx, "err");
    size_t i;
    json_t *t;
    json_array_foreach(targets, i, t)
    {
        const char *kind = json_string_value(json_object_get(t, "kind"));
        int off = states_kind_offline(kind);
        json_t *row = json_pack("{s:I}", "i", (json_int_t)i);
        const char *fields[] = {"url", "note", "holder", "where"};
        for (int f = 0; f < 4; f++) {
            json_t *v = json_object_get(t, fields[f]);
            if (json_is_string(v))
                json_object_set(row, fields[f], v);
        }
        row_errors(row, err, i);
        json_array_append_new(off ? offline : online, row);
    }
    size_t next = json_array_size(targets);
    if (json_array_size(online) == 0)
        extra_online++;
    if (json_array_size(offline) == 0)
        extra_offline++;
    int mark_online = added_kind && strcmp(added_kind, "online") == 0;
    int mark_offline = added_kind && strcmp(added_kind, "offline") == 0;
    for (int k = 0; k < extra_online; k++) {
        json_t *row = json_pack("{s:I, s:b}", "i", (json_int_t)next, "added",
                                mark_online && k == extra_online - 1);
        row_errors(row, err, next++); /* "no link at all" is said on the first blank one */
        json_array_append_new(online, row);
    }
    for (int k = 0; k < extra_offline; k++)
        json_array_append_new(offline, json_pack("{s:I, s:b}", "i", (json_int_t)next++, "added",
                                                 mark_offline && k == extra_offline - 1));
    json_array_foreach(online, i, t)
        json_object_set_new(t, "row_label", row_label(req->lang, "row.online", i + 1));
    json_array_foreach(offline, i, t)
        json_object_set_new(t, "row_label", row_label(req->lang, "row.offline", i + 1));
    json_object_set_new(ctx, "online", online);
    json_object_set_new(ctx, "offline", offline);
    json_object_set_new(ctx, "add_action", json_string(action));
}

static json_t *platform_list(Request *req)
{
    size_t n;
    const LinkPlatform *p = link_platforms(&n);
    json_t *list = json_array();
    int en = strcmp(req->lang, "en") == 0;
    for (size_t i = 0; i < n; i++)
        json_array_append_new(
            list, json_pack("{s:s, s:s}", "id", p[i].id, "name", en ? p[i].name_en : p[i].name_zh));
    return list;
}

/* 1 when the string at key of o is there and not empty. */
static int has_text(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s && *s;
}

/* The form's contact question as the API has it: the number or address of the chosen way into
 * requester.contact.value, "do not contact" as do_not_contact, and nothing of a way not chosen
 * (hidden fields may still hold what was typed before a change of mind). The form's own fields
 * (contact_phone, contact_email) stay in v for showing it again. */
static void contact_from_form(json_t *v)
{
    json_t *req = json_object_get(v, "requester");
    if (!json_is_object(req))
        return;
    json_t *c = json_object_get(req, "contact");
    if (!json_is_object(c)) {
        c = json_object();
        json_object_set_new(req, "contact", c);
    }
    const char *ch = json_string_value(json_object_get(c, "channel"));
    ch = ch ? ch : "";
    int by_phone = strcmp(ch, "phone") == 0 || strcmp(ch, "sms") == 0;
    int trusted = strcmp(ch, "trusted") == 0;
    const char *field = by_phone                   ? "contact_phone"
                        : strcmp(ch, "email") == 0 ? "contact_email"
                                                   : NULL;
    json_t *value = field ? json_object_get(v, field) : NULL;
    if (json_is_string(value) && *json_string_value(value))
        json_object_set(c, "value", value);
    else if (!field)
        json_object_del(c, "value"); /* this way has no number or address */
    /* else: requester.contact.value as posted (a page from before the question had one field) */
    if (!trusted) {
        json_object_del(c, "trusted_name");
        json_object_del(c, "trusted_contact");
    }
    int by_email = strcmp(ch, "email") == 0;
    if (!by_phone && !trusted && !by_email)
        json_object_del(c, "safe_hours"); /* e-mail news waits for them too (outbox.c) */
    if (!by_phone && !trusted)
        json_object_del(c, "may_leave_message");
    if (!by_email)
        json_object_del(c, "notify");
    if (strcmp(ch, "phone") != 0 && !trusted)
        json_object_del(c, "code_word");
    if (strcmp(ch, "none") == 0)
        json_object_set_new(c, "do_not_contact", json_true());
}

/* The other way: a report (validated, or refused for storage) shown again fills the form's own
 * contact fields from requester.contact.value. */
static void contact_to_form(json_t *v)
{
    json_t *c = json_object_get(json_object_get(v, "requester"), "contact");
    const char *ch = json_string_value(json_object_get(c, "channel"));
    json_t *value = json_object_get(c, "value");
    if (!ch || !json_is_string(value))
        return;
    const char *field = strcmp(ch, "email") == 0 ? "contact_email" : "contact_phone";
    if (!json_object_get(v, field))
        json_object_set(v, field, value);
}

/* The contact's number or address is asked in the field of the chosen way: its errors are shown
 * there ("contact_phone" or "contact_email"). */
static void contact_errors_to_form(json_t *v, IntakeErrors *errs)
{
    const char *ch = json_string_value(
        json_object_get(json_object_get(json_object_get(v, "requester"), "contact"), "channel"));
    for (size_t i = 0; i < errs->n; i++) {
        if (strcmp(errs->e[i].field, "requester.contact.value") == 0)
            snprintf(errs->e[i].field, sizeof errs->e[i].field, "%s",
                     ch && strcmp(ch, "email") == 0 ? "contact_email" : "contact_phone");
        /* No row at all: the first link is where one is missing. */
        else if (strcmp(errs->e[i].field, "targets") == 0 &&
                 strcmp(errs->e[i].code, "required") == 0)
            snprintf(errs->e[i].field, sizeof errs->e[i].field, "targets[0].url");
    }
}

/* What a showing of the report form holds besides the values. */
typedef struct ReportForm {
    int status;
    const IntakeErrors *errs;
    int extra_online, extra_offline;
    const char *added_kind;   /* the row just asked for: the page lands on it */
    const char *upload_error; /* "upload.<this>" under the screenshots field */
    int choose_again;         /* screenshots were chosen and not kept: say so */
    const char *alert_key;    /* the whole report was refused (report_form_storage) */
    unsigned limit_wait;      /* seconds before this address may send again (0: not limited) */
} ReportForm;

/* Renders the report form with the values v (stolen; NULL for a fresh form). */
static int report_form(Request *req, json_t *v, const ReportForm *f)
{
    if (!v)
        v = json_object();
    contact_to_form(v);
    json_t *ctx = json_pack("{s:s, s:s, s:b, s:i, s:i, s:i, s:i, s:i, s:i}", "title_key",
                            "report.title", "csrf", auth_form_token(req), "lang_form", 1, "n1", 1,
                            "n2", 2, "n3", 3, "n4", 4, "n5", 5, "n6", 6);
    IntakeErrors none = {0};
    json_t *targets = json_object_get(v, "targets");
    if (!json_is_array(targets))
        targets = NULL;
    add_errors(req, ctx, f->errs ? f->errs : &none, targets);
    add_rows(req, ctx, targets, f->extra_online, f->extra_offline, f->added_kind, "/report");
    if (f->upload_error) {
        char key[64];
        snprintf(key, sizeof key, "upload.%s", f->upload_error);
        json_object_set_new(ctx, "upload_error", json_string(key));
    }
    json_object_set_new(ctx, "choose_again", json_boolean(f->choose_again));
    json_object_set_new(ctx, "platforms", platform_list(req));
    json_t *fp = json_object_get(json_array_get(json_object_get(v, "fingerprints"), 0), "value");
    if (json_is_string(fp))
        json_object_set(ctx, "fp_value", fp);
    if (f->alert_key) /* the whole report was refused (report_form_storage): above the form */
        json_object_set_new(ctx, "storage_alert", json_string(f->alert_key));
    if (f->limit_wait) {
        unsigned minutes = (f->limit_wait + 59) / 60;
        json_object_set_new(ctx, "limit_minutes", json_integer(minutes));
        json_object_set_new(ctx, "limit_one", json_boolean(minutes == 1));
    }
    /* A folded part opens when it holds something: a value, an error, a file to choose again. */
    json_t *inc = json_object_get(v, "incident");
    json_t *err = json_object_get(ctx, "err");
    int incident_more =
        has_text(inc, "date") || has_text(inc, "place") || has_text(inc, "police_case_no") ||
        has_text(v, "description") || json_object_get(err, "incident_date") ||
        json_object_get(err, "incident_place") || json_object_get(err, "incident_police_case_no") ||
        json_object_get(err, "description");
    int evidence = f->upload_error || f->choose_again || json_is_string(fp) ||
                   json_object_get(err, "fingerprints_0_value");
    json_object_set_new(ctx, "open_incident", json_boolean(incident_more));
    json_object_set_new(ctx, "open_evidence", json_boolean(evidence));
    json_object_set_new(ctx, "v", v);
    return http_reply_page(req, f->status, "report", ctx);
}

int page_report(Request *req)
{
    ReportForm f = {.status = 200};
    return report_form(req, NULL, &f);
}

/* The report could not be stored (the free-space reserve, or the disk refused it): 503 with the
 * form again, everything typed kept (v, stolen) and nothing filed; screenshots, if any, were not
 * kept and are chosen again. */
static int report_form_storage(Request *req, json_t *v, ResultReply rr, int had_files)
{
    results_headers(req, rr);
    req->resp.err_code = rr.code;
    ReportForm f = {.status = rr.status, .choose_again = had_files, .alert_key = rr.key};
    return report_form(req, v, &f);
}

/* Too many reports from this address for now: 429 with Retry-After and the form again with
 * everything typed (v, stolen), "you can send again in N minutes", and nothing filed. */
static int report_form_limited(Request *req, json_t *v, unsigned wait, int had_files)
{
    guard_retry_after(req, wait);
    req->resp.err_code = "rate_limited";
    ReportForm f = {.status = 429, .choose_again = had_files, .limit_wait = wait ? wait : 1};
    return report_form(req, v, &f);
}

typedef struct ReportJob {
    json_t *report;
    UploadSet *uploads;
} ReportJob;

static void report_job_free(void *p)
{
    ReportJob *j = p;
    json_decref(j->report);
    free(j);
}

#define RECEIPT_COOKIE "td_receipt"

/* --public-url without its trailing slashes; "" when not set. Written before serving. */
static char public_url[512];

void pages_victim_configure(const char *url)
{
    snprintf(public_url, sizeof public_url, "%s", url ? url : "");
    size_t n = strlen(public_url);
    while (n > 0 && public_url[n - 1] == '/')
        public_url[--n] = '\0';
}

/* The address of this site as the person reached it, for the receipt card: the configured
 * --public-url; else the scheme and the Host header when it is a plain host[:port] (letters,
 * digits, '.', '-', ':', brackets; at most 255 bytes); else "" (the card then names no address).
 * X-Forwarded-Host is never read: a client could set it through a proxy that passes it on, and
 * behind a proxy --public-url says where users reach us. */
static void site_address(Request *req, char *out, size_t size)
{
    out[0] = '\0';
    if (public_url[0]) {
        snprintf(out, size, "%s", public_url);
        return;
    }
    const char *host = http_header(req, "Host");
    size_t n = host ? strlen(host) : 0;
    if (n == 0 || n > 255 ||
        strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                     "0123456789.-:[]") != n)
        return;
    snprintf(out, size, "%s://%s", req->is_tls ? "https" : "http", host);
}

/* The receipt page: shown once, never in a URL. Marked private, so that a copy restored from the
 * back-forward cache blanks itself (exit.js). */
static int receipt_page(Request *req, int status, const char *receipt, const char *csrf,
                        int not_confirmed)
{
    /* No language switch here: it is a second GET, and the receipt is shown once. */
    char site[600];
    site_address(req, site, sizeof site);
    json_t *ctx = json_pack("{s:s, s:s, s:s, s:b, s:b, s:b, s:s}", "title_key", "receipt.title",
                            "receipt", receipt, "csrf", csrf, "not_confirmed", not_confirmed,
                            "private", 1, "hide_langs", 1, "site", site);
    return http_reply_page(req, status, "receipt", ctx);
}

/* Post-redirect-get: the receipt waits in memory for one showing at /report/receipt, under a
 * random id in a cookie, so that Back, a reload or a restored tab never shows it again. If the
 * table is full it is shown in this answer instead: a receipt is never lost. */
static int receipt_redirect(Request *req, const char *receipt, const char *case_id,
                            const char *csrf, int not_confirmed)
{
    char id[RECEIPT_ONCE_ID];
    if (receipt_once_put(receipt, not_confirmed, case_id, clock_now(), id) != 0) {
        log_warnx("one-time receipt table full; shown in the answer");
        return receipt_page(req, 201, receipt, csrf, not_confirmed);
    }
    char cookie[160];
    snprintf(cookie, sizeof cookie,
             RECEIPT_COOKIE "=%s; Path=/report/receipt; Max-Age=%d; HttpOnly; SameSite=Strict%s",
             id, RECEIPT_ONCE_TTL, req->is_tls ? "; Secure" : "");
    http_set_header(req, "Set-Cookie", cookie);
    vault_wipe(id, sizeof id);
    vault_wipe(cookie, sizeof cookie);
    return http_reply_redirect(req, 303, "/report/receipt");
}

/* GET /report/receipt: the receipt once; every later visit a kind page that says why not. The
 * receipt answers 201, not 200: browsers keep only 200 pages in their back-forward cache
 * (Chromium: HTTPStatusNotOK), so even without JavaScript Back cannot bring it back from there. */
int page_report_receipt(Request *req)
{
    const char *id = http_cookie(req, RECEIPT_COOKIE);
    char receipt[RECEIPT_ONCE_TEXT];
    int not_confirmed = 0;
    if (id)
        http_set_header(req, "Set-Cookie",
                        RECEIPT_COOKIE
                        "=; Path=/report/receipt; Max-Age=0; HttpOnly; SameSite=Strict");
    if (!id || receipt_once_take(id, clock_now(), receipt, &not_confirmed) != 0) {
        int signed_in = req->session && strcmp(req->session->kind, "victim") == 0;
        return http_reply_page(
            req, 200, "receipt_once",
            json_pack("{s:s, s:b}", "title_key", "receipt.once.title", "signed_in", signed_in));
    }
    int st = receipt_page(req, 201, receipt, auth_form_token(req), not_confirmed);
    vault_wipe(receipt, sizeof receipt);
    return st;
}

static void report_job(Request *req)
{
    ReportJob *j = req->ctx;
    IntakeResult res = {0};
    UploadSet *u = j->uploads;
    IntakeSubmit r = intake_submit(j->report, u ? u->key : NULL, u ? u->files : NULL,
                                   u ? u->nfiles : 0, "web", clock_now(), &res);
    if (r != INTAKE_SUBMIT_OK)
        guard_submission_forgive(req); /* not filed: it does not count against the address */
    if (r == INTAKE_SUBMIT_UNAVAILABLE) {
        report_form_storage(req, json_incref(j->report), results_of_intake_submit(r),
                            u && u->nfiles);
        return;
    }
    if (r != INTAKE_SUBMIT_OK) {
        results_reply(req, results_of_intake_submit(r));
        return;
    }
    if (u)
        uploads_mark_committed(u);
    signin_set_cookie(req, res.cookie);
    receipt_redirect(req, res.receipt, res.case_id, res.csrf, 0);
    vault_wipe(&res, sizeof res);
}

/* The language switch of the report page is a button of its form: the form comes back in the
 * other language with everything typed, no error shown, and the choice kept in the cookie. */
static int report_switch_language(Request *req, json_t *v, const char *lang, int had_files)
{
    page_lang_cookie(req, lang);
    req->lang = lang;
    json_object_set_new(v, "language", json_string(lang));
    ReportForm f = {.status = 200, .choose_again = had_files};
    return report_form(req, v, &f);
}

int page_report_post(Request *req)
{
    json_t *v = formjson_build(req, INTAKE_FORM_BOOLS, FORM_SKIP);
    json_t *targets = json_object_get(v, "targets");
    formjson_drop_empty_rows(targets);
    /* The fingerprint field is empty unless the page's script filled it. */
    formjson_drop_empty_rows(json_object_get(v, "fingerprints"));
    UploadSet *u = uploads_of(req);
    int had_files = u && (u->nfiles || u->dropped);
    const char *switch_to = i18n_supported(http_form(req, "switch_lang"));
    if (switch_to)
        return report_switch_language(req, v, switch_to, had_files);
    const char *action = http_form(req, "action");
    if (action && (strcmp(action, "add_online") == 0 || strcmp(action, "add_offline") == 0)) {
        int on = strcmp(action, "add_online") == 0;
        ReportForm f = {.status = 200,
                        .extra_online = on,
                        .extra_offline = !on,
                        .added_kind = on ? "online" : "offline",
                        .choose_again = had_files};
        return report_form(req, v, &f);
    }
    /* Before the submission limit: a report the disk could not take does not count against it.
     * One whose screenshots were let in goes on, though they took free space under the floor. */
    int low = !(u && u->reserve_passed) && reserve_low();
    if (low || (u && u->storage_refused))
        return report_form_storage(req, v,
                                   low ? results_storage_low()
                                       : results_of_intake_submit(INTAKE_SUBMIT_UNAVAILABLE),
                                   u && (u->nfiles || u->storage_refused || u->dropped));
    unsigned wait = guard_submission_attempt(req);
    if (wait)
        return report_form_limited(req, v, wait, had_files);
    if (!json_object_get(v, "language"))
        json_object_set_new(v, "language", json_string(req->lang));
    contact_from_form(v);
    IntakeErrors errs;
    json_t *report = intake_validate(v, clock_now(), &errs);
    if (!report || (u && u->error)) {
        json_decref(report);
        contact_errors_to_form(v, &errs);
        /* Refused: it counts as a try only; a wait already running is said at once, though. */
        ReportForm f = {.status = 422,
                        .errs = &errs,
                        .upload_error = u && u->error ? u->error : NULL,
                        .choose_again = had_files && !(u && u->error),
                        .limit_wait = guard_submission_wait(req)};
        return report_form(req, v, &f);
    }
    if ((wait = guard_submission_count(req)) != 0) {
        json_decref(report);
        return report_form_limited(req, v, wait, had_files);
    }
    json_decref(v);
    ReportJob *j = xcalloc(1, sizeof *j);
    j->report = report;
    j->uploads = u;
    req->ctx = j;
    req->ctx_free = report_job_free;
    return http_run_slow(req, report_job);
}

/* "I have saved my receipt": only then does the reporter move on to the status page. Unticked,
 * the receipt (from the page's own form) is shown once more, again through a redirect. */
int page_report_saved(Request *req)
{
    const char *saved = http_form(req, "saved");
    if (saved && strcmp(saved, "yes") == 0)
        return http_reply_redirect(req, 303, "/my");
    char digits[VAULT_RECEIPT_DIGITS + 1], receipt[RECEIPT_ONCE_TEXT];
    if (vault_receipt_parse(http_form(req, "receipt"), digits) != 0)
        return http_reply_redirect(req, 303, "/my");
    snprintf(receipt, sizeof receipt, "%.4s %.4s %.4s %.4s %.4s", digits, digits + 4, digits + 8,
             digits + 12, digits + 16);
    int st = receipt_redirect(req, receipt, req->session->case_id, req->session->csrf, 1);
    vault_wipe(digits, sizeof digits);
    vault_wipe(receipt, sizeof receipt);
    return st;
}

/* ---- follow-up ---- */

int page_follow_up(Request *req)
{
    if (req->session && strcmp(req->session->kind, "victim") == 0)
        return http_reply_redirect(req, 303, "/my");
    return signin_receipt_form(req, 200, NULL, NULL);
}

int page_follow_up_post(Request *req)
{
    return signin_receipt_start(req, http_form(req, "receipt"));
}

/* ---- the status page ---- */

/* "1 of 3 copies removed" in lang: gone of total copies (states_is_gone decides which count). */
static json_t *copies_summary(const char *lang, size_t gone, size_t total)
{
    char g[24], n[24], half[160], text[200];
    snprintf(g, sizeof g, "%zu", gone);
    snprintf(n, sizeof n, "%zu", total);
    i18n_fill(i18n_get(lang, total == 1 ? "my.summary.one" : "my.summary"), g, half, sizeof half);
    i18n_fill(half, n, text, sizeof text);
    return json_string(text);
}

/* The messages as the page lists them: the newest first. */
static void newest_first(json_t *list)
{
    size_t n = json_array_size(list);
    for (size_t i = 0; i < n / 2; i++) {
        json_t *a = json_incref(json_array_get(list, i));
        json_array_set(list, i, json_array_get(list, n - 1 - i));
        json_array_set_new(list, n - 1 - i, a);
    }
}

static int status_page(Request *req, int status, json_t *extra)
{
    json_t *view = NULL;
    if (victim_view(req->session, &view) != VICTIM_OK) {
        json_decref(extra);
        signin_clear_cookie(req);
        return http_reply_redirect(req, 303, "/follow-up");
    }
    json_t *ctx = extra ? extra : json_object();
    json_object_set_new(ctx, "title_key", json_string("my.title"));
    json_object_set_new(ctx, "csrf", json_string(req->session->csrf));
    json_object_set_new(ctx, "private", json_true());
    size_t i, gone = 0;
    json_t *t;
    json_array_foreach(json_object_get(view, "targets"), i, t)
    {
        char when[I18N_TIME_MAX];
        json_t *due = json_object_get(t, "due_at");
        const char *state = json_string_value(json_object_get(t, "state"));
        int offline = states_kind_offline(json_string_value(json_object_get(t, "kind")));
        gone += (size_t)states_is_gone(state);
        if (due) {
            i18n_format_time(req->lang, json_integer_value(due), when);
            json_object_set_new(t, "due", json_string(when));
            /* A platform answers an online copy's notice; an offline copy waits for a visit. */
            json_object_set_new(t, "due_key",
                                json_string(!offline ? "my.due"
                                            : state && !strcmp(state, STATE_VISIT_PLANNED)
                                                ? "my.visit_planned_for"
                                                : "my.visit_by"));
        }
        i18n_format_date(req->lang, json_integer_value(json_object_get(t, "created_at")), when);
        json_object_set_new(t, "since", json_string(when));
        json_object_set_new(
            t, "offline",
            json_boolean(states_kind_offline(json_string_value(json_object_get(t, "kind")))));
    }
    json_object_set_new(ctx, "summary", copies_summary(req->lang, gone, i));
    json_object_set_new(ctx, "all_gone", json_boolean(i > 0 && gone == i));
    json_t *messages = json_object_get(view, "messages");
    newest_first(messages);
    size_t news = 0;
    int answered = 0; /* a message of theirs came after it: the caseworker's is not new */
    json_t *m;
    json_array_foreach(messages, i, m)
    {
        char when[I18N_TIME_MAX];
        i18n_format_time(req->lang, json_integer_value(json_object_get(m, "at")), when);
        json_object_set_new(m, "when", json_string(when));
        int mine = strcmp(json_string_value(json_object_get(m, "author")), "victim") == 0;
        json_object_set_new(m, "mine", json_boolean(mine));
        answered |= mine;
        if (!mine && !answered) {
            json_object_set_new(m, "new", json_true());
            news++;
        }
    }
    if (news)
        json_object_set_new(ctx, "new_messages", json_integer((json_int_t)news));
    json_t *purge = json_object_get(view, "purge_after");
    if (purge) {
        char when[I18N_TIME_MAX];
        i18n_format_date(req->lang, json_integer_value(purge), when);
        json_object_set_new(ctx, "purge_date", json_string(when));
    }
    const char *state = json_string_value(json_object_get(view, "state"));
    json_object_set_new(ctx, "withdrawn", json_boolean(strcmp(state, VICTIM_CASE_WITHDRAWN) == 0));
    json_object_set_new(ctx, "case_state_key", json_sprintf("victim.case.%s", state));
    /* The add-copies form stays folded unless it is what the page came back for (rows added, or
     * errors to fix). */
    json_object_set_new(ctx, "add_open", json_boolean(json_object_get(ctx, "online") != NULL));
    if (!json_object_get(ctx, "online"))
        add_rows(req, ctx, NULL, 0, 0, NULL, "/my/targets");
    json_object_set_new(ctx, "view", view);
    return http_reply_page(req, status, "my", ctx);
}

int page_my(Request *req)
{
    json_t *extra = json_object();
    const char *note = http_query(req, "done");
    if (note &&
        (strcmp(note, "added") == 0 || strcmp(note, "sent") == 0 || strcmp(note, "withdrawn") == 0))
        json_object_set_new(extra, "done_key", json_sprintf("my.done.%s", note));
    return status_page(req, 200, extra);
}

int page_my_targets(Request *req)
{
    json_t *v = formjson_build(req, INTAKE_FORM_BOOLS, FORM_SKIP);
    json_t *targets = json_object_get(v, "targets");
    formjson_drop_empty_rows(targets);
    const char *action = http_form(req, "action");
    size_t existing = 0;
    int withdrawn = 0;
    if (victim_case_facts(req->session, &existing, &withdrawn) != VICTIM_OK) {
        json_decref(v);
        return http_reply_redirect(req, 303, "/follow-up");
    }
    json_t *extra = json_object();
    if (action && (strcmp(action, "add_online") == 0 || strcmp(action, "add_offline") == 0)) {
        IntakeErrors none = {0};
        int on = strcmp(action, "add_online") == 0;
        add_errors(req, extra, &none, targets);
        add_rows(req, extra, targets, on, !on, on ? "online" : "offline", "/my/targets");
        json_decref(v);
        return status_page(req, 200, extra);
    }
    IntakeErrors errs = {0};
    json_t *valid = withdrawn ? NULL : intake_validate_targets(targets, existing, &errs);
    /* The cap and the withdrawal are checked again where the copies are inserted. */
    int validated = valid != NULL;
    IntakeAdd rc = validated   ? intake_add_targets(req->session, valid, clock_now())
                   : withdrawn ? INTAKE_ADD_WITHDRAWN
                               : INTAKE_ADD_TOO_MANY; /* the 422 of the validation errors */
    json_decref(valid);
    ResultReply rr = results_of_intake_add(rc);
    if (rc == INTAKE_ADD_OK || rc == INTAKE_ADD_ERROR) {
        json_decref(v);
        json_decref(extra);
        return rc == INTAKE_ADD_OK ? http_reply_redirect(req, 303, "/my?done=added")
                                   : results_reply(req, rr);
    }
    if (rc == INTAKE_ADD_WITHDRAWN)
        json_object_set_new(extra, "error_key", json_string(rr.key));
    if (validated && rc == INTAKE_ADD_TOO_MANY) { /* another add filled the case meanwhile */
        snprintf(errs.e[0].field, sizeof errs.e[0].field, "targets");
        errs.e[0].code = "too_many";
        errs.n = 1;
    }
    add_errors(req, extra, &errs, targets);
    add_rows(req, extra, targets, 0, 0, NULL, "/my/targets");
    json_decref(v);
    return status_page(req, rr.status, extra);
}

int page_my_messages(Request *req)
{
    const char *body = http_form(req, "body");
    const char *problem = victim_message_problem(body);
    if (problem) {
        json_t *extra = json_object();
        json_object_set_new(extra, "message_error", json_sprintf("field.%s", problem));
        json_object_set_new(extra, "message_body", json_string(body ? body : ""));
        return status_page(req, 422, extra);
    }
    VictimResult r = victim_add_message(req->session, body, clock_now());
    if (r != VICTIM_OK)
        return results_reply(req, results_of_victim(r));
    return http_reply_redirect(req, 303, "/my?done=sent#messages");
}

/* Withdraw and erase each ask once more on a page of their own before acting. */
static int confirm_page(Request *req, const char *which, int status, int missing)
{
    json_t *ctx = json_pack("{s:s, s:s, s:b, s:b}", "title_key",
                            strcmp(which, "erase") == 0 ? "erase.title" : "withdraw.title", "csrf",
                            req->session->csrf, "missing", missing, "private", 1);
    return http_reply_page(req, status, strcmp(which, "erase") == 0 ? "erase" : "withdraw", ctx);
}

/* Whether the confirmation form said yes. */
static int confirmed(Request *req)
{
    const char *ok = http_form(req, "confirm");
    return ok && strcmp(ok, "yes") == 0;
}

int page_my_withdraw(Request *req)
{
    return confirm_page(req, "withdraw", 200, 0);
}

int page_my_withdraw_post(Request *req)
{
    if (!confirmed(req))
        return confirm_page(req, "withdraw", 422, 1);
    VictimResult r = victim_withdraw(req->session, clock_now());
    if (r != VICTIM_OK && r != VICTIM_CONFLICT) /* withdrawn already: as good as done */
        return results_reply(req, results_of_victim(r));
    return http_reply_redirect(req, 303, "/my?done=withdrawn");
}

int page_my_erase(Request *req)
{
    return confirm_page(req, "erase", 200, 0);
}

int page_my_erase_post(Request *req)
{
    if (!confirmed(req))
        return confirm_page(req, "erase", 422, 1);
    VictimResult r = victim_erase(req->session, clock_now());
    if (r != VICTIM_OK)
        return results_reply(req, results_of_victim(r));
    signin_clear_cookie(req);
    return http_reply_page(req, 200, "erased", json_pack("{s:s}", "title_key", "erased.title"));
}

int page_my_logout(Request *req)
{
    signin_end(req);
    return http_reply_redirect(req, 303, "/");
}
