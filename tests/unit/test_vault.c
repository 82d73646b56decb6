/* Unit tests of the vault: round trips, known answers, and that every tampered byte, wrong key or
 * wrong context fails cleanly. Secrets are compared with memcmp inside assert_true so a failure
 * never prints them. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "buf.h"
#include "vault.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define SAME(a, b, n) assert_true(memcmp((a), (b), (n)) == 0)
#define DIFFERENT(a, b, n) assert_true(memcmp((a), (b), (n)) != 0)

/* Small Argon2id cost for tests: ops 1, 8 MiB. */
static const VaultPwCost test_cost = {1, 8u * 1024 * 1024};
static const unsigned char flips[] = {0x01, 0x80};

static void fill_pattern(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(i * 31u + seed);
}

static void hex_of(const unsigned char *in, size_t n, char *out)
{
    vault_to_hex(in, n, out);
}

static int setup(void **state)
{
    return vault_init();
}

/* ---- hashes, encodings, randomness ---- */

static void test_sha256_known_answers(void **state)
{
    char hex[65];
    vault_sha256_hex("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    vault_sha256_hex("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    vault_sha256_hex("abd", 3, hex);
    assert_string_not_equal(hex,
                            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_hash_known_answer(void **state)
{
    unsigned char h[VAULT_ID_BYTES], h2[VAULT_ID_BYTES];
    char hex[2 * VAULT_ID_BYTES + 1];
    vault_hash("abc", 3, h);
    hex_of(h, sizeof h, hex);
    /* BLAKE2b-256("abc"), from Python's hashlib */
    assert_string_equal(hex, "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
    vault_hash("", 0, h);
    hex_of(h, sizeof h, hex);
    assert_string_equal(hex, "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
    vault_hash("abd", 3, h2);
    DIFFERENT(h, h2, sizeof h);
}

static void test_hex_round_trip(void **state)
{
    unsigned char in[64], back[64];
    char hex[2 * sizeof in + 1];
    fill_pattern(in, sizeof in, 7);
    for (size_t n = 0; n <= sizeof in; n++) {
        vault_to_hex(in, n, hex);
        assert_int_equal(strlen(hex), 2 * n);
        assert_int_equal(vault_from_hex(hex, back, sizeof back), (long)n);
        SAME(in, back, n);
    }
    unsigned char b[4];
    vault_to_hex("\x01\xab\xff", 3, hex);
    assert_string_equal(hex, "01abff");
    assert_int_equal(vault_from_hex("01ABFF", b, sizeof b), 3); /* upper case is fine */
    assert_int_equal(b[1], 0xab);
    assert_int_equal(vault_from_hex("abc", b, sizeof b), -1);        /* odd length */
    assert_int_equal(vault_from_hex("zz", b, sizeof b), -1);         /* not hex */
    assert_int_equal(vault_from_hex("00 11", b, sizeof b), -1);      /* space */
    assert_int_equal(vault_from_hex("0011223344", b, sizeof b), -1); /* 5 > 4 bytes */
    assert_int_equal(vault_from_hex("00112233", b, sizeof b), 4);    /* exactly 4 */
    assert_int_equal(vault_from_hex("", b, sizeof b), 0);
    assert_int_equal(vault_from_hex(NULL, b, sizeof b), -1);
}

static void test_b64_round_trip(void **state)
{
    unsigned char in[64], back[64];
    fill_pattern(in, sizeof in, 250);
    for (size_t n = 0; n <= sizeof in; n++) {
        Buf b = {0};
        buf_puts(&b, "p:"); /* appends after what is there */
        vault_to_b64(in, n, &b);
        assert_int_equal(strncmp(b.data, "p:", 2), 0);
        assert_int_equal(strlen(b.data), b.len);
        assert_null(strpbrk(b.data + 2, "+/="));
        assert_int_equal(vault_from_b64(b.data + 2, back, sizeof back), (long)n);
        SAME(in, back, n);
        buf_free(&b);
    }
    Buf b = {0};
    vault_to_b64("\xfb\xff", 2, &b);
    assert_string_equal(b.data, "-_8"); /* URL-safe alphabet, no padding */
    buf_free(&b);
    unsigned char out[2];
    assert_int_equal(vault_from_b64("-_8", out, sizeof out), 2);
    assert_int_equal(vault_from_b64("+/8", out, sizeof out), -1);  /* standard alphabet */
    assert_int_equal(vault_from_b64("-_8=", out, sizeof out), -1); /* padding */
    assert_int_equal(vault_from_b64("AAAA", out, sizeof out), -1); /* 3 bytes > 2 */
    assert_int_equal(vault_from_b64("AB", out, sizeof out), -1);   /* non-zero spare bits */
    assert_int_equal(vault_from_b64("A", out, sizeof out), -1);    /* impossible length */
    assert_int_equal(vault_from_b64(NULL, out, sizeof out), -1);
    /* Bytes above 0x7f are no base64 (libsodium 1.0.18 alone would read each as '_'; found by
     * tests/fuzz/fuzz_vault.c, corpus/vault/regress_b64_high_bytes). */
    unsigned char three[3];
    assert_int_equal(vault_from_b64("\xa1\xe6\xe1\xec", three, sizeof three), -1);
    assert_int_equal(vault_from_b64("____", three, sizeof three), 3);
    assert_int_equal(vault_from_b64("-_\xff", out, sizeof out), -1);
    assert_int_equal(vault_from_b64("-\x80"
                                    "8",
                                    out, sizeof out),
                     -1);
    assert_int_equal(vault_from_hex("\xe1\xe1", out, sizeof out), -1);
}

static void test_random(void **state)
{
    char a[2 * 100 + 1], b[2 * 100 + 1];
    vault_random_hex(a, 0);
    assert_string_equal(a, "");
    vault_random_hex(a, 100); /* longer than the internal 32-byte block */
    vault_random_hex(b, 100);
    assert_int_equal(strlen(a), 200);
    assert_int_equal(strspn(a, "0123456789abcdef"), 200);
    assert_string_not_equal(a, b);

    unsigned char r1[32], r2[32];
    vault_random(r1, sizeof r1);
    vault_random(r2, sizeof r2);
    DIFFERENT(r1, r2, sizeof r1);

    int seen[10] = {0};
    for (int i = 0; i < 10000; i++) {
        uint32_t v = vault_random_uniform(10);
        assert_true(v < 10);
        seen[v]++;
    }
    for (int i = 0; i < 10; i++)
        assert_true(seen[i] > 800 && seen[i] < 1200);
}

static void test_equal(void **state)
{
    assert_int_equal(vault_equal("abcd", "abcd", 4), 1);
    assert_int_equal(vault_equal("abcd", "abce", 4), 0);
    assert_int_equal(vault_equal("xbcd", "abcd", 4), 0);
    assert_int_equal(vault_str_equal("token", "token"), 1);
    assert_int_equal(vault_str_equal("token", "tokem"), 0);
    assert_int_equal(vault_str_equal("token", "token2"), 0);
    assert_int_equal(vault_str_equal("token2", "token"), 0);
    assert_int_equal(vault_str_equal("", ""), 1);
    assert_int_equal(vault_str_equal("", "a"), 0);
    assert_int_equal(vault_str_equal(NULL, "a"), 0);
}

static void test_secret_memory(void **state)
{
    unsigned char *p = vault_secret_alloc(100);
    assert_non_null(p);
    memset(p, 0xAA, 100);
    vault_wipe(p, 100);
    for (int i = 0; i < 100; i++)
        assert_int_equal(p[i], 0);
    vault_secret_free(p);
    vault_secret_free(NULL);
    unsigned char *z = vault_secret_alloc(0);
    assert_non_null(z);
    vault_secret_free(z);
    VaultPwCost d = vault_pw_cost_default();
    assert_int_equal(d.ops, 2);                 /* OPSLIMIT_INTERACTIVE */
    assert_int_equal(d.mem, 64u * 1024 * 1024); /* MEMLIMIT_INTERACTIVE */
}

/* ---- keys ---- */

/* ---- secret memory: the per-thread arena ---- */

/* 1 when p lies inside the calling thread's arena. */
static int in_my_arena(const void *p)
{
    size_t len = 0;
    const unsigned char *start = vault_secret_arena_view(&len);
    const unsigned char *q = p;
    return start && q >= start && q < start + len;
}

/* Runs of four 0xA5 bytes in the calling thread's arena: the fill the tests write into secrets
 * (a header never holds four in a row). */
static size_t arena_pattern_runs(void)
{
    size_t len = 0, runs = 0;
    const unsigned char *p = vault_secret_arena_view(&len);
    for (size_t i = 0; p && i + 4 <= len; i += 4)
        runs += p[i] == 0xA5 && p[i + 1] == 0xA5 && p[i + 2] == 0xA5 && p[i + 3] == 0xA5;
    return runs;
}

static uint64_t secret_fallbacks(void)
{
    VaultSecretStats s;
    vault_secret_stats(&s);
    return s.fallbacks;
}

static unsigned secret_arenas(void)
{
    VaultSecretStats s;
    vault_secret_stats(&s);
    return s.arenas;
}

/* A block of n bytes filled with tag, aligned, and (when small) from the thread's arena. */
static unsigned char *tagged_block(size_t n, unsigned char tag)
{
    unsigned char *p = vault_secret_alloc(n);
    assert_non_null(p);
    assert_int_equal((uintptr_t)p % 16, 0);
    memset(p, tag, n);
    return p;
}

static void test_secret_arena_mixed_order(void **state)
{
    enum { N = 120 };
    unsigned char *blocks[N];
    size_t sizes[N];
    uint64_t fallbacks = secret_fallbacks();
    for (int round = 0; round < 3; round++) {
        for (size_t i = 0; i < N; i++) {
            sizes[i] = 1 + (i * 37 + (size_t)round * 11) % 300; /* 1..300 bytes, every class */
            blocks[i] = tagged_block(sizes[i], (unsigned char)(i + 1));
            assert_true(in_my_arena(blocks[i]));
        }
        for (size_t i = 0; i < N; i++) /* nothing overlaps: every block kept its own tag */
            for (size_t k = 0; k < sizes[i]; k++)
                assert_int_equal(blocks[i][k], (unsigned char)(i + 1));
        /* free in an order unlike the allocation's: odd ones backwards, then the even ones */
        for (size_t i = N - 1; i < N; i -= 2)
            vault_secret_free(blocks[i]);
        for (size_t i = 0; i < N; i += 2)
            vault_secret_free(blocks[i]);
    }
    /* the later rounds reused the freed blocks: no allocation had to go elsewhere */
    assert_int_equal(secret_fallbacks(), fallbacks);
}

static void test_secret_arena_wipes_on_free(void **state)
{
    enum { N = 24 };
    unsigned char *blocks[N];
    size_t before = arena_pattern_runs();
    assert_int_equal(before, 0);
    for (size_t i = 0; i < N; i++)
        blocks[i] = tagged_block(32 + 16 * i, 0xA5);
    /* the view sees the secrets: this test can fail */
    assert_true(arena_pattern_runs() >= N * 8);
    for (size_t i = 0; i < N; i += 3)
        vault_secret_free(blocks[i]);
    for (size_t i = N - 1; i < N; i--)
        if (i % 3)
            vault_secret_free(blocks[i]);
    assert_int_equal(arena_pattern_runs(), 0);
    /* a fresh block from a freed one starts zeroed */
    unsigned char *again = vault_secret_alloc(32);
    assert_true(in_my_arena(again));
    for (size_t k = 0; k < 32; k++)
        assert_int_equal(again[k], 0);
    vault_secret_free(again);
}

static void test_secret_fallback(void **state)
{
    uint64_t fallbacks = secret_fallbacks();
    unsigned char *largest = tagged_block(VAULT_SECRET_ARENA_MAX, 0x11);
    assert_true(in_my_arena(largest));
    assert_int_equal(secret_fallbacks(), fallbacks);
    unsigned char *big = tagged_block(VAULT_SECRET_ARENA_MAX + 1, 0x22);
    assert_false(in_my_arena(big));
    assert_int_equal(secret_fallbacks(), fallbacks + 1);
    unsigned char *huge = tagged_block(1 << 20, 0x33);
    assert_false(in_my_arena(huge));
    assert_int_equal(secret_fallbacks(), fallbacks + 2);
    assert_int_equal(largest[VAULT_SECRET_ARENA_MAX - 1], 0x11);
    vault_secret_free(huge);
    vault_secret_free(big);
    vault_secret_free(largest);

    /* a full arena: the rest go to sodium_malloc until blocks come back */
    enum { MAX_BLOCKS = 64 };
    unsigned char *blocks[MAX_BLOCKS];
    size_t n = 0, from_arena = 0;
    fallbacks = secret_fallbacks();
    while (n < MAX_BLOCKS && secret_fallbacks() == fallbacks) {
        blocks[n] = tagged_block(VAULT_SECRET_ARENA_MAX, 0x44);
        from_arena += in_my_arena(blocks[n]);
        n++;
    }
    assert_true(n < MAX_BLOCKS);  /* the arena filled up */
    assert_true(from_arena >= 8); /* after holding a good number of the largest blocks */
    assert_int_equal(from_arena, n - 1);
    for (size_t i = 0; i < n; i++)
        vault_secret_free(blocks[i]);
    fallbacks = secret_fallbacks();
    for (size_t i = 0; i < from_arena; i++) {
        blocks[i] = tagged_block(VAULT_SECRET_ARENA_MAX, 0x55);
        assert_true(in_my_arena(blocks[i]));
    }
    assert_int_equal(secret_fallbacks(), fallbacks);
    for (size_t i = 0; i < from_arena; i++)
        vault_secret_free(blocks[i]);
}

/* Runs fn in a child process; 1 when the child died of SIGABRT. */
static int aborts(void (*fn)(void))
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct rlimit no_core = {0, 0};
        setrlimit(RLIMIT_CORE, &no_core); /* an abort here is the expected outcome */
        fn();
        _exit(0);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

static void free_twice(void)
{
    unsigned char *p = vault_secret_alloc(32);
    unsigned char *q = vault_secret_alloc(32); /* keeps the arena busy */
    vault_secret_free(p);
    vault_secret_free(p);
    vault_secret_free(q);
}

static void free_foreign(void)
{
    static _Alignas(16) unsigned char not_secret[64];
    vault_secret_free(not_secret + 16);
}

static void free_once(void)
{
    vault_secret_free(vault_secret_alloc(32));
    vault_secret_free(vault_secret_alloc(VAULT_SECRET_ARENA_MAX + 1));
}

static void test_secret_misuse_aborts(void **state)
{
    assert_false(aborts(free_once)); /* the check itself can tell */
    assert_true(aborts(free_twice));
    assert_true(aborts(free_foreign));
}

/* ---- threads: each has its own arena; a block may be freed by another thread ---- */

enum { THREAD_ITERATIONS = 3000, THREAD_LIVE = 16, THREADS = 4 };

typedef struct Handoff {
    pthread_mutex_t lock;
    unsigned char *slot[THREADS]; /* a block one thread leaves for another to free */
    unsigned char tag[THREADS];
    size_t size[THREADS];
} Handoff;

typedef struct ThreadRun {
    Handoff *handoff;
    unsigned id;
    int failed; /* cmocka's asserts are for the main thread: a worker only records */
} ThreadRun;

static int block_intact(const unsigned char *p, size_t n, unsigned char tag)
{
    for (size_t k = 0; k < n; k++)
        if (p[k] != tag)
            return 0;
    return 1;
}

/* Takes the block another thread left in its slot, if any, checks and frees it. */
static void handoff_take(ThreadRun *r, unsigned from)
{
    Handoff *h = r->handoff;
    pthread_mutex_lock(&h->lock);
    unsigned char *p = h->slot[from];
    size_t n = h->size[from];
    unsigned char tag = h->tag[from];
    h->slot[from] = NULL;
    pthread_mutex_unlock(&h->lock);
    if (p && !block_intact(p, n, tag))
        r->failed = 1;
    vault_secret_free(p);
}

static void *secret_thread(void *arg)
{
    ThreadRun *r = arg;
    unsigned char *live[THREAD_LIVE] = {0};
    size_t size[THREAD_LIVE] = {0};
    unsigned char tag = (unsigned char)(0x10 + r->id);
    uint32_t x = 2463534242u + r->id;
    for (unsigned i = 0; i < THREAD_ITERATIONS; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5; /* xorshift: a fixed, varied order */
        size_t k = x % THREAD_LIVE;
        if (live[k]) {
            if (!block_intact(live[k], size[k], tag))
                r->failed = 1;
            if (x & 0x100) { /* leave it for the next thread to free */
                Handoff *h = r->handoff;
                pthread_mutex_lock(&h->lock);
                unsigned char *old = h->slot[r->id];
                h->slot[r->id] = live[k];
                h->size[r->id] = size[k];
                h->tag[r->id] = tag;
                pthread_mutex_unlock(&h->lock);
                vault_secret_free(old); /* not taken yet: ours to free (still intact) */
            } else {
                vault_secret_free(live[k]);
            }
            live[k] = NULL;
        } else {
            size[k] = 1 + (x >> 8) % (x & 0x10000 ? 9000 : 600); /* some past the arena */
            live[k] = vault_secret_alloc(size[k]);
            if ((uintptr_t)live[k] % 16)
                r->failed = 1;
            memset(live[k], tag, size[k]);
        }
        handoff_take(r, (r->id + 1) % THREADS);
    }
    for (size_t k = 0; k < THREAD_LIVE; k++) {
        if (live[k] && !block_intact(live[k], size[k], tag))
            r->failed = 1;
        vault_secret_free(live[k]);
    }
    return NULL;
}

static void *blocks_left_behind(void *arg)
{
    unsigned char **out = arg;
    for (size_t i = 0; i < 8; i++) {
        out[i] = vault_secret_alloc(64);
        memset(out[i], 0x66, 64);
    }
    return NULL;
}

static void *blocks_all_back(void *arg)
{
    unsigned char *p = vault_secret_alloc(48);
    *(int *)arg = in_my_arena(p) && secret_arenas() > 0;
    vault_secret_free(p);
    return NULL;
}

static void test_secret_threads(void **state)
{
    unsigned arenas = secret_arenas();
    /* a thread that gave every block back: its arena goes with it */
    int had_arena = 0;
    pthread_t quiet;
    assert_int_equal(pthread_create(&quiet, NULL, blocks_all_back, &had_arena), 0);
    assert_int_equal(pthread_join(quiet, NULL), 0);
    assert_true(had_arena);
    assert_int_equal(secret_arenas(), arenas);

    Handoff handoff = {.lock = PTHREAD_MUTEX_INITIALIZER};
    ThreadRun runs[THREADS];
    pthread_t threads[THREADS];
    for (unsigned i = 0; i < THREADS; i++) {
        runs[i] = (ThreadRun){.id = i, .handoff = &handoff};
        assert_int_equal(pthread_create(&threads[i], NULL, secret_thread, &runs[i]), 0);
    }
    for (unsigned i = 0; i < THREADS; i++)
        assert_int_equal(pthread_join(threads[i], NULL), 0);
    for (unsigned i = 0; i < THREADS; i++) {
        assert_int_equal(runs[i].failed, 0);
        if (handoff.slot[i])
            assert_true(block_intact(handoff.slot[i], handoff.size[i], handoff.tag[i]));
        vault_secret_free(handoff.slot[i]); /* freed after the thread that made it is gone */
    }
    /* every thread's arena went away with its thread and its last block */
    assert_int_equal(secret_arenas(), arenas);

    /* a thread that exits with blocks out: its arena stays until the last comes back */
    unsigned char *left[8];
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, blocks_left_behind, left), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(secret_arenas(), arenas + 1);
    for (size_t i = 0; i < 8; i++) {
        assert_false(in_my_arena(left[i]));
        assert_true(block_intact(left[i], 64, 0x66));
    }
    for (size_t i = 8; i-- > 0;) {
        vault_secret_free(left[i]);
        assert_int_equal(secret_arenas(), i ? arenas + 1 : arenas);
    }
}

static void test_derive_known_answer(void **state)
{
    unsigned char master[32], a[32], b[32];
    char hex[65];
    for (int i = 0; i < 32; i++)
        master[i] = (unsigned char)i;
    vault_derive(master, 1, "orgdata1", a);
    hex_of(a, sizeof a, hex);
    /* BLAKE2b(key=master, salt=LE64(1)||0^8, person="orgdata1"||0^8), from Python's hashlib */
    assert_string_equal(hex, "d6c748e7b91190230da4ce0a04dd52b29927c2b96fae1ad62919729e1afa2d25");
    vault_derive(master, 1, "orgdata1", b);
    SAME(a, b, 32);
    vault_derive(master, 2, "orgdata1", b);
    DIFFERENT(a, b, 32);
    vault_derive(master, 1, "orgdata2", b);
    DIFFERENT(a, b, 32);
    master[0] ^= 1;
    vault_derive(master, 1, "orgdata1", b);
    DIFFERENT(a, b, 32);
}

static void test_blind_index(void **state)
{
    unsigned char key[32], a[VAULT_ID_BYTES], b[VAULT_ID_BYTES];
    char hex[65];
    const char *url = "https://example.com/a";
    for (int i = 0; i < 32; i++)
        key[i] = (unsigned char)i;
    vault_blind_index(key, "url", url, strlen(url), a);
    hex_of(a, sizeof a, hex);
    /* BLAKE2b-256(key, "url" || 0x00 || url), from Python's hashlib */
    assert_string_equal(hex, "8023475d1cd1bf17aba54fe7fd41fbf1f921e2e828e35bf00d44c8dd4ad16533");
    vault_blind_index(key, "url", url, strlen(url), b);
    SAME(a, b, sizeof a);
    vault_blind_index(key, "phone", url, strlen(url), b);
    DIFFERENT(a, b, sizeof a);
    vault_blind_index(key, "url", url, strlen(url) - 1, b);
    DIFFERENT(a, b, sizeof a);
    /* The separator keeps domain and value apart: ("url", "x") is not ("urlx", ""). */
    vault_blind_index(key, "url", "x", 1, a);
    vault_blind_index(key, "urlx", "", 0, b);
    DIFFERENT(a, b, sizeof a);
    key[31] ^= 0x80;
    vault_blind_index(key, "url", "x", 1, b);
    DIFFERENT(a, b, sizeof a);
}

/* ---- wraps ---- */

static void test_wrap_round_trip(void **state)
{
    unsigned char *key = vault_secret_alloc(VAULT_KEY_BYTES);
    unsigned char *secret = vault_secret_alloc(32), *back = vault_secret_alloc(32);
    vault_key_new(key);
    vault_key_new(secret);
    Buf w1 = {0}, w2 = {0};
    vault_wrap(key, secret, 32, "orgsk:user:1", &w1);
    vault_wrap(key, secret, 32, "orgsk:user:1", &w2);
    assert_int_equal(w1.len, 1 + 24 + 32 + 16);
    assert_int_equal((unsigned char)w1.data[0], 0x11);
    DIFFERENT(w1.data, w2.data, w1.len); /* fresh nonce */
    assert_int_equal(vault_unwrap(key, w1.data, w1.len, "orgsk:user:1", back, 32), 0);
    SAME(secret, back, 32);
    assert_int_equal(vault_unwrap(key, w2.data, w2.len, "orgsk:user:1", back, 32), 0);
    SAME(secret, back, 32);

    /* empty secret */
    Buf w0 = {0};
    vault_wrap(key, NULL, 0, "empty", &w0);
    assert_int_equal(vault_unwrap(key, w0.data, w0.len, "empty", back, 0), 0);
    assert_int_equal(vault_unwrap(key, w0.data, w0.len, "empti", back, 0), -1);

    buf_free(&w0);
    buf_free(&w1);
    buf_free(&w2);
    vault_secret_free(key);
    vault_secret_free(secret);
    vault_secret_free(back);
}

static void test_wrap_failures(void **state)
{
    unsigned char key[32], other[32], secret[32], back[32];
    vault_key_new(key);
    vault_key_new(other);
    vault_random(secret, sizeof secret);
    Buf w = {0};
    vault_wrap(key, secret, 32, "caseA", &w);
    unsigned char *blob = (unsigned char *)w.data;

    for (size_t i = 0; i < w.len; i++) {
        for (size_t f = 0; f < sizeof flips; f++) {
            blob[i] ^= flips[f];
            memset(back, 0x55, sizeof back);
            assert_int_equal(vault_unwrap(key, blob, w.len, "caseA", back, 32), -1);
            for (size_t j = 0; j < sizeof back; j++)
                assert_int_equal(back[j], 0); /* nothing half-opened is left */
            blob[i] ^= flips[f];
        }
    }
    assert_int_equal(vault_unwrap(key, blob, w.len, "caseA", back, 32), 0);
    assert_int_equal(vault_unwrap(other, blob, w.len, "caseA", back, 32), -1);
    assert_int_equal(vault_unwrap(key, blob, w.len, "caseB", back, 32), -1);
    assert_int_equal(vault_unwrap(key, blob, w.len, "caseA ", back, 32), -1);
    assert_int_equal(vault_unwrap(key, blob, w.len, NULL, back, 32), -1);
    assert_int_equal(vault_unwrap(key, blob, w.len, "caseA", back, 31), -1);
    assert_int_equal(vault_unwrap(key, blob, w.len - 1, "caseA", back, 31), -1);
    assert_int_equal(vault_unwrap(key, blob, 0, "caseA", back, 0), -1);
    assert_int_equal(vault_unwrap(key, NULL, 0, "caseA", back, 0), -1);

    /* A wrap is not any other kind of blob. */
    Buf out = {0};
    assert_int_equal(vault_pw_unwrap("pw", blob, w.len, "caseA", back, 32), -1);
    assert_int_equal(vault_field_decrypt(key, "t", "c", "1", blob, w.len, &out), -1);
    assert_int_equal(out.len, 0);
    assert_null(vault_stream_decrypt_start(key, "f1", blob, vault_stream_header_bytes()));
    buf_free(&out);
    buf_free(&w);
}

static void test_pw_wrap_round_trip(void **state)
{
    unsigned char secret[32], back[32];
    vault_random(secret, sizeof secret);
    Buf w = {0};
    assert_int_equal(vault_pw_wrap("correct horse", test_cost, secret, 32, "orgsk:alice", &w), 0);
    assert_int_equal(w.len, 1 + 16 + 8 + 8 + 24 + 32 + 16);
    assert_int_equal((unsigned char)w.data[0], 0x12);
    VaultPwCost c = {0, 0};
    assert_int_equal(vault_pw_cost_of(w.data, w.len, &c), 0);
    assert_int_equal(c.ops, test_cost.ops);
    assert_int_equal(c.mem, test_cost.mem);
    /* stored little-endian right after version and salt */
    assert_int_equal((unsigned char)w.data[17], 1);
    assert_int_equal((unsigned char)w.data[25 + 2], 0x80);
    assert_int_equal(vault_pw_unwrap("correct horse", w.data, w.len, "orgsk:alice", back, 32), 0);
    SAME(secret, back, 32);
    assert_int_equal(vault_pw_unwrap("correct horsf", w.data, w.len, "orgsk:alice", back, 32), -1);
    assert_int_equal(vault_pw_unwrap("", w.data, w.len, "orgsk:alice", back, 32), -1);
    assert_int_equal(vault_pw_unwrap("correct horse", w.data, w.len, "orgsk:bob", back, 32), -1);
    assert_int_equal(vault_pw_unwrap("correct horse", w.data, w.len, "orgsk:alice", back, 31), -1);

    /* the same password wraps differently each time (salt and nonce) */
    Buf w2 = {0};
    assert_int_equal(vault_pw_wrap("correct horse", test_cost, secret, 32, "orgsk:alice", &w2), 0);
    DIFFERENT(w.data + 1, w2.data + 1, 16);
    buf_free(&w2);

    /* the other kinds refuse a password wrap */
    unsigned char key[32];
    vault_key_new(key);
    assert_int_equal(vault_unwrap(key, w.data, w.len, "orgsk:alice", back, 32), -1);
    assert_int_equal(vault_pw_cost_of(w.data, w.len - 33, &c), -1);
    buf_free(&w);
}

static void test_pw_wrap_tamper_every_byte(void **state)
{
    unsigned char secret[32], back[32];
    vault_random(secret, sizeof secret);
    Buf w = {0};
    assert_int_equal(vault_pw_wrap("pw", test_cost, secret, 32, "ad", &w), 0);
    unsigned char *blob = (unsigned char *)w.data;
    for (size_t i = 0; i < w.len; i++) {
        for (size_t f = 0; f < sizeof flips; f++) {
            blob[i] ^= flips[f];
            memset(back, 0x55, sizeof back);
            assert_int_equal(vault_pw_unwrap("pw", blob, w.len, "ad", back, 32), -1);
            for (size_t j = 0; j < sizeof back; j++)
                assert_int_equal(back[j], 0);
            blob[i] ^= flips[f];
        }
    }
    assert_int_equal(vault_pw_unwrap("pw", blob, w.len, "ad", back, 32), 0);
    SAME(secret, back, 32);
    buf_free(&w);
}

static void put_le64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void test_pw_cost_limits(void **state)
{
    unsigned char secret[8] = "12345678", back[8];
    Buf w = {0};
    VaultPwCost bad[] = {{0, 8192}, {65, 8192}, {1, 8191}, {1, 0}, {1, (size_t)1 << 30 | 1}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(vault_pw_wrap("pw", bad[i], secret, 8, "ad", &w), -1);
        assert_int_equal(w.len, 0);
    }
    /* the edges that are allowed (cheap ones: at most 8 KiB of memory) */
    VaultPwCost edge = {64, 8192};
    assert_int_equal(vault_pw_wrap("pw", edge, secret, 8, "ad", &w), 0);
    assert_int_equal(vault_pw_unwrap("pw", w.data, w.len, "ad", back, 8), 0);
    SAME(secret, back, 8);
    edge.ops = 1;
    buf_reset(&w);
    assert_int_equal(vault_pw_wrap("pw", edge, secret, 8, "ad", &w), 0);
    assert_int_equal(vault_pw_unwrap("pw", w.data, w.len, "ad", back, 8), 0);

    /* a stored cost is checked before anything is allocated */
    unsigned char *blob = (unsigned char *)w.data;
    unsigned char *ops = blob + 17, *mem = blob + 25;
    VaultPwCost c;
    put_le64(mem, 1ULL << 30); /* exactly 1 GiB: readable, not run here */
    assert_int_equal(vault_pw_cost_of(blob, w.len, &c), 0);
    assert_int_equal(c.mem, 1ULL << 30);
    put_le64(mem, (1ULL << 30) + 1);
    assert_int_equal(vault_pw_cost_of(blob, w.len, &c), -1);
    assert_int_equal(vault_pw_unwrap("pw", blob, w.len, "ad", back, 8), -1);
    put_le64(mem, 1ULL << 40);
    assert_int_equal(vault_pw_unwrap("pw", blob, w.len, "ad", back, 8), -1);
    put_le64(mem, 8192);
    put_le64(ops, 65);
    assert_int_equal(vault_pw_cost_of(blob, w.len, &c), -1);
    assert_int_equal(vault_pw_unwrap("pw", blob, w.len, "ad", back, 8), -1);
    put_le64(ops, UINT64_MAX);
    assert_int_equal(vault_pw_unwrap("pw", blob, w.len, "ad", back, 8), -1);
    put_le64(ops, 0);
    assert_int_equal(vault_pw_unwrap("pw", blob, w.len, "ad", back, 8), -1);
    put_le64(ops, 1);
    assert_int_equal(vault_pw_unwrap("pw", blob, w.len, "ad", back, 8), 0);
    buf_free(&w);
}

static void test_seal(void **state)
{
    unsigned char pk[32], pk2[32];
    unsigned char *sk = vault_secret_alloc(32), *sk2 = vault_secret_alloc(32);
    unsigned char secret[32], back[32];
    vault_org_keypair(pk, sk);
    vault_org_keypair(pk2, sk2);
    DIFFERENT(pk, pk2, 32);
    vault_key_new(secret);
    Buf s = {0};
    vault_seal(pk, secret, 32, &s);
    assert_int_equal(s.len, 1 + 48 + 32);
    assert_int_equal((unsigned char)s.data[0], 0x13);
    assert_int_equal(vault_seal_open(pk, sk, s.data, s.len, back, 32), 0);
    SAME(secret, back, 32);
    assert_int_equal(vault_seal_open(pk2, sk2, s.data, s.len, back, 32), -1);
    assert_int_equal(vault_seal_open(pk, sk2, s.data, s.len, back, 32), -1);
    assert_int_equal(vault_seal_open(pk, sk, s.data, s.len, back, 31), -1);
    assert_int_equal(vault_seal_open(pk, sk, s.data, s.len - 1, back, 31), -1);
    unsigned char *blob = (unsigned char *)s.data;
    for (size_t i = 0; i < s.len; i++) {
        for (size_t f = 0; f < sizeof flips; f++) {
            blob[i] ^= flips[f];
            memset(back, 0x55, sizeof back);
            assert_int_equal(vault_seal_open(pk, sk, blob, s.len, back, 32), -1);
            for (size_t j = 0; j < sizeof back; j++)
                assert_int_equal(back[j], 0);
            blob[i] ^= flips[f];
        }
    }
    assert_int_equal(vault_seal_open(pk, sk, blob, s.len, back, 32), 0);
    buf_free(&s);
    vault_secret_free(sk);
    vault_secret_free(sk2);
}

/* ---- recovery key ---- */

static const char b32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
#define RECOVERY_TEST_CHARS 53 /* characters of a recovery text without dashes */

/* The recovery text without its dashes. */
static void recovery_chars(const char *text, char *chars)
{
    size_t n = 0;
    for (const char *p = text; *p; p++)
        if (*p != '-')
            chars[n++] = *p;
    chars[n] = '\0';
}

static void test_recovery_round_trip(void **state)
{
    char text[VAULT_RECOVERY_TEXT], variant[2 * VAULT_RECOVERY_TEXT], chars[VAULT_RECOVERY_TEXT];
    unsigned char *key = vault_secret_alloc(32), *back = vault_secret_alloc(32);
    for (int round = 0; round < 50; round++) {
        vault_recovery_new(text, key);
        /* 11 groups of 5 (the last of 3) joined by dashes */
        assert_int_equal(strlen(text), 63);
        for (size_t i = 0; i < 63; i++) {
            if (i % 6 == 5)
                assert_int_equal(text[i], '-');
            else
                assert_non_null(strchr(b32_alphabet, text[i]));
        }
        assert_int_equal(vault_recovery_parse(text, back), 0);
        SAME(key, back, 32);

        /* The first 52 characters are the RFC 4648 base32 of the key (and 4 check bits). */
        recovery_chars(text, chars);
        unsigned char dec[33] = {0};
        for (int i = 0; i < 52; i++) {
            unsigned v = (unsigned)(strchr(b32_alphabet, chars[i]) - b32_alphabet);
            for (int bit = 0; bit < 5; bit++)
                if (v & (16u >> bit))
                    dec[(5 * i + bit) / 8] |= (unsigned char)(0x80u >> ((5 * i + bit) % 8));
        }
        SAME(dec, key, 32);

        /* lower case, spaces instead of dashes, or no separators at all */
        size_t n = 0;
        for (const char *p = text; *p; p++) {
            variant[n++] = *p == '-' ? ' ' : (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
            if (*p == '-')
                variant[n++] = ' ';
        }
        variant[n] = '\0';
        memset(back, 0, 32);
        assert_int_equal(vault_recovery_parse(variant, back), 0);
        SAME(key, back, 32);
        memset(back, 0, 32);
        assert_int_equal(vault_recovery_parse(chars, back), 0);
        SAME(key, back, 32);
    }
    char other[VAULT_RECOVERY_TEXT];
    unsigned char *key2 = vault_secret_alloc(32);
    vault_recovery_new(other, key2);
    assert_string_not_equal(text, other);
    DIFFERENT(key, key2, 32);
    vault_secret_free(key2);
    vault_secret_free(key);
    vault_secret_free(back);
}

static void test_recovery_typos(void **state)
{
    char text[VAULT_RECOVERY_TEXT], typo[VAULT_RECOVERY_TEXT];
    unsigned char *key = vault_secret_alloc(32), *back = vault_secret_alloc(32);
    vault_recovery_new(text, key);

    /* Every single changed character, at every position, to every other symbol, is caught. */
    int tried = 0;
    for (size_t i = 0; i < strlen(text); i++) {
        if (text[i] == '-')
            continue;
        for (const char *a = b32_alphabet; *a; a++) {
            if (*a == text[i])
                continue;
            memcpy(typo, text, sizeof text);
            typo[i] = *a;
            memset(back, 0x55, 32);
            assert_int_equal(vault_recovery_parse(typo, back), -1);
            for (int j = 0; j < 32; j++)
                assert_int_equal(back[j], 0);
            tried++;
        }
    }
    assert_int_equal(tried, 53 * 31);

    /* Every swap of two different neighbours is caught too. */
    char chars[VAULT_RECOVERY_TEXT] = {0};
    recovery_chars(text, chars);
    for (size_t i = 0; i + 1 < 53; i++) {
        if (chars[i] == chars[i + 1])
            continue;
        memcpy(typo, chars, sizeof chars);
        typo[i] = chars[i + 1];
        typo[i + 1] = chars[i];
        assert_int_equal(vault_recovery_parse(typo, back), -1);
    }

    /* wrong length and characters outside the alphabet */
    memcpy(typo, chars, sizeof chars);
    typo[52] = '\0';
    assert_int_equal(vault_recovery_parse(typo, back), -1);
    memcpy(typo, chars, 53);
    typo[53] = 'A';
    typo[54] = '\0';
    assert_int_equal(vault_recovery_parse(typo, back), -1);
    const char badc[] = {'0', '1', '8', '9', '=', '_', '.'};
    for (size_t k = 0; k < sizeof badc; k++) {
        memcpy(typo, text, sizeof text);
        typo[0] = badc[k];
        assert_int_equal(vault_recovery_parse(typo, back), -1);
    }
    assert_int_equal(vault_recovery_parse("", back), -1);
    assert_int_equal(vault_recovery_parse(NULL, back), -1);
    assert_int_equal(vault_recovery_parse(text, back), 0);
    SAME(key, back, 32);
    vault_secret_free(key);
    vault_secret_free(back);
}

/* Random garbage of the right length passes all 9 check bits about once in 512 tries. */
static void test_recovery_random_text(void **state)
{
    char text[RECOVERY_TEST_CHARS + 1];
    unsigned char *key = vault_secret_alloc(32);
    uint32_t x = 12345; /* fixed LCG so the run is reproducible */
    int passed = 0;
    for (int round = 0; round < 4000; round++) {
        for (int i = 0; i < RECOVERY_TEST_CHARS; i++) {
            x = x * 1103515245u + 12345u;
            text[i] = b32_alphabet[(x >> 16) & 31];
        }
        text[RECOVERY_TEST_CHARS] = '\0';
        passed += vault_recovery_parse(text, key) == 0;
    }
    /* about 8 expected; a 5-bit check alone would let about 125 through */
    assert_true(passed < 40);
    vault_secret_free(key);
}

/* ---- receipts ---- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

static void test_receipt_new(void **state)
{
    enum { N = 1000 };
    char(*r)[VAULT_RECEIPT_TEXT] = calloc(N, sizeof *r);
    assert_non_null(r);
    int first_digit_seen[10] = {0};
    for (int i = 0; i < N; i++) {
        vault_receipt_new(r[i]);
        assert_int_equal(strlen(r[i]), 24);
        for (int j = 0; j < 24; j++) {
            if (j % 5 == 4)
                assert_int_equal(r[i][j], ' ');
            else
                assert_true(r[i][j] >= '0' && r[i][j] <= '9');
        }
        first_digit_seen[r[i][0] - '0'] = 1;
        char digits[VAULT_RECEIPT_DIGITS + 1];
        assert_int_equal(vault_receipt_parse(r[i], digits), 0);
    }
    for (int d = 0; d < 10; d++)
        assert_true(first_digit_seen[d]);
    qsort(r, N, sizeof *r, cmp_str);
    for (int i = 1; i < N; i++)
        assert_true(strcmp(r[i - 1], r[i]) != 0);
    free(r);
}

static void test_receipt_normalize(void **state)
{
    char d[VAULT_RECEIPT_DIGITS + 1];
    assert_int_equal(vault_receipt_parse("1234 5678 9012 3456 7890", d), 0);
    assert_string_equal(d, "12345678901234567890");
    memset(d, 'x', sizeof d);
    assert_int_equal(vault_receipt_parse("1234-5678-9012-3456-7890", d), 0);
    assert_string_equal(d, "12345678901234567890");
    assert_int_equal(vault_receipt_parse("12345678901234567890", d), 0);
    assert_int_equal(vault_receipt_parse("  1234--5678 9012-3456 7890 ", d), 0);
    assert_string_equal(d, "12345678901234567890");
    assert_int_equal(vault_receipt_parse("1234 5678 9012 3456 789", d), -1);   /* 19 */
    assert_int_equal(vault_receipt_parse("1234 5678 9012 3456 78901", d), -1); /* 21 */
    assert_int_equal(vault_receipt_parse("1234 5678 9012 3456 7890 1234 5678 9012", d), -1);
    assert_int_equal(vault_receipt_parse("1234 5678 9012 3456 789O", d), -1); /* letter O */
    assert_int_equal(vault_receipt_parse("abcd efgh ijkl mnop qrst", d), -1);
    assert_int_equal(vault_receipt_parse("1234.5678.9012.3456.7890", d), -1);
    assert_int_equal(vault_receipt_parse("", d), -1);
    assert_int_equal(vault_receipt_parse(NULL, d), -1);
}

/* The one parser takes a receipt however it was written down: what sign-in always took (full-width
 * digits and dashes, ideographic spaces, tabs) now also holds on the receipt page's own form. */
static void test_receipt_parse_forgiving(void **state)
{
    char d[VAULT_RECEIPT_DIGITS + 1];
    static const char *const same[] = {
        "1234\t5678 9012 3456 7890",
        "\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93\xef\xbc\x94 5678 9012 3456 7890", /* １２３４ */
        "1234\xe3\x80\x80"
        "5678\xe3\x80\x80"
        "9012 3456 7890", /* U+3000 */
        "1234\xef\xbc\x8d"
        "5678-9012-3456-7890", /* U+FF0D */
        "\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93\xef\xbc\x94\xef\xbc\x95\xef\xbc\x96\xef\xbc\x97"
        "\xef\xbc\x98\xef\xbc\x99\xef\xbc\x90"
        "1234567890",
    };
    for (size_t i = 0; i < sizeof same / sizeof *same; i++) {
        memset(d, 'x', sizeof d);
        assert_int_equal(vault_receipt_parse(same[i], d), 0);
        assert_string_equal(d, "12345678901234567890");
    }
    /* Both sides of the length limit hold for full-width digits too: 19 and 21 fail. */
    assert_int_equal(vault_receipt_parse("\xef\xbc\x91"
                                         "234 5678 9012 3456 789",
                                         d),
                     -1);
    assert_int_equal(vault_receipt_parse("\xef\xbc\x91"
                                         "234 5678 9012 3456 78901",
                                         d),
                     -1);
    assert_int_equal(vault_receipt_parse("1234 5678 9012 3456 7890\xef\xbc\x91", d), -1);
    /* Other full-width or multibyte characters, and cut-off sequences, are not digits. */
    assert_int_equal(vault_receipt_parse("\xef\xbc\xa1"
                                         "234 5678 9012 3456 7890",
                                         d),
                     -1); /* Ａ */
    assert_int_equal(vault_receipt_parse("1234 5678 9012 3456 7890\xef\xbc", d), -1);
    assert_int_equal(vault_receipt_parse("1234 5678 9012 3456 7890\xe3\x80", d), -1);
    assert_int_equal(vault_receipt_parse("1234\n5678 9012 3456 7890", d), -1);
    /* A failure leaves no digits behind. */
    memset(d, 'x', sizeof d);
    assert_int_equal(vault_receipt_parse("1234 5678 9012 3456 789", d), -1);
    for (size_t i = 0; i < sizeof d; i++)
        assert_int_equal(d[i], 0);
}

/* ---- the key protocol: the typed calls keep the associated data and labels of stored data ----
 * Each wrap made by a typed call opens with the generic unwrap under the exact string that data
 * written before the typed calls carries, and fails under a neighbour's; each opener opens such
 * an old wrap. Changing one of these strings would lock every installation out of its data. */

static void check_wrap(const unsigned char *key, const Buf *w, const char *ad, const char *other_ad,
                       const unsigned char *secret, size_t n)
{
    unsigned char back[2 * VAULT_KEY_BYTES];
    assert_int_equal(vault_unwrap(key, w->data, w->len, ad, back, n), 0);
    SAME(back, secret, n);
    assert_int_equal(vault_unwrap(key, w->data, w->len, other_ad, back, n), -1);
}

static void test_protocol_case_keys(void **state)
{
    unsigned char k[VAULT_KEY_BYTES], ck[VAULT_KEY_BYTES], back[VAULT_KEY_BYTES];
    fill_pattern(k, sizeof k, 1);
    fill_pattern(ck, sizeof ck, 2);
    Buf w = {0}, old = {0};
    vault_case_key_wrap_for_receipt(k, "c0ffee", ck, &w);
    check_wrap(k, &w, "case-receipt:c0ffee", "case-org:c0ffee", ck, sizeof ck);
    assert_int_equal(vault_case_key_open_with_receipt(k, "c0ffef", w.data, w.len, back), -1);
    vault_wrap(k, ck, sizeof ck, "case-receipt:c0ffee", &old);
    assert_int_equal(vault_case_key_open_with_receipt(k, "c0ffee", old.data, old.len, back), 0);
    SAME(back, ck, sizeof ck);
    assert_int_equal(vault_case_key_open_with_org(k, "c0ffee", old.data, old.len, back), -1);
    buf_free(&w);
    buf_free(&old);
    /* Staff's wrap is under the org data key, subkey 1 "orgdata1" of the org secret key. */
    unsigned char dk[VAULT_KEY_BYTES];
    vault_derive(k, 1, "orgdata1", dk);
    vault_case_key_wrap_for_org(k, "c0ffee", ck, &w);
    check_wrap(dk, &w, "case-org:c0ffee", "case-receipt:c0ffee", ck, sizeof ck);
    assert_int_equal(vault_unwrap(k, w.data, w.len, "case-org:c0ffee", back, sizeof back), -1);
    vault_wrap(dk, ck, sizeof ck, "case-org:c0ffee", &old);
    assert_int_equal(vault_case_key_open_with_org(k, "c0ffee", old.data, old.len, back), 0);
    SAME(back, ck, sizeof ck);
    assert_int_equal(vault_case_key_open_with_org(k, "c0ffef", old.data, old.len, back), -1);
    buf_free(&w);
    buf_free(&old);
    /* Seals: a case key to the org, the org key to an account; each opens with the other call. */
    unsigned char pk[VAULT_KEY_BYTES], *sk = vault_secret_alloc(VAULT_KEY_BYTES);
    vault_org_keypair(pk, sk);
    vault_case_key_seal(pk, ck, &w);
    assert_int_equal(vault_seal_open(pk, sk, w.data, w.len, back, sizeof back), 0);
    SAME(back, ck, sizeof ck);
    assert_int_equal(vault_org_key_unseal(pk, sk, w.data, w.len, back), 0);
    buf_free(&w);
    vault_org_key_seal(pk, ck, &w);
    assert_int_equal(vault_case_key_unseal(pk, sk, w.data, w.len, back), 0);
    SAME(back, ck, sizeof ck);
    buf_free(&w);
    vault_secret_free(sk);
}

static void test_protocol_derivations(void **state)
{
    unsigned char m[VAULT_KEY_BYTES], a[VAULT_KEY_BYTES], b[VAULT_KEY_BYTES];
    fill_pattern(m, sizeof m, 3);
    vault_org_data_key(m, a);
    vault_derive(m, 1, "orgdata1", b);
    SAME(a, b, sizeof a);
    vault_blind_key(m, a);
    vault_derive(m, 2, "blindidx", b);
    SAME(a, b, sizeof a);
    vault_totp_key(m, 7, a);
    vault_derive(m, 7, "totpkey2", b);
    SAME(a, b, sizeof a);
    vault_totp_key(m, 8, b);
    DIFFERENT(a, b, sizeof a);
    char csrf[VAULT_CSRF_TEXT], hex[VAULT_CSRF_TEXT];
    vault_session_csrf(m, csrf);
    vault_derive(m, 1, "csrftokn", b);
    hex_of(b, sizeof b, hex);
    assert_string_equal(csrf, hex);
}

static void test_protocol_staff_and_sessions(void **state)
{
    unsigned char k[VAULT_KEY_BYTES], s[2 * VAULT_KEY_BYTES], back[2 * VAULT_KEY_BYTES];
    unsigned char id_hash[VAULT_ID_BYTES];
    fill_pattern(k, sizeof k, 4);
    fill_pattern(s, sizeof s, 5);
    fill_pattern(id_hash, sizeof id_hash, 6);
    Buf w = {0};
    assert_int_equal(vault_staff_key_wrap("alice", "admin", "pw", test_cost, s, &w), 0);
    assert_int_equal(
        vault_pw_unwrap("pw", w.data, w.len, "staff-account:alice:admin", back, VAULT_KEY_BYTES),
        0);
    SAME(back, s, VAULT_KEY_BYTES);
    assert_int_equal(vault_staff_key_unwrap("alice", "admin", "pw", w.data, w.len, back), 0);
    assert_int_equal(vault_staff_key_unwrap("alice", "auditor", "pw", w.data, w.len, back), -1);
    assert_int_equal(vault_staff_key_unwrap("alicf", "admin", "pw", w.data, w.len, back), -1);
    assert_int_equal(vault_staff_key_unwrap("alice", "admin", "pX", w.data, w.len, back), -1);
    buf_free(&w);
    vault_staff_key_decoy("anything"); /* one Argon2id, no result, no crash */
    vault_staff_key_decoy(NULL);
    vault_recovery_wrap(k, s, &w);
    check_wrap(k, &w, "org-recovery", "org-recoverz", s, VAULT_KEY_BYTES);
    assert_int_equal(vault_recovery_unwrap(k, w.data, w.len, back), 0);
    SAME(back, s, VAULT_KEY_BYTES);
    buf_free(&w);
    char hex[2 * VAULT_ID_BYTES + 1], ad[200];
    hex_of(id_hash, sizeof id_hash, hex);
    vault_session_wrap(k, id_hash, "staff", 42, NULL, s, sizeof s, &w);
    snprintf(ad, sizeof ad, "session2:%s:staff:42:", hex);
    check_wrap(k, &w, ad, "session2:", s, sizeof s);
    assert_int_equal(
        vault_session_unwrap(k, id_hash, "staff", 42, NULL, w.data, w.len, back, sizeof s), 0);
    assert_int_equal(
        vault_session_unwrap(k, id_hash, "staff", 43, NULL, w.data, w.len, back, sizeof s), -1);
    assert_int_equal(
        vault_session_unwrap(k, id_hash, "victim", 42, NULL, w.data, w.len, back, sizeof s), -1);
    buf_free(&w);
    vault_session_wrap(k, id_hash, "victim", 0, "c0ffee", s, VAULT_KEY_BYTES, &w);
    snprintf(ad, sizeof ad, "session2:%s:victim:0:c0ffee", hex);
    check_wrap(k, &w, ad, "session2:", s, VAULT_KEY_BYTES);
    assert_int_equal(vault_session_unwrap(k, id_hash, "victim", 0, "c0ffef", w.data, w.len, back,
                                          VAULT_KEY_BYTES),
                     -1);
    buf_free(&w);
}

static void test_receipt_derive(void **state)
{
    unsigned char salt[VAULT_SALT_BYTES], salt2[VAULT_SALT_BYTES];
    unsigned char id1[32], id2[32];
    unsigned char *k1 = vault_secret_alloc(32), *k2 = vault_secret_alloc(32);
    vault_random(salt, sizeof salt);
    memcpy(salt2, salt, sizeof salt);
    salt2[15] ^= 1;
    const char *digits = "12345678901234567890";
    assert_int_equal(vault_receipt_derive(digits, salt, vault_pw_cost_default(), id1, k1), 0);
    assert_int_equal(vault_receipt_derive(digits, salt, vault_pw_cost_default(), id2, k2), 0);
    SAME(id1, id2, 32);
    SAME(k1, k2, 32);
    DIFFERENT(id1, k1, 32); /* lookup id and key are different subkeys */
    assert_int_equal(vault_receipt_derive(digits, salt2, vault_pw_cost_default(), id2, k2), 0);
    DIFFERENT(id1, id2, 32);
    DIFFERENT(k1, k2, 32);
    assert_int_equal(
        vault_receipt_derive("12345678901234567891", salt, vault_pw_cost_default(), id2, k2), 0);
    DIFFERENT(id1, id2, 32);
    DIFFERENT(k1, k2, 32);
    /* only the normalized form is accepted */
    char short_digits[VAULT_RECEIPT_DIGITS + 1] = "1234567890123456789";
    assert_int_equal(vault_receipt_derive(short_digits, salt, vault_pw_cost_default(), id2, k2),
                     -1);
    assert_int_equal(
        vault_receipt_derive("1234567890123456789a", salt, vault_pw_cost_default(), id2, k2), -1);
    assert_int_equal(
        vault_receipt_derive("123456789012345678901", salt, vault_pw_cost_default(), id2, k2), -1);
    /* The benchmark's minimum cost is a different derivation (both sides must use the same), and a
     * cost outside libsodium's range is refused. */
    VaultPwCost min = vault_pw_cost_min(), bad = {0, 0};
    assert_int_equal(vault_receipt_derive(digits, salt, min, id2, k2), 0);
    DIFFERENT(id1, id2, 32);
    DIFFERENT(k1, k2, 32);
    unsigned char id3[32];
    unsigned char *k3 = vault_secret_alloc(32);
    assert_int_equal(vault_receipt_derive(digits, salt, min, id3, k3), 0);
    SAME(id2, id3, 32);
    SAME(k2, k3, 32);
    vault_secret_free(k3);
    assert_int_equal(vault_receipt_derive(digits, salt, bad, id2, k2), -1);
    vault_secret_free(k1);
    vault_secret_free(k2);
}

/* ---- fields ---- */

static size_t field_len(const unsigned char *key, size_t n)
{
    unsigned char *pt = calloc(n ? n : 1, 1);
    Buf out = {0};
    vault_field_encrypt(key, "t", "c", "1", pt, n, &out);
    size_t len = out.len;
    buf_free(&out);
    free(pt);
    return len;
}

static void test_field_round_trip(void **state)
{
    unsigned char key[32];
    vault_key_new(key);
    const size_t sizes[] = {0, 1, 15, 63, 64, 255, 256, 1000, 4095, 4096, 16383, 16384, 40000};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t n = sizes[s];
        unsigned char *pt = malloc(n + 1);
        fill_pattern(pt, n, (unsigned)s);
        if (n > 1) { /* bytes that look like padding at the end must survive */
            pt[n - 2] = 0x80;
            pt[n - 1] = 0x00;
        }
        Buf ct = {0}, out = {0};
        buf_puts(&ct, "prefix"); /* encrypt appends */
        vault_field_encrypt(key, "targets", "url", "42", pt, n, &ct);
        assert_int_equal((unsigned char)ct.data[6], 0x14);
        buf_puts(&out, "x");
        assert_int_equal(
            vault_field_decrypt(key, "targets", "url", "42", ct.data + 6, ct.len - 6, &out), 0);
        assert_int_equal(out.len, n + 1);
        assert_int_equal(out.data[0], 'x');
        SAME(out.data + 1, pt, n);
        assert_int_equal(out.data[out.len], '\0');
        buf_free(&ct);
        buf_free(&out);
        free(pt);
    }
}

static void test_field_padding(void **state)
{
    unsigned char key[32];
    vault_key_new(key);
    const size_t over = 1 + 24 + 16;
    assert_int_equal(field_len(key, 0), 64 + over);
    assert_int_equal(field_len(key, 1), field_len(key, 60));
    assert_int_equal(field_len(key, 63), 64 + over);
    assert_int_equal(field_len(key, 64), 256 + over);
    assert_int_equal(field_len(key, 255), 256 + over);
    assert_int_equal(field_len(key, 256), 1024 + over);
    assert_int_equal(field_len(key, 1023), 1024 + over);
    assert_int_equal(field_len(key, 1024), 4096 + over);
    assert_int_equal(field_len(key, 4095), 4096 + over);
    assert_int_equal(field_len(key, 4096), 16384 + over);
    assert_int_equal(field_len(key, 16383), 16384 + over);
    assert_int_equal(field_len(key, 16384), 32768 + over);
    assert_int_equal(field_len(key, 32767), 32768 + over);
    assert_int_equal(field_len(key, 32768), 49152 + over);
}

static void test_field_tamper_every_byte(void **state)
{
    unsigned char key[32];
    vault_key_new(key);
    const char *pt = "https://example.com/video/123";
    Buf ct = {0}, out = {0};
    vault_field_encrypt(key, "targets", "url", "7", pt, strlen(pt), &ct);
    unsigned char *c = (unsigned char *)ct.data;
    buf_puts(&out, "keep");
    for (size_t i = 0; i < ct.len; i++) {
        for (size_t f = 0; f < sizeof flips; f++) {
            c[i] ^= flips[f];
            assert_int_equal(vault_field_decrypt(key, "targets", "url", "7", c, ct.len, &out), -1);
            assert_int_equal(out.len, 4); /* out is left as it was */
            assert_string_equal(out.data, "keep");
            c[i] ^= flips[f];
        }
    }
    assert_int_equal(vault_field_decrypt(key, "targets", "url", "7", c, ct.len, &out), 0);
    assert_string_equal(out.data + 4, pt);
    assert_int_equal(vault_field_decrypt(key, "targets", "url", "7", c, ct.len - 1, &out), -1);
    assert_int_equal(vault_field_decrypt(key, "targets", "url", "7", c, 0, &out), -1);
    assert_int_equal(vault_field_decrypt(key, "targets", "url", "7", NULL, 0, &out), -1);
    buf_free(&out);
    buf_free(&ct);
}

static void test_field_wrong_context(void **state)
{
    unsigned char key[32], other[32];
    vault_key_new(key);
    vault_key_new(other);
    Buf ct = {0}, out = {0};
    vault_field_encrypt(key, "ab", "c", "12", "secret", 6, &ct);
    assert_int_equal(vault_field_decrypt(key, "ab", "c", "12", ct.data, ct.len, &out), 0);
    assert_string_equal(out.data, "secret");
    buf_reset(&out);
    assert_int_equal(vault_field_decrypt(other, "ab", "c", "12", ct.data, ct.len, &out), -1);
    assert_int_equal(vault_field_decrypt(key, "cases", "c", "12", ct.data, ct.len, &out), -1);
    assert_int_equal(vault_field_decrypt(key, "ab", "d", "12", ct.data, ct.len, &out), -1);
    assert_int_equal(vault_field_decrypt(key, "ab", "c", "13", ct.data, ct.len, &out), -1);
    assert_int_equal(vault_field_decrypt(key, "ab", "c", "1", ct.data, ct.len, &out), -1);
    assert_int_equal(vault_field_decrypt(key, "ab", "c", "123", ct.data, ct.len, &out), -1);
    /* the separators keep names apart: (ab, c) is not (a, bc) nor (ab, c1) with row 2 */
    assert_int_equal(vault_field_decrypt(key, "a", "bc", "12", ct.data, ct.len, &out), -1);
    assert_int_equal(vault_field_decrypt(key, "abc", "", "12", ct.data, ct.len, &out), -1);
    assert_int_equal(vault_field_decrypt(key, "ab", "c1", "2", ct.data, ct.len, &out), -1);
    assert_int_equal(out.len, 0);
    /* a field is not a wrap */
    unsigned char back[6];
    assert_int_equal(vault_unwrap(key, ct.data, ct.len, "ab", back, 6), -1);
    buf_free(&out);
    buf_free(&ct);
}

/* ---- streams ---- */

#define MAX_CHUNKS 8
#define CHUNK VAULT_STREAM_CHUNK
#define CT_CHUNK (VAULT_STREAM_CHUNK + 17)

typedef struct Chunks {
    Buf hdr;
    Buf chunk[MAX_CHUNKS];
    size_t n;
} Chunks;

/* A file of total bytes as the upload sink writes it: full chunks, then the end and padding. */
static void stream_make(const unsigned char *key, const char *id, const unsigned char *pt,
                        size_t total, Chunks *c)
{
    memset(c, 0, sizeof *c);
    VaultStream *st = vault_stream_encrypt_start(key, id, &c->hdr);
    assert_non_null(st);
    size_t off = 0;
    while (total - off > CHUNK) {
        vault_stream_encrypt_push(st, pt + off, CHUNK, &c->chunk[c->n++]);
        off += CHUNK;
    }
    int more = vault_stream_encrypt_final(st, pt + off, total - off, &c->chunk[c->n++]);
    while (more) {
        assert_true(c->n < MAX_CHUNKS);
        more = vault_stream_encrypt_final(st, NULL, 0, &c->chunk[c->n++]);
    }
    vault_stream_free(st);
}

static void chunks_free(Chunks *c)
{
    buf_free(&c->hdr);
    for (size_t i = 0; i < MAX_CHUNKS; i++)
        buf_free(&c->chunk[i]);
}

/* 0 when the whole stream opens, ends with its FINAL chunk and its padding is right; the file
 * into out. */
static int stream_open(const unsigned char *key, const char *id, const Chunks *c, Buf *out)
{
    VaultStream *st = vault_stream_decrypt_start(key, id, c->hdr.data, c->hdr.len);
    if (!st)
        return -1;
    int last = 0, rc = 0;
    for (size_t i = 0; i < c->n && rc == 0; i++) {
        if (last) /* a chunk after FINAL */
            rc = -1;
        else
            rc = vault_stream_decrypt_pull(st, c->chunk[i].data, c->chunk[i].len, out, &last);
    }
    rc = rc == 0 && last ? vault_stream_decrypt_end(st, out) : -1;
    vault_stream_free(st);
    return rc;
}

static void test_stream_buckets(void **state)
{
    const size_t K64 = 64 * 1024;
    assert_int_equal(vault_stream_bucket(0), K64);
    assert_int_equal(vault_stream_bucket(K64 - 1), K64); /* the data and its 0x80 mark fill it */
    assert_int_equal(vault_stream_bucket(K64), 2 * K64);
    assert_int_equal(vault_stream_bucket(2 * K64 - 1), 2 * K64);
    assert_int_equal(vault_stream_bucket(2 * K64), 4 * K64);
    assert_int_equal(vault_stream_bucket(300 * 1024), 8 * K64);
    assert_int_equal(vault_stream_bucket(10u * 1024 * 1024), 16u * 1024 * 1024);
}

static void test_stream_round_trip(void **state)
{
    unsigned char key[32];
    vault_key_new(key);
    const size_t sizes[] = {0, 1, 10, CHUNK - 1, CHUNK, CHUNK + 1000, 3 * CHUNK, 3 * CHUNK + 1};
    unsigned char *pt = malloc(4 * CHUNK);
    fill_pattern(pt, 4 * CHUNK, 3);
    assert_int_equal(vault_stream_header_bytes(), 25);
    assert_int_equal(vault_stream_chunk_overhead(), 17);
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        Chunks c;
        stream_make(key, "0123abcd", pt, sizes[k], &c);
        assert_int_equal(c.hdr.len, vault_stream_header_bytes());
        assert_int_equal((unsigned char)c.hdr.data[0], 0x25);
        /* Every chunk is full: the size on disk is the bucket's. */
        assert_int_equal(c.n, vault_stream_bucket(sizes[k]) / CHUNK);
        for (size_t i = 0; i < c.n; i++)
            assert_int_equal(c.chunk[i].len, CT_CHUNK);
        Buf out = {0};
        assert_int_equal(stream_open(key, "0123abcd", &c, &out), 0);
        assert_int_equal(out.len, sizes[k]);
        if (sizes[k])
            SAME(out.data, pt, sizes[k]);
        buf_free(&out);
        chunks_free(&c);
    }
    /* Two sizes within one bucket are the same size encrypted. */
    Chunks a, b;
    stream_make(key, "a", pt, 100, &a);
    stream_make(key, "b", pt, 60000, &b);
    assert_int_equal(a.n, b.n);
    assert_int_equal(a.chunk[0].len, b.chunk[0].len);
    chunks_free(&a);
    chunks_free(&b);
    free(pt);
}

static void test_stream_bound_to_file_id_and_key(void **state)
{
    unsigned char key[32], other[32];
    vault_key_new(key);
    vault_key_new(other);
    unsigned char pt[500];
    fill_pattern(pt, sizeof pt, 5);
    Chunks c;
    stream_make(key, "aaaa0001", pt, sizeof pt, &c);
    Buf out = {0};
    assert_int_equal(stream_open(key, "aaaa0001", &c, &out), 0);
    /* Under another file's name, or another case's key: nothing opens, nothing is returned. */
    for (int i = 0; i < 3; i++) {
        const char *id = i == 0 ? "aaaa0002" : i == 1 ? "aaaa000" : "aaaa0001";
        buf_reset(&out);
        assert_int_equal(stream_open(i == 2 ? other : key, id, &c, &out), -1);
        assert_int_equal(out.len, 0);
    }
    buf_free(&out);
    chunks_free(&c);
}

/* Flips bits at the edges and through the middle of every part (all of the header). */
static void test_stream_tamper(void **state)
{
    unsigned char key[32];
    vault_key_new(key);
    size_t total = CHUNK + 20;
    unsigned char *pt = malloc(total);
    fill_pattern(pt, total, 9);
    Chunks c;
    stream_make(key, "f", pt, total, &c);
    assert_int_equal(c.n, 2);
    Buf *parts[3] = {&c.hdr, &c.chunk[0], &c.chunk[1]};
    Buf out = {0};
    for (int p = 0; p < 3; p++) {
        unsigned char *d = (unsigned char *)parts[p]->data;
        size_t len = parts[p]->len;
        for (size_t i = 0; i < len; i = (i < 64 || i + 64 >= len) ? i + 1 : i + 4099) {
            for (size_t f = 0; f < sizeof flips; f++) {
                d[i] ^= flips[f];
                buf_reset(&out);
                assert_int_equal(stream_open(key, "f", &c, &out), -1);
                d[i] ^= flips[f];
            }
        }
    }
    buf_reset(&out);
    assert_int_equal(stream_open(key, "f", &c, &out), 0);
    SAME(out.data, pt, total);

    /* a stream that failed once refuses even the right chunk afterwards */
    VaultStream *st = vault_stream_decrypt_start(key, "f", c.hdr.data, c.hdr.len);
    int last = 0;
    c.chunk[0].data[3] ^= 1;
    assert_int_equal(vault_stream_decrypt_pull(st, c.chunk[0].data, c.chunk[0].len, &out, &last),
                     -1);
    c.chunk[0].data[3] ^= 1;
    assert_int_equal(vault_stream_decrypt_pull(st, c.chunk[0].data, c.chunk[0].len, &out, &last),
                     -1);
    assert_int_equal(vault_stream_decrypt_end(st, &out), -1);
    vault_stream_free(st);
    /* header of the wrong length, or of version 1 */
    assert_null(vault_stream_decrypt_start(key, "f", c.hdr.data, c.hdr.len - 1));
    c.hdr.data[0] = 0x15;
    assert_null(vault_stream_decrypt_start(key, "f", c.hdr.data, c.hdr.len));
    buf_free(&out);
    chunks_free(&c);
    free(pt);
}

static void test_stream_truncation_and_order(void **state)
{
    unsigned char key[32];
    vault_key_new(key);
    size_t total = 2 * CHUNK + 100;
    unsigned char *pt = malloc(total);
    fill_pattern(pt, total, 1);
    Chunks c;
    stream_make(key, "f", pt, total, &c);
    assert_int_equal(c.n, 4); /* 256 KiB */
    Buf out = {0};
    int last = 0;

    /* truncated: the FINAL chunk is missing, so the reader never sees last, and end refuses */
    VaultStream *st = vault_stream_decrypt_start(key, "f", c.hdr.data, c.hdr.len);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(
            vault_stream_decrypt_pull(st, c.chunk[i].data, c.chunk[i].len, &out, &last), 0);
        assert_int_equal(last, 0);
    }
    assert_int_equal(vault_stream_decrypt_end(st, &out), -1);
    vault_stream_free(st);
    Chunks cut = c;
    cut.n = 3;
    buf_reset(&out);
    assert_int_equal(stream_open(key, "f", &cut, &out), -1);

    /* a dropped middle chunk */
    Chunks dropped = c;
    dropped.chunk[1] = c.chunk[2];
    dropped.chunk[2] = c.chunk[3];
    dropped.n = 3;
    assert_int_equal(stream_open(key, "f", &dropped, &out), -1);

    /* swapped chunks */
    Chunks swapped = c;
    swapped.chunk[0] = c.chunk[1];
    swapped.chunk[1] = c.chunk[0];
    assert_int_equal(stream_open(key, "f", &swapped, &out), -1);

    /* chunks of another stream of the same file id and key */
    Chunks c2;
    stream_make(key, "f", pt, total, &c2);
    Chunks mixed = c;
    mixed.chunk[1] = c2.chunk[1];
    assert_int_equal(stream_open(key, "f", &mixed, &out), -1);
    mixed = c2;
    mixed.hdr = c.hdr;
    assert_int_equal(stream_open(key, "f", &mixed, &out), -1);

    /* chunks too short or too long to be real */
    st = vault_stream_decrypt_start(key, "f", c.hdr.data, c.hdr.len);
    assert_int_equal(vault_stream_decrypt_pull(st, c.chunk[0].data, 16, &out, &last), -1);
    vault_stream_free(st);
    unsigned char *big = calloc(CHUNK + 18, 1);
    st = vault_stream_decrypt_start(key, "f", c.hdr.data, c.hdr.len);
    assert_int_equal(vault_stream_decrypt_pull(st, big, CHUNK + 18, &out, &last), -1);
    vault_stream_free(st);
    free(big);

    buf_reset(&out);
    assert_int_equal(stream_open(key, "f", &c, &out), 0);
    SAME(out.data, pt, total);
    buf_free(&out);
    chunks_free(&c);
    chunks_free(&c2);
    free(pt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_known_answers),
        cmocka_unit_test(test_hash_known_answer),
        cmocka_unit_test(test_hex_round_trip),
        cmocka_unit_test(test_b64_round_trip),
        cmocka_unit_test(test_random),
        cmocka_unit_test(test_equal),
        cmocka_unit_test(test_secret_memory),
        cmocka_unit_test(test_secret_arena_mixed_order),
        cmocka_unit_test(test_secret_arena_wipes_on_free),
        cmocka_unit_test(test_secret_fallback),
        cmocka_unit_test(test_secret_misuse_aborts),
        cmocka_unit_test(test_secret_threads),
        cmocka_unit_test(test_derive_known_answer),
        cmocka_unit_test(test_blind_index),
        cmocka_unit_test(test_wrap_round_trip),
        cmocka_unit_test(test_wrap_failures),
        cmocka_unit_test(test_pw_wrap_round_trip),
        cmocka_unit_test(test_pw_wrap_tamper_every_byte),
        cmocka_unit_test(test_pw_cost_limits),
        cmocka_unit_test(test_seal),
        cmocka_unit_test(test_recovery_round_trip),
        cmocka_unit_test(test_recovery_typos),
        cmocka_unit_test(test_recovery_random_text),
        cmocka_unit_test(test_receipt_new),
        cmocka_unit_test(test_receipt_normalize),
        cmocka_unit_test(test_receipt_parse_forgiving),
        cmocka_unit_test(test_protocol_case_keys),
        cmocka_unit_test(test_protocol_derivations),
        cmocka_unit_test(test_protocol_staff_and_sessions),
        cmocka_unit_test(test_receipt_derive),
        cmocka_unit_test(test_field_round_trip),
        cmocka_unit_test(test_field_padding),
        cmocka_unit_test(test_field_tamper_every_byte),
        cmocka_unit_test(test_field_wrong_context),
        cmocka_unit_test(test_stream_buckets),
        cmocka_unit_test(test_stream_round_trip),
        cmocka_unit_test(test_stream_bound_to_file_id_and_key),
        cmocka_unit_test(test_stream_tamper),
        cmocka_unit_test(test_stream_truncation_and_order),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
