/* Deadlines for slow clients: a record per connection, a sweeper that shuts down the late ones. */
#include "connguard.h"

#include "buf.h"
#include "clock.h"
#include "linger.h"
#include "ticker.h"

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/socket.h>

enum { PHASE_HEAD, PHASE_BODY, PHASE_WORK, PHASE_SEND };

struct ConnGuarded {
    ConnGuarded *prev, *next; /* the list of open connections, under lock */
    int fd;
    unsigned peer_port; /* the client's port, for the tests to find their connection */
    int cut;            /* shut down already (under lock) */
    /* The phase and when it started (clock_conn_ms() << 2 | PHASE_*), one word so that the sweeper
     * never pairs one phase with another's start: a long piece of work followed by an answer
     * must not look like an answer sent for as long. */
    _Atomic uint64_t state;
    _Atomic uint64_t bytes;   /* body bytes received, or the answer's length */
    _Atomic uint64_t answers; /* requests answered on it */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static ConnGuarded *head;
static Ticker *sweeper;
static int64_t header_ms;
static uint64_t min_rate;
static _Atomic uint64_t cut_head, cut_body, cut_send, open_now;

/* Bytes first: a sweep that sees the new phase sees its bytes (or more, which only gives time). */
static void phase_set(ConnGuarded *g, int phase, uint64_t bytes)
{
    if (!g)
        return;
    atomic_store(&g->bytes, bytes);
    atomic_store(&g->state, (uint64_t)clock_conn_ms() << 2 | (uint64_t)phase);
}

static int phase_of(uint64_t state)
{
    return (int)(state & 3);
}

void connguard_head_done(ConnGuarded *g)
{
    phase_set(g, PHASE_BODY, 0);
}

void connguard_body_bytes(ConnGuarded *g, size_t n)
{
    if (g)
        atomic_fetch_add(&g->bytes, n);
}

void connguard_working(ConnGuarded *g)
{
    phase_set(g, PHASE_WORK, 0);
}

void connguard_sending(ConnGuarded *g, size_t n)
{
    phase_set(g, PHASE_SEND, n);
}

void connguard_idle(ConnGuarded *g)
{
    if (g)
        atomic_fetch_add(&g->answers, 1);
    phase_set(g, PHASE_HEAD, 0);
}

/* The client's port of conn, or 0. */
static unsigned peer_port_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !ci->client_addr)
        return 0;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        return ntohs(((const struct sockaddr_in *)(const void *)sa)->sin_port);
    if (sa->sa_family == AF_INET6)
        return ntohs(((const struct sockaddr_in6 *)(const void *)sa)->sin6_port);
    return 0;
}

void connguard_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                      enum MHD_ConnectionNotificationCode code)
{
    (void)cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        ConnGuarded *g = xcalloc(1, sizeof *g);
        g->fd = ci ? ci->connect_fd : -1;
        g->peer_port = peer_port_of(conn);
        phase_set(g, PHASE_HEAD, 0);
        pthread_mutex_lock(&lock);
        g->next = head;
        if (head)
            head->prev = g;
        head = g;
        pthread_mutex_unlock(&lock);
        atomic_fetch_add(&open_now, 1);
        *socket_context = g;
        return;
    }
    ConnGuarded *g = *socket_context;
    if (!g)
        return;
    /* libmicrohttpd closes the socket only after this returns: a sweep holding the lock never
     * shuts down a descriptor that has been closed and reused. */
    pthread_mutex_lock(&lock);
    if (g->prev)
        g->prev->next = g->next;
    else
        head = g->next;
    if (g->next)
        g->next->prev = g->prev;
    pthread_mutex_unlock(&lock);
    atomic_fetch_sub(&open_now, 1);
    linger_adopt(g->fd);
    free(g);
    *socket_context = NULL;
}

ConnGuarded *connguard_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

/* The moment a connection in state runs out, or -1 for none. */
static int64_t deadline_of(const ConnGuarded *g, uint64_t state)
{
    int64_t since = (int64_t)(state >> 2);
    uint64_t per_rate = atomic_load(&g->bytes) * 1000 / min_rate;
    switch (phase_of(state)) {
    case PHASE_HEAD:
        return since + header_ms;
    case PHASE_BODY:
    case PHASE_SEND:
        return since + header_ms + (int64_t)(per_rate > INT32_MAX ? INT32_MAX : per_rate);
    default:
        return -1;
    }
}

/* Shuts down every connection past its deadline; the caller holds the lock. */
static void sweep_locked(int64_t now)
{
    for (ConnGuarded *g = head; g; g = g->next) {
        /* One read: the phase counted as cut is the one whose deadline passed. */
        uint64_t state = atomic_load(&g->state);
        int64_t due = deadline_of(g, state);
        if (g->cut || due < 0 || now <= due || g->fd < 0)
            continue;
        int phase = phase_of(state);
        atomic_fetch_add(phase == PHASE_HEAD   ? &cut_head
                         : phase == PHASE_BODY ? &cut_body
                                               : &cut_send,
                         1);
        shutdown(g->fd, SHUT_RDWR);
        g->cut = 1;
    }
}

static void sweep(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&lock);
    sweep_locked(clock_conn_ms());
    pthread_mutex_unlock(&lock);
}

int connguard_start(unsigned header_timeout_s, unsigned rate)
{
    header_ms = (int64_t)header_timeout_s * 1000;
    min_rate = rate ? rate : 1;
    if (linger_start() != 0)
        return -1;
    sweeper = ticker_start("slow-client sweeper", 1000, 1, sweep, NULL, NULL);
    if (!sweeper) {
        linger_stop();
        return -1;
    }
    return 0;
}

void connguard_stop(void)
{
    ticker_stop(sweeper);
    sweeper = NULL;
    linger_stop();
}

int connguard_describe(unsigned peer_port, const char **phase, uint64_t *answers)
{
    static const char *names[] = {"head", "body", "work", "send"};
    int found = -1;
    pthread_mutex_lock(&lock);
    for (ConnGuarded *g = head; g && found != 0; g = g->next)
        if (g->peer_port == peer_port) {
            *phase = names[phase_of(atomic_load(&g->state))];
            *answers = atomic_load(&g->answers);
            found = 0;
        }
    pthread_mutex_unlock(&lock);
    return found;
}

void connguard_counts(ConnGuardCounts *out)
{
    out->head = atomic_load(&cut_head);
    out->body = atomic_load(&cut_body);
    out->send = atomic_load(&cut_send);
    out->open = atomic_load(&open_now);
    uint64_t *in[] = {&out->in_head, &out->in_body, &out->in_work, &out->in_send};
    out->in_head = out->in_body = out->in_work = out->in_send = 0;
    pthread_mutex_lock(&lock);
    for (ConnGuarded *g = head; g; g = g->next)
        (*in[phase_of(atomic_load(&g->state))])++;
    pthread_mutex_unlock(&lock);
}
