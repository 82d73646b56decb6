/* Deadlines for slow clients (issue 12). libmicrohttpd's own timeout is an idle timer: every byte
 * a client trickles resets it, so a connection that sends one header line every 20 seconds, or a
 * body at a byte a second, or never reads its answer, stays open for ever and a few hundred of them
 * fill the server. The guard gives every connection a deadline by phase, on the service's clock:
 *   head  waiting for a whole request head (a new connection, or one kept alive after an answer):
 *         header_timeout seconds
 *   body  receiving the body: header_timeout seconds, plus one second for each min_rate bytes
 *         received so far (a body must keep coming at min_rate bytes a second after a grace)
 *   work  the service is working on the request: no deadline (that is our time, not the client's)
 *   send  the answer is being sent: header_timeout seconds plus one for each min_rate bytes of it
 * A sweeper thread shuts down the socket of a connection past its deadline once a second;
 * libmicrohttpd then sees the end of the stream and closes the connection in its own thread.
 * A connection being closed lingers (linger.h) while its client may still be sending. */
#ifndef TAKEDOWN_CONNGUARD_H
#define TAKEDOWN_CONNGUARD_H

#include <microhttpd.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ConnGuarded ConnGuarded;

typedef struct ConnGuardCounts {
    uint64_t head, body, send; /* connections shut down for each phase's deadline */
    uint64_t open;             /* connections open now */
    uint64_t in_head, in_body, in_work, in_send; /* of them, in each phase */
} ConnGuardCounts;

/* Starts the sweeper and the lingering close; returns 0, or -1 when a thread cannot start. */
int connguard_start(unsigned header_timeout_s, unsigned min_rate);
/* Stops the sweeper (connections are left to libmicrohttpd) and closes what still lingers. */
void connguard_stop(void);
/* The MHD_OPTION_NOTIFY_CONNECTION callback: tracks a connection from its start to its close. */
void connguard_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                      enum MHD_ConnectionNotificationCode code);
/* The connection's record (its socket context), or NULL. */
ConnGuarded *connguard_of(struct MHD_Connection *conn);

/* Phase changes; each takes NULL and does nothing then. */
void connguard_head_done(ConnGuarded *g);            /* the head is in: the body phase starts */
void connguard_body_bytes(ConnGuarded *g, size_t n); /* n more body bytes came */
void connguard_working(ConnGuarded *g);              /* the request is whole: our turn */
void connguard_sending(ConnGuarded *g, size_t n);    /* an answer of n bytes is queued */
void connguard_idle(ConnGuarded *g);                 /* the answer is out: waiting for the next */

void connguard_counts(ConnGuardCounts *out);
/* Test only (a debug route): the phase ("head", "body", "work", "send") of the connection from
 * the client port peer_port, and how many answers it has had; 0, or -1 when there is none. */
int connguard_describe(unsigned peer_port, const char **phase, uint64_t *answers);

#endif
