#include "jsonrpc.h"

#include "../base/alloc.h"
#include "../base/json_util.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

void rpc_error_set(rpc_error *e, int code, const char *fmt, ...)
{
    e->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
}

/* JSON-RPC ids are strings or integers here (MCP forbids null). json-c
 * saturates integers it cannot hold, so the extremes are treated as
 * out of range rather than silently echoing a different number. */
static bool id_valid(json_object *id, rpc_error *err)
{
    if (json_object_is_type(id, json_type_string)) {
        if (json_object_get_string_len(id) > RPC_MAX_ID_LEN) {
            rpc_error_set(err, RPC_INVALID_REQUEST,
                          "Invalid Request: \"id\" is longer than %d characters", RPC_MAX_ID_LEN);
            return false;
        }
        return true;
    }
    if (json_object_is_type(id, json_type_int)) {
        int64_t v = json_object_get_int64(id);
        if (v == INT64_MAX || v == INT64_MIN) {
            rpc_error_set(err, RPC_INVALID_REQUEST,
                          "Invalid Request: \"id\" is a number outside the 64-bit integer range");
            return false;
        }
        return true;
    }
    rpc_error_set(err, RPC_INVALID_REQUEST,
                  "Invalid Request: \"id\" must be a string or an integer, not %s",
                  json_type_to_name(json_object_get_type(id)));
    return false;
}

/* json-c stores a JSON null as a NULL member, so presence is asked for
 * separately: "id": null and "result": null are not absent members. */
static bool has_member(json_object *o, const char *key)
{
    return json_object_object_get_ex(o, key, NULL);
}

bool rpc_parse(const char *body, size_t len, rpc_message *msg, rpc_error *err, json_object **id_out)
{
    memset(msg, 0, sizeof *msg);
    err->data = NULL;
    *id_out = NULL;
    char jerr[160];
    /* json-c's own check lets overlong forms and surrogates through. */
    if (!utf8_valid(body, len)) {
        rpc_error_set(err, RPC_PARSE_ERROR, "Parse error: the body is not valid UTF-8");
        return false;
    }
    json_object *root = json_parse_strict(body, len, RPC_MAX_DEPTH, jerr, sizeof jerr);
    if (!root && strcmp(jerr, JSON_ERR_NULL_DOCUMENT) == 0) {
        rpc_error_set(err, RPC_INVALID_REQUEST,
                      "Invalid Request: a JSON-RPC message must be a JSON object, not null");
        return false;
    }
    if (!root) {
        rpc_error_set(err, RPC_PARSE_ERROR, "Parse error: the body is not valid JSON (%s)", jerr);
        return false;
    }
    json_object *id = NULL;
    if (json_object_is_type(root, json_type_array)) {
        rpc_error_set(err, RPC_INVALID_REQUEST,
                      "Invalid Request: JSON-RPC batches are not supported; send one message per "
                      "POST");
        goto fail;
    }
    if (!json_object_is_type(root, json_type_object)) {
        rpc_error_set(err, RPC_INVALID_REQUEST,
                      "Invalid Request: a JSON-RPC message must be a JSON object");
        goto fail;
    }
    id = jget(root, "id");
    bool has_id = has_member(root, "id");
    const char *version = jget_str(root, "jsonrpc");
    if (!version || strcmp(version, "2.0") != 0) {
        rpc_error_set(err, RPC_INVALID_REQUEST,
                      "Invalid Request: \"jsonrpc\" must be the string \"2.0\"");
        goto fail;
    }
    json_object *method = jget(root, "method");
    bool has_result = has_member(root, "result"), has_error = has_member(root, "error");
    if (!method && (has_result || has_error)) {
        if (has_result && has_error) {
            rpc_error_set(err, RPC_INVALID_REQUEST,
                          "Invalid Request: a response has \"result\" or \"error\", not both");
            goto fail;
        }
        if (!has_id) {
            rpc_error_set(err, RPC_INVALID_REQUEST, "Invalid Request: a response needs an \"id\"");
            goto fail;
        }
        if (!id_valid(id, err))
            goto fail;
        msg->kind = RPC_RESPONSE;
        msg->root = root;
        msg->id = id;
        return true;
    }
    if (!method || !json_object_is_type(method, json_type_string)) {
        rpc_error_set(err, RPC_INVALID_REQUEST,
                      "Invalid Request: \"method\" is missing or not a string");
        goto fail;
    }
    if (json_object_get_string_len(method) == 0 ||
        json_object_get_string_len(method) > RPC_MAX_METHOD_LEN) {
        rpc_error_set(err, RPC_INVALID_REQUEST,
                      "Invalid Request: \"method\" must be 1 to %d characters", RPC_MAX_METHOD_LEN);
        goto fail;
    }
    if (has_id && !id_valid(id, err))
        goto fail;
    json_object *params = jget(root, "params");
    if (params && !json_object_is_type(params, json_type_object)) {
        if (json_object_is_type(params, json_type_array))
            rpc_error_set(err, RPC_INVALID_PARAMS,
                          "Invalid params: MCP methods take \"params\" as an object, not an array");
        else
            rpc_error_set(err, RPC_INVALID_REQUEST,
                          "Invalid Request: \"params\" must be an object when present, not %s",
                          json_type_to_name(json_object_get_type(params)));
        goto fail;
    }
    msg->kind = id ? RPC_REQUEST : RPC_NOTIFICATION;
    msg->root = root;
    msg->id = id;
    msg->method = json_object_get_string(method);
    msg->params = params;
    return true;
fail:
    /* The error can echo the request's id when it is a valid one. */
    if (id && id_valid(id, &(rpc_error){0}))
        *id_out = json_object_get(id);
    json_object_put(root);
    return false;
}

void rpc_message_free(rpc_message *msg)
{
    json_object_put(msg->root);
    memset(msg, 0, sizeof *msg);
}

static json_object *envelope(json_object *id)
{
    json_object *o = json_object_new_object();
    if (!o)
        die_oom(0);
    jset_str(o, "jsonrpc", "2.0");
    jset(o, "id", id ? json_object_get(id) : NULL);
    return o;
}

json_object *rpc_result(json_object *id, json_object *result)
{
    json_object *o = envelope(id);
    jset(o, "result", result ? result : json_object_new_object());
    return o;
}

json_object *rpc_error_response(json_object *id, rpc_error *err)
{
    json_object *o = envelope(id);
    json_object *e = json_object_new_object();
    jset_int(e, "code", err->code);
    jset_str(e, "message", err->message);
    if (err->data) {
        jset(e, "data", err->data);
        err->data = NULL;
    }
    jset(o, "error", e);
    return o;
}
