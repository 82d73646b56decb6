/* Queries for org keys, staff, sessions and the audit chain: one function per query. */
#include "store_staff.h"

#include "log.h"
#include "store_internal.h"
#include "vault.h"

#include <stdio.h>
#include <string.h>

void org_row_free(OrgRow *o)
{
    buf_free(&o->recovery_wrap);
}

void staff_row_free(StaffRow *s)
{
    buf_free(&s->key_wrap);
    buf_free(&s->public_key);
    buf_free(&s->org_seal);
    buf_free(&s->totp_secret);
    buf_free(&s->totp_pending);
}

void session_row_free(SessionRow *s)
{
    buf_free(&s->key_wrap);
}

/* ---- org ---- */

static const StoreCol org_cols[] = {
    STORE_COL(FIXED, OrgRow, public_key), STORE_COL(BUF, OrgRow, recovery_wrap),
    STORE_COL(FIXED, OrgRow, receipt_salt), STORE_COL(INT, OrgRow, require_totp),
    STORE_COL(INT, OrgRow, key_epoch)};
static const StoreRowSpec org_spec = STORE_ROW_SPEC(org_cols);

StoreStatus store_org_get(StoreConn *c, OrgRow *out)
{
    StoreStmt *st = store_stmt(
        c, "SELECT public_key, recovery_wrap, receipt_salt, require_totp, key_epoch FROM org "
           "WHERE id = 1");
    return store_one_row(c, st, &org_spec, out, __func__);
}

StoreStatus store_org_insert(StoreConn *c, const unsigned char pk[VAULT_KEY_BYTES],
                             const Buf *recovery_wrap, const unsigned char salt[16], int64_t now)
{
    StoreStmt *st = store_stmt(c, "INSERT INTO org (id, public_key, recovery_wrap, "
                                  "receipt_salt, created_at) VALUES (1, :public_key, "
                                  ":recovery_wrap, :salt, :now)");
    store_bind_blob_n(st, ":public_key", pk, VAULT_KEY_BYTES);
    store_bind_buf_n(st, ":recovery_wrap", recovery_wrap);
    store_bind_blob_n(st, ":salt", salt, 16);
    store_bind_int64_n(st, ":now", now);
    return store_exec_stmt(c, st, __func__);
}

StoreStatus store_org_set_require_totp(StoreConn *c, int on)
{
    StoreStmt *st = store_stmt(c, "UPDATE org SET require_totp = :on WHERE id = 1");
    store_bind_int64_n(st, ":on", on ? 1 : 0);
    return store_exec_stmt(c, st, __func__);
}

StoreStatus store_org_rotate(StoreConn *c, const unsigned char pk[VAULT_KEY_BYTES],
                             const Buf *recovery_wrap)
{
    StoreStmt *st =
        store_stmt(c, "UPDATE org SET public_key = :public_key, recovery_wrap = :recovery_wrap, "
                      "key_epoch = key_epoch + 1 WHERE id = 1");
    store_bind_blob_n(st, ":public_key", pk, VAULT_KEY_BYTES);
    store_bind_buf_n(st, ":recovery_wrap", recovery_wrap);
    return store_exec_one(c, st, __func__);
}

/* ---- staff ---- */

/* Binds a seal, or NULL when there is none (auditors, or left out by a rotation). */
static void bind_seal(StoreStmt *st, const Buf *seal)
{
    store_bind_buf_n(st, ":org_seal", seal && seal->len ? seal : NULL);
}

StoreStatus store_staff_insert(StoreConn *c, const char *login, const char *role,
                               const StaffKeys *keys, int64_t now, int64_t *id)
{
    StoreStmt *st = store_stmt_insert(
        c, "INSERT INTO staff (login, role, key_wrap, public_key, org_seal, created_at, "
           "password_changed_at) VALUES (:login, :role, :key_wrap, :public_key, :org_seal, :now, "
           ":now)");
    store_bind_text_n(st, ":login", login);
    store_bind_text_n(st, ":role", role);
    store_bind_buf_n(st, ":key_wrap", keys->key_wrap);
    store_bind_int64_n(st, ":now", now);
    store_bind_blob_n(st, ":public_key", keys->public_key, VAULT_KEY_BYTES);
    bind_seal(st, keys->org_seal);
    return store_exec_insert(c, st, id, __func__);
}

#define STAFF_COLUMNS                                                                              \
    "id, login, role, key_wrap, totp_secret, totp_pending, totp_last_step, disabled, "             \
    "public_key, org_seal"

static const StoreCol staff_cols[] = {STORE_COL(INT, StaffRow, id),
                                      STORE_COL(TEXT, StaffRow, login),
                                      STORE_COL(TEXT, StaffRow, role),
                                      STORE_COL(BUF, StaffRow, key_wrap),
                                      STORE_COL(BUF, StaffRow, totp_secret),
                                      STORE_COL(BUF, StaffRow, totp_pending),
                                      STORE_COL(INT, StaffRow, totp_last_step),
                                      STORE_COL(INT, StaffRow, disabled),
                                      STORE_COL(BUF, StaffRow, public_key),
                                      STORE_COL(BUF, StaffRow, org_seal)};
static const StoreRowSpec staff_spec = STORE_ROW_SPEC(staff_cols);

StoreStatus store_staff_by_login(StoreConn *c, const char *login, StaffRow *out)
{
    StoreStmt *st = store_stmt(c, "SELECT " STAFF_COLUMNS " FROM staff WHERE login = :login");
    store_bind_text_n(st, ":login", login);
    return store_one_row(c, st, &staff_spec, out, __func__);
}

StoreStatus store_staff_by_id(StoreConn *c, int64_t id, StaffRow *out)
{
    StoreStmt *st = store_stmt(c, "SELECT " STAFF_COLUMNS " FROM staff WHERE id = :id");
    store_bind_int64_n(st, ":id", id);
    return store_one_row(c, st, &staff_spec, out, __func__);
}

StoreStatus store_staff_set_wrap(StoreConn *c, int64_t id, const Buf *key_wrap, int64_t now)
{
    StoreStmt *st = store_stmt(
        c, "UPDATE staff SET key_wrap = :key_wrap, password_changed_at = :now WHERE id = :id "
           "AND disabled = 0");
    store_bind_int64_n(st, ":id", id);
    store_bind_buf_n(st, ":key_wrap", key_wrap);
    store_bind_int64_n(st, ":now", now);
    return store_exec_one(c, st, __func__);
}

StoreStatus store_staff_set_keys(StoreConn *c, int64_t id, const StaffKeys *keys, int64_t now)
{
    StoreStmt *st = store_stmt(
        c, "UPDATE staff SET key_wrap = :key_wrap, public_key = :public_key, org_seal = :org_seal, "
           "password_changed_at = :now, totp_secret = NULL, totp_pending = NULL, "
           "totp_last_step = 0 WHERE id = :id AND disabled = 0");
    store_bind_int64_n(st, ":id", id);
    store_bind_buf_n(st, ":key_wrap", keys->key_wrap);
    store_bind_blob_n(st, ":public_key", keys->public_key, VAULT_KEY_BYTES);
    bind_seal(st, keys->org_seal);
    store_bind_int64_n(st, ":now", now);
    return store_exec_one(c, st, __func__);
}

StoreStatus store_staff_disable(StoreConn *c, int64_t id)
{
    /* secure_delete is on: the old wraps and secrets are overwritten, not just unlinked. */
    static const unsigned char nothing[1];
    StoreStmt *st = store_stmt(c, "UPDATE staff SET disabled = 1, key_wrap = :empty, "
                                  "public_key = NULL, org_seal = NULL, totp_secret = NULL, "
                                  "totp_pending = NULL WHERE id = :id");
    store_bind_blob_n(st, ":empty", nothing,
                      0); /* an empty blob, not NULL: the column is NOT NULL */
    store_bind_int64_n(st, ":id", id);
    return store_exec_one(c, st, __func__);
}

StoreStatus store_staff_set_org_seal(StoreConn *c, int64_t id, const Buf *org_seal)
{
    StoreStmt *st = store_stmt(c, "UPDATE staff SET org_seal = :org_seal WHERE id = :id");
    store_bind_int64_n(st, ":id", id);
    bind_seal(st, org_seal);
    return store_exec_one(c, st, __func__);
}

typedef struct KeyedEach {
    void (*cb)(void *arg, int64_t id, const char *role, const unsigned char *public_key);
    void *arg;
} KeyedEach;

static int keyed_row(StoreStmt *st, void *p)
{
    const KeyedEach *e = p;
    unsigned char public_key[VAULT_KEY_BYTES];
    store_column_fixed(st, 2, public_key, sizeof public_key);
    e->cb(e->arg, store_col_int64(st, 0), store_col_text(st, 1), public_key);
    return 0;
}

StoreStatus store_staff_each_keyed(StoreConn *c,
                                   void (*cb)(void *arg, int64_t id, const char *role,
                                              const unsigned char *public_key),
                                   void *arg)
{
    StoreStmt *st = store_stmt(c, "SELECT id, role, public_key FROM staff WHERE disabled = 0 "
                                  "AND length(public_key) = 32 ORDER BY id");
    KeyedEach e = {cb, arg};
    return store_each(c, st, keyed_row, &e, __func__);
}

StoreStatus store_staff_set_totp_pending(StoreConn *c, int64_t id, const Buf *enc)
{
    StoreStmt *st = store_stmt(c, "UPDATE staff SET totp_pending = :enc WHERE id = :id");
    store_bind_int64_n(st, ":id", id);
    store_bind_buf_n(st, ":enc", enc);
    return store_exec_one(c, st, __func__);
}

StoreStatus store_staff_confirm_totp(StoreConn *c, int64_t id, int64_t step)
{
    StoreStmt *st = store_stmt(c, "UPDATE staff SET totp_secret = totp_pending, "
                                  "totp_pending = NULL, totp_last_step = :step "
                                  "WHERE id = :id AND totp_pending IS NOT NULL");
    store_bind_int64_n(st, ":id", id);
    store_bind_int64_n(st, ":step", step);
    return store_exec_one(c, st, __func__);
}

StoreStatus store_staff_use_totp_step(StoreConn *c, int64_t id, int64_t step)
{
    StoreStmt *st = store_stmt(c, "UPDATE staff SET totp_last_step = :step "
                                  "WHERE id = :id AND totp_last_step < :step");
    store_bind_int64_n(st, ":id", id);
    store_bind_int64_n(st, ":step", step);
    StoreStatus s = store_exec_one(c, st, __func__);
    return s == STORE_NOT_FOUND ? STORE_CONFLICT : s;
}

StoreStatus store_staff_count_admins(StoreConn *c, int64_t *n)
{
    StoreStmt *st =
        store_stmt(c, "SELECT count(*) FROM staff WHERE role = 'admin' AND disabled = 0");
    return store_one(c, st, store_row_int64, n, __func__);
}

typedef struct ListEach {
    void (*cb)(void *arg, int64_t id, const char *login, const char *role, int disabled, int totp);
    void *arg;
} ListEach;

static int list_row(StoreStmt *st, void *p)
{
    const ListEach *e = p;
    e->cb(e->arg, store_col_int64(st, 0), store_col_text(st, 1), store_col_text(st, 2),
          (int)store_col_int64(st, 3), (int)store_col_int64(st, 4));
    return 0;
}

StoreStatus store_staff_list(StoreConn *c,
                             void (*cb)(void *arg, int64_t id, const char *login, const char *role,
                                        int disabled, int totp),
                             void *arg)
{
    StoreStmt *st = store_stmt(c, "SELECT id, login, role, disabled, totp_secret IS NOT NULL "
                                  "FROM staff ORDER BY login");
    ListEach e = {cb, arg};
    return store_each(c, st, list_row, &e, __func__);
}

/* ---- sessions ---- */

StoreStatus store_session_insert(StoreConn *c, const unsigned char id_hash[VAULT_ID_BYTES],
                                 const char *kind, int64_t staff_id, const char *case_id,
                                 const Buf *key_wrap, int64_t now, int64_t expires_at)
{
    StoreStmt *st = store_stmt(
        c, "INSERT INTO sessions (id_hash, kind, staff_id, case_id, key_wrap, created_at, "
           "last_seen, expires_at) VALUES (:id_hash, :kind, :staff_id, :case_id, :key_wrap, "
           ":now, :now, :expires_at)");
    store_bind_blob_n(st, ":id_hash", id_hash, VAULT_ID_BYTES);
    store_bind_text_n(st, ":kind", kind);
    store_bind_opt_int64_n(st, ":staff_id", staff_id > 0 ? staff_id : 0);
    store_bind_text_n(st, ":case_id", case_id);
    store_bind_buf_n(st, ":key_wrap", key_wrap);
    store_bind_int64_n(st, ":now", now);
    store_bind_int64_n(st, ":expires_at", expires_at);
    return store_exec_stmt(c, st, __func__);
}

static const StoreCol session_cols[] = {
    STORE_COL(TEXT, SessionRow, kind),      STORE_COL(INT, SessionRow, staff_id),
    STORE_COL(TEXT, SessionRow, case_id),   STORE_COL(BUF, SessionRow, key_wrap),
    STORE_COL(INT, SessionRow, created_at), STORE_COL(INT, SessionRow, last_seen),
    STORE_COL(INT, SessionRow, expires_at)};
static const StoreRowSpec session_spec = STORE_ROW_SPEC(session_cols);

StoreStatus store_session_get(StoreConn *c, const unsigned char id_hash[VAULT_ID_BYTES],
                              SessionRow *out)
{
    StoreStmt *st = store_stmt(c, "SELECT kind, staff_id, case_id, key_wrap, created_at, "
                                  "last_seen, expires_at FROM sessions WHERE id_hash = :id_hash");
    store_bind_blob_n(st, ":id_hash", id_hash, VAULT_ID_BYTES);
    return store_one_row(c, st, &session_spec, out, __func__);
}

StoreStatus store_session_touch(StoreConn *c, const unsigned char id_hash[VAULT_ID_BYTES],
                                int64_t now)
{
    StoreStmt *st = store_stmt(c, "UPDATE sessions SET last_seen = :now WHERE id_hash = :id_hash");
    store_bind_blob_n(st, ":id_hash", id_hash, VAULT_ID_BYTES);
    store_bind_int64_n(st, ":now", now);
    return store_exec_stmt(c, st, __func__);
}

StoreStatus store_session_delete(StoreConn *c, const unsigned char id_hash[VAULT_ID_BYTES])
{
    StoreStmt *st = store_stmt(c, "DELETE FROM sessions WHERE id_hash = :id_hash");
    store_bind_blob_n(st, ":id_hash", id_hash, VAULT_ID_BYTES);
    return store_exec_stmt(c, st, __func__);
}

StoreStatus store_sessions_delete_staff(StoreConn *c, int64_t staff_id)
{
    StoreStmt *st = store_stmt(c, "DELETE FROM sessions WHERE staff_id = :staff_id");
    store_bind_int64_n(st, ":staff_id", staff_id);
    return store_exec_stmt(c, st, __func__);
}

StoreStatus store_sessions_delete_all_staff(StoreConn *c)
{
    StoreStmt *st = store_stmt(c, "DELETE FROM sessions WHERE kind = 'staff'");
    return store_exec_stmt(c, st, __func__);
}

StoreStatus store_sessions_expire(StoreConn *c, int64_t now, int64_t staff_idle,
                                  int64_t victim_idle)
{
    StoreStmt *st = store_stmt(c, "DELETE FROM sessions WHERE expires_at <= :now "
                                  "OR (kind = 'staff' AND last_seen + :staff_idle <= :now) "
                                  "OR (kind = 'victim' AND last_seen + :victim_idle <= :now)");
    store_bind_int64_n(st, ":now", now);
    store_bind_int64_n(st, ":staff_idle", staff_idle);
    store_bind_int64_n(st, ":victim_idle", victim_idle);
    return store_exec_stmt(c, st, __func__);
}

/* ---- audit ---- */

static void audit_hash(const unsigned char prev[VAULT_ID_BYTES], int64_t id, int64_t at,
                       const char *actor, const char *action, const char *subject,
                       const char *detail, unsigned char out[VAULT_ID_BYTES])
{
    Buf b = {0};
    buf_append(&b, prev, VAULT_ID_BYTES);
    buf_printf(&b, "%lld|%lld|", (long long)id, (long long)at);
    const char *parts[] = {actor, action, subject, detail};
    for (int i = 0; i < 4; i++) {
        buf_puts(&b, parts[i] ? parts[i] : "");
        buf_putc(&b, '\0');
    }
    vault_hash(b.data, b.len, out);
    buf_free(&b);
}

/* The newest audit row: its id and hash (both stay 0 on an empty log). */
typedef struct AuditLast {
    int64_t id;
    unsigned char hash[VAULT_ID_BYTES];
} AuditLast;

static int audit_last_row(StoreStmt *st, void *p)
{
    AuditLast *l = p;
    l->id = store_col_int64(st, 0);
    store_column_fixed(st, 1, l->hash, sizeof l->hash);
    return 1;
}

StoreStatus store_audit_append(StoreConn *c, int64_t now, const char *actor, const char *action,
                               const char *subject, const char *detail)
{
    AuditLast last = {0, {0}};
    StoreStmt *q = store_stmt(c, "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1");
    StoreStatus s = store_each(c, q, audit_last_row, &last, __func__);
    if (s != STORE_OK)
        return s;
    int64_t id = last.id + 1;
    unsigned char hash[VAULT_ID_BYTES];
    audit_hash(last.hash, id, now, actor, action, subject, detail, hash);
    StoreStmt *st =
        store_stmt(c, "INSERT INTO audit (id, at, actor, action, subject, detail, prev_hash, hash) "
                      "VALUES (:id, :now, :actor, :action, :subject, :detail, :prev_hash, :hash)");
    store_bind_int64_n(st, ":id", id);
    store_bind_int64_n(st, ":now", now);
    store_bind_text_n(st, ":actor", actor);
    store_bind_text_n(st, ":action", action);
    store_bind_text_n(st, ":subject", subject ? subject : "");
    store_bind_text_n(st, ":detail", detail ? detail : "");
    store_bind_blob_n(st, ":prev_hash", last.hash, VAULT_ID_BYTES);
    store_bind_blob_n(st, ":hash", hash, VAULT_ID_BYTES);
    return store_exec_stmt(c, st, __func__);
}

/* Where a walk of the chain is: the previous hash, the id expected next, what it found. */
typedef struct AuditWalk {
    unsigned char prev[VAULT_ID_BYTES];
    int64_t expect_id;
    int64_t *rows, *bad_id;
} AuditWalk;

/* Checks one row against the chain; stops the walk at the first bad row. */
static int audit_walk_row(StoreStmt *st, void *p)
{
    AuditWalk *w = p;
    int64_t id = store_col_int64(st, 0);
    unsigned char stored_prev[VAULT_ID_BYTES], stored[VAULT_ID_BYTES], computed[VAULT_ID_BYTES];
    store_column_fixed(st, 6, stored_prev, VAULT_ID_BYTES);
    store_column_fixed(st, 7, stored, VAULT_ID_BYTES);
    audit_hash(w->prev, id, store_col_int64(st, 1), store_col_text(st, 2), store_col_text(st, 3),
               store_col_text(st, 4), store_col_text(st, 5), computed);
    (*w->rows)++;
    if (id != w->expect_id || !vault_equal(stored_prev, w->prev, VAULT_ID_BYTES) ||
        !vault_equal(stored, computed, VAULT_ID_BYTES)) {
        *w->bad_id = id;
        return 1;
    }
    memcpy(w->prev, stored, VAULT_ID_BYTES);
    w->expect_id = id + 1;
    return 0;
}

StoreStatus store_audit_verify(StoreConn *c, int64_t *rows, int64_t *bad_id)
{
    StoreStmt *st = store_stmt(c, "SELECT id, at, actor, action, subject, detail, prev_hash, "
                                  "hash FROM audit ORDER BY id");
    *rows = 0;
    *bad_id = 0;
    AuditWalk w = {{0}, 1, rows, bad_id};
    return store_each(c, st, audit_walk_row, &w, __func__);
}

static const StoreCol audit_cols[] = {
    STORE_COL(INT, AuditRow, id),       STORE_COL(INT, AuditRow, at),
    STORE_COL(TEXT, AuditRow, actor),   STORE_COL(TEXT, AuditRow, action),
    STORE_COL(TEXT, AuditRow, subject), STORE_COL(TEXT, AuditRow, detail)};
static const StoreRowSpec audit_spec = STORE_ROW_SPEC(audit_cols);
STORE_EACH_ROW(audit_each, AuditRow, audit_spec)

StoreStatus store_audit_page(StoreConn *c, int64_t before, int limit,
                             void (*cb)(void *arg, const AuditRow *r), void *arg)
{
    StoreStmt *st =
        store_stmt(c, "SELECT id, at, actor, action, subject, detail FROM audit "
                      "WHERE (:before = 0 OR id < :before) ORDER BY id DESC LIMIT :limit");
    store_bind_int64_n(st, ":before", before);
    store_bind_int64_n(st, ":limit", limit);
    AuditRowEach e = {cb, arg};
    return store_each(c, st, audit_each, &e, __func__);
}

/* ---- the daily digest's address ---- */

StoreStatus store_staff_set_digest(StoreConn *c, const char *login, const char *email)
{
    StoreStmt *st = store_stmt(c, "UPDATE staff SET digest_email = :email WHERE login = :login");
    store_bind_opt_text_n(st, ":email", email);
    store_bind_text_n(st, ":login", login);
    return store_exec_one(c, st, __func__);
}

typedef struct IdCb {
    void (*cb)(void *arg, int64_t id);
    void *arg;
} IdCb;

static int id_row(StoreStmt *st, void *arg)
{
    IdCb *e = arg;
    e->cb(e->arg, store_col_int64(st, 0));
    return 0;
}

StoreStatus store_digest_recipients(StoreConn *c, void (*cb)(void *arg, int64_t staff_id),
                                    void *arg)
{
    StoreStmt *st = store_stmt(c, "SELECT id FROM staff WHERE digest_email IS NOT NULL AND "
                                  "disabled = 0 AND role IN ('caseworker', 'admin') ORDER BY id");
    IdCb e = {cb, arg};
    return store_each(c, st, id_row, &e, __func__);
}

StoreStatus store_digest_address(StoreConn *c, int64_t staff_id, char *out, size_t n)
{
    out[0] = '\0';
    StoreStmt *st = store_stmt(c, "SELECT coalesce(digest_email, '') FROM staff WHERE id = :id "
                                  "AND disabled = 0");
    store_bind_int64_n(st, ":id", staff_id);
    StoreTextOut t = {out, n};
    StoreStatus s = store_one(c, st, store_row_text_out, &t, __func__);
    return s == STORE_NOT_FOUND ? STORE_OK : s;
}

typedef struct Text2Cb {
    void (*cb)(void *arg, const char *a, const char *b);
    void *arg;
} Text2Cb;

static int text2_row(StoreStmt *st, void *arg)
{
    Text2Cb *e = arg;
    e->cb(e->arg, store_col_text(st, 0), store_col_text(st, 1));
    return 0;
}

StoreStatus store_staff_digests(StoreConn *c,
                                void (*cb)(void *arg, const char *login, const char *email),
                                void *arg)
{
    StoreStmt *st = store_stmt(c, "SELECT login, digest_email FROM staff "
                                  "WHERE digest_email IS NOT NULL ORDER BY login");
    Text2Cb e = {cb, arg};
    return store_each(c, st, text2_row, &e, __func__);
}

/* ---- the checker key's public half ---- */

StoreStatus store_org_set_checker_key(StoreConn *c, const unsigned char *pk)
{
    StoreStmt *st = store_stmt(c, "UPDATE org SET checker_public_key = :pk WHERE id = 1");
    store_bind_blob_n(st, ":pk", pk, pk ? VAULT_KEY_BYTES : 0);
    return store_exec_one(c, st, __func__);
}

static int fixed_key(StoreStmt *st, void *arg)
{
    store_column_fixed(st, 0, arg, VAULT_KEY_BYTES);
    return 0;
}

StoreStatus store_org_checker_key(StoreConn *c, unsigned char pk[VAULT_KEY_BYTES])
{
    StoreStmt *st = store_stmt(c, "SELECT checker_public_key FROM org WHERE id = 1 AND "
                                  "checker_public_key IS NOT NULL");
    return store_one(c, st, fixed_key, pk, __func__);
}
