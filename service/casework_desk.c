/* What platforms' desks do with the notices they were sent (issue 14): acknowledge, ask for more,
 * decide, report re-uploads. A desk's call brings no key, so nothing here opens a case: the copy
 * moves by its workflow metadata alone, and what the desk wrote is sealed to the org public key
 * for staff to read. Only a re-upload needs the case key (its link is sealed under it): it waits,
 * sealed to the org, until the org key is at hand. */
#include "casework_internal.h"

#include "keyring.h"
#include "links.h"
#include "sealed.h"
#include "states.h"
#include "store_desk.h"
#include "store_log.h"
#include "store_staff.h"
#include "vault.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The state a decision moves the copy to: disabled is removed, a restriction by region or age is
 * restricted; NULL for an unknown decision. */
static const char *decision_state(const char *decision)
{
    static const char *const map[][2] = {{"removed", STATE_REMOVED},
                                         {"disabled", STATE_REMOVED},
                                         {"geo_restricted", STATE_RESTRICTED},
                                         {"age_restricted", STATE_RESTRICTED},
                                         {"rejected", STATE_REJECTED}};
    for (size_t i = 0; decision && i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(decision, map[i][0]))
            return map[i][1];
    return NULL;
}

/* Text the desk may send: printable, bounded; NULL is absent. */
static int desk_text_ok(const char *s, size_t max)
{
    if (!s)
        return 1;
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 && s[i] != '\n' && s[i] != '\r' && s[i] != '\t')
            return 0;
    return 1;
}

static CaseworkResult invalid(json_t *detail, const char *field)
{
    json_object_set_new(detail, "field", json_string(field));
    return CW_INVALID;
}

/* The state the answer moves the copy to, or CW_INVALID naming the field. */
static CaseworkResult answer_check(const DeskAnswer *a, const char **to, json_t *detail)
{
    *to = NULL;
    if (!a->kind)
        return invalid(detail, "kind");
    if (!strcmp(a->kind, "ack"))
        *to = STATE_ACKNOWLEDGED;
    else if (!strcmp(a->kind, "needs_info"))
        *to = STATE_NEEDS_INFO;
    else if (!strcmp(a->kind, "decision") && !(*to = decision_state(a->decision)))
        return invalid(detail, "decision");
    if (!*to)
        return invalid(detail, "kind");
    if (!desk_text_ok(a->item_id, DESK_ITEM_ID_MAX))
        return invalid(detail, "item_id");
    if (!desk_text_ok(a->reason, DESK_TEXT_MAX) || (!strcmp(*to, STATE_REJECTED) && !a->reason))
        return invalid(detail, "reason"); /* a refusal says why */
    if (!desk_text_ok(a->question, DESK_TEXT_MAX) ||
        (!strcmp(*to, STATE_NEEDS_INFO) && !a->question))
        return invalid(detail, "question");
    if (a->at < 0)
        return invalid(detail, "at");
    return CW_OK;
}

typedef struct AnswerArgs {
    int64_t account, notice_id, now;
    const char *platform;
    const DeskAnswer *answer;
    const char *to;
    json_t *detail;
    CaseworkResult why; /* set with STORE_CONFLICT or STORE_NOT_FOUND */
} AnswerArgs;

/* The desk's words, sealed to the org under the answer's row. */
static StoreStatus answer_write(StoreConn *c, const AnswerArgs *a, const DeskNoticeRow *n)
{
    const DeskAnswer *d = a->answer;
    OrgRow org = {0};
    StoreStatus st = store_org_get(c, &org);
    DeskAnswerRow row = {.desk_notice_id = n->id,
                         .target_id = n->target_id,
                         .platform_at = d->at,
                         .received_at = a->now};
    snprintf(row.kind, sizeof row.kind, "%s", d->kind);
    if (!strcmp(d->kind, "decision"))
        snprintf(row.outcome, sizeof row.outcome, "%s", d->decision);
    buf_putc(&row.body, 0);
    int64_t id = 0;
    if (st == STORE_OK)
        st = store_desk_answer_insert(c, &row, &id);
    if (st == STORE_OK) {
        json_t *words = json_pack("{s:s?, s:s?, s:s?}", "item_id", d->item_id, "reason", d->reason,
                                  "question", d->question);
        sealed_org_json(org.public_key, "desk_answers", "body", id, words, &row.body);
        json_decref(words);
        st = store_desk_org_field_set(c, DESK_ORG_ANSWERS, id, &row.body);
    }
    buf_free(&row.body);
    org_row_free(&org);
    return st;
}

/* The account's notice notice_id (STORE_NOT_FOUND for another's) and its copy. */
static StoreStatus notice_target(StoreConn *c, int64_t account, int64_t notice_id, DeskNoticeRow *n,
                                 TargetRow *t)
{
    StoreStatus st = store_desk_notice_get(c, account, notice_id, n);
    buf_free(&n->sealed);
    return st == STORE_OK ? store_target_get(c, n->target_id, t) : st;
}

static StoreStatus answer_tx(StoreConn *c, void *arg)
{
    AnswerArgs *a = arg;
    DeskNoticeRow n;
    TargetRow t = {0};
    CaseRow row = {0};
    StoreStatus st = notice_target(c, a->account, a->notice_id, &n, &t);
    if (st == STORE_OK)
        st = store_case_get(c, t.case_id, &row);
    int again = !strcmp(a->to, STATE_ACKNOWLEDGED) && !strcmp(t.state, STATE_ACKNOWLEDGED) &&
                n.acked_at && !n.decided_at && !n.superseded;
    if (st == STORE_OK && !again &&
        (n.decided_at || n.superseded ||
         !states_move_allowed(t.kind, t.state, a->to, row.withdrawn_at != 0))) {
        json_object_set_new(a->detail, "state", json_string(t.state));
        json_object_set_new(a->detail, "answered", json_boolean(n.decided_at != 0));
        if (n.superseded) /* sent again since: the copy waits on the newer notice */
            json_object_set_new(a->detail, "superseded", json_true());
        st = STORE_CONFLICT;
    }
    if (st != STORE_OK || again) { /* an acknowledgement sent twice changes nothing */
        target_row_free(&t);
        case_row_free(&row);
        return st;
    }
    char actor[80];
    snprintf(actor, sizeof actor, "platform:%s", a->platform);
    CwMove m = {t.id, t.state, a->to, t.route[0] ? t.route : NULL, a->now, 0, 0, 0};
    cw_platform_clocks(a->to, a->now, &m.due_at, &m.next_check);
    if ((st = cw_move(c, &m)) == STORE_OK)
        st = answer_write(c, a, &n);
    if (st == STORE_OK)
        st = !strcmp(a->to, STATE_ACKNOWLEDGED) ? store_desk_notice_acked(c, n.id, a->now)
                                                : store_desk_notice_closed(c, n.id, a->now);
    if (st == STORE_OK)
        st = store_event_insert(c, row.id, t.id, a->now, actor, "target.transition", t.state, a->to,
                                NULL);
    if (st == STORE_OK)
        st = store_case_touch(c, row.id, a->now);
    if (st == STORE_OK)
        st = cw_retention_update(c, row.id, a->now);
    if (st == STORE_OK) {
        char what[96];
        snprintf(what, sizeof what, "target %lld %s -> %s", (long long)t.id, t.state, a->to);
        st = store_audit_append(c, a->now, actor, "target.transition", row.id, what);
    }
    target_row_free(&t);
    case_row_free(&row);
    return st;
}

CaseworkResult casework_desk_answer(int64_t account, const char *platform, int64_t notice_id,
                                    const DeskAnswer *answer, int64_t now, json_t *detail)
{
    const char *to;
    CaseworkResult r = answer_check(answer, &to, detail);
    if (r != CW_OK)
        return r;
    if (answer->at > now + 300)
        return invalid(detail, "at"); /* not in the future (five minutes for clocks' drift) */
    AnswerArgs a = {account, notice_id, now, platform, answer, to, detail, CW_OK};
    return cw_from_store(store_tx(answer_tx, &a));
}

/* ---- re-uploads ---- */

typedef struct ReportArgs {
    int64_t account, notice_id, now, id;
    const char *platform;
    const json_t *link;
    int too_many; /* the notice has DESK_REUPLOADS_MAX already (with STORE_CONFLICT) */
} ReportArgs;

static StoreStatus report_tx(StoreConn *c, void *arg)
{
    ReportArgs *a = arg;
    DeskNoticeRow n;
    TargetRow t = {0};
    int64_t count = 0;
    StoreStatus st = notice_target(c, a->account, a->notice_id, &n, &t);
    if (st == STORE_OK)
        st = cw_case_workable(c, t.case_id); /* withdrawn: nothing is added to the case */
    target_row_free(&t);
    if (st == STORE_OK)
        st = store_desk_reupload_count(c, n.id, &count);
    if (st != STORE_OK)
        return st;
    if (count >= DESK_REUPLOADS_MAX) {
        a->too_many = 1;
        return STORE_CONFLICT;
    }
    OrgRow org = {0};
    DeskReuploadRow row = {.desk_notice_id = n.id, .target_id = n.target_id, .reported_at = a->now};
    buf_putc(&row.body, 0);
    if ((st = store_org_get(c, &org)) == STORE_OK)
        st = store_desk_reupload_insert(c, &row, &a->id);
    if (st == STORE_OK) {
        sealed_org_json(org.public_key, "desk_reuploads", "body", a->id, a->link, &row.body);
        st = store_desk_org_field_set(c, DESK_ORG_REUPLOADS, a->id, &row.body);
    }
    if (st == STORE_OK) {
        char actor[80], what[48];
        snprintf(actor, sizeof actor, "platform:%s", a->platform);
        snprintf(what, sizeof what, "target %lld", (long long)n.target_id);
        st = store_audit_append(c, a->now, actor, "platform.reupload", "", what);
    }
    buf_free(&row.body);
    org_row_free(&org);
    return st;
}

typedef struct Pending {
    DeskReuploadRow *rows;
    size_t n;
} Pending;

static void pending_add(void *arg, const DeskReuploadRow *r)
{
    Pending *p = arg;
    p->rows = xrealloc(p->rows, (p->n + 1) * sizeof *p->rows);
    p->rows[p->n] = *r;
    p->rows[p->n].body = (Buf){0};
    buf_append(&p->rows[p->n].body, r->body.data, r->body.len);
    p->n++;
}

typedef struct AppliedArgs {
    int64_t id, child, now;
} AppliedArgs;

static StoreStatus applied_tx(StoreConn *c, void *arg)
{
    const AppliedArgs *a = arg;
    return store_desk_reupload_applied(c, a->id, a->child, a->now);
}

/* One waiting re-upload made a child copy under its case key; its id in *child, or 0 when its case
 * was withdrawn meanwhile (then it is closed without one). */
static StoreStatus apply_one(StoreConn *c, const unsigned char *org_key,
                             const unsigned char org_pk[VAULT_KEY_BYTES], const DeskReuploadRow *r,
                             int64_t now, int64_t *child)
{
    *child = 0;
    json_t *link = sealed_org_open_json(org_pk, org_key, "desk_reuploads", "body", r->id, &r->body);
    if (!link)
        return STORE_ERROR;
    Session sys = {.kind = "staff", .role = "caseworker", .key = (unsigned char *)org_key};
    CaseRow row = {0};
    unsigned char *key = vault_secret_alloc(VAULT_KEY_BYTES);
    StoreStatus st = store_case_get(c, r->case_id, &row);
    if (st == STORE_OK && cw_open_key(c, &sys, &row, key, NULL) != CW_OK)
        st = STORE_ERROR;
    char actor[80];
    snprintf(actor, sizeof actor, "platform:%s",
             json_string_value(json_object_get(link, "platform")));
    CwChild ca = {actor, key, row.id, r->target_id, now, 0, link};
    if (st == STORE_OK)
        st = store_tx(cw_child_tx, &ca);
    AppliedArgs done = {r->id, st == STORE_OK ? ca.child : 0, now};
    if (st == STORE_OK || st == STORE_CONFLICT) /* made, or its case withdrawn: closed either way */
        st = store_tx(applied_tx, &done);
    *child = done.child;
    vault_secret_free(key);
    case_row_free(&row);
    json_decref(link);
    return st;
}

/* The waiting re-uploads (or only the one with id only) made child copies; the last child made in
 * *last. */
static int apply_pending(const unsigned char *org_key, int64_t only, int64_t now, int limit,
                         int64_t *last)
{
    StoreConn *c = store_conn();
    OrgRow org = {0};
    Pending p = {0};
    int made = 0;
    *last = 0;
    StoreStatus ost = c ? store_org_get(c, &org) : STORE_ERROR;
    int stale = ost == STORE_OK && !vault_keypair_matches(org.public_key, org_key);
    if (stale)
        keyring_clear(); /* rotated since it was offered: the next staff request offers the new */
    if (limit < 1 || ost != STORE_OK || stale ||
        store_desk_reuploads_pending(c, only, limit, pending_add, &p) != STORE_OK) {
        org_row_free(&org);
        free(p.rows);
        return 0;
    }
    for (size_t i = 0; i < p.n; i++) {
        int64_t child = 0;
        if (apply_one(c, org_key, org.public_key, &p.rows[i], now, &child) == STORE_OK && child) {
            made++;
            *last = child;
        }
        buf_free(&p.rows[i].body);
    }
    free(p.rows);
    org_row_free(&org);
    return made;
}

int casework_apply_desk_reuploads(const unsigned char *org_key, int64_t only, int64_t now,
                                  int limit)
{
    int64_t last;
    return apply_pending(org_key, only, now, limit, &last);
}

CaseworkResult casework_desk_reupload(int64_t account, const char *platform, int64_t notice_id,
                                      const char *url, int64_t now, json_t *detail, int64_t *child)
{
    *child = 0;
    LinkInfo *li = xcalloc(1, sizeof *li);
    /* A desk reports copies on its own platform, as links the service can check. */
    if (!url || link_canonicalize(url, li) != LINK_OK || strcmp(li->platform, platform) != 0) {
        free(li);
        return invalid(detail, "url");
    }
    json_t *link =
        json_pack("{s:s, s:s, s:s, s:s, s:s}", "kind", TARGET_KIND_ONLINE, "url", url, "canonical",
                  li->canonical, "host", li->host, "platform", li->platform);
    free(li);
    ReportArgs a = {account, notice_id, now, 0, platform, link, 0};
    StoreStatus st = store_tx(report_tx, &a);
    json_decref(link);
    if (a.too_many) {
        json_object_set_new(detail, "max", json_integer(DESK_REUPLOADS_MAX));
        return invalid(detail, "url");
    }
    if (st != STORE_OK)
        return cw_from_store(st);
    /* While staff work the org key is at hand and the copy is made at once. */
    unsigned char *key = vault_secret_alloc(VAULT_KEY_BYTES);
    if (keyring_borrow(key, now) == 0)
        apply_pending(key, a.id, now, 1, child);
    vault_secret_free(key);
    return CW_OK;
}
