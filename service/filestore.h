/* The encrypted file store: screenshots as secretstream ciphertext under the data directory's
 * files/. The upload sink writes a file as files/tmp/<id>; it moves to files/<id> only once the
 * case row that names it is committed, and leaves with its case. No HTTP here. */
#ifndef TAKEDOWN_FILESTORE_H
#define TAKEDOWN_FILESTORE_H

#include "buf.h"

#include <stddef.h>

/* A screenshot already encrypted to disk under its case key, waiting to be filed with the case. */
typedef struct StoredFile {
    char id[33];    /* random; the file is files/<id>, written as files/tmp/<id> */
    char name[128]; /* original file name (encrypted in the store) */
    char type[32];  /* detected from the bytes */
    size_t size;
} StoredFile;

/* Creates files/tmp/<id> (and the directories) for writing: an open descriptor, or -1. */
int filestore_tmp_create(const char *id);
/* Removes files/tmp/<id>: a file refused while it arrived, or never filed. */
void filestore_tmp_remove(const char *id);
/* Moves files/tmp/<id> to files/<id> and makes it durable. */
void filestore_commit(const char *id);
/* Decrypts stored file id (its key derived from the case key and the id) into out, which should
 * be empty; 0, or -1 with out emptied when the file does not open whole (missing, tampered,
 * another file's ciphertext, bad padding). */
int filestore_read(const char *id, const unsigned char *key, Buf *out);
/* Writes all n bytes of p to fd, again after an interruption: 0, or -1 on an error. */
int filestore_write_all(int fd, const void *p, size_t n);
/* Removes every file named in a newline-separated list of ids (as store_case_delete gives). */
void filestore_remove_list(Buf *ids);
/* Calls fn with the name of every regular file in data_dir's files/ (tmp 0) or files/tmp/ (tmp 1);
 * a directory that is not there has none. 0, or -1 when it cannot be read. */
int filestore_each(const char *data_dir, int tmp, void (*fn)(void *arg, const char *id), void *arg);
/* At start, after a crash: an upload whose case was committed but which was never moved into place
 * is moved now (filed(arg, id) says 1 for an id a case names), one no case took (0) is removed, one
 * the store could not tell (-1) stays. The counts go to *moved and *removed. 0 or -1. Before the
 * service takes requests: an upload in flight is in files/tmp too. */
int filestore_recover(int (*filed)(void *arg, const char *id), void *arg, int *moved, int *removed);

#endif
