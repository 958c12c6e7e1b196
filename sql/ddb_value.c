/* DynamoDB AttributeValue JSON <-> SQL values, and nested paths. */
#include "sql/ddb_value.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"
#include "core/base/base64.h"
#include "core/base/buf.h"
#include "core/base/json_util.h"

/* Where a validation error is: "$", "$.M.a", "$.L[2]"; kept short. */
#define WHERE_MAX 256

static bool fail(char *err, size_t errlen, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static bool fail(char *err, size_t errlen, const char *where, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(err, errlen, "%s: %s", where, msg);
    return false;
}

static bool is_b64(json_object *s)
{
    uint8_t *out = NULL;
    size_t n;
    bool ok =
        base64_decode(json_object_get_string(s), (size_t)json_object_get_string_len(s), &out, &n);
    free(out);
    return ok;
}

static int cmp_json_str(const void *x, const void *y)
{
    json_object *a = *(json_object *const *)x, *b = *(json_object *const *)y;
    size_t la = (size_t)json_object_get_string_len(a), lb = (size_t)json_object_get_string_len(b);
    int c = memcmp(json_object_get_string(a), json_object_get_string(b), la < lb ? la : lb);
    return c ? c : (la < lb ? -1 : la > lb);
}

static int cmp_dec(const void *x, const void *y)
{
    return dec_cmp(x, y);
}

static bool validate_set(json_object *arr, const char *type, const char *where, char *err,
                         size_t errlen)
{
    if (!json_object_is_type(arr, json_type_array))
        return fail(err, errlen, where, "%s must be an array", type);
    size_t n = json_object_array_length(arr);
    if (n == 0)
        return fail(err, errlen, where, "%s must not be empty", type);
    bool ok = true;
    if (type[0] == 'N') {
        dec_t *nums = xmallocarray(n, sizeof *nums);
        for (size_t i = 0; i < n && ok; i++) {
            json_object *e = json_object_array_get_idx(arr, i);
            if (!json_object_is_type(e, json_type_string)) {
                ok = fail(err, errlen, where, "NS[%zu] must be a string", i);
                break;
            }
            dec_status st = dec_parse(json_object_get_string(e),
                                      (size_t)json_object_get_string_len(e), false, &nums[i]);
            if (st != DEC_OK)
                ok = fail(err, errlen, where, "NS[%zu] \"%.40s\": %s", i, json_object_get_string(e),
                          dec_status_str(st));
        }
        if (ok) {
            qsort(nums, n, sizeof *nums, cmp_dec);
            for (size_t i = 1; i < n && ok; i++)
                if (dec_cmp(&nums[i - 1], &nums[i]) == 0)
                    ok = fail(err, errlen, where, "NS has duplicate elements");
        }
        free(nums);
        return ok;
    }
    json_object **els = xmallocarray(n, sizeof *els);
    for (size_t i = 0; i < n && ok; i++) {
        els[i] = json_object_array_get_idx(arr, i);
        if (!json_object_is_type(els[i], json_type_string))
            ok = fail(err, errlen, where, "%s[%zu] must be a string", type, i);
        else if (type[0] == 'B' && !is_b64(els[i]))
            ok = fail(err, errlen, where, "BS[%zu] is not valid base64", i);
    }
    if (ok) {
        qsort(els, n, sizeof *els, cmp_json_str);
        for (size_t i = 1; i < n && ok; i++)
            if (cmp_json_str(&els[i - 1], &els[i]) == 0)
                ok = fail(err, errlen, where, "%s has duplicate elements", type);
    }
    free(els);
    return ok;
}

static bool validate(json_object *av, int depth, const char *where, char *err, size_t errlen)
{
    if (depth > DDB_MAX_DEPTH)
        return fail(err, errlen, where, "nested deeper than %d levels", DDB_MAX_DEPTH);
    if (!json_object_is_type(av, json_type_object))
        return fail(err, errlen, where, "an AttributeValue must be a JSON object");
    int members = json_object_object_length(av);
    if (members != 1)
        return fail(err, errlen, where, "an AttributeValue must have exactly one type key, not %d",
                    members);
    char sub[WHERE_MAX];
    json_object_object_foreach(av, k, v)
    {
        if (!strcmp(k, "S")) {
            if (!json_object_is_type(v, json_type_string))
                return fail(err, errlen, where, "S must be a string");
            if (!utf8_valid(json_object_get_string(v), (size_t)json_object_get_string_len(v)))
                return fail(err, errlen, where, "S is not valid UTF-8");
            return true;
        }
        if (!strcmp(k, "N")) {
            if (!json_object_is_type(v, json_type_string))
                return fail(err, errlen, where, "N must be a string (\"N\":\"12.5\")");
            dec_t d;
            dec_status st = dec_parse(json_object_get_string(v),
                                      (size_t)json_object_get_string_len(v), false, &d);
            if (st != DEC_OK)
                return fail(err, errlen, where, "N \"%.40s\": %s", json_object_get_string(v),
                            dec_status_str(st));
            return true;
        }
        if (!strcmp(k, "B")) {
            if (!json_object_is_type(v, json_type_string) || !is_b64(v))
                return fail(err, errlen, where, "B must be a base64 string");
            return true;
        }
        if (!strcmp(k, "BOOL")) {
            if (!json_object_is_type(v, json_type_boolean))
                return fail(err, errlen, where, "BOOL must be true or false");
            return true;
        }
        if (!strcmp(k, "NULL")) {
            if (!json_object_is_type(v, json_type_boolean) || !json_object_get_boolean(v))
                return fail(err, errlen, where, "NULL must be true");
            return true;
        }
        if (!strcmp(k, "M")) {
            if (!json_object_is_type(v, json_type_object))
                return fail(err, errlen, where, "M must be an object");
            json_object_object_foreach(v, mk, mv)
            {
                snprintf(sub, sizeof sub, "%s.M.%.64s", where, mk);
                if (!validate(mv, depth + 1, sub, err, errlen))
                    return false;
            }
            return true;
        }
        if (!strcmp(k, "L")) {
            if (!json_object_is_type(v, json_type_array))
                return fail(err, errlen, where, "L must be an array");
            size_t n = json_object_array_length(v);
            for (size_t i = 0; i < n; i++) {
                snprintf(sub, sizeof sub, "%s.L[%zu]", where, i);
                if (!validate(json_object_array_get_idx(v, i), depth + 1, sub, err, errlen))
                    return false;
            }
            return true;
        }
        if (!strcmp(k, "SS") || !strcmp(k, "NS") || !strcmp(k, "BS"))
            return validate_set(v, k, where, err, errlen);
        return fail(err, errlen, where,
                    "unknown AttributeValue type \"%.20s\" (expected S, N, B, BOOL, NULL, M, L, "
                    "SS, NS or BS)",
                    k);
    }
    return false; /* not reached: exactly one member */
}

bool ddb_validate(json_object *av, char *err, size_t errlen)
{
    return validate(av, 1, "$", err, errlen);
}

/* For ddb_to_value_shallow: the top level only. Documents just need the
 * right container type; a scalar gets its full (cheap) check. */
static bool validate_top(json_object *av, char *err, size_t errlen)
{
    if (!json_object_is_type(av, json_type_object) || json_object_object_length(av) != 1)
        return validate(av, 1, "$", err, errlen); /* for its message */
    json_object_object_foreach(av, k, v)
    {
        if (!strcmp(k, "M"))
            return json_object_is_type(v, json_type_object) ||
                   fail(err, errlen, "$", "M must be an object");
        if (!strcmp(k, "L") || !strcmp(k, "SS") || !strcmp(k, "NS") || !strcmp(k, "BS"))
            return json_object_is_type(v, json_type_array) ||
                   fail(err, errlen, "$", "%s must be an array", k);
        break;
    }
    return validate(av, 1, "$", err, errlen);
}

static bool convert(json_object *av, bool deep, value_t *out, char *err, size_t errlen)
{
    *out = value_null();
    if (!(deep ? ddb_validate(av, err, errlen) : validate_top(av, err, errlen)))
        return false;
    json_object_object_foreach(av, k, v)
    {
        const char *s = json_object_get_string(v);
        size_t len = (size_t)json_object_get_string_len(v);
        if (!strcmp(k, "S")) {
            *out = value_string(s, len);
        } else if (!strcmp(k, "N")) {
            value_number_parse(s, len, out); /* validated above */
        } else if (!strcmp(k, "B")) {
            uint8_t *bytes = NULL;
            size_t n = 0;
            base64_decode(s, len, &bytes, &n);
            *out = value_binary(bytes, n);
            free(bytes);
        } else if (!strcmp(k, "BOOL")) {
            *out = value_bool(json_object_get_boolean(v));
        } else if (!strcmp(k, "M")) {
            *out = value_doc(VAL_MAP, v);
        } else if (!strcmp(k, "L")) {
            *out = value_doc(VAL_LIST, v);
        } else if (!strcmp(k, "SS")) {
            *out = value_doc(VAL_SS, v);
        } else if (!strcmp(k, "NS")) {
            *out = value_doc(VAL_NS, v);
        } else if (!strcmp(k, "BS")) {
            *out = value_doc(VAL_BS, v);
        } /* NULL: SQL NULL */
        break;
    }
    return true;
}

bool ddb_to_value(json_object *av, value_t *out, char *err, size_t errlen)
{
    return convert(av, true, out, err, errlen);
}

bool ddb_to_value_shallow(json_object *av, value_t *out, char *err, size_t errlen)
{
    return convert(av, false, out, err, errlen);
}

static json_object *wrap(const char *type, json_object *v)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, type, v);
    return o;
}

json_object *ddb_from_value(const value_t *v, char *err, size_t errlen)
{
    char buf[DEC_STR_MAX];
    switch (v->type) {
    case VAL_NULL:
        return wrap("NULL", json_object_new_boolean(1));
    case VAL_BOOL:
        return wrap("BOOL", json_object_new_boolean(v->u.b));
    case VAL_NUMBER:
        return wrap("N", json_object_new_string(value_number_text(v, buf)));
    case VAL_DOUBLE: {
        dec_t d;
        if (!isfinite(v->u.f) || (v->u.f != 0 && dec_from_double(v->u.f, &d) != DEC_OK)) {
            snprintf(err, errlen, "the DOUBLE %g cannot be a DynamoDB number", v->u.f);
            return NULL;
        }
        if (v->u.f == 0)
            dec_from_int64(0, &d);
        dec_format(&d, buf);
        return wrap("N", json_object_new_string(buf));
    }
    case VAL_STRING:
        return wrap("S", json_object_new_string_len(v->u.bytes->data, (int)v->u.bytes->len));
    case VAL_BINARY: {
        char *b64 = base64_encode(v->u.bytes->data, v->u.bytes->len);
        json_object *o = wrap("B", json_object_new_string(b64));
        free(b64);
        return o;
    }
    case VAL_LIST:
        return wrap("L", json_object_get(v->u.doc));
    case VAL_MAP:
        return wrap("M", json_object_get(v->u.doc));
    case VAL_SS:
        return wrap("SS", json_object_get(v->u.doc));
    case VAL_NS:
        return wrap("NS", json_object_get(v->u.doc));
    case VAL_BS:
        return wrap("BS", json_object_get(v->u.doc));
    }
    snprintf(err, errlen, "unknown value type");
    return NULL;
}

/* ---- paths --------------------------------------------------------------- */

void ddb_path_free(ddb_path *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->steps[i].name);
    free(p->steps);
    p->steps = NULL;
    p->n = 0;
}

static bool path_fail(ddb_path *p, char *err, size_t errlen, size_t at, const char *what)
{
    ddb_path_free(p);
    snprintf(err, errlen, "attribute path: %s at offset %zu", what, at);
    return false;
}

bool ddb_path_parse(const char *s, size_t len, ddb_path *out, char *err, size_t errlen)
{
    out->steps = xcalloc(DDB_PATH_MAX_STEPS, sizeof *out->steps);
    out->n = 0;
    size_t i = 0;
    bool need_name = true; /* at the start and after '.' */
    while (i < len || need_name) {
        if (out->n >= DDB_PATH_MAX_STEPS)
            return path_fail(out, err, errlen, i, "too many steps (at most 32)");
        if (need_name) {
            if (i >= len)
                return path_fail(out, err, errlen, i, "expected a name");
            buf_t name = BUF_INIT(65536);
            size_t start = i;
            if (s[i] == '"') {
                i++;
                for (;;) {
                    if (i >= len) {
                        buf_free(&name);
                        return path_fail(out, err, errlen, start, "unterminated quoted name");
                    }
                    if (s[i] == '"') {
                        if (i + 1 < len && s[i + 1] == '"') {
                            buf_putc(&name, '"');
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    if (!buf_putc(&name, s[i])) {
                        buf_free(&name);
                        return path_fail(out, err, errlen, start, "name too long");
                    }
                    i++;
                }
            } else {
                while (i < len && s[i] != '.' && s[i] != '[' && s[i] != ']' && s[i] != '"' &&
                       s[i] != '\0')
                    i++;
                if (!buf_append(&name, s + start, i - start)) {
                    buf_free(&name);
                    return path_fail(out, err, errlen, start, "name too long");
                }
            }
            if (name.len == 0) {
                buf_free(&name);
                return path_fail(out, err, errlen, start, "empty name");
            }
            out->steps[out->n++].name = buf_steal(&name);
            need_name = false;
            continue;
        }
        if (s[i] == '.') {
            i++;
            need_name = true;
            continue;
        }
        if (s[i] == '[') {
            size_t start = i++;
            size_t idx = 0, nd = 0;
            while (i < len && s[i] >= '0' && s[i] <= '9') {
                if (idx > 100000000)
                    return path_fail(out, err, errlen, start, "list index too large");
                idx = idx * 10 + (size_t)(s[i] - '0');
                i++;
                nd++;
            }
            if (nd == 0 || i >= len || s[i] != ']')
                return path_fail(out, err, errlen, start, "expected [digits]");
            i++;
            out->steps[out->n].name = NULL;
            out->steps[out->n++].index = idx;
            continue;
        }
        return path_fail(out, err, errlen, i, "expected '.' or '['");
    }
    return true;
}

json_object *ddb_item_lookup(json_object *item, const ddb_path *p)
{
    if (p->n == 0 || !p->steps[0].name || !json_object_is_type(item, json_type_object))
        return NULL;
    json_object *av = NULL;
    if (!json_object_object_get_ex(item, p->steps[0].name, &av))
        return NULL;
    for (size_t i = 1; i < p->n && av; i++) {
        json_object *inner = NULL;
        if (!json_object_is_type(av, json_type_object))
            return NULL;
        if (p->steps[i].name) {
            if (!json_object_object_get_ex(av, "M", &inner) ||
                !json_object_is_type(inner, json_type_object) ||
                !json_object_object_get_ex(inner, p->steps[i].name, &av))
                return NULL;
        } else {
            if (!json_object_object_get_ex(av, "L", &inner) ||
                !json_object_is_type(inner, json_type_array) ||
                p->steps[i].index >= json_object_array_length(inner))
                return NULL;
            av = json_object_array_get_idx(inner, p->steps[i].index);
        }
    }
    return av;
}

bool ddb_item_get(json_object *item, const ddb_path *p, value_t *out, char *err, size_t errlen)
{
    json_object *av = ddb_item_lookup(item, p);
    if (!av) {
        *out = value_null();
        return true;
    }
    return ddb_to_value_shallow(av, out, err, errlen);
}
