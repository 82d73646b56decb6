/* The queues as kept ready in case_queue (schema/0008_case_queue.sql and 0009) against their
 * definition. A seeded random walk of changes made through the store's own functions (cases
 * reported, copies added and moved through every state, clocks set and cleared, cases assigned,
 * tied to incidents, withdrawn and erased) is checked, after every few steps, queue by queue, for
 * every platform filter, every caseworker and several times of day, page by page through the
 * keyset cursor, against the definition written as a plain query over cases and targets; and
 * every row's summary (platforms, states, counts, next clock, the case's own fields) against the
 * same summary made from the case and its copies read one by one, as the queue used to. And the
 * page query's plan is a range scan of an index for every queue and filter: never a scan of the
 * cases, never a sort. */
#include "states.h"
#include "store.h"
#include "store_case.h"
#include "store_internal.h"
#include "store_queue.h"
#include "store_queue_bulk.h"
#include "store_target.h"
#include "vault.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include "temp_store.h"
#include <dirent.h>
#include <sqlite3.h>
#include <unistd.h>

#define NOW 1741600000
#define CASES 40
#define STEPS 600

static char base_dir[256];
static char db_file[600];

static const char *const QUEUES[] = {"new", "mine", "overdue", "awaiting", "monitoring", "all"};
static const char *const PLATFORMS[] = {"douyin", "weibo", "wechat", "offline"};

#include "raw_db.h"

static int setup(void **state)
{
    (void)state;
    if (temp_store_open("queue", base_dir, db_file) != 0)
        return -1;
    /* Two caseworkers (ids 1 and 2) to assign cases to. */
    raw_exec("INSERT INTO staff (id, login, role, key_wrap, created_at, password_changed_at) "
             "VALUES (1, 'w1', 'caseworker', x'00', 0, 0), (2, 'w2', 'caseworker', x'00', 0, 0)");
    /* Two incidents to tie cases to. */
    raw_exec("INSERT INTO incidents (id, created_at, label) VALUES (1, 0, x'00'), (2, 0, x'00')");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    temp_store_close(base_dir);
    return 0;
}

/* ---- a seeded random walk of changes, through the store ---- */

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static unsigned pick(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

typedef struct Step {
    unsigned what, k;
    int64_t target;
} Step;

static void case_id_of(unsigned k, char *id, size_t n)
{
    snprintf(id, n, "%020u", k);
}

static StoreStatus step_new_case(StoreConn *c, unsigned k)
{
    CaseRow r;
    memset(&r, 0, sizeof r);
    case_id_of(k, r.id, sizeof r.id);
    snprintf(r.channel, sizeof r.channel, "web");
    snprintf(r.requester_role, sizeof r.requester_role, "self");
    snprintf(r.language, sizeof r.language, "en");
    snprintf(r.incident_type, sizeof r.incident_type, "crime");
    r.risk_flags = pick(4) == 0 ? 1 << pick(4) : 0;
    /* Few distinct creation times, so that ties on (prio, due, created) are common. */
    r.created_at = NOW + pick(4);
    vault_random(r.receipt_lookup, sizeof r.receipt_lookup);
    buf_puts(&r.sealed_key, "k");
    buf_puts(&r.receipt_wrap, "w");
    buf_puts(&r.body, "b");
    StoreStatus s = store_case_insert(c, &r);
    case_row_free(&r);
    return s == STORE_CONFLICT ? STORE_OK : s; /* the case is there already */
}

/* A random target of the store, or 0. */
static int64_t any_target(void)
{
    sqlite3 *db = raw_open();
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT id FROM targets ORDER BY id LIMIT 1 OFFSET "
                                        "abs(?1) % max(1, (SELECT count(*) FROM targets))",
                                        -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_int64(st, 1, (int64_t)pick(1000000));
    int64_t id = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    sqlite3_close(db);
    return id;
}

static char current_state[32];

static int state_of_row(StoreStmt *st, void *arg)
{
    (void)arg;
    store_column_text(st, 0, current_state, sizeof current_state);
    return 0;
}

static StoreStatus step(StoreConn *c, void *arg)
{
    const Step *s = arg;
    char id[24];
    case_id_of(s->k, id, sizeof id);
    size_t nstates;
    const char *const *all = states_all(&nstates);
    switch (s->what) {
    case 0:
        return step_new_case(c, s->k);
    case 1: {
        Buf body = {0};
        buf_puts(&body, "t");
        const char *platform = PLATFORMS[pick(4)];
        int64_t tid;
        StoreStatus st = step_new_case(c, s->k);
        if (st == STORE_OK)
            st = store_target_insert(c, id, strcmp(platform, "offline") ? "online" : "offline",
                                     platform, all[pick((unsigned)nstates)], 0, &body, NOW, &tid);
        buf_free(&body);
        return st;
    }
    case 2: { /* a move to any state: the store's guard is "from", not the transition rules */
        if (!s->target)
            return STORE_OK;
        StoreStmt *st = store_stmt(c, "SELECT state FROM targets WHERE id = :id");
        store_bind_int64_n(st, ":id", s->target);
        current_state[0] = '\0';
        if (store_each(c, st, state_of_row, NULL, __func__) != STORE_OK || !current_state[0])
            return STORE_OK;
        return store_target_set_state(c, s->target, current_state, all[pick((unsigned)nstates)],
                                      NOW + 1);
    }
    case 3: /* a clock set (in the past or the future) or cleared */
        if (!s->target)
            return STORE_OK;
        return store_target_set_clock(c, s->target, "cn_complaint",
                                      pick(3) == 0 ? 0 : NOW + (int64_t)pick(7) * 3600 - 3 * 3600);
    case 4: {
        StoreStatus st = store_case_set_assignee(c, id, pick(3), NOW);
        return st == STORE_NOT_FOUND ? STORE_OK : st;
    }
    case 7: {
        StoreStatus st = store_case_set_incident(c, id, pick(3));
        return st == STORE_NOT_FOUND ? STORE_OK : st;
    }
    case 5: {
        int64_t n;
        StoreStatus st = store_targets_withdraw(c, id, "victim", NOW, &n);
        if (st == STORE_OK)
            st = store_case_set_withdrawn(c, id, NOW, NOW + 86400);
        return st == STORE_CONFLICT ? STORE_OK : st; /* no such case, or withdrawn already */
    }
    default: {
        Buf files = {0};
        StoreStatus st = store_case_delete(c, id, &files);
        buf_free(&files);
        return st == STORE_NOT_FOUND ? STORE_OK : st;
    }
    }
}

/* ---- the definition, as a plain query ---- */

static void open_states_list(char *out, size_t n)
{
    size_t count, len = 0;
    const char *const *all = states_all(&count);
    len += (size_t)snprintf(out + len, n - len, "(");
    for (size_t i = 0; i < count; i++)
        if (states_is_open(all[i]))
            len += (size_t)snprintf(out + len, n - len, "%s'%s'", len > 1 ? ", " : "", all[i]);
    snprintf(out + len, n - len, ")");
}

/* The case ids of a queue by the definition, in queue order, one a line. */
static void by_definition(sqlite3 *db, const char *queue, int64_t me, int64_t now,
                          const char *platform, int desc, Buf *out)
{
    char open_states[1024], sql[4096];
    open_states_list(open_states, sizeof open_states);
    snprintf(sql, sizeof sql,
             "SELECT c.id, CASE WHEN c.risk_flags != 0 THEN 0 ELSE 1 END AS prio, "
             " coalesce((SELECT min(t.due_at) FROM targets t WHERE t.case_id = c.id), "
             "  9000000000000000) AS due "
             "FROM cases c WHERE "
             " (?1 = 'all' "
             "  OR (?1 = 'new' AND c.withdrawn_at IS NULL AND EXISTS (SELECT 1 FROM targets t "
             "      WHERE t.case_id = c.id AND t.state = 'reported')) "
             "  OR (?1 = 'mine' AND c.assignee = ?2 AND EXISTS (SELECT 1 FROM targets t "
             "      WHERE t.case_id = c.id AND t.state IN %s)) "
             "  OR (?1 = 'overdue' AND EXISTS (SELECT 1 FROM targets t WHERE t.case_id = c.id "
             "      AND t.due_at <= ?3)) "
             "  OR (?1 = 'awaiting' AND EXISTS (SELECT 1 FROM targets t WHERE t.case_id = c.id "
             "      AND t.state IN ('notice_sent', 'acknowledged'))) "
             "  OR (?1 = 'monitoring' AND EXISTS (SELECT 1 FROM targets t WHERE t.case_id = c.id "
             "      AND t.state IN ('verified_gone', 'monitoring')))) "
             " AND (?4 IS NULL OR EXISTS (SELECT 1 FROM targets t WHERE t.case_id = c.id "
             "      AND t.platform = ?4)) "
             "ORDER BY prio, due %s, c.created_at %s, c.id %s",
             open_states, desc ? "DESC" : "", desc ? "DESC" : "", desc ? "DESC" : "");
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("definition: %s", sqlite3_errmsg(db));
    sqlite3_bind_text(st, 1, queue, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, me);
    sqlite3_bind_int64(st, 3, now);
    if (platform)
        sqlite3_bind_text(st, 4, platform, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW)
        buf_printf(out, "%s\n", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
}

/* ---- a row's summary by its definition: the case and its copies read one by one ---- */

typedef struct Summary {
    Buf platforms, states; /* as JSON, in the order of first copies by id */
    int targets, open_targets;
    int64_t next_due;
    char waiting_on[24];
    int risk_flags, withdrawn;
    int64_t incident_id;
    char incident_type[16], assignee[64];
} Summary;

/* The states seen so far, with their counts, in the order first seen. */
typedef struct StateCounts {
    char name[24][24];
    int n[24], len;
} StateCounts;

static void count_state(StateCounts *sc, const char *state)
{
    for (int i = 0; i < sc->len; i++)
        if (strcmp(sc->name[i], state) == 0) {
            sc->n[i]++;
            return;
        }
    assert_true(sc->len < 24);
    snprintf(sc->name[sc->len], sizeof sc->name[0], "%s", state);
    sc->n[sc->len++] = 1;
}

static void summary_of_copies(sqlite3 *db, const char *case_id, Summary *s)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT state, platform, coalesce(due_at, 0) FROM targets "
                                        "WHERE case_id = ?1 ORDER BY id",
                                        -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(st, 1, case_id, -1, SQLITE_STATIC);
    StateCounts sc = {.len = 0};
    buf_puts(&s->platforms, "[");
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *state = (const char *)sqlite3_column_text(st, 0);
        const char *platform = (const char *)sqlite3_column_text(st, 1);
        int64_t due = sqlite3_column_int64(st, 2);
        s->targets++;
        if (states_is_open(state))
            s->open_targets++;
        count_state(&sc, state);
        char quoted[64];
        snprintf(quoted, sizeof quoted, "\"%s\"", platform);
        if (!strstr(s->platforms.data, quoted))
            buf_printf(&s->platforms, "%s%s", s->platforms.len > 1 ? "," : "", quoted);
        if (states_is_open(state) && due && (!s->next_due || due < s->next_due)) {
            s->next_due = due;
            snprintf(s->waiting_on, sizeof s->waiting_on, "%s", state);
        }
    }
    sqlite3_finalize(st);
    buf_puts(&s->platforms, "]");
    buf_puts(&s->states, "{");
    for (int i = 0; i < sc.len; i++)
        buf_printf(&s->states, "%s\"%s\":%d", i ? "," : "", sc.name[i], sc.n[i]);
    buf_puts(&s->states, "}");
}

static void summary_of_case(sqlite3 *db, const char *case_id, Summary *s)
{
    memset(s, 0, sizeof *s);
    sqlite3_stmt *st = NULL;
    assert_int_equal(
        sqlite3_prepare_v2(db,
                           "SELECT risk_flags, incident_type, coalesce(incident_id, 0), "
                           " withdrawn_at IS NOT NULL, "
                           " coalesce((SELECT login FROM staff WHERE id = assignee), '') "
                           "FROM cases WHERE id = ?1",
                           -1, &st, NULL),
        SQLITE_OK);
    sqlite3_bind_text(st, 1, case_id, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    s->risk_flags = sqlite3_column_int(st, 0);
    snprintf(s->incident_type, sizeof s->incident_type, "%s", sqlite3_column_text(st, 1));
    s->incident_id = sqlite3_column_int64(st, 2);
    s->withdrawn = sqlite3_column_int(st, 3);
    snprintf(s->assignee, sizeof s->assignee, "%s", sqlite3_column_text(st, 4));
    sqlite3_finalize(st);
    summary_of_copies(db, case_id, s);
}

static int summaries_compared;   /* rows whose summary was compared, so the check is seen to run */
static int summaries_with_clock; /* ... of them with a running clock */

/* The summary a queue row carries equals the one its case and copies give now. */
static void check_summary(sqlite3 *db, const QueueRow *r)
{
    Summary want;
    summary_of_case(db, r->id, &want);
    const char *platforms = r->platforms.data ? r->platforms.data : "";
    const char *states = r->states.data ? r->states.data : "";
    if (strcmp(want.platforms.data, platforms) != 0 || strcmp(want.states.data, states) != 0 ||
        want.targets != r->targets || want.open_targets != r->open_targets ||
        want.next_due != r->next_due || strcmp(want.waiting_on, r->waiting_on) != 0 ||
        want.risk_flags != r->risk_flags || want.withdrawn != r->withdrawn ||
        want.incident_id != r->incident_id || strcmp(want.incident_type, r->incident_type) != 0 ||
        strcmp(want.assignee, r->assignee) != 0)
        fail_msg("case %s: the queue row's summary differs from its definition:\n"
                 "want %s %s %d/%d due %lld %s risk %d withdrawn %d incident %lld %s by '%s'\n"
                 "got  %s %s %d/%d due %lld %s risk %d withdrawn %d incident %lld %s by '%s'",
                 r->id, want.platforms.data, want.states.data, want.open_targets, want.targets,
                 (long long)want.next_due, want.waiting_on, want.risk_flags, want.withdrawn,
                 (long long)want.incident_id, want.incident_type, want.assignee, platforms, states,
                 r->open_targets, r->targets, (long long)r->next_due, r->waiting_on, r->risk_flags,
                 r->withdrawn, (long long)r->incident_id, r->incident_type, r->assignee);
    summaries_compared++;
    if (want.next_due)
        summaries_with_clock++;
    buf_free(&want.platforms);
    buf_free(&want.states);
}

typedef struct Paged {
    sqlite3 *db;
    Buf *out;
    QueueRow last;
    int n;
} Paged;

static void paged_row(void *arg, const QueueRow *r)
{
    Paged *p = arg;
    buf_printf(p->out, "%s\n", r->id);
    check_summary(p->db, r);
    p->last = *r;
    p->n++;
}

/* The case ids of a queue as the service pages it: three at a time, by the keyset cursor. */
static void by_store(sqlite3 *db, const char *queue, int64_t me, int64_t now, const char *platform,
                     int desc, Buf *out)
{
    StoreConn *c = store_conn();
    assert_non_null(c);
    QueueFilter f = {.queue = queue,
                     .me = me,
                     .now = now,
                     .platform = platform,
                     .desc = desc,
                     .prio = -1,
                     .limit = 3};
    for (int pages = 0; pages < CASES + 2; pages++) {
        Paged p = {.db = db, .out = out};
        assert_int_equal(store_queue(c, &f, paged_row, &p), STORE_OK);
        if (p.n < f.limit)
            return;
        f.prio = p.last.prio;
        f.due = p.last.due;
        f.created = p.last.created_at;
        snprintf(f.after_id, sizeof f.after_id, "%s", p.last.id);
    }
    fail_msg("the %s queue did not end", queue);
}

/* Several steps on one case in one transaction that holds the refresh until its end, as a
 * report, added copies and a withdrawal do (store_queue_held). */
typedef struct Batch {
    Step steps[4];
    int n;
} Batch;

static StoreStatus batch_writes(StoreConn *c, void *arg)
{
    Batch *b = arg;
    StoreStatus s = STORE_OK;
    for (int i = 0; i < b->n && s == STORE_OK; i++)
        s = step(c, &b->steps[i]);
    return s;
}

static StoreStatus batch_held(StoreConn *c, void *arg)
{
    return store_queue_held(c, batch_writes, arg);
}

static int compared; /* non-empty queues compared, so the walk is seen to fill them */

static void check_every_queue(void)
{
    sqlite3 *db = raw_open();
    static const int64_t nows[] = {NOW - 7200, NOW, NOW + 7200};
    for (size_t q = 0; q < sizeof QUEUES / sizeof QUEUES[0]; q++)
        for (int64_t me = 1; me <= 2; me++)
            for (size_t t = 0; t < 3; t++)
                for (int p = -1; p < 4; p++)
                    for (int desc = 0; desc <= (t == 1); desc++) {
                        const char *platform = p < 0 ? NULL : PLATFORMS[p];
                        Buf want = {0}, got = {0};
                        by_definition(db, QUEUES[q], me, nows[t], platform, desc, &want);
                        by_store(db, QUEUES[q], me, nows[t], platform, desc, &got);
                        const char *w = want.data ? want.data : "";
                        const char *g = got.data ? got.data : "";
                        if (strcmp(w, g) != 0)
                            fail_msg("queue %s (caseworker %d, platform %s, %s) differs from its "
                                     "definition:\nwant:\n%sgot:\n%s",
                                     QUEUES[q], (int)me, platform ? platform : "any",
                                     desc ? "latest first" : "soonest first", w, g);
                        if (want.len)
                            compared++;
                        buf_free(&want);
                        buf_free(&got);
                    }
    sqlite3_close(db);
}

static void test_queues_match_their_definition(void **state)
{
    (void)state;
    for (int i = 0; i < STEPS; i++) {
        /* Mostly copies added and moved, now and then a case assigned, withdrawn or erased. */
        static const unsigned weights[] = {0, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 4, 4, 5, 6, 7};
        Step s = {weights[pick(sizeof weights / sizeof weights[0])], pick(CASES), 0};
        if (s.what == 5 || s.what == 6)
            s.what = pick(3) == 0 ? s.what : 1; /* keep the rarer changes rare */
        s.target = any_target();
        StoreStatus rc;
        if (i % 3 == 2) { /* every third: this step and up to three more, the refresh held */
            Batch b = {.n = 1 + (int)pick(4)};
            b.steps[0] = s;
            for (int j = 1; j < b.n; j++)
                b.steps[j] =
                    (Step){weights[pick(sizeof weights / sizeof weights[0])], s.k, any_target()};
            for (int j = 1; j < b.n; j++)
                if (b.steps[j].what == 5 || b.steps[j].what == 6)
                    b.steps[j].what = 1;
            rc = store_tx(batch_held, &b);
        } else {
            rc = store_tx(step, &s);
        }
        if (rc != STORE_OK)
            fail_msg("step %d (%u on case %u): %d", i, s.what, s.k, (int)rc);
        if (i % 50 == 49)
            check_every_queue();
    }
    /* The walk filled the queues: most of the comparisons were of non-empty queues, and many
     * rows' summaries were compared, many of them with a clock running. */
    assert_true(compared > 12 * 6 * 2 * 3 * 5 / 2);
    assert_true(summaries_compared > 1000);
    assert_true(summaries_with_clock > summaries_compared / 10);
}

static int64_t int_of(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("prepare %s: %s", sql, sqlite3_errmsg(db));
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* What the triggers kept after the walk equals what the migration's fill makes from scratch. */
static void test_rows_rebuilt_from_scratch_are_the_same(void **state)
{
    (void)state;
    sqlite3 *db = raw_open();
    char *msg = NULL;
    if (sqlite3_exec(db,
                     "CREATE TEMP TABLE kept AS SELECT * FROM case_queue;"
                     "DELETE FROM case_queue;"
                     "INSERT INTO case_queue_dirty SELECT id FROM cases;",
                     NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("rebuild: %s", msg ? msg : "?");
    assert_true(int_of(db, "SELECT count(*) FROM kept") > CASES / 2);
    assert_int_equal(int_of(db, "SELECT count(*) FROM (SELECT * FROM kept EXCEPT "
                                "SELECT * FROM case_queue)"),
                     0);
    assert_int_equal(int_of(db, "SELECT count(*) FROM (SELECT * FROM case_queue EXCEPT "
                                "SELECT * FROM kept)"),
                     0);
    assert_int_equal(int_of(db, "SELECT count(*) FROM case_queue_dirty"), 0);
    sqlite3_close(db);
}

static int64_t rows_of(StoreConn *c, const char *id)
{
    StoreStmt *st = store_stmt(c, "SELECT count(*) FROM case_queue WHERE case_id = :id");
    store_bind_text_n(st, ":id", id);
    int64_t n = -1;
    if (store_one(c, st, store_row_int64, &n, __func__) != STORE_OK)
        n = -1;
    return n;
}

typedef struct Seen {
    unsigned k;
    int64_t rows; /* the new case's queue rows right after its insert */
    StoreStatus end;
} Seen;

static StoreStatus new_case_look(StoreConn *c, void *arg)
{
    Seen *v = arg;
    char id[24];
    case_id_of(v->k, id, sizeof id);
    StoreStatus s = step_new_case(c, v->k);
    v->rows = rows_of(c, id);
    return s == STORE_OK ? v->end : s;
}

static StoreStatus new_case_look_held(StoreConn *c, void *arg)
{
    Seen *v = arg;
    StoreStatus s = store_queue_held(c, new_case_look, arg);
    char id[24];
    case_id_of(v->k, id, sizeof id);
    if (s == STORE_OK && rows_of(c, id) != 1) /* released: the case is in "all", once */
        return STORE_ERROR;
    return s;
}

/* Held, a new case has no queue row until the release, which gives it its row; a held
 * transaction that fails takes the hold back with it, so the next change is refreshed at once. */
static void test_hold_waits_for_the_release(void **state)
{
    (void)state;
    Seen held = {9001, -1, STORE_OK};
    assert_int_equal(store_tx(new_case_look_held, &held), STORE_OK);
    assert_int_equal(held.rows, 0);
    Seen failed = {9002, -1, STORE_CONFLICT};
    assert_int_equal(store_tx(new_case_look_held, &failed), STORE_CONFLICT);
    assert_int_equal(failed.rows, 0);
    Seen plain = {9003, -1, STORE_OK};
    assert_int_equal(store_tx(new_case_look, &plain), STORE_OK);
    assert_int_equal(plain.rows, 1);
    sqlite3 *db = raw_open();
    assert_int_equal(int_of(db, "SELECT count(*) FROM case_queue_dirty"), 0);
    assert_int_equal(int_of(db, "SELECT count(*) FROM cases WHERE id = '00000000000000009002'"), 0);
    sqlite3_close(db);
}

static void test_every_queue_page_is_an_index_range(void **state)
{
    (void)state;
    StoreConn *c = store_conn();
    assert_non_null(c);
    for (size_t q = 0; q < sizeof QUEUES / sizeof QUEUES[0]; q++)
        for (int p = -1; p < 4; p++)
            for (int cursor = 0; cursor < 2; cursor++)
                for (int desc = 0; desc < 2; desc++) {
                    QueueFilter f = {.queue = QUEUES[q],
                                     .me = 1,
                                     .now = NOW,
                                     .platform = p < 0 ? NULL : PLATFORMS[p],
                                     .desc = desc,
                                     .prio = cursor ? 1 : -1,
                                     .due = NOW,
                                     .created = NOW,
                                     .limit = 50};
                    char plan[2048];
                    assert_int_equal(store_queue_plan(c, &f, plan, sizeof plan), STORE_OK);
                    const char *range =
                        desc ? "SEARCH q USING PRIMARY KEY (queue=? AND owner=? AND "
                               "platform=? AND prio=? AND (due,created_at,case_id)<(?,?,?)"
                             : "SEARCH q USING PRIMARY KEY (queue=? AND owner=? AND "
                               "platform=? AND prio=? AND (due,created_at,case_id)>(?,?,?)";
                    if (!strstr(plan, range) || strstr(plan, "SCAN") || strstr(plan, "TEMP B-TREE"))
                        fail_msg("queue %s, platform %s, %s: not one index range:\n%s", QUEUES[q],
                                 p < 0 ? "any" : PLATFORMS[p],
                                 desc ? "latest first" : "soonest first", plan);
                }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_queues_match_their_definition),
        cmocka_unit_test(test_rows_rebuilt_from_scratch_are_the_same),
        cmocka_unit_test(test_every_queue_page_is_an_index_range),
        cmocka_unit_test(test_hold_waits_for_the_release),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
