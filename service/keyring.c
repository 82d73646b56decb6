/* One key, one lock; offers are rate-limited so staff requests rarely take the lock. */
#include "keyring.h"

#include "session.h"
#include "vault.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned char *held; /* secret memory, or NULL */
static int64_t held_until;
static atomic_llong last_offer;

void keyring_offer(const unsigned char *org_sk, int64_t now)
{
    if (now - atomic_load(&last_offer) < 30 && atomic_load(&last_offer) != 0)
        return;
    atomic_store(&last_offer, now);
    pthread_mutex_lock(&lock);
    if (!held)
        held = vault_secret_alloc(VAULT_KEY_BYTES);
    memcpy(held, org_sk, VAULT_KEY_BYTES);
    held_until = now + SESSION_STAFF_IDLE;
    pthread_mutex_unlock(&lock);
}

int keyring_borrow(unsigned char *out, int64_t now)
{
    int rc = -1;
    pthread_mutex_lock(&lock);
    if (held && now < held_until) {
        memcpy(out, held, VAULT_KEY_BYTES);
        rc = 0;
    } else if (held) {
        vault_secret_free(held);
        held = NULL;
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

void keyring_clear(void)
{
    pthread_mutex_lock(&lock);
    vault_secret_free(held);
    held = NULL;
    atomic_store(&last_offer, 0);
    pthread_mutex_unlock(&lock);
}
