/* A growable byte buffer, always NUL-terminated; the owner frees it with buf_free. What a buffer
 * lets go of is wiped (reset, growth, free): it may hold decrypted case content or a receipt. */
#ifndef TAKEDOWN_BUF_H
#define TAKEDOWN_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

typedef struct Buf {
    char *data; /* owned; NULL until the first append */
    size_t len; /* bytes used, not counting the terminating NUL */
    size_t cap; /* bytes allocated */
} Buf;

/* Makes room for extra more bytes (and the NUL) at once, so a buffer known to grow large is not
 * copied and wiped at every doubling on the way. */
void buf_reserve(Buf *b, size_t extra);
/* Appends n bytes; aborts on out-of-memory (the service cannot continue safely without memory). */
void buf_append(Buf *b, const void *data, size_t n);
void buf_puts(Buf *b, const char *s);
void buf_putc(Buf *b, char c);
void buf_printf(Buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(Buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Appends v in decimal, as "%lld" would, without a format string to parse (hot JSON writers). */
void buf_put_int(Buf *b, int64_t v);
/* Appends s with & < > " ' replaced by entities: safe in HTML text and quoted attributes. */
void buf_put_html(Buf *b, const char *s, size_t n);
/* Appends s as a JSON string, quoted, escaped as Jansson's json_dumps escapes with
 * JSON_ENSURE_ASCII (\" \\ \b \f \n \r \t, other controls and every non-ASCII code point as
 * \uXXXX, surrogate pairs above U+FFFF), so text written by hand matches Jansson's byte for byte.
 * A byte that is not valid UTF-8 becomes \uFFFD. */
void buf_put_json_string(Buf *b, const char *s);
/* Gives the caller the bytes (NUL-terminated, never NULL) and leaves b empty. */
char *buf_take(Buf *b);
/* Empties b, wiping the bytes it held; keeps the allocation. */
void buf_reset(Buf *b);
/* Wipes every allocated byte of b (also those past len) and empties it; keeps the allocation. */
void buf_wipe(Buf *b);
/* Wipes and frees. */
void buf_free(Buf *b);

/* Allocation helpers that abort on out-of-memory. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Room for one more item in the array p of n items of size bytes, *cap of them allocated: when it
 * is full, *cap doubles (from first) and p moves. Returns p. */
void *xgrow(void *p, size_t n, size_t *cap, size_t size, size_t first);

#endif
