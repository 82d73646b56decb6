/* The link checker: fetches a target's link signed out (no cookies, a short timeout, a bounded
 * number of redirects) and says whether the content is gone or still up. */
#ifndef TAKEDOWN_CHECKER_H
#define TAKEDOWN_CHECKER_H

#include <stdint.h>

typedef enum CheckResult {
    CHECK_GONE,    /* 404, 410, or a platform's removal page */
    CHECK_UP,      /* the content answers */
    CHECK_UNKNOWN, /* timeout, refused, a server error: try again later */
} CheckResult;

typedef struct CheckReport {
    CheckResult result;
    long status;     /* the final HTTP status, 0 when none */
    char reason[64]; /* "status 404", "removal page", "timeout", "refused", ... */
} CheckReport;

/* Settings: timeout in seconds; allow_private lets the checker reach loopback and private
 * addresses (the tests' fake platform on 127.0.0.1); off in production so a reported link cannot
 * make the service probe its own network. Other special-purpose ranges are never reached. */
void checker_configure(unsigned timeout_s, int allow_private);

/* What the checker makes of the address it is about to connect to. */
typedef enum CheckAddress {
    CHECK_ADDR_PUBLIC,   /* globally reachable: fetched */
    CHECK_ADDR_PRIVATE,  /* loopback or private (127/8, 10/8, 172.16/12, 192.168/16, ::1,
                          * fc00::/7, and their IPv4-mapped forms): only with allow_private */
    CHECK_ADDR_RESERVED, /* every other special-purpose range (RFC 6890 and the IANA registries),
                          * IPv6 outside 2000::/3, or not a numeric address: never */
} CheckAddress;

/* The class of a numeric IPv4 or IPv6 address in text form ("198.18.0.1", "::ffff:127.0.0.1");
 * the unit test's view of the rule the checker applies to every connection. */
CheckAddress checker_classify_address(const char *ip);
/* Fetches url and classifies it. Thread-safe; slow (network): call off the HTTP threads. */
CheckReport checker_check(const char *url);
/* The removal-page rule alone (for the unit test): 1 when the status, the URL we were redirected to
 * (NULL when not redirected) or the body says removed. */
int checker_is_removal_page(const char *final_url, const char *body, long status);
const char *checker_result_name(CheckResult r);
/* Checks made since start with result r (for /metrics). */
unsigned long checker_count(CheckResult r);
/* When a monitored target is checked next: daily in its first week, weekly in its first month,
 * then monthly, counted from since. */
int64_t checker_next_monitor(int64_t since, int64_t now);

#endif
