/* SQL values: construction, sharing, ordering, hashing, CAST and JSON. */
#include "sql/value.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/base/alloc.h"
#include "core/base/base64.h"
#include "core/base/buf.h"
#include "core/base/json_util.h"

/* Canonical encodings of documents are bounded by DynamoDB's 400 KB item
 * limit many times over; this cap only guards against runaway input. */
#define CANON_MAX (64u << 20)

static vbytes *vb_new(const void *p, size_t len)
{
    vbytes *b = xmalloc(sizeof *b + len + 1);
    b->refs = 1;
    b->len = len;
    if (len)
        memcpy(b->data, p, len);
    b->data[len] = '\0';
    return b;
}

static void vb_put(vbytes *b)
{
    if (b && --b->refs == 0)
        free(b);
}

const char *value_type_name(value_type t)
{
    static const char *const names[] = {"NULL", "BOOLEAN", "NUMBER", "DOUBLE", "STRING", "BINARY",
                                        "LIST", "MAP",     "SS",     "NS",     "BS"};
    return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : "UNKNOWN";
}

int value_type_rank(value_type t)
{
    switch (t) {
    case VAL_NULL:
        return 0;
    case VAL_BOOL:
        return 1;
    case VAL_NUMBER:
    case VAL_DOUBLE:
        return 2;
    case VAL_STRING:
        return 3;
    case VAL_BINARY:
        return 4;
    case VAL_LIST:
        return 5;
    case VAL_MAP:
        return 6;
    case VAL_SS:
        return 7;
    case VAL_NS:
        return 8;
    case VAL_BS:
        return 9;
    }
    return 10;
}

value_t value_bool(bool b)
{
    value_t v = value_null();
    v.type = VAL_BOOL;
    v.u.b = b;
    return v;
}

value_t value_number(const dec_t *d)
{
    value_t v = value_null();
    v.type = VAL_NUMBER;
    v.u.num.d = *d;
    v.u.num.text = NULL;
    return v;
}

value_t value_int(int64_t i)
{
    dec_t d;
    dec_from_int64(i, &d);
    return value_number(&d);
}

/* RFC 8259 number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool json_number_ok(const char *s, size_t len)
{
    size_t i = 0;
    if (i < len && s[i] == '-')
        i++;
    if (i >= len || !isdigit((unsigned char)s[i]))
        return false;
    if (s[i] == '0')
        i++;
    else
        while (i < len && isdigit((unsigned char)s[i]))
            i++;
    if (i < len && s[i] == '.') {
        size_t st = ++i;
        while (i < len && isdigit((unsigned char)s[i]))
            i++;
        if (i == st)
            return false;
    }
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t st = i;
        while (i < len && isdigit((unsigned char)s[i]))
            i++;
        if (i == st)
            return false;
    }
    return i == len;
}

value_t value_number_with_text(const dec_t *d, const char *text, size_t len)
{
    value_t v = value_number(d);
    if (text && json_number_ok(text, len))
        v.u.num.text = vb_new(text, len);
    return v;
}

dec_status value_number_parse(const char *s, size_t len, value_t *out)
{
    dec_t d;
    dec_status st = dec_parse(s, len, false, &d);
    if (st != DEC_OK) {
        *out = value_null();
        return st;
    }
    *out = value_number_with_text(&d, s, len);
    return DEC_OK;
}

value_t value_double(double f)
{
    value_t v = value_null();
    v.type = VAL_DOUBLE;
    v.u.f = f;
    return v;
}

value_t value_string(const char *s, size_t len)
{
    value_t v = value_null();
    v.type = VAL_STRING;
    v.u.bytes = vb_new(s, len);
    return v;
}

value_t value_cstring(const char *s)
{
    return value_string(s, strlen(s));
}

value_t value_binary(const void *p, size_t len)
{
    value_t v = value_null();
    v.type = VAL_BINARY;
    v.u.bytes = vb_new(p, len);
    return v;
}

value_t value_doc(value_type type, json_object *doc)
{
    value_t v = value_null();
    v.type = type;
    v.u.doc = json_object_get(doc);
    return v;
}

value_t value_copy(const value_t *v)
{
    value_t c = *v;
    switch (v->type) {
    case VAL_NUMBER:
        if (c.u.num.text)
            c.u.num.text->refs++;
        break;
    case VAL_STRING:
    case VAL_BINARY:
        c.u.bytes->refs++;
        break;
    case VAL_LIST:
    case VAL_MAP:
    case VAL_SS:
    case VAL_NS:
    case VAL_BS:
        json_object_get(c.u.doc);
        break;
    default:
        break;
    }
    return c;
}

void value_free_payload(value_t *v)
{
    switch (v->type) {
    case VAL_NUMBER:
        vb_put(v->u.num.text);
        break;
    case VAL_STRING:
    case VAL_BINARY:
        vb_put(v->u.bytes);
        break;
    case VAL_LIST:
    case VAL_MAP:
    case VAL_SS:
    case VAL_NS:
    case VAL_BS:
        json_object_put(v->u.doc);
        break;
    default:
        break;
    }
    *v = value_null();
}

const char *value_number_text(const value_t *v, char buf[DEC_STR_MAX])
{
    if (v->u.num.text)
        return v->u.num.text->data;
    dec_format(&v->u.num.d, buf);
    return buf;
}

/* Shortest text that reads back as f; "NaN", "Infinity", "-Infinity". */
static const char *double_text(double f, char buf[40])
{
    if (isnan(f))
        return "NaN";
    if (isinf(f))
        return f < 0 ? "-Infinity" : "Infinity";
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, 40, "%.*g", prec, f);
        if (strtod(buf, NULL) == f)
            break;
    }
    return buf;
}

/* ---- ordering ------------------------------------------------------------ */

static int double_order(double a, double b)
{
    if (isnan(a) || isnan(b))
        return isnan(a) - isnan(b);
    return a < b ? -1 : a > b;
}

/* NUMBER against DOUBLE. */
static int dec_double_order(const dec_t *d, double f)
{
    if (isnan(f))
        return -1;
    if (isinf(f))
        return f < 0 ? 1 : -1;
    dec_t fd;
    if (dec_from_double(f, &fd) == DEC_OK)
        return dec_cmp(d, &fd);
    return double_order(dec_to_double(d), f); /* f beyond DynamoDB's range */
}

static int num_order(const value_t *a, const value_t *b)
{
    if (a->type == VAL_NUMBER && b->type == VAL_NUMBER)
        return dec_cmp(&a->u.num.d, &b->u.num.d);
    if (a->type == VAL_DOUBLE && b->type == VAL_DOUBLE)
        return double_order(a->u.f, b->u.f);
    if (a->type == VAL_NUMBER)
        return dec_double_order(&a->u.num.d, b->u.f);
    return -dec_double_order(&b->u.num.d, a->u.f);
}

static int bytes_order(const vbytes *a, const vbytes *b)
{
    size_t n = a->len < b->len ? a->len : b->len;
    int c = n ? memcmp(a->data, b->data, n) : 0;
    if (c)
        return c < 0 ? -1 : 1;
    return a->len < b->len ? -1 : a->len > b->len;
}

/* Canonical encoding of documents: length-prefixed, map keys and set
 * elements sorted, numbers reduced (1.0 -> 1), so that equal documents encode
 * identically. */
static void canon_av(json_object *av, buf_t *b);

static void canon_str(buf_t *b, char tag, const char *s, size_t len)
{
    buf_printf(b, "%c%zu:", tag, len);
    buf_append(b, s, len);
}

static void canon_num(buf_t *b, const char *s)
{
    dec_t d;
    if (dec_parse(s, strlen(s), true, &d) != DEC_OK) {
        canon_str(b, 'x', s, strlen(s));
        return;
    }
    while (d.coef != 0 && d.coef % 10 == 0) {
        d.coef /= 10;
        d.exp++;
    }
    if (d.coef == 0)
        d.exp = 0;
    char t[DEC_STR_MAX];
    size_t n = dec_format(&d, t);
    canon_str(b, 'n', t, n);
}

static int cmp_cstr(const void *x, const void *y)
{
    const buf_t *a = x, *c = y;
    size_t n = a->len < c->len ? a->len : c->len;
    int r = n ? memcmp(buf_cstr(a), buf_cstr(c), n) : 0;
    if (r)
        return r;
    return a->len < c->len ? -1 : a->len > c->len;
}

/* Encodes each element of arr (by kind) and writes them sorted. */
/* Sorted encodings make equal sets and maps encode alike whatever their
 * order: "<open><count><part>...<close>". Frees the parts. */
static void emit_sorted(buf_t *b, buf_t *parts, size_t n, char open, char close)
{
    qsort(parts, n, sizeof *parts, cmp_cstr);
    buf_printf(b, "%c%zu", open, n);
    for (size_t i = 0; i < n; i++) {
        buf_append(b, buf_cstr(&parts[i]), parts[i].len);
        buf_free(&parts[i]);
    }
    buf_putc(b, close);
    free(parts);
}

static void canon_set(json_object *arr, char kind, buf_t *b)
{
    size_t n = json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;
    buf_t *parts = xcalloc(n ? n : 1, sizeof *parts);
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(arr, i);
        const char *s = json_object_get_string(e);
        buf_init(&parts[i], CANON_MAX);
        if (kind == 'n')
            canon_num(&parts[i], s ? s : "");
        else
            canon_str(&parts[i], kind, s ? s : "", s ? (size_t)json_object_get_string_len(e) : 0);
    }
    emit_sorted(b, parts, n, '(', ')');
}

static void canon_map(json_object *m, buf_t *b)
{
    if (!json_object_is_type(m, json_type_object)) {
        buf_puts(b, "{}");
        return;
    }
    size_t n = (size_t)json_object_object_length(m);
    buf_t *parts = xcalloc(n ? n : 1, sizeof *parts);
    size_t i = 0;
    json_object_object_foreach(m, k, v)
    {
        if (i >= n)
            break;
        buf_init(&parts[i], CANON_MAX);
        canon_str(&parts[i], 'k', k, strlen(k));
        canon_av(v, &parts[i]);
        i++;
    }
    emit_sorted(b, parts, i, '{', '}');
}

static void canon_list(json_object *l, buf_t *b)
{
    size_t n = json_object_is_type(l, json_type_array) ? json_object_array_length(l) : 0;
    buf_printf(b, "[%zu", n);
    for (size_t i = 0; i < n; i++)
        canon_av(json_object_array_get_idx(l, i), b);
    buf_putc(b, ']');
}

static void canon_av(json_object *av, buf_t *b)
{
    if (!json_object_is_type(av, json_type_object)) {
        buf_putc(b, '?');
        return;
    }
    json_object_object_foreach(av, k, v)
    {
        const char *s = json_object_get_string(v);
        if (!strcmp(k, "S"))
            canon_str(b, 's', s ? s : "", s ? (size_t)json_object_get_string_len(v) : 0);
        else if (!strcmp(k, "N"))
            canon_num(b, s ? s : "");
        else if (!strcmp(k, "B"))
            canon_str(b, 'b', s ? s : "", s ? (size_t)json_object_get_string_len(v) : 0);
        else if (!strcmp(k, "BOOL"))
            buf_putc(b, json_object_get_boolean(v) ? 'T' : 'F');
        else if (!strcmp(k, "NULL"))
            buf_putc(b, 'Z');
        else if (!strcmp(k, "M"))
            canon_map(v, b);
        else if (!strcmp(k, "L"))
            canon_list(v, b);
        else if (!strcmp(k, "SS"))
            canon_set(v, 's', b);
        else if (!strcmp(k, "NS"))
            canon_set(v, 'n', b);
        else if (!strcmp(k, "BS"))
            canon_set(v, 'b', b);
        else
            buf_putc(b, '?');
        return; /* an AttributeValue has exactly one member */
    }
    buf_putc(b, '?');
}

static void canon_doc(const value_t *v, buf_t *b)
{
    switch (v->type) {
    case VAL_LIST:
        canon_list(v->u.doc, b);
        break;
    case VAL_MAP:
        canon_map(v->u.doc, b);
        break;
    case VAL_SS:
        canon_set(v->u.doc, 's', b);
        break;
    case VAL_NS:
        canon_set(v->u.doc, 'n', b);
        break;
    default:
        canon_set(v->u.doc, 'b', b);
        break;
    }
}

static int doc_order(const value_t *a, const value_t *b)
{
    buf_t x = BUF_INIT(CANON_MAX), y = BUF_INIT(CANON_MAX);
    canon_doc(a, &x);
    canon_doc(b, &y);
    int c = cmp_cstr(&x, &y);
    buf_free(&x);
    buf_free(&y);
    return c < 0 ? -1 : c > 0;
}

int value_order(const value_t *a, const value_t *b)
{
    int ra = value_type_rank(a->type), rb = value_type_rank(b->type);
    if (ra != rb)
        return ra < rb ? -1 : 1;
    switch (a->type) {
    case VAL_NULL:
        return 0;
    case VAL_BOOL:
        return (int)a->u.b - (int)b->u.b;
    case VAL_NUMBER:
    case VAL_DOUBLE:
        return num_order(a, b);
    case VAL_STRING:
    case VAL_BINARY:
        return bytes_order(a->u.bytes, b->u.bytes);
    default:
        return a->u.doc == b->u.doc ? 0 : doc_order(a, b);
    }
}

bool value_equal(const value_t *a, const value_t *b)
{
    return value_order(a, b) == 0;
}

vcmp value_compare(const value_t *a, const value_t *b)
{
    if (a->type == VAL_NULL || b->type == VAL_NULL)
        return VCMP_NULL;
    if (value_type_rank(a->type) != value_type_rank(b->type))
        return VCMP_MISMATCH;
    int c = value_order(a, b);
    if (a->type >= VAL_LIST && c != 0)
        return VCMP_MISMATCH;
    return c < 0 ? VCMP_LT : c > 0 ? VCMP_GT : VCMP_EQ;
}

static uint64_t fnv1a(const void *p, size_t n, uint64_t h)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

uint64_t value_hash(const value_t *v)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ (uint64_t)value_type_rank(v->type);
    switch (v->type) {
    case VAL_NULL:
        return h;
    case VAL_BOOL:
        return fnv1a(&v->u.b, 1, h);
    case VAL_NUMBER:
        return dec_hash(&v->u.num.d);
    case VAL_DOUBLE: {
        dec_t d;
        if (isnan(v->u.f))
            return fnv1a("NaN", 3, h);
        if (dec_from_double(v->u.f, &d) == DEC_OK)
            return dec_hash(&d);
        return fnv1a(&v->u.f, sizeof v->u.f, h);
    }
    case VAL_STRING:
    case VAL_BINARY:
        return fnv1a(v->u.bytes->data, v->u.bytes->len, h);
    default: {
        buf_t b = BUF_INIT(CANON_MAX);
        canon_doc(v, &b);
        h = fnv1a(buf_cstr(&b), b.len, h);
        buf_free(&b);
        return h;
    }
    }
}

/* ---- JSON ---------------------------------------------------------------- */

static json_object *json_number(const char *text, size_t len)
{
    if (!text) /* a malformed document: not a string */
        return NULL;
    if (json_number_ok(text, len))
        return json_object_new_double_s(strtod(text, NULL), text);
    dec_t d;
    if (dec_parse(text, len, true, &d) == DEC_OK) {
        char t[DEC_STR_MAX];
        dec_format(&d, t);
        return json_object_new_double_s(dec_to_double(&d), t);
    }
    return json_object_new_string_len(text, (int)len);
}

static json_object *json_array_of(json_object *arr, char kind)
{
    json_object *out = json_object_new_array();
    size_t n = json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(arr, i);
        if (kind == 'a')
            json_object_array_add(out, value_av_to_json(e));
        else if (kind == 'n')
            json_object_array_add(
                out, json_number(json_object_get_string(e), (size_t)json_object_get_string_len(e)));
        else
            json_object_array_add(out, json_object_get(e));
    }
    return out;
}

static json_object *json_map_of(json_object *m)
{
    json_object *out = json_object_new_object();
    if (!json_object_is_type(m, json_type_object))
        return out;
    json_object_object_foreach(m, k, v)
    {
        json_object_object_add(out, k, value_av_to_json(v));
    }
    return out;
}

json_object *value_av_to_json(json_object *av)
{
    if (!json_object_is_type(av, json_type_object))
        return NULL;
    json_object_object_foreach(av, k, v)
    {
        if (!strcmp(k, "S") || !strcmp(k, "B"))
            return json_object_get(v);
        if (!strcmp(k, "N"))
            return json_number(json_object_get_string(v), (size_t)json_object_get_string_len(v));
        if (!strcmp(k, "BOOL"))
            return json_object_new_boolean(json_object_get_boolean(v));
        if (!strcmp(k, "M"))
            return json_map_of(v);
        if (!strcmp(k, "L"))
            return json_array_of(v, 'a');
        if (!strcmp(k, "SS") || !strcmp(k, "BS"))
            return json_array_of(v, 's');
        if (!strcmp(k, "NS"))
            return json_array_of(v, 'n');
        return NULL; /* "NULL" */
    }
    return NULL;
}

json_object *value_to_json(const value_t *v)
{
    char buf[DEC_STR_MAX];
    switch (v->type) {
    case VAL_NULL:
        return NULL;
    case VAL_BOOL:
        return json_object_new_boolean(v->u.b);
    case VAL_NUMBER: {
        const char *t = value_number_text(v, buf);
        return json_object_new_double_s(dec_to_double(&v->u.num.d), t);
    }
    case VAL_DOUBLE: {
        const char *t = double_text(v->u.f, buf);
        if (!isfinite(v->u.f))
            return json_object_new_string(t);
        return json_object_new_double_s(v->u.f, t);
    }
    case VAL_STRING:
        return json_object_new_string_len(v->u.bytes->data, (int)v->u.bytes->len);
    case VAL_BINARY: {
        char *b64 = base64_encode(v->u.bytes->data, v->u.bytes->len);
        json_object *o = json_object_new_string(b64);
        free(b64);
        return o;
    }
    case VAL_LIST:
        return json_array_of(v->u.doc, 'a');
    case VAL_MAP:
        return json_map_of(v->u.doc);
    case VAL_NS:
        return json_array_of(v->u.doc, 'n');
    default: /* SS, BS */
        return json_array_of(v->u.doc, 's');
    }
}

/* ---- CAST ---------------------------------------------------------------- */

static const char *target_name(cast_target t)
{
    switch (t) {
    case CAST_TEXT:
        return "TEXT";
    case CAST_INTEGER:
        return "INTEGER";
    case CAST_DECIMAL:
        return "DECIMAL";
    case CAST_DOUBLE:
        return "DOUBLE";
    case CAST_BOOLEAN:
        return "BOOLEAN";
    }
    return "?";
}

static bool cast_fail(const value_t *v, cast_target t, const char *why, char *err, size_t errlen)
{
    if (v->type == VAL_STRING) {
        size_t n = v->u.bytes->len > 40 ? 40 : v->u.bytes->len;
        snprintf(err, errlen, "cannot cast STRING '%.*s%s' to %s: %s", (int)n, v->u.bytes->data,
                 n < v->u.bytes->len ? "..." : "", target_name(t), why);
    } else {
        snprintf(err, errlen, "cannot cast %s to %s: %s", value_type_name(v->type), target_name(t),
                 why);
    }
    return false;
}

/* The string without surrounding ASCII whitespace. */
static const char *trimmed(const vbytes *b, size_t *len)
{
    const char *s = b->data;
    size_t n = b->len;
    while (n && isspace((unsigned char)*s)) {
        s++;
        n--;
    }
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    *len = n;
    return s;
}

static bool to_text(const value_t *v, value_t *out)
{
    char buf[DEC_STR_MAX];
    switch (v->type) {
    case VAL_STRING:
        *out = value_copy(v);
        return true;
    case VAL_BOOL:
        *out = value_cstring(v->u.b ? "true" : "false");
        return true;
    case VAL_NUMBER:
        *out = value_cstring(value_number_text(v, buf));
        return true;
    case VAL_DOUBLE:
        *out = value_cstring(double_text(v->u.f, buf));
        return true;
    case VAL_BINARY: {
        char *b64 = base64_encode(v->u.bytes->data, v->u.bytes->len);
        *out = value_cstring(b64);
        free(b64);
        return true;
    }
    default: {
        json_object *j = value_to_json(v);
        *out = value_cstring(json_compact(j));
        json_object_put(j);
        return true;
    }
    }
}

/* Any value that has a decimal reading: NUMBER, DOUBLE, BOOL, numeric text. */
static bool to_dec(const value_t *v, cast_target t, dec_t *d, char *err, size_t errlen)
{
    switch (v->type) {
    case VAL_NUMBER:
        *d = v->u.num.d;
        return true;
    case VAL_BOOL:
        dec_from_int64(v->u.b, d);
        return true;
    case VAL_DOUBLE:
        if (!isfinite(v->u.f))
            return cast_fail(v, t, "not a finite number", err, errlen);
        if (fabs(v->u.f) < 1e-130) {
            dec_from_int64(0, d);
            return true;
        }
        if (dec_from_double(v->u.f, d) != DEC_OK)
            return cast_fail(v, t, "out of range", err, errlen);
        return true;
    case VAL_STRING: {
        size_t n;
        const char *s = trimmed(v->u.bytes, &n);
        dec_status st = dec_parse(s, n, true, d);
        if (st != DEC_OK)
            return cast_fail(v, t, dec_status_str(st), err, errlen);
        return true;
    }
    default:
        return cast_fail(v, t, "no numeric reading", err, errlen);
    }
}

static bool to_double(const value_t *v, double *f, char *err, size_t errlen)
{
    if (v->type == VAL_DOUBLE) {
        *f = v->u.f;
        return true;
    }
    if (v->type == VAL_STRING) {
        size_t n;
        const char *s = trimmed(v->u.bytes, &n);
        char tmp[128];
        if (n == 0 || n >= sizeof tmp || memchr(s, 'x', n) || memchr(s, 'X', n))
            return cast_fail(v, CAST_DOUBLE, "not a valid number", err, errlen);
        memcpy(tmp, s, n);
        tmp[n] = '\0';
        char *end;
        errno = 0;
        double x = strtod(tmp, &end);
        if (*end != '\0')
            return cast_fail(v, CAST_DOUBLE, "not a valid number", err, errlen);
        if (errno == ERANGE && isinf(x))
            return cast_fail(v, CAST_DOUBLE, "out of range", err, errlen);
        *f = x;
        return true;
    }
    dec_t d;
    if (!to_dec(v, CAST_DOUBLE, &d, err, errlen))
        return false;
    *f = dec_to_double(&d);
    return true;
}

static bool to_bool(const value_t *v, bool *b, char *err, size_t errlen)
{
    switch (v->type) {
    case VAL_BOOL:
        *b = v->u.b;
        return true;
    case VAL_NUMBER:
        *b = !dec_is_zero(&v->u.num.d);
        return true;
    case VAL_DOUBLE:
        if (isnan(v->u.f))
            return cast_fail(v, CAST_BOOLEAN, "NaN has no truth value", err, errlen);
        *b = v->u.f != 0;
        return true;
    case VAL_STRING: {
        static const char *const yes[] = {"true", "t", "yes", "y", "on", "1"};
        static const char *const no[] = {"false", "f", "no", "n", "off", "0"};
        size_t n;
        const char *s = trimmed(v->u.bytes, &n);
        for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
            if (n == strlen(yes[i]) && !strncasecmp(s, yes[i], n)) {
                *b = true;
                return true;
            }
            if (n == strlen(no[i]) && !strncasecmp(s, no[i], n)) {
                *b = false;
                return true;
            }
        }
        return cast_fail(v, CAST_BOOLEAN, "expected true or false", err, errlen);
    }
    default:
        return cast_fail(v, CAST_BOOLEAN, "no truth value", err, errlen);
    }
}

bool value_cast(const value_t *v, cast_target target, value_t *out, char *err, size_t errlen)
{
    *out = value_null();
    if (v->type == VAL_NULL)
        return true;
    switch (target) {
    case CAST_TEXT:
        return to_text(v, out);
    case CAST_INTEGER: {
        dec_t d;
        int64_t i;
        if (!to_dec(v, target, &d, err, errlen))
            return false;
        if (dec_to_int64(&d, &i) != DEC_OK)
            return cast_fail(v, target, "out of range for a 64-bit integer", err, errlen);
        *out = value_int(i);
        return true;
    }
    case CAST_DECIMAL: {
        if (v->type == VAL_NUMBER) {
            *out = value_copy(v);
            return true;
        }
        dec_t d;
        if (!to_dec(v, target, &d, err, errlen))
            return false;
        *out = value_number(&d);
        return true;
    }
    case CAST_DOUBLE: {
        double f = 0;
        if (!to_double(v, &f, err, errlen))
            return false;
        *out = value_double(f);
        return true;
    }
    case CAST_BOOLEAN: {
        bool b = false;
        if (!to_bool(v, &b, err, errlen))
            return false;
        *out = value_bool(b);
        return true;
    }
    }
    snprintf(err, errlen, "unknown CAST target");
    return false;
}
