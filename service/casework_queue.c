/* Queues: one page of cases at a time, by cursor, decrypting nothing. */
#include "casework_internal.h"

#include "states.h"
#include "store_queue.h"
#include "store_target.h"
#include "vault.h"

#include <stdio.h>
#include <string.h>

/* ---- queues ---- */

typedef struct QueueArgs {
    StoreConn *c;
    json_t *rows;
    int64_t now;
    QueueRow last;
    int n;
} QueueArgs;

typedef struct TargetSummary {
    json_t *platforms, *states;
    int open, total, overdue;
    int64_t next_due;
    char waiting[24];
} TargetSummary;

static void summarise_target(void *arg, const TargetRow *t)
{
    TargetSummary *ts = arg;
    ts->total++;
    if (states_is_open(t->state))
        ts->open++;
    json_t *n = json_object_get(ts->states, t->state);
    json_object_set_new(ts->states, t->state, json_integer(n ? json_integer_value(n) + 1 : 1));
    int seen = 0;
    size_t i;
    json_t *p;
    json_array_foreach(ts->platforms, i, p) if (strcmp(json_string_value(p), t->platform) == 0)
        seen = 1;
    if (!seen)
        json_array_append_new(ts->platforms, json_string(t->platform));
    if (cw_is_waiting(t->state) && t->due_at) {
        if (!ts->next_due || t->due_at < ts->next_due) {
            ts->next_due = t->due_at;
            snprintf(ts->waiting, sizeof ts->waiting, "%s", t->state);
        }
    }
}

static void queue_row(void *arg, const QueueRow *r)
{
    QueueArgs *a = arg;
    TargetSummary ts = {json_array(), json_object(), 0, 0, 0, 0, ""};
    store_targets_of_case(a->c, r->id, 0, summarise_target, &ts);
    json_t *o = json_pack("{s:s, s:I, s:i, s:s, s:o, s:o, s:i, s:i}", "case", r->id, "created_at",
                          (json_int_t)r->created_at, "risk_flags", r->risk_flags, "incident_type",
                          r->incident_type, "platforms", ts.platforms, "states", ts.states,
                          "open_targets", ts.open, "targets", ts.total);
    json_object_set_new(o, "urgent", json_boolean(r->risk_flags != 0));
    json_object_set_new(o, "assignee", r->assignee[0] ? json_string(r->assignee) : json_null());
    json_object_set_new(o, "withdrawn", json_boolean(r->withdrawn_at != 0));
    if (r->incident_id)
        json_object_set_new(o, "incident", json_integer(r->incident_id));
    if (ts.next_due) {
        json_object_set_new(o, "next_due", json_integer(ts.next_due));
        json_object_set_new(o, "waiting_on", json_string(ts.waiting));
        json_object_set_new(o, "overdue", json_boolean(ts.next_due <= a->now));
    } else {
        json_object_set_new(o, "overdue", json_false());
    }
    json_array_append_new(a->rows, o);
    a->last = *r;
    a->n++;
}

static const char *const QUEUES[] = {"new",        "mine", "overdue", "awaiting",
                                     "monitoring", "all",  NULL};

CaseworkResult casework_queue(const Session *s, QueueFilter *f, const char *cursor, int64_t now,
                              json_t **out)
{
    int known = 0;
    for (int i = 0; QUEUES[i]; i++)
        if (f->queue && strcmp(f->queue, QUEUES[i]) == 0)
            known = 1;
    if (!known || f->limit < 1 || f->limit > CASEWORK_QUEUE_MAX)
        return CW_INVALID;
    f->me = s->staff_id;
    f->now = now;
    f->prio = -1;
    f->due = 0;
    f->created = 0;
    f->after_id[0] = '\0';
    if (cursor && *cursor) {
        /* The cursor is the sort key of the last row shown: "prio.due.created.id". */
        long long due, created;
        int prio;
        char id[24];
        char tail;
        if (strlen(cursor) > 80 ||
            sscanf(cursor, "%d.%lld.%lld.%23[0-9a-f]%c", &prio, &due, &created, id, &tail) != 4 ||
            prio < 0 || prio > 1)
            return CW_INVALID;
        f->prio = prio;
        f->due = due;
        f->created = created;
        snprintf(f->after_id, sizeof f->after_id, "%s", id);
    }
    StoreConn *c = store_conn();
    if (!c)
        return CW_ERROR;
    QueueArgs a = {.c = c, .rows = json_array(), .now = now};
    StoreStatus st = store_queue(c, f, queue_row, &a);
    if (st != STORE_OK) {
        json_decref(a.rows);
        return cw_from_store(st);
    }
    json_t *next = json_null();
    if (a.n == f->limit)
        next = json_sprintf("%d.%lld.%lld.%s", a.last.prio, (long long)a.last.due,
                            (long long)a.last.created_at, a.last.id);
    *out = json_pack("{s:o, s:o}", "cases", a.rows, "next", next);
    return CW_OK;
}
