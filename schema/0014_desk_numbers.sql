-- Issue 14: what a platform's desk sees is numbered per desk. A notice's id was the row id, shared
-- by every desk, and its copy was the target's id, shared by every case: a desk could count the
-- notices sent to other platforms between two of its own, and the center's intake of copies. Now
-- a notice has its number at its desk (seq: 1, 2, 3, ...) and names its copy by the copy's number
-- at that desk (copy: the same for every notice about the same copy).
ALTER TABLE desk_notices ADD COLUMN seq INTEGER;
ALTER TABLE desk_notices ADD COLUMN copy INTEGER;
UPDATE desk_notices SET seq = (SELECT count(*) FROM desk_notices d WHERE
    d.account_id = desk_notices.account_id AND d.id <= desk_notices.id);
UPDATE desk_notices SET copy = (SELECT count(DISTINCT d.target_id) FROM desk_notices d WHERE
    d.account_id = desk_notices.account_id AND d.id <= (SELECT min(f.id) FROM desk_notices f WHERE
    f.account_id = desk_notices.account_id AND f.target_id = desk_notices.target_id));
CREATE UNIQUE INDEX desk_notices_seq ON desk_notices(account_id, seq);
