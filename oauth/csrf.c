#include "csrf.h"

#include "../core/base/alloc.h"
#include "../core/base/base64.h"
#include "../core/base/crypto.h"
#include "../core/base/secure.h"

#include <stdlib.h>
#include <string.h>

#define DOMAIN "ddbsql-csrf-v1"

void csrf_token(const uint8_t secret[CSRF_SECRET_LEN], const char *purpose, const char *binding,
                char out[CSRF_TOKEN_LEN + 1])
{
    purpose = purpose ? purpose : "";
    binding = binding ? binding : "";
    size_t plen = strlen(purpose), blen = strlen(binding);
    size_t dlen = sizeof DOMAIN; /* with its NUL, the first separator */
    size_t n = dlen + plen + 1 + blen;
    char *msg = xmalloc(n);
    memcpy(msg, DOMAIN, dlen);
    memcpy(msg + dlen, purpose, plen + 1); /* with its NUL, the second separator */
    memcpy(msg + dlen + plen + 1, binding, blen);
    uint8_t mac[SHA256_LEN];
    hmac_sha256(secret, CSRF_SECRET_LEN, msg, n, mac);
    free(msg);
    char *t = base64url_encode(mac, sizeof mac);
    memcpy(out, t, CSRF_TOKEN_LEN + 1);
    secure_wipe(mac, sizeof mac);
    secure_free_str(t);
}

bool csrf_check(const uint8_t secret[CSRF_SECRET_LEN], const char *purpose, const char *binding,
                const char *token)
{
    if (!token)
        return false;
    char want[CSRF_TOKEN_LEN + 1];
    csrf_token(secret, purpose, binding, want);
    size_t tlen = strnlen(token, CSRF_TOKEN_LEN + 1);
    bool ok = ct_memeq(want, CSRF_TOKEN_LEN, token, tlen);
    secure_wipe(want, sizeof want);
    return ok;
}
