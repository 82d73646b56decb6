/* Unit tests of the template engine (service/render.c): escaping, blocks, includes, layouts,
 * translations, links and compile errors. Templates are added with render_add, so the tests do
 * not depend on what web/templates/ holds. */
#include "assets.h"
#include "buf.h"
#include "i18n.h"
#include "log.h"
#include "render.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "capture_log.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int real_init_rc; /* render_init() on the real embedded templates */

/* ---- Helpers --------------------------------------------------------------------------- */

static void add_ok(const char *name, const char *src)
{
    char *err = NULL;
    if (render_add(name, src, &err) != 0)
        fail_msg("render_add(%s): %s", name, err ? err : "(no message)");
    assert_null(err);
}

/* Expects src to be rejected with a message naming the template, the line and a detail. */
static void add_fails(const char *src, int line, const char *detail)
{
    char *err = NULL;
    if (render_add("bad", src, &err) == 0)
        fail_msg("compiled, but should not: %s", src);
    assert_non_null(err);
    char where[64];
    snprintf(where, sizeof where, "template bad line %d:", line);
    if (!strstr(err, where) || !strstr(err, detail))
        fail_msg("message \"%s\" lacks \"%s\" or \"%s\"", err, where, detail);
    free(err);
}

/* Renders name with the context given as JSON text; the result is owned by the caller. */
static char *render_json(const char *name, const char *json, const char *lang)
{
    json_error_t e;
    json_t *ctx = json_loads(json, 0, &e);
    if (!ctx)
        fail_msg("bad test JSON: %s", e.text);
    Buf out = {0};
    int rc = render_template(name, ctx, lang, &out);
    json_decref(ctx);
    if (rc != 0)
        fail_msg("render_template(%s) failed", name);
    return buf_take(&out);
}

/* Compiles src as "t" and checks what it renders with json. */
static void check(const char *src, const char *json, const char *want)
{
    add_ok("t", src);
    char *got = render_json("t", json, "en");
    assert_string_equal(got, want);
    free(got);
}

/* ---- Escaping -------------------------------------------------------------------------- */

static void test_escape_text(void **state)
{
    check("<p>{{v}}</p>", "{\"v\": \"a & b < c > d \\\" e ' f\"}",
          "<p>a &amp; b &lt; c &gt; d &quot; e &#39; f</p>");
    check("<p>{{v}}</p>", "{\"v\": \"<script>alert(1)</script>\"}",
          "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>");
    /* Already escaped text is escaped again: values are data, never markup. */
    check("{{v}}", "{\"v\": \"&amp;\"}", "&amp;amp;");
}

static void test_escape_attribute(void **state)
{
    check("<a title=\"{{v}}\">", "{\"v\": \"\\\" onmouseover=\\\"x\"}",
          "<a title=\"&quot; onmouseover=&quot;x\">");
    check("<a title='{{v}}'>", "{\"v\": \"' onclick='x\"}", "<a title='&#39; onclick=&#39;x'>");
    check("<a title=\"{{v}}\">", "{\"v\": \"&<>\\\"'\"}", "<a title=\"&amp;&lt;&gt;&quot;&#39;\">");
}

static void test_unquoted_attribute_rejected(void **state)
{
    add_fails("<a\nhref={{url}}>", 2, "unquoted attribute");
    add_fails("<p title={{t key}}>", 1, "unquoted attribute");
    add_fails("<p title={{tp key v}}>", 1, "unquoted attribute");
    add_fails("<link href={{static app.css}}>", 1, "unquoted attribute");
    add_fails("<a href={{href url}}>", 1, "unquoted attribute");
    add_fails("<a href= {{url}}>", 1, "unquoted attribute");
    add_fails("<a title=\"x\" {{attr}}>", 1, "unquoted attribute");
    add_fails("<a\ntitle='x'\n{{#if a}}{{attr}}{{/if}}>", 3, "unquoted attribute");
    add_fails("<{{element}}>", 1, "unquoted attribute");
    add_fails("</{{element}}>", 1, "unquoted attribute");
    /* The other side: quoted values, text, comments and literal attributes from blocks. */
    add_ok("ok", "<a href=\"{{href url}}\" title='{{t key}}'>1 + 1 = {{sum}}</a>");
    add_ok("ok", "<a href=\"/lang/en?next={{path}}\" title='a=\"{{v}}\"'>x=<b>{{v}}</b></a>");
    add_ok("ok",
           "<input {{#if on}}checked{{/if}} value=\"{{v}}\"> a < b = {{v}} <!-- <a {{v}} -->");
}

/* ---- Values ---------------------------------------------------------------------------- */

static void test_missing_and_null(void **state)
{
    check("[{{missing}}][{{n}}][{{a.b.c}}][{{s.x}}][{{o}}][{{arr}}]",
          "{\"n\": null, \"a\": {\"b\": null}, \"s\": \"str\", \"o\": {\"k\": 1}, \"arr\": [1]}",
          "[][][][][][]");
}

static void test_numbers_and_booleans(void **state)
{
    check("{{i}} {{neg}} {{big}} {{r}} {{e}} {{yes}} {{no}} {{zero}}",
          "{\"i\": 42, \"neg\": -7, \"big\": 9007199254740993, \"r\": 1.5, \"e\": 1e20, "
          "\"yes\": true, \"no\": false, \"zero\": 0}",
          "42 -7 9007199254740993 1.5 1e+20 true false 0");
    /* The ends of a 64-bit integer, and the digits around each power of ten. */
    check("{{min}} {{max}} {{nine}} {{ten}} {{m1}} {{m10}}",
          "{\"min\": -9223372036854775808, \"max\": 9223372036854775807, \"nine\": 9, "
          "\"ten\": 10, \"m1\": -1, \"m10\": -10}",
          "-9223372036854775808 9223372036854775807 9 10 -1 -10");
    check("{{#eq n \"-10\"}}eq{{/eq}}", "{\"n\": -10}", "eq");
}

static void test_dot_paths(void **state)
{
    check("{{user.name}}/{{user.role.title}}/{{user.none.x}}",
          "{\"user\": {\"name\": \"Ann\", \"role\": {\"title\": \"<admin>\"}}}",
          "Ann/&lt;admin&gt;/");
    check("{{ user.name }}", "{\"user\": {\"name\": \"spaces\"}}", "spaces");
}

/* ---- Blocks ---------------------------------------------------------------------------- */

static void test_if_unless_truthiness(void **state)
{
    static const struct {
        const char *json;
        const char *want;
    } cases[] = {
        {"{}", "N|u"},
        {"{\"v\": null}", "N|u"},
        {"{\"v\": false}", "N|u"},
        {"{\"v\": \"\"}", "N|u"},
        {"{\"v\": 0}", "N|u"},
        {"{\"v\": 0.0}", "N|u"},
        {"{\"v\": []}", "N|u"},
        {"{\"v\": {}}", "N|u"},
        {"{\"v\": true}", "Y|U"},
        {"{\"v\": \"x\"}", "Y|U"},
        {"{\"v\": \"0\"}", "Y|U"},
        {"{\"v\": 1}", "Y|U"},
        {"{\"v\": -1}", "Y|U"},
        {"{\"v\": 0.5}", "Y|U"},
        {"{\"v\": [0]}", "Y|U"},
        {"{\"v\": {\"a\": 1}}", "Y|U"},
    };
    add_ok("t", "{{#if v}}Y{{else}}N{{/if}}|{{#unless v}}u{{else}}U{{/unless}}");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = render_json("t", cases[i].json, "en");
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("%s: got %s, want %s", cases[i].json, got, cases[i].want);
        free(got);
    }
    check("{{#if a}}{{#if b}}ab{{else}}a{{/if}}{{/if}}", "{\"a\": 1}", "a");
    check("{{#unless v}}only{{/unless}}", "{\"v\": 1}", "");
}

static void test_eq(void **state)
{
    const char *src = "{{#eq status \"open\"}}O{{else}}X{{/eq}}";
    check(src, "{\"status\": \"open\"}", "O");
    check(src, "{\"status\": \"opened\"}", "X");
    check(src, "{\"status\": \"ope\"}", "X");
    check(src, "{}", "X");
    check(src, "{\"status\": null}", "X");
    check("{{#eq n \"3\"}}three{{/eq}}", "{\"n\": 3}", "three");
    check("{{#eq n \"3\"}}three{{/eq}}", "{\"n\": 4}", "");
    check("{{#eq b \"true\"}}yes{{/eq}}", "{\"b\": true}", "yes");
    check("{{#eq s \"\"}}empty{{/eq}}", "{\"s\": \"\"}", "empty");
    check("{{#eq s \"a b\"}}space{{/eq}}", "{\"s\": \"a b\"}", "space");
}

static void test_each(void **state)
{
    const char *src = "{{#each items}}{{@index}}/{{@number}}:{{name}};{{else}}none{{/each}}";
    check(src, "{\"items\": [{\"name\": \"a\"}, {\"name\": \"<b>\"}]}", "0/1:a;1/2:&lt;b&gt;;");
    check(src, "{\"items\": []}", "none");
    check(src, "{}", "none");
    check(src, "{\"items\": \"not an array\"}", "none");
    check("{{#each tags}}[{{.}}]{{/each}}", "{\"tags\": [\"x\", \"<y>\", 3, null]}",
          "[x][&lt;y&gt;][3][]");
    check("{{@index}}{{#each a}}{{/each}}{{@index}}", "{\"a\": [1]}", "");
    check("{{#each a}}{{#if @index}},{{/if}}{{.}}{{/each}}", "{\"a\": [1, 2, 3]}", "1,2,3");
}

static void test_each_nested_scopes(void **state)
{
    /* The inner loop finds "title" in the context and "name" in the group when the item has
     * none; @index is the inner loop's. */
    check(
        "{{#each groups}}{{name}}:{{#each items}}{{name}}|{{title}}|{{@index}};{{/each}}"
        "{{/each}}",
        "{\"title\": \"T\", \"name\": \"root\", \"groups\": [{\"name\": \"g1\", \"items\": "
        "[{\"name\": \"i1\"}, {\"v\": 2}]}, {\"name\": \"g2\", \"items\": [{\"name\": \"i3\"}]}]}",
        "g1:i1|T|0;g1|T|1;g2:i3|T|0;");
    /* An inner item holding the first name wins, without falling back for the rest. */
    check("{{#each items}}[{{user.name}}]{{/each}}",
          "{\"user\": {\"name\": \"outer\"}, \"items\": [{\"user\": {}}, {}]}", "[][outer]");
    /* "." is the innermost item. */
    check("{{#each rows}}{{#each .}}{{.}}{{/each}};{{/each}}", "{\"rows\": [[1, 2], [3]]}",
          "12;3;");
}

/* ---- Includes and layouts -------------------------------------------------------------- */

static void test_include(void **state)
{
    add_ok("partials/row", "<li>{{name}}</li>");
    check("<ul>{{#each items}}{{> partials/row}}{{/each}}</ul>{{>partials/row}}",
          "{\"name\": \"top\", \"items\": [{\"name\": \"a\"}, {\"name\": \"<b>\"}]}",
          "<ul><li>a</li><li>&lt;b&gt;</li></ul><li>top</li>");
}

/* A chain prefix0 -> prefix1 -> ... -> prefixN of n includes; the last prints "bottom". */
static void add_chain(const char *prefix, int n)
{
    for (int i = 0; i <= n; i++) {
        char name[32], src[64];
        snprintf(name, sizeof name, "%s%d", prefix, i);
        if (i < n)
            snprintf(src, sizeof src, "<%d>{{> %s%d}}", i, prefix, i + 1);
        else
            snprintf(src, sizeof src, "bottom");
        add_ok(name, src);
    }
}

static void test_include_depth_limit(void **state)
{
    add_chain("ok", 16);
    char *got = render_json("ok0", "{}", "en");
    assert_non_null(strstr(got, "<15>bottom"));
    free(got);

    add_chain("deep", 17);
    Buf out = {0};
    buf_puts(&out, "before");
    Capture cap = capture_begin();
    int rc = render_template("deep0", NULL, "en", &out);
    assert_int_equal(capture_end(cap, "nested deeper than 16"), 1);
    assert_int_equal(rc, -1);
    assert_string_equal(out.data, "before"); /* nothing of the broken page is left */
    buf_free(&out);
}

static void test_include_recursion_stops(void **state)
{
    /* Two self-includes per level would be 2^16 renders without stopping at the first. */
    add_ok("loop", "x{{> loop}}{{> loop}}");
    Buf out = {0};
    Capture cap = capture_begin();
    assert_int_equal(render_template("loop", NULL, "en", &out), -1);
    assert_int_equal(capture_end(cap, "nested deeper"), 1);
    assert_int_equal(out.len, 0);
    buf_free(&out);

    add_ok("dangling", "{{> no/such/template}}");
    cap = capture_begin();
    assert_int_equal(render_template("dangling", NULL, "en", &out), -1);
    assert_int_equal(capture_end(cap, "no/such/template"), 1);
    buf_free(&out);
}

static void test_layout(void **state)
{
    add_ok("layouts/base", "<title>{{title}}</title><main>{{%content}}</main>");
    add_ok("page", "{{! a comment may come first }}{{%layout layouts/base}}<p>{{body}}</p>");
    char *got = render_json("page", "{\"title\": \"<T>\", \"body\": \"&\"}", "en");
    /* The page's output is inserted once, not escaped a second time. */
    assert_string_equal(got, "<title>&lt;T&gt;</title><main><p>&amp;</p></main>");
    free(got);

    /* A layout inside a layout, and {{%content}} outside any layout prints nothing. */
    add_ok("outer", "[{{%content}}]");
    add_ok("inner", "{{%layout outer}}({{%content}})");
    add_ok("nested", "{{%layout inner}}x");
    check("{{%content}}plain", "{}", "plain");
    got = render_json("nested", "{}", "en");
    assert_string_equal(got, "[(x)]");
    free(got);

    add_fails("<p>{{x}}</p>\n{{%layout base}}", 2, "first tag");
    add_fails("{{%layout}}", 1, "first tag");
    add_ok("orphan", "{{%layout no-such-layout}}x");
    Buf out = {0};
    assert_int_equal(render_template("orphan", NULL, "en", &out), -1);
    buf_free(&out);
}

/* ---- Translations, static files, links ------------------------------------------------- */

static void test_t_and_tp(void **state)
{
    assert_int_equal(i18n_add("zh-CN", "zz_test.greet", "你好，{}"), 0);
    assert_int_equal(i18n_add("en", "zz_test.greet", "Hello, {}! Bye, {}."), 0);
    assert_int_equal(i18n_add("zh-CN", "zz_test.amp", "汤姆 & 杰瑞"), 0);
    assert_int_equal(i18n_add("en", "zz_test.amp", "Tom & <Jerry>"), 0);

    add_ok("t", "{{t zz_test.amp}}|{{tp zz_test.greet name}}");
    char *got = render_json("t", "{\"name\": \"<b>\\\"\"}", "en");
    assert_string_equal(got,
                        "Tom &amp; &lt;Jerry&gt;|Hello, &lt;b&gt;&quot;! Bye, &lt;b&gt;&quot;.");
    free(got);
    got = render_json("t", "{\"name\": 7}", "zh-CN");
    assert_string_equal(got, "汤姆 &amp; 杰瑞|你好，7");
    free(got);
    got = render_json("t", "{}", NULL); /* no language: the default */
    assert_string_equal(got, "汤姆 &amp; 杰瑞|你好，");
    free(got);
    /* A missing key prints the key itself. */
    check("{{t zz_test.missing}}", "{}", "zz_test.missing");
}

static void test_static(void **state)
{
    check("{{static nope/none.css}}", "{}", "/static/nope/none.css");
    for (const Asset *a = assets_all(); a->path; a++) {
        if (strncmp(a->path, "static/", 7) != 0 || strchr(a->path, ' '))
            continue;
        char src[512], want[512];
        snprintf(src, sizeof src, "<link href=\"{{static %s}}\">", a->path + 7);
        snprintf(want, sizeof want, "<link href=\"/%s?v=%.8s\">", a->path, a->sha256);
        check(src, "{}", want);
        return; /* one embedded file shows the version; the rest work alike */
    }
    skip(); /* nothing under static/ is embedded in this build */
}

static void test_href(void **state)
{
    static const struct {
        const char *url; /* as JSON */
        const char *want;
    } cases[] = {
        {"\"https://example.org/a?b=1&c=2\"", "https://example.org/a?b=1&amp;c=2"},
        {"\"http://example.org\"", "http://example.org"},
        {"\"HTTPS://EXAMPLE.ORG\"", "HTTPS://EXAMPLE.ORG"},
        {"\"/x\"", "/x"},
        {"\"/\"", "/"},
        {"\"/cases/1?q=\\\"x\\\"\"", "/cases/1?q=&quot;x&quot;"},
        {"\"javascript:alert(1)\"", "#"},
        {"\"JavaScript:alert(1)\"", "#"},
        {"\" javascript:alert(1)\"", "#"},
        {"\"data:text/html,<script>x</script>\"", "#"},
        {"\"//evil.example\"", "#"},
        {"\"/\\\\evil.example\"", "#"},
        {"\"/\\t/evil.example\"", "#"},
        {"\"https://x\\ny\"", "#"},
        {"\"https:evil\"", "#"},
        {"\"ftp://x\"", "#"},
        {"\"x\"", "#"},
        {"\"\"", "#"},
        {"null", "#"},
        {"1", "#"},
        {"[\"/x\"]", "#"},
    };
    add_ok("t", "<a href=\"{{href u}}\">");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char json[256], want[256];
        snprintf(json, sizeof json, "{\"u\": %s}", cases[i].url);
        snprintf(want, sizeof want, "<a href=\"%s\">", cases[i].want);
        char *got = render_json("t", json, "en");
        if (strcmp(got, want) != 0)
            fail_msg("%s: got %s, want %s", cases[i].url, got, want);
        free(got);
    }
    check("<a href=\"{{href u}}\">", "{}", "<a href=\"#\">");
}

/* ---- Compile errors -------------------------------------------------------------------- */

static void test_compile_errors(void **state)
{
    add_fails("a\n{{#if x}}\nb", 2, "{{#if}} is never closed");
    add_fails("{{#each a}}{{#if b}}{{/if}}", 1, "{{#each}} is never closed");
    add_fails("a\n{{#if x}}\n{{/each}}", 3, "{{/each}} closes {{#if}} from line 2");
    add_fails("\n{{/if}}", 2, "without an open block");
    add_fails("\n\n{{#with x}}{{/with}}", 3, "unknown tag");
    add_fails("{{{raw}}}", 1, "unknown tag");
    add_fails("{{& raw}}", 1, "unknown tag");
    add_fails("{{a b}}", 1, "unknown tag");
    add_fails("{{t}}", 1, "unknown tag");
    add_fails("{{tp key}}", 1, "unknown tag");
    add_fails("{{href}}", 1, "unknown tag");
    add_fails("{{static a b}}", 1, "unknown tag");
    add_fails("{{else x}}", 1, "takes nothing");
    add_fails("{{a..b}}", 1, "unknown tag");
    add_fails("{{.a}}", 1, "unknown tag");
    add_fails("{{}}", 1, "malformed tag");
    add_fails("{{#eq a b}}{{/eq}}", 1, "quoted literal");
    add_fails("{{#eq a \"b}}{{/eq}}", 1, "malformed tag");
    add_fails("{{#if}}{{/if}}", 1, "needs a path");
    add_fails("{{> ../secret}}", 1, "needs a template name");
    add_fails("a\nb {{name", 2, "unterminated {{");
    add_fails("x\n{{else}}", 2, "{{else}} outside a block");
    add_fails("{{#if a}}{{else}}\n{{else}}{{/if}}", 2, "second {{else}}");
    add_fails("{{! a comment\nover lines }}\n{{bad tag}}", 3, "unknown tag");

    /* A failed replacement keeps the template that was there. */
    add_ok("keep", "kept");
    add_fails("{{#if", 1, "unterminated");
    char *err = NULL;
    assert_int_equal(render_add("keep", "{{/if}}", &err), -1);
    free(err);
    char *got = render_json("keep", "{}", "en");
    assert_string_equal(got, "kept");
    free(got);
    assert_int_equal(render_add(NULL, "x", &err), -1);
    free(err);
}

/* Builds n nested {{#if v}} blocks around "in". */
static char *nested_ifs(int n)
{
    Buf b = {0};
    for (int i = 0; i < n; i++)
        buf_puts(&b, "{{#if v}}");
    buf_puts(&b, "in");
    for (int i = 0; i < n; i++)
        buf_puts(&b, "{{/if}}");
    return buf_take(&b);
}

static void test_nesting_limit(void **state)
{
    char *src = nested_ifs(64);
    check(src, "{\"v\": 1}", "in");
    free(src);
    src = nested_ifs(65);
    add_fails(src, 1, "nested deeper than 64");
    free(src);
}

/* ---- Registry -------------------------------------------------------------------------- */

static void test_unknown_template_and_replace(void **state)
{
    Buf out = {0};
    assert_int_equal(render_template("no/such/page", NULL, "en", &out), -1);
    assert_int_equal(render_template(NULL, NULL, "en", &out), -1);
    buf_free(&out);
    check("first", "{}", "first");
    check("second", "{}", "second");
}

static void test_real_templates(void **state)
{
    /* Whatever web/templates/ holds: when init succeeded, each template is known by name. */
    size_t count = 0;
    for (const Asset *a = assets_all(); a->path; a++) {
        size_t len = strlen(a->path);
        if (strncmp(a->path, "templates/", 10) != 0 || len < 16 ||
            strcmp(a->path + len - 5, ".html") != 0)
            continue;
        count++;
        if (real_init_rc != 0)
            continue;
        char name[512];
        snprintf(name, sizeof name, "%.*s", (int)(len - 15), a->path + 10);
        json_t *ctx = json_object();
        Buf out = {0};
        if (render_template(name, ctx, "en", &out) != 0)
            fail_msg("embedded template %s does not render", name);
        buf_free(&out);
        json_decref(ctx);
    }
    if (count == 0)
        skip();
}

/* Many threads render the same templates at once; each must get the whole, right page. */
static void *render_thread(void *arg)
{
    json_t *ctx =
        json_pack("{s:s, s:[{s:s},{s:s}]}", "title", "<T>", "items", "name", "a", "name", "b");
    for (int i = 0; i < 200; i++) {
        Buf out = {0};
        if (render_template("mt/page", ctx, (i & 1) ? "en" : "zh-CN", &out) != 0 ||
            strcmp(out.data, "<h1>&lt;T&gt;</h1><i>0a</i><i>1b</i>zz_test.mt") != 0)
            *(int *)arg = 1;
        buf_free(&out);
    }
    json_decref(ctx);
    return NULL;
}

static void test_threads(void **state)
{
    add_ok("mt/item", "<i>{{@index}}{{name}}</i>");
    add_ok("mt/layout", "<h1>{{title}}</h1>{{%content}}");
    add_ok("mt/page", "{{%layout mt/layout}}{{#each items}}{{> mt/item}}{{/each}}{{t zz_test.mt}}");
    pthread_t threads[8];
    int failed[8] = {0};
    for (int i = 0; i < 8; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, render_thread, &failed[i]), 0);
    for (int i = 0; i < 8; i++) {
        pthread_join(threads[i], NULL);
        assert_int_equal(failed[i], 0);
    }
}

static int setup(void **state)
{
    (void)i18n_init(); /* tolerated: the real translations may be missing or in progress */
    real_init_rc = render_init();
    return 0;
}

static int teardown(void **state)
{
    render_shutdown();
    i18n_shutdown();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_templates),
        cmocka_unit_test(test_escape_text),
        cmocka_unit_test(test_escape_attribute),
        cmocka_unit_test(test_unquoted_attribute_rejected),
        cmocka_unit_test(test_missing_and_null),
        cmocka_unit_test(test_numbers_and_booleans),
        cmocka_unit_test(test_dot_paths),
        cmocka_unit_test(test_if_unless_truthiness),
        cmocka_unit_test(test_eq),
        cmocka_unit_test(test_each),
        cmocka_unit_test(test_each_nested_scopes),
        cmocka_unit_test(test_include),
        cmocka_unit_test(test_include_depth_limit),
        cmocka_unit_test(test_include_recursion_stops),
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_t_and_tp),
        cmocka_unit_test(test_static),
        cmocka_unit_test(test_href),
        cmocka_unit_test(test_compile_errors),
        cmocka_unit_test(test_nesting_limit),
        cmocka_unit_test(test_unknown_template_and_replace),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
