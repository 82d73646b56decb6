/* A PostgreSQL error to a store status (pg_errors.h). GNUnet's pq_eval.c and the Taler exchange
 * make the same split: serialization failures and deadlocks are soft (run again), everything
 * else is hard. */
#include "pg_errors.h"

#include <string.h>

static int is(const char *state, const char *code)
{
    return strcmp(state, code) == 0;
}

static int class_of(const char *state, const char *cls)
{
    return strncmp(state, cls, 2) == 0;
}

PgError pg_error_of(const char *sqlstate, const char *constraint)
{
    PgError e = {STORE_ERROR, 0, 0};
    if (!sqlstate || strlen(sqlstate) != 5) { /* no answer: the connection failed */
        e.status = STORE_UNAVAILABLE;
        e.broken = 1;
        return e;
    }
    /* Keys chosen after reading the ones stored (the audit chain's next id, a desk's next
     * number): another transaction took the same one; running again reads the new last one. */
    if (is(sqlstate, "40001") || is(sqlstate, "40P01") ||
        (is(sqlstate, "23505") && constraint &&
         (strcmp(constraint, "audit_pkey") == 0 || strcmp(constraint, "desk_notices_seq") == 0))) {
        e.status = STORE_BUSY;
        e.retry = 1;
        return e;
    }
    if (is(sqlstate, "55P03") || is(sqlstate, "57014")) { /* lock_timeout, statement cancelled */
        e.status = STORE_BUSY;
        return e;
    }
    if (class_of(sqlstate, "23")) { /* unique, foreign key, check, not null */
        e.status = STORE_CONFLICT;
        return e;
    }
    if (is(sqlstate, "53100") || is(sqlstate, "53000") || is(sqlstate, "53200") ||
        is(sqlstate, "53300") || is(sqlstate, "58030")) { /* disk, memory, connections, I/O */
        e.status = STORE_UNAVAILABLE;
        return e;
    }
    if (class_of(sqlstate, "08") || is(sqlstate, "57P01") || is(sqlstate, "57P02") ||
        is(sqlstate, "57P03") || is(sqlstate, "25006")) { /* connection lost, shut down, standby */
        e.status = STORE_UNAVAILABLE;
        e.broken = 1;
        return e;
    }
    return e; /* 42xxx, 22xxx, XX000, ...: our bug, logged by the caller */
}
