/* Matching a method and path against a table of routes: pure, no HTTP library, unit-tested. */
#ifndef TAKEDOWN_ROUTE_H
#define TAKEDOWN_ROUTE_H

#include <stddef.h>

typedef enum Method {
    METHOD_GET = 1,
    METHOD_HEAD = 2, /* served as GET without a body */
    METHOD_POST = 4,
    METHOD_PUT = 8,
    METHOD_DELETE = 16,
    METHOD_PATCH = 32,
    METHOD_OPTIONS = 64,
    METHOD_OTHER = 128,
} Method;

#define ROUTE_MAX_PARAMS 4
#define ROUTE_MAX_PARAM_LEN 128

struct Request;
/* A handler fills req->resp and returns the HTTP status, or HANDLER_SUSPENDED after handing work
 * to the slow-work pool (which resumes the request when done). */
typedef int (*Handler)(struct Request *req);
#define HANDLER_SUSPENDED 0

/* Who may call a route (checked in one place: auth_authorize). A bit set of roles. */
enum {
    ACCESS_PUBLIC = 0, /* anyone */
    ACCESS_VICTIM = 1, /* a receipt session */
    ACCESS_CASEWORKER = 2,
    ACCESS_ADMIN = 4,
    ACCESS_AUDITOR = 8,
    ACCESS_PLATFORM = 16, /* a platform desk's bearer token (desk.h), never a session */
};
#define ACCESS_STAFF (ACCESS_CASEWORKER | ACCESS_ADMIN | ACCESS_AUDITOR)

typedef struct Route {
    unsigned methods; /* bit set of Method */
    const char
        *pattern; /* "/api/v1/staff/cases/{case}"; a "{name}" matches one non-empty segment */
    Handler handler;
    unsigned access; /* ACCESS_* bits; 0 = public */
    size_t max_body; /* bytes; 0 = the server default */
    unsigned flags;  /* ROUTE_* */
} Route;

enum {
    ROUTE_FORM_FILES = 1, /* multipart file parts are accepted (streamed to the handler's sink) */
    ROUTE_NO_CSRF = 2,    /* unsafe method without a CSRF check: JSON-only sign-in endpoints */
    ROUTE_ENROL = 4,      /* reachable by a session that must still enrol TOTP */
    ROUTE_DEBUG = 8,      /* for the tests: served only with --debug-routes */
    /* An unsafe route that still runs when free space on the data dir is at or under
     * --min-free-mb (reserve.h): sign-ins, sign-outs, a victim's withdrawal and erasure, small
     * writes that let people in, out or away. Every other unsafe route answers 503 storage_low. */
    ROUTE_ESSENTIAL = 16,
};

typedef struct RouteMatch {
    const Route *route; /* the matching route, or NULL */
    unsigned allowed;   /* when route is NULL: methods the path allows (0: unknown path) */
    size_t nparams;
    char names[ROUTE_MAX_PARAMS][32];
    char values[ROUTE_MAX_PARAMS][ROUTE_MAX_PARAM_LEN];
} RouteMatch;

/* Method from its name ("GET"...); METHOD_OTHER for anything else. */
Method route_method(const char *name);
/* Writes the Allow header value for a bit set ("GET, HEAD, POST") into out. */
void route_allow_header(unsigned methods, char *out, size_t out_size);
/* Finds the route for method and path in table (n entries). Returns 1 when a route matched,
 * 0 otherwise (m->allowed tells 405 from 404). Segments longer than ROUTE_MAX_PARAM_LEN-1 never
 * match a parameter. */
int route_match(const Route *table, size_t n, Method method, const char *path, RouteMatch *m);
/* The value of parameter name, or NULL. */
const char *route_param(const RouteMatch *m, const char *name);

#endif
