/* A benchmark ceiling: one Argon2id run at the cost the vault uses (vault_pw_cost_default), through
 * the vault's own password wrap, which runs exactly one Argon2id. This bounds how many password
 * wraps (submissions, receipt sign-ins) one core can do.
 * Usage: argon2_ceiling RUNS MAX_SECONDS
 * Runs at most RUNS times and stops starting new runs after MAX_SECONDS; prints "cost OPS MEM"
 * and then one line per run: "ms T". */
#include "buf.h"
#include "vault.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int arg_long(const char *s, long lo, long hi, long *out)
{
    char *end = NULL;
    *out = strtol(s, &end, 10);
    return end != s && !*end && *out >= lo && *out <= hi ? 0 : -1;
}

int main(int argc, char **argv)
{
    long runs = 0, max_seconds = 0;
    if (argc != 3 || arg_long(argv[1], 1, 100, &runs) || arg_long(argv[2], 1, 600, &max_seconds)) {
        fprintf(stderr, "usage: argon2_ceiling RUNS(1-100) MAX_SECONDS(1-600)\n");
        return 2;
    }
    if (vault_init() != 0)
        return 1;
    VaultPwCost cost = vault_pw_cost_default();
    printf("cost %llu %zu\n", (unsigned long long)cost.ops, cost.mem);
    static const unsigned char secret[VAULT_KEY_BYTES];
    double stop = now_ms() + 1e3 * (double)max_seconds;
    for (long i = 0; i < runs && now_ms() < stop; i++) {
        Buf out = {0}; /* owned here */
        double t0 = now_ms();
        int rc = vault_pw_wrap("benchmark password", cost, secret, sizeof secret, "bench", &out);
        double t1 = now_ms();
        buf_free(&out);
        if (rc != 0) {
            fprintf(stderr, "argon2_ceiling: vault_pw_wrap failed\n");
            return 1;
        }
        printf("ms %.2f\n", t1 - t0);
        fflush(stdout);
    }
    return 0;
}
