/* The route table. Patterns: literal segments and "{name}" for one segment. */
#include "routes.h"

#include "handlers.h"

#define GET METHOD_GET
#define POST METHOD_POST

static const Route table[] = {
    {GET, "/", page_landing, ACCESS_PUBLIC, 0, 0},
    {GET, "/lang/{lang}", page_lang, ACCESS_PUBLIC, 0, 0},
    {GET, "/static/{file}", static_file, ACCESS_PUBLIC, 0, 0},
    {GET, "/healthz", ops_healthz, ACCESS_PUBLIC, 0, 0},
    {GET, "/metrics", ops_metrics, ACCESS_PUBLIC, 0, 0},
    /* Only with --debug-routes; keep these last. */
    {GET | POST, "/debug/slow", debug_slow, ACCESS_PUBLIC, 0, 0},
    {POST, "/debug/echo", debug_echo, ACCESS_PUBLIC, 0, 0},
    {POST, "/api/v1/debug/echo", debug_echo, ACCESS_PUBLIC, 0, 0},
};

#define DEBUG_ROUTES 3

const Route *routes_table(int debug, size_t *n)
{
    *n = sizeof table / sizeof table[0] - (debug ? 0 : DEBUG_ROUTES);
    return table;
}
