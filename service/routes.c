/* The route table. Patterns: literal segments and "{name}" for one segment. Access bits say who
 * may call a route; auth_gate enforces them for every route in one place. */
#include "routes.h"

#include "handlers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GET METHOD_GET
#define POST METHOD_POST
#define PUT METHOD_PUT
#define DELETE METHOD_DELETE
#define STAFF ACCESS_STAFF
#define WORKERS (ACCESS_CASEWORKER | ACCESS_ADMIN)
#define ADMIN ACCESS_ADMIN
#define VICTIM ACCESS_VICTIM
/* A report form with ten 10 MiB screenshots and its text; a JSON report with 50 long links. */
#define REPORT_BODY_MAX (10u * 10 * 1024 * 1024 + 1024 * 1024)
#define API_REPORT_MAX (1024 * 1024)

static const Route table[] = {
    /* public pages */
    {GET, "/", page_landing, ACCESS_PUBLIC, 0, 0},
    {GET, "/lang/{lang}", page_lang, ACCESS_PUBLIC, 0, 0},
    {GET, "/exit", page_exit, ACCESS_PUBLIC, 0, 0},
    {GET, "/static/{file}", static_file, ACCESS_PUBLIC, 0, 0},
    /* victim pages */
    {GET, "/report", page_report, ACCESS_PUBLIC, 0, 0},
    {POST, "/report", page_report_post, ACCESS_PUBLIC, REPORT_BODY_MAX, ROUTE_FORM_FILES},
    {GET, "/report/receipt", page_report_receipt, ACCESS_PUBLIC, 0, 0},
    {POST, "/report/saved", page_report_saved, VICTIM, 0, 0},
    {GET, "/follow-up", page_follow_up, ACCESS_PUBLIC, 0, 0},
    {POST, "/follow-up", page_follow_up_post, ACCESS_PUBLIC, 0, ROUTE_ESSENTIAL},
    {GET, "/my", page_my, VICTIM, 0, 0},
    {POST, "/my/targets", page_my_targets, VICTIM, 0, 0},
    {POST, "/my/messages", page_my_messages, VICTIM, 0, 0},
    {GET, "/my/withdraw", page_my_withdraw, VICTIM, 0, 0},
    {POST, "/my/withdraw", page_my_withdraw_post, VICTIM, 0, ROUTE_ESSENTIAL},
    {GET, "/my/erase", page_my_erase, VICTIM, 0, 0},
    {POST, "/my/erase", page_my_erase_post, VICTIM, 0, ROUTE_ESSENTIAL},
    {POST, "/my/logout", page_my_logout, VICTIM, 0, ROUTE_ESSENTIAL},
    /* victim API */
    {POST, "/api/v1/cases", api_cases_create, ACCESS_PUBLIC, API_REPORT_MAX, ROUTE_NO_CSRF},
    {POST, "/api/v1/receipt/session", api_receipt_session_create, ACCESS_PUBLIC, 0,
     ROUTE_NO_CSRF | ROUTE_ESSENTIAL},
    {DELETE, "/api/v1/receipt/session", api_receipt_session_delete, VICTIM, 0, ROUTE_ESSENTIAL},
    {GET, "/api/v1/my/case", api_my_case, VICTIM, 0, 0},
    {DELETE, "/api/v1/my/case", api_my_erase, VICTIM, 0, ROUTE_ESSENTIAL},
    {POST, "/api/v1/my/targets", api_my_targets, VICTIM, API_REPORT_MAX, 0},
    {POST, "/api/v1/my/messages", api_my_messages, VICTIM, 0, 0},
    {POST, "/api/v1/my/withdraw", api_my_withdraw, VICTIM, 0, ROUTE_ESSENTIAL},
    /* staff pages */
    {GET, "/staff/login", page_staff_login, ACCESS_PUBLIC, 0, 0},
    {POST, "/staff/login", page_staff_login_post, ACCESS_PUBLIC, 0, ROUTE_ESSENTIAL},
    {POST, "/staff/logout", page_staff_logout, STAFF, 0, ROUTE_ENROL | ROUTE_ESSENTIAL},
    {GET, "/staff", page_staff_queue, STAFF, 0, 0},
    {GET, "/staff/cases/{case}", page_staff_case, WORKERS, 0, 0},
    {POST, "/staff/cases/{case}/assign", page_staff_assign, WORKERS, 0, 0},
    {POST, "/staff/cases/{case}/notes", page_staff_note, WORKERS, 0, 0},
    {POST, "/staff/cases/{case}/messages", page_staff_message, WORKERS, 0, 0},
    {POST, "/staff/cases/{case}/incident", page_staff_case_incident, WORKERS, 0, 0},
    {GET, "/staff/cases/{case}/targets", page_staff_case_targets, WORKERS, 0, 0},
    {POST, "/staff/cases/{case}/targets", page_staff_case_targets_post, WORKERS, API_REPORT_MAX, 0},
    {POST, "/staff/targets/{id}/transition", page_staff_transition, WORKERS, 0, 0},
    {GET, "/staff/targets/{id}/notice", page_staff_notice, WORKERS, 0, 0},
    {GET, "/staff/files/{id}", case_file, WORKERS, 0, 0},
    {GET, "/staff/incidents", page_staff_incidents, WORKERS, 0, 0},
    {POST, "/staff/incidents", page_staff_incident_create, WORKERS, 0, 0},
    {GET, "/staff/incidents/{id}", page_staff_incident, WORKERS, 0, 0},
    {GET, "/staff/incidents/{id}/case", page_staff_center_case, WORKERS, 0, 0},
    {POST, "/staff/incidents/{id}/case", page_staff_center_case_post, WORKERS, API_REPORT_MAX, 0},
    {GET, "/staff/platforms", page_staff_platforms, STAFF, 0, 0},
    {GET, "/staff/desks", page_staff_desks, ADMIN, 0, 0},
    {POST, "/staff/desks", page_staff_desks_post, ADMIN, 0, 0},
    {POST, "/staff/desks/{platform}/revoke", page_staff_desk_revoke, ADMIN, 0, 0},
    {POST, "/staff/platforms/{id}", page_staff_platform_post, ADMIN, 0, 0},
    {POST, "/staff/routes/{id}", page_staff_route_post, ADMIN, 0, 0},
    {GET, "/staff/audit", page_staff_audit, ACCESS_AUDITOR | ACCESS_ADMIN, 0, 0},
    {GET, "/staff/stats", page_staff_stats, STAFF, 0, 0},
    {GET, "/staff/stats/platforms", page_staff_stats_platforms, STAFF, 0, 0},
    {POST, "/staff/targets/{id}/reupload", page_staff_reupload, WORKERS, 0, 0},
    {POST, "/staff/targets/{id}/check", page_staff_check, WORKERS, 0, 0},
    {POST, "/staff/cases/{case}/hold", page_staff_hold, WORKERS, 0, 0},
    {GET, "/staff/targets/{id}/visit-sheet", page_staff_visit_sheet, WORKERS, 0, 0},
    {GET, "/staff/totp", page_staff_totp, STAFF, 0, ROUTE_ENROL},
    {POST, "/staff/totp", page_staff_totp_post, STAFF, 0, ROUTE_ENROL},
    {GET, "/staff/settings", page_staff_settings, ADMIN, 0, 0},
    {POST, "/staff/settings", page_staff_settings_post, ADMIN, 0, 0},
    {GET, "/staff/people", page_staff_people, ADMIN, 0, 0},
    {POST, "/staff/people", page_staff_people_add, ADMIN, 0, 0},
    {POST, "/staff/people/totp", page_staff_people_totp, ADMIN, 0, 0},
    {GET, "/staff/people/{login}/disable", page_staff_person_disable, ADMIN, 0, 0},
    {POST, "/staff/people/{login}/disable", page_staff_person_disable_post, ADMIN, 0, 0},
    {GET, "/staff/people/{login}/reset", page_staff_person_reset, ADMIN, 0, 0},
    {POST, "/staff/people/{login}/reset", page_staff_person_reset_post, ADMIN, 0, 0},
    {POST, "/staff/people/{login}/digest", page_staff_person_digest_post, ADMIN, 0, 0},
    {GET, "/staff/intake", page_staff_intake, WORKERS, 0, 0},
    {POST, "/staff/intake", page_staff_intake_post, WORKERS, API_REPORT_MAX, 0},
    {GET, "/staff/intake/receipt", page_staff_intake_receipt, WORKERS, 0, 0},
    /* staff API */
    {POST, "/api/v1/staff/session", api_staff_session_create, ACCESS_PUBLIC, 0,
     ROUTE_NO_CSRF | ROUTE_ESSENTIAL},
    {DELETE, "/api/v1/staff/session", api_staff_session_delete, STAFF, 0,
     ROUTE_ENROL | ROUTE_ESSENTIAL},
    {GET, "/api/v1/staff/me", api_staff_me, STAFF, 0, ROUTE_ENROL},
    {POST, "/api/v1/staff/totp", api_staff_totp_begin, STAFF, 0, ROUTE_ENROL},
    {POST, "/api/v1/staff/totp/confirm", api_staff_totp_confirm, STAFF, 0, ROUTE_ENROL},
    {GET, "/api/v1/admin/staff", api_admin_staff_list, ADMIN, 0, 0},
    {POST, "/api/v1/admin/staff", api_admin_staff_add, ADMIN, 0, 0},
    {POST, "/api/v1/admin/staff/{login}/disable", api_admin_staff_disable, ADMIN, 0, 0},
    {PUT, "/api/v1/admin/staff/{login}/digest", api_admin_staff_digest, ADMIN, 0, 0},
    {PUT, "/api/v1/admin/settings", api_admin_settings, ADMIN, 0, 0},
    {PUT, "/api/v1/admin/staff/{login}/password", api_admin_reset_password, ADMIN, 0, 0},
    {PUT, "/api/v1/admin/platforms/{id}", api_admin_platform, ADMIN, 0, 0},
    {PUT, "/api/v1/admin/routes/{id}", api_admin_route, ADMIN, 0, 0},
    /* casework API */
    {GET, "/api/v1/staff/cases", api_staff_cases, WORKERS, 0, 0},
    {POST, "/api/v1/staff/intake", api_staff_intake, WORKERS, API_REPORT_MAX, 0},
    {GET, "/api/v1/staff/cases/{case}", api_staff_case, WORKERS, 0, 0},
    {POST, "/api/v1/staff/cases/{case}/assign", api_staff_assign, WORKERS, 0, 0},
    {POST, "/api/v1/staff/cases/{case}/notes", api_staff_note, WORKERS, 0, 0},
    {POST, "/api/v1/staff/cases/{case}/messages", api_staff_message, WORKERS, 0, 0},
    {POST, "/api/v1/staff/cases/{case}/incident", api_staff_case_incident, WORKERS, 0, 0},
    {POST, "/api/v1/staff/cases/{case}/targets", api_staff_case_targets, WORKERS, API_REPORT_MAX,
     0},
    {POST, "/api/v1/staff/targets/{id}/transition", api_staff_transition, WORKERS, 0, 0},
    {GET | POST, "/api/v1/staff/targets/{id}/notice", api_staff_notice, WORKERS, 0, 0},
    {GET, "/api/v1/staff/files/{id}", case_file, WORKERS, 0, 0},
    {GET, "/api/v1/staff/incidents", api_staff_incidents, WORKERS, 0, 0},
    {POST, "/api/v1/staff/incidents", api_staff_incident_create, WORKERS, 0, 0},
    {GET, "/api/v1/staff/incidents/{id}", api_staff_incident, WORKERS, 0, 0},
    {POST, "/api/v1/staff/incidents/{id}/case", api_staff_incident_case, WORKERS, API_REPORT_MAX,
     0},
    {GET, "/api/v1/registry", api_registry, STAFF, 0, 0},
    {GET, "/api/v1/stats", api_stats, STAFF, 0, 0},
    {GET, "/api/v1/stats/platforms", api_stats_platforms, STAFF, 0, 0},
    {GET, "/api/v1/stats/platforms.csv", api_stats_platforms_csv, STAFF, 0, 0},
    {POST, "/api/v1/staff/targets/{id}/reupload", api_staff_reupload, WORKERS, 0, 0},
    {POST, "/api/v1/staff/targets/{id}/check", api_staff_check, WORKERS, 0, 0},
    {POST, "/api/v1/staff/cases/{case}/hold", api_staff_hold, WORKERS, 0, 0},
    {GET, "/api/v1/staff/targets/{id}/visit-sheet", api_staff_visit_sheet, WORKERS, 0, 0},
    {GET, "/api/v1/audit", api_audit, ACCESS_AUDITOR | ACCESS_ADMIN, 0, 0},
    {GET, "/api/v1/openapi.json", api_openapi, ACCESS_PUBLIC, 0, 0},
    /* operations */
    {GET, "/api/platform/v1/notices", api_desk_notices, ACCESS_PLATFORM, 0, 0},
    {GET, "/api/platform/v1/notices/{id}", api_desk_notice, ACCESS_PLATFORM, 0, 0},
    {POST, "/api/platform/v1/notices/{id}/ack", api_desk_ack, ACCESS_PLATFORM, 0, 0},
    {POST, "/api/platform/v1/notices/{id}/needs-info", api_desk_needs_info, ACCESS_PLATFORM, 0, 0},
    {POST, "/api/platform/v1/notices/{id}/decision", api_desk_decision, ACCESS_PLATFORM, 0, 0},
    {POST, "/api/platform/v1/notices/{id}/reuploads", api_desk_reupload, ACCESS_PLATFORM, 0, 0},
    {GET, "/healthz", ops_healthz, ACCESS_PUBLIC, 0, 0},
    {GET, "/readyz", ops_readyz, ACCESS_PUBLIC, 0, 0},
    {GET, "/metrics", ops_metrics, ACCESS_PUBLIC, 0, 0},
    /* Only with --debug-routes: marked ROUTE_DEBUG, and kept last (routes_table checks both). */
    {GET | POST, "/debug/slow", debug_slow, ACCESS_PUBLIC, 0, ROUTE_DEBUG},
    {POST, "/debug/echo", debug_echo, ACCESS_PUBLIC, 0, ROUTE_NO_CSRF | ROUTE_DEBUG},
    {POST, "/api/v1/debug/echo", debug_echo, ACCESS_PUBLIC, 0, ROUTE_NO_CSRF | ROUTE_DEBUG},
    {POST, "/debug/clock", debug_clock, ACCESS_PUBLIC, 0, ROUTE_NO_CSRF | ROUTE_DEBUG},
    {POST, "/debug/release", debug_release, ACCESS_PUBLIC, 0, ROUTE_NO_CSRF | ROUTE_DEBUG},
    {GET, "/debug/routes", debug_routes, ACCESS_PUBLIC, 0, ROUTE_DEBUG},
    {GET, "/debug/connection", debug_connection, ACCESS_PUBLIC, 0, ROUTE_DEBUG},
    {POST, "/debug/tick", debug_tick, ACCESS_PUBLIC, 0, ROUTE_NO_CSRF | ROUTE_DEBUG},
    {POST, "/debug/io-fault", debug_io_fault, ACCESS_PUBLIC, 0, ROUTE_NO_CSRF | ROUTE_DEBUG},
};

const Route *routes_table(int debug, size_t *n)
{
    /* The routes up to the first ROUTE_DEBUG one; one out of place, or a debug path not marked,
     * is a bug that would serve a test route to everyone: refuse to start. */
    size_t all = sizeof table / sizeof table[0], first_debug = all;
    for (size_t i = 0; i < all; i++) {
        int marked = (table[i].flags & ROUTE_DEBUG) != 0;
        int named = strstr(table[i].pattern, "/debug/") != NULL;
        if (marked != named || (!marked && first_debug < all)) {
            fprintf(stderr, "routes: %s is misplaced or mismarked as a debug route\n",
                    table[i].pattern);
            abort();
        }
        if (marked && first_debug == all)
            first_debug = i;
    }
    *n = debug ? all : first_debug;
    return table;
}
