/* Decoding DynamoDB Query, Scan and BatchGetItem answers straight from
 * their JSON text into rows, without a json-c object per item.
 *
 * A shape (the reader's slot paths, sql/ddb_read.h) says what each row
 * holds: slot i is the value at paths[i] (ddb_item_get's rules, see
 * sql/ddb_value.h: S, N with its exact text, B decoded from base64, BOOL,
 * NULL as SQL NULL, M, L, SS, NS, BS as documents; missing, or a step that
 * does not fit, is NULL); a path with no steps is the whole item as a MAP.
 * ddb_page_decode reads the whole text once: it validates it as strict
 * JSON (RFC 8259, UTF-8, nesting at most DDB_PAGE_MAX_DEPTH), parses the
 * small parts of the answer (Count, ScannedCount, ConsumedCapacity,
 * LastEvaluatedKey, UnprocessedKeys, anything else) with json-c into the
 * page's summary, and records where each item's slot values are.
 * ddb_page_take_row then makes one row's values from the kept text (a
 * string is allocated just before the row is used, a number parsed, a
 * document or whole item parsed by json-c from its own text); a value that
 * breaks DynamoDB's rules (an N that is not a number, a B that is not
 * base64) is refused there, naming the item and attribute.
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

struct ddb_vref; /* where a slot's value is in the text (ddb_page_decode.c) */

typedef struct ddb_page {
    int nslots;
    size_t nitems;
    size_t taken;          /* rows handed out by ddb_page_take_row */
    value_t *rows;         /* a row source's rows (ddb_pages.h), nitems * nslots owned
                              values (NULL once taken); NULL for a decoded answer */
    struct ddb_vref *refs; /* decoded: nitems * nslots */
    char *text;            /* decoded: the answer's text (when it has items) */
    size_t len;
    size_t *spans;          /* decoded: item i is text[spans[2i] .. spans[2i+1]) */
    const ddb_shape *shape; /* borrowed: it must outlive the page */
    json_tokener *tok;      /* for documents, made on first use */
    json_object *summary;   /* the answer without its items (an object) */
} ddb_page;

typedef struct ddb_decode_opts {
    ddb_op op;         /* DDB_QUERY or DDB_SCAN: "Items"; DDB_BATCH_GET_ITEM:
                          "Responses"[table] (other tables' items are skipped) */
    const char *table; /* BatchGetItem */
} ddb_decode_opts;

/* Decodes text[0..len) into out (which the caller frees with ddb_page_free,
 * also after a failure; s must outlive it). False with a message saying
 * what and where ("... at byte 1234 (in item 3)"). */
bool ddb_page_decode(const ddb_shape *s, const ddb_decode_opts *o, const char *text, size_t len,
                     ddb_page *out, char *err, size_t errlen);

/* The next row's values into row[0..nslots) (owned). 1: a row; 0: every
 * row was taken; -1: a value breaks DynamoDB's rules (err says which, in
 * which item; row is left NULL). */
int ddb_page_take_row(ddb_page *p, value_t *row, char *err, size_t errlen);

/* Item i as a json-c object (a new reference), parsed from the kept text;
 * NULL past the end or for a row source's page. */
json_object *ddb_page_item(const ddb_page *p, size_t i);

void ddb_page_free(ddb_page *p);

#endif
