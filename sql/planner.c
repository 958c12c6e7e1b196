/* WORK IN PROGRESS (branch wip/planner): the binder and planner of
 * docs/ENGINE.md "The binder and planner". Binds the AST into relations and
 * bexprs with relation-relative slots, fixes the layout, then plans. Not yet
 * built into the library on main. */
#include "sql/planner.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/base/alloc.h"
#include "core/base/json_util.h"
#include "core/base/suggest.h"
#include "sql/access_path.h"
#include "sql/bexpr.h"
#include "sql/ddb_read.h"
#include "sql/exec_ops.h"
#include "sql/functions.h"

typedef struct bquery bquery;
typedef struct bsel bsel;

typedef enum rel_kind { REL_TABLE, REL_DERIVED, REL_AGG, REL_WIN } rel_kind;

/* One relation of a select: a FROM item, or the aggregate/window output. */
typedef struct brel {
    rel_kind kind;
    char *alias;  /* what qualifies its columns (alias, else table name) */
    char *schema; /* tables: the schema name */
    sql_pos pos;
    /* REL_TABLE */
    json_object *desc;
    ddb_client *client;
    char *physical;
    char *label;
    ddb_path *paths; /* slot -> attribute path; n == 0: the whole item */
    char **path_keys;
    int npaths, cap;
    /* REL_DERIVED */
    bquery *q;
    /* layout */
    int width;
    int offset;
} brel;

typedef struct bfrom {
    bool leaf;
    int rel; /* leaf */
    sql_join_kind join;
    struct bfrom *l, *r;
    bexpr *on;
    int lo, hi; /* relations covered: [lo, hi) */
} bfrom;

struct bsel {
    brel **rels;
    int nrels, nfrom;
    bfrom *from;
    bexpr *where;
    bool has_agg;
    bexpr **groups;
    int ngroups;
    agg_spec *aggs;
    int naggs;
    int agg_rel;
    bexpr *having;
    win_spec *wins;
    int nwins;
    int win_rel;
    bool win_allowed;   /* binding the SELECT list or ORDER BY */
    const char *clause; /* what is being bound, for errors: "WHERE", "GROUP BY"... */
    bexpr **outs;
    plan_col *cols;
    int ncols;
    sort_key *order;
    int norder;
    bool distinct;
    int64_t limit, offset;
    /* USING (c): an unqualified c means the joined column (left, right or
       COALESCE of both, by join kind), bound at depth 0. */
    struct using_col {
        char *name;
        bexpr *merged;
    } * usings;
    int nusings;
    bexpr ***vrows; /* VALUES: nvrows rows of vwidth expressions, the source */
    int nvrows, vwidth;
    bool post_agg;  /* binding phase */
    int nvisible;   /* outs past this are hidden ORDER BY keys */
    int *order_out; /* per ORDER BY item: its out column, or -1 */
};

struct bquery {
    bsel *sel; /* NULL for a set operation */
    bquery *l, *r;
    sql_setop op;
    bool all;
    int *order_cols;
    bool *order_desc;
    int norder;
    int64_t limit, offset;
    plan_col *cols;
    int ncols;
    bool correlated;
};

/* A name scope: the FROM items of one select, and the way out. */
typedef struct scope {
    struct scope *parent;
    bsel *sel;
    bool push;   /* leaving this scope crosses a subquery boundary */
    bquery *sub; /* the subquery whose boundary it is (marked correlated) */
    const sql_cte *ctes;
    size_t nctes;
} scope;

typedef struct binder {
    catalog *cat;
    sql_error *err;
    char *hint;
    size_t hintlen;
    bool failed;
    const plan_opts *opts;
    sql_plan *plan;
    /* Planning (plan_query, plan_table): the statement's query, whether
       its select may stream to a cursor, and the ORDER BY/LIMIT hint for
       the read of the select being planned. */
    bquery *top;
    bool stream;
    struct read_hint *rhint;
} binder;

static bool fail(binder *b, const sql_pos *pos, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static bool fail(binder *b, const sql_pos *pos, const char *hint, const char *fmt, ...)
{
    if (b->failed)
        return false;
    b->failed = true;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sql_error_set(b->err, pos ? pos->line : 0, pos ? pos->column : 0, pos ? pos->offset : 0, "%s",
                  msg);
    snprintf(b->hint, b->hintlen, "%s", hint ? hint : "");
    return false;
}

/* ---- relations -------------------------------------------------------- */

static brel *rel_add(bsel *s, rel_kind kind)
{
    s->rels = xreallocarray(s->rels, (size_t)s->nrels + 1, sizeof *s->rels);
    brel *r = xcalloc(1, sizeof *r);
    r->kind = kind;
    s->rels[s->nrels++] = r;
    return r;
}

/* The slot of path in table relation r, added when new. key is the path's
 * canonical text ("" for the whole item). */
static int rel_path_slot(brel *r, const char *key, const ddb_path *p)
{
    for (int i = 0; i < r->npaths; i++)
        if (strcmp(r->path_keys[i], key) == 0)
            return i;
    if (r->npaths == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 8;
        r->paths = xreallocarray(r->paths, (size_t)r->cap, sizeof *r->paths);
        r->path_keys = xreallocarray(r->path_keys, (size_t)r->cap, sizeof *r->path_keys);
    }
    ddb_path *d = &r->paths[r->npaths];
    d->n = p->n;
    d->steps = p->n ? xcalloc(p->n, sizeof *d->steps) : NULL;
    for (size_t i = 0; i < p->n; i++) {
        d->steps[i].index = p->steps[i].index;
        d->steps[i].name = p->steps[i].name ? xstrdup(p->steps[i].name) : NULL;
    }
    r->path_keys[r->npaths] = xstrdup(key);
    return r->npaths++;
}

/* Attribute names a table is known to have: its keys and the sampled
 * top-level attributes. */
static bool table_knows(const brel *r, const char *name, bool quoted, const char **actual)
{
    json_object *types = jget_obj(r->desc, "attribute_types");
    json_object *ks = jget_obj(r->desc, "key_schema");
    const char *keys[2] = {jget_str(jget_obj(ks, "partition_key"), "name"),
                           jget_str(jget_obj(ks, "sort_key"), "name")};
    for (int i = 0; i < 2; i++)
        if (keys[i] && strcmp(keys[i], name) == 0) {
            *actual = keys[i];
            return true;
        }
    if (types && json_object_object_get_ex(types, name, NULL)) {
        *actual = name;
        return true;
    }
    if (quoted)
        return false;
    const char *found = NULL;
    int n = 0;
    for (int i = 0; i < 2; i++)
        if (keys[i] && strcasecmp(keys[i], name) == 0) {
            found = keys[i];
            n++;
        }
    if (types) {
        json_object_object_foreach(types, k, v)
        {
            (void)v;
            if (strcasecmp(k, name) == 0 && !(found && strcmp(found, k) == 0)) {
                found = k;
                n++;
            }
        }
    }
    if (n == 1) {
        *actual = found;
        return true;
    }
    return false;
}

/* ---- column references -------------------------------------------------- */

/* Appends the AST path steps from `from` as a canonical key and ddb_path. */
/* The sampled nested path (a dotted name in the description's columns)
 * that continues prefix with step: exact, else the only case-insensitive
 * match. Returns the step's spelling in the table, or NULL. */
static const char *nested_name(const brel *r, const char *prefix, const char *step, bool quoted)
{
    json_object *cols = jget_arr(r->desc, "columns");
    size_t plen = strlen(prefix), slen = strlen(step);
    const char *found = NULL;
    int n = 0;
    for (size_t i = 0; cols && i < json_object_array_length(cols); i++) {
        const char *name = jget_str(json_object_array_get_idx(cols, i), "name");
        if (!name || strncmp(name, prefix, plen) != 0 || name[plen] != '.' ||
            strchr(name + plen + 1, '.') || strlen(name + plen + 1) != slen)
            continue;
        const char *tail = name + plen + 1;
        if (strcmp(tail, step) == 0)
            return tail;
        if (!quoted && strcasecmp(tail, step) == 0) {
            found = tail;
            n++;
        }
    }
    return n == 1 ? found : NULL;
}

static void path_from_ast(const brel *r, const sql_path *ap, size_t from, const char *first,
                          ddb_path *out, buf_t *key)
{
    /* Map keys resolve like attribute names, through the sampled dotted
       paths, until a list index (past which nothing was sampled). */
    char prefix[1024];
    bool resolving = first && r->desc && strlen(first) < sizeof prefix && !strchr(first, '.');
    if (resolving)
        snprintf(prefix, sizeof prefix, "%s", first);
    out->n = ap->n - from;
    out->steps = xcalloc(out->n ? out->n : 1, sizeof *out->steps);
    for (size_t i = from; i < ap->n; i++) {
        ddb_path_step *st = &out->steps[i - from];
        const sql_path_step *a = &ap->v[i];
        if (a->is_index) {
            resolving = false;
            st->index = (size_t)a->index;
            buf_printf(key, "[%lld]", a->index);
        } else {
            const char *name = i == from && first ? first : a->name.text;
            if (i > from && resolving) {
                const char *actual = nested_name(r, prefix, a->name.text, a->name.quoted);
                if (actual)
                    name = actual;
                size_t pl = strlen(prefix);
                resolving = actual && pl + 1 + strlen(actual) < sizeof prefix;
                if (resolving)
                    snprintf(prefix + pl, sizeof prefix - pl, ".%s", actual);
            }
            st->name = xstrdup(name);
            buf_printf(key, "%s\"%s\"", i == from ? "" : ".", st->name);
        }
    }
}

static void path_clear(ddb_path *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->steps[i].name);
    free(p->steps);
}

/* The column of table relation r reached by ap[from..]: a BX_COL with the
 * relation-relative slot, or BX_OUTER when the scope is outside. */
static bexpr *col_ref(bsel *owner, int rel, int local, int depth, sql_pos pos)
{
    bexpr *e = bexpr_new(depth ? BX_OUTER : BX_COL, pos);
    e->rel = rel;
    e->slot = local;
    e->depth = depth;
    e->owner = owner;
    return e;
}

static bexpr *table_column(bsel *owner, int rel, const sql_path *ap, size_t from,
                           const char *actual, int depth, sql_pos pos)
{
    brel *r = owner->rels[rel];
    ddb_path p;
    buf_t key = BUF_INIT(64 * 1024);
    path_from_ast(r, ap, from, actual, &p, &key);
    int slot = rel_path_slot(r, buf_cstr(&key), &p);
    path_clear(&p);
    buf_free(&key);
    return col_ref(owner, rel, slot, depth, pos);
}

/* A derived relation's column by name (exact, then case-insensitive when
 * unique); -1 when none, -2 when ambiguous. */
static int derived_column(const brel *r, const char *name, bool quoted)
{
    int hit = -1, n = 0;
    if (!r->q)
        return -1;
    for (int i = 0; i < r->q->ncols; i++)
        if (!r->q->cols[i].star && strcmp(r->q->cols[i].name, name) == 0)
            return i;
    if (quoted)
        return -1;
    for (int i = 0; i < r->q->ncols; i++)
        if (!r->q->cols[i].star && strcasecmp(r->q->cols[i].name, name) == 0) {
            hit = i;
            n++;
        }
    return n > 1 ? -2 : hit;
}

/* Resolves a column path written in scope sc: qualified (alias.col,
 * schema.table.col) or not, searching outward through enclosing queries.
 * NULL with the error set when unknown or ambiguous. */
static bool bexpr_equal(const bexpr *x, const bexpr *y);

/* A derived relation's star column (a whole item) that may hold attribute
 * name: the one keyed on it, else the first. -1 when it has none. */
static int derived_star(const brel *r, const char *name)
{
    int first = -1;
    for (int i = 0; r->q && i < r->q->ncols; i++) {
        const plan_col *c = &r->q->cols[i];
        if (!c->star)
            continue;
        if ((c->pk && strcmp(c->pk, name) == 0) || (c->sk && strcmp(c->sk, name) == 0))
            return i;
        if (first < 0)
            first = i;
    }
    return first;
}

/* base, or steps ap[from..] into it. */
static bexpr *path_into(bexpr *base, const sql_path *ap, size_t from, sql_pos pos)
{
    if (from >= ap->n)
        return base;
    bexpr *p = bexpr_new(BX_PATH, pos);
    bexpr_add_arg(p, base);
    p->nsteps = ap->n - from;
    p->steps = xcalloc(p->nsteps, sizeof *p->steps);
    for (size_t k = from; k < ap->n; k++) {
        p->steps[k - from].index = (size_t)ap->v[k].index;
        p->steps[k - from].name = ap->v[k].is_index ? NULL : xstrdup(ap->v[k].name.text);
    }
    return p;
}

static bexpr *resolve_column_in_scopes(binder *b, scope *sc, const sql_path *ap, sql_pos pos);

/* A column of an enclosing select that has already aggregated (a subquery
 * in its select list, HAVING or ORDER BY) reads that select's output row,
 * so it must be one of its GROUP BY expressions. */
static bexpr *resolve_column(binder *b, scope *sc, const sql_path *ap, sql_pos pos)
{
    bexpr *e = resolve_column_in_scopes(b, sc, ap, pos);
    bexpr *col = e && e->kind == BX_PATH ? e->args[0] : e;
    if (!col || col->kind != BX_OUTER || !col->owner || !((const bsel *)col->owner)->post_agg)
        return e;
    bsel *o = (bsel *)col->owner;
    int depth = col->depth;
    col->kind = BX_COL; /* as seen from its own select, to compare with the groups */
    col->depth = 0;
    int hit = -1;
    for (int i = 0; i < o->ngroups && hit < 0; i++)
        if (bexpr_equal(e, o->groups[i]))
            hit = i;
    bexpr_free(e);
    if (hit >= 0)
        return col_ref(o, o->agg_rel, hit, depth, pos);
    fail(b, &pos, "add it to the outer query's GROUP BY, or aggregate it there",
         "column %s of the outer query must appear in its GROUP BY or inside an aggregate",
         ap->v[ap->n - 1].is_index ? ap->v[0].name.text : ap->v[ap->n - 1].name.text);
    return NULL;
}

/* A column read bound in its own select, seen from depth selects inside. */
static void set_outer_depth(bexpr *e, int depth)
{
    if (e->kind == BX_COL && e->owner) {
        e->kind = BX_OUTER;
        e->depth = depth;
    }
    for (size_t i = 0; i < e->nargs; i++)
        set_outer_depth(e->args[i], depth);
}

/* Adds r's known attribute names to cands (at most max in all). */
static size_t rel_names(const brel *r, const char **cands, size_t n, size_t max)
{
    if (r->kind == REL_TABLE) {
        json_object *types = jget_obj(r->desc, "attribute_types");
        if (types) {
            json_object_object_foreach(types, k, v)
            {
                (void)v;
                if (n < max)
                    cands[n++] = k;
            }
        }
    } else if (r->kind == REL_DERIVED && r->q) {
        for (int c = 0; c < r->q->ncols && n < max; c++)
            if (!r->q->cols[c].star)
                cands[n++] = r->q->cols[c].name;
    }
    return n;
}

static void unknown_column_hint(const char *near, char *hint, size_t n)
{
    if (near)
        snprintf(hint, n,
                 "did you mean %s? If the attribute exists but the sample missed it, write it "
                 "in double quotes",
                 near);
    else
        snprintf(hint, n,
                 "call describe_table to see the columns; if the attribute exists but the "
                 "sample missed it, write it in double quotes");
}

/* alias.name where the table r has no attribute name in its sample. */
static void unknown_column(binder *b, const brel *r, const char *name, sql_pos pos)
{
    const char *cands[256];
    size_t n = rel_names(r, cands, 0, 256);
    char hint[400];
    unknown_column_hint(suggest_nearest(name, cands, n), hint, sizeof hint);
    fail(b, &pos, hint, "unknown column %s of %s", name, r->alias ? r->alias : "the table");
}

static bexpr *resolve_column_in_scopes(binder *b, scope *sc, const sql_path *ap, sql_pos pos)
{
    int depth = 0;
    const sql_name *first = &ap->v[0].name;
    /* A scope without a select holds only CTE names (a CTE body sees no
       enclosing query's columns): the search for columns ends there. */
    for (scope *s = sc; s && s->sel; s = s->parent) {
        bsel *sel = s->sel;
        /* Qualified: the first step names a FROM item. */
        if (ap->n >= 2 && !ap->v[0].is_index && !ap->v[1].is_index) {
            for (int i = 0; i < sel->nfrom; i++) {
                brel *r = sel->rels[i];
                if (!r->alias || (first->quoted ? strcmp(r->alias, first->text)
                                                : strcasecmp(r->alias, first->text)))
                    continue;
                if (r->kind == REL_TABLE) {
                    const char *actual = ap->v[1].name.text;
                    if (table_knows(r, ap->v[1].name.text, ap->v[1].name.quoted, &actual) ||
                        ap->v[1].name.quoted)
                        return table_column(sel, i, ap, 1, actual, depth, pos);
                    unknown_column(b, r, ap->v[1].name.text, pos);
                    return NULL;
                }
                int c = derived_column(r, ap->v[1].name.text, ap->v[1].name.quoted);
                if (c >= 0)
                    return path_into(col_ref(sel, i, c, depth, pos), ap, 2, pos);
                int st = c == -1 ? derived_star(r, ap->v[1].name.text) : -1;
                if (st >= 0) /* an attribute of the item its SELECT * passes on */
                    return path_into(col_ref(sel, i, st, depth, pos), ap, 1, pos);
                fail(b, &pos, "use one of the columns its query defines", "%s has no column %s",
                     r->alias, ap->v[1].name.text);
                return NULL;
            }
        }
        /* Unqualified: the first step is a column of exactly one FROM item. */
        int hit_rel = -1, hits = 0, hit_col = -1, star_rel = -1, stars = 0;
        const char *hit_actual = NULL;
        for (int i = 0; i < sel->nfrom; i++) {
            brel *r = sel->rels[i];
            const char *actual;
            if (r->kind == REL_TABLE && table_knows(r, first->text, first->quoted, &actual)) {
                hit_rel = i;
                hit_actual = actual;
                hits++;
            } else if (r->kind == REL_DERIVED) {
                int c = derived_column(r, first->text, first->quoted);
                if (c >= 0 || c == -2) {
                    hit_rel = i;
                    hit_col = c;
                    hits++;
                } else if (derived_star(r, first->text) >= 0) {
                    star_rel = i;
                    stars++;
                }
            }
        }
        for (int u = 0; hits > 1 && u < sel->nusings; u++)
            if (first->quoted ? strcmp(sel->usings[u].name, first->text) == 0
                              : strcasecmp(sel->usings[u].name, first->text) == 0) {
                bexpr *m = bexpr_clone(sel->usings[u].merged);
                if (depth)
                    set_outer_depth(m, depth);
                return path_into(m, ap, 1, pos);
            }
        if (hits > 1) {
            fail(b, &pos, "qualify the column with its table's alias, e.g. o.status",
                 "column %s is ambiguous: more than one table has it", first->text);
            return NULL;
        }
        if (hits == 1) {
            brel *r = sel->rels[hit_rel];
            if (r->kind == REL_TABLE)
                return table_column(sel, hit_rel, ap, 0, hit_actual, depth, pos);
            if (hit_col == -2) {
                fail(b, &pos, "write the column name with its exact case in double quotes",
                     "column %s matches more than one column of %s", first->text, r->alias);
                return NULL;
            }
            return col_ref(sel, hit_rel, hit_col, depth, pos);
        }
        /* Else an attribute of the only derived relation that passes whole
           items on (SELECT * in it): nothing else names it. */
        if (stars == 1) {
            int st = derived_star(sel->rels[star_rel], first->text);
            return path_into(col_ref(sel, star_rel, st, depth, pos), ap, 0, pos);
        }
        if (stars > 1) {
            fail(b, &pos, "qualify the column with its derived table's alias, e.g. d.status",
                 "column %s is ambiguous: more than one derived table passes SELECT * on",
                 first->text);
            return NULL;
        }
        /* A double-quoted name on the only table of the innermost select is
           taken as written: an attribute the sample did not see. */
        if (s == sc && first->quoted && sel->nfrom == 1 && sel->rels[0]->kind == REL_TABLE)
            return table_column(sel, 0, ap, 0, first->text, depth, pos);
        if (s->push) {
            depth++;
            if (s->sub)
                s->sub->correlated = true;
        }
    }
    /* Unknown: name the nearest known columns of the innermost select. */
    const char *cands[256];
    size_t n = 0;
    bsel *sel = sc->sel;
    for (int i = 0; i < sel->nfrom && n < 256; i++)
        n = rel_names(sel->rels[i], cands, n, 256);
    const char *near = suggest_nearest(first->text, cands, n);
    if (!near && ap->n >= 2 && !ap->v[1].is_index && sel->nfrom > 0) {
        /* x.y where x is neither a FROM item nor a column. */
        char names[300] = "";
        size_t used = 0;
        for (int i = 0; i < sel->nfrom && used < sizeof names - 40; i++)
            if (sel->rels[i]->alias)
                used += (size_t)snprintf(names + used, sizeof names - used, "%s%s",
                                         used ? ", " : "", sel->rels[i]->alias);
        char hint[400];
        snprintf(hint, sizeof hint, "qualify columns with one of: %s", names);
        fail(b, &pos, hint,
             "unknown table or alias %s: the FROM clause has %s, and no column is named %s",
             first->text, names, first->text);
        return NULL;
    }
    char hint[400];
    unknown_column_hint(near, hint, sizeof hint);
    fail(b, &pos, hint, "unknown column %s", first->text);
    return NULL;
}

/* ---- expressions ------------------------------------------------------ */

static bexpr *bind_expr(binder *b, scope *sc, const sql_expr *a);
static bquery *bind_query(binder *b, scope *parent, bool push, const sql_query *q);

static bool is_aggregate_name(const char *f)
{
    static const char *const names[] = {"COUNT", "SUM", "AVG", "MIN", "MAX"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(f, names[i]) == 0)
            return true;
    return false;
}

static bexpr *bind_args(binder *b, scope *sc, bexpr *e, const sql_expr_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        bexpr *c = bind_expr(b, sc, l->v[i]);
        if (!c) {
            bexpr_free(e);
            return NULL;
        }
        bexpr_add_arg(e, c);
    }
    return e;
}

static bexpr *bind_func(binder *b, scope *sc, const sql_expr *a)
{
    if (a->over || is_aggregate_name(a->func)) {
        const char *clause = sc->sel && sc->sel->clause ? sc->sel->clause : NULL;
        if (clause && strcmp(clause, "an aggregate") == 0)
            fail(b, &a->pos,
                 "aggregate one level at a time: compute the inner aggregate in a derived table, "
                 "e.g. SELECT MAX(n) FROM (SELECT COUNT(*) AS n FROM t GROUP BY k) x",
                 "aggregate calls cannot be nested: %s(...) inside another aggregate", a->func);
        else if (clause && strcmp(clause, "WHERE") == 0)
            fail(b, &a->pos,
                 "filter on aggregates with HAVING (after GROUP BY), or compute them in a "
                 "subquery",
                 "%s(...) is not allowed in WHERE: WHERE filters rows before they are grouped",
                 a->func);
        else
            fail(b, &a->pos,
                 "aggregates belong in the SELECT list, HAVING or ORDER BY of a query that groups",
                 "%s(...) is not allowed %s%s", a->func, clause ? "in " : "here",
                 clause ? clause : "");
        return NULL;
    }
    const fn_info *fi = fn_lookup(a->func);
    if (!fi) {
        size_t n;
        const fn_info *all = fn_all(&n);
        const char *cands[64];
        size_t k = 0;
        for (size_t i = 0; i < n && k < 64; i++)
            cands[k++] = all[i].name;
        const char *near = suggest_nearest(a->func, cands, k);
        for (size_t i = 0; !near && i < k; i++) /* LEN -> LENGTH */
            if (strncasecmp(cands[i], a->func, strlen(a->func)) == 0)
                near = cands[i];
        char hint[256];
        snprintf(hint, sizeof hint, "%s%s%s functions are listed in ddbsql://docs/sql-reference",
                 near ? "did you mean " : "", near ? near : "", near ? "? All" : "The");
        fail(b, &a->pos, hint, "unknown function %s", a->func);
        return NULL;
    }
    int n = (int)a->list.n;
    if (n < fi->min_args || (fi->max_args >= 0 && n > fi->max_args)) {
        char range[48];
        if (fi->max_args < 0)
            snprintf(range, sizeof range, "%d or more arguments", fi->min_args);
        else if (fi->max_args == fi->min_args)
            snprintf(range, sizeof range, "%d argument%s", fi->min_args,
                     fi->min_args == 1 ? "" : "s");
        else
            snprintf(range, sizeof range, "%d %s %d arguments", fi->min_args,
                     fi->max_args == fi->min_args + 1 ? "or" : "to", fi->max_args);
        fail(b, &a->pos, fi->signature, "%s takes %s, got %d", fi->name, range, n);
        return NULL;
    }
    bexpr *e = bexpr_new(BX_FUNC, a->pos);
    e->fn = (int)fi->id;
    return bind_args(b, sc, e, &a->list);
}

static bool bexpr_equal(const bexpr *x, const bexpr *y)
{
    if (x->kind != y->kind || x->op != y->op || x->negated != y->negated || x->nargs != y->nargs ||
        x->fn != y->fn || x->cast != y->cast || x->bound || y->bound)
        return false;
    if ((x->kind == BX_COL || x->kind == BX_OUTER) &&
        (x->slot != y->slot || x->rel != y->rel || x->owner != y->owner || x->depth != y->depth))
        return false;
    if (x->kind == BX_CONST &&
        (x->value.type != y->value.type || !value_equal(&x->value, &y->value)))
        return false;
    if (x->nsteps != y->nsteps)
        return false;
    for (size_t i = 0; i < x->nsteps; i++)
        if ((x->steps[i].name == NULL) != (y->steps[i].name == NULL) ||
            (x->steps[i].name ? strcmp(x->steps[i].name, y->steps[i].name) != 0
                              : x->steps[i].index != y->steps[i].index))
            return false;
    for (size_t i = 0; i < x->nargs; i++)
        if (!bexpr_equal(x->args[i], y->args[i]))
            return false;
    return true;
}

static bexpr *bind_post(binder *b, scope *sc, const sql_expr *a);

static bexpr *bind_node(binder *b, scope *sc, const sql_expr *a);
static void free_query(bquery *q);

static bexpr *bind_window(binder *b, scope *sc, const sql_expr *a);

static bexpr *bind_expr(binder *b, scope *sc, const sql_expr *a)
{
    if (a->kind == SQL_E_FUNC && a->over)
        return bind_window(b, sc, a);
    if (sc->sel && sc->sel->post_agg)
        return bind_post(b, sc, a);
    return bind_node(b, sc, a);
}

/* One node; its children go through bind_expr (and so the current phase). */
static bexpr *bind_node(binder *b, scope *sc, const sql_expr *a)
{
    bexpr *e = NULL;
    switch (a->kind) {
    case SQL_E_NUMBER: {
        value_t v;
        if (value_number_parse(a->text, a->text_len, &v) != DEC_OK) {
            fail(b, &a->pos, "numbers have at most 38 significant digits",
                 "number %.*s is out of range", (int)a->text_len, a->text);
            return NULL;
        }
        return bexpr_const(v, a->pos);
    }
    case SQL_E_STRING:
        return bexpr_const(value_string(a->text, a->text_len), a->pos);
    case SQL_E_BOOL:
        return bexpr_const(value_bool(a->bval), a->pos);
    case SQL_E_NULL:
        return bexpr_const(value_null(), a->pos);
    case SQL_E_COLUMN:
        return resolve_column(b, sc, &a->path, a->pos);
    case SQL_E_UNARY:
        e = bexpr_new(BX_UNARY, a->pos);
        e->op = a->op;
        break;
    case SQL_E_BINARY:
        e = bexpr_new(BX_BINARY, a->pos);
        e->op = a->op;
        break;
    case SQL_E_IS_NULL:
        e = bexpr_new(BX_IS_NULL, a->pos);
        break;
    case SQL_E_BETWEEN:
        e = bexpr_new(BX_BETWEEN, a->pos);
        break;
    case SQL_E_LIKE:
        e = bexpr_new(BX_LIKE, a->pos);
        break;
    case SQL_E_IN_LIST: {
        e = bexpr_new(BX_IN_LIST, a->pos);
        e->negated = a->negated;
        bexpr *l = bind_expr(b, sc, a->left);
        if (!l) {
            bexpr_free(e);
            return NULL;
        }
        bexpr_add_arg(e, l);
        return bind_args(b, sc, e, &a->list);
    }
    case SQL_E_CAST: {
        static const cast_target map[] = {
            [SQL_T_TEXT] = CAST_TEXT,       [SQL_T_INTEGER] = CAST_INTEGER,
            [SQL_T_BIGINT] = CAST_INTEGER,  [SQL_T_DECIMAL] = CAST_DECIMAL,
            [SQL_T_DOUBLE] = CAST_DOUBLE,   [SQL_T_REAL] = CAST_DOUBLE,
            [SQL_T_BOOLEAN] = CAST_BOOLEAN,
        };
        e = bexpr_new(BX_CAST, a->pos);
        e->cast = map[a->type.kind];
        break;
    }
    case SQL_E_FUNC:
        return bind_func(b, sc, a);
    case SQL_E_IN_QUERY:
    case SQL_E_EXISTS:
    case SQL_E_SUBQUERY: {
        e = bexpr_new(a->kind == SQL_E_IN_QUERY ? BX_IN_SUBQ
                      : a->kind == SQL_E_EXISTS ? BX_EXISTS
                                                : BX_SUBQ,
                      a->pos);
        e->negated = a->negated;
        if (a->kind == SQL_E_IN_QUERY) {
            bexpr *l = bind_expr(b, sc, a->left);
            if (!l) {
                bexpr_free(e);
                return NULL;
            }
            bexpr_add_arg(e, l);
        }
        bquery *q = bind_query(b, sc, true, a->query);
        if (!q) {
            bexpr_free(e);
            return NULL;
        }
        if (a->kind != SQL_E_EXISTS && (b->failed || q->ncols != 1)) {
            fail(b, &a->pos, "select exactly one column in the subquery",
                 "the subquery returns %d columns where one is needed", q->ncols);
            free_query(q);
            bexpr_free(e);
            return NULL;
        }
        e->bound = q;
        return e;
    }
    case SQL_E_CASE: {
        e = bexpr_new(BX_CASE, a->pos);
        e->has_operand = a->left != NULL;
        e->has_else = a->right != NULL;
        size_t n = 2 * a->list.n + (a->left ? 1 : 0) + (a->right ? 1 : 0);
        for (size_t i = 0; i < n; i++) {
            size_t k = a->left ? i - 1 : i;
            const sql_expr *part = a->left && i == 0 ? a->left
                                   : k / 2 < a->list.n
                                       ? (k % 2 ? a->list2.v[k / 2] : a->list.v[k / 2])
                                       : a->right;
            bexpr *c = bind_expr(b, sc, part);
            if (!c) {
                bexpr_free(e);
                return NULL;
            }
            bexpr_add_arg(e, c);
        }
        return e;
    }
    case SQL_E_EXTRACT: {
        e = bexpr_new(BX_FUNC, a->pos);
        e->fn = FN_EXTRACT;
        bexpr_add_arg(e, bexpr_const(value_string(a->text, strlen(a->text)), a->pos));
        bexpr *t = bind_expr(b, sc, a->left);
        if (!t) {
            bexpr_free(e);
            return NULL;
        }
        bexpr_add_arg(e, t);
        return e;
    }
    case SQL_E_TRIM: {
        e = bexpr_new(BX_FUNC, a->pos);
        e->fn = a->trim_where == SQL_TRIM_LEADING    ? FN_LTRIM
                : a->trim_where == SQL_TRIM_TRAILING ? FN_RTRIM
                                                     : FN_TRIM;
        bexpr *s = bind_expr(b, sc, a->left);
        bexpr *chars = s && a->right ? bind_expr(b, sc, a->right) : NULL;
        if (!s || (a->right && !chars)) {
            bexpr_free(s);
            bexpr_free(e);
            return NULL;
        }
        bexpr_add_arg(e, s);
        if (chars)
            bexpr_add_arg(e, chars);
        return e;
    }
    default:
        fail(b, &a->pos, NULL, "this expression is not supported here");
        return NULL;
    }
    e->negated = a->negated;
    const sql_expr *kids[3] = {a->left, a->right, a->third};
    for (int i = 0; i < 3; i++) {
        if (!kids[i])
            continue;
        bexpr *c = bind_expr(b, sc, kids[i]);
        if (!c) {
            bexpr_free(e);
            return NULL;
        }
        bexpr_add_arg(e, c);
    }
    return e;
}

/* An aggregate call: its argument binds before aggregation; the call
 * becomes a slot of the aggregate output. */
static bexpr *bind_aggregate(binder *b, scope *sc, const sql_expr *a)
{
    bsel *sel = sc->sel;
    agg_spec sp = {.pos = a->pos, .distinct = a->distinct};
    const char *f = a->func;
    if (a->over) {
        fail(b, &a->pos, NULL, "window functions are not yet supported by the planner");
        return NULL;
    }
    if (a->star) {
        sp.kind = AGG_COUNT_STAR;
    } else {
        if (a->list.n != 1) {
            fail(b, &a->pos, "aggregates take exactly one argument: COUNT(x), SUM(x) ...",
                 "%s takes one argument, got %zu", f, a->list.n);
            return NULL;
        }
        sp.kind = strcmp(f, "COUNT") == 0 ? AGG_COUNT
                  : strcmp(f, "SUM") == 0 ? AGG_SUM
                  : strcmp(f, "AVG") == 0 ? AGG_AVG
                  : strcmp(f, "MIN") == 0 ? AGG_MIN
                                          : AGG_MAX;
        sel->post_agg = false;
        const char *was = sel->clause;
        sel->clause = "an aggregate";
        sp.arg = bind_expr(b, sc, a->list.v[0]);
        sel->clause = was;
        sel->post_agg = true;
        if (!sp.arg)
            return NULL;
    }
    for (int j = 0; j < sel->naggs; j++) {
        const agg_spec *o = &sel->aggs[j];
        if (o->kind == sp.kind && o->distinct == sp.distinct &&
            ((!o->arg && !sp.arg) || (o->arg && sp.arg && bexpr_equal(o->arg, sp.arg)))) {
            bexpr_free(sp.arg);
            return col_ref(sel, sel->agg_rel, sel->ngroups + j, 0, a->pos);
        }
    }
    sel->aggs = xreallocarray(sel->aggs, (size_t)sel->naggs + 1, sizeof *sel->aggs);
    sel->aggs[sel->naggs] = sp;
    return col_ref(sel, sel->agg_rel, sel->ngroups + sel->naggs++, 0, a->pos);
}

/* name(...) OVER (PARTITION BY ... ORDER BY ...): a slot of the window
 * relation, computed after grouping (its expressions bind in the phase of
 * the select list) and before the final projection. */
static bexpr *bind_window(binder *b, scope *sc, const sql_expr *a)
{
    bsel *sel = sc->sel;
    static const struct {
        const char *name;
        win_kind kind;
        int nargs;
    } fns[] = {
        {"ROW_NUMBER", WIN_ROW_NUMBER, 0},
        {"RANK", WIN_RANK, 0},
        {"DENSE_RANK", WIN_DENSE_RANK, 0},
        {"COUNT", WIN_COUNT, 1},
        {"SUM", WIN_SUM, 1},
        {"AVG", WIN_AVG, 1},
        {"MIN", WIN_MIN, 1},
        {"MAX", WIN_MAX, 1},
    };
    if (!sel || !sel->win_allowed) {
        fail(b, &a->pos,
             "compute it in a derived table, e.g. SELECT * FROM (SELECT ..., ROW_NUMBER() OVER "
             "(...) AS rn FROM t) x WHERE rn <= 3",
             "window function %s(...) OVER is allowed only in the SELECT list and ORDER BY",
             a->func);
        return NULL;
    }
    win_spec sp = {.pos = a->pos};
    int want = -1;
    for (size_t i = 0; i < sizeof fns / sizeof fns[0] && want < 0; i++)
        if (strcmp(a->func, fns[i].name) == 0) {
            sp.kind = fns[i].kind;
            want = fns[i].nargs;
        }
    if (want < 0) {
        fail(b, &a->pos,
             "window functions are ROW_NUMBER, RANK, DENSE_RANK, COUNT, SUM, AVG, MIN and MAX",
             "%s cannot be used with OVER", a->func);
        return NULL;
    }
    if (a->distinct) {
        fail(b, &a->pos, "compute the distinct values in a derived table first",
             "DISTINCT is not supported in window functions");
        return NULL;
    }
    if (a->star && sp.kind == WIN_COUNT) {
        sp.kind = WIN_COUNT_STAR;
        want = 0;
    }
    if ((int)a->list.n != want || (a->star && want)) {
        fail(b, &a->pos,
             want ? "pass one argument, e.g. SUM(total) OVER (...)"
                  : "write it as ROW_NUMBER() OVER (...)",
             "%s takes %d argument%s in a window, got %zu", a->func, want, want == 1 ? "" : "s",
             a->list.n);
        return NULL;
    }
    sel->win_allowed = false; /* no windows inside windows */
    bool ok = true;
    if (want)
        ok = (sp.arg = bind_expr(b, sc, a->list.v[0])) != NULL;
    const sql_window *w = a->over;
    sp.partition = xcalloc(w->partition_by.n + 1, sizeof *sp.partition);
    for (size_t i = 0; ok && i < w->partition_by.n; i++) {
        sp.partition[i] = bind_expr(b, sc, w->partition_by.v[i]);
        ok = sp.partition[sp.npartition++] != NULL;
    }
    sp.order = xcalloc(w->order_by.n + 1, sizeof *sp.order);
    for (size_t i = 0; ok && i < w->order_by.n; i++) {
        sp.order[i].expr = bind_expr(b, sc, w->order_by.v[i].expr);
        sp.order[i].desc = w->order_by.v[i].desc;
        ok = sp.order[sp.norder++].expr != NULL;
    }
    sel->win_allowed = true;
    if (!sel->nwins) {
        sel->win_rel = sel->nrels;
        rel_add(sel, REL_WIN);
    }
    sel->wins = xreallocarray(sel->wins, (size_t)sel->nwins + 1, sizeof *sel->wins);
    sel->wins[sel->nwins] = sp;
    int j = sel->nwins++;
    if (!ok)
        return NULL; /* freed with the select */
    return col_ref(sel, sel->win_rel, j, 0, a->pos);
}

/* GROUP BY expressions hold no subquery, so an expression with one never
 * equals a group (and a trial binding of it would bind the subquery). */
static bool expr_has_subquery(const sql_expr *a)
{
    if (!a)
        return false;
    if (a->kind == SQL_E_SUBQUERY || a->kind == SQL_E_EXISTS || a->kind == SQL_E_IN_QUERY)
        return true;
    if (expr_has_subquery(a->left) || expr_has_subquery(a->right) || expr_has_subquery(a->third))
        return true;
    for (size_t i = 0; i < a->list.n; i++)
        if (expr_has_subquery(a->list.v[i]))
            return true;
    for (size_t i = 0; i < a->list2.n; i++)
        if (expr_has_subquery(a->list2.v[i]))
            return true;
    return false;
}

/* Binding after aggregation: a GROUP BY expression becomes its group slot,
 * an aggregate its aggregate slot; other columns are errors. */
static bexpr *bind_post(binder *b, scope *sc, const sql_expr *a)
{
    bsel *sel = sc->sel;
    if (a->kind == SQL_E_FUNC && (is_aggregate_name(a->func) || a->star) && !a->over)
        return bind_aggregate(b, sc, a);
    if (sel->ngroups && a->kind != SQL_E_NUMBER && a->kind != SQL_E_STRING &&
        a->kind != SQL_E_NULL && a->kind != SQL_E_BOOL && !expr_has_subquery(a)) {
        /* Try it as a pre-aggregation expression equal to a group. */
        sql_error saved = *b->err;
        bool was = b->failed;
        sel->post_agg = false;
        bexpr *t = bind_expr(b, sc, a);
        sel->post_agg = true;
        int hit = -1;
        for (int i = 0; t && i < sel->ngroups && hit < 0; i++)
            if (bexpr_equal(t, sel->groups[i]))
                hit = i;
        bexpr_free(t);
        *b->err = saved;
        b->failed = was;
        if (hit >= 0)
            return col_ref(sel, sel->agg_rel, hit, 0, a->pos);
    }
    if (a->kind == SQL_E_COLUMN) {
        char name[256];
        snprintf(name, sizeof name, "%s", a->path.v[0].is_index ? "?" : a->path.v[0].name.text);
        fail(b, &a->pos, "add it to GROUP BY, or use it inside an aggregate such as MAX(...)",
             "column %s must appear in GROUP BY or inside an aggregate", name);
        return NULL;
    }
    /* Literals and operators: this node as usual, children post-aggregation. */
    return bind_node(b, sc, a);
}

/* ---- FROM ------------------------------------------------------------- */

static void add_out(bsel *sel, bexpr *e, const char *name, bool star, const char *pk,
                    const char *sk);
static void copy_cols(bquery *q, const plan_col *cols, int n);

/* The CTE t names, and in *visible the CTEs its body may read: those
 * defined before it in the same WITH (so no CTE reads itself or a later
 * one), and those of enclosing WITHs. */
static const sql_cte *find_cte(scope *sc, const sql_table_ref *t, scope *visible)
{
    if (t->schema.text)
        return NULL;
    for (scope *s = sc; s; s = s->parent)
        for (size_t i = 0; i < s->nctes; i++)
            if (t->name.quoted ? strcmp(s->ctes[i].name.text, t->name.text) == 0
                               : strcasecmp(s->ctes[i].name.text, t->name.text) == 0) {
                *visible = (scope){.parent = s->parent, .ctes = s->ctes, .nctes = i};
                return &s->ctes[i];
            }
    return NULL;
}

static void name_derived_cols(bquery *q, const sql_name_list *aliases)
{
    for (size_t i = 0; i < aliases->n && (int)i < q->ncols; i++) {
        free(q->cols[i].name);
        q->cols[i].name = xstrdup(aliases->v[i].text);
    }
}

static bool bind_table(binder *b, scope *sc, bsel *sel, const sql_table_ref *t, brel *r)
{
    catalog_error ce;
    const schema_conf *schema = catalog_schema(b->cat, t->schema.text, &ce);
    if (!schema)
        return fail(b, &t->pos, "name a configured schema, or leave it out for the default one",
                    "%s", ce.message);
    json_object *desc =
        catalog_describe_table(b->cat, schema->name, t->name.text, REFRESH_IF_STALE, &ce);
    if (!desc && ce.status == CATALOG_DYNAMODB)
        /* Throttled or unreachable: the name is not the problem, so no
           "did you mean" for a table that may well exist. */
        return fail(b, &t->pos,
                    "this is not a mistake in the SQL: DynamoDB failed while the table was being "
                    "described; wait a little and run the query again, and tell the user if it "
                    "keeps failing",
                    "%s", ce.message);
    if (!desc) {
        /* Name the nearest known table, or list a few. */
        json_object *names = catalog_table_names(b->cat, schema, "");
        const char *cands[CATALOG_LIST_CAP];
        size_t n = 0;
        for (size_t i = 0; names && i < json_object_array_length(names) && n < CATALOG_LIST_CAP;
             i++)
            cands[n++] = json_object_get_string(json_object_array_get_idx(names, i));
        const char *near = suggest_nearest(t->name.text, cands, n);
        char hint[512];
        if (near) {
            snprintf(hint, sizeof hint, "did you mean %s.%s?", schema->name, near);
        } else {
            size_t used = (size_t)snprintf(hint, sizeof hint, "tables in %s: ", schema->name);
            for (size_t i = 0; i < n && i < 10 && used < sizeof hint - 80; i++)
                used += (size_t)snprintf(hint + used, sizeof hint - used, "%s%s", i ? ", " : "",
                                         cands[i]);
            snprintf(hint + used, sizeof hint - used, "%s; call list_tables for all of them",
                     n > 10 ? ", ..."
                     : n    ? ""
                            : "(none known yet)");
        }
        if (names)
            json_object_put(names);
        return fail(b, &t->pos, hint, "%s", ce.message);
    }
    (void)sc;
    (void)sel;
    r->desc = desc;
    r->schema = xstrdup(schema->name);
    r->physical = xstrdup(jget_str(desc, "table_name"));
    r->client = catalog_client(b->cat, schema);
    r->alias = xstrdup(t->alias.text ? t->alias.text : t->name.text);
    char label[600];
    if (t->alias.text)
        snprintf(label, sizeof label, "%s.%s AS %s", r->schema, r->physical, t->alias.text);
    else
        snprintf(label, sizeof label, "%s.%s", r->schema, r->physical);
    r->label = xstrdup(label);
    sql_plan *p = b->plan;
    bool seen = false;
    for (int i = 0; i < p->nclients; i++)
        seen |= p->clients[i] == r->client;
    if (!seen && p->nclients < PLAN_MAX_CLIENTS)
        p->clients[p->nclients++] = r->client;
    return true;
}

/* (VALUES (...), ...): a select whose source is the constant rows and whose
 * outputs are their columns, named column1, column2... until aliased. Like a
 * derived table, it sees enclosing queries but not its own select's FROM. */
static bquery *bind_values(binder *b, scope *sc, const sql_table_ref *t)
{
    bquery *q = xcalloc(1, sizeof *q);
    q->limit = -1;
    bsel *vs = xcalloc(1, sizeof *vs);
    vs->limit = -1;
    q->sel = vs;
    scope inner = {.parent = sc->parent, .sel = vs, .push = sc->push, .sub = sc->push ? q : NULL};
    int width = t->nrows ? (int)t->rows[0].n : 0;
    vs->vrows = xcalloc(t->nrows + 1, sizeof *vs->vrows);
    for (size_t i = 0; i < t->nrows && !b->failed; i++) {
        vs->vrows[i] = xcalloc((size_t)width + 1, sizeof **vs->vrows);
        vs->nvrows++;
        for (int c = 0; c < width && !b->failed; c++)
            vs->vrows[i][c] = bind_expr(b, &inner, t->rows[i].v[c]);
    }
    for (int c = 0; c < width; c++) {
        char name[32];
        snprintf(name, sizeof name, "column%d", c + 1);
        add_out(vs, bexpr_col(c, t->pos), name, false, NULL, NULL);
    }
    vs->nvisible = vs->ncols;
    vs->vwidth = width;
    copy_cols(q, vs->cols, vs->ncols);
    return q;
}

static bfrom *bind_from(binder *b, scope *sc, bsel *sel, const sql_table_ref *t)
{
    bfrom *f = xcalloc(1, sizeof *f);
    if (t->kind == SQL_TR_JOIN) {
        f->join = t->join;
        f->lo = sel->nfrom;
        f->l = bind_from(b, sc, sel, t->left);
        f->r = f->l ? bind_from(b, sc, sel, t->right) : NULL;
        f->hi = sel->nfrom;
        if (!f->r || b->failed)
            return f;
        if (t->on) {
            sel->clause = "ON";
            f->on = bind_expr(b, sc, t->on);
            sel->clause = NULL;
        } else if (t->has_using) {
            /* USING (c, ...): l.c = r.c for each, over the two sides' items. */
            for (size_t i = 0; i < t->using_cols.n && !b->failed; i++) {
                sql_path_step st = {.name = t->using_cols.v[i], .is_index = false};
                sql_path one = {&st, 1};
                bsel left = *sel, right = *sel;
                left.nfrom = f->r->lo; /* only the left side's items */
                right.rels = sel->rels + f->r->lo;
                right.nfrom = f->hi - f->r->lo;
                scope ls = {.sel = &left}, rs = {.sel = &right};
                bexpr *l = resolve_column(b, &ls, &one, t->pos);
                bexpr *r = l ? resolve_column(b, &rs, &one, t->pos) : NULL;
                if (!r) {
                    /* Say which side lacks it rather than "unknown column". */
                    const brel *side = sel->rels[l ? f->r->lo : f->lo];
                    b->failed = false;
                    fail(b, &t->pos,
                         "USING (c) needs a column c on both sides; otherwise write ON a.x = b.y",
                         "USING column %s is not a column of %s", t->using_cols.v[i].text,
                         side->alias ? side->alias : "the derived table");
                    bexpr_free(l);
                    break;
                }
                l->owner = sel;
                r->owner = sel;
                r->rel += f->r->lo;
                bexpr *merged;
                if (t->join == SQL_JOIN_FULL) {
                    merged = bexpr_new(BX_FUNC, t->pos);
                    merged->fn = FN_COALESCE;
                    bexpr_add_arg(merged, bexpr_clone(l));
                    bexpr_add_arg(merged, bexpr_clone(r));
                } else {
                    merged = bexpr_clone(t->join == SQL_JOIN_RIGHT ? r : l);
                }
                sel->usings =
                    xreallocarray(sel->usings, (size_t)sel->nusings + 1, sizeof *sel->usings);
                sel->usings[sel->nusings].name = xstrdup(t->using_cols.v[i].text);
                sel->usings[sel->nusings++].merged = merged;
                bexpr *eq = bexpr_binary(SQL_OP_EQ, l, r, t->pos);
                f->on = f->on ? bexpr_binary(SQL_OP_AND, f->on, eq, t->pos) : eq;
            }
        }
        return f;
    }
    f->leaf = true;
    f->rel = sel->nfrom;
    f->lo = sel->nfrom;
    f->hi = sel->nfrom + 1;
    brel *r = rel_add(sel, REL_TABLE);
    sel->nfrom++;
    r->pos = t->pos;
    scope cte_scope;
    const sql_cte *cte = t->kind == SQL_TR_TABLE ? find_cte(sc, t, &cte_scope) : NULL;
    if (t->kind == SQL_TR_TABLE && !cte) {
        bind_table(b, sc, sel, t, r);
        return f;
    }
    r->kind = REL_DERIVED;
    if (cte) {
        r->alias = xstrdup(t->alias.text ? t->alias.text : cte->name.text);
        /* CTE bodies see no enclosing query's columns (docs/ENGINE.md),
           only the CTEs before them. */
        r->q = bind_query(b, &cte_scope, false, cte->query);
        if (r->q)
            name_derived_cols(r->q, &cte->columns);
    } else if (t->kind == SQL_TR_SUBQUERY) {
        r->alias = t->alias.text ? xstrdup(t->alias.text) : NULL;
        /* A derived table cannot see its own select's FROM items. */
        r->q = bind_query(b, sc->parent, sc->push, t->query);
    } else {
        r->alias = t->alias.text ? xstrdup(t->alias.text) : NULL;
        r->q = bind_values(b, sc, t);
    }
    if (r->q)
        name_derived_cols(r->q, &t->col_alias);
    return f;
}

/* ---- SELECT ----------------------------------------------------------- */

static void add_out(bsel *sel, bexpr *e, const char *name, bool star, const char *pk,
                    const char *sk)
{
    sel->outs = xreallocarray(sel->outs, (size_t)sel->ncols + 1, sizeof *sel->outs);
    sel->cols = xreallocarray(sel->cols, (size_t)sel->ncols + 1, sizeof *sel->cols);
    sel->outs[sel->ncols] = e;
    plan_col *c = &sel->cols[sel->ncols++];
    c->name = xstrdup(name);
    c->star = star;
    c->pk = pk ? xstrdup(pk) : NULL;
    c->sk = sk ? xstrdup(sk) : NULL;
}

/* The columns * (or alias.*) brings: a table's whole item, or a derived
 * relation's columns. */
static void add_star(bsel *sel, int rel, sql_pos pos)
{
    brel *r = sel->rels[rel];
    if (r->kind == REL_TABLE) {
        ddb_path whole = {NULL, 0};
        int slot = rel_path_slot(r, "", &whole);
        json_object *ks = jget_obj(r->desc, "key_schema");
        add_out(sel, col_ref(sel, rel, slot, 0, pos), r->alias, true,
                jget_str(jget_obj(ks, "partition_key"), "name"),
                jget_str(jget_obj(ks, "sort_key"), "name"));
        return;
    }
    for (int c = 0; c < r->q->ncols; c++) {
        const plan_col *pc = &r->q->cols[c];
        add_out(sel, col_ref(sel, rel, c, 0, pos), pc->name, pc->star, pc->pk, pc->sk);
    }
}

/* The output name of an unaliased expression: a column's last name step. */
static const char *default_name(const sql_expr *a, char *buf, size_t n, int i)
{
    if (a->kind == SQL_E_COLUMN) {
        for (size_t k = a->path.n; k > 0; k--)
            if (!a->path.v[k - 1].is_index)
                return a->path.v[k - 1].name.text;
    }
    if (a->kind == SQL_E_FUNC)
        snprintf(buf, n, "%s", a->func);
    else
        snprintf(buf, n, "col%d", i + 1);
    for (char *p = buf; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return buf;
}

static bool expr_has_aggregate(const sql_expr *a)
{
    if (!a)
        return false;
    if (a->kind == SQL_E_FUNC && !a->over && (a->star || is_aggregate_name(a->func)))
        return true;
    if (expr_has_aggregate(a->left) || expr_has_aggregate(a->right) || expr_has_aggregate(a->third))
        return true;
    for (size_t i = 0; i < a->list.n; i++)
        if (expr_has_aggregate(a->list.v[i]))
            return true;
    for (size_t i = 0; i < a->list2.n; i++)
        if (expr_has_aggregate(a->list2.v[i]))
            return true;
    return false;
}

static bool select_has_aggregate(const sql_select *s, const sql_query *q)
{
    for (size_t i = 0; i < s->nitems; i++)
        if (s->items[i].kind == SQL_ITEM_EXPR && expr_has_aggregate(s->items[i].expr))
            return true;
    if (q->body->kind == SQL_BODY_SELECT)
        for (size_t i = 0; i < q->order_by.n; i++)
            if (expr_has_aggregate(q->order_by.v[i].expr))
                return true;
    return false;
}

static bsel *bind_select(binder *b, scope *parent, bool push, bquery *q, const sql_select *s,
                         const sql_query *owner_q)
{
    bsel *sel = xcalloc(1, sizeof *sel);
    sel->limit = -1;
    scope sc = {.parent = parent,
                .sel = sel,
                .push = push,
                .sub = push ? q : NULL,
                .ctes = owner_q->ctes,
                .nctes = owner_q->nctes};
    if (s->from)
        sel->from = bind_from(b, &sc, sel, s->from);
    if (!b->failed && s->where) {
        sel->clause = "WHERE";
        sel->where = bind_expr(b, &sc, s->where);
        sel->clause = NULL;
    }
    sel->has_agg = s->group_by.n > 0 || s->having || select_has_aggregate(s, owner_q);
    if (sel->has_agg && !b->failed) {
        sel->agg_rel = sel->nrels;
        brel *ar = rel_add(sel, REL_AGG);
        (void)ar;
        for (size_t i = 0; i < s->group_by.n && !b->failed; i++) {
            const sql_expr *g = s->group_by.v[i];
            /* A position or an output alias names a SELECT item. */
            if (g->kind == SQL_E_NUMBER) {
                long long k = strtoll(g->text, NULL, 10);
                if (k < 1 || (size_t)k > s->nitems || s->items[k - 1].kind != SQL_ITEM_EXPR) {
                    fail(b, &g->pos, "positions count the SELECT list from 1",
                         "GROUP BY position %lld does not name an expression of the SELECT list",
                         k);
                    break;
                }
                g = s->items[k - 1].expr;
            } else if (g->kind == SQL_E_COLUMN && g->path.n == 1) {
                sql_error saved = *b->err;
                bool was = b->failed;
                bexpr *t = bind_expr(b, &sc, g);
                bool resolves = t != NULL;
                bexpr_free(t);
                *b->err = saved;
                b->failed = was;
                for (size_t k = 0; !resolves && k < s->nitems; k++)
                    if (s->items[k].kind == SQL_ITEM_EXPR && s->items[k].alias.text &&
                        strcasecmp(s->items[k].alias.text, g->path.v[0].name.text) == 0)
                        g = s->items[k].expr;
            }
            sel->clause = "GROUP BY";
            bexpr *e = bind_expr(b, &sc, g);
            sel->clause = NULL;
            if (!e)
                break;
            sel->groups = xreallocarray(sel->groups, (size_t)sel->ngroups + 1, sizeof *sel->groups);
            sel->groups[sel->ngroups++] = e;
        }
        sel->post_agg = true;
        if (!b->failed && s->having)
            sel->having = bind_expr(b, &sc, s->having);
    }
    sel->win_allowed = true;
    for (size_t i = 0; i < s->nitems && !b->failed; i++) {
        const sql_select_item *it = &s->items[i];
        if (it->kind == SQL_ITEM_STAR) {
            if (sel->nfrom == 0)
                fail(b, &it->pos, "name the columns, or add a FROM clause",
                     "SELECT * needs a FROM clause");
            for (int r = 0; r < sel->nfrom; r++)
                add_star(sel, r, it->pos);
        } else if (it->kind == SQL_ITEM_QSTAR) {
            const char *qn = it->qualifier.v[it->qualifier.n - 1].text;
            int hit = -1;
            for (int r = 0; r < sel->nfrom; r++)
                if (sel->rels[r]->alias && strcasecmp(sel->rels[r]->alias, qn) == 0)
                    hit = r;
            if (hit < 0)
                fail(b, &it->pos, "use the alias of a table in the FROM clause",
                     "%s.* names no table of the FROM clause", qn);
            else
                add_star(sel, hit, it->pos);
        } else {
            bexpr *e = bind_expr(b, &sc, it->expr);
            if (!e)
                break;
            char buf[64];
            add_out(sel, e,
                    it->alias.text ? it->alias.text
                                   : default_name(it->expr, buf, sizeof buf, (int)i),
                    false, NULL, NULL);
        }
    }
    sel->distinct = s->distinct;
    sel->nvisible = sel->ncols;
    /* ORDER BY expressions of this select's own query bind here, where all
       of its names are visible; positions and output names are left to
       bind_query. */
    if (!b->failed && owner_q->body->kind == SQL_BODY_SELECT && owner_q->body->select == s) {
        size_t n = owner_q->order_by.n;
        sel->order_out = xcalloc(n + 1, sizeof *sel->order_out);
        for (size_t i = 0; i < n && !b->failed; i++) {
            const sql_expr *e = owner_q->order_by.v[i].expr;
            sel->order_out[i] = -1;
            if (e->kind == SQL_E_NUMBER)
                continue;
            if (e->kind == SQL_E_COLUMN && e->path.n == 1 && !e->path.v[0].is_index) {
                bool named = false;
                for (int c = 0; c < sel->nvisible && !named; c++)
                    named = !sel->cols[c].star &&
                            strcasecmp(sel->cols[c].name, e->path.v[0].name.text) == 0;
                if (named)
                    continue;
            }
            bexpr *k = bind_expr(b, &sc, e);
            if (!k)
                break;
            for (int c = 0; c < sel->ncols && sel->order_out[i] < 0; c++)
                if (bexpr_equal(k, sel->outs[c]))
                    sel->order_out[i] = c;
            if (sel->order_out[i] >= 0) {
                bexpr_free(k);
                continue;
            }
            if (sel->distinct) {
                bexpr_free(k);
                fail(b, &e->pos, "add the expression to the SELECT list",
                     "with SELECT DISTINCT, ORDER BY expressions must appear in the SELECT list");
                break;
            }
            sel->order_out[i] = sel->ncols;
            add_out(sel, k, "", false, NULL, NULL);
        }
    }
    sel->win_allowed = false;
    return sel;
}

/* ---- queries ---------------------------------------------------------- */

static void copy_cols(bquery *q, const plan_col *cols, int n)
{
    q->cols = xcalloc((size_t)(n ? n : 1), sizeof *q->cols);
    q->ncols = n;
    for (int i = 0; i < n; i++) {
        q->cols[i].name = xstrdup(cols[i].name);
        q->cols[i].star = cols[i].star;
        q->cols[i].pk = cols[i].pk ? xstrdup(cols[i].pk) : NULL;
        q->cols[i].sk = cols[i].sk ? xstrdup(cols[i].sk) : NULL;
    }
}

static bquery *bind_body(binder *b, scope *parent, bool push, bquery *outer, const sql_body *body,
                         const sql_query *owner_q)
{
    bquery *q = xcalloc(1, sizeof *q);
    q->limit = -1;
    if (body->kind == SQL_BODY_SELECT) {
        q->sel = bind_select(b, parent, push, outer ? outer : q, body->select, owner_q);
        if (!b->failed)
            copy_cols(q, q->sel->cols, q->sel->nvisible);
    } else if (body->kind == SQL_BODY_QUERY) {
        free(q);
        return bind_query(b, parent, push, body->query);
    } else {
        q->op = body->op;
        q->all = body->all;
        q->l = bind_body(b, parent, push, outer ? outer : q, body->left, owner_q);
        q->r = q->l ? bind_body(b, parent, push, outer ? outer : q, body->right, owner_q) : NULL;
        if (q->r && q->l->ncols != q->r->ncols)
            fail(b, &body->pos, "make both sides select the same number of columns",
                 "the two sides of %s have %d and %d columns",
                 body->op == SQL_UNION       ? "UNION"
                 : body->op == SQL_INTERSECT ? "INTERSECT"
                                             : "EXCEPT",
                 q->l->ncols, q->r->ncols);
        if (!b->failed)
            copy_cols(q, q->l->cols, q->l->ncols);
    }
    return q;
}

static bquery *bind_query(binder *b, scope *parent, bool push, const sql_query *aq)
{
    bquery *q = bind_body(b, parent, push, NULL, aq->body, aq);
    if (!q || b->failed)
        return q;
    q->limit = aq->has_limit ? aq->limit : -1;
    q->offset = aq->has_offset ? aq->offset : 0;
    /* ORDER BY over the output columns: a position, an output name, or
       (for a plain SELECT: wip) any expression. */
    q->norder = (int)aq->order_by.n;
    q->order_cols = xcalloc((size_t)q->norder + 1, sizeof *q->order_cols);
    q->order_desc = xcalloc((size_t)q->norder + 1, sizeof *q->order_desc);
    for (int i = 0; i < q->norder && !b->failed; i++) {
        const sql_expr *e = aq->order_by.v[i].expr;
        q->order_desc[i] = aq->order_by.v[i].desc;
        int col = -1;
        if (e->kind == SQL_E_NUMBER) {
            long long pos = strtoll(e->text, NULL, 10);
            if (pos < 1 || pos > q->ncols) {
                fail(b, &e->pos, "positions count the SELECT list from 1",
                     "ORDER BY position %lld is not between 1 and %d", pos, q->ncols);
                break;
            }
            col = (int)pos - 1;
        } else if (e->kind == SQL_E_COLUMN && e->path.n == 1 && !e->path.v[0].is_index) {
            for (int c = 0; c < q->ncols && col < 0; c++)
                if (!q->cols[c].star && strcasecmp(q->cols[c].name, e->path.v[0].name.text) == 0)
                    col = c;
        }
        if (col < 0 && q->sel && q->sel->order_out)
            col = q->sel->order_out[i];
        if (col < 0) {
            fail(b, &e->pos, "order by an output column's name or position",
                 "ORDER BY expressions that are not output columns are not yet supported");
            break;
        }
        q->order_cols[i] = col;
    }
    return q;
}

/* ---- layout: relation-relative slots become row positions -------------- */

static void layout_sel(bsel *sel)
{
    int off = 0;
    for (int i = 0; i < sel->nfrom; i++) {
        brel *r = sel->rels[i];
        r->width = r->kind == REL_TABLE ? r->npaths : r->q->ncols;
        r->offset = off;
        off += r->width;
    }
    /* Window results follow the row they are computed over: the FROM row,
       or the aggregate output (groups, then aggregates). */
    if (sel->nwins)
        sel->rels[sel->win_rel]->offset = sel->has_agg ? sel->ngroups + sel->naggs : off;
}

static void remap_query(bquery *q);

static void remap_expr(bexpr *e)
{
    if (!e)
        return;
    if ((e->kind == BX_COL || e->kind == BX_OUTER) && e->owner && e->rel >= 0) {
        const bsel *o = e->owner;
        e->slot += o->rels[e->rel]->offset;
        e->rel = -1;
    }
    for (size_t i = 0; i < e->nargs; i++)
        remap_expr(e->args[i]);
    if (e->bound)
        remap_query(e->bound);
}

static void remap_from(bfrom *f)
{
    if (!f)
        return;
    remap_expr(f->on);
    remap_from(f->l);
    remap_from(f->r);
}

static void remap_query(bquery *q)
{
    if (q->sel) {
        bsel *s = q->sel;
        layout_sel(s); /* widths are final once binding is done */
        remap_from(s->from);
        remap_expr(s->where);
        for (int i = 0; i < s->ncols; i++)
            remap_expr(s->outs[i]);
        for (int i = 0; i < s->ngroups; i++)
            remap_expr(s->groups[i]);
        for (int i = 0; i < s->naggs; i++)
            remap_expr(s->aggs[i].arg);
        remap_expr(s->having);
        for (int i = 0; i < s->nwins; i++) {
            remap_expr(s->wins[i].arg);
            for (int k = 0; k < s->wins[i].npartition; k++)
                remap_expr(s->wins[i].partition[k]);
            for (int k = 0; k < s->wins[i].norder; k++)
                remap_expr(s->wins[i].order[k].expr);
        }
        for (int i = 0; i < s->nvrows; i++)
            for (int c = 0; c < s->vwidth; c++)
                remap_expr(s->vrows[i][c]);
        for (int i = 0; i < s->nfrom; i++)
            if (s->rels[i]->q)
                remap_query(s->rels[i]->q);
    }
    if (q->l)
        remap_query(q->l);
    if (q->r)
        remap_query(q->r);
}

/* ---- planning ----------------------------------------------------------- */

static op_t *plan_query(binder *b, bquery *q);
static void free_query(bquery *q);

/* Plans the subqueries inside e (bound -> subplan). */
static bool plan_subqueries(binder *b, bexpr *e)
{
    if (!e)
        return true;
    for (size_t i = 0; i < e->nargs; i++)
        if (!plan_subqueries(b, e->args[i]))
            return false;
    if (e->bound) {
        bquery *q = e->bound;
        op_t *root = plan_query(b, q);
        if (!root)
            return false;
        e->sub = subplan_new(root, q->correlated);
        e->bound = NULL;
        free_query(q); /* the operators own what they use */
    }
    return true;
}

static bexpr *and_all(bexpr **v, int n)
{
    bexpr *acc = NULL;
    for (int i = 0; i < n; i++)
        acc = acc ? bexpr_binary(SQL_OP_AND, acc, bexpr_clone(v[i]), v[i]->pos) : bexpr_clone(v[i]);
    return acc;
}

typedef struct pred_set {
    bexpr **v;
    bool *used;
    int n;
} pred_set;

/* What the query above wants from the read of one select's single table:
 * rows in ORDER BY order (order_slot: the table slot of the first key,
 * -1 for none) and how many (need; -1: all of them). The read answers
 * with order_done (its rows come in that order: no sort is needed). stream:
 * this is the plan's only read and nothing above it blocks, so a cursor may
 * resume it. */
typedef struct read_hint {
    const bsel *sel;
    int order_slot;
    bool order_desc;
    int norder;
    int64_t need;
    bool stream;
    bool order_done;
} read_hint;

#define PLAN_MAX_CONJ   256
#define PLAN_PAGE_LIMIT 10000
/* Rows expected from a derived table or a subquery: unknown, so a lookup
   join is never chosen on their account. */
#define PLAN_UNKNOWN_ROWS 1e9

/* The conjuncts of ps that read only table r, cloned into r's own slots
 * (marked used when take). */
static int table_conjuncts(pred_set *ps, const brel *r, bexpr **out, int max, bool take)
{
    int n = 0;
    for (int i = 0; i < ps->n && n < max; i++) {
        if (!bexpr_uses_only(ps->v[i], r->offset, r->offset + r->width))
            continue;
        bexpr *c = bexpr_clone(ps->v[i]);
        bexpr_shift_slots(c, -r->offset);
        out[n++] = c;
        if (take)
            ps->used[i] = true;
    }
    return n;
}

static void free_all(bexpr **v, int n)
{
    for (int i = 0; i < n; i++)
        bexpr_free(v[i]);
}

/* access_choose for table r under conjuncts conj (r's slots) and hint h
 * (may be NULL). False with the error set. */
static bool choose_access(binder *b, brel *r, bexpr **conj, int n, const read_hint *h,
                          access_choice *ch, access_input *used_in)
{
    access_input in = {
        .desc = r->desc,
        .client = r->client,
        .label = r->label,
        .conj = conj,
        .nconj = n,
        .slot_paths = r->paths,
        .nslots = r->npaths,
        .order_slot = h ? h->order_slot : -1,
        .order_desc = h && h->order_desc,
        .limit_hint = h ? h->need : -1,
        .max_segments = b->opts->max_segments > 0 ? b->opts->max_segments : 1,
    };
    char err[256];
    if (!access_choose(&in, ch, err, sizeof err))
        return fail(b, &r->pos, NULL, "%s", err);
    ch->spec.note = xstrdup(ch->reason);
    if (used_in)
        *used_in = in;
    return true;
}

/* Items read by table r under conj plus extra (both in r's slots, not
 * consumed), or -1 on error. */
static double peek_items(binder *b, brel *r, pred_set *ps, bexpr **extra, int nextra,
                         access_choice *keep)
{
    bexpr *conj[PLAN_MAX_CONJ + 2];
    int n = table_conjuncts(ps, r, conj, PLAN_MAX_CONJ, false);
    for (int i = 0; i < nextra; i++)
        conj[n++] = bexpr_clone(extra[i]);
    access_choice ch;
    bool ok = choose_access(b, r, conj, n, NULL, &ch, NULL);
    free_all(conj, n);
    if (!ok)
        return -1;
    double est = ch.est_items;
    if (keep)
        *keep = ch;
    else
        ddb_read_spec_clear(&ch.spec);
    return est;
}

/* The Limit of each request of a read whose rows stream to a consumer
 * that needs `need` of them: conjuncts the key condition does not express
 * are each assumed to keep a quarter of the items (as access_path's cost
 * model does). -1 (no Limit) when that is more than PLAN_PAGE_LIMIT. */
static int64_t page_limit(const ddb_read_spec *s, int nconj, int64_t need)
{
    int consumed = 0;
    if (s->kind == ACC_GET)
        consumed = s->table_sk ? 2 : 1;
    else if (s->kind == ACC_BATCH_GET)
        consumed = s->batch_sk ? 2 : 1;
    else if (s->kind == ACC_QUERY)
        consumed = 1 + (s->skc != SKC_NONE);
    double lim = (double)need;
    for (int i = consumed; i < nconj && lim <= PLAN_PAGE_LIMIT; i++)
        lim *= 4.0;
    return lim > PLAN_PAGE_LIMIT ? -1 : (int64_t)lim;
}

/* True when the cursor's start key names exactly the key attributes of
 * the read's items (the table's key, plus the index's), so DynamoDB takes
 * it as ExclusiveStartKey. A plan that changed since the cursor was issued
 * (another index) does not fit and re-executes instead. */
static bool start_key_fits(const ddb_read_spec *s, json_object *key)
{
    const char *names[4] = {s->table_pk, s->table_sk, s->index ? s->key_pk : NULL,
                            s->index ? s->key_sk : NULL};
    int want = 0;
    for (int i = 0; i < 4; i++) {
        bool dup = false;
        for (int k = 0; k < i && names[i]; k++)
            dup |= names[k] && strcmp(names[k], names[i]) == 0;
        if (!names[i] || dup)
            continue;
        want++;
        if (!json_object_object_get_ex(key, names[i], NULL))
            return false;
    }
    return json_object_is_type(key, json_type_object) && json_object_object_length(key) == want;
}

/* Applies the hint's answer to a chosen read of the hinted select: the
 * order it gives, its page size, and the cursor's resume point. */
static void use_hint(binder *b, read_hint *h, access_choice *ch, int nconj)
{
    ddb_read_spec *s = &ch->spec;
    bool ordered = h->order_slot < 0;
    if (h->order_slot >= 0 && ch->order_satisfied) {
        /* Later ORDER BY keys only break ties, and a Query on the table
           has none (the sort key is unique within a partition key). */
        ordered = h->norder <= 1 || s->kind == ACC_GET || (s->kind == ACC_QUERY && !s->index);
        h->order_done = ordered;
    }
    /* A read whose rows are sorted afterwards is read in full. */
    s->limit_hint = ordered && h->need > 0 ? page_limit(s, nconj, h->need) : -1;
    bool resumable =
        (s->kind == ACC_QUERY || (s->kind == ACC_SCAN && s->segments <= 1)) && !s->fetch_by_key;
    if (h->stream && ordered && resumable && b->opts->start_key &&
        start_key_fits(s, b->opts->start_key)) {
        s->start_key = json_object_get(b->opts->start_key);
        b->plan->start_key_used = true;
    }
}

/* The most values of an IN list read as one Query each. */
#define PLAN_MAX_IN_SPLIT 100

/* When the chosen read is a Scan but a conjunct is col IN (constants) and
 * col = each value alone gives a keyed read (a Query on the table or an
 * index, GetItem...), the reads of the distinct values, one after another
 * (their rows are disjoint), cost less: e.g. a partition key IN (...) on a
 * table that also has a sort key, or an indexed attribute IN (...). Takes
 * base's spec either way. */
static op_t *plan_read_in_split(const access_input *in, access_choice *base, bool *split)
{
    *split = false;
    const bexpr *list = NULL;
    int at = -1;
    for (int i = 0; base->spec.kind == ACC_SCAN && i < in->nconj && !list; i++) {
        const bexpr *c = in->conj[i];
        if (c->kind != BX_IN_LIST || c->negated || c->args[0]->kind != BX_COL || c->nargs < 3 ||
            c->nargs - 1 > PLAN_MAX_IN_SPLIT)
            continue;
        bool consts = true;
        for (size_t k = 1; k < c->nargs && consts; k++)
            consts = c->args[k]->kind == BX_CONST && c->args[k]->value.type != VAL_NULL;
        if (consts) {
            list = c;
            at = i;
        }
    }
    if (!list)
        return op_ddb_read(&base->spec);
    ddb_read_spec specs[PLAN_MAX_IN_SPLIT];
    int nspecs = 0;
    double total = 0;
    bool keyed = true;
    bexpr **conj = xcalloc((size_t)in->nconj, sizeof *conj);
    for (size_t k = 1; k < list->nargs && keyed; k++) {
        bool dup = false;
        for (size_t j = 1; j < k && !dup; j++)
            dup = value_equal(&list->args[j]->value, &list->args[k]->value);
        if (dup)
            continue;
        for (int i = 0; i < in->nconj; i++)
            conj[i] = in->conj[i];
        bexpr *eq = bexpr_binary(SQL_OP_EQ, bexpr_clone(list->args[0]), bexpr_clone(list->args[k]),
                                 list->pos);
        conj[at] = eq;
        access_input one = *in;
        one.conj = conj;
        access_choice ch;
        char err[256];
        if (!access_choose(&one, &ch, err, sizeof err)) {
            keyed = false;
        } else if (ch.spec.kind == ACC_SCAN) {
            ddb_read_spec_clear(&ch.spec);
            keyed = false;
        } else {
            total += ch.est_items;
            ch.spec.note = xstrdup(ch.reason);
            specs[nspecs++] = ch.spec;
        }
        bexpr_free(eq);
    }
    free(conj);
    if (!keyed || total >= base->est_items) {
        for (int i = 0; i < nspecs; i++)
            ddb_read_spec_clear(&specs[i]);
        return op_ddb_read(&base->spec);
    }
    ddb_read_spec_clear(&base->spec);
    *split = true;
    op_t *op = op_ddb_read(&specs[0]);
    for (int i = 1; i < nspecs; i++)
        op = op_setop(op, op_ddb_read(&specs[i]), SQL_UNION, true);
    return op;
}

/* A leaf table read: access path from the conjuncts of ps that read only
 * it, which it consumes (a FilterExpression may return more, so they are
 * all checked again above the read). *est: items it is expected to read. */
/* A conjunct pk IN (uncorrelated subquery) on the table's partition key:
 * its index in conj, or -1. */
static int semi_join_conjunct(const brel *r, const ddb_read_spec *spec, bexpr **conj, int n)
{
    for (int i = 0; i < n; i++) {
        const bexpr *c = conj[i];
        if (c->kind != BX_IN_SUBQ || c->negated || !c->sub || c->sub->correlated ||
            c->args[0]->kind != BX_COL || c->args[0]->slot < 0 || c->args[0]->slot >= r->npaths)
            continue;
        const ddb_path *p = &r->paths[c->args[0]->slot];
        if (p->n == 1 && p->steps[0].name && spec->table_pk &&
            strcmp(p->steps[0].name, spec->table_pk) == 0)
            return i;
    }
    return -1;
}

/* pk IN (SELECT ...) instead of a Scan: the subquery's distinct values,
 * then the table's items by those keys (BatchGetItem, or a Query per key
 * when the table has a sort key). Reads at most the items that match,
 * never more than the Scan would. Takes spec; rows are the table's slots. */
static op_t *plan_semi_join(const bexpr *in, ddb_read_spec *spec)
{
    int w = spec->nslots;
    free(spec->note);
    spec->note = xstrdup("by the keys an IN subquery returns, instead of a Scan");
    op_t *keys = op_subquery_keys(subplan_ref(in->sub));
    op_t *lj = op_ddb_lookup_join(keys, bexpr_col(0, in->pos), NULL, spec, NULL, JOIN_INNER);
    bexpr **cols = xcalloc((size_t)w + 1, sizeof *cols);
    for (int i = 0; i < w; i++)
        cols[i] = bexpr_col(i + 1, in->pos);
    return op_project(lj, cols, w);
}

static op_t *plan_table(binder *b, bsel *sel, brel *r, pred_set *ps, double *est)
{
    bexpr *mine[PLAN_MAX_CONJ];
    int nmine = table_conjuncts(ps, r, mine, PLAN_MAX_CONJ, true);
    read_hint *h = b->rhint && b->rhint->sel == sel ? b->rhint : NULL;
    access_choice ch;
    access_input in;
    if (!choose_access(b, r, mine, nmine, h, &ch, &in)) {
        free_all(mine, nmine);
        return NULL;
    }
    *est = ch.est_items;
    if (h)
        use_hint(b, h, &ch, nmine);
    bool resumable =
        h && h->stream && (h->order_slot < 0 || h->order_done) &&
        (ch.spec.kind == ACC_QUERY || (ch.spec.kind == ACC_SCAN && ch.spec.segments <= 1)) &&
        !ch.spec.fetch_by_key;
    bool split = false;
    op_t *op = NULL;
    int semi = ch.spec.kind == ACC_SCAN ? semi_join_conjunct(r, &ch.spec, mine, nmine) : -1;
    if (semi >= 0) {
        op = plan_semi_join(mine[semi], &ch.spec);
        bexpr_free(mine[semi]); /* the lookups only find rows it holds for */
        mine[semi] = mine[--nmine];
        split = true; /* not one resumable read */
    } else {
        op = plan_read_in_split(&in, &ch, &split);
    }
    if (split && b->plan->start_key_used) {
        /* Several reads: no cursor resumes them (the start key is not
           used, so the run re-executes and skips). */
        b->plan->start_key_used = false;
    }
    if (resumable && !split)
        b->plan->resume_reader = op;
    if (nmine)
        op = op_filter(op, and_all(mine, nmine));
    free_all(mine, nmine);
    return op;
}

/* ---- joins ------------------------------------------------------------------ */

/* The conjuncts one side of a join may filter early: the WHERE conjuncts
 * it inherits (when where) and the ON conjuncts that read only that side
 * (when on_side). src[k] is where entry k came from: i >= 0 for ps->v[i],
 * -1 - j for ON conjunct j. */
typedef struct side_set {
    pred_set ps;
    int *src;
} side_set;

static void side_open(side_set *s, const pred_set *ps, bool where, bexpr **on, int non,
                      const bool *on_used, bool on_side, int lo, int hi)
{
    int cap = (where ? ps->n : 0) + non + 1;
    s->ps.v = xcalloc((size_t)cap, sizeof *s->ps.v);
    s->ps.used = xcalloc((size_t)cap, sizeof *s->ps.used);
    s->src = xcalloc((size_t)cap, sizeof *s->src);
    s->ps.n = 0;
    for (int i = 0; where && i < ps->n; i++)
        if (!ps->used[i]) {
            s->src[s->ps.n] = i;
            s->ps.v[s->ps.n++] = ps->v[i];
        }
    for (int j = 0; on_side && j < non; j++)
        if (!on_used[j] && bexpr_uses_only(on[j], lo, hi)) {
            s->src[s->ps.n] = -1 - j;
            s->ps.v[s->ps.n++] = on[j];
        }
}

/* Gives the used marks back to where the conjuncts came from. */
static void side_close(side_set *s, pred_set *ps, bool *on_used)
{
    for (int k = 0; k < s->ps.n; k++)
        if (s->ps.used[k]) {
            if (s->src[k] >= 0)
                ps->used[s->src[k]] = true;
            else
                on_used[-1 - s->src[k]] = true;
        }
    free(s->ps.v);
    free(s->ps.used);
    free(s->src);
}

static op_t *plan_from_est(binder *b, bsel *sel, bfrom *f, pred_set *ps, double *est);

static int rel_end(const bsel *sel, const bfrom *f)
{
    return sel->rels[f->hi - 1]->offset + sel->rels[f->hi - 1]->width;
}

/* The slot (of table r, in select coordinates) holding top-level attribute
 * attr, or -1. */
static bool slot_is_attr(const brel *r, int slot, const char *attr)
{
    int local = slot - r->offset;
    if (!attr || local < 0 || local >= r->npaths)
        return false;
    const ddb_path *p = &r->paths[local];
    return p->n == 1 && p->steps[0].name && strcmp(p->steps[0].name, attr) == 0;
}

/* In conj[0..n) (select coordinates), an equality between attribute attr
 * of table r and an expression over the other side [lo, hi): its index, the
 * other side's expression in *other and the table's column in *col; -1 when
 * none. */
static int key_equality(bexpr **conj, int n, const brel *r, const char *attr, int lo, int hi,
                        const bexpr **other, const bexpr **col)
{
    for (int i = 0; attr && i < n; i++) {
        const bexpr *c = conj[i];
        if (c->kind != BX_BINARY || c->op != SQL_OP_EQ || c->nargs != 2)
            continue;
        for (int s = 0; s < 2; s++) {
            const bexpr *x = c->args[s], *y = c->args[1 - s];
            if (x->kind == BX_COL && slot_is_attr(r, x->slot, attr) && bexpr_uses_only(y, lo, hi) &&
                !bexpr_is_constant(y)) {
                *other = y;
                *col = x;
                return i;
            }
        }
    }
    return -1;
}

/* A lookup join into table r: the key equalities and what it would read. */
typedef struct lookup_plan {
    const bexpr *pk_other, *sk_other; /* the other side's key values (select coordinates) */
    const bexpr *pk_col, *sk_col;     /* the table's key columns; sk NULL when not equated */
    double per_key;                   /* items read per distinct key */
} lookup_plan;

/* Equalities "key column = NULL" standing for the key values the other
 * side gives, in r's slots (out[0..2)); returns how many. */
static int key_placeholders(const brel *r, const lookup_plan *lp, bexpr **out)
{
    const bexpr *cols[2] = {lp->pk_col, lp->sk_col};
    int n = 0;
    for (int i = 0; i < 2; i++)
        if (cols[i])
            out[n++] = bexpr_binary(SQL_OP_EQ, bexpr_col(cols[i]->slot - r->offset, cols[i]->pos),
                                    bexpr_const(value_null(), cols[i]->pos), cols[i]->pos);
    return n;
}

/* Whether table r can be read by key for each row of the other side
 * [lo, hi): its partition key (and sort key, when equated too) equal to
 * expressions of that side in conj. The read per key must be a GetItem
 * (BatchGetItem for a batch of rows) or a Query on the table. */
static bool lookup_possible(binder *b, brel *r, pred_set *rps, bexpr **conj, int n, int lo, int hi,
                            lookup_plan *lp)
{
    json_object *ks = jget_obj(r->desc, "key_schema");
    const char *pk = jget_str(jget_obj(ks, "partition_key"), "name");
    const char *sk = jget_str(jget_obj(ks, "sort_key"), "name");
    memset(lp, 0, sizeof *lp);
    if (key_equality(conj, n, r, pk, lo, hi, &lp->pk_other, &lp->pk_col) < 0)
        return false;
    if (sk && key_equality(conj, n, r, sk, lo, hi, &lp->sk_other, &lp->sk_col) < 0)
        lp->sk_other = lp->sk_col = NULL;
    bexpr *ph[2];
    int nph = key_placeholders(r, lp, ph);
    access_choice ch;
    double per = peek_items(b, r, rps, ph, nph, &ch);
    free_all(ph, nph);
    if (per < 0)
        return false;
    bool ok = ch.spec.kind == ACC_GET || (ch.spec.kind == ACC_QUERY && !ch.spec.index);
    ddb_read_spec_clear(&ch.spec);
    lp->per_key = per;
    return ok;
}

/* conj[0..n) and extra[0..nextra) joined by AND (NULL when none); takes
 * ownership of every expression. */
static bexpr *and_take(bexpr **conj, int n, bexpr **extra, int nextra)
{
    bexpr *acc = NULL;
    for (int i = 0; i < n + nextra; i++) {
        bexpr *c = i < n ? conj[i] : extra[i - n];
        if (c)
            acc = acc ? bexpr_binary(SQL_OP_AND, acc, c, c->pos) : c;
    }
    return acc;
}

/* A lookup join into table r for each row of outer (rows of the select's
 * columns from olo, at column 0). mine: r's own conjuncts (r's slots,
 * consumed here); jc: the join conditions (select coordinates, consumed).
 * Output: outer's columns, then r's. The residual holds every condition,
 * the key equalities included, so the result is exact whatever the key
 * reads and FilterExpressions return. When resid_out is given (r is the
 * join's left side, read for each right row: inner joins only), the
 * conditions come back there in select coordinates, to be checked once
 * the columns are put back in order. */
static op_t *plan_lookup(binder *b, op_t *outer, int olo, brel *r, bexpr **mine, int nmine,
                         bexpr **jc, int njc, const lookup_plan *lp, join_kind jk, double outer_est,
                         double hash_est, bexpr **resid_out)
{
    bexpr *conj[PLAN_MAX_CONJ + 2];
    for (int i = 0; i < nmine; i++)
        conj[i] = mine[i];
    int nconj = nmine + key_placeholders(r, lp, conj + nmine);
    access_choice ch;
    bool ok = choose_access(b, r, conj, nconj, NULL, &ch, NULL);
    free_all(conj + nmine, nconj - nmine);
    if (!ok) {
        free_all(mine, nmine);
        free_all(jc, njc);
        op_free(outer);
        return NULL;
    }
    char note[700];
    snprintf(note, sizeof note,
             "lookup join: ~%.0f outer rows x ~%.0f items per key = ~%.0f items, fewer than the "
             "~%.0f a hash join would read from %s",
             outer_est, lp->per_key, outer_est * lp->per_key, hash_est, r->label);
    free(ch.spec.note);
    ch.spec.note = xstrdup(note);
    bexpr *pk_expr = bexpr_clone(lp->pk_other), *sk_expr = NULL;
    bexpr_shift_slots(pk_expr, -olo);
    if (lp->sk_other) {
        sk_expr = bexpr_clone(lp->sk_other);
        bexpr_shift_slots(sk_expr, -olo);
    }
    bexpr *resid;
    if (resid_out) {
        for (int i = 0; i < nmine; i++)
            bexpr_shift_slots(mine[i], r->offset);
        *resid_out = and_take(jc, njc, mine, nmine);
        resid = NULL;
    } else {
        for (int i = 0; i < njc; i++)
            bexpr_shift_slots(jc[i], -olo);
        for (int i = 0; i < nmine; i++)
            bexpr_shift_slots(mine[i], r->offset - olo);
        resid = and_take(jc, njc, mine, nmine);
    }
    return op_ddb_lookup_join(outer, pk_expr, sk_expr, &ch.spec, resid, jk);
}

/* The join conditions once the sides have taken theirs: ON conjuncts no
 * side used, and for an inner join the WHERE conjuncts over both sides
 * (marked used). Cloned, select coordinates. */
static int join_conditions(bfrom *f, bexpr **on, int non, const bool *on_used, bool on_whole,
                           pred_set *ps, bool inner, int base, int hi_off, bexpr **out)
{
    int n = 0;
    if (on_whole)
        out[n++] = bexpr_clone(f->on);
    for (int j = 0; j < non; j++)
        if (!on_used[j])
            out[n++] = bexpr_clone(on[j]);
    for (int i = 0; inner && i < ps->n && n < PLAN_MAX_CONJ; i++)
        if (!ps->used[i] && bexpr_uses_only(ps->v[i], base, hi_off)) {
            out[n++] = bexpr_clone(ps->v[i]);
            ps->used[i] = true;
        }
    return n;
}

/* Rows of a join node: the left side's columns, then the right's. Join
 * methods, cheapest by items read:
 *   - a lookup join when one side is a table whose partition key (and
 *     sort key, when equated) equals expressions of the other side, and
 *     reading it by key for each row of the other side costs fewer items
 *     than reading it once for a hash join (inner joins, with the table on
 *     either side; left joins with the table on the right);
 *   - a hash join on the equalities across the sides;
 *   - a nested-loop join otherwise.
 * Conjuncts: WHERE conjuncts reach a side not on the null-supplying end of
 * an outer join; an ON conjunct that reads one side only filters that side
 * when it is the null-supplying one (or the join is inner); the rest are
 * join conditions. */
static op_t *plan_join(binder *b, bsel *sel, bfrom *f, pred_set *ps, double *est)
{
    int base = sel->rels[f->lo]->offset;
    int rbase = sel->rels[f->r->lo]->offset;
    int hi_off = rel_end(sel, f);
    int mid = rbase - base, width = hi_off - base;
    join_kind jk = f->join == SQL_JOIN_LEFT    ? JOIN_LEFT
                   : f->join == SQL_JOIN_RIGHT ? JOIN_RIGHT
                   : f->join == SQL_JOIN_FULL  ? JOIN_FULL
                                               : JOIN_INNER;
    bool inner = jk == JOIN_INNER;
    bexpr *on[PLAN_MAX_CONJ];
    int non = 0;
    bool on_whole = false; /* too many ON conjuncts to split: kept whole */
    if (f->on) {
        if (!plan_subqueries(b, f->on))
            return NULL;
        size_t k = bexpr_conjuncts(f->on, on, PLAN_MAX_CONJ);
        if (k > PLAN_MAX_CONJ)
            on_whole = true;
        else
            non = (int)k;
    }
    bool on_used[PLAN_MAX_CONJ] = {0};
    side_set ls, rs;
    side_open(&ls, ps, inner || jk == JOIN_LEFT, on, non, on_used, inner || jk == JOIN_RIGHT, base,
              rbase);
    side_open(&rs, ps, inner || jk == JOIN_RIGHT, on, non, on_used, inner || jk == JOIN_LEFT, rbase,
              hi_off);
    brel *lt = f->l->leaf && sel->rels[f->l->rel]->kind == REL_TABLE ? sel->rels[f->l->rel] : NULL;
    brel *rt = f->r->leaf && sel->rels[f->r->rel]->kind == REL_TABLE ? sel->rels[f->r->rel] : NULL;
    /* Candidate key equalities: conditions over both sides. */
    bexpr *cand[PLAN_MAX_CONJ];
    int ncand = 0;
    for (int j = 0; j < non; j++)
        if (!bexpr_uses_only(on[j], base, rbase) && !bexpr_uses_only(on[j], rbase, hi_off))
            cand[ncand++] = on[j];
    for (int i = 0; inner && i < ps->n && ncand < PLAN_MAX_CONJ; i++)
        if (!ps->used[i] && bexpr_uses_only(ps->v[i], base, hi_off) &&
            !bexpr_uses_only(ps->v[i], base, rbase) && !bexpr_uses_only(ps->v[i], rbase, hi_off))
            cand[ncand++] = ps->v[i];
    /* Estimates (items read) and lookup candidates. */
    op_t *l = NULL, *r = NULL, *out = NULL;
    double el = PLAN_UNKNOWN_ROWS, er = PLAN_UNKNOWN_ROWS;
    lookup_plan la = {0}, lb = {0};
    int choice = 0; /* 0: hash or nested loop; 1: lookup into the right; 2: into the left */
    bool ok = true;
    if (!on_whole && rt && (inner || jk == JOIN_LEFT) && ncand > 0) {
        if (lt)
            ok = (el = peek_items(b, lt, &ls.ps, NULL, 0, NULL)) >= 0;
        else
            ok = (l = plan_from_est(b, sel, f->l, &ls.ps, &el)) != NULL;
        ok = ok && (er = peek_items(b, rt, &rs.ps, NULL, 0, NULL)) >= 0;
        bool can_a = ok && lookup_possible(b, rt, &rs.ps, cand, ncand, base, rbase, &la);
        bool can_b =
            ok && lt && inner && lookup_possible(b, lt, &ls.ps, cand, ncand, rbase, hi_off, &lb);
        ok = ok && !b->failed;
        double cost_h = el + er, cost_a = el + el * la.per_key, cost_b = er + er * lb.per_key;
        if (ok && can_a && cost_a < cost_h)
            choice = 1;
        if (ok && can_b && cost_b < cost_h && (choice == 0 || cost_b < cost_a))
            choice = 2;
    }
    if (!ok) {
        op_free(l);
        side_close(&ls, ps, on_used);
        side_close(&rs, ps, on_used);
        return NULL;
    }
    bexpr *mine[PLAN_MAX_CONJ];
    int nmine = 0;
    bexpr *conj[PLAN_MAX_CONJ];
    int nconj = 0;
    if (choice == 1) {
        if (!l)
            l = plan_from_est(b, sel, f->l, &ls.ps, &el);
        nmine = table_conjuncts(&rs.ps, rt, mine, PLAN_MAX_CONJ, true);
        side_close(&ls, ps, on_used);
        side_close(&rs, ps, on_used);
        nconj = join_conditions(f, on, non, on_used, on_whole, ps, inner, base, hi_off, conj);
        if (!l) {
            free_all(mine, nmine);
            free_all(conj, nconj);
            return NULL;
        }
        *est = el * (la.per_key > 1 ? la.per_key : 1);
        return plan_lookup(b, l, base, rt, mine, nmine, conj, nconj, &la, jk, el, er, NULL);
    }
    if (choice == 2) {
        r = plan_from_est(b, sel, f->r, &rs.ps, &er);
        nmine = table_conjuncts(&ls.ps, lt, mine, PLAN_MAX_CONJ, true);
        side_close(&ls, ps, on_used);
        side_close(&rs, ps, on_used);
        nconj = join_conditions(f, on, non, on_used, on_whole, ps, inner, base, hi_off, conj);
        if (!r) {
            free_all(mine, nmine);
            free_all(conj, nconj);
            return NULL;
        }
        *est = er * (lb.per_key > 1 ? lb.per_key : 1);
        bexpr *resid = NULL;
        out =
            plan_lookup(b, r, rbase, lt, mine, nmine, conj, nconj, &lb, JOIN_INNER, er, el, &resid);
        if (!out)
            return NULL;
        /* Lookup rows are [right, left]: put the columns back in order. */
        int rw = hi_off - rbase;
        bexpr **keep = xcalloc((size_t)width + 1, sizeof *keep);
        for (int i = 0; i < width; i++)
            keep[i] = bexpr_col(i < mid ? rw + i : i - mid, (sql_pos){0, 0, 0});
        out = op_project(out, keep, width);
        if (resid) {
            bexpr_shift_slots(resid, -base);
            out = op_filter(out, resid);
        }
        return out;
    }
    /* Hash join or nested loop. */
    if (!l)
        l = plan_from_est(b, sel, f->l, &ls.ps, &el);
    if (l)
        r = plan_from_est(b, sel, f->r, &rs.ps, &er);
    side_close(&ls, ps, on_used);
    side_close(&rs, ps, on_used);
    if (!r) {
        op_free(l);
        return NULL;
    }
    *est = el > er ? el : er;
    nconj = join_conditions(f, on, non, on_used, on_whole, ps, inner, base, hi_off, conj);
    for (int i = 0; i < nconj; i++)
        bexpr_shift_slots(conj[i], -base);
    bexpr **lk = xcalloc((size_t)nconj + 1, sizeof *lk),
          **rk = xcalloc((size_t)nconj + 1, sizeof *rk);
    int nk = 0;
    bexpr *residual = NULL;
    for (int i = 0; i < nconj; i++) {
        bexpr *c = conj[i];
        if (c->kind == BX_BINARY && c->op == SQL_OP_EQ) {
            bexpr *x = c->args[0], *y = c->args[1];
            if (bexpr_uses_only(x, 0, mid) && bexpr_uses_only(y, mid, width)) {
                lk[nk] = bexpr_clone(x);
                rk[nk] = bexpr_clone(y);
                bexpr_shift_slots(rk[nk++], -mid);
                bexpr_free(c);
                continue;
            }
            if (bexpr_uses_only(y, 0, mid) && bexpr_uses_only(x, mid, width)) {
                lk[nk] = bexpr_clone(y);
                rk[nk] = bexpr_clone(x);
                bexpr_shift_slots(rk[nk++], -mid);
                bexpr_free(c);
                continue;
            }
        }
        residual = residual ? bexpr_binary(SQL_OP_AND, residual, c, c->pos) : c;
    }
    if (nk)
        return op_hash_join(l, r, lk, rk, nk, residual, jk);
    free(lk);
    free(rk);
    return op_nl_join(l, r, residual, jk);
}

/* Rows of the FROM subtree f, laid out as its relations [lo, hi) starting
 * at column 0; ps holds the conjuncts it may filter by (and consume). */
static op_t *plan_from_est(binder *b, bsel *sel, bfrom *f, pred_set *ps, double *est)
{
    if (!f->leaf)
        return plan_join(b, sel, f, ps, est);
    brel *r = sel->rels[f->rel];
    if (r->kind == REL_TABLE)
        return plan_table(b, sel, r, ps, est);
    *est = PLAN_UNKNOWN_ROWS;
    return plan_query(b, r->q);
}

/* Rows of the FROM subtree f. may_push: the subtree is not on the
 * null-supplying side of an outer join, so WHERE conjuncts may filter it
 * early. */
static op_t *plan_from(binder *b, bsel *sel, bfrom *f, pred_set *ps, bool may_push)
{
    pred_set none = {NULL, NULL, 0};
    double est;
    return plan_from_est(b, sel, f, may_push ? ps : &none, &est);
}

/* ON conjuncts of the joins whose rows all reach the select (inner joins,
 * and the preserved side of outer joins). */
static int inner_on(bfrom *f, bexpr **v, int n, int max)
{
    if (!f || f->leaf)
        return n;
    if (f->join == SQL_JOIN_FULL)
        return n;
    if (f->join != SQL_JOIN_LEFT && f->join != SQL_JOIN_RIGHT) {
        if (f->on && n < max) {
            size_t k = bexpr_conjuncts(f->on, v + n, (size_t)(max - n));
            n += k > (size_t)(max - n) ? max - n : (int)k;
        }
        n = inner_on(f->l, v, n, max);
        return inner_on(f->r, v, n, max);
    }
    return inner_on(f->join == SQL_JOIN_LEFT ? f->l : f->r, v, n, max);
}

/* col = constant, or col IN (constants): the column, else NULL. */
static const bexpr *const_restricted(const bexpr *c)
{
    if (c->kind == BX_BINARY && c->op == SQL_OP_EQ) {
        if (c->args[0]->kind == BX_COL && bexpr_uses_only(c->args[1], 0, 0))
            return c->args[0];
        if (c->args[1]->kind == BX_COL && bexpr_uses_only(c->args[0], 0, 0))
            return c->args[1];
        return NULL;
    }
    if (c->kind == BX_IN_LIST && !c->negated && c->args[0]->kind == BX_COL) {
        for (size_t i = 1; i < c->nargs; i++)
            if (!bexpr_uses_only(c->args[i], 0, 0))
                return NULL;
        return c->args[0];
    }
    return NULL;
}

/* c with its column read replaced by col. */
static bexpr *restrict_other(const bexpr *c, const bexpr *from, const bexpr *col)
{
    bexpr *n = bexpr_clone(c);
    for (size_t i = 0; i < n->nargs; i++)
        if (n->args[i]->kind == BX_COL && n->args[i]->slot == from->slot) {
            bexpr_free(n->args[i]);
            n->args[i] = bexpr_clone(col);
            break;
        }
    return n;
}

/* Transitive restrictions: WHERE a = 5 (or a IN (...)) and an inner join's
 * a = b imply b = 5, which lets b's table be read by key too. Appended to
 * conj from n; returns the new count. The implied conjuncts are owned by
 * the caller and only narrow reads (the originals are still applied). */
static int add_implied(bsel *s, bexpr **conj, int n, int max)
{
    bexpr *eqs[256];
    int neq = inner_on(s->from, eqs, 0, 256);
    for (int i = 0; i < n && n < max; i++)
        if (neq < 256 && conj[i]->kind == BX_BINARY && conj[i]->op == SQL_OP_EQ &&
            conj[i]->args[0]->kind == BX_COL && conj[i]->args[1]->kind == BX_COL)
            eqs[neq++] = conj[i];
    if (neq == 0 || neq > 256)
        return n;
    for (int pass = 0; pass < 3; pass++) {
        int before = n;
        for (int i = 0; i < before && n < max; i++) {
            const bexpr *col = const_restricted(conj[i]);
            if (!col)
                continue;
            for (int e = 0; e < neq && n < max; e++) {
                const bexpr *q = eqs[e];
                if (q->kind != BX_BINARY || q->op != SQL_OP_EQ || q->args[0]->kind != BX_COL ||
                    q->args[1]->kind != BX_COL)
                    continue;
                const bexpr *other = q->args[0]->slot == col->slot   ? q->args[1]
                                     : q->args[1]->slot == col->slot ? q->args[0]
                                                                     : NULL;
                if (!other || other->slot == col->slot)
                    continue;
                bool known = false;
                for (int k = 0; k < n && !known; k++) {
                    const bexpr *kc = const_restricted(conj[k]);
                    known = kc && kc->slot == other->slot;
                }
                if (!known)
                    conj[n++] = restrict_other(conj[i], col, other);
            }
        }
        if (n == before)
            break;
    }
    return n;
}

static op_t *plan_select(binder *b, bsel *s)
{
    op_t *op;
    bexpr *conj[1024];
    int nconj = 0;
    if (s->where) {
        if (!plan_subqueries(b, s->where))
            return NULL;
        nconj = (int)bexpr_conjuncts(s->where, conj, 1024);
        if (nconj > 1024)
            nconj = 1024; /* the rest stay in the top filter: WHERE is kept whole below */
    }
    int nwhere = nconj;
    if (s->from && nconj < 1024)
        nconj = add_implied(s, conj, nconj, 1024);
    bool used[1024] = {0};
    pred_set ps = {conj, used, nconj};
    if (s->vrows) {
        bexpr ***rows = xcalloc((size_t)s->nvrows + 1, sizeof *rows);
        for (int i = 0; i < s->nvrows; i++) {
            rows[i] = xcalloc((size_t)s->vwidth + 1, sizeof **rows);
            for (int c = 0; c < s->vwidth; c++) {
                if (!plan_subqueries(b, s->vrows[i][c])) {
                    for (int k = 0; k <= i; k++) {
                        for (int j = 0; j < s->vwidth; j++)
                            bexpr_free(rows[k][j]);
                        free(rows[k]);
                    }
                    free(rows);
                    return NULL;
                }
                rows[i][c] = bexpr_clone(s->vrows[i][c]);
            }
        }
        op = op_values(rows, (size_t)s->nvrows, s->vwidth);
    } else if (s->from) {
        op = plan_from(b, s, s->from, &ps, true);
    } else {
        bexpr ***rows = xcalloc(1, sizeof *rows);
        rows[0] = xcalloc(1, sizeof **rows);
        op = op_values(rows, 1, 0);
    }
    for (int i = nwhere; i < nconj; i++)
        bexpr_free(conj[i]);
    nconj = nwhere;
    if (!op)
        return NULL;
    /* Conjuncts not used below (and all of them past 1024) filter here. */
    bexpr *rest = NULL;
    for (int i = 0; i < nconj; i++)
        if (!used[i])
            rest = rest ? bexpr_binary(SQL_OP_AND, rest, bexpr_clone(conj[i]), conj[i]->pos)
                        : bexpr_clone(conj[i]);
    if (s->where && bexpr_conjuncts(s->where, conj, 0) > 1024) {
        bexpr_free(rest);
        rest = bexpr_clone(s->where);
    }
    if (rest)
        op = op_filter(op, rest);
    if (s->has_agg) {
        bool planned = true;
        for (int i = 0; i < s->ngroups && planned; i++)
            planned = plan_subqueries(b, s->groups[i]);
        for (int i = 0; i < s->naggs && planned; i++)
            planned = plan_subqueries(b, s->aggs[i].arg);
        if (!planned) {
            op_free(op);
            return NULL;
        }
        bexpr **groups = xcalloc((size_t)s->ngroups + 1, sizeof *groups);
        for (int i = 0; i < s->ngroups; i++)
            groups[i] = bexpr_clone(s->groups[i]);
        agg_spec *aggs = xcalloc((size_t)s->naggs + 1, sizeof *aggs);
        for (int i = 0; i < s->naggs; i++) {
            aggs[i] = s->aggs[i];
            aggs[i].arg = bexpr_clone(s->aggs[i].arg);
        }
        op = op_hash_agg(op, groups, s->ngroups, aggs, s->naggs);
        if (s->having) {
            if (!plan_subqueries(b, s->having)) {
                op_free(op);
                return NULL;
            }
            op = op_filter(op, bexpr_clone(s->having));
        }
    }
    if (s->nwins) {
        win_spec *specs = xcalloc((size_t)s->nwins, sizeof *specs);
        bool ok = true;
        for (int i = 0; i < s->nwins; i++) {
            const win_spec *w = &s->wins[i];
            win_spec *d = &specs[i];
            *d = *w;
            ok = ok && plan_subqueries(b, w->arg);
            d->arg = w->arg ? bexpr_clone(w->arg) : NULL;
            d->partition = xcalloc((size_t)w->npartition + 1, sizeof *d->partition);
            for (int k = 0; k < w->npartition; k++) {
                ok = ok && plan_subqueries(b, w->partition[k]);
                d->partition[k] = bexpr_clone(w->partition[k]);
            }
            d->order = xcalloc((size_t)w->norder + 1, sizeof *d->order);
            for (int k = 0; k < w->norder; k++) {
                ok = ok && plan_subqueries(b, w->order[k].expr);
                d->order[k].expr = bexpr_clone(w->order[k].expr);
                d->order[k].desc = w->order[k].desc;
            }
        }
        op = op_window(op, specs, s->nwins);
        if (!ok) {
            op_free(op);
            return NULL;
        }
    }
    for (int i = 0; i < s->ncols; i++)
        if (!plan_subqueries(b, s->outs[i])) {
            op_free(op);
            return NULL;
        }
    bexpr **outs = xcalloc((size_t)s->ncols + 1, sizeof *outs);
    for (int i = 0; i < s->ncols; i++)
        outs[i] = bexpr_clone(s->outs[i]);
    op = op_project(op, outs, s->ncols);
    if (s->distinct)
        op = op_distinct(op);
    return op;
}

/* A select whose rows come from one table read through filters and
 * projections only (nothing that needs all rows first). */
static bool single_table_read(const bsel *s)
{
    return s->from && s->from->leaf && s->rels[s->from->rel]->kind == REL_TABLE && !s->has_agg &&
           s->nwins == 0 && !s->distinct && !s->vrows;
}

static bool has_subquery(const bexpr *e)
{
    if (!e)
        return false;
    if (e->bound || e->sub)
        return true;
    for (size_t i = 0; i < e->nargs; i++)
        if (has_subquery(e->args[i]))
            return true;
    return false;
}

/* The statement's query can stream to a cursor: one select reading one
 * table, no subquery (another read), no LIMIT/OFFSET; ORDER BY only when
 * the read gives that order (plan_table decides). */
static bool query_streams(const bquery *q)
{
    if (!q->sel || q->limit >= 0 || q->offset > 0 || !single_table_read(q->sel))
        return false;
    if (has_subquery(q->sel->where))
        return false;
    for (int i = 0; i < q->sel->ncols; i++)
        if (has_subquery(q->sel->outs[i]))
            return false;
    return true;
}

static op_t *plan_query(binder *b, bquery *q)
{
    /* What this query wants from its select's table read: the ORDER BY
       order, and as many rows as LIMIT (and, for the statement, the page)
       needs, so the read can go backward, stop early and skip the sort. */
    read_hint h = {.order_slot = -1, .need = -1}, *saved = b->rhint;
    b->rhint = NULL;
    if (q->sel && single_table_read(q->sel)) {
        bool usable = true;
        if (q->norder) {
            const bexpr *k = q->sel->outs[q->order_cols[0]];
            usable = k->kind == BX_COL;
            h.order_slot = usable ? k->slot : -1;
            h.order_desc = q->order_desc[0];
            h.norder = q->norder;
        }
        if (usable && q->limit >= 0)
            h.need = q->limit + q->offset;
        int64_t page = b->opts->row_hint > 0 ? b->opts->row_hint + q->offset : -1;
        if (usable && q == b->top && page > 0 && (h.need < 0 || page < h.need))
            h.need = page;
        h.stream = usable && q == b->top && b->stream;
        h.sel = q->sel;
        b->rhint = &h;
    }
    op_t *op;
    if (q->sel) {
        op = plan_select(b, q->sel);
    } else {
        op_t *l = plan_query(b, q->l);
        op_t *r = l ? plan_query(b, q->r) : NULL;
        if (!r) {
            op_free(l);
            b->rhint = saved;
            return NULL;
        }
        op = op_setop(l, r, q->op, q->all);
    }
    b->rhint = saved;
    if (!op)
        return NULL;
    int64_t topn = q->limit >= 0 ? q->limit + q->offset : -1;
    if (q->norder && !h.order_done) {
        sort_key *keys = xcalloc((size_t)q->norder, sizeof *keys);
        for (int i = 0; i < q->norder; i++) {
            keys[i].expr = bexpr_col(q->order_cols[i], (sql_pos){0, 0, 0});
            keys[i].desc = q->order_desc[i];
        }
        op = op_sort(op, keys, q->norder, topn);
    }
    if (q->limit >= 0 || q->offset > 0)
        op = op_limit(op, q->limit, q->offset);
    if (q->sel && q->sel->ncols > q->sel->nvisible) {
        /* Drop the hidden ORDER BY keys. */
        bexpr **keep = xcalloc((size_t)q->sel->nvisible + 1, sizeof *keep);
        for (int i = 0; i < q->sel->nvisible; i++)
            keep[i] = bexpr_col(i, (sql_pos){0, 0, 0});
        op = op_project(op, keep, q->sel->nvisible);
    }
    return op;
}

/* ---- freeing the bound tree -------------------------------------------- */

static void free_query(bquery *q);

static void free_bound_expr(bexpr *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < e->nargs; i++)
        free_bound_expr(e->args[i]);
    if (e->bound) {
        free_query(e->bound);
        e->bound = NULL;
    }
}

static void free_from(bfrom *f)
{
    if (!f)
        return;
    free_bound_expr(f->on);
    bexpr_free(f->on);
    free_from(f->l);
    free_from(f->r);
    free(f);
}

static void free_cols(plan_col *c, int n)
{
    for (int i = 0; i < n; i++) {
        free(c[i].name);
        free(c[i].pk);
        free(c[i].sk);
    }
    free(c);
}

static void free_sel(bsel *s)
{
    free_from(s->from);
    free_bound_expr(s->where);
    bexpr_free(s->where);
    for (int i = 0; i < s->ncols; i++) {
        free_bound_expr(s->outs[i]);
        bexpr_free(s->outs[i]);
    }
    free(s->outs);
    free(s->order_out);
    free_cols(s->cols, s->ncols);
    for (int i = 0; i < s->ngroups; i++)
        bexpr_free(s->groups[i]);
    free(s->groups);
    for (int i = 0; i < s->naggs; i++)
        bexpr_free(s->aggs[i].arg);
    free(s->aggs);
    bexpr_free(s->having);
    for (int i = 0; i < s->nwins; i++) {
        win_spec *w = &s->wins[i];
        bexpr_free(w->arg);
        for (int k = 0; k < w->npartition; k++)
            bexpr_free(w->partition[k]);
        for (int k = 0; k < w->norder; k++)
            bexpr_free(w->order[k].expr);
        free(w->partition);
        free(w->order);
    }
    free(s->wins);
    for (int i = 0; i < s->nvrows; i++) {
        for (int c = 0; c < s->vwidth; c++) {
            free_bound_expr(s->vrows[i][c]);
            bexpr_free(s->vrows[i][c]);
        }
        free(s->vrows[i]);
    }
    free(s->vrows);
    for (int i = 0; i < s->nusings; i++) {
        free(s->usings[i].name);
        bexpr_free(s->usings[i].merged);
    }
    free(s->usings);
    for (int i = 0; i < s->nrels; i++) {
        brel *r = s->rels[i];
        free(r->alias);
        free(r->schema);
        free(r->physical);
        free(r->label);
        if (r->desc)
            json_object_put(r->desc);
        for (int k = 0; k < r->npaths; k++) {
            path_clear(&r->paths[k]);
            free(r->path_keys[k]);
        }
        free(r->paths);
        free(r->path_keys);
        if (r->q)
            free_query(r->q);
        free(r);
    }
    free(s->rels);
    free(s);
}

static void free_query(bquery *q)
{
    if (!q)
        return;
    if (q->sel)
        free_sel(q->sel);
    free_query(q->l);
    free_query(q->r);
    free(q->order_cols);
    free(q->order_desc);
    free_cols(q->cols, q->ncols);
    free(q);
}

bool sql_plan_build(catalog *cat, const sql_stmt *stmt, const plan_opts *opts, sql_plan *out,
                    sql_error *err, char *hint, size_t hintlen)
{
    memset(out, 0, sizeof *out);
    hint[0] = '\0';
    binder b = {
        .cat = cat, .err = err, .hint = hint, .hintlen = hintlen, .opts = opts, .plan = out};
    bquery *q = bind_query(&b, NULL, false, stmt->query);
    if (q && !b.failed) {
        remap_query(q);
        b.top = q;
        b.stream = query_streams(q);
        out->root = plan_query(&b, q);
        if (!out->root) {
            out->resume_reader = NULL;
            out->start_key_used = false;
        }
        if (out->root) {
            out->ncols = q->ncols;
            out->cols = q->cols;
            q->cols = NULL;
            q->ncols = 0;
        }
    }
    free_query(q);
    return out->root != NULL && !b.failed;
}

void sql_plan_free(sql_plan *p)
{
    op_free(p->root);
    free_cols(p->cols, p->ncols);
    memset(p, 0, sizeof *p);
}
