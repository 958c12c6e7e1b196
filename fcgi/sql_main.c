/* ddbsql-sql: runs one SQL statement from the command line. It is NOT a
 * FastCGI program (the build names every fcgi/NAME_main.c ddbsql-NAME): it runs
 * once and exits. It reads the config like the workers ($DDBSQL_CONFIG, or
 * --config), uses the same Redis metadata cache, and goes through exactly
 * the run_sql tool's code: the same input-schema check and run_sql_execute,
 * and with --text the same rendering. The golden and differential tests
 * drive it.
 *
 *   ddbsql-sql [--config FILE] [--max-rows N] [--format rows|objects] [--plan]
 *              [--cursor C] [--trace] [--text] (SQL | -)
 *
 * stdout: the tool's structuredContent as JSON, or with --text its text.
 * --trace: every DynamoDB call as one JSON line on stderr, metadata calls
 *   (DescribeTable, ListTables) included:
 *   {"op":"Query","request":{...},"items":N,"scanned":N}  (+ "error" on failure)
 * Exit status: 0 success; 1 the tool returned an error, printed as its error
 * object {"error": "...", "hint": ..., "kind": ...} (or with --text its
 * error text); 2 a usage or configuration error. */
#include "core/aws/ddb_client.h"
#include "core/base/alloc.h"
#include "core/base/json_util.h"
#include "core/base/log.h"
#include "core/base/version.h"
#include "core/conf/config.h"
#include "core/conf/startup.h"
#include "core/mcp/arg_schema.h"
#include "core/mcp/mcp.h"
#include "sql/limits.h"
#include "sql/run_sql.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EX_USAGE 2

static void usage(FILE *to)
{
    fprintf(to,
            "usage: ddbsql-sql [--config FILE] [--max-rows N] [--format rows|objects] [--plan]\n"
            "                  [--cursor C] [--trace] [--text] (SQL | -)\n"
            "Runs one read-only SQL statement exactly as the run_sql MCP tool does and prints\n"
            "its structured result as JSON (--text: the text an assistant sees). '-' reads\n"
            "the SQL from stdin. --plan shows the plan without reading data; --cursor\n"
            "continues a truncated result; --trace prints each DynamoDB call on stderr.\n"
            "The config file is --config, else $%s, else %s.\n"
            "Exit status: 0 success, 1 query error (an {\"error\": ...} document), 2 usage or\n"
            "configuration error. This is not a FastCGI program.\n",
            CONFIG_ENV_VAR, CONFIG_DEFAULT_PATH);
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "ddbsql-sql: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    usage(stderr);
    return EX_USAGE;
}

static void trace_event(void *ctx, const ddb_trace_event *ev)
{
    (void)ctx;
    json_object *o = json_object_new_object();
    jset_str(o, "op", ddb_op_name(ev->op));
    jset(o, "request", ev->request ? json_object_get(ev->request) : json_object_new_object());
    jset_int(o, "items", ev->items);
    jset_int(o, "scanned", ev->scanned);
    if (!ev->response && ev->error)
        jset_str(o, "error", ev->error->message);
    fprintf(stderr, "%s\n", json_compact(o));
    fflush(stderr);
    json_object_put(o);
}

/* The most stdin may hold: what the tool's sql argument can carry (SQL_MAX_TEXT
 * characters of up to 4 UTF-8 bytes each). A statement longer than the limit
 * but within this still reaches the tool, which refuses it exactly as it does
 * over MCP. */
#define STDIN_MAX ((size_t)SQL_MAX_TEXT * 4)

/* The SQL from stdin, at most STDIN_MAX bytes; NULL on error. */
static char *read_stdin(size_t *len)
{
    buf_t b = BUF_INIT(STDIN_MAX);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0) {
        if (!buf_append(&b, chunk, n)) {
            fprintf(stderr, "ddbsql-sql: the SQL on stdin is longer than %zu bytes\n", STDIN_MAX);
            buf_free(&b);
            return NULL;
        }
    }
    if (ferror(stdin)) {
        fprintf(stderr, "ddbsql-sql: cannot read stdin: %s\n", strerror(errno));
        buf_free(&b);
        return NULL;
    }
    *len = b.len;
    return buf_steal(&b);
}

static void print_json(json_object *o)
{
    fputs(
        json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
        stdout);
    fputc('\n', stdout);
}

typedef struct cli {
    const char *config, *max_rows, *format, *cursor, *sql;
    bool plan, trace, text;
} cli;

static int parse_args(int argc, char **argv, cli *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **value = NULL;
        if (strcmp(a, "--config") == 0)
            value = &o->config;
        else if (strcmp(a, "--max-rows") == 0)
            value = &o->max_rows;
        else if (strcmp(a, "--format") == 0)
            value = &o->format;
        else if (strcmp(a, "--cursor") == 0)
            value = &o->cursor;
        else if (strcmp(a, "--plan") == 0)
            o->plan = true;
        else if (strcmp(a, "--trace") == 0)
            o->trace = true;
        else if (strcmp(a, "--text") == 0)
            o->text = true;
        else if (strcmp(a, "--help") == 0)
            return -1;
        else if (strcmp(a, "--version") == 0)
            return -2;
        else if (strcmp(a, "--") == 0 && i + 1 < argc && !o->sql)
            o->sql = argv[++i];
        else if (a[0] == '-' && a[1] != '\0')
            return usage_error("unknown option '%s'", a);
        else if (o->sql)
            return usage_error("more than one SQL argument ('%.80s'); quote the statement", a);
        else
            o->sql = a;
        if (value) {
            if (i + 1 >= argc)
                return usage_error("%s needs a value", a);
            *value = argv[++i];
        }
    }
    if (!o->sql)
        return usage_error("%s", "no SQL given (pass the statement, or - to read it from stdin)");
    return 0;
}

/* The tool's arguments, from the command line. */
static json_object *tool_args(const cli *o, const char *sql, size_t len, int *rc)
{
    json_object *args = json_object_new_object();
    jset(args, "sql", json_object_new_string_len(sql, (int)len));
    if (o->max_rows) {
        char *end;
        errno = 0;
        long long n = strtoll(o->max_rows, &end, 10);
        if (errno || end == o->max_rows || *end) {
            json_object_put(args);
            *rc = usage_error("--max-rows: '%s' is not a whole number", o->max_rows);
            return NULL;
        }
        jset_int(args, "max_rows", n);
    }
    if (o->format)
        jset_str(args, "format", o->format);
    if (o->cursor)
        jset_str(args, "cursor", o->cursor);
    if (o->plan)
        jset_str(args, "mode", "plan");
    return args;
}

/* Checks the arguments against the tool's input schema, as tools/call does. */
static json_object *check_args(json_object *args)
{
    char perr[160];
    const char *text = run_sql_input_schema();
    json_object *schema = json_parse_strict(text, strlen(text), 32, perr, sizeof perr);
    buf_t msg = BUF_INIT(8192);
    json_object *error = NULL;
    if (!arg_schema_check(schema, args, &msg)) {
        buf_t full = BUF_INIT(16384);
        buf_printf(&full, "Invalid arguments for run_sql: %s.", buf_cstr(&msg));
        error = json_object_new_object();
        jset_str(error, "error", buf_cstr(&full));
        jset(error, "hint", NULL);
        jset_str(error, "kind", "argument");
        buf_free(&full);
    }
    buf_free(&msg);
    json_object_put(schema);
    return error;
}

static int run(const cli *o, const config *cfg, bool keyed)
{
    size_t len;
    char *sql;
    if (strcmp(o->sql, "-") == 0) {
        sql = read_stdin(&len);
        if (!sql)
            return EX_USAGE;
    } else {
        sql = xstrdup(o->sql);
        len = strlen(sql);
    }
    if (!utf8_valid(sql, len)) {
        free(sql);
        fprintf(stderr, "ddbsql-sql: the SQL is not valid UTF-8\n");
        return EX_USAGE;
    }
    int rc = 0;
    json_object *args = tool_args(o, sql, len, &rc);
    free(sql);
    if (!args)
        return rc;
    json_object *error = check_args(args), *result = NULL;
    bool schema_error = error != NULL; /* its text is complete, as tools/call words it */
    mcp_app *app = NULL;
    if (!error) {
        app = mcp_app_new(cfg);
        run_sql_env env = {.cfg = cfg, .cat = app->cat};
        if (o->trace)
            env.trace = trace_event;
        result = run_sql_execute(&env, args, &error);
    }
    if (!keyed && (o->cursor || jget_str(result, "next_cursor")))
        log_msg(LOG_WARN, "no [sql] cursor_secret or cursor_secret_file is configured, so cursors "
                          "are signed with a key of this run only and no other run accepts them");
    buf_t text = BUF_INIT(8 * 1024 * 1024);
    if (result) {
        if (o->text) {
            run_sql_render(result, &text);
            fputs(buf_cstr(&text), stdout);
        } else {
            print_json(result);
        }
    } else {
        if (o->text) {
            if (schema_error)
                buf_printf(&text, "%s\n", jget_str(error, "error"));
            else
                run_sql_render_error(error, &text);
            fputs(buf_cstr(&text), stdout);
        } else {
            print_json(error);
        }
        rc = 1;
    }
    buf_free(&text);
    json_object_put(result);
    json_object_put(error);
    json_object_put(args);
    mcp_app_free(app);
    return rc;
}

int main(int argc, char **argv)
{
    log_init("sql");
    cli o = {0};
    int rc = parse_args(argc, argv, &o);
    if (rc == -1) {
        usage(stdout);
        return 0;
    }
    if (rc == -2) {
        printf("ddbsql-sql %s\n", DDBSQL_VERSION);
        return 0;
    }
    if (rc)
        return rc;
    config cfg;
    char err[1024];
    if (!config_start(o.config ? o.config : config_path(), &cfg, err, sizeof err)) {
        fprintf(stderr, "ddbsql-sql: %s\n", err);
        return EX_USAGE;
    }
    ddb_global_init();
    bool keyed = run_sql_init(&cfg);
    rc = run(&o, &cfg, keyed);
    fflush(stdout);
    config_free(&cfg);
    return rc;
}
