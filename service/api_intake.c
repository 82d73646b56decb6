/* POST /api/v1/staff/intake: a caseworker files a request on someone's behalf. The same JSON as
 * POST /api/v1/cases plus "channel" and "consent_recorded", the same validator and encryption;
 * the receipt is in this answer only and never stored.
 * POST /api/v1/staff/incidents/{id}/case: the center opens its own case for an incident, before
 * any victim asks (its incident ledger): the incident and the copies it found, no requester. */
#include "handlers.h"

#include "casework.h"
#include "clock.h"
#include "intake.h"
#include "results.h"
#include "vault.h"

#include <stdlib.h>

typedef struct OnBehalf {
    json_t *report;
    IntakeBy by;
} OnBehalf;

static void on_behalf_free(void *p)
{
    OnBehalf *o = p;
    json_decref(o->report);
    free(o);
}

static void on_behalf_job(Request *req)
{
    OnBehalf *o = req->ctx;
    IntakeResult res = {0};
    IntakeSubmit r = intake_submit_on_behalf(o->report, &o->by, clock_now(), &res);
    if (r != INTAKE_SUBMIT_OK) {
        results_reply(req, results_of_intake_submit(r));
        return;
    }
    http_reply_json(req, 201,
                    json_pack("{s:s, s:s, s:s}", "case", res.case_id, "receipt", res.receipt,
                              "channel", o->by.channel));
    vault_wipe(&res, sizeof res);
}

int api_staff_intake(Request *req)
{
    OnBehalf *o = xcalloc(1, sizeof *o);
    IntakeErrors errs;
    o->report =
        intake_validate_on_behalf(req->json, clock_now(), req->session->login, &o->by, &errs);
    if (!o->report) {
        free(o);
        return api_reply_invalid(req, &errs);
    }
    req->ctx = o;
    req->ctx_free = on_behalf_free;
    return http_run_slow(req, on_behalf_job);
}

static void center_job(Request *req)
{
    OnBehalf *o = req->ctx;
    char case_id[24];
    IntakeSubmit r = intake_submit_center(o->report, &o->by, clock_now(), case_id);
    if (r != INTAKE_SUBMIT_OK) {
        results_reply(req, results_of_intake_submit(r));
        return;
    }
    http_reply_json(
        req, 201, json_pack("{s:s, s:I}", "case", case_id, "incident", (json_int_t)o->by.incident));
}

int api_staff_incident_case(Request *req)
{
    int64_t incident = http_param_id(req, "id");
    char center[CASE_ID_LEN + 1] = "";
    CaseworkResult r =
        incident ? casework_center_case_of(req->session, incident, center) : CW_NOT_FOUND;
    if (r != CW_OK)
        return results_reply_cw(req, r, NULL);
    if (center[0])
        return results_reply(req, results_of_intake_submit(INTAKE_SUBMIT_CENTER_EXISTS));
    OnBehalf *o = xcalloc(1, sizeof *o);
    IntakeErrors errs;
    o->report = intake_validate_center(req->json, clock_now(), req->session->login, incident,
                                       &o->by, &errs);
    if (!o->report) {
        free(o);
        return api_reply_invalid(req, &errs);
    }
    req->ctx = o;
    req->ctx_free = on_behalf_free;
    return http_run_slow(req, center_job);
}
