/* Process hardening at startup: no core dumps (a core would hold keys and case content), and
 * Jansson's memory wiped when it is freed (decrypted case JSON lives in Jansson values). */
#ifndef TAKEDOWN_HARDEN_H
#define TAKEDOWN_HARDEN_H

/* prctl(PR_SET_DUMPABLE, 0) and RLIMIT_CORE 0. Secret pages from vault_secret_alloc are also
 * excluded from any dump: its per-thread arenas and large blocks come from libsodium's
 * sodium_malloc, which marks them MADV_DONTDUMP itself. Returns 0, or
 * -1 with errno when the kernel refused. Call first thing in main. */
int harden_no_core_dumps(void);
/* Makes Jansson allocate with malloc (or a thread's scratch block, below) and wipe every block
 * before freeing it. Call before any Jansson value exists. */
void harden_json_memory(void);
/* The same for libcurl (before its first use): what it copies (a notification's address, the
 * relay's password, a link being checked) is wiped when freed. 0, or -1. */
int harden_curl_memory(void);

/* A request's many short-lived Jansson values (a queue page's rows: some thirty allocations a row)
 * without a malloc, a wipe and a free each. Between harden_json_scratch_begin and
 * harden_json_scratch_stop, Jansson values made on this thread come from one block of this
 * thread's, by moving a pointer (from malloc as usual once it is full); freeing them does nothing.
 * harden_json_scratch_end wipes the bytes used and makes the block ready again: by then every
 * value made from it must be freed or never used again, and none may have gone to another thread.
 * Without harden_json_memory the three do nothing. */
void harden_json_scratch_begin(void);
void harden_json_scratch_stop(void);
void harden_json_scratch_end(void);

#endif
