-- Issue 14, the platform desk: platforms' trust-and-safety desks reach the service by a machine
-- channel. A platform account holds the desk's X25519 public key (in clear: notices are sealed to
-- it) and is registered by an admin; at most one live account per platform. Its API tokens are
-- stored as hashes only (the token is shown once), scoped to the account, expiring and revocable.
CREATE TABLE platform_accounts (
    id INTEGER PRIMARY KEY,
    platform TEXT NOT NULL,            -- the registry's platform id
    public_key BLOB NOT NULL CHECK (length(public_key) = 32),
    created_at INTEGER NOT NULL,
    created_by INTEGER REFERENCES staff(id) ON DELETE SET NULL,
    revoked_at INTEGER
) STRICT;
CREATE UNIQUE INDEX platform_accounts_live ON platform_accounts(platform) WHERE revoked_at IS NULL;

CREATE TABLE platform_tokens (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES platform_accounts(id) ON DELETE CASCADE,
    token_hash BLOB NOT NULL UNIQUE,   -- BLAKE2b-256 of the token
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER,
    last_used_at INTEGER
) STRICT;
CREATE INDEX platform_tokens_account ON platform_tokens(account_id);

-- A notice sent through the desk: sealed to the platform's key when it was sent (crypto_box_seal;
-- only the desk's secret key opens it), beside the service's own copy under the case key in
-- notices. Gone with its copy (an erased case takes it along).
CREATE TABLE desk_notices (
    id INTEGER PRIMARY KEY,
    notice_id INTEGER NOT NULL UNIQUE REFERENCES notices(id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL REFERENCES platform_accounts(id) ON DELETE CASCADE,
    target_id INTEGER NOT NULL REFERENCES targets(id) ON DELETE CASCADE,
    route TEXT NOT NULL,
    sent_at INTEGER NOT NULL,
    sealed BLOB NOT NULL,
    acked_at INTEGER,
    decided_at INTEGER
) STRICT;
CREATE INDEX desk_notices_account ON desk_notices(account_id, id);
CREATE INDEX desk_notices_target ON desk_notices(target_id);
