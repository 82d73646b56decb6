/* How a notification leaves the service: one small interface, so that an SMS gateway can stand
 * beside e-mail. A transport gets a finished message and an address and says whether it was
 * taken; it never logs either. */
#ifndef TAKEDOWN_TRANSPORT_H
#define TAKEDOWN_TRANSPORT_H

#include "config.h"

#include <stddef.h>

typedef struct OutMessage {
    const char *to;      /* the address (secret memory, the caller wipes it) */
    const char *msgid;   /* the same on every attempt: a resend after a crash is the same message */
    const char *subject; /* UTF-8; a transport without subjects ignores it */
    const char *body;    /* UTF-8 text */
    long long date;      /* seconds since the epoch, for the Date line */
} OutMessage;

typedef struct Transport {
    const char *name; /* "smtp" */
    /* 0 when the relay took the message; -1 with a short error class ("connect", "tls",
     * "refused", "timeout", ...) in err, never content. */
    int (*send)(const struct Transport *t, const OutMessage *m, char *err, size_t err_size);
    const void *state;
} Transport;

/* E-mail through an SMTP relay (libcurl): STARTTLS required unless cfg says none. NULL when cfg
 * names no relay. The password file is read here, once. */
const Transport *transport_smtp(const NotifyConfig *cfg, char *err, size_t err_size);

#endif
