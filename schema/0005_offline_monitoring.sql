-- Offline visits, link checks and monitoring, counter-notice clock, retention.
ALTER TABLE targets ADD COLUMN monitor_since INTEGER;
ALTER TABLE targets ADD COLUMN next_check_at INTEGER;
ALTER TABLE targets ADD COLUMN last_check_at INTEGER;
CREATE INDEX targets_next_check ON targets(next_check_at);

-- A visit by exactly two different staff members, as evidence rules require.
CREATE TABLE visits (
    id INTEGER PRIMARY KEY,
    target_id INTEGER NOT NULL REFERENCES targets(id) ON DELETE CASCADE,
    case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    planned_at INTEGER NOT NULL,
    staff_a INTEGER NOT NULL REFERENCES staff(id),
    staff_b INTEGER NOT NULL REFERENCES staff(id),
    outcome TEXT,
    recorded_at INTEGER,
    body BLOB NOT NULL,                 -- encrypted: place, notes, voluntary statement, follow-up
    CHECK (staff_a != staff_b)
) STRICT;
CREATE INDEX visits_target ON visits(target_id, id);

-- Civil Code 1196: the uploader's counter-notice has its own clock (15 days).
INSERT INTO routes (id, clock_hours, elements) VALUES ('counter_notice', 360, '');
INSERT INTO meta (key, value) VALUES ('retention_days', '180');
INSERT INTO meta (key, value) VALUES ('last_purge_at', '0');
