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

/* pages_staff.c: staff sign-in, home, TOTP, settings */
int page_staff_login_form(Request *req, int status, const char *login, const char *error_key);
json_t *page_staff_ctx(Request *req, const char *title_key);
int page_staff_login(Request *req);
int page_staff_login_post(Request *req);
int page_staff_logout(Request *req);
int page_staff_home(Request *req);
int page_staff_totp(Request *req);
int page_staff_totp_post(Request *req);
int page_staff_settings(Request *req);
int page_staff_settings_post(Request *req);

/* api_staff.c: staff session, me, TOTP, admin */
int api_staff_session_create(Request *req);
int api_staff_session_delete(Request *req);
int api_staff_me(Request *req);
int api_staff_totp_begin(Request *req);
int api_staff_totp_confirm(Request *req);
int api_admin_settings(Request *req);
int api_admin_staff_list(Request *req);
json_t *api_qr_svg(const char *text, const char *lang);

/* debug.c: routes for the tests, only with --debug-routes */
int debug_slow(Request *req);
int debug_echo(Request *req);
int debug_clock(Request *req);
int debug_routes(Request *req);

#endif
