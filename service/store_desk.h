/* Store queries for the platform desk (issue 14): platform accounts and their API tokens. */
#ifndef TAKEDOWN_STORE_DESK_H
#define TAKEDOWN_STORE_DESK_H

#include "buf.h"
#include "store.h"
#include "vault.h"

#include <stdint.h>

typedef struct DeskAccountRow {
    int64_t id;
    char platform[64];
    unsigned char public_key[VAULT_KEY_BYTES];
    int64_t created_at, revoked_at; /* revoked_at 0: live */
    int64_t tokens;                 /* live tokens (not revoked; expired ones counted) */
} DeskAccountRow;

/* What a token's hash finds: its account, and whether it still opens the desk. */
typedef struct DeskTokenRow {
    int64_t id, account_id;
    char platform[64];
    int64_t expires_at, revoked_at; /* the token's; 0: not revoked */
    int64_t account_revoked_at;     /* 0: live */
} DeskTokenRow;

/* A new live account; STORE_CONFLICT when the platform has a live one already. */
StoreStatus store_desk_account_insert(StoreConn *c, const char *platform,
                                      const unsigned char public_key[VAULT_KEY_BYTES],
                                      int64_t staff_id, int64_t now, int64_t *id);
/* Revokes the platform's live account and every token of it; STORE_NOT_FOUND when none. */
StoreStatus store_desk_account_revoke(StoreConn *c, const char *platform, int64_t now);
/* Every account, newest first. */
StoreStatus store_desk_accounts(StoreConn *c, void (*cb)(void *arg, const DeskAccountRow *r),
                                void *arg);
/* Revokes every token of the account at now (the account stays live). */
StoreStatus store_desk_tokens_revoke(StoreConn *c, int64_t account_id, int64_t now);
StoreStatus store_desk_token_insert(StoreConn *c, int64_t account_id,
                                    const unsigned char hash[VAULT_ID_BYTES], int64_t now,
                                    int64_t expires_at);
/* The token with this hash; STORE_NOT_FOUND when none. */
StoreStatus store_desk_token_get(StoreConn *c, const unsigned char hash[VAULT_ID_BYTES],
                                 DeskTokenRow *out);
StoreStatus store_desk_token_used(StoreConn *c, int64_t token_id, int64_t now);

/* The platform's live account into out; STORE_NOT_FOUND when it has none. */
StoreStatus store_desk_account_live(StoreConn *c, const char *platform, DeskAccountRow *out);

/* A notice sent through a desk. id is the row's; what the desk sees as its id is seq (its number
 * at the desk), and its copy is copy (the copy's number at the desk), never a target id. */
typedef struct DeskNoticeRow {
    int64_t id, target_id, sent_at, acked_at;
    char route[32];
    Buf sealed; /* owned by the row while a callback runs */
    int64_t account_id, decided_at, seq, copy;
    int64_t superseded; /* the copy was sent a newer notice since: it no longer waits on this one */
} DeskNoticeRow;

/* The numbers a new notice of the account about target_id takes: the next seq, and the copy's
 * number (the one it has at this desk already, else the next). Inside the inserting transaction. */
StoreStatus store_desk_numbers(StoreConn *c, int64_t account_id, int64_t target_id, int64_t *seq,
                               int64_t *copy);
/* row: account_id, target_id, route, sent_at, seq, copy, sealed. */
StoreStatus store_desk_notice_insert(StoreConn *c, int64_t notice_id, const DeskNoticeRow *row);
/* The account's notices still awaiting its answer (no decision, the copy still waiting on the
 * platform and on this notice: not withdrawn, not decided by hand, not sent again since), after the
 * id `after`, oldest first, at most limit. */
StoreStatus store_desk_notices(StoreConn *c, int64_t account_id, int64_t after, int limit,
                               void (*cb)(void *arg, const DeskNoticeRow *r), void *arg);

/* One notice of the account, answered or not; STORE_NOT_FOUND for another account's (never
 * telling them apart). out->sealed is the caller's to free. */
StoreStatus store_desk_notice_get(StoreConn *c, int64_t account_id, int64_t seq,
                                  DeskNoticeRow *out);
/* The desk has acknowledged the notice (first time only), or closed it with its answer. */
StoreStatus store_desk_notice_acked(StoreConn *c, int64_t id, int64_t now);
StoreStatus store_desk_notice_closed(StoreConn *c, int64_t id, int64_t now);

/* What a desk answered about a notice; kind: ack, needs_info, decision; outcome for a decision. */
typedef struct DeskAnswerRow {
    int64_t id, desk_notice_id, target_id;
    char kind[16], outcome[16];
    int64_t platform_at, received_at;
    Buf body; /* sealed to the org */
} DeskAnswerRow;
StoreStatus store_desk_answer_insert(StoreConn *c, const DeskAnswerRow *r, int64_t *id);
/* Every answer about the target's notices, oldest first. */
StoreStatus store_desk_answers_of_target(StoreConn *c, int64_t target_id,
                                         void (*cb)(void *arg, const DeskAnswerRow *r), void *arg);

/* A re-upload a desk reported, waiting for a key to the case (child_id 0) or applied. */
typedef struct DeskReuploadRow {
    int64_t id, desk_notice_id, target_id, reported_at, child_id;
    char case_id[40];
    Buf body; /* sealed to the org: the link */
} DeskReuploadRow;
StoreStatus store_desk_reupload_insert(StoreConn *c, const DeskReuploadRow *r, int64_t *id);
/* How many re-uploads the desk reported on the notice. */
StoreStatus store_desk_reupload_count(StoreConn *c, int64_t desk_notice_id, int64_t *n);
/* Re-uploads not applied yet, oldest first, at most limit (the one with id only, when id > 0). */
StoreStatus store_desk_reuploads_pending(StoreConn *c, int64_t id, int limit,
                                         void (*cb)(void *arg, const DeskReuploadRow *r),
                                         void *arg);
/* Applied: child is the new copy, or 0 when it could not be (its case was withdrawn or erased). */
StoreStatus store_desk_reupload_applied(StoreConn *c, int64_t id, int64_t child, int64_t now);

/* The places fields sealed to the org live, for an org rotation: each field's table, row and
 * sealed body (cb's row valid during the call), then a replacement by id. */
typedef enum DeskOrgTable {
    DESK_ORG_ANSWERS,
    DESK_ORG_REUPLOADS,
    DESK_ORG_NIGHT_CHECKS /* not a desk's: unattended checks' findings (store_log.h), the same kind
                           */
} DeskOrgTable;
StoreStatus store_desk_org_fields(StoreConn *c, DeskOrgTable t,
                                  void (*cb)(void *arg, int64_t id, const Buf *body), void *arg);
StoreStatus store_desk_org_field_set(StoreConn *c, DeskOrgTable t, int64_t id, const Buf *body);

#endif
