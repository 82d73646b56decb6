/* /api/platform/v1/: the platform desk's machine channel (issue 14). A platform's desk calls with
 * its bearer token (auth.c checks it: ACCESS_PLATFORM) and sees only what was sent to its own
 * platform: notices sealed to its key. */
#include "handlers.h"

#include "casework.h"
#include "clock.h"
#include "desk.h"
#include "results.h"
#include "store.h"
#include "vault.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DESK_PAGE 50

typedef struct NoticeList {
    json_t *list;
    int64_t last;
} NoticeList;

/* A notice as the desk sees it: its workflow data and the notice sealed to the desk's key. */
static json_t *notice_json(const DeskNoticeRow *r)
{
    Buf b64 = {0};
    vault_to_b64(r->sealed.data, r->sealed.len, &b64);
    /* Numbered at this desk: neither other desks' notices nor other cases' copies show. */
    json_t *n = json_pack("{s:I, s:I, s:s, s:I, s:s}", "id", (json_int_t)r->seq, "copy",
                          (json_int_t)r->copy, "route", r->route, "sent_at", (json_int_t)r->sent_at,
                          "sealed", b64.data ? b64.data : "");
    if (r->acked_at)
        json_object_set_new(n, "acked_at", json_integer(r->acked_at));
    if (r->decided_at)
        json_object_set_new(n, "answered_at", json_integer(r->decided_at));
    buf_free(&b64);
    return n;
}

static void notice_row(void *arg, const DeskNoticeRow *r)
{
    NoticeList *l = arg;
    json_array_append_new(l->list, notice_json(r));
    l->last = r->seq;
}

int api_desk_notices(Request *req)
{
    const char *cursor = http_query(req, "cursor");
    char *end = NULL;
    long long after = cursor ? strtoll(cursor, &end, 10) : 0;
    if (cursor && (!*cursor || *end || after < 0))
        return http_reply_error(req, 400, "invalid", "error.invalid", "cursor");
    StoreConn *c = store_conn();
    NoticeList l = {json_array(), 0};
    if (!c ||
        store_desk_notices(c, req->desk_account, after, DESK_PAGE, notice_row, &l) != STORE_OK) {
        json_decref(l.list);
        return http_reply_error(req, 503, "busy", "error.busy", NULL);
    }
    json_t *out = json_pack("{s:o}", "notices", l.list);
    if (json_array_size(l.list) == DESK_PAGE) {
        char next[24];
        snprintf(next, sizeof next, "%lld", (long long)l.last);
        json_object_set_new(out, "next", json_string(next));
    } else {
        json_object_set_new(out, "next", json_null());
    }
    return http_reply_json(req, 200, out);
}

int api_desk_notice(Request *req)
{
    int64_t id = http_param_id(req, "id");
    StoreConn *c = store_conn();
    if (!c)
        return http_reply_error(req, 503, "busy", "error.busy", NULL);
    DeskNoticeRow r;
    StoreStatus st = id ? store_desk_notice_get(c, req->desk_account, id, &r) : STORE_NOT_FOUND;
    if (st == STORE_NOT_FOUND) /* another desk's notice is not there at all */
        return results_reply_cw(req, CW_NOT_FOUND, NULL);
    if (st != STORE_OK)
        return http_reply_error(req, 503, "busy", "error.busy", NULL);
    json_t *out = notice_json(&r);
    buf_free(&r.sealed);
    return http_reply_json(req, 200, out);
}

/* The body's members: only names listed, texts as strings, "at" as whole seconds; else the first
 * wrong one in *bad. */
static int body_valid(const json_t *body, const char *const *names, const char **bad)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)body, k, v)
    {
        int known = 0;
        for (int i = 0; names[i] && !known; i++)
            known = !strcmp(k, names[i]);
        if (!known || (!strcmp(k, "at") ? !json_is_integer(v) : !json_is_string(v))) {
            *bad = k;
            return 0;
        }
    }
    return 1;
}

static const char *text_of(const json_t *body, const char *name)
{
    return json_string_value(json_object_get(body, name));
}

/* The answer refusing a body that is not a JSON object of the members names lists (the reply's
 * status), or 0 for a body to go on with. */
static int body_refused(Request *req, const char *const *names)
{
    const char *bad = NULL;
    if (!req->json || !json_is_object(req->json))
        return http_reply_error(req, 415, "json_required", "error.unsupported_media", NULL);
    return body_valid(req->json, names, &bad) ? 0 : results_reply_cw(req, CW_INVALID, bad);
}

/* One answer of the desk: its body checked against the names its kind takes, then the move. */
static int desk_answer(Request *req, const char *kind, const char *const *names)
{
    int64_t id = http_param_id(req, "id");
    int refused = body_refused(req, names);
    if (refused)
        return refused;
    DeskAnswer a = {kind,
                    text_of(req->json, "decision"),
                    text_of(req->json, "reason"),
                    text_of(req->json, "item_id"),
                    text_of(req->json, "question"),
                    json_integer_value(json_object_get(req->json, "at"))};
    json_t *detail = json_object();
    CaseworkResult r = id ? casework_desk_answer(req->desk_account, req->desk_platform, id, &a,
                                                 clock_now(), detail)
                          : CW_NOT_FOUND;
    if (r != CW_OK)
        return results_reply_cw_detail(req, r, detail);
    json_decref(detail);
    StoreConn *c = store_conn();
    DeskNoticeRow n;
    if (!c || store_desk_notice_get(c, req->desk_account, id, &n) != STORE_OK)
        return http_reply_error(req, 503, "busy", "error.busy", NULL);
    json_t *out = notice_json(&n);
    buf_free(&n.sealed);
    json_object_del(out, "sealed");
    return http_reply_json(req, 200, out);
}

int api_desk_ack(Request *req)
{
    static const char *const names[] = {"item_id", "at", NULL};
    return desk_answer(req, "ack", names);
}

int api_desk_needs_info(Request *req)
{
    static const char *const names[] = {"question", "item_id", "at", NULL};
    return desk_answer(req, "needs_info", names);
}

int api_desk_decision(Request *req)
{
    static const char *const names[] = {"decision", "reason", "item_id", "at", NULL};
    return desk_answer(req, "decision", names);
}

int api_desk_reupload(Request *req)
{
    static const char *const names[] = {"url", NULL};
    int64_t id = http_param_id(req, "id");
    int refused = body_refused(req, names);
    if (refused)
        return refused;
    json_t *detail = json_object();
    int64_t child = 0;
    CaseworkResult r =
        id ? casework_desk_reupload(req->desk_account, req->desk_platform, id,
                                    text_of(req->json, "url"), clock_now(), detail, &child)
           : CW_NOT_FOUND;
    if (r != CW_OK)
        return results_reply_cw_detail(req, r, detail);
    json_decref(detail);
    /* Made at once while staff work; else it waits for them, and the desk is told so. No id of
     * the new copy: it would count the center's copies. */
    json_t *out =
        json_pack("{s:I, s:s}", "notice", (json_int_t)id, "status", child ? "made" : "pending");
    return http_reply_json(req, child ? 201 : 202, out);
}
