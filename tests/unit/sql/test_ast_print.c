/* The printer on its own: escaping, bounded output and the canonical forms
 * that the golden files rely on (the golden files exercise every node). */
#include "sql/ast_print.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "sql/limits.h"
#include "sql/parser.h"

static void test_names_and_strings_are_escaped(void **state)
{
    (void)state;
    buf_t b = BUF_INIT(1024);
    sql_name plain = {"abc", false};
    sql_name quoted = {"a\"b c", true};
    assert_true(sql_print_name(&b, &plain));
    assert_true(buf_putc(&b, ' '));
    assert_true(sql_print_name(&b, &quoted));
    assert_string_equal(buf_cstr(&b), "abc \"a\"\"b c\"");
    buf_reset(&b);
    sql_expr s;
    memset(&s, 0, sizeof s);
    s.kind = SQL_E_STRING;
    s.text = "it's";
    s.text_len = 4;
    assert_true(sql_print_expr(&b, &s));
    assert_string_equal(buf_cstr(&b), "'it''s'");
    buf_free(&b);
}

static void test_hand_built_tree(void **state)
{
    (void)state;
    sql_path_step steps[3] = {
        {{"t", false}, 0, false}, {{"Doc", true}, 0, false}, {{NULL, false}, 2, true}};
    sql_expr col, num, bin, neg;
    memset(&col, 0, sizeof col);
    memset(&num, 0, sizeof num);
    memset(&bin, 0, sizeof bin);
    memset(&neg, 0, sizeof neg);
    col.kind = SQL_E_COLUMN;
    col.path.v = steps;
    col.path.n = 3;
    num.kind = SQL_E_NUMBER;
    num.text = "1.50";
    neg.kind = SQL_E_UNARY;
    neg.op = SQL_OP_NEG;
    neg.left = &num;
    bin.kind = SQL_E_BINARY;
    bin.op = SQL_OP_NE;
    bin.left = &col;
    bin.right = &neg;
    buf_t b = BUF_INIT(1024);
    assert_true(sql_print_expr(&b, &bin));
    assert_string_equal(buf_cstr(&b), "(t.\"Doc\"[2] <> (-1.50))");
    buf_free(&b);
}

static void test_output_is_bounded(void **state)
{
    (void)state;
    const char *sql = "SELECT a, b, c FROM t WHERE a = 'a long enough string literal'";
    sql_arena a;
    sql_error err;
    sql_arena_init(&a, SQL_MAX_ARENA);
    sql_stmt *st = sql_parse(sql, strlen(sql), &a, &err);
    assert_non_null(st);
    buf_t b = BUF_INIT(20);
    assert_false(sql_print_stmt(&b, st)); /* stops at the maximum */
    assert_true(b.len <= 20);
    buf_free(&b);
    char *full = sql_stmt_to_string(st);
    assert_string_equal(full, "SELECT a, b, c FROM t WHERE (a = 'a long enough string literal')");
    free(full);
    sql_arena_free(&a);
}

static void test_printing_is_stable(void **state)
{
    (void)state;
    /* Printing twice gives the same text, and so does printing the print. */
    const char *sql = "select DISTINCT x.\"A\"[0] as q, count(*) over (partition by g) from s.t x "
                      "where not a between 1 and 2 order by 1 desc limit 3";
    sql_arena a;
    sql_error err;
    sql_arena_init(&a, SQL_MAX_ARENA);
    sql_stmt *st = sql_parse(sql, strlen(sql), &a, &err);
    assert_non_null(st);
    char *one = sql_stmt_to_string(st);
    char *two = sql_stmt_to_string(st);
    assert_string_equal(one, two);
    assert_string_equal(one, "SELECT DISTINCT x.\"A\"[0] AS q, COUNT(*) OVER (PARTITION BY g) "
                             "FROM s.t AS x WHERE (NOT (a BETWEEN 1 AND 2)) ORDER BY 1 DESC "
                             "LIMIT 3");
    sql_arena b2;
    sql_arena_init(&b2, SQL_MAX_ARENA);
    sql_stmt *st2 = sql_parse(one, strlen(one), &b2, &err);
    assert_non_null(st2);
    char *three = sql_stmt_to_string(st2);
    assert_string_equal(one, three);
    free(one);
    free(two);
    free(three);
    sql_arena_free(&b2);
    sql_arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_and_strings_are_escaped),
        cmocka_unit_test(test_hand_built_tree),
        cmocka_unit_test(test_output_is_bounded),
        cmocka_unit_test(test_printing_is_stable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
