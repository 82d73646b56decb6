/* Every translation the templates, states and platforms ask for exists in both languages, so no
 * page ever shows a raw key or falls back to the other language. */
#include "assets.h"
#include "links.h"
#include "states.h"

#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static json_t *lang_file(const char *lang)
{
    char path[64];
    snprintf(path, sizeof path, "i18n/%s.json", lang);
    const Asset *a = assets_find(path);
    assert_non_null(a);
    json_t *j = json_loadb((const char *)a->data, a->len, 0, NULL);
    assert_non_null(j);
    return j;
}

static int missing_in(json_t *zh, json_t *en, const char *key, const char *where)
{
    int bad = 0;
    if (!json_is_string(json_object_get(zh, key)))
        print_error("zh-CN lacks %s (%s)\n", key, where), bad = 1;
    if (!json_is_string(json_object_get(en, key)))
        print_error("en lacks %s (%s)\n", key, where), bad = 1;
    return bad;
}

static void test_template_keys(void **state)
{
    (void)state;
    json_t *zh = lang_file("zh-CN"), *en = lang_file("en");
    int bad = 0, seen = 0;
    for (const Asset *a = assets_all(); a->path; a++) {
        if (strncmp(a->path, "templates/", 10) != 0)
            continue;
        const char *s = (const char *)a->data;
        /* {{t key}} and {{tp key path}} name their key literally. */
        while ((s = strstr(s, "{{t"))) {
            s += 3;
            if (*s == 'p')
                s++;
            else if (*s != ' ')
                continue;
            while (*s == ' ')
                s++;
            char key[96];
            size_t n = strcspn(s, " }");
            if (n == 0 || n >= sizeof key)
                continue;
            memcpy(key, s, n);
            key[n] = '\0';
            bad |= missing_in(zh, en, key, a->path);
            seen++;
        }
    }
    assert_true(seen > 100); /* the scan found the templates' keys */
    assert_false(bad);
    json_decref(zh);
    json_decref(en);
}

static void test_state_and_platform_keys(void **state)
{
    (void)state;
    json_t *zh = lang_file("zh-CN"), *en = lang_file("en");
    int bad = 0;
    size_t n;
    const char *const *all = states_all(&n);
    char key[96];
    for (size_t i = 0; i < n; i++) {
        snprintf(key, sizeof key, "victim.state.%s", all[i]);
        bad |= missing_in(zh, en, key, "states");
        snprintf(key, sizeof key, "victim.next.%s", all[i]);
        bad |= missing_in(zh, en, key, "states");
    }
    const LinkPlatform *p = link_platforms(&n);
    for (size_t i = 0; i < n; i++) {
        snprintf(key, sizeof key, "platform.%s", p[i].id);
        bad |= missing_in(zh, en, key, "platforms");
    }
    bad |= missing_in(zh, en, "platform.offline", "platforms");
    assert_false(bad);
    json_decref(zh);
    json_decref(en);
}

static void test_same_keys_both_languages(void **state)
{
    (void)state;
    json_t *zh = lang_file("zh-CN"), *en = lang_file("en");
    const char *k;
    json_t *v;
    int bad = 0;
    json_object_foreach(zh, k, v) if (!json_object_get(en, k)) print_error("en lacks %s\n", k),
        bad = 1;
    json_object_foreach(en, k, v) if (!json_object_get(zh, k)) print_error("zh-CN lacks %s\n", k),
        bad = 1;
    assert_false(bad);
    json_decref(zh);
    json_decref(en);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_template_keys),
        cmocka_unit_test(test_state_and_platform_keys),
        cmocka_unit_test(test_same_keys_both_languages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
