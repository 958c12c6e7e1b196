/* oauth/pages: the sign-in, consent and error pages: hostile values are
 * escaped (a client name with <script>, quotes in a host, bidi overrides,
 * invalid UTF-8), the security headers are there (and the CSP hash is the
 * stylesheet's), the forms carry the fields the handler reads, and the
 * consent page names the client, its host, the redirect target and each
 * scope. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "oauth/pages.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The value of a response header, or NULL; fails on a duplicate. */
static char *header(const http_response *r, const char *name)
{
    static char val[1024];
    const char *p = buf_cstr(&r->headers), *found = NULL;
    size_t n = strlen(name);
    while (*p) {
        const char *eol = strstr(p, "\r\n");
        assert_non_null(eol);
        if ((size_t)(eol - p) > n + 1 && strncasecmp(p, name, n) == 0 && p[n] == ':') {
            if (found)
                fail_msg("header %s twice", name);
            found = p + n + 2;
            snprintf(val, sizeof val, "%.*s", (int)(eol - found), found);
        }
        p = eol + 2;
    }
    return found ? val : NULL;
}

static size_t count(const char *hay, const char *needle)
{
    size_t c = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        c++;
    return c;
}

static void has(const char *body, const char *s)
{
    if (!strstr(body, s))
        fail_msg("page lacks: %s\n----\n%s", s, body);
}

static void lacks(const char *body, const char *s)
{
    if (strstr(body, s))
        fail_msg("page has: %s\n----\n%s", s, body);
}

/* Headers every page carries, and the CSP hash of its one stylesheet. */
static void check_page(const http_response *r)
{
    const char *body = buf_cstr(&r->body);
    assert_string_equal(header(r, "Content-Type"), "text/html; charset=utf-8");
    assert_string_equal(header(r, "X-Frame-Options"), "DENY");
    assert_string_equal(header(r, "Referrer-Policy"), "no-referrer");
    assert_string_equal(header(r, "Cache-Control"), "no-store");
    assert_string_equal(header(r, "X-Content-Type-Options"), "nosniff");
    assert_null(header(r, "Location"));
    const char *style = strstr(body, "<style>");
    assert_non_null(style);
    style += 7;
    const char *end = strstr(style, "</style>");
    assert_non_null(end);
    assert_int_equal(count(body, "<style"), 1);
    unsigned char md[32];
    unsigned int mdlen = 0;
    EVP_Digest(style, (size_t)(end - style), md, &mdlen, EVP_sha256(), NULL);
    unsigned char b64[64];
    EVP_EncodeBlock(b64, md, (int)mdlen);
    char want[512];
    snprintf(want, sizeof want,
             "default-src 'none'; style-src 'sha256-%s'; base-uri 'none'; frame-ancestors 'none'",
             b64);
    assert_string_equal(header(r, "Content-Security-Policy"), want);
    lacks(body, "<script");
    lacks(body, "http-equiv");
    assert_true(strncmp(body, "<!DOCTYPE html>", 15) == 0);
    has(body, "<meta name=\"viewport\"");
}

static void escaped(const char *in, size_t max, const char *want)
{
    buf_t b = BUF_INIT(4096);
    assert_true(html_escape(&b, in, max));
    assert_string_equal(buf_cstr(&b), want);
    buf_free(&b);
}

static void test_escape(void **state)
{
    (void)state;
    escaped("plain", 0, "plain");
    escaped("<script>alert('x')</script>", 0, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
    escaped("a\"b&c", 0, "a&quot;b&amp;c");
    escaped("caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80", 0,
            "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80");
    /* Invalid UTF-8: a lone continuation, an overlong '<', a surrogate, a
     * truncated sequence, 0xFF. */
    escaped("a\x80z", 0, "a\xef\xbf\xbdz");
    escaped("\xc0\xbc", 0, "\xef\xbf\xbd\xef\xbf\xbd");
    escaped("\xed\xa0\x80", 0, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    escaped("\xe2\x9c", 0, "\xef\xbf\xbd\xef\xbf\xbd");
    escaped("\xff", 0, "\xef\xbf\xbd");
    /* Controls and direction overrides never show as themselves:
     * "Good\u202Elivec" would read as "Goodcevil". */
    escaped("Good\xe2\x80\xaelivec", 0, "Good\xef\xbf\xbdlivec");
    escaped("a\nb\tc\x1b", 0,
            "a\xef\xbf\xbd"
            "b\xef\xbf\xbd"
            "c\xef\xbf\xbd");
    escaped("\xe2\x81\xa6x\xe2\x80\x8f", 0, "\xef\xbf\xbdx\xef\xbf\xbd");
    escaped("\xc2\x85", 0, "\xef\xbf\xbd"); /* C1 NEL */
    /* Cut by characters (an entity or a multibyte character is one). */
    escaped("abcdef", 3, "abc\xe2\x80\xa6");
    escaped("abc", 3, "abc");
    escaped("<<<<", 2, "&lt;&lt;\xe2\x80\xa6");
    escaped("\xc3\xa9\xc3\xa9\xc3\xa9", 2, "\xc3\xa9\xc3\xa9\xe2\x80\xa6");
    escaped(NULL, 0, "");
    /* A full buffer is reported. */
    buf_t small = BUF_INIT(4);
    assert_false(html_escape(&small, "<<", 0));
    buf_free(&small);
}

static void test_login_page(void **state)
{
    (void)state;
    http_response r;
    http_response_init(&r);
    page_login p = {
        .action = "/authorize",
        .request_id = "rq\"<x>",
        .csrf_token = "tok'en",
        .client_name = "<script>alert(1)</script>",
        .username = "\"><script>alert(2)</script>",
        .error = "Wrong user name or password.",
    };
    pages_login(&r, 401, &p);
    assert_int_equal(r.status, 401);
    check_page(&r);
    const char *body = buf_cstr(&r.body);
    has(body, "<form method=\"post\" action=\"/authorize\">");
    has(body, "<input type=\"hidden\" name=\"step\" value=\"login\">");
    has(body, "<input type=\"hidden\" name=\"request\" value=\"rq&quot;&lt;x&gt;\">");
    has(body, "<input type=\"hidden\" name=\"csrf\" value=\"tok&#39;en\">");
    has(body, "to continue to <strong>&lt;script&gt;alert(1)&lt;/script&gt;</strong>");
    has(body, "value=\"&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;\"");
    has(body, "<p class=\"error\" role=\"alert\">Wrong user name or password.</p>");
    /* Labels tied to their fields; the password field takes the focus
     * when the name is refilled. */
    has(body, "<label for=\"username\">User name</label>");
    has(body, "<input id=\"username\" name=\"username\" type=\"text\" autocomplete=\"username\"");
    has(body, "<label for=\"password\">Password</label>");
    has(body, "type=\"password\" autocomplete=\"current-password\" maxlength=\"1024\" required "
              "autofocus>");
    has(body, "<button type=\"submit\">Sign in</button>");
    assert_int_equal(count(body, "autofocus"), 1);
    http_response_free(&r);

    /* A first visit: no error, no name; the user name field has the focus. */
    http_response_init(&r);
    page_login first = {.action = "/authorize", .request_id = "r1", .csrf_token = "t1"};
    pages_login(&r, 200, &first);
    assert_int_equal(r.status, 200);
    check_page(&r);
    body = buf_cstr(&r.body);
    lacks(body, "role=\"alert\"");
    lacks(body, "to continue to");
    has(body, "maxlength=\"256\" required autofocus>");
    assert_int_equal(count(body, "autofocus"), 1);
    http_response_free(&r);
}

static void test_form_action_is_safe(void **state)
{
    (void)state;
    static const char *const bad[] = {"javascript:alert(1)", "//evil.example/x", "/\\evil.example",
                                      "data:text/html,x", NULL};
    for (int i = 0; i < 5; i++) {
        http_response r;
        http_response_init(&r);
        page_login p = {.action = bad[i], .request_id = "r", .csrf_token = "t"};
        pages_login(&r, 200, &p);
        has(buf_cstr(&r.body), "<form method=\"post\" action=\"\">");
        http_response_free(&r);
    }
    http_response r;
    http_response_init(&r);
    page_login p = {.action = "https://mcp.example.com/authorize?a=1&b=2",
                    .request_id = "r",
                    .csrf_token = "t"};
    pages_login(&r, 200, &p);
    has(buf_cstr(&r.body), "action=\"https://mcp.example.com/authorize?a=1&amp;b=2\"");
    http_response_free(&r);
}

static void test_consent_page(void **state)
{
    (void)state;
    http_response r;
    http_response_init(&r);
    page_consent p = {
        .action = "/authorize",
        .request_id = "req-1",
        .csrf_token = "csrf-1",
        .user = "alice",
        .client_kind = PAGE_CLIENT_CIMD,
        .client_name = "Example <b>Client</b>",
        .client_id = "https://app.example.com/oauth/client.json",
        .client_host = "app.example.com\" onmouseover=\"alert(1)",
        .redirect_uri = "http://127.0.0.1:33418/callback?x=<y>",
        .scope = "query schemas:read",
    };
    pages_consent(&r, &p);
    assert_int_equal(r.status, 200);
    check_page(&r);
    const char *body = buf_cstr(&r.body);
    has(body, "<strong>Example &lt;b&gt;Client&lt;/b&gt;</strong> wants to use ddbsql as "
              "<strong>alice</strong>");
    has(body, "identified by <strong>app.example.com&quot; onmouseover=&quot;alert(1)</strong>");
    lacks(body, "\" onmouseover");
    has(body, "<li>Run read-only SQL queries on your DynamoDB tables and see the results</li>");
    has(body, "<li>See which tables there are and what columns they have</li>");
    has(body, "goes to</h2>\n<p><strong>http://127.0.0.1:33418</strong> (an application on this "
              "computer)");
    has(body, "http://127.0.0.1:33418/callback?x=&lt;y&gt;");
    has(body, "<input type=\"hidden\" name=\"step\" value=\"consent\">");
    has(body, "<input type=\"hidden\" name=\"request\" value=\"req-1\">");
    has(body, "<input type=\"hidden\" name=\"csrf\" value=\"csrf-1\">");
    has(body, "<button type=\"submit\" name=\"decision\" value=\"approve\">Approve</button>");
    has(body, "<button type=\"submit\" name=\"decision\" value=\"deny\" "
              "class=\"secondary\">Deny</button>");
    assert_int_equal(count(body, "<form "), 1);
    http_response_free(&r);
}

static void test_consent_variants(void **state)
{
    (void)state;
    http_response r;
    http_response_init(&r);
    /* A self-registered client: the name is flagged as unverified; an
     * unknown scope is shown as such (escaped); duplicates are not special. */
    page_consent p = {
        .action = "/authorize",
        .request_id = "r",
        .csrf_token = "t",
        .user = "bob",
        .client_kind = PAGE_CLIENT_DYNAMIC,
        .client_name = "Claude\xe2\x80\xae"
                       "edualC",
        .client_id = "dcr-123",
        .redirect_uri = "https://user:pw@bank.example@evil.example:8443/cb",
        .scope = "query <odd>",
    };
    pages_consent(&r, &p);
    check_page(&r);
    const char *body = buf_cstr(&r.body);
    has(body, "<strong>Claude\xef\xbf\xbd"
              "edualC</strong>");
    has(body, "registered itself: its name is not verified");
    has(body, "<li>A permission ddbsql does not know: <code>&lt;odd&gt;</code></li>");
    has(body, "<p><strong>https://evil.example:8443</strong></p>");
    lacks(body, "on this computer");
    http_response_free(&r);

    /* Only literal loopback hosts are "this computer". */
    static const char *const near_misses[] = {
        "http://127.example.com/cb", "http://localhost.example.com:80/cb",
        "http://127.0.0.1.example.com/cb", "https://[::1].example/cb"};
    for (size_t i = 0; i < 4; i++) {
        http_response_init(&r);
        p.redirect_uri = near_misses[i];
        pages_consent(&r, &p);
        lacks(buf_cstr(&r.body), "on this computer");
        http_response_free(&r);
    }
    static const char *const loopbacks[] = {"http://localhost:9/cb", "http://127.1.2.3/cb",
                                            "http://[::1]:4000/cb"};
    for (size_t i = 0; i < 3; i++) {
        http_response_init(&r);
        p.redirect_uri = loopbacks[i];
        pages_consent(&r, &p);
        has(buf_cstr(&r.body), "(an application on this computer)");
        http_response_free(&r);
    }

    /* Pre-registered, no name (the client_id stands in), no scope, a
     * private-use redirect. */
    http_response_init(&r);
    page_consent q = {
        .action = "/authorize",
        .request_id = "r",
        .csrf_token = "t",
        .user = "carol",
        .client_kind = PAGE_CLIENT_PREREGISTERED,
        .client_id = "codex",
        .redirect_uri = "com.example.App:/oauth/cb",
        .scope = "",
    };
    pages_consent(&r, &q);
    check_page(&r);
    body = buf_cstr(&r.body);
    has(body, "<strong>codex</strong> wants to use ddbsql as <strong>carol</strong>");
    has(body, "registered by your administrator");
    has(body, "<li>Nothing beyond knowing who you are</li>");
    has(body, "<p><strong>com.example.app:</strong></p>");
    http_response_free(&r);

    /* A very long name is cut. */
    char longname[400];
    memset(longname, 'N', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    http_response_init(&r);
    q.client_name = longname;
    pages_consent(&r, &q);
    body = buf_cstr(&r.body);
    char cut[PAGES_NAME_MAX_CHARS + 16];
    memset(cut, 'N', PAGES_NAME_MAX_CHARS);
    snprintf(cut + PAGES_NAME_MAX_CHARS, 16, "\xe2\x80\xa6</strong>");
    has(body, cut);
    http_response_free(&r);
}

static void target(const char *uri, const char *want)
{
    char out[256];
    pages_redirect_target(uri, out, sizeof out);
    assert_string_equal(out, want);
}

static void test_redirect_target(void **state)
{
    (void)state;
    target("https://app.example.com/cb?x=1", "https://app.example.com");
    target("HTTPS://App.Example.COM:8443/cb", "https://app.example.com:8443");
    target("http://127.0.0.1:33418/callback", "http://127.0.0.1:33418");
    target("http://[::1]:8080/cb", "http://[::1]:8080");
    target("https://trusted.example@evil.example/", "https://evil.example");
    target("https://a.example#frag", "https://a.example");
    target("com.example.app:/oauth2redirect", "com.example.app:");
    target("cursor://anysphere.cursor-retrieval/oauth", "cursor:");
    target("no-scheme/path", "no-scheme/path");
    target("", "");
    target(NULL, "");
    assert_null(pages_scope_description("admin"));
    assert_null(pages_scope_description(NULL));
    assert_non_null(pages_scope_description("query"));
}

static void test_error_page(void **state)
{
    (void)state;
    http_response r;
    http_response_init(&r);
    pages_error(&r, 400, "Unknown application",
                "The client_id '<img src=x onerror=alert(1)>' is not registered.");
    assert_int_equal(r.status, 400);
    check_page(&r);
    const char *body = buf_cstr(&r.body);
    has(body, "<title>Unknown application \xe2\x80\x93 ddbsql</title>");
    has(body, "<h1>Unknown application</h1>");
    has(body, "The client_id &#39;&lt;img src=x onerror=alert(1)&gt;&#39; is not registered.");
    lacks(body, "<img");
    lacks(body, "<a ");
    lacks(body, "<form");
    http_response_free(&r);

    http_response_init(&r);
    pages_error(&r, 503, NULL, NULL);
    assert_int_equal(r.status, 503);
    check_page(&r);
    has(buf_cstr(&r.body), "<h1>Something went wrong</h1>");
    http_response_free(&r);

    /* The headers alone, for other HTML answers. */
    http_response_init(&r);
    pages_security_headers(&r);
    assert_string_equal(header(&r, "X-Frame-Options"), "DENY");
    assert_non_null(strstr(header(&r, "Content-Security-Policy"), "frame-ancestors 'none'"));
    http_response_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape),
        cmocka_unit_test(test_login_page),
        cmocka_unit_test(test_form_action_is_safe),
        cmocka_unit_test(test_consent_page),
        cmocka_unit_test(test_consent_variants),
        cmocka_unit_test(test_redirect_target),
        cmocka_unit_test(test_error_page),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
