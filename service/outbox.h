/* The notification worker: sends what the outbox (store_outbox.h) holds, through a transport
 * (transport.h). A victim's news needs the org key, to open the case's contact: the scheduler
 * calls outbox_run while staff have been at work (keyring.h); without it news waits, as link
 * checks do. The address is decrypted only here, only to send, and wiped after. */
#ifndef TAKEDOWN_OUTBOX_H
#define TAKEDOWN_OUTBOX_H

#include "buf.h"
#include "transport.h"

#include <stdint.h>

/* The transport (NULL: nothing is sent, the outbox keeps what comes), the hours for victims who
 * named none and the time of the staff digest, minutes of the local day. */
void outbox_configure(const Transport *t, int hours_from, int hours_to, int digest_at);
/* Once at start: what a crash left half-sent goes back to the queue, to be sent again under its
 * own message id. Returns how many. */
int64_t outbox_recover(void);
/* Sends up to limit due pieces of news, opening contacts with org_key; returns how many were
 * sent. */
int outbox_run(const unsigned char *org_key, int64_t now, int limit);
/* Queues each day's staff digests once the digest time has come (for everyone who gave an
 * address) and sends those due; needs no key, the digest is workflow metadata. Returns how many
 * were sent. */
int outbox_run_digests(int64_t now, int limit);
/* Seconds from now (local time) until the window [from, to) opens; 0 inside it. A window with
 * from > to runs over midnight. */
int64_t outbox_window_wait(int64_t now, int from, int to);
/* The outbox's lines of /metrics. */
void outbox_metrics(Buf *out);

#endif
