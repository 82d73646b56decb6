/* Casework over the store and the vault: what the casework_*.c files share. The case key is
 * opened from the org key in the staff session: on first open from the sealed box (X25519), after
 * that from a wrap under the org data key (symmetric), so lists and pages never pay X25519 per
 * row. */
#include "casework_internal.h"

#include "retention.h"
#include "sealed.h"
#include "states.h"
#include "store_case.h"
#include "store_registry.h"
#include "store_staff.h"
#include "store_target.h"
#include "vault.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

CaseworkResult cw_from_store(StoreStatus s)
{
    switch (s) {
    case STORE_OK:
        return CW_OK;
    case STORE_NOT_FOUND:
        return CW_NOT_FOUND;
    case STORE_CONFLICT:
        return CW_CONFLICT;
    case STORE_BUSY:
        return CW_BUSY;
    case STORE_UNAVAILABLE:
        return CW_UNAVAILABLE;
    default:
        return CW_ERROR;
    }
}

int cw_can_open(const Session *s)
{
    return s && strcmp(s->kind, "staff") == 0 &&
           (strcmp(s->role, "admin") == 0 || strcmp(s->role, "caseworker") == 0);
}

CaseworkResult cw_staff_conn(const Session *s, StoreConn **c)
{
    if (!cw_can_open(s))
        return CW_FORBIDDEN;
    return (*c = store_conn()) ? CW_OK : CW_ERROR;
}

void cw_actor_of(const Session *s, char out[80])
{
    snprintf(out, 80, "staff:%s", s->login);
}

/* Opens a case's key into key (VAULT_KEY_BYTES of secret memory). When new_wrap is given and the
 * case was never opened by staff before, the caller stores new_wrap (in its transaction). */
CaseworkResult cw_open_key(StoreConn *c, const Session *s, const CaseRow *row, unsigned char *key,
                           Buf *new_wrap)
{
    CaseworkResult r = CW_OK;
    /* A wrap written under the old data key by a request that raced a rotation does not open:
     * the seal, which the rotation renewed, still does, and the page stores a fresh wrap. */
    if (!row->org_wrap.len || vault_case_key_open_with_org(s->key, row->id, row->org_wrap.data,
                                                           row->org_wrap.len, key) != 0) {
        OrgRow org = {0};
        if (store_org_get(c, &org) != STORE_OK ||
            vault_case_key_unseal(org.public_key, s->key, row->sealed_key.data, row->sealed_key.len,
                                  key) != 0)
            r = CW_FORBIDDEN;
        else if (new_wrap)
            vault_case_key_wrap_for_org(s->key, row->id, key, new_wrap);
        org_row_free(&org);
    }
    return r;
}

StoreStatus cw_org_key_current(StoreConn *c, const unsigned char *org_sk)
{
    OrgRow org = {0};
    StoreStatus st = store_org_get(c, &org);
    if (st == STORE_OK && !vault_keypair_matches(org.public_key, org_sk))
        st = STORE_CONFLICT;
    org_row_free(&org);
    return st;
}

/* ---- blind indexes: what a case holds, for matching across cases; keyed by the org key ---- */

/* The blind index values a case should have, made from what a view decrypted. */
typedef struct BlindSet {
    BlindRow *rows; /* owned */
    size_t n, cap;
} BlindSet;

static int blind_has(const BlindSet *set, const BlindRow *r)
{
    for (size_t i = 0; i < set->n; i++)
        if (set->rows[i].target_id == r->target_id && strcmp(set->rows[i].domain, r->domain) == 0 &&
            memcmp(set->rows[i].value, r->value, VAULT_ID_BYTES) == 0)
            return 1;
    return 0;
}

/* Adds r unless the set holds it already (the table keeps one row of each). */
static void blind_add(BlindSet *set, const BlindRow *r)
{
    if (blind_has(set, r))
        return;
    if (set->n == set->cap) {
        set->cap = set->cap ? set->cap * 2 : 8;
        set->rows = xrealloc(set->rows, set->cap * sizeof *set->rows);
    }
    set->rows[set->n++] = *r;
}

static void blind_add_cb(void *arg, const BlindRow *r)
{
    blind_add(arg, r);
}

static void blind_put(BlindSet *set, const unsigned char *bkey, const char *domain,
                      const char *value, int64_t target_id)
{
    if (!value || !*value)
        return;
    BlindRow r = {.target_id = target_id};
    snprintf(r.domain, sizeof r.domain, "%s", domain);
    vault_blind_index(bkey, domain, value, strlen(value), r.value);
    blind_add(set, &r);
}

/* A contact in a form that matches however it was typed: lower case, phone digits only. */
static void contact_norm(const json_t *contact, char out[300])
{
    out[0] = '\0';
    const char *ch = json_string_value(json_object_get(contact, "channel"));
    const char *v = json_string_value(json_object_get(contact, "value"));
    if (!ch || !v)
        return;
    size_t o = 0;
    for (const char *p = v; *p && o + 1 < 300; p++) {
        if (strcmp(ch, "phone") == 0 && (*p < '0' || *p > '9'))
            continue;
        out[o++] = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
    }
    out[o] = '\0';
}

StoreStatus cw_blind_write(StoreConn *c, const unsigned char *org_sk, const char *case_id,
                           const json_t *body, const json_t *targets, const json_t *fingerprints)
{
    unsigned char *bkey = vault_secret_alloc(VAULT_KEY_BYTES);
    vault_blind_key(org_sk, bkey);
    BlindSet want = {0}, have = {0};
    size_t i;
    json_t *v;
    json_array_foreach(targets, i, v)
        blind_put(&want, bkey, "url",
                  json_string_value(json_object_get(json_object_get(v, "body"), "canonical")),
                  json_integer_value(json_object_get(v, "id")));
    json_array_foreach(fingerprints, i, v)
        blind_put(&want, bkey, "sha256", json_string_value(json_object_get(v, "value")), 0);
    char contact[300];
    contact_norm(json_object_get(json_object_get(body, "requester"), "contact"), contact);
    blind_put(&want, bkey, "contact", contact, 0);
    vault_secret_free(bkey);
    /* Written again only when they differ from what is stored: most views change nothing, and
     * each write is a row deleted and made again under the one writer. */
    StoreStatus st = store_blind_of_case(c, case_id, blind_add_cb, &have);
    int same = st == STORE_OK && have.n == want.n;
    for (size_t k = 0; same && k < want.n; k++)
        same = blind_has(&have, &want.rows[k]);
    if (st == STORE_OK && !same) {
        st = store_blind_clear(c, case_id);
        for (size_t k = 0; st == STORE_OK && k < want.n; k++)
            st = store_blind_replace(c, case_id, want.rows[k].domain, want.rows[k].value,
                                     want.rows[k].target_id);
    }
    free(want.rows);
    free(have.rows);
    return st;
}

StoreStatus cw_case_workable(StoreConn *c, const char *case_id)
{
    int64_t targets = 0;
    int withdrawn = 0;
    StoreStatus st = store_case_facts(c, case_id, &targets, &withdrawn);
    return st == STORE_OK && withdrawn ? STORE_CONFLICT : st;
}

/* A clock runs while a due time is set on an open target (transitions set and clear it). */
int cw_is_waiting(const char *state)
{
    return states_is_open(state);
}

void cw_add_notice(void *arg, const NoticeRow *n)
{
    CwNoticeArgs *a = arg;
    json_t *body = sealed_open_json_id(a->key, "notices", "body", n->id, &n->body);
    json_t *o = json_pack("{s:I, s:s, s:s, s:I, s:s}", "id", (json_int_t)n->id, "route", n->route,
                          "language", n->language, "sent_at", (json_int_t)n->sent_at, "sent_by",
                          n->sent_by);
    if (body)
        json_object_update(o, body);
    json_decref(body);
    json_array_append_new(a->list, o);
}

static void cw_count_file(void *arg, const FileRow *f)
{
    (void)f;
    (*(int *)arg)++;
}

static void cw_count_fp(void *arg, int64_t id, const Buf *b)
{
    (void)id;
    (void)b;
    (*(int *)arg)++;
}

void cw_loaded_free(CwLoaded *l)
{
    case_row_free(&l->row);
    target_row_free(&l->target);
    vault_secret_free(l->key);
    json_decref(l->case_body);
    json_decref(l->target_body);
}

CaseworkResult cw_load_kind(const Session *s, int64_t target_id, int offline, StoreConn **c,
                            CwLoaded *l)
{
    memset(l, 0, sizeof *l);
    CaseworkResult r = cw_staff_conn(s, c);
    if (r != CW_OK)
        return r;
    r = cw_load_target(*c, s, target_id, l);
    if (r == CW_OK && states_kind_offline(l->target.kind) != offline)
        r = CW_CONFLICT;
    return r;
}

/* Loads a target, its case, the case key and both decrypted bodies. */
CaseworkResult cw_load_target(StoreConn *c, const Session *s, int64_t target_id, CwLoaded *l)
{
    memset(l, 0, sizeof *l);
    l->key = vault_secret_alloc(VAULT_KEY_BYTES);
    CaseworkResult r = cw_from_store(store_target_get(c, target_id, &l->target));
    if (r == CW_OK)
        r = cw_from_store(store_case_get(c, l->target.case_id, &l->row));
    if (r == CW_OK)
        r = cw_open_key(c, s, &l->row, l->key, NULL);
    if (r == CW_OK) {
        l->case_body = sealed_open_json(l->key, "cases", "body", l->row.id, &l->row.body);
        l->target_body = sealed_open_json_id(l->key, "targets", "body", target_id, &l->target.body);
        if (!l->case_body || !l->target_body)
            r = CW_ERROR;
    }
    if (r == CW_OK) {
        store_files_of_case(c, l->row.id, cw_count_file, &l->screenshots);
        store_fingerprints_of_case(c, l->row.id, cw_count_fp, &l->fingerprints);
    }
    return r;
}

/* A visit planned (two staff, a time, the place encrypted) or recorded (outcome, notes). */
StoreStatus cw_retention_update(StoreConn *c, const char *case_id, int64_t now)
{
    return store_case_retain(c, case_id, now, RETENTION_DAYS_DEFAULT);
}

CaseworkResult cw_key_of_case(StoreConn *c, const Session *s, const char *case_id,
                              unsigned char *key)
{
    CaseRow row = {0};
    CaseworkResult r = cw_from_store(store_case_get(c, case_id, &row));
    if (r == CW_OK)
        r = cw_open_key(c, s, &row, key, NULL);
    case_row_free(&row);
    return r;
}

/* ---- transitions ---- */

/* A text field of fields, trimmed to a bound; NULL when absent or empty. */
const char *cw_field_text(const json_t *fields, const char *name)
{
    const json_t *v = json_object_get(fields, name);
    return json_is_string(v) && *json_string_value(v) ? json_string_value(v) : NULL;
}
