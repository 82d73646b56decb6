/* Store queries for cases, targets, fingerprints, messages, files and timeline events. Encrypted
 * columns pass through as opaque blobs; the vault opens them, never the store. */
#ifndef TAKEDOWN_STORE_CASE_H
#define TAKEDOWN_STORE_CASE_H

#include "buf.h"
#include "store.h"

#include <stdint.h>

#define CASE_ID_LEN 20 /* hex characters of a public case reference */

typedef struct CaseRow {
    char id[CASE_ID_LEN + 1];
    char channel[16];
    char requester_role[16];
    char language[8];
    char incident_type[16];
    int risk_flags;
    int64_t withdrawn_at; /* 0 when not withdrawn */
    int legal_hold;
    int64_t purge_after; /* 0 when none */
    int64_t assignee;    /* 0 when none */
    int64_t incident_id; /* 0 when none */
    int64_t created_at, updated_at;
    Buf sealed_key, receipt_wrap, org_wrap, body; /* owned */
    unsigned char receipt_lookup[32];
} CaseRow;

typedef struct TargetRow {
    int64_t id;
    char case_id[CASE_ID_LEN + 1];
    char kind[16];
    char platform[24];
    char state[24];
    int64_t parent_id;
    char route[24];
    int64_t due_at;
    int64_t created_at, updated_at;
    int64_t monitor_since;
    Buf body; /* owned */
} TargetRow;

typedef struct MessageRow {
    int64_t id;
    char author[8];
    int64_t staff_id;
    int64_t created_at;
    Buf body; /* owned */
} MessageRow;

typedef struct FileRow {
    char id[33];
    int64_t created_at;
    Buf meta; /* owned */
} FileRow;

void case_row_free(CaseRow *r);
void target_row_free(TargetRow *r);

StoreStatus store_case_insert(StoreConn *c, const CaseRow *r);
StoreStatus store_case_get(StoreConn *c, const char *id, CaseRow *out);
StoreStatus store_case_by_lookup(StoreConn *c, const unsigned char lookup[32], CaseRow *out);
/* How many targets a case has and whether it was withdrawn, without reading any ciphertext. */
StoreStatus store_case_facts(StoreConn *c, const char *id, int64_t *targets, int *withdrawn);
StoreStatus store_case_touch(StoreConn *c, const char *id, int64_t now);
StoreStatus store_case_set_withdrawn(StoreConn *c, const char *id, int64_t now,
                                     int64_t purge_after);
/* Deletes the case and everything of it (keys, ciphertexts, sessions, and its incident when it
 * was the incident's last case); appends the ids of its
 * files to file_ids (one per line) so the caller can unlink them after the commit. */
StoreStatus store_case_delete(StoreConn *c, const char *id, Buf *file_ids);

StoreStatus store_target_insert(StoreConn *c, const char *case_id, const char *kind,
                                const char *platform, const char *state, int64_t parent_id,
                                const Buf *body, int64_t now, int64_t *id);
/* Moves a target from one state to another; STORE_CONFLICT when it is no longer in from. */
StoreStatus store_target_set_state(StoreConn *c, int64_t id, const char *from, const char *to,
                                   int64_t now);
/* A case's targets in order; with_body 0 leaves body empty (lists that show no content). */
StoreStatus store_targets_of_case(StoreConn *c, const char *case_id, int with_body,
                                  void (*cb)(void *arg, const TargetRow *t), void *arg);
StoreStatus store_target_get(StoreConn *c, int64_t id, TargetRow *out);

/* Inserts a fingerprint row (body: a placeholder; the value is sealed to the new row id after). */
StoreStatus store_fingerprint_insert(StoreConn *c, const char *case_id, const char *alg,
                                     const Buf *body, int64_t *id);
StoreStatus store_message_insert(StoreConn *c, const char *case_id, const char *author,
                                 int64_t staff_id, const Buf *body, int64_t now, int64_t *id);
StoreStatus store_messages_of_case(StoreConn *c, const char *case_id,
                                   void (*cb)(void *arg, const MessageRow *m), void *arg);
StoreStatus store_file_insert(StoreConn *c, const char *id, const char *case_id, const Buf *meta,
                              int64_t now);
StoreStatus store_files_of_case(StoreConn *c, const char *case_id,
                                void (*cb)(void *arg, const FileRow *f), void *arg);
StoreStatus store_event_insert(StoreConn *c, const char *case_id, int64_t target_id, int64_t now,
                               const char *actor, const char *kind, const char *from_state,
                               const char *to_state, const Buf *body);

/* The rowid of this connection's last insert. */
int64_t store_last_insert_id(StoreConn *c);
/* One file's case and encrypted meta. */
StoreStatus store_file_get(StoreConn *c, const char *id, char case_id[CASE_ID_LEN + 1], Buf *meta);
/* Encrypted fingerprint values of a case, in order. */
StoreStatus store_fingerprints_of_case(StoreConn *c, const char *case_id,
                                       void (*cb)(void *arg, int64_t id, const Buf *body),
                                       void *arg);

/* Every case id, oldest first (a rotation walks them). */
StoreStatus store_case_ids(StoreConn *c, void (*cb)(void *arg, const char *id), void *arg);
/* A rotation: the case key sealed to the new org public key and wrapped under the new data key. */
StoreStatus store_case_set_keys(StoreConn *c, const char *id, const Buf *sealed_key,
                                const Buf *org_wrap);

#endif
