#include "tools.h"

#include "arg_schema.h"

#include "../base/alloc.h"
#include "../base/json_util.h"
#include "../base/log.h"

#include <json-c/printbuf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TOOL_TEXT (4 * 1024 * 1024)

typedef struct registered {
    const tool_def *def;
    json_object *input_schema;
    json_object *output_schema;
} registered;

static registered registry[MCP_MAX_TOOLS];
static size_t nregistered;

/* Tool schemas never change after start-up, yet tools/list would
 * re-serialise every node of them on each call (most of its cost). Each
 * parsed schema is rendered once and serialised from that text. */
static int emit_rendered(json_object *o, struct printbuf *pb, int level, int flags)
{
    (void)level;
    (void)flags;
    const char *text = json_object_get_userdata(o);
    return printbuf_memappend(pb, text, (int)strlen(text));
}

static void free_rendered(json_object *o, void *text)
{
    (void)o;
    free(text);
}

static json_object *parse_schema(const tool_def *t, const char *text)
{
    char err[160] = "it is not a JSON object";
    json_object *o = json_parse_strict(text, strlen(text), 32, err, sizeof err);
    if (!o || !json_object_is_type(o, json_type_object)) {
        fprintf(stderr, "ddbsql: fatal: tool %s has an invalid schema: %s\n", t->name, err);
        abort();
    }
    json_object_set_serializer(o, emit_rendered, xstrdup(json_compact(o)), free_rendered);
    return o;
}

void tools_register(const tool_def *t)
{
    if (nregistered == MCP_MAX_TOOLS || tools_find(t->name)) {
        fprintf(stderr, "ddbsql: fatal: cannot register tool %s\n", t->name);
        abort();
    }
    registry[nregistered].def = t;
    registry[nregistered].input_schema = parse_schema(t, t->input_schema);
    registry[nregistered].output_schema = parse_schema(t, t->output_schema);
    nregistered++;
}

void tools_reset(void)
{
    for (size_t i = 0; i < nregistered; i++) {
        json_object_put(registry[i].input_schema);
        json_object_put(registry[i].output_schema);
    }
    nregistered = 0;
}

static const registered *find(const char *name)
{
    for (size_t i = 0; i < nregistered; i++)
        if (strcmp(registry[i].def->name, name) == 0)
            return &registry[i];
    return NULL;
}

const tool_def *tools_find(const char *name)
{
    const registered *r = find(name);
    return r ? r->def : NULL;
}

json_object *tools_list(mcp_call *call, json_object *params, rpc_error *err)
{
    /* Every tool fits on one page; any cursor is one we never issued. */
    if (jget(params, "cursor")) {
        rpc_error_set(err, RPC_INVALID_PARAMS, "Invalid params: unknown cursor");
        return NULL;
    }
    bool structured = mcp_version_has_structured(call->protocol_version);
    json_object *tools = json_object_new_array();
    for (size_t i = 0; i < nregistered; i++) {
        const tool_def *t = registry[i].def;
        if ((call->scopes & t->scope) != t->scope)
            continue; /* not granted: not advertised */
        json_object *o = json_object_new_object();
        jset_str(o, "name", t->name);
        if (structured)
            jset_str(o, "title", t->title);
        jset_str(o, "description", t->description);
        jset(o, "inputSchema", json_object_get(registry[i].input_schema));
        if (structured)
            jset(o, "outputSchema", json_object_get(registry[i].output_schema));
        json_object *ann = json_object_new_object();
        jset_str(ann, "title", t->title);
        jset_bool(ann, "readOnlyHint", true);
        jset_bool(ann, "destructiveHint", false);
        jset_bool(ann, "idempotentHint", true);
        jset_bool(ann, "openWorldHint", false);
        jset(o, "annotations", ann);
        json_object_array_add(tools, o);
    }
    json_object *result = json_object_new_object();
    jset(result, "tools", tools);
    return result;
}

static json_object *text_result(const char *text, bool is_error)
{
    json_object *content = json_object_new_array();
    json_object *block = json_object_new_object();
    jset_str(block, "type", "text");
    jset_str(block, "text", text);
    json_object_array_add(content, block);
    json_object *result = json_object_new_object();
    jset(result, "content", content);
    if (is_error)
        jset_bool(result, "isError", true);
    return result;
}

json_object *tools_call(mcp_call *call, json_object *params, rpc_error *err)
{
    const char *name = jget_str(params, "name");
    if (!name) {
        rpc_error_set(err, RPC_INVALID_PARAMS,
                      "Invalid params: \"name\" (the tool name) is required");
        return NULL;
    }
    const registered *r = find(name);
    if (!r || (call->scopes & r->def->scope) != r->def->scope) {
        /* A tool outside the granted scopes is indistinguishable from an
         * unknown one here; the OAuth layer answers 403 before this. */
        buf_t names = BUF_INIT(1024);
        for (size_t i = 0; i < nregistered; i++)
            if ((call->scopes & registry[i].def->scope) == registry[i].def->scope)
                buf_printf(&names, "%s%s", names.len ? ", " : "", registry[i].def->name);
        rpc_error_set(err, RPC_INVALID_PARAMS, "Unknown tool: '%.100s'. Available tools: %s", name,
                      buf_cstr(&names));
        buf_free(&names);
        return NULL;
    }
    json_object *args = jget(params, "arguments");
    if (args && !json_object_is_type(args, json_type_object)) {
        rpc_error_set(err, RPC_INVALID_PARAMS, "Invalid params: \"arguments\" must be an object");
        return NULL;
    }
    json_object *empty = NULL;
    if (!args)
        args = empty = json_object_new_object();
    http_set_detail(call->req, "rpc=tools/call tool=%s", r->def->name);

    buf_t msg = BUF_INIT(8192);
    json_object *result;
    if (!arg_schema_check(r->input_schema, args, &msg)) {
        buf_t text = BUF_INIT(16384);
        buf_printf(&text, "Invalid arguments for %s: %s.", r->def->name, buf_cstr(&msg));
        result = text_result(buf_cstr(&text), true);
        buf_free(&text);
    } else {
        json_object *structured = r->def->run(call, args, &msg);
        if (!structured) {
            result = text_result(buf_cstr(&msg), true);
            http_set_detail(call->req, "rpc=tools/call tool=%s outcome=tool_error", r->def->name);
        } else {
            buf_t text = BUF_INIT(MAX_TOOL_TEXT);
            r->def->render(structured, &text);
            result = text_result(buf_cstr(&text), false);
            buf_free(&text);
            if (mcp_version_has_structured(call->protocol_version))
                jset(result, "structuredContent", structured);
            else
                json_object_put(structured);
        }
    }
    buf_free(&msg);
    json_object_put(empty);
    return result;
}
