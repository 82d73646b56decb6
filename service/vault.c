/* The vault: every libsodium call of the service (DESIGN.md section 3).
 *
 * Blob formats. The first byte names format version 1 (high nibble) and the kind (low nibble), so
 * a blob of one kind never parses as another; it is also part of the associated data.
 *   wrap     0x11 | nonce(24) | XChaCha20-Poly1305(secret) | tag(16)
 *            AD = 0x11 | ad
 *   pw wrap  0x12 | salt(16) | ops(u64 LE) | mem(u64 LE) | nonce(24) | ciphertext | tag(16)
 *            key = Argon2id13(password, salt, ops, mem); AD = the 33 header bytes | ad
 *   seal     0x13 | crypto_box_seal(secret)            (48 bytes of overhead)
 *   field    0x14 | nonce(24) | XChaCha20-Poly1305(sodium_pad(pt, bucket)) | tag(16)
 *            AD = 0x14 | "td1" | table | 0x00 | column | 0x00 | row_id
 *   stream   header: 0x25 | secretstream header(24); chunks: secretstream (17 bytes overhead),
 *            tag MESSAGE, or FINAL on the last chunk. Version 2 of the kind: the key is
 *            BLAKE2b-256(key = case key, "td-file2" 0x00 file id), so a file under another file's
 *            name fails; the plaintext is the file, 0x80, then zeros up to its bucket (64 KiB,
 *            then powers of two), every chunk but the last full, so the size on disk tells only
 *            the bucket. Version 1 (0x15) is not read: no installation holds it.
 * Recovery text: 53 characters of the RFC 4648 base32 alphabet in groups of 5 joined by '-'
 * (63 characters). The first 52 encode key(32) | first 4 bits of BLAKE2b-256(key); the last is a
 * check character over GF(32), so any single changed character or swap of two neighbours is
 * always caught. */
#include "vault.h"

#include "log.h"

#include <assert.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES == VAULT_KEY_BYTES, "aead key");
_Static_assert(crypto_box_PUBLICKEYBYTES == VAULT_KEY_BYTES, "box pk");
_Static_assert(crypto_box_SECRETKEYBYTES == VAULT_KEY_BYTES, "box sk");
_Static_assert(crypto_kdf_KEYBYTES == VAULT_KEY_BYTES, "kdf key");
_Static_assert(crypto_kdf_CONTEXTBYTES == 8, "kdf context");
_Static_assert(crypto_pwhash_argon2id_SALTBYTES == VAULT_SALT_BYTES, "pwhash salt");
_Static_assert(crypto_secretstream_xchacha20poly1305_KEYBYTES == VAULT_KEY_BYTES, "stream key");
_Static_assert(crypto_generichash_BYTES == VAULT_ID_BYTES, "generichash");
_Static_assert(crypto_hash_sha256_BYTES * 2 + 1 == 65, "sha256");
_Static_assert(VAULT_RECEIPT_TEXT == VAULT_RECEIPT_DIGITS + 4 + 1, "receipt text");

enum {
    V_WRAP = 0x11,
    V_PW_WRAP = 0x12,
    V_SEAL = 0x13,
    V_FIELD = 0x14,
    V_STREAM = 0x25, /* version 2: per-file key, padded to a bucket */
};

#define NONCE_BYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_BYTES crypto_aead_xchacha20poly1305_ietf_ABYTES
#define PW_HEADER_BYTES (1 + VAULT_SALT_BYTES + 8 + 8)
#define PW_OPS_CAP 64ULL                   /* refuse stored costs above these */
#define PW_MEM_CAP (1024ULL * 1024 * 1024) /* 1 GiB */
#define FIELD_PREFIX_BYTES (1 + NONCE_BYTES)
#define FIELD_BIG_BUCKET 16384U
#define STREAM_HEADER_BYTES (1 + crypto_secretstream_xchacha20poly1305_HEADERBYTES)
#define RECOVERY_CHARS 53 /* 52 base32 data characters and one check character */
#define RECOVERY_GROUP 5
#define RECEIPT_KDF_CTX "receipt1"
#define RECEIPT_KDF_LOOKUP 1
#define RECEIPT_KDF_KEY 2

struct VaultStream {
    crypto_secretstream_xchacha20poly1305_state state;
    int done;                                  /* FINAL pushed or pulled: nothing may follow */
    int failed;                                /* a pull failed: the stream is dead */
    int marked;                                /* the 0x80 after the data was pushed */
    size_t total;                              /* plaintext bytes pushed or pulled, padding too */
    size_t bucket;                             /* while padding: the padded size */
    unsigned char scratch[VAULT_STREAM_CHUNK]; /* plaintext of the chunk being pushed or pulled */
};

/* ---- small helpers ---- */

/* Appends n zero bytes to b and returns a pointer to them; valid until b grows again. */
static unsigned char *buf_extend(Buf *b, size_t n)
{
    static const unsigned char zero[4096];
    size_t old = b->len;
    size_t left = n;
    do {
        size_t k = left < sizeof zero ? left : sizeof zero;
        buf_append(b, zero, k);
        left -= k;
    } while (left > 0);
    return (unsigned char *)b->data + old;
}

/* Cuts b back to len bytes, wiping what was cut, and keeps it NUL-terminated. */
static void buf_cut(Buf *b, size_t len)
{
    assert(len <= b->len);
    sodium_memzero(b->data + len, b->len - len);
    b->len = len;
    b->data[len] = '\0';
}

static void put_le64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

/* Associated data: fixed-length prefix then the caller's string (NULL means ""). */
static void ad_build(Buf *ad, const unsigned char *prefix, size_t prefix_len, const char *s)
{
    buf_append(ad, prefix, prefix_len);
    if (s)
        buf_puts(ad, s);
}

/* Appends nonce | ciphertext | tag of secret under key and ad to out. */
static void aead_wrap(const unsigned char *key, const Buf *ad, const void *secret, size_t n,
                      Buf *out)
{
    static const unsigned char empty[1];
    unsigned char *p = buf_extend(out, NONCE_BYTES + n + TAG_BYTES);
    randombytes_buf(p, NONCE_BYTES);
    crypto_aead_xchacha20poly1305_ietf_encrypt(p + NONCE_BYTES, NULL, secret ? secret : empty, n,
                                               (const unsigned char *)ad->data, ad->len, NULL, p,
                                               key);
}

/* Opens nonce | ciphertext | tag of exactly n secret bytes; secret is zeroed on failure. */
static int aead_unwrap(const unsigned char *key, const Buf *ad, const unsigned char *body,
                       size_t body_len, void *secret, size_t n)
{
    if (body_len != NONCE_BYTES + n + TAG_BYTES ||
        crypto_aead_xchacha20poly1305_ietf_decrypt(
            secret, NULL, NULL, body + NONCE_BYTES, body_len - NONCE_BYTES,
            (const unsigned char *)ad->data, ad->len, body, key) != 0) {
        sodium_memzero(secret, n);
        return -1;
    }
    return 0;
}

/* ---- init, memory, randomness, encodings ---- */

int vault_init(void)
{
    static const unsigned char abc_sha256[crypto_hash_sha256_BYTES] = {
        0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
        0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
        0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
    if (sodium_init() < 0) {
        log_errorx("sodium_init failed");
        return -1;
    }
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)"abc", 3);
    if (memcmp(h, abc_sha256, sizeof h) != 0) {
        log_errorx("SHA-256 self-check failed");
        return -1;
    }
    return 0;
}

VaultPwCost vault_pw_cost_default(void)
{
    VaultPwCost c = {crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE,
                     crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE};
    return c;
}

VaultPwCost vault_pw_cost_min(void)
{
    VaultPwCost c = {crypto_pwhash_argon2id_OPSLIMIT_MIN, crypto_pwhash_argon2id_MEMLIMIT_MIN};
    return c;
}

/* ---- secret memory: one locked arena per thread ----
 *
 * sodium_malloc per secret costs an mmap, two mprotects, an mlock, a madvise and a munmap, and
 * every one of them takes the process-wide mmap lock: about a fifth of a staff request's CPU. So
 * each thread that touches a secret gets one region from sodium_malloc once (guard pages at both
 * ends, locked, excluded from core dumps) and hands out blocks of it by size class:
 *   block = header (16 bytes) | payload (the class size: 16, 32, ... 4096 bytes)
 * A freed block is wiped whole and kept on its class's free list; a request with no room (too
 * large, or the region used up) gets a block of its own from sodium_malloc, with the same header
 * so a free tells the two apart. Blocks may be freed in any order and by any thread (a key held
 * by the keyring is made by one request and dropped by another), so each arena has a lock and
 * every header names its arena. When a thread exits, its arena is released once its last block
 * comes back (at once if none is out). */

#define ARENA_REGION_BYTES (64 * 1024 - 16) /* with sodium_malloc's 16-byte canary: 16 pages */
#define ARENA_CLASSES 9                     /* payloads of 16 << 0 ... 16 << 8 bytes */
#define ARENA_MIN_BLOCK 16
_Static_assert((ARENA_MIN_BLOCK << (ARENA_CLASSES - 1)) == VAULT_SECRET_ARENA_MAX, "classes");
#define ARENA_ALIGN 16
#define BLOCK_ARENA 0x5ec7a7e1u    /* header magic: a live block carved from an arena */
#define BLOCK_FREE 0x5ec7f4eeu     /* header magic: an arena block on a free list */
#define BLOCK_FALLBACK 0x5ec7fa11u /* header magic: a block with a sodium_malloc of its own */

typedef struct SecretArena SecretArena;

typedef struct BlockHeader {
    _Alignas(ARENA_ALIGN) uint32_t magic; /* BLOCK_ARENA, BLOCK_FREE or BLOCK_FALLBACK */
    uint32_t size_class;                  /* arena blocks: index into the classes */
    union {
        SecretArena *arena;       /* while in use: where it came from (NULL for a fallback) */
        struct BlockHeader *next; /* while free: the next free block of its class */
    } link;
} BlockHeader;

_Static_assert(sizeof(BlockHeader) == ARENA_ALIGN, "block header is one alignment unit");

/* Lives at the start of its own locked region, so releasing the region wipes it too. */
struct SecretArena {
    pthread_mutex_t lock;             /* the owner allocates, any thread may free */
    unsigned char *next_unused;       /* blocks come from [next_unused, end) when no free one */
    unsigned char *end;               /* end of the region */
    BlockHeader *free[ARENA_CLASSES]; /* wiped blocks by class */
    size_t live;                      /* blocks handed out */
    int orphaned;                     /* its thread has exited */
    unsigned char *blocks;            /* first block: for the test view */
};

static pthread_once_t arena_once = PTHREAD_ONCE_INIT;
static pthread_key_t arena_key;
static atomic_uint arenas_alive;
static atomic_ullong secret_fallbacks;
static atomic_int mlock_warned;

static size_t round_up(size_t n, size_t to)
{
    return (n + to - 1) / to * to;
}

/* The smallest class whose payload holds n bytes, or ARENA_CLASSES when none does. */
static unsigned class_of(size_t n)
{
    unsigned c = 0;
    while (c < ARENA_CLASSES && ((size_t)ARENA_MIN_BLOCK << c) < n)
        c++;
    return c;
}

static size_t class_bytes(unsigned c)
{
    return (size_t)ARENA_MIN_BLOCK << c;
}

static void arena_release(SecretArena *a)
{
    pthread_mutex_destroy(&a->lock);
    atomic_fetch_sub(&arenas_alive, 1);
    sodium_free(a); /* wipes the whole region, headers and all */
}

/* The thread's exit: release the arena now, or let its last free do it. */
static void arena_thread_exit(void *arg)
{
    SecretArena *a = arg;
    pthread_mutex_lock(&a->lock);
    a->orphaned = 1;
    int idle = a->live == 0;
    pthread_mutex_unlock(&a->lock);
    if (idle)
        arena_release(a);
}

static void arena_key_create(void)
{
    if (pthread_key_create(&arena_key, arena_thread_exit) != 0) {
        log_errorx("cannot create the secret arena key");
        abort();
    }
}

static void warn_unlocked(void)
{
    if (atomic_exchange(&mlock_warned, 1) == 0)
        log_warnx("secret memory could not be locked in RAM (RLIMIT_MEMLOCK?); it is still kept "
                  "out of core dumps");
}

/* The calling thread's arena, made on first use; NULL when no region could be had. */
static SecretArena *arena_mine(void)
{
    pthread_once(&arena_once, arena_key_create);
    SecretArena *a = pthread_getspecific(arena_key);
    if (a)
        return a;
    unsigned char *region = sodium_malloc(ARENA_REGION_BYTES); /* guarded, locked, no dump */
    if (!region)
        return NULL;
    assert((uintptr_t)region % ARENA_ALIGN == 0);
    if (sodium_mlock(region, ARENA_REGION_BYTES) != 0) /* sodium_malloc ignores a failure */
        warn_unlocked();
    a = (SecretArena *)(void *)region;
    memset(a, 0, sizeof *a);
    pthread_mutex_init(&a->lock, NULL);
    a->blocks = region + round_up(sizeof *a, ARENA_ALIGN);
    a->next_unused = a->blocks;
    a->end = region + ARENA_REGION_BYTES;
    if (pthread_setspecific(arena_key, a) != 0) {
        pthread_mutex_destroy(&a->lock);
        sodium_free(region);
        return NULL;
    }
    atomic_fetch_add(&arenas_alive, 1);
    return a;
}

static BlockHeader *free_pop(SecretArena *a, unsigned c)
{
    BlockHeader *h = a->free[c];
    if (h)
        a->free[c] = h->link.next;
    return h;
}

/* Under a->lock: a free block of class c, else a new one from the unused rest, else a free block
 * of a larger class (it goes back to its own class when freed); NULL when none is left. */
static BlockHeader *arena_take(SecretArena *a, unsigned c)
{
    BlockHeader *h = free_pop(a, c);
    if (h)
        return h;
    size_t need = sizeof(BlockHeader) + class_bytes(c);
    if ((size_t)(a->end - a->next_unused) >= need) {
        h = (BlockHeader *)(void *)a->next_unused;
        a->next_unused += need;
        h->size_class = c;
        return h;
    }
    for (unsigned k = c + 1; k < ARENA_CLASSES && !h; k++)
        h = free_pop(a, k);
    return h;
}

static void *arena_alloc(SecretArena *a, unsigned c)
{
    pthread_mutex_lock(&a->lock);
    BlockHeader *h = arena_take(a, c);
    if (h) {
        h->magic = BLOCK_ARENA;
        h->link.arena = a;
        a->live++;
    }
    pthread_mutex_unlock(&a->lock);
    return h ? h + 1 : NULL;
}

static void *fallback_alloc(size_t n)
{
    BlockHeader *h = n < SIZE_MAX / 2 ? sodium_malloc(sizeof *h + round_up(n, ARENA_ALIGN)) : NULL;
    if (!h) {
        log_errorx("sodium_malloc of %zu bytes failed", n);
        abort();
    }
    atomic_fetch_add(&secret_fallbacks, 1);
    h->magic = BLOCK_FALLBACK;
    h->size_class = 0;
    h->link.arena = NULL;
    return h + 1;
}

void *vault_secret_alloc(size_t n)
{
    unsigned c = class_of(n ? n : 1);
    SecretArena *a = c < ARENA_CLASSES ? arena_mine() : NULL;
    void *p = a ? arena_alloc(a, c) : NULL;
    return p ? p : fallback_alloc(n ? n : 1);
}

static void arena_free(BlockHeader *h)
{
    SecretArena *a = h->link.arena;
    pthread_mutex_lock(&a->lock);
    if (h->magic != BLOCK_ARENA) { /* another thread freed it meanwhile */
        log_errorx("misuse: a secret block freed twice");
        abort();
    }
    sodium_memzero(h + 1, class_bytes(h->size_class));
    h->magic = BLOCK_FREE;
    h->link.next = a->free[h->size_class];
    a->free[h->size_class] = h;
    int release = --a->live == 0 && a->orphaned;
    pthread_mutex_unlock(&a->lock);
    if (release)
        arena_release(a);
}

void vault_secret_free(void *p)
{
    if (!p)
        return;
    BlockHeader *h = (BlockHeader *)p - 1;
    if (h->magic == BLOCK_ARENA) {
        arena_free(h);
    } else if (h->magic == BLOCK_FALLBACK) {
        sodium_free(h); /* wipes it and unmaps it */
    } else {            /* BLOCK_FREE: freed twice; anything else: not ours */
        log_errorx("misuse: freeing memory that is not a live secret block");
        abort();
    }
}

void vault_secret_stats(VaultSecretStats *out)
{
    out->arenas = atomic_load(&arenas_alive);
    out->fallbacks = atomic_load(&secret_fallbacks);
}

const unsigned char *vault_secret_arena_view(size_t *len)
{
    pthread_once(&arena_once, arena_key_create);
    SecretArena *a = pthread_getspecific(arena_key);
    if (!a) {
        *len = 0;
        return NULL;
    }
    pthread_mutex_lock(&a->lock);
    *len = (size_t)(a->next_unused - a->blocks);
    pthread_mutex_unlock(&a->lock);
    return a->blocks;
}

void vault_wipe(void *p, size_t n)
{
    sodium_memzero(p, n);
}

void vault_random(void *out, size_t n)
{
    randombytes_buf(out, n);
}

uint32_t vault_random_uniform(uint32_t upper)
{
    return randombytes_uniform(upper);
}

void vault_random_hex(char *out, size_t n)
{
    unsigned char tmp[32];
    size_t done = 0;
    out[0] = '\0';
    while (done < n) {
        size_t k = n - done < sizeof tmp ? n - done : sizeof tmp;
        randombytes_buf(tmp, k);
        sodium_bin2hex(out + 2 * done, 2 * k + 1, tmp, k);
        done += k;
    }
    sodium_memzero(tmp, sizeof tmp);
}

int vault_equal(const void *a, const void *b, size_t n)
{
    return sodium_memcmp(a, b, n) == 0;
}

int vault_str_equal(const char *a, const char *b)
{
    if (!a || !b)
        return 0;
    /* Comparing hashes makes the time independent of where the strings differ. */
    unsigned char ha[crypto_generichash_BYTES], hb[crypto_generichash_BYTES];
    crypto_generichash(ha, sizeof ha, (const unsigned char *)a, strlen(a), NULL, 0);
    crypto_generichash(hb, sizeof hb, (const unsigned char *)b, strlen(b), NULL, 0);
    return sodium_memcmp(ha, hb, sizeof ha) == 0;
}

void vault_hash(const void *in, size_t n, unsigned char out[VAULT_ID_BYTES])
{
    crypto_generichash(out, VAULT_ID_BYTES, in, n, NULL, 0);
}

void vault_to_hex(const void *in, size_t n, char *out)
{
    sodium_bin2hex(out, 2 * n + 1, in, n);
}

long vault_from_hex(const char *hex, void *out, size_t max)
{
    size_t len = 0;
    if (!hex || sodium_hex2bin(out, max, hex, strlen(hex), NULL, &len, NULL) != 0)
        return -1;
    return (long)len;
}

static void to_b64(const void *in, size_t n, Buf *out, int variant)
{
    static const unsigned char empty[1];
    size_t enc = sodium_base64_ENCODED_LEN(n, variant);
    size_t old = out->len;
    char *p = (char *)buf_extend(out, enc);
    sodium_bin2base64(p, enc, in ? in : empty, n, variant);
    buf_cut(out, old + enc - 1);
}

void vault_to_b64(const void *in, size_t n, Buf *out)
{
    to_b64(in, n, out, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

void vault_to_b64_mime(const void *in, size_t n, Buf *out)
{
    to_b64(in, n, out, sodium_base64_VARIANT_ORIGINAL);
}

long vault_from_b64(const char *b64, void *out, size_t max)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t len = 0;
    /* Only the alphabet: libsodium 1.0.18 (Debian 12) reads a byte above 0x7f as '_' (its decoder
     * takes a signed char), so "\xa1\xe6\xe1\xec" would decode as "____" does. */
    if (!b64 || b64[strspn(b64, alphabet)] != '\0' ||
        sodium_base642bin(out, max, b64, strlen(b64), NULL, &len, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
        return -1;
    return (long)len;
}

/* ---- keys ---- */

void vault_org_keypair(unsigned char pk[VAULT_KEY_BYTES], unsigned char *sk)
{
    crypto_box_keypair(pk, sk);
}

void vault_public_of(const unsigned char *sk, unsigned char pk[VAULT_KEY_BYTES])
{
    if (crypto_scalarmult_base(pk, sk) != 0)
        sodium_memzero(pk, VAULT_KEY_BYTES);
}

int vault_keypair_matches(const unsigned char pk[VAULT_KEY_BYTES], const unsigned char *sk)
{
    unsigned char derived[VAULT_KEY_BYTES];
    vault_public_of(sk, derived);
    int ok = sodium_memcmp(derived, pk, sizeof derived) == 0;
    sodium_memzero(derived, sizeof derived);
    return ok;
}

void vault_key_new(unsigned char *key)
{
    randombytes_buf(key, VAULT_KEY_BYTES);
}

void vault_derive(const unsigned char *master, uint64_t id, const char ctx[8], unsigned char *out)
{
    crypto_kdf_derive_from_key(out, VAULT_KEY_BYTES, id, ctx, master);
}

void vault_wrap(const unsigned char *key, const void *secret, size_t n, const char *ad, Buf *out)
{
    const unsigned char v = V_WRAP;
    Buf adb = {0}; /* owned here */
    ad_build(&adb, &v, 1, ad);
    buf_append(out, &v, 1);
    aead_wrap(key, &adb, secret, n, out);
    buf_free(&adb);
}

int vault_unwrap(const unsigned char *key, const void *blob, size_t blob_len, const char *ad,
                 void *secret, size_t n)
{
    const unsigned char *b = blob;
    if (!b || blob_len < 1 || b[0] != V_WRAP) {
        sodium_memzero(secret, n);
        return -1;
    }
    Buf adb = {0}; /* owned here */
    ad_build(&adb, b, 1, ad);
    int rc = aead_unwrap(key, &adb, b + 1, blob_len - 1, secret, n);
    buf_free(&adb);
    return rc;
}

static int pw_cost_valid(uint64_t ops, uint64_t mem)
{
    return ops >= crypto_pwhash_argon2id_OPSLIMIT_MIN &&
           ops <= crypto_pwhash_argon2id_OPSLIMIT_MAX && ops <= PW_OPS_CAP &&
           mem >= crypto_pwhash_argon2id_MEMLIMIT_MIN &&
           mem <= crypto_pwhash_argon2id_MEMLIMIT_MAX && mem <= PW_MEM_CAP;
}

/* Argon2id runs now and the most ever at once: vault_argon2_limit bounds them, /metrics shows it.
 */
static atomic_uint argon_active, argon_peak;
static atomic_ullong argon_runs;

void vault_argon2_stats(unsigned *active, unsigned *peak, uint64_t *runs)
{
    *active = atomic_load(&argon_active);
    *peak = atomic_load(&argon_peak);
    *runs = atomic_load(&argon_runs);
}

/* At most argon_limit runs at once (0: no bound): each holds its memory cost (64 MiB by default)
 * and a core, so more at once only adds memory and waiting. The slow-work pool has more threads
 * than that, for the jobs that wait on the disk instead. */
static pthread_mutex_t argon_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t argon_free = PTHREAD_COND_INITIALIZER;
static unsigned argon_limit, argon_holding;

void vault_argon2_limit(unsigned n)
{
    pthread_mutex_lock(&argon_mu);
    argon_limit = n;
    pthread_cond_broadcast(&argon_free);
    pthread_mutex_unlock(&argon_mu);
}

static void argon_turn_take(void)
{
    pthread_mutex_lock(&argon_mu);
    while (argon_limit && argon_holding >= argon_limit)
        pthread_cond_wait(&argon_free, &argon_mu);
    argon_holding++;
    pthread_mutex_unlock(&argon_mu);
}

static void argon_turn_give(void)
{
    pthread_mutex_lock(&argon_mu);
    argon_holding--;
    pthread_cond_signal(&argon_free);
    pthread_mutex_unlock(&argon_mu);
}

/* One Argon2id13 run, counted, in its turn. */
static int argon2id(unsigned char *out, size_t outlen, const char *in, size_t inlen,
                    const unsigned char *salt, uint64_t ops, size_t mem)
{
    argon_turn_take();
    atomic_fetch_add(&argon_runs, 1);
    unsigned now = atomic_fetch_add(&argon_active, 1) + 1;
    unsigned peak = atomic_load(&argon_peak);
    while (now > peak && !atomic_compare_exchange_weak(&argon_peak, &peak, now))
        ;
    int rc = crypto_pwhash(out, outlen, in, inlen, salt, ops, mem, crypto_pwhash_ALG_ARGON2ID13);
    atomic_fetch_sub(&argon_active, 1);
    argon_turn_give();
    return rc;
}

/* Argon2id13 of password into key (VAULT_KEY_BYTES of secret memory). */
static int pw_key(const char *password, const unsigned char *salt, uint64_t ops, uint64_t mem,
                  unsigned char *key)
{
    if (argon2id(key, VAULT_KEY_BYTES, password, strlen(password), salt, ops, (size_t)mem) != 0) {
        log_warnx("Argon2id failed (out of memory?)");
        return -1;
    }
    return 0;
}

int vault_pw_wrap(const char *password, VaultPwCost cost, const void *secret, size_t n,
                  const char *ad, Buf *out)
{
    if (!password || !pw_cost_valid(cost.ops, cost.mem))
        return -1;
    unsigned char hdr[PW_HEADER_BYTES];
    hdr[0] = V_PW_WRAP;
    randombytes_buf(hdr + 1, VAULT_SALT_BYTES);
    put_le64(hdr + 1 + VAULT_SALT_BYTES, cost.ops);
    put_le64(hdr + 1 + VAULT_SALT_BYTES + 8, cost.mem);
    unsigned char *key = vault_secret_alloc(VAULT_KEY_BYTES); /* owned here */
    if (pw_key(password, hdr + 1, cost.ops, cost.mem, key) != 0) {
        vault_secret_free(key);
        return -1;
    }
    Buf adb = {0}; /* owned here */
    ad_build(&adb, hdr, sizeof hdr, ad);
    buf_append(out, hdr, sizeof hdr);
    aead_wrap(key, &adb, secret, n, out);
    buf_free(&adb);
    vault_secret_free(key);
    return 0;
}

int vault_pw_cost_of(const void *blob, size_t blob_len, VaultPwCost *cost)
{
    const unsigned char *b = blob;
    if (!b || blob_len < PW_HEADER_BYTES + NONCE_BYTES + TAG_BYTES || b[0] != V_PW_WRAP)
        return -1;
    uint64_t ops = get_le64(b + 1 + VAULT_SALT_BYTES);
    uint64_t mem = get_le64(b + 1 + VAULT_SALT_BYTES + 8);
    if (!pw_cost_valid(ops, mem))
        return -1;
    cost->ops = ops;
    cost->mem = (size_t)mem;
    return 0;
}

int vault_pw_unwrap(const char *password, const void *blob, size_t blob_len, const char *ad,
                    void *secret, size_t n)
{
    const unsigned char *b = blob;
    VaultPwCost cost;
    if (!password || vault_pw_cost_of(blob, blob_len, &cost) != 0 ||
        blob_len != PW_HEADER_BYTES + NONCE_BYTES + n + TAG_BYTES) {
        sodium_memzero(secret, n);
        return -1;
    }
    unsigned char *key = vault_secret_alloc(VAULT_KEY_BYTES); /* owned here */
    if (pw_key(password, b + 1, cost.ops, cost.mem, key) != 0) {
        vault_secret_free(key);
        sodium_memzero(secret, n);
        return -1;
    }
    Buf adb = {0}; /* owned here */
    ad_build(&adb, b, PW_HEADER_BYTES, ad);
    int rc = aead_unwrap(key, &adb, b + PW_HEADER_BYTES, blob_len - PW_HEADER_BYTES, secret, n);
    buf_free(&adb);
    vault_secret_free(key);
    return rc;
}

/* ---- recovery key ---- */

/* Constant-time byte comparisons for values 0..255, giving 0xFF for true and 0 for false. */
#define CT_GT(x, y) (((((unsigned int)(y)) - ((unsigned int)(x))) >> 8) & 0xFFU)
#define CT_GE(x, y) (CT_GT(y, x) ^ 0xFFU)
#define CT_LE(x, y) CT_GE(y, x)

/* Multiplication in GF(32) modulo x^5 + x^2 + 1, without branches on the operands. */
static unsigned int gf32_mul(unsigned int a, unsigned int b)
{
    unsigned int r = 0;
    for (int i = 0; i < 5; i++) {
        r ^= a & (0U - (b & 1U));
        b >>= 1;
        a = ((a << 1) ^ ((0U - ((a >> 4) & 1U)) & 0x25U)) & 0x1FU;
    }
    return r;
}

/* Check character: sum over i of x^(i+1) * value[i] in GF(32); every weight is non-zero and
 * neighbours' weights differ, so one substitution or one swap of neighbours changes it. */
static unsigned int recovery_check(const unsigned char vals[RECOVERY_CHARS - 1])
{
    unsigned int sum = 0, w = 1;
    for (int i = 0; i < RECOVERY_CHARS - 1; i++) {
        w = gf32_mul(w, 2);
        sum ^= gf32_mul(w, vals[i]);
    }
    return sum;
}

static char b32_char(unsigned int v)
{
    return (char)(v + 'A' - (CT_GE(v, 26) & ('A' - '2' + 26)));
}

/* Value of a base32 character in either case; sets bits of *bad when it is not one. */
static unsigned char b32_value(unsigned int c, unsigned int *bad)
{
    unsigned int upper = CT_GE(c, 'A') & CT_LE(c, 'Z');
    unsigned int lower = CT_GE(c, 'a') & CT_LE(c, 'z');
    unsigned int digit = CT_GE(c, '2') & CT_LE(c, '7');
    unsigned int v = (upper & (c - 'A')) | (lower & (c - 'a')) | (digit & (c - '2' + 26));
    *bad |= (upper | lower | digit) ^ 0xFFU;
    return (unsigned char)(v & 0x1FU);
}

void vault_recovery_new(char text[VAULT_RECOVERY_TEXT], unsigned char *key)
{
    _Static_assert(RECOVERY_CHARS + (RECOVERY_CHARS - 1) / RECOVERY_GROUP < VAULT_RECOVERY_TEXT,
                   "recovery text size");
    unsigned char raw[VAULT_KEY_BYTES + 1], h[crypto_generichash_BYTES];
    unsigned char vals[RECOVERY_CHARS];
    randombytes_buf(key, VAULT_KEY_BYTES);
    crypto_generichash(h, sizeof h, key, VAULT_KEY_BYTES, NULL, 0);
    memcpy(raw, key, VAULT_KEY_BYTES);
    raw[VAULT_KEY_BYTES] = (unsigned char)(h[0] & 0xF0U);
    for (int i = 0; i < RECOVERY_CHARS - 1; i++) { /* RFC 4648 bit order */
        int bit = 5 * i;
        unsigned int w = (unsigned int)raw[bit / 8] << 8 | raw[bit / 8 + 1];
        vals[i] = (unsigned char)((w >> (11 - bit % 8)) & 0x1FU);
    }
    vals[RECOVERY_CHARS - 1] = (unsigned char)recovery_check(vals);
    size_t pos = 0;
    for (int i = 0; i < RECOVERY_CHARS; i++) {
        if (i > 0 && i % RECOVERY_GROUP == 0)
            text[pos++] = '-';
        text[pos++] = b32_char(vals[i]);
    }
    text[pos] = '\0';
    sodium_memzero(raw, sizeof raw);
    sodium_memzero(h, sizeof h);
    sodium_memzero(vals, sizeof vals);
}

int vault_recovery_parse(const char *text, unsigned char *key)
{
    unsigned char vals[RECOVERY_CHARS], raw[VAULT_KEY_BYTES + 1], h[crypto_generichash_BYTES];
    unsigned int bad = 0;
    size_t count = 0;
    int rc = -1;
    memset(raw, 0, sizeof raw);
    if (!text)
        goto out;
    for (const char *p = text; *p; p++) {
        unsigned int c = (unsigned char)*p;
        if (c == ' ' || c == '-' || c == '\t' || c == '\r' || c == '\n')
            continue;
        if (count == RECOVERY_CHARS)
            goto out;
        vals[count++] = b32_value(c, &bad);
    }
    if (count != RECOVERY_CHARS)
        goto out;
    for (int i = 0; i < RECOVERY_CHARS - 1; i++) {
        int bit = 5 * i;
        unsigned int w = (unsigned int)vals[i] << (11 - bit % 8);
        raw[bit / 8] |= (unsigned char)(w >> 8);
        raw[bit / 8 + 1] |= (unsigned char)(w & 0xFFU);
    }
    crypto_generichash(h, sizeof h, raw, VAULT_KEY_BYTES, NULL, 0);
    bad |= (raw[VAULT_KEY_BYTES] ^ h[0]) & 0xF0U;
    bad |= recovery_check(vals) ^ vals[RECOVERY_CHARS - 1];
    if (bad == 0) {
        memcpy(key, raw, VAULT_KEY_BYTES);
        rc = 0;
    }
out:
    if (rc != 0 && key)
        sodium_memzero(key, VAULT_KEY_BYTES);
    sodium_memzero(vals, sizeof vals);
    sodium_memzero(raw, sizeof raw);
    sodium_memzero(h, sizeof h);
    return rc;
}

/* ---- sealed boxes ---- */

void vault_seal(const unsigned char pk[VAULT_KEY_BYTES], const void *secret, size_t n, Buf *out)
{
    static const unsigned char empty[1];
    unsigned char *p = buf_extend(out, 1 + crypto_box_SEALBYTES + n);
    p[0] = V_SEAL;
    crypto_box_seal(p + 1, secret ? secret : empty, n, pk);
}

void vault_desk_seal(const unsigned char pk[VAULT_KEY_BYTES], const void *msg, size_t n, Buf *out)
{
    static const unsigned char empty[1];
    crypto_box_seal(buf_extend(out, crypto_box_SEALBYTES + n), msg ? msg : empty, n, pk);
}

int vault_desk_open(const unsigned char pk[VAULT_KEY_BYTES], const unsigned char *sk,
                    const void *blob, size_t n, Buf *out)
{
    if (!blob || n < crypto_box_SEALBYTES)
        return -1;
    size_t len = out->len;
    unsigned char *p = buf_extend(out, n - crypto_box_SEALBYTES);
    if (crypto_box_seal_open(p, blob, n, pk, sk) != 0) {
        out->len = len;
        out->data[len] = '\0';
        return -1;
    }
    return 0;
}

int vault_seal_open(const unsigned char pk[VAULT_KEY_BYTES], const unsigned char *sk,
                    const void *blob, size_t blob_len, void *secret, size_t n)
{
    const unsigned char *b = blob;
    if (!b || blob_len != 1 + crypto_box_SEALBYTES + n || b[0] != V_SEAL ||
        crypto_box_seal_open(secret, b + 1, blob_len - 1, pk, sk) != 0) {
        sodium_memzero(secret, n);
        return -1;
    }
    return 0;
}

/* ---- fields for the org, sealed to its public key ---- */

#define ORG_FIELD_KEY_BYTES (1 + crypto_box_SEALBYTES + VAULT_KEY_BYTES)

void vault_org_field_seal(const unsigned char org_pk[VAULT_KEY_BYTES], const char *table,
                          const char *column, const char *row_id, const void *pt, size_t n,
                          Buf *out)
{
    unsigned char *key = vault_secret_alloc(VAULT_KEY_BYTES);
    crypto_aead_xchacha20poly1305_ietf_keygen(key);
    vault_seal(org_pk, key, VAULT_KEY_BYTES, out);
    vault_field_encrypt(key, table, column, row_id, pt, n, out);
    vault_secret_free(key);
}

int vault_org_field_open(const unsigned char org_pk[VAULT_KEY_BYTES], const unsigned char *org_sk,
                         const char *table, const char *column, const char *row_id, const void *ct,
                         size_t n, Buf *out)
{
    if (!ct || n < ORG_FIELD_KEY_BYTES)
        return -1;
    unsigned char *key = vault_secret_alloc(VAULT_KEY_BYTES);
    int rc = vault_seal_open(org_pk, org_sk, ct, ORG_FIELD_KEY_BYTES, key, VAULT_KEY_BYTES);
    if (rc == 0)
        rc = vault_field_decrypt(key, table, column, row_id,
                                 (const unsigned char *)ct + ORG_FIELD_KEY_BYTES,
                                 n - ORG_FIELD_KEY_BYTES, out);
    vault_secret_free(key);
    return rc;
}

int vault_org_field_reseal(const unsigned char old_pk[VAULT_KEY_BYTES], const unsigned char *old_sk,
                           const unsigned char new_pk[VAULT_KEY_BYTES], const void *ct, size_t n,
                           Buf *out)
{
    if (!ct || n < ORG_FIELD_KEY_BYTES)
        return -1;
    unsigned char *key = vault_secret_alloc(VAULT_KEY_BYTES);
    int rc = vault_seal_open(old_pk, old_sk, ct, ORG_FIELD_KEY_BYTES, key, VAULT_KEY_BYTES);
    if (rc == 0) {
        vault_seal(new_pk, key, VAULT_KEY_BYTES, out);
        buf_append(out, (const unsigned char *)ct + ORG_FIELD_KEY_BYTES, n - ORG_FIELD_KEY_BYTES);
    }
    vault_secret_free(key);
    return rc;
}

/* ---- receipts ---- */

void vault_receipt_new(char text[VAULT_RECEIPT_TEXT])
{
    size_t pos = 0;
    for (int i = 0; i < VAULT_RECEIPT_DIGITS; i++) {
        if (i > 0 && i % 4 == 0)
            text[pos++] = ' ';
        text[pos++] = (char)('0' + randombytes_uniform(10));
    }
    text[pos] = '\0';
}

/* The length of a separator at p (space, tab, '-', U+3000 ideographic space, U+FF0D full-width
 * hyphen), or 0. */
static size_t receipt_separator(const unsigned char *p)
{
    if (*p == ' ' || *p == '-' || *p == '\t')
        return 1;
    if ((p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80) ||
        (p[0] == 0xEF && p[1] == 0xBC && p[2] == 0x8D))
        return 3;
    return 0;
}

int vault_receipt_parse(const char *typed, char digits[VAULT_RECEIPT_DIGITS + 1])
{
    size_t count = 0;
    const unsigned char *p = (const unsigned char *)typed;
    if (!p)
        goto fail;
    while (*p) {
        size_t skip = receipt_separator(p);
        if (skip) {
            p += skip;
            continue;
        }
        if (count == VAULT_RECEIPT_DIGITS)
            goto fail;
        if (*p >= '0' && *p <= '9') {
            digits[count++] = (char)*p++;
        } else if (p[0] == 0xEF && p[1] == 0xBC && p[2] >= 0x90 && p[2] <= 0x99) {
            digits[count++] = (char)('0' + (p[2] - 0x90)); /* full-width, from Chinese IMEs */
            p += 3;
        } else {
            goto fail;
        }
    }
    if (count != VAULT_RECEIPT_DIGITS)
        goto fail;
    digits[count] = '\0';
    return 0;
fail:
    sodium_memzero(digits, VAULT_RECEIPT_DIGITS + 1);
    return -1;
}

int vault_receipt_derive(const char digits[VAULT_RECEIPT_DIGITS + 1],
                         const unsigned char salt[VAULT_SALT_BYTES], VaultPwCost cost,
                         unsigned char lookup_id[VAULT_ID_BYTES], unsigned char *receipt_key)
{
    if (!digits || strnlen(digits, VAULT_RECEIPT_DIGITS + 1) != VAULT_RECEIPT_DIGITS ||
        !pw_cost_valid(cost.ops, cost.mem))
        return -1;
    for (int i = 0; i < VAULT_RECEIPT_DIGITS; i++)
        if (digits[i] < '0' || digits[i] > '9')
            return -1;
    unsigned char *master = vault_secret_alloc(crypto_kdf_KEYBYTES); /* owned here */
    if (argon2id(master, crypto_kdf_KEYBYTES, digits, VAULT_RECEIPT_DIGITS, salt, cost.ops,
                 cost.mem) != 0) {
        log_warnx("Argon2id failed (out of memory?)");
        vault_secret_free(master);
        return -1;
    }
    crypto_kdf_derive_from_key(lookup_id, VAULT_ID_BYTES, RECEIPT_KDF_LOOKUP, RECEIPT_KDF_CTX,
                               master);
    crypto_kdf_derive_from_key(receipt_key, VAULT_KEY_BYTES, RECEIPT_KDF_KEY, RECEIPT_KDF_CTX,
                               master);
    vault_secret_free(master);
    return 0;
}

/* ---- fields ---- */

/* Padded size for n plaintext bytes: 64, 256, 1 KiB, 4 KiB, then multiples of 16 KiB; always at
 * least n + 1 because sodium_pad adds at least one byte. */
static size_t field_bucket(size_t n)
{
    static const size_t small[] = {64, 256, 1024, 4096};
    for (size_t i = 0; i < sizeof small / sizeof small[0]; i++)
        if (n < small[i])
            return small[i];
    if (n > SIZE_MAX - 2 * FIELD_BIG_BUCKET) {
        log_errorx("field of %zu bytes is too large", n);
        abort();
    }
    return (n + FIELD_BIG_BUCKET) / FIELD_BIG_BUCKET * FIELD_BIG_BUCKET;
}

static size_t field_block(size_t padded)
{
    return padded <= 4096 ? padded : FIELD_BIG_BUCKET;
}

static void field_ad(Buf *ad, const char *table, const char *column, const char *row_id)
{
    const unsigned char v = V_FIELD;
    assert(table && column && row_id);
    buf_append(ad, &v, 1);
    buf_puts(ad, "td1");
    buf_append(ad, table, strlen(table) + 1); /* with its NUL as the separator */
    buf_append(ad, column, strlen(column) + 1);
    buf_puts(ad, row_id);
}

void vault_field_encrypt(const unsigned char *key, const char *table, const char *column,
                         const char *row_id, const void *pt, size_t n, Buf *out)
{
    size_t padded = field_bucket(n);
    size_t plen = 0;
    Buf ad = {0}; /* owned here */
    field_ad(&ad, table, column, row_id);
    unsigned char *p = buf_extend(out, FIELD_PREFIX_BYTES + padded + TAG_BYTES);
    unsigned char *m = p + FIELD_PREFIX_BYTES;
    p[0] = V_FIELD;
    randombytes_buf(p + 1, NONCE_BYTES);
    if (n)
        memcpy(m, pt, n);
    if (sodium_pad(&plen, m, n, field_block(padded), padded) != 0 || plen != padded) {
        log_errorx("sodium_pad failed");
        abort();
    }
    /* In place: the padded plaintext is overwritten by its ciphertext. */
    crypto_aead_xchacha20poly1305_ietf_encrypt(m, NULL, m, padded, (const unsigned char *)ad.data,
                                               ad.len, NULL, p + 1, key);
    buf_free(&ad);
}

static int field_bucket_valid(size_t padded)
{
    return padded == 64 || padded == 256 || padded == 1024 || padded == 4096 ||
           (padded >= FIELD_BIG_BUCKET && padded % FIELD_BIG_BUCKET == 0);
}

int vault_field_decrypt(const unsigned char *key, const char *table, const char *column,
                        const char *row_id, const void *ct, size_t n, Buf *out)
{
    const unsigned char *c = ct;
    if (!c || n < FIELD_PREFIX_BYTES + TAG_BYTES || c[0] != V_FIELD)
        return -1;
    size_t padded = n - FIELD_PREFIX_BYTES - TAG_BYTES;
    if (!field_bucket_valid(padded))
        return -1;
    Buf ad = {0}; /* owned here */
    field_ad(&ad, table, column, row_id);
    size_t old = out->len;
    size_t len = 0;
    /* Decrypt in place inside out so the plaintext has no other copy. */
    unsigned char *m = buf_extend(out, n - FIELD_PREFIX_BYTES);
    memcpy(m, c + FIELD_PREFIX_BYTES, n - FIELD_PREFIX_BYTES);
    int ok = crypto_aead_xchacha20poly1305_ietf_decrypt(m, NULL, NULL, m, n - FIELD_PREFIX_BYTES,
                                                        (const unsigned char *)ad.data, ad.len,
                                                        c + 1, key) == 0 &&
             sodium_unpad(&len, m, padded, field_block(padded)) == 0 && field_bucket(len) == padded;
    buf_free(&ad);
    buf_cut(out, ok ? old + len : old);
    return ok ? 0 : -1;
}

void vault_blind_index(const unsigned char *key, const char *domain, const void *value, size_t n,
                       unsigned char out[VAULT_ID_BYTES])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, key, VAULT_KEY_BYTES, VAULT_ID_BYTES);
    crypto_generichash_update(&st, (const unsigned char *)domain, strlen(domain) + 1); /* + NUL */
    if (n)
        crypto_generichash_update(&st, value, n);
    crypto_generichash_final(&st, out, VAULT_ID_BYTES);
    sodium_memzero(&st, sizeof st);
}

/* ---- files ---- */

#define STREAM_BUCKET_MIN ((size_t)VAULT_STREAM_CHUNK)
#define STREAM_PAD_MARK 0x80
#define STREAM_KEY_CTX "td-file2"

size_t vault_stream_header_bytes(void)
{
    return STREAM_HEADER_BYTES;
}

size_t vault_stream_chunk_overhead(void)
{
    return crypto_secretstream_xchacha20poly1305_ABYTES;
}

size_t vault_stream_bucket(size_t n)
{
    size_t b = STREAM_BUCKET_MIN;
    while (b < n + 1) {
        if (b > SIZE_MAX / 4) {
            log_errorx("file of %zu bytes is too large", n);
            abort();
        }
        b *= 2;
    }
    return b;
}

static int stream_bucket_valid(size_t padded)
{
    return padded >= STREAM_BUCKET_MIN && padded % STREAM_BUCKET_MIN == 0 &&
           ((padded / STREAM_BUCKET_MIN) & (padded / STREAM_BUCKET_MIN - 1)) == 0;
}

/* The file's own key: the case key and the file id, so a file under another name fails. */
static void stream_key(const unsigned char *key, const char *file_id, unsigned char *out)
{
    assert(file_id && *file_id);
    crypto_generichash_state h;
    crypto_generichash_init(&h, key, VAULT_KEY_BYTES, VAULT_KEY_BYTES);
    crypto_generichash_update(&h, (const unsigned char *)STREAM_KEY_CTX,
                              sizeof STREAM_KEY_CTX); /* with its NUL as the separator */
    crypto_generichash_update(&h, (const unsigned char *)file_id, strlen(file_id));
    crypto_generichash_final(&h, out, VAULT_KEY_BYTES);
    sodium_memzero(&h, sizeof h);
}

static VaultStream *stream_new(void)
{
    VaultStream *st = vault_secret_alloc(sizeof *st); /* owned by the caller */
    st->done = st->failed = st->marked = 0;
    st->total = st->bucket = 0;
    return st;
}

VaultStream *vault_stream_encrypt_start(const unsigned char *key, const char *file_id, Buf *out)
{
    VaultStream *st = stream_new();
    unsigned char *fk = vault_secret_alloc(VAULT_KEY_BYTES);
    stream_key(key, file_id, fk);
    unsigned char *p = buf_extend(out, STREAM_HEADER_BYTES);
    p[0] = V_STREAM;
    crypto_secretstream_xchacha20poly1305_init_push(&st->state, p + 1, fk);
    vault_secret_free(fk);
    return st;
}

static void stream_push(VaultStream *st, const unsigned char *pt, size_t n, int last, Buf *out)
{
    unsigned char *c = buf_extend(out, n + crypto_secretstream_xchacha20poly1305_ABYTES);
    crypto_secretstream_xchacha20poly1305_push(
        &st->state, c, NULL, pt, n, NULL, 0,
        last ? crypto_secretstream_xchacha20poly1305_TAG_FINAL
             : crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
    st->total += n;
    if (last)
        st->done = 1;
}

void vault_stream_encrypt_push(VaultStream *st, const void *pt, size_t n, Buf *out)
{
    if (!st || st->done || st->bucket || n != VAULT_STREAM_CHUNK || !pt) {
        log_errorx("misuse: push after the end or a chunk of %zu bytes", n);
        abort();
    }
    stream_push(st, pt, n, 0, out);
}

int vault_stream_encrypt_final(VaultStream *st, const void *pt, size_t n, Buf *out)
{
    if (!st || st->done || n > VAULT_STREAM_CHUNK || (n && (!pt || st->bucket))) {
        log_errorx("misuse: final push after the end or a chunk of %zu bytes", n);
        abort();
    }
    if (!st->bucket)
        st->bucket = vault_stream_bucket(st->total + n);
    /* Every chunk before this one was full, so the bucket (a multiple of a chunk) has room for
     * the data and its mark: the data, 0x80 once, then zeros, one chunk per call. */
    size_t room =
        st->bucket - st->total < VAULT_STREAM_CHUNK ? st->bucket - st->total : VAULT_STREAM_CHUNK;
    assert(n <= room);
    size_t k = n;
    if (n)
        memcpy(st->scratch, pt, n);
    if (!st->marked && k < room) {
        st->scratch[k++] = STREAM_PAD_MARK;
        st->marked = 1;
    }
    memset(st->scratch + k, 0, room - k);
    int last = st->total + room == st->bucket;
    stream_push(st, st->scratch, room, last, out);
    sodium_memzero(st->scratch, room);
    return last ? 0 : 1;
}

VaultStream *vault_stream_decrypt_start(const unsigned char *key, const char *file_id,
                                        const void *hdr, size_t hdr_len)
{
    const unsigned char *h = hdr;
    if (!h || hdr_len != STREAM_HEADER_BYTES || h[0] != V_STREAM)
        return NULL;
    VaultStream *st = stream_new();
    unsigned char *fk = vault_secret_alloc(VAULT_KEY_BYTES);
    stream_key(key, file_id, fk);
    int rc = crypto_secretstream_xchacha20poly1305_init_pull(&st->state, h + 1, fk);
    vault_secret_free(fk);
    if (rc != 0) {
        vault_secret_free(st);
        return NULL;
    }
    return st;
}

int vault_stream_decrypt_pull(VaultStream *st, const void *ct, size_t n, Buf *out, int *last)
{
    unsigned long long mlen = 0;
    unsigned char tag = 0;
    if (last)
        *last = 0;
    if (!st || !ct || st->done || st->failed || n < crypto_secretstream_xchacha20poly1305_ABYTES ||
        n > VAULT_STREAM_CHUNK + crypto_secretstream_xchacha20poly1305_ABYTES)
        goto fail;
    if (crypto_secretstream_xchacha20poly1305_pull(&st->state, st->scratch, &mlen, &tag, ct, n,
                                                   NULL, 0) != 0)
        goto fail;
    if (tag != crypto_secretstream_xchacha20poly1305_TAG_MESSAGE &&
        tag != crypto_secretstream_xchacha20poly1305_TAG_FINAL) {
        sodium_memzero(st->scratch, (size_t)mlen);
        goto fail;
    }
    buf_append(out, st->scratch, (size_t)mlen);
    sodium_memzero(st->scratch, (size_t)mlen);
    st->total += (size_t)mlen;
    if (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL) {
        st->done = 1;
        if (last)
            *last = 1;
    }
    return 0;
fail:
    if (st)
        st->failed = 1; /* a stream that failed once stays failed */
    return -1;
}

int vault_stream_decrypt_end(VaultStream *st, Buf *out)
{
    if (!st || !st->done || st->failed || !stream_bucket_valid(st->total) || out->len < st->total)
        return -1;
    const unsigned char *p = (const unsigned char *)out->data;
    size_t start = out->len - st->total, end = out->len;
    while (end > start && p[end - 1] == 0)
        end--;
    if (end == start || p[end - 1] != STREAM_PAD_MARK ||
        vault_stream_bucket(end - 1 - start) != st->total)
        return -1;
    buf_cut(out, end - 1);
    return 0;
}

void vault_stream_free(VaultStream *st)
{
    vault_secret_free(st);
}

void vault_sha256_hex(const void *in, size_t n, char out[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, in, n);
    sodium_bin2hex(out, 65, h, sizeof h);
}

/* ---- backups and the erasure log ---- */

struct VaultHash {
    crypto_generichash_state st;
};

VaultHash *vault_hash_start(void)
{
    VaultHash *h = malloc(sizeof *h);
    if (!h)
        abort();
    crypto_generichash_init(&h->st, NULL, 0, VAULT_ID_BYTES);
    return h;
}

void vault_hash_update(VaultHash *h, const void *in, size_t n)
{
    crypto_generichash_update(&h->st, in, n);
}

void vault_hash_final(VaultHash *h, unsigned char out[VAULT_ID_BYTES])
{
    crypto_generichash_final(&h->st, out, VAULT_ID_BYTES);
    sodium_memzero(h, sizeof *h);
    free(h);
}

void vault_erasure_digest(const char *case_id, unsigned char out[VAULT_ID_BYTES])
{
    /* A fixed key separates these digests from every other BLAKE2b of a case id. */
    static const unsigned char domain[crypto_generichash_KEYBYTES] = "takedown erasure log v1";
    crypto_generichash(out, VAULT_ID_BYTES, (const unsigned char *)case_id, strlen(case_id), domain,
                       sizeof domain);
}

/* ---- the key protocol: which key wraps which, under what associated data ----
 * These strings and derivation labels are part of every stored wrap: changing one byte makes
 * existing data unreadable. */

#define ORG_KDF_CTX_DATA "orgdata1"  /* subkey 1 of the org secret key: wraps case keys, labels */
#define ORG_KDF_CTX_BLIND "blindidx" /* subkey 2 of the org secret key: keys the blind indexes */
#define ORG_KDF_DATA 1
#define ORG_KDF_BLIND 2
#define TOTP_KDF_CTX "totpkey2" /* subkey <staff id> of the account secret key */
#define CSRF_KDF_CTX "csrftokn" /* subkey 1 of the session key */
#define CSRF_KDF_ID 1
#define AD_CASE_RECEIPT "case-receipt:" /* then the case id */
#define AD_CASE_ORG "case-org:"         /* then the case id */
#define AD_STAFF_ACCOUNT "staff-account:%s:%s"
#define AD_STAFF_LEGACY "staff-key:%s:%s" /* schema 1 to 6: the org key itself, or an auditor's */
#define AD_RECOVERY "org-recovery"
#define AD_SESSION "session2:%s:%s:%lld:%s"
#define AD_DECOY "dummy"
#define AD_CASE_MAX 64
#define AD_STAFF_MAX 96
#define AD_SESSION_MAX 160

void vault_org_data_key(const unsigned char *org_sk, unsigned char *out)
{
    vault_derive(org_sk, ORG_KDF_DATA, ORG_KDF_CTX_DATA, out);
}

void vault_blind_key(const unsigned char *org_sk, unsigned char *out)
{
    vault_derive(org_sk, ORG_KDF_BLIND, ORG_KDF_CTX_BLIND, out);
}

void vault_totp_key(const unsigned char *account_sk, int64_t staff_id, unsigned char *out)
{
    vault_derive(account_sk, (uint64_t)staff_id, TOTP_KDF_CTX, out);
}

/* A case key wrapped under key with the associated data prefix || case id. */
static void case_key_wrap(const unsigned char *key, const char *prefix, const char *case_id,
                          const unsigned char *case_key, Buf *out)
{
    char ad[AD_CASE_MAX];
    snprintf(ad, sizeof ad, "%s%s", prefix, case_id);
    vault_wrap(key, case_key, VAULT_KEY_BYTES, ad, out);
}

static int case_key_open(const unsigned char *key, const char *prefix, const char *case_id,
                         const void *blob, size_t blob_len, unsigned char *case_key)
{
    char ad[AD_CASE_MAX];
    snprintf(ad, sizeof ad, "%s%s", prefix, case_id);
    return vault_unwrap(key, blob, blob_len, ad, case_key, VAULT_KEY_BYTES);
}

void vault_case_key_wrap_for_receipt(const unsigned char *receipt_key, const char *case_id,
                                     const unsigned char *case_key, Buf *out)
{
    case_key_wrap(receipt_key, AD_CASE_RECEIPT, case_id, case_key, out);
}

int vault_case_key_open_with_receipt(const unsigned char *receipt_key, const char *case_id,
                                     const void *blob, size_t blob_len, unsigned char *case_key)
{
    return case_key_open(receipt_key, AD_CASE_RECEIPT, case_id, blob, blob_len, case_key);
}

void vault_case_key_wrap_for_org(const unsigned char *org_sk, const char *case_id,
                                 const unsigned char *case_key, Buf *out)
{
    unsigned char *dk = vault_secret_alloc(VAULT_KEY_BYTES); /* owned here */
    vault_org_data_key(org_sk, dk);
    case_key_wrap(dk, AD_CASE_ORG, case_id, case_key, out);
    vault_secret_free(dk);
}

int vault_case_key_open_with_org(const unsigned char *org_sk, const char *case_id, const void *blob,
                                 size_t blob_len, unsigned char *case_key)
{
    unsigned char *dk = vault_secret_alloc(VAULT_KEY_BYTES); /* owned here */
    vault_org_data_key(org_sk, dk);
    int rc = case_key_open(dk, AD_CASE_ORG, case_id, blob, blob_len, case_key);
    vault_secret_free(dk);
    return rc;
}

void vault_case_key_seal(const unsigned char org_pk[VAULT_KEY_BYTES], const unsigned char *case_key,
                         Buf *out)
{
    vault_seal(org_pk, case_key, VAULT_KEY_BYTES, out);
}

int vault_case_key_unseal(const unsigned char org_pk[VAULT_KEY_BYTES], const unsigned char *org_sk,
                          const void *blob, size_t blob_len, unsigned char *case_key)
{
    return vault_seal_open(org_pk, org_sk, blob, blob_len, case_key, VAULT_KEY_BYTES);
}

void vault_org_key_seal(const unsigned char account_pk[VAULT_KEY_BYTES],
                        const unsigned char *org_sk, Buf *out)
{
    vault_seal(account_pk, org_sk, VAULT_KEY_BYTES, out);
}

int vault_org_key_unseal(const unsigned char account_pk[VAULT_KEY_BYTES],
                         const unsigned char *account_sk, const void *blob, size_t blob_len,
                         unsigned char *org_sk)
{
    return vault_seal_open(account_pk, account_sk, blob, blob_len, org_sk, VAULT_KEY_BYTES);
}

/* The wrap names the account and its role: a wrap copied to another row, or a role edited in the
 * database, no longer opens. Logins never change. */
int vault_staff_key_wrap(const char *login, const char *role, const char *password,
                         VaultPwCost cost, const unsigned char *account_sk, Buf *out)
{
    char ad[AD_STAFF_MAX];
    snprintf(ad, sizeof ad, AD_STAFF_ACCOUNT, login, role);
    return vault_pw_wrap(password, cost, account_sk, VAULT_KEY_BYTES, ad, out);
}

int vault_staff_key_unwrap(const char *login, const char *role, const char *password,
                           const void *blob, size_t blob_len, unsigned char *account_sk)
{
    char ad[AD_STAFF_MAX];
    snprintf(ad, sizeof ad, AD_STAFF_ACCOUNT, login, role);
    return vault_pw_unwrap(password, blob, blob_len, ad, account_sk, VAULT_KEY_BYTES);
}

int vault_staff_legacy_unwrap(const char *login, const char *role, const char *password,
                              const void *blob, size_t blob_len, unsigned char *key)
{
    char ad[AD_STAFF_MAX];
    snprintf(ad, sizeof ad, AD_STAFF_LEGACY, login, role);
    return vault_pw_unwrap(password, blob, blob_len, ad, key, VAULT_KEY_BYTES);
}

static Buf decoy_wrap;
static pthread_once_t decoy_once = PTHREAD_ONCE_INIT;

static void decoy_make(void)
{
    unsigned char zero[VAULT_KEY_BYTES] = {0};
    char pw[33];
    vault_random_hex(pw, 16);
    vault_pw_wrap(pw, vault_pw_cost_default(), zero, sizeof zero, AD_DECOY, &decoy_wrap);
    sodium_memzero(pw, sizeof pw);
}

void vault_staff_key_decoy(const char *password)
{
    pthread_once(&decoy_once, decoy_make);
    unsigned char *junk = vault_secret_alloc(VAULT_KEY_BYTES); /* owned here */
    vault_pw_unwrap(password ? password : "", decoy_wrap.data, decoy_wrap.len, AD_DECOY, junk,
                    VAULT_KEY_BYTES);
    vault_secret_free(junk);
}

void vault_recovery_wrap(const unsigned char *recovery_key, const unsigned char *org_sk, Buf *out)
{
    vault_wrap(recovery_key, org_sk, VAULT_KEY_BYTES, AD_RECOVERY, out);
}

int vault_recovery_unwrap(const unsigned char *recovery_key, const void *blob, size_t blob_len,
                          unsigned char *org_sk)
{
    return vault_unwrap(recovery_key, blob, blob_len, AD_RECOVERY, org_sk, VAULT_KEY_BYTES);
}

/* The wrap names the session, its kind and its subject: a staff wrap cannot serve as a victim's,
 * and a wrap copied to another row or pointed at another case does not open. */
static void session_ad(const unsigned char id_hash[VAULT_ID_BYTES], const char *kind,
                       int64_t staff_id, const char *case_id, char ad[AD_SESSION_MAX])
{
    char hex[2 * VAULT_ID_BYTES + 1];
    vault_to_hex(id_hash, VAULT_ID_BYTES, hex);
    snprintf(ad, AD_SESSION_MAX, AD_SESSION, hex, kind, (long long)staff_id,
             case_id ? case_id : "");
}

void vault_session_wrap(const unsigned char *session_key,
                        const unsigned char id_hash[VAULT_ID_BYTES], const char *kind,
                        int64_t staff_id, const char *case_id, const void *keys, size_t n, Buf *out)
{
    char ad[AD_SESSION_MAX];
    session_ad(id_hash, kind, staff_id, case_id, ad);
    vault_wrap(session_key, keys, n, ad, out);
}

int vault_session_unwrap(const unsigned char *session_key,
                         const unsigned char id_hash[VAULT_ID_BYTES], const char *kind,
                         int64_t staff_id, const char *case_id, const void *blob, size_t blob_len,
                         void *keys, size_t n)
{
    char ad[AD_SESSION_MAX];
    session_ad(id_hash, kind, staff_id, case_id, ad);
    return vault_unwrap(session_key, blob, blob_len, ad, keys, n);
}

void vault_session_csrf(const unsigned char *session_key, char csrf[VAULT_CSRF_TEXT])
{
    unsigned char *t = vault_secret_alloc(VAULT_KEY_BYTES); /* owned here */
    vault_derive(session_key, CSRF_KDF_ID, CSRF_KDF_CTX, t);
    vault_to_hex(t, VAULT_KEY_BYTES, csrf);
    vault_secret_free(t);
}
