/* Config start-up shared by the executables. */
#include "core/conf/startup.h"

#include <stdio.h>
#include <string.h>

#include "core/base/version.h"

log_level config_log_level(const char *name)
{
    static const struct {
        const char *name;
        log_level level;
    } LEVELS[] = {
        {"debug", LOG_DEBUG}, {"info", LOG_INFO}, {"warn", LOG_WARN}, {"error", LOG_ERROR}};
    for (size_t i = 0; name && i < sizeof LEVELS / sizeof LEVELS[0]; i++)
        if (strcmp(name, LEVELS[i].name) == 0)
            return LEVELS[i].level;
    return LOG_INFO;
}

bool config_start(const char *path, config *cfg, char *err, size_t errlen)
{
    if (!config_load(path, cfg, err, errlen))
        return false;
    log_set_level(config_log_level(cfg->log_level));
    return true;
}

int startup_fcgi_args(int argc, char **argv, const char *program, void (*usage)(void),
                      bool *check_only)
{
    *check_only = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--check-config") == 0) {
            *check_only = true;
        } else if (strcmp(argv[i], "--version") == 0) {
            printf("%s %s\n", program, DDBSQL_VERSION);
            return 0;
        } else if (strcmp(argv[i], "--help") == 0) {
            usage();
            return 0;
        } else {
            fprintf(stderr, "%s: unknown option '%s'\n", program, argv[i]);
            usage();
            return 64;
        }
    }
    return -1;
}

bool startup_fcgi_config(config *cfg, const char **path)
{
    char err[1024];
    *path = config_path();
    if (config_start(*path, cfg, err, sizeof err))
        return true;
    log_msg(LOG_ERROR, "%s", err);
    log_msg(LOG_ERROR, "refusing to serve until the configuration is fixed");
    return false;
}
