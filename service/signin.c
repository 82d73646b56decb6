/* Staff sign-in: limiter checks on the HTTP thread, Argon2id on a worker, the reply on resume. */
#include "signin.h"

#include "auth.h"
#include "clock.h"
#include "log.h"
#include "ratelimit.h"
#include "staff.h"
#include "vault.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Per account: 5 free failures, then 1 s doubling up to 15 min. Per address: 20, same curve. */
static RateLimit *by_account, *by_address;

void signin_init(void)
{
    by_account = ratelimit_new(5, 1000, 15 * 60 * 1000, 60 * 60 * 1000);
    by_address = ratelimit_new(20, 1000, 15 * 60 * 1000, 60 * 60 * 1000);
}

void signin_shutdown(void)
{
    ratelimit_free(by_account);
    ratelimit_free(by_address);
}

typedef struct SignIn {
    char login[STAFF_LOGIN_MAX + 1];
    char *password; /* owned, locked */
    char totp[16];
    char next[256];
} SignIn;

static void signin_free(void *p)
{
    SignIn *s = p;
    if (!s)
        return;
    vault_secret_free(s->password);
    vault_wipe(s->totp, sizeof s->totp);
    free(s);
}

static void key_account(const char *login, char out[64])
{
    snprintf(out, 64, "a:%s", login);
}

static void key_address(const char *client, char out[80])
{
    snprintf(out, 80, "ip:%s", client);
}

/* The sign-in page, with what was typed and why it was refused (page_staff_login shows it too). */
int signin_form(Request *req, int status, const char *login, const char *error_key)
{
    json_t *ctx =
        json_pack("{s:s, s:s}", "title_key", "staff.login.title", "csrf", auth_form_token(req));
    if (login)
        json_object_set_new(ctx, "login", json_string(login));
    if (error_key)
        json_object_set_new(ctx, "error_key", json_string(error_key));
    const char *next = http_query(req, "next");
    if (!next)
        next = http_form(req, "next");
    if (next)
        json_object_set_new(ctx, "next", json_string(next));
    return http_reply_page(req, status, "staff_login", ctx);
}

static int too_many(Request *req, unsigned wait)
{
    char ra[16];
    snprintf(ra, sizeof ra, "%u", wait);
    http_set_header(req, "Retry-After", ra);
    if (req->is_api)
        return http_reply_error(req, 429, "rate_limited", "error.rate_limited", NULL);
    return signin_form(req, 429, NULL, "error.rate_limited");
}

/* The result as the caller sees it: a page or JSON. */
static void signin_reply(Request *req, SignIn *si, StaffResult r, const char *cookie,
                         const char *csrf)
{
    if (r == STAFF_OK || r == STAFF_TOTP_ENROL) {
        char set[256];
        snprintf(set, sizeof set, "%s=%s; Path=/; HttpOnly; SameSite=Strict%s", SESSION_COOKIE,
                 cookie, req->is_tls ? "; Secure" : "");
        http_set_header(req, "Set-Cookie", set);
        if (req->is_api) {
            http_reply_json(req, 200,
                            json_pack("{s:s, s:s, s:b}", "csrf", csrf, "login", si->login,
                                      "totp_enrolment_required", r == STAFF_TOTP_ENROL));
        } else {
            const char *next = r == STAFF_TOTP_ENROL ? "/staff/totp" : si->next;
            http_reply_redirect(req, 303, next[0] ? next : "/staff");
        }
        return;
    }
    const char *code = "bad_credentials", *key = "error.bad_credentials", *field = NULL;
    int status = 401;
    if (r == STAFF_TOTP_REQUIRED)
        code = "totp_required", key = "error.totp_required", field = "totp";
    else if (r == STAFF_TOTP_BAD)
        code = "totp_bad", key = "error.totp_bad", field = "totp";
    else if (r == STAFF_BUSY) {
        code = "busy", key = "error.busy", status = 503;
        http_set_header(req, "Retry-After", "1");
    } else if (r != STAFF_BAD_CREDENTIALS)
        code = "internal", key = "error.internal", status = 500;
    if (req->is_api)
        http_reply_error(req, status, code, key, field);
    else
        signin_form(req, status, si->login, key);
}

static void signin_job(Request *req)
{
    SignIn *si = req->ctx;
    char cookie[SESSION_COOKIE_MAX] = "", csrf[65] = "";
    StaffResult r = staff_sign_in(si->login, si->password, si->totp, clock_now(), cookie, csrf);
    char ka[64], kb[80];
    key_account(si->login, ka);
    key_address(req->client, kb);
    /* Each attempt was counted as a failure before it ran; take it back when it was not one. */
    if (r == STAFF_OK || r == STAFF_TOTP_ENROL) {
        ratelimit_clear(by_account, ka);
        ratelimit_forgive(by_address, kb);
    } else if (r == STAFF_BAD_CREDENTIALS || r == STAFF_TOTP_BAD) {
        log_info("req=%s sign-in refused", req->id_str);
    } else {
        ratelimit_forgive(by_account, ka);
        ratelimit_forgive(by_address, kb);
    }
    signin_reply(req, si, r, cookie, csrf);
    vault_wipe(cookie, sizeof cookie);
}

static int local_next(const char *p)
{
    return p && p[0] == '/' && p[1] != '/' && p[1] != '\\' && strlen(p) < 200 &&
           strncmp(p, "/staff", 6) == 0 && !strpbrk(p, "\r\n\\");
}

int signin_start(Request *req, const char *login, const char *password, const char *totp,
                 const char *next)
{
    if (!login || !password || !*login || !*password) {
        if (req->is_api)
            return http_reply_error(req, 400, "missing", "error.missing",
                                    !login || !*login ? "login" : "password");
        return signin_form(req, 400, login, "error.missing");
    }
    if (strlen(password) > STAFF_PASSWORD_MAX || (totp && strlen(totp) > 10))
        return req->is_api ? http_reply_error(req, 400, "too_long", "error.too_long", NULL)
                           : signin_form(req, 400, NULL, "error.bad_credentials");
    char ka[64], kb[80];
    key_account(login, ka);
    key_address(req->client, kb);
    int64_t now = clock_now_ms();
    unsigned wa = ratelimit_wait(by_account, ka, now);
    unsigned wb = ratelimit_wait(by_address, kb, now);
    if (wa || wb)
        return too_many(req, wa > wb ? wa : wb);
    /* Counted before the slow check, so parallel guesses cannot all slip past the limit. */
    ratelimit_fail(by_account, ka, now);
    ratelimit_fail(by_address, kb, now);
    SignIn *si = xcalloc(1, sizeof *si);
    snprintf(si->login, sizeof si->login, "%.*s", STAFF_LOGIN_MAX, login);
    size_t n = strlen(password);
    si->password = vault_secret_alloc(n + 1);
    memcpy(si->password, password, n + 1);
    snprintf(si->totp, sizeof si->totp, "%s", totp ? totp : "");
    snprintf(si->next, sizeof si->next, "%s", local_next(next) ? next : "");
    req->ctx = si;
    req->ctx_free = signin_free;
    return http_run_slow(req, signin_job);
}
