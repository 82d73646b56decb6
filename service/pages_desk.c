/* The admin's page of platform desks (issue 14): register a platform's desk with its public key
 * (its token shown once), see every desk, revoke one. */
#include "handlers.h"

#include "clock.h"
#include "desk.h"
#include "i18n.h"
#include "links.h"
#include "vault.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct DeskList {
    const char *lang;
    json_t *rows;
} DeskList;

static void desk_row(void *arg, const DeskAccountRow *r)
{
    DeskList *l = arg;
    char pk[VAULT_HEX_KEY_TEXT], when[I18N_TIME_MAX];
    vault_to_hex(r->public_key, sizeof r->public_key, pk);
    i18n_format_time(l->lang, r->created_at, when);
    json_array_append_new(l->rows,
                          json_pack("{s:s, s:o, s:s, s:s, s:b, s:I}", "platform", r->platform,
                                    "platform_key", json_sprintf("platform.%s", r->platform),
                                    "public_key", pk, "created_at_text", when, "live",
                                    !r->revoked_at, "tokens", (json_int_t)r->tokens));
}

/* The page: the desks, and the form to add one (form: what was typed, the error's key and
 * field when it was refused). */
static int desks_page(Request *req, int status, json_t *form, const char *error_key)
{
    DeskList l = {req->lang, json_array()};
    if (desk_platform_list(desk_row, &l) != DESK_OK) {
        json_decref(l.rows);
        json_decref(form);
        return http_reply_error(req, 503, "busy", "error.busy", NULL);
    }
    const char *chosen = json_string_value(json_object_get(form, "platform"));
    size_t n;
    const LinkPlatform *p = link_platforms(&n);
    json_t *options = json_array();
    for (size_t i = 0; i < n; i++)
        if (strcmp(p[i].id, "other") != 0)
            json_array_append_new(options,
                                  json_pack("{s:s, s:o, s:b}", "id", p[i].id, "key",
                                            json_sprintf("platform.%s", p[i].id), "selected",
                                            chosen && !strcmp(chosen, p[i].id)));
    json_t *ctx = page_staff_ctx(req, "desk.title");
    json_object_set_new(ctx, "desks", l.rows);
    json_object_set_new(ctx, "platform_options", options);
    json_object_set_new(ctx, "form", form ? form : json_pack("{s:s}", "days", "365"));
    if (error_key)
        json_object_set_new(ctx, "error_key", json_string(error_key));
    return http_reply_page(req, status, "staff_desks", ctx);
}

int page_staff_desks(Request *req)
{
    return desks_page(req, 200, NULL, NULL);
}

/* What a refusal says, and the field it is about. */
static const char *desk_error_key(DeskResult r, const char **field)
{
    switch (r) {
    case DESK_UNKNOWN_PLATFORM:
        *field = "platform";
        return "desk.error.platform";
    case DESK_BAD_KEY:
        *field = "public_key";
        return "desk.error.key";
    case DESK_BAD_DAYS:
        *field = "days";
        return "desk.error.days";
    case DESK_EXISTS:
        *field = "platform";
        return "desk.error.exists";
    default:
        *field = NULL;
        return NULL;
    }
}

int page_staff_desks_post(Request *req)
{
    const char *platform = http_form(req, "platform"), *key = http_form(req, "public_key");
    const char *days_text = http_form(req, "days");
    char *end = NULL;
    long days = days_text ? strtol(days_text, &end, 10) : 0;
    if (!days_text || end == days_text || *end || days < 1 || days > DESK_TOKEN_DAYS_MAX)
        days = 0; /* desk_platform_add_by refuses it, naming the field */
    char token[DESK_TOKEN_TEXT];
    DeskResult r = desk_platform_add_by(req->session->login, platform, key, (unsigned)days,
                                        clock_now(), token);
    if (r == DESK_OK) {
        /* The token, shown once on this answer (no-store; a copy restored from the back-forward
         * cache blanks itself). */
        json_t *ctx = page_staff_ctx(req, "desk.added.title");
        json_object_set_new(ctx, "platform_key", json_sprintf("platform.%s", platform));
        json_object_set_new(ctx, "token", json_string(token));
        json_object_set_new(ctx, "days", json_integer(days));
        json_object_set_new(ctx, "private", json_true());
        vault_wipe(token, sizeof token);
        return http_reply_page(req, 201, "staff_desk_token", ctx);
    }
    const char *field = NULL, *error_key = desk_error_key(r, &field);
    if (!error_key)
        return http_reply_error(req, 503, "busy", "error.busy", NULL);
    json_t *form = json_pack("{s:s?, s:s?, s:s?, s:s}", "platform", platform, "public_key", key,
                             "days", days_text, "error_field", field);
    return desks_page(req, r == DESK_EXISTS ? 409 : 422, form, error_key);
}

int page_staff_desk_revoke(Request *req)
{
    const char *platform = http_param(req, "platform");
    const char *confirm = http_form(req, "confirm");
    if (!confirm || strcmp(confirm, "yes") != 0)
        return desks_page(req, 422, NULL, "desk.error.confirm");
    DeskResult r = desk_platform_revoke_by(req->session->login, platform, clock_now());
    if (r == DESK_NOT_FOUND)
        return desks_page(req, 404, NULL, "desk.error.none");
    if (r != DESK_OK)
        return http_reply_error(req, 503, "busy", "error.busy", NULL);
    return http_reply_redirect(req, 303, "/staff/desks?revoked=1");
}
