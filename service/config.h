/* Settings of takedownd and takedownctl: defaults, an optional config file, then flags. */
#ifndef TAKEDOWN_CONFIG_H
#define TAKEDOWN_CONFIG_H

#include <stddef.h>

/* The request limits, passed to guard_init and signin_init. Waits double from the first wait per
 * attempt past the free ones; rates are tokens a second, bursts the bucket's size. */
typedef struct Limits {
    unsigned submit_per_address; /* --submit-per-address: submissions before the doubling wait */
    unsigned submit_tries_per_address; /* --submit-tries-per-address: refused before a wait */
    unsigned submit_rate;              /* --submit-rate: submissions a second, all addresses */
    unsigned submit_burst;             /* --submit-burst: submissions at once, all addresses */
    unsigned receipt_per_address; /* --receipt-tries-per-address: receipt sign-ins before a wait */
    unsigned receipt_rate;        /* --receipt-rate: receipt sign-ins a second, all addresses */
    unsigned receipt_burst;       /* --receipt-burst: receipt sign-ins at once, all addresses */
    unsigned staff_per_account;   /* --staff-tries-per-account: failures before the wait */
    unsigned staff_per_address;   /* --staff-tries-per-address: failures before the wait */
    unsigned staff_wait_ms;       /* --staff-wait-ms: the first staff wait, doubling */
    unsigned staff_wait_max_ms;   /* --staff-wait-max-ms: the longest staff wait */
    unsigned platform_per_minute; /* --platform-calls-per-minute: one desk's calls, burst a tenth */
} Limits;

/* Notifications (outbox.c): the SMTP relay they leave through, and the hours a victim who gave
 * none may be written to. No relay: the outbox fills and nothing is sent. */
typedef struct NotifyConfig {
    char smtp_url[512];           /* --smtp-url smtp://HOST[:PORT] or smtps://HOST[:PORT] */
    char smtp_from[256];          /* --smtp-from: the sender's address */
    int smtp_starttls;            /* --smtp-tls starttls (1, the default) or none (0) */
    char smtp_ca_file[512];       /* --smtp-ca-file: the relay's CA, else the system's */
    char smtp_user[128];          /* --smtp-user */
    char smtp_password_file[512]; /* --smtp-password-file: the password, read at start */
    int hours_from, hours_to;     /* --notify-hours HH:MM-HH:MM, minutes of the local day */
    int digest_at;                /* --digest-at HH:MM: when the staff digests go out */
} NotifyConfig;

typedef struct Config {
    char data_dir[512];    /* --data-dir, default ./var */
    char db[1024];         /* --db postgresql://...; empty: SQLite under data_dir */
    char listen_host[256]; /* --listen HOST:PORT, default 127.0.0.1:8080 */
    unsigned listen_port;
    unsigned http_threads; /* libmicrohttpd thread pool size */
    unsigned workers;      /* the bound on concurrent Argon2id (slow work that holds a core) */
    unsigned work_threads; /* slow-work pool threads (at least workers): the rest wait on disk */
    unsigned work_queue;   /* slow-work queue length; beyond it 503 with Retry-After */
    size_t max_body;       /* default body limit in bytes */
    size_t max_url;        /* request-target limit in bytes */
    unsigned max_connections;
    unsigned conn_timeout;   /* seconds of inactivity before a connection is closed */
    unsigned per_address;    /* connections from one address at once (0: no cap) */
    unsigned header_timeout; /* seconds for a whole request head; the grace for body and answer */
    unsigned min_rate;       /* bytes a second a body must arrive and an answer be read at */
    int trust_proxy;         /* take the client address from X-Forwarded-For */
    char tls_cert[512];
    char tls_key[512];
    int debug_routes;           /* enables /debug/ routes used by the tests */
    int log_level;              /* LogLevel */
    unsigned grace_ms;          /* shutdown grace for in-flight requests */
    unsigned tick_seconds;      /* how often background work runs */
    unsigned check_timeout;     /* seconds a link check may take */
    int check_private;          /* the checker may reach loopback/private addresses (tests only) */
    unsigned retention_days;    /* 0: keep the stored setting (default 180) */
    size_t upload_inflight;     /* bound on upload bytes being received at once, all uploads */
    char public_url[512];       /* --public-url: where users reach us; https:// means TLS */
    int public_https;           /* public_url starts with https:// */
    char metrics_token[256];    /* --metrics-token: lets non-loopback clients read /metrics */
    Limits limits;              /* submissions, receipt and staff sign-ins */
    int bench_receipt_kdf_min;  /* receipts at libsodium's minimum Argon2id: benchmark dirs only */
    unsigned min_free_mb;       /* --min-free-mb: free space kept in reserve (reserve.h) */
    NotifyConfig notify;        /* --smtp-*, --notify-hours */
    char checker_key_file[512]; /* --checker-key-file: unattended link checks (keyring.h) */
} Config;

/* Fills the defaults. */
void config_defaults(Config *cfg);
/* Reads "key = value" lines (# comments) with the same names as the long flags. Returns 0, or -1
 * after writing one line naming the file, line and problem into err. */
int config_load_file(Config *cfg, const char *path, char *err, size_t err_size);
/* Applies one setting by its flag name without "--" ("listen", "data-dir"...). Returns 0 or -1
 * with a one-line reason in err. value is NULL for a boolean flag given without a value. */
int config_set(Config *cfg, const char *key, const char *value, char *err, size_t err_size);
/* 1 if key is a boolean setting (a flag that takes no value). */
int config_is_bool(const char *key);
/* The help text of the settings, for --help. */
const char *config_help(void);

#endif
