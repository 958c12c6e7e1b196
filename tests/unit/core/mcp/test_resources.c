/* MCP resources (core/mcp/resources.c): the bundled documentation and the
 * table-description template. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/support/mcp_fixture.h"

#include "core/mcp/docs_embed.h"
#include "core/mcp/resources.h"
#include "core/mcp/tools.h"

static fx_mcp M;

static int setup(void **state)
{
    (void)state;
    fx_mcp_open(&M, "orders customers");
    tools_register_metadata();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tools_reset();
    fx_mcp_close(&M);
    return 0;
}

static size_t ndocs(void)
{
    size_t n = 0;
    while (embedded_docs[n].name)
        n++;
    return n;
}

static void test_docs_are_embedded(void **state)
{
    (void)state;
    /* The three documents the server advertises by name. */
    static const char *const names[] = {"getting-started", "limitations", "sql-reference"};
    for (size_t i = 0; i < 3; i++) {
        const embedded_doc *d = embedded_docs;
        while (d->name && strcmp(d->name, names[i]) != 0)
            d++;
        if (!d->name) {
            fprintf(stderr, "docs/resources/%s.md is not embedded\n", names[i]);
            fail();
        }
        assert_true(d->len > 100);
        assert_int_equal(strlen(d->text), d->len);
        assert_true(d->text[0] == '#'); /* a Markdown title */
    }
}

static void test_list(void **state)
{
    (void)state;
    json_object *r = fx_rpc_ok(&M.app, NULL, "resources/list", NULL);
    assert_int_equal(fx_len(r, "resources"), ndocs());
    static const char *const keys[] = {"uri",      "name", "title", "description",
                                       "mimeType", "size", NULL};
    bool seen_sql = false;
    for (size_t i = 0; i < ndocs(); i++) {
        json_object *res = json_object_array_get_idx(jget(r, "resources"), i);
        fx_assert_keys(res, keys);
        char uri[160];
        snprintf(uri, sizeof uri, "ddbsql://docs/%s", embedded_docs[i].name);
        assert_string_equal(jget_str(res, "uri"), uri);
        assert_string_equal(jget_str(res, "name"), embedded_docs[i].name);
        assert_string_equal(jget_str(res, "mimeType"), "text/markdown");
        assert_int_equal(jget_int(res, "size", -1), (int64_t)embedded_docs[i].len);
        if (strcmp(embedded_docs[i].name, "sql-reference") == 0) {
            seen_sql = true;
            assert_string_equal(jget_str(res, "title"), "SQL dialect reference");
            fx_assert_contains(jget_str(res, "description"), "The SQL ddbsql accepts");
        }
        if (strcmp(embedded_docs[i].name, "limitations") == 0)
            assert_string_equal(jget_str(res, "title"), "Known limitations");
        if (strcmp(embedded_docs[i].name, "getting-started") == 0)
            assert_string_equal(jget_str(res, "title"), "Getting started");
    }
    assert_true(seen_sql);
    json_object_put(r);
}

static void test_read_each_doc(void **state)
{
    (void)state;
    for (size_t i = 0; i < ndocs(); i++) {
        char params[200];
        snprintf(params, sizeof params, "{\"uri\":\"ddbsql://docs/%s\"}", embedded_docs[i].name);
        json_object *r = fx_rpc_ok(&M.app, "2025-11-25", "resources/read", params);
        assert_int_equal(fx_len(r, "contents"), 1);
        char uri[160];
        snprintf(uri, sizeof uri, "ddbsql://docs/%s", embedded_docs[i].name);
        assert_string_equal(fx_str(r, "contents.0.uri"), uri);
        assert_string_equal(fx_str(r, "contents.0.mimeType"), "text/markdown");
        assert_string_equal(fx_str(r, "contents.0.text"), embedded_docs[i].text);
        json_object_put(r);
    }
}

/* resources/read of uri must fail with -32002, data.uri, and a reason. */
static void expect_not_found(const char *uri, const char *why)
{
    char params[600];
    snprintf(params, sizeof params, "{\"uri\":\"%s\"}", uri);
    char want[600];
    snprintf(want, sizeof want, "Resource not found: %s (%s)", uri, why);
    json_object *e =
        fx_rpc_err(&M.app, "2025-11-25", "resources/read", params, RPC_RESOURCE_NOT_FOUND, want);
    assert_string_equal(fx_str(e, "message"), want);
    assert_string_equal(fx_str(e, "data.uri"), uri);
    json_object_put(e);
}

static void test_read_unknown(void **state)
{
    (void)state;
    expect_not_found("ddbsql://docs/nope", "no such document; call resources/list");
    expect_not_found("ddbsql://docs/", "no such document; call resources/list");
    expect_not_found("ddbsql://docs/SQL-REFERENCE", "no such document; call resources/list");
    expect_not_found("ddbsql://docs/sql-reference.md", "no such document; call resources/list");
    expect_not_found("file:///etc/passwd",
                     "unknown URI; call resources/list or resources/templates/list");
    expect_not_found("ddbsql://other",
                     "unknown URI; call resources/list or resources/templates/list");
    expect_not_found("", "unknown URI; call resources/list or resources/templates/list");
    json_object_put(fx_rpc_err(&M.app, NULL, "resources/read", "{}", RPC_INVALID_PARAMS,
                               "Invalid params: \"uri\" is required"));
    json_object_put(fx_rpc_err(&M.app, NULL, "resources/read", "{\"uri\":7}", RPC_INVALID_PARAMS,
                               "\"uri\" is required"));
}

static void test_templates_list(void **state)
{
    (void)state;
    json_object *r = fx_rpc_ok(&M.app, "2025-11-25", "resources/templates/list", NULL);
    assert_int_equal(fx_len(r, "resourceTemplates"), 1);
    assert_string_equal(fx_str(r, "resourceTemplates.0.uriTemplate"),
                        "ddbsql://schemas/{schema}/tables/{table}");
    assert_string_equal(fx_str(r, "resourceTemplates.0.name"), "table-description");
    assert_string_equal(fx_str(r, "resourceTemplates.0.mimeType"), "application/json");
    fx_assert_contains(fx_str(r, "resourceTemplates.0.description"), "describe_table");
    json_object_put(r);
}

static void test_read_table_template(void **state)
{
    (void)state;
    fx_ddb_describe(M.f, "orders", 42, true);
    fx_ddb_ok(M.f, "{\"Items\":[{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"}}],\"Count\":1}");
    json_object *r = fx_rpc_ok(&M.app, "2025-11-25", "resources/read",
                               "{\"uri\":\"ddbsql://schemas/demo/tables/orders\"}");
    assert_int_equal(fx_len(r, "contents"), 1);
    assert_string_equal(fx_str(r, "contents.0.uri"), "ddbsql://schemas/demo/tables/orders");
    assert_string_equal(fx_str(r, "contents.0.mimeType"), "application/json");
    /* The text is the describe_table document. */
    json_object *doc = fx_json(fx_str(r, "contents.0.text"));
    assert_string_equal(fx_str(doc, "qualified_name"), "demo.orders");
    assert_int_equal(fx_int(doc, "item_count"), 42);
    assert_string_equal(fx_str(doc, "key_schema.sort_key.name"), "sk");
    json_object_put(doc);
    json_object_put(r);
    /* A second read is served from the cache; names resolve case-insensitively. */
    r = fx_rpc_ok(&M.app, "2025-11-25", "resources/read",
                  "{\"uri\":\"ddbsql://schemas/demo/tables/ORDERS\"}");
    json_object_put(r);
    assert_int_equal(fake_http_nrequests(M.f), 2);
}

static void test_read_table_template_errors(void **state)
{
    (void)state;
    const char *shape = "expected ddbsql://schemas/{schema}/tables/{table}";
    expect_not_found("ddbsql://schemas/demo", shape);
    expect_not_found("ddbsql://schemas/demo/", shape);
    expect_not_found("ddbsql://schemas//tables/orders", shape);
    expect_not_found("ddbsql://schemas/demo/tables/", shape);
    expect_not_found("ddbsql://schemas/demo/views/orders", shape);
    expect_not_found("ddbsql://schemas/demo/tables/orders/x", shape);
    expect_not_found("ddbsql://schemas/nope/tables/orders",
                     "unknown schema 'nope'. Configured schemas: 'demo', 'dev', 'prod'. Omit "
                     "schema_name to use the default schema 'demo'.");
    expect_not_found("ddbsql://schemas/demo/tables/secrets",
                     "table 'secrets' is not available in schema 'demo'. Available tables: "
                     "orders, customers. Call list_tables to see them with item counts.");
    char longschema[300], uri[400];
    memset(longschema, 's', 200);
    longschema[200] = '\0';
    snprintf(uri, sizeof uri, "ddbsql://schemas/%s/tables/orders", longschema);
    char params[500];
    snprintf(params, sizeof params, "{\"uri\":\"%s\"}", uri);
    json_object *e = fx_rpc_err(&M.app, "2025-11-25", "resources/read", params,
                                RPC_RESOURCE_NOT_FOUND, "(schema name too long)");
    assert_string_equal(fx_str(e, "data.uri"), uri);
    json_object_put(e);
    assert_int_equal(fake_http_nrequests(M.f), 0);

    /* A missing table: not found. */
    fx_ddb_not_found(M.f);
    expect_not_found("ddbsql://schemas/demo/tables/customers",
                     "table 'customers' does not exist in schema 'demo'. Call list_tables to see "
                     "the tables you can use.");
    /* DynamoDB failing is an internal error, not "not found". */
    fx_ddb_error(M.f, 400, "AccessDeniedException", "denied");
    fx_ddb_error(M.f, 400, "AccessDeniedException", "denied");
    json_object_put(fx_rpc_err(&M.app, "2025-11-25", "resources/read",
                               "{\"uri\":\"ddbsql://schemas/dev/tables/orders\"}",
                               RPC_INTERNAL_ERROR,
                               "DescribeTable in schema 'dev' failed: DynamoDB denied "
                               "DescribeTable"));
}

static void test_scopes(void **state)
{
    (void)state;
    rpc_error err;
    json_object *r =
        fx_dispatch(&M.app, "2025-11-25", SCOPE_QUERY, "resources/templates/list", NULL, &err);
    assert_string_equal(json_compact(r), "{\"resourceTemplates\":[]}");
    json_object_put(r);
    r = fx_dispatch(&M.app, "2025-11-25", SCOPE_QUERY, "resources/read",
                    "{\"uri\":\"ddbsql://schemas/demo/tables/orders\"}", &err);
    assert_null(r);
    assert_int_equal(err.code, RPC_RESOURCE_NOT_FOUND);
    assert_string_equal(err.message, "Resource not found: ddbsql://schemas/demo/tables/orders (the "
                                     "schemas:read scope is needed)");
    assert_string_equal(json_compact(err.data),
                        "{\"uri\":\"ddbsql://schemas/demo/tables/orders\"}");
    json_object_put(err.data);
    /* Documents need no scope. */
    r = fx_dispatch(&M.app, "2025-11-25", 0, "resources/read",
                    "{\"uri\":\"ddbsql://docs/limitations\"}", &err);
    assert_non_null(r);
    json_object_put(r);
    r = fx_dispatch(&M.app, "2025-11-25", 0, "resources/list", NULL, &err);
    assert_int_equal(fx_len(r, "resources"), ndocs());
    json_object_put(r);
    assert_int_equal(fake_http_nrequests(M.f), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_docs_are_embedded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_each_doc, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_unknown, setup, teardown),
        cmocka_unit_test_setup_teardown(test_templates_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_table_template, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_table_template_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scopes, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
