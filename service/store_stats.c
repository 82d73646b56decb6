/* Queries for the statistics of how fast platforms act (store_stats.h): one function per query,
 * every value bound by name, no ciphertext read. */
#include "store_stats.h"

#include "store_internal.h"

static const StoreCol notice_cols[] = {
    STORE_COL(TEXT, PstatNoticeRow, platform), STORE_COL(TEXT, PstatNoticeRow, route),
    STORE_COL(INT, PstatNoticeRow, sent_at),   STORE_COL(INT, PstatNoticeRow, first),
    STORE_COL(TEXT, PstatNoticeRow, state),    STORE_COL(INT, PstatNoticeRow, decided_at),
    STORE_COL(TEXT, PstatNoticeRow, decision), STORE_COL(INT, PstatNoticeRow, clock_due),
    STORE_COL(INT, PstatNoticeRow, gone_at)};
static const StoreRowSpec notice_spec = STORE_ROW_SPEC(notice_cols);
STORE_EACH_ROW(notice_each, PstatNoticeRow, notice_spec)

StoreStatus store_pstats_notices(StoreConn *c, int64_t from, int64_t to,
                                 void (*cb)(void *arg, const PstatNoticeRow *r), void *arg)
{
    /* The period's notices by notices_sent; for a first notice (no earlier one of its copy, by
     * notices_target), the copy's first decision and verification after it (events_target) and
     * the deadline in force then. */
    StoreStmt *st = store_stmt(
        c, "WITH sent AS (SELECT n.id, n.target_id, n.route, n.sent_at, t.platform, t.state, "
           "NOT EXISTS (SELECT 1 FROM notices p WHERE p.target_id = n.target_id AND p.id < n.id) "
           "AS first FROM notices n JOIN targets t ON t.id = n.target_id "
           "WHERE n.sent_at >= :from AND n.sent_at < :to), "
           "decided AS (SELECT s.*, CASE WHEN s.first THEN (SELECT e.id FROM events e "
           "WHERE e.target_id = s.target_id AND e.at >= s.sent_at AND e.kind = "
           "'target.transition' AND e.to_state IN ('removed', 'restricted', 'rejected') "
           "ORDER BY e.at, e.id LIMIT 1) END AS decision_id FROM sent s) "
           "SELECT d.platform, d.route, d.sent_at, d.first, d.state, coalesce(e.at, 0), "
           "coalesce(e.to_state, ''), CASE WHEN d.first THEN coalesce((SELECT q.due_at "
           "FROM notices q WHERE q.target_id = d.target_id AND (e.at IS NULL OR q.sent_at <= "
           "e.at) ORDER BY q.id DESC LIMIT 1), 0) ELSE 0 END, CASE WHEN d.first THEN "
           "coalesce((SELECT min(g.at) FROM events g WHERE g.target_id = d.target_id AND g.at >= "
           "d.sent_at AND g.kind = 'target.transition' AND g.to_state = 'verified_gone'), 0) "
           "ELSE 0 END FROM decided d LEFT JOIN events e ON e.id = d.decision_id "
           "ORDER BY d.sent_at, d.id");
    store_bind_int64_n(st, ":from", from);
    store_bind_int64_n(st, ":to", to);
    PstatNoticeRowEach e = {cb, arg};
    return store_each(c, st, notice_each, &e, __func__);
}

typedef struct TextTextAtCb {
    void (*cb)(void *arg, const char *a, const char *b, int64_t at);
    void *arg;
} TextTextAtCb;

static int row_text_text_at(StoreStmt *st, void *arg)
{
    const TextTextAtCb *e = arg;
    char a[24], b[24];
    store_column_text(st, 0, a, sizeof a);
    store_column_text(st, 1, b, sizeof b);
    e->cb(e->arg, a, b, store_col_int64(st, 2));
    return 0;
}

StoreStatus store_pstats_reuploads(StoreConn *c, int64_t from, int64_t to,
                                   void (*cb)(void *arg, const char *platform, const char *route,
                                              int64_t at),
                                   void *arg)
{
    StoreStmt *st = store_stmt(
        c, "SELECT t.platform, coalesce(t.route, p.route, 'none'), e.at FROM events e "
           "JOIN targets t ON t.id = e.target_id LEFT JOIN platforms p ON p.id = t.platform "
           "WHERE e.kind = 'target.reupload' AND e.at >= :from AND e.at < :to ORDER BY e.at, e.id");
    store_bind_int64_n(st, ":from", from);
    store_bind_int64_n(st, ":to", to);
    TextTextAtCb e = {cb, arg};
    return store_each(c, st, row_text_text_at, &e, __func__);
}

StoreStatus store_pstats_overdue(StoreConn *c, int64_t now,
                                 void (*cb)(void *arg, const char *platform, const char *route,
                                            int64_t n),
                                 void *arg)
{
    /* By targets_state (state, due_at). */
    StoreStmt *st = store_stmt(
        c, "SELECT platform, coalesce(route, 'none'), count(*) FROM targets "
           "WHERE state IN ('notice_sent', 'acknowledged') AND due_at <= :now GROUP BY 1, 2");
    store_bind_int64_n(st, ":now", now);
    StoreText2IntCb e = {cb, arg};
    return store_each(c, st, store_row_text2_int, &e, __func__);
}

typedef struct TextAtCb {
    void (*cb)(void *arg, const char *a, int64_t at);
    void *arg;
} TextAtCb;

static int row_text_at(StoreStmt *st, void *arg)
{
    const TextAtCb *e = arg;
    char a[24];
    store_column_text(st, 0, a, sizeof a);
    e->cb(e->arg, a, store_col_int64(st, 1));
    return 0;
}

StoreStatus store_pstats_offline(StoreConn *c, int64_t from, int64_t to,
                                 void (*cb)(void *arg, const char *outcome, int64_t at), void *arg)
{
    StoreStmt *st = store_stmt(
        c, "SELECT to_state, at FROM events WHERE kind = 'target.transition' AND at >= :from AND "
           "at < :to AND to_state IN ('visited_deleted', 'visited_sealed', 'visited_refused', "
           "'unreachable') ORDER BY at, id");
    store_bind_int64_n(st, ":from", from);
    store_bind_int64_n(st, ":to", to);
    TextAtCb e = {cb, arg};
    return store_each(c, st, row_text_at, &e, __func__);
}
