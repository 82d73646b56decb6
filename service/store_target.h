/* Store queries for targets (the copies a case asks to take down) and what hangs off a target:
 * its state and clock, checks and monitoring, notices sent for it and visits planned for it. */
#ifndef TAKEDOWN_STORE_TARGET_H
#define TAKEDOWN_STORE_TARGET_H

#include "buf.h"
#include "store.h"
#include "vault.h"

#include <stdint.h>

typedef struct TargetRow {
    int64_t id;
    char case_id[CASE_ID_LEN + 1];
    char kind[16];
    char platform[24];
    char state[24];
    int64_t parent_id;
    char route[24];
    int64_t due_at;
    int64_t created_at, updated_at;
    int64_t monitor_since;
    Buf body; /* owned */
} TargetRow;

typedef struct CheckDue {
    int64_t target_id;
    char case_id[CASE_ID_LEN + 1];
    char state[24];
} CheckDue;

typedef struct NoticeRow {
    int64_t id;
    char route[24];
    char language[8];
    int64_t sent_at;
    char sent_by[64];
    Buf body; /* owned */
} NoticeRow;

typedef struct VisitRow {
    int64_t id, target_id, planned_at, recorded_at;
    char staff_a[64], staff_b[64], outcome[24];
    Buf body; /* owned */
} VisitRow;

/* Frees the buffer a TargetRow owns. */
void target_row_free(TargetRow *r);
/* The SQL list of open states, for the test that holds it in step with states.c. */
const char *store_open_states_sql(void);

/* ---- targets ---- */

/* Inserts a target (parent_id 0: none); *id (when not NULL) receives the new id. */
StoreStatus store_target_insert(StoreConn *c, const char *case_id, const char *kind,
                                const char *platform, const char *state, int64_t parent_id,
                                const Buf *body, int64_t now, int64_t *id);
/* Inserts a reported online copy found under parent_id; *id receives the new id. */
StoreStatus store_target_insert_child(StoreConn *c, const char *case_id, int64_t parent_id,
                                      const char *platform, const Buf *placeholder, int64_t now,
                                      int64_t *id);
/* Reads one target with its body into out (the caller frees it). */
StoreStatus store_target_get(StoreConn *c, int64_t id, TargetRow *out);
/* A case's targets in order; with_body 0 leaves body empty (lists that show no content). */
StoreStatus store_targets_of_case(StoreConn *c, const char *case_id, int with_body,
                                  void (*cb)(void *arg, const TargetRow *t), void *arg);
/* Moves a target from one state to another; STORE_CONFLICT when it is no longer in from. */
StoreStatus store_target_set_state(StoreConn *c, int64_t id, const char *from, const char *to,
                                   int64_t now);
/* The same move with the route and due time set as store_target_set_clock does, in one statement,
 * so the case's queue rows are recomputed once instead of twice. */
StoreStatus store_target_move_clocked(StoreConn *c, int64_t id, const char *from, const char *to,
                                      int64_t now, const char *route, int64_t due_at);
/* Moves every open target of a case to withdrawn (no due time, no next check) with one timeline
 * event each; *n receives how many moved. Call inside a transaction. */
StoreStatus store_targets_withdraw(StoreConn *c, const char *case_id, const char *actor,
                                   int64_t now, int64_t *n);

/* ---- clocks and checks ---- */

/* Sets route and due time (0 clears the due time). */
StoreStatus store_target_set_clock(StoreConn *c, int64_t id, const char *route, int64_t due_at);
/* Records when the platform decided on a target. */
StoreStatus store_target_set_decision(StoreConn *c, int64_t id, int64_t at);
/* Online targets whose next check time has come, oldest first, at most limit. */
StoreStatus store_checks_due(StoreConn *c, int64_t now, int limit,
                             void (*cb)(void *arg, const CheckDue *d), void *arg);
/* Sets when a target is checked next (0: not again) and when it was last checked (0: keep). */
StoreStatus store_target_set_check(StoreConn *c, int64_t id, int64_t next_check_at,
                                   int64_t last_check_at);
/* Sets since when a target is monitored and its next check (0 clears either). */
StoreStatus store_target_set_monitor(StoreConn *c, int64_t id, int64_t since, int64_t next);

/* ---- notices ---- */

/* Records a notice sent for a target with the deadline its clock gave it (sent_by 0: nobody);
 * *id receives the new id. */
StoreStatus store_notice_insert(StoreConn *c, int64_t target_id, const char *case_id,
                                const char *route, const char *language, int64_t sent_at,
                                int64_t due_at, int64_t sent_by, const Buf *body, int64_t *id);
/* A target's notices in order, with the sender's login. */
StoreStatus store_notices_of_target(StoreConn *c, int64_t target_id,
                                    void (*cb)(void *arg, const NoticeRow *n), void *arg);

/* ---- visits ---- */

/* Plans a visit to an offline target by two staff; *id receives the new id. */
StoreStatus store_visit_insert(StoreConn *c, int64_t target_id, const char *case_id,
                               int64_t planned_at, int64_t staff_a, int64_t staff_b,
                               const Buf *placeholder, int64_t *id);
/* Records a visit's outcome at a time; STORE_NOT_FOUND when there is no such visit. */
StoreStatus store_visit_record(StoreConn *c, int64_t id, const char *outcome, int64_t at);
/* The latest visit of a target; STORE_NOT_FOUND when none. */
StoreStatus store_visit_latest(StoreConn *c, int64_t target_id, VisitRow *out);
/* A target's visits in order, with the two staff logins. */
StoreStatus store_visits_of_target(StoreConn *c, int64_t target_id,
                                   void (*cb)(void *arg, const VisitRow *v), void *arg);

/* ---- the checker key (schema/0016_checker_key.sql) ---- */

/* A due check whose link is sealed to the checker key. */
typedef struct CheckSealed {
    CheckDue due;
    int64_t monitor_since;
    Buf seal; /* owned by the query: valid during the callback */
} CheckSealed;
/* Due checks of copies whose link the checker key opens, oldest first. */
StoreStatus store_checks_due_sealed(StoreConn *c, int64_t now, int limit,
                                    void (*cb)(void *arg, const CheckSealed *d), void *arg);
/* Open online copies with a check to come whose link is not yet sealed to the checker key (case
 * and target id): a link is sealed only while a check may need it. */
StoreStatus store_targets_unsealed_for_checker(StoreConn *c, int limit,
                                               void (*cb)(void *arg, const CheckDue *d), void *arg);
/* Sets a copy's seal, only while pk is still the enabled checker key and none is set. */
StoreStatus store_target_set_checker_seal(StoreConn *c, int64_t id, const Buf *seal,
                                          const unsigned char pk[VAULT_KEY_BYTES]);
/* The seals of copies no check will need (none scheduled, or closed) go. */
StoreStatus store_checker_seals_unneeded_clear(StoreConn *c);
/* Every copy's checker seal gone (unattended checks turned off). */
StoreStatus store_checker_seals_clear(StoreConn *c);

#endif
