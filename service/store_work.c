/* Queries for casework: one function per query, every value bound. */
#include "store_work.h"

#include "log.h"
#include "store_internal.h"

#include <stdio.h>
#include <string.h>

/* The open states of states.c (a unit test holds the two together). A clock runs exactly while a
 * target's due_at is set: transitions set or clear it, so "overdue" needs no list of states. */
#define OPEN_STATES                                                                                \
    "('reported', 'in_review', 'ready', 'notice_sent', 'acknowledged', 'needs_info', 'rejected', " \
    "'escalated', 'removed', 'counter_noticed', 'verified_gone', 'monitoring', 'visit_planned', "  \
    "'visited_refused', 'unreachable')"

const char *store_open_states_sql(void)
{
    return OPEN_STATES;
}

static void bind_opt_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s && *s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

static void bind_opt_int(sqlite3_stmt *st, int i, int64_t v)
{
    if (v)
        sqlite3_bind_int64(st, i, v);
    else
        sqlite3_bind_null(st, i);
}

StoreStatus store_queue(StoreConn *c, const QueueFilter *f,
                        void (*cb)(void *arg, const QueueRow *r), void *arg)
{
    sqlite3_stmt *st = store_stmt(
        c, "WITH q AS (SELECT c.id, c.created_at, c.risk_flags, c.incident_type, "
           "  coalesce(c.withdrawn_at, 0) AS withdrawn_at, coalesce(c.incident_id, 0) AS incident, "
           "  coalesce((SELECT login FROM staff s WHERE s.id = c.assignee), '') AS assignee, "
           "  CASE WHEN c.risk_flags != 0 THEN 0 ELSE 1 END AS prio, "
           "  coalesce((SELECT min(t.due_at) FROM targets t WHERE t.case_id = c.id "
           "   AND t.due_at IS NOT NULL), 9000000000000000) AS due "
           " FROM cases c WHERE "
           " (?1 = 'all' "
           "  OR (?1 = 'new' AND c.withdrawn_at IS NULL AND EXISTS (SELECT 1 FROM targets t "
           "      WHERE t.case_id = c.id AND t.state = 'reported')) "
           "  OR (?1 = 'mine' AND c.assignee = ?2 AND EXISTS (SELECT 1 FROM targets t "
           "      WHERE t.case_id = c.id AND t.state IN " OPEN_STATES ")) "
           "  OR (?1 = 'overdue' AND EXISTS (SELECT 1 FROM targets t WHERE t.case_id = c.id "
           "      AND t.due_at <= ?3)) "
           "  OR (?1 = 'awaiting' AND EXISTS (SELECT 1 FROM targets t WHERE t.case_id = c.id "
           "      AND t.state IN ('notice_sent', 'acknowledged'))) "
           "  OR (?1 = 'monitoring' AND EXISTS (SELECT 1 FROM targets t WHERE t.case_id = c.id "
           "      AND t.state IN ('verified_gone', 'monitoring')))) "
           " AND (?4 IS NULL OR EXISTS (SELECT 1 FROM targets t WHERE t.case_id = c.id "
           "      AND t.platform = ?4)) "
           " AND (?5 IS NULL OR EXISTS (SELECT 1 FROM targets t WHERE t.case_id = c.id "
           "      AND t.route = ?5)) "
           " AND (?6 IS NULL OR EXISTS (SELECT 1 FROM targets t WHERE t.case_id = c.id "
           "      AND t.state = ?6)) "
           " AND (?7 IS NULL OR c.incident_id = ?7) "
           " AND (?8 IS NULL OR c.assignee = ?8)) "
           "SELECT id, prio, due, created_at, risk_flags, incident_type, withdrawn_at, assignee, "
           "incident FROM q WHERE (prio, due, created_at, id) > (?9, ?10, ?11, ?12) "
           "ORDER BY prio, due, created_at, id LIMIT ?13");
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_text(st, 1, f->queue, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, f->me);
    sqlite3_bind_int64(st, 3, f->now);
    bind_opt_text(st, 4, f->platform);
    bind_opt_text(st, 5, f->route);
    bind_opt_text(st, 6, f->state);
    bind_opt_int(st, 7, f->incident);
    bind_opt_int(st, 8, f->assignee);
    sqlite3_bind_int(st, 9, f->prio);
    sqlite3_bind_int64(st, 10, f->due);
    sqlite3_bind_int64(st, 11, f->created);
    sqlite3_bind_text(st, 12, f->after_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 13, f->limit);
    QueueRow r;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        memset(&r, 0, sizeof r);
        store_column_text(st, 0, r.id, sizeof r.id);
        r.prio = sqlite3_column_int(st, 1);
        r.due = sqlite3_column_int64(st, 2);
        r.created_at = sqlite3_column_int64(st, 3);
        r.risk_flags = sqlite3_column_int(st, 4);
        store_column_text(st, 5, r.incident_type, sizeof r.incident_type);
        r.withdrawn_at = sqlite3_column_int64(st, 6);
        store_column_text(st, 7, r.assignee, sizeof r.assignee);
        r.incident_id = sqlite3_column_int64(st, 8);
        cb(arg, &r);
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? STORE_OK : store_status(c, rc, __func__);
}

/* ---- routes and platforms ---- */

static void route_from(sqlite3_stmt *st, RouteRow *r)
{
    store_column_text(st, 0, r->id, sizeof r->id);
    r->clock_hours = sqlite3_column_int(st, 1);
    store_column_text(st, 2, r->elements, sizeof r->elements);
}

StoreStatus store_route_get(StoreConn *c, const char *id, RouteRow *out)
{
    sqlite3_stmt *st = store_stmt(c, "SELECT id, clock_hours, elements FROM routes WHERE id = ?1");
    if (!st)
        return STORE_ERROR;
    store_bind_text(st, 1, id);
    StoreStatus s = store_step_row(c, st, __func__);
    if (s != STORE_OK)
        return s;
    route_from(st, out);
    sqlite3_reset(st);
    return STORE_OK;
}

StoreStatus store_routes(StoreConn *c, void (*cb)(void *arg, const RouteRow *r), void *arg)
{
    sqlite3_stmt *st = store_stmt(c, "SELECT id, clock_hours, elements FROM routes ORDER BY id");
    if (!st)
        return STORE_ERROR;
    RouteRow r;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        route_from(st, &r);
        cb(arg, &r);
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? STORE_OK : store_status(c, rc, __func__);
}

StoreStatus store_route_set_clock(StoreConn *c, const char *id, int hours)
{
    sqlite3_stmt *st = store_stmt(c, "UPDATE routes SET clock_hours = ?2 WHERE id = ?1");
    if (!st)
        return STORE_ERROR;
    store_bind_text(st, 1, id);
    sqlite3_bind_int(st, 2, hours);
    return store_exec_one(c, st, __func__);
}

static void platform_from(sqlite3_stmt *st, PlatformRow *p)
{
    store_column_text(st, 0, p->id, sizeof p->id);
    store_column_text(st, 1, p->route, sizeof p->route);
    p->clock_hours = sqlite3_column_type(st, 2) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 2);
    store_column_text(st, 3, p->channel, sizeof p->channel);
}

StoreStatus store_platform_get(StoreConn *c, const char *id, PlatformRow *out)
{
    sqlite3_stmt *st =
        store_stmt(c, "SELECT id, route, clock_hours, channel FROM platforms WHERE id = ?1");
    if (!st)
        return STORE_ERROR;
    store_bind_text(st, 1, id);
    StoreStatus s = store_step_row(c, st, __func__);
    if (s != STORE_OK)
        return s;
    platform_from(st, out);
    sqlite3_reset(st);
    return STORE_OK;
}

StoreStatus store_platforms(StoreConn *c, void (*cb)(void *arg, const PlatformRow *p), void *arg)
{
    sqlite3_stmt *st =
        store_stmt(c, "SELECT id, route, clock_hours, channel FROM platforms ORDER BY rowid");
    if (!st)
        return STORE_ERROR;
    PlatformRow p;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        platform_from(st, &p);
        cb(arg, &p);
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? STORE_OK : store_status(c, rc, __func__);
}

StoreStatus store_platform_update(StoreConn *c, const PlatformRow *p)
{
    sqlite3_stmt *st = store_stmt(
        c, "UPDATE platforms SET route = ?2, clock_hours = ?3, channel = ?4 WHERE id = ?1");
    if (!st)
        return STORE_ERROR;
    store_bind_text(st, 1, p->id);
    store_bind_text(st, 2, p->route);
    if (p->clock_hours < 0)
        sqlite3_bind_null(st, 3);
    else
        sqlite3_bind_int(st, 3, p->clock_hours);
    store_bind_text(st, 4, p->channel);
    return store_exec_one(c, st, __func__);
}

/* ---- targets ---- */

StoreStatus store_target_set_clock(StoreConn *c, int64_t id, const char *route, int64_t due_at)
{
    sqlite3_stmt *st = store_stmt(c, "UPDATE targets SET route = ?2, due_at = ?3 WHERE id = ?1");
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, id);
    bind_opt_text(st, 2, route);
    bind_opt_int(st, 3, due_at);
    return store_exec_one(c, st, __func__);
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

/* ---- notices, notes, events ---- */

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
    bind_opt_int(st, 6, sent_by);
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

StoreStatus store_note_insert(StoreConn *c, const char *case_id, int64_t staff_id, int64_t now,
                              const Buf *placeholder, int64_t *id)
{
    sqlite3_stmt *st = store_stmt(
        c, "INSERT INTO notes (case_id, staff_id, created_at, body) VALUES (?1, ?2, ?3, ?4)");
    if (!st)
        return STORE_ERROR;
    store_bind_text(st, 1, case_id);
    bind_opt_int(st, 2, staff_id);
    sqlite3_bind_int64(st, 3, now);
    store_bind_blob(st, 4, placeholder->data, placeholder->len);
    StoreStatus s = store_exec_stmt(c, st, __func__);
    if (s == STORE_OK && id)
        *id = sqlite3_last_insert_rowid(c->db);
    return s;
}

StoreStatus store_notes_of_case(StoreConn *c, const char *case_id,
                                void (*cb)(void *arg, const NoteRow *n), void *arg)
{
    sqlite3_stmt *st =
        store_stmt(c, "SELECT n.id, coalesce(s.login, ''), n.created_at, n.body FROM notes n "
                      "LEFT JOIN staff s ON s.id = n.staff_id WHERE n.case_id = ?1 ORDER BY n.id");
    if (!st)
        return STORE_ERROR;
    store_bind_text(st, 1, case_id);
    NoteRow n = {0};
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        n.id = sqlite3_column_int64(st, 0);
        store_column_text(st, 1, n.author, sizeof n.author);
        n.created_at = sqlite3_column_int64(st, 2);
        store_column_buf(st, 3, &n.body);
        cb(arg, &n);
    }
    buf_free(&n.body);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? STORE_OK : store_status(c, rc, __func__);
}

StoreStatus store_events_of_case(StoreConn *c, const char *case_id,
                                 void (*cb)(void *arg, const EventRow *e), void *arg)
{
    sqlite3_stmt *st = store_stmt(
        c, "SELECT id, coalesce(target_id, 0), at, actor, kind, coalesce(from_state, ''), "
           "coalesce(to_state, ''), body FROM events WHERE case_id = ?1 ORDER BY id");
    if (!st)
        return STORE_ERROR;
    store_bind_text(st, 1, case_id);
    EventRow e = {0};
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        e.id = sqlite3_column_int64(st, 0);
        e.target_id = sqlite3_column_int64(st, 1);
        e.at = sqlite3_column_int64(st, 2);
        store_column_text(st, 3, e.actor, sizeof e.actor);
        store_column_text(st, 4, e.kind, sizeof e.kind);
        store_column_text(st, 5, e.from_state, sizeof e.from_state);
        store_column_text(st, 6, e.to_state, sizeof e.to_state);
        store_column_buf(st, 7, &e.body);
        cb(arg, &e);
    }
    buf_free(&e.body);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? STORE_OK : store_status(c, rc, __func__);
}

/* ---- cases ---- */

StoreStatus store_case_set_org_wrap(StoreConn *c, const char *id, const Buf *wrap)
{
    sqlite3_stmt *st = store_stmt(c, "UPDATE cases SET org_wrap = ?2 WHERE id = ?1");
    if (!st)
        return STORE_ERROR;
    store_bind_text(st, 1, id);
    store_bind_blob(st, 2, wrap->data, wrap->len);
    return store_exec_one(c, st, __func__);
}

StoreStatus store_case_set_assignee(StoreConn *c, const char *id, int64_t staff_id, int64_t now)
{
    sqlite3_stmt *st =
        store_stmt(c, "UPDATE cases SET assignee = ?2, updated_at = ?3 WHERE id = ?1");
    if (!st)
        return STORE_ERROR;
    store_bind_text(st, 1, id);
    bind_opt_int(st, 2, staff_id);
    sqlite3_bind_int64(st, 3, now);
    return store_exec_one(c, st, __func__);
}

StoreStatus store_case_set_incident(StoreConn *c, const char *id, int64_t incident_id)
{
    sqlite3_stmt *st = store_stmt(c, "UPDATE cases SET incident_id = ?2 WHERE id = ?1");
    if (!st)
        return STORE_ERROR;
    store_bind_text(st, 1, id);
    bind_opt_int(st, 2, incident_id);
    return store_exec_one(c, st, __func__);
}

/* ---- blind indexes ---- */

StoreStatus store_blind_replace(StoreConn *c, const char *case_id, const char *domain,
                                const unsigned char value[32], int64_t target_id)
{
    /* Only a repeat of the same value may be skipped; any other refusal is an error. */
    sqlite3_stmt *st = store_stmt(c, "INSERT INTO blind_index (domain, value, case_id, target_id) "
                                     "VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING");
    if (!st)
        return STORE_ERROR;
    store_bind_text(st, 1, domain);
    store_bind_blob(st, 2, value, 32);
    store_bind_text(st, 3, case_id);
    bind_opt_int(st, 4, target_id);
    return store_exec_stmt(c, st, __func__);
}

StoreStatus store_blind_clear(StoreConn *c, const char *case_id)
{
    sqlite3_stmt *st = store_stmt(c, "DELETE FROM blind_index WHERE case_id = ?1");
    if (!st)
        return STORE_ERROR;
    store_bind_text(st, 1, case_id);
    return store_exec_stmt(c, st, __func__);
}

StoreStatus store_blind_matches(StoreConn *c, const char *case_id,
                                void (*cb)(void *arg, const char *other_case, const char *domain,
                                           int64_t target_id),
                                void *arg)
{
    sqlite3_stmt *st = store_stmt(
        c, "SELECT DISTINCT o.case_id, o.domain, coalesce(m.target_id, 0) FROM blind_index m "
           "JOIN blind_index o ON o.domain = m.domain AND o.value = m.value AND o.case_id != "
           "m.case_id WHERE m.case_id = ?1 ORDER BY o.case_id, o.domain");
    if (!st)
        return STORE_ERROR;
    store_bind_text(st, 1, case_id);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        cb(arg, (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
           sqlite3_column_int64(st, 2));
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? STORE_OK : store_status(c, rc, __func__);
}

/* ---- incidents ---- */

StoreStatus store_incident_insert(StoreConn *c, int64_t now, const Buf *placeholder, int64_t *id)
{
    sqlite3_stmt *st = store_stmt(c, "INSERT INTO incidents (created_at, label) VALUES (?1, ?2)");
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, now);
    store_bind_blob(st, 2, placeholder->data, placeholder->len);
    StoreStatus s = store_exec_stmt(c, st, __func__);
    if (s == STORE_OK && id)
        *id = sqlite3_last_insert_rowid(c->db);
    return s;
}

static void incident_from(sqlite3_stmt *st, IncidentRow *r)
{
    r->id = sqlite3_column_int64(st, 0);
    r->created_at = sqlite3_column_int64(st, 1);
    r->cases = sqlite3_column_int64(st, 2);
    store_column_buf(st, 3, &r->label);
}

StoreStatus store_incidents(StoreConn *c, void (*cb)(void *arg, const IncidentRow *r), void *arg)
{
    sqlite3_stmt *st = store_stmt(
        c, "SELECT i.id, i.created_at, (SELECT count(*) FROM cases c WHERE c.incident_id = i.id), "
           "i.label FROM incidents i ORDER BY i.id DESC");
    if (!st)
        return STORE_ERROR;
    IncidentRow r = {0};
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        incident_from(st, &r);
        cb(arg, &r);
    }
    buf_free(&r.label);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? STORE_OK : store_status(c, rc, __func__);
}

StoreStatus store_incident_get(StoreConn *c, int64_t id, IncidentRow *out)
{
    sqlite3_stmt *st = store_stmt(
        c, "SELECT i.id, i.created_at, (SELECT count(*) FROM cases c WHERE c.incident_id = i.id), "
           "i.label FROM incidents i WHERE i.id = ?1");
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, id);
    StoreStatus s = store_step_row(c, st, __func__);
    if (s != STORE_OK)
        return s;
    incident_from(st, out);
    sqlite3_reset(st);
    return STORE_OK;
}

StoreStatus store_cases_of_incident(StoreConn *c, int64_t id,
                                    void (*cb)(void *arg, const char *case_id), void *arg)
{
    sqlite3_stmt *st =
        store_stmt(c, "SELECT id FROM cases WHERE incident_id = ?1 ORDER BY created_at, id");
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, id);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        cb(arg, (const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? STORE_OK : store_status(c, rc, __func__);
}

/* ---- audit and statistics ---- */

StoreStatus store_audit_page(StoreConn *c, int64_t before, int limit,
                             void (*cb)(void *arg, const AuditRow *r), void *arg)
{
    sqlite3_stmt *st = store_stmt(c, "SELECT id, at, actor, action, subject, detail FROM audit "
                                     "WHERE (?1 = 0 OR id < ?1) ORDER BY id DESC LIMIT ?2");
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, before);
    sqlite3_bind_int(st, 2, limit);
    AuditRow r;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        memset(&r, 0, sizeof r);
        r.id = sqlite3_column_int64(st, 0);
        r.at = sqlite3_column_int64(st, 1);
        store_column_text(st, 2, r.actor, sizeof r.actor);
        store_column_text(st, 3, r.action, sizeof r.action);
        store_column_text(st, 4, r.subject, sizeof r.subject);
        store_column_text(st, 5, r.detail, sizeof r.detail);
        cb(arg, &r);
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? STORE_OK : store_status(c, rc, __func__);
}

StoreStatus store_stats(StoreConn *c,
                        void (*cb)(void *arg, const char *group, const char *key, int64_t n),
                        void *arg)
{
    sqlite3_stmt *st = store_stmt(
        c, "SELECT 'state', state, count(*) FROM targets GROUP BY state "
           "UNION ALL SELECT 'platform', platform, count(*) FROM targets GROUP BY platform "
           "UNION ALL SELECT 'route', coalesce(route, 'none'), count(*) FROM targets GROUP BY 2 "
           "UNION ALL SELECT 'incident_type', incident_type, count(*) FROM cases GROUP BY 2 "
           "UNION ALL SELECT 'cases', CASE WHEN withdrawn_at IS NULL THEN 'active' ELSE "
           "'withdrawn' END, count(*) FROM cases GROUP BY 2");
    if (!st)
        return STORE_ERROR;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        cb(arg, (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
           sqlite3_column_int64(st, 2));
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? STORE_OK : store_status(c, rc, __func__);
}

/* ---- checks, monitoring, visits, retention ---- */

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
    bind_opt_int(st, 2, next_check_at);
    bind_opt_int(st, 3, last_check_at);
    return store_exec_one(c, st, __func__);
}

StoreStatus store_target_set_monitor(StoreConn *c, int64_t id, int64_t since, int64_t next)
{
    sqlite3_stmt *st =
        store_stmt(c, "UPDATE targets SET monitor_since = ?2, next_check_at = ?3 WHERE id = ?1");
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, id);
    bind_opt_int(st, 2, since);
    bind_opt_int(st, 3, next);
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

StoreStatus store_target_insert_child(StoreConn *c, const char *case_id, int64_t parent_id,
                                      const char *platform, const Buf *placeholder, int64_t now,
                                      int64_t *id)
{
    return store_target_insert(c, case_id, "online", platform, "reported", parent_id, placeholder,
                               now, id);
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

StoreStatus store_case_set_purge(StoreConn *c, const char *case_id, int64_t purge_after)
{
    sqlite3_stmt *st =
        store_stmt(c, "UPDATE cases SET purge_after = ?2 WHERE id = ?1 AND withdrawn_at IS NULL");
    if (!st)
        return STORE_ERROR;
    store_bind_text(st, 1, case_id);
    bind_opt_int(st, 2, purge_after);
    return store_exec_stmt(c, st, __func__);
}

StoreStatus store_case_set_hold(StoreConn *c, const char *case_id, int on)
{
    sqlite3_stmt *st = store_stmt(c, "UPDATE cases SET legal_hold = ?2 WHERE id = ?1");
    if (!st)
        return STORE_ERROR;
    store_bind_text(st, 1, case_id);
    sqlite3_bind_int(st, 2, on ? 1 : 0);
    return store_exec_one(c, st, __func__);
}

StoreStatus store_cases_to_purge(StoreConn *c, int64_t now,
                                 void (*cb)(void *arg, const char *case_id), void *arg)
{
    sqlite3_stmt *st = store_stmt(c, "SELECT id FROM cases WHERE purge_after IS NOT NULL AND "
                                     "purge_after <= ?1 AND legal_hold = 0 ORDER BY purge_after");
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, now);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        cb(arg, (const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? STORE_OK : store_status(c, rc, __func__);
}

StoreStatus store_case_ids_all(StoreConn *c, void (*cb)(void *arg, const char *case_id), void *arg)
{
    sqlite3_stmt *st = store_stmt(c, "SELECT id FROM cases ORDER BY id");
    if (!st)
        return STORE_ERROR;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        cb(arg, (const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? STORE_OK : store_status(c, rc, __func__);
}

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

StoreStatus store_meta_get(StoreConn *c, const char *key, char *out, size_t n)
{
    sqlite3_stmt *st = store_stmt(c, "SELECT value FROM meta WHERE key = ?1");
    if (!st)
        return STORE_ERROR;
    store_bind_text(st, 1, key);
    StoreStatus s = store_step_row(c, st, __func__);
    if (s != STORE_OK)
        return s;
    store_column_text(st, 0, out, n);
    sqlite3_reset(st);
    return STORE_OK;
}

StoreStatus store_meta_set(StoreConn *c, const char *key, const char *value)
{
    sqlite3_stmt *st = store_stmt(
        c, "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET "
           "value = excluded.value");
    if (!st)
        return STORE_ERROR;
    store_bind_text(st, 1, key);
    store_bind_text(st, 2, value);
    return store_exec_stmt(c, st, __func__);
}
