/* Process hardening at startup: no core dumps (a core would hold keys and case content), and
 * Jansson's memory wiped when it is freed (decrypted case JSON lives in Jansson values). */
#ifndef TAKEDOWN_HARDEN_H
#define TAKEDOWN_HARDEN_H

/* prctl(PR_SET_DUMPABLE, 0) and RLIMIT_CORE 0. Secret pages from vault_secret_alloc are also
 * excluded from any dump: its per-thread arenas and large blocks come from libsodium's
 * sodium_malloc, which marks them MADV_DONTDUMP itself. Returns 0, or
 * -1 with errno when the kernel refused. Call first thing in main. */
int harden_no_core_dumps(void);
/* Makes Jansson allocate with malloc and wipe every block before freeing it. Call before any
 * Jansson value exists. */
void harden_json_memory(void);

#endif
