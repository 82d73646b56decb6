/* Turns form fields named like JSON paths ("requester.contact.channel", "targets[2].url") into
 * the JSON object the API takes, so one validator serves both. */
#ifndef TAKEDOWN_FORMJSON_H
#define TAKEDOWN_FORMJSON_H

#include "http.h"

#include <jansson.h>

#define FORMJSON_MAX_INDEX 99

/* The form as JSON. Paths listed in bools become true when their value is "on", "true", "yes" or
 * "1" and false otherwise; everything else stays a string. Fields whose names are not paths (or
 * whose index is over FORMJSON_MAX_INDEX) are left out; skip names a field to leave out too. */
json_t *formjson_build(Request *req, const char *const *bools, const char *const *skip);
/* A field's path as a key the templates look up and an element id: "targets[2].url" ->
 * "targets_2_url". */
void formjson_field_id(const char *path, char *out, size_t size);
/* Removes the objects of an array whose string members are all empty (unused form rows). */
void formjson_drop_empty_rows(json_t *array);

#endif
