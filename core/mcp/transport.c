/* MCP Streamable HTTP, stateless: the HTTP rules in front of dispatch.
 * One JSON-RPC message per POST, answered with application/json; no
 * sessions, no server-sent streams (GET and DELETE get 405). */
#include "mcp.h"

#include "../base/json_util.h"
#include "../base/log.h"

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

void mcp_http_handle(void *appv, http_request *req, http_response *resp)
{
    mcp_app *app = appv;
    const config *cfg = app->cfg;
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
    mcp_call call = {
        .app = app,
        .req = req,
        .protocol_version = version ? version : MCP_DEFAULT_VERSION,
        .scopes = SCOPE_ALL, /* auth = none; the OAuth layer narrows this */
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
