/* JSON and text over vault_field_encrypt/decrypt. */
#include "sealed.h"

#include "log.h"
#include "vault.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *sealed_open_json(const unsigned char *key, const char *table, const char *column,
                         const char *row, const Buf *ct)
{
    Buf pt = {0};
    json_t *v = NULL;
    if (vault_field_decrypt(key, table, column, row, ct->data, ct->len, &pt) == 0)
        v = json_loadb(pt.data ? pt.data : "", pt.len, JSON_DECODE_ANY, NULL);
    if (pt.data)
        vault_wipe(pt.data, pt.len);
    buf_free(&pt);
    return v;
}

char *sealed_open_text(const unsigned char *key, const char *table, const char *column,
                       const char *row, const Buf *ct)
{
    Buf pt = {0};
    if (vault_field_decrypt(key, table, column, row, ct->data, ct->len, &pt) != 0) {
        buf_free(&pt);
        return NULL;
    }
    return buf_take(&pt);
}

/* The name a row with an integer id has in the associated data. */
static void row_name(int64_t id, char out[24])
{
    snprintf(out, 24, "%lld", (long long)id);
}

json_t *sealed_open_json_id(const unsigned char *key, const char *table, const char *column,
                            int64_t id, const Buf *ct)
{
    char row[24];
    row_name(id, row);
    return sealed_open_json(key, table, column, row, ct);
}

char *sealed_open_text_id(const unsigned char *key, const char *table, const char *column,
                          int64_t id, const Buf *ct)
{
    char row[24];
    row_name(id, row);
    return sealed_open_text(key, table, column, row, ct);
}

void sealed_text(const unsigned char *key, const char *table, const char *column, const char *row,
                 const char *text, Buf *out)
{
    buf_reset(out);
    vault_field_encrypt(key, table, column, row, text, strlen(text), out);
}

/* The compact JSON text of v (any value); aborts on out of memory, as xmalloc does. */
static char *json_text(const json_t *v)
{
    /* Any value, not only objects and arrays: without JSON_ENCODE_ANY a scalar gave NULL here
     * (found by tests/fuzz/fuzz_vault.c). NULL now means out of memory. */
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!s) {
        log_errorx("out of memory");
        abort();
    }
    return s;
}

void sealed_json(const unsigned char *key, const char *table, const char *column, const char *row,
                 const json_t *v, Buf *out)
{
    char *s = json_text(v);
    sealed_text(key, table, column, row, s, out);
    vault_wipe(s, strlen(s));
    free(s);
}

void sealed_org_json(const unsigned char *org_pk, const char *table, const char *column, int64_t id,
                     const json_t *v, Buf *out)
{
    char row[24];
    row_name(id, row);
    char *s = json_text(v);
    buf_reset(out);
    vault_org_field_seal(org_pk, table, column, row, s, strlen(s), out);
    vault_wipe(s, strlen(s));
    free(s);
}

json_t *sealed_org_open_json(const unsigned char *org_pk, const unsigned char *org_sk,
                             const char *table, const char *column, int64_t id, const Buf *ct)
{
    char row[24];
    row_name(id, row);
    Buf pt = {0};
    json_t *v = NULL;
    if (vault_org_field_open(org_pk, org_sk, table, column, row, ct->data, ct->len, &pt) == 0)
        v = json_loadb(pt.data ? pt.data : "", pt.len, JSON_DECODE_ANY, NULL);
    if (pt.data)
        vault_wipe(pt.data, pt.len);
    buf_free(&pt);
    return v;
}
