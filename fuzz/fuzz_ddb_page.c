/* libFuzzer target: DynamoDB answer text -> rows (sql/ddb_page_decode.h).
 * Any input must be decoded or refused with a message, never crash, hang
 * or leak. Whatever the decoder accepts, the json-c path it replaces
 * (json_parse_strict, then ddb_item_get per slot) must accept too and give
 * the same rows and summary: the decoder is never more lenient and never
 * decodes differently. The first byte picks the operation (Scan or
 * BatchGetItem of table "t"); the rest is the answer. */
#include "core/base/json_util.h"
#include "sql/ddb_page_decode.h"
#include "sql/ddb_value.h"
#include "sql/value.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const PATHS[] = {"a", "b", "a.b", "a[0]", "a.b[1].c", "l[0][1]", "m.k", "", "a"};
#define NPATHS (sizeof PATHS / sizeof PATHS[0])

static bool same(const value_t *a, const value_t *b)
{
    if (a->type != b->type)
        return false;
    if (a->type >= VAL_LIST)
        return json_object_equal(a->u.doc, b->u.doc);
    if (a->type == VAL_NUMBER) {
        char x[DEC_STR_MAX], y[DEC_STR_MAX];
        return value_equal(a, b) && strcmp(value_number_text(a, x), value_number_text(b, y)) == 0;
    }
    return value_equal(a, b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    bool batch = data[0] & 1;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    static ddb_path paths[NPATHS];
    static ddb_shape *shape;
    if (!shape) {
        char err[128];
        for (size_t i = 0; i < NPATHS; i++)
            if (*PATHS[i] &&
                !ddb_path_parse(PATHS[i], strlen(PATHS[i]), &paths[i], err, sizeof err))
                abort();
        shape = ddb_shape_new(paths, (int)NPATHS);
    }
    ddb_decode_opts o = {.op = batch ? DDB_BATCH_GET_ITEM : DDB_SCAN, .table = "t"};
    ddb_page pg;
    char err[512] = "";
    bool ok = ddb_page_decode(shape, &o, text, len, &pg, err, sizeof err);
    size_t nitems = pg.nitems;
    json_object **its = calloc(nitems + 1, sizeof *its);
    value_t *rows = calloc(nitems * NPATHS + 1, sizeof *rows);
    for (size_t i = 0; ok && i < nitems; i++)
        its[i] = ddb_page_item(&pg, i);
    for (size_t i = 0; ok && i < nitems; i++)
        ok = ddb_page_take_row(&pg, rows + i * NPATHS, err, sizeof err) == 1;
    if (!ok) {
        if (!err[0]) {
            fprintf(stderr, "refused without a message\n");
            abort();
        }
        for (size_t i = 0; i < nitems * NPATHS; i++)
            value_free(&rows[i]);
        for (size_t i = 0; i < nitems; i++)
            json_object_put(its[i]);
        free(rows);
        free(its);
        ddb_page_free(&pg);
        return 0;
    }
    /* Accepted: the json-c path must agree. */
    char jerr[256];
    json_object *doc = json_parse_strict(text, len, DDB_PAGE_MAX_DEPTH, jerr, sizeof jerr);
    if (!doc) {
        fprintf(stderr, "decoded, but json_parse_strict refuses it: %s\n", jerr);
        abort();
    }
    json_object *items = batch ? jget_arr(jget_obj(doc, "Responses"), "t") : jget_arr(doc, "Items");
    size_t n = items ? json_object_array_length(items) : 0;
    if (n != nitems) {
        fprintf(stderr, "%zu items decoded, json-c has %zu\n", nitems, n);
        abort();
    }
    for (size_t i = 0; i < n; i++) {
        json_object *item = json_object_array_get_idx(items, i);
        for (size_t s = 0; s < NPATHS; s++) {
            value_t v;
            if (paths[s].n == 0)
                v = value_doc(VAL_MAP, item);
            else if (!ddb_item_get(item, &paths[s], &v, jerr, sizeof jerr)) {
                fprintf(stderr, "decoded, but json-c refuses item %zu slot %zu: %s\n", i, s, jerr);
                abort();
            }
            if (!same(&v, &rows[i * NPATHS + s])) {
                fprintf(stderr, "item %zu slot %zu differs\n", i, s);
                abort();
            }
            value_free(&v);
        }
        if (!json_object_equal(its[i], item)) {
            fprintf(stderr, "item %zu's text differs\n", i);
            abort();
        }
    }
    json_object_object_del(doc, batch ? "Responses" : "Items");
    if (!json_object_equal(doc, pg.summary)) {
        fprintf(stderr, "summary differs: %s\n", json_compact(pg.summary));
        abort();
    }
    json_object_put(doc);
    for (size_t i = 0; i < nitems * NPATHS; i++)
        value_free(&rows[i]);
    for (size_t i = 0; i < nitems; i++)
        json_object_put(its[i]);
    free(rows);
    free(its);
    ddb_page_free(&pg);
    return 0;
}
