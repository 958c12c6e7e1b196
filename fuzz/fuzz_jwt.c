/* libFuzzer target: an untrusted bearer credential through everything /mcp
 * does with it. The input is an Authorization header value (and, raw, a
 * compact token). It must be accepted or refused with a message, never
 * crash, leak, read out of bounds or hang; an accepted token must carry
 * every required claim, and a refusal must never echo the token.
 *
 * The key is the P-256 example key of RFC 7515 Appendix A.3 (public test
 * material, kid "rfc7515-a3"); fuzz/corpus/jwt holds tokens it signed. */
#include "oauth/bearer.h"
#include "oauth/jwt.h"
#include "oauth/scope.h"

#include "core/base/alloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char KEY_PEM[] = "-----BEGIN PRIVATE KEY-----\n"
                              "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgjpsQnnGQmL+YBIff\n"
                              "H1136cspYG6+0iY7X1fCE9+E9LKhRANCAAR/zc4ncPbEXUGDy+5v20t7WAczNXvp\n"
                              "7xO6z248e9FURcfxRM0bvZt+hyzf7bnuufSzaV1uqQskrYpGIyiFiOWt\n"
                              "-----END PRIVATE KEY-----\n";

#define NOW 1700000100LL /* the seeds are issued at 1700000000 */

static signing_keys *keys;

static void check_claims(const jwt_claims *c)
{
    if (!c->iss || !c->sub || !c->client_id || !c->scope || !c->jti || !c->kid ||
        c->exp <= c->iat) {
        fprintf(stderr, "accepted a token without its required claims\n");
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    if (!keys) {
        keys = signing_keys_new();
        if (!signing_keys_add_pem(keys, "rfc7515-a3", KEY_PEM, sizeof KEY_PEM - 1, true, err,
                                  sizeof err)) {
            fprintf(stderr, "fuzz key: %s\n", err);
            abort();
        }
    }
    jwt_verifier v = {.keys = keys,
                      .issuer = "https://fuzz.example",
                      .audience = "https://fuzz.example/mcp",
                      .leeway_seconds = 60};

    /* The raw bytes as a token (not NUL-terminated: the length rules). */
    jwt_claims c;
    err[0] = '\0';
    jwt_status st = jwt_verify(&v, (const char *)data, size, NOW, &c, err, sizeof err);
    if (st == JWT_OK) {
        check_claims(&c);
        jwt_claims_free(&c);
    } else if (!err[0] || (c.sub || c.iss)) {
        fprintf(stderr, "refused (%s) without a message, or with claims left\n",
                jwt_status_code(st));
        abort();
    }

    /* The same bytes as an Authorization header value (a C string, as CGI
     * params are). */
    char *header = xstrndup((const char *)data, size);
    bearer_principal p;
    jwt_status why;
    bearer_status bs = bearer_authenticate(header, &v, NOW, &p, &why, err, sizeof err);
    if (bs == BEARER_OK) {
        if (!p.sub || !p.client_id || (p.scopes & ~SCOPE_ALL)) {
            fprintf(stderr, "bad principal\n");
            abort();
        }
        char label[128];
        bearer_principal_label(&p, label, sizeof label);
        bearer_principal_free(&p);
    } else if (bs == BEARER_INVALID && size >= 16 && strstr(err, header)) {
        fprintf(stderr, "the refusal echoes the token\n");
        abort();
    }
    /* The header also goes through the scope parser, like a token's scope. */
    scope_list sl;
    if (scope_parse(header, &sl, err, sizeof err)) {
        char *joined = scope_join(&sl);
        scope_list again;
        if (!scope_parse(joined, &again, err, sizeof err) || again.n != sl.n) {
            fprintf(stderr, "a joined scope list does not parse back\n");
            abort();
        }
        scope_list_free(&again);
        free(joined);
        scope_list_free(&sl);
    }
    free(header);
    return 0;
}
