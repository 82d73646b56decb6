/* Queries for routes, platforms, incidents, meta settings and statistics: one function per
 * query, every value bound by name. */
#include "store_registry.h"

#include "store_internal.h"

#include <stdio.h>
#include <string.h>

/* ---- routes and platforms ---- */

static const StoreCol route_cols[] = {STORE_COL(TEXT, RouteRow, id),
                                      STORE_COL(INT, RouteRow, clock_hours),
                                      STORE_COL(TEXT, RouteRow, elements)};
static const StoreRowSpec route_spec = STORE_ROW_SPEC(route_cols);
STORE_EACH_ROW(route_each, RouteRow, route_spec)

StoreStatus store_route_get(StoreConn *c, const char *id, RouteRow *out)
{
    StoreStmt *st = store_stmt(c, "SELECT id, clock_hours, elements FROM routes WHERE id = :id");
    store_bind_text_n(st, ":id", id);
    return store_one_row(c, st, &route_spec, out, __func__);
}

StoreStatus store_routes(StoreConn *c, void (*cb)(void *arg, const RouteRow *r), void *arg)
{
    StoreStmt *st = store_stmt(c, "SELECT id, clock_hours, elements FROM routes ORDER BY id");
    RouteRowEach e = {cb, arg};
    return store_each(c, st, route_each, &e, __func__);
}

StoreStatus store_route_set_clock(StoreConn *c, const char *id, int hours)
{
    StoreStmt *st = store_stmt(c, "UPDATE routes SET clock_hours = :hours WHERE id = :id");
    store_bind_text_n(st, ":id", id);
    store_bind_int64_n(st, ":hours", hours);
    return store_exec_one(c, st, __func__);
}

/* A NULL clock_hours (the route's clock) reads as -1. */
#define PLATFORM_COLUMNS "id, route, coalesce(clock_hours, -1), channel FROM platforms "

static const StoreCol platform_cols[] = {
    STORE_COL(TEXT, PlatformRow, id), STORE_COL(TEXT, PlatformRow, route),
    STORE_COL(INT, PlatformRow, clock_hours), STORE_COL(TEXT, PlatformRow, channel)};
static const StoreRowSpec platform_spec = STORE_ROW_SPEC(platform_cols);
STORE_EACH_ROW(platform_each, PlatformRow, platform_spec)

StoreStatus store_platform_get(StoreConn *c, const char *id, PlatformRow *out)
{
    StoreStmt *st = store_stmt(c, "SELECT " PLATFORM_COLUMNS "WHERE id = :id");
    store_bind_text_n(st, ":id", id);
    return store_one_row(c, st, &platform_spec, out, __func__);
}

StoreStatus store_platforms(StoreConn *c, void (*cb)(void *arg, const PlatformRow *p), void *arg)
{
    /* In the order they were added: PostgreSQL has no rowid, its schema numbers them in pos. */
    StoreStmt *st = store_stmt2(c, "SELECT " PLATFORM_COLUMNS "ORDER BY rowid",
                                "SELECT " PLATFORM_COLUMNS "ORDER BY pos");
    PlatformRowEach e = {cb, arg};
    return store_each(c, st, platform_each, &e, __func__);
}

StoreStatus store_platform_update(StoreConn *c, const PlatformRow *p)
{
    StoreStmt *st = store_stmt(c, "UPDATE platforms SET route = :route, clock_hours = :hours, "
                                  "channel = :channel WHERE id = :id");
    store_bind_text_n(st, ":id", p->id);
    store_bind_text_n(st, ":route", p->route);
    if (p->clock_hours < 0)
        store_bind_text_n(st, ":hours", NULL); /* NULL: the route's clock */
    else
        store_bind_int64_n(st, ":hours", p->clock_hours);
    store_bind_text_n(st, ":channel", p->channel);
    return store_exec_one(c, st, __func__);
}

/* ---- incidents ---- */

StoreStatus store_incident_insert(StoreConn *c, int64_t now, const Buf *placeholder, int64_t *id)
{
    StoreStmt *st =
        store_stmt_insert(c, "INSERT INTO incidents (created_at, label) VALUES (:now, :label)");
    store_bind_int64_n(st, ":now", now);
    store_bind_buf_n(st, ":label", placeholder);
    return store_exec_insert(c, st, id, __func__);
}

static const StoreCol incident_cols[] = {
    STORE_COL(INT, IncidentRow, id), STORE_COL(INT, IncidentRow, created_at),
    STORE_COL(INT, IncidentRow, cases), STORE_COL(BUF, IncidentRow, label)};
static const StoreRowSpec incident_spec = STORE_ROW_SPEC(incident_cols);
STORE_EACH_ROW(incident_each, IncidentRow, incident_spec)

StoreStatus store_incidents(StoreConn *c, void (*cb)(void *arg, const IncidentRow *r), void *arg)
{
    StoreStmt *st = store_stmt(
        c, "SELECT i.id, i.created_at, (SELECT count(*) FROM cases c WHERE c.incident_id = i.id), "
           "i.label FROM incidents i ORDER BY i.id DESC");
    IncidentRowEach e = {cb, arg};
    return store_each(c, st, incident_each, &e, __func__);
}

StoreStatus store_incident_get(StoreConn *c, int64_t id, IncidentRow *out)
{
    StoreStmt *st = store_stmt(
        c, "SELECT i.id, i.created_at, (SELECT count(*) FROM cases c WHERE c.incident_id = i.id), "
           "i.label FROM incidents i WHERE i.id = :id");
    store_bind_int64_n(st, ":id", id);
    return store_one_row(c, st, &incident_spec, out, __func__);
}

StoreStatus store_cases_of_incident(StoreConn *c, int64_t id,
                                    void (*cb)(void *arg, const char *case_id), void *arg)
{
    StoreStmt *st =
        store_stmt(c, "SELECT id FROM cases WHERE incident_id = :id ORDER BY created_at, id");
    store_bind_int64_n(st, ":id", id);
    StoreTextCb t = {cb, arg};
    return store_each(c, st, store_row_text0, &t, __func__);
}

/* ---- settings and statistics ---- */

StoreStatus store_meta_get(StoreConn *c, const char *key, char *out, size_t n)
{
    StoreStmt *st = store_stmt(c, "SELECT value FROM meta WHERE key = :key");
    store_bind_text_n(st, ":key", key);
    StoreTextOut t = {out, n};
    return store_one(c, st, store_row_text_out, &t, __func__);
}

StoreStatus store_meta_set(StoreConn *c, const char *key, const char *value)
{
    StoreStmt *st =
        store_stmt(c, "INSERT INTO meta (key, value) VALUES (:key, :value) ON CONFLICT (key) DO "
                      "UPDATE SET value = excluded.value");
    store_bind_text_n(st, ":key", key);
    store_bind_text_n(st, ":value", value);
    return store_exec_stmt(c, st, __func__);
}

StoreStatus store_meta_add(StoreConn *c, const char *key, const char *value)
{
    StoreStmt *st = store_stmt(
        c, "INSERT INTO meta (key, value) VALUES (:key, :value) ON CONFLICT (key) DO NOTHING");
    store_bind_text_n(st, ":key", key);
    store_bind_text_n(st, ":value", value);
    return store_exec_stmt(c, st, __func__);
}

StoreStatus store_stats(StoreConn *c,
                        void (*cb)(void *arg, const char *group, const char *key, int64_t n),
                        void *arg)
{
    StoreStmt *st = store_stmt(
        c, "SELECT 'state', state, count(*) FROM targets GROUP BY state "
           "UNION ALL SELECT 'platform', platform, count(*) FROM targets GROUP BY platform "
           "UNION ALL SELECT 'route', coalesce(route, 'none'), count(*) FROM targets GROUP BY 2 "
           "UNION ALL SELECT 'incident_type', incident_type, count(*) FROM cases GROUP BY 2 "
           "UNION ALL SELECT 'cases', CASE WHEN withdrawn_at IS NULL THEN 'active' ELSE "
           "'withdrawn' END, count(*) FROM cases GROUP BY 2");
    StoreText2IntCb e = {cb, arg};
    return store_each(c, st, store_row_text2_int, &e, __func__);
}
