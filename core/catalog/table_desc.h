/* Turns DynamoDB's DescribeTable answer into ddbsql's table description:
 * the key schema, every index (the table's primary key first, as index
 * "PRIMARY"), projections, counts and sizes. The SQL planner reads the
 * same document, so its shape is part of the product's contract. */
#ifndef DDBSQL_TABLE_DESC_H
#define DDBSQL_TABLE_DESC_H

#include <json-c/json.h>

/* table is DescribeTable's "Table" object. Returns a new document:
 * {table_name, item_count, size_bytes, status, billing_mode,
 *  key_schema:{partition_key:{name,type}, sort_key?:{name,type}},
 *  indexes:[{name, type:"PRIMARY"|"GSI"|"LSI", hashKey, hashKeyType,
 *            sortKey?, sortKeyType?, projection:{type, attributes?},
 *            item_count?, status?}]}
 * or NULL when the answer lacks a usable key schema. */
json_object *table_desc_from_ddb(json_object *table);

#endif
