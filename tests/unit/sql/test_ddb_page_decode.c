/* The page decoder against the json-c path it replaces (json_parse_strict,
 * then ddb_item_get per slot): every value type, nested paths, whole items,
 * escapes, duplicates, malformed JSON and malformed AttributeValues,
 * BatchGetItem answers, and the summary. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"
#include "core/base/base64.h"
#include "core/base/buf.h"
#include "core/base/json_util.h"
#include "sql/ddb_page_decode.h"
#include "sql/ddb_value.h"
#include "tests/unit/support/test_rows_op.h"

/* ---- helpers ------------------------------------------------------------------ */

typedef struct paths {
    ddb_path p[64];
    int n;
} paths;

static void add_path(paths *ps, const char *text)
{
    char err[128];
    assert_true(ps->n < 64);
    if (!*text) {
        ps->p[ps->n++] = (ddb_path){NULL, 0}; /* the whole item */
        return;
    }
    assert_true(ddb_path_parse(text, strlen(text), &ps->p[ps->n], err, sizeof err));
    ps->n++;
}

static void paths_free(paths *ps)
{
    for (int i = 0; i < ps->n; i++)
        ddb_path_free(&ps->p[i]);
    ps->n = 0;
}

/* Every row of pg, taken (nitems * nslots values, the caller frees them);
 * *ok false, err set, when a row is refused (the rest are then NULL). */
static value_t *take_all(ddb_page *pg, bool *ok, char *err, size_t errlen)
{
    size_t n = pg->nitems * (size_t)pg->nslots;
    value_t *rows = xcalloc(n + 1, sizeof *rows);
    *ok = true;
    for (size_t i = 0; i < pg->nitems; i++) {
        int rc = ddb_page_take_row(pg, rows + i * (size_t)pg->nslots, err, errlen);
        assert_int_not_equal(rc, 0);
        if (rc < 0) {
            *ok = false;
            break;
        }
    }
    value_t none[1];
    if (*ok)
        assert_int_equal(ddb_page_take_row(pg, none, err, errlen), 0);
    return rows;
}

static void free_values(value_t *rows, size_t n)
{
    for (size_t i = 0; i < n; i++)
        value_free(&rows[i]);
    free(rows);
}

/* True when a and b are the same value, down to a number's text and a
 * document's JSON. */
static bool same_value(const value_t *a, const value_t *b)
{
    if (a->type != b->type)
        return false;
    switch (a->type) {
    case VAL_NUMBER: {
        char ba[DEC_STR_MAX], bb[DEC_STR_MAX];
        return value_equal(a, b) && strcmp(value_number_text(a, ba), value_number_text(b, bb)) == 0;
    }
    case VAL_LIST:
    case VAL_MAP:
    case VAL_SS:
    case VAL_NS:
    case VAL_BS:
        return json_object_equal(a->u.doc, b->u.doc) &&
               strcmp(json_compact(a->u.doc), json_compact(b->u.doc)) == 0;
    default:
        return value_equal(a, b);
    }
}

/* The json-c path's rows for a Query/Scan body: true and rows (nitems *
 * n values) when every slot converts, false at the first failure. */
static bool json_rows(const char *body, const paths *ps, value_t **rows, size_t *nitems,
                      json_object **doc_out)
{
    char err[256];
    json_object *doc = json_parse_strict(body, strlen(body), DDB_PAGE_MAX_DEPTH, err, sizeof err);
    assert_non_null(doc);
    json_object *items = jget_arr(doc, "Items");
    size_t n = items ? json_object_array_length(items) : 0;
    value_t *r = xcalloc(n * (size_t)ps->n + 1, sizeof *r);
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++) {
        json_object *item = json_object_array_get_idx(items, i);
        for (int s = 0; s < ps->n && ok; s++) {
            value_t *v = &r[i * (size_t)ps->n + (size_t)s];
            if (ps->p[s].n == 0)
                *v = value_doc(VAL_MAP, item);
            else
                ok = ddb_item_get(item, &ps->p[s], v, err, sizeof err);
        }
    }
    *rows = r;
    *nitems = n;
    *doc_out = doc;
    return ok;
}

static void free_rows(value_t *rows, size_t n)
{
    for (size_t i = 0; i < n; i++)
        value_free(&rows[i]);
    free(rows);
}

/* Decodes body with both paths and asserts they agree: the same rows, the
 * same summary (the answer without Items), or both refusing. Returns
 * whether they succeeded. */
static bool agree(const char *body, const paths *ps)
{
    ddb_shape *sh = ddb_shape_new(ps->p, ps->n);
    ddb_decode_opts o = {.op = DDB_SCAN};
    ddb_page pg;
    char err[512] = "";
    bool ok = ddb_page_decode(sh, &o, body, strlen(body), &pg, err, sizeof err);
    size_t nitems = pg.nitems;
    value_t *got = NULL;
    if (ok) {
        /* the items as text, before the rows are taken */
        json_object *doc = json_parse_strict(body, strlen(body), 80, err, sizeof err);
        json_object *items = jget_arr(doc, "Items");
        for (size_t i = 0; i < nitems; i++) {
            json_object *it = ddb_page_item(&pg, i);
            assert_true(json_object_equal(it, json_object_array_get_idx(items, i)));
            json_object_put(it);
        }
        assert_null(ddb_page_item(&pg, nitems));
        json_object_put(doc);
        got = take_all(&pg, &ok, err, sizeof err);
    }
    value_t *jr;
    size_t jn;
    json_object *doc;
    bool jok = json_rows(body, ps, &jr, &jn, &doc);
    if (ok != jok)
        fail_msg("decoder %s, json-c %s, for %s (%s)", ok ? "ok" : "failed", jok ? "ok" : "failed",
                 body, err);
    if (!ok)
        assert_true(err[0] != '\0');
    if (ok) {
        assert_int_equal(nitems, jn);
        for (size_t i = 0; i < jn * (size_t)ps->n; i++)
            if (!same_value(&got[i], &jr[i])) {
                char *a = test_value_text(&got[i]), *b = test_value_text(&jr[i]);
                fail_msg("item %zu slot %zu: decoder %s, json-c %s, in %s", i / (size_t)ps->n,
                         i % (size_t)ps->n, a, b, body);
            }
        json_object_object_del(doc, "Items");
        if (!json_object_equal(doc, pg.summary))
            fail_msg("summary %s, json-c %s", json_compact(pg.summary), json_compact(doc));
    }
    free_rows(jr, jn * (size_t)ps->n);
    if (got)
        free_values(got, nitems * (size_t)ps->n);
    json_object_put(doc);
    ddb_page_free(&pg);
    ddb_shape_free(sh);
    return ok;
}

/* Decodes body (a Scan answer) with the given slot paths; the rows as
 * text ("'a',1;'b',NULL") or "ERR: message". */
static char *decode_text(const char *body, const char *const *texts, int n)
{
    paths ps = {0};
    for (int i = 0; i < n; i++)
        add_path(&ps, texts[i]);
    ddb_shape *sh = ddb_shape_new(ps.p, ps.n);
    ddb_decode_opts o = {.op = DDB_SCAN};
    ddb_page pg;
    char err[512];
    buf_t b = BUF_INIT(1 << 20);
    if (!ddb_page_decode(sh, &o, body, strlen(body), &pg, err, sizeof err)) {
        buf_printf(&b, "ERR: %s", err);
    } else {
        value_t row[64];
        int rc;
        for (size_t i = 0; (rc = ddb_page_take_row(&pg, row, err, sizeof err)) > 0; i++) {
            for (int s = 0; s < ps.n; s++) {
                char *t = test_value_text(&row[s]);
                buf_printf(&b, "%s%s", s ? "," : (i ? ";" : ""), t);
                free(t);
            }
            row_free(row, ps.n);
        }
        if (rc < 0) {
            buf_reset(&b);
            buf_printf(&b, "ERR: %s", err);
        }
    }
    ddb_page_free(&pg);
    ddb_shape_free(sh);
    paths_free(&ps);
    return buf_steal(&b);
}

#define EXPECT_ROWS(body, want, ...)                                                               \
    do {                                                                                           \
        const char *const texts_[] = {__VA_ARGS__};                                                \
        char *got_ = decode_text(body, texts_, (int)(sizeof texts_ / sizeof texts_[0]));           \
        assert_string_equal(got_, want);                                                           \
        free(got_);                                                                                \
    } while (0)

#define EXPECT_ERR(body, substr, ...)                                                              \
    do {                                                                                           \
        const char *const texts_[] = {__VA_ARGS__};                                                \
        char *got_ = decode_text(body, texts_, (int)(sizeof texts_ / sizeof texts_[0]));           \
        if (!strstr(got_, substr))                                                                 \
            fail_msg("expected an error with \"%s\", got: %s", substr, got_);                      \
        free(got_);                                                                                \
    } while (0)

/* ---- fixed cases -------------------------------------------------------------- */

/* Every AttributeValue type into a top-level slot, missing attributes as
 * NULL, and the small parts into the summary. */
static void test_types_and_summary(void **state)
{
    (void)state;
    const char *body =
        "{\"Items\":[{\"s\":{\"S\":\"h\\u00e9\"},\"n\":{\"N\":\"-12.50\"},\"b\":{\"B\":\"AAEC\"},"
        "\"t\":{\"BOOL\":true},\"f\":{\"BOOL\":false},\"z\":{\"NULL\":true},"
        "\"m\":{\"M\":{\"k\":{\"N\":\"1\"}}},\"l\":{\"L\":[{\"S\":\"x\"},{\"N\":\"2\"}]},"
        "\"ss\":{\"SS\":[\"a\",\"b\"]},\"ns\":{\"NS\":[\"1\",\"2.5\"]},\"bs\":{\"BS\":[\"AA==\"]}}]"
        ","
        "\"Count\":1,\"ScannedCount\":3,\"ConsumedCapacity\":{\"TableName\":\"t\","
        "\"CapacityUnits\":"
        "0.5},\"LastEvaluatedKey\":{\"s\":{\"S\":\"h\"}}}";
    paths ps = {0};
    const char *names[] = {"s", "n", "b", "t", "f", "z", "m", "l", "ss", "ns", "bs", "missing", ""};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        add_path(&ps, names[i]);
    assert_true(agree(body, &ps));

    ddb_shape *sh = ddb_shape_new(ps.p, ps.n);
    ddb_decode_opts o = {.op = DDB_QUERY};
    ddb_page pg;
    char err[256];
    assert_true(ddb_page_decode(sh, &o, body, strlen(body), &pg, err, sizeof err));
    assert_int_equal(pg.nitems, 1);
    assert_int_equal(pg.nslots, ps.n);
    assert_int_equal(jget_int(pg.summary, "Count", -1), 1);
    assert_int_equal(jget_int(pg.summary, "ScannedCount", -1), 3);
    assert_non_null(jget_obj(pg.summary, "LastEvaluatedKey"));
    assert_null(jget(pg.summary, "Items"));
    bool ok;
    value_t *r = take_all(&pg, &ok, err, sizeof err);
    assert_true(ok);
    assert_int_equal(r[0].type, VAL_STRING);
    assert_string_equal(r[0].u.bytes->data, "h\xc3\xa9");
    char nb[DEC_STR_MAX];
    assert_string_equal(value_number_text(&r[1], nb), "-12.50"); /* the exact text */
    assert_int_equal(r[2].type, VAL_BINARY);
    assert_int_equal(r[2].u.bytes->len, 3);
    assert_memory_equal(r[2].u.bytes->data, "\0\1\2", 3);
    assert_true(r[3].type == VAL_BOOL && r[3].u.b);
    assert_true(r[4].type == VAL_BOOL && !r[4].u.b);
    assert_int_equal(r[5].type, VAL_NULL);
    assert_int_equal(r[6].type, VAL_MAP);
    assert_int_equal(r[7].type, VAL_LIST);
    assert_int_equal(r[8].type, VAL_SS);
    assert_int_equal(r[9].type, VAL_NS);
    assert_int_equal(r[10].type, VAL_BS);
    assert_int_equal(r[11].type, VAL_NULL);
    assert_int_equal(r[12].type, VAL_MAP);
    free_values(r, (size_t)ps.n);
    ddb_page_free(&pg);
    ddb_shape_free(sh);
    paths_free(&ps);
}

/* Numbers: plain ones are parsed without 128-bit arithmetic and their text
 * dropped (it is what formatting gives back), around the 18-digit edge, and
 * every other form keeps value_number_parse's value and text. */
static void test_numbers(void **state)
{
    (void)state;
    static const char *const nums[] = {"0",
                                       "-0",
                                       "-0.0",
                                       "0.000",
                                       "7",
                                       "-7",
                                       "12.50",
                                       "-12.5",
                                       "0.001",
                                       "-0.000000000000000001",
                                       "123456789012345678",
                                       "-123456789012345678",
                                       "1234567890123456789",
                                       "9999999999999999999",
                                       "-9999999999999999999.9",
                                       "99999999999999999999999999999999999999",
                                       "12345678901234567.8",
                                       "1234567890123456.78",
                                       "1E+10",
                                       "1e-5",
                                       "1.",
                                       ".5",
                                       "+5",
                                       "00.5",
                                       "007",
                                       "1E125",
                                       "1E-130",
                                       "5E-131",
                                       "1E126"};
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        char body[256];
        snprintf(body, sizeof body, "{\"Items\":[{\"n\":{\"N\":\"%s\"}}]}", nums[i]);
        paths ps = {0};
        add_path(&ps, "n");
        agree(body, &ps);
        paths_free(&ps);
    }
    EXPECT_ROWS("{\"Items\":[{\"n\":{\"N\":\"-0\"}},{\"n\":{\"N\":\"1.50\"}}]}", "-0;1.50", "n");
    EXPECT_ERR("{\"Items\":[{\"n\":{\"N\":\"1E126\"}}]}", "N \"1E126\": ", "n");
}

/* Nested paths: map keys, list indexes, both under one attribute, a path
 * and its prefix together, the same path twice, and steps that do not fit
 * (a key into a list, an index past the end, into a scalar) as NULL. */
static void test_nested_paths(void **state)
{
    (void)state;
    const char *body =
        "{\"Items\":[{\"a\":{\"M\":{\"b\":{\"L\":[{\"N\":\"0\"},{\"N\":\"1\"},{\"M\":{\"c\":{\"S\":"
        "\"deep\"}}}]},\"x\":{\"S\":\"ax\"}}},\"l\":{\"L\":[{\"L\":[{\"S\":\"l00\"}]},{\"S\":"
        "\"l1\"}"
        "]},\"s\":{\"S\":\"str\"}},{\"a\":{\"L\":[{\"S\":\"not a "
        "map\"}]},\"l\":{\"M\":{\"0\":{\"S\":"
        "\"not a list\"}}}},{}],\"Count\":3}";
    EXPECT_ROWS(body,
                "'deep',1,'ax',NULL,'l00','l1',NULL,NULL,NULL,'deep';"
                "NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL;"
                "NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL",
                "a.b[2].c", "a.b[1]", "a.x", "a.b[3]", "l[0][0]", "l[1]", "s.x", "s[0]", "a.zz",
                "a.b[2].c");
    paths ps = {0};
    const char *texts[] = {"a.b[2].c", "a.b[1]", "a.x", "a.b[3]", "l[0][0]", "l[1]", "s.x",
                           "s[0]",     "a.zz",   "a",   "a.b",    "l",       "l[0]", ""};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        add_path(&ps, texts[i]);
    assert_true(agree(body, &ps));
    paths_free(&ps);
}

/* Strings: every escape, surrogate pairs, lone surrogates as json-c
 * decodes them (U+FFFD), NUL inside a value, escaped names matching slots,
 * and a name with a NUL matching as json-c's C-string keys do. */
static void test_escapes(void **state)
{
    (void)state;
    const char *body = "{\"Items\":[{\"\\u0061\":{\"S\":\"q\\\"b\\\\s\\/f\\b\\f\\n\\r\\t\"},"
                       "\"e\":{\"S\":\"\\ud83d\\ude00|\\ud800|\\udc00x|\\ud800\\u0041\"},"
                       "\"z\":{\"S\":\"a\\u0000b\"},\"k\\u0000junk\":{\"N\":\"7\"},"
                       "\"\\u00e9t\\u00e9\":{\"N\":\"1\\u0032\"}}]}";
    paths ps = {0};
    add_path(&ps, "a");
    add_path(&ps, "e");
    add_path(&ps, "z");
    add_path(&ps, "k");
    add_path(&ps, "\xc3\xa9t\xc3\xa9");
    add_path(&ps, "");
    assert_true(agree(body, &ps));
    ddb_shape *sh = ddb_shape_new(ps.p, ps.n);
    ddb_decode_opts o = {.op = DDB_SCAN};
    ddb_page pg;
    char err[256];
    assert_true(ddb_page_decode(sh, &o, body, strlen(body), &pg, err, sizeof err));
    bool ok;
    value_t *r = take_all(&pg, &ok, err, sizeof err);
    assert_true(ok);
    assert_string_equal(r[0].u.bytes->data, "q\"b\\s/f\b\f\n\r\t");
    assert_string_equal(r[1].u.bytes->data,
                        "\xf0\x9f\x98\x80|\xef\xbf\xbd|\xef\xbf\xbdx|\xef\xbf\xbd"
                        "A");
    assert_int_equal(r[2].u.bytes->len, 3);
    assert_memory_equal(r[2].u.bytes->data, "a\0b", 3);
    char nb[DEC_STR_MAX];
    assert_string_equal(value_number_text(&r[3], nb), "7");
    assert_string_equal(value_number_text(&r[4], nb), "12");
    free_values(r, (size_t)ps.n);
    ddb_page_free(&pg);
    ddb_shape_free(sh);
    paths_free(&ps);
}

/* A repeated name keeps the last value, as json-c does: an attribute, a
 * map key, and a path under a repeated attribute that the second copy
 * lacks. Whitespace anywhere is fine. */
static void test_duplicates_and_whitespace(void **state)
{
    (void)state;
    const char *body =
        " {\n \"Items\" : [ { \"a\" : { \"S\" : \"first\" } , \"a\":{\"S\":\"last\"},"
        "\"m\":{\"M\":{\"k\":{\"N\":\"1\"},\"k\":{\"N\":\"2\"}}},"
        "\"p\":{\"M\":{\"q\":{\"S\":\"gone\"}}},\"p\":{\"S\":\"flat\"}}\t] ,"
        "\"Count\" : 1 }\r\n";
    EXPECT_ROWS(body, "'last',2,NULL,'flat'", "a", "m.k", "p.q", "p");
    paths ps = {0};
    add_path(&ps, "a");
    add_path(&ps, "m.k");
    add_path(&ps, "p.q");
    add_path(&ps, "p");
    add_path(&ps, "m");
    add_path(&ps, "");
    assert_true(agree(body, &ps));
    paths_free(&ps);
}

/* Malformed AttributeValues on a slot's path are errors naming the item
 * and attribute, as the json-c path refuses them; off every path they are
 * not looked at (DynamoDB validated them). */
static void test_malformed_values(void **state)
{
    (void)state;
    static const struct {
        const char *av, *msg;
    } bad[] = {
        {"{\"N\":\"12x\"}", "N \"12x\": "},
        {"{\"N\":12}", "N must be a string"},
        {"{\"N\":\"1E+400\"}", "N \"1E+400\": "},
        {"{\"N\":\"123456789012345678901234567890123456789\"}", "N \"1234567890"},
        {"{\"S\":5}", "S must be a string"},
        {"{\"B\":\"!!\"}", "B must be a base64 string"},
        {"{\"BOOL\":\"true\"}", "BOOL must be true or false"},
        {"{\"NULL\":false}", "NULL must be true"},
        {"{\"M\":[]}", "M must be an object"},
        {"{\"L\":{}}", "L must be an array"},
        {"{\"SS\":\"a\"}", "SS must be an array"},
        {"{\"X\":1}", "unknown AttributeValue type \"X\""},
        {"{}", "exactly one type key, not 0"},
        {"{\"S\":\"a\",\"N\":\"1\"}", "exactly one type key"},
        {"[]", "must be a JSON object"},
        {"\"S\"", "must be a JSON object"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char body[512];
        snprintf(body, sizeof body, "{\"Items\":[{\"ok\":{\"S\":\"x\"}},{\"id\":%s}]}", bad[i].av);
        EXPECT_ERR(body, "DynamoDB returned a malformed attribute id (item 2 of the answer", "id");
        EXPECT_ERR(body, bad[i].msg, "id");
        /* the json-c path refuses it too */
        paths ps = {0};
        add_path(&ps, "id");
        assert_false(agree(body, &ps));
        paths_free(&ps);
        /* not on a path: not looked at, by either */
        add_path(&ps, "ok");
        assert_true(agree(body, &ps));
        paths_free(&ps);
    }
    /* under a map on the path */
    EXPECT_ERR("{\"Items\":[{\"a\":{\"M\":{\"b\":{\"N\":\"x\"}}}}]}",
               "malformed attribute a (item 1", "a.b");
    EXPECT_ROWS("{\"Items\":[{\"a\":{\"M\":{\"b\":{\"N\":\"x\"}}}}]}", "NULL", "a.c");
    /* documents are checked for their container type only, as
       ddb_to_value_shallow does */
    EXPECT_ROWS("{\"Items\":[{\"a\":{\"SS\":[\"x\",\"x\"]}}]}", "SS", "a");
}

/* Text that is not strict JSON, or not DynamoDB's shape, is refused with
 * what and where; nothing crashes. */
static void test_malformed_json(void **state)
{
    (void)state;
    static const struct {
        const char *body, *msg;
    } bad[] = {
        {"", "unexpected end"},
        {"   ", "unexpected end"},
        {"[]", "the answer is not a JSON object"},
        {"null", "the answer is not a JSON object"},
        {"{\"Items\":[]", "unexpected end"},
        {"{\"Items\":[]}x", "unexpected data after the JSON value at byte 12"},
        {"{\"Items\":[]}{}", "unexpected data after"},
        {"{\"Items\":{}}", "Items must be an array"},
        {"{\"Items\":[1]}", "item 1 is not a JSON object"},
        {"{\"Items\":[{\"a\":{\"S\":\"x\"}}],\"Items\":[]}", "Items appears twice"},
        {"{\"Items\":[{\"a\":{\"S\":\"x\"}},]}", "unexpected character"},
        {"{\"Items\":[{'a':{\"S\":\"x\"}}]}", "a string key expected"},
        {"{\"Items\":[{\"a\":{\"S\":\"x\"}}] \"Count\":1}", "',' or '}' expected"},
        {"{\"Items\":[{\"a\":{\"S\":\"x\"}}],\"Count\":01}", "',' or '}' expected"},
        {"{\"Items\":[],\"Count\":1.}", "digit expected in a number"},
        {"{\"Items\":[],\"Count\":NaN}", "unexpected character"},
        {"{\"Items\":[],\"Count\":-}", "digit expected"},
        {"{\"Items\":[],\"x\":tru}", "unexpected character"},
        {"{\"Items\":[{\"a\":{\"S\":\"\x01\"}}]}", "control character in a string"},
        {"{\"Items\":[{\"a\":{\"S\":\"\xc0\xaf\"}}]}", "invalid UTF-8"},
        {"{\"Items\":[{\"a\":{\"S\":\"\xed\xa0\x80\"}}]}", "invalid UTF-8"},
        {"{\"Items\":[{\"a\":{\"S\":\"\\x\"}}]}", "invalid escape"},
        {"{\"Items\":[{\"a\":{\"S\":\"\\u12\"}}]}", "invalid \\u escape"},
        {"{\"Items\":[{\"a\":{\"S\":\"abc", "unterminated string"},
        {"{\"Items\":[{\"a\":{\"S\":\"x\"}}]} ", NULL},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (!bad[i].msg) {
            EXPECT_ROWS(bad[i].body, "'x'", "a");
            continue;
        }
        EXPECT_ERR(bad[i].body, bad[i].msg, "a");
        EXPECT_ERR(bad[i].body, bad[i].msg, "b"); /* on no slot's path either */
    }
    /* an item's position is named in syntax errors inside it */
    EXPECT_ERR("{\"Items\":[{},{\"a\":{\"S\":\"x\"},}]}", "(in item 2)", "a");
    /* hostile nesting stops at the limit */
    buf_t b = BUF_INIT(1 << 20);
    buf_puts(&b, "{\"Items\":[{\"a\":");
    for (int i = 0; i < 5000; i++)
        buf_puts(&b, "{\"M\":{\"a\":");
    EXPECT_ERR(buf_cstr(&b), "nesting deeper than the limit", "a");
    EXPECT_ERR(buf_cstr(&b), "nesting deeper than the limit", "b");
    buf_reset(&b);
    buf_puts(&b, "{\"Items\":[],\"x\":");
    for (int i = 0; i < 5000; i++)
        buf_putc(&b, '[');
    EXPECT_ERR(buf_cstr(&b), "nesting deeper than the limit", "a");
    buf_free(&b);
    /* DynamoDB's own 32 levels of documents fit */
    buf_t d = BUF_INIT(1 << 20);
    buf_puts(&d, "{\"Items\":[{\"a\":");
    for (int i = 0; i < DDB_MAX_DEPTH; i++)
        buf_puts(&d, "{\"M\":{\"a\":");
    buf_puts(&d, "{\"S\":\"bottom\"}");
    for (int i = 0; i < DDB_MAX_DEPTH; i++)
        buf_puts(&d, "}}");
    buf_puts(&d, "}]}");
    char path[256] = "a";
    for (int i = 0; i < DDB_PATH_MAX_STEPS - 1; i++)
        strcat(path, ".a");
    EXPECT_ROWS(buf_cstr(&d), "MAP", "a");
    EXPECT_ROWS(buf_cstr(&d), "MAP", path); /* 32 steps: the innermost M */
    buf_free(&d);
    /* the size cap is checked before anything is read */
    paths ps = {0};
    add_path(&ps, "a");
    ddb_shape *sh = ddb_shape_new(ps.p, ps.n);
    ddb_decode_opts o = {.op = DDB_SCAN};
    ddb_page pg;
    char err[256];
    assert_false(ddb_page_decode(sh, &o, "{}", DDB_PAGE_MAX_TEXT + 1, &pg, err, sizeof err));
    assert_non_null(strstr(err, "larger than 16 MiB"));
    ddb_page_free(&pg);
    ddb_shape_free(sh);
    paths_free(&ps);
}

/* An answer without Items is an empty page; an empty page, item and
 * width-0 rows work. */
static void test_empty(void **state)
{
    (void)state;
    EXPECT_ROWS("{\"Count\":0,\"LastEvaluatedKey\":{\"id\":{\"S\":\"q\"}}}", "", "a");
    EXPECT_ROWS("{}", "", "a");
    EXPECT_ROWS("{\"Items\":[]}", "", "a");
    EXPECT_ROWS("{\"Items\":[{}]}", "NULL,MAP", "a", "");
    ddb_shape *sh = ddb_shape_new(NULL, 0);
    assert_int_equal(ddb_shape_width(sh), 0);
    ddb_decode_opts o = {.op = DDB_SCAN};
    ddb_page pg;
    char err[256];
    const char *body = "{\"Items\":[{\"a\":{\"S\":\"x\"}},{}],\"Count\":2}";
    assert_true(ddb_page_decode(sh, &o, body, strlen(body), &pg, err, sizeof err));
    assert_int_equal(pg.nitems, 2);
    value_t none[1];
    assert_int_equal(ddb_page_take_row(&pg, none, err, sizeof err), 1);
    assert_int_equal(ddb_page_take_row(&pg, none, err, sizeof err), 1);
    assert_int_equal(ddb_page_take_row(&pg, none, err, sizeof err), 0);
    ddb_page_free(&pg);
    ddb_shape_free(sh);
}

/* Rows are moved out one by one; what was not taken is freed with the
 * page (checked by the sanitizers and valgrind). */
static void test_take_rows(void **state)
{
    (void)state;
    paths ps = {0};
    add_path(&ps, "a");
    add_path(&ps, "m");
    ddb_shape *sh = ddb_shape_new(ps.p, ps.n);
    ddb_decode_opts o = {.op = DDB_SCAN};
    buf_t b = BUF_INIT(1 << 20);
    buf_puts(&b, "{\"Items\":[");
    for (int i = 0; i < 300; i++)
        buf_printf(&b, "%s{\"a\":{\"S\":\"item %d\"},\"m\":{\"M\":{\"i\":{\"N\":\"%d\"}}}}",
                   i ? "," : "", i, i);
    buf_puts(&b, "]}");
    ddb_page pg;
    char err[256];
    assert_true(ddb_page_decode(sh, &o, buf_cstr(&b), b.len, &pg, err, sizeof err));
    assert_int_equal(pg.nitems, 300);
    value_t row[2];
    for (int i = 0; i < 10; i++) {
        assert_int_equal(ddb_page_take_row(&pg, row, err, sizeof err), 1);
        char want[32];
        snprintf(want, sizeof want, "item %d", i);
        assert_string_equal(row[0].u.bytes->data, want);
        assert_int_equal(row[1].type, VAL_MAP);
        row_free(row, 2);
    }
    json_object *it = ddb_page_item(&pg, 299);
    assert_string_equal(json_compact(it), "{\"a\":{\"S\":\"item 299\"},\"m\":{\"M\":{\"i\":{\"N\":"
                                          "\"299\"}}}}");
    json_object_put(it);
    ddb_page_free(&pg); /* 290 rows left */
    buf_free(&b);
    ddb_shape_free(sh);
    paths_free(&ps);
}

/* BatchGetItem: the items of the named table (others skipped), the rest
 * (UnprocessedKeys, ConsumedCapacity) in the summary. */
static void test_batch_get(void **state)
{
    (void)state;
    paths ps = {0};
    add_path(&ps, "id");
    add_path(&ps, "v");
    ddb_shape *sh = ddb_shape_new(ps.p, ps.n);
    ddb_decode_opts o = {.op = DDB_BATCH_GET_ITEM, .table = "t"};
    const char *body =
        "{\"Responses\":{\"other\":[{\"id\":{\"S\":\"no\"}}],\"t\":[{\"id\":{\"S\":\"k1\"},\"v\":"
        "{\"N\":\"1\"}},{\"id\":{\"S\":\"k2\"}}]},\"UnprocessedKeys\":{\"t\":{\"Keys\":[{\"id\":{"
        "\"S"
        "\":\"k3\"}}]}},\"ConsumedCapacity\":[{\"TableName\":\"t\",\"CapacityUnits\":1}]}";
    ddb_page pg;
    char err[256];
    assert_true(ddb_page_decode(sh, &o, body, strlen(body), &pg, err, sizeof err));
    assert_int_equal(pg.nitems, 2);
    assert_non_null(jget_obj(pg.summary, "UnprocessedKeys"));
    assert_non_null(jget_arr(pg.summary, "ConsumedCapacity"));
    assert_null(jget(pg.summary, "Responses"));
    bool ok;
    value_t *r = take_all(&pg, &ok, err, sizeof err);
    assert_true(ok);
    assert_string_equal(r[0].u.bytes->data, "k1");
    assert_string_equal(r[2].u.bytes->data, "k2");
    assert_int_equal(r[3].type, VAL_NULL);
    free_values(r, 4);
    ddb_page_free(&pg);
    static const struct {
        const char *body, *msg;
    } bad[] = {
        {"{\"Responses\":[]}", "Responses must be an object"},
        {"{\"Responses\":{\"t\":{}}}", "a table's Responses must be an array"},
        {"{\"Responses\":{\"t\":[],\"t\":[]}}", "Responses names table t twice"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_false(
            ddb_page_decode(sh, &o, bad[i].body, strlen(bad[i].body), &pg, err, sizeof err));
        assert_non_null(strstr(err, bad[i].msg));
        ddb_page_free(&pg);
    }
    /* "Items" means nothing in a BatchGetItem answer: a summary member */
    assert_true(ddb_page_decode(sh, &o, "{\"Items\":[1]}", 13, &pg, err, sizeof err));
    assert_int_equal(pg.nitems, 0);
    ddb_page_free(&pg);
    ddb_shape_free(sh);
    paths_free(&ps);
}

/* ---- differential: generated items ------------------------------------------ */

static uint64_t rng = 0x2545F4914F6CDD1Dull;

static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

static const char *const NAMES[] = {"a", "b", "c", "k y", "\xc3\xa9", "x.y", "n", "0", "\"q\""};
#define NNAMES (sizeof NAMES / sizeof NAMES[0])

static void rnd_string(char *out, size_t cap)
{
    static const char *const parts[] = {"a", "Z", " ", "\"", "\\",  "/",    "\n", "\x01",   "\t",
                                        "é", "€", "😀", "{}", "[,]", "\x7f", "0",  "\\u0041"};
    size_t n = rnd(6), len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        const char *p = parts[rnd(sizeof parts / sizeof parts[0])];
        if (len + strlen(p) + 1 >= cap)
            break;
        strcpy(out + len, p);
        len += strlen(p);
    }
}

static void rnd_number(char *out, size_t cap)
{
    static const char *const nums[] = {"0",
                                       "-0",
                                       "7",
                                       "-12.50",
                                       "1E+10",
                                       "1e-5",
                                       "3.000",
                                       "0.001",
                                       "1E125",
                                       "-1E-130",
                                       "12345678901234567890123456789012345678",
                                       "42"};
    snprintf(out, cap, "%s", nums[rnd(sizeof nums / sizeof nums[0])]);
}

/* A random valid AttributeValue, documents down to depth levels. */
static json_object *rnd_av(int depth)
{
    json_object *av = json_object_new_object();
    char s[128];
    int kind = (int)rnd(depth > 0 ? 11 : 5);
    switch (kind) {
    case 0:
        rnd_string(s, sizeof s);
        jset_str(av, "S", s);
        break;
    case 1:
        rnd_number(s, sizeof s);
        jset_str(av, "N", s);
        break;
    case 2: {
        uint8_t bytes[8];
        size_t n = rnd(8);
        for (size_t i = 0; i < n; i++)
            bytes[i] = (uint8_t)rnd(256);
        char *b64 = base64_encode(bytes, n);
        jset_str(av, "B", b64);
        free(b64);
        break;
    }
    case 3:
        jset_bool(av, "BOOL", rnd(2));
        break;
    case 4:
        jset_bool(av, "NULL", true);
        break;
    case 5:
    case 6: {
        json_object *m = json_object_new_object();
        int n = (int)rnd(4);
        for (int i = 0; i < n; i++)
            jset(m, NAMES[rnd(NNAMES)], rnd_av(depth - 1));
        jset(av, "M", m);
        break;
    }
    case 7:
    case 8: {
        json_object *l = json_object_new_array();
        int n = (int)rnd(4);
        for (int i = 0; i < n; i++)
            json_object_array_add(l, rnd_av(depth - 1));
        jset(av, "L", l);
        break;
    }
    case 9: {
        json_object *l = json_object_new_array();
        json_object_array_add(l, json_object_new_string("a"));
        json_object_array_add(l, json_object_new_string("b\xc3\xa9"));
        jset(av, "SS", l);
        break;
    }
    default: {
        json_object *l = json_object_new_array();
        json_object_array_add(l, json_object_new_string("1.5"));
        json_object_array_add(l, json_object_new_string("-2"));
        jset(av, rnd(2) ? "NS" : "BS", l);
        break;
    }
    }
    return av;
}

/* A random path over NAMES and small indexes, written for ddb_path_parse
 * (every name quoted). */
static void rnd_path(char *out, size_t cap)
{
    size_t len = 0;
    int steps = 1 + (int)rnd(4);
    for (int i = 0; i < steps; i++) {
        bool index = i > 0 && rnd(3) == 0;
        if (index) {
            len += (size_t)snprintf(out + len, cap - len, "[%u]", rnd(4));
            continue;
        }
        const char *name = NAMES[rnd(NNAMES)];
        if (i > 0)
            out[len++] = '.';
        out[len++] = '"';
        for (const char *p = name; *p; p++) {
            if (*p == '"')
                out[len++] = '"';
            out[len++] = *p;
        }
        out[len++] = '"';
        out[len] = '\0';
    }
}

/* Pages of random items (every type, nesting, names needing quotes and
 * escapes), written with and without spaces and slash escapes, against
 * random paths: the decoder and the json-c path agree on every value. */
static void test_differential(void **state)
{
    (void)state;
    static const int flags[] = {JSON_C_TO_STRING_PLAIN,
                                JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE,
                                JSON_C_TO_STRING_PRETTY};
    int pages = 0, values = 0;
    for (int round = 0; round < 400; round++) {
        json_object *page = json_object_new_object(), *items = json_object_new_array();
        int nitems = (int)rnd(5);
        for (int i = 0; i < nitems; i++) {
            json_object *item = json_object_new_object();
            int nattrs = (int)rnd(6);
            for (int k = 0; k < nattrs; k++)
                jset(item, NAMES[rnd(NNAMES)], rnd_av(3));
            json_object_array_add(items, item);
        }
        jset_int(page, "Count", nitems);
        jset(page, "Items", items);
        if (rnd(2))
            jset(page, "LastEvaluatedKey", json_tokener_parse("{\"a\":{\"S\":\"k\"}}"));
        paths ps = {0};
        int npaths = 1 + (int)rnd(20);
        for (int i = 0; i < npaths; i++) {
            char text[256];
            rnd_path(text, sizeof text);
            add_path(&ps, rnd(15) == 0 ? "" : text);
        }
        const char *body = json_object_to_json_string_ext(page, flags[round % 3]);
        assert_true(agree(body, &ps));
        pages++;
        values += nitems * ps.n;
        paths_free(&ps);
        json_object_put(page);
    }
    print_message("    %d pages, %d values compared\n", pages, values);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_types_and_summary),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_nested_paths),
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_duplicates_and_whitespace),
        cmocka_unit_test(test_malformed_values),
        cmocka_unit_test(test_malformed_json),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_take_rows),
        cmocka_unit_test(test_batch_get),
        cmocka_unit_test(test_differential),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
