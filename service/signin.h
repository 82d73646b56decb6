/* Staff sign-in shared by the page and the API: backoff per account and per address checked
 * first, then Argon2id in the slow-work pool. */
#ifndef TAKEDOWN_SIGNIN_H
#define TAKEDOWN_SIGNIN_H

#include "http.h"

/* Starts a sign-in; returns HANDLER_SUSPENDED, or a status with the reply filled (429). */
int signin_start(Request *req, const char *login, const char *password, const char *totp,
                 const char *next);
/* Sets up the limiters; call once before serving. */
void signin_init(void);
void signin_shutdown(void);

#endif
