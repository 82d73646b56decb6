/* takedownctl migrate: an installation's SQLite database copied into PostgreSQL (store_copy.h).
 * The screenshots stay where they are: the data dir given as --from is the one takedownd then
 * serves from, with --db. */
#include "ctl.h"

#include "store.h"
#include "store_copy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int usage(void)
{
    fprintf(stderr, "usage: takedownctl migrate --from DIR --to postgresql://... "
                    "[--stop-after-rows N]\n");
    return 2;
}

static void progress(void *arg, const char *table, int64_t done, int64_t total)
{
    (void)arg;
    fprintf(stderr, "%s: %lld of %lld rows\n", table, (long long)done, (long long)total);
}

int ctl_migrate(int argc, char **argv)
{
    const char *from = NULL, *to = NULL;
    long long stop = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--from") == 0 && i + 1 < argc)
            from = argv[++i];
        else if (strcmp(argv[i], "--to") == 0 && i + 1 < argc)
            to = argv[++i];
        else if (strcmp(argv[i], "--stop-after-rows") == 0 && i + 1 < argc)
            stop = atoll(argv[++i]);
        else
            return usage();
    }
    if (!from || !to || stop < 0)
        return usage();
    if (store_set_database(to) != 0) {
        fprintf(stderr, "takedownctl migrate: --to needs a postgresql:// URL\n");
        return 2;
    }
    char src[600], err[512];
    struct stat st;
    snprintf(src, sizeof src, "%s/takedown.db", from);
    if (stat(src, &st) != 0) {
        fprintf(stderr, "takedownctl migrate: no database in %s\n", from);
        return 1;
    }
    if (store_open(from, err, sizeof err) != 0) { /* PostgreSQL's schema made, if it was not */
        fprintf(stderr, "takedownctl migrate: %s\n", err);
        return 1;
    }
    StoreCopyResult r = store_copy_from_sqlite(src, stop, progress, NULL);
    store_close();
    switch (r) {
    case STORE_COPY_OK:
        printf("copied %s into PostgreSQL and verified it: every table's rows, the audit chain\n"
               "serve it with: takedownd --data-dir %s --db URL\n",
               src, from);
        return 0;
    case STORE_COPY_STOPPED:
        printf("stopped after %lld rows, as asked; run the same command again to go on\n", stop);
        return 3;
    case STORE_COPY_NO_SOURCE:
        fprintf(stderr, "takedownctl migrate: %s is not a takedown database\n", src);
        return 1;
    case STORE_COPY_NOT_EMPTY:
        fprintf(stderr, "takedownctl migrate: the target database holds another installation; "
                        "give an empty one\n");
        return 1;
    case STORE_COPY_SOURCE_NEWER:
        fprintf(stderr, "takedownctl migrate: upgrade the SQLite installation first (start this "
                        "version's takedownd on it once)\n");
        return 1;
    case STORE_COPY_SOURCE_CHANGED:
        fprintf(stderr, "takedownctl migrate: the source's tables were changed outside takedown "
                        "(see above); nothing (more) was copied\n");
        return 1;
    case STORE_COPY_MISMATCH:
        fprintf(stderr, "takedownctl migrate: the copy does not verify (see above); nothing "
                        "should serve from it\n");
        return 1;
    case STORE_COPY_FAILED:
    default:
        fprintf(stderr, "takedownctl migrate: the copy failed (see above); run it again to go "
                        "on\n");
        return 1;
    }
}
