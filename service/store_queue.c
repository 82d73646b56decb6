/* The casework queue: one query over cases and their targets. */
#include "store_queue.h"

#include "store_internal.h"

#include <stdio.h>
#include <string.h>

typedef struct QueueEach {
    void (*cb)(void *arg, const QueueRow *r);
    void *arg;
} QueueEach;

static int queue_row(sqlite3_stmt *st, void *p)
{
    const QueueEach *e = p;
    QueueRow r;
    memset(&r, 0, sizeof r);
    store_column_text(st, 0, r.id, sizeof r.id);
    r.prio = sqlite3_column_int(st, 1);
    r.due = sqlite3_column_int64(st, 2);
    r.created_at = sqlite3_column_int64(st, 3);
    r.risk_flags = sqlite3_column_int(st, 4);
    store_column_text(st, 5, r.incident_type, sizeof r.incident_type);
    r.withdrawn_at = sqlite3_column_int64(st, 6);
    store_column_text(st, 7, r.assignee, sizeof r.assignee);
    r.incident_id = sqlite3_column_int64(st, 8);
    e->cb(e->arg, &r);
    return 0;
}

StoreStatus store_queue(StoreConn *c, const QueueFilter *f,
                        void (*cb)(void *arg, const QueueRow *r), void *arg)
{
    sqlite3_stmt *st = store_stmt(
        c, "WITH q AS (SELECT c.id, c.created_at, c.risk_flags, c.incident_type, "
           "  coalesce(c.withdrawn_at, 0) AS withdrawn_at, coalesce(c.incident_id, 0) AS incident, "
           "  coalesce((SELECT login FROM staff s WHERE s.id = c.assignee), '') AS assignee, "
           "  CASE WHEN c.risk_flags != 0 THEN 0 ELSE 1 END AS prio, "
           "  coalesce((SELECT min(t.due_at) FROM targets t WHERE t.case_id = c.id "
           "   AND t.due_at IS NOT NULL), 9000000000000000) AS due "
           " FROM cases c WHERE "
           " (:queue = 'all' "
           "  OR (:queue = 'new' AND c.withdrawn_at IS NULL AND EXISTS (SELECT 1 FROM targets t "
           "      WHERE t.case_id = c.id AND t.state = 'reported')) "
           "  OR (:queue = 'mine' AND c.assignee = :me AND EXISTS (SELECT 1 FROM targets t "
           "      WHERE t.case_id = c.id AND t.state IN " OPEN_STATES ")) "
           "  OR (:queue = 'overdue' AND EXISTS (SELECT 1 FROM targets t WHERE t.case_id = c.id "
           "      AND t.due_at <= :now)) "
           "  OR (:queue = 'awaiting' AND EXISTS (SELECT 1 FROM targets t WHERE t.case_id = c.id "
           "      AND t.state IN ('notice_sent', 'acknowledged'))) "
           "  OR (:queue = 'monitoring' AND EXISTS (SELECT 1 FROM targets t WHERE t.case_id = c.id "
           "      AND t.state IN ('verified_gone', 'monitoring')))) "
           " AND (:platform IS NULL OR EXISTS (SELECT 1 FROM targets t WHERE t.case_id = c.id "
           "      AND t.platform = :platform)) "
           " AND (:route IS NULL OR EXISTS (SELECT 1 FROM targets t WHERE t.case_id = c.id "
           "      AND t.route = :route)) "
           " AND (:state IS NULL OR EXISTS (SELECT 1 FROM targets t WHERE t.case_id = c.id "
           "      AND t.state = :state)) "
           " AND (:incident IS NULL OR c.incident_id = :incident) "
           " AND (:assignee IS NULL OR c.assignee = :assignee)) "
           "SELECT id, prio, due, created_at, risk_flags, incident_type, withdrawn_at, assignee, "
           "incident FROM q WHERE (prio, due, created_at, id) > (:prio, :due, :created, :after_id) "
           "ORDER BY prio, due, created_at, id LIMIT :limit");
    store_bind_text_n(st, ":queue", f->queue);
    store_bind_int64_n(st, ":me", f->me);
    store_bind_int64_n(st, ":now", f->now);
    store_bind_opt_text_n(st, ":platform", f->platform);
    store_bind_opt_text_n(st, ":route", f->route);
    store_bind_opt_text_n(st, ":state", f->state);
    store_bind_opt_int64_n(st, ":incident", f->incident);
    store_bind_opt_int64_n(st, ":assignee", f->assignee);
    store_bind_int64_n(st, ":prio", f->prio);
    store_bind_int64_n(st, ":due", f->due);
    store_bind_int64_n(st, ":created", f->created);
    store_bind_text_n(st, ":after_id", f->after_id);
    store_bind_int64_n(st, ":limit", f->limit);
    QueueEach e = {cb, arg};
    return store_each(c, st, queue_row, &e, __func__);
}
