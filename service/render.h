/* The only place that writes HTML: templates from web/templates/ with escaping by default.
 *
 * Template language (compiled once at start, read-only afterwards, so safe from many threads):
 *   {{path}}              value at a dot path in the context, HTML-escaped (& < > " ').
 *                         "." is the current item inside #each; lookups fall back to outer scopes.
 *                         Missing or null prints nothing; numbers print as numbers; booleans as
 *                         true/false.
 *   {{#if path}}..{{else}}..{{/if}}   truthy: present, not null/false/""/0, non-empty array/object
 *   {{#unless path}}..{{/unless}}
 *   {{#eq path "literal"}}..{{else}}..{{/eq}}   string equality with a literal
 *   {{#each path}}..{{else}}..{{/each}}  array items (else: when empty); @index (0-based) and
 *                         @number (1-based) inside
 *   {{> name}}            includes templates/name.html with the same context
 *   {{t key}}             the translation of key in the request's language, escaped
 *   {{tv path}}           the translation of the key found at path (e.g. a state name), escaped
 *   {{tp key path}}       the translation of key with every "{}" replaced by the escaped value at
 * path
 *   {{static name}}       "/static/name?v=<8 hex of its hash>"
 *   {{href path}}         the value escaped if it starts with http://, https:// or a single "/",
 *                         else "#" (never a javascript: or data: link)
 *   {{%layout name}}      first tag only: render this page inside templates/name.html
 *   {{%content}}          inside a layout: where the page's output goes
 *   {{! comment }}        nothing
 * There is no way to print a value unescaped: raw markup comes only from template text. The
 * compiler rejects a value tag placed right after '=' (an unquoted attribute) and unbalanced
 * blocks.
 */
#ifndef TAKEDOWN_RENDER_H
#define TAKEDOWN_RENDER_H

#include "buf.h"

#include <jansson.h>

/* Compiles every embedded templates/ *.html; returns 0, or -1 after logging the first error. */
int render_init(void);
void render_shutdown(void);

/* Adds (or replaces) one template from source, for tests; returns 0, or -1 with a message in
 * *err (owned by the caller) naming the line of the problem. Not thread-safe: call before serving.
 */
int render_add(const char *name, const char *source, char **err);

/* Renders template name ("landing" for templates/landing.html) with ctx in language lang
 * ("zh-CN" or "en"), appending to out. Returns 0, or -1 if the template is unknown. */
int render_template(const char *name, json_t *ctx, const char *lang, Buf *out);

#endif
