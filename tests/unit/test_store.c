/* The store on a temporary data directory: opening and migrations, refusal to open under a file,
 * transactions (commit, rollback, retries, idle), the audit chain and its tamper detection,
 * guarded state changes, and erasing a case with everything of it. A second, raw SQLite
 * connection looks at the file the way an outsider would. */
#include "store.h"
#include "store_case.h"
#include "store_log.h"
#include "store_registry.h"
#include "store_internal.h"
#include "store_staff.h"
#include "store_target.h"
#include "vault.h"

#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include "remove_tree.h"
#include <dirent.h>
#include <pthread.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOW 1741600000
/* Waits for another thread poll every 5 ms, 60 s at most: the bound only turns a hang into a
 * failure, it is no speed the machine must reach. */
#define WAIT_STEPS 12000

static char base_dir[256]; /* mkdtemp: removed at the end */
static char data_dir[512]; /* base_dir/data/store: created by store_open */
static char db_file[600];

static int setup(void **state)
{
    (void)state;
    if (vault_init() != 0)
        return -1;
    snprintf(base_dir, sizeof base_dir, "/tmp/takedown-store-XXXXXX");
    if (!mkdtemp(base_dir))
        return -1;
    snprintf(data_dir, sizeof data_dir, "%s/data/store", base_dir);
    snprintf(db_file, sizeof db_file, "%s/takedown.db", data_dir);
    char err[256];
    /* Under every connection of this program, as under takedownd --debug-routes: a pass-through
     * until a test sets a fault. */
    if (store_fault_install() != 0 || store_open(data_dir, err, sizeof err) != 0) {
        fprintf(stderr, "store_open: %s\n", err);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    store_close();
    remove_tree(base_dir);
    return 0;
}

/* ---- a raw look at the file ---- */

#include "raw_db.h"

/* The single integer a query returns; ?1 is bound to arg when arg is not NULL. */
/* ---- rows ---- */

static StoreStatus insert_case(StoreConn *c, const char *id, unsigned char lookup_byte)
{
    CaseRow r;
    memset(&r, 0, sizeof r);
    snprintf(r.id, sizeof r.id, "%s", id);
    snprintf(r.channel, sizeof r.channel, "web");
    snprintf(r.requester_role, sizeof r.requester_role, "self");
    snprintf(r.language, sizeof r.language, "zh-CN");
    snprintf(r.incident_type, sizeof r.incident_type, "crime");
    r.created_at = NOW;
    memset(r.receipt_lookup, lookup_byte, sizeof r.receipt_lookup);
    buf_puts(&r.sealed_key, "sealed");
    buf_puts(&r.receipt_wrap, "wrap");
    buf_puts(&r.body, "body");
    StoreStatus s = store_case_insert(c, &r);
    case_row_free(&r);
    return s;
}

#define CASE_A "aaaaaaaaaaaaaaaaaaaa"
#define CASE_B "bbbbbbbbbbbbbbbbbbbb"
#define CASE_C "cccccccccccccccccccc"

/* ---- opening ---- */

/* The number of NNNN_name.sql files in the source tree's schema/ directory. */
static int schema_files(void)
{
    char root[512];
    snprintf(root, sizeof root, "%s", __FILE__);
    char *at = strstr(root, "tests/unit/");
    assert_non_null(at);
    snprintf(at, sizeof root - (size_t)(at - root), "schema");
    DIR *d = opendir(root);
    if (!d) {
        fail_msg("cannot read %s", root);
        return 0;
    }
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len > 9 && strspn(e->d_name, "0123456789") == 4 && e->d_name[4] == '_' &&
            strcmp(e->d_name + len - 4, ".sql") == 0)
            n++;
    }
    closedir(d);
    return n;
}

static void test_open_creates_and_migrates(void **state)
{
    (void)state;
    struct stat st;
    assert_int_equal(stat(data_dir, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_int_equal(stat(db_file, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_string_equal(store_data_dir(), data_dir);

    int files = schema_files();
    assert_true(files >= 1);
    assert_int_equal(store_schema_version(), files);
    assert_int_equal(raw_int("PRAGMA user_version", NULL), files);
    /* The last migration's tables exist. */
    assert_int_equal(raw_int("SELECT count(*) FROM sqlite_schema WHERE name IN "
                             "('meta', 'org', 'staff', 'audit', 'cases', 'targets', 'files')",
                             NULL),
                     7);
    assert_int_equal(store_health(), STORE_OK);

    /* Opening again applies nothing twice and keeps the version. */
    store_close();
    char err[256] = "";
    assert_int_equal(store_open(data_dir, err, sizeof err), 0);
    assert_int_equal(store_schema_version(), files);
    assert_int_equal(raw_int("SELECT count(*) FROM meta WHERE key = 'created_at'", NULL), 1);
    assert_int_equal(store_health(), STORE_OK);
}

static void test_open_under_a_file_fails(void **state)
{
    (void)state;
    char file[600], under[700];
    snprintf(file, sizeof file, "%s/plain-file", base_dir);
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fputs("x", f);
    fclose(f);
    snprintf(under, sizeof under, "%s/sub", file);
    char err[1024] = "";
    assert_int_equal(store_open(under, err, sizeof err), -1);
    assert_non_null(strstr(err, "cannot create data directory"));
    assert_non_null(strstr(err, under));
    /* The file itself is not a directory either. */
    err[0] = '\0';
    assert_int_equal(store_open(file, err, sizeof err), -1);
    assert_true(err[0] != '\0');
    unlink(file);
}

/* ---- transactions ---- */

typedef struct TxProbe {
    const char *id;
    unsigned char lookup;
    StoreStatus ret; /* what fn returns after the insert */
    int calls;
    int idle_inside;
} TxProbe;

static StoreStatus tx_insert(StoreConn *c, void *arg)
{
    TxProbe *p = arg;
    p->calls++;
    p->idle_inside = store_idle();
    StoreStatus s = insert_case(c, p->id, p->lookup);
    return s != STORE_OK ? s : p->ret;
}

static void test_tx_commit_and_rollback(void **state)
{
    (void)state;
    const char *count = "SELECT count(*) FROM cases WHERE id = ?1";
    assert_true(store_idle());
    TxProbe ok = {"1000000000000000000a", 0x10, STORE_OK, 0, -1};
    assert_int_equal(store_tx(tx_insert, &ok), STORE_OK);
    assert_int_equal(ok.calls, 1);
    assert_int_equal(ok.idle_inside, 0);
    assert_true(store_idle());
    assert_int_equal(raw_int(count, ok.id), 1);

    /* Anything but STORE_OK rolls back: the row inserted inside is gone. */
    static const StoreStatus refusals[] = {STORE_CONFLICT, STORE_NOT_FOUND, STORE_ERROR};
    for (size_t i = 0; i < 3; i++) {
        TxProbe no = {"1000000000000000000b", 0x11, refusals[i], 0, -1};
        assert_int_equal(store_tx(tx_insert, &no), refusals[i]);
        assert_int_equal(no.calls, 1);
        assert_true(store_idle());
        assert_int_equal(raw_int(count, no.id), 0);
        CaseRow r;
        memset(&r, 0, sizeof r);
        assert_int_equal(store_case_get(store_conn(), no.id, &r), STORE_NOT_FOUND);
    }

    /* STORE_BUSY: the whole transaction is retried, then given up, never half applied. */
    TxProbe busy = {"1000000000000000000c", 0x12, STORE_BUSY, 0, -1};
    assert_int_equal(store_tx(tx_insert, &busy), STORE_BUSY);
    assert_true(busy.calls > 1);
    assert_true(store_idle());
    assert_int_equal(raw_int(count, busy.id), 0);

    /* A uniqueness violation is a conflict, and the first row stays as it was. */
    TxProbe dup = {ok.id, 0x13, STORE_OK, 0, -1};
    assert_int_equal(store_tx(tx_insert, &dup), STORE_CONFLICT);
    TxProbe dup_lookup = {"1000000000000000000d", 0x10, STORE_OK, 0, -1};
    assert_int_equal(store_tx(tx_insert, &dup_lookup), STORE_CONFLICT);
    assert_int_equal(raw_int(count, dup_lookup.id), 0);
    assert_int_equal(raw_int("SELECT count(*) FROM cases WHERE id LIKE '1000%'", NULL), 1);
}

/* ---- a request's read transaction ---- */

/* store_tx(tx_insert) on a thread of its own, as another request would. */
static void *tx_elsewhere(void *arg)
{
    store_tx(tx_insert, arg);
    store_conn_release();
    return NULL;
}

static void test_read_transaction(void **state)
{
    (void)state;
    const char *meta = "SELECT count(*) FROM meta WHERE key = ?1";
    CaseRow r;
    memset(&r, 0, sizeof r);
    TxProbe first = {"2000000000000000000a", 0x90, STORE_OK, 0, -1};
    assert_int_equal(store_tx(tx_insert, &first), STORE_OK);
    assert_int_equal(store_read_end(), 0); /* none open: nothing to do */

    /* Reads inside see one snapshot: a case another connection adds is not there yet. */
    store_read_begin();
    assert_int_equal(store_case_get(store_conn(), first.id, &r), STORE_OK);
    case_row_free(&r);
    assert_false(store_idle());
    TxProbe other = {"2000000000000000000b", 0x91, STORE_OK, 0, -1};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, tx_elsewhere, &other), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(other.calls, 1);
    assert_int_equal(raw_int("SELECT count(*) FROM cases WHERE id = ?1", other.id), 1);
    assert_int_equal(store_case_get(store_conn(), other.id, &r), STORE_NOT_FOUND);

    /* A write of this thread's own ends the snapshot and commits at once, not at the end. */
    assert_int_equal(store_meta_set(store_conn(), "zz_read_tx", "1"), STORE_OK);
    assert_int_equal(raw_int(meta, "zz_read_tx"), 1);
    assert_true(store_idle());
    assert_int_equal(store_case_get(store_conn(), other.id, &r), STORE_OK);
    case_row_free(&r);
    assert_int_equal(store_read_end(), 0);

    /* A transaction ends it too: what the request wrote is what it reads next. */
    store_read_begin();
    assert_int_equal(store_case_get(store_conn(), first.id, &r), STORE_OK);
    case_row_free(&r);
    TxProbe mine = {"2000000000000000000c", 0x92, STORE_OK, 0, -1};
    assert_int_equal(store_tx(tx_insert, &mine), STORE_OK);
    assert_true(store_idle());
    assert_int_equal(store_case_get(store_conn(), mine.id, &r), STORE_OK);
    case_row_free(&r);
    assert_int_equal(store_read_end(), 0);

    /* A write that slipped inside it (only a bug could: every helper ends it first) is rolled
     * back and reported, never committed with the read. */
    store_read_begin();
    assert_int_equal(store_case_get(store_conn(), first.id, &r), STORE_OK);
    case_row_free(&r);
    assert_int_equal(sqlite3_exec(store_conn()->db,
                                  "INSERT INTO meta (key, value) VALUES ('zz_stray', '1')", NULL,
                                  NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(store_read_end(), -1);
    assert_true(store_idle());
    assert_int_equal(raw_int(meta, "zz_stray"), 0);
}

/* ---- group commit ---- */

/* One thread's transaction: inserts its case, then returns ret; the first one (hold set) waits
 * inside its transaction until `hold` others are queued behind it, so they must form one group. */
typedef struct GroupTx {
    const char *id;
    unsigned char lookup;
    StoreStatus ret, got;
    int hold;
    int nested;  /* also runs a nested store_tx that fails: its insert must vanish alone */
    int ends_tx; /* ends the whole SQLite transaction under the group, as a full disk can */
    int alone;   /* through store_tx_alone */
    atomic_int entered;
    int faults_commit; /* sets a write fault from inside: the group's commit fails, as on a full
                          disk */
} GroupTx;

static StoreStatus tx_nested_refused(StoreConn *c, void *arg)
{
    StoreStatus s = insert_case(c, arg, 0x2f);
    return s != STORE_OK ? s : STORE_CONFLICT;
}

static StoreStatus tx_group(StoreConn *c, void *arg)
{
    GroupTx *g = arg;
    atomic_store(&g->entered, 1);
    /* Bounded (WAIT_STEPS): the test fails below if the others never queued. */
    for (int i = 0; g->hold && store_tx_queued() < g->hold && i < WAIT_STEPS; i++)
        store_sleep_ms(5);
    StoreStatus s = insert_case(c, g->id, g->lookup);
    if (s == STORE_OK && g->ends_tx)
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    if (s == STORE_OK && g->faults_commit)
        store_fault_set(STORE_FAULT_FULL, 0);
    if (s == STORE_OK && g->nested)
        s = store_tx(tx_nested_refused, "1200000000000000000f") == STORE_CONFLICT ? STORE_OK
                                                                                  : STORE_ERROR;
    return s != STORE_OK ? s : g->ret;
}

static void *group_thread(void *arg)
{
    GroupTx *g = arg;
    g->got = g->alone ? store_tx_alone(tx_group, g) : store_tx(tx_group, g);
    store_conn_release();
    return NULL;
}

/* Starts first's transaction, and once it runs (holding the writer until first.hold others have
 * queued) the n others one after another, each queued before the next starts; then waits for all.
 * Every wait is bounded (WAIT_STEPS) and then fails the test, never passes it. */
static void run_behind_first(GroupTx *first, GroupTx *rest, int n)
{
    pthread_t t[8];
    assert_true(n < 8);
    assert_int_equal(pthread_create(&t[0], NULL, group_thread, first), 0);
    for (int i = 0; i < WAIT_STEPS && !atomic_load(&first->entered); i++)
        store_sleep_ms(5);
    assert_true(atomic_load(&first->entered));
    /* Counted by a total that never goes down: once the last has queued, first lets go and the
     * queue may empty at once. */
    int64_t base = store_tx_enqueued_total();
    for (int i = 0; i < n; i++) {
        assert_int_equal(pthread_create(&t[i + 1], NULL, group_thread, &rest[i]), 0);
        for (int k = 0; k < WAIT_STEPS && store_tx_enqueued_total() < base + i + 1; k++)
            store_sleep_ms(5);
        assert_int_equal(store_tx_enqueued_total(), base + i + 1);
    }
    for (int i = 0; i <= n; i++)
        pthread_join(t[i], NULL);
}

static void test_tx_group_commit(void **state)
{
    (void)state;
    int64_t groups0, txs0, groups1, txs1, cpu0, cpu1;
    int64_t pages0 = store_wal_frames_total();
    store_tx_counts(&groups0, &txs0, &cpu0);
    GroupTx first = {"1200000000000000000a", 0x20, STORE_OK, -1, 3, 0, 0, 0, 0, 0};
    GroupTx rest[3] = {
        {"1200000000000000000b", 0x21, STORE_OK, -1, 0, 1, 0, 0, 0, 0},
        /* refused: rolls back alone */
        {"1200000000000000000c", 0x22, STORE_CONFLICT, -1, 0, 0, 0, 0, 0, 0},
        {"1200000000000000000d", 0x23, STORE_OK, -1, 0, 0, 0, 0, 0, 0},
    };
    run_behind_first(&first, rest, 3);
    assert_int_equal(first.got, STORE_OK);
    assert_int_equal(rest[0].got, STORE_OK);
    assert_int_equal(rest[1].got, STORE_CONFLICT);
    assert_int_equal(rest[2].got, STORE_OK);
    assert_int_equal(raw_int("SELECT count(*) FROM cases WHERE id = ?1", first.id), 1);
    assert_int_equal(raw_int("SELECT count(*) FROM cases WHERE id = ?1", rest[0].id), 1);
    assert_int_equal(raw_int("SELECT count(*) FROM cases WHERE id = ?1", rest[1].id), 0);
    assert_int_equal(raw_int("SELECT count(*) FROM cases WHERE id = ?1", rest[2].id), 1);
    assert_int_equal(raw_int("SELECT count(*) FROM cases WHERE id = '1200000000000000000f'", NULL),
                     0);
    /* Four transactions, two commits: the first alone, the three that queued behind it together. */
    store_tx_counts(&groups1, &txs1, &cpu1);
    assert_int_equal(txs1 - txs0, 4);
    assert_int_equal(groups1 - groups0, 2);
    /* The two commits wrote pages to the log, and their leaders spent CPU time on them. */
    assert_true(store_wal_frames_total() > pages0);
    assert_true(cpu1 > cpu0);
    assert_true(store_idle());
}

/* A transaction run alone is never grouped: those queued before it commit without it, those after
 * it in a group of their own. */
static void test_tx_alone(void **state)
{
    (void)state;
    int64_t groups0, txs0, groups1, txs1, cpu;
    store_tx_counts(&groups0, &txs0, &cpu);
    GroupTx first = {"1400000000000000000a", 0x40, STORE_OK, -1, 3, 0, 0, 0, 0, 0};
    GroupTx rest[3] = {
        {"1400000000000000000b", 0x41, STORE_OK, -1, 0, 0, 0, 0, 0, 0},
        {"1400000000000000000c", 0x42, STORE_OK, -1, 0, 0, 0, 1, 0, 0},
        {"1400000000000000000d", 0x43, STORE_OK, -1, 0, 0, 0, 0, 0, 0},
    };
    run_behind_first(&first, rest, 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(rest[i].got, STORE_OK);
    assert_int_equal(raw_int("SELECT count(*) FROM cases WHERE id LIKE '14%'", NULL), 4);
    store_tx_counts(&groups1, &txs1, &cpu);
    assert_int_equal(txs1 - txs0, 4);
    assert_int_equal(groups1 - groups0, 4); /* first; b; c alone; d */
}

/* A transaction that takes the whole SQLite transaction down with it (a full disk, an I/O error)
 * leaves nothing of its group, and every one of the group hears of the failure. */
static void test_tx_group_lost(void **state)
{
    (void)state;
    GroupTx first = {"1300000000000000000a", 0x30, STORE_OK, -1, 2, 0, 0, 0, 0, 0};
    GroupTx rest[2] = {
        {"1300000000000000000b", 0x31, STORE_OK, -1, 0, 0, 0, 0, 0, 0},
        {"1300000000000000000c", 0x32, STORE_OK, -1, 0, 0, 1, 0, 0, 0},
    };
    run_behind_first(&first, rest, 2); /* the one that ends the transaction second */
    assert_int_equal(first.got, STORE_OK);
    assert_int_equal(rest[0].got, STORE_ERROR);
    assert_int_equal(rest[1].got, STORE_ERROR);
    assert_int_equal(raw_int("SELECT count(*) FROM cases WHERE id = ?1", first.id), 1);
    assert_int_equal(
        raw_int("SELECT count(*) FROM cases WHERE id LIKE '13%' AND id != ?1", first.id), 0);
    assert_true(store_idle());
}

/* ---- a disk that refuses (the test VFS of store_fault.c) ---- */

/* A write (or sync) the disk refuses fails the transaction with STORE_UNAVAILABLE, never a
 * retry, and leaves nothing of it; the next one commits as soon as the fault is gone, on the same
 * connections, and the file stays whole. */
static void test_tx_disk_refused(void **state)
{
    (void)state;
    static const struct {
        StoreFault mode;
        int64_t after;
        const char *id;
    } faults[] = {
        {STORE_FAULT_FULL, 0, "1500000000000000000a"},
        {STORE_FAULT_WRITE, 0, "1500000000000000000b"},
        {STORE_FAULT_SYNC, 0, "1500000000000000000c"},
        {STORE_FAULT_WRITE, 1, "1500000000000000000d"},
        {STORE_FAULT_WRITE, 2, "1500000000000000000e"},
    };
    const char *count = "SELECT count(*) FROM cases WHERE id = ?1";
    for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++) {
        TxProbe p = {faults[i].id, (unsigned char)(0x50 + i), STORE_OK, 0, -1};
        assert_int_equal(store_fault_set(faults[i].mode, faults[i].after), 0);
        assert_int_equal(store_tx(tx_insert, &p), STORE_UNAVAILABLE);
        assert_true(store_fault_hits() > 0); /* the fault was met, not some other failure */
        assert_int_equal(p.calls, 1);        /* not retried as if busy */
        assert_int_equal(store_fault_set(STORE_FAULT_NONE, 0), 0);
        assert_true(store_idle());
        assert_int_equal(raw_int(count, p.id), 0);
        /* Recovered at once, no reopening. */
        char again[21];
        snprintf(again, sizeof again, "16%018zu", i);
        TxProbe ok = {again, (unsigned char)(0x60 + i), STORE_OK, 0, -1};
        assert_int_equal(store_tx(tx_insert, &ok), STORE_OK);
        assert_int_equal(raw_int(count, ok.id), 1);
        assert_int_equal(raw_int(count, p.id), 0);
    }
    assert_int_equal(
        raw_int("SELECT count(*) FROM pragma_integrity_check WHERE integrity_check != 'ok'", NULL),
        0);
}

/* A group whose commit the disk refuses: every transaction in it hears STORE_UNAVAILABLE (each
 * answers 503, none a 500), and none of them is kept. */
static void test_tx_group_disk_refused(void **state)
{
    (void)state;
    GroupTx first = {"1700000000000000000a", 0x70, STORE_OK, -1, 2, 0, 0, 0, 0, 1};
    GroupTx rest[2] = {
        {"1700000000000000000b", 0x71, STORE_OK, -1, 0, 0, 0, 0, 0, 0},
        {"1700000000000000000c", 0x72, STORE_OK, -1, 0, 0, 0, 0, 0, 0},
    };
    run_behind_first(&first, rest, 2);
    assert_int_equal(store_fault_set(STORE_FAULT_NONE, 0), 0);
    assert_int_equal(first.got, STORE_UNAVAILABLE);
    assert_int_equal(rest[0].got, STORE_UNAVAILABLE);
    assert_int_equal(rest[1].got, STORE_UNAVAILABLE);
    assert_int_equal(raw_int("SELECT count(*) FROM cases WHERE id LIKE '17%'", NULL), 0);
    TxProbe ok = {"1700000000000000000d", 0x73, STORE_OK, 0, -1};
    assert_int_equal(store_tx(tx_insert, &ok), STORE_OK);
    assert_int_equal(raw_int("SELECT count(*) FROM cases WHERE id LIKE '17%'", NULL), 1);
    assert_true(store_idle());
}

/* ---- audit ---- */

typedef struct AuditBatch {
    int first, n;
    StoreStatus ret; /* what the transaction returns after appending */
} AuditBatch;

static StoreStatus tx_audit(StoreConn *c, void *arg)
{
    AuditBatch *b = arg;
    for (int i = b->first; i < b->first + b->n; i++) {
        char detail[32];
        snprintf(detail, sizeof detail, "detail %d", i);
        StoreStatus s = store_audit_append(c, NOW + i, "staff:alice", "case.view", CASE_A, detail);
        if (s != STORE_OK)
            return s;
    }
    return b->ret;
}

static void verify(int64_t want_rows, int64_t want_bad)
{
    int64_t rows = -1, bad = -1;
    assert_int_equal(store_audit_verify(store_conn(), &rows, &bad), STORE_OK);
    if (rows != want_rows || bad != want_bad)
        fail_msg("verify: %lld rows, bad %lld; wanted %lld rows, bad %lld", (long long)rows,
                 (long long)bad, (long long)want_rows, (long long)want_bad);
}

static void test_audit_chain(void **state)
{
    (void)state;
    verify(0, 0); /* empty: intact */
    AuditBatch b = {1, 5, STORE_OK};
    assert_int_equal(store_tx(tx_audit, &b), STORE_OK);
    verify(5, 0);
    assert_int_equal(raw_int("SELECT count(*) FROM audit", NULL), 5);

    /* A changed detail in row 3 is found, at row 3. */
    raw_exec("UPDATE audit SET detail = 'detail 33' WHERE id = 3");
    verify(3, 3);
    raw_exec("UPDATE audit SET detail = 'detail 3' WHERE id = 3"); /* put back: intact again */
    verify(5, 0);
    /* Every column counts. */
    raw_exec("UPDATE audit SET actor = 'staff:bob' WHERE id = 5");
    verify(5, 5);
    raw_exec("UPDATE audit SET actor = 'staff:alice' WHERE id = 5");
    raw_exec("UPDATE audit SET at = at + 1 WHERE id = 2");
    verify(2, 2);
    raw_exec("UPDATE audit SET at = at - 1 WHERE id = 2");
    raw_exec("UPDATE audit SET subject = '' WHERE id = 1");
    verify(1, 1);
    raw_exec("UPDATE audit SET subject = '" CASE_A "' WHERE id = 1");
    verify(5, 0);
    /* A row appended in a rolled-back transaction leaves no trace; a committed one chains on. */
    b = (AuditBatch){6, 1, STORE_CONFLICT};
    assert_int_equal(store_tx(tx_audit, &b), STORE_CONFLICT);
    verify(5, 0);
    b = (AuditBatch){6, 1, STORE_OK};
    assert_int_equal(store_tx(tx_audit, &b), STORE_OK);
    verify(6, 0);
    /* A deleted row breaks the chain at the next one. */
    raw_exec("DELETE FROM audit WHERE id = 4");
    verify(4, 5);
}

/* ---- targets ---- */

typedef struct TargetTx {
    const char *case_id;
    unsigned char lookup;
    int64_t target;
    const char *from, *to;
} TargetTx;

static StoreStatus tx_case_with_target(StoreConn *c, void *arg)
{
    TargetTx *t = arg;
    StoreStatus s = insert_case(c, t->case_id, t->lookup);
    if (s != STORE_OK)
        return s;
    Buf body = {0};
    buf_puts(&body, "enc");
    s = store_target_insert(c, t->case_id, "online", "douyin", "reported", 0, &body, NOW,
                            &t->target);
    buf_free(&body);
    return s;
}

static StoreStatus tx_set_state(StoreConn *c, void *arg)
{
    TargetTx *t = arg;
    return store_target_set_state(c, t->target, t->from, t->to, NOW + 1);
}

/* A reset's new keys (or a new password) never land on an account disabled meanwhile: the disable
 * wins the race, whatever order the two transactions commit in. */
static void test_staff_keys_never_on_disabled(void **state)
{
    (void)state;
    StoreConn *c = store_conn();
    Buf wrap = {0}, seal = {0};
    buf_append(&wrap, "wrap", 4);
    buf_append(&seal, "seal", 4);
    unsigned char pk[32] = {1};
    StaffKeys keys = {&wrap, pk, &seal};
    int64_t id = 0;
    assert_int_equal(store_staff_insert(c, "racer", "caseworker", &keys, 1, &id), STORE_OK);
    assert_int_equal(store_staff_set_keys(c, id, &keys, 2), STORE_OK);
    assert_int_equal(store_staff_set_wrap(c, id, &wrap, 2), STORE_OK);
    assert_int_equal(store_staff_disable(c, id), STORE_OK);
    assert_int_equal(store_staff_set_keys(c, id, &keys, 3), STORE_NOT_FOUND);
    assert_int_equal(store_staff_set_wrap(c, id, &wrap, 3), STORE_NOT_FOUND);
    assert_int_equal(raw_int("SELECT length(key_wrap) + (org_seal IS NOT NULL) FROM staff "
                             "WHERE login = 'racer'",
                             NULL),
                     0);
    buf_free(&wrap);
    buf_free(&seal);
}

static void test_target_set_state_conflict(void **state)
{
    (void)state;
    TargetTx t = {CASE_C, 0xcc, 0, NULL, NULL};
    assert_int_equal(store_tx(tx_case_with_target, &t), STORE_OK);
    assert_true(t.target > 0);
    const char *q = "SELECT state = 'in_review' FROM targets WHERE id = (SELECT max(id) FROM "
                    "targets WHERE case_id = ?1)";
    t.from = "reported";
    t.to = "in_review";
    assert_int_equal(store_tx(tx_set_state, &t), STORE_OK);
    assert_int_equal(raw_int(q, CASE_C), 1);
    /* The same move again: the target is no longer in "reported". */
    assert_int_equal(store_tx(tx_set_state, &t), STORE_CONFLICT);
    t.from = "ready";
    t.to = "notice_sent";
    assert_int_equal(store_tx(tx_set_state, &t), STORE_CONFLICT);
    assert_int_equal(raw_int(q, CASE_C), 1); /* unchanged */
    t.from = "in_review";
    t.to = "ready";
    assert_int_equal(store_tx(tx_set_state, &t), STORE_OK);
    assert_int_equal(
        raw_int(
            "SELECT state = 'ready' AND updated_at = 1741600001 FROM targets WHERE case_id = ?1",
            CASE_C),
        1);
}

/* ---- erasing a case ---- */

typedef struct CaseTree {
    const char *id;
    unsigned char lookup;
    const char *file_ids[2];
} CaseTree;

static StoreStatus tx_case_tree(StoreConn *c, void *arg)
{
    CaseTree *t = arg;
    StoreStatus s = insert_case(c, t->id, t->lookup);
    Buf body = {0};
    buf_puts(&body, "enc");
    int64_t tid[2] = {0, 0}, mid = 0;
    for (int i = 0; i < 2 && s == STORE_OK; i++)
        s = store_target_insert(c, t->id, "online", "weibo", "reported", i ? tid[0] : 0, &body, NOW,
                                &tid[i]);
    for (int i = 0; i < 2 && s == STORE_OK; i++)
        s = store_message_insert(c, t->id, "victim", 0, &body, NOW, &mid);
    for (int i = 0; i < 2 && s == STORE_OK; i++)
        s = store_file_insert(c, t->file_ids[i], t->id, &body, NOW);
    if (s == STORE_OK)
        s = store_fingerprint_insert(c, t->id, "sha256", &body, &mid);
    if (s == STORE_OK)
        s = store_event_insert(c, t->id, tid[1], NOW, "victim", "reported", NULL, "reported", NULL);
    if (s == STORE_OK) {
        unsigned char h[32];
        memset(h, t->lookup, sizeof h);
        s = store_session_insert(c, h, "victim", 0, t->id, &body, NOW, NOW + 3600);
    }
    buf_free(&body);
    return s;
}

typedef struct DeleteTx {
    const char *id;
    Buf files;
} DeleteTx;

static StoreStatus tx_delete(StoreConn *c, void *arg)
{
    DeleteTx *d = arg;
    return store_case_delete(c, d->id, &d->files);
}

static int64_t rows_of(const char *table, const char *case_id)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE case_id = ?1", table);
    return raw_int(sql, case_id);
}

static const char *const case_tables[] = {"targets",      "messages", "files",
                                          "fingerprints", "events",   "sessions"};

static void test_case_delete_cascades(void **state)
{
    (void)state;
    CaseTree a = {
        CASE_A, 0xaa, {"f0000000000000000000000000000001", "f0000000000000000000000000000002"}};
    CaseTree b = {
        CASE_B, 0xbb, {"f0000000000000000000000000000003", "f0000000000000000000000000000004"}};
    assert_int_equal(store_tx(tx_case_tree, &a), STORE_OK);
    assert_int_equal(store_tx(tx_case_tree, &b), STORE_OK);
    for (size_t i = 0; i < sizeof case_tables / sizeof case_tables[0]; i++) {
        assert_true(rows_of(case_tables[i], CASE_A) > 0);
        assert_true(rows_of(case_tables[i], CASE_B) > 0);
    }

    DeleteTx d = {CASE_A, {0}};
    assert_int_equal(store_tx(tx_delete, &d), STORE_OK);
    /* Both file ids, one per line, in any order. */
    assert_non_null(d.files.data);
    assert_int_equal(d.files.len, 2 * 33);
    assert_non_null(strstr(d.files.data, "f0000000000000000000000000000001\n"));
    assert_non_null(strstr(d.files.data, "f0000000000000000000000000000002\n"));
    assert_null(strstr(d.files.data, "f0000000000000000000000000000003"));
    buf_free(&d.files);

    assert_int_equal(raw_int("SELECT count(*) FROM cases WHERE id = ?1", CASE_A), 0);
    for (size_t i = 0; i < sizeof case_tables / sizeof case_tables[0]; i++) {
        if (rows_of(case_tables[i], CASE_A) != 0)
            fail_msg("%s rows of the erased case remain", case_tables[i]);
        if (rows_of(case_tables[i], CASE_B) == 0)
            fail_msg("%s rows of the other case went too", case_tables[i]);
    }
    assert_int_equal(raw_int("SELECT count(*) FROM cases WHERE id = ?1", CASE_B), 1);

    /* Gone is gone: a second erase finds nothing and lists no files. */
    DeleteTx again = {CASE_A, {0}};
    assert_int_equal(store_tx(tx_delete, &again), STORE_NOT_FOUND);
    assert_int_equal(again.files.len, 0);
    buf_free(&again.files);
    /* A case without files (the one of the state test): nothing listed, still erased. */
    assert_int_equal(raw_int("SELECT count(*) FROM cases WHERE id = ?1", CASE_C), 1);
    DeleteTx c = {CASE_C, {0}};
    assert_int_equal(store_tx(tx_delete, &c), STORE_OK);
    assert_int_equal(c.files.len, 0);
    buf_free(&c.files);
    assert_int_equal(rows_of("targets", CASE_C), 0);
}

/* ---- binds by name ---- */

static const char count_sql[] = "SELECT count(*) FROM cases WHERE id = :case_id AND "
                                "receipt_lookup IS NOT :lookup AND risk_flags >= :flags";

/* Binds one of the three kinds by name into count_sql; which 0..2. */
static int bind_one(StoreStmt *st, int which, const char *name)
{
    static const unsigned char lookup[32] = {1};
    if (which == 0)
        return store_bind_text_n(st, name, CASE_A);
    if (which == 1)
        return store_bind_blob_n(st, name, lookup, sizeof lookup);
    return store_bind_int64_n(st, name, 0);
}

/* A bind by a name the statement lacks fails loudly, as Fossil's paramIdx: the bind says so and
 * the statement refuses to run, where a positional bind would have left the parameter NULL. In a
 * debug build the bind asserts, so a child process tries it and must die of SIGABRT. */
static void test_bind_unknown_name_fails(void **state)
{
    (void)state;
    StoreConn *c = store_conn();
    assert_non_null(c);
    static const char *const good[] = {":case_id", ":lookup", ":flags"};
    for (int which = 0; which < 3; which++) {
        StoreStmt *st = store_stmt(c, count_sql);
        assert_non_null(st);
#ifdef NDEBUG
        assert_int_equal(bind_one(st, which, ":nope"), -1);
        assert_int_equal(store_exec_stmt(c, st, __func__), STORE_ERROR);
#else
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            bind_one(st, which, ":nope");
            _exit(0); /* reached only when the bind did not assert */
        }
        int status = 0;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
#endif
        /* The next use of the same statement with the right names runs. */
        st = store_stmt(c, count_sql);
        for (int k = 0; k < 3; k++)
            assert_int_equal(bind_one(st, k, good[k]), 0);
        assert_int_equal(store_exec_stmt(c, st, __func__), STORE_OK);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_creates_and_migrates),
        cmocka_unit_test(test_open_under_a_file_fails),
        cmocka_unit_test(test_tx_commit_and_rollback),
        cmocka_unit_test(test_read_transaction),
        cmocka_unit_test(test_tx_group_commit),
        cmocka_unit_test(test_tx_group_lost),
        cmocka_unit_test(test_tx_alone),
        cmocka_unit_test(test_tx_disk_refused),
        cmocka_unit_test(test_tx_group_disk_refused),
        cmocka_unit_test(test_audit_chain),
        cmocka_unit_test(test_staff_keys_never_on_disabled),
        cmocka_unit_test(test_target_set_state_conflict),
        cmocka_unit_test(test_case_delete_cascades),
        cmocka_unit_test(test_bind_unknown_name_fails),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
