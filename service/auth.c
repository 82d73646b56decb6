/* The gate: session, roles, CSRF. Every staff and victim route goes through auth_gate, so the
 * rules live in one place and a route's access bits are the whole story. */
#include "auth.h"

#include "clock.h"
#include "desk.h"
#include "guard.h"
#include "keyring.h"
#include "log.h"
#include "reserve.h"
#include "results.h"
#include "store.h"
#include "store_registry.h"
#include "uploads.h"
#include "vault.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define ANON_CSRF_COOKIE "td_csrf"

/* The anonymous form token is a MAC of the td_csrf cookie under this key, so a token is good only
 * with the cookie it was made for, and a client (or anyone who can plant a cookie) cannot make a
 * pair. Random per process on SQLite: forms older than a restart are refused once and shown
 * again. On PostgreSQL, where several nodes serve one site, one key for all of them, kept in the
 * database (docs/decisions.md: a form shown by one node is posted to another). */
static unsigned char *anon_csrf_key; /* owned, locked */

#define FORM_KEY_SETTING "form_token_key"

/* The nodes' shared key: the first node to start makes it. 0, or -1 (the caller's random key
 * stays, and forms work on this node only). */
static int shared_form_key(void)
{
    StoreConn *c = store_conn();
    char hex[VAULT_HEX_KEY_TEXT];
    vault_to_hex(anon_csrf_key, VAULT_KEY_BYTES, hex);
    int ok = c && store_meta_add(c, FORM_KEY_SETTING, hex) == STORE_OK &&
             store_meta_get(c, FORM_KEY_SETTING, hex, sizeof hex) == STORE_OK &&
             vault_from_hex(hex, anon_csrf_key, VAULT_KEY_BYTES) == VAULT_KEY_BYTES;
    vault_wipe(hex, sizeof hex);
    return ok ? 0 : -1;
}

void auth_init(void)
{
    anon_csrf_key = vault_secret_alloc(VAULT_KEY_BYTES);
    vault_key_new(anon_csrf_key);
    if (store_is_postgresql() && shared_form_key() != 0)
        log_warnx("no shared key for the forms: a form shown by another node is refused here");
}

void auth_shutdown(void)
{
    vault_secret_free(anon_csrf_key);
    anon_csrf_key = NULL;
}

static void free_session(struct Session *s)
{
    session_free(s);
}

static int token_shape_ok(const char *t)
{
    if (!t || strlen(t) != 64)
        return 0;
    for (const char *p = t; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return 0;
    return 1;
}

/* The form token that goes with an anonymous cookie value. */
static void anon_token_of(const char *cookie, char out[65])
{
    unsigned char mac[VAULT_ID_BYTES];
    vault_blind_index(anon_csrf_key, "csrf", cookie, strlen(cookie), mac);
    vault_to_hex(mac, sizeof mac, out);
}

const char *auth_form_token(Request *req)
{
    if (req->session)
        return req->session->csrf;
    if (!req->anon_csrf[0]) {
        const char *have = http_cookie(req, ANON_CSRF_COOKIE);
        char fresh[VAULT_CSRF_TEXT];
        if (!token_shape_ok(have)) {
            vault_random_hex(fresh, VAULT_KEY_BYTES);
            char cookie[160];
            snprintf(cookie, sizeof cookie, "%s=%s; Path=/; HttpOnly; SameSite=Strict%s",
                     ANON_CSRF_COOKIE, fresh, req->is_tls ? "; Secure" : "");
            http_set_header(req, "Set-Cookie", cookie);
            have = fresh;
        }
        anon_token_of(have, req->anon_csrf);
    }
    return req->anon_csrf;
}

/* The request's CSRF token (header, or a form field read so far) against the session's, or
 * against the anonymous cookie it must have been made for. */
static int csrf_ok(Request *req, Session *s)
{
    const char *token = http_header(req, "X-CSRF-Token");
    if (!token)
        token = http_form(req, "csrf");
    if (s)
        return session_csrf_ok(s, token);
    const char *have = http_cookie(req, ANON_CSRF_COOKIE);
    if (!token_shape_ok(have) || !token)
        return 0;
    char want[65];
    anon_token_of(have, want);
    int ok = vault_str_equal(token, want);
    vault_wipe(want, sizeof want);
    return ok;
}

static int csrf_refuse(Request *req)
{
    log_info("req=%s csrf refused", req->id_str);
    return http_reply_error(req, 403, "csrf", "error.csrf", NULL);
}

int auth_upload_before_body(Request *req)
{
    /* No session and no anonymous cookie: no token in the body can be right. */
    if (!auth_load_session(req) && !token_shape_ok(http_cookie(req, ANON_CSRF_COOKIE)))
        return csrf_refuse(req);
    return 0; /* a limited address still gets its form back with what it typed (guard.h) */
}

int auth_upload_before_file(Request *req)
{
    if (!csrf_ok(req, auth_load_session(req)))
        return csrf_refuse(req);
    /* An address that must wait cannot file this report: its screenshots are not stored. */
    if (guard_submission_wait(req))
        uploads_drop_files(uploads_of(req));
    return 0;
}

/* An unsafe request that is not essential waits while free space is at or under the reserve. An
 * upload route checks it itself (its sink stores no byte, its page keeps what was typed); test
 * routes never wait. */
static int reserve_gate(Request *req)
{
    if (req->route->flags & (ROUTE_ESSENTIAL | ROUTE_FORM_FILES | ROUTE_DEBUG) || !reserve_low())
        return 0;
    return results_reply(req, results_storage_low());
}

static int is_safe(Method m)
{
    return m == METHOD_GET || m == METHOD_HEAD || m == METHOD_OPTIONS;
}

/* Where a page sends a visitor without the right session. */
static int deny_page(Request *req, int status)
{
    int staff_route = req->route->access & ACCESS_STAFF;
    if (status == 401) {
        char loc[600];
        snprintf(loc, sizeof loc, "%s?next=%s", staff_route ? "/staff/login" : "/follow-up",
                 req->method == METHOD_GET ? req->path : "/");
        return http_reply_redirect(req, 303, loc);
    }
    return http_reply_error(req, status, "forbidden", "error.forbidden", NULL);
}

Session *auth_load_session(Request *req)
{
    const char *cookie = http_cookie(req, SESSION_COOKIE);
    if (!req->session && !req->session_loaded && cookie) {
        req->session = session_load(cookie, clock_now());
        req->session_free = free_session;
    }
    req->session_loaded = 1;
    return req->session;
}

/* A platform desk's call: its bearer token, never a cookie (so no CSRF either: nothing ambient
 * is sent for it). 401 alike for no token, a wrong, expired or revoked one; each use audited. */
static int desk_gate(Request *req)
{
    const char *h = http_header(req, "Authorization");
    const char *token = h && strncmp(h, "Bearer ", 7) == 0 ? h + 7 : NULL;
    DeskCaller who;
    unsigned wait = 0;
    DeskResult d = desk_authenticate(token, req->route->pattern, clock_now(), &who, &wait);
    if (d == DESK_NOT_FOUND) {
        http_set_header(req, "WWW-Authenticate", "Bearer realm=\"platform desk\"");
        return http_reply_error(req, 401, "unauthorized", "error.unauthorized", NULL);
    }
    if (d == DESK_RATE)
        return guard_refuse(req, wait);
    if (d != DESK_OK)
        return http_reply_error(req, 503, "busy", "error.busy", NULL);
    req->desk_account = who.account_id;
    snprintf(req->desk_platform, sizeof req->desk_platform, "%s", who.platform);
    return is_safe(req->method) ? 0 : reserve_gate(req);
}

int auth_gate(Request *req)
{
    const Route *r = req->route;
    /* A database out of reach (PostgreSQL down or failing over): whatever needs it waits with a
     * 503, as on a full disk; the public pages that only show a form are still served. */
    if ((r->access != ACCESS_PUBLIC || !is_safe(req->method)) && !store_reachable())
        return results_reply(req, results_storage_unavailable());
    if (r->access == ACCESS_PLATFORM)
        return desk_gate(req);
    Session *s = auth_load_session(req);
    if (s && (s->access & (ACCESS_CASEWORKER | ACCESS_ADMIN)))
        keyring_offer(s->key, clock_now()); /* background checks may read links meanwhile */
    if (r->access != ACCESS_PUBLIC) {
        if (!s) {
            if (req->is_api)
                return http_reply_error(req, 401, "unauthorized", "error.unauthorized", NULL);
            return deny_page(req, 401);
        }
        if (!(s->access & r->access)) {
            if (req->is_api)
                return http_reply_error(req, 403, "forbidden", "error.forbidden", NULL);
            return deny_page(req, 403);
        }
        if (s->must_enrol && !(r->flags & ROUTE_ENROL)) {
            if (req->is_api)
                return http_reply_error(req, 403, "totp_enrolment_required",
                                        "error.totp_enrolment_required", NULL);
            return http_reply_redirect(req, 303, "/staff/totp");
        }
    }
    if (is_safe(req->method))
        return 0;
    if (r->flags & ROUTE_NO_CSRF) {
        /* JSON-only: a cross-site form cannot send application/json without a preflight. */
        if (req->is_api && !req->json)
            return http_reply_error(req, 415, "json_required", "error.unsupported_media", NULL);
    } else if (!csrf_ok(req, s)) {
        return csrf_refuse(req);
    }
    return reserve_gate(req);
}

void auth_forget_form_token(Request *req)
{
    http_set_header(req, "Set-Cookie",
                    ANON_CSRF_COOKIE "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
}
