/* A small DynamoDB world for the planner and engine unit tests: a real
 * dynalite with four tables, a config whose default schema "demo" points at
 * it, and a catalog over that config (no Redis: the catalog caches in
 * memory). Header-only (static inline) so that it links nothing into the
 * unit tests that do not use it. Include after <cmocka.h>.
 *
 * The data (every DynamoDB type appears):
 *   users    user_id (S) only. u01..u12: name S, age N (20 + 3i), active BOOL
 *            (even i), address M {city S, zip S}; u01 also nickname NULL,
 *            tags SS, scores NS, avatar B, blobs BS, history L; u02 tags SS.
 *            u12 has nothing but its key.
 *   events   device (S) + ts (N). d1..d3 x ts 1..10 = 30 items: kind S
 *            (ts % 3: temp, door, boot), reading N (100 * d + ts); alert S
 *            on three items only (d1/10 high, d2/5 low, d3/7 high); note S on
 *            ts 1. GSI by_kind (kind, ts; ALL), sparse GSI by_alert (alert;
 *            KEYS_ONLY).
 *   devices  device (S). d1..d4: owner S (u01, u02, u01, u05), model S.
 *   nums     id (N). 1..5: sq N (id * id), odd BOOL. */
#ifndef DDBSQL_TEST_SQL_FIXTURE_H
#define DDBSQL_TEST_SQL_FIXTURE_H

#include "aws_test_env.h"
#include "dynalite.h"

#include "core/base/alloc.h"
#include "core/base/buf.h"
#include "core/catalog/catalog.h"
#include "core/conf/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct sqlfx {
    dynalite *dyn;
    config cfg;
    bool cfg_loaded;
    catalog *cat;
} sqlfx;

#define SQLFX_PT "\"ProvisionedThroughput\":{\"ReadCapacityUnits\":5,\"WriteCapacityUnits\":5}"

static inline void sqlfx_create_tables(dynalite *d)
{
    dynalite_create_table(
        d, "{\"TableName\":\"users\",\"AttributeDefinitions\":[{\"AttributeName\":\"user_id\","
           "\"AttributeType\":\"S\"}],\"KeySchema\":[{\"AttributeName\":\"user_id\",\"KeyType\":"
           "\"HASH\"}]," SQLFX_PT "}");
    dynalite_create_table(
        d, "{\"TableName\":\"events\",\"AttributeDefinitions\":["
           "{\"AttributeName\":\"device\",\"AttributeType\":\"S\"},"
           "{\"AttributeName\":\"ts\",\"AttributeType\":\"N\"},"
           "{\"AttributeName\":\"kind\",\"AttributeType\":\"S\"},"
           "{\"AttributeName\":\"alert\",\"AttributeType\":\"S\"}],"
           "\"KeySchema\":[{\"AttributeName\":\"device\",\"KeyType\":\"HASH\"},"
           "{\"AttributeName\":\"ts\",\"KeyType\":\"RANGE\"}],"
           "\"GlobalSecondaryIndexes\":["
           "{\"IndexName\":\"by_kind\",\"KeySchema\":[{\"AttributeName\":\"kind\",\"KeyType\":"
           "\"HASH\"},{\"AttributeName\":\"ts\",\"KeyType\":\"RANGE\"}],\"Projection\":{"
           "\"ProjectionType\":\"ALL\"}," SQLFX_PT "},"
           "{\"IndexName\":\"by_alert\",\"KeySchema\":[{\"AttributeName\":\"alert\",\"KeyType\":"
           "\"HASH\"}],\"Projection\":{\"ProjectionType\":\"KEYS_ONLY\"}," SQLFX_PT "}]," SQLFX_PT
           "}");
    dynalite_create_table(
        d, "{\"TableName\":\"devices\",\"AttributeDefinitions\":[{\"AttributeName\":\"device\","
           "\"AttributeType\":\"S\"}],\"KeySchema\":[{\"AttributeName\":\"device\",\"KeyType\":"
           "\"HASH\"}]," SQLFX_PT "}");
    dynalite_create_table(
        d, "{\"TableName\":\"nums\",\"AttributeDefinitions\":[{\"AttributeName\":\"id\","
           "\"AttributeType\":\"N\"}],\"KeySchema\":[{\"AttributeName\":\"id\",\"KeyType\":"
           "\"HASH\"}]," SQLFX_PT "}");
}

static const char *const SQLFX_NAMES[] = {"Ada", "Bob", "Cy",  "Dee", "Eve", "Fay",
                                          "Gus", "Hal", "Ivy", "Jo",  "Kim"};
static const char *const SQLFX_CITIES[] = {"London", "Paris", "Oslo"};
static const char *const SQLFX_KINDS[] = {"boot", "temp", "door"}; /* by ts % 3 */

static inline void sqlfx_put_data(dynalite *d)
{
    buf_t b = BUF_INIT(1 << 20);
    buf_putc(&b, '[');
    for (int i = 1; i <= 11; i++) {
        buf_printf(
            &b,
            "%s{\"user_id\":{\"S\":\"u%02d\"},\"name\":{\"S\":\"%s\"},\"age\":{\"N\":\"%d\"},"
            "\"active\":{\"BOOL\":%s},\"address\":{\"M\":{\"city\":{\"S\":\"%s\"},"
            "\"zip\":{\"S\":\"Z%d\"}}}",
            i > 1 ? "," : "", i, SQLFX_NAMES[i - 1], 20 + 3 * i, i % 2 ? "false" : "true",
            SQLFX_CITIES[i % 3], i);
        if (i == 1)
            buf_puts(&b, ",\"nickname\":{\"NULL\":true},\"tags\":{\"SS\":[\"admin\",\"dev\"]},"
                         "\"scores\":{\"NS\":[\"1\",\"2.5\"]},\"avatar\":{\"B\":\"AAEC\"},"
                         "\"blobs\":{\"BS\":[\"AQ==\",\"Ag==\"]},"
                         "\"history\":{\"L\":[{\"N\":\"1\"},{\"S\":\"x\"}]}");
        if (i == 2)
            buf_puts(&b, ",\"tags\":{\"SS\":[\"dev\"]}");
        buf_putc(&b, '}');
    }
    buf_puts(&b, ",{\"user_id\":{\"S\":\"u12\"}}]");
    dynalite_put_items(d, "users", buf_cstr(&b));

    buf_reset(&b);
    buf_putc(&b, '[');
    for (int dev = 1; dev <= 3; dev++)
        for (int ts = 1; ts <= 10; ts++) {
            buf_printf(
                &b,
                "%s{\"device\":{\"S\":\"d%d\"},\"ts\":{\"N\":\"%d\"},\"kind\":{\"S\":\"%s\"},"
                "\"reading\":{\"N\":\"%d\"}",
                dev == 1 && ts == 1 ? "" : ",", dev, ts, SQLFX_KINDS[ts % 3], 100 * dev + ts);
            if ((dev == 1 && ts == 10) || (dev == 3 && ts == 7))
                buf_puts(&b, ",\"alert\":{\"S\":\"high\"}");
            if (dev == 2 && ts == 5)
                buf_puts(&b, ",\"alert\":{\"S\":\"low\"}");
            if (ts == 1)
                buf_puts(&b, ",\"note\":{\"S\":\"first\"}");
            buf_putc(&b, '}');
        }
    buf_putc(&b, ']');
    dynalite_put_items(d, "events", buf_cstr(&b));

    dynalite_put_items(
        d, "devices",
        "[{\"device\":{\"S\":\"d1\"},\"owner\":{\"S\":\"u01\"},\"model\":{\"S\":\"X\"}},"
        "{\"device\":{\"S\":\"d2\"},\"owner\":{\"S\":\"u02\"},\"model\":{\"S\":\"Y\"}},"
        "{\"device\":{\"S\":\"d3\"},\"owner\":{\"S\":\"u01\"},\"model\":{\"S\":\"X\"}},"
        "{\"device\":{\"S\":\"d4\"},\"owner\":{\"S\":\"u05\"},\"model\":{\"S\":\"Z\"}}]");

    buf_reset(&b);
    buf_putc(&b, '[');
    for (int i = 1; i <= 5; i++)
        buf_printf(&b, "%s{\"id\":{\"N\":\"%d\"},\"sq\":{\"N\":\"%d\"},\"odd\":{\"BOOL\":%s}}",
                   i > 1 ? "," : "", i, i * i, i % 2 ? "true" : "false");
    buf_putc(&b, ']');
    dynalite_put_items(d, "nums", buf_cstr(&b));
    buf_free(&b);
}

/* Starts dynalite, loads the data and opens the catalog. False when node
 * is not installed (the caller's tests skip). */
static inline bool sqlfx_open(sqlfx *f)
{
    memset(f, 0, sizeof *f);
    aws_test_env_isolate();
    f->dyn = dynalite_start();
    if (!f->dyn)
        return false;
    sqlfx_create_tables(f->dyn);
    sqlfx_put_data(f->dyn);
    char text[2048];
    snprintf(text, sizeof text,
             "public_url = http://127.0.0.1:8080\n"
             "auth = none\n"
             "sample_size = 100\n"
             "metadata_ttl_seconds = 3600\n"
             "[dynamodb]\n"
             "max_attempts = 1\n"
             "connect_timeout_ms = 2000\n"
             "request_timeout_ms = 10000\n"
             "retry_budget_ms = 10000\n"
             "[schema demo]\n"
             "default = true\n"
             "region = us-east-1\n"
             "credentials = static\n"
             "access_key_id = AKIDUNITTEST00000000\n"
             "secret_access_key = unittestsecretunittestsecretunittest0000\n"
             "endpoint = %s\n"
             "tables = *\n",
             dynalite_url(f->dyn));
    char *path = aws_test_temp_file(text);
    char err[1024] = "";
    bool ok = config_load(path, &f->cfg, err, sizeof err);
    unlink(path);
    free(path);
    if (!ok) {
        fprintf(stderr, "sql_fixture: config_load failed: %s\n", err);
        abort();
    }
    f->cfg_loaded = true;
    f->cat = catalog_new(&f->cfg, NULL);
    return true;
}

static inline void sqlfx_close(sqlfx *f)
{
    if (f->cat)
        catalog_free(f->cat);
    if (f->cfg_loaded)
        config_free(&f->cfg);
    if (f->dyn)
        dynalite_stop(f->dyn);
    memset(f, 0, sizeof *f);
}

#endif
