/* Fuzz target for link_canonicalize: no crash, no overrun, and the postconditions of a canonical
 * link hold. Built with -fsanitize=fuzzer, or with replay.c to replay the corpus in a normal run.
 */
#include "links.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Not assert(): the checks must hold in builds with NDEBUG too. */
#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);               \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static int platform_known(const char *id)
{
    size_t n;
    const LinkPlatform *p = link_platforms(&n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(p[i].id, id) == 0)
            return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1); /* owned here; exactly the input, so ASan sees any overread */
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    LinkInfo a, b;
    LinkError err = link_canonicalize(text, &a);
    free(text);

    CHECK(err >= LINK_OK && err <= LINK_CONTROL_CHAR);
    if (err != LINK_OK) {
        CHECK(a.canonical[0] == '\0' && a.host[0] == '\0' && a.platform[0] == '\0');
        return 0;
    }
    size_t n = strnlen(a.canonical, sizeof a.canonical);
    CHECK(n <= LINK_TEXT_MAX);
    size_t scheme = strncmp(a.canonical, "https://", 8) == 0  ? 8
                    : strncmp(a.canonical, "http://", 7) == 0 ? 7
                                                              : 0;
    CHECK(scheme > 0);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)a.canonical[i];
        CHECK(c > ' ' && c < 0x7f); /* no whitespace, control or non-ASCII bytes */
        CHECK(c != '#');
    }
    size_t hl = strnlen(a.host, sizeof a.host);
    CHECK(hl > 0 && hl <= 253);
    CHECK(strncmp(a.canonical + scheme, a.host, hl) == 0);
    CHECK(a.canonical[scheme + hl] == '/' || a.canonical[scheme + hl] == ':');
    CHECK(strchr(a.canonical + scheme, '/') != NULL);
    CHECK(a.platform[0] != '\0' && platform_known(a.platform));
    CHECK(strcmp(a.platform, link_platform_of_host(a.host)) == 0 ||
          strcmp(a.platform, "wechat_channels") == 0);

    /* Idempotence: the canonical form is its own canonical form. */
    CHECK(link_canonicalize(a.canonical, &b) == LINK_OK);
    CHECK(strcmp(a.canonical, b.canonical) == 0);
    CHECK(strcmp(a.host, b.host) == 0);
    CHECK(strcmp(a.platform, b.platform) == 0);
    return 0;
}
