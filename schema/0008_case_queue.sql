-- The queues, kept ready (issue 11). A queue page used to scan every case, run a subquery per case
-- for its next deadline and sort the lot; its cost grew with every case. Now every (queue,
-- platform) a case belongs to is one row of case_queue carrying what the queues sort on, so a
-- page is one range scan of the primary key, whatever the number of cases:
--   queue     1 all, 2 new (not withdrawn, a copy just reported), 3 open (a copy still open; only
--             for assigned cases, for "mine"), 4 awaiting (a notice out: notice_sent,
--             acknowledged), 5 monitoring (verified_gone, monitoring). "overdue" is queue 1 with
--             due <= now.
--   owner     the assignee in queue 3, else 0
--   platform  '' (any platform) and then each platform the case has a copy on, so the platform
--             filter is the same range scan
--   prio      0 when the case carries a risk flag, else 1: at risk first
--   due       the earliest running clock of its copies, or 9000000000000000 when none runs
-- A row is never written by hand: triggers on cases and targets recompute a case's rows in the
-- same transaction as every change that could move it (a copy added, moved, its clock set or
-- cleared, removed; the case's risk flags, assignee, withdrawal, creation, erasure). They all mark
-- the case in case_queue_dirty, whose one trigger holds the rule; the mark is gone again before
-- the statement ends. Clear text here is workflow metadata that cases and targets hold in clear
-- already (DESIGN section 3); nothing in it says who the victim is or where the footage is.
CREATE TABLE case_queue (
    queue INTEGER NOT NULL,
    owner INTEGER NOT NULL,
    platform TEXT NOT NULL,
    prio INTEGER NOT NULL,
    due INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    case_id TEXT NOT NULL,
    PRIMARY KEY (queue, owner, platform, prio, due, created_at, case_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX case_queue_case ON case_queue(case_id);

CREATE TABLE case_queue_dirty (case_id TEXT NOT NULL) STRICT;

CREATE TRIGGER case_queue_refresh AFTER INSERT ON case_queue_dirty BEGIN
    DELETE FROM case_queue WHERE case_id = NEW.case_id;
    INSERT INTO case_queue (queue, owner, platform, prio, due, created_at, case_id)
    SELECT q.queue, CASE q.queue WHEN 3 THEN c.assignee ELSE 0 END, p.platform,
           CASE WHEN c.risk_flags != 0 THEN 0 ELSE 1 END,
           coalesce((SELECT min(t.due_at) FROM targets t WHERE t.case_id = c.id),
                    9000000000000000),
           c.created_at, c.id
    FROM cases c,
         (SELECT '' AS platform UNION SELECT platform FROM targets WHERE case_id = NEW.case_id) p,
         (SELECT 1 AS queue UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4
          UNION ALL SELECT 5) q
    WHERE c.id = NEW.case_id AND (
        q.queue = 1
        OR (q.queue = 2 AND c.withdrawn_at IS NULL AND EXISTS (SELECT 1 FROM targets t
            WHERE t.case_id = c.id AND t.state = 'reported'))
        OR (q.queue = 3 AND c.assignee IS NOT NULL AND EXISTS (SELECT 1 FROM targets t
            WHERE t.case_id = c.id AND t.state IN ('reported', 'in_review', 'ready',
            'notice_sent', 'acknowledged', 'needs_info', 'rejected', 'escalated', 'removed',
            'counter_noticed', 'verified_gone', 'monitoring', 'visit_planned',
            'visited_refused', 'unreachable')))
        OR (q.queue = 4 AND EXISTS (SELECT 1 FROM targets t WHERE t.case_id = c.id
            AND t.state IN ('notice_sent', 'acknowledged')))
        OR (q.queue = 5 AND EXISTS (SELECT 1 FROM targets t WHERE t.case_id = c.id
            AND t.state IN ('verified_gone', 'monitoring'))));
    DELETE FROM case_queue_dirty WHERE rowid = NEW.rowid;
END;

CREATE TRIGGER case_queue_case_insert AFTER INSERT ON cases BEGIN
    INSERT INTO case_queue_dirty VALUES (NEW.id);
END;
CREATE TRIGGER case_queue_case_update
AFTER UPDATE OF id, risk_flags, assignee, withdrawn_at, created_at ON cases BEGIN
    INSERT INTO case_queue_dirty SELECT OLD.id WHERE OLD.id != NEW.id;
    INSERT INTO case_queue_dirty VALUES (NEW.id);
END;
CREATE TRIGGER case_queue_case_delete AFTER DELETE ON cases BEGIN
    INSERT INTO case_queue_dirty VALUES (OLD.id);
END;
CREATE TRIGGER case_queue_target_insert AFTER INSERT ON targets BEGIN
    INSERT INTO case_queue_dirty VALUES (NEW.case_id);
END;
CREATE TRIGGER case_queue_target_update
AFTER UPDATE OF case_id, platform, state, due_at ON targets BEGIN
    INSERT INTO case_queue_dirty SELECT OLD.case_id WHERE OLD.case_id != NEW.case_id;
    INSERT INTO case_queue_dirty VALUES (NEW.case_id);
END;
CREATE TRIGGER case_queue_target_delete AFTER DELETE ON targets BEGIN
    INSERT INTO case_queue_dirty VALUES (OLD.case_id);
END;

INSERT INTO case_queue_dirty SELECT id FROM cases;
