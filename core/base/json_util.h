/* json-c helpers: strict bounded parsing with positioned errors, and typed
 * accessors that never crash on a wrong type. */
#ifndef DDBSQL_JSON_UTIL_H
#define DDBSQL_JSON_UTIL_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_DEFAULT_MAX_DEPTH 64

/* Parses exactly one JSON value (trailing whitespace allowed), in strict
 * mode with UTF-8 validation. On failure returns NULL and writes a message
 * naming the byte offset into err. */
/* The error json_parse_strict gives for a document that is just `null`:
 * valid JSON, but json-c has no object for it. Callers may tell it apart
 * from a syntax error by comparing against this text. */
#define JSON_ERR_NULL_DOCUMENT "a JSON null document is not accepted"

json_object *json_parse_strict(const char *s, size_t len, int max_depth, char *err, size_t errlen);

/* Accessors: NULL / the default when absent or of another type. */
json_object *jget(json_object *obj, const char *key);
const char *jget_str(json_object *obj, const char *key);
bool jget_bool(json_object *obj, const char *key, bool dflt);
int64_t jget_int(json_object *obj, const char *key, int64_t dflt);
json_object *jget_obj(json_object *obj, const char *key);
json_object *jget_arr(json_object *obj, const char *key);

/* Builders that take ownership of nothing but the new value. */
void jset_str(json_object *obj, const char *key, const char *val);
void jset_int(json_object *obj, const char *key, int64_t val);
void jset_bool(json_object *obj, const char *key, bool val);
/* Adds val (taking ownership) under key. */
void jset(json_object *obj, const char *key, json_object *val);

/* Serialises compactly without escaping '/'. The string lives as long as obj. */
const char *json_compact(json_object *obj);

/* True when s is valid UTF-8 (no overlongs, surrogates or > U+10FFFF). */
bool utf8_valid(const char *s, size_t len);
/* Replaces, in place, every byte that does not begin a valid UTF-8
 * sequence with '?': e.g. a multi-byte character cut by a "%.64s". */
void utf8_scrub(char *s, size_t len);

#endif
