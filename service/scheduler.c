/* One thread that wakes every tick. Checks, the re-uploads platforms' desks reported and the
 * victims' notifications need the org key, which exists only while staff are signed in
 * (keyring.h); without it they wait, and the purge (which needs no key) still runs. */
#include "scheduler.h"

#include "auth.h"
#include "casework.h"
#include "clock.h"
#include "keyring.h"
#include "outbox.h"
#include "reserve.h"
#include "retention.h"
#include "session.h"
#include "store.h"
#include "store_staff.h"
#include "ticker.h"
#include "vault.h"

#define CHECKS_PER_TICK 20
#define NOTICES_PER_TICK 20
#define SEALS_PER_TICK 64

static Ticker *ticker;

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
        if (vault_keypair_matches(org.public_key, key)) {
            ran = casework_run_due_checks(key, now, CHECKS_PER_TICK);
            ran += casework_apply_desk_reuploads(key, 0, now, CHECKS_PER_TICK);
            outbox_run(key, now, NOTICES_PER_TICK); /* the victims' news: their contact opens */
            casework_checker_backfill(key, SEALS_PER_TICK);
            casework_adopt_night_checks(key, SEALS_PER_TICK);
        } else
            keyring_clear();
    } else if (!reserve_low() && keyring_checker(key) == 0) {
        /* Nobody at work, and the operator gave a checker key: the links it opens are checked. */
        ran = casework_run_unattended_checks(key, now, CHECKS_PER_TICK);
    }
    org_row_free(&org);
    vault_secret_free(key);
    outbox_run_digests(now, NOTICES_PER_TICK); /* workflow metadata: no key */
    retention_daily(now);
    return ran;
}

static void scheduler_pass(void *unused)
{
    (void)unused;
    scheduler_tick(clock_now());
}

static void scheduler_exit(void *unused)
{
    (void)unused;
    store_conn_release();
}

int scheduler_start(unsigned tick_seconds)
{
    unsigned seconds = tick_seconds ? tick_seconds : 60;
    ticker = ticker_start("scheduler", seconds * 1000, 0, scheduler_pass, scheduler_exit, NULL);
    return ticker ? 0 : -1;
}

void scheduler_stop(void)
{
    if (!ticker)
        return;
    ticker_stop(ticker);
    ticker = NULL;
    keyring_clear();
}
