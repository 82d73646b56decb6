/* Shared by the fuzz targets: a check that holds in every build, and a scratch data directory. */
#ifndef TAKEDOWN_FUZZ_CHECK_H
#define TAKEDOWN_FUZZ_CHECK_H

#include "../unit/remove_tree.h"
#include "store.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Not assert(): the checks must hold in builds with NDEBUG too, and abort() is what libFuzzer
 * and the replay report as a crash. */
#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);               \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* A data directory for the whole run (the file store's files live under it): made under $TMPDIR
 * (or /tmp) on first use, opened as the store's, removed when the process exits. NULL when it
 * cannot be made. */
static char fuzz_data_dir_path[512];

static inline void fuzz_data_dir_remove(void)
{
    store_close();
    remove_tree(fuzz_data_dir_path);
}

static inline const char *fuzz_data_dir(void)
{
    if (fuzz_data_dir_path[0])
        return fuzz_data_dir_path;
    const char *tmp = getenv("TMPDIR");
    snprintf(fuzz_data_dir_path, sizeof fuzz_data_dir_path, "%s/takedown-fuzz-XXXXXX",
             tmp && *tmp ? tmp : "/tmp");
    char err[256];
    if (!mkdtemp(fuzz_data_dir_path) || store_open(fuzz_data_dir_path, err, sizeof err) != 0) {
        fprintf(stderr, "fuzz: cannot make a data directory under %s\n", tmp ? tmp : "/tmp");
        fuzz_data_dir_path[0] = '\0';
        return NULL;
    }
    atexit(fuzz_data_dir_remove);
    return fuzz_data_dir_path;
}

#endif
