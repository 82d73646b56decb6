/* Limits on the victims' anonymous endpoints: report submissions and receipt sign-ins, per source
 * address and overall, so guessing receipts is hopeless and a flood cannot take the service down.
 * Each check fills a 429 with Retry-After when it refuses. */
#ifndef TAKEDOWN_GUARD_H
#define TAKEDOWN_GUARD_H

#include "http.h"

void guard_init(void);
void guard_shutdown(void);
/* 0 when a report may be submitted now (and counts it), else 429. */
int guard_submission(Request *req);
/* 0 when this address may submit now, else 429; counts nothing (guard_submission does, later).
 * For an upload, before its body is read. */
int guard_submission_allowed(Request *req);
/* 0 when a receipt sign-in may be tried now (counted as a failure until guard_receipt_ok says
 * otherwise), else 429. */
int guard_receipt(Request *req);
/* The receipt was right: takes back the failure counted by guard_receipt. */
void guard_receipt_ok(Request *req);

#endif
