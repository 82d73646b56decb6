/* Messages and timeline events of a case (encrypted), for casework and the victim's side alike. */
#ifndef TAKEDOWN_CASELOG_H
#define TAKEDOWN_CASELOG_H

#include "store.h"

#include <jansson.h>
#include <stdint.h>

/* A message (author "victim" or "staff") whose text is encrypted under the case key. */
StoreStatus caselog_message(StoreConn *c, const unsigned char *key, const char *case_id,
                            const char *author, int64_t staff_id, const char *text, int64_t now);
/* A timeline event; detail (may be NULL) is encrypted under the case key. */
StoreStatus caselog_event(StoreConn *c, const unsigned char *key, const char *case_id,
                          int64_t target_id, int64_t now, const char *actor, const char *kind,
                          const char *from, const char *to, const json_t *detail);

/* Encrypts text (or v) under key for row id of the table and column which names, bound to that
 * row, and writes it there: the second half of every insert-a-placeholder-then-seal. */
StoreStatus caselog_seal_text(StoreConn *c, const unsigned char *key, StoreSealed which, int64_t id,
                              const char *text);
StoreStatus caselog_seal_json(StoreConn *c, const unsigned char *key, StoreSealed which, int64_t id,
                              const json_t *v);

#endif
