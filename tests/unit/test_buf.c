/* Buffers: growth keeps the content, and the bytes a buffer lets go of are wiped (reset, wipe);
 * Jansson frees through the wiping allocator once the process installs it. */
#include "buf.h"
#include "harden.h"

#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static int all_zero(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0)
            return 0;
    return 1;
}

static void test_reset_wipes(void **state)
{
    (void)state;
    Buf b = {0};
    buf_puts(&b, "receipt 1234 5678 9012 3456 7890");
    size_t n = b.len;
    char *data = b.data;
    buf_reset(&b);
    assert_ptr_equal(b.data, data); /* the allocation is kept... */
    assert_int_equal(b.len, 0);
    assert_true(all_zero(b.data, n + 1)); /* ...and what it held is gone */
    buf_puts(&b, "x");
    assert_string_equal(b.data, "x");
    buf_free(&b);
    assert_null(b.data);
}

static void test_wipe_clears_past_len(void **state)
{
    (void)state;
    Buf b = {0};
    char big[300];
    memset(big, 'S', sizeof big);
    buf_append(&b, big, sizeof big);
    b.len = 10; /* a shorter use of a buffer that once held more */
    buf_wipe(&b);
    assert_int_equal(b.len, 0);
    assert_true(all_zero(b.data, b.cap));
    buf_free(&b);
}

static void test_growth_keeps_content(void **state)
{
    (void)state;
    Buf b = {0};
    for (int i = 0; i < 1000; i++)
        buf_printf(&b, "%03d,", i % 1000);
    assert_int_equal(b.len, 4000);
    assert_memory_equal(b.data, "000,001,", 8);
    assert_memory_equal(b.data + 3992, "998,999,", 8);
    assert_int_equal(b.data[b.len], '\0');
    buf_free(&b);
}

static void test_json_frees_through_wiping_allocator(void **state)
{
    (void)state;
    json_malloc_t m;
    json_free_t f;
    harden_json_memory();
    json_get_alloc_funcs(&m, &f);
    assert_non_null(m);
    assert_ptr_not_equal(f, free);
    json_t *v = json_pack("{s:s}", "description", "decrypted case text");
    assert_non_null(v);
    json_decref(v); /* through the wiping free: must not crash or leak under ASan */
}

/* Values made between scratch begin and stop come from the thread's block (freeing them does
 * nothing, so their bytes are still there), and end wipes them; a value too big for the block,
 * and one made after stop, come from malloc and are freed as usual (ASan would see otherwise). */
static void test_json_scratch_is_wiped_at_end(void **state)
{
    (void)state;
    harden_json_memory();
    harden_json_scratch_begin();
    json_t *small = json_pack("{s:s}", "row", "in the scratch block");
    const char *text = json_string_value(json_object_get(small, "row"));
    char *big_text = calloc(1, 500 * 1024);
    assert_non_null(big_text);
    memset(big_text, 'x', 500 * 1024 - 1);
    json_t *big = json_string(big_text); /* larger than the block: malloc */
    harden_json_scratch_stop();
    json_t *after = json_string("after stop");
    json_decref(small);
    assert_string_equal(text, "in the scratch block"); /* freeing did nothing */
    json_decref(big);
    json_decref(after);
    harden_json_scratch_end();
    assert_true(all_zero(text, strlen("in the scratch block")));
    /* The block is ready again, from its start (before where the object came first). */
    harden_json_scratch_begin();
    json_t *again = json_string("in the scratch block");
    assert_true(json_string_value(again) < text);
    harden_json_scratch_stop();
    json_decref(again);
    harden_json_scratch_end();
    free(big_text);
}

/* buf_put_int writes what "%lld" writes, at both ends of the range; buf_printf formats into
 * the room there is, and again into more when that was too little. */
static void test_int_and_printf_into_room(void **state)
{
    (void)state;
    const int64_t values[] = {0, 7, -7, 1741600000, 9000000000000000, INT64_MAX, INT64_MIN};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        Buf got = {0}, want = {0};
        buf_puts(&got, "x");
        buf_put_int(&got, values[i]);
        buf_printf(&want, "x%lld", (long long)values[i]);
        assert_string_equal(got.data, want.data);
        buf_free(&got);
        buf_free(&want);
    }
    Buf b = {0};
    buf_puts(&b, "ab");
    size_t cap = b.cap;
    buf_printf(&b, "%d", 12345); /* fits the room */
    assert_int_equal(b.cap, cap);
    char wide[1000];
    memset(wide, 'w', sizeof wide - 1);
    wide[sizeof wide - 1] = '\0';
    buf_printf(&b, "[%s]", wide); /* does not */
    assert_true(b.cap > cap);
    assert_int_equal(b.len, 2 + 5 + 2 + 999);
    assert_memory_equal(b.data, "ab12345[www", 11);
    assert_memory_equal(b.data + b.len - 2, "w]", 3);
    buf_free(&b);
}

/* JSON strings written by hand are byte for byte what Jansson writes (the queue API's rows). */
static void test_json_string_matches_jansson(void **state)
{
    (void)state;
    char controls[40];
    for (int c = 1; c < 32; c++)
        controls[c - 1] = (char)c;
    controls[31] = 0x7f;
    controls[32] = '\0';
    const char *samples[] = {"",      "plain-id_0.9", "a\"b\\c/d",    controls,
                             "é中文", "😀 x 𝄞",        "case 3f2a\t\n"};
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        json_t *v = json_string(samples[i]);
        assert_non_null(v);
        char *want = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_ENSURE_ASCII);
        Buf got = {0};
        buf_put_json_string(&got, samples[i]);
        assert_string_equal(got.data, want);
        free(want);
        json_decref(v);
        buf_free(&got);
    }
    /* Bytes that are not UTF-8 (a stray continuation, a truncated sequence, an overlong form, a
     * surrogate) each become U+FFFD rather than breaking the document. */
    Buf bad = {0};
    buf_put_json_string(&bad, "a\x80"
                              "b\xe4\xb8"
                              "c\xc0\xaf"
                              "\xed\xa0\x80");
    assert_string_equal(bad.data,
                        "\"a\\uFFFDb\\uFFFD\\uFFFDc\\uFFFD\\uFFFD\\uFFFD\\uFFFD\\uFFFD\"");
    buf_free(&bad);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reset_wipes),
        cmocka_unit_test(test_wipe_clears_past_len),
        cmocka_unit_test(test_growth_keeps_content),
        cmocka_unit_test(test_json_frees_through_wiping_allocator),
        cmocka_unit_test(test_int_and_printf_into_room),
        cmocka_unit_test(test_json_string_matches_jansson),
        cmocka_unit_test(test_json_scratch_is_wiped_at_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
