/* Typed values from the query string, read alike by the pages and the API. */
#ifndef TAKEDOWN_QUERY_H
#define TAKEDOWN_QUERY_H

#include "casework.h"
#include "http.h"

/* The query parameter name as a non-negative integer; def when absent or empty; *bad set to 1
 * when it is not one (left alone otherwise). */
int64_t query_int(Request *req, const char *name, int64_t def, int *bad);
/* A queue filter from the query string (assignee by login); NULL, or the name of the malformed
 * parameter. */
const char *query_queue_filter(Request *req, QueueFilter *f);

#endif
