/* The notification worker. A victim who opted in gets one message, the same for everyone in both
 * languages ("there is news, open the site and enter your receipt"): nothing in it names the
 * case, the victim, the platform or what happened, and its size never changes. It goes only
 * inside the victim's safe hours (or the center's default hours), never after "do not contact" or
 * a withdrawal, and is tried again with a doubling wait until the relay takes it (or has refused
 * it five times); once sent or dropped its row goes. Staff digests go the same way. */
#include "outbox.h"

#include "casework.h"
#include "clock.h"
#include "i18n.h"
#include "hours.h"
#include "log.h"
#include "store.h"
#include "store_outbox.h"
#include "store_staff.h"
#include "vault.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define RETRY_FIRST 60       /* seconds before the first retry, doubling */
#define RETRY_MAX (6 * 3600) /* the longest wait between tries */
#define KEY_WAIT 300         /* a case the org key does not open (a rotation): look again */
#define WINDOW_POLL 900      /* outside the safe hours: look again (their start is not stored) */
#define REFUSALS_MAX 5       /* the relay refused the same message (5xx): the address is refused */
#define DAY_MINUTES (24 * 60)

static const Transport *transport;
static int default_from = 9 * 60, default_to = 20 * 60, digest_minute = 8 * 60;
static atomic_llong sent_total, failed_total, dropped_total;
/* One sender at a time (the scheduler, or a test's tick): a run may take back what another left
 * 'sending' only when none is under way. */
static pthread_mutex_t run_mu = PTHREAD_MUTEX_INITIALIZER;

void outbox_configure(const Transport *t, int hours_from, int hours_to, int digest_at)
{
    transport = t;
    default_from = hours_from;
    default_to = hours_to;
    digest_minute = digest_at;
}

int64_t outbox_recover(void)
{
    int64_t n = 0;
    StoreConn *c = store_conn();
    if (c && store_outbox_recover(c, &n) == STORE_OK && n > 0)
        log_info("outbox: %lld notification(s) interrupted by a stop will be sent again",
                 (long long)n);
    return n;
}

int64_t outbox_window_wait(int64_t now, int from, int to)
{
    time_t t = (time_t)now;
    struct tm tm;
    localtime_r(&t, &tm);
    int m = tm.tm_hour * 60 + tm.tm_min;
    int inside = from < to ? m >= from && m < to : m >= from || m < to;
    if (inside)
        return 0;
    int minutes = ((from - m) % DAY_MINUTES + DAY_MINUTES) % DAY_MINUTES;
    return (int64_t)minutes * 60 - tm.tm_sec;
}

static int64_t retry_wait(int attempts)
{
    int64_t w = RETRY_FIRST;
    for (int i = 1; i < attempts && w < RETRY_MAX; i++)
        w *= 2;
    return w < RETRY_MAX ? w : RETRY_MAX;
}

/* Why a victim is not written to, or NULL when they may be. */
static const char *not_to_contact(const CaseContact *ct)
{
    if (ct->withdrawn)
        return "withdrawn";
    if (ct->do_not_contact)
        return "do_not_contact";
    if (!ct->notify)
        return "not_opted_in";
    if (strcmp(ct->channel, "email") != 0 || !ct->address)
        return "no_address";
    return NULL;
}

/* The one message every victim gets: Chinese, then English. */
static void news_text(char *subject, size_t sn, char *body, size_t bn)
{
    snprintf(subject, sn, "%s / %s", i18n_get("zh-CN", "notify.subject"),
             i18n_get("en", "notify.subject"));
    snprintf(body, bn, "%s\r\n\r\n%s\r\n", i18n_get("zh-CN", "notify.body"),
             i18n_get("en", "notify.body"));
}

typedef struct Due {
    OutboxRow rows[64];
    int n;
} Due;

static void collect(void *arg, const OutboxRow *r)
{
    Due *d = arg;
    if (d->n < (int)(sizeof d->rows / sizeof d->rows[0]))
        d->rows[d->n++] = *r;
}

/* A failure of the relay itself (not of one message): the rest of this run waits too. */
static int relay_down(const char *err)
{
    return !strcmp(err, "connect") || !strcmp(err, "timeout") || !strcmp(err, "tls") ||
           !strcmp(err, "login");
}

/* A message the relay did not take: again later, or (refused too often) dropped. */
static void send_failed(StoreConn *c, const OutboxRow *r, const char *err, int64_t now, int news)
{
    atomic_fetch_add(&failed_total, 1);
    if (!strcmp(err, "refused") && r->attempts + 1 >= REFUSALS_MAX) {
        if (news)
            store_outbox_forget(c, r->id);
        else
            store_outbox_settle(c, r->id, "dropped", err, now);
        log_info("outbox: a %s the relay refused %d times was dropped",
                 news ? "notification" : "staff digest", REFUSALS_MAX);
        return;
    }
    int64_t wait = retry_wait(r->attempts + 1);
    store_outbox_defer(c, r->id, now + wait, err);
    log_info("outbox: a %s was not taken by the relay (%s); try %d, again in %lld s",
             news ? "notification" : "staff digest", err, r->attempts + 1, (long long)wait);
}

/* One piece of news, claimed: forgotten, deferred or sent. 1 when sent, -1 when the relay
 * itself failed. */
static int send_news(StoreConn *c, const unsigned char *org_key, const OutboxRow *r, int64_t now)
{
    CaseContact ct;
    CaseworkResult cr = casework_contact_open(org_key, r->case_id, &ct);
    int sent = 0;
    const char *why = cr == CW_OK ? not_to_contact(&ct) : NULL;
    if (cr == CW_NOT_FOUND)
        store_outbox_forget(c, r->id);
    else if (cr != CW_OK)
        store_outbox_defer(c, r->id, now + KEY_WAIT, "");
    else if (why) {
        store_outbox_forget(c, r->id);
        atomic_fetch_add(&dropped_total, 1);
    } else {
        int from = default_from, to = default_to;
        hours_range(ct.safe_hours, &from, &to); /* else the center's hours */
        /* The hours again at the moment of sending: a run behind a slow relay takes time. */
        int64_t wait = outbox_window_wait(clock_now(), from, to);
        char subject[256], body[1024], err[64] = "";
        news_text(subject, sizeof subject, body, sizeof body);
        OutMessage m = {ct.address, r->msgid, subject, body, (long long)now};
        if (wait > 0)
            store_outbox_defer(c, r->id, now + (wait < WINDOW_POLL ? wait : WINDOW_POLL), "");
        else if (transport->send(transport, &m, err, sizeof err) == 0) {
            store_outbox_forget(c, r->id);
            atomic_fetch_add(&sent_total, 1);
            sent = 1;
        } else {
            send_failed(c, r, err, now, 1);
            sent = relay_down(err) ? -1 : 0;
        }
    }
    if (cr == CW_OK)
        case_contact_free(&ct);
    return sent;
}

/* Takes back rows a refused settle left 'sending' (no send is under way: run_mu is held). */
static void take_back(StoreConn *c)
{
    int64_t n = 0;
    if (store_outbox_recover(c, &n) == STORE_OK && n > 0)
        log_warnx("%lld notification(s) left half-sent (the disk refused their outcome) will be "
                  "sent again",
                  (long long)n);
}

int outbox_run(const unsigned char *org_key, int64_t now, int limit)
{
    StoreConn *c = store_conn();
    if (!c || !transport || limit < 1 || pthread_mutex_trylock(&run_mu) != 0)
        return 0;
    take_back(c);
    Due due = {.n = 0};
    int sent = 0;
    if (store_outbox_due(c, "victim.news", now, limit > 64 ? 64 : limit, collect, &due) == STORE_OK)
        for (int i = 0; i < due.n; i++) {
            if (store_outbox_claim(c, due.rows[i].id) != STORE_OK)
                continue;
            int r = send_news(c, org_key, &due.rows[i], now);
            if (r < 0)
                break; /* the relay is down: the others stay pending, untried */
            sent += r;
        }
    pthread_mutex_unlock(&run_mu);
    return sent;
}

/* ---- the staff digest ---- */

#define DIGEST_LINES 200 /* case references in one digest, at most; the rest as a count */

typedef struct Digest {
    Buf body;
    char what[16];
    int lines, more;
} Digest;

static void digest_line(void *arg, const char *what, const char *case_id, int64_t n)
{
    Digest *d = arg;
    if (strcmp(d->what, what) != 0) {
        char key[32];
        snprintf(key, sizeof key, "digest.%s", what);
        buf_printf(&d->body, "%s%s / %s:\r\n", d->what[0] ? "\r\n" : "", i18n_get("zh-CN", key),
                   i18n_get("en", key));
        snprintf(d->what, sizeof d->what, "%s", what);
    }
    if (d->lines >= DIGEST_LINES) {
        d->more++;
        return;
    }
    d->lines++;
    if (strcmp(what, "risk") == 0)
        buf_printf(&d->body, "  %s\r\n", case_id);
    else
        buf_printf(&d->body, "  %s (%lld)\r\n", case_id, (long long)n);
}

/* The local day of now as YYYY-MM-DD, its minute, and when it ends. */
static int64_t local_day(int64_t now, char day[11], int *minute)
{
    time_t t = (time_t)now;
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(day, 11, "%Y-%m-%d", &tm);
    *minute = tm.tm_hour * 60 + tm.tm_min;
    tm.tm_mday++;
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    tm.tm_isdst = -1;
    return (int64_t)mktime(&tm);
}

static void queue_digest(void *arg, int64_t staff_id)
{
    const OutboxRow *today = arg;
    store_outbox_digest(store_conn(), staff_id, today->day, today->created_at);
}

static int send_digest(StoreConn *c, const OutboxRow *r, int64_t now)
{
    char to[256], day[11];
    int minute;
    int64_t day_end = local_day(now, day, &minute);
    Digest d = {.body = {0}, .what = ""};
    if (store_digest_address(c, r->staff_id, to, sizeof to) != STORE_OK ||
        store_digest_lines(c, r->staff_id, now, day_end, now - 86400, digest_line, &d) !=
            STORE_OK) {
        store_outbox_defer(c, r->id, now + retry_wait(r->attempts + 1), "store");
        buf_free(&d.body);
        return 0;
    }
    int sent = 0;
    if (strcmp(r->day, day) != 0) /* a day that has passed: its counts would be today's */
        store_outbox_settle(c, r->id, "dropped", "stale", now);
    else if (!to[0])
        store_outbox_settle(c, r->id, "dropped", "no_address", now);
    else if (!d.lines)
        store_outbox_settle(c, r->id, "dropped", "empty", now);
    else {
        if (d.more)
            buf_printf(&d.body, "\r\n+%d\r\n", d.more);
        buf_putc(&d.body, '\0');
        char subject[256], err[64] = "";
        snprintf(subject, sizeof subject, "%s / %s %s", i18n_get("zh-CN", "digest.subject"),
                 i18n_get("en", "digest.subject"), r->day);
        OutMessage m = {to, r->msgid, subject, (const char *)d.body.data, (long long)now};
        if (transport->send(transport, &m, err, sizeof err) == 0) {
            store_outbox_settle(c, r->id, "sent", NULL, now);
            atomic_fetch_add(&sent_total, 1);
            sent = 1;
        } else {
            send_failed(c, r, err, now, 0);
            sent = relay_down(err) ? -1 : 0;
        }
    }
    buf_free(&d.body);
    return sent;
}

int outbox_run_digests(int64_t now, int limit)
{
    StoreConn *c = store_conn();
    if (!c || !transport || limit < 1 || pthread_mutex_trylock(&run_mu) != 0)
        return 0;
    take_back(c);
    OutboxRow today = {.created_at = now};
    int minute;
    local_day(now, today.day, &minute);
    if (minute >= digest_minute) {
        store_digest_recipients(c, queue_digest, &today);
        store_outbox_purge_digests(c, today.day);
    }
    Due due = {.n = 0};
    int sent = 0;
    if (store_outbox_due(c, "staff.digest", now, limit > 64 ? 64 : limit, collect, &due) ==
        STORE_OK)
        for (int i = 0; i < due.n; i++) {
            if (store_outbox_claim(c, due.rows[i].id) != STORE_OK)
                continue;
            int r = send_digest(c, &due.rows[i], now);
            if (r < 0)
                break;
            sent += r;
        }
    pthread_mutex_unlock(&run_mu);
    return sent;
}

void outbox_metrics(Buf *out)
{
    OutboxCounts n = {.pending = -1};
    StoreConn *c = store_conn();
    if (c && store_outbox_counts(c, clock_now(), &n) != STORE_OK)
        n.pending = n.oldest_age = -1;
    buf_printf(out,
               "# HELP takedown_outbox_depth Notifications not yet sent (waiting for safe hours, "
               "a retry or the org key; -1: the database did not answer).\n"
               "# TYPE takedown_outbox_depth gauge\ntakedown_outbox_depth %lld\n"
               "# HELP takedown_outbox_oldest_seconds How long the oldest unsent notification "
               "has waited.\n"
               "# TYPE takedown_outbox_oldest_seconds gauge\ntakedown_outbox_oldest_seconds %lld\n"
               "# HELP takedown_outbox_sent_total Notifications the relay took.\n"
               "# TYPE takedown_outbox_sent_total counter\ntakedown_outbox_sent_total %lld\n"
               "# HELP takedown_outbox_failures_total Attempts the relay refused or that failed "
               "(each is tried again later).\n"
               "# TYPE takedown_outbox_failures_total counter\n"
               "takedown_outbox_failures_total %lld\n"
               "# HELP takedown_outbox_dropped_total Notifications not sent by the victim's "
               "choice (not opted in, do not contact, withdrawn, no address).\n"
               "# TYPE takedown_outbox_dropped_total counter\n"
               "takedown_outbox_dropped_total %lld\n",
               (long long)n.pending, (long long)n.oldest_age, (long long)atomic_load(&sent_total),
               (long long)atomic_load(&failed_total), (long long)atomic_load(&dropped_total));
}
