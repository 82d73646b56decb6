/* The casework queue: one query over cases and their targets. */
#include "store_queue.h"

#include "store_internal.h"

#include <stdio.h>
#include <string.h>

static const StoreCol queue_cols[] = {
    STORE_COL(TEXT, QueueRow, id),          STORE_COL(INT, QueueRow, prio),
    STORE_COL(INT, QueueRow, due),          STORE_COL(INT, QueueRow, created_at),
    STORE_COL(INT, QueueRow, risk_flags),   STORE_COL(TEXT, QueueRow, incident_type),
    STORE_COL(INT, QueueRow, withdrawn_at), STORE_COL(TEXT, QueueRow, assignee),
    STORE_COL(INT, QueueRow, incident_id)};
static const StoreRowSpec queue_spec = STORE_ROW_SPEC(queue_cols);
STORE_EACH_ROW(queue_each, QueueRow, queue_spec)

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
    QueueRowEach e = {cb, arg};
    return store_each(c, st, queue_each, &e, __func__);
}
