/* The casework queue: one page of a queue, read from case_queue (schema/0008_case_queue.sql), which
 * triggers keep in step with cases and targets, filtered and paged by a keyset cursor. */
#ifndef TAKEDOWN_STORE_QUEUE_H
#define TAKEDOWN_STORE_QUEUE_H

#include "buf.h"
#include "store.h"

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
    /* 1: latest deadline first (due, created, id descending; at-risk cases still first), a
     * backward range scan of the same primary key; 0: soonest deadline first */
    int desc;
    /* the cursor: rows after (prio, due, created, id) in the order above */
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
    int withdrawn;     /* 0 or 1 */
    char assignee[64]; /* login or "" */
    int64_t incident_id;
    Buf platforms;    /* JSON array: each platform of its copies once, by first copy; owned by the
                         store, valid during the callback */
    Buf states;       /* JSON object: copies per state, by each state's first copy; likewise */
    int targets;      /* copies */
    int open_targets; /* copies in an open state */
    int64_t next_due; /* the earliest clock of an open copy, or 0 */
    char waiting_on[24]; /* the state of that copy, or "" */
} QueueRow;

/* The cases of one queue page: at risk first, then by deadline, age and id (all three descending
 * with f->desc), after the cursor. */
StoreStatus store_queue(StoreConn *c, const QueueFilter *f,
                        void (*cb)(void *arg, const QueueRow *r), void *arg);

/* The query plan of the page query for f (EXPLAIN QUERY PLAN, one step a line), so a test can hold
 * every queue and filter to a range scan of an index, never a scan of the cases or a sort. */
StoreStatus store_queue_plan(StoreConn *c, const QueueFilter *f, char *out, size_t size);

#endif
