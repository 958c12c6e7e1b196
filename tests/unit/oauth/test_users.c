/* oauth/users and the [user NAME] / sign-in keys of the config: loading,
 * validation messages that name the key, password sign-in (every refusal
 * alike), REMOTE_USER, and whether a signed-in session may still act. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "oauth/users.h"

#include "oauth/password.h"
#include "oauth/scope.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmpdir[64];
static char err[2048];
static int nfiles;
static char *alice_hash, *bob_hash; /* of "alice-pw" and "bob-pw" */

static int group_setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/ddbsql-users-XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    password_params fast = {10, 8, 1};
    alice_hash = password_hash("alice-pw", 8, &fast, err, sizeof err);
    bob_hash = password_hash("bob-pw", 6, &fast, err, sizeof err);
    return alice_hash && bob_hash ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    free(alice_hash);
    free(bob_hash);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

#define HEAD "public_url = http://127.0.0.1:8080\nauth = none\n[schema s]\nregion = us-east-1\n"

/* Loads HEAD followed by the text (a printf format). */
static bool load(config *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool load(config *c, const char *fmt, ...)
{
    char path[128], body[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    snprintf(path, sizeof path, "%s/c%d.conf", tmpdir, nfiles++);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(HEAD, fp);
    fputs(body, fp);
    assert_int_equal(fclose(fp), 0);
    err[0] = '\0';
    return config_load(path, c, err, sizeof err);
}

/* The load fails and the message (after the path) contains want. */
#define LOAD_FAILS(want, ...)                                                                      \
    do {                                                                                           \
        config c_;                                                                                 \
        if (load(&c_, __VA_ARGS__)) {                                                              \
            config_free(&c_);                                                                      \
            fail_msg("accepted; expected: %s", want);                                              \
        }                                                                                          \
        if (!strstr(err, want))                                                                    \
            fail_msg("got '%s', expected '%s'", err, want);                                        \
    } while (0)

static void test_load_users(void **state)
{
    (void)state;
    config c;
    if (!load(&c,
              "[user alice]\npassword_hash = %s\n"
              "[user bob.smith@example.com]\npassword_hash = %s\nscopes = query\n"
              "disabled = true\n"
              "[oauth]\ntrust_remote_user = true\nlogin_max_attempts_per_user = 5\n"
              "login_max_attempts_per_ip = 20\nlogin_window_seconds = 300\n"
              "login_session_ttl_seconds = 1800\n"
              "[user carol]\nscopes = schemas:read query\n",
              alice_hash, bob_hash))
        fail_msg("%s", err);
    assert_int_equal(c.oauth.nusers, 3);
    const user_conf *a = users_find(&c, "alice");
    assert_non_null(a);
    assert_string_equal(a->password_hash, alice_hash);
    assert_string_equal(a->scopes, "query schemas:read"); /* the default: every scope */
    assert_false(a->disabled);
    assert_int_equal(users_scope_bits(a), SCOPE_ALL);
    const user_conf *b = users_find(&c, "bob.smith@example.com");
    assert_non_null(b);
    assert_true(b->disabled);
    assert_string_equal(b->scopes, "query");
    assert_int_equal(users_scope_bits(b), SCOPE_QUERY);
    const user_conf *cu = users_find(&c, "carol");
    assert_null(cu->password_hash);
    assert_string_equal(cu->scopes, "query schemas:read"); /* canonical order */
    /* Exact names only. */
    assert_null(users_find(&c, "Alice"));
    assert_null(users_find(&c, "alic"));
    assert_null(users_find(&c, NULL));
    assert_null(users_find(NULL, "alice"));
    assert_int_equal(c.oauth.login_max_attempts_per_user, 5);
    assert_int_equal(c.oauth.login_max_attempts_per_ip, 20);
    assert_int_equal(c.oauth.login_window_seconds, 300);
    assert_int_equal(c.oauth.login_session_ttl_seconds, 1800);
    config_free(&c);

    /* Defaults. */
    assert_true(load(&c, "%s", ""));
    assert_int_equal(c.oauth.nusers, 0);
    assert_int_equal(c.oauth.login_max_attempts_per_user, 10);
    assert_int_equal(c.oauth.login_max_attempts_per_ip, 50);
    assert_int_equal(c.oauth.login_window_seconds, 900);
    assert_int_equal(c.oauth.login_session_ttl_seconds, 3600);
    config_free(&c);
}

static void test_user_validation(void **state)
{
    (void)state;
    LOAD_FAILS(":6: [user alice] password_hash: (hidden) is not a password hash",
               "[user alice]\npassword_hash = hunter2\n");
    LOAD_FAILS(":6: [user alice] password_hash: (hidden) is not an scrypt hash",
               "[user alice]\npassword_hash = $2b$12$abcdefghijklmnopqrstuv\n");
    LOAD_FAILS(":6: [user alice] password_hash: (hidden) has ln=30",
               "[user alice]\npassword_hash = $scrypt$ln=30,r=8,p=1$c2FsdHNhbHQ$"
               "aGFzaGhhc2hoYXNoaGFzaA\n");
    /* The hash is never echoed. */
    assert_null(strstr(err, "c2FsdHNhbHQ"));
    LOAD_FAILS(":5: [user alice] password_hash: missing (required unless [oauth] "
               "trust_remote_user = true)",
               "[user alice]\nscopes = query\n");
    LOAD_FAILS(":7: [user alice] scopes: 'admin' is not a scope of this server (known: query "
               "schemas:read)",
               "[user alice]\npassword_hash = %s\nscopes = query admin\n", alice_hash);
    LOAD_FAILS(":7: [user alice] scopes: 'quer' is not a scope of this server (did you mean "
               "'query'?)",
               "[user alice]\npassword_hash = %s\nscopes = quer\n", alice_hash);
    LOAD_FAILS(":7: [user alice] scopes: ",
               "[user alice]\npassword_hash = %s\nscopes = query  "
               "schemas:read\n",
               alice_hash);
    LOAD_FAILS(":7: [user alice] disabled: 'maybe' is not a boolean",
               "[user alice]\npassword_hash = %s\ndisabled = maybe\n", alice_hash);
    LOAD_FAILS(":7: [user alice] pasword_hash: unknown key 'pasword_hash' (did you mean "
               "'password_hash'?)",
               "[user alice]\npassword_hash = %s\npasword_hash = x\n", alice_hash);
    LOAD_FAILS("needs a name: [user NAME]", "[user]\npassword_hash = %s\n", alice_hash);
    LOAD_FAILS(":5: [user al/ice] 'al/ice' is not a valid user name",
               "[user al/ice]\npassword_hash = %s\n", alice_hash);
    LOAD_FAILS(":7: [user Alice] user 'Alice' differs from user 'alice' only in letter case",
               "[user alice]\npassword_hash = %s\n[user Alice]\npassword_hash = %s\n", alice_hash,
               alice_hash);
    char longname[80];
    memset(longname, 'n', 65);
    longname[65] = '\0';
    LOAD_FAILS("is not a valid user name (1 to 64 letters", "[user %s]\npassword_hash = %s\n",
               longname, alice_hash);
    /* The [oauth] sign-in keys. */
    LOAD_FAILS(":6: [oauth] login_max_attempts_per_user: '0' is out of range (1 to 1000000)",
               "[oauth]\nlogin_max_attempts_per_user = 0\n");
    LOAD_FAILS(":6: [oauth] login_window_seconds: '86401' is out of range",
               "[oauth]\nlogin_window_seconds = 86401\n");
    LOAD_FAILS(":6: [oauth] login_session_ttl_seconds: login_session_ttl_seconds (50000) is longer "
               "than session_lifetime_hours (12 h = 43200 s)",
               "[oauth]\nlogin_session_ttl_seconds = 50000\n");
    /* Fine when the session is long enough, in either order. */
    config c;
    if (!load(&c, "[oauth]\nlogin_session_ttl_seconds = 50000\nsession_lifetime_hours = 24\n"))
        fail_msg("%s", err);
    config_free(&c);
    /* A user without a password is fine once REMOTE_USER is trusted, even
     * when [oauth] comes after the user. */
    if (!load(&c, "[user carol]\n[oauth]\ntrust_remote_user = true\n"))
        fail_msg("%s", err);
    config_free(&c);
}

static void test_check_password(void **state)
{
    (void)state;
    config c;
    if (!load(&c,
              "[user alice]\npassword_hash = %s\n[user bob]\npassword_hash = %s\n"
              "disabled = true\n[user carol]\n[oauth]\ntrust_remote_user = true\n",
              alice_hash, bob_hash))
        fail_msg("%s", err);
    const user_conf *u = (const user_conf *)1;
    char why[256];
    assert_int_equal(users_check_password(&c, "alice", "alice-pw", 8, &u, why, sizeof why),
                     USERS_OK);
    assert_non_null(u);
    assert_string_equal(u->name, "alice");
    assert_int_equal(users_check_password(&c, "alice", "alice-pX", 8, &u, why, sizeof why),
                     USERS_DENIED);
    assert_null(u);
    assert_string_equal(why, "wrong password");
    assert_int_equal(users_check_password(&c, "Alice", "alice-pw", 8, &u, why, sizeof why),
                     USERS_DENIED);
    assert_string_equal(why, "no such user");
    assert_int_equal(users_check_password(&c, "mallory", "x", 1, NULL, why, sizeof why),
                     USERS_DENIED);
    /* Disabled: refused even with the right password. */
    assert_int_equal(users_check_password(&c, "bob", "bob-pw", 6, &u, why, sizeof why),
                     USERS_DENIED);
    assert_string_equal(why, "the user is disabled");
    assert_int_equal(users_check_password(&c, "carol", "", 0, &u, why, sizeof why), USERS_DENIED);
    assert_non_null(strstr(why, "no password"));
    assert_int_equal(users_check_password(&c, "alice", "", 0, &u, why, sizeof why), USERS_DENIED);
    assert_int_equal(users_check_password(&c, NULL, NULL, 0, &u, why, sizeof why), USERS_DENIED);
    config_free(&c);
}

static void test_remote_user(void **state)
{
    (void)state;
    config c;
    char why[256];
    unsigned bits = 99;
    assert_true(load(&c, "[user alice]\npassword_hash = %s\n", alice_hash));
    assert_false(users_remote_user(&c, "alice", &bits, why, sizeof why));
    assert_int_equal(bits, 0);
    assert_non_null(strstr(why, "trust_remote_user"));
    config_free(&c);

    if (!load(&c, "[oauth]\ntrust_remote_user = true\n[user alice]\nscopes = query\n"
                  "[user bob]\ndisabled = true\n"))
        fail_msg("%s", err);
    assert_true(users_remote_user(&c, "alice", &bits, why, sizeof why));
    assert_int_equal(bits, SCOPE_QUERY);
    /* Someone the web server vouches for without a section: every scope. */
    assert_true(users_remote_user(&c, "dave@EXAMPLE.ORG", &bits, why, sizeof why));
    assert_int_equal(bits, SCOPE_ALL);
    assert_true(users_remote_user(&c, "J\xc3\xb6rg", NULL, why, sizeof why));
    assert_false(users_remote_user(&c, "bob", &bits, why, sizeof why));
    assert_string_equal(why, "the user is disabled");
    assert_false(users_remote_user(&c, "", &bits, why, sizeof why));
    assert_false(users_remote_user(&c, NULL, &bits, why, sizeof why));
    assert_false(users_remote_user(&c, "eve\nadmin", &bits, why, sizeof why));
    assert_false(users_remote_user(&c, "\xff", &bits, why, sizeof why));
    char big[LOGIN_USER_MAX + 2];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_false(users_remote_user(&c, big, &bits, why, sizeof why));
    config_free(&c);
}

static void test_session_allowed(void **state)
{
    (void)state;
    config c;
    char why[256];
    unsigned bits;
    if (!load(&c,
              "[oauth]\ntrust_remote_user = true\n[user alice]\npassword_hash = %s\n"
              "scopes = schemas:read\n[user bob]\npassword_hash = %s\ndisabled = true\n"
              "[user carol]\n",
              alice_hash, bob_hash))
        fail_msg("%s", err);
    login_session s = {.user = "alice", .method = LOGIN_METHOD_PASSWORD};
    assert_true(users_session_allowed(&c, &s, &bits, why, sizeof why));
    assert_int_equal(bits, SCOPE_SCHEMAS_READ);
    s.user = "bob";
    assert_false(users_session_allowed(&c, &s, &bits, why, sizeof why));
    assert_string_equal(why, "the user is disabled");
    s.user = "zed"; /* removed from the config since signing in */
    assert_false(users_session_allowed(&c, &s, &bits, why, sizeof why));
    assert_string_equal(why, "the user is no longer configured");
    s.user = "carol"; /* a password session of a user with no password now */
    assert_false(users_session_allowed(&c, &s, &bits, why, sizeof why));
    /* A REMOTE_USER session follows the REMOTE_USER rules. */
    s.method = LOGIN_METHOD_REMOTE_USER;
    assert_true(users_session_allowed(&c, &s, &bits, why, sizeof why));
    s.user = "zed";
    assert_true(users_session_allowed(&c, &s, &bits, why, sizeof why));
    assert_int_equal(bits, SCOPE_ALL);
    s.user = "bob";
    assert_false(users_session_allowed(&c, &s, &bits, why, sizeof why));
    /* A pre-login session is nobody. */
    login_session pre = {.user = NULL, .method = LOGIN_METHOD_NONE};
    assert_false(users_session_allowed(&c, &pre, &bits, why, sizeof why));
    assert_false(users_session_allowed(&c, NULL, &bits, why, sizeof why));
    config_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_users),      cmocka_unit_test(test_user_validation),
        cmocka_unit_test(test_check_password),  cmocka_unit_test(test_remote_user),
        cmocka_unit_test(test_session_allowed),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
