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
StoreStatus store_desk_token_insert(StoreConn *c, int64_t account_id,
                                    const unsigned char hash[VAULT_ID_BYTES], int64_t now,
                                    int64_t expires_at);
/* The token with this hash; STORE_NOT_FOUND when none. */
StoreStatus store_desk_token_get(StoreConn *c, const unsigned char hash[VAULT_ID_BYTES],
                                 DeskTokenRow *out);
StoreStatus store_desk_token_used(StoreConn *c, int64_t token_id, int64_t now);

/* The platform's live account into out; STORE_NOT_FOUND when it has none. */
StoreStatus store_desk_account_live(StoreConn *c, const char *platform, DeskAccountRow *out);

typedef struct DeskNoticeRow {
    int64_t id, target_id, sent_at, acked_at;
    char route[32];
    Buf sealed; /* owned by the row while a callback runs */
} DeskNoticeRow;

StoreStatus store_desk_notice_insert(StoreConn *c, int64_t notice_id, int64_t account_id,
                                     int64_t target_id, const char *route, int64_t sent_at,
                                     const Buf *sealed);
/* The account's notices with no decision yet, after the id `after`, oldest first, at most
 * limit. */
StoreStatus store_desk_notices(StoreConn *c, int64_t account_id, int64_t after, int limit,
                               void (*cb)(void *arg, const DeskNoticeRow *r), void *arg);

#endif
