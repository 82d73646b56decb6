/* Rotating the org key (DESIGN section 3, "Departures and rotation"): a new org keypair, data key
 * and recovery key; every case key sealed and wrapped afresh; the new org secret key sealed to
 * every enabled account and to no one else. A departed member's old wraps, in any old copy of the
 * database, then open nothing keyed after the rotation. */
#ifndef TAKEDOWN_ORGKEY_H
#define TAKEDOWN_ORGKEY_H

#include "staff.h"

#include <stdint.h>

typedef struct OrgRotation {
    int64_t cases, accounts; /* case keys re-wrapped, accounts the new key was sealed to */
} OrgRotation;

/* An admin (by password) rotates the org key; recovery_text receives the new recovery key (shown
 * once; the old one stops working). progress (may be NULL) is told how many cases are done. Slow:
 * one X25519 per case. */
StaffResult orgkey_rotate(const char *admin_login, const char *admin_password,
                          char recovery_text[VAULT_RECOVERY_TEXT],
                          void (*progress)(void *arg, int64_t done, int64_t total), void *arg,
                          int64_t now, OrgRotation *out);

#endif
