/* Subcommands whose capability has not landed yet: they say so plainly and exit 2. */
#include "ctl.h"

#include <stdio.h>

static int not_yet(const char *name)
{
    fprintf(stderr, "takedownctl: '%s' is not available in this version yet\n", name);
    return 2;
}

int ctl_backup(int argc, char **argv)
{
    (void)argc;
    return not_yet(argv[0]);
}
int ctl_restore(int argc, char **argv)
{
    (void)argc;
    return not_yet(argv[0]);
}
int ctl_purge(int argc, char **argv)
{
    (void)argc;
    return not_yet(argv[0]);
}
int ctl_stats(int argc, char **argv)
{
    (void)argc;
    return not_yet(argv[0]);
}
