/* Every handler of the route table, grouped by the file that holds it. */
#ifndef TAKEDOWN_HANDLERS_H
#define TAKEDOWN_HANDLERS_H

#include "http.h"
#include "casework.h"
#include "intake.h"
#include "victim.h"

/* pages_public.c: the landing page and the language switch */
int page_landing(Request *req);
int page_lang(Request *req);
/* Keeps lang ("zh-CN" or "en") as the browser's choice of language, for a year. */
void page_lang_cookie(Request *req, const char *lang);
/* GET /exit: the quick exit without JavaScript (ends the session, clears cookies, 303 away) */
int page_exit(Request *req);

/* static_files.c: /static/ files embedded from web/static */
int static_file(Request *req);

/* case_files.c: a case's screenshot, the same answer on the case page and in the API */
int case_file(Request *req);

/* ops.c: /healthz and /metrics */
int ops_healthz(Request *req);
int ops_metrics(Request *req);
int ops_readyz(Request *req);
/* From the signal to stop on, /readyz answers 503 so a load balancer sends no new requests while
 * those in flight finish. */
void ops_draining(void);
/* The token that lets a non-loopback client read /metrics (NULL or "": loopback only). */
void ops_configure(const char *metrics_token);

/* pages_staff.c: staff sign-in, home, TOTP, settings */
json_t *page_staff_ctx(Request *req, const char *title_key);
int page_staff_login(Request *req);
int page_staff_login_post(Request *req);
int page_staff_logout(Request *req);
int page_staff_totp(Request *req);
int page_staff_totp_post(Request *req);
int page_staff_settings(Request *req);
int page_staff_settings_post(Request *req);

/* pages_people.c: admins manage staff accounts in the browser */
int page_staff_people(Request *req);
int page_staff_people_add(Request *req);
int page_staff_people_totp(Request *req);
int page_staff_person_disable(Request *req);
int page_staff_person_disable_post(Request *req);
int page_staff_person_reset(Request *req);
int page_staff_person_reset_post(Request *req);

/* pages_intake.c and api_intake.c: a caseworker enters a request on someone's behalf */
int page_staff_intake(Request *req);
int page_staff_intake_post(Request *req);
int page_staff_intake_receipt(Request *req);
int page_staff_center_case(Request *req);
int page_staff_center_case_post(Request *req);
int page_staff_case_targets(Request *req);
int page_staff_case_targets_post(Request *req);
int api_staff_intake(Request *req);
int api_staff_incident_case(Request *req);

/* api_staff.c: staff session, me, TOTP, admin */
int api_staff_session_create(Request *req);
int api_staff_session_delete(Request *req);
int api_staff_me(Request *req);
int api_staff_totp_begin(Request *req);
int api_staff_totp_confirm(Request *req);
int api_admin_settings(Request *req);
int api_admin_staff_list(Request *req);
int api_admin_reset_password(Request *req);
int api_admin_staff_add(Request *req);
int api_admin_staff_disable(Request *req);
int api_admin_staff_digest(Request *req);
int page_staff_person_digest_post(Request *req);
/* Adds "digest" (the daily digest's address) to the object of login in rows, a list of staff
 * objects whose login is under key (the API's list and the people page share it). */
void staff_rows_add_digest(json_t *rows, const char *key, const char *login, const char *email);

/* api_victim.c: reports, receipt sessions, /api/v1/my/ */
/* 422 with "error" (the first problem) and "errors" (every problem) of a report. */
int api_reply_invalid(Request *req, const IntakeErrors *errs);
int api_cases_create(Request *req);
int api_receipt_session_create(Request *req);
int api_receipt_session_delete(Request *req);
int api_my_case(Request *req);
int api_my_targets(Request *req);
int api_my_messages(Request *req);
int api_my_withdraw(Request *req);
int api_my_erase(Request *req);

/* pages_victim.c: the victim's pages */
/* The site's address printed on the receipt card: public_url (--public-url); NULL or "": the
 * Host the person used. Call before serving. */
void pages_victim_configure(const char *public_url);
int page_report(Request *req);
int page_report_post(Request *req);
int page_report_saved(Request *req);
int page_report_receipt(Request *req);
int page_follow_up(Request *req);
int page_follow_up_post(Request *req);
int page_my(Request *req);
int page_my_targets(Request *req);
int page_my_messages(Request *req);
int page_my_withdraw(Request *req);
int page_my_withdraw_post(Request *req);
int page_my_erase(Request *req);
int page_my_erase_post(Request *req);
int page_my_logout(Request *req);

/* api_casework.c: queues, cases, targets, notices, incidents, registry, audit */
int api_staff_cases(Request *req);
int api_staff_case(Request *req);
int api_staff_assign(Request *req);
int api_staff_note(Request *req);
int api_staff_message(Request *req);
int api_staff_case_incident(Request *req);
int api_staff_case_targets(Request *req);
int api_staff_transition(Request *req);
int api_staff_notice(Request *req);
int api_staff_incidents(Request *req);
int api_staff_incident_create(Request *req);
int api_staff_incident(Request *req);
int api_registry(Request *req);
int api_admin_platform(Request *req);
int api_admin_route(Request *req);
int api_audit(Request *req);
int api_staff_reupload(Request *req);
int api_staff_check(Request *req);
int api_staff_hold(Request *req);
int api_staff_visit_sheet(Request *req);
int api_stats(Request *req);

/* api_stats.c: how fast platforms act, as JSON and as CSV */
int api_stats_platforms(Request *req);
int api_stats_platforms_csv(Request *req);

/* api_openapi.c: the OpenAPI document of the JSON API */
int api_openapi(Request *req);

/* pages_casework.c: queues, case page, notices, incidents, platforms, audit */
int page_staff_queue(Request *req);
int page_staff_case(Request *req);
int page_staff_assign(Request *req);
int page_staff_note(Request *req);
int page_staff_message(Request *req);
int page_staff_case_incident(Request *req);
int page_staff_transition(Request *req);
int page_staff_notice(Request *req);
int page_staff_check(Request *req);
int page_staff_incidents(Request *req);
int page_staff_incident_create(Request *req);
int page_staff_incident(Request *req);
int page_staff_platforms(Request *req);
int page_staff_platform_post(Request *req);
int page_staff_route_post(Request *req);
int page_staff_audit(Request *req);
int page_staff_reupload(Request *req);
int page_staff_hold(Request *req);
int page_staff_visit_sheet(Request *req);
int page_staff_stats(Request *req);

/* pages_stats.c: how fast platforms act, with server-drawn SVG charts and their tables */
int page_staff_stats_platforms(Request *req);

/* debug.c: routes for the tests, only with --debug-routes */
int debug_slow(Request *req);
int debug_echo(Request *req);
int debug_clock(Request *req);
int debug_connection(Request *req);
int debug_release(Request *req);
int debug_routes(Request *req);
int debug_tick(Request *req);
int debug_io_fault(Request *req);

/* pages_desk.c: the admin's page of platform desks */
int page_staff_desks(Request *req);
int page_staff_desks_post(Request *req);
int page_staff_desk_revoke(Request *req);
/* api_desk.c: the platform desk's machine channel */
int api_desk_notices(Request *req);
int api_desk_notice(Request *req);
int api_desk_ack(Request *req);
int api_desk_needs_info(Request *req);
int api_desk_decision(Request *req);
int api_desk_reupload(Request *req);

#endif
