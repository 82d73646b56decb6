/* E-mail notifications through an SMTP relay with libcurl: STARTTLS required (CURLUSESSL_ALL)
 * unless the operator said "none" for a relay on this machine; the message built here as RFC 5322
 * text, the subject as an RFC 2047 encoded word and the body in base64, so a message's size
 * depends on nothing but its text. */
#include "transport.h"

#include "buf.h"
#include "vault.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

typedef struct Smtp {
    NotifyConfig cfg;
    char *password; /* secret memory; NULL when none */
    char domain[256];
    char url[800]; /* smtp_url with the sender's domain as its path: libcurl's EHLO name, so the
                    * relay's Received line names no host of ours */
} Smtp;

static Smtp smtp;
static Transport smtp_transport;

typedef struct Upload {
    const Buf *msg;
    size_t off;
} Upload;

static size_t on_read(char *ptr, size_t size, size_t nmemb, void *arg)
{
    Upload *u = arg;
    size_t n = size * nmemb, left = u->msg->len - u->off;
    if (n > left)
        n = left;
    memcpy(ptr, u->msg->data + u->off, n);
    u->off += n;
    return n;
}

/* Lines of base64 at most 76 characters (RFC 2045). */
static void put_b64_lines(Buf *out, const char *text)
{
    Buf b = {0};
    vault_to_b64_mime(text, strlen(text), &b);
    for (size_t i = 0; i < b.len; i += 76) {
        buf_append(out, b.data + i, b.len - i < 76 ? b.len - i : 76);
        buf_puts(out, "\r\n");
    }
    buf_free(&b);
}

/* A header's text as RFC 2047 encoded words of at most 75 characters each (45 bytes of UTF-8,
 * never cut inside a character), on folded lines. */
static void put_encoded_words(Buf *out, const char *text)
{
    size_t n = strlen(text);
    for (size_t i = 0; i < n;) {
        size_t take = n - i < 45 ? n - i : 45;
        while (take < n - i && take > 0 && ((unsigned char)text[i + take] & 0xC0) == 0x80)
            take--; /* not inside a UTF-8 sequence */
        Buf w = {0};
        vault_to_b64_mime(text + i, take, &w);
        buf_printf(out, "%s=?UTF-8?B?%.*s?=", i ? "\r\n " : " ", (int)w.len, (const char *)w.data);
        buf_free(&w);
        i += take;
    }
}

static void build(const Smtp *s, const OutMessage *m, Buf *out)
{
    char date[64];
    time_t t = (time_t)m->date;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm); /* one width: %d pads */
    buf_printf(out, "Date: %s\r\nFrom: <%s>\r\nTo: <%s>\r\nMessage-ID: <%s@%s>\r\nSubject:", date,
               s->cfg.smtp_from, m->to, m->msgid, s->domain);
    put_encoded_words(out, m->subject);
    buf_puts(out, "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
                  "Content-Transfer-Encoding: base64\r\n\r\n");
    put_b64_lines(out, m->body);
}

static const char *error_class(CURLcode rc, long code)
{
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
        return "connect";
    case CURLE_OPERATION_TIMEDOUT:
        return "timeout";
    case CURLE_USE_SSL_FAILED:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
        return "tls";
    case CURLE_LOGIN_DENIED:
        return "login";
    default:
        return code >= 500 ? "refused" : code >= 400 ? "deferred" : "relay";
    }
}

static int smtp_send(const Transport *t, const OutMessage *m, char *err, size_t err_size)
{
    const Smtp *s = t->state;
    if (strpbrk(m->to, "\r\n<>, ") || !strchr(m->to, '@')) {
        snprintf(err, err_size, "address");
        return -1;
    }
    CURL *h = curl_easy_init();
    if (!h) {
        snprintf(err, err_size, "curl");
        return -1;
    }
    Buf msg = {0};
    build(s, m, &msg);
    Upload up = {&msg, 0};
    struct curl_slist *rcpt = curl_slist_append(NULL, m->to);
    curl_easy_setopt(h, CURLOPT_URL, s->url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(h, CURLOPT_USE_SSL, s->cfg.smtp_starttls ? (long)CURLUSESSL_ALL : 0L);
    if (s->cfg.smtp_ca_file[0])
        curl_easy_setopt(h, CURLOPT_CAINFO, s->cfg.smtp_ca_file);
    if (s->cfg.smtp_user[0]) {
        curl_easy_setopt(h, CURLOPT_USERNAME, s->cfg.smtp_user);
        curl_easy_setopt(h, CURLOPT_PASSWORD, s->password ? s->password : "");
    }
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, s->cfg.smtp_from);
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(h, CURLOPT_READDATA, &up);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)msg.len);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROXY, "");
    curl_easy_setopt(h, CURLOPT_NETRC, (long)CURL_NETRC_IGNORED);
    CURLcode rc = curl_easy_perform(h);
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(rcpt); /* libcurl's copies are wiped when freed (harden_curl_memory) */
    curl_easy_cleanup(h);
    buf_wipe(&msg);
    buf_free(&msg);
    if (rc == CURLE_OK)
        return 0;
    snprintf(err, err_size, "%s", error_class(rc, code));
    return -1;
}

static int read_password(const char *path, char **out, char *err, size_t err_size)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, err_size, "cannot read --smtp-password-file");
        return -1;
    }
    char *p = vault_secret_alloc(256);
    size_t n = fread(p, 1, 255, f);
    fclose(f);
    p[n] = '\0';
    p[strcspn(p, "\r\n")] = '\0';
    *out = p;
    return 0;
}

const Transport *transport_smtp(const NotifyConfig *cfg, char *err, size_t err_size)
{
    if (!cfg->smtp_url[0])
        return NULL;
    if (!cfg->smtp_from[0]) {
        snprintf(err, err_size, "--smtp-url needs --smtp-from");
        return NULL;
    }
    smtp.cfg = *cfg;
    const char *at = strrchr(cfg->smtp_from, '@');
    snprintf(smtp.domain, sizeof smtp.domain, "%s", at + 1);
    const char *host = strstr(cfg->smtp_url, "://") + 3;
    const char *path = strchr(host, '/');
    if (path && path[1]) /* the operator named the EHLO domain */
        snprintf(smtp.url, sizeof smtp.url, "%s", cfg->smtp_url);
    else
        snprintf(smtp.url, sizeof smtp.url, "%.*s/%s",
                 (int)(path ? (size_t)(path - cfg->smtp_url) : strlen(cfg->smtp_url)),
                 cfg->smtp_url, smtp.domain);
    if (cfg->smtp_password_file[0] &&
        read_password(cfg->smtp_password_file, &smtp.password, err, err_size) != 0)
        return NULL;
    smtp_transport = (Transport){"smtp", smtp_send, &smtp};
    return &smtp_transport;
}
