/* The free-space reserve: one statvfs of the data directory per write that may be refused. */
#include "reserve.h"

#include "log.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>

static char watched[512];
static uint64_t floor_bytes;
static atomic_ullong refusals;
static atomic_int was_low;         /* for logging each change once */
static atomic_int cannot_ask_told; /* a statvfs that fails is logged once */

void reserve_configure(const char *dir, uint64_t floor)
{
    snprintf(watched, sizeof watched, "%s", dir);
    floor_bytes = floor;
}

/* Free bytes an unprivileged writer may still use (root may dip into ext4's reserved blocks, but
 * the reserve is ours to keep), or -1 when the filesystem cannot be asked. */
static int64_t free_bytes(void)
{
    struct statvfs st;
    if (statvfs(watched, &st) != 0) {
        if (!atomic_exchange(&cannot_ask_told, 1))
            log_warnx("cannot ask the data directory's filesystem for free space: %s",
                      strerror(errno));
        return -1;
    }
    return (int64_t)((uint64_t)st.f_bavail * (uint64_t)st.f_frsize);
}

int reserve_low(void)
{
    if (!floor_bytes || !watched[0])
        return 0;
    int64_t avail = free_bytes();
    int low = avail >= 0 && (uint64_t)avail <= floor_bytes;
    if (low)
        atomic_fetch_add(&refusals, 1);
    if (atomic_exchange(&was_low, low) != low) {
        if (low)
            log_warnx("free space on the data directory is %lld bytes, at or under the reserve of "
                      "%llu (--min-free-mb): new reports, uploads and changes are refused (503) "
                      "until space is freed; sign-ins and reads go on",
                      (long long)avail, (unsigned long long)floor_bytes);
        else
            log_info("free space on the data directory is back over the reserve: writes accepted "
                     "again");
    }
    return low;
}

int64_t reserve_free_now(void)
{
    return watched[0] ? free_bytes() : -1;
}

uint64_t reserve_floor_bytes(void)
{
    return floor_bytes;
}

uint64_t reserve_refusals(void)
{
    return atomic_load(&refusals);
}
