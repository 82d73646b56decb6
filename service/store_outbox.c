/* Queries of the notification outbox: one function per query, every value bound by name. */
#include "store_outbox.h"

#include "store_internal.h"
#include "vault.h"

#include <string.h>

/* The message id: random, so it says nothing of the case or of how many messages there were.
 * Made here rather than by the engine, so that the SQL is the same on both. */
static void bind_msgid(StoreStmt *st)
{
    char msgid[2 * 16 + 1];
    vault_random_hex(msgid, 16);
    store_bind_text_n(st, ":msgid", msgid);
}

StoreStatus store_outbox_news(StoreConn *c, const char *case_id, int64_t now)
{
    StoreStmt *st = store_stmt(
        c, "INSERT INTO outbox (kind, case_id, msgid, created_at, next_at) "
           "VALUES ('victim.news', :case_id, :msgid, :now, :now) "
           "ON CONFLICT (case_id) WHERE kind = 'victim.news' AND state IN ('pending', 'sending') "
           "DO NOTHING");
    store_bind_text_n(st, ":case_id", case_id);
    store_bind_int64_n(st, ":now", now);
    bind_msgid(st);
    return store_exec_stmt(c, st, __func__);
}

StoreStatus store_outbox_digest(StoreConn *c, int64_t staff_id, const char *day, int64_t now)
{
    StoreStmt *st =
        store_stmt(c, "INSERT INTO outbox (kind, staff_id, day, msgid, created_at, next_at) "
                      "VALUES ('staff.digest', :staff_id, :day, :msgid, :now, :now) "
                      "ON CONFLICT (staff_id, day) WHERE kind = 'staff.digest' DO NOTHING");
    store_bind_int64_n(st, ":staff_id", staff_id);
    store_bind_text_n(st, ":day", day);
    store_bind_int64_n(st, ":now", now);
    bind_msgid(st);
    return store_exec_stmt(c, st, __func__);
}

static const StoreCol outbox_cols[] = {
    STORE_COL(INT, OutboxRow, id),         STORE_COL(TEXT, OutboxRow, kind),
    STORE_COL(TEXT, OutboxRow, case_id),   STORE_COL(INT, OutboxRow, staff_id),
    STORE_COL(TEXT, OutboxRow, day),       STORE_COL(TEXT, OutboxRow, msgid),
    STORE_COL(INT, OutboxRow, created_at), STORE_COL(INT, OutboxRow, next_at),
    STORE_COL(INT, OutboxRow, attempts)};
static const StoreRowSpec outbox_spec = STORE_ROW_SPEC(outbox_cols);
STORE_EACH_ROW(outbox_each, OutboxRow, outbox_spec)

StoreStatus store_outbox_due(StoreConn *c, const char *kind, int64_t now, int limit,
                             void (*cb)(void *arg, const OutboxRow *r), void *arg)
{
    StoreStmt *st = store_stmt(
        c, "SELECT id, kind, coalesce(case_id, ''), coalesce(staff_id, 0), coalesce(day, ''), "
           "msgid, created_at, next_at, attempts FROM outbox WHERE state = 'pending' "
           "AND next_at <= :now AND (CAST(:kind AS TEXT) IS NULL OR kind = :kind) ORDER BY "
           "next_at, id "
           "LIMIT :limit");
    store_bind_int64_n(st, ":now", now);
    store_bind_text_n(st, ":kind", kind);
    store_bind_int64_n(st, ":limit", limit);
    OutboxRowEach e = {cb, arg};
    return store_each(c, st, outbox_each, &e, __func__);
}

StoreStatus store_outbox_claim(StoreConn *c, int64_t id)
{
    StoreStmt *st = store_stmt(c, "UPDATE outbox SET state = 'sending', attempts = attempts + 1 "
                                  "WHERE id = :id AND state = 'pending'");
    store_bind_int64_n(st, ":id", id);
    return store_exec_one(c, st, __func__);
}

StoreStatus store_outbox_settle(StoreConn *c, int64_t id, const char *state, const char *why,
                                int64_t now)
{
    StoreStmt *st = store_stmt(c, "UPDATE outbox SET state = :state, last_error = :why, "
                                  "done_at = :now WHERE id = :id AND state = 'sending'");
    store_bind_int64_n(st, ":id", id);
    store_bind_text_n(st, ":state", state);
    store_bind_opt_text_n(st, ":why", why);
    store_bind_int64_n(st, ":now", now);
    return store_exec_one(c, st, __func__);
}

StoreStatus store_outbox_forget(StoreConn *c, int64_t id)
{
    StoreStmt *st = store_stmt(c, "DELETE FROM outbox WHERE id = :id");
    store_bind_int64_n(st, ":id", id);
    return store_exec_one(c, st, __func__);
}

StoreStatus store_outbox_purge_digests(StoreConn *c, const char *day)
{
    StoreStmt *st = store_stmt(c, "DELETE FROM outbox WHERE kind = 'staff.digest' AND "
                                  "day < :day AND state IN ('sent', 'dropped')");
    store_bind_text_n(st, ":day", day);
    return store_exec_stmt(c, st, __func__);
}

StoreStatus store_outbox_defer(StoreConn *c, int64_t id, int64_t next_at, const char *error)
{
    int failed = error && *error;
    StoreStmt *st =
        store_stmt(c, "UPDATE outbox SET state = 'pending', next_at = :next_at, "
                      "attempts = attempts - CASE WHEN :failed <> 0 THEN 0 ELSE 1 END, "
                      "last_error = CASE WHEN :failed <> 0 THEN :error ELSE last_error END "
                      "WHERE id = :id AND state = 'sending'");
    store_bind_int64_n(st, ":id", id);
    store_bind_int64_n(st, ":next_at", next_at);
    store_bind_int64_n(st, ":failed", failed);
    store_bind_opt_text_n(st, ":error", error);
    return store_exec_one(c, st, __func__);
}

StoreStatus store_outbox_recover(StoreConn *c, int64_t *n)
{
    StoreStmt *st = store_stmt(c, "UPDATE outbox SET state = 'pending', next_at = 0, "
                                  "last_error = 'interrupted' WHERE state = 'sending'");
    StoreStatus s = store_exec_stmt(c, st, __func__);
    *n = s == STORE_OK ? store_changes(c) : 0;
    return s;
}

static int read_counts(StoreStmt *st, void *arg)
{
    OutboxCounts *o = arg;
    o->pending = store_col_int64(st, 0);
    o->oldest_age = store_col_int64(st, 1);
    return 0;
}

StoreStatus store_outbox_counts(StoreConn *c, int64_t now, OutboxCounts *out)
{
    memset(out, 0, sizeof *out);
    StoreStmt *st = store_stmt(c, "SELECT count(*), coalesce(:now - min(created_at), 0) "
                                  "FROM outbox WHERE state IN ('pending', 'sending')");
    store_bind_int64_n(st, ":now", now);
    return store_one(c, st, read_counts, out, __func__);
}

/* ---- the staff digest ---- */

StoreStatus
store_digest_lines(StoreConn *c, int64_t staff_id, int64_t now, int64_t day_end, int64_t since,
                   void (*cb)(void *arg, const char *what, const char *case_id, int64_t n),
                   void *arg)
{
    StoreStmt *st = store_stmt(
        c, "SELECT what, case_id, n FROM ("
           "SELECT 'overdue' AS what, t.case_id AS case_id, count(*) AS n FROM targets t "
           "JOIN cases c ON c.id = t.case_id WHERE c.assignee = :staff AND t.state IN " OPEN_STATES
           " AND t.due_at > 0 AND t.due_at <= :now GROUP BY t.case_id "
           "UNION ALL SELECT 'due', t.case_id, count(*) FROM targets t "
           "JOIN cases c ON c.id = t.case_id WHERE c.assignee = :staff AND t.state IN " OPEN_STATES
           " AND t.due_at > :now AND t.due_at < :day_end GROUP BY t.case_id "
           "UNION ALL SELECT 'risk', id, risk_flags FROM cases WHERE created_at >= :since AND "
           "risk_flags != 0 AND withdrawn_at IS NULL) AS lines ORDER BY what DESC, case_id");
    store_bind_int64_n(st, ":staff", staff_id);
    store_bind_int64_n(st, ":now", now);
    store_bind_int64_n(st, ":day_end", day_end);
    store_bind_int64_n(st, ":since", since);
    StoreText2IntCb e = {cb, arg};
    return store_each(c, st, store_row_text2_int, &e, __func__);
}
