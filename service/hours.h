/* Times of day read exactly (a machine follows them: nothing is guessed). */
#ifndef TAKEDOWN_HOURS_H
#define TAKEDOWN_HOURS_H

/* A time of day at p: 1-2 digits, then ":MM" (ASCII or full-width colon) or 点/时 (Chinese
 * "o'clock", optionally followed by MM分), up to 24:00. Returns the minute of the day and moves
 * *end past it, or -1. */
int hours_time(const char *p, const char **end);
/* "HH:MM-HH:MM" (also H:MM, 9点, a full-width colon, and "~", "to", 至 or 到 between, spaces
 * around), into minutes of the day; a window with from > to runs over midnight. 0, or -1 for
 * anything else ("weekdays 9:00 to 17:00", "下午2点到5点", "after 8pm"). */
int hours_range(const char *text, int *from, int *to);

#endif
