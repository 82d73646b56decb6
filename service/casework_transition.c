/* Moving a copy through the transition table: notices, clocks, visits, onward copies. */
#include "casework_internal.h"

#include "desk.h"

#include "checker.h"
#include "i18n.h"
#include "links.h"
#include "notice.h"
#include "sealed.h"
#include "staff.h"
#include "states.h"
#include "store_case.h"
#include "store_log.h"
#include "store_registry.h"
#include "store_staff.h"
#include "store_target.h"
#include "vault.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const FIELD_NAMES[] = {
    "reason",  "ticket",  "channel",   "route",     "evidence",   "representative",
    "name",    "email",   "contact",   "signature", "planned_at", "place",
    "staff_a", "staff_b", "statement", "onward",    NULL};

const char *const *casework_field_names(void)
{
    return FIELD_NAMES;
}
#define FIELD_MAX 2000

/* Checks the caseworker's fields: known names, strings, bounded. */
static int fields_valid(const json_t *fields, json_t *detail)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)fields, k, v)
    {
        int known = 0;
        for (int i = 0; FIELD_NAMES[i]; i++)
            if (strcmp(k, FIELD_NAMES[i]) == 0)
                known = 1;
        if (strcmp(k, "to") == 0)
            continue;
        if (!known || (!json_is_string(v) && !json_is_null(v)) ||
            (json_is_string(v) && strlen(json_string_value(v)) > FIELD_MAX)) {
            json_object_set_new(detail, "field", json_string(k));
            return 0;
        }
    }
    return 1;
}

static CaseworkResult pick_route(StoreConn *c, const CwLoaded *l, const json_t *fields,
                                 RouteRow *route, PlatformRow *platform, json_t *detail)
{
    memset(platform, 0, sizeof *platform);
    if (store_platform_get(c, l->target.platform, platform) != STORE_OK)
        store_platform_get(c, "other", platform);
    const char *want = cw_field_text(fields, "route");
    if (!want)
        want = l->target.route[0] ? l->target.route : platform->route;
    if (store_route_get(c, want, route) != STORE_OK) {
        json_object_set_new(detail, "field", json_string("route"));
        return CW_INVALID;
    }
    return CW_OK;
}

/* Builds the notice for a loaded target; NULL with detail.missing when incomplete. */
static char *build_notice(const CwLoaded *l, const RouteRow *route, const PlatformRow *platform,
                          const char *lang, const json_t *fields, int64_t now, json_t *missing)
{
    char date[I18N_TIME_MAX], key[48];
    i18n_format_date(lang, now, date);
    snprintf(key, sizeof key, "platform.%s", platform->id);
    NoticeInput in = {route->id,
                      route->elements,
                      lang,
                      i18n_get(lang, key),
                      i18n_get(lang, "notice.org_name"),
                      date,
                      l->case_body,
                      l->target_body,
                      l->screenshots,
                      l->fingerprints,
                      fields};
    return notice_build(&in, missing);
}

typedef struct TransitionArgs {
    const Session *s;
    CwLoaded *l;
    const char *to;
    const json_t *fields;
    int64_t now;
    const RouteRow *route; /* set for notice_sent */
    int64_t due_at;        /* -1: leave as it is */
    const char *notice_text;
    const char *lang;
    const char *victim_message; /* declined: the reason, shown to the victim */
    int64_t next_check;         /* -1: leave, 0: none, else when the link is checked next */
    int monitor;                /* entering monitoring: the schedule starts now */
    int64_t visit_a, visit_b;   /* visit_planned: the two staff ids */
    int64_t planned_at;
    const json_t *visit_detail; /* encrypted into the visit: place, notes, statement */
    const json_t *onward;       /* recorded visit: canonical links shared onward */
    json_t *desk_content;       /* sent through the platform's desk: what it receives, else NULL */
} TransitionArgs;

static StoreStatus visit_write(StoreConn *c, TransitionArgs *a)
{
    CwLoaded *l = a->l;
    StoreStatus st = STORE_OK;
    if (!strcmp(a->to, STATE_VISIT_PLANNED)) {
        Buf ph = {0};
        buf_putc(&ph, 0);
        int64_t id = 0;
        st = store_visit_insert(c, l->target.id, l->row.id, a->planned_at, a->visit_a, a->visit_b,
                                &ph, &id);
        buf_free(&ph);
        return st == STORE_OK ? caselog_seal_json(c, l->key, SEALED_VISIT_BODY, id, a->visit_detail)
                              : st;
    }
    if (strcmp(l->target.state, STATE_VISIT_PLANNED) != 0)
        return STORE_OK;
    /* Leaving visit_planned: the visit's outcome and what the team noted. */
    VisitRow v = {0};
    st = store_visit_latest(c, l->target.id, &v);
    if (st == STORE_OK) {
        json_t *body = sealed_open_json_id(l->key, "visits", "body", v.id, &v.body);
        if (!body)
            body = json_object();
        const char *k;
        json_t *val;
        json_object_foreach((json_t *)a->visit_detail, k, val) json_object_set(body, k, val);
        st = caselog_seal_json(c, l->key, SEALED_VISIT_BODY, v.id, body);
        json_decref(body);
        if (st == STORE_OK)
            st = store_visit_record(c, v.id, a->to, a->now);
    } else if (st == STORE_NOT_FOUND) {
        st = STORE_OK;
    }
    buf_free(&v.body);
    return st;
}

/* Copies the holder had already shared onward: each becomes an online target linked to this one. */
static StoreStatus onward_write(StoreConn *c, TransitionArgs *a)
{
    CwLoaded *l = a->l;
    size_t i;
    json_t *link;
    char actor[80];
    cw_actor_of(a->s, actor);
    json_array_foreach((json_t *)a->onward, i, link)
    {
        Buf ph = {0};
        buf_putc(&ph, 0);
        int64_t id = 0;
        StoreStatus st = store_target_insert_child(
            c, l->row.id, l->target.id, json_string_value(json_object_get(link, "platform")), &ph,
            a->now, &id);
        buf_free(&ph);
        if (st != STORE_OK)
            return st;
        st = caselog_seal_json(c, l->key, SEALED_TARGET_BODY, id, link);
        if (st == STORE_OK)
            st = store_event_insert(c, l->row.id, id, a->now, actor, "target.onward", NULL,
                                    STATE_REPORTED, NULL);
        if (st != STORE_OK)
            return st;
    }
    return STORE_OK;
}

StoreStatus cw_move(StoreConn *c, const CwMove *m)
{
    StoreStatus st = m->due_at >= 0
                         ? store_target_move_clocked(c, m->target_id, m->from, m->to, m->now,
                                                     m->route, m->due_at)
                         : store_target_set_state(c, m->target_id, m->from, m->to, m->now);
    if (st != STORE_OK)
        return st;
    if (!strcmp(m->to, STATE_REMOVED) || !strcmp(m->to, STATE_RESTRICTED) ||
        !strcmp(m->to, STATE_REJECTED))
        if ((st = store_target_set_decision(c, m->target_id, m->now)) != STORE_OK)
            return st;
    if (m->monitor)
        return store_target_set_monitor(c, m->target_id, m->now,
                                        checker_next_monitor(m->now, m->now));
    return m->next_check >= 0 ? store_target_set_check(c, m->target_id, m->next_check, 0)
                              : STORE_OK;
}

void cw_platform_clocks(const char *to, int64_t now, int64_t *due_at, int64_t *next_check)
{
    *due_at = 0;
    *next_check = 0;
    if (!strcmp(to, STATE_ACKNOWLEDGED))
        *due_at = -1, *next_check = -1; /* the platform's clock runs on */
    else if (!strcmp(to, STATE_REMOVED))
        *next_check = now + 3600; /* verify that it is really gone */
}

/* One transaction per move: the copy, its notice and visit, the event, the audit entry. */
static StoreStatus transition_tx(StoreConn *c, void *arg)
{
    TransitionArgs *a = arg;
    CwLoaded *l = a->l;
    char actor[80];
    cw_actor_of(a->s, actor);
    StoreStatus st = cw_case_workable(c, l->row.id);
    const char *route = a->route ? a->route->id : (l->target.route[0] ? l->target.route : NULL);
    CwMove m = {l->target.id, l->target.state, a->to,         route,
                a->now,       a->due_at,       a->next_check, a->monitor};
    if (st == STORE_OK)
        st = cw_move(c, &m);
    if (st != STORE_OK)
        return st;
    if ((st = visit_write(c, a)) != STORE_OK || (st = onward_write(c, a)) != STORE_OK)
        return st;
    json_t *detail = json_object();
    const char *keep[] = {"reason", "ticket", "channel", "route", NULL};
    for (int i = 0; keep[i]; i++)
        if (cw_field_text(a->fields, keep[i]))
            json_object_set_new(detail, keep[i], json_string(cw_field_text(a->fields, keep[i])));
    if (a->notice_text) {
        /* The notice as sent, with how and the platform's ticket id. */
        json_t *sent = json_pack("{s:s, s:s?, s:s?}", "text", a->notice_text, "channel",
                                 cw_field_text(a->fields, "channel"), "ticket",
                                 cw_field_text(a->fields, "ticket"));
        Buf ph = {0};
        buf_putc(&ph, 0);
        int64_t nid = 0;
        st = store_notice_insert(c, l->target.id, l->row.id, a->route->id, a->lang, a->now,
                                 a->due_at, a->s->staff_id, &ph, &nid);
        buf_free(&ph);
        if (st == STORE_OK) {
            st = caselog_seal_json(c, l->key, SEALED_NOTICE_BODY, nid, sent);
            json_object_set_new(detail, "notice", json_integer(nid));
        }
        if (st == STORE_OK && a->desk_content)
            st = desk_notice_send(c, l->target.platform, nid, l->target.id, a->route->id, a->now,
                                  a->desk_content);
        json_decref(sent);
    }
    if (st == STORE_OK && a->victim_message)
        st = caselog_message(c, l->key, l->row.id, "staff", a->s->staff_id, a->victim_message,
                             a->now);
    if (st == STORE_OK)
        st = caselog_event(c, l->key, l->row.id, l->target.id, a->now, actor, "target.transition",
                           l->target.state, a->to, detail);
    json_decref(detail);
    if (st != STORE_OK)
        return st;
    if ((st = store_case_touch(c, l->row.id, a->now)) != STORE_OK ||
        (st = cw_retention_update(c, l->row.id, a->now)) != STORE_OK)
        return st;
    char what[96];
    snprintf(what, sizeof what, "target %lld %s -> %s", (long long)l->target.id, l->target.state,
             a->to);
    return store_audit_append(c, a->now, actor, "target.transition", l->row.id, what);
}

/* The caseworker chose to send through the platform's desk (its machine channel). */
static int desk_channel(const json_t *fields)
{
    const char *ch = cw_field_text(fields, "channel");
    return ch && strcmp(ch, DESK_CHANNEL) == 0;
}

/* What the platform's desk receives: the copy's link, the route and the notice text (which holds
 * the route's elements, the identity only as the victim consented, never their contact details);
 * the transaction numbers it at the desk and seals it to the desk's key (desk_notice_send).
 * CW_INVALID (field channel) when the platform has no live desk. */
static CaseworkResult desk_prepare(StoreConn *c, CwLoaded *l, const RouteRow *route,
                                   const char *text, int64_t now, TransitionArgs *a, json_t *detail)
{
    DeskResult d = desk_live(c, l->target.platform);
    if (d == DESK_NOT_FOUND) {
        json_object_set_new(detail, "field", json_string("channel"));
        return CW_INVALID;
    }
    if (d != DESK_OK)
        return CW_ERROR;
    a->desk_content = json_pack("{s:s, s:s, s:O?, s:O?, s:s, s:I}", "platform", l->target.platform,
                                "route", route->id, "url", json_object_get(l->target_body, "url"),
                                "canonical", json_object_get(l->target_body, "canonical"), "notice",
                                text, "sent_at", (json_int_t)now);
    return CW_OK;
}

/* "2026-12-01 14:30" or "2026-12-01T14:30" in China time (UTC+8) to seconds; -1 if malformed. */
static int64_t parse_local_time(const char *s)
{
    int y, mo, d, h, mi;
    char sep, tail;
    if (!s || strlen(s) != 16 ||
        sscanf(s, "%4d-%2d-%2d%c%2d:%2d%c", &y, &mo, &d, &sep, &h, &mi, &tail) != 6 ||
        (sep != ' ' && sep != 'T') || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
        y < 2000 || y > 2200)
        return -1;
    for (int i = 0; i < 16; i++)
        if (i != 4 && i != 7 && i != 10 && i != 13 && (s[i] < '0' || s[i] > '9'))
            return -1;
    struct tm tm = {
        .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};
    return (int64_t)timegm(&tm) - 8 * 3600;
}

/* Planning a visit: a time, a place, exactly two different staff members. */
static CaseworkResult visit_plan(StoreConn *c, const json_t *fields, int64_t now, TransitionArgs *a,
                                 json_t *visit, json_t *detail)
{
    const char *when = cw_field_text(fields, "planned_at"), *place = cw_field_text(fields, "place");
    const char *sa = cw_field_text(fields, "staff_a"), *sb = cw_field_text(fields, "staff_b");
    const char *bad = NULL;
    int64_t planned = parse_local_time(when);
    if (planned < 0)
        bad = "planned_at";
    else if (!place)
        bad = "place";
    else if (!sa || !(a->visit_a = staff_id_of(sa)))
        bad = "staff_a";
    else if (!sb || !(a->visit_b = staff_id_of(sb)) || a->visit_a == a->visit_b)
        bad = "staff_b"; /* evidence rules need two different people */
    if (!bad) {
        StaffRow ra = {0}, rb = {0};
        store_staff_by_id(c, a->visit_a, &ra);
        store_staff_by_id(c, a->visit_b, &rb);
        if (ra.disabled || !strcmp(ra.role, "auditor"))
            bad = "staff_a";
        else if (rb.disabled || !strcmp(rb.role, "auditor"))
            bad = "staff_b";
        staff_row_free(&ra);
        staff_row_free(&rb);
    }
    if (bad) {
        json_object_set_new(detail, "field", json_string(bad));
        return CW_INVALID;
    }
    (void)now;
    a->planned_at = planned;
    a->due_at = planned; /* the visit is due when it was planned for */
    json_object_set_new(visit, "place", json_string(place));
    json_object_set_new(visit, "planned", json_string(when));
    return CW_OK;
}

/* Recording a visit: notes, the voluntary statement, links already shared onward. */
static CaseworkResult visit_outcome(const json_t *fields, json_t *visit, json_t *onward,
                                    json_t *detail)
{
    if (cw_field_text(fields, "reason"))
        json_object_set_new(visit, "notes", json_string(cw_field_text(fields, "reason")));
    const char *stmt = cw_field_text(fields, "statement");
    json_object_set_new(visit, "statement",
                        json_boolean(stmt && (!strcmp(stmt, "yes") || !strcmp(stmt, "on"))));
    const char *links = cw_field_text(fields, "onward");
    if (!links)
        return CW_OK;
    char *copy = xstrdup(links), *save = NULL;
    CaseworkResult r = CW_OK;
    LinkInfo *li = xcalloc(1, sizeof *li);
    for (char *line = strtok_r(copy, "\r\n", &save); line && r == CW_OK;
         line = strtok_r(NULL, "\r\n", &save)) {
        if (strspn(line, " \t") == strlen(line))
            continue;
        if (link_canonicalize(line, li) != LINK_OK || json_array_size(onward) >= 20) {
            json_object_set_new(detail, "field", json_string("onward"));
            r = CW_INVALID;
            break;
        }
        json_array_append_new(onward,
                              json_pack("{s:s, s:s, s:s, s:s, s:s}", "kind", TARGET_KIND_ONLINE,
                                        "url", line, "canonical", li->canonical, "host", li->host,
                                        "platform", li->platform));
    }
    free(li);
    free(copy);
    return r;
}

CaseworkResult casework_transition(const Session *s, int64_t target_id, const char *to,
                                   const json_t *fields, int64_t now, json_t *detail)
{
    if (!cw_can_open(s))
        return CW_FORBIDDEN;
    if (!to || !states_known(to)) {
        json_object_set_new(detail, "field", json_string("to"));
        return CW_INVALID;
    }
    if (fields && !fields_valid(fields, detail))
        return CW_INVALID;
    StoreConn *c = store_conn();
    if (!c)
        return CW_ERROR;
    CwLoaded l;
    CaseworkResult r = cw_load_target(c, s, target_id, &l);
    if (r != CW_OK) {
        cw_loaded_free(&l);
        return r;
    }
    if (!states_move_allowed(l.target.kind, l.target.state, to, l.row.withdrawn_at != 0)) {
        if (l.row.withdrawn_at) /* the victim withdrew: no copy of the case moves any more */
            json_object_set_new(detail, "withdrawn", json_true());
        json_object_set_new(detail, "from", json_string(l.target.state));
        json_object_set_new(detail, "to", json_string(to));
        cw_loaded_free(&l);
        return CW_CONFLICT;
    }
    TransitionArgs a = {.s = s,
                        .l = &l,
                        .to = to,
                        .fields = fields,
                        .now = now,
                        .due_at = 0,     /* a clock runs only where a state starts one */
                        .next_check = 0, /* likewise the link checks */
                        .lang = l.row.language};
    RouteRow route;
    PlatformRow platform;
    char *text = NULL;
    json_t *visit = json_object(), *onward = json_array();
    a.visit_detail = visit;
    a.onward = onward;
    if (!strcmp(to, STATE_NOTICE_SENT) || !strcmp(to, STATE_READY)) {
        r = pick_route(c, &l, fields, &route, &platform, detail);
        a.route = &route;
    }
    if (r == CW_OK && !strcmp(to, STATE_NOTICE_SENT)) {
        json_t *missing = json_array();
        text = build_notice(&l, &route, &platform, l.row.language, fields, now, missing);
        if (!text) {
            json_object_set_new(detail, "missing", missing);
            r = CW_MISSING;
        } else {
            json_decref(missing);
            int hours = platform.clock_hours >= 0 && !cw_field_text(fields, "route")
                            ? platform.clock_hours
                            : route.clock_hours;
            a.due_at = now + (int64_t)hours * 3600;
            a.next_check = a.due_at + 3600; /* the checker looks an hour after the deadline */
            a.notice_text = text;
            if (desk_channel(fields))
                r = desk_prepare(c, &l, &route, text, now, &a, detail);
        }
    }
    if (r == CW_OK && (!strcmp(to, STATE_ACKNOWLEDGED) || !strcmp(to, STATE_REMOVED)))
        cw_platform_clocks(to, now, &a.due_at, &a.next_check);
    if (r == CW_OK && !strcmp(to, STATE_MONITORING))
        a.monitor = 1;
    if (r == CW_OK && (!strcmp(to, STATE_COUNTER_NOTICED) ||
                       (!strcmp(to, STATE_IN_REVIEW) && states_kind_offline(l.target.kind)))) {
        RouteRow clock;
        const char *which = !strcmp(to, STATE_COUNTER_NOTICED) ? "counter_notice" : "offline_visit";
        a.due_at = now + (store_route_get(c, which, &clock) == STORE_OK ? clock.clock_hours : 24) *
                             (int64_t)3600;
    }
    if (r == CW_OK && !strcmp(to, STATE_VISIT_PLANNED))
        r = visit_plan(c, fields, now, &a, visit, detail);
    if (r == CW_OK && !strcmp(l.target.state, STATE_VISIT_PLANNED))
        r = visit_outcome(fields, visit, onward, detail);
    if (r == CW_OK && !strcmp(to, STATE_DECLINED)) {
        a.victim_message = cw_field_text(fields, "reason");
        if (!a.victim_message) {
            json_object_set_new(detail, "field", json_string("reason"));
            r = CW_INVALID;
        }
    }
    if (r == CW_OK)
        r = cw_from_store(store_tx(transition_tx, &a));
    if (text) {
        vault_wipe(text, strlen(text));
        free(text);
    }
    json_decref(a.desk_content); /* Jansson's memory is wiped when freed (harden.c) */
    json_decref(visit);
    json_decref(onward);
    cw_loaded_free(&l);
    return r;
}

CaseworkResult casework_notice(const Session *s, int64_t target_id, const char *lang,
                               const json_t *fields, int64_t now, json_t **out)
{
    StoreConn *c;
    CwLoaded l;
    CaseworkResult r = cw_load_kind(s, target_id, 0, &c, &l);
    json_t *detail = json_object();
    RouteRow route;
    PlatformRow platform;
    if (r == CW_OK)
        r = pick_route(c, &l, fields, &route, &platform, detail);
    if (r == CW_OK) {
        const char *use = lang ? lang : l.row.language;
        json_t *missing = json_array();
        char *text = build_notice(&l, &route, &platform, use, fields, now, missing);
        CwNoticeArgs na = {l.key, json_array()};
        store_notices_of_target(c, target_id, cw_add_notice, &na);
        *out = json_pack("{s:I, s:s, s:s, s:s, s:o, s:o}", "target", (json_int_t)target_id, "route",
                         route.id, "language", use, "channel", platform.channel, "missing", missing,
                         "sent", na.list);
        json_object_set_new(*out, "text", text ? json_string(text) : json_null());
        if (text) {
            vault_wipe(text, strlen(text));
            free(text);
        }
        char actor[80];
        cw_actor_of(s, actor);
        char what[48];
        snprintf(what, sizeof what, "notice preview, target %lld", (long long)target_id);
        /* A preview shows case content: it is a view like any other. */
        staff_audit(actor, "case.view", l.row.id, what, now);
    }
    json_decref(detail);
    cw_loaded_free(&l);
    return r;
}
