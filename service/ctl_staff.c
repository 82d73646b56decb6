/* takedownctl init, user, passwd, recover, audit, platform, checker: staff and platform accounts
 * and the org key from the command line. Secrets come from stdin one per line (echo off on a
 * terminal) and are wiped after use. */
#include "ctl.h"

#include "casework.h"
#include "desk.h"
#include "keyring.h"
#include "log.h"
#include "orgkey.h"
#include "retention.h"
#include "staff.h"
#include "store.h"
#include "store_staff.h"
#include "store_target.h"
#include "vault.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* After keys were destroyed or replaced (disable, rotate, passwd, recover) the domain has tried to
 * move the old wraps out of the database log; say so when a reader kept it from finishing. */
static void clear_log(void)
{
    if (retention_log_pending())
        printf("the database log could not be cleared yet: takedownd's next tick clears it\n");
}

typedef struct CtlArgs {
    const char *data_dir;
    const char *as;
    const char *role;
    const char *admin;
    const char *platform;
    const char *public_key;
    const char *days;
    const char *key_file;
    const char *positional[2];
    int npositional;
    int dry_run;
} CtlArgs;

/* Parses the options every subcommand shares; returns 0 or 2 (usage, message printed). */
static int ctl_parse(int argc, char **argv, CtlArgs *a)
{
    memset(a, 0, sizeof *a);
    a->data_dir = "./var";
    for (int i = 1; i < argc; i++) {
        const char **slot = NULL;
        if (strcmp(argv[i], "--data-dir") == 0)
            slot = &a->data_dir;
        else if (strcmp(argv[i], "--as") == 0)
            slot = &a->as;
        else if (strcmp(argv[i], "--role") == 0)
            slot = &a->role;
        else if (strcmp(argv[i], "--admin") == 0)
            slot = &a->admin;
        else if (strcmp(argv[i], "--platform") == 0)
            slot = &a->platform;
        else if (strcmp(argv[i], "--public-key") == 0)
            slot = &a->public_key;
        else if (strcmp(argv[i], "--days") == 0)
            slot = &a->days;
        else if (strcmp(argv[i], "--key-file") == 0)
            slot = &a->key_file;
        else if (strcmp(argv[i], "--dry-run") == 0) {
            a->dry_run = 1;
            continue;
        } else if (strncmp(argv[i], "--", 2) == 0) {
            fprintf(stderr, "takedownctl %s: unknown option %s\n", argv[0], argv[i]);
            return 2;
        } else {
            if (a->npositional == 2) {
                fprintf(stderr, "takedownctl %s: too many arguments\n", argv[0]);
                return 2;
            }
            a->positional[a->npositional++] = argv[i];
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "takedownctl %s: %s needs a value\n", argv[0], argv[i]);
            return 2;
        }
        *slot = argv[++i];
    }
    return 0;
}

static int ctl_open(const CtlArgs *a)
{
    char err[512];
    if (vault_init() != 0) {
        fprintf(stderr, "takedownctl: cannot initialise libsodium\n");
        return 1;
    }
    if (store_open(a->data_dir, err, sizeof err) != 0) {
        fprintf(stderr, "takedownctl: %s\n", err);
        return 1;
    }
    return 0;
}

/* Reads one line of stdin into locked memory (echo off on a terminal); NULL at end of input. */
static char *read_secret(const char *prompt)
{
    int tty = isatty(STDIN_FILENO);
    struct termios old, quiet;
    if (tty) {
        fprintf(stderr, "%s: ", prompt);
        tcgetattr(STDIN_FILENO, &old);
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    }
    char *line = vault_secret_alloc(1024);
    char *got = fgets(line, 1024, stdin);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSANOW, &old);
        fprintf(stderr, "\n");
    }
    if (!got) {
        vault_secret_free(line);
        return NULL;
    }
    line[strcspn(line, "\r\n")] = '\0';
    return line;
}

/* A new password typed twice; NULL (message printed) when missing or the two differ. */
static char *read_new_password(void)
{
    char *a = read_secret("new password");
    char *b = a ? read_secret("new password again") : NULL;
    if (!a || !b) {
        fprintf(stderr, "takedownctl: expected the new password twice on stdin\n");
        vault_secret_free(a);
        vault_secret_free(b);
        return NULL;
    }
    if (strcmp(a, b) != 0) {
        fprintf(stderr, "takedownctl: the two passwords differ\n");
        vault_secret_free(a);
        vault_secret_free(b);
        return NULL;
    }
    vault_secret_free(b);
    return a;
}

static int report(const char *cmd, StaffResult r)
{
    if (r == STAFF_OK)
        return 0;
    fprintf(stderr, "takedownctl %s: %s\n", cmd, staff_result_text(r));
    return 1;
}

int ctl_init(int argc, char **argv)
{
    CtlArgs a;
    if (ctl_parse(argc, argv, &a) != 0)
        return 2;
    if (!a.admin) {
        fprintf(stderr, "usage: takedownctl init --data-dir DIR --admin LOGIN\n");
        return 2;
    }
    if (!staff_login_valid(a.admin))
        return report("init", STAFF_BAD_LOGIN);
    char *pw = read_new_password();
    if (!pw)
        return 1;
    if (!staff_password_valid(pw)) {
        vault_secret_free(pw);
        return report("init", STAFF_BAD_PASSWORD);
    }
    if (ctl_open(&a) != 0) {
        vault_secret_free(pw);
        return 1;
    }
    char *recovery = vault_secret_alloc(VAULT_RECOVERY_TEXT);
    StaffResult r = staff_init(a.admin, pw, vault_pw_cost_default(), recovery, time(NULL));
    vault_secret_free(pw);
    if (r == STAFF_OK) {
        printf("initialised %s with admin %s\n", a.data_dir, a.admin);
        printf("Write the recovery key down and keep it offline; it is not shown again.\n");
        printf("recovery-key: %s\n", recovery);
        fflush(stdout);
    }
    vault_secret_free(recovery);
    store_close();
    return report("init", r);
}

int ctl_user(int argc, char **argv)
{
    CtlArgs a;
    if (ctl_parse(argc, argv, &a) != 0)
        return 2;
    const char *verb = a.npositional > 0 ? a.positional[0] : NULL;
    const char *login = a.npositional > 1 ? a.positional[1] : NULL;
    if (!verb || !login || !a.as || (strcmp(verb, "add") == 0 && !a.role) ||
        (strcmp(verb, "add") != 0 && strcmp(verb, "disable") != 0)) {
        fprintf(stderr, "usage: takedownctl user add --data-dir DIR --as ADMIN --role ROLE LOGIN\n"
                        "       takedownctl user disable --data-dir DIR --as ADMIN LOGIN\n");
        return 2;
    }
    if (strcmp(verb, "add") == 0 && !staff_role_valid(a.role))
        return report("user add", STAFF_BAD_ROLE);
    if (strcmp(verb, "add") == 0 && !staff_login_valid(login))
        return report("user add", STAFF_BAD_LOGIN);
    char *admin_pw = read_secret("password of the admin");
    if (!admin_pw) {
        fprintf(stderr, "takedownctl: expected the admin's password on stdin\n");
        return 1;
    }
    StaffResult r;
    if (strcmp(verb, "add") == 0) {
        char *pw = read_new_password();
        if (!pw) {
            vault_secret_free(admin_pw);
            return 1;
        }
        if (ctl_open(&a) != 0) {
            vault_secret_free(admin_pw);
            vault_secret_free(pw);
            return 1;
        }
        r = staff_add(a.as, admin_pw, a.role, login, pw, vault_pw_cost_default(), time(NULL));
        vault_secret_free(pw);
        if (r == STAFF_OK)
            printf("added %s (%s)\n", login, a.role);
    } else {
        if (ctl_open(&a) != 0) {
            vault_secret_free(admin_pw);
            return 1;
        }
        r = staff_disable(a.as, admin_pw, login, time(NULL));
        if (r == STAFF_OK)
            printf("disabled %s; their sessions have ended\n", login);
        if (r == STAFF_OK)
            clear_log();
    }
    vault_secret_free(admin_pw);
    store_close();
    return report(strcmp(verb, "add") == 0 ? "user add" : "user disable", r);
}

/* passwd and recover: one login, a secret (what), then a new password twice; fn sets it, done
 * names the outcome before the login. */
typedef StaffResult (*NewPasswordFn)(const char *secret, const char *login, const char *password,
                                     VaultPwCost cost, int64_t now);

static int new_password_command(int argc, char **argv, const char *what, NewPasswordFn fn,
                                const char *done)
{
    CtlArgs a;
    if (ctl_parse(argc, argv, &a) != 0)
        return 2;
    if (a.npositional != 1) {
        fprintf(stderr, "usage: takedownctl %s --data-dir DIR LOGIN\n", argv[0]);
        return 2;
    }
    char *secret = read_secret(what);
    char *pw = secret ? read_new_password() : NULL;
    if (!secret || !pw) {
        if (!secret)
            fprintf(stderr, "takedownctl: expected the %s on stdin\n", what);
        vault_secret_free(secret);
        return 1;
    }
    StaffResult r = STAFF_ERROR;
    if (ctl_open(&a) == 0) {
        r = fn(secret, a.positional[0], pw, vault_pw_cost_default(), time(NULL));
        if (r == STAFF_OK)
            clear_log();
        store_close();
    }
    vault_secret_free(secret);
    vault_secret_free(pw);
    if (r == STAFF_OK)
        printf("%s %s\n", done, a.positional[0]);
    return report(argv[0], r);
}

/* staff_passwd takes the login first. */
static StaffResult passwd_fn(const char *old, const char *login, const char *password,
                             VaultPwCost cost, int64_t now)
{
    return staff_passwd(login, old, password, cost, now);
}

int ctl_passwd(int argc, char **argv)
{
    return new_password_command(argc, argv, "current password", passwd_fn,
                                "password changed; every session has ended for");
}

int ctl_recover(int argc, char **argv)
{
    return new_password_command(argc, argv, "recovery key", staff_recover, "new password set for");
}

static void rotate_progress(void *arg, int64_t done, int64_t total)
{
    (void)arg;
    fprintf(stderr, "org rotate: %lld/%lld cases\n", (long long)done, (long long)total);
}

int ctl_org(int argc, char **argv)
{
    CtlArgs a;
    if (ctl_parse(argc, argv, &a) != 0)
        return 2;
    if (a.npositional != 1 || strcmp(a.positional[0], "rotate") != 0 || !a.as) {
        fprintf(stderr, "usage: takedownctl org rotate --data-dir DIR --as ADMIN\n");
        return 2;
    }
    char *pw = read_secret("password of the admin");
    if (!pw) {
        fprintf(stderr, "takedownctl: expected the admin's password on stdin\n");
        return 1;
    }
    StaffResult r = STAFF_ERROR;
    char *recovery = vault_secret_alloc(VAULT_RECOVERY_TEXT);
    OrgRotation out;
    if (ctl_open(&a) == 0) {
        r = orgkey_rotate(a.as, pw, recovery, rotate_progress, NULL, time(NULL), &out);
        if (r == STAFF_OK)
            clear_log();
        store_close();
    }
    vault_secret_free(pw);
    if (r == STAFF_OK) {
        printf("org key rotated: %lld cases re-keyed, the new key sealed to %lld accounts\n",
               (long long)out.cases, (long long)out.accounts);
        printf("Every staff session has ended. The old recovery key no longer works.\n");
        printf("Write the new recovery key down and keep it offline; it is not shown again.\n");
        printf("recovery-key: %s\n", recovery);
        fflush(stdout);
    }
    vault_secret_free(recovery);
    return report("org rotate", r);
}

int ctl_audit(int argc, char **argv)
{
    CtlArgs a;
    if (ctl_parse(argc, argv, &a) != 0)
        return 2;
    if (a.npositional != 1 || strcmp(a.positional[0], "verify") != 0) {
        fprintf(stderr, "usage: takedownctl audit verify --data-dir DIR\n");
        return 2;
    }
    if (ctl_open(&a) != 0)
        return 1;
    int64_t rows = 0, bad = 0;
    StoreConn *c = store_conn();
    StoreStatus s = c ? store_audit_verify(c, &rows, &bad) : STORE_ERROR;
    store_close();
    if (s != STORE_OK) {
        fprintf(stderr, "takedownctl audit verify: cannot read the audit log\n");
        return 1;
    }
    if (bad) {
        printf("audit log BROKEN at entry %lld (checked %lld entries)\n", (long long)bad,
               (long long)rows);
        return 1;
    }
    printf("audit log intact: %lld entries\n", (long long)rows);
    return 0;
}

/* ---- platform desk accounts ---- */

static int desk_report(const char *cmd, DeskResult r, StaffResult why)
{
    if (r == DESK_OK)
        return 0;
    fprintf(stderr, "takedownctl %s: %s\n", cmd,
            r == DESK_STAFF ? staff_result_text(why) : desk_result_text(r));
    return 1;
}

static void print_account(void *arg, const DeskAccountRow *r)
{
    (void)arg;
    char pk[VAULT_HEX_KEY_TEXT];
    vault_to_hex(r->public_key, sizeof r->public_key, pk);
    printf("%s\t%s\tcreated %lld\t%s\ttokens %lld\n", r->platform, pk, (long long)r->created_at,
           r->revoked_at ? "revoked" : "live", (long long)r->tokens);
}

int ctl_platform(int argc, char **argv)
{
    if (argc > 1 && ctl_desk_verb(argv[1]))
        return ctl_desk(argc - 1, argv + 1); /* the platform's side */
    CtlArgs a;
    if (ctl_parse(argc, argv, &a) != 0)
        return 2;
    const char *verb = a.npositional > 0 ? a.positional[0] : "";
    int add = strcmp(verb, "add") == 0, revoke = strcmp(verb, "revoke") == 0;
    int renew = strcmp(verb, "token") == 0;
    if (strcmp(verb, "list") == 0 && a.npositional == 1) {
        if (ctl_open(&a) != 0)
            return 1;
        DeskResult r = desk_platform_list(print_account, NULL);
        store_close();
        return desk_report("platform list", r, STAFF_OK);
    }
    if (a.npositional != 1 || (!add && !revoke && !renew) || !a.as || !a.platform ||
        (add && !a.public_key)) {
        fprintf(stderr,
                "usage: takedownctl platform add --data-dir DIR --as ADMIN --platform ID "
                "--public-key HEX [--days N]\n"
                "       takedownctl platform token --data-dir DIR --as ADMIN --platform ID "
                "[--days N]\n"
                "       takedownctl platform revoke --data-dir DIR --as ADMIN --platform ID\n"
                "       takedownctl platform list --data-dir DIR\n"
                "       takedownctl platform keygen|open|pull|ack|ask|decide|reupload ... (the\n"
                "       platform's side: takedownctl platform pull --help)\n");
        return 2;
    }
    char *end = NULL;
    long days = a.days ? strtol(a.days, &end, 10) : DESK_TOKEN_DAYS_DEFAULT;
    if (a.days && (*a.days == '\0' || *end != '\0' || days < 1 || days > DESK_TOKEN_DAYS_MAX))
        return desk_report(renew ? "platform token" : "platform add", DESK_BAD_DAYS, STAFF_OK);
    DeskResult checked =
        add ? desk_platform_add_check(a.platform, a.public_key, (unsigned)days) : DESK_OK;
    if (checked != DESK_OK)
        return desk_report("platform add", checked, STAFF_OK);
    char *admin_pw = read_secret("password of the admin");
    if (!admin_pw) {
        fprintf(stderr, "takedownctl: expected the admin's password on stdin\n");
        return 1;
    }
    if (ctl_open(&a) != 0) {
        vault_secret_free(admin_pw);
        return 1;
    }
    StaffResult why = STAFF_OK;
    DeskResult r;
    if (add) {
        char *token = vault_secret_alloc(DESK_TOKEN_TEXT);
        r = desk_platform_add(a.as, admin_pw, a.platform, a.public_key, (unsigned)days, time(NULL),
                              token, &why);
        if (r == DESK_OK) {
            printf("added the desk of %s; its token, shown once, valid %ld days:\n", a.platform,
                   days);
            printf("token: %s\n", token);
            fflush(stdout);
        }
        vault_secret_free(token);
    } else if (renew) {
        char *token = vault_secret_alloc(DESK_TOKEN_TEXT);
        r = desk_platform_token(a.as, admin_pw, a.platform, (unsigned)days, time(NULL), token,
                                &why);
        if (r == DESK_OK) {
            printf("a new token for the desk of %s, every earlier one revoked; shown once, "
                   "valid %ld days:\n",
                   a.platform, days);
            printf("token: %s\n", token);
            fflush(stdout);
        }
        vault_secret_free(token);
    } else {
        r = desk_platform_revoke(a.as, admin_pw, a.platform, time(NULL), &why);
        if (r == DESK_OK)
            printf("revoked the desk of %s and every token of it\n", a.platform);
    }
    vault_secret_free(admin_pw);
    store_close();
    return desk_report(add ? "platform add" : renew ? "platform token" : "platform revoke", r, why);
}

/* ---- the checker key (unattended link checks, schema/0016_checker_key.sql) ---- */

/* 1 when the directory that will hold path is dir or inside it. */
static int key_file_inside(const char *path, const char *dir)
{
    char parent[PATH_MAX], rp[PATH_MAX], rd[PATH_MAX];
    snprintf(parent, sizeof parent, "%s", path);
    char *slash = strrchr(parent, '/');
    if (!slash)
        snprintf(parent, sizeof parent, ".");
    else if (slash == parent)
        parent[1] = '\0';
    else
        *slash = '\0';
    if (!realpath(parent, rp) || !realpath(dir, rd))
        return 0;
    size_t n = strlen(rd);
    return strncmp(rp, rd, n) == 0 && (rp[n] == '/' || rp[n] == '\0');
}

/* Writes the secret key's text to a new file only its owner can read. */
static int write_key_file(const char *path, const unsigned char *sk)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0400);
    if (fd < 0) {
        fprintf(stderr, "takedownctl checker: cannot create %s: %s\n", path, strerror(errno));
        return -1;
    }
    char *text = vault_secret_alloc(2 * VAULT_KEY_BYTES + 2);
    keyring_checker_text(sk, text);
    size_t n = strlen(text);
    int ok = write(fd, text, n) == (ssize_t)n && fsync(fd) == 0;
    vault_secret_free(text);
    if (close(fd) != 0 || !ok) {
        unlink(path);
        fprintf(stderr, "takedownctl checker: cannot write %s\n", path);
        return -1;
    }
    return 0;
}

static int checker_usage(void)
{
    fprintf(stderr, "usage: takedownctl checker enable --data-dir DIR --as ADMIN --key-file FILE\n"
                    "       takedownctl checker disable --data-dir DIR --as ADMIN\n");
    return 2;
}

int ctl_checker(int argc, char **argv)
{
    CtlArgs a;
    if (ctl_parse(argc, argv, &a) != 0)
        return 2;
    int enable = a.npositional == 1 && strcmp(a.positional[0], "enable") == 0;
    int disable = a.npositional == 1 && strcmp(a.positional[0], "disable") == 0;
    if ((!enable && !disable) || !a.as || (enable && !a.key_file) || (disable && a.key_file))
        return checker_usage();
    if (enable && key_file_inside(a.key_file, a.data_dir)) {
        fprintf(stderr, "takedownctl checker: the key file must be outside the data directory "
                        "(a copy of the data directory must not open the links)\n");
        return 2;
    }
    char *pw = read_secret("password of the admin");
    if (!pw) {
        fprintf(stderr, "takedownctl: expected the admin's password on stdin\n");
        return 1;
    }
    unsigned char *org_sk = vault_secret_alloc(VAULT_KEY_BYTES);
    unsigned char *sk = vault_secret_alloc(VAULT_KEY_BYTES);
    unsigned char pk[VAULT_KEY_BYTES];
    StaffResult r = STAFF_ERROR;
    long sealed = 0;
    if (ctl_open(&a) == 0) {
        r = staff_unlock_admin(a.as, pw, org_sk);
        StoreConn *c = store_conn();
        if (r == STAFF_OK && !c)
            r = STAFF_ERROR;
        if (r == STAFF_OK && enable) {
            vault_org_keypair(pk, sk);
            if (write_key_file(a.key_file, sk) != 0)
                r = STAFF_ERROR;
        }
        /* A new key replaces the old: the old one's seals would not open. */
        if (r == STAFF_OK && (store_checker_seals_clear(c) != STORE_OK ||
                              store_org_set_checker_key(c, enable ? pk : NULL) != STORE_OK)) {
            r = STAFF_ERROR;
            if (enable)
                unlink(a.key_file);
        }
        if (r == STAFF_OK) {
            char actor[80];
            snprintf(actor, sizeof actor, "staff:%s", a.as);
            store_audit_append(c, time(NULL), actor,
                               enable ? "org.checker_key_on" : "org.checker_key_off", "", "");
            for (int n; enable && (n = casework_checker_backfill(org_sk, 64)) > 0;)
                sealed += n;
            if (disable) /* the seals out of the database log too, as at every erasure */
                retention_clear_log();
        }
        store_close();
    }
    vault_secret_free(pw);
    vault_secret_free(org_sk);
    vault_secret_free(sk);
    if (r == STAFF_OK && enable) {
        char hex[2 * VAULT_KEY_BYTES + 1];
        vault_to_hex(pk, VAULT_KEY_BYTES, hex);
        printf("checker-public-key: %s\n", hex);
        printf("%ld links sealed to it. Start takedownd with --checker-key-file %s (keep the file "
               "outside the data directory and out of backups).\n",
               sealed, a.key_file);
    } else if (r == STAFF_OK)
        printf("unattended checks off: the links' seals are gone; delete the key file\n");
    return report("checker", r);
}
