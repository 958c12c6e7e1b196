#include "json_util.h"

#include "alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s (n bytes available), or 0: no
 * overlongs, surrogates or code points past U+10FFFF. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t extra;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
        extra = 1;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        extra = 2;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        extra = 3;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n <= extra)
        return 0;
    for (size_t k = 1; k <= extra; k++) {
        if ((s[k] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (s[k] & 0x3F);
    }
    if ((extra == 2 && cp < 0x800) || (extra == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return extra + 1;
}

/* RFC 8259 syntax check run before json-c, whose "strict" mode still takes
 * NaN, Infinity, "1.", single-quoted keys, raw control characters in
 * strings and overlong UTF-8. It also gives every error a byte offset. */
typedef struct scanner {
    const unsigned char *s;
    size_t len, pos;
    char *err;
    size_t errlen;
} scanner;

static bool scan_fail(scanner *sc, const char *what)
{
    if (sc->pos >= sc->len) {
        snprintf(sc->err, sc->errlen, "unexpected end of JSON text at byte %zu", sc->len);
    } else {
        unsigned char c = sc->s[sc->pos];
        if (c > 0x20 && c < 0x7f)
            snprintf(sc->err, sc->errlen, "%s at byte %zu (found '%c')", what, sc->pos, c);
        else
            snprintf(sc->err, sc->errlen, "%s at byte %zu (found byte 0x%02x)", what, sc->pos, c);
    }
    return false;
}

static void scan_ws(scanner *sc)
{
    while (sc->pos < sc->len && (sc->s[sc->pos] == ' ' || sc->s[sc->pos] == '\t' ||
                                 sc->s[sc->pos] == '\r' || sc->s[sc->pos] == '\n'))
        sc->pos++;
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static bool is_xdigit(unsigned char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool scan_string(scanner *sc)
{
    sc->pos++; /* the opening quote */
    while (sc->pos < sc->len) {
        unsigned char c = sc->s[sc->pos];
        if (c == '"') {
            sc->pos++;
            return true;
        }
        if (c < 0x20)
            return scan_fail(sc, "control character in a string");
        if (c == '\\') {
            sc->pos++;
            if (sc->pos >= sc->len)
                break;
            c = sc->s[sc->pos];
            if (c == 'u') {
                for (int i = 1; i <= 4; i++) {
                    if (sc->pos + (size_t)i >= sc->len)
                        return scan_fail(sc, "truncated \\u escape");
                    if (!is_xdigit(sc->s[sc->pos + (size_t)i])) {
                        sc->pos += (size_t)i;
                        return scan_fail(sc, "invalid \\u escape");
                    }
                }
                sc->pos += 5;
            } else if (c && strchr("\"\\/bfnrt", c)) {
                sc->pos++;
            } else {
                return scan_fail(sc, "invalid escape in a string");
            }
            continue;
        }
        size_t n = utf8_seq(sc->s + sc->pos, sc->len - sc->pos);
        if (n == 0)
            return scan_fail(sc, "invalid UTF-8 in a string");
        sc->pos += n;
    }
    return scan_fail(sc, "unterminated string");
}

static bool scan_digits(scanner *sc)
{
    if (sc->pos >= sc->len || !is_digit(sc->s[sc->pos]))
        return scan_fail(sc, "digit expected in a number");
    while (sc->pos < sc->len && is_digit(sc->s[sc->pos]))
        sc->pos++;
    return true;
}

static bool scan_number(scanner *sc)
{
    if (sc->s[sc->pos] == '-')
        sc->pos++;
    if (sc->pos < sc->len && sc->s[sc->pos] == '0')
        sc->pos++; /* no leading zeros: what follows is checked by the caller */
    else if (!scan_digits(sc))
        return false;
    if (sc->pos < sc->len && sc->s[sc->pos] == '.') {
        sc->pos++;
        if (!scan_digits(sc))
            return false;
    }
    if (sc->pos < sc->len && (sc->s[sc->pos] == 'e' || sc->s[sc->pos] == 'E')) {
        sc->pos++;
        if (sc->pos < sc->len && (sc->s[sc->pos] == '+' || sc->s[sc->pos] == '-'))
            sc->pos++;
        if (!scan_digits(sc))
            return false;
    }
    return true;
}

static bool scan_literal(scanner *sc)
{
    static const char *const lits[] = {"true", "false", "null"};
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(lits[i]);
        if (sc->len - sc->pos >= n && memcmp(sc->s + sc->pos, lits[i], n) == 0) {
            sc->pos += n;
            return true;
        }
    }
    return scan_fail(sc, "unexpected character");
}

/* Iterative, so hostile nesting cannot exhaust the C stack. */
static bool scan_json(scanner *sc, int max_depth)
{
    enum { VALUE, VALUE_OR_CLOSE, KEY, KEY_OR_CLOSE, AFTER_VALUE } state = VALUE;
    char *stack = xmalloc((size_t)max_depth + 1);
    int depth = 0;
    bool ok = true;
    for (;;) {
        scan_ws(sc);
        if (state == AFTER_VALUE) {
            if (depth == 0)
                break;
            char open = stack[depth - 1];
            if (sc->pos < sc->len && sc->s[sc->pos] == ',') {
                sc->pos++;
                state = open == '{' ? KEY : VALUE;
            } else if (sc->pos < sc->len && sc->s[sc->pos] == (open == '{' ? '}' : ']')) {
                sc->pos++;
                depth--;
            } else {
                ok = scan_fail(sc, open == '{' ? "',' or '}' expected" : "',' or ']' expected");
                break;
            }
            continue;
        }
        if (sc->pos >= sc->len) {
            ok = scan_fail(sc, "");
            break;
        }
        unsigned char c = sc->s[sc->pos];
        if (state == KEY || state == KEY_OR_CLOSE) {
            if (c == '}' && state == KEY_OR_CLOSE) {
                sc->pos++;
                depth--;
                state = AFTER_VALUE;
                continue;
            }
            if (c != '"') {
                ok = scan_fail(sc, "a string key expected");
                break;
            }
            if (!(ok = scan_string(sc)))
                break;
            scan_ws(sc);
            if (sc->pos >= sc->len || sc->s[sc->pos] != ':') {
                ok = scan_fail(sc, "':' expected");
                break;
            }
            sc->pos++;
            state = VALUE;
            continue;
        }
        if (c == ']' && state == VALUE_OR_CLOSE) {
            sc->pos++;
            depth--;
            state = AFTER_VALUE;
        } else if (c == '{' || c == '[') {
            if (depth >= max_depth) {
                snprintf(sc->err, sc->errlen, "nesting deeper than %d levels at byte %zu",
                         max_depth, sc->pos);
                ok = false;
                break;
            }
            stack[depth++] = (char)c;
            sc->pos++;
            state = c == '{' ? KEY_OR_CLOSE : VALUE_OR_CLOSE;
        } else {
            if (c == '"')
                ok = scan_string(sc);
            else if (c == '-' || is_digit(c))
                ok = scan_number(sc);
            else
                ok = scan_literal(sc);
            if (!ok)
                break;
            state = AFTER_VALUE;
        }
    }
    free(stack);
    if (ok && sc->pos < sc->len)
        ok = scan_fail(sc, "unexpected data after the JSON value");
    return ok;
}

json_object *json_parse_strict(const char *s, size_t len, int max_depth, char *err, size_t errlen)
{
    if (len > (size_t)0x7fffffff) {
        snprintf(err, errlen, "JSON text is too large");
        return NULL;
    }
    if (max_depth <= 0)
        max_depth = JSON_DEFAULT_MAX_DEPTH;
    scanner sc = {(const unsigned char *)s, len, 0, err, errlen};
    if (!scan_json(&sc, max_depth))
        return NULL;
    /* The text is valid JSON now. json-c counts a scalar inside the
     * innermost container as a level too, hence the +1. */
    json_tokener *tok = json_tokener_new_ex(max_depth + 1);
    if (!tok)
        die_oom(sizeof(void *));
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    json_object *obj = json_tokener_parse_ex(tok, s, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    if (jerr == json_tokener_continue) {
        /* A top-level number or literal ("123", "true") is only complete
         * once the tokener sees the end; a NUL marks it. */
        obj = json_tokener_parse_ex(tok, "", 1);
        jerr = json_tokener_get_error(tok);
    }
    if (jerr != json_tokener_success)
        snprintf(err, errlen, "%s at byte %zu", json_tokener_error_desc(jerr),
                 json_tokener_get_parse_end(tok));
    else if (!obj) /* json-c has no object for a JSON null */
        snprintf(err, errlen, "%s", JSON_ERR_NULL_DOCUMENT);
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
    const char *s = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
                                                            JSON_C_TO_STRING_NOSLASHESCAPE);
    if (!s)
        die_oom(0);
    return s;
}

bool utf8_valid(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    for (size_t i = 0; i < len;) {
        size_t n = utf8_seq(s + i, len - i);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

void utf8_scrub(char *str, size_t len)
{
    unsigned char *s = (unsigned char *)str;
    for (size_t i = 0; i < len;) {
        size_t n = utf8_seq(s + i, len - i);
        if (n == 0) {
            s[i] = '?';
            n = 1;
        }
        i += n;
    }
}
