#include "sql/op_internal.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"
#include "tests/unit/support/test_rows_op.h"

/* ---- idx_sort ------------------------------------------------------------- */

static int by_key(const void *ctx, size_t a, size_t b)
{
    const int *k = ctx;
    return (k[a] > k[b]) - (k[a] < k[b]);
}

static void check_sort(const int *keys, size_t n)
{
    size_t *idx = xmallocarray(n ? n : 1, sizeof *idx);
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    idx_sort(idx, n, by_key, keys);
    bool *seen = xcalloc(n ? n : 1, sizeof *seen);
    for (size_t i = 0; i < n; i++) {
        assert_false(seen[idx[i]]);
        seen[idx[i]] = true;
        if (i) {
            assert_true(keys[idx[i - 1]] <= keys[idx[i]]);
            if (keys[idx[i - 1]] == keys[idx[i]])
                assert_true(idx[i - 1] < idx[i]); /* stable */
        }
    }
    free(seen);
    free(idx);
}

static void test_idx_sort_sorted_and_stable(void **state)
{
    (void)state;
    static const size_t sizes[] = {0, 1, 2, 3, 12, 13, 100, 1000, 5000};
    uint32_t x = 12345;
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t n = sizes[s];
        int *k = xmallocarray(n ? n : 1, sizeof *k);
        for (int mode = 0; mode < 4; mode++) {
            for (size_t i = 0; i < n; i++) {
                x = x * 1103515245u + 12345u;
                k[i] = mode == 0   ? (int)(x >> 16) % 10      /* many ties */
                       : mode == 1 ? (int)i                   /* sorted */
                       : mode == 2 ? (int)(n - i)             /* reversed */
                                   : (int)(x >> 8) % 1000000; /* few ties */
            }
            check_sort(k, n);
        }
        free(k);
    }
}

/* ---- rows_order ------------------------------------------------------------ */

static void test_rows_order_directions(void **state)
{
    (void)state;
    value_t a[2] = {test_value("1"), test_value("'x'")};
    value_t b[2] = {test_value("1.0"), test_value("'y'")};
    value_t n[2] = {test_value("NULL"), test_value("'x'")};
    int cols[2] = {0, 1};
    bool asc[2] = {false, false}, desc[2] = {false, true};
    assert_true(rows_order(a, b, cols, asc, 2) < 0);
    assert_true(rows_order(a, b, cols, desc, 2) > 0);
    assert_int_equal(rows_order(a, b, cols, asc, 1), 0);
    /* NULL first ascending, last descending. */
    assert_true(rows_order(n, a, cols, asc, 1) < 0);
    assert_true(rows_order(n, a, cols, (bool[]){true}, 1) > 0);
    int rev[1] = {1};
    assert_true(rows_order(a, b, rev, asc, 1) < 0);
    row_free(a, 2);
    row_free(b, 2);
    row_free(n, 2);
}

static int sign(int c)
{
    return (c > 0) - (c < 0);
}

static void test_rows_order_agrees_with_value_order(void **state)
{
    (void)state;
    /* Same-scale numbers take a shortcut; it must order like value_order. */
    const char *vals[] = {"-1.50",
                          "1.25",
                          "-0.01",
                          "0.00",
                          "0",
                          "12.34",
                          "-12.34",
                          "1.5",
                          "1.50",
                          "2",
                          "-2",
                          "1E+10",
                          "1e-10",
                          "'a'",
                          "NULL",
                          "2.5d",
                          "true",
                          "99999999999999999999999999999999999999",
                          "-99999999999999999999999999999999999999"};
    size_t n = sizeof vals / sizeof vals[0];
    int cols[1] = {0};
    bool asc[1] = {false};
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++) {
            value_t a = test_value(vals[i]), b = test_value(vals[j]);
            assert_int_equal(sign(rows_order(&a, &b, cols, asc, 1)), sign(value_order(&a, &b)));
            value_free(&a);
            value_free(&b);
        }
    }
}

/* ---- keyset ---------------------------------------------------------------- */

static void test_keyset_numbers_in_insertion_order(void **state)
{
    (void)state;
    keyset s;
    keyset_init(&s, 2);
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 5000; i++) {
            value_t k[2] = {value_int(i % 1000), value_int(i % 7 == 0)};
            bool added;
            size_t e = keyset_find_or_add(&s, k, keys_hash(k, 2), &added);
            int64_t f = keyset_find(&s, k, keys_hash(k, 2));
            assert_int_equal(f, (int64_t)e);
            (void)e;
        }
        /* (i % 1000, i % 7 == 0) over 0..4999: every (r, b) pair that
           occurs, numbered by first occurrence. */
        size_t want = 0;
        for (int r = 0; r < 1000; r++) {
            bool t = false, f = false;
            for (int i = r; i < 5000; i += 1000)
                *(i % 7 == 0 ? &t : &f) = true;
            want += t + f;
        }
        assert_int_equal(keyset_count(&s), want);
        value_t first[2] = {value_int(0), value_int(1)};
        assert_int_equal(keyset_find(&s, first, keys_hash(first, 2)), 0);
        value_t absent[2] = {value_int(5000), value_int(0)};
        assert_int_equal(keyset_find(&s, absent, keys_hash(absent, 2)), -1);
        keyset_clear(&s);
        assert_int_equal(keyset_count(&s), 0);
        assert_int_equal(keyset_find(&s, first, keys_hash(first, 2)), -1);
    }
    keyset_free(&s);
}

static void test_keyset_sql_equality(void **state)
{
    (void)state;
    keyset s;
    keyset_init(&s, 1);
    const char *vals[] = {"1", "1.0", "1.00d", "'1'", "NULL", "NULL", "true", "'1'"};
    size_t want[] = {0, 0, 0, 1, 2, 2, 3, 1};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        value_t v = test_value(vals[i]);
        bool added;
        assert_int_equal(keyset_find_or_add(&s, &v, keys_hash(&v, 1), &added), want[i]);
        value_free(&v);
    }
    /* The stored key is a copy of the first one seen. */
    char *t = test_value_text(keyset_key(&s, 0));
    assert_string_equal(t, "1");
    free(t);
    keyset_free(&s);

    /* Width 0: every key is the same one. */
    keyset_init(&s, 0);
    bool added;
    assert_int_equal(keyset_find_or_add(&s, NULL, keys_hash(NULL, 0), &added), 0);
    assert_true(added);
    assert_int_equal(keyset_find_or_add(&s, NULL, keys_hash(NULL, 0), &added), 0);
    assert_false(added);
    keyset_free(&s);
}

static void test_keys_helpers(void **state)
{
    (void)state;
    value_t a[2] = {test_value("2"), test_value("'s'")};
    value_t b[2] = {test_value("2.000"), test_value("'s'")};
    assert_true(keys_equal(a, b, 2));
    assert_int_equal(keys_hash(a, 2), keys_hash(b, 2));
    assert_false(keys_have_null(a, 2));
    value_free(&b[1]);
    assert_false(keys_equal(a, b, 2));
    assert_true(keys_have_null(b, 2));
    row_free(a, 2);
    row_free(b, 2);
}

/* ---- rows and keys evaluation ---------------------------------------------- */

static void test_rowvec_width_zero_and_reuse(void **state)
{
    (void)state;
    rowvec r;
    rowvec_init(&r, 0);
    value_t *a = rowvec_push(&r);
    value_t *b = rowvec_push(&r);
    assert_ptr_not_equal(a, b);
    assert_int_equal(r.n, 2);
    rowvec_free(&r);

    rowvec_init(&r, 2);
    for (int i = 0; i < 1000; i++) {
        value_t *row = rowvec_push(&r);
        assert_int_equal(row[0].type, VAL_NULL);
        row[0] = value_int(i);
        row[1] = value_cstring("payload");
    }
    assert_int_equal(rowvec_at(&r, 999)[0].u.num.d.coef, 999);
    rowvec_clear(&r);
    assert_int_equal(r.n, 0);
    rowvec_free(&r);
}

static void test_keyeval_borrows_columns(void **state)
{
    (void)state;
    exec_ctx ctx;
    exec_ctx_init(&ctx, NULL, 0);
    keyeval k;
    keyeval_init(&k, t_exprs(2, t_col(1), t_bin(SQL_OP_ADD, t_col(0), t_const("1"))), 2);
    value_t row[2] = {test_value("41"), test_value("'x'")};
    assert_true(keyeval_run(&k, &ctx, row));
    assert_ptr_equal(k.vals[0].u.bytes, row[1].u.bytes); /* borrowed, same payload */
    assert_int_equal(row[1].u.bytes->refs, 1);
    char *t = test_value_text(&k.vals[1]);
    assert_string_equal(t, "42");
    free(t);
    keyeval_done(&k);
    assert_int_equal(k.vals[0].type, VAL_NULL);
    value_t zero[2] = {test_value("1"), test_value("'x'")};
    keyeval_free(&k);

    keyeval_init(
        &k, t_exprs(1, t_bin(SQL_OP_DIV, t_const("1"), t_bin(SQL_OP_SUB, t_col(0), t_col(0)))), 1);
    assert_false(keyeval_run(&k, &ctx, zero));
    assert_int_equal(ctx.err_kind, EXEC_ERR_SQL);
    keyeval_free(&k);
    row_free(row, 2);
    row_free(zero, 2);

    exec_ctx_init(&ctx, NULL, 0);
    value_t tmp = value_null();
    value_t r1[1] = {test_value("7")};
    bexpr *col = t_col(0), *calc = t_bin(SQL_OP_MUL, t_col(0), t_const("2"));
    assert_ptr_equal(eval_borrow(&ctx, col, r1, &tmp), &r1[0]);
    const value_t *v = eval_borrow(&ctx, calc, r1, &tmp);
    assert_ptr_equal(v, &tmp);
    t = test_value_text(v);
    assert_string_equal(t, "14");
    free(t);
    value_free(&tmp);
    bexpr_free(col);
    bexpr_free(calc);
    row_free(r1, 1);
}

/* ---- memory account and explain --------------------------------------------- */

static void test_memacct(void **state)
{
    (void)state;
    exec_limits lim = {.max_memory_bytes = 1000};
    exec_ctx ctx;
    exec_ctx_init(&ctx, &lim, 0);
    memacct m;
    memacct_start(&m, &ctx, "Thing");
    assert_true(memacct_bytes(&m, 600));
    assert_int_equal(ctx.mem_used, 600);
    assert_false(memacct_bytes(&m, 600));
    assert_int_equal(ctx.err_kind, EXEC_ERR_MEMORY);
    assert_non_null(strstr(ctx.err.message, "Thing"));
    /* The failed charge is held too, and given back with the rest. */
    assert_int_equal(m.held, 1200);
    memacct_release(&m);
    assert_int_equal(ctx.mem_used, 0);
    memacct_release(&m);
    assert_int_equal(ctx.mem_used, 0);
    value_t row[1] = {value_cstring("abc")};
    exec_ctx_init(&ctx, NULL, 0);
    memacct_start(&m, &ctx, "Thing");
    assert_true(memacct_row(&m, row, 1));
    assert_int_equal(m.held, exec_row_bytes(row, 1));
    memacct_release(&m);
    row_free(row, 1);
}

static void test_explain_line(void **state)
{
    (void)state;
    buf_t b = BUF_INIT(256);
    explain_line(&b, 0, "A (%d)", 1);
    explain_line(&b, 2, "B");
    assert_string_equal(buf_cstr(&b), "A (1)\n    B\n");
    buf_free(&b);
    assert_string_equal(join_kind_name(JOIN_INNER), "INNER");
    assert_string_equal(join_kind_name(JOIN_LEFT), "LEFT");
    assert_string_equal(join_kind_name(JOIN_RIGHT), "RIGHT");
    assert_string_equal(join_kind_name(JOIN_FULL), "FULL");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_idx_sort_sorted_and_stable),
        cmocka_unit_test(test_rows_order_directions),
        cmocka_unit_test(test_rows_order_agrees_with_value_order),
        cmocka_unit_test(test_keyset_numbers_in_insertion_order),
        cmocka_unit_test(test_keyset_sql_equality),
        cmocka_unit_test(test_keys_helpers),
        cmocka_unit_test(test_rowvec_width_zero_and_reuse),
        cmocka_unit_test(test_keyeval_borrows_columns),
        cmocka_unit_test(test_memacct),
        cmocka_unit_test(test_explain_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
