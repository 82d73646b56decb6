/* Store queries for casework: queues, routes and platforms, notices, notes, blind indexes,
 * incidents, assignment, target updates. */
#ifndef TAKEDOWN_STORE_WORK_H
#define TAKEDOWN_STORE_WORK_H

#include "buf.h"
#include "store.h"
#include "store_case.h"

#include <stdint.h>

#define WORK_DUE_NONE 9000000000000000LL /* sorts after every real deadline */

typedef struct QueueFilter {
    const char *queue;    /* new, mine, overdue, awaiting, monitoring, all */
    int64_t me;           /* the caller's staff id (mine) */
    int64_t now;          /* for overdue */
    const char *platform; /* NULL: any */
    const char *route;
    const char *state;
    int64_t incident; /* 0: any */
    int64_t assignee; /* 0: any */
    /* the cursor: rows after (prio, due, created, id) */
    int prio;
    int64_t due, created;
    char after_id[24];
    int limit;
} QueueFilter;

typedef struct QueueRow {
    char id[24];
    int prio;
    int64_t due; /* WORK_DUE_NONE when no deadline */
    int64_t created_at;
    int risk_flags;
    char incident_type[16];
    int64_t withdrawn_at;
    char assignee[64]; /* login or "" */
    int64_t incident_id;
} QueueRow;

typedef struct RouteRow {
    char id[24];
    int clock_hours;
    char elements[128];
} RouteRow;

typedef struct PlatformRow {
    char id[24];
    char route[24];
    int clock_hours; /* -1: the route's */
    char channel[512];
} PlatformRow;

typedef struct NoticeRow {
    int64_t id;
    char route[24];
    char language[8];
    int64_t sent_at;
    char sent_by[64];
    Buf body; /* owned */
} NoticeRow;

/* The SQL list of open states, for the test that holds it in step with states.c. */
const char *store_open_states_sql(void);

StoreStatus store_queue(StoreConn *c, const QueueFilter *f,
                        void (*cb)(void *arg, const QueueRow *r), void *arg);

StoreStatus store_route_get(StoreConn *c, const char *id, RouteRow *out);
StoreStatus store_routes(StoreConn *c, void (*cb)(void *arg, const RouteRow *r), void *arg);
StoreStatus store_route_set_clock(StoreConn *c, const char *id, int hours);
StoreStatus store_platform_get(StoreConn *c, const char *id, PlatformRow *out);
StoreStatus store_platforms(StoreConn *c, void (*cb)(void *arg, const PlatformRow *p), void *arg);
StoreStatus store_platform_update(StoreConn *c, const PlatformRow *p);

/* Sets route and due time (0 clears the due time). */
StoreStatus store_target_set_clock(StoreConn *c, int64_t id, const char *route, int64_t due_at);
StoreStatus store_target_set_decision(StoreConn *c, int64_t id, int64_t at);

StoreStatus store_notice_insert(StoreConn *c, int64_t target_id, const char *case_id,
                                const char *route, const char *language, int64_t sent_at,
                                int64_t sent_by, const Buf *body, int64_t *id);
StoreStatus store_notices_of_target(StoreConn *c, int64_t target_id,
                                    void (*cb)(void *arg, const NoticeRow *n), void *arg);

StoreStatus store_note_insert(StoreConn *c, const char *case_id, int64_t staff_id, int64_t now,
                              const Buf *placeholder, int64_t *id);
typedef struct NoteRow {
    int64_t id;
    char author[64];
    int64_t created_at;
    Buf body;
} NoteRow;
StoreStatus store_notes_of_case(StoreConn *c, const char *case_id,
                                void (*cb)(void *arg, const NoteRow *n), void *arg);

typedef struct EventRow {
    int64_t id;
    int64_t target_id;
    int64_t at;
    char actor[80];
    char kind[32];
    char from_state[24];
    char to_state[24];
    Buf body;
} EventRow;
StoreStatus store_events_of_case(StoreConn *c, const char *case_id,
                                 void (*cb)(void *arg, const EventRow *e), void *arg);

StoreStatus store_case_set_org_wrap(StoreConn *c, const char *id, const Buf *wrap);
StoreStatus store_case_set_assignee(StoreConn *c, const char *id, int64_t staff_id, int64_t now);
StoreStatus store_case_set_incident(StoreConn *c, const char *id, int64_t incident_id);

StoreStatus store_blind_replace(StoreConn *c, const char *case_id, const char *domain,
                                const unsigned char value[32], int64_t target_id);
StoreStatus store_blind_clear(StoreConn *c, const char *case_id);
/* Other cases sharing a blind index value with this case: (case id, domain) pairs. */
StoreStatus store_blind_matches(StoreConn *c, const char *case_id,
                                void (*cb)(void *arg, const char *other_case, const char *domain,
                                           int64_t target_id),
                                void *arg);

StoreStatus store_incident_insert(StoreConn *c, int64_t now, const Buf *placeholder, int64_t *id);
typedef struct IncidentRow {
    int64_t id;
    int64_t created_at;
    int64_t cases;
    Buf label;
} IncidentRow;
StoreStatus store_incidents(StoreConn *c, void (*cb)(void *arg, const IncidentRow *r), void *arg);
StoreStatus store_incident_get(StoreConn *c, int64_t id, IncidentRow *out);
StoreStatus store_cases_of_incident(StoreConn *c, int64_t id,
                                    void (*cb)(void *arg, const char *case_id), void *arg);

typedef struct AuditRow {
    int64_t id, at;
    char actor[80], action[48], subject[64], detail[128];
} AuditRow;
/* Newest first, before id (0: from the newest). */
StoreStatus store_audit_page(StoreConn *c, int64_t before, int limit,
                             void (*cb)(void *arg, const AuditRow *r), void *arg);

/* Aggregate counts for statistics (no content): by state, platform, route, incident type. */
StoreStatus store_stats(StoreConn *c,
                        void (*cb)(void *arg, const char *group, const char *key, int64_t n),
                        void *arg);

/* ---- checks, monitoring, visits, retention (offline copies and monitoring) ---- */

typedef struct CheckDue {
    int64_t target_id;
    char case_id[CASE_ID_LEN + 1];
    char state[24];
} CheckDue;
/* Online targets whose next check time has come, oldest first, at most limit. */
StoreStatus store_checks_due(StoreConn *c, int64_t now, int limit,
                             void (*cb)(void *arg, const CheckDue *d), void *arg);
/* Sets when a target is checked next (0: not again) and when it was last checked (0: keep). */
StoreStatus store_target_set_check(StoreConn *c, int64_t id, int64_t next_check_at,
                                   int64_t last_check_at);
StoreStatus store_target_set_monitor(StoreConn *c, int64_t id, int64_t since, int64_t next);
StoreStatus store_target_clear_due(StoreConn *c, int64_t id);
/* Moves every open target of a case to withdrawn (no due time, no next check) with one timeline
 * event each; *n receives how many moved. Call inside a transaction. */
StoreStatus store_targets_withdraw(StoreConn *c, const char *case_id, const char *actor,
                                   int64_t now, int64_t *n);
StoreStatus store_target_insert_child(StoreConn *c, const char *case_id, int64_t parent_id,
                                      const char *platform, const Buf *placeholder, int64_t now,
                                      int64_t *id);
StoreStatus store_case_open_targets(StoreConn *c, const char *case_id, int64_t *n);
/* Sets (0 clears) the purge date; a withdrawn case keeps the one it has. */
StoreStatus store_case_set_purge(StoreConn *c, const char *case_id, int64_t purge_after);
StoreStatus store_case_set_hold(StoreConn *c, const char *case_id, int on);
/* Cases whose purge date has passed and that no legal hold keeps. */
StoreStatus store_cases_to_purge(StoreConn *c, int64_t now,
                                 void (*cb)(void *arg, const char *case_id), void *arg);
/* Every case id (restore re-applies the erasure log to them). */
StoreStatus store_case_ids_all(StoreConn *c, void (*cb)(void *arg, const char *case_id), void *arg);

typedef struct VisitRow {
    int64_t id, target_id, planned_at, recorded_at;
    char staff_a[64], staff_b[64], outcome[24];
    Buf body; /* owned */
} VisitRow;
StoreStatus store_visit_insert(StoreConn *c, int64_t target_id, const char *case_id,
                               int64_t planned_at, int64_t staff_a, int64_t staff_b,
                               const Buf *placeholder, int64_t *id);
StoreStatus store_visit_record(StoreConn *c, int64_t id, const char *outcome, int64_t at);
/* The latest visit of a target; STORE_NOT_FOUND when none. */
StoreStatus store_visit_latest(StoreConn *c, int64_t target_id, VisitRow *out);
StoreStatus store_visits_of_target(StoreConn *c, int64_t target_id,
                                   void (*cb)(void *arg, const VisitRow *v), void *arg);

/* Settings kept in the meta table (not secret). */
StoreStatus store_meta_get(StoreConn *c, const char *key, char *out, size_t n);
StoreStatus store_meta_set(StoreConn *c, const char *key, const char *value);

#endif
