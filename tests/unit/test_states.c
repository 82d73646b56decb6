/* The transition table against DESIGN section 4: every allowed edge, every other pair refused,
 * "any open -> withdrawn", which states are open, unknown names. */
#include "states.h"
#include "store_target.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

/* The edges of DESIGN section 4, written out row by row (withdrawn is tested on its own). */
static const struct {
    const char *from, *to;
} design_edges[] = {
    /* reported -> in_review -> ready -> notice_sent -> acknowledged */
    {"reported", "in_review"},
    {"in_review", "ready"},
    {"ready", "notice_sent"},
    {"notice_sent", "acknowledged"},
    /* in_review -> declined */
    {"in_review", "declined"},
    /* notice_sent|acknowledged -> needs_info -> notice_sent */
    {"notice_sent", "needs_info"},
    {"acknowledged", "needs_info"},
    {"needs_info", "notice_sent"},
    /* notice_sent|acknowledged -> removed | restricted | rejected */
    {"notice_sent", "removed"},
    {"notice_sent", "restricted"},
    {"notice_sent", "rejected"},
    {"acknowledged", "removed"},
    {"acknowledged", "restricted"},
    {"acknowledged", "rejected"},
    /* rejected -> escalated -> notice_sent | closed_unresolved */
    {"rejected", "escalated"},
    {"escalated", "notice_sent"},
    {"escalated", "closed_unresolved"},
    /* removed -> counter_noticed -> restored | upheld */
    {"removed", "counter_noticed"},
    {"counter_noticed", "restored"},
    {"counter_noticed", "upheld"},
    /* removed -> verified_gone -> monitoring (a re-upload is a new target, not a transition) */
    {"removed", "verified_gone"},
    {"verified_gone", "monitoring"},
    /* offline: in_review -> visit_planned -> visited_deleted | ... | unreachable */
    {"in_review", "visit_planned"},
    {"visit_planned", "visited_deleted"},
    {"visit_planned", "visited_sealed"},
    {"visit_planned", "visited_refused"},
    {"visit_planned", "unreachable"},
    /* Additions of ours (docs/decisions.md): a follow-up visit after a refusal or when nobody was
     * found, or giving up; a caseworker ends monitoring. */
    {"visited_refused", "visit_planned"},
    {"visited_refused", "closed_unresolved"},
    {"unreachable", "visit_planned"},
    {"unreachable", "closed_unresolved"},
    {"monitoring", "closed"},
};
#define NEDGES (sizeof design_edges / sizeof design_edges[0])

static const char *const open_states[] = {
    "reported",      "in_review",  "ready",         "notice_sent",     "acknowledged",
    "needs_info",    "rejected",   "removed",       "counter_noticed", "escalated",
    "verified_gone", "monitoring", "visit_planned", "visited_refused", "unreachable",
};
static const char *const closed_states[] = {
    "declined",        "restricted",     "closed_unresolved", "restored", "upheld",
    "visited_deleted", "visited_sealed", "withdrawn",         "closed",
};
#define NOPEN (sizeof open_states / sizeof open_states[0])
#define NCLOSED (sizeof closed_states / sizeof closed_states[0])

static int in_design(const char *from, const char *to)
{
    for (size_t i = 0; i < NEDGES; i++)
        if (strcmp(design_edges[i].from, from) == 0 && strcmp(design_edges[i].to, to) == 0)
            return 1;
    return 0;
}

static void test_every_design_edge_allowed(void **state)
{
    (void)state;
    for (size_t i = 0; i < NEDGES; i++) {
        if (!states_allowed(design_edges[i].from, design_edges[i].to))
            fail_msg("%s -> %s refused", design_edges[i].from, design_edges[i].to);
    }
}

static void test_representative_forbidden(void **state)
{
    (void)state;
    assert_false(states_allowed("reported", "notice_sent")); /* skips review */
    assert_false(states_allowed("reported", "ready"));
    assert_false(states_allowed("removed", "reported"));
    assert_false(states_allowed("declined", "in_review"));
    assert_false(states_allowed("ready", "removed")); /* no decision before a notice */
    assert_false(states_allowed("needs_info", "removed"));
    assert_false(states_allowed("rejected", "notice_sent")); /* only via escalated */
    assert_false(states_allowed("acknowledged", "notice_sent"));
    assert_false(states_allowed("monitoring", "reported")); /* a re-upload is a new target */
    assert_false(states_allowed("visit_planned", "removed"));
    assert_false(states_allowed("in_review", "in_review")); /* no self loops */
    size_t n;
    const char *const *all = states_all(&n);
    for (size_t i = 0; i < n; i++)
        assert_false(states_allowed("withdrawn", all[i]));
}

/* The table allows exactly the DESIGN edges plus "open -> withdrawn": nothing more. */
static void test_full_matrix(void **state)
{
    (void)state;
    size_t n;
    const char *const *all = states_all(&n);
    assert_int_equal(n, NOPEN + NCLOSED);
    size_t allowed = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++) {
            int want = in_design(all[i], all[j]) ||
                       (strcmp(all[j], "withdrawn") == 0 && states_is_open(all[i]));
            int got = states_allowed(all[i], all[j]);
            if (want != got)
                fail_msg("%s -> %s: table says %d, DESIGN says %d", all[i], all[j], got, want);
            allowed += (size_t)got;
        }
    }
    assert_int_equal(allowed, NEDGES + NOPEN);
}

static void test_withdrawn_from_open_only(void **state)
{
    (void)state;
    for (size_t i = 0; i < NOPEN; i++)
        if (!states_allowed(open_states[i], "withdrawn"))
            fail_msg("%s -> withdrawn refused", open_states[i]);
    for (size_t i = 0; i < NCLOSED; i++)
        if (states_allowed(closed_states[i], "withdrawn"))
            fail_msg("%s -> withdrawn allowed", closed_states[i]);
}

static void test_is_open(void **state)
{
    (void)state;
    for (size_t i = 0; i < NOPEN; i++) {
        assert_true(states_known(open_states[i]));
        if (!states_is_open(open_states[i]))
            fail_msg("%s should be open", open_states[i]);
    }
    for (size_t i = 0; i < NCLOSED; i++) {
        assert_true(states_known(closed_states[i]));
        if (states_is_open(closed_states[i]))
            fail_msg("%s should be closed", closed_states[i]);
    }
    /* A closed state is final: nothing leaves it. */
    size_t n;
    const char *const *all = states_all(&n);
    for (size_t i = 0; i < NCLOSED; i++)
        for (size_t j = 0; j < n; j++)
            assert_false(states_allowed(closed_states[i], all[j]));
}

static void test_unknown(void **state)
{
    (void)state;
    assert_false(states_known("overdue")); /* derived, never stored */
    assert_false(states_known("Reported"));
    assert_false(states_known("reported "));
    assert_false(states_known(""));
    assert_false(states_known(NULL));
    assert_false(states_is_open("nope"));
    assert_false(states_is_open(NULL));
    assert_false(states_allowed("nope", "withdrawn"));
    assert_false(states_allowed("reported", "nope"));
    assert_false(states_allowed("nope", "in_review"));
    assert_false(states_allowed(NULL, "in_review"));
    assert_false(states_allowed("reported", NULL));
    assert_false(states_allowed("in_reviewx", "ready"));
    assert_true(states_allowed("reported", "in_review")); /* the control for the lines above */
}

static void test_all_names_unique_and_known(void **state)
{
    (void)state;
    size_t n;
    const char *const *all = states_all(&n);
    assert_string_equal(all[0], "reported");
    for (size_t i = 0; i < n; i++) {
        assert_true(states_known(all[i]));
        for (size_t j = i + 1; j < n; j++)
            assert_string_not_equal(all[i], all[j]);
    }
}

/* Every STATE_ name in states.h is a state of the table, spelled as stored. */
static void test_named_constants(void **state)
{
    (void)state;
    static const char *const named[] = {
        STATE_REPORTED,          STATE_IN_REVIEW,      STATE_READY,
        STATE_NOTICE_SENT,       STATE_ACKNOWLEDGED,   STATE_NEEDS_INFO,
        STATE_REJECTED,          STATE_ESCALATED,      STATE_REMOVED,
        STATE_COUNTER_NOTICED,   STATE_VERIFIED_GONE,  STATE_MONITORING,
        STATE_VISIT_PLANNED,     STATE_DECLINED,       STATE_RESTRICTED,
        STATE_CLOSED_UNRESOLVED, STATE_RESTORED,       STATE_UPHELD,
        STATE_VISITED_DELETED,   STATE_VISITED_SEALED, STATE_VISITED_REFUSED,
        STATE_UNREACHABLE,       STATE_WITHDRAWN,      STATE_CLOSED};
    size_t n;
    const char *const *all = states_all(&n);
    assert_int_equal(n, sizeof named / sizeof named[0]);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(named[i], all[i]);
    assert_string_equal(TARGET_KIND_ONLINE, "online");
    assert_string_equal(TARGET_KIND_OFFLINE, "offline");
}

/* The store's SQL list of open states says the same as the table. */
static void test_store_open_list(void **state)
{
    (void)state;
    size_t n;
    const char *const *all = states_all(&n);
    const char *sql = store_open_states_sql();
    for (size_t i = 0; i < n; i++) {
        char quoted[40];
        snprintf(quoted, sizeof quoted, "'%s'", all[i]);
        if ((strstr(sql, quoted) != NULL) != (states_is_open(all[i]) != 0))
            fail_msg("%s: open in the table %d, in the SQL list %d", all[i], states_is_open(all[i]),
                     strstr(sql, quoted) != NULL);
    }
}

/* The kind rule, written out: notices (ready, notice_sent) only for copies that are not offline,
 * visits only for offline copies. */
static int kind_may_enter(const char *kind, const char *to)
{
    int offline = strcmp(kind, "offline") == 0;
    if (strcmp(to, "ready") == 0 || strcmp(to, "notice_sent") == 0)
        return !offline;
    if (strcmp(to, "visit_planned") == 0)
        return offline;
    return 1;
}

/* Staff moves: the table, then the kind; never into withdrawn; nothing in a withdrawn case. */
static void test_move_matrix(void **state)
{
    (void)state;
    static const char *const kinds[] = {"online", "account", "search", "offline"};
    size_t n;
    const char *const *all = states_all(&n);
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++) {
                int want = states_allowed(all[i], all[j]) && strcmp(all[j], "withdrawn") != 0 &&
                           kind_may_enter(kinds[k], all[j]);
                int got = states_move_allowed(kinds[k], all[i], all[j], 0);
                if (want != got)
                    fail_msg("%s: %s -> %s: got %d, want %d", kinds[k], all[i], all[j], got, want);
                if (states_move_allowed(kinds[k], all[i], all[j], 1))
                    fail_msg("%s: %s -> %s allowed in a withdrawn case", kinds[k], all[i], all[j]);
            }
}

/* Both sides of each kind rule and of the withdrawn-case rule, named one by one. */
static void test_move_kind_and_withdrawn(void **state)
{
    (void)state;
    assert_true(states_move_allowed("online", "in_review", "ready", 0));
    assert_false(states_move_allowed("offline", "in_review", "ready", 0));
    assert_true(states_move_allowed("online", "needs_info", "notice_sent", 0));
    assert_false(states_move_allowed("offline", "needs_info", "notice_sent", 0));
    assert_true(states_move_allowed("offline", "in_review", "visit_planned", 0));
    assert_false(states_move_allowed("online", "in_review", "visit_planned", 0));
    assert_true(states_move_allowed("offline", "unreachable", "visit_planned", 0));
    assert_false(states_move_allowed("search", "unreachable", "visit_planned", 0));
    assert_true(states_move_allowed("offline", "in_review", "declined", 0));
    assert_true(states_move_allowed("online", "in_review", "declined", 0));
    assert_false(states_move_allowed("online", "in_review", "declined", 1));
    assert_false(states_move_allowed("offline", "in_review", "visit_planned", 1));
    assert_true(states_allowed("reported", "withdrawn")); /* the victim's withdraw... */
    assert_false(states_move_allowed("online", "reported", "withdrawn", 0)); /* ...not staff's */
    assert_false(states_move_allowed(NULL, "reported", "in_review", 0));
    assert_false(states_move_allowed("online", "reported", "nope", 0));
    assert_true(states_kind_offline("offline"));
    assert_false(states_kind_offline("online"));
    assert_false(states_kind_offline("account"));
    assert_false(states_kind_offline(NULL));
}

/* states_next lists exactly the moves states_move_allowed allows, for every kind, state and
 * withdrawal; removed never offers notice_sent, and a closed state offers nothing. */
static void test_next_matches_moves(void **state)
{
    (void)state;
    size_t n;
    const char *const *all = states_all(&n);
    const char *kinds[] = {"online", "offline", "account", "search"};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
        for (int w = 0; w <= 1; w++)
            for (size_t i = 0; i < n; i++) {
                const char *next[STATES_NEXT_MAX];
                size_t got = states_next(kinds[k], all[i], w, next, STATES_NEXT_MAX);
                size_t want = 0;
                for (size_t j = 0; j < n; j++)
                    if (states_move_allowed(kinds[k], all[i], all[j], w)) {
                        want++;
                        int listed = 0;
                        for (size_t m = 0; m < got; m++)
                            listed |= strcmp(next[m], all[j]) == 0;
                        if (!listed)
                            fail_msg("%s: %s -> %s not listed", kinds[k], all[i], all[j]);
                    }
                if (got != want)
                    fail_msg("%s: %s lists %zu moves, want %zu", kinds[k], all[i], got, want);
            }
    const char *next[STATES_NEXT_MAX];
    assert_int_equal(states_next("online", "removed", 0, next, STATES_NEXT_MAX), 2);
    assert_string_equal(next[0], "counter_noticed");
    assert_string_equal(next[1], "verified_gone");
    assert_int_equal(states_next("online", "closed", 0, next, STATES_NEXT_MAX), 0);
    assert_int_equal(states_next("online", "nope", 0, next, STATES_NEXT_MAX), 0);
    assert_int_equal(states_next("online", "notice_sent", 0, next, 2), 2); /* bounded by cap */
}

/* The victim's "removed" count: each side of the rule named. */
static void test_gone(void **state)
{
    (void)state;
    const char *gone[] = {"removed", "verified_gone",   "monitoring",    "closed",
                          "upheld",  "visited_deleted", "visited_sealed"};
    for (size_t i = 0; i < sizeof gone / sizeof gone[0]; i++)
        assert_true(states_is_gone(gone[i]));
    const char *not_gone[] = {"reported",   "in_review",       "ready",       "notice_sent",
                              "restricted", "counter_noticed", "restored",    "declined",
                              "withdrawn",  "visited_refused", "unreachable", "closed_unresolved",
                              "nope"};
    for (size_t i = 0; i < sizeof not_gone / sizeof not_gone[0]; i++)
        assert_false(states_is_gone(not_gone[i]));
    assert_false(states_is_gone(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_design_edge_allowed),
        cmocka_unit_test(test_representative_forbidden),
        cmocka_unit_test(test_full_matrix),
        cmocka_unit_test(test_withdrawn_from_open_only),
        cmocka_unit_test(test_is_open),
        cmocka_unit_test(test_unknown),
        cmocka_unit_test(test_all_names_unique_and_known),
        cmocka_unit_test(test_store_open_list),
        cmocka_unit_test(test_named_constants),
        cmocka_unit_test(test_move_matrix),
        cmocka_unit_test(test_move_kind_and_withdrawn),
        cmocka_unit_test(test_next_matches_moves),
        cmocka_unit_test(test_gone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
