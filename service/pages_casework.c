/* Caseworkers' pages: queues, the case page and its forms, notices, incidents, platforms and
 * routes, the audit log. The forms post to these pages and come back here; the same casework
 * functions serve the JSON API. */
#include "handlers.h"

#include "auth.h"
#include "casework.h"
#include "clock.h"
#include "harden.h"
#include "i18n.h"
#include "links.h"
#include "query.h"
#include "results.h"
#include "states.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Adds readable times next to every integer member named like a time in a JSON tree. */
static void add_times(const char *lang, json_t *v)
{
    if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) add_times(lang, x);
        return;
    }
    if (!json_is_object(v))
        return;
    const char *names[] = {"at",         "created_at",   "due_at",      "sent_at",
                           "next_due",   "withdrawn_at", "purge_after", "recorded_at",
                           "planned_at", "received_at",  "platform_at"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        json_t *t = json_object_get(v, names[i]);
        if (json_is_integer(t)) {
            char when[I18N_TIME_MAX], key[48];
            i18n_format_time(lang, json_integer_value(t), when);
            snprintf(key, sizeof key, "%s_text", names[i]);
            json_object_set_new(v, key, json_string(when));
        }
    }
    const char *k;
    json_t *x;
    json_object_foreach(v, k, x) if (json_is_object(x) || json_is_array(x)) add_times(lang, x);
}

/* ---- codes shown in words: a template prints {{tv x_key}}, never a code itself ---- */

/* o[member "_key"] = prefix + o[member], when o[member] is a non-empty string. */
static void set_key(json_t *o, const char *member, const char *prefix)
{
    const char *v = json_string_value(json_object_get(o, member));
    if (!v || !*v)
        return;
    char name[48];
    snprintf(name, sizeof name, "%s_key", member);
    json_object_set_new(o, name, json_sprintf("%s%s", prefix, v));
}

/* A list of codes as a list of translation keys, in place. */
static void keys_in_place(json_t *list, const char *prefix)
{
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v) if (json_is_string(v))
        json_array_set_new(list, i, json_sprintf("%s%s", prefix, json_string_value(v)));
}

/* Who did something, for people: a staff member's login, or the words for the requester or
 * the system ("staff:cw1", "victim", "system:checker" as stored). */
static void set_actor(json_t *o, const char *member)
{
    const char *v = json_string_value(json_object_get(o, member));
    if (!v)
        return;
    char name[48];
    snprintf(name, sizeof name, "%s_name", member);
    if (strncmp(v, "staff:", 6) == 0)
        json_object_set_new(o, name, json_string(v + 6));
    else if (strcmp(v, "victim") == 0)
        json_object_set_new(o, name, json_string(""));
    snprintf(name, sizeof name, "%s_key", member);
    if (strcmp(v, "victim") == 0)
        json_object_set_new(o, name, json_string("cw.actor.victim"));
    else if (strncmp(v, "platform:", 9) == 0) /* a platform's desk: the platform's name */
        json_object_set_new(o, name, json_sprintf("platform.%s", v + 9));
    else if (strncmp(v, "staff:", 6) != 0)
        json_object_set_new(o, name, json_string("cw.actor.system"));
}

/* A move's target state with its words, for the "move to" list. */
static json_t *move_options(const json_t *next)
{
    json_t *list = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(next, i, v)
        json_array_append_new(list, json_pack("{s:s, s:o}", "to", json_string_value(v), "key",
                                              json_sprintf("cw.state.%s", json_string_value(v))));
    return list;
}

/* The case view's codes as translation keys: states, platforms, routes, kinds, channels. */
static void case_words(json_t *c)
{
    set_key(c, "channel", "cw.channel.");
    set_key(c, "incident_type", "incident.");
    set_key(c, "requester_role", "report.who.");
    set_key(c, "language", "cw.language.");
    json_t *req = json_object_get(c, "request");
    set_key(json_object_get(json_object_get(req, "requester"), "contact"), "channel",
            "report.contact.");
    set_key(json_object_get(req, "consent"), "preservation", "preservation.");
    size_t i, j;
    json_t *t, *x;
    json_array_foreach(json_object_get(c, "targets"), i, t)
    {
        set_key(t, "state", "cw.state.");
        set_key(t, "platform", "platform.");
        set_key(t, "route", "cw.route.");
        json_object_set_new(t, "moves", move_options(json_object_get(t, "next")));
        json_array_foreach(json_object_get(t, "notices"), j, x) set_key(x, "route", "cw.route.");
        json_array_foreach(json_object_get(t, "desk_answers"), j, x)
        {
            set_key(x, "kind", "cw.desk.kind.");
            set_key(x, "outcome", "cw.desk.outcome.");
        }
    }
    json_array_foreach(json_object_get(c, "timeline"), i, t)
    {
        set_key(t, "kind", "cw.event.");
        set_key(t, "from", "cw.state.");
        set_key(t, "to", "cw.state.");
        set_actor(t, "actor");
    }
    json_array_foreach(json_object_get(c, "messages"), i, t) json_object_set_new(
        t, "author_key",
        json_sprintf("cw.author.%s", json_string_value(json_object_get(t, "author"))));
}

/* A refused form's detail for people: the field and the missing elements as translation keys. */
static void error_words(json_t *detail)
{
    set_key(detail, "field", "cw.fieldname.");
    keys_in_place(json_object_get(detail, "missing"), "cw.element.");
}

/* The routes a copy can take (schema 0004 and 0005: admins edit their clocks, never the set), for
 * the queue's route filter without a query per page. */
static const char *const QUEUE_ROUTES[] = {"cn_complaint", "us_take_it_down", "eu_dsa",
                                           "au_esafety",   "offline_visit",   NULL};

/* The translation key prefix + code ("cw.state.reported") of a code from this program's own
 * lists (ASCII), without the format parsing of json_sprintf: a queue page makes some 50. */
static json_t *code_key(const char *prefix, const char *code)
{
    char key[96];
    size_t p = strnlen(prefix, 48), m = strnlen(code, 47);
    memcpy(key, prefix, p);
    memcpy(key + p, code, m);
    return json_stringn_nocheck(key, p + m);
}

/* Options of a filter select: {member: code, "key": prefix + code, "selected": true} ("selected"
 * only on the chosen one: the template's #if reads a missing one as false). */
static void add_option(json_t *list, const char *member, const char *code, const char *prefix,
                       const char *chosen)
{
    json_t *o = json_object();
    json_object_set_new(o, member, json_string_nocheck(code));
    json_object_set_new(o, "key", code_key(prefix, code));
    if (chosen && strcmp(chosen, code) == 0)
        json_object_set_new(o, "selected", json_true());
    json_array_append_new(list, o);
}

/* The platform filter's choices: every known platform, then offline copies. */
static json_t *platform_options(const char *chosen)
{
    size_t n;
    const LinkPlatform *p = link_platforms(&n);
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        add_option(list, "id", p[i].id, "platform.", chosen);
    add_option(list, "id", "offline", "platform.", chosen);
    return list;
}

static json_t *route_options(const char *chosen)
{
    json_t *list = json_array();
    for (size_t i = 0; QUEUE_ROUTES[i]; i++)
        add_option(list, "id", QUEUE_ROUTES[i], "cw.route.", chosen);
    return list;
}

/* Every state for a select, the chosen one marked. */
static json_t *state_options(const char *chosen)
{
    size_t n;
    const char *const *all = states_all(&n);
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        add_option(list, "name", all[i], "cw.state.", chosen);
    return list;
}

/* A casework result as a page: the error, or template with out (stolen, times made readable)
 * under key in the staff context. */
static int result_page(Request *req, CaseworkResult r, json_t *out, const char *title_key,
                       const char *key, const char *template_name)
{
    if (r != CW_OK)
        return results_reply_cw(req, r, NULL);
    add_times(req->lang, out);
    json_t *ctx = page_staff_ctx(req, title_key);
    json_object_set_new(ctx, key, out);
    return http_reply_page(req, 200, template_name, ctx);
}

/* ---- queues ---- */

static const char *const QUEUE_TABS[] = {"new",        "mine", "overdue", "awaiting",
                                         "monitoring", "all",  NULL};

/* The names in a summary column as SQLite wrote them (["a","b"] or {"a":1,"b":2}: platform ids
 * and state names, nothing escaped), each passed to add with its count (0 in an array); 0, or -1
 * when the text is not of that plain form. */
static int summary_each(const Buf *v, const char *lang,
                        void (*add)(json_t *list, const char *lang, const char *name, size_t n,
                                    json_int_t count),
                        json_t *list)
{
    const char *p = v->data ? v->data : "";
    if (strchr(p, '\\'))
        return -1;
    while ((p = strchr(p, '"'))) {
        const char *end = strchr(p + 1, '"');
        if (!end)
            return -1;
        json_int_t count = 0;
        if (end[1] == ':')
            count = strtoll(end + 2, NULL, 10);
        add(list, lang, p + 1, (size_t)(end - p - 1), count);
        p = end + 1;
    }
    return 0;
}

/* The words for a code: the translation of prefix + name in lang, else the code itself copied
 * into own (never a missing-key warning: the queue builds its rows from the scratch block).
 * Either is valid UTF-8. */
static const char *code_words(const char *lang, const char *prefix, const char *name, size_t n,
                              char own[48])
{
    /* By hand rather than snprintf: a queue page looks up some 400 of these. */
    char key[96];
    size_t p = strnlen(prefix, 48), m = n < 40 ? n : 40;
    memcpy(key, prefix, p);
    memcpy(key + p, name, m);
    key[p + m] = '\0';
    const char *text = i18n_find(lang, key);
    if (text)
        return text;
    for (size_t i = 0; i < m; i++) /* a code is ASCII; anything else shows as '?' */
        own[i] = name[i] > 0x20 && name[i] < 0x7f ? name[i] : '?';
    own[m] = '\0';
    return own;
}

static void add_platform(json_t *list, const char *lang, const char *name, size_t n,
                         json_int_t count)
{
    (void)count;
    char own[48];
    json_array_append_new(list, json_string_nocheck(code_words(lang, "platform.", name, n, own)));
}

/* "state×n" (× in UTF-8, the state in words), as the template shows each state: one string
 * rather than an object per state, a third of the page's allocations. */
static void add_state(json_t *list, const char *lang, const char *code, size_t code_len,
                      json_int_t count)
{
    char text[128], own[48], digits[24];
    const char *words = code_words(lang, "cw.state.", code, code_len, own);
    unsigned long long v = count > 0 ? (unsigned long long)count : 0;
    size_t d = sizeof digits;
    do /* the count's digits, right to left */
        digits[--d] = (char)('0' + v % 10);
    while (v /= 10);
    size_t w = strnlen(words, sizeof text - sizeof digits - 2);
    memcpy(text, words, w);
    text[w] = (char)0xc3; /* ×, U+00D7, in UTF-8 */
    text[w + 1] = (char)0x97;
    memcpy(text + w + 2, digits + d, sizeof digits - d);
    json_array_append_new(list, json_stringn_nocheck(text, w + 2 + sizeof digits - d));
}

/* The platforms of a row, or its state_list (["state×n", ...]), from its summary column; through
 * Jansson when the column is not of the plain form. */
static json_t *summary_list(const Buf *v, const char *lang, int states)
{
    json_t *list = json_array();
    if (summary_each(v, lang, states ? add_state : add_platform, list) == 0)
        return list;
    json_array_clear(list);
    json_t *j = v->len ? json_loadb(v->data, v->len, 0, NULL) : NULL;
    const char *k;
    json_t *x;
    size_t i;
    if (states)
        json_object_foreach(j, k, x) add_state(list, lang, k, strlen(k), json_integer_value(x));
    else
        json_array_foreach(j, i, x) if (json_is_string(x))
            add_platform(list, lang, json_string_value(x), json_string_length(x), 0);
    json_decref(j);
    return list;
}

typedef struct QueuePage {
    const char *lang;
    int64_t now; /* deadlines are shown relative to it */
    json_t *cases;
} QueuePage;

/* A span of seconds for people: minutes under an hour, hours under two days, else days. */
static void span_words(const char *lang, int64_t secs, char *out, size_t size)
{
    int64_t v = secs < 3600 ? (secs + 59) / 60 : secs < 48 * 3600 ? secs / 3600 : secs / 86400;
    const char *unit = secs < 3600        ? "cw.span.minutes"
                       : secs < 48 * 3600 ? "cw.span.hours"
                                          : "cw.span.days";
    char n[24];
    size_t d = sizeof n - 1;
    unsigned long long u = v < 1 ? 1 : (unsigned long long)v;
    n[d] = '\0';
    do /* the digits, right to left: by hand, as a page shows one span a row */
        n[--d] = (char)('0' + u % 10);
    while (u /= 10);
    i18n_fill(i18n_get(lang, unit), n + d, out, size);
}

/* A text the page itself made (translations, times, codes from the store): valid UTF-8 already,
 * so Jansson need not check it again. */
static void set_own_text(json_t *o, const char *member, const char *text)
{
    json_object_set_new(o, member, json_string_nocheck(text));
}

/* What a row asks for next: its running clock relative to now ("due in 5 h", "overdue by 2 h"),
 * or for a case with a new copy and no clock, the review it awaits; nothing for neither. */
static void due_words(const QueuePage *p, const QueueRow *r, json_t *o)
{
    char span[64], text[160];
    if (r->next_due) {
        int late = r->next_due <= p->now;
        span_words(p->lang, late ? p->now - r->next_due : r->next_due - p->now, span, sizeof span);
        i18n_fill(i18n_get(p->lang, late ? "cw.due.overdue_by" : "cw.due.in"), span, text,
                  sizeof text);
        set_own_text(o, "due_words", text);
    } else if (r->states.data && strstr(r->states.data, "\"reported\"")) {
        set_own_text(o, "due_words", i18n_get(p->lang, "cw.due.new_review"));
    }
}

/* One row as the queue template shows it: only what it shows, its times made readable; a flag
 * that is false is left out (the template's #if reads a missing one as false). */
static void queue_row_page(void *arg, const QueueRow *r, int overdue)
{
    QueuePage *p = arg;
    char when[I18N_TIME_MAX], own[48];
    json_t *o = json_object();
    set_own_text(o, "case", r->id);
    if (r->risk_flags != 0)
        json_object_set_new(o, "urgent", json_true());
    if (overdue)
        json_object_set_new(o, "overdue", json_true());
    i18n_format_time(p->lang, r->created_at, when);
    set_own_text(o, "created_at_text", when);
    set_own_text(o, "incident_type",
                 code_words(p->lang, "incident.", r->incident_type, strlen(r->incident_type), own));
    json_object_set_new(o, "platforms", summary_list(&r->platforms, p->lang, 0));
    json_object_set_new(o, "state_list", summary_list(&r->states, p->lang, 1));
    due_words(p, r, o);
    if (r->next_due) {
        json_object_set_new(o, "next_due", json_integer(r->next_due));
        i18n_format_time(p->lang, r->next_due, when);
        set_own_text(o, "next_due_text", when);
        set_own_text(o, "waiting_on",
                     code_words(p->lang, "cw.state.", r->waiting_on, strlen(r->waiting_on), own));
    }
    if (r->assignee[0])
        json_object_set_new(o, "assignee", json_string(r->assignee));
    json_array_append_new(p->cases, o);
}

/* ctx's "staff": the accounts that may take a case, the one whose login is chosen (NULL: none)
 * marked by flag. */
static void staff_choices(json_t *ctx, const char *chosen, const char *flag)
{
    json_t *staff = NULL;
    if (casework_staff_choices(&staff) != CW_OK)
        return;
    size_t i;
    json_t *a;
    json_array_foreach(staff, i, a) json_object_set_new(
        a, flag,
        json_boolean(chosen && !strcmp(chosen, json_string_value(json_object_get(a, "login")))));
    json_object_set_new(ctx, "staff", staff);
}

int page_staff_queue(Request *req)
{
    Session *s = req->session;
    if (strcmp(s->role, "auditor") == 0)
        return http_reply_page(req, 200, "staff_home", page_staff_ctx(req, "staff.home.title"));
    QueueFilter f;
    int bad = query_queue_filter(req, &f) != NULL;
    if (!http_query(req, "queue"))
        f.queue = "new";
    /* The rows' and the context's values come from this thread's scratch block: all are freed
     * with the context in http_reply_page, before harden_json_scratch_end. Stopped before the
     * rendering, which may make values that outlive the request (i18n's missing-key log). */
    harden_json_scratch_begin();
    int64_t now = clock_now();
    QueuePage rows = {req->lang, now, json_array()};
    char next[CASEWORK_CURSOR_MAX];
    CaseworkResult r =
        bad ? CW_INVALID
            : casework_queue(s, &f, http_query(req, "cursor"), now, queue_row_page, &rows, next);
    if (r != CW_OK) {
        harden_json_scratch_stop();
        json_decref(rows.cases);
        harden_json_scratch_end();
    }
    if (r == CW_INVALID) /* a page's bad query is a 400, without a field */
        return http_reply_error(req, 400, "invalid", "error.invalid", NULL);
    if (r != CW_OK)
        return results_reply_cw(req, r, NULL);
    json_t *ctx = page_staff_ctx(req, "cw.queue.title");
    json_t *tabs = json_array();
    for (int q = 0; QUEUE_TABS[q]; q++)
        json_array_append_new(tabs, json_pack("{s:s, s:b, s:o}", "id", QUEUE_TABS[q], "current",
                                              strcmp(QUEUE_TABS[q], f.queue) == 0, "key",
                                              code_key("cw.queue.", QUEUE_TABS[q])));
    json_object_set_new(ctx, "tabs", tabs);
    json_object_set_new(ctx, "queue", json_string(f.queue));
    json_object_set_new(ctx, "cases", rows.cases);
    if (next[0])
        json_object_set_new(ctx, "next", json_string(next));
    json_t *filter = json_object();
    const char *names[] = {"platform", "route", "state", "assignee", "incident"};
    for (int k = 0; k < 5; k++)
        if (http_query(req, names[k]))
            json_object_set_new(filter, names[k], json_string(http_query(req, names[k])));
    json_object_set_new(ctx, "filter", filter);
    json_object_set_new(ctx, "states", state_options(f.state));
    json_object_set_new(ctx, "platforms", platform_options(f.platform));
    json_object_set_new(ctx, "routes", route_options(f.route));
    /* The assignee is chosen from the accounts that may take a case, as on the case page. */
    staff_choices(ctx, http_query(req, "assignee"), "selected");
    /* The deadline column's header links to the other order; aria-sort says the current one. */
    json_object_set_new(ctx, "sort", json_string(f.desc ? "-due" : "due"));
    json_object_set_new(ctx, "sort_desc", json_boolean(f.desc));
    harden_json_scratch_stop();
    int status = http_reply_page(req, 200, "staff_queue", ctx);
    harden_json_scratch_end();
    return status;
}

/* ---- the case page ---- */

static int case_page(Request *req, int status, const char *case_id, const char *error_key,
                     json_t *error_detail)
{
    json_t *view = NULL;
    CaseworkResult r = casework_view(req->session, case_id, clock_now(), &view);
    if (r != CW_OK) {
        json_decref(error_detail);
        return results_reply_cw(req, r, NULL);
    }
    add_times(req->lang, view);
    case_words(view);
    json_t *ctx = page_staff_ctx(req, "cw.case.title");
    json_object_set_new(ctx, "c", view);
    /* Visits and assignment pick from the accounts that may take them, never a typed login. */
    staff_choices(ctx, json_string_value(json_object_get(view, "assignee")), "assigned");
    if (error_key)
        json_object_set_new(ctx, "error_key", json_string(error_key));
    if (error_detail) {
        error_words(error_detail);
        json_object_set_new(ctx, "error_detail", error_detail);
    }
    return http_reply_page(req, status, "staff_case", ctx);
}

int page_staff_case(Request *req)
{
    return case_page(req, 200, http_param(req, "case"), NULL, NULL);
}

/* After a form on the case page: back to it, or the page again with the error. */
static int case_after(Request *req, const char *case_id, CaseworkResult r, json_t *detail,
                      const char *anchor)
{
    if (r == CW_OK) {
        json_decref(detail);
        char loc[128];
        snprintf(loc, sizeof loc, "/staff/cases/%s%s%s", case_id, anchor ? "#" : "",
                 anchor ? anchor : "");
        return http_reply_redirect(req, 303, loc);
    }
    /* What the caseworker can fix (a refused move, missing elements, a wrong field) shows on the
     * case page; the rest is an error page. */
    ResultReply rr = results_of_cw(r);
    if (rr.status != 409 && rr.status != 422) {
        json_decref(detail);
        return results_reply(req, rr);
    }
    return case_page(req, rr.status, case_id, rr.key, detail);
}

/* A form's one text field given to a casework write on the case in the path; back to the case
 * page at anchor. */
static int case_form_text(Request *req, CaseworkCaseText write, const char *field,
                          const char *anchor)
{
    const char *id = http_param(req, "case");
    CaseworkResult r = write(req->session, id, http_form(req, field), clock_now());
    return case_after(req, id, r, NULL, anchor);
}

int page_staff_assign(Request *req)
{
    return case_form_text(req, casework_assign, "login", "assign");
}

int page_staff_note(Request *req)
{
    return case_form_text(req, casework_note, "body", "notes");
}

int page_staff_message(Request *req)
{
    return case_form_text(req, casework_message, "body", "messages");
}

int page_staff_case_incident(Request *req)
{
    const char *id = http_param(req, "case");
    const char *inc = http_form(req, "incident");
    char *end = NULL;
    long long n = inc && *inc ? strtoll(inc, &end, 10) : 0;
    CaseworkResult r = (inc && *inc && (*end || n <= 0))
                           ? CW_INVALID
                           : casework_incident_attach(req->session, id, n, clock_now());
    return case_after(req, id, r, NULL, "incident");
}

/* The transition fields a form may carry. */
static json_t *form_fields(Request *req)
{
    const char *const *names = casework_field_names();
    json_t *f = json_object();
    const char *to = http_form(req, "to");
    if (to && *to)
        json_object_set_new(f, "to", json_string(to));
    for (int i = 0; names[i]; i++) {
        const char *v = http_form(req, names[i]);
        if (v && *v)
            json_object_set_new(f, names[i], json_string(v));
    }
    return f;
}

int page_staff_transition(Request *req)
{
    int64_t id = http_param_id(req, "id");
    const char *case_id = http_form(req, "case");
    if (!id || !case_id)
        return results_reply_cw(req, CW_NOT_FOUND, NULL);
    char anchor[32];
    snprintf(anchor, sizeof anchor, "target-%lld", (long long)id);
    const char *to = http_form(req, "to");
    if (!to || !*to) /* the "choose..." entry: nothing was chosen, nothing moves */
        return case_page(req, 422, case_id, "cw.move.choose_first", NULL);
    json_t *fields = form_fields(req);
    json_t *detail = json_object();
    CaseworkResult r =
        casework_transition(req->session, id, http_form(req, "to"), fields, clock_now(), detail);
    json_decref(fields);
    return case_after(req, case_id, r, detail, anchor);
}

/* ---- notices ---- */

int page_staff_notice(Request *req)
{
    int64_t id = http_param_id(req, "id");
    json_t *fields = json_object();
    const char *names[] = {"reason",  "evidence",  "representative", "name", "email",
                           "contact", "signature", "route",          NULL};
    for (int i = 0; names[i]; i++)
        if (http_query(req, names[i]) && *http_query(req, names[i]))
            json_object_set_new(fields, names[i], json_string(http_query(req, names[i])));
    const char *lang = http_query(req, "lang");
    if (lang && strcmp(lang, "zh-CN") != 0 && strcmp(lang, "en") != 0)
        lang = NULL;
    json_t *out = NULL;
    CaseworkResult r =
        id ? casework_notice(req->session, id, lang, fields, clock_now(), &out) : CW_NOT_FOUND;
    if (r != CW_OK) {
        json_decref(fields);
        return results_reply_cw(req, r, NULL);
    }
    add_times(req->lang, out);
    set_key(out, "route", "cw.route.");
    set_key(out, "language", "cw.language.");
    keys_in_place(json_object_get(out, "missing"), "cw.element.");
    json_t *ctx = page_staff_ctx(req, "cw.notice.title");
    json_object_set_new(ctx, "n", out);
    json_object_set_new(ctx, "f", fields);
    json_object_set_new(ctx, "case",
                        json_string(http_query(req, "case") ? http_query(req, "case") : ""));
    return http_reply_page(req, 200, "staff_notice", ctx);
}

/* ---- incidents ---- */

int page_staff_incidents(Request *req)
{
    json_t *out = NULL;
    CaseworkResult r = casework_incidents(req->session, &out);
    return result_page(req, r, out, "cw.incidents.title", "list", "staff_incidents");
}

int page_staff_incident_create(Request *req)
{
    int64_t id = 0;
    CaseworkResult r =
        casework_incident_create(req->session, http_form(req, "label"), clock_now(), &id);
    if (r != CW_OK)
        return results_reply_cw(req, r, "label");
    char loc[64];
    snprintf(loc, sizeof loc, "/staff/incidents/%lld", (long long)id);
    return http_reply_redirect(req, 303, loc);
}

int page_staff_incident(Request *req)
{
    json_t *out = NULL;
    CaseworkResult r = query_cw_by_id(req, casework_incident_view, &out);
    if (r != CW_OK)
        return results_reply_cw(req, r, NULL);
    add_times(req->lang, out);
    /* The platforms object as a list, for the template. */
    json_t *groups = json_array();
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(out, "platforms"), k, v)
    {
        size_t i;
        json_t *t;
        json_array_foreach(v, i, t) set_key(t, "state", "cw.state.");
        json_array_append_new(groups, json_pack("{s:s, s:o, s:O}", "platform", k, "platform_key",
                                                json_sprintf("platform.%s", k), "targets", v));
    }
    json_t *ctx = page_staff_ctx(req, "cw.incident.title");
    json_object_set_new(ctx, "i", out);
    json_object_set_new(ctx, "groups", groups);
    return http_reply_page(req, 200, "staff_incident", ctx);
}

/* ---- platforms and routes ---- */

/* The registry's codes as words: each route's name and elements, each platform's name, and the
 * routes an admin may choose for a platform, its own marked. */
static void registry_words(json_t *reg)
{
    json_t *routes = json_object_get(reg, "routes");
    size_t i, j;
    json_t *x, *y;
    json_array_foreach(routes, i, x)
    {
        set_key(x, "id", "cw.route.");
        json_t *elements = json_array();
        char list[160];
        snprintf(list, sizeof list, "%s", json_string_value(json_object_get(x, "elements")));
        char *save = NULL;
        for (char *e = strtok_r(list, ",", &save); e; e = strtok_r(NULL, ",", &save))
            json_array_append_new(elements, json_sprintf("cw.element.%s", e));
        json_object_set_new(x, "element_keys", elements);
    }
    json_array_foreach(json_object_get(reg, "platforms"), i, x)
    {
        set_key(x, "id", "platform.");
        set_key(x, "route", "cw.route.");
        const char *mine = json_string_value(json_object_get(x, "route"));
        json_t *options = json_array();
        json_array_foreach(routes, j, y)
        {
            const char *id = json_string_value(json_object_get(y, "id"));
            json_array_append_new(options, json_pack("{s:s, s:o, s:b}", "id", id, "key",
                                                     json_sprintf("cw.route.%s", id), "selected",
                                                     mine && id && strcmp(mine, id) == 0));
        }
        json_object_set_new(x, "route_options", options);
    }
}

int page_staff_platforms(Request *req)
{
    json_t *out = NULL;
    CaseworkResult r = casework_registry(&out);
    if (r == CW_OK)
        registry_words(out);
    return result_page(req, r, out, "cw.platforms.title", "reg", "staff_platforms");
}

int page_staff_platform_post(Request *req)
{
    const char *clock = http_form(req, "clock_hours");
    char *end = NULL;
    long v = clock && *clock ? strtol(clock, &end, 10) : -1;
    json_t *detail = json_object();
    CaseworkResult r =
        (clock && *clock && *end)
            ? CW_INVALID
            : casework_platform_update(req->session, http_param(req, "id"), http_form(req, "route"),
                                       (int)v, http_form(req, "channel"), clock_now(), detail);
    json_decref(detail);
    if (r != CW_OK)
        return results_reply_cw(req, r, NULL);
    return http_reply_redirect(req, 303, "/staff/platforms");
}

int page_staff_route_post(Request *req)
{
    const char *clock = http_form(req, "clock_hours");
    char *end = NULL;
    long v = clock ? strtol(clock, &end, 10) : -1;
    CaseworkResult r =
        (!clock || !*clock || *end)
            ? CW_INVALID
            : casework_route_update(req->session, http_param(req, "id"), (int)v, clock_now());
    if (r != CW_OK)
        return results_reply_cw(req, r, "clock_hours");
    return http_reply_redirect(req, 303, "/staff/platforms");
}

/* ---- audit ---- */

/* A transition's entry ("target 12 in_review -> ready", as casework_transition writes it) with
 * its states in words: {"move": {"target", "from_key", "to_key"}}; other entries as they are. */
static void audit_words(json_t *e)
{
    const char *detail = json_string_value(json_object_get(e, "detail"));
    long long target;
    char from[32], to[32], tail;
    if (!detail ||
        sscanf(detail, "target %lld %31[a-z_] -> %31[a-z_]%c", &target, from, to, &tail) != 3 ||
        !states_known(from) || !states_known(to))
        return;
    json_object_set_new(e, "move",
                        json_pack("{s:I, s:o, s:o}", "target", (json_int_t)target, "from_key",
                                  json_sprintf("cw.state.%s", from), "to_key",
                                  json_sprintf("cw.state.%s", to)));
}

int page_staff_audit(Request *req)
{
    const char *b = http_query(req, "before");
    char *end = NULL;
    long long before = b ? strtoll(b, &end, 10) : 0;
    if (b && (*end || before < 0))
        return http_reply_error(req, 400, "invalid", "error.invalid", "before");
    json_t *out = NULL;
    CaseworkResult r = casework_audit(before, 100, &out);
    size_t i;
    json_t *e;
    json_array_foreach(r == CW_OK ? json_object_get(out, "entries") : NULL, i, e) audit_words(e);
    return result_page(req, r, out, "cw.audit.title", "log", "staff_audit");
}

int page_staff_reupload(Request *req)
{
    int64_t id = http_param_id(req, "id"), child = 0;
    const char *case_id = http_form(req, "case");
    if (!id || !case_id)
        return results_reply_cw(req, CW_NOT_FOUND, NULL);
    json_t *detail = json_pack("{s:s}", "field", "url");
    CaseworkResult r =
        casework_reupload(req->session, id, http_form(req, "url"), clock_now(), &child);
    char anchor[32];
    snprintf(anchor, sizeof anchor, "target-%lld", (long long)(child ? child : id));
    return case_after(req, case_id, r, detail, anchor);
}

/* The check runs in the slow-work pool, then back to the target on the case page (JSON when the
 * form named no case). */
static void check_job(Request *req)
{
    int64_t id = http_param_id(req, "id");
    json_t *out = NULL;
    CaseworkResult r = casework_check_now(req->session, id, clock_now(), &out);
    const char *case_id = http_form(req, "case");
    if (r != CW_OK || !case_id) {
        results_reply_cw_json(req, r, NULL, out);
        return;
    }
    json_decref(out);
    char loc[96];
    snprintf(loc, sizeof loc, "/staff/cases/%.24s#target-%lld", case_id, (long long)id);
    http_reply_redirect(req, 303, loc);
}

int page_staff_check(Request *req)
{
    int64_t id = http_param_id(req, "id");
    return id ? http_run_slow(req, check_job) : results_reply_cw(req, CW_NOT_FOUND, NULL);
}

int page_staff_hold(Request *req)
{
    const char *id = http_param(req, "case");
    const char *on = http_form(req, "hold");
    CaseworkResult r = casework_hold(req->session, id, on && !strcmp(on, "on"), clock_now());
    return case_after(req, id, r, NULL, "hold");
}

int page_staff_visit_sheet(Request *req)
{
    json_t *out = NULL;
    CaseworkResult r = query_cw_by_id(req, casework_visit_sheet, &out);
    size_t i;
    json_t *v;
    json_array_foreach(r == CW_OK ? json_object_get(out, "visits") : NULL, i, v)
        set_key(v, "outcome", "cw.state.");
    return result_page(req, r, out, "cw.visit.title", "v", "staff_visit_sheet");
}

int page_staff_stats(Request *req)
{
    json_t *out = NULL;
    CaseworkResult r = casework_stats(&out);
    if (r != CW_OK)
        return results_reply_cw(req, r, NULL);
    size_t i;
    json_t *g;
    json_array_foreach(json_object_get(out, "groups"), i, g)
    {
        /* Each row's bar is drawn against its group's largest count. */
        json_object_set_new(
            g, "title_key",
            json_sprintf("cw.stats.%s", json_string_value(json_object_get(g, "name"))));
        size_t j;
        json_t *row;
        const char *name = json_string_value(json_object_get(g, "name"));
        const char *prefix = !name                            ? "cw.stats."
                             : !strcmp(name, "state")         ? "cw.state."
                             : !strcmp(name, "platform")      ? "platform."
                             : !strcmp(name, "route")         ? "cw.route."
                             : !strcmp(name, "incident_type") ? "incident."
                                                              : "cw.stats.";
        json_array_foreach(json_object_get(g, "rows"), j, row)
        {
            json_object_set(row, "max", json_object_get(g, "max"));
            set_key(row, "key", prefix);
        }
    }
    json_t *ctx = page_staff_ctx(req, "cw.stats.title");
    json_object_set_new(ctx, "s", out);
    return http_reply_page(req, 200, "staff_stats", ctx);
}
