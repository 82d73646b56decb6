/* Staff accounts and the org key (DESIGN section 3): init, add, disable, passwords, recovery,
 * sign-in and TOTP. No HTTP here; takedownctl and the API both call these. Every function that
 * runs Argon2id is slow on purpose: the server calls it from the slow-work pool. */
#ifndef TAKEDOWN_STAFF_H
#define TAKEDOWN_STAFF_H

#include "buf.h"
#include "session.h"
#include "vault.h"

#include <stdint.h>

typedef enum StaffResult {
    STAFF_OK = 0,
    STAFF_BAD_CREDENTIALS, /* wrong login, password or recovery key: never says which */
    STAFF_TOTP_REQUIRED,   /* the password was right; a code is needed */
    STAFF_TOTP_BAD,        /* wrong or replayed code */
    STAFF_TOTP_ENROL,      /* TOTP is required by the admin and this account has none yet */
    STAFF_EXISTS,
    STAFF_NOT_FOUND,
    STAFF_BAD_LOGIN,    /* login name not allowed */
    STAFF_BAD_PASSWORD, /* password too short or too long */
    STAFF_BAD_ROLE,
    STAFF_FORBIDDEN,  /* the acting account may not do this */
    STAFF_LAST_ADMIN, /* would leave no enabled admin */
    STAFF_NOT_INITIALISED,
    STAFF_ALREADY_INITIALISED,
    STAFF_BUSY,
    STAFF_ERROR,
    STAFF_DISABLED,    /* the account is disabled: nothing may give it keys again */
    STAFF_UNAVAILABLE, /* the disk refused the write (full or failing): nothing was kept */
    STAFF_BAD_EMAIL,   /* not an e-mail address */
} StaffResult;

#define STAFF_PASSWORD_MIN 10
#define STAFF_PASSWORD_MAX 256
#define STAFF_LOGIN_MAX 32

/* A short English description of a result, for takedownctl. */
const char *staff_result_text(StaffResult r);
/* 1 when login is 2..32 of [a-z0-9._-], starting with a letter or digit. */
int staff_login_valid(const char *login);
int staff_password_valid(const char *password);
int staff_role_valid(const char *role);

/* Creates the org keys and the first admin; fills recovery_text (shown once). */
StaffResult staff_init(const char *admin_login, const char *password, VaultPwCost cost,
                       char recovery_text[VAULT_RECOVERY_TEXT], int64_t now);
/* admin_login/admin_password authorise; the new account gets the org key (or, for an auditor, a
 * key of its own: auditors never read case content). */
StaffResult staff_add(const char *admin_login, const char *admin_password, const char *role,
                      const char *login, const char *password, VaultPwCost cost, int64_t now);
/* Unlocks any account by password: the org secret key it holds into org_sk (auditors: a random
 * key that opens nothing). */
StaffResult staff_unlock(const char *login, const char *password, unsigned char *org_sk);
/* Unlocks an admin account by password: the org secret key into org_sk (VAULT_KEY_BYTES, secret
 * memory). STAFF_FORBIDDEN for an account that is not an admin. */
StaffResult staff_unlock_admin(const char *login, const char *password, unsigned char *org_sk);
/* Disables an account and destroys its key wrap, org seal and TOTP secrets in the same step; the
 * account is first named in the erasure log (refused with STAFF_ERROR if that fails), so that a
 * restore of an older backup disables it again. */
StaffResult staff_disable(const char *admin_login, const char *admin_password, const char *login,
                          int64_t now);
/* Restore only: disables an account the erasure log names (no admin check; keys destroyed as by
 * staff_disable), audited as staff.disable_reapplied by "ctl". */
StaffResult staff_disable_again(int64_t id, const char *login, int64_t now);
StaffResult staff_passwd(const char *login, const char *old_password, const char *new_password,
                         VaultPwCost cost, int64_t now);
/* The recovery key sets a new password for an admin account. */
StaffResult staff_recover(const char *recovery_text, const char *login, const char *new_password,
                          VaultPwCost cost, int64_t now);
/* From a live admin session (which holds the org key): a new password and new keys for another
 * account; its TOTP is cleared (re-enrolment). STAFF_DISABLED for a disabled account. */
StaffResult staff_reset_password(const Session *admin, const char *login, const char *new_password,
                                 VaultPwCost cost, int64_t now);

/* Password (Argon2id), then TOTP if enrolled or required; on success a new session. */
StaffResult staff_sign_in(const char *login, const char *password, const char *totp, int64_t now,
                          char cookie[SESSION_COOKIE_MAX], char csrf[65]);

/* Starts TOTP enrolment: a new secret kept pending until confirmed; fills the otpauth URI and the
 * base32 secret to show. */
StaffResult staff_totp_begin(const Session *s, char uri[256], char secret_b32[64]);
/* Confirms enrolment with a current code of the new generator; an account that already has one
 * must also give a current code of the old (STAFF_TOTP_REQUIRED without it). */
StaffResult staff_totp_confirm(const Session *s, const char *code, const char *current,
                               int64_t now);
/* 1 when the account has a confirmed generator. */
int staff_totp_enrolled(const Session *s);
/* Admin: require TOTP of every account. */
StaffResult staff_require_totp(const Session *admin, int on, int64_t now);

/* Rotation, inside the caller's transaction: the new org secret key sealed to every enabled
 * account but auditors (*sealed counts them), and every staff session ended. */
StoreStatus staff_reseal_tx(StoreConn *c, const unsigned char *new_org_sk, int64_t *sealed);
/* A new recovery key for org_sk: its text (shown once) and the wrap to store. */
void staff_recovery_wrap(const unsigned char *org_sk, char recovery_text[VAULT_RECOVERY_TEXT],
                         Buf *out);

/* A new random password for an account an admin adds or resets, shown once:
 * "xxxx-xxxx-xxxx-xxxx-xxxx-xxxx" (96 random bits as hex). */
#define STAFF_NEW_PASSWORD_TEXT 30
void staff_password_new(char out[STAFF_NEW_PASSWORD_TEXT]);

/* The id of the account with that login, or 0. */
int64_t staff_id_of(const char *login);

/* Appends an audit row in its own transaction ("staff:<login>" as actor). */
void staff_audit(const char *actor, const char *action, const char *subject, const char *detail,
                 int64_t now);

/* Sets where an account's daily digest goes (email NULL or "": none). Admins only; audited
 * (the address is not written to the audit log). STAFF_BAD_EMAIL for an address that is not one. */
StaffResult staff_set_digest(const Session *admin, const char *login, const char *email,
                             int64_t now);

#endif
