/* The upload sink (the HTTP side of screenshots): multipart file parts streamed straight into
 * secretstream encryption under the case key, into files/tmp/<id> of the file store (filestore.h),
 * which moves them into place once the case row that names them is committed. Plaintext never
 * touches the disk. */
#ifndef TAKEDOWN_UPLOADS_H
#define TAKEDOWN_UPLOADS_H

#include "buf.h"
#include "filestore.h"
#include "http.h"

#define UPLOADS_MAX_FILES 10
#define UPLOADS_MAX_BYTES (10u * 1024 * 1024)

typedef struct UploadSet {
    unsigned char *key; /* owned, locked: the new case's key, fresh for every report */
    StoredFile files[UPLOADS_MAX_FILES];
    size_t nfiles;
    const char *error; /* the client's mistake, for the form: "too_many", "too_large", "type" */
    /* A file was refused for storage: the free-space reserve (reserve.h), or the disk itself (full,
     * failing). Nothing of it stays; the page answers 503 with what was typed kept. */
    int storage_refused;
    /* The reserve was over its floor at the first file: the request was let in, and its later
     * files and its report go on even as its own bytes take free space under the floor. */
    int reserve_passed;
    /* The address must wait before its next report (guard.h): no file is stored; dropped says
     * whether one was chosen, so the page can ask for it again. */
    int limited;
    int dropped;
    /* the file being received */
    int fd;
    void *stream; /* VaultStream */
    Buf pending;  /* plaintext not yet encrypted (at most one chunk) */
    size_t size;
    int skipping; /* this part is refused or empty: ignore its bytes */
    int committed;
} UploadSet;

/* Called by http.c for ROUTE_FORM_FILES routes before the body is read: sets the request's file
 * sink. The key is a fresh random key that becomes the new report's case key. */
void uploads_attach(Request *req);
/* The request's upload set (NULL when the route takes no files). */
UploadSet *uploads_of(Request *req);
/* No file of this request is stored (u may be NULL). */
void uploads_drop_files(UploadSet *u);
/* Marks the set's files as filed: they are kept when the request ends. */
void uploads_mark_committed(UploadSet *u);

#endif
