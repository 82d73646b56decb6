/* Translations from web/i18n/<lang>.json (flat objects of key -> text). zh-CN is the default and
 * the fallback for a key missing in another language. */
#ifndef TAKEDOWN_I18N_H
#define TAKEDOWN_I18N_H

#include <stddef.h>
#include <stdint.h>

#define I18N_DEFAULT "zh-CN"
/* Room for a time formatted for people, with its NUL. */
#define I18N_TIME_MAX 32

/* Loads every embedded i18n/ *.json; returns 0, or -1 after logging what is wrong. */
int i18n_init(void);
void i18n_shutdown(void);

/* Adds or replaces the text of key in lang ("zh-CN" or "en"), for tests that need known keys;
 * returns 0, or -1 for an unsupported language or text that is not UTF-8.
 * Not thread-safe: call before serving (and after i18n_init, which starts afresh). */
int i18n_add(const char *lang, const char *key, const char *text);

/* The text for key in lang; else in zh-CN; else the key itself (and a warning logged once). */
const char *i18n_get(const char *lang, const char *key);

/* Like i18n_get, but NULL when key has no text in either language; never logs or allocates (so
 * it may run while a thread's Jansson values come from its scratch block). */
const char *i18n_find(const char *lang, const char *key);

/* text with its first "{}" replaced by value, into out (size bytes, NUL-terminated, cut short
 * when it does not fit); text as it is when it has no "{}". Not escaped: for values the renderer
 * escapes. */
void i18n_fill(const char *text, const char *value, char *out, size_t size);

/* "zh-CN" or "en" when s names a supported language (case-insensitive, "zh", "zh-cn", "zh-Hans",
 * "en-US" accepted), else NULL. The returned string is static. */
const char *i18n_supported(const char *s);

/* The language to use: the explicit choice (cookie) if supported, else the best supported match of
 * an Accept-Language header by q-value, else zh-CN. Either argument may be NULL. Static result. */
const char *i18n_negotiate(const char *choice, const char *accept_language);

/* Unix time t for people reading lang, as "YYYY-MM-DD HH:MM"; both languages read China time
 * (UTC+8, no daylight saving), where the service's victims and caseworkers are. */
void i18n_format_time(const char *lang, int64_t t, char out[I18N_TIME_MAX]);
/* The day of t for people reading lang, as "YYYY-MM-DD" (China time, as i18n_format_time). */
void i18n_format_date(const char *lang, int64_t t, char out[I18N_TIME_MAX]);

#endif
