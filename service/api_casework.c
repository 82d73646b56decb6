/* The caseworkers' JSON API: queues, cases, targets and notices, incidents, the registry, the
 * audit log. Each handler maps a casework result onto one reply. */
#include "handlers.h"

#include "auth.h"
#include "casework.h"
#include "clock.h"
#include "query.h"
#include "results.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A read of one record by its path id, replied as JSON. */
static int reply_by_id(Request *req, QueryCwById read)
{
    json_t *out = NULL;
    CaseworkResult r = query_cw_by_id(req, read, &out);
    return results_reply_cw_json(req, r, NULL, out);
}

/* A read that needs neither session nor parameters, replied as JSON. */
static int reply_read(Request *req, CaseworkResult (*read)(json_t **out))
{
    json_t *out = NULL;
    CaseworkResult r = read(&out);
    return results_reply_cw_json(req, r, NULL, out);
}

/* ---- the queue, written as JSON as its rows are read ---- */

/* A summary column as is when it is printable ASCII (SQLite wrote it from platform ids and state
 * names, escaping " and \\ as Jansson does), so it is what Jansson would write; else through
 * Jansson, or empty if it does not parse. */
static void put_summary_json(Buf *out, const Buf *v, const char *empty)
{
    size_t i = 0;
    while (i < v->len && v->data[i] >= 0x20 && v->data[i] < 0x7f)
        i++;
    if (v->len && i == v->len) {
        buf_append(out, v->data, v->len);
        return;
    }
    json_t *j = v->len ? json_loadb(v->data, v->len, 0, NULL) : NULL;
    char *s = j ? json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
    buf_puts(out, s ? s : empty);
    free(s);
    json_decref(j);
}

typedef struct QueueJson {
    Buf *out;
    int n;
} QueueJson;

/* One row, the members in the order the API has always written them. */
static void queue_row_json(void *arg, const QueueRow *r, int overdue)
{
    QueueJson *q = arg;
    Buf *b = q->out;
    buf_puts(b, q->n++ ? ",{\"case\":" : "{\"case\":");
    buf_put_json_string(b, r->id);
    buf_puts(b, ",\"created_at\":");
    buf_put_int(b, r->created_at);
    buf_puts(b, ",\"risk_flags\":");
    buf_put_int(b, r->risk_flags);
    buf_puts(b, ",\"incident_type\":");
    buf_put_json_string(b, r->incident_type);
    buf_puts(b, ",\"platforms\":");
    put_summary_json(b, &r->platforms, "[]");
    buf_puts(b, ",\"states\":");
    put_summary_json(b, &r->states, "{}");
    buf_puts(b, ",\"open_targets\":");
    buf_put_int(b, r->open_targets);
    buf_puts(b, ",\"targets\":");
    buf_put_int(b, r->targets);
    buf_puts(b,
             r->risk_flags ? ",\"urgent\":true,\"assignee\":" : ",\"urgent\":false,\"assignee\":");
    if (r->assignee[0])
        buf_put_json_string(b, r->assignee);
    else
        buf_puts(b, "null");
    buf_puts(b, r->withdrawn ? ",\"withdrawn\":true" : ",\"withdrawn\":false");
    if (r->incident_id) {
        buf_puts(b, ",\"incident\":");
        buf_put_int(b, r->incident_id);
    }
    if (r->next_due) {
        buf_puts(b, ",\"next_due\":");
        buf_put_int(b, r->next_due);
        buf_puts(b, ",\"waiting_on\":");
        buf_put_json_string(b, r->waiting_on);
    }
    buf_puts(b, overdue ? ",\"overdue\":true}" : ",\"overdue\":false}");
}

/* {"cases": [...], "next": cursor or null}, written by hand rather than built with Jansson and
 * dumped: the rows are flat and known, and building them was most of a queue request's time. */
int api_staff_cases(Request *req)
{
    QueueFilter f;
    const char *bad = query_queue_filter(req, &f);
    if (bad)
        return results_reply_cw(req, CW_INVALID, bad);
    Buf body = {0};
    buf_puts(&body, "{\"cases\":[");
    QueueJson q = {&body, 0};
    char next[CASEWORK_CURSOR_MAX];
    CaseworkResult r = casework_queue(req->session, &f, http_query(req, "cursor"), clock_now(),
                                      queue_row_json, &q, next);
    if (r != CW_OK) {
        buf_free(&body);
        return results_reply_cw(req, r,
                                f.limit < 1 || f.limit > CASEWORK_QUEUE_MAX ? "limit"
                                : http_query(req, "cursor")                 ? "cursor"
                                                                            : "queue");
    }
    buf_puts(&body, "],\"next\":");
    if (next[0])
        buf_put_json_string(&body, next);
    else
        buf_puts(&body, "null");
    buf_putc(&body, '}');
    return http_reply_json_text(req, 200, &body);
}

int api_staff_case(Request *req)
{
    json_t *out = NULL;
    CaseworkResult r = casework_view(req->session, http_param(req, "case"), clock_now(), &out);
    return results_reply_cw_json(req, r, NULL, out);
}

static const char *body_str(Request *req, const char *key)
{
    json_t *v = json_object_get(req->json, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

int api_staff_assign(Request *req)
{
    json_t *v = json_object_get(req->json, "login");
    if (v && !json_is_string(v) && !json_is_null(v))
        return results_reply_cw(req, CW_INVALID, "login");
    CaseworkResult r =
        casework_assign(req->session, http_param(req, "case"),
                        json_is_string(v) ? json_string_value(v) : NULL, clock_now());
    if (r != CW_OK)
        return results_reply_cw(req, r, "login");
    return http_reply_json(req, 200,
                           json_pack("{s:o}", "assignee", v ? json_incref(v) : json_null()));
}

/* A note or a message: {"body"} in, 201 {done: true} out. */
static int text_write(Request *req, CaseworkCaseText fn, const char *done)
{
    CaseworkResult r =
        fn(req->session, http_param(req, "case"), body_str(req, "body"), clock_now());
    if (r != CW_OK)
        return results_reply_cw(req, r, "body");
    return http_reply_json(req, 201, json_pack("{s:b}", done, 1));
}

int api_staff_note(Request *req)
{
    return text_write(req, casework_note, "added");
}

int api_staff_message(Request *req)
{
    return text_write(req, casework_message, "sent");
}

int api_staff_case_incident(Request *req)
{
    json_t *v = json_object_get(req->json, "incident");
    if (v && !json_is_integer(v) && !json_is_null(v))
        return results_reply_cw(req, CW_INVALID, "incident");
    CaseworkResult r =
        casework_incident_attach(req->session, http_param(req, "case"),
                                 json_is_integer(v) ? json_integer_value(v) : 0, clock_now());
    if (r != CW_OK)
        return results_reply_cw(req, r, "incident");
    return http_reply_json(req, 200, json_pack("{s:O}", "incident", v ? v : json_null()));
}

int api_staff_case_targets(Request *req)
{
    IntakeErrors errs;
    json_t *targets = intake_validate_targets(json_object_get(req->json, "targets"), 0, &errs);
    if (!targets)
        return api_reply_invalid(req, &errs);
    IntakeAdd added = INTAKE_ADD_ERROR;
    CaseworkResult r =
        casework_add_targets(req->session, http_param(req, "case"), targets, clock_now(), &added);
    size_t n = json_array_size(targets);
    json_decref(targets);
    if (r != CW_OK)
        return results_reply_cw(req, r, NULL);
    if (added != INTAKE_ADD_OK)
        return results_reply(req, results_of_intake_add(added));
    return http_reply_json(req, 201, json_pack("{s:I}", "added", (json_int_t)n));
}

int api_staff_transition(Request *req)
{
    int64_t id = http_param_id(req, "id");
    if (!id)
        return results_reply_cw(req, CW_NOT_FOUND, NULL);
    json_t *detail = json_object();
    CaseworkResult r =
        casework_transition(req->session, id, body_str(req, "to"), req->json, clock_now(), detail);
    if (r != CW_OK)
        return results_reply_cw_detail(req, r, detail);
    json_decref(detail);
    return http_reply_json(
        req, 200, json_pack("{s:I, s:s}", "target", (json_int_t)id, "state", body_str(req, "to")));
}

int api_staff_notice(Request *req)
{
    int64_t id = http_param_id(req, "id");
    if (!id)
        return results_reply_cw(req, CW_NOT_FOUND, NULL);
    const char *lang = http_query(req, "lang");
    if (lang && strcmp(lang, "zh-CN") != 0 && strcmp(lang, "en") != 0)
        return results_reply_cw(req, CW_INVALID, "lang");
    /* Preview fields come in the query (GET) or the body (POST). */
    json_t *fields = req->json ? json_incref(req->json) : json_object();
    const char *names[] = {"reason",  "evidence",  "representative", "name", "email",
                           "contact", "signature", "route",          NULL};
    for (int i = 0; !req->json && names[i]; i++)
        if (http_query(req, names[i]))
            json_object_set_new(fields, names[i], json_string(http_query(req, names[i])));
    json_t *out = NULL;
    CaseworkResult r = casework_notice(req->session, id, lang, fields, clock_now(), &out);
    json_decref(fields);
    return results_reply_cw_json(req, r, NULL, out);
}

int api_staff_incidents(Request *req)
{
    json_t *out = NULL;
    CaseworkResult r = casework_incidents(req->session, &out);
    return results_reply_cw_json(req, r, NULL, out);
}

int api_staff_incident_create(Request *req)
{
    int64_t id = 0;
    CaseworkResult r =
        casework_incident_create(req->session, body_str(req, "label"), clock_now(), &id);
    if (r != CW_OK)
        return results_reply_cw(req, r, "label");
    return http_reply_json(req, 201, json_pack("{s:I}", "id", (json_int_t)id));
}

int api_staff_incident(Request *req)
{
    return reply_by_id(req, casework_incident_view);
}

int api_registry(Request *req)
{
    return reply_read(req, casework_registry);
}

int api_admin_platform(Request *req)
{
    json_t *clock = json_object_get(req->json, "clock_hours");
    if (clock && !json_is_integer(clock) && !json_is_null(clock))
        return results_reply_cw(req, CW_INVALID, "clock_hours");
    json_t *detail = json_object();
    CaseworkResult r =
        casework_platform_update(req->session, http_param(req, "id"), body_str(req, "route"),
                                 json_is_integer(clock) ? (int)json_integer_value(clock) : -1,
                                 body_str(req, "channel"), clock_now(), detail);
    if (r != CW_OK)
        return results_reply_cw_detail(req, r, detail);
    json_decref(detail);
    return api_registry(req);
}

int api_admin_route(Request *req)
{
    json_t *clock = json_object_get(req->json, "clock_hours");
    if (!json_is_integer(clock))
        return results_reply_cw(req, CW_INVALID, "clock_hours");
    CaseworkResult r = casework_route_update(req->session, http_param(req, "id"),
                                             (int)json_integer_value(clock), clock_now());
    if (r != CW_OK)
        return results_reply_cw(req, r, "clock_hours");
    return api_registry(req);
}

int api_audit(Request *req)
{
    int bad_before = 0, bad_limit = 0;
    int64_t before = query_int(req, "before", 0, &bad_before);
    int64_t limit = query_int(req, "limit", 100, &bad_limit);
    if (bad_before)
        return results_reply_cw(req, CW_INVALID, "before");
    json_t *out = NULL;
    CaseworkResult r = bad_limit ? CW_INVALID : casework_audit(before, (int)limit, &out);
    return results_reply_cw_json(req, r, "limit", out);
}

int api_staff_reupload(Request *req)
{
    int64_t id = http_param_id(req, "id"), child = 0;
    CaseworkResult r =
        id ? casework_reupload(req->session, id, body_str(req, "url"), clock_now(), &child)
           : CW_NOT_FOUND;
    if (r != CW_OK)
        return results_reply_cw(req, r, "url");
    return http_reply_json(
        req, 201, json_pack("{s:I, s:I}", "target", (json_int_t)child, "parent", (json_int_t)id));
}

/* The check runs in the slow-work pool: a platform may take seconds to answer. */
static void check_job(Request *req)
{
    reply_by_id(req, casework_check_now);
}

int api_staff_check(Request *req)
{
    if (!http_param_id(req, "id"))
        return results_reply_cw(req, CW_NOT_FOUND, NULL);
    return http_run_slow(req, check_job);
}

int api_staff_hold(Request *req)
{
    json_t *v = json_object_get(req->json, "hold");
    if (!json_is_boolean(v))
        return results_reply_cw(req, CW_INVALID, "hold");
    CaseworkResult r =
        casework_hold(req->session, http_param(req, "case"), json_is_true(v), clock_now());
    if (r != CW_OK)
        return results_reply_cw(req, r, NULL);
    return http_reply_json(req, 200, json_pack("{s:b}", "hold", json_is_true(v)));
}

int api_staff_visit_sheet(Request *req)
{
    return reply_by_id(req, casework_visit_sheet);
}

int api_stats(Request *req)
{
    return reply_read(req, casework_stats);
}
