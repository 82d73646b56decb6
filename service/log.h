/* Logging to stderr: one line per event, never secrets, request bodies or case content. */
#ifndef TAKEDOWN_LOG_H
#define TAKEDOWN_LOG_H

typedef enum LogLevel { LOG_LEVEL_DEBUG, LOG_LEVEL_INFO, LOG_LEVEL_WARN, LOG_LEVEL_ERROR } LogLevel;

void log_set_level(LogLevel level);
void log_msg(LogLevel level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_info(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)
/* Our own failures: always name the function, as OpenBSD's log_warnx("%s: ...", __func__). */
#define log_warnx(fmt, ...) log_msg(LOG_LEVEL_WARN, "%s: " fmt, __func__, ##__VA_ARGS__)
#define log_errorx(fmt, ...) log_msg(LOG_LEVEL_ERROR, "%s: " fmt, __func__, ##__VA_ARGS__)

#endif
