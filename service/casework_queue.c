/* Queues: one page of cases at a time, by cursor, decrypting nothing. */
#include "casework_internal.h"

#include "store_queue.h"

#include <stdio.h>
#include <string.h>

/* ---- queues ---- */

typedef struct QueueArgs {
    CaseworkQueueRowFn cb;
    void *arg;
    int64_t now;
    QueueRow last; /* only its sort key, for the cursor */
    int n;
} QueueArgs;

static void queue_row(void *arg, const QueueRow *r)
{
    QueueArgs *a = arg;
    a->cb(a->arg, r, r->next_due && r->next_due <= a->now);
    snprintf(a->last.id, sizeof a->last.id, "%s", r->id);
    a->last.prio = r->prio;
    a->last.due = r->due;
    a->last.created_at = r->created_at;
    a->n++;
}

static const char *const QUEUES[] = {"new",        "mine", "overdue", "awaiting",
                                     "monitoring", "all",  NULL};

CaseworkResult casework_queue(const Session *s, QueueFilter *f, const char *cursor, int64_t now,
                              CaseworkQueueRowFn cb, void *arg, char next[CASEWORK_CURSOR_MAX])
{
    next[0] = '\0';
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
    QueueArgs a = {.cb = cb, .arg = arg, .now = now};
    StoreStatus st = store_queue(c, f, queue_row, &a);
    if (st != STORE_OK)
        return cw_from_store(st);
    if (a.n == f->limit)
        snprintf(next, CASEWORK_CURSOR_MAX, "%d.%lld.%lld.%s", a.last.prio, (long long)a.last.due,
                 (long long)a.last.created_at, a.last.id);
    return CW_OK;
}
