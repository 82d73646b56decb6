/* Route matching: literal segments compare exactly, "{name}" captures one non-empty segment. */
#include "route.h"

#include <stdio.h>
#include <string.h>

Method route_method(const char *name)
{
    static const struct {
        const char *name;
        Method m;
    } names[] = {{"GET", METHOD_GET},        {"HEAD", METHOD_HEAD},     {"POST", METHOD_POST},
                 {"PUT", METHOD_PUT},        {"DELETE", METHOD_DELETE}, {"PATCH", METHOD_PATCH},
                 {"OPTIONS", METHOD_OPTIONS}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i].name) == 0)
            return names[i].m;
    return METHOD_OTHER;
}

void route_allow_header(unsigned methods, char *out, size_t out_size)
{
    static const char *names[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"};
    size_t len = 0;
    out[0] = '\0';
    for (unsigned i = 0; i < 7; i++) {
        if (!(methods & (1u << i)))
            continue;
        int w = snprintf(out + len, out_size - len, "%s%s", len ? ", " : "", names[i]);
        if (w < 0 || (size_t)w >= out_size - len)
            return;
        len += (size_t)w;
    }
}

/* Matches one pattern against path; fills params on success. */
static int route_pattern_match(const char *pattern, const char *path, RouteMatch *m)
{
    const char *p = pattern, *s = path;
    m->nparams = 0;
    while (*p && *s) {
        if (*p == '{') {
            const char *close = strchr(p, '}');
            const char *seg_end = strchr(s, '/');
            size_t seg = seg_end ? (size_t)(seg_end - s) : strlen(s);
            size_t name_len = close ? (size_t)(close - p - 1) : 0;
            if (!close || seg == 0 || seg >= ROUTE_MAX_PARAM_LEN ||
                m->nparams >= ROUTE_MAX_PARAMS || name_len >= sizeof m->names[0])
                return 0;
            memcpy(m->names[m->nparams], p + 1, name_len);
            m->names[m->nparams][name_len] = '\0';
            memcpy(m->values[m->nparams], s, seg);
            m->values[m->nparams][seg] = '\0';
            m->nparams++;
            p = close + 1;
            s += seg;
            continue;
        }
        if (*p != *s)
            return 0;
        p++;
        s++;
    }
    return *p == '\0' && *s == '\0';
}

int route_match(const Route *table, size_t n, Method method, const char *path, RouteMatch *m)
{
    memset(m, 0, sizeof *m);
    /* HEAD is answered wherever GET is. */
    unsigned want = method == METHOD_HEAD ? (METHOD_HEAD | METHOD_GET) : method;
    RouteMatch tmp;
    for (size_t i = 0; i < n; i++) {
        if (!route_pattern_match(table[i].pattern, path, &tmp))
            continue;
        unsigned methods = table[i].methods;
        if (methods & METHOD_GET)
            methods |= METHOD_HEAD;
        m->allowed |= methods;
        if (table[i].methods & want) {
            *m = tmp;
            m->route = &table[i];
            return 1;
        }
    }
    return 0;
}

const char *route_param(const RouteMatch *m, const char *name)
{
    for (size_t i = 0; i < m->nparams; i++)
        if (strcmp(m->names[i], name) == 0)
            return m->values[i];
    return NULL;
}
