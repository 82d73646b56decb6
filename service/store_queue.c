/* The casework queue: one query over cases and their targets. */
#include "store_queue.h"

#include "store_internal.h"

#include <stdio.h>
#include <string.h>

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
           " (?1 = 'all' "
           "  OR (?1 = 'new' AND c.withdrawn_at IS NULL AND EXISTS (SELECT 1 FROM targets t "
           "      WHERE t.case_id = c.id AND t.state = 'reported')) "
           "  OR (?1 = 'mine' AND c.assignee = ?2 AND EXISTS (SELECT 1 FROM targets t "
           "      WHERE t.case_id = c.id AND t.state IN " OPEN_STATES ")) "
           "  OR (?1 = 'overdue' AND EXISTS (SELECT 1 FROM targets t WHERE t.case_id = c.id "
           "      AND t.due_at <= ?3)) "
           "  OR (?1 = 'awaiting' AND EXISTS (SELECT 1 FROM targets t WHERE t.case_id = c.id "
           "      AND t.state IN ('notice_sent', 'acknowledged'))) "
           "  OR (?1 = 'monitoring' AND EXISTS (SELECT 1 FROM targets t WHERE t.case_id = c.id "
           "      AND t.state IN ('verified_gone', 'monitoring')))) "
           " AND (?4 IS NULL OR EXISTS (SELECT 1 FROM targets t WHERE t.case_id = c.id "
           "      AND t.platform = ?4)) "
           " AND (?5 IS NULL OR EXISTS (SELECT 1 FROM targets t WHERE t.case_id = c.id "
           "      AND t.route = ?5)) "
           " AND (?6 IS NULL OR EXISTS (SELECT 1 FROM targets t WHERE t.case_id = c.id "
           "      AND t.state = ?6)) "
           " AND (?7 IS NULL OR c.incident_id = ?7) "
           " AND (?8 IS NULL OR c.assignee = ?8)) "
           "SELECT id, prio, due, created_at, risk_flags, incident_type, withdrawn_at, assignee, "
           "incident FROM q WHERE (prio, due, created_at, id) > (?9, ?10, ?11, ?12) "
           "ORDER BY prio, due, created_at, id LIMIT ?13");
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_text(st, 1, f->queue, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, f->me);
    sqlite3_bind_int64(st, 3, f->now);
    store_bind_opt_text(st, 4, f->platform);
    store_bind_opt_text(st, 5, f->route);
    store_bind_opt_text(st, 6, f->state);
    store_bind_opt_int(st, 7, f->incident);
    store_bind_opt_int(st, 8, f->assignee);
    sqlite3_bind_int(st, 9, f->prio);
    sqlite3_bind_int64(st, 10, f->due);
    sqlite3_bind_int64(st, 11, f->created);
    sqlite3_bind_text(st, 12, f->after_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 13, f->limit);
    QueueRow r;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
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
        cb(arg, &r);
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? STORE_OK : store_status(c, rc, __func__);
}
