/* Decoding DynamoDB Query, Scan and BatchGetItem answers straight from
 * their JSON text into rows, without a json-c object per item.
 *
 * A shape (the reader's slot paths, sql/ddb_read.h) says what each row
 * holds: slot i is the value at paths[i] (ddb_item_get's rules, see
 * sql/ddb_value.h: S, N with its exact text, B decoded from base64, BOOL,
 * NULL as SQL NULL, M, L, SS, NS, BS as documents; missing, or a step that
 * does not fit, is NULL); a path with no steps is the whole item as a MAP.
 * One pass over the text validates it as strict JSON (RFC 8259, UTF-8,
 * nesting at most DDB_PAGE_MAX_DEPTH) and fills the rows; only documents
 * (and whole items) become json-c objects, parsed from their own text. The
 * small parts of the answer (Count, ScannedCount, ConsumedCapacity,
 * LastEvaluatedKey, UnprocessedKeys, anything else) are parsed with json-c
 * into the page's summary.
 *
 * Differences from json_parse_strict + ddb_item_get, on answers DynamoDB
 * never sends: an item that is not an object, an Items that is not an
 * array, a second Items member, and an AttributeValue on a slot's path
 * with more than one member are errors here (json-c would give NULLs, or
 * the last duplicate). Everything json-c accepts as valid is decoded to
 * the same values. */
#ifndef DDBSQL_SQL_DDB_PAGE_DECODE_H
#define DDBSQL_SQL_DDB_PAGE_DECODE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/aws/ddb_client.h"
#include "sql/ddb_value.h"
#include "sql/value.h"

/* The longest answer decoded (the client's own cap on a response). */
#define DDB_PAGE_MAX_TEXT (16u << 20)
/* JSON nesting: an answer, its items and DynamoDB's 32 levels of documents
 * (two JSON levels each: the AttributeValue and its M or L). */
#define DDB_PAGE_MAX_DEPTH (8 + 2 * (DDB_MAX_DEPTH + 1))

/* Compiled slot paths (a tree of the steps they share). */
typedef struct ddb_shape ddb_shape;

/* paths[0..nslots) are copied. */
ddb_shape *ddb_shape_new(const ddb_path *paths, int nslots);
void ddb_shape_free(ddb_shape *s);
int ddb_shape_width(const ddb_shape *s);

typedef struct ddb_page {
    int nslots;
    size_t nitems;
    value_t *rows;        /* nitems * nslots owned values (NULL values once taken) */
    size_t taken;         /* rows handed out by ddb_page_take_row */
    char *text;           /* with keep_text: the answer's text, for ddb_page_item */
    size_t *spans;        /* with keep_text: item i is text[spans[2i] .. spans[2i+1]) */
    json_object *summary; /* the answer without its items (an object) */
} ddb_page;

typedef struct ddb_decode_opts {
    ddb_op op;         /* DDB_QUERY or DDB_SCAN: "Items"; DDB_BATCH_GET_ITEM:
                          "Responses"[table] (other tables' items are skipped) */
    const char *table; /* BatchGetItem */
    bool keep_text;    /* keep the text for ddb_page_item */
} ddb_decode_opts;

/* Decodes text[0..len) into out (which the caller frees with ddb_page_free,
 * also after a failure). False with a message saying what and where
 * ("item 3, attribute price: ..." or "... at byte 1234"). */
bool ddb_page_decode(const ddb_shape *s, const ddb_decode_opts *o, const char *text, size_t len,
                     ddb_page *out, char *err, size_t errlen);

/* Moves the next row's values into row[0..nslots); false when every row
 * was taken. */
bool ddb_page_take_row(ddb_page *p, value_t *row);

/* Item i as a json-c object (a new reference), parsed from the kept text;
 * NULL without keep_text or past the end. */
json_object *ddb_page_item(const ddb_page *p, size_t i);

void ddb_page_free(ddb_page *p);

#endif
