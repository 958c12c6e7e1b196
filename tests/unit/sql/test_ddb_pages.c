#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sequential, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lazy_and_start_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_odd_answers_and_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parallel_rounds, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
