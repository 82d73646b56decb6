/* Both sign-ins, shared by the pages and the API: staff (login, password, TOTP) and victims (the
 * receipt). Each checks its limiters first and counts the attempt, runs Argon2id in the slow-work
 * pool, forgives a success and replies (a page or JSON, by req->is_api). The session cookie is set
 * and cleared only here. */
#ifndef TAKEDOWN_SIGNIN_H
#define TAKEDOWN_SIGNIN_H

#include "config.h"
#include "http.h"
#include "store.h"

/* Starts a staff sign-in; returns HANDLER_SUSPENDED, or a status with the reply filled (429). */
int signin_start(Request *req, const char *login, const char *password, const char *totp,
                 const char *next);
/* The sign-in page with the login kept and an error (an i18n key), or neither. */
int signin_form(Request *req, int status, const char *login, const char *error_key);
/* Starts a receipt sign-in (per address and overall limits first); returns HANDLER_SUSPENDED, or
 * 429 with the reply filled. On success the session cookie and 200 {csrf} or a 303 to /my. */
int signin_receipt_start(Request *req, const char *typed);
/* The follow-up page (sign in with the receipt) with an error (an i18n key), or none, and the
 * receipt as typed (NULL: empty) kept in its field. */
int signin_receipt_form(Request *req, int status, const char *error_key, const char *typed);
/* Sets the session cookie (HttpOnly, SameSite=Strict, Secure over TLS). */
void signin_set_cookie(Request *req, const char *cookie);
/* Clears the session cookie in the browser. */
void signin_clear_cookie(Request *req);
/* Ends the request's session, if it has one, and clears its cookie; STORE_OK, or why the session
 * row stayed. */
StoreStatus signin_end(Request *req);
/* Sets up the limiters from the receipt_* and staff_* limits; call once before serving. */
void signin_init(const Limits *limits);
void signin_shutdown(void);

#endif
