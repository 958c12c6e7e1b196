#include "discovery.h"

#include "scope.h"

#include "../core/base/alloc.h"
#include "../core/base/buf.h"
#include "../core/base/json_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The path of a normalised URL (config.c: no trailing slash), "" if none. */
static const char *url_path(const char *url)
{
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    return p + strcspn(p, "/");
}

/* scheme://host[:port] of a normalised URL, malloc'd. */
static char *url_origin(const char *url)
{
    return xstrndup(url, (size_t)(url_path(url) - url));
}

static char *concat3(const char *a, const char *b, const char *c)
{
    size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
    char *s = xmalloc(n);
    snprintf(s, n, "%s%s%s", a, b, c);
    return s;
}

char *discovery_resource_metadata_url(const config *cfg)
{
    char *origin = url_origin(cfg->mcp_url);
    char *u = concat3(origin, WELL_KNOWN_PRM, url_path(cfg->mcp_url));
    free(origin);
    return u;
}

char *discovery_issuer_url(const config *cfg, const char *path)
{
    return concat3(cfg->oauth.issuer, path, "");
}

static bool path_is(const char *path, const char *a, const char *b)
{
    size_t na = strlen(a);
    return strncmp(path, a, na) == 0 && strcmp(path + na, b) == 0;
}

discovery_doc discovery_match(const config *cfg, const char *path)
{
    if (!path || !cfg->oauth.issuer)
        return DISCOVERY_NONE;
    const char *issuer_path = url_path(cfg->oauth.issuer);
    if (path_is(path, WELL_KNOWN_PRM, url_path(cfg->mcp_url)) ||
        path_is(path, WELL_KNOWN_PRM, url_path(cfg->public_url)))
        return DISCOVERY_PROTECTED_RESOURCE;
    if (path_is(path, WELL_KNOWN_AS, issuer_path) ||
        path_is(path, WELL_KNOWN_OPENID, issuer_path) ||
        path_is(path, issuer_path, WELL_KNOWN_OPENID))
        return DISCOVERY_AUTHORIZATION_SERVER;
    if (path_is(path, issuer_path, OAUTH_PATH_JWKS))
        return DISCOVERY_JWKS;
    return DISCOVERY_NONE;
}

static json_object *str_array(const char *const *items, size_t n)
{
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < n; i++)
        json_object_array_add(a, json_object_new_string(items[i]));
    return a;
}

static json_object *scopes_supported(void)
{
    static const char *const s[] = {SCOPE_NAME_QUERY, SCOPE_NAME_SCHEMAS_READ};
    return str_array(s, 2);
}

json_object *discovery_protected_resource(const config *cfg)
{
    json_object *d = json_object_new_object();
    jset_str(d, "resource", cfg->mcp_url);
    const char *as[] = {cfg->oauth.issuer};
    jset(d, "authorization_servers", str_array(as, 1));
    static const char *const methods[] = {"header"};
    jset(d, "bearer_methods_supported", str_array(methods, 1));
    jset(d, "scopes_supported", scopes_supported());
    return d;
}

static void set_endpoint(json_object *d, const config *cfg, const char *name, const char *path)
{
    char *u = discovery_issuer_url(cfg, path);
    jset_str(d, name, u);
    free(u);
}

json_object *discovery_authorization_server(const config *cfg)
{
    json_object *d = json_object_new_object();
    jset_str(d, "issuer", cfg->oauth.issuer);
    set_endpoint(d, cfg, "authorization_endpoint", OAUTH_PATH_AUTHORIZE);
    set_endpoint(d, cfg, "token_endpoint", OAUTH_PATH_TOKEN);
    set_endpoint(d, cfg, "registration_endpoint", OAUTH_PATH_REGISTER);
    set_endpoint(d, cfg, "revocation_endpoint", OAUTH_PATH_REVOKE);
    set_endpoint(d, cfg, "jwks_uri", OAUTH_PATH_JWKS);
    jset(d, "scopes_supported", scopes_supported());
    static const char *const responses[] = {"code"};
    jset(d, "response_types_supported", str_array(responses, 1));
    static const char *const grants[] = {"authorization_code", "refresh_token",
                                         "client_credentials"};
    jset(d, "grant_types_supported", str_array(grants, 3));
    static const char *const pkce[] = {"S256"};
    jset(d, "code_challenge_methods_supported", str_array(pkce, 1));
    static const char *const auth[] = {"none", "client_secret_basic", "client_secret_post"};
    jset(d, "token_endpoint_auth_methods_supported", str_array(auth, 3));
    jset_bool(d, "client_id_metadata_document_supported", true);
    jset_bool(d, "authorization_response_iss_parameter_supported", true);
    return d;
}

json_object *discovery_jwks(const signing_keys *keys)
{
    return signing_keys_jwks(keys);
}

static void json_error(http_response *resp, int status, const char *error, const char *desc)
{
    json_object *d = json_object_new_object();
    jset_str(d, "error", error);
    jset_str(d, "error_description", desc);
    http_response_json(resp, status, d);
    json_object_put(d);
}

bool discovery_serve(const config *cfg, const signing_keys *keys, http_request *req,
                     http_response *resp)
{
    discovery_doc which = discovery_match(cfg, req->path);
    if (which == DISCOVERY_NONE && strncmp(req->path, "/.well-known/", 13) != 0)
        return false;
    /* Public documents: any page may read them (no credentials involved). */
    http_response_header(resp, "Access-Control-Allow-Origin", "*");
    if (which == DISCOVERY_NONE || cfg->auth_none) {
        http_set_detail(req, "discovery=not_found");
        json_error(resp, 404, "not_found",
                   which == DISCOVERY_NONE
                       ? "No such document"
                       : "OAuth is off on this server (auth = none): /mcp needs no token");
        return true;
    }
    if (strcmp(req->method, "OPTIONS") == 0) {
        http_response_header(resp, "Access-Control-Allow-Methods", "GET, HEAD, OPTIONS");
        http_response_header(resp, "Access-Control-Allow-Headers",
                             "Authorization, Content-Type, MCP-Protocol-Version");
        http_response_header(resp, "Access-Control-Max-Age", "600");
        http_response_header(resp, "Allow", "GET, HEAD, OPTIONS");
        resp->status = 204;
        return true;
    }
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        http_response_header(resp, "Allow", "GET, HEAD, OPTIONS");
        json_error(resp, 405, "method_not_allowed", "Use GET");
        return true;
    }
    json_object *doc = NULL;
    const char *name = "";
    switch (which) {
    case DISCOVERY_PROTECTED_RESOURCE:
        doc = discovery_protected_resource(cfg);
        name = "protected_resource";
        break;
    case DISCOVERY_AUTHORIZATION_SERVER:
        doc = discovery_authorization_server(cfg);
        name = "authorization_server";
        break;
    case DISCOVERY_JWKS:
        doc = discovery_jwks(keys);
        name = "jwks";
        break;
    case DISCOVERY_NONE:
        break;
    }
    char cc[48];
    snprintf(cc, sizeof cc, "public, max-age=%d", DISCOVERY_MAX_AGE);
    http_response_header(resp, "Cache-Control", cc);
    http_set_detail(req, "discovery=%s", name);
    http_response_json(resp, 200, doc);
    json_object_put(doc);
    return true;
}
