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
/* Checks an array of further targets (the victim adding copies later); NULL with errs on error.
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
} IntakeSubmit;

/* Files a validated report as a new case: a new case key (or, when key is not NULL, the fresh key
 * the upload sink made for this report's screenshots; never a session's), sealed to the org
 * public key and wrapped under a new receipt's key (one Argon2id: run it in the slow-work pool).
 * Its screenshots move into place only once the case is committed. */
IntakeSubmit intake_submit(const json_t *report, const unsigned char *key, const StoredFile *files,
                           size_t nfiles, const char *channel, int64_t now, IntakeResult *res);

/* Who entered a report on someone's behalf, by which channel, and how the person consented. */
typedef struct IntakeBy {
    const char *channel; /* walk_in, hotline, police or hospital (static strings) */
    const char *consent; /* in_person, phone or writing (static strings) */
    char login[64];      /* the staff member who entered it */
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
} IntakeAdd;
/* Adds validated targets to a victim's case (session holds the case key). The cap and the
 * withdrawal are checked inside the inserting transaction, so parallel adds cannot pass it. */
IntakeAdd intake_add_targets(const Session *s, const json_t *targets, int64_t now);
/* Counts Unicode characters of a UTF-8 string. */
size_t intake_chars(const char *s);

#endif
