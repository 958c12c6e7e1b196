/* oauth/redirect_uri: which redirect URIs may be registered, and exact
 * matching with the RFC 8252 loopback-port exception only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "oauth/redirect_uri.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_accepted_forms(void **state)
{
    (void)state;
    static const struct {
        const char *uri;
        redirect_uri_kind kind;
    } ok[] = {
        {"https://app.example.com/callback", REDIRECT_HTTPS},
        {"https://app.example.com", REDIRECT_HTTPS},
        {"https://app.example.com:8443/cb?x=1&y=2", REDIRECT_HTTPS},
        {"https://192.0.2.10/cb", REDIRECT_HTTPS},
        {"https://[2001:db8::1]:444/cb", REDIRECT_HTTPS},
        {"https://claude.ai/api/mcp/auth_callback", REDIRECT_HTTPS},
        {"http://127.0.0.1/cb", REDIRECT_LOOPBACK_IP},
        {"http://127.0.0.1:33418/callback", REDIRECT_LOOPBACK_IP},
        {"http://[::1]:8080/cb", REDIRECT_LOOPBACK_IP},
        {"http://[::1]", REDIRECT_LOOPBACK_IP},
        {"http://localhost:3000/callback", REDIRECT_LOCALHOST},
        {"http://localhost/cb?a=b", REDIRECT_LOCALHOST},
        {"com.example.app:/oauth2redirect/example-provider", REDIRECT_PRIVATE_SCHEME},
        {"com.example.app://callback", REDIRECT_PRIVATE_SCHEME},
        {"io.github.some-user.tool:/cb", REDIRECT_PRIVATE_SCHEME},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char why[256] = "";
        redirect_uri_kind k = redirect_uri_classify(ok[i].uri, why, sizeof why);
        if (k != ok[i].kind)
            fail_msg("%s: kind %d, expected %d (%s)", ok[i].uri, k, ok[i].kind, why);
        assert_true(redirect_uri_check(ok[i].uri, NULL, 0));
    }
}

static void test_refused_forms(void **state)
{
    (void)state;
    static const struct {
        const char *uri, *why;
    } bad[] = {
        {"", "is empty"},
        {"/relative/cb", "not an absolute URI"},
        {"app.example.com/cb", "not an absolute URI"},
        {"http://example.com/cb", "uses http on a host other than"},
        {"http://app.example.com:80/cb", "uses http on a host other than"},
        {"http://127.0.0.2/cb", "uses http on a host other than"},
        {"http://127.1/cb", "uses http on a host other than"},
        {"http://0x7f000001/cb", "uses http on a host other than"},
        {"http://localhost.evil.example/cb", "uses http on a host other than"},
        {"http://127.0.0.1.evil.example/cb", "uses http on a host other than"},
        {"http://LOCALHOST/cb", "uses http on a host other than"},
        {"http://[::ffff:127.0.0.1]/cb", "uses http on a host other than"},
        {"http://127.0.0.1@evil.example/cb", "user-info"},
        {"https://good.example@evil.example/cb", "user-info"},
        {"https://app.example.com/cb#frag", "fragment"},
        {"https://app.example.com/cb#", "fragment"},
        {"https://app.example.com/c b", "space, control or non-ASCII"},
        {"https://app.example.com/\x01", "space, control or non-ASCII"},
        {"https://app.example.com/caf\xc3\xa9", "space, control or non-ASCII"},
        {"https://app.example.com\\@evil.example/", "backslash"},
        {"HTTPS://app.example.com/cb", "uppercase letters in its scheme"},
        {"Com.Example.App:/cb", "uppercase letters in its scheme"},
        {"https:app.example.com/cb", "no '//' authority"},
        {"https:///cb", "has no host"},
        {"https://app..example.com/cb", "not a DNS name"},
        {"https://app%2eexample.com/cb", "not a DNS name"},
        {"https://app.example.com:0/cb", "invalid port"},
        {"https://app.example.com:65536/cb", "invalid port"},
        {"https://app.example.com:/cb", "invalid port"},
        {"https://app.example.com:08080/cb", "invalid port"},
        {"https://[::1/cb", "closing ']'"},
        {"https://[zz::1]/cb", "invalid IPv6"},
        {"javascript:alert(1)", "neither https, loopback http nor a private-use scheme"},
        {"data:text/html,hi", "neither https"},
        {"file:///etc/passwd", "neither https"},
        {"myapp:/cb", "neither https"},
        {"ftp://example.com/cb", "neither https"},
        {"com.example.:/cb", "not a reverse domain name"},
        {"com.example.app:", "nothing after its scheme"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char why[256] = "";
        if (redirect_uri_classify(bad[i].uri, why, sizeof why) != REDIRECT_INVALID)
            fail_msg("'%s' accepted", bad[i].uri);
        if (!strstr(why, bad[i].why))
            fail_msg("'%s': got '%s', expected '%s'", bad[i].uri, why, bad[i].why);
        assert_false(redirect_uri_check(bad[i].uri, NULL, 0));
    }
    assert_int_equal(redirect_uri_classify(NULL, NULL, 0), REDIRECT_INVALID);
}

static void test_length_cap(void **state)
{
    (void)state;
    char *u = malloc(REDIRECT_URI_MAX + 2);
    strcpy(u, "https://app.example.com/");
    size_t n = strlen(u);
    memset(u + n, 'a', REDIRECT_URI_MAX - n);
    u[REDIRECT_URI_MAX] = '\0';
    assert_true(redirect_uri_check(u, NULL, 0));
    u[REDIRECT_URI_MAX] = 'a';
    u[REDIRECT_URI_MAX + 1] = '\0';
    char why[128];
    assert_false(redirect_uri_check(u, why, sizeof why));
    assert_non_null(strstr(why, "longer than 2048"));
    free(u);
}

/* Exact matching: every lookalike of a registered URI is refused. */
static void test_exact_match_refuses_lookalikes(void **state)
{
    (void)state;
    const char *reg = "https://app.example.com/callback";
    assert_true(redirect_uri_matches(reg, reg));
    static const char *const lookalikes[] = {
        "https://app.example.com/callback/",             /* trailing slash */
        "https://app.example.com/callback/extra",        /* extra path */
        "https://app.example.com/callbackx",             /* longer path */
        "https://app.example.com/callback?x=1",          /* a query */
        "https://app.example.com/callback?",             /* an empty query */
        "https://app.example.com/callback#f",            /* a fragment */
        "https://app.example.com/Callback",              /* path case */
        "https://APP.example.com/callback",              /* host case */
        "HTTPS://app.example.com/callback",              /* scheme case */
        "https://app.example.com:443/callback",          /* default port spelled out */
        "https://app.example.com./callback",             /* trailing dot */
        "https://app.example.com/%63allback",            /* percent-encoded */
        "https://app.example.com/./callback",            /* dot segment */
        "https://app.example.com.evil.example/callback", /* suffix domain */
        "https://evil.example/app.example.com/callback",
        "https://app.example.com@evil.example/callback",
        "http://app.example.com/callback", /* scheme downgrade */
        " https://app.example.com/callback",
        "https://app.example.com/callback ",
        "",
    };
    for (size_t i = 0; i < sizeof lookalikes / sizeof lookalikes[0]; i++)
        if (redirect_uri_matches(reg, lookalikes[i]))
            fail_msg("'%s' matched '%s'", lookalikes[i], reg);
    assert_false(redirect_uri_matches(reg, NULL));
    assert_false(redirect_uri_matches(NULL, reg));

    const char *app = "com.example.app:/cb";
    assert_true(redirect_uri_matches(app, app));
    assert_false(redirect_uri_matches(app, "com.example.app:/cb/"));
    assert_false(redirect_uri_matches(app, "com.example.App:/cb"));
    assert_false(redirect_uri_matches(app, "com.example.app://cb"));
}

/* RFC 8252 §7.3: any port for a loopback IP, nothing else relaxed. */
static void test_loopback_port_exception(void **state)
{
    (void)state;
    const char *reg = "http://127.0.0.1:1234/callback";
    assert_true(redirect_uri_matches(reg, "http://127.0.0.1:5678/callback"));
    assert_true(redirect_uri_matches(reg, "http://127.0.0.1/callback"));
    assert_true(redirect_uri_matches("http://127.0.0.1/callback", "http://127.0.0.1:9/callback"));
    assert_true(redirect_uri_matches("http://[::1]/cb?a=1", "http://[::1]:40000/cb?a=1"));
    /* The rest is still exact. */
    assert_false(redirect_uri_matches(reg, "http://127.0.0.1:5678/callback/"));
    assert_false(redirect_uri_matches(reg, "http://127.0.0.1:5678/Callback"));
    assert_false(redirect_uri_matches(reg, "http://127.0.0.1:5678/callback?x=1"));
    assert_false(redirect_uri_matches(reg, "http://127.0.0.1:5678/callback/extra"));
    assert_false(redirect_uri_matches(reg, "http://[::1]:1234/callback"));
    assert_false(redirect_uri_matches(reg, "http://localhost:1234/callback"));
    assert_false(redirect_uri_matches(reg, "https://127.0.0.1:1234/callback"));
    assert_false(redirect_uri_matches(reg, "http://127.0.0.1:1234@evil.example/callback"));
    assert_false(redirect_uri_matches(reg, "http://127.0.0.1:99999/callback"));
    /* localhost gets no port exception. */
    assert_true(redirect_uri_matches("http://localhost:3000/cb", "http://localhost:3000/cb"));
    assert_false(redirect_uri_matches("http://localhost:3000/cb", "http://localhost:3001/cb"));
    assert_false(redirect_uri_matches("http://localhost/cb", "http://localhost:80/cb"));
    /* Nor does https on a loopback address. */
    assert_false(redirect_uri_matches("https://127.0.0.1:1/cb", "https://127.0.0.1:2/cb"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepted_forms),
        cmocka_unit_test(test_refused_forms),
        cmocka_unit_test(test_length_cap),
        cmocka_unit_test(test_exact_match_refuses_lookalikes),
        cmocka_unit_test(test_loopback_port_exception),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
