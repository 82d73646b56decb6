/* A unit test's store in a fresh directory under /tmp: base_dir from mkdtemp, the data directory
 * base_dir/store, and its database file's path in db_file (for raw_db.h). */
#ifndef TAKEDOWN_TEST_TEMP_STORE_H
#define TAKEDOWN_TEST_TEMP_STORE_H

#include "remove_tree.h"
#include "store.h"
#include "vault.h"

#include <stdio.h>
#include <stdlib.h>

/* name goes into the directory's name; 0, or -1 with the reason on stderr. */
static inline int temp_store_open(const char *name, char base_dir[256], char db_file[600])
{
    if (vault_init() != 0)
        return -1;
    snprintf(base_dir, 256, "/tmp/takedown-%s-XXXXXX", name);
    if (!mkdtemp(base_dir))
        return -1;
    char data_dir[512], err[256];
    snprintf(data_dir, sizeof data_dir, "%s/store", base_dir);
    snprintf(db_file, 600, "%s/takedown.db", data_dir);
    if (store_open(data_dir, err, sizeof err) != 0) {
        fprintf(stderr, "store_open: %s\n", err);
        return -1;
    }
    return 0;
}

static inline void temp_store_close(const char *base_dir)
{
    store_close();
    remove_tree(base_dir);
}

#endif
