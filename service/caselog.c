/* A case's messages and timeline events, with their text encrypted under the case key and bound to
 * the row they belong to. */
#include "caselog.h"

#include "sealed.h"
#include "store_log.h"

#include <stdio.h>

/* The route for a target: the one given, else the target's, else the platform's default. */
StoreStatus caselog_message(StoreConn *c, const unsigned char *key, const char *case_id,
                            const char *author, int64_t staff_id, const char *text, int64_t now)
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
    st = store_set_sealed(c, SEALED_MESSAGE_BODY, id, ct.data, ct.len);
    buf_free(&ct);
    return st;
}

/* An event with an encrypted detail (or none). */
StoreStatus caselog_event(StoreConn *c, const unsigned char *key, const char *case_id,
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
    st = store_set_sealed(c, SEALED_EVENT_BODY, id, ct.data, ct.len);
    buf_free(&ct);
    return st;
}
