/* The one-time receipt table: shown once, then gone; alive for exactly RECEIPT_ONCE_TTL seconds;
 * full at RECEIPT_ONCE_MAX live entries and free again when one is taken or expires; ids that
 * are malformed or unknown find nothing. Time is passed in; nothing sleeps. */
#include "receipt_once.h"

#include "vault.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#define T0 1700000000
#define RECEIPT "1234 5678 9012 3456 7890"

static int setup(void **state)
{
    (void)state;
    receipt_once_clear();
    return 0;
}

static void test_shown_once(void **state)
{
    (void)state;
    char id[RECEIPT_ONCE_ID], got[RECEIPT_ONCE_TEXT];
    int flags = -1;
    assert_int_equal(receipt_once_put(RECEIPT, 1, "", T0, id), 0);
    assert_int_equal((int)strlen(id), RECEIPT_ONCE_ID - 1);
    assert_int_equal(receipt_once_take(id, T0, got, &flags), 0);
    assert_string_equal(got, RECEIPT);
    assert_int_equal(flags, 1);
    assert_int_equal(receipt_once_take(id, T0, got, &flags), -1);
}

static void test_ttl_both_sides(void **state)
{
    (void)state;
    char a[RECEIPT_ONCE_ID], b[RECEIPT_ONCE_ID], got[RECEIPT_ONCE_TEXT];
    int flags;
    assert_int_equal(receipt_once_put(RECEIPT, 0, "", T0, a), 0);
    assert_int_equal(receipt_once_put(RECEIPT, 0, "", T0, b), 0);
    assert_int_equal(receipt_once_take(a, T0 + RECEIPT_ONCE_TTL - 1, got, &flags), 0);
    assert_int_equal(receipt_once_take(b, T0 + RECEIPT_ONCE_TTL, got, &flags), -1);
}

static void test_one_entry_per_owner(void **state)
{
    (void)state;
    char a[RECEIPT_ONCE_ID], b[RECEIPT_ONCE_ID], c[RECEIPT_ONCE_ID], got[RECEIPT_ONCE_TEXT];
    int flags;
    assert_int_equal(receipt_once_put(RECEIPT, 0, "case-a", T0, a), 0);
    assert_int_equal(receipt_once_put(RECEIPT, 0, "case-b", T0, c), 0);
    assert_int_equal(receipt_once_put(RECEIPT, 1, "case-a", T0, b), 0);
    assert_int_equal(receipt_once_take(a, T0, got, &flags), -1); /* replaced by the newer one */
    assert_int_equal(receipt_once_take(b, T0, got, &flags), 0);
    assert_int_equal(flags, 1);
    assert_int_equal(receipt_once_take(c, T0, got, &flags), 0); /* another owner's stays */
    /* One owner can never hold more than one slot, however often it asks. */
    for (int i = 0; i < 3 * RECEIPT_ONCE_MAX; i++)
        assert_int_equal(receipt_once_put(RECEIPT, 0, "case-a", T0, a), 0);
    assert_int_equal(receipt_once_put(RECEIPT, 0, "case-c", T0, c), 0);
}

static void test_ids_unknown_or_malformed(void **state)
{
    (void)state;
    char id[RECEIPT_ONCE_ID], got[RECEIPT_ONCE_TEXT];
    int flags;
    assert_int_equal(receipt_once_put(RECEIPT, 0, "", T0, id), 0);
    char other[RECEIPT_ONCE_ID];
    memcpy(other, id, sizeof other);
    other[0] = other[0] == 'a' ? 'b' : 'a';
    const char *bad[] = {"", "abc", other, "0123456789abcdef0123456789ABCDEF",
                         "0123456789abcdef0123456789abcdef0"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(receipt_once_take(bad[i], T0, got, &flags), -1);
    assert_int_equal(receipt_once_take(NULL, T0, got, &flags), -1);
    char upper[RECEIPT_ONCE_ID];
    for (size_t i = 0; i < sizeof upper; i++)
        upper[i] = (char)(id[i] >= 'a' && id[i] <= 'f' ? id[i] - 'a' + 'A' : id[i]);
    if (strcmp(upper, id) != 0)
        assert_int_equal(receipt_once_take(upper, T0, got, &flags), -1);
    assert_int_equal(receipt_once_take(id, T0, got, &flags), 0);
}

static void test_receipt_length_both_sides(void **state)
{
    (void)state;
    char id[RECEIPT_ONCE_ID], got[RECEIPT_ONCE_TEXT];
    char text[RECEIPT_ONCE_TEXT + 1];
    int flags;
    memset(text, '7', sizeof text);
    text[RECEIPT_ONCE_TEXT - 1] = '\0';
    assert_int_equal(receipt_once_put(text, 0, "", T0, id), 0);
    assert_int_equal(receipt_once_take(id, T0, got, &flags), 0);
    assert_string_equal(got, text);
    text[RECEIPT_ONCE_TEXT - 1] = '7';
    text[RECEIPT_ONCE_TEXT] = '\0';
    assert_int_equal(receipt_once_put(text, 0, "", T0, id), -1);
}

static char ids[RECEIPT_ONCE_MAX][RECEIPT_ONCE_ID];

static void test_capacity_both_sides(void **state)
{
    (void)state;
    char id[RECEIPT_ONCE_ID], got[RECEIPT_ONCE_TEXT];
    int flags;
    for (size_t i = 0; i < RECEIPT_ONCE_MAX; i++)
        assert_int_equal(receipt_once_put(RECEIPT, 0, "", T0, ids[i]), 0);
    assert_int_equal(receipt_once_put(RECEIPT, 0, "", T0, id), -1); /* full of live entries */
    /* Taking one frees one slot, and only one. */
    assert_int_equal(receipt_once_take(ids[7], T0, got, &flags), 0);
    assert_int_equal(receipt_once_put(RECEIPT, 0, "", T0 + 1, ids[7]), 0);
    assert_int_equal(receipt_once_put(RECEIPT, 0, "", T0 + 1, id), -1);
    /* The others expire: every slot is free again. */
    assert_int_equal(receipt_once_put(RECEIPT, 0, "", T0 + RECEIPT_ONCE_TTL, id), 0);
    assert_int_equal(receipt_once_take(ids[7], T0 + RECEIPT_ONCE_TTL, got, &flags), 0);
    assert_int_equal(receipt_once_take(ids[8], T0 + RECEIPT_ONCE_TTL, got, &flags), -1);
    /* Distinct random ids. */
    for (size_t i = 1; i < RECEIPT_ONCE_MAX; i++)
        assert_string_not_equal(ids[i], ids[i - 1]);
}

int main(void)
{
    if (vault_init() != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_shown_once, setup),
        cmocka_unit_test_setup(test_ttl_both_sides, setup),
        cmocka_unit_test_setup(test_one_entry_per_owner, setup),
        cmocka_unit_test_setup(test_ids_unknown_or_malformed, setup),
        cmocka_unit_test_setup(test_receipt_length_both_sides, setup),
        cmocka_unit_test_setup(test_capacity_both_sides, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
