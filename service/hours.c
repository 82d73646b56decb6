/* Times of day as people and settings write them, read exactly: the victim's safe hours, which
 * the notification worker follows, and the notification settings. One reader for both. */
#include "hours.h"

#include <string.h>

int hours_time(const char *p, const char **end)
{
    int h = 0, n = 0, m = 0;
    while (*p >= '0' && *p <= '9' && n < 3) {
        h = h * 10 + (*p++ - '0');
        n++;
    }
    if (n < 1 || n > 2 || h > 24)
        return -1;
    if (*p == ':' || strncmp(p, "\xef\xbc\x9a", 3) == 0) {
        p += *p == ':' ? 1 : 3;
        if (!(p[0] >= '0' && p[0] <= '5' && p[1] >= '0' && p[1] <= '9'))
            return -1;
        m = (p[0] - '0') * 10 + (p[1] - '0');
        p += 2;
    } else if (strncmp(p, "\xe7\x82\xb9", 3) == 0 || strncmp(p, "\xe6\x97\xb6", 3) == 0) {
        p += 3;
        if (p[0] >= '0' && p[0] <= '5' && p[1] >= '0' && p[1] <= '9' &&
            strncmp(p + 2, "\xe5\x88\x86", 3) == 0) {
            m = (p[0] - '0') * 10 + (p[1] - '0');
            p += 5;
        }
    } else
        return -1;
    if (h * 60 + m > 24 * 60)
        return -1;
    *end = p;
    return h * 60 + m;
}

static const char *skip_spaces(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* Between the two times: "-", "~", an en dash, a full-width tilde, "to", 至 or 到. */
static const char *skip_separator(const char *p)
{
    static const char *const seps[] = {
        "-", "~", "\xe2\x80\x93", "\xef\xbd\x9e", "to", "\xe8\x87\xb3", "\xe5\x88\xb0", NULL};
    for (int i = 0; seps[i]; i++)
        if (strncmp(p, seps[i], strlen(seps[i])) == 0)
            return p + strlen(seps[i]);
    return NULL;
}

int hours_range(const char *text, int *from, int *to)
{
    const char *p = skip_spaces(text ? text : "");
    int a = hours_time(p, &p);
    if (a < 0 || !(p = skip_separator(skip_spaces(p))))
        return -1;
    int b = hours_time(skip_spaces(p), &p);
    if (b < 0 || *skip_spaces(p) || a == b)
        return -1;
    *from = a;
    *to = b;
    return 0;
}
