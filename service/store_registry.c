/* Queries for routes, platforms, incidents, meta settings and statistics: one function per
 * query. */
#include "store_registry.h"

#include "store_internal.h"

#include <stdio.h>
#include <string.h>

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

/* ---- settings and statistics ---- */

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
