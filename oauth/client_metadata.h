/* OAuth client metadata (RFC 7591 §2) as ddbsql accepts it from a client:
 * a DCR registration request (POST /register), a Client ID Metadata
 * Document (CIMD), or a registration ddbsql stored itself. One validator
 * for all three, so a client cannot get through one path what another
 * refuses. Every client registered this way is public: it authenticates
 * nowhere (token_endpoint_auth_method "none") and proves possession with
 * PKCE alone.
 *
 * The JSON is strict: one object, valid UTF-8, no member name twice at any
 * depth (json-c would silently keep the last one), bounded size and depth.
 * Accepted members (unknown members are ignored, RFC 7591 §2):
 *   redirect_uris               required; 1..CLIENT_METADATA_MAX_REDIRECTS strings, each one
 *                               that oauth/redirect_uri.h accepts (duplicates dropped)
 *   client_name                 optional; 1..CLIENT_NAME_MAX bytes, no control or bidi characters
 *   token_endpoint_auth_method  optional; "none" (the default here, since no other is accepted)
 *   grant_types                 optional; authorization_code and refresh_token (default both);
 *                               authorization_code is required
 *   response_types              optional; ["code"]
 *   scope                       optional; known scopes kept, the unknown dropped, and at least
 *                               one known scope must remain (default: every scope)
 *   client_uri, logo_uri, tos_uri, policy_uri, jwks_uri, software_id, software_version,
 *   software_statement, application_type  optional strings, only type- and size-checked
 *   contacts                    optional array of strings; jwks optional object
 *   client_id                   CIMD: required, exactly the document's URL; stored: required;
 *                               DCR: ignored (the server assigns it)
 *   client_secret, client_secret_expires_at  refused in a CIMD document (the draft forbids
 *                               shared secrets there), ignored in a DCR request
 *   client_id_issued_at         stored: the registration time */
#ifndef DDBSQL_OAUTH_CLIENT_METADATA_H
#define DDBSQL_OAUTH_CLIENT_METADATA_H

#include "../core/conf/config.h" /* OAUTH_GRANT_* */

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CLIENT_NAME_MAX               128   /* bytes of client_name */
#define CLIENT_METADATA_MAX_REDIRECTS 10    /* redirect_uris entries */
#define CLIENT_METADATA_MAX_STRING    2048  /* bytes of any other string member */
#define CLIENT_METADATA_MAX_CONTACTS  10    /* contacts entries */
#define CLIENT_METADATA_MAX_DEPTH     16    /* JSON nesting */
#define CLIENT_METADATA_MAX_BYTES     16384 /* a whole document */
#define CLIENT_ID_MAX                 2048  /* bytes of a client_id (a CIMD URL at most) */

typedef enum {
    CLIENT_METADATA_OK = 0,
    CLIENT_METADATA_INVALID,      /* RFC 7591 invalid_client_metadata */
    CLIENT_METADATA_BAD_REDIRECT, /* RFC 7591 invalid_redirect_uri */
} client_metadata_status;

typedef enum {
    CLIENT_METADATA_DCR,    /* a registration request */
    CLIENT_METADATA_CIMD,   /* a fetched metadata document */
    CLIENT_METADATA_STORED, /* a registration ddbsql stored */
} client_metadata_source;

/* The accepted metadata (strings malloc'd; free with client_metadata_free). */
typedef struct client_metadata {
    char *client_id;   /* NULL for DCR */
    char *client_name; /* NULL when absent */
    char **redirect_uris;
    size_t nredirect_uris;
    unsigned grant_types;        /* OAUTH_GRANT_* */
    char *scope;                 /* the known scopes, space-separated, canonical order */
    int64_t client_id_issued_at; /* stored only; 0 otherwise */
} client_metadata;

/* Validates the JSON text (len bytes, need not be NUL-terminated). For
 * CLIENT_METADATA_CIMD, expected_client_id is the URL the document came
 * from. On failure *out is empty and why says which member is wrong and
 * how, e.g. "redirect_uris[1]: 'http://example.com/cb' uses http on a
 * host other than ..." (values are quoted, cut to a few dozen bytes). */
client_metadata_status client_metadata_parse(const char *json, size_t len,
                                             client_metadata_source src,
                                             const char *expected_client_id, client_metadata *out,
                                             char *why, size_t whylen);
void client_metadata_free(client_metadata *m);

/* The RFC 7591 §3.2.1 view: client_id (when set), client_id_issued_at
 * (when set), client_name (when set), redirect_uris, grant_types,
 * response_types ["code"], token_endpoint_auth_method "none", scope. Used
 * for the 201 answer and, parsed back as CLIENT_METADATA_STORED, for
 * storage. New object; the caller puts it. */
json_object *client_metadata_to_json(const client_metadata *m);

/* Strict-JSON helper: true when some object in the text (already valid
 * JSON) has a member name twice; the name (decoded, cut to fit) goes to
 * name. */
bool json_has_duplicate_member(const char *text, size_t len, char *name, size_t namelen);

/* "authorization_code", "refresh_token", "client_credentials" -> its
 * OAUTH_GRANT_* bit; 0 for anything else. */
unsigned oauth_grant_bit(const char *name);

#endif
