/* sql_run: parse, plan, run under the caller's limits, collect one page of
 * rows, expand SELECT * columns, and say where the next page starts. */
#include "sql/engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"
#include "core/base/timeutil.h"
#include "sql/arena.h"
#include "sql/ddb_read.h"
#include "sql/ddb_value.h"
#include "sql/limits.h"
#include "sql/parser.h"
#include "sql/planner.h"

/* Columns one page's SELECT * may expand into, in all: each becomes a
 * value per row, so a page of items that share no attribute names cannot
 * blow up the result. */
#define ENGINE_MAX_STAR_COLS 1024

typedef struct trace_ctx {
    exec_ctx *ctx;
    ddb_trace_fn next;
    void *next_ctx;
} trace_ctx;

static void on_trace(void *p, const ddb_trace_event *ev)
{
    trace_ctx *t = p;
    exec_stats *s = &t->ctx->stats;
    if (ev->op == DDB_GET_ITEM || ev->op == DDB_BATCH_GET_ITEM || ev->op == DDB_QUERY ||
        ev->op == DDB_SCAN) {
        s->calls[ev->op]++;
        s->items_read += ev->scanned;
        s->items_returned += ev->items;
        s->capacity_units += ev->capacity_units;
        s->ddb_ms += ev->elapsed_ms;
    }
    if (t->next)
        t->next(t->next_ctx, ev);
}

static void set_fail(sql_result *out, sql_fail kind, const sql_error *e, const char *hint)
{
    out->fail = kind;
    out->err = *e;
    snprintf(out->hint, sizeof out->hint, "%s", hint ? hint : "");
}

/* ---- EXPLAIN ------------------------------------------------------------------ */

/* The plan text: the result columns, the operator tree (each DynamoDB read
 * with its request and why it was chosen), and how a next page is read. */
static char *plan_text(const sql_plan *plan)
{
    buf_t ex = BUF_INIT(1024 * 1024);
    buf_puts(&ex, "Result columns: ");
    for (int i = 0; i < plan->ncols; i++) {
        const plan_col *c = &plan->cols[i];
        buf_puts(&ex, i ? ", " : "");
        if (c->star)
            buf_printf(&ex, "%s.* (%s%s%s first, then every other attribute by name)", c->name,
                       c->pk ? c->pk : "", c->sk ? ", " : "", c->sk ? c->sk : "");
        else
            buf_puts(&ex, c->name);
    }
    buf_putc(&ex, '\n');
    op_explain(plan->root, &ex, 0);
    if (plan->resume_reader)
        buf_puts(&ex, "Paging: streaming; a next page resumes the read after the last item "
                      "returned (ExclusiveStartKey)\n");
    else
        buf_puts(&ex, "Paging: a next page runs the query again and skips the rows already "
                      "returned\n");
    return buf_steal(&ex);
}

/* EXPLAIN's rows: one per line of the plan text, in column "plan". */
static void explain_rows(sql_result *out, int64_t cap, int64_t skip)
{
    out->ncols = 1;
    out->columns = xcalloc(1, sizeof *out->columns);
    out->columns[0].name = xstrdup("plan");
    out->columns[0].type = xstrdup("STRING");
    int64_t nlines = 0;
    for (const char *p = out->plan; *p; nlines++) {
        const char *e = strchr(p, '\n');
        p = e ? e + 1 : p + strlen(p);
    }
    out->rows = xcalloc((size_t)(nlines ? nlines : 1), sizeof *out->rows);
    int64_t line = 0;
    for (const char *p = out->plan; *p; line++) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (line >= skip && out->nrows < cap)
            out->rows[out->nrows++] = value_string(p, len);
        else if (line >= skip)
            out->truncated = true;
        p += len + (e ? 1 : 0);
    }
    out->next_skip = skip + out->nrows;
}

/* ---- SELECT * -------------------------------------------------------------------- */

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One output column after expansion: a plain column (attr NULL), or the
 * attribute attr of star column src. */
typedef struct out_col {
    int src;
    const char *attr; /* borrowed from star_names */
    char *name;
} out_col;

typedef struct star_names {
    char **v; /* owned: the rows' documents are freed while the names are still used */
    size_t n;
} star_names;

/* The attribute names of star column c: its key attributes, then every
 * other top-level name of the MAP values in the rows, sorted bytewise. */
static void star_attrs(const sql_result *out, int w, int c, const plan_col *pc, star_names *sn)
{
    size_t cap = 16;
    const char **all = xcalloc(cap, sizeof *all);
    size_t n = 0;
    for (int64_t r = 0; r < out->nrows; r++) {
        const value_t *v = &out->rows[r * w + c];
        if (v->type != VAL_MAP || !json_object_is_type(v->u.doc, json_type_object))
            continue;
        json_object_object_foreach(v->u.doc, k, av)
        {
            (void)av;
            if ((pc->pk && strcmp(k, pc->pk) == 0) || (pc->sk && strcmp(k, pc->sk) == 0))
                continue;
            if (n == cap) {
                cap *= 2;
                all = xreallocarray(all, cap, sizeof *all);
            }
            all[n++] = k;
        }
    }
    qsort(all, n, sizeof *all, cmp_name);
    sn->v = xcalloc(n + 2, sizeof *sn->v);
    sn->n = 0;
    if (pc->pk)
        sn->v[sn->n++] = xstrdup(pc->pk);
    if (pc->sk)
        sn->v[sn->n++] = xstrdup(pc->sk);
    for (size_t i = 0; i < n; i++)
        if (i == 0 || strcmp(all[i], all[i - 1]) != 0)
            sn->v[sn->n++] = xstrdup(all[i]);
    free(all);
}

/* How many of the stars produce attribute a. */
static int stars_with(const star_names *sn, int ncols, const char *a)
{
    int k = 0;
    for (int c = 0; c < ncols; c++)
        for (size_t i = 0; i < sn[c].n; i++)
            if (strcmp(sn[c].v[i], a) == 0) {
                k++;
                break;
            }
    return k;
}

/* "star.attr", or when an earlier column already has that name (the same
 * table's star twice) "star.attr_2", "star.attr_3"... */
static char *qualified_name(const out_col *oc, int k, const char *star, const char *attr)
{
    size_t len = strlen(star) + strlen(attr) + 24;
    char *name = xmalloc(len);
    snprintf(name, len, "%s.%s", star, attr);
    for (long n = 2;; n++) {
        bool taken = false;
        for (int j = 0; j < k && !taken; j++)
            taken = strcmp(oc[j].name, name) == 0;
        if (!taken)
            return name;
        snprintf(name, len, "%s.%s_%ld", star, attr, n);
    }
}

/* The value of attribute attr of an item (a MAP value): NULL when missing
 * or when v is not an item (the NULL side of an outer join). */
static value_t item_attr(const value_t *v, const char *attr)
{
    json_object *av;
    value_t out = value_null();
    char err[128];
    if (v->type == VAL_MAP && json_object_object_get_ex(v->u.doc, attr, &av) &&
        !ddb_to_value_shallow(av, &out, err, sizeof err))
        out = value_null(); /* DynamoDB returned it; it cannot be malformed */
    return out;
}

/* Replaces each star column (a whole item per row) by one column per
 * attribute: the key attributes, then the others by name. An attribute
 * that more than one star of the select produces is named star.attr (the
 * star's table alias), so `SELECT * FROM a JOIN b` keeps both sides'
 * columns apart; other names are kept as they are. False when the page
 * would have more than ENGINE_MAX_STAR_COLS such columns. */
static bool expand_stars(sql_result *out, const sql_plan *plan, int w)
{
    bool any = false;
    for (int c = 0; c < plan->ncols; c++)
        any |= plan->cols[c].star;
    if (!any)
        return true;
    star_names *sn = xcalloc((size_t)plan->ncols, sizeof *sn);
    size_t total = 0, nstar = 0;
    for (int c = 0; c < plan->ncols; c++)
        if (plan->cols[c].star) {
            star_attrs(out, w, c, &plan->cols[c], &sn[c]);
            total += sn[c].n;
            nstar++;
        }
    bool ok = total <= ENGINE_MAX_STAR_COLS;
    if (!ok) {
        sql_error e = {0};
        sql_error_set(&e, 0, 0, 0,
                      "SELECT * would give %zu columns on this page (at most %d): the items "
                      "have too many different attribute names",
                      total, ENGINE_MAX_STAR_COLS);
        set_fail(out, SQL_FAIL_EXEC, &e,
                 "name the attributes you need instead of *, or lower max_rows");
        out->exec_kind = EXEC_ERR_SQL;
    }
    int nout = (int)(plan->ncols - (int)nstar + (int)total);
    out_col *oc = xcalloc((size_t)(nout ? nout : 1), sizeof *oc);
    int k = 0;
    for (int c = 0; ok && c < plan->ncols; c++) {
        if (!plan->cols[c].star) {
            oc[k].src = c;
            oc[k++].name = xstrdup(plan->cols[c].name);
            continue;
        }
        for (size_t i = 0; i < sn[c].n; i++) {
            const char *a = sn[c].v[i];
            oc[k].src = c;
            oc[k].attr = a;
            if (stars_with(sn, plan->ncols, a) > 1)
                oc[k].name = qualified_name(oc, k, plan->cols[c].name, a);
            else
                oc[k].name = xstrdup(a);
            k++;
        }
    }
    if (ok) {
        value_t *rows = xcalloc((size_t)(out->nrows * nout) + 1, sizeof *rows);
        for (int64_t r = 0; r < out->nrows; r++) {
            value_t *src = &out->rows[r * w];
            for (int j = 0; j < nout; j++) {
                value_t *d = &rows[r * nout + j];
                if (oc[j].attr) {
                    *d = item_attr(&src[oc[j].src], oc[j].attr);
                } else {
                    *d = src[oc[j].src];
                    src[oc[j].src] = value_null();
                }
            }
            row_free(src, w);
        }
        free(out->rows);
        out->rows = rows;
        for (int i = 0; i < out->ncols; i++) {
            free(out->columns[i].name);
            free(out->columns[i].type);
        }
        free(out->columns);
        out->ncols = nout;
        out->columns = xcalloc((size_t)(nout ? nout : 1), sizeof *out->columns);
        for (int j = 0; j < nout; j++) {
            out->columns[j].name = oc[j].name;
            out->columns[j].type = xstrdup("NULL");
        }
    } else {
        for (int j = 0; j < k; j++)
            free(oc[j].name);
    }
    free(oc);
    for (int c = 0; c < plan->ncols; c++) {
        for (size_t i = 0; i < sn[c].n; i++)
            free(sn[c].v[i]);
        free(sn[c].v);
    }
    free(sn);
    return ok;
}

/* A column's type: its non-NULL values' type, MIXED when they differ. */
static void column_types(sql_result *out)
{
    for (int c = 0; c < out->ncols; c++) {
        const char *t = NULL;
        for (int64_t r = 0; r < out->nrows; r++) {
            const value_t *v = &out->rows[r * out->ncols + c];
            if (v->type == VAL_NULL)
                continue;
            const char *vt = value_type_name(v->type);
            if (!t)
                t = vt;
            else if (strcmp(t, vt) != 0)
                t = "MIXED";
        }
        free(out->columns[c].type);
        out->columns[c].type = xstrdup(t ? t : "NULL");
    }
}

/* ---- running ------------------------------------------------------------------ */

/* Pulls the page: skips `skip` rows, keeps up to cap, then pulls one more
 * to learn whether the result goes on. A streaming plan's resume key is
 * taken before that extra pull: it is the key of the item behind the last
 * row kept (filters and projections above the reader pull one item at a
 * time), so the next page starts right after it. */
static bool pull_page(const sql_plan *plan, exec_ctx *ctx, int64_t skip, int64_t cap,
                      sql_result *out)
{
    int w = plan->root->width;
    value_t *row = xcalloc((size_t)(w ? w : 1), sizeof *row);
    bool ok = op_open(plan->root, ctx);
    int64_t skipped = 0;
    while (ok) {
        if (out->nrows == cap && plan->resume_reader && !out->next_start_key)
            out->next_start_key = op_ddb_resume_key(plan->resume_reader);
        int r = op_next(plan->root, ctx, row);
        if (r < 0)
            ok = false;
        if (r <= 0)
            break;
        if (skipped < skip) {
            skipped++;
            row_free(row, w);
            continue;
        }
        if (out->nrows == cap) {
            out->truncated = true;
            row_free(row, w);
            break;
        }
        memcpy(&out->rows[out->nrows * w], row, (size_t)w * sizeof *row);
        memset(row, 0, (size_t)w * sizeof *row);
        out->nrows++;
    }
    free(row);
    if (!out->truncated && out->next_start_key) {
        json_object_put(out->next_start_key);
        out->next_start_key = NULL;
    }
    op_close(plan->root);
    return ok;
}

bool sql_run(const sql_engine_env *env, const char *sql, size_t len, const sql_run_opts *opts,
             sql_result *out)
{
    memset(out, 0, sizeof *out);
    int64_t t0 = mono_ms();
    int64_t cap = opts->max_rows > 0 ? opts->max_rows : 100;
    sql_arena arena;
    sql_arena_init(&arena, SQL_MAX_ARENA);
    sql_error err = {0};
    sql_stmt *stmt = sql_parse(sql, len, &arena, &err);
    if (!stmt) {
        set_fail(out, SQL_FAIL_PARSE, &err, "");
        sql_arena_free(&arena);
        return false;
    }
    /* The rows the page pulls: those it skips (when it re-executes), its
       own, and one more to learn whether the result goes on. */
    plan_opts po = {.max_segments = env->max_segments,
                    .start_key = opts->start_key,
                    .row_hint = cap + 1 + (opts->start_key ? 0 : opts->skip)};
    sql_plan plan;
    char hint[512];
    if (!sql_plan_build(env->cat, stmt, &po, &plan, &err, hint, sizeof hint)) {
        set_fail(out, SQL_FAIL_BIND, &err, hint);
        sql_plan_free(&plan);
        sql_arena_free(&arena);
        return false;
    }
    out->plan = plan_text(&plan);
    out->explain = stmt->explain;
    if (stmt->explain || opts->mode == SQL_MODE_PLAN) {
        if (stmt->explain && opts->mode != SQL_MODE_PLAN)
            explain_rows(out, cap, opts->skip);
        sql_plan_free(&plan);
        sql_arena_free(&arena);
        out->elapsed_ms = mono_ms() - t0;
        return true;
    }
    exec_limits lim = env->limits;
    if (!lim.deadline_ms && env->time_limit_ms > 0)
        lim.deadline_ms = mono_ms() + env->time_limit_ms;
    exec_ctx ctx;
    exec_ctx_init(&ctx, &lim, env->now_ms ? env->now_ms : wall_ms());
    trace_ctx tc = {&ctx, env->trace, env->trace_ctx};
    for (int i = 0; i < plan.nclients; i++)
        ddb_client_set_trace(plan.clients[i], on_trace, &tc);
    int w = plan.root->width;
    out->ncols = plan.ncols;
    out->columns = xcalloc((size_t)(plan.ncols ? plan.ncols : 1), sizeof *out->columns);
    for (int i = 0; i < plan.ncols; i++) {
        out->columns[i].name = xstrdup(plan.cols[i].name);
        out->columns[i].type = xstrdup("NULL");
    }
    out->rows = xcalloc((size_t)cap * (size_t)(w ? w : 1), sizeof *out->rows);
    /* A streaming plan that took the cursor's key starts after it; any
       other plan re-executes and skips the rows already returned. */
    int64_t skip = opts->start_key && plan.start_key_used ? 0 : opts->skip;
    bool ok = pull_page(&plan, &ctx, skip, cap, out);
    if (!ok) {
        set_fail(out, SQL_FAIL_EXEC, &ctx.err, "");
        out->exec_kind = ctx.err_kind;
    }
    for (int i = 0; i < plan.nclients; i++)
        ddb_client_set_trace(plan.clients[i], NULL, NULL);
    out->next_skip = opts->skip + out->nrows;
    if (ok)
        ok = expand_stars(out, &plan, w);
    if (ok)
        column_types(out);
    out->stats = ctx.stats;
    out->mem_peak = ctx.mem_peak;
    sql_plan_free(&plan);
    sql_arena_free(&arena);
    out->elapsed_ms = mono_ms() - t0;
    return ok;
}

void sql_result_free(sql_result *r)
{
    for (int64_t i = 0; r->rows && i < r->nrows * r->ncols; i++)
        value_free(&r->rows[i]);
    free(r->rows);
    for (int i = 0; r->columns && i < r->ncols; i++) {
        free(r->columns[i].name);
        free(r->columns[i].type);
    }
    free(r->columns);
    if (r->next_start_key)
        json_object_put(r->next_start_key);
    free(r->plan);
    memset(r, 0, sizeof *r);
}
