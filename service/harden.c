/* Process hardening: see harden.h. */
#include "harden.h"

#include <curl/curl.h>
#include <jansson.h>
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

int harden_no_core_dumps(void)
{
    struct rlimit none = {0, 0};
    if (setrlimit(RLIMIT_CORE, &none) != 0)
        return -1;
    return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0 ? 0 : -1;
}

#define SCRATCH_SIZE (384 * 1024) /* a queue page takes 120 KiB at 50 rows, 200 KiB at 100 */

typedef struct Scratch {
    unsigned char *block; /* owned by the thread (freed, wiped, at its exit); NULL until used */
    size_t used;
    int on;
} Scratch;

static _Thread_local Scratch scratch;
static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;
static int json_memory_wiped; /* harden_json_memory ran */

static void scratch_free(void *block)
{
    explicit_bzero(block, SCRATCH_SIZE);
    free(block);
}

static void scratch_key_init(void)
{
    pthread_key_create(&scratch_key, scratch_free);
}

static int in_scratch(const void *p)
{
    const unsigned char *b = scratch.block;
    return b && (const unsigned char *)p >= b && (const unsigned char *)p < b + SCRATCH_SIZE;
}

static void *json_alloc(size_t n)
{
    size_t need = (n + 15) & ~(size_t)15; /* malloc's alignment */
    if (scratch.on && need >= n && need <= SCRATCH_SIZE - scratch.used) {
        void *p = scratch.block + scratch.used;
        scratch.used += need;
        return p;
    }
    return malloc(n);
}

static void wiping_free(void *p)
{
    if (!p || in_scratch(p))
        return;
    explicit_bzero(p, malloc_usable_size(p));
    free(p);
}

void harden_json_memory(void)
{
    json_set_alloc_funcs(json_alloc, wiping_free);
    json_memory_wiped = 1;
}

void harden_json_scratch_begin(void)
{
    if (!json_memory_wiped)
        return;
    if (!scratch.block) {
        pthread_once(&scratch_once, scratch_key_init);
        scratch.block = malloc(SCRATCH_SIZE);
        if (!scratch.block)
            return; /* values come from malloc as usual */
        pthread_setspecific(scratch_key, scratch.block);
    }
    scratch.on = 1;
}

void harden_json_scratch_stop(void)
{
    scratch.on = 0;
}

void harden_json_scratch_end(void)
{
    scratch.on = 0;
    if (scratch.block)
        explicit_bzero(scratch.block, scratch.used);
    scratch.used = 0;
}

/* ---- libcurl's memory ---- */

static void curl_wiping_free(void *p)
{
    if (p)
        explicit_bzero(p, malloc_usable_size(p));
    free(p);
}

static void *curl_wiping_realloc(void *p, size_t n)
{
    if (!p)
        return malloc(n);
    if (n == 0) {
        curl_wiping_free(p);
        return NULL;
    }
    void *q = malloc(n);
    if (!q)
        return NULL;
    size_t old = malloc_usable_size(p);
    memcpy(q, p, old < n ? old : n);
    curl_wiping_free(p);
    return q;
}

int harden_curl_memory(void)
{
    return curl_global_init_mem(CURL_GLOBAL_DEFAULT, malloc, curl_wiping_free, curl_wiping_realloc,
                                strdup, calloc) == CURLE_OK
               ? 0
               : -1;
}
