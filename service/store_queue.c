/* The casework queue: one page at a time from case_queue, a range scan per priority. */
#include "store_queue.h"

#include "store_internal.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const StoreCol queue_cols[] = {
    STORE_COL(TEXT, QueueRow, id),          STORE_COL(INT, QueueRow, prio),
    STORE_COL(INT, QueueRow, due),          STORE_COL(INT, QueueRow, created_at),
    STORE_COL(INT, QueueRow, risk_flags),   STORE_COL(TEXT, QueueRow, incident_type),
    STORE_COL(INT, QueueRow, withdrawn),    STORE_COL(TEXT, QueueRow, assignee),
    STORE_COL(INT, QueueRow, incident_id),  STORE_COL(BUF, QueueRow, platforms),
    STORE_COL(BUF, QueueRow, states),       STORE_COL(INT, QueueRow, targets),
    STORE_COL(INT, QueueRow, open_targets), STORE_COL(INT, QueueRow, next_due),
    STORE_COL(TEXT, QueueRow, waiting_on)};
static const StoreRowSpec queue_spec = STORE_ROW_SPEC(queue_cols);
STORE_EACH_ROW(queue_each, QueueRow, queue_spec)

/* The case_queue rows (schema/0008_case_queue.sql) of one queue name, owner and due bound. */
static void queue_key(const QueueFilter *f, int *queue, int64_t *owner, int64_t *due_max)
{
    *queue = 1;
    *owner = 0;
    *due_max = INT64_MAX;
    if (strcmp(f->queue, "new") == 0)
        *queue = 2;
    else if (strcmp(f->queue, "mine") == 0) {
        *queue = 3;
        *owner = f->me;
    } else if (strcmp(f->queue, "awaiting") == 0)
        *queue = 4;
    else if (strcmp(f->queue, "monitoring") == 0)
        *queue = 5;
    else if (strcmp(f->queue, "overdue") == 0)
        *due_max = f->now;
}

/* One priority's part of a page: a range scan of case_queue's primary key from the cursor, which
 * carries all a row shows (schema/0009_case_queue_summary.sql) but the assignee's login. The
 * route, state, incident and assignee filters narrow what that scan finds. A filter's parameter
 * is cast where it is first named, so that PostgreSQL knows its type when it is NULL. */
#define QUEUE_PART_SQL(after, order)                                                               \
    "SELECT q.case_id, q.prio, q.due, q.created_at, q.risk_flags, q.incident_type, q.withdrawn, "  \
    " coalesce(s.login, ''), q.incident_id, q.platforms, q.states, q.targets, q.open_targets, "    \
    " q.next_due, q.waiting_on "                                                                   \
    "FROM case_queue q LEFT JOIN staff s ON s.id = q.assignee "                                    \
    "WHERE q.queue = :queue AND q.owner = :owner AND q.platform = :platform "                      \
    " AND q.prio = :prio AND (q.due, q.created_at, q.case_id) " after                              \
    " (:due, :created, :after_id) "                                                                \
    " AND q.due <= :due_max "                                                                      \
    " AND (CAST(:route AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM targets t WHERE t.case_id = "     \
    "q.case_id "                                                                                   \
    "      AND t.route = :route)) "                                                                \
    " AND (CAST(:state AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM targets t WHERE t.case_id = "     \
    "q.case_id "                                                                                   \
    "      AND t.state = :state)) "                                                                \
    " AND (CAST(:incident AS BIGINT) IS NULL OR q.incident_id = :incident) "                       \
    " AND (CAST(:assignee AS BIGINT) IS NULL OR q.assignee = :assignee) "                          \
    "ORDER BY " order " LIMIT :limit"

#define QUEUE_ASC QUEUE_PART_SQL(">", "q.due, q.created_at, q.case_id")
#define QUEUE_DESC QUEUE_PART_SQL("<", "q.due DESC, q.created_at DESC, q.case_id DESC")
/* Soonest deadline first, and latest first: the same primary-key range, read forward or back. */
static const char *const queue_part_sql[2] = {QUEUE_ASC, QUEUE_DESC};
static const char *const queue_plan_sql[2] = {"EXPLAIN QUERY PLAN " QUEUE_ASC,
                                              "EXPLAIN QUERY PLAN " QUEUE_DESC};

/* Where one priority's part starts: at the cursor for the cursor's priority, else at the top. */
typedef struct QueueFrom {
    int prio;
    int64_t due, created;
    const char *after_id;
} QueueFrom;

static QueueFrom queue_from(const QueueFilter *f, int prio)
{
    if (prio == f->prio)
        return (QueueFrom){prio, f->due, f->created, f->after_id};
    if (f->desc) /* above every row: no due or created time reaches INT64_MAX */
        return (QueueFrom){prio, INT64_MAX, INT64_MAX, ""};
    return (QueueFrom){prio, INT64_MIN, INT64_MIN, ""};
}

static void queue_bind(StoreStmt *st, const QueueFilter *f, QueueFrom from, int limit)
{
    int queue;
    int64_t owner, due_max;
    queue_key(f, &queue, &owner, &due_max);
    store_bind_int64_n(st, ":queue", queue);
    store_bind_int64_n(st, ":owner", owner);
    store_bind_text_n(st, ":platform", f->platform ? f->platform : "");
    store_bind_int64_n(st, ":prio", from.prio);
    store_bind_int64_n(st, ":due", from.due);
    store_bind_int64_n(st, ":created", from.created);
    store_bind_text_n(st, ":after_id", from.after_id);
    store_bind_int64_n(st, ":due_max", due_max);
    store_bind_opt_text_n(st, ":route", f->route);
    store_bind_opt_text_n(st, ":state", f->state);
    store_bind_opt_int64_n(st, ":incident", f->incident);
    store_bind_opt_int64_n(st, ":assignee", f->assignee);
    store_bind_int64_n(st, ":limit", limit);
}

typedef struct QueueCount {
    void (*cb)(void *arg, const QueueRow *r);
    void *arg;
    int n;
} QueueCount;

static void queue_count(void *arg, const QueueRow *r)
{
    QueueCount *n = arg;
    n->n++;
    n->cb(n->arg, r);
}

StoreStatus store_queue(StoreConn *c, const QueueFilter *f,
                        void (*cb)(void *arg, const QueueRow *r), void *arg)
{
    /* At-risk cases (prio 0) first: the cursor's priority from its position, the next from its
     * top, so each part stays one range scan instead of a scan across both priorities. */
    QueueCount n = {cb, arg, 0};
    QueueRowEach e = {queue_count, &n};
    for (int prio = f->prio < 0 ? 0 : f->prio; prio <= 1 && n.n < f->limit; prio++) {
        StoreStmt *st = store_stmt(c, queue_part_sql[f->desc ? 1 : 0]);
        if (!st)
            return STORE_ERROR;
        queue_bind(st, f, queue_from(f, prio), f->limit - n.n);
        StoreStatus s = store_each(c, st, queue_each, &e, __func__);
        if (s != STORE_OK)
            return s;
    }
    return STORE_OK;
}

typedef struct PlanText {
    char *out;
    size_t size, len;
} PlanText;

static int plan_line(StoreStmt *st, void *arg)
{
    PlanText *p = arg;
    const char *detail = store_col_text(st, 3);
    int n = snprintf(p->out + p->len, p->size - p->len, "%s\n", detail ? detail : "");
    if (n > 0)
        p->len = p->len + (size_t)n < p->size ? p->len + (size_t)n : p->size - 1;
    return 0;
}

StoreStatus store_queue_plan(StoreConn *c, const QueueFilter *f, char *out, size_t size)
{
    if (size == 0)
        return STORE_ERROR;
    out[0] = '\0';
    StoreStmt *st = store_stmt(c, queue_plan_sql[f->desc ? 1 : 0]);
    if (!st)
        return STORE_ERROR;
    queue_bind(st, f, queue_from(f, f->prio < 0 ? 0 : f->prio), f->limit);
    PlanText p = {out, size, 0};
    return store_each(c, st, plan_line, &p, __func__);
}
