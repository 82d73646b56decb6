/* One thread that wakes every tick. Checks, the re-uploads platforms' desks reported and the
 * victims' notifications need the org key, which exists only while staff are signed in
 * (keyring.h); without it they wait, and the purge (which needs no key) still runs.
 *
 * Several nodes on one PostgreSQL database: one of them does all of it at a time, the one that
 * holds the background lock (store_lead). The others ask for it every few seconds, so one of
 * them takes over soon after the node doing it dies. Work that needs the org key runs on that node
 * while its staff have lent it the key, as on a single node. */
#include "scheduler.h"

#include "auth.h"
#include "casework.h"
#include "clock.h"
#include "keyring.h"
#include "log.h"
#include "outbox.h"
#include "reserve.h"
#include "retention.h"
#include "session.h"
#include "store.h"
#include "store_staff.h"
#include "ticker.h"
#include "vault.h"

#include <stdatomic.h>

#define CHECKS_PER_TICK 20
#define NOTICES_PER_TICK 20
#define SEALS_PER_TICK 64
#define SCHEDULER_PASS_MAX 5 /* seconds between two asks for the lead, on PostgreSQL */

static Ticker *ticker;

/* What this node last found it was: -1 not asked yet, 0 another node leads, 1 this one. */
static atomic_int role = -1;

int scheduler_lead(void)
{
    int lead = store_lead();
    int was = atomic_exchange(&role, lead);
    if (!lead && was != 0)
        log_info("background work: another node does it, this one waits");
    if (lead && was != 1) {
        if (store_is_postgresql())
            log_info("background work: this node does it now");
        outbox_recover(); /* what a stop (this node's, or another's) left half-sent */
    }
    return lead;
}

int scheduler_tick(int64_t now)
{
    if (!scheduler_lead())
        return 0;
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

static unsigned passes_per_tick = 1, passes;

/* Every pass asks for the lead; the work runs every passes_per_tick passes (every --tick-seconds,
 * as on one node), on the node that leads then. */
static void scheduler_pass(void *unused)
{
    (void)unused;
    if (++passes < passes_per_tick) {
        scheduler_lead();
        return;
    }
    passes = 0;
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
    /* On PostgreSQL a pass every 5 s at most: another node's lead is taken over within that. */
    unsigned pass =
        store_is_postgresql() && seconds > SCHEDULER_PASS_MAX ? SCHEDULER_PASS_MAX : seconds;
    passes_per_tick = seconds / pass;
    passes = 0;
    ticker = ticker_start("scheduler", pass * 1000, 0, scheduler_pass, scheduler_exit, NULL);
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
