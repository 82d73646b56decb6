/* Assignment, internal notes, messages to the requester, screenshots, legal holds. */
#include "casework_internal.h"

#include "filestore.h"
#include "log.h"
#include "sealed.h"
#include "staff.h"
#include "store_case.h"
#include "store_log.h"
#include "store_staff.h"
#include "vault.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- assignment, notes, messages, files ---- */

static StoreStatus assign_tx(StoreConn *c, void *arg)
{
    CwSimpleArgs *a = arg;
    StoreStatus st = store_case_set_assignee(c, a->case_id, a->staff_id, a->now);
    if (st != STORE_OK)
        return st;
    char actor[80];
    cw_actor_of(a->s, actor);
    if ((st = store_event_insert(c, a->case_id, 0, a->now, actor, "case.assign", NULL, NULL,
                                 NULL)) != STORE_OK)
        return st;
    return store_audit_append(c, a->now, actor, "case.assign", a->case_id, a->text ? a->text : "");
}

CaseworkResult casework_assign(const Session *s, const char *case_id, const char *login,
                               int64_t now)
{
    StoreConn *c;
    CaseworkResult r = cw_staff_conn(s, &c);
    if (r != CW_OK)
        return r;
    int64_t id = 0;
    if (login && *login) {
        StaffRow row = {0};
        StoreStatus st = store_staff_by_login(c, login, &row);
        int ok = st == STORE_OK && !row.disabled && strcmp(row.role, "auditor") != 0;
        id = row.id;
        staff_row_free(&row);
        if (!ok)
            return st == STORE_OK || st == STORE_NOT_FOUND ? CW_INVALID : cw_from_store(st);
    }
    CwSimpleArgs a = {s, case_id, NULL, login, id, now, 0};
    return cw_from_store(store_tx(assign_tx, &a));
}

static void choice_row(void *arg, int64_t id, const char *login, const char *role, int disabled,
                       int totp)
{
    (void)id;
    (void)totp;
    if (!disabled && strcmp(role, "auditor") != 0)
        json_array_append_new(arg, json_pack("{s:s, s:s}", "login", login, "role", role));
}

CaseworkResult casework_staff_choices(json_t **out)
{
    StoreConn *c = store_conn();
    if (!c)
        return CW_ERROR;
    json_t *list = json_array();
    StoreStatus st = store_staff_list(c, choice_row, list);
    if (st != STORE_OK) {
        json_decref(list);
        return cw_from_store(st);
    }
    *out = list;
    return CW_OK;
}

/* Opens a case's key for a write; CW_NOT_FOUND when there is no such case. */
static StoreStatus note_tx(StoreConn *c, void *arg)
{
    CwSimpleArgs *a = arg;
    Buf ph = {0};
    buf_putc(&ph, 0);
    int64_t id = 0;
    StoreStatus st = store_note_insert(c, a->case_id, a->s->staff_id, a->now, &ph, &id);
    buf_free(&ph);
    if (st != STORE_OK)
        return st;
    st = caselog_seal_text(c, a->key, SEALED_NOTE_BODY, id, a->text);
    char actor[80];
    cw_actor_of(a->s, actor);
    if (st == STORE_OK)
        st = store_event_insert(c, a->case_id, 0, a->now, actor, "note.added", NULL, NULL, NULL);
    return st == STORE_OK ? store_audit_append(c, a->now, actor, "case.note", a->case_id, "") : st;
}

static StoreStatus message_tx(StoreConn *c, void *arg)
{
    CwSimpleArgs *a = arg;
    StoreStatus st =
        caselog_message(c, a->key, a->case_id, "staff", a->s->staff_id, a->text, a->now);
    char actor[80];
    cw_actor_of(a->s, actor);
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
    if (!cw_can_open(s))
        return CW_FORBIDDEN;
    if (!text || !*text || strlen(text) > CASEWORK_NOTE_MAX * 4)
        return CW_INVALID;
    StoreConn *c = store_conn();
    if (!c)
        return CW_ERROR;
    unsigned char *key = vault_secret_alloc(VAULT_KEY_BYTES);
    CaseworkResult r = cw_key_of_case(c, s, case_id, key);
    if (r == CW_OK) {
        CwSimpleArgs a = {s, case_id, key, text, 0, now, 0};
        r = cw_from_store(store_tx(fn, &a));
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
    StoreConn *c;
    CaseworkResult r = cw_staff_conn(s, &c);
    if (r != CW_OK)
        return r;
    char case_id[CASE_ID_LEN + 1];
    Buf meta = {0};
    r = cw_from_store(store_file_get(c, file_id, case_id, &meta));
    unsigned char *key = vault_secret_alloc(VAULT_KEY_BYTES);
    if (r == CW_OK)
        r = cw_key_of_case(c, s, case_id, key);
    if (r == CW_OK) {
        json_t *m = sealed_open_json(key, "files", "meta", file_id, &meta);
        snprintf(type, 32, "%s", m ? json_string_value(json_object_get(m, "type")) : "");
        json_decref(m);
        if (!type[0] || filestore_read(file_id, key, bytes) != 0) {
            log_warnx("%s: a stored file does not open", __func__);
            r = CW_DAMAGED;
        }
    }
    if (r == CW_OK) {
        char actor[80];
        cw_actor_of(s, actor);
        staff_audit(actor, "case.view_file", case_id, file_id, now);
    }
    vault_secret_free(key);
    buf_free(&meta);
    return r;
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
    cw_actor_of(a->s, actor);
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
    if (!cw_can_open(s))
        return CW_FORBIDDEN;
    HoldArgs a = {s, case_id, on, now};
    return cw_from_store(store_tx(hold_tx, &a));
}
