-- A case's queue rows refreshed once per transaction where a transaction changes the case many
-- times (issue 11). A report inserts its case and then each copy: case_queue_refresh recomputed
-- the case's rows after each of those statements, and only the last result stayed. While
-- case_queue_dirty holds the row whose rowid is 0 (a hold), changes still mark their case there
-- but the refresh waits; the transaction that put the hold there removes it before it ends and
-- refreshes each marked case once (store_queue_held,
-- service/store_queue_bulk.c). The hold costs no page of its own: the marks write the same page.
-- Every other writer (takedownctl, the sqlite3 shell) never holds, and refreshes statement by
-- statement as before. No commit leaves the hold: it is released in the same transaction.

DROP TRIGGER case_queue_refresh;
CREATE TRIGGER case_queue_refresh AFTER INSERT ON case_queue_dirty
WHEN NOT EXISTS (SELECT 1 FROM case_queue_dirty WHERE rowid = 0) BEGIN
    DELETE FROM case_queue WHERE case_id = NEW.case_id;
    INSERT INTO case_queue (queue, owner, platform, prio, due, created_at, case_id, risk_flags,
                            incident_type, incident_id, withdrawn, assignee, platforms, states,
                            targets, open_targets, next_due, waiting_on)
    SELECT q.queue, CASE q.queue WHEN 3 THEN c.assignee ELSE 0 END, p.platform,
           CASE WHEN c.risk_flags != 0 THEN 0 ELSE 1 END, s.due, c.created_at, c.id,
           c.risk_flags, c.incident_type, coalesce(c.incident_id, 0),
           coalesce(c.withdrawn_at, 0) != 0, coalesce(c.assignee, 0),
           (SELECT '[' || coalesce(group_concat('"' || replace(replace(platform, '\', '\\'), '"', '\"')
                   || '"', ','), '') || ']' FROM
               (SELECT platform, min(id) AS first FROM targets WHERE case_id = NEW.case_id
                GROUP BY platform ORDER BY first)),
           (SELECT '{' || coalesce(group_concat('"' || state || '":' || n, ','), '') || '}' FROM
               (SELECT state, count(*) AS n, min(id) AS first FROM targets
                WHERE case_id = NEW.case_id GROUP BY state ORDER BY first)),
           s.targets, s.open_targets, coalesce(w.due_at, 0), coalesce(w.state, '')
    FROM cases c,
         (SELECT coalesce(min(due_at), 9000000000000000) AS due, count(*) AS targets,
                 count(CASE WHEN state IN ('reported', 'in_review', 'ready', 'notice_sent',
                     'acknowledged', 'needs_info', 'rejected', 'escalated', 'removed',
                     'counter_noticed', 'verified_gone', 'monitoring', 'visit_planned',
                     'visited_refused', 'unreachable') THEN 1 END) AS open_targets,
                 max(state = 'reported') AS in_new,
                 max(state IN ('notice_sent', 'acknowledged')) AS in_awaiting,
                 max(state IN ('verified_gone', 'monitoring')) AS in_monitoring
          FROM targets WHERE case_id = NEW.case_id) s,
         (SELECT '' AS platform UNION SELECT platform FROM targets WHERE case_id = NEW.case_id) p,
         (SELECT 1 AS queue UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4
          UNION ALL SELECT 5) q
         LEFT JOIN (SELECT due_at, state FROM targets WHERE case_id = NEW.case_id
                    AND coalesce(due_at, 0) != 0 AND state IN ('reported', 'in_review', 'ready',
                    'notice_sent', 'acknowledged', 'needs_info', 'rejected', 'escalated',
                    'removed', 'counter_noticed', 'verified_gone', 'monitoring', 'visit_planned',
                    'visited_refused', 'unreachable')
                    ORDER BY due_at, id LIMIT 1) w
    WHERE c.id = NEW.case_id AND (
        q.queue = 1
        OR (q.queue = 2 AND c.withdrawn_at IS NULL AND s.in_new)
        OR (q.queue = 3 AND c.assignee IS NOT NULL AND s.open_targets > 0)
        OR (q.queue = 4 AND s.in_awaiting)
        OR (q.queue = 5 AND s.in_monitoring));
    DELETE FROM case_queue_dirty WHERE rowid = NEW.rowid;
END;
