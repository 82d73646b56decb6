/* Incidents: several cases of one event, their copies grouped by platform. */
#include "casework_internal.h"

#include "sealed.h"
#include "staff.h"
#include "states.h"
#include "store_case.h"
#include "store_log.h"
#include "store_registry.h"
#include "store_staff.h"
#include "store_target.h"
#include "vault.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- incidents ---- */

static const char INCIDENT_AD_TABLE[] = "incidents";

static StoreStatus incident_tx(StoreConn *c, void *arg)
{
    CwSimpleArgs *a = arg;
    StoreStatus st = cw_org_key_current(c, a->s->key);
    if (st != STORE_OK)
        return st;
    Buf ph = {0};
    buf_putc(&ph, 0);
    st = store_incident_insert(c, a->now, &ph, &a->number);
    buf_free(&ph);
    if (st != STORE_OK)
        return st;
    char row[24];
    snprintf(row, sizeof row, "%lld", (long long)a->number);
    st = caselog_seal_text(c, a->key, SEALED_INCIDENT_LABEL, a->number, a->text);
    char actor[80];
    cw_actor_of(a->s, actor);
    return st == STORE_OK ? store_audit_append(c, a->now, actor, "incident.create", row, "") : st;
}

CaseworkResult casework_incident_create(const Session *s, const char *label, int64_t now,
                                        int64_t *id)
{
    if (!cw_can_open(s))
        return CW_FORBIDDEN;
    if (!label || !*label || strlen(label) > 600)
        return CW_INVALID;
    unsigned char *dk = vault_secret_alloc(VAULT_KEY_BYTES);
    vault_org_data_key(s->key, dk);
    CwSimpleArgs a = {s, NULL, dk, label, 0, now, 0};
    CaseworkResult r = cw_from_store(store_tx(incident_tx, &a));
    vault_secret_free(dk);
    *id = a.number;
    return r;
}

/* STORE_CONFLICT when the case is the center's own and would leave its incident: it was opened
 * for that incident, which holds one (intake_submit_center); another would then hold two. */
static StoreStatus center_case_stays(StoreConn *c, const char *case_id, int64_t incident)
{
    CaseRow row = {0};
    StoreStatus st = store_case_get(c, case_id, &row);
    if (st == STORE_OK && !strcmp(row.channel, "center") && row.incident_id != incident)
        st = STORE_CONFLICT;
    case_row_free(&row);
    return st;
}

static StoreStatus attach_tx(StoreConn *c, void *arg)
{
    CwSimpleArgs *a = arg;
    StoreStatus st = center_case_stays(c, a->case_id, a->number);
    if (st != STORE_OK)
        return st;
    st = store_case_set_incident(c, a->case_id, a->number);
    char actor[80], what[32];
    cw_actor_of(a->s, actor);
    snprintf(what, sizeof what, "incident %lld", (long long)a->number);
    if (st == STORE_OK)
        st = store_event_insert(c, a->case_id, 0, a->now, actor, "case.incident", NULL, NULL, NULL);
    return st == STORE_OK ? store_audit_append(c, a->now, actor, "case.incident", a->case_id, what)
                          : st;
}

CaseworkResult casework_incident_attach(const Session *s, const char *case_id, int64_t incident,
                                        int64_t now)
{
    StoreConn *c;
    CaseworkResult r = cw_staff_conn(s, &c);
    if (r != CW_OK)
        return r;
    if (incident) {
        IncidentRow ir = {0};
        StoreStatus st = store_incident_get(c, incident, &ir);
        buf_free(&ir.label);
        if (st != STORE_OK)
            return st == STORE_NOT_FOUND ? CW_INVALID : cw_from_store(st);
    }
    CwSimpleArgs a = {s, case_id, NULL, NULL, 0, now, incident};
    r = cw_from_store(store_tx(attach_tx, &a));
    return r == CW_CONFLICT ? CW_INVALID : r; /* the center case's incident is not to change */
}

typedef struct IncidentArgs {
    const unsigned char *dk;
    json_t *list;
} IncidentArgs;

static void incident_row(void *arg, const IncidentRow *r)
{
    IncidentArgs *a = arg;
    char *label = sealed_open_text_id(a->dk, INCIDENT_AD_TABLE, "label", r->id, &r->label);
    json_array_append_new(a->list, json_pack("{s:I, s:I, s:I, s:s}", "id", (json_int_t)r->id,
                                             "created_at", (json_int_t)r->created_at, "cases",
                                             (json_int_t)r->cases, "label", label ? label : ""));
    free(label);
}

CaseworkResult casework_incidents(const Session *s, json_t **out)
{
    StoreConn *c;
    CaseworkResult r = cw_staff_conn(s, &c);
    if (r != CW_OK)
        return r;
    unsigned char *dk = vault_secret_alloc(VAULT_KEY_BYTES);
    vault_org_data_key(s->key, dk);
    IncidentArgs a = {dk, json_array()};
    StoreStatus st = store_incidents(c, incident_row, &a);
    vault_secret_free(dk);
    if (st != STORE_OK) {
        json_decref(a.list);
        return cw_from_store(st);
    }
    *out = json_pack("{s:o}", "incidents", a.list);
    return CW_OK;
}

typedef struct IncidentViewArgs {
    const Session *s;
    StoreConn *c;
    json_t *by_platform;
    json_t *cases;
    const unsigned char *key;
    const char *case_id;
} IncidentViewArgs;

static void incident_target(void *arg, const TargetRow *t)
{
    IncidentViewArgs *a = arg;
    json_t *body = sealed_open_json_id(a->key, "targets", "body", t->id, &t->body);
    json_t *list = json_object_get(a->by_platform, t->platform);
    if (!list) {
        list = json_array();
        json_object_set_new(a->by_platform, t->platform, list);
    }
    const char *label = json_string_value(
        json_object_get(body, states_kind_offline(t->kind) ? "holder" : "canonical"));
    json_t *o = json_pack("{s:s, s:I, s:s, s:s}", "case", a->case_id, "target", (json_int_t)t->id,
                          "state", t->state, "label", label ? label : "");
    if (t->due_at)
        json_object_set_new(o, "due_at", json_integer(t->due_at));
    json_array_append_new(list, o);
    json_decref(body);
}

static void incident_case(void *arg, const char *case_id)
{
    IncidentViewArgs *a = arg;
    json_array_append_new(a->cases, json_string(case_id));
}

CaseworkResult casework_incident_view(const Session *s, int64_t id, int64_t now, json_t **out)
{
    StoreConn *c;
    CaseworkResult r = cw_staff_conn(s, &c);
    if (r != CW_OK)
        return r;
    IncidentRow ir = {0};
    r = cw_from_store(store_incident_get(c, id, &ir));
    if (r != CW_OK) {
        buf_free(&ir.label);
        return r;
    }
    unsigned char *dk = vault_secret_alloc(VAULT_KEY_BYTES);
    vault_org_data_key(s->key, dk);
    char row[24];
    snprintf(row, sizeof row, "%lld", (long long)id);
    char *label = sealed_open_text(dk, INCIDENT_AD_TABLE, "label", row, &ir.label);
    vault_secret_free(dk);
    IncidentViewArgs a = {s, c, json_object(), json_array(), NULL, NULL};
    store_cases_of_incident(c, id, incident_case, &a);
    unsigned char *key = vault_secret_alloc(VAULT_KEY_BYTES);
    size_t i;
    json_t *cid;
    char actor[80], what[32];
    cw_actor_of(s, actor);
    snprintf(what, sizeof what, "incident %lld", (long long)id);
    json_array_foreach(a.cases, i, cid)
    {
        a.case_id = json_string_value(cid);
        if (cw_key_of_case(c, s, a.case_id, key) != CW_OK)
            continue;
        a.key = key;
        store_targets_of_case(c, a.case_id, 1, incident_target, &a);
        /* The view shows this case's copies: a view of its content like any other. */
        staff_audit(actor, "case.view", a.case_id, what, now);
    }
    vault_secret_free(key);
    char center[CASE_ID_LEN + 1] = "";
    store_center_case_of(c, id, center);
    *out = json_pack("{s:I, s:s, s:o, s:o}", "id", (json_int_t)id, "label", label ? label : "",
                     "cases", a.cases, "platforms", a.by_platform);
    if (center[0])
        json_object_set_new(*out, "center_case", json_string(center));
    free(label);
    buf_free(&ir.label);
    staff_audit(actor, "incident.view", row, "", now);
    return CW_OK;
}

CaseworkResult casework_center_case_of(const Session *s, int64_t incident, char id[CASE_ID_LEN + 1])
{
    id[0] = '\0';
    StoreConn *c;
    CaseworkResult r = cw_staff_conn(s, &c);
    if (r != CW_OK)
        return r;
    IncidentRow ir = {0};
    StoreStatus st = store_incident_get(c, incident, &ir);
    buf_free(&ir.label);
    if (st == STORE_OK)
        st = store_center_case_of(c, incident, id);
    return cw_from_store(st);
}

/* ---- copies the center finds ---- */

CaseworkResult casework_add_targets(const Session *s, const char *case_id, const json_t *targets,
                                    int64_t now, IntakeAdd *added)
{
    StoreConn *c;
    CaseworkResult r = cw_staff_conn(s, &c);
    if (r != CW_OK)
        return r;
    unsigned char *key = vault_secret_alloc(VAULT_KEY_BYTES);
    r = cw_key_of_case(c, s, case_id, key);
    if (r == CW_OK) {
        char actor[80];
        cw_actor_of(s, actor);
        *added = intake_add_targets_to(case_id, key, actor, targets, now);
    }
    vault_secret_free(key);
    return r;
}
