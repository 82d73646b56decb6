/* The victims' JSON API (DESIGN section 7): reports, receipt sessions, and /my/ for the case. */
#include "handlers.h"

#include "auth.h"
#include "clock.h"
#include "guard.h"
#include "i18n.h"
#include "intake.h"
#include "results.h"
#include "session.h"
#include "signin.h"
#include "vault.h"
#include "victim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int api_reply_invalid(Request *req, const IntakeErrors *errs)
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
    IntakeSubmit r = intake_submit(s->report, NULL, NULL, 0, "web", clock_now(), &res);
    if (r != INTAKE_SUBMIT_OK) {
        guard_submission_forgive(req); /* not filed: it does not count */
        results_reply(req, results_of_intake_submit(r));
        return;
    }
    http_reply_json(req, 201, json_pack("{s:s, s:s}", "case", res.case_id, "receipt", res.receipt));
    vault_wipe(&res, sizeof res);
}

int api_cases_create(Request *req)
{
    /* Every attempt counts as a try of its address and takes a token of the overall rate; a
     * valid one counts as accepted instead (guard.h). */
    unsigned wait = guard_submission_attempt(req);
    if (wait)
        return guard_refuse(req, wait);
    IntakeErrors errs;
    json_t *report = intake_validate(req->json, clock_now(), &errs);
    if (!report)
        return api_reply_invalid(req, &errs);
    if ((wait = guard_submission_count(req)) != 0) {
        json_decref(report);
        return guard_refuse(req, wait);
    }
    Submit *s = xcalloc(1, sizeof *s);
    s->report = report;
    req->ctx = s;
    req->ctx_free = submit_free;
    return http_run_slow(req, api_submit_job);
}

/* ---- receipt sessions ---- */

int api_receipt_session_create(Request *req)
{
    json_t *v = json_object_get(req->json, "receipt");
    if (!json_is_string(v))
        return http_reply_error(req, 400, "missing", "error.missing", "receipt");
    return signin_receipt_start(req, json_string_value(v));
}

int api_receipt_session_delete(Request *req)
{
    signin_end(req);
    return http_reply_json(req, 200, json_pack("{s:b}", "signed_out", 1));
}

/* ---- /api/v1/my/ ---- */

int api_my_case(Request *req)
{
    json_t *view = NULL;
    if (victim_view(req->session, &view) != VICTIM_OK)
        return results_reply(req, results_of_victim(VICTIM_BAD_RECEIPT));
    return http_reply_json(req, 200, view);
}

int api_my_targets(Request *req)
{
    json_t *view = NULL;
    size_t existing = 0;
    int withdrawn = 0;
    if (victim_case_facts(req->session, &existing, &withdrawn) != VICTIM_OK)
        return results_reply(req, results_of_victim(VICTIM_BAD_RECEIPT));
    if (withdrawn)
        return results_reply(req, results_of_intake_add(INTAKE_ADD_WITHDRAWN));
    IntakeErrors errs = {0};
    json_t *targets =
        intake_validate_targets(json_object_get(req->json, "targets"), existing, &errs);
    if (!targets)
        return api_reply_invalid(req, &errs);
    IntakeAdd rc = intake_add_targets(req->session, targets, clock_now());
    json_decref(targets);
    if (rc == INTAKE_ADD_TOO_MANY) { /* another add filled the case meanwhile */
        IntakeErrors over = {.n = 1};
        snprintf(over.e[0].field, sizeof over.e[0].field, "targets");
        over.e[0].code = "too_many";
        return api_reply_invalid(req, &over);
    }
    if (rc != INTAKE_ADD_OK)
        return results_reply(req, results_of_intake_add(rc));
    if (victim_view(req->session, &view) != VICTIM_OK)
        return http_reply_error(req, 500, "internal", "error.internal", NULL);
    return http_reply_json(req, 201, view);
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
    VictimResult r = victim_add_message(req->session, body, clock_now());
    if (r != VICTIM_OK)
        return results_reply(req, results_of_victim(r));
    return http_reply_json(req, 201, json_pack("{s:b}", "sent", 1));
}

int api_my_withdraw(Request *req)
{
    VictimResult r = victim_withdraw(req->session, clock_now());
    if (r != VICTIM_OK)
        return results_reply(req, results_of_victim(r));
    json_t *view = NULL;
    if (victim_view(req->session, &view) != VICTIM_OK)
        return http_reply_error(req, 500, "internal", "error.internal", NULL);
    return http_reply_json(req, 200, view);
}

int api_my_erase(Request *req)
{
    VictimResult r = victim_erase(req->session, clock_now());
    if (r != VICTIM_OK)
        return results_reply(req, results_of_victim(r));
    signin_clear_cookie(req);
    return http_reply_json(req, 200, json_pack("{s:b}", "erased", 1));
}
