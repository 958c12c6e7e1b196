/* The HTML pages of /authorize: sign-in, consent and error.
 *
 * Plain HTML5 with one small inline stylesheet, no script, no external
 * asset; readable on a phone (viewport, 16px inputs), accessible (a label
 * per field, visible focus, an alert role for errors, colours above WCAG AA
 * contrast), and working without JavaScript (plain POST forms).
 *
 * Every inserted value goes through html_escape: & < > " ' become entities,
 * invalid UTF-8, control characters and bidirectional overrides (which
 * could make a client name read as another) become U+FFFD, and displayed
 * names are cut to a bounded length.
 *
 * Every page carries the security headers of pages_security_headers:
 *   Content-Security-Policy: default-src 'none'; style-src 'sha256-<the stylesheet>';
 *                            base-uri 'none'; frame-ancestors 'none'
 *   X-Frame-Options: DENY                      (clickjacking, RFC 9700 §4.16)
 *   Referrer-Policy: no-referrer               (the page URL holds the request)
 *   Cache-Control: no-store
 *   X-Content-Type-Options: nosniff
 * There is no form-action directive: browsers apply it to the redirect that
 * follows the consent form too, which would block the way back to the
 * client's redirect_uri.
 *
 * The forms post these fields (names shared with the /authorize handler):
 *   step=login:   request, csrf, username, password
 *   step=consent: request, csrf, decision=approve|deny */
#ifndef DDBSQL_OAUTH_PAGES_H
#define DDBSQL_OAUTH_PAGES_H

#include "../core/base/buf.h"
#include "../core/http/response.h"

#include <stdbool.h>
#include <stddef.h>

#define PAGES_FIELD_STEP       "step"
#define PAGES_FIELD_REQUEST    "request"
#define PAGES_FIELD_CSRF       "csrf"
#define PAGES_FIELD_USERNAME   "username"
#define PAGES_FIELD_PASSWORD   "password"
#define PAGES_FIELD_DECISION   "decision"
#define PAGES_STEP_LOGIN       "login"
#define PAGES_STEP_CONSENT     "consent"
#define PAGES_DECISION_APPROVE "approve"
#define PAGES_DECISION_DENY    "deny"

#define PAGES_NAME_MAX_CHARS 80  /* a displayed name is cut after this many characters */
#define PAGES_URI_MAX_CHARS  200 /* a displayed URI likewise */

typedef struct page_login {
    const char *action;      /* where the form posts: a path ("/authorize") or an http(s) URL */
    const char *request_id;  /* the opaque id of the pending authorization request */
    const char *csrf_token;  /* csrf_token(session secret, CSRF_PURPOSE_LOGIN, request_id) */
    const char *client_name; /* "to continue to ..."; NULL to leave out */
    const char *username;    /* refilled after a failed attempt; NULL for none */
    const char *error;       /* shown above the form ("Wrong user name or password."); or NULL */
} page_login;

/* How the client is known, which decides what the consent page says
 * about its name. */
typedef enum {
    PAGE_CLIENT_PREREGISTERED, /* in the config: the administrator named it */
    PAGE_CLIENT_CIMD,          /* a metadata document: its host is shown */
    PAGE_CLIENT_DYNAMIC,       /* registered itself (DCR): the name is unverified */
} page_client_kind;

typedef struct page_consent {
    const char *action;
    const char *request_id;
    const char *csrf_token; /* csrf_token(secret, CSRF_PURPOSE_CONSENT, request_id) */
    const char *user;       /* who is signed in */
    page_client_kind client_kind;
    const char *client_name;  /* NULL: the client_id is shown instead */
    const char *client_id;    /* required */
    const char *client_host;  /* CIMD: the host of the client_id URL */
    const char *redirect_uri; /* required: where the browser goes afterwards */
    const char *scope;        /* the requested scopes, space-separated */
} page_consent;

/* The security headers above. Each page function adds them itself; this is
 * for other HTML answers of /authorize. Call once per response. */
void pages_security_headers(http_response *r);

/* The sign-in page (status: 200, or e.g. 401 after a wrong password, 429
 * when locked out). */
void pages_login(http_response *r, int status, const page_login *p);
/* The consent page (200). */
void pages_consent(http_response *r, const page_consent *p);
/* An error page that never redirects (unknown client, redirect_uri
 * mismatch, a missing CSRF token, Redis down...). message is plain text. */
void pages_error(http_response *r, int status, const char *title, const char *message);

/* Appends s to out as HTML text or attribute content (always inside
 * double quotes), cut to max_chars characters with "…" when longer
 * (0: no cut). False when out is full. */
bool html_escape(buf_t *out, const char *s, size_t max_chars);

/* What the consent page shows as the place the browser goes to: the
 * origin of an http(s) URI ("https://app.example.com",
 * "http://127.0.0.1:33418"), or the scheme of a private-use URI
 * ("com.example.app:"). */
void pages_redirect_target(const char *uri, char *out, size_t outlen);

/* The plain-language line for a scope ("Run read-only SQL queries ..."),
 * or NULL for a scope ddbsql does not know. */
const char *pages_scope_description(const char *scope);

#endif
