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

StoreStatus store_org_get(StoreConn *c, OrgRow *out)
{
    sqlite3_stmt *st = store_stmt(
        c, "SELECT public_key, recovery_wrap, receipt_salt, require_totp, key_epoch FROM org "
           "WHERE id = 1");
    StoreStatus s = store_step_row(c, st, __func__);
    if (s != STORE_OK)
        return s;
    store_column_fixed(st, 0, out->public_key, sizeof out->public_key);
    store_column_buf(st, 1, &out->recovery_wrap);
    store_column_fixed(st, 2, out->receipt_salt, sizeof out->receipt_salt);
    out->require_totp = sqlite3_column_int(st, 3);
    out->key_epoch = sqlite3_column_int64(st, 4);
    sqlite3_reset(st);
    return STORE_OK;
}

StoreStatus store_org_insert(StoreConn *c, const unsigned char pk[32], const Buf *recovery_wrap,
                             const unsigned char salt[16], int64_t now)
{
    sqlite3_stmt *st = store_stmt(c, "INSERT INTO org (id, public_key, recovery_wrap, "
                                     "receipt_salt, created_at) VALUES (1, ?1, ?2, ?3, ?4)");
    if (!st)
        return STORE_ERROR;
    store_bind_blob(st, 1, pk, 32);
    store_bind_blob(st, 2, recovery_wrap->data, recovery_wrap->len);
    store_bind_blob(st, 3, salt, 16);
    sqlite3_bind_int64(st, 4, now);
    return store_exec_stmt(c, st, __func__);
}

StoreStatus store_org_set_require_totp(StoreConn *c, int on)
{
    sqlite3_stmt *st = store_stmt(c, "UPDATE org SET require_totp = ?1 WHERE id = 1");
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int(st, 1, on ? 1 : 0);
    return store_exec_stmt(c, st, __func__);
}

StoreStatus store_org_rotate(StoreConn *c, const unsigned char pk[32], const Buf *recovery_wrap)
{
    sqlite3_stmt *st = store_stmt(c, "UPDATE org SET public_key = ?1, recovery_wrap = ?2, "
                                     "key_epoch = key_epoch + 1 WHERE id = 1");
    if (!st)
        return STORE_ERROR;
    store_bind_blob(st, 1, pk, 32);
    store_bind_blob(st, 2, recovery_wrap->data, recovery_wrap->len);
    return store_exec_one(c, st, __func__);
}

/* ---- staff ---- */

/* Binds a seal, or NULL when there is none (auditors, or left out by a rotation). */
static void bind_seal(sqlite3_stmt *st, int i, const Buf *seal)
{
    if (seal && seal->len)
        store_bind_blob(st, i, seal->data, seal->len);
    else
        sqlite3_bind_null(st, i);
}

StoreStatus store_staff_insert(StoreConn *c, const char *login, const char *role,
                               const StaffKeys *keys, int64_t now, int64_t *id)
{
    sqlite3_stmt *st = store_stmt(c, "INSERT INTO staff (login, role, key_wrap, public_key, "
                                     "org_seal, created_at, password_changed_at) "
                                     "VALUES (?1, ?2, ?3, ?5, ?6, ?4, ?4)");
    if (!st)
        return STORE_ERROR;
    store_bind_text(st, 1, login);
    store_bind_text(st, 2, role);
    store_bind_blob(st, 3, keys->key_wrap->data, keys->key_wrap->len);
    sqlite3_bind_int64(st, 4, now);
    store_bind_blob(st, 5, keys->public_key, 32);
    bind_seal(st, 6, keys->org_seal);
    StoreStatus s = store_exec_stmt(c, st, __func__);
    if (s == STORE_OK && id)
        *id = sqlite3_last_insert_rowid(c->db);
    return s;
}

static void staff_from_row(sqlite3_stmt *st, StaffRow *out)
{
    out->id = sqlite3_column_int64(st, 0);
    store_column_text(st, 1, out->login, sizeof out->login);
    store_column_text(st, 2, out->role, sizeof out->role);
    store_column_buf(st, 3, &out->key_wrap);
    store_column_buf(st, 4, &out->totp_secret);
    store_column_buf(st, 5, &out->totp_pending);
    out->totp_last_step = sqlite3_column_int64(st, 6);
    out->disabled = sqlite3_column_int(st, 7);
    store_column_buf(st, 8, &out->public_key);
    store_column_buf(st, 9, &out->org_seal);
}

StoreStatus store_staff_by_login(StoreConn *c, const char *login, StaffRow *out)
{
    sqlite3_stmt *st =
        store_stmt(c, "SELECT id, login, role, key_wrap, totp_secret, "
                      "totp_pending, totp_last_step, disabled, public_key, org_seal FROM staff "
                      "WHERE login = ?1");
    if (!st)
        return STORE_ERROR;
    store_bind_text(st, 1, login);
    StoreStatus s = store_step_row(c, st, __func__);
    if (s != STORE_OK)
        return s;
    staff_from_row(st, out);
    sqlite3_reset(st);
    return STORE_OK;
}

StoreStatus store_staff_by_id(StoreConn *c, int64_t id, StaffRow *out)
{
    sqlite3_stmt *st =
        store_stmt(c, "SELECT id, login, role, key_wrap, totp_secret, "
                      "totp_pending, totp_last_step, disabled, public_key, org_seal FROM staff "
                      "WHERE id = ?1");
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, id);
    StoreStatus s = store_step_row(c, st, __func__);
    if (s != STORE_OK)
        return s;
    staff_from_row(st, out);
    sqlite3_reset(st);
    return STORE_OK;
}

StoreStatus store_staff_set_wrap(StoreConn *c, int64_t id, const Buf *key_wrap, int64_t now)
{
    sqlite3_stmt *st =
        store_stmt(c, "UPDATE staff SET key_wrap = ?2, password_changed_at = ?3 WHERE id = ?1");
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, id);
    store_bind_blob(st, 2, key_wrap->data, key_wrap->len);
    sqlite3_bind_int64(st, 3, now);
    return store_exec_one(c, st, __func__);
}

StoreStatus store_staff_set_keys(StoreConn *c, int64_t id, const StaffKeys *keys, int64_t now)
{
    sqlite3_stmt *st = store_stmt(c, "UPDATE staff SET key_wrap = ?2, public_key = ?3, "
                                     "org_seal = ?4, password_changed_at = ?5, totp_secret = NULL, "
                                     "totp_pending = NULL, totp_last_step = 0 WHERE id = ?1");
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, id);
    store_bind_blob(st, 2, keys->key_wrap->data, keys->key_wrap->len);
    store_bind_blob(st, 3, keys->public_key, 32);
    bind_seal(st, 4, keys->org_seal);
    sqlite3_bind_int64(st, 5, now);
    return store_exec_one(c, st, __func__);
}

StoreStatus store_staff_disable(StoreConn *c, int64_t id)
{
    /* secure_delete is on: the old wraps and secrets are overwritten, not just unlinked. */
    sqlite3_stmt *st = store_stmt(c, "UPDATE staff SET disabled = 1, key_wrap = x'', "
                                     "public_key = NULL, org_seal = NULL, totp_secret = NULL, "
                                     "totp_pending = NULL WHERE id = ?1");
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, id);
    return store_exec_one(c, st, __func__);
}

StoreStatus store_staff_set_org_seal(StoreConn *c, int64_t id, const Buf *org_seal)
{
    sqlite3_stmt *st = store_stmt(c, "UPDATE staff SET org_seal = ?2 WHERE id = ?1");
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, id);
    bind_seal(st, 2, org_seal);
    return store_exec_one(c, st, __func__);
}

StoreStatus store_staff_each_keyed(StoreConn *c,
                                   void (*cb)(void *arg, int64_t id, const char *role,
                                              const unsigned char *public_key),
                                   void *arg)
{
    sqlite3_stmt *st = store_stmt(c, "SELECT id, role, public_key FROM staff WHERE disabled = 0 "
                                     "AND length(public_key) = 32 ORDER BY id");
    if (!st)
        return STORE_ERROR;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        cb(arg, sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
           sqlite3_column_blob(st, 2));
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? STORE_OK : store_status(c, rc, __func__);
}

StoreStatus store_staff_set_totp_pending(StoreConn *c, int64_t id, const Buf *enc)
{
    sqlite3_stmt *st = store_stmt(c, "UPDATE staff SET totp_pending = ?2 WHERE id = ?1");
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, id);
    store_bind_blob(st, 2, enc ? enc->data : NULL, enc ? enc->len : 0);
    return store_exec_one(c, st, __func__);
}

StoreStatus store_staff_confirm_totp(StoreConn *c, int64_t id, int64_t step)
{
    sqlite3_stmt *st = store_stmt(c, "UPDATE staff SET totp_secret = totp_pending, "
                                     "totp_pending = NULL, totp_last_step = ?2 "
                                     "WHERE id = ?1 AND totp_pending IS NOT NULL");
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, step);
    return store_exec_one(c, st, __func__);
}

StoreStatus store_staff_use_totp_step(StoreConn *c, int64_t id, int64_t step)
{
    sqlite3_stmt *st =
        store_stmt(c, "UPDATE staff SET totp_last_step = ?2 WHERE id = ?1 AND totp_last_step < ?2");
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, step);
    StoreStatus s = store_exec_one(c, st, __func__);
    return s == STORE_NOT_FOUND ? STORE_CONFLICT : s;
}

StoreStatus store_staff_count_admins(StoreConn *c, int64_t *n)
{
    sqlite3_stmt *st =
        store_stmt(c, "SELECT count(*) FROM staff WHERE role = 'admin' AND disabled = 0");
    StoreStatus s = store_step_row(c, st, __func__);
    if (s != STORE_OK)
        return s;
    *n = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return STORE_OK;
}

StoreStatus store_staff_list(StoreConn *c,
                             void (*cb)(void *arg, int64_t id, const char *login, const char *role,
                                        int disabled, int totp),
                             void *arg)
{
    sqlite3_stmt *st = store_stmt(c, "SELECT id, login, role, disabled, totp_secret IS NOT NULL "
                                     "FROM staff ORDER BY login");
    if (!st)
        return STORE_ERROR;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        cb(arg, sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
           (const char *)sqlite3_column_text(st, 2), sqlite3_column_int(st, 3),
           sqlite3_column_int(st, 4));
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? STORE_OK : store_status(c, rc, __func__);
}

/* ---- sessions ---- */

StoreStatus store_session_insert(StoreConn *c, const unsigned char id_hash[32], const char *kind,
                                 int64_t staff_id, const char *case_id, const Buf *key_wrap,
                                 int64_t now, int64_t expires_at)
{
    sqlite3_stmt *st = store_stmt(c, "INSERT INTO sessions (id_hash, kind, staff_id, case_id, "
                                     "key_wrap, created_at, last_seen, expires_at) "
                                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7)");
    if (!st)
        return STORE_ERROR;
    store_bind_blob(st, 1, id_hash, 32);
    store_bind_text(st, 2, kind);
    if (staff_id > 0)
        sqlite3_bind_int64(st, 3, staff_id);
    else
        sqlite3_bind_null(st, 3);
    store_bind_text(st, 4, case_id);
    store_bind_blob(st, 5, key_wrap->data, key_wrap->len);
    sqlite3_bind_int64(st, 6, now);
    sqlite3_bind_int64(st, 7, expires_at);
    return store_exec_stmt(c, st, __func__);
}

StoreStatus store_session_get(StoreConn *c, const unsigned char id_hash[32], SessionRow *out)
{
    sqlite3_stmt *st = store_stmt(c, "SELECT kind, staff_id, case_id, key_wrap, created_at, "
                                     "last_seen, expires_at FROM sessions WHERE id_hash = ?1");
    if (!st)
        return STORE_ERROR;
    store_bind_blob(st, 1, id_hash, 32);
    StoreStatus s = store_step_row(c, st, __func__);
    if (s != STORE_OK)
        return s;
    store_column_text(st, 0, out->kind, sizeof out->kind);
    out->staff_id = sqlite3_column_int64(st, 1);
    store_column_text(st, 2, out->case_id, sizeof out->case_id);
    store_column_buf(st, 3, &out->key_wrap);
    out->created_at = sqlite3_column_int64(st, 4);
    out->last_seen = sqlite3_column_int64(st, 5);
    out->expires_at = sqlite3_column_int64(st, 6);
    sqlite3_reset(st);
    return STORE_OK;
}

StoreStatus store_session_touch(StoreConn *c, const unsigned char id_hash[32], int64_t now)
{
    sqlite3_stmt *st = store_stmt(c, "UPDATE sessions SET last_seen = ?2 WHERE id_hash = ?1");
    if (!st)
        return STORE_ERROR;
    store_bind_blob(st, 1, id_hash, 32);
    sqlite3_bind_int64(st, 2, now);
    return store_exec_stmt(c, st, __func__);
}

StoreStatus store_session_delete(StoreConn *c, const unsigned char id_hash[32])
{
    sqlite3_stmt *st = store_stmt(c, "DELETE FROM sessions WHERE id_hash = ?1");
    if (!st)
        return STORE_ERROR;
    store_bind_blob(st, 1, id_hash, 32);
    return store_exec_stmt(c, st, __func__);
}

StoreStatus store_sessions_delete_staff(StoreConn *c, int64_t staff_id)
{
    sqlite3_stmt *st = store_stmt(c, "DELETE FROM sessions WHERE staff_id = ?1");
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, staff_id);
    return store_exec_stmt(c, st, __func__);
}

StoreStatus store_sessions_delete_all_staff(StoreConn *c)
{
    sqlite3_stmt *st = store_stmt(c, "DELETE FROM sessions WHERE kind = 'staff'");
    return st ? store_exec_stmt(c, st, __func__) : STORE_ERROR;
}

StoreStatus store_sessions_expire(StoreConn *c, int64_t now, int64_t staff_idle,
                                  int64_t victim_idle)
{
    sqlite3_stmt *st = store_stmt(c, "DELETE FROM sessions WHERE expires_at <= ?1 "
                                     "OR (kind = 'staff' AND last_seen + ?2 <= ?1) OR (kind = "
                                     "'victim' AND last_seen + ?3 <= ?1)");
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_int64(st, 2, staff_idle);
    sqlite3_bind_int64(st, 3, victim_idle);
    return store_exec_stmt(c, st, __func__);
}

/* ---- audit ---- */

static void audit_hash(const unsigned char prev[32], int64_t id, int64_t at, const char *actor,
                       const char *action, const char *subject, const char *detail,
                       unsigned char out[32])
{
    Buf b = {0};
    buf_append(&b, prev, 32);
    buf_printf(&b, "%lld|%lld|", (long long)id, (long long)at);
    const char *parts[] = {actor, action, subject, detail};
    for (int i = 0; i < 4; i++) {
        buf_puts(&b, parts[i] ? parts[i] : "");
        buf_putc(&b, '\0');
    }
    vault_hash(b.data, b.len, out);
    buf_free(&b);
}

StoreStatus store_audit_append(StoreConn *c, int64_t now, const char *actor, const char *action,
                               const char *subject, const char *detail)
{
    unsigned char prev[32] = {0};
    int64_t last_id = 0;
    sqlite3_stmt *q = store_stmt(c, "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1");
    if (!q)
        return STORE_ERROR;
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        last_id = sqlite3_column_int64(q, 0);
        store_column_fixed(q, 1, prev, sizeof prev);
    } else if (rc != SQLITE_DONE) {
        sqlite3_reset(q);
        return store_status(c, rc, __func__);
    }
    sqlite3_reset(q);
    int64_t id = last_id + 1;
    unsigned char hash[32];
    audit_hash(prev, id, now, actor, action, subject, detail, hash);
    sqlite3_stmt *st = store_stmt(c, "INSERT INTO audit (id, at, actor, action, subject, detail, "
                                     "prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, now);
    store_bind_text(st, 3, actor);
    store_bind_text(st, 4, action);
    store_bind_text(st, 5, subject ? subject : "");
    store_bind_text(st, 6, detail ? detail : "");
    store_bind_blob(st, 7, prev, 32);
    store_bind_blob(st, 8, hash, 32);
    return store_exec_stmt(c, st, __func__);
}

StoreStatus store_audit_verify(StoreConn *c, int64_t *rows, int64_t *bad_id)
{
    sqlite3_stmt *st = store_stmt(c, "SELECT id, at, actor, action, subject, detail, prev_hash, "
                                     "hash FROM audit ORDER BY id");
    if (!st)
        return STORE_ERROR;
    unsigned char prev[32] = {0};
    int64_t expect_id = 1;
    *rows = 0;
    *bad_id = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        unsigned char stored_prev[32], stored[32], computed[32];
        store_column_fixed(st, 6, stored_prev, 32);
        store_column_fixed(st, 7, stored, 32);
        audit_hash(prev, id, sqlite3_column_int64(st, 1), (const char *)sqlite3_column_text(st, 2),
                   (const char *)sqlite3_column_text(st, 3),
                   (const char *)sqlite3_column_text(st, 4),
                   (const char *)sqlite3_column_text(st, 5), computed);
        (*rows)++;
        if (id != expect_id || !vault_equal(stored_prev, prev, 32) ||
            !vault_equal(stored, computed, 32)) {
            *bad_id = id;
            break;
        }
        memcpy(prev, stored, 32);
        expect_id = id + 1;
    }
    sqlite3_reset(st);
    return (rc == SQLITE_ROW || rc == SQLITE_DONE) ? STORE_OK : store_status(c, rc, __func__);
}

StoreStatus store_audit_page(StoreConn *c, int64_t before, int limit,
                             void (*cb)(void *arg, const AuditRow *r), void *arg)
{
    sqlite3_stmt *st = store_stmt(c, "SELECT id, at, actor, action, subject, detail FROM audit "
                                     "WHERE (?1 = 0 OR id < ?1) ORDER BY id DESC LIMIT ?2");
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, before);
    sqlite3_bind_int(st, 2, limit);
    AuditRow r;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        memset(&r, 0, sizeof r);
        r.id = sqlite3_column_int64(st, 0);
        r.at = sqlite3_column_int64(st, 1);
        store_column_text(st, 2, r.actor, sizeof r.actor);
        store_column_text(st, 3, r.action, sizeof r.action);
        store_column_text(st, 4, r.subject, sizeof r.subject);
        store_column_text(st, 5, r.detail, sizeof r.detail);
        cb(arg, &r);
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? STORE_OK : store_status(c, rc, __func__);
}
