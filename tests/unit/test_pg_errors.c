/* PostgreSQL errors to store statuses (issue 16): which run again, which answer 503, which are
 * conflicts, which are our bugs, and which drop the connection. */
#include "pg_errors.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

static void expect(const char *state, const char *constraint, StoreStatus status, int retry,
                   int broken)
{
    PgError e = pg_error_of(state, constraint);
    assert_int_equal(e.status, status);
    assert_int_equal(e.retry, retry);
    assert_int_equal(e.broken, broken);
}

static void test_conflicts_between_transactions_run_again(void **state)
{
    (void)state;
    expect("40001", NULL, STORE_BUSY, 1, 0);
    expect("40P01", NULL, STORE_BUSY, 1, 0);
    expect("23505", "audit_pkey", STORE_BUSY, 1, 0);
    expect("23505", "desk_notices_seq", STORE_BUSY, 1, 0);
    /* any other duplicate is a conflict the caller answers, not a race to retry */
    expect("23505", "staff_login_key", STORE_CONFLICT, 0, 0);
    expect("23505", NULL, STORE_CONFLICT, 0, 0);
    expect("23503", NULL, STORE_CONFLICT, 0, 0);
    expect("23514", NULL, STORE_CONFLICT, 0, 0);
}

static void test_waits_and_outages(void **state)
{
    (void)state;
    expect("55P03", NULL, STORE_BUSY, 0, 0);
    expect("57014", NULL, STORE_BUSY, 0, 0);
    expect("53100", NULL, STORE_UNAVAILABLE, 0, 0);
    expect("53300", NULL, STORE_UNAVAILABLE, 0, 0);
    expect("08006", NULL, STORE_UNAVAILABLE, 0, 1);
    expect("57P01", NULL, STORE_UNAVAILABLE, 0, 1);
    expect("25006", NULL, STORE_UNAVAILABLE, 0, 1); /* a standby: read only */
    expect(NULL, NULL, STORE_UNAVAILABLE, 0, 1);
    expect("", NULL, STORE_UNAVAILABLE, 0, 1);
    expect("4000", NULL, STORE_UNAVAILABLE, 0, 1); /* not a SQLSTATE: treated as no answer */
}

static void test_our_bugs(void **state)
{
    (void)state;
    expect("42601", NULL, STORE_ERROR, 0, 0); /* syntax */
    expect("42P01", NULL, STORE_ERROR, 0, 0); /* no such table */
    expect("22003", NULL, STORE_ERROR, 0, 0); /* out of range */
    expect("XX000", NULL, STORE_ERROR, 0, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conflicts_between_transactions_run_again),
        cmocka_unit_test(test_waits_and_outages),
        cmocka_unit_test(test_our_bugs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
