/* Shared by the casework_*.c files only: the case key from the org key, a target with its case
 * loaded and decrypted, timeline events and messages, the retention date. */
#ifndef TAKEDOWN_CASEWORK_INTERNAL_H
#define TAKEDOWN_CASEWORK_INTERNAL_H

#include "caselog.h"
#include "casework.h"
#include "store_case.h"
#include "store_target.h"

#include <jansson.h>
#include <stdint.h>

CaseworkResult cw_from_store(StoreStatus s);
/* 1 for a session that holds the org key (caseworkers and admins). */
int cw_can_open(const Session *s);
/* The thread's connection for staff who hold the org key: CW_FORBIDDEN for anyone else, CW_ERROR
 * when there is no connection. */
CaseworkResult cw_staff_conn(const Session *s, StoreConn **c);
/* "staff:<login>" for the timeline and the audit log. */
void cw_actor_of(const Session *s, char out[80]);
/* Opens a case's key into key (VAULT_KEY_BYTES of secret memory). When new_wrap is given and the
 * case was never opened by staff, it receives the wrap under the org data key to store. */
CaseworkResult cw_open_key(StoreConn *c, const Session *s, const CaseRow *row, unsigned char *key,
                           Buf *new_wrap);
CaseworkResult cw_key_of_case(StoreConn *c, const Session *s, const char *case_id,
                              unsigned char *key);
/* Inside a transaction that writes under the org key (wraps, labels, blind indexes): STORE_OK
 * while org_sk is still the org's, STORE_CONFLICT once a rotation has replaced it (a request that
 * loaded its session before the rotation must not write under the old key after it). */
StoreStatus cw_org_key_current(StoreConn *c, const unsigned char *org_sk);
/* Replaces a case's blind indexes (links of its targets, fingerprints, the contact) with ones keyed
 * by org_sk, from what the caller already decrypted: targets as [{"id", "body": {"canonical"}}],
 * fingerprints as [{"value"}], body the case body. Inside the caller's transaction. */
StoreStatus cw_blind_write(StoreConn *c, const unsigned char *org_sk, const char *case_id,
                           const json_t *body, const json_t *targets, const json_t *fingerprints);
/* A clock runs while a due time is set on an open target. */
int cw_is_waiting(const char *state);
/* A text member of a transition's fields, or NULL when absent or empty. */
const char *cw_field_text(const json_t *fields, const char *name);

typedef struct CwNoticeArgs {
    const unsigned char *key;
    json_t *list;
} CwNoticeArgs;
void cw_add_notice(void *arg, const NoticeRow *n);

/* A target with its case, the case key and both decrypted bodies. */
typedef struct CwLoaded {
    CaseRow row;
    TargetRow target;
    unsigned char *key; /* secret memory */
    json_t *case_body, *target_body;
    int screenshots, fingerprints;
} CwLoaded;
CaseworkResult cw_load_target(StoreConn *c, const Session *s, int64_t target_id, CwLoaded *l);
void cw_loaded_free(CwLoaded *l);
/* cw_load_target for staff who hold the org key (else CW_FORBIDDEN), and only for a copy of the
 * kind the work is for: CW_CONFLICT for an offline copy when offline is 0 (notices, link checks),
 * for any other when it is 1 (visit sheets). *c is the thread's connection; l is always freeable.
 */
CaseworkResult cw_load_kind(const Session *s, int64_t target_id, int offline, StoreConn **c,
                            CwLoaded *l);

/* STORE_CONFLICT when the case was withdrawn (staff may no longer move or add its copies); call
 * inside the transaction that would change them, so a withdraw in between is seen. */
StoreStatus cw_case_workable(StoreConn *c, const char *case_id);

/* A case with no open target gets its purge date; one with open targets again loses it. */
StoreStatus cw_retention_update(StoreConn *c, const char *case_id, int64_t now);

/* Arguments of the small write transactions. */
typedef struct CwSimpleArgs {
    const Session *s;
    const char *case_id;
    const unsigned char *key;
    const char *text;
    int64_t staff_id, now, number;
} CwSimpleArgs;

/* A copy's move through the transition table, inside the caller's transaction: its state (only
 * from `from`: STORE_CONFLICT when it changed meanwhile), its clock (due_at -1: unchanged, 0:
 * none), the decision time for a decision, and its link checks (monitor: the monitoring schedule
 * starts; next_check -1: unchanged, 0: none). The caller writes the event and the audit entry. */
typedef struct CwMove {
    int64_t target_id;
    const char *from, *to, *route;
    int64_t now, due_at, next_check;
    int monitor;
} CwMove;
StoreStatus cw_move(StoreConn *c, const CwMove *m);
/* The clocks a move the platform makes sets (acknowledged: the platform's clock runs on; removed:
 * the link is checked an hour later; else none), into due_at and next_check as CwMove takes them.
 */
void cw_platform_clocks(const char *to, int64_t now, int64_t *due_at, int64_t *next_check);

/* A new child copy (a re-upload or an onward copy) of parent, reported, with its link sealed under
 * the case key: run by store_tx. actor names who found it ("system:checker", "platform:<id>",
 * "staff:<login>"); child receives the new copy's id. */
typedef struct CwChild {
    const char *actor;
    const unsigned char *key;
    const char *case_id;
    int64_t parent, now, child;
    const json_t *link;
} CwChild;
StoreStatus cw_child_tx(StoreConn *c, void *arg);

#endif
