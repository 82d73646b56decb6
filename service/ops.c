/* Operations endpoints: health for load balancers, metrics for Prometheus. */
#include "handlers.h"

#include "metrics.h"
#include "store.h"

int ops_healthz(Request *req)
{
    if (store_health() != STORE_OK)
        return http_reply_json(req, 503, json_pack("{s:s}", "status", "unavailable"));
    return http_reply_json(
        req, 200, json_pack("{s:s, s:i}", "status", "ok", "schema", store_schema_version()));
}

int ops_metrics(Request *req)
{
    Buf b = {0};
    metrics_write(&b);
    http_reply_text(req, 200, "text/plain; version=0.0.4; charset=utf-8", b.data, b.len);
    buf_free(&b);
    return 200;
}
