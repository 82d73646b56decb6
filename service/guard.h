/* Limits on report submissions, per source address and overall, so that a flood cannot take the
 * service down (the receipt sign-in's limits are in signin.c). An address has two allowances:
 * accepted reports, and refused attempts (invalid, or not stored), which is larger, so that many
 * people behind one address (a shelter, a mobile carrier) are not locked out by each other's
 * typing mistakes, while one client sending invalid reports in a loop is held at its own limit
 * before it takes from the overall rate that every victim shares. */
#ifndef TAKEDOWN_GUARD_H
#define TAKEDOWN_GUARD_H

#include "config.h"
#include "http.h"

/* Sets up the limiters from the submit_* limits; call once before serving. */
void guard_init(const Limits *limits);
void guard_shutdown(void);
/* Every attempt, valid or not, first: 0 when this address has a try left and a token of the
 * overall rate was taken (the try is counted), else the seconds to wait. */
unsigned guard_submission_attempt(Request *req);
/* For a report that passed validation: 0 when this address may file it now (and counts it, at
 * once, so parallel reports cannot slip past the limit, giving back its try), else the seconds
 * to wait. */
unsigned guard_submission_count(Request *req);
/* Takes back the count of guard_submission_count: the report was not filed after all. */
void guard_submission_forgive(Request *req);
/* The seconds this address must wait before its next report may be filed, for either of its
 * allowances (0: none); counts nothing. */
unsigned guard_submission_wait(Request *req);
/* Fills a 429 error reply with Retry-After (the API's answer); returns 429. */
int guard_refuse(Request *req, unsigned seconds);
/* Sets Retry-After for a limited report whose page is shown again. */
void guard_retry_after(Request *req, unsigned seconds);

#endif
