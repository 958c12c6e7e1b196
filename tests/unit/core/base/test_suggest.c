#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/base/suggest.h"

static void test_distance(void **state)
{
    (void)state;
    assert_int_equal(edit_distance("", ""), 0);
    assert_int_equal(edit_distance("abc", "abc"), 0);
    assert_int_equal(edit_distance("abc", "ABC"), 0); /* case-insensitive */
    assert_int_equal(edit_distance("abc", "abd"), 1);
    assert_int_equal(edit_distance("abc", "acb"), 1); /* one transposition */
    assert_int_equal(edit_distance("abc", ""), 3);
    assert_int_equal(edit_distance("kitten", "sitting"), 3);
    char longer[70];
    for (int i = 0; i < 69; i++)
        longer[i] = 'a';
    longer[69] = '\0';
    assert_true(edit_distance(longer, "a") == SIZE_MAX);
}

static void test_nearest(void **state)
{
    (void)state;
    const char *cands[] = {"customer_id", "order_id", "status", "total"};
    assert_string_equal(suggest_nearest("custmer_id", cands, 4), "customer_id");
    assert_string_equal(suggest_nearest("Status", cands, 4), "status");
    assert_string_equal(suggest_nearest("totl", cands, 4), "total");
    /* Too far from everything: no suggestion rather than a wild guess. */
    assert_null(suggest_nearest("region", cands, 4));
    /* Short words allow only one edit. */
    const char *shorts[] = {"id", "sku"};
    assert_string_equal(suggest_nearest("ix", shorts, 2), "id");
    assert_null(suggest_nearest("xy", shorts, 2));
    assert_null(suggest_nearest("x", NULL, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_distance),
        cmocka_unit_test(test_nearest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
