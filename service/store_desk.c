/* Queries for the platform desk: one function per query, every value bound by name. */
#include "store_desk.h"

#include "store_internal.h"

#include <string.h>

StoreStatus store_desk_account_insert(StoreConn *c, const char *platform,
                                      const unsigned char public_key[VAULT_KEY_BYTES],
                                      int64_t staff_id, int64_t now, int64_t *id)
{
    sqlite3_stmt *st =
        store_stmt(c, "INSERT INTO platform_accounts (platform, public_key, created_at, "
                      "created_by) VALUES (:platform, :pk, :now, :staff)");
    store_bind_text_n(st, ":platform", platform);
    store_bind_blob_n(st, ":pk", public_key, VAULT_KEY_BYTES);
    store_bind_int64_n(st, ":now", now);
    store_bind_opt_int64_n(st, ":staff", staff_id);
    return store_exec_insert(c, st, id, __func__);
}

StoreStatus store_desk_account_revoke(StoreConn *c, const char *platform, int64_t now)
{
    sqlite3_stmt *st = store_stmt(
        c, "UPDATE platform_tokens SET revoked_at = :now WHERE revoked_at IS NULL AND account_id "
           "IN (SELECT id FROM platform_accounts WHERE platform = :platform AND revoked_at IS "
           "NULL)");
    store_bind_text_n(st, ":platform", platform);
    store_bind_int64_n(st, ":now", now);
    StoreStatus s = store_exec_stmt(c, st, __func__);
    if (s != STORE_OK)
        return s;
    st = store_stmt(c, "UPDATE platform_accounts SET revoked_at = :now WHERE platform = :platform "
                       "AND revoked_at IS NULL");
    store_bind_text_n(st, ":platform", platform);
    store_bind_int64_n(st, ":now", now);
    return store_exec_one(c, st, __func__);
}

static const StoreCol account_cols[] = {
    STORE_COL(INT, DeskAccountRow, id),           STORE_COL(TEXT, DeskAccountRow, platform),
    STORE_COL(FIXED, DeskAccountRow, public_key), STORE_COL(INT, DeskAccountRow, created_at),
    STORE_COL(INT, DeskAccountRow, revoked_at),   STORE_COL(INT, DeskAccountRow, tokens)};
static const StoreRowSpec account_spec = STORE_ROW_SPEC(account_cols);
STORE_EACH_ROW(account_each, DeskAccountRow, account_spec)

StoreStatus store_desk_accounts(StoreConn *c, void (*cb)(void *arg, const DeskAccountRow *r),
                                void *arg)
{
    sqlite3_stmt *st = store_stmt(
        c, "SELECT a.id, a.platform, a.public_key, a.created_at, coalesce(a.revoked_at, 0), "
           "(SELECT count(*) FROM platform_tokens t WHERE t.account_id = a.id AND t.revoked_at IS "
           "NULL) FROM platform_accounts a ORDER BY a.id DESC");
    DeskAccountRowEach e = {cb, arg};
    return store_each(c, st, account_each, &e, __func__);
}

StoreStatus store_desk_token_insert(StoreConn *c, int64_t account_id,
                                    const unsigned char hash[VAULT_ID_BYTES], int64_t now,
                                    int64_t expires_at)
{
    sqlite3_stmt *st =
        store_stmt(c, "INSERT INTO platform_tokens (account_id, token_hash, created_at, "
                      "expires_at) VALUES (:account, :hash, :now, :expires)");
    store_bind_int64_n(st, ":account", account_id);
    store_bind_blob_n(st, ":hash", hash, VAULT_ID_BYTES);
    store_bind_int64_n(st, ":now", now);
    store_bind_int64_n(st, ":expires", expires_at);
    return store_exec_stmt(c, st, __func__);
}

static const StoreCol token_cols[] = {
    STORE_COL(INT, DeskTokenRow, id),         STORE_COL(INT, DeskTokenRow, account_id),
    STORE_COL(TEXT, DeskTokenRow, platform),  STORE_COL(INT, DeskTokenRow, expires_at),
    STORE_COL(INT, DeskTokenRow, revoked_at), STORE_COL(INT, DeskTokenRow, account_revoked_at)};
static const StoreRowSpec token_spec = STORE_ROW_SPEC(token_cols);

StoreStatus store_desk_token_get(StoreConn *c, const unsigned char hash[VAULT_ID_BYTES],
                                 DeskTokenRow *out)
{
    sqlite3_stmt *st = store_stmt(
        c, "SELECT t.id, t.account_id, a.platform, t.expires_at, coalesce(t.revoked_at, 0), "
           "coalesce(a.revoked_at, 0) FROM platform_tokens t JOIN platform_accounts a ON a.id = "
           "t.account_id WHERE t.token_hash = :hash");
    store_bind_blob_n(st, ":hash", hash, VAULT_ID_BYTES);
    memset(out, 0, sizeof *out);
    return store_one_row(c, st, &token_spec, out, __func__);
}

StoreStatus store_desk_token_used(StoreConn *c, int64_t token_id, int64_t now)
{
    sqlite3_stmt *st =
        store_stmt(c, "UPDATE platform_tokens SET last_used_at = :now WHERE id = :id");
    store_bind_int64_n(st, ":id", token_id);
    store_bind_int64_n(st, ":now", now);
    return store_exec_one(c, st, __func__);
}

StoreStatus store_desk_account_live(StoreConn *c, const char *platform, DeskAccountRow *out)
{
    sqlite3_stmt *st = store_stmt(
        c, "SELECT a.id, a.platform, a.public_key, a.created_at, 0, 0 FROM platform_accounts a "
           "WHERE a.platform = :platform AND a.revoked_at IS NULL");
    store_bind_text_n(st, ":platform", platform);
    memset(out, 0, sizeof *out);
    return store_one_row(c, st, &account_spec, out, __func__);
}

StoreStatus store_desk_notice_insert(StoreConn *c, int64_t notice_id, int64_t account_id,
                                     int64_t target_id, const char *route, int64_t sent_at,
                                     const Buf *sealed)
{
    sqlite3_stmt *st = store_stmt(
        c, "INSERT INTO desk_notices (notice_id, account_id, target_id, route, sent_at, sealed) "
           "VALUES (:notice, :account, :target, :route, :sent_at, :sealed)");
    store_bind_int64_n(st, ":notice", notice_id);
    store_bind_int64_n(st, ":account", account_id);
    store_bind_int64_n(st, ":target", target_id);
    store_bind_text_n(st, ":route", route);
    store_bind_int64_n(st, ":sent_at", sent_at);
    store_bind_buf_n(st, ":sealed", sealed);
    return store_exec_stmt(c, st, __func__);
}

static const StoreCol notice_cols[] = {
    STORE_COL(INT, DeskNoticeRow, id),      STORE_COL(INT, DeskNoticeRow, target_id),
    STORE_COL(INT, DeskNoticeRow, sent_at), STORE_COL(INT, DeskNoticeRow, acked_at),
    STORE_COL(TEXT, DeskNoticeRow, route),  STORE_COL(BUF, DeskNoticeRow, sealed)};
static const StoreRowSpec notice_spec = STORE_ROW_SPEC(notice_cols);
STORE_EACH_ROW(notice_each, DeskNoticeRow, notice_spec)

StoreStatus store_desk_notices(StoreConn *c, int64_t account_id, int64_t after, int limit,
                               void (*cb)(void *arg, const DeskNoticeRow *r), void *arg)
{
    sqlite3_stmt *st = store_stmt(
        c, "SELECT id, target_id, sent_at, coalesce(acked_at, 0), route, sealed FROM desk_notices "
           "WHERE account_id = :account AND id > :after AND decided_at IS NULL ORDER BY id "
           "LIMIT :limit");
    store_bind_int64_n(st, ":account", account_id);
    store_bind_int64_n(st, ":after", after);
    store_bind_int64_n(st, ":limit", limit);
    DeskNoticeRowEach e = {cb, arg};
    return store_each(c, st, notice_each, &e, __func__);
}
