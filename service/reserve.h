/* The free-space reserve on the data directory (--min-free-mb). When free space falls to the floor
 * or under it, new reports, uploads and every other write a person can wait for are refused with
 * 503 (storage_low), so that the last megabytes stay for what keeps people in: staff and receipt
 * sign-ins (a session row), sign-outs, a victim's withdrawal and erasure, the audit rows of reads.
 * Asked on every such request (one statvfs), so the service recovers by itself as soon as space
 * comes back. No HTTP and no SQL here. */
#ifndef TAKEDOWN_RESERVE_H
#define TAKEDOWN_RESERVE_H

#include <stdint.h>

/* Sets the directory to watch and the floor in bytes (0: no reserve). Once at start. */
void reserve_configure(const char *dir, uint64_t floor_bytes);
/* 1 when free space on the directory's filesystem (what an unprivileged writer may use) is at or
 * under the floor, else 0 (also when there is no floor, or the filesystem cannot be asked).
 * Counts each 1 as a refusal, and logs each change between low and not. */
int reserve_low(void);
/* Free bytes on the directory's filesystem now (-1 when it cannot be asked); counts nothing. */
int64_t reserve_free_now(void);
/* The floor in bytes (0: no reserve), and how many writes it refused since start. */
uint64_t reserve_floor_bytes(void);
uint64_t reserve_refusals(void);

#endif
