/* Staff accounts over JSON: the session, me, TOTP, and the admin endpoints. */
#include "handlers.h"

#include "auth.h"
#include "clock.h"
#include "qr.h"
#include "render.h"
#include "results.h"
#include "signin.h"
#include "staff.h"
#include "store_staff.h"
#include "vault.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A string member of the JSON body, or NULL. */
static const char *json_str(Request *req, const char *key)
{
    json_t *v = req->json ? json_object_get(req->json, key) : NULL;
    return json_is_string(v) ? json_string_value(v) : NULL;
}

int api_staff_session_create(Request *req)
{
    return signin_start(req, json_str(req, "login"), json_str(req, "password"),
                        json_str(req, "totp"), NULL);
}

int api_staff_session_delete(Request *req)
{
    signin_end(req);
    return http_reply_json(req, 200, json_pack("{s:b}", "signed_out", 1));
}

int api_staff_me(Request *req)
{
    Session *s = req->session;
    return http_reply_json(req, 200,
                           json_pack("{s:s, s:s, s:s, s:b}", "login", s->login, "role", s->role,
                                     "csrf", s->csrf, "totp_enrolment_required", s->must_enrol));
}

/* Renders the QR code of text as an SVG string through the escaping renderer. */
static json_t *api_qr_svg(const char *text, const char *lang)
{
    json_t *m = qr_matrix(text);
    if (!m)
        return NULL;
    Buf svg = {0};
    json_t *ctx = json_pack("{s:o}", "qr", m);
    int rc = render_template("partials/qr", ctx, lang, &svg);
    json_decref(ctx);
    json_t *out = rc == 0 ? json_string(svg.data) : NULL;
    buf_free(&svg);
    return out;
}

int api_staff_totp_begin(Request *req)
{
    char uri[256], secret[64];
    StaffResult r = staff_totp_begin(req->session, uri, secret);
    if (r != STAFF_OK) /* 503 when the disk refused the pending secret, else 500 */
        return results_reply(req, results_of_totp(r));
    json_t *svg = api_qr_svg(uri, req->lang);
    return http_reply_json(req, 200,
                           json_pack("{s:s, s:s, s:o}", "secret", secret, "uri", uri, "qr_svg",
                                     svg ? svg : json_null()));
}

int api_staff_totp_confirm(Request *req)
{
    StaffResult r = staff_totp_confirm(req->session, json_str(req, "code"),
                                       json_str(req, "current"), clock_now());
    if (r != STAFF_OK)
        return results_reply(req, results_of_totp(r));
    return http_reply_json(req, 200, json_pack("{s:b}", "totp_enabled", 1));
}

int api_admin_settings(Request *req)
{
    json_t *v = req->json ? json_object_get(req->json, "require_totp") : NULL;
    if (!json_is_boolean(v))
        return http_reply_error(req, 422, "invalid", "error.invalid", "require_totp");
    StaffResult r = staff_require_totp(req->session, json_is_true(v), clock_now());
    if (r != STAFF_OK)
        return results_reply(req, results_of_account(r));
    return http_reply_json(req, 200, json_pack("{s:b}", "require_totp", json_is_true(v)));
}

static void list_row(void *arg, int64_t id, const char *login, const char *role, int disabled,
                     int totp)
{
    (void)id;
    json_array_append_new(arg, json_pack("{s:s, s:s, s:b, s:b}", "login", login, "role", role,
                                         "disabled", disabled, "totp", totp));
}

void staff_rows_add_digest(json_t *rows, const char *key, const char *login, const char *email)
{
    size_t i;
    json_t *o;
    json_array_foreach(rows, i, o)
    {
        if (strcmp(json_string_value(json_object_get(o, key)), login) == 0)
            json_object_set_new(o, "digest", json_string(email));
    }
}

static void list_digest(void *arg, const char *login, const char *email)
{
    staff_rows_add_digest(arg, "login", login, email);
}

int api_admin_staff_list(Request *req)
{
    json_t *rows = json_array();
    StoreConn *c = store_conn();
    if (!c || store_staff_list(c, list_row, rows) != STORE_OK ||
        store_staff_digests(c, list_digest, rows) != STORE_OK) {
        json_decref(rows);
        return http_reply_error(req, 500, "internal", "error.internal", NULL);
    }
    return http_reply_json(req, 200, json_pack("{s:o}", "staff", rows));
}

typedef struct Reset {
    char login[STAFF_LOGIN_MAX + 1];
    char *password; /* owned, locked */
} Reset;

static void reset_free(void *p)
{
    Reset *r = p;
    vault_secret_free(r->password);
    free(r);
}

/* Argon2id for the new wrap runs in the slow-work pool. */
static void reset_job(Request *req)
{
    Reset *r = req->ctx;
    StaffResult res = staff_reset_password(req->session, r->login, r->password,
                                           vault_pw_cost_default(), clock_now());
    if (res == STAFF_OK)
        http_reply_json(req, 200, json_pack("{s:s, s:b}", "login", r->login, "reset", 1));
    else
        results_reply(req, results_of_account(res));
}

/* An admin sets a new password for another account from a live session (DESIGN section 3: the
 * admin's session holds the org key, which is sealed to the account's new keys). The account's
 * sessions end, its TOTP is cleared, and a disabled account is refused (409). */
int api_admin_reset_password(Request *req)
{
    json_t *v = json_object_get(req->json, "password");
    const char *pw = json_is_string(v) ? json_string_value(v) : NULL;
    if (!staff_password_valid(pw))
        return http_reply_error(req, 422, "invalid", "error.password_rules", "password");
    const char *login = http_param(req, "login");
    if (!staff_login_valid(login))
        return results_reply(req, results_of_account(STAFF_NOT_FOUND));
    Reset *r = xcalloc(1, sizeof *r);
    snprintf(r->login, sizeof r->login, "%s", login);
    size_t n = strlen(pw);
    r->password = vault_secret_alloc(n + 1);
    memcpy(r->password, pw, n + 1);
    req->ctx = r;
    req->ctx_free = reset_free;
    return http_run_slow(req, reset_job);
}

/* ---- adding and disabling accounts (the people page and takedownctl do the same) ---- */

typedef struct Account {
    char login[STAFF_LOGIN_MAX + 1];
    char role[16];
    char *admin_password; /* owned, locked */
    char *password;       /* owned, locked: a new account's password, answered once */
} Account;

static void account_free(void *p)
{
    Account *a = p;
    vault_secret_free(a->admin_password);
    if (a->password)
        vault_secret_free(a->password);
    free(a);
}

/* The job's context, with the admin's own password from the body (refused when absent). */
static Account *account_job(Request *req, const char *login)
{
    const char *apw = json_str(req, "admin_password");
    if (!apw)
        return NULL;
    Account *a = xcalloc(1, sizeof *a);
    snprintf(a->login, sizeof a->login, "%s", login);
    size_t n = strlen(apw);
    a->admin_password = vault_secret_alloc(n + 1);
    memcpy(a->admin_password, apw, n + 1);
    req->ctx = a;
    req->ctx_free = account_free;
    return a;
}

static void add_job(Request *req)
{
    Account *a = req->ctx;
    StaffResult r = staff_add(req->session->login, a->admin_password, a->role, a->login,
                              a->password, vault_pw_cost_default(), clock_now());
    if (r == STAFF_OK)
        http_reply_json(req, 201,
                        json_pack("{s:s, s:s, s:s}", "login", a->login, "role", a->role, "password",
                                  a->password));
    else
        results_reply(req, results_of_account(r));
}

/* A new account with a password made here and answered once; the admin's own password unlocks
 * the org key that is sealed to the new account (as takedownctl user add). */
int api_admin_staff_add(Request *req)
{
    const char *login = json_str(req, "login");
    const char *role = json_str(req, "role");
    if (!staff_login_valid(login))
        return results_reply(req, results_of_account(STAFF_BAD_LOGIN));
    if (!staff_role_valid(role))
        return results_reply(req, results_of_account(STAFF_BAD_ROLE));
    Account *a = account_job(req, login);
    if (!a)
        return http_reply_error(req, 422, "missing", "error.missing", "admin_password");
    snprintf(a->role, sizeof a->role, "%s", role);
    char pw[STAFF_NEW_PASSWORD_TEXT];
    staff_password_new(pw);
    a->password = vault_secret_alloc(sizeof pw);
    memcpy(a->password, pw, sizeof pw);
    vault_wipe(pw, sizeof pw);
    return http_run_slow(req, add_job);
}

static void disable_job(Request *req)
{
    Account *a = req->ctx;
    StaffResult r = staff_disable(req->session->login, a->admin_password, a->login, clock_now());
    if (r == STAFF_OK)
        http_reply_json(req, 200, json_pack("{s:s, s:b}", "login", a->login, "disabled", 1));
    else
        results_reply(req, results_of_account(r));
}

/* Disables an account: its key wrap, org seal, TOTP secrets and sessions go at once. */
int api_admin_staff_disable(Request *req)
{
    const char *login = http_param(req, "login");
    if (!staff_login_valid(login))
        return results_reply(req, results_of_account(STAFF_NOT_FOUND));
    if (!account_job(req, login))
        return http_reply_error(req, 422, "missing", "error.missing", "admin_password");
    return http_run_slow(req, disable_job);
}

/* PUT {"email": "..."} sets where the account's daily digest goes; null or "" stops it. */
int api_admin_staff_digest(Request *req)
{
    json_t *v = req->json ? json_object_get(req->json, "email") : NULL;
    if (!req->json || !v || (!json_is_string(v) && !json_is_null(v)))
        return http_reply_error(req, 422, "invalid", "error.invalid", "email");
    const char *login = http_param(req, "login");
    StaffResult r = staff_set_digest(req->session, login, json_string_value(v), clock_now());
    if (r != STAFF_OK)
        return results_reply(req, results_of_account(r));
    const char *e = json_string_value(v);
    return http_reply_json(req, 200,
                           json_pack("{s:s, s:s?}", "login", login, "digest", e && *e ? e : NULL));
}
