/* Target states and the one table of allowed transitions (DESIGN section 4). Nothing else in the
 * code decides whether a state may follow another. */
#ifndef TAKEDOWN_STATES_H
#define TAKEDOWN_STATES_H

#include <stddef.h>

/* 1 when name is a known state. */
int states_known(const char *name);
/* 1 when the table allows from -> to (including "any open -> withdrawn"). */
int states_allowed(const char *from, const char *to);
/* 1 while a target in this state still needs work (a case is open while any target is). */
int states_is_open(const char *name);
/* Every state name, in workflow order. */
const char *const *states_all(size_t *n);

#endif
