#include "resources.h"

#include "docs_embed.h"

#include "../base/json_util.h"

#include <stdio.h>
#include <string.h>

#define DOC_URI_PREFIX "ddbsql://docs/"

/* Titles and descriptions of the bundled documents, by file name. A file
 * without an entry here is still served, titled by its name. */
static const struct {
    const char *name, *title, *description;
} DOC_INFO[] = {
    {"sql-reference", "SQL dialect reference",
     "The SQL ddbsql accepts: statements, clauses, expressions, functions, types, and how "
     "queries map onto DynamoDB reads."},
    {"limitations", "Known limitations",
     "What ddbsql does not support, its row, time and memory limits, and how DynamoDB's "
     "semantics differ from a relational database."},
    {"getting-started", "Getting started",
     "How to explore the data with the tools in the right order, and how to keep queries cheap."},
};

static void doc_meta(const char *name, const char **title, const char **desc)
{
    *title = name;
    *desc = "ddbsql documentation";
    for (size_t i = 0; i < sizeof DOC_INFO / sizeof DOC_INFO[0]; i++)
        if (strcmp(DOC_INFO[i].name, name) == 0) {
            *title = DOC_INFO[i].title;
            *desc = DOC_INFO[i].description;
        }
}

static json_object *reject_cursor(json_object *params, rpc_error *err)
{
    if (jget(params, "cursor"))
        rpc_error_set(err, RPC_INVALID_PARAMS, "Invalid params: unknown cursor");
    return NULL;
}

json_object *resources_list(mcp_call *call, json_object *params, rpc_error *err)
{
    (void)call;
    err->code = 0;
    reject_cursor(params, err);
    if (err->code)
        return NULL;
    json_object *list = json_object_new_array();
    for (const embedded_doc *d = embedded_docs; d->name; d++) {
        const char *title, *desc;
        doc_meta(d->name, &title, &desc);
        char uri[160];
        snprintf(uri, sizeof uri, DOC_URI_PREFIX "%s", d->name);
        json_object *r = json_object_new_object();
        jset_str(r, "uri", uri);
        jset_str(r, "name", d->name);
        jset_str(r, "title", title);
        jset_str(r, "description", desc);
        jset_str(r, "mimeType", "text/markdown");
        jset_int(r, "size", (int64_t)d->len);
        json_object_array_add(list, r);
    }
    json_object *result = json_object_new_object();
    jset(result, "resources", list);
    return result;
}

json_object *resources_templates_list(mcp_call *call, json_object *params, rpc_error *err)
{
    err->code = 0;
    reject_cursor(params, err);
    if (err->code)
        return NULL;
    json_object *list = json_object_new_array();
    if (call->scopes & SCOPE_SCHEMAS_READ) {
        json_object *t = json_object_new_object();
        jset_str(t, "uriTemplate", TABLE_URI_TEMPLATE);
        jset_str(t, "name", "table-description");
        jset_str(t, "title", "Table description");
        jset_str(t, "description",
                 "The description of one table as JSON: keys, indexes and inferred columns (the "
                 "same document describe_table returns).");
        jset_str(t, "mimeType", "application/json");
        json_object_array_add(list, t);
    }
    json_object *result = json_object_new_object();
    jset(result, "resourceTemplates", list);
    return result;
}

static json_object *contents(const char *uri, const char *mime, const char *text)
{
    json_object *c = json_object_new_object();
    jset_str(c, "uri", uri);
    jset_str(c, "mimeType", mime);
    jset_str(c, "text", text);
    json_object *arr = json_object_new_array();
    json_object_array_add(arr, c);
    json_object *result = json_object_new_object();
    jset(result, "contents", arr);
    return result;
}

static json_object *not_found(const char *uri, rpc_error *err, const char *why)
{
    rpc_error_set(err, RPC_RESOURCE_NOT_FOUND, "Resource not found: %.200s (%s)", uri, why);
    err->data = json_object_new_object();
    jset_str(err->data, "uri", uri);
    return NULL;
}

/* ddbsql://schemas/{schema}/tables/{table} */
static json_object *read_table(mcp_call *call, const char *uri, rpc_error *err)
{
    const char *rest = uri + strlen(TABLE_URI_PREFIX);
    const char *slash = strchr(rest, '/');
    if (!slash || strncmp(slash, "/tables/", 8) != 0 || slash == rest || !slash[8] ||
        strchr(slash + 8, '/'))
        return not_found(uri, err, "expected " TABLE_URI_TEMPLATE);
    if (!(call->scopes & SCOPE_SCHEMAS_READ))
        return not_found(uri, err, "the schemas:read scope is needed");
    char schema[128];
    size_t n = (size_t)(slash - rest);
    if (n >= sizeof schema)
        return not_found(uri, err, "schema name too long");
    memcpy(schema, rest, n);
    schema[n] = '\0';
    catalog_error ce = {0};
    json_object *doc =
        catalog_describe_table(call->app->cat, schema, slash + 8, REFRESH_IF_STALE, &ce);
    if (!doc) {
        if (ce.status == CATALOG_DYNAMODB) {
            rpc_error_set(err, RPC_INTERNAL_ERROR, "%s", ce.message);
            return NULL;
        }
        return not_found(uri, err, ce.message);
    }
    json_object *result =
        contents(uri, "application/json",
                 json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
                                                         JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(doc);
    return result;
}

json_object *resources_read(mcp_call *call, json_object *params, rpc_error *err)
{
    const char *uri = jget_str(params, "uri");
    if (!uri) {
        rpc_error_set(err, RPC_INVALID_PARAMS, "Invalid params: \"uri\" is required");
        return NULL;
    }
    if (strncmp(uri, DOC_URI_PREFIX, strlen(DOC_URI_PREFIX)) == 0) {
        const char *name = uri + strlen(DOC_URI_PREFIX);
        for (const embedded_doc *d = embedded_docs; d->name; d++)
            if (strcmp(d->name, name) == 0)
                return contents(uri, "text/markdown", d->text);
        return not_found(uri, err, "no such document; call resources/list");
    }
    if (strncmp(uri, TABLE_URI_PREFIX, strlen(TABLE_URI_PREFIX)) == 0)
        return read_table(call, uri, err);
    return not_found(uri, err, "unknown URI; call resources/list or resources/templates/list");
}
