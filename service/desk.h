/* The platform desk (issue 14): the accounts through which platforms' trust-and-safety desks reach
 * the service by a machine channel, and their API tokens. A platform account holds the desk's
 * X25519 public key (notices addressed to it are sealed to that key); an admin registers it and
 * gets a token shown once. Tokens are kept as hashes, scoped to their account, expire, and end
 * with a revocation of the account. No HTTP here. */
#ifndef TAKEDOWN_DESK_H
#define TAKEDOWN_DESK_H

#include "config.h"
#include "staff.h"
#include "store_desk.h"

#include <jansson.h>
#include <stdint.h>

/* The transition field "channel" that sends a notice through the platform's desk. */
#define DESK_CHANNEL "platform_desk"
#define DESK_TOKEN_PREFIX "tdp_"
/* The token: the prefix, 64 hex characters, NUL. */
#define DESK_TOKEN_TEXT (sizeof DESK_TOKEN_PREFIX - 1 + 2 * VAULT_KEY_BYTES + 1)
#define DESK_TOKEN_DAYS_DEFAULT 365
#define DESK_TOKEN_DAYS_MAX 3650

typedef enum DeskResult {
    DESK_OK = 0,
    DESK_UNKNOWN_PLATFORM, /* not a platform of the registry */
    DESK_BAD_KEY,          /* not 64 hex characters of an X25519 public key */
    DESK_BAD_DAYS,         /* a token lifetime outside 1..DESK_TOKEN_DAYS_MAX */
    DESK_EXISTS,           /* the platform has a live account: revoke it first */
    DESK_NOT_FOUND,        /* no live account for the platform */
    DESK_STAFF,            /* the admin's sign-in failed: staff says why */
    DESK_RATE,             /* the desk called more than its rate: wait */
    DESK_ERROR,
} DeskResult;

/* Registers a platform's desk and makes its first token (token: DESK_TOKEN_TEXT bytes, shown once
 * and never stored), valid for days. admin_login/admin_password authorise (an admin); on
 * DESK_STAFF, *why says what staff found. Audited as platform.add. */
DeskResult desk_platform_add(const char *admin_login, const char *admin_password,
                             const char *platform, const char *public_key_hex, unsigned days,
                             int64_t now, char *token, StaffResult *why);
/* The same for an admin already signed in (the page): admin_login is the session's. */
DeskResult desk_platform_add_by(const char *admin_login, const char *platform,
                                const char *public_key_hex, unsigned days, int64_t now,
                                char *token);
/* desk_platform_add's checks of what it is given, before any password is asked for. */
DeskResult desk_platform_add_check(const char *platform, const char *public_key_hex, unsigned days);
/* Revokes the platform's live account and all its tokens at once. Audited as platform.revoke. */
DeskResult desk_platform_revoke(const char *admin_login, const char *admin_password,
                                const char *platform, int64_t now, StaffResult *why);
DeskResult desk_platform_revoke_by(const char *admin_login, const char *platform, int64_t now);
/* A new token for the platform's live desk, valid for days (token: DESK_TOKEN_TEXT bytes, shown
 * once), every earlier token of it revoked at once; the account, its key and its notices stay. For
 * a token about to expire or seen by someone who should no longer hold it. admin_login and
 * admin_password authorise as for desk_platform_add. DESK_NOT_FOUND when the platform has no live
 * desk. Audited as platform.token. */
DeskResult desk_platform_token(const char *admin_login, const char *admin_password,
                               const char *platform, unsigned days, int64_t now, char *token,
                               StaffResult *why);
/* Every account, newest first (no token is ever listed: only their count). */
DeskResult desk_platform_list(void (*cb)(void *arg, const DeskAccountRow *r), void *arg);

/* DESK_OK when the platform has a live desk, DESK_NOT_FOUND when not. */
DeskResult desk_live(StoreConn *c, const char *platform);
/* Inside the transaction that sends notice notice_id about target_id through the platform's desk:
 * numbers it at the desk (its seq, and the copy's number there: the same for every notice about
 * one copy), adds both to content ("id", "copy": what the desk sees is numbered per desk, so it
 * learns nothing of other desks' or cases' volumes), seals content to the desk's key and keeps
 * it. STORE_NOT_FOUND when the platform has no live desk (any more). */
StoreStatus desk_notice_send(StoreConn *c, const char *platform, int64_t notice_id,
                             int64_t target_id, const char *route, int64_t now, json_t *content);

/* Who a request's bearer token is. */
typedef struct DeskCaller {
    int64_t account_id, token_id;
    char platform[64];
} DeskCaller;

/* The calls a desk may make: limits->platform_per_minute a minute, a tenth of them at once (each
 * account its own bucket, on the service's clock). desk_rate_shutdown frees the buckets. */
void desk_rate_init(const Limits *limits);
void desk_rate_shutdown(void);

/* The account of the bearer token at now: DESK_OK, or DESK_NOT_FOUND for no such token, an
 * expired or revoked one, or a revoked account (never saying which); DESK_RATE with *wait seconds
 * when the account called past its rate. Every call that passes is audited (platform.call, with
 * what) and dates the token's last use. */
DeskResult desk_authenticate(const char *token, const char *what, int64_t now, DeskCaller *out,
                             unsigned *wait);
const char *desk_result_text(DeskResult r);

#endif
