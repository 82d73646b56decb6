/* Unit tests of the form callback (http_form_piece in service/http.c): how the pieces that
 * libmicrohttpd's post processor hands over become fields and file parts. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "http.h"

#include <stdlib.h>
#include <string.h>

static void form_free(Request *req)
{
    for (size_t i = 0; i < req->nform; i++) {
        free(req->form[i].name);
        free(req->form[i].value);
    }
    free(req->form);
    req->form = NULL;
    req->nform = 0;
}

static void piece(Request *req, const char *key, const char *data, uint64_t off)
{
    assert_int_equal(http_form_piece(req, key, NULL, NULL, data, off, strlen(data)), 1);
}

static void test_fields_in_order(void **state)
{
    (void)state;
    Request req = {0};
    piece(&req, "a", "1", 0);
    piece(&req, "b", "", 0);
    piece(&req, "c", "3", 0);
    assert_int_equal(req.nform, 3);
    assert_string_equal(http_form(&req, "a"), "1");
    assert_string_equal(http_form(&req, "b"), "");
    assert_string_equal(http_form(&req, "c"), "3");
    form_free(&req);
}

static void test_long_value_in_pieces(void **state)
{
    (void)state;
    Request req = {0};
    piece(&req, "description", "abc", 0);
    piece(&req, "description", "def", 3);
    assert_int_equal(req.nform, 1);
    assert_string_equal(http_form(&req, "description"), "abcdef");
    form_free(&req);
}

/* A read that ends before any of a value can be decoded (inside its first %-escape, or at the
 * start of a multipart value): the post processor hands over an empty piece, then the value at
 * offset 0 again. One field with the value, not an empty
 * field that http_form would return first (found by tests/fuzz/fuzz_form.c; corpus/form/
 * regress_empty_first_piece). */
static void test_empty_first_piece(void **state)
{
    (void)state;
    Request req = {0};
    piece(&req, "csrf", "", 0);
    piece(&req, "csrf", "0123abcd", 0);
    piece(&req, "csrf", "ef", 8);
    piece(&req, "next", "x", 0);
    assert_int_equal(req.nform, 2);
    assert_string_equal(http_form(&req, "csrf"), "0123abcdef");
    assert_string_equal(http_form(&req, "next"), "x");
    form_free(&req);
}

/* A field that has a value already is not extended by a new piece at offset 0: that is a second
 * field of the same name (a repeated name keeps both, the first for http_form). */
static void test_repeated_name(void **state)
{
    (void)state;
    Request req = {0};
    piece(&req, "a", "1", 0);
    piece(&req, "a", "2", 0);
    assert_int_equal(req.nform, 2);
    assert_string_equal(http_form(&req, "a"), "1");
    assert_string_equal(req.form[1].value, "2");
    form_free(&req);
}

/* At most 1000 fields; the 1001st stops the body as too large. */
static void test_field_count_bound(void **state)
{
    (void)state;
    Request req = {0};
    char name[16];
    for (int i = 0; i < 1000; i++) {
        snprintf(name, sizeof name, "f%d", i);
        piece(&req, name, "v", 0);
    }
    assert_int_equal(req.nform, 1000);
    assert_int_equal(http_form_piece(&req, "f1000", NULL, NULL, "v", 0, 1), 0);
    assert_int_equal(req.nform, 1000);
    assert_int_equal(req.body_state, 3); /* http.c's BODY_TOO_LARGE */
    form_free(&req);
}

/* A NUL inside a text value ("%00", or a multipart value) refuses the form: the value used to be
 * cut at the NUL when it came in one piece and kept whole when the NUL came alone (found by
 * tests/fuzz/fuzz_form.c; corpus/form/regress_nul_in_value_*). */
static void test_nul_in_value(void **state)
{
    (void)state;
    Request req = {0};
    piece(&req, "a", "1", 0);
    assert_int_equal(http_form_piece(&req, "b", NULL, NULL, "x\0y", 0, 3), 0);
    assert_int_equal(req.body_state, 4); /* http.c's BODY_BAD_FORM */
    Request later = {0};
    piece(&later, "b", "x", 0);
    assert_int_equal(http_form_piece(&later, "b", NULL, NULL, "\0", 1, 1), 0);
    assert_int_equal(later.body_state, 4);
    form_free(&req);
    form_free(&later);
}

static size_t sink_bytes;
static int sink(struct Request *req, const char *field, const char *filename,
                const char *content_type, const char *data, size_t n, uint64_t off)
{
    (void)req;
    (void)field;
    (void)filename;
    (void)content_type;
    (void)data;
    (void)off;
    sink_bytes += n;
    return 0;
}

static void test_file_parts(void **state)
{
    (void)state;
    Request req = {0};
    /* No sink: the route takes no files. */
    assert_int_equal(http_form_piece(&req, "screenshots", "a.png", "image/png", "x", 0, 1), 0);
    assert_int_equal(req.body_state, 4); /* http.c's BODY_BAD_FORM */
    Request with = {0};
    with.file_sink = sink;
    sink_bytes = 0;
    assert_int_equal(http_form_piece(&with, "screenshots", "a.png", "image/png", "xy", 0, 2), 1);
    assert_int_equal(http_form_piece(&with, "screenshots", "a.png", "image/png", "z", 2, 1), 1);
    assert_int_equal(sink_bytes, 3);
    assert_int_equal(with.nform, 0); /* file parts are no fields */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields_in_order),   cmocka_unit_test(test_long_value_in_pieces),
        cmocka_unit_test(test_empty_first_piece), cmocka_unit_test(test_repeated_name),
        cmocka_unit_test(test_field_count_bound), cmocka_unit_test(test_nul_in_value),
        cmocka_unit_test(test_file_parts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
