/* Admins manage staff in the browser: the list, adding an account (a password shown once), a
 * password reset (a new one shown once), disabling (after a confirmation), and requiring one-time
 * codes. Every key operation goes through staff.c, as takedownctl and the admin API do: adding and
 * disabling unlock the admin's own keys with the admin's password, asked again here; a reset uses
 * the org key the admin's session holds. */
#include "handlers.h"

#include "auth.h"
#include "clock.h"
#include "results.h"
#include "staff.h"
#include "store_staff.h"
#include "vault.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Roles in the order the add form offers them. */
static const char *const ROLES[] = {"caseworker", "auditor", "admin", NULL};

static void person_row(void *arg, int64_t id, const char *login, const char *role, int disabled,
                       int totp)
{
    (void)id;
    const char *me = json_string_value(json_object_get(arg, "login"));
    char key[48];
    snprintf(key, sizeof key, "people.role.%s", role);
    json_array_append_new(json_object_get(arg, "people"),
                          json_pack("{s:s, s:s, s:b, s:b, s:b, s:b}", "who", login, "role_key", key,
                                    "disabled", disabled, "totp", totp, "me",
                                    strcmp(login, me) == 0, "reads_cases",
                                    strcmp(role, "auditor") != 0));
}

static void person_digest(void *arg, const char *login, const char *email)
{
    staff_rows_add_digest(json_object_get(arg, "people"), "who", login, email);
}

/* The people page; form (stolen, may be NULL) keeps what the add form held, error a ResultReply
 * to show at its field. */
static int people_page(Request *req, int status, json_t *form, const ResultReply *error)
{
    StoreConn *c = store_conn();
    OrgRow org = {0};
    if (!c || store_org_get(c, &org) != STORE_OK) {
        org_row_free(&org);
        json_decref(form);
        return http_reply_error(req, 500, "internal", "error.internal", NULL);
    }
    json_t *ctx = page_staff_ctx(req, "people.title");
    json_object_set_new(ctx, "people", json_array());
    json_object_set_new(ctx, "require_totp", json_boolean(org.require_totp));
    org_row_free(&org);
    if (store_staff_list(c, person_row, ctx) != STORE_OK ||
        store_staff_digests(c, person_digest, ctx) != STORE_OK) {
        json_decref(ctx);
        json_decref(form);
        return http_reply_error(req, 500, "internal", "error.internal", NULL);
    }
    /* A digest address refused: the person's field shows what was typed, marked. */
    const char *typed_for = form ? json_string_value(json_object_get(form, "digest_who")) : NULL;
    size_t at;
    json_t *person;
    json_array_foreach(json_object_get(ctx, "people"), at, person)
    {
        if (typed_for && !strcmp(json_string_value(json_object_get(person, "who")), typed_for)) {
            json_object_set(person, "digest", json_object_get(form, "digest_typed"));
            json_object_set_new(person, "digest_invalid", json_true());
        }
    }
    json_t *roles = json_array();
    const char *chosen = form ? json_string_value(json_object_get(form, "role")) : NULL;
    for (size_t i = 0; ROLES[i]; i++) {
        char key[48];
        snprintf(key, sizeof key, "people.role.%s", ROLES[i]);
        json_array_append_new(roles, json_pack("{s:s, s:s, s:b}", "id", ROLES[i], "key", key,
                                               "selected", chosen && !strcmp(chosen, ROLES[i])));
    }
    json_object_set_new(ctx, "roles", roles);
    json_object_set_new(ctx, "form", form ? form : json_object());
    if (error) {
        json_object_set_new(ctx, "error_key", json_string(error->key));
        json_object_set_new(ctx, "error_field", json_string(error->field ? error->field : ""));
    }
    /* What the last action did, after its redirect (the login is shown escaped). */
    const char *done = http_query(req, "done");
    const char *who = http_query(req, "who");
    if (done && (!strcmp(done, "disabled") || !strcmp(done, "totp_on") ||
                 !strcmp(done, "totp_off") || !strcmp(done, "digest"))) {
        char key[48];
        snprintf(key, sizeof key, "people.done.%s", done);
        json_object_set_new(ctx, "done_key", json_string(key));
        if (who && staff_login_valid(who))
            json_object_set_new(ctx, "done_who", json_string(who));
    }
    return http_reply_page(req, status, "staff_people", ctx);
}

int page_staff_people(Request *req)
{
    return people_page(req, 200, NULL, NULL);
}

/* ---- the slow part: adding, resetting, disabling ---- */

typedef struct PeopleJob {
    char login[STAFF_LOGIN_MAX + 1];
    char role[16];
    char *admin_password; /* owned, locked; NULL for a reset */
    char *password;       /* owned, locked: the new account's password, shown once */
} PeopleJob;

static void people_job_free(void *p)
{
    PeopleJob *j = p;
    if (j->admin_password)
        vault_secret_free(j->admin_password);
    if (j->password)
        vault_secret_free(j->password);
    free(j);
}

static char *secret_copy(const char *s)
{
    size_t n = strlen(s);
    char *out = vault_secret_alloc(n + 1);
    memcpy(out, s, n + 1);
    return out;
}

/* The admin's own password, asked again; refused before any Argon2id run when empty. */
#define MISSING_ADMIN_PASSWORD ((ResultReply){422, "missing", "error.missing", "admin_password"})

static int admin_password_given(Request *req)
{
    const char *apw = http_form(req, "admin_password");
    return apw && *apw;
}

static PeopleJob *people_job(Request *req, const char *login)
{
    PeopleJob *j = xcalloc(1, sizeof *j);
    snprintf(j->login, sizeof j->login, "%s", login ? login : "");
    const char *apw = http_form(req, "admin_password");
    j->admin_password = secret_copy(apw ? apw : "");
    char pw[STAFF_NEW_PASSWORD_TEXT];
    staff_password_new(pw);
    j->password = secret_copy(pw);
    vault_wipe(pw, sizeof pw);
    req->ctx = j;
    req->ctx_free = people_job_free;
    return j;
}

/* The new password, shown once on this answer (no-store, marked private so that a copy restored
 * from the back-forward cache blanks itself). */
static void password_page(Request *req, const char *title_key, const PeopleJob *j)
{
    json_t *ctx = page_staff_ctx(req, title_key);
    json_object_set_new(ctx, "who", json_string(j->login));
    json_object_set_new(ctx, "new_password", json_string(j->password));
    json_object_set_new(ctx, "private", json_true());
    json_object_set_new(ctx, "heading_key", json_string(title_key));
    http_reply_page(req, 200, "staff_people_password", ctx);
}

static void add_job(Request *req)
{
    PeopleJob *j = req->ctx;
    StaffResult r = staff_add(req->session->login, j->admin_password, j->role, j->login,
                              j->password, vault_pw_cost_default(), clock_now());
    if (r == STAFF_OK) {
        password_page(req, "people.added.title", j);
        return;
    }
    ResultReply rr = results_of_account(r);
    if (rr.status >= 500) {
        results_reply(req, rr);
        return;
    }
    people_page(req, rr.status, json_pack("{s:s, s:s}", "who", j->login, "role", j->role), &rr);
}

int page_staff_people_add(Request *req)
{
    const char *login = http_form(req, "login");
    const char *role = http_form(req, "role");
    ResultReply rr = {0};
    if (!staff_login_valid(login))
        rr = results_of_account(STAFF_BAD_LOGIN);
    else if (!staff_role_valid(role))
        rr = results_of_account(STAFF_BAD_ROLE);
    else if (!admin_password_given(req))
        rr = MISSING_ADMIN_PASSWORD;
    if (rr.status)
        return people_page(
            req, rr.status,
            json_pack("{s:s, s:s}", "who", login ? login : "", "role", role ? role : ""), &rr);
    PeopleJob *j = people_job(req, login);
    snprintf(j->role, sizeof j->role, "%s", role);
    return http_run_slow(req, add_job);
}

/* ---- one account: the confirmation page, then the action ---- */

static int confirm_page(Request *req, int status, const char *what, const ResultReply *error)
{
    const char *login = http_param(req, "login");
    if (!staff_login_valid(login) || staff_id_of(login) == 0)
        return results_reply(req, results_of_account(STAFF_NOT_FOUND));
    char key[48];
    snprintf(key, sizeof key, "people.%s.title", what);
    json_t *ctx = page_staff_ctx(req, key);
    json_object_set_new(ctx, "who", json_string(login));
    json_object_set_new(ctx, "what", json_string(what));
    json_object_set_new(ctx, "heading_key", json_string(key));
    if (error) {
        json_object_set_new(ctx, "error_key", json_string(error->key));
        json_object_set_new(ctx, "error_field", json_string(error->field ? error->field : ""));
    }
    return http_reply_page(req, status, "staff_people_confirm", ctx);
}

int page_staff_person_disable(Request *req)
{
    return confirm_page(req, 200, "disable", NULL);
}

int page_staff_person_reset(Request *req)
{
    return confirm_page(req, 200, "reset", NULL);
}

/* A refusal goes back to the confirmation page with its message; ours is an error page. */
static void confirm_refused(Request *req, const char *what, StaffResult r)
{
    ResultReply rr = results_of_account(r);
    if (rr.status >= 500 || r == STAFF_NOT_FOUND)
        results_reply(req, rr);
    else
        confirm_page(req, rr.status, what, &rr);
}

static void disable_job(Request *req)
{
    PeopleJob *j = req->ctx;
    StaffResult r = staff_disable(req->session->login, j->admin_password, j->login, clock_now());
    if (r != STAFF_OK) {
        confirm_refused(req, "disable", r);
        return;
    }
    char to[96];
    snprintf(to, sizeof to, "/staff/people?done=disabled&who=%s", j->login);
    http_reply_redirect(req, 303, to);
}

int page_staff_person_disable_post(Request *req)
{
    const char *login = http_param(req, "login");
    if (!staff_login_valid(login))
        return results_reply(req, results_of_account(STAFF_NOT_FOUND));
    if (!admin_password_given(req)) {
        ResultReply rr = MISSING_ADMIN_PASSWORD;
        return confirm_page(req, rr.status, "disable", &rr);
    }
    people_job(req, login);
    return http_run_slow(req, disable_job);
}

static void reset_job(Request *req)
{
    PeopleJob *j = req->ctx;
    StaffResult r = staff_reset_password(req->session, j->login, j->password,
                                         vault_pw_cost_default(), clock_now());
    if (r != STAFF_OK) {
        confirm_refused(req, "reset", r);
        return;
    }
    password_page(req, "people.reset_done.title", j);
}

int page_staff_person_reset_post(Request *req)
{
    const char *login = http_param(req, "login");
    if (!staff_login_valid(login))
        return results_reply(req, results_of_account(STAFF_NOT_FOUND));
    people_job(req, login);
    return http_run_slow(req, reset_job);
}

/* Requiring one-time codes of every account (the same setting as /staff/settings). */
int page_staff_people_totp(Request *req)
{
    const char *v = http_form(req, "require_totp");
    int on = v && strcmp(v, "on") == 0;
    StaffResult r = staff_require_totp(req->session, on, clock_now());
    if (r != STAFF_OK)
        return results_reply(req, results_of_account(r));
    return http_reply_redirect(
        req, 303, on ? "/staff/people?done=totp_on#totp" : "/staff/people?done=totp_off#totp");
}

/* Where a person's daily digest goes: an address, or empty to stop it. */
int page_staff_person_digest_post(Request *req)
{
    const char *login = http_param(req, "login");
    const char *email = http_form(req, "email");
    StaffResult r = staff_set_digest(req->session, login, email ? email : "", clock_now());
    if (r == STAFF_BAD_EMAIL) {
        ResultReply e = results_of_account(r);
        return people_page(
            req, e.status,
            json_pack("{s:s, s:s}", "digest_who", login, "digest_typed", email ? email : ""), &e);
    }
    if (r != STAFF_OK)
        return results_reply(req, results_of_account(r));
    char to[128];
    snprintf(to, sizeof to, "/staff/people?done=digest&who=%s#person-%s", login, login);
    return http_reply_redirect(req, 303, to);
}
