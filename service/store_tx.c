/* Write transactions, committed in groups.
 *
 * A durable commit waits for the disk (WAL, synchronous=FULL), and SQLite lets one writer in at a
 * time. Threads that each ran BEGIN IMMEDIATE .. COMMIT took turns through SQLite's busy handler,
 * which sleeps and polls, and paid one disk wait each. Here the threads of this process that want
 * to write queue their transactions; the first to find nobody writing becomes the leader, runs
 * every transaction queued so far inside one SQLite transaction, each in a savepoint of its own
 * (so one that fails rolls back alone), commits once and wakes the others, each with the status of
 * its own transaction. Every group runs on the one writer connection (store.c), whose page cache
 * no other connection's write invalidates. A transaction's caller hears of it only once it is on
 * disk. Another process (takedownctl) still meets the busy handler and the retries below. */
#include "store_internal.h"

#include "histogram.h"
#include "log.h"
#include "store_pg.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#define TX_GROUP_MAX 64 /* transactions in one commit, at most: bounds a waiter's wait */
#define TX_ATTEMPTS 5   /* BEGIN or COMMIT tries against another process's writer */

typedef struct TxWaiter {
    StoreTxFn fn;
    void *arg;
    StoreStatus status;
    int done;
    int alone;           /* store_tx_alone: a group of its own, never in a savepoint */
    pthread_cond_t wake; /* signalled when done, or when it heads the queue and may lead */
    struct TxWaiter *next;
} TxWaiter;

static pthread_mutex_t group_mu = PTHREAD_MUTEX_INITIALIZER;
static TxWaiter *queue_head, **queue_tail = &queue_head;
static int queued;             /* waiters on the queue, not yet taken into a group */
static int64_t enqueued_total; /* waiters ever put on the queue */
static int leader_busy;
static int64_t groups_total, grouped_total; /* commits, and transactions in them */

/* Runs one queued transaction in a savepoint of the group's transaction. STORE_BUSY from fn or
 * a transaction SQLite rolled back by itself (an I/O error, a full disk) ends the group. A
 * statement the disk refused without ending the transaction (STORE_UNAVAILABLE from fn) rolls
 * back this one alone, like any refusal. */
static StoreStatus run_one(StoreConn *c, TxWaiter *w)
{
    int rc = sqlite3_exec(c->db, "SAVEPOINT tx", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return store_status(c, rc, __func__);
    w->status = w->fn(c, w->arg);
    /* Gone with everything before it in the group: the disk's refusal, when that was the cause,
     * is what every transaction of the group hears (each answers 503, none a 500). */
    if (sqlite3_get_autocommit(c->db))
        return w->status == STORE_UNAVAILABLE ? STORE_UNAVAILABLE : STORE_ERROR;
    /* An undo that fails would commit part of a refused transaction: the group ends instead. */
    if (w->status != STORE_OK && (rc = sqlite3_exec(c->db, "ROLLBACK TO tx", NULL, NULL, NULL)))
        return store_status(c, rc, __func__);
    rc = sqlite3_exec(c->db, "RELEASE tx", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return store_status(c, rc, __func__);
    return w->status == STORE_BUSY ? STORE_BUSY : STORE_OK;
}

/* One attempt at the group: STORE_OK when it ran to its end (each waiter then holds its own
 * status: committed, or a lone transaction's own refusal, rolled back), else what ended it, with
 * nothing of the group kept. A lone transaction needs no savepoint (bench_fill's batches of
 * thousands of cases would pay for one on every page they change). */
static StoreStatus run_group_once(StoreConn *c, TxWaiter *group)
{
    int rc = sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return store_status(c, rc, __func__);
    StoreStatus s = STORE_OK;
    if (!group->next) {
        group->status = group->fn(c, group->arg);
        if (group->status != STORE_OK) {
            if (!sqlite3_get_autocommit(c->db))
                sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
            return group->status == STORE_BUSY ? STORE_BUSY : STORE_OK;
        }
    } else {
        for (TxWaiter *w = group; w && s == STORE_OK; w = w->next)
            s = run_one(c, w);
    }
    if (s == STORE_OK) {
        rc = sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
        if (rc == SQLITE_OK)
            return STORE_OK;
        s = store_status(c, rc, __func__);
    }
    if (!sqlite3_get_autocommit(c->db))
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    return s;
}

static void sleep_backoff(int attempt)
{
    store_sleep_ms(10L << attempt);
}

static int64_t writer_cpu_ns; /* the leaders' CPU time inside run_group; group_mu */

static int64_t thread_cpu_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* Runs a group to its end: retried whole while busy; on any other failure every transaction
 * that had not failed by itself gets that failure, since none of the group was kept. */
static void run_group(TxWaiter *group)
{
    StoreConn *c = store_writer_enter();
    StoreStatus s = c ? STORE_BUSY : STORE_ERROR;
    for (int attempt = 0; c && attempt < TX_ATTEMPTS; attempt++) {
        s = run_group_once(c, group);
        if (s != STORE_BUSY)
            break;
        sleep_backoff(attempt);
    }
    store_writer_leave();
    if (s == STORE_BUSY)
        log_warnx("gave up after retries on a busy database");
    if (s != STORE_OK)
        for (TxWaiter *w = group; w; w = w->next)
            if (w->status == STORE_OK || s == STORE_BUSY)
                w->status = s;
}

/* A store_tx from inside a running transaction: a savepoint within it. */
static StoreStatus run_nested(StoreTxFn fn, void *arg)
{
    TxWaiter w = {.fn = fn, .arg = arg, .status = STORE_OK};
    StoreStatus s = run_one(store_conn(), &w);
    return s != STORE_OK ? s : w.status;
}

/* Takes up to TX_GROUP_MAX waiters off the queue, in the order they came, stopping before one
 * that must run alone (which, at the head, is taken by itself); group_mu held. */
static TxWaiter *take_group(void)
{
    TxWaiter *group = queue_head, *last = queue_head;
    for (int n = 1; !group->alone && n < TX_GROUP_MAX && last->next && !last->next->alone; n++)
        last = last->next;
    queue_head = last->next;
    for (TxWaiter *w = group; w; w = w == last ? NULL : w->next)
        queued--;
    if (!queue_head)
        queue_tail = &queue_head;
    last->next = NULL;
    return group;
}

static StoreStatus tx_queued(StoreTxFn fn, void *arg, int alone)
{
    if (store_writer_active())
        return run_nested(fn, arg);
    store_read_end(); /* what this thread reads after the write is read anew, the write in it */
    TxWaiter me = {.fn = fn, .arg = arg, .status = STORE_OK, .alone = alone};
    pthread_cond_init(&me.wake, NULL);
    pthread_mutex_lock(&group_mu);
    *queue_tail = &me;
    queue_tail = &me.next;
    queued++;
    enqueued_total++;
    while (!me.done) {
        if (leader_busy) {
            pthread_cond_wait(&me.wake, &group_mu);
            continue;
        }
        leader_busy = 1;
        TxWaiter *group = take_group();
        pthread_mutex_unlock(&group_mu);
        int64_t cpu = thread_cpu_ns();
        run_group(group);
        cpu = thread_cpu_ns() - cpu;
        pthread_mutex_lock(&group_mu);
        writer_cpu_ns += cpu;
        int64_t n = 0;
        /* Only the members and the next leader wake, not every waiter: each woken in vain
         * would take the lock and sleep again. A member cannot return, and so cannot take its
         * wake with it, before this thread lets go of group_mu. */
        for (TxWaiter *w = group, *next; w; w = next, n++) {
            next = w->next;
            w->done = 1;
            if (w != &me)
                pthread_cond_signal(&w->wake);
        }
        groups_total++;
        grouped_total += n;
        leader_busy = 0;
        if (queue_head)
            pthread_cond_signal(&queue_head->wake);
    }
    pthread_mutex_unlock(&group_mu);
    pthread_cond_destroy(&me.wake);
    /* Done means a leader took me off the queue (take_group), so queue_tail no longer points
     * into me: the analyzer cannot follow that through the other threads. */
    return me.status; // NOLINT(clang-analyzer-core.StackAddressEscape)
}

/* ---- PostgreSQL: no group commit ----
 * Each transaction runs on its caller's own connection, one at a time under the lock pg_begin
 * takes, which keeps every fn's reasoning (one writer at a time) true; a transaction the server
 * refused anyway (a deadlock) runs again whole, as the Taler exchange does. */
#define PG_TX_ATTEMPTS 8

static StoreStatus pg_nested(StoreConn *c, StoreTxFn fn, void *arg)
{
    StoreStatus s = pg_exec(c->pg, "SAVEPOINT tx", __func__);
    if (s != STORE_OK)
        return s;
    StoreStatus r = fn(c, arg);
    s = pg_exec(c->pg, r == STORE_OK ? "RELEASE tx" : "ROLLBACK TO tx; RELEASE tx", __func__);
    return r != STORE_OK ? r : s;
}

/* One attempt: STORE_OK once committed; else rolled back, *again set when it may run again. */
static StoreStatus pg_attempt(StoreConn *c, StoreTxFn fn, void *arg, int *again)
{
    *again = 0;
    StoreStatus s = pg_begin(c->pg, __func__);
    if (s != STORE_OK) {
        *again = pg_conn_broken(c->pg); /* nothing was sent: a new connection may take it */
        return s;
    }
    s = fn(c, arg);
    /* SQLite goes on after a refused statement; PostgreSQL does not, and its COMMIT would roll
     * back without an error. A fn that went on after one must not be told it committed. */
    if (s == STORE_OK && pg_tx_failed(c->pg)) {
        log_errorx("a statement failed inside a transaction that went on to commit");
        s = STORE_ERROR;
    }
    if (s == STORE_OK)
        s = pg_exec(c->pg, "COMMIT", __func__);
    if (s == STORE_OK)
        return STORE_OK;
    /* A connection lost at COMMIT leaves its outcome unknown: never run again (a report filed
     * twice, one receipt nobody saw); the caller answers 503. */
    *again = pg_retry_wanted(c->pg) && !pg_conn_broken(c->pg);
    if (!pg_conn_broken(c->pg) && pg_in_tx(c->pg))
        pg_exec(c->pg, "ROLLBACK", __func__);
    return s;
}

static StoreStatus tx_pg(StoreConn *c, StoreTxFn fn, void *arg)
{
    if (pg_in_tx(c->pg))
        return pg_nested(c, fn, arg);
    StoreStatus s = STORE_ERROR;
    for (int attempt = 0; attempt < PG_TX_ATTEMPTS; attempt++) {
        int again = 0;
        s = pg_attempt(c, fn, arg, &again);
        if (!again)
            break;
        if (pg_conn_broken(c->pg) && !(c = store_conn()))
            return STORE_UNAVAILABLE;
        store_sleep_ms(2L * (attempt + 1) + (long)(random() % 8)); /* apart from the other */
    }
    pthread_mutex_lock(&group_mu);
    groups_total++;
    grouped_total++;
    pthread_mutex_unlock(&group_mu);
    return s;
}

static Histogram tx_latency; /* a write transaction, from asking to committed (or refused) */

static StoreStatus tx_timed(StoreTxFn fn, void *arg, int alone)
{
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    StoreConn *c = store_is_postgresql() ? store_conn() : NULL;
    StoreStatus st = !store_is_postgresql() ? tx_queued(fn, arg, alone)
                     : c                    ? tx_pg(c, fn, arg)
                                            : STORE_UNAVAILABLE;
    clock_gettime(CLOCK_MONOTONIC, &b);
    histogram_add(&tx_latency,
                  (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9);
    return st;
}

StoreStatus store_tx(StoreTxFn fn, void *arg)
{
    return tx_timed(fn, arg, 0);
}

StoreStatus store_tx_alone(StoreTxFn fn, void *arg)
{
    return tx_timed(fn, arg, 1);
}

const Histogram *store_tx_latency(void)
{
    return &tx_latency;
}

void store_tx_counts(int64_t *groups, int64_t *transactions, int64_t *writer_ns)
{
    pthread_mutex_lock(&group_mu);
    *groups = groups_total;
    *transactions = grouped_total;
    *writer_ns = writer_cpu_ns;
    pthread_mutex_unlock(&group_mu);
}

int store_tx_queued(void)
{
    pthread_mutex_lock(&group_mu);
    int n = queued;
    pthread_mutex_unlock(&group_mu);
    return n;
}

int64_t store_tx_enqueued_total(void)
{
    pthread_mutex_lock(&group_mu);
    int64_t n = enqueued_total;
    pthread_mutex_unlock(&group_mu);
    return n;
}
