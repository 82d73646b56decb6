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

/* Checkboxes and yes/no radios of the form, as JSON booleans. */
static const char *const REPORT_BOOLS[] = {"requester.contact.may_leave_message",
                                           "requester.contact.do_not_contact",
                                           "risk.danger_now",
                                           "risk.self_harm",
                                           "risk.extortion",
                                           "risk.perpetrator_contact",
                                           "consent.share_identity_with_platform",
                                           "good_faith",
                                           NULL};
static const char *const FORM_SKIP[] = {"csrf", "action", NULL};

/* "targets[2].url" -> "targets_2_url": a key the templates can look up and an element id. */
static void path_key(const char *path, char *out, size_t size)
{
    size_t o = 0;
    for (const char *p = path; *p && o + 1 < size; p++) {
        if (*p == '.' || *p == '[')
            out[o++] = '_';
        else if (*p != ']')
            out[o++] = *p;
    }
    out[o] = '\0';
}

/* {key: "field.<code>"} for every error, and a summary list with anchors. */
static void add_errors(json_t *ctx, const IntakeErrors *errs)
{
    json_t *err = json_object();
    json_t *list = json_array();
    for (size_t i = 0; i < errs->n; i++) {
        char key[80], msg[64];
        path_key(errs->e[i].field, key, sizeof key);
        snprintf(msg, sizeof msg, "field.%s", errs->e[i].code);
        if (!json_object_get(err, key))
            json_object_set_new(err, key, json_string(msg));
        char label[96];
        snprintf(label, sizeof label, "label.%s", key);
        /* Row fields share one label per column: "label.targets_url". */
        const char *p = strchr(errs->e[i].field, '.');
        if (strncmp(errs->e[i].field, "targets[", 8) == 0 && p)
            snprintf(label, sizeof label, "label.targets_%s", p + 1);
        else if (strncmp(errs->e[i].field, "fingerprints", 12) == 0)
            snprintf(label, sizeof label, "label.fingerprints");
        json_array_append_new(
            list, json_pack("{s:s, s:s, s:s}", "anchor", key, "message", msg, "label", label));
    }
    json_object_set_new(ctx, "err", err);
    json_object_set_new(ctx, "errors", list);
    json_object_set_new(ctx, "has_errors", json_boolean(errs->n > 0));
}

/* The rows of the copies fieldsets from a targets array, plus blank rows. */
static void add_rows(json_t *ctx, json_t *targets, int extra_online, int extra_offline)
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
            char key[64], ek[16];
            snprintf(key, sizeof key, "targets_%zu_%s", i, fields[f]);
            snprintf(ek, sizeof ek, "err_%s", fields[f]);
            json_t *e = json_object_get(err, key);
            if (e)
                json_object_set(row, ek, e);
        }
        json_array_append_new(off ? offline : online, row);
    }
    size_t next = json_array_size(targets);
    if (json_array_size(online) == 0)
        extra_online++;
    if (json_array_size(offline) == 0)
        extra_offline++;
    for (int k = 0; k < extra_online; k++)
        json_array_append_new(online, json_pack("{s:I}", "i", (json_int_t)next++));
    for (int k = 0; k < extra_offline; k++)
        json_array_append_new(offline, json_pack("{s:I}", "i", (json_int_t)next++));
    json_object_set_new(ctx, "online", online);
    json_object_set_new(ctx, "offline", offline);
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

/* Renders the report form with the values v (stolen; NULL for a fresh form); alert_key, when not
 * NULL, is the message of a refusal of the whole report, shown above it. */
static int report_form(Request *req, int status, json_t *v, const IntakeErrors *errs,
                       int extra_online, int extra_offline, const char *upload_error,
                       const char *alert_key)
{
    if (!v)
        v = json_object();
    json_t *ctx =
        json_pack("{s:s, s:s}", "title_key", "report.title", "csrf", auth_form_token(req));
    IntakeErrors none = {0};
    add_errors(ctx, errs ? errs : &none);
    json_t *targets = json_object_get(v, "targets");
    add_rows(ctx, json_is_array(targets) ? targets : NULL, extra_online, extra_offline);
    if (upload_error) {
        char key[64];
        snprintf(key, sizeof key, "upload.%s", upload_error);
        json_object_set_new(ctx, "upload_error", json_string(key));
    }
    json_object_set_new(ctx, "platforms", platform_list(req));
    json_t *fp = json_object_get(json_array_get(json_object_get(v, "fingerprints"), 0), "value");
    if (json_is_string(fp))
        json_object_set(ctx, "fp_value", fp);
    if (alert_key) /* the whole report was refused (report_form_storage): above the form */
        json_object_set_new(ctx, "storage_alert", json_string(alert_key));
    json_object_set_new(ctx, "v", v);
    return http_reply_page(req, status, "report", ctx);
}

int page_report(Request *req)
{
    return report_form(req, 200, NULL, NULL, 0, 0, NULL, NULL);
}

/* The report could not be stored (the free-space reserve, or the disk refused it): 503 with the
 * form again, everything typed kept (v, stolen) and nothing filed; screenshots, if any, were not
 * kept and are chosen again. */
static int report_form_storage(Request *req, json_t *v, ResultReply rr, int had_files)
{
    results_headers(req, rr);
    req->resp.err_code = rr.code;
    return report_form(req, rr.status, v, NULL, 0, 0, had_files ? "choose_again" : NULL, rr.key);
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

int page_report_post(Request *req)
{
    json_t *v = formjson_build(req, REPORT_BOOLS, FORM_SKIP);
    json_t *targets = json_object_get(v, "targets");
    formjson_drop_empty_rows(targets);
    /* The fingerprint field is empty unless the page's script filled it. */
    formjson_drop_empty_rows(json_object_get(v, "fingerprints"));
    UploadSet *u = uploads_of(req);
    const char *action = http_form(req, "action");
    if (action && (strcmp(action, "add_online") == 0 || strcmp(action, "add_offline") == 0))
        return report_form(req, 200, v, NULL, strcmp(action, "add_online") == 0,
                           strcmp(action, "add_offline") == 0,
                           u && u->nfiles ? "choose_again" : NULL, NULL);
    /* Before the submission limit: a report the disk could not take does not count against it.
     * One whose screenshots were let in goes on, though they took free space under the floor. */
    int low = !(u && u->reserve_passed) && reserve_low();
    if (low || (u && u->storage_refused))
        return report_form_storage(req, v,
                                   low ? results_storage_low()
                                       : results_of_intake_submit(INTAKE_SUBMIT_UNAVAILABLE),
                                   u && (u->nfiles || u->storage_refused));
    int st = guard_submission(req);
    if (st) {
        json_decref(v);
        return st;
    }
    if (!json_object_get(v, "language"))
        json_object_set_new(v, "language", json_string(req->lang));
    IntakeErrors errs;
    json_t *report = intake_validate(v, clock_now(), &errs);
    if (!report || (u && u->error)) {
        json_decref(report);
        return report_form(req, 422, v, &errs, 0, 0,
                           u && u->error ? u->error : (u && u->nfiles ? "choose_again" : NULL),
                           NULL);
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
    return signin_receipt_form(req, 200, NULL);
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
        add_rows(ctx, NULL, 0, 0);
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
    json_t *v = formjson_build(req, REPORT_BOOLS, FORM_SKIP);
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
        add_errors(extra, &none);
        add_rows(extra, targets, strcmp(action, "add_online") == 0,
                 strcmp(action, "add_offline") == 0);
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
    add_errors(extra, &errs);
    add_rows(extra, targets, 0, 0);
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
