/* Captures what the logger writes to stderr between capture_begin and capture_end (cmocka
 * tests: include after <cmocka.h>). */
#ifndef TAKEDOWN_TEST_CAPTURE_LOG_H
#define TAKEDOWN_TEST_CAPTURE_LOG_H

#include <stdio.h>
#include <string.h>
#include <unistd.h>

typedef struct Capture {
    int saved;
    FILE *file;
} Capture;

static inline Capture capture_begin(void)
{
    Capture c;
    fflush(stderr);
    c.saved = dup(STDERR_FILENO);
    c.file = tmpfile();
    assert_non_null(c.file);
    assert_true(dup2(fileno(c.file), STDERR_FILENO) >= 0);
    return c;
}

/* Restores stderr and returns the number of captured lines containing needle. */
static inline int capture_end(Capture c, const char *needle)
{
    fflush(stderr);
    dup2(c.saved, STDERR_FILENO);
    close(c.saved);
    rewind(c.file);
    int count = 0;
    char line[4096];
    while (fgets(line, sizeof line, c.file))
        count += strstr(line, needle) != NULL;
    fclose(c.file);
    return count;
}

#endif
