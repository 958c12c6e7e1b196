/* The items of a Query or Scan, page by page, fetched only while pulled:
 * the next page (with ExclusiveStartKey = the last LastEvaluatedKey) is
 * requested when the current one is used up, so a consumer that stops
 * early (LIMIT) reads no further. Empty pages (everything filtered out)
 * are skipped, each call still counted and guarded.
 *
 * A parallel Scan (segments > 1) reads in rounds: each round requests the
 * next page of every unfinished segment at once (ddb_call_many, with
 * Segment and TotalSegments), then yields that round's items in segment
 * order (segment 0's page, then segment 1's, ...). The order is therefore
 * deterministic for given data and page sizes; when every segment fits one
 * page it is simply segment 0's items, then segment 1's, and so on. Memory
 * holds at most one page per segment. */
#ifndef DDBSQL_SQL_DDB_PAGES_H
#define DDBSQL_SQL_DDB_PAGES_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/aws/ddb_client.h"
#include "sql/exec.h"

typedef struct ddb_pages {
    ddb_client *client;
    ddb_op op;
    json_object *req; /* the first page's request (owned) */
    int segments;
    /* per segment */
    json_object **resume; /* LastEvaluatedKey to go on from (owned), NULL when done */
    json_object **page;   /* this round's answer (owned), NULL when none */
    bool *started;
    /* position in this round */
    bool in_round;
    int seg;
    size_t idx;
    bool finished;
} ddb_pages;

/* Takes req; start_key (borrowed, may be NULL) resumes a sequential read
 * after that key. segments < 1 counts as 1. */
void ddb_pages_init(ddb_pages *p, ddb_client *c, ddb_op op, json_object *req, int segments,
                    json_object *start_key);
/* 1: *item is the next item (borrowed until the next call); 0: no more;
 * -1: the query must stop (ctx has why). */
int ddb_pages_next(ddb_pages *p, exec_ctx *ctx, json_object **item);
void ddb_pages_free(ddb_pages *p);

#endif
