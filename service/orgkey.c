/* One transaction: case keys, labels and blind indexes; the org row; the accounts' seals. */
#include "orgkey.h"

#include "casework.h"
#include "log.h"
#include "retention.h"
#include "store_staff.h"

#include <stdio.h>
#include <string.h>

typedef struct RotateArgs {
    CwRotation cw;
    Buf recovery_wrap;
    const char *actor;
    int64_t now, accounts;
} RotateArgs;

static StoreStatus rotate_tx(StoreConn *c, void *arg)
{
    RotateArgs *a = arg;
    OrgRow org = {0};
    StoreStatus s = store_org_get(c, &org);
    /* The key read before the transaction must still be the org's (no rotation in between). */
    if (s == STORE_OK && memcmp(org.public_key, a->cw.old_pk, VAULT_KEY_BYTES) != 0)
        s = STORE_CONFLICT;
    org_row_free(&org);
    if (s == STORE_OK)
        s = casework_rotate_tx(c, &a->cw);
    if (s == STORE_OK)
        s = store_org_rotate(c, a->cw.new_pk, &a->recovery_wrap);
    if (s == STORE_OK)
        s = staff_reseal_tx(c, a->cw.new_sk, &a->accounts);
    if (s == STORE_OK)
        s = store_audit_append(c, a->now, a->actor, "org.rotate", "", "");
    return s;
}

StaffResult orgkey_rotate(const char *admin_login, const char *admin_password,
                          char recovery_text[VAULT_RECOVERY_TEXT],
                          void (*progress)(void *arg, int64_t done, int64_t total), void *arg,
                          int64_t now, OrgRotation *out)
{
    memset(out, 0, sizeof *out);
    StoreConn *c = store_conn();
    if (!c)
        return STAFF_ERROR;
    unsigned char *old_sk = vault_secret_alloc(VAULT_KEY_BYTES);
    unsigned char *new_sk = vault_secret_alloc(VAULT_KEY_BYTES);
    StaffResult r = staff_unlock_admin(admin_login, admin_password, old_sk);
    char actor[80];
    snprintf(actor, sizeof actor, "staff:%s", admin_login);
    RotateArgs a = {.cw = {.old_sk = old_sk, .new_sk = new_sk, .progress = progress, .arg = arg},
                    .actor = actor,
                    .now = now};
    OrgRow org = {0};
    if (r == STAFF_OK)
        r = store_org_get(c, &org) == STORE_OK ? STAFF_OK : STAFF_ERROR;
    /* Unattended checks' findings are sealed to the old org key: into their timeline first. */
    while (r == STAFF_OK && casework_adopt_night_checks(old_sk, 64) > 0)
        ;
    if (r == STAFF_OK) {
        memcpy(a.cw.old_pk, org.public_key, VAULT_KEY_BYTES);
        vault_org_keypair(a.cw.new_pk, new_sk);
        staff_recovery_wrap(new_sk, recovery_text, &a.recovery_wrap);
        StoreStatus s = store_tx_alone(rotate_tx, &a);
        if (s == STORE_OK) /* every wrap under the old key out of the database log too */
            retention_clear_log();
        r = s == STORE_OK            ? STAFF_OK
            : s == STORE_BUSY        ? STAFF_BUSY
            : s == STORE_UNAVAILABLE ? STAFF_UNAVAILABLE
                                     : STAFF_ERROR;
        if (r != STAFF_OK)
            vault_wipe(recovery_text, VAULT_RECOVERY_TEXT);
    }
    if (r == STAFF_OK) {
        out->accounts = a.accounts;
        out->cases = a.cw.cases;
    }
    org_row_free(&org);
    buf_free(&a.recovery_wrap);
    vault_secret_free(old_sk);
    vault_secret_free(new_sk);
    return r;
}
