/* Strict HTTP (RFC 9110, RFC 9112): one way to read each request's length, its target and its
 * header fields, or a 400 before any handler runs. */
#include "http_strict.h"

#include <string.h>
#include <strings.h>

#define STRICT_BAD 400

/* What the header fields say about framing, counted over every line. */
typedef struct Framing {
    size_t content_length; /* lines of each */
    size_t transfer_encoding;
    size_t host;
    int te_is_chunked; /* the (only) Transfer-Encoding is exactly "chunked" */
} Framing;

static int is_ctl(unsigned char c)
{
    return c < 0x20 || c == 0x7f;
}

static int is_tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* The target has no blank or control byte, and its path, percent-decoded once as the router sees
 * it, has no control character either: "%00" would cut the path short ("/x.json%00.html"). */
static const char *target_problem(const char *target)
{
    const unsigned char *p = (const unsigned char *)target;
    int in_path = 1;
    for (; *p; p++) {
        if (*p <= ' ' || *p == 0x7f)
            return "blank or control byte in the request target";
        if (*p == '?' || *p == '#')
            in_path = 0;
        if (in_path && *p == '%' && hex_value(p[1]) >= 0 && hex_value(p[2]) >= 0 &&
            is_ctl((unsigned char)(hex_value(p[1]) * 16 + hex_value(p[2]))))
            return "control character in the decoded path";
    }
    return NULL;
}

static int name_is(const HttpField *f, const char *name)
{
    size_t n = strlen(name);
    return f->name_len == n && strncasecmp(f->name, name, n) == 0;
}

static int all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return n > 0;
}

/* uri-host [":" port] (RFC 3986 3.2.2): a name, an IPv4 or a bracketed IPv6 address. */
static int host_is_valid(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 (c && strchr("-._~!$&'()*+,;=:[]%", c));
        if (!ok)
            return 0;
    }
    return n > 0;
}

/* A field's own problem: its name is not a token (a blank before the colon: "Transfer-Encoding :"
 * is another name to us than to a lenient proxy), or its value holds a control character other
 * than a tab. */
static const char *field_problem(const HttpField *f)
{
    if (f->name_len == 0)
        return "empty header name";
    for (size_t i = 0; i < f->name_len; i++)
        if (!is_tchar((unsigned char)f->name[i]))
            return "header name is not a token";
    for (size_t i = 0; i < f->value_len; i++) {
        unsigned char c = (unsigned char)f->value[i];
        if (is_ctl(c) && c != '\t')
            return "control character in a header";
    }
    return NULL;
}

/* Counts the framing fields and checks each one's value. */
static const char *framing_field(Framing *fr, const HttpField *f)
{
    if (name_is(f, "Content-Length")) {
        fr->content_length++;
        if (!all_digits(f->value, f->value_len))
            return "Content-Length is not a number";
    } else if (name_is(f, "Transfer-Encoding")) {
        fr->transfer_encoding++;
        fr->te_is_chunked = f->value_len == 7 && strncasecmp(f->value, "chunked", 7) == 0;
    } else if (name_is(f, "Host")) {
        fr->host++;
        if (!host_is_valid(f->value, f->value_len))
            return "Host is not a host and port";
    }
    return NULL;
}

/* RFC 9112 6.1-6.3 and 3.2: one length, one way to find it; one Host. */
static const char *framing_problem(const Framing *fr, const char *version)
{
    int http10 = strcmp(version, "HTTP/1.0") == 0;
    if (fr->content_length > 1)
        return "repeated Content-Length";
    if (fr->transfer_encoding > 1)
        return "repeated Transfer-Encoding";
    if (fr->content_length && fr->transfer_encoding)
        return "Content-Length with Transfer-Encoding";
    if (fr->transfer_encoding && !fr->te_is_chunked)
        return "transfer coding other than chunked";
    if (fr->transfer_encoding && http10)
        return "Transfer-Encoding in HTTP/1.0";
    if (fr->host > 1)
        return "repeated Host";
    if (fr->host == 0 && !http10)
        return "no Host";
    return NULL;
}

int http_strict_check(const HttpStrictRequest *rq, const char **why)
{
    Framing fr = {0};
    const char *problem = target_problem(rq->target);
    for (size_t i = 0; !problem && i < rq->nfields; i++) {
        problem = field_problem(&rq->fields[i]);
        if (!problem)
            problem = framing_field(&fr, &rq->fields[i]);
    }
    if (!problem)
        problem = framing_problem(&fr, rq->version);
    *why = problem;
    return problem ? STRICT_BAD : 0;
}
