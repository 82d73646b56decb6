/* Queries for routes, platforms, incidents, meta settings and statistics: one function per
 * query, every value bound by name. */
#include "store_registry.h"

#include "store_internal.h"

#include <stdio.h>
#include <string.h>

/* ---- routes and platforms ---- */

static int route_row(sqlite3_stmt *st, void *p)
{
    RouteRow *r = p;
    store_column_text(st, 0, r->id, sizeof r->id);
    r->clock_hours = sqlite3_column_int(st, 1);
    store_column_text(st, 2, r->elements, sizeof r->elements);
    return 0;
}

StoreStatus store_route_get(StoreConn *c, const char *id, RouteRow *out)
{
    sqlite3_stmt *st = store_stmt(c, "SELECT id, clock_hours, elements FROM routes WHERE id = :id");
    store_bind_text_n(st, ":id", id);
    return store_one(c, st, route_row, out, __func__);
}

typedef struct RouteEach {
    void (*cb)(void *arg, const RouteRow *r);
    void *arg;
} RouteEach;

static int route_each(sqlite3_stmt *st, void *p)
{
    const RouteEach *e = p;
    RouteRow r;
    route_row(st, &r);
    e->cb(e->arg, &r);
    return 0;
}

StoreStatus store_routes(StoreConn *c, void (*cb)(void *arg, const RouteRow *r), void *arg)
{
    sqlite3_stmt *st = store_stmt(c, "SELECT id, clock_hours, elements FROM routes ORDER BY id");
    RouteEach e = {cb, arg};
    return store_each(c, st, route_each, &e, __func__);
}

StoreStatus store_route_set_clock(StoreConn *c, const char *id, int hours)
{
    sqlite3_stmt *st = store_stmt(c, "UPDATE routes SET clock_hours = :hours WHERE id = :id");
    store_bind_text_n(st, ":id", id);
    store_bind_int64_n(st, ":hours", hours);
    return store_exec_one(c, st, __func__);
}

static int platform_row(sqlite3_stmt *st, void *p)
{
    PlatformRow *r = p;
    store_column_text(st, 0, r->id, sizeof r->id);
    store_column_text(st, 1, r->route, sizeof r->route);
    r->clock_hours = sqlite3_column_type(st, 2) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 2);
    store_column_text(st, 3, r->channel, sizeof r->channel);
    return 0;
}

StoreStatus store_platform_get(StoreConn *c, const char *id, PlatformRow *out)
{
    sqlite3_stmt *st =
        store_stmt(c, "SELECT id, route, clock_hours, channel FROM platforms WHERE id = :id");
    store_bind_text_n(st, ":id", id);
    return store_one(c, st, platform_row, out, __func__);
}

typedef struct PlatformEach {
    void (*cb)(void *arg, const PlatformRow *p);
    void *arg;
} PlatformEach;

static int platform_each(sqlite3_stmt *st, void *p)
{
    const PlatformEach *e = p;
    PlatformRow r;
    platform_row(st, &r);
    e->cb(e->arg, &r);
    return 0;
}

StoreStatus store_platforms(StoreConn *c, void (*cb)(void *arg, const PlatformRow *p), void *arg)
{
    sqlite3_stmt *st =
        store_stmt(c, "SELECT id, route, clock_hours, channel FROM platforms ORDER BY rowid");
    PlatformEach e = {cb, arg};
    return store_each(c, st, platform_each, &e, __func__);
}

StoreStatus store_platform_update(StoreConn *c, const PlatformRow *p)
{
    sqlite3_stmt *st = store_stmt(c, "UPDATE platforms SET route = :route, clock_hours = :hours, "
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
    sqlite3_stmt *st =
        store_stmt(c, "INSERT INTO incidents (created_at, label) VALUES (:now, :label)");
    store_bind_int64_n(st, ":now", now);
    store_bind_buf_n(st, ":label", placeholder);
    return store_exec_insert(c, st, id, __func__);
}

static int incident_row(sqlite3_stmt *st, void *p)
{
    IncidentRow *r = p;
    r->id = sqlite3_column_int64(st, 0);
    r->created_at = sqlite3_column_int64(st, 1);
    r->cases = sqlite3_column_int64(st, 2);
    store_column_buf(st, 3, &r->label);
    return 0;
}

typedef struct IncidentEach {
    void (*cb)(void *arg, const IncidentRow *r);
    void *arg;
} IncidentEach;

static int incident_each(sqlite3_stmt *st, void *p)
{
    const IncidentEach *e = p;
    IncidentRow r = {0};
    incident_row(st, &r);
    e->cb(e->arg, &r);
    buf_free(&r.label);
    return 0;
}

StoreStatus store_incidents(StoreConn *c, void (*cb)(void *arg, const IncidentRow *r), void *arg)
{
    sqlite3_stmt *st = store_stmt(
        c, "SELECT i.id, i.created_at, (SELECT count(*) FROM cases c WHERE c.incident_id = i.id), "
           "i.label FROM incidents i ORDER BY i.id DESC");
    IncidentEach e = {cb, arg};
    return store_each(c, st, incident_each, &e, __func__);
}

StoreStatus store_incident_get(StoreConn *c, int64_t id, IncidentRow *out)
{
    sqlite3_stmt *st = store_stmt(
        c, "SELECT i.id, i.created_at, (SELECT count(*) FROM cases c WHERE c.incident_id = i.id), "
           "i.label FROM incidents i WHERE i.id = :id");
    store_bind_int64_n(st, ":id", id);
    return store_one(c, st, incident_row, out, __func__);
}

StoreStatus store_cases_of_incident(StoreConn *c, int64_t id,
                                    void (*cb)(void *arg, const char *case_id), void *arg)
{
    sqlite3_stmt *st =
        store_stmt(c, "SELECT id FROM cases WHERE incident_id = :id ORDER BY created_at, id");
    store_bind_int64_n(st, ":id", id);
    StoreTextCb t = {cb, arg};
    return store_each(c, st, store_row_text0, &t, __func__);
}

/* ---- settings and statistics ---- */

typedef struct TextOut {
    char *out;
    size_t n;
} TextOut;

static int text_row(sqlite3_stmt *st, void *p)
{
    const TextOut *t = p;
    store_column_text(st, 0, t->out, t->n);
    return 0;
}

StoreStatus store_meta_get(StoreConn *c, const char *key, char *out, size_t n)
{
    sqlite3_stmt *st = store_stmt(c, "SELECT value FROM meta WHERE key = :key");
    store_bind_text_n(st, ":key", key);
    TextOut t = {out, n};
    return store_one(c, st, text_row, &t, __func__);
}

StoreStatus store_meta_set(StoreConn *c, const char *key, const char *value)
{
    sqlite3_stmt *st =
        store_stmt(c, "INSERT INTO meta (key, value) VALUES (:key, :value) ON CONFLICT (key) DO "
                      "UPDATE SET value = excluded.value");
    store_bind_text_n(st, ":key", key);
    store_bind_text_n(st, ":value", value);
    return store_exec_stmt(c, st, __func__);
}

typedef struct StatEach {
    void (*cb)(void *arg, const char *group, const char *key, int64_t n);
    void *arg;
} StatEach;

static int stat_row(sqlite3_stmt *st, void *p)
{
    const StatEach *e = p;
    e->cb(e->arg, (const char *)sqlite3_column_text(st, 0),
          (const char *)sqlite3_column_text(st, 1), sqlite3_column_int64(st, 2));
    return 0;
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
    StatEach e = {cb, arg};
    return store_each(c, st, stat_row, &e, __func__);
}
