#include "core/base/alloc.h"
#include "core/base/crypto.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

static void assert_digest(const uint8_t d[SHA256_LEN], const char *hex)
{
    char got[2 * SHA256_LEN + 1];
    hex_encode(d, SHA256_LEN, got);
    assert_string_equal(got, hex);
}

static void sha_hex(const char *msg, size_t len, const char *hex)
{
    uint8_t d[SHA256_LEN];
    sha256(msg, len, d);
    assert_digest(d, hex);
}

/* FIPS 180-2 appendix B and the NIST example values. */
static void test_sha256_vectors(void **state)
{
    (void)state;
    sha_hex("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sha_hex("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    sha_hex(two_blocks, strlen(two_blocks),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    char *million = xmalloc(1000000);
    memset(million, 'a', 1000000);
    sha_hex(million, 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(million);
}

static void hmac_hex(const void *key, size_t keylen, const void *msg, size_t len, const char *hex)
{
    uint8_t d[SHA256_LEN];
    hmac_sha256(key, keylen, msg, len, d);
    assert_digest(d, hex);
}

/* RFC 4231 §4.2-4.8 (test case 5 is a truncated output, checked as a
 * prefix). */
static void test_hmac_rfc4231(void **state)
{
    (void)state;
    uint8_t key[131], data[50];

    memset(key, 0x0b, 20);
    hmac_hex(key, 20, "Hi There", 8,
             "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");

    hmac_hex("Jefe", 4, "what do ya want for nothing?", 28,
             "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");

    memset(key, 0xaa, 20);
    memset(data, 0xdd, 50);
    hmac_hex(key, 20, data, 50, "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");

    for (int i = 0; i < 25; i++)
        key[i] = (uint8_t)(i + 1);
    memset(data, 0xcd, 50);
    hmac_hex(key, 25, data, 50, "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");

    memset(key, 0x0c, 20);
    uint8_t d[SHA256_LEN];
    char hex[2 * SHA256_LEN + 1];
    hmac_sha256(key, 20, "Test With Truncation", 20, d);
    hex_encode(d, 16, hex);
    assert_string_equal(hex, "a3b6167473100ee06e0c796c2955552b");

    memset(key, 0xaa, 131);
    const char *m6 = "Test Using Larger Than Block-Size Key - Hash Key First";
    hmac_hex(key, 131, m6, strlen(m6),
             "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    const char *m7 = "This is a test using a larger than block-size key and a larger than "
                     "block-size data. The key needs to be hashed before being used by the "
                     "HMAC algorithm.";
    hmac_hex(key, 131, m7, strlen(m7),
             "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

static void test_hmac_empty_key_and_message(void **state)
{
    (void)state;
    const char *expect = "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad";
    hmac_hex("", 0, "", 0, expect);
    hmac_hex(NULL, 0, NULL, 0, expect);
}

static void test_hex_encode(void **state)
{
    (void)state;
    char out[9];
    memset(out, 'X', sizeof out);
    hex_encode((const uint8_t *)"\x00\x0f\xa0\xff", 4, out);
    assert_string_equal(out, "000fa0ff");
    hex_encode((const uint8_t *)"", 0, out);
    assert_string_equal(out, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_vectors),
        cmocka_unit_test(test_hmac_rfc4231),
        cmocka_unit_test(test_hmac_empty_key_and_message),
        cmocka_unit_test(test_hex_encode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
