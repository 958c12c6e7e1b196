/* ddbsql-authorize: the /authorize FastCGI responder (the OAuth
 * authorization endpoint with its sign-in and consent pages,
 * oauth/authorize_endpoint.h). Loads and validates the config, then serves
 * until the web server stops it. Sessions, pending requests and codes live
 * in Redis; while Redis is down every page that needs it is a 503, and the
 * worker recovers by itself when Redis is back. */
#include "core/base/log.h"
#include "core/base/version.h"
#include "core/conf/config.h"
#include "core/conf/startup.h"
#include "core/http/fcgi_server.h"
#include "core/store/redis_store.h"
#include "oauth/auth_code.h"
#include "oauth/authorize_endpoint.h"
#include "oauth/client_registry.h"

#include <fcgiapp.h>
#include <stdio.h>
#include <string.h>

#define EX_CONFIG 78 /* sysexits.h: configuration error */

static void usage(void)
{
    printf("usage: ddbsql-authorize [--check-config | --version | --help]\n"
           "A FastCGI program serving ddbsql's OAuth authorization endpoint (/authorize) with\n"
           "its sign-in and consent pages. Run it under lighttpd, Apache mod_fcgid or\n"
           "spawn-fcgi. The config file is $%s (default %s).\n",
           CONFIG_ENV_VAR, CONFIG_DEFAULT_PATH);
}

int main(int argc, char **argv)
{
    log_init("authorize");
    bool check_only;
    int early = startup_fcgi_args(argc, argv, "ddbsql-authorize", usage, &check_only);
    if (early >= 0)
        return early;
    config cfg;
    const char *path;
    if (!startup_fcgi_config(&cfg, &path)) /* never serve a half-valid config */
        return EX_CONFIG;
    char err[1024];
    redis_store *rs = redis_store_new(&cfg.redis);
    client_registry *reg = client_registry_new(&cfg, rs);
    authorize_app app;
    if (!authorize_app_init(&app, &cfg, rs, reg, auth_code_issue, err, sizeof err)) {
        log_msg(LOG_ERROR, "%s: %s", path, err);
        log_msg(LOG_ERROR, "refusing to serve until the configuration is fixed");
        client_registry_free(reg);
        redis_store_free(rs);
        config_free(&cfg);
        return EX_CONFIG;
    }
    int rc = 0;
    if (check_only) {
        printf("%s: OK (%s)\n", path,
               cfg.auth_none ? "auth = none: /authorize answers 404" : "sign-in and consent on");
    } else if (FCGX_IsCGI()) {
        fprintf(stderr, "ddbsql-authorize: this is a FastCGI program; start it from a web server "
                        "or spawn-fcgi (see deploy/), or run it with --check-config\n");
        rc = 64;
    } else {
        http_limits limits;
        http_limits_default(&limits);
        limits.max_body_bytes =
            cfg.max_body_bytes < AUTHORIZE_MAX_BODY ? cfg.max_body_bytes : AUTHORIZE_MAX_BODY;
        limits.max_params = cfg.max_params;
        limits.max_param_bytes = cfg.max_param_bytes;
        log_msg(LOG_INFO, "ddbsql-authorize %s serving %s%s", DDBSQL_VERSION, app.endpoint,
                cfg.auth_none ? " (auth = none: every request gets 404)" : "");
        http_set_refusal_formatter(authorize_http_refusal);
        rc = fcgi_serve(&limits, authorize_http_handle, &app);
    }
    authorize_app_free(&app);
    client_registry_free(reg);
    redis_store_free(rs);
    config_free(&cfg);
    return rc;
}
