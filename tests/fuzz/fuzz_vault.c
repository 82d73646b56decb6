/* Fuzz target for the vault's opening side (service/vault.c, service/sealed.c and the file store's
 * reader): arbitrary bytes never crash an opener, never open under a key they were not made
 * with, and what opens is exactly what was sealed; anything changed after sealing (a flipped
 * bit, a cut, bytes added, another row, case, account or file name, another key) is refused.
 *
 * Input: op, tamper, two bytes of parameter (little-endian), then the payload.
 *   op % 8: 0 raw bytes into every opener; 1 a field; 2 a JSON field; 3 the symmetric wraps (the
 *   generic one, a case key for a receipt or for staff, the recovery wrap, a session's keys);
 *   4 the sealed boxes; 5 an encrypted file read back by the file store; 6 a password wrap at
 *   libsodium's minimum cost; 7 the hex and base64 decoders.
 *   tamper % 6 (ops 1-6, done to the sealed blob): none, flip a bit, cut, append, open under
 *   other associated data, open under another key. Only "none" may open.
 * Keys: one fixed set, under which the committed corpus's raw blobs were made (so the fuzzer
 * reaches what lies behind a tag check), and one drawn at random when the run starts, under
 * which nothing from the input may ever open. FUZZ_VAULT_SEEDS=DIR writes such raw blobs. */
#include "filestore.h"
#include "fuzz_check.h"
#include "sealed.h"
#include "vault.h"

#include <jansson.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define PAYLOAD_MAX 4096
#define SECRET_MAX (PAYLOAD_MAX + 64)
#define RAW_MAX (VAULT_STREAM_CHUNK + 1024)

typedef struct Keys {
    unsigned char *sym; /* secret memory: case, receipt, session, recovery key, org secret key */
    unsigned char pk[VAULT_KEY_BYTES];
    unsigned char *sk; /* secret memory: the secret half of pk */
} Keys;

static Keys fixed, random_keys;
static int initialised;

enum { T_NONE, T_FLIP, T_CUT, T_APPEND, T_OTHER_AD, T_OTHER_KEY, T_KINDS };

static void keys_make(Keys *k, int fixed_seed)
{
    k->sym = vault_secret_alloc(VAULT_KEY_BYTES);
    k->sk = vault_secret_alloc(VAULT_KEY_BYTES);
    if (fixed_seed) {
        for (int i = 0; i < VAULT_KEY_BYTES; i++) {
            k->sym[i] = (unsigned char)(0x40 + i);
            k->sk[i] = (unsigned char)(0x90 + i);
        }
        vault_public_of(k->sk, k->pk);
    } else {
        vault_key_new(k->sym);
        vault_org_keypair(k->pk, k->sk);
    }
}

/* ---- tampering ---- */

/* Applies a change of kind T_FLIP, T_CUT or T_APPEND to blob; 1 when it changed something. */
static int tamper_bytes(Buf *blob, int kind, unsigned param)
{
    if (kind == T_FLIP && blob->len > 0) {
        blob->data[param % blob->len] ^= (char)(1u << (param >> 13));
        return 1;
    }
    if (kind == T_CUT && blob->len > 0) {
        blob->len = param % blob->len;
        blob->data[blob->len] = '\0';
        return 1;
    }
    if (kind == T_APPEND) {
        for (unsigned i = 0; i <= param % 32; i++)
            buf_putc(blob, (char)(param >> 8));
        return 1;
    }
    return 0;
}

/* ---- the families: seal a payload, tamper, open, compare ---- */

/* What a family's opener gets: which keys, and whether to name something else than the sealer
 * did (another row, case, account, file). */
typedef struct Opening {
    const Keys *keys;
    int other_ad;
} Opening;

static void opening_of(int tamper, Opening *o)
{
    o->keys = tamper == T_OTHER_KEY ? &random_keys : &fixed;
    o->other_ad = tamper == T_OTHER_AD;
}

/* The verdict every family shares: opened iff untouched, and then the very bytes sealed. */
static void expect(int tamper, int changed, int rc, const void *got, size_t got_len,
                   const void *want, size_t want_len)
{
    int untouched = tamper == T_NONE || (tamper <= T_APPEND && !changed);
    CHECK((rc == 0) == untouched);
    if (rc == 0) {
        CHECK(got_len == want_len);
        CHECK(want_len == 0 || memcmp(got, want, want_len) == 0);
    }
}

static void row_name(unsigned param, char row[16])
{
    snprintf(row, 16, "%u", param);
}

static void fuzz_field(const uint8_t *pt, size_t n, int tamper, unsigned param)
{
    char row[16];
    row_name(param, row);
    Buf blob = {0}, out = {0};
    vault_field_encrypt(fixed.sym, "cases", "body", row, pt, n, &blob);
    int changed = tamper_bytes(&blob, tamper, param);
    Opening o;
    opening_of(tamper, &o);
    int rc = vault_field_decrypt(o.keys->sym, "cases", o.other_ad ? "notes" : "body", row,
                                 blob.data, blob.len, &out);
    expect(tamper, changed, rc, out.data, out.len, pt, n);
    CHECK(rc != 0 || out.data[out.len] == '\0');
    if (rc != 0)
        CHECK(out.len == 0);
    /* The text reader agrees. */
    char *text = sealed_open_text(o.keys->sym, "cases", o.other_ad ? "notes" : "body", row, &blob);
    CHECK((text != NULL) == (rc == 0));
    CHECK(!text || n == 0 || memcmp(text, pt, n) == 0);
    free(text);
    buf_free(&blob);
    buf_free(&out);
}

static void fuzz_json(const uint8_t *pt, size_t n, int tamper, unsigned param)
{
    json_t *v = json_loadb((const char *)pt, n, JSON_DECODE_ANY, NULL);
    if (!v)
        return;
    Buf blob = {0};
    sealed_json(fixed.sym, "targets", "body", "7", v, &blob);
    int changed = tamper_bytes(&blob, tamper, param);
    Opening o;
    opening_of(tamper, &o);
    json_t *got = sealed_open_json_id(o.keys->sym, "targets", "body", o.other_ad ? 8 : 7, &blob);
    int untouched = tamper == T_NONE || (tamper <= T_APPEND && !changed);
    CHECK((got != NULL) == untouched);
    CHECK(!got || json_equal(got, v));
    json_decref(got);
    json_decref(v);
    buf_free(&blob);
}

/* The payload as a key: its first 32 bytes, zero-padded. */
static void payload_key(const uint8_t *pt, size_t n, unsigned char key[VAULT_KEY_BYTES])
{
    memset(key, 0, VAULT_KEY_BYTES);
    memcpy(key, pt, n < VAULT_KEY_BYTES ? n : VAULT_KEY_BYTES);
}

static void fuzz_wraps(const uint8_t *pt, size_t n, int tamper, unsigned param)
{
    unsigned char want[VAULT_KEY_BYTES], id_hash[VAULT_ID_BYTES];
    unsigned char *got = vault_secret_alloc(SECRET_MAX); /* owned here */
    char case_id[24], other_case[24];
    snprintf(case_id, sizeof case_id, "C%u", param);
    snprintf(other_case, sizeof other_case, "C%u", param + 1);
    payload_key(pt, n, want);
    vault_hash(pt, n, id_hash);
    Buf blob = {0};
    Opening o;
    opening_of(tamper, &o);
    const unsigned char *k = o.keys->sym;
    const char *cid = o.other_ad ? other_case : case_id;
    int rc, changed;
    size_t len = VAULT_KEY_BYTES;
    const void *expected = want;
    switch (param % 5) {
    case 0: /* the generic wrap of the whole payload */
        vault_wrap(fixed.sym, pt, n, "fuzz", &blob);
        changed = tamper_bytes(&blob, tamper, param);
        rc = vault_unwrap(k, blob.data, blob.len, o.other_ad ? "fuzz2" : "fuzz", got, n);
        len = n;
        expected = pt;
        break;
    case 1:
        vault_case_key_wrap_for_receipt(fixed.sym, case_id, want, &blob);
        changed = tamper_bytes(&blob, tamper, param);
        rc = vault_case_key_open_with_receipt(k, cid, blob.data, blob.len, got);
        break;
    case 2:
        vault_case_key_wrap_for_org(fixed.sym, case_id, want, &blob);
        changed = tamper_bytes(&blob, tamper, param);
        rc = vault_case_key_open_with_org(k, cid, blob.data, blob.len, got);
        break;
    case 3:
        vault_recovery_wrap(fixed.sym, want, &blob);
        changed = tamper_bytes(&blob, tamper, param);
        if (o.other_ad) /* the recovery wrap names nothing else: try it as a case key instead */
            rc = vault_case_key_open_with_receipt(k, "", blob.data, blob.len, got);
        else
            rc = vault_recovery_unwrap(k, blob.data, blob.len, got);
        break;
    default: /* a session's keys (the whole payload) */
        vault_session_wrap(fixed.sym, id_hash, "victim", 0, case_id, pt, n, &blob);
        changed = tamper_bytes(&blob, tamper, param);
        rc = vault_session_unwrap(k, id_hash, o.other_ad ? "staff" : "victim", 0, case_id,
                                  blob.data, blob.len, got, n);
        len = n;
        expected = pt;
        break;
    }
    expect(tamper, changed, rc, got, len, expected, len);
    if (rc != 0)
        for (size_t i = 0; i < len; i++)
            CHECK(got[i] == 0); /* nothing of a failed opening is left */
    vault_secret_free(got);
    buf_free(&blob);
}

static void fuzz_seals(const uint8_t *pt, size_t n, int tamper, unsigned param)
{
    unsigned char want[VAULT_KEY_BYTES];
    unsigned char *got = vault_secret_alloc(SECRET_MAX); /* owned here */
    payload_key(pt, n, want);
    Buf blob = {0};
    Opening o;
    opening_of(tamper, &o);
    int rc, changed;
    size_t len = VAULT_KEY_BYTES;
    const void *expected = want;
    switch (param % 3) {
    case 0:
        vault_seal(fixed.pk, pt, n, &blob);
        changed = tamper_bytes(&blob, tamper, param);
        /* Another "associated data" for a box: a secret of another length. */
        len = o.other_ad ? n + 1 : n;
        rc = vault_seal_open(o.keys->pk, o.keys->sk, blob.data, blob.len, got, len);
        expected = pt;
        break;
    case 1:
        vault_case_key_seal(fixed.pk, want, &blob);
        changed = tamper_bytes(&blob, tamper, param);
        /* The other half of another pair: the public key does not match the secret one. */
        rc = vault_case_key_unseal(o.other_ad ? random_keys.pk : o.keys->pk, o.keys->sk, blob.data,
                                   blob.len, got);
        break;
    default:
        vault_org_key_seal(fixed.pk, want, &blob);
        changed = tamper_bytes(&blob, tamper, param);
        rc = vault_org_key_unseal(o.keys->pk, o.other_ad ? random_keys.sk : o.keys->sk, blob.data,
                                  blob.len, got);
        break;
    }
    expect(tamper, changed, rc, got, len, expected, len);
    if (rc != 0)
        for (size_t i = 0; i < len; i++)
            CHECK(got[i] == 0);
    vault_secret_free(got);
    buf_free(&blob);
}

/* Writes bytes as files/<id> of the data directory. */
static void file_put(const char *id, const void *p, size_t n)
{
    char path[700];
    snprintf(path, sizeof path, "%s/files/%s", fuzz_data_dir(), id);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    CHECK(n == 0 || fwrite(p, 1, n, f) == n);
    CHECK(fclose(f) == 0);
}

static void file_remove(const char *id)
{
    char path[700];
    snprintf(path, sizeof path, "%s/files/%s", fuzz_data_dir(), id);
    remove(path);
}

/* The stream as the upload sink writes it: full chunks pushed, the last one and the padding by
 * final. */
static void stream_encrypt(const unsigned char *key, const char *id, const uint8_t *pt, size_t n,
                           Buf *out)
{
    VaultStream *st = vault_stream_encrypt_start(key, id, out);
    size_t off = 0;
    while (n - off > VAULT_STREAM_CHUNK) {
        vault_stream_encrypt_push(st, pt + off, VAULT_STREAM_CHUNK, out);
        off += VAULT_STREAM_CHUNK;
    }
    int more = vault_stream_encrypt_final(st, pt + off, n - off, out);
    while (more)
        more = vault_stream_encrypt_final(st, NULL, 0, out);
    vault_stream_free(st);
}

static void fuzz_file(const uint8_t *pt, size_t n, int tamper, unsigned param)
{
    /* Repeated, so a few hundred bytes of input can make a file of several chunks. */
    size_t copies = 1 + param % 20;
    Buf plain = {0}, blob = {0}, out = {0};
    for (size_t i = 0; i < copies; i++)
        buf_append(&plain, pt, n);
    stream_encrypt(fixed.sym, "f1", (const uint8_t *)plain.data, plain.len, &blob);
    int changed = tamper_bytes(&blob, tamper, param);
    Opening o;
    opening_of(tamper, &o);
    const char *id = o.other_ad ? "f2" : "f1"; /* a file copied over another's name */
    file_put(id, blob.data, blob.len);
    int rc = filestore_read(id, o.keys->sym, &out);
    expect(tamper, changed, rc, out.data, out.len, plain.data, plain.len);
    if (rc != 0)
        CHECK(out.len == 0);
    file_remove(id);
    buf_free(&plain);
    buf_free(&blob);
    buf_free(&out);
}

static void fuzz_password(const uint8_t *pt, size_t n, int tamper, unsigned param)
{
    char password[64], other[72];
    snprintf(password, sizeof password, "%.*s", (int)(n < 63 ? n : 63), (const char *)pt);
    snprintf(other, sizeof other, "%sx", password);
    unsigned char want[VAULT_KEY_BYTES];
    unsigned char *got = vault_secret_alloc(VAULT_KEY_BYTES); /* owned here */
    payload_key(pt, n, want);
    Buf blob = {0};
    CHECK(vault_staff_key_wrap("login", "caseworker", password, vault_pw_cost_min(), want, &blob) ==
          0);
    VaultPwCost cost;
    CHECK(vault_pw_cost_of(blob.data, blob.len, &cost) == 0);
    CHECK(cost.ops == vault_pw_cost_min().ops && cost.mem == vault_pw_cost_min().mem);
    int changed = tamper_bytes(&blob, tamper, param);
    /* A flipped cost field could ask for up to 1 GiB: the stored cost is trusted, the fuzzer's
     * time is not, so such blobs are only checked for refusal by their length and version. */
    if (changed && (vault_pw_cost_of(blob.data, blob.len, &cost) != 0 || cost.ops > 4 ||
                    cost.mem > 1024 * 1024))
        goto done;
    int rc =
        vault_staff_key_unwrap("login", tamper == T_OTHER_AD ? "admin" : "caseworker",
                               tamper == T_OTHER_KEY ? other : password, blob.data, blob.len, got);
    expect(tamper, changed, rc, got, VAULT_KEY_BYTES, want, VAULT_KEY_BYTES);
done:
    vault_secret_free(got);
    buf_free(&blob);
}

static void fuzz_codecs(const uint8_t *pt, size_t n)
{
    char *text = malloc(n + 1); /* owned here */
    CHECK(text != NULL);
    memcpy(text, pt, n);
    text[n] = '\0';
    unsigned char bin[PAYLOAD_MAX];
    long len = vault_from_hex(text, bin, sizeof bin);
    if (len >= 0) {
        char *hex = malloc(2 * (size_t)len + 1); /* owned here */
        CHECK(hex != NULL);
        vault_to_hex(bin, (size_t)len, hex);
        CHECK(strcasecmp(hex, text) == 0);
        free(hex);
    }
    len = vault_from_b64(text, bin, sizeof bin);
    if (len >= 0) {
        Buf b64 = {0};
        vault_to_b64(bin, (size_t)len, &b64);
        CHECK(strcmp(b64.data, text) == 0);
        buf_free(&b64);
    }
    free(text);
}

/* ---- raw bytes into every opener ---- */

/* Every opener on blob under keys k; returns how many opened. */
static int open_all(const Keys *k, const uint8_t *blob, size_t n, unsigned param)
{
    unsigned char *secret = vault_secret_alloc(SECRET_MAX); /* owned here */
    unsigned char id_hash[VAULT_ID_BYTES] = {0};
    int opened = 0;
    Buf out = {0};
    /* The lengths each format would have for the secret it holds. */
    size_t wrap_n = n > 41 ? n - 41 : 0, seal_n = n > 49 ? n - 49 : 0;
    if (wrap_n <= SECRET_MAX)
        opened += vault_unwrap(k->sym, blob, n, "fuzz", secret, wrap_n) == 0;
    if (wrap_n <= SECRET_MAX)
        opened +=
            vault_session_unwrap(k->sym, id_hash, "victim", 0, "C1", blob, n, secret, wrap_n) == 0;
    if (seal_n <= SECRET_MAX)
        opened += vault_seal_open(k->pk, k->sk, blob, n, secret, seal_n) == 0;
    opened += vault_case_key_open_with_receipt(k->sym, "C1", blob, n, secret) == 0;
    opened += vault_case_key_open_with_org(k->sym, "C1", blob, n, secret) == 0;
    opened += vault_case_key_unseal(k->pk, k->sk, blob, n, secret) == 0;
    opened += vault_org_key_unseal(k->pk, k->sk, blob, n, secret) == 0;
    opened += vault_recovery_unwrap(k->sym, blob, n, secret) == 0;
    if (vault_field_decrypt(k->sym, "cases", "body", "1", blob, n, &out) == 0) {
        opened++;
        CHECK(out.data[out.len] == '\0');
    }
    buf_free(&out);
    Buf ct = {0};
    buf_append(&ct, blob, n);
    json_t *v = sealed_open_json(k->sym, "cases", "body", "1", &ct);
    opened += v != NULL;
    json_decref(v);
    /* A password wrap (the key set's password) only at a small cost: the blob names its own. */
    VaultPwCost cost;
    char password[VAULT_HEX_KEY_TEXT];
    vault_to_hex(k->sym, VAULT_KEY_BYTES, password);
    if (vault_pw_cost_of(blob, n, &cost) == 0 && cost.ops <= 4 && cost.mem <= 1024 * 1024)
        opened += vault_staff_key_unwrap("login", "caseworker", password, blob, n, secret) == 0;
    /* As a stored file, and as a stream pulled in chunks of a size the input chooses. */
    file_put("raw", blob, n);
    if (filestore_read("raw", k->sym, &out) == 0)
        opened++;
    buf_free(&out);
    size_t hdr = vault_stream_header_bytes();
    VaultStream *st = n >= hdr ? vault_stream_decrypt_start(k->sym, "raw", blob, hdr) : NULL;
    if (st) {
        size_t step = 1 + param % (VAULT_STREAM_CHUNK + vault_stream_chunk_overhead());
        int last = 0, failed = 0;
        for (size_t off = hdr; off < n && !last && !failed; off += step)
            failed = vault_stream_decrypt_pull(st, blob + off, n - off < step ? n - off : step,
                                               &out, &last) != 0;
        if (last && !failed && vault_stream_decrypt_end(st, &out) == 0)
            opened++;
        vault_stream_free(st);
    }
    buf_free(&out);
    buf_free(&ct);
    vault_secret_free(secret);
    return opened;
}

static void fuzz_raw(const uint8_t *blob, size_t n, unsigned param)
{
    CHECK(open_all(&random_keys, blob, n, param) == 0); /* a forgery under a key it never saw */
    if (open_all(&fixed, blob, n, param) == 0 || n == 0)
        return;
    /* It opened, so it is a blob made under the fixed keys: one flipped bit must spoil it. */
    uint8_t *copy = malloc(n); /* owned here */
    CHECK(copy != NULL);
    memcpy(copy, blob, n);
    copy[param % n] ^= (uint8_t)(1u << (param >> 13));
    CHECK(open_all(&fixed, copy, n, param) == 0);
    free(copy);
}

/* ---- seeds: genuine blobs under the fixed keys, for the committed corpus ---- */

static void seed_write(const char *dir, const char *name, const Buf *blob)
{
    char path[700];
    snprintf(path, sizeof path, "%s/raw_%s", dir, name);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    const unsigned char head[4] = {0, 0, 0x34, 0x12}; /* op raw, no tamper, param 0x1234 */
    CHECK(fwrite(head, 1, sizeof head, f) == sizeof head);
    CHECK(fwrite(blob->data, 1, blob->len, f) == blob->len);
    CHECK(fclose(f) == 0);
}

static void seeds_write(const char *dir)
{
    static const char text[] = "{\"url\":\"https://v.douyin.com/abc/\",\"note\":\"\\u4e00\"}";
    unsigned char key[VAULT_KEY_BYTES] = {7}, id_hash[VAULT_ID_BYTES] = {0};
    Buf b = {0};
    vault_wrap(fixed.sym, key, sizeof key, "fuzz", &b);
    seed_write(dir, "wrap", &b);
    buf_reset(&b);
    vault_session_wrap(fixed.sym, id_hash, "victim", 0, "C1", key, sizeof key, &b);
    seed_write(dir, "session", &b);
    buf_reset(&b);
    vault_seal(fixed.pk, text, sizeof text - 1, &b);
    seed_write(dir, "seal", &b);
    buf_reset(&b);
    vault_case_key_wrap_for_receipt(fixed.sym, "C1", key, &b);
    seed_write(dir, "case_receipt", &b);
    buf_reset(&b);
    vault_case_key_wrap_for_org(fixed.sym, "C1", key, &b);
    seed_write(dir, "case_org", &b);
    buf_reset(&b);
    vault_case_key_seal(fixed.pk, key, &b);
    seed_write(dir, "case_seal", &b);
    buf_reset(&b);
    vault_recovery_wrap(fixed.sym, key, &b);
    seed_write(dir, "recovery", &b);
    buf_reset(&b);
    vault_field_encrypt(fixed.sym, "cases", "body", "1", text, sizeof text - 1, &b);
    seed_write(dir, "field_json", &b);
    buf_reset(&b);
    char password[VAULT_HEX_KEY_TEXT];
    vault_to_hex(fixed.sym, VAULT_KEY_BYTES, password);
    CHECK(vault_staff_key_wrap("login", "caseworker", password, vault_pw_cost_min(), key, &b) == 0);
    seed_write(dir, "staff_key", &b);
    buf_reset(&b);
    stream_encrypt(fixed.sym, "raw", (const uint8_t *)text, sizeof text - 1, &b);
    seed_write(dir, "file", &b);
    buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!initialised) {
        CHECK(vault_init() == 0);
        CHECK(fuzz_data_dir() != NULL);
        char files[600];
        snprintf(files, sizeof files, "%s/files", fuzz_data_dir());
        CHECK(mkdir(files, 0700) == 0);
        keys_make(&fixed, 1);
        keys_make(&random_keys, 0);
        initialised = 1;
        const char *seeds = getenv("FUZZ_VAULT_SEEDS");
        if (seeds && *seeds)
            seeds_write(seeds);
    }
    /* Raw blobs may be a whole stored file (one 64 KiB bucket); payloads to seal stay small. */
    if (size < 4 || size - 4 > (data[0] % 8 == 0 ? RAW_MAX : PAYLOAD_MAX))
        return 0;
    int op = data[0] % 8, tamper = data[1] % T_KINDS;
    unsigned param = (unsigned)data[2] | (unsigned)data[3] << 8;
    const uint8_t *pt = data + 4;
    size_t n = size - 4;
    switch (op) {
    case 0:
        fuzz_raw(pt, n, param);
        break;
    case 1:
        fuzz_field(pt, n, tamper, param);
        break;
    case 2:
        fuzz_json(pt, n, tamper, param);
        break;
    case 3:
        fuzz_wraps(pt, n, tamper, param);
        break;
    case 4:
        fuzz_seals(pt, n, tamper, param);
        break;
    case 5:
        fuzz_file(pt, n, tamper, param);
        break;
    case 6:
        fuzz_password(pt, n, tamper, param);
        break;
    default:
        fuzz_codecs(pt, n);
        break;
    }
    return 0;
}
