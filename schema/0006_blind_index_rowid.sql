-- Blind indexes for fingerprints and contacts have no target, and a WITHOUT ROWID table's key
-- columns cannot be NULL: those rows were refused. Blind indexes are rebuilt on every staff view,
-- so the table is simply made again as an ordinary table with a unique index.
DROP TABLE blind_index;
CREATE TABLE blind_index (
    id INTEGER PRIMARY KEY,
    domain TEXT NOT NULL,
    value BLOB NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    target_id INTEGER REFERENCES targets(id) ON DELETE CASCADE
) STRICT;
CREATE UNIQUE INDEX blind_index_unique ON blind_index(domain, value, case_id, coalesce(target_id, 0));
CREATE INDEX blind_index_case ON blind_index(case_id);
