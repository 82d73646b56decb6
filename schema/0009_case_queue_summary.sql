-- What a queue row shows, kept on the queue row itself (issue 11). A queue page used to read each
-- of its cases from cases (a random page of the largest table), then every copy of each case from
-- targets (one query per row), to show a summary the page could have had ready. Now every
-- case_queue row also carries that summary, so a page is one covering range scan of case_queue's
-- primary key, and the assignee's login from staff (a table of a few rows, so no login is copied).
-- The summary is the same on every row of a case; it is kept beside the sort key rather than in a
-- table of its own because a join to a per-case table would again be one random lookup per row.
--   risk_flags, incident_type, incident_id (0: none), withdrawn (0/1), assignee (staff id, 0:
--             none): the case's own, copied
--   platforms the platforms of its copies, each once, in the order of their first copy (by id),
--             as a JSON array (made with group_concat: SQLite 3.40's JSON aggregates and json_quote
--             are not usable in a trigger under trusted_schema=OFF; platform ids are link ids)
--   states    how many copies are in each state, in the order of each state's first copy, as a
--             JSON object
--   targets, open_targets   how many copies, and how many of them in an open state
--   next_due, waiting_on    the earliest clock of an open copy (0: none) and that copy's state (the
--             first such copy by id; '' when none)
-- The rule stays in the one trigger case_queue_refresh: the others only mark a case dirty, now also
-- when its incident or incident type changes.
DROP TABLE case_queue;
CREATE TABLE case_queue (
    queue INTEGER NOT NULL,
    owner INTEGER NOT NULL,
    platform TEXT NOT NULL,
    prio INTEGER NOT NULL,
    due INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    case_id TEXT NOT NULL,
    risk_flags INTEGER NOT NULL,
    incident_type TEXT NOT NULL,
    incident_id INTEGER NOT NULL,
    withdrawn INTEGER NOT NULL,
    assignee INTEGER NOT NULL,
    platforms TEXT NOT NULL,
    states TEXT NOT NULL,
    targets INTEGER NOT NULL,
    open_targets INTEGER NOT NULL,
    next_due INTEGER NOT NULL,
    waiting_on TEXT NOT NULL,
    PRIMARY KEY (queue, owner, platform, prio, due, created_at, case_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX case_queue_case ON case_queue(case_id);

DROP TRIGGER case_queue_refresh;
CREATE TRIGGER case_queue_refresh AFTER INSERT ON case_queue_dirty BEGIN
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

DROP TRIGGER case_queue_case_update;
CREATE TRIGGER case_queue_case_update
AFTER UPDATE OF id, risk_flags, assignee, withdrawn_at, created_at, incident_type, incident_id
ON cases BEGIN
    INSERT INTO case_queue_dirty SELECT OLD.id WHERE OLD.id != NEW.id;
    INSERT INTO case_queue_dirty VALUES (NEW.id);
END;

INSERT INTO case_queue_dirty SELECT id FROM cases;
