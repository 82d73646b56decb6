/* A background thread that runs one function at a fixed period until it is stopped. */
#include "ticker.h"

#include "log.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

struct Ticker {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake; /* on CLOCK_MONOTONIC: setting the wall clock moves no tick */
    int stopping;        /* under lock */
    unsigned period_ms;
    int first_at_once;
    TickerFn tick, at_exit;
    void *arg;
};

/* Waits one period or until stopped; returns whether to go on. Called with t->lock held. */
static int wait_period_locked(Ticker *t)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += t->period_ms / 1000;
    until.tv_nsec += (long)(t->period_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    while (!t->stopping && pthread_cond_timedwait(&t->wake, &t->lock, &until) == 0) {
    }
    return !t->stopping;
}

static void *ticker_main(void *arg)
{
    Ticker *t = arg;
    pthread_mutex_lock(&t->lock);
    int go = t->first_at_once ? !t->stopping : wait_period_locked(t);
    while (go) {
        pthread_mutex_unlock(&t->lock);
        t->tick(t->arg);
        pthread_mutex_lock(&t->lock);
        go = wait_period_locked(t);
    }
    pthread_mutex_unlock(&t->lock);
    if (t->at_exit)
        t->at_exit(t->arg);
    return NULL;
}

Ticker *ticker_start(const char *what, unsigned period_ms, int first_at_once, TickerFn tick,
                     TickerFn at_exit, void *arg)
{
    Ticker *t = calloc(1, sizeof *t);
    if (!t) {
        log_errorx("cannot start the %s: out of memory", what);
        return NULL;
    }
    t->period_ms = period_ms ? period_ms : 1000;
    t->first_at_once = first_at_once;
    t->tick = tick;
    t->at_exit = at_exit;
    t->arg = arg;
    pthread_mutex_init(&t->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&t->wake, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&t->thread, NULL, ticker_main, t) != 0) {
        log_errorx("cannot start the %s", what);
        pthread_cond_destroy(&t->wake);
        pthread_mutex_destroy(&t->lock);
        free(t);
        return NULL;
    }
    return t;
}

void ticker_stop(Ticker *t)
{
    if (!t)
        return;
    pthread_mutex_lock(&t->lock);
    t->stopping = 1;
    pthread_cond_signal(&t->wake);
    pthread_mutex_unlock(&t->lock);
    pthread_join(t->thread, NULL);
    pthread_cond_destroy(&t->wake);
    pthread_mutex_destroy(&t->lock);
    free(t);
}
