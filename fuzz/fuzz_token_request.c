/* libFuzzer target: reading /token and /revoke requests
 * (oauth/token_request.h): Basic credentials, form decoding with RFC 6749's
 * rules, grant types and their parameters, the PKCE verifier's form. Any
 * input must be accepted or refused with an RFC 6749 §5.2 error, never
 * crash or leak.
 *
 * Input: one flags byte, then the Authorization header up to the first
 * newline when flag 2 is set, then the body. Flags: 1 /revoke, 2 an
 * Authorization header, 4 a wrong Content-Type, 8 a GET, 16 a query string.
 *
 * An accepted request must identify its client and carry what its grant
 * needs; a refusal must leave nothing behind and describe itself in text
 * fit for error_description, with a Basic challenge exactly for
 * invalid_client. */
#include "oauth/token_request.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool cond, const char *what)
{
    if (!cond) {
        fprintf(stderr, "invariant broken: %s\n", what);
        abort();
    }
}

static void accepted(const token_request *r, token_endpoint_kind kind)
{
    check(r->client_id && *r->client_id, "no client_id");
    check(r->basic == (r->auth == CLIENT_AUTH_CLIENT_SECRET_BASIC), "basic flag");
    check((r->auth == CLIENT_AUTH_NONE) == (r->client_secret == NULL), "secret and method");
    check(!r->client_secret_alt || r->basic, "an alternative secret outside Basic");
    if (kind == TOKEN_ENDPOINT_REVOKE) {
        check(r->grant == TOKEN_GRANT_NONE && r->token && *r->token, "revoke without token");
        return;
    }
    switch (r->grant) {
    case TOKEN_GRANT_AUTHORIZATION_CODE:
        check(r->code && r->redirect_uri, "code grant without code or redirect_uri");
        check(token_pkce_verifier_valid(r->code_verifier), "a malformed verifier accepted");
        break;
    case TOKEN_GRANT_REFRESH_TOKEN:
        check(r->refresh_token != NULL, "refresh grant without token");
        break;
    case TOKEN_GRANT_CLIENT_CREDENTIALS:
        break;
    case TOKEN_GRANT_NONE:
        check(false, "a token request without grant");
    }
}

static void refused(const token_request *r, const token_error *e)
{
    check(r->client_id == NULL && r->client_secret == NULL && r->client_secret_alt == NULL &&
              r->form.n == 0 && r->form.items == NULL,
          "a refusal left state behind");
    check(e->status == 400 || e->status == 401 || e->status == 405 || e->status == 413,
          "an unexpected status");
    check(e->error && e->reason && e->description[0], "a refusal without error or description");
    check(e->challenge == (strcmp(e->error, "invalid_client") == 0), "challenge mismatch");
    check((e->status == 401) == e->challenge, "401 without a challenge");
    for (const char *p = e->description; *p; p++)
        check((unsigned char)*p >= 0x20 && (unsigned char)*p <= 0x7e && *p != '"' && *p != '\\',
              "a description unfit for error_description");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    uint8_t flags = data[0];
    const char *rest = (const char *)data + 1;
    size_t len = size - 1;
    char *authz = NULL;
    if (flags & 2) {
        const char *nl = memchr(rest, '\n', len);
        size_t alen = nl ? (size_t)(nl - rest) : len;
        authz = malloc(alen + 1);
        memcpy(authz, rest, alen);
        authz[alen] = '\0';
        rest += nl ? alen + 1 : alen;
        len -= nl ? alen + 1 : alen;
    }
    token_endpoint_kind kind = flags & 1 ? TOKEN_ENDPOINT_REVOKE : TOKEN_ENDPOINT_TOKEN;
    token_request r;
    token_error e;
    bool ok = token_request_parse(kind, flags & 8 ? "GET" : "POST", flags & 16 ? "a=1" : "",
                                  flags & 4 ? "text/plain" : "application/x-www-form-urlencoded",
                                  authz, rest, len, &r, &e);
    if (ok)
        accepted(&r, kind);
    else
        refused(&r, &e);
    token_request_free(&r);
    free(authz);
    return 0;
}
