/* A case's messages and timeline events, with their text encrypted under the case key and bound to
 * the row they belong to. */
#include "caselog.h"

#include "sealed.h"
#include "store_log.h"

#include <stdio.h>

/* The table and column each sealed field lives in: the associated data its ciphertext is bound to.
 */
static const struct {
    const char *table, *column;
} sealed_at[] = {
    [SEALED_TARGET_BODY] = {"targets", "body"},
    [SEALED_MESSAGE_BODY] = {"messages", "body"},
    [SEALED_NOTE_BODY] = {"notes", "body"},
    [SEALED_NOTICE_BODY] = {"notices", "body"},
    [SEALED_VISIT_BODY] = {"visits", "body"},
    [SEALED_EVENT_BODY] = {"events", "body"},
    [SEALED_INCIDENT_LABEL] = {"incidents", "label"},
    [SEALED_FINGERPRINT_BODY] = {"fingerprints", "body"},
};

static StoreStatus seal_write(StoreConn *c, const unsigned char *key, StoreSealed which, int64_t id,
                              const char *text, const json_t *v)
{
    char row[24];
    snprintf(row, sizeof row, "%lld", (long long)id);
    Buf ct = {0};
    if (v)
        sealed_json(key, sealed_at[which].table, sealed_at[which].column, row, v, &ct);
    else
        sealed_text(key, sealed_at[which].table, sealed_at[which].column, row, text, &ct);
    StoreStatus st = store_set_sealed(c, which, id, ct.data, ct.len);
    buf_free(&ct);
    return st;
}

StoreStatus caselog_seal_text(StoreConn *c, const unsigned char *key, StoreSealed which, int64_t id,
                              const char *text)
{
    return seal_write(c, key, which, id, text, NULL);
}

StoreStatus caselog_seal_json(StoreConn *c, const unsigned char *key, StoreSealed which, int64_t id,
                              const json_t *v)
{
    return seal_write(c, key, which, id, NULL, v);
}

StoreStatus caselog_message(StoreConn *c, const unsigned char *key, const char *case_id,
                            const char *author, int64_t staff_id, const char *text, int64_t now)
{
    Buf ph = {0};
    buf_putc(&ph, 0);
    int64_t id = 0;
    StoreStatus st = store_message_insert(c, case_id, author, staff_id, &ph, now, &id);
    buf_free(&ph);
    return st == STORE_OK ? caselog_seal_text(c, key, SEALED_MESSAGE_BODY, id, text) : st;
}

/* An event with an encrypted detail (or none). */
StoreStatus caselog_event(StoreConn *c, const unsigned char *key, const char *case_id,
                          int64_t target_id, int64_t now, const char *actor, const char *kind,
                          const char *from, const char *to, const json_t *detail)
{
    int64_t id = 0;
    StoreStatus st =
        store_event_insert_id(c, case_id, target_id, now, actor, kind, from, to, NULL, &id);
    if (st != STORE_OK || !detail || json_object_size(detail) == 0)
        return st;
    return caselog_seal_json(c, key, SEALED_EVENT_BODY, id, detail);
}
