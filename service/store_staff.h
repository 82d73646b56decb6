/* Store queries for the org keys, staff accounts, sessions and the audit log. */
#ifndef TAKEDOWN_STORE_STAFF_H
#define TAKEDOWN_STORE_STAFF_H

#include "buf.h"
#include "store.h"
#include "vault.h"

#include <stdint.h>

typedef struct OrgRow {
    unsigned char public_key[VAULT_KEY_BYTES];
    Buf recovery_wrap; /* owned */
    unsigned char receipt_salt[16];
    int require_totp;
    int64_t key_epoch; /* 1 at init, +1 at every rotation */
} OrgRow;

typedef struct StaffRow {
    int64_t id;
    char login[64];
    char role[16];
    Buf key_wrap;     /* owned; the account secret key under the password; len 0 once disabled */
    Buf public_key;   /* owned; the account's X25519 public key; len 0 before 0007 or disabled */
    Buf org_seal;     /* owned; the org secret key sealed to public_key; len 0 for auditors */
    Buf totp_secret;  /* owned; len 0 when not enrolled */
    Buf totp_pending; /* owned */
    int64_t totp_last_step;
    int disabled;
} StaffRow;

typedef struct SessionRow {
    char kind[8];
    int64_t staff_id;
    char case_id[64];
    Buf key_wrap; /* owned */
    int64_t created_at, last_seen, expires_at;
} SessionRow;

typedef struct AuditRow {
    int64_t id, at;
    char actor[80], action[48], subject[64], detail[128];
} AuditRow;

/* Free the buffers the rows own. */
void org_row_free(OrgRow *o);
void staff_row_free(StaffRow *s);
void session_row_free(SessionRow *s);

/* ---- org ---- */

/* Reads the org row; STORE_NOT_FOUND before init. */
StoreStatus store_org_get(StoreConn *c, OrgRow *out);
/* Creates the one org row (init); STORE_CONFLICT when it exists. */
StoreStatus store_org_insert(StoreConn *c, const unsigned char pk[VAULT_KEY_BYTES],
                             const Buf *recovery_wrap, const unsigned char salt[16], int64_t now);
/* Sets whether staff must use TOTP to sign in. */
StoreStatus store_org_set_require_totp(StoreConn *c, int on);
/* A rotation: the new public key and recovery wrap, and the next key epoch. */
StoreStatus store_org_rotate(StoreConn *c, const unsigned char pk[VAULT_KEY_BYTES],
                             const Buf *recovery_wrap);

/* ---- staff ---- */

/* An account's keys: the password wrap of its secret key, its public key and the org secret key
 * sealed to it (org_seal may be empty: auditors). */
typedef struct StaffKeys {
    const Buf *key_wrap;
    const unsigned char *public_key; /* VAULT_KEY_BYTES */
    const Buf *org_seal;
} StaffKeys;

/* STORE_CONFLICT when the login exists. *id receives the new id. */
StoreStatus store_staff_insert(StoreConn *c, const char *login, const char *role,
                               const StaffKeys *keys, int64_t now, int64_t *id);
/* Reads an account by login (the caller frees out); STORE_NOT_FOUND when none. */
StoreStatus store_staff_by_login(StoreConn *c, const char *login, StaffRow *out);
/* Reads an account by id (the caller frees out); STORE_NOT_FOUND when none. */
StoreStatus store_staff_by_id(StoreConn *c, int64_t id, StaffRow *out);
/* A new password for the same keys (the account's own password change). Like set_keys, never on a
 * disabled account (STORE_NOT_FOUND): a disable that lands while the Argon2id runs wins. */
StoreStatus store_staff_set_wrap(StoreConn *c, int64_t id, const Buf *key_wrap, int64_t now);
/* New keys for an account (admin reset, recovery): its TOTP is cleared, it must enrol again. */
StoreStatus store_staff_set_keys(StoreConn *c, int64_t id, const StaffKeys *keys, int64_t now);
/* Disables an account and destroys its key wrap, org seal and TOTP secrets. */
StoreStatus store_staff_disable(StoreConn *c, int64_t id);
/* Rotation: the new org secret key sealed to an account (NULL: none). */
StoreStatus store_staff_set_org_seal(StoreConn *c, int64_t id, const Buf *org_seal);
/* Every enabled account with keys: id, role and public key (VAULT_KEY_BYTES). */
StoreStatus store_staff_each_keyed(StoreConn *c,
                                   void (*cb)(void *arg, int64_t id, const char *role,
                                              const unsigned char *public_key),
                                   void *arg);
/* Sets the pending (enrolment) TOTP secret; NULL clears it. */
StoreStatus store_staff_set_totp_pending(StoreConn *c, int64_t id, const Buf *enc);
/* Makes the pending TOTP secret the confirmed one, used at step; STORE_NOT_FOUND when none. */
StoreStatus store_staff_confirm_totp(StoreConn *c, int64_t id, int64_t step);
/* Records a used time step; STORE_CONFLICT when step is not newer than the last one (replay). */
StoreStatus store_staff_use_totp_step(StoreConn *c, int64_t id, int64_t step);
/* Number of enabled admins. */
StoreStatus store_staff_count_admins(StoreConn *c, int64_t *n);
/* Every account by login, for the admin page: id, login, role, disabled, totp enrolled. */
StoreStatus store_staff_list(StoreConn *c,
                             void (*cb)(void *arg, int64_t id, const char *login, const char *role,
                                        int disabled, int totp),
                             void *arg);

/* ---- sessions ---- */

/* Stores a session under the hash of its id (staff_id 0: a victim's). */
StoreStatus store_session_insert(StoreConn *c, const unsigned char id_hash[VAULT_ID_BYTES],
                                 const char *kind, int64_t staff_id, const char *case_id,
                                 const Buf *key_wrap, int64_t now, int64_t expires_at);
/* Reads a session by the hash of its id; STORE_NOT_FOUND when none. */
StoreStatus store_session_get(StoreConn *c, const unsigned char id_hash[VAULT_ID_BYTES],
                              SessionRow *out);
/* Sets a session's last_seen to now. */
StoreStatus store_session_touch(StoreConn *c, const unsigned char id_hash[VAULT_ID_BYTES],
                                int64_t now);
/* Deletes one session (sign-out). */
StoreStatus store_session_delete(StoreConn *c, const unsigned char id_hash[VAULT_ID_BYTES]);
/* Deletes every session of one account. */
StoreStatus store_sessions_delete_staff(StoreConn *c, int64_t staff_id);
/* Ends every staff session (a rotation: they hold the old org key). */
StoreStatus store_sessions_delete_all_staff(StoreConn *c);
/* Deletes sessions past their absolute expiry or idle for longer than idle seconds. */
StoreStatus store_sessions_expire(StoreConn *c, int64_t now, int64_t staff_idle,
                                  int64_t victim_idle);

/* ---- audit ---- */

/* Appends one audit row, chaining its hash to the previous row. Call inside a transaction. */
StoreStatus store_audit_append(StoreConn *c, int64_t now, const char *actor, const char *action,
                               const char *subject, const char *detail);
/* Walks the chain; *bad_id is 0 when intact, else the first row whose hash or link is wrong. */
StoreStatus store_audit_verify(StoreConn *c, int64_t *rows, int64_t *bad_id);
/* One page of the audit log, newest first, before id (0: from the newest), at most limit rows. */
StoreStatus store_audit_page(StoreConn *c, int64_t before, int limit,
                             void (*cb)(void *arg, const AuditRow *r), void *arg);

/* ---- the daily digest's address ---- */

/* Sets (or with NULL clears) where a staff member's digest goes: STORE_NOT_FOUND for no such
 * login. */
StoreStatus store_staff_set_digest(StoreConn *c, const char *login, const char *email);
/* The enabled staff who read cases (caseworkers, admins) and gave a digest address. */
StoreStatus store_digest_recipients(StoreConn *c, void (*cb)(void *arg, int64_t staff_id),
                                    void *arg);
/* A staff member's digest address, "" when none or disabled. */
StoreStatus store_digest_address(StoreConn *c, int64_t staff_id, char *out, size_t n);
/* Each staff member's digest address (those who gave one). */
StoreStatus store_staff_digests(StoreConn *c,
                                void (*cb)(void *arg, const char *login, const char *email),
                                void *arg);

/* ---- the checker key's public half ---- */

/* pk (or NULL to turn unattended checks off). */
StoreStatus store_org_set_checker_key(StoreConn *c, const unsigned char *pk);
/* STORE_NOT_FOUND when none is set. */
StoreStatus store_org_checker_key(StoreConn *c, unsigned char pk[VAULT_KEY_BYTES]);

#endif
