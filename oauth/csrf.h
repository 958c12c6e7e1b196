/* CSRF tokens for the sign-in and consent forms (RFC 9700 §4.7, RFC 6749
 * §10.12). A token is an HMAC-SHA-256, keyed with the login session's CSRF
 * secret (oauth/login_session.h), over the form's purpose and the pending
 * authorization request it belongs to:
 *
 *   token = base64url(HMAC(secret, "ddbsql-csrf-v1" 0x00 purpose 0x00 binding))
 *
 * So a token is worth nothing in another browser (another session), on
 * another form ("login" vs "consent"), or for another authorization request.
 * Nothing is stored per token; checking compares in constant time. */
#ifndef DDBSQL_OAUTH_CSRF_H
#define DDBSQL_OAUTH_CSRF_H

#include <stdbool.h>
#include <stdint.h>

#define CSRF_SECRET_LEN 32 /* bytes of a session's CSRF secret */
#define CSRF_TOKEN_LEN  43 /* characters of a token (base64url, 32 bytes) */

/* Form purposes. */
#define CSRF_PURPOSE_LOGIN   "login"
#define CSRF_PURPOSE_CONSENT "consent"

/* Writes the token for purpose and binding (the opaque id or hash of the
 * pending authorization request; "" or NULL when there is none). */
void csrf_token(const uint8_t secret[CSRF_SECRET_LEN], const char *purpose, const char *binding,
                char out[CSRF_TOKEN_LEN + 1]);

/* True when token (as submitted; NULL when missing) is the one for this
 * session secret, purpose and binding. */
bool csrf_check(const uint8_t secret[CSRF_SECRET_LEN], const char *purpose, const char *binding,
                const char *token);

#endif
