/* libFuzzer target: DynamoDB AttributeValue JSON -> SQL value -> JSON.
 * Any input must be accepted or refused with a message, never crash or
 * leak; an accepted value must convert back to DynamoDB JSON that
 * converts to an equal value. */
#include "core/base/json_util.h"
#include "sql/ddb_value.h"
#include "sql/value.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    json_object *av = json_parse_strict((const char *)data, size, 64, err, sizeof err);
    if (!av)
        return 0;
    value_t v;
    if (ddb_to_value(av, &v, err, sizeof err)) {
        json_object *out = value_to_json(&v); /* must not crash */
        json_object_put(out);
        json_object *back = ddb_from_value(&v, err, sizeof err);
        if (back) {
            value_t v2;
            if (!ddb_to_value(back, &v2, err, sizeof err) || !value_equal(&v, &v2)) {
                fprintf(stderr, "round trip changed the value: %s\n", json_compact(back));
                abort();
            }
            value_free(&v2);
            json_object_put(back);
        }
        value_free(&v);
    } else if (err[0] == '\0') {
        fprintf(stderr, "refused without a message\n");
        abort();
    }
    json_object_put(av);
    return 0;
}
