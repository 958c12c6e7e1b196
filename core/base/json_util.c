#include "json_util.h"

#include "alloc.h"

#include <stdio.h>
#include <string.h>

json_object *json_parse_strict(const char *s, size_t len, int max_depth, char *err,
                               size_t errlen)
{
    if (len > (size_t)0x7fffffff) {
        snprintf(err, errlen, "JSON text is too large");
        return NULL;
    }
    json_tokener *tok = json_tokener_new_ex(max_depth);
    if (!tok)
        die_oom(sizeof(void *));
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    json_object *obj = json_tokener_parse_ex(tok, s, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t off = json_tokener_get_parse_end(tok);
    if (obj == NULL && jerr == json_tokener_continue) {
        snprintf(err, errlen, "unexpected end of JSON text at byte %zu", len);
    } else if (obj == NULL) {
        snprintf(err, errlen, "%s at byte %zu", json_tokener_error_desc(jerr), off);
    } else {
        /* Only whitespace may follow the value. */
        for (size_t i = off; i < len; i++) {
            char c = s[i];
            if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
                snprintf(err, errlen, "unexpected data after the JSON value at byte %zu", i);
                json_object_put(obj);
                obj = NULL;
                break;
            }
        }
    }
    json_tokener_free(tok);
    return obj;
}

json_object *jget(json_object *obj, const char *key)
{
    json_object *v = NULL;
    if (obj && json_object_is_type(obj, json_type_object) &&
        json_object_object_get_ex(obj, key, &v))
        return v;
    return NULL;
}

const char *jget_str(json_object *obj, const char *key)
{
    json_object *v = jget(obj, key);
    return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

bool jget_bool(json_object *obj, const char *key, bool dflt)
{
    json_object *v = jget(obj, key);
    return v && json_object_is_type(v, json_type_boolean) ? json_object_get_boolean(v) : dflt;
}

int64_t jget_int(json_object *obj, const char *key, int64_t dflt)
{
    json_object *v = jget(obj, key);
    return v && json_object_is_type(v, json_type_int) ? json_object_get_int64(v) : dflt;
}

json_object *jget_obj(json_object *obj, const char *key)
{
    json_object *v = jget(obj, key);
    return v && json_object_is_type(v, json_type_object) ? v : NULL;
}

json_object *jget_arr(json_object *obj, const char *key)
{
    json_object *v = jget(obj, key);
    return v && json_object_is_type(v, json_type_array) ? v : NULL;
}

static json_object *checked(json_object *v)
{
    if (!v)
        die_oom(sizeof(void *));
    return v;
}

void jset(json_object *obj, const char *key, json_object *val)
{
    if (json_object_object_add(obj, key, val) != 0)
        die_oom(strlen(key));
}

void jset_str(json_object *obj, const char *key, const char *val)
{
    jset(obj, key, checked(json_object_new_string(val)));
}

void jset_int(json_object *obj, const char *key, int64_t val)
{
    jset(obj, key, checked(json_object_new_int64(val)));
}

void jset_bool(json_object *obj, const char *key, bool val)
{
    jset(obj, key, checked(json_object_new_boolean(val)));
}

const char *json_compact(json_object *obj)
{
    const char *s =
        json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    if (!s)
        die_oom(0);
    return s;
}

bool utf8_valid(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        uint32_t cp;
        if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (len - i <= n)
            return false;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += n + 1;
    }
    return true;
}
