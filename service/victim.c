/* The victim's side of a case, opened with the case key their session holds. */
#include "victim.h"

#include "caselog.h"
#include "intake.h"
#include "log.h"
#include "retention.h"
#include "sealed.h"
#include "states.h"
#include "store_case.h"
#include "store_log.h"
#include "store_queue_bulk.h"
#include "store_registry.h"
#include "store_staff.h"
#include "store_target.h"
#include "vault.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A write's store status as a result: busy, the disk's refusal, or our failure. */
static VictimResult victim_from_store(StoreStatus s)
{
    switch (s) {
    case STORE_OK:
        return VICTIM_OK;
    case STORE_BUSY:
        return VICTIM_BUSY;
    case STORE_UNAVAILABLE:
        return VICTIM_UNAVAILABLE;
    default:
        return VICTIM_ERROR;
    }
}

VictimResult victim_sign_in(const char *typed, int64_t now, char cookie[SESSION_COOKIE_MAX],
                            char csrf[65])
{
    char digits[VAULT_RECEIPT_DIGITS + 1];
    StoreConn *c = store_conn();
    if (!c)
        return VICTIM_ERROR;
    OrgRow org = {0};
    if (store_org_get(c, &org) != STORE_OK) {
        org_row_free(&org);
        return VICTIM_ERROR;
    }
    unsigned char lookup[VAULT_ID_BYTES];
    unsigned char *rkey = vault_secret_alloc(VAULT_KEY_BYTES);
    unsigned char *key = vault_secret_alloc(VAULT_KEY_BYTES);
    VictimResult r = VICTIM_BAD_RECEIPT;
    CaseRow row = {0};
    /* A malformed receipt costs the same Argon2id run as a well-formed one. */
    int well_formed = vault_receipt_parse(typed, digits) == 0;
    if (!well_formed)
        memcpy(digits, "00000000000000000000", sizeof digits);
    if (vault_receipt_derive(digits, org.receipt_salt, intake_receipt_cost(), lookup, rkey) != 0) {
        r = VICTIM_ERROR;
    } else if (well_formed) {
        StoreStatus s = store_case_by_lookup(c, lookup, &row);
        if (s == STORE_OK && vault_case_key_open_with_receipt(rkey, row.id, row.receipt_wrap.data,
                                                              row.receipt_wrap.len, key) == 0) {
            s = session_create(c, "victim", 0, row.id, key, NULL, now, cookie, csrf);
            r = victim_from_store(s);
        } else if (s != STORE_OK && s != STORE_NOT_FOUND) {
            r = victim_from_store(s);
        }
    }
    vault_wipe(digits, sizeof digits);
    vault_secret_free(rkey);
    vault_secret_free(key);
    case_row_free(&row);
    org_row_free(&org);
    return r;
}

typedef struct ViewArgs {
    const Session *s;
    json_t *targets, *messages;
    int open, total;
    int64_t next_due;
} ViewArgs;

static void view_target(void *arg, const TargetRow *t)
{
    ViewArgs *a = arg;
    char row[24];
    snprintf(row, sizeof row, "%lld", (long long)t->id);
    json_t *body = sealed_open_json(a->s->key, "targets", "body", row, &t->body);
    const char *label = "";
    if (body)
        label = json_string_value(
            json_object_get(body, states_kind_offline(t->kind) ? "holder" : "canonical"));
    json_t *o =
        json_pack("{s:I, s:s, s:s, s:s, s:s, s:I, s:I}", "id", (json_int_t)t->id, "kind", t->kind,
                  "platform", t->platform, "state", t->state, "label", label ? label : "",
                  "created_at", (json_int_t)t->created_at, "updated_at", (json_int_t)t->updated_at);
    json_object_set_new(o, "state_key", json_sprintf("victim.state.%s", t->state));
    json_object_set_new(o, "next_key", json_sprintf("victim.next.%s", t->state));
    json_object_set_new(o, "platform_key", json_sprintf("platform.%s", t->platform));
    if (t->due_at)
        json_object_set_new(o, "due_at", json_integer(t->due_at));
    if (t->parent_id)
        json_object_set_new(o, "parent", json_integer(t->parent_id));
    json_array_append_new(a->targets, o);
    json_decref(body);
    a->total++;
    if (states_is_open(t->state)) {
        a->open++;
        if (t->due_at && (!a->next_due || t->due_at < a->next_due))
            a->next_due = t->due_at;
    }
}

static void view_message(void *arg, const MessageRow *m)
{
    ViewArgs *a = arg;
    char row[24];
    snprintf(row, sizeof row, "%lld", (long long)m->id);
    char *text = sealed_open_text(a->s->key, "messages", "body", row, &m->body);
    if (text)
        json_array_append_new(a->messages, json_pack("{s:s, s:I, s:s}", "author", m->author, "at",
                                                     (json_int_t)m->created_at, "body", text));
    free(text);
}

static void count_file(void *arg, const FileRow *f)
{
    (void)f;
    (*(int *)arg)++;
}

VictimResult victim_view(const Session *s, json_t **out)
{
    StoreConn *c = store_conn();
    CaseRow row = {0};
    if (!c || store_case_get(c, s->case_id, &row) != STORE_OK) {
        case_row_free(&row);
        return VICTIM_BAD_RECEIPT;
    }
    ViewArgs a = {s, json_array(), json_array(), 0, 0, 0};
    int files = 0;
    if (store_targets_of_case(c, s->case_id, 1, view_target, &a) != STORE_OK ||
        store_messages_of_case(c, s->case_id, view_message, &a) != STORE_OK ||
        store_files_of_case(c, s->case_id, count_file, &files) != STORE_OK) {
        json_decref(a.targets);
        json_decref(a.messages);
        case_row_free(&row);
        return VICTIM_ERROR;
    }
    const char *state = row.withdrawn_at ? VICTIM_CASE_WITHDRAWN
                        : a.open         ? VICTIM_CASE_OPEN
                                         : VICTIM_CASE_CLOSED;
    json_t *o = json_pack("{s:s, s:s, s:o, s:o, s:i, s:i, s:i, s:I}", "case", row.id, "state",
                          state, "targets", a.targets, "messages", a.messages, "open_targets",
                          a.open, "total_targets", a.total, "screenshots", files, "created_at",
                          (json_int_t)row.created_at);
    if (row.withdrawn_at)
        json_object_set_new(o, "withdrawn_at", json_integer(row.withdrawn_at));
    if (row.purge_after)
        json_object_set_new(o, "purge_after", json_integer(row.purge_after));
    if (a.next_due)
        json_object_set_new(o, "next_due", json_integer(a.next_due));
    *out = o;
    case_row_free(&row);
    return VICTIM_OK;
}

VictimResult victim_case_facts(const Session *s, size_t *targets, int *withdrawn)
{
    StoreConn *c = store_conn();
    int64_t n = 0;
    StoreStatus st = c ? store_case_facts(c, s->case_id, &n, withdrawn) : STORE_ERROR;
    *targets = (size_t)n;
    return st == STORE_OK ? VICTIM_OK : st == STORE_NOT_FOUND ? VICTIM_BAD_RECEIPT : VICTIM_ERROR;
}

typedef struct MsgArgs {
    const Session *s;
    const char *body;
    int64_t now;
} MsgArgs;

static StoreStatus message_tx(StoreConn *c, void *arg)
{
    MsgArgs *a = arg;
    StoreStatus st = caselog_message(c, a->s->key, a->s->case_id, "victim", 0, a->body, a->now);
    if (st != STORE_OK)
        return st;
    if ((st = store_event_insert(c, a->s->case_id, 0, a->now, "victim", "message.victim", NULL,
                                 NULL, NULL)) != STORE_OK)
        return st;
    return store_case_touch(c, a->s->case_id, a->now);
}

VictimResult victim_add_message(const Session *s, const char *body, int64_t now)
{
    MsgArgs a = {s, body, now};
    StoreStatus st = store_tx(message_tx, &a);
    return victim_from_store(st);
}

typedef struct WithdrawArgs {
    const Session *s;
    int64_t now;
} WithdrawArgs;

static StoreStatus withdraw_writes(StoreConn *c, void *arg)
{
    WithdrawArgs *a = arg;
    /* Kept as long as any closed case: the retention setting (default 180 days). */
    StoreStatus st = store_case_set_withdrawn(c, a->s->case_id, a->now, RETENTION_DAYS_DEFAULT);
    if (st != STORE_OK)
        return st;
    /* Every open copy, children included, in the same transaction: none is left open. */
    int64_t moved = 0;
    if ((st = store_targets_withdraw(c, a->s->case_id, "victim", a->now, &moved)) != STORE_OK)
        return st;
    if ((st = store_event_insert(c, a->s->case_id, 0, a->now, "victim", "case.withdrawn", NULL,
                                 NULL, NULL)) != STORE_OK)
        return st;
    return store_audit_append(c, a->now, "victim", "case.withdraw", a->s->case_id, "");
}

/* The case and every copy closed, with the case's queue rows refreshed once, not per copy. */
static StoreStatus withdraw_tx(StoreConn *c, void *arg)
{
    return store_queue_held(c, withdraw_writes, arg);
}

VictimResult victim_withdraw(const Session *s, int64_t now)
{
    WithdrawArgs a = {s, now};
    StoreStatus st = store_tx(withdraw_tx, &a);
    if (st == STORE_CONFLICT)
        return VICTIM_CONFLICT;
    return victim_from_store(st);
}

VictimResult victim_erase(const Session *s, int64_t now)
{
    /* The same destroy as the purge: erasure log first, then rows, files and the WAL. */
    StoreStatus st = retention_destroy(s->case_id, now, "victim", "case.erase", 1);
    if (st == STORE_OK)
        retention_clear_log();
    return victim_from_store(st);
}

/* A message body: required, at most INTAKE_MESSAGE_MAX characters, no control characters. */
const char *victim_message_problem(const char *body)
{
    if (!body || !*body || strspn(body, " \t\r\n") == strlen(body))
        return "required";
    if (intake_chars(body) > INTAKE_MESSAGE_MAX)
        return "too_long";
    for (const unsigned char *p = (const unsigned char *)body; *p; p++)
        if ((*p < 0x20 && *p != '\n' && *p != '\r' && *p != '\t') || *p == 0x7f)
            return "invalid";
    return NULL;
}
