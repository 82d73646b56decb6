/* /api/platform/v1/: the platform desk's machine channel (issue 14). A platform's desk calls with
 * its bearer token (auth.c checks it: ACCESS_PLATFORM) and sees only what was sent to its own
 * platform: notices sealed to its key. */
#include "handlers.h"

#include "desk.h"
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

static void notice_row(void *arg, const DeskNoticeRow *r)
{
    NoticeList *l = arg;
    Buf b64 = {0};
    vault_to_b64(r->sealed.data, r->sealed.len, &b64);
    json_t *n = json_pack("{s:I, s:I, s:s, s:I, s:s}", "id", (json_int_t)r->id, "target",
                          (json_int_t)r->target_id, "route", r->route, "sent_at",
                          (json_int_t)r->sent_at, "sealed", b64.data ? b64.data : "");
    if (r->acked_at)
        json_object_set_new(n, "acked_at", json_integer(r->acked_at));
    json_array_append_new(l->list, n);
    buf_free(&b64);
    l->last = r->id;
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
