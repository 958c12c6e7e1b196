#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"
#include "core/base/buf.h"
#include "core/base/json_util.h"
#include "sql/ddb_pages.h"
#include "tests/unit/support/ddb_capture.h"
#include "tests/unit/support/fake_http.h"

#define JSON_CT "application/x-amz-json-1.0"

typedef ddb_fake fx;

static int setup(void **state)
{
    *state = ddb_fake_new(1);
    return 0;
}

static int teardown(void **state)
{
    ddb_fake_free(*state);
    return 0;
}

static void page(fx *x, const char *items, const char *lek)
{
    char body[512];
    snprintf(body, sizeof body, "{\"Items\":[%s]%s%s}", items, lek ? ",\"LastEvaluatedKey\":" : "",
             lek ? lek : "");
    fake_http_push_simple(x->f, 200, JSON_CT, body);
}

/* The items' "id" strings, up to max items (-1: all), as "a,b,c", or
 * "ERR" when the pager fails. */
static char *drain(fx *x, ddb_pages *p, int max)
{
    buf_t b = BUF_INIT(4096);
    for (int n = 0; max < 0 || n < max; n++) {
        json_object *item;
        int rc = ddb_pages_next(p, &x->ctx, &item);
        if (rc < 0) {
            buf_reset(&b);
            buf_puts(&b, "ERR");
            break;
        }
        if (rc == 0)
            break;
        buf_printf(&b, "%s%s", n ? "," : "", jget_str(jget_obj(item, "id"), "S"));
    }
    return buf_steal(&b);
}

static json_object *scan_req(void)
{
    return json_tokener_parse("{\"TableName\":\"tbl\",\"Limit\":2}");
}

/* Pages follow LastEvaluatedKey; an empty page is skipped; the read ends
 * with the page that has none. */
static void test_sequential(void **state)
{
    fx *x = *state;
    page(x, "{\"id\":{\"S\":\"a\"}},{\"id\":{\"S\":\"b\"}}", "{\"id\":{\"S\":\"b\"}}");
    page(x, "", "{\"id\":{\"S\":\"x\"}}");
    page(x, "{\"id\":{\"S\":\"c\"}}", NULL);
    ddb_pages p;
    ddb_pages_init(&p, x->c, DDB_SCAN, scan_req(), 1, NULL);
    char *got = drain(x, &p, -1);
    assert_string_equal(got, "a,b,c");
    free(got);
    json_object *item;
    assert_int_equal(ddb_pages_next(&p, &x->ctx, &item), 0); /* stays at the end */
    ddb_pages_free(&p);
    assert_int_equal(x->cap.n, 3);
    assert_string_equal(x->cap.reqs[0], "{\"TableName\":\"tbl\",\"Limit\":2}");
    assert_string_equal(x->cap.reqs[1], "{\"TableName\":\"tbl\",\"Limit\":2,\"ExclusiveStartKey\":"
                                        "{\"id\":{\"S\":\"b\"}}}");
    assert_string_equal(x->cap.reqs[2], "{\"TableName\":\"tbl\",\"Limit\":2,\"ExclusiveStartKey\":"
                                        "{\"id\":{\"S\":\"x\"}}}");
}

/* Only what is pulled is read; a cursor's key starts the read. */
static void test_lazy_and_start_key(void **state)
{
    fx *x = *state;
    page(x, "{\"id\":{\"S\":\"m\"}}", "{\"id\":{\"S\":\"m\"}}");
    json_object *start = json_tokener_parse("{\"id\":{\"S\":\"l\"}}");
    ddb_pages p;
    ddb_pages_init(&p, x->c, DDB_QUERY, scan_req(), 1, start);
    json_object_put(start);
    assert_int_equal(x->cap.n, 0); /* nothing before the first pull */
    char *got = drain(x, &p, 1);
    assert_string_equal(got, "m");
    free(got);
    ddb_pages_free(&p);
    assert_int_equal(x->cap.n, 1);
    assert_int_equal(x->cap.ops[0], DDB_QUERY);
    assert_non_null(strstr(x->cap.reqs[0], "\"ExclusiveStartKey\":{\"id\":{\"S\":\"l\"}}"));
}

/* An answer without Items is an empty page; a failure stops the read. */
static void test_odd_answers_and_failure(void **state)
{
    fx *x = *state;
    fake_http_push_simple(x->f, 200, JSON_CT,
                          "{\"Count\":0,\"LastEvaluatedKey\":{\"id\":{\"S\":\"q\"}}}");
    page(x, "{\"id\":{\"S\":\"r\"}}", "{\"id\":{\"S\":\"r\"}}");
    fake_http_push_simple(x->f, 500, JSON_CT, "{}");
    ddb_pages p;
    ddb_pages_init(&p, x->c, DDB_SCAN, scan_req(), 1, NULL);
    char *got = drain(x, &p, 1);
    assert_string_equal(got, "r");
    free(got);
    got = drain(x, &p, -1);
    assert_string_equal(got, "ERR");
    free(got);
    assert_int_equal(x->ctx.err_kind, EXEC_ERR_DYNAMODB);
    ddb_pages_free(&p);
}

/* Parallel segments in rounds: each round asks every unfinished segment
 * for its next page at once and gives the items in segment order. The
 * fake server answers in arrival order, so the test reads which segment
 * got which answer from the recorded requests. */
static void test_parallel_rounds(void **state)
{
    fx *x = *state;
    page(x, "{\"id\":{\"S\":\"first\"}}", "{\"id\":{\"S\":\"first\"}}");
    page(x, "{\"id\":{\"S\":\"second\"}}", NULL);
    page(x, "{\"id\":{\"S\":\"third\"}}", NULL);
    ddb_pages p;
    ddb_pages_init(&p, x->c, DDB_SCAN, scan_req(), 2, NULL);
    char *got = drain(x, &p, -1);
    ddb_pages_free(&p);
    assert_int_equal(fake_http_nrequests(x->f), 3);
    json_object *b0 = json_tokener_parse(fake_http_request(x->f, 0)->body);
    json_object *b2 = json_tokener_parse(fake_http_request(x->f, 2)->body);
    int64_t seg_of_first = jget_int(b0, "Segment", -1);
    assert_true(seg_of_first == 0 || seg_of_first == 1);
    assert_int_equal(jget_int(b0, "TotalSegments", -1), 2);
    /* round 2: only the segment that had more, from where it stopped */
    assert_int_equal(jget_int(b2, "Segment", -1), seg_of_first);
    assert_string_equal(json_compact(jget(b2, "ExclusiveStartKey")), "{\"id\":{\"S\":\"first\"}}");
    assert_string_equal(got, seg_of_first == 0 ? "first,second,third" : "second,first,third");
    free(got);
    json_object_put(b0);
    json_object_put(b2);
    /* the trace saw each call, requests in segment order per round */
    assert_int_equal(x->cap.n, 3);
    assert_non_null(strstr(x->cap.reqs[0], "\"Segment\":0,\"TotalSegments\":2"));
    assert_non_null(strstr(x->cap.reqs[1], "\"Segment\":1,\"TotalSegments\":2"));
}

/* ---- row mode ------------------------------------------------------------------- */

/* The rows' "id" values (and "n" when wide), as "a,b,c", or "ERR: msg". */
static char *drain_rows(fx *x, ddb_pages *p, int max, int width)
{
    buf_t b = BUF_INIT(4096);
    value_t row[2];
    for (int n = 0; max < 0 || n < max; n++) {
        int rc = ddb_pages_next_row(p, &x->ctx, row);
        if (rc < 0) {
            buf_reset(&b);
            buf_printf(&b, "ERR: %s", x->ctx.err.message);
            break;
        }
        if (rc == 0)
            break;
        buf_printf(&b, "%s%s", n ? "," : "",
                   row[0].type == VAL_STRING ? row[0].u.bytes->data : "NULL");
        if (width > 1) {
            char nb[DEC_STR_MAX];
            buf_printf(&b, "/%s",
                       row[1].type == VAL_NUMBER ? value_number_text(&row[1], nb) : "NULL");
        }
        row_free(row, width);
    }
    return buf_steal(&b);
}

static ddb_path *id_paths(int n)
{
    static const char *const names[] = {"id", "n"};
    ddb_path *ps = xcalloc(2, sizeof *ps);
    char err[64];
    for (int i = 0; i < n; i++)
        assert_true(ddb_path_parse(names[i], strlen(names[i]), &ps[i], err, sizeof err));
    return ps;
}

static void free_paths(ddb_path *ps, int n)
{
    for (int i = 0; i < n; i++)
        ddb_path_free(&ps[i]);
    free(ps);
}

/* Rows decoded from the answers' text follow LastEvaluatedKey like items
 * do; the item behind the last row is there for a cursor, across pages and
 * after the end; each call is traced with its summary. */
static void test_rows_sequential(void **state)
{
    fx *x = *state;
    page(x, "{\"id\":{\"S\":\"a\"},\"n\":{\"N\":\"1.50\"}},{\"id\":{\"S\":\"b\"}}",
         "{\"id\":{\"S\":\"b\"}}");
    page(x, "", "{\"id\":{\"S\":\"x\"}}");
    page(x, "{\"id\":{\"S\":\"c\"},\"n\":{\"N\":\"3\"}}", NULL);
    ddb_path *ps = id_paths(2);
    ddb_pages p;
    ddb_pages_init(&p, x->c, DDB_SCAN, scan_req(), 1, NULL);
    ddb_pages_decode_rows(&p, ps, 2, true);
    assert_null(ddb_pages_last_item(&p));
    char *got = drain_rows(x, &p, 2, 2);
    assert_string_equal(got, "a/1.50,b/NULL");
    free(got);
    json_object *last = ddb_pages_last_item(&p);
    assert_string_equal(json_compact(last), "{\"id\":{\"S\":\"b\"}}");
    json_object_put(last);
    assert_int_equal(fake_http_nrequests(x->f), 1); /* lazily: no second page yet */
    got = drain_rows(x, &p, 1, 2);
    assert_string_equal(got, "c/3");
    free(got);
    value_t row[2];
    assert_int_equal(ddb_pages_next_row(&p, &x->ctx, row), 0);
    assert_int_equal(ddb_pages_next_row(&p, &x->ctx, row), 0);
    last = ddb_pages_last_item(&p);
    assert_string_equal(json_compact(last), "{\"id\":{\"S\":\"c\"},\"n\":{\"N\":\"3\"}}");
    json_object_put(last);
    ddb_pages_free(&p);
    assert_int_equal(x->cap.n, 3);
    assert_int_equal(x->cap.items[0], 0); /* page() sends no Count: the summary has none */
    assert_int_equal(x->ctx.stats.calls[DDB_SCAN], 3);
    free_paths(ps, 2);
}

/* Without keep_last nothing is kept; the item behind a row whose page is
 * gone survives the page; a page the decoder refuses stops the read with
 * its message. */
static void test_rows_last_and_refusal(void **state)
{
    fx *x = *state;
    page(x, "{\"id\":{\"S\":\"a\"}}", "{\"id\":{\"S\":\"a\"}}");
    page(x, "{\"id\":{\"N\":\"x1\"}}", NULL);
    ddb_path *ps = id_paths(1);
    ddb_pages p;
    ddb_pages_init(&p, x->c, DDB_QUERY, scan_req(), 1, NULL);
    ddb_pages_decode_rows(&p, ps, 1, true);
    char *got = drain_rows(x, &p, 1, 1);
    assert_string_equal(got, "a");
    free(got);
    got = drain_rows(x, &p, -1, 1);
    assert_string_equal(got, "ERR: DynamoDB returned a malformed attribute id (item 1 of the "
                             "answer, byte 25): N \"x1\": not a valid number");
    free(got);
    assert_int_equal(x->ctx.err_kind, EXEC_ERR_DYNAMODB);
    json_object *last = ddb_pages_last_item(&p); /* the first page's, kept */
    assert_string_equal(json_compact(last), "{\"id\":{\"S\":\"a\"}}");
    json_object_put(last);
    ddb_pages_free(&p);

    exec_ctx_init(&x->ctx, NULL, 0);
    page(x, "{\"id\":{\"S\":\"z\"}}", NULL);
    ddb_pages_init(&p, x->c, DDB_QUERY, scan_req(), 1, NULL);
    ddb_pages_decode_rows(&p, ps, 1, false);
    got = drain_rows(x, &p, -1, 1);
    assert_string_equal(got, "z");
    free(got);
    assert_null(ddb_pages_last_item(&p));
    ddb_pages_free(&p);
    free_paths(ps, 1);
}

/* Parallel segments in row mode: rounds as in item mode, rows in segment
 * order within a round. */
static void test_rows_parallel(void **state)
{
    fx *x = *state;
    page(x, "{\"id\":{\"S\":\"first\"}}", "{\"id\":{\"S\":\"first\"}}");
    page(x, "{\"id\":{\"S\":\"second\"}}", NULL);
    page(x, "{\"id\":{\"S\":\"third\"}}", NULL);
    ddb_path *ps = id_paths(1);
    ddb_pages p;
    ddb_pages_init(&p, x->c, DDB_SCAN, scan_req(), 2, NULL);
    ddb_pages_decode_rows(&p, ps, 1, false);
    char *got = drain_rows(x, &p, -1, 1);
    ddb_pages_free(&p);
    json_object *b0 = json_tokener_parse(fake_http_request(x->f, 0)->body);
    int64_t seg_of_first = jget_int(b0, "Segment", -1);
    assert_string_equal(got, seg_of_first == 0 ? "first,second,third" : "second,first,third");
    free(got);
    json_object_put(b0);
    assert_int_equal(x->cap.n, 3);
    free_paths(ps, 1);
}

/* A row source in place of the client: its rows, its LastEvaluatedKey
 * followed, the calls counted in the statistics, its failure the query's;
 * removed, the client answers again. */
typedef struct src_log {
    int calls;
    char reqs[4][256];
} src_log;

static bool source(void *ctx, ddb_op op, json_object *req, const ddb_path *paths, int nslots,
                   ddb_page *out, char *err, size_t errlen)
{
    src_log *l = ctx;
    assert_int_equal(op, DDB_SCAN);
    assert_int_equal(nslots, 1);
    assert_string_equal(paths[0].steps[0].name, "id");
    if (l->calls < 4)
        snprintf(l->reqs[l->calls], sizeof l->reqs[0], "%s", json_compact(req));
    int call = l->calls++;
    if (call == 2) {
        snprintf(err, errlen, "no third page");
        return false;
    }
    out->nitems = call == 0 ? 2 : 1;
    out->rows = xcalloc(out->nitems, sizeof *out->rows);
    for (size_t i = 0; i < out->nitems; i++) {
        char id[48];
        snprintf(id, sizeof id, "r%d.%zu", call, i);
        out->rows[i] = value_cstring(id);
    }
    if (call == 0)
        jset(out->summary, "LastEvaluatedKey", json_tokener_parse("{\"id\":{\"S\":\"r0.1\"}}"));
    return true;
}

static void test_row_source(void **state)
{
    fx *x = *state;
    ddb_path *ps = id_paths(1);
    src_log l = {0};
    ddb_pages_set_row_source(x->c, source, &l);
    ddb_pages p;
    ddb_pages_init(&p, x->c, DDB_SCAN, scan_req(), 1, NULL);
    ddb_pages_decode_rows(&p, ps, 1, true);
    char *got = drain_rows(x, &p, -1, 1);
    assert_string_equal(got, "r0.0,r0.1,r1.0");
    free(got);
    assert_null(ddb_pages_last_item(&p)); /* no text behind these rows */
    ddb_pages_free(&p);
    assert_int_equal(l.calls, 2);
    assert_non_null(strstr(l.reqs[1], "\"ExclusiveStartKey\":{\"id\":{\"S\":\"r0.1\"}}"));
    assert_int_equal(x->ctx.stats.calls[DDB_SCAN], 2);
    assert_int_equal(x->ctx.stats.items_read, 3);
    assert_int_equal(x->cap.n, 0); /* the client was not called */
    assert_int_equal(fake_http_nrequests(x->f), 0);

    ddb_pages_init(&p, x->c, DDB_SCAN, scan_req(), 1, NULL);
    ddb_pages_decode_rows(&p, ps, 1, false);
    got = drain_rows(x, &p, -1, 1);
    assert_string_equal(got, "ERR: the row source failed: no third page");
    free(got);
    ddb_pages_free(&p);

    /* the budget applies as to DynamoDB's answers */
    exec_limits lim = {.max_items_read = 1};
    exec_ctx_init(&x->ctx, &lim, 0);
    l.calls = 0;
    ddb_pages_init(&p, x->c, DDB_SCAN, scan_req(), 1, NULL);
    ddb_pages_decode_rows(&p, ps, 1, false);
    got = drain_rows(x, &p, -1, 1);
    assert_non_null(strstr(got, "ERR: "));
    assert_int_equal(x->ctx.err_kind, EXEC_ERR_BUDGET);
    free(got);
    ddb_pages_free(&p);

    ddb_pages_set_row_source(x->c, NULL, NULL);
    exec_ctx_init(&x->ctx, NULL, 0);
    page(x, "{\"id\":{\"S\":\"http\"}}", NULL);
    ddb_pages_init(&p, x->c, DDB_SCAN, scan_req(), 1, NULL);
    ddb_pages_decode_rows(&p, ps, 1, false);
    got = drain_rows(x, &p, -1, 1);
    assert_string_equal(got, "http");
    free(got);
    ddb_pages_free(&p);
    free_paths(ps, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sequential, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lazy_and_start_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_odd_answers_and_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parallel_rounds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rows_sequential, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rows_last_and_refusal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rows_parallel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_row_source, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
