/* The template engine: each template is compiled once into a tree of nodes, then rendered with
 * every value HTML-escaped. The language is documented in render.h.
 *
 * Threads: templates are only written by render_init/render_add/render_shutdown, before serving;
 * rendering reads them and keeps all of its state on the stack, so it needs no lock. */
#include "render.h"

#include "assets.h"
#include "i18n.h"
#include "log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Nested includes and layouts allowed in one render; deeper is a loop, so the render stops. */
#define RENDER_MAX_DEPTH 16
/* Nested blocks allowed in one template; bounds the recursion of rendering and freeing. */
#define RENDER_MAX_NESTING 64

typedef enum NodeKind {
    NODE_TEXT,    /* a: template text, copied verbatim */
    NODE_VALUE,   /* a: path; prints the escaped value */
    NODE_IF,      /* a: path; body when truthy, alt otherwise */
    NODE_UNLESS,  /* a: path; body when falsy, alt otherwise */
    NODE_EQ,      /* a: path, b: literal; body when the value's text equals b */
    NODE_EACH,    /* a: path; body per array item, alt when there is none */
    NODE_INCLUDE, /* a: template name */
    NODE_T,       /* a: translation key */
    NODE_TP,      /* a: translation key, b: path of the value put in place of "{}" */
    NODE_TV,      /* a: path of a value that names a translation key */
    NODE_STATIC,  /* a: URL of the static file, resolved at compile time (assets never change) */
    NODE_HREF,    /* a: path of a URL that is printed only when its scheme is safe */
    NODE_CONTENT  /* the page's output inside a layout */
} NodeKind;

typedef struct Node {
    NodeKind kind;
    int line;          /* line in the source, for messages */
    char *a;           /* owned: see NodeKind */
    size_t a_len;      /* length of a */
    char *b;           /* owned: see NodeKind; NULL if unused */
    struct Node *body; /* owned: children of a block */
    struct Node *alt;  /* owned: children after {{else}} */
    struct Node *next; /* owned: next sibling */
} Node;

typedef struct Template {
    char *name;   /* owned: "landing" for templates/landing.html */
    char *layout; /* owned: name from {{%layout name}}, or NULL */
    Node *body;   /* owned */
} Template;

/* The registry; owned here, written before serving only, read-only while rendering. */
static Template *templates;
static size_t ntemplates;
static size_t templates_cap;

/* ---- Freeing and lookup ---------------------------------------------------------------- */

static void render_free_nodes(Node *n)
{
    while (n) {
        Node *next = n->next;
        render_free_nodes(n->body); /* depth bounded by RENDER_MAX_NESTING */
        render_free_nodes(n->alt);
        free(n->a);
        free(n->b);
        free(n);
        n = next;
    }
}

static void render_free_template(Template *t)
{
    free(t->name);
    free(t->layout);
    render_free_nodes(t->body);
}

static const Template *render_find(const char *name)
{
    for (size_t i = 0; i < ntemplates; i++)
        if (strcmp(templates[i].name, name) == 0)
            return &templates[i];
    return NULL;
}

/* ---- Compiling ------------------------------------------------------------------------- */

/* One open block while compiling; level 0 is the template itself. */
typedef struct Open {
    Node *node;  /* the block, NULL at level 0 */
    Node **tail; /* where the next child goes: the end of body, or of alt after {{else}} */
    bool in_else;
} Open;

/* Where the template text has left the HTML parser: enough to know whether a printed value would
 * land inside a tag outside quotes, where escaping cannot help (a space starts an attribute). */
typedef enum HtmlState {
    HTML_DATA,    /* text between tags */
    HTML_TAG,     /* inside <...>, outside quotes */
    HTML_DQUOTE,  /* inside a "quoted" attribute value */
    HTML_SQUOTE,  /* inside a 'quoted' attribute value */
    HTML_COMMENT, /* inside <!-- ... --> */
} HtmlState;

typedef struct Compiler {
    const char *name; /* template being compiled, for messages */
    HtmlState html;   /* after the template text so far, in source order */
    Template *tpl;    /* being filled */
    Open stack[RENDER_MAX_NESTING + 1];
    size_t depth;  /* index of the innermost open block in stack */
    bool seen_tag; /* a tag other than a comment came before: {{%layout}} must be first */
    char **err;    /* where the message goes; owned by the caller of render_add */
} Compiler;

/* A word of a tag: a run of non-blanks, or a "quoted" literal (quotes stripped). */
typedef struct Word {
    const char *s;
    size_t n;
    bool quoted;
} Word;

#define RENDER_MAX_WORDS 3 /* the longest tag is {{tp key path}} or {{#eq path "literal"}} */

static int render_fail(Compiler *c, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Sets *err to "template NAME line N: message" and returns -1, so callers can return it. */
static int render_fail(Compiler *c, int line, const char *fmt, ...)
{
    Buf b = {0};
    buf_printf(&b, "template %s line %d: ", c->name, line);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    if (c->err) {
        free(*c->err);
        *c->err = buf_take(&b);
    }
    buf_free(&b);
    return -1;
}

static bool render_is_blank(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

static bool render_is_word_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_' || ch == '-';
}

/* A context path: ".", "@index", "@number", or words joined by single dots ("case.title"). */
static bool render_valid_path(const Word *w)
{
    if (w->quoted || w->n == 0)
        return false;
    if ((w->n == 1 && w->s[0] == '.') || (w->n == 6 && memcmp(w->s, "@index", 6) == 0) ||
        (w->n == 7 && memcmp(w->s, "@number", 7) == 0))
        return true;
    bool at_start = true; /* no leading, trailing or doubled dot */
    for (size_t i = 0; i < w->n; i++) {
        if (w->s[i] == '.') {
            if (at_start)
                return false;
            at_start = true;
        } else if (render_is_word_char(w->s[i])) {
            at_start = false;
        } else {
            return false;
        }
    }
    return !at_start;
}

/* A template, static file or translation name: word characters, '/' and '.', never "..". */
static bool render_valid_name(const Word *w, bool slash)
{
    if (w->quoted || w->n == 0 || w->s[0] == '/' || w->s[0] == '.')
        return false;
    for (size_t i = 0; i < w->n; i++) {
        char ch = w->s[i];
        if (!render_is_word_char(ch) && ch != '.' && !(slash && ch == '/'))
            return false;
        if (ch == '.' && i + 1 < w->n && w->s[i + 1] == '.')
            return false;
    }
    return true;
}

static bool render_word_is(const Word *w, const char *s)
{
    return !w->quoted && strlen(s) == w->n && memcmp(w->s, s, w->n) == 0;
}

/* Splits the inside of a tag into at most max words; returns their count, or -1 if malformed. */
static int render_split(const char *s, size_t n, Word *words, int max)
{
    int count = 0;
    size_t i = 0;
    for (;;) {
        while (i < n && render_is_blank(s[i]))
            i++;
        if (i == n)
            return count;
        if (count == max)
            return -1;
        Word *w = &words[count++];
        if (s[i] == '"') {
            const char *end = memchr(s + i + 1, '"', n - i - 1);
            if (!end)
                return -1;
            w->s = s + i + 1;
            w->n = (size_t)(end - w->s);
            w->quoted = true;
            i = (size_t)(end - s) + 1;
            if (i < n && !render_is_blank(s[i])) /* "a"b is not two words */
                return -1;
        } else {
            w->s = s + i;
            while (i < n && !render_is_blank(s[i]))
                i++;
            w->n = (size_t)(s + i - w->s);
            w->quoted = false;
        }
    }
}

static Node *render_new_node(Compiler *c, NodeKind kind, int line)
{
    Node *n = xcalloc(1, sizeof *n);
    n->kind = kind;
    n->line = line;
    Open *top = &c->stack[c->depth];
    *top->tail = n;
    top->tail = &n->next;
    return n;
}

static void render_set_a(Node *n, const Word *w)
{
    n->a = xstrndup(w->s, w->n);
    n->a_len = w->n;
}

static const char *render_block_name(NodeKind kind)
{
    switch (kind) {
    case NODE_IF:
        return "if";
    case NODE_UNLESS:
        return "unless";
    case NODE_EQ:
        return "eq";
    case NODE_EACH:
        return "each";
    default:
        return "?";
    }
}

/* {{static name}}: the URL with the first 8 hex digits of the file's hash, to bust caches. */
static char *render_static_url(Compiler *c, const Word *w, int line)
{
    Buf path = {0};
    buf_printf(&path, "static/%.*s", (int)w->n, w->s);
    const Asset *a = assets_find(path.data);
    Buf url = {0};
    if (a && a->sha256 && strlen(a->sha256) >= 8) {
        buf_printf(&url, "/%s?v=%.8s", path.data, a->sha256);
    } else {
        log_warnx("template %s line %d: %s is not embedded", c->name, line, path.data);
        buf_printf(&url, "/%s", path.data);
    }
    buf_free(&path);
    return buf_take(&url);
}

/* Opens a block: the node joins its parent now, so freeing the tree on error frees it too. */
static int render_open_block(Compiler *c, NodeKind kind, const Word *words, int nw, int line)
{
    int want = kind == NODE_EQ ? 3 : 2;
    if (nw != want || !render_valid_path(&words[1]))
        return render_fail(c, line, "{{#%s}} needs %s", render_block_name(kind),
                           kind == NODE_EQ ? "a path and a \"literal\"" : "a path");
    if (kind == NODE_EQ && !words[2].quoted)
        return render_fail(c, line, "{{#eq}} compares with a \"quoted literal\"");
    if (c->depth == RENDER_MAX_NESTING)
        return render_fail(c, line, "blocks nested deeper than %d", RENDER_MAX_NESTING);
    Node *n = render_new_node(c, kind, line);
    render_set_a(n, &words[1]);
    if (kind == NODE_EQ)
        n->b = xstrndup(words[2].s, words[2].n);
    c->depth++;
    c->stack[c->depth] = (Open){.node = n, .tail = &n->body, .in_else = false};
    return 0;
}

static int render_close_block(Compiler *c, const Word *w, int line)
{
    Open *top = &c->stack[c->depth];
    if (!top->node)
        return render_fail(c, line, "{{%.*s}} without an open block", (int)w->n, w->s);
    const char *open = render_block_name(top->node->kind);
    if (w->n - 1 != strlen(open) || memcmp(w->s + 1, open, w->n - 1) != 0)
        return render_fail(c, line, "{{%.*s}} closes {{#%s}} from line %d", (int)w->n, w->s, open,
                           top->node->line);
    c->depth--;
    return 0;
}

static int render_else(Compiler *c, int line)
{
    Open *top = &c->stack[c->depth];
    if (!top->node)
        return render_fail(c, line, "{{else}} outside a block");
    if (top->in_else)
        return render_fail(c, line, "second {{else}} in {{#%s}} from line %d",
                           render_block_name(top->node->kind), top->node->line);
    top->in_else = true;
    top->tail = &top->node->alt;
    return 0;
}

/* Compiles one tag; s..s+n is what lies between "{{" and "}}". */
static int render_tag(Compiler *c, const char *s, size_t n, int line)
{
    while (n && render_is_blank(*s)) /* trim, so {{ name }} works */
        s++, n--;
    while (n && render_is_blank(s[n - 1]))
        n--;
    if (n && s[0] == '!') /* {{! comment }} */
        return 0;
    Word words[RENDER_MAX_WORDS];
    int nw;
    if (n && s[0] == '>') { /* {{> name}} and {{>name}} */
        words[0] = (Word){.s = s, .n = 1, .quoted = false};
        nw = render_split(s + 1, n - 1, words + 1, RENDER_MAX_WORDS - 1);
        nw = nw < 0 ? -1 : nw + 1;
    } else {
        nw = render_split(s, n, words, RENDER_MAX_WORDS);
    }
    if (nw <= 0)
        return render_fail(c, line, "malformed tag {{%.*s}}", (int)n, s);
    const Word *w = &words[0];
    bool first_tag = !c->seen_tag;
    c->seen_tag = true;

    if (render_word_is(w, "%layout")) {
        if (!first_tag || nw != 2 || !render_valid_name(&words[1], true))
            return render_fail(c, line, "{{%%layout name}} must be the first tag");
        c->tpl->layout = xstrndup(words[1].s, words[1].n);
        return 0;
    }
    if (render_word_is(w, "%content")) {
        if (nw != 1)
            return render_fail(c, line, "{{%%content}} takes nothing");
        render_new_node(c, NODE_CONTENT, line);
        return 0;
    }
    if (render_word_is(w, "else"))
        return nw == 1 ? render_else(c, line) : render_fail(c, line, "{{else}} takes nothing");
    if (render_word_is(w, "#if"))
        return render_open_block(c, NODE_IF, words, nw, line);
    if (render_word_is(w, "#unless"))
        return render_open_block(c, NODE_UNLESS, words, nw, line);
    if (render_word_is(w, "#eq"))
        return render_open_block(c, NODE_EQ, words, nw, line);
    if (render_word_is(w, "#each"))
        return render_open_block(c, NODE_EACH, words, nw, line);
    if (!w->quoted && w->s[0] == '/' && nw == 1)
        return render_close_block(c, w, line);
    if (render_word_is(w, ">")) {
        if (nw != 2 || !render_valid_name(&words[1], true))
            return render_fail(c, line, "{{> name}} needs a template name");
        render_set_a(render_new_node(c, NODE_INCLUDE, line), &words[1]);
        return 0;
    }

    /* The rest print something. Keywords are never paths, so {{t}} is an error, not a value. */
    NodeKind kind;
    bool ok;
    if (render_word_is(w, "t")) {
        kind = NODE_T;
        ok = nw == 2 && render_valid_name(&words[1], false);
    } else if (render_word_is(w, "tv")) {
        kind = NODE_TV;
        ok = nw == 2 && render_valid_path(&words[1]);
    } else if (render_word_is(w, "tp")) {
        kind = NODE_TP;
        ok = nw == 3 && render_valid_name(&words[1], false) && render_valid_path(&words[2]);
    } else if (render_word_is(w, "static")) {
        kind = NODE_STATIC;
        ok = nw == 2 && render_valid_name(&words[1], true);
    } else if (render_word_is(w, "href")) {
        kind = NODE_HREF;
        ok = nw == 2 && render_valid_path(&words[1]);
    } else {
        kind = NODE_VALUE;
        ok = nw == 1 && render_valid_path(w);
    }
    if (!ok)
        return render_fail(c, line, "unknown tag {{%.*s}}", (int)n, s);
    /* Inside a tag outside quotes a value could add attributes: escaping cannot help there. */
    if (c->html == HTML_TAG)
        return render_fail(c, line,
                           "{{%.*s}} inside a tag but outside quotes (an unquoted attribute "
                           "value); put it in quotes",
                           (int)n, s);
    Node *node = render_new_node(c, kind, line);
    if (kind == NODE_VALUE) {
        render_set_a(node, w);
    } else if (kind == NODE_STATIC) {
        node->a = render_static_url(c, &words[1], line);
        node->a_len = strlen(node->a);
    } else {
        render_set_a(node, &words[1]);
        if (kind == NODE_TP)
            node->b = xstrndup(words[2].s, words[2].n);
    }
    return 0;
}

/* Follows n bytes of template text through a much simplified HTML tokenizer. s is inside a
 * NUL-terminated source, so looking a few bytes ahead is safe. Blocks are ignored: both branches
 * of an {{#if}} are taken as if in sequence, which suits how templates are written. */
static HtmlState render_html_scan(HtmlState st, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char ch = s[i], next = s[i + 1];
        switch (st) {
        case HTML_DATA:
            if (ch == '<' && strncmp(s + i, "<!--", 4) == 0)
                st = HTML_COMMENT, i += 3;
            else if (ch == '<' && ((next >= 'a' && next <= 'z') || (next >= 'A' && next <= 'Z') ||
                                   next == '/' || next == '!' || next == '?' || next == '{'))
                st = HTML_TAG; /* '{': <{{name}} would let a value choose the element */
            break;
        case HTML_TAG:
            if (ch == '"')
                st = HTML_DQUOTE;
            else if (ch == '\'')
                st = HTML_SQUOTE;
            else if (ch == '>')
                st = HTML_DATA;
            break;
        case HTML_DQUOTE:
            if (ch == '"')
                st = HTML_TAG;
            break;
        case HTML_SQUOTE:
            if (ch == '\'')
                st = HTML_TAG;
            break;
        case HTML_COMMENT:
            if (ch == '-' && strncmp(s + i, "-->", 3) == 0)
                st = HTML_DATA, i += 2;
            break;
        }
    }
    return st;
}

static int render_count_lines(const char *s, size_t n)
{
    int lines = 0;
    for (size_t i = 0; i < n; i++)
        lines += s[i] == '\n';
    return lines;
}

/* Compiles src into tpl (whose name is set); on error returns -1 with tpl partly filled. */
static int render_compile(Template *tpl, const char *src, char **err)
{
    Compiler c = {.name = tpl->name, .html = HTML_DATA, .tpl = tpl, .err = err};
    c.stack[0] = (Open){.node = NULL, .tail = &tpl->body, .in_else = false};
    const char *p = src;
    int line = 1;
    while (*p) {
        const char *open = strstr(p, "{{");
        size_t text = open ? (size_t)(open - p) : strlen(p);
        if (text) {
            Node *n = render_new_node(&c, NODE_TEXT, line);
            n->a = xstrndup(p, text);
            n->a_len = text;
            line += render_count_lines(p, text);
            c.html = render_html_scan(c.html, p, text);
        }
        if (!open)
            break;
        const char *close = strstr(open + 2, "}}");
        if (!close)
            return render_fail(&c, line, "unterminated {{");
        size_t inner = (size_t)(close - open - 2);
        if (render_tag(&c, open + 2, inner, line) < 0)
            return -1;
        line += render_count_lines(open + 2, inner); /* a comment may span lines */
        p = close + 2;
    }
    if (c.depth > 0) {
        const Node *n = c.stack[c.depth].node;
        return render_fail(&c, n->line, "{{#%s}} is never closed", render_block_name(n->kind));
    }
    return 0;
}

int render_add(const char *name, const char *source, char **err)
{
    if (err)
        *err = NULL;
    if (!name || !source || !*name) {
        if (err)
            *err = xstrdup("render_add: missing name or source");
        return -1;
    }
    Template tpl = {.name = xstrdup(name), .layout = NULL, .body = NULL};
    if (render_compile(&tpl, source, err) < 0) {
        render_free_template(&tpl); /* the old template of that name, if any, stays */
        return -1;
    }
    for (size_t i = 0; i < ntemplates; i++) {
        if (strcmp(templates[i].name, name) == 0) {
            render_free_template(&templates[i]);
            templates[i] = tpl;
            return 0;
        }
    }
    templates = xgrow(templates, ntemplates, &templates_cap, sizeof *templates, 32);
    templates[ntemplates++] = tpl;
    return 0;
}

/* Every include and layout must name a template, so a typo fails at start, not on a request. */
static int render_check_refs(const Template *t, const Node *n)
{
    for (; n; n = n->next) {
        if (n->kind == NODE_INCLUDE && !render_find(n->a)) {
            log_errorx("template %s line %d: {{> %s}} names no template", t->name, n->line, n->a);
            return -1;
        }
        if (render_check_refs(t, n->body) < 0 || render_check_refs(t, n->alt) < 0)
            return -1;
    }
    return 0;
}

int render_init(void)
{
    static const char prefix[] = "templates/", suffix[] = ".html";
    const size_t plen = sizeof prefix - 1, slen = sizeof suffix - 1;
    render_shutdown(); /* a fresh registry, so init can run again */
    for (const Asset *a = assets_all(); a->path; a++) {
        size_t len = strlen(a->path);
        if (len <= plen + slen || strncmp(a->path, prefix, plen) != 0 ||
            strcmp(a->path + len - slen, suffix) != 0)
            continue;
        char *name = xstrndup(a->path + plen, len - plen - slen);
        char *err = NULL;
        int rc = render_add(name, (const char *)a->data, &err);
        free(name);
        if (rc < 0) {
            log_errorx("%s", err);
            free(err);
            render_shutdown();
            return -1;
        }
    }
    for (size_t i = 0; i < ntemplates; i++) {
        const Template *t = &templates[i];
        if (t->layout && !render_find(t->layout))
            log_errorx("template %s: layout %s names no template", t->name, t->layout);
        if ((t->layout && !render_find(t->layout)) || render_check_refs(t, t->body) < 0) {
            render_shutdown();
            return -1;
        }
    }
    return 0;
}

void render_shutdown(void)
{
    for (size_t i = 0; i < ntemplates; i++)
        render_free_template(&templates[i]);
    free(templates);
    templates = NULL;
    ntemplates = templates_cap = 0;
}

/* ---- Rendering ------------------------------------------------------------------------- */

/* The lookup chain: the context at the bottom, one link per enclosing #each. */
typedef struct Scope {
    json_t *item;           /* borrowed: the context, or the current array item */
    json_t *index;          /* owned by the #each that pushed it: @index; NULL at the bottom */
    json_t *number;         /* same: @number */
    const struct Scope *up; /* the enclosing scope, or NULL */
} Scope;

/* The state of one render call; lives on its stack, so threads never share it. */
typedef struct Render {
    const char *template; /* the page, for messages */
    const char *lang;     /* "zh-CN" or "en" */
    const char *content;  /* the page's output for {{%content}}, or NULL outside a layout */
    size_t content_len;
    int depth;    /* includes and layouts entered */
    bool stopped; /* nesting too deep or a template missing: the output is unusable */
} Render;

static void render_nodes(const Node *n, const Scope *s, Render *r, Buf *out);

/* The value at path, looked up from the innermost scope outwards; NULL when missing. */
static json_t *render_lookup(const Scope *s, const char *path)
{
    if (path[0] == '.' && path[1] == '\0')
        return s->item;
    if (path[0] == '@') {
        for (; s; s = s->up)
            if (s->index)
                return strcmp(path, "@index") == 0 ? s->index : s->number;
        return NULL;
    }
    size_t n = strcspn(path, ".");
    json_t *v = NULL;
    for (; s && !v; s = s->up) /* the first scope holding the first name wins */
        if (json_is_object(s->item))
            v = json_object_getn(s->item, path, n);
    for (path += n; v && *path; path += n) { /* then descend, without falling back */
        path++;
        n = strcspn(path, ".");
        v = json_is_object(v) ? json_object_getn(v, path, n) : NULL;
    }
    return v;
}

/* The text of a scalar in tmp or in the value itself; false for missing, null and containers. */
static bool render_scalar(const json_t *v, char *tmp, size_t tmp_size, const char **s, size_t *n)
{
    int len = -1;
    switch (json_typeof(v)) {
    case JSON_STRING:
        *s = json_string_value(v);
        *n = json_string_length(v);
        return true;
    case JSON_INTEGER:
        len = snprintf(tmp, tmp_size, "%lld", (long long)json_integer_value(v));
        break;
    case JSON_REAL:
        len = snprintf(tmp, tmp_size, "%g", json_real_value(v));
        break;
    case JSON_TRUE:
        len = snprintf(tmp, tmp_size, "true");
        break;
    case JSON_FALSE:
        len = snprintf(tmp, tmp_size, "false");
        break;
    default:
        return false;
    }
    if (len < 0 || (size_t)len >= tmp_size)
        return false;
    *s = tmp;
    *n = (size_t)len;
    return true;
}

/* Prints a value escaped; missing, null, objects and arrays print nothing. */
static void render_put_value(Buf *out, const json_t *v)
{
    char tmp[64];
    const char *s;
    size_t n;
    if (v && render_scalar(v, tmp, sizeof tmp, &s, &n))
        buf_put_html(out, s, n);
}

static bool render_truthy(const json_t *v)
{
    if (!v)
        return false;
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return json_object_size(v) > 0;
    case JSON_ARRAY:
        return json_array_size(v) > 0;
    case JSON_STRING:
        return json_string_length(v) > 0;
    case JSON_INTEGER:
        return json_integer_value(v) != 0;
    case JSON_REAL:
        return json_real_value(v) < 0 || json_real_value(v) > 0;
    case JSON_TRUE:
        return true;
    default:
        return false;
    }
}

/* {{#eq}}: compares the value's text (strings, numbers, booleans) with the literal. */
static bool render_equals(const json_t *v, const char *literal)
{
    char tmp[64];
    const char *s;
    size_t n;
    return v && render_scalar(v, tmp, sizeof tmp, &s, &n) && n == strlen(literal) &&
           memcmp(s, literal, n) == 0;
}

static bool render_ascii_prefix(const char *s, const char *prefix)
{
    for (; *prefix; s++, prefix++) {
        char ch = (*s >= 'A' && *s <= 'Z') ? (char)(*s - 'A' + 'a') : *s;
        if (ch != *prefix)
            return false;
    }
    return true;
}

/* {{href}}: only http(s) or a path on this site; "//host" and "/\host" go elsewhere in browsers,
 * and browsers drop tabs and newlines inside URLs, so any control character disqualifies. */
static bool render_safe_url(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return false;
    if (render_ascii_prefix(s, "http://") || render_ascii_prefix(s, "https://"))
        return true;
    return s[0] == '/' && s[1] != '/' && s[1] != '\\';
}

static void render_href(Buf *out, const json_t *v)
{
    if (json_is_string(v) && render_safe_url(json_string_value(v), json_string_length(v)))
        buf_put_html(out, json_string_value(v), json_string_length(v));
    else
        buf_putc(out, '#');
}

/* {{tp key path}}: the translation escaped, with each "{}" replaced by the escaped value. */
static void render_tp(Buf *out, const char *text, const json_t *v)
{
    char tmp[64];
    const char *s = "";
    size_t n = 0;
    if (v && !render_scalar(v, tmp, sizeof tmp, &s, &n))
        s = "", n = 0;
    for (const char *hole; (hole = strstr(text, "{}")); text = hole + 2) {
        buf_put_html(out, text, (size_t)(hole - text));
        buf_put_html(out, s, n);
    }
    buf_put_html(out, text, strlen(text));
}

static void render_each(const Node *node, const Scope *s, Render *r, Buf *out)
{
    json_t *items = render_lookup(s, node->a);
    size_t count = json_is_array(items) ? json_array_size(items) : 0;
    if (count == 0) {
        render_nodes(node->alt, s, r, out);
        return;
    }
    /* This render's own integers, updated in place for each item. */
    Scope inner = {.item = NULL, .index = json_integer(0), .number = json_integer(1), .up = s};
    if (!inner.index || !inner.number)
        abort(); /* out of memory, as xmalloc */
    for (size_t i = 0; i < count && !r->stopped; i++) {
        inner.item = json_array_get(items, i);
        json_integer_set(inner.index, (json_int_t)i);
        json_integer_set(inner.number, (json_int_t)i + 1);
        render_nodes(node->body, &inner, r, out);
    }
    json_decref(inner.index);
    json_decref(inner.number);
}

static void render_run(const Template *t, const Scope *s, Render *r, Buf *out);

/* Enters an included template or a layout, unless that nests deeper than RENDER_MAX_DEPTH. */
static void render_enter(const char *name, const Scope *s, Render *r, Buf *out)
{
    const Template *t = render_find(name);
    if (!t) {
        log_warnx("template %s: %s names no template", r->template, name);
        r->stopped = true;
        return;
    }
    if (r->depth >= RENDER_MAX_DEPTH) {
        log_warnx("template %s: %s nested deeper than %d; stopped", r->template, name,
                  RENDER_MAX_DEPTH);
        r->stopped = true;
        return;
    }
    r->depth++;
    render_run(t, s, r, out);
    r->depth--;
}

/* Renders a template; with a layout, the body goes to a buffer that the layout puts in place. */
static void render_run(const Template *t, const Scope *s, Render *r, Buf *out)
{
    if (!t->layout) {
        render_nodes(t->body, s, r, out);
        return;
    }
    Buf page = {0}; /* owned here: the page's output, already escaped */
    /* As much room as the caller made for the whole (http_reply_page's reserve), at once. */
    buf_reserve(&page, out->cap > out->len ? out->cap - out->len - 1 : 0);
    render_nodes(t->body, s, r, &page);
    const char *saved = r->content;
    size_t saved_len = r->content_len;
    r->content = page.data ? page.data : "";
    r->content_len = page.len;
    if (!r->stopped)
        render_enter(t->layout, s, r, out);
    r->content = saved;
    r->content_len = saved_len;
    buf_free(&page);
}

/* The translation of key, escaped. */
static void render_put_text(Buf *out, const char *lang, const char *key)
{
    const char *text = i18n_get(lang, key);
    buf_put_html(out, text, strlen(text));
}

static void render_nodes(const Node *n, const Scope *s, Render *r, Buf *out)
{
    for (; n && !r->stopped; n = n->next) {
        switch (n->kind) {
        case NODE_TEXT:
            buf_append(out, n->a, n->a_len);
            break;
        case NODE_VALUE:
            render_put_value(out, render_lookup(s, n->a));
            break;
        case NODE_IF:
            render_nodes(render_truthy(render_lookup(s, n->a)) ? n->body : n->alt, s, r, out);
            break;
        case NODE_UNLESS:
            render_nodes(render_truthy(render_lookup(s, n->a)) ? n->alt : n->body, s, r, out);
            break;
        case NODE_EQ:
            render_nodes(render_equals(render_lookup(s, n->a), n->b) ? n->body : n->alt, s, r, out);
            break;
        case NODE_EACH:
            render_each(n, s, r, out);
            break;
        case NODE_INCLUDE:
            render_enter(n->a, s, r, out);
            break;
        case NODE_T:
            render_put_text(out, r->lang, n->a);
            break;
        case NODE_TP:
            render_tp(out, i18n_get(r->lang, n->a), render_lookup(s, n->b));
            break;
        case NODE_TV: {
            /* The key comes from the context; only its translation is printed, escaped. */
            const json_t *k = render_lookup(s, n->a);
            if (json_is_string(k))
                render_put_text(out, r->lang, json_string_value(k));
            break;
        }
        case NODE_STATIC:
            buf_put_html(out, n->a, n->a_len);
            break;
        case NODE_HREF:
            render_href(out, render_lookup(s, n->a));
            break;
        case NODE_CONTENT:
            if (r->content) /* verbatim: it is template output, escaped when it was made */
                buf_append(out, r->content, r->content_len);
            break;
        }
    }
}

int render_template(const char *name, json_t *ctx, const char *lang, Buf *out)
{
    const Template *t = name ? render_find(name) : NULL;
    if (!t) {
        log_warnx("no template %s", name ? name : "(null)");
        return -1;
    }
    Scope root = {.item = ctx, .index = NULL, .number = NULL, .up = NULL};
    Render r = {.template = name, .lang = lang ? lang : I18N_DEFAULT};
    size_t start = out->len;
    render_run(t, &root, &r, out);
    if (r.stopped) { /* half a page is worse than an error page */
        out->len = start;
        if (out->data)
            out->data[start] = '\0';
        return -1;
    }
    return 0;
}
