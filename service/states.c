/* The transition table. Each row: a state, whether it is open, and where it may go next. */
#include "states.h"

#include <string.h>

typedef struct StateRow {
    const char *name;
    int open;
    const char *next[6];
} StateRow;

static const StateRow rows[] = {
    {"reported", 1, {"in_review"}},
    {"in_review", 1, {"ready", "declined", "visit_planned"}},
    {"ready", 1, {"notice_sent"}},
    {"notice_sent", 1, {"acknowledged", "needs_info", "removed", "restricted", "rejected"}},
    {"acknowledged", 1, {"needs_info", "removed", "restricted", "rejected"}},
    {"needs_info", 1, {"notice_sent"}},
    {"rejected", 1, {"escalated"}},
    {"escalated", 1, {"notice_sent", "closed_unresolved"}},
    {"removed", 1, {"counter_noticed", "verified_gone"}},
    {"counter_noticed", 1, {"restored", "upheld"}},
    {"verified_gone", 1, {"monitoring"}},
    {"monitoring", 1, {"closed"}},
    {"visit_planned", 1, {"visited_deleted", "visited_sealed", "visited_refused", "unreachable"}},
    {"declined", 0, {NULL}},
    {"restricted", 0, {NULL}},
    {"closed_unresolved", 0, {NULL}},
    {"restored", 0, {NULL}},
    {"upheld", 0, {NULL}},
    {"visited_deleted", 0, {NULL}},
    {"visited_sealed", 0, {NULL}},
    {"visited_refused", 1, {"visit_planned", "closed_unresolved"}},
    {"unreachable", 1, {"visit_planned", "closed_unresolved"}},
    {"withdrawn", 0, {NULL}},
    {"closed", 0, {NULL}},
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

int states_allowed(const char *from, const char *to)
{
    const StateRow *r = row_of(from);
    if (!r || !row_of(to))
        return 0;
    if (strcmp(to, "withdrawn") == 0)
        return r->open;
    for (size_t i = 0; i < 6 && r->next[i]; i++)
        if (strcmp(r->next[i], to) == 0)
            return 1;
    return 0;
}

const char *const *states_all(size_t *n)
{
    /* Written once at compile time, so many threads may read it. */
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
