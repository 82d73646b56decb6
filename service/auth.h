/* Who may do what: the one gate every routed request passes (http_set_gate), and CSRF tokens. */
#ifndef TAKEDOWN_AUTH_H
#define TAKEDOWN_AUTH_H

#include "http.h"
#include "session.h"

/* Makes the key of the anonymous CSRF tokens; once at startup, before serving. */
void auth_init(void);
void auth_shutdown(void);
/* Loads the session, checks the route's roles and the CSRF token; 0 to go on, else a status with
 * the reply filled (401, 403, 415, or a redirect to the sign-in page for pages). */
int auth_gate(Request *req);
/* The CSRF token to put in a form on this page: the session's, or for an anonymous visitor a MAC
 * of the SameSite=Strict td_csrf cookie (set here when missing) under a key of this process. */
const char *auth_form_token(Request *req);
/* The checks of an upload before its body is read (http_set_upload_checks): a session or an
 * anonymous CSRF cookie (else 403). A limited address is let in: its page comes back filled. */
int auth_upload_before_body(Request *req);
/* Before the first file part: the CSRF token among the fields read so far (else 403); from an
 * address over its submission limit, the files are dropped unread (uploads_drop_files). */
int auth_upload_before_file(Request *req);
/* Clears the anonymous CSRF cookie (the quick exit: nothing of the visit stays). */
void auth_forget_form_token(Request *req);
/* Loads the request's session from its cookie once (the gate does it; upload sinks need it before
 * the body is read). NULL when there is none. */
Session *auth_load_session(Request *req);

#endif
