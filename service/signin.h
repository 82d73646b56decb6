/* Staff sign-in shared by the page and the API: backoff per account and per address checked
 * first, then Argon2id in the slow-work pool. */
#ifndef TAKEDOWN_SIGNIN_H
#define TAKEDOWN_SIGNIN_H

#include "http.h"

/* Starts a sign-in; returns HANDLER_SUSPENDED, or a status with the reply filled (429). */
int signin_start(Request *req, const char *login, const char *password, const char *totp,
                 const char *next);
/* The sign-in page with the login kept and an error (an i18n key), or neither. */
int signin_form(Request *req, int status, const char *login, const char *error_key);
/* Sets up the limiters; call once before serving. */
void signin_init(void);
void signin_shutdown(void);

#endif
