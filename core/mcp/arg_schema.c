#include "arg_schema.h"

#include "../base/json_util.h"

#include <math.h>
#include <string.h>

static const char *json_kind(json_object *v)
{
    switch (json_object_get_type(v)) {
    case json_type_null:
        return "null";
    case json_type_boolean:
        return "a boolean";
    case json_type_double:
        return "a number";
    case json_type_int:
        return "an integer";
    case json_type_object:
        return "an object";
    case json_type_array:
        return "an array";
    case json_type_string:
        return "a string";
    }
    return "a value";
}

static bool type_matches(const char *type, json_object *v)
{
    if (strcmp(type, "string") == 0)
        return json_object_is_type(v, json_type_string);
    if (strcmp(type, "integer") == 0) {
        if (json_object_is_type(v, json_type_int))
            return true;
        double d = json_object_is_type(v, json_type_double) ? json_object_get_double(v) : NAN;
        return isfinite(d) && d == floor(d);
    }
    if (strcmp(type, "number") == 0)
        return json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double);
    if (strcmp(type, "boolean") == 0)
        return json_object_is_type(v, json_type_boolean);
    if (strcmp(type, "object") == 0)
        return json_object_is_type(v, json_type_object);
    if (strcmp(type, "array") == 0)
        return json_object_is_type(v, json_type_array);
    return true;
}

/* JSON Schema measures strings in characters (code points), not bytes;
 * parsed JSON is valid UTF-8, so counting non-continuation bytes is exact. */
static int64_t utf8_chars(json_object *str)
{
    const char *s = json_object_get_string(str);
    int64_t n = 0, len = json_object_get_string_len(str);
    for (int64_t i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

static bool check_value(const char *name, json_object *schema, json_object *v, buf_t *err)
{
    const char *type = jget_str(schema, "type");
    if (type && !type_matches(type, v)) {
        buf_printf(err, "'%s' must be %s %s, not %s", name, strchr("aeiou", type[0]) ? "an" : "a",
                   type, json_kind(v));
        return false;
    }
    json_object *en = jget_arr(schema, "enum");
    if (en) {
        bool found = false;
        for (size_t i = 0; i < json_object_array_length(en) && !found; i++)
            found = json_object_equal(json_object_array_get_idx(en, i), v);
        if (!found) {
            buf_printf(err, "'%s' must be one of ", name);
            for (size_t i = 0; i < json_object_array_length(en); i++)
                buf_printf(err, "%s%s", i ? ", " : "",
                           json_compact(json_object_array_get_idx(en, i)));
            buf_printf(err, "; got %.80s", json_compact(v));
            return false;
        }
    }
    if (json_object_is_type(v, json_type_string)) {
        int64_t len = utf8_chars(v);
        int64_t min = jget_int(schema, "minLength", 0), max = jget_int(schema, "maxLength", -1);
        if (len < min) {
            if (min == 1)
                buf_printf(err, "'%s' must not be empty", name);
            else
                buf_printf(err, "'%s' must be at least %lld characters long", name, (long long)min);
            return false;
        }
        if (max >= 0 && len > max) {
            buf_printf(err, "'%s' is %lld characters long; the limit is %lld", name, (long long)len,
                       (long long)max);
            return false;
        }
    }
    if (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double)) {
        double d = json_object_get_double(v);
        json_object *min = jget(schema, "minimum"), *max = jget(schema, "maximum");
        if ((min && d < json_object_get_double(min)) || (max && d > json_object_get_double(max))) {
            buf_printf(err, "'%s' must be between %s and %s; got %s", name,
                       min ? json_compact(min) : "-inf", max ? json_compact(max) : "inf",
                       json_compact(v));
            return false;
        }
    }
    return true;
}

bool arg_schema_check(json_object *schema, json_object *args, buf_t *err)
{
    if (!args || !json_object_is_type(args, json_type_object)) {
        buf_printf(err, "arguments must be a JSON object");
        return false;
    }
    json_object *props = jget_obj(schema, "properties");
    json_object *req = jget_arr(schema, "required");
    for (size_t i = 0; req && i < json_object_array_length(req); i++) {
        const char *name = json_object_get_string(json_object_array_get_idx(req, i));
        json_object *v = jget(args, name);
        if (!v || json_object_is_type(v, json_type_null)) {
            buf_printf(err, "'%s' is required", name);
            return false;
        }
    }
    bool closed =
        jget(schema, "additionalProperties") && !jget_bool(schema, "additionalProperties", true);
    json_object_object_foreach(args, key, val)
    {
        json_object *ps = jget_obj(props, key);
        if (!ps) {
            if (!closed)
                continue;
            buf_printf(err, "unknown argument '%.64s'; accepted arguments: ", key);
            if (!props) {
                buf_puts(err, "none");
                return false;
            }
            size_t k = 0;
            json_object_object_foreach(props, pname, pv)
            {
                (void)pv;
                buf_printf(err, "%s%s", k++ ? ", " : "", pname);
            }
            return false;
        }
        /* An optional argument sent as null means "not given". */
        if (json_object_is_type(val, json_type_null))
            continue;
        if (!check_value(key, ps, val, err))
            return false;
    }
    return true;
}
