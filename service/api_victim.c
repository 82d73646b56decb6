/* The victims' JSON API (DESIGN section 7): reports, receipt sessions, and /my/ for the case. */
#include "handlers.h"

#include "auth.h"
#include "clock.h"
#include "guard.h"
#include "i18n.h"
#include "intake.h"
#include "session.h"
#include "vault.h"
#include "victim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int api_reply_invalid(Request *req, const IntakeErrors *errs)
{
    json_t *all = json_array();
    for (size_t i = 0; i < errs->n; i++) {
        char key[64];
        snprintf(key, sizeof key, "field.%s", errs->e[i].code);
        json_array_append_new(all, json_pack("{s:s, s:s, s:s}", "field", errs->e[i].field, "code",
                                             errs->e[i].code, "message", i18n_get(req->lang, key)));
    }
    char key[64];
    snprintf(key, sizeof key, "field.%s", errs->n ? errs->e[0].code : "invalid");
    json_t *first = json_pack("{s:s, s:s, s:s}", "code", "invalid", "message",
                              i18n_get(req->lang, key), "field", errs->n ? errs->e[0].field : "");
    req->resp.err_code = "invalid";
    return http_reply_json(req, 422, json_pack("{s:o, s:o}", "error", first, "errors", all));
}

void victim_set_cookie(Request *req, const char *cookie)
{
    char set[256];
    snprintf(set, sizeof set, "%s=%s; Path=/; HttpOnly; SameSite=Strict%s", SESSION_COOKIE, cookie,
             req->is_tls ? "; Secure" : "");
    http_set_header(req, "Set-Cookie", set);
}

void victim_clear_cookie(Request *req)
{
    http_set_header(req, "Set-Cookie",
                    SESSION_COOKIE "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
}

/* ---- POST /api/v1/cases ---- */

typedef struct Submit {
    json_t *report;
} Submit;

static void submit_free(void *p)
{
    Submit *s = p;
    json_decref(s->report);
    free(s);
}

static void api_submit_job(Request *req)
{
    Submit *s = req->ctx;
    IntakeResult res = {0};
    if (intake_submit(s->report, NULL, NULL, 0, "web", clock_now(), &res) != 0) {
        http_reply_error(req, 500, "internal", "error.internal", NULL);
        return;
    }
    http_reply_json(req, 201, json_pack("{s:s, s:s}", "case", res.case_id, "receipt", res.receipt));
    vault_wipe(&res, sizeof res);
}

int api_cases_create(Request *req)
{
    int st = guard_submission(req);
    if (st)
        return st;
    IntakeErrors errs;
    json_t *report = intake_validate(req->json, clock_now(), &errs);
    if (!report)
        return api_reply_invalid(req, &errs);
    Submit *s = xcalloc(1, sizeof *s);
    s->report = report;
    req->ctx = s;
    req->ctx_free = submit_free;
    return http_run_slow(req, api_submit_job);
}

/* ---- receipt sessions ---- */

typedef struct ReceiptTry {
    char *typed; /* owned, locked */
} ReceiptTry;

static void receipt_free(void *p)
{
    ReceiptTry *t = p;
    vault_secret_free(t->typed);
    free(t);
}

/* Shared by the API and the follow-up page: the outcome of a receipt sign-in. */
VictimResult victim_receipt_job(Request *req, char cookie[SESSION_COOKIE_MAX], char csrf[65])
{
    ReceiptTry *t = req->ctx;
    VictimResult r = victim_sign_in(t->typed, clock_now(), cookie, csrf);
    if (r != VICTIM_BAD_RECEIPT)
        guard_receipt_ok(req);
    return r;
}

static void api_receipt_job(Request *req)
{
    char cookie[SESSION_COOKIE_MAX] = "", csrf[65] = "";
    VictimResult r = victim_receipt_job(req, cookie, csrf);
    if (r == VICTIM_OK) {
        victim_set_cookie(req, cookie);
        http_reply_json(req, 200, json_pack("{s:s}", "csrf", csrf));
    } else if (r == VICTIM_BAD_RECEIPT) {
        http_reply_error(req, 401, "bad_receipt", "error.bad_receipt", "receipt");
    } else {
        http_set_header(req, "Retry-After", "1");
        http_reply_error(req, 503, "busy", "error.busy", NULL);
    }
    vault_wipe(cookie, sizeof cookie);
}

/* Starts a receipt sign-in (limits first); fn replies. */
int victim_receipt_start(Request *req, const char *typed, void (*fn)(Request *req))
{
    int st = guard_receipt(req);
    if (st)
        return st;
    size_t n = typed ? strlen(typed) : 0;
    if (n > 200)
        n = 200; /* anything longer is wrong anyway; it still costs an Argon2id run */
    ReceiptTry *t = xcalloc(1, sizeof *t);
    t->typed = vault_secret_alloc(n + 1);
    memcpy(t->typed, typed ? typed : "", n);
    t->typed[n] = '\0';
    req->ctx = t;
    req->ctx_free = receipt_free;
    return http_run_slow(req, fn);
}

int api_receipt_session_create(Request *req)
{
    json_t *v = json_object_get(req->json, "receipt");
    if (!json_is_string(v))
        return http_reply_error(req, 400, "missing", "error.missing", "receipt");
    return victim_receipt_start(req, json_string_value(v), api_receipt_job);
}

int api_receipt_session_delete(Request *req)
{
    session_destroy(req->session);
    victim_clear_cookie(req);
    return http_reply_json(req, 200, json_pack("{s:b}", "signed_out", 1));
}

/* ---- /api/v1/my/ ---- */

int api_my_case(Request *req)
{
    json_t *view = NULL;
    if (victim_view(req->session, &view) != VICTIM_OK)
        return http_reply_error(req, 401, "bad_receipt", "error.bad_receipt", NULL);
    return http_reply_json(req, 200, view);
}

int api_my_targets(Request *req)
{
    json_t *view = NULL;
    size_t existing = 0;
    int withdrawn = 0;
    if (victim_case_facts(req->session, &existing, &withdrawn) != VICTIM_OK)
        return http_reply_error(req, 401, "bad_receipt", "error.bad_receipt", NULL);
    if (withdrawn)
        return http_reply_error(req, 409, "withdrawn", "error.withdrawn", NULL);
    IntakeErrors errs = {0};
    json_t *targets =
        intake_validate_targets(json_object_get(req->json, "targets"), existing, &errs);
    if (!targets)
        return api_reply_invalid(req, &errs);
    IntakeAdd rc = intake_add_targets(req->session, targets, clock_now());
    json_decref(targets);
    if (rc == INTAKE_ADD_WITHDRAWN)
        return http_reply_error(req, 409, "withdrawn", "error.withdrawn", NULL);
    if (rc == INTAKE_ADD_TOO_MANY) { /* another add filled the case meanwhile */
        IntakeErrors over = {.n = 1};
        snprintf(over.e[0].field, sizeof over.e[0].field, "targets");
        over.e[0].code = "too_many";
        return api_reply_invalid(req, &over);
    }
    if (rc != INTAKE_ADD_OK)
        return http_reply_error(req, 500, "internal", "error.internal", NULL);
    if (victim_view(req->session, &view) != VICTIM_OK)
        return http_reply_error(req, 500, "internal", "error.internal", NULL);
    return http_reply_json(req, 201, view);
}

/* A message body: required, at most INTAKE_MESSAGE_MAX characters, no control characters. */
const char *victim_message_problem(const char *body)
{
    if (!body || !*body || strspn(body, " \t\r\n") == strlen(body))
        return "required";
    if (intake_chars(body) > INTAKE_MESSAGE_MAX)
        return "too_long";
    for (const unsigned char *p = (const unsigned char *)body; *p; p++)
        if ((*p < 0x20 && *p != '\n' && *p != '\r' && *p != '\t') || *p == 0x7f)
            return "invalid";
    return NULL;
}

int api_my_messages(Request *req)
{
    json_t *v = json_object_get(req->json, "body");
    const char *body = json_is_string(v) ? json_string_value(v) : NULL;
    const char *problem = victim_message_problem(body);
    if (problem) {
        IntakeErrors errs = {.n = 1};
        snprintf(errs.e[0].field, sizeof errs.e[0].field, "body");
        errs.e[0].code = problem;
        return api_reply_invalid(req, &errs);
    }
    if (victim_add_message(req->session, body, clock_now()) != VICTIM_OK)
        return http_reply_error(req, 500, "internal", "error.internal", NULL);
    return http_reply_json(req, 201, json_pack("{s:b}", "sent", 1));
}

int api_my_withdraw(Request *req)
{
    VictimResult r = victim_withdraw(req->session, clock_now());
    if (r == VICTIM_CONFLICT)
        return http_reply_error(req, 409, "withdrawn", "error.withdrawn", NULL);
    if (r != VICTIM_OK)
        return http_reply_error(req, 500, "internal", "error.internal", NULL);
    json_t *view = NULL;
    if (victim_view(req->session, &view) != VICTIM_OK)
        return http_reply_error(req, 500, "internal", "error.internal", NULL);
    return http_reply_json(req, 200, view);
}

int api_my_erase(Request *req)
{
    if (victim_erase(req->session, clock_now()) != VICTIM_OK)
        return http_reply_error(req, 500, "internal", "error.internal", NULL);
    victim_clear_cookie(req);
    return http_reply_json(req, 200, json_pack("{s:b}", "erased", 1));
}
