/* Every handler of the route table, grouped by the file that holds it. */
#ifndef TAKEDOWN_HANDLERS_H
#define TAKEDOWN_HANDLERS_H

#include "http.h"

/* pages_public.c: the landing page and the language switch */
int page_landing(Request *req);
int page_lang(Request *req);

/* static_files.c: /static/ files embedded from web/static */
int static_file(Request *req);

/* ops.c: /healthz and /metrics */
int ops_healthz(Request *req);
int ops_metrics(Request *req);

/* debug.c: routes for the tests, only with --debug-routes */
int debug_slow(Request *req);
int debug_echo(Request *req);

#endif
