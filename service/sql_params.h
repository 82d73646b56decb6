/* Named parameters for an engine that numbers them. The store's SQL names every parameter
 * (":case_id"), as SQLite takes it; PostgreSQL takes "$1", "$2", ... This rewrites one into the
 * other, the same name always to the same number, and keeps the names so that a bind by name
 * still finds its number (and a name the statement lacks is still a loud failure). */
#ifndef TAKEDOWN_SQL_PARAMS_H
#define TAKEDOWN_SQL_PARAMS_H

#include "buf.h"

#define SQL_PARAMS_MAX 32     /* distinct names in one statement */
#define SQL_PARAM_NAME_MAX 32 /* bytes of a name, ":" and NUL included */

typedef struct SqlParams {
    int n;
    char name[SQL_PARAMS_MAX][SQL_PARAM_NAME_MAX]; /* name[k] is $k+1, with its ":" */
} SqlParams;

/* Writes sql into out with each :name replaced by $k, and the names into p. Text inside '...',
 * "...", -- comments and block comments is copied as it is, and "::" (a cast) is not a
 * parameter. Returns 0, or -1 when the statement has more than SQL_PARAMS_MAX names or a name
 * longer than SQL_PARAM_NAME_MAX allows (out is then incomplete). */
int sql_params_number(const char *sql, Buf *out, SqlParams *p);
/* The number of the parameter called name (":case_id"), 1-based; 0 when there is none. */
int sql_params_find(const SqlParams *p, const char *name);

#endif
