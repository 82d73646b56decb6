/* GET /api/v1/openapi.json: the OpenAPI document of the JSON API, embedded from
 * web/static/openapi.json (also served as /static/openapi.json). */
#include "handlers.h"

#include "assets.h"

int api_openapi(Request *req)
{
    const Asset *a = assets_find("static/openapi.json");
    if (!a)
        return http_reply_error(req, 404, "not_found", "error.not_found", NULL);
    return http_reply_text(req, 200, "application/json", (const char *)a->data, a->len);
}
