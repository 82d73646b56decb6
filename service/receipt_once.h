/* The receipt page's one showing (post-redirect-get). The report's answer redirects to a page
 * that shows the receipt once; in between, the receipt waits here, in locked memory only (never
 * in the database, never on disk), for at most RECEIPT_ONCE_TTL seconds, under a random id that
 * only the reporter's cookie holds. Taking an entry wipes it, and so does its expiry. */
#ifndef TAKEDOWN_RECEIPT_ONCE_H
#define TAKEDOWN_RECEIPT_ONCE_H

#include <stdint.h>

#define RECEIPT_ONCE_TTL 300  /* seconds an unshown receipt waits */
#define RECEIPT_ONCE_MAX 2048 /* entries: more than the submission limits let in per TTL */
#define RECEIPT_ONCE_ID 33    /* 32 hex characters and NUL */
#define RECEIPT_ONCE_TEXT 32  /* "dddd dddd dddd dddd dddd" and NUL, with room */
#define RECEIPT_ONCE_OWNER 64 /* the case id it belongs to, and NUL */

/* Keeps receipt (at most RECEIPT_ONCE_TEXT - 1 bytes) and flags for one showing, from now until
 * now + RECEIPT_ONCE_TTL; writes the new entry's id. owner (the case id) holds at most one entry:
 * a new one replaces its older one, so one session cannot fill the table. 0, or -1 when every
 * slot holds a live entry or the receipt is too long (the caller then shows the receipt at once).
 */
int receipt_once_put(const char *receipt, int flags, const char *owner, int64_t now,
                     char id[RECEIPT_ONCE_ID]);
/* Takes the live entry named id: copies its receipt and flags out and wipes it. 0, or -1 when
 * there is none (never was, already shown, expired, or id is malformed). */
int receipt_once_take(const char *id, int64_t now, char receipt[RECEIPT_ONCE_TEXT], int *flags);
/* Wipes every entry (shutdown, tests). */
void receipt_once_clear(void);

#endif
