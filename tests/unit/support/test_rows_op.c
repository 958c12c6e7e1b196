#include "test_rows_op.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"
#include "core/base/buf.h"

typedef struct rows_op {
    op_t base;
    value_t *vals; /* nrows * stride */
    size_t nrows;
    int stride;
    size_t pos;
    bool open;
    size_t fail_at;
    test_rows_stats stats;
} rows_op;

static void die(const char *what, const char *text)
{
    fprintf(stderr, "test_rows_op: %s in \"%s\"\n", what, text);
    abort();
}

static const char *skip_ws(const char *p)
{
    while (*p && isspace((unsigned char)*p))
        p++;
    return p;
}

/* Parses one value at *pp (after spaces), advancing past it. */
static value_t parse_value(const char **pp, const char *all)
{
    const char *p = skip_ws(*pp);
    value_t v = value_null();
    if (strncmp(p, "NULL", 4) == 0) {
        p += 4;
    } else if (strncmp(p, "true", 4) == 0) {
        v = value_bool(true);
        p += 4;
    } else if (strncmp(p, "false", 5) == 0) {
        v = value_bool(false);
        p += 5;
    } else if (*p == '\'') {
        buf_t b = BUF_INIT(1 << 20);
        for (p++;; p++) {
            if (!*p)
                die("unterminated string", all);
            if (*p == '\'') {
                if (p[1] != '\'')
                    break;
                p++;
            }
            buf_putc(&b, *p);
        }
        p++;
        v = value_string(buf_cstr(&b), b.len);
        buf_free(&b);
    } else {
        const char *s = p;
        while (*p && (isalnum((unsigned char)*p) || *p == '.' || *p == '-' || *p == '+'))
            p++;
        size_t len = (size_t)(p - s);
        if (len && s[len - 1] == 'd') {
            char tmp[64];
            if (len >= sizeof tmp)
                die("double too long", all);
            memcpy(tmp, s, len - 1);
            tmp[len - 1] = 0;
            char *end;
            double f = strtod(tmp, &end);
            if (*end || end == tmp)
                die("bad double", all);
            v = value_double(f);
        } else if (!len || value_number_parse(s, len, &v) != DEC_OK) {
            die("bad value", all);
        }
    }
    *pp = skip_ws(p);
    return v;
}

value_t test_value(const char *text)
{
    const char *p = text;
    value_t v = parse_value(&p, text);
    if (*p)
        die("trailing text", text);
    return v;
}

static bool rows_open(op_t *op, exec_ctx *ctx)
{
    (void)ctx;
    rows_op *r = (rows_op *)op;
    r->pos = 0;
    r->open = true;
    r->stats.opens++;
    return true;
}

static int rows_next(op_t *op, exec_ctx *ctx, value_t *row)
{
    rows_op *r = (rows_op *)op;
    if (!r->open)
        die("next without open", "");
    if (r->pos >= r->nrows)
        return 0;
    if (r->pos == r->fail_at) {
        exec_fail(ctx, EXEC_ERR_SQL, NULL, "test source failed at row %zu", r->pos);
        return -1;
    }
    const value_t *src = r->vals + r->pos * (size_t)r->stride;
    for (int i = 0; i < op->width; i++)
        row[i] = value_copy(&src[i]);
    r->pos++;
    r->stats.pulled++;
    return 1;
}

static void rows_close(op_t *op)
{
    rows_op *r = (rows_op *)op;
    r->open = false;
    r->stats.closes++;
}

static void rows_destroy(op_t *op)
{
    rows_op *r = (rows_op *)op;
    for (size_t i = 0; i < r->nrows * (size_t)r->stride; i++)
        value_free(&r->vals[i]);
    free(r->vals);
    free(r);
}

static void rows_explain(const op_t *op, buf_t *out, int indent)
{
    const rows_op *r = (const rows_op *)op;
    buf_printf(out, "%*sTestRows (rows: %zu)\n", indent * 2, "", r->nrows);
}

static const op_vt rows_vt = {"TestRows", rows_open,    rows_next,
                              rows_close, rows_destroy, rows_explain};

op_t *test_rows_op(int width, const char *text)
{
    rows_op *r = xcalloc(1, sizeof *r);
    r->base.vt = &rows_vt;
    r->base.width = width;
    r->stride = width > 0 ? width : 1;
    r->fail_at = SIZE_MAX;
    size_t cap = 0;
    const char *p = skip_ws(text);
    while (*p) {
        if (r->nrows == cap) {
            cap = cap ? cap * 2 : 16;
            r->vals = xreallocarray(r->vals, cap, (size_t)r->stride * sizeof *r->vals);
        }
        value_t *row = r->vals + r->nrows * (size_t)r->stride;
        row[0] = value_null();
        if (width == 0) {
            if (strncmp(p, "()", 2) != 0)
                die("a width-0 row is ()", text);
            p = skip_ws(p + 2);
        }
        for (int i = 0; i < width; i++) {
            if (i > 0) {
                if (*p != ',')
                    die("expected ','", text);
                p++;
            }
            row[i] = parse_value(&p, text);
        }
        r->nrows++;
        if (*p == ';')
            p = skip_ws(p + 1);
        else if (*p)
            die("expected ';' or the end", text);
    }
    return &r->base;
}

const test_rows_stats *test_rows_stats_of(const op_t *op)
{
    if (op->vt != &rows_vt)
        die("not a test rows operator", "");
    return &((const rows_op *)op)->stats;
}

void test_rows_fail_at(op_t *op, size_t row)
{
    if (op->vt != &rows_vt)
        die("not a test rows operator", "");
    ((rows_op *)op)->fail_at = row;
}

static void put_value(buf_t *b, const value_t *v)
{
    char nb[DEC_STR_MAX];
    switch (v->type) {
    case VAL_NULL:
        buf_puts(b, "NULL");
        break;
    case VAL_BOOL:
        buf_puts(b, v->u.b ? "true" : "false");
        break;
    case VAL_NUMBER:
        buf_puts(b, value_number_text(v, nb));
        break;
    case VAL_DOUBLE:
        buf_printf(b, "%.17gd", v->u.f);
        break;
    case VAL_STRING:
        buf_putc(b, '\'');
        for (size_t i = 0; i < v->u.bytes->len; i++) {
            if (v->u.bytes->data[i] == '\'')
                buf_putc(b, '\'');
            buf_putc(b, v->u.bytes->data[i]);
        }
        buf_putc(b, '\'');
        break;
    default:
        buf_puts(b, value_type_name(v->type));
        break;
    }
}

char *test_value_text(const value_t *v)
{
    buf_t b = BUF_INIT(1 << 20);
    put_value(&b, v);
    return buf_steal(&b);
}

char *test_run_op(op_t *op, exec_ctx *ctx)
{
    buf_t b = BUF_INIT(64 << 20);
    int w = op->width;
    value_t *row = xcalloc(w > 0 ? (size_t)w : 1, sizeof *row);
    bool ok = op_open(op, ctx);
    for (size_t n = 0; ok; n++) {
        int r = op_next(op, ctx, row);
        if (r != 1) {
            ok = r == 0;
            break;
        }
        if (n)
            buf_putc(&b, ';');
        if (w == 0)
            buf_puts(&b, "()");
        for (int i = 0; i < w; i++) {
            if (i)
                buf_putc(&b, ',');
            put_value(&b, &row[i]);
        }
        row_free(row, w);
    }
    op_close(op);
    free(row);
    if (!ok) {
        char msg[600];
        sql_error_format(&ctx->err, msg, sizeof msg);
        buf_reset(&b);
        buf_printf(&b, "ERR: %s", msg);
    }
    return buf_steal(&b);
}

bexpr *t_col(int slot)
{
    sql_pos pos = {1, 1 + slot, (size_t)slot};
    return bexpr_col(slot, pos);
}

bexpr *t_const(const char *value)
{
    sql_pos pos = {1, 1, 0};
    return bexpr_const(test_value(value), pos);
}

bexpr *t_bin(sql_op op, bexpr *a, bexpr *b)
{
    sql_pos pos = {1, 1, 0};
    return bexpr_binary(op, a, b, pos);
}

bexpr **t_exprs(int n, ...)
{
    bexpr **v = xcalloc(n > 0 ? (size_t)n : 1, sizeof *v);
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        v[i] = va_arg(ap, bexpr *);
    va_end(ap);
    return v;
}
