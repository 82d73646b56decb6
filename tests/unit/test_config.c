/* Settings: defaults, every numeric limit on both sides, listen parsing, the config file. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static void test_defaults(void **state)
{
    (void)state;
    Config c;
    config_defaults(&c);
    assert_string_equal(c.data_dir, "./var");
    assert_string_equal(c.listen_host, "127.0.0.1");
    assert_int_equal(c.listen_port, 8080);
}

static void test_listen(void **state)
{
    (void)state;
    Config c;
    char err[256];
    config_defaults(&c);
    assert_int_equal(config_set(&c, "listen", "0.0.0.0:9000", err, sizeof err), 0);
    assert_string_equal(c.listen_host, "0.0.0.0");
    assert_int_equal(c.listen_port, 9000);
    assert_int_equal(config_set(&c, "listen", "[::1]:65535", err, sizeof err), 0);
    assert_string_equal(c.listen_host, "::1");
    assert_int_equal(c.listen_port, 65535);
    assert_int_equal(config_set(&c, "listen", "127.0.0.1:65536", err, sizeof err), -1);
    assert_int_equal(config_set(&c, "listen", "127.0.0.1:", err, sizeof err), -1);
    assert_int_equal(config_set(&c, "listen", ":80", err, sizeof err), -1);
    assert_int_equal(config_set(&c, "listen", "localhost", err, sizeof err), -1);
    assert_int_equal(config_set(&c, "listen", "127.0.0.1:-1", err, sizeof err), -1);
    assert_string_equal(err, "bad value for --listen");
}

static void test_limits_both_sides(void **state)
{
    (void)state;
    static const struct {
        const char *key, *lo_ok, *lo_bad, *hi_ok, *hi_bad;
    } cases[] = {
        {"threads", "1", "0", "64", "65"},
        {"workers", "1", "0", "64", "65"},
        {"work-queue", "1", "0", "100000", "100001"},
        {"max-body", "1024", "1023", "1073741824", "1073741825"},
        {"max-url", "256", "255", "65536", "65537"},
        {"timeout", "1", "0", "3600", "3601"},
        {"submit-per-address", "1", "0", "100000", "100001"},
        {"submit-rate", "1", "0", "10000", "10001"},
        {"submit-burst", "1", "0", "100000", "100001"},
        {"receipt-tries-per-address", "1", "0", "1000", "1001"},
        {"receipt-rate", "1", "0", "10000", "10001"},
        {"receipt-burst", "1", "0", "100000", "100001"},
        {"staff-tries-per-account", "1", "0", "1000", "1001"},
        {"staff-tries-per-address", "1", "0", "100000", "100001"},
        {"staff-wait-ms", "1000", "999", "3600000", "3600001"},
        {"staff-wait-max-ms", "1000", "999", "86400000", "86400001"},
    };
    Config c;
    char err[256];
    config_defaults(&c);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(config_set(&c, cases[i].key, cases[i].lo_ok, err, sizeof err), 0);
        assert_int_equal(config_set(&c, cases[i].key, cases[i].lo_bad, err, sizeof err), -1);
        assert_int_equal(config_set(&c, cases[i].key, cases[i].hi_ok, err, sizeof err), 0);
        assert_int_equal(config_set(&c, cases[i].key, cases[i].hi_bad, err, sizeof err), -1);
        char want[128];
        snprintf(want, sizeof want, "bad value for --%s", cases[i].key);
        assert_string_equal(err, want);
        assert_int_equal(config_set(&c, cases[i].key, "12x", err, sizeof err), -1);
        assert_int_equal(config_set(&c, cases[i].key, "", err, sizeof err), -1);
    }
    assert_int_equal(c.max_url, 65536);
    assert_int_equal(c.limits.submit_per_address, 100000);
    assert_int_equal(c.limits.staff_wait_max_ms, 86400000);
}

/* Today's limits are the defaults; a setting lands in its own field and nowhere else. */
static void test_limit_defaults(void **state)
{
    (void)state;
    Config c;
    char err[256];
    config_defaults(&c);
    assert_int_equal(c.limits.submit_per_address, 10);
    assert_int_equal(c.limits.submit_rate, 5);
    assert_int_equal(c.limits.submit_burst, 50);
    assert_int_equal(c.limits.receipt_per_address, 5);
    assert_int_equal(c.limits.receipt_rate, 20);
    assert_int_equal(c.limits.receipt_burst, 40);
    assert_int_equal(c.limits.staff_per_account, 5);
    assert_int_equal(c.limits.staff_per_address, 20);
    assert_int_equal(c.limits.staff_wait_ms, 1000);
    assert_int_equal(c.limits.staff_wait_max_ms, 15 * 60 * 1000);
    assert_int_equal(config_set(&c, "receipt-tries-per-address", "7", err, sizeof err), 0);
    assert_int_equal(c.limits.receipt_per_address, 7);
    assert_int_equal(c.limits.submit_per_address, 10);
    assert_int_equal(c.limits.staff_per_account, 5);
    assert_int_equal(config_set(&c, "staff-wait-ms", "2500", err, sizeof err), 0);
    assert_int_equal(c.limits.staff_wait_ms, 2500);
    assert_int_equal(c.limits.staff_wait_max_ms, 15 * 60 * 1000);
}

static void test_edge_settings(void **state)
{
    (void)state;
    Config c;
    char err[256];
    config_defaults(&c);
    assert_int_equal(c.upload_inflight, 256u * 1024 * 1024);
    assert_int_equal(config_set(&c, "upload-inflight-bytes", "1048575", err, sizeof err), -1);
    assert_int_equal(config_set(&c, "upload-inflight-bytes", "1048576", err, sizeof err), 0);
    assert_int_equal(c.upload_inflight, 1048576);
    assert_int_equal(c.public_https, 0);
    assert_int_equal(config_set(&c, "public-url", "https://takedown.example.org", err, sizeof err),
                     0);
    assert_int_equal(c.public_https, 1);
    assert_int_equal(config_set(&c, "public-url", "http://10.0.0.1:8080/", err, sizeof err), 0);
    assert_int_equal(c.public_https, 0);
    assert_int_equal(config_set(&c, "public-url", "https://", err, sizeof err), -1);
    assert_int_equal(config_set(&c, "public-url", "takedown.example.org", err, sizeof err), -1);
    assert_int_equal(config_set(&c, "public-url", "ftp://x", err, sizeof err), -1);
    assert_int_equal(config_set(&c, "metrics-token", "0123456789abcde", err, sizeof err), -1);
    assert_int_equal(config_set(&c, "metrics-token", "0123456789abcdef", err, sizeof err), 0);
    assert_string_equal(c.metrics_token, "0123456789abcdef");
    assert_int_equal(config_set(&c, "metrics-token", "0123456789 abcdef", err, sizeof err), -1);
    /* The free-space reserve: 64 MiB by default, 0 (off) up to a tebibyte. */
    assert_int_equal(c.min_free_mb, 64);
    assert_int_equal(config_set(&c, "min-free-mb", "0", err, sizeof err), 0);
    assert_int_equal(c.min_free_mb, 0);
    assert_int_equal(config_set(&c, "min-free-mb", "1048576", err, sizeof err), 0);
    assert_int_equal(c.min_free_mb, 1048576);
    assert_int_equal(config_set(&c, "min-free-mb", "1048577", err, sizeof err), -1);
    assert_int_equal(config_set(&c, "min-free-mb", "-1", err, sizeof err), -1);
    assert_int_equal(c.min_free_mb, 1048576);
}

static void test_unknown_and_bool(void **state)
{
    (void)state;
    Config c;
    char err[256];
    config_defaults(&c);
    assert_int_equal(config_set(&c, "nope", "1", err, sizeof err), -1);
    assert_string_equal(err, "unknown setting --nope (see --help)");
    assert_int_equal(config_set(&c, "trust-proxy", NULL, err, sizeof err), 0);
    assert_int_equal(c.trust_proxy, 1);
    assert_int_equal(config_set(&c, "trust-proxy", "false", err, sizeof err), 0);
    assert_int_equal(c.trust_proxy, 0);
    assert_int_equal(config_set(&c, "trust-proxy", "maybe", err, sizeof err), -1);
}

static void test_file(void **state)
{
    (void)state;
    char path[] = "/tmp/takedown-config-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("# comment\n\n  listen = 127.0.0.1:9999  \nworkers=3\ntrust-proxy\n", f);
    fclose(f);
    Config c;
    char err[256];
    config_defaults(&c);
    assert_int_equal(config_load_file(&c, path, err, sizeof err), 0);
    assert_int_equal(c.listen_port, 9999);
    assert_int_equal(c.workers, 3);
    assert_int_equal(c.trust_proxy, 1);
    f = fopen(path, "w");
    fputs("workers = 2\nbogus = 1\n", f);
    fclose(f);
    assert_int_equal(config_load_file(&c, path, err, sizeof err), -1);
    assert_non_null(strstr(err, ":2: unknown setting --bogus"));
    unlink(path);
    assert_int_equal(config_load_file(&c, path, err, sizeof err), -1);
    assert_non_null(strstr(err, "cannot read config file"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),          cmocka_unit_test(test_listen),
        cmocka_unit_test(test_limits_both_sides), cmocka_unit_test(test_edge_settings),
        cmocka_unit_test(test_unknown_and_bool),  cmocka_unit_test(test_file),
        cmocka_unit_test(test_limit_defaults),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
