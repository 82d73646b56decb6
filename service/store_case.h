/* Store queries for cases and what hangs off a case alone: the case row and its keys, screenshot
 * files, fingerprints and blind indexes. Encrypted columns pass through as opaque blobs; the
 * vault opens them, never the store. */
#ifndef TAKEDOWN_STORE_CASE_H
#define TAKEDOWN_STORE_CASE_H

#include "buf.h"
#include "store.h"
#include "vault.h"

#include <stdint.h>

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
    unsigned char receipt_lookup[VAULT_ID_BYTES];
} CaseRow;

typedef struct FileRow {
    char id[33];
    int64_t created_at;
    Buf meta; /* owned */
} FileRow;

/* Frees the buffers a CaseRow owns. */
void case_row_free(CaseRow *r);

/* ---- cases ---- */

/* Inserts a new case (created_at is also its updated_at); STORE_CONFLICT when the id exists. */
StoreStatus store_case_insert(StoreConn *c, const CaseRow *r);
/* How many cases there are (the benchmark's generator fills up to a count). */
StoreStatus store_case_count(StoreConn *c, int64_t *n);
/* Reads one case by its id into out (the caller frees it). */
StoreStatus store_case_get(StoreConn *c, const char *id, CaseRow *out);
/* Reads the case whose receipt lookup value is lookup (a victim's sign-in). */
StoreStatus store_case_by_lookup(StoreConn *c, const unsigned char lookup[VAULT_ID_BYTES],
                                 CaseRow *out);
/* How many targets a case has and whether it was withdrawn, without reading any ciphertext. */
StoreStatus store_case_facts(StoreConn *c, const char *id, int64_t *targets, int *withdrawn);
/* Sets the case's updated_at to now; STORE_NOT_FOUND when there is no such case. */
StoreStatus store_case_touch(StoreConn *c, const char *id, int64_t now);
/* Marks the case withdrawn at now, to be purged after the retention setting in days (as
 * store_case_retain: default_days when unset); STORE_CONFLICT when already withdrawn. */
StoreStatus store_case_set_withdrawn(StoreConn *c, const char *id, int64_t now,
                                     int64_t default_days);
/* Deletes the case and everything of it (keys, ciphertexts, sessions, its incident when it was the
 * incident's last case); appends its file ids to file_ids, one a line, to unlink after commit. */
StoreStatus store_case_delete(StoreConn *c, const char *id, Buf *file_ids);
/* A growing list of case ids, collected before a walk that writes (no statement then reads a table
 * another one is writing). case_ids_add is the callback of the queries below; free id when done. */
typedef struct CaseIds {
    char (*id)[CASE_ID_LEN + 1]; /* owned */
    size_t n, cap;
} CaseIds;
void case_ids_add(void *ids, const char *case_id);
/* Every case id, oldest first (a rotation walks them). */
StoreStatus store_case_ids(StoreConn *c, void (*cb)(void *arg, const char *id), void *arg);
/* Every case id in id order (restore re-applies the erasure log to them). */
StoreStatus store_case_ids_all(StoreConn *c, void (*cb)(void *arg, const char *case_id), void *arg);
/* A rotation: the case key sealed to the new org public key and wrapped under the new data key. */
StoreStatus store_case_set_keys(StoreConn *c, const char *id, const Buf *sealed_key,
                                const Buf *org_wrap);
/* Stores the case key wrapped under the org data key (first opened by staff). */
StoreStatus store_case_set_org_wrap(StoreConn *c, const char *id, const Buf *wrap);
/* Assigns the case to a staff id (0: nobody) and sets updated_at to now. */
StoreStatus store_case_set_assignee(StoreConn *c, const char *id, int64_t staff_id, int64_t now);
/* Links the case to an incident (0: none). */
StoreStatus store_case_set_incident(StoreConn *c, const char *id, int64_t incident_id);
/* The center's own case of an incident (channel "center"; the first, should there be more), or
 * "" in id when it has none. */
StoreStatus store_center_case_of(StoreConn *c, int64_t incident_id, char id[CASE_ID_LEN + 1]);
/* The purge date of a case after a change to its copies, in one statement: none while any copy
 * is open, else now + the retention setting in days (meta retention_days; default_days when it is
 * unset or not a positive number). A withdrawn case keeps the one it has. */
StoreStatus store_case_retain(StoreConn *c, const char *case_id, int64_t now, int64_t default_days);
/* Sets (0 clears) the purge date; a withdrawn case keeps the one it has. */
StoreStatus store_case_set_purge(StoreConn *c, const char *case_id, int64_t purge_after);
/* Sets or lifts the legal hold that keeps a case from being purged. */
StoreStatus store_case_set_hold(StoreConn *c, const char *case_id, int on);
/* Cases whose purge date has passed and that no legal hold keeps, soonest first. */
StoreStatus store_cases_to_purge(StoreConn *c, int64_t now,
                                 void (*cb)(void *arg, const char *case_id), void *arg);

/* ---- files ---- */

/* Records an encrypted screenshot file of a case with its encrypted meta. */
StoreStatus store_file_insert(StoreConn *c, const char *id, const char *case_id, const Buf *meta,
                              int64_t now);
/* A case's files, oldest first. */
StoreStatus store_files_of_case(StoreConn *c, const char *case_id,
                                void (*cb)(void *arg, const FileRow *f), void *arg);
/* One file's case and encrypted meta; STORE_NOT_FOUND when there is no such file. */
StoreStatus store_file_get(StoreConn *c, const char *id, char case_id[CASE_ID_LEN + 1], Buf *meta);

/* ---- fingerprints ---- */

/* Inserts a fingerprint row (body: a placeholder; the value is sealed to the new row id after);
 * *id receives the new id. */
StoreStatus store_fingerprint_insert(StoreConn *c, const char *case_id, const char *alg,
                                     const Buf *body, int64_t *id);
/* Encrypted fingerprint values of a case, in order. */
StoreStatus store_fingerprints_of_case(StoreConn *c, const char *case_id,
                                       void (*cb)(void *arg, int64_t id, const Buf *body),
                                       void *arg);

/* ---- blind indexes ---- */

/* Adds a blind index value of a case (target_id 0: the case itself); a repeat is skipped. */
StoreStatus store_blind_replace(StoreConn *c, const char *case_id, const char *domain,
                                const unsigned char value[VAULT_ID_BYTES], int64_t target_id);
/* Deletes every blind index value of a case. */
StoreStatus store_blind_clear(StoreConn *c, const char *case_id);
/* One blind index value of a case as stored (target_id 0: the case itself). */
typedef struct BlindRow {
    char domain[16];
    unsigned char value[VAULT_ID_BYTES];
    int64_t target_id;
} BlindRow;
/* The blind index values of a case, in no particular order. */
StoreStatus store_blind_of_case(StoreConn *c, const char *case_id,
                                void (*cb)(void *arg, const BlindRow *r), void *arg);
/* Other cases sharing a blind index value with this case: (case id, domain, target) rows. */
StoreStatus store_blind_matches(StoreConn *c, const char *case_id,
                                void (*cb)(void *arg, const char *other_case, const char *domain,
                                           int64_t target_id),
                                void *arg);

#endif
