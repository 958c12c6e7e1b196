/* ddbsql-token: the /token and /revoke FastCGI responder (OAuth token
 * endpoint and RFC 7009 revocation, oauth/token_endpoint.h). Loads and
 * validates the config and the signing keys, then serves until the web
 * server stops it. Codes and refresh tokens live in Redis; while Redis is
 * down every request that needs it gets a 503, and the worker recovers by
 * itself when Redis is back. */
#include "core/base/log.h"
#include "core/base/version.h"
#include "core/conf/config.h"
#include "core/conf/startup.h"
#include "core/http/fcgi_server.h"
#include "core/store/redis_store.h"
#include "oauth/client_registry.h"
#include "oauth/signing_keys.h"
#include "oauth/token_endpoint.h"

#include <fcgiapp.h>
#include <stdio.h>
#include <string.h>

#define EX_CONFIG 78 /* sysexits.h: configuration error */

static void usage(void)
{
    printf("usage: ddbsql-token [--check-config | --version | --help]\n"
           "A FastCGI program serving ddbsql's OAuth token endpoint (/token) and token\n"
           "revocation (/revoke). Run it under lighttpd, Apache mod_fcgid or spawn-fcgi. The\n"
           "config file is $%s (default %s).\n",
           CONFIG_ENV_VAR, CONFIG_DEFAULT_PATH);
}

int main(int argc, char **argv)
{
    log_init("token");
    bool check_only;
    int early = startup_fcgi_args(argc, argv, "ddbsql-token", usage, &check_only);
    if (early >= 0)
        return early;
    config cfg;
    const char *path;
    if (!startup_fcgi_config(&cfg, &path)) /* never serve a half-valid config */
        return EX_CONFIG;
    char err[1024];
    /* auth = oauth: tokens are signed with the active key; the keys are
       checked (mode, type, one active) before serving. */
    signing_keys *keys = NULL;
    if (!cfg.auth_none && !signing_keys_load(&cfg, &keys, err, sizeof err)) {
        log_msg(LOG_ERROR, "%s", err);
        log_msg(LOG_ERROR, "refusing to serve until the configuration is fixed");
        config_free(&cfg);
        return EX_CONFIG;
    }
    if (!cfg.auth_none && !signing_keys_active(keys)) {
        log_msg(LOG_ERROR,
                "%s: no [signing_key] is active, so no access token can be signed; "
                "set active = true on one (see docs/CONFIG.md)",
                path);
        signing_keys_free(keys);
        config_free(&cfg);
        return EX_CONFIG;
    }
    if (check_only) {
        printf("%s: OK (%s)\n", path,
               cfg.auth_none ? "auth = none: /token and /revoke answer 404" : "token endpoint on");
        signing_keys_free(keys);
        config_free(&cfg);
        return 0;
    }
    if (FCGX_IsCGI()) {
        fprintf(stderr, "ddbsql-token: this is a FastCGI program; start it from a web server or "
                        "spawn-fcgi (see deploy/), or run it with --check-config\n");
        signing_keys_free(keys);
        config_free(&cfg);
        return 64;
    }

    redis_store *rs = redis_store_new(&cfg.redis);
    token_app app = {.cfg = &cfg,
                     .rs = rs,
                     .clients = client_registry_new(&cfg, rs),
                     .keys = keys,
                     .clock = NULL};
    http_limits limits;
    http_limits_default(&limits);
    limits.max_body_bytes =
        cfg.max_body_bytes < TOKEN_MAX_BODY ? cfg.max_body_bytes : TOKEN_MAX_BODY;
    limits.max_params = cfg.max_params;
    limits.max_param_bytes = cfg.max_param_bytes;
    const char *issuer = cfg.oauth.issuer ? cfg.oauth.issuer : cfg.public_url;
    log_msg(LOG_INFO, "ddbsql-token %s serving %s/token and %s/revoke%s", DDBSQL_VERSION, issuer,
            issuer, cfg.auth_none ? " (auth = none: every request gets 404)" : "");
    http_set_refusal_formatter(token_http_refusal);
    int rc = fcgi_serve(&limits, token_http_handle, &app);

    client_registry_free(app.clients);
    redis_store_free(rs);
    signing_keys_free(keys);
    config_free(&cfg);
    return rc;
}
