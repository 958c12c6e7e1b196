/* Reading DynamoDB for the executor: the operators that turn a planned
 * access (GetItem, BatchGetItem, Query on a table or index, Scan) into rows,
 * and the batched key-lookup join.
 *
 * A row holds one value per slot: slot_paths[i] is the attribute path read
 * into row[i] (ddb_item_get: missing is NULL); a path with n == 0 means the
 * whole item as a MAP value (SELECT *). Only the GetItem, BatchGetItem, Query
 * and Scan operations are ever sent.
 *
 * Requests: names and values always travel as ExpressionAttributeNames
 * (#n0, #n1, ...) and ExpressionAttributeValues (:v0, :v1, ...) placeholders;
 * ProjectionExpression lists the top-level attributes of slot_paths plus the
 * table's key attributes (omitted when a slot wants the whole item);
 * ReturnConsumedCapacity is TOTAL. Every call is counted in ctx->stats (the
 * engine's trace hook on the client does the summing) and followed by
 * exec_check_limits, so the cost guard stops a read between pages. */
#ifndef DDBSQL_SQL_DDB_READ_H
#define DDBSQL_SQL_DDB_READ_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/aws/ddb_client.h"
#include "sql/bexpr.h"
#include "sql/ddb_value.h"
#include "sql/exec.h"
#include "sql/exec_ops.h"

typedef enum acc_kind { ACC_GET, ACC_BATCH_GET, ACC_QUERY, ACC_SCAN } acc_kind;

/* The sort-key condition of a Query. */
typedef enum skc_kind {
    SKC_NONE,
    SKC_EQ,
    SKC_LT,
    SKC_LE,
    SKC_GT,
    SKC_GE,
    SKC_BETWEEN,
    SKC_BEGINS_WITH,
} skc_kind;

/* Key values are bexprs evaluated at open with no current row: constants,
 * or BX_OUTER reads of an enclosing row (a correlated subquery becomes a
 * Query per outer row). A value whose type does not fit the key attribute's
 * type (a STRING for an N key), or NULL, matches nothing: the operator
 * returns no rows without calling DynamoDB, which is what SQL's = would
 * give. */
typedef struct ddb_read_spec {
    acc_kind kind;
    ddb_client *client; /* borrowed; outlives the operator */
    char *table;        /* physical table name */
    char *index;        /* NULL: the table itself */
    char *label;        /* "demo.orders" (or "demo.orders AS o") for EXPLAIN */
    /* The table's primary key (always), and the key of the index read. */
    char *table_pk, *table_sk;         /* table_sk NULL when none */
    char table_pk_type, table_sk_type; /* 'S', 'N' or 'B' */
    char *key_pk, *key_sk;             /* of the index read (= the table's for the table) */
    char key_pk_type, key_sk_type;
    /* ACC_GET, ACC_QUERY: partition key = pk_value; ACC_GET also sort key = sk_value. */
    bexpr *pk_value;
    bexpr *sk_value;
    /* ACC_QUERY's sort-key condition (sk_lo alone for one-sided ops and
       BEGINS_WITH; sk_lo AND sk_hi for BETWEEN). */
    skc_kind skc;
    bexpr *sk_lo, *sk_hi;
    /* ACC_BATCH_GET: nkeys keys (pk, and sk when the table has one). */
    bexpr **batch_pk;
    bexpr **batch_sk;
    int nkeys;
    /* Conjuncts (over this operator's row slots, constants only on the
       other side) sent as the FilterExpression; the planner keeps them in
       its C filter too, so a translation may be looser than SQL (return
       more), never stricter. Those ddb_filter_pushable refuses are not here. */
    bexpr **filters;
    int nfilters;
    /* Output */
    ddb_path *slot_paths;
    int nslots;
    bool forward; /* Query: ScanIndexForward */
    /* A page-size hint: the rows the consumer probably needs (-1: unknown).
       Used as each request's Limit; correctness never depends on it, since
       the operator keeps paging for as long as it is pulled. */
    int64_t limit_hint;
    int segments; /* Scan: parallel segments, 1 = sequential. Rows come in rounds (one
                     page per unfinished segment at once), each round in segment order:
                     deterministic; see sql/ddb_pages.h */
    /* The index does not project every needed attribute: read it for the
       keys, then BatchGetItem the full items from the table. */
    bool fetch_by_key;
    /* Resume a Query/Scan after this key (a cursor); NULL to start. */
    json_object *start_key;
    /* For EXPLAIN: why this access was chosen and what it is expected to
       read (the planner's access_choice.reason); NULL for none. */
    char *note;
} ddb_read_spec;

/* Frees everything a spec owns (strings, bexprs, paths, start_key, note). */
void ddb_read_spec_clear(ddb_read_spec *s);

/* The operator reading spec (takes ownership of its contents; the struct
 * itself is copied). width = nslots. */
op_t *op_ddb_read(ddb_read_spec *spec);

/* For a cursor: the primary key (plus the index key, for an index Query) of
 * the last item op returned, as an AttributeValue map to use as
 * ExclusiveStartKey (a new reference), or NULL when the operator cannot
 * resume (BatchGetItem, GetItem, a parallel Scan, fetch_by_key) or returned
 * nothing. */
json_object *op_ddb_resume_key(const op_t *op);

/* Join by key lookups: for each batch of up to 100 left rows, evaluate
 * pk_expr (and sk_expr) over the left row and read the matching right items:
 * BatchGetItem when the keys give the right table's full primary key
 * (unprocessed keys retried with backoff), else a Query per distinct
 * partition key. right describes the right table (kind is ignored; its key
 * fields, filters, slot_paths and label are used). Output row = left columns
 * then right->nslots columns. residual (over the output row, may be NULL)
 * must be TRUE for a match. kind is JOIN_INNER or JOIN_LEFT. Left row order
 * is kept. The right's filters are sent with each Query and also checked on
 * every right item (a BatchGetItem cannot take them), so a right item
 * matches only when they hold. */
op_t *op_ddb_lookup_join(op_t *left, bexpr *pk_expr, bexpr *sk_expr, ddb_read_spec *right,
                         bexpr *residual, join_kind kind);

/* True when DynamoDB can evaluate conjunct e as a FilterExpression given
 * the slot paths: comparisons, BETWEEN, IN (up to 100 values), LIKE 'p%' as
 * begins_with, IS [NOT] NULL, CONTAINS, SIZE comparisons and AND/OR of
 * these, between a slot and constants, translated so that DynamoDB returns
 * at least every item SQL would keep. */
bool ddb_filter_pushable(const bexpr *e, const ddb_path *slot_paths, int nslots);

#endif
