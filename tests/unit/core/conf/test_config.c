#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/base/alloc.h"
#include "core/conf/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmpdir[64];
static char err[2048];
static int nfiles;

static int make_dir(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/ddbsql-conf-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_dir(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Writes text to a new file in tmpdir; returns its path (static buffer). */
static const char *write_conf(const char *text)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/c%d.conf", tmpdir, nfiles++);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    assert_int_equal(fputs(text, fp) >= 0, 1);
    assert_int_equal(fclose(fp), 0);
    return path;
}

static bool load_text(const char *text, config *c)
{
    err[0] = '\0';
    return config_load(write_conf(text), c, err, sizeof err);
}

/* Loading must fail with "<path><where_what>", i.e. the message is the file
 * path followed exactly by the expected text. */
static void expect_fail(const char *text, const char *where_what)
{
    config c;
    bool ok = load_text(text, &c);
    if (ok) {
        config_free(&c);
        fail_msg("accepted:\n%s\nexpected error: %s", text, where_what);
    }
    char want[2048];
    snprintf(want, sizeof want, "%s/c%d.conf%s", tmpdir, nfiles - 1, where_what);
    if (strncmp(err, want, strlen(want)) != 0)
        fail_msg("for:\n%s\ngot:      %s\nexpected: %s...", text, err, want);
    /* A failed load leaves nothing to free. */
    assert_null(c.path);
    assert_null(c.schemas);
}

/* ---- the table-driven test ------------------------------------------------ */

/* Each case adds lines to one section of this template (line numbers in
 * brackets); a template line whose key the case sets is blanked:
 *   [1] # test         [2] <global>          [3] public_url   [4] auth
 *   [5] [redis]        [6] <redis>           [7] [dynamodb]   [8] <dynamodb>
 *   [9] [schema prod]  [10] <schema>         [11] region
 *   [12] [sql]         [13] <sql>
 * Multi-line additions shift later lines. */
typedef struct bad_case {
    char where; /* G, R, D, S, Q */
    const char *lines;
    const char *expect; /* after the path */
    const char *absent; /* must not appear in the message (secrets) */
} bad_case;

static const bad_case bad_cases[] = {
    /* global */
    {'G', "public_url = ftp://127.0.0.1",
     ":2: public_url: 'ftp://127.0.0.1' is not an http:// or "
     "https:// URL",
     NULL},
    {'G', "public_url = http://", ":2: public_url: 'http://' has no host", NULL},
    {'G', "public_url = http://127.0.0.1/mcp?x=1",
     ":2: public_url: 'http://127.0.0.1/mcp?x=1' must not have a query ('?...')", NULL},
    {'G', "public_url = http://127.0.0.1/#top",
     ":2: public_url: 'http://127.0.0.1/#top' must not have a fragment ('#...')", NULL},
    {'G', "public_url = http://admin:s3cret@127.0.0.1",
     ":2: public_url: the URL must not contain a user name or password (user@host)", "s3cret"},
    {'G', "public_url = http://127.0.0.1:99999",
     ":2: public_url: 'http://127.0.0.1:99999' has an invalid port (expected 1 to 65535)", NULL},
    {'G', "public_url = http://127.0.0.1:80x",
     ":2: public_url: 'http://127.0.0.1:80x' has an "
     "invalid port (expected 1 to 65535)",
     NULL},
    {'G', "public_url = http://bad host/",
     ":2: public_url: 'http://bad host/' has an invalid "
     "character ' ' in the host",
     NULL},
    {'G', "public_url = http://[::g]/",
     ":2: public_url: 'http://[::g]/' has a malformed IPv6 "
     "address (expected [::1])",
     NULL},
    {'G', "public_url =", ":2: public_url: the value is empty (remove the line to use the default)",
     NULL},
    {'G', "allowed_origins = http://127.0.0.1:8080/app",
     ":2: allowed_origins: 'http://127.0.0.1:8080/app' is not an origin: it has a path (expected "
     "scheme://host[:port])",
     NULL},
    {'G', "allowed_origins = *",
     ":2: allowed_origins: '*' is not allowed: list each origin (scheme://host[:port])", NULL},
    {'G', "allowed_origins = http://a.test, HTTP://A.test:80",
     ":2: allowed_origins: 'HTTP://A.test:80' is listed twice", NULL},
    {'G', "allowed_origins = chrome-extension://abc",
     ":2: allowed_origins: 'chrome-extension://abc' is not an http:// or https:// URL", NULL},
    {'G', "allowed_origins = ,", ":2: allowed_origins: the list is empty", NULL},
    {'G', "auth = basic", ":2: auth: 'basic' is not one of none, oauth", NULL},
    {'G', "auth = oauth",
     ":2: auth: auth = oauth needs at least one [signing_key NAME] section with the path of an "
     "EC P-256 private key (create one with: openssl genpkey -algorithm EC -pkeyopt "
     "ec_paramgen_curve:P-256 -out KEY.pem && chmod 600 KEY.pem)",
     NULL},
    {'G', "max_body_bytes = 1023", ":2: max_body_bytes: '1023' is out of range (1024 to 67108864)",
     NULL},
    {'G', "max_body_bytes = 1k", ":2: max_body_bytes: '1k' is not a whole number", NULL},
    {'G', "max_body_bytes = 99999999999999999999999",
     ":2: max_body_bytes: '99999999999999999999999' is out of range (1024 to 67108864)", NULL},
    {'G', "max_params = 15", ":2: max_params: '15' is out of range (16 to 10000)", NULL},
    {'G', "max_param_bytes = 1048577",
     ":2: max_param_bytes: '1048577' is out of range (256 to 1048576)", NULL},
    {'G', "log_level = verbose", ":2: log_level: 'verbose' is not one of debug, info, warn, error",
     NULL},
    {'G', "metadata_ttl_seconds = -1",
     ":2: metadata_ttl_seconds: '-1' is out of range (0 to 86400)", NULL},
    {'G', "sample_size = 0", ":2: sample_size: '0' is out of range (1 to 10000)", NULL},
    {'G', "sample_size = 1.5", ":2: sample_size: '1.5' is not a whole number", NULL},
    {'G', "log_levl = info", ":2: log_levl: unknown key 'log_levl' (did you mean 'log_level'?)",
     NULL},
    {'G', "region = us-east-1",
     ":2: region: unknown key 'region' here (it belongs in a [schema NAME] section)", NULL},
    {'G', "colour = blue", ":2: colour: unknown key 'colour'", NULL},
    /* [redis] */
    {'R', "host = bad/host", ":6: [redis] host: 'bad/host' is not a host name or address", NULL},
    {'R', "port = 0", ":6: [redis] port: '0' is out of range (1 to 65535)", NULL},
    {'R', "port = 65536", ":6: [redis] port: '65536' is out of range (1 to 65535)", NULL},
    {'R', "port = six", ":6: [redis] port: 'six' is not a whole number", NULL},
    {'R', "socket = run/redis.sock", ":6: [redis] socket: 'run/redis.sock' is not an absolute path",
     NULL},
    {'R',
     "socket = "
     "/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaa",
     ":6: [redis] socket: "
     "'/"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaa...' is longer than 107 bytes, the limit for a Unix socket path",
     NULL},
    {'R', "host = 10.0.0.1\nsocket = /run/redis.sock",
     ":7: [redis] socket: set either socket or host/port, not both (host is at line 6)", NULL},
    {'R',
     "password = \"s3cret-but-too-long-"
     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
     "\"",
     ":6: [redis] password: (hidden) is longer than 1024 characters", "s3cret"},
    {'R', "password =", ":6: [redis] password: the value is empty", NULL},
    {'R', "db = 16", ":6: [redis] db: '16' is out of range (0 to 15)", NULL},
    {'R', "connect_timeout_ms = 9",
     ":6: [redis] connect_timeout_ms: '9' is out of range (10 to "
     "60000)",
     NULL},
    {'R', "command_timeout_ms = 60001",
     ":6: [redis] command_timeout_ms: '60001' is out of range (10 to 60000)", NULL},
    {'R', "key_prefix = \"bad prefix\"",
     ":6: [redis] key_prefix: 'bad prefix' must be up to 64 letters, digits or ':_-.'", NULL},
    {'R', "key_prefix = a234567890123456789012345678901234567890123456789012345678901234x",
     ":6: [redis] key_prefix: 'a234567890123456789012345678901234567890123456789012345678901234x' "
     "must be up to 64 letters, digits or ':_-.'",
     NULL},
    {'R', "prot = 1", ":6: [redis] prot: unknown key 'prot' (did you mean 'port'?)", NULL},
    /* [dynamodb] */
    {'D', "connect_timeout_ms = 99",
     ":8: [dynamodb] connect_timeout_ms: '99' is out of range (100 to 60000)", NULL},
    {'D', "request_timeout_ms = 300001",
     ":8: [dynamodb] request_timeout_ms: '300001' is out of range (100 to 300000)", NULL},
    {'D', "retry_budget_ms = 600001",
     ":8: [dynamodb] retry_budget_ms: '600001' is out of range (100 to 600000)", NULL},
    {'D', "max_attempts = 21", ":8: [dynamodb] max_attempts: '21' is out of range (1 to 20)", NULL},
    {'D', "max_attempts = 0", ":8: [dynamodb] max_attempts: '0' is out of range (1 to 20)", NULL},
    {'D', "base_backoff_ms = 0", ":8: [dynamodb] base_backoff_ms: '0' is out of range (1 to 10000)",
     NULL},
    {'D', "retries = 3", ":8: [dynamodb] retries: unknown key 'retries'", NULL},
    /* [schema prod] */
    {'S', "default = maybe",
     ":10: [schema prod] default: 'maybe' is not a boolean (use "
     "true/false, yes/no, on/off or 1/0)",
     NULL},
    {'S', "region = us-east",
     ":10: [schema prod] region: 'us-east' is not an AWS region (expected "
     "something like us-east-1)",
     NULL},
    {'S', "region = US-EAST-1", ":10: [schema prod] region: 'US-EAST-1' is not an AWS region",
     NULL},
    {'S', "region = us-east-123", ":10: [schema prod] region: 'us-east-123' is not an AWS region",
     NULL},
    {'S', "endpoint = localhost:4567",
     ":10: [schema prod] endpoint: 'localhost:4567' is not an http:// or https:// URL", NULL},
    {'S', "endpoint = http://127.0.0.1:4567/?x",
     ":10: [schema prod] endpoint: "
     "'http://127.0.0.1:4567/?x' must not have a query",
     NULL},
    {'S', "credentials = env",
     ":10: [schema prod] credentials: 'env' is not one of chain, static, profile", NULL},
    {'S', "access_key_id = AKIDEXAMPLE",
     ":10: [schema prod] access_key_id: is only used with credentials = static", NULL},
    {'S', "credentials = static\naccess_key_id = \"AKID EXAMPLE\"\nsecret_access_key = x",
     ":11: [schema prod] access_key_id: 'AKID EXAMPLE' is not an access key id (up to 128 "
     "printable characters, no spaces)",
     NULL},
    {'S', "credentials = static\naccess_key_id = AKID\nsecret_access_key = \"wJalr XUtnFEMI\"",
     ":12: [schema prod] secret_access_key: (hidden) contains a space or a non-ASCII character",
     "wJalr"},
    {'S', "secret_access_key = wJalrXUtnFEMI",
     ":10: [schema prod] secret_access_key: is only used with credentials = static",
     "wJalrXUtnFEMI"},
    {'S',
     "credentials = static\naccess_key_id = AKID\nsecret_access_key = k\nsession_token = \"tok "
     "EN\"",
     ":13: [schema prod] session_token: (hidden) contains a space or a non-ASCII character",
     "tok EN"},
    {'S', "credentials = static\naccess_key_id = AKID",
     ":10: [schema prod] credentials: credentials = static needs both access_key_id and "
     "secret_access_key (secret_access_key is missing)",
     NULL},
    {'S', "credentials = static\nsecret_access_key = k",
     ":10: [schema prod] credentials: credentials = static needs both access_key_id and "
     "secret_access_key (access_key_id is missing)",
     NULL},
    {'S', "profile = analytics",
     ":10: [schema prod] profile: is only used with credentials = "
     "profile",
     NULL},
    {'S', "credentials = profile",
     ":10: [schema prod] credentials: credentials = profile needs "
     "profile = <name of a shared credentials file section>",
     NULL},
    {'S', "credentials = profile\nprofile = \"my profile\"",
     ":11: [schema prod] profile: 'my profile' is not a profile name", NULL},
    {'S', "role_arn = arn:aws:iam::123:role/x",
     ":10: [schema prod] role_arn: 'arn:aws:iam::123:role/x' is not an IAM role ARN (expected "
     "arn:aws:iam::123456789012:role/name)",
     NULL},
    {'S', "role_arn = arn:aws:iam::123456789012:user/x",
     ":10: [schema prod] role_arn: 'arn:aws:iam::123456789012:user/x' is not an IAM role ARN",
     NULL},
    {'S', "role_arn = arn:aws:iam::123456789012:role/r",
     ":10: [schema prod] role_arn: external_id is required with role_arn (the ExternalId the "
     "role's trust policy demands)",
     NULL},
    {'S', "role_arn = arn:aws:iam::123456789012:role/r\nexternal_id = x",
     ":11: [schema prod] external_id: 'x' must be 2 to 1224 characters of letters, digits and "
     "+=,.@:/_-",
     NULL},
    {'S', "external_id = abcdef", ":10: [schema prod] external_id: is only used with role_arn",
     NULL},
    {'S', "role_arn = arn:aws:iam::123456789012:role/r\nexternal_id = xy\nrole_session_name = a",
     ":12: [schema prod] role_session_name: 'a' must be 2 to 64 characters of letters, digits and "
     "+=,.@_-",
     NULL},
    {'S', "role_session_name = abc",
     ":10: [schema prod] role_session_name: is only used with "
     "role_arn",
     NULL},
    {'S',
     "role_arn = arn:aws:iam::123456789012:role/r\nexternal_id = xy\nrole_duration_seconds = "
     "899",
     ":12: [schema prod] role_duration_seconds: '899' is out of range (900 to 43200)", NULL},
    {'S', "role_duration_seconds = 1000",
     ":10: [schema prod] role_duration_seconds: is only used with role_arn", NULL},
    {'S',
     "role_arn = arn:aws:iam::123456789012:role/r\nexternal_id = xy\nsts_endpoint = "
     "sts.amazonaws.com",
     ":12: [schema prod] sts_endpoint: 'sts.amazonaws.com' is not an http:// or https:// URL",
     NULL},
    {'S', "sts_endpoint = https://sts.eu-west-1.amazonaws.com",
     ":10: [schema prod] sts_endpoint: is only used with role_arn", NULL},
    {'S', "tables = ab",
     ":10: [schema prod] tables: 'ab' is not a DynamoDB table name (3 to 255 "
     "letters, digits, '_', '-' or '.')",
     NULL},
    {'S', "tables = orders o$ders",
     ":10: [schema prod] tables: 'o$ders' is not a DynamoDB table "
     "name",
     NULL},
    {'S', "tables = * orders",
     ":10: [schema prod] tables: '*' must be alone: it already allows "
     "every table",
     NULL},
    {'S', "tables = orders, orders", ":10: [schema prod] tables: 'orders' is listed twice", NULL},
    {'S', "tables = \" , \"", ":10: [schema prod] tables: the list is empty", NULL},
    {'S', "regoin = us-east-1",
     ":10: [schema prod] regoin: unknown key 'regoin' (did you mean "
     "'region'?)",
     NULL},
    {'S', "Region = us-east-1",
     ":10: [schema prod] Region: unknown key 'Region' (did you mean "
     "'region'?)",
     NULL},
    {'S', "port = 1",
     ":10: [schema prod] port: unknown key 'port' here (it belongs in the [redis] "
     "section)",
     NULL},
    {'S', "region = us-east-1\nregion = us-east-2",
     ":11: [schema prod] region: given twice (first at line 10)", NULL},
    /* [sql] */
    {'Q', "max_items_read = 0", ":13: [sql] max_items_read: '0' is out of range (1 to 1000000000)",
     NULL},
    {'Q', "max_capacity_units = -1",
     ":13: [sql] max_capacity_units: '-1' is out of range (0 to 1000000000)", NULL},
    {'Q', "time_limit_ms = 99", ":13: [sql] time_limit_ms: '99' is out of range (100 to 600000)",
     NULL},
    {'Q', "max_memory_mb = 4097", ":13: [sql] max_memory_mb: '4097' is out of range (1 to 4096)",
     NULL},
    {'Q', "max_scan_segments = 17", ":13: [sql] max_scan_segments: '17' is out of range (1 to 16)",
     NULL},
    {'Q', "max_scan_segments = 0", ":13: [sql] max_scan_segments: '0' is out of range (1 to 16)",
     NULL},
    {'Q', "default_rows = 0", ":13: [sql] default_rows: '0' is out of range (1 to 1000)", NULL},
    {'Q', "max_rows = 5000", ":13: [sql] max_rows: '5000' is out of range (1 to 1000)", NULL},
    {'Q', "max_rows = 50", ":13: [sql] max_rows: default_rows (100) is larger than max_rows (50)",
     NULL},
    {'Q', "max_rows = 50\ndefault_rows = 60",
     ":14: [sql] default_rows: default_rows (60) is larger than max_rows (50)", NULL},
    {'Q', "cursor_secret = 00112233445566778899aabbccddeeff00112233445566778899aabbccddee",
     ":13: [sql] cursor_secret: (hidden) decodes to 31 bytes; it must be 32 to 1024 random bytes "
     "(generate one with: openssl rand -hex 32)",
     "00112233"},
    {'Q', "cursor_secret = 00112233445566778899aabbccddeeff00112233445566778899aabbccddeef",
     ":13: [sql] cursor_secret: (hidden) has an odd number of hex digits (generate one with: "
     "openssl rand -hex 32)",
     "00112233"},
    {'Q', "cursor_secret = \"not a secret at all, just words!!\"",
     ":13: [sql] cursor_secret: (hidden) is neither hex nor base64 (generate one with: openssl "
     "rand -hex 32)",
     "just words"},
    {'Q', "cursor_secret = c2hvcnQ=",
     ":13: [sql] cursor_secret: (hidden) decodes to 5 bytes; it must be 32 to 1024", "c2hvcnQ"},
    {'Q', "cursor_secret_file = secret.key",
     ":13: [sql] cursor_secret_file: 'secret.key' is not an absolute path", NULL},
    {'Q', "cursor_secret_file = /nonexistent/ddbsql/cursor.key",
     ":13: [sql] cursor_secret_file: cannot read '/nonexistent/ddbsql/cursor.key': No such file "
     "or directory",
     NULL},
    {'Q', "cursor_secret_file = /tmp",
     ":13: [sql] cursor_secret_file: '/tmp' is not a regular file", NULL},
    {'Q', "max_row = 10", ":13: [sql] max_row: unknown key 'max_row' (did you mean 'max_rows'?)",
     NULL},
    {'G', "max_rows = 10",
     ":2: max_rows: unknown key 'max_rows' here (it belongs in the [sql] section)", NULL},
};

static void append(char *out, size_t outlen, const char *line)
{
    size_t n = strlen(out);
    snprintf(out + n, outlen - n, "%s\n", line);
}

/* The line unless the case's text sets the same key (then blank). */
static const char *unless_set(const char *line, const char *added)
{
    size_t klen = strcspn(line, " =");
    for (const char *p = added; p && *p;) {
        if (!strncmp(p, line, klen) && (p[klen] == ' ' || p[klen] == '='))
            return "";
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    return line;
}

static void build_case(const bad_case *bc, char *out, size_t outlen)
{
    const char *g = bc->where == 'G' ? bc->lines : NULL;
    const char *r = bc->where == 'R' ? bc->lines : NULL;
    const char *d = bc->where == 'D' ? bc->lines : NULL;
    const char *s = bc->where == 'S' ? bc->lines : NULL;
    const char *q = bc->where == 'Q' ? bc->lines : NULL;
    out[0] = '\0';
    append(out, outlen, "# test");
    append(out, outlen, g ? g : "");
    append(out, outlen, unless_set("public_url = http://127.0.0.1:8080", g));
    append(out, outlen, unless_set("auth = none", g));
    append(out, outlen, "[redis]");
    append(out, outlen, r ? r : "");
    append(out, outlen, "[dynamodb]");
    append(out, outlen, d ? d : "");
    append(out, outlen, "[schema prod]");
    append(out, outlen, s ? s : "");
    append(out, outlen, s && !strncmp(s, "region =", 8) ? "" : "region = us-east-1");
    append(out, outlen, "[sql]");
    append(out, outlen, q ? q : "");
}

static void test_bad_values(void **state)
{
    (void)state;
    static char text[8192];
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const bad_case *bc = &bad_cases[i];
        build_case(bc, text, sizeof text);
        expect_fail(text, bc->expect);
        if (bc->absent && strstr(err, bc->absent))
            fail_msg("message reveals '%s': %s", bc->absent, err);
    }
}

/* The template itself is valid, so every failure above is the case's. */
static void test_template_valid(void **state)
{
    (void)state;
    static char text[8192];
    bad_case none = {'G', "", "", NULL};
    build_case(&none, text, sizeof text);
    config c;
    assert_true(load_text(text, &c));
    config_free(&c);
}

/* ---- whole-file rules ----------------------------------------------------- */

#define HEAD "public_url = http://127.0.0.1:8080\nauth = none\n"

static void test_file_rules(void **state)
{
    (void)state;
    expect_fail("auth = none\n[schema a]\nregion = us-east-1\n",
                ": public_url: missing (required), e.g. public_url = http://127.0.0.1:8080");
    expect_fail("public_url = http://127.0.0.1:8080\n[schema a]\nregion = us-east-1\n",
                ": auth: not set, so it defaults to oauth, which needs at least one "
                "[signing_key NAME] section with the path of an EC P-256 private key (create one "
                "with: openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "
                "KEY.pem && chmod 600 KEY.pem); for a local test without authentication use auth "
                "= none with a loopback public_url");
    expect_fail(HEAD, ": no [schema NAME] section: at least one schema (a DynamoDB connection) is "
                      "required");
    expect_fail(HEAD "[redis]\n", ": no [schema NAME] section");
    expect_fail(HEAD "[schema a]\n", ":3: [schema a] region: missing (required), e.g. region = "
                                     "us-east-1");
    expect_fail(HEAD "[schema a]\nregion = us-east-1\ndefault = yes\n\n[schema b]\nregion = "
                     "us-east-1\ndefault = on\n",
                ":9: [schema b] default: two schemas are marked default ('a' at line 5 and 'b' at "
                "line 9); mark exactly one");
    expect_fail(HEAD "[schema a]\nregion = us-east-1\n[schema b]\nregion = us-east-1\n",
                ": 2 schemas and none has default = true; mark exactly one as the default");
    expect_fail(HEAD "[schema a]\nregion = us-east-1\ndefault = false\n[schema b]\nregion = "
                     "us-east-1\ndefault = false\n",
                ": 2 schemas and none has default = true");
    expect_fail(HEAD "[schema a]\nregion = us-east-1\n[schema a]\nregion = us-east-1\n",
                ":5: section [schema a] appears twice (first at line 3)");
    expect_fail(HEAD "[schema prod]\nregion = us-east-1\n[schema Prod]\nregion = us-east-1\n",
                ":5: [schema Prod] schema 'Prod' differs from schema 'prod' only in letter case");
    expect_fail(
        HEAD "[schema 1prod]\nregion = us-east-1\n",
        ":3: [schema 1prod] '1prod' is not a valid schema name (a letter or '_' followed by "
        "up to 62 letters, digits or '_')");
    expect_fail(HEAD "[schema a-b]\nregion = us-east-1\n",
                ":3: [schema a-b] 'a-b' is not a valid schema name");
    expect_fail(HEAD "[schema "
                     "a234567890123456789012345678901234567890123456789012345678901234]\nregion = "
                     "us-east-1\n",
                ":3: [schema a234567890123456789012345678901234567890123456789012345678901234] "
                "'a234567890123456789012345678901234567890123456789012345678901234' is not a "
                "valid schema name");
    expect_fail(HEAD "[schema]\nregion = us-east-1\n",
                ":3: [schema] [schema] needs a name: [schema NAME]");
    expect_fail(HEAD "[redis main]\n", ":3: [redis main] [redis] takes no name");
    expect_fail(HEAD "[regis]\n", ":3: unknown section [regis] (did you mean [redis]?)");
    /* A prefix: sections added later extend the list. */
    expect_fail(HEAD "[frobnicate]\n", ":3: unknown section [frobnicate] (known: redis, dynamodb, "
                                       "sql, oauth, signing_key");
    expect_fail(HEAD "[oath]\n", ":3: unknown section [oath] (did you mean [oauth]?)");
    expect_fail(HEAD "[sql x]\n", ":3: [sql x] [sql] takes no name");
    expect_fail(HEAD "[sq]\n", ":3: unknown section [sq] (did you mean [sql]?)");
    expect_fail(HEAD "[schema a]\nregion = us-east-1\nbad line\n",
                ":5: expected '=' after 'bad', found 'l'");
}

static void test_loopback_rule(void **state)
{
    (void)state;
    static const char *const loopback[] = {
        "http://127.0.0.1:8080", "http://127.9.8.7",     "http://localhost:1",
        "http://LOCALHOST",      "https://[::1]:8443/x", "http://[::ffff:127.0.0.1]",
    };
    static const char *const remote[] = {
        "http://128.0.0.1",          "http://10.0.0.1:8080", "https://ddbsql.example.com",
        "http://localhost.evil.com", "http://[::2]",         "http://0.0.0.0:8080",
        "http://127.0.0.1.nip.io",
    };
    char text[512];
    config c;
    for (size_t i = 0; i < sizeof loopback / sizeof *loopback; i++) {
        snprintf(text, sizeof text,
                 "public_url = %s\nauth = none\n[schema a]\nregion = eu-west-1\n", loopback[i]);
        if (!load_text(text, &c))
            fail_msg("%s refused: %s", loopback[i], err);
        assert_true(c.auth_none);
        config_free(&c);
    }
    for (size_t i = 0; i < sizeof remote / sizeof *remote; i++) {
        snprintf(text, sizeof text,
                 "public_url = %s\n# line 2\nauth = none\n[schema a]\nregion = eu-west-1\n",
                 remote[i]);
        char want[512];
        snprintf(want, sizeof want,
                 ":3: auth: auth = none is only allowed when public_url's host is loopback "
                 "(127.0.0.0/8, ::1 or localhost): anyone who can reach '%s' could query the data "
                 "without credentials",
                 remote[i]);
        expect_fail(text, want);
    }
}

/* ---- valid files ---------------------------------------------------------- */

static void test_defaults(void **state)
{
    (void)state;
    config c;
    assert_true(load_text(HEAD "[schema demo]\nregion = us-east-1\n", &c));
    assert_string_equal(c.public_url, "http://127.0.0.1:8080");
    assert_string_equal(c.mcp_url, "http://127.0.0.1:8080/mcp");
    assert_int_equal(c.norigins, 1);
    assert_string_equal(c.allowed_origins[0], "http://127.0.0.1:8080");
    assert_true(c.auth_none);
    assert_int_equal(c.max_body_bytes, 1048576);
    assert_int_equal(c.max_params, 200);
    assert_int_equal(c.max_param_bytes, 16384);
    assert_string_equal(c.log_level, "info");
    assert_int_equal(c.metadata_ttl_seconds, 300);
    assert_int_equal(c.sample_size, 100);
    assert_string_equal(c.redis.host, "127.0.0.1");
    assert_int_equal(c.redis.port, 6379);
    assert_null(c.redis.socket);
    assert_null(c.redis.password);
    assert_int_equal(c.redis.db, 0);
    assert_int_equal(c.redis.connect_timeout_ms, 500);
    assert_int_equal(c.redis.command_timeout_ms, 1000);
    assert_string_equal(c.redis.key_prefix, "ddbsql:");
    assert_int_equal(c.dynamodb.connect_timeout_ms, 2000);
    assert_int_equal(c.dynamodb.request_timeout_ms, 10000);
    assert_int_equal(c.dynamodb.retry_budget_ms, 20000);
    assert_int_equal(c.dynamodb.max_attempts, 8);
    assert_int_equal(c.dynamodb.base_backoff_ms, 50);
    assert_int_equal(c.sql.max_items_read, 100000);
    assert_int_equal(c.sql.max_capacity_units, 0);
    assert_int_equal(c.sql.time_limit_ms, 30000);
    assert_int_equal(c.sql.max_memory_mb, 64);
    assert_int_equal(c.sql.max_scan_segments, 4);
    assert_int_equal(c.sql.default_rows, 100);
    assert_int_equal(c.sql.max_rows, 1000);
    assert_null(c.sql.cursor_key);
    assert_int_equal(c.sql.cursor_key_len, 0);
    assert_null(c.sql.cursor_secret_file);
    assert_int_equal(c.nschemas, 1);
    const schema_conf *s = &c.schemas[0];
    assert_string_equal(s->name, "demo");
    assert_true(s->is_default); /* a single schema is the default */
    assert_ptr_equal(c.default_schema, s);
    assert_string_equal(s->region, "us-east-1");
    assert_null(s->endpoint);
    assert_int_equal(s->creds, CREDS_CHAIN);
    assert_null(s->access_key_id);
    assert_null(s->secret_access_key);
    assert_null(s->session_token);
    assert_null(s->profile);
    assert_null(s->role_arn);
    assert_null(s->external_id);
    assert_string_equal(s->role_session_name, "ddbsql");
    assert_int_equal(s->role_duration_seconds, 3600);
    assert_null(s->sts_endpoint);
    assert_true(s->all_tables);
    assert_int_equal(s->ntables, 0);
    assert_true(schema_allows_table(s, "anything"));
    assert_false(schema_allows_table(s, "ab")); /* not a table name at all */
    assert_false(schema_allows_table(s, NULL));
    assert_ptr_equal(config_schema(&c, "demo"), s);
    assert_ptr_equal(config_schema(&c, NULL), s);
    assert_null(config_schema(&c, "Demo"));
    assert_null(config_schema(&c, "other"));
    config_free(&c);
    assert_null(c.schemas);
    assert_null(c.public_url);
}

static void test_full_round_trip(void **state)
{
    (void)state;
    const char *text =
        "# every key set\n"
        "public_url = HTTP://LocalHost:8080/base/  ; trailing slash is dropped\n"
        "allowed_origins = http://localhost:8080, HTTP://127.0.0.1:80 https://[::1]:443\n"
        "auth = NONE\n"
        "max_body_bytes = 2048\n"
        "max_params = 16\n"
        "max_param_bytes = 1048576\n"
        "log_level = Debug\n"
        "metadata_ttl_seconds = 0\n"
        "sample_size = 10000\n"
        "\n"
        "[redis]\n"
        "socket = /run/redis/redis.sock\n"
        "password = \"pa ss#word\\\"\"\n"
        "db = 15\n"
        "connect_timeout_ms = 10\n"
        "command_timeout_ms = 60000\n"
        "key_prefix = app:ddb-1.\n"
        "\n"
        "[dynamodb]\n"
        "connect_timeout_ms = 100\n"
        "request_timeout_ms = 300000\n"
        "retry_budget_ms = 600000\n"
        "max_attempts = 1\n"
        "base_backoff_ms = 10000\n"
        "\n"
        "[sql]\n"
        "max_items_read = 1000000000\n"
        "max_capacity_units = 250\n"
        "time_limit_ms = 600000\n"
        "max_memory_mb = 4096\n"
        "max_scan_segments = 16\n"
        "default_rows = 1000\n"
        "max_rows = 1000\n"
        "cursor_secret = 000102030405060708090A0B0C0D0E0F101112131415161718191a1b1c1d1e1f\n"
        "\n"
        "[schema prod]\n"
        "default = true\n"
        "region = eu-west-1\n"
        "endpoint = https://dynamodb.eu-west-1.amazonaws.com/\n"
        "credentials = static\n"
        "access_key_id = AKIDEXAMPLE\n"
        "secret_access_key = wJalrXUtnFEMI/K7MDENG\n"
        "session_token = FwoGZXIvYXdzE\n"
        "role_arn = arn:aws:iam::123456789012:role/service/ddbsql-read\n"
        "external_id = 4f1c2d3e-aaaa-bbbb-cccc-0123456789ab\n"
        "role_session_name = ddbsql-prod\n"
        "role_duration_seconds = 43200\n"
        "sts_endpoint = https://sts.eu-west-1.amazonaws.com\n"
        "tables = orders customers,products\n"
        "\n"
        "[schema analytics]\n"
        "region = us-gov-west-1\n"
        "credentials = profile\n"
        "profile = analytics-ro\n"
        "default = no\n"
        "tables = *\n"
        "\n"
        "[schema _local]\n"
        "region = us-east-1\n"
        "endpoint = http://127.0.0.1:4567\n";
    config c;
    if (!load_text(text, &c))
        fail_msg("%s", err);
    assert_string_equal(c.public_url, "http://localhost:8080/base");
    assert_string_equal(c.mcp_url, "http://localhost:8080/base/mcp");
    assert_int_equal(c.norigins, 3);
    assert_string_equal(c.allowed_origins[0], "http://localhost:8080");
    assert_string_equal(c.allowed_origins[1], "http://127.0.0.1");
    assert_string_equal(c.allowed_origins[2], "https://[::1]");
    assert_true(c.auth_none);
    assert_int_equal(c.max_body_bytes, 2048);
    assert_int_equal(c.max_params, 16);
    assert_int_equal(c.max_param_bytes, 1048576);
    assert_string_equal(c.log_level, "debug");
    assert_int_equal(c.metadata_ttl_seconds, 0);
    assert_int_equal(c.sample_size, 10000);
    assert_null(c.redis.host);
    assert_string_equal(c.redis.socket, "/run/redis/redis.sock");
    assert_string_equal(c.redis.password, "pa ss#word\"");
    assert_int_equal(c.redis.db, 15);
    assert_int_equal(c.redis.connect_timeout_ms, 10);
    assert_int_equal(c.redis.command_timeout_ms, 60000);
    assert_string_equal(c.redis.key_prefix, "app:ddb-1.");
    assert_int_equal(c.dynamodb.connect_timeout_ms, 100);
    assert_int_equal(c.dynamodb.request_timeout_ms, 300000);
    assert_int_equal(c.dynamodb.retry_budget_ms, 600000);
    assert_int_equal(c.dynamodb.max_attempts, 1);
    assert_int_equal(c.dynamodb.base_backoff_ms, 10000);
    assert_int_equal(c.sql.max_items_read, 1000000000);
    assert_int_equal(c.sql.max_capacity_units, 250);
    assert_int_equal(c.sql.time_limit_ms, 600000);
    assert_int_equal(c.sql.max_memory_mb, 4096);
    assert_int_equal(c.sql.max_scan_segments, 16);
    assert_int_equal(c.sql.default_rows, 1000);
    assert_int_equal(c.sql.max_rows, 1000);
    assert_int_equal(c.sql.cursor_key_len, 32);
    for (size_t i = 0; i < 32; i++)
        assert_int_equal(c.sql.cursor_key[i], i);
    assert_null(c.sql.cursor_secret_file);
    assert_int_equal(c.nschemas, 3);

    const schema_conf *p = config_schema(&c, "prod");
    assert_non_null(p);
    assert_ptr_equal(c.default_schema, p);
    assert_ptr_equal(config_schema(&c, ""), p);
    assert_true(p->is_default);
    assert_string_equal(p->region, "eu-west-1");
    assert_string_equal(p->endpoint, "https://dynamodb.eu-west-1.amazonaws.com");
    assert_int_equal(p->creds, CREDS_STATIC);
    assert_string_equal(p->access_key_id, "AKIDEXAMPLE");
    assert_string_equal(p->secret_access_key, "wJalrXUtnFEMI/K7MDENG");
    assert_string_equal(p->session_token, "FwoGZXIvYXdzE");
    assert_null(p->profile);
    assert_string_equal(p->role_arn, "arn:aws:iam::123456789012:role/service/ddbsql-read");
    assert_string_equal(p->external_id, "4f1c2d3e-aaaa-bbbb-cccc-0123456789ab");
    assert_string_equal(p->role_session_name, "ddbsql-prod");
    assert_int_equal(p->role_duration_seconds, 43200);
    assert_string_equal(p->sts_endpoint, "https://sts.eu-west-1.amazonaws.com");
    assert_false(p->all_tables);
    assert_int_equal(p->ntables, 3);
    assert_string_equal(p->tables[0], "orders");
    assert_string_equal(p->tables[1], "customers");
    assert_string_equal(p->tables[2], "products");
    assert_true(schema_allows_table(p, "orders"));
    assert_true(schema_allows_table(p, "products"));
    assert_false(schema_allows_table(p, "Orders")); /* case-sensitive */
    assert_false(schema_allows_table(p, "order"));
    assert_false(schema_allows_table(p, "secrets"));

    const schema_conf *a = config_schema(&c, "analytics");
    assert_non_null(a);
    assert_false(a->is_default);
    assert_string_equal(a->region, "us-gov-west-1");
    assert_int_equal(a->creds, CREDS_PROFILE);
    assert_string_equal(a->profile, "analytics-ro");
    assert_true(a->all_tables);
    assert_true(schema_allows_table(a, "secrets"));

    const schema_conf *l = config_schema(&c, "_local");
    assert_non_null(l);
    assert_string_equal(l->endpoint, "http://127.0.0.1:4567");
    assert_int_equal(l->creds, CREDS_CHAIN);
    assert_string_equal(c.path + strlen(c.path) - 5, ".conf");
    config_free(&c);
}

static void test_redis_host_port(void **state)
{
    (void)state;
    config c;
    assert_true(load_text(HEAD "[redis]\nhost = redis.internal\nport = 6390\npassword = pw\n"
                               "[schema a]\nregion = us-east-1\n",
                          &c));
    assert_string_equal(c.redis.host, "redis.internal");
    assert_int_equal(c.redis.port, 6390);
    assert_null(c.redis.socket);
    assert_string_equal(c.redis.password, "pw");
    config_free(&c);
    assert_true(load_text(HEAD "[redis]\nhost = ::1\n[schema a]\nregion = us-east-1\n", &c));
    assert_string_equal(c.redis.host, "::1");
    config_free(&c);
}

/* Secrets never reach a message, whichever rule rejects them. */
static void test_secrets_hidden(void **state)
{
    (void)state;
    config c;
    /* Type errors in the same section as valid secrets. */
    assert_false(load_text(HEAD "[redis]\npassword = TOPSECRETPW\ndb = x\n[schema a]\nregion = "
                                "us-east-1\n",
                           &c));
    assert_null(strstr(err, "TOPSECRETPW"));
    assert_false(load_text(HEAD "[schema a]\nregion = us-east-1\ncredentials = static\n"
                                "access_key_id = AKID\nsecret_access_key = \"TOP SECRET\"\n",
                           &c));
    assert_non_null(strstr(err, "(hidden)"));
    assert_null(strstr(err, "TOP SECRET"));
    assert_false(load_text(HEAD "[schema a]\nregion = us-east-1\ncredentials = static\n"
                                "access_key_id = AKID\nsecret_access_key = k\n"
                                "session_token = \"TOP\x09SECRET\"\n",
                           &c));
    assert_non_null(strstr(err, "(hidden)"));
    assert_null(strstr(err, "SECRET"));
    /* A secret on a malformed line (':' instead of '='). */
    assert_false(load_text(HEAD "[redis]\npassword: TOPSECRETPW\n", &c));
    assert_null(strstr(err, "TOPSECRETPW"));
    /* A password inside a URL. */
    assert_false(load_text("public_url = http://u:TOPSECRETPW@127.0.0.1\n", &c));
    assert_null(strstr(err, "TOPSECRETPW"));
    assert_false(load_text(HEAD "allowed_origins = http://u:TOPSECRETPW@127.0.0.1\n", &c));
    assert_null(strstr(err, "TOPSECRETPW"));
    assert_false(load_text(HEAD "[schema a]\nregion = us-east-1\nendpoint = "
                                "http://u:TOPSECRETPW@127.0.0.1\n",
                           &c));
    assert_null(strstr(err, "TOPSECRETPW"));
}

/* ---- [sql] cursor secrets ------------------------------------------------ */

/* Writes a file holding text into tmpdir and returns its path (static). */
static const char *write_secret_file(const char *name, const char *text)
{
    static char path[160];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    assert_true(fputs(text, fp) >= 0);
    assert_int_equal(fclose(fp), 0);
    return path;
}

static void expect_key(const char *sql_lines, const unsigned char *want, size_t wantlen)
{
    char text[4096];
    snprintf(text, sizeof text, HEAD "[sql]\n%s\n[schema a]\nregion = us-east-1\n", sql_lines);
    config c;
    if (!load_text(text, &c))
        fail_msg("refused: %s\n%s", err, text);
    assert_int_equal(c.sql.cursor_key_len, wantlen);
    assert_memory_equal(c.sql.cursor_key, want, wantlen);
    config_free(&c);
    assert_null(c.sql.cursor_key);
}

static void test_cursor_secret_forms(void **state)
{
    (void)state;
    unsigned char k32[32], k48[48];
    for (size_t i = 0; i < sizeof k32; i++)
        k32[i] = (unsigned char)(0xf0 ^ i);
    for (size_t i = 0; i < sizeof k48; i++)
        k48[i] = (unsigned char)(i * 5 + 1);
    /* hex, either case */
    expect_key("cursor_secret = f0f1f2f3f4f5f6f7f8f9fafbfcfdfeffE0E1E2E3E4E5E6E7E8E9EAEBECEDEEEF",
               k32, 32);
    /* base64 with padding (32 bytes), and base64url without (48 bytes) */
    expect_key("cursor_secret = 8PHy8/T19vf4+fr7/P3+/+Dh4uPk5ebn6Onq6+zt7u8=", k32, 32);
    expect_key("cursor_secret = AQYLEBUaHyQpLjM4PUJHTFFWW2Blam90eX6DiI2Sl5yhpquwtbq_xMnO09jd4ufs",
               k48, 48);
    /* from a file, surrounding whitespace and a trailing newline ignored */
    char line[512];
    const char *p = write_secret_file(
        "k1", "  f0f1f2f3f4f5f6f7f8f9fafbfcfdfeffe0e1e2e3e4e5e6e7e8e9eaebecedeeef\r\n");
    snprintf(line, sizeof line, "cursor_secret_file = %s", p);
    expect_key(line, k32, 32);
    config c;
    char text[1024];
    snprintf(text, sizeof text, HEAD "[sql]\n%s\n[schema a]\nregion = us-east-1\n", line);
    assert_true(load_text(text, &c));
    assert_string_equal(c.sql.cursor_secret_file, p);
    config_free(&c);
}

static void test_cursor_secret_file_errors(void **state)
{
    (void)state;
    char text[1024], want[512];
    const char *p = write_secret_file("empty", " \n\n");
    snprintf(text, sizeof text, HEAD "[sql]\ncursor_secret_file = %s\n", p);
    snprintf(want, sizeof want,
             ":4: [sql] cursor_secret_file: '%s' is empty (generate one with: openssl rand -hex "
             "32)",
             p);
    expect_fail(text, want);

    p = write_secret_file("short", "TOPSECRET0abcQ\n");
    snprintf(text, sizeof text, HEAD "[sql]\ncursor_secret_file = %s\n", p);
    snprintf(want, sizeof want,
             ":4: [sql] cursor_secret_file: the secret in '%s' decodes to 10 bytes; it must be 32 "
             "to 1024 random bytes",
             p);
    expect_fail(text, want);
    assert_null(strstr(err, "TOPSECRET"));

    static char big[9000];
    memset(big, 'a', sizeof big - 1);
    p = write_secret_file("big", big);
    snprintf(text, sizeof text, HEAD "[sql]\ncursor_secret_file = %s\n", p);
    snprintf(want, sizeof want,
             ":4: [sql] cursor_secret_file: '%s' is larger than 8192 bytes; it must hold only the "
             "secret",
             p);
    expect_fail(text, want);

    p = write_secret_file("ok", "000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f");
    snprintf(text, sizeof text,
             HEAD "[sql]\ncursor_secret = "
                  "000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f\n"
                  "cursor_secret_file = %s\n",
             p);
    expect_fail(text, ":5: [sql] cursor_secret_file: set either cursor_secret or "
                      "cursor_secret_file, not both (cursor_secret is at line 4)");
    assert_null(strstr(err, "000102"));
}

/* A valid secret in a section that fails later is still never shown. */
static void test_cursor_secret_hidden(void **state)
{
    (void)state;
    config c;
    assert_false(load_text(HEAD
                           "[sql]\ncursor_secret = "
                           "5ec2e75ec2e75ec2e75ec2e75ec2e75ec2e75ec2e75ec2e75ec2e75ec2e75ec2e7\n"
                           "max_rows = x\n[schema a]\nregion = us-east-1\n",
                           &c));
    assert_null(strstr(err, "5ec2e7"));
    assert_false(load_text(HEAD "[sql]\ncursor_secret: 5ec2e75ec2e7\n", &c));
    assert_null(strstr(err, "5ec2e7"));
}

static void test_long_value_shortened(void **state)
{
    (void)state;
    char text[4096];
    char longv[400];
    memset(longv, 'x', sizeof longv - 1);
    longv[sizeof longv - 1] = '\0';
    snprintf(text, sizeof text, HEAD "log_level = %s\n", longv);
    config c;
    assert_false(load_text(text, &c));
    assert_non_null(strstr(err, "...' is not one of debug"));
    assert_true(strlen(err) < 300);
}

static void test_missing_file(void **state)
{
    (void)state;
    config c;
    char path[128], want[256];
    snprintf(path, sizeof path, "%s/none.conf", tmpdir);
    assert_false(config_load(path, &c, err, sizeof err));
    snprintf(want, sizeof want, "%s: cannot open: No such file or directory", path);
    assert_string_equal(err, want);
    assert_false(config_load(NULL, &c, err, sizeof err));
}

static void test_config_path(void **state)
{
    (void)state;
    assert_int_equal(setenv(CONFIG_ENV_VAR, "/tmp/x.conf", 1), 0);
    assert_string_equal(config_path(), "/tmp/x.conf");
    assert_int_equal(setenv(CONFIG_ENV_VAR, "", 1), 0);
    assert_string_equal(config_path(), CONFIG_DEFAULT_PATH);
    assert_int_equal(unsetenv(CONFIG_ENV_VAR), 0);
    assert_string_equal(config_path(), "/etc/ddbsql/ddbsql.conf");
}

/* The example in docs/CONFIG.md is valid (the key file is read by the
 * executables, not by config_load). */
static void test_docs_example(void **state)
{
    (void)state;
    const char *text = "public_url = https://ddbsql.example.com\n"
                       "auth = oauth\n"
                       "\n"
                       "[redis]\n"
                       "socket = /run/redis/redis.sock\n"
                       "\n"
                       "[oauth]\n"
                       "access_token_ttl_seconds = 600\n"
                       "\n"
                       "[signing_key 2026-01]\n"
                       "path = /etc/ddbsql/keys/2026-01.pem\n"
                       "\n"
                       "[schema prod]\n"
                       "default = true\n"
                       "region = eu-west-1\n"
                       "role_arn = arn:aws:iam::123456789012:role/ddbsql-read\n"
                       "external_id = 4f1c2d3e-aaaa-bbbb-cccc-0123456789ab\n"
                       "tables = orders customers products\n"
                       "\n"
                       "[schema analytics]\n"
                       "region = us-east-1\n"
                       "credentials = profile\n"
                       "profile = analytics-ro\n";
    config c;
    if (!load_text(text, &c))
        fail_msg("%s", err);
    assert_false(c.auth_none);
    assert_string_equal(c.oauth.issuer, "https://ddbsql.example.com");
    assert_int_equal(c.oauth.nkeys, 1);
    assert_ptr_equal(c.oauth.active_key, &c.oauth.keys[0]);
    config_free(&c);
}

/* ---- [oauth] and [signing_key KID] ----------------------------------------- */

#define OAUTH_HEAD "public_url = https://ddbsql.example.com\nauth = oauth\n"
#define SCHEMA     "[schema a]\nregion = us-east-1\n"
#define KEY1       "[signing_key k1]\npath = /etc/ddbsql/k1.pem\n"

static void test_oauth_defaults(void **state)
{
    (void)state;
    config c;
    assert_true(load_text(HEAD SCHEMA, &c));
    assert_true(c.auth_none);
    assert_string_equal(c.oauth.issuer, "http://127.0.0.1:8080");
    assert_int_equal(c.oauth.access_token_ttl_seconds, 600);
    assert_int_equal(c.oauth.clock_leeway_seconds, 60);
    assert_int_equal(c.oauth.session_lifetime_hours, 12);
    assert_int_equal(c.oauth.refresh_token_ttl_seconds, 43200);
    assert_int_equal(c.oauth.registered_client_ttl_days, 30);
    assert_false(c.oauth.trust_remote_user);
    assert_false(c.oauth.cimd_allow_loopback);
    assert_int_equal(c.oauth.nkeys, 0);
    assert_null(c.oauth.active_key);
    config_free(&c);

    /* auth defaults to oauth: a key and an https public_url are enough. */
    assert_true(load_text("public_url = https://db.example.com/base/\n" KEY1 SCHEMA, &c));
    assert_false(c.auth_none);
    assert_string_equal(c.oauth.issuer, "https://db.example.com/base");
    assert_string_equal(c.mcp_url, "https://db.example.com/base/mcp");
    assert_string_equal(c.oauth.keys[0].kid, "k1");
    assert_string_equal(c.oauth.keys[0].path, "/etc/ddbsql/k1.pem");
    assert_true(c.oauth.keys[0].active); /* the only key signs */
    config_free(&c);
}

static void test_oauth_full(void **state)
{
    (void)state;
    config c;
    const char *text = OAUTH_HEAD "[oauth]\n"
                                  "issuer = HTTPS://Auth.Example.com/\n"
                                  "access_token_ttl_seconds = 300\n"
                                  "clock_leeway_seconds = 0\n"
                                  "session_lifetime_hours = 24\n"
                                  "refresh_token_ttl_seconds = 3600\n"
                                  "registered_client_ttl_days = 7\n"
                                  "trust_remote_user = yes\n"
                                  "cimd_allow_loopback = false\n"
                                  "[signing_key 2025-12]\n"
                                  "path = /k/old.pem\n"
                                  "[signing_key 2026-01.b_x]\n"
                                  "path = /k/new.pem\n"
                                  "active = true\n"
                                  "[signing_key spare]\n"
                                  "path = /k/spare.pem\n"
                                  "active = false\n" SCHEMA;
    if (!load_text(text, &c))
        fail_msg("%s", err);
    assert_string_equal(c.oauth.issuer, "https://auth.example.com");
    assert_int_equal(c.oauth.access_token_ttl_seconds, 300);
    assert_int_equal(c.oauth.clock_leeway_seconds, 0);
    assert_int_equal(c.oauth.session_lifetime_hours, 24);
    assert_int_equal(c.oauth.refresh_token_ttl_seconds, 3600);
    assert_int_equal(c.oauth.registered_client_ttl_days, 7);
    assert_true(c.oauth.trust_remote_user);
    assert_false(c.oauth.cimd_allow_loopback);
    assert_int_equal(c.oauth.nkeys, 3);
    assert_string_equal(c.oauth.keys[0].kid, "2025-12");
    assert_false(c.oauth.keys[0].active);
    assert_ptr_equal(c.oauth.active_key, &c.oauth.keys[1]);
    assert_string_equal(c.oauth.active_key->kid, "2026-01.b_x");
    assert_string_equal(c.oauth.active_key->path, "/k/new.pem");
    config_free(&c);

    /* Loopback http is fine for tests, and so is the test-only switch. */
    assert_true(
        load_text("public_url = http://127.0.0.1:9000\nauth = oauth\n[oauth]\n"
                  "cimd_allow_loopback = true\nissuer = http://localhost:9000\n" KEY1 SCHEMA,
                  &c));
    assert_true(c.oauth.cimd_allow_loopback);
    assert_string_equal(c.oauth.issuer, "http://localhost:9000");
    config_free(&c);
}

static void test_oauth_errors(void **state)
{
    (void)state;
    /* Each value names its key, line and section. */
    static const struct {
        const char *line, *want;
    } bad[] = {
        {"access_token_ttl_seconds = 59",
         ":4: [oauth] access_token_ttl_seconds: '59' is out of range (60 to 86400)"},
        {"access_token_ttl_seconds = ten",
         ":4: [oauth] access_token_ttl_seconds: 'ten' is not a whole number"},
        {"clock_leeway_seconds = 301",
         ":4: [oauth] clock_leeway_seconds: '301' is out of range (0 to 300)"},
        {"clock_leeway_seconds = -1",
         ":4: [oauth] clock_leeway_seconds: '-1' is out of range (0 to 300)"},
        {"session_lifetime_hours = 0",
         ":4: [oauth] session_lifetime_hours: '0' is out of range (1 to 8760)"},
        {"refresh_token_ttl_seconds = 59",
         ":4: [oauth] refresh_token_ttl_seconds: '59' is out of range (60 to 31536000)"},
        {"registered_client_ttl_days = 3651",
         ":4: [oauth] registered_client_ttl_days: '3651' is out of range (1 to 3650)"},
        {"trust_remote_user = maybe",
         ":4: [oauth] trust_remote_user: 'maybe' is not a boolean (use true/false, yes/no, "
         "on/off or 1/0)"},
        {"cimd_allow_loopback = 2", ":4: [oauth] cimd_allow_loopback: '2' is not a boolean"},
        {"issuer = ftp://x", ":4: [oauth] issuer: 'ftp://x' is not an http:// or https:// URL"},
        {"issuer = https://a.example/?x=1",
         ":4: [oauth] issuer: 'https://a.example/?x=1' must not have a query ('?...')"},
        {"issuer = https://a.example/#f",
         ":4: [oauth] issuer: 'https://a.example/#f' must not have a fragment ('#...')"},
        {"issuer = http://auth.example.com",
         ":4: [oauth] issuer: 'http://auth.example.com' must be an https:// URL (or a loopback "
         "http:// one for local tests)"},
        {"cimd_allow_loopback = true",
         ":4: [oauth] cimd_allow_loopback: is for tests only and is refused unless public_url's "
         "host is loopback ('https://ddbsql.example.com' is not)"},
        {"acces_token_ttl_seconds = 600",
         ":4: [oauth] acces_token_ttl_seconds: unknown key 'acces_token_ttl_seconds' (did you "
         "mean 'access_token_ttl_seconds'?)"},
        {"path = /k.pem",
         ":4: [oauth] path: unknown key 'path' here (it belongs in a [signing_key NAME] section)"},
    };
    char text[1024];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(text, sizeof text, OAUTH_HEAD "[oauth]\n%s\n" KEY1 SCHEMA, bad[i].line);
        expect_fail(text, bad[i].want);
    }
    expect_fail(OAUTH_HEAD "[oauth x]\n", ":3: [oauth x] [oauth] takes no name");
    expect_fail("public_url = http://10.0.0.1:8080\nauth = oauth\n" KEY1 SCHEMA,
                ":2: auth: auth = oauth needs an https:// public_url (clients send tokens and "
                "passwords to it); 'http://10.0.0.1:8080' is plain http on a host that is not "
                "loopback. Behind a TLS-terminating proxy, set public_url to the https:// URL "
                "clients use");
    expect_fail("public_url = http://db.example.com\n" KEY1 SCHEMA,
                ": auth: not set, so it defaults to oauth; auth = oauth needs an https:// "
                "public_url");
    /* auth = none still needs loopback, keys or not. */
    expect_fail("public_url = https://db.example.com\nauth = none\n" KEY1 SCHEMA,
                ":2: auth: auth = none is only allowed when public_url's host is loopback");
}

static void test_signing_key_errors(void **state)
{
    (void)state;
    expect_fail(OAUTH_HEAD "[signing_key]\npath = /k.pem\n" SCHEMA,
                ":3: [signing_key] [signing_key] needs a name: [signing_key NAME]");
    expect_fail(OAUTH_HEAD "[signing_key a/b]\npath = /k.pem\n" SCHEMA,
                ":3: [signing_key a/b] 'a/b' is not a valid key id (1 to 64 letters, digits, '.', "
                "'_' or '-')");
    expect_fail(
        OAUTH_HEAD
        "[signing_key k1234567890123456789012345678901234567890123456789012345678901234]\n"
        "path = /k.pem\n" SCHEMA,
        ":3: [signing_key k1234567890123456789012345678901234567890123456789012345678901234] "
        "'k1234567890123456789012345678901234567890123456789012345678901234' is not a "
        "valid key id");
    expect_fail(OAUTH_HEAD "[signing_key k1]\nactive = true\n" SCHEMA,
                ":3: [signing_key k1] path: missing (required): the key file, e.g. path = "
                "/etc/ddbsql/keys/k1.pem");
    expect_fail(OAUTH_HEAD "[signing_key k1]\npath = keys/k1.pem\n" SCHEMA,
                ":4: [signing_key k1] path: 'keys/k1.pem' is not an absolute path");
    expect_fail(OAUTH_HEAD "[signing_key k1]\npath = /k.pem\nactive = sure\n" SCHEMA,
                ":5: [signing_key k1] active: 'sure' is not a boolean");
    expect_fail(OAUTH_HEAD "[signing_key k1]\npath = /k.pem\nkid = k1\n" SCHEMA,
                ":5: [signing_key k1] kid: unknown key 'kid'");
    expect_fail(OAUTH_HEAD KEY1 "[signing_key k1]\npath = /k2.pem\n" SCHEMA,
                ":5: section [signing_key k1] appears twice (first at line 3)");
    expect_fail(OAUTH_HEAD KEY1 "[signing_key k2]\npath = /k2.pem\n" SCHEMA,
                ": 2 [signing_key] sections and none has active = true; mark exactly one (it "
                "signs new tokens; the others only verify)");
    expect_fail(OAUTH_HEAD "[signing_key a]\npath = /a.pem\nactive = true\n"
                           "[signing_key b]\npath = /b.pem\nactive = on\n" SCHEMA,
                ":8: [signing_key b] active: two signing keys are active ('a' at line 5 and 'b' "
                "at line 8); mark exactly one (it signs new tokens; the others only verify)");
    /* One key marked inactive is still the only one, so it signs. */
    config c;
    assert_true(
        load_text(OAUTH_HEAD "[signing_key only]\npath = /o.pem\nactive = false\n" SCHEMA, &c));
    assert_ptr_equal(c.oauth.active_key, &c.oauth.keys[0]);
    config_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_template_valid),
        cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_file_rules),
        cmocka_unit_test(test_loopback_rule),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_full_round_trip),
        cmocka_unit_test(test_redis_host_port),
        cmocka_unit_test(test_secrets_hidden),
        cmocka_unit_test(test_cursor_secret_forms),
        cmocka_unit_test(test_cursor_secret_file_errors),
        cmocka_unit_test(test_cursor_secret_hidden),
        cmocka_unit_test(test_long_value_shortened),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_config_path),
        cmocka_unit_test(test_docs_example),
        cmocka_unit_test(test_oauth_defaults),
        cmocka_unit_test(test_oauth_full),
        cmocka_unit_test(test_oauth_errors),
        cmocka_unit_test(test_signing_key_errors),
    };
    return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
