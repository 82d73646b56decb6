/* Encrypted fields as JSON or text: the vault's field encryption with the (de)serialising every
 * module that stores case content needs. Plaintext copies are wiped after use. */
#ifndef TAKEDOWN_SEALED_H
#define TAKEDOWN_SEALED_H

#include "buf.h"

#include <jansson.h>
#include <stdint.h>

/* Decrypts a field of table/column/row (any JSON value, as sealed_json wrote it); NULL when it
 * does not open. */
json_t *sealed_open_json(const unsigned char *key, const char *table, const char *column,
                         const char *row, const Buf *ct);
/* The decrypted text (owned by the caller), or NULL. */
char *sealed_open_text(const unsigned char *key, const char *table, const char *column,
                       const char *row, const Buf *ct);
/* The same two for a row named by its integer id (its decimal text names the row). */
json_t *sealed_open_json_id(const unsigned char *key, const char *table, const char *column,
                            int64_t id, const Buf *ct);
char *sealed_open_text_id(const unsigned char *key, const char *table, const char *column,
                          int64_t id, const Buf *ct);
/* Encrypts into out (replacing what it held). */
void sealed_text(const unsigned char *key, const char *table, const char *column, const char *row,
                 const char *text, Buf *out);
void sealed_json(const unsigned char *key, const char *table, const char *column, const char *row,
                 const json_t *v, Buf *out);

/* The same for a field sealed to the org public key (vault_org_field_seal): written when only that
 * key is at hand (what a platform's desk answers), opened with the org keypair. */
void sealed_org_json(const unsigned char *org_pk, const char *table, const char *column, int64_t id,
                     const json_t *v, Buf *out);
json_t *sealed_org_open_json(const unsigned char *org_pk, const unsigned char *org_sk,
                             const char *table, const char *column, int64_t id, const Buf *ct);

#endif
