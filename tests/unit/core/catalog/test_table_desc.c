#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/base/json_util.h"
#include "core/catalog/table_desc.h"

#include <stdio.h>
#include <string.h>

/* DescribeTable's "Table" as AWS returns it for a provisioned table with
 * a GSI (INCLUDE projection) and an LSI (KEYS_ONLY), streams and SSE
 * fields we do not use. */
static const char THREAD_TABLE[] =
    "{\"Table\":{"
    "\"AttributeDefinitions\":["
    "{\"AttributeName\":\"ForumName\",\"AttributeType\":\"S\"},"
    "{\"AttributeName\":\"Subject\",\"AttributeType\":\"S\"},"
    "{\"AttributeName\":\"LastPostDateTime\",\"AttributeType\":\"S\"},"
    "{\"AttributeName\":\"Views\",\"AttributeType\":\"N\"},"
    "{\"AttributeName\":\"Checksum\",\"AttributeType\":\"B\"}],"
    "\"TableName\":\"Thread\","
    "\"KeySchema\":["
    "{\"AttributeName\":\"ForumName\",\"KeyType\":\"HASH\"},"
    "{\"AttributeName\":\"Subject\",\"KeyType\":\"RANGE\"}],"
    "\"TableStatus\":\"ACTIVE\","
    "\"CreationDateTime\":1.363729002358E9,"
    "\"ProvisionedThroughput\":{\"NumberOfDecreasesToday\":0,\"ReadCapacityUnits\":5,"
    "\"WriteCapacityUnits\":5},"
    "\"TableSizeBytes\":1234567,\"ItemCount\":4321,"
    "\"TableArn\":\"arn:aws:dynamodb:us-west-2:123456789012:table/Thread\","
    "\"TableId\":\"6c8d3b2a-0000-4a4b-9c50-0123456789ab\","
    "\"LocalSecondaryIndexes\":[{"
    "\"IndexName\":\"LastPostIndex\","
    "\"KeySchema\":[{\"AttributeName\":\"ForumName\",\"KeyType\":\"HASH\"},"
    "{\"AttributeName\":\"LastPostDateTime\",\"KeyType\":\"RANGE\"}],"
    "\"Projection\":{\"ProjectionType\":\"KEYS_ONLY\"},"
    "\"IndexSizeBytes\":100,\"ItemCount\":4000,"
    "\"IndexArn\":\"arn:aws:dynamodb:us-west-2:123456789012:table/Thread/index/LastPostIndex\"}],"
    "\"GlobalSecondaryIndexes\":[{"
    "\"IndexName\":\"ViewsIndex\","
    "\"KeySchema\":[{\"AttributeName\":\"Views\",\"KeyType\":\"HASH\"}],"
    "\"Projection\":{\"ProjectionType\":\"INCLUDE\",\"NonKeyAttributes\":[\"Subject\",\"Tags\"]},"
    "\"IndexStatus\":\"ACTIVE\","
    "\"ProvisionedThroughput\":{\"ReadCapacityUnits\":1,\"WriteCapacityUnits\":1},"
    "\"IndexSizeBytes\":50,\"ItemCount\":3999},"
    "{\"IndexName\":\"ChecksumIndex\","
    "\"KeySchema\":[{\"AttributeName\":\"Checksum\",\"KeyType\":\"HASH\"},"
    "{\"AttributeName\":\"Views\",\"KeyType\":\"RANGE\"}],"
    "\"Projection\":{\"ProjectionType\":\"ALL\"},"
    "\"IndexStatus\":\"CREATING\",\"Backfilling\":true}],"
    "\"StreamSpecification\":{\"StreamEnabled\":true,\"StreamViewType\":\"NEW_IMAGE\"},"
    "\"LatestStreamLabel\":\"2024-01-01T00:00:00.000\","
    "\"SSEDescription\":{\"Status\":\"ENABLED\",\"SSEType\":\"KMS\"}}}";

static json_object *parse(const char *text)
{
    char err[160];
    json_object *o = json_parse_strict(text, strlen(text), 64, err, sizeof err);
    if (!o)
        fprintf(stderr, "bad JSON: %s\n", err);
    assert_non_null(o);
    return o;
}

/* Normalises a DescribeTable answer and compares the whole document. */
static void expect_desc(const char *describe_answer, const char *want)
{
    json_object *resp = parse(describe_answer);
    json_object *d = table_desc_from_ddb(jget_obj(resp, "Table"));
    assert_non_null(d);
    json_object *w = parse(want);
    if (!json_object_equal(d, w)) {
        fprintf(stderr, "got  %s\n", json_compact(d));
        fprintf(stderr, "want %s\n", json_compact(w));
        fail();
    }
    json_object_put(w);
    json_object_put(d);
    json_object_put(resp);
}

static void expect_null(const char *table_text)
{
    json_object *t = parse(table_text);
    json_object *d = table_desc_from_ddb(t);
    if (d)
        fprintf(stderr, "unexpected description %s\n", json_compact(d));
    assert_null(d);
    json_object_put(t);
}

static void test_gsi_lsi_projections(void **state)
{
    (void)state;
    expect_desc(
        THREAD_TABLE,
        "{\"table_name\":\"Thread\",\"item_count\":4321,\"size_bytes\":1234567,"
        "\"status\":\"ACTIVE\",\"billing_mode\":\"PROVISIONED\","
        "\"key_schema\":{\"partition_key\":{\"name\":\"ForumName\",\"type\":\"S\"},"
        "\"sort_key\":{\"name\":\"Subject\",\"type\":\"S\"}},"
        "\"indexes\":["
        "{\"name\":\"PRIMARY\",\"type\":\"PRIMARY\",\"hashKey\":\"ForumName\",\"hashKeyType\":"
        "\"S\","
        "\"sortKey\":\"Subject\",\"sortKeyType\":\"S\",\"projection\":{\"type\":\"ALL\"}},"
        "{\"name\":\"ViewsIndex\",\"type\":\"GSI\",\"hashKey\":\"Views\",\"hashKeyType\":\"N\","
        "\"projection\":{\"type\":\"INCLUDE\",\"attributes\":[\"Subject\",\"Tags\"]},"
        "\"item_count\":3999,\"status\":\"ACTIVE\"},"
        "{\"name\":\"ChecksumIndex\",\"type\":\"GSI\",\"hashKey\":\"Checksum\","
        "\"hashKeyType\":\"B\",\"sortKey\":\"Views\",\"sortKeyType\":\"N\","
        "\"projection\":{\"type\":\"ALL\"},\"status\":\"CREATING\"},"
        "{\"name\":\"LastPostIndex\",\"type\":\"LSI\",\"hashKey\":\"ForumName\","
        "\"hashKeyType\":\"S\",\"sortKey\":\"LastPostDateTime\",\"sortKeyType\":\"S\","
        "\"projection\":{\"type\":\"KEYS_ONLY\"},\"item_count\":4000}]}");
}

static void test_on_demand_hash_only(void **state)
{
    (void)state;
    /* An on-demand table with a numeric partition key and nothing else, as
     * DynamoDB answers right after CreateTable (no counts yet). */
    expect_desc("{\"Table\":{\"TableName\":\"events-2024.v1\","
                "\"AttributeDefinitions\":[{\"AttributeName\":\"id\",\"AttributeType\":\"N\"}],"
                "\"KeySchema\":[{\"AttributeName\":\"id\",\"KeyType\":\"HASH\"}],"
                "\"TableStatus\":\"CREATING\","
                "\"BillingModeSummary\":{\"BillingMode\":\"PAY_PER_REQUEST\","
                "\"LastUpdateToPayPerRequestDateTime\":1.7E9},"
                "\"ProvisionedThroughput\":{\"ReadCapacityUnits\":0,\"WriteCapacityUnits\":0}}}",
                "{\"table_name\":\"events-2024.v1\",\"item_count\":0,\"size_bytes\":0,"
                "\"status\":\"CREATING\",\"billing_mode\":\"PAY_PER_REQUEST\","
                "\"key_schema\":{\"partition_key\":{\"name\":\"id\",\"type\":\"N\"}},"
                "\"indexes\":[{\"name\":\"PRIMARY\",\"type\":\"PRIMARY\",\"hashKey\":\"id\","
                "\"hashKeyType\":\"N\",\"projection\":{\"type\":\"ALL\"}}]}");
}

static void test_key_order_and_defaults(void **state)
{
    (void)state;
    /* RANGE listed before HASH; no status, no billing summary; a key with
     * no attribute definition defaults to S. */
    expect_desc("{\"Table\":{\"TableName\":\"odd\","
                "\"AttributeDefinitions\":[{\"AttributeName\":\"ts\",\"AttributeType\":\"N\"}],"
                "\"KeySchema\":[{\"AttributeName\":\"ts\",\"KeyType\":\"RANGE\"},"
                "{\"AttributeName\":\"dev\",\"KeyType\":\"HASH\"}]}}",
                "{\"table_name\":\"odd\",\"item_count\":0,\"size_bytes\":0,"
                "\"status\":\"UNKNOWN\",\"billing_mode\":\"PROVISIONED\","
                "\"key_schema\":{\"partition_key\":{\"name\":\"dev\",\"type\":\"S\"},"
                "\"sort_key\":{\"name\":\"ts\",\"type\":\"N\"}},"
                "\"indexes\":[{\"name\":\"PRIMARY\",\"type\":\"PRIMARY\",\"hashKey\":\"dev\","
                "\"hashKeyType\":\"S\",\"sortKey\":\"ts\",\"sortKeyType\":\"N\","
                "\"projection\":{\"type\":\"ALL\"}}]}");
}

static void test_unusable_indexes_skipped(void **state)
{
    (void)state;
    /* Indexes without a name or without a HASH key are left out, not fatal;
     * a projection without a type counts as ALL. */
    expect_desc("{\"Table\":{\"TableName\":\"t1x\","
                "\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"}],"
                "\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}],"
                "\"GlobalSecondaryIndexes\":["
                "{\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}]},"
                "{\"IndexName\":\"norange\",\"KeySchema\":[{\"AttributeName\":\"pk\","
                "\"KeyType\":\"RANGE\"}]},"
                "{\"IndexName\":\"nokeys\"},"
                "{\"IndexName\":\"good\",\"KeySchema\":[{\"AttributeName\":\"pk\","
                "\"KeyType\":\"HASH\"}],\"Projection\":{}}]}}",
                "{\"table_name\":\"t1x\",\"item_count\":0,\"size_bytes\":0,"
                "\"status\":\"UNKNOWN\",\"billing_mode\":\"PROVISIONED\","
                "\"key_schema\":{\"partition_key\":{\"name\":\"pk\",\"type\":\"S\"}},"
                "\"indexes\":[{\"name\":\"PRIMARY\",\"type\":\"PRIMARY\",\"hashKey\":\"pk\","
                "\"hashKeyType\":\"S\",\"projection\":{\"type\":\"ALL\"}},"
                "{\"name\":\"good\",\"type\":\"GSI\",\"hashKey\":\"pk\",\"hashKeyType\":\"S\","
                "\"projection\":{\"type\":\"ALL\"}}]}");
}

static void test_unusable_tables(void **state)
{
    (void)state;
    assert_null(table_desc_from_ddb(NULL));
    expect_null("{}");
    expect_null("[]");
    /* No name. */
    expect_null("{\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}]}");
    /* No key schema, an empty one, one without a HASH key, a wrong type. */
    expect_null("{\"TableName\":\"abc\"}");
    expect_null("{\"TableName\":\"abc\",\"KeySchema\":[]}");
    expect_null("{\"TableName\":\"abc\",\"KeySchema\":[{\"AttributeName\":\"pk\","
                "\"KeyType\":\"RANGE\"}]}");
    expect_null("{\"TableName\":\"abc\",\"KeySchema\":{\"AttributeName\":\"pk\"}}");
    expect_null("{\"TableName\":\"abc\",\"KeySchema\":[{\"KeyType\":\"HASH\"}]}");
    expect_null(
        "{\"TableName\":7,\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}]}");
}

static void test_wrongly_typed_members(void **state)
{
    (void)state;
    /* Members of the wrong JSON type are ignored rather than trusted. */
    expect_desc("{\"Table\":{\"TableName\":\"abc\",\"ItemCount\":\"12\",\"TableSizeBytes\":1.5,"
                "\"TableStatus\":5,\"BillingModeSummary\":[],"
                "\"AttributeDefinitions\":{\"AttributeName\":\"pk\"},"
                "\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}],"
                "\"GlobalSecondaryIndexes\":{},\"LocalSecondaryIndexes\":\"x\"}}",
                "{\"table_name\":\"abc\",\"item_count\":0,\"size_bytes\":0,"
                "\"status\":\"UNKNOWN\",\"billing_mode\":\"PROVISIONED\","
                "\"key_schema\":{\"partition_key\":{\"name\":\"pk\",\"type\":\"S\"}},"
                "\"indexes\":[{\"name\":\"PRIMARY\",\"type\":\"PRIMARY\",\"hashKey\":\"pk\","
                "\"hashKeyType\":\"S\",\"projection\":{\"type\":\"ALL\"}}]}");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gsi_lsi_projections),
        cmocka_unit_test(test_on_demand_hash_only),
        cmocka_unit_test(test_key_order_and_defaults),
        cmocka_unit_test(test_unusable_indexes_skipped),
        cmocka_unit_test(test_unusable_tables),
        cmocka_unit_test(test_wrongly_typed_members),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
