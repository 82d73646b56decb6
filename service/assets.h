/* Files embedded at build time from web/ (templates/, static/, i18n/) and schema/. */
#ifndef TAKEDOWN_ASSETS_H
#define TAKEDOWN_ASSETS_H

#include <stddef.h>

typedef struct Asset {
    const char *path;          /* "templates/landing.html", "static/app.css", "schema/0001_x.sql" */
    const unsigned char *data; /* NUL-terminated for convenience; len excludes the NUL */
    size_t len;
    const char *sha256; /* hex digest of the content: ETag and cache-busting version */
} Asset;

/* The table of every embedded file, ended by an entry whose path is NULL. */
const Asset *assets_all(void);
/* The asset at exactly that path, or NULL. */
const Asset *assets_find(const char *path);

#endif
