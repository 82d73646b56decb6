/* Translations: one flat JSON object per supported language, loaded from the embedded
 * i18n/<lang>.json at start and read-only afterwards, so lookups from many threads need no lock.
 * The only shared mutable state is the set of missing keys already warned about. */
#include "i18n.h"

#include "assets.h"
#include "buf.h"
#include "log.h"

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Accept-Language items looked at; the rest are ignored, to bound the work a header can cause. */
#define I18N_MAX_ITEMS 64
/* Missing keys remembered as warned; past that they are warned about each time (never expected:
 * keys come from templates, a fixed set). */
#define I18N_MAX_WARNED 1024
/* Longest language tag accepted; BCP 47 tags in practice stay well below. */
#define I18N_MAX_TAG 35

enum { I18N_ZH, I18N_EN, I18N_NLANGS };
/* Index I18N_ZH is the default and the fallback. */
static const char *const i18n_names[I18N_NLANGS] = {I18N_DEFAULT, "en"};

/* Owned; key -> string; written by init and i18n_add before serving only. */
static json_t *i18n_tables[I18N_NLANGS];

static pthread_mutex_t i18n_warned_lock = PTHREAD_MUTEX_INITIALIZER;
static json_t *i18n_warned; /* owned, guarded by i18n_warned_lock: missing keys already logged */

/* ---- Language tags --------------------------------------------------------------------- */

static bool i18n_is_alnum(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

static char i18n_lower(char ch)
{
    return (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
}

/* The language a tag of n bytes names: "zh" or "en", optionally followed by subtags of 1 to 8
 * letters or digits ("zh-Hans-CN", "en-US"); -1 for anything else. Every Chinese variant maps
 * to zh-CN, the only Chinese there is. */
static int i18n_match(const char *s, size_t n)
{
    if (n < 2 || n > I18N_MAX_TAG)
        return -1;
    int lang;
    if (i18n_lower(s[0]) == 'z' && i18n_lower(s[1]) == 'h')
        lang = I18N_ZH;
    else if (i18n_lower(s[0]) == 'e' && i18n_lower(s[1]) == 'n')
        lang = I18N_EN;
    else
        return -1;
    size_t sub = 0; /* length of the current subtag */
    for (size_t i = 2; i < n; i++) {
        if (s[i] == '-') {
            if (i > 2 && sub == 0) /* "--" */
                return -1;
            sub = 0;
        } else if (i18n_is_alnum(s[i]) && i > 2 && ++sub <= 8) {
            continue;
        } else {
            return -1; /* "zhx", a bad character, or a subtag too long */
        }
    }
    return (n == 2 || sub > 0) ? lang : -1; /* no trailing '-' */
}

const char *i18n_supported(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strnlen(s, I18N_MAX_TAG + 1);
    int lang = i18n_match(s, n);
    return lang < 0 ? NULL : i18n_names[lang];
}

/* ---- Accept-Language ------------------------------------------------------------------- */

static bool i18n_is_ows(char ch)
{
    return ch == ' ' || ch == '\t';
}

/* An RFC 9110 qvalue ("0", "0.5", "1.000") in thousandths, or -1 when malformed. */
static int i18n_qvalue(const char *s, size_t n)
{
    if (n == 0 || (s[0] != '0' && s[0] != '1'))
        return -1;
    int q = (s[0] - '0') * 1000;
    if (n == 1)
        return q;
    if (s[1] != '.' || n > 5)
        return -1;
    int scale = 100;
    for (size_t i = 2; i < n; i++, scale /= 10) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        q += (s[i] - '0') * scale;
    }
    return q > 1000 ? -1 : q;
}

/* Parses one item "range *(OWS ; OWS param)" of n bytes; false when it is empty or malformed. */
static bool i18n_parse_item(const char *s, size_t n, const char **range, size_t *range_len, int *q)
{
    size_t i = 0;
    while (i < n && i18n_is_ows(s[i]))
        i++;
    size_t start = i;
    while (i < n && s[i] != ';' && !i18n_is_ows(s[i]))
        i++;
    *range = s + start;
    *range_len = i - start;
    *q = 1000;
    if (*range_len == 0)
        return false;
    for (;;) {
        while (i < n && i18n_is_ows(s[i]))
            i++;
        if (i == n)
            return true;
        if (s[i] != ';')
            return false; /* junk after the range */
        i++;
        while (i < n && i18n_is_ows(s[i]))
            i++;
        size_t p = i; /* one parameter, up to the next ';' or the end, blanks trimmed */
        while (i < n && s[i] != ';')
            i++;
        size_t end = i;
        while (end > p && i18n_is_ows(s[end - 1]))
            end--;
        if (end - p >= 2 && i18n_lower(s[p]) == 'q' && s[p + 1] == '=') {
            *q = i18n_qvalue(s + p + 2, end - p - 2);
            if (*q < 0)
                return false;
        } else if (end > p && !memchr(s + p, '=', end - p)) {
            return false; /* a parameter is name=value */
        } /* other parameters mean nothing for languages, and empty ones nothing at all */
    }
}

/* The best supported language in an Accept-Language header, or -1 when none is acceptable. */
static int i18n_best(const char *header)
{
    /* Per language the highest q of the items naming it (0: named but refused; -1: not named)
     * and the position of that item. */
    int q[I18N_NLANGS], pos[I18N_NLANGS];
    int star_q = -1, star_pos = 0; /* the "*" item, for the languages not named */
    for (int l = 0; l < I18N_NLANGS; l++)
        q[l] = pos[l] = -1;

    const char *p = header;
    for (int item = 0; item < I18N_MAX_ITEMS; item++) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        const char *range;
        size_t range_len;
        int iq;
        if (i18n_parse_item(p, n, &range, &range_len, &iq)) {
            int lang = i18n_match(range, range_len);
            if (range_len == 1 && range[0] == '*') {
                if (iq > star_q)
                    star_q = iq, star_pos = item;
            } else if (lang >= 0 && iq > q[lang]) {
                q[lang] = iq, pos[lang] = item;
            }
        }
        if (!comma)
            break;
        p = comma + 1;
    }

    int best = -1;
    for (int l = 0; l < I18N_NLANGS; l++) {
        if (q[l] < 0 && star_q > 0) /* "*" covers what was not named */
            q[l] = star_q, pos[l] = star_pos;
        if (q[l] <= 0)
            continue;
        /* Highest q wins; on a tie the earlier item, then the default language. */
        if (best < 0 || q[l] > q[best] || (q[l] == q[best] && pos[l] < pos[best]))
            best = l;
    }
    return best;
}

const char *i18n_negotiate(const char *choice, const char *accept_language)
{
    const char *lang = i18n_supported(choice);
    if (lang)
        return lang;
    int best = accept_language ? i18n_best(accept_language) : -1;
    return best < 0 ? I18N_DEFAULT : i18n_names[best];
}

/* ---- Tables ---------------------------------------------------------------------------- */

/* A flat object of strings, or NULL after logging why not. */
static json_t *i18n_load(const Asset *a)
{
    json_error_t e;
    json_t *t = json_loadb((const char *)a->data, a->len, JSON_REJECT_DUPLICATES, &e);
    if (!t) {
        log_errorx("%s line %d: %s", a->path, e.line, e.text);
        return NULL;
    }
    if (!json_is_object(t)) {
        log_errorx("%s: not a JSON object", a->path);
        json_decref(t);
        return NULL;
    }
    const char *key;
    json_t *v;
    json_object_foreach(t, key, v)
    {
        if (!json_is_string(v)) {
            log_errorx("%s: the value of %s is not a string", a->path, key);
            json_decref(t);
            return NULL;
        }
    }
    return t;
}

int i18n_init(void)
{
    i18n_shutdown(); /* start afresh, so init can run again */
    for (int l = 0; l < I18N_NLANGS; l++) {
        Buf path = {0};
        buf_printf(&path, "i18n/%s.json", i18n_names[l]);
        const Asset *a = assets_find(path.data);
        if (!a && l == I18N_ZH) {
            log_errorx("%s is not embedded; it is the default language", path.data);
            buf_free(&path);
            i18n_shutdown();
            return -1;
        }
        if (!a)
            log_warnx("%s is not embedded; %s text is used instead", path.data, I18N_DEFAULT);
        buf_free(&path);
        if (a && !(i18n_tables[l] = i18n_load(a))) {
            i18n_shutdown();
            return -1;
        }
    }
    for (const Asset *a = assets_all(); a->path; a++) { /* a file no one will ever read */
        if (strncmp(a->path, "i18n/", 5) != 0)
            continue;
        bool known = false;
        for (int l = 0; l < I18N_NLANGS; l++) {
            size_t n = strlen(i18n_names[l]);
            known |= strncmp(a->path + 5, i18n_names[l], n) == 0 &&
                     strcmp(a->path + 5 + n, ".json") == 0;
        }
        if (!known)
            log_warnx("%s: not a supported language; ignored", a->path);
    }
    return 0;
}

void i18n_shutdown(void)
{
    for (int l = 0; l < I18N_NLANGS; l++) {
        json_decref(i18n_tables[l]);
        i18n_tables[l] = NULL;
    }
    pthread_mutex_lock(&i18n_warned_lock);
    json_decref(i18n_warned);
    i18n_warned = NULL;
    pthread_mutex_unlock(&i18n_warned_lock);
}

int i18n_add(const char *lang, const char *key, const char *text)
{
    int l = lang ? i18n_match(lang, strnlen(lang, I18N_MAX_TAG + 1)) : -1;
    if (l < 0 || !key || !text)
        return -1;
    json_t *s = json_string(text); /* NULL when not UTF-8 */
    if (!s)
        return -1;
    if (!i18n_tables[l])
        i18n_tables[l] = json_object();
    return json_object_set_new(i18n_tables[l], key, s) == 0 ? 0 : -1;
}

/* Logs a missing key the first time only, so a page viewed often does not flood the log. */
static void i18n_warn_missing(const char *key)
{
    pthread_mutex_lock(&i18n_warned_lock);
    if (!i18n_warned)
        i18n_warned = json_object();
    bool first = !i18n_warned || !json_object_get(i18n_warned, key);
    if (first && i18n_warned && json_object_size(i18n_warned) < I18N_MAX_WARNED)
        json_object_set_new(i18n_warned, key, json_true());
    pthread_mutex_unlock(&i18n_warned_lock);
    if (first)
        log_warnx("no translation for %s", key);
}

static const char *i18n_lookup(int lang, const char *key)
{
    return i18n_tables[lang] ? json_string_value(json_object_get(i18n_tables[lang], key)) : NULL;
}

/* Appends n bytes of s at *at within out's size, cut where out ends (as snprintf would). */
static void i18n_put(char *out, size_t size, size_t *at, const char *s, size_t n)
{
    size_t room = size - 1 - *at;
    if (n > room)
        n = room;
    memcpy(out + *at, s, n);
    *at += n;
}

void i18n_fill(const char *text, const char *value, char *out, size_t size)
{
    if (size == 0)
        return;
    size_t at = 0;
    const char *hole = strstr(text, "{}");
    if (!hole) {
        i18n_put(out, size, &at, text, strlen(text));
    } else {
        i18n_put(out, size, &at, text, (size_t)(hole - text));
        i18n_put(out, size, &at, value, strlen(value));
        i18n_put(out, size, &at, hole + 2, strlen(hole + 2));
    }
    out[at] = '\0';
}

const char *i18n_find(const char *lang, const char *key)
{
    if (!key)
        return NULL;
    /* A request's language is one of i18n_names (i18n_negotiate): compared before parsed. */
    int l = lang == i18n_names[I18N_EN] ||
                    (lang && lang != i18n_names[I18N_ZH] &&
                     i18n_match(lang, strnlen(lang, I18N_MAX_TAG + 1)) == I18N_EN)
                ? I18N_EN
                : I18N_ZH;
    const char *text = i18n_lookup(l, key);
    if (!text && l != I18N_ZH)
        text = i18n_lookup(I18N_ZH, key);
    return text;
}

const char *i18n_get(const char *lang, const char *key)
{
    if (!key)
        return "";
    const char *text = i18n_find(lang, key);
    if (text)
        return text;
    i18n_warn_missing(key);
    return key;
}

/* ---- Times for people ------------------------------------------------------------------ */

/* China Standard Time: UTC+8 all year. */
#define I18N_UTC_OFFSET (8 * 3600)

/* The civil date of a day counted from 1970-01-01 (proleptic Gregorian, after H. Hinnant's
 * civil_from_days), by arithmetic rather than gmtime_r and strftime: a queue page formats two
 * times a row. */
static void i18n_civil(int64_t days, int64_t *y, int *m, int *d)
{
    days += 719468; /* from 0000-03-01 */
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    int64_t doe = days - era * 146097;                                   /* [0, 146096] */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365] */
    int64_t mp = (5 * doy + 2) / 153;                                    /* [0, 11], from March */
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static char *i18n_digits(char *p, int v, int width)
{
    for (int i = width - 1; i >= 0; i--, v /= 10)
        p[i] = (char)('0' + v % 10);
    return p + width;
}

/* "YYYY-MM-DD" or "YYYY-MM-DD HH:MM" in China Standard Time; years outside 0-9999 (never a
 * case's) print as strftime would, through it. */
static void i18n_strftime(int64_t t, bool with_time, char out[I18N_TIME_MAX])
{
    int64_t s = t + I18N_UTC_OFFSET;
    int64_t days = (s >= 0 ? s : s - 86399) / 86400, secs = s - days * 86400;
    int64_t y;
    int m, d;
    i18n_civil(days, &y, &m, &d);
    if (y < 0 || y > 9999) {
        time_t tt = (time_t)s;
        struct tm tm;
        if (!gmtime_r(&tt, &tm) ||
            !strftime(out, I18N_TIME_MAX, with_time ? "%Y-%m-%d %H:%M" : "%Y-%m-%d", &tm))
            out[0] = '\0';
        return;
    }
    char *p = i18n_digits(out, (int)y, 4);
    *p++ = '-';
    p = i18n_digits(p, m, 2);
    *p++ = '-';
    p = i18n_digits(p, d, 2);
    if (with_time) {
        *p++ = ' ';
        p = i18n_digits(p, (int)(secs / 3600), 2);
        *p++ = ':';
        p = i18n_digits(p, (int)(secs % 3600 / 60), 2);
    }
    *p = '\0';
}

void i18n_format_time(const char *lang, int64_t t, char out[I18N_TIME_MAX])
{
    (void)lang; /* one format today; the parameter keeps callers ready for another */
    i18n_strftime(t, true, out);
}

void i18n_format_date(const char *lang, int64_t t, char out[I18N_TIME_MAX])
{
    (void)lang;
    i18n_strftime(t, false, out);
}
