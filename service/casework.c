/* Casework over the store and the vault. The case key is opened from the org key in the staff
 * session: on first open from the sealed box (X25519), after that from a wrap under the org data
 * key (symmetric), so lists and pages never pay X25519 per row. */
#include "casework.h"

#include "checker.h"
#include "i18n.h"
#include "links.h"
#include "log.h"
#include "notice.h"
#include "sealed.h"
#include "staff.h"
#include "states.h"
#include "store_case.h"
#include "store_staff.h"
#include "uploads.h"
#include "vault.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ORG_DATA_KEY_ID 1
#define BLIND_KEY_ID 2

static CaseworkResult from_store(StoreStatus s)
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
    default:
        return CW_ERROR;
    }
}

static int can_open(const Session *s)
{
    return s && strcmp(s->kind, "staff") == 0 &&
           (strcmp(s->role, "admin") == 0 || strcmp(s->role, "caseworker") == 0);
}

static void actor_of(const Session *s, char out[80])
{
    snprintf(out, 80, "staff:%s", s->login);
}

/* Opens a case's key into key (32 bytes of secret memory). *fresh is set when the case was never
 * opened by staff before: the caller stores org_wrap (in its transaction). */
static CaseworkResult open_key(StoreConn *c, const Session *s, const CaseRow *row,
                               unsigned char *key, Buf *new_wrap)
{
    char ad[64];
    snprintf(ad, sizeof ad, "case-org:%s", row->id);
    unsigned char *dk = vault_secret_alloc(32);
    vault_derive(s->key, ORG_DATA_KEY_ID, "orgdata1", dk);
    CaseworkResult r = CW_OK;
    if (row->org_wrap.len) {
        if (vault_unwrap(dk, row->org_wrap.data, row->org_wrap.len, ad, key, 32) != 0)
            r = CW_FORBIDDEN;
    } else {
        OrgRow org = {0};
        if (store_org_get(c, &org) != STORE_OK ||
            vault_seal_open(org.public_key, s->key, row->sealed_key.data, row->sealed_key.len, key,
                            32) != 0)
            r = CW_FORBIDDEN;
        else if (new_wrap)
            vault_wrap(dk, key, 32, ad, new_wrap);
        org_row_free(&org);
    }
    vault_secret_free(dk);
    return r;
}

/* A clock runs while a due time is set on an open target (transitions set and clear it). */
static int is_waiting(const char *state)
{
    return states_is_open(state);
}

/* ---- queues ---- */

typedef struct QueueArgs {
    StoreConn *c;
    json_t *rows;
    int64_t now;
    QueueRow last;
    int n;
} QueueArgs;

typedef struct TargetSummary {
    json_t *platforms, *states;
    int open, total, overdue;
    int64_t next_due;
    char waiting[24];
} TargetSummary;

static void summarise_target(void *arg, const TargetRow *t)
{
    TargetSummary *ts = arg;
    ts->total++;
    if (states_is_open(t->state))
        ts->open++;
    json_t *n = json_object_get(ts->states, t->state);
    json_object_set_new(ts->states, t->state, json_integer(n ? json_integer_value(n) + 1 : 1));
    int seen = 0;
    size_t i;
    json_t *p;
    json_array_foreach(ts->platforms, i, p) if (strcmp(json_string_value(p), t->platform) == 0)
        seen = 1;
    if (!seen)
        json_array_append_new(ts->platforms, json_string(t->platform));
    if (is_waiting(t->state) && t->due_at) {
        if (!ts->next_due || t->due_at < ts->next_due) {
            ts->next_due = t->due_at;
            snprintf(ts->waiting, sizeof ts->waiting, "%s", t->state);
        }
    }
}

static void queue_row(void *arg, const QueueRow *r)
{
    QueueArgs *a = arg;
    TargetSummary ts = {json_array(), json_object(), 0, 0, 0, 0, ""};
    store_targets_of_case(a->c, r->id, summarise_target, &ts);
    json_t *o = json_pack("{s:s, s:I, s:i, s:s, s:o, s:o, s:i, s:i}", "case", r->id, "created_at",
                          (json_int_t)r->created_at, "risk_flags", r->risk_flags, "incident_type",
                          r->incident_type, "platforms", ts.platforms, "states", ts.states,
                          "open_targets", ts.open, "targets", ts.total);
    json_object_set_new(o, "urgent", json_boolean(r->risk_flags != 0));
    json_object_set_new(o, "assignee", r->assignee[0] ? json_string(r->assignee) : json_null());
    json_object_set_new(o, "withdrawn", json_boolean(r->withdrawn_at != 0));
    if (r->incident_id)
        json_object_set_new(o, "incident", json_integer(r->incident_id));
    if (ts.next_due) {
        json_object_set_new(o, "next_due", json_integer(ts.next_due));
        json_object_set_new(o, "waiting_on", json_string(ts.waiting));
        json_object_set_new(o, "overdue", json_boolean(ts.next_due <= a->now));
    } else {
        json_object_set_new(o, "overdue", json_false());
    }
    json_array_append_new(a->rows, o);
    a->last = *r;
    a->n++;
}

static const char *const QUEUES[] = {"new",        "mine", "overdue", "awaiting",
                                     "monitoring", "all",  NULL};

CaseworkResult casework_queue(const Session *s, QueueFilter *f, const char *cursor, int64_t now,
                              json_t **out)
{
    int known = 0;
    for (int i = 0; QUEUES[i]; i++)
        if (f->queue && strcmp(f->queue, QUEUES[i]) == 0)
            known = 1;
    if (!known || f->limit < 1 || f->limit > CASEWORK_QUEUE_MAX)
        return CW_INVALID;
    f->me = s->staff_id;
    f->now = now;
    f->prio = -1;
    f->due = 0;
    f->created = 0;
    f->after_id[0] = '\0';
    if (cursor && *cursor) {
        /* The cursor is the sort key of the last row shown: "prio.due.created.id". */
        long long due, created;
        int prio;
        char id[24];
        char tail;
        if (strlen(cursor) > 80 ||
            sscanf(cursor, "%d.%lld.%lld.%23[0-9a-f]%c", &prio, &due, &created, id, &tail) != 4 ||
            prio < 0 || prio > 1)
            return CW_INVALID;
        f->prio = prio;
        f->due = due;
        f->created = created;
        snprintf(f->after_id, sizeof f->after_id, "%s", id);
    }
    StoreConn *c = store_conn();
    if (!c)
        return CW_ERROR;
    QueueArgs a = {.c = c, .rows = json_array(), .now = now};
    StoreStatus st = store_queue(c, f, queue_row, &a);
    if (st != STORE_OK) {
        json_decref(a.rows);
        return from_store(st);
    }
    json_t *next = json_null();
    if (a.n == f->limit)
        next = json_sprintf("%d.%lld.%lld.%s", a.last.prio, (long long)a.last.due,
                            (long long)a.last.created_at, a.last.id);
    *out = json_pack("{s:o, s:o}", "cases", a.rows, "next", next);
    return CW_OK;
}

/* ---- viewing a case ---- */

typedef struct ViewArgs {
    const unsigned char *key;
    const char *case_id;
    json_t *targets, *messages, *notes, *files, *timeline, *fingerprints, *matches;
    int64_t now, next_due;
    int fp_index;
    StoreConn *c;
} ViewArgs;

static void add_notice(void *arg, const NoticeRow *n);

typedef struct NoticeArgs {
    const unsigned char *key;
    json_t *list;
} NoticeArgs;

/* The table, then the kind: notices are for online copies, visits for offline ones. */
static int move_allowed(const char *kind, const char *from, const char *to)
{
    int offline = strcmp(kind, "offline") == 0;
    int online_only = !strcmp(to, "notice_sent") || !strcmp(to, "ready");
    return states_allowed(from, to) && strcmp(to, "withdrawn") != 0 && !(online_only && offline) &&
           !(!strcmp(to, "visit_planned") && !offline);
}

static void view_target(void *arg, const TargetRow *t)
{
    ViewArgs *a = arg;
    char row[24];
    snprintf(row, sizeof row, "%lld", (long long)t->id);
    json_t *body = sealed_open_json(a->key, "targets", "body", row, &t->body);
    json_t *next = json_array();
    size_t n;
    const char *const *all = states_all(&n);
    for (size_t i = 0; i < n; i++)
        if (move_allowed(t->kind, t->state, all[i]))
            json_array_append_new(next, json_string(all[i]));
    json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:o, s:o}", "id", (json_int_t)t->id, "kind",
                          t->kind, "platform", t->platform, "state", t->state, "body",
                          body ? body : json_object(), "next", next);
    json_object_set_new(o, "route", t->route[0] ? json_string(t->route) : json_null());
    json_object_set_new(o, "open", json_boolean(states_is_open(t->state)));
    if (t->due_at) {
        json_object_set_new(o, "due_at", json_integer(t->due_at));
        int overdue = is_waiting(t->state) && t->due_at <= a->now;
        json_object_set_new(o, "overdue", json_boolean(overdue));
        if (is_waiting(t->state) && (!a->next_due || t->due_at < a->next_due))
            a->next_due = t->due_at;
    }
    if (t->parent_id)
        json_object_set_new(o, "parent", json_integer(t->parent_id));
    NoticeArgs na = {a->key, json_array()};
    store_notices_of_target(a->c, t->id, add_notice, &na);
    json_object_set_new(o, "notices", na.list);
    json_array_append_new(a->targets, o);
}

static void add_notice(void *arg, const NoticeRow *n)
{
    NoticeArgs *a = arg;
    char row[24];
    snprintf(row, sizeof row, "%lld", (long long)n->id);
    json_t *body = sealed_open_json(a->key, "notices", "body", row, &n->body);
    json_t *o = json_pack("{s:I, s:s, s:s, s:I, s:s}", "id", (json_int_t)n->id, "route", n->route,
                          "language", n->language, "sent_at", (json_int_t)n->sent_at, "sent_by",
                          n->sent_by);
    if (body)
        json_object_update(o, body);
    json_decref(body);
    json_array_append_new(a->list, o);
}

static void view_message(void *arg, const MessageRow *m)
{
    ViewArgs *a = arg;
    char row[24];
    snprintf(row, sizeof row, "%lld", (long long)m->id);
    char *text = sealed_open_text(a->key, "messages", "body", row, &m->body);
    if (text)
        json_array_append_new(a->messages, json_pack("{s:s, s:I, s:s}", "author", m->author, "at",
                                                     (json_int_t)m->created_at, "body", text));
    free(text);
}

static void view_note(void *arg, const NoteRow *n)
{
    ViewArgs *a = arg;
    char row[24];
    snprintf(row, sizeof row, "%lld", (long long)n->id);
    char *text = sealed_open_text(a->key, "notes", "body", row, &n->body);
    if (text)
        json_array_append_new(a->notes, json_pack("{s:s, s:I, s:s}", "author", n->author, "at",
                                                  (json_int_t)n->created_at, "body", text));
    free(text);
}

static void view_file(void *arg, const FileRow *f)
{
    ViewArgs *a = arg;
    json_t *meta = sealed_open_json(a->key, "files", "meta", f->id, &f->meta);
    json_t *o = json_pack("{s:s, s:I}", "id", f->id, "at", (json_int_t)f->created_at);
    if (meta)
        json_object_update(o, meta);
    json_decref(meta);
    json_array_append_new(a->files, o);
}

static void view_event(void *arg, const EventRow *e)
{
    ViewArgs *a = arg;
    json_t *o =
        json_pack("{s:I, s:s, s:s}", "at", (json_int_t)e->at, "actor", e->actor, "kind", e->kind);
    if (e->target_id)
        json_object_set_new(o, "target", json_integer(e->target_id));
    if (e->from_state[0])
        json_object_set_new(o, "from", json_string(e->from_state));
    if (e->to_state[0])
        json_object_set_new(o, "to", json_string(e->to_state));
    if (e->body.len) {
        char row[64];
        snprintf(row, sizeof row, "%lld", (long long)e->id);
        json_t *d = sealed_open_json(a->key, "events", "body", row, &e->body);
        if (d)
            json_object_set_new(o, "detail", d);
    }
    json_array_append_new(a->timeline, o);
}

static void view_fingerprint(void *arg, int64_t id, const Buf *body)
{
    ViewArgs *a = arg;
    (void)id;
    char row[48];
    snprintf(row, sizeof row, "%s:%d", a->case_id, a->fp_index++);
    char *v = sealed_open_text(a->key, "fingerprints", "body", row, body);
    if (v)
        json_array_append_new(a->fingerprints,
                              json_pack("{s:s, s:s}", "alg", "sha256", "value", v));
    free(v);
}

static void view_match(void *arg, const char *other, const char *domain, int64_t target_id)
{
    ViewArgs *a = arg;
    json_t *o = json_pack("{s:s, s:s}", "case", other, "on", domain);
    if (target_id)
        json_object_set_new(o, "target", json_integer(target_id));
    json_array_append_new(a->matches, o);
}

/* Blind indexes of what the case holds, for matching across cases; keyed by the org key. */
typedef struct BlindArgs {
    StoreConn *c;
    const unsigned char *key, *bkey;
    const char *case_id;
    StoreStatus st;
    int fp_index;
} BlindArgs;

static void blind_put(BlindArgs *b, const char *domain, const char *value, int64_t target_id)
{
    if (!value || !*value || b->st != STORE_OK)
        return;
    unsigned char idx[32];
    vault_blind_index(b->bkey, domain, value, strlen(value), idx);
    b->st = store_blind_replace(b->c, b->case_id, domain, idx, target_id);
}

static void blind_target(void *arg, const TargetRow *t)
{
    BlindArgs *b = arg;
    char row[24];
    snprintf(row, sizeof row, "%lld", (long long)t->id);
    json_t *body = sealed_open_json(b->key, "targets", "body", row, &t->body);
    blind_put(b, "url", json_string_value(json_object_get(body, "canonical")), t->id);
    json_decref(body);
}

static void blind_fingerprint(void *arg, int64_t id, const Buf *body)
{
    BlindArgs *b = arg;
    (void)id;
    char row[48];
    snprintf(row, sizeof row, "%s:%d", b->case_id, b->fp_index++);
    char *v = sealed_open_text(b->key, "fingerprints", "body", row, body);
    blind_put(b, "sha256", v, 0);
    free(v);
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

typedef struct OpenArgs {
    const Session *s;
    const char *case_id;
    const unsigned char *key;
    const Buf *new_wrap;
    const json_t *body;
    int64_t now;
} OpenArgs;

/* One transaction per view: the audit entry, the org wrap on first open, fresh blind indexes. */
static StoreStatus view_tx(StoreConn *c, void *arg)
{
    OpenArgs *a = arg;
    StoreStatus st = STORE_OK;
    if (a->new_wrap && a->new_wrap->len)
        st = store_case_set_org_wrap(c, a->case_id, a->new_wrap);
    if (st == STORE_OK)
        st = store_blind_clear(c, a->case_id);
    if (st != STORE_OK)
        return st;
    unsigned char *bkey = vault_secret_alloc(32);
    vault_derive(a->s->key, BLIND_KEY_ID, "blindidx", bkey);
    BlindArgs b = {c, a->key, bkey, a->case_id, STORE_OK, 0};
    store_targets_of_case(c, a->case_id, blind_target, &b);
    store_fingerprints_of_case(c, a->case_id, blind_fingerprint, &b);
    char contact[300];
    contact_norm(json_object_get(json_object_get(a->body, "requester"), "contact"), contact);
    blind_put(&b, "contact", contact, 0);
    vault_secret_free(bkey);
    if (b.st != STORE_OK)
        return b.st;
    char actor[80];
    actor_of(a->s, actor);
    return store_audit_append(c, a->now, actor, "case.view", a->case_id, "");
}

CaseworkResult casework_view(const Session *s, const char *case_id, int64_t now, json_t **out)
{
    if (!can_open(s))
        return CW_FORBIDDEN;
    StoreConn *c = store_conn();
    if (!c)
        return CW_ERROR;
    CaseRow row = {0};
    CaseworkResult r = from_store(store_case_get(c, case_id, &row));
    unsigned char *key = vault_secret_alloc(32);
    Buf wrap = {0};
    if (r == CW_OK)
        r = open_key(c, s, &row, key, &wrap);
    json_t *body = NULL;
    if (r == CW_OK && !(body = sealed_open_json(key, "cases", "body", row.id, &row.body)))
        r = CW_ERROR;
    if (r == CW_OK) {
        OpenArgs oa = {s, row.id, key, &wrap, body, now};
        r = from_store(store_tx(view_tx, &oa));
    }
    if (r == CW_OK) {
        ViewArgs a = {.key = key,
                      .case_id = row.id,
                      .targets = json_array(),
                      .messages = json_array(),
                      .notes = json_array(),
                      .files = json_array(),
                      .timeline = json_array(),
                      .fingerprints = json_array(),
                      .matches = json_array(),
                      .now = now,
                      .c = c};
        store_targets_of_case(c, row.id, view_target, &a);
        store_messages_of_case(c, row.id, view_message, &a);
        store_notes_of_case(c, row.id, view_note, &a);
        store_files_of_case(c, row.id, view_file, &a);
        store_events_of_case(c, row.id, view_event, &a);
        store_fingerprints_of_case(c, row.id, view_fingerprint, &a);
        store_blind_matches(c, row.id, view_match, &a);
        /* The family of each copy: re-uploads and onward copies under their parent. */
        size_t ti, tj;
        json_t *tp, *tc;
        json_array_foreach(a.targets, ti, tp)
        {
            json_t *kids = json_array();
            json_array_foreach(a.targets, tj,
                               tc) if (json_integer_value(json_object_get(tc, "parent")) ==
                                       json_integer_value(json_object_get(tp, "id")))
                json_array_append_new(kids,
                                      json_integer(json_integer_value(json_object_get(tc, "id"))));
            json_object_set_new(tp, "children", kids);
        }
        StaffRow assignee = {0};
        if (row.assignee)
            store_staff_by_id(c, row.assignee, &assignee);
        json_t *o = json_pack(
            "{s:s, s:I, s:s, s:s, s:s, s:s, s:i, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "case",
            row.id, "created_at", (json_int_t)row.created_at, "channel", row.channel,
            "requester_role", row.requester_role, "language", row.language, "incident_type",
            row.incident_type, "risk_flags", row.risk_flags, "request", body, "targets", a.targets,
            "messages", a.messages, "notes", a.notes, "screenshots", a.files, "timeline",
            a.timeline, "fingerprints", a.fingerprints, "matches", a.matches);
        body = NULL;
        json_object_set_new(o, "assignee",
                            row.assignee ? json_string(assignee.login) : json_null());
        json_object_set_new(o, "incident",
                            row.incident_id ? json_integer(row.incident_id) : json_null());
        json_object_set_new(o, "withdrawn_at",
                            row.withdrawn_at ? json_integer(row.withdrawn_at) : json_null());
        json_object_set_new(o, "purge_after",
                            row.purge_after ? json_integer(row.purge_after) : json_null());
        json_object_set_new(o, "legal_hold", json_boolean(row.legal_hold));
        json_object_set_new(o, "next_due", a.next_due ? json_integer(a.next_due) : json_null());
        staff_row_free(&assignee);
        *out = o;
    }
    json_decref(body);
    buf_free(&wrap);
    vault_secret_free(key);
    case_row_free(&row);
    return r;
}

/* ---- transitions ---- */

/* A text field of fields, trimmed to a bound; NULL when absent or empty. */
static const char *field_text(const json_t *fields, const char *name)
{
    const json_t *v = json_object_get(fields, name);
    return json_is_string(v) && *json_string_value(v) ? json_string_value(v) : NULL;
}

static const char *const FIELD_NAMES[] = {
    "reason",  "ticket",  "channel",   "route",     "evidence",   "representative",
    "name",    "email",   "contact",   "signature", "planned_at", "place",
    "staff_a", "staff_b", "statement", "onward",    NULL};

const char *const *casework_field_names(void)
{
    return FIELD_NAMES;
}
#define FIELD_MAX 2000

/* Checks the caseworker's fields: known names, strings, bounded. */
static int fields_valid(const json_t *fields, json_t *detail)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)fields, k, v)
    {
        int known = 0;
        for (int i = 0; FIELD_NAMES[i]; i++)
            if (strcmp(k, FIELD_NAMES[i]) == 0)
                known = 1;
        if (strcmp(k, "to") == 0)
            continue;
        if (!known || (!json_is_string(v) && !json_is_null(v)) ||
            (json_is_string(v) && strlen(json_string_value(v)) > FIELD_MAX)) {
            json_object_set_new(detail, "field", json_string(k));
            return 0;
        }
    }
    return 1;
}

typedef struct Loaded {
    CaseRow row;
    TargetRow target;
    unsigned char *key; /* secret memory */
    json_t *case_body, *target_body;
    int screenshots, fingerprints;
} Loaded;

static void count_file(void *arg, const FileRow *f)
{
    (void)f;
    (*(int *)arg)++;
}

static void count_fp(void *arg, int64_t id, const Buf *b)
{
    (void)id;
    (void)b;
    (*(int *)arg)++;
}

static void loaded_free(Loaded *l)
{
    case_row_free(&l->row);
    target_row_free(&l->target);
    vault_secret_free(l->key);
    json_decref(l->case_body);
    json_decref(l->target_body);
}

/* Loads a target, its case, the case key and both decrypted bodies. */
static CaseworkResult load_target(StoreConn *c, const Session *s, int64_t target_id, Loaded *l)
{
    memset(l, 0, sizeof *l);
    l->key = vault_secret_alloc(32);
    CaseworkResult r = from_store(store_target_get(c, target_id, &l->target));
    if (r == CW_OK)
        r = from_store(store_case_get(c, l->target.case_id, &l->row));
    if (r == CW_OK)
        r = open_key(c, s, &l->row, l->key, NULL);
    if (r == CW_OK) {
        char row[24];
        snprintf(row, sizeof row, "%lld", (long long)target_id);
        l->case_body = sealed_open_json(l->key, "cases", "body", l->row.id, &l->row.body);
        l->target_body = sealed_open_json(l->key, "targets", "body", row, &l->target.body);
        if (!l->case_body || !l->target_body)
            r = CW_ERROR;
    }
    if (r == CW_OK) {
        store_files_of_case(c, l->row.id, count_file, &l->screenshots);
        store_fingerprints_of_case(c, l->row.id, count_fp, &l->fingerprints);
    }
    return r;
}

/* The route for a target: the one given, else the target's, else the platform's default. */
static CaseworkResult pick_route(StoreConn *c, const Loaded *l, const json_t *fields,
                                 RouteRow *route, PlatformRow *platform, json_t *detail)
{
    memset(platform, 0, sizeof *platform);
    if (store_platform_get(c, l->target.platform, platform) != STORE_OK)
        store_platform_get(c, "other", platform);
    const char *want = field_text(fields, "route");
    if (!want)
        want = l->target.route[0] ? l->target.route : platform->route;
    if (store_route_get(c, want, route) != STORE_OK) {
        json_object_set_new(detail, "field", json_string("route"));
        return CW_INVALID;
    }
    return CW_OK;
}

static void today(int64_t now, char out[16])
{
    time_t t = (time_t)now + 8 * 3600;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 16, "%Y-%m-%d", &tm);
}

/* Builds the notice for a loaded target; NULL with detail.missing when incomplete. */
static char *build_notice(const Loaded *l, const RouteRow *route, const PlatformRow *platform,
                          const char *lang, const json_t *fields, int64_t now, json_t *missing)
{
    char date[16], key[48];
    today(now, date);
    snprintf(key, sizeof key, "platform.%s", platform->id);
    NoticeInput in = {route->id,
                      route->elements,
                      lang,
                      i18n_get(lang, key),
                      i18n_get(lang, "notice.org_name"),
                      date,
                      l->case_body,
                      l->target_body,
                      l->screenshots,
                      l->fingerprints,
                      fields};
    return notice_build(&in, missing);
}

typedef struct TransitionArgs {
    const Session *s;
    Loaded *l;
    const char *to;
    const json_t *fields;
    int64_t now;
    const RouteRow *route; /* set for notice_sent */
    int64_t due_at;        /* -1: leave as it is */
    const char *notice_text;
    const char *lang;
    const char *victim_message; /* declined: the reason, shown to the victim */
    int64_t next_check;         /* -1: leave, 0: none, else when the link is checked next */
    int monitor;                /* entering monitoring: the schedule starts now */
    int64_t visit_a, visit_b;   /* visit_planned: the two staff ids */
    int64_t planned_at;
    const json_t *visit_detail; /* encrypted into the visit: place, notes, statement */
    const json_t *onward;       /* recorded visit: canonical links shared onward */
} TransitionArgs;

static StoreStatus insert_message(StoreConn *c, const unsigned char *key, const char *case_id,
                                  const char *author, int64_t staff_id, const char *text,
                                  int64_t now)
{
    Buf ph = {0};
    buf_putc(&ph, 0);
    int64_t id = 0;
    StoreStatus st = store_message_insert(c, case_id, author, staff_id, &ph, now, &id);
    buf_free(&ph);
    if (st != STORE_OK)
        return st;
    char row[24];
    snprintf(row, sizeof row, "%lld", (long long)id);
    Buf ct = {0};
    sealed_text(key, "messages", "body", row, text, &ct);
    st = store_message_set_body(c, id, &ct);
    buf_free(&ct);
    return st;
}

/* An event with an encrypted detail (or none). */
static StoreStatus insert_event(StoreConn *c, const unsigned char *key, const char *case_id,
                                int64_t target_id, int64_t now, const char *actor, const char *kind,
                                const char *from, const char *to, const json_t *detail)
{
    StoreStatus st = store_event_insert(c, case_id, target_id, now, actor, kind, from, to, NULL);
    if (st != STORE_OK || !detail || json_object_size(detail) == 0)
        return st;
    int64_t id = store_last_insert_id(c);
    char row[24];
    snprintf(row, sizeof row, "%lld", (long long)id);
    Buf ct = {0};
    sealed_json(key, "events", "body", row, detail, &ct);
    st = store_event_set_body(c, id, &ct);
    buf_free(&ct);
    return st;
}

/* A visit planned (two staff, a time, the place encrypted) or recorded (outcome, notes). */
static StoreStatus visit_write(StoreConn *c, TransitionArgs *a)
{
    Loaded *l = a->l;
    StoreStatus st = STORE_OK;
    char row[24];
    if (!strcmp(a->to, "visit_planned")) {
        Buf ph = {0};
        buf_putc(&ph, 0);
        int64_t id = 0;
        st = store_visit_insert(c, l->target.id, l->row.id, a->planned_at, a->visit_a, a->visit_b,
                                &ph, &id);
        buf_free(&ph);
        if (st != STORE_OK)
            return st;
        snprintf(row, sizeof row, "%lld", (long long)id);
        Buf ct = {0};
        sealed_json(l->key, "visits", "body", row, a->visit_detail, &ct);
        st = store_visit_set_body(c, id, &ct);
        buf_free(&ct);
        return st;
    }
    if (strcmp(l->target.state, "visit_planned") != 0)
        return STORE_OK;
    /* Leaving visit_planned: the visit's outcome and what the team noted. */
    VisitRow v = {0};
    st = store_visit_latest(c, l->target.id, &v);
    if (st == STORE_OK) {
        snprintf(row, sizeof row, "%lld", (long long)v.id);
        json_t *body = sealed_open_json(l->key, "visits", "body", row, &v.body);
        if (!body)
            body = json_object();
        const char *k;
        json_t *val;
        json_object_foreach((json_t *)a->visit_detail, k, val) json_object_set(body, k, val);
        Buf ct = {0};
        sealed_json(l->key, "visits", "body", row, body, &ct);
        json_decref(body);
        st = store_visit_set_body(c, v.id, &ct);
        buf_free(&ct);
        if (st == STORE_OK)
            st = store_visit_record(c, v.id, a->to, a->now);
    } else if (st == STORE_NOT_FOUND) {
        st = STORE_OK;
    }
    buf_free(&v.body);
    return st;
}

/* Copies the holder had already shared onward: each becomes an online target linked to this one. */
static StoreStatus onward_write(StoreConn *c, TransitionArgs *a)
{
    Loaded *l = a->l;
    size_t i;
    json_t *link;
    char actor[80];
    actor_of(a->s, actor);
    json_array_foreach((json_t *)a->onward, i, link)
    {
        Buf ph = {0};
        buf_putc(&ph, 0);
        int64_t id = 0;
        StoreStatus st = store_target_insert_child(
            c, l->row.id, l->target.id, json_string_value(json_object_get(link, "platform")), &ph,
            a->now, &id);
        buf_free(&ph);
        if (st != STORE_OK)
            return st;
        char row[24];
        snprintf(row, sizeof row, "%lld", (long long)id);
        Buf ct = {0};
        sealed_json(l->key, "targets", "body", row, link, &ct);
        st = store_target_set_body(c, id, &ct);
        buf_free(&ct);
        if (st == STORE_OK)
            st = store_event_insert(c, l->row.id, id, a->now, actor, "target.onward", NULL,
                                    "reported", NULL);
        if (st != STORE_OK)
            return st;
    }
    return STORE_OK;
}

/* A case with no open target gets its purge date; one with open targets again loses it. */
static StoreStatus retention_update(StoreConn *c, const char *case_id, int64_t now)
{
    int64_t open = 0;
    StoreStatus st = store_case_open_targets(c, case_id, &open);
    if (st != STORE_OK)
        return st;
    char days[24] = "180";
    store_meta_get(c, "retention_days", days, sizeof days);
    int64_t d = strtoll(days, NULL, 10);
    if (d <= 0)
        d = 180;
    return store_case_set_purge(c, case_id, open ? 0 : now + d * 86400);
}

static StoreStatus transition_tx(StoreConn *c, void *arg)
{
    TransitionArgs *a = arg;
    Loaded *l = a->l;
    char actor[80];
    actor_of(a->s, actor);
    StoreStatus st = store_target_set_state(c, l->target.id, l->target.state, a->to, a->now);
    if (st != STORE_OK)
        return st;
    if (a->due_at >= 0 &&
        (st = store_target_set_clock(
             c, l->target.id,
             a->route ? a->route->id : (l->target.route[0] ? l->target.route : NULL), a->due_at)) !=
            STORE_OK)
        return st;
    if (!strcmp(a->to, "removed") || !strcmp(a->to, "restricted") || !strcmp(a->to, "rejected"))
        if ((st = store_target_set_decision(c, l->target.id, a->now)) != STORE_OK)
            return st;
    if (a->monitor)
        st =
            store_target_set_monitor(c, l->target.id, a->now, checker_next_monitor(a->now, a->now));
    else if (a->next_check >= 0)
        st = store_target_set_check(c, l->target.id, a->next_check, 0);
    if (st != STORE_OK)
        return st;
    if ((st = visit_write(c, a)) != STORE_OK || (st = onward_write(c, a)) != STORE_OK)
        return st;
    json_t *detail = json_object();
    const char *keep[] = {"reason", "ticket", "channel", "route", NULL};
    for (int i = 0; keep[i]; i++)
        if (field_text(a->fields, keep[i]))
            json_object_set_new(detail, keep[i], json_string(field_text(a->fields, keep[i])));
    if (a->notice_text) {
        /* The notice as sent, with how and the platform's ticket id. */
        json_t *sent =
            json_pack("{s:s, s:s?, s:s?}", "text", a->notice_text, "channel",
                      field_text(a->fields, "channel"), "ticket", field_text(a->fields, "ticket"));
        Buf ph = {0};
        buf_putc(&ph, 0);
        int64_t nid = 0;
        st = store_notice_insert(c, l->target.id, l->row.id, a->route->id, a->lang, a->now,
                                 a->s->staff_id, &ph, &nid);
        buf_free(&ph);
        if (st == STORE_OK) {
            char row[24];
            snprintf(row, sizeof row, "%lld", (long long)nid);
            Buf ct = {0};
            sealed_json(l->key, "notices", "body", row, sent, &ct);
            st = store_notice_set_body(c, nid, &ct);
            buf_free(&ct);
            json_object_set_new(detail, "notice", json_integer(nid));
        }
        json_decref(sent);
    }
    if (st == STORE_OK && a->victim_message)
        st = insert_message(c, l->key, l->row.id, "staff", a->s->staff_id, a->victim_message,
                            a->now);
    if (st == STORE_OK)
        st = insert_event(c, l->key, l->row.id, l->target.id, a->now, actor, "target.transition",
                          l->target.state, a->to, detail);
    json_decref(detail);
    if (st != STORE_OK)
        return st;
    if ((st = store_case_touch(c, l->row.id, a->now)) != STORE_OK ||
        (st = retention_update(c, l->row.id, a->now)) != STORE_OK)
        return st;
    char what[96];
    snprintf(what, sizeof what, "target %lld %s -> %s", (long long)l->target.id, l->target.state,
             a->to);
    return store_audit_append(c, a->now, actor, "target.transition", l->row.id, what);
}

/* "2026-12-01 14:30" or "2026-12-01T14:30" in China time (UTC+8) to seconds; -1 if malformed. */
static int64_t parse_local_time(const char *s)
{
    int y, mo, d, h, mi;
    char sep, tail;
    if (!s || strlen(s) != 16 ||
        sscanf(s, "%4d-%2d-%2d%c%2d:%2d%c", &y, &mo, &d, &sep, &h, &mi, &tail) != 6 ||
        (sep != ' ' && sep != 'T') || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
        y < 2000 || y > 2200)
        return -1;
    for (int i = 0; i < 16; i++)
        if (i != 4 && i != 7 && i != 10 && i != 13 && (s[i] < '0' || s[i] > '9'))
            return -1;
    struct tm tm = {
        .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};
    return (int64_t)timegm(&tm) - 8 * 3600;
}

/* Planning a visit: a time, a place, exactly two different staff members. */
static CaseworkResult visit_plan(StoreConn *c, const json_t *fields, int64_t now, TransitionArgs *a,
                                 json_t *visit, json_t *detail)
{
    const char *when = field_text(fields, "planned_at"), *place = field_text(fields, "place");
    const char *sa = field_text(fields, "staff_a"), *sb = field_text(fields, "staff_b");
    const char *bad = NULL;
    int64_t planned = parse_local_time(when);
    if (planned < 0)
        bad = "planned_at";
    else if (!place)
        bad = "place";
    else if (!sa || !(a->visit_a = staff_id_of(sa)))
        bad = "staff_a";
    else if (!sb || !(a->visit_b = staff_id_of(sb)) || a->visit_a == a->visit_b)
        bad = "staff_b"; /* evidence rules need two different people */
    if (!bad) {
        StaffRow ra = {0}, rb = {0};
        store_staff_by_id(c, a->visit_a, &ra);
        store_staff_by_id(c, a->visit_b, &rb);
        if (ra.disabled || !strcmp(ra.role, "auditor"))
            bad = "staff_a";
        else if (rb.disabled || !strcmp(rb.role, "auditor"))
            bad = "staff_b";
        staff_row_free(&ra);
        staff_row_free(&rb);
    }
    if (bad) {
        json_object_set_new(detail, "field", json_string(bad));
        return CW_INVALID;
    }
    (void)now;
    a->planned_at = planned;
    a->due_at = planned; /* the visit is due when it was planned for */
    json_object_set_new(visit, "place", json_string(place));
    json_object_set_new(visit, "planned", json_string(when));
    return CW_OK;
}

/* Recording a visit: notes, the voluntary statement, links already shared onward. */
static CaseworkResult visit_outcome(const json_t *fields, json_t *visit, json_t *onward,
                                    json_t *detail)
{
    if (field_text(fields, "reason"))
        json_object_set_new(visit, "notes", json_string(field_text(fields, "reason")));
    const char *stmt = field_text(fields, "statement");
    json_object_set_new(visit, "statement",
                        json_boolean(stmt && (!strcmp(stmt, "yes") || !strcmp(stmt, "on"))));
    const char *links = field_text(fields, "onward");
    if (!links)
        return CW_OK;
    char *copy = xstrdup(links), *save = NULL;
    CaseworkResult r = CW_OK;
    LinkInfo *li = xcalloc(1, sizeof *li);
    for (char *line = strtok_r(copy, "\r\n", &save); line && r == CW_OK;
         line = strtok_r(NULL, "\r\n", &save)) {
        if (strspn(line, " \t") == strlen(line))
            continue;
        if (link_canonicalize(line, li) != LINK_OK || json_array_size(onward) >= 20) {
            json_object_set_new(detail, "field", json_string("onward"));
            r = CW_INVALID;
            break;
        }
        json_array_append_new(onward, json_pack("{s:s, s:s, s:s, s:s, s:s}", "kind", "online",
                                                "url", line, "canonical", li->canonical, "host",
                                                li->host, "platform", li->platform));
    }
    free(li);
    free(copy);
    return r;
}

CaseworkResult casework_transition(const Session *s, int64_t target_id, const char *to,
                                   const json_t *fields, int64_t now, json_t *detail)
{
    if (!can_open(s))
        return CW_FORBIDDEN;
    if (!to || !states_known(to)) {
        json_object_set_new(detail, "field", json_string("to"));
        return CW_INVALID;
    }
    if (fields && !fields_valid(fields, detail))
        return CW_INVALID;
    StoreConn *c = store_conn();
    if (!c)
        return CW_ERROR;
    Loaded l;
    CaseworkResult r = load_target(c, s, target_id, &l);
    if (r != CW_OK) {
        loaded_free(&l);
        return r;
    }
    if (!move_allowed(l.target.kind, l.target.state, to)) {
        json_object_set_new(detail, "from", json_string(l.target.state));
        json_object_set_new(detail, "to", json_string(to));
        loaded_free(&l);
        return CW_CONFLICT;
    }
    TransitionArgs a = {.s = s,
                        .l = &l,
                        .to = to,
                        .fields = fields,
                        .now = now,
                        .due_at = 0,     /* a clock runs only where a state starts one */
                        .next_check = 0, /* likewise the link checks */
                        .lang = l.row.language};
    RouteRow route;
    PlatformRow platform;
    char *text = NULL;
    json_t *visit = json_object(), *onward = json_array();
    a.visit_detail = visit;
    a.onward = onward;
    if (!strcmp(to, "notice_sent") || !strcmp(to, "ready")) {
        r = pick_route(c, &l, fields, &route, &platform, detail);
        a.route = &route;
    }
    if (r == CW_OK && !strcmp(to, "notice_sent")) {
        json_t *missing = json_array();
        text = build_notice(&l, &route, &platform, l.row.language, fields, now, missing);
        if (!text) {
            json_object_set_new(detail, "missing", missing);
            r = CW_MISSING;
        } else {
            json_decref(missing);
            int hours = platform.clock_hours >= 0 && !field_text(fields, "route")
                            ? platform.clock_hours
                            : route.clock_hours;
            a.due_at = now + (int64_t)hours * 3600;
            a.next_check = a.due_at + 3600; /* the checker looks an hour after the deadline */
            a.notice_text = text;
        }
    }
    if (r == CW_OK && !strcmp(to, "acknowledged"))
        a.due_at = -1, a.next_check = -1; /* the platform's clock runs on */
    if (r == CW_OK && !strcmp(to, "removed"))
        a.next_check = now + 3600; /* verify that it is really gone */
    if (r == CW_OK && !strcmp(to, "monitoring"))
        a.monitor = 1;
    if (r == CW_OK && (!strcmp(to, "counter_noticed") ||
                       (!strcmp(to, "in_review") && !strcmp(l.target.kind, "offline")))) {
        RouteRow clock;
        const char *which = !strcmp(to, "counter_noticed") ? "counter_notice" : "offline_visit";
        a.due_at = now + (store_route_get(c, which, &clock) == STORE_OK ? clock.clock_hours : 24) *
                             (int64_t)3600;
    }
    if (r == CW_OK && !strcmp(to, "visit_planned"))
        r = visit_plan(c, fields, now, &a, visit, detail);
    if (r == CW_OK && !strcmp(l.target.state, "visit_planned"))
        r = visit_outcome(fields, visit, onward, detail);
    if (r == CW_OK && !strcmp(to, "declined")) {
        a.victim_message = field_text(fields, "reason");
        if (!a.victim_message) {
            json_object_set_new(detail, "field", json_string("reason"));
            r = CW_INVALID;
        }
    }
    if (r == CW_OK)
        r = from_store(store_tx(transition_tx, &a));
    if (text) {
        vault_wipe(text, strlen(text));
        free(text);
    }
    json_decref(visit);
    json_decref(onward);
    loaded_free(&l);
    return r;
}

CaseworkResult casework_notice(const Session *s, int64_t target_id, const char *lang,
                               const json_t *fields, int64_t now, json_t **out)
{
    if (!can_open(s))
        return CW_FORBIDDEN;
    StoreConn *c = store_conn();
    if (!c)
        return CW_ERROR;
    Loaded l;
    CaseworkResult r = load_target(c, s, target_id, &l);
    json_t *detail = json_object();
    RouteRow route;
    PlatformRow platform;
    if (r == CW_OK && !strcmp(l.target.kind, "offline"))
        r = CW_CONFLICT;
    if (r == CW_OK)
        r = pick_route(c, &l, fields, &route, &platform, detail);
    if (r == CW_OK) {
        const char *use = lang ? lang : l.row.language;
        json_t *missing = json_array();
        char *text = build_notice(&l, &route, &platform, use, fields, now, missing);
        NoticeArgs na = {l.key, json_array()};
        store_notices_of_target(c, target_id, add_notice, &na);
        *out = json_pack("{s:I, s:s, s:s, s:s, s:o, s:o}", "target", (json_int_t)target_id, "route",
                         route.id, "language", use, "channel", platform.channel, "missing", missing,
                         "sent", na.list);
        json_object_set_new(*out, "text", text ? json_string(text) : json_null());
        if (text) {
            vault_wipe(text, strlen(text));
            free(text);
        }
        char actor[80];
        actor_of(s, actor);
        char what[48];
        snprintf(what, sizeof what, "notice preview, target %lld", (long long)target_id);
        /* A preview shows case content: it is a view like any other. */
        staff_audit(actor, "case.view", l.row.id, what, now);
    }
    json_decref(detail);
    loaded_free(&l);
    return r;
}

/* ---- assignment, notes, messages, files ---- */

typedef struct SimpleArgs {
    const Session *s;
    const char *case_id;
    const unsigned char *key;
    const char *text;
    int64_t staff_id, now, number;
} SimpleArgs;

static StoreStatus assign_tx(StoreConn *c, void *arg)
{
    SimpleArgs *a = arg;
    StoreStatus st = store_case_set_assignee(c, a->case_id, a->staff_id, a->now);
    if (st != STORE_OK)
        return st;
    char actor[80];
    actor_of(a->s, actor);
    if ((st = store_event_insert(c, a->case_id, 0, a->now, actor, "case.assign", NULL, NULL,
                                 NULL)) != STORE_OK)
        return st;
    return store_audit_append(c, a->now, actor, "case.assign", a->case_id, a->text ? a->text : "");
}

CaseworkResult casework_assign(const Session *s, const char *case_id, const char *login,
                               int64_t now)
{
    if (!can_open(s))
        return CW_FORBIDDEN;
    StoreConn *c = store_conn();
    if (!c)
        return CW_ERROR;
    int64_t id = 0;
    if (login && *login) {
        StaffRow row = {0};
        StoreStatus st = store_staff_by_login(c, login, &row);
        int ok = st == STORE_OK && !row.disabled && strcmp(row.role, "auditor") != 0;
        id = row.id;
        staff_row_free(&row);
        if (!ok)
            return st == STORE_OK || st == STORE_NOT_FOUND ? CW_INVALID : from_store(st);
    }
    SimpleArgs a = {s, case_id, NULL, login, id, now, 0};
    return from_store(store_tx(assign_tx, &a));
}

/* Opens a case's key for a write; CW_NOT_FOUND when there is no such case. */
static CaseworkResult key_of_case(StoreConn *c, const Session *s, const char *case_id,
                                  unsigned char *key)
{
    CaseRow row = {0};
    CaseworkResult r = from_store(store_case_get(c, case_id, &row));
    if (r == CW_OK)
        r = open_key(c, s, &row, key, NULL);
    case_row_free(&row);
    return r;
}

static StoreStatus note_tx(StoreConn *c, void *arg)
{
    SimpleArgs *a = arg;
    Buf ph = {0};
    buf_putc(&ph, 0);
    int64_t id = 0;
    StoreStatus st = store_note_insert(c, a->case_id, a->s->staff_id, a->now, &ph, &id);
    buf_free(&ph);
    if (st != STORE_OK)
        return st;
    char row[24];
    snprintf(row, sizeof row, "%lld", (long long)id);
    Buf ct = {0};
    sealed_text(a->key, "notes", "body", row, a->text, &ct);
    st = store_note_set_body(c, id, &ct);
    buf_free(&ct);
    char actor[80];
    actor_of(a->s, actor);
    if (st == STORE_OK)
        st = store_event_insert(c, a->case_id, 0, a->now, actor, "note.added", NULL, NULL, NULL);
    return st == STORE_OK ? store_audit_append(c, a->now, actor, "case.note", a->case_id, "") : st;
}

static StoreStatus message_tx(StoreConn *c, void *arg)
{
    SimpleArgs *a = arg;
    StoreStatus st =
        insert_message(c, a->key, a->case_id, "staff", a->s->staff_id, a->text, a->now);
    char actor[80];
    actor_of(a->s, actor);
    if (st == STORE_OK)
        st = store_event_insert(c, a->case_id, 0, a->now, actor, "message.staff", NULL, NULL, NULL);
    if (st == STORE_OK)
        st = store_case_touch(c, a->case_id, a->now);
    return st == STORE_OK ? store_audit_append(c, a->now, actor, "case.message", a->case_id, "")
                          : st;
}

static CaseworkResult write_text(const Session *s, const char *case_id, const char *text,
                                 int64_t now, StoreTxFn fn)
{
    if (!can_open(s))
        return CW_FORBIDDEN;
    if (!text || !*text || strlen(text) > CASEWORK_NOTE_MAX * 4)
        return CW_INVALID;
    StoreConn *c = store_conn();
    if (!c)
        return CW_ERROR;
    unsigned char *key = vault_secret_alloc(32);
    CaseworkResult r = key_of_case(c, s, case_id, key);
    if (r == CW_OK) {
        SimpleArgs a = {s, case_id, key, text, 0, now, 0};
        r = from_store(store_tx(fn, &a));
    }
    vault_secret_free(key);
    return r;
}

CaseworkResult casework_note(const Session *s, const char *case_id, const char *body, int64_t now)
{
    return write_text(s, case_id, body, now, note_tx);
}

CaseworkResult casework_message(const Session *s, const char *case_id, const char *body,
                                int64_t now)
{
    return write_text(s, case_id, body, now, message_tx);
}

CaseworkResult casework_file(const Session *s, const char *file_id, int64_t now, Buf *bytes,
                             char type[32])
{
    if (!can_open(s))
        return CW_FORBIDDEN;
    StoreConn *c = store_conn();
    if (!c)
        return CW_ERROR;
    char case_id[CASE_ID_LEN + 1];
    Buf meta = {0};
    CaseworkResult r = from_store(store_file_get(c, file_id, case_id, &meta));
    unsigned char *key = vault_secret_alloc(32);
    if (r == CW_OK)
        r = key_of_case(c, s, case_id, key);
    if (r == CW_OK) {
        json_t *m = sealed_open_json(key, "files", "meta", file_id, &meta);
        snprintf(type, 32, "%s", m ? json_string_value(json_object_get(m, "type")) : "");
        json_decref(m);
        if (!type[0] || uploads_read(file_id, key, bytes) != 0)
            r = CW_ERROR;
    }
    if (r == CW_OK) {
        char actor[80];
        actor_of(s, actor);
        staff_audit(actor, "case.view_file", case_id, file_id, now);
    }
    vault_secret_free(key);
    buf_free(&meta);
    return r;
}

/* ---- incidents ---- */

static const char INCIDENT_AD_TABLE[] = "incidents";

static StoreStatus incident_tx(StoreConn *c, void *arg)
{
    SimpleArgs *a = arg;
    Buf ph = {0};
    buf_putc(&ph, 0);
    StoreStatus st = store_incident_insert(c, a->now, &ph, &a->number);
    buf_free(&ph);
    if (st != STORE_OK)
        return st;
    char row[24];
    snprintf(row, sizeof row, "%lld", (long long)a->number);
    Buf ct = {0};
    sealed_text(a->key, INCIDENT_AD_TABLE, "label", row, a->text, &ct);
    st = store_incident_set_label(c, a->number, &ct);
    buf_free(&ct);
    char actor[80];
    actor_of(a->s, actor);
    return st == STORE_OK ? store_audit_append(c, a->now, actor, "incident.create", row, "") : st;
}

CaseworkResult casework_incident_create(const Session *s, const char *label, int64_t now,
                                        int64_t *id)
{
    if (!can_open(s))
        return CW_FORBIDDEN;
    if (!label || !*label || strlen(label) > 600)
        return CW_INVALID;
    unsigned char *dk = vault_secret_alloc(32);
    vault_derive(s->key, ORG_DATA_KEY_ID, "orgdata1", dk);
    SimpleArgs a = {s, NULL, dk, label, 0, now, 0};
    CaseworkResult r = from_store(store_tx(incident_tx, &a));
    vault_secret_free(dk);
    *id = a.number;
    return r;
}

static StoreStatus attach_tx(StoreConn *c, void *arg)
{
    SimpleArgs *a = arg;
    StoreStatus st = store_case_set_incident(c, a->case_id, a->number);
    char actor[80], what[32];
    actor_of(a->s, actor);
    snprintf(what, sizeof what, "incident %lld", (long long)a->number);
    if (st == STORE_OK)
        st = store_event_insert(c, a->case_id, 0, a->now, actor, "case.incident", NULL, NULL, NULL);
    return st == STORE_OK ? store_audit_append(c, a->now, actor, "case.incident", a->case_id, what)
                          : st;
}

CaseworkResult casework_incident_attach(const Session *s, const char *case_id, int64_t incident,
                                        int64_t now)
{
    if (!can_open(s))
        return CW_FORBIDDEN;
    StoreConn *c = store_conn();
    if (!c)
        return CW_ERROR;
    if (incident) {
        IncidentRow ir = {0};
        StoreStatus st = store_incident_get(c, incident, &ir);
        buf_free(&ir.label);
        if (st != STORE_OK)
            return st == STORE_NOT_FOUND ? CW_INVALID : from_store(st);
    }
    SimpleArgs a = {s, case_id, NULL, NULL, 0, now, incident};
    return from_store(store_tx(attach_tx, &a));
}

typedef struct IncidentArgs {
    const unsigned char *dk;
    json_t *list;
} IncidentArgs;

static void incident_row(void *arg, const IncidentRow *r)
{
    IncidentArgs *a = arg;
    char row[24];
    snprintf(row, sizeof row, "%lld", (long long)r->id);
    char *label = sealed_open_text(a->dk, INCIDENT_AD_TABLE, "label", row, &r->label);
    json_array_append_new(a->list, json_pack("{s:I, s:I, s:I, s:s}", "id", (json_int_t)r->id,
                                             "created_at", (json_int_t)r->created_at, "cases",
                                             (json_int_t)r->cases, "label", label ? label : ""));
    free(label);
}

CaseworkResult casework_incidents(const Session *s, json_t **out)
{
    if (!can_open(s))
        return CW_FORBIDDEN;
    StoreConn *c = store_conn();
    if (!c)
        return CW_ERROR;
    unsigned char *dk = vault_secret_alloc(32);
    vault_derive(s->key, ORG_DATA_KEY_ID, "orgdata1", dk);
    IncidentArgs a = {dk, json_array()};
    StoreStatus st = store_incidents(c, incident_row, &a);
    vault_secret_free(dk);
    if (st != STORE_OK) {
        json_decref(a.list);
        return from_store(st);
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
    char row[24];
    snprintf(row, sizeof row, "%lld", (long long)t->id);
    json_t *body = sealed_open_json(a->key, "targets", "body", row, &t->body);
    json_t *list = json_object_get(a->by_platform, t->platform);
    if (!list) {
        list = json_array();
        json_object_set_new(a->by_platform, t->platform, list);
    }
    const char *label = json_string_value(
        json_object_get(body, strcmp(t->kind, "offline") == 0 ? "holder" : "canonical"));
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
    if (!can_open(s))
        return CW_FORBIDDEN;
    StoreConn *c = store_conn();
    if (!c)
        return CW_ERROR;
    IncidentRow ir = {0};
    CaseworkResult r = from_store(store_incident_get(c, id, &ir));
    if (r != CW_OK) {
        buf_free(&ir.label);
        return r;
    }
    unsigned char *dk = vault_secret_alloc(32);
    vault_derive(s->key, ORG_DATA_KEY_ID, "orgdata1", dk);
    char row[24];
    snprintf(row, sizeof row, "%lld", (long long)id);
    char *label = sealed_open_text(dk, INCIDENT_AD_TABLE, "label", row, &ir.label);
    vault_secret_free(dk);
    IncidentViewArgs a = {s, c, json_object(), json_array(), NULL, NULL};
    store_cases_of_incident(c, id, incident_case, &a);
    unsigned char *key = vault_secret_alloc(32);
    size_t i;
    json_t *cid;
    json_array_foreach(a.cases, i, cid)
    {
        a.case_id = json_string_value(cid);
        if (key_of_case(c, s, a.case_id, key) != CW_OK)
            continue;
        a.key = key;
        store_targets_of_case(c, a.case_id, incident_target, &a);
    }
    vault_secret_free(key);
    *out = json_pack("{s:I, s:s, s:o, s:o}", "id", (json_int_t)id, "label", label ? label : "",
                     "cases", a.cases, "platforms", a.by_platform);
    free(label);
    buf_free(&ir.label);
    char actor[80];
    actor_of(s, actor);
    staff_audit(actor, "incident.view", row, "", now);
    return CW_OK;
}

/* ---- platforms and routes ---- */

static void registry_route(void *arg, const RouteRow *r)
{
    json_array_append_new(arg, json_pack("{s:s, s:i, s:s}", "id", r->id, "clock_hours",
                                         r->clock_hours, "elements", r->elements));
}

static void registry_platform(void *arg, const PlatformRow *p)
{
    json_t *o = json_pack("{s:s, s:s, s:s}", "id", p->id, "route", p->route, "channel", p->channel);
    json_object_set_new(o, "clock_hours",
                        p->clock_hours >= 0 ? json_integer(p->clock_hours) : json_null());
    json_array_append_new(arg, o);
}

CaseworkResult casework_registry(json_t **out)
{
    StoreConn *c = store_conn();
    if (!c)
        return CW_ERROR;
    json_t *routes = json_array(), *platforms = json_array();
    StoreStatus st = store_routes(c, registry_route, routes);
    if (st == STORE_OK)
        st = store_platforms(c, registry_platform, platforms);
    if (st != STORE_OK) {
        json_decref(routes);
        json_decref(platforms);
        return from_store(st);
    }
    *out = json_pack("{s:o, s:o}", "routes", routes, "platforms", platforms);
    return CW_OK;
}

CaseworkResult casework_platform_update(const Session *s, const char *id, const char *route,
                                        int clock_hours, const char *channel, int64_t now,
                                        json_t *detail)
{
    StoreConn *c = store_conn();
    if (!c)
        return CW_ERROR;
    PlatformRow p = {0};
    CaseworkResult r = from_store(store_platform_get(c, id, &p));
    if (r != CW_OK)
        return r;
    RouteRow rr;
    if (route && store_route_get(c, route, &rr) != STORE_OK) {
        json_object_set_new(detail, "field", json_string("route"));
        return CW_INVALID;
    }
    if (clock_hours < -2 || clock_hours > 8760) {
        json_object_set_new(detail, "field", json_string("clock_hours"));
        return CW_INVALID;
    }
    if (channel && strlen(channel) >= sizeof p.channel) {
        json_object_set_new(detail, "field", json_string("channel"));
        return CW_INVALID;
    }
    if (route)
        snprintf(p.route, sizeof p.route, "%s", route);
    if (channel)
        snprintf(p.channel, sizeof p.channel, "%s", channel);
    if (clock_hours != -2) /* -2: keep the platform's clock as it is */
        p.clock_hours = clock_hours;
    r = from_store(store_platform_update(c, &p));
    if (r == CW_OK) {
        char actor[80], what[64];
        actor_of(s, actor);
        snprintf(what, sizeof what, "route %s, clock %d", p.route, p.clock_hours);
        staff_audit(actor, "platform.update", id, what, now);
    }
    return r;
}

CaseworkResult casework_route_update(const Session *s, const char *id, int clock_hours, int64_t now)
{
    if (clock_hours < 0 || clock_hours > 8760)
        return CW_INVALID;
    StoreConn *c = store_conn();
    if (!c)
        return CW_ERROR;
    CaseworkResult r = from_store(store_route_set_clock(c, id, clock_hours));
    if (r == CW_OK) {
        char actor[80], what[32];
        actor_of(s, actor);
        snprintf(what, sizeof what, "clock %d", clock_hours);
        staff_audit(actor, "route.update", id, what, now);
    }
    return r;
}

/* ---- audit ---- */

static void audit_row(void *arg, const AuditRow *r)
{
    json_array_append_new(arg, json_pack("{s:I, s:I, s:s, s:s, s:s, s:s}", "id", (json_int_t)r->id,
                                         "at", (json_int_t)r->at, "actor", r->actor, "action",
                                         r->action, "subject", r->subject, "detail", r->detail));
}

CaseworkResult casework_audit(int64_t before, int limit, json_t **out)
{
    if (limit < 1 || limit > 500 || before < 0)
        return CW_INVALID;
    StoreConn *c = store_conn();
    if (!c)
        return CW_ERROR;
    json_t *list = json_array();
    StoreStatus st = store_audit_page(c, before, limit, audit_row, list);
    if (st != STORE_OK) {
        json_decref(list);
        return from_store(st);
    }
    json_t *next = json_null();
    if ((int)json_array_size(list) == limit)
        next = json_integer(json_integer_value(
            json_object_get(json_array_get(list, json_array_size(list) - 1), "id")));
    *out = json_pack("{s:o, s:o}", "entries", list, "next", next);
    return CW_OK;
}

/* ---- re-uploads, checks, holds, visit sheets ---- */

typedef struct ChildArgs {
    const Session *s; /* NULL for the system (the checker) */
    const unsigned char *key;
    const char *case_id;
    int64_t parent, now, child;
    const json_t *link;
    const char *kind;
} ChildArgs;

static StoreStatus child_tx(StoreConn *c, void *arg)
{
    ChildArgs *a = arg;
    Buf ph = {0};
    buf_putc(&ph, 0);
    StoreStatus st = store_target_insert_child(
        c, a->case_id, a->parent, json_string_value(json_object_get(a->link, "platform")), &ph,
        a->now, &a->child);
    buf_free(&ph);
    if (st != STORE_OK)
        return st;
    char row[24], actor[80];
    snprintf(row, sizeof row, "%lld", (long long)a->child);
    Buf ct = {0};
    sealed_json(a->key, "targets", "body", row, a->link, &ct);
    st = store_target_set_body(c, a->child, &ct);
    buf_free(&ct);
    if (a->s)
        actor_of(a->s, actor);
    else
        snprintf(actor, sizeof actor, "system");
    if (st == STORE_OK)
        st = store_event_insert(c, a->case_id, a->child, a->now, actor, a->kind, NULL, "reported",
                                NULL);
    if (st == STORE_OK)
        st = retention_update(c, a->case_id, a->now);
    char what[48];
    snprintf(what, sizeof what, "target %lld from %lld", (long long)a->child, (long long)a->parent);
    return st == STORE_OK ? store_audit_append(c, a->now, actor, a->kind, a->case_id, what) : st;
}

CaseworkResult casework_reupload(const Session *s, int64_t parent_id, const char *url, int64_t now,
                                 int64_t *child)
{
    if (!can_open(s))
        return CW_FORBIDDEN;
    StoreConn *c = store_conn();
    if (!c)
        return CW_ERROR;
    LinkInfo *li = xcalloc(1, sizeof *li);
    if (!url || link_canonicalize(url, li) != LINK_OK) {
        free(li);
        return CW_INVALID;
    }
    Loaded l;
    CaseworkResult r = load_target(c, s, parent_id, &l);
    if (r == CW_OK) {
        json_t *link =
            json_pack("{s:s, s:s, s:s, s:s, s:s}", "kind", "online", "url", url, "canonical",
                      li->canonical, "host", li->host, "platform", li->platform);
        ChildArgs a = {s, l.key, l.row.id, parent_id, now, 0, link, "target.reupload"};
        r = from_store(store_tx(child_tx, &a));
        *child = a.child;
        json_decref(link);
    }
    free(li);
    loaded_free(&l);
    return r;
}

typedef struct CheckArgs {
    const char *case_id;
    int64_t target_id, now;
    const char *state;
    const unsigned char *key;
    CheckReport rep;
    int64_t next;
} CheckArgs;

/* Records a check: an event with the result, the next check time, and what the result means. */
static StoreStatus check_tx(StoreConn *c, void *arg)
{
    CheckArgs *a = arg;
    json_t *d = json_pack("{s:s, s:s, s:I}", "result", checker_result_name(a->rep.result), "how",
                          a->rep.reason, "status", (json_int_t)a->rep.status);
    StoreStatus st = insert_event(c, a->key, a->case_id, a->target_id, a->now, "system:checker",
                                  "check", NULL, NULL, d);
    json_decref(d);
    if (st != STORE_OK)
        return st;
    if ((st = store_target_set_check(c, a->target_id, a->next, a->now)) != STORE_OK)
        return st;
    /* Removed and now checked gone: verified, then watched for re-uploads. */
    if (a->rep.result == CHECK_GONE && !strcmp(a->state, "removed")) {
        if ((st = store_target_set_state(c, a->target_id, "removed", "verified_gone", a->now)) ||
            (st = store_event_insert(c, a->case_id, a->target_id, a->now, "system:checker",
                                     "target.transition", "removed", "verified_gone", NULL)) ||
            (st = store_target_set_state(c, a->target_id, "verified_gone", "monitoring", a->now)) ||
            (st = store_event_insert(c, a->case_id, a->target_id, a->now, "system:checker",
                                     "target.transition", "verified_gone", "monitoring", NULL)) ||
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
    if (!strcmp(t->state, "monitoring") && r == CHECK_UP)
        return 0;
    if (!strcmp(t->state, "monitoring"))
        return checker_next_monitor(monitor_since ? monitor_since : now, now);
    if (r == CHECK_UNKNOWN)
        return now + 3600;
    if (r == CHECK_GONE && !strcmp(t->state, "removed"))
        return 0; /* check_tx starts the monitoring schedule */
    return 0;
}

/* Checks one target with its case key; a monitored link that is up again becomes a re-upload. */
static CaseworkResult check_one(StoreConn *c, const unsigned char *key, const TargetRow *t,
                                int64_t now, CheckReport *out)
{
    char row[24];
    snprintf(row, sizeof row, "%lld", (long long)t->id);
    json_t *body = sealed_open_json(key, "targets", "body", row, &t->body);
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
    CaseworkResult r = from_store(store_tx(check_tx, &a));
    if (r == CW_OK && rep.result == CHECK_UP && !strcmp(t->state, "monitoring")) {
        ChildArgs ca = {NULL, key, t->case_id, t->id, now, 0, body, "target.reupload"};
        r = from_store(store_tx(child_tx, &ca));
    }
    json_decref(body);
    if (out)
        *out = rep;
    return r;
}

CaseworkResult casework_check_now(const Session *s, int64_t target_id, int64_t now, json_t **out)
{
    if (!can_open(s))
        return CW_FORBIDDEN;
    StoreConn *c = store_conn();
    if (!c)
        return CW_ERROR;
    Loaded l;
    CaseworkResult r = load_target(c, s, target_id, &l);
    if (r == CW_OK && !strcmp(l.target.kind, "offline"))
        r = CW_CONFLICT;
    CheckReport rep;
    if (r == CW_OK)
        r = check_one(c, l.key, &l.target, now, &rep);
    if (r == CW_OK)
        *out = json_pack("{s:I, s:s, s:s, s:I}", "target", (json_int_t)target_id, "result",
                         checker_result_name(rep.result), "how", rep.reason, "status",
                         (json_int_t)rep.status);
    loaded_free(&l);
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
    unsigned char *key = vault_secret_alloc(32);
    int ran = 0;
    for (int i = 0; i < due.n; i++) {
        CaseRow row = {0};
        TargetRow t = {0};
        if (store_case_get(c, due.list[i].case_id, &row) == STORE_OK &&
            store_target_get(c, due.list[i].target_id, &t) == STORE_OK &&
            open_key(c, &sys, &row, key, NULL) == CW_OK &&
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

typedef struct HoldArgs {
    const Session *s;
    const char *case_id;
    int on;
    int64_t now;
} HoldArgs;

static StoreStatus hold_tx(StoreConn *c, void *arg)
{
    HoldArgs *a = arg;
    StoreStatus st = store_case_set_hold(c, a->case_id, a->on);
    char actor[80];
    actor_of(a->s, actor);
    if (st == STORE_OK)
        st = store_event_insert(c, a->case_id, 0, a->now, actor,
                                a->on ? "case.legal_hold" : "case.legal_hold_lifted", NULL, NULL,
                                NULL);
    return st == STORE_OK ? store_audit_append(c, a->now, actor,
                                               a->on ? "case.legal_hold" : "case.legal_hold_lifted",
                                               a->case_id, "")
                          : st;
}

CaseworkResult casework_hold(const Session *s, const char *case_id, int on, int64_t now)
{
    if (!can_open(s))
        return CW_FORBIDDEN;
    HoldArgs a = {s, case_id, on, now};
    return from_store(store_tx(hold_tx, &a));
}

typedef struct SheetArgs {
    const unsigned char *key;
    json_t *visits;
} SheetArgs;

static void sheet_visit(void *arg, const VisitRow *v)
{
    SheetArgs *a = arg;
    char row[24];
    snprintf(row, sizeof row, "%lld", (long long)v->id);
    json_t *body = sealed_open_json(a->key, "visits", "body", row, &v->body);
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
    if (!can_open(s))
        return CW_FORBIDDEN;
    StoreConn *c = store_conn();
    if (!c)
        return CW_ERROR;
    Loaded l;
    CaseworkResult r = load_target(c, s, target_id, &l);
    if (r == CW_OK && strcmp(l.target.kind, "offline") != 0)
        r = CW_CONFLICT;
    if (r == CW_OK) {
        SheetArgs a = {l.key, json_array()};
        store_visits_of_target(c, target_id, sheet_visit, &a);
        /* Only what the team needs: who holds it and where, not the requester or the incident. */
        *out = json_pack("{s:s, s:I, s:s, s:O?, s:O?, s:o}", "case", l.row.id, "target",
                         (json_int_t)target_id, "state", l.target.state, "holder",
                         json_object_get(l.target_body, "holder"), "where",
                         json_object_get(l.target_body, "where"), "visits", a.visits);
        char actor[80], what[32];
        actor_of(s, actor);
        snprintf(what, sizeof what, "visit sheet, target %lld", (long long)target_id);
        staff_audit(actor, "case.view", l.row.id, what, now);
    }
    loaded_free(&l);
    return r;
}

/* ---- statistics ---- */

static void stat_row(void *arg, const char *group, const char *key, int64_t n)
{
    json_t *groups = arg;
    json_t *g = json_object_get(groups, group);
    if (!g) {
        g = json_pack("{s:s, s:I, s:[]}", "name", group, "max", (json_int_t)0, "rows");
        json_object_set_new(groups, group, g);
    }
    json_array_append_new(json_object_get(g, "rows"),
                          json_pack("{s:s, s:I}", "key", key ? key : "", "n", (json_int_t)n));
    if (n > json_integer_value(json_object_get(g, "max")))
        json_object_set_new(g, "max", json_integer(n));
}

CaseworkResult casework_stats(json_t **out)
{
    StoreConn *c = store_conn();
    if (!c)
        return CW_ERROR;
    json_t *groups = json_object();
    StoreStatus st = store_stats(c, stat_row, groups);
    if (st != STORE_OK) {
        json_decref(groups);
        return from_store(st);
    }
    /* In a fixed order, so pages and clients can rely on it. */
    json_t *list = json_array();
    const char *order[] = {"cases", "state", "platform", "route", "incident_type"};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        json_t *g = json_object_get(groups, order[i]);
        json_array_append(
            list, g ? g : json_pack("{s:s, s:i, s:[]}", "name", order[i], "max", 0, "rows"));
        if (!g)
            json_decref(json_array_get(list, json_array_size(list) - 1));
    }
    json_decref(groups);
    *out = json_pack("{s:o}", "groups", list);
    return CW_OK;
}
