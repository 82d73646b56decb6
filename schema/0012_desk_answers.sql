-- Issue 14, the platform desk answers: what a platform's desk says about a notice it was sent
-- (acknowledged, needs more information, a decision) and the re-uploads it reports. The service
-- holds no secret key when a desk calls, so what the desk wrote (its item id, a reason, a question,
-- a re-uploaded link) is sealed to the org public key (a fresh field key sealed to it, the field
-- encrypted under that key like any other, bound to table, column and row); staff open it with the
-- org key. What the statistics count (kind, outcome, when) is workflow metadata, in clear.
CREATE TABLE desk_answers (
    id INTEGER PRIMARY KEY,
    desk_notice_id INTEGER NOT NULL REFERENCES desk_notices(id) ON DELETE CASCADE,
    target_id INTEGER NOT NULL REFERENCES targets(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('ack', 'needs_info', 'decision')),
    outcome TEXT CHECK (outcome IN ('removed', 'disabled', 'geo_restricted', 'age_restricted',
                                    'rejected')),
    platform_at INTEGER,               -- when the platform says it acted
    received_at INTEGER NOT NULL,
    body BLOB NOT NULL                 -- sealed to the org: item id, reason, question
) STRICT;
CREATE INDEX desk_answers_notice ON desk_answers(desk_notice_id, id);
CREATE INDEX desk_answers_target ON desk_answers(target_id, id);

-- A re-upload a desk reported: its link waits here, sealed to the org, until a key to the case is
-- at hand (while staff work); then it becomes a child copy of the target (child_id).
CREATE TABLE desk_reuploads (
    id INTEGER PRIMARY KEY,
    desk_notice_id INTEGER NOT NULL REFERENCES desk_notices(id) ON DELETE CASCADE,
    target_id INTEGER NOT NULL REFERENCES targets(id) ON DELETE CASCADE,
    reported_at INTEGER NOT NULL,
    child_id INTEGER REFERENCES targets(id) ON DELETE SET NULL,
    applied_at INTEGER,
    body BLOB NOT NULL                 -- sealed to the org: the link
) STRICT;
CREATE INDEX desk_reuploads_pending ON desk_reuploads(applied_at) WHERE applied_at IS NULL;
CREATE INDEX desk_reuploads_target ON desk_reuploads(target_id);
