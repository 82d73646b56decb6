/* Intake: validating a victim's report (from the API's JSON or the /report form, both turned into
 * the same JSON shape of DESIGN section 7) and filing it as an encrypted case. No HTTP here. */
#ifndef TAKEDOWN_INTAKE_H
#define TAKEDOWN_INTAKE_H

#include "filestore.h"
#include "session.h"
#include "vault.h"

#include <jansson.h>
#include <stdint.h>

/* The report's yes/no fields as every form posts them (checkboxes and radios), for
 * formjson_build to make JSON booleans of; NULL-terminated. */
extern const char *const INTAKE_FORM_BOOLS[];

/* Bounds on every field, in Unicode characters unless said otherwise. */
#define INTAKE_NAME_MAX 100
#define INTAKE_CONTACT_MAX 254
#define INTAKE_SAFE_HOURS_MAX 100
#define INTAKE_CODE_WORD_MAX 50
#define INTAKE_PLACE_MAX 200
#define INTAKE_POLICE_NO_MAX 64
#define INTAKE_DESCRIPTION_MAX 5000
#define INTAKE_SIGNATURE_MAX 100
#define INTAKE_NOTE_MAX 500
#define INTAKE_HOLDER_MAX 200
#define INTAKE_WHERE_MAX 300
#define INTAKE_TARGETS_MAX 50
#define INTAKE_FINGERPRINTS_MAX 20
#define INTAKE_MESSAGE_MAX 2000
#define INTAKE_ERRORS_MAX 64

typedef struct IntakeError {
    char field[64];   /* a path like "targets[0].url" */
    const char *code; /* "required", "too_long", "invalid", "not_http", "must_be_true", ... */
} IntakeError;

typedef struct IntakeErrors {
    IntakeError e[INTAKE_ERRORS_MAX];
    size_t n;
} IntakeErrors;

/* Checks a report and returns its normalised form (links canonicalised, platforms recognised,
 * defaults filled), or NULL with every problem found in errs. */
json_t *intake_validate(json_t *in, int64_t now, IntakeErrors *errs);
/* Checks an array of further targets (copies added later); NULL with every problem in errs.
 * existing is how many targets the case has (the total is bounded). */
json_t *intake_validate_targets(json_t *in, size_t existing, IntakeErrors *errs);

typedef struct IntakeResult {
    char case_id[24];
    char receipt[VAULT_RECEIPT_TEXT];
    char cookie[SESSION_COOKIE_MAX]; /* a victim session, so the reporter lands on the status */
    char csrf[65];
} IntakeResult;

/* What a validated report's case row keeps encrypted in its body (everything about the requester
 * and the incident but the incident's type, which is a column), and its risk flags as the row's
 * bits; for intake_submit and the benchmark's generator alike. */
json_t *intake_case_body(const json_t *report);
int intake_risk_bits(const json_t *report);

/* The Argon2id cost of receipts, for new reports and receipt sign-ins alike (they must agree, or a
 * receipt finds no case): vault_pw_cost_default() unless set, once at start and before any thread,
 * to vault_pw_cost_min() for a benchmark data dir (takedownd --bench-receipt-kdf-min, bench_fill).
 */
void intake_set_receipt_cost(VaultPwCost cost);
VaultPwCost intake_receipt_cost(void);

/* What filing a report came to. */
typedef enum IntakeSubmit {
    INTAKE_SUBMIT_OK = 0,
    INTAKE_SUBMIT_ERROR,       /* ours (logged) */
    INTAKE_SUBMIT_UNAVAILABLE, /* the disk refused the write (full or failing): nothing was kept */
    INTAKE_SUBMIT_NO_INCIDENT, /* the center's case: its incident does not exist */
    INTAKE_SUBMIT_CENTER_EXISTS, /* the center's case: its incident has one already */
} IntakeSubmit;

/* Files a validated report as a new case: a new case key (or, when key is not NULL, the fresh key
 * the upload sink made for this report's screenshots; never a session's), sealed to the org
 * public key and wrapped under a new receipt's key (one Argon2id: run it in the slow-work pool).
 * Its screenshots move into place only once the case is committed. */
IntakeSubmit intake_submit(const json_t *report, const unsigned char *key, const StoredFile *files,
                           size_t nfiles, const char *channel, int64_t now, IntakeResult *res);

/* Who entered a report on someone's behalf, by which channel, and how the person consented; or
 * which incident the center's own case is for. */
typedef struct IntakeBy {
    const char *channel; /* walk_in, hotline, police, hospital or center (static strings) */
    const char *consent; /* in_person, phone, writing, or none for the center (static strings) */
    char login[64];      /* the staff member who entered it */
    int64_t incident;    /* the center's case: its incident; 0 for a report on someone's behalf */
} IntakeBy;

/* A report a caseworker enters for a person not using the site: the same checks as
 * intake_validate, plus "channel" (walk_in|hotline|police|hospital) and "consent_recorded"
 * (in_person|phone|writing: how the person consented), which fill by. NULL with every problem in
 * errs. */
json_t *intake_validate_on_behalf(json_t *in, int64_t now, const char *login, IntakeBy *by,
                                  IntakeErrors *errs);
/* Files it as intake_submit does (the same keys, a receipt shown once and never stored), but
 * makes no victim session, and the audit names the staff member and the channel. */
IntakeSubmit intake_submit_on_behalf(const json_t *report, const IntakeBy *by, int64_t now,
                                     IntakeResult *res);

/* The center's own case for an incident (its incident ledger): what its staff record before any
 * victim asks (the incident, a description, the copies its patrol found online and the holders
 * near the scene), checked as a report is, but with no requester: nobody to contact, no consent,
 * signed by login. Fills by for intake_submit_center; NULL with every problem in errs. */
json_t *intake_validate_center(json_t *in, int64_t now, const char *login, int64_t incident,
                               IntakeBy *by, IntakeErrors *errs);
/* Files it as a case of channel and requester "center", under its incident (checked in the same
 * transaction: INTAKE_SUBMIT_NO_INCIDENT, or INTAKE_SUBMIT_CENTER_EXISTS when the incident has
 * its center case already), with a receipt that nobody is given (wiped at once): no one can sign
 * in to it. The audit names the staff member. */
IntakeSubmit intake_submit_center(const json_t *report, const IntakeBy *by, int64_t now,
                                  char case_id[24]);
/* At start, before serving: finishes what a crash cut short between a report's commit and its
 * screenshots' move into place (filestore_recover), and removes uploads no report took. Logs what
 * it did; 0 or -1. */
int intake_recover_uploads(void);

/* What adding copies to a case came to. */
typedef enum IntakeAdd {
    INTAKE_ADD_OK = 0,
    INTAKE_ADD_ERROR,
    INTAKE_ADD_TOO_MANY,    /* the case would hold more than INTAKE_TARGETS_MAX copies */
    INTAKE_ADD_WITHDRAWN,   /* the case was withdrawn */
    INTAKE_ADD_UNAVAILABLE, /* the disk refused the write (full or failing): nothing was kept */
    INTAKE_ADD_NOT_FOUND,   /* no such case */
} IntakeAdd;
/* Adds validated targets to a case whose key is key, in the name of actor ("victim", or
 * "staff:<login>"). The cap and the withdrawal are checked inside the inserting transaction, so
 * parallel adds cannot pass it. */
IntakeAdd intake_add_targets_to(const char *case_id, const unsigned char *key, const char *actor,
                                const json_t *targets, int64_t now);
/* intake_add_targets_to for a victim's own case (the session holds its key). */
IntakeAdd intake_add_targets(const Session *s, const json_t *targets, int64_t now);
/* Counts Unicode characters of a UTF-8 string. */
size_t intake_chars(const char *s);

/* An e-mail address as the service accepts one: local@domain.tld, no spaces, controls, quotes,
 * angle brackets, commas or semicolons (it goes into a header line as it is). */
int intake_email_valid(const char *s);

#endif
