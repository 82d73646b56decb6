/* Removes a temporary test directory and everything under it (a file is unlinked). */
#ifndef TAKEDOWN_TEST_REMOVE_TREE_H
#define TAKEDOWN_TEST_REMOVE_TREE_H

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static inline void remove_tree(const char *path)
{
    DIR *d = opendir(path);
    if (!d) {
        unlink(path);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char child[1024];
        int n = snprintf(child, sizeof child, "%s/%s", path, e->d_name);
        if (n > 0 && (size_t)n < sizeof child)
            remove_tree(child);
    }
    closedir(d);
    rmdir(path);
}

#endif
