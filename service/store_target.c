/* Queries for targets, their clocks and checks, notices and visits: one function per query, every
 * value bound by name. */
#include "store_target.h"

#include "log.h"
#include "store_internal.h"

#include <stdio.h>
#include <string.h>

void target_row_free(TargetRow *r)
{
    buf_free(&r->body);
}

const char *store_open_states_sql(void)
{
    return OPEN_STATES;
}

/* ---- targets ---- */

StoreStatus store_target_insert(StoreConn *c, const char *case_id, const char *kind,
                                const char *platform, const char *state, int64_t parent_id,
                                const Buf *body, int64_t now, int64_t *id)
{
    StoreStmt *st = store_stmt_insert(
        c, "INSERT INTO targets (case_id, kind, platform, state, parent_id, created_at, "
           "updated_at, body) VALUES (:case_id, :kind, :platform, :state, :parent_id, :now, "
           ":now, :body)");
    store_bind_text_n(st, ":case_id", case_id);
    store_bind_text_n(st, ":kind", kind);
    store_bind_text_n(st, ":platform", platform);
    store_bind_text_n(st, ":state", state);
    store_bind_opt_int64_n(st, ":parent_id", parent_id > 0 ? parent_id : 0);
    store_bind_int64_n(st, ":now", now);
    store_bind_buf_n(st, ":body", body);
    return store_exec_insert(c, st, id, __func__);
}

StoreStatus store_target_insert_child(StoreConn *c, const char *case_id, int64_t parent_id,
                                      const char *platform, const Buf *placeholder, int64_t now,
                                      int64_t *id)
{
    return store_target_insert(c, case_id, "online", platform, "reported", parent_id, placeholder,
                               now, id);
}

/* The columns every target query reads, in target_row's order; the body comes last. */
#define TARGET_COLUMNS                                                                             \
    "id, case_id, kind, platform, state, coalesce(parent_id, 0), coalesce(route, ''), "            \
    "coalesce(due_at, 0), created_at, updated_at, coalesce(monitor_since, 0), "

static const StoreCol target_cols[] = {STORE_COL(INT, TargetRow, id),
                                       STORE_COL(TEXT, TargetRow, case_id),
                                       STORE_COL(TEXT, TargetRow, kind),
                                       STORE_COL(TEXT, TargetRow, platform),
                                       STORE_COL(TEXT, TargetRow, state),
                                       STORE_COL(INT, TargetRow, parent_id),
                                       STORE_COL(TEXT, TargetRow, route),
                                       STORE_COL(INT, TargetRow, due_at),
                                       STORE_COL(INT, TargetRow, created_at),
                                       STORE_COL(INT, TargetRow, updated_at),
                                       STORE_COL(INT, TargetRow, monitor_since),
                                       STORE_COL(BUF, TargetRow, body)};
static const StoreRowSpec target_spec = STORE_ROW_SPEC(target_cols);
STORE_EACH_ROW(target_each, TargetRow, target_spec)

StoreStatus store_target_get(StoreConn *c, int64_t id, TargetRow *out)
{
    StoreStmt *st = store_stmt(c, "SELECT " TARGET_COLUMNS "body FROM targets WHERE id = :id");
    store_bind_int64_n(st, ":id", id);
    return store_one_row(c, st, &target_spec, out, __func__);
}

StoreStatus store_targets_of_case(StoreConn *c, const char *case_id, int with_body,
                                  void (*cb)(void *arg, const TargetRow *t), void *arg)
{
    /* Lists that show no content do not even read the ciphertext. */
    StoreStmt *st =
        store_stmt(c, "SELECT " TARGET_COLUMNS "CASE WHEN :with_body <> 0 THEN body END "
                      "FROM targets WHERE case_id = :case_id ORDER BY id");
    store_bind_text_n(st, ":case_id", case_id);
    store_bind_int64_n(st, ":with_body", with_body ? 1 : 0);
    TargetRowEach e = {cb, arg};
    return store_each(c, st, target_each, &e, __func__);
}

/* Both moves: the clock set when clocked, else left as it is. */
static StoreStatus target_move(StoreConn *c, int64_t id, const char *from, const char *to,
                               int64_t now, int clocked, const char *route, int64_t due_at)
{
    StoreStmt *st = store_stmt(c, "UPDATE targets SET state = :to, updated_at = :now, "
                                  "route = CASE WHEN :clocked <> 0 THEN :route ELSE route END, "
                                  "due_at = CASE WHEN :clocked <> 0 THEN :due_at ELSE due_at END "
                                  "WHERE id = :id AND state = :from");
    store_bind_int64_n(st, ":id", id);
    store_bind_text_n(st, ":from", from);
    store_bind_text_n(st, ":to", to);
    store_bind_int64_n(st, ":now", now);
    store_bind_int64_n(st, ":clocked", clocked);
    store_bind_opt_text_n(st, ":route", route);
    store_bind_opt_int64_n(st, ":due_at", due_at);
    StoreStatus s = store_exec_one(c, st, __func__);
    return s == STORE_NOT_FOUND ? STORE_CONFLICT : s;
}

StoreStatus store_target_set_state(StoreConn *c, int64_t id, const char *from, const char *to,
                                   int64_t now)
{
    return target_move(c, id, from, to, now, 0, NULL, 0);
}

StoreStatus store_target_move_clocked(StoreConn *c, int64_t id, const char *from, const char *to,
                                      int64_t now, const char *route, int64_t due_at)
{
    return target_move(c, id, from, to, now, 1, route, due_at);
}

StoreStatus store_targets_withdraw(StoreConn *c, const char *case_id, const char *actor,
                                   int64_t now, int64_t *n)
{
    /* One timeline event per open target, then every one of them moved, however many there are:
     * both statements see the same rows inside the caller's (immediate) transaction. */
    StoreStmt *ev = store_stmt(
        c, "INSERT INTO events (case_id, target_id, at, actor, kind, from_state, to_state) "
           "SELECT case_id, id, :now, :actor, 'target.transition', state, 'withdrawn' FROM targets "
           "WHERE case_id = :case_id AND state IN " OPEN_STATES " ORDER BY id");
    store_bind_text_n(ev, ":case_id", case_id);
    store_bind_int64_n(ev, ":now", now);
    store_bind_text_n(ev, ":actor", actor);
    StoreStatus s = store_exec_stmt(c, ev, __func__);
    if (s != STORE_OK)
        return s;
    int64_t events = store_changes(c);
    /* Withdrawn: no clock runs and nothing is checked any more. */
    StoreStmt *up = store_stmt(c, "UPDATE targets SET state = 'withdrawn', updated_at = :now, "
                                  "due_at = NULL, next_check_at = NULL "
                                  "WHERE case_id = :case_id AND state IN " OPEN_STATES);
    store_bind_text_n(up, ":case_id", case_id);
    store_bind_int64_n(up, ":now", now);
    if ((s = store_exec_stmt(c, up, __func__)) != STORE_OK)
        return s;
    *n = store_changes(c);
    if (*n != events) { /* impossible inside one immediate transaction */
        log_errorx("%s: %lld events for %lld targets", __func__, (long long)events, (long long)*n);
        return STORE_ERROR;
    }
    return STORE_OK;
}

/* ---- clocks and checks ---- */

StoreStatus store_target_set_clock(StoreConn *c, int64_t id, const char *route, int64_t due_at)
{
    StoreStmt *st =
        store_stmt(c, "UPDATE targets SET route = :route, due_at = :due_at WHERE id = :id");
    store_bind_int64_n(st, ":id", id);
    store_bind_opt_text_n(st, ":route", route);
    store_bind_opt_int64_n(st, ":due_at", due_at);
    return store_exec_one(c, st, __func__);
}

StoreStatus store_target_set_decision(StoreConn *c, int64_t id, int64_t at)
{
    StoreStmt *st = store_stmt(c, "UPDATE targets SET decision_at = :at WHERE id = :id");
    store_bind_int64_n(st, ":id", id);
    store_bind_int64_n(st, ":at", at);
    return store_exec_one(c, st, __func__);
}

static const StoreCol check_cols[] = {STORE_COL(INT, CheckDue, target_id),
                                      STORE_COL(TEXT, CheckDue, case_id),
                                      STORE_COL(TEXT, CheckDue, state)};
static const StoreRowSpec check_spec = STORE_ROW_SPEC(check_cols);
STORE_EACH_ROW(check_each, CheckDue, check_spec)

StoreStatus store_checks_due(StoreConn *c, int64_t now, int limit,
                             void (*cb)(void *arg, const CheckDue *d), void *arg)
{
    StoreStmt *st = store_stmt(
        c, "SELECT id, case_id, state FROM targets WHERE next_check_at IS NOT NULL AND "
           "next_check_at <= :now AND kind != 'offline' ORDER BY next_check_at, id LIMIT :limit");
    store_bind_int64_n(st, ":now", now);
    store_bind_int64_n(st, ":limit", limit);
    CheckDueEach e = {cb, arg};
    return store_each(c, st, check_each, &e, __func__);
}

StoreStatus store_target_set_check(StoreConn *c, int64_t id, int64_t next_check_at,
                                   int64_t last_check_at)
{
    StoreStmt *st = store_stmt(c, "UPDATE targets SET next_check_at = :next, "
                                  "last_check_at = coalesce(:last, last_check_at) "
                                  "WHERE id = :id");
    store_bind_int64_n(st, ":id", id);
    store_bind_opt_int64_n(st, ":next", next_check_at);
    store_bind_opt_int64_n(st, ":last", last_check_at);
    return store_exec_one(c, st, __func__);
}

StoreStatus store_target_set_monitor(StoreConn *c, int64_t id, int64_t since, int64_t next)
{
    StoreStmt *st = store_stmt(
        c, "UPDATE targets SET monitor_since = :since, next_check_at = :next WHERE id = :id");
    store_bind_int64_n(st, ":id", id);
    store_bind_opt_int64_n(st, ":since", since);
    store_bind_opt_int64_n(st, ":next", next);
    return store_exec_one(c, st, __func__);
}

/* ---- notices ---- */

StoreStatus store_notice_insert(StoreConn *c, int64_t target_id, const char *case_id,
                                const char *route, const char *language, int64_t sent_at,
                                int64_t due_at, int64_t sent_by, const Buf *body, int64_t *id)
{
    StoreStmt *st =
        store_stmt_insert(c, "INSERT INTO notices (target_id, case_id, route, language, "
                             "sent_at, due_at, sent_by, body) VALUES (:target_id, "
                             ":case_id, :route, :language, :sent_at, :due_at, :sent_by, "
                             ":body)");
    store_bind_int64_n(st, ":target_id", target_id);
    store_bind_text_n(st, ":case_id", case_id);
    store_bind_text_n(st, ":route", route);
    store_bind_text_n(st, ":language", language);
    store_bind_int64_n(st, ":sent_at", sent_at);
    store_bind_int64_n(st, ":due_at", due_at);
    store_bind_opt_int64_n(st, ":sent_by", sent_by);
    store_bind_buf_n(st, ":body", body);
    return store_exec_insert(c, st, id, __func__);
}

static const StoreCol notice_cols[] = {
    STORE_COL(INT, NoticeRow, id),        STORE_COL(TEXT, NoticeRow, route),
    STORE_COL(TEXT, NoticeRow, language), STORE_COL(INT, NoticeRow, sent_at),
    STORE_COL(TEXT, NoticeRow, sent_by),  STORE_COL(BUF, NoticeRow, body)};
static const StoreRowSpec notice_spec = STORE_ROW_SPEC(notice_cols);
STORE_EACH_ROW(notice_each, NoticeRow, notice_spec)

StoreStatus store_notices_of_target(StoreConn *c, int64_t target_id,
                                    void (*cb)(void *arg, const NoticeRow *n), void *arg)
{
    StoreStmt *st = store_stmt(
        c, "SELECT n.id, n.route, n.language, n.sent_at, coalesce(s.login, ''), n.body "
           "FROM notices n LEFT JOIN staff s ON s.id = n.sent_by WHERE n.target_id = :target_id "
           "ORDER BY n.id");
    store_bind_int64_n(st, ":target_id", target_id);
    NoticeRowEach e = {cb, arg};
    return store_each(c, st, notice_each, &e, __func__);
}

/* ---- visits ---- */

StoreStatus store_visit_insert(StoreConn *c, int64_t target_id, const char *case_id,
                               int64_t planned_at, int64_t staff_a, int64_t staff_b,
                               const Buf *placeholder, int64_t *id)
{
    StoreStmt *st = store_stmt_insert(
        c, "INSERT INTO visits (target_id, case_id, planned_at, staff_a, staff_b, body) "
           "VALUES (:target_id, :case_id, :planned_at, :staff_a, :staff_b, :body)");
    store_bind_int64_n(st, ":target_id", target_id);
    store_bind_text_n(st, ":case_id", case_id);
    store_bind_int64_n(st, ":planned_at", planned_at);
    store_bind_int64_n(st, ":staff_a", staff_a);
    store_bind_int64_n(st, ":staff_b", staff_b);
    store_bind_buf_n(st, ":body", placeholder);
    return store_exec_insert(c, st, id, __func__);
}

StoreStatus store_visit_record(StoreConn *c, int64_t id, const char *outcome, int64_t at)
{
    StoreStmt *st =
        store_stmt(c, "UPDATE visits SET outcome = :outcome, recorded_at = :at WHERE id = :id");
    store_bind_int64_n(st, ":id", id);
    store_bind_text_n(st, ":outcome", outcome);
    store_bind_int64_n(st, ":at", at);
    return store_exec_one(c, st, __func__);
}

#define VISIT_COLUMNS                                                                              \
    "v.id, v.target_id, v.planned_at, coalesce(v.recorded_at, 0), coalesce(a.login, ''), "         \
    "coalesce(b.login, ''), coalesce(v.outcome, ''), v.body FROM visits v "                        \
    "LEFT JOIN staff a ON a.id = v.staff_a LEFT JOIN staff b ON b.id = v.staff_b "

static const StoreCol visit_cols[] = {
    STORE_COL(INT, VisitRow, id),         STORE_COL(INT, VisitRow, target_id),
    STORE_COL(INT, VisitRow, planned_at), STORE_COL(INT, VisitRow, recorded_at),
    STORE_COL(TEXT, VisitRow, staff_a),   STORE_COL(TEXT, VisitRow, staff_b),
    STORE_COL(TEXT, VisitRow, outcome),   STORE_COL(BUF, VisitRow, body)};
static const StoreRowSpec visit_spec = STORE_ROW_SPEC(visit_cols);
STORE_EACH_ROW(visit_each, VisitRow, visit_spec)

StoreStatus store_visit_latest(StoreConn *c, int64_t target_id, VisitRow *out)
{
    StoreStmt *st = store_stmt(c, "SELECT " VISIT_COLUMNS
                                  "WHERE v.target_id = :target_id ORDER BY v.id DESC LIMIT 1");
    store_bind_int64_n(st, ":target_id", target_id);
    return store_one_row(c, st, &visit_spec, out, __func__);
}

StoreStatus store_visits_of_target(StoreConn *c, int64_t target_id,
                                   void (*cb)(void *arg, const VisitRow *v), void *arg)
{
    StoreStmt *st =
        store_stmt(c, "SELECT " VISIT_COLUMNS "WHERE v.target_id = :target_id ORDER BY v.id");
    store_bind_int64_n(st, ":target_id", target_id);
    VisitRowEach e = {cb, arg};
    return store_each(c, st, visit_each, &e, __func__);
}

StoreStatus store_overdue_count(StoreConn *c, int64_t now, int64_t *n)
{
    /* The open states (as the queue's summary, schema/0009), each a range of targets_state. */
    StoreStmt *st = store_stmt(
        c, "SELECT count(*) FROM targets WHERE state IN ('reported', 'in_review', 'ready', "
           "'notice_sent', 'acknowledged', 'needs_info', 'rejected', 'escalated', 'removed', "
           "'counter_noticed', 'verified_gone', 'monitoring', 'visit_planned', "
           "'visited_refused', 'unreachable') AND due_at > 0 AND due_at <= :now");
    store_bind_int64_n(st, ":now", now);
    *n = 0;
    return store_one(c, st, store_row_int64, n, __func__);
}

/* ---- the checker key ---- */

typedef struct SealedEach {
    void (*cb)(void *arg, const CheckSealed *d);
    void *arg;
} SealedEach;

static int sealed_row(StoreStmt *st, void *arg)
{
    SealedEach *e = arg;
    CheckSealed d;
    memset(&d, 0, sizeof d);
    d.due.target_id = store_col_int64(st, 0);
    store_column_text(st, 1, d.due.case_id, sizeof d.due.case_id);
    store_column_text(st, 2, d.due.state, sizeof d.due.state);
    d.monitor_since = store_col_int64(st, 3);
    store_column_buf(st, 4, &d.seal);
    e->cb(e->arg, &d);
    buf_free(&d.seal);
    return 0;
}

StoreStatus store_checks_due_sealed(StoreConn *c, int64_t now, int limit,
                                    void (*cb)(void *arg, const CheckSealed *d), void *arg)
{
    StoreStmt *st = store_stmt(
        c, "SELECT id, case_id, state, coalesce(monitor_since, 0), checker_seal FROM targets "
           "WHERE next_check_at IS NOT NULL AND next_check_at <= :now AND kind != 'offline' AND "
           "checker_seal IS NOT NULL ORDER BY next_check_at, id LIMIT :limit");
    store_bind_int64_n(st, ":now", now);
    store_bind_int64_n(st, ":limit", limit);
    SealedEach e = {cb, arg};
    return store_each(c, st, sealed_row, &e, __func__);
}

StoreStatus store_targets_unsealed_for_checker(StoreConn *c, int limit,
                                               void (*cb)(void *arg, const CheckDue *d), void *arg)
{
    /* +state (SQLite): the partial index, not the state one. */
#define UNSEALED_SQL(state)                                                                        \
    "SELECT id, case_id, state FROM targets WHERE checker_seal IS NULL AND kind != 'offline' AND " \
    "next_check_at IS NOT NULL AND " state " IN " OPEN_STATES " ORDER BY id LIMIT :limit"
    StoreStmt *st = store_stmt2(c, UNSEALED_SQL("+state"), UNSEALED_SQL("state"));
#undef UNSEALED_SQL
    store_bind_int64_n(st, ":limit", limit);
    CheckDueEach e = {cb, arg};
    return store_each(c, st, check_each, &e, __func__);
}

StoreStatus store_target_set_checker_seal(StoreConn *c, int64_t id, const Buf *seal,
                                          const unsigned char pk[VAULT_KEY_BYTES])
{
    /* Only under the key still enabled: a checker disable or enable in between wins. */
    StoreStmt *st = store_stmt(
        c, "UPDATE targets SET checker_seal = :seal WHERE id = :id AND checker_seal IS NULL AND "
           "(SELECT checker_public_key FROM org WHERE id = 1) = :pk");
    store_bind_int64_n(st, ":id", id);
    store_bind_buf_n(st, ":seal", seal);
    store_bind_blob_n(st, ":pk", pk, VAULT_KEY_BYTES);
    return store_exec_one(c, st, __func__);
}

StoreStatus store_checker_seals_unneeded_clear(StoreConn *c)
{
    StoreStmt *st =
        store_stmt(c, "UPDATE targets SET checker_seal = NULL WHERE checker_seal "
                      "IS NOT NULL AND (next_check_at IS NULL OR state NOT IN " OPEN_STATES ")");
    return store_exec_stmt(c, st, __func__);
}

StoreStatus store_checker_seals_clear(StoreConn *c)
{
    StoreStmt *st =
        store_stmt(c, "UPDATE targets SET checker_seal = NULL WHERE checker_seal IS NOT NULL");
    return store_exec_stmt(c, st, __func__);
}
