/* What a domain result means to a client: one table gives each result of the casework, the
 * victims' side, the staff accounts and intake an HTTP status, an error code and a message key,
 * for the pages and the API alike. */
#ifndef TAKEDOWN_RESULTS_H
#define TAKEDOWN_RESULTS_H

#include "casework.h"
#include "http.h"
#include "intake.h"
#include "platform_stats.h"
#include "staff.h"
#include "victim.h"

typedef struct ResultReply {
    int status;        /* the HTTP status */
    const char *code;  /* the error code in JSON, e.g. "not_found" */
    const char *key;   /* the i18n key of the message, e.g. "error.not_found" */
    const char *field; /* the field the error names, or NULL */
} ResultReply;

/* Each gives the reply of a result other than OK; one the table lacks is 500 "internal". */
ResultReply results_of_cw(CaseworkResult r);
/* A victim's own case: its view, messages, withdrawal, erasure. */
ResultReply results_of_victim(VictimResult r);
/* The receipt sign-in. */
ResultReply results_of_receipt(VictimResult r);
/* The staff sign-in. */
ResultReply results_of_sign_in(StaffResult r);
/* Confirming a TOTP enrolment. */
ResultReply results_of_totp(StaffResult r);
/* An admin acting on another account (the password reset). */
ResultReply results_of_account(StaffResult r);
/* Adding copies to a case. */
ResultReply results_of_intake_add(IntakeAdd r);
/* Filing a new report. */
ResultReply results_of_intake_submit(IntakeSubmit r);
/* The platform statistics (a bad period names its field). */
ResultReply results_of_pstats(PstatsResult r);
/* A write refused because free space on the data dir is at or under --min-free-mb (reserve.h). */
ResultReply results_storage_low(void);
/* The database cannot be reached (PostgreSQL down, or failing over). */
ResultReply results_storage_unavailable(void);
/* 1 for the 503s of storage (storage_low, storage_unavailable), which wait longer than busy. */
int results_is_storage(ResultReply rr);

/* The headers rr asks for (Retry-After with a 503: 1 s when busy, 60 s for storage); for a page
 * that shows its own form. */
void results_headers(Request *req, ResultReply rr);
/* The error reply of rr (headers included); returns the status. */
int results_reply(Request *req, ResultReply rr);
/* The error reply of a casework result; invalid_field names the field of a CW_INVALID. */
int results_reply_cw(Request *req, CaseworkResult r, const char *invalid_field);
/* The JSON reply of a casework read: out (stolen) with 200 when r is CW_OK, else the error reply
 * of r (out freed). */
int results_reply_cw_json(Request *req, CaseworkResult r, const char *invalid_field, json_t *out);
/* The same with what the table or the route said (stolen, may be NULL): its "field", for CW_MISSING
 * the first of its "missing" elements; in JSON every other member too (from/to of a refused
 * transition, the missing elements). */
int results_reply_cw_detail(Request *req, CaseworkResult r, json_t *detail);

#endif
