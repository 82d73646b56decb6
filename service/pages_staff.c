/* Staff pages: sign-in, home, sign-out, TOTP enrolment, admin settings. */
#include "handlers.h"

#include "auth.h"
#include "clock.h"
#include "qr.h"
#include "results.h"
#include "signin.h"
#include "staff.h"
#include "store_staff.h"

#include <string.h>

int page_staff_login(Request *req)
{
    if (req->session && strcmp(req->session->kind, "staff") == 0)
        return http_reply_redirect(req, 303, "/staff");
    return signin_form(req, 200, NULL, NULL);
}

int page_staff_login_post(Request *req)
{
    return signin_start(req, http_form(req, "login"), http_form(req, "password"),
                        http_form(req, "totp"), http_form(req, "next"));
}

int page_staff_logout(Request *req)
{
    signin_end(req);
    return http_reply_redirect(req, 303, "/staff/login");
}

/* The context every signed-in staff page starts from. */
json_t *page_staff_ctx(Request *req, const char *title_key)
{
    Session *s = req->session;
    return json_pack("{s:s, s:s, s:s, s:s, s:o, s:b, s:b}", "title_key", title_key, "csrf", s->csrf,
                     "login", s->login, "role", s->role, "role_key",
                     json_sprintf("cw.role.%s", s->role), "is_admin", strcmp(s->role, "admin") == 0,
                     "is_auditor", strcmp(s->role, "auditor") == 0);
}

static int totp_page(Request *req, int status, const char *error_key)
{
    char uri[256], secret[64];
    StaffResult r = staff_totp_begin(req->session, uri, secret);
    if (r != STAFF_OK) /* 503 when the disk refused the pending secret, else 500 */
        return results_reply(req, results_of_totp(r));
    json_t *ctx = page_staff_ctx(req, "staff.totp.title");
    json_object_set_new(ctx, "secret", json_string(secret));
    json_object_set_new(ctx, "qr", qr_matrix(uri));
    json_object_set_new(ctx, "must_enrol", json_boolean(req->session->must_enrol));
    json_object_set_new(ctx, "enrolled", json_boolean(staff_totp_enrolled(req->session)));
    if (error_key)
        json_object_set_new(ctx, "error_key", json_string(error_key));
    return http_reply_page(req, status, "staff_totp", ctx);
}

int page_staff_totp(Request *req)
{
    return totp_page(req, 200, NULL);
}

int page_staff_totp_post(Request *req)
{
    StaffResult r = staff_totp_confirm(req->session, http_form(req, "code"),
                                       http_form(req, "current"), clock_now());
    if (r == STAFF_OK)
        return http_reply_redirect(req, 303, "/staff?totp=on");
    /* A wrong code shows a fresh secret: the old one was only ever pending. */
    return totp_page(req, 422, results_of_totp(r).key);
}

static int settings_page(Request *req, int status, int saved)
{
    OrgRow org = {0};
    StoreConn *c = store_conn();
    if (!c || store_org_get(c, &org) != STORE_OK) {
        org_row_free(&org);
        return http_reply_error(req, 500, "internal", "error.internal", NULL);
    }
    json_t *ctx = page_staff_ctx(req, "staff.settings.title");
    json_object_set_new(ctx, "require_totp", json_boolean(org.require_totp));
    json_object_set_new(ctx, "saved", json_boolean(saved));
    org_row_free(&org);
    return http_reply_page(req, status, "staff_settings", ctx);
}

int page_staff_settings(Request *req)
{
    return settings_page(req, 200, 0);
}

int page_staff_settings_post(Request *req)
{
    const char *v = http_form(req, "require_totp");
    int on = v && strcmp(v, "on") == 0;
    StaffResult r = staff_require_totp(req->session, on, clock_now());
    if (r != STAFF_OK)
        return results_reply(req, results_of_account(r));
    return settings_page(req, 200, 1);
}
