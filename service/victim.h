/* What a victim can do with a receipt: sign in, see the case in plain language, add copies, talk
 * with the caseworker, withdraw, erase. No HTTP here. */
#ifndef TAKEDOWN_VICTIM_H
#define TAKEDOWN_VICTIM_H

#include "session.h"

#include <jansson.h>
#include <stdint.h>

/* A case's status in victim_view's "state": open while any copy needs work, closed, withdrawn. */
#define VICTIM_CASE_OPEN "open"
#define VICTIM_CASE_CLOSED "closed"
#define VICTIM_CASE_WITHDRAWN "withdrawn"

typedef enum VictimResult {
    VICTIM_OK = 0,
    VICTIM_BAD_RECEIPT, /* unknown, erased, or mistyped: never says which */
    VICTIM_CONFLICT,    /* already withdrawn */
    VICTIM_BUSY,
    VICTIM_ERROR,
    VICTIM_UNAVAILABLE, /* the disk refused the write (full or failing): nothing was kept */
} VictimResult;

/* One Argon2id; on success a victim session. */
VictimResult victim_sign_in(const char *typed, int64_t now, char cookie[SESSION_COOKIE_MAX],
                            char csrf[65]);
/* The case as the victim sees it: {case, state, withdrawn, purge_after, targets[{id, kind,
 * platform, state, label, due_at, created_at}], messages[{author, at, body}], screenshots}. */
VictimResult victim_view(const Session *s, json_t **out);
/* How many copies the case has and whether it was withdrawn (nothing decrypted). */
VictimResult victim_case_facts(const Session *s, size_t *targets, int *withdrawn);
/* Why a message body is refused ("required", "too_long", "invalid"), or NULL. */
const char *victim_message_problem(const char *body);
VictimResult victim_add_message(const Session *s, const char *body, int64_t now);
VictimResult victim_withdraw(const Session *s, int64_t now);
VictimResult victim_erase(const Session *s, int64_t now);

#endif
