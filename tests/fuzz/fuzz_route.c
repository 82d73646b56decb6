/* Fuzz target for route matching (service/route.c) against takedownd's own table (routes.c) and
 * against a pattern the input brings: no crash, no overrun, and what a match reports is the path:
 * the pattern with the captured values put back in gives the path byte for byte, every value is
 * one non-empty segment, the first matching route wins, and a 405's Allow names only methods
 * that do match.
 *
 * Input: one byte, then text. The byte's low three bits pick the method (GET HEAD POST PUT DELETE
 * PATCH OPTIONS, or another), bit 3 adds the debug routes, bit 4 says the text is "PATTERN\nPATH"
 * (a table of one route), the top three bits size the Allow buffer. */
#include "fuzz_check.h"
#include "route.h"
#include "routes.h"

#include <string.h>

static const Method METHODS[8] = {METHOD_GET,    METHOD_HEAD,  METHOD_POST,    METHOD_PUT,
                                  METHOD_DELETE, METHOD_PATCH, METHOD_OPTIONS, METHOD_OTHER};
static const char *const METHOD_NAMES[8] = {"GET",    "HEAD",  "POST",    "PUT",
                                            "DELETE", "PATCH", "OPTIONS", "BREW"};

static int handler_none(struct Request *req)
{
    (void)req;
    return 200;
}

/* The path a match stands for: pattern with each "{name}" replaced by its value, checking the
 * names on the way. Returns 1 when it equals path. */
static int match_rebuilds_path(const char *pattern, const RouteMatch *m, const char *path)
{
    char rebuilt[4096];
    size_t len = 0, param = 0;
    for (const char *p = pattern; *p;) {
        if (*p == '{') {
            const char *close = strchr(p, '}');
            CHECK(close != NULL); /* a match consumed the whole pattern */
            CHECK(param < m->nparams);
            size_t name_len = (size_t)(close - p - 1);
            CHECK(strlen(m->names[param]) == name_len);
            CHECK(memcmp(m->names[param], p + 1, name_len) == 0);
            const char *v = m->values[param];
            size_t vlen = strlen(v);
            CHECK(vlen > 0 && vlen < ROUTE_MAX_PARAM_LEN && !strchr(v, '/'));
            if (len + vlen >= sizeof rebuilt)
                return 0;
            memcpy(rebuilt + len, v, vlen);
            len += vlen;
            param++;
            p = close + 1;
            continue;
        }
        if (len + 1 >= sizeof rebuilt)
            return 0;
        rebuilt[len++] = *p++;
    }
    rebuilt[len] = '\0';
    CHECK(param == m->nparams);
    return strcmp(rebuilt, path) == 0;
}

static void check_allow_header(unsigned allowed, size_t size)
{
    char small[64], full[128];
    CHECK(size >= 1 && size <= sizeof small);
    route_allow_header(allowed, small, size);
    CHECK(strnlen(small, size) < size);
    route_allow_header(allowed, full, sizeof full);
    /* The short buffer holds a prefix of the whole header, cut only between names. */
    CHECK(strncmp(full, small, strlen(small)) == 0);
    for (unsigned i = 0; i < 7; i++) {
        const char *name = METHOD_NAMES[i];
        const char *at = strstr(full, name);
        /* "PUT" is no part of another name, nor "GET" of "HEAD"... so presence is exact. */
        CHECK(((allowed & METHODS[i]) != 0) == (at != NULL));
    }
}

static void check_table(const Route *table, size_t n, Method method, const char *path,
                        size_t allow_size)
{
    RouteMatch m;
    int hit = route_match(table, n, method, path, &m);
    CHECK(hit == (m.route != NULL));
    unsigned want = method == METHOD_HEAD ? (METHOD_HEAD | METHOD_GET) : method;
    if (hit) {
        size_t at = (size_t)(m.route - table);
        CHECK(at < n);
        CHECK((m.route->methods & want) != 0);
        CHECK(match_rebuilds_path(m.route->pattern, &m, path));
        for (size_t i = 0; i < m.nparams; i++)
            CHECK(route_param(&m, m.names[i]) != NULL);
        /* The first route that takes the path and the method wins. */
        for (size_t i = 0; i < at; i++) {
            RouteMatch earlier;
            CHECK(!route_match(&table[i], 1, method, path, &earlier));
        }
        return;
    }
    CHECK(m.nparams == 0);
    CHECK((m.allowed & want) == 0);
    if (m.allowed) {
        /* Every method the Allow header names finds a route for this path. */
        for (unsigned i = 0; i < 7; i++) {
            RouteMatch other;
            if (m.allowed & METHODS[i])
                CHECK(route_match(table, n, METHODS[i], path, &other) == 1);
        }
        check_allow_header(m.allowed, allow_size);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 4096)
        return 0;
    uint8_t mode = data[0];
    Method method = METHODS[mode & 7];
    size_t allow_size = 1 + (size_t)((mode >> 5) * 9);
    char *text = malloc(size); /* owned here; exactly the input, so ASan sees any overread */
    if (!text)
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';

    CHECK(route_method(text) == METHOD_OTHER ||
          strcmp(METHOD_NAMES[__builtin_ctz((unsigned)route_method(text))], text) == 0);
    if (mode & 16) {
        char *nl = strchr(text, '\n');
        if (nl) {
            *nl = '\0';
            const Route one = {METHOD_GET | METHOD_POST, text, handler_none, 0, 0, 0};
            check_table(&one, 1, method, nl + 1, allow_size);
        }
    } else {
        size_t n;
        const Route *table = routes_table((mode & 8) != 0, &n);
        CHECK(table && n > 0);
        check_table(table, n, method, text, allow_size);
    }
    free(text);
    return 0;
}
