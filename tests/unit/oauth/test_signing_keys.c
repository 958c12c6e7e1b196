/* oauth/signing_keys: loading P-256 keys from PEM files (and refusing
 * everything else), the active key, the JWKS, key generation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "oauth/jwt.h"
#include "oauth/signing_keys.h"

#include "core/base/alloc.h"
#include "core/base/base64.h"
#include "core/base/json_util.h"
#include "tests/unit/support/oauth_keys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *dir;
static char *p256; /* a P-256 private key PEM */
static char err[2048];

static int setup(void **state)
{
    (void)state;
    dir = tk_mkdtemp();
    p256 = tk_pem_new("EC", "P-256");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tk_rmdir(dir);
    free(p256);
    return 0;
}

/* Adding the file must fail with a message containing want. */
static void add_file_fails(signing_keys *ks, const char *kid, const char *path, bool active,
                           const char *want)
{
    err[0] = '\0';
    if (signing_keys_add_file(ks, kid, path, active, err, sizeof err))
        fail_msg("%s accepted", path);
    if (!strstr(err, want))
        fail_msg("got '%s', expected it to contain '%s'", err, want);
}

static void test_load_file_and_jwk(void **state)
{
    (void)state;
    char *path = tk_write_file(dir, "k1.pem", p256, 0600);
    signing_keys *ks = signing_keys_new();
    assert_true(signing_keys_add_file(ks, "k1", path, true, err, sizeof err));
    assert_int_equal(signing_keys_count(ks), 1);
    const signing_key *k = signing_keys_find(ks, "k1");
    assert_non_null(k);
    assert_ptr_equal(signing_keys_active(ks), k);
    assert_ptr_equal(signing_keys_at(ks, 0), k);
    assert_null(signing_keys_at(ks, 1));
    assert_true(signing_key_is_active(k));
    assert_string_equal(signing_key_kid(k), "k1");
    assert_non_null(signing_key_pkey(k));
    assert_null(signing_keys_find(ks, "K1"));
    assert_null(signing_keys_find(ks, NULL));

    json_object *jwk = signing_key_jwk(k);
    assert_int_equal(json_object_object_length(jwk), 7);
    assert_string_equal(jget_str(jwk, "kty"), "EC");
    assert_string_equal(jget_str(jwk, "crv"), "P-256");
    assert_string_equal(jget_str(jwk, "kid"), "k1");
    assert_string_equal(jget_str(jwk, "use"), "sig");
    assert_string_equal(jget_str(jwk, "alg"), "ES256");
    assert_int_equal(strlen(jget_str(jwk, "x")), 43); /* 32 bytes, unpadded base64url */
    assert_int_equal(strlen(jget_str(jwk, "y")), 43);
    assert_null(jget(jwk, "d")); /* never the private part */
    json_object_put(jwk);

    /* The 0400 mode is as private as 0600. */
    char *pem2 = tk_pem_new("EC", "P-256");
    char *path2 = tk_write_file(dir, "k2.pem", pem2, 0400);
    free(pem2);
    assert_true(signing_keys_add_file(ks, "k2", path2, false, err, sizeof err));
    json_object *jwks = signing_keys_jwks(ks);
    json_object *keys = jget_arr(jwks, "keys");
    assert_int_equal(json_object_object_length(jwks), 1);
    assert_int_equal(json_object_array_length(keys), 2);
    assert_string_equal(jget_str(json_object_array_get_idx(keys, 0), "kid"), "k1");
    assert_string_equal(jget_str(json_object_array_get_idx(keys, 1), "kid"), "k2");
    assert_string_not_equal(jget_str(json_object_array_get_idx(keys, 0), "x"),
                            jget_str(json_object_array_get_idx(keys, 1), "x"));
    const char *text = json_compact(jwks);
    assert_null(strstr(text, "\"d\""));
    assert_null(strstr(text, "PRIVATE"));
    json_object_put(jwks);
    assert_ptr_equal(signing_keys_active(ks), k); /* k2 only verifies */
    assert_false(signing_key_is_active(signing_keys_find(ks, "k2")));
    signing_keys_free(ks);
    signing_keys_free(NULL);
    free(path);
    free(path2);
}

/* The JWK of the RFC 7515 A.3 key has the RFC's coordinates, and the RFC's
 * signature verifies with it (r||s, not DER). */
static void test_rfc7515_a3(void **state)
{
    (void)state;
    char *pem = tk_pem_rfc7515_a3();
    signing_keys *ks = signing_keys_new();
    assert_true(signing_keys_add_pem(ks, "rfc", pem, strlen(pem), true, err, sizeof err));
    const signing_key *k = signing_keys_active(ks);
    json_object *jwk = signing_key_jwk(k);
    assert_string_equal(jget_str(jwk, "x"), "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU");
    assert_string_equal(jget_str(jwk, "y"), "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0");
    json_object_put(jwk);
    static const char input[] =
        "eyJhbGciOiJFUzI1NiJ9."
        "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0"
        "cnVlfQ";
    static const char sig_b64[] =
        "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
    uint8_t *sig;
    size_t siglen;
    assert_true(base64url_decode(sig_b64, strlen(sig_b64), &sig, &siglen));
    assert_int_equal(siglen, 64);
    assert_true(jwt_es256_verify(k, input, strlen(input), sig, siglen));
    sig[10] ^= 1;
    assert_false(jwt_es256_verify(k, input, strlen(input), sig, siglen));
    free(sig);
    signing_keys_free(ks);
    free(pem);
}

static void test_refused_files(void **state)
{
    (void)state;
    signing_keys *ks = signing_keys_new();
    static const mode_t open_modes[] = {0640, 0604, 0660, 0644, 0620, 0602, 0610, 0601};
    for (size_t i = 0; i < sizeof open_modes / sizeof open_modes[0]; i++) {
        char *path = tk_write_file(dir, "open.pem", p256, open_modes[i]);
        char want[64];
        snprintf(want, sizeof want, "has mode %04o: a private key must not be", open_modes[i]);
        add_file_fails(ks, "k", path, true, want);
        add_file_fails(ks, "k", path, true, "chmod 600");
        free(path);
    }
    add_file_fails(ks, "k", "/nonexistent/ddbsql/key.pem", true,
                   "signing key 'k' ('/nonexistent/ddbsql/key.pem'): cannot open the file: No such "
                   "file or directory");
    add_file_fails(ks, "k", dir, true, "is not a regular file");

    /* Too big, even when mostly a valid key. */
    size_t n = SIGNING_KEY_FILE_MAX + 10;
    char *big = xmalloc(n + 1);
    memset(big, '#', n);
    big[n] = '\0';
    memcpy(big, p256, strlen(p256));
    char *path = tk_write_file(dir, "big.pem", big, 0600);
    add_file_fails(ks, "k", path, true, "is larger than 16384 bytes");
    free(path);
    free(big);

    static const struct {
        const char *name, *text, *want;
    } bad[] = {
        {"empty.pem", "", "holds no PEM private key"},
        {"junk.pem", "not a key\n", "holds no PEM private key"},
        {"cert.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
         "holds no PEM private key"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        path = tk_write_file(dir, bad[i].name, bad[i].text, 0600);
        add_file_fails(ks, "k", path, true, bad[i].want);
        free(path);
    }
    /* A public key alone cannot sign. */
    char *pub = tk_public_pem(p256);
    path = tk_write_file(dir, "pub.pem", pub, 0600);
    add_file_fails(ks, "k", path, true, "holds no PEM private key");
    free(path);
    free(pub);

    /* Other key types and curves. */
    char *p384 = tk_pem_new("EC", "P-384");
    path = tk_write_file(dir, "p384.pem", p384, 0600);
    add_file_fails(ks, "k", path, true, "is not an EC P-256 key");
    add_file_fails(ks, "k", path, true, "secp384r1");
    free(path);
    free(p384);
    char *rsa = tk_pem_new("RSA", NULL);
    path = tk_write_file(dir, "rsa.pem", rsa, 0600);
    add_file_fails(ks, "k", path, true, "is not an EC P-256 key");
    free(path);
    free(rsa);
    char *ed = tk_pem_new("ED25519", NULL);
    path = tk_write_file(dir, "ed.pem", ed, 0600);
    add_file_fails(ks, "k", path, true, "is not an EC P-256 key");
    free(path);
    free(ed);
    assert_int_equal(signing_keys_count(ks), 0);
    signing_keys_free(ks);
}

static void test_encrypted_key(void **state)
{
    (void)state;
    /* openssl pkcs8 -topk8 -v2 aes-256-cbc of a fresh key, made here. */
    char *plain = tk_write_file(dir, "plain.pem", p256, 0600);
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "openssl pkcs8 -topk8 -v2 aes-256-cbc -passout pass:secret -in '%s' -out "
             "'%s/enc.pem' 2>/dev/null && chmod 600 '%s/enc.pem'",
             plain, dir, dir);
    if (system(cmd) != 0) {
        free(plain);
        skip();
    }
    char path[256];
    snprintf(path, sizeof path, "%s/enc.pem", dir);
    signing_keys *ks = signing_keys_new();
    add_file_fails(ks, "k", path, true, "is encrypted; ddbsql needs an unencrypted key file");
    signing_keys_free(ks);
    free(plain);
}

/* A key written by `openssl ecparam -genkey` (SEC1, after EC PARAMETERS). */
static void test_sec1_key(void **state)
{
    (void)state;
    char cmd[1024], path[256];
    snprintf(path, sizeof path, "%s/sec1.pem", dir);
    snprintf(cmd, sizeof cmd,
             "openssl ecparam -name prime256v1 -genkey -out '%s' 2>/dev/null && chmod 600 '%s'",
             path, path);
    if (system(cmd) != 0)
        skip();
    signing_keys *ks = signing_keys_new();
    assert_true(signing_keys_add_file(ks, "sec1", path, true, err, sizeof err));
    signing_keys_free(ks);
}

static void test_set_rules(void **state)
{
    (void)state;
    signing_keys *ks = signing_keys_new();
    size_t n = strlen(p256);
    assert_true(signing_keys_add_pem(ks, "a", p256, n, true, err, sizeof err));
    assert_false(signing_keys_add_pem(ks, "a", p256, n, false, err, sizeof err));
    assert_non_null(strstr(err, "signing key 'a' (PEM text): the key id is already in use"));
    char *other = tk_pem_new("EC", "P-256");
    assert_false(signing_keys_add_pem(ks, "b", other, strlen(other), true, err, sizeof err));
    assert_non_null(strstr(err, "key 'a' is already the active key; only one key signs"));
    static const char *const bad_kids[] = {
        "",         "a b",
        "a/b",      "k\"",
        "\xc3\xa9", "k1234567890123456789012345678901234567890123456789012345678901234", /* 65 */
    };
    for (size_t i = 0; i < sizeof bad_kids / sizeof bad_kids[0]; i++) {
        assert_false(signing_kid_valid(bad_kids[i]));
        assert_false(
            signing_keys_add_pem(ks, bad_kids[i], other, strlen(other), false, err, sizeof err));
        assert_non_null(strstr(err, "is not valid"));
    }
    assert_false(signing_kid_valid(NULL));
    assert_true(signing_kid_valid("2026-01_rotation.b"));
    /* A cap on how many keys are held. */
    for (int i = 1; i < SIGNING_KEYS_MAX; i++) {
        char kid[16];
        snprintf(kid, sizeof kid, "v%d", i);
        assert_true(signing_keys_add_pem(ks, kid, other, strlen(other), false, err, sizeof err));
    }
    assert_false(
        signing_keys_add_pem(ks, "one-more", other, strlen(other), false, err, sizeof err));
    assert_non_null(strstr(err, "more than 16 signing keys"));
    assert_int_equal(signing_keys_count(ks), SIGNING_KEYS_MAX);
    signing_keys_free(ks);
    free(other);
}

static void test_load_config(void **state)
{
    (void)state;
    char *p1 = tk_write_file(dir, "c1.pem", p256, 0600);
    char *p2 = tk_write_file(dir, "c2.pem", p256, 0644);
    signing_key_conf keys[2] = {{"old", p1, false, 0}, {"new", p1, true, 0}};
    oauth_conf oc = {0};
    oc.keys = keys;
    oc.nkeys = 2;
    oc.active_key = &keys[1];
    signing_keys *ks = NULL;
    assert_true(signing_keys_load_config(&oc, &ks, err, sizeof err));
    assert_int_equal(signing_keys_count(ks), 2);
    assert_string_equal(signing_key_kid(signing_keys_active(ks)), "new");
    signing_keys_free(ks);

    keys[0].path = p2; /* mode 0644 */
    assert_false(signing_keys_load_config(&oc, &ks, err, sizeof err));
    assert_null(ks);
    assert_non_null(strstr(err, "signing key 'old'"));
    assert_non_null(strstr(err, "has mode 0644"));

    oc.nkeys = 0;
    assert_false(signing_keys_load_config(&oc, &ks, err, sizeof err));
    assert_string_equal(err, "no [signing_key] is configured");
    free(p1);
    free(p2);
}

/* A worker's start: a key file it cannot use is reported like a bad config
 * value, at the file, line, section and key of its path. */
static void test_load_from_config(void **state)
{
    (void)state;
    char *good = tk_write_file(dir, "w1.pem", p256, 0600);
    char *loose = tk_write_file(dir, "w2.pem", p256, 0644);
    char *junk = tk_write_file(dir, "w3.pem", "not a key\n", 0600);
    const char *cases[][2] = {
        {good, NULL},
        {loose, "has mode 0644"},
        {junk, "holds no PEM private key"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[1024];
        snprintf(text, sizeof text,
                 "public_url = http://127.0.0.1:8080\nauth = oauth\n\n[signing_key k1]\n"
                 "active = true\npath = %s\n\n[schema demo]\nregion = us-east-1\n",
                 cases[i][0]);
        char *conf = tk_write_file(dir, "w.conf", text, 0600);
        config cfg;
        if (!config_load(conf, &cfg, err, sizeof err))
            fail_msg("config refused: %s", err);
        signing_keys *ks = NULL;
        bool ok = signing_keys_load(&cfg, &ks, err, sizeof err);
        if (!cases[i][1]) {
            assert_true(ok);
            assert_int_equal(signing_keys_count(ks), 1);
            assert_string_equal(signing_key_kid(signing_keys_active(ks)), "k1");
        } else {
            assert_false(ok);
            assert_null(ks);
            char want[512];
            snprintf(want, sizeof want, "%s:6: [signing_key k1] path: signing key 'k1' ('%s') ",
                     conf, cases[i][0]);
            if (strncmp(err, want, strlen(want)) != 0 || !strstr(err, cases[i][1]))
                fail_msg("got '%s', expected '%s...%s'", err, want, cases[i][1]);
        }
        signing_keys_free(ks);
        config_free(&cfg);
        free(conf);
    }
    free(good);
    free(loose);
    free(junk);
}

static void test_generate(void **state)
{
    (void)state;
    char path[256];
    snprintf(path, sizeof path, "%s/gen.pem", dir);
    mode_t old = umask(0); /* the mode must not depend on the umask */
    bool ok = signing_key_generate(path, err, sizeof err);
    umask(old);
    if (!ok)
        fail_msg("%s", err);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    signing_keys *ks = signing_keys_new();
    assert_true(signing_keys_add_file(ks, "gen", path, true, err, sizeof err));

    /* No temp file is left beside it. */
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "ls '%s' | grep -c tmp > /dev/null", dir);
    assert_int_not_equal(system(cmd), 0);

    /* Never over an existing file; a second key differs from the first. */
    assert_false(signing_key_generate(path, err, sizeof err));
    assert_non_null(strstr(err, "already exists"));
    char path2[256];
    snprintf(path2, sizeof path2, "%s/gen2.pem", dir);
    assert_true(signing_key_generate(path2, err, sizeof err));
    assert_true(signing_keys_add_file(ks, "gen2", path2, false, err, sizeof err));
    json_object *a = signing_key_jwk(signing_keys_find(ks, "gen"));
    json_object *b = signing_key_jwk(signing_keys_find(ks, "gen2"));
    assert_string_not_equal(jget_str(a, "x"), jget_str(b, "x"));
    json_object_put(a);
    json_object_put(b);
    signing_keys_free(ks);

    assert_false(signing_key_generate("/nonexistent/dir/k.pem", err, sizeof err));
    assert_non_null(strstr(err, "cannot create a temporary file beside '/nonexistent/dir/k.pem'"));
    assert_false(signing_key_generate("", err, sizeof err));
    assert_false(signing_key_generate(NULL, err, sizeof err));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_file_and_jwk), cmocka_unit_test(test_rfc7515_a3),
        cmocka_unit_test(test_refused_files),     cmocka_unit_test(test_encrypted_key),
        cmocka_unit_test(test_sec1_key),          cmocka_unit_test(test_set_rules),
        cmocka_unit_test(test_load_config),       cmocka_unit_test(test_load_from_config),
        cmocka_unit_test(test_generate),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
