/* The vault: the only module that includes sodium.h. Every key of DESIGN.md section 3 is made,
 * wrapped, derived and wiped here. Secrets live in locked memory from vault_secret_alloc and are
 * wiped with vault_secret_free or vault_wipe right after use.
 *
 * Every blob this module produces starts with a version byte so formats can evolve. All functions
 * returning int give 0 on success and -1 on failure (wrong key, tampered or malformed input); a
 * failure never reveals which check failed. */
#ifndef TAKEDOWN_VAULT_H
#define TAKEDOWN_VAULT_H

#include "buf.h"

#include <stddef.h>
#include <stdint.h>

#define VAULT_KEY_BYTES 32      /* symmetric keys, case keys, org secret and public keys */
#define VAULT_SALT_BYTES 16     /* Argon2id salts */
#define VAULT_ID_BYTES 32       /* lookup ids, blind indexes, hashes */
#define VAULT_RECEIPT_DIGITS 20 /* receipt digits, shown as 5 groups of 4 */
#define VAULT_RECEIPT_TEXT 25   /* "dddd dddd dddd dddd dddd" */
#define VAULT_RECOVERY_TEXT 64  /* recovery key text buffer size (includes the NUL) */
#define VAULT_HEX_KEY_TEXT (2 * VAULT_KEY_BYTES + 1) /* a key as hex, with the NUL */
#define VAULT_CSRF_TEXT VAULT_HEX_KEY_TEXT           /* a session's CSRF token, with the NUL */
#define VAULT_STREAM_CHUNK 65536                     /* plaintext bytes per secretstream chunk */

/* Argon2id cost, stored inside every password wrap so it can be raised later. */
typedef struct VaultPwCost {
    uint64_t ops;
    size_t mem; /* bytes */
} VaultPwCost;

/* sodium_init and self-checks; call once before anything else. Returns 0 or -1. */
int vault_init(void);
/* Argon2id runs in progress now, the most that ever ran at once, and how many ran since start
 * (for /metrics). */
void vault_argon2_stats(unsigned *active, unsigned *peak, uint64_t *runs);
/* Lets at most n Argon2id runs go at once, the others waiting their turn (0: no bound). */
void vault_argon2_limit(unsigned n);
/* The interactive cost (libsodium's OPSLIMIT/MEMLIMIT_INTERACTIVE). */
VaultPwCost vault_pw_cost_default(void);
/* libsodium's minimum (OPSLIMIT/MEMLIMIT_MIN): receipts of a benchmark data dir only
 * (--bench-receipt-kdf-min), never for anything an attacker could guess offline. */
VaultPwCost vault_pw_cost_min(void);

/* Locked memory for secrets, never in a core dump; never returns NULL (aborts). Up to
 * VAULT_SECRET_ARENA_MAX bytes come from the calling thread's arena (one guarded sodium_malloc
 * region per thread, made once), larger ones or those that find it full from a sodium_malloc of
 * their own. Aligned to 16 bytes. Any thread may free a block, in any order. */
#define VAULT_SECRET_ARENA_MAX 4096
void *vault_secret_alloc(size_t n);
void vault_secret_free(void *p); /* wipes and frees; NULL is allowed */
/* Arenas alive now and allocations that got a sodium_malloc of their own (for /metrics). */
typedef struct VaultSecretStats {
    unsigned arenas;
    uint64_t fallbacks;
} VaultSecretStats;
void vault_secret_stats(VaultSecretStats *out);
/* For tests: the calling thread's arena blocks carved so far (headers and payloads, freed ones
 * included), or NULL and *len 0 when it has none. */
const unsigned char *vault_secret_arena_view(size_t *len);
void vault_wipe(void *p, size_t n);

void vault_random(void *out, size_t n);
/* A uniformly random integer in [0, upper). */
uint32_t vault_random_uniform(uint32_t upper);
/* n random bytes encoded as 2n lower-case hex characters plus NUL into out (size >= 2n+1). */
void vault_random_hex(char *out, size_t n);
/* Constant-time comparison of n bytes; 1 when equal. */
int vault_equal(const void *a, const void *b, size_t n);
/* Constant-time comparison of two NUL-terminated strings; 1 when equal. */
int vault_str_equal(const char *a, const char *b);

/* Unkeyed BLAKE2b-256 (e.g. stored hash of a session id). */
void vault_hash(const void *in, size_t n, unsigned char out[VAULT_ID_BYTES]);
/* Hex and URL-safe base64 (no padding) helpers; decoders return the length or -1. */
void vault_to_hex(const void *in, size_t n, char *out /* 2n+1 */);
long vault_from_hex(const char *hex, void *out, size_t max);
void vault_to_b64(const void *in, size_t n, Buf *out);
/* Standard base64 with padding (RFC 4648 section 4), as MIME wants it. */
void vault_to_b64_mime(const void *in, size_t n, Buf *out);
long vault_from_b64(const char *b64, void *out, size_t max);

/* ---- keys ---- */
/* A fresh X25519 keypair (the org's, a staff account's, or a platform desk's); sk must be
 * VAULT_KEY_BYTES of secret memory. */
void vault_org_keypair(unsigned char pk[VAULT_KEY_BYTES], unsigned char *sk);
/* The public half of an X25519 secret key. */
void vault_public_of(const unsigned char *sk, unsigned char pk[VAULT_KEY_BYTES]);
/* 1 when sk is the secret half of pk (a stale org key after a rotation is not). */
int vault_keypair_matches(const unsigned char pk[VAULT_KEY_BYTES], const unsigned char *sk);
/* A fresh random symmetric key (case key, session key) into secret memory. */
void vault_key_new(unsigned char *key);
/* Subkey number id under context ctx (exactly 8 characters, e.g. "orgdata1") of a 32-byte master.
 */
void vault_derive(const unsigned char *master, uint64_t id, const char ctx[8], unsigned char *out);

/* Symmetric wrap of a secret under a 32-byte key with associated data ad (which names what is
 * wrapped and for whom, so a wrap moved elsewhere fails). out receives the whole blob. */
void vault_wrap(const unsigned char *key, const void *secret, size_t n, const char *ad, Buf *out);
/* Unwraps into secret (n bytes expected); -1 if the key, ad or blob is wrong. */
int vault_unwrap(const unsigned char *key, const void *blob, size_t blob_len, const char *ad,
                 void *secret, size_t n);

/* Password wrap: Argon2id(password, random salt, cost) keys the wrap; salt and cost are stored in
 * the blob. Slow on purpose: call from the slow-work pool. */
int vault_pw_wrap(const char *password, VaultPwCost cost, const void *secret, size_t n,
                  const char *ad, Buf *out);
int vault_pw_unwrap(const char *password, const void *blob, size_t blob_len, const char *ad,
                    void *secret, size_t n);
/* The cost recorded inside a password wrap; -1 if the blob is malformed. */
int vault_pw_cost_of(const void *blob, size_t blob_len, VaultPwCost *cost);

/* Recovery key: 32 random bytes shown as text (groups of base32 letters with a checksum).
 * vault_recovery_new fills text and key; vault_recovery_parse accepts the text with any spacing
 * or case and fails on a typo (bad checksum). key must be VAULT_KEY_BYTES of secret memory. */
void vault_recovery_new(char text[VAULT_RECOVERY_TEXT], unsigned char *key);
int vault_recovery_parse(const char *text, unsigned char *key);

/* Sealed box to the org public key (case key at submission, when only the public key is known). */
void vault_seal(const unsigned char pk[VAULT_KEY_BYTES], const void *secret, size_t n, Buf *out);
int vault_seal_open(const unsigned char pk[VAULT_KEY_BYTES], const unsigned char *sk,
                    const void *blob, size_t blob_len, void *secret, size_t n);

/* A notice for a platform's desk, sealed to the desk's public key: crypto_box_seal itself, with
 * no version byte of ours, so that any libsodium binding opens it (a "sealed box"). */
void vault_desk_seal(const unsigned char pk[VAULT_KEY_BYTES], const void *msg, size_t n, Buf *out);
/* Opens it with the desk's keypair into out (appended); 0, or -1 when it is not sealed to pk. */
int vault_desk_open(const unsigned char pk[VAULT_KEY_BYTES], const unsigned char *sk,
                    const void *blob, size_t n, Buf *out);

/* A field for the org written when only the org public key is at hand (what a platform's desk
 * answers): a fresh field key sealed to org_pk, then the field encrypted under it exactly as
 * vault_field_encrypt does (padded, bound to table, column and row). */
void vault_org_field_seal(const unsigned char org_pk[VAULT_KEY_BYTES], const char *table,
                          const char *column, const char *row_id, const void *pt, size_t n,
                          Buf *out);
/* Opens it with the org keypair into out (appended); 0, or -1 when it does not open. */
int vault_org_field_open(const unsigned char org_pk[VAULT_KEY_BYTES], const unsigned char *org_sk,
                         const char *table, const char *column, const char *row_id, const void *ct,
                         size_t n, Buf *out);
/* At an org rotation: the same field with its field key sealed to new_pk instead (the field
 * itself is not touched) into out; 0, or -1 when old_sk does not open it. */
int vault_org_field_reseal(const unsigned char old_pk[VAULT_KEY_BYTES], const unsigned char *old_sk,
                           const unsigned char new_pk[VAULT_KEY_BYTES], const void *ct, size_t n,
                           Buf *out);

/* ---- the key protocol (DESIGN.md section 3): which key wraps which, under what associated data.
 * The associated-data strings and derivation labels are private to vault.c; the service calls
 * only these, never the generic wrap, seal and derive above (left public for tests). Every key is
 * VAULT_KEY_BYTES; a key out-parameter is secret memory. ---- */
/* The org data key, derived from the org secret key: it seals incident labels (and, inside the
 * vault, wraps case keys for staff). */
void vault_org_data_key(const unsigned char *org_sk, unsigned char *out);
/* The key of the blind indexes, derived from the org secret key. */
void vault_blind_key(const unsigned char *org_sk, unsigned char *out);
/* The key of an account's TOTP secret, derived from the account's own secret key. */
void vault_totp_key(const unsigned char *account_sk, int64_t staff_id, unsigned char *out);
/* The case key wrapped under the receipt key, bound to the case id (the victim's way in). */
void vault_case_key_wrap_for_receipt(const unsigned char *receipt_key, const char *case_id,
                                     const unsigned char *case_key, Buf *out);
/* Opens the wrap above into case_key; -1 on a wrong receipt key, case id or blob. */
int vault_case_key_open_with_receipt(const unsigned char *receipt_key, const char *case_id,
                                     const void *blob, size_t blob_len, unsigned char *case_key);
/* The case key wrapped under the org data key of org_sk, bound to the case id (staff's way in). */
void vault_case_key_wrap_for_org(const unsigned char *org_sk, const char *case_id,
                                 const unsigned char *case_key, Buf *out);
/* Opens the wrap above with the org secret key into case_key; -1 on a wrong key, id or blob. */
int vault_case_key_open_with_org(const unsigned char *org_sk, const char *case_id, const void *blob,
                                 size_t blob_len, unsigned char *case_key);
/* The case key sealed to the org public key (at submission, when only that key is known). */
void vault_case_key_seal(const unsigned char org_pk[VAULT_KEY_BYTES], const unsigned char *case_key,
                         Buf *out);
/* Opens the seal above with the org keypair into case_key. */
int vault_case_key_unseal(const unsigned char org_pk[VAULT_KEY_BYTES], const unsigned char *org_sk,
                          const void *blob, size_t blob_len, unsigned char *case_key);
/* The org secret key sealed to a staff account's public key. */
void vault_org_key_seal(const unsigned char account_pk[VAULT_KEY_BYTES],
                        const unsigned char *org_sk, Buf *out);
/* Opens the seal above with the account's keypair into org_sk. */
int vault_org_key_unseal(const unsigned char account_pk[VAULT_KEY_BYTES],
                         const unsigned char *account_sk, const void *blob, size_t blob_len,
                         unsigned char *org_sk);
/* An account's secret key under its password, bound to login and role (slow: Argon2id). */
int vault_staff_key_wrap(const char *login, const char *role, const char *password,
                         VaultPwCost cost, const unsigned char *account_sk, Buf *out);
/* Opens the wrap above into account_sk; -1 on a wrong password, login, role or blob. Slow. */
/* The password wrap of an account made before accounts had keypairs (schemas 1 to 6): it held
 * the org secret key itself (an auditor's: a key of its own) into key (secret memory). */
int vault_staff_legacy_unwrap(const char *login, const char *role, const char *password,
                              const void *blob, size_t blob_len, unsigned char *key);
int vault_staff_key_unwrap(const char *login, const char *role, const char *password,
                           const void *blob, size_t blob_len, unsigned char *account_sk);
/* One Argon2id unwrap of a decoy made once: a missing account costs what a present one does. */
void vault_staff_key_decoy(const char *password);
/* The org secret key under the recovery key. */
void vault_recovery_wrap(const unsigned char *recovery_key, const unsigned char *org_sk, Buf *out);
/* Opens the wrap above into org_sk; -1 on a wrong recovery key or blob. */
int vault_recovery_unwrap(const unsigned char *recovery_key, const void *blob, size_t blob_len,
                          unsigned char *org_sk);
/* A session's unlocking keys (n bytes) under its session key, bound to the hash of its id, its
 * kind, its staff id (0 for victims) and its case id (NULL for staff). */
void vault_session_wrap(const unsigned char *session_key,
                        const unsigned char id_hash[VAULT_ID_BYTES], const char *kind,
                        int64_t staff_id, const char *case_id, const void *keys, size_t n,
                        Buf *out);
/* Opens the wrap above into keys (n bytes expected); -1 on any mismatch. */
int vault_session_unwrap(const unsigned char *session_key,
                         const unsigned char id_hash[VAULT_ID_BYTES], const char *kind,
                         int64_t staff_id, const char *case_id, const void *blob, size_t blob_len,
                         void *keys, size_t n);
/* A session's CSRF token as hex: a subkey of the session key, so it needs no storage. */
void vault_session_csrf(const unsigned char *session_key, char csrf[VAULT_CSRF_TEXT]);

/* ---- receipts ---- */
/* 20 random digits as "dddd dddd dddd dddd dddd". */
void vault_receipt_new(char text[VAULT_RECEIPT_TEXT]);
/* The one receipt parser, for every caller: a receipt however a victim wrote it down. Keeps ASCII
 * and full-width digits, ignores spaces, tabs, ideographic spaces and ASCII or full-width dashes;
 * 0 when exactly 20 digits and nothing else (digits wiped on failure). */
int vault_receipt_parse(const char *typed, char digits[VAULT_RECEIPT_DIGITS + 1]);
/* Argon2id at cost (vault_pw_cost_default, or vault_pw_cost_min in a benchmark data dir) of the
 * 20 digits with the site salt gives a master; from it crypto_kdf derives the lookup id (stored)
 * and the receipt key (secret memory, never stored). Slow at the default cost. */
int vault_receipt_derive(const char digits[VAULT_RECEIPT_DIGITS + 1],
                         const unsigned char salt[VAULT_SALT_BYTES], VaultPwCost cost,
                         unsigned char lookup_id[VAULT_ID_BYTES], unsigned char *receipt_key);

/* ---- fields ---- */
/* XChaCha20-Poly1305-IETF with a random nonce; associated data names format version, table,
 * column and row id; plaintext padded to a bucket (64, 256, 1 KiB, 4 KiB, then multiples of
 * 16 KiB) so lengths leak little. out receives version byte || nonce || ciphertext. */
void vault_field_encrypt(const unsigned char *key, const char *table, const char *column,
                         const char *row_id, const void *pt, size_t n, Buf *out);
/* Decrypts into out (appends; out->data is NUL-terminated); -1 on any mismatch. */
int vault_field_decrypt(const unsigned char *key, const char *table, const char *column,
                        const char *row_id, const void *ct, size_t n, Buf *out);

/* Keyed BLAKE2b blind index of value in a domain ("url", "phone", "sha256"), for matching
 * encrypted values without decrypting them. */
void vault_blind_index(const unsigned char *key, const char *domain, const void *value, size_t n,
                       unsigned char out[VAULT_ID_BYTES]);

/* ---- files: crypto_secretstream_xchacha20poly1305 in VAULT_STREAM_CHUNK chunks ----
 * Each file has its own key, derived from the case key and the file id (a file copied over
 * another file's name does not open), and its plaintext is padded to a bucket (64 KiB, then
 * powers of two; vault_stream_bucket) so its size on disk does not confirm a known image. */
typedef struct VaultStream VaultStream;
/* The padded size of a file of n bytes: the smallest 64 KiB * 2^k above n. */
size_t vault_stream_bucket(size_t n);
/* Starts encrypting file file_id under the case key; appends the header (version byte) to out. */
VaultStream *vault_stream_encrypt_start(const unsigned char *key, const char *file_id, Buf *out);
/* Encrypts a full chunk of exactly VAULT_STREAM_CHUNK bytes that is not the file's last. */
void vault_stream_encrypt_push(VaultStream *st, const void *pt, size_t n, Buf *out);
/* Encrypts the file's last n bytes (at most a chunk; 0 for none), then its padding, one chunk per
 * call: call again with n = 0 and pt NULL while it returns 1; 0 when the stream has ended. */
int vault_stream_encrypt_final(VaultStream *st, const void *pt, size_t n, Buf *out);
/* Starts decrypting file file_id from a header produced above; NULL if malformed. */
VaultStream *vault_stream_decrypt_start(const unsigned char *key, const char *file_id,
                                        const void *hdr, size_t hdr_len);
size_t vault_stream_header_bytes(void);
/* Bytes of ciphertext for a plaintext chunk of n bytes. */
size_t vault_stream_chunk_overhead(void);
/* Decrypts one ciphertext chunk; *last set when it was the final chunk. -1 on tampering. */
int vault_stream_decrypt_pull(VaultStream *st, const void *ct, size_t n, Buf *out, int *last);
/* After the final chunk: checks the padding and removes it from the end of out (which holds the
 * stream's plaintext last). -1 when the stream did not end or its padding is wrong. */
int vault_stream_decrypt_end(VaultStream *st, Buf *out);
void vault_stream_free(VaultStream *st);

/* SHA-256 of data (fingerprint check), hex into out (65 bytes). */
void vault_sha256_hex(const void *in, size_t n, char out[65]);

/* ---- backups and the erasure log ---- */
/* Streaming unkeyed BLAKE2b-256 (a backup member's checksum); final frees the state. */
typedef struct VaultHash VaultHash;
VaultHash *vault_hash_start(void);
void vault_hash_update(VaultHash *h, const void *in, size_t n);
void vault_hash_final(VaultHash *h, unsigned char out[VAULT_ID_BYTES]);
/* BLAKE2b-256 of a case id under a fixed domain key: what the erasure log keeps of a case. */
void vault_erasure_digest(const char *case_id, unsigned char out[VAULT_ID_BYTES]);

#endif
