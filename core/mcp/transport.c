/* MCP Streamable HTTP, stateless: the HTTP rules in front of dispatch.
 * One JSON-RPC message per POST, answered with application/json; no
 * sessions, no server-sent streams (GET and DELETE get 405). With
 * auth = oauth every request but a CORS preflight carries a bearer token,
 * checked here before anything else is read, and tools/call of a tool the
 * token's scopes do not allow is a 403 step-up challenge. The same
 * executable answers the OAuth discovery documents. */
#include "mcp.h"

#include "tools.h"

#include "../base/json_util.h"
#include "../base/log.h"
#include "../base/timeutil.h"
#include "../base/urlcode.h"

#include "../../oauth/bearer.h"
#include "../../oauth/discovery.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Writes a JSON-RPC error (id null unless given) as the HTTP answer. */
static void http_rpc_error(http_response *resp, int status, json_object *id, int code,
                           const char *msg)
{
    rpc_error e = {.code = code, .data = NULL};
    snprintf(e.message, sizeof e.message, "%s", msg);
    json_object *doc = rpc_error_response(id, &e);
    http_response_json(resp, status, doc);
    json_object_put(doc);
}

void mcp_http_refusal(http_response *resp, int status, const char *message)
{
    http_rpc_error(resp, status, NULL, RPC_INVALID_REQUEST, message);
}

static bool origin_allowed(const config *cfg, const char *origin)
{
    size_t n = strlen(origin);
    if (n && origin[n - 1] == '/')
        n--;
    for (size_t i = 0; i < cfg->norigins; i++)
        if (strlen(cfg->allowed_origins[i]) == n &&
            strncasecmp(cfg->allowed_origins[i], origin, n) == 0)
            return true;
    return false;
}

/* Without authentication the only protection against DNS rebinding from
 * a non-browser path is that the server answers loopback names alone. */
static bool host_is_loopback(const char *host)
{
    char name[256];
    size_t n = host[0] == '[' ? strcspn(host, "]") + 1 : strcspn(host, ":");
    if (n == 0 || n >= sizeof name || (host[0] == '[' && host[n - 1] != ']'))
        return false;
    /* What follows the name may only be a port. */
    const char *port = host + n;
    if (*port == ':' && (!port[1] || strspn(port + 1, "0123456789") != strlen(port + 1)))
        return false;
    if (*port && *port != ':')
        return false;
    memcpy(name, host, n);
    name[n] = '\0';
    if (strcasecmp(name, "localhost") == 0 || strcmp(name, "[::1]") == 0)
        return true;
    /* Only a real dotted-quad address in 127.0.0.0/8: a name such as
     * "127.0.0.1.evil.example" must not pass. */
    struct in_addr a;
    return inet_pton(AF_INET, name, &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

static void add_cors(http_response *resp, const char *origin)
{
    http_response_header(resp, "Access-Control-Allow-Origin", origin);
    http_response_header(resp, "Vary", "Origin");
    http_response_header(resp, "Access-Control-Expose-Headers", "X-Request-Id, WWW-Authenticate");
}

/* A token in the URL would end up in logs and browser history; only the
 * header is supported (bearer_methods_supported: ["header"]). */
static bool query_has_token(const char *query)
{
    kvlist_t kv = {0};
    char err[128];
    bool found = query && *query &&
                 form_parse(query, strlen(query), 100, 16384, &kv, err, sizeof err) &&
                 kvlist_count(&kv, "access_token") > 0;
    kvlist_free(&kv);
    return found;
}

/* The bearer check: true with the granted scopes and req->principal set,
 * else resp holds the 400/401 challenge. */
static bool authenticate(mcp_app *app, http_request *req, http_response *resp, unsigned *scopes)
{
    const config *cfg = app->cfg;
    bearer_status st;
    jwt_status why = JWT_OK;
    char err[256] = "";
    bearer_principal who;
    if (query_has_token(req->query)) {
        st = BEARER_MALFORMED;
        snprintf(err, sizeof err, "access_token in the query string");
    } else {
        jwt_verifier v = {
            .keys = app->keys,
            .issuer = cfg->oauth.issuer,
            .audience = cfg->mcp_url,
            .leeway_seconds = cfg->oauth.clock_leeway_seconds,
            .cache = app->token_cache,
        };
        st = bearer_authenticate(http_header(req, "Authorization"), &v, wall_ms() / 1000, &who,
                                 &why, err, sizeof err);
    }
    if (st == BEARER_OK) {
        bearer_principal_label(&who, req->principal, sizeof req->principal);
        *scopes = who.scopes;
        bearer_principal_free(&who);
        return true;
    }
    buf_t ch = BUF_INIT(4096);
    bearer_challenge_unauthorized(&ch, app->resource_metadata_url, st, why);
    http_response_header(resp, "WWW-Authenticate", buf_cstr(&ch));
    buf_free(&ch);
    http_set_detail(req, "auth=%s",
                    st == BEARER_INVALID ? jwt_status_code(why)
                                         : (st == BEARER_MISSING ? "missing" : "bad_credentials"));
    if (st != BEARER_MISSING) /* never the token itself: err names the failed check */
        log_msg(LOG_INFO, "rid=%s bearer credentials refused: %s", req->request_id, err);
    const char *msg =
        st == BEARER_MALFORMED
            ? "Bad Request: send the access token only in the Authorization header, as 'Bearer' "
              "followed by exactly one token"
        : st == BEARER_INVALID
            ? "Unauthorized: the access token is invalid or expired; get a new one (see the "
              "WWW-Authenticate header)"
            : "Unauthorized: this MCP endpoint needs an OAuth access token (Authorization: "
              "Bearer ...); the WWW-Authenticate header says where to get one";
    http_rpc_error(resp, bearer_http_status(st), NULL, RPC_INVALID_REQUEST, msg);
    return false;
}

/* tools/call of a tool outside the granted scopes: the MCP step-up answer,
 * 403 with the scopes to ask for. True when resp holds that answer. */
static bool refuse_out_of_scope(mcp_app *app, http_request *req, http_response *resp,
                                const rpc_message *msg, unsigned scopes)
{
    if (strcmp(msg->method, "tools/call") != 0)
        return false;
    const char *name = jget_str(msg->params, "name");
    const tool_def *t = name ? tools_find(name) : NULL;
    if (!t || (scopes & t->scope) == t->scope)
        return false;
    char need[SCOPE_BITS_STR_MAX], all[SCOPE_BITS_STR_MAX];
    scope_bits_format(t->scope, need);
    scope_bits_format((scopes | t->scope) & SCOPE_ALL, all);
    buf_t ch = BUF_INIT(4096);
    bearer_challenge_insufficient_scope(&ch, app->resource_metadata_url, scopes, t->scope);
    http_response_header(resp, "WWW-Authenticate", buf_cstr(&ch));
    buf_free(&ch);
    http_set_detail(req, "rpc=tools/call tool=%s auth=insufficient_scope", t->name);
    char text[400];
    snprintf(text, sizeof text,
             "Forbidden: the tool %s needs the scope '%s', which this access token does not "
             "grant; authorize again with the scopes '%s'",
             t->name, need, all);
    http_rpc_error(resp, 403, msg->id, RPC_INVALID_REQUEST, text);
    return true;
}

void mcp_http_handle(void *appv, http_request *req, http_response *resp)
{
    mcp_app *app = appv;
    const config *cfg = app->cfg;
    if (discovery_serve(cfg, app->keys, req, resp))
        return;
    const char *origin = http_header(req, "Origin");

    /* DNS-rebinding protection comes before anything else. */
    if (origin && !origin_allowed(cfg, origin)) {
        http_set_detail(req, "rejected=origin");
        http_rpc_error(resp, 403, NULL, RPC_INVALID_REQUEST,
                       "Forbidden: this Origin is not allowed (see allowed_origins in the ddbsql "
                       "config)");
        return;
    }
    const char *host = http_header(req, "Host");
    if (cfg->auth_none && host && !host_is_loopback(host)) {
        http_set_detail(req, "rejected=host");
        http_rpc_error(resp, 403, NULL, RPC_INVALID_REQUEST,
                       "Forbidden: without authentication this server answers only loopback Host "
                       "names");
        return;
    }
    if (origin)
        add_cors(resp, origin);

    if (strcmp(req->method, "OPTIONS") == 0) {
        http_response_header(resp, "Access-Control-Allow-Methods", "POST, OPTIONS");
        http_response_header(resp, "Access-Control-Allow-Headers",
                             "Content-Type, Accept, Authorization, MCP-Protocol-Version, "
                             "Last-Event-ID");
        http_response_header(resp, "Access-Control-Max-Age", "600");
        http_response_header(resp, "Allow", "POST, OPTIONS");
        resp->status = 204;
        return;
    }
    unsigned scopes = SCOPE_ALL; /* auth = none */
    if (!cfg->auth_none && !authenticate(app, req, resp, &scopes))
        return;
    if (strcmp(req->method, "POST") != 0) {
        http_response_header(resp, "Allow", "POST, OPTIONS");
        http_rpc_error(resp, 405, NULL, RPC_INVALID_REQUEST,
                       "Method Not Allowed: this stateless MCP endpoint takes JSON-RPC messages by "
                       "POST only (no SSE stream, no sessions)");
        return;
    }
    char media[128];
    http_media_type(http_header(req, "Content-Type"), media, sizeof media);
    if (strcmp(media, "application/json") != 0) {
        http_rpc_error(resp, 415, NULL, RPC_INVALID_REQUEST,
                       "Unsupported Media Type: send the JSON-RPC message with Content-Type: "
                       "application/json");
        return;
    }
    const char *accept = http_header(req, "Accept");
    if (accept && !http_accepts(accept, "application/json")) {
        http_rpc_error(resp, 406, NULL, RPC_INVALID_REQUEST,
                       "Not Acceptable: the Accept header must allow application/json (this "
                       "server answers every request with JSON)");
        return;
    }
    const char *version = http_header(req, "MCP-Protocol-Version");
    if (version && !mcp_version_supported(version)) {
        char msg[300];
        snprintf(msg, sizeof msg,
                 "Bad Request: unsupported MCP-Protocol-Version '%.40s'; supported: 2025-11-25, "
                 "2025-06-18, 2025-03-26",
                 version);
        http_rpc_error(resp, 400, NULL, RPC_INVALID_REQUEST, msg);
        return;
    }

    rpc_message msg;
    rpc_error err = {0};
    json_object *bad_id = NULL;
    if (!rpc_parse(buf_cstr(&req->body), req->body.len, &msg, &err, &bad_id)) {
        http_set_detail(req, "rpc_error=%d", err.code);
        json_object *doc = rpc_error_response(bad_id, &err);
        http_response_json(resp, 400, doc);
        json_object_put(doc);
        json_object_put(bad_id);
        return;
    }
    if (msg.kind != RPC_REQUEST) {
        /* Notifications and responses are accepted without a body. */
        http_set_detail(req, "rpc=%s", msg.kind == RPC_NOTIFICATION ? msg.method : "response");
        resp->status = 202;
        rpc_message_free(&msg);
        return;
    }
    http_set_detail(req, "rpc=%s", msg.method);
    if (!cfg->auth_none && refuse_out_of_scope(app, req, resp, &msg, scopes)) {
        rpc_message_free(&msg);
        return;
    }
    mcp_call call = {
        .app = app,
        .req = req,
        .protocol_version = version ? version : MCP_DEFAULT_VERSION,
        .scopes = scopes,
    };
    /* initialize negotiates the version itself; its answer decides. */
    if (strcmp(msg.method, "initialize") == 0) {
        const char *pv = jget_str(msg.params, "protocolVersion");
        call.protocol_version = mcp_version_supported(pv) ? pv : MCP_LATEST_VERSION;
    }
    json_object *result = mcp_dispatch(&call, msg.method, msg.params, &err);
    json_object *doc = result ? rpc_result(msg.id, result) : rpc_error_response(msg.id, &err);
    if (!result)
        http_set_detail(req, "rpc=%s rpc_error=%d", msg.method, err.code);
    http_response_json(resp, 200, doc);
    json_object_put(doc);
    rpc_message_free(&msg);
}
