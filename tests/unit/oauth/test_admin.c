/* oauth/admin (ddbsql-admin): every command against a temporary config and
 * key directory, with the result checked by loading the config as the
 * workers do (config_load, signing_keys_load_config, client_registry,
 * users_check_password); revocation against a real redis-server; the
 * no-echo password prompt on a pseudo-terminal. */
/* posix_openpt, grantpt, unlockpt, ptsname */
#define _XOPEN_SOURCE 700
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/base/alloc.h"
#include "core/base/secure.h"
#include "core/conf/config.h"
#include "oauth/admin.h"
#include "oauth/client_registry.h"
#include "oauth/login_session.h"
#include "oauth/refresh_token.h"
#include "oauth/signing_keys.h"
#include "oauth/users.h"
#include "tests/unit/support/oauth_keys.h"
#include "tests/unit/support/redis_server.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define BASE                                                                                       \
    "# admin test config: this comment must survive every edit\n"                                  \
    "public_url = http://127.0.0.1:8080\n"                                                         \
    "auth = oauth   # the tool adds the keys\n"                                                    \
    "\n"                                                                                           \
    "[schema demo]\n"                                                                              \
    "region = us-east-1\n"                                                                         \
    "endpoint = http://127.0.0.1:4567\n"

static test_redis *srv;

typedef struct fixture {
    char *dir;
    char *conf;
    char *out, *err;    /* of the last command */
    const char *tty[4]; /* what the fake terminal answers, in turn */
    size_t ntty, itty;
} fixture;

static const password_params FAST = {10, 8, 1};

static char *fake_tty(void *ctx, const char *prompt, char *err, size_t errlen)
{
    fixture *f = ctx;
    assert_non_null(prompt);
    if (f->itty == f->ntty) {
        snprintf(err, errlen, "no terminal");
        return NULL;
    }
    return xstrdup(f->tty[f->itty++]);
}

static void write_conf(fixture *f, const char *text)
{
    free(f->conf);
    f->conf = tk_write_file(f->dir, "ddbsql.conf", text, 0600);
}

static int setup(void **state)
{
    fixture *f = xcalloc(1, sizeof *f);
    f->dir = tk_mkdtemp();
    redis_conf rc = test_redis_conf(srv);
    char text[2048];
    snprintf(text, sizeof text, BASE "\n[redis]\nhost = 127.0.0.1\nport = %d\nkey_prefix = %s\n",
             rc.port, rc.key_prefix);
    write_conf(f, text);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    free(f->out);
    free(f->err);
    free(f->conf);
    tk_rmdir(f->dir);
    free(f);
    return 0;
}

/* Runs ddbsql-admin --config <conf> ARGS... (NULL-terminated) with stdin. */
static int adm_in(fixture *f, const char *stdin_text, ...)
{
    char *argv[32];
    int argc = 0;
    argv[argc++] = "ddbsql-admin";
    argv[argc++] = "--config";
    argv[argc++] = f->conf;
    va_list ap;
    va_start(ap, stdin_text);
    const char *s;
    while ((s = va_arg(ap, const char *)))
        argv[argc++] = (char *)s;
    va_end(ap);
    argv[argc] = NULL;
    free(f->out);
    free(f->err);
    size_t ol, el;
    FILE *out = open_memstream(&f->out, &ol), *err = open_memstream(&f->err, &el);
    FILE *in = stdin_text ? fmemopen((void *)stdin_text, strlen(stdin_text), "r") : NULL;
    admin_io io = {out, err, in, fake_tty, f, &FAST};
    int rc = admin_run(argc, argv, &io);
    fclose(out);
    fclose(err);
    if (in)
        fclose(in);
    return rc;
}

#define adm(f, ...)             adm_in(f, NULL, __VA_ARGS__, NULL)
#define adm_stdin(f, text, ...) adm_in(f, text, __VA_ARGS__, NULL)

static void expect(fixture *f, int rc, int want)
{
    if (rc != want)
        fail_msg("exit %d, expected %d\nstdout:\n%s\nstderr:\n%s", rc, want, f->out, f->err);
}

static void has(const char *text, const char *needle)
{
    if (!strstr(text, needle))
        fail_msg("'%s' not in:\n%s", needle, text);
}

static char *slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    char *data = xcalloc(1, 1 << 16);
    size_t n = fread(data, 1, (1 << 16) - 1, fp);
    data[n] = '\0';
    fclose(fp);
    return data;
}

static void load(const fixture *f, config *c)
{
    char err[2048];
    if (!config_load(f->conf, c, err, sizeof err))
        fail_msg("config does not load: %s", err);
}

/* Every edit keeps the lines it does not touch. */
static void assert_base_kept(const fixture *f)
{
    char *text = slurp(f->conf);
    assert_int_equal(strncmp(text, BASE, strlen(BASE)), 0);
    free(text);
}

static void gen_key(fixture *f, const char *kid)
{
    expect(f, adm(f, "key", "generate", "--kid", kid, "--dir", f->dir), 0);
}

/* ---- usage ----------------------------------------------------------------- */

static void test_usage_errors(void **state)
{
    fixture *f = *state;
    expect(f, adm(f, "--help"), 0);
    has(f->out, "client create ID --scopes");
    has(f->out, "Exit status: 0 done, 1 failed, 2 usage error, 3 Redis unreachable.");
    expect(f, adm_in(f, NULL, NULL), ADMIN_EXIT_USAGE);
    has(f->err, "no command given (client, user, key or revoke)");
    expect(f, adm(f, "clients", "list"), ADMIN_EXIT_USAGE);
    has(f->err, "unknown command 'clients' (client, user, key or revoke)");
    expect(f, adm(f, "client"), ADMIN_EXIT_USAGE);
    has(f->err, "client needs a subcommand: create, list, delete");
    expect(f, adm(f, "client", "rename", "x"), ADMIN_EXIT_USAGE);
    has(f->err, "unknown command 'client rename' (client takes: create, list, delete)");
    expect(f, adm(f, "client", "list", "extra"), ADMIN_EXIT_USAGE);
    has(f->err, "client list: unexpected argument 'extra'");
    expect(f, adm(f, "client", "delete"), ADMIN_EXIT_USAGE);
    has(f->err, "client delete needs ID");
    expect(f, adm(f, "client", "list", "--scopes", "query"), ADMIN_EXIT_USAGE);
    has(f->err, "client list does not take --scopes");
    expect(f, adm(f, "user", "list", "--frobnicate"), ADMIN_EXIT_USAGE);
    has(f->err, "unknown option '--frobnicate'");
    expect(f, adm(f, "user", "add", "x", "--scopes"), ADMIN_EXIT_USAGE);
    has(f->err, "--scopes needs a value");
    expect(f, adm(f, "key", "retire", "k", "--keep-file=yes"), ADMIN_EXIT_USAGE);
    has(f->err, "--keep-file takes no value");
    expect(f, adm(f, "user", "add", "x", "--scopes", "query", "--scopes=query"), ADMIN_EXIT_USAGE);
    has(f->err, "--scopes given twice");
    /* Nothing was written. */
    assert_base_kept(f);
}

static void test_missing_config(void **state)
{
    fixture *f = *state;
    char *conf = f->conf;
    f->conf = xstrdup("/nonexistent/ddbsql.conf");
    expect(f, adm(f, "client", "delete", "x"), ADMIN_EXIT_FAILED);
    has(f->err, "ddbsql-admin: /nonexistent/ddbsql.conf: cannot open");
    expect(f, adm(f, "user", "list"), ADMIN_EXIT_FAILED);
    has(f->err, "/nonexistent/ddbsql.conf: cannot open");
    free(f->conf);
    f->conf = conf;
}

/* ---- keys ------------------------------------------------------------------ */

static void test_key_lifecycle(void **state)
{
    fixture *f = *state;
    expect(f, adm(f, "key", "list"), 0);
    has(f->out, "No signing keys in");
    /* The first key signs by itself. */
    gen_key(f, "k1");
    has(f->out, "Generated signing key 'k1'");
    has(f->out, "It is the only key, so it signs access tokens.");
    char k1[512], k2[512];
    snprintf(k1, sizeof k1, "%s/k1.pem", f->dir);
    snprintf(k2, sizeof k2, "%s/k2.pem", f->dir);
    struct stat st;
    assert_int_equal(stat(k1, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    config c;
    load(f, &c);
    assert_int_equal(c.oauth.nkeys, 1);
    assert_string_equal(c.oauth.active_key->kid, "k1");
    config_free(&c);

    /* The second verifies only, and lands next to the first. */
    expect(f, adm(f, "key", "generate", "--kid", "k2"), 0);
    has(f->out, "It verifies tokens but does not sign yet.");
    has(f->err, "ddbsql-admin key activate k2");
    assert_int_equal(stat(k2, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    load(f, &c);
    assert_int_equal(c.oauth.nkeys, 2);
    assert_string_equal(c.oauth.active_key->kid, "k1");
    config_free(&c);

    expect(f, adm(f, "key", "list"), 0);
    has(f->out, "k1                   yes     ok");
    has(f->out, "k2                   no      ok");

    /* The active key stays. */
    expect(f, adm(f, "key", "retire", "k1"), ADMIN_EXIT_FAILED);
    has(f->err, "key 'k1' is the active key (it signs new tokens) and cannot be retired");
    assert_int_equal(access(k1, F_OK), 0);

    /* Rotation: k2 signs, k1 still verifies. */
    expect(f, adm(f, "key", "activate", "k2"), 0);
    has(f->out, "Key 'k2' now signs new access tokens; 'k1' still verifies the tokens it signed.");
    has(f->err, "ddbsql-admin key retire k1");
    load(f, &c);
    assert_int_equal(c.oauth.nkeys, 2);
    assert_string_equal(c.oauth.active_key->kid, "k2");
    signing_keys *ks;
    char err[1024];
    if (!signing_keys_load_config(&c.oauth, &ks, err, sizeof err))
        fail_msg("%s", err);
    assert_non_null(signing_keys_find(ks, "k1"));
    assert_string_equal(signing_key_kid(signing_keys_active(ks)), "k2");
    signing_keys_free(ks);
    config_free(&c);
    expect(f, adm(f, "key", "activate", "k2"), 0);
    has(f->out, "Key 'k2' is already the active key.");

    expect(f, adm(f, "key", "retire", "k1"), 0);
    has(f->out, "Retired key 'k1'");
    assert_int_not_equal(access(k1, F_OK), 0); /* the private key is gone */
    load(f, &c);
    assert_int_equal(c.oauth.nkeys, 1);
    assert_string_equal(c.oauth.active_key->kid, "k2");
    config_free(&c);

    expect(f, adm(f, "key", "activate", "k1"), ADMIN_EXIT_FAILED);
    has(f->err, "no key 'k1' in");
    expect(f, adm(f, "key", "generate", "--kid", "k2"), ADMIN_EXIT_FAILED);
    has(f->err, "a key 'k2' already exists in");
    expect(f, adm(f, "key", "generate", "--kid", "bad/kid"), ADMIN_EXIT_USAGE);
    expect(f, adm(f, "key", "generate", "--dir", "relative/dir"), ADMIN_EXIT_USAGE);
    has(f->err, "--dir must be an absolute path");
    assert_base_kept(f);
}

static void test_key_retire_keep_file_and_default_kid(void **state)
{
    fixture *f = *state;
    gen_key(f, "k1");
    expect(f, adm(f, "key", "generate"), 0); /* kid: today's date */
    char day[16];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(day, sizeof day, "%Y-%m-%d", &tm);
    char want[64];
    snprintf(want, sizeof want, "Generated signing key '%s'", day);
    has(f->out, want);
    expect(f, adm(f, "key", "generate"), 0); /* the same day again */
    snprintf(want, sizeof want, "Generated signing key '%s.2'", day);
    has(f->out, want);
    expect(f, adm(f, "key", "retire", day, "--keep-file"), 0);
    has(f->out, "; kept ");
    char path[512];
    snprintf(path, sizeof path, "%s/%s.pem", f->dir, day);
    assert_int_equal(access(path, F_OK), 0);
}

/* A single key without `active` signs by itself; a second key must not
 * leave the config with two keys and none marked. */
static void test_key_generate_marks_lone_key_active(void **state)
{
    fixture *f = *state;
    char k0[512], text[4096];
    snprintf(k0, sizeof k0, "%s/k0.pem", f->dir);
    char err[512];
    assert_true(signing_key_generate(k0, err, sizeof err));
    char *old = slurp(f->conf);
    snprintf(text, sizeof text, "%s\n[signing_key k0]\npath = %s   # hand-written\n", old, k0);
    free(old);
    write_conf(f, text);
    gen_key(f, "k1");
    char *now = slurp(f->conf);
    char want[1024];
    snprintf(want, sizeof want, "[signing_key k0]\npath = %s   # hand-written\nactive = true\n",
             k0);
    has(now, want);
    free(now);
    config c;
    load(f, &c);
    assert_string_equal(c.oauth.active_key->kid, "k0");
    config_free(&c);
}

static void test_key_owner(void **state)
{
    fixture *f = *state;
    if (geteuid() != 0) {
        skip();
        return;
    }
    expect(f, adm(f, "key", "generate", "--kid", "k1", "--dir", f->dir, "--owner", "nobody"), 0);
    has(f->out, "owner nobody");
    char k1[512];
    snprintf(k1, sizeof k1, "%s/k1.pem", f->dir);
    struct stat st, st2;
    assert_int_equal(stat(k1, &st), 0);
    assert_int_not_equal(st.st_uid, 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    /* The next key goes to the same user (the workers'). */
    expect(f, adm(f, "key", "generate", "--kid", "k2"), 0);
    char k2[512];
    snprintf(k2, sizeof k2, "%s/k2.pem", f->dir);
    assert_int_equal(stat(k2, &st2), 0);
    assert_int_equal(st2.st_uid, st.st_uid);
    expect(f, adm(f, "key", "generate", "--owner", "no-such-user-here"), ADMIN_EXIT_USAGE);
    has(f->err, "--owner: no user 'no-such-user-here'");
}

/* ---- clients --------------------------------------------------------------- */

static char *secret_from(const char *out)
{
    const char *p = strstr(out, "client_secret: ");
    assert_non_null(p);
    p += strlen("client_secret: ");
    size_t n = strcspn(p, "\n");
    assert_int_equal(n, 43); /* 32 bytes, base64url */
    return xstrndup(p, n);
}

static void test_api_client(void **state)
{
    fixture *f = *state;
    gen_key(f, "k1");
    expect(
        f,
        adm(f, "client", "create", "ci-bot", "--scopes", "schemas:read,query", "--name", "CI bot"),
        0);
    has(f->out, "Created API client 'ci-bot' (confidential; grant types: client_credentials; "
                "scopes: query schemas:read)");
    has(f->out, "client_id: ci-bot\n");
    has(f->out, "The secret is shown only this once");
    char *secret = secret_from(f->out);
    /* Only the hash is stored. */
    char *text = slurp(f->conf);
    assert_null(strstr(text, secret));
    char *hash = client_secret_hash(secret, strlen(secret));
    has(text, hash);
    free(hash);
    free(text);
    /* /token would accept it. */
    config c;
    load(f, &c);
    client_registry *reg = client_registry_new(&c, NULL);
    oauth_client *cl;
    char why[512];
    assert_int_equal(client_lookup(reg, "ci-bot", &cl, why, sizeof why), CLIENT_OK);
    assert_true(cl->confidential);
    assert_string_equal(cl->name, "CI bot");
    assert_true(client_allows_grant(cl, OAUTH_GRANT_CLIENT_CREDENTIALS));
    assert_false(client_allows_grant(cl, OAUTH_GRANT_AUTHORIZATION_CODE));
    assert_true(client_secret_verify(cl, secret, strlen(secret)));
    assert_false(client_secret_verify(cl, "wrong", 5));
    assert_int_equal(cl->scopes.n, 2);
    oauth_client_free(cl);
    client_registry_free(reg);
    config_free(&c);

    /* A second run shows no secret and cannot replace the client. */
    expect(f, adm(f, "client", "create", "ci-bot", "--scopes", "query"), ADMIN_EXIT_FAILED);
    has(f->err, "client 'ci-bot' already exists");
    expect(f, adm(f, "client", "list"), 0);
    has(f->out, "ci-bot                   api           secret         query schemas:read   CI "
                "bot");
    assert_null(strstr(f->out, secret));
    assert_null(strstr(f->out, "sha256"));
    free(secret);

    expect(f, adm(f, "client", "delete", "ci-bot"), 0);
    has(f->err, "ddbsql-admin revoke client ci-bot");
    expect(f, adm(f, "client", "delete", "ci-bot"), ADMIN_EXIT_FAILED);
    has(f->err, "no client 'ci-bot' in");
    load(f, &c);
    assert_int_equal(c.oauth.nclients, 0);
    config_free(&c);
    assert_base_kept(f);
}

static void test_interactive_clients(void **state)
{
    fixture *f = *state;
    gen_key(f, "k1");
    expect(f,
           adm(f, "client", "create", "web", "--scopes", "query", "--redirect-uri",
               "https://app.example/cb", "--redirect-uri", "http://127.0.0.1/cb", "--public",
               "--name", "Web # App"),
           0);
    has(f->out, "Created interactive client 'web' (public; grant types: authorization_code "
                "refresh_token; scopes: query)");
    assert_null(strstr(f->out, "client_secret"));
    expect(f,
           adm(f, "client", "create", "srv", "--scopes", "query schemas:read", "--redirect-uri",
               "https://srv.example/cb"),
           0);
    has(f->out, "(confidential;");
    char *secret = secret_from(f->out);
    config c;
    load(f, &c);
    client_registry *reg = client_registry_new(&c, NULL);
    oauth_client *cl;
    char why[512];
    assert_int_equal(client_lookup(reg, "web", &cl, why, sizeof why), CLIENT_OK);
    assert_false(cl->confidential);
    assert_string_equal(cl->name, "Web # App");
    assert_true(redirect_uri_allowed(cl, "https://app.example/cb"));
    assert_true(redirect_uri_allowed(cl, "http://127.0.0.1:5555/cb"));
    assert_false(redirect_uri_allowed(cl, "https://app.example/cb/"));
    assert_true(client_allows_grant(cl, OAUTH_GRANT_AUTHORIZATION_CODE));
    assert_false(client_allows_grant(cl, OAUTH_GRANT_CLIENT_CREDENTIALS));
    oauth_client_free(cl);
    assert_int_equal(client_lookup(reg, "srv", &cl, why, sizeof why), CLIENT_OK);
    assert_true(cl->confidential);
    assert_true(client_secret_verify(cl, secret, strlen(secret)));
    oauth_client_free(cl);
    client_registry_free(reg);
    config_free(&c);
    free(secret);

    /* The loader's rules apply, and a refused result writes nothing. */
    char *before = slurp(f->conf);
    expect(f,
           adm(f, "client", "create", "bad", "--scopes", "query", "--redirect-uri",
               "http://evil.example/cb", "--public"),
           ADMIN_EXIT_FAILED);
    has(f->err, "the change was not written, because the result would not load:");
    has(f->err, "[client bad] redirect_uris:");
    char *after = slurp(f->conf);
    assert_string_equal(before, after);
    free(before);
    free(after);

    expect(f, adm(f, "client", "create", "x", "--scopes", "admin"), ADMIN_EXIT_USAGE);
    has(f->err, "--scopes: unknown scope 'admin' (known scopes: query schemas:read)");
    expect(f, adm(f, "client", "create", "x"), ADMIN_EXIT_USAGE);
    has(f->err, "client create needs --scopes");
    expect(f, adm(f, "client", "create", "dcr_x", "--scopes", "query"), ADMIN_EXIT_USAGE);
    has(f->err, "may not start with 'dcr_'");
    expect(f, adm(f, "client", "create", "a b", "--scopes", "query"), ADMIN_EXIT_USAGE);
    has(f->err, "'a b' is not a valid client id");
    expect(f, adm(f, "client", "create", "x", "--scopes", "query", "--public"), ADMIN_EXIT_USAGE);
    has(f->err, "--public is for interactive clients");
    expect(f, adm(f, "client", "create", "x", "--scopes", "query", "--redirect-uri", "a b"),
           ADMIN_EXIT_USAGE);
}

/* ---- users ----------------------------------------------------------------- */

static void check_pw(const fixture *f, const char *user, const char *pw, users_result want)
{
    config c;
    load(f, &c);
    char why[256];
    assert_int_equal(users_check_password(&c, user, pw, strlen(pw), NULL, why, sizeof why), want);
    config_free(&c);
}

static void test_users(void **state)
{
    fixture *f = *state;
    gen_key(f, "k1");
    expect(f,
           adm_stdin(f, "correct horse battery\n", "user", "add", "alice", "--scopes", "query",
                     "--password-stdin"),
           0);
    has(f->out, "Added user 'alice' (scopes: query; password set)");
    check_pw(f, "alice", "correct horse battery", USERS_OK);
    check_pw(f, "alice", "correct horse", USERS_DENIED);
    char *text = slurp(f->conf);
    assert_null(strstr(text, "correct horse"));
    has(text, "[user alice]\npassword_hash = $scrypt$ln=10,r=8,p=1$");
    free(text);
    assert_null(strstr(f->out, "correct horse"));
    assert_null(strstr(f->err, "correct horse"));

    expect(f, adm_stdin(f, "whatever-else\n", "user", "add", "alice", "--password-stdin"),
           ADMIN_EXIT_FAILED);
    has(f->err, "user 'alice' already exists");

    /* From the terminal: asked twice. */
    f->tty[0] = f->tty[1] = "tty password 1";
    f->ntty = 2;
    expect(f, adm(f, "user", "add", "bob"), 0);
    assert_int_equal(f->itty, 2);
    check_pw(f, "bob", "tty password 1", USERS_OK);
    f->tty[0] = "aaaaaaaaaa";
    f->tty[1] = "bbbbbbbbbb";
    f->ntty = 2;
    f->itty = 0;
    expect(f, adm(f, "user", "add", "carol"), ADMIN_EXIT_FAILED);
    has(f->err, "the two passwords differ; nothing was changed");
    f->ntty = f->itty = 0;
    expect(f, adm(f, "user", "add", "carol"), ADMIN_EXIT_FAILED);
    has(f->err, "no terminal; nothing was changed");
    expect(f, adm_stdin(f, "short\n", "user", "add", "carol", "--password-stdin"),
           ADMIN_EXIT_FAILED);
    has(f->err, "the password is too short (5 bytes; at least 8)");
    expect(f, adm_stdin(f, "", "user", "add", "carol", "--password-stdin"), ADMIN_EXIT_FAILED);
    has(f->err, "too short (0 bytes");
    /* Without a password only with trust_remote_user. */
    expect(f, adm(f, "user", "add", "carol", "--no-password"), ADMIN_EXIT_FAILED);
    has(f->err, "[user carol] password_hash: missing");
    config c;
    load(f, &c);
    assert_null(users_find(&c, "carol"));
    config_free(&c);

    /* A new password replaces the old; a CRLF line ending is not part of it. */
    expect(f, adm_stdin(f, "pass word 123\r\n", "user", "passwd", "alice", "--password-stdin"), 0);
    has(f->err, "ddbsql-admin revoke user alice");
    check_pw(f, "alice", "pass word 123", USERS_OK);
    check_pw(f, "alice", "correct horse battery", USERS_DENIED);
    expect(f, adm_stdin(f, "pass word 123\n", "user", "passwd", "nobody", "--password-stdin"),
           ADMIN_EXIT_FAILED);
    has(f->err, "no user 'nobody' in");
    load(f, &c);
    assert_string_equal(users_find(&c, "alice")->scopes, "query");
    config_free(&c);

    expect(f, adm(f, "user", "list"), 0);
    has(f->out, "alice                    query                set        enabled");
    has(f->out, "bob                      query schemas:read   set        enabled");
    assert_null(strstr(f->out, "scrypt"));
    expect(f, adm(f, "user", "delete", "bob"), 0);
    load(f, &c);
    assert_null(users_find(&c, "bob"));
    assert_int_equal(c.oauth.nusers, 1);
    config_free(&c);
    expect(f, adm(f, "user", "delete", "bob"), ADMIN_EXIT_FAILED);
    expect(f, adm(f, "user", "add", "bad name"), ADMIN_EXIT_USAGE);
    assert_base_kept(f);
}

static void test_mode_kept_and_warning(void **state)
{
    fixture *f = *state;
    gen_key(f, "k1");
    assert_int_equal(chmod(f->conf, 0644), 0);
    expect(f, adm_stdin(f, "a long password\n", "user", "add", "dora", "--password-stdin"), 0);
    has(f->err, "is readable by every user of this machine (mode 0644) and holds password "
                "hashes");
    struct stat st;
    assert_int_equal(stat(f->conf, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0644);
    assert_int_equal(chmod(f->conf, 0640), 0);
    expect(f, adm_stdin(f, "another password\n", "user", "passwd", "dora", "--password-stdin"), 0);
    assert_null(strstr(f->err, "readable by every user"));
    assert_int_equal(stat(f->conf, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640);
}

/* ---- revocation ------------------------------------------------------------ */

static void test_revoke(void **state)
{
    fixture *f = *state;
    gen_key(f, "k1");
    redis_conf rc = test_redis_conf(srv);
    redis_store *rs = redis_store_new(&rc);
    char err[512], id1[LOGIN_ID_LEN + 1], id2[LOGIN_ID_LEN + 1];
    int64_t now = time(NULL);
    login_session s;
    assert_int_equal(login_session_create(rs, "alice", LOGIN_METHOD_PASSWORD, 3600, now, id1, &s,
                                          err, sizeof err),
                     LOGIN_OK);
    login_session_free(&s);
    assert_int_equal(
        login_session_create(rs, "bob", LOGIN_METHOD_PASSWORD, 3600, now, id2, &s, err, sizeof err),
        LOGIN_OK);
    login_session_free(&s);
    refresh_grant g = {.client_id = "web",
                       .user = "alice",
                       .scope = "query",
                       .resource = "http://127.0.0.1:8080/mcp",
                       .auth_time = now,
                       .expires = now + 3600};
    char t1[REFRESH_TOKEN_LEN + 1], t2[REFRESH_TOKEN_LEN + 1], t3[REFRESH_TOKEN_LEN + 1];
    random_hex(g.family, REFRESH_FAMILY_LEN / 2);
    assert_int_equal(refresh_family_create(rs, &g, 600, now, t1, err, sizeof err), REFRESH_OK);
    g.user = "bob";
    random_hex(g.family, REFRESH_FAMILY_LEN / 2);
    assert_int_equal(refresh_family_create(rs, &g, 600, now, t2, err, sizeof err), REFRESH_OK);
    g.client_id = "other";
    random_hex(g.family, REFRESH_FAMILY_LEN / 2);
    assert_int_equal(refresh_family_create(rs, &g, 600, now, t3, err, sizeof err), REFRESH_OK);

    expect(f, adm(f, "revoke", "user", "alice"), 0);
    has(f->out, "Revoked user 'alice': 1 sign-in session ended, 1 refresh token family revoked.");
    has(f->err, "Access tokens already issued stay valid until they expire (at most 600 s)");
    assert_int_equal(login_session_lookup(rs, id1, now, &s, err, sizeof err), LOGIN_NONE);
    assert_int_equal(login_session_lookup(rs, id2, now, &s, err, sizeof err), LOGIN_OK);
    login_session_free(&s);
    refresh_grant out = {0};
    assert_int_equal(refresh_token_peek(rs, t1, now, &out, err, sizeof err), REFRESH_REVOKED);
    refresh_grant_free(&out);
    assert_int_equal(refresh_token_peek(rs, t2, now, &out, err, sizeof err), REFRESH_OK);
    refresh_grant_free(&out);

    /* Per client: bob's family issued to web, not the one of "other". */
    expect(f, adm(f, "revoke", "client", "web"), 0);
    has(f->out, "Revoked client 'web': 1 refresh token family revoked.");
    assert_int_equal(refresh_token_peek(rs, t2, now, &out, err, sizeof err), REFRESH_REVOKED);
    refresh_grant_free(&out);
    assert_int_equal(refresh_token_peek(rs, t3, now, &out, err, sizeof err), REFRESH_OK);
    refresh_grant_free(&out);
    expect(f, adm(f, "revoke", "user", "nobody"), 0);
    has(f->out, "0 sign-in sessions ended, 0 refresh token families revoked.");

    test_redis_pause(srv);
    expect(f, adm(f, "revoke", "user", "bob"), ADMIN_EXIT_UNAVAILABLE);
    has(f->err, "ddbsql-admin: cannot revoke: ");
    has(f->err, "Redis");
    expect(f, adm(f, "revoke", "client", "other"), ADMIN_EXIT_UNAVAILABLE);
    test_redis_resume(srv);
    redis_store_free(rs);
}

/* ---- the terminal ------------------------------------------------------------ */

typedef struct tty_job {
    int fd;
    char *got;
    char err[256];
} tty_job;

static void *tty_reader(void *arg)
{
    tty_job *j = arg;
    j->got = admin_tty_read_secret(j->fd, "Password: ", j->err, sizeof j->err);
    return NULL;
}

static bool echo_on(int fd)
{
    struct termios t;
    assert_int_equal(tcgetattr(fd, &t), 0);
    return (t.c_lflag & ECHO) != 0;
}

static void test_tty_no_echo(void **state)
{
    (void)state;
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    assert_true(master >= 0);
    assert_int_equal(grantpt(master), 0);
    assert_int_equal(unlockpt(master), 0);
    int slave = open(ptsname(master), O_RDWR | O_NOCTTY);
    assert_true(slave >= 0);
    struct termios t;
    assert_int_equal(tcgetattr(slave, &t), 0);
    t.c_lflag |= ECHO | ICANON;
    assert_int_equal(tcsetattr(slave, TCSANOW, &t), 0);
    assert_true(echo_on(slave));

    tty_job j = {slave, NULL, ""};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, tty_reader, &j), 0);
    /* Type only once the prompt is up (echo is off by then). */
    char seen[512];
    size_t n = 0;
    while (n < 10) {
        ssize_t r = read(master, seen + n, sizeof seen - 1 - n);
        assert_true(r > 0);
        n += (size_t)r;
    }
    seen[n] = '\0';
    assert_int_equal(strncmp(seen, "Password: ", 10), 0);
    assert_false(echo_on(slave));
    assert_int_equal(write(master, "s3cret pw\n", 10), 10);
    assert_int_equal(pthread_join(th, NULL), 0);
    if (!j.got)
        fail_msg("%s", j.err);
    assert_string_equal(j.got, "s3cret pw");
    free(j.got);
    assert_true(echo_on(slave)); /* restored */
    /* What the terminal showed: the line break, never the password. */
    int fl = fcntl(master, F_GETFL);
    fcntl(master, F_SETFL, fl | O_NONBLOCK);
    ssize_t r = read(master, seen, sizeof seen - 1);
    seen[r > 0 ? r : 0] = '\0';
    assert_null(strstr(seen, "s3cret"));
    assert_non_null(strchr(seen, '\n'));

    /* End of input before a line: nothing. */
    tty_job j2 = {slave, NULL, ""};
    assert_int_equal(pthread_create(&th, NULL, tty_reader, &j2), 0);
    n = 0;
    while (n < 10) {
        ssize_t got = read(master, seen + n, sizeof seen - 1 - n);
        if (got < 0)
            continue; /* non-blocking now */
        n += (size_t)got;
    }
    assert_int_equal(write(master, "\x04", 1), 1); /* ^D */
    assert_int_equal(pthread_join(th, NULL), 0);
    assert_null(j2.got);
    assert_string_equal(j2.err, "end of input before the password's line ended");
    assert_true(echo_on(slave));
    close(slave);
    close(master);

    char err[256];
    int p[2];
    assert_int_equal(pipe(p), 0);
    assert_null(admin_tty_read_secret(p[0], "x", err, sizeof err));
    assert_string_equal(err, "not a terminal");
    close(p[0]);
    close(p[1]);
}

static int group_setup(void **state)
{
    (void)state;
    srv = test_redis_start();
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    test_redis_stop(srv);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_usage_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_config, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_lifecycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_retire_keep_file_and_default_kid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_generate_marks_lone_key_active, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_owner, setup, teardown),
        cmocka_unit_test_setup_teardown(test_api_client, setup, teardown),
        cmocka_unit_test_setup_teardown(test_interactive_clients, setup, teardown),
        cmocka_unit_test_setup_teardown(test_users, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mode_kept_and_warning, setup, teardown),
        cmocka_unit_test_setup_teardown(test_revoke, setup, teardown),
        cmocka_unit_test(test_tty_no_echo),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
