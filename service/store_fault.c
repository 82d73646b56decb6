/* A test-only SQLite VFS: the default (unix) VFS with writes or syncs that fail on command, so the
 * tests can show what a failing or full disk does to a request (503, nothing half-written) and
 * that the service recovers once the fault is cleared. takedownd installs it only with
 * --debug-routes (POST /debug/io-fault sets the fault); without that the default VFS is untouched.
 */
#include "store_internal.h"

#include "log.h"

#include <sqlite3.h>
#include <stdatomic.h>

typedef struct FaultFile {
    sqlite3_file base;  /* pMethods: fault_methods */
    sqlite3_file *real; /* the wrapped file, in the same allocation just after this struct */
} FaultFile;

static sqlite3_vfs *real_vfs;
static sqlite3_vfs fault_vfs;
static atomic_int fault_mode;    /* StoreFault */
static atomic_llong fault_after; /* calls to let through before the fault starts */
static atomic_llong fault_hits;  /* calls failed since the fault was set */

/* 1 when this call (a write, or a sync) fails under the current fault. */
static int fault_now(StoreFault kind)
{
    StoreFault mode = (StoreFault)atomic_load(&fault_mode);
    int matches = kind == STORE_FAULT_SYNC ? mode == STORE_FAULT_SYNC
                                           : mode == STORE_FAULT_WRITE || mode == STORE_FAULT_FULL;
    if (!matches)
        return 0;
    if (atomic_fetch_sub(&fault_after, 1) > 0)
        return 0;
    atomic_store(&fault_after, 0);
    atomic_fetch_add(&fault_hits, 1);
    return 1;
}

static sqlite3_file *real_of(sqlite3_file *f)
{
    return ((FaultFile *)(void *)f)->real;
}

static int fault_close(sqlite3_file *f)
{
    return real_of(f)->pMethods->xClose(real_of(f));
}

static int fault_read(sqlite3_file *f, void *buf, int n, sqlite3_int64 off)
{
    return real_of(f)->pMethods->xRead(real_of(f), buf, n, off);
}

static int fault_write(sqlite3_file *f, const void *buf, int n, sqlite3_int64 off)
{
    if (fault_now(STORE_FAULT_WRITE))
        return atomic_load(&fault_mode) == STORE_FAULT_FULL ? SQLITE_FULL : SQLITE_IOERR_WRITE;
    return real_of(f)->pMethods->xWrite(real_of(f), buf, n, off);
}

static int fault_truncate(sqlite3_file *f, sqlite3_int64 size)
{
    return real_of(f)->pMethods->xTruncate(real_of(f), size);
}

static int fault_sync(sqlite3_file *f, int flags)
{
    if (fault_now(STORE_FAULT_SYNC))
        return SQLITE_IOERR_FSYNC;
    return real_of(f)->pMethods->xSync(real_of(f), flags);
}

static int fault_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
    return real_of(f)->pMethods->xFileSize(real_of(f), size);
}

static int fault_lock(sqlite3_file *f, int level)
{
    return real_of(f)->pMethods->xLock(real_of(f), level);
}

static int fault_unlock(sqlite3_file *f, int level)
{
    return real_of(f)->pMethods->xUnlock(real_of(f), level);
}

static int fault_check_reserved(sqlite3_file *f, int *out)
{
    return real_of(f)->pMethods->xCheckReservedLock(real_of(f), out);
}

static int fault_file_control(sqlite3_file *f, int op, void *arg)
{
    return real_of(f)->pMethods->xFileControl(real_of(f), op, arg);
}

static int fault_sector_size(sqlite3_file *f)
{
    return real_of(f)->pMethods->xSectorSize(real_of(f));
}

static int fault_device_characteristics(sqlite3_file *f)
{
    return real_of(f)->pMethods->xDeviceCharacteristics(real_of(f));
}

static int fault_shm_map(sqlite3_file *f, int page, int size, int extend, void volatile **p)
{
    return real_of(f)->pMethods->xShmMap(real_of(f), page, size, extend, p);
}

static int fault_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
    return real_of(f)->pMethods->xShmLock(real_of(f), offset, n, flags);
}

static void fault_shm_barrier(sqlite3_file *f)
{
    real_of(f)->pMethods->xShmBarrier(real_of(f));
}

static int fault_shm_unmap(sqlite3_file *f, int delete_flag)
{
    return real_of(f)->pMethods->xShmUnmap(real_of(f), delete_flag);
}

static int fault_fetch(sqlite3_file *f, sqlite3_int64 off, int n, void **p)
{
    return real_of(f)->pMethods->xFetch(real_of(f), off, n, p);
}

static int fault_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
    return real_of(f)->pMethods->xUnfetch(real_of(f), off, p);
}

static const sqlite3_io_methods fault_methods = {
    3,
    fault_close,
    fault_read,
    fault_write,
    fault_truncate,
    fault_sync,
    fault_file_size,
    fault_lock,
    fault_unlock,
    fault_check_reserved,
    fault_file_control,
    fault_sector_size,
    fault_device_characteristics,
    fault_shm_map,
    fault_shm_lock,
    fault_shm_barrier,
    fault_shm_unmap,
    fault_fetch,
    fault_unfetch,
};

static int fault_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out)
{
    (void)vfs;
    FaultFile *ff = (FaultFile *)(void *)f;
    ff->real = (sqlite3_file *)(void *)(ff + 1);
    int rc = real_vfs->xOpen(real_vfs, name, ff->real, flags, out);
    const sqlite3_io_methods *m = ff->real->pMethods;
    if (m && m->iVersion < 3) { /* no shared memory to pass on: not a VFS we can wrap */
        m->xClose(ff->real);
        ff->base.pMethods = NULL;
        return SQLITE_CANTOPEN;
    }
    /* A file the real VFS did not open has no methods, so SQLite never closes it. */
    ff->base.pMethods = m ? &fault_methods : NULL;
    return rc;
}

int store_fault_install(void)
{
    if (real_vfs)
        return 0;
    sqlite3_vfs *def = sqlite3_vfs_find(NULL);
    if (!def)
        return -1;
    /* Every other call goes to the real VFS's own functions, which read its settings from the
     * copied fields (pAppData, mxPathname). */
    fault_vfs = *def;
    fault_vfs.pNext = NULL;
    fault_vfs.zName = "takedown-fault";
    fault_vfs.szOsFile = (int)sizeof(FaultFile) + def->szOsFile;
    fault_vfs.xOpen = fault_open;
    real_vfs = def;
    if (sqlite3_vfs_register(&fault_vfs, 1) != SQLITE_OK) {
        real_vfs = NULL;
        return -1;
    }
    log_warnx("test I/O fault injection installed (--debug-routes): never run this way for real");
    return 0;
}

int store_fault_set(StoreFault mode, int64_t after)
{
    if (!real_vfs)
        return -1;
    atomic_store(&fault_mode, STORE_FAULT_NONE);
    atomic_store(&fault_after, after);
    atomic_store(&fault_hits, 0);
    atomic_store(&fault_mode, mode);
    return 0;
}

int64_t store_fault_hits(void)
{
    return atomic_load(&fault_hits);
}
