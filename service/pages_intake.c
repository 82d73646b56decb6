/* The forms staff fill in to put a case on record, all through the report's validator:
 * - intake on someone's behalf: a caseworker records a request for a person who is not using the
 *   site (at the counter, on the hotline, by a police or hospital referral). The form posts the
 *   same fields as the public report form, plus the channel and how the person consented, through
 *   the same validator and encryption (intake_validate_on_behalf, intake_submit_on_behalf). The
 *   receipt is shown once, through the same one-time table as the public receipt, never stored;
 * - the center's own case for an incident (its incident ledger), before anyone asks: the
 *   incident and the copies its patrol found, no requester (intake_validate_center);
 * - copies staff found, added to a case (casework_add_targets). */
#include "handlers.h"

#include "auth.h"
#include "casework.h"
#include "clock.h"
#include "formjson.h"
#include "intake.h"
#include "log.h"
#include "receipt_once.h"
#include "results.h"
#include "vault.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const INTAKE_SKIP[] = {"csrf", "consent_confirmed", NULL};

#define ONLINE_ROWS 3  /* link rows the form offers */
#define OFFLINE_ROWS 2 /* offline-holder rows */
#define INTAKE_RECEIPT_COOKIE "td_intake_receipt"

/* err: {key: "field.<code>"}; errors: the summary, each with its anchor and its label's key. */
static void add_errors(json_t *ctx, const IntakeErrors *errs)
{
    json_t *err = json_object(), *list = json_array();
    for (size_t i = 0; i < errs->n; i++) {
        char key[80], msg[64], label[96];
        formjson_field_id(errs->e[i].field, key, sizeof key);
        snprintf(msg, sizeof msg, "field.%s", errs->e[i].code);
        if (json_object_get(err, key))
            continue;
        json_object_set_new(err, key, json_string(msg));
        const char *col = strchr(errs->e[i].field, '.');
        if (strncmp(errs->e[i].field, "targets[", 8) == 0 && col)
            snprintf(label, sizeof label, "intake.f.targets_%s", col + 1);
        else
            snprintf(label, sizeof label, "intake.f.%s", key);
        json_array_append_new(
            list, json_pack("{s:s, s:s, s:s}", "anchor", key, "message", msg, "label", label));
    }
    json_object_set_new(ctx, "err", err);
    json_object_set_new(ctx, "errors", list);
}

/* The rows of copies: what was typed (with its errors), then blank rows up to the form's count. */
static void add_rows(json_t *ctx, json_t *targets)
{
    json_t *online = json_array(), *offline = json_array();
    json_t *err = json_object_get(ctx, "err");
    size_t i;
    json_t *t;
    json_array_foreach(targets, i, t)
    {
        const char *kind = json_string_value(json_object_get(t, "kind"));
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
        json_array_append_new(kind && strcmp(kind, "offline") == 0 ? offline : online, row);
    }
    size_t next = json_array_size(targets);
    while (json_array_size(online) < ONLINE_ROWS)
        json_array_append_new(online, json_pack("{s:I}", "i", (json_int_t)next++));
    while (json_array_size(offline) < OFFLINE_ROWS)
        json_array_append_new(offline, json_pack("{s:I}", "i", (json_int_t)next++));
    json_object_set_new(ctx, "online", online);
    json_object_set_new(ctx, "offline", offline);
}

/* The choices of one question: [{id, key: "<prefix><id>", selected}]. */
static json_t *choices(const char *const *ids, const char *prefix, const char *chosen)
{
    json_t *list = json_array();
    for (size_t i = 0; ids[i]; i++) {
        char key[64];
        snprintf(key, sizeof key, "%s%s", prefix, ids[i]);
        json_array_append_new(list, json_pack("{s:s, s:s, s:b}", "id", ids[i], "key", key,
                                              "selected", chosen && !strcmp(chosen, ids[i])));
    }
    return list;
}

static const char *at(json_t *v, const char *a, const char *b)
{
    json_t *o = json_object_get(v, a);
    if (b)
        o = json_object_get(o, b);
    return json_string_value(o);
}

static const char *const INCIDENTS[] = {"crime",      "accident", "intimate", "deepfake",
                                        "harassment", "other",    NULL};

/* What every one of these forms shows: its title, the values v (stolen; NULL: a fresh form), the
 * problems errs (NULL: none) with the rows of copies, and the incident types. */
static json_t *form_ctx(Request *req, const char *title, json_t *v, const IntakeErrors *errs)
{
    if (!v)
        v = json_object();
    json_t *ctx = page_staff_ctx(req, title);
    IntakeErrors none = {0};
    add_errors(ctx, errs ? errs : &none);
    json_t *targets = json_object_get(v, "targets");
    add_rows(ctx, json_is_array(targets) ? targets : NULL);
    json_object_set_new(ctx, "incidents",
                        choices(INCIDENTS, "incident.", at(v, "incident", "type")));
    json_object_set_new(ctx, "v", v);
    return ctx;
}

/* The form with the values v (stolen; NULL: a fresh form) and the problems errs (NULL: none). */
static int intake_form(Request *req, int status, json_t *v, const IntakeErrors *errs,
                       int consent_confirmed)
{
    json_t *ctx = form_ctx(req, "intake.title", v, errs);
    v = json_object_get(ctx, "v");
    static const char *const channels[] = {"walk_in", "hotline", "police", "hospital", NULL};
    static const char *const consents[] = {"in_person", "phone", "writing", NULL};
    static const char *const roles[] = {"self", "guardian", "representative", "relative", NULL};
    static const char *const contacts[] = {"none", "phone", "email", NULL};
    static const char *const preserve[] = {"none", "fingerprint", "sealed_copy", "police", NULL};
    static const char *const langs[] = {"zh-CN", "en", NULL};
    json_object_set_new(ctx, "channels",
                        choices(channels, "intake.channel.", at(v, "channel", NULL)));
    json_object_set_new(ctx, "consents",
                        choices(consents, "intake.consent_how.", at(v, "consent_recorded", NULL)));
    json_object_set_new(ctx, "roles", choices(roles, "intake.role.", at(v, "requester", "role")));
    json_t *contact = json_object_get(json_object_get(v, "requester"), "contact");
    json_object_set_new(ctx, "contacts",
                        choices(contacts, "intake.contact.",
                                json_string_value(json_object_get(contact, "channel"))));
    json_object_set_new(ctx, "preserve",
                        choices(preserve, "preservation.", at(v, "consent", "preservation")));
    const char *lang = at(v, "language", NULL);
    json_object_set_new(ctx, "langs", choices(langs, "intake.lang.", lang ? lang : req->lang));
    json_object_set_new(ctx, "consent_confirmed", json_boolean(consent_confirmed));
    return http_reply_page(req, status, "staff_intake", ctx);
}

int page_staff_intake(Request *req)
{
    return intake_form(req, 200, NULL, NULL, 0);
}

/* ---- the slow part: one Argon2id for the receipt ---- */

typedef struct IntakeJob {
    json_t *report;
    IntakeBy by;
} IntakeJob;

static void intake_job_free(void *p)
{
    IntakeJob *j = p;
    json_decref(j->report);
    free(j);
}

/* The receipt page; receipt NULL: it was shown already (or never was). */
static int receipt_page(Request *req, int status, const char *receipt, const char *case_id)
{
    json_t *ctx = page_staff_ctx(req, receipt ? "intake.receipt.title" : "intake.gone.title");
    if (receipt) {
        json_object_set_new(ctx, "receipt", json_string(receipt));
        json_object_set_new(ctx, "private", json_true());
    }
    if (case_id)
        json_object_set_new(ctx, "case_ref", json_string(case_id));
    return http_reply_page(req, status, "staff_intake_receipt", ctx);
}

static void intake_job(Request *req)
{
    IntakeJob *j = req->ctx;
    IntakeResult res = {0};
    IntakeSubmit r = intake_submit_on_behalf(j->report, &j->by, clock_now(), &res);
    if (r != INTAKE_SUBMIT_OK) {
        results_reply(req, results_of_intake_submit(r));
        return;
    }
    /* Post-redirect-get: the receipt waits in locked memory for one showing, under a random id
     * only this browser's cookie holds; if the table is full it is shown in this answer. */
    char id[RECEIPT_ONCE_ID], cookie[192], to[96];
    if (receipt_once_put(res.receipt, 0, res.case_id, clock_now(), id) != 0) {
        log_warnx("one-time receipt table full; shown in the answer");
        receipt_page(req, 201, res.receipt, res.case_id);
    } else {
        snprintf(cookie, sizeof cookie,
                 INTAKE_RECEIPT_COOKIE
                 "=%s; Path=/staff/intake/receipt; Max-Age=%d; HttpOnly; SameSite=Strict%s",
                 id, RECEIPT_ONCE_TTL, req->is_tls ? "; Secure" : "");
        http_set_header(req, "Set-Cookie", cookie);
        snprintf(to, sizeof to, "/staff/intake/receipt?case=%s", res.case_id);
        http_reply_redirect(req, 303, to);
    }
    vault_wipe(id, sizeof id);
    vault_wipe(cookie, sizeof cookie);
    vault_wipe(&res, sizeof res);
}

int page_staff_intake_post(Request *req)
{
    json_t *v = formjson_build(req, INTAKE_FORM_BOOLS, INTAKE_SKIP);
    formjson_drop_empty_rows(json_object_get(v, "targets"));
    if (!json_object_get(v, "language"))
        json_object_set_new(v, "language", json_string(req->lang));
    const char *confirmed = http_form(req, "consent_confirmed");
    int consent_ok = confirmed && strcmp(confirmed, "yes") == 0;
    IntakeErrors errs;
    IntakeJob *j = xcalloc(1, sizeof *j);
    j->report = intake_validate_on_behalf(v, clock_now(), req->session->login, &j->by, &errs);
    /* The person's consent is a statement the caseworker ticks, first in the list of problems. */
    if (!consent_ok && errs.n < INTAKE_ERRORS_MAX) {
        memmove(&errs.e[1], &errs.e[0], errs.n * sizeof errs.e[0]);
        snprintf(errs.e[0].field, sizeof errs.e[0].field, "consent_confirmed");
        errs.e[0].code = "must_be_true";
        errs.n++;
    }
    if (!j->report || !consent_ok) {
        intake_job_free(j);
        return intake_form(req, 422, v, &errs, consent_ok);
    }
    json_decref(v);
    req->ctx = j;
    req->ctx_free = intake_job_free;
    return http_run_slow(req, intake_job);
}

/* GET /staff/intake/receipt: the receipt once; later visits say it is gone and why. */
int page_staff_intake_receipt(Request *req)
{
    const char *id = http_cookie(req, INTAKE_RECEIPT_COOKIE);
    const char *case_id = http_query(req, "case");
    if (case_id && (strlen(case_id) > 40 || strspn(case_id, "0123456789abcdef") != strlen(case_id)))
        case_id = NULL;
    char receipt[RECEIPT_ONCE_TEXT];
    int flags = 0;
    if (id)
        http_set_header(req, "Set-Cookie",
                        INTAKE_RECEIPT_COOKIE
                        "=; Path=/staff/intake/receipt; Max-Age=0; HttpOnly; SameSite=Strict");
    if (!id || receipt_once_take(id, clock_now(), receipt, &flags) != 0)
        return receipt_page(req, 200, NULL, case_id);
    /* 201, like the public receipt: never kept in the back-forward cache. */
    int st = receipt_page(req, 201, receipt, case_id);
    vault_wipe(receipt, sizeof receipt);
    return st;
}

/* ---- the center's own case for an incident ---- */

/* The form; exists: the center case a colleague opened meanwhile (NULL: none), which what was
 * typed can be added to instead (the form then posts its copies there). */
static int center_form(Request *req, int status, int64_t incident, json_t *v,
                       const IntakeErrors *errs, const char *exists)
{
    json_t *ctx = form_ctx(req, "center.title", v, errs);
    json_object_set_new(ctx, "incident", json_integer(incident));
    if (exists)
        json_object_set_new(ctx, "exists", json_string(exists));
    return http_reply_page(req, status, "staff_center_case", ctx);
}

/* The incident of the route and its center case in center ("" for none); 0 when the page has
 * answered with *status (no such incident, or not for this account). */
static int64_t center_incident(Request *req, char center[CASE_ID_LEN + 1], int *status)
{
    int64_t incident = http_param_id(req, "id");
    CaseworkResult r =
        incident ? casework_center_case_of(req->session, incident, center) : CW_NOT_FOUND;
    if (r != CW_OK) {
        *status = results_reply_cw(req, r, NULL);
        return 0;
    }
    return incident;
}

static void center_job(Request *req)
{
    IntakeJob *j = req->ctx;
    char case_id[24], to[64];
    IntakeSubmit r = intake_submit_center(j->report, &j->by, clock_now(), case_id);
    if (r ==
        INTAKE_SUBMIT_CENTER_EXISTS) { /* a colleague's, opened meanwhile: keep what was typed */
        char center[CASE_ID_LEN + 1] = "";
        int status = 0;
        if (center_incident(req, center, &status) && center[0])
            center_form(req, 409, j->by.incident, json_incref(j->report), NULL, center);
        else if (!status)
            results_reply(req, results_of_intake_submit(r));
        return;
    }
    if (r != INTAKE_SUBMIT_OK) {
        results_reply(req, results_of_intake_submit(r));
        return;
    }
    snprintf(to, sizeof to, "/staff/cases/%s", case_id);
    http_reply_redirect(req, 303, to);
}

int page_staff_center_case(Request *req)
{
    char center[CASE_ID_LEN + 1], to[64];
    int status = 0;
    int64_t incident = center_incident(req, center, &status);
    if (!incident)
        return status;
    if (!center[0])
        return center_form(req, 200, incident, NULL, NULL, NULL);
    /* Opened already: the form leads to it. */
    snprintf(to, sizeof to, "/staff/cases/%s", center);
    return http_reply_redirect(req, 303, to);
}

int page_staff_center_case_post(Request *req)
{
    char center[CASE_ID_LEN + 1];
    int status = 0;
    int64_t incident = center_incident(req, center, &status);
    if (!incident)
        return status;
    json_t *v = formjson_build(req, NULL, INTAKE_SKIP);
    formjson_drop_empty_rows(json_object_get(v, "targets"));
    if (center[0]) /* a colleague opened it while this form was filled in */
        return center_form(req, 409, incident, v, NULL, center);
    if (!json_object_get(v, "language"))
        json_object_set_new(v, "language", json_string(req->lang));
    IntakeErrors errs;
    IntakeJob *j = xcalloc(1, sizeof *j);
    j->report =
        intake_validate_center(v, clock_now(), req->session->login, incident, &j->by, &errs);
    if (!j->report) {
        intake_job_free(j);
        return center_form(req, 422, incident, v, &errs, NULL);
    }
    json_decref(v);
    req->ctx = j;
    req->ctx_free = intake_job_free;
    return http_run_slow(req, center_job);
}

/* ---- copies staff found, added to a case ---- */

static int targets_form(Request *req, int status, json_t *v, const IntakeErrors *errs)
{
    json_t *ctx = form_ctx(req, "cw.add_targets.title", v, errs);
    json_object_set_new(ctx, "case_ref", json_string(http_param(req, "case")));
    return http_reply_page(req, status, "staff_case_targets", ctx);
}

int page_staff_case_targets(Request *req)
{
    return targets_form(req, 200, NULL, NULL);
}

int page_staff_case_targets_post(Request *req)
{
    json_t *v = formjson_build(req, NULL, INTAKE_SKIP);
    formjson_drop_empty_rows(json_object_get(v, "targets"));
    IntakeErrors errs;
    json_t *targets = intake_validate_targets(json_object_get(v, "targets"), 0, &errs);
    if (!targets)
        return targets_form(req, 422, v, &errs);
    IntakeAdd added = INTAKE_ADD_ERROR;
    const char *case_id = http_param(req, "case");
    CaseworkResult r = casework_add_targets(req->session, case_id, targets, clock_now(), &added);
    json_decref(targets);
    if (r != CW_OK) {
        json_decref(v);
        return results_reply_cw(req, r, NULL);
    }
    if (added == INTAKE_ADD_TOO_MANY) {
        errs.n = 1;
        snprintf(errs.e[0].field, sizeof errs.e[0].field, "targets");
        errs.e[0].code = "too_many";
        return targets_form(req, 422, v, &errs);
    }
    json_decref(v);
    if (added != INTAKE_ADD_OK)
        return results_reply(req, results_of_intake_add(added));
    char to[64];
    snprintf(to, sizeof to, "/staff/cases/%s#targets", case_id);
    return http_reply_redirect(req, 303, to);
}
