/* Redirect URIs: which ones a client may register, and whether the
 * redirect_uri of an authorization request is one it registered.
 *
 * Registration (pre-registered clients, CIMD documents, DCR) accepts three
 * forms and nothing else:
 *   https://host[:port]/path[?query]        any public web client
 *   http://127.0.0.1[:port]/path, http://[::1][:port]/path, http://localhost[:port]/path
 *                                           native apps on the loopback interface (RFC 8252 §7.3)
 *   com.example.app:/path                   a private-use scheme of a native app, written as a
 *                                           reverse domain name, so with a dot (RFC 8252 §7.1)
 * Every form is printable ASCII without spaces, backslashes or a fragment
 * (RFC 6749 §3.1.2), with a lowercase scheme, and http(s) URIs carry no
 * user-info ("https://good.example@evil.example/" is refused).
 *
 * Matching (RFC 9700 §4.1.3) is simple string comparison: no case folding,
 * no percent-decoding, no trailing-slash or default-port equivalence. The
 * one exception is RFC 8252 §7.3: for a registered http://127.0.0.1 or
 * http://[::1] URI the request may name any port (native apps bind an
 * ephemeral one), everything else still compared exactly. localhost gets no
 * such exception (RFC 8252 §8.3 discourages it; its name can be re-bound). */
#ifndef DDBSQL_OAUTH_REDIRECT_URI_H
#define DDBSQL_OAUTH_REDIRECT_URI_H

#include <stdbool.h>
#include <stddef.h>

#define REDIRECT_URI_MAX 2048 /* bytes of one redirect URI */

typedef enum {
    REDIRECT_INVALID = 0,
    REDIRECT_HTTPS,          /* https://host... */
    REDIRECT_LOOPBACK_IP,    /* http://127.0.0.1... or http://[::1]... */
    REDIRECT_LOCALHOST,      /* http://localhost... */
    REDIRECT_PRIVATE_SCHEME, /* com.example.app:... */
} redirect_uri_kind;

/* The kind of uri if it may be registered; otherwise REDIRECT_INVALID with
 * the reason in why, phrased to follow the URI, e.g. "has a fragment (#...),
 * which a redirect URI may not have (RFC 6749 §3.1.2)". The signature fits
 * config.c's string checkers through redirect_uri_check. */
redirect_uri_kind redirect_uri_classify(const char *uri, char *why, size_t whylen);
bool redirect_uri_check(const char *uri, char *why, size_t whylen);

/* True when the requested URI matches the registered one under the rules
 * above (both NUL-terminated; NULL never matches). */
bool redirect_uri_matches(const char *registered, const char *requested);

#endif
