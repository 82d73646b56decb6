/* The org key in memory while staff work: background jobs (the link checker) need to read a
 * target's link, which only the org key opens. The key is never written anywhere; it is offered
 * by each signed-in caseworker or admin request and forgotten after the staff idle time, so a
 * server with nobody signed in holds no key (DESIGN section 2: a live process sees what
 * signed-in staff see, no more). */
#ifndef TAKEDOWN_KEYRING_H
#define TAKEDOWN_KEYRING_H

#include <stddef.h>
#include <stdint.h>

void keyring_offer(const unsigned char *org_sk, int64_t now);
/* Copies the org key into out (VAULT_KEY_BYTES of secret memory): 0, or -1 when none is held. */
int keyring_borrow(unsigned char *out, int64_t now);
void keyring_clear(void);

/* The checker key (opt-in, schema/0016_checker_key.sql): its secret half read once at start from
 * a file outside the data directory that only its owner may read (64 hex digits). 0, or -1 with
 * a one-line reason in err (no secret in it). */
int keyring_load_checker(const char *path, const char *data_dir, char *err, size_t err_size);
/* Copies it into out (VAULT_KEY_BYTES of secret memory): 0, or -1 when none was loaded. */
int keyring_checker(unsigned char *out);
/* The file's text for a secret key sk: what takedownctl checker enable writes. */
void keyring_checker_text(const unsigned char *sk, char out[2 * 32 + 2]);

#endif
