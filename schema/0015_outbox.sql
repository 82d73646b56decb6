-- Issue 15, notifications through an outbox. A row is written in the same transaction as the
-- event that causes it (store_event_insert), so no news is lost to a crash between the two, and
-- the background worker sends it later. Nothing sensitive is here: a victim's row names its case,
-- never an address; the address is decrypted by the worker only for sending.
--   kind       'victim.news': "there is news, open the site" to a victim who opted in;
--              'staff.digest': the day's overdue and due copies to one staff member.
--   state      pending -> sending -> sent; pending -> dropped (the victim did not opt in, asked
--              not to be contacted, or the case has no e-mail address). 'sending' is committed
--              before the transport is called; a start finds such rows from a crash and sends them
--              again under the same message id (msgid), which mail clients collapse.
--   next_at    when the worker may try: the victim's safe hours and the retry backoff move it.
CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('victim.news', 'staff.digest')),
    case_id    TEXT REFERENCES cases(id) ON DELETE CASCADE,
    staff_id   INTEGER REFERENCES staff(id) ON DELETE CASCADE,
    day        TEXT,
    msgid      TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    next_at    INTEGER NOT NULL,
    state      TEXT NOT NULL DEFAULT 'pending'
               CHECK (state IN ('pending', 'sending', 'sent', 'dropped')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    done_at    INTEGER
) STRICT;
-- What the worker may send now, oldest first.
CREATE INDEX outbox_due ON outbox(state, next_at);
-- One unsent piece of news per case: more events before it goes out add nothing.
CREATE UNIQUE INDEX outbox_news_unsent ON outbox(case_id)
    WHERE kind = 'victim.news' AND state IN ('pending', 'sending');
-- One digest per staff member and day.
CREATE UNIQUE INDEX outbox_digest_day ON outbox(staff_id, day) WHERE kind = 'staff.digest';

-- Where a staff member's daily digest goes (NULL: none). A work address, kept in clear like the
-- login: the digest names case references only, never case content.
ALTER TABLE staff ADD COLUMN digest_email TEXT;
