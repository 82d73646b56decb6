/* Links: find the link in a paste, normalise it, drop tracking parameters, name its platform. */
#include "links.h"

#include <assert.h>
#include <curl/curl.h>
#include <locale.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const LinkPlatform platforms[] = {
    {"douyin", "抖音", "Douyin"},
    {"kuaishou", "快手", "Kuaishou"},
    {"weibo", "微博", "Weibo"},
    {"wechat", "微信公众号文章", "WeChat articles"},
    {"wechat_channels", "微信视频号", "WeChat Channels"},
    {"bilibili", "哔哩哔哩", "Bilibili"},
    {"xiaohongshu", "小红书", "Xiaohongshu"},
    {"zhihu", "知乎", "Zhihu"},
    {"baidu", "百度", "Baidu"},
    {"toutiao", "今日头条", "Toutiao"},
    {"xigua", "西瓜视频", "Xigua Video"},
    {"youtube", "YouTube", "YouTube"},
    {"tiktok", "TikTok", "TikTok"},
    {"x", "X (Twitter)", "X (Twitter)"},
    {"facebook", "Facebook", "Facebook"},
    {"instagram", "Instagram", "Instagram"},
    {"telegram", "Telegram", "Telegram"},
    {"other", "其他", "Other"},
};

/* Registrable domains per platform; the first match wins, so channels.weixin.qq.com comes before
 * weixin.qq.com. kwai.com (Kuaishou's international app) is deliberately "other". */
static const struct {
    const char *domain, *id;
} domains[] = {
    {"douyin.com", "douyin"},
    {"iesdouyin.com", "douyin"},
    {"kuaishou.com", "kuaishou"},
    {"gifshow.com", "kuaishou"},
    {"kuaishouapp.com", "kuaishou"},
    {"weibo.com", "weibo"},
    {"weibo.cn", "weibo"},
    {"t.cn", "weibo"},
    {"channels.weixin.qq.com", "wechat_channels"},
    {"weixin.qq.com", "wechat"},
    {"bilibili.com", "bilibili"},
    {"b23.tv", "bilibili"},
    {"xiaohongshu.com", "xiaohongshu"},
    {"xhslink.com", "xiaohongshu"},
    {"zhihu.com", "zhihu"},
    {"baidu.com", "baidu"},
    {"toutiao.com", "toutiao"},
    {"ixigua.com", "xigua"},
    {"youtube.com", "youtube"},
    {"youtu.be", "youtube"},
    {"tiktok.com", "tiktok"},
    {"twitter.com", "x"},
    {"x.com", "x"},
    {"t.co", "x"},
    {"facebook.com", "facebook"},
    {"fb.com", "facebook"},
    {"fb.watch", "facebook"},
    {"instagram.com", "instagram"},
    {"instagr.am", "instagram"},
    {"t.me", "telegram"},
    {"telegram.me", "telegram"},
    {"telegram.org", "telegram"},
};

/* ---- characters ---- */

static bool ascii_space(unsigned char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

static bool ascii_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static bool ascii_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool ascii_alnum(unsigned char c)
{
    return ascii_alpha(c) || ascii_digit(c);
}

static unsigned char ascii_lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

/* ASCII characters that end a link: never valid in a URL, common around one in text. The
 * backslash is added to the listed ones because browsers read it as '/' in http(s) links. */
static bool ascii_stop(unsigned char c)
{
    switch (c) {
    case '"':
    case '<':
    case '>':
    case '`':
    case '{':
    case '}':
    case '|':
    case '^':
    case '\\':
        return true;
    default:
        return ascii_space(c);
    }
}

/* Punctuation that ends a sentence rather than a link when it is a link's last character. */
static bool trailing_punct(unsigned char c)
{
    switch (c) {
    case '.':
    case ',':
    case ';':
    case ':':
    case '!':
    case '?':
    case '\'':
        return true;
    default:
        return false;
    }
}

/* Decodes one UTF-8 sequence at s[0..n), n >= 1; returns its length, or 0 when it is not valid
 * UTF-8 (truncated, overlong, a surrogate, above U+10FFFF). */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char c = s[0];
    size_t len;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2, v = c & 0x1Fu, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3, v = c & 0x0Fu, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4, v = c & 0x07u, min = 0x10000;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3Fu);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return len;
}

/* Unicode whitespace, plus the zero-width space and BOM that copying from apps leaves behind. */
static bool uni_space(uint32_t cp)
{
    if (cp < 0x80)
        return ascii_space((unsigned char)cp);
    return cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200B) || cp == 0x2028 ||
           cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000 || cp == 0xFEFF;
}

/* Bidi controls: they reorder how the text around them is shown, so a link holding one reads
 * differently from what it is (U+061C, U+200E/F, U+202A..U+202E, U+2066..U+2069). */
static bool uni_bidi(uint32_t cp)
{
    return cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
           (cp >= 0x2066 && cp <= 0x2069);
}

/* Characters that show nothing: zero-width space, joiners, word joiner and invisible operators,
 * BOM, soft hyphen, Mongolian vowel separator, tags. Inside a link they hide what it is. */
static bool uni_invisible(uint32_t cp)
{
    return cp == 0xAD || cp == 0x180E || (cp >= 0x200B && cp <= 0x200D) ||
           (cp >= 0x2060 && cp <= 0x2064) || cp == 0xFEFF || (cp >= 0xE0000 && cp <= 0xE007F);
}

/* Whether a non-ASCII code point is part of a word (a letter of some script, a CJK ideograph, a
 * full-width letter or digit) rather than space, punctuation, a symbol or an emoji. A word
 * character continues a link (a Chinese path or query, an international host); the others end
 * it. */
static bool uni_word(uint32_t cp)
{
    static const uint32_t non_word[][2] = {
        {0x80, 0xBF},       /* C1 controls (refused earlier), Latin-1 punctuation */
        {0xD7, 0xD7},       /* × */
        {0xF7, 0xF7},       /* ÷ */
        {0x1680, 0x1680},   /* Ogham space */
        {0x2000, 0x2BFF},   /* spaces, punctuation, symbols, arrows, dingbats */
        {0x2E00, 0x2E7F},   /* supplemental punctuation */
        {0x3000, 0x303F},   /* CJK symbols and punctuation: 　、。「」【】 */
        {0xFE00, 0xFE1F},   /* variation selectors, vertical forms */
        {0xFE30, 0xFE6F},   /* CJK compatibility and small forms */
        {0xFEFF, 0xFEFF},   /* BOM */
        {0xFF01, 0xFF0F},   /* full-width ！＂＃ ... ／ */
        {0xFF1A, 0xFF20},   /* full-width ：；＜ ... ＠ */
        {0xFF3B, 0xFF40},   /* full-width ［＼］＾＿｀ */
        {0xFF5B, 0xFF65},   /* full-width ｛｜｝～ and half-width CJK punctuation */
        {0xFFE0, 0xFFFF},   /* full-width signs, specials */
        {0x1F000, 0x1FAFF}, /* emoji and pictographs */
        {0xE0000, 0xE007F}, /* tags */
    };
    for (size_t i = 0; i < sizeof non_word / sizeof non_word[0]; i++)
        if (cp >= non_word[i][0] && cp <= non_word[i][1])
            return false;
    return cp >= 0x80;
}

/* Checks that text is valid UTF-8 (else LINK_BAD) without control or bidi characters (else
 * LINK_CONTROL_CHAR); ASCII whitespace is allowed, since share texts span lines. */
static LinkError text_check(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = utf8_decode(s + i, n - i, &cp);
        if (k == 0)
            return LINK_BAD;
        if ((cp < 0x20 && !ascii_space((unsigned char)cp)) || (cp >= 0x7F && cp <= 0x9F) ||
            uni_bidi(cp))
            return LINK_CONTROL_CHAR;
        i += k;
    }
    return LINK_OK;
}

/* The code point at t[i] of valid UTF-8 text ending at e. */
static uint32_t code_point_at(const char *t, size_t i, size_t e, size_t *len)
{
    uint32_t cp = 0;
    *len = utf8_decode((const unsigned char *)t + i, e - i, &cp);
    assert(*len > 0);
    return cp;
}

/* Whether a byte ends a link: an ASCII stop, or the first byte of any non-ASCII character. */
static bool stop_byte(char c)
{
    return ascii_stop((unsigned char)c) || (unsigned char)c >= 0x80;
}

static bool prefix_ci(const char *s, size_t n, const char *lit)
{
    size_t m = strlen(lit);
    if (n < m)
        return false;
    for (size_t i = 0; i < m; i++)
        if (ascii_lower((unsigned char)s[i]) != (unsigned char)lit[i])
            return false;
    return true;
}

static bool equal_ci(const char *s, size_t n, const char *lit)
{
    return n == strlen(lit) && prefix_ci(s, n, lit);
}

/* Length of "http://" or "https://" (any case) at s[0..n), or 0. */
static size_t http_prefix(const char *s, size_t n)
{
    if (prefix_ci(s, n, "http://"))
        return 7;
    if (prefix_ci(s, n, "https://"))
        return 8;
    return 0;
}

/* ---- finding the link ---- */

typedef struct Found {
    size_t start; /* first byte of the link */
    size_t body;  /* first byte of the authority: after "://", or start when there is no scheme */
    bool https;
    bool glued; /* a letter or digit touches the link's start ("看https://..."): ASCII only */
} Found;

/* Whether the code point that ends just before t[i] is a letter, a digit or a word character. */
static bool word_before(const char *t, size_t b, size_t i)
{
    if (i == b)
        return false;
    size_t j = i - 1, len;
    while (j > b && ((unsigned char)t[j] & 0xC0) == 0x80)
        j--;
    uint32_t cp = code_point_at(t, j, i, &len);
    return cp < 0x80 ? ascii_alnum((unsigned char)cp) : uni_word(cp);
}

/* Whether t[i..e) holds at least one digit followed by the end, '/', '?', '#' or a stop: the port
 * of "x.com:8080/a" rather than a scheme's body. */
static bool port_follows(const char *t, size_t i, size_t e)
{
    size_t j = i;
    while (j < e && ascii_digit((unsigned char)t[j]))
        j++;
    return j > i && (j == e || t[j] == '/' || t[j] == '?' || t[j] == '#' || stop_byte(t[j]));
}

/* Whether t[b..e) starts with what looks like a host: letters, digits, hyphens and dots with an
 * inner dot, then the end, '/', '?', '#', ':' or a stop. The last label must hold a non-digit
 * unless the whole is four dotted numbers, so "7.99 复制打开抖音" is no host. Non-ASCII letters
 * count as letters so that an IDN is reported as a bad host rather than as no link. */
static bool looks_like_host(const char *t, size_t b, size_t e)
{
    size_t i = b, len;
    while (i < e) {
        unsigned char c = (unsigned char)t[i];
        if (ascii_alnum(c) || c == '-' || c == '.')
            i++;
        else if (c >= 0x80 && uni_word(code_point_at(t, i, e, &len)))
            i += len;
        else
            break;
    }
    if (i < e && t[i] != '/' && t[i] != '?' && t[i] != '#' && t[i] != ':' && !stop_byte(t[i]))
        return false;
    size_t r = i, l;
    while (r > b && t[r - 1] == '.')
        r--;
    for (l = r; l > b && t[l - 1] != '.'; l--)
        if (!ascii_digit((unsigned char)t[l - 1]))
            break;
    if (l > b && t[l - 1] != '.')
        return memchr(t + b, '.', r - b) != NULL; /* a non-digit in the last label */
    if (l == b || l == r)
        return false; /* no inner dot, or an empty last label */
    size_t dots = 0;
    for (size_t j = b; j < r; j++) {
        if (t[j] == '.')
            dots++;
        else if (!ascii_digit((unsigned char)t[j]))
            return false;
    }
    return dots == 3;
}

/* Finds the link in the trimmed text t[b..e). */
static LinkError link_find(const char *t, size_t b, size_t e, Found *f)
{
    size_t k = http_prefix(t + b, e - b);
    if (k) {
        *f = (Found){b, b + k, k == 8, false};
        return LINK_OK;
    }
    /* A scheme at the very start: "javascript:", "data:", "ftp://" are refused. A host with a
     * port ("x.com:8080") and a label before a link ("Link: https://..") are no scheme. */
    if (ascii_alpha((unsigned char)t[b])) {
        size_t j = b + 1;
        while (j < e &&
               (ascii_alnum((unsigned char)t[j]) || t[j] == '+' || t[j] == '-' || t[j] == '.'))
            j++;
        if (j < e && t[j] == ':') {
            if (equal_ci(t + b, j - b, "http") || equal_ci(t + b, j - b, "https"))
                return LINK_BAD; /* "https:/x.com", "http:x.com" */
            if (memchr(t + b, '.', j - b) && port_follows(t, j + 1, e)) {
                *f = (Found){b, b, true, false};
                return LINK_OK;
            }
            if (j + 1 < e && !stop_byte(t[j + 1]) && !http_prefix(t + j + 1, e - j - 1))
                return LINK_NOT_HTTP;
        }
    }
    for (size_t i = b; i < e; i++) {
        k = http_prefix(t + i, e - i);
        if (k) {
            *f = (Found){i, i + k, k == 8, word_before(t, b, i)};
            return LINK_OK;
        }
    }
    if (looks_like_host(t, b, e)) {
        *f = (Found){b, b, true, false};
        return LINK_OK;
    }
    for (size_t i = b + 1; i + 3 <= e; i++)
        if (memcmp(t + i, "://", 3) == 0 && ascii_alpha((unsigned char)t[i - 1]))
            return LINK_NOT_HTTP; /* "复制 ftp://x" */
    return LINK_BAD;
}

/* The end of the link that starts at f: the first stop, less trailing punctuation. Non-ASCII
 * word characters belong to the link (a Chinese path or query; an international host after an
 * explicit scheme), unless the link is glued to text before it; an invisible character in it, or
 * where it would end, is refused rather than cut at. */
static LinkError link_end(const char *t, size_t e, const Found *f, size_t *end)
{
    size_t p = f->body;
    bool in_authority = true;
    while (p < e) {
        unsigned char c = (unsigned char)t[p];
        if (c >= 0x80) {
            size_t len;
            uint32_t cp = code_point_at(t, p, e, &len);
            if (uni_invisible(cp))
                return LINK_CONTROL_CHAR;
            if (!uni_word(cp))
                break;
            bool schemeless = f->start == f->body;
            if (in_authority && (f->glued || schemeless))
                return LINK_BAD_HOST; /* letters glued to the host, or an IDN without a scheme */
            if (f->glued)
                break;
            p += len;
            continue;
        }
        if (ascii_stop(c))
            break;
        if (c == '/' || c == '?' || c == '#')
            in_authority = false;
        p++;
    }
    size_t open_paren = 0, close_paren = 0, open_bracket = 0, close_bracket = 0;
    for (size_t i = f->start; i < p; i++) {
        open_paren += t[i] == '(';
        close_paren += t[i] == ')';
        open_bracket += t[i] == '[';
        close_bracket += t[i] == ']';
    }
    while (p > f->body) {
        unsigned char c = (unsigned char)t[p - 1];
        if (c == ')' && close_paren > open_paren)
            close_paren--;
        else if (c == ']' && close_bracket > open_bracket)
            close_bracket--;
        else if (!trailing_punct(c))
            break;
        p--;
    }
    *end = p;
    return LINK_OK;
}

/* ---- hosts ---- */

static bool ipv4_valid(const char *h, size_t n)
{
    size_t parts = 0, i = 0;
    for (;;) {
        size_t j = i;
        unsigned value = 0;
        while (j < n && h[j] != '.') {
            if (!ascii_digit((unsigned char)h[j]) || j - i >= 3)
                return false;
            value = value * 10 + (unsigned)(h[j] - '0');
            j++;
        }
        if (j == i || value > 255 || (h[i] == '0' && j - i > 1))
            return false; /* empty, too big, or a leading zero (octal to some parsers) */
        parts++;
        if (j == n)
            break;
        i = j + 1;
    }
    return parts == 4;
}

/* Whether h[0..n), lower case, is a DNS name (labels of [a-z0-9-], 1..63 bytes, no hyphen at
 * either end, 253 bytes in all) or an IPv4 dotted quad. A name whose last label is numeric must be
 * a dotted quad: browsers read "1.2.3" or "0x7f.1" as addresses. */
static bool host_valid(const char *h, size_t n)
{
    if (n == 0 || n > 253)
        return false;
    size_t i = 0;
    bool numeric;
    for (;;) {
        size_t j = i;
        numeric = true;
        while (j < n && h[j] != '.') {
            unsigned char c = (unsigned char)h[j];
            if (!((c >= 'a' && c <= 'z') || ascii_digit(c) || c == '-'))
                return false;
            numeric = numeric && ascii_digit(c);
            j++;
        }
        if (j == i || j - i > 63 || h[i] == '-' || h[j - 1] == '-')
            return false;
        if (j == n)
            break;
        i = j + 1;
    }
    return !numeric || ipv4_valid(h, n);
}

static bool host_in_domain(const char *host, const char *domain)
{
    size_t hl = strlen(host), dl = strlen(domain);
    if (hl < dl || !equal_ci(host + hl - dl, dl, domain))
        return false;
    return hl == dl || host[hl - dl - 1] == '.';
}

const char *link_platform_of_host(const char *host)
{
    if (!host)
        return "other";
    for (size_t i = 0; i < sizeof domains / sizeof domains[0]; i++)
        if (host_in_domain(host, domains[i].domain))
            return domains[i].id;
    return "other";
}

const LinkPlatform *link_platforms(size_t *n)
{
    if (n)
        *n = sizeof platforms / sizeof platforms[0];
    return platforms;
}

/* ---- the canonical form ---- */

/* Appends to a fixed buffer of cap bytes plus NUL; remembers an overflow instead of writing it. */
typedef struct Writer {
    char *p;
    size_t len, cap;
    bool over;
} Writer;

static void put(Writer *w, const char *s, size_t n)
{
    if (w->over || n > w->cap - w->len) {
        w->over = true;
        return;
    }
    memcpy(w->p + w->len, s, n);
    w->len += n;
}

static void puts_lit(Writer *w, const char *s)
{
    put(w, s, strlen(s));
}

/* Tracking parameters: they identify who shared, not what was shared. */
static bool param_tracking(const char *name, size_t n, bool youtube)
{
    static const char *const exact[] = {"spm",        "fbclid",         "gclid",
                                        "igshid",     "igsh",           "vd_source",
                                        "from_spmid", "is_from_webapp", "sender_device"};
    if (prefix_ci(name, n, "utm_") || prefix_ci(name, n, "spm_") || prefix_ci(name, n, "share_"))
        return true;
    for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++)
        if (equal_ci(name, n, exact[i]))
            return true;
    return youtube && equal_ci(name, n, "si");
}

/* Appends the query q[0..n) without tracking and empty parameters; "?" only if one is left. */
static void put_query(Writer *w, const char *q, size_t n, bool youtube)
{
    bool first = true;
    for (size_t i = 0; i <= n;) {
        const char *amp = memchr(q + i, '&', n - i);
        size_t j = amp ? (size_t)(amp - q) : n;
        const char *eq = memchr(q + i, '=', j - i);
        size_t name_len = eq ? (size_t)(eq - (q + i)) : j - i;
        if (j > i && !param_tracking(q + i, name_len, youtube)) {
            puts_lit(w, first ? "?" : "&");
            put(w, q + i, j - i);
            first = false;
        }
        i = j + 1;
    }
}

/* Whether a canonical form's last character would be stripped when the form is read again. */
static bool last_would_strip(const char *s, size_t n)
{
    unsigned char c = (unsigned char)s[n - 1];
    if (trailing_punct(c))
        return true;
    if (c != ')' && c != ']')
        return false;
    size_t open = 0, close = 0;
    for (size_t i = 0; i < n; i++) {
        open += (unsigned char)s[i] == (c == ')' ? '(' : '[');
        close += (unsigned char)s[i] == c;
    }
    return close > open;
}

/* ---- libcurl: international hosts and percent-encoding ---- */

/* Whether the last label of h[0..n) mixes ASCII and non-ASCII characters: no top-level domain
 * does, so it is text glued to the host ("example.com看看"). */
static bool last_label_mixed(const char *h, size_t n)
{
    size_t i = n;
    while (i > 0 && h[i - 1] != '.')
        i--;
    bool ascii = false, other = false;
    for (; i < n; i++) {
        if ((unsigned char)h[i] >= 0x80)
            other = true;
        else
            ascii = true;
    }
    return ascii && other;
}

/* Writes the ASCII (punycode) form of the international host raw into out; false when IDNA
 * refuses it. libidn2 reads the host in the locale's character set, so the conversion runs under
 * C.UTF-8, for this thread only. */
static bool host_to_ascii(const char *raw, char *out, size_t out_size)
{
    bool ok = false;
    char *ascii = NULL;                                               /* owned: curl_free */
    CURLU *u = curl_url();                                            /* owned: curl_url_cleanup */
    locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0); /* owned: freelocale */
    if (u && utf8 != (locale_t)0) {
        locale_t old = uselocale(utf8);
        if (curl_url_set(u, CURLUPART_SCHEME, "https", 0) == CURLUE_OK &&
            curl_url_set(u, CURLUPART_HOST, raw, 0) == CURLUE_OK &&
            curl_url_get(u, CURLUPART_HOST, &ascii, CURLU_PUNYCODE) == CURLUE_OK) {
            size_t n = strlen(ascii);
            ok = n < out_size;
            if (ok)
                memcpy(out, ascii, n + 1);
            for (size_t i = 0; ok && i < n; i++)
                out[i] = (char)ascii_lower((unsigned char)out[i]);
        }
        uselocale(old);
    }
    if (utf8 != (locale_t)0)
        freelocale(utf8);
    curl_free(ascii);
    curl_url_cleanup(u);
    return ok;
}

/* The host t[b..e) in ASCII lower case into host[256], without its root label's dot; an
 * international host (only after an explicit scheme, see link_end) as punycode. */
static LinkError host_take(const char *t, size_t b, size_t e, char host[256])
{
    if (e > b && t[e - 1] == '.')
        e--; /* the root label: "douyin.com." is douyin.com */
    size_t n = e - b;
    bool ascii = true;
    for (size_t i = b; i < e; i++)
        ascii = ascii && (unsigned char)t[i] < 0x80;
    if (!ascii) {
        char raw[1024];
        if (n >= sizeof raw || last_label_mixed(t + b, n))
            return LINK_BAD_HOST;
        memcpy(raw, t + b, n);
        raw[n] = '\0';
        if (!host_to_ascii(raw, host, 256))
            return LINK_BAD_HOST;
        n = strlen(host);
    } else {
        if (n >= 256)
            return LINK_BAD_HOST;
        for (size_t i = 0; i < n; i++)
            host[i] = (char)ascii_lower((unsigned char)t[b + i]);
        host[n] = '\0';
    }
    return host_valid(host, n) ? LINK_OK : LINK_BAD_HOST;
}

static bool ascii_hex(unsigned char c)
{
    return ascii_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Upper-cases the hex digits of every %XX in s, so "%e4" and "%E4" are one spelling. */
static void percent_upper(char *s)
{
    for (; *s; s++) {
        if (s[0] == '%' && ascii_hex((unsigned char)s[1]) && ascii_hex((unsigned char)s[2])) {
            for (int k = 1; k <= 2; k++)
                if (s[k] >= 'a')
                    s[k] = (char)(s[k] - ('a' - 'A'));
            s += 2;
        }
    }
}

/* The path and query of rest[0..n) (what follows the authority, without the fragment) as libcurl
 * normalises them: non-ASCII bytes percent-encoded as UTF-8, dot segments resolved, "/" for an
 * empty path. path and query: set, owned by the caller (curl_free); query NULL when none. */
static LinkError link_encode(const char *rest, size_t n, char **path, char **query)
{
    char url[LINK_TEXT_MAX + 16];
    *path = *query = NULL;
    assert(n <= LINK_TEXT_MAX);
    snprintf(url, sizeof url, "https://h%.*s", (int)n, rest);
    CURLU *u = curl_url(); /* owned: curl_url_cleanup */
    CURLUcode rc =
        u ? curl_url_set(u, CURLUPART_URL, url, CURLU_URLENCODE | CURLU_NON_SUPPORT_SCHEME)
          : CURLUE_OUT_OF_MEMORY;
    if (rc == CURLUE_OK)
        rc = curl_url_get(u, CURLUPART_PATH, path, 0);
    if (rc == CURLUE_OK && curl_url_get(u, CURLUPART_QUERY, query, 0) != CURLUE_OK)
        *query = NULL;
    curl_url_cleanup(u);
    if (rc != CURLUE_OK) {
        curl_free(*path);
        *path = NULL;
        return LINK_BAD;
    }
    percent_upper(*path);
    if (*query)
        percent_upper(*query);
    return LINK_OK;
}

/* Canonicalises the link t[f->start..end) into out. */
static LinkError link_build(const char *t, const Found *f, size_t end, LinkInfo *out)
{
    size_t a_end = f->body;
    while (a_end < end && t[a_end] != '/' && t[a_end] != '?' && t[a_end] != '#')
        a_end++;
    if (memchr(t + f->body, '@', a_end - f->body))
        return LINK_BAD; /* userinfo: "user:pass@host" hides the real host from readers */
    size_t h_end = a_end;
    while (h_end > f->body && t[h_end - 1] != ':')
        h_end--;
    if (h_end == f->body)
        h_end = a_end; /* no port */
    else
        h_end--; /* at the last ':' */

    char host[256];
    LinkError err = host_take(t, f->body, h_end, host);
    if (err != LINK_OK)
        return err;

    unsigned long port = 0;
    for (size_t i = h_end + 1; i < a_end; i++) {
        if (!ascii_digit((unsigned char)t[i]))
            return LINK_BAD;
        port = port * 10 + (unsigned long)(t[i] - '0');
        if (port > 65535)
            return LINK_BAD;
    }
    if (h_end + 1 < a_end && port == 0)
        return LINK_BAD;
    if (port == (f->https ? 443u : 80u))
        port = 0;

    size_t q_end = a_end;
    while (q_end < end && t[q_end] != '#')
        q_end++;
    char *path, *query; /* owned: curl_free */
    err = link_encode(t + a_end, q_end - a_end, &path, &query);
    if (err != LINK_OK)
        return err;

    const char *platform = link_platform_of_host(host);
    if (host_in_domain(host, "weixin.qq.com") && strncmp(path, "/sph", 4) == 0)
        platform = "wechat_channels";

    Writer w = {out->canonical, 0, LINK_TEXT_MAX, false};
    puts_lit(&w, f->https ? "https://" : "http://");
    puts_lit(&w, host);
    if (port) {
        char digits[24];
        snprintf(digits, sizeof digits, ":%lu", port);
        puts_lit(&w, digits);
    }
    puts_lit(&w, path);
    if (query)
        put_query(&w, query, strlen(query), strcmp(platform, "youtube") == 0);
    curl_free(path);
    curl_free(query);
    if (!w.over && last_would_strip(w.p, w.len)) {
        char escaped[4];
        snprintf(escaped, sizeof escaped, "%%%02X", (unsigned char)w.p[w.len - 1]);
        w.len--;
        puts_lit(&w, escaped);
    }
    if (w.over)
        return LINK_TOO_LONG;
    w.p[w.len] = '\0';
    snprintf(out->host, sizeof out->host, "%s", host);
    snprintf(out->platform, sizeof out->platform, "%s", platform);
    return LINK_OK;
}

static LinkError canonicalize(const char *input, LinkInfo *out)
{
    if (!input)
        return LINK_EMPTY;
    size_t n = strnlen(input, LINK_TEXT_MAX + 1);
    if (n > LINK_TEXT_MAX)
        return LINK_TOO_LONG;
    char t[LINK_TEXT_MAX + 1]; /* a copy, so that input may point into out */
    memcpy(t, input, n);
    t[n] = '\0';
    LinkError err = text_check((const unsigned char *)t, n);
    if (err != LINK_OK)
        return err;

    size_t b = n, e = 0, len;
    for (size_t i = 0; i < n; i += len) {
        if (!uni_space(code_point_at(t, i, n, &len))) {
            b = b < i ? b : i;
            e = i + len;
        }
    }
    if (b >= e)
        return LINK_EMPTY;

    Found f;
    size_t end;
    err = link_find(t, b, e, &f);
    if (err == LINK_OK)
        err = link_end(t, e, &f, &end);
    if (err == LINK_OK)
        err = link_build(t, &f, end, out);
    return err;
}

LinkError link_canonicalize(const char *input, LinkInfo *out)
{
    assert(out);
    LinkError err = canonicalize(input, out);
    if (err != LINK_OK) {
        out->canonical[0] = '\0';
        out->host[0] = '\0';
        out->platform[0] = '\0';
        return err;
    }
    assert(strncmp(out->canonical, "http", 4) == 0 && strlen(out->canonical) <= LINK_TEXT_MAX);
    assert(out->host[0] && out->platform[0] && !strchr(out->canonical, '#'));
    return LINK_OK;
}
