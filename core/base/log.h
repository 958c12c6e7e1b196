/* Logging to stderr, which the web server routes to its error log.
 * Two kinds of line: one access line per request (log_request in
 * core/http), and diagnostics through log_msg. Callers must never pass a
 * secret or a token: log values are identifiers and outcomes only. */
#ifndef DDBSQL_LOG_H
#define DDBSQL_LOG_H

typedef enum { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR } log_level;

/* The component name ("mcp", "token", ...) prefixes every line. */
void log_init(const char *component);
void log_set_level(log_level min);
const char *log_component(void);
void log_msg(log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
