/* BatchGetItem with deduplication, batching and UnprocessedKeys retries;
 * see ddb_batch.h. */
#include "sql/ddb_batch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"
#include "core/base/json_util.h"
#include "core/base/timeutil.h"
#include "sql/ddb_guard.h"
#include "sql/ddb_value.h"
#include "sql/op_internal.h"

/* The key values of a key object or an item (pk, then sk), as SQL values
 * so that equal numbers written differently are one key. False when one is
 * missing or malformed. */
static bool key_values(const ddb_batch_target *t, json_object *obj, value_t *vals)
{
    const char *names[2] = {t->pk, t->sk};
    int n = t->sk ? 2 : 1;
    char err[160];
    for (int i = 0; i < n; i++) {
        json_object *av = jget(obj, names[i]);
        if (!av || !ddb_to_value_shallow(av, &vals[i], err, sizeof err)) {
            for (int j = 0; j < i; j++)
                value_free(&vals[j]);
            return false;
        }
    }
    return true;
}

/* The distinct entry of obj's key, or -1. */
static int64_t find_entry(const ddb_batch_target *t, const keyset *ks, json_object *obj)
{
    value_t vals[2];
    int n = t->sk ? 2 : 1;
    if (!key_values(t, obj, vals))
        return -1;
    int64_t e = keyset_find(ks, vals, keys_hash(vals, n));
    row_free(vals, n);
    return e;
}

json_object *ddb_batch_request(const ddb_batch_target *t, json_object *const *keys, size_t n)
{
    json_object *entry = json_object_new_object();
    json_object *arr = json_object_new_array();
    for (size_t i = 0; i < n; i++)
        json_object_array_add(arr, json_object_get(keys[i]));
    jset(entry, "Keys", arr);
    json_object_object_foreach(t->entry, k, v)
    {
        jset(entry, k, json_object_get(v));
    }
    json_object *items = json_object_new_object();
    jset(items, t->table, entry);
    json_object *req = json_object_new_object();
    jset(req, "RequestItems", items);
    jset_str(req, "ReturnConsumedCapacity", "TOTAL");
    return req;
}

/* Records the items of one answer and replaces pending with the keys left
 * unprocessed. */
static void take_answer(const ddb_batch_target *t, const keyset *ks, json_object *resp,
                        json_object **found, size_t *pending, size_t *npending)
{
    json_object *items = jget_arr(jget_obj(resp, "Responses"), t->table);
    size_t n = items ? json_object_array_length(items) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *item = json_object_array_get_idx(items, i);
        int64_t e = find_entry(t, ks, item);
        if (e >= 0 && !found[e])
            found[e] = json_object_get(item);
    }
    json_object *left = jget_arr(jget_obj(jget_obj(resp, "UnprocessedKeys"), t->table), "Keys");
    size_t nleft = left ? json_object_array_length(left) : 0, k = 0;
    for (size_t i = 0; i < nleft && k < *npending; i++) {
        int64_t e = find_entry(t, ks, json_object_array_get_idx(left, i));
        if (e >= 0 && !found[e])
            pending[k++] = (size_t)e;
    }
    *npending = k;
}

/* Reads distinct keys [from, to) until every one is answered. */
static bool read_batch(exec_ctx *ctx, const ddb_batch_target *t, const keyset *ks,
                       json_object *const *dkeys, size_t from, size_t to, json_object **found)
{
    size_t pending[DDB_BATCH_MAX_KEYS];
    size_t npending = 0;
    for (size_t e = from; e < to; e++)
        pending[npending++] = e;
    int stalls = 0;
    while (npending > 0) {
        json_object *keys[DDB_BATCH_MAX_KEYS];
        for (size_t i = 0; i < npending; i++)
            keys[i] = dkeys[pending[i]];
        json_object *req = ddb_batch_request(t, keys, npending);
        json_object *resp = NULL;
        bool ok = ddb_guarded_call(ctx, t->client, DDB_BATCH_GET_ITEM, req, &resp);
        json_object_put(req);
        if (!ok)
            return false;
        size_t before = npending;
        take_answer(t, ks, resp, found, pending, &npending);
        json_object_put(resp);
        if (npending == 0)
            break;
        stalls = npending < before ? 0 : stalls + 1;
        int64_t delay = ddb_client_retry_delay(t->client, stalls > 0 ? stalls - 1 : 0);
        bool late =
            ctx->limits.deadline_ms && delay >= 0 && mono_ms() + delay >= ctx->limits.deadline_ms;
        if (delay < 0 || late)
            return exec_fail(ctx, EXEC_ERR_DYNAMODB, NULL,
                             "DynamoDB left %zu of %zu keys of a BatchGetItem on %s unprocessed "
                             "%s: the table's read capacity or the request rate is exhausted; "
                             "retry later or read fewer keys",
                             npending, to - from, t->label ? t->label : t->table,
                             late ? "until the query's time limit" : "after every retry");
        sleep_ms(delay);
    }
    return true;
}

bool ddb_batch_get(exec_ctx *ctx, const ddb_batch_target *t, json_object *const *keys, size_t n,
                   json_object **items)
{
    int w = t->sk ? 2 : 1;
    keyset ks;
    keyset_init(&ks, w);
    size_t *entry = xcalloc(n ? n : 1, sizeof *entry);
    json_object **dkeys = xcalloc(n ? n : 1, sizeof *dkeys); /* per distinct key */
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++) {
        items[i] = NULL;
        value_t vals[2];
        if (!key_values(t, keys[i], vals)) {
            ok = exec_fail(ctx, EXEC_ERR_SQL, NULL,
                           "internal error: a BatchGetItem key for %s lacks its key attributes",
                           t->label ? t->label : t->table);
            break;
        }
        bool added;
        entry[i] = keyset_find_or_add(&ks, vals, keys_hash(vals, w), &added);
        row_free(vals, w);
        if (added)
            dkeys[entry[i]] = keys[i];
    }
    size_t nd = keyset_count(&ks);
    json_object **found = xcalloc(nd ? nd : 1, sizeof *found);
    for (size_t from = 0; from < nd && ok; from += DDB_BATCH_MAX_KEYS) {
        size_t to = nd - from > DDB_BATCH_MAX_KEYS ? from + DDB_BATCH_MAX_KEYS : nd;
        ok = read_batch(ctx, t, &ks, dkeys, from, to, found);
    }
    for (size_t i = 0; i < n; i++)
        items[i] = ok && found[entry[i]] ? json_object_get(found[entry[i]]) : NULL;
    for (size_t e = 0; e < nd; e++)
        json_object_put(found[e]);
    free(found);
    free(dkeys);
    free(entry);
    keyset_free(&ks);
    return ok;
}
