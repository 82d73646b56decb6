/* Strict HTTP: a request's framing and header fields are checked before any handler runs, so that
 * a proxy in front of us and we can never read one request two ways (request smuggling). Pure: no
 * libmicrohttpd here, http.c hands over what it received. */
#ifndef TAKEDOWN_HTTP_STRICT_H
#define TAKEDOWN_HTTP_STRICT_H

#include <stddef.h>

/* One header line as received; repeated names are separate fields. Nothing here is owned. */
typedef struct HttpField {
    const char *name;
    size_t name_len;
    const char *value; /* the parser has skipped the blanks after the colon */
    size_t value_len;
} HttpField;

typedef struct HttpStrictRequest {
    const char *version;     /* "HTTP/1.1", "HTTP/1.0" */
    const char *target;      /* the request target as received, before percent-decoding */
    const HttpField *fields; /* every header line in order, repeats included */
    size_t nfields;
} HttpStrictRequest;

/* 0 when the request can be read only one way; otherwise 400, with *why set to a short static
 * reason for the log (never a value from the request). */
int http_strict_check(const HttpStrictRequest *rq, const char **why);

#endif
