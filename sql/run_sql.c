/* run_sql: tool arguments -> sql_run -> the structured result, its text
 * rendering, and errors a model can act on. */
#include "sql/run_sql.h"

#include "core/base/alloc.h"
#include "core/base/json_util.h"
#include "core/base/timeutil.h"
#include "core/mcp/tools.h"
#include "sql/cursor.h"
#include "sql/engine.h"
#include "sql/limits.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CELL_MAX   60           /* code points shown per table cell */
#define TABLE_TEXT (512 * 1024) /* text of the table, at most; the rest is in structuredContent */
#define MIDDOT     "\xc2\xb7"   /* · */
#define TIMES      "\xc3\x97"   /* × */
#define ELLIPSIS   "\xe2\x80\xa6"

static cursor_key KEY;
static bool key_ready;
static char input_schema[4096];

/* ---- schemas and registration --------------------------------------------- */

static const char OUTPUT_SCHEMA[] =
    "{\"type\":\"object\",\"properties\":{"
    "\"columns\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"
    "\"name\":{\"type\":\"string\"},\"type\":{\"type\":\"string\"},\"key\":{\"type\":\"string\"}},"
    "\"required\":[\"name\",\"type\"]}},"
    "\"rows\":{\"type\":\"array\",\"items\":{\"type\":[\"array\",\"object\"]}},"
    "\"row_count\":{\"type\":\"integer\"},\"truncated\":{\"type\":\"boolean\"},"
    "\"next_cursor\":{\"type\":\"string\"},"
    "\"format\":{\"type\":\"string\",\"enum\":[\"rows\",\"objects\"]},"
    "\"mode\":{\"type\":\"string\",\"enum\":[\"execute\",\"plan\"]},"
    "\"explain\":{\"type\":\"boolean\"},"
    "\"stats\":{\"type\":\"object\",\"properties\":{"
    "\"items_read\":{\"type\":\"integer\"},\"items_returned\":{\"type\":\"integer\"},"
    "\"capacity_units\":{\"type\":\"number\"},"
    "\"calls\":{\"type\":\"object\",\"properties\":{\"GetItem\":{\"type\":\"integer\"},"
    "\"BatchGetItem\":{\"type\":\"integer\"},\"Query\":{\"type\":\"integer\"},"
    "\"Scan\":{\"type\":\"integer\"}},"
    "\"required\":[\"GetItem\",\"BatchGetItem\",\"Query\",\"Scan\"]},"
    "\"elapsed_ms\":{\"type\":\"integer\"},\"memory_peak_bytes\":{\"type\":\"integer\"},"
    "\"plan\":{\"type\":[\"string\",\"null\"]}},"
    "\"required\":[\"items_read\",\"items_returned\",\"capacity_units\",\"calls\",\"elapsed_ms\","
    "\"memory_peak_bytes\",\"plan\"]}},"
    "\"required\":[\"columns\",\"rows\",\"row_count\",\"truncated\",\"format\",\"mode\","
    "\"explain\",\"stats\"]}";

static const char DESCRIPTION[] =
    "Run one read-only SQL query over the DynamoDB tables: SELECT, WITH ... SELECT, or EXPLAIN "
    "SELECT. Name tables as schema.table (an unqualified name means the default schema); reach "
    "nested attributes with dotted paths (address.city, items[0].sku). Call describe_table "
    "first: an equality condition on a table's partition key (or an index's partition key) "
    "becomes a key lookup or a Query, while anything else scans the whole table. Every query "
    "has a server-side budget of items read, time and memory; an error says what to change. "
    "Results come one page at a time (max_rows); when truncated is true, call again with the "
    "same sql and cursor set to next_cursor for the following rows. mode=\"plan\" (or EXPLAIN) "
    "shows the DynamoDB requests a query would make without reading any data. Numbers are "
    "exact; maps, lists and sets are JSON; binaries are base64.";

static json_object *tool_run(mcp_call *call, json_object *args, buf_t *err)
{
    run_sql_env env = {.cfg = call->app->cfg, .cat = call->app->cat};
    json_object *error = NULL;
    json_object *out = run_sql_execute(&env, args, &error);
    if (!out) {
        run_sql_render_error(error, err);
        json_object_put(error);
        return NULL;
    }
    /* The access log line says what each query cost. */
    json_object *st = jget_obj(out, "stats");
    if (call->req)
        http_set_detail(call->req,
                        "rpc=tools/call tool=run_sql rows=%lld truncated=%s items_read=%lld "
                        "rcu=%.10g ms=%lld",
                        (long long)jget_int(out, "row_count", 0),
                        jget_bool(out, "truncated", false) ? "yes" : "no",
                        (long long)jget_int(st, "items_read", 0),
                        json_object_get_double(jget(st, "capacity_units")),
                        (long long)jget_int(st, "elapsed_ms", 0));
    return out;
}

static const tool_def RUN_SQL = {
    .name = "run_sql",
    .title = "Run a SQL query",
    .description = DESCRIPTION,
    .input_schema = input_schema,
    .output_schema = OUTPUT_SCHEMA,
    .scope = SCOPE_QUERY,
    .run = tool_run,
    .render = run_sql_render,
};

bool run_sql_init(const config *cfg)
{
    const sql_conf *s = &cfg->sql;
    cursor_key_init(&KEY, s->cursor_key, s->cursor_key_len);
    key_ready = true;
    snprintf(input_schema, sizeof input_schema,
             "{\"type\":\"object\",\"properties\":{"
             "\"sql\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":%d,"
             "\"description\":\"One read-only statement: SELECT, WITH ... SELECT, or EXPLAIN "
             "SELECT.\"},"
             "\"max_rows\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":%d,"
             "\"description\":\"Rows per page (default %d). A longer result is truncated and "
             "returns next_cursor.\"},"
             "\"cursor\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":%d,"
             "\"description\":\"next_cursor from the previous page of the same sql, to get the "
             "following rows. Cursors expire after an hour.\"},"
             "\"format\":{\"type\":\"string\",\"enum\":[\"rows\",\"objects\"],"
             "\"description\":\"rows (default): each row is an array in column order. objects: "
             "each row is an object keyed by column name; a repeated name gets a suffix (id, "
             "id_2).\"},"
             "\"mode\":{\"type\":\"string\",\"enum\":[\"execute\",\"plan\"],"
             "\"description\":\"execute (default) runs the query; plan only returns the plan "
             "(the DynamoDB requests it would make) and reads no data.\"}},"
             "\"required\":[\"sql\"],\"additionalProperties\":false}",
             SQL_MAX_TEXT, s->max_rows, s->default_rows, CURSOR_MAX_TEXT);
    return s->cursor_key != NULL;
}

void run_sql_register(void)
{
    tools_register(&RUN_SQL);
}

const char *run_sql_input_schema(void)
{
    return input_schema;
}

/* ---- errors ---------------------------------------------------------------- */

static json_object *error_new(const char *kind, const sql_error *e, const char *msg,
                              const char *hint, const char *advice)
{
    json_object *o = json_object_new_object();
    char text[sizeof e->message + 64];
    if (e)
        sql_error_format(e, text, sizeof text);
    jset_str(o, "error", e ? text : msg);
    jset(o, "hint", hint && *hint ? json_object_new_string(hint) : NULL);
    jset_str(o, "kind", kind);
    jset(o, "advice", advice && *advice ? json_object_new_string(advice) : NULL);
    if (e && e->line > 0) {
        jset_int(o, "line", e->line);
        jset_int(o, "column", e->column);
    }
    return o;
}

static const char *exec_kind_name(exec_err_kind k)
{
    switch (k) {
    case EXEC_ERR_DYNAMODB:
        return "dynamodb";
    case EXEC_ERR_BUDGET:
        return "budget";
    case EXEC_ERR_TIMEOUT:
        return "timeout";
    case EXEC_ERR_MEMORY:
        return "memory";
    default:
        return "sql";
    }
}

/* What to change for a runtime stop, naming the limit that applies. */
static void exec_advice(const sql_conf *s, exec_err_kind k, buf_t *out)
{
    switch (k) {
    case EXEC_ERR_BUDGET:
        buf_printf(out,
                   "Read fewer items: add an equality condition on the partition key (or on a "
                   "secondary index's partition key) so DynamoDB can Query instead of Scan, narrow "
                   "the sort-key range, or add LIMIT. Check what a query reads first with "
                   "mode=\"plan\". The server allows %d items read",
                   s->max_items_read);
        if (s->max_capacity_units)
            buf_printf(out, " and %d read capacity units", s->max_capacity_units);
        buf_puts(out, " per query ([sql] max_items_read, max_capacity_units).");
        break;
    case EXEC_ERR_TIMEOUT:
        buf_printf(out,
                   "Make the query read less: use key conditions instead of scans, add LIMIT, or "
                   "join fewer tables; check the plan with mode=\"plan\". The server allows %d ms "
                   "per query ([sql] time_limit_ms).",
                   s->time_limit_ms);
        break;
    case EXEC_ERR_MEMORY:
        buf_printf(out,
                   "Hold fewer rows in sorts, joins, GROUP BY and DISTINCT: filter earlier, use "
                   "ORDER BY ... LIMIT (only the top rows are kept), select fewer columns, or "
                   "aggregate. The server allows %d MB per query ([sql] max_memory_mb).",
                   s->max_memory_mb);
        break;
    case EXEC_ERR_DYNAMODB:
        buf_puts(out, "If DynamoDB throttled the request, wait a little and retry, or read less. "
                      "If it was unavailable (it could not be reached or kept failing), wait a "
                      "little and retry; if that keeps happening, tell the user. If access was "
                      "denied or a table is missing, the server's configuration or IAM policy "
                      "must change; tell the user.");
        break;
    default:
        buf_puts(out, "Fix the expression the message points at and run the query again.");
        break;
    }
}

static json_object *engine_error(const sql_conf *s, const sql_result *r)
{
    if (r->fail == SQL_FAIL_PARSE)
        return error_new("parse", &r->err, NULL, r->hint, NULL);
    if (r->fail == SQL_FAIL_BIND)
        return error_new("bind", &r->err, NULL, r->hint, NULL);
    buf_t advice = BUF_INIT(2048);
    exec_advice(s, r->exec_kind, &advice);
    json_object *o =
        error_new(exec_kind_name(r->exec_kind), &r->err, NULL, r->hint, buf_cstr(&advice));
    buf_free(&advice);
    return o;
}

static const char *error_title(const char *kind)
{
    static const char *const titles[][2] = {
        {"parse", "SQL syntax error"},
        {"bind", "SQL error"},
        {"sql", "The query failed while running"},
        {"budget", "The query stopped: it reached its read budget"},
        {"timeout", "The query stopped: it reached its time limit"},
        {"memory", "The query stopped: it reached its memory limit"},
        {"dynamodb", "The query stopped: DynamoDB returned an error"},
        {"cursor", "Invalid cursor"},
        {"argument", "Invalid arguments"},
    };
    for (size_t i = 0; kind && i < sizeof titles / sizeof titles[0]; i++)
        if (strcmp(kind, titles[i][0]) == 0)
            return titles[i][1];
    return "Error";
}

void run_sql_render_error(json_object *error, buf_t *out)
{
    buf_printf(out, "%s: %s\n", error_title(jget_str(error, "kind")), jget_str(error, "error"));
    if (jget_str(error, "hint"))
        buf_printf(out, "Hint: %s\n", jget_str(error, "hint"));
    if (jget_str(error, "advice"))
        buf_printf(out, "What to change: %s\n", jget_str(error, "advice"));
}

/* ---- the structured result ------------------------------------------------ */

/* format=objects keys: a column's own name, or for a repeat the first
 * name_N (N = 2, 3, ...) that is neither taken nor any column's own name,
 * so the keys depend only on the column list. */
static char **object_keys(const sql_column *cols, int n)
{
    char **keys = xcalloc((size_t)n + 1, sizeof *keys);
    for (int i = 0; i < n; i++) {
        const char *name = cols[i].name ? cols[i].name : "";
        bool taken = false;
        for (int j = 0; j < i && !taken; j++)
            taken = strcmp(keys[j], name) == 0;
        if (!taken) {
            keys[i] = xstrdup(name);
            continue;
        }
        size_t len = strlen(name) + 24;
        char *cand = xmalloc(len);
        for (long k = 2;; k++) {
            snprintf(cand, len, "%s_%ld", name, k);
            bool clash = false;
            for (int j = 0; j < n && !clash; j++)
                clash = (j < i && strcmp(keys[j], cand) == 0) ||
                        (cols[j].name && strcmp(cols[j].name, cand) == 0);
            if (!clash)
                break;
        }
        keys[i] = cand;
    }
    return keys;
}

static void free_keys(char **keys)
{
    for (size_t i = 0; keys && keys[i]; i++)
        free(keys[i]);
    free(keys);
}

static json_object *stats_json(const sql_result *r)
{
    json_object *s = json_object_new_object();
    jset_int(s, "items_read", r->stats.items_read);
    jset_int(s, "items_returned", r->stats.items_returned);
    jset(s, "capacity_units", json_object_new_double(r->stats.capacity_units));
    static const ddb_op kinds[] = {DDB_GET_ITEM, DDB_BATCH_GET_ITEM, DDB_QUERY, DDB_SCAN};
    json_object *calls = json_object_new_object();
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        jset_int(calls, ddb_op_name(kinds[i]), r->stats.calls[kinds[i]]);
    jset(s, "calls", calls);
    jset_int(s, "elapsed_ms", r->elapsed_ms);
    jset_int(s, "memory_peak_bytes", (int64_t)r->mem_peak);
    jset(s, "plan", r->plan ? json_object_new_string(r->plan) : NULL);
    return s;
}

static json_object *result_json(const sql_result *r, bool objects, bool plan_mode,
                                const char *next_cursor)
{
    char **keys = objects ? object_keys(r->columns, r->ncols) : NULL;
    json_object *o = json_object_new_object();
    json_object *cols = json_object_new_array();
    for (int i = 0; i < r->ncols; i++) {
        json_object *c = json_object_new_object();
        jset_str(c, "name", r->columns[i].name ? r->columns[i].name : "");
        jset_str(c, "type", r->columns[i].type ? r->columns[i].type : "NULL");
        if (keys)
            jset_str(c, "key", keys[i]);
        json_object_array_add(cols, c);
    }
    jset(o, "columns", cols);
    json_object *rows = json_object_new_array();
    for (int64_t i = 0; i < r->nrows; i++) {
        const value_t *row = r->rows + i * r->ncols;
        json_object *jr = keys ? json_object_new_object() : json_object_new_array();
        for (int c = 0; c < r->ncols; c++) {
            if (keys)
                json_object_object_add(jr, keys[c], value_to_json(&row[c]));
            else
                json_object_array_add(jr, value_to_json(&row[c]));
        }
        json_object_array_add(rows, jr);
    }
    jset(o, "rows", rows);
    jset_int(o, "row_count", r->nrows);
    jset_bool(o, "truncated", r->truncated);
    if (next_cursor)
        jset_str(o, "next_cursor", next_cursor);
    jset_str(o, "format", objects ? "objects" : "rows");
    jset_str(o, "mode", plan_mode ? "plan" : "execute");
    jset_bool(o, "explain", r->explain);
    jset(o, "stats", stats_json(r));
    free_keys(keys);
    return o;
}

/* ---- running --------------------------------------------------------------- */

json_object *run_sql_execute(const run_sql_env *env, json_object *args, json_object **error)
{
    const sql_conf *conf = &env->cfg->sql;
    *error = NULL;
    if (!key_ready)
        run_sql_init(env->cfg);
    json_object *jsql = jget(args, "sql");
    if (!jsql || !json_object_is_type(jsql, json_type_string)) {
        *error = error_new("argument", NULL, "'sql' is required", NULL, NULL);
        return NULL;
    }
    const char *sql = json_object_get_string(jsql);
    size_t sqllen = (size_t)json_object_get_string_len(jsql);
    const char *format = jget_str(args, "format"), *mode = jget_str(args, "mode");
    bool plan_mode = mode && strcmp(mode, "plan") == 0;
    json_object *jmax = jget(args, "max_rows");
    bool have_max = jmax && !json_object_is_type(jmax, json_type_null);
    int64_t max_rows = have_max ? json_object_get_int64(jmax) : conf->default_rows;

    sql_cursor cur = {0};
    const char *ctext = jget_str(args, "cursor");
    int64_t now_s = env->now_s ? env->now_s : wall_ms() / 1000;
    if (ctext) {
        if (plan_mode) {
            *error = error_new("argument", NULL,
                               "'cursor' continues the rows of a query; it cannot be combined "
                               "with mode \"plan\"",
                               NULL, "Drop the cursor, or drop mode=\"plan\".");
            return NULL;
        }
        char msg[512];
        if (cursor_decode(&KEY, ctext, sql, sqllen, now_s, &cur, msg, sizeof msg) != CURSOR_OK) {
            *error = error_new("cursor", NULL, msg, NULL,
                               "Rerun the query without the cursor to start again from the first "
                               "row (pass the same sql and no cursor).");
            return NULL;
        }
        if (!have_max)
            max_rows = cur.max_rows;
        if (!format)
            format = cur.objects ? "objects" : "rows";
    }
    if (max_rows < 1)
        max_rows = 1;
    if (max_rows > conf->max_rows) /* a cursor from before a config change */
        max_rows = conf->max_rows;
    bool objects = format && strcmp(format, "objects") == 0;

    sql_engine_env eenv = {
        .cat = env->cat,
        .limits =
            {
                .max_items_read = conf->max_items_read,
                .max_capacity = conf->max_capacity_units,
                .deadline_ms = 0,
                .max_memory_bytes = (size_t)conf->max_memory_mb * 1024 * 1024,
            },
        .time_limit_ms = conf->time_limit_ms,
        .max_segments = conf->max_scan_segments,
        .now_ms = 0,
        .trace = env->trace,
        .trace_ctx = env->trace_ctx,
    };
    sql_run_opts opts = {
        .mode = plan_mode ? SQL_MODE_PLAN : SQL_MODE_EXECUTE,
        .max_rows = max_rows,
        .skip = cur.skip,
        .start_key = cur.start_key,
    };
    sql_result r;
    json_object *out = NULL;
    if (!sql_run(&eenv, sql, sqllen, &opts, &r)) {
        *error = engine_error(conf, &r);
    } else {
        char *next = NULL;
        if (r.truncated && !plan_mode) {
            sql_cursor nc = {
                .skip = r.next_skip,
                .start_key = r.next_start_key,
                .max_rows = (int)max_rows,
                .objects = objects,
                .issued_s = now_s,
            };
            cursor_sql_hash(sql, sqllen, nc.sql_hash);
            next = cursor_encode(&KEY, &nc);
        }
        out = result_json(&r, objects, plan_mode, next);
        free(next);
    }
    sql_result_free(&r);
    cursor_free(&cur);
    return out;
}

/* ---- text ------------------------------------------------------------------ */

/* One table cell as shown: control characters escaped, at most CELL_MAX
 * code points (a longer value ends in an ellipsis). */
typedef struct cell {
    char s[CELL_MAX * 4 + 8];
    size_t len;
    int width; /* code points */
    bool cut;
} cell;

static size_t utf8_seq_len(unsigned char b)
{
    return b < 0xC0 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
}

static void cell_set(cell *c, const char *s, size_t n)
{
    c->len = 0;
    c->width = 0;
    c->cut = false;
    size_t fit_len = 0; /* bytes that fit in CELL_MAX - 1 code points */
    int fit_width = 0;
    for (size_t i = 0; i < n;) {
        unsigned char ch = (unsigned char)s[i];
        char esc[8];
        const char *piece = s + i;
        size_t plen;
        if (ch < 0x20 || ch == 0x7f) {
            if (ch == '\n' || ch == '\t' || ch == '\r')
                snprintf(esc, sizeof esc, "\\%c", ch == '\n' ? 'n' : ch == '\t' ? 't' : 'r');
            else
                snprintf(esc, sizeof esc, "\\u%04x", ch);
            piece = esc;
            plen = strlen(esc);
            i++;
        } else {
            plen = utf8_seq_len(ch);
            if (plen > n - i)
                plen = n - i;
            i += plen;
        }
        int w = piece == esc ? (int)plen : 1;
        if (c->width + w > CELL_MAX) {
            c->len = fit_len;
            c->width = fit_width + 1;
            memcpy(c->s + c->len, ELLIPSIS, strlen(ELLIPSIS));
            c->len += strlen(ELLIPSIS);
            c->s[c->len] = '\0';
            c->cut = true;
            return;
        }
        memcpy(c->s + c->len, piece, plen);
        c->len += plen;
        c->width += w;
        if (c->width <= CELL_MAX - 1) {
            fit_len = c->len;
            fit_width = c->width;
        }
    }
    c->s[c->len] = '\0';
}

static void cell_of(cell *c, json_object *v)
{
    if (!v) {
        cell_set(c, "NULL", 4);
    } else if (json_object_is_type(v, json_type_string)) {
        size_t n = (size_t)json_object_get_string_len(v);
        if (n == 0)
            cell_set(c, "\"\"", 2);
        else
            cell_set(c, json_object_get_string(v), n);
    } else {
        const char *t = json_compact(v); /* numbers keep their exact text */
        cell_set(c, t, strlen(t));
    }
}

static json_object *row_value(json_object *row, json_object *col, int i)
{
    if (json_object_is_type(row, json_type_array))
        return json_object_array_get_idx(row, (size_t)i);
    return jget(row, jget_str(col, "key") ? jget_str(col, "key") : jget_str(col, "name"));
}

static void pad(buf_t *out, int n)
{
    for (; n > 0; n--)
        buf_putc(out, ' ');
}

static bool numeric_type(const char *t)
{
    return t && (strcmp(t, "NUMBER") == 0 || strcmp(t, "DOUBLE") == 0);
}

static void put_cell(buf_t *out, const cell *c, int width, bool right, bool last)
{
    if (right)
        pad(out, width - c->width);
    buf_append(out, c->s, c->len);
    if (!right && !last)
        pad(out, width - c->width);
}

/* Columns two spaces apart, a dashed rule under the names, numbers right-
 * aligned. Returns the rows shown. */
static size_t render_table(json_object *r, buf_t *out, bool *any_cut)
{
    json_object *cols = jget_arr(r, "columns"), *rows = jget_arr(r, "rows");
    int ncols = cols ? (int)json_object_array_length(cols) : 0;
    size_t nrows = rows ? json_object_array_length(rows) : 0;
    if (ncols == 0)
        return nrows;
    int *width = xcalloc((size_t)ncols, sizeof *width);
    cell c;
    for (int i = 0; i < ncols; i++) {
        const char *name = jget_str(json_object_array_get_idx(cols, (size_t)i), "name");
        cell_set(&c, name, strlen(name));
        width[i] = c.width;
    }
    for (size_t k = 0; k < nrows; k++)
        for (int i = 0; i < ncols; i++) {
            cell_of(&c, row_value(json_object_array_get_idx(rows, k),
                                  json_object_array_get_idx(cols, (size_t)i), i));
            if (c.width > width[i])
                width[i] = c.width;
        }
    for (int i = 0; i < ncols; i++) {
        json_object *col = json_object_array_get_idx(cols, (size_t)i);
        const char *name = jget_str(col, "name");
        cell_set(&c, name, strlen(name));
        put_cell(out, &c, width[i], numeric_type(jget_str(col, "type")), i == ncols - 1);
        buf_puts(out, i == ncols - 1 ? "\n" : "  ");
    }
    for (int i = 0; i < ncols; i++) {
        for (int k = 0; k < width[i]; k++)
            buf_putc(out, '-');
        buf_puts(out, i == ncols - 1 ? "\n" : "  ");
    }
    size_t shown = 0, start = out->len;
    for (; shown < nrows && out->len - start < TABLE_TEXT; shown++) {
        json_object *row = json_object_array_get_idx(rows, shown);
        for (int i = 0; i < ncols; i++) {
            json_object *col = json_object_array_get_idx(cols, (size_t)i);
            cell_of(&c, row_value(row, col, i));
            *any_cut = *any_cut || c.cut;
            put_cell(out, &c, width[i], numeric_type(jget_str(col, "type")), i == ncols - 1);
            buf_puts(out, i == ncols - 1 ? "\n" : "  ");
        }
    }
    free(width);
    return shown;
}

static void summary_line(json_object *r, buf_t *out)
{
    json_object *st = jget_obj(r, "stats");
    long long n = (long long)jget_int(r, "row_count", 0);
    buf_printf(out, "%lld row%s", n, n == 1 ? "" : "s");
    if (jget_bool(r, "truncated", false) && jget_str(r, "next_cursor"))
        buf_printf(out, " (truncated; pass cursor \"%s\" for more)", jget_str(r, "next_cursor"));
    else if (jget_bool(r, "truncated", false))
        buf_puts(out, " (truncated)");
    long long items = (long long)jget_int(st, "items_read", 0);
    buf_printf(out, " " MIDDOT " %lld item%s read", items, items == 1 ? "" : "s");
    json_object *cap = jget(st, "capacity_units");
    buf_printf(out, " " MIDDOT " %.10g RCU", cap ? json_object_get_double(cap) : 0.0);
    static const char *const kinds[] = {"Query", "Scan", "GetItem", "BatchGetItem"};
    json_object *calls = jget_obj(st, "calls");
    bool any = false;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        long long k = (long long)jget_int(calls, kinds[i], 0);
        if (k > 0) {
            buf_printf(out, " " MIDDOT " %s" TIMES "%lld", kinds[i], k);
            any = true;
        }
    }
    if (!any)
        buf_puts(out, " " MIDDOT " no DynamoDB calls");
    buf_printf(out, " " MIDDOT " %lld ms\n", (long long)jget_int(st, "elapsed_ms", 0));
}

void run_sql_render(json_object *r, buf_t *out)
{
    const char *mode = jget_str(r, "mode");
    if (jget_bool(r, "explain", false) || (mode && strcmp(mode, "plan") == 0)) {
        const char *plan = jget_str(jget_obj(r, "stats"), "plan");
        buf_puts(out, plan ? plan : "(no plan)");
        if (!plan || !*plan || plan[strlen(plan) - 1] != '\n')
            buf_putc(out, '\n');
        return;
    }
    size_t nrows = json_object_array_length(jget_arr(r, "rows"));
    bool cut = false;
    size_t shown = render_table(r, out, &cut);
    if (nrows == 0)
        buf_puts(out, "(no rows)\n");
    if (shown < nrows)
        buf_printf(out,
                   "(this text shows the first %zu of the %zu rows; structuredContent has them "
                   "all)\n",
                   shown, nrows);
    if (cut)
        buf_printf(out,
                   "(values longer than %d characters are cut short here; structuredContent "
                   "has them in full)\n",
                   CELL_MAX);
    summary_line(r, out);
}
