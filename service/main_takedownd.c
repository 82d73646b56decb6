/* takedownd: the service. Reads settings, opens the store, serves until SIGINT or SIGTERM, then
 * lets in-flight requests finish and closes the database cleanly. */
#include "auth.h"
#include "backup.h"
#include "checker.h"
#include "config.h"
#include "desk.h"
#include "guard.h"
#include "handlers.h"
#include "harden.h"
#include "http.h"
#include "i18n.h"
#include "intake.h"
#include "keyring.h"
#include "log.h"
#include "outbox.h"
#include "render.h"
#include "reserve.h"
#include "routes.h"
#include "scheduler.h"
#include "signin.h"
#include "store.h"
#include "store_registry.h"
#include "store_staff.h"
#include "uploads.h"
#include "vault.h"
#include "workpool.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f,
            "usage: takedownd [options]\n"
            "Serves takedown: victims' reports, caseworkers' queues, notices to platforms.\n\n"
            "%s"
            "  --help                this text\n"
            "  --version             the version\n",
            config_help());
}

/* Applies --config first, then every other flag over it. Returns 0, 1 (done: help/version) or -1.
 */
static int parse_args(Config *cfg, int argc, char **argv)
{
    char err[512];
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 1;
        }
        if (strcmp(argv[i], "--version") == 0) {
            printf("takedownd %s (libmicrohttpd %s)\n", TAKEDOWN_VERSION, http_library_version());
            return 1;
        }
        if (strcmp(argv[i], "--config") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "takedownd: --config needs a file\n");
                return -1;
            }
            if (config_load_file(cfg, argv[i + 1], err, sizeof err) != 0) {
                fprintf(stderr, "takedownd: %s\n", err);
                return -1;
            }
        }
    }
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strncmp(arg, "--", 2) != 0) {
            fprintf(stderr, "takedownd: unexpected argument '%s' (see --help)\n", arg);
            return -1;
        }
        char key[64];
        const char *value = NULL;
        const char *eq = strchr(arg + 2, '=');
        size_t klen = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
        if (klen >= sizeof key) {
            fprintf(stderr, "takedownd: unknown flag '%s' (see --help)\n", arg);
            return -1;
        }
        memcpy(key, arg + 2, klen);
        key[klen] = '\0';
        if (eq)
            value = eq + 1;
        else if (!config_is_bool(key)) {
            if (i + 1 >= argc) {
                fprintf(stderr, "takedownd: --%s needs a value\n", key);
                return -1;
            }
            value = argv[++i];
        }
        if (strcmp(key, "config") == 0)
            continue;
        if (config_set(cfg, key, value, err, sizeof err) != 0) {
            fprintf(stderr, "takedownd: %s\n", err);
            return -1;
        }
    }
    if ((cfg->tls_cert[0] != '\0') != (cfg->tls_key[0] != '\0')) {
        fprintf(stderr, "takedownd: --tls-cert and --tls-key go together\n");
        return -1;
    }
    return 0;
}

/* --bench-receipt-kdf-min only on a benchmark data dir; a benchmark dir without it starts but
 * warns, since the receipts its generator made then find no case. Returns 0 or -1 (printed). */
static int bench_receipts(const Config *cfg)
{
    int bench_dir = store_benchmark_dir(cfg->data_dir);
    if (cfg->bench_receipt_kdf_min && !bench_dir) {
        fprintf(stderr,
                "takedownd: --bench-receipt-kdf-min refused: %s is not a benchmark data dir "
                "(it has no %s marker, which only the benchmark's generator writes)\n",
                cfg->data_dir, STORE_BENCH_MARKER);
        return -1;
    }
    if (cfg->bench_receipt_kdf_min) {
        intake_set_receipt_cost(vault_pw_cost_min());
        log_warnx("benchmark data dir: receipts are derived at libsodium's minimum Argon2id cost");
    } else if (bench_dir) {
        log_warnx("%s is a benchmark data dir (%s) but --bench-receipt-kdf-min is off: receipts "
                  "its generator made will not sign in",
                  cfg->data_dir, STORE_BENCH_MARKER);
    }
    return 0;
}

/* The writer's log is long: a passive checkpoint in the slow-work pool, off the commit path. */
static void checkpoint_job(void *arg)
{
    (void)arg;
    if (store_checkpoint_passive() != 0)
        log_warnx("a background checkpoint of the database log failed");
}

static int checkpoint_ask(void)
{
    return workpool_submit(checkpoint_job, NULL);
}

/* The retention setting is kept in the store, where the purge reads it. */
static void retention_apply(unsigned days)
{
    if (!days)
        return;
    char text[16];
    snprintf(text, sizeof text, "%u", days);
    store_meta_set(store_conn(), "retention_days", text);
}

/* SIGHUP: the settings read again (the same flags, and the --config file as it is now). Those safe
 * to change while serving take effect at once: the log level, the link checks' timeout, the
 * retention, the platform desks' rate. The others wait for a restart, and the log says so. */
static void reload(int argc, char **argv, Config *running)
{
    Config next;
    config_defaults(&next);
    if (parse_args(&next, argc, argv) != 0) {
        log_warnx("SIGHUP: the settings do not read; nothing changed");
        return;
    }
    vault_wipe(next.metrics_token, sizeof next.metrics_token); /* as at start: not kept */
    log_set_level((LogLevel)next.log_level);
    checker_configure(next.check_timeout, running->check_private);
    retention_apply(next.retention_days);
    desk_rate_init(&next.limits);
    running->log_level = next.log_level;
    running->check_timeout = next.check_timeout;
    running->retention_days = next.retention_days;
    running->limits.platform_per_minute = next.limits.platform_per_minute;
    /* Byte for byte: both began as config_defaults (which zeroes the whole struct, padding too)
     * and only members were assigned since. */
    int rest =
        memcmp(running, &next, sizeof next) != 0; // NOLINT(bugprone-suspicious-memory-comparison)
    log_info("SIGHUP: settings read again; log level, check timeout, retention and the platform "
             "desks' rate applied%s",
             rest ? "; other settings changed, and take effect at the next restart" : "");
}

/* The checker key, when given: read (or the start refused), and held against the one enabled. */
static int checker_key_start(const Config *cfg)
{
    char err[256];
    if (keyring_load_checker(cfg->checker_key_file, cfg->data_dir, err, sizeof err) != 0) {
        fprintf(stderr, "takedownd: %s\n", err);
        return -1;
    }
    unsigned char pk[VAULT_KEY_BYTES];
    unsigned char *sk = vault_secret_alloc(VAULT_KEY_BYTES);
    StoreConn *c = store_conn();
    keyring_checker(sk);
    if (!c || store_org_checker_key(c, pk) != STORE_OK)
        log_warnx("a checker key was given but none is enabled (takedownctl checker enable): "
                  "checks wait for staff");
    else if (!vault_keypair_matches(pk, sk))
        log_warnx("the checker key is not the one enabled: checks wait for staff");
    else
        log_info("checker key loaded: link checks run while no staff are signed in");
    vault_secret_free(sk);
    return 0;
}

int main(int argc, char **argv)
{
    if (harden_no_core_dumps() != 0) {
        perror("takedownd: cannot turn off core dumps");
        return 1;
    }
    harden_json_memory();
    if (harden_curl_memory() != 0) {
        fprintf(stderr, "takedownd: cannot initialise libcurl\n");
        return 1;
    }
    Config cfg;
    config_defaults(&cfg);
    int rc = parse_args(&cfg, argc, argv);
    if (rc != 0)
        return rc > 0 ? 0 : 2;
    log_set_level((LogLevel)cfg.log_level);
    if (bench_receipts(&cfg) != 0)
        return 1;

    /* Signals are taken by sigwait below; every thread started from here inherits the mask. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGPIPE);
    sigaddset(&sigs, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);

    char err[512];
    if (vault_init() != 0) {
        fprintf(stderr, "takedownd: cannot initialise libsodium\n");
        return 1;
    }
    if (i18n_init() != 0 || render_init() != 0) {
        fprintf(stderr, "takedownd: the embedded templates or translations are broken\n");
        return 1;
    }
    /* The tests' I/O faults (POST /debug/io-fault) live in a VFS under every connection. */
    if (cfg.debug_routes && store_fault_install() != 0) {
        fprintf(stderr, "takedownd: cannot install the test I/O fault layer\n");
        return 1;
    }
    store_before_upgrade(backup_before_upgrade, NULL); /* a newer binary backs up, then migrates */
    if (store_set_database(cfg.db[0] ? cfg.db : NULL) != 0) {
        fprintf(stderr, "takedownd: --db needs a postgresql:// URL\n");
        return 1;
    }
    if (store_open(cfg.data_dir, err, sizeof err) != 0) {
        fprintf(stderr, "takedownd: %s\n", err);
        return 1;
    }
    reserve_configure(cfg.data_dir, (uint64_t)cfg.min_free_mb * 1024 * 1024);
    intake_recover_uploads();
    vault_argon2_limit(cfg.workers);
    store_checkpoint_elsewhere(checkpoint_ask);
    if (workpool_start(cfg.work_threads > cfg.workers ? cfg.work_threads : cfg.workers,
                       cfg.work_queue) != 0) {
        fprintf(stderr, "takedownd: cannot start the slow-work pool\n");
        store_close();
        return 1;
    }
    signin_init(&cfg.limits);
    guard_init(&cfg.limits);
    desk_rate_init(&cfg.limits);
    auth_init();
    ops_configure(cfg.metrics_token);
    pages_victim_configure(cfg.public_url);
    vault_wipe(cfg.metrics_token, sizeof cfg.metrics_token);
    checker_configure(cfg.check_timeout, cfg.check_private);
    retention_apply(cfg.retention_days);
    err[0] = '\0';
    const Transport *mail = transport_smtp(&cfg.notify, err, sizeof err);
    if (!mail && err[0]) {
        fprintf(stderr, "takedownd: %s\n", err);
        workpool_stop();
        store_close();
        return 1;
    }
    if (mail && !cfg.notify.smtp_starttls)
        log_info("notifications go to the relay without TLS (--smtp-tls none): keep the relay on "
                 "this machine");
    if (cfg.checker_key_file[0] && checker_key_start(&cfg) != 0) {
        workpool_stop();
        store_close();
        return 1;
    }
    outbox_configure(mail, cfg.notify.hours_from, cfg.notify.hours_to, cfg.notify.digest_at);
    scheduler_lead(); /* before the first request: the lead if nobody has it, and the take-back */
    http_set_gate(auth_gate);
    http_set_upload_setup(uploads_attach);
    http_set_upload_checks(auth_upload_before_body, auth_upload_before_file);
    size_t nroutes;
    const Route *routes = routes_table(cfg.debug_routes, &nroutes);
    HttpServer *srv = http_start(&cfg, routes, nroutes);
    if (!srv) {
        workpool_stop();
        store_close();
        return 1;
    }
    log_info("takedownd %s listening on %s:%u, data in %s", TAKEDOWN_VERSION, cfg.listen_host,
             cfg.listen_port, cfg.data_dir);
    scheduler_start(cfg.tick_seconds);

    int sig = 0;
    for (;;) {
        sigwait(&sigs, &sig);
        if (sig == SIGHUP)
            reload(argc, argv, &cfg);
        else if (sig != SIGPIPE)
            break;
    }
    log_info("signal %d: finishing in-flight requests", sig);
    ops_draining();
    scheduler_stop();
    http_stop(srv, (int)cfg.grace_ms);
    workpool_stop();
    store_close();
    signin_shutdown();
    guard_shutdown();
    desk_rate_shutdown();
    auth_shutdown();
    ops_configure(NULL);
    render_shutdown();
    i18n_shutdown();
    log_info("stopped cleanly");
    return 0;
}
