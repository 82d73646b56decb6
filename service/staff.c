/* Staff accounts over the vault and the store. The org secret key exists in clear only in locked
 * memory, between an unwrap and the wipe a few lines later. */
#include "staff.h"

#include "erasure.h"
#include "intake.h"
#include "log.h"
#include "retention.h"
#include "store_staff.h"

#include <liboath/oath.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TOTP_SECRET_BYTES 20
#define TOTP_STEP 30

const char *staff_result_text(StaffResult r)
{
    static const char *texts[] = {
        "ok",
        "wrong login, password or key",
        "a one-time code is required",
        "wrong or already used one-time code",
        "this account must enrol a one-time code generator",
        "that login already exists",
        "no such account",
        "logins are 2 to 32 characters of a-z, 0-9, '.', '_' or '-'",
        "passwords are 10 to 256 bytes",
        "roles are admin, caseworker or auditor",
        "only an admin may do this",
        "that would leave no enabled admin",
        "not initialised: run takedownctl init first",
        "already initialised",
        "the database is busy; try again",
        "internal error (see the log)",
        "that account is disabled",
        "the disk refused the write (full or failing); nothing was changed",
        "not an e-mail address",
    };
    return (unsigned)r < sizeof texts / sizeof texts[0] ? texts[r] : "?";
}

int staff_login_valid(const char *login)
{
    size_t n = login ? strlen(login) : 0;
    if (n < 2 || n > STAFF_LOGIN_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = login[i];
        int ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
                 (i > 0 && (ch == '.' || ch == '_' || ch == '-'));
        if (!ok)
            return 0;
    }
    return 1;
}

int staff_password_valid(const char *pw)
{
    size_t n = pw ? strlen(pw) : 0;
    return n >= STAFF_PASSWORD_MIN && n <= STAFF_PASSWORD_MAX;
}

int staff_role_valid(const char *role)
{
    return role && (strcmp(role, "admin") == 0 || strcmp(role, "caseworker") == 0 ||
                    strcmp(role, "auditor") == 0);
}

/* ---- audit in its own transaction ---- */

typedef struct AuditArgs {
    const char *actor, *action, *subject, *detail;
    int64_t now;
} AuditArgs;

static StoreStatus audit_tx(StoreConn *c, void *arg)
{
    AuditArgs *a = arg;
    return store_audit_append(c, a->now, a->actor, a->action, a->subject, a->detail);
}

void staff_audit(const char *actor, const char *action, const char *subject, const char *detail,
                 int64_t now)
{
    AuditArgs a = {actor, action, subject, detail, now};
    if (store_tx(audit_tx, &a) != STORE_OK)
        log_errorx("cannot append the audit row for %s", action);
}

static StaffResult from_store(StoreStatus s)
{
    switch (s) {
    case STORE_OK:
        return STAFF_OK;
    case STORE_NOT_FOUND:
        return STAFF_NOT_FOUND;
    case STORE_CONFLICT:
        return STAFF_EXISTS;
    case STORE_BUSY:
        return STAFF_BUSY;
    case STORE_UNAVAILABLE:
        return STAFF_UNAVAILABLE;
    default:
        return STAFF_ERROR;
    }
}

/* Opens the org secret key sealed to an account, and checks it is the current one (a rotation
 * that left this account out leaves no seal; an old seal restored from a backup is stale). */
static StaffResult open_org_seal(StoreConn *c, const StaffRow *row, const unsigned char *account_sk,
                                 unsigned char *org_sk)
{
    if (strcmp(row->role, "auditor") == 0) {
        vault_key_new(org_sk); /* auditors never read case content: a key that opens nothing */
        return STAFF_OK;
    }
    OrgRow org = {0};
    StaffResult r = from_store(store_org_get(c, &org));
    if (r == STAFF_OK &&
        (row->org_seal.len == 0 ||
         vault_org_key_unseal((const unsigned char *)row->public_key.data, account_sk,
                              row->org_seal.data, row->org_seal.len, org_sk) != 0 ||
         !vault_keypair_matches(org.public_key, org_sk)))
        r = STAFF_BAD_CREDENTIALS;
    org_row_free(&org);
    return r;
}

static StaffResult rekey(const StaffRow *row, const unsigned char *org_sk, const char *new_password,
                         VaultPwCost cost, const char *actor, const char *action, int64_t now);

/* An account made before accounts had keypairs (a database upgraded from schema 6 or older): its
 * password opens the old wrap, which held the org secret key (an auditor's: a key of its own);
 * the account gets its keypair now, its secret key under the same password at the same cost,
 * and the org key sealed to it, as a reset would give. STAFF_BAD_CREDENTIALS for a wrong password
 * (nothing changes). */
static StaffResult upgrade_legacy(StoreConn *c, const StaffRow *row, const char *password)
{
    unsigned char *key = vault_secret_alloc(VAULT_KEY_BYTES);
    OrgRow org = {0};
    VaultPwCost cost;
    StaffResult r = from_store(store_org_get(c, &org));
    if (r == STAFF_OK &&
        (vault_pw_cost_of(row->key_wrap.data, row->key_wrap.len, &cost) != 0 ||
         vault_staff_legacy_unwrap(row->login, row->role, password, row->key_wrap.data,
                                   row->key_wrap.len, key) != 0))
        r = STAFF_BAD_CREDENTIALS;
    int auditor = strcmp(row->role, "auditor") == 0;
    if (r == STAFF_OK && !auditor && !vault_keypair_matches(org.public_key, key))
        r = STAFF_BAD_CREDENTIALS; /* not the org key of this database */
    if (r == STAFF_OK) {
        char actor[80];
        snprintf(actor, sizeof actor, "staff:%s", row->login);
        r = rekey(row, auditor ? NULL : key, password, cost, actor, "staff.keys_upgraded",
                  (int64_t)time(NULL));
        if (r == STAFF_OK)
            log_info("account %s got its own keypair (upgraded from an older schema)", row->login);
    }
    org_row_free(&org);
    vault_secret_free(key);
    return r;
}

/* Unwraps an account's secret key with its password (account_sk) and opens the org secret key
 * sealed to it (org_sk); both VAULT_KEY_BYTES of secret memory. A missing or disabled account costs
 * the same Argon2id run as a present one. */
static StaffResult unlock_account(StoreConn *c, const char *login, const char *password,
                                  StaffRow *row, unsigned char *account_sk, unsigned char *org_sk)
{
    StoreStatus s =
        staff_login_valid(login) ? store_staff_by_login(c, login, row) : STORE_NOT_FOUND;
    if (s != STORE_OK && s != STORE_NOT_FOUND)
        return from_store(s);
    if (s == STORE_OK && !row->disabled && password && row->key_wrap.len &&
        row->public_key.len == 0) {
        StaffResult u = upgrade_legacy(c, row, password);
        if (u != STAFF_OK)
            return u;
        staff_row_free(row);
        if ((s = store_staff_by_login(c, login, row)) != STORE_OK)
            return from_store(s);
    }
    if (s == STORE_NOT_FOUND || row->disabled || !password || row->key_wrap.len == 0 ||
        row->public_key.len != VAULT_KEY_BYTES) {
        /* the same single Argon2id run as a real account: timing does not tell which exist */
        vault_staff_key_decoy(password);
        return STAFF_BAD_CREDENTIALS;
    }
    if (vault_staff_key_unwrap(row->login, row->role, password, row->key_wrap.data,
                               row->key_wrap.len, account_sk) != 0)
        return STAFF_BAD_CREDENTIALS;
    return open_org_seal(c, row, account_sk, org_sk);
}

/* New keys for an account: a keypair, its secret key under the password, and the org secret key
 * sealed to it (org_sk NULL: none, for auditors). account_sk (secret memory) may be NULL. */
typedef struct NewKeys {
    unsigned char pk[VAULT_KEY_BYTES];
    Buf wrap, seal;
} NewKeys;

static int keys_make(const char *login, const char *role, const char *password, VaultPwCost cost,
                     const unsigned char *org_sk, NewKeys *k)
{
    unsigned char *sk = vault_secret_alloc(VAULT_KEY_BYTES);
    vault_org_keypair(k->pk, sk);
    int rc = vault_staff_key_wrap(login, role, password, cost, sk, &k->wrap);
    if (rc == 0 && org_sk && strcmp(role, "auditor") != 0)
        vault_org_key_seal(k->pk, org_sk, &k->seal);
    vault_secret_free(sk);
    return rc;
}

static void keys_free(NewKeys *k)
{
    buf_free(&k->wrap);
    buf_free(&k->seal);
}

static StaffKeys keys_of(const NewKeys *k)
{
    return (StaffKeys){&k->wrap, k->pk, &k->seal};
}

/* ---- init ---- */

typedef struct InitArgs {
    const char *login;
    unsigned char pk[VAULT_KEY_BYTES];
    Buf recovery_wrap;
    NewKeys admin;
    unsigned char salt[VAULT_SALT_BYTES];
    int64_t now;
} InitArgs;

static StoreStatus init_tx(StoreConn *c, void *arg)
{
    InitArgs *a = arg;
    OrgRow org = {0};
    StoreStatus s = store_org_get(c, &org);
    org_row_free(&org);
    if (s == STORE_OK)
        return STORE_CONFLICT;
    if (s != STORE_NOT_FOUND)
        return s;
    if ((s = store_org_insert(c, a->pk, &a->recovery_wrap, a->salt, a->now)) != STORE_OK)
        return s;
    StaffKeys keys = keys_of(&a->admin);
    if ((s = store_staff_insert(c, a->login, "admin", &keys, a->now, NULL)) != STORE_OK)
        return s;
    return store_audit_append(c, a->now, "ctl", "init", a->login, "");
}

StaffResult staff_init(const char *admin_login, const char *password, VaultPwCost cost,
                       char recovery_text[VAULT_RECOVERY_TEXT], int64_t now)
{
    if (!staff_login_valid(admin_login))
        return STAFF_BAD_LOGIN;
    if (!staff_password_valid(password))
        return STAFF_BAD_PASSWORD;
    StoreConn *c = store_conn();
    OrgRow org = {0};
    StoreStatus s = c ? store_org_get(c, &org) : STORE_ERROR;
    org_row_free(&org);
    if (s == STORE_OK)
        return STAFF_ALREADY_INITIALISED;
    InitArgs a = {.login = admin_login, .now = now};
    unsigned char *sk = vault_secret_alloc(VAULT_KEY_BYTES);
    vault_org_keypair(a.pk, sk);
    staff_recovery_wrap(sk, recovery_text, &a.recovery_wrap);
    int rc = keys_make(admin_login, "admin", password, cost, sk, &a.admin);
    vault_secret_free(sk);
    vault_random(a.salt, sizeof a.salt);
    s = rc == 0 ? store_tx(init_tx, &a) : STORE_ERROR;
    buf_free(&a.recovery_wrap);
    keys_free(&a.admin);
    if (s != STORE_OK)
        vault_wipe(recovery_text, VAULT_RECOVERY_TEXT);
    return s == STORE_CONFLICT ? STAFF_ALREADY_INITIALISED : from_store(s);
}

/* ---- add, disable ---- */

typedef struct AddArgs {
    const char *login, *role, *actor;
    NewKeys keys;
    int64_t now;
} AddArgs;

static StoreStatus add_tx(StoreConn *c, void *arg)
{
    AddArgs *a = arg;
    StaffKeys keys = keys_of(&a->keys);
    StoreStatus s = store_staff_insert(c, a->login, a->role, &keys, a->now, NULL);
    if (s != STORE_OK)
        return s;
    return store_audit_append(c, a->now, a->actor, "staff.add", a->login, a->role);
}

/* Unlocks an account by password for its org secret key alone (its own key is wiped at once);
 * admin_only refuses any other role with STAFF_FORBIDDEN. */
static StaffResult unlock_org(StoreConn *c, const char *login, const char *password, int admin_only,
                              StaffRow *row, unsigned char *org_sk)
{
    unsigned char *account_sk = vault_secret_alloc(VAULT_KEY_BYTES);
    StaffResult r = unlock_account(c, login, password, row, account_sk, org_sk);
    vault_secret_free(account_sk);
    if (r == STAFF_OK && admin_only && strcmp(row->role, "admin") != 0)
        r = STAFF_FORBIDDEN;
    return r;
}

static StaffResult unlock_admin(StoreConn *c, const char *login, const char *password,
                                StaffRow *row, unsigned char *org_sk)
{
    return unlock_org(c, login, password, 1, row, org_sk);
}

static StaffResult unlock_alone(const char *login, const char *password, int admin_only,
                                unsigned char *org_sk)
{
    StoreConn *c = store_conn();
    if (!c)
        return STAFF_ERROR;
    StaffRow row = {0};
    StaffResult r = unlock_org(c, login, password, admin_only, &row, org_sk);
    staff_row_free(&row);
    return r;
}

StaffResult staff_unlock(const char *login, const char *password, unsigned char *org_sk)
{
    return unlock_alone(login, password, 0, org_sk);
}

StaffResult staff_unlock_admin(const char *login, const char *password, unsigned char *org_sk)
{
    return unlock_alone(login, password, 1, org_sk);
}

/* The connection for storing a new password; NULL with *r said when the password is refused
 * (STAFF_BAD_PASSWORD) or the store is unavailable (STAFF_ERROR). */
static StoreConn *conn_for_password(const char *password, StaffResult *r)
{
    *r = staff_password_valid(password) ? STAFF_OK : STAFF_BAD_PASSWORD;
    StoreConn *c = *r == STAFF_OK ? store_conn() : NULL;
    if (*r == STAFF_OK && !c)
        *r = STAFF_ERROR;
    return c;
}

StaffResult staff_add(const char *admin_login, const char *admin_password, const char *role,
                      const char *login, const char *password, VaultPwCost cost, int64_t now)
{
    if (!staff_login_valid(login))
        return STAFF_BAD_LOGIN;
    if (!staff_role_valid(role))
        return STAFF_BAD_ROLE;
    StaffResult r;
    StoreConn *c = conn_for_password(password, &r);
    if (!c)
        return r;
    StaffRow admin = {0};
    unsigned char *org_sk = vault_secret_alloc(VAULT_KEY_BYTES);
    r = unlock_admin(c, admin_login, admin_password, &admin, org_sk);
    AddArgs a = {.login = login, .role = role, .now = now};
    char actor[80];
    snprintf(actor, sizeof actor, "staff:%s", admin.login);
    a.actor = actor;
    if (r == STAFF_OK && keys_make(login, role, password, cost, org_sk, &a.keys) != 0)
        r = STAFF_ERROR;
    if (r == STAFF_OK)
        r = from_store(store_tx(add_tx, &a));
    vault_secret_free(org_sk);
    staff_row_free(&admin);
    keys_free(&a.keys);
    return r;
}

/* A transaction that destroys or replaces an account's keys. Once it commits, a checked
 * checkpoint moves the old wraps out of the database log, where a copy of the disk would find
 * them; a reader that holds it leaves it marked for the next tick (retention_log_pending). */
static StoreStatus keys_tx(StoreStatus (*fn)(StoreConn *, void *), void *arg)
{
    StoreStatus s = store_tx(fn, arg);
    if (s == STORE_OK)
        retention_clear_log();
    return s;
}

typedef struct DisableArgs {
    int64_t id;
    const char *actor, *login;
    int was_admin;
    int64_t now;
} DisableArgs;

static StoreStatus disable_tx(StoreConn *c, void *arg)
{
    DisableArgs *a = arg;
    /* The wraps go with the flag: a disabled account's password opens nothing, even in a copy of
     * the database taken later. */
    StoreStatus s = store_staff_disable(c, a->id);
    if (s != STORE_OK)
        return s;
    int64_t admins = 0;
    if ((s = store_staff_count_admins(c, &admins)) != STORE_OK)
        return s;
    if (a->was_admin && admins == 0)
        return STORE_CONFLICT; /* rolled back: keep at least one admin */
    if ((s = store_sessions_delete_staff(c, a->id)) != STORE_OK)
        return s;
    return store_audit_append(c, a->now, a->actor, "staff.disable", a->login, "");
}

StaffResult staff_disable(const char *admin_login, const char *admin_password, const char *login,
                          int64_t now)
{
    StoreConn *c = store_conn();
    if (!c)
        return STAFF_ERROR;
    StaffRow admin = {0}, target = {0};
    unsigned char *org_sk = vault_secret_alloc(VAULT_KEY_BYTES);
    StaffResult r = unlock_admin(c, admin_login, admin_password, &admin, org_sk);
    vault_secret_free(org_sk);
    if (r == STAFF_OK)
        r = from_store(store_staff_by_login(c, login, &target));
    /* The last admin is refused before the log names it (the transaction checks again). */
    int64_t admins = 0;
    if (r == STAFF_OK && strcmp(target.role, "admin") == 0 && !target.disabled &&
        (r = from_store(store_staff_count_admins(c, &admins))) == STAFF_OK && admins <= 1)
        r = STAFF_LAST_ADMIN;
    /* Logged first, like an erasure: a restore of an older backup disables the account again. */
    if (r == STAFF_OK && !target.disabled && erasure_log_account(store_data_dir(), login, now) != 0)
        r = STAFF_ERROR;
    if (r == STAFF_OK) {
        char actor[80];
        snprintf(actor, sizeof actor, "staff:%s", admin.login);
        DisableArgs a = {target.id, actor, login, strcmp(target.role, "admin") == 0, now};
        StoreStatus s = keys_tx(disable_tx, &a);
        r = s == STORE_CONFLICT ? STAFF_LAST_ADMIN : from_store(s);
    }
    staff_row_free(&admin);
    staff_row_free(&target);
    return r;
}

static StoreStatus disable_again_tx(StoreConn *c, void *arg)
{
    DisableArgs *a = arg;
    StoreStatus s = store_staff_disable(c, a->id);
    if (s == STORE_OK)
        s = store_sessions_delete_staff(c, a->id);
    return s == STORE_OK
               ? store_audit_append(c, a->now, a->actor, "staff.disable_reapplied", a->login, "")
               : s;
}

StaffResult staff_disable_again(int64_t id, const char *login, int64_t now)
{
    DisableArgs a = {id, "ctl", login, 0, now};
    return from_store(store_tx(disable_again_tx, &a));
}

/* ---- passwords ---- */

typedef struct WrapArgs {
    int64_t id;
    const char *actor, *action, *login;
    const Buf *wrap;       /* a new password for the same keys, or */
    const StaffKeys *keys; /* new keys (TOTP cleared) */
    int64_t now;
} WrapArgs;

static StoreStatus wrap_tx(StoreConn *c, void *arg)
{
    WrapArgs *a = arg;
    StoreStatus s = a->keys ? store_staff_set_keys(c, a->id, a->keys, a->now)
                            : store_staff_set_wrap(c, a->id, a->wrap, a->now);
    if (s != STORE_OK)
        return s;
    /* A new password ends every session of the account. */
    if ((s = store_sessions_delete_staff(c, a->id)) != STORE_OK)
        return s;
    return store_audit_append(c, a->now, a->actor, a->action, a->login, "");
}

StaffResult staff_passwd(const char *login, const char *old_password, const char *new_password,
                         VaultPwCost cost, int64_t now)
{
    StaffResult r;
    StoreConn *c = conn_for_password(new_password, &r);
    if (!c)
        return r;
    StaffRow row = {0};
    unsigned char *account_sk = vault_secret_alloc(VAULT_KEY_BYTES);
    unsigned char *org_sk = vault_secret_alloc(VAULT_KEY_BYTES);
    r = unlock_account(c, login, old_password, &row, account_sk, org_sk);
    Buf wrap = {0};
    if (r == STAFF_OK) {
        char actor[80];
        snprintf(actor, sizeof actor, "staff:%s", row.login);
        WrapArgs a = {row.id, actor, "staff.passwd", row.login, &wrap, NULL, now};
        r = vault_staff_key_wrap(row.login, row.role, new_password, cost, account_sk, &wrap) == 0
                ? from_store(keys_tx(wrap_tx, &a))
                : STAFF_ERROR;
    }
    buf_free(&wrap);
    vault_secret_free(account_sk);
    vault_secret_free(org_sk);
    staff_row_free(&row);
    return r;
}

/* New keys for an account that lost its password (recovery, admin reset): the old TOTP secret
 * was keyed by the old account key, so it is cleared and the account enrols again. */
static StaffResult rekey(const StaffRow *row, const unsigned char *org_sk, const char *new_password,
                         VaultPwCost cost, const char *actor, const char *action, int64_t now)
{
    NewKeys k = {0};
    StaffResult r = STAFF_ERROR;
    if (keys_make(row->login, row->role, new_password, cost, org_sk, &k) == 0) {
        StaffKeys keys = keys_of(&k);
        WrapArgs a = {row->id, actor, action, row->login, NULL, &keys, now};
        r = from_store(keys_tx(wrap_tx, &a));
    }
    keys_free(&k);
    return r;
}

StaffResult staff_recover(const char *recovery_text, const char *login, const char *new_password,
                          VaultPwCost cost, int64_t now)
{
    StaffResult r;
    StoreConn *c = conn_for_password(new_password, &r);
    if (!c)
        return r;
    OrgRow org = {0};
    StaffRow row = {0};
    unsigned char *rk = vault_secret_alloc(VAULT_KEY_BYTES);
    unsigned char *sk = vault_secret_alloc(VAULT_KEY_BYTES);
    r = from_store(store_org_get(c, &org));
    if (r == STAFF_NOT_FOUND)
        r = STAFF_NOT_INITIALISED;
    if (r == STAFF_OK &&
        (vault_recovery_parse(recovery_text, rk) != 0 ||
         vault_recovery_unwrap(rk, org.recovery_wrap.data, org.recovery_wrap.len, sk) != 0))
        r = STAFF_BAD_CREDENTIALS;
    if (r == STAFF_OK)
        r = from_store(store_staff_by_login(c, login, &row));
    if (r == STAFF_OK && (strcmp(row.role, "admin") != 0 || row.disabled))
        r = STAFF_FORBIDDEN;
    if (r == STAFF_OK)
        r = rekey(&row, sk, new_password, cost, "ctl", "staff.recover", now);
    vault_secret_free(rk);
    vault_secret_free(sk);
    org_row_free(&org);
    staff_row_free(&row);
    return r;
}

StaffResult staff_reset_password(const Session *admin, const char *login, const char *new_password,
                                 VaultPwCost cost, int64_t now)
{
    if (!admin || strcmp(admin->role, "admin") != 0)
        return STAFF_FORBIDDEN;
    StaffResult r;
    StoreConn *c = conn_for_password(new_password, &r);
    if (!c)
        return r;
    StaffRow row = {0};
    r = from_store(store_staff_by_login(c, login, &row));
    /* A disabled account stays locked out: a reset would hand the org key back to it. */
    if (r == STAFF_OK && row.disabled)
        r = STAFF_DISABLED;
    if (r == STAFF_OK) {
        char actor[80];
        snprintf(actor, sizeof actor, "staff:%s", admin->login);
        r = rekey(&row, admin->key, new_password, cost, actor, "staff.reset_password", now);
    }
    staff_row_free(&row);
    return r;
}

/* ---- rotation ---- */

typedef struct Keyed {
    int64_t id;
    int auditor;
    unsigned char pk[VAULT_KEY_BYTES];
} Keyed;

typedef struct KeyedList {
    Keyed *k;
    size_t n, cap;
} KeyedList;

static void keyed_add(void *arg, int64_t id, const char *role, const unsigned char *pk)
{
    KeyedList *l = arg;
    l->k = xgrow(l->k, l->n, &l->cap, sizeof *l->k, 16);
    l->k[l->n].id = id;
    l->k[l->n].auditor = strcmp(role, "auditor") == 0;
    memcpy(l->k[l->n].pk, pk, VAULT_KEY_BYTES);
    l->n++;
}

StoreStatus staff_reseal_tx(StoreConn *c, const unsigned char *new_org_sk, int64_t *sealed)
{
    KeyedList l = {0};
    StoreStatus s = store_staff_each_keyed(c, keyed_add, &l);
    *sealed = 0;
    for (size_t i = 0; s == STORE_OK && i < l.n; i++) {
        Buf seal = {0};
        if (!l.k[i].auditor) {
            vault_org_key_seal(l.k[i].pk, new_org_sk, &seal);
            (*sealed)++;
        }
        s = store_staff_set_org_seal(c, l.k[i].id, &seal);
        buf_free(&seal);
    }
    free(l.k);
    /* Every staff session holds the old org key: all sign in again. */
    return s == STORE_OK ? store_sessions_delete_all_staff(c) : s;
}

void staff_recovery_wrap(const unsigned char *org_sk, char recovery_text[VAULT_RECOVERY_TEXT],
                         Buf *out)
{
    unsigned char *rk = vault_secret_alloc(VAULT_KEY_BYTES);
    vault_recovery_new(recovery_text, rk);
    vault_recovery_wrap(rk, org_sk, out);
    vault_secret_free(rk);
}

/* ---- TOTP ---- */

/* TOTP secrets are keyed by the account's own secret key (vault_totp_key; only its password
 * opens it), not by the org key every caseworker holds. */

/* Decrypts an account's TOTP secret (pending or confirmed) into secret (TOTP_SECRET_BYTES). */
static int totp_open(const unsigned char *account_key, int64_t staff_id, const Buf *enc,
                     const char *column, unsigned char *secret)
{
    unsigned char *k = vault_secret_alloc(VAULT_KEY_BYTES);
    vault_totp_key(account_key, staff_id, k);
    char rowid[24];
    snprintf(rowid, sizeof rowid, "%lld", (long long)staff_id);
    Buf pt = {0};
    int rc = vault_field_decrypt(k, "staff", column, rowid, enc->data, enc->len, &pt);
    if (rc == 0 && pt.len != TOTP_SECRET_BYTES)
        rc = -1;
    if (rc == 0)
        memcpy(secret, pt.data, TOTP_SECRET_BYTES);
    if (pt.data)
        vault_wipe(pt.data, pt.len);
    buf_free(&pt);
    vault_secret_free(k);
    return rc;
}

/* The time step whose code matches (now-1, now, now+1 steps allowed for clock drift), or -1. */
static int64_t totp_match(const unsigned char *secret, const char *code, int64_t now)
{
    if (!code || strlen(code) != 6)
        return -1;
    int64_t found = -1;
    for (int d = -1; d <= 1; d++) {
        char otp[16];
        int64_t t = now + d * TOTP_STEP;
        if (oath_totp_generate((const char *)secret, TOTP_SECRET_BYTES, (time_t)t, TOTP_STEP, 0, 6,
                               otp) != OATH_OK)
            return -1;
        if (vault_str_equal(otp, code))
            found = t / TOTP_STEP;
        vault_wipe(otp, sizeof otp);
    }
    return found;
}

StaffResult staff_totp_begin(const Session *s, char uri[256], char secret_b32[64])
{
    StoreConn *c = store_conn();
    if (!c || !s || strcmp(s->kind, "staff") != 0 || !s->account_key)
        return STAFF_ERROR;
    unsigned char *secret = vault_secret_alloc(TOTP_SECRET_BYTES);
    unsigned char *k = vault_secret_alloc(VAULT_KEY_BYTES);
    vault_random(secret, TOTP_SECRET_BYTES);
    vault_totp_key(s->account_key, s->staff_id, k);
    char rowid[24];
    snprintf(rowid, sizeof rowid, "%lld", (long long)s->staff_id);
    Buf enc = {0};
    vault_field_encrypt(k, "staff", "totp_pending", rowid, secret, TOTP_SECRET_BYTES, &enc);
    StaffResult r = from_store(store_staff_set_totp_pending(c, s->staff_id, &enc));
    char *b32 = NULL;
    size_t b32len = 0;
    if (r == STAFF_OK &&
        (oath_init() != OATH_OK ||
         oath_base32_encode((const char *)secret, TOTP_SECRET_BYTES, &b32, &b32len) != OATH_OK ||
         b32len >= 64))
        r = STAFF_ERROR;
    if (r == STAFF_OK) {
        /* Padding '=' is not part of the otpauth secret. */
        while (b32len && b32[b32len - 1] == '=')
            b32[--b32len] = '\0';
        snprintf(secret_b32, 64, "%s", b32);
        snprintf(uri, 256,
                 "otpauth://totp/takedown:%s?secret=%s&issuer=takedown&digits=6&period=30",
                 s->login, b32);
    }
    if (b32) {
        vault_wipe(b32, b32len);
        free(b32);
    }
    buf_free(&enc);
    vault_secret_free(secret);
    vault_secret_free(k);
    return r;
}

typedef struct ConfirmArgs {
    int64_t id, step, now;
    const char *login;
    const Buf *enc; /* the secret encrypted for the totp_secret column */
} ConfirmArgs;

static StoreStatus confirm_tx(StoreConn *c, void *arg)
{
    ConfirmArgs *a = arg;
    StoreStatus s = store_staff_set_totp_pending(c, a->id, a->enc);
    if (s == STORE_OK)
        s = store_staff_confirm_totp(c, a->id, a->step);
    if (s != STORE_OK)
        return s;
    char actor[80];
    snprintf(actor, sizeof actor, "staff:%s", a->login);
    return store_audit_append(c, a->now, actor, "staff.totp_enrol", a->login, "");
}

int staff_totp_enrolled(const Session *s)
{
    StoreConn *c = store_conn();
    StaffRow row = {0};
    int on =
        c && s && store_staff_by_id(c, s->staff_id, &row) == STORE_OK && row.totp_secret.len > 0;
    staff_row_free(&row);
    return on;
}

StaffResult staff_totp_confirm(const Session *s, const char *code, const char *current, int64_t now)
{
    StoreConn *c = store_conn();
    if (!c || !s || strcmp(s->kind, "staff") != 0 || !s->account_key)
        return STAFF_ERROR;
    StaffRow row = {0};
    StaffResult r = from_store(store_staff_by_id(c, s->staff_id, &row));
    unsigned char *secret = vault_secret_alloc(TOTP_SECRET_BYTES);
    if (r == STAFF_OK && row.totp_pending.len == 0)
        r = STAFF_NOT_FOUND;
    if (r == STAFF_OK &&
        totp_open(s->account_key, s->staff_id, &row.totp_pending, "totp_pending", secret) != 0)
        r = STAFF_ERROR;
    /* Replacing a generator needs a code from the one in use: a stolen session alone cannot. */
    if (r == STAFF_OK && row.totp_secret.len > 0) {
        unsigned char *old = vault_secret_alloc(TOTP_SECRET_BYTES);
        int64_t old_step = -1;
        if (!current || !*current)
            r = STAFF_TOTP_REQUIRED;
        else if (totp_open(s->account_key, s->staff_id, &row.totp_secret, "totp_secret", old) != 0)
            r = STAFF_ERROR;
        else if ((old_step = totp_match(old, current, now)) < 0 || old_step <= row.totp_last_step)
            r = STAFF_TOTP_BAD;
        vault_secret_free(old);
    }
    int64_t step = r == STAFF_OK ? totp_match(secret, code, now) : -1;
    if (r == STAFF_OK && step < 0)
        r = STAFF_TOTP_BAD;
    if (r == STAFF_OK) {
        /* The pending ciphertext is bound to the column it was made for; re-encrypt for the
         * confirmed one. */
        unsigned char *k = vault_secret_alloc(VAULT_KEY_BYTES);
        vault_totp_key(s->account_key, s->staff_id, k);
        char rowid[24];
        snprintf(rowid, sizeof rowid, "%lld", (long long)s->staff_id);
        Buf enc = {0};
        vault_field_encrypt(k, "staff", "totp_secret", rowid, secret, TOTP_SECRET_BYTES, &enc);
        vault_secret_free(k);
        ConfirmArgs a = {s->staff_id, step, now, s->login, &enc};
        r = from_store(store_tx(confirm_tx, &a));
        buf_free(&enc);
    }
    vault_secret_free(secret);
    staff_row_free(&row);
    return r;
}

StaffResult staff_require_totp(const Session *admin, int on, int64_t now)
{
    if (!admin || strcmp(admin->role, "admin") != 0)
        return STAFF_FORBIDDEN;
    StoreConn *c = store_conn();
    if (!c)
        return STAFF_ERROR;
    StaffResult r = from_store(store_org_set_require_totp(c, on));
    if (r == STAFF_OK) {
        char actor[80];
        snprintf(actor, sizeof actor, "staff:%s", admin->login);
        staff_audit(actor, on ? "org.require_totp" : "org.allow_no_totp", "", "", now);
    }
    return r;
}

StaffResult staff_set_digest(const Session *admin, const char *login, const char *email,
                             int64_t now)
{
    if (!admin || strcmp(admin->role, "admin") != 0)
        return STAFF_FORBIDDEN;
    if (!staff_login_valid(login))
        return STAFF_NOT_FOUND;
    if (email && *email && (strlen(email) > 254 || !intake_email_valid(email)))
        return STAFF_BAD_EMAIL;
    StoreConn *c = store_conn();
    if (!c)
        return STAFF_ERROR;
    /* Only those who hold cases get a digest of them: not auditors, not disabled accounts. */
    StaffRow row = {0};
    StaffResult r = from_store(store_staff_by_login(c, login, &row));
    if (r == STAFF_OK && row.disabled)
        r = STAFF_DISABLED;
    else if (r == STAFF_OK && strcmp(row.role, "auditor") == 0)
        r = STAFF_BAD_ROLE;
    staff_row_free(&row);
    if (r == STAFF_OK)
        r = from_store(store_staff_set_digest(c, login, email && *email ? email : NULL));
    if (r == STAFF_OK) {
        char actor[80];
        snprintf(actor, sizeof actor, "staff:%s", admin->login);
        staff_audit(actor, email && *email ? "staff.digest_set" : "staff.digest_cleared", login, "",
                    now);
    }
    return r;
}

/* ---- sign-in ---- */

typedef struct SignInArgs {
    int64_t staff_id;
    const unsigned char *key, *account_key;
    int64_t now;
    const char *login;
    char *cookie, *csrf;
} SignInArgs;

static StoreStatus sign_in_tx(StoreConn *c, void *arg)
{
    SignInArgs *a = arg;
    StoreStatus s = session_create(c, "staff", a->staff_id, NULL, a->key, a->account_key, a->now,
                                   a->cookie, a->csrf);
    if (s != STORE_OK)
        return s;
    char actor[80];
    snprintf(actor, sizeof actor, "staff:%s", a->login);
    return store_audit_append(c, a->now, actor, "staff.sign_in", a->login, "");
}

StaffResult staff_sign_in(const char *login, const char *password, const char *totp, int64_t now,
                          char cookie[SESSION_COOKIE_MAX], char csrf[65])
{
    StoreConn *c = store_conn();
    if (!c)
        return STAFF_ERROR;
    StaffRow row = {0};
    OrgRow org = {0};
    unsigned char *key = vault_secret_alloc(VAULT_KEY_BYTES);
    unsigned char *account_sk = vault_secret_alloc(VAULT_KEY_BYTES);
    unsigned char *secret = vault_secret_alloc(TOTP_SECRET_BYTES);
    StaffResult r = unlock_account(c, login, password, &row, account_sk, key);
    if (r == STAFF_OK && row.totp_secret.len > 0) {
        if (!totp || !*totp) {
            r = STAFF_TOTP_REQUIRED;
        } else {
            int64_t step = -1;
            if (totp_open(account_sk, row.id, &row.totp_secret, "totp_secret", secret) == 0)
                step = totp_match(secret, totp, now);
            if (step < 0 || store_staff_use_totp_step(c, row.id, step) != STORE_OK)
                r = STAFF_TOTP_BAD;
        }
    }
    if (r == STAFF_OK) {
        SignInArgs a = {row.id, key, account_sk, now, row.login, cookie, csrf};
        r = from_store(store_tx(sign_in_tx, &a));
        /* Enrolment required by the admin: the session only reaches the enrolment pages. */
        if (r == STAFF_OK && row.totp_secret.len == 0 && store_org_get(c, &org) == STORE_OK &&
            org.require_totp)
            r = STAFF_TOTP_ENROL;
    }
    vault_secret_free(secret);
    vault_secret_free(account_sk);
    vault_secret_free(key);
    staff_row_free(&row);
    org_row_free(&org);
    return r;
}

void staff_password_new(char out[STAFF_NEW_PASSWORD_TEXT])
{
    char hex[25];
    vault_random_hex(hex, 12);
    snprintf(out, STAFF_NEW_PASSWORD_TEXT, "%.4s-%.4s-%.4s-%.4s-%.4s-%.4s", hex, hex + 4, hex + 8,
             hex + 12, hex + 16, hex + 20);
    vault_wipe(hex, sizeof hex);
}

int64_t staff_id_of(const char *login)
{
    StoreConn *c = store_conn();
    StaffRow row = {0};
    int64_t id = c && store_staff_by_login(c, login, &row) == STORE_OK ? row.id : 0;
    staff_row_free(&row);
    return id;
}
