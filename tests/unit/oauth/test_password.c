/* oauth/password: scrypt PHC strings (hash, verify, parse) against the
 * RFC 7914 test vector, round trips, wrong passwords, and hash strings that
 * are malformed or ask for absurd work. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "oauth/password.h"

#include <stdlib.h>
#include <string.h>

static char err[512];

/* Cheap parameters so the suite stays fast; the defaults get one test. */
static const password_params FAST = {10, 8, 1};

/* RFC 7914 §12, third vector: P="pleaseletmein", S="SodiumChloride",
 * N=16384, r=8, p=1, dkLen=64. */
#define RFC_VECTOR                                                                                 \
    "$scrypt$ln=14,r=8,p=1$U29kaXVtQ2hsb3JpZGU$cCO9yzr9c0hGHAbNgf046/"                             \
    "2o+7qQT44+qbVD9lRdofLVQylVYT8Pz2LUlwUkKpr55h6F3A1lHkDfzwF7RVdYhw"

static password_result verify(const char *pw, const char *phc)
{
    err[0] = '\0';
    return password_verify(pw, strlen(pw), phc, err, sizeof err);
}

static void test_rfc7914_vector(void **state)
{
    (void)state;
    assert_int_equal(verify("pleaseletmein", RFC_VECTOR), PASSWORD_OK);
    assert_int_equal(verify("pleaseletmeim", RFC_VECTOR), PASSWORD_MISMATCH);
    assert_int_equal(verify("pleaseletmein ", RFC_VECTOR), PASSWORD_MISMATCH);
    password_params p;
    assert_true(password_hash_params(RFC_VECTOR, &p));
    assert_int_equal(p.ln, 14);
    assert_int_equal(p.r, 8);
    assert_int_equal(p.p, 1);
}

static void test_round_trip(void **state)
{
    (void)state;
    char *h1 = password_hash("correct horse", 13, &FAST, err, sizeof err);
    char *h2 = password_hash("correct horse", 13, &FAST, err, sizeof err);
    assert_non_null(h1);
    assert_non_null(h2);
    /* A fresh salt per hash: equal passwords, different strings. */
    assert_string_not_equal(h1, h2);
    assert_true(strncmp(h1, "$scrypt$ln=10,r=8,p=1$", 22) == 0);
    assert_null(strchr(h1 + 22, '=')); /* no padding */
    /* 16-byte salt -> 22 chars, 32-byte hash -> 43 chars. */
    const char *salt = h1 + 22, *hash = strchr(salt, '$');
    assert_non_null(hash);
    assert_int_equal(hash - salt, 22);
    assert_int_equal(strlen(hash + 1), 43);
    assert_true(password_hash_check(h1, err, sizeof err));

    assert_int_equal(verify("correct horse", h1), PASSWORD_OK);
    assert_int_equal(verify("correct horse", h2), PASSWORD_OK);
    assert_int_equal(verify("correct horsE", h1), PASSWORD_MISMATCH);
    assert_int_equal(verify("correct hors", h1), PASSWORD_MISMATCH);
    assert_int_equal(verify("", h1), PASSWORD_MISMATCH);
    assert_int_equal(password_verify(NULL, 0, h1, err, sizeof err), PASSWORD_MISMATCH);
    free(h1);
    free(h2);
}

static void test_binary_and_long_passwords(void **state)
{
    (void)state;
    /* Any bytes: an embedded NUL and non-ASCII are part of the password. */
    const char pw[] = "a\0b\xc3\xa9";
    char *h = password_hash(pw, sizeof pw - 1, &FAST, err, sizeof err);
    assert_non_null(h);
    assert_int_equal(password_verify(pw, sizeof pw - 1, h, err, sizeof err), PASSWORD_OK);
    assert_int_equal(password_verify(pw, 1, h, err, sizeof err), PASSWORD_MISMATCH);
    free(h);

    char *big = malloc(PASSWORD_MAX_LEN + 1);
    memset(big, 'p', PASSWORD_MAX_LEN + 1);
    h = password_hash(big, PASSWORD_MAX_LEN, &FAST, err, sizeof err);
    assert_non_null(h);
    assert_int_equal(password_verify(big, PASSWORD_MAX_LEN, h, err, sizeof err), PASSWORD_OK);
    /* One byte over the cap never matches (and is not even tried). */
    assert_int_equal(password_verify(big, PASSWORD_MAX_LEN + 1, h, err, sizeof err),
                     PASSWORD_MISMATCH);
    assert_null(password_hash(big, PASSWORD_MAX_LEN + 1, &FAST, err, sizeof err));
    assert_non_null(strstr(err, "1 to 1024 bytes"));
    assert_null(password_hash("", 0, &FAST, err, sizeof err));
    free(big);
    free(h);
}

static void test_default_parameters(void **state)
{
    (void)state;
    char *h = password_hash("pw", 2, NULL, err, sizeof err);
    assert_non_null(h);
    assert_true(strncmp(h, "$scrypt$ln=14,r=8,p=1$", 22) == 0);
    assert_int_equal(verify("pw", h), PASSWORD_OK);
    password_burn("pw", 2); /* does the same work and changes nothing */
    password_burn(NULL, 0);
    free(h);
}

static void test_hash_refuses_bad_parameters(void **state)
{
    (void)state;
    password_params p = {9, 8, 1};
    assert_null(password_hash("pw", 2, &p, err, sizeof err));
    assert_non_null(strstr(err, "ln=9"));
    p = (password_params){15, 0, 1};
    assert_null(password_hash("pw", 2, &p, err, sizeof err));
    assert_non_null(strstr(err, "r=0"));
    p = (password_params){20, 8, 1};
    assert_null(password_hash("pw", 2, &p, err, sizeof err));
    assert_non_null(strstr(err, "MiB of memory"));
}

/* A hash string that is refused, with a message containing want. */
static void bad_hash(const char *phc, const char *want)
{
    char why[256] = "";
    if (password_hash_check(phc, why, sizeof why))
        fail_msg("accepted: %s", phc);
    if (!strstr(why, want))
        fail_msg("%s: got '%s', expected '%s'", phc, why, want);
    password_params p;
    assert_false(password_hash_params(phc, &p));
    /* Verification refuses it the same way, without deriving anything. */
    assert_int_equal(verify("pleaseletmein", phc), PASSWORD_BAD_HASH);
    assert_non_null(strstr(err, "the stored password hash"));
    assert_non_null(strstr(err, want));
}

#define SALT "U29kaXVtQ2hsb3JpZGU"
#define HASH                                                                                       \
    "cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofLVQylVYT8Pz2LUlwUkKpr55h6F3A1lHkDfzwF7RVdYhw"

static void test_malformed_hashes(void **state)
{
    (void)state;
    bad_hash(NULL, "is missing");
    bad_hash("", "is not a password hash");
    bad_hash("hunter2", "is not a password hash");
    bad_hash("$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2g", "not an scrypt hash");
    bad_hash("$2b$12$abcdefghijklmnopqrstuv", "not an scrypt hash");
    bad_hash("$scrypt$", "malformed parameters");
    bad_hash("$scrypt$ln=14,r=8$" SALT "$" HASH, "malformed parameters");
    bad_hash("$scrypt$r=8,ln=14,p=1$" SALT "$" HASH, "malformed parameters");
    bad_hash("$scrypt$ln=014,r=8,p=1$" SALT "$" HASH, "malformed parameters");
    bad_hash("$scrypt$ln=+14,r=8,p=1$" SALT "$" HASH, "malformed parameters");
    bad_hash("$scrypt$ln=14,r=8,p=1,x=2$" SALT "$" HASH, "malformed parameters");
    bad_hash("$scrypt$ln=14,r=8,p=99999999999$" SALT "$" HASH, "malformed parameters");
    bad_hash("$scrypt$ln=14,r=8,p=1", "malformed parameters");
    bad_hash("$scrypt$ln=14,r=8,p=1$" SALT, "no hash after the salt");
    bad_hash("$scrypt$ln=14,r=8,p=1$$" HASH, "salt");
    bad_hash("$scrypt$ln=14,r=8,p=1$" SALT "=$" HASH, "salt");
    bad_hash("$scrypt$ln=14,r=8,p=1$c2FsdA$" HASH, "salt"); /* 4 bytes: too short */
    bad_hash("$scrypt$ln=14,r=8,p=1$" SALT "$", "hash");
    bad_hash("$scrypt$ln=14,r=8,p=1$" SALT "$" HASH "==", "hash");
    bad_hash("$scrypt$ln=14,r=8,p=1$" SALT "$" HASH "$", "hash");
    bad_hash("$scrypt$ln=14,r=8,p=1$" SALT "$aGFzaA", "hash"); /* 4 bytes */
    bad_hash("$scrypt$ln=14,r=8,p=1$" SALT "$" HASH "x", "hash");
    bad_hash("$scrypt$ln=14,r=8,p=1$" SALT "$c2Fsd!Fz", "hash");
    /* Non-zero trailing bits: not a canonical encoding. */
    bad_hash("$scrypt$ln=14,r=8,p=1$" SALT "$"
             "cCO9yzr9c0hGHAbNgf046/"
             "2o+7qQT44+qbVD9lRdofLVQylVYT8Pz2LUlwUkKpr55h6F3A1lHkDfzwF7RVdYhx",
             "hash");
    char longer[400];
    memset(longer, 'A', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    memcpy(longer, "$scrypt$", 8);
    bad_hash(longer, "longer than 256");
}

static void test_absurd_parameters_refused(void **state)
{
    (void)state;
    bad_hash("$scrypt$ln=9,r=8,p=1$" SALT "$" HASH, "ln=9");
    bad_hash("$scrypt$ln=0,r=8,p=1$" SALT "$" HASH, "ln=0");
    bad_hash("$scrypt$ln=21,r=1,p=1$" SALT "$" HASH, "ln=21");
    bad_hash("$scrypt$ln=64,r=1,p=1$" SALT "$" HASH, "ln=64");
    bad_hash("$scrypt$ln=4000000000,r=1,p=1$" SALT "$" HASH, "ln=64");
    bad_hash("$scrypt$ln=14,r=0,p=1$" SALT "$" HASH, "r=0");
    bad_hash("$scrypt$ln=14,r=33,p=1$" SALT "$" HASH, "r=33");
    bad_hash("$scrypt$ln=14,r=8,p=0$" SALT "$" HASH, "p=0");
    bad_hash("$scrypt$ln=14,r=8,p=17$" SALT "$" HASH, "p=17");
    /* 2^20 * 8 * 128 bytes = 1 GiB of memory. */
    bad_hash("$scrypt$ln=20,r=8,p=1$" SALT "$" HASH, "1024 MiB of memory");
    /* Within the memory cap, but 2^17 * 8 * 16 is too much time. */
    bad_hash("$scrypt$ln=17,r=8,p=16$" SALT "$" HASH, "too much work");
    /* At the edges: accepted. */
    char why[256];
    assert_true(password_hash_check("$scrypt$ln=20,r=1,p=4$" SALT "$" HASH, why, sizeof why));
    assert_true(password_hash_check("$scrypt$ln=10,r=32,p=16$" SALT "$" HASH, why, sizeof why));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc7914_vector),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_binary_and_long_passwords),
        cmocka_unit_test(test_default_parameters),
        cmocka_unit_test(test_hash_refuses_bad_parameters),
        cmocka_unit_test(test_malformed_hashes),
        cmocka_unit_test(test_absurd_parameters_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
