/* WORK IN PROGRESS (branch wip/planner): sql_run over the planner. */
#include "sql/engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"
#include "core/base/timeutil.h"
#include "sql/arena.h"
#include "sql/limits.h"
#include "sql/parser.h"
#include "sql/planner.h"

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

bool sql_run(const sql_engine_env *env, const char *sql, size_t len, const sql_run_opts *opts,
             sql_result *out)
{
    memset(out, 0, sizeof *out);
    int64_t t0 = mono_ms();
    sql_arena arena;
    sql_arena_init(&arena, SQL_MAX_ARENA);
    sql_error err = {0};
    sql_stmt *stmt = sql_parse(sql, len, &arena, &err);
    if (!stmt) {
        set_fail(out, SQL_FAIL_PARSE, &err, "");
        sql_arena_free(&arena);
        return false;
    }
    plan_opts po = {.max_segments = env->max_segments, .start_key = opts->start_key};
    sql_plan plan;
    char hint[512];
    if (!sql_plan_build(env->cat, stmt, &po, &plan, &err, hint, sizeof hint)) {
        set_fail(out, SQL_FAIL_BIND, &err, hint);
        sql_plan_free(&plan);
        sql_arena_free(&arena);
        return false;
    }
    buf_t ex = BUF_INIT(1024 * 1024);
    op_explain(plan.root, &ex, 0);
    out->plan = buf_steal(&ex);
    out->explain = stmt->explain;
    if (stmt->explain || opts->mode == SQL_MODE_PLAN) {
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
    int64_t cap = opts->max_rows > 0 ? opts->max_rows : 100;
    out->ncols = plan.ncols;
    out->columns = xcalloc((size_t)(plan.ncols ? plan.ncols : 1), sizeof *out->columns);
    for (int i = 0; i < plan.ncols; i++) {
        out->columns[i].name = xstrdup(plan.cols[i].name);
        out->columns[i].type = xstrdup("NULL");
    }
    out->rows = xcalloc((size_t)cap * (size_t)(w ? w : 1), sizeof *out->rows);
    value_t *row = xcalloc((size_t)(w ? w : 1), sizeof *row);
    bool ok = op_open(plan.root, &ctx);
    int64_t skipped = 0;
    while (ok) {
        int r = op_next(plan.root, &ctx, row);
        if (r < 0)
            ok = false;
        if (r <= 0)
            break;
        if (skipped < opts->skip) {
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
    if (!ok)
        set_fail(out, SQL_FAIL_EXEC, &ctx.err, "");
    out->exec_kind = ctx.err_kind;
    op_close(plan.root);
    for (int i = 0; i < plan.nclients; i++)
        ddb_client_set_trace(plan.clients[i], NULL, NULL);
    out->next_skip = opts->skip + out->nrows;
    /* A column's type: its non-NULL values' type, MIXED when they differ. */
    for (int c = 0; c < out->ncols && c < w; c++) {
        const char *t = NULL;
        for (int64_t r = 0; r < out->nrows; r++) {
            const value_t *v = &out->rows[r * w + c];
            if (v->type == VAL_NULL)
                continue;
            const char *vt = value_type_name(v->type);
            if (!t)
                t = vt;
            else if (strcmp(t, vt) != 0)
                t = "MIXED";
        }
        if (t) {
            free(out->columns[c].type);
            out->columns[c].type = xstrdup(t);
        }
    }
    out->stats = ctx.stats;
    out->mem_peak = ctx.mem_peak;
    sql_plan_free(&plan);
    sql_arena_free(&arena);
    out->elapsed_ms = mono_ms() - t0;
    /* Star columns are not yet expanded (wip). */
    return ok;
}

void sql_result_free(sql_result *r)
{
    for (int64_t i = 0; i < r->nrows * r->ncols; i++)
        value_free(&r->rows[i]);
    free(r->rows);
    for (int i = 0; i < r->ncols; i++) {
        free(r->columns[i].name);
        free(r->columns[i].type);
    }
    free(r->columns);
    if (r->next_start_key)
        json_object_put(r->next_start_key);
    free(r->plan);
    memset(r, 0, sizeof *r);
}
