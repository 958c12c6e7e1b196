#include "sql/exec_ops.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"
#include "tests/unit/support/test_rows_op.h"

static exec_ctx ctx;

static int setup(void **state)
{
    (void)state;
    exec_ctx_init(&ctx, NULL, 0);
    return 0;
}

static void expect_rows(op_t *op, const char *want)
{
    char *got = test_run_op(op, &ctx);
    assert_string_equal(got, want);
    free(got);
    assert_int_equal(ctx.mem_used, 0);
}

/* left (id, name); right (id, val) with duplicates, NULL keys and a key
 * that matches nothing on either side. */
#define LEFT  "1,'one'; 2,'two'; NULL,'nul'; 3,'three'; 1,'uno'"
#define RIGHT "1,'a'; 3,'c'; 1,'b'; NULL,'n'; 4,'d'"

static op_t *hj(const char *l, const char *r, join_kind kind, bexpr *residual)
{
    return op_hash_join(test_rows_op(2, l), test_rows_op(2, r), t_exprs(1, t_col(0)),
                        t_exprs(1, t_col(0)), 1, residual, kind);
}

static op_t *nlj(const char *l, const char *r, join_kind kind)
{
    return op_nl_join(test_rows_op(2, l), test_rows_op(2, r), t_bin(SQL_OP_EQ, t_col(0), t_col(2)),
                      kind);
}

static const char *const inner_want =
    "1,'one',1,'a';1,'one',1,'b';3,'three',3,'c';1,'uno',1,'a';1,'uno',1,'b'";
static const char *const left_want = "1,'one',1,'a';1,'one',1,'b';2,'two',NULL,NULL;"
                                     "NULL,'nul',NULL,NULL;3,'three',3,'c';1,'uno',1,'a';"
                                     "1,'uno',1,'b'";
static const char *const right_want =
    "1,'one',1,'a';1,'one',1,'b';3,'three',3,'c';1,'uno',1,'a';1,'uno',1,'b';"
    "NULL,NULL,NULL,'n';NULL,NULL,4,'d'";
static const char *const full_want = "1,'one',1,'a';1,'one',1,'b';2,'two',NULL,NULL;"
                                     "NULL,'nul',NULL,NULL;3,'three',3,'c';1,'uno',1,'a';"
                                     "1,'uno',1,'b';NULL,NULL,NULL,'n';NULL,NULL,4,'d'";

static void test_hash_join_kinds(void **state)
{
    (void)state;
    static const struct {
        join_kind kind;
        const char *const *want;
    } cases[] = {{JOIN_INNER, &inner_want},
                 {JOIN_LEFT, &left_want},
                 {JOIN_RIGHT, &right_want},
                 {JOIN_FULL, &full_want}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        op_t *op = hj(LEFT, RIGHT, cases[i].kind, NULL);
        assert_int_equal(op->width, 4);
        expect_rows(op, *cases[i].want);
        expect_rows(op, *cases[i].want); /* re-open */
        op_free(op);
        op = nlj(LEFT, RIGHT, cases[i].kind);
        expect_rows(op, *cases[i].want);
        expect_rows(op, *cases[i].want);
        op_free(op);
    }
}

static void test_hash_join_residual(void **state)
{
    (void)state;
    /* ON l.id = r.id AND r.val <> 'a': rows failing the residual are not
       matches (the left row is padded when nothing else matches). */
    bexpr *res = t_bin(SQL_OP_NE, t_col(3), t_const("'a'"));
    op_t *op = hj("1,'one'; 2,'two'", "1,'a'; 2,'a'; 1,'b'", JOIN_FULL, res);
    expect_rows(op, "1,'one',1,'b';2,'two',NULL,NULL;NULL,NULL,1,'a';NULL,NULL,2,'a'");
    op_free(op);
}

static void test_key_equality_semantics(void **state)
{
    (void)state;
    /* 1 = 1.0 = 1.0d; a string never equals a number; NULL never matches. */
    op_t *op = hj("1,'l1'; '1','ls'; NULL,'ln'", "1.0,'r1'; 1.0d,'rd'; '1','rs'; NULL,'rn'",
                  JOIN_INNER, NULL);
    expect_rows(op, "1,'l1',1.0,'r1';1,'l1',1d,'rd';'1','ls','1','rs'");
    op_free(op);
}

static void test_multi_key_and_computed_keys(void **state)
{
    (void)state;
    /* ON l.a = r.a AND l.b + 1 = r.b */
    op_t *op = op_hash_join(test_rows_op(2, "1,1; 1,2; 2,1"), test_rows_op(2, "1,2; 1,3; 2,3"),
                            t_exprs(2, t_col(0), t_bin(SQL_OP_ADD, t_col(1), t_const("1"))),
                            t_exprs(2, t_col(0), t_col(1)), 2, NULL, JOIN_LEFT);
    expect_rows(op, "1,1,1,2;1,2,1,3;2,1,NULL,NULL");
    op_free(op);
}

static void test_empty_sides(void **state)
{
    (void)state;
    /* Nothing on the right: an inner join never reads the left side. */
    op_t *left = test_rows_op(2, LEFT);
    op_t *op = op_hash_join(left, test_rows_op(2, ""), t_exprs(1, t_col(0)), t_exprs(1, t_col(0)),
                            1, NULL, JOIN_INNER);
    expect_rows(op, "");
    assert_int_equal(test_rows_stats_of(left)->pulled, 0);
    op_free(op);
    op = hj("1,'x'", "", JOIN_LEFT, NULL);
    expect_rows(op, "1,'x',NULL,NULL");
    op_free(op);
    op = hj("", "1,'x'", JOIN_RIGHT, NULL);
    expect_rows(op, "NULL,NULL,1,'x'");
    op_free(op);
    op = hj("", "", JOIN_FULL, NULL);
    expect_rows(op, "");
    op_free(op);
    op = op_nl_join(test_rows_op(1, ""), test_rows_op(1, "1"), NULL, JOIN_FULL);
    expect_rows(op, "NULL,1");
    op_free(op);
}

static void test_nl_join_cross_and_non_equi(void **state)
{
    (void)state;
    op_t *op =
        op_nl_join(test_rows_op(1, "1; 2"), test_rows_op(1, "'a'; 'b'; 'c'"), NULL, JOIN_INNER);
    expect_rows(op, "1,'a';1,'b';1,'c';2,'a';2,'b';2,'c'");
    op_free(op);
    /* ON l.x < r.y */
    op = op_nl_join(test_rows_op(1, "1; 5; 3"), test_rows_op(1, "2; 4; NULL"),
                    t_bin(SQL_OP_LT, t_col(0), t_col(1)), JOIN_FULL);
    expect_rows(op, "1,2;1,4;5,NULL;3,4;NULL,NULL");
    op_free(op);
    op = op_nl_join(test_rows_op(1, "1; 5"), test_rows_op(1, ""), NULL, JOIN_LEFT);
    expect_rows(op, "1,NULL;5,NULL");
    op_free(op);
}

static void test_nl_join_reads_right_once_per_open(void **state)
{
    (void)state;
    op_t *right = test_rows_op(1, "1; 2; 3");
    op_t *op = op_nl_join(test_rows_op(1, "1; 2; 3; 4"), right, NULL, JOIN_INNER);
    char *got = test_run_op(op, &ctx);
    free(got);
    assert_int_equal(test_rows_stats_of(right)->opens, 1);
    assert_int_equal(test_rows_stats_of(right)->pulled, 3);
    got = test_run_op(op, &ctx);
    free(got);
    assert_int_equal(test_rows_stats_of(right)->opens, 2);
    op_free(op);
}

static void test_condition_errors(void **state)
{
    (void)state;
    op_t *op = op_nl_join(test_rows_op(1, "1; 0"), test_rows_op(1, "2"),
                          t_bin(SQL_OP_EQ, t_bin(SQL_OP_DIV, t_col(1), t_col(0)), t_const("2")),
                          JOIN_LEFT);
    char *got = test_run_op(op, &ctx);
    assert_non_null(strstr(got, "division by zero"));
    free(got);
    assert_int_equal(ctx.mem_used, 0);
    op_free(op);

    exec_ctx_init(&ctx, NULL, 0);
    op = op_hash_join(test_rows_op(1, "1; 0"), test_rows_op(1, "1"),
                      t_exprs(1, t_bin(SQL_OP_DIV, t_const("1"), t_col(0))), t_exprs(1, t_col(0)),
                      1, NULL, JOIN_INNER);
    got = test_run_op(op, &ctx);
    assert_non_null(strstr(got, "division by zero"));
    free(got);
    op_free(op);

    exec_ctx_init(&ctx, NULL, 0);
    op_t *right = test_rows_op(1, "1; 2");
    test_rows_fail_at(right, 1);
    op = op_hash_join(test_rows_op(1, "1"), right, t_exprs(1, t_col(0)), t_exprs(1, t_col(0)), 1,
                      NULL, JOIN_INNER);
    got = test_run_op(op, &ctx);
    assert_string_equal(got, "ERR: test source failed at row 1");
    free(got);
    assert_int_equal(ctx.mem_used, 0);
    op_free(op);
}

/* Deterministic rows (k, i) with small keys, NULLs, and 1.0 spellings. */
static char *random_rows(unsigned seed, int n)
{
    buf_t b = BUF_INIT(1 << 20);
    uint32_t x = seed * 2654435761u + 7;
    for (int i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        uint32_t r = x >> 16;
        if (i)
            buf_putc(&b, ';');
        if (r % 13 == 0)
            buf_printf(&b, "NULL,%d", i);
        else if (r % 7 == 0)
            buf_printf(&b, "%u.0,%d", r % 23, i);
        else if (r % 17 == 0)
            buf_printf(&b, "'%u',%d", r % 23, i);
        else
            buf_printf(&b, "%u,%d", r % 23, i);
    }
    return buf_steal(&b);
}

static void test_hash_join_equals_nested_loop(void **state)
{
    (void)state;
    for (unsigned seed = 1; seed <= 3; seed++) {
        char *l = random_rows(seed, 150), *r = random_rows(seed + 100, 120);
        for (join_kind k = JOIN_INNER; k <= JOIN_FULL; k++) {
            op_t *a =
                hj(l, r, k, t_bin(SQL_OP_LT, t_col(1), t_bin(SQL_OP_MUL, t_col(3), t_const("2"))));
            op_t *b = op_nl_join(
                test_rows_op(2, l), test_rows_op(2, r),
                t_bin(SQL_OP_AND, t_bin(SQL_OP_EQ, t_col(0), t_col(2)),
                      t_bin(SQL_OP_LT, t_col(1), t_bin(SQL_OP_MUL, t_col(3), t_const("2")))),
                k);
            char *ga = test_run_op(a, &ctx), *gb = test_run_op(b, &ctx);
            assert_string_equal(ga, gb);
            assert_true(strlen(ga) > 100);
            free(ga);
            free(gb);
            op_free(a);
            op_free(b);
        }
        free(l);
        free(r);
    }
}

static void test_memory_limit(void **state)
{
    (void)state;
    char *rows = random_rows(9, 3000);
    exec_limits lim = {.max_memory_bytes = 32 * 1024};
    exec_ctx_init(&ctx, &lim, 0);
    op_t *op = hj("1,1", rows, JOIN_INNER, NULL);
    char *got = test_run_op(op, &ctx);
    assert_int_equal(ctx.err_kind, EXEC_ERR_MEMORY);
    assert_non_null(strstr(got, "HashJoin"));
    assert_int_equal(ctx.mem_used, 0);
    free(got);
    op_free(op);

    exec_ctx_init(&ctx, &lim, 0);
    op = op_nl_join(test_rows_op(2, "1,1"), test_rows_op(2, rows), NULL, JOIN_INNER);
    got = test_run_op(op, &ctx);
    assert_int_equal(ctx.err_kind, EXEC_ERR_MEMORY);
    assert_non_null(strstr(got, "NestedLoopJoin"));
    assert_int_equal(ctx.mem_used, 0);
    free(got);
    op_free(op);

    /* The left side streams: a big left with a small right fits. */
    exec_ctx_init(&ctx, &lim, 0);
    op = hj(rows, "1,1", JOIN_LEFT, NULL);
    got = test_run_op(op, &ctx);
    assert_int_equal(ctx.err_kind, EXEC_OK);
    free(got);
    op_free(op);
    free(rows);
}

static void test_cross_join_checks_limits(void **state)
{
    (void)state;
    buf_t b = BUF_INIT(1 << 20);
    for (int i = 0; i < 100; i++)
        buf_printf(&b, "%s%d", i ? ";" : "", i);
    exec_limits lim = {.deadline_ms = 1};
    exec_ctx_init(&ctx, &lim, 0);
    /* 10000 pairs, none matching: the loop checks the deadline. */
    op_t *op = op_nl_join(test_rows_op(1, buf_cstr(&b)), test_rows_op(1, buf_cstr(&b)),
                          t_const("false"), JOIN_INNER);
    char *got = test_run_op(op, &ctx);
    assert_int_equal(ctx.err_kind, EXEC_ERR_TIMEOUT);
    assert_int_equal(ctx.mem_used, 0);
    free(got);
    op_free(op);
    buf_free(&b);
}

static void test_explain(void **state)
{
    (void)state;
    buf_t b = BUF_INIT(1024);
    op_t *op = hj("", "", JOIN_LEFT, NULL);
    op_explain(op, &b, 0);
    assert_string_equal(buf_cstr(&b), "HashJoin LEFT (keys: 1)\n"
                                      "  TestRows (rows: 0)\n"
                                      "  TestRows (rows: 0)\n");
    op_free(op);
    buf_reset(&b);
    op = hj("", "", JOIN_FULL, t_const("true"));
    op_explain(op, &b, 0);
    assert_string_equal(buf_cstr(&b), "HashJoin FULL (keys: 1, residual)\n"
                                      "  TestRows (rows: 0)\n"
                                      "  TestRows (rows: 0)\n");
    op_free(op);
    buf_reset(&b);
    op = op_nl_join(test_rows_op(1, ""), test_rows_op(1, ""), NULL, JOIN_INNER);
    op_explain(op, &b, 1);
    assert_string_equal(buf_cstr(&b), "  NestedLoopJoin INNER (cross)\n"
                                      "    TestRows (rows: 0)\n"
                                      "    TestRows (rows: 0)\n");
    op_free(op);
    buf_reset(&b);
    op = nlj("", "", JOIN_RIGHT);
    op_explain(op, &b, 0);
    assert_string_equal(buf_cstr(&b), "NestedLoopJoin RIGHT\n"
                                      "  TestRows (rows: 0)\n"
                                      "  TestRows (rows: 0)\n");
    op_free(op);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_hash_join_kinds, setup),
        cmocka_unit_test_setup(test_hash_join_residual, setup),
        cmocka_unit_test_setup(test_key_equality_semantics, setup),
        cmocka_unit_test_setup(test_multi_key_and_computed_keys, setup),
        cmocka_unit_test_setup(test_empty_sides, setup),
        cmocka_unit_test_setup(test_nl_join_cross_and_non_equi, setup),
        cmocka_unit_test_setup(test_nl_join_reads_right_once_per_open, setup),
        cmocka_unit_test_setup(test_condition_errors, setup),
        cmocka_unit_test_setup(test_hash_join_equals_nested_loop, setup),
        cmocka_unit_test_setup(test_memory_limit, setup),
        cmocka_unit_test_setup(test_cross_join_checks_limits, setup),
        cmocka_unit_test_setup(test_explain, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
