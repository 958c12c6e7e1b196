/* Chooses how to read one table reference: the cheapest access that returns
 * every row the query needs.
 *
 * Inputs are the table's description (catalog_describe_table's document:
 * key_schema, indexes with projections, item counts, and the sparse flags
 * from sampling), the WHERE/ON conjuncts that involve only this table (bound
 * expressions over its row slots; BX_OUTER reads of enclosing rows count as
 * constants), which slots the query needs, and an ORDER BY/LIMIT hint.
 *
 * Choice, cheapest first:
 *   GetItem       full primary key equal to constants;
 *   BatchGetItem  partition key IN (...) (times sort key = or IN) on the full key;
 *   Query         partition-key equality on the table, a GSI or an LSI, with
 *                 the best sort-key condition (=, <, <=, >, >=, BETWEEN,
 *                 LIKE 'p%' as begins_with); among candidates the one
 *                 estimated to read the fewest items (item_count divided by
 *                 the distinct partition keys, narrowed by a sort-key
 *                 condition), preferring one that satisfies ORDER BY;
 *   Scan          otherwise; parallel segments when item_count is large.
 * An index is used only when its projection covers the needed attributes,
 * or else with fetch_by_key. A sparse index (one whose key attributes some
 * items lack) is used only when the conjuncts imply its key attributes are
 * present (equality or a range on them), so no row is dropped. */
#ifndef DDBSQL_SQL_ACCESS_PATH_H
#define DDBSQL_SQL_ACCESS_PATH_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "sql/bexpr.h"
#include "sql/ddb_read.h"

typedef struct access_input {
    json_object *desc; /* borrowed: catalog_describe_table's result */
    ddb_client *client;
    const char *label; /* for EXPLAIN */
    bexpr **conj;      /* borrowed; key conditions are cloned into the spec */
    int nconj;
    const ddb_path *slot_paths; /* borrowed; copied into the spec */
    int nslots;
    int order_slot; /* ORDER BY on this slot alone, or -1 */
    bool order_desc;
    int64_t limit_hint; /* rows the query needs from this read (-1: all) */
    int max_segments;   /* upper bound on parallel Scan segments */
} access_input;

typedef struct access_choice {
    ddb_read_spec spec;   /* ready for op_ddb_read (owned) */
    bool order_satisfied; /* rows come out in the ORDER BY order */
    double est_items;     /* items DynamoDB is expected to read */
    char reason[256];     /* one line for EXPLAIN: why this path */
} access_choice;

/* Fills out. False (with a message) only on a malformed description. */
bool access_choose(const access_input *in, access_choice *out, char *err, size_t errlen);

#endif
