/* A benchmark ceiling: a bare libmicrohttpd server with takedownd's thread configuration (the
 * flags and options of http_start in service/http.c: an internal thread pool on epoll), answering
 * one small fixed page to every request. tests/bench/run drives it with a load generator to learn
 * what this machine's HTTP stack can do at most; nothing of takedown runs in it.
 * Usage: bare_mhd THREADS MAX_SECONDS
 * Listens on 127.0.0.1 on a free port, prints "port N" on one line, and serves until SIGTERM or
 * SIGINT, or at most MAX_SECONDS. */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* The same defaults as config_defaults (service/config.c). */
#define BARE_MAX_CONNECTIONS 512
#define BARE_CONN_TIMEOUT 30
#define BARE_MAX_URL 4096

static const char BARE_PAGE[] = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                                "<title>bare</title></head><body><h1>bare libmicrohttpd</h1>"
                                "<p>A small fixed page for the HTTP ceiling.</p></body></html>\n";

static struct MHD_Response *bare_response; /* owned here, shared by every request */

static enum MHD_Result bare_access(void *cls, struct MHD_Connection *conn, const char *url,
                                   const char *method, const char *version, const char *upload,
                                   size_t *upload_size, void **req_cls)
{
    if (*upload_size) {
        *upload_size = 0; /* a body is read and dropped */
        return MHD_YES;
    }
    return MHD_queue_response(conn, MHD_HTTP_OK, bare_response);
}

static int bare_listen(uint16_t *port)
{
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sin;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, (struct sockaddr *)&sin, sizeof sin) != 0 || listen(fd, 128) != 0 ||
        getsockname(fd, (struct sockaddr *)&sin, &len) != 0) {
        fprintf(stderr, "bare_mhd: cannot listen on 127.0.0.1: %s\n", strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    *port = ntohs(sin.sin_port);
    return fd;
}

static struct MHD_Daemon *bare_start(int fd, unsigned threads)
{
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
                     MHD_USE_ITC | MHD_USE_ERROR_LOG;
    size_t mem_limit = 64 * 1024 + BARE_MAX_URL * 2;
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_LISTEN_SOCKET, fd, NULL},
        {MHD_OPTION_THREAD_POOL_SIZE, threads, NULL},
        {MHD_OPTION_CONNECTION_LIMIT, BARE_MAX_CONNECTIONS, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, BARE_CONN_TIMEOUT, NULL},
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)mem_limit, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    return MHD_start_daemon(flags, 0, NULL, NULL, bare_access, NULL, MHD_OPTION_ARRAY, opts,
                            MHD_OPTION_END);
}

/* Waits for SIGTERM or SIGINT, at most max_seconds. */
static void bare_wait(long max_seconds)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    struct timespec limit = {max_seconds, 0};
    while (sigtimedwait(&set, NULL, &limit) < 0 && errno == EINTR)
        ;
}

int main(int argc, char **argv)
{
    char *end = NULL;
    long threads = argc == 3 ? strtol(argv[1], &end, 10) : 0;
    long max_seconds = argc == 3 && end && !*end ? strtol(argv[2], &end, 10) : 0;
    if (threads < 1 || threads > 64 || max_seconds < 1 || max_seconds > 3600 || !end || *end) {
        fprintf(stderr, "usage: bare_mhd THREADS(1-64) MAX_SECONDS(1-3600)\n");
        return 2;
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* before MHD's threads start, so they inherit it */
    bare_response = MHD_create_response_from_buffer(sizeof BARE_PAGE - 1, (void *)BARE_PAGE,
                                                    MHD_RESPMEM_PERSISTENT);
    if (!bare_response || MHD_add_response_header(bare_response, "Content-Type",
                                                  "text/html; charset=utf-8") != MHD_YES)
        return 1;
    uint16_t port = 0;
    int fd = bare_listen(&port);
    struct MHD_Daemon *d = fd >= 0 ? bare_start(fd, (unsigned)threads) : NULL;
    if (!d) {
        fprintf(stderr, "bare_mhd: cannot start libmicrohttpd\n");
        return 1;
    }
    printf("port %u\n", (unsigned)port);
    fflush(stdout);
    bare_wait(max_seconds);
    MHD_stop_daemon(d);
    close(fd);
    MHD_destroy_response(bare_response);
    return 0;
}
