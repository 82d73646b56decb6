/* Lingering close (RFC 9112, section 9.6). When the service closes a connection whose client is
 * still sending (a request refused before its end was read: a head over the connection memory, a
 * body over the limit, a smuggling attempt), the kernel answers the unread input with a reset, and
 * a reset that reaches the client while it is still writing makes it drop the connection before it
 * reads the answer: the client sees no 431 or 413, only "connection reset". So a connection about
 * to be closed is kept half-open instead: the answer has gone out and the end of our side follows
 * it (shutdown for writing), and a thread reads and drops what the client still sends until it
 * closes its side, or for LINGER_MS on the connections' clock at most. At most LINGER_MAX
 * connections linger at once; past that, one is closed at once as before (counted). */
#ifndef TAKEDOWN_LINGER_H
#define TAKEDOWN_LINGER_H

#include <stdint.h>

enum { LINGER_MAX = 128, LINGER_MS = 5000 };

typedef struct LingerCounts {
    uint64_t now;      /* connections lingering now */
    uint64_t total;    /* connections that lingered */
    uint64_t cut_time; /* of them, closed at LINGER_MS while the client still had not closed */
    uint64_t cut_full; /* connections closed at once, all LINGER_MAX places being taken */
} LingerCounts;

/* Starts the lingering thread; returns 0, or -1 when it cannot start. */
int linger_start(void);
/* Stops the thread and closes every connection still lingering. */
void linger_stop(void);
/* Called just before the owner of the connected socket fd closes it: keeps the connection open on
 * a copy of fd when the client may still send, and does nothing when it has closed its side or the
 * connection is broken. The owner closes fd as it would have. */
void linger_adopt(int fd);
void linger_counts(LingerCounts *out);

#endif
