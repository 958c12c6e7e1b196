/* Config start-up shared by the executables. */
#include "core/conf/startup.h"

#include <string.h>

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
