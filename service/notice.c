/* Notice text: a template per route and language with {placeholders}; a line whose placeholder is
 * empty is left out, and a required element that is empty makes the notice incomplete. */
#include "notice.h"

#include "assets.h"
#include "buf.h"

#include <stdio.h>
#include <string.h>

static const char *str_at(const json_t *o, const char *a, const char *b)
{
    const json_t *v = json_object_get(o, a);
    if (b)
        v = json_object_get(v, b);
    return json_is_string(v) && *json_string_value(v) ? json_string_value(v) : NULL;
}

/* The value of one element, or NULL when the case and the fields do not give it. */
static const char *element(const NoticeInput *in, const char *name, Buf *scratch)
{
    const json_t *cb = in->case_body;
    const json_t *req = json_object_get(cb, "requester");
    int consent = json_is_true(
        json_object_get(json_object_get(cb, "consent"), "share_identity_with_platform"));
    const char *given = str_at(in->fields, name, NULL);
    if (strcmp(name, "url") == 0)
        return str_at(in->target, "canonical", NULL);
    if (strcmp(name, "reason") == 0)
        return given;
    if (strcmp(name, "identity") == 0) {
        const char *rep = str_at(in->fields, "representative", NULL);
        if (rep)
            return rep;
        return consent ? str_at(req, "name", NULL) : NULL;
    }
    if (strcmp(name, "evidence") == 0) {
        if (given)
            return given;
        if (!in->screenshots && !in->fingerprints)
            return NULL;
        buf_reset(scratch);
        if (in->screenshots)
            buf_printf(scratch,
                       strcmp(in->lang, "en") == 0 ? "%d screenshot(s), available on request. "
                                                   : "截图 %d 张,可应要求提供。",
                       in->screenshots);
        if (in->fingerprints)
            buf_puts(scratch, strcmp(in->lang, "en") == 0
                                  ? "SHA-256 fingerprint(s) of the file, available on request."
                                  : "文件的 SHA-256 指纹,可应要求提供。");
        return scratch->data;
    }
    if (strcmp(name, "signature") == 0)
        return given ? given : consent ? str_at(cb, "signature", NULL) : NULL;
    if (strcmp(name, "contact") == 0)
        return given ? given : consent ? str_at(req, "contact", "value") : NULL;
    if (strcmp(name, "name") == 0)
        return given ? given : consent ? str_at(req, "name", NULL) : NULL;
    if (strcmp(name, "email") == 0) {
        if (given)
            return given;
        const json_t *ct = json_object_get(req, "contact");
        const char *ch = str_at(ct, "channel", NULL);
        return consent && ch && strcmp(ch, "email") == 0 ? str_at(ct, "value", NULL) : NULL;
    }
    if (strcmp(name, "good_faith") == 0)
        return json_is_true(json_object_get(cb, "good_faith")) ? "yes" : NULL;
    if (strcmp(name, "platform_name") == 0)
        return in->platform_name;
    if (strcmp(name, "org_name") == 0)
        return in->org_name;
    if (strcmp(name, "date") == 0)
        return in->date;
    return NULL;
}

char *notice_build(const NoticeInput *in, json_t *missing)
{
    char path[96];
    snprintf(path, sizeof path, "notices/%s.%s.txt", in->route, in->lang);
    const Asset *a = assets_find(path);
    if (!a)
        return NULL;
    /* Every required element first, so the caller hears of all that is missing at once. */
    Buf scratch = {0};
    char elements[160];
    snprintf(elements, sizeof elements, "%s", in->elements);
    size_t before = json_array_size(missing);
    char *save = NULL;
    for (char *e = strtok_r(elements, ",", &save); e; e = strtok_r(NULL, ",", &save))
        if (!element(in, e, &scratch))
            json_array_append_new(missing, json_string(e));
    if (json_array_size(missing) > before) {
        buf_free(&scratch);
        return NULL;
    }
    Buf out = {0};
    const char *s = (const char *)a->data;
    while (*s) {
        const char *eol = strchr(s, '\n');
        size_t n = eol ? (size_t)(eol - s) : strlen(s);
        Buf line = {0};
        int drop = 0;
        for (size_t i = 0; i < n; i++) {
            const char *close = s[i] == '{' ? memchr(s + i, '}', n - i) : NULL;
            if (!close || close - (s + i) > 24) {
                buf_putc(&line, s[i]);
                continue;
            }
            char name[32];
            snprintf(name, sizeof name, "%.*s", (int)(close - (s + i) - 1), s + i + 1);
            const char *v = element(in, name, &scratch);
            if (!v)
                drop = 1;
            else
                buf_puts(&line, v);
            i = (size_t)(close - s);
        }
        if (!drop) {
            buf_append(&out, line.data ? line.data : "", line.len);
            buf_putc(&out, '\n');
        }
        buf_free(&line);
        s += n + (eol ? 1 : 0);
    }
    buf_free(&scratch);
    return buf_take(&out);
}
