/* Links a victim pastes, reduced to one canonical http(s) form and the platform it belongs to.
 * No I/O; libcurl's URL API percent-encodes and converts international hosts (what it allocates
 * is freed before return). Unit-tested and fuzzed (tests/fuzz/fuzz_links.c). */
#ifndef TAKEDOWN_LINKS_H
#define TAKEDOWN_LINKS_H

#include <stddef.h>

/* Bytes of input and of a canonical link (not LINK_MAX: <limits.h> defines that, via curl.h). */
#define LINK_TEXT_MAX 2048

typedef struct LinkInfo {
    char canonical[LINK_TEXT_MAX + 1]; /* the canonical form: printable ASCII only */
    char host[256];                    /* lower-case host of the canonical form */
    char platform[24];                 /* a platform id from the table, or "other" */
} LinkInfo;

typedef enum LinkError {
    LINK_OK = 0,
    LINK_EMPTY,        /* nothing but whitespace */
    LINK_TOO_LONG,     /* input, or its canonical form, over LINK_TEXT_MAX bytes */
    LINK_NOT_HTTP,     /* another scheme: javascript:, data:, ftp:, mailto: ... */
    LINK_BAD_HOST,     /* not a DNS name or IPv4 address; IDN (Unicode) hosts too */
    LINK_BAD,          /* invalid UTF-8, userinfo, bad port, or no link at all */
    LINK_CONTROL_CHAR, /* a control (C0, DEL, C1) or bidi character anywhere, or an invisible
                        * (zero-width, BOM, soft hyphen) one in the link */
} LinkError;

/* Parses what a victim pasted: a bare link, a link without scheme ("www.douyin.com/video/1"), or
 * a platform's share text with a link inside (Douyin/Kuaishou/Xiaohongshu share texts put Chinese
 * text around an https:// link: take the first http(s) link found).
 *
 * The link ends at whitespace (ASCII or Unicode), at non-ASCII punctuation, symbols and emoji
 * (，。【】😆), at one of " < > ` { } | ^ \, and loses trailing . , ; : ! ? ' and unbalanced ) ].
 * Non-ASCII letters and ideographs are part of the link ("https://tieba.baidu.com/f?kw=中文"),
 * except when the link is glued to a word before it ("看https://x.com/a看": ends at the first
 * non-ASCII character, as share texts are written). A host with non-ASCII letters is an
 * international host, taken only after an explicit scheme and converted to punycode; without a
 * scheme, or when the top-level label mixes ASCII and non-ASCII ("x.com看看"), LINK_BAD_HOST.
 * Control characters (C0 but ASCII whitespace, DEL, C1) and bidi controls anywhere in the text,
 * and invisible characters (zero-width, BOM, soft hyphen) in the link or where it would end, are
 * LINK_CONTROL_CHAR: a link is refused, never cut short. At the two ends of the text, zero-width
 * spaces and BOMs are trimmed like spaces. A text that starts with another scheme is
 * LINK_NOT_HTTP; one that starts with a host ("x.com/a", "x.com:8080") gets https://.
 * The canonical form: scheme and host lower-cased, host's trailing dot and default port dropped,
 * "/" for an empty path, dot segments resolved, non-ASCII bytes of path and query percent-encoded
 * as UTF-8 and every %xx upper-cased (so a typed and a percent-encoded spelling are one form), no
 * fragment, tracking parameters (utm_*, spm, spm_*, share_*, fbclid,
 * gclid, igshid, igsh, vd_source, from_spmid, is_from_webapp, sender_device, and "si" on
 * YouTube; names matched ignoring ASCII case) and empty parameters removed, the others kept in
 * order and spelling. When removing a fragment or parameters leaves a last character that the
 * rule above would strip ("/a.#x"), it is percent-encoded ("/a%2E"), so that the canonical form
 * canonicalises to itself. Short share links (v.douyin.com, b23.tv) are kept, never expanded.
 *
 * input: a NUL-terminated string, may point into out. out: filled on LINK_OK, all fields empty
 * strings otherwise. */
LinkError link_canonicalize(const char *input, LinkInfo *out);

/* The platform id for a host ("other" when unknown): the host is one of a platform's registrable
 * domains or a subdomain of one. host: lower case, without trailing dot. A weixin.qq.com link
 * whose path starts with /sph is WeChat Channels; link_canonicalize knows the path, this does not.
 */
const char *link_platform_of_host(const char *host);

/* Table of known platforms for forms and the registry: id and display names. */
typedef struct LinkPlatform {
    const char *id, *name_zh, *name_en;
} LinkPlatform;

/* The table, "other" last; n: set to the number of entries. */
const LinkPlatform *link_platforms(size_t *n);

#endif
