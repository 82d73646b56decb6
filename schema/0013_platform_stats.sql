-- Issue 14, how fast platforms act: statistics from workflow metadata only (nothing decrypted).
-- A notice keeps the deadline its route's clock gave it when it was sent: the copy's own due_at is
-- cleared by the platform's decision, and a route's clock may be edited later, so "removed within
-- the clock" needs the deadline as it stood. Written in the same transaction as the notice.
ALTER TABLE notices ADD COLUMN due_at INTEGER;
-- Notices sent before this migration: the route's clock as it stands now (the best there is).
UPDATE notices SET due_at = sent_at + 3600 * coalesce(
    (SELECT clock_hours FROM routes WHERE routes.id = notices.route), 72);

-- A period's notices, and a copy's decisions, verifications, re-uploads and visits by time:
-- the statistics read O(notices and events in the period), never the whole history.
CREATE INDEX notices_sent ON notices(sent_at);
CREATE INDEX events_target ON events(target_id, at);
CREATE INDEX events_kind_at ON events(kind, at);
