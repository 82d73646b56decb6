/* The HTTP layer on libmicrohttpd: requests, responses, limits, the reply path with security
 * headers, the access log. Handlers see only this header, never microhttpd.h. */
#ifndef TAKEDOWN_HTTP_H
#define TAKEDOWN_HTTP_H

#include "buf.h"
#include "route.h"

#include <jansson.h>
#include <stdint.h>
#include <time.h>

struct Config;
struct Session;

#define HTTP_MAX_HEADERS 16

typedef struct Header {
    char *name;  /* owned */
    char *value; /* owned */
} Header;

/* What a handler fills; http.c turns it into the reply. */
typedef struct Response {
    int status;
    const char *content_type; /* static string */
    Buf body;
    Header headers[HTTP_MAX_HEADERS];
    size_t nheaders;
    int cacheable;        /* static files: long caching instead of no-store */
    int close;            /* close the connection after replying */
    const char *err_code; /* for the access log: the error code of an error reply */
} Response;

typedef struct FormField {
    char *name;  /* owned */
    char *value; /* owned */
} FormField;

/* A sink for uploaded file parts on ROUTE_FORM_FILES routes: called with each chunk of a file
 * field (off is the chunk's offset in that file, 0 for a new file), and once more with field NULL
 * when the body has ended. Return 0 to go on, or a 5xx status to stop (our own failure); a
 * client's mistake (type, size) is recorded by the sink for the handler, so the form can be shown
 * again with every field kept. */
struct Request;
typedef int (*FileSink)(struct Request *req, const char *field, const char *filename,
                        const char *content_type, const char *data, size_t n, uint64_t off);

typedef struct Request {
    uint64_t id;
    char id_str[20];
    Method method;
    char *path;         /* owned: the path without the query */
    char *target;       /* owned: the request target as received, before percent-decoding */
    size_t url_len;     /* bytes of the raw request target */
    const Route *route; /* NULL until matched */
    RouteMatch match;
    const char *lang;    /* "zh-CN" or "en" */
    char client[64];     /* source address (X-Forwarded-For's last hop behind a trusted proxy) */
    char client_net[64]; /* whom the per-address limits count: client, or an IPv6 client's /64 */
    int is_api;          /* path under /api/: errors as JSON */
    int is_tls;          /* the client reached us over TLS: ours, or a trusted proxy's */
    int is_loopback;     /* the client (as in client[]) is a loopback address */
    struct timespec start;

    Buf body;        /* raw body of JSON requests */
    json_t *json;    /* owned: parsed JSON body, or NULL */
    FormField *form; /* owned: form fields in order */
    size_t nform;
    int body_state; /* internal: 0 none, 1 json, 2 form, 3 too large, 4 bad form */
    void *post;     /* internal: the post processor */
    size_t body_seen;
    uint64_t upload_held; /* internal: bytes this upload counts against the in-flight bound */
    int upload_declared;  /* internal: its Content-Length was counted whole at the start */
    int files_checked;    /* internal: the check before the first file part has run */
    FileSink file_sink;   /* set by a ROUTE_FORM_FILES handler's setup */
    void *file_ctx;       /* the sink's state, owned by the route's module */
    void (*file_ctx_free)(void *ctx);

    struct Session *session; /* owned: the signed-in staff or victim session, or NULL */
    int64_t desk_account;    /* a platform desk's call (ACCESS_PLATFORM): its account, else 0 */
    char desk_platform[64];  /* and its platform */
    void (*session_free)(struct Session *s);
    int session_loaded;
    char anon_csrf[65]; /* a CSRF token set as a cookie by this response (anonymous forms) */
    void *ctx;          /* owned: a handler's state across a suspension */
    void (*ctx_free)(void *ctx);
    void *job; /* owned by the module that suspended the request */
    void (*job_free)(void *job);
    int phase; /* internal */

    Response resp;
    struct MHD_Connection *conn; /* internal */
    struct ConnGuarded *guard;   /* internal: the connection's deadlines (connguard.h) */
} Request;

/* ---- reading the request ---- */
const char *http_header(Request *req, const char *name);
const char *http_query(Request *req, const char *name);
const char *http_cookie(Request *req, const char *name);
const char *http_param(Request *req, const char *name); /* a "{name}" of the route */
/* A "{name}" that must be a positive decimal number; 0 when it is not. */
int64_t http_param_id(Request *req, const char *name);
/* A form field's value (first with that name), or NULL. */
const char *http_form(Request *req, const char *name);

/* ---- decoding a form body (http.c's post processor callback and Content-Type check; public for
 * tests/fuzz/fuzz_form.c, which drives libmicrohttpd's post processor with them) ---- */
/* One piece of a form field as libmicrohttpd's post processor hands it over: a file part's bytes
 * go to the request's file sink; a piece of the same name as the last field is appended to it
 * when it is a later piece (off > 0) or that field is still empty (the post processor may give
 * an empty first piece, then the value from offset 0 again); every other piece is a new field
 * in req->form. A field's value with a NUL byte refuses the form (BODY_BAD_FORM). Returns 1 to go
 * on, 0 to stop reading the body (the reason in req->body_state). */
int http_form_piece(Request *req, const char *key, const char *filename, const char *content_type,
                    const char *data, uint64_t off, size_t size);
/* 1 when the Content-Type ct is exactly the media type want (case-insensitive), its parameters
 * well formed and a charset, if given, UTF-8. */
int http_media_type_is(const char *ct, const char *want);

/* ---- filling the response ---- */
void http_set_header(Request *req, const char *name, const char *value);
/* Steals obj. */
/* A reply of JSON text already written (by hand, as Jansson would write it); takes body's bytes and
 * leaves it empty. */
int http_reply_json_text(Request *req, int status, Buf *body);
int http_reply_json(Request *req, int status, json_t *obj);
/* Renders template with ctx (stolen) in the request's language inside the page layout; adds the
 * fields every page needs (lang, path, csrf...). */
int http_reply_page(Request *req, int status, const char *template_name, json_t *ctx);
/* An error: JSON {"error": {code, message, field}} under /api/, else an error page. message is
 * an i18n key; field may be NULL. */
int http_reply_error(Request *req, int status, const char *code, const char *message_key,
                     const char *field);
int http_reply_redirect(Request *req, int status, const char *location);
int http_reply_text(Request *req, int status, const char *content_type, const char *text, size_t n);

/* ---- slow work ---- */
/* For a handler: runs fn(req) in the slow-work pool with the connection suspended, then replies
 * with what fn put in req->resp. Returns HANDLER_SUSPENDED; when the queue is full the reply is
 * 503 with Retry-After. */
int http_run_slow(Request *req, void (*fn)(Request *req));

/* ---- the server ---- */
/* Called before the body of a ROUTE_FORM_FILES route is read, to set the request's file sink. */
void http_set_upload_setup(void (*setup)(Request *req));
/* Checks on ROUTE_FORM_FILES routes, so a refused upload never reaches the disk. before_body runs
 * when the headers are in (before the in-flight bound is taken): 0 to go on, or a status with the
 * reply filled, sent at once without reading the body. before_file runs before the first file part
 * reaches the sink, with the fields that came before it: 0, or a status with the reply filled; the
 * rest of the body is then read and dropped, and that reply is sent. */
void http_set_upload_checks(int (*before_body)(Request *req), int (*before_file)(Request *req));
/* The gate every routed request passes before its handler (authorization, CSRF): returns 0 to go
 * on, or a status after filling the reply. Set once before http_start. */
void http_set_gate(int (*gate)(Request *req));
typedef struct HttpServer HttpServer;
/* Starts listening; returns NULL after printing one line saying why (port in use, bad address). */
HttpServer *http_start(const struct Config *cfg, const Route *routes, size_t nroutes);
/* Stops accepting, lets in-flight requests finish (up to grace_ms), then stops. */
void http_stop(HttpServer *srv, int grace_ms);
/* The libmicrohttpd version running, e.g. "0.9.75" (docs/operations.md says what it changes). */
const char *http_library_version(void);

#endif
