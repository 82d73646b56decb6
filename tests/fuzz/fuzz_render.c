/* Fuzz target for the template engine (service/render.c): arbitrary template text and arbitrary
 * context values. No crash, leak or overread; a template either compiles or is refused with a
 * message naming it and a line; rendering is repeatable; a failed render leaves the output as it
 * was; and the escaping invariant holds: no value ever puts a raw < > " or ' into the page.
 *
 * The invariant is checked by rendering twice: once with the context as given, once with every
 * < > " ' inside its strings replaced by '~' (keys, numbers and the shape untouched). Only
 * template text may add those characters, so both pages must hold each of them equally often.
 * The replacement keeps every decision of the engine the same: lengths, truthiness and safe
 * links do not change, and '~' is taken out of the template text (with < > ' inside tags, so no
 * {{#eq}} literal can equal a value in one render and not in the other).
 *
 * Input: template sources, then optionally "\n===\n" and the context as JSON. The first source
 * is "page"; "\n--- NAME\n" starts another, which {{> NAME}} and {{%layout NAME}} can name. A
 * context that is not JSON becomes a string put at a few paths. Inputs whose render could take
 * more than a bound of steps (nested #each over long arrays, includes fanning out) are skipped:
 * the engine bounds include depth but not work, and templates are ours, not the input's. */
#include "fuzz_check.h"
#include "i18n.h"
#include "log.h"
#include "render.h"

#include <jansson.h>
#include <string.h>

#define MAX_TEMPLATES 4
#define MAX_DEPTH 16       /* render.c's RENDER_MAX_DEPTH: deeper includes stop the render */
#define MAX_STEPS 200000.0 /* estimated nodes visited per render */
static const char ESCAPED[] = "<>\"'";

typedef struct Source {
    char name[32];
    char *text; /* owned */
} Source;

static int initialised;

/* ---- the cost bound ---- */

typedef struct Cost {
    const Source *src;
    size_t n;
    double longest; /* the longest array anywhere in the context */
    double memo[MAX_TEMPLATES][MAX_DEPTH + 1];
} Cost;

static double cost_of(Cost *c, const char *name, size_t name_len, int depth);

/* An upper bound of the nodes a render of src visits, read as render.c reads tags. */
static double cost_text(Cost *c, const char *s, int depth)
{
    double total = 0, mult[70] = {1};
    size_t level = 0;
    for (const char *open; (open = strstr(s, "{{"));) {
        const char *close = strstr(open + 2, "}}");
        if (!close)
            break;
        const char *t = open + 2;
        while (t < close && strchr(" \t\r\n", *t))
            t++;
        size_t n = (size_t)(close - t);
        total += mult[level] * 2; /* the tag and the text before it */
        if (n >= 5 && strncmp(t, "#each", 5) == 0 && level + 1 < 70) {
            level++;
            mult[level] = mult[level - 1] * (c->longest + 1);
        } else if (n >= 1 && t[0] == '#' && level + 1 < 70) {
            level++;
            mult[level] = mult[level - 1];
        } else if (n >= 1 && t[0] == '/' && level > 0) {
            level--;
        } else if ((n >= 1 && t[0] == '>') || (n >= 7 && strncmp(t, "%layout", 7) == 0)) {
            const char *w = t + (t[0] == '>' ? 1 : 7);
            while (w < close && strchr(" \t\r\n", *w))
                w++;
            size_t wl = 0;
            while (w + wl < close && !strchr(" \t\r\n", w[wl]))
                wl++;
            total += mult[level] * cost_of(c, w, wl, depth + 1);
        }
        s = close + 2;
    }
    return total + mult[0];
}

static double cost_of(Cost *c, const char *name, size_t name_len, int depth)
{
    if (depth > MAX_DEPTH)
        return 0;
    for (size_t i = 0; i < c->n; i++) {
        if (strlen(c->src[i].name) != name_len || memcmp(c->src[i].name, name, name_len) != 0)
            continue;
        if (c->memo[i][depth] < 0)
            c->memo[i][depth] = cost_text(c, c->src[i].text, depth);
        return c->memo[i][depth];
    }
    return 1;
}

static double longest_array(const json_t *v)
{
    double m = 0;
    size_t i;
    const char *k;
    json_t *x;
    if (json_is_array(v)) {
        m = (double)json_array_size(v);
        json_array_foreach(v, i, x)
        {
            double d = longest_array(x);
            m = d > m ? d : m;
        }
    } else if (json_is_object(v)) {
        json_object_foreach((json_t *)v, k, x)
        {
            double d = longest_array(x);
            m = d > m ? d : m;
        }
    }
    return m;
}

/* ---- inputs ---- */

/* Splits text (modified) into sources; returns how many. */
static size_t split_sources(char *text, Source *src)
{
    size_t n = 1;
    snprintf(src[0].name, sizeof src[0].name, "page");
    src[0].text = text;
    for (char *p = text; n < MAX_TEMPLATES && (p = strstr(p, "\n--- "));) {
        char *name = p + 5, *eol = strchr(name, '\n');
        if (!eol || eol == name || (size_t)(eol - name) >= sizeof src[0].name)
            break;
        *p = '\0';
        snprintf(src[n].name, sizeof src[n].name, "%.*s", (int)(eol - name), name);
        src[n].text = eol + 1;
        n++;
        p = eol + 1;
    }
    return n;
}

/* Takes '~' out of template text, and < > ' out of tags (where only {{#eq}} literals could hold
 * them; the '>' of an include stays), so the replacement in the second context changes no
 * decision. */
static void neutralise(char *s)
{
    for (char *p = s; *p; p++)
        if (*p == '~')
            *p = '-';
    for (char *open; (open = strstr(s, "{{"));) {
        char *close = strstr(open + 2, "}}");
        if (!close)
            break;
        char *p = open + 2;
        while (p < close && strchr(" \t\r\n", *p))
            p++;
        if (p < close && *p == '>') /* {{> name}} */
            p++;
        for (; p < close; p++)
            if (*p == '<' || *p == '>' || *p == '\'')
                *p = 'q';
        s = close + 2;
    }
}

/* The context: the JSON after the separator, or a string at a few paths. */
static json_t *context_of(const char *text)
{
    json_t *v = json_loads(text, JSON_DECODE_ANY, NULL);
    if (v)
        return v;
    json_t *s = json_string(text);
    if (!s)
        s = json_string("<b>\"x\" & 'y'</b>");
    json_t *ctx = json_pack("{s:O, s:{s:O}, s:[O, {s:O}], s:O, s:i, s:b}", "a", s, "b", "c", s,
                            "items", s, "a", s, "url", s, "n", 0, "t", 1);
    json_decref(s);
    return ctx;
}

/* A deep copy of v with every < > " ' of its strings replaced by '~'. */
static json_t *replaced(const json_t *v)
{
    if (json_is_string(v)) {
        char *s = strdup(json_string_value(v));
        CHECK(s != NULL);
        size_t n = json_string_length(v);
        for (size_t i = 0; i < n; i++)
            if (s[i] && strchr(ESCAPED, s[i]))
                s[i] = '~';
        json_t *r = json_stringn(s, n);
        free(s);
        return r;
    }
    if (json_is_array(v)) {
        json_t *r = json_array();
        for (size_t i = 0; i < json_array_size(v); i++)
            json_array_append_new(r, replaced(json_array_get(v, i)));
        return r;
    }
    if (json_is_object(v)) {
        json_t *r = json_object();
        const char *k;
        json_t *x;
        json_object_foreach((json_t *)v, k, x) json_object_set_new(r, k, replaced(x));
        return r;
    }
    return json_deep_copy(v);
}

static size_t count_of(const Buf *b, char c)
{
    size_t n = 0;
    for (size_t i = 0; i < b->len; i++)
        n += b->data[i] == c;
    return n;
}

/* Renders page with ctx after a one-byte prefix; checks repeatability and what a failure leaves. */
static int render_checked(json_t *ctx, const char *lang, Buf *out)
{
    buf_putc(out, '#');
    int rc = render_template("page", ctx, lang, out);
    CHECK(out->len >= 1 && out->data[0] == '#' && out->data[out->len] == '\0');
    if (rc != 0)
        CHECK(out->len == 1);
    Buf again = {0};
    buf_putc(&again, '#');
    CHECK(render_template("page", ctx, lang, &again) == rc);
    CHECK(again.len == out->len && memcmp(again.data, out->data, out->len) == 0);
    buf_free(&again);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!initialised) {
        log_set_level(LOG_LEVEL_ERROR); /* missing templates and keys are expected here */
        (void)i18n_init();
        initialised = 1;
    }
    if (size > 8192)
        return 0;
    char *text = malloc(size + 1); /* owned here */
    CHECK(text != NULL);
    memcpy(text, data, size);
    text[size] = '\0';
    char *sep = NULL;
    for (char *p = text; (p = strstr(p, "\n===\n")); p++)
        sep = p;
    const char *ctx_text = "";
    if (sep) {
        *sep = '\0';
        ctx_text = sep + 5;
    }
    json_t *ctx = context_of(ctx_text);
    Source src[MAX_TEMPLATES];
    size_t n = split_sources(text, src);

    render_shutdown();
    int page_ok = 0;
    for (size_t i = 0; i < n; i++) {
        neutralise(src[i].text);
        char *err = NULL;
        int rc = render_add(src[i].name, src[i].text, &err);
        if (rc != 0) {
            char where[64];
            snprintf(where, sizeof where, "template %.31s line ", src[i].name);
            CHECK(err != NULL && strncmp(err, where, strlen(where)) == 0);
        } else {
            CHECK(err == NULL);
            page_ok |= i == 0;
        }
        free(err);
    }

    Cost cost = {.src = src, .n = n, .longest = longest_array(ctx)};
    for (size_t i = 0; i < MAX_TEMPLATES; i++)
        for (size_t d = 0; d <= MAX_DEPTH; d++)
            cost.memo[i][d] = -1;
    if (page_ok && cost_of(&cost, "page", 4, 0) <= MAX_STEPS) {
        json_t *plain = replaced(ctx);
        for (int l = 0; l < 2; l++) {
            const char *lang = l ? "en" : "zh-CN";
            Buf a = {0}, b = {0};
            int rc = render_checked(ctx, lang, &a);
            CHECK(render_checked(plain, lang, &b) == rc);
            for (const char *c = ESCAPED; *c; c++)
                CHECK(count_of(&a, *c) == count_of(&b, *c));
            buf_free(&a);
            buf_free(&b);
        }
        json_decref(plain);
    }
    render_shutdown();
    json_decref(ctx);
    free(text);
    return 0;
}
