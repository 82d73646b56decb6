/* Casework: what caseworkers and admins do with a case (DESIGN sections 4 and 5). Opens case keys
 * with the org key a staff session holds, decrypts only what a page shows, and writes every change
 * with its timeline event and audit entry in one transaction. No HTTP here. */
#ifndef TAKEDOWN_CASEWORK_H
#define TAKEDOWN_CASEWORK_H

#include "buf.h"
#include "intake.h"
#include "session.h"
#include "store_queue.h"
#include "vault.h"

#include <jansson.h>
#include <stdint.h>

typedef enum CaseworkResult {
    CW_OK = 0,
    CW_NOT_FOUND,
    CW_CONFLICT,  /* the transition table forbids it, or the state changed meanwhile */
    CW_MISSING,   /* the route's elements are missing (named in the detail) */
    CW_INVALID,   /* a field is wrong (named in the detail) */
    CW_FORBIDDEN, /* the session cannot open case keys */
    CW_BUSY,
    CW_ERROR,
    CW_DAMAGED,     /* a stored file does not open: tampered with, or under another file's name */
    CW_UNAVAILABLE, /* the disk refused the write (full or failing): nothing was kept */
} CaseworkResult;

#define CASEWORK_QUEUE_MAX 100
#define CASEWORK_NOTE_MAX 5000

#define CASEWORK_CURSOR_MAX 96

/* One row of a queue page and whether its next clock has passed (due at or before now). */
typedef void (*CaseworkQueueRowFn)(void *arg, const QueueRow *r, int overdue);

/* A queue page, row by row: cb sees each row (valid during the call only), then next receives the
 * cursor of the following page, or "" when this page is the last. Decrypts nothing: rows carry
 * workflow metadata only, all read by one range scan (schema/0009_case_queue_summary.sql). cursor
 * is NULL or "" for the first page; CW_INVALID for a bad queue, cursor or limit. */
CaseworkResult casework_queue(const Session *s, QueueFilter *f, const char *cursor, int64_t now,
                              CaseworkQueueRowFn cb, void *arg, char next[CASEWORK_CURSOR_MAX]);

/* The whole case for a staff member (and an audit entry saying they viewed it). */
CaseworkResult casework_view(const Session *s, const char *case_id, int64_t now, json_t **out);

/* The names a transition's fields may have (NULL-terminated): forms take these and no others. */
const char *const *casework_field_names(void);

/* Moves a target to another state. fields: reason, ticket, channel, route, evidence,
 * representative, name, email, contact, signature, and for visits planned_at, place, staff_a,
 * staff_b, statement, onward. detail receives {"missing": [...]} or
 * {"field": "..."} when refused. */
CaseworkResult casework_transition(const Session *s, int64_t target_id, const char *to,
                                   const json_t *fields, int64_t now, json_t *detail);

/* The notice a target's route would send now, for preview: {"route", "language", "text",
 * "missing": [...], "sent": [notices as sent]}. lang NULL: the case's language. */
CaseworkResult casework_notice(const Session *s, int64_t target_id, const char *lang,
                               const json_t *fields, int64_t now, json_t **out);

CaseworkResult casework_assign(const Session *s, const char *case_id, const char *login,
                               int64_t now);
/* The accounts that may be assigned a case or sent on a visit (enabled, not auditors), by login:
 * [{"login", "role"}]. */
CaseworkResult casework_staff_choices(json_t **out);
CaseworkResult casework_note(const Session *s, const char *case_id, const char *body, int64_t now);
CaseworkResult casework_message(const Session *s, const char *case_id, const char *body,
                                int64_t now);
/* The shape of the three above: one text given to the case named by case_id. */
typedef CaseworkResult (*CaseworkCaseText)(const Session *s, const char *case_id, const char *text,
                                           int64_t now);
/* A screenshot decrypted in memory: its bytes and type. */
CaseworkResult casework_file(const Session *s, const char *file_id, int64_t now, Buf *bytes,
                             char type[32]);

/* Incidents: create (label encrypted under the org data key), attach a case, list, view. */
CaseworkResult casework_incident_create(const Session *s, const char *label, int64_t now,
                                        int64_t *id);
/* Attaching (incident 0: taking off) is CW_INVALID for a missing incident, and for the center's
 * own case, which stays with the incident it was opened for (one each). */
CaseworkResult casework_incident_attach(const Session *s, const char *case_id, int64_t incident,
                                        int64_t now);
CaseworkResult casework_incidents(const Session *s, json_t **out);
CaseworkResult casework_incident_view(const Session *s, int64_t id, int64_t now, json_t **out);
/* The center's own case of an incident (intake_submit_center) in id, or "" when it has none yet;
 * CW_NOT_FOUND for no such incident. */
CaseworkResult casework_center_case_of(const Session *s, int64_t incident,
                                       char id[CASE_ID_LEN + 1]);
/* Staff add copies they found (validated by intake_validate_targets) to a case, the center's own
 * or a victim's: CW_OK with what the adding came to in *added, else why the case could not be
 * opened. */
CaseworkResult casework_add_targets(const Session *s, const char *case_id, const json_t *targets,
                                    int64_t now, IntakeAdd *added);

/* Platforms and routes (admins edit them). A platform's clock_hours: -1 the route's clock,
 * -2 unchanged. */
CaseworkResult casework_registry(json_t **out);
CaseworkResult casework_platform_update(const Session *s, const char *id, const char *route,
                                        int clock_hours, const char *channel, int64_t now,
                                        json_t *detail);
CaseworkResult casework_route_update(const Session *s, const char *id, int clock_hours,
                                     int64_t now);

/* A re-upload found by staff: a new child target (reported) linked to its parent. */
CaseworkResult casework_reupload(const Session *s, int64_t parent_id, const char *url, int64_t now,
                                 int64_t *child);
/* What a platform's desk answers about a notice it was sent (issue 14). kind: "ack",
 * "needs_info" or "decision"; decision: removed, disabled, geo_restricted, age_restricted or
 * rejected; reason (required for rejected), item_id and question (required for needs_info) are the
 * desk's words, sealed to the org when they arrive; at: when the platform says it acted (0: now).
 */
typedef struct DeskAnswer {
    const char *kind, *decision, *reason, *item_id, *question;
    int64_t at;
} DeskAnswer;
#define DESK_TEXT_MAX 2000
#define DESK_ITEM_ID_MAX 200
#define DESK_REUPLOADS_MAX 100 /* per notice */
/* The desk of account (platform: its registry id) answers its notice notice_id: the copy moves
 * through the one transition table (ack: acknowledged, needs_info, decision: removed, restricted
 * or rejected) with its event and audit entry under "platform:<id>". Needs no key. CW_NOT_FOUND
 * for a notice of another desk; CW_INVALID naming the field in detail; CW_CONFLICT (detail: the
 * copy's state) when the copy no longer waits on the platform or the notice was answered. */
CaseworkResult casework_desk_answer(int64_t account, const char *platform, int64_t notice_id,
                                    const DeskAnswer *answer, int64_t now, json_t *detail);
/* The desk reports a re-upload of its notice's copy at url (a link on its own platform): kept
 * sealed to the org, and made a child copy now when the org key is at hand (staff at work), else
 * by the scheduler when it is. *child: the new copy, or 0 while it waits. */
CaseworkResult casework_desk_reupload(int64_t account, const char *platform, int64_t notice_id,
                                      const char *url, int64_t now, json_t *detail, int64_t *child);
/* Makes child copies of the re-uploads that wait (all, or only the one with id only), opening
 * them with org_key; returns how many were made. */
int casework_apply_desk_reuploads(const unsigned char *org_key, int64_t only, int64_t now,
                                  int limit);
/* Checks a target's link now (slow: network) and records the result in the timeline. */
CaseworkResult casework_check_now(const Session *s, int64_t target_id, int64_t now, json_t **out);
/* Runs the checks that are due, opening links with org_key (from the keyring); returns how many
 * ran. Called by the scheduler and by the tests' tick. */
int casework_run_due_checks(const unsigned char *org_key, int64_t now, int limit);
/* Unattended checks (opt-in, schema/0016_checker_key.sql). With the checker key's secret half:
 * runs the due checks whose links are sealed to it; their findings wait sealed to the org, and a
 * re-upload found waits for staff. Returns how many ran. */
int casework_run_unattended_checks(const unsigned char *checker_sk, int64_t now, int limit);
/* With the org key: seals the links of open online copies to the checker key, when one is set
 * (at most limit); returns how many were sealed. */
int casework_checker_backfill(const unsigned char *org_sk, int limit);
/* With the org key: unattended checks' findings into their timeline events (sealed with the
 * case key, as every other check's); returns how many. */
int casework_adopt_night_checks(const unsigned char *org_sk, int limit);
/* A victim's way of being told of news, for the notification worker (outbox.c) only. */
typedef struct CaseContact {
    char channel[16];                           /* phone, sms, email, trusted, none */
    char *address;                              /* secret memory; NULL when there is none */
    char safe_hours[INTAKE_SAFE_HOURS_MAX + 1]; /* as the victim wrote them */
    int notify, do_not_contact, withdrawn;
} CaseContact;
/* Opens a case's contact with org_key: CW_NOT_FOUND when the case is gone, CW_FORBIDDEN when the
 * key does not open it. Free with case_contact_free, which wipes. */
CaseworkResult casework_contact_open(const unsigned char *org_key, const char *case_id,
                                     CaseContact *out);
void case_contact_free(CaseContact *ct);
/* Sets or lifts a legal hold (a held case is never purged). */
CaseworkResult casework_hold(const Session *s, const char *case_id, int on, int64_t now);
/* The visits of a target, and a visit sheet carrying only what the team needs. */
CaseworkResult casework_visit_sheet(const Session *s, int64_t target_id, int64_t now, json_t **out);

/* Aggregate counts, no content: {"groups": [{"name", "max", "rows": [{"key", "n"}]}]}. */
CaseworkResult casework_stats(json_t **out);

/* The audit log, newest first: {"entries": [...], "next": id or null}. */
CaseworkResult casework_audit(int64_t before, int limit, json_t **out);

/* An org key rotation, from the old org keypair to the new one (secret keys in secret memory). */
typedef struct CwRotation {
    const unsigned char *old_sk, *new_sk;
    unsigned char old_pk[VAULT_KEY_BYTES], new_pk[VAULT_KEY_BYTES];
    void (*progress)(void *arg, int64_t done, int64_t total); /* may be NULL */
    void *arg;
    int64_t cases; /* out: case keys re-wrapped */
} CwRotation;
/* Inside the caller's transaction: every case key sealed and wrapped afresh, every incident label
 * and blind index keyed by the new org key. MUST NOT commit or answer anything itself. */
StoreStatus casework_rotate_tx(StoreConn *c, CwRotation *r);

#endif
