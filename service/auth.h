/* Who may do what: the one gate every routed request passes (http_set_gate), and CSRF tokens. */
#ifndef TAKEDOWN_AUTH_H
#define TAKEDOWN_AUTH_H

#include "http.h"
#include "session.h"

/* Loads the session, checks the route's roles and the CSRF token; 0 to go on, else a status with
 * the reply filled (401, 403, 415, or a redirect to the sign-in page for pages). */
int auth_gate(Request *req);
/* The CSRF token to put in a form on this page: the session's, or for an anonymous visitor a
 * random one also set as a SameSite=Strict cookie (double submit). */
const char *auth_form_token(Request *req);
/* Clears the anonymous CSRF cookie (the quick exit: nothing of the visit stays). */
void auth_forget_form_token(Request *req);
/* Loads the request's session from its cookie once (the gate does it; upload sinks need it before
 * the body is read). NULL when there is none. */
Session *auth_load_session(Request *req);

#endif
