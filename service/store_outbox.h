/* The notification outbox (schema/0015_outbox.sql): rows written in the transaction of the event
 * that causes them, claimed and settled by the worker (outbox.c). */
#ifndef TAKEDOWN_STORE_OUTBOX_H
#define TAKEDOWN_STORE_OUTBOX_H

#include "store.h"
#include "store_case.h"

#include <stdint.h>

typedef struct OutboxRow {
    int64_t id;
    char kind[16];
    char case_id[CASE_ID_LEN + 1]; /* victim.news */
    int64_t staff_id;              /* staff.digest */
    char day[11];                  /* staff.digest: YYYY-MM-DD */
    char msgid[33];                /* the message id, the same on every attempt */
    int64_t created_at, next_at;
    int attempts;
} OutboxRow;

typedef struct OutboxCounts {
    int64_t pending;    /* unsent: waiting for the safe hours, a retry or the org key */
    int64_t oldest_age; /* seconds the oldest unsent row has waited (0: none) */
} OutboxCounts;

/* Queues "there is news" for a case's victim, at most one unsent per case. Inside the event's
 * transaction (store_event_insert calls it). */
StoreStatus store_outbox_news(StoreConn *c, const char *case_id, int64_t now);
/* Queues a staff member's digest for a day, once. */
StoreStatus store_outbox_digest(StoreConn *c, int64_t staff_id, const char *day, int64_t now);
/* Pending rows whose next_at has come, oldest first (at most limit); kind NULL for any. */
StoreStatus store_outbox_due(StoreConn *c, const char *kind, int64_t now, int limit,
                             void (*cb)(void *arg, const OutboxRow *r), void *arg);
/* pending -> sending, one more attempt, committed before the transport is called:
 * STORE_NOT_FOUND when another worker took it. */
StoreStatus store_outbox_claim(StoreConn *c, int64_t id);
/* sending -> sent or dropped (why: a short reason, never content). */
StoreStatus store_outbox_settle(StoreConn *c, int64_t id, const char *state, const char *why,
                                int64_t now);
/* A victim's news, sent or not to be sent, leaves no trace: the row goes (what it would keep,
 * why it was not sent or when, says something of the victim's choices). */
StoreStatus store_outbox_forget(StoreConn *c, int64_t id);
/* Digests of days before day go (their rows only stop a day's digest going twice). */
StoreStatus store_outbox_purge_digests(StoreConn *c, const char *day);
/* Back to pending until next_at (a failed attempt's error class, or "" when it waits for the
 * victim's safe hours, which is no failure: the attempt is given back). */
StoreStatus store_outbox_defer(StoreConn *c, int64_t id, int64_t next_at, const char *error);
/* Rows left 'sending' (by a crash, or a settle the disk refused) go back to pending, to be sent
 * again; only while no send is under way. Returns how many in *n. */
StoreStatus store_outbox_recover(StoreConn *c, int64_t *n);
StoreStatus store_outbox_counts(StoreConn *c, int64_t now, OutboxCounts *out);

/* ---- the staff digest ---- */

/* The digest's lines, by what ("overdue": copies of their cases whose clock ran out, n copies;
 * "due": copies due before day_end, n copies; "risk": cases reported since, with risk flags
 * n), then case reference. Workflow metadata only: nothing is decrypted. */
StoreStatus
store_digest_lines(StoreConn *c, int64_t staff_id, int64_t now, int64_t day_end, int64_t since,
                   void (*cb)(void *arg, const char *what, const char *case_id, int64_t n),
                   void *arg);

#endif
