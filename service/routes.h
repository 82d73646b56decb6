/* The route table of takedownd: every path the service answers, in one place. */
#ifndef TAKEDOWN_ROUTES_H
#define TAKEDOWN_ROUTES_H

#include "route.h"

/* The table; debug routes (used by the tests) only when debug is set. */
const Route *routes_table(int debug, size_t *n);

#endif
