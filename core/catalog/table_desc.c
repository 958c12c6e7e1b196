#include "table_desc.h"

#include "../base/json_util.h"

#include <string.h>

/* The declared type (S, N or B) of a key attribute. */
static const char *attr_type(json_object *defs, const char *name)
{
    size_t n = defs ? json_object_array_length(defs) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *d = json_object_array_get_idx(defs, i);
        const char *an = jget_str(d, "AttributeName");
        if (an && strcmp(an, name) == 0) {
            const char *t = jget_str(d, "AttributeType");
            return t ? t : "S";
        }
    }
    return "S";
}

/* Reads a KeySchema array into hash/range names; false if no HASH key. */
static bool key_names(json_object *ks, const char **hash, const char **range)
{
    *hash = *range = NULL;
    size_t n = ks && json_object_is_type(ks, json_type_array) ? json_object_array_length(ks) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *k = json_object_array_get_idx(ks, i);
        const char *name = jget_str(k, "AttributeName"), *type = jget_str(k, "KeyType");
        if (!name || !type)
            continue;
        if (strcmp(type, "HASH") == 0)
            *hash = name;
        else if (strcmp(type, "RANGE") == 0)
            *range = name;
    }
    return *hash != NULL;
}

static json_object *index_doc(const char *name, const char *type, json_object *ks,
                              json_object *defs, json_object *projection)
{
    const char *hash, *range;
    if (!key_names(ks, &hash, &range))
        return NULL;
    json_object *ix = json_object_new_object();
    jset_str(ix, "name", name);
    jset_str(ix, "type", type);
    jset_str(ix, "hashKey", hash);
    jset_str(ix, "hashKeyType", attr_type(defs, hash));
    if (range) {
        jset_str(ix, "sortKey", range);
        jset_str(ix, "sortKeyType", attr_type(defs, range));
    }
    json_object *proj = json_object_new_object();
    const char *ptype = projection ? jget_str(projection, "ProjectionType") : "ALL";
    jset_str(proj, "type", ptype ? ptype : "ALL");
    json_object *nka = projection ? jget_arr(projection, "NonKeyAttributes") : NULL;
    if (nka)
        jset(proj, "attributes", json_object_get(nka));
    jset(ix, "projection", proj);
    return ix;
}

static void add_secondary(json_object *out, json_object *list, const char *type, json_object *defs)
{
    size_t n = list ? json_object_array_length(list) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *src = json_object_array_get_idx(list, i);
        const char *name = jget_str(src, "IndexName");
        if (!name)
            continue;
        json_object *ix =
            index_doc(name, type, jget(src, "KeySchema"), defs, jget_obj(src, "Projection"));
        if (!ix)
            continue;
        if (jget(src, "ItemCount"))
            jset_int(ix, "item_count", jget_int(src, "ItemCount", 0));
        const char *status = jget_str(src, "IndexStatus");
        if (status)
            jset_str(ix, "status", status);
        json_object_array_add(out, ix);
    }
}

json_object *table_desc_from_ddb(json_object *table)
{
    const char *name = jget_str(table, "TableName");
    json_object *defs = jget_arr(table, "AttributeDefinitions");
    const char *hash, *range;
    if (!name || !key_names(jget(table, "KeySchema"), &hash, &range))
        return NULL;
    json_object *d = json_object_new_object();
    jset_str(d, "table_name", name);
    jset_int(d, "item_count", jget_int(table, "ItemCount", 0));
    jset_int(d, "size_bytes", jget_int(table, "TableSizeBytes", 0));
    const char *status = jget_str(table, "TableStatus");
    jset_str(d, "status", status ? status : "UNKNOWN");
    const char *billing = jget_str(jget_obj(table, "BillingModeSummary"), "BillingMode");
    jset_str(d, "billing_mode", billing ? billing : "PROVISIONED");

    json_object *keys = json_object_new_object();
    json_object *pk = json_object_new_object();
    jset_str(pk, "name", hash);
    jset_str(pk, "type", attr_type(defs, hash));
    jset(keys, "partition_key", pk);
    if (range) {
        json_object *sk = json_object_new_object();
        jset_str(sk, "name", range);
        jset_str(sk, "type", attr_type(defs, range));
        jset(keys, "sort_key", sk);
    }
    jset(d, "key_schema", keys);

    json_object *indexes = json_object_new_array();
    json_object_array_add(indexes,
                          index_doc("PRIMARY", "PRIMARY", jget(table, "KeySchema"), defs, NULL));
    add_secondary(indexes, jget_arr(table, "GlobalSecondaryIndexes"), "GSI", defs);
    add_secondary(indexes, jget_arr(table, "LocalSecondaryIndexes"), "LSI", defs);
    jset(d, "indexes", indexes);
    return d;
}
