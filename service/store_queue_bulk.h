/* The queue rows (schema/0008_case_queue.sql) when one transaction changes a case many times.
 *
 * Every insert or update on cases and targets marks its case in case_queue_dirty, and the trigger
 * case_queue_refresh recomputes that case's case_queue rows at once: three times for a report (the
 * case, then each copy), about ten times for a case the benchmark's generator writes with its
 * copies and their casework. These functions let one transaction refresh each case once instead.
 *
 * store_queue_held (schema/0017_queue_hold.sql) is for the service: a row
 * of case_queue_dirty with rowid 0 makes the trigger wait, without touching the schema.
 *
 * store_queue_refresh_defer/resume are the generator's (tests/bench/fill.c, on a benchmark data
 * dir it made itself): store_queue_refresh_defer drops case_queue_refresh and hands back its SQL
 * as sqlite_schema holds it (whatever the migrations made of it), the writes go on marking cases,
 * and store_queue_refresh_resume recreates the trigger from that text and refreshes every marked
 * case exactly once through it. A transaction that fails or never commits rolls the drop back
 * with everything else, so the committed schema always has the trigger. */
#ifndef TAKEDOWN_STORE_QUEUE_BULK_H
#define TAKEDOWN_STORE_QUEUE_BULK_H

#include "store.h"

#include <stdint.h>

/* Inside a transaction: drops case_queue_refresh; *trigger_sql receives its CREATE TRIGGER text
 * (owned by the caller until store_queue_refresh_resume). STORE_NOT_FOUND when the trigger is not
 * there (already deferred), else STORE_OK or STORE_ERROR. */
StoreStatus store_queue_refresh_defer(StoreConn *c, char **trigger_sql);
/* In the same transaction: recreates the trigger from *trigger_sql (then freed and set to NULL),
 * refreshes each case marked in case_queue_dirty once and leaves case_queue_dirty empty. */
StoreStatus store_queue_refresh_resume(StoreConn *c, char **trigger_sql);

/* For one transaction of the service that changes a case several times (a report: the case,
 * then each copy; copies added; a withdrawal closing every copy): fn(c, arg) runs with the
 * refresh held (a row of case_queue_dirty with rowid 0 makes case_queue_refresh wait,
 * schema/0017_queue_hold.sql) while its changes go on marking their cases; when fn succeeds, each
 * marked case is then refreshed once, in the same transaction. When fn fails, nothing is
 * released: store_tx rolls the hold back with fn's writes. A callback for store_tx, wrapped. */
StoreStatus store_queue_held(StoreConn *c, StoreStatus (*fn)(StoreConn *, void *), void *arg);

/* Compares case_queue with what a rebuild from scratch through case_queue_refresh makes, and
 * undoes the rebuild: *rows receives the number of rows kept, *wrong the number kept but not
 * rebuilt plus rebuilt but not kept plus marks left in case_queue_dirty (0 when the queue is
 * right). Runs in a savepoint of its own, in or outside a transaction; reads every case. */
StoreStatus store_queue_check(StoreConn *c, int64_t *rows, int64_t *wrong);

#endif
