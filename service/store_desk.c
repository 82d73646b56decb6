/* Queries for the platform desk: one function per query, every value bound by name. */
#include "store_desk.h"

#include "store_internal.h"

#include <string.h>

StoreStatus store_desk_account_insert(StoreConn *c, const char *platform,
                                      const unsigned char public_key[VAULT_KEY_BYTES],
                                      int64_t staff_id, int64_t now, int64_t *id)
{
    StoreStmt *st =
        store_stmt_insert(c, "INSERT INTO platform_accounts (platform, public_key, created_at, "
                             "created_by) VALUES (:platform, :pk, :now, :staff)");
    store_bind_text_n(st, ":platform", platform);
    store_bind_blob_n(st, ":pk", public_key, VAULT_KEY_BYTES);
    store_bind_int64_n(st, ":now", now);
    store_bind_opt_int64_n(st, ":staff", staff_id);
    return store_exec_insert(c, st, id, __func__);
}

StoreStatus store_desk_account_revoke(StoreConn *c, const char *platform, int64_t now)
{
    StoreStmt *st = store_stmt(
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
    StoreStmt *st = store_stmt(
        c, "SELECT a.id, a.platform, a.public_key, a.created_at, coalesce(a.revoked_at, 0), "
           "(SELECT count(*) FROM platform_tokens t WHERE t.account_id = a.id AND t.revoked_at IS "
           "NULL) FROM platform_accounts a ORDER BY a.id DESC");
    DeskAccountRowEach e = {cb, arg};
    return store_each(c, st, account_each, &e, __func__);
}

StoreStatus store_desk_tokens_revoke(StoreConn *c, int64_t account_id, int64_t now)
{
    StoreStmt *st = store_stmt(c, "UPDATE platform_tokens SET revoked_at = :now WHERE "
                                  "account_id = :account AND revoked_at IS NULL");
    store_bind_int64_n(st, ":account", account_id);
    store_bind_int64_n(st, ":now", now);
    return store_exec_stmt(c, st, __func__);
}

StoreStatus store_desk_token_insert(StoreConn *c, int64_t account_id,
                                    const unsigned char hash[VAULT_ID_BYTES], int64_t now,
                                    int64_t expires_at)
{
    StoreStmt *st =
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
    StoreStmt *st = store_stmt(
        c, "SELECT t.id, t.account_id, a.platform, t.expires_at, coalesce(t.revoked_at, 0), "
           "coalesce(a.revoked_at, 0) FROM platform_tokens t JOIN platform_accounts a ON a.id = "
           "t.account_id WHERE t.token_hash = :hash");
    store_bind_blob_n(st, ":hash", hash, VAULT_ID_BYTES);
    memset(out, 0, sizeof *out);
    return store_one_row(c, st, &token_spec, out, __func__);
}

StoreStatus store_desk_token_used(StoreConn *c, int64_t token_id, int64_t now)
{
    StoreStmt *st = store_stmt(c, "UPDATE platform_tokens SET last_used_at = :now WHERE id = :id");
    store_bind_int64_n(st, ":id", token_id);
    store_bind_int64_n(st, ":now", now);
    return store_exec_one(c, st, __func__);
}

StoreStatus store_desk_account_live(StoreConn *c, const char *platform, DeskAccountRow *out)
{
    StoreStmt *st = store_stmt(
        c, "SELECT a.id, a.platform, a.public_key, a.created_at, 0, 0 FROM platform_accounts a "
           "WHERE a.platform = :platform AND a.revoked_at IS NULL");
    store_bind_text_n(st, ":platform", platform);
    memset(out, 0, sizeof *out);
    return store_one_row(c, st, &account_spec, out, __func__);
}

StoreStatus store_desk_numbers(StoreConn *c, int64_t account_id, int64_t target_id, int64_t *seq,
                               int64_t *copy)
{
    StoreStmt *st = store_stmt(
        c, "SELECT coalesce(max(seq), 0) + 1, coalesce((SELECT copy FROM desk_notices WHERE "
           "account_id = :account AND target_id = :target LIMIT 1), coalesce(max(copy), 0) + 1) "
           "FROM desk_notices WHERE account_id = :account");
    store_bind_int64_n(st, ":account", account_id);
    store_bind_int64_n(st, ":target", target_id);
    int64_t v[2] = {0, 0};
    StoreStatus s = store_one(c, st, store_row_int64_pair, v, __func__);
    *seq = v[0];
    *copy = v[1];
    return s;
}

StoreStatus store_desk_notice_insert(StoreConn *c, int64_t notice_id, const DeskNoticeRow *row)
{
    StoreStmt *st = store_stmt(
        c,
        "INSERT INTO desk_notices (notice_id, account_id, target_id, route, sent_at, sealed, "
        "seq, copy) VALUES (:notice, :account, :target, :route, :sent_at, :sealed, :seq, :copy)");
    store_bind_int64_n(st, ":notice", notice_id);
    store_bind_int64_n(st, ":account", row->account_id);
    store_bind_int64_n(st, ":target", row->target_id);
    store_bind_text_n(st, ":route", row->route);
    store_bind_int64_n(st, ":sent_at", row->sent_at);
    store_bind_buf_n(st, ":sealed", &row->sealed);
    store_bind_int64_n(st, ":seq", row->seq);
    store_bind_int64_n(st, ":copy", row->copy);
    return store_exec_stmt(c, st, __func__);
}

static const StoreCol notice_cols[] = {
    STORE_COL(INT, DeskNoticeRow, id),         STORE_COL(INT, DeskNoticeRow, target_id),
    STORE_COL(INT, DeskNoticeRow, sent_at),    STORE_COL(INT, DeskNoticeRow, acked_at),
    STORE_COL(TEXT, DeskNoticeRow, route),     STORE_COL(BUF, DeskNoticeRow, sealed),
    STORE_COL(INT, DeskNoticeRow, account_id), STORE_COL(INT, DeskNoticeRow, decided_at),
    STORE_COL(INT, DeskNoticeRow, superseded), STORE_COL(INT, DeskNoticeRow, seq),
    STORE_COL(INT, DeskNoticeRow, copy)};
static const StoreRowSpec notice_spec = STORE_ROW_SPEC(notice_cols);
STORE_EACH_ROW(notice_each, DeskNoticeRow, notice_spec)

StoreStatus store_desk_notices(StoreConn *c, int64_t account_id, int64_t after, int limit,
                               void (*cb)(void *arg, const DeskNoticeRow *r), void *arg)
{
    StoreStmt *st = store_stmt(
        c, "SELECT d.id, d.target_id, d.sent_at, coalesce(d.acked_at, 0), d.route, d.sealed, "
           "d.account_id, 0, 0, d.seq, d.copy FROM desk_notices d JOIN targets t ON t.id = "
           "d.target_id WHERE d.account_id = :account AND d.seq > :after AND d.decided_at IS NULL "
           "AND t.state IN ('notice_sent', 'acknowledged') AND NOT EXISTS (SELECT 1 FROM notices "
           "n WHERE n.target_id = d.target_id AND n.id > d.notice_id) ORDER BY d.seq LIMIT "
           ":limit");
    store_bind_int64_n(st, ":account", account_id);
    store_bind_int64_n(st, ":after", after);
    store_bind_int64_n(st, ":limit", limit);
    DeskNoticeRowEach e = {cb, arg};
    return store_each(c, st, notice_each, &e, __func__);
}

StoreStatus store_desk_notice_get(StoreConn *c, int64_t account_id, int64_t seq, DeskNoticeRow *out)
{
    StoreStmt *st = store_stmt(
        c, "SELECT d.id, d.target_id, d.sent_at, coalesce(d.acked_at, 0), d.route, d.sealed, "
           "d.account_id, coalesce(d.decided_at, 0), EXISTS (SELECT 1 FROM notices n WHERE "
           "n.target_id = d.target_id AND n.id > d.notice_id), d.seq, d.copy FROM desk_notices d "
           "WHERE d.seq = :seq AND d.account_id = :account");
    store_bind_int64_n(st, ":seq", seq);
    store_bind_int64_n(st, ":account", account_id);
    memset(out, 0, sizeof *out);
    return store_one_row(c, st, &notice_spec, out, __func__);
}

static StoreStatus notice_stamp(StoreConn *c, const char *sql, int64_t id, int64_t now,
                                const char *func)
{
    StoreStmt *st = store_stmt(c, sql);
    store_bind_int64_n(st, ":id", id);
    store_bind_int64_n(st, ":now", now);
    return store_exec_stmt(c, st, func);
}

StoreStatus store_desk_notice_acked(StoreConn *c, int64_t id, int64_t now)
{
    return notice_stamp(
        c, "UPDATE desk_notices SET acked_at = :now WHERE id = :id AND acked_at IS NULL", id, now,
        __func__);
}

StoreStatus store_desk_notice_closed(StoreConn *c, int64_t id, int64_t now)
{
    return notice_stamp(c, "UPDATE desk_notices SET decided_at = :now WHERE id = :id", id, now,
                        __func__);
}

StoreStatus store_desk_answer_insert(StoreConn *c, const DeskAnswerRow *r, int64_t *id)
{
    StoreStmt *st = store_stmt_insert(
        c, "INSERT INTO desk_answers (desk_notice_id, target_id, kind, outcome, platform_at, "
           "received_at, body) VALUES (:notice, :target, :kind, :outcome, :platform_at, "
           ":received_at, :body)");
    store_bind_int64_n(st, ":notice", r->desk_notice_id);
    store_bind_int64_n(st, ":target", r->target_id);
    store_bind_text_n(st, ":kind", r->kind);
    store_bind_opt_text_n(st, ":outcome", r->outcome);
    store_bind_opt_int64_n(st, ":platform_at", r->platform_at);
    store_bind_int64_n(st, ":received_at", r->received_at);
    store_bind_buf_n(st, ":body", &r->body);
    return store_exec_insert(c, st, id, __func__);
}

static const StoreCol answer_cols[] = {
    STORE_COL(INT, DeskAnswerRow, id),          STORE_COL(INT, DeskAnswerRow, desk_notice_id),
    STORE_COL(INT, DeskAnswerRow, target_id),   STORE_COL(TEXT, DeskAnswerRow, kind),
    STORE_COL(TEXT, DeskAnswerRow, outcome),    STORE_COL(INT, DeskAnswerRow, platform_at),
    STORE_COL(INT, DeskAnswerRow, received_at), STORE_COL(BUF, DeskAnswerRow, body)};
static const StoreRowSpec answer_spec = STORE_ROW_SPEC(answer_cols);
STORE_EACH_ROW(answer_each, DeskAnswerRow, answer_spec)

StoreStatus store_desk_answers_of_target(StoreConn *c, int64_t target_id,
                                         void (*cb)(void *arg, const DeskAnswerRow *r), void *arg)
{
    StoreStmt *st = store_stmt(
        c, "SELECT id, desk_notice_id, target_id, kind, coalesce(outcome, ''), "
           "coalesce(platform_at, 0), received_at, body FROM desk_answers WHERE target_id = "
           ":target ORDER BY id");
    store_bind_int64_n(st, ":target", target_id);
    DeskAnswerRowEach e = {cb, arg};
    return store_each(c, st, answer_each, &e, __func__);
}

StoreStatus store_desk_reupload_insert(StoreConn *c, const DeskReuploadRow *r, int64_t *id)
{
    StoreStmt *st = store_stmt_insert(
        c, "INSERT INTO desk_reuploads (desk_notice_id, target_id, reported_at, body) "
           "VALUES (:notice, :target, :now, :body)");
    store_bind_int64_n(st, ":notice", r->desk_notice_id);
    store_bind_int64_n(st, ":target", r->target_id);
    store_bind_int64_n(st, ":now", r->reported_at);
    store_bind_buf_n(st, ":body", &r->body);
    return store_exec_insert(c, st, id, __func__);
}

StoreStatus store_desk_reupload_count(StoreConn *c, int64_t desk_notice_id, int64_t *n)
{
    StoreStmt *st =
        store_stmt(c, "SELECT count(*) FROM desk_reuploads WHERE desk_notice_id = :notice");
    store_bind_int64_n(st, ":notice", desk_notice_id);
    *n = 0;
    return store_one(c, st, store_row_int64, n, __func__);
}

static const StoreCol reupload_cols[] = {
    STORE_COL(INT, DeskReuploadRow, id),        STORE_COL(INT, DeskReuploadRow, desk_notice_id),
    STORE_COL(INT, DeskReuploadRow, target_id), STORE_COL(INT, DeskReuploadRow, reported_at),
    STORE_COL(INT, DeskReuploadRow, child_id),  STORE_COL(TEXT, DeskReuploadRow, case_id),
    STORE_COL(BUF, DeskReuploadRow, body)};
static const StoreRowSpec reupload_spec = STORE_ROW_SPEC(reupload_cols);
STORE_EACH_ROW(reupload_each, DeskReuploadRow, reupload_spec)

StoreStatus store_desk_reuploads_pending(StoreConn *c, int64_t id, int limit,
                                         void (*cb)(void *arg, const DeskReuploadRow *r), void *arg)
{
    StoreStmt *st = store_stmt(
        c, "SELECT r.id, r.desk_notice_id, r.target_id, r.reported_at, 0, t.case_id, r.body FROM "
           "desk_reuploads r JOIN targets t ON t.id = r.target_id WHERE r.applied_at IS NULL AND "
           "(:id = 0 OR r.id = :id) ORDER BY r.id LIMIT :limit");
    store_bind_int64_n(st, ":id", id);
    store_bind_int64_n(st, ":limit", limit);
    DeskReuploadRowEach e = {cb, arg};
    return store_each(c, st, reupload_each, &e, __func__);
}

StoreStatus store_desk_reupload_applied(StoreConn *c, int64_t id, int64_t child, int64_t now)
{
    StoreStmt *st = store_stmt(
        c, "UPDATE desk_reuploads SET child_id = :child, applied_at = :now WHERE id = :id");
    store_bind_int64_n(st, ":id", id);
    store_bind_opt_int64_n(st, ":child", child);
    store_bind_int64_n(st, ":now", now);
    return store_exec_one(c, st, __func__);
}

typedef struct OrgFieldEach {
    void (*cb)(void *arg, int64_t id, const Buf *body);
    void *arg;
} OrgFieldEach;

static int org_field_row(StoreStmt *st, void *arg)
{
    OrgFieldEach *e = arg;
    Buf body = {0};
    store_column_buf(st, 1, &body);
    e->cb(e->arg, store_col_int64(st, 0), &body);
    buf_free(&body);
    return 0;
}

StoreStatus store_desk_org_fields(StoreConn *c, DeskOrgTable t,
                                  void (*cb)(void *arg, int64_t id, const Buf *body), void *arg)
{
    static const char *const sql[] = {
        [DESK_ORG_ANSWERS] = "SELECT id, body FROM desk_answers ORDER BY id",
        [DESK_ORG_REUPLOADS] = "SELECT id, body FROM desk_reuploads ORDER BY id",
        [DESK_ORG_NIGHT_CHECKS] = "SELECT id, body FROM night_checks ORDER BY id",
    };
    StoreStmt *st = store_stmt(c, sql[t]);
    OrgFieldEach e = {cb, arg};
    return store_each(c, st, org_field_row, &e, __func__);
}

StoreStatus store_desk_org_field_set(StoreConn *c, DeskOrgTable t, int64_t id, const Buf *body)
{
    static const char *const sql[] = {
        [DESK_ORG_ANSWERS] = "UPDATE desk_answers SET body = :body WHERE id = :id",
        [DESK_ORG_REUPLOADS] = "UPDATE desk_reuploads SET body = :body WHERE id = :id",
        [DESK_ORG_NIGHT_CHECKS] = "UPDATE night_checks SET body = :body WHERE id = :id",
    };
    StoreStmt *st = store_stmt(c, sql[t]);
    store_bind_int64_n(st, ":id", id);
    store_bind_buf_n(st, ":body", body);
    return store_exec_one(c, st, __func__);
}
