-- The org keypair's public half and its recovery wrap, staff accounts, sessions, audit log.
-- Nothing here is readable without a password, the recovery key or a live session's cookie.
CREATE TABLE org (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    public_key BLOB NOT NULL,          -- X25519 public key, in clear by design
    recovery_wrap BLOB NOT NULL,       -- org secret key wrapped under the recovery key
    receipt_salt BLOB NOT NULL,        -- site-wide Argon2id salt for receipts
    require_totp INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE staff (
    id INTEGER PRIMARY KEY,
    login TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'caseworker', 'auditor')),
    key_wrap BLOB NOT NULL,            -- Argon2id(password) wrap of the org secret key
                                       -- (auditors: of a random key, they never read cases)
    totp_secret BLOB,                  -- encrypted; NULL when not enrolled
    totp_pending BLOB,                 -- encrypted; an enrolment not yet confirmed
    totp_last_step INTEGER NOT NULL DEFAULT 0, -- last accepted time step: replays refused
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    password_changed_at INTEGER NOT NULL
) STRICT;

CREATE TABLE sessions (
    id_hash BLOB PRIMARY KEY,          -- BLAKE2b of the cookie's random id
    kind TEXT NOT NULL CHECK (kind IN ('staff', 'victim')),
    staff_id INTEGER REFERENCES staff(id) ON DELETE CASCADE,
    case_id TEXT,                      -- victim sessions
    key_wrap BLOB NOT NULL,            -- the unlocking key wrapped under the cookie's session key
    created_at INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,       -- absolute expiry
    CHECK ((kind = 'staff') = (staff_id IS NOT NULL))
) STRICT;
CREATE INDEX sessions_staff ON sessions(staff_id);
CREATE INDEX sessions_case ON sessions(case_id);

-- Tamper-evident log: each row's hash covers its fields and the previous row's hash.
-- It names who did what to which id; never case content.
CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,               -- "staff:<login>", "victim", "system", "ctl"
    action TEXT NOT NULL,
    subject TEXT NOT NULL DEFAULT '',  -- a case ref, a target id, a login
    detail TEXT NOT NULL DEFAULT '',   -- workflow metadata only
    prev_hash BLOB NOT NULL,
    hash BLOB NOT NULL
) STRICT;
