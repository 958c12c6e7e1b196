/* JSON-RPC 2.0 messages as MCP's Streamable HTTP transport carries them: one
 * message per POST, no batches. Parsing classifies a body as a request, a
 * notification or a response, or explains exactly why it is invalid. */
#ifndef DDBSQL_JSONRPC_H
#define DDBSQL_JSONRPC_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#define RPC_PARSE_ERROR        -32700
#define RPC_INVALID_REQUEST    -32600
#define RPC_METHOD_NOT_FOUND   -32601
#define RPC_INVALID_PARAMS     -32602
#define RPC_INTERNAL_ERROR     -32603
#define RPC_RESOURCE_NOT_FOUND -32002

#define RPC_MAX_ID_LEN     256
#define RPC_MAX_METHOD_LEN 128
#define RPC_MAX_DEPTH      64

typedef enum { RPC_REQUEST, RPC_NOTIFICATION, RPC_RESPONSE } rpc_kind;

typedef struct rpc_message {
    rpc_kind kind;
    json_object *root;   /* owned */
    json_object *id;     /* borrowed from root; NULL for notifications */
    const char *method;  /* borrowed; NULL for responses */
    json_object *params; /* borrowed; an object, or NULL when absent */
} rpc_message;

/* An error to send back: code, message, optional data (owned). */
typedef struct rpc_error {
    int code;
    char message[512];
    json_object *data;
} rpc_error;

void rpc_error_set(rpc_error *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Parses body into msg. On failure returns false, fills err, and sets
 * *id_out to a copy of the request id when one could be recovered (else
 * NULL), so the error response can echo it. */
bool rpc_parse(const char *body, size_t len, rpc_message *msg, rpc_error *err,
               json_object **id_out);
void rpc_message_free(rpc_message *msg);

/* {"jsonrpc":"2.0","id":id,"result":result}; takes result, copies id. */
json_object *rpc_result(json_object *id, json_object *result);
/* {"jsonrpc":"2.0","id":id|null,"error":{...}}; takes err->data. */
json_object *rpc_error_response(json_object *id, rpc_error *err);

#endif
