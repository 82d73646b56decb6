/* The one table of domain results and the error replies built from it. */
#include "results.h"

#include "i18n.h"

#include <string.h>

typedef enum ResultKind {
    KIND_CW,
    KIND_VICTIM,
    KIND_RECEIPT,
    KIND_SIGN_IN,
    KIND_TOTP,
    KIND_ACCOUNT,
    KIND_INTAKE_ADD,
    KIND_INTAKE_SUBMIT,
    KIND_PSTATS,
} ResultKind;

/* The disk refused a write (SQLITE_FULL, SQLITE_IOERR, ENOSPC): nothing of the request was kept. */
#define STORAGE_UNAVAILABLE                                                                        \
    {                                                                                              \
        503, "storage_unavailable", "error.storage_unavailable", NULL                              \
    }

static const struct {
    ResultKind kind;
    int result;
    ResultReply reply;
} RESULTS[] = {
    {KIND_CW, CW_NOT_FOUND, {404, "not_found", "error.not_found", NULL}},
    {KIND_CW, CW_CONFLICT, {409, "conflict", "error.transition", NULL}},
    {KIND_CW, CW_MISSING, {422, "missing_elements", "error.missing_elements", NULL}},
    {KIND_CW, CW_INVALID, {422, "invalid", "error.invalid", NULL}},
    {KIND_CW, CW_FORBIDDEN, {403, "forbidden", "error.forbidden", NULL}},
    {KIND_CW, CW_BUSY, {503, "busy", "error.busy", NULL}},
    {KIND_CW, CW_DAMAGED, {500, "file_damaged", "error.file_damaged", NULL}},
    {KIND_CW, CW_UNAVAILABLE, STORAGE_UNAVAILABLE},
    /* A case that does not open (erased meanwhile) ends what the session can do. */
    {KIND_VICTIM, VICTIM_BAD_RECEIPT, {401, "bad_receipt", "error.bad_receipt", NULL}},
    {KIND_VICTIM, VICTIM_CONFLICT, {409, "withdrawn", "error.withdrawn", NULL}},
    {KIND_VICTIM, VICTIM_BUSY, {503, "busy", "error.busy", NULL}},
    {KIND_VICTIM, VICTIM_UNAVAILABLE, STORAGE_UNAVAILABLE},
    /* Never says whether a receipt is unknown, erased or mistyped; anything else: try again. */
    {KIND_RECEIPT, VICTIM_BAD_RECEIPT, {401, "bad_receipt", "error.bad_receipt", "receipt"}},
    {KIND_RECEIPT, VICTIM_BUSY, {503, "busy", "error.busy", NULL}},
    {KIND_RECEIPT, VICTIM_ERROR, {503, "busy", "error.busy", NULL}},
    {KIND_RECEIPT, VICTIM_UNAVAILABLE, STORAGE_UNAVAILABLE},
    {KIND_SIGN_IN, STAFF_BAD_CREDENTIALS, {401, "bad_credentials", "error.bad_credentials", NULL}},
    {KIND_SIGN_IN, STAFF_TOTP_REQUIRED, {401, "totp_required", "error.totp_required", "totp"}},
    {KIND_SIGN_IN, STAFF_TOTP_BAD, {401, "totp_bad", "error.totp_bad", "totp"}},
    {KIND_SIGN_IN, STAFF_BUSY, {503, "busy", "error.busy", NULL}},
    {KIND_SIGN_IN, STAFF_UNAVAILABLE, STORAGE_UNAVAILABLE},
    {KIND_TOTP, STAFF_TOTP_REQUIRED, {422, "totp_required", "error.totp_required", "current"}},
    {KIND_TOTP, STAFF_TOTP_BAD, {422, "totp_bad", "error.totp_bad", "code"}},
    {KIND_TOTP, STAFF_NOT_FOUND, {409, "no_enrolment", "error.no_enrolment", NULL}},
    {KIND_TOTP, STAFF_UNAVAILABLE, STORAGE_UNAVAILABLE},
    {KIND_ACCOUNT, STAFF_NOT_FOUND, {404, "not_found", "error.not_found", NULL}},
    {KIND_ACCOUNT, STAFF_DISABLED, {409, "account_disabled", "error.account_disabled", "login"}},
    {KIND_ACCOUNT, STAFF_UNAVAILABLE, STORAGE_UNAVAILABLE},
    {KIND_ACCOUNT, STAFF_EXISTS, {409, "login_taken", "error.login_taken", "login"}},
    {KIND_ACCOUNT, STAFF_BAD_LOGIN, {422, "invalid", "error.login_rules", "login"}},
    {KIND_ACCOUNT, STAFF_BAD_ROLE, {422, "invalid", "error.invalid", "role"}},
    {KIND_ACCOUNT, STAFF_BAD_EMAIL, {422, "invalid_email", "field.invalid_email", "email"}},
    /* The admin's own password, asked again before keys are given or destroyed. */
    {KIND_ACCOUNT,
     STAFF_BAD_CREDENTIALS,
     {403, "bad_credentials", "error.bad_admin_password", "admin_password"}},
    {KIND_ACCOUNT, STAFF_LAST_ADMIN, {409, "last_admin", "error.last_admin", "login"}},
    {KIND_ACCOUNT, STAFF_FORBIDDEN, {403, "forbidden", "error.forbidden", NULL}},
    {KIND_ACCOUNT, STAFF_BUSY, {503, "busy", "error.busy", NULL}},
    {KIND_INTAKE_ADD, INTAKE_ADD_WITHDRAWN, {409, "withdrawn", "error.withdrawn", NULL}},
    /* The case would hold too many copies: a field error of the list of copies. */
    {KIND_INTAKE_ADD, INTAKE_ADD_TOO_MANY, {422, "invalid", "field.too_many", "targets"}},
    {KIND_INTAKE_ADD, INTAKE_ADD_UNAVAILABLE, STORAGE_UNAVAILABLE},
    {KIND_INTAKE_ADD, INTAKE_ADD_NOT_FOUND, {404, "not_found", "error.not_found", NULL}},
    {KIND_INTAKE_SUBMIT, INTAKE_SUBMIT_UNAVAILABLE, STORAGE_UNAVAILABLE},
    {KIND_INTAKE_SUBMIT, INTAKE_SUBMIT_NO_INCIDENT, {404, "not_found", "error.not_found", NULL}},
    {KIND_INTAKE_SUBMIT,
     INTAKE_SUBMIT_CENTER_EXISTS,
     {409, "center_case_exists", "error.center_case_exists", NULL}},
    /* The period of the platform statistics: a client's fault in the query string. */
    {KIND_PSTATS, PSTATS_BAD_FROM, {400, "bad_request", "error.stats_date", "from"}},
    {KIND_PSTATS, PSTATS_BAD_TO, {400, "bad_request", "error.stats_date", "to"}},
    {KIND_PSTATS, PSTATS_REVERSED, {400, "bad_request", "error.stats_reversed", "from"}},
    {KIND_PSTATS, PSTATS_TOO_LONG, {400, "bad_request", "error.stats_too_long", "from"}},
    {KIND_PSTATS, PSTATS_BUSY, {503, "busy", "error.busy", NULL}},
    {KIND_PSTATS, PSTATS_UNAVAILABLE, STORAGE_UNAVAILABLE},
};

static ResultReply results_find(ResultKind kind, int result)
{
    for (size_t i = 0; i < sizeof RESULTS / sizeof RESULTS[0]; i++)
        if (RESULTS[i].kind == kind && RESULTS[i].result == result)
            return RESULTS[i].reply;
    return (ResultReply){500, "internal", "error.internal", NULL};
}

/* Each typed lookup, so that a caller cannot ask the table with another enum's value. */
#define RESULTS_OF(name, type, kind)                                                               \
    ResultReply name(type r)                                                                       \
    {                                                                                              \
        return results_find(kind, (int)r);                                                         \
    }

RESULTS_OF(results_of_cw, CaseworkResult, KIND_CW)
RESULTS_OF(results_of_victim, VictimResult, KIND_VICTIM)
RESULTS_OF(results_of_receipt, VictimResult, KIND_RECEIPT)
RESULTS_OF(results_of_sign_in, StaffResult, KIND_SIGN_IN)
RESULTS_OF(results_of_totp, StaffResult, KIND_TOTP)
RESULTS_OF(results_of_account, StaffResult, KIND_ACCOUNT)
RESULTS_OF(results_of_intake_add, IntakeAdd, KIND_INTAKE_ADD)
RESULTS_OF(results_of_intake_submit, IntakeSubmit, KIND_INTAKE_SUBMIT)
RESULTS_OF(results_of_pstats, PstatsResult, KIND_PSTATS)

ResultReply results_storage_unavailable(void)
{
    return (ResultReply){503, "storage_unavailable", "error.storage_unavailable", NULL};
}

ResultReply results_storage_low(void)
{
    return (ResultReply){503, "storage_low", "error.storage_low", NULL};
}

int results_is_storage(ResultReply rr)
{
    return rr.status == 503 && strncmp(rr.code, "storage_", 8) == 0;
}

void results_headers(Request *req, ResultReply rr)
{
    /* Busy passes in a moment; a full or failing disk waits for its operator. */
    if (rr.status == 503)
        http_set_header(req, "Retry-After", results_is_storage(rr) ? "60" : "1");
}

int results_reply(Request *req, ResultReply rr)
{
    results_headers(req, rr);
    return http_reply_error(req, rr.status, rr.code, rr.key, rr.field);
}

int results_reply_cw(Request *req, CaseworkResult r, const char *invalid_field)
{
    ResultReply rr = results_of_cw(r);
    if (r == CW_INVALID)
        rr.field = invalid_field;
    return results_reply(req, rr);
}

int results_reply_cw_json(Request *req, CaseworkResult r, const char *invalid_field, json_t *out)
{
    if (r != CW_OK) {
        json_decref(out);
        return results_reply_cw(req, r, invalid_field);
    }
    return http_reply_json(req, 200, out);
}

int results_reply_cw_detail(Request *req, CaseworkResult r, json_t *detail)
{
    ResultReply rr = results_of_cw(r);
    rr.field = detail ? json_string_value(json_object_get(detail, "field")) : NULL;
    if (r == CW_MISSING) /* the first missing element names the field */
        rr.field = json_string_value(json_array_get(json_object_get(detail, "missing"), 0));
    if (!req->is_api || !detail) {
        int st = results_reply(req, rr);
        json_decref(detail);
        return st;
    }
    results_headers(req, rr);
    req->resp.err_code = rr.code;
    json_t *err = json_pack("{s:s, s:s}", "code", rr.code, "message", i18n_get(req->lang, rr.key));
    if (rr.field)
        json_object_set_new(err, "field", json_string(rr.field));
    const char *k;
    json_t *v;
    json_object_foreach(detail, k, v) if (strcmp(k, "field") != 0) json_object_set(err, k, v);
    json_decref(detail);
    return http_reply_json(req, rr.status, json_pack("{s:o}", "error", err));
}
