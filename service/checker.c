/* libcurl, one easy handle per check; the body is read up to a bound for the removal-page rules. */
#include "checker.h"

#include "buf.h"
#include "log.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#define BODY_MAX (256 * 1024)

static unsigned timeout_seconds = 10;
static int private_allowed;
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

/* Refuses loopback, private, link-local and unspecified addresses unless allowed. */
static int address_private(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET) {
        uint32_t a = ntohl(((const struct sockaddr_in *)(const void *)sa)->sin_addr.s_addr);
        return (a >> 24) == 127 || (a >> 24) == 10 || (a >> 24) == 0 ||
               (a >> 20) == (172 << 4 | 1) || (a >> 16) == (192 << 8 | 168) ||
               (a >> 16) == (169 << 8 | 254) || (a >> 22) == (100 << 2 | 1);
    }
    if (sa->sa_family == AF_INET6) {
        const unsigned char *b = ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr;
        static const unsigned char loop[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
        static const unsigned char any[16] = {0};
        return memcmp(b, loop, 16) == 0 || memcmp(b, any, 16) == 0 || (b[0] & 0xfe) == 0xfc ||
               (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) ||
               (b[10] == 0xff && b[11] == 0xff && memcmp(b, any, 10) == 0); /* v4-mapped */
    }
    return 1;
}

static curl_socket_t open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *addr)
{
    (void)purpose;
    int *blocked = arg;
    if (!private_allowed && address_private(&addr->addr)) {
        *blocked = 1;
        return CURL_SOCKET_BAD;
    }
    return socket(addr->family, addr->socktype, addr->protocol);
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
    int blocked = 0;
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)timeout_seconds);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)(timeout_seconds < 5 ? timeout_seconds : 5));
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "Mozilla/5.0 (compatible; takedown-checker)");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, &blocked);
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
    } else if (blocked) {
        snprintf(rep.reason, sizeof rep.reason, "private address refused");
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
    return rep;
}
