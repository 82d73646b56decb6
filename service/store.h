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
    /* The disk refused the write (SQLITE_FULL, SQLITE_IOERR: full, or failing): nothing of the
     * transaction was kept, and the caller answers 503 until space or the disk comes back. */
    STORE_UNAVAILABLE,
} StoreStatus;

typedef struct StoreConn StoreConn;

#define CASE_ID_LEN 20 /* hex characters of a public case reference */

/* Creates the data directory if needed (mode 0700), checks it is writable, opens the database
 * and applies pending migrations. Returns 0, or -1 after writing one line saying why to err. */
int store_open(const char *data_dir, char *err, size_t err_size);
/* The file that marks a benchmark data dir: written only by the benchmark's generator
 * (tests/bench/fill.c), never by takedownctl init or scripts/run. takedownd accepts
 * --bench-receipt-kdf-min only in a dir that has it. */
#define STORE_BENCH_MARKER "BENCHMARK-DATA"
/* 1 when dir holds the benchmark marker (a regular file), else 0. */
int store_benchmark_dir(const char *dir);
/* Writes the benchmark marker into dir (mode 0600); 0 or -1 (errno set). */
int store_benchmark_mark(const char *dir);
/* The database store_open opens instead of SQLite under the data dir: a PostgreSQL URL
 * ("postgresql://..." or "postgres://..."; libpq's multi-host and target_session_attrs work), or
 * NULL for SQLite again. Before store_open; -1 for any other URL. */
int store_set_database(const char *url);
/* 1 when the store is PostgreSQL's. */
int store_is_postgresql(void);
/* Closes this thread's connection and forgets the path (at shutdown). */
void store_close(void);
/* The data directory given to store_open. */
const char *store_data_dir(void);

/* This thread's connection, opened on first use; NULL if it cannot be opened. */
StoreConn *store_conn(void);
/* Closes this thread's connection (threads that end call it via a key destructor anyway). */
void store_conn_release(void);

/* 1 when this thread has a connection to the database, or can make one now; 0 while PostgreSQL
 * is out of reach (new connections are tried at most every few seconds). SQLite: always 1. */
int store_reachable(void);
/* 1 when this node does the background work (store_lead_changed tells when that began): on SQLite
 * always; on PostgreSQL, where several nodes may share the database, while this node holds the
 * background work's advisory lock, which this call takes when nobody holds it. The lock lives on a
 * connection of its own: PostgreSQL lets go of it when that connection ends (the process killed:
 * at once), and another node's next call takes it over. 0 while the database is out of reach. */
int store_lead(void);
/* 1 while this node holds it (for /metrics; no round trip). */
int store_leading(void);
/* STORE_OK when the database answers and is the file we opened (not removed or replaced). */
StoreStatus store_health(void);
/* The schema version after migrations (PRAGMA user_version). */
int store_schema_version(void);

/* Runs fn as one write transaction and returns once it is durably committed or rolled back:
 * rolled back when fn returns anything but STORE_OK, retried whole (fn runs again) when the
 * database stays busy. Transactions from several threads are committed together (store_tx.c), so
 * fn may run on another thread's connection: it must use the c it is given and nothing
 * thread-local. Called from inside fn, it nests as a savepoint. */
typedef StoreStatus (*StoreTxFn)(StoreConn *c, void *arg);
StoreStatus store_tx(StoreTxFn fn, void *arg);
/* The same for a transaction that changes much of the database (the org key's rotation): it
 * commits in a group of its own, without a savepoint, whose undo copy of every page it changes
 * would be held in memory. When any transaction of a group is busy, every one of the group runs
 * again: fn must start from its arguments each time. */
StoreStatus store_tx_alone(StoreTxFn fn, void *arg);
/* The writer's log pages after which a checkpoint is asked for (SQLite's own default). */
#define STORE_WAL_PAGES 1000
/* takedownd: checkpoints leave the commit path, where they made every transaction of a group wait
 * for pages to be copied into the database. Each time STORE_WAL_PAGES more pages reach the
 * writer's log, ask() is called (not again until store_checkpoint_passive ran; again at the next
 * commit if it returns nonzero) and is to run store_checkpoint_passive on another thread. If ten
 * times that many pages come without it having run, the writer checkpoints after its commit. Call
 * before the first store_tx. Without it the writer checkpoints after its commits as SQLite does by
 * default. */
void store_checkpoint_elsewhere(int (*ask)(void));
/* A PASSIVE checkpoint on this thread's connection: copies what it can without waiting for a
 * writer or reader; 0 or -1. */
int store_checkpoint_passive(void);
/* Group commits so far, the transactions they held, and the CPU time (user and system) their
 * leaders spent running them; the wait for the disk is not CPU time (for /metrics). */
void store_tx_counts(int64_t *groups, int64_t *transactions, int64_t *writer_ns);
/* Pages the writer's commits wrote to the log since start (for /metrics). */
int64_t store_wal_frames_total(void);
/* How long write transactions took, from asking to committed: the wait for the writer and the
 * disk included (for /metrics). */
struct Histogram;
const struct Histogram *store_tx_latency(void);
/* Called once when an existing database (schema from, at least 1) is about to be migrated to
 * schema to, on the opening thread, the store readable (a backup): 0 to go on; anything else and
 * nothing is migrated and the store does not open. */
typedef int (*StoreBeforeUpgrade)(void *arg, const char *data_dir, int from, int to);
void store_before_upgrade(StoreBeforeUpgrade fn, void *arg);
/* Open copies whose clock ran out at now (due time set and passed), for /metrics. */
StoreStatus store_overdue_count(StoreConn *c, int64_t now, int64_t *n);
/* Transactions waiting for the one being written to commit (tests watch groups form). */
int store_tx_queued(void);
/* Transactions ever queued (tests: unlike store_tx_queued, it never goes down). */
int64_t store_tx_enqueued_total(void);
/* The benchmark's generator only (tests/bench/fill.c), outside a transaction: relaxed 1 turns this
 * thread's connection to synchronous=OFF, so a commit does not wait for the disk (an OS crash or
 * power loss during the fill can lose or corrupt the benchmark data dir; a crash of the program
 * cannot), foreign-key checks off (the generator refers only to rows it has just written or read),
 * a 256 MiB page cache and temporary data in memory (the statement journals the queue triggers
 * need went to a temporary file, four kilobytes at a time); 0 restores synchronous=FULL, the
 * checks, the default cache and temp_store. STORE_OK or STORE_ERROR. */
StoreStatus store_fill_durability(int relaxed);
/* One read transaction for a request's reads on this thread's connection: a snapshot taken at
 * its first read, instead of one per statement (each a lock and unlock of the log's shared memory,
 * a check of its header and, after any commit, a re-read of the pages it changed). Ended by
 * store_read_end, and before anything that writes from this thread: a write on this connection,
 * and store_tx (so a request reads its own writes). Nothing happens when a transaction is open. */
void store_read_begin(void);
/* Ends it: 0, or -1 when the connection had written inside it, which is rolled back (only a bug
 * could, as writes end the read transaction first). */
int store_read_end(void);
/* 1 when this thread's connection has no open transaction (checked after every request). */
int store_idle(void);
/* Called as pages are copied: done of total. */
typedef void (*StoreBackupProgress)(void *arg, int done, int total);
/* Copies the open database into dst_path, an empty file the caller created (mode 0600), from one
 * read snapshot, and empties the sessions table of the copy (secure_delete on). 0 or -1. */
int store_backup_copy(const char *dst_path, StoreBackupProgress fn, void *arg);
/* Calls fn with the id of every screenshot file a database copy names. 0 or -1. */
typedef void (*StoreFileIdFn)(void *arg, const char *file_id);
int store_backup_files(const char *path, StoreFileIdFn fn, void *arg);
/* 0 when path is a takedown database this program can open (org keys and staff present, schema
 * not newer than ours, no sessions), -1 otherwise. */
int store_backup_check(const char *path);
/* What store_check found in a database, read from one snapshot. */
typedef struct StoreCheck {
    char integrity[256];           /* "ok", or the first problem PRAGMA integrity_check named */
    int64_t integrity_problems;    /* rows integrity_check gave that are not "ok" */
    int64_t foreign_key_problems;  /* rows of PRAGMA foreign_key_check */
    int64_t cases_without_targets; /* a case is filed with its copies in one transaction */
    int64_t audit_rows, audit_bad; /* store_audit_verify: entries, and the first broken one or 0 */
} StoreCheck;
/* On PostgreSQL (store_set_database) path is not read: the database is checked from one read-only
 * snapshot, without its integrity and foreign-key lines (the server checks both as it writes).
 * Checks the database at path, opened read-only (nothing written, no migration; takedownd may be
 * running): integrity, foreign keys, every case with its copies, the audit chain; calls fn with
 * the id of every screenshot file it names. 0, or -1 when the database cannot be read at all. */
int store_check(const char *path, StoreCheck *out, StoreFileIdFn fn, void *arg);

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
/* Moves the WAL into the database and truncates it, so erased rows leave no old page behind
 * (secure_delete has zeroed them in the pages written back). Retries a few times for a short
 * while; 0 when the log is empty on disk, -1 when a reader still holds old pages (try later). */
int store_checkpoint(void);
/* ---- test-only I/O faults (store_fault.c): takedownd --debug-routes, POST /debug/io-fault ---- */
typedef enum StoreFault {
    STORE_FAULT_NONE = 0,
    STORE_FAULT_WRITE, /* every write of a database file fails: SQLITE_IOERR_WRITE (EIO) */
    STORE_FAULT_FULL,  /* every write fails as on a full disk: SQLITE_FULL (ENOSPC) */
    STORE_FAULT_SYNC,  /* every fsync fails: SQLITE_IOERR_FSYNC */
} StoreFault;
/* Registers a VFS that wraps the default one and fails writes or syncs on command, as the default
 * for every connection opened after it. Before store_open; never outside the tests. 0 or -1. */
int store_fault_install(void);
/* Sets the fault: the next `after` writes (or syncs) still pass, then each fails until the fault
 * is set again (STORE_FAULT_NONE clears it). -1 when store_fault_install has not run. */
int store_fault_set(StoreFault mode, int64_t after);
/* Writes or syncs failed since the fault was last set. */
int64_t store_fault_hits(void);

/* Rolls back a transaction left open by mistake. */
void store_rollback_stray(void);

#endif
