/* The platform desk's tokens (service/desk.c): a token opens the desk of its own platform only
 * while it is neither expired nor revoked and its account is live; anything else, a malformed or
 * unknown token included, is the same "not found"; every use is audited and dates the token. */
#include "desk.h"
#include "store.h"
#include "store_desk.h"
#include "store_internal.h"
#include "vault.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include "temp_store.h"
#include <dirent.h>
#include <sqlite3.h>
#include <unistd.h>

#define NOW 1796300000
#define DAY 86400

static char base_dir[256];
static char db_file[600];

#include "raw_db.h"

static int setup(void **state)
{
    (void)state;
    if (temp_store_open("desk", base_dir, db_file) != 0)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    temp_store_close(base_dir);
    return 0;
}

typedef struct AccountArgs {
    const char *platform;
    const char *token;
    int64_t expires_at;
    int64_t id;
} AccountArgs;

static StoreStatus account_tx(StoreConn *c, void *arg)
{
    AccountArgs *a = arg;
    unsigned char pk[VAULT_KEY_BYTES] = {1}, hash[VAULT_ID_BYTES];
    vault_hash(a->token, strlen(a->token), hash);
    StoreStatus s = store_desk_account_insert(c, a->platform, pk, 0, NOW, &a->id);
    return s == STORE_OK ? store_desk_token_insert(c, a->id, hash, NOW, a->expires_at) : s;
}

/* A live account for platform with one token (a fresh random one, into token). */
static void account(const char *platform, int64_t expires_at, char token[DESK_TOKEN_TEXT])
{
    char hex[2 * VAULT_KEY_BYTES + 1];
    vault_random_hex(hex, VAULT_KEY_BYTES);
    snprintf(token, DESK_TOKEN_TEXT, "%s%s", DESK_TOKEN_PREFIX, hex);
    AccountArgs a = {platform, token, expires_at, 0};
    assert_int_equal(store_tx(account_tx, &a), STORE_OK);
}

static StoreStatus revoke_tx(StoreConn *c, void *arg)
{
    return store_desk_account_revoke(c, arg, NOW);
}

static void test_a_token_opens_its_own_desk_only(void **state)
{
    (void)state;
    char douyin[DESK_TOKEN_TEXT], weibo[DESK_TOKEN_TEXT];
    account("douyin", NOW + DAY, douyin);
    account("weibo", NOW + DAY, weibo);
    DeskCaller who;
    assert_int_equal(desk_authenticate(douyin, "notices", NOW, &who, &(unsigned){0}), DESK_OK);
    assert_string_equal(who.platform, "douyin");
    assert_int_equal(desk_authenticate(weibo, "notices", NOW, &who, &(unsigned){0}), DESK_OK);
    assert_string_equal(who.platform, "weibo");
    /* The use is audited under the platform's name and dates the token. */
    assert_int_equal(raw_int("SELECT count(*) FROM audit WHERE actor = 'platform:douyin' AND "
                             "action = 'platform.call' AND subject = 'notices'",
                             NULL),
                     1);
    assert_int_equal(
        raw_int("SELECT count(*) FROM platform_tokens WHERE last_used_at = ?", "1796300000"), 2);
    /* The token itself is stored nowhere: only its hash. */
    assert_int_equal(
        raw_int("SELECT count(*) FROM platform_tokens WHERE instr(token_hash, ?) > 0", douyin), 0);
}

static void test_expired_revoked_malformed_and_unknown_are_the_same_refusal(void **state)
{
    (void)state;
    char token[DESK_TOKEN_TEXT];
    DeskCaller who;
    account("wechat", NOW + DAY, token);
    /* Both sides of the expiry. */
    assert_int_equal(desk_authenticate(token, "notices", NOW + DAY - 1, &who, &(unsigned){0}),
                     DESK_OK);
    assert_int_equal(desk_authenticate(token, "notices", NOW + DAY, &who, &(unsigned){0}),
                     DESK_NOT_FOUND);
    assert_string_equal(who.platform, "");
    /* A revoked account: its token no longer opens anything. */
    char other[DESK_TOKEN_TEXT];
    account("kuaishou", NOW + 10 * DAY, other);
    assert_int_equal(desk_authenticate(other, "notices", NOW, &who, &(unsigned){0}), DESK_OK);
    assert_int_equal(store_tx(revoke_tx, (void *)"kuaishou"), STORE_OK);
    assert_int_equal(desk_authenticate(other, "notices", NOW, &who, &(unsigned){0}),
                     DESK_NOT_FOUND);
    assert_int_equal(store_tx(revoke_tx, (void *)"kuaishou"), STORE_NOT_FOUND);
    /* Malformed and unknown: one character changed, cut short, another prefix, none. */
    char changed[DESK_TOKEN_TEXT];
    memcpy(changed, other, sizeof changed);
    changed[10] = changed[10] == 'a' ? 'b' : 'a';
    const char *bad[] = {changed, "tdp_", "tdp_00", "Bearer", "", NULL};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(desk_authenticate(bad[i], "notices", NOW, &who, &(unsigned){0}),
                         DESK_NOT_FOUND);
    memcpy(changed, other, sizeof changed);
    changed[0] = 'x';
    assert_int_equal(desk_authenticate(changed, "notices", NOW, &who, &(unsigned){0}),
                     DESK_NOT_FOUND);
}

static void test_one_live_account_per_platform(void **state)
{
    (void)state;
    char token[DESK_TOKEN_TEXT];
    account("bilibili", NOW + DAY, token);
    AccountArgs again = {"bilibili", "tdp_x", NOW + DAY, 0};
    assert_int_equal(store_tx(account_tx, &again), STORE_CONFLICT);
    assert_int_equal(store_tx(revoke_tx, (void *)"bilibili"), STORE_OK);
    char fresh[DESK_TOKEN_TEXT];
    account("bilibili", NOW + DAY, fresh); /* after a revocation, a new desk */
    DeskCaller who;
    assert_int_equal(desk_authenticate(fresh, "notices", NOW, &who, &(unsigned){0}), DESK_OK);
    assert_int_equal(desk_authenticate(token, "notices", NOW, &who, &(unsigned){0}),
                     DESK_NOT_FOUND);
}

static void test_add_checks_before_any_password(void **state)
{
    (void)state;
    const char *key = "416b0bd192a42b8b978180da6a62202572cace6a091fb3bf906afb62373c7428";
    assert_int_equal(desk_platform_add_check("douyin", key, 365), DESK_OK);
    assert_int_equal(desk_platform_add_check("nope", key, 365), DESK_UNKNOWN_PLATFORM);
    assert_int_equal(desk_platform_add_check("other", key, 365), DESK_UNKNOWN_PLATFORM);
    assert_int_equal(desk_platform_add_check("douyin", key + 2, 365), DESK_BAD_KEY);
    char zz[65];
    memcpy(zz, key, sizeof zz);
    zz[63] = 'z';
    assert_int_equal(desk_platform_add_check("douyin", zz, 365), DESK_BAD_KEY);
    assert_int_equal(desk_platform_add_check("douyin", key, 0), DESK_BAD_DAYS);
    assert_int_equal(desk_platform_add_check("douyin", key, 1), DESK_OK);
    assert_int_equal(desk_platform_add_check("douyin", key, DESK_TOKEN_DAYS_MAX), DESK_OK);
    assert_int_equal(desk_platform_add_check("douyin", key, DESK_TOKEN_DAYS_MAX + 1),
                     DESK_BAD_DAYS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_token_opens_its_own_desk_only),
        cmocka_unit_test(test_expired_revoked_malformed_and_unknown_are_the_same_refusal),
        cmocka_unit_test(test_one_live_account_per_platform),
        cmocka_unit_test(test_add_checks_before_any_password),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
