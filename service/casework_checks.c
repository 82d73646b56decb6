/* Link checks (on demand and when due), monitoring, re-uploads, visit sheets. */
#include "casework_internal.h"

#include "checker.h"
#include "links.h"
#include "sealed.h"
#include "staff.h"
#include "states.h"
#include "store_case.h"
#include "store_log.h"
#include "store_staff.h"
#include "store_target.h"
#include "vault.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- re-uploads, checks, holds, visit sheets ---- */

StoreStatus cw_child_tx(StoreConn *c, void *arg)
{
    CwChild *a = arg;
    StoreStatus st = cw_case_workable(c, a->case_id);
    if (st != STORE_OK)
        return st;
    Buf ph = {0};
    buf_putc(&ph, 0);
    st = store_target_insert_child(c, a->case_id, a->parent,
                                   json_string_value(json_object_get(a->link, "platform")), &ph,
                                   a->now, &a->child);
    buf_free(&ph);
    if (st != STORE_OK)
        return st;
    st = caselog_seal_json(c, a->key, SEALED_TARGET_BODY, a->child, a->link);
    if (st == STORE_OK)
        st = store_event_insert(c, a->case_id, a->child, a->now, a->actor, "target.reupload", NULL,
                                STATE_REPORTED, NULL);
    if (st == STORE_OK)
        st = cw_retention_update(c, a->case_id, a->now);
    char what[48];
    snprintf(what, sizeof what, "target %lld from %lld", (long long)a->child, (long long)a->parent);
    return st == STORE_OK
               ? store_audit_append(c, a->now, a->actor, "target.reupload", a->case_id, what)
               : st;
}

CaseworkResult casework_reupload(const Session *s, int64_t parent_id, const char *url, int64_t now,
                                 int64_t *child)
{
    StoreConn *c;
    CaseworkResult r = cw_staff_conn(s, &c);
    if (r != CW_OK)
        return r;
    LinkInfo *li = xcalloc(1, sizeof *li);
    if (!url || link_canonicalize(url, li) != LINK_OK) {
        free(li);
        return CW_INVALID;
    }
    CwLoaded l;
    r = cw_load_target(c, s, parent_id, &l);
    if (r == CW_OK && l.row.withdrawn_at)
        r = CW_CONFLICT; /* the victim withdrew: nothing is added to the case */
    if (r == CW_OK) {
        json_t *link =
            json_pack("{s:s, s:s, s:s, s:s, s:s}", "kind", TARGET_KIND_ONLINE, "url", url,
                      "canonical", li->canonical, "host", li->host, "platform", li->platform);
        char actor[80];
        cw_actor_of(s, actor);
        CwChild a = {actor, l.key, l.row.id, parent_id, now, 0, link};
        r = cw_from_store(store_tx(cw_child_tx, &a));
        *child = a.child;
        json_decref(link);
    }
    free(li);
    cw_loaded_free(&l);
    return r;
}

typedef struct CheckArgs {
    const char *case_id;
    int64_t target_id, now;
    const char *state;
    const unsigned char *key; /* the case key; NULL for an unattended check, whose finding is
                               * sealed to the org until staff are back */
    CheckReport rep;
    int64_t next;
} CheckArgs;

/* The checker moves a copy on its own along a fixed path; the table still allows each step. */
static StoreStatus checker_move(StoreConn *c, const CheckArgs *a, const char *from, const char *to)
{
    assert(states_allowed(from, to));
    StoreStatus st = store_target_set_state(c, a->target_id, from, to, a->now);
    return st != STORE_OK
               ? st
               : store_event_insert(c, a->case_id, a->target_id, a->now, "system:checker",
                                    "target.transition", from, to, NULL);
}

/* Records a check: an event with the result, the next check time, and what the result means. */
static StoreStatus check_tx(StoreConn *c, void *arg)
{
    CheckArgs *a = arg;
    json_t *d = json_pack("{s:s, s:s, s:I}", "result", checker_result_name(a->rep.result), "how",
                          a->rep.reason, "status", (json_int_t)a->rep.status);
    StoreStatus st;
    int64_t event = 0;
    if (a->key)
        st = caselog_event(c, a->key, a->case_id, a->target_id, a->now, "system:checker", "check",
                           NULL, NULL, d);
    else if ((st = store_event_insert_id(c, a->case_id, a->target_id, a->now, "system:checker",
                                         "check", NULL, NULL, NULL, &event)) == STORE_OK) {
        /* The org key as it is inside this transaction: a rotation committed since the batch
         * began has its new key here (and reseals what came before it). */
        OrgRow org = {0};
        Buf body = {0};
        if ((st = store_org_get(c, &org)) == STORE_OK) {
            sealed_org_json(org.public_key, "night_checks", "body", event, d, &body);
            st = store_night_check_insert(c, event, a->case_id, &body);
        }
        buf_free(&body);
        org_row_free(&org);
    }
    json_decref(d);
    if (st != STORE_OK)
        return st;
    if ((st = store_target_set_check(c, a->target_id, a->next, a->now)) != STORE_OK)
        return st;
    /* Removed and now checked gone: verified, then watched for re-uploads. */
    if (a->rep.result == CHECK_GONE && !strcmp(a->state, STATE_REMOVED)) {
        if ((st = checker_move(c, a, STATE_REMOVED, STATE_VERIFIED_GONE)) ||
            (st = checker_move(c, a, STATE_VERIFIED_GONE, STATE_MONITORING)) ||
            (st = store_target_set_monitor(c, a->target_id, a->now,
                                           checker_next_monitor(a->now, a->now))))
            return st;
    }
    char what[64];
    snprintf(what, sizeof what, "target %lld %s", (long long)a->target_id,
             checker_result_name(a->rep.result));
    return store_audit_append(c, a->now, "system:checker", "target.check", a->case_id, what);
}

/* The next check after this one: monitoring keeps its schedule, a failed try comes back in an
 * hour, anything else is checked once. */
static int64_t next_check_after(const TargetRow *t, CheckResult r, int64_t monitor_since,
                                int64_t now)
{
    /* Up again while monitored: the re-upload child made from it carries the work from here. */
    if (!strcmp(t->state, STATE_MONITORING) && r == CHECK_UP)
        return 0;
    if (!strcmp(t->state, STATE_MONITORING))
        return checker_next_monitor(monitor_since ? monitor_since : now, now);
    if (r == CHECK_UNKNOWN)
        return now + 3600;
    if (r == CHECK_GONE && !strcmp(t->state, STATE_REMOVED))
        return 0; /* check_tx starts the monitoring schedule */
    return 0;
}

/* Checks one target with its case key; a monitored link that is up again becomes a re-upload. */
static CaseworkResult check_one(StoreConn *c, const unsigned char *key, const TargetRow *t,
                                int64_t now, CheckReport *out)
{
    json_t *body = sealed_open_json_id(key, "targets", "body", t->id, &t->body);
    const char *url = json_string_value(json_object_get(body, "canonical"));
    if (!url) {
        json_decref(body);
        return CW_INVALID;
    }
    CheckReport rep = checker_check(url);
    CheckArgs a = {t->case_id,
                   t->id,
                   now,
                   t->state,
                   key,
                   rep,
                   next_check_after(t, rep.result, t->monitor_since, now)};
    CaseworkResult r = cw_from_store(store_tx(check_tx, &a));
    if (r == CW_OK && rep.result == CHECK_UP && !strcmp(t->state, STATE_MONITORING)) {
        CwChild ca = {"system:checker", key, t->case_id, t->id, now, 0, body};
        r = cw_from_store(store_tx(cw_child_tx, &ca));
    }
    json_decref(body);
    if (out)
        *out = rep;
    return r;
}

CaseworkResult casework_check_now(const Session *s, int64_t target_id, int64_t now, json_t **out)
{
    StoreConn *c;
    CwLoaded l;
    CaseworkResult r = cw_load_kind(s, target_id, 0, &c, &l); /* an offline copy has no link */
    CheckReport rep;
    if (r == CW_OK)
        r = check_one(c, l.key, &l.target, now, &rep);
    if (r == CW_OK)
        *out = json_pack("{s:I, s:s, s:s, s:I}", "target", (json_int_t)target_id, "result",
                         checker_result_name(rep.result), "how", rep.reason, "status",
                         (json_int_t)rep.status);
    cw_loaded_free(&l);
    return r;
}

typedef struct DueArgs {
    CheckDue list[64];
    int n;
} DueArgs;

static void collect_due(void *arg, const CheckDue *d)
{
    DueArgs *a = arg;
    if (a->n < 64)
        a->list[a->n++] = *d;
}

int casework_run_due_checks(const unsigned char *org_key, int64_t now, int limit)
{
    StoreConn *c = store_conn();
    if (!c || limit < 1)
        return 0;
    DueArgs due = {.n = 0};
    if (store_checks_due(c, now, limit > 64 ? 64 : limit, collect_due, &due) != STORE_OK)
        return 0;
    Session sys = {.kind = "staff", .role = "caseworker", .key = (unsigned char *)org_key};
    unsigned char *key = vault_secret_alloc(VAULT_KEY_BYTES);
    int ran = 0;
    for (int i = 0; i < due.n; i++) {
        CaseRow row = {0};
        TargetRow t = {0};
        if (store_case_get(c, due.list[i].case_id, &row) == STORE_OK &&
            store_target_get(c, due.list[i].target_id, &t) == STORE_OK &&
            cw_open_key(c, &sys, &row, key, NULL) == CW_OK &&
            check_one(c, key, &t, now, NULL) == CW_OK)
            ran++;
        else /* never spin on one target: try again in an hour */
            store_target_set_check(c, due.list[i].target_id, now + 3600, 0);
        case_row_free(&row);
        target_row_free(&t);
    }
    vault_secret_free(key);
    return ran;
}

/* ---- unattended checks: the checker key (schema/0016_checker_key.sql) ---- */

/* The link as the checker key holds it, bound to the copy's row (a seal moved to another row
 * does not open). The org-field seal serves any X25519 key: here the checker's. */
static void checker_seal(const unsigned char checker_pk[VAULT_KEY_BYTES], int64_t target_id,
                         const char *url, Buf *out)
{
    json_t *v = json_pack("{s:s}", "url", url);
    sealed_org_json(checker_pk, "targets", "checker_seal", target_id, v, out);
    json_decref(v);
}

typedef struct SealedDue {
    CheckDue due;
    int64_t monitor_since;
    Buf seal;
} SealedDue;

typedef struct SealedList {
    SealedDue list[64];
    int n;
} SealedList;

static void collect_sealed(void *arg, const CheckSealed *d)
{
    SealedList *l = arg;
    if (l->n >= 64)
        return;
    SealedDue *o = &l->list[l->n++];
    o->due = d->due;
    o->monitor_since = d->monitor_since;
    o->seal = (Buf){0};
    buf_append(&o->seal, d->seal.data, d->seal.len);
}

int casework_run_unattended_checks(const unsigned char *checker_sk, int64_t now, int limit)
{
    StoreConn *c = store_conn();
    unsigned char checker_pk[VAULT_KEY_BYTES];
    SealedList due = {.n = 0};
    if (!c || limit < 1 || store_org_checker_key(c, checker_pk) != STORE_OK ||
        !vault_keypair_matches(checker_pk, checker_sk) ||
        store_checks_due_sealed(c, now, limit > 64 ? 64 : limit, collect_sealed, &due) !=
            STORE_OK) {
        for (int i = 0; i < due.n; i++)
            buf_free(&due.list[i].seal);
        return 0;
    }
    int ran = 0;
    for (int i = 0; i < due.n; i++) {
        SealedDue *d = &due.list[i];
        json_t *v = sealed_org_open_json(checker_pk, checker_sk, "targets", "checker_seal",
                                         d->due.target_id, &d->seal);
        const char *url = json_string_value(json_object_get(v, "url"));
        CheckReport rep = url ? checker_check(url) : (CheckReport){0};
        if (!url || (rep.result == CHECK_UP && !strcmp(d->due.state, STATE_MONITORING))) {
            /* A seal that does not open, or a re-upload: making the new copy needs the case
             * key, so it waits for staff (an hour at most before it is looked at again). */
            store_target_set_check(c, d->due.target_id, now + 3600, 0);
        } else {
            TargetRow t = {.id = d->due.target_id, .monitor_since = d->monitor_since};
            snprintf(t.state, sizeof t.state, "%s", d->due.state);
            CheckArgs a = {d->due.case_id,
                           d->due.target_id,
                           now,
                           d->due.state,
                           NULL,
                           rep,
                           next_check_after(&t, rep.result, d->monitor_since, now)};
            if (store_tx(check_tx, &a) == STORE_OK)
                ran++;
            else /* never spin on one copy: an hour, as the attended checks */
                store_target_set_check(c, d->due.target_id, now + 3600, 0);
        }
        json_decref(v);
        buf_wipe(&d->seal);
        buf_free(&d->seal);
    }
    return ran;
}

typedef struct UnsealedList {
    CheckDue list[64];
    int n;
} UnsealedList;

static void collect_unsealed(void *arg, const CheckDue *d)
{
    UnsealedList *l = arg;
    if (l->n < 64)
        l->list[l->n++] = *d;
}

int casework_checker_backfill(const unsigned char *org_sk, int limit)
{
    StoreConn *c = store_conn();
    unsigned char checker_pk[VAULT_KEY_BYTES];
    UnsealedList todo = {.n = 0};
    if (!c || limit < 1 || store_org_checker_key(c, checker_pk) != STORE_OK)
        return 0; /* no checker key: nothing is sealed (checker disable cleared every seal) */
    store_checker_seals_unneeded_clear(c); /* a link is under the key only while needed */
    if (store_targets_unsealed_for_checker(c, limit > 64 ? 64 : limit, collect_unsealed, &todo) !=
        STORE_OK)
        return 0;
    Session sys = {.kind = "staff", .role = "caseworker", .key = (unsigned char *)org_sk};
    unsigned char *key = vault_secret_alloc(VAULT_KEY_BYTES);
    int n = 0;
    for (int i = 0; i < todo.n; i++) {
        CaseRow row = {0};
        TargetRow t = {0};
        json_t *body = NULL;
        if (store_case_get(c, todo.list[i].case_id, &row) == STORE_OK &&
            store_target_get(c, todo.list[i].target_id, &t) == STORE_OK &&
            cw_open_key(c, &sys, &row, key, NULL) == CW_OK &&
            (body = sealed_open_json_id(key, "targets", "body", t.id, &t.body))) {
            const char *url = json_string_value(json_object_get(body, "canonical"));
            Buf seal = {0};
            if (url) {
                checker_seal(checker_pk, t.id, url, &seal);
                if (store_target_set_checker_seal(c, t.id, &seal, checker_pk) == STORE_OK)
                    n++;
            }
            buf_free(&seal);
        }
        json_decref(body);
        case_row_free(&row);
        target_row_free(&t);
    }
    vault_secret_free(key);
    return n;
}

typedef struct NightRow {
    int64_t id, event_id;
    char case_id[CASE_ID_LEN + 1];
    Buf body;
} NightRow;

typedef struct NightList {
    NightRow list[64];
    int n;
} NightList;

static void collect_night(void *arg, int64_t id, int64_t event_id, const char *case_id,
                          const Buf *body)
{
    NightList *l = arg;
    if (l->n >= 64)
        return;
    NightRow *o = &l->list[l->n++];
    o->id = id;
    o->event_id = event_id;
    snprintf(o->case_id, sizeof o->case_id, "%s", case_id ? case_id : "");
    o->body = (Buf){0};
    buf_append(&o->body, body->data, body->len);
}

typedef struct AdoptArgs {
    const NightRow *row;
    const unsigned char *key;
    const json_t *detail;
} AdoptArgs;

static StoreStatus adopt_tx(StoreConn *c, void *arg)
{
    AdoptArgs *a = arg;
    StoreStatus st = caselog_seal_json(c, a->key, SEALED_EVENT_BODY, a->row->event_id, a->detail);
    return st == STORE_OK ? store_night_check_delete(c, a->row->id) : st;
}

int casework_adopt_night_checks(const unsigned char *org_sk, int limit)
{
    StoreConn *c = store_conn();
    OrgRow org = {0};
    NightList rows = {.n = 0};
    if (!c || limit < 1 || store_org_get(c, &org) != STORE_OK ||
        store_night_checks(c, limit > 64 ? 64 : limit, collect_night, &rows) != STORE_OK) {
        org_row_free(&org);
        return 0;
    }
    Session sys = {.kind = "staff", .role = "caseworker", .key = (unsigned char *)org_sk};
    unsigned char *key = vault_secret_alloc(VAULT_KEY_BYTES);
    int n = 0;
    for (int i = 0; i < rows.n; i++) {
        CaseRow row = {0};
        json_t *d = sealed_org_open_json(org.public_key, org_sk, "night_checks", "body",
                                         rows.list[i].event_id, &rows.list[i].body);
        if (d && store_case_get(c, rows.list[i].case_id, &row) == STORE_OK &&
            cw_open_key(c, &sys, &row, key, NULL) == CW_OK) {
            AdoptArgs a = {&rows.list[i], key, d};
            if (store_tx(adopt_tx, &a) == STORE_OK)
                n++;
        }
        json_decref(d);
        case_row_free(&row);
        buf_free(&rows.list[i].body);
    }
    vault_secret_free(key);
    org_row_free(&org);
    return n;
}

typedef struct SheetArgs {
    const unsigned char *key;
    json_t *visits;
} SheetArgs;

static void sheet_visit(void *arg, const VisitRow *v)
{
    SheetArgs *a = arg;
    json_t *body = sealed_open_json_id(a->key, "visits", "body", v->id, &v->body);
    json_t *o = json_pack("{s:I, s:I, s:s, s:s, s:s}", "id", (json_int_t)v->id, "planned_at",
                          (json_int_t)v->planned_at, "staff_a", v->staff_a, "staff_b", v->staff_b,
                          "outcome", v->outcome);
    if (v->recorded_at)
        json_object_set_new(o, "recorded_at", json_integer(v->recorded_at));
    if (body)
        json_object_update(o, body);
    json_decref(body);
    json_array_append_new(a->visits, o);
}

CaseworkResult casework_visit_sheet(const Session *s, int64_t target_id, int64_t now, json_t **out)
{
    StoreConn *c;
    CwLoaded l;
    CaseworkResult r = cw_load_kind(s, target_id, 1, &c, &l);
    if (r == CW_OK) {
        SheetArgs a = {l.key, json_array()};
        store_visits_of_target(c, target_id, sheet_visit, &a);
        /* Only what the team needs: who holds it and where, not the requester or the incident. */
        *out = json_pack("{s:s, s:I, s:s, s:O?, s:O?, s:o}", "case", l.row.id, "target",
                         (json_int_t)target_id, "state", l.target.state, "holder",
                         json_object_get(l.target_body, "holder"), "where",
                         json_object_get(l.target_body, "where"), "visits", a.visits);
        char actor[80], what[32];
        cw_actor_of(s, actor);
        snprintf(what, sizeof what, "visit sheet, target %lld", (long long)target_id);
        staff_audit(actor, "case.view", l.row.id, what, now);
    }
    cw_loaded_free(&l);
    return r;
}
