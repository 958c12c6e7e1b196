#include "log.h"

#include "timeutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char component[32] = "ddbsql";
static log_level min_level = LOG_INFO;

void log_init(const char *name)
{
    snprintf(component, sizeof component, "%s", name);
}

void log_set_level(log_level min)
{
    min_level = min;
}

const char *log_component(void)
{
    return component;
}

void log_msg(log_level level, const char *fmt, ...)
{
    static const char *names[] = {"debug", "info", "warn", "error"};
    if (level < min_level)
        return;
    char ts[ISO8601_LEN];
    iso8601_ms(wall_ms(), ts);
    char line[2048];
    int n = snprintf(line, sizeof line, "%s ddbsql-%s[%d] %s: ", ts, component, (int)getpid(),
                     names[level]);
    va_list ap;
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof line)
        vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    /* One write per line so concurrent workers' lines do not interleave;
     * control characters are replaced so a value cannot forge a line. */
    size_t len = strnlen(line, sizeof line - 2);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
            line[i] = ' ';
    line[len++] = '\n';
    fwrite(line, 1, len, stderr);
    fflush(stderr);
}
