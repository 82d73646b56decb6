/* A fixed pool of threads over a ring buffer of jobs. The workers run at a lower priority than the
 * HTTP threads, so an Argon2id on every core still leaves a health check or a page its CPU at
 * once. */
#define _GNU_SOURCE /* SCHED_BATCH, pthread_setname_np, gettid */
#include "workpool.h"

#include "histogram.h"

#include "buf.h"
#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <unistd.h>

#define WORKER_NICE 10 /* CPU weight about a tenth of an HTTP thread's (nice 0) */

typedef struct Job {
    WorkFn fn;
    void *arg;
    struct timespec queued; /* CLOCK_MONOTONIC when submitted */
} Job;

static Histogram waits; /* from submitted to started */

static struct {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_cond_t settled; /* a new thread took its priority (ready++) */
    Job *ring;              /* owned: queue_len slots */
    unsigned cap, head, count, running;
    pthread_t *threads; /* owned */
    unsigned nthreads, ready;
    int stopping;
} pool = {.lock = PTHREAD_MUTEX_INITIALIZER,
          .wake = PTHREAD_COND_INITIALIZER,
          .settled = PTHREAD_COND_INITIALIZER};

static atomic_uint yielding; /* workers that took the lower priority */

/* This thread (Linux: policy and nice are per thread) becomes SCHED_BATCH at nice WORKER_NICE:
 * never preempting an HTTP thread when it wakes, and preempted by one at once. Lowering one's own
 * priority needs no privilege; should the kernel refuse anyway, say so once and carry on. */
static void worker_yield_to_http(void)
{
    static atomic_int warned;
    struct sched_param none = {.sched_priority = 0};
    int rc = pthread_setschedparam(pthread_self(), SCHED_BATCH, &none);
    int err = rc;
    if (setpriority(PRIO_PROCESS, (id_t)gettid(), WORKER_NICE) != 0 && !err)
        err = errno;
    if (!err)
        atomic_fetch_add(&yielding, 1);
    else if (atomic_exchange(&warned, 1) == 0)
        log_warnx("slow-work threads keep the HTTP threads' priority: %s", strerror(err));
}

static void *workpool_main(void *unused)
{
    (void)unused;
    pthread_setname_np(pthread_self(), "td-work");
    worker_yield_to_http();
    pthread_mutex_lock(&pool.lock);
    pool.ready++;
    pthread_cond_broadcast(&pool.settled);
    for (;;) {
        while (pool.count == 0 && !pool.stopping)
            pthread_cond_wait(&pool.wake, &pool.lock);
        if (pool.count == 0 && pool.stopping)
            break;
        Job job = pool.ring[pool.head];
        pool.head = (pool.head + 1) % pool.cap;
        pool.count--;
        pool.running++;
        pthread_mutex_unlock(&pool.lock);
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        histogram_add(&waits, (double)(now.tv_sec - job.queued.tv_sec) +
                                  (double)(now.tv_nsec - job.queued.tv_nsec) / 1e9);
        job.fn(job.arg);
        pthread_mutex_lock(&pool.lock);
        pool.running--;
    }
    pthread_mutex_unlock(&pool.lock);
    return NULL;
}

int workpool_start(unsigned threads, unsigned queue_len)
{
    pool.ring = xcalloc(queue_len, sizeof(Job));
    pool.cap = queue_len;
    pool.head = pool.count = pool.running = 0;
    pool.stopping = 0;
    pool.threads = xcalloc(threads, sizeof(pthread_t));
    pool.nthreads = pool.ready = 0;
    for (unsigned i = 0; i < threads; i++) {
        if (pthread_create(&pool.threads[i], NULL, workpool_main, NULL) != 0) {
            log_errorx("cannot start worker thread %u", i);
            workpool_stop();
            return -1;
        }
        pool.nthreads++;
    }
    /* Serve only once every thread runs at its priority, so /metrics tells the truth from the
     * first request on, however slowly the threads were scheduled. */
    pthread_mutex_lock(&pool.lock);
    while (pool.ready < pool.nthreads)
        pthread_cond_wait(&pool.settled, &pool.lock);
    pthread_mutex_unlock(&pool.lock);
    return 0;
}

int workpool_submit(WorkFn fn, void *arg)
{
    pthread_mutex_lock(&pool.lock);
    if (pool.stopping || pool.count == pool.cap || pool.nthreads == 0) {
        pthread_mutex_unlock(&pool.lock);
        return -1;
    }
    Job job = {fn, arg, {0, 0}};
    clock_gettime(CLOCK_MONOTONIC, &job.queued);
    pool.ring[(pool.head + pool.count) % pool.cap] = job;
    pool.count++;
    pthread_cond_signal(&pool.wake);
    pthread_mutex_unlock(&pool.lock);
    return 0;
}

void workpool_stop(void)
{
    pthread_mutex_lock(&pool.lock);
    pool.stopping = 1;
    pthread_cond_broadcast(&pool.wake);
    pthread_mutex_unlock(&pool.lock);
    for (unsigned i = 0; i < pool.nthreads; i++)
        pthread_join(pool.threads[i], NULL);
    free(pool.threads);
    free(pool.ring);
    pool.threads = NULL;
    pool.ring = NULL;
    pool.nthreads = 0;
    atomic_store(&yielding, 0);
}

unsigned workpool_load(void)
{
    pthread_mutex_lock(&pool.lock);
    unsigned n = pool.count + pool.running;
    pthread_mutex_unlock(&pool.lock);
    return n;
}

unsigned workpool_low_priority_threads(void)
{
    return atomic_load(&yielding);
}

const Histogram *workpool_waits(void)
{
    return &waits;
}
