/* One thread that wakes every tick. Checks need the org key, which exists only while staff are
 * signed in (keyring.h); without it they wait, and the purge (which needs no key) still runs. */
#include "scheduler.h"

#include "auth.h"
#include "casework.h"
#include "clock.h"
#include "keyring.h"
#include "log.h"
#include "reserve.h"
#include "retention.h"
#include "session.h"
#include "store.h"
#include "store_staff.h"
#include "vault.h"

#include <pthread.h>
#include <time.h>

#define CHECKS_PER_TICK 20

static pthread_t thread;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static int running, stopping;
static unsigned tick;

int scheduler_tick(int64_t now)
{
    StoreConn *c = store_conn();
    if (!c)
        return 0;
    store_sessions_expire(c, now, SESSION_STAFF_IDLE, SESSION_VICTIM_IDLE);
    int ran = 0;
    unsigned char *key = vault_secret_alloc(VAULT_KEY_BYTES);
    OrgRow org = {0};
    /* Link checks write their results: under the free-space reserve they wait. Expiring sessions
     * and the purge free space, so they go on. */
    if (!reserve_low() && keyring_borrow(key, now) == 0 && store_org_get(c, &org) == STORE_OK) {
        /* After an org rotation the key held in memory is stale: forget it until staff return. */
        if (vault_keypair_matches(org.public_key, key))
            ran = casework_run_due_checks(key, now, CHECKS_PER_TICK);
        else
            keyring_clear();
    }
    org_row_free(&org);
    vault_secret_free(key);
    retention_daily(now);
    return ran;
}

static void *scheduler_main(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&lock);
    while (!stopping) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += tick;
        pthread_cond_timedwait(&wake, &lock, &until);
        if (stopping)
            break;
        pthread_mutex_unlock(&lock);
        scheduler_tick(clock_now());
        pthread_mutex_lock(&lock);
    }
    pthread_mutex_unlock(&lock);
    store_conn_release();
    return NULL;
}

int scheduler_start(unsigned tick_seconds)
{
    tick = tick_seconds ? tick_seconds : 60;
    stopping = 0;
    if (pthread_create(&thread, NULL, scheduler_main, NULL) != 0) {
        log_errorx("cannot start the scheduler");
        return -1;
    }
    running = 1;
    return 0;
}

void scheduler_stop(void)
{
    if (!running)
        return;
    pthread_mutex_lock(&lock);
    stopping = 1;
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&lock);
    pthread_join(thread, NULL);
    running = 0;
    keyring_clear();
}
