-- Cases and their targets, messages, fingerprints and screenshots. Everything that says who the
-- victim is or where the footage is lives in the encrypted columns (body, meta), under the case
-- key; workflow metadata stays in clear so queues, deadlines and statistics need no key.
CREATE TABLE cases (
    id TEXT PRIMARY KEY,                 -- public reference: 80 random bits, hex
    receipt_lookup BLOB NOT NULL UNIQUE, -- derived from the receipt by Argon2id + KDF
    sealed_key BLOB NOT NULL,            -- case key sealed to the org public key
    receipt_wrap BLOB NOT NULL,          -- case key wrapped under the receipt key
    org_wrap BLOB,                       -- case key under the org data key, after first staff open
    channel TEXT NOT NULL CHECK (channel IN ('web', 'walk_in', 'hotline', 'police', 'hospital')),
    requester_role TEXT NOT NULL
        CHECK (requester_role IN ('self', 'guardian', 'representative', 'relative')),
    language TEXT NOT NULL,
    incident_type TEXT NOT NULL,
    risk_flags INTEGER NOT NULL DEFAULT 0, -- bits: 1 danger now, 2 self-harm, 4 extortion,
                                          --       8 perpetrator in contact
    withdrawn_at INTEGER,
    legal_hold INTEGER NOT NULL DEFAULT 0,
    purge_after INTEGER,
    assignee INTEGER REFERENCES staff(id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    body BLOB NOT NULL                   -- encrypted JSON: requester, contact, incident details,
                                         -- description, consent, signature
) STRICT;
CREATE INDEX cases_created ON cases(created_at);

CREATE TABLE targets (
    id INTEGER PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('online', 'account', 'search', 'offline')),
    platform TEXT NOT NULL,              -- platform id, or 'offline'
    state TEXT NOT NULL,
    parent_id INTEGER REFERENCES targets(id) ON DELETE SET NULL,
    route TEXT,
    due_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    body BLOB NOT NULL                   -- encrypted JSON: url and canonical url, or holder and place
) STRICT;
CREATE INDEX targets_case ON targets(case_id);
CREATE INDEX targets_state ON targets(state, due_at);

CREATE TABLE fingerprints (
    id INTEGER PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    alg TEXT NOT NULL,
    body BLOB NOT NULL                   -- encrypted value
) STRICT;
CREATE INDEX fingerprints_case ON fingerprints(case_id);

CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    author TEXT NOT NULL CHECK (author IN ('victim', 'staff')),
    staff_id INTEGER REFERENCES staff(id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    body BLOB NOT NULL                   -- encrypted text
) STRICT;
CREATE INDEX messages_case ON messages(case_id, id);

CREATE TABLE files (
    id TEXT PRIMARY KEY,                 -- random; the file on disk is files/<id>
    case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    meta BLOB NOT NULL                   -- encrypted JSON: original name, type, size
) STRICT;
CREATE INDEX files_case ON files(case_id);

-- The case timeline: what happened when, in workflow terms; detail is encrypted under the case key
-- when it says anything about the victim or the footage.
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    target_id INTEGER REFERENCES targets(id) ON DELETE CASCADE,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT,
    body BLOB                            -- encrypted detail, or NULL
) STRICT;
CREATE INDEX events_case ON events(case_id, id);
