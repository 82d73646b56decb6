/* Notices to platforms, generated per route from web/notices/<route>.<lang>.txt, filled only with
 * what the route needs: the requester's identity, signature and contact only when they consented
 * to the platform seeing them, otherwise whatever the caseworker gives as the representative. */
#ifndef TAKEDOWN_NOTICE_H
#define TAKEDOWN_NOTICE_H

#include <jansson.h>

typedef struct NoticeInput {
    const char *route;    /* cn_complaint, us_take_it_down, eu_dsa, au_esafety */
    const char *elements; /* the route's required elements, comma-separated */
    const char *lang;     /* zh-CN or en */
    const char *platform_name;
    const char *org_name;
    const char *date;        /* YYYY-MM-DD */
    const json_t *case_body; /* decrypted case body */
    const json_t *target;    /* decrypted target body */
    int screenshots;
    int fingerprints;
    const json_t *fields; /* the caseworker's: reason, evidence, representative, name, email,
                             contact, signature (each optional) */
} NoticeInput;

/* The notice text (owned by the caller) with every required element present, or NULL with the
 * names of the missing elements appended to missing (a JSON array). NULL with nothing appended
 * when the route has no notice template. */
char *notice_build(const NoticeInput *in, json_t *missing);

#endif
