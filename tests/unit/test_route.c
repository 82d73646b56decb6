/* The router: literal and parameter segments, 404 versus 405 with Allow, HEAD as GET, limits. */
#include "route.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static int h_a(struct Request *r)
{
    (void)r;
    return 200;
}
static int h_b(struct Request *r)
{
    (void)r;
    return 201;
}

static const Route table[] = {
    {METHOD_GET, "/", h_a, 0, 0, 0},
    {METHOD_GET, "/api/v1/staff/cases", h_a, 0, 0, 0},
    {METHOD_GET, "/api/v1/staff/cases/{case}", h_a, 0, 0, 0},
    {METHOD_POST, "/api/v1/staff/targets/{id}/transition", h_b, 0, 0, 0},
    {METHOD_GET | METHOD_POST, "/report", h_b, 0, 0, 0},
    {METHOD_DELETE, "/api/v1/my/case", h_b, 0, 0, 0},
    {METHOD_GET, "/api/v1/my/case", h_a, 0, 0, 0},
};
#define N (sizeof table / sizeof table[0])

static void test_literal(void **state)
{
    (void)state;
    RouteMatch m;
    assert_int_equal(route_match(table, N, METHOD_GET, "/", &m), 1);
    assert_ptr_equal(m.route, &table[0]);
    assert_int_equal(route_match(table, N, METHOD_GET, "/api/v1/staff/cases", &m), 1);
    assert_ptr_equal(m.route, &table[1]);
    assert_int_equal(m.nparams, 0);
    /* No prefix or trailing-slash matches. */
    assert_int_equal(route_match(table, N, METHOD_GET, "/api/v1/staff/case", &m), 0);
    assert_int_equal(m.allowed, 0);
    assert_int_equal(route_match(table, N, METHOD_GET, "/api/v1/staff/cases/", &m), 0);
    assert_int_equal(route_match(table, N, METHOD_GET, "//", &m), 0);
}

static void test_params(void **state)
{
    (void)state;
    RouteMatch m;
    assert_int_equal(route_match(table, N, METHOD_GET, "/api/v1/staff/cases/abc123", &m), 1);
    assert_string_equal(route_param(&m, "case"), "abc123");
    assert_null(route_param(&m, "other"));
    assert_int_equal(route_match(table, N, METHOD_POST, "/api/v1/staff/targets/42/transition", &m),
                     1);
    assert_string_equal(route_param(&m, "id"), "42");
    /* A parameter never spans segments and is never empty. */
    assert_int_equal(route_match(table, N, METHOD_GET, "/api/v1/staff/cases/a/b", &m), 0);
    assert_int_equal(route_match(table, N, METHOD_POST, "/api/v1/staff/targets//transition", &m),
                     0);
}

static void test_param_length_limit(void **state)
{
    (void)state;
    RouteMatch m;
    char path[512];
    char seg[ROUTE_MAX_PARAM_LEN + 1];
    /* ROUTE_MAX_PARAM_LEN - 1 bytes: matches. */
    memset(seg, 'x', ROUTE_MAX_PARAM_LEN - 1);
    seg[ROUTE_MAX_PARAM_LEN - 1] = '\0';
    snprintf(path, sizeof path, "/api/v1/staff/cases/%s", seg);
    assert_int_equal(route_match(table, N, METHOD_GET, path, &m), 1);
    assert_int_equal(strlen(route_param(&m, "case")), ROUTE_MAX_PARAM_LEN - 1);
    /* One more: no match (404), never truncated. */
    memset(seg, 'x', ROUTE_MAX_PARAM_LEN);
    seg[ROUTE_MAX_PARAM_LEN] = '\0';
    snprintf(path, sizeof path, "/api/v1/staff/cases/%s", seg);
    assert_int_equal(route_match(table, N, METHOD_GET, path, &m), 0);
    assert_int_equal(m.allowed, 0);
}

static void test_method_not_allowed(void **state)
{
    (void)state;
    RouteMatch m;
    char allow[64];
    assert_int_equal(route_match(table, N, METHOD_PUT, "/report", &m), 0);
    assert_int_equal(m.allowed, METHOD_GET | METHOD_HEAD | METHOD_POST);
    route_allow_header(m.allowed, allow, sizeof allow);
    assert_string_equal(allow, "GET, HEAD, POST");
    /* Two routes on one path: Allow is their union. */
    assert_int_equal(route_match(table, N, METHOD_POST, "/api/v1/my/case", &m), 0);
    route_allow_header(m.allowed, allow, sizeof allow);
    assert_string_equal(allow, "GET, HEAD, DELETE");
    assert_int_equal(route_match(table, N, METHOD_DELETE, "/api/v1/my/case", &m), 1);
    assert_ptr_equal(m.route, &table[5]);
}

static void test_head_is_get(void **state)
{
    (void)state;
    RouteMatch m;
    assert_int_equal(route_match(table, N, METHOD_HEAD, "/", &m), 1);
    assert_ptr_equal(m.route, &table[0]);
    assert_int_equal(route_match(table, N, METHOD_HEAD, "/api/v1/staff/targets/1/transition", &m),
                     0);
    assert_int_equal(m.allowed, METHOD_POST);
}

static void test_method_names(void **state)
{
    (void)state;
    assert_int_equal(route_method("GET"), METHOD_GET);
    assert_int_equal(route_method("DELETE"), METHOD_DELETE);
    assert_int_equal(route_method("get"), METHOD_OTHER);
    assert_int_equal(route_method("BREW"), METHOD_OTHER);
    char small[8];
    route_allow_header(METHOD_GET | METHOD_POST | METHOD_DELETE, small, sizeof small);
    assert_true(strlen(small) < sizeof small); /* truncates safely */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_literal),
        cmocka_unit_test(test_params),
        cmocka_unit_test(test_param_length_limit),
        cmocka_unit_test(test_method_not_allowed),
        cmocka_unit_test(test_head_is_get),
        cmocka_unit_test(test_method_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
