/* What a PostgreSQL error means to the store (issue 16, docs/plans/plan16.md 2.5): a SQLSTATE
 * (and, for a unique violation, the constraint's name) to a StoreStatus, and whether the whole
 * transaction should run again. Kept apart from the driver so that the table is tested alone. */
#ifndef TAKEDOWN_PG_ERRORS_H
#define TAKEDOWN_PG_ERRORS_H

#include "store.h"

typedef struct PgError {
    StoreStatus status;
    int retry;  /* 1: roll back and run the transaction again (a serialization conflict) */
    int broken; /* 1: the connection is gone or useless; make a new one at its next use */
} PgError;

/* sqlstate: the five characters of PG_DIAG_SQLSTATE, or NULL when libpq gave none (the
 * connection failed); constraint: PG_DIAG_CONSTRAINT_NAME or NULL. */
PgError pg_error_of(const char *sqlstate, const char *constraint);

#endif
