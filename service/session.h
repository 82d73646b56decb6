/* Sessions for staff and victims (DESIGN section 3): the cookie holds a random id and a random
 * session key; the database holds only a hash of the id and the unlocking key (org secret key or
 * case key) wrapped under the session key. A database alone cannot open a session. */
#ifndef TAKEDOWN_SESSION_H
#define TAKEDOWN_SESSION_H

#include "store.h"
#include "vault.h"

#include <stdint.h>

#define SESSION_COOKIE "td_session"
#define SESSION_COOKIE_MAX 160
#define SESSION_STAFF_IDLE (30 * 60)
#define SESSION_STAFF_ABSOLUTE (12 * 3600)
#define SESSION_VICTIM_IDLE (20 * 60)
#define SESSION_VICTIM_ABSOLUTE (2 * 3600)

typedef struct Session {
    char kind[8];     /* "staff" or "victim" */
    int64_t staff_id; /* staff sessions */
    char login[64];
    char role[16];
    unsigned access;    /* ACCESS_* bit of the role (route.h) */
    char case_id[64];   /* victim sessions */
    unsigned char *key; /* owned, locked memory: org secret key or case key (VAULT_KEY_BYTES) */
    unsigned char *account_key; /* owned, locked: a staff account's secret key; NULL for victims */
    unsigned char id_hash[VAULT_ID_BYTES];
    char csrf[65];  /* the CSRF token of this session */
    int must_enrol; /* TOTP is required and this account has none: enrolment pages only */
} Session;

/* Creates a session for the given subject, unlocking key (VAULT_KEY_BYTES: the org secret key or
 * the case key), for staff also the account's secret key, and lifetime. The wrap is bound to the
 * kind and the subject (staff id or case id), so a wrap moved to another row does not open. Writes
 * the cookie value (id and key, never stored) into cookie. Call inside a transaction or alone. */
StoreStatus session_create(StoreConn *c, const char *kind, int64_t staff_id, const char *case_id,
                           const unsigned char *key, const unsigned char *account_key, int64_t now,
                           char cookie[SESSION_COOKIE_MAX], char csrf[65]);
/* Loads and unlocks the session named by a cookie value; NULL when absent, malformed, expired,
 * revoked, or the account is disabled. Touches last_seen at most once a minute. */
Session *session_load(const char *cookie, int64_t now);
void session_free(Session *s);
/* Ends the session (logout). */
StoreStatus session_destroy(Session *s);
/* 1 when token is this session's CSRF token (constant time). */
int session_csrf_ok(const Session *s, const char *token);

#endif
