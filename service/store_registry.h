/* Store queries for what the organisation keeps beside the cases: platforms and their routes,
 * incidents that group cases, settings in meta, and counts for statistics. */
#ifndef TAKEDOWN_STORE_REGISTRY_H
#define TAKEDOWN_STORE_REGISTRY_H

#include "buf.h"
#include "store.h"

#include <stddef.h>
#include <stdint.h>

typedef struct RouteRow {
    char id[24];
    int clock_hours;
    char elements[128];
} RouteRow;

typedef struct PlatformRow {
    char id[24];
    char route[24];
    int clock_hours; /* -1: the route's */
    char channel[512];
} PlatformRow;

typedef struct IncidentRow {
    int64_t id;
    int64_t created_at;
    int64_t cases;
    Buf label;
} IncidentRow;

/* ---- routes and platforms ---- */

/* Reads one route; STORE_NOT_FOUND when there is none of that id. */
StoreStatus store_route_get(StoreConn *c, const char *id, RouteRow *out);
/* Every route in id order. */
StoreStatus store_routes(StoreConn *c, void (*cb)(void *arg, const RouteRow *r), void *arg);
/* Sets a route's clock in hours; STORE_NOT_FOUND when there is no such route. */
StoreStatus store_route_set_clock(StoreConn *c, const char *id, int hours);
/* Reads one platform; STORE_NOT_FOUND when there is none of that id. */
StoreStatus store_platform_get(StoreConn *c, const char *id, PlatformRow *out);
/* Every platform in the order they were added. */
StoreStatus store_platforms(StoreConn *c, void (*cb)(void *arg, const PlatformRow *p), void *arg);
/* Sets a platform's route, clock (-1: the route's) and channel; STORE_NOT_FOUND when unknown. */
StoreStatus store_platform_update(StoreConn *c, const PlatformRow *p);

/* ---- incidents ---- */

/* Adds an incident (label sealed to the new id after); *id receives the new id. */
StoreStatus store_incident_insert(StoreConn *c, int64_t now, const Buf *placeholder, int64_t *id);
/* Every incident, newest first, with how many cases it groups. */
StoreStatus store_incidents(StoreConn *c, void (*cb)(void *arg, const IncidentRow *r), void *arg);
/* Reads one incident with its case count (the caller frees out->label). */
StoreStatus store_incident_get(StoreConn *c, int64_t id, IncidentRow *out);
/* The ids of an incident's cases, oldest first. */
StoreStatus store_cases_of_incident(StoreConn *c, int64_t id,
                                    void (*cb)(void *arg, const char *case_id), void *arg);

/* ---- settings and statistics ---- */

/* Reads a setting kept in the meta table (not secret); STORE_NOT_FOUND when unset. */
StoreStatus store_meta_get(StoreConn *c, const char *key, char *out, size_t n);
/* Sets a setting in the meta table, replacing the old value. */
StoreStatus store_meta_set(StoreConn *c, const char *key, const char *value);
/* Sets it only when it is unset (the first of several nodes to ask wins); STORE_OK either way. */
StoreStatus store_meta_add(StoreConn *c, const char *key, const char *value);
/* Aggregate counts for statistics (no content): by state, platform, route, incident type. */
StoreStatus store_stats(StoreConn *c,
                        void (*cb)(void *arg, const char *group, const char *key, int64_t n),
                        void *arg);

#endif
