/* The requests of POST /token and POST /revoke as read from the wire, before
 * any lookup (oauth/token_endpoint.h serves them): the method, the
 * Content-Type, the body's parameters under RFC 6749's rules (oauth/form.h:
 * caps, no parameter twice), parameters in the URL refused, the client's
 * identification (HTTP Basic, client_secret_post, or client_id alone, one
 * method only), the grant type and the parameters each grant requires,
 * including the form of the PKCE verifier (RFC 7636 §4.1). A separate module
 * with no I/O, so the fuzzer drives it alone (fuzz/fuzz_token_request.c). */
#ifndef DDBSQL_OAUTH_TOKEN_REQUEST_H
#define DDBSQL_OAUTH_TOKEN_REQUEST_H

#include "client_registry.h"

#include "../core/base/urlcode.h"

#include <stdbool.h>
#include <stddef.h>

#define TOKEN_MAX_BODY    8192 /* bytes of a token or revocation request */
#define TOKEN_MAX_PARAMS  16   /* parameters in one request */
#define TOKEN_MAX_VALUE   2048 /* bytes of one parameter (a CIMD client_id is a URL) */
#define TOKEN_BASIC_REALM "ddbsql"

typedef enum {
    TOKEN_ENDPOINT_TOKEN,  /* /token */
    TOKEN_ENDPOINT_REVOKE, /* /revoke */
} token_endpoint_kind;

typedef enum {
    TOKEN_GRANT_NONE = 0, /* /revoke */
    TOKEN_GRANT_AUTHORIZATION_CODE,
    TOKEN_GRANT_REFRESH_TOKEN,
    TOKEN_GRANT_CLIENT_CREDENTIALS,
} token_grant;

/* "authorization_code", "refresh_token", "client_credentials", "revoke". */
const char *token_grant_name(token_grant g);

/* A request as read from the wire, before any lookup. Strings other than
 * client_id and the secrets point into form. */
typedef struct token_request {
    token_endpoint_kind kind;
    token_grant grant;
    client_auth_method auth; /* none: client_id alone */
    bool basic;              /* the credentials came in the Authorization header */
    char *client_id;
    char *client_secret;     /* NULL with CLIENT_AUTH_NONE; wiped on free */
    char *client_secret_alt; /* Basic: the form-decoded password when it differs (§2.3.1) */
    kvlist_t form;           /* every parameter; values wiped on free */
    const char *code, *redirect_uri, *code_verifier, *refresh_token, *scope, *resource;
    const char *token, *token_type_hint; /* /revoke */
} token_request;

/* A refusal: the HTTP status, the RFC 6749 §5.2 code, a description a
 * person can act on (never quoting a secret), a short reason for the log,
 * and whether to challenge with WWW-Authenticate: Basic. */
typedef struct token_error {
    int status;
    const char *error;
    const char *reason;
    char description[256];
    bool challenge;
} token_error;

/* Reads a request (the method, QUERY_STRING, Content-Type and
 * Authorization headers and the body; any may be NULL) into *out. On
 * failure returns false with *e filled and *out empty (safe to free). No
 * lookup happens here: this is what the fuzzer drives. */
bool token_request_parse(token_endpoint_kind kind, const char *method, const char *query,
                         const char *content_type, const char *authorization, const char *body,
                         size_t len, token_request *out, token_error *e);
void token_request_free(token_request *r);

/* RFC 7636 §4.1: 43..128 characters of [A-Za-z0-9-._~]. */
bool token_pkce_verifier_valid(const char *verifier);
/* True when BASE64URL(SHA256(verifier)) equals challenge (constant time). */
bool token_pkce_s256_matches(const char *verifier, const char *challenge);

#endif
