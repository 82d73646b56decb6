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
/* A casework read of one record named by a numeric id. */
typedef CaseworkResult (*QueryCwById)(const Session *s, int64_t id, int64_t now, json_t **out);
/* Runs read on the path parameter "id" at the clock's now; CW_NOT_FOUND when the id is not a
 * positive integer. */
CaseworkResult query_cw_by_id(Request *req, QueryCwById read, json_t **out);

#endif
