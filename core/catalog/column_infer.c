#include "column_infer.h"

#include "../base/alloc.h"
#include "../base/buf.h"
#include "../base/json_util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const TYPES[] = {"S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"};
#define NTYPES    (sizeof TYPES / sizeof TYPES[0])
#define TYPE_NULL 4

typedef struct column {
    char *path;
    size_t present;
    size_t type_count[NTYPES];
} column;

struct column_stats {
    column *cols;
    size_t ncols, max_cols;
    size_t *slots; /* open addressing: index+1 into cols, 0 = empty */
    size_t nslots;
    size_t items;
    int max_depth;
    bool truncated;
};

column_stats *column_stats_new(size_t max_columns, int max_depth)
{
    column_stats *s = xcalloc(1, sizeof *s);
    s->max_cols = max_columns;
    s->max_depth = max_depth;
    s->nslots = 16;
    while (s->nslots < max_columns * 2)
        s->nslots *= 2;
    s->slots = xcalloc(s->nslots, sizeof *s->slots);
    s->cols = xcalloc(max_columns ? max_columns : 1, sizeof *s->cols);
    return s;
}

void column_stats_free(column_stats *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->ncols; i++)
        free(s->cols[i].path);
    free(s->cols);
    free(s->slots);
    free(s);
}

static uint64_t fnv1a(const char *p)
{
    uint64_t h = 1469598103934665603ull;
    for (; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    return h;
}

static column *find_or_add(column_stats *s, const char *path)
{
    size_t mask = s->nslots - 1, i = (size_t)fnv1a(path) & mask;
    while (s->slots[i]) {
        column *c = &s->cols[s->slots[i] - 1];
        if (strcmp(c->path, path) == 0)
            return c;
        i = (i + 1) & mask;
    }
    if (s->ncols >= s->max_cols) {
        s->truncated = true;
        return NULL;
    }
    column *c = &s->cols[s->ncols++];
    c->path = xstrdup(path);
    s->slots[i] = s->ncols;
    return c;
}

const char *ddb_value_type(json_object *value)
{
    if (!value || !json_object_is_type(value, json_type_object))
        return NULL;
    json_object_object_foreach(value, k, v)
    {
        (void)v;
        for (size_t i = 0; i < NTYPES; i++)
            if (strcmp(k, TYPES[i]) == 0)
                return TYPES[i];
        return NULL;
    }
    return NULL;
}

static bool is_identifier(const char *s)
{
    if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
        return false;
    for (s++; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '_'))
            return false;
    return true;
}

/* Appends a path segment: nested names that are not plain identifiers are
 * double-quoted (SQL style) so the path can be pasted into a query. */
static bool append_segment(buf_t *path, const char *name, bool nested)
{
    if (nested && !buf_putc(path, '.'))
        return false;
    if (!nested || is_identifier(name))
        return buf_puts(path, name);
    if (!buf_putc(path, '"'))
        return false;
    for (const char *p = name; *p; p++)
        if ((*p == '"' && !buf_putc(path, '"')) || !buf_putc(path, *p))
            return false;
    return buf_putc(path, '"');
}

static void add_map(column_stats *s, json_object *map, buf_t *path, int depth)
{
    if (!map)
        return; /* {"M": <not an object>}: nothing below it */
    size_t base = path->len;
    json_object_object_foreach(map, name, value)
    {
        path->len = base;
        if (path->data)
            path->data[base] = '\0';
        if (!append_segment(path, name, depth > 0))
            continue; /* absurdly long path: not worth a column */
        const char *t = ddb_value_type(value);
        if (!t)
            continue;
        column *c = find_or_add(s, buf_cstr(path));
        if (!c)
            continue;
        c->present++;
        for (size_t i = 0; i < NTYPES; i++)
            if (TYPES[i] == t)
                c->type_count[i]++;
        if (strcmp(t, "M") == 0 && depth + 1 < s->max_depth)
            add_map(s, jget_obj(value, "M"), path, depth + 1);
    }
    path->len = base;
    if (path->data)
        path->data[base] = '\0';
}

void column_stats_add_item(column_stats *s, json_object *item)
{
    if (!item || !json_object_is_type(item, json_type_object))
        return;
    s->items++;
    buf_t path = BUF_INIT(1024);
    add_map(s, item, &path, 0);
    buf_free(&path);
}

size_t column_stats_items(const column_stats *s)
{
    return s->items;
}

bool column_stats_truncated(const column_stats *s)
{
    return s->truncated;
}

static int cmp_path(const void *a, const void *b)
{
    return strcmp((*(const column *const *)a)->path, (*(const column *const *)b)->path);
}

static json_object *column_json(const column_stats *s, const column *c, const char *key_role,
                                const char *key_type)
{
    json_object *o = json_object_new_object();
    jset_str(o, "name", c ? c->path : "");
    /* Types by descending frequency; the primary type ignores NULL. */
    size_t order[NTYPES], n = 0;
    for (size_t i = 0; c && i < NTYPES; i++)
        if (c->type_count[i])
            order[n++] = i;
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && c->type_count[order[j]] > c->type_count[order[j - 1]]; j--) {
            size_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    const char *primary = key_type;
    for (size_t i = 0; !primary && i < n; i++)
        if (order[i] != TYPE_NULL)
            primary = TYPES[order[i]];
    jset_str(o, "type", primary ? primary : "NULL");
    json_object *types = json_object_new_array();
    for (size_t i = 0; i < n; i++)
        json_object_array_add(types, json_object_new_string(TYPES[order[i]]));
    if (n == 0 && key_type)
        json_object_array_add(types, json_object_new_string(key_type));
    jset(o, "types", types);
    size_t present = c ? c->present : 0;
    size_t nulls = c ? c->type_count[TYPE_NULL] : 0;
    jset_bool(o, "nullable", !key_role && (present < s->items || nulls > 0));
    jset_int(o, "present_count", (int64_t)present);
    char frac[16];
    snprintf(frac, sizeof frac, "%.4g", s->items ? (double)present / (double)s->items : 0.0);
    jset(o, "present_fraction",
         json_object_new_double_s(s->items ? (double)present / (double)s->items : 0.0, frac));
    if (key_role)
        jset_str(o, "key", key_role);
    return o;
}

static const column *lookup(const column_stats *s, const char *path)
{
    size_t mask = s->nslots - 1, i = (size_t)fnv1a(path) & mask;
    while (s->slots[i]) {
        const column *c = &s->cols[s->slots[i] - 1];
        if (strcmp(c->path, path) == 0)
            return c;
        i = (i + 1) & mask;
    }
    return NULL;
}

json_object *column_stats_to_json(const column_stats *s, json_object *key_schema)
{
    json_object *out = json_object_new_array();
    const char *roles[2] = {"partition", "sort"};
    json_object *keys[2] = {jget_obj(key_schema, "partition_key"),
                            jget_obj(key_schema, "sort_key")};
    const char *key_names[2] = {NULL, NULL};
    for (int k = 0; k < 2; k++) {
        if (!keys[k])
            continue;
        key_names[k] = jget_str(keys[k], "name");
        if (!key_names[k])
            continue;
        json_object *col =
            column_json(s, lookup(s, key_names[k]), roles[k], jget_str(keys[k], "type"));
        jset_str(col, "name", key_names[k]);
        json_object_array_add(out, col);
    }
    const column **sorted = xmallocarray(s->ncols ? s->ncols : 1, sizeof *sorted);
    for (size_t i = 0; i < s->ncols; i++)
        sorted[i] = &s->cols[i];
    qsort(sorted, s->ncols, sizeof *sorted, cmp_path);
    for (size_t i = 0; i < s->ncols; i++) {
        const char *p = sorted[i]->path;
        if ((key_names[0] && strcmp(p, key_names[0]) == 0) ||
            (key_names[1] && strcmp(p, key_names[1]) == 0))
            continue;
        json_object_array_add(out, column_json(s, sorted[i], NULL, NULL));
    }
    free(sorted);
    return out;
}
