/* Platforms and routes, the audit log, and statistics. */
#include "casework_internal.h"

#include "staff.h"
#include "states.h"
#include "store_registry.h"
#include "store_staff.h"
#include "vault.h"

#include <stdio.h>
#include <string.h>

/* ---- platforms and routes ---- */

static void registry_route(void *arg, const RouteRow *r)
{
    json_array_append_new(arg, json_pack("{s:s, s:i, s:s}", "id", r->id, "clock_hours",
                                         r->clock_hours, "elements", r->elements));
}

static void registry_platform(void *arg, const PlatformRow *p)
{
    json_t *o = json_pack("{s:s, s:s, s:s}", "id", p->id, "route", p->route, "channel", p->channel);
    json_object_set_new(o, "clock_hours",
                        p->clock_hours >= 0 ? json_integer(p->clock_hours) : json_null());
    json_array_append_new(arg, o);
}

CaseworkResult casework_registry(json_t **out)
{
    StoreConn *c = store_conn();
    if (!c)
        return CW_ERROR;
    json_t *routes = json_array(), *platforms = json_array();
    StoreStatus st = store_routes(c, registry_route, routes);
    if (st == STORE_OK)
        st = store_platforms(c, registry_platform, platforms);
    if (st != STORE_OK) {
        json_decref(routes);
        json_decref(platforms);
        return cw_from_store(st);
    }
    *out = json_pack("{s:o, s:o}", "routes", routes, "platforms", platforms);
    return CW_OK;
}

CaseworkResult casework_platform_update(const Session *s, const char *id, const char *route,
                                        int clock_hours, const char *channel, int64_t now,
                                        json_t *detail)
{
    StoreConn *c = store_conn();
    if (!c)
        return CW_ERROR;
    PlatformRow p = {0};
    CaseworkResult r = cw_from_store(store_platform_get(c, id, &p));
    if (r != CW_OK)
        return r;
    RouteRow rr;
    if (route && store_route_get(c, route, &rr) != STORE_OK) {
        json_object_set_new(detail, "field", json_string("route"));
        return CW_INVALID;
    }
    if (clock_hours < -2 || clock_hours > 8760) {
        json_object_set_new(detail, "field", json_string("clock_hours"));
        return CW_INVALID;
    }
    if (channel && strlen(channel) >= sizeof p.channel) {
        json_object_set_new(detail, "field", json_string("channel"));
        return CW_INVALID;
    }
    if (route)
        snprintf(p.route, sizeof p.route, "%s", route);
    if (channel)
        snprintf(p.channel, sizeof p.channel, "%s", channel);
    if (clock_hours != -2) /* -2: keep the platform's clock as it is */
        p.clock_hours = clock_hours;
    r = cw_from_store(store_platform_update(c, &p));
    if (r == CW_OK) {
        char actor[80], what[64];
        cw_actor_of(s, actor);
        snprintf(what, sizeof what, "route %s, clock %d", p.route, p.clock_hours);
        staff_audit(actor, "platform.update", id, what, now);
    }
    return r;
}

CaseworkResult casework_route_update(const Session *s, const char *id, int clock_hours, int64_t now)
{
    if (clock_hours < 0 || clock_hours > 8760)
        return CW_INVALID;
    StoreConn *c = store_conn();
    if (!c)
        return CW_ERROR;
    CaseworkResult r = cw_from_store(store_route_set_clock(c, id, clock_hours));
    if (r == CW_OK) {
        char actor[80], what[32];
        cw_actor_of(s, actor);
        snprintf(what, sizeof what, "clock %d", clock_hours);
        staff_audit(actor, "route.update", id, what, now);
    }
    return r;
}

/* ---- audit ---- */

static void audit_row(void *arg, const AuditRow *r)
{
    json_array_append_new(arg, json_pack("{s:I, s:I, s:s, s:s, s:s, s:s}", "id", (json_int_t)r->id,
                                         "at", (json_int_t)r->at, "actor", r->actor, "action",
                                         r->action, "subject", r->subject, "detail", r->detail));
}

CaseworkResult casework_audit(int64_t before, int limit, json_t **out)
{
    if (limit < 1 || limit > 500 || before < 0)
        return CW_INVALID;
    StoreConn *c = store_conn();
    if (!c)
        return CW_ERROR;
    json_t *list = json_array();
    StoreStatus st = store_audit_page(c, before, limit, audit_row, list);
    if (st != STORE_OK) {
        json_decref(list);
        return cw_from_store(st);
    }
    json_t *next = json_null();
    if ((int)json_array_size(list) == limit)
        next = json_integer(json_integer_value(
            json_object_get(json_array_get(list, json_array_size(list) - 1), "id")));
    *out = json_pack("{s:o, s:o}", "entries", list, "next", next);
    return CW_OK;
}

/* ---- statistics ---- */

static void stat_row(void *arg, const char *group, const char *key, int64_t n)
{
    json_t *groups = arg;
    json_t *g = json_object_get(groups, group);
    if (!g) {
        g = json_pack("{s:s, s:I, s:[]}", "name", group, "max", (json_int_t)0, "rows");
        json_object_set_new(groups, group, g);
    }
    json_array_append_new(json_object_get(g, "rows"),
                          json_pack("{s:s, s:I}", "key", key ? key : "", "n", (json_int_t)n));
    if (n > json_integer_value(json_object_get(g, "max")))
        json_object_set_new(g, "max", json_integer(n));
}

CaseworkResult casework_stats(json_t **out)
{
    StoreConn *c = store_conn();
    if (!c)
        return CW_ERROR;
    json_t *groups = json_object();
    StoreStatus st = store_stats(c, stat_row, groups);
    if (st != STORE_OK) {
        json_decref(groups);
        return cw_from_store(st);
    }
    /* In a fixed order, so pages and clients can rely on it. */
    json_t *list = json_array();
    const char *order[] = {"cases", "state", "platform", "route", "incident_type"};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        json_t *g = json_object_get(groups, order[i]);
        json_array_append(
            list, g ? g : json_pack("{s:s, s:i, s:[]}", "name", order[i], "max", 0, "rows"));
        if (!g)
            json_decref(json_array_get(list, json_array_size(list) - 1));
    }
    json_decref(groups);
    *out = json_pack("{s:o}", "groups", list);
    return CW_OK;
}
