/* Typed values from the query string, read alike by the pages and the API. */
#include "query.h"

#include "clock.h"
#include "staff.h"

#include <stdlib.h>
#include <string.h>

int64_t query_int(Request *req, const char *name, int64_t def, int *bad)
{
    const char *s = http_query(req, name);
    if (!s || !*s)
        return def;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (*end || v < 0)
        *bad = 1;
    return v;
}

/* A queue filter from the query string; NULL, or the name of the malformed parameter. */
const char *query_queue_filter(Request *req, QueueFilter *f)
{
    int bad = 0, bad_incident = 0;
    memset(f, 0, sizeof *f);
    f->queue = http_query(req, "queue");
    if (!f->queue || !*f->queue)
        f->queue = "all";
    f->limit = (int)query_int(req, "limit", 50, &bad);
    f->platform = http_query(req, "platform");
    f->route = http_query(req, "route");
    f->state = http_query(req, "state");
    f->incident = query_int(req, "incident", 0, &bad_incident);
    /* "due" (soonest deadline first, the default) or "-due" (latest first): the two orders the
     * queue's primary key serves as a range scan (docs/decisions.md, "Queue sorts"). */
    const char *sort = http_query(req, "sort");
    int bad_sort = sort && *sort && strcmp(sort, "due") != 0 && strcmp(sort, "-due") != 0;
    f->desc = sort && strcmp(sort, "-due") == 0;
    const char *assignee = http_query(req, "assignee");
    if (assignee && *assignee) {
        /* By login: resolved to an id so the query stays one prepared statement. */
        int64_t id = staff_id_of(assignee);
        f->assignee = id > 0 ? id : -1; /* nobody: an empty queue, not every case */
    }
    return bad ? "limit" : bad_incident ? "incident" : bad_sort ? "sort" : NULL;
}

CaseworkResult query_cw_by_id(Request *req, QueryCwById read, json_t **out)
{
    int64_t id = http_param_id(req, "id");
    return id ? read(req->session, id, clock_now(), out) : CW_NOT_FOUND;
}
