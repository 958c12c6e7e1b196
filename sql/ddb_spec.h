/* The DynamoDB requests of a planned read (ddb_read_spec): key values
 * fitted to the key attributes' types, the GetItem, Query, Scan and
 * BatchGetItem bodies with their expressions (sql/ddb_expr.h), and the rows
 * of the items that come back.
 *
 * Shapes (members in this order; placeholders numbered in order of use:
 * key condition, filter, projection):
 *   GetItem       {"TableName","Key","ProjectionExpression"?,
 *                  "ExpressionAttributeNames"?,"ConsistentRead":false,
 *                  "ReturnConsumedCapacity":"TOTAL"}
 *   Query         {"TableName","IndexName"?,"KeyConditionExpression",
 *                  "FilterExpression"?,"ProjectionExpression"?,
 *                  "ExpressionAttributeNames","ExpressionAttributeValues",
 *                  "ScanIndexForward","Limit"?,"ConsistentRead":false,
 *                  "ReturnConsumedCapacity":"TOTAL"}
 *   Scan          {"TableName","IndexName"?,"FilterExpression"?,
 *                  "ProjectionExpression"?,"ExpressionAttributeNames"?,
 *                  "ExpressionAttributeValues"?,"Limit"?,
 *                  "ConsistentRead":false,"ReturnConsumedCapacity":"TOTAL"}
 *   BatchGetItem  {"RequestItems":{"<table>":{"Keys":[...],
 *                  "ProjectionExpression"?,"ExpressionAttributeNames"?,
 *                  "ConsistentRead":false}},"ReturnConsumedCapacity":"TOTAL"}
 * The pager adds ExclusiveStartKey (and Segment, TotalSegments) to Query
 * and Scan. The projection lists the slots' top-level attributes and the
 * table's key attributes, plus the index's for an index read (a cursor
 * resumes from them); it is left out when a slot wants the whole item. A
 * keys-only read (the index side of fetch_by_key) projects just the table's
 * key; its filters are still sent (the planner gives it only filters on
 * attributes the index projects). */
#ifndef DDBSQL_SQL_DDB_SPEC_H
#define DDBSQL_SQL_DDB_SPEC_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "sql/ddb_read.h"

/* DynamoDB's limits on key values, in bytes. */
#define DDB_PK_MAX_BYTES 2048
#define DDB_SK_MAX_BYTES 1024

/* The AttributeValue (a new reference) of v as a key attribute of type
 * 'S', 'N' or 'B', or NULL when no stored key can equal v: SQL NULL, another
 * type, empty, longer than max_len bytes (0: no limit), or a DOUBLE that is
 * not a finite number in DynamoDB's range. */
json_object *ddb_key_av(const value_t *v, char type, size_t max_len);

/* Evaluates e over row (NULL at open) into *av for a key of type: 1 when
 * it fits, 0 when it matches nothing (*av NULL), -1 on an evaluation error
 * (ctx has it). With v non-NULL, *v receives the value too (owned; NULL
 * unless 1 is returned), for deduplication. */
int ddb_key_eval(exec_ctx *ctx, const bexpr *e, const value_t *row, char type, size_t max_len,
                 json_object **av, value_t *v);

/* {"<pk>": pk_av, "<sk>": sk_av} taking both (sk and sk_av may be NULL). */
json_object *ddb_key_object(const char *pk, json_object *pk_av, const char *sk, json_object *sk_av);

/* names[0..n) (NULL entries skipped) of item, as a new object sharing the
 * AttributeValues; NULL when the item lacks one. */
json_object *ddb_item_key(json_object *item, const char *const *names, int n);

/* Fills row[0..n) from item: slot i reads paths[i] (missing: NULL), a
 * path with no steps is the whole item as a MAP. False (ctx has the error,
 * row left NULL) when an attribute DynamoDB returned is malformed. */
bool ddb_item_row(exec_ctx *ctx, const ddb_path *paths, int n, json_object *item, value_t *row);

/* The Query's sort-key condition: s->skc over s->sk_lo/sk_hi evaluated
 * with no row (at open), fitted to the index's sort key. *skc starts as
 * s->skc and may become SKC_NONE (an empty-string lower bound or prefix
 * excludes nothing) or SKC_LE (BETWEEN '' AND x); *empty says no key can
 * satisfy it (NULL or another type: SQL's comparison is then false for
 * every item too; BETWEEN with lo > hi, which DynamoDB would reject). A
 * DOUBLE outside DynamoDB's number range is an error. False on error (ctx
 * has it); *lo and *hi receive the values to send (new references). */
bool ddb_spec_sk_condition(const ddb_read_spec *s, exec_ctx *ctx, skc_kind *skc, json_object **lo,
                           json_object **hi, bool *empty);

/* GetItem of key (taken). */
json_object *ddb_spec_get_request(const ddb_read_spec *s, json_object *key);

/* Query on s's table or index with partition key pk_av and sort-key
 * condition skc over lo/hi (all taken; see ddb_expr_key_condition) and s's
 * filters (constants evaluated in ctx). */
json_object *ddb_spec_query_request(const ddb_read_spec *s, exec_ctx *ctx, json_object *pk_av,
                                    skc_kind skc, json_object *lo, json_object *hi, bool keys_only);

/* Scan of s's table or index. */
json_object *ddb_spec_scan_request(const ddb_read_spec *s, exec_ctx *ctx, bool keys_only);

/* BatchGetItem's KeysAndAttributes for s's table, without "Keys": the
 * projection of s's slots and the table's key. */
json_object *ddb_spec_batch_entry(const ddb_read_spec *s);

#endif
