#include "sql/access_path.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"
#include "sql/exec.h"
#include "tests/unit/support/test_rows_op.h"

/* ---- fixture ---------------------------------------------------------------- */

#define MAX_SLOTS 16
#define MAX_CONJ  16

typedef struct fx {
    json_object *desc;
    ddb_path paths[MAX_SLOTS];
    int nslots;
    bexpr *conj[MAX_CONJ];
    int nconj;
    access_input in;
    access_choice out;
    bool chosen;
    char err[256];
} fx;

/* JSON written with single quotes, for readability. */
static json_object *desc_json(const char *text)
{
    char *s = xstrdup(text);
    for (char *p = s; *p; p++)
        if (*p == '\'')
            *p = '"';
    json_object *o = json_tokener_parse(s);
    free(s);
    assert_non_null(o);
    return o;
}

/* slots: comma-separated attribute paths; "*" is the whole item. */
static void fx_init(fx *f, const char *desc, const char *slots)
{
    memset(f, 0, sizeof *f);
    f->desc = desc ? desc_json(desc) : NULL;
    char *copy = xstrdup(slots);
    char *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        assert_true(f->nslots < MAX_SLOTS);
        ddb_path *p = &f->paths[f->nslots++];
        if (strcmp(tok, "*") == 0) {
            p->steps = NULL;
            p->n = 0;
        } else {
            char err[128];
            assert_true(ddb_path_parse(tok, strlen(tok), p, err, sizeof err));
        }
    }
    free(copy);
    f->in.desc = f->desc;
    f->in.client = (ddb_client *)(uintptr_t)0x1234; /* only passed through */
    f->in.label = "demo.t";
    f->in.conj = f->conj;
    f->in.slot_paths = f->paths;
    f->in.nslots = f->nslots;
    f->in.order_slot = -1;
    f->in.limit_hint = -1;
    f->in.max_segments = 4;
}

static void fx_add(fx *f, bexpr *e)
{
    assert_true(f->nconj < MAX_CONJ);
    f->conj[f->nconj++] = e;
    f->in.nconj = f->nconj;
}

static void fx_choose(fx *f)
{
    f->chosen = access_choose(&f->in, &f->out, f->err, sizeof f->err);
    assert_true(f->chosen);
}

static void fx_free(fx *f)
{
    if (f->chosen)
        ddb_read_spec_clear(&f->out.spec);
    for (int i = 0; i < f->nconj; i++)
        bexpr_free(f->conj[i]);
    for (int i = 0; i < f->nslots; i++)
        ddb_path_free(&f->paths[i]);
    if (f->desc)
        json_object_put(f->desc);
}

static const sql_pos P = {1, 1, 0};

static bexpr *eq(int slot, const char *v)
{
    return t_bin(SQL_OP_EQ, t_col(slot), t_const(v));
}

static bexpr *cmp(sql_op op, int slot, const char *v)
{
    return t_bin(op, t_col(slot), t_const(v));
}

/* slot IN (values...), NULL-terminated. */
static bexpr *in_list(int slot, ...)
{
    bexpr *e = bexpr_new(BX_IN_LIST, P);
    bexpr_add_arg(e, t_col(slot));
    va_list ap;
    va_start(ap, slot);
    for (const char *v = va_arg(ap, const char *); v; v = va_arg(ap, const char *))
        bexpr_add_arg(e, t_const(v));
    va_end(ap);
    return e;
}

static bexpr *between(int slot, const char *lo, const char *hi, bool negated)
{
    bexpr *e = bexpr_new(BX_BETWEEN, P);
    e->negated = negated;
    bexpr_add_arg(e, t_col(slot));
    bexpr_add_arg(e, t_const(lo));
    bexpr_add_arg(e, t_const(hi));
    return e;
}

static bexpr *like(int slot, const char *pat, const char *esc)
{
    bexpr *e = bexpr_new(BX_LIKE, P);
    bexpr_add_arg(e, t_col(slot));
    bexpr_add_arg(e, t_const(pat));
    if (esc)
        bexpr_add_arg(e, t_const(esc));
    return e;
}

static bexpr *not_null(int slot)
{
    bexpr *e = bexpr_new(BX_IS_NULL, P);
    e->negated = true;
    bexpr_add_arg(e, t_col(slot));
    return e;
}

static bexpr *outer(int depth, int slot)
{
    bexpr *e = bexpr_new(BX_OUTER, P);
    e->depth = depth;
    e->slot = slot;
    return e;
}

static bexpr *subq(bool correlated)
{
    bexpr *e = bexpr_new(BX_SUBQ, P);
    e->sub = subplan_new(NULL, correlated);
    return e;
}

/* e is a constant with this value (test_value notation). */
static void assert_const(const bexpr *e, const char *want)
{
    assert_non_null(e);
    assert_int_equal(e->kind, BX_CONST);
    char *got = test_value_text(&e->value);
    assert_string_equal(got, want);
    free(got);
}

static void assert_prefix(const char *s, const char *prefix)
{
    if (strncmp(s, prefix, strlen(prefix)) != 0)
        fail_msg("\"%s\" does not start with \"%s\"", s, prefix);
}

static void assert_contains(const char *s, const char *part)
{
    if (!strstr(s, part))
        fail_msg("\"%s\" does not contain \"%s\"", s, part);
}

/* ---- descriptions ----------------------------------------------------------- */

/* users: partition key only. */
static const char *USERS = "{'table_name':'users','item_count':1488,"
                           "'key_schema':{'partition_key':{'name':'id','type':'S'}},"
                           "'indexes':[{'name':'PRIMARY','type':'PRIMARY','hashKey':'id',"
                           "'hashKeyType':'S','projection':{'type':'ALL'}}]}";

/* events: composite key (N sort key), 10000 items. */
static const char *EVENTS = "{'table_name':'events','item_count':10000,"
                            "'key_schema':{'partition_key':{'name':'device','type':'S'},"
                            "'sort_key':{'name':'ts','type':'N'}},"
                            "'indexes':[{'name':'PRIMARY','type':'PRIMARY','hashKey':'device',"
                            "'hashKeyType':'S','sortKey':'ts','sortKeyType':'N',"
                            "'projection':{'type':'ALL'}}]}";

/* orders: composite key with an S sort key, and an LSI on created_at. */
static const char *ORDERS_LSI =
    "{'table_name':'orders','item_count':1000000,"
    "'key_schema':{'partition_key':{'name':'customer_id','type':'S'},"
    "'sort_key':{'name':'order_id','type':'S'}},"
    "'indexes':[{'name':'PRIMARY','type':'PRIMARY','hashKey':'customer_id','hashKeyType':'S',"
    "'sortKey':'order_id','sortKeyType':'S','projection':{'type':'ALL'}},"
    "{'name':'by_date','type':'LSI','hashKey':'customer_id','hashKeyType':'S',"
    "'sortKey':'created_at','sortKeyType':'S','projection':{'type':'KEYS_ONLY'},"
    "'item_count':1000000,'sparse':false}]}";

/* Builds a hash-key table (order_id) with GSIs from the given index JSON. */
static char *gsi_desc(const char *indexes, const char *extra)
{
    char *s = xmalloc(4096);
    snprintf(s, 4096,
             "{'table_name':'orders','item_count':1000000,"
             "'key_schema':{'partition_key':{'name':'order_id','type':'S'}},"
             "'indexes':[{'name':'PRIMARY','type':'PRIMARY','hashKey':'order_id',"
             "'hashKeyType':'S','projection':{'type':'ALL'}}%s]%s}",
             indexes, extra ? extra : "");
    return s;
}

#define BY_CUSTOMER(sparse)                                                                        \
    ",{'name':'by_customer','type':'GSI','hashKey':'customer_id','hashKeyType':'S',"               \
    "'sortKey':'created_at','sortKeyType':'S','projection':{'type':'ALL'},"                        \
    "'item_count':1000000" sparse ",'status':'ACTIVE'}"

/* ---- GetItem / BatchGetItem ------------------------------------------------- */

static void test_get_hash_key(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, USERS, "id,name");
    fx_add(&f, eq(0, "'u1'"));
    fx_choose(&f);
    const ddb_read_spec *s = &f.out.spec;
    assert_int_equal(s->kind, ACC_GET);
    assert_const(s->pk_value, "'u1'");
    assert_null(s->sk_value);
    assert_null(s->index);
    assert_string_equal(s->table, "users");
    assert_string_equal(s->label, "demo.t");
    assert_string_equal(s->table_pk, "id");
    assert_int_equal(s->table_pk_type, 'S');
    assert_null(s->table_sk);
    assert_string_equal(s->key_pk, "id");
    assert_null(s->key_sk);
    assert_ptr_equal(s->client, f.in.client);
    assert_int_equal(s->nfilters, 0);
    assert_false(s->fetch_by_key);
    assert_true(f.out.order_satisfied); /* at most one row */
    assert_true(f.out.est_items == 1.0);
    assert_string_equal(f.out.reason, "GetItem on users (id = ...): 1 item");
    /* Slot paths are a deep copy. */
    assert_int_equal(s->nslots, 2);
    assert_ptr_not_equal(s->slot_paths, f.paths);
    assert_int_equal(s->slot_paths[1].n, 1);
    assert_string_equal(s->slot_paths[1].steps[0].name, "name");
    assert_ptr_not_equal(s->slot_paths[1].steps[0].name, f.paths[1].steps[0].name);
    /* The key value is a clone, not the conjunct's node. */
    assert_ptr_not_equal(s->pk_value, f.conj[0]->args[1]);
    fx_free(&f);
}

static void test_get_flipped_and_composite(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, EVENTS, "device,ts,temp");
    fx_add(&f, t_bin(SQL_OP_EQ, t_const("'d1'"), t_col(0)));
    fx_add(&f, t_bin(SQL_OP_EQ, t_const("42"), t_col(1)));
    fx_choose(&f);
    const ddb_read_spec *s = &f.out.spec;
    assert_int_equal(s->kind, ACC_GET);
    assert_const(s->pk_value, "'d1'");
    assert_const(s->sk_value, "42");
    assert_string_equal(s->table_sk, "ts");
    assert_int_equal(s->table_sk_type, 'N');
    assert_string_equal(s->key_sk, "ts");
    assert_string_equal(f.out.reason, "GetItem on events (device = ..., ts = ...): 1 item");
    fx_free(&f);
}

static void test_get_outer_and_subquery_values(void **state)
{
    (void)state;
    fx f;
    /* An outer-row read is constant for one read. */
    fx_init(&f, USERS, "id");
    fx_add(&f, t_bin(SQL_OP_EQ, t_col(0), outer(1, 3)));
    fx_choose(&f);
    assert_int_equal(f.out.spec.kind, ACC_GET);
    assert_int_equal(f.out.spec.pk_value->kind, BX_OUTER);
    assert_int_equal(f.out.spec.pk_value->slot, 3);
    fx_free(&f);

    /* So is an uncorrelated scalar subquery... */
    fx_init(&f, USERS, "id");
    fx_add(&f, t_bin(SQL_OP_EQ, t_col(0), subq(false)));
    fx_choose(&f);
    assert_int_equal(f.out.spec.kind, ACC_GET);
    assert_int_equal(f.out.spec.pk_value->kind, BX_SUBQ);
    fx_free(&f);

    /* ...but not a correlated one, nor another column of the row. */
    fx_init(&f, USERS, "id,other");
    fx_add(&f, t_bin(SQL_OP_EQ, t_col(0), subq(true)));
    fx_add(&f, t_bin(SQL_OP_EQ, t_col(0), t_col(1)));
    fx_add(&f, t_bin(SQL_OP_EQ, t_col(0), t_bin(SQL_OP_CONCAT, t_const("'a'"), t_col(1))));
    fx_choose(&f);
    assert_int_equal(f.out.spec.kind, ACC_SCAN);
    fx_free(&f);

    /* A computed constant is fine. */
    fx_init(&f, USERS, "id");
    fx_add(&f, t_bin(SQL_OP_EQ, t_col(0), t_bin(SQL_OP_CONCAT, t_const("'u'"), t_const("'1'"))));
    fx_choose(&f);
    assert_int_equal(f.out.spec.kind, ACC_GET);
    assert_int_equal(f.out.spec.pk_value->kind, BX_BINARY);
    fx_free(&f);
}

static void test_key_slot_must_be_the_attribute(void **state)
{
    (void)state;
    fx f;
    /* id.x is a path into the attribute, not the key. */
    fx_init(&f, USERS, "id.x,name");
    fx_add(&f, eq(0, "'u1'"));
    fx_choose(&f);
    assert_int_equal(f.out.spec.kind, ACC_SCAN);
    fx_free(&f);

    /* A range on a hash-only key is no Query. */
    fx_init(&f, USERS, "id");
    fx_add(&f, cmp(SQL_OP_GT, 0, "'m'"));
    fx_choose(&f);
    assert_int_equal(f.out.spec.kind, ACC_SCAN);
    fx_free(&f);

    /* <> is no key condition; neither is a negated IN. */
    fx_init(&f, USERS, "id");
    fx_add(&f, cmp(SQL_OP_NE, 0, "'u1'"));
    bexpr *nin = in_list(0, "'a'", "'b'", NULL);
    nin->negated = true;
    fx_add(&f, nin);
    fx_choose(&f);
    assert_int_equal(f.out.spec.kind, ACC_SCAN);
    fx_free(&f);
}

static void test_batch_get_hash_in(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, USERS, "id,name");
    fx_add(&f, in_list(0, "'a'", "'b'", "'a'", "'c'", NULL));
    fx_choose(&f);
    const ddb_read_spec *s = &f.out.spec;
    assert_int_equal(s->kind, ACC_BATCH_GET);
    assert_int_equal(s->nkeys, 3); /* the repeated 'a' is dropped */
    assert_const(s->batch_pk[0], "'a'");
    assert_const(s->batch_pk[1], "'b'");
    assert_const(s->batch_pk[2], "'c'");
    assert_null(s->batch_sk);
    assert_int_equal(s->nfilters, 0);
    assert_false(f.out.order_satisfied);
    assert_true(f.out.est_items == 3.0);
    assert_string_equal(f.out.reason, "BatchGetItem on users (id IN (...)): 3 keys");
    fx_free(&f);

    /* Equal numbers written differently are one key. */
    fx_init(&f, EVENTS, "device,ts");
    fx_add(&f, eq(0, "'d'"));
    fx_add(&f, in_list(1, "1", "1.0", "2", NULL));
    fx_choose(&f);
    assert_int_equal(f.out.spec.kind, ACC_BATCH_GET);
    assert_int_equal(f.out.spec.nkeys, 2);
    fx_free(&f);
}

static void test_batch_get_cross_product(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, EVENTS, "device,ts");
    fx_add(&f, in_list(0, "'d1'", "'d2'", NULL));
    fx_add(&f, in_list(1, "1", "2", "3", NULL));
    fx_choose(&f);
    const ddb_read_spec *s = &f.out.spec;
    assert_int_equal(s->kind, ACC_BATCH_GET);
    assert_int_equal(s->nkeys, 6);
    const char *pk[] = {"'d1'", "'d1'", "'d1'", "'d2'", "'d2'", "'d2'"};
    const char *sk[] = {"1", "2", "3", "1", "2", "3"};
    for (int i = 0; i < 6; i++) {
        assert_const(s->batch_pk[i], pk[i]);
        assert_const(s->batch_sk[i], sk[i]);
    }
    assert_string_equal(f.out.reason,
                        "BatchGetItem on events (device IN (...), ts IN (...)): 6 keys");
    fx_free(&f);

    /* pk = times sk IN. */
    fx_init(&f, EVENTS, "device,ts");
    fx_add(&f, eq(0, "'d1'"));
    fx_add(&f, in_list(1, "1", "2", NULL));
    fx_choose(&f);
    assert_int_equal(f.out.spec.kind, ACC_BATCH_GET);
    assert_int_equal(f.out.spec.nkeys, 2);
    assert_const(f.out.spec.batch_pk[1], "'d1'");
    assert_const(f.out.spec.batch_sk[1], "2");
    fx_free(&f);

    /* A partition key IN without the sort key cannot be a batch, nor a Query. */
    fx_init(&f, EVENTS, "device,ts");
    fx_add(&f, in_list(0, "'d1'", "'d2'", NULL));
    fx_choose(&f);
    assert_int_equal(f.out.spec.kind, ACC_SCAN);
    fx_free(&f);
}

static void test_batch_get_cap(void **state)
{
    (void)state;
    fx f;
    /* 1000 keys are a batch; 1001 are not. */
    for (int n = 1000; n <= 1001; n++) {
        fx_init(&f, USERS, "id");
        bexpr *e = bexpr_new(BX_IN_LIST, P);
        bexpr_add_arg(e, t_col(0));
        for (int i = 0; i < n; i++)
            bexpr_add_arg(e, bexpr_const(value_int(i), P));
        fx_add(&f, e);
        fx_choose(&f);
        assert_int_equal(f.out.spec.kind, n == 1000 ? ACC_BATCH_GET : ACC_SCAN);
        fx_free(&f);
    }
    /* The product counts: 40 x 30 = 1200 keys is too many (and with no
       partition-key equality there is no Query either). */
    for (int distinct = 0; distinct < 2; distinct++) {
        fx_init(&f, EVENTS, "device,ts");
        bexpr *a = bexpr_new(BX_IN_LIST, P), *b = bexpr_new(BX_IN_LIST, P);
        bexpr_add_arg(a, t_col(0));
        bexpr_add_arg(b, t_col(1));
        for (int i = 0; i < 40; i++)
            bexpr_add_arg(a, bexpr_const(value_int(distinct ? i : 7), P));
        for (int i = 0; i < 30; i++)
            bexpr_add_arg(b, bexpr_const(value_int(i), P));
        fx_add(&f, a);
        fx_add(&f, b);
        fx_choose(&f);
        if (distinct) {
            assert_int_equal(f.out.spec.kind, ACC_SCAN);
        } else {
            /* 40 copies of one value are one partition key: 30 keys. */
            assert_int_equal(f.out.spec.kind, ACC_BATCH_GET);
            assert_int_equal(f.out.spec.nkeys, 30);
        }
        fx_free(&f);
    }
}

static void test_batch_vs_query(void **state)
{
    (void)state;
    fx f;
    /* 500 sort keys of one partition: the Query (~100 items of 10000)
       reads fewer than the 500-key batch. */
    fx_init(&f, EVENTS, "device,ts");
    fx_add(&f, eq(0, "'d'"));
    bexpr *e = bexpr_new(BX_IN_LIST, P);
    bexpr_add_arg(e, t_col(1));
    for (int i = 0; i < 500; i++)
        bexpr_add_arg(e, bexpr_const(value_int(i), P));
    fx_add(&f, e);
    fx_choose(&f);
    assert_int_equal(f.out.spec.kind, ACC_QUERY);
    assert_int_equal(f.out.spec.skc, SKC_NONE);
    assert_true(f.out.est_items == 100.0);
    fx_free(&f);

    /* Five of them: the batch. */
    fx_init(&f, EVENTS, "device,ts");
    fx_add(&f, eq(0, "'d'"));
    fx_add(&f, in_list(1, "1", "2", "3", "4", "5", NULL));
    fx_choose(&f);
    assert_int_equal(f.out.spec.kind, ACC_BATCH_GET);
    fx_free(&f);
}

/* ---- Query on the table ----------------------------------------------------- */

static void test_query_sort_key_conditions(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, EVENTS, "device,ts,temp");
    fx_add(&f, eq(0, "'d'"));
    fx_choose(&f);
    assert_int_equal(f.out.spec.kind, ACC_QUERY);
    assert_null(f.out.spec.index);
    assert_const(f.out.spec.pk_value, "'d'");
    assert_int_equal(f.out.spec.skc, SKC_NONE);
    assert_null(f.out.spec.sk_lo);
    assert_true(f.out.spec.forward);
    assert_false(f.out.order_satisfied);
    assert_string_equal(f.out.reason, "Query on events (device = ...): ~100 items");
    fx_free(&f);

    struct {
        sql_op op;
        bool flipped;
        skc_kind want;
    } cases[] = {
        {SQL_OP_LT, false, SKC_LT}, {SQL_OP_LE, false, SKC_LE}, {SQL_OP_GT, false, SKC_GT},
        {SQL_OP_GE, false, SKC_GE}, {SQL_OP_LT, true, SKC_GT},  {SQL_OP_GE, true, SKC_LE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fx_init(&f, EVENTS, "device,ts");
        fx_add(&f, eq(0, "'d'"));
        fx_add(&f, cases[i].flipped ? t_bin(cases[i].op, t_const("7"), t_col(1))
                                    : cmp(cases[i].op, 1, "7"));
        fx_choose(&f);
        assert_int_equal(f.out.spec.kind, ACC_QUERY);
        assert_int_equal(f.out.spec.skc, cases[i].want);
        assert_const(f.out.spec.sk_lo, "7");
        assert_null(f.out.spec.sk_hi);
        assert_true(f.out.est_items == 25.0);
        fx_free(&f);
    }

    fx_init(&f, EVENTS, "device,ts");
    fx_add(&f, eq(0, "'d'"));
    fx_add(&f, between(1, "10", "20", false));
    fx_choose(&f);
    assert_int_equal(f.out.spec.skc, SKC_BETWEEN);
    assert_const(f.out.spec.sk_lo, "10");
    assert_const(f.out.spec.sk_hi, "20");
    assert_true(f.out.est_items == 12.5);
    assert_string_equal(f.out.reason,
                        "Query on events (device = ..., ts BETWEEN ... AND ...): ~12 items");
    fx_free(&f);

    /* NOT BETWEEN is no key condition. */
    fx_init(&f, EVENTS, "device,ts");
    fx_add(&f, eq(0, "'d'"));
    fx_add(&f, between(1, "10", "20", true));
    fx_choose(&f);
    assert_int_equal(f.out.spec.kind, ACC_QUERY);
    assert_int_equal(f.out.spec.skc, SKC_NONE);
    fx_free(&f);

    /* Two bounds make one BETWEEN. */
    fx_init(&f, EVENTS, "device,ts");
    fx_add(&f, eq(0, "'d'"));
    fx_add(&f, cmp(SQL_OP_LT, 1, "20"));
    fx_add(&f, cmp(SQL_OP_GE, 1, "10"));
    fx_choose(&f);
    assert_int_equal(f.out.spec.skc, SKC_BETWEEN);
    assert_const(f.out.spec.sk_lo, "10");
    assert_const(f.out.spec.sk_hi, "20");
    fx_free(&f);

    /* Equality beats a range on the same key (here: a GetItem); IN with
       one value is an equality. */
    fx_init(&f, EVENTS, "device,ts");
    fx_add(&f, eq(0, "'d'"));
    fx_add(&f, cmp(SQL_OP_GT, 1, "3"));
    fx_add(&f, in_list(1, "5", NULL));
    fx_choose(&f);
    assert_int_equal(f.out.spec.kind, ACC_GET);
    assert_const(f.out.spec.sk_value, "5");
    fx_free(&f);

    /* On an index, = on the sort key is the Query's condition. */
    fx_init(&f, ORDERS_LSI, "customer_id,order_id,created_at");
    fx_add(&f, eq(0, "'c'"));
    fx_add(&f, cmp(SQL_OP_GT, 2, "'a'"));
    fx_add(&f, eq(2, "'b'"));
    fx_choose(&f);
    assert_string_equal(f.out.spec.index, "by_date");
    assert_int_equal(f.out.spec.skc, SKC_EQ);
    assert_const(f.out.spec.sk_lo, "'b'");
    assert_true(f.out.est_items == 10.0);
    fx_free(&f);
}

static void test_query_like_prefix(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, ORDERS_LSI, "customer_id,order_id");
    fx_add(&f, eq(0, "'c'"));
    fx_add(&f, like(1, "'2024-%'", NULL));
    fx_choose(&f);
    assert_int_equal(f.out.spec.kind, ACC_QUERY);
    assert_null(f.out.spec.index);
    assert_int_equal(f.out.spec.skc, SKC_BEGINS_WITH);
    assert_const(f.out.spec.sk_lo, "'2024-'");
    assert_contains(f.out.reason, "begins_with(order_id, ...)");
    fx_free(&f);

    /* ESCAPE makes the % literal. */
    fx_init(&f, ORDERS_LSI, "customer_id,order_id");
    fx_add(&f, eq(0, "'c'"));
    fx_add(&f, like(1, "'a!%b%'", "'!'"));
    fx_choose(&f);
    assert_int_equal(f.out.spec.skc, SKC_BEGINS_WITH);
    assert_const(f.out.spec.sk_lo, "'a%b'");
    fx_free(&f);

    /* A '_' or an inner % is no prefix; NOT LIKE is none either. */
    const char *bad[] = {"'a_b%'", "'a%b'", "'abc'", "'%'"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fx_init(&f, ORDERS_LSI, "customer_id,order_id");
        fx_add(&f, eq(0, "'c'"));
        fx_add(&f, like(1, bad[i], NULL));
        fx_choose(&f);
        assert_int_equal(f.out.spec.kind, ACC_QUERY);
        assert_int_equal(f.out.spec.skc, SKC_NONE);
        fx_free(&f);
    }
    fx_init(&f, ORDERS_LSI, "customer_id,order_id");
    fx_add(&f, eq(0, "'c'"));
    bexpr *nl = like(1, "'a%'", NULL);
    nl->negated = true;
    fx_add(&f, nl);
    fx_choose(&f);
    assert_int_equal(f.out.spec.skc, SKC_NONE);
    fx_free(&f);

    /* begins_with needs a string sort key. */
    fx_init(&f, EVENTS, "device,ts");
    fx_add(&f, eq(0, "'d'"));
    fx_add(&f, like(1, "'1%'", NULL));
    fx_choose(&f);
    assert_int_equal(f.out.spec.kind, ACC_QUERY);
    assert_int_equal(f.out.spec.skc, SKC_NONE);
    fx_free(&f);
}

static void test_query_order_and_limit(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, EVENTS, "device,ts,temp");
    fx_add(&f, eq(0, "'d'"));
    f.in.order_slot = 1;
    f.in.order_desc = true;
    f.in.limit_hint = 5;
    fx_choose(&f);
    assert_int_equal(f.out.spec.kind, ACC_QUERY);
    assert_true(f.out.order_satisfied);
    assert_false(f.out.spec.forward);
    assert_int_equal(f.out.spec.limit_hint, 5);
    assert_true(f.out.est_items == 5.0); /* stops after the first five */
    assert_string_equal(f.out.reason, "Query on events (device = ...), backward: ~5 items");
    fx_free(&f);

    /* Ascending. */
    fx_init(&f, EVENTS, "device,ts");
    fx_add(&f, eq(0, "'d'"));
    f.in.order_slot = 1;
    fx_choose(&f);
    assert_true(f.out.order_satisfied);
    assert_true(f.out.spec.forward);
    assert_true(f.out.est_items == 100.0); /* no limit: the whole partition */
    fx_free(&f);

    /* ORDER BY another column: not satisfied, and LIMIT does not shorten
       the read (everything is sorted first). */
    fx_init(&f, EVENTS, "device,ts,temp");
    fx_add(&f, eq(0, "'d'"));
    f.in.order_slot = 2;
    f.in.limit_hint = 5;
    fx_choose(&f);
    assert_false(f.out.order_satisfied);
    assert_true(f.out.spec.forward);
    assert_true(f.out.est_items == 100.0);
    fx_free(&f);

    /* A residual condition the key does not express makes the limited
       read longer: 5 * 4. */
    fx_init(&f, EVENTS, "device,ts,temp");
    fx_add(&f, eq(0, "'d'"));
    fx_add(&f, cmp(SQL_OP_GT, 2, "30"));
    f.in.limit_hint = 5;
    fx_choose(&f);
    assert_true(f.out.est_items == 20.0);
    fx_free(&f);
}

/* ---- Scan ------------------------------------------------------------------- */

static void test_scan_segments(void **state)
{
    (void)state;
    struct {
        int64_t items;
        int max;
        int64_t limit;
        int want;
    } cases[] = {
        {1488, 4, -1, 1},  {9999, 4, -1, 1},    {10000, 4, -1, 1},   {10001, 4, -1, 2},
        {25000, 4, -1, 3}, {1000000, 4, -1, 4}, {1000000, 0, -1, 1}, {1000000, 16, -1, 16},
        {50000, 8, 10, 1}, /* LIMIT 10 without ORDER BY reads a page, sequentially */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char desc[512];
        snprintf(desc, sizeof desc,
                 "{'table_name':'big','item_count':%lld,"
                 "'key_schema':{'partition_key':{'name':'id','type':'N'}}}",
                 (long long)cases[i].items);
        fx f;
        fx_init(&f, desc, "id,v");
        f.in.max_segments = cases[i].max;
        f.in.limit_hint = cases[i].limit;
        fx_add(&f, cmp(SQL_OP_GT, 1, "3"));
        fx_choose(&f);
        assert_int_equal(f.out.spec.kind, ACC_SCAN);
        if (f.out.spec.segments != cases[i].want)
            fail_msg("case %zu: %d segments, want %d", i, f.out.spec.segments, cases[i].want);
        assert_int_equal(f.out.spec.table_pk_type, 'N');
        assert_false(f.out.order_satisfied);
        fx_free(&f);
    }

    fx f;
    fx_init(&f, USERS, "id,name");
    fx_choose(&f);
    assert_int_equal(f.out.spec.kind, ACC_SCAN);
    assert_null(f.out.spec.index);
    assert_string_equal(f.out.spec.key_pk, "id");
    assert_true(f.out.est_items == 1488.0);
    assert_string_equal(f.out.reason, "Scan: no usable condition on a key of users; ~1488 items");
    fx_free(&f);

    fx_init(&f,
            "{'table_name':'big','item_count':45000,"
            "'key_schema':{'partition_key':{'name':'id','type':'S'}}}",
            "id");
    fx_choose(&f);
    assert_string_equal(f.out.reason,
                        "Scan in 4 segments: no usable condition on a key of big; ~45000 items");
    fx_free(&f);
}

/* ---- secondary indexes ------------------------------------------------------- */

static void test_gsi_not_sparse(void **state)
{
    (void)state;
    char *d = gsi_desc(BY_CUSTOMER(",'sparse':false"), NULL);
    fx f;
    fx_init(&f, d, "order_id,customer_id,created_at,total");
    fx_add(&f, eq(1, "'c9'"));
    fx_choose(&f);
    const ddb_read_spec *s = &f.out.spec;
    assert_int_equal(s->kind, ACC_QUERY);
    assert_string_equal(s->index, "by_customer");
    assert_string_equal(s->key_pk, "customer_id");
    assert_string_equal(s->key_sk, "created_at");
    assert_int_equal(s->key_sk_type, 'S');
    assert_string_equal(s->table_pk, "order_id");
    assert_null(s->table_sk);
    assert_const(s->pk_value, "'c9'");
    assert_false(s->fetch_by_key);
    assert_true(f.out.est_items == 1000.0);
    assert_string_equal(f.out.reason,
                        "Query on index by_customer (customer_id = ...): ~1000 items; "
                        "assumes every item has created_at (sampled)");
    fx_free(&f);
    free(d);
}

/* Items lacking the sort key of a GSI are not in it: without a condition
 * on that key, or sampling that found it everywhere, the index is not used. */
static void test_gsi_sparse_never_drops_rows(void **state)
{
    (void)state;
    const char *flags[] = {",'sparse':true", ""};
    for (int i = 0; i < 2; i++) {
        char ix[1024];
        snprintf(ix, sizeof ix, BY_CUSTOMER("%s"), flags[i]);
        char *d = gsi_desc(ix, NULL);
        fx f;
        fx_init(&f, d, "order_id,customer_id,created_at");
        fx_add(&f, eq(1, "'c9'"));
        fx_choose(&f);
        assert_int_equal(f.out.spec.kind, ACC_SCAN);
        assert_null(f.out.spec.index);
        assert_prefix(f.out.reason, "Scan in 4 segments: index by_customer not used (items "
                                    "without created_at would be missed)");
        fx_free(&f);

        /* Any condition on the sort key proves it present. */
        for (int k = 0; k < 6; k++) {
            fx_init(&f, d, "order_id,customer_id,created_at");
            fx_add(&f, eq(1, "'c9'"));
            skc_kind want = SKC_NONE;
            switch (k) {
            case 0:
                fx_add(&f, not_null(2));
                break;
            case 1:
                fx_add(&f, cmp(SQL_OP_GT, 2, "'2024'"));
                want = SKC_GT;
                break;
            case 2:
                fx_add(&f, cmp(SQL_OP_NE, 2, "'x'"));
                break;
            case 3:
                fx_add(&f, in_list(2, "'a'", "'b'", NULL));
                break;
            case 4:
                fx_add(&f, like(2, "'20%'", NULL));
                want = SKC_BEGINS_WITH;
                break;
            case 5:
                fx_add(&f, t_bin(SQL_OP_LT, t_col(2), t_col(0))); /* column vs column */
                break;
            }
            fx_choose(&f);
            assert_int_equal(f.out.spec.kind, ACC_QUERY);
            assert_string_equal(f.out.spec.index, "by_customer");
            assert_int_equal(f.out.spec.skc, want);
            assert_null(strstr(f.out.reason, "assumes"));
            fx_free(&f);
        }

        /* IS NULL proves nothing, nor does a condition inside an OR. */
        fx_init(&f, d, "order_id,customer_id,created_at");
        fx_add(&f, eq(1, "'c9'"));
        bexpr *isn = not_null(2);
        isn->negated = false;
        fx_add(&f, isn);
        fx_add(&f, t_bin(SQL_OP_OR, cmp(SQL_OP_GT, 2, "'a'"), eq(0, "'o'")));
        fx_choose(&f);
        assert_int_equal(f.out.spec.kind, ACC_SCAN);
        fx_free(&f);
        free(d);
    }
}

static void test_gsi_sparse_on_hash_key_only(void **state)
{
    (void)state;
    /* Sparse because some items lack customer_id, while every sampled item
       has created_at: the equality on customer_id rejects the former. */
    const char *cols =
        ",'columns':[{'name':'order_id','present_count':200},"
        "{'name':'customer_id','present_count':150},{'name':'created_at','present_count':200}],"
        "'sample':{'items_sampled':200}";
    char *d = gsi_desc(BY_CUSTOMER(",'sparse':true"), cols);
    fx f;
    fx_init(&f, d, "order_id,customer_id");
    fx_add(&f, eq(1, "'c9'"));
    fx_choose(&f);
    assert_int_equal(f.out.spec.kind, ACC_QUERY);
    assert_string_equal(f.out.spec.index, "by_customer");
    assert_contains(f.out.reason, "assumes every item has created_at");
    fx_free(&f);
    free(d);

    /* If the sort key is missing from some sampled items: no. */
    const char *cols2 =
        ",'columns':[{'name':'order_id','present_count':200},"
        "{'name':'customer_id','present_count':200},{'name':'created_at','present_count':199}],"
        "'sample':{'items_sampled':200}";
    d = gsi_desc(BY_CUSTOMER(",'sparse':true"), cols2);
    fx_init(&f, d, "order_id,customer_id");
    fx_add(&f, eq(1, "'c9'"));
    fx_choose(&f);
    assert_int_equal(f.out.spec.kind, ACC_SCAN);
    fx_free(&f);
    free(d);
}

static void test_gsi_sort_key_is_table_key(void **state)
{
    (void)state;
    /* The sort key is the table's partition key: every item has it. */
    char *d = gsi_desc(",{'name':'by_customer','type':'GSI','hashKey':'customer_id',"
                       "'hashKeyType':'S','sortKey':'order_id','sortKeyType':'S',"
                       "'projection':{'type':'ALL'}}",
                       NULL);
    fx f;
    fx_init(&f, d, "order_id,customer_id");
    fx_add(&f, eq(1, "'c'"));
    fx_choose(&f);
    assert_int_equal(f.out.spec.kind, ACC_QUERY);
    assert_string_equal(f.out.spec.index, "by_customer");
    assert_null(strstr(f.out.reason, "assumes"));
    fx_free(&f);
    free(d);
}

static void test_gsi_hash_only_always_complete(void **state)
{
    (void)state;
    /* A GSI without a sort key: the equality on its hash key is enough,
       whatever the sparse flag. */
    char *d = gsi_desc(",{'name':'by_status','type':'GSI','hashKey':'status','hashKeyType':'S',"
                       "'projection':{'type':'KEYS_ONLY'},'item_count':400,'sparse':true}",
                       NULL);
    fx f;
    fx_init(&f, d, "order_id,status");
    fx_add(&f, eq(1, "'open'"));
    fx_choose(&f);
    assert_int_equal(f.out.spec.kind, ACC_QUERY);
    assert_string_equal(f.out.spec.index, "by_status");
    assert_null(f.out.spec.key_sk);
    assert_false(f.out.spec.fetch_by_key); /* table and index keys are projected */
    assert_true(f.out.est_items == 20.0);  /* sqrt(400): the index's own count */
    assert_string_equal(f.out.reason, "Query on index by_status (status = ...): ~20 items");
    fx_free(&f);

    /* Another attribute is not projected: fetch by key, at twice the cost. */
    fx_init(&f, d, "order_id,status,total");
    fx_add(&f, eq(1, "'open'"));
    fx_choose(&f);
    assert_int_equal(f.out.spec.kind, ACC_QUERY);
    assert_true(f.out.spec.fetch_by_key);
    assert_true(f.out.est_items == 40.0);
    assert_string_equal(
        f.out.reason, "Query on index by_status (status = ...), fetching items by key: ~40 items");
    fx_free(&f);

    /* The whole item: only ALL covers it. */
    fx_init(&f, d, "*,status");
    fx_add(&f, eq(1, "'open'"));
    fx_choose(&f);
    assert_true(f.out.spec.fetch_by_key);
    assert_int_equal(f.out.spec.slot_paths[0].n, 0);
    fx_free(&f);
    free(d);
}

static void test_gsi_include_projection(void **state)
{
    (void)state;
    char *d = gsi_desc(",{'name':'by_email','type':'GSI','hashKey':'email','hashKeyType':'S',"
                       "'sortKey':'ts','sortKeyType':'N','projection':{'type':'INCLUDE',"
                       "'attributes':['total','note']},'sparse':false}",
                       NULL);
    fx f;
    fx_init(&f, d, "order_id,email,ts,total,note,total.cents");
    fx_add(&f, eq(1, "'a@b'"));
    fx_choose(&f);
    assert_int_equal(f.out.spec.kind, ACC_QUERY);
    assert_string_equal(f.out.spec.index, "by_email");
    assert_false(f.out.spec.fetch_by_key);
    assert_true(f.out.est_items == 1000.0); /* no item_count: the table's */
    fx_free(&f);

    fx_init(&f, d, "order_id,email,other");
    fx_add(&f, eq(1, "'a@b'"));
    fx_choose(&f);
    assert_true(f.out.spec.fetch_by_key);
    fx_free(&f);
    free(d);
}

static void test_index_status_and_choice(void **state)
{
    (void)state;
    /* An index still being built is not used. */
    char *d = gsi_desc(",{'name':'by_status','type':'GSI','hashKey':'status','hashKeyType':'S',"
                       "'projection':{'type':'ALL'},'status':'CREATING'}",
                       NULL);
    fx f;
    fx_init(&f, d, "order_id,status");
    fx_add(&f, eq(1, "'open'"));
    fx_choose(&f);
    assert_int_equal(f.out.spec.kind, ACC_SCAN);
    fx_free(&f);
    free(d);

    /* UPDATING (a throughput change) is usable. */
    d = gsi_desc(",{'name':'by_status','type':'GSI','hashKey':'status','hashKeyType':'S',"
                 "'projection':{'type':'ALL'},'status':'UPDATING'}",
                 NULL);
    fx_init(&f, d, "order_id,status");
    fx_add(&f, eq(1, "'open'"));
    fx_choose(&f);
    assert_int_equal(f.out.spec.kind, ACC_QUERY);
    assert_string_equal(f.out.spec.index, "by_status");
    fx_free(&f);
    free(d);

    /* Two usable indexes: the one estimated to read fewer items. */
    d = gsi_desc(",{'name':'by_status','type':'GSI','hashKey':'status','hashKeyType':'S',"
                 "'projection':{'type':'ALL'},'item_count':1000000}"
                 ",{'name':'by_region','type':'GSI','hashKey':'region','hashKeyType':'S',"
                 "'projection':{'type':'ALL'},'item_count':10000}",
                 NULL);
    fx_init(&f, d, "order_id,status,region");
    fx_add(&f, eq(1, "'open'"));
    fx_add(&f, eq(2, "'eu'"));
    fx_choose(&f);
    assert_string_equal(f.out.spec.index, "by_region");
    assert_true(f.out.est_items == 100.0);
    fx_free(&f);

    /* The primary key still wins over both. */
    fx_init(&f, d, "order_id,status,region");
    fx_add(&f, eq(1, "'open'"));
    fx_add(&f, eq(0, "'o1'"));
    fx_choose(&f);
    assert_int_equal(f.out.spec.kind, ACC_GET);
    fx_free(&f);
    free(d);
}

static void test_order_preference(void **state)
{
    (void)state;
    /* by_customer (sort key created_at, ~1000 items a customer) against
       by_day (~500 items a day). ORDER BY created_at: by_customer gives
       the order at most twice the cost, so it wins. */
    char *d = gsi_desc(BY_CUSTOMER(",'sparse':false") ",{'name':'by_day','type':'GSI',"
                                                      "'hashKey':'day','hashKeyType':'S',"
                                                      "'projection':{'type':'ALL'},"
                                                      "'item_count':250000}",
                       NULL);
    fx f;
    fx_init(&f, d, "order_id,customer_id,created_at,day");
    fx_add(&f, eq(1, "'c'"));
    fx_add(&f, eq(3, "'mon'"));
    fx_choose(&f);
    assert_string_equal(f.out.spec.index, "by_day"); /* no ORDER BY: the cheaper */
    assert_false(f.out.order_satisfied);
    fx_free(&f);

    fx_init(&f, d, "order_id,customer_id,created_at,day");
    fx_add(&f, eq(1, "'c'"));
    fx_add(&f, eq(3, "'mon'"));
    f.in.order_slot = 2;
    fx_choose(&f);
    assert_string_equal(f.out.spec.index, "by_customer");
    assert_true(f.out.order_satisfied);
    assert_true(f.out.spec.forward);
    assert_contains(f.out.reason, ", in order:");
    fx_free(&f);
    free(d);

    /* ...but not when it is far worse (~1000 against ~10). */
    d = gsi_desc(BY_CUSTOMER(",'sparse':false") ",{'name':'by_day','type':'GSI',"
                                                "'hashKey':'day','hashKeyType':'S',"
                                                "'projection':{'type':'ALL'},"
                                                "'item_count':100}",
                 NULL);
    fx_init(&f, d, "order_id,customer_id,created_at,day");
    fx_add(&f, eq(1, "'c'"));
    fx_add(&f, eq(3, "'mon'"));
    f.in.order_slot = 2;
    f.in.order_desc = true;
    fx_choose(&f);
    assert_string_equal(f.out.spec.index, "by_day");
    assert_false(f.out.order_satisfied);
    assert_true(f.out.spec.forward);
    fx_free(&f);

    /* With LIMIT the ordered read stops early, so it wins again. */
    fx_init(&f, d, "order_id,customer_id,created_at,day");
    fx_add(&f, eq(1, "'c'"));
    fx_add(&f, eq(3, "'mon'"));
    f.in.order_slot = 2;
    f.in.order_desc = true;
    f.in.limit_hint = 1;
    fx_choose(&f);
    assert_string_equal(f.out.spec.index, "by_customer");
    assert_true(f.out.order_satisfied);
    assert_false(f.out.spec.forward);
    fx_free(&f);
    free(d);
}

static void test_lsi(void **state)
{
    (void)state;
    fx f;
    /* A range on the LSI's sort key: the LSI (KEYS_ONLY covers these). */
    fx_init(&f, ORDERS_LSI, "customer_id,order_id,created_at");
    fx_add(&f, eq(0, "'c'"));
    fx_add(&f, cmp(SQL_OP_GE, 2, "'2024-01'"));
    fx_choose(&f);
    const ddb_read_spec *s = &f.out.spec;
    assert_int_equal(s->kind, ACC_QUERY);
    assert_string_equal(s->index, "by_date");
    assert_string_equal(s->key_pk, "customer_id");
    assert_string_equal(s->key_sk, "created_at");
    assert_string_equal(s->table_sk, "order_id");
    assert_int_equal(s->skc, SKC_GE);
    assert_const(s->sk_lo, "'2024-01'");
    assert_false(s->fetch_by_key);
    assert_true(f.out.est_items == 250.0); /* 1e6 / sqrt(1e6) / 4 */
    fx_free(&f);

    /* Needing another attribute: fetch by key (500), still under the
       table's partition (1000). */
    fx_init(&f, ORDERS_LSI, "customer_id,order_id,created_at,total");
    fx_add(&f, eq(0, "'c'"));
    fx_add(&f, cmp(SQL_OP_GE, 2, "'2024-01'"));
    fx_choose(&f);
    assert_string_equal(f.out.spec.index, "by_date");
    assert_true(f.out.spec.fetch_by_key);
    assert_true(f.out.est_items == 500.0);
    fx_free(&f);

    /* ORDER BY created_at on the partition: the LSI gives the order. */
    fx_init(&f, ORDERS_LSI, "customer_id,order_id,created_at");
    fx_add(&f, eq(0, "'c'"));
    f.in.order_slot = 2;
    fx_choose(&f);
    assert_string_equal(f.out.spec.index, "by_date");
    assert_true(f.out.order_satisfied);
    fx_free(&f);

    /* ORDER BY order_id: the table. */
    fx_init(&f, ORDERS_LSI, "customer_id,order_id,created_at");
    fx_add(&f, eq(0, "'c'"));
    f.in.order_slot = 1;
    f.in.order_desc = true;
    fx_choose(&f);
    assert_null(f.out.spec.index);
    assert_true(f.out.order_satisfied);
    assert_false(f.out.spec.forward);
    fx_free(&f);
}

static void test_lsi_sparse_falls_back_to_table(void **state)
{
    (void)state;
    char *d = xstrdup(ORDERS_LSI);
    char *p = strstr(d, "'sparse':false");
    memcpy(p, "'sparse':true ", strlen("'sparse':true "));
    fx f;
    /* Without a condition on created_at the LSI could miss items: the
       table's partition is read instead, and sorted by the caller. */
    fx_init(&f, d, "customer_id,order_id,created_at");
    fx_add(&f, eq(0, "'c'"));
    f.in.order_slot = 2;
    fx_choose(&f);
    assert_int_equal(f.out.spec.kind, ACC_QUERY);
    assert_null(f.out.spec.index);
    assert_false(f.out.order_satisfied);
    fx_free(&f);
    free(d);
}

/* ---- filters ------------------------------------------------------------------ */

static void test_filters(void **state)
{
    (void)state;
    fx f;
    /* Scan: every pushable conjunct, keys included. */
    fx_init(&f, USERS, "id,age,name");
    fx_add(&f, cmp(SQL_OP_GT, 1, "30"));
    fx_add(&f, cmp(SQL_OP_NE, 0, "'x'"));
    fx_choose(&f);
    assert_int_equal(f.out.spec.kind, ACC_SCAN);
    assert_int_equal(f.out.spec.nfilters, 2);
    assert_ptr_not_equal(f.out.spec.filters[0], f.conj[0]);
    assert_int_equal(f.out.spec.filters[0]->op, SQL_OP_GT);
    assert_int_equal(f.out.spec.filters[1]->op, SQL_OP_NE);
    fx_free(&f);

    /* Only what DynamoDB can evaluate (ddb_filter_pushable). */
    fx_init(&f, USERS, "id,age,name");
    fx_add(&f, t_bin(SQL_OP_GT, t_bin(SQL_OP_ADD, t_col(1), t_const("1")), t_const("30")));
    fx_add(&f, like(2, "'a%'", NULL));
    fx_add(&f, between(1, "1", "2", true));
    fx_add(&f, t_bin(SQL_OP_EQ, t_col(1), t_col(2)));
    fx_add(&f, in_list(2, "'x'", "'y'", NULL));
    fx_choose(&f);
    assert_int_equal(f.out.spec.kind, ACC_SCAN);
    assert_int_equal(f.out.spec.nfilters, 2);
    assert_int_equal(f.out.spec.filters[0]->kind, BX_LIKE);
    assert_int_equal(f.out.spec.filters[1]->kind, BX_IN_LIST);
    fx_free(&f);

    /* GetItem: none (it has no FilterExpression). */
    fx_init(&f, USERS, "id,age");
    fx_add(&f, eq(0, "'u'"));
    fx_add(&f, cmp(SQL_OP_GT, 1, "30"));
    fx_choose(&f);
    assert_int_equal(f.out.spec.kind, ACC_GET);
    assert_int_equal(f.out.spec.nfilters, 0);
    fx_free(&f);

    /* Query: not the key condition, nor anything else on the queried keys
       (DynamoDB rejects key attributes in a Query filter). */
    fx_init(&f, EVENTS, "device,ts,temp");
    fx_add(&f, eq(0, "'d'"));
    fx_add(&f, cmp(SQL_OP_GT, 1, "5"));
    fx_add(&f, cmp(SQL_OP_LT, 1, "9"));
    fx_add(&f, cmp(SQL_OP_GT, 2, "20"));
    fx_choose(&f);
    assert_int_equal(f.out.spec.kind, ACC_QUERY);
    assert_int_equal(f.out.spec.skc, SKC_BETWEEN);
    assert_int_equal(f.out.spec.nfilters, 1);
    assert_int_equal(f.out.spec.filters[0]->args[0]->slot, 2);
    fx_free(&f);

    /* An index Query may filter on the table's key. */
    char *d = gsi_desc(BY_CUSTOMER(",'sparse':false"), NULL);
    fx_init(&f, d, "order_id,customer_id,created_at");
    fx_add(&f, eq(1, "'c'"));
    fx_add(&f, cmp(SQL_OP_GT, 0, "'o5'"));
    fx_choose(&f);
    assert_string_equal(f.out.spec.index, "by_customer");
    assert_int_equal(f.out.spec.nfilters, 1);
    assert_int_equal(f.out.spec.filters[0]->args[0]->slot, 0);
    fx_free(&f);
    free(d);

    /* With fetch_by_key a filter runs on the index item: only attributes
       the index projects. */
    d = gsi_desc(",{'name':'by_status','type':'GSI','hashKey':'status','hashKeyType':'S',"
                 "'projection':{'type':'INCLUDE','attributes':['total']}}",
                 NULL);
    fx_init(&f, d, "order_id,status,total,note");
    fx_add(&f, eq(1, "'open'"));
    fx_add(&f, cmp(SQL_OP_GT, 2, "10"));
    fx_add(&f, cmp(SQL_OP_GT, 3, "'n'"));
    fx_choose(&f);
    assert_string_equal(f.out.spec.index, "by_status");
    assert_true(f.out.spec.fetch_by_key);
    assert_int_equal(f.out.spec.nfilters, 1);
    assert_int_equal(f.out.spec.filters[0]->args[0]->slot, 2);
    fx_free(&f);
    free(d);
}

/* ---- errors -------------------------------------------------------------------- */

static void expect_error(const char *desc, const char *want)
{
    fx f;
    fx_init(&f, desc, "id");
    fx_add(&f, eq(0, "'x'"));
    assert_false(access_choose(&f.in, &f.out, f.err, sizeof f.err));
    assert_contains(f.err, want);
    fx_free(&f);
}

static void test_malformed_descriptions(void **state)
{
    (void)state;
    expect_error("[]", "not a JSON object");
    expect_error("{'item_count':1,'key_schema':{'partition_key':{'name':'id','type':'S'}}}",
                 "no table_name");
    expect_error("{'table_name':'t'}", "key_schema.partition_key");
    expect_error("{'table_name':'t','key_schema':{'partition_key':{'name':'id','type':'X'}}}",
                 "key_schema.partition_key needs a name and an S/N/B type");
    expect_error("{'table_name':'t','key_schema':{'partition_key':{'name':'id','type':'S'},"
                 "'sort_key':{'name':'s'}}}",
                 "key_schema.sort_key");
    expect_error("{'table_name':'t','key_schema':{'partition_key':{'name':'id','type':'S'}},"
                 "'indexes':{}}",
                 "indexes is not an array");
    expect_error("{'table_name':'t','key_schema':{'partition_key':{'name':'id','type':'S'}},"
                 "'indexes':[{'name':'g','type':'GSI','hashKeyType':'S',"
                 "'projection':{'type':'ALL'}}]}",
                 "index g lacks hashKey");
    expect_error("{'table_name':'t','key_schema':{'partition_key':{'name':'id','type':'S'}},"
                 "'indexes':[{'name':'g','type':'GSI','hashKey':'a','hashKeyType':'S',"
                 "'projection':{'type':'SOME'}}]}",
                 "index g has no projection type");
    expect_error("{'table_name':'t','key_schema':{'partition_key':{'name':'id','type':'S'}},"
                 "'indexes':[{'name':'g','type':'XSI','hashKey':'a','hashKeyType':'S'}]}",
                 "index g has type 'XSI'");
    expect_error("{'table_name':'t','key_schema':{'partition_key':{'name':'id','type':'S'}},"
                 "'indexes':[{'type':'GSI'}]}",
                 "indexes[0] has no name");

    fx f;
    fx_init(&f, NULL, "id");
    assert_false(access_choose(&f.in, &f.out, f.err, sizeof f.err));
    assert_contains(f.err, "not a JSON object");
    fx_free(&f);

    /* Bad input from the planner. */
    fx_init(&f, USERS, "id");
    f.conj[0] = NULL;
    f.in.nconj = 1;
    assert_false(access_choose(&f.in, &f.out, f.err, sizeof f.err));
    assert_string_equal(f.err, "access path: conjunct 0 is NULL");
    f.in.nconj = 0;
    f.in.nslots = 2;
    f.in.slot_paths = NULL;
    assert_false(access_choose(&f.in, &f.out, f.err, sizeof f.err));
    assert_contains(f.err, "slot paths missing");
    assert_false(access_choose(NULL, &f.out, f.err, sizeof f.err));
    fx_free(&f);
}

/* ItemCount lags by hours (0 for a table loaded since): the sample's count
 * stands in, and an index holds the share of sampled items with its keys. */
static void test_counts_from_sample(void **state)
{
    (void)state;
    static const char *FRESH =
        "{'table_name':'orders','item_count':0,"
        "'key_schema':{'partition_key':{'name':'customer_id','type':'S'},"
        "'sort_key':{'name':'order_id','type':'S'}},"
        "'indexes':[{'name':'PRIMARY','type':'PRIMARY','hashKey':'customer_id','hashKeyType':'S',"
        "'sortKey':'order_id','sortKeyType':'S','projection':{'type':'ALL'}},"
        "{'name':'by_date','type':'LSI','hashKey':'customer_id','hashKeyType':'S',"
        "'sortKey':'order_date','sortKeyType':'S','projection':{'type':'ALL'},'item_count':0,"
        "'sparse':false},"
        "{'name':'by_coupon','type':'GSI','hashKey':'coupon','hashKeyType':'S',"
        "'projection':{'type':'ALL'},'item_count':0,'sparse':true,'status':'ACTIVE'}],"
        "'columns':[{'name':'customer_id','present_count':1600},{'name':'order_id',"
        "'present_count':1600},{'name':'order_date','present_count':1600},{'name':'coupon',"
        "'present_count':400}],'sample':{'items_sampled':1600,'whole_table':true}}";
    fx f;
    /* The table: 1600 items, 40 per partition key (sqrt); a Scan reads them all. */
    fx_init(&f, FRESH, "customer_id,order_id");
    fx_choose(&f);
    assert_int_equal(f.out.spec.kind, ACC_SCAN);
    assert_true(f.out.est_items == 1600.0);
    fx_free(&f);
    /* A range on order_date: the LSI (40 / 4 = 10 items) beats the table's 40. */
    fx_init(&f, FRESH, "customer_id,order_date");
    fx_add(&f, eq(0, "'c1'"));
    fx_add(&f, cmp(SQL_OP_GE, 1, "'2025'"));
    fx_choose(&f);
    assert_int_equal(f.out.spec.kind, ACC_QUERY);
    assert_string_equal(f.out.spec.index, "by_date");
    assert_true(f.out.est_items == 10.0);
    fx_free(&f);
    /* The GSI holds the 400 sampled items with a coupon: sqrt(400) = 20. */
    fx_init(&f, FRESH, "coupon,order_id");
    fx_add(&f, eq(0, "'WELCOME'"));
    fx_choose(&f);
    assert_string_equal(f.out.spec.index, "by_coupon");
    assert_true(f.out.est_items == 20.0);
    fx_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_hash_key),
        cmocka_unit_test(test_get_flipped_and_composite),
        cmocka_unit_test(test_get_outer_and_subquery_values),
        cmocka_unit_test(test_key_slot_must_be_the_attribute),
        cmocka_unit_test(test_batch_get_hash_in),
        cmocka_unit_test(test_batch_get_cross_product),
        cmocka_unit_test(test_batch_get_cap),
        cmocka_unit_test(test_batch_vs_query),
        cmocka_unit_test(test_query_sort_key_conditions),
        cmocka_unit_test(test_query_like_prefix),
        cmocka_unit_test(test_query_order_and_limit),
        cmocka_unit_test(test_scan_segments),
        cmocka_unit_test(test_gsi_not_sparse),
        cmocka_unit_test(test_gsi_sparse_never_drops_rows),
        cmocka_unit_test(test_gsi_sparse_on_hash_key_only),
        cmocka_unit_test(test_gsi_sort_key_is_table_key),
        cmocka_unit_test(test_gsi_hash_only_always_complete),
        cmocka_unit_test(test_gsi_include_projection),
        cmocka_unit_test(test_index_status_and_choice),
        cmocka_unit_test(test_order_preference),
        cmocka_unit_test(test_lsi),
        cmocka_unit_test(test_lsi_sparse_falls_back_to_table),
        cmocka_unit_test(test_filters),
        cmocka_unit_test(test_malformed_descriptions),
        cmocka_unit_test(test_counts_from_sample),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
