/* oauth/scope: RFC 6749 §3.3 scope strings, set operations, the known
 * scopes and the tool -> scope mapping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "oauth/scope.h"

#include "core/mcp/tools.h"

#include <stdlib.h>
#include <string.h>

static char err[512];

static scope_list parse_ok(const char *s)
{
    scope_list l;
    err[0] = '\0';
    if (!scope_parse(s, &l, err, sizeof err))
        fail_msg("'%s' refused: %s", s, err);
    return l;
}

static void parse_bad(const char *s, const char *want)
{
    scope_list l;
    err[0] = '\0';
    if (scope_parse(s, &l, err, sizeof err)) {
        scope_list_free(&l);
        fail_msg("'%s' accepted", s);
    }
    assert_null(l.items);
    assert_int_equal(l.n, 0);
    if (!strstr(err, want))
        fail_msg("'%s': got '%s', expected it to contain '%s'", s, err, want);
}

static void test_parse_and_dedupe(void **state)
{
    (void)state;
    scope_list l = parse_ok("query schemas:read query x!#$%&'()*+,-./:;<=>?@[]^_`{|}~");
    assert_int_equal(l.n, 3);
    assert_string_equal(l.items[0], "query");
    assert_string_equal(l.items[1], "schemas:read");
    assert_string_equal(l.items[2], "x!#$%&'()*+,-./:;<=>?@[]^_`{|}~");
    char *j = scope_join(&l);
    assert_string_equal(j, "query schemas:read x!#$%&'()*+,-./:;<=>?@[]^_`{|}~");
    free(j);
    assert_true(scope_list_has(&l, "query"));
    assert_false(scope_list_has(&l, "Query")); /* case-sensitive */
    assert_int_equal(scope_bits(&l), SCOPE_ALL);
    scope_list_free(&l);
    scope_list_free(&l); /* idempotent */

    l = parse_ok("");
    assert_int_equal(l.n, 0);
    j = scope_join(&l);
    assert_string_equal(j, "");
    free(j);
    assert_int_equal(scope_bits(&l), 0);
    scope_list_free(&l);

    l = parse_ok("schemas:read schemas:read");
    assert_int_equal(l.n, 1);
    assert_int_equal(scope_bits(&l), SCOPE_SCHEMAS_READ);
    scope_list_free(&l);
}

static void test_parse_errors(void **state)
{
    (void)state;
    parse_bad(" query", "empty entry at offset 0");
    parse_bad("query  schemas:read", "empty entry at offset 6");
    parse_bad("query ", "ends with a space");
    parse_bad(" ", "empty entry at offset 0");
    parse_bad("query\tschemas:read", "not allowed at offset 5");
    parse_bad("a\"b", "not allowed at offset 1");
    parse_bad("a\\b", "not allowed at offset 1");
    parse_bad("caf\xc3\xa9", "not allowed at offset 3");
    parse_bad("a\x7f", "not allowed at offset 1");
    parse_bad("a\nb", "not allowed at offset 1");

    char big[SCOPE_MAX_LEN + 2];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    parse_bad(big, "longer than 1024 characters");
    char tok[SCOPE_MAX_TOKEN_LEN + 2];
    memset(tok, 'b', sizeof tok - 1);
    tok[sizeof tok - 1] = '\0';
    parse_bad(tok, "a scope is longer than 128 characters");
    tok[sizeof tok - 2] = '\0'; /* exactly the limit */
    scope_list l = parse_ok(tok);
    scope_list_free(&l);

    /* SCOPE_MAX_TOKENS distinct scopes pass, one more fails. */
    char many[1024] = "";
    for (int i = 0; i <= SCOPE_MAX_TOKENS; i++) {
        char one[8];
        snprintf(one, sizeof one, "%ss%d", i ? " " : "", i);
        if (i == SCOPE_MAX_TOKENS) {
            l = parse_ok(many);
            assert_int_equal(l.n, SCOPE_MAX_TOKENS);
            scope_list_free(&l);
        }
        strcat(many, one);
    }
    parse_bad(many, "more than 32 scopes");
}

static void test_set_operations(void **state)
{
    (void)state;
    scope_list req = parse_ok("schemas:read admin query");
    scope_list allowed = parse_ok("query schemas:read");
    scope_list none = parse_ok("");
    scope_list out;

    scope_intersect(&req, &allowed, &out);
    char *j = scope_join(&out);
    assert_string_equal(j, "schemas:read query"); /* requested order */
    free(j);
    assert_true(scope_is_subset(&out, &allowed));
    assert_true(scope_is_subset(&out, &req));
    assert_false(scope_is_subset(&req, &allowed)); /* admin is not allowed */
    assert_true(scope_is_subset(&allowed, &req));
    assert_true(scope_is_subset(&none, &allowed));
    assert_false(scope_is_subset(&allowed, &none));
    scope_list_free(&out);

    scope_intersect(&none, &allowed, &out);
    assert_int_equal(out.n, 0);
    scope_list_free(&out);

    /* Narrowing on refresh: a subset is fine, a superset is not. */
    scope_list narrower = parse_ok("query");
    assert_true(scope_is_subset(&narrower, &allowed));
    scope_list wider = parse_ok("query schemas:read admin");
    assert_false(scope_is_subset(&wider, &allowed));

    scope_list built = {0};
    scope_list_add(&built, "query");
    scope_list_add(&built, "query");
    scope_list_add(&built, "other");
    assert_int_equal(built.n, 2);
    assert_int_equal(scope_bits(&built), SCOPE_QUERY);

    scope_list_free(&built);
    scope_list_free(&wider);
    scope_list_free(&narrower);
    scope_list_free(&none);
    scope_list_free(&allowed);
    scope_list_free(&req);
}

static void test_known_scopes(void **state)
{
    (void)state;
    assert_int_equal(scope_bit("query"), SCOPE_QUERY);
    assert_int_equal(scope_bit("schemas:read"), SCOPE_SCHEMAS_READ);
    assert_int_equal(scope_bit("schemas:write"), 0);
    assert_int_equal(scope_bit("QUERY"), 0);
    assert_int_equal(scope_bit(""), 0);
    assert_int_equal(scope_bit(NULL), 0);
    char s[SCOPE_BITS_STR_MAX];
    scope_bits_format(SCOPE_ALL, s);
    assert_string_equal(s, "query schemas:read");
    assert_string_equal(s, SCOPES_SUPPORTED);
    scope_bits_format(SCOPE_SCHEMAS_READ, s);
    assert_string_equal(s, "schemas:read");
    scope_bits_format(SCOPE_QUERY | 0x80u, s); /* unknown bits are ignored */
    assert_string_equal(s, "query");
    scope_bits_format(0, s);
    assert_string_equal(s, "");
}

static void test_tool_scopes(void **state)
{
    (void)state;
    assert_int_equal(scope_for_tool("run_sql"), SCOPE_QUERY);
    assert_int_equal(scope_for_tool("list_tables"), SCOPE_SCHEMAS_READ);
    assert_int_equal(scope_for_tool("describe_table"), SCOPE_SCHEMAS_READ);
    assert_int_equal(scope_for_tool("drop_table"), 0);
    assert_int_equal(scope_for_tool(NULL), 0);
    /* The registry says the same for the tools core registers. */
    tools_register_metadata();
    assert_int_equal(tools_find("list_tables")->scope, scope_for_tool("list_tables"));
    assert_int_equal(tools_find("describe_table")->scope, scope_for_tool("describe_table"));
    tools_reset();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_and_dedupe), cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_set_operations),   cmocka_unit_test(test_known_scopes),
        cmocka_unit_test(test_tool_scopes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
