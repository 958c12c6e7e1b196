#include "prompts.h"

#include "tools.h"

#include "../base/json_util.h"

#include <string.h>

#define MAX_PROMPT_ARG 2000

typedef struct prompt_arg {
    const char *name, *description;
    bool required;
} prompt_arg;

typedef struct prompt_def {
    const char *name, *title, *description;
    prompt_arg args[3];
    void (*build)(mcp_call *call, json_object *args, buf_t *out);
} prompt_def;

static bool tool_available(mcp_call *call, const char *name)
{
    const tool_def *t = tools_find(name);
    return t && (call->scopes & t->scope) == t->scope;
}

static void build_explore(mcp_call *call, json_object *args, buf_t *out)
{
    const char *schema = jget_str(args, "schema"), *table = jget_str(args, "table");
    const char *sname = schema && *schema ? schema : call->app->cfg->default_schema->name;
    buf_printf(out, "Help me explore the data in the DynamoDB schema '%s' through ddbsql.\n\n",
               sname);
    int step = 1;
    if (table && *table) {
        buf_printf(out,
                   "%d. Call describe_table with table_name \"%s\" and schema_name \"%s\". Explain "
                   "its primary key, its secondary indexes and what each is good for, and its most "
                   "common attributes (nested maps appear as dotted paths).\n",
                   step++, table, sname);
    } else {
        buf_printf(out,
                   "%d. Call list_tables with schema_name \"%s\" and summarise the tables and "
                   "their sizes.\n",
                   step++, sname);
        buf_printf(out,
                   "%d. For the tables that look central, call describe_table. Explain each "
                   "one's primary key, secondary indexes and main attributes, and how the tables "
                   "seem to relate (shared key attributes such as customer_id).\n",
                   step++);
    }
    if (tool_available(call, "run_sql"))
        buf_printf(out,
                   "%d. Use run_sql with small queries (LIMIT 10) to show a few representative "
                   "rows. Prefer filters on partition keys or index keys; they read far fewer "
                   "items than a full scan. Use EXPLAIN first when unsure what a query reads.\n",
                   step++);
    buf_printf(out,
               "%d. Finish with a short overview of the data model and three questions this data "
               "could answer.\n",
               step);
    buf_puts(out, "\nThe documentation resources ddbsql://docs/sql-reference and "
                  "ddbsql://docs/limitations describe the SQL dialect and its limits.");
}

static void build_write_query(mcp_call *call, json_object *args, buf_t *out)
{
    const char *question = jget_str(args, "question"), *schema = jget_str(args, "schema");
    const char *sname = schema && *schema ? schema : call->app->cfg->default_schema->name;
    buf_printf(out, "Write a SQL query for ddbsql that answers this question:\n\n%s\n\n", question);
    buf_printf(out,
               "Work in the DynamoDB schema '%s'. Follow these steps:\n"
               "1. Call list_tables (schema_name \"%s\") to find the relevant tables.\n"
               "2. Call describe_table on each table you will use. Note the partition key, the "
               "sort key and the secondary indexes: equality on a partition key (or an index's "
               "partition key) turns a full scan into a cheap key lookup or Query.\n"
               "3. Write one SELECT (or WITH ... SELECT) statement. Name tables as schema.table "
               "(for example %s.orders). Reach nested attributes with dotted paths (address.city). "
               "Only SELECT and WITH are accepted; results come %d rows at a time by default "
               "(at most %d per call), with a cursor for the next rows.\n",
               sname, sname, sname, call->app->cfg->sql.default_rows, call->app->cfg->sql.max_rows);
    if (tool_available(call, "run_sql"))
        buf_puts(out, "4. Run it with run_sql, prefixed with EXPLAIN first if it may scan a large "
                      "table. If run_sql reports an error, read its message: it says what to "
                      "change. Then answer the question from the rows, and show the SQL you "
                      "used.\n");
    else
        buf_puts(out, "4. This server does not let you run queries, so present the SQL and "
                      "explain how it answers the question.\n");
    buf_puts(out, "\nRead ddbsql://docs/sql-reference for the dialect and "
                  "ddbsql://docs/limitations for what is not supported.");
}

static const prompt_def PROMPTS[] = {
    {"explore-data",
     "Explore the data",
     "Walk through the tables of a schema (or one table): keys, indexes, attributes and sample "
     "rows, ending with an overview of the data model.",
     {{"schema", "Schema to explore (default: the default schema).", false},
      {"table", "A table to focus on (default: all tables).", false}},
     build_explore},
    {"write-query",
     "Write a query",
     "Turn a question in plain words into a ddbsql SQL query, checking table keys and indexes "
     "first so the query reads as little as possible.",
     {{"question", "The question to answer, in plain words.", true},
      {"schema", "Schema to query (default: the default schema).", false}},
     build_write_query},
};
#define NPROMPTS (sizeof PROMPTS / sizeof PROMPTS[0])

static const prompt_def *find_prompt(const char *name)
{
    for (size_t i = 0; i < NPROMPTS; i++)
        if (strcmp(PROMPTS[i].name, name) == 0)
            return &PROMPTS[i];
    return NULL;
}

bool prompts_has_argument(const char *prompt, const char *argument)
{
    const prompt_def *p = find_prompt(prompt);
    for (size_t i = 0; p && i < 3 && p->args[i].name; i++)
        if (strcmp(p->args[i].name, argument) == 0)
            return true;
    return false;
}

json_object *prompts_list(mcp_call *call, json_object *params, rpc_error *err)
{
    if (jget(params, "cursor")) {
        rpc_error_set(err, RPC_INVALID_PARAMS, "Invalid params: unknown cursor");
        return NULL;
    }
    bool titles = mcp_version_has_structured(call->protocol_version);
    json_object *list = json_object_new_array();
    for (size_t i = 0; i < NPROMPTS; i++) {
        json_object *p = json_object_new_object();
        jset_str(p, "name", PROMPTS[i].name);
        if (titles)
            jset_str(p, "title", PROMPTS[i].title);
        jset_str(p, "description", PROMPTS[i].description);
        json_object *args = json_object_new_array();
        for (size_t k = 0; k < 3 && PROMPTS[i].args[k].name; k++) {
            json_object *a = json_object_new_object();
            jset_str(a, "name", PROMPTS[i].args[k].name);
            jset_str(a, "description", PROMPTS[i].args[k].description);
            jset_bool(a, "required", PROMPTS[i].args[k].required);
            json_object_array_add(args, a);
        }
        jset(p, "arguments", args);
        json_object_array_add(list, p);
    }
    json_object *result = json_object_new_object();
    jset(result, "prompts", list);
    return result;
}

json_object *prompts_get(mcp_call *call, json_object *params, rpc_error *err)
{
    const char *name = jget_str(params, "name");
    const prompt_def *p = name ? find_prompt(name) : NULL;
    if (!p) {
        rpc_error_set(err, RPC_INVALID_PARAMS,
                      "Invalid params: unknown prompt '%.100s'; available: explore-data, "
                      "write-query",
                      name ? name : "");
        return NULL;
    }
    json_object *args = jget(params, "arguments");
    if (args && !json_object_is_type(args, json_type_object)) {
        rpc_error_set(err, RPC_INVALID_PARAMS, "Invalid params: \"arguments\" must be an object");
        return NULL;
    }
    /* No "arguments" at all is fine (json-c cannot iterate NULL). */
    if (args) {
        json_object_object_foreach(args, key, val)
        {
            if (!prompts_has_argument(p->name, key)) {
                rpc_error_set(err, RPC_INVALID_PARAMS,
                              "Invalid params: prompt '%s' has no argument '%.64s'", p->name, key);
                return NULL;
            }
            if (!json_object_is_type(val, json_type_string) ||
                json_object_get_string_len(val) > MAX_PROMPT_ARG) {
                rpc_error_set(
                    err, RPC_INVALID_PARAMS,
                    "Invalid params: argument '%s' must be a string of at most %d characters", key,
                    MAX_PROMPT_ARG);
                return NULL;
            }
        }
    }
    for (size_t k = 0; k < 3 && p->args[k].name; k++) {
        const char *v = jget_str(args, p->args[k].name);
        if (p->args[k].required && (!v || !*v)) {
            rpc_error_set(err, RPC_INVALID_PARAMS,
                          "Invalid params: prompt '%s' needs the argument '%s'", p->name,
                          p->args[k].name);
            return NULL;
        }
    }
    const char *schema = jget_str(args, "schema");
    if (schema && *schema && !config_schema(call->app->cfg, schema)) {
        rpc_error_set(err, RPC_INVALID_PARAMS,
                      "Invalid params: unknown schema '%.100s' (use completion/complete to list "
                      "schemas)",
                      schema);
        return NULL;
    }
    buf_t text = BUF_INIT(16384);
    p->build(call, args, &text);
    json_object *content = json_object_new_object();
    jset_str(content, "type", "text");
    jset_str(content, "text", buf_cstr(&text));
    buf_free(&text);
    json_object *msg = json_object_new_object();
    jset_str(msg, "role", "user");
    jset(msg, "content", content);
    json_object *messages = json_object_new_array();
    json_object_array_add(messages, msg);
    json_object *result = json_object_new_object();
    jset_str(result, "description", p->description);
    jset(result, "messages", messages);
    return result;
}
