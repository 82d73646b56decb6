/* One-time receipts between the report's 303 and the receipt page (see receipt_once.h). A fixed
 * table in one block of locked memory, behind one lock: a handful of entries at any time, each
 * looked at once, so a linear scan is all it needs. */
#include "receipt_once.h"

#include "vault.h"

#include <pthread.h>
#include <string.h>

typedef struct OnceEntry {
    char id[RECEIPT_ONCE_ID]; /* "" when free */
    char receipt[RECEIPT_ONCE_TEXT];
    char owner[RECEIPT_ONCE_OWNER];
    int flags;
    int64_t expires; /* alive while now < expires */
} OnceEntry;

static pthread_mutex_t once_lock = PTHREAD_MUTEX_INITIALIZER;
static OnceEntry *once_table; /* owned: vault_secret_alloc, RECEIPT_ONCE_MAX entries */

/* Under once_lock: the table, wiped of what has expired. */
static OnceEntry *table_swept(int64_t now)
{
    if (!once_table) {
        once_table = vault_secret_alloc(RECEIPT_ONCE_MAX * sizeof *once_table);
        vault_wipe(once_table, RECEIPT_ONCE_MAX * sizeof *once_table);
    }
    for (size_t i = 0; i < RECEIPT_ONCE_MAX; i++)
        if (once_table[i].id[0] && now >= once_table[i].expires)
            vault_wipe(&once_table[i], sizeof once_table[i]);
    return once_table;
}

static int id_shape_ok(const char *id)
{
    size_t n = 0;
    for (; id[n]; n++)
        if (!((id[n] >= '0' && id[n] <= '9') || (id[n] >= 'a' && id[n] <= 'f')))
            return 0;
    return n == RECEIPT_ONCE_ID - 1;
}

int receipt_once_put(const char *receipt, int flags, const char *owner, int64_t now,
                     char id[RECEIPT_ONCE_ID])
{
    if (strlen(receipt) >= RECEIPT_ONCE_TEXT || strlen(owner) >= RECEIPT_ONCE_OWNER)
        return -1;
    pthread_mutex_lock(&once_lock);
    OnceEntry *t = table_swept(now);
    for (size_t i = 0; i < RECEIPT_ONCE_MAX; i++)
        if (t[i].id[0] && *owner && strcmp(t[i].owner, owner) == 0)
            vault_wipe(&t[i], sizeof t[i]);
    OnceEntry *slot = NULL;
    for (size_t i = 0; i < RECEIPT_ONCE_MAX && !slot; i++)
        if (!t[i].id[0])
            slot = &t[i];
    if (slot) {
        vault_random_hex(slot->id, (RECEIPT_ONCE_ID - 1) / 2);
        memcpy(slot->receipt, receipt, strlen(receipt) + 1);
        memcpy(slot->owner, owner, strlen(owner) + 1);
        slot->flags = flags;
        slot->expires = now + RECEIPT_ONCE_TTL;
        memcpy(id, slot->id, RECEIPT_ONCE_ID);
    }
    pthread_mutex_unlock(&once_lock);
    return slot ? 0 : -1;
}

int receipt_once_take(const char *id, int64_t now, char receipt[RECEIPT_ONCE_TEXT], int *flags)
{
    if (!id || !id_shape_ok(id))
        return -1;
    pthread_mutex_lock(&once_lock);
    OnceEntry *t = table_swept(now);
    OnceEntry *found = NULL;
    /* Every live entry is compared in constant time; the id is the only key to a receipt. */
    for (size_t i = 0; i < RECEIPT_ONCE_MAX; i++)
        if (t[i].id[0] && vault_str_equal(t[i].id, id))
            found = &t[i];
    if (found) {
        memcpy(receipt, found->receipt, RECEIPT_ONCE_TEXT);
        *flags = found->flags;
        vault_wipe(found, sizeof *found);
    }
    pthread_mutex_unlock(&once_lock);
    return found ? 0 : -1;
}

void receipt_once_clear(void)
{
    pthread_mutex_lock(&once_lock);
    if (once_table)
        vault_wipe(once_table, RECEIPT_ONCE_MAX * sizeof *once_table);
    pthread_mutex_unlock(&once_lock);
}
