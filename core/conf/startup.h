/* What every ddbsql executable (fcgi/NAME_main.c) does with its config
 * before it does anything else: load and validate the file, then apply the
 * process-wide settings it names (the log level). One place, so a new
 * executable cannot start with a different idea of the config. */
#ifndef DDBSQL_CONF_STARTUP_H
#define DDBSQL_CONF_STARTUP_H

#include <stdbool.h>
#include <stddef.h>

#include "core/base/log.h"
#include "core/conf/config.h"

/* Loads path into *cfg (config_load) and sets the log level it names. On
 * failure returns false with config_load's message in err (naming the
 * file, line and key) and changes nothing; the caller must not serve. */
bool config_start(const char *path, config *cfg, char *err, size_t errlen);

/* The command line of every FastCGI program: --check-config (sets
 * *check_only), --version, --help (calls usage). Returns -1 to go on, else
 * the exit status: 0 after --version or --help, 64 for anything else. */
int startup_fcgi_args(int argc, char **argv, const char *program, void (*usage)(void),
                      bool *check_only);

/* config_start on config_path(), logging why it failed (the program then
 * exits with status 78, EX_CONFIG, rather than serve a half-valid config).
 * *path: the file it read. */
bool startup_fcgi_config(config *cfg, const char **path);

/* The level named by a validated log_level value ("debug", "info", "warn",
 * "error"); NULL or anything else is LOG_INFO, the default. */
log_level config_log_level(const char *name);

#endif
