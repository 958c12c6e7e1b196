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
#include "sql/ddb_page_decode.h"
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
    /* row mode (ddb_pages_decode_rows): page[] holds each answer's summary */
    ddb_shape *shape;      /* owned; NULL in item mode */
    const ddb_path *paths; /* borrowed, for a row source */
    int nslots;
    bool keep_last;
    ddb_page *rows; /* per segment: this round's rows */
    bool have_last; /* the last row returned is rows[last_seg]'s row last_row */
    int last_seg;
    size_t last_row;
    json_object *last; /* that row's item, once its page is gone (owned) */
} ddb_pages;

/* Takes req; start_key (borrowed, may be NULL) resumes a sequential read
 * after that key. segments < 1 counts as 1. */
void ddb_pages_init(ddb_pages *p, ddb_client *c, ddb_op op, json_object *req, int segments,
                    json_object *start_key);
/* 1: *item is the next item (borrowed until the next call); 0: no more;
 * -1: the query must stop (ctx has why). */
int ddb_pages_next(ddb_pages *p, exec_ctx *ctx, json_object **item);
void ddb_pages_free(ddb_pages *p);

/* Row mode, set right after init: the answers are decoded straight into
 * rows of paths[0..nslots) (sql/ddb_page_decode.h; paths borrowed, they
 * must outlive p), read with ddb_pages_next_row instead of
 * ddb_pages_next. With keep_last, ddb_pages_last_item can give the item
 * behind the last row (for a cursor's resume key). */
void ddb_pages_decode_rows(ddb_pages *p, const ddb_path *paths, int nslots, bool keep_last);
/* 1: row[0..nslots) holds the next row's values (owned); 0: no more; -1:
 * the query must stop (ctx has why). */
int ddb_pages_next_row(ddb_pages *p, exec_ctx *ctx, value_t *row);
/* The item behind the last row returned (a new reference), or NULL (none
 * yet, no keep_last, or rows from a row source). */
json_object *ddb_pages_last_item(const ddb_pages *p);

/* A row source answers a row-mode read's requests with rows already
 * decoded, in place of the client: the CPU benchmark's "engine only" mode
 * (bench/sql) measures the engine without DynamoDB's JSON this way, through
 * the same reader operator. It fills out as ddb_page_decode would
 * (ddb_page_decode.h; out->summary is already an empty object and may
 * receive a LastEvaluatedKey, which comes back as ExclusiveStartKey) or
 * returns false with a message. Calls are counted in ctx->stats as
 * DynamoDB's would be (items read = rows given). Installed per client; NULL
 * removes it. Not for production configurations. */
typedef bool (*ddb_row_source_fn)(void *ctx, ddb_op op, json_object *req, const ddb_path *paths,
                                  int nslots, ddb_page *out, char *err, size_t errlen);
void ddb_pages_set_row_source(ddb_client *c, ddb_row_source_fn fn, void *ctx);

#endif
