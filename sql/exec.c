#include "sql/exec.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/base/timeutil.h"

void op_free(op_t *op)
{
    if (!op)
        return;
    op->vt->close(op);
    op->vt->destroy(op);
}

void op_explain(const op_t *op, buf_t *out, int indent)
{
    op->vt->explain(op, out, indent);
}

void row_free(value_t *row, int width)
{
    for (int i = 0; i < width; i++)
        value_free(&row[i]);
}

void exec_ctx_init(exec_ctx *ctx, const exec_limits *limits, int64_t now_ms)
{
    memset(ctx, 0, sizeof *ctx);
    if (limits)
        ctx->limits = *limits;
    ctx->now_ms = now_ms;
}

bool exec_fail(exec_ctx *ctx, exec_err_kind kind, const sql_pos *pos, const char *fmt, ...)
{
    if (ctx->err_kind != EXEC_OK)
        return false;
    char msg[sizeof ctx->err.message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ctx->err_kind = kind;
    if (pos)
        sql_error_set(&ctx->err, pos->line, pos->column, pos->offset, "%s", msg);
    else
        sql_error_set(&ctx->err, 0, 0, 0, "%s", msg);
    return false;
}

static void format_bytes(size_t n, char *out, size_t outsz)
{
    if (n >= 1024 * 1024)
        snprintf(out, outsz, "%.1f MiB", (double)n / (1024.0 * 1024.0));
    else
        snprintf(out, outsz, "%zu KiB", n / 1024);
}

bool exec_mem_charge(exec_ctx *ctx, size_t bytes, const char *what)
{
    ctx->mem_used += bytes;
    if (ctx->mem_used > ctx->mem_peak)
        ctx->mem_peak = ctx->mem_used;
    if (ctx->limits.max_memory_bytes && ctx->mem_used > ctx->limits.max_memory_bytes) {
        char lim[32];
        format_bytes(ctx->limits.max_memory_bytes, lim, sizeof lim);
        return exec_fail(ctx, EXEC_ERR_MEMORY, NULL,
                         "the query needs more than its memory limit of %s (in %s); narrow the "
                         "rows with a WHERE on a key, aggregate fewer groups, or add a LIMIT",
                         lim, what);
    }
    return true;
}

void exec_mem_release(exec_ctx *ctx, size_t bytes)
{
    ctx->mem_used = bytes > ctx->mem_used ? 0 : ctx->mem_used - bytes;
}

/* json-c keeps no size; walk the document (bounded by its own depth limit). */
static size_t doc_bytes(json_object *o, int depth)
{
    size_t n = 64;
    if (!o || depth > 64)
        return n;
    switch (json_object_get_type(o)) {
    case json_type_string:
        return n + (size_t)json_object_get_string_len(o);
    case json_type_array:
        for (size_t i = 0; i < json_object_array_length(o); i++)
            n += doc_bytes(json_object_array_get_idx(o, i), depth + 1);
        return n;
    case json_type_object: {
        json_object_object_foreach(o, k, v)
        {
            n += strlen(k) + 32 + doc_bytes(v, depth + 1);
        }
        return n;
    }
    default:
        return n;
    }
}

static size_t value_bytes(const value_t *v)
{
    size_t n = sizeof *v;
    switch (v->type) {
    case VAL_STRING:
    case VAL_BINARY:
        /* Shared payloads are charged to every holder: an over-estimate,
           which errs on the safe side. */
        n += sizeof(vbytes) + v->u.bytes->len + 1;
        break;
    case VAL_NUMBER:
        if (v->u.num.text)
            n += sizeof(vbytes) + v->u.num.text->len + 1;
        break;
    case VAL_LIST:
    case VAL_MAP:
    case VAL_SS:
    case VAL_NS:
    case VAL_BS:
        n += doc_bytes(v->u.doc, 0);
        break;
    default:
        break;
    }
    return n;
}

size_t exec_row_bytes(const value_t *row, int width)
{
    size_t n = 32;
    for (int i = 0; i < width; i++)
        n += value_bytes(&row[i]);
    return n;
}

bool exec_check_limits(exec_ctx *ctx)
{
    if (ctx->err_kind != EXEC_OK)
        return false;
    const exec_limits *l = &ctx->limits;
    const exec_stats *s = &ctx->stats;
    if (l->max_items_read && s->items_read > l->max_items_read)
        return exec_fail(ctx, EXEC_ERR_BUDGET, NULL,
                         "the query read %lld items, past its budget of %lld items (%.1f "
                         "capacity units, %lld DynamoDB calls so far); add a condition on a key "
                         "or an index so it can Query instead of Scan, or add a LIMIT",
                         (long long)s->items_read, (long long)l->max_items_read, s->capacity_units,
                         (long long)(s->calls[0] + s->calls[1] + s->calls[2] + s->calls[3] +
                                     s->calls[4] + s->calls[5]));
    if (l->max_capacity > 0 && s->capacity_units > l->max_capacity)
        return exec_fail(ctx, EXEC_ERR_BUDGET, NULL,
                         "the query consumed %.1f read capacity units, past its budget of %.1f "
                         "(%lld items read); add a condition on a key or an index, or a LIMIT",
                         s->capacity_units, l->max_capacity, (long long)s->items_read);
    if (l->deadline_ms && mono_ms() > l->deadline_ms)
        return exec_fail(ctx, EXEC_ERR_TIMEOUT, NULL,
                         "the query ran past its time limit after reading %lld items; add a "
                         "condition on a key or an index, or a LIMIT",
                         (long long)s->items_read);
    return true;
}
