/* libFuzzer target: a request to /mcp through the whole worker, without a
 * network: http_handle_one (params, body, limits, the JSON-RPC refusal
 * format), mcp_http_handle (discovery documents, Origin and Host checks,
 * CORS, the bearer token with auth = oauth, methods, media types, the
 * protocol version header), rpc_parse, mcp_dispatch and every method:
 * initialize, ping, tools/list, tools/call of list_tables, describe_table
 * and run_sql (catalog, planner, engine and rendering), resources,
 * prompts, completion and logging. DynamoDB is a small in-memory set of
 * tables answered through the client's transport hook
 * (ddb_client_set_transport), so everything above the HTTP client runs as
 * in production.
 *
 * Input: optional CGI param lines up to an empty line, then the body. An
 * input without an empty line is all body. Each param line is
 * "NAME=value" (replacing the default of that name), "-NAME" (dropping
 * it), "@oauth" (the auth = oauth server instead of auth = none) or
 * "@token=KIND" (an Authorization header with a valid token minted at
 * start-up: query, schemas, all, expired or audience, the last two
 * refused). The defaults are a well-formed POST to /mcp from a loopback
 * client; CONTENT_LENGTH is the body's unless given.
 *
 * Any request must be answered, never crash, leak or hang: every answer
 * but 202 and 204 is JSON; on /mcp it is a JSON-RPC response with one of
 * result and error (a code and a message) and, for a request the parser
 * accepts, the request's id; no answer is a 500; the token never appears
 * in the answer or the log. rpc_parse on its own classifies every body as
 * a request, a notification or a response, or refuses it with -32700 or
 * -32600 and a message. */
#include "core/aws/ddb_client.h"
#include "core/base/alloc.h"
#include "core/base/buf.h"
#include "core/base/json_util.h"
#include "core/base/log.h"
#include "core/base/timeutil.h"
#include "core/catalog/catalog.h"
#include "core/conf/config.h"
#include "core/http/fcgi_server.h"
#include "core/mcp/mcp.h"
#include "core/mcp/tools.h"
#include "oauth/discovery.h"
#include "oauth/jwt.h"
#include "oauth/signing_keys.h"
#include "sql/run_sql.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool cond, const char *what)
{
    if (!cond) {
        fprintf(stderr, "invariant broken: %s\n", what);
        abort();
    }
}

/* memmem without _GNU_SOURCE. */
static const char *find_bytes(const char *hay, size_t n, const char *needle, size_t k)
{
    for (size_t i = 0; k && i + k <= n; i++)
        if (hay[i] == needle[0] && memcmp(hay + i, needle, k) == 0)
            return hay + i;
    return NULL;
}

/* ---- the in-memory DynamoDB ---------------------------------------------- */

/* Items in DynamoDB JSON. orders: pk (S) + sk (N), GSI by_status on status;
 * customers: id (S); events: n (N), empty. Every attribute type occurs. */
static const char ORDERS[] =
    "[{\"pk\":{\"S\":\"c1\"},\"sk\":{\"N\":\"1\"},\"status\":{\"S\":\"open\"},"
    "\"total\":{\"N\":\"12.5\"},\"tags\":{\"SS\":[\"a\",\"b\"]},\"note\":{\"NULL\":true},"
    "\"lines\":{\"L\":[{\"M\":{\"sku\":{\"S\":\"x1\"},\"qty\":{\"N\":\"2\"}}},{\"N\":\"7\"}]}},"
    "{\"pk\":{\"S\":\"c1\"},\"sk\":{\"N\":\"2\"},\"status\":{\"S\":\"shipped\"},"
    "\"total\":{\"N\":\"7\"},\"gift\":{\"BOOL\":true},\"at\":{\"S\":\"2024-02-29T12:34:56Z\"}},"
    "{\"pk\":{\"S\":\"c2\"},\"sk\":{\"N\":\"1\"},\"status\":{\"S\":\"open\"},"
    "\"total\":{\"N\":\"-3.25E2\"},\"data\":{\"B\":\"AAEC\"},\"bs\":{\"BS\":[\"AA==\",\"AQ==\"]}},"
    "{\"pk\":{\"S\":\"c3\"},\"sk\":{\"N\":\"10\"},\"status\":{\"S\":\"cancelled\"},"
    "\"total\":{\"N\":\"0\"},\"ns\":{\"NS\":[\"1\",\"2.5\"]},"
    "\"nested\":{\"M\":{\"a\":{\"L\":[{\"N\":\"1\"},{\"S\":\"x\"}]},\"b\":{\"M\":{}}}}},"
    "{\"pk\":{\"S\":\"c3\"},\"sk\":{\"N\":\"11\"},\"total\":{\"S\":\"not a number\"}}]";
static const char CUSTOMERS[] =
    "[{\"id\":{\"S\":\"c1\"},\"name\":{\"S\":\"Ann\"},\"city\":{\"S\":\"Oslo\"},"
    "\"age\":{\"N\":\"41\"}},"
    "{\"id\":{\"S\":\"c2\"},\"name\":{\"S\":\"Bo \\u00e9\"},\"age\":{\"N\":\"29\"},"
    "\"vip\":{\"BOOL\":false}},"
    "{\"id\":{\"S\":\"c4\"},\"name\":{\"S\":\"Zed\"},\"age\":{\"N\":\"1e3\"}}]";

typedef struct mem_table {
    const char *name, *pk, *sk, *gsi, *gsi_pk;
    char pk_type, sk_type;
    json_object *items; /* array, sorted by key */
} mem_table;

static mem_table TABLES[] = {
    {"orders", "pk", "sk", "by_status", "status", 'S', 'N', NULL},
    {"customers", "id", NULL, NULL, NULL, 'S', 0, NULL},
    {"events", "n", NULL, NULL, NULL, 'N', 0, NULL},
};
#define NTABLES (sizeof TABLES / sizeof TABLES[0])

static mem_table *find_table(const char *name)
{
    for (size_t i = 0; name && i < NTABLES; i++)
        if (strcmp(TABLES[i].name, name) == 0)
            return &TABLES[i];
    return NULL;
}

static json_object *parse_or_die(const char *text)
{
    char err[160];
    json_object *o = json_parse_strict(text, strlen(text), 64, err, sizeof err);
    check(o != NULL, err);
    return o;
}

static int answer(buf_t *resp, int status, json_object *doc)
{
    buf_puts(resp, json_compact(doc));
    json_object_put(doc);
    return status;
}

static int ddb_fail(buf_t *resp, const char *type, const char *message)
{
    json_object *e = json_object_new_object();
    char t[128];
    snprintf(t, sizeof t, "com.amazonaws.dynamodb.v20120810#%s", type);
    jset_str(e, "__type", t);
    jset_str(e, "message", message);
    return answer(resp, 400, e);
}

static void add_key_attr(json_object *key, json_object *item, const char *name)
{
    json_object *v = name ? jget(item, name) : NULL;
    if (v)
        jset(key, name, json_object_get(v));
}

static json_object *item_key(const mem_table *t, json_object *item, bool gsi)
{
    json_object *k = json_object_new_object();
    add_key_attr(k, item, t->pk);
    add_key_attr(k, item, t->sk);
    if (gsi)
        add_key_attr(k, item, t->gsi_pk);
    return k;
}

static bool key_matches(const mem_table *t, json_object *item, json_object *key)
{
    if (!json_object_is_type(key, json_type_object))
        return false;
    json_object *a = jget(item, t->pk), *b = jget(key, t->pk);
    if (!a || !b || !json_object_equal(a, b))
        return false;
    if (t->sk) {
        a = jget(item, t->sk);
        b = jget(key, t->sk);
        if (!a || !b || !json_object_equal(a, b))
            return false;
    }
    return true;
}

static void add_capacity(json_object *out, const mem_table *t)
{
    json_object *c = json_object_new_object();
    jset_str(c, "TableName", t->name);
    jset(c, "CapacityUnits", json_object_new_double(0.5));
    jset(out, "ConsumedCapacity", c);
}

/* "#n0 = :v0 AND ...": the partition key's value, or NULL. */
static json_object *hash_value(json_object *req, const char *hash_name)
{
    const char *kce = jget_str(req, "KeyConditionExpression");
    if (!kce)
        return NULL;
    char name[64], value[64];
    if (sscanf(kce, "%63s = %63s", name, value) != 2)
        return NULL;
    const char *resolved =
        name[0] == '#' ? jget_str(jget_obj(req, "ExpressionAttributeNames"), name) : name;
    if (!resolved || strcmp(resolved, hash_name) != 0)
        return NULL;
    return jget(jget_obj(req, "ExpressionAttributeValues"), value);
}

/* Scan and Query: the matching items from ExclusiveStartKey on, Limit at
 * a time, in key order (reversed for ScanIndexForward false). Sort key
 * conditions and filters are left to the engine, which checks every
 * predicate again: more items than DynamoDB would give, never fewer. */
static int read_items(mem_table *t, json_object *req, bool query, buf_t *resp)
{
    const char *index = jget_str(req, "IndexName");
    bool gsi = index != NULL;
    if (gsi && (!t->gsi || strcmp(index, t->gsi) != 0))
        return ddb_fail(resp, "ValidationException", "The table does not have the index");
    json_object *want = NULL;
    if (query) {
        want = hash_value(req, gsi ? t->gsi_pk : t->pk);
        if (!want)
            return ddb_fail(resp, "ValidationException", "Query condition missed key schema");
    }
    int64_t seg = jget_int(req, "Segment", 0), total = jget_int(req, "TotalSegments", 1);
    int64_t limit = jget_int(req, "Limit", 0);
    bool forward = jget_bool(req, "ScanIndexForward", true);
    bool count_only = jget_str(req, "Select") && strcmp(jget_str(req, "Select"), "COUNT") == 0;
    json_object *esk = jget_obj(req, "ExclusiveStartKey");
    size_t n = json_object_array_length(t->items);
    bool started = esk == NULL;
    json_object *items = json_object_new_array(), *last = NULL;
    int64_t count = 0;
    bool more = false;
    for (size_t k = 0; k < n; k++) {
        size_t i = forward ? k : n - 1 - k;
        json_object *item = json_object_array_get_idx(t->items, i);
        if (!started) {
            started = key_matches(t, item, esk);
            continue;
        }
        if (total > 0 && (int64_t)(i % (size_t)total) != seg)
            continue;
        if (gsi && !jget(item, t->gsi_pk))
            continue;
        if (want && !json_object_equal(jget(item, gsi ? t->gsi_pk : t->pk), want))
            continue;
        if (limit > 0 && count == limit) {
            more = true;
            break;
        }
        count++;
        last = item;
        if (!count_only)
            json_object_array_add(items, json_object_get(item));
    }
    json_object *out = json_object_new_object();
    if (count_only)
        json_object_put(items);
    else
        jset(out, "Items", items);
    jset_int(out, "Count", count);
    jset_int(out, "ScannedCount", count);
    if (more && last)
        jset(out, "LastEvaluatedKey", item_key(t, last, gsi));
    if (jget_str(req, "ReturnConsumedCapacity"))
        add_capacity(out, t);
    return answer(resp, 200, out);
}

static int describe(const mem_table *t, buf_t *resp)
{
    buf_t b = BUF_INIT(8192);
    buf_printf(
        &b,
        "{\"Table\":{\"TableName\":\"%s\",\"TableStatus\":\"ACTIVE\",\"ItemCount\":%zu,"
        "\"TableSizeBytes\":%zu,\"BillingModeSummary\":{\"BillingMode\":\"PAY_PER_REQUEST\"},"
        "\"TableArn\":\"arn:aws:dynamodb:us-east-1:000000000000:table/%s\","
        "\"AttributeDefinitions\":[{\"AttributeName\":\"%s\",\"AttributeType\":\"%c\"}",
        t->name, json_object_array_length(t->items), json_object_array_length(t->items) * 100,
        t->name, t->pk, t->pk_type);
    if (t->sk)
        buf_printf(&b, ",{\"AttributeName\":\"%s\",\"AttributeType\":\"%c\"}", t->sk, t->sk_type);
    if (t->gsi)
        buf_printf(&b, ",{\"AttributeName\":\"%s\",\"AttributeType\":\"S\"}", t->gsi_pk);
    buf_printf(&b, "],\"KeySchema\":[{\"AttributeName\":\"%s\",\"KeyType\":\"HASH\"}", t->pk);
    if (t->sk)
        buf_printf(&b, ",{\"AttributeName\":\"%s\",\"KeyType\":\"RANGE\"}", t->sk);
    buf_puts(&b, "]");
    if (t->gsi)
        buf_printf(&b,
                   ",\"GlobalSecondaryIndexes\":[{\"IndexName\":\"%s\",\"KeySchema\":"
                   "[{\"AttributeName\":\"%s\",\"KeyType\":\"HASH\"}],\"Projection\":"
                   "{\"ProjectionType\":\"ALL\"},\"IndexStatus\":\"ACTIVE\",\"ItemCount\":4}]",
                   t->gsi, t->gsi_pk);
    buf_puts(&b, "}}");
    buf_append(resp, b.data, b.len);
    buf_free(&b);
    return 200;
}

static int fake_ddb(void *ctx, ddb_op op, json_object *req, const char *body, buf_t *resp)
{
    (void)ctx;
    (void)body;
    if (op == DDB_LIST_TABLES) {
        json_object *names = json_object_new_array();
        for (size_t i = 0; i < NTABLES; i++)
            json_object_array_add(names, json_object_new_string(TABLES[i].name));
        json_object *out = json_object_new_object();
        jset(out, "TableNames", names);
        return answer(resp, 200, out);
    }
    if (op == DDB_BATCH_GET_ITEM) {
        json_object *responses = json_object_new_object();
        json_object_object_foreach(jget_obj(req, "RequestItems"), tname, spec)
        {
            mem_table *t = find_table(tname);
            if (!t) {
                json_object_put(responses);
                return ddb_fail(resp, "ResourceNotFoundException", "Requested resource not found");
            }
            json_object *found = json_object_new_array();
            json_object *keys = jget_arr(spec, "Keys");
            for (size_t k = 0; keys && k < json_object_array_length(keys); k++)
                for (size_t i = 0; i < json_object_array_length(t->items); i++) {
                    json_object *item = json_object_array_get_idx(t->items, i);
                    if (key_matches(t, item, json_object_array_get_idx(keys, k)))
                        json_object_array_add(found, json_object_get(item));
                }
            jset(responses, tname, found);
        }
        json_object *out = json_object_new_object();
        jset(out, "Responses", responses);
        jset(out, "UnprocessedKeys", json_object_new_object());
        return answer(resp, 200, out);
    }
    mem_table *t = find_table(jget_str(req, "TableName"));
    if (!t)
        return ddb_fail(resp, "ResourceNotFoundException", "Requested resource not found");
    switch (op) {
    case DDB_DESCRIBE_TABLE:
        return describe(t, resp);
    case DDB_SCAN:
        return read_items(t, req, false, resp);
    case DDB_QUERY:
        return read_items(t, req, true, resp);
    case DDB_GET_ITEM: {
        json_object *out = json_object_new_object();
        for (size_t i = 0; i < json_object_array_length(t->items); i++) {
            json_object *item = json_object_array_get_idx(t->items, i);
            if (key_matches(t, item, jget_obj(req, "Key"))) {
                jset(out, "Item", json_object_get(item));
                break;
            }
        }
        if (jget_str(req, "ReturnConsumedCapacity"))
            add_capacity(out, t);
        return answer(resp, 200, out);
    }
    default:
        return ddb_fail(resp, "ValidationException", "not served");
    }
}

/* ---- the servers ---------------------------------------------------------- */

static const char KEY_PEM[] = "-----BEGIN PRIVATE KEY-----\n"
                              "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgjpsQnnGQmL+YBIff\n"
                              "H1136cspYG6+0iY7X1fCE9+E9LKhRANCAAR/zc4ncPbEXUGDy+5v20t7WAczNXvp\n"
                              "7xO6z248e9FURcfxRM0bvZt+hyzf7bnuufSzaV1uqQskrYpGIyiFiOWt\n"
                              "-----END PRIVATE KEY-----\n";

#define SCHEMAS                                                                                    \
    "[sql]\ntime_limit_ms = 2000\nmax_items_read = 2000\nmax_memory_mb = 16\n"                     \
    "cursor_secret = 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"           \
    "[schema demo]\ndefault = true\nregion = us-east-1\nendpoint = http://in-memory.invalid\n"     \
    "credentials = static\naccess_key_id = AKIDFUZZINMEMORY0000\n"                                 \
    "secret_access_key = fuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzz\n"                               \
    "[schema prod]\nregion = us-east-1\nendpoint = http://in-memory.invalid\n"                     \
    "tables = orders\ncredentials = static\naccess_key_id = AKIDFUZZINMEMORY0000\n"                \
    "secret_access_key = fuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzz\n"

static const char CONF_NONE[] = "public_url = http://127.0.0.1:8080\nauth = none\n"
                                "max_body_bytes = 65536\n" SCHEMAS;
static const char CONF_OAUTH[] = "public_url = https://ddbsql.example.com\nauth = oauth\n"
                                 "allowed_origins = https://claude.ai\n"
                                 "max_body_bytes = 65536\n"
                                 "[signing_key k1]\npath = /unused.pem\n" SCHEMAS;

typedef struct server {
    config cfg;
    mcp_app app;
    http_limits limits;
} server;

static server S_NONE, S_OAUTH;

enum { TOK_QUERY, TOK_SCHEMAS, TOK_ALL, TOK_EXPIRED, TOK_AUDIENCE, NTOKENS };
static const char *const TOKEN_KINDS[NTOKENS] = {"query", "schemas", "all", "expired", "audience"};
static char *tokens[NTOKENS];

static void load(server *s, const char *text)
{
    char path[] = "/tmp/ddbsql-fuzz-XXXXXX";
    int fd = mkstemp(path);
    check(fd >= 0, "mkstemp");
    check(write(fd, text, strlen(text)) == (ssize_t)strlen(text), "writing the config");
    close(fd);
    char err[1024];
    bool ok = config_load(path, &s->cfg, err, sizeof err);
    unlink(path);
    if (!ok)
        fprintf(stderr, "config: %s\n", err);
    check(ok, "the fuzz config loads");
    s->app.cfg = &s->cfg;
    s->app.cat = catalog_new(&s->cfg, NULL);
    for (size_t i = 0; i < s->cfg.nschemas; i++) {
        catalog_error cerr;
        const schema_conf *sc = catalog_schema(s->app.cat, s->cfg.schemas[i].name, &cerr);
        check(sc != NULL, "a schema of the fuzz config");
        ddb_client_set_transport(catalog_client(s->app.cat, sc), fake_ddb, NULL);
    }
    http_limits_default(&s->limits);
    s->limits.max_body_bytes = s->cfg.max_body_bytes;
    s->limits.max_params = s->cfg.max_params;
    s->limits.max_param_bytes = s->cfg.max_param_bytes;
}

static char *mint(const char *scope, const char *audience, int64_t now, int ttl)
{
    char err[256];
    jwt_issue_params p = {
        S_OAUTH.cfg.oauth.issuer, "alice", audience, "fuzz-client", scope, now, ttl, NULL};
    char *t = jwt_issue(S_OAUTH.app.keys, &p, NULL, err, sizeof err);
    check(t != NULL, err);
    return t;
}

static void init(void)
{
    log_init("fuzz");
    log_set_level(LOG_INFO);
    for (size_t i = 0; i < NTABLES; i++)
        TABLES[i].items = json_object_new_array();
    TABLES[0].items = (json_object_put(TABLES[0].items), parse_or_die(ORDERS));
    TABLES[1].items = (json_object_put(TABLES[1].items), parse_or_die(CUSTOMERS));
    load(&S_NONE, CONF_NONE);
    load(&S_OAUTH, CONF_OAUTH);
    char err[256];
    signing_keys *ks = signing_keys_new();
    check(signing_keys_add_pem(ks, "k1", KEY_PEM, sizeof KEY_PEM - 1, true, err, sizeof err), err);
    S_OAUTH.app.resource_metadata_url = discovery_resource_metadata_url(&S_OAUTH.cfg);
    mcp_app_set_keys(&S_OAUTH.app, ks);
    int64_t now = wall_ms() / 1000;
    /* Valid for a day: a long fuzzing session must not see them expire. */
    tokens[TOK_QUERY] = mint("query", S_OAUTH.cfg.mcp_url, now, 86400);
    tokens[TOK_SCHEMAS] = mint("schemas:read", S_OAUTH.cfg.mcp_url, now, 86400);
    tokens[TOK_ALL] = mint("query schemas:read", S_OAUTH.cfg.mcp_url, now, 86400);
    tokens[TOK_EXPIRED] = mint("query schemas:read", S_OAUTH.cfg.mcp_url, now - 7200, 600);
    tokens[TOK_AUDIENCE] = mint("query", "https://other.example.com/mcp", now, 86400);
    check(run_sql_init(&S_NONE.cfg), "run_sql_init");
    tools_register_metadata();
    run_sql_register();
    http_set_refusal_formatter(mcp_http_refusal);
}

/* ---- one request ------------------------------------------------------------ */

typedef struct body_src {
    const char *p;
    size_t len, off;
} body_src;

static ssize_t body_read(void *ctx, char *dst, size_t n)
{
    body_src *b = ctx;
    size_t k = n < b->len - b->off ? n : b->len - b->off;
    memcpy(dst, b->p + b->off, k);
    b->off += k;
    return (ssize_t)k;
}

#define MAX_ENV 64

typedef struct env_list {
    char *items[MAX_ENV + 1];
    size_t n;
} env_list;

static void env_set(env_list *e, const char *line, size_t len)
{
    len = strnlen(line, len); /* a NUL ends it, as in a real envp */
    size_t nl = 0;
    while (nl < len && line[nl] != '=')
        nl++;
    for (size_t i = 0; i < e->n; i++) {
        if (strncmp(e->items[i], line, nl) == 0 && e->items[i][nl] == '=') {
            free(e->items[i]);
            e->items[i] = xstrndup(line, len);
            return;
        }
    }
    if (e->n < MAX_ENV)
        e->items[e->n++] = xstrndup(line, len);
}

static void env_drop(env_list *e, const char *name, size_t len)
{
    len = strnlen(name, len);
    for (size_t i = 0; i < e->n; i++) {
        if (strncmp(e->items[i], name, len) == 0 && e->items[i][len] == '=') {
            free(e->items[i]);
            e->items[i] = e->items[--e->n];
            return;
        }
    }
}

static bool has_param(const env_list *e, const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < e->n; i++)
        if (strncmp(e->items[i], name, len) == 0 && e->items[i][len] == '=')
            return true;
    return false;
}

static void check_rpc_parse(const char *body, size_t len, json_object **req_id, bool *is_request)
{
    rpc_message msg;
    rpc_error err;
    json_object *bad_id;
    *req_id = NULL;
    *is_request = false;
    if (!rpc_parse(body, len, &msg, &err, &bad_id)) {
        check(err.code == RPC_PARSE_ERROR || err.code == RPC_INVALID_REQUEST,
              "a refused message with another code than -32700 or -32600");
        check(err.message[0] != '\0', "a refused message without a message");
        check(!bad_id || json_object_is_type(bad_id, json_type_string) ||
                  json_object_is_type(bad_id, json_type_int),
              "a recovered id that is neither string nor integer");
        json_object_put(bad_id);
        json_object_put(err.data);
        return;
    }
    check(msg.root && json_object_is_type(msg.root, json_type_object), "a message not an object");
    check(!msg.params || json_object_is_type(msg.params, json_type_object), "params not an object");
    switch (msg.kind) {
    case RPC_REQUEST:
        check(msg.id && msg.method, "a request without id or method");
        *req_id = json_object_get(msg.id);
        *is_request = true;
        break;
    case RPC_NOTIFICATION:
        check(!msg.id && msg.method, "a notification with an id or without a method");
        break;
    case RPC_RESPONSE:
        check(msg.method == NULL, "a response with a method");
        break;
    }
    rpc_message_free(&msg);
}

/* What the handler saw: the path and method, "" when the request was
 * refused while being read. */
static char seen_path[512], seen_method[32];

static void handler(void *app, http_request *req, http_response *resp)
{
    snprintf(seen_path, sizeof seen_path, "%s", req->path);
    snprintf(seen_method, sizeof seen_method, "%s", req->method);
    mcp_http_handle(app, req, resp);
}

static void check_answer(const http_response *resp, json_object *req_id, bool is_request,
                         const char *token)
{
    check(resp->status != 500, "a 500 answer");
    if (resp->status == 202 || resp->status == 204) {
        check(resp->body.len == 0, "a 202 or 204 with a body");
        return;
    }
    if (token)
        check(!find_bytes(buf_cstr(&resp->body), resp->body.len, token, strlen(token)),
              "the token echoed in the answer");
    bool discovery = strncmp(seen_path, "/.well-known/", 13) == 0;
    if (discovery && resp->body.len == 0 && !strcmp(seen_method, "HEAD"))
        return;
    char err[160];
    json_object *doc =
        json_parse_strict(buf_cstr(&resp->body), resp->body.len, 64, err, sizeof err);
    check(doc != NULL && json_object_is_type(doc, json_type_object), "an answer that is not JSON");
    if (!discovery) {
        json_object *jr = jget(doc, "jsonrpc");
        check(jr && !strcmp(json_object_get_string(jr), "2.0"), "no jsonrpc 2.0");
        check(json_object_object_get_ex(doc, "id", NULL), "no id member");
        bool has_result = jget(doc, "result") != NULL;
        json_object *e = jget_obj(doc, "error");
        check(has_result != (e != NULL), "not exactly one of result and error");
        if (e) {
            check(json_object_is_type(jget(e, "code"), json_type_int), "an error without code");
            const char *m = jget_str(e, "message");
            check(m && *m, "an error without message");
        }
        if (resp->status == 200 && is_request)
            check(json_object_equal(jget(doc, "id"), req_id), "an answer to another id");
    }
    json_object_put(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    if (!ready) {
        init();
        ready = true;
    }
    const char *in = (const char *)data, *end = in + size;
    const char *sep = find_bytes(in, size, "\n\n", 2);
    env_list env = {.n = 0};
    static const char *const defaults[] = {
        "REQUEST_METHOD=POST",           "SCRIPT_NAME=/mcp",
        "CONTENT_TYPE=application/json", "HTTP_ACCEPT=application/json, text/event-stream",
        "HTTP_HOST=127.0.0.1:8080",      "SERVER_PROTOCOL=HTTP/1.1",
    };
    for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
        env.items[env.n++] = xstrdup(defaults[i]);
    server *srv = &S_NONE;
    const char *token = NULL;
    const char *body = in;
    if (sep) {
        for (const char *p = in; p < sep;) {
            const char *nl = memchr(p, '\n', (size_t)(sep - p));
            size_t len = nl ? (size_t)(nl - p) : (size_t)(sep - p);
            if (len == 6 && !memcmp(p, "@oauth", 6)) {
                srv = &S_OAUTH;
            } else if (len > 7 && !memcmp(p, "@token=", 7)) {
                for (int k = 0; k < NTOKENS; k++)
                    if (len - 7 == strlen(TOKEN_KINDS[k]) &&
                        !memcmp(p + 7, TOKEN_KINDS[k], len - 7))
                        token = tokens[k];
            } else if (len > 1 && p[0] == '-') {
                env_drop(&env, p + 1, len - 1);
            } else if (len) {
                env_set(&env, p, len);
            }
            p += len + 1;
        }
        body = sep + 2;
    }
    size_t body_len = (size_t)(end - body);
    if (token) {
        buf_t h = BUF_INIT(4096);
        buf_printf(&h, "HTTP_AUTHORIZATION=Bearer %s", token);
        env_set(&env, h.data, h.len);
        buf_free(&h);
    }
    if (!has_param(&env, "CONTENT_LENGTH")) {
        char cl[48];
        snprintf(cl, sizeof cl, "CONTENT_LENGTH=%zu", body_len);
        env_set(&env, cl, strlen(cl));
    }
    env.items[env.n] = NULL;

    json_object *req_id;
    bool is_request;
    check_rpc_parse(body, body_len, &req_id, &is_request);

    char *logtext = NULL;
    size_t loglen = 0;
    FILE *mem = open_memstream(&logtext, &loglen);
    check(mem != NULL, "open_memstream");
    FILE *saved = stderr;
    stderr = mem;
    body_src src = {body, body_len, 0};
    http_response resp;
    char rid[33];
    seen_path[0] = seen_method[0] = '\0';
    http_handle_one(env.items, body_read, &src, &srv->limits, handler, &srv->app, &resp, rid);
    stderr = saved;
    fclose(mem);

    /* FUZZ_MCP_SHOW=1 prints each answer (to check what the seeds reach). */
    static int show = -1;
    if (show < 0)
        show = getenv("FUZZ_MCP_SHOW") != NULL;
    if (show)
        fprintf(stderr, "HTTP %d %.600s\n", resp.status, buf_cstr(&resp.body));
    check_answer(&resp, req_id, is_request, token);
    if (token)
        check(!strstr(logtext, token), "the token in the log");
    free(logtext);
    json_object_put(req_id);
    http_response_free(&resp);
    for (size_t i = 0; i < env.n; i++)
        free(env.items[i]);
    return 0;
}
