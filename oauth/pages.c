#include "pages.h"

#include "scope.h"

#include "../core/base/alloc.h"
#include "../core/base/base64.h"
#include "../core/base/crypto.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Every insert is cut to a bounded length, so a page stays far below this. */
#define PAGE_MAX         (256 * 1024)
#define HIDDEN_MAX_CHARS 1024 /* request ids and CSRF tokens are much shorter */

/* The one stylesheet. The CSP admits it by hash, so no other style (and
 * no script at all) can run even if something slipped through escaping. */
static const char CSS[] =
    "*{box-sizing:border-box}"
    "html{font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1b1b1b;"
    "background:#f4f5f7}"
    "body{margin:0;padding:1rem}"
    "main{max-width:30rem;margin:2rem auto;background:#fff;border:1px solid #d0d4da;"
    "border-radius:8px;padding:1.5rem}"
    "h1{font-size:1.4rem;margin:0 0 1rem}"
    "h2{font-size:1rem;margin:1.25rem 0 .5rem}"
    "p{margin:.5rem 0}"
    "ul{margin:.25rem 0;padding-left:1.25rem}"
    "li{margin:.25rem 0}"
    "label{display:block;font-weight:600;margin:1rem 0 .25rem}"
    "input[type=text],input[type=password]{width:100%;font:inherit;padding:.6rem;"
    "border:1px solid #6b7280;border-radius:4px}"
    "button{font:inherit;font-weight:600;padding:.65rem 1.25rem;border-radius:4px;"
    "border:2px solid #1a4fc4;background:#1a4fc4;color:#fff;cursor:pointer}"
    "button.secondary{background:#fff;color:#1b1b1b;border-color:#6b7280}"
    ".buttons{display:flex;flex-wrap:wrap;gap:.75rem;margin-top:1.5rem}"
    "form>button{margin-top:1.5rem;width:100%}"
    ":focus{outline:3px solid #f59e0b;outline-offset:2px}"
    ".error{background:#fdecea;color:#8a1111;border:1px solid #e8a9a5;border-radius:4px;"
    "padding:.6rem}"
    ".note,.small{color:#4b5563;font-size:.9rem}"
    ".uri{word-break:break-all}"
    "strong{word-break:break-word}";

static const char *csp(void)
{
    static char value[256];
    if (!value[0]) {
        uint8_t h[SHA256_LEN];
        sha256(CSS, sizeof CSS - 1, h);
        char *b64 = base64_encode(h, sizeof h);
        snprintf(value, sizeof value,
                 "default-src 'none'; style-src 'sha256-%s'; base-uri 'none'; "
                 "frame-ancestors 'none'",
                 b64);
        free(b64);
    }
    return value;
}

void pages_security_headers(http_response *r)
{
    http_response_header(r, "Content-Security-Policy", csp());
    http_response_header(r, "X-Frame-Options", "DENY");
    http_response_header(r, "Referrer-Policy", "no-referrer");
    http_response_header(r, "Cache-Control", "no-store");
    http_response_header(r, "X-Content-Type-Options", "nosniff");
}

/* ---- escaping --------------------------------------------------------------- */

/* Decodes one UTF-8 sequence at s (NUL-terminated). Returns the bytes used
 * (at least 1) and the code point, or 0xFFFD for an invalid sequence (then
 * one byte is used, as browsers do). */
static size_t utf8_next(const unsigned char *s, uint32_t *cp)
{
    unsigned char c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t n;
    uint32_t v, min;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        v = c & 0x1f;
        min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        v = c & 0x0f;
        min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        v = c & 0x07;
        min = 0x10000;
    } else {
        *cp = 0xfffd;
        return 1;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            *cp = 0xfffd;
            return 1;
        }
        v = v << 6 | (s[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) {
        *cp = 0xfffd;
        return 1;
    }
    *cp = v;
    return n;
}

/* Characters never shown as themselves: controls, and the invisible
 * direction marks and overrides that can reorder what a name seems to say. */
static bool hidden_char(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x061c || cp == 0x200e ||
           cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
           cp == 0xfeff;
}

bool html_escape(buf_t *out, const char *s, size_t max_chars)
{
    if (!s)
        return true;
    const unsigned char *p = (const unsigned char *)s;
    size_t chars = 0;
    bool ok = true;
    while (*p && ok) {
        if (max_chars && chars == max_chars)
            return buf_puts(out, "\xe2\x80\xa6"); /* … */
        uint32_t cp;
        size_t n = utf8_next(p, &cp);
        if (cp == 0xfffd || hidden_char(cp))
            ok = buf_puts(out, "\xef\xbf\xbd");
        else if (cp == '&')
            ok = buf_puts(out, "&amp;");
        else if (cp == '<')
            ok = buf_puts(out, "&lt;");
        else if (cp == '>')
            ok = buf_puts(out, "&gt;");
        else if (cp == '"')
            ok = buf_puts(out, "&quot;");
        else if (cp == '\'')
            ok = buf_puts(out, "&#39;");
        else
            ok = buf_append(out, p, n);
        p += n;
        chars++;
    }
    return ok;
}

/* ---- helpers ----------------------------------------------------------------- */

void pages_redirect_target(const char *uri, char *out, size_t outlen)
{
    if (!uri || !*uri) {
        snprintf(out, outlen, "%s", "");
        return;
    }
    size_t slen = strcspn(uri, ":/?#");
    if (uri[slen] != ':') { /* no scheme: show it as given */
        snprintf(out, outlen, "%s", uri);
        return;
    }
    char scheme[64];
    if (slen >= sizeof scheme)
        slen = sizeof scheme - 1;
    for (size_t i = 0; i < slen; i++)
        scheme[i] = (char)tolower((unsigned char)uri[i]);
    scheme[slen] = '\0';
    const char *rest = uri + strcspn(uri, ":") + 1;
    bool web = !strcmp(scheme, "http") || !strcmp(scheme, "https");
    if (!web || strncmp(rest, "//", 2) != 0) {
        snprintf(out, outlen, "%s:", scheme);
        return;
    }
    rest += 2;
    size_t alen = strcspn(rest, "/?#");
    /* Userinfo is not where the browser goes: "https://bank.example@evil.example". */
    const char *at = NULL;
    for (size_t i = 0; i < alen; i++)
        if (rest[i] == '@')
            at = rest + i;
    if (at) {
        alen -= (size_t)(at + 1 - rest);
        rest = at + 1;
    }
    char host[300];
    if (alen >= sizeof host)
        alen = sizeof host - 1;
    for (size_t i = 0; i < alen; i++)
        host[i] = (char)tolower((unsigned char)rest[i]);
    host[alen] = '\0';
    snprintf(out, outlen, "%s://%s", scheme, host);
}

/* Is the target (as pages_redirect_target gives it) this computer? Only
 * literal loopback addresses and "localhost" count, not "127.example.com". */
static bool loopback_target(const char *target)
{
    const char *h = strstr(target, "://");
    if (!h)
        return false;
    h += 3;
    if (h[0] == '[')
        return strncmp(h, "[::1]", 5) == 0 && (h[5] == '\0' || h[5] == ':');
    char host[64];
    size_t n = strcspn(h, ":");
    if (n >= sizeof host)
        return false;
    memcpy(host, h, n);
    host[n] = '\0';
    struct in_addr a;
    if (inet_pton(AF_INET, host, &a) == 1)
        return (ntohl(a.s_addr) >> 24) == 127;
    return strcmp(host, "localhost") == 0;
}

const char *pages_scope_description(const char *scope)
{
    if (!scope)
        return NULL;
    if (!strcmp(scope, SCOPE_NAME_QUERY))
        return "Run read-only SQL queries on your DynamoDB tables and see the results";
    if (!strcmp(scope, SCOPE_NAME_SCHEMAS_READ))
        return "See which tables there are and what columns they have";
    return NULL;
}

/* A URL fit for the form's action: a path or an http(s) URL; else ""
 * (the form then posts back to the page's own URL). */
static const char *safe_action(const char *a)
{
    if (!a)
        return "";
    if ((a[0] == '/' && a[1] != '/' && a[1] != '\\') || !strncasecmp(a, "https://", 8) ||
        !strncasecmp(a, "http://", 7))
        return a;
    return "";
}

/* ---- page assembly ------------------------------------------------------------ */

static void head(buf_t *b, const char *title)
{
    buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                "<meta name=\"referrer\" content=\"no-referrer\">\n<title>");
    html_escape(b, title, PAGES_NAME_MAX_CHARS);
    buf_puts(b, " \xe2\x80\x93 ddbsql</title>\n<style>");
    buf_puts(b, CSS);
    buf_puts(b, "</style>\n</head>\n<body>\n<main>\n");
}

static void tail(buf_t *b)
{
    buf_puts(b, "</main>\n</body>\n</html>\n");
}

static void hidden(buf_t *b, const char *name, const char *value)
{
    buf_printf(b, "<input type=\"hidden\" name=\"%s\" value=\"", name);
    html_escape(b, value ? value : "", HIDDEN_MAX_CHARS);
    buf_puts(b, "\">\n");
}

static void form_open(buf_t *b, const char *action, const char *step, const char *request,
                      const char *csrf)
{
    buf_puts(b, "<form method=\"post\" action=\"");
    html_escape(b, safe_action(action), 0);
    buf_puts(b, "\">\n");
    hidden(b, PAGES_FIELD_STEP, step);
    hidden(b, PAGES_FIELD_REQUEST, request);
    hidden(b, PAGES_FIELD_CSRF, csrf);
}

static void finish(http_response *r, int status, buf_t *b)
{
    http_response_text(r, status, "text/html; charset=utf-8", buf_cstr(b));
    pages_security_headers(r);
    buf_free(b);
}

void pages_login(http_response *r, int status, const page_login *p)
{
    buf_t b = BUF_INIT(PAGE_MAX);
    head(&b, "Sign in");
    buf_puts(&b, "<h1>Sign in to ddbsql</h1>\n");
    if (p->client_name && *p->client_name) {
        buf_puts(&b, "<p>to continue to <strong>");
        html_escape(&b, p->client_name, PAGES_NAME_MAX_CHARS);
        buf_puts(&b, "</strong></p>\n");
    }
    if (p->error && *p->error) {
        buf_puts(&b, "<p class=\"error\" role=\"alert\">");
        html_escape(&b, p->error, 400);
        buf_puts(&b, "</p>\n");
    }
    form_open(&b, p->action, PAGES_STEP_LOGIN, p->request_id, p->csrf_token);
    bool have_user = p->username && *p->username;
    buf_puts(&b, "<label for=\"username\">User name</label>\n"
                 "<input id=\"username\" name=\"" PAGES_FIELD_USERNAME "\" type=\"text\" "
                 "autocomplete=\"username\" autocapitalize=\"none\" spellcheck=\"false\" "
                 "maxlength=\"256\" required");
    if (have_user) {
        buf_puts(&b, " value=\"");
        html_escape(&b, p->username, 256);
        buf_puts(&b, "\"");
    } else {
        buf_puts(&b, " autofocus");
    }
    buf_puts(&b, ">\n<label for=\"password\">Password</label>\n"
                 "<input id=\"password\" name=\"" PAGES_FIELD_PASSWORD "\" type=\"password\" "
                 "autocomplete=\"current-password\" maxlength=\"1024\" required");
    if (have_user)
        buf_puts(&b, " autofocus");
    buf_puts(&b, ">\n<button type=\"submit\">Sign in</button>\n</form>\n");
    tail(&b);
    finish(r, status, &b);
}

void pages_consent(http_response *r, const page_consent *p)
{
    buf_t b = BUF_INIT(PAGE_MAX);
    const char *name = p->client_name && *p->client_name ? p->client_name : p->client_id;
    head(&b, "Allow access?");
    buf_puts(&b, "<h1>Allow access to ddbsql?</h1>\n<p><strong>");
    html_escape(&b, name, PAGES_NAME_MAX_CHARS);
    buf_puts(&b, "</strong> wants to use ddbsql as <strong>");
    html_escape(&b, p->user, PAGES_NAME_MAX_CHARS);
    buf_puts(&b, "</strong>.</p>\n<p class=\"note\">");
    switch (p->client_kind) {
    case PAGE_CLIENT_CIMD:
        buf_puts(&b, "This application is identified by <strong>");
        html_escape(&b, p->client_host ? p->client_host : "(unknown host)", PAGES_NAME_MAX_CHARS);
        buf_puts(&b, "</strong>. Continue only if you trust that site.");
        break;
    case PAGE_CLIENT_DYNAMIC:
        buf_puts(&b, "This application registered itself: its name is not verified. Continue "
                     "only if you just started the sign-in from it.");
        break;
    case PAGE_CLIENT_PREREGISTERED:
        buf_puts(&b, "This application was registered by your administrator.");
        break;
    }
    buf_puts(&b, "</p>\n<h2>It will be able to</h2>\n<ul>\n");
    /* One line per requested scope, in the order requested, each once. */
    char *copy = xstrdup(p->scope ? p->scope : "");
    size_t shown = 0;
    char *save = NULL;
    for (char *tok = strtok_r(copy, " ", &save); tok && shown < SCOPE_MAX_TOKENS;
         tok = strtok_r(NULL, " ", &save)) {
        const char *desc = pages_scope_description(tok);
        buf_puts(&b, "<li>");
        if (desc) {
            buf_puts(&b, desc);
        } else {
            buf_puts(&b, "A permission ddbsql does not know: <code>");
            html_escape(&b, tok, PAGES_NAME_MAX_CHARS);
            buf_puts(&b, "</code>");
        }
        buf_puts(&b, "</li>\n");
        shown++;
    }
    free(copy);
    if (shown == 0)
        buf_puts(&b, "<li>Nothing beyond knowing who you are</li>\n");
    buf_puts(&b, "</ul>\n<h2>Afterwards your browser goes to</h2>\n<p><strong>");
    char target[512];
    pages_redirect_target(p->redirect_uri, target, sizeof target);
    html_escape(&b, target, PAGES_URI_MAX_CHARS);
    buf_puts(&b, "</strong>");
    if (loopback_target(target))
        buf_puts(&b, " (an application on this computer)");
    buf_puts(&b, "</p>\n<p class=\"small uri\">");
    html_escape(&b, p->redirect_uri, PAGES_URI_MAX_CHARS);
    buf_puts(&b, "</p>\n");
    form_open(&b, p->action, PAGES_STEP_CONSENT, p->request_id, p->csrf_token);
    buf_puts(&b, "<div class=\"buttons\">\n"
                 "<button type=\"submit\" name=\"" PAGES_FIELD_DECISION
                 "\" value=\"" PAGES_DECISION_APPROVE "\">Approve</button>\n"
                 "<button type=\"submit\" name=\"" PAGES_FIELD_DECISION
                 "\" value=\"" PAGES_DECISION_DENY "\" class=\"secondary\">Deny</button>\n"
                 "</div>\n</form>\n");
    tail(&b);
    finish(r, 200, &b);
}

void pages_error(http_response *r, int status, const char *title, const char *message)
{
    buf_t b = BUF_INIT(PAGE_MAX);
    head(&b, title && *title ? title : "Error");
    buf_puts(&b, "<h1>");
    html_escape(&b, title && *title ? title : "Something went wrong", PAGES_NAME_MAX_CHARS);
    buf_puts(&b, "</h1>\n<p class=\"error\" role=\"alert\">");
    html_escape(&b, message ? message : "", 2000);
    buf_puts(&b, "</p>\n<p class=\"small\">You were not sent back to the application. You can "
                 "close this window and start again from the application.</p>\n");
    tail(&b);
    finish(r, status, &b);
}
