/* Limits on report submissions, per source address and overall, so that a flood cannot take the
 * service down (the receipt sign-in's limits are in signin.c). Each check fills a 429 with
 * Retry-After when it refuses. */
#ifndef TAKEDOWN_GUARD_H
#define TAKEDOWN_GUARD_H

#include "config.h"
#include "http.h"

/* Sets up the limiters from the submit_* limits; call once before serving. */
void guard_init(const Limits *limits);
void guard_shutdown(void);
/* 0 when a report may be submitted now (and counts it), else 429. */
int guard_submission(Request *req);
/* 0 when this address may submit now, else 429; counts nothing (guard_submission does, later).
 * For an upload, before its body is read. */
int guard_submission_allowed(Request *req);

#endif
