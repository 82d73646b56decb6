/* One key, one lock; offers are rate-limited so staff requests rarely take the lock. */
#include "keyring.h"

#include "session.h"
#include "vault.h"

#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdatomic.h>
#include <string.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned char *held; /* secret memory, or NULL */
static int64_t held_until;
static atomic_llong last_offer;

void keyring_offer(const unsigned char *org_sk, int64_t now)
{
    if (now - atomic_load(&last_offer) < 30 && atomic_load(&last_offer) != 0)
        return;
    atomic_store(&last_offer, now);
    pthread_mutex_lock(&lock);
    if (!held)
        held = vault_secret_alloc(VAULT_KEY_BYTES);
    memcpy(held, org_sk, VAULT_KEY_BYTES);
    held_until = now + SESSION_STAFF_IDLE;
    pthread_mutex_unlock(&lock);
}

int keyring_borrow(unsigned char *out, int64_t now)
{
    int rc = -1;
    pthread_mutex_lock(&lock);
    if (held && now < held_until) {
        memcpy(out, held, VAULT_KEY_BYTES);
        rc = 0;
    } else if (held) {
        vault_secret_free(held);
        held = NULL;
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

void keyring_clear(void)
{
    pthread_mutex_lock(&lock);
    vault_secret_free(held);
    held = NULL;
    atomic_store(&last_offer, 0);
    pthread_mutex_unlock(&lock);
}

/* ---- the checker key ---- */

static unsigned char *checker; /* secret memory, or NULL; set once at start */

/* 1 when path is dir or inside it (both resolved). */
static int inside(const char *path, const char *dir)
{
    char rp[PATH_MAX], rd[PATH_MAX];
    if (!realpath(path, rp) || !realpath(dir, rd))
        return 0;
    size_t n = strlen(rd);
    return strncmp(rp, rd, n) == 0 && (rp[n] == '/' || rp[n] == '\0');
}

int keyring_load_checker(const char *path, const char *data_dir, char *err, size_t err_size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, err_size, "cannot read --checker-key-file");
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (st.st_mode & 077) {
        snprintf(err, err_size,
                 "--checker-key-file must be readable by its owner only (chmod 400)");
        close(fd);
        return -1;
    }
    if (inside(path, data_dir)) {
        snprintf(err, err_size, "--checker-key-file must be outside the data directory");
        close(fd);
        return -1;
    }
    char *text = vault_secret_alloc(80);
    ssize_t n = read(fd, text, 79);
    close(fd);
    text[n > 0 ? n : 0] = '\0';
    text[strcspn(text, "\r\n")] = '\0';
    unsigned char *sk = vault_secret_alloc(VAULT_KEY_BYTES);
    int ok = strlen(text) == 2 * VAULT_KEY_BYTES &&
             vault_from_hex(text, sk, VAULT_KEY_BYTES) == VAULT_KEY_BYTES;
    vault_secret_free(text);
    if (!ok) {
        vault_secret_free(sk);
        snprintf(err, err_size, "--checker-key-file does not hold a checker key");
        return -1;
    }
    pthread_mutex_lock(&lock);
    vault_secret_free(checker);
    checker = sk;
    pthread_mutex_unlock(&lock);
    return 0;
}

int keyring_checker(unsigned char *out)
{
    pthread_mutex_lock(&lock);
    int rc = checker ? 0 : -1;
    if (checker)
        memcpy(out, checker, VAULT_KEY_BYTES);
    pthread_mutex_unlock(&lock);
    return rc;
}

void keyring_checker_text(const unsigned char *sk, char out[2 * 32 + 2])
{
    vault_to_hex(sk, VAULT_KEY_BYTES, out);
    out[2 * VAULT_KEY_BYTES] = '\n';
    out[2 * VAULT_KEY_BYTES + 1] = '\0';
}
