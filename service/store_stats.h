/* Store queries for the statistics of how fast platforms act: workflow metadata only (platform,
 * route, times, states), never a ciphertext. Each reads O(rows in the period) through the indexes
 * of migration 0013. */
#ifndef TAKEDOWN_STORE_STATS_H
#define TAKEDOWN_STORE_STATS_H

#include "store.h"

#include <stdint.h>

/* One notice sent in the period; for a copy's first notice, also what became of the copy. */
typedef struct PstatNoticeRow {
    char platform[24];
    char route[24];     /* the notice's route */
    int64_t sent_at;    /* when the notice was sent */
    int first;          /* 1: the copy's first notice (the copy counts in this period) */
    char state[24];     /* the copy's state now */
    int64_t decided_at; /* first: the platform's first decision after it, 0 if none */
    char decision[24];  /* first: removed, restricted or rejected; "" if none */
    int64_t clock_due;  /* first: the deadline of the notice in force at the decision (the last
                           one sent before it), or of the last notice when undecided; 0 unknown */
    int64_t gone_at;    /* first: when it was first verified gone after it, 0 if never */
} PstatNoticeRow;

/* Every notice sent in [from, to), oldest first. */
StoreStatus store_pstats_notices(StoreConn *c, int64_t from, int64_t to,
                                 void (*cb)(void *arg, const PstatNoticeRow *r), void *arg);
/* Every re-upload (a child copy) found in [from, to): its platform, its route (its own notice's,
 * else its platform's default route) and when. */
StoreStatus store_pstats_reuploads(StoreConn *c, int64_t from, int64_t to,
                                   void (*cb)(void *arg, const char *platform, const char *route,
                                              int64_t at),
                                   void *arg);
/* Copies waiting on a platform (notice_sent, acknowledged) whose deadline is at or before now,
 * counted by platform and route. */
StoreStatus store_pstats_overdue(StoreConn *c, int64_t now,
                                 void (*cb)(void *arg, const char *platform, const char *route,
                                            int64_t n),
                                 void *arg);
/* Every offline visit's outcome recorded in [from, to): the state it moved to and when. */
StoreStatus store_pstats_offline(StoreConn *c, int64_t from, int64_t to,
                                 void (*cb)(void *arg, const char *outcome, int64_t at), void *arg);

#endif
