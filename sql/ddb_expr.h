/* DynamoDB expression text for the reader: KeyConditionExpression,
 * FilterExpression and ProjectionExpression. Every attribute name travels as
 * an ExpressionAttributeNames placeholder (#n0, #n1, ...: one per distinct
 * name) and every value as an ExpressionAttributeValues placeholder (:v0,
 * :v1, ...), so no text from the query or the data is ever spliced into an
 * expression. Placeholders are numbered in the order they are first used,
 * which makes requests deterministic (the planner golden tests compare them).
 *
 * Filters: ddb_expr_pushable says at plan time whether DynamoDB can evaluate
 * a conjunct; ddb_expr_filter writes the conjuncts at open, once constants
 * (including outer-row reads) have values. A translation may let DynamoDB
 * return more items than SQL keeps, never fewer, because the executor
 * re-checks every conjunct:
 *   - comparisons (=, <>, <, <=, >, >=) between an attribute path and a
 *     constant, in either order. SQL treats a type mismatch as false (true
 *     for <>), as DynamoDB does; a missing attribute is SQL NULL (the row is
 *     dropped) while DynamoDB's <> keeps it: more, which is fine. Orderings
 *     take STRING, NUMBER and BINARY constants; = and <> also BOOLEAN.
 *     Numbers compare as exact decimals in both (a DOUBLE is sent as the
 *     shortest decimal that round-trips, which is also what SQL compares).
 *   - BETWEEN as (p >= :lo AND p <= :hi) (DynamoDB's own BETWEEN rejects
 *     lo > hi); NOT BETWEEN is refused (a type mismatch makes SQL's NOT
 *     BETWEEN true but DynamoDB's p < :lo OR p > :hi false).
 *   - [NOT] IN with at most 100 constants (NULLs are left out of the list:
 *     they can never make IN true, and make NOT IN never true).
 *   - LIKE 'prefix%' (a literal prefix, no other wildcard) as begins_with.
 *   - IS NULL as (attribute_not_exists(p) OR attribute_type(p, :NULL)) and
 *     IS NOT NULL as (attribute_exists(p) AND NOT attribute_type(p, :NULL)):
 *     SQL NULL is a missing attribute or DynamoDB's NULL type.
 *   - CONTAINS(p, c) as contains(p, :c) (STRING, NUMBER or BINARY c).
 *   - SIZE(p) > c and SIZE(p) >= c (and BETWEEN's lower bound) as size(p):
 *     only lower bounds, because DynamoDB may measure a string in bytes or
 *     UTF-16 units where SQL counts characters, and both are at least the
 *     character count.
 *   - AND and OR of these. NOT is refused, except NOT IN and IS NOT NULL.
 * At open a conjunct is left out (the executor's filter still applies it)
 * when a constant turns out NULL, empty, a document, or fails to evaluate,
 * and when it would take the expression past DynamoDB's limits (4 KB of
 * text, 300 operators). Leaving out one side of an AND keeps the other; an
 * OR is sent whole or not at all. */
#ifndef DDBSQL_SQL_DDB_EXPR_H
#define DDBSQL_SQL_DDB_EXPR_H

#include <json-c/json.h>
#include <stdbool.h>

#include "core/base/buf.h"
#include "sql/bexpr.h"
#include "sql/ddb_read.h"
#include "sql/ddb_value.h"
#include "sql/exec.h"

/* DynamoDB's limits on one expression. */
#define DDB_EXPR_MAX_TEXT 4096
#define DDB_EXPR_MAX_OPS  300
#define DDB_EXPR_MAX_IN   100

/* The placeholders of one request. */
typedef struct ddb_expr {
    json_object *names;  /* "#n0" -> "name"; NULL until the first */
    json_object *values; /* ":v0" -> AttributeValue; NULL until the first */
    int nnames, nvalues;
    int null_type; /* the :v holding {"S":"NULL"} (attribute_type's operand), or -1 */
} ddb_expr;

void ddb_expr_init(ddb_expr *x);
void ddb_expr_free(ddb_expr *x);

/* Appends the placeholder of a top-level attribute name. */
void ddb_expr_name(ddb_expr *x, buf_t *out, const char *name);
/* Appends a path: "#n0.#n1[2]" (the path starts with a name). */
void ddb_expr_path(ddb_expr *x, buf_t *out, const ddb_path *p);
/* Appends a new value placeholder for av (takes ownership). */
void ddb_expr_value(ddb_expr *x, buf_t *out, json_object *av);

/* Adds the placeholders to req as ExpressionAttributeNames and
 * ExpressionAttributeValues (each only when non-empty: DynamoDB rejects
 * empty maps) and leaves x empty. */
void ddb_expr_attach(ddb_expr *x, json_object *req);

/* KeyConditionExpression: "#pk = :v" and, unless skc is SKC_NONE, the
 * sort-key part (" AND #sk < :v", " AND #sk BETWEEN :lo AND :hi",
 * " AND begins_with(#sk, :v)"). Takes ownership of the values (hi only for
 * BETWEEN; lo and hi may be NULL when unused). */
void ddb_expr_key_condition(ddb_expr *x, buf_t *out, const char *pk, json_object *pk_av,
                            const char *sk, skc_kind skc, json_object *lo, json_object *hi);

/* ProjectionExpression: the distinct top-level names of paths[0..npaths),
 * then of keys[0..nkeys) (NULL entries skipped), as "#n0, #n1". Writes
 * nothing and returns false when a path is the whole item (n == 0), or when
 * the list would pass DynamoDB's 4 KB: then the whole item is read. */
bool ddb_expr_projection(ddb_expr *x, buf_t *out, const ddb_path *paths, int npaths,
                         const char *const *keys, int nkeys);

/* Plan time: true when conjunct e can be sent as (part of) a
 * FilterExpression, its attribute side reading slots whose paths are
 * slot_paths[0..nslots). */
bool ddb_expr_pushable(const bexpr *e, const ddb_path *slot_paths, int nslots);

/* Open time: appends conj[0..n) (each one ddb_expr_pushable accepted; any
 * other is skipped) joined by " AND ", evaluating constants with
 * eval_expr(ctx, c, NULL, ...). Returns how many were written (0: send no
 * FilterExpression). A constant that fails to evaluate leaves its conjunct
 * out and leaves no error in ctx: the executor's filter reports it, if the
 * conjunct is ever evaluated for a row. */
int ddb_expr_filter(ddb_expr *x, buf_t *out, bexpr *const *conj, int n, const ddb_path *slot_paths,
                    int nslots, exec_ctx *ctx);

#endif
