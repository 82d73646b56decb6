/* A test tool: what one receipt opens in a data directory, through the store and vault API (the
 * HTTP tests call it; Node has no Argon2id). Reads the receipt from stdin, so it is never in a
 * process list, and prints one JSON object:
 *   {"receipt_case": id|null, "key_id": hex|null, "case": id, "wrap": bool, "body": bool,
 *    "targets": {"ok", "failed"}, "files": {"ok", "failed"}, "fingerprints": {"ok", "failed"}}
 * key_id is an unkeyed hash of the case key the receipt opens (to compare two receipts' keys
 * without printing a key); wrap says whether the receipt key also opens the given case's receipt
 * wrap. Usage: case_open DATA_DIR CASE_ID < receipt */
#include "filestore.h"
#include "sealed.h"
#include "store_case.h"
#include "store_staff.h"
#include "store_target.h"
#include "vault.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct Tally {
    const unsigned char *key;
    int ok, failed;
} Tally;

static json_t *tally_json(const Tally *t)
{
    return json_pack("{s:i, s:i}", "ok", t->ok, "failed", t->failed);
}

static void try_target(void *arg, const TargetRow *t)
{
    Tally *a = arg;
    char row[24];
    snprintf(row, sizeof row, "%lld", (long long)t->id);
    json_t *body = sealed_open_json(a->key, "targets", "body", row, &t->body);
    body ? a->ok++ : a->failed++;
    json_decref(body);
}

static void try_file(void *arg, const FileRow *f)
{
    Tally *a = arg;
    json_t *meta = sealed_open_json(a->key, "files", "meta", f->id, &f->meta);
    Buf bytes = {0};
    int ok = meta && filestore_read(f->id, a->key, &bytes) == 0;
    ok ? a->ok++ : a->failed++;
    if (bytes.data)
        vault_wipe(bytes.data, bytes.len);
    buf_free(&bytes);
    json_decref(meta);
}

static void try_fingerprint(void *arg, int64_t id, const Buf *body)
{
    Tally *a = arg;
    char row[24];
    snprintf(row, sizeof row, "%lld", (long long)id);
    char *v = sealed_open_text(a->key, "fingerprints", "body", row, body);
    v ? a->ok++ : a->failed++;
    free(v);
}

/* The receipt's own case id and key; -1 when the receipt opens nothing. */
static int open_receipt(StoreConn *c, const char *typed, char own[CASE_ID_LEN + 1],
                        unsigned char *rkey, unsigned char *key)
{
    OrgRow org = {0};
    CaseRow row = {0};
    char digits[VAULT_RECEIPT_DIGITS + 1];
    unsigned char lookup[VAULT_ID_BYTES];
    int rc = -1;
    if (store_org_get(c, &org) == STORE_OK && vault_receipt_parse(typed, digits) == 0 &&
        vault_receipt_derive(digits, org.receipt_salt, vault_pw_cost_default(), lookup, rkey) ==
            0 &&
        store_case_by_lookup(c, lookup, &row) == STORE_OK) {
        if (vault_case_key_open_with_receipt(rkey, row.id, row.receipt_wrap.data,
                                             row.receipt_wrap.len, key) == 0) {
            snprintf(own, CASE_ID_LEN + 1, "%s", row.id);
            rc = 0;
        }
    }
    vault_wipe(digits, sizeof digits);
    case_row_free(&row);
    org_row_free(&org);
    return rc;
}

int main(int argc, char **argv)
{
    char err[256], typed[128] = "";
    /* --db URL after the two: the data dir's store is that PostgreSQL database. */
    if (argc == 5 && strcmp(argv[3], "--db") == 0 && store_set_database(argv[4]) == 0)
        argc = 3;
    if (argc != 3 || vault_init() != 0 || store_open(argv[1], err, sizeof err) != 0) {
        fprintf(stderr, "usage: case_open DATA_DIR CASE_ID [--db URL] < receipt\n");
        return 2;
    }
    if (!fgets(typed, sizeof typed, stdin))
        return 2;
    typed[strcspn(typed, "\r\n")] = '\0';
    StoreConn *c = store_conn();
    unsigned char *rkey = vault_secret_alloc(VAULT_KEY_BYTES),
                  *key = vault_secret_alloc(VAULT_KEY_BYTES);
    char own[CASE_ID_LEN + 1] = "";
    int opened = c && open_receipt(c, typed, own, rkey, key) == 0;
    vault_wipe(typed, sizeof typed);
    json_t *out = json_pack("{s:s}", "case", argv[2]);
    json_object_set_new(out, "receipt_case", opened ? json_string(own) : json_null());
    unsigned char h[VAULT_ID_BYTES];
    char hex[2 * VAULT_ID_BYTES + 1];
    vault_hash(key, VAULT_KEY_BYTES, h);
    vault_to_hex(h, sizeof h, hex);
    json_object_set_new(out, "key_id", opened ? json_string(hex) : json_null());
    CaseRow row = {0};
    if (!c || store_case_get(c, argv[2], &row) != STORE_OK) {
        fprintf(stderr, "case_open: no such case\n");
        return 2;
    }
    unsigned char *other = vault_secret_alloc(VAULT_KEY_BYTES);
    json_object_set_new(
        out, "wrap",
        json_boolean(opened && vault_case_key_open_with_receipt(rkey, row.id, row.receipt_wrap.data,
                                                                row.receipt_wrap.len, other) == 0));
    vault_secret_free(other);
    json_t *body = opened ? sealed_open_json(key, "cases", "body", row.id, &row.body) : NULL;
    json_object_set_new(out, "body", json_boolean(body != NULL));
    json_decref(body);
    Tally t = {key, 0, 0}, f = {key, 0, 0}, p = {key, 0, 0};
    store_targets_of_case(c, row.id, 1, try_target, &t);
    store_files_of_case(c, row.id, try_file, &f);
    store_fingerprints_of_case(c, row.id, try_fingerprint, &p);
    json_object_set_new(out, "targets", tally_json(&t));
    json_object_set_new(out, "files", tally_json(&f));
    json_object_set_new(out, "fingerprints", tally_json(&p));
    char *s = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);
    puts(s);
    free(s);
    json_decref(out);
    case_row_free(&row);
    vault_secret_free(rkey);
    vault_secret_free(key);
    store_close();
    return 0;
}
