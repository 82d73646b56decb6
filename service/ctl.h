/* The subcommands of takedownctl; each returns the process exit status (0 ok, 1 failed,
 * 2 usage). argv[0] is the subcommand's name. */
#ifndef TAKEDOWN_CTL_H
#define TAKEDOWN_CTL_H

typedef struct CtlCommand {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *usage;
    const char *help;
} CtlCommand;

int ctl_init(int argc, char **argv);
int ctl_user(int argc, char **argv);
int ctl_passwd(int argc, char **argv);
int ctl_recover(int argc, char **argv);
int ctl_backup(int argc, char **argv);
int ctl_restore(int argc, char **argv);
int ctl_purge(int argc, char **argv);
int ctl_org(int argc, char **argv);
int ctl_audit(int argc, char **argv);
int ctl_stats(int argc, char **argv);
int ctl_check(int argc, char **argv);
int ctl_migrate(int argc, char **argv);
int ctl_platform(int argc, char **argv);
int ctl_checker(int argc, char **argv);
/* The platform's side of the desk (ctl_desk.c): 1 for a verb it runs (keygen, open, pull, ack, ask,
 * decide, reupload); ctl_desk runs it with argv[0] the verb. */
int ctl_desk_verb(const char *verb);
int ctl_desk(int argc, char **argv);

#endif
