/* The transition table. Each row: a state, whether it is open, which kinds of copy may enter it,
 * and where it may go next. */
#include "states.h"

#include <string.h>

/* Which copies may enter a state: notices go to platforms (online copies), visits to holders of
 * offline copies. */
typedef enum StateEnter { ENTER_ANY, ENTER_NOTICE, ENTER_VISIT } StateEnter;

typedef struct StateRow {
    const char *name;
    int open;
    StateEnter enter;
    const char *next[STATES_NEXT_MAX];
} StateRow;

static const StateRow rows[] = {
    {STATE_REPORTED, 1, ENTER_ANY, {STATE_IN_REVIEW}},
    {STATE_IN_REVIEW, 1, ENTER_ANY, {STATE_READY, STATE_DECLINED, STATE_VISIT_PLANNED}},
    {STATE_READY, 1, ENTER_NOTICE, {STATE_NOTICE_SENT}},
    {STATE_NOTICE_SENT,
     1,
     ENTER_NOTICE,
     {STATE_ACKNOWLEDGED, STATE_NEEDS_INFO, STATE_REMOVED, STATE_RESTRICTED, STATE_REJECTED}},
    {STATE_ACKNOWLEDGED,
     1,
     ENTER_ANY,
     {STATE_NEEDS_INFO, STATE_REMOVED, STATE_RESTRICTED, STATE_REJECTED}},
    {STATE_NEEDS_INFO, 1, ENTER_ANY, {STATE_NOTICE_SENT}},
    {STATE_REJECTED, 1, ENTER_ANY, {STATE_ESCALATED}},
    {STATE_ESCALATED, 1, ENTER_ANY, {STATE_NOTICE_SENT, STATE_CLOSED_UNRESOLVED}},
    {STATE_REMOVED, 1, ENTER_ANY, {STATE_COUNTER_NOTICED, STATE_VERIFIED_GONE}},
    {STATE_COUNTER_NOTICED, 1, ENTER_ANY, {STATE_RESTORED, STATE_UPHELD}},
    {STATE_VERIFIED_GONE, 1, ENTER_ANY, {STATE_MONITORING}},
    {STATE_MONITORING, 1, ENTER_ANY, {STATE_CLOSED}},
    {STATE_VISIT_PLANNED,
     1,
     ENTER_VISIT,
     {STATE_VISITED_DELETED, STATE_VISITED_SEALED, STATE_VISITED_REFUSED, STATE_UNREACHABLE}},
    {STATE_DECLINED, 0, ENTER_ANY, {NULL}},
    {STATE_RESTRICTED, 0, ENTER_ANY, {NULL}},
    {STATE_CLOSED_UNRESOLVED, 0, ENTER_ANY, {NULL}},
    {STATE_RESTORED, 0, ENTER_ANY, {NULL}},
    {STATE_UPHELD, 0, ENTER_ANY, {NULL}},
    {STATE_VISITED_DELETED, 0, ENTER_ANY, {NULL}},
    {STATE_VISITED_SEALED, 0, ENTER_ANY, {NULL}},
    {STATE_VISITED_REFUSED, 1, ENTER_ANY, {STATE_VISIT_PLANNED, STATE_CLOSED_UNRESOLVED}},
    {STATE_UNREACHABLE, 1, ENTER_ANY, {STATE_VISIT_PLANNED, STATE_CLOSED_UNRESOLVED}},
    {STATE_WITHDRAWN, 0, ENTER_ANY, {NULL}},
    {STATE_CLOSED, 0, ENTER_ANY, {NULL}},
};
#define NROWS (sizeof rows / sizeof rows[0])

static const StateRow *row_of(const char *name)
{
    for (size_t i = 0; name && i < NROWS; i++)
        if (strcmp(rows[i].name, name) == 0)
            return &rows[i];
    return NULL;
}

int states_known(const char *name)
{
    return row_of(name) != NULL;
}

int states_is_open(const char *name)
{
    const StateRow *r = row_of(name);
    return r && r->open;
}

int states_is_gone(const char *name)
{
    static const char *const gone[] = {
        STATE_REMOVED, STATE_VERIFIED_GONE,   STATE_MONITORING,    STATE_CLOSED,
        STATE_UPHELD,  STATE_VISITED_DELETED, STATE_VISITED_SEALED};
    for (size_t i = 0; name && i < sizeof gone / sizeof gone[0]; i++)
        if (strcmp(gone[i], name) == 0)
            return 1;
    return 0;
}

int states_allowed(const char *from, const char *to)
{
    const StateRow *r = row_of(from);
    if (!r || !row_of(to))
        return 0;
    if (strcmp(to, STATE_WITHDRAWN) == 0)
        return r->open;
    for (size_t i = 0; i < STATES_NEXT_MAX && r->next[i]; i++)
        if (strcmp(r->next[i], to) == 0)
            return 1;
    return 0;
}

int states_kind_offline(const char *kind)
{
    return kind && strcmp(kind, TARGET_KIND_OFFLINE) == 0;
}

int states_move_allowed(const char *kind, const char *from, const char *to, int withdrawn)
{
    if (withdrawn || !kind || !states_allowed(from, to) || strcmp(to, STATE_WITHDRAWN) == 0)
        return 0;
    StateEnter enter = row_of(to)->enter;
    int offline = states_kind_offline(kind);
    return enter == ENTER_ANY || (enter == ENTER_NOTICE && !offline) ||
           (enter == ENTER_VISIT && offline);
}

size_t states_next(const char *kind, const char *from, int withdrawn, const char **out, size_t cap)
{
    const StateRow *r = row_of(from);
    size_t n = 0;
    for (size_t i = 0; r && i < STATES_NEXT_MAX && r->next[i]; i++)
        if (n < cap && states_move_allowed(kind, from, r->next[i], withdrawn))
            out[n++] = r->next[i];
    return n;
}

const char *const *states_all(size_t *n)
{
    /* Written once at compile time, so many threads may read it. Literals, not the STATE_ names:
     * tests/http/openapi.test.mjs reads this list from the source. */
    static const char *const names[] = {
        "reported",          "in_review",   "ready",         "notice_sent",     "acknowledged",
        "needs_info",        "rejected",    "escalated",     "removed",         "counter_noticed",
        "verified_gone",     "monitoring",  "visit_planned", "declined",        "restricted",
        "closed_unresolved", "restored",    "upheld",        "visited_deleted", "visited_sealed",
        "visited_refused",   "unreachable", "withdrawn",     "closed"};
    _Static_assert(sizeof names / sizeof names[0] == NROWS, "one name per row");
    *n = NROWS;
    return names;
}
