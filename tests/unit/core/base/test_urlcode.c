#include "core/base/urlcode.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

static void decodes(const char *in, bool plus, const char *expect)
{
    buf_t b = BUF_INIT(256);
    if (!url_decode(in, strlen(in), plus, &b))
        fail_msg("url_decode('%s') failed", in);
    assert_string_equal(buf_cstr(&b), expect);
    buf_free(&b);
}

static void decode_fails(const char *in)
{
    buf_t b = BUF_INIT(256);
    if (url_decode(in, strlen(in), true, &b))
        fail_msg("url_decode('%s') should fail", in);
    buf_free(&b);
}

static void test_url_decode(void **state)
{
    (void)state;
    decodes("a+b%20c", true, "a b c");
    decodes("a+b", false, "a+b");
    decodes("%2f%2F%41", true, "//A");
    decodes("", true, "");
    decodes("%C3%A9", true, "\xc3\xa9");
    decode_fails("%");
    decode_fails("%4");
    decode_fails("abc%");
    decode_fails("%zz");
    decode_fails("%g0");
    decode_fails("% 1");
    decode_fails("a%00b"); /* an embedded NUL is never wanted */
}

static void test_url_decode_bound(void **state)
{
    (void)state;
    buf_t b = BUF_INIT(3);
    assert_true(url_decode("%41bc", 5, true, &b));
    assert_string_equal(buf_cstr(&b), "Abc");
    buf_reset(&b);
    assert_false(url_decode("abcd", 4, true, &b));
    buf_free(&b);
}

static void test_url_encode(void **state)
{
    (void)state;
    buf_t b = BUF_INIT(256);
    const char *in = "a b/c?d=e&f~g-h_i.j+\xc3\xa9";
    assert_true(url_encode(in, strlen(in), &b));
    assert_string_equal(buf_cstr(&b), "a%20b%2Fc%3Fd%3De%26f~g-h_i.j%2B%C3%A9");
    /* Round trip. */
    buf_t d = BUF_INIT(256);
    assert_true(url_decode(b.data, b.len, false, &d));
    assert_string_equal(buf_cstr(&d), in);
    buf_free(&d);
    buf_free(&b);
    buf_t small = BUF_INIT(4);
    assert_false(url_encode("a b", 3, &small)); /* "a%20b" is 5 */
    buf_free(&small);
}

static void test_form_parse_basic(void **state)
{
    (void)state;
    kvlist_t l;
    char err[128];
    const char *in = "grant_type=authorization_code&code=a+b%2Bc&redirect_uri=http%3A%2F%2Fh%2Fcb";
    assert_true(form_parse(in, strlen(in), 10, 100, &l, err, sizeof err));
    assert_int_equal(l.n, 3);
    assert_string_equal(kvlist_get(&l, "grant_type"), "authorization_code");
    assert_string_equal(kvlist_get(&l, "code"), "a b+c");
    assert_string_equal(kvlist_get(&l, "redirect_uri"), "http://h/cb");
    assert_null(kvlist_get(&l, "missing"));
    assert_null(kvlist_get(&l, "Code")); /* case-sensitive */
    kvlist_free(&l);
    assert_int_equal(l.n, 0);
    assert_null(l.items);
}

static void test_form_parse_segments(void **state)
{
    (void)state;
    kvlist_t l;
    char err[128];
    const char *in = "&a=1&&b=&c&=v&a=2&";
    assert_true(form_parse(in, strlen(in), 10, 100, &l, err, sizeof err));
    assert_int_equal(l.n, 5);
    assert_string_equal(l.items[0].key, "a");
    assert_string_equal(l.items[0].val, "1");
    assert_string_equal(kvlist_get(&l, "b"), "");
    assert_string_equal(kvlist_get(&l, "c"), ""); /* no '=' */
    assert_string_equal(kvlist_get(&l, ""), "v");
    /* Repeated keys are kept and counted; get returns the first. */
    assert_int_equal(kvlist_count(&l, "a"), 2);
    assert_int_equal(kvlist_count(&l, "b"), 1);
    assert_int_equal(kvlist_count(&l, "zz"), 0);
    assert_string_equal(kvlist_get(&l, "a"), "1");
    kvlist_free(&l);

    assert_true(form_parse("", 0, 10, 100, &l, err, sizeof err));
    assert_int_equal(l.n, 0);
    kvlist_free(&l);
    assert_true(form_parse("&&&", 3, 0, 100, &l, err, sizeof err));
    assert_int_equal(l.n, 0);
    kvlist_free(&l);
    /* The length bounds the input, not a NUL. */
    assert_true(form_parse("a=1&b=2", 3, 10, 100, &l, err, sizeof err));
    assert_int_equal(l.n, 1);
    assert_string_equal(kvlist_get(&l, "a"), "1");
    kvlist_free(&l);
}

static void form_fails(const char *in, size_t max_pairs, size_t max_len, const char *needle)
{
    kvlist_t l;
    char err[160] = "";
    if (form_parse(in, strlen(in), max_pairs, max_len, &l, err, sizeof err)) {
        kvlist_free(&l);
        fail_msg("form_parse('%s') should fail", in);
    }
    assert_int_equal(l.n, 0);
    assert_null(l.items);
    if (!strstr(err, needle))
        fail_msg("error for '%s' is '%s', expected '%s' in it", in, err, needle);
}

static void test_form_parse_rejections(void **state)
{
    (void)state;
    form_fails("a=1&b=2&c=3", 2, 100, "too many parameters (the limit is 2)");
    form_fails("a=1&b=%zz", 10, 100, "parameter 'b': malformed escape");
    form_fails("a=1&b=%0", 10, 100, "parameter 'b'");
    form_fails("a=%00", 10, 100, "parameter 'a'");
    form_fails("a=1&k%zz=1", 10, 100, "parameter 2: malformed or too long name");
    form_fails("a=12345", 10, 4, "longer than 4 bytes");
    form_fails("abcde=1", 10, 4, "parameter 1: malformed or too long name");
    /* Exactly at the limits is fine. */
    kvlist_t l;
    char err[128];
    assert_true(form_parse("abcd=1234&b=2", 13, 2, 4, &l, err, sizeof err));
    assert_int_equal(l.n, 2);
    kvlist_free(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_url_decode),          cmocka_unit_test(test_url_decode_bound),
        cmocka_unit_test(test_url_encode),          cmocka_unit_test(test_form_parse_basic),
        cmocka_unit_test(test_form_parse_segments), cmocka_unit_test(test_form_parse_rejections),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
