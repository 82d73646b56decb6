/* Static files embedded from web/static: ETag from the content hash, long caching, 304. */
#include "handlers.h"

#include "assets.h"

#include <stdio.h>
#include <string.h>

static const char *content_type_of(const char *name)
{
    static const struct {
        const char *ext, *type;
    } types[] = {{".css", "text/css; charset=utf-8"},
                 {".js", "text/javascript; charset=utf-8"},
                 {".svg", "image/svg+xml"},
                 {".png", "image/png"},
                 {".ico", "image/x-icon"},
                 {".txt", "text/plain; charset=utf-8"},
                 {".json", "application/json"},
                 {".woff2", "font/woff2"}};
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
        if (strcmp(dot, types[i].ext) == 0)
            return types[i].type;
    return "application/octet-stream";
}

int static_file(Request *req)
{
    char path[200];
    snprintf(path, sizeof path, "static/%s", http_param(req, "file"));
    const Asset *a = assets_find(path);
    if (!a)
        return http_reply_error(req, 404, "not_found", "error.not_found", NULL);
    char etag[24];
    snprintf(etag, sizeof etag, "\"%.16s\"", a->sha256);
    http_set_header(req, "ETag", etag);
    req->resp.cacheable = 1;
    const char *inm = http_header(req, "If-None-Match");
    if (inm && (strstr(inm, etag) || strcmp(inm, "*") == 0)) {
        req->resp.content_type = content_type_of(path);
        req->resp.status = 304;
        return 304;
    }
    return http_reply_text(req, 200, content_type_of(path), (const char *)a->data, a->len);
}
