/* Fuzz target for form decoding: urlencoded and multipart bodies through libmicrohttpd's post
 * processor into our code, as takedownd reads them: the Content-Type check (http_media_type_is),
 * the field and file callback (http_form_piece), the upload sink that encrypts screenshots to
 * the file store (uploads.c), the form-to-JSON step (formjson.c) and the report validator.
 *
 * The post processor needs a real connection (it reads the request's Content-Type through it),
 * so the input goes to an in-process libmicrohttpd daemon without a listening socket, over a
 * socket pair handed to MHD_add_connection: no network, no threads. In the access handler two
 * post processors read the same body, one fed as libmicrohttpd hands it over, one in small
 * pieces. Checks, beyond no crash, leak or overread:
 * - both readings give the same fields and the same file parts, byte for byte;
 * - every screenshot the sink kept decrypts (under the report's key, from the file store) to the
 *   bytes of a "screenshots" part with that file name, has an image type its first bytes show,
 *   and no more than UPLOADS_MAX_FILES of UPLOADS_MAX_BYTES each are kept;
 * - the form's JSON has only objects, arrays of at most FORMJSON_MAX_INDEX + 1 rows, strings
 *   that are field values and booleans, under well-formed names.
 *
 * Input: a first line, then the body. The first line is the Content-Type, after optional words:
 * "@files" (the route takes screenshots, as POST /report) and "@N" (the small pieces are N bytes,
 * 1 to 4096; 7 when not given). */
#include "filestore.h"
#include "formjson.h"
#include "fuzz_check.h"
#include "http.h"
#include "intake.h"
#include "log.h"
#include "uploads.h"
#include "vault.h"

#include <microhttpd.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* http.c's body states that matter here (Request.body_state). */
enum { BODY_FORM = 2, BODY_BAD_FORM = 4 };

#define BODY_MAX (256 * 1024)
#define PARTS_MAX 64

/* pages_victim.c's fields to leave out (its booleans are INTAKE_FORM_BOOLS). */
static const char *const FORM_SKIP[] = {"csrf", "action", "switch_lang", NULL};

/* The file parts a reading saw, in order. */
typedef struct Part {
    char *field, *filename; /* owned */
    Buf data;
} Part;

typedef struct Reading {
    Request req;
    struct MHD_PostProcessor *pp;
    Part parts[PARTS_MAX];
    size_t nparts;
    int parts_overflow;
    FileSink forward; /* the upload sink behind the recorder, or NULL */
} Reading;

typedef struct Run {
    size_t piece;
    int files;
    int is_form;   /* the Content-Type is one http.c hands to the post processor */
    int processed; /* it did: the post processor took the Content-Type */
    Reading whole, split;
    int started, finished, closed;
} Run;

static struct MHD_Daemon *mhd;
static Run *current;
static int initialised;

static Reading *reading_of(Request *req)
{
    return req == &current->whole.req ? &current->whole : &current->split;
}

/* Records each file part, then hands it to the upload sink when the route has one. */
static int record_part(Request *req, const char *field, const char *filename,
                       const char *content_type, const char *data, size_t n, uint64_t off)
{
    Reading *r = reading_of(req);
    /* A part's empty first piece and its data again at offset 0 are one part (as for fields). */
    const Part *last = r->nparts ? &r->parts[r->nparts - 1] : NULL;
    int continues = last && field && last->data.len == 0 && strcmp(last->field, field) == 0 &&
                    strcmp(last->filename, filename ? filename : "") == 0;
    if (field && off == 0 && !continues) {
        if (r->nparts == PARTS_MAX) {
            r->parts_overflow = 1;
        } else {
            Part *p = &r->parts[r->nparts++];
            p->field = strdup(field);
            p->filename = strdup(filename ? filename : "");
            CHECK(p->field && p->filename);
        }
    }
    if (field && !r->parts_overflow && r->nparts > 0)
        buf_append(&r->parts[r->nparts - 1].data, data, n);
    return r->forward ? r->forward(req, field, filename, content_type, data, n, off) : 0;
}

static enum MHD_Result on_piece(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *filename, const char *content_type,
                                const char *transfer_encoding, const char *data, uint64_t off,
                                size_t size)
{
    (void)kind;
    (void)transfer_encoding;
    return http_form_piece(cls, key, filename, content_type, data, off, size) ? MHD_YES : MHD_NO;
}

/* As http.c's body_feed: a reading that stopped reads no more. */
static void feed(Reading *r, const char *data, size_t n)
{
    if (r->req.body_state == BODY_FORM && MHD_post_process(r->pp, data, n) != MHD_YES &&
        r->req.body_state == BODY_FORM)
        r->req.body_state = BODY_BAD_FORM;
}

/* As http.c's body_end: the post processor's last values, then the sink's end. */
static void finish(Reading *r)
{
    MHD_destroy_post_processor(r->pp);
    r->pp = NULL;
    if (r->req.body_state == BODY_FORM && r->req.file_sink &&
        r->req.file_sink(&r->req, NULL, NULL, NULL, NULL, 0, 0) != 0)
        r->req.body_state = BODY_BAD_FORM;
}

/* files: the route takes screenshots (a recording sink; with store, the upload sink behind it). */
static void reading_start(Reading *r, struct MHD_Connection *conn, int files, int store)
{
    r->req.lang = "en";
    r->req.body_state = BODY_FORM;
    if (store) {
        uploads_attach(&r->req);
        r->forward = r->req.file_sink;
    }
    if (files)
        r->req.file_sink = record_part;
    r->pp = MHD_create_post_processor(conn, 16 * 1024, on_piece, &r->req);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    (void)cls;
    (void)url;
    (void)method;
    (void)version;
    Run *run = current;
    if (!*con_cls) {
        *con_cls = run;
        run->started = 1;
        if (run->is_form) {
            reading_start(&run->whole, conn, run->files, run->files);
            reading_start(&run->split, conn, run->files, 0);
            /* The post processor takes or refuses a Content-Type the same way twice. */
            CHECK((run->whole.pp == NULL) == (run->split.pp == NULL));
            run->processed = run->whole.pp != NULL;
        }
        return MHD_YES;
    }
    if (*upload_size) {
        if (run->whole.pp) {
            feed(&run->whole, upload, *upload_size);
            for (size_t off = 0; off < *upload_size; off += run->piece)
                feed(&run->split, upload + off,
                     *upload_size - off < run->piece ? *upload_size - off : run->piece);
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (run->whole.pp) {
        finish(&run->whole);
        finish(&run->split);
    }
    run->finished = 1;
    struct MHD_Response *resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ok = MHD_queue_response(conn, 204, resp);
    MHD_destroy_response(resp);
    return ok;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    Run *run = *con_cls;
    if (run)
        run->closed = 1;
}

/* ---- checks ---- */

/* Says where two readings part, for whoever looks at a failure. */
static void print_readings(const Reading *a, const Reading *b)
{
    for (size_t i = 0; i < a->req.nform || i < b->req.nform; i++)
        fprintf(stderr, "field %zu: whole %s=\"%.60s\" | pieces %s=\"%.60s\"\n", i,
                i < a->req.nform ? a->req.form[i].name : "-",
                i < a->req.nform ? a->req.form[i].value : "",
                i < b->req.nform ? b->req.form[i].name : "-",
                i < b->req.nform ? b->req.form[i].value : "");
}

static void check_same_readings(const Reading *a, const Reading *b)
{
    int same = a->req.nform == b->req.nform;
    for (size_t i = 0; same && i < a->req.nform; i++)
        same = strcmp(a->req.form[i].name, b->req.form[i].name) == 0 &&
               strcmp(a->req.form[i].value, b->req.form[i].value) == 0;
    if (!same)
        print_readings(a, b);
    CHECK(a->req.nform == b->req.nform);
    for (size_t i = 0; i < a->req.nform; i++) {
        CHECK(strcmp(a->req.form[i].name, b->req.form[i].name) == 0);
        CHECK(strcmp(a->req.form[i].value, b->req.form[i].value) == 0);
    }
    CHECK(a->nparts == b->nparts);
    for (size_t i = 0; i < a->nparts; i++) {
        CHECK(strcmp(a->parts[i].field, b->parts[i].field) == 0);
        CHECK(strcmp(a->parts[i].filename, b->parts[i].filename) == 0);
        CHECK(a->parts[i].data.len == b->parts[i].data.len);
        CHECK(a->parts[i].data.len == 0 ||
              memcmp(a->parts[i].data.data, b->parts[i].data.data, a->parts[i].data.len) == 0);
    }
}

static int is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* 1 when an urlencoded body is well formed enough for libmicrohttpd 0.9.75 to read it the same
 * however it was split: every '%' starts an escape of two hex digits (it decodes "%B%B8"
 * differently depending on where the body was cut) and no byte is a raw NUL (it unescapes each
 * piece as a C string, so a raw NUL drops the rest of that piece). Browsers send neither. */
static int urlencoded_well_formed(const char *body, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (body[i] == '\0' ||
            (body[i] == '%' && (i + 2 >= n || !is_hex(body[i + 1]) || !is_hex(body[i + 2]))))
            return 0;
    return 1;
}

static int image_magic(const char *type, const unsigned char *b, size_t n)
{
    if (strcmp(type, "image/png") == 0)
        return n >= 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0;
    if (strcmp(type, "image/jpeg") == 0)
        return n >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF;
    if (strcmp(type, "image/gif") == 0)
        return n >= 6 && (memcmp(b, "GIF87a", 6) == 0 || memcmp(b, "GIF89a", 6) == 0);
    if (strcmp(type, "image/webp") == 0)
        return n >= 12 && memcmp(b, "RIFF", 4) == 0 && memcmp(b + 8, "WEBP", 4) == 0;
    if (strcmp(type, "image/heic") == 0)
        return n >= 12 && memcmp(b + 4, "ftyp", 4) == 0;
    return 0;
}

/* Every kept screenshot opens to the bytes of a screenshots part of that name, in order. */
static void check_uploads(Reading *r)
{
    UploadSet *u = r->req.file_ctx;
    CHECK(u && u->nfiles <= UPLOADS_MAX_FILES);
    size_t next = 0;
    for (size_t i = 0; i < u->nfiles; i++) {
        const StoredFile *f = &u->files[i];
        Buf plain = {0};
        filestore_commit(f->id);
        CHECK(filestore_read(f->id, u->key, &plain) == 0);
        CHECK(plain.len == f->size && f->size > 0 && f->size <= UPLOADS_MAX_BYTES);
        CHECK(image_magic(f->type, (const unsigned char *)plain.data, plain.len));
        int found = 0;
        for (; next < r->nparts && !found; next++) {
            const Part *p = &r->parts[next];
            found = strcmp(p->field, "screenshots") == 0 &&
                    strncmp(p->filename, f->name, sizeof f->name - 1) == 0 &&
                    p->data.len == plain.len && memcmp(p->data.data, plain.data, plain.len) == 0;
        }
        CHECK(found);
        buf_free(&plain);
        char path[700];
        snprintf(path, sizeof path, "%s/files/%s", fuzz_data_dir(), f->id);
        CHECK(unlink(path) == 0);
    }
}

static int is_form_value(const Request *req, const char *s)
{
    for (size_t i = 0; i < req->nform; i++)
        if (strcmp(req->form[i].value, s) == 0)
            return 1;
    return 0;
}

static void check_form_json(const Request *req, const json_t *v, int depth)
{
    CHECK(depth < 130);
    if (json_is_object(v)) {
        const char *k;
        json_t *x;
        json_object_foreach((json_t *)v, k, x)
        {
            CHECK(*k && strlen(k) <= 63 &&
                  strspn(k, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(k));
            check_form_json(req, x, depth + 1);
        }
    } else if (json_is_array(v)) {
        CHECK(json_array_size(v) <= FORMJSON_MAX_INDEX + 1);
        for (size_t i = 0; i < json_array_size(v); i++)
            check_form_json(req, json_array_get(v, i), depth + 1);
    } else if (json_is_string(v)) {
        CHECK(is_form_value(req, json_string_value(v)));
    } else {
        CHECK(json_is_boolean(v));
    }
}

/* What page_report_post does with the fields: JSON, empty rows dropped, validated. */
static void check_report_path(Request *req)
{
    json_t *v = formjson_build(req, INTAKE_FORM_BOOLS, FORM_SKIP);
    CHECK(json_is_object(v));
    check_form_json(req, v, 0);
    formjson_drop_empty_rows(json_object_get(v, "targets"));
    formjson_drop_empty_rows(json_object_get(v, "fingerprints"));
    IntakeErrors errs;
    json_t *report = intake_validate(v, 1772323200, &errs);
    CHECK((report == NULL) == (errs.n > 0));
    CHECK(!report || json_is_true(json_object_get(report, "good_faith")));
    json_decref(report);
    json_decref(v);
}

static void reading_free(Reading *r)
{
    if (r->pp)
        MHD_destroy_post_processor(r->pp);
    for (size_t i = 0; i < r->req.nform; i++) {
        free(r->req.form[i].name);
        free(r->req.form[i].value);
    }
    free(r->req.form);
    if (r->req.file_ctx_free)
        r->req.file_ctx_free(r->req.file_ctx);
    for (size_t i = 0; i < r->nparts; i++) {
        free(r->parts[i].field);
        free(r->parts[i].filename);
        buf_free(&r->parts[i].data);
    }
}

/* ---- the connection ---- */

/* Sends the request over a socket pair and runs the daemon until it has answered and closed. */
static void exchange(const char *request, size_t len)
{
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) == 0);
    struct sockaddr_in peer = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001)};
    CHECK(MHD_add_connection(mhd, sv[0], (const struct sockaddr *)&peer, sizeof peer) == MHD_YES);
    size_t sent = 0;
    char sink[4096];
    int eof = 0;
    /* Until libmicrohttpd has answered and closed, and let go of a request it handed over. */
    for (int round = 0; round < 100000 && !(eof && (!current->started || current->closed));
         round++) {
        if (sent < len) {
            ssize_t w = send(sv[1], request + sent, len - sent, MSG_NOSIGNAL);
            if (w > 0)
                sent += (size_t)w;
        }
        CHECK(MHD_run(mhd) == MHD_YES);
        ssize_t got;
        while ((got = recv(sv[1], sink, sizeof sink, 0)) > 0)
            ;
        eof |= got == 0;
    }
    CHECK(eof && (!current->started || current->closed));
    close(sv[1]);
}

static void init(void)
{
    log_set_level(LOG_LEVEL_ERROR);
    CHECK(vault_init() == 0);
    CHECK(fuzz_data_dir() != NULL);
    mhd = MHD_start_daemon(MHD_USE_NO_LISTEN_SOCKET, 0, NULL, NULL, on_request, NULL,
                           MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024 + 8192),
                           MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_END);
    CHECK(mhd != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!initialised) {
        init();
        initialised = 1;
    }
    if (size > BODY_MAX)
        return 0;
    const uint8_t *eol = memchr(data, '\n', size);
    if (!eol)
        return 0;
    Run run = {.piece = 7};
    /* The first line: words, then the Content-Type (control bytes dropped: no header has them). */
    char ct[512];
    size_t ctlen = 0;
    const char *p = (const char *)data, *end = (const char *)eol;
    while (p < end && *p == '@') {
        const char *word_end = memchr(p, ' ', (size_t)(end - p));
        if (!word_end)
            break;
        if (word_end - p == 6 && memcmp(p, "@files", 6) == 0)
            run.files = 1;
        else if (word_end - p >= 2 && p[1] >= '1' && p[1] <= '9')
            run.piece = (size_t)strtoul(p + 1, NULL, 10);
        if (run.piece > 4096)
            run.piece = 4096;
        p = word_end + 1;
    }
    for (; p < end && ctlen + 1 < sizeof ct; p++)
        if ((unsigned char)*p >= 0x20 || *p == '\t')
            ct[ctlen++] = *p;
    ct[ctlen] = '\0';
    int urlencoded = http_media_type_is(ct, "application/x-www-form-urlencoded");
    run.is_form = urlencoded || http_media_type_is(ct, "multipart/form-data");
    CHECK(!(run.is_form && http_media_type_is(ct, "application/json")));

    const char *body = (const char *)eol + 1;
    size_t body_len = size - (size_t)(eol + 1 - data);
    Buf request = {0};
    buf_printf(&request,
               "POST /report HTTP/1.1\r\nHost: fuzz\r\nContent-Type: %s\r\n"
               "Content-Length: %zu\r\nConnection: close\r\n\r\n",
               ct, body_len);
    buf_append(&request, body, body_len);
    current = &run;
    exchange(request.data, request.len);
    buf_free(&request);

    int comparable = !urlencoded || urlencoded_well_formed(body, body_len);
    if (run.finished && run.processed && comparable) {
        /* The same body read in other pieces: the same outcome, and if good the same fields. */
        CHECK(run.whole.req.body_state == run.split.req.body_state);
        CHECK(run.whole.req.nform <= 1000);
    }
    if (run.finished && run.processed && run.whole.req.body_state == BODY_FORM) {
        if (comparable && !run.whole.parts_overflow && !run.split.parts_overflow)
            check_same_readings(&run.whole, &run.split);
        if (run.files)
            check_uploads(&run.whole);
        check_report_path(&run.whole.req);
    }
    reading_free(&run.whole);
    reading_free(&run.split);
    current = NULL;
    return 0;
}
