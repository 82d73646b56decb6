/* Strict HTTP on both sides of every rule: framing (Content-Length, Transfer-Encoding), Host, the
 * target and its decoded path, header names and values. */
#include "http_strict.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#define MAX_FIELDS 8

/* Fields from "Name: value" strings (the value's leading blanks skipped, as the parser does). */
typedef struct Fields {
    HttpField f[MAX_FIELDS];
    size_t n;
} Fields;

static Fields fields_of(const char *const *lines)
{
    Fields fs = {0};
    for (; *lines && fs.n < MAX_FIELDS; lines++) {
        const char *colon = strchr(*lines, ':');
        const char *v = colon + 1;
        while (*v == ' ')
            v++;
        fs.f[fs.n++] = (HttpField){*lines, (size_t)(colon - *lines), v, strlen(v)};
    }
    return fs;
}

static int check(const char *version, const char *target, const char *const *lines)
{
    Fields fs = fields_of(lines);
    HttpStrictRequest rq = {version, target, fs.f, fs.n};
    const char *why = "unset";
    int st = http_strict_check(&rq, &why);
    if (st == 0)
        assert_null(why);
    else
        assert_non_null(why);
    return st;
}

#define H(...) ((const char *const[]){__VA_ARGS__, NULL})

static void test_content_length(void **state)
{
    (void)state;
    assert_int_equal(check("HTTP/1.1", "/", H("Host: t", "Content-Length: 7")), 0);
    assert_int_equal(check("HTTP/1.1", "/", H("Host: t", "Content-Length: 007")), 0);
    assert_int_equal(check("HTTP/1.1", "/", H("Host: t", "Content-Length: 7", "Content-Length: 7")),
                     400);
    assert_int_equal(check("HTTP/1.1", "/", H("Host: t", "Content-Length: 7", "content-length: 8")),
                     400);
    assert_int_equal(check("HTTP/1.1", "/", H("Host: t", "Content-Length: 7, 7")), 400);
    assert_int_equal(check("HTTP/1.1", "/", H("Host: t", "Content-Length: +7")), 400);
    assert_int_equal(check("HTTP/1.1", "/", H("Host: t", "Content-Length: 7 ")), 400);
    assert_int_equal(check("HTTP/1.1", "/", H("Host: t", "Content-Length: ")), 400);
}

static void test_transfer_encoding(void **state)
{
    (void)state;
    assert_int_equal(check("HTTP/1.1", "/", H("Host: t", "Transfer-Encoding: chunked")), 0);
    assert_int_equal(check("HTTP/1.1", "/", H("Host: t", "transfer-encoding: CHUNKED")), 0);
    const char *bad[] = {"gzip", "chunked, gzip", "gzip, chunked", "chunked,chunked", "chunked ",
                         "",     "identity"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char line[64];
        snprintf(line, sizeof line, "Transfer-Encoding: %s", bad[i]);
        assert_int_equal(check("HTTP/1.1", "/", H("Host: t", line)), 400);
    }
    assert_int_equal(
        check("HTTP/1.1", "/",
              H("Host: t", "Transfer-Encoding: chunked", "Transfer-Encoding: chunked")),
        400);
    assert_int_equal(
        check("HTTP/1.1", "/", H("Host: t", "Transfer-Encoding: chunked", "Content-Length: 7")),
        400);
    assert_int_equal(
        check("HTTP/1.1", "/", H("Host: t", "Content-Length: 7", "Transfer-Encoding: chunked")),
        400);
    assert_int_equal(check("HTTP/1.0", "/", H("Transfer-Encoding: chunked")), 400);
}

static void test_host(void **state)
{
    (void)state;
    assert_int_equal(check("HTTP/1.1", "/", H("Accept: */*")), 400);
    assert_int_equal(check("HTTP/1.1", "/", H("Host: t", "Host: t")), 400);
    assert_int_equal(check("HTTP/1.0", "/", H("Host: t", "host: t")), 400);
    assert_int_equal(check("HTTP/1.0", "/", H("Accept: */*")), 0);
    const char *good[] = {"t", "example.org:8080", "127.0.0.1", "[::1]:80", "xn--fiqs8s.example"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        char line[64];
        snprintf(line, sizeof line, "Host: %s", good[i]);
        assert_int_equal(check("HTTP/1.1", "/", H(line)), 0);
    }
    const char *bad[] = {"", "a b", "t/x", "u@t", "t?", "t#", "\"t\""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char line[64];
        snprintf(line, sizeof line, "Host: %s", bad[i]);
        assert_int_equal(check("HTTP/1.1", "/", H(line)), 400);
    }
}

static void test_target(void **state)
{
    (void)state;
    const char *const ok[] = {"/",     "/a%20b",   "/%E6%8A%A5", "/a%2",
                              "/a%zz", "/a?q=%00", "/a?q=%0a#x"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        assert_int_equal(check("HTTP/1.1", ok[i], H("Host: t")), 0);
    const char *const bad[] = {"/api/v1/openapi.json%00.html",
                               "/a%0a",
                               "/a%0D",
                               "/a%1F",
                               "/a%7f",
                               "/a%09",
                               "/a b",
                               "/a\x01",
                               "/a\x7f",
                               "/a?q=\x01"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(check("HTTP/1.1", bad[i], H("Host: t")), 400);
}

static void test_fields(void **state)
{
    (void)state;
    assert_int_equal(check("HTTP/1.1", "/", H("Host: t", "X-Note: a\tb")), 0);
    assert_int_equal(check("HTTP/1.1", "/", H("Host: t", "X-Note: caf\xc3\xa9")), 0);
    assert_int_equal(check("HTTP/1.1", "/",
                           H("Host: t", "X-Note: a\x01"
                                        "b")),
                     400);
    assert_int_equal(check("HTTP/1.1", "/", H("Host: t", "X-Note: a\rb")), 400);
    assert_int_equal(check("HTTP/1.1", "/", H("Host: t", "X-Note: a\nb")), 400);
    assert_int_equal(check("HTTP/1.1", "/", H("Host: t", "X-Note: a\x7f")), 400);
    assert_int_equal(check("HTTP/1.1", "/", H("Host: t", "Transfer-Encoding : chunked")), 400);
    assert_int_equal(check("HTTP/1.1", "/", H("Host: t", "X(a): b")), 400);
    assert_int_equal(check("HTTP/1.1", "/", H("Host: t", ": b")), 400);
    assert_int_equal(check("HTTP/1.1", "/", H("Host: t", "Host\x01: b")), 400);
}

/* A NUL inside a value (the parser gives lengths, not C strings) is refused too. */
static void test_nul_in_value(void **state)
{
    (void)state;
    HttpField f[] = {{"Host", 4, "t", 1}, {"X-Note", 6, "a\0b", 3}};
    HttpStrictRequest rq = {"HTTP/1.1", "/", f, 2};
    const char *why;
    assert_int_equal(http_strict_check(&rq, &why), 400);
    rq.nfields = 1;
    assert_int_equal(http_strict_check(&rq, &why), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_content_length), cmocka_unit_test(test_transfer_encoding),
        cmocka_unit_test(test_host),           cmocka_unit_test(test_target),
        cmocka_unit_test(test_fields),         cmocka_unit_test(test_nul_in_value),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
