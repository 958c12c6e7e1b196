#include "core/base/base64.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

/* RFC 4648 §10. */
static const struct {
    const char *plain, *std, *url;
} vectors[] = {
    {"", "", ""},
    {"f", "Zg==", "Zg"},
    {"fo", "Zm8=", "Zm8"},
    {"foo", "Zm9v", "Zm9v"},
    {"foob", "Zm9vYg==", "Zm9vYg"},
    {"fooba", "Zm9vYmE=", "Zm9vYmE"},
    {"foobar", "Zm9vYmFy", "Zm9vYmFy"},
};

static void test_rfc4648_encode(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        char *s = base64_encode(vectors[i].plain, strlen(vectors[i].plain));
        char *u = base64url_encode(vectors[i].plain, strlen(vectors[i].plain));
        assert_string_equal(s, vectors[i].std);
        assert_string_equal(u, vectors[i].url);
        free(s);
        free(u);
    }
}

static void decodes_to(bool url, const char *in, const void *expect, size_t expect_len)
{
    uint8_t *out = NULL;
    size_t outlen = 12345;
    bool ok = url ? base64url_decode(in, strlen(in), &out, &outlen)
                  : base64_decode(in, strlen(in), &out, &outlen);
    assert_true(ok);
    assert_non_null(out);
    assert_int_equal(outlen, expect_len);
    assert_memory_equal(out, expect, expect_len);
    assert_int_equal(out[outlen], 0); /* NUL-terminated for convenience */
    free(out);
}

static void test_rfc4648_decode(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        decodes_to(false, vectors[i].std, vectors[i].plain, strlen(vectors[i].plain));
        decodes_to(true, vectors[i].url, vectors[i].plain, strlen(vectors[i].plain));
    }
}

static void test_alphabets_differ_in_62_and_63(void **state)
{
    (void)state;
    const uint8_t bytes[] = {0xfb, 0xef, 0xbe, 0xff, 0xff};
    char *s = base64_encode(bytes, sizeof bytes);
    char *u = base64url_encode(bytes, sizeof bytes);
    assert_string_equal(s, "++++//8=");
    assert_string_equal(u, "----__8");
    decodes_to(false, s, bytes, sizeof bytes);
    decodes_to(true, u, bytes, sizeof bytes);
    free(s);
    free(u);
}

static void rejects(bool url, const char *in)
{
    uint8_t *out = (uint8_t *)"sentinel";
    size_t outlen = 0;
    bool ok = url ? base64url_decode(in, strlen(in), &out, &outlen)
                  : base64_decode(in, strlen(in), &out, &outlen);
    if (ok)
        fail_msg("decoding '%s' (%s) should have failed", in, url ? "url" : "std");
    assert_null(out);
}

static void test_strict_rejections(void **state)
{
    (void)state;
    /* Standard alphabet: padding is required and exact. */
    rejects(false, "Zg");       /* missing padding */
    rejects(false, "Zg=");      /* short padding */
    rejects(false, "Zg===");    /* too much */
    rejects(false, "Z===");     /* three pads */
    rejects(false, "====");     /* padding only */
    rejects(false, "Zg==Zg=="); /* padding in the middle */
    rejects(false, "=Zm9");
    rejects(false, "Zm9v\n");   /* whitespace */
    rejects(false, "Zm9 v");    /* whitespace inside */
    rejects(false, "Zm-v");     /* url alphabet in standard */
    rejects(false, "Zm_v");     /* url alphabet in standard */
    rejects(false, "Zm9v!A=="); /* outside every alphabet */
    rejects(false, "Zh==");     /* non-canonical: trailing bits set */
    rejects(false, "Zm9=");     /* non-canonical */
    /* URL alphabet: no padding at all. */
    rejects(true, "Zg==");
    rejects(true, "Zm8=");
    rejects(true, "Zm+v"); /* standard alphabet in url */
    rejects(true, "Zm/v");
    rejects(true, "Z");        /* a lone sextet cannot encode a byte */
    rejects(true, "Zm9vY");    /* len % 4 == 1 */
    rejects(true, "Zh");       /* non-canonical */
    rejects(true, "Zm9");      /* non-canonical */
    rejects(true, "Zm9v\x80"); /* high byte */
}

static void test_embedded_nul_rejected(void **state)
{
    (void)state;
    uint8_t *out = NULL;
    size_t outlen;
    assert_false(base64_decode("Zm\0v", 4, &out, &outlen));
    assert_null(out);
    assert_false(base64url_decode("Zm\0v", 4, &out, &outlen));
}

static void test_round_trip_all_bytes(void **state)
{
    (void)state;
    uint8_t data[256];
    for (int i = 0; i < 256; i++)
        data[i] = (uint8_t)(255 - i);
    for (size_t len = 0; len <= sizeof data; len += (len < 10 ? 1 : 37)) {
        char *s = base64_encode(data, len);
        char *u = base64url_encode(data, len);
        assert_int_equal(strlen(s), (len + 2) / 3 * 4);
        assert_int_equal(strlen(s) % 4, 0);
        decodes_to(false, s, data, len);
        decodes_to(true, u, data, len);
        free(s);
        free(u);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc4648_encode),
        cmocka_unit_test(test_rfc4648_decode),
        cmocka_unit_test(test_alphabets_differ_in_62_and_63),
        cmocka_unit_test(test_strict_rejections),
        cmocka_unit_test(test_embedded_nul_rejected),
        cmocka_unit_test(test_round_trip_all_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
