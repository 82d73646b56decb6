/* Platform desk accounts and tokens. */
#include "desk.h"

#include "clock.h"
#include "links.h"
#include "log.h"
#include "ratelimit.h"
#include "store_staff.h"
#include "vault.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int platform_known(const char *id)
{
    size_t n;
    const LinkPlatform *p = link_platforms(&n);
    for (size_t i = 0; id && i < n; i++)
        if (strcmp(p[i].id, id) == 0 && strcmp(id, "other") != 0)
            return 1;
    return 0;
}

/* An admin's password, checked the way every admin action is (the org key is not kept). */
static DeskResult admin_check(const char *login, const char *password, StaffResult *why)
{
    unsigned char *sk = vault_secret_alloc(VAULT_KEY_BYTES);
    *why = staff_unlock_admin(login, password, sk);
    vault_secret_free(sk);
    return *why == STAFF_OK ? DESK_OK : DESK_STAFF;
}

/* A new token into token (DESK_TOKEN_TEXT bytes) and its hash, the only form kept. */
static void token_make(char *token, unsigned char hash[VAULT_ID_BYTES])
{
    char hex[2 * VAULT_KEY_BYTES + 1];
    vault_random_hex(hex, VAULT_KEY_BYTES);
    snprintf(token, DESK_TOKEN_TEXT, "%s%s", DESK_TOKEN_PREFIX, hex);
    vault_wipe(hex, sizeof hex);
    vault_hash(token, strlen(token), hash);
}

typedef struct AddArgs {
    const char *platform, *actor;
    const unsigned char *pk, *hash;
    int64_t staff_id, now, expires_at;
} AddArgs;

static StoreStatus add_tx(StoreConn *c, void *arg)
{
    const AddArgs *a = arg;
    int64_t id = 0;
    StoreStatus s = store_desk_account_insert(c, a->platform, a->pk, a->staff_id, a->now, &id);
    if (s == STORE_OK)
        s = store_desk_token_insert(c, id, a->hash, a->now, a->expires_at);
    return s == STORE_OK ? store_audit_append(c, a->now, a->actor, "platform.add", a->platform, "")
                         : s;
}

/* The key of public_key_hex into pk when the request is well formed. */
static DeskResult add_check(const char *platform, const char *public_key_hex, unsigned days,
                            unsigned char pk[VAULT_KEY_BYTES])
{
    if (!platform_known(platform))
        return DESK_UNKNOWN_PLATFORM;
    if (!public_key_hex || strlen(public_key_hex) != 2 * VAULT_KEY_BYTES ||
        strspn(public_key_hex, "0123456789abcdefABCDEF") != 2 * VAULT_KEY_BYTES ||
        vault_from_hex(public_key_hex, pk, VAULT_KEY_BYTES) != VAULT_KEY_BYTES)
        return DESK_BAD_KEY;
    return days < 1 || days > DESK_TOKEN_DAYS_MAX ? DESK_BAD_DAYS : DESK_OK;
}

DeskResult desk_platform_add_check(const char *platform, const char *public_key_hex, unsigned days)
{
    unsigned char pk[VAULT_KEY_BYTES];
    return add_check(platform, public_key_hex, days, pk);
}

DeskResult desk_platform_add_by(const char *admin_login, const char *platform,
                                const char *public_key_hex, unsigned days, int64_t now, char *token)
{
    token[0] = '\0';
    unsigned char pk[VAULT_KEY_BYTES];
    DeskResult r = add_check(platform, public_key_hex, days, pk);
    if (r != DESK_OK)
        return r;
    unsigned char hash[VAULT_ID_BYTES];
    token_make(token, hash);
    char actor[80];
    snprintf(actor, sizeof actor, "staff:%s", admin_login);
    AddArgs a = {
        platform, actor, pk, hash, staff_id_of(admin_login), now, now + (int64_t)days * 86400};
    StoreStatus s = store_tx(add_tx, &a);
    if (s != STORE_OK) {
        vault_wipe(token, DESK_TOKEN_TEXT);
        return s == STORE_CONFLICT ? DESK_EXISTS : DESK_ERROR;
    }
    return DESK_OK;
}

DeskResult desk_platform_add(const char *admin_login, const char *admin_password,
                             const char *platform, const char *public_key_hex, unsigned days,
                             int64_t now, char *token, StaffResult *why)
{
    *why = STAFF_OK;
    token[0] = '\0';
    DeskResult r = desk_platform_add_check(platform, public_key_hex, days);
    if (r == DESK_OK)
        r = admin_check(admin_login, admin_password, why);
    return r == DESK_OK
               ? desk_platform_add_by(admin_login, platform, public_key_hex, days, now, token)
               : r;
}

typedef struct RevokeArgs {
    const char *platform, *actor;
    int64_t now;
} RevokeArgs;

static StoreStatus revoke_tx(StoreConn *c, void *arg)
{
    const RevokeArgs *a = arg;
    StoreStatus s = store_desk_account_revoke(c, a->platform, a->now);
    return s == STORE_OK
               ? store_audit_append(c, a->now, a->actor, "platform.revoke", a->platform, "")
               : s;
}

DeskResult desk_platform_revoke_by(const char *admin_login, const char *platform, int64_t now)
{
    char actor[80];
    snprintf(actor, sizeof actor, "staff:%s", admin_login);
    RevokeArgs a = {platform, actor, now};
    StoreStatus s = store_tx(revoke_tx, &a);
    return s == STORE_OK ? DESK_OK : s == STORE_NOT_FOUND ? DESK_NOT_FOUND : DESK_ERROR;
}

DeskResult desk_platform_revoke(const char *admin_login, const char *admin_password,
                                const char *platform, int64_t now, StaffResult *why)
{
    *why = STAFF_OK;
    DeskResult r = admin_check(admin_login, admin_password, why);
    return r == DESK_OK ? desk_platform_revoke_by(admin_login, platform, now) : r;
}

typedef struct TokenArgs {
    const char *platform, *actor;
    const unsigned char *hash;
    int64_t now, expires_at;
} TokenArgs;

static StoreStatus token_tx(StoreConn *c, void *arg)
{
    const TokenArgs *a = arg;
    DeskAccountRow acc;
    StoreStatus s = store_desk_account_live(c, a->platform, &acc);
    if (s == STORE_OK)
        s = store_desk_tokens_revoke(c, acc.id, a->now);
    if (s == STORE_OK)
        s = store_desk_token_insert(c, acc.id, a->hash, a->now, a->expires_at);
    return s == STORE_OK
               ? store_audit_append(c, a->now, a->actor, "platform.token", a->platform, "")
               : s;
}

DeskResult desk_platform_token(const char *admin_login, const char *admin_password,
                               const char *platform, unsigned days, int64_t now, char *token,
                               StaffResult *why)
{
    *why = STAFF_OK;
    token[0] = '\0';
    if (days < 1 || days > DESK_TOKEN_DAYS_MAX)
        return DESK_BAD_DAYS;
    DeskResult r = admin_check(admin_login, admin_password, why);
    if (r != DESK_OK)
        return r;
    unsigned char hash[VAULT_ID_BYTES];
    token_make(token, hash);
    char actor[80];
    snprintf(actor, sizeof actor, "staff:%s", admin_login);
    TokenArgs a = {platform, actor, hash, now, now + (int64_t)days * 86400};
    StoreStatus s = store_tx(token_tx, &a);
    if (s != STORE_OK) {
        vault_wipe(token, DESK_TOKEN_TEXT);
        return s == STORE_NOT_FOUND ? DESK_NOT_FOUND : DESK_ERROR;
    }
    return DESK_OK;
}

DeskResult desk_platform_list(void (*cb)(void *arg, const DeskAccountRow *r), void *arg)
{
    StoreConn *c = store_conn();
    return c && store_desk_accounts(c, cb, arg) == STORE_OK ? DESK_OK : DESK_ERROR;
}

DeskResult desk_live(StoreConn *c, const char *platform)
{
    DeskAccountRow a;
    StoreStatus s = store_desk_account_live(c, platform, &a);
    return s == STORE_OK ? DESK_OK : s == STORE_NOT_FOUND ? DESK_NOT_FOUND : DESK_ERROR;
}

StoreStatus desk_notice_send(StoreConn *c, const char *platform, int64_t notice_id,
                             int64_t target_id, const char *route, int64_t now, json_t *content)
{
    DeskAccountRow a;
    int64_t seq = 0, copy = 0;
    StoreStatus s = store_desk_account_live(c, platform, &a);
    if (s == STORE_OK)
        s = store_desk_numbers(c, a.id, target_id, &seq, &copy);
    if (s != STORE_OK)
        return s;
    json_object_set_new(content, "id", json_integer(seq));
    json_object_set_new(content, "copy", json_integer(copy));
    char *text = json_dumps(content, JSON_COMPACT);
    if (!text)
        return STORE_ERROR;
    Buf sealed = {0};
    vault_desk_seal(a.public_key, text, strlen(text), &sealed);
    vault_wipe(text, strlen(text));
    free(text);
    DeskNoticeRow row = {.target_id = target_id,
                         .sent_at = now,
                         .account_id = a.id,
                         .seq = seq,
                         .copy = copy,
                         .sealed = sealed};
    snprintf(row.route, sizeof row.route, "%s", route);
    s = store_desk_notice_insert(c, notice_id, &row);
    buf_free(&sealed);
    return s;
}

typedef struct UseArgs {
    const DeskCaller *who;
    const char *what;
    int64_t now;
} UseArgs;

static StoreStatus use_tx(StoreConn *c, void *arg)
{
    const UseArgs *a = arg;
    char actor[80];
    snprintf(actor, sizeof actor, "platform:%s", a->who->platform);
    StoreStatus s = store_desk_token_used(c, a->who->token_id, a->now);
    return s == STORE_OK ? store_audit_append(c, a->now, actor, "platform.call", a->what, "") : s;
}

/* One token bucket per desk account: accounts are few (one live per platform), so a list. */
static struct {
    pthread_mutex_t lock;
    double rate, burst;
    struct {
        int64_t account;
        TokenBucket *tb;
    } * list;
    size_t n;
} rates = {.lock = PTHREAD_MUTEX_INITIALIZER, .rate = 10, .burst = 60};

/* Forgets every bucket (the lock held). */
static void rates_clear(void)
{
    for (size_t i = 0; i < rates.n; i++)
        tokenbucket_free(rates.list[i].tb);
    free(rates.list);
    rates.list = NULL;
    rates.n = 0;
}

void desk_rate_init(const Limits *limits)
{
    pthread_mutex_lock(&rates.lock);
    rates_clear(); /* again at a reload: each desk starts afresh at the new rate */
    rates.rate = limits->platform_per_minute / 60.0;
    rates.burst = limits->platform_per_minute >= 10 ? limits->platform_per_minute / 10 : 1;
    pthread_mutex_unlock(&rates.lock);
}

void desk_rate_shutdown(void)
{
    pthread_mutex_lock(&rates.lock);
    rates_clear();
    pthread_mutex_unlock(&rates.lock);
}

/* 0 when the account may call now, else the seconds to wait. */
static unsigned rate_take(int64_t account)
{
    pthread_mutex_lock(&rates.lock);
    TokenBucket *tb = NULL;
    for (size_t i = 0; i < rates.n && !tb; i++)
        if (rates.list[i].account == account)
            tb = rates.list[i].tb;
    if (!tb) {
        rates.list = xrealloc(rates.list, (rates.n + 1) * sizeof *rates.list);
        tb = tokenbucket_new(rates.rate, rates.burst);
        rates.list[rates.n].account = account;
        rates.list[rates.n++].tb = tb;
    }
    /* Under the lock: a reload may free the buckets. */
    unsigned wait = tokenbucket_take(tb, clock_now_ms());
    pthread_mutex_unlock(&rates.lock);
    return wait;
}

DeskResult desk_authenticate(const char *token, const char *what, int64_t now, DeskCaller *out,
                             unsigned *wait)
{
    memset(out, 0, sizeof *out);
    *wait = 0;
    size_t prefix = sizeof DESK_TOKEN_PREFIX - 1;
    if (!token || strlen(token) != DESK_TOKEN_TEXT - 1 ||
        strncmp(token, DESK_TOKEN_PREFIX, prefix) != 0 ||
        strspn(token + prefix, "0123456789abcdef") != DESK_TOKEN_TEXT - 1 - prefix)
        return DESK_NOT_FOUND;
    unsigned char hash[VAULT_ID_BYTES];
    vault_hash(token, strlen(token), hash);
    StoreConn *c = store_conn();
    DeskTokenRow t;
    StoreStatus s = c ? store_desk_token_get(c, hash, &t) : STORE_ERROR;
    if (s == STORE_NOT_FOUND ||
        (s == STORE_OK && (t.revoked_at || t.account_revoked_at || now >= t.expires_at)))
        return DESK_NOT_FOUND;
    if (s != STORE_OK)
        return DESK_ERROR;
    if ((*wait = rate_take(t.account_id)) != 0)
        return DESK_RATE; /* not audited: a flood writes nothing */
    out->account_id = t.account_id;
    out->token_id = t.id;
    snprintf(out->platform, sizeof out->platform, "%s", t.platform);
    UseArgs a = {out, what, now};
    return store_tx(use_tx, &a) == STORE_OK ? DESK_OK : DESK_ERROR;
}

const char *desk_result_text(DeskResult r)
{
    switch (r) {
    case DESK_OK:
        return "ok";
    case DESK_UNKNOWN_PLATFORM:
        return "not a platform of the registry (see /staff/platforms)";
    case DESK_BAD_KEY:
        return "the public key must be 64 hex characters (an X25519 key)";
    case DESK_BAD_DAYS:
        return "the token lifetime must be 1 to 3650 days";
    case DESK_EXISTS:
        return "the platform has a desk account already: revoke it first";
    case DESK_NOT_FOUND:
        return "the platform has no live desk account";
    case DESK_STAFF:
        return "the admin could not be signed in";
    case DESK_RATE:
        return "too many calls: wait";
    default:
        return "internal error (see the log)";
    }
}
