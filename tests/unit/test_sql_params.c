/* Named parameters rewritten as numbered ones for PostgreSQL (issue 16): the same name gets the
 * same number, text in quotes and comments and a cast's "::" are left alone, and the limits
 * refuse instead of truncating. */
#include "buf.h"
#include "sql_params.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static void rewrite(const char *sql, const char *want, int names)
{
    Buf out = {0};
    SqlParams p;
    assert_int_equal(sql_params_number(sql, &out, &p), 0);
    buf_putc(&out, 0);
    assert_string_equal(out.data, want);
    assert_int_equal(p.n, names);
    buf_free(&out);
}

static void test_numbers_in_order_and_repeats(void **state)
{
    (void)state;
    rewrite(
        "UPDATE targets SET state = :to, updated_at = :now WHERE id = :id AND state = :from "
        "AND :now > 0",
        "UPDATE targets SET state = $1, updated_at = $2 WHERE id = $3 AND state = $4 AND $2 > 0",
        4);
    rewrite("SELECT 1", "SELECT 1", 0);
    rewrite(":a", "$1", 1);
    rewrite("(:case_id,:b1)", "($1,$2)", 2);
}

static void test_leaves_quotes_comments_and_casts(void **state)
{
    (void)state;
    rewrite("SELECT ':not', 'it''s :no', \"col:x\" FROM t WHERE a = :a",
            "SELECT ':not', 'it''s :no', \"col:x\" FROM t WHERE a = $1", 1);
    rewrite("SELECT x::bigint, :y::text -- :z here\nFROM t /* :w */ WHERE b = :b",
            "SELECT x::bigint, $1::text -- :z here\nFROM t /* :w */ WHERE b = $2", 2);
    rewrite("SELECT a: b, ':", "SELECT a: b, ':", 0); /* a lone colon, an unclosed quote */
    rewrite("SELECT 1 -- :only", "SELECT 1 -- :only", 0);
}

static void test_find(void **state)
{
    (void)state;
    Buf out = {0};
    SqlParams p;
    assert_int_equal(sql_params_number("a = :first AND b = :second AND c = :first", &out, &p), 0);
    assert_int_equal(sql_params_find(&p, ":first"), 1);
    assert_int_equal(sql_params_find(&p, ":second"), 2);
    assert_int_equal(sql_params_find(&p, ":third"), 0);
    assert_int_equal(sql_params_find(&p, "first"), 0); /* names keep their colon */
    buf_free(&out);
}

static void test_limits_on_both_sides(void **state)
{
    (void)state;
    char sql[2048] = "";
    char name[64];
    for (int i = 0; i < SQL_PARAMS_MAX; i++) {
        snprintf(name, sizeof name, ":p%d,", i);
        strcat(sql, name);
    }
    Buf out = {0};
    SqlParams p;
    assert_int_equal(sql_params_number(sql, &out, &p), 0); /* exactly the most names */
    assert_int_equal(p.n, SQL_PARAMS_MAX);
    buf_reset(&out);
    strcat(sql, ":one_more");
    assert_int_equal(sql_params_number(sql, &out, &p), -1);
    buf_reset(&out);
    char longest[SQL_PARAM_NAME_MAX + 1];
    memset(longest, 'n', sizeof longest);
    longest[0] = ':';
    longest[SQL_PARAM_NAME_MAX - 1] = '\0'; /* ":" and 30 letters: the longest that fits */
    assert_int_equal(sql_params_number(longest, &out, &p), 0);
    assert_int_equal(sql_params_find(&p, longest), 1);
    buf_reset(&out);
    longest[SQL_PARAM_NAME_MAX - 1] = 'n';
    longest[SQL_PARAM_NAME_MAX] = '\0'; /* one letter more */
    assert_int_equal(sql_params_number(longest, &out, &p), -1);
    buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers_in_order_and_repeats),
        cmocka_unit_test(test_leaves_quotes_comments_and_casts),
        cmocka_unit_test(test_find),
        cmocka_unit_test(test_limits_on_both_sides),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
