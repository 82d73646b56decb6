/* libmicrohttpd glue: one Request per HTTP request, limits checked before any handler runs, and
 * one reply path (http_send) that adds the security headers and writes the access log line. */
#include "http.h"

#include "config.h"
#include "connguard.h"
#include "linger.h"
#include "http_strict.h"
#include "i18n.h"
#include "log.h"
#include "metrics.h"
#include "render.h"
#include "store.h"
#include "vault.h"
#include "workpool.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <stdatomic.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define FORM_MAX_FIELDS 1000
/* Bytes of a body past its limit read and dropped so that the client still gets its 413. */
#define HTTP_DISCARD_MAX ((size_t)64 * 1024 * 1024)

enum { PHASE_NEW, PHASE_BODY, PHASE_SUSPENDED, PHASE_DONE };
enum { BODY_NONE, BODY_JSON, BODY_FORM, BODY_TOO_LARGE, BODY_BAD_FORM, BODY_REFUSED, BODY_OVER };

struct HttpServer {
    struct MHD_Daemon *daemon;
    const Config *cfg;
    const Route *routes;
    size_t nroutes;
    atomic_uint inflight;
    atomic_uint_fast64_t next_id;
    atomic_uint_fast64_t upload_bytes; /* upload bytes being received now, all uploads */
    uint32_t id_prefix;
    char *tls_cert; /* owned: PEM text */
    char *tls_key;  /* owned: PEM text, wiped at stop */
};

static int (*gate_fn)(Request *req);
static void (*upload_setup_fn)(Request *req);
static int (*upload_before_body_fn)(Request *req);
static int (*upload_before_file_fn)(Request *req);

void http_set_upload_checks(int (*before_body)(Request *req), int (*before_file)(Request *req))
{
    upload_before_body_fn = before_body;
    upload_before_file_fn = before_file;
}

void http_set_upload_setup(void (*setup)(Request *req))
{
    upload_setup_fn = setup;
}

void http_set_gate(int (*gate)(Request *req))
{
    gate_fn = gate;
}

/* ---- reading ---- */

const char *http_header(Request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *http_query(Request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *http_cookie(Request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, name);
}

const char *http_param(Request *req, const char *name)
{
    return route_param(&req->match, name);
}

int64_t http_param_id(Request *req, const char *name)
{
    const char *s = http_param(req, name);
    char *end;
    errno = 0;
    long long v = s ? strtoll(s, &end, 10) : 0;
    return s && *s && *end == '\0' && !errno && v > 0 ? v : 0;
}

const char *http_form(Request *req, const char *name)
{
    for (size_t i = 0; i < req->nform; i++)
        if (strcmp(req->form[i].name, name) == 0)
            return req->form[i].value;
    return NULL;
}

/* ---- filling the response ---- */

void http_set_header(Request *req, const char *name, const char *value)
{
    Response *r = &req->resp;
    /* Set-Cookie may repeat; every other header is replaced. */
    for (size_t i = 0; strcasecmp(name, "Set-Cookie") != 0 && i < r->nheaders; i++) {
        if (strcasecmp(r->headers[i].name, name) == 0) {
            free(r->headers[i].value);
            r->headers[i].value = xstrdup(value);
            return;
        }
    }
    if (r->nheaders == HTTP_MAX_HEADERS) {
        log_errorx("too many headers");
        return;
    }
    r->headers[r->nheaders].name = xstrdup(name);
    r->headers[r->nheaders].value = xstrdup(value);
    r->nheaders++;
}

int http_reply_text(Request *req, int status, const char *content_type, const char *text, size_t n)
{
    buf_reset(&req->resp.body);
    buf_append(&req->resp.body, text, n);
    req->resp.content_type = content_type;
    req->resp.status = status;
    return status;
}

int http_reply_json(Request *req, int status, json_t *obj)
{
    char *s = json_dumps(obj, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(obj);
    if (!s) {
        log_errorx("json_dumps failed");
        return http_reply_text(req, 500, "application/json",
                               "{\"error\":{\"code\":\"internal\",\"message\":\"internal error\"}}",
                               56);
    }
    http_reply_text(req, status, "application/json", s, strlen(s));
    vault_wipe(s, strlen(s)); /* may hold case content */
    free(s);
    return status;
}

int http_reply_json_text(Request *req, int status, Buf *body)
{
    buf_free(&req->resp.body);
    req->resp.body = *body;
    *body = (Buf){0};
    req->resp.content_type = "application/json";
    req->resp.status = status;
    return status;
}

/* Room a page is rendered into at once: most staff pages (a queue of 50 rows is 36 KiB) fit, so
 * the body is not copied and wiped at every doubling from 256 bytes. */
#define HTTP_PAGE_RESERVE (48 * 1024)

int http_reply_page(Request *req, int status, const char *template_name, json_t *ctx)
{
    if (!ctx)
        ctx = json_object();
    json_object_set_new(ctx, "lang", json_string(req->lang));
    json_object_set_new(ctx, "lang_en", json_boolean(strcmp(req->lang, "en") == 0));
    json_object_set_new(ctx, "path", json_string(req->path));
    json_object_set_new(ctx, "request_id", json_string(req->id_str));
    buf_reset(&req->resp.body);
    buf_reserve(&req->resp.body, HTTP_PAGE_RESERVE);
    if (render_template(template_name, ctx, req->lang, &req->resp.body) != 0) {
        json_decref(ctx);
        log_errorx("cannot render %s", template_name);
        return http_reply_text(req, 500, "text/plain; charset=utf-8", "internal error\n", 15);
    }
    json_decref(ctx);
    req->resp.content_type = "text/html; charset=utf-8";
    req->resp.status = status;
    return status;
}

int http_reply_error(Request *req, int status, const char *code, const char *message_key,
                     const char *field)
{
    req->resp.err_code = code;
    if (req->is_api) {
        json_t *err =
            json_pack("{s:s, s:s}", "code", code, "message", i18n_get(req->lang, message_key));
        if (field)
            json_object_set_new(err, "field", json_string(field));
        return http_reply_json(req, status, json_pack("{s:o}", "error", err));
    }
    json_t *ctx =
        json_pack("{s:i, s:s, s:s}", "status", status, "code", code, "message_key", message_key);
    json_object_set_new(ctx, "message", json_string(i18n_get(req->lang, message_key)));
    return http_reply_page(req, status, "error", ctx);
}

int http_reply_redirect(Request *req, int status, const char *location)
{
    http_set_header(req, "Location", location);
    buf_reset(&req->resp.body);
    req->resp.content_type = "text/plain; charset=utf-8";
    req->resp.status = status;
    return status;
}

/* ---- the one reply path ---- */

static const char CSP[] = "default-src 'none'; script-src 'self'; style-src 'self'; "
                          "img-src 'self' data:; font-src 'self'; connect-src 'self'; "
                          "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/* A reply body that may hold case content or a receipt: wiped when libmicrohttpd is done with it.
 */
typedef struct SentBody {
    char *data; /* owned */
    size_t len;
} SentBody;

static void sent_body_free(void *cls)
{
    SentBody *b = cls;
    vault_wipe(b->data, b->len);
    free(b->data);
    free(b);
}

static struct MHD_Response *response_of(Response *r)
{
    size_t len = r->body.len;
    char *body = buf_take(&r->body);
    if (r->cacheable) { /* static files: nothing of a case */
        struct MHD_Response *mr = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
        if (!mr)
            free(body);
        return mr;
    }
    SentBody *b = xmalloc(sizeof *b);
    b->data = body;
    b->len = len;
    struct MHD_Response *mr =
        MHD_create_response_from_buffer_with_free_callback_cls(len, body, sent_body_free, b);
    if (!mr)
        sent_body_free(b);
    return mr;
}

static enum MHD_Result http_send(HttpServer *srv, Request *req)
{
    Response *r = &req->resp;
    if (r->status == 0) {
        log_errorx("handler for %s left no status", req->route ? req->route->pattern : "-");
        http_reply_text(req, 500, "text/plain; charset=utf-8", "internal error\n", 15);
    }
    connguard_sending(req->guard, r->body.len);
    struct MHD_Response *mr = response_of(r);
    if (!mr)
        return MHD_NO;
    MHD_add_response_header(mr, "Content-Type",
                            r->content_type ? r->content_type : "text/plain; charset=utf-8");
    MHD_add_response_header(mr, "Content-Security-Policy", CSP);
    MHD_add_response_header(mr, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(mr, "X-Frame-Options", "DENY");
    MHD_add_response_header(mr, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(mr, "Cross-Origin-Opener-Policy", "same-origin");
    MHD_add_response_header(mr, "Cross-Origin-Resource-Policy", "same-origin");
    MHD_add_response_header(mr, "Permissions-Policy",
                            "camera=(), microphone=(), geolocation=(), interest-cohort=()");
    MHD_add_response_header(mr, "Cache-Control",
                            r->cacheable ? "public, max-age=31536000, immutable" : "no-store");
    if (!r->cacheable)
        MHD_add_response_header(mr, "Pragma", "no-cache");
    if (req->is_tls)
        MHD_add_response_header(mr, "Strict-Transport-Security", "max-age=31536000");
    MHD_add_response_header(mr, "X-Request-Id", req->id_str);
    for (size_t i = 0; i < r->nheaders; i++)
        MHD_add_response_header(mr, r->headers[i].name, r->headers[i].value);
    if (r->close)
        MHD_add_response_header(mr, "Connection", "close");
    enum MHD_Result ok = MHD_queue_response(req->conn, (unsigned)r->status, mr);
    MHD_destroy_response(mr);
    req->phase = PHASE_DONE;
    (void)srv;
    return ok;
}

/* ---- bodies ---- */

int http_form_piece(Request *req, const char *key, const char *filename, const char *content_type,
                    const char *data, uint64_t off, size_t size)
{
    if (!key)
        return 1;
    if (filename) {
        if (!req->file_sink) {
            req->body_state = BODY_BAD_FORM;
            return 0;
        }
        if (!req->files_checked) {
            req->files_checked = 1;
            if (upload_before_file_fn && upload_before_file_fn(req) != 0) {
                req->body_state = BODY_REFUSED; /* the reply is filled */
                return 0;
            }
        }
        int rc = req->file_sink(req, key, filename, content_type, data, size, off);
        if (rc != 0) {
            req->resp.status = rc;
            req->body_state = BODY_BAD_FORM;
            return 0;
        }
        return 1;
    }
    if (size && memchr(data, '\0', size)) {
        /* No text field holds a NUL (browsers never send one): refused, rather than a value cut
         * at it or not depending on how the body was split (found by fuzz_form). */
        req->body_state = BODY_BAD_FORM;
        return 0;
    }
    if (req->nform > 0 && strcmp(req->form[req->nform - 1].name, key) == 0 &&
        (off > 0 || req->form[req->nform - 1].value[0] == '\0')) {
        /* A value arrives in pieces. When a read ends before any of a value can be decoded
         * (inside its first %-escape, or at the start of a multipart value), the post processor
         * hands over an empty first piece and then the value again at offset 0: that is the same
         * field, not a second one after an empty one (which http_form, reading the first, would
         * have returned; found by fuzz_form). */
        FormField *f = &req->form[req->nform - 1];
        size_t old = strlen(f->value);
        f->value = xrealloc(f->value, old + size + 1);
        memcpy(f->value + old, data, size);
        f->value[old + size] = '\0';
        return 1;
    }
    if (req->nform == FORM_MAX_FIELDS) {
        req->body_state = BODY_TOO_LARGE;
        return 0;
    }
    if (req->nform % 16 == 0)
        req->form = xrealloc(req->form, (req->nform + 16) * sizeof(FormField));
    req->form[req->nform].name = xstrdup(key);
    req->form[req->nform].value = xstrndup(data ? data : "", size);
    req->nform++;
    return 1;
}

static enum MHD_Result form_iterator(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *filename, const char *content_type,
                                     const char *transfer_encoding, const char *data, uint64_t off,
                                     size_t size)
{
    (void)kind;
    (void)transfer_encoding;
    return http_form_piece(cls, key, filename, content_type, data, off, size) ? MHD_YES : MHD_NO;
}

static int is_tchar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

static const char *skip_ows(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* Parameters after a media type (RFC 9110 8.3.1): *( OWS ";" OWS name=value ), value a token or
 * a quoted string. 1 when well formed and a charset, if given, is UTF-8. */
static int media_params_ok(const char *p)
{
    for (p = skip_ows(p); *p; p = skip_ows(p)) {
        if (*p++ != ';')
            return 0;
        p = skip_ows(p);
        if (!*p)
            return 1;
        const char *name = p;
        while (is_tchar(*p))
            p++;
        size_t nlen = (size_t)(p - name);
        if (nlen == 0 || *p++ != '=')
            return 0;
        char value[64];
        size_t vlen = 0;
        int quoted = *p == '"';
        for (p += quoted; *p && (quoted ? *p != '"' : is_tchar(*p)); p++) {
            if (quoted && *p == '\\' && p[1])
                p++;
            if (vlen + 1 < sizeof value)
                value[vlen++] = *p;
        }
        if ((quoted && *p++ != '"') || (!quoted && vlen == 0))
            return 0;
        value[vlen] = '\0';
        if (nlen == 7 && strncasecmp(name, "charset", 7) == 0 && strcasecmp(value, "utf-8") != 0)
            return 0;
    }
    return 1;
}

/* 1 when the Content-Type ct is exactly the media type want (case-insensitive, parameters after a
 * ';' well formed): "application/jsonx" is not "application/json". */
int http_media_type_is(const char *ct, const char *want)
{
    size_t n = strlen(want);
    if (!ct || strncasecmp(ct, want, n) != 0)
        return 0;
    const char *p = skip_ows(ct + n);
    return *p == '\0' || (*p == ';' && media_params_ok(p));
}

static size_t route_body_limit(HttpServer *srv, Request *req)
{
    return req->route && req->route->max_body ? req->route->max_body : srv->cfg->max_body;
}

/* Sets up body handling from the headers; returns 0 or an HTTP status to refuse with. */
static int body_begin(HttpServer *srv, Request *req)
{
    const char *cl = http_header(req, MHD_HTTP_HEADER_CONTENT_LENGTH);
    const char *te = http_header(req, MHD_HTTP_HEADER_TRANSFER_ENCODING);
    size_t limit = route_body_limit(srv, req);
    if (cl) { /* one, digits only, never with Transfer-Encoding: http_strict_check saw to it */
        char *end;
        errno = 0;
        unsigned long long n = strtoull(cl, &end, 10);
        if (errno || *end)
            return 400;
        if (n > limit)
            return 413;
        if (n == 0 && !te)
            return 0;
    } else if (!te) {
        return 0;
    }
    const char *ct = http_header(req, MHD_HTTP_HEADER_CONTENT_TYPE);
    if (http_media_type_is(ct, "application/json")) {
        req->body_state = BODY_JSON;
        return 0;
    }
    if (http_media_type_is(ct, "application/x-www-form-urlencoded") ||
        http_media_type_is(ct, "multipart/form-data")) {
        req->post = MHD_create_post_processor(req->conn, 16 * 1024, form_iterator, req);
        if (!req->post)
            return 400;
        req->body_state = BODY_FORM;
        return 0;
    }
    return 415;
}

/* Counts n more upload bytes against the bound on bytes in flight; -1 (nothing counted) when
 * they would go past it. */
static int upload_hold(HttpServer *srv, Request *req, uint64_t n)
{
    uint_fast64_t cur = atomic_load(&srv->upload_bytes);
    do {
        if (n > srv->cfg->upload_inflight || cur > srv->cfg->upload_inflight - n)
            return -1;
    } while (!atomic_compare_exchange_weak(&srv->upload_bytes, &cur, cur + n));
    req->upload_held += n;
    return 0;
}

/* The body is in (or the request is over): its bytes are no longer in flight. */
static void upload_release(HttpServer *srv, Request *req)
{
    atomic_fetch_sub(&srv->upload_bytes, req->upload_held);
    req->upload_held = 0;
}

/* Before the body of an upload route: the module's checks (CSRF cookie, address), then its declared
 * length against the bytes in flight. Returns 0 or a status with the reply filled. */
static int upload_begin(HttpServer *srv, Request *req)
{
    int st = upload_before_body_fn ? upload_before_body_fn(req) : 0;
    if (st)
        return st;
    const char *cl = http_header(req, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (!cl)
        return 0; /* chunked: counted as it arrives */
    req->upload_declared = 1;
    if (upload_hold(srv, req, strtoull(cl, NULL, 10)) != 0) {
        log_info("req=%s upload refused: bytes in flight at the bound", req->id_str);
        http_set_header(req, "Retry-After", "5");
        return http_reply_error(req, 503, "busy", "error.busy", NULL);
    }
    return 0;
}

static void body_feed(HttpServer *srv, Request *req, const char *data, size_t n)
{
    size_t limit = route_body_limit(srv, req);
    req->body_seen += n;
    connguard_body_bytes(req->guard, n);
    if (req->body_state == BODY_TOO_LARGE || req->body_state == BODY_BAD_FORM ||
        req->body_state == BODY_REFUSED || req->body_state == BODY_OVER)
        return;
    if (req->body_seen > limit) {
        req->body_state = BODY_TOO_LARGE;
        return;
    }
    if ((req->route->flags & ROUTE_FORM_FILES) && !req->upload_declared &&
        upload_hold(srv, req, n) != 0) {
        log_info("req=%s upload stopped: bytes in flight at the bound", req->id_str);
        req->body_state = BODY_OVER;
        return;
    }
    if (req->body_state == BODY_JSON)
        buf_append(&req->body, data, n);
    else if (req->body_state == BODY_FORM && MHD_post_process(req->post, data, n) != MHD_YES &&
             req->body_state == BODY_FORM)
        req->body_state = BODY_BAD_FORM;
}

/* Finishes the body; returns 0 or an error status with the reply filled. */
static int body_end(HttpServer *srv, Request *req)
{
    upload_release(srv, req);
    if (req->post) {
        MHD_destroy_post_processor(req->post);
        req->post = NULL;
    }
    if (req->body_state == BODY_REFUSED)
        return req->resp.status;
    if (req->body_state == BODY_TOO_LARGE) {
        req->resp.close = 1;
        return http_reply_error(req, 413, "too_large", "error.too_large", NULL);
    }
    if (req->body_state == BODY_BAD_FORM) {
        int st = req->resp.status >= 400 ? req->resp.status : 400;
        return http_reply_error(req, st, st == 413 ? "too_large" : "bad_form",
                                st == 413 ? "error.too_large" : "error.bad_form", NULL);
    }
    if (req->file_sink) {
        int rc = req->file_sink(req, NULL, NULL, NULL, NULL, 0, 0);
        if (rc != 0)
            return http_reply_error(req, rc, "internal", "error.internal", NULL);
    }
    if (req->body_state == BODY_JSON) {
        json_error_t jerr;
        req->json = json_loadb(req->body.data ? req->body.data : "", req->body.len,
                               JSON_REJECT_DUPLICATES, &jerr);
        if (!req->json || !json_is_object(req->json))
            return http_reply_error(req, 400, "bad_json", "error.bad_json", NULL);
    }
    return 0;
}

/* ---- request life ---- */

static void *http_uri_log(void *cls, const char *uri, struct MHD_Connection *conn)
{
    HttpServer *srv = cls;
    Request *req = xcalloc(1, sizeof *req);
    clock_gettime(CLOCK_MONOTONIC, &req->start);
    req->url_len = strlen(uri);
    req->target = xstrdup(uri); /* libmicrohttpd decodes uri in place after this call */
    req->conn = conn;
    req->guard = connguard_of(conn);
    req->lang = I18N_DEFAULT;
    uint64_t n = atomic_fetch_add(&srv->next_id, 1);
    snprintf(req->id_str, sizeof req->id_str, "%08x%08x", srv->id_prefix, (unsigned)n);
    req->id = n;
    atomic_fetch_add(&srv->inflight, 1);
    return req;
}

/* The last entry of a comma-separated header, without leading blanks. */
static const char *last_item(const char *v)
{
    const char *last = strrchr(v, ',');
    return skip_ows(last ? last + 1 : v);
}

typedef struct LastHeader {
    const char *name;
    const char *value;
} LastHeader;

static enum MHD_Result last_header_of(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value)
{
    LastHeader *h = cls;
    (void)kind;
    if (key && value && strcasecmp(key, h->name) == 0)
        h->value = value;
    return MHD_YES;
}

/* The last line of a header that may repeat: a proxy that appends its own line (rather than
 * joining it to the client's) leaves the client's forged line first. */
static const char *http_header_last(Request *req, const char *name)
{
    LastHeader h = {name, NULL};
    MHD_get_connection_values(req->conn, MHD_HEADER_KIND, last_header_of, &h);
    return h.value;
}

static int address_is_loopback(const char *a)
{
    struct in_addr v4;
    struct in6_addr v6;
    if (inet_pton(AF_INET, a, &v4) == 1)
        return (ntohl(v4.s_addr) >> 24) == 127;
    if (inet_pton(AF_INET6, a, &v6) != 1)
        return 0;
    if (IN6_IS_ADDR_LOOPBACK(&v6))
        return 1;
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
}

/* Whom the per-address limits count for address a: itself, or for IPv6 its /64, which one
 * subscriber holds whole (2^64 addresses to rotate through); IPv4 mapped into IPv6 stays itself. */
static void address_network(const char *a, char out[64])
{
    struct in6_addr v6;
    char net[INET6_ADDRSTRLEN];
    if (inet_pton(AF_INET6, a, &v6) != 1 || IN6_IS_ADDR_V4MAPPED(&v6)) {
        snprintf(out, 64, "%s", a);
        return;
    }
    memset(v6.s6_addr + 8, 0, 8);
    inet_ntop(AF_INET6, &v6, net, sizeof net);
    snprintf(out, 64, "%s/64", net);
}

/* Who is asking and how: the address (our peer, or behind a trusted proxy the last hop it saw), and
 * whether the client's connection is TLS (ours, a https:// public URL, or the proxy's word). */
static void request_client(HttpServer *srv, Request *req)
{
    req->is_tls = srv->cfg->tls_cert[0] != '\0' || srv->cfg->public_https;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(req->client, sizeof req->client, "unknown");
    if (ci && ci->client_addr) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
                      req->client, sizeof req->client);
        else if (sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
                      req->client, sizeof req->client);
    }
    if (srv->cfg->trust_proxy) {
        /* The last hop is the one our proxy saw; earlier entries are the client's to forge. */
        const char *xff = http_header_last(req, "X-Forwarded-For");
        if (xff) {
            const char *last = last_item(xff);
            size_t n = strcspn(last, " \t");
            if (n > 0 && n < sizeof req->client) {
                memcpy(req->client, last, n);
                req->client[n] = '\0';
            }
        }
        const char *xfp = http_header_last(req, "X-Forwarded-Proto");
        if (xfp && strncasecmp(last_item(xfp), "https", 5) == 0 && strchr(" \t", last_item(xfp)[5]))
            req->is_tls = 1;
    }
    req->is_loopback = address_is_loopback(req->client);
    address_network(req->client, req->client_net);
}

typedef struct FieldList {
    HttpField *items; /* owned */
    size_t n, cap;
} FieldList;

static enum MHD_Result field_collect(void *cls, enum MHD_ValueKind kind, const char *key,
                                     size_t key_size, const char *value, size_t value_size)
{
    FieldList *l = cls;
    (void)kind;
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 32;
        l->items = xrealloc(l->items, l->cap * sizeof *l->items);
    }
    l->items[l->n++] = (HttpField){key, key_size, value ? value : "", value ? value_size : 0};
    return MHD_YES;
}

/* Strict HTTP before anything else reads the request: 0, or a 400 filled that closes the
 * connection (what follows cannot be framed safely). */
static int request_strict(Request *req, const char *version)
{
    FieldList fields = {0};
    MHD_get_connection_values_n(req->conn, MHD_HEADER_KIND, field_collect, &fields);
    HttpStrictRequest rq = {version, req->target, fields.items, fields.n};
    const char *why = NULL;
    int st = http_strict_check(&rq, &why);
    free(fields.items);
    if (st == 0)
        return 0;
    log_info("req=%s refused: %s", req->id_str, why);
    req->resp.close = 1;
    return http_reply_error(req, st, "bad_request", "error.bad_request", NULL);
}

static int expects_continue(Request *req)
{
    const char *e = http_header(req, "Expect");
    return e && strcasecmp(e, "100-continue") == 0;
}

/* First call: method, path, limits, route; returns 0 to go on or a status already filled. */
static int request_begin(HttpServer *srv, Request *req, const char *url, const char *method,
                         const char *version)
{
    req->method = route_method(method);
    req->path = xstrdup(url);
    req->is_api = strncmp(url, "/api/", 5) == 0;
    request_client(srv, req);
    req->lang = i18n_negotiate(http_cookie(req, "lang"), http_header(req, "Accept-Language"));
    int strict = request_strict(req, version);
    if (strict)
        return strict;
    if (req->url_len > srv->cfg->max_url) {
        req->resp.close = 1;
        return http_reply_error(req, 414, "uri_too_long", "error.uri_too_long", NULL);
    }
    if (!route_match(srv->routes, srv->nroutes, req->method, url, &req->match)) {
        if (req->match.allowed) {
            char allow[128];
            route_allow_header(req->match.allowed, allow, sizeof allow);
            http_set_header(req, "Allow", allow);
            return http_reply_error(req, 405, "method_not_allowed", "error.method_not_allowed",
                                    NULL);
        }
        return http_reply_error(req, 404, "not_found", "error.not_found", NULL);
    }
    req->route = req->match.route;
    int st = body_begin(srv, req);
    if (st == 413) {
        req->resp.close = 1;
        return http_reply_error(req, 413, "too_large", "error.too_large", NULL);
    }
    if (st == 415)
        return http_reply_error(req, 415, "unsupported_media_type", "error.unsupported_media",
                                NULL);
    if (st) {
        req->resp.close = 1; /* the body, if any, cannot be framed safely */
        return http_reply_error(req, st, "bad_request", "error.bad_request", NULL);
    }
    if (req->route->flags & ROUTE_FORM_FILES) {
        st = upload_begin(srv, req);
        if (st && expects_continue(req)) {
            req->resp.close = 1;
            return st; /* the client waits for this answer before it sends the body */
        }
        if (st) {
            /* A browser sends the body anyway and may miss a reply sent before it is done: read
             * the body, store none of it, then reply. */
            req->body_state = BODY_REFUSED;
            return 0;
        }
        if (upload_setup_fn)
            upload_setup_fn(req);
    }
    return 0;
}

static void http_job_trampoline(void *arg);

typedef struct SlowJob {
    Request *req;
    WorkFn fn;
} SlowJob;

/* The handler's turn: the gate (authorization, CSRF), then the handler. */
static enum MHD_Result request_dispatch(HttpServer *srv, Request *req)
{
    store_read_begin(); /* the gate's and the handler's reads in one snapshot */
    int st = gate_fn ? gate_fn(req) : 0;
    if (st == 0)
        st = req->route->handler(req);
    if (store_read_end() != 0 || !store_idle()) {
        /* A handler that leaves a transaction open is a bug: refuse loudly, never commit. */
        log_errorx("%s left a transaction open", req->route->pattern);
        store_rollback_stray();
        http_reply_error(req, 500, "internal", "error.internal", NULL);
        st = 500;
    }
    if (st != HANDLER_SUSPENDED)
        return http_send(srv, req);
    /* Suspend first, so the job's resume can never come before the suspension. */
    req->phase = PHASE_SUSPENDED;
    MHD_suspend_connection(req->conn);
    SlowJob *job = req->job;
    if (!job || workpool_submit(http_job_trampoline, job) != 0) {
        http_set_header(req, "Retry-After", "1");
        http_reply_error(req, 503, "busy", "error.busy", NULL);
        MHD_resume_connection(req->conn);
    }
    return MHD_YES;
}

static enum MHD_Result http_access(void *cls, struct MHD_Connection *conn, const char *url,
                                   const char *method, const char *version, const char *upload_data,
                                   size_t *upload_data_size, void **req_cls)
{
    HttpServer *srv = cls;
    Request *req = *req_cls;
    if (!req) /* no URI log ran: cannot happen with our options */
        return MHD_NO;
    switch (req->phase) {
    case PHASE_NEW:
        req->conn = conn;
        req->phase = PHASE_BODY;
        connguard_head_done(req->guard);
        if (request_begin(srv, req, url, method, version) != 0)
            return http_send(srv, req);
        return MHD_YES;
    case PHASE_BODY:
        if (*upload_data_size) {
            body_feed(srv, req, upload_data, *upload_data_size);
            *upload_data_size = 0;
            /* A chunked body past the limit (or a refused one) is read to its end and dropped,
             * since libmicrohttpd cannot send its reply (413) before then; one that goes on past
             * HTTP_DISCARD_MAX more, or past the bytes in flight, drops the connection. */
            if (((req->body_state == BODY_TOO_LARGE || req->body_state == BODY_REFUSED) &&
                 req->body_seen > route_body_limit(srv, req) + HTTP_DISCARD_MAX) ||
                req->body_state == BODY_OVER)
                return MHD_NO;
            return MHD_YES;
        }
        connguard_working(req->guard);
        if (body_end(srv, req) != 0)
            return http_send(srv, req);
        return request_dispatch(srv, req);
    case PHASE_SUSPENDED:
        return http_send(srv, req);
    default:
        *upload_data_size = 0;
        return MHD_YES;
    }
}

static void http_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                           enum MHD_RequestTerminationCode toe)
{
    HttpServer *srv = cls;
    Request *req = *req_cls;
    (void)conn;
    if (!req)
        return;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double ms = (double)(now.tv_sec - req->start.tv_sec) * 1e3 +
                (double)(now.tv_nsec - req->start.tv_nsec) / 1e6;
    static const char *mnames[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"};
    const char *mname = "OTHER";
    for (unsigned i = 0; i < 7; i++)
        if (req->method == (Method)(1u << i))
            mname = mnames[i];
    /* Never the path's values or the query: the route pattern names what was asked. */
    log_info("req=%s %s %s %d %.1fms%s%s%s", req->id_str, mname,
             req->route ? req->route->pattern : "-", req->resp.status, ms,
             req->resp.err_code ? " err=" : "", req->resp.err_code ? req->resp.err_code : "",
             toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " aborted");
    metrics_request(req->route, (unsigned)req->method, req->resp.status, ms);
    connguard_idle(req->guard);
    upload_release(srv, req);
    if (req->post)
        MHD_destroy_post_processor(req->post);
    if (req->file_ctx && req->file_ctx_free)
        req->file_ctx_free(req->file_ctx);
    if (req->job && req->job_free)
        req->job_free(req->job);
    if (req->ctx && req->ctx_free)
        req->ctx_free(req->ctx);
    if (req->body.data)
        vault_wipe(req->body.data, req->body.len);
    buf_free(&req->body);
    buf_free(&req->resp.body);
    json_decref(req->json);
    for (size_t i = 0; i < req->nform; i++) {
        vault_wipe(req->form[i].value, strlen(req->form[i].value));
        free(req->form[i].name);
        free(req->form[i].value);
    }
    free(req->form);
    for (size_t i = 0; i < req->resp.nheaders; i++) {
        free(req->resp.headers[i].name);
        free(req->resp.headers[i].value);
    }
    if (req->session_free)
        req->session_free(req->session);
    free(req->path);
    free(req->target);
    free(req);
    *req_cls = NULL;
    atomic_fetch_sub(&srv->inflight, 1);
}

/* ---- slow work ---- */

int http_run_slow(Request *req, void (*fn)(Request *req))
{
    SlowJob *job = xcalloc(1, sizeof *job);
    job->req = req;
    job->fn = (WorkFn)(void *)fn;
    req->job = job;
    req->job_free = free;
    return HANDLER_SUSPENDED;
}

/* Runs the job, then resumes its connection: MHD calls the handler again and sends the reply. */
static void http_job_trampoline(void *arg)
{
    SlowJob *job = arg;
    ((void (*)(Request *))(void *)job->fn)(job->req);
    MHD_resume_connection(job->req->conn);
}

/* ---- the server ---- */

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    Buf b = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&b, chunk, n);
    fclose(f);
    return buf_take(&b);
}

/* libmicrohttpd's messages, as debug lines (the attribute keeps clang's format checks quiet). */
static void http_mhd_log(void *cls, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
static void http_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    Buf b = {0};
    buf_vprintf(&b, fmt, ap);
    while (b.len && (b.data[b.len - 1] == '\n'))
        b.data[--b.len] = '\0';
    log_debug("libmicrohttpd: %s", b.data ? b.data : "");
    buf_free(&b);
}

/* Descriptors the process keeps besides its connections: the database, its log, uploads, the
 * listening socket, link checks, lingering closes. */
#define FDS_RESERVED (256 + LINGER_MAX)

/* The connection limit the open-file limit allows: raises the soft limit towards the hard one,
 * and lowers the limit (saying so) when even that is short. */
static unsigned connection_limit(unsigned wanted)
{
    struct rlimit rl;
    rlim_t need = (rlim_t)wanted + FDS_RESERVED;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return wanted;
    if (rl.rlim_cur < need) {
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > need ? need : rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur >= need)
        return wanted;
    unsigned fit = rl.rlim_cur > FDS_RESERVED + 16 ? (unsigned)(rl.rlim_cur - FDS_RESERVED) : 16;
    log_warnx("--max-connections %u lowered to %u: the open-file limit is %llu", wanted, fit,
              (unsigned long long)rl.rlim_cur);
    return fit;
}

HttpServer *http_start(const Config *cfg, const Route *routes, size_t nroutes)
{
    HttpServer *srv = xcalloc(1, sizeof *srv);
    srv->cfg = cfg;
    srv->routes = routes;
    srv->nroutes = nroutes;
    metrics_routes(routes, nroutes);
    vault_random(&srv->id_prefix, sizeof srv->id_prefix);

    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t sslen;
    struct sockaddr_in *sin = (struct sockaddr_in *)(void *)&ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)(void *)&ss;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
                     MHD_USE_ITC | MHD_USE_ERROR_LOG;
    if (inet_pton(AF_INET, cfg->listen_host, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        sin->sin_port = htons((uint16_t)cfg->listen_port);
        sslen = sizeof *sin;
    } else if (inet_pton(AF_INET6, cfg->listen_host, &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons((uint16_t)cfg->listen_port);
        sslen = sizeof *sin6;
        flags |= MHD_USE_IPv6;
    } else if (strcmp(cfg->listen_host, "localhost") == 0) {
        sin->sin_family = AF_INET;
        sin->sin_port = htons((uint16_t)cfg->listen_port);
        sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        sslen = sizeof *sin;
    } else {
        fprintf(stderr, "takedownd: --listen: '%s' is not an IP address\n", cfg->listen_host);
        free(srv);
        return NULL;
    }
    (void)sslen;

    /* Bind ourselves so that "port in use" is reported plainly. */
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, (struct sockaddr *)&ss, sslen) != 0 || listen(fd, SOMAXCONN) != 0) {
        fprintf(stderr, "takedownd: cannot listen on %s:%u: %s\n", cfg->listen_host,
                cfg->listen_port, strerror(errno));
        if (fd >= 0)
            close(fd);
        free(srv);
        return NULL;
    }
    if (cfg->tls_cert[0]) {
        srv->tls_cert = read_file(cfg->tls_cert);
        srv->tls_key = read_file(cfg->tls_key);
        if (!srv->tls_cert || !srv->tls_key) {
            fprintf(stderr, "takedownd: cannot read --tls-cert/--tls-key\n");
            close(fd);
            free(srv->tls_cert);
            free(srv->tls_key);
            free(srv);
            return NULL;
        }
        flags |= MHD_USE_TLS;
    }
    size_t mem_limit = 64 * 1024 + cfg->max_url * 2;
    unsigned max_conn = connection_limit(cfg->max_connections);
    /* Behind a proxy every connection comes from the proxy: the cap would be on all clients. */
    unsigned per_address = cfg->trust_proxy ? 0 : cfg->per_address;
    if (connguard_start(cfg->header_timeout, cfg->min_rate) != 0) {
        close(fd);
        free(srv->tls_cert);
        free(srv->tls_key);
        free(srv);
        return NULL;
    }
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_LISTEN_SOCKET, fd, NULL},
        {MHD_OPTION_THREAD_POOL_SIZE, cfg->http_threads, NULL},
        {MHD_OPTION_CONNECTION_LIMIT, max_conn, NULL},
        {MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)(void *)connguard_notify, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, cfg->conn_timeout, NULL},
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)mem_limit, NULL},
        {MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)(void *)http_uri_log, srv},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)(void *)http_completed, srv},
        {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)(void *)http_mhd_log, NULL},
        {per_address ? MHD_OPTION_PER_IP_CONNECTION_LIMIT : MHD_OPTION_CONNECTION_TIMEOUT,
         per_address ? per_address : cfg->conn_timeout, NULL},
        {cfg->tls_cert[0] ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, srv->tls_cert},
        {cfg->tls_cert[0] ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0, srv->tls_key},
        {MHD_OPTION_END, 0, NULL},
    };
    srv->daemon = MHD_start_daemon(flags, 0, NULL, NULL, http_access, srv, MHD_OPTION_ARRAY, opts,
                                   MHD_OPTION_END);
    if (!srv->daemon) {
        fprintf(stderr, "takedownd: cannot start the HTTP server on %s:%u\n", cfg->listen_host,
                cfg->listen_port);
        connguard_stop();
        close(fd);
        free(srv->tls_cert);
        free(srv->tls_key);
        free(srv);
        return NULL;
    }
    return srv;
}

const char *http_library_version(void)
{
    return MHD_get_version();
}

void http_stop(HttpServer *srv, int grace_ms)
{
    if (!srv)
        return;
    MHD_socket fd = MHD_quiesce_daemon(srv->daemon);
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
    /* In-flight requests finish; new connections are refused. */
    for (int waited = 0; atomic_load(&srv->inflight) > 0 && waited < grace_ms; waited += 10) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    /* Jobs still queued finish (and resume their connections) before the daemon goes away. */
    workpool_stop();
    MHD_stop_daemon(srv->daemon);
    connguard_stop();
    free(srv->tls_cert);
    if (srv->tls_key) {
        vault_wipe(srv->tls_key, strlen(srv->tls_key));
        free(srv->tls_key);
    }
    free(srv);
    metrics_routes_free();
}
