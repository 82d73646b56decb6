-- Issue 15, unattended link checks (opt-in). Without the org key (no staff at work for 30
-- minutes) checks used to wait. An operator may now give the service a checker key kept outside
-- the data directory (takedownctl checker enable): an X25519 keypair whose public half is here
-- and whose secret half only the service user can read. It opens one thing: each online copy's
-- link, sealed to it here. A thief with the disk and that key learns links, never who reported
-- them; without the key, the data directory opens nothing more than before.
ALTER TABLE org ADD COLUMN checker_public_key BLOB;   -- NULL: unattended checks off
-- {"target": id, "url": canonical link} sealed to checker_public_key (crypto_box_seal); written
-- by the service while staff are at work (the org key opens the link), cleared when turned off.
ALTER TABLE targets ADD COLUMN checker_seal BLOB;
-- The sealed ones, for the tick that lets go of seals no check needs: O(sealed), not O(targets).
CREATE INDEX targets_checker_sealed ON targets(id) WHERE checker_seal IS NOT NULL;
-- And those a check will need that wait for their seal (the tick seals 64 at a time).
CREATE INDEX targets_checker_unsealed ON targets(id)
    WHERE checker_seal IS NULL AND next_check_at IS NOT NULL AND kind != 'offline';
-- What an unattended check found ({"result", "how", "status"}), sealed to the org public key
-- until staff are at work again, when it becomes the body of its timeline event (sealed with the
-- case key, as every other check's) and the row goes.
CREATE TABLE night_checks (
    id       INTEGER PRIMARY KEY,
    event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    case_id  TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    body     BLOB NOT NULL
) STRICT;
