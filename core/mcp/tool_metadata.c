/* list_tables and describe_table: the catalog's documents as MCP tools. */
#include "tools.h"

#include "../base/json_util.h"

#include <string.h>

static const char LIST_INPUT[] =
    "{\"type\":\"object\",\"properties\":{"
    "\"schema_name\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":63,"
    "\"description\":\"Schema to list (a configured DynamoDB connection). Omit for the default "
    "schema.\"},"
    "\"refresh\":{\"type\":\"string\",\"enum\":[\"if_stale\",\"force\",\"skip\"],"
    "\"description\":\"Metadata refresh: if_stale (default) re-reads DynamoDB only when the cached "
    "metadata is older than its TTL; force always re-reads; skip answers from the cache.\"}},"
    "\"additionalProperties\":false}";

static const char LIST_OUTPUT[] =
    "{\"type\":\"object\",\"properties\":{"
    "\"schema_name\":{\"type\":\"string\"},"
    "\"tables\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"
    "\"name\":{\"type\":\"string\"},\"qualified_name\":{\"type\":\"string\"},"
    "\"physical_table_name\":{\"type\":\"string\"},\"item_count\":{\"type\":\"integer\"},"
    "\"refreshed_at\":{\"type\":\"string\"}},"
    "\"required\":[\"name\",\"qualified_name\",\"physical_table_name\",\"item_count\","
    "\"refreshed_at\"]}},"
    "\"truncated\":{\"type\":\"boolean\"},\"refreshed\":{\"type\":\"boolean\"},"
    "\"refreshed_at\":{\"type\":\"string\"},\"stale_after_seconds\":{\"type\":\"integer\"}},"
    "\"required\":[\"schema_name\",\"tables\",\"truncated\",\"refreshed\",\"refreshed_at\","
    "\"stale_after_seconds\"]}";

static const char DESCRIBE_INPUT[] =
    "{\"type\":\"object\",\"properties\":{"
    "\"table_name\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":320,"
    "\"description\":\"Table to describe: a name from list_tables, optionally qualified as "
    "schema.table.\"},"
    "\"schema_name\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":63,"
    "\"description\":\"Schema of the table. Omit for the default schema or when table_name is "
    "qualified.\"},"
    "\"refresh\":{\"type\":\"string\",\"enum\":[\"if_stale\",\"force\",\"skip\"],"
    "\"description\":\"Metadata refresh: if_stale (default), force or skip.\"}},"
    "\"required\":[\"table_name\"],\"additionalProperties\":false}";

static const char DESCRIBE_OUTPUT[] =
    "{\"type\":\"object\",\"properties\":{"
    "\"schema_name\":{\"type\":\"string\"},\"table_name\":{\"type\":\"string\"},"
    "\"qualified_name\":{\"type\":\"string\"},\"physical_table_name\":{\"type\":\"string\"},"
    "\"item_count\":{\"type\":\"integer\"},\"size_bytes\":{\"type\":\"integer\"},"
    "\"status\":{\"type\":\"string\"},\"billing_mode\":{\"type\":\"string\"},"
    "\"key_schema\":{\"type\":\"object\",\"properties\":{"
    "\"partition_key\":{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"},"
    "\"type\":{\"type\":\"string\",\"enum\":[\"S\",\"N\",\"B\"]}},\"required\":[\"name\",\"type\"]}"
    ","
    "\"sort_key\":{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"},"
    "\"type\":{\"type\":\"string\",\"enum\":[\"S\",\"N\",\"B\"]}},\"required\":[\"name\",\"type\"]}"
    "},"
    "\"required\":[\"partition_key\"]},"
    "\"indexes\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"
    "\"name\":{\"type\":\"string\"},\"type\":{\"type\":\"string\",\"enum\":[\"PRIMARY\",\"GSI\","
    "\"LSI\"]},\"hashKey\":{\"type\":\"string\"},\"hashKeyType\":{\"type\":\"string\"},"
    "\"sortKey\":{\"type\":\"string\"},\"sortKeyType\":{\"type\":\"string\"},"
    "\"projection\":{\"type\":\"object\",\"properties\":{\"type\":{\"type\":\"string\"},"
    "\"attributes\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}},\"required\":[\"type\"]},"
    "\"item_count\":{\"type\":\"integer\"},\"status\":{\"type\":\"string\"},"
    "\"sparse\":{\"type\":\"boolean\"}},"
    "\"required\":[\"name\",\"type\",\"hashKey\",\"hashKeyType\",\"projection\"]}},"
    "\"columns\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"
    "\"name\":{\"type\":\"string\"},\"type\":{\"type\":\"string\"},"
    "\"types\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
    "\"nullable\":{\"type\":\"boolean\"},\"present_count\":{\"type\":\"integer\"},"
    "\"present_fraction\":{\"type\":\"number\"},"
    "\"key\":{\"type\":\"string\",\"enum\":[\"partition\",\"sort\"]}},"
    "\"required\":[\"name\",\"type\",\"types\",\"nullable\",\"present_count\","
    "\"present_fraction\"]}},"
    "\"attribute_types\":{\"type\":\"object\",\"additionalProperties\":{\"type\":\"string\"}},"
    "\"sample\":{\"type\":\"object\",\"properties\":{\"items_sampled\":{\"type\":\"integer\"},"
    "\"requested\":{\"type\":\"integer\"},\"whole_table\":{\"type\":\"boolean\"},"
    "\"columns_truncated\":{\"type\":\"boolean\"},\"method\":{\"type\":\"string\"}}},"
    "\"refreshed\":{\"type\":\"boolean\"},\"refreshed_at\":{\"type\":\"string\"},"
    "\"stale_after_seconds\":{\"type\":\"integer\"}},"
    "\"required\":[\"schema_name\",\"table_name\",\"qualified_name\",\"physical_table_name\","
    "\"item_count\",\"size_bytes\",\"key_schema\",\"indexes\",\"columns\",\"attribute_types\","
    "\"sample\",\"refreshed\",\"refreshed_at\",\"stale_after_seconds\"]}";

static bool parse_refresh(json_object *args, refresh_mode *mode)
{
    /* The input schema already limited the values. */
    return refresh_mode_parse(jget_str(args, "refresh"), mode);
}

static json_object *run_list_tables(mcp_call *call, json_object *args, buf_t *err)
{
    refresh_mode mode;
    parse_refresh(args, &mode);
    catalog_error ce = {0};
    json_object *out =
        catalog_list_tables(call->app->cat, jget_str(args, "schema_name"), mode, &ce);
    if (!out)
        buf_printf(err, "list_tables failed: %s", ce.message);
    return out;
}

static json_object *run_describe_table(mcp_call *call, json_object *args, buf_t *err)
{
    refresh_mode mode;
    parse_refresh(args, &mode);
    catalog_error ce = {0};
    json_object *out = catalog_describe_table(call->app->cat, jget_str(args, "schema_name"),
                                              jget_str(args, "table_name"), mode, &ce);
    if (!out)
        buf_printf(err, "describe_table failed: %s", ce.message);
    return out;
}

static void freshness_line(json_object *r, buf_t *out)
{
    buf_printf(out, "Metadata %s at %s; fresh for another %lld s.\n",
               jget_bool(r, "refreshed", false) ? "refreshed from DynamoDB" : "cached",
               jget_str(r, "refreshed_at"), (long long)jget_int(r, "stale_after_seconds", 0));
}

static void render_list_tables(json_object *r, buf_t *out)
{
    json_object *tables = jget_arr(r, "tables");
    size_t n = tables ? json_object_array_length(tables) : 0;
    buf_printf(out, "Schema '%s': %zu table%s%s.\n", jget_str(r, "schema_name"), n,
               n == 1 ? "" : "s",
               jget_bool(r, "truncated", false) ? " (truncated at 200; more exist)" : "");
    for (size_t i = 0; i < n; i++) {
        json_object *t = json_object_array_get_idx(tables, i);
        long long items = (long long)jget_int(t, "item_count", 0);
        buf_printf(out, "- %s (about %lld item%s)\n", jget_str(t, "qualified_name"), items,
                   items == 1 ? "" : "s");
    }
    freshness_line(r, out);
    if (n)
        buf_puts(out, "Next: call describe_table with a table_name to see its keys, indexes and "
                      "columns.\n");
}

static void render_key(json_object *ks, const char *which, const char *role, buf_t *out)
{
    json_object *k = jget_obj(ks, which);
    if (k)
        buf_printf(out, "%s%s (%s, %s key)", strcmp(role, "sort") == 0 ? " + " : "",
                   jget_str(k, "name"), jget_str(k, "type"), role);
}

static void render_describe_table(json_object *r, buf_t *out)
{
    buf_printf(out, "Table %s (DynamoDB table '%s'): about %lld items, %lld bytes, %s, %s.\n",
               jget_str(r, "qualified_name"), jget_str(r, "physical_table_name"),
               (long long)jget_int(r, "item_count", 0), (long long)jget_int(r, "size_bytes", 0),
               jget_str(r, "status"), jget_str(r, "billing_mode"));
    json_object *ks = jget_obj(r, "key_schema");
    buf_puts(out, "Primary key: ");
    render_key(ks, "partition_key", "partition", out);
    render_key(ks, "sort_key", "sort", out);
    buf_puts(out, "\n");
    json_object *ix = jget_arr(r, "indexes");
    for (size_t i = 0; ix && i < json_object_array_length(ix); i++) {
        json_object *x = json_object_array_get_idx(ix, i);
        if (strcmp(jget_str(x, "type"), "PRIMARY") == 0)
            continue;
        buf_printf(out, "%s %s: %s (%s)", jget_str(x, "type"), jget_str(x, "name"),
                   jget_str(x, "hashKey"), jget_str(x, "hashKeyType"));
        if (jget_str(x, "sortKey"))
            buf_printf(out, " + %s (%s)", jget_str(x, "sortKey"), jget_str(x, "sortKeyType"));
        json_object *p = jget_obj(x, "projection");
        buf_printf(out, "; projects %s", jget_str(p, "type"));
        json_object *attrs = jget_arr(p, "attributes");
        for (size_t k = 0; attrs && k < json_object_array_length(attrs); k++)
            buf_printf(out, "%s%s", k ? ", " : " (",
                       json_object_get_string(json_object_array_get_idx(attrs, k)));
        if (attrs && json_object_array_length(attrs))
            buf_puts(out, ")");
        if (jget_bool(x, "sparse", false))
            buf_printf(out, "; SPARSE: it holds only items that have %s%s%s",
                       jget_str(x, "hashKey"), jget_str(x, "sortKey") ? " and " : "",
                       jget_str(x, "sortKey") ? jget_str(x, "sortKey") : "");
        buf_puts(out, "\n");
    }
    json_object *sample = jget_obj(r, "sample");
    json_object *cols = jget_arr(r, "columns");
    buf_printf(out, "Columns seen in %lld sampled item%s%s:\n",
               (long long)jget_int(sample, "items_sampled", 0),
               jget_int(sample, "items_sampled", 0) == 1 ? "" : "s",
               jget_bool(sample, "whole_table", false) ? " (the whole table)" : "");
    for (size_t i = 0; cols && i < json_object_array_length(cols); i++) {
        json_object *c = json_object_array_get_idx(cols, i);
        buf_printf(out, "- %s: ", jget_str(c, "name"));
        json_object *types = jget_arr(c, "types");
        for (size_t k = 0; types && k < json_object_array_length(types); k++)
            buf_printf(out, "%s%s", k ? "|" : "",
                       json_object_get_string(json_object_array_get_idx(types, k)));
        if (jget_str(c, "key"))
            buf_printf(out, ", %s key", jget_str(c, "key"));
        else
            buf_printf(out, ", in %.0f%% of items%s",
                       json_object_get_double(jget(c, "present_fraction")) * 100.0,
                       jget_bool(c, "nullable", false) ? ", nullable" : "");
        buf_puts(out, "\n");
    }
    if (jget_bool(sample, "columns_truncated", false))
        buf_puts(out, "(more attribute paths exist than are listed)\n");
    buf_puts(out, "Nested map attributes are listed as dotted paths (a.b.c). Types are DynamoDB's: "
                  "S string, N number, B binary, BOOL, NULL, M map, L list, SS/NS/BS sets.\n");
    freshness_line(r, out);
}

static const tool_def LIST_TABLES = {
    .name = "list_tables",
    .title = "List tables",
    .description =
        "List the DynamoDB tables available in one schema (a configured DynamoDB connection), "
        "with approximate item counts. Start here to see what data exists. Returns at most 200 "
        "tables (truncated is true when there are more). Tables are addressed as "
        "schema_name.table_name. Metadata is cached; pass refresh=force after tables change.",
    .input_schema = LIST_INPUT,
    .output_schema = LIST_OUTPUT,
    .scope = SCOPE_SCHEMAS_READ,
    .run = run_list_tables,
    .render = render_list_tables,
};

static const tool_def DESCRIBE_TABLE = {
    .name = "describe_table",
    .title = "Describe a table",
    .description =
        "Describe one DynamoDB table: its primary key (partition and sort key), every global and "
        "local secondary index with its keys and projection, item count and size, and the columns "
        "inferred by sampling items (attribute names, the DynamoDB types seen, and the fraction of "
        "items that have each). Nested map attributes appear as dotted paths such as "
        "address.city. Call this before writing a query against a table: filtering on the "
        "partition key or an index key is what makes a query cheap.",
    .input_schema = DESCRIBE_INPUT,
    .output_schema = DESCRIBE_OUTPUT,
    .scope = SCOPE_SCHEMAS_READ,
    .run = run_describe_table,
    .render = render_describe_table,
};

void tools_register_metadata(void)
{
    tools_register(&LIST_TABLES);
    tools_register(&DESCRIBE_TABLE);
}
