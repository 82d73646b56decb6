/* Unit tests of sealed fields (service/sealed.c): JSON and text round trips, any JSON value, and
 * that another row, column or key does not open them. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "buf.h"
#include "sealed.h"
#include "vault.h"

#include <stdlib.h>
#include <string.h>

static unsigned char *key, *other_key;

static int setup(void **state)
{
    (void)state;
    if (vault_init() != 0)
        return -1;
    key = vault_secret_alloc(VAULT_KEY_BYTES);
    other_key = vault_secret_alloc(VAULT_KEY_BYTES);
    vault_key_new(key);
    vault_key_new(other_key);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    vault_secret_free(key);
    vault_secret_free(other_key);
    return 0;
}

/* Seals v (stolen) as cases.body of row "1" and checks it opens to an equal value there only. */
static void round_trip(json_t *v)
{
    Buf ct = {0};
    sealed_json(key, "cases", "body", "1", v, &ct);
    json_t *back = sealed_open_json(key, "cases", "body", "1", &ct);
    assert_non_null(back);
    assert_true(json_equal(back, v));
    json_decref(back);
    assert_null(sealed_open_json(key, "cases", "body", "2", &ct));
    assert_null(sealed_open_json(key, "cases", "meta", "1", &ct));
    assert_null(sealed_open_json(other_key, "cases", "body", "1", &ct));
    buf_free(&ct);
    json_decref(v);
}

static void test_json_objects_and_arrays(void **state)
{
    (void)state;
    round_trip(json_pack("{s:s, s:[i, b]}", "url", "https://v.douyin.com/x/", "n", 3, 1));
    round_trip(json_array());
}

/* A scalar used to make json_dumps return NULL, and sealed_json passed that to strlen (found by
 * tests/fuzz/fuzz_vault.c, corpus/vault/regress_sealed_scalar). */
static void test_json_scalars(void **state)
{
    (void)state;
    round_trip(json_integer(4));
    round_trip(json_string("\xe4\xb8\x80"));
    round_trip(json_true());
    round_trip(json_null());
}

static void test_text(void **state)
{
    (void)state;
    Buf ct = {0};
    sealed_text(key, "messages", "body", "7", "hello", &ct);
    char *back = sealed_open_text_id(key, "messages", "body", 7, &ct);
    assert_non_null(back);
    assert_string_equal(back, "hello");
    free(back);
    assert_null(sealed_open_text_id(key, "messages", "body", 8, &ct));
    buf_free(&ct);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_objects_and_arrays),
        cmocka_unit_test(test_json_scalars),
        cmocka_unit_test(test_text),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
