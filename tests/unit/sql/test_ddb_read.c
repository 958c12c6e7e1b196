/* The DynamoDB read operators against a real dynalite: the exact requests
 * sent (the contract of the planner golden tests), the number of calls and
 * items read, paging, parallel Scan, fetch_by_key, cursors, the lookup
 * join, and the pushed filters' semantics. Throttling and 5xx paths run
 * against the scripted fake server. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/json_util.h"
#include "core/base/timeutil.h"
#include "sql/ddb_read.h"
#include "sql/eval.h"
#include "sql/functions.h"
#include "tests/unit/support/aws_test_env.h"
#include "tests/unit/support/ddb_capture.h"
#include "tests/unit/support/dynalite.h"
#include "tests/unit/support/fake_http.h"
#include "tests/unit/support/test_rows_op.h"

static const sql_pos P0 = {1, 1, 0};

/* ---- the data ---------------------------------------------------------------- */

static dynalite *dyn;

/* orders: customer_id (S) + order_id (S); GSI by_status (status S, total N,
 * ALL); GSI by_date (order_date S, KEYS_ONLY). Attributes vary on purpose:
 * notes missing / NULL-typed / a string, qty a number or a string. */
static const char ORDERS_TABLE[] =
    "{\"TableName\":\"orders\",\"AttributeDefinitions\":["
    "{\"AttributeName\":\"customer_id\",\"AttributeType\":\"S\"},"
    "{\"AttributeName\":\"order_id\",\"AttributeType\":\"S\"},"
    "{\"AttributeName\":\"status\",\"AttributeType\":\"S\"},"
    "{\"AttributeName\":\"total\",\"AttributeType\":\"N\"},"
    "{\"AttributeName\":\"order_date\",\"AttributeType\":\"S\"}],"
    "\"KeySchema\":[{\"AttributeName\":\"customer_id\",\"KeyType\":\"HASH\"},"
    "{\"AttributeName\":\"order_id\",\"KeyType\":\"RANGE\"}],"
    "\"GlobalSecondaryIndexes\":["
    "{\"IndexName\":\"by_status\",\"KeySchema\":[{\"AttributeName\":\"status\",\"KeyType\":"
    "\"HASH\"},{\"AttributeName\":\"total\",\"KeyType\":\"RANGE\"}],\"Projection\":{"
    "\"ProjectionType\":\"ALL\"},\"ProvisionedThroughput\":{\"ReadCapacityUnits\":5,"
    "\"WriteCapacityUnits\":5}},"
    "{\"IndexName\":\"by_date\",\"KeySchema\":[{\"AttributeName\":\"order_date\",\"KeyType\":"
    "\"HASH\"}],\"Projection\":{\"ProjectionType\":\"KEYS_ONLY\"},\"ProvisionedThroughput\":{"
    "\"ReadCapacityUnits\":5,\"WriteCapacityUnits\":5}}],"
    "\"ProvisionedThroughput\":{\"ReadCapacityUnits\":5,\"WriteCapacityUnits\":5}}";

#define ORD(c, o, st, tot, date, extra)                                                            \
    "{\"customer_id\":{\"S\":\"" c "\"},\"order_id\":{\"S\":\"" o "\"},\"status\":{\"S\":\"" st    \
    "\"},\"total\":{\"N\":\"" tot "\"},\"order_date\":{\"S\":\"" date "\"}" extra "}"

static const char ORDERS_ITEMS[] = "[" ORD(
    "C1", "O1", "shipped", "10", "2025-01-01",
    ",\"notes\":{\"S\":\"fragile\"},\"tags\":{\"SS\":[\"red\",\"blue\"]},"
    "\"qty\":{\"N\":\"3\"}") "," ORD("C1", "O2", "delivered", "25.5", "2025-01-02",
                                     ",\"notes\":{\"NULL\":true},\"tags\":{\"L\":[{\"S\":"
                                     "\"red\"},{\"N\":\"5\"}]},\"qty\":{\"S\":\"three\"}"
                                     ",\"currency\":{\"S\":\"GBP\"}") "," ORD("C1", "O3", "shipped",
                                                                              "7",
                                                                              "2025-01-02", ",\"tags\":{\"S\":\"redish\"},\"qty\":{\"N\":\"1\"},\"currency\":{\"S\":\"EUR\"}") "," ORD("C1",
                                                                                                                                                                                       "O4",
                                                                                                                                                                                       "cancelled",
                                                                                                                                                                                       "100", "2025-01-03", ",\"currency\":{\"S\":\"GBX\"},\"qty\":{\"NULL\":true}") "," ORD("C1", "O5", "shipped", "42", "2025-01-04", ",\"address\":{\"M\":{\"city\":{\"S\":\"Oslo\"}}},\"qty\":{\"N\":\"2.0\"}") "," ORD("C2",
                                                                                                                                                                                                                                                                                                                                                                                                            "O1", "delivered", "5", "2025-01-01", ",\"notes\":{\"S\":\"it's \\\"fine\\\"\"}") "," ORD("C2",
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                      "O2", "shipped",
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                      "15",
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                      "2025-01-05",
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                      "") "]";

/* customers: customer_id (S). */
static const char CUSTOMERS_TABLE[] =
    "{\"TableName\":\"customers\",\"AttributeDefinitions\":[{\"AttributeName\":\"customer_id\","
    "\"AttributeType\":\"S\"}],\"KeySchema\":[{\"AttributeName\":\"customer_id\",\"KeyType\":"
    "\"HASH\"}],\"ProvisionedThroughput\":{\"ReadCapacityUnits\":5,\"WriteCapacityUnits\":5}}";
static const char CUSTOMERS_ITEMS[] =
    "[{\"customer_id\":{\"S\":\"C1\"},\"name\":{\"S\":\"Ada\"},\"tier\":{\"S\":\"gold\"}},"
    "{\"customer_id\":{\"S\":\"C2\"},\"name\":{\"S\":\"Bo\"},\"tier\":{\"S\":\"silver\"}},"
    "{\"customer_id\":{\"S\":\"C3\"},\"name\":{\"S\":\"Cy\"}}]";

/* nums: id (N). */
static const char NUMS_TABLE[] =
    "{\"TableName\":\"nums\",\"AttributeDefinitions\":[{\"AttributeName\":\"id\","
    "\"AttributeType\":\"N\"}],\"KeySchema\":[{\"AttributeName\":\"id\",\"KeyType\":\"HASH\"}],"
    "\"ProvisionedThroughput\":{\"ReadCapacityUnits\":5,\"WriteCapacityUnits\":5}}";
static const char NUMS_ITEMS[] = "[{\"id\":{\"N\":\"1\"},\"v\":{\"S\":\"one\"}},"
                                 "{\"id\":{\"N\":\"2\"},\"v\":{\"S\":\"two\"}},"
                                 "{\"id\":{\"N\":\"3.5\"},\"v\":{\"S\":\"three and a half\"}}]";

/* big: id (S) "k000".."k249", n (N) = i, grp (S) "g" + i % 5. */
#define BIG_N 250

static int group_setup(void **state)
{
    (void)state;
    aws_test_env_isolate();
    dyn = dynalite_start();
    if (!dyn)
        return 0; /* every dynalite test skips */
    dynalite_create_table(dyn, ORDERS_TABLE);
    dynalite_put_items(dyn, "orders", ORDERS_ITEMS);
    dynalite_create_table(dyn, CUSTOMERS_TABLE);
    dynalite_put_items(dyn, "customers", CUSTOMERS_ITEMS);
    dynalite_create_table(dyn, NUMS_TABLE);
    dynalite_put_items(dyn, "nums", NUMS_ITEMS);
    dynalite_create_table(
        dyn, "{\"TableName\":\"big\",\"AttributeDefinitions\":[{\"AttributeName\":\"id\","
             "\"AttributeType\":\"S\"}],\"KeySchema\":[{\"AttributeName\":\"id\",\"KeyType\":"
             "\"HASH\"}],\"ProvisionedThroughput\":{\"ReadCapacityUnits\":5,"
             "\"WriteCapacityUnits\":5}}");
    buf_t items = BUF_INIT(1 << 20);
    buf_putc(&items, '[');
    for (int i = 0; i < BIG_N; i++)
        buf_printf(&items,
                   "%s{\"id\":{\"S\":\"k%03d\"},\"n\":{\"N\":\"%d\"},\"grp\":{\"S\":\"g%d\"}}",
                   i ? "," : "", i, i, i % 5);
    buf_putc(&items, ']');
    dynalite_put_items(dyn, "big", buf_cstr(&items));
    buf_free(&items);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    dynalite_stop(dyn);
    return 0;
}

/* ---- a client whose calls are captured ------------------------------------------- */

typedef struct world {
    ddb_client *client;
    exec_ctx ctx;
    ddb_capture cap; /* every call, summed into ctx */
    fake_http *fake;
} world;

static world *world_new(const char *endpoint)
{
    world *w = calloc(1, sizeof *w);
    exec_ctx_init(&w->ctx, NULL, 0);
    w->cap.ctx = &w->ctx;
    w->client = ddb_capture_client(endpoint, 3, &w->cap);
    return w;
}

static int setup_dyn(void **state)
{
    if (!dyn) {
        print_message("SKIP: node is not installed, so dynalite cannot run\n");
        skip();
    }
    *state = world_new(dynalite_url(dyn));
    return 0;
}

static int setup_fake(void **state)
{
    fake_http *f = fake_http_start();
    world *w = world_new(fake_http_url(f));
    w->fake = f;
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    world *w = *state;
    if (!w)
        return 0;
    ddb_capture_reset(&w->cap);
    ddb_client_free(w->client);
    if (w->fake)
        fake_http_stop(w->fake);
    free(w);
    return 0;
}

#define assert_call(w, i, op, json)                                                                \
    do {                                                                                           \
        assert_true((i) < (w)->cap.n);                                                             \
        assert_int_equal((w)->cap.ops[i], (op));                                                   \
        if (strcmp((w)->cap.reqs[i], (json)) != 0)                                                 \
            fail_msg("request %d\n  got  %s\n  want %s", (int)(i), (w)->cap.reqs[i], (json));      \
    } while (0)

/* ---- specs ---------------------------------------------------------------------------- */

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* A spec on one of the tables; paths is a '|'-separated list of slot paths
 * ("*" for the whole item). */
static ddb_read_spec spec(world *w, acc_kind kind, const char *table, const char *paths)
{
    ddb_read_spec s = {0};
    s.kind = kind;
    s.client = w->client;
    s.table = strdup(table);
    char label[64];
    snprintf(label, sizeof label, "demo.%s", table);
    s.label = strdup(label);
    if (!strcmp(table, "orders")) {
        s.table_pk = strdup("customer_id");
        s.table_sk = strdup("order_id");
        s.table_pk_type = 'S';
        s.table_sk_type = 'S';
    } else {
        s.table_pk = strdup("id");
        s.table_pk_type = !strcmp(table, "nums") ? 'N' : 'S';
        if (!strcmp(table, "customers")) {
            free(s.table_pk);
            s.table_pk = strdup("customer_id");
        }
    }
    s.key_pk = strdup(s.table_pk);
    s.key_sk = dup_or_null(s.table_sk);
    s.key_pk_type = s.table_pk_type;
    s.key_sk_type = s.table_sk_type;
    s.forward = true;
    s.limit_hint = -1;
    s.segments = 1;
    s.slot_paths = calloc(16, sizeof *s.slot_paths);
    char buf[256];
    snprintf(buf, sizeof buf, "%s", paths);
    for (char *save = NULL, *p = strtok_r(buf, "|", &save); p; p = strtok_r(NULL, "|", &save)) {
        char err[128];
        if (strcmp(p, "*") != 0)
            assert_true(ddb_path_parse(p, strlen(p), &s.slot_paths[s.nslots], err, sizeof err));
        s.nslots++;
    }
    return s;
}

static void use_index(ddb_read_spec *s, const char *index, const char *pk, char pkt, const char *sk,
                      char skt)
{
    s->index = strdup(index);
    free(s->key_pk);
    free(s->key_sk);
    s->key_pk = strdup(pk);
    s->key_sk = dup_or_null(sk);
    s->key_pk_type = pkt;
    s->key_sk_type = sk ? skt : 0;
}

static void add_filter(ddb_read_spec *s, bexpr *e)
{
    assert_true(ddb_filter_pushable(e, s->slot_paths, s->nslots));
    s->filters = realloc(s->filters, (size_t)(s->nfilters + 1) * sizeof *s->filters);
    s->filters[s->nfilters++] = e;
}

static bexpr *str(const char *v)
{
    return bexpr_const(value_cstring(v), P0);
}

static bexpr *num(const char *text)
{
    value_t v;
    assert_int_equal(value_number_parse(text, strlen(text), &v), DEC_OK);
    return bexpr_const(v, P0);
}

static bexpr *outer(int slot)
{
    bexpr *e = bexpr_new(BX_OUTER, P0);
    e->depth = 1;
    e->slot = slot;
    return e;
}

/* ---- running ----------------------------------------------------------------------- */

static void put_value(buf_t *b, const value_t *v)
{
    if (v->type >= VAL_LIST) {
        json_object *j = value_to_json(v);
        buf_puts(b, json_compact(j));
        json_object_put(j);
        return;
    }
    char *t = test_value_text(v);
    buf_puts(b, t);
    free(t);
}

/* Opens op (unless it is open), pulls at most max rows (-1: all), renders
 * them as "a,b;c,d" or "ERR: message"; leaves op open. */
static char *pull(op_t *op, exec_ctx *ctx, int max, bool open)
{
    buf_t b = BUF_INIT(1 << 20);
    value_t row[32];
    bool ok = !open || op_open(op, ctx);
    for (int n = 0; ok && (max < 0 || n < max); n++) {
        int r = op_next(op, ctx, row);
        if (r != 1) {
            ok = r == 0;
            break;
        }
        if (n)
            buf_putc(&b, ';');
        for (int i = 0; i < op->width; i++) {
            if (i)
                buf_putc(&b, ',');
            put_value(&b, &row[i]);
        }
        row_free(row, op->width);
    }
    if (!ok) {
        buf_reset(&b);
        buf_printf(&b, "ERR: %s", ctx->err.message);
    }
    return buf_steal(&b);
}

/* Runs op to the end and frees it. */
static char *run(op_t *op, exec_ctx *ctx)
{
    char *r = pull(op, ctx, -1, true);
    op_free(op);
    return r;
}

#define assert_rows(got, want)                                                                     \
    do {                                                                                           \
        char *g_ = (got);                                                                          \
        if (strcmp(g_, (want)) != 0)                                                               \
            fail_msg("rows\n  got  %s\n  want %s", g_, (want));                                    \
        free(g_);                                                                                  \
    } while (0)

/* ---- GetItem ------------------------------------------------------------------------- */

static void test_get_item(void **state)
{
    world *w = *state;
    ddb_read_spec s = spec(w, ACC_GET, "orders", "order_id|status|address.city|total");
    s.pk_value = str("C1");
    s.sk_value = str("O5");
    assert_rows(run(op_ddb_read(&s), &w->ctx), "'O5','shipped','Oslo',42");
    assert_int_equal(w->cap.n, 1);
    assert_call(w, 0, DDB_GET_ITEM,
                "{\"TableName\":\"orders\",\"Key\":{\"customer_id\":{\"S\":\"C1\"},\"order_id\":{"
                "\"S\":\"O5\"}},\"ProjectionExpression\":\"#n0, #n1, #n2, #n3, #n4\","
                "\"ExpressionAttributeNames\":{\"#n0\":\"order_id\",\"#n1\":\"status\",\"#n2\":"
                "\"address\",\"#n3\":\"total\",\"#n4\":\"customer_id\"},\"ConsistentRead\":false,"
                "\"ReturnConsumedCapacity\":\"TOTAL\"}");
    assert_int_equal(w->ctx.stats.calls[DDB_GET_ITEM], 1);
    assert_int_equal(w->ctx.stats.items_read, 1);

    /* Missing: no row, one call. */
    s = spec(w, ACC_GET, "orders", "status");
    s.pk_value = str("C1");
    s.sk_value = str("O9");
    assert_rows(run(op_ddb_read(&s), &w->ctx), "");
    assert_int_equal(w->cap.n, 2);
    assert_int_equal(w->cap.items[1], 0);
}

/* The whole item (SELECT *): no projection, one MAP value. */
static void test_get_whole_item(void **state)
{
    world *w = *state;
    ddb_read_spec s = spec(w, ACC_GET, "customers", "*|name");
    s.pk_value = str("C2");
    assert_rows(run(op_ddb_read(&s), &w->ctx),
                "{\"customer_id\":\"C2\",\"name\":\"Bo\",\"tier\":\"silver\"},'Bo'");
    assert_call(w, 0, DDB_GET_ITEM,
                "{\"TableName\":\"customers\",\"Key\":{\"customer_id\":{\"S\":\"C2\"}},"
                "\"ConsistentRead\":false,\"ReturnConsumedCapacity\":\"TOTAL\"}");
}

/* A key value that cannot be a key of that type: no rows, no call. */
static void test_unfit_keys_read_nothing(void **state)
{
    world *w = *state;
    bexpr *keys[] = {bexpr_const(value_null(), P0), num("1"), str(""),
                     bexpr_const(value_bool(true), P0)};
    for (int i = 0; i < 4; i++) {
        ddb_read_spec s = spec(w, ACC_GET, "customers", "name");
        s.pk_value = keys[i];
        assert_rows(run(op_ddb_read(&s), &w->ctx), "");
    }
    /* A string for an N key, NULL for a sort key, a key past 2048 bytes. */
    ddb_read_spec s = spec(w, ACC_GET, "nums", "v");
    s.pk_value = str("1");
    assert_rows(run(op_ddb_read(&s), &w->ctx), "");
    s = spec(w, ACC_GET, "orders", "status");
    s.pk_value = str("C1");
    s.sk_value = bexpr_const(value_null(), P0);
    assert_rows(run(op_ddb_read(&s), &w->ctx), "");
    char longkey[2100];
    memset(longkey, 'k', sizeof longkey - 1);
    longkey[sizeof longkey - 1] = '\0';
    s = spec(w, ACC_QUERY, "orders", "status");
    s.pk_value = str(longkey);
    assert_rows(run(op_ddb_read(&s), &w->ctx), "");
    /* A DOUBLE fits an N key as the shortest decimal. */
    s = spec(w, ACC_GET, "nums", "v");
    s.pk_value = bexpr_const(value_double(3.5), P0);
    assert_rows(run(op_ddb_read(&s), &w->ctx), "'three and a half'");
    assert_int_equal(w->cap.n, 1);
    assert_non_null(strstr(w->cap.reqs[0], "\"Key\":{\"id\":{\"N\":\"3.5\"}}"));
}

/* ---- BatchGetItem --------------------------------------------------------------------- */

/* Rows come in the order of the keys given, each key once; missing keys
 * give nothing; one call for up to 100 keys. */
static void test_batch_get_order(void **state)
{
    world *w = *state;
    ddb_read_spec s = spec(w, ACC_BATCH_GET, "customers", "customer_id|name");
    const char *ids[] = {"C3", "C1", "C9", "C3", "C2"};
    s.nkeys = 6;
    s.batch_pk = calloc(6, sizeof *s.batch_pk);
    for (int i = 0; i < 5; i++)
        s.batch_pk[i] = str(ids[i]);
    s.batch_pk[5] = bexpr_const(value_null(), P0); /* matches nothing */
    assert_rows(run(op_ddb_read(&s), &w->ctx), "'C3','Cy';'C1','Ada';'C2','Bo'");
    assert_int_equal(w->cap.n, 1);
    assert_call(w, 0, DDB_BATCH_GET_ITEM,
                "{\"RequestItems\":{\"customers\":{\"Keys\":[{\"customer_id\":{\"S\":\"C3\"}},{"
                "\"customer_id\":{\"S\":\"C1\"}},{\"customer_id\":{\"S\":\"C9\"}},{"
                "\"customer_id\":{\"S\":\"C2\"}}],\"ProjectionExpression\":\"#n0, #n1\","
                "\"ExpressionAttributeNames\":{\"#n0\":\"customer_id\",\"#n1\":\"name\"},"
                "\"ConsistentRead\":false}},\"ReturnConsumedCapacity\":\"TOTAL\"}");
    assert_int_equal(w->ctx.stats.items_returned, 3);
}

/* 1 and 1.0 are one N key (BatchGetItem rejects duplicates). */
static void test_batch_get_numeric_keys(void **state)
{
    world *w = *state;
    ddb_read_spec s = spec(w, ACC_BATCH_GET, "nums", "id|v");
    const char *ids[] = {"2", "1", "1.0", "3.50", "7"};
    s.nkeys = 5;
    s.batch_pk = calloc(5, sizeof *s.batch_pk);
    for (int i = 0; i < 5; i++)
        s.batch_pk[i] = num(ids[i]);
    assert_rows(run(op_ddb_read(&s), &w->ctx), "2,'two';1,'one';3.5,'three and a half'");
    assert_int_equal(w->cap.n, 1);
    assert_non_null(strstr(w->cap.reqs[0],
                           "\"Keys\":[{\"id\":{\"N\":\"2\"}},{\"id\":{\"N\":\"1\"}},"
                           "{\"id\":{\"N\":\"3.50\"}},{\"id\":{\"N\":\"7\"}}]"));
}

/* More than 100 keys: batches of 100, read as the rows are pulled. */
static void test_batch_get_150_keys(void **state)
{
    world *w = *state;
    ddb_read_spec s = spec(w, ACC_BATCH_GET, "big", "n");
    s.nkeys = 150;
    s.batch_pk = calloc(150, sizeof *s.batch_pk);
    buf_t want = BUF_INIT(1 << 16);
    for (int i = 0; i < 150; i++) {
        char id[8];
        int k = (i * 7) % BIG_N; /* not in table order */
        snprintf(id, sizeof id, "k%03d", k);
        s.batch_pk[i] = str(id);
        buf_printf(&want, "%s%d", i ? ";" : "", k);
    }
    op_t *op = op_ddb_read(&s);
    char *first = pull(op, &w->ctx, 100, true);
    assert_int_equal(w->cap.n, 1); /* the second batch is not read yet */
    char *rest = pull(op, &w->ctx, -1, false);
    op_free(op);
    assert_int_equal(w->cap.n, 2);
    buf_t got = BUF_INIT(1 << 16);
    buf_printf(&got, "%s;%s", first, rest);
    assert_string_equal(buf_cstr(&got), buf_cstr(&want));
    free(first);
    free(rest);
    buf_free(&got);
    for (int c = 0; c < 2; c++) {
        int keys = 0;
        for (const char *p = w->cap.reqs[c]; (p = strstr(p, "{\"id\":")); p++)
            keys++;
        assert_int_equal(keys, c == 0 ? 100 : 50);
    }
    buf_free(&want);
}

/* ---- Query ---------------------------------------------------------------------------- */

static void test_query_partition(void **state)
{
    world *w = *state;
    ddb_read_spec s = spec(w, ACC_QUERY, "orders", "order_id|total");
    s.pk_value = str("C1");
    assert_rows(run(op_ddb_read(&s), &w->ctx), "'O1',10;'O2',25.5;'O3',7;'O4',100;'O5',42");
    assert_int_equal(w->cap.n, 1);
    assert_call(w, 0, DDB_QUERY,
                "{\"TableName\":\"orders\",\"KeyConditionExpression\":\"#n0 = :v0\","
                "\"ProjectionExpression\":\"#n1, #n2, #n0\",\"ExpressionAttributeNames\":{\"#n0\":"
                "\"customer_id\",\"#n1\":\"order_id\",\"#n2\":\"total\"},"
                "\"ExpressionAttributeValues\":{\":v0\":{\"S\":\"C1\"}},\"ScanIndexForward\":true,"
                "\"ConsistentRead\":false,\"ReturnConsumedCapacity\":\"TOTAL\"}");
}

/* Every sort-key condition, backward order. */
static void test_query_sort_key_conditions(void **state)
{
    world *w = *state;
    static const struct {
        skc_kind skc;
        const char *lo, *hi;
        const char *cond;
        const char *rows;
    } cases[] = {
        {SKC_EQ, "O2", NULL, "#n0 = :v0 AND #n1 = :v1", "'O2'"},
        {SKC_LT, "O3", NULL, "#n0 = :v0 AND #n1 < :v1", "'O2';'O1'"},
        {SKC_LE, "O3", NULL, "#n0 = :v0 AND #n1 <= :v1", "'O3';'O2';'O1'"},
        {SKC_GT, "O3", NULL, "#n0 = :v0 AND #n1 > :v1", "'O5';'O4'"},
        {SKC_GE, "O3", NULL, "#n0 = :v0 AND #n1 >= :v1", "'O5';'O4';'O3'"},
        {SKC_BETWEEN, "O2", "O4", "#n0 = :v0 AND #n1 BETWEEN :v1 AND :v2", "'O4';'O3';'O2'"},
        {SKC_BEGINS_WITH, "O", NULL, "#n0 = :v0 AND begins_with(#n1, :v1)",
         "'O5';'O4';'O3';'O2';'O1'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ddb_capture_reset(&w->cap);
        ddb_read_spec s = spec(w, ACC_QUERY, "orders", "order_id");
        s.pk_value = str("C1");
        s.skc = cases[i].skc;
        s.sk_lo = str(cases[i].lo);
        s.sk_hi = cases[i].hi ? str(cases[i].hi) : NULL;
        s.forward = false;
        assert_rows(run(op_ddb_read(&s), &w->ctx), cases[i].rows);
        assert_int_equal(w->cap.n, 1);
        char want[128];
        snprintf(want, sizeof want, "\"KeyConditionExpression\":\"%s\"", cases[i].cond);
        assert_non_null(strstr(w->cap.reqs[0], want));
        assert_non_null(strstr(w->cap.reqs[0], "\"ScanIndexForward\":false"));
    }
}

/* Sort-key conditions that match nothing read nothing; an empty lower
 * bound excludes nothing; a DOUBLE out of range is an error. */
static void test_query_sort_key_edges(void **state)
{
    world *w = *state;
    ddb_read_spec s = spec(w, ACC_QUERY, "orders", "order_id");
    s.pk_value = str("C1");
    s.skc = SKC_BETWEEN;
    s.sk_lo = str("O4");
    s.sk_hi = str("O2"); /* lo > hi: DynamoDB would reject it */
    assert_rows(run(op_ddb_read(&s), &w->ctx), "");
    s = spec(w, ACC_QUERY, "orders", "order_id");
    s.pk_value = str("C1");
    s.skc = SKC_GT;
    s.sk_lo = num("3"); /* a number against an S sort key */
    assert_rows(run(op_ddb_read(&s), &w->ctx), "");
    assert_int_equal(w->cap.n, 0);

    s = spec(w, ACC_QUERY, "orders", "order_id");
    s.pk_value = str("C2");
    s.skc = SKC_GE;
    s.sk_lo = str("");
    assert_rows(run(op_ddb_read(&s), &w->ctx), "'O1';'O2'");
    assert_int_equal(w->cap.n, 1);
    assert_non_null(strstr(w->cap.reqs[0], "\"KeyConditionExpression\":\"#n0 = :v0\""));

    s = spec(w, ACC_QUERY, "orders", "order_id");
    use_index(&s, "by_status", "status", 'S', "total", 'N');
    s.pk_value = str("shipped");
    s.skc = SKC_LT;
    s.sk_lo = bexpr_const(value_double(INFINITY), P0);
    op_t *op = op_ddb_read(&s);
    char *got = pull(op, &w->ctx, -1, true);
    assert_non_null(strstr(got, "ERR: the DOUBLE inf is outside DynamoDB's number range"));
    free(got);
    op_free(op);
}

/* An index Query: its keys are projected (a cursor needs them), the
 * resume key names table and index keys, and a new read from it goes on
 * after that item. */
static void test_query_index_and_resume(void **state)
{
    world *w = *state;
    ddb_read_spec s = spec(w, ACC_QUERY, "orders", "order_id|total");
    use_index(&s, "by_status", "status", 'S', "total", 'N');
    s.pk_value = str("shipped");
    s.skc = SKC_GE;
    s.sk_lo = num("7");
    s.limit_hint = 2;
    op_t *op = op_ddb_read(&s);
    assert_null(op_ddb_resume_key(op)); /* not run yet */
    assert_rows(pull(op, &w->ctx, 3, true), "'O3',7;'O1',10;'O2',15");
    assert_int_equal(w->cap.n, 2); /* Limit 2: the third row needed a second page */
    assert_call(w, 0, DDB_QUERY,
                "{\"TableName\":\"orders\",\"IndexName\":\"by_status\",\"KeyConditionExpression\":"
                "\"#n0 = :v0 AND #n1 >= :v1\",\"ProjectionExpression\":\"#n2, #n1, #n3, #n0\","
                "\"ExpressionAttributeNames\":{\"#n0\":\"status\",\"#n1\":\"total\",\"#n2\":"
                "\"order_id\",\"#n3\":\"customer_id\"},"
                "\"ExpressionAttributeValues\":{\":v0\":{\"S\":\"shipped\"},\":v1\":{\"N\":\"7\"}},"
                "\"ScanIndexForward\":true,\"Limit\":2,\"ConsistentRead\":false,"
                "\"ReturnConsumedCapacity\":\"TOTAL\"}");
    assert_non_null(strstr(w->cap.reqs[1], "\"ExclusiveStartKey\":{"));
    json_object *key = op_ddb_resume_key(op);
    assert_non_null(key);
    assert_string_equal(json_compact(key),
                        "{\"customer_id\":{\"S\":\"C2\"},\"order_id\":{\"S\":\"O2\"},"
                        "\"status\":{\"S\":\"shipped\"},\"total\":{\"N\":\"15\"}}");
    op_free(op);

    /* Resuming from the key: the rest, and nothing twice. */
    ddb_capture_reset(&w->cap);
    s = spec(w, ACC_QUERY, "orders", "order_id|total");
    use_index(&s, "by_status", "status", 'S', "total", 'N');
    s.pk_value = str("shipped");
    s.skc = SKC_GE;
    s.sk_lo = num("7");
    s.start_key = key;
    assert_rows(run(op_ddb_read(&s), &w->ctx), "'O5',42");
    assert_non_null(strstr(w->cap.reqs[0],
                           "\"ExclusiveStartKey\":{\"customer_id\":{\"S\":\"C2\"},"
                           "\"order_id\":{\"S\":\"O2\"},\"status\":{\"S\":\"shipped\"},"
                           "\"total\":{\"N\":\"15\"}}"));
}

/* Limit counts items DynamoDB evaluates before the filter: the reader
 * keeps paging while pulled, and stops as soon as it is not. */
static void test_query_limit_pages_and_filter(void **state)
{
    world *w = *state;
    ddb_read_spec s = spec(w, ACC_QUERY, "orders", "order_id|status");
    s.pk_value = str("C1");
    s.limit_hint = 2;
    add_filter(&s, t_bin(SQL_OP_EQ, t_col(1), str("shipped")));
    assert_rows(run(op_ddb_read(&s), &w->ctx), "'O1','shipped';'O3','shipped';'O5','shipped'");
    assert_int_equal(w->cap.n, 3); /* pages of 2 evaluated items: 2 + 2 + 1 */
    for (int i = 0; i < 3; i++)
        assert_non_null(strstr(w->cap.reqs[i], "\"FilterExpression\":\"#n1 = :v1\""));
    assert_int_equal(w->ctx.stats.items_read, 5);
    assert_int_equal(w->ctx.stats.items_returned, 3);

    /* Pulled once: one page. */
    ddb_capture_reset(&w->cap);
    s = spec(w, ACC_QUERY, "orders", "order_id");
    s.pk_value = str("C1");
    s.limit_hint = 1;
    op_t *op = op_ddb_read(&s);
    assert_rows(pull(op, &w->ctx, 1, true), "'O1'");
    op_free(op);
    assert_int_equal(w->cap.n, 1);
}

/* A key read from the enclosing row, re-opened per outer row. */
static void test_query_per_outer_row(void **state)
{
    world *w = *state;
    ddb_read_spec s = spec(w, ACC_QUERY, "orders", "order_id");
    s.pk_value = outer(0);
    op_t *op = op_ddb_read(&s);
    const char *ids[] = {"C2", "C9", "C1"};
    const char *want[] = {"'O1';'O2'", "", "'O1';'O2';'O3';'O4';'O5'"};
    for (int i = 0; i < 3; i++) {
        value_t orow[1] = {value_cstring(ids[i])};
        w->ctx.outer[0] = orow;
        w->ctx.nouter = 1;
        assert_rows(pull(op, &w->ctx, -1, true), want[i]);
        op_close(op);
        value_free(&orow[0]);
    }
    w->ctx.nouter = 0;
    assert_int_equal(w->cap.n, 3);
    op_free(op);
}

/* ---- Scan --------------------------------------------------------------------------------- */

static void test_scan_filter(void **state)
{
    world *w = *state;
    ddb_read_spec s = spec(w, ACC_SCAN, "orders", "customer_id|order_id|notes");
    bexpr *not_null = bexpr_new(BX_IS_NULL, P0);
    bexpr_add_arg(not_null, t_col(2));
    not_null->negated = true;
    add_filter(&s, not_null);
    assert_rows(run(op_ddb_read(&s), &w->ctx), "'C1','O1','fragile';'C2','O1','it''s \"fine\"'");
    assert_int_equal(w->cap.n, 1);
    assert_call(w, 0, DDB_SCAN,
                "{\"TableName\":\"orders\",\"FilterExpression\":\"(attribute_exists(#n0) AND NOT "
                "attribute_type(#n0, :v0))\",\"ProjectionExpression\":\"#n1, #n2, #n0\","
                "\"ExpressionAttributeNames\":{\"#n0\":\"notes\",\"#n1\":\"customer_id\",\"#n2\":"
                "\"order_id\"},\"ExpressionAttributeValues\":{\":v0\":{\"S\":\"NULL\"}},"
                "\"ConsistentRead\":false,\"ReturnConsumedCapacity\":\"TOTAL\"}");
    assert_int_equal(w->cap.scanned[0], 7);
    assert_int_equal(w->cap.items[0], 2);
}

/* The pushed filter never drops a row the SQL predicate keeps: for each
 * predicate, the rows of a Scan with it pushed, then checked in C, are
 * exactly the rows of a plain Scan checked in C. */
static void test_pushed_filters_keep_sql_rows(void **state)
{
    world *w = *state;
    /* slots: 0 customer_id, 1 order_id, 2 notes, 3 qty, 4 tags, 5 currency, 6 address.city */
    const char *paths = "customer_id|order_id|notes|qty|tags|currency|address.city";
    bexpr *preds[] = {
        t_bin(SQL_OP_NE, t_col(2), str("fragile")),
        t_bin(SQL_OP_NE, t_col(3), num("3")),
        t_bin(SQL_OP_EQ, t_col(3), num("2")), /* 2.0 stored */
        t_bin(SQL_OP_LT, t_col(3), num("3")),
        t_bin(SQL_OP_GE, str("EUR"), t_col(5)),
        NULL, /* IS NULL notes */
        NULL, /* qty IN (1, 'three', NULL) */
        NULL, /* currency LIKE 'GB%' */
        NULL, /* CONTAINS(tags, 'red') */
        NULL, /* SIZE(tags) > 1 */
        NULL, /* qty BETWEEN 1 AND 2 */
        NULL, /* qty NOT IN (3) */
        t_bin(SQL_OP_OR, t_bin(SQL_OP_EQ, t_col(6), str("Oslo")),
              t_bin(SQL_OP_GT, t_col(3), num("2.5"))),
    };
    int n = (int)(sizeof preds / sizeof preds[0]);
    preds[5] = bexpr_new(BX_IS_NULL, P0);
    bexpr_add_arg(preds[5], t_col(2));
    preds[6] = bexpr_new(BX_IN_LIST, P0);
    bexpr_add_arg(preds[6], t_col(3));
    bexpr_add_arg(preds[6], num("1"));
    bexpr_add_arg(preds[6], str("three"));
    bexpr_add_arg(preds[6], bexpr_const(value_null(), P0));
    preds[7] = bexpr_new(BX_LIKE, P0);
    bexpr_add_arg(preds[7], t_col(5));
    bexpr_add_arg(preds[7], str("GB%"));
    preds[8] = bexpr_new(BX_FUNC, P0);
    preds[8]->fn = FN_CONTAINS;
    bexpr_add_arg(preds[8], t_col(4));
    bexpr_add_arg(preds[8], str("red"));
    bexpr *size = bexpr_new(BX_FUNC, P0);
    size->fn = FN_SIZE;
    bexpr_add_arg(size, t_col(4));
    preds[9] = t_bin(SQL_OP_GT, size, num("1"));
    preds[10] = bexpr_new(BX_BETWEEN, P0);
    bexpr_add_arg(preds[10], t_col(3));
    bexpr_add_arg(preds[10], num("1"));
    bexpr_add_arg(preds[10], num("2"));
    preds[11] = bexpr_new(BX_IN_LIST, P0);
    preds[11]->negated = true;
    bexpr_add_arg(preds[11], t_col(3));
    bexpr_add_arg(preds[11], num("3"));
    for (int i = 0; i < n; i++) {
        /* SQL's answer: everything, filtered in C. */
        ddb_read_spec all = spec(w, ACC_SCAN, "orders", paths);
        op_t *want_op = op_filter(op_ddb_read(&all), bexpr_clone(preds[i]));
        char *want = run(want_op, &w->ctx);
        /* Pushed down, then checked in C as the planner does. */
        ddb_read_spec s = spec(w, ACC_SCAN, "orders", paths);
        add_filter(&s, bexpr_clone(preds[i]));
        ddb_capture_reset(&w->cap);
        char *got = run(op_filter(op_ddb_read(&s), preds[i]), &w->ctx);
        if (strcmp(got, want) != 0)
            fail_msg("predicate %d (%s)\n  pushed %s\n  SQL    %s", i, w->cap.reqs[0], got, want);
        assert_non_null(strstr(w->cap.reqs[0], "\"FilterExpression\""));
        assert_true(strncmp(want, "ERR", 3) != 0);
        free(got);
        free(want);
    }
}

/* Paging by LastEvaluatedKey while pulled; the cost guard stops a read
 * between pages. */
static void test_scan_budget_between_pages(void **state)
{
    world *w = *state;
    w->ctx.limits.max_items_read = 25;
    ddb_read_spec s = spec(w, ACC_SCAN, "big", "id");
    s.limit_hint = 10;
    op_t *op = op_ddb_read(&s);
    char *got = pull(op, &w->ctx, -1, true);
    op_free(op);
    assert_int_equal(w->cap.n, 3); /* 10 + 10 + 10 > 25: stopped after the third page */
    assert_int_equal(w->ctx.err_kind, EXEC_ERR_BUDGET);
    assert_non_null(strstr(got, "ERR: the query read 30 items, past its budget of 25 items"));
    free(got);
}

/* Parallel segments: one round of concurrent calls with Segment and
 * TotalSegments, every item once, in segment order. */
static void test_parallel_scan(void **state)
{
    world *w = *state;
    ddb_read_spec s = spec(w, ACC_SCAN, "big", "id|n");
    s.segments = 3;
    add_filter(&s, t_bin(SQL_OP_LT, t_col(1), num("200")));
    op_t *op = op_ddb_read(&s);
    assert_true(op_open(op, &w->ctx));
    value_t row[2];
    bool seen[BIG_N] = {false};
    int rows = 0;
    int r;
    while ((r = op_next(op, &w->ctx, row)) == 1) {
        int k = atoi(row[0].u.bytes->data + 1);
        assert_false(seen[k]);
        seen[k] = true;
        assert_true(k < 200);
        rows++;
        row_free(row, 2);
    }
    assert_int_equal(r, 0);
    assert_int_equal(rows, 200);
    assert_null(op_ddb_resume_key(op)); /* a parallel Scan cannot resume */
    op_free(op);
    assert_int_equal(w->cap.n, 3);
    for (int i = 0; i < 3; i++) {
        char want[64];
        snprintf(want, sizeof want, "\"Segment\":%d,\"TotalSegments\":3", i);
        assert_non_null(strstr(w->cap.reqs[i], want));
        assert_non_null(strstr(w->cap.reqs[i], "\"FilterExpression\":\"#n0 < :v0\""));
    }
    assert_int_equal(w->ctx.stats.items_read, BIG_N);
    assert_int_equal(w->ctx.stats.calls[DDB_SCAN], 3);

    /* Deterministic: the same rows in the same order again. */
    ddb_capture_reset(&w->cap);
    s = spec(w, ACC_SCAN, "big", "id");
    s.segments = 3;
    char *a = run(op_ddb_read(&s), &w->ctx);
    s = spec(w, ACC_SCAN, "big", "id");
    s.segments = 3;
    char *b = run(op_ddb_read(&s), &w->ctx);
    assert_string_equal(a, b);
    free(a);
    free(b);
}

/* fetch_by_key: the index gives keys only; the items come by BatchGetItem,
 * in the index's order. */
static void test_fetch_by_key(void **state)
{
    world *w = *state;
    ddb_read_spec s = spec(w, ACC_QUERY, "orders", "customer_id|order_id|status|total");
    use_index(&s, "by_date", "order_date", 'S', NULL, 0);
    s.pk_value = str("2025-01-02");
    s.fetch_by_key = true;
    op_t *op = op_ddb_read(&s);
    char *got = pull(op, &w->ctx, -1, true);
    assert_null(op_ddb_resume_key(op));
    op_free(op);
    /* both orders of that day, full items, in the index's order */
    assert_true(!strcmp(got, "'C1','O2','delivered',25.5;'C1','O3','shipped',7") ||
                !strcmp(got, "'C1','O3','shipped',7;'C1','O2','delivered',25.5"));
    free(got);
    assert_int_equal(w->cap.n, 2);
    assert_call(w, 0, DDB_QUERY,
                "{\"TableName\":\"orders\",\"IndexName\":\"by_date\",\"KeyConditionExpression\":"
                "\"#n0 = :v0\",\"ProjectionExpression\":\"#n1, #n2\",\"ExpressionAttributeNames\":"
                "{\"#n0\":\"order_date\",\"#n1\":\"customer_id\",\"#n2\":\"order_id\"},"
                "\"ExpressionAttributeValues\":{\":v0\":{\"S\":\"2025-01-02\"}},"
                "\"ScanIndexForward\":true,\"ConsistentRead\":false,\"ReturnConsumedCapacity\":"
                "\"TOTAL\"}");
    assert_int_equal(w->cap.ops[1], DDB_BATCH_GET_ITEM);
    assert_non_null(strstr(w->cap.reqs[1], "\"ProjectionExpression\":\"#n0, #n1, #n2, #n3\","
                                           "\"ExpressionAttributeNames\":{\"#n0\":\"customer_id\","
                                           "\"#n1\":\"order_id\",\"#n2\":\"status\",\"#n3\":"
                                           "\"total\"}"));
}

/* Which reads can resume, and from what. */
static void test_resume_keys(void **state)
{
    world *w = *state;
    ddb_read_spec s = spec(w, ACC_GET, "customers", "name");
    s.pk_value = str("C1");
    op_t *op = op_ddb_read(&s);
    assert_rows(pull(op, &w->ctx, -1, true), "'Ada'");
    assert_null(op_ddb_resume_key(op));
    op_free(op);

    s = spec(w, ACC_SCAN, "customers", "customer_id");
    op = op_ddb_read(&s);
    char *first = pull(op, &w->ctx, 1, true); /* whichever comes first */
    json_object *key = op_ddb_resume_key(op);
    char want[64];
    snprintf(want, sizeof want, "{\"customer_id\":{\"S\":\"%.2s\"}}", first + 1);
    assert_string_equal(json_compact(key), want);
    free(first);
    op_close(op); /* the key outlives the run */
    json_object *again = op_ddb_resume_key(op);
    assert_string_equal(json_compact(again), json_compact(key));
    json_object_put(again);
    json_object_put(key);
    op_free(op);

    s = spec(w, ACC_QUERY, "orders", "order_id");
    s.pk_value = str("C9");
    op = op_ddb_read(&s);
    assert_rows(pull(op, &w->ctx, -1, true), "");
    assert_null(op_ddb_resume_key(op)); /* nothing returned */
    op_free(op);
    assert_null(op_ddb_resume_key(NULL));
}

static void test_explain(void **state)
{
    world *w = *state;
    ddb_read_spec s = spec(w, ACC_QUERY, "orders", "order_id");
    use_index(&s, "by_status", "status", 'S', "total", 'N');
    s.pk_value = str("shipped");
    s.forward = false;
    op_t *op = op_ddb_read(&s);
    buf_t out = BUF_INIT(1 << 16);
    op_explain(op, &out, 0);
    assert_string_equal(
        buf_cstr(&out),
        "DynamoDB Query demo.orders index by_status backward\n"
        "  request: {\"TableName\":\"orders\",\"IndexName\":\"by_status\","
        "\"KeyConditionExpression\":\"#n0 = :v0\",\"ProjectionExpression\":\"#n1, #n2, #n0, "
        "#n3\",\"ExpressionAttributeNames\":{\"#n0\":\"status\",\"#n1\":\"order_id\",\"#n2\":"
        "\"customer_id\",\"#n3\":\"total\"},\"ExpressionAttributeValues\":{\":v0\":{\"S\":"
        "\"shipped\"}},\"ScanIndexForward\":false,\"ConsistentRead\":false,"
        "\"ReturnConsumedCapacity\":\"TOTAL\"}\n");
    op_free(op);

    s = spec(w, ACC_GET, "customers", "name");
    s.pk_value = outer(0);
    op = op_ddb_read(&s);
    buf_reset(&out);
    op_explain(op, &out, 1);
    assert_string_equal(buf_cstr(&out),
                        "  DynamoDB GetItem demo.customers\n    request: built per outer row\n");
    op_free(op);

    s = spec(w, ACC_SCAN, "big", "id");
    s.segments = 4;
    op = op_ddb_read(&s);
    buf_reset(&out);
    op_explain(op, &out, 0);
    assert_non_null(strstr(buf_cstr(&out), "DynamoDB Scan demo.big in 4 segments\n"));
    assert_non_null(strstr(buf_cstr(&out), "\"Segment\":0,\"TotalSegments\":4"));
    op_free(op);
    buf_free(&out);
    assert_int_equal(w->cap.n, 0); /* EXPLAIN reads nothing */
}

/* ---- the lookup join ------------------------------------------------------------------------- */

/* By the right table's whole key: one BatchGetItem per 100 left rows, the
 * left order kept, duplicates and NULL keys handled, INNER and LEFT. */
static void test_lookup_join_batch(void **state)
{
    world *w = *state;
    const char *left = "1,'C2';2,'C1';3,NULL;4,'C9';5,'C2'";
    join_kind kinds[] = {JOIN_INNER, JOIN_LEFT};
    const char *want[] = {"1,'C2','Bo';2,'C1','Ada';5,'C2','Bo'",
                          "1,'C2','Bo';2,'C1','Ada';3,NULL,NULL;4,'C9',NULL;5,'C2','Bo'"};
    for (int k = 0; k < 2; k++) {
        ddb_capture_reset(&w->cap);
        ddb_read_spec r = spec(w, ACC_SCAN, "customers", "name");
        op_t *op = op_ddb_lookup_join(test_rows_op(2, left), t_col(1), NULL, &r, NULL, kinds[k]);
        assert_int_equal(op->width, 3);
        assert_rows(run(op, &w->ctx), want[k]);
        assert_int_equal(w->cap.n, 1);
        assert_call(w, 0, DDB_BATCH_GET_ITEM,
                    "{\"RequestItems\":{\"customers\":{\"Keys\":[{\"customer_id\":{\"S\":\"C2\"}},"
                    "{\"customer_id\":{\"S\":\"C1\"}},{\"customer_id\":{\"S\":\"C9\"}}],"
                    "\"ProjectionExpression\":\"#n0, #n1\",\"ExpressionAttributeNames\":{\"#n0\":"
                    "\"name\",\"#n1\":\"customer_id\"},\"ConsistentRead\":false}},"
                    "\"ReturnConsumedCapacity\":\"TOTAL\"}");
    }
}

/* 250 left rows: three batches. A residual over the combined row. */
static void test_lookup_join_batches_and_residual(void **state)
{
    world *w = *state;
    buf_t left = BUF_INIT(1 << 16), want = BUF_INIT(1 << 16);
    for (int i = 0; i < BIG_N; i++) {
        buf_printf(&left, "%s'k%03d'", i ? ";" : "", BIG_N - 1 - i);
        if ((BIG_N - 1 - i) % 2 == 0)
            buf_printf(&want, "%s'k%03d',%d", want.len ? ";" : "", BIG_N - 1 - i, BIG_N - 1 - i);
    }
    ddb_read_spec r = spec(w, ACC_SCAN, "big", "n");
    /* residual: n % 2 = 0 */
    bexpr *res = t_bin(SQL_OP_EQ, t_bin(SQL_OP_MOD, t_col(1), num("2")), num("0"));
    op_t *op =
        op_ddb_lookup_join(test_rows_op(1, buf_cstr(&left)), t_col(0), NULL, &r, res, JOIN_INNER);
    assert_rows(run(op, &w->ctx), buf_cstr(&want));
    assert_int_equal(w->cap.n, 3);
    assert_int_equal(w->ctx.stats.calls[DDB_BATCH_GET_ITEM], 3);
    assert_int_equal(w->ctx.stats.items_returned, BIG_N);
    buf_free(&left);
    buf_free(&want);
}

/* By partition key only: a Query per distinct key, every match of each
 * left row, the right's filters applied, LEFT rows without a match kept. */
static void test_lookup_join_query(void **state)
{
    world *w = *state;
    ddb_read_spec r = spec(w, ACC_SCAN, "orders", "order_id|status");
    add_filter(&r, t_bin(SQL_OP_NE, t_col(1), str("cancelled")));
    const char *left = "'C2';'C3';'C1';'C2'";
    op_t *op = op_ddb_lookup_join(test_rows_op(1, left), t_col(0), NULL, &r, NULL, JOIN_LEFT);
    assert_rows(run(op, &w->ctx),
                "'C2','O1','delivered';'C2','O2','shipped';'C3',NULL,NULL;'C1','O1','shipped';"
                "'C1','O2','delivered';'C1','O3','shipped';'C1','O5','shipped';'C2','O1',"
                "'delivered';'C2','O2','shipped'");
    assert_int_equal(w->cap.n, 3); /* C2, C3, C1 */
    assert_call(
        w, 0, DDB_QUERY,
        "{\"TableName\":\"orders\",\"KeyConditionExpression\":\"#n0 = :v0\","
        "\"FilterExpression\":\"#n1 <> :v1\",\"ProjectionExpression\":\"#n2, #n1, #n0\","
        "\"ExpressionAttributeNames\":{\"#n0\":\"customer_id\",\"#n1\":\"status\",\"#n2\":"
        "\"order_id\"},\"ExpressionAttributeValues\":{\":v0\":{\"S\":\"C2\"},\":v1\":{\"S\":"
        "\"cancelled\"}},\"ScanIndexForward\":true,\"ConsistentRead\":false,"
        "\"ReturnConsumedCapacity\":\"TOTAL\"}");
    assert_non_null(strstr(w->cap.reqs[1], "\":v0\":{\"S\":\"C3\"}"));
    assert_non_null(strstr(w->cap.reqs[2], "\":v0\":{\"S\":\"C1\"}"));

    /* With the sort key too: BatchGetItem on the whole key. */
    ddb_capture_reset(&w->cap);
    r = spec(w, ACC_SCAN, "orders", "total");
    op = op_ddb_lookup_join(test_rows_op(2, "'C1','O4';'C2','O9';'C2','O2'"), t_col(0), t_col(1),
                            &r, NULL, JOIN_INNER);
    assert_rows(run(op, &w->ctx), "'C1','O4',100;'C2','O2',15");
    assert_int_equal(w->cap.n, 1);
    assert_int_equal(w->cap.ops[0], DDB_BATCH_GET_ITEM);

    /* Through an index, with the right's own sort-key condition. */
    ddb_capture_reset(&w->cap);
    r = spec(w, ACC_SCAN, "orders", "order_id|total");
    use_index(&r, "by_status", "status", 'S', "total", 'N');
    r.skc = SKC_GT;
    r.sk_lo = num("10");
    op = op_ddb_lookup_join(test_rows_op(1, "'shipped';'lost'"), t_col(0), NULL, &r, NULL,
                            JOIN_INNER);
    assert_rows(run(op, &w->ctx), "'shipped','O2',15;'shipped','O5',42");
    assert_int_equal(w->cap.n, 2);
    assert_non_null(strstr(w->cap.reqs[0], "\"IndexName\":\"by_status\",\"KeyConditionExpression\":"
                                           "\"#n0 = :v0 AND #n1 > :v1\""));
}

/* ---- failures ------------------------------------------------------------------------------- */

#define JSON_CT "application/x-amz-json-1.0"
#define PTEE                                                                                       \
    "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException\","     \
    "\"message\":\"The level of configured provisioned throughput for the table was exceeded.\"}"

/* Throttling that outlasts the retries fails the query, saying so. */
static void test_throttled(void **state)
{
    world *w = *state;
    for (int i = 0; i < 3; i++)
        fake_http_push_simple(w->fake, 400, JSON_CT, PTEE);
    ddb_read_spec s = spec(w, ACC_SCAN, "big", "id");
    char *got = run(op_ddb_read(&s), &w->ctx);
    assert_int_equal(w->ctx.err_kind, EXEC_ERR_DYNAMODB);
    assert_non_null(strstr(got, "ERR: DynamoDB throttled the request "
                                "(ProvisionedThroughputExceededException) 3 times"));
    assert_non_null(strstr(got, "retry later or narrow the query"));
    free(got);
    assert_int_equal(w->cap.n, 1);
}

/* A 5xx then success is retried inside the call; a validation error is
 * the query's error; a page that is not what DynamoDB sends is handled. */
static void test_server_errors(void **state)
{
    world *w = *state;
    fake_http_push_simple(w->fake, 500, JSON_CT,
                          "{\"__type\":\"com.amazonaws.dynamodb.v20120810#InternalServerError\"}");
    fake_http_push_simple(w->fake, 200, JSON_CT,
                          "{\"Items\":[{\"id\":{\"S\":\"a\"}}],\"Count\":1,\"ScannedCount\":1,"
                          "\"LastEvaluatedKey\":{\"id\":{\"S\":\"a\"}}}");
    fake_http_push_simple(w->fake, 200, JSON_CT,
                          "{\"Items\":[],\"Count\":0,\"ScannedCount\":4,"
                          "\"LastEvaluatedKey\":{\"id\":{\"S\":\"e\"}}}");
    fake_http_push_simple(w->fake, 400, JSON_CT,
                          "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ValidationException\","
                          "\"message\":\"The provided starting key is invalid\"}");
    ddb_read_spec s = spec(w, ACC_SCAN, "big", "id");
    char *got = run(op_ddb_read(&s), &w->ctx);
    assert_string_equal(got, "ERR: DynamoDB rejected the Scan request (HTTP 400, "
                             "ValidationException: The provided starting key is invalid)");
    free(got);
    assert_int_equal(w->cap.n, 3);
    assert_int_equal(w->ctx.stats.items_read, 5);
    assert_non_null(strstr(w->cap.reqs[2], "\"ExclusiveStartKey\":{\"id\":{\"S\":\"e\"}}"));

    /* A malformed attribute in an item is an error, not a crash. */
    exec_ctx_init(&w->ctx, NULL, 0);
    fake_http_push_simple(w->fake, 200, JSON_CT,
                          "{\"Items\":[{\"id\":{\"N\":\"12x\"}}],\"Count\":1}");
    s = spec(w, ACC_SCAN, "big", "id");
    got = run(op_ddb_read(&s), &w->ctx);
    assert_non_null(strstr(got, "ERR: DynamoDB returned a malformed attribute id"));
    free(got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_get_item, setup_dyn, teardown),
        cmocka_unit_test_setup_teardown(test_get_whole_item, setup_dyn, teardown),
        cmocka_unit_test_setup_teardown(test_unfit_keys_read_nothing, setup_dyn, teardown),
        cmocka_unit_test_setup_teardown(test_batch_get_order, setup_dyn, teardown),
        cmocka_unit_test_setup_teardown(test_batch_get_numeric_keys, setup_dyn, teardown),
        cmocka_unit_test_setup_teardown(test_batch_get_150_keys, setup_dyn, teardown),
        cmocka_unit_test_setup_teardown(test_query_partition, setup_dyn, teardown),
        cmocka_unit_test_setup_teardown(test_query_sort_key_conditions, setup_dyn, teardown),
        cmocka_unit_test_setup_teardown(test_query_sort_key_edges, setup_dyn, teardown),
        cmocka_unit_test_setup_teardown(test_query_index_and_resume, setup_dyn, teardown),
        cmocka_unit_test_setup_teardown(test_query_limit_pages_and_filter, setup_dyn, teardown),
        cmocka_unit_test_setup_teardown(test_query_per_outer_row, setup_dyn, teardown),
        cmocka_unit_test_setup_teardown(test_scan_filter, setup_dyn, teardown),
        cmocka_unit_test_setup_teardown(test_pushed_filters_keep_sql_rows, setup_dyn, teardown),
        cmocka_unit_test_setup_teardown(test_scan_budget_between_pages, setup_dyn, teardown),
        cmocka_unit_test_setup_teardown(test_parallel_scan, setup_dyn, teardown),
        cmocka_unit_test_setup_teardown(test_fetch_by_key, setup_dyn, teardown),
        cmocka_unit_test_setup_teardown(test_resume_keys, setup_dyn, teardown),
        cmocka_unit_test_setup_teardown(test_explain, setup_dyn, teardown),
        cmocka_unit_test_setup_teardown(test_lookup_join_batch, setup_dyn, teardown),
        cmocka_unit_test_setup_teardown(test_lookup_join_batches_and_residual, setup_dyn, teardown),
        cmocka_unit_test_setup_teardown(test_lookup_join_query, setup_dyn, teardown),
        cmocka_unit_test_setup_teardown(test_throttled, setup_fake, teardown),
        cmocka_unit_test_setup_teardown(test_server_errors, setup_fake, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
