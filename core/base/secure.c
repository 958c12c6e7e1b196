#include "secure.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool ct_memeq(const void *a, size_t alen, const void *b, size_t blen)
{
    const volatile unsigned char *x = a, *y = b;
    size_t n = alen > blen ? alen : blen;
    unsigned char diff = (unsigned char)(alen != blen);
    for (size_t i = 0; i < n; i++) {
        /* Reading past the shorter input would be out of bounds; compare
         * against itself instead so the loop length stays max(alen, blen). */
        unsigned char cx = i < alen ? x[i] : 0;
        unsigned char cy = i < blen ? y[i] : 0;
        diff |= cx ^ cy;
    }
    return diff == 0;
}

bool ct_streq(const char *a, const char *b)
{
    if (!a || !b)
        return false;
    return ct_memeq(a, strlen(a), b, strlen(b));
}

void secure_wipe(void *p, size_t n)
{
    if (p && n)
        OPENSSL_cleanse(p, n);
}

void secure_free_str(char *s)
{
    if (!s)
        return;
    secure_wipe(s, strlen(s));
    free(s);
}

void random_bytes(void *out, size_t n)
{
    if (n > (size_t)0x7fffffff || RAND_bytes(out, (int)n) != 1) {
        fprintf(stderr, "ddbsql: fatal: the system random generator failed\n");
        abort();
    }
}

void random_hex(char *out, size_t nbytes)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char tmp[64];
    size_t o = 0;
    while (nbytes > 0) {
        size_t n = nbytes > sizeof tmp ? sizeof tmp : nbytes;
        random_bytes(tmp, n);
        for (size_t i = 0; i < n; i++) {
            out[o++] = hex[tmp[i] >> 4];
            out[o++] = hex[tmp[i] & 15];
        }
        nbytes -= n;
    }
    out[o] = '\0';
    secure_wipe(tmp, sizeof tmp);
}
