/* libcurl, one easy handle per check; the body is read up to a bound for the removal-page rules. */
#include "checker.h"

#include "buf.h"
#include "log.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <stdatomic.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#define BODY_MAX (256 * 1024)

/* Atomic: a reload (SIGHUP) sets them while checks run. */
static atomic_uint timeout_seconds = 10;
static atomic_ulong results[CHECK_UNKNOWN + 1]; /* checks made, by result */
static atomic_int private_allowed;
static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_setup(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

void checker_configure(unsigned timeout_s, int allow_private)
{
    timeout_seconds = timeout_s ? timeout_s : 10;
    private_allowed = allow_private;
    pthread_once(&curl_once, curl_setup);
}

const char *checker_result_name(CheckResult r)
{
    return r == CHECK_GONE ? "gone" : r == CHECK_UP ? "up" : "unknown";
}

int64_t checker_next_monitor(int64_t since, int64_t now)
{
    int64_t age = now - since;
    int64_t step = age < 7 * 86400 ? 86400 : age < 30 * 86400 ? 7 * 86400 : 30 * 86400;
    return now + step;
}

/* Pages platforms show for removed content: substrings of the final URL or of the body. */
static const char *const REMOVED_URL[] = {"/404",    "notfound",    "not_found", "removed",
                                          "deleted", "unavailable", NULL};
static const char *const REMOVED_BODY[] = {"该内容已被删除",
                                           "内容已被删除",
                                           "视频不存在",
                                           "作品不存在",
                                           "该微博不存在",
                                           "该微博已被删除",
                                           "内容不存在",
                                           "该视频已失效",
                                           "笔记不存在",
                                           "该内容已被发布者删除",
                                           "啊叻？视频不见了",
                                           "此内容因违规无法查看",
                                           "This video isn't available",
                                           "Video unavailable",
                                           "This content isn't available",
                                           "Page not found",
                                           "This page isn't available",
                                           "Sorry, this page isn't available",
                                           "This post is unavailable",
                                           NULL};

int checker_is_removal_page(const char *final_url, const char *body, long status)
{
    if (status == 404 || status == 410)
        return 1;
    if (final_url) {
        const char *path = strstr(final_url, "://");
        path = path ? strchr(path + 3, '/') : NULL;
        for (int i = 0; path && REMOVED_URL[i]; i++)
            if (strstr(path, REMOVED_URL[i]))
                return 1;
    }
    for (int i = 0; body && REMOVED_BODY[i]; i++)
        if (strstr(body, REMOVED_BODY[i]))
            return 1;
    return 0;
}

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
    Buf *b = arg;
    size_t len = size * n;
    if (b->len < BODY_MAX)
        buf_append(b, data, len < BODY_MAX - b->len ? len : BODY_MAX - b->len);
    return len; /* the rest is read and dropped */
}

/* ---- addresses ---- */

typedef struct Range4 {
    uint32_t net;
    unsigned bits;
    CheckAddress cls;
} Range4;

#define V4(a, b, c, d)                                                                             \
    ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

/* IPv4 special-purpose ranges (RFC 6890 and the IANA registry); everything else is public. */
static const Range4 RANGES4[] = {
    {V4(0, 0, 0, 0), 8, CHECK_ADDR_RESERVED},       /* "this network"; 0.0.0.0 is loopback */
    {V4(10, 0, 0, 0), 8, CHECK_ADDR_PRIVATE},       /* RFC 1918 */
    {V4(100, 64, 0, 0), 10, CHECK_ADDR_RESERVED},   /* shared address space (CGN) */
    {V4(127, 0, 0, 0), 8, CHECK_ADDR_PRIVATE},      /* loopback */
    {V4(169, 254, 0, 0), 16, CHECK_ADDR_RESERVED},  /* link-local, cloud metadata */
    {V4(172, 16, 0, 0), 12, CHECK_ADDR_PRIVATE},    /* RFC 1918 */
    {V4(192, 0, 0, 0), 24, CHECK_ADDR_RESERVED},    /* IETF protocol assignments */
    {V4(192, 0, 2, 0), 24, CHECK_ADDR_RESERVED},    /* TEST-NET-1 */
    {V4(192, 88, 99, 0), 24, CHECK_ADDR_RESERVED},  /* 6to4 relay anycast */
    {V4(192, 168, 0, 0), 16, CHECK_ADDR_PRIVATE},   /* RFC 1918 */
    {V4(198, 18, 0, 0), 15, CHECK_ADDR_RESERVED},   /* benchmarking */
    {V4(198, 51, 100, 0), 24, CHECK_ADDR_RESERVED}, /* TEST-NET-2 */
    {V4(203, 0, 113, 0), 24, CHECK_ADDR_RESERVED},  /* TEST-NET-3 */
    {V4(224, 0, 0, 0), 4, CHECK_ADDR_RESERVED},     /* multicast */
    {V4(240, 0, 0, 0), 4, CHECK_ADDR_RESERVED},     /* reserved, and 255.255.255.255 */
};

static CheckAddress classify_v4(uint32_t a)
{
    for (size_t i = 0; i < sizeof RANGES4 / sizeof RANGES4[0]; i++) {
        uint32_t mask = ~(uint32_t)0 << (32 - RANGES4[i].bits);
        if ((a & mask) == RANGES4[i].net)
            return RANGES4[i].cls;
    }
    return CHECK_ADDR_PUBLIC;
}

static uint32_t v4_at(const unsigned char *b)
{
    return V4(b[0], b[1], b[2], b[3]);
}

/* Whether the first bits of b match those of the 16-byte prefix p. */
static int v6_in(const unsigned char *b, const unsigned char *p, unsigned bits)
{
    unsigned whole = bits / 8, rest = bits % 8;
    if (memcmp(b, p, whole) != 0)
        return 0;
    return rest == 0 || ((b[whole] ^ p[whole]) & (0xFF << (8 - rest)) & 0xFF) == 0;
}

/* IPv6: only global unicast (2000::/3) is public, less its special blocks; IPv4-mapped addresses
 * are their IPv4 address; NAT64's well-known prefix passes with a public IPv4 address inside. */
static CheckAddress classify_v6(const unsigned char *b)
{
    static const unsigned char loopback[16] = {[15] = 1};
    static const unsigned char mapped[16] = {[10] = 0xFF, [11] = 0xFF};
    static const unsigned char nat64[16] = {0x00, 0x64, 0xFF, 0x9B};
    static const unsigned char global[16] = {0x20};
    static const unsigned char ula[16] = {0xFC};
    static const struct {
        unsigned char p[16];
        unsigned bits;
    } special[] = {
        {{0x20, 0x01}, 23},             /* IETF protocol assignments, Teredo 2001::/32 */
        {{0x20, 0x01, 0x0D, 0xB8}, 32}, /* documentation */
        {{0x20, 0x02}, 16},             /* 6to4: any IPv4 address behind a relay */
        {{0x3F, 0xFF}, 20},             /* documentation (RFC 9637) */
    };
    if (memcmp(b, loopback, 16) == 0)
        return CHECK_ADDR_PRIVATE;
    if (v6_in(b, mapped, 96))
        return classify_v4(v4_at(b + 12));
    if (v6_in(b, nat64, 96))
        return classify_v4(v4_at(b + 12)) == CHECK_ADDR_PUBLIC ? CHECK_ADDR_PUBLIC
                                                               : CHECK_ADDR_RESERVED;
    if (v6_in(b, ula, 7))
        return CHECK_ADDR_PRIVATE;
    if (!v6_in(b, global, 3))
        return CHECK_ADDR_RESERVED; /* ::/8, 64:ff9b:1::/48, 100::/64, fe80::/10, ff00::/8, ... */
    for (size_t i = 0; i < sizeof special / sizeof special[0]; i++)
        if (v6_in(b, special[i].p, special[i].bits))
            return CHECK_ADDR_RESERVED;
    return CHECK_ADDR_PUBLIC;
}

static CheckAddress classify_sockaddr(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return classify_v4(ntohl(((const struct sockaddr_in *)(const void *)sa)->sin_addr.s_addr));
    if (sa->sa_family == AF_INET6)
        return classify_v6(((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr);
    return CHECK_ADDR_RESERVED;
}

CheckAddress checker_classify_address(const char *ip)
{
    unsigned char b[16];
    if (ip && inet_pton(AF_INET, ip, b) == 1)
        return classify_v4(v4_at(b));
    if (ip && inet_pton(AF_INET6, ip, b) == 1)
        return classify_v6(b);
    return CHECK_ADDR_RESERVED;
}

/* What one check refused: the worst class met, CHECK_ADDR_PUBLIC while nothing was. */
typedef struct Gate {
    CheckAddress refused;
} Gate;

static int gate_allows(Gate *g, CheckAddress cls)
{
    if (cls == CHECK_ADDR_PUBLIC || (cls == CHECK_ADDR_PRIVATE && private_allowed))
        return 1;
    if (cls > g->refused)
        g->refused = cls;
    return 0;
}

/* Every connection, of the link and of each redirect, is opened here for the exact address curl
 * will connect to (not a second lookup of the name), so DNS rebinding cannot slip past. */
static curl_socket_t open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *addr)
{
    (void)purpose;
    if (!gate_allows(arg, classify_sockaddr(&addr->addr)))
        return CURL_SOCKET_BAD;
    return socket(addr->family, addr->socktype, addr->protocol);
}

/* Before each request, also on a reused connection: the address the connection really has. */
static int before_request(void *arg, char *primary_ip, char *local_ip, int primary_port,
                          int local_port)
{
    (void)local_ip, (void)primary_port, (void)local_port;
    return gate_allows(arg, checker_classify_address(primary_ip)) ? CURL_PREREQFUNC_OK
                                                                  : CURL_PREREQFUNC_ABORT;
}

CheckReport checker_check(const char *url)
{
    pthread_once(&curl_once, curl_setup);
    CheckReport rep = {CHECK_UNKNOWN, 0, ""};
    CURL *h = curl_easy_init();
    if (!h) {
        snprintf(rep.reason, sizeof rep.reason, "no curl handle");
        return rep;
    }
    Buf body = {0};
    Gate gate = {CHECK_ADDR_PUBLIC};
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
    unsigned timeout = atomic_load(&timeout_seconds);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)timeout);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)(timeout < 5 ? timeout : 5));
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "Mozilla/5.0 (compatible; takedown-checker)");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, &gate);
    curl_easy_setopt(h, CURLOPT_PREREQFUNCTION, before_request);
    curl_easy_setopt(h, CURLOPT_PREREQDATA, &gate);
    /* Straight to the platform: http_proxy, HTTPS_PROXY, ALL_PROXY in the environment are ignored
     * (a proxy would be the address connected to, and would fetch private addresses for us). */
    curl_easy_setopt(h, CURLOPT_PROXY, "");
    curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    /* Signed out: no cookie engine, no stored credentials. */
    curl_easy_setopt(h, CURLOPT_COOKIEFILE, NULL);
    curl_easy_setopt(h, CURLOPT_NETRC, (long)CURL_NETRC_IGNORED);
    CURLcode rc = curl_easy_perform(h);
    if (rc == CURLE_OK) {
        char *final = NULL;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &rep.status);
        curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &final);
        /* The URL rule only counts where the platform redirected us somewhere else. */
        if (final && strcmp(final, url) == 0)
            final = NULL;
        if (checker_is_removal_page(final, body.data, rep.status)) {
            rep.result = CHECK_GONE;
            snprintf(rep.reason, sizeof rep.reason,
                     rep.status == 404 || rep.status == 410 ? "status %ld" : "removal page",
                     rep.status);
        } else if (rep.status >= 200 && rep.status < 400) {
            rep.result = CHECK_UP;
            snprintf(rep.reason, sizeof rep.reason, "status %ld", rep.status);
        } else {
            snprintf(rep.reason, sizeof rep.reason, "status %ld", rep.status);
        }
    } else if (gate.refused != CHECK_ADDR_PUBLIC) {
        snprintf(rep.reason, sizeof rep.reason, "%s address refused",
                 gate.refused == CHECK_ADDR_PRIVATE ? "private" : "reserved");
    } else if (rc == CURLE_OPERATION_TIMEDOUT) {
        snprintf(rep.reason, sizeof rep.reason, "timeout");
    } else if (rc == CURLE_COULDNT_CONNECT) {
        snprintf(rep.reason, sizeof rep.reason, "connection refused");
    } else if (rc == CURLE_COULDNT_RESOLVE_HOST) {
        snprintf(rep.reason, sizeof rep.reason, "name not found");
    } else if (rc == CURLE_TOO_MANY_REDIRECTS) {
        snprintf(rep.reason, sizeof rep.reason, "too many redirects");
    } else {
        snprintf(rep.reason, sizeof rep.reason, "error %d", (int)rc);
    }
    buf_free(&body);
    curl_easy_cleanup(h);
    atomic_fetch_add(&results[rep.result], 1);
    return rep;
}

unsigned long checker_count(CheckResult r)
{
    return r <= CHECK_UNKNOWN ? atomic_load(&results[r]) : 0;
}
