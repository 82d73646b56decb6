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

#endif
