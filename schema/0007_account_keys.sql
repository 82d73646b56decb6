-- Each staff account gets an X25519 keypair of its own (DESIGN section 3, "Departures and
-- rotation"): key_wrap now wraps the account's secret key under its password, and the org secret
-- key is sealed to the account's public key. `takedownctl org rotate` seals a new org key to every
-- enabled account and to nobody else; disabling an account destroys its wraps. An account made
-- before this migration has no public key and cannot sign in until an admin resets it (admins:
-- `takedownctl recover` with the recovery key).
ALTER TABLE staff ADD COLUMN public_key BLOB;   -- the account's X25519 public key
ALTER TABLE staff ADD COLUMN org_seal BLOB;     -- org secret key sealed to public_key (NULL for
                                                -- auditors, and after a rotation left it out)
-- Counts rotations, so that the audit log and the operator can tell key generations apart.
ALTER TABLE org ADD COLUMN key_epoch INTEGER NOT NULL DEFAULT 1;
