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
-- What an unattended check found ({"result", "how", "status"}), sealed to the org public key
-- until staff are at work again, when it becomes the body of its timeline event (sealed with the
-- case key, as every other check's) and the row goes.
CREATE TABLE night_checks (
    id       INTEGER PRIMARY KEY,
    event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    case_id  TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    body     BLOB NOT NULL
) STRICT;
