/* Growable buffers and allocation helpers. A buffer may hold decrypted case content or a receipt,
 * so every byte it let go of is wiped: on reset, when it grows into a new block, and on free. */
#include "buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        abort();
    return p;
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        abort();
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        abort();
    return q;
}

void *xgrow(void *p, size_t n, size_t *cap, size_t size, size_t first)
{
    if (n < *cap)
        return p;
    *cap = *cap ? *cap * 2 : first;
    return xrealloc(p, *cap * size);
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void buf_reserve(Buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *grown = xmalloc(cap); /* not realloc: the old block is wiped before it is freed */
    if (b->data) {
        memcpy(grown, b->data, b->len + 1);
        explicit_bzero(b->data, b->cap);
        free(b->data);
    }
    b->data = grown;
    b->cap = cap;
}

void buf_append(Buf *b, const void *data, size_t n)
{
    buf_reserve(b, n);
    if (n)
        memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void buf_puts(Buf *b, const char *s)
{
    buf_append(b, s, strlen(s));
}

void buf_putc(Buf *b, char c)
{
    buf_append(b, &c, 1);
}

void buf_vprintf(Buf *b, const char *fmt, va_list ap)
{
    /* Formatted once into the room there is, and a second time only when that was too little. */
    size_t room = b->data ? b->cap - b->len : 0;
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(room ? b->data + b->len : NULL, room, fmt, copy);
    va_end(copy);
    if (n < 0) {
        if (b->data)
            b->data[b->len] = '\0';
        return;
    }
    if ((size_t)n >= room) {
        buf_reserve(b, (size_t)n);
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    }
    b->len += (size_t)n;
}

void buf_put_int(Buf *b, int64_t v)
{
    char digits[24];
    size_t d = sizeof digits;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do
        digits[--d] = (char)('0' + u % 10);
    while ((u /= 10) != 0);
    if (v < 0)
        digits[--d] = '-';
    buf_append(b, digits + d, sizeof digits - d);
}

void buf_printf(Buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(b, fmt, ap);
    va_end(ap);
}

/* The code point of the UTF-8 sequence at s (*len bytes long), or -1 when it is not valid. */
static long utf8_decode(const unsigned char *s, size_t *len)
{
    static const unsigned char lead_mask[] = {0, 0, 0x1f, 0x0f, 0x07};
    static const long min_of[] = {0, 0, 0x80, 0x800, 0x10000};
    size_t n = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
    *len = 1;
    if (s[0] >= 0xf8 || n == 0)
        return -1;
    long cp = s[0] & lead_mask[n];
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return -1;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if (cp < min_of[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return -1;
    *len = n;
    return cp;
}

void buf_put_json_string(Buf *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    buf_putc(b, '"');
    size_t start = 0, i = 0;
    while (p[i]) {
        unsigned char c = p[i];
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            i++;
            continue;
        }
        buf_append(b, s + start, i - start);
        size_t len = 1;
        long cp = c < 0x80 ? (long)c : utf8_decode(p + i, &len);
        const char *short_escape = c == '"'    ? "\\\""
                                   : c == '\\' ? "\\\\"
                                   : c == '\b' ? "\\b"
                                   : c == '\f' ? "\\f"
                                   : c == '\n' ? "\\n"
                                   : c == '\r' ? "\\r"
                                   : c == '\t' ? "\\t"
                                               : NULL;
        if (short_escape)
            buf_puts(b, short_escape);
        else if (cp < 0)
            buf_puts(b, "\\uFFFD");
        else if (cp < 0x10000)
            buf_printf(b, "\\u%04X", (unsigned)cp);
        else
            buf_printf(b, "\\u%04X\\u%04X", (unsigned)(0xd800 + ((cp - 0x10000) >> 10)),
                       (unsigned)(0xdc00 + ((cp - 0x10000) & 0x3ff)));
        i += len;
        start = i;
    }
    buf_append(b, s + start, i - start);
    buf_putc(b, '"');
}

void buf_put_html(Buf *b, const char *s, size_t n)
{
    /* The bytes that are replaced, found by a table rather than a switch per byte: a page's
     * values are mostly runs with none of them. */
    static const unsigned char special[256] = {
        ['&'] = 1, ['<'] = 1, ['>'] = 1, ['"'] = 1, ['\''] = 1};
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        if (!special[(unsigned char)s[i]])
            continue;
        const char *rep = s[i] == '&'   ? "&amp;"
                          : s[i] == '<' ? "&lt;"
                          : s[i] == '>' ? "&gt;"
                          : s[i] == '"' ? "&quot;"
                                        : "&#39;";
        buf_append(b, s + start, i - start);
        buf_puts(b, rep);
        start = i + 1;
    }
    buf_append(b, s + start, n - start);
}

char *buf_take(Buf *b)
{
    if (!b->data)
        return xstrdup("");
    char *p = b->data;
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}

void buf_reset(Buf *b)
{
    if (b->data)
        explicit_bzero(b->data, b->len + 1);
    b->len = 0;
}

void buf_wipe(Buf *b)
{
    if (b->data)
        explicit_bzero(b->data, b->cap);
    b->len = 0;
}

void buf_free(Buf *b)
{
    buf_wipe(b);
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
