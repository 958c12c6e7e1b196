/* ddbsql-register: the /register FastCGI responder (OAuth Dynamic Client
 * Registration, oauth/register_endpoint.h). Loads and validates the config,
 * then serves until the web server stops it. Registrations live in Redis;
 * while Redis is down every request gets a 503, and the worker recovers by
 * itself when Redis is back. */
#include "core/base/log.h"
#include "core/base/version.h"
#include "core/conf/config.h"
#include "core/conf/startup.h"
#include "core/http/fcgi_server.h"
#include "core/store/redis_store.h"
#include "oauth/register_endpoint.h"

#include <fcgiapp.h>
#include <stdio.h>
#include <string.h>

#define EX_CONFIG 78 /* sysexits.h: configuration error */

static void usage(void)
{
    printf("usage: ddbsql-register [--check-config | --version | --help]\n"
           "A FastCGI program serving ddbsql's OAuth client registration endpoint (/register).\n"
           "Run it under lighttpd, Apache mod_fcgid or spawn-fcgi. The config file is $%s\n"
           "(default %s).\n",
           CONFIG_ENV_VAR, CONFIG_DEFAULT_PATH);
}

int main(int argc, char **argv)
{
    log_init("register");
    bool check_only;
    int early = startup_fcgi_args(argc, argv, "ddbsql-register", usage, &check_only);
    if (early >= 0)
        return early;
    config cfg;
    const char *path;
    if (!startup_fcgi_config(&cfg, &path)) /* never serve a half-valid config */
        return EX_CONFIG;
    if (check_only) {
        printf("%s: OK (%s)\n", path,
               cfg.auth_none ? "auth = none: /register answers 404" : "client registration on");
        config_free(&cfg);
        return 0;
    }
    if (FCGX_IsCGI()) {
        fprintf(stderr, "ddbsql-register: this is a FastCGI program; start it from a web server "
                        "or spawn-fcgi (see deploy/), or run it with --check-config\n");
        config_free(&cfg);
        return 64;
    }

    register_app app = {.cfg = &cfg, .rs = redis_store_new(&cfg.redis)};
    http_limits limits;
    http_limits_default(&limits);
    limits.max_body_bytes =
        cfg.max_body_bytes < REGISTER_MAX_BODY ? cfg.max_body_bytes : REGISTER_MAX_BODY;
    limits.max_params = cfg.max_params;
    limits.max_param_bytes = cfg.max_param_bytes;
    log_msg(LOG_INFO, "ddbsql-register %s serving %s/register%s", DDBSQL_VERSION,
            cfg.oauth.issuer ? cfg.oauth.issuer : cfg.public_url,
            cfg.auth_none ? " (auth = none: every request gets 404)" : "");
    http_set_refusal_formatter(register_http_refusal);
    int rc = fcgi_serve(&limits, register_http_handle, &app);

    redis_store_free(app.rs);
    config_free(&cfg);
    return rc;
}
