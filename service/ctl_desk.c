/* takedownctl platform keygen, open, pull, ack, ask, decide, reupload: what a platform's
 * trust-and-safety desk runs on its own side (not the center's): its keypair, and a client of
 * /api/platform/v1/ that fetches the notices sent to it, opens them with its secret key, and
 * answers them. The token is read from a file, never from the command line (which others see). */
#include "ctl.h"

#include "buf.h"
#include "log.h"
#include "vault.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct DeskArgs {
    const char *verb;
    const char *secret_key_file, *out, *url, *token_file;
    const char *notice, *decision, *reason, *item_id, *question, *at, *link;
} DeskArgs;

static const char *const USAGE =
    "usage: takedownctl platform keygen --secret-key-file FILE\n"
    "       takedownctl platform open --secret-key-file FILE [--out FILE] < answer.json\n"
    "       takedownctl platform pull --url BASE --token-file FILE --secret-key-file FILE\n"
    "                                 [--out FILE]\n"
    "       takedownctl platform ack --url BASE --token-file FILE --notice ID [--item-id ID]\n"
    "       takedownctl platform ask --url BASE --token-file FILE --notice ID --question TEXT\n"
    "       takedownctl platform decide --url BASE --token-file FILE --notice ID\n"
    "                                   --decision removed|disabled|geo_restricted|\n"
    "                                   age_restricted|rejected [--reason TEXT] [--item-id ID]\n"
    "                                   [--at UNIX-SECONDS]\n"
    "       takedownctl platform reupload --url BASE --token-file FILE --notice ID --link URL\n";

static const char *const VERBS[] = {"keygen", "open",   "pull",     "ack",
                                    "ask",    "decide", "reupload", NULL};

int ctl_desk_verb(const char *verb)
{
    for (int i = 0; VERBS[i]; i++)
        if (!strcmp(verb, VERBS[i]))
            return 1;
    return 0;
}

static int desk_parse(int argc, char **argv, DeskArgs *a)
{
    static const struct {
        const char *name;
        size_t at;
    } opts[] = {{"--secret-key-file", offsetof(DeskArgs, secret_key_file)},
                {"--out", offsetof(DeskArgs, out)},
                {"--url", offsetof(DeskArgs, url)},
                {"--token-file", offsetof(DeskArgs, token_file)},
                {"--notice", offsetof(DeskArgs, notice)},
                {"--decision", offsetof(DeskArgs, decision)},
                {"--reason", offsetof(DeskArgs, reason)},
                {"--item-id", offsetof(DeskArgs, item_id)},
                {"--question", offsetof(DeskArgs, question)},
                {"--at", offsetof(DeskArgs, at)},
                {"--link", offsetof(DeskArgs, link)}};
    memset(a, 0, sizeof *a);
    a->verb = argv[0];
    for (int i = 1; i < argc; i++) {
        size_t k = 0;
        while (k < sizeof opts / sizeof opts[0] && strcmp(argv[i], opts[k].name) != 0)
            k++;
        if (k == sizeof opts / sizeof opts[0] || i + 1 >= argc) {
            fprintf(stderr, "takedownctl platform %s: %s %s\n%s", a->verb,
                    k == sizeof opts / sizeof opts[0] ? "unknown option" : "no value for", argv[i],
                    USAGE);
            return 2;
        }
        *(const char **)((char *)a + opts[k].at) = argv[++i];
    }
    return 0;
}

/* keygen: a new X25519 keypair; the secret key as hex into a new file only its owner reads, the
 * public key printed for the admin who registers the desk. */
static int platform_keygen(const DeskArgs *a)
{
    const char *file = a->secret_key_file;
    unsigned char pk[VAULT_KEY_BYTES];
    unsigned char *sk = vault_secret_alloc(VAULT_KEY_BYTES);
    char *hex = vault_secret_alloc(VAULT_HEX_KEY_TEXT);
    vault_org_keypair(pk, sk);
    vault_to_hex(sk, VAULT_KEY_BYTES, hex);
    int fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    int ok = fd >= 0 && write(fd, hex, strlen(hex)) == (ssize_t)strlen(hex) &&
             write(fd, "\n", 1) == 1 && fsync(fd) == 0;
    if (fd >= 0)
        close(fd);
    vault_secret_free(sk);
    vault_secret_free(hex);
    if (!ok) {
        fprintf(stderr, "takedownctl platform keygen: cannot write a new %s: %s\n", file,
                strerror(errno));
        return 1;
    }
    char pkhex[VAULT_HEX_KEY_TEXT];
    vault_to_hex(pk, sizeof pk, pkhex);
    printf("public-key: %s\n", pkhex);
    return 0;
}

/* The desk's keypair from its secret key file into pk and sk; 0, or 1 (message printed). */
static int platform_key_read(const char *file, unsigned char pk[VAULT_KEY_BYTES], unsigned char *sk)
{
    char *hex = vault_secret_alloc(VAULT_HEX_KEY_TEXT + 2);
    FILE *f = fopen(file, "re");
    int ok = f && fgets(hex, VAULT_HEX_KEY_TEXT + 2, f);
    if (f)
        fclose(f);
    if (ok) {
        hex[strcspn(hex, "\r\n")] = '\0';
        ok = strlen(hex) == 2 * VAULT_KEY_BYTES &&
             vault_from_hex(hex, sk, VAULT_KEY_BYTES) == VAULT_KEY_BYTES;
    }
    vault_secret_free(hex);
    if (!ok) {
        fprintf(stderr, "takedownctl platform: %s holds no secret key (64 hex characters)\n", file);
        return 1;
    }
    vault_public_of(sk, pk);
    return 0;
}

/* Each notice of list with its sealed part opened (as "notice"); 0, or 1 when one is not sealed
 * to this desk's key (named on stderr). */
static int open_notices(json_t *list, const unsigned char pk[VAULT_KEY_BYTES],
                        const unsigned char *sk)
{
    int rc = 0;
    size_t i;
    json_t *n;
    json_array_foreach(list, i, n)
    {
        const char *sealed = json_string_value(json_object_get(n, "sealed"));
        size_t max = sealed ? strlen(sealed) : 0;
        unsigned char *blob = xmalloc(max + 1);
        long len = sealed ? vault_from_b64(sealed, blob, max) : -1;
        Buf plain = {0};
        json_t *opened = NULL;
        if (len < 0 || vault_desk_open(pk, sk, blob, (size_t)len, &plain) != 0 ||
            !(opened = json_loadb(plain.data ? plain.data : "", plain.len, 0, NULL))) {
            fprintf(stderr, "takedownctl platform: notice %lld is not sealed to this key\n",
                    (long long)json_integer_value(json_object_get(n, "id")));
            rc = 1;
        } else {
            json_object_del(n, "sealed");
            json_object_set_new(n, "notice", opened);
        }
        if (plain.data)
            vault_wipe(plain.data, plain.len);
        buf_free(&plain);
        free(blob);
    }
    return rc;
}

/* Writes v as JSON to out (a new file only its owner reads) or stdout; 0 or 1. */
static int write_json(const json_t *v, const char *out)
{
    if (!out) {
        json_dumpf(v, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
        printf("\n");
        return 0;
    }
    int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    int ok =
        f && json_dumpf(v, f, JSON_INDENT(2) | JSON_ENSURE_ASCII) == 0 && fputc('\n', f) != EOF;
    if (f)
        ok = fclose(f) == 0 && ok;
    else if (fd >= 0)
        close(fd);
    if (!ok)
        fprintf(stderr, "takedownctl platform: cannot write %s: %s\n", out, strerror(errno));
    return ok ? 0 : 1;
}

/* open: the answer of GET /api/platform/v1/notices on stdin; each notice with its sealed part
 * opened (as "notice") on stdout. Exit 1 when one is not sealed to this desk's key. */
static int platform_open(const DeskArgs *a)
{
    unsigned char pk[VAULT_KEY_BYTES];
    unsigned char *sk = vault_secret_alloc(VAULT_KEY_BYTES);
    if (platform_key_read(a->secret_key_file, pk, sk) != 0) {
        vault_secret_free(sk);
        return 1;
    }
    json_t *in = json_loadf(stdin, 0, NULL);
    json_t *list = json_object_get(in, "notices");
    int rc = json_is_array(list) ? open_notices(list, pk, sk) : 1;
    if (!json_is_array(list))
        fprintf(stderr, "takedownctl platform open: stdin is not a list of notices\n");
    vault_secret_free(sk);
    if (rc == 0)
        rc = write_json(in, a->out);
    json_decref(in);
    return rc;
}
/* ---- the client of /api/platform/v1/ ---- */

static size_t collect(char *p, size_t size, size_t n, void *arg)
{
    buf_append(arg, p, size * n);
    return size * n;
}

/* The token: the first line of the file. */
static char *token_read(const char *file)
{
    char line[128];
    FILE *f = fopen(file, "re");
    int ok = f && fgets(line, sizeof line, f);
    if (f)
        fclose(f);
    if (!ok) {
        fprintf(stderr, "takedownctl platform: cannot read the token from %s\n", file);
        return NULL;
    }
    line[strcspn(line, "\r\n")] = '\0';
    char *t = xstrdup(line);
    vault_wipe(line, sizeof line);
    return t;
}

/* One call: GET when body is NULL, else POST of body as JSON. The answer's JSON in *out; the HTTP
 * status, or 0 when the service could not be reached (message printed). */
static long desk_call(const DeskArgs *a, const char *token, const char *path, const json_t *body,
                      json_t **out)
{
    *out = NULL;
    CURL *h = curl_easy_init();
    if (!h)
        return 0;
    char url[2048], auth[160];
    snprintf(url, sizeof url, "%s/api/platform/v1%s", a->url, path);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
    struct curl_slist *hdr = curl_slist_append(NULL, auth);
    hdr = curl_slist_append(hdr, "Accept: application/json");
    char *text = NULL;
    if (body) {
        text = json_dumps(body, JSON_COMPACT);
        hdr = curl_slist_append(hdr, "Content-Type: application/json");
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, text);
    }
    Buf got = {0};
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &got);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    long status = 0;
    CURLcode rc = curl_easy_perform(h);
    if (rc == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    else
        fprintf(stderr, "takedownctl platform %s: %s: %s\n", a->verb, a->url,
                curl_easy_strerror(rc));
    *out = got.len ? json_loadb(got.data, got.len, 0, NULL) : NULL;
    buf_free(&got);
    free(text);
    curl_slist_free_all(hdr);
    vault_wipe(auth, sizeof auth);
    curl_easy_cleanup(h);
    return status;
}

/* A refusal on stderr: the status, the error code and the field it names. */
static int refused(const DeskArgs *a, long status, const json_t *answer)
{
    if (!status)
        return 1;
    const json_t *e = json_object_get(answer, "error");
    const char *field = json_string_value(json_object_get(e, "field"));
    const char *code = json_string_value(json_object_get(e, "code"));
    fprintf(stderr, "takedownctl platform %s: HTTP %ld: %s%s%s%s\n", a->verb, status,
            code ? code : "no answer", field ? " (field " : "", field ? field : "",
            field ? ")" : "");
    return 1;
}

/* pull: every page of the notices waiting on this desk, each opened with its secret key. */
static int platform_pull(const DeskArgs *a, const char *token)
{
    unsigned char pk[VAULT_KEY_BYTES];
    unsigned char *sk = vault_secret_alloc(VAULT_KEY_BYTES);
    if (platform_key_read(a->secret_key_file, pk, sk) != 0) {
        vault_secret_free(sk);
        return 1;
    }
    json_t *all = json_array();
    char path[64] = "/notices";
    int rc = 0;
    for (int pages = 0; pages < 100000 && rc == 0; pages++) {
        json_t *page;
        long status = desk_call(a, token, path, NULL, &page);
        json_t *list = json_object_get(page, "notices");
        if (status != 200 || !json_is_array(list)) {
            rc = refused(a, status, page);
        } else {
            rc = open_notices(list, pk, sk);
            json_array_extend(all, list);
            const char *next = json_string_value(json_object_get(page, "next"));
            if (!next) {
                json_decref(page);
                break;
            }
            snprintf(path, sizeof path, "/notices?cursor=%.20s", next);
        }
        json_decref(page);
    }
    vault_secret_free(sk);
    json_t *out = json_pack("{s:o}", "notices", all);
    if (rc == 0)
        rc = write_json(out, a->out);
    json_decref(out);
    return rc;
}

/* ack, ask, decide, reupload: one answer about a notice. */
static int platform_answer(const DeskArgs *a, const char *token)
{
    char path[96];
    const char *what = !strcmp(a->verb, "ack")      ? "ack"
                       : !strcmp(a->verb, "ask")    ? "needs-info"
                       : !strcmp(a->verb, "decide") ? "decision"
                                                    : "reuploads";
    snprintf(path, sizeof path, "/notices/%.20s/%s", a->notice, what);
    json_t *body = json_object();
    const struct {
        const char *name, *value;
    } members[] = {{"decision", a->decision},
                   {"reason", a->reason},
                   {"item_id", a->item_id},
                   {"question", a->question},
                   {"url", a->link}};
    for (size_t i = 0; i < sizeof members / sizeof members[0]; i++)
        if (members[i].value)
            json_object_set_new(body, members[i].name, json_string(members[i].value));
    if (a->at) {
        char *end = NULL;
        long long at = strtoll(a->at, &end, 10);
        if (*end || end == a->at) {
            fprintf(stderr, "takedownctl platform %s: --at takes Unix seconds\n", a->verb);
            json_decref(body);
            return 2;
        }
        json_object_set_new(body, "at", json_integer(at));
    }
    json_t *answer;
    long status = desk_call(a, token, path, body, &answer);
    json_decref(body);
    int rc =
        status >= 200 && status < 300 ? write_json(answer, a->out) : refused(a, status, answer);
    json_decref(answer);
    return rc;
}

int ctl_desk(int argc, char **argv)
{
    DeskArgs a;
    if (desk_parse(argc, argv, &a) != 0)
        return 2;
    const char *v = a.verb;
    int local = !strcmp(v, "keygen") || !strcmp(v, "open");
    int needs_notice = !local && strcmp(v, "pull") != 0;
    if ((local || !strcmp(v, "pull")) && !a.secret_key_file)
        return fprintf(stderr, "takedownctl platform %s: --secret-key-file FILE\n%s", v, USAGE), 2;
    if (!local && (!a.url || !a.token_file || (needs_notice && !a.notice) ||
                   (!strcmp(v, "decide") && !a.decision) || (!strcmp(v, "ask") && !a.question) ||
                   (!strcmp(v, "reupload") && !a.link)))
        return fprintf(stderr, "takedownctl platform %s: missing options\n%s", v, USAGE), 2;
    if (!strcmp(v, "keygen"))
        return platform_keygen(&a);
    if (!strcmp(v, "open"))
        return platform_open(&a);
    char *token = token_read(a.token_file);
    if (!token)
        return 1;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int rc = !strcmp(v, "pull") ? platform_pull(&a, token) : platform_answer(&a, token);
    curl_global_cleanup();
    vault_wipe(token, strlen(token));
    free(token);
    return rc;
}
