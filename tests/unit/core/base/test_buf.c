#include "core/base/buf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

static void test_empty_buffer_is_empty_string(void **state)
{
    (void)state;
    buf_t b = BUF_INIT(10);
    assert_null(b.data);
    assert_string_equal(buf_cstr(&b), "");
    assert_int_equal(b.len, 0);
    buf_t c;
    buf_init(&c, 5);
    assert_int_equal(c.max, 5);
    assert_string_equal(buf_cstr(&c), "");
    buf_free(&b);
    buf_free(&c);
}

static void test_append_up_to_max_then_fails_unchanged(void **state)
{
    (void)state;
    buf_t b = BUF_INIT(8);
    assert_true(buf_append(&b, "abcde", 5));
    assert_false(buf_append(&b, "xyzw", 4)); /* 9 > 8 */
    assert_int_equal(b.len, 5);
    assert_string_equal(buf_cstr(&b), "abcde");
    assert_true(buf_append(&b, "xyz", 3)); /* exactly 8 */
    assert_string_equal(buf_cstr(&b), "abcdexyz");
    assert_false(buf_putc(&b, '!'));
    assert_false(buf_puts(&b, "!"));
    assert_true(buf_append(&b, "", 0)); /* nothing to add is fine */
    assert_string_equal(buf_cstr(&b), "abcdexyz");
    assert_int_equal(b.len, 8);
    buf_free(&b);
}

static void test_zero_max_refuses_everything(void **state)
{
    (void)state;
    buf_t b = BUF_INIT(0);
    assert_false(buf_putc(&b, 'a'));
    assert_false(buf_printf(&b, "%d", 1));
    assert_string_equal(buf_cstr(&b), "");
    buf_free(&b);
}

static void test_nul_terminated_with_binary_data(void **state)
{
    (void)state;
    buf_t b = BUF_INIT(100);
    assert_true(buf_append(&b, "a\0b", 3));
    assert_int_equal(b.len, 3);
    assert_memory_equal(b.data, "a\0b", 4); /* and the terminator */
    assert_true(buf_putc(&b, 'c'));
    assert_int_equal(b.data[4], '\0');
    buf_free(&b);
}

static void test_printf_formats_and_respects_max(void **state)
{
    (void)state;
    buf_t b = BUF_INIT(16);
    assert_true(buf_printf(&b, "%s=%d", "n", 42));
    assert_true(buf_printf(&b, ";%03x", 10));
    assert_string_equal(buf_cstr(&b), "n=42;00a");
    /* 8 + 9 > 16: refused, contents intact. */
    assert_false(buf_printf(&b, "%s", "123456789"));
    assert_string_equal(buf_cstr(&b), "n=42;00a");
    assert_int_equal(b.len, 8);
    assert_true(buf_printf(&b, "%s", "12345678"));
    assert_int_equal(b.len, 16);
    assert_string_equal(buf_cstr(&b), "n=42;00a12345678");
    buf_free(&b);
}

static void test_growth_past_initial_capacity(void **state)
{
    (void)state;
    buf_t b = BUF_INIT(100000);
    for (int i = 0; i < 10000; i++)
        assert_true(buf_printf(&b, "%04d", i));
    assert_int_equal(b.len, 40000);
    assert_memory_equal(b.data + 39996, "9999", 5);
    assert_true(b.cap <= b.max + 1);
    buf_free(&b);
}

static void test_reset_keeps_memory(void **state)
{
    (void)state;
    buf_t b = BUF_INIT(64);
    assert_true(buf_puts(&b, "hello"));
    char *mem = b.data;
    buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(buf_cstr(&b), "");
    assert_ptr_equal(b.data, mem);
    assert_true(buf_puts(&b, "again"));
    assert_string_equal(buf_cstr(&b), "again");
    buf_free(&b);
    buf_reset(&b); /* on a freed buffer: harmless */
    assert_null(b.data);
}

static void test_steal_hands_over_and_empties(void **state)
{
    (void)state;
    buf_t b = BUF_INIT(64);
    assert_true(buf_puts(&b, "owned"));
    char *s = buf_steal(&b);
    assert_string_equal(s, "owned");
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_string_equal(buf_cstr(&b), "");
    /* The buffer can be reused afterwards. */
    assert_true(buf_puts(&b, "x"));
    assert_string_equal(buf_cstr(&b), "x");
    free(s);
    buf_free(&b);
    char *e = buf_steal(&b); /* empty: a fresh "" */
    assert_non_null(e);
    assert_string_equal(e, "");
    free(e);
}

static void test_free_secure(void **state)
{
    (void)state;
    buf_t b = BUF_INIT(64);
    assert_true(buf_puts(&b, "secret"));
    buf_free_secure(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    buf_free_secure(&b); /* twice is fine */
}

static bool vp(buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    bool ok = buf_vprintf(b, fmt, ap);
    va_end(ap);
    return ok;
}

static void test_vprintf(void **state)
{
    (void)state;
    buf_t b = BUF_INIT(6);
    assert_true(vp(&b, "%c%c", 'o', 'k'));
    assert_false(vp(&b, "%s", "toolong"));
    assert_string_equal(buf_cstr(&b), "ok");
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_buffer_is_empty_string),
        cmocka_unit_test(test_append_up_to_max_then_fails_unchanged),
        cmocka_unit_test(test_zero_max_refuses_everything),
        cmocka_unit_test(test_nul_terminated_with_binary_data),
        cmocka_unit_test(test_printf_formats_and_respects_max),
        cmocka_unit_test(test_growth_past_initial_capacity),
        cmocka_unit_test(test_reset_keeps_memory),
        cmocka_unit_test(test_steal_hands_over_and_empties),
        cmocka_unit_test(test_free_secure),
        cmocka_unit_test(test_vprintf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
