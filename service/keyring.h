/* The org key in memory while staff work: background jobs (the link checker) need to read a
 * target's link, which only the org key opens. The key is never written anywhere; it is offered
 * by each signed-in caseworker or admin request and forgotten after the staff idle time, so a
 * server with nobody signed in holds no key (DESIGN section 2: a live process sees what
 * signed-in staff see, no more). */
#ifndef TAKEDOWN_KEYRING_H
#define TAKEDOWN_KEYRING_H

#include <stdint.h>

void keyring_offer(const unsigned char *org_sk, int64_t now);
/* Copies the org key into out (VAULT_KEY_BYTES of secret memory): 0, or -1 when none is held. */
int keyring_borrow(unsigned char *out, int64_t now);
void keyring_clear(void);

#endif
