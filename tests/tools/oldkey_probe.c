/* A thief's probe for the rotation tests: with an OLD copy of the data directory and a departed
 * member's password, take the org key that member held, then try it on a NEWER data directory.
 * Prints one JSON object: how many case keys and incident labels it opened there, and the blind
 * index a guessed link would have under the old key (hex), so the test can look for it.
 *
 *   oldkey_probe OLD_DIR LOGIN PROBE_DIR GUESS_URL   (password on stdin)
 */
#include "sealed.h"
#include "staff.h"
#include "store.h"
#include "store_case.h"
#include "store_registry.h"
#include "store_staff.h"
#include "vault.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct Probe {
    StoreConn *c;
    const unsigned char *sk, *dk;
    unsigned char pk[VAULT_KEY_BYTES];
    long cases, cases_opened, labels, labels_opened, totp_opened;
} Probe;

/* Whether the org key opens an account's TOTP secret under either way of keying it by the org
 * key (the retired "totpkey1" label, or today's account-key derivation fed the org key). */
static void probe_totp(Probe *p)
{
    for (int64_t id = 1; id <= 64; id++) {
        StaffRow row = {0};
        if (store_staff_by_id(p->c, id, &row) == STORE_OK && row.totp_secret.len) {
            char rowid[24];
            snprintf(rowid, sizeof rowid, "%lld", (long long)id);
            for (int i = 0; i < 2; i++) {
                unsigned char *k = vault_secret_alloc(VAULT_KEY_BYTES);
                Buf pt = {0};
                if (i == 0)
                    vault_derive(p->sk, (uint64_t)id, "totpkey1", k);
                else
                    vault_totp_key(p->sk, id, k);
                if (vault_field_decrypt(k, "staff", "totp_secret", rowid, row.totp_secret.data,
                                        row.totp_secret.len, &pt) == 0)
                    p->totp_opened++;
                buf_free(&pt);
                vault_secret_free(k);
            }
        }
        staff_row_free(&row);
    }
}

static void probe_case(void *arg, const char *id)
{
    Probe *p = arg;
    CaseRow row = {0};
    if (store_case_get(p->c, id, &row) != STORE_OK)
        return;
    p->cases++;
    unsigned char *key = vault_secret_alloc(VAULT_KEY_BYTES);
    if ((row.org_wrap.len &&
         vault_case_key_open_with_org(p->sk, id, row.org_wrap.data, row.org_wrap.len, key) == 0) ||
        vault_case_key_unseal(p->pk, p->sk, row.sealed_key.data, row.sealed_key.len, key) == 0)
        p->cases_opened++;
    vault_secret_free(key);
    case_row_free(&row);
}

static void probe_label(void *arg, const IncidentRow *r)
{
    Probe *p = arg;
    char row[24];
    snprintf(row, sizeof row, "%lld", (long long)r->id);
    p->labels++;
    char *text = sealed_open_text(p->dk, "incidents", "label", row, &r->label);
    if (text)
        p->labels_opened++;
    free(text);
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr,
                "usage: oldkey_probe OLD_DIR LOGIN PROBE_DIR GUESS_URL (password on stdin)\n");
        return 2;
    }
    char pw[300];
    if (!fgets(pw, sizeof pw, stdin))
        return 2;
    pw[strcspn(pw, "\n")] = '\0';
    char err[256];
    if (vault_init() != 0 || store_open(argv[1], err, sizeof err) != 0) {
        fprintf(stderr, "probe: cannot open %s\n", argv[1]);
        return 1;
    }
    unsigned char *sk = vault_secret_alloc(VAULT_KEY_BYTES);
    unsigned char *dk = vault_secret_alloc(VAULT_KEY_BYTES);
    unsigned char *bk = vault_secret_alloc(VAULT_KEY_BYTES);
    StaffResult r = staff_unlock(argv[2], pw, sk);
    vault_wipe(pw, sizeof pw);
    store_close();
    if (r != STAFF_OK) {
        fprintf(stderr, "probe: the old copy does not open with that password\n");
        return 1;
    }
    vault_org_data_key(sk, dk);
    vault_blind_key(sk, bk);
    Probe p = {.sk = sk, .dk = dk};
    if (store_open(argv[3], err, sizeof err) != 0 || !(p.c = store_conn())) {
        fprintf(stderr, "probe: cannot open %s\n", argv[3]);
        return 1;
    }
    OrgRow org = {0};
    if (store_org_get(p.c, &org) != STORE_OK)
        return 1;
    /* Whether the old key is still the org's (it must not be after a rotation); the thief tries
     * the seals with the public key that matches its secret key either way. */
    unsigned char derived_ok = (unsigned char)vault_keypair_matches(org.public_key, sk);
    vault_public_of(sk, p.pk);
    store_case_ids(p.c, probe_case, &p);
    store_incidents(p.c, probe_label, &p);
    probe_totp(&p);
    unsigned char idx[VAULT_ID_BYTES];
    vault_blind_index(bk, "url", argv[4], strlen(argv[4]), idx);
    char hex[2 * VAULT_ID_BYTES + 1];
    vault_to_hex(idx, VAULT_ID_BYTES, hex);
    printf("{\"current_org_key\": %s, \"cases\": %ld, \"cases_opened\": %ld, \"labels\": %ld, "
           "\"labels_opened\": %ld, \"totp_opened\": %ld, \"guess_index\": \"%s\"}\n",
           derived_ok ? "true" : "false", p.cases, p.cases_opened, p.labels, p.labels_opened,
           p.totp_opened, hex);
    org_row_free(&org);
    store_close();
    vault_secret_free(sk);
    vault_secret_free(dk);
    vault_secret_free(bk);
    return 0;
}
