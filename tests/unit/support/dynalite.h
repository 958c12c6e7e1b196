/* A real dynalite (the in-memory DynamoDB in deploy/local/node_modules) for
 * unit tests that read DynamoDB: started on a free loopback port, with a
 * writer for test setup (CreateTable, BatchWriteItem), which ddbsql's own
 * read-only client cannot send. Failures abort with a message. */
#ifndef DDBSQL_TEST_DYNALITE_H
#define DDBSQL_TEST_DYNALITE_H

#include <json-c/json.h>

typedef struct dynalite dynalite;

/* Starts dynalite and waits until it listens. NULL when node is not
 * installed (the caller skips); aborts when the dynalite CLI is missing
 * (run `make deps`). Found from the repository root or below it. */
dynalite *dynalite_start(void);
void dynalite_stop(dynalite *d);
/* "http://127.0.0.1:<port>" */
const char *dynalite_url(const dynalite *d);

/* Sends one request of any operation ("CreateTable") and returns the answer
 * (the caller puts it); aborts on an error answer. */
json_object *dynalite_call(dynalite *d, const char *op, const char *json);
/* CreateTable from its JSON; waits until the table is ACTIVE. */
void dynalite_create_table(dynalite *d, const char *json);
/* Writes items (a JSON array of items in AttributeValue form) into table,
 * 25 per BatchWriteItem. */
void dynalite_put_items(dynalite *d, const char *table, const char *items_json);

#endif
