#include "sql/sql_error.h"

#include <stdarg.h>
#include <stdio.h>

void sql_error_set(sql_error *e, int line, int column, size_t offset, const char *fmt, ...)
{
    va_list ap;
    e->line = line;
    e->column = column;
    e->offset = offset;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
}

void sql_error_format(const sql_error *e, char *out, size_t outsz)
{
    if (e->line > 0)
        snprintf(out, outsz, "line %d, column %d: %s", e->line, e->column, e->message);
    else
        snprintf(out, outsz, "%s", e->message);
}
