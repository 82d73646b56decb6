/* takedownctl: the operator's tool. Secrets (passwords, recovery keys) are read from stdin, never
 * from arguments, so they stay out of shell history and process listings. */
#include "backup.h"
#include "ctl.h"
#include "harden.h"
#include "store.h"
#include "vault.h"

#include <stdio.h>
#include <string.h>

static const CtlCommand commands[] = {
    {"init", ctl_init, "init --data-dir DIR --admin LOGIN",
     "create the database, the org keys and the first admin (password twice on stdin)"},
    {"user", ctl_user, "user add|disable --data-dir DIR --as ADMIN [--role ROLE] LOGIN",
     "add (admin password, then new password twice on stdin) or disable a staff account"},
    {"passwd", ctl_passwd, "passwd --data-dir DIR LOGIN",
     "change a password (old password, then new password twice on stdin)"},
    {"recover", ctl_recover, "recover --data-dir DIR LOGIN",
     "set a new password for an admin with the recovery key (key, then password twice)"},
    {"org", ctl_org, "org rotate --data-dir DIR --as ADMIN",
     "new org keys after someone leaves (admin password on stdin; prints a new recovery key)"},
    {"backup", ctl_backup, "backup --data-dir DIR [--keep N] FILE",
     "write database, screenshots and erasure log to a new file only you can read; --keep N "
     "keeps the N newest *.tdbackup files beside it"},
    {"restore", ctl_restore, "restore --data-dir DIR [--force] FILE",
     "bring back a backup into an empty DIR (--force: replace), then re-apply the erasure log; "
     "with --db and no FILE, re-apply it to a PostgreSQL database restored by its own tools"},
    {"purge", ctl_purge, "purge --data-dir DIR [--dry-run]", "destroy cases past their purge date"},
    {"platform", ctl_platform,
     "platform add|token|revoke|list --data-dir DIR [--as ADMIN --platform ID --public-key HEX "
     "[--days N]]",
     "register a platform's desk (admin password on stdin; prints its token once), give it a "
     "new token (the earlier ones revoked, its notices kept), revoke it with all its tokens, or "
     "list the desks"},
    {"platform", ctl_platform, "platform keygen|open --secret-key-file FILE",
     "the platform's side: make its desk's keypair (prints the public key), or open the notices "
     "of GET /api/platform/v1/notices (read from stdin)"},
    {"checker", ctl_checker, "checker enable|disable --data-dir DIR --as ADMIN [--key-file FILE]",
     "unattended link checks: a new checker key into FILE (outside the data dir; admin password "
     "on stdin), every open link sealed to it; or turn them off"},
    {"audit", ctl_audit, "audit verify --data-dir DIR", "check the audit log's hash chain"},
    {"stats", ctl_stats,
     "stats --data-dir DIR [--platforms [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--now UNIX] "
     "[--csv]]",
     "aggregate counts (no case content); --platforms: how fast platforms act, per platform, "
     "route and ISO week (default: the last 12 weeks; --csv as the API's CSV)"},
    {"check", ctl_check, "check --data-dir DIR",
     "is the data dir whole: database integrity, every case with its copies, the audit chain, "
     "the screenshot files against the database (read-only; exit 1 on any problem)"},
    {"migrate", ctl_migrate, "migrate --from DIR --to postgresql://... [--stop-after-rows N]",
     "copy a SQLite installation into an empty PostgreSQL database, as ciphertext, and verify it "
     "(counts, the audit chain); run again to go on after a stop"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: takedownctl COMMAND [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-62s %s\n", commands[i].usage, commands[i].help);
    fprintf(f,
            "\n  Every command takes --db postgresql://... to use that database instead of SQLite "
            "under --data-dir.\n");
    fprintf(f, "\n  takedownctl --help | --version\n");
}

/* --db URL, anywhere after the command: every command's store is that PostgreSQL database
 * instead of SQLite under --data-dir. Taken out of argv here, so that no command parses it. 0, or
 * -1 (said why) for a URL the store does not take. */
static int take_db_flag(int *argc, char **argv)
{
    for (int i = 2; i < *argc; i++) {
        if (strcmp(argv[i], "--db") != 0)
            continue;
        if (i + 1 >= *argc || store_set_database(argv[i + 1]) != 0) {
            fprintf(stderr, "takedownctl: --db needs a postgresql:// URL\n");
            return -1;
        }
        memmove(&argv[i], &argv[i + 2], (size_t)(*argc - i - 2 + 1) * sizeof *argv);
        *argc -= 2;
        i--;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (harden_no_core_dumps() != 0) {
        perror("takedownctl: cannot turn off core dumps");
        return 1;
    }
    harden_json_memory();
    store_before_upgrade(backup_before_upgrade, NULL); /* any command that opens an older store */
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("takedownctl %s\n", TAKEDOWN_VERSION);
        return 0;
    }
    if (take_db_flag(&argc, argv) != 0)
        return 2;
    if (vault_init() != 0) {
        fprintf(stderr, "takedownctl: cannot initialise libsodium\n");
        return 1;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(argv[1], commands[i].name) != 0)
            continue;
        for (int j = 2; j < argc; j++) {
            if (strcmp(argv[j], "--help") == 0) {
                printf("usage: takedownctl %s\n%s\n", commands[i].usage, commands[i].help);
                return 0;
            }
        }
        return commands[i].run(argc - 1, argv + 1);
    }
    fprintf(stderr, "takedownctl: unknown command '%s' (see --help)\n", argv[1]);
    return 2;
}
