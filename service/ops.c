/* Operations endpoints: health for load balancers, metrics for Prometheus. */
#include "handlers.h"

#include "metrics.h"
#include "store.h"
#include "vault.h"

#include <stdatomic.h>
#include <string.h>

static char *metrics_token; /* owned, locked: --metrics-token, or NULL */

void ops_configure(const char *token)
{
    vault_secret_free(metrics_token);
    metrics_token = NULL;
    if (token && *token) {
        metrics_token = vault_secret_alloc(strlen(token) + 1);
        memcpy(metrics_token, token, strlen(token) + 1);
    }
}

/* Loopback (behind --trust-proxy: the forwarded client's address), or the configured token as
 * "Authorization: Bearer <token>", compared in constant time. */
static int metrics_allowed(Request *req)
{
    if (req->is_loopback)
        return 1;
    const char *auth = http_header(req, "Authorization");
    return metrics_token && auth && strncmp(auth, "Bearer ", 7) == 0 &&
           vault_str_equal(auth + 7, metrics_token);
}

int ops_healthz(Request *req)
{
    if (store_health() != STORE_OK)
        return http_reply_json(req, 503, json_pack("{s:s}", "status", "unavailable"));
    return http_reply_json(
        req, 200, json_pack("{s:s, s:i}", "status", "ok", "schema", store_schema_version()));
}

static atomic_int draining;

void ops_draining(void)
{
    atomic_store(&draining, 1);
}

/* Ready for traffic: serving (not draining to stop) and the database answers. Migrations run
 * before the service listens, so a node that answers at all has its schema. */
int ops_readyz(Request *req)
{
    if (atomic_load(&draining))
        return http_reply_json(req, 503, json_pack("{s:s}", "status", "draining"));
    if (store_health() != STORE_OK)
        return http_reply_json(req, 503, json_pack("{s:s}", "status", "unavailable"));
    return http_reply_json(req, 200, json_pack("{s:s}", "status", "ready"));
}

int ops_metrics(Request *req)
{
    if (!metrics_allowed(req))
        return http_reply_error(req, 403, "forbidden", "error.forbidden", NULL);
    Buf b = {0};
    metrics_write(&b);
    http_reply_text(req, 200, "text/plain; version=0.0.4; charset=utf-8", b.data, b.len);
    buf_free(&b);
    return 200;
}
