/* The case side of an org key rotation: every case key sealed to the new org public key and
 * wrapped under the new data key, every incident label and blind index keyed afresh. The case keys
 * themselves stay (the victims' receipts wrap them), so what a departed member can no longer open
 * is everything keyed by the org key: new cases, labels, indexes and the wraps themselves. */
#include "casework_internal.h"

#include "log.h"
#include "sealed.h"
#include "store_case.h"
#include "store_registry.h"
#include "store_target.h"
#include "store_desk.h"
#include "vault.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct RekeyCase {
    const unsigned char *key; /* the case key */
    const char *case_id;
    json_t *targets, *fingerprints;
} RekeyCase;

static void rekey_target(void *arg, const TargetRow *t)
{
    RekeyCase *a = arg;
    json_t *body = sealed_open_json_id(a->key, "targets", "body", t->id, &t->body);
    if (body)
        json_array_append_new(a->targets,
                              json_pack("{s:I, s:o}", "id", (json_int_t)t->id, "body", body));
}

static void rekey_fingerprint(void *arg, int64_t id, const Buf *body)
{
    RekeyCase *a = arg;
    char *v = sealed_open_text_id(a->key, "fingerprints", "body", id, body);
    if (v)
        json_array_append_new(a->fingerprints, json_pack("{s:s}", "value", v));
    free(v);
}

/* Opens a case's key with the old org key: its wrap under the old data key, else its seal. */
static int open_with(const CaseRow *row, const unsigned char *old_sk,
                     const unsigned char old_pk[VAULT_KEY_BYTES], unsigned char *key)
{
    if (row->org_wrap.len && vault_case_key_open_with_org(old_sk, row->id, row->org_wrap.data,
                                                          row->org_wrap.len, key) == 0)
        return 0;
    return vault_case_key_unseal(old_pk, old_sk, row->sealed_key.data, row->sealed_key.len, key);
}

static StoreStatus rekey_case(StoreConn *c, const char *id, const CwRotation *r)
{
    CaseRow row = {0};
    StoreStatus st = store_case_get(c, id, &row);
    unsigned char *key = vault_secret_alloc(VAULT_KEY_BYTES);
    Buf sealed = {0}, wrap = {0};
    RekeyCase a = {key, id, json_array(), json_array()};
    json_t *body = NULL;
    if (st == STORE_OK && open_with(&row, r->old_sk, r->old_pk, key) != 0) {
        log_errorx("%s: a case key does not open with the current org key", __func__);
        st = STORE_ERROR;
    }
    if (st == STORE_OK) {
        vault_case_key_seal(r->new_pk, key, &sealed);
        vault_case_key_wrap_for_org(r->new_sk, row.id, key, &wrap);
        st = store_case_set_keys(c, id, &sealed, &wrap);
    }
    if (st == STORE_OK)
        st = store_targets_of_case(c, id, 1, rekey_target, &a);
    if (st == STORE_OK)
        st = store_fingerprints_of_case(c, id, rekey_fingerprint, &a);
    if (st == STORE_OK && !(body = sealed_open_json(key, "cases", "body", id, &row.body)))
        st = STORE_ERROR;
    if (st == STORE_OK)
        st = cw_blind_write(c, r->new_sk, id, body, a.targets, a.fingerprints);
    json_decref(body);
    json_decref(a.targets);
    json_decref(a.fingerprints);
    buf_free(&sealed);
    buf_free(&wrap);
    vault_secret_free(key);
    case_row_free(&row);
    return st;
}

typedef struct Labels {
    StoreConn *c;
    const unsigned char *old_dk, *new_dk;
    StoreStatus st;
} Labels;

static void rekey_label(void *arg, const IncidentRow *r)
{
    Labels *l = arg;
    char *text = sealed_open_text_id(l->old_dk, "incidents", "label", r->id, &r->label);
    if (!text || l->st != STORE_OK) {
        free(text);
        return;
    }
    l->st = caselog_seal_text(l->c, l->new_dk, SEALED_INCIDENT_LABEL, r->id, text);
    vault_wipe(text, strlen(text));
    free(text);
}

/* Fields sealed to the org (what platforms' desks answered): their field keys sealed afresh to
 * the new org key. Ids and bodies first, then the writes. */
typedef struct OrgFields {
    int64_t *id;
    Buf *body;
    size_t n;
} OrgFields;

static void org_field_add(void *arg, int64_t id, const Buf *body)
{
    OrgFields *f = arg;
    f->id = xrealloc(f->id, (f->n + 1) * sizeof *f->id);
    f->body = xrealloc(f->body, (f->n + 1) * sizeof *f->body);
    f->id[f->n] = id;
    f->body[f->n] = (Buf){0};
    buf_append(&f->body[f->n++], body->data, body->len);
}

static StoreStatus reseal_org_fields(StoreConn *c, DeskOrgTable t, const CwRotation *r)
{
    OrgFields f = {0};
    StoreStatus st = store_desk_org_fields(c, t, org_field_add, &f);
    for (size_t i = 0; i < f.n; i++) {
        Buf out = {0};
        if (st == STORE_OK && vault_org_field_reseal(r->old_pk, r->old_sk, r->new_pk,
                                                     f.body[i].data, f.body[i].len, &out) == 0)
            st = store_desk_org_field_set(c, t, f.id[i], &out);
        buf_free(&out);
        buf_free(&f.body[i]);
    }
    free(f.id);
    free(f.body);
    return st;
}

StoreStatus casework_rotate_tx(StoreConn *c, CwRotation *r)
{
    unsigned char *old_dk = vault_secret_alloc(VAULT_KEY_BYTES);
    unsigned char *new_dk = vault_secret_alloc(VAULT_KEY_BYTES);
    vault_org_data_key(r->old_sk, old_dk);
    vault_org_data_key(r->new_sk, new_dk);
    CaseIds ids = {0};
    /* Ids first, then one case at a time: no statement reads a table another one is writing. */
    StoreStatus st = store_case_ids(c, case_ids_add, &ids);
    for (size_t i = 0; st == STORE_OK && i < ids.n; i++) {
        st = rekey_case(c, ids.id[i], r);
        if (r->progress && (i + 1 == ids.n || (i + 1) % 1000 == 0))
            r->progress(r->arg, (int64_t)(i + 1), (int64_t)ids.n);
    }
    r->cases = st == STORE_OK ? (int64_t)ids.n : 0;
    Labels l = {c, old_dk, new_dk, STORE_OK};
    if (st == STORE_OK)
        st = store_incidents(c, rekey_label, &l);
    if (st == STORE_OK)
        st = l.st;
    if (st == STORE_OK)
        st = reseal_org_fields(c, DESK_ORG_ANSWERS, r);
    if (st == STORE_OK)
        st = reseal_org_fields(c, DESK_ORG_REUPLOADS, r);
    if (st == STORE_OK) /* findings of unattended checks that came in since the drain before */
        st = reseal_org_fields(c, DESK_ORG_NIGHT_CHECKS, r);
    free(ids.id);
    vault_secret_free(old_dk);
    vault_secret_free(new_dk);
    return st;
}
