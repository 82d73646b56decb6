/* Fuzz target for the codes people type: the receipt parser (vault_receipt_parse, the one every
 * caller uses) and the recovery key parser (vault_recovery_parse). No crash or overread, and:
 * - a receipt parses exactly as a plain reading of its rules says (ASCII and full-width digits
 *   kept; spaces, tabs, dashes, ideographic spaces and full-width dashes skipped; anything else
 *   refused; exactly 20 digits), its digits parse to themselves and so does the printed form;
 *   a refused one leaves the digits wiped;
 * - a recovery key that parses parses to the same key in the other letter case and without its
 *   dashes, and fails after any one of its characters is changed (the check character) or two
 *   different neighbours are swapped; a refused one leaves the key wiped. */
#include "fuzz_check.h"
#include "vault.h"

#include <string.h>

static int initialised;

/* The receipt's digits by the rules as written in vault.h, or -1. */
static int receipt_model(const unsigned char *p, char digits[VAULT_RECEIPT_DIGITS + 1])
{
    size_t count = 0;
    while (*p) {
        if (*p == ' ' || *p == '-' || *p == '\t') {
            p++;
        } else if ((p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80) ||
                   (p[0] == 0xEF && p[1] == 0xBC && p[2] == 0x8D)) {
            p += 3;
        } else if (*p >= '0' && *p <= '9') {
            if (count == VAULT_RECEIPT_DIGITS)
                return -1;
            digits[count++] = (char)*p++;
        } else if (p[0] == 0xEF && p[1] == 0xBC && p[2] >= 0x90 && p[2] <= 0x99) {
            if (count == VAULT_RECEIPT_DIGITS)
                return -1;
            digits[count++] = (char)('0' + p[2] - 0x90);
            p += 3;
        } else {
            return -1;
        }
    }
    digits[count] = '\0';
    return count == VAULT_RECEIPT_DIGITS ? 0 : -1;
}

static void check_receipt(const char *text)
{
    char got[VAULT_RECEIPT_DIGITS + 1], want[VAULT_RECEIPT_DIGITS + 1];
    memset(got, 'x', sizeof got);
    int rc = vault_receipt_parse(text, got);
    CHECK(rc == receipt_model((const unsigned char *)text, want));
    if (rc != 0) {
        for (size_t i = 0; i < sizeof got; i++)
            CHECK(got[i] == 0);
        return;
    }
    CHECK(strcmp(got, want) == 0);
    CHECK(strspn(got, "0123456789") == VAULT_RECEIPT_DIGITS);
    char again[VAULT_RECEIPT_DIGITS + 1], printed[VAULT_RECEIPT_TEXT];
    CHECK(vault_receipt_parse(got, again) == 0 && strcmp(again, got) == 0);
    snprintf(printed, sizeof printed, "%.4s %.4s %.4s %.4s %.4s", got, got + 4, got + 8, got + 12,
             got + 16);
    CHECK(vault_receipt_parse(printed, again) == 0 && strcmp(again, got) == 0);
}

static int is_base32(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '2' && c <= '7');
}

/* Another base32 character than c (of the same case, or a digit). */
static char other_base32(char c, unsigned step)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    const char *at = strchr(alphabet, c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    size_t i = at ? (size_t)(at - alphabet) : 0;
    return alphabet[(i + 1 + step % 31) % 32];
}

static void check_recovery(const char *text, unsigned step)
{
    unsigned char *key = vault_secret_alloc(VAULT_KEY_BYTES);   /* owned here */
    unsigned char *other = vault_secret_alloc(VAULT_KEY_BYTES); /* owned here */
    memset(key, 0xAA, VAULT_KEY_BYTES);
    int rc = vault_recovery_parse(text, key);
    if (rc != 0) {
        for (size_t i = 0; i < VAULT_KEY_BYTES; i++)
            CHECK(key[i] == 0);
        goto done;
    }
    size_t n = strlen(text);
    char *variant = malloc(n + 1); /* owned here */
    CHECK(variant != NULL);
    /* The other case: the same key. */
    for (size_t i = 0; i <= n; i++) {
        char c = text[i];
        variant[i] = (char)(c >= 'a' && c <= 'z'   ? c - 'a' + 'A'
                            : c >= 'A' && c <= 'Z' ? c - 'A' + 'a'
                                                   : c);
    }
    CHECK(vault_recovery_parse(variant, other) == 0);
    CHECK(memcmp(key, other, VAULT_KEY_BYTES) == 0);
    /* Without dashes and blanks: the same key. */
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (is_base32(text[i]))
            variant[k++] = text[i];
    variant[k] = '\0';
    CHECK(k > 0); /* a key that parsed has its 53 characters */
    CHECK(vault_recovery_parse(variant, other) == 0);
    CHECK(memcmp(key, other, VAULT_KEY_BYTES) == 0);
    /* One typo, or two different neighbours swapped: refused. */
    size_t pos = step % k;
    char saved = variant[pos];
    variant[pos] = other_base32(saved, step);
    CHECK(vault_recovery_parse(variant, other) != 0);
    variant[pos] = saved;
    if (pos + 1 < k && (variant[pos] | 0x20) != (variant[pos + 1] | 0x20)) {
        variant[pos] = variant[pos + 1];
        variant[pos + 1] = saved;
        CHECK(vault_recovery_parse(variant, other) != 0);
    }
    free(variant);
done:
    vault_secret_free(key);
    vault_secret_free(other);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!initialised) {
        CHECK(vault_init() == 0);
        initialised = 1;
    }
    if (size > 4096)
        return 0;
    char *text = malloc(size + 1); /* owned here; exactly the input, so ASan sees any overread */
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    unsigned step = 0;
    for (size_t i = 0; i < size; i++)
        step = step * 31 + data[i];
    check_receipt(text);
    check_recovery(text, step);
    free(text);
    char digits[VAULT_RECEIPT_DIGITS + 1];
    CHECK(vault_receipt_parse(NULL, digits) != 0);
    return 0;
}
