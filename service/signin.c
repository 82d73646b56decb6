/* Both sign-ins in one shape: limiters checked on the HTTP thread and the attempt counted as a
 * failure before the slow check, Argon2id on a worker, a success forgiven, the reply (a page or
 * JSON) on resume. The session cookie is set and cleared only here. */
#include "signin.h"

#include "auth.h"
#include "clock.h"
#include "log.h"
#include "ratelimit.h"
#include "results.h"
#include "staff.h"
#include "vault.h"
#include "victim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Per account: --staff-tries-per-account (5) free failures, then --staff-wait-ms (1 s) doubling up
 * to --staff-wait-max-ms (15 min). Per address: --staff-tries-per-address (20), same curve. */
static RateLimit *by_account, *by_address;
/* Receipts: --receipt-tries-per-address (5) wrong per address, then a doubling wait from 2 s up to
 * an hour; overall --receipt-rate (20) tries a second (about what two cores of Argon2id can do)
 * with bursts of --receipt-burst (40). */
static RateLimit *receipt_by_address;
static TokenBucket *receipt_overall;

void signin_init(const Limits *limits)
{
    unsigned wait = limits->staff_wait_ms, wait_max = limits->staff_wait_max_ms;
    by_account = ratelimit_new(limits->staff_per_account, wait, wait_max, 60 * 60 * 1000);
    by_address = ratelimit_new(limits->staff_per_address, wait, wait_max, 60 * 60 * 1000);
    receipt_by_address =
        ratelimit_new(limits->receipt_per_address, 2000, 60 * 60 * 1000, 24 * 60 * 60 * 1000);
    receipt_overall = tokenbucket_new((double)limits->receipt_rate, (double)limits->receipt_burst);
}

void signin_shutdown(void)
{
    ratelimit_free(by_account);
    ratelimit_free(by_address);
    ratelimit_free(receipt_by_address);
    tokenbucket_free(receipt_overall);
}

/* ---- the session cookie ---- */

void signin_set_cookie(Request *req, const char *cookie)
{
    char set[256];
    snprintf(set, sizeof set, "%s=%s; Path=/; HttpOnly; SameSite=Strict%s", SESSION_COOKIE, cookie,
             req->is_tls ? "; Secure" : "");
    http_set_header(req, "Set-Cookie", set);
    vault_wipe(set, sizeof set);
}

void signin_clear_cookie(Request *req)
{
    http_set_header(req, "Set-Cookie",
                    SESSION_COOKIE "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
}

StoreStatus signin_end(Request *req)
{
    StoreStatus st = req->session ? session_destroy(req->session) : STORE_OK;
    signin_clear_cookie(req);
    return st;
}

/* A locked copy of s cut to max bytes (a longer one is wrong anyway, and still costs the check). */
static char *secret_copy(const char *s, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    if (n > max)
        n = max;
    char *copy = vault_secret_alloc(n + 1);
    memcpy(copy, s ? s : "", n);
    copy[n] = '\0';
    return copy;
}

/* Which page a refused sign-in shows again: none (an error page), the staff's or the receipt's. */
typedef enum SigninPage { PAGE_NONE, PAGE_STAFF, PAGE_RECEIPT } SigninPage;

/* A refusal: JSON for the API; for a page its form again with the message and what was typed
 * kept (the staff's login, or the receipt as typed: this page is never cached). */
static int refuse(Request *req, ResultReply rr, SigninPage page, const char *login)
{
    results_headers(req, rr);
    if (req->is_api || page == PAGE_NONE)
        return http_reply_error(req, rr.status, rr.code, rr.key, rr.field);
    if (page == PAGE_STAFF)
        return signin_form(req, rr.status, login, rr.key);
    return signin_receipt_form(req, rr.status, rr.key, login);
}

/* 429 with Retry-After (a receipt page shows the error page, the staff page its form). */
static int too_many(Request *req, unsigned wait, SigninPage page)
{
    char ra[16];
    snprintf(ra, sizeof ra, "%u", wait ? wait : 1);
    http_set_header(req, "Retry-After", ra);
    return refuse(req, (ResultReply){429, "rate_limited", "error.rate_limited", NULL}, page, NULL);
}

/* ---- staff: login, password, TOTP ---- */

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

/* The result as the caller sees it: a page or JSON. */
static void signin_reply(Request *req, SignIn *si, StaffResult r, const char *cookie,
                         const char *csrf)
{
    if (r == STAFF_OK || r == STAFF_TOTP_ENROL) {
        signin_set_cookie(req, cookie);
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
    refuse(req, results_of_sign_in(r), PAGE_STAFF, si->login);
}

static void signin_job(Request *req)
{
    SignIn *si = req->ctx;
    char cookie[SESSION_COOKIE_MAX] = "", csrf[65] = "";
    StaffResult r = staff_sign_in(si->login, si->password, si->totp, clock_now(), cookie, csrf);
    char ka[64], kb[80];
    key_account(si->login, ka);
    key_address(req->client_net, kb);
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
    key_address(req->client_net, kb);
    int64_t now = clock_now_ms();
    /* Counted before the slow check, each in the step that checks it, so parallel guesses cannot
     * slip past the limit; a count the other limit refused is given back. */
    unsigned wa = ratelimit_take(by_account, ka, now);
    unsigned wb = ratelimit_take(by_address, kb, now);
    if (wa || wb) {
        if (!wa)
            ratelimit_forgive(by_account, ka);
        if (!wb)
            ratelimit_forgive(by_address, kb);
        return too_many(req, wa > wb ? wa : wb, PAGE_STAFF);
    }
    SignIn *si = xcalloc(1, sizeof *si);
    snprintf(si->login, sizeof si->login, "%.*s", STAFF_LOGIN_MAX, login);
    si->password = secret_copy(password, STAFF_PASSWORD_MAX);
    snprintf(si->totp, sizeof si->totp, "%s", totp ? totp : "");
    snprintf(si->next, sizeof si->next, "%s", local_next(next) ? next : "");
    req->ctx = si;
    req->ctx_free = signin_free;
    return http_run_slow(req, signin_job);
}

/* ---- victims: the receipt ---- */

/* req->ctx of a receipt sign-in: what was typed, in locked memory. */
static void receipt_free(void *p)
{
    vault_secret_free(p);
}

static void key_receipt(const char *client, char out[96])
{
    snprintf(out, 96, "r:%s", client);
}

/* The follow-up page: sign in with the receipt. */
int signin_receipt_form(Request *req, int status, const char *error_key, const char *typed)
{
    json_t *ctx =
        json_pack("{s:s, s:s}", "title_key", "follow.title", "csrf", auth_form_token(req));
    if (error_key)
        json_object_set_new(ctx, "error_key", json_string(error_key));
    json_t *kept = typed ? json_string(typed) : NULL; /* NULL for bytes that are not UTF-8 */
    if (kept)
        json_object_set_new(ctx, "typed", kept);
    return http_reply_page(req, status, "follow_up", ctx);
}

/* The result as the caller sees it: the status page or JSON. */
static void receipt_reply(Request *req, VictimResult r, const char *cookie, const char *csrf)
{
    if (r == VICTIM_OK) {
        signin_set_cookie(req, cookie);
        if (req->is_api)
            http_reply_json(req, 200, json_pack("{s:s}", "csrf", csrf));
        else
            http_reply_redirect(req, 303, "/my");
        return;
    }
    refuse(req, results_of_receipt(r), PAGE_RECEIPT, req->ctx);
}

static void receipt_job(Request *req)
{
    const char *typed = req->ctx;
    char cookie[SESSION_COOKIE_MAX] = "", csrf[65] = "";
    VictimResult r = victim_sign_in(typed, clock_now(), cookie, csrf);
    /* Counted as wrong before it ran; take it back when the receipt was not wrong. */
    if (r != VICTIM_BAD_RECEIPT) {
        char key[96];
        key_receipt(req->client_net, key);
        ratelimit_forgive(receipt_by_address, key);
    }
    receipt_reply(req, r, cookie, csrf);
    vault_wipe(cookie, sizeof cookie);
}

int signin_receipt_start(Request *req, const char *typed)
{
    char key[96];
    key_receipt(req->client_net, key);
    int64_t now = clock_now_ms();
    /* Counted as wrong before the slow check, in the step that checks it, so parallel guesses
     * cannot slip past the limit; given back when the overall rate has no token. */
    unsigned wait = ratelimit_take(receipt_by_address, key, now);
    if (!wait && (wait = tokenbucket_take(receipt_overall, now)) != 0)
        ratelimit_forgive(receipt_by_address, key);
    if (wait)
        return too_many(req, wait, PAGE_NONE);
    req->ctx = secret_copy(typed, 200);
    req->ctx_free = receipt_free;
    return http_run_slow(req, receipt_job);
}
