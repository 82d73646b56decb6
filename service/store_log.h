/* Store queries for what a case says over time: messages between victim and staff, staff notes
 * and timeline events. Bodies are ciphertext the store never opens. */
#ifndef TAKEDOWN_STORE_LOG_H
#define TAKEDOWN_STORE_LOG_H

#include "buf.h"
#include "store.h"

#include <stdint.h>

typedef struct MessageRow {
    int64_t id;
    char author[8];
    int64_t staff_id;
    int64_t created_at;
    Buf body; /* owned */
} MessageRow;

typedef struct NoteRow {
    int64_t id;
    char author[64];
    int64_t created_at;
    Buf body;
} NoteRow;

typedef struct EventRow {
    int64_t id;
    int64_t target_id;
    int64_t at;
    char actor[80];
    char kind[32];
    char from_state[24];
    char to_state[24];
    Buf body;
} EventRow;

/* Adds a message to a case (staff_id 0: the victim); *id (when not NULL) receives the new id. */
StoreStatus store_message_insert(StoreConn *c, const char *case_id, const char *author,
                                 int64_t staff_id, const Buf *body, int64_t now, int64_t *id);
/* A case's messages in order. */
StoreStatus store_messages_of_case(StoreConn *c, const char *case_id,
                                   void (*cb)(void *arg, const MessageRow *m), void *arg);
/* Adds a staff note to a case (body sealed to the new id after); *id receives the new id. */
StoreStatus store_note_insert(StoreConn *c, const char *case_id, int64_t staff_id, int64_t now,
                              const Buf *placeholder, int64_t *id);
/* A case's notes in order, with the author's login. */
StoreStatus store_notes_of_case(StoreConn *c, const char *case_id,
                                void (*cb)(void *arg, const NoteRow *n), void *arg);
/* Appends a timeline event (target_id 0: the case; body may be NULL). */
StoreStatus store_event_insert(StoreConn *c, const char *case_id, int64_t target_id, int64_t now,
                               const char *actor, const char *kind, const char *from_state,
                               const char *to_state, const Buf *body);
/* The same; *id receives the new event's id (to seal a detail bound to it). */
StoreStatus store_event_insert_id(StoreConn *c, const char *case_id, int64_t target_id, int64_t now,
                                  const char *actor, const char *kind, const char *from_state,
                                  const char *to_state, const Buf *body, int64_t *id);
/* A case's timeline events in order. */
StoreStatus store_events_of_case(StoreConn *c, const char *case_id,
                                 void (*cb)(void *arg, const EventRow *e), void *arg);

/* ---- unattended checks' findings, sealed to the org until staff are back ---- */

StoreStatus store_night_check_insert(StoreConn *c, int64_t event_id, const char *case_id,
                                     const Buf *body);
/* At most limit of them: id, event id, case id and the sealed body (valid during the call). */
StoreStatus store_night_checks(StoreConn *c, int limit,
                               void (*cb)(void *arg, int64_t id, int64_t event_id,
                                          const char *case_id, const Buf *body),
                               void *arg);
StoreStatus store_night_check_delete(StoreConn *c, int64_t id);

#endif
