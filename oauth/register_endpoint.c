#include "register_endpoint.h"

#include "dcr.h"
#include "discovery.h"

#include "../core/base/alloc.h"
#include "../core/base/json_util.h"
#include "../core/base/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Headers on every answer: nothing here may be cached (RFC 7591 §3.2), and
 * any origin may register. */
static void common_headers(http_response *resp)
{
    http_response_header(resp, "Cache-Control", "no-store");
    http_response_header(resp, "Pragma", "no-cache");
    http_response_header(resp, "Access-Control-Allow-Origin", "*");
}

static void error_json(http_response *resp, int status, const char *error, const char *desc)
{
    json_object *doc = json_object_new_object();
    jset_str(doc, "error", error);
    if (desc && *desc)
        jset_str(doc, "error_description", desc);
    http_response_json(resp, status, doc);
    json_object_put(doc);
    common_headers(resp);
}

void register_http_refusal(http_response *resp, int status, const char *message)
{
    error_json(resp, status, "invalid_request", message);
}

/* The path the web server passes for <issuer>/register. */
static bool is_register_path(const config *cfg, const char *path)
{
    const char *issuer = cfg->oauth.issuer ? cfg->oauth.issuer : cfg->public_url;
    const char *p = strstr(issuer, "://");
    p = p ? p + 3 : issuer;
    p += strcspn(p, "/");
    size_t n = strlen(p);
    return path && strncmp(path, p, n) == 0 && strcmp(path + n, OAUTH_PATH_REGISTER) == 0;
}

static void retry_after(http_response *resp, int seconds)
{
    char v[16];
    snprintf(v, sizeof v, "%d", seconds > 0 ? seconds : 1);
    http_response_header(resp, "Retry-After", v);
}

static void unavailable(http_request *req, http_response *resp)
{
    http_set_detail(req, "error=unavailable store=down");
    error_json(resp, 503, "temporarily_unavailable",
               "Client registration is unavailable: the server's session store (Redis) cannot "
               "be reached. Try again shortly.");
    retry_after(resp, 5);
}

void register_http_handle(void *appv, http_request *req, http_response *resp)
{
    register_app *app = appv;
    const config *cfg = app->cfg;
    if (cfg->auth_none) {
        http_set_detail(req, "error=oauth_off");
        error_json(resp, 404, "not_found",
                   "This server runs without OAuth (auth = none), so there is no client "
                   "registration.");
        return;
    }
    if (!is_register_path(cfg, req->path)) {
        http_set_detail(req, "error=not_found");
        error_json(resp, 404, "not_found", "Not found: client registration is at /register.");
        return;
    }
    if (strcmp(req->method, "OPTIONS") == 0) {
        http_response_text(resp, 204, "text/plain; charset=utf-8", "");
        common_headers(resp);
        http_response_header(resp, "Access-Control-Allow-Methods", "POST, OPTIONS");
        http_response_header(resp, "Access-Control-Allow-Headers", "Content-Type");
        http_response_header(resp, "Access-Control-Max-Age", "600");
        return;
    }
    if (strcmp(req->method, "POST") != 0) {
        http_set_detail(req, "error=method");
        error_json(resp, 405, "invalid_request",
                   "Method not allowed: register a client with POST and a JSON body.");
        http_response_header(resp, "Allow", "POST, OPTIONS");
        return;
    }
    char media[128];
    http_media_type(http_header(req, "Content-Type"), media, sizeof media);
    if (strcmp(media, "application/json") != 0) {
        http_set_detail(req, "error=media_type");
        error_json(resp, 415, "invalid_request",
                   "The registration request must be JSON (Content-Type: application/json).");
        return;
    }

    char why[512] = "";
    int wait = 0;
    dcr_rate_status rs = dcr_rate_check(app->rs, &cfg->oauth, http_param(req, "REMOTE_ADDR"), &wait,
                                        why, sizeof why);
    if (rs == DCR_RATE_STORE_ERROR) {
        unavailable(req, resp);
        return;
    }
    if (rs == DCR_RATE_LIMITED) {
        char desc[200];
        snprintf(desc, sizeof desc,
                 "Too many client registrations from this address; try again in %d seconds.", wait);
        http_set_detail(req, "error=rate_limited");
        error_json(resp, 429, "temporarily_unavailable", desc);
        retry_after(resp, wait);
        return;
    }

    client_metadata m;
    dcr_status st = dcr_register(app->rs, &cfg->oauth, req->body.data ? req->body.data : "",
                                 req->body.len, wall_ms() / 1000, &m, why, sizeof why);
    if (st == DCR_STORE_ERROR) {
        unavailable(req, resp);
        return;
    }
    if (st == DCR_INVALID_REDIRECT_URI || st == DCR_INVALID_METADATA) {
        const char *code =
            st == DCR_INVALID_REDIRECT_URI ? "invalid_redirect_uri" : "invalid_client_metadata";
        http_set_detail(req, "error=%s", code);
        error_json(resp, 400, code, why);
        return;
    }
    json_object *doc = client_metadata_to_json(&m);
    http_response_json(resp, 201, doc);
    json_object_put(doc);
    common_headers(resp);
    snprintf(req->principal, sizeof req->principal, "%s", m.client_id);
    http_set_detail(req, "registered client=%s redirect_uris=%zu", m.client_id, m.nredirect_uris);
    client_metadata_free(&m);
}
