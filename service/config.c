/* Settings: one table of names shared by the config file and the command line. */
#include "config.h"

#include "hours.h"
#include "log.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void config_defaults(Config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->data_dir, sizeof cfg->data_dir, "./var");
    snprintf(cfg->listen_host, sizeof cfg->listen_host, "127.0.0.1");
    cfg->listen_port = 8080;
    cfg->http_threads = 8;
    cfg->workers = 2;
    cfg->work_threads = 16;
    cfg->work_queue = 64;
    cfg->max_body = 64 * 1024;
    cfg->max_url = 4096;
    cfg->max_connections = 10000;
    cfg->conn_timeout = 30;
    cfg->per_address = 128;
    cfg->header_timeout = 15;
    cfg->min_rate = 1024;
    cfg->log_level = LOG_LEVEL_INFO;
    cfg->grace_ms = 10000;
    cfg->tick_seconds = 60;
    cfg->check_timeout = 10;
    cfg->upload_inflight = 256u * 1024 * 1024;
    cfg->min_free_mb = 64;
    cfg->notify.smtp_starttls = 1;
    cfg->notify.hours_from = 9 * 60;
    cfg->notify.hours_to = 20 * 60;
    cfg->notify.digest_at = 8 * 60;
    cfg->limits = (Limits){
        .submit_per_address = 10,
        .submit_tries_per_address = 30,
        .platform_per_minute = 600,
        .submit_rate = 5,
        .submit_burst = 50,
        .receipt_per_address = 5,
        .receipt_rate = 20,
        .receipt_burst = 40,
        .staff_per_account = 5,
        .staff_per_address = 20,
        .staff_wait_ms = 1000,
        .staff_wait_max_ms = 15 * 60 * 1000,
    };
}

/* Parses a whole unsigned number in [lo, hi]. */
static int parse_uint(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
    if (!s || !*s || *s == '-' || *s == '+')
        return -1;
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int set_str(char *dst, size_t size, const char *value)
{
    if (!value || !*value || strlen(value) >= size)
        return -1;
    memcpy(dst, value, strlen(value) + 1);
    return 0;
}

static int set_listen(Config *cfg, const char *value)
{
    const char *colon = value ? strrchr(value, ':') : NULL;
    unsigned long port;
    if (!colon || colon == value || parse_uint(colon + 1, 0, 65535, &port) != 0)
        return -1;
    size_t hlen = (size_t)(colon - value);
    if (value[0] == '[' && colon[-1] == ']') { /* [::1]:8080 */
        value++;
        hlen -= 2;
    }
    if (hlen == 0 || hlen >= sizeof cfg->listen_host)
        return -1;
    memcpy(cfg->listen_host, value, hlen);
    cfg->listen_host[hlen] = '\0';
    cfg->listen_port = (unsigned)port;
    return 0;
}

/* http:// or https:// and a host; https:// says a TLS proxy stands in front of us. */
static int set_public_url(Config *cfg, const char *value)
{
    int https = value && strncasecmp(value, "https://", 8) == 0;
    int http = value && strncasecmp(value, "http://", 7) == 0;
    if (!https && !http)
        return -1;
    const char *host = value + (https ? 8 : 7);
    if (!*host || *host == '/' || strpbrk(value, " \t\r\n"))
        return -1;
    if (set_str(cfg->public_url, sizeof cfg->public_url, value) != 0)
        return -1;
    cfg->public_https = https;
    return 0;
}

/* At least 16 visible ASCII characters: it is sent as "Authorization: Bearer <token>". */
static int set_metrics_token(Config *cfg, const char *value)
{
    if (!value || strlen(value) < 16)
        return -1;
    for (const char *p = value; *p; p++)
        if (*p <= ' ' || *p > '~')
            return -1;
    return set_str(cfg->metrics_token, sizeof cfg->metrics_token, value);
}

/* An address for a header line: printable ASCII, one @, no spaces (no header injection). */
static int set_address(char *dst, size_t n, const char *value)
{
    if (!value || !strchr(value, '@') || strchr(value, '@') != strrchr(value, '@'))
        return -1;
    for (const char *p = value; *p; p++)
        if (*p <= ' ' || *p > '~' || *p == '<' || *p == '>' || *p == ',')
            return -1;
    return set_str(dst, n, value);
}

static int set_smtp_url(NotifyConfig *n, const char *value)
{
    if (!value || (strncmp(value, "smtp://", 7) != 0 && strncmp(value, "smtps://", 8) != 0) ||
        strpbrk(value, " \t\r\n"))
        return -1;
    return set_str(n->smtp_url, sizeof n->smtp_url, value);
}

/* One time of day, HH:MM (hours.h), before midnight. */
static int set_time(int *minute, const char *value)
{
    const char *end = NULL;
    int m = value ? hours_time(value, &end) : -1;
    if (m < 0 || *end || m >= 24 * 60)
        return -1;
    *minute = m;
    return 0;
}

static int set_smtp_tls(NotifyConfig *n, const char *value)
{
    if (value && strcmp(value, "starttls") == 0)
        n->smtp_starttls = 1;
    else if (value && strcmp(value, "none") == 0)
        n->smtp_starttls = 0;
    else
        return -1;
    return 0;
}

static const char *bool_keys[] = {"trust-proxy",   "debug-routes",          "verbose",
                                  "check-private", "bench-receipt-kdf-min", NULL};

int config_is_bool(const char *key)
{
    for (int i = 0; bool_keys[i]; i++)
        if (strcmp(key, bool_keys[i]) == 0)
            return 1;
    return 0;
}

int config_set(Config *cfg, const char *key, const char *value, char *err, size_t err_size)
{
    unsigned long v = 0;
    int rc = -1;
    if (config_is_bool(key)) {
        int on = !value || strcmp(value, "true") == 0 || strcmp(value, "1") == 0 ||
                 strcmp(value, "yes") == 0;
        int off = value && (strcmp(value, "false") == 0 || strcmp(value, "0") == 0 ||
                            strcmp(value, "no") == 0);
        if (!on && !off) {
            snprintf(err, err_size, "--%s takes true or false", key);
            return -1;
        }
        if (strcmp(key, "trust-proxy") == 0)
            cfg->trust_proxy = on;
        else if (strcmp(key, "debug-routes") == 0)
            cfg->debug_routes = on;
        else if (strcmp(key, "check-private") == 0)
            cfg->check_private = on;
        else if (strcmp(key, "bench-receipt-kdf-min") == 0)
            cfg->bench_receipt_kdf_min = on;
        else
            cfg->log_level = on ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO;
        return 0;
    }
    static const struct {
        const char *key;
        unsigned long lo, hi;
        size_t offset, size;
    } nums[] = {
        {"threads", 1, 64, offsetof(Config, http_threads), sizeof(unsigned)},
        {"workers", 1, 64, offsetof(Config, workers), sizeof(unsigned)},
        {"work-threads", 1, 256, offsetof(Config, work_threads), sizeof(unsigned)},
        {"work-queue", 1, 100000, offsetof(Config, work_queue), sizeof(unsigned)},
        {"max-body", 1024, 1UL << 30, offsetof(Config, max_body), sizeof(size_t)},
        {"max-url", 256, 65536, offsetof(Config, max_url), sizeof(size_t)},
        {"max-connections", 1, 100000, offsetof(Config, max_connections), sizeof(unsigned)},
        {"timeout", 1, 3600, offsetof(Config, conn_timeout), sizeof(unsigned)},
        {"max-connections-per-address", 0, 100000, offsetof(Config, per_address), sizeof(unsigned)},
        {"header-timeout", 1, 3600, offsetof(Config, header_timeout), sizeof(unsigned)},
        {"min-rate", 1, 1U << 30, offsetof(Config, min_rate), sizeof(unsigned)},
        {"grace-ms", 0, 600000, offsetof(Config, grace_ms), sizeof(unsigned)},
        {"tick-seconds", 1, 86400, offsetof(Config, tick_seconds), sizeof(unsigned)},
        {"check-timeout", 1, 120, offsetof(Config, check_timeout), sizeof(unsigned)},
        {"retention-days", 1, 3650, offsetof(Config, retention_days), sizeof(unsigned)},
        {"upload-inflight-bytes", 1UL << 20, 1UL << 40, offsetof(Config, upload_inflight),
         sizeof(size_t)},
        {"min-free-mb", 0, 1UL << 20, offsetof(Config, min_free_mb), sizeof(unsigned)},
        {"submit-per-address", 1, 100000, offsetof(Config, limits.submit_per_address),
         sizeof(unsigned)},
        {"submit-tries-per-address", 1, 100000, offsetof(Config, limits.submit_tries_per_address),
         sizeof(unsigned)},
        {"submit-rate", 1, 10000, offsetof(Config, limits.submit_rate), sizeof(unsigned)},
        {"submit-burst", 1, 100000, offsetof(Config, limits.submit_burst), sizeof(unsigned)},
        {"receipt-tries-per-address", 1, 1000, offsetof(Config, limits.receipt_per_address),
         sizeof(unsigned)},
        {"platform-calls-per-minute", 1, 600000, offsetof(Config, limits.platform_per_minute),
         sizeof(unsigned)},
        {"receipt-rate", 1, 10000, offsetof(Config, limits.receipt_rate), sizeof(unsigned)},
        {"receipt-burst", 1, 100000, offsetof(Config, limits.receipt_burst), sizeof(unsigned)},
        {"staff-tries-per-account", 1, 1000, offsetof(Config, limits.staff_per_account),
         sizeof(unsigned)},
        {"staff-tries-per-address", 1, 100000, offsetof(Config, limits.staff_per_address),
         sizeof(unsigned)},
        {"staff-wait-ms", 1000, 3600000, offsetof(Config, limits.staff_wait_ms), sizeof(unsigned)},
        {"staff-wait-max-ms", 1000, 86400000, offsetof(Config, limits.staff_wait_max_ms),
         sizeof(unsigned)},
    };
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        if (strcmp(key, nums[i].key) != 0)
            continue;
        if (parse_uint(value, nums[i].lo, nums[i].hi, &v) != 0) {
            snprintf(err, err_size, "bad value for --%s", key);
            return -1;
        }
        char *field = (char *)cfg + nums[i].offset;
        if (nums[i].size == sizeof(unsigned)) {
            unsigned u = (unsigned)v;
            memcpy(field, &u, sizeof u);
        } else {
            size_t z = v;
            memcpy(field, &z, sizeof z);
        }
        return 0;
    }
    if (strcmp(key, "data-dir") == 0)
        rc = set_str(cfg->data_dir, sizeof cfg->data_dir, value);
    else if (strcmp(key, "db") == 0)
        rc = set_str(cfg->db, sizeof cfg->db, value);
    else if (strcmp(key, "listen") == 0)
        rc = set_listen(cfg, value);
    else if (strcmp(key, "tls-cert") == 0)
        rc = set_str(cfg->tls_cert, sizeof cfg->tls_cert, value);
    else if (strcmp(key, "tls-key") == 0)
        rc = set_str(cfg->tls_key, sizeof cfg->tls_key, value);
    else if (strcmp(key, "public-url") == 0)
        rc = set_public_url(cfg, value);
    else if (strcmp(key, "metrics-token") == 0)
        rc = set_metrics_token(cfg, value);
    else if (strcmp(key, "smtp-url") == 0)
        rc = set_smtp_url(&cfg->notify, value);
    else if (strcmp(key, "smtp-from") == 0)
        rc = set_address(cfg->notify.smtp_from, sizeof cfg->notify.smtp_from, value);
    else if (strcmp(key, "smtp-tls") == 0)
        rc = set_smtp_tls(&cfg->notify, value);
    else if (strcmp(key, "smtp-ca-file") == 0)
        rc = set_str(cfg->notify.smtp_ca_file, sizeof cfg->notify.smtp_ca_file, value);
    else if (strcmp(key, "smtp-user") == 0)
        rc = set_str(cfg->notify.smtp_user, sizeof cfg->notify.smtp_user, value);
    else if (strcmp(key, "smtp-password-file") == 0)
        rc = set_str(cfg->notify.smtp_password_file, sizeof cfg->notify.smtp_password_file, value);
    else if (strcmp(key, "checker-key-file") == 0)
        rc = set_str(cfg->checker_key_file, sizeof cfg->checker_key_file, value);
    else if (strcmp(key, "digest-at") == 0)
        rc = set_time(&cfg->notify.digest_at, value);
    else if (strcmp(key, "notify-hours") == 0)
        rc = value ? hours_range(value, &cfg->notify.hours_from, &cfg->notify.hours_to) : -1;
    else {
        snprintf(err, err_size, "unknown setting --%s (see --help)", key);
        return -1;
    }
    if (rc != 0)
        snprintf(err, err_size, "bad value for --%s", key);
    return rc;
}

int config_load_file(Config *cfg, const char *path, char *err, size_t err_size)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, err_size, "cannot read config file %s: %s", path, strerror(errno));
        return -1;
    }
    char line[1024];
    int lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *s = line;
        s[strcspn(s, "\r\n")] = '\0';
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s == '\0' || *s == '#')
            continue;
        char *eq = strchr(s, '=');
        char *value = NULL;
        if (eq) {
            value = eq + 1;
            while (*value == ' ' || *value == '\t')
                value++;
            char *e = eq;
            while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
                e--;
            *e = '\0';
            size_t vl = strlen(value);
            while (vl && (value[vl - 1] == ' ' || value[vl - 1] == '\t'))
                value[--vl] = '\0';
        }
        char why[256];
        if (config_set(cfg, s, value, why, sizeof why) != 0) {
            snprintf(err, err_size, "%s:%d: %s", path, lineno, why);
            fclose(f);
            return -1;
        }
    }
    fclose(f);
    return 0;
}

const char *config_help(void)
{
    return "  --data-dir DIR        where the database and files live (default ./var)\n"
           "  --db postgresql://... the database, in PostgreSQL instead of SQLite under the data\n"
           "                        dir (which still holds files and the erasure log); prefer\n"
           "                        a passfile to a password in the URL (ps shows arguments)\n"
           "  --listen HOST:PORT    address to serve on (default 127.0.0.1:8080)\n"
           "  --config FILE         read settings from FILE (key = value, same names as flags)\n"
           "  --threads N           HTTP threads; a request waiting for its commit holds one "
           "(default 8)\n"
           "  --workers N           concurrent Argon2id runs, at most (default 2)\n"
           "  --work-threads N      slow-work threads, raised to --workers if below; the others\n"
           "                        wait on the disk, so transactions commit together (default "
           "16)\n"
           "  --work-queue N        slow-work queue length before 503 (default 64)\n"
           "  --max-body BYTES      default request body limit (default 65536)\n"
           "  --max-url BYTES       request-target limit (default 4096)\n"
           "  --max-connections N   concurrent connections, lowered to what the open-file\n"
           "                        limit allows (default 10000)\n"
           "  --max-connections-per-address N\n"
           "                        concurrent connections from one address; 0: no cap; not\n"
           "                        applied behind --trust-proxy (default 128)\n"
           "  --header-timeout S    seconds a connection has to send a whole request head,\n"
           "                        also between requests on a kept-alive one (default 15)\n"
           "  --min-rate BYTES      after that many seconds, a body must keep arriving and an\n"
           "                        answer keep being read at this many bytes a second\n"
           "                        (default 1024)\n"
           "  --timeout SECONDS     idle connection timeout (default 30)\n"
           "  --grace-ms MS         shutdown grace for in-flight requests (default 10000)\n"
           "  --tls-cert FILE       serve HTTPS with this certificate (PEM)\n"
           "  --tls-key FILE        and this key (PEM)\n"
           "  --trust-proxy         take the client address from X-Forwarded-For and the\n"
           "                        scheme from X-Forwarded-Proto (https: Secure cookies, HSTS)\n"
           "  --public-url URL      where users reach the service; https://... means a TLS\n"
           "                        proxy is in front: Secure cookies and HSTS on every reply;\n"
           "                        also the address printed on the receipt card (default:\n"
           "                        the Host the person used)\n"
           "  --upload-inflight-bytes BYTES\n"
           "                        upload bytes received at once across all uploads; a new\n"
           "                        upload beyond it is 503 (default 268435456, 256 MiB)\n"
           "  --submit-per-address N  accepted reports from one address before a wait that\n"
           "                        doubles from 1 minute up to 1 hour; refused ones never\n"
           "                        count (default 10)\n"
           "  --submit-tries-per-address N\n"
           "                        refused report attempts from one address before a wait\n"
           "                        that doubles from 10 seconds up to 10 minutes; an accepted\n"
           "                        report gives its try back (default 30)\n"
           "  --submit-rate N       report attempts a second from all addresses (default 5)\n"
           "  --submit-burst N      report attempts at once from all addresses (default 50)\n"
           "  --platform-calls-per-minute N\n"
           "                        API calls of one platform desk a minute, at most a tenth\n"
           "                        of them at once; past it 429 with Retry-After (default 600)\n"
           "  --receipt-tries-per-address N\n"
           "                        receipt sign-ins from one address before a wait that\n"
           "                        doubles from 2 seconds up to 1 hour (default 5)\n"
           "  --receipt-rate N      receipt sign-ins a second, all addresses (default 20)\n"
           "  --receipt-burst N     receipt sign-ins at once, all addresses (default 40)\n"
           "  --staff-tries-per-account N\n"
           "                        wrong staff sign-ins for one login before a wait (default 5)\n"
           "  --staff-tries-per-address N\n"
           "                        wrong staff sign-ins from one address before a wait\n"
           "                        (default 20)\n"
           "  --staff-wait-ms MS    first staff wait, doubling per failure (default 1000)\n"
           "  --staff-wait-max-ms MS  longest staff wait (default 900000, 15 minutes)\n"
           "  --metrics-token TOKEN /metrics for non-loopback clients that send\n"
           "                        \"Authorization: Bearer TOKEN\" (at least 16 characters)\n"
           "  --tick-seconds N      how often background work runs (default 60)\n"
           "  --check-timeout S     seconds a link check may take (default 10)\n"
           "  --check-private       let the link checker reach private addresses (tests)\n"
           "  --smtp-url URL        smtp://HOST[:PORT] (or smtps://) of the relay notifications\n"
           "                        leave through; none: they wait in the outbox\n"
           "  --smtp-from ADDRESS   the sender of notifications\n"
           "  --smtp-tls MODE       starttls (required, the default) or none (a relay on this\n"
           "                        machine only)\n"
           "  --smtp-ca-file FILE   the relay's certificate authority (default: the system's)\n"
           "  --smtp-user NAME      and --smtp-password-file FILE: the relay's login\n"
           "  --notify-hours HH:MM-HH:MM\n"
           "                        when a victim who named no safe hours may be written to,\n"
           "                        local time (default 09:00-20:00)\n"
           "  --digest-at HH:MM     when each day's staff digests go out, local time (default\n"
           "                        08:00)\n"
           "  --checker-key-file FILE\n"
           "                        the checker key (takedownctl checker enable): link checks\n"
           "                        run while no staff are signed in; outside the data dir,\n"
           "                        mode 0400\n"
           "  --retention-days N    days a closed or withdrawn case is kept (default 180)\n"
           "  --min-free-mb N       free space kept in reserve on the data dir's filesystem: at\n"
           "                        or under it, new reports, uploads and changes answer 503\n"
           "                        (storage_low) while sign-ins, sign-outs, withdrawal,\n"
           "                        erasure and reads go on; 0 turns it off (default 64)\n"
           "  --bench-receipt-kdf-min\n"
           "                        derive receipts (new reports and receipt sign-ins) at\n"
           "                        libsodium's minimum Argon2id cost, to measure everything\n"
           "                        but the KDF; refused unless the data dir is a benchmark\n"
           "                        data dir (its BENCHMARK-DATA marker is written only by\n"
           "                        the benchmark's generator, bench_fill)\n"
           "  --verbose             debug logging\n";
}
