/* Backup archives for takedownctl: one file holding a copy of the database (sessions emptied),
 * every encrypted screenshot it names and the erasure log, each member with a BLAKE2b checksum.
 *
 *   takedown-backup 1 <unix time>\n
 *   member db takedown.db <size>\n <size bytes> blake2b <64 hex>\n
 *   member file <file id> <size>\n <size bytes> blake2b <64 hex>\n      (one per screenshot)
 *   member erasure-log erasure.log <size>\n <size bytes> blake2b <64 hex>\n
 *   end <number of members>\n
 *
 * Written under a temporary name created with O_EXCL and mode 0600 in the target's directory,
 * fsynced, then linked to its name (never over an existing file). Progress goes to stderr. */
#ifndef TAKEDOWN_BACKUP_H
#define TAKEDOWN_BACKUP_H

#define BACKUP_SUFFIX ".tdbackup"
#define BACKUP_KEEP_MAX 10000

/* Writes a backup of the open store (store_open done) to file. 0, or -1 after saying why. */
int backup_write(const char *file);
/* Unpacks file into data_dir (which must hold nothing but an erasure log unless force), checking
 * every member before the database or the files are replaced, then merges the erasure logs. The
 * store is not opened. 0, or -1 after saying why. */
int backup_restore(const char *file, const char *data_dir, int force);
/* Keeps the keep newest backups (by the time in their header) named *.tdbackup in file's
 * directory that start with this tool's header, and removes the others; returns how many were
 * removed, or -1. */
int backup_prune(const char *file, int keep);

/* store_before_upgrade's backup: DATA_DIR/upgrade-backups/schema-FROM-to-TO-<unix time>.tdbackup
 * (a directory of mode 0700; the 3 newest kept). 0, or -1 after saying why. */
#define BACKUP_UPGRADE_DIR "upgrade-backups"
#define BACKUP_UPGRADE_KEEP 3
int backup_before_upgrade(void *arg, const char *data_dir, int from, int to);

#endif
