/* Form names as paths: segments split on '.', each "name" or "name[index]". */
#include "formjson.h"

#include <stdlib.h>
#include <string.h>

/* Returns the child of parent for one segment, creating objects and arrays as needed; NULL when
 * the segment is malformed or clashes with what is already there. */
static json_t *step(json_t *parent, const char *seg, size_t len, int last, json_t *leaf)
{
    const char *br = memchr(seg, '[', len);
    size_t name_len = br ? (size_t)(br - seg) : len;
    if (name_len == 0 || name_len > 63)
        return NULL;
    char name[64];
    memcpy(name, seg, name_len);
    name[name_len] = '\0';
    for (size_t i = 0; i < name_len; i++)
        if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
              name[i] == '_'))
            return NULL;
    if (!json_is_object(parent))
        return NULL;
    if (!br) {
        if (last) {
            json_object_set(parent, name, leaf);
            return leaf;
        }
        json_t *child = json_object_get(parent, name);
        if (!child) {
            child = json_object();
            json_object_set_new(parent, name, child);
        }
        return json_is_object(child) ? child : NULL;
    }
    /* name[index] */
    if (seg[len - 1] != ']' || len - name_len < 3 || len - name_len > 4)
        return NULL;
    long idx = 0;
    for (size_t i = name_len + 1; i < len - 1; i++) {
        if (seg[i] < '0' || seg[i] > '9')
            return NULL;
        idx = idx * 10 + (seg[i] - '0');
    }
    if (idx > FORMJSON_MAX_INDEX)
        return NULL;
    json_t *arr = json_object_get(parent, name);
    if (!arr) {
        arr = json_array();
        json_object_set_new(parent, name, arr);
    }
    if (!json_is_array(arr))
        return NULL;
    while ((long)json_array_size(arr) <= idx)
        json_array_append_new(arr, json_object());
    if (last) {
        json_array_set(arr, (size_t)idx, leaf);
        return leaf;
    }
    json_t *child = json_array_get(arr, (size_t)idx);
    return json_is_object(child) ? child : NULL;
}

/* 1 when every segment of name is well formed, so a bad name leaves nothing behind. */
static int path_ok(const char *name)
{
    const char *seg = name;
    for (;;) {
        const char *dot = strchr(seg, '.');
        size_t len = dot ? (size_t)(dot - seg) : strlen(seg);
        const char *br = memchr(seg, '[', len);
        size_t name_len = br ? (size_t)(br - seg) : len;
        if (name_len == 0 || name_len > 63)
            return 0;
        for (size_t i = 0; i < name_len; i++)
            if (!((seg[i] >= 'a' && seg[i] <= 'z') || (seg[i] >= '0' && seg[i] <= '9') ||
                  seg[i] == '_'))
                return 0;
        if (br) {
            size_t digits = len - name_len - 2;
            if (seg[len - 1] != ']' || len - name_len < 3 || digits > 2)
                return 0;
            for (size_t i = name_len + 1; i < len - 1; i++)
                if (seg[i] < '0' || seg[i] > '9')
                    return 0;
        }
        if (!dot)
            return 1;
        seg = dot + 1;
    }
}

static int listed(const char *name, const char *const *list)
{
    for (size_t i = 0; list && list[i]; i++)
        if (strcmp(list[i], name) == 0)
            return 1;
    return 0;
}

/* "targets[3].kind" -> "targets[].kind", to match bool paths written without indexes. */
static void unindexed(const char *name, char *out, size_t size)
{
    size_t o = 0;
    for (const char *p = name; *p && o + 1 < size; p++) {
        if (*p == '[') {
            out[o++] = '[';
            while (*p && *p != ']')
                p++;
            if (!*p)
                break;
            if (o + 1 < size)
                out[o++] = ']';
            continue;
        }
        out[o++] = *p;
    }
    out[o] = '\0';
}

json_t *formjson_build(Request *req, const char *const *bools, const char *const *skip)
{
    json_t *root = json_object();
    for (size_t i = 0; i < req->nform; i++) {
        const char *name = req->form[i].name;
        const char *value = req->form[i].value;
        if (listed(name, skip) || strlen(name) > 128 || !path_ok(name))
            continue;
        char plain[160];
        unindexed(name, plain, sizeof plain);
        json_t *leaf;
        if (listed(plain, bools))
            leaf = json_boolean(strcmp(value, "on") == 0 || strcmp(value, "true") == 0 ||
                                strcmp(value, "yes") == 0 || strcmp(value, "1") == 0);
        else
            leaf = json_string(value); /* NULL for invalid UTF-8: the field is dropped */
        if (!leaf)
            continue;
        json_t *node = root;
        const char *seg = name;
        while (node) {
            const char *dot = strchr(seg, '.');
            size_t len = dot ? (size_t)(dot - seg) : strlen(seg);
            node = step(node, seg, len, !dot, leaf);
            if (!dot)
                break;
            seg = dot + 1;
        }
        json_decref(leaf);
    }
    return root;
}

void formjson_drop_empty_rows(json_t *array)
{
    for (size_t i = json_array_size(array); i-- > 0;) {
        json_t *row = json_array_get(array, i);
        const char *key;
        json_t *v;
        int empty = 1;
        json_object_foreach(row, key, v)
        {
            if (strcmp(key, "kind") == 0)
                continue; /* a select always has a value */
            if ((json_is_string(v) && *json_string_value(v)) || json_is_true(v))
                empty = 0;
        }
        if (empty)
            json_array_remove(array, i);
    }
}

void formjson_field_id(const char *path, char *out, size_t size)
{
    size_t o = 0;
    for (const char *p = path; *p && o + 1 < size; p++) {
        if (*p == '.' || *p == '[')
            out[o++] = '_';
        else if (*p != ']')
            out[o++] = *p;
    }
    out[o] = '\0';
}
