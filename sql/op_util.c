#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"
#include "sql/eval.h"
#include "sql/op_internal.h"

/* ---- rows ------------------------------------------------------------- */

void rowvec_init(rowvec *r, int width)
{
    memset(r, 0, sizeof *r);
    r->width = width;
    r->stride = width > 0 ? width : 1;
}

value_t *rowvec_push(rowvec *r)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 64;
        r->v = xreallocarray(r->v, cap, (size_t)r->stride * sizeof *r->v);
        r->cap = cap;
    }
    value_t *row = rowvec_at(r, r->n++);
    for (int i = 0; i < r->stride; i++)
        row[i] = value_null();
    return row;
}

void rowvec_clear(rowvec *r)
{
    size_t total = r->n * (size_t)r->stride;
    for (size_t i = 0; i < total; i++)
        value_free(&r->v[i]);
    r->n = 0;
}

void rowvec_free(rowvec *r)
{
    rowvec_clear(r);
    free(r->v);
    r->v = NULL;
    r->cap = 0;
}

void row_move(value_t *dst, value_t *src, int n)
{
    for (int i = 0; i < n; i++) {
        dst[i] = src[i];
        src[i] = value_null();
    }
}

void row_copy(value_t *dst, const value_t *src, int n)
{
    for (int i = 0; i < n; i++)
        dst[i] = value_copy(&src[i]);
}

void row_nullify(value_t *row, int n)
{
    for (int i = 0; i < n; i++)
        row[i] = value_null();
}

/* ---- memory account ----------------------------------------------------- */

bool memacct_bytes(memacct *m, size_t bytes)
{
    /* exec_mem_charge counts the bytes even when it fails, so they are held
       either way and close gives them back. */
    m->held += bytes;
    return exec_mem_charge(m->ctx, bytes, m->what);
}

bool memacct_row(memacct *m, const value_t *row, int width)
{
    return memacct_bytes(m, exec_row_bytes(row, width));
}

void memacct_release(memacct *m)
{
    if (m->ctx && m->held)
        exec_mem_release(m->ctx, m->held);
    m->held = 0;
}

/* ---- stable index sort ---------------------------------------------------- */

static void msort(size_t *a, size_t *tmp, size_t n, idx_cmp_fn cmp, const void *ctx)
{
    if (n <= 12) {
        for (size_t i = 1; i < n; i++) {
            size_t x = a[i], j = i;
            while (j > 0 && cmp(ctx, a[j - 1], x) > 0) {
                a[j] = a[j - 1];
                j--;
            }
            a[j] = x;
        }
        return;
    }
    size_t h = n / 2;
    msort(a, tmp, h, cmp, ctx);
    msort(a + h, tmp, n - h, cmp, ctx);
    if (cmp(ctx, a[h - 1], a[h]) <= 0)
        return; /* already in order (common for presorted input) */
    memcpy(tmp, a, h * sizeof *a);
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n)
        a[k++] = cmp(ctx, tmp[i], a[j]) <= 0 ? tmp[i++] : a[j++];
    while (i < h)
        a[k++] = tmp[i++];
}

void idx_sort(size_t *idx, size_t n, idx_cmp_fn cmp, const void *ctx)
{
    if (n < 2)
        return;
    size_t *tmp = xmallocarray(n / 2 + 1, sizeof *tmp);
    msort(idx, tmp, n, cmp, ctx);
    free(tmp);
}

/* value_order, with a shortcut for the common case of two numbers of one
   scale (a column's values usually share it), where the coefficients
   order the values. */
static inline int key_order(const value_t *a, const value_t *b)
{
    if (a->type == VAL_NUMBER && b->type == VAL_NUMBER && a->u.num.d.exp == b->u.num.d.exp)
        return (a->u.num.d.coef > b->u.num.d.coef) - (a->u.num.d.coef < b->u.num.d.coef);
    return value_order(a, b);
}

int rows_order(const value_t *a, const value_t *b, const int *cols, const bool *desc, int n)
{
    for (int k = 0; k < n; k++) {
        int c = key_order(&a[cols[k]], &b[cols[k]]);
        if (c)
            return desc[k] ? -c : c;
    }
    return 0;
}

/* ---- keys --------------------------------------------------------------- */

void keyeval_init(keyeval *k, bexpr **exprs, int n)
{
    k->exprs = exprs;
    k->n = n;
    k->vals = xcalloc(n > 0 ? (size_t)n : 1, sizeof *k->vals);
    k->owned = xcalloc(n > 0 ? (size_t)n : 1, sizeof *k->owned);
}

bool keyeval_run(keyeval *k, exec_ctx *ctx, const value_t *row)
{
    for (int i = 0; i < k->n; i++) {
        const bexpr *e = k->exprs[i];
        if (e->kind == BX_COL) {
            k->vals[i] = row[e->slot];
            k->owned[i] = false;
        } else {
            k->owned[i] = true;
            if (!eval_expr(ctx, e, row, &k->vals[i])) {
                k->vals[i] = value_null();
                keyeval_done(k);
                return false;
            }
        }
    }
    return true;
}

void keyeval_done(keyeval *k)
{
    for (int i = 0; i < k->n; i++) {
        if (k->owned[i])
            value_free(&k->vals[i]);
        k->vals[i] = value_null();
        k->owned[i] = false;
    }
}

void keyeval_free(keyeval *k)
{
    if (k->vals)
        keyeval_done(k);
    for (int i = 0; i < k->n; i++)
        bexpr_free(k->exprs[i]);
    free(k->exprs);
    free(k->vals);
    free(k->owned);
    memset(k, 0, sizeof *k);
}

bool keys_have_null(const value_t *vals, int n)
{
    for (int i = 0; i < n; i++)
        if (vals[i].type == VAL_NULL)
            return true;
    return false;
}

uint64_t keys_hash(const value_t *vals, int n)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL;
    for (int i = 0; i < n; i++) {
        h ^= value_hash(&vals[i]);
        h *= 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
    }
    return h;
}

bool keys_equal(const value_t *a, const value_t *b, int n)
{
    for (int i = 0; i < n; i++)
        if (!value_equal(&a[i], &b[i]))
            return false;
    return true;
}

const value_t *eval_borrow(exec_ctx *ctx, const bexpr *e, const value_t *row, value_t *tmp)
{
    if (e->kind == BX_COL)
        return &row[e->slot];
    if (!eval_expr(ctx, e, row, tmp)) {
        *tmp = value_null();
        return NULL;
    }
    return tmp;
}

/* ---- a hash set of key tuples ---------------------------------------------- */

void keyset_init(keyset *s, int width)
{
    memset(s, 0, sizeof *s);
    rowvec_init(&s->keys, width);
}

/* Spreads the hash over the low bits the mask keeps. */
static size_t slot_of(uint64_t h, size_t mask)
{
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 32;
    return (size_t)h & mask;
}

int64_t keyset_find(const keyset *s, const value_t *key, uint64_t h)
{
    if (!s->mask)
        return -1;
    int w = s->keys.width;
    for (size_t i = slot_of(h, s->mask);; i = (i + 1) & s->mask) {
        uint32_t e = s->slots[i];
        if (!e)
            return -1;
        e--;
        if (s->hashes[e] == h && keys_equal(keyset_key(s, e), key, w))
            return (int64_t)e;
    }
}

static void keyset_grow(keyset *s)
{
    size_t nslots = s->mask ? (s->mask + 1) * 2 : 64;
    uint32_t *slots = xcalloc(nslots, sizeof *slots);
    size_t mask = nslots - 1;
    for (size_t e = 0; e < s->keys.n; e++) {
        size_t i = slot_of(s->hashes[e], mask);
        while (slots[i])
            i = (i + 1) & mask;
        slots[i] = (uint32_t)(e + 1);
    }
    free(s->slots);
    s->slots = slots;
    s->mask = mask;
}

size_t keyset_find_or_add(keyset *s, const value_t *key, uint64_t h, bool *added)
{
    /* Keep the load at most one half; entries are numbered in 32 bits. */
    if (!s->mask || (s->keys.n + 1) * 2 > s->mask + 1)
        keyset_grow(s);
    int w = s->keys.width;
    size_t i = slot_of(h, s->mask);
    for (;; i = (i + 1) & s->mask) {
        uint32_t e = s->slots[i];
        if (!e)
            break;
        e--;
        if (s->hashes[e] == h && keys_equal(keyset_key(s, e), key, w)) {
            *added = false;
            return e;
        }
    }
    size_t e = s->keys.n;
    if (e >= UINT32_MAX - 1)
        die_oom(e); /* never reached: the memory limit stops far earlier */
    row_copy(rowvec_push(&s->keys), key, w);
    if (e == s->hcap) {
        s->hcap = s->hcap ? s->hcap * 2 : 64;
        s->hashes = xreallocarray(s->hashes, s->hcap, sizeof *s->hashes);
    }
    s->hashes[e] = h;
    s->slots[i] = (uint32_t)(e + 1);
    *added = true;
    return e;
}

void keyset_clear(keyset *s)
{
    rowvec_clear(&s->keys);
    if (s->slots)
        memset(s->slots, 0, (s->mask + 1) * sizeof *s->slots);
}

void keyset_free(keyset *s)
{
    rowvec_free(&s->keys);
    free(s->hashes);
    free(s->slots);
    s->hashes = NULL;
    s->slots = NULL;
    s->hcap = 0;
    s->mask = 0;
}

/* ---- explain -------------------------------------------------------------- */

void explain_line(buf_t *out, int indent, const char *fmt, ...)
{
    buf_printf(out, "%*s", indent * 2, "");
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(out, fmt, ap);
    va_end(ap);
    buf_putc(out, '\n');
}

void explain_subqueries(const bexpr *e, buf_t *out, int indent)
{
    if (!e)
        return;
    for (size_t i = 0; i < e->nargs; i++)
        explain_subqueries(e->args[i], out, indent);
    if (e->sub && e->sub->root) {
        explain_line(out, indent, "Subquery (%s)",
                     e->sub->correlated ? "run for each row" : "run once, result kept");
        op_explain(e->sub->root, out, indent + 1);
    }
}

const char *join_kind_name(join_kind kind)
{
    switch (kind) {
    case JOIN_INNER:
        return "INNER";
    case JOIN_LEFT:
        return "LEFT";
    case JOIN_RIGHT:
        return "RIGHT";
    case JOIN_FULL:
        return "FULL";
    }
    return "?";
}
