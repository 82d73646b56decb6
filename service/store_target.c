/* Queries for targets, their clocks and checks, notices and visits: one function per query. */
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

StoreStatus store_target_insert(StoreConn *c, const char *case_id, const char *kind,
                                const char *platform, const char *state, int64_t parent_id,
                                const Buf *body, int64_t now, int64_t *id)
{
    sqlite3_stmt *st = store_stmt(c, "INSERT INTO targets (case_id, kind, platform, state, "
                                     "parent_id, created_at, updated_at, body) "
                                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7)");
    if (!st)
        return STORE_ERROR;
    store_bind_text(st, 1, case_id);
    store_bind_text(st, 2, kind);
    store_bind_text(st, 3, platform);
    store_bind_text(st, 4, state);
    if (parent_id > 0)
        sqlite3_bind_int64(st, 5, parent_id);
    else
        sqlite3_bind_null(st, 5);
    sqlite3_bind_int64(st, 6, now);
    store_bind_blob(st, 7, body->data, body->len);
    StoreStatus s = store_exec_stmt(c, st, __func__);
    if (s == STORE_OK && id)
        *id = sqlite3_last_insert_rowid(c->db);
    return s;
}

StoreStatus store_target_insert_child(StoreConn *c, const char *case_id, int64_t parent_id,
                                      const char *platform, const Buf *placeholder, int64_t now,
                                      int64_t *id)
{
    return store_target_insert(c, case_id, "online", platform, "reported", parent_id, placeholder,
                               now, id);
}

/* The columns every target query reads, in target_from_row's order; the body comes last. */
#define TARGET_COLUMNS                                                                             \
    "id, case_id, kind, platform, state, coalesce(parent_id, 0), coalesce(route, ''), "            \
    "coalesce(due_at, 0), created_at, updated_at, coalesce(monitor_since, 0), "

static void target_from_row(sqlite3_stmt *st, TargetRow *t)
{
    t->id = sqlite3_column_int64(st, 0);
    store_column_text(st, 1, t->case_id, sizeof t->case_id);
    store_column_text(st, 2, t->kind, sizeof t->kind);
    store_column_text(st, 3, t->platform, sizeof t->platform);
    store_column_text(st, 4, t->state, sizeof t->state);
    t->parent_id = sqlite3_column_int64(st, 5);
    store_column_text(st, 6, t->route, sizeof t->route);
    t->due_at = sqlite3_column_int64(st, 7);
    t->created_at = sqlite3_column_int64(st, 8);
    t->updated_at = sqlite3_column_int64(st, 9);
    t->monitor_since = sqlite3_column_int64(st, 10);
    store_column_buf(st, 11, &t->body);
}

StoreStatus store_target_get(StoreConn *c, int64_t id, TargetRow *out)
{
    sqlite3_stmt *st = store_stmt(c, "SELECT " TARGET_COLUMNS "body FROM targets WHERE id = ?1");
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, id);
    StoreStatus s = store_step_row(c, st, __func__);
    if (s != STORE_OK)
        return s;
    target_from_row(st, out);
    sqlite3_reset(st);
    return STORE_OK;
}

StoreStatus store_targets_of_case(StoreConn *c, const char *case_id, int with_body,
                                  void (*cb)(void *arg, const TargetRow *t), void *arg)
{
    /* Lists that show no content do not even read the ciphertext. */
    sqlite3_stmt *st = store_stmt(c, "SELECT " TARGET_COLUMNS "CASE WHEN ?2 THEN body END "
                                     "FROM targets WHERE case_id = ?1 ORDER BY id");
    if (!st)
        return STORE_ERROR;
    store_bind_text(st, 1, case_id);
    sqlite3_bind_int(st, 2, with_body ? 1 : 0);
    TargetRow t = {0};
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        target_from_row(st, &t);
        cb(arg, &t);
    }
    target_row_free(&t);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? STORE_OK : store_status(c, rc, __func__);
}

StoreStatus store_target_set_state(StoreConn *c, int64_t id, const char *from, const char *to,
                                   int64_t now)
{
    sqlite3_stmt *st = store_stmt(
        c, "UPDATE targets SET state = ?3, updated_at = ?4 WHERE id = ?1 AND state = ?2");
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, id);
    store_bind_text(st, 2, from);
    store_bind_text(st, 3, to);
    sqlite3_bind_int64(st, 4, now);
    StoreStatus s = store_exec_one(c, st, __func__);
    return s == STORE_NOT_FOUND ? STORE_CONFLICT : s;
}

StoreStatus store_case_open_targets(StoreConn *c, const char *case_id, int64_t *n)
{
    sqlite3_stmt *st = store_stmt(c, "SELECT count(*) FROM targets WHERE case_id = ?1 AND state "
                                     "IN " OPEN_STATES);
    if (!st)
        return STORE_ERROR;
    store_bind_text(st, 1, case_id);
    StoreStatus s = store_step_row(c, st, __func__);
    if (s != STORE_OK)
        return s;
    *n = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return STORE_OK;
}

StoreStatus store_targets_withdraw(StoreConn *c, const char *case_id, const char *actor,
                                   int64_t now, int64_t *n)
{
    /* One timeline event per open target, then every one of them moved, however many there are:
     * both statements see the same rows inside the caller's (immediate) transaction. */
    sqlite3_stmt *ev = store_stmt(
        c, "INSERT INTO events (case_id, target_id, at, actor, kind, from_state, to_state) "
           "SELECT case_id, id, ?2, ?3, 'target.transition', state, 'withdrawn' FROM targets "
           "WHERE case_id = ?1 AND state IN " OPEN_STATES " ORDER BY id");
    if (!ev)
        return STORE_ERROR;
    store_bind_text(ev, 1, case_id);
    sqlite3_bind_int64(ev, 2, now);
    store_bind_text(ev, 3, actor);
    StoreStatus s = store_exec_stmt(c, ev, __func__);
    if (s != STORE_OK)
        return s;
    int64_t events = sqlite3_changes(c->db);
    /* Withdrawn: no clock runs and nothing is checked any more. */
    sqlite3_stmt *up = store_stmt(c, "UPDATE targets SET state = 'withdrawn', updated_at = ?2, "
                                     "due_at = NULL, next_check_at = NULL "
                                     "WHERE case_id = ?1 AND state IN " OPEN_STATES);
    if (!up)
        return STORE_ERROR;
    store_bind_text(up, 1, case_id);
    sqlite3_bind_int64(up, 2, now);
    if ((s = store_exec_stmt(c, up, __func__)) != STORE_OK)
        return s;
    *n = sqlite3_changes(c->db);
    if (*n != events) { /* impossible inside one immediate transaction */
        log_errorx("%s: %lld events for %lld targets", __func__, (long long)events, (long long)*n);
        return STORE_ERROR;
    }
    return STORE_OK;
}

/* ---- clocks and checks ---- */

StoreStatus store_target_set_clock(StoreConn *c, int64_t id, const char *route, int64_t due_at)
{
    sqlite3_stmt *st = store_stmt(c, "UPDATE targets SET route = ?2, due_at = ?3 WHERE id = ?1");
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, id);
    store_bind_opt_text(st, 2, route);
    store_bind_opt_int(st, 3, due_at);
    return store_exec_one(c, st, __func__);
}

StoreStatus store_target_clear_due(StoreConn *c, int64_t id)
{
    sqlite3_stmt *st = store_stmt(c, "UPDATE targets SET due_at = NULL WHERE id = ?1");
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, id);
    return store_exec_stmt(c, st, __func__);
}

StoreStatus store_target_set_decision(StoreConn *c, int64_t id, int64_t at)
{
    sqlite3_stmt *st = store_stmt(c, "UPDATE targets SET decision_at = ?2 WHERE id = ?1");
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, at);
    return store_exec_one(c, st, __func__);
}

StoreStatus store_checks_due(StoreConn *c, int64_t now, int limit,
                             void (*cb)(void *arg, const CheckDue *d), void *arg)
{
    sqlite3_stmt *st = store_stmt(
        c, "SELECT id, case_id, state FROM targets WHERE next_check_at IS NOT NULL AND "
           "next_check_at <= ?1 AND kind != 'offline' ORDER BY next_check_at, id LIMIT ?2");
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_int(st, 2, limit);
    CheckDue d;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        d.target_id = sqlite3_column_int64(st, 0);
        store_column_text(st, 1, d.case_id, sizeof d.case_id);
        store_column_text(st, 2, d.state, sizeof d.state);
        cb(arg, &d);
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? STORE_OK : store_status(c, rc, __func__);
}

StoreStatus store_target_set_check(StoreConn *c, int64_t id, int64_t next_check_at,
                                   int64_t last_check_at)
{
    sqlite3_stmt *st = store_stmt(c, "UPDATE targets SET next_check_at = ?2, "
                                     "last_check_at = coalesce(?3, last_check_at) WHERE id = ?1");
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, id);
    store_bind_opt_int(st, 2, next_check_at);
    store_bind_opt_int(st, 3, last_check_at);
    return store_exec_one(c, st, __func__);
}

StoreStatus store_target_set_monitor(StoreConn *c, int64_t id, int64_t since, int64_t next)
{
    sqlite3_stmt *st =
        store_stmt(c, "UPDATE targets SET monitor_since = ?2, next_check_at = ?3 WHERE id = ?1");
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, id);
    store_bind_opt_int(st, 2, since);
    store_bind_opt_int(st, 3, next);
    return store_exec_one(c, st, __func__);
}

/* ---- notices ---- */

StoreStatus store_notice_insert(StoreConn *c, int64_t target_id, const char *case_id,
                                const char *route, const char *language, int64_t sent_at,
                                int64_t sent_by, const Buf *body, int64_t *id)
{
    sqlite3_stmt *st = store_stmt(c, "INSERT INTO notices (target_id, case_id, route, language, "
                                     "sent_at, sent_by, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, target_id);
    store_bind_text(st, 2, case_id);
    store_bind_text(st, 3, route);
    store_bind_text(st, 4, language);
    sqlite3_bind_int64(st, 5, sent_at);
    store_bind_opt_int(st, 6, sent_by);
    store_bind_blob(st, 7, body->data, body->len);
    StoreStatus s = store_exec_stmt(c, st, __func__);
    if (s == STORE_OK && id)
        *id = sqlite3_last_insert_rowid(c->db);
    return s;
}

StoreStatus store_notices_of_target(StoreConn *c, int64_t target_id,
                                    void (*cb)(void *arg, const NoticeRow *n), void *arg)
{
    sqlite3_stmt *st =
        store_stmt(c, "SELECT n.id, n.route, n.language, n.sent_at, coalesce(s.login, ''), n.body "
                      "FROM notices n LEFT JOIN staff s ON s.id = n.sent_by WHERE n.target_id = ?1 "
                      "ORDER BY n.id");
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, target_id);
    NoticeRow n = {0};
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        n.id = sqlite3_column_int64(st, 0);
        store_column_text(st, 1, n.route, sizeof n.route);
        store_column_text(st, 2, n.language, sizeof n.language);
        n.sent_at = sqlite3_column_int64(st, 3);
        store_column_text(st, 4, n.sent_by, sizeof n.sent_by);
        store_column_buf(st, 5, &n.body);
        cb(arg, &n);
    }
    buf_free(&n.body);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? STORE_OK : store_status(c, rc, __func__);
}

/* ---- visits ---- */

StoreStatus store_visit_insert(StoreConn *c, int64_t target_id, const char *case_id,
                               int64_t planned_at, int64_t staff_a, int64_t staff_b,
                               const Buf *placeholder, int64_t *id)
{
    sqlite3_stmt *st = store_stmt(c, "INSERT INTO visits (target_id, case_id, planned_at, "
                                     "staff_a, staff_b, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, target_id);
    store_bind_text(st, 2, case_id);
    sqlite3_bind_int64(st, 3, planned_at);
    sqlite3_bind_int64(st, 4, staff_a);
    sqlite3_bind_int64(st, 5, staff_b);
    store_bind_blob(st, 6, placeholder->data, placeholder->len);
    StoreStatus s = store_exec_stmt(c, st, __func__);
    if (s == STORE_OK && id)
        *id = sqlite3_last_insert_rowid(c->db);
    return s;
}

StoreStatus store_visit_record(StoreConn *c, int64_t id, const char *outcome, int64_t at)
{
    sqlite3_stmt *st =
        store_stmt(c, "UPDATE visits SET outcome = ?2, recorded_at = ?3 WHERE id = ?1");
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, id);
    store_bind_text(st, 2, outcome);
    sqlite3_bind_int64(st, 3, at);
    return store_exec_one(c, st, __func__);
}

#define VISIT_COLUMNS                                                                              \
    "v.id, v.target_id, v.planned_at, coalesce(v.recorded_at, 0), coalesce(a.login, ''), "         \
    "coalesce(b.login, ''), coalesce(v.outcome, ''), v.body FROM visits v "                        \
    "LEFT JOIN staff a ON a.id = v.staff_a LEFT JOIN staff b ON b.id = v.staff_b "

static void visit_from(sqlite3_stmt *st, VisitRow *v)
{
    v->id = sqlite3_column_int64(st, 0);
    v->target_id = sqlite3_column_int64(st, 1);
    v->planned_at = sqlite3_column_int64(st, 2);
    v->recorded_at = sqlite3_column_int64(st, 3);
    store_column_text(st, 4, v->staff_a, sizeof v->staff_a);
    store_column_text(st, 5, v->staff_b, sizeof v->staff_b);
    store_column_text(st, 6, v->outcome, sizeof v->outcome);
    store_column_buf(st, 7, &v->body);
}

StoreStatus store_visit_latest(StoreConn *c, int64_t target_id, VisitRow *out)
{
    sqlite3_stmt *st =
        store_stmt(c, "SELECT " VISIT_COLUMNS "WHERE v.target_id = ?1 ORDER BY v.id DESC LIMIT 1");
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, target_id);
    StoreStatus s = store_step_row(c, st, __func__);
    if (s != STORE_OK)
        return s;
    visit_from(st, out);
    sqlite3_reset(st);
    return STORE_OK;
}

StoreStatus store_visits_of_target(StoreConn *c, int64_t target_id,
                                   void (*cb)(void *arg, const VisitRow *v), void *arg)
{
    sqlite3_stmt *st =
        store_stmt(c, "SELECT " VISIT_COLUMNS "WHERE v.target_id = ?1 ORDER BY v.id");
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, target_id);
    VisitRow v = {0};
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        visit_from(st, &v);
        cb(arg, &v);
    }
    buf_free(&v.body);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? STORE_OK : store_status(c, rc, __func__);
}
