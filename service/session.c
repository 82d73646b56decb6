/* Session cookies: "<id hex>.<key hex>"; the store keeps BLAKE2b(id) and the wrapped key. */
#include "session.h"

#include "log.h"
#include "route.h"
#include "store_staff.h"
#include "vault.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SESSION_ID_BYTES 32            /* the random session id in the cookie */
#define WRAP_MAX (2 * VAULT_KEY_BYTES) /* staff: org key and account key */

StoreStatus session_create(StoreConn *c, const char *kind, int64_t staff_id, const char *case_id,
                           const unsigned char *key, const unsigned char *account_key, int64_t now,
                           char cookie[SESSION_COOKIE_MAX], char csrf[65])
{
    unsigned char id[SESSION_ID_BYTES], id_hash[VAULT_ID_BYTES];
    unsigned char *skey = vault_secret_alloc(VAULT_KEY_BYTES);
    vault_random(id, sizeof id);
    vault_key_new(skey);
    vault_hash(id, sizeof id, id_hash);
    int staff = strcmp(kind, "staff") == 0;
    unsigned char *both = vault_secret_alloc(WRAP_MAX);
    memcpy(both, key, VAULT_KEY_BYTES);
    size_t n = VAULT_KEY_BYTES;
    if (staff && account_key) {
        memcpy(both + n, account_key, VAULT_KEY_BYTES);
        n += VAULT_KEY_BYTES;
    }
    Buf wrap = {0};
    vault_session_wrap(skey, id_hash, kind, staff ? staff_id : 0, staff ? NULL : case_id, both, n,
                       &wrap);
    vault_secret_free(both);
    int64_t expires = now + (staff ? SESSION_STAFF_ABSOLUTE : SESSION_VICTIM_ABSOLUTE);
    StoreStatus s = store_session_insert(c, id_hash, kind, staff_id, case_id, &wrap, now, expires);
    buf_free(&wrap);
    if (s == STORE_OK) {
        char idhex[2 * SESSION_ID_BYTES + 1], keyhex[VAULT_HEX_KEY_TEXT];
        vault_to_hex(id, sizeof id, idhex);
        vault_to_hex(skey, VAULT_KEY_BYTES, keyhex);
        snprintf(cookie, SESSION_COOKIE_MAX, "%s.%s", idhex, keyhex);
        vault_wipe(keyhex, sizeof keyhex);
        vault_session_csrf(skey, csrf);
    }
    vault_wipe(id, sizeof id);
    vault_secret_free(skey);
    return s;
}

static unsigned role_access(const char *role)
{
    if (strcmp(role, "admin") == 0)
        return ACCESS_ADMIN;
    if (strcmp(role, "caseworker") == 0)
        return ACCESS_CASEWORKER;
    if (strcmp(role, "auditor") == 0)
        return ACCESS_AUDITOR;
    return 0;
}

Session *session_load(const char *cookie, int64_t now)
{
    if (!cookie || strlen(cookie) != 2 * SESSION_ID_BYTES + 1 + 2 * VAULT_KEY_BYTES ||
        cookie[2 * SESSION_ID_BYTES] != '.')
        return NULL;
    StoreConn *c = store_conn();
    if (!c)
        return NULL;
    unsigned char id[SESSION_ID_BYTES];
    char idhex[2 * SESSION_ID_BYTES + 1];
    memcpy(idhex, cookie, 2 * SESSION_ID_BYTES);
    idhex[2 * SESSION_ID_BYTES] = '\0';
    if (vault_from_hex(idhex, id, sizeof id) != SESSION_ID_BYTES)
        return NULL;
    Session *s = xcalloc(1, sizeof *s);
    unsigned char *skey = vault_secret_alloc(VAULT_KEY_BYTES);
    SessionRow row = {0};
    vault_hash(id, sizeof id, s->id_hash);
    if (vault_from_hex(cookie + 2 * SESSION_ID_BYTES + 1, skey, VAULT_KEY_BYTES) !=
            VAULT_KEY_BYTES ||
        store_session_get(c, s->id_hash, &row) != STORE_OK)
        goto fail;
    int staff = strcmp(row.kind, "staff") == 0;
    int64_t idle = staff ? SESSION_STAFF_IDLE : SESSION_VICTIM_IDLE;
    if (now >= row.expires_at || now >= row.last_seen + idle) {
        store_session_delete(c, s->id_hash);
        goto fail;
    }
    unsigned char *both = vault_secret_alloc(WRAP_MAX);
    size_t n = staff ? WRAP_MAX : VAULT_KEY_BYTES;
    int opened = vault_session_unwrap(skey, s->id_hash, row.kind, staff ? row.staff_id : 0,
                                      staff ? NULL : row.case_id, row.key_wrap.data,
                                      row.key_wrap.len, both, n) == 0;
    if (opened) {
        s->key = vault_secret_alloc(VAULT_KEY_BYTES);
        memcpy(s->key, both, VAULT_KEY_BYTES);
        if (staff) {
            s->account_key = vault_secret_alloc(VAULT_KEY_BYTES);
            memcpy(s->account_key, both + VAULT_KEY_BYTES, VAULT_KEY_BYTES);
        }
    }
    vault_secret_free(both);
    if (!opened)
        goto fail;
    snprintf(s->kind, sizeof s->kind, "%s", row.kind);
    if (staff) {
        StaffRow st = {0};
        if (store_staff_by_id(c, row.staff_id, &st) != STORE_OK || st.disabled) {
            staff_row_free(&st);
            goto fail;
        }
        s->staff_id = st.id;
        snprintf(s->login, sizeof s->login, "%s", st.login);
        snprintf(s->role, sizeof s->role, "%s", st.role);
        s->access = role_access(st.role);
        if (st.totp_secret.len == 0) {
            OrgRow org = {0};
            s->must_enrol = store_org_get(c, &org) == STORE_OK && org.require_totp;
            org_row_free(&org);
        }
        staff_row_free(&st);
    } else {
        snprintf(s->case_id, sizeof s->case_id, "%s", row.case_id);
        s->access = ACCESS_VICTIM;
    }
    if (now - row.last_seen >= 60)
        store_session_touch(c, s->id_hash, now);
    vault_session_csrf(skey, s->csrf);
    session_row_free(&row);
    vault_secret_free(skey);
    return s;
fail:
    session_row_free(&row);
    vault_secret_free(skey);
    session_free(s);
    return NULL;
}

void session_free(Session *s)
{
    if (!s)
        return;
    vault_secret_free(s->key);
    vault_secret_free(s->account_key);
    vault_wipe(s->csrf, sizeof s->csrf);
    free(s);
}

StoreStatus session_destroy(Session *s)
{
    StoreConn *c = store_conn();
    return c ? store_session_delete(c, s->id_hash) : STORE_ERROR;
}

int session_csrf_ok(const Session *s, const char *token)
{
    return token && strlen(token) == VAULT_CSRF_TEXT - 1 && vault_str_equal(token, s->csrf);
}
