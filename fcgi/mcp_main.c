/* ddbsql-mcp: the /mcp FastCGI responder. Loads and validates the config,
 * registers the tools, then serves until the web server stops it. */
#include "core/aws/ddb_client.h"
#include "core/base/log.h"
#include "core/base/version.h"
#include "core/conf/config.h"
#include "core/conf/startup.h"
#include "core/http/fcgi_server.h"
#include "core/mcp/mcp.h"
#include "core/mcp/tools.h"
#include "oauth/signing_keys.h"
#include "sql/run_sql.h"

#include <fcgiapp.h>
#include <stdio.h>
#include <string.h>

#define EX_CONFIG 78 /* sysexits.h: configuration error */

static void usage(void)
{
    printf("usage: ddbsql-mcp [--check-config | --version | --help]\n"
           "A FastCGI program serving ddbsql's MCP endpoint (/mcp). Run it under lighttpd,\n"
           "Apache mod_fcgid or spawn-fcgi. The config file is $%s (default %s).\n",
           CONFIG_ENV_VAR, CONFIG_DEFAULT_PATH);
}

int main(int argc, char **argv)
{
    log_init("mcp");
    bool check_only;
    int early = startup_fcgi_args(argc, argv, "ddbsql-mcp", usage, &check_only);
    if (early >= 0)
        return early;
    config cfg;
    const char *path;
    if (!startup_fcgi_config(&cfg, &path)) /* never serve a half-valid config */
        return EX_CONFIG;
    char err[1024];
    /* Without a shared secret each worker signs cursors with its own key,
       so a continuation that reaches another worker is refused. */
    bool keyed = run_sql_init(&cfg);
    if (!keyed)
        log_msg(LOG_WARN, "[sql] sets neither cursor_secret nor cursor_secret_file: this worker "
                          "signs result cursors with its own random key, so a cursor only works "
                          "on the worker that issued it; give every worker the same secret (see "
                          "docs/CONFIG.md)");
    /* auth = oauth: the token keys are checked (mode, type) before serving. */
    signing_keys *keys = NULL;
    if (!cfg.auth_none && !signing_keys_load(&cfg, &keys, err, sizeof err)) {
        log_msg(LOG_ERROR, "%s", err);
        log_msg(LOG_ERROR, "refusing to serve until the configuration is fixed");
        config_free(&cfg);
        return EX_CONFIG;
    }
    if (check_only) {
        printf("%s: OK (%zu schema%s, default '%s')\n", path, cfg.nschemas,
               cfg.nschemas == 1 ? "" : "s", cfg.default_schema->name);
        signing_keys_free(keys);
        config_free(&cfg);
        return 0;
    }
    if (FCGX_IsCGI()) {
        fprintf(stderr, "ddbsql-mcp: this is a FastCGI program; start it from a web server or "
                        "spawn-fcgi (see deploy/), or run it with --check-config\n");
        signing_keys_free(keys);
        config_free(&cfg);
        return 64;
    }
    ddb_global_init();
    tools_register_metadata();
    run_sql_register();

    mcp_app *app = mcp_app_new(&cfg);
    mcp_app_set_keys(app, keys);
    http_limits limits;
    http_limits_default(&limits);
    limits.max_body_bytes = cfg.max_body_bytes;
    limits.max_params = cfg.max_params;
    limits.max_param_bytes = cfg.max_param_bytes;
    log_msg(LOG_INFO, "ddbsql-mcp %s serving %s (%zu schema%s)", DDBSQL_VERSION, cfg.mcp_url,
            cfg.nschemas, cfg.nschemas == 1 ? "" : "s");
    http_set_refusal_formatter(mcp_http_refusal);
    int rc = fcgi_serve(&limits, mcp_http_handle, app);

    mcp_app_free(app);
    tools_reset();
    config_free(&cfg);
    return rc;
}
