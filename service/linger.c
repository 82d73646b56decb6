/* Lingering close: connections kept half-open, their input read and dropped, until the client
 * closes or their time is up. */
#include "linger.h"

#include "clock.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <unistd.h>

/* Most bytes read from one connection per wake: a fast sender cannot keep the thread from the
 * others (it is read again at the next wake, at once as it is still readable). */
#define DRAIN_PER_WAKE (1024 * 1024)

typedef struct Lingering {
    int fd;
    int64_t until; /* on clock_conn_ms() */
} Lingering;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static Lingering arrived[LINGER_MAX]; /* adopted, not yet taken by the thread (under lock) */
static size_t narrived;
static int wake[2] = {-1, -1}; /* a byte written to wake[1] wakes the thread */
static pthread_t thread;
static int running;  /* under lock */
static int stopping; /* under lock */
static _Atomic uint64_t held, total, cut_time, cut_full;

/* Whether the client has closed its side or the connection is broken: nothing to linger for. */
static int client_gone(int fd)
{
    char c;
    ssize_t n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

void linger_adopt(int fd)
{
    if (fd < 0 || client_gone(fd))
        return;
    pthread_mutex_lock(&lock);
    if (!running || stopping || atomic_load(&held) >= LINGER_MAX) {
        if (running && !stopping)
            atomic_fetch_add(&cut_full, 1);
        pthread_mutex_unlock(&lock);
        return;
    }
    int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (copy < 0) {
        pthread_mutex_unlock(&lock);
        return;
    }
    /* Our side ends after the answer; the client reads it all, then the end of the stream. */
    shutdown(copy, SHUT_WR);
    arrived[narrived++] = (Lingering){copy, clock_conn_ms() + LINGER_MS};
    atomic_fetch_add(&held, 1);
    atomic_fetch_add(&total, 1);
    pthread_mutex_unlock(&lock);
    ssize_t w = write(wake[1], "", 1); /* a full pipe already wakes the thread */
    (void)w;
}

/* Reads and drops what fd holds; returns 1 when the client has closed or the connection broke. */
static int drain(int fd)
{
    static char sink[64 * 1024]; /* only the lingering thread reads into it; never looked at */
    size_t got = 0;
    while (got < DRAIN_PER_WAKE) {
        ssize_t n = recv(fd, sink, sizeof sink, MSG_DONTWAIT);
        if (n > 0) {
            got += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        return n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
    }
    return 0;
}

static void release(Lingering *l)
{
    close(l->fd);
    atomic_fetch_sub(&held, 1);
}

static void *linger_main(void *unused)
{
    (void)unused;
    Lingering mine[LINGER_MAX];
    size_t n = 0;
    struct pollfd pfd[LINGER_MAX + 1];
    for (;;) {
        pthread_mutex_lock(&lock);
        int stop = stopping;
        for (size_t i = 0; i < narrived; i++)
            mine[n++] = arrived[i];
        narrived = 0;
        pthread_mutex_unlock(&lock);
        if (stop)
            break;
        /* Read what came, close the finished and the late. */
        int64_t now = clock_conn_ms();
        int64_t next = now + 1000; /* a shifted or frozen clock is looked at again within 1 s */
        for (size_t i = 0; i < n;) {
            int late = now >= mine[i].until;
            if (drain(mine[i].fd) || late) {
                if (late)
                    atomic_fetch_add(&cut_time, 1);
                release(&mine[i]);
                mine[i] = mine[--n];
                continue;
            }
            if (mine[i].until < next)
                next = mine[i].until;
            i++;
        }
        pfd[0] = (struct pollfd){.fd = wake[0], .events = POLLIN};
        for (size_t i = 0; i < n; i++)
            pfd[i + 1] = (struct pollfd){.fd = mine[i].fd, .events = POLLIN};
        if (poll(pfd, n + 1, (int)(next - now)) > 0 && (pfd[0].revents & POLLIN)) {
            char sink[64];
            while (read(wake[0], sink, sizeof sink) > 0) {
            }
        }
    }
    for (size_t i = 0; i < n; i++)
        release(&mine[i]);
    return NULL;
}

int linger_start(void)
{
    if (pipe(wake) != 0) {
        log_errorx("the lingering-close thread cannot start: no pipe");
        return -1;
    }
    for (int i = 0; i < 2; i++) {
        fcntl(wake[i], F_SETFD, FD_CLOEXEC);
        fcntl(wake[i], F_SETFL, O_NONBLOCK);
    }
    pthread_mutex_lock(&lock);
    stopping = 0;
    running = pthread_create(&thread, NULL, linger_main, NULL) == 0;
    pthread_mutex_unlock(&lock);
    if (!running) {
        log_errorx("the lingering-close thread cannot start");
        close(wake[0]);
        close(wake[1]);
        return -1;
    }
    return 0;
}

void linger_stop(void)
{
    pthread_mutex_lock(&lock);
    int was = running;
    stopping = 1;
    pthread_mutex_unlock(&lock);
    if (!was)
        return;
    ssize_t w = write(wake[1], "", 1);
    (void)w;
    pthread_join(thread, NULL);
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < narrived; i++)
        release(&arrived[i]);
    narrived = 0;
    running = 0;
    pthread_mutex_unlock(&lock);
    close(wake[0]);
    close(wake[1]);
    wake[0] = wake[1] = -1;
}

void linger_counts(LingerCounts *out)
{
    out->now = atomic_load(&held);
    out->total = atomic_load(&total);
    out->cut_time = atomic_load(&cut_time);
    out->cut_full = atomic_load(&cut_full);
}
