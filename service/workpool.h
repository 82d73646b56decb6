/* The slow-work pool: a few threads for Argon2id and other slow jobs, off the HTTP threads, with
 * a bounded queue so a flood is refused (503) instead of piling up. */
#ifndef TAKEDOWN_WORKPOOL_H
#define TAKEDOWN_WORKPOOL_H

typedef void (*WorkFn)(void *arg);

/* Starts threads workers with room for queue_len waiting jobs. Returns 0 or -1. */
int workpool_start(unsigned threads, unsigned queue_len);
/* Queues fn(arg); 0 when queued, -1 when the queue is full or the pool is stopping. */
int workpool_submit(WorkFn fn, void *arg);
/* Runs every queued job, then joins the threads. */
void workpool_stop(void);
/* Jobs queued or running now (for /metrics). */
unsigned workpool_load(void);
/* Workers running below the HTTP threads' priority (SCHED_BATCH, nice 10), for /metrics: all of
 * them unless the kernel refused. */
unsigned workpool_low_priority_threads(void);
/* How long jobs waited in the queue before a worker took them (for /metrics). */
struct Histogram;
const struct Histogram *workpool_waits(void);

#endif
