/* A victim's way of being told of news, opened for the notification worker only: the case key
 * from the org key, the case body decrypted, the contact's few fields copied out and the rest
 * forgotten (Jansson's memory is wiped when freed, harden.c). */
#include "casework_internal.h"

#include "sealed.h"
#include "vault.h"

#include <stdio.h>

#include <string.h>

static int flag(const json_t *o, const char *key)
{
    return json_is_true(json_object_get(o, key));
}

CaseworkResult casework_contact_open(const unsigned char *org_key, const char *case_id,
                                     CaseContact *out)
{
    memset(out, 0, sizeof *out);
    StoreConn *c = store_conn();
    if (!c)
        return CW_ERROR;
    CaseRow row = {0};
    CaseworkResult r = cw_from_store(store_case_get(c, case_id, &row));
    Session sys = {.kind = "staff", .role = "caseworker", .key = (unsigned char *)org_key};
    unsigned char *key = vault_secret_alloc(VAULT_KEY_BYTES);
    json_t *body = NULL;
    if (r == CW_OK)
        r = cw_open_key(c, &sys, &row, key, NULL);
    if (r == CW_OK && !(body = sealed_open_json(key, "cases", "body", row.id, &row.body)))
        r = CW_ERROR;
    if (r == CW_OK) {
        const json_t *ct = json_object_get(json_object_get(body, "requester"), "contact");
        const char *ch = json_string_value(json_object_get(ct, "channel"));
        const char *value = json_string_value(json_object_get(ct, "value"));
        const char *hours = json_string_value(json_object_get(ct, "safe_hours"));
        snprintf(out->channel, sizeof out->channel, "%s", ch ? ch : "none");
        snprintf(out->safe_hours, sizeof out->safe_hours, "%s", hours ? hours : "");
        out->notify = flag(ct, "notify");
        out->do_not_contact = flag(ct, "do_not_contact");
        out->withdrawn = row.withdrawn_at != 0;
        if (value && *value) {
            size_t n = strlen(value);
            out->address = vault_secret_alloc(n + 1);
            memcpy(out->address, value, n + 1);
        }
    }
    json_decref(body);
    vault_secret_free(key);
    case_row_free(&row);
    return r;
}

void case_contact_free(CaseContact *ct)
{
    if (ct->address)
        vault_secret_free(ct->address);
    vault_wipe(ct, sizeof *ct);
}
