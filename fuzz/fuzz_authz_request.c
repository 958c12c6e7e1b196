/* libFuzzer target: the query string of GET /authorize through
 * authz_request_parse (oauth/authz_request.h) against pre-registered
 * clients and CIMD clients, then the redirect it would answer with
 * (authz_error_url, authz_redirect_url) and the user's scope filter.
 *
 * CIMD documents are not fetched while fuzzing: the target is linked with
 * -Wl,--wrap=cimd_get (GNUmakefile), and __wrap_cimd_get below serves one
 * valid document, one invalid one, and a fetch failure for any other URL,
 * after the real URL check.
 *
 * Any input must give one of the three outcomes, never crash, leak or
 * hang; and the point of the module, no open redirector: unless the
 * client is known and the redirect_uri is one it registered (matched as
 * redirect_uri_allowed says), the answer is an error page and no redirect
 * URI is kept. A valid request has S256 PKCE, the MCP URL as resource and
 * a non-empty scope within the client's; a redirect's error_description
 * holds RFC 6749 characters only, and the redirect URL starts with the
 * registered URI and adds only percent-encoded parameters. */
#include "oauth/authz_request.h"
#include "oauth/cimd.h"
#include "oauth/client_registry.h"
#include "oauth/redirect_uri.h"
#include "oauth/scope.h"

#include "core/base/alloc.h"
#include "core/conf/config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
cimd_status __wrap_cimd_get(redis_store *rs, const char *url, const cimd_options *o,
                            client_metadata *out, bool *from_cache, char *why, size_t whylen);

static void check(bool cond, const char *what)
{
    if (!cond) {
        fprintf(stderr, "invariant broken: %s\n", what);
        abort();
    }
}

#define CIMD_GOOD "https://app.example.com/oauth/client.json"
#define CIMD_BAD  "https://bad.example.com/client.json"

static const char GOOD_DOC[] =
    "{\"client_id\":\"" CIMD_GOOD "\",\"client_name\":\"Example App\","
    "\"redirect_uris\":[\"https://app.example.com/callback\",\"http://127.0.0.1/cb\"],"
    "\"grant_types\":[\"authorization_code\",\"refresh_token\"],\"response_types\":[\"code\"],"
    "\"token_endpoint_auth_method\":\"none\",\"scope\":\"query\"}";
static const char BAD_DOC[] =
    "{\"client_id\":\"" CIMD_BAD "\",\"redirect_uris\":[\"http://evil/\"]}";

cimd_status __wrap_cimd_get(redis_store *rs, const char *url, const cimd_options *o,
                            client_metadata *out, bool *from_cache, char *why, size_t whylen)
{
    (void)rs;
    (void)o;
    memset(out, 0, sizeof *out);
    if (from_cache)
        *from_cache = false;
    cimd_url u;
    if (!cimd_url_check(url, &u, why, whylen))
        return CIMD_ERR_URL;
    const char *doc = !strcmp(url, CIMD_GOOD) ? GOOD_DOC : !strcmp(url, CIMD_BAD) ? BAD_DOC : NULL;
    if (!doc) {
        snprintf(why, whylen, "%s was not fetched (no network while fuzzing)", url);
        return CIMD_ERR_FETCH;
    }
    client_metadata_status st =
        client_metadata_parse(doc, strlen(doc), CLIENT_METADATA_CIMD, url, out, why, whylen);
    return st == CLIENT_METADATA_OK ? CIMD_OK : CIMD_ERR_INVALID;
}

#define HASH "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

static const char CONF[] =
    "public_url = https://ddbsql.example.com\nauth = oauth\n"
    "[signing_key k1]\npath = /unused.pem\n"
    "[redis]\nport = 1\nconnect_timeout_ms = 50\n"
    "[schema demo]\nregion = us-east-1\nendpoint = http://127.0.0.1:4567\n"
    "[client app]\nname = Test App\n"
    "redirect_uris = https://app.example.com/cb http://127.0.0.1/callback "
    "http://[::1]:8080/cb http://localhost:3000/cb com.example.app:/cb "
    "https://app.example.com/q?x=1 https://app.example.com/amp?\n"
    "[client narrow]\nredirect_uris = https://narrow.example.com/cb\nscopes = query\n"
    "[client web]\ntype = confidential\nsecret_hash = " HASH "\n"
    "redirect_uris = https://web.example.com/oauth/cb\n"
    "[client bot]\ntype = confidential\nsecret_hash = " HASH "\n"
    "grant_types = client_credentials\n";

static config cfg;
static client_registry *reg;

static void init(void)
{
    char path[] = "/tmp/ddbsql-fuzz-authz-XXXXXX";
    int fd = mkstemp(path);
    check(fd >= 0, "mkstemp");
    check(write(fd, CONF, strlen(CONF)) == (ssize_t)strlen(CONF), "writing the config");
    close(fd);
    char err[1024];
    bool ok = config_load(path, &cfg, err, sizeof err);
    unlink(path);
    if (!ok)
        fprintf(stderr, "config: %s\n", err);
    check(ok, "the fuzz config loads");
    reg = client_registry_new(&cfg, NULL);
}

static bool rfc6749_text(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e || *s == '"' || *s == '\\')
            return false;
    return true;
}

/* What follows the registered URI in a redirect: "?" or "&" (unless the
 * URI ends with one), then name=value pairs of unreserved characters and
 * %XX escapes. */
static void check_redirect_url(const char *url, const char *redirect_uri)
{
    size_t n = strlen(redirect_uri);
    check(strncmp(url, redirect_uri, n) == 0, "a redirect to another URI than the registered one");
    const char *p = url + n;
    if (*p == '\0')
        return;
    if (!(n && (redirect_uri[n - 1] == '?' || redirect_uri[n - 1] == '&')))
        check(*p == '?' || *p == '&', "parameters appended without a separator");
    else
        p--;
    check(strchr(redirect_uri, '#') == NULL, "a registered URI with a fragment");
    for (p++; *p; p++)
        check((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
                  strchr("-._~%=&", *p),
              "an unencoded character in the appended parameters");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    if (!ready) {
        init();
        ready = true;
    }
    authz_request r;
    authz_request_parse(reg, &cfg, (const char *)data, size, &r);
    /* FUZZ_AUTHZ_SHOW=1 prints each outcome (to check what the seeds reach). */
    if (getenv("FUZZ_AUTHZ_SHOW"))
        fprintf(stderr, "outcome %d status %d error %s: %s (redirect %s, scope %s)\n", r.outcome,
                r.status, r.error ? r.error : "-", r.description,
                r.redirect_uri ? r.redirect_uri : "-", r.scope ? r.scope : "-");
    check(r.error || r.outcome == AUTHZ_VALID, "an error outcome without an error code");
    switch (r.outcome) {
    case AUTHZ_ERROR_PAGE:
        check(r.status == 400 || r.status == 503, "an error page with another status");
        check(r.redirect_uri == NULL, "an error page that kept a redirect_uri");
        check(r.description[0] != '\0', "an error page without a message");
        break;
    case AUTHZ_ERROR_REDIRECT:
    case AUTHZ_VALID:
        check(r.client && r.client_id && r.redirect_uri, "a redirect without client or URI");
        check(!strcmp(r.client->client_id, r.client_id), "another client than requested");
        check(redirect_uri_allowed(r.client, r.redirect_uri), "a redirect to an unregistered URI");
        check(!r.state || strlen(r.state) <= AUTHZ_STATE_MAX, "an overlong state kept");
        break;
    default:
        check(false, "an unknown outcome");
    }
    if (r.outcome == AUTHZ_ERROR_REDIRECT) {
        check(r.status == 302, "a redirect without 302");
        check(rfc6749_text(r.description), "an error_description with forbidden characters");
        char *url =
            authz_error_url(r.redirect_uri, r.error, r.description, r.state, cfg.oauth.issuer);
        check_redirect_url(url, r.redirect_uri);
        free(url);
    }
    if (r.outcome == AUTHZ_VALID) {
        check(r.status == 200 && r.error == NULL, "a valid request with an error");
        check(authz_challenge_ok(r.code_challenge), "a valid request without S256 PKCE");
        check(r.resource && !strcmp(r.resource, cfg.mcp_url), "a resource other than /mcp");
        check(client_allows_grant(r.client, OAUTH_GRANT_AUTHORIZATION_CODE),
              "a client without authorization_code");
        scope_list l;
        char err[256];
        check(r.scope && *r.scope && scope_parse(r.scope, &l, err, sizeof err),
              "a valid request with an empty or malformed scope");
        for (size_t i = 0; i < l.n; i++) {
            check(scope_bit(l.items[i]) != 0, "an unknown scope granted");
            check((scope_bit(l.items[i]) & scope_bits(&r.client->scopes)) != 0,
                  "a scope beyond the client's");
        }
        scope_list_free(&l);
        for (unsigned bits = 0; bits <= SCOPE_ALL; bits++) {
            char *u = authz_scope_for_user(r.scope, bits);
            scope_list ul;
            bool parsed = scope_parse(u, &ul, err, sizeof err);
            check(parsed || !*u, "a user scope that does not parse");
            if (parsed) {
                check((scope_bits(&ul) & ~bits) == 0, "a user scope beyond the user's");
                scope_list_free(&ul);
            }
            free(u);
        }
        const char *params[] = {"code", "c0de", "state", r.state, "iss", cfg.oauth.issuer, NULL};
        char *url = authz_redirect_url(r.redirect_uri, params);
        check_redirect_url(url, r.redirect_uri);
        free(url);
    }
    authz_request_free(&r);
    return 0;
}
