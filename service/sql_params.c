/* Named parameters rewritten as numbered ones (sql_params.h). A small lexer: it only has to
 * know where SQL text is not SQL (quotes and comments), and what a cast looks like. */
#include "sql_params.h"

#include <string.h>

static int is_name_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_name_char(char c)
{
    return is_name_start(c) || (c >= '0' && c <= '9');
}

/* Copies a quoted run starting at s (its opening quote q), doubled quotes included; returns
 * the position after the closing quote, or the end of the text when it is never closed. */
static const char *copy_quoted(const char *s, char q, Buf *out)
{
    const char *p = s + 1;
    for (;;) {
        if (!*p)
            break;
        if (*p == q) {
            if (p[1] == q) {
                p += 2;
                continue;
            }
            p++;
            break;
        }
        p++;
    }
    buf_append(out, s, (size_t)(p - s));
    return p;
}

int sql_params_find(const SqlParams *p, const char *name)
{
    for (int k = 0; k < p->n; k++)
        if (strcmp(p->name[k], name) == 0)
            return k + 1;
    return 0;
}

static int add_name(SqlParams *p, const char *s, size_t len)
{
    char name[SQL_PARAM_NAME_MAX];
    if (len + 1 > sizeof name)
        return -1;
    memcpy(name, s, len);
    name[len] = '\0';
    int k = sql_params_find(p, name);
    if (k)
        return k;
    if (p->n == SQL_PARAMS_MAX)
        return -1;
    memcpy(p->name[p->n], name, len + 1);
    return ++p->n;
}

int sql_params_number(const char *sql, Buf *out, SqlParams *p)
{
    p->n = 0;
    const char *s = sql;
    while (*s) {
        if (*s == '\'' || *s == '"') {
            s = copy_quoted(s, *s, out);
        } else if (s[0] == '-' && s[1] == '-') {
            const char *e = strchr(s, '\n');
            size_t len = e ? (size_t)(e - s) : strlen(s);
            buf_append(out, s, len);
            s += len;
        } else if (s[0] == '/' && s[1] == '*') {
            const char *e = strstr(s + 2, "*/");
            size_t len = e ? (size_t)(e + 2 - s) : strlen(s);
            buf_append(out, s, len);
            s += len;
        } else if (s[0] == ':' && s[1] == ':') {
            buf_append(out, s, 2);
            s += 2;
        } else if (s[0] == ':' && is_name_start(s[1])) {
            size_t len = 1;
            while (is_name_char(s[len]))
                len++;
            int k = add_name(p, s, len);
            if (k < 0)
                return -1;
            buf_putc(out, '$');
            buf_put_int(out, k);
            s += len;
        } else {
            buf_append(out, s, 1);
            s++;
        }
    }
    return 0;
}
