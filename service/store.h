/* The store: the only module with SQL. SQLite in WAL mode, synchronous=FULL, foreign keys,
 * secure_delete, a busy timeout; one connection per thread, statements prepared once per
 * connection; numbered migrations from schema/ applied at start. Domain queries live in
 * store_<area>.c files beside this one, one function per query. */
#ifndef TAKEDOWN_STORE_H
#define TAKEDOWN_STORE_H

#include <stddef.h>
#include <stdint.h>

typedef enum StoreStatus {
    STORE_OK = 0,
    STORE_NOT_FOUND, /* no such row */
    STORE_CONFLICT,  /* a uniqueness or state check refused the change */
    STORE_BUSY,      /* still locked after retries: the caller may answer 503 */
    STORE_ERROR,     /* anything else: logged with the function name */
} StoreStatus;

typedef struct StoreConn StoreConn;

/* Creates the data directory if needed (mode 0700), checks it is writable, opens the database
 * and applies pending migrations. Returns 0, or -1 after writing one line saying why to err. */
int store_open(const char *data_dir, char *err, size_t err_size);
/* Closes this thread's connection and forgets the path (at shutdown). */
void store_close(void);
/* The data directory given to store_open. */
const char *store_data_dir(void);

/* This thread's connection, opened on first use; NULL if it cannot be opened. */
StoreConn *store_conn(void);
/* Closes this thread's connection (threads that end call it via a key destructor anyway). */
void store_conn_release(void);

/* STORE_OK when the database answers and is the file we opened (not removed or replaced). */
StoreStatus store_health(void);
/* The schema version after migrations (PRAGMA user_version). */
int store_schema_version(void);

/* Runs fn inside BEGIN IMMEDIATE .. COMMIT, retrying the whole transaction on SQLITE_BUSY a few
 * times; rolls back when fn returns anything but STORE_OK. */
typedef StoreStatus (*StoreTxFn)(StoreConn *c, void *arg);
StoreStatus store_tx(StoreTxFn fn, void *arg);
/* 1 when this thread's connection has no open transaction (checked after every request). */
int store_idle(void);
/* Writes a consistent copy of the open database to path (VACUUM INTO). 0 or -1. */
int store_backup(const char *path);
/* Checks that path is a takedown database (schema and org keys present) and copies it into
 * data_dir as the database, removing any WAL. Run with takedownd stopped. 0 or -1. */
int store_restore(const char *path, const char *data_dir);
/* Encrypted columns whose ciphertext is bound to the row id, so they are written just after the
 * row is inserted. */
typedef enum StoreSealed {
    SEALED_TARGET_BODY,
    SEALED_MESSAGE_BODY,
    SEALED_NOTE_BODY,
    SEALED_NOTICE_BODY,
    SEALED_VISIT_BODY,
    SEALED_EVENT_BODY,
    SEALED_INCIDENT_LABEL,
    SEALED_FINGERPRINT_BODY,
} StoreSealed;
/* Sets that column of row id; STORE_NOT_FOUND when there is no such row. */
StoreStatus store_set_sealed(StoreConn *c, StoreSealed which, int64_t id, const void *ct, size_t n);
/* Moves the WAL into the database and truncates it, so erased rows leave no old page behind. */
void store_checkpoint(void);
/* Rolls back a transaction left open by mistake. */
void store_rollback_stray(void);

#endif
