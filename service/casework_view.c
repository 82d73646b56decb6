/* The case page: the case decrypted for staff, its blind indexes refreshed, the view audited. */
#include "casework_internal.h"

#include "sealed.h"
#include "states.h"
#include "store_case.h"
#include "store_desk.h"
#include "store_log.h"
#include "store_staff.h"
#include "store_target.h"
#include "vault.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- viewing a case ---- */

typedef struct ViewArgs {
    const unsigned char *key;
    const char *case_id;
    json_t *targets, *messages, *notes, *files, *timeline, *fingerprints, *matches;
    int64_t now, next_due;
    int withdrawn; /* the case was withdrawn: no copy moves */
    StoreConn *c;
    const unsigned char *org_sk; /* opens what platforms' desks answered */
    unsigned char org_pk[VAULT_KEY_BYTES];
    json_t *answers; /* of the target being viewed */
} ViewArgs;

/* What a platform's desk answered about the copy: kind, outcome and times, and its words. */
static void view_answer(void *arg, const DeskAnswerRow *r)
{
    ViewArgs *a = arg;
    json_t *o = json_pack("{s:I, s:s, s:I}", "notice", (json_int_t)r->desk_notice_id, "kind",
                          r->kind, "received_at", (json_int_t)r->received_at);
    if (r->outcome[0])
        json_object_set_new(o, "outcome", json_string(r->outcome));
    if (r->platform_at)
        json_object_set_new(o, "platform_at", json_integer(r->platform_at));
    json_t *words =
        sealed_org_open_json(a->org_pk, a->org_sk, "desk_answers", "body", r->id, &r->body);
    if (json_is_object(words))
        json_object_update(o, words);
    json_decref(words);
    json_array_append_new(a->answers, o);
}

static void view_target(void *arg, const TargetRow *t)
{
    ViewArgs *a = arg;
    json_t *body = sealed_open_json_id(a->key, "targets", "body", t->id, &t->body);
    json_t *next = json_array();
    const char *moves[STATES_NEXT_MAX];
    size_t n = states_next(t->kind, t->state, a->withdrawn, moves, STATES_NEXT_MAX);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(next, json_string(moves[i]));
    json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:o, s:o}", "id", (json_int_t)t->id, "kind",
                          t->kind, "platform", t->platform, "state", t->state, "body",
                          body ? body : json_object(), "next", next);
    json_object_set_new(o, "route", t->route[0] ? json_string(t->route) : json_null());
    json_object_set_new(o, "open", json_boolean(states_is_open(t->state)));
    /* A notice is prepared only where the table lets the copy move to notice_sent next. */
    json_object_set_new(
        o, "can_notice",
        json_boolean(states_move_allowed(t->kind, t->state, STATE_NOTICE_SENT, a->withdrawn)));
    if (t->due_at) {
        json_object_set_new(o, "due_at", json_integer(t->due_at));
        int overdue = cw_is_waiting(t->state) && t->due_at <= a->now;
        json_object_set_new(o, "overdue", json_boolean(overdue));
        if (cw_is_waiting(t->state) && (!a->next_due || t->due_at < a->next_due))
            a->next_due = t->due_at;
    }
    if (t->parent_id)
        json_object_set_new(o, "parent", json_integer(t->parent_id));
    CwNoticeArgs na = {a->key, json_array()};
    store_notices_of_target(a->c, t->id, cw_add_notice, &na);
    json_object_set_new(o, "notices", na.list);
    a->answers = json_array();
    store_desk_answers_of_target(a->c, t->id, view_answer, a);
    json_object_set_new(o, "desk_answers", a->answers);
    a->answers = NULL;
    json_array_append_new(a->targets, o);
}

/* A message or a note: its author, time and decrypted text appended to list. */
static void view_text(const unsigned char *key, json_t *list, const char *table, int64_t id,
                      const char *author, int64_t at, const Buf *body)
{
    char *text = sealed_open_text_id(key, table, "body", id, body);
    if (text)
        json_array_append_new(list, json_pack("{s:s, s:I, s:s}", "author", author, "at",
                                              (json_int_t)at, "body", text));
    free(text);
}

static void view_message(void *arg, const MessageRow *m)
{
    const ViewArgs *a = arg;
    view_text(a->key, a->messages, "messages", m->id, m->author, m->created_at, &m->body);
}

static void view_note(void *arg, const NoteRow *n)
{
    const ViewArgs *a = arg;
    view_text(a->key, a->notes, "notes", n->id, n->author, n->created_at, &n->body);
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
        json_t *d = sealed_open_json_id(a->key, "events", "body", e->id, &e->body);
        if (d)
            json_object_set_new(o, "detail", d);
    }
    json_array_append_new(a->timeline, o);
}

static void view_fingerprint(void *arg, int64_t id, const Buf *body)
{
    ViewArgs *a = arg;
    char *v = sealed_open_text_id(a->key, "fingerprints", "body", id, body);
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

typedef struct OpenArgs {
    const Session *s;
    const char *case_id;
    const Buf *new_wrap;
    const json_t *body;                   /* the decrypted request */
    const json_t *targets, *fingerprints; /* as decrypted for the page: nothing is opened twice */
    int64_t now;
} OpenArgs;

/* One transaction per view: the audit entry, the org wrap on first open, fresh blind indexes. */
static StoreStatus view_tx(StoreConn *c, void *arg)
{
    OpenArgs *a = arg;
    StoreStatus st = cw_org_key_current(c, a->s->key);
    if (st == STORE_OK && a->new_wrap && a->new_wrap->len)
        st = store_case_set_org_wrap(c, a->case_id, a->new_wrap);
    if (st == STORE_OK)
        st = cw_blind_write(c, a->s->key, a->case_id, a->body, a->targets, a->fingerprints);
    if (st != STORE_OK)
        return st;
    char actor[80];
    cw_actor_of(a->s, actor);
    return store_audit_append(c, a->now, actor, "case.view", a->case_id, "");
}

CaseworkResult casework_view(const Session *s, const char *case_id, int64_t now, json_t **out)
{
    StoreConn *c;
    CaseworkResult r = cw_staff_conn(s, &c);
    if (r != CW_OK)
        return r;
    CaseRow row = {0};
    r = cw_from_store(store_case_get(c, case_id, &row));
    unsigned char *key = vault_secret_alloc(VAULT_KEY_BYTES);
    Buf wrap = {0};
    if (r == CW_OK)
        r = cw_open_key(c, s, &row, key, &wrap);
    json_t *body = NULL;
    if (r == CW_OK && !(body = sealed_open_json(key, "cases", "body", row.id, &row.body)))
        r = CW_ERROR;
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
                  .withdrawn = row.withdrawn_at != 0,
                  .c = c,
                  .org_sk = s->key};
    vault_public_of(s->key, a.org_pk);
    if (r == CW_OK) {
        /* Decrypted once: the page shows them and the blind indexes are made from them. */
        store_targets_of_case(c, row.id, 1, view_target, &a);
        store_fingerprints_of_case(c, row.id, view_fingerprint, &a);
        OpenArgs oa = {s, row.id, &wrap, body, a.targets, a.fingerprints, now};
        r = cw_from_store(store_tx(view_tx, &oa));
    }
    if (r == CW_OK) {
        store_messages_of_case(c, row.id, view_message, &a);
        store_notes_of_case(c, row.id, view_note, &a);
        store_files_of_case(c, row.id, view_file, &a);
        store_events_of_case(c, row.id, view_event, &a);
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
        a.targets = a.messages = a.notes = a.files = a.timeline = a.fingerprints = a.matches = NULL;
    }
    /* On failure, whatever was gathered goes (json_decref ignores NULL). */
    json_decref(a.targets);
    json_decref(a.messages);
    json_decref(a.notes);
    json_decref(a.files);
    json_decref(a.timeline);
    json_decref(a.fingerprints);
    json_decref(a.matches);
    json_decref(body);
    buf_free(&wrap);
    vault_secret_free(key);
    case_row_free(&row);
    return r;
}
