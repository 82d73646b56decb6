/* Target states and the one table of allowed transitions (DESIGN section 4). Nothing else in the
 * code decides whether a state may follow another. */
#ifndef TAKEDOWN_STATES_H
#define TAKEDOWN_STATES_H

#include <stddef.h>

/* The state names as stored in targets.state; code outside states.c and the store uses these. */
#define STATE_REPORTED "reported"
#define STATE_IN_REVIEW "in_review"
#define STATE_READY "ready"
#define STATE_NOTICE_SENT "notice_sent"
#define STATE_ACKNOWLEDGED "acknowledged"
#define STATE_NEEDS_INFO "needs_info"
#define STATE_REJECTED "rejected"
#define STATE_ESCALATED "escalated"
#define STATE_REMOVED "removed"
#define STATE_COUNTER_NOTICED "counter_noticed"
#define STATE_VERIFIED_GONE "verified_gone"
#define STATE_MONITORING "monitoring"
#define STATE_VISIT_PLANNED "visit_planned"
#define STATE_DECLINED "declined"
#define STATE_RESTRICTED "restricted"
#define STATE_CLOSED_UNRESOLVED "closed_unresolved"
#define STATE_RESTORED "restored"
#define STATE_UPHELD "upheld"
#define STATE_VISITED_DELETED "visited_deleted"
#define STATE_VISITED_SEALED "visited_sealed"
#define STATE_VISITED_REFUSED "visited_refused"
#define STATE_UNREACHABLE "unreachable"
#define STATE_WITHDRAWN "withdrawn"
#define STATE_CLOSED "closed"

/* Target kinds as stored in targets.kind (schema 0003 also has "account" and "search", which
 * are handled like online copies). */
#define TARGET_KIND_ONLINE "online"
#define TARGET_KIND_OFFLINE "offline"

/* 1 when name is a known state. */
int states_known(const char *name);
/* 1 when the table allows from -> to (including "any open -> withdrawn"), whatever the kind. */
int states_allowed(const char *from, const char *to);
/* 1 when staff may move a copy of this kind from -> to: the table allows it, the kind may enter
 * "to" (notices for online copies, visits for offline ones), "to" is not withdrawn (only the
 * victim withdraws, a whole case at once) and the case is not withdrawn (then nothing moves). */
int states_move_allowed(const char *kind, const char *from, const char *to, int withdrawn);
/* The states staff may move a copy of this kind to from "from" (states_move_allowed), in the
 * table's order, up to cap of them into out; returns how many. Read from the one table. */
size_t states_next(const char *kind, const char *from, int withdrawn, const char **out, size_t cap);
/* The most states a copy can move to from one state (the width of the table's rows). */
#define STATES_NEXT_MAX 6
/* 1 for an offline copy (a file held by someone): it gets visits, never notices or link checks. */
int states_kind_offline(const char *kind);
/* 1 when a copy in this state is gone from where it was, as the victim's summary counts it:
 * removed by the platform (removed, and after it verified_gone, monitoring, closed, and upheld
 * once a counter-notice failed) or deleted or sealed at a visit (visited_deleted,
 * visited_sealed). Not restricted (still online somewhere), not counter_noticed (the removal is
 * disputed and may be reversed), not declined or withdrawn. */
int states_is_gone(const char *name);
/* 1 while a target in this state still needs work (a case is open while any target is). */
int states_is_open(const char *name);
/* Every state name, in workflow order. */
const char *const *states_all(size_t *n);

#endif
