/* The SQL value the engine computes with.
 *
 * Ownership: a value_t is a small struct passed by value; its heap payload
 * (string/binary bytes, a number's original text, a document) is immutable
 * and reference counted. Each value_t variable owns one reference:
 * value_copy() shares the payload in O(1), value_free() drops the reference
 * and resets the value to NULL. Every constructor returns an owned value.
 * Counts are not atomic: a worker is single-threaded.
 *
 * Numbers: NUMBER is an exact decimal (decimal.h). A number read from
 * DynamoDB or a SQL literal keeps its original text when that text is a valid
 * JSON number, and that text is what output writes, so pass-through numbers
 * are byte-exact. Computed numbers have no text and format canonically
 * (keeping their scale: 1.50 + 1 = 2.50). DOUBLE exists only for CAST AS
 * DOUBLE and functions that need binary floating point.
 *
 * Documents (LIST, MAP, SS, NS, BS) hold a json-c object in DynamoDB JSON
 * form, without the type wrapper:
 *   LIST: array of AttributeValues    [{"S":"a"},{"N":"1"}]
 *   MAP:  object of AttributeValues   {"k":{"BOOL":true}}
 *   SS: array of strings; NS: array of N strings; BS: array of base64 strings.
 * They are validated when built from DynamoDB JSON (ddb_value.h).
 *
 * Order (value_order, for ORDER BY / DISTINCT / GROUP BY): NULL first, then
 * by type rank: BOOL < numbers (NUMBER and DOUBLE compare numerically with
 * each other) < STRING < BINARY < LIST < MAP < SS < NS < BS. Within a type:
 * false < true; numbers numerically (a NaN double after every number);
 * strings and binaries bytewise (UTF-8 bytewise = code point order);
 * documents by a canonical encoding (map keys sorted, sets sorted, numbers
 * normalized), which is total and consistent with equality but not meant to
 * be meaningful. value_hash agrees with value_order == 0: 1 and 1.0 and the
 * double 1.0 hash alike. */
#ifndef DDBSQL_SQL_VALUE_H
#define DDBSQL_SQL_VALUE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sql/decimal.h"

typedef enum value_type {
    VAL_NULL = 0,
    VAL_BOOL,
    VAL_NUMBER,
    VAL_DOUBLE,
    VAL_STRING,
    VAL_BINARY,
    VAL_LIST,
    VAL_MAP,
    VAL_SS,
    VAL_NS,
    VAL_BS,
} value_type;

/* An immutable, reference-counted byte string (NUL-terminated for
 * convenience; len excludes the NUL and may include NULs for binaries). */
typedef struct vbytes {
    size_t refs;
    size_t len;
    char data[];
} vbytes;

typedef struct value {
    value_type type;
    union {
        bool b;
        struct {
            dec_t d;
            vbytes *text; /* original text, or NULL */
        } num;
        double f;
        vbytes *bytes;    /* STRING (UTF-8), BINARY */
        json_object *doc; /* LIST, MAP, SS, NS, BS */
    } u;
} value_t;

/* "NULL", "BOOLEAN", "NUMBER", "DOUBLE", "STRING", "BINARY", "LIST", "MAP",
 * "SS", "NS", "BS". */
const char *value_type_name(value_type t);
/* The rank used by value_order (NUMBER and DOUBLE share one). */
int value_type_rank(value_type t);

/* Inline, as value_free is: the executor makes and drops NULLs per row. */
static inline value_t value_null(void)
{
    return (value_t){.type = VAL_NULL};
}
value_t value_bool(bool b);
value_t value_int(int64_t i);
value_t value_number(const dec_t *d);
/* A number with its original text (kept only when it is a valid JSON number). */
value_t value_number_with_text(const dec_t *d, const char *text, size_t len);
/* Parses a DynamoDB N string or SQL literal, keeping the text. */
dec_status value_number_parse(const char *s, size_t len, value_t *out);
value_t value_double(double f);
/* Copies the bytes. */
value_t value_string(const char *s, size_t len);
value_t value_cstring(const char *s);
value_t value_binary(const void *p, size_t len);
/* type is LIST, MAP, SS, NS or BS; takes a new reference to doc (the
 * caller keeps its own). The shape is the caller's responsibility. */
value_t value_doc(value_type type, json_object *doc);

value_t value_copy(const value_t *v);
/* value_free's work for a value that holds a payload (out of line). */
void value_free_payload(value_t *v);
static inline void value_free(value_t *v)
{
    if (v->type == VAL_NUMBER ? v->u.num.text != NULL : v->type >= VAL_STRING)
        value_free_payload(v);
    *v = value_null();
}

static inline bool value_is_null(const value_t *v)
{
    return v->type == VAL_NULL;
}

/* A number's output text: the original text, or its canonical form written
 * into buf. */
const char *value_number_text(const value_t *v, char buf[DEC_STR_MAX]);

/* SQL comparison (=, <, ...). VCMP_NULL when either side is NULL (the result
 * is unknown). VCMP_MISMATCH when the types cannot be compared (a string and
 * a number, say): like DynamoDB's condition expressions, the caller treats
 * = and the orderings as false and <> as true. Documents compare for
 * equality only: unequal documents of one type give VCMP_MISMATCH. */
typedef enum vcmp { VCMP_LT = -1, VCMP_EQ = 0, VCMP_GT = 1, VCMP_NULL = 2, VCMP_MISMATCH = 3 } vcmp;
vcmp value_compare(const value_t *a, const value_t *b);

/* Total order (see above): negative, zero or positive. NULL equals NULL. */
int value_order(const value_t *a, const value_t *b);
bool value_equal(const value_t *a, const value_t *b);
uint64_t value_hash(const value_t *v);

typedef enum cast_target {
    CAST_TEXT,
    CAST_INTEGER, /* a NUMBER with an integral value in int64, rounded half away from zero */
    CAST_DECIMAL,
    CAST_DOUBLE,
    CAST_BOOLEAN,
} cast_target;

/* CAST(v AS target). NULL casts to NULL. On failure returns false, leaves
 * *out NULL and writes a message ("cannot cast STRING 'abc' to INTEGER: not
 * a valid number"). Text of numbers is their output text; of binaries,
 * base64; of documents, their JSON. Text to BOOLEAN accepts true/false,
 * t/f, yes/no, y/n, on/off, 1/0 (case-insensitive, surrounding spaces ignored). */
bool value_cast(const value_t *v, cast_target target, value_t *out, char *err, size_t errlen);

/* The value as plain JSON for results (a new reference; NULL for SQL NULL,
 * which json-c writes as null). Numbers are JSON numbers written from their
 * exact text; maps and lists are objects and arrays; sets are arrays;
 * binaries are base64 strings. A NaN or infinite DOUBLE, which JSON cannot
 * represent, is the string "NaN", "Infinity" or "-Infinity". */
json_object *value_to_json(const value_t *v);

/* Plain-JSON conversion of one DynamoDB AttributeValue (assumed valid), used
 * for documents; NULL for {"NULL":true}. */
json_object *value_av_to_json(json_object *av);

#endif
