/* Checks tool arguments against the tool's own inputSchema, so the schema a
 * model sees and the rules enforced are one and the same. Supports the
 * JSON Schema subset our tools use: type, properties, required,
 * additionalProperties:false, enum, minLength/maxLength, minimum/maximum. */
#ifndef DDBSQL_ARG_SCHEMA_H
#define DDBSQL_ARG_SCHEMA_H

#include "../base/buf.h"

#include <json-c/json.h>
#include <stdbool.h>

/* On failure returns false and writes one sentence naming the argument and
 * what it must be into err. */
bool arg_schema_check(json_object *schema, json_object *args, buf_t *err);

#endif
