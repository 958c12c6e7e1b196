/* DynamoDB expression text with placeholders; see ddb_expr.h. */
#include "sql/ddb_expr.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"
#include "core/base/json_util.h"
#include "sql/eval.h"
#include "sql/functions.h"
#include "sql/like.h"

/* Scratch text of one conjunct: far above the 4 KB DynamoDB accepts, so
 * the length check, not the buffer, decides. */
#define SCRATCH_MAX (1u << 20)

void ddb_expr_init(ddb_expr *x)
{
    memset(x, 0, sizeof *x);
    x->null_type = -1;
}

void ddb_expr_free(ddb_expr *x)
{
    json_object_put(x->names);
    json_object_put(x->values);
    ddb_expr_init(x);
}

void ddb_expr_name(ddb_expr *x, buf_t *out, const char *name)
{
    if (!x->names)
        x->names = json_object_new_object();
    json_object_object_foreach(x->names, old, v)
    {
        if (strcmp(json_object_get_string(v), name) == 0) {
            buf_puts(out, old);
            return;
        }
    }
    char ph[24];
    snprintf(ph, sizeof ph, "#n%d", x->nnames++);
    json_object_object_add(x->names, ph, json_object_new_string(name));
    buf_puts(out, ph);
}

void ddb_expr_path(ddb_expr *x, buf_t *out, const ddb_path *p)
{
    for (size_t i = 0; i < p->n; i++) {
        if (p->steps[i].name) {
            if (i)
                buf_putc(out, '.');
            ddb_expr_name(x, out, p->steps[i].name);
        } else {
            buf_printf(out, "[%zu]", p->steps[i].index);
        }
    }
}

void ddb_expr_value(ddb_expr *x, buf_t *out, json_object *av)
{
    if (!x->values)
        x->values = json_object_new_object();
    char ph[24];
    snprintf(ph, sizeof ph, ":v%d", x->nvalues++);
    json_object_object_add(x->values, ph, av);
    buf_puts(out, ph);
}

void ddb_expr_attach(ddb_expr *x, json_object *req)
{
    if (x->nnames) {
        jset(req, "ExpressionAttributeNames", x->names);
        x->names = NULL;
    }
    if (x->nvalues) {
        jset(req, "ExpressionAttributeValues", x->values);
        x->values = NULL;
    }
    ddb_expr_free(x);
}

/* ---- undoing placeholders ------------------------------------------------ */

/* What x held at some point, so a part that turns out unsendable can take
 * its placeholders back (DynamoDB rejects unused ones). */
typedef struct ddb_mark {
    int nnames, nvalues, null_type;
} ddb_mark;

static ddb_mark mark_of(const ddb_expr *x)
{
    return (ddb_mark){x->nnames, x->nvalues, x->null_type};
}

static void rollback(ddb_expr *x, const ddb_mark *m)
{
    char ph[24];
    for (int i = m->nnames; i < x->nnames; i++) {
        snprintf(ph, sizeof ph, "#n%d", i);
        json_object_object_del(x->names, ph);
    }
    for (int i = m->nvalues; i < x->nvalues; i++) {
        snprintf(ph, sizeof ph, ":v%d", i);
        json_object_object_del(x->values, ph);
    }
    x->nnames = m->nnames;
    x->nvalues = m->nvalues;
    x->null_type = m->null_type;
}

/* ---- key conditions and projections -------------------------------------- */

/* The comparisons DynamoDB shares with SQL, written alike (sql_op_text). */
static bool is_cmp(sql_op op)
{
    return op == SQL_OP_EQ || op == SQL_OP_NE || op == SQL_OP_LT || op == SQL_OP_LE ||
           op == SQL_OP_GT || op == SQL_OP_GE;
}

static sql_op skc_op(skc_kind k)
{
    switch (k) {
    case SKC_LT:
        return SQL_OP_LT;
    case SKC_LE:
        return SQL_OP_LE;
    case SKC_GT:
        return SQL_OP_GT;
    case SKC_GE:
        return SQL_OP_GE;
    default:
        return SQL_OP_EQ;
    }
}

void ddb_expr_key_condition(ddb_expr *x, buf_t *out, const char *pk, json_object *pk_av,
                            const char *sk, skc_kind skc, json_object *lo, json_object *hi)
{
    ddb_expr_name(x, out, pk);
    buf_puts(out, " = ");
    ddb_expr_value(x, out, pk_av);
    if (skc == SKC_NONE || !sk) {
        json_object_put(lo);
        json_object_put(hi);
        return;
    }
    buf_puts(out, " AND ");
    if (skc == SKC_BEGINS_WITH) {
        buf_puts(out, "begins_with(");
        ddb_expr_name(x, out, sk);
        buf_puts(out, ", ");
        ddb_expr_value(x, out, lo);
        buf_putc(out, ')');
    } else if (skc == SKC_BETWEEN) {
        ddb_expr_name(x, out, sk);
        buf_puts(out, " BETWEEN ");
        ddb_expr_value(x, out, lo);
        buf_puts(out, " AND ");
        ddb_expr_value(x, out, hi);
        hi = NULL;
    } else {
        ddb_expr_name(x, out, sk);
        buf_printf(out, " %s ", sql_op_text(skc_op(skc)));
        ddb_expr_value(x, out, lo);
    }
    json_object_put(hi);
}

bool ddb_expr_projection(ddb_expr *x, buf_t *out, const ddb_path *paths, int npaths,
                         const char *const *keys, int nkeys)
{
    for (int i = 0; i < npaths; i++)
        if (paths[i].n == 0 || !paths[i].steps[0].name)
            return false;
    ddb_mark m = mark_of(x);
    size_t start = out->len;
    const char **seen = xcalloc((size_t)(npaths + nkeys) + 1, sizeof *seen);
    int nseen = 0;
    for (int i = 0; i < npaths + nkeys; i++) {
        const char *name = i < npaths ? paths[i].steps[0].name : keys[i - npaths];
        if (!name)
            continue;
        int j = 0;
        while (j < nseen && strcmp(seen[j], name) != 0)
            j++;
        if (j < nseen)
            continue;
        if (nseen)
            buf_puts(out, ", ");
        ddb_expr_name(x, out, name);
        seen[nseen++] = name;
    }
    free(seen);
    if (out->len - start > DDB_EXPR_MAX_TEXT) {
        rollback(x, &m);
        out->len = start;
        if (out->data)
            out->data[start] = '\0';
        return false;
    }
    return true;
}

/* ---- filters: what DynamoDB can evaluate ---------------------------------- */

/* What a constant is compared with, which decides the types that fit. */
typedef enum val_class {
    CLS_EQ,       /* =, <>, IN: STRING, NUMBER, BINARY, BOOLEAN */
    CLS_ORD,      /* <, <=, >, >=, BETWEEN: STRING, NUMBER, BINARY */
    CLS_CONTAINS, /* contains(): STRING, NUMBER, BINARY */
    CLS_SIZE,     /* size() compared: NUMBER */
} val_class;

/* The AttributeValue to send for v, or NULL when v cannot stand for itself
 * in a DynamoDB comparison of this class: NULL, documents, empty strings and
 * binaries (not valid everywhere DynamoDB takes a value), BOOLEAN outside
 * equality, DOUBLEs that are not finite numbers in DynamoDB's range. */
static json_object *fit_av(const value_t *v, val_class cls)
{
    switch (v->type) {
    case VAL_STRING:
    case VAL_BINARY:
        if (v->u.bytes->len == 0 || cls == CLS_SIZE)
            return NULL;
        break;
    case VAL_NUMBER:
        break;
    case VAL_DOUBLE:
        if (!isfinite(v->u.f))
            return NULL;
        break;
    case VAL_BOOL:
        if (cls != CLS_EQ)
            return NULL;
        break;
    default:
        return NULL;
    }
    char err[128];
    return ddb_from_value(v, err, sizeof err);
}

/* No row slot, no subquery: a value known at open (an outer row's column
 * counts: the operator is opened per outer row). */
static bool const_like(const bexpr *e)
{
    if (e->kind == BX_COL || e->kind == BX_SUBQ || e->kind == BX_EXISTS || e->kind == BX_IN_SUBQ)
        return false;
    for (size_t i = 0; i < e->nargs; i++)
        if (!const_like(e->args[i]))
            return false;
    return true;
}

/* Plan time: a constant side that may fit (a literal is checked now,
 * anything else at open). */
static bool const_ok(const bexpr *e, val_class cls, bool null_ok)
{
    if (!const_like(e))
        return false;
    if (e->kind != BX_CONST)
        return true;
    if (e->value.type == VAL_NULL)
        return null_ok;
    json_object *av = fit_av(&e->value, cls);
    json_object_put(av);
    return av != NULL;
}

/* The attribute side of a condition: a path, or SIZE of one. */
typedef struct attr_ref {
    ddb_path path;
    ddb_path_step steps[DDB_PATH_MAX_STEPS];
    bool size;
} attr_ref;

/* A slot's path, or steps into one (BX_PATH over a slot; on the whole-item
 * slot the first step names the attribute). Steps are borrowed. */
static bool attr_path(const bexpr *e, const ddb_path *sp, int nslots, attr_ref *a)
{
    const bexpr *col = e;
    const bx_step *extra = NULL;
    size_t nextra = 0;
    a->size = false;
    if (e->kind == BX_PATH && e->nargs == 1) {
        col = e->args[0];
        extra = e->steps;
        nextra = e->nsteps;
    }
    if (col->kind != BX_COL || col->slot < 0 || col->slot >= nslots)
        return false;
    const ddb_path *base = &sp[col->slot];
    size_t n = base->n + nextra;
    if (n == 0 || n > DDB_PATH_MAX_STEPS)
        return false;
    size_t k = 0;
    for (size_t i = 0; i < base->n; i++)
        a->steps[k++] = base->steps[i];
    for (size_t i = 0; i < nextra; i++) {
        a->steps[k].name = extra[i].name;
        a->steps[k++].index = extra[i].index;
    }
    if (!a->steps[0].name)
        return false;
    a->path.steps = a->steps;
    a->path.n = n;
    return true;
}

static bool attr_or_size(const bexpr *e, const ddb_path *sp, int nslots, attr_ref *a)
{
    if (e->kind == BX_FUNC && e->fn == FN_SIZE && e->nargs == 1) {
        if (!attr_path(e->args[0], sp, nslots, a))
            return false;
        a->size = true;
        return true;
    }
    return attr_path(e, sp, nslots, a);
}

static sql_op flip(sql_op op)
{
    switch (op) {
    case SQL_OP_LT:
        return SQL_OP_GT;
    case SQL_OP_LE:
        return SQL_OP_GE;
    case SQL_OP_GT:
        return SQL_OP_LT;
    case SQL_OP_GE:
        return SQL_OP_LE;
    default:
        return op;
    }
}

/* A comparison split into attribute side, operator (as if the attribute
 * were on the left) and constant side; false when it is not of that form,
 * or compares SIZE other than from below. */
static bool split_compare(const bexpr *e, const ddb_path *sp, int nslots, attr_ref *a, sql_op *op,
                          const bexpr **c, val_class *cls)
{
    if (!is_cmp(e->op))
        return false;
    if (attr_or_size(e->args[0], sp, nslots, a)) {
        *op = e->op;
        *c = e->args[1];
    } else if (attr_or_size(e->args[1], sp, nslots, a)) {
        *op = flip(e->op);
        *c = e->args[0];
    } else {
        return false;
    }
    if (a->size) {
        *cls = CLS_SIZE;
        return *op == SQL_OP_GT || *op == SQL_OP_GE;
    }
    *cls = (*op == SQL_OP_EQ || *op == SQL_OP_NE) ? CLS_EQ : CLS_ORD;
    return true;
}

/* The constant prefix of a pushable LIKE (malloc'd), or NULL. */
static char *like_prefix(const bexpr *e, size_t *len)
{
    if (e->negated || e->nargs < 2 || e->nargs > 3)
        return NULL;
    const bexpr *p = e->args[1], *esc = e->nargs == 3 ? e->args[2] : NULL;
    if (p->kind != BX_CONST || p->value.type != VAL_STRING)
        return NULL;
    if (esc && (esc->kind != BX_CONST || esc->value.type != VAL_STRING))
        return NULL;
    char *prefix = NULL;
    if (!like_literal_prefix(p->value.u.bytes->data, p->value.u.bytes->len,
                             esc ? esc->value.u.bytes->data : NULL,
                             esc ? esc->value.u.bytes->len : 0, &prefix, len))
        return NULL;
    return prefix;
}

bool ddb_expr_pushable(const bexpr *e, const ddb_path *sp, int nslots)
{
    attr_ref a;
    switch (e->kind) {
    case BX_BINARY: {
        if (e->op == SQL_OP_AND || e->op == SQL_OP_OR)
            return ddb_expr_pushable(e->args[0], sp, nslots) &&
                   ddb_expr_pushable(e->args[1], sp, nslots);
        sql_op op;
        const bexpr *c;
        val_class cls;
        return split_compare(e, sp, nslots, &a, &op, &c, &cls) && const_ok(c, cls, false);
    }
    case BX_BETWEEN:
        if (e->negated || e->nargs != 3 || !attr_or_size(e->args[0], sp, nslots, &a))
            return false;
        if (a.size)
            return const_ok(e->args[1], CLS_SIZE, false);
        return const_ok(e->args[1], CLS_ORD, true) && const_ok(e->args[2], CLS_ORD, true);
    case BX_IN_LIST:
        if (e->nargs < 2 || e->nargs - 1 > DDB_EXPR_MAX_IN ||
            !attr_path(e->args[0], sp, nslots, &a))
            return false;
        for (size_t i = 1; i < e->nargs; i++)
            if (!const_ok(e->args[i], CLS_EQ, true))
                return false;
        return true;
    case BX_LIKE: {
        if (!attr_path(e->args[0], sp, nslots, &a))
            return false;
        size_t len;
        char *prefix = like_prefix(e, &len);
        free(prefix);
        return prefix != NULL;
    }
    case BX_IS_NULL:
        return e->nargs == 1 && attr_path(e->args[0], sp, nslots, &a);
    case BX_FUNC:
        return e->fn == FN_CONTAINS && e->nargs == 2 && attr_path(e->args[0], sp, nslots, &a) &&
               const_ok(e->args[1], CLS_CONTAINS, false);
    default:
        return false;
    }
}

/* ---- filters: writing them ------------------------------------------------- */

typedef struct tr_ctx {
    ddb_expr *x;
    const ddb_path *sp;
    int nslots;
    exec_ctx *ctx;
    int ops; /* operators and functions written */
} tr_ctx;

/* The AttributeValue of a constant side at open, or NULL when it does not
 * fit (*was_null says whether it was SQL NULL). An evaluation error is
 * taken back out of ctx: the conjunct is simply not sent. */
static json_object *const_av(tr_ctx *t, const bexpr *e, val_class cls, bool *was_null)
{
    if (e->kind == BX_CONST) {
        *was_null = e->value.type == VAL_NULL;
        return fit_av(&e->value, cls);
    }
    exec_err_kind kind = t->ctx->err_kind;
    sql_error saved = t->ctx->err;
    value_t v;
    if (!eval_expr(t->ctx, e, NULL, &v)) {
        t->ctx->err_kind = kind;
        t->ctx->err = saved;
        *was_null = false;
        return NULL;
    }
    *was_null = v.type == VAL_NULL;
    json_object *av = fit_av(&v, cls);
    value_free(&v);
    return av;
}

static void write_attr(tr_ctx *t, buf_t *out, const attr_ref *a)
{
    if (a->size)
        buf_puts(out, "size(");
    ddb_expr_path(t->x, out, &a->path);
    if (a->size) {
        buf_putc(out, ')');
        t->ops++;
    }
}

static int tr(tr_ctx *t, const bexpr *e, buf_t *out);

/* Each tr_* returns 1 when it wrote the condition, 0 when it left it out;
 * leaving out takes back every placeholder it made. */

static int tr_logic(tr_ctx *t, const bexpr *e, buf_t *out)
{
    bool is_and = e->op == SQL_OP_AND;
    ddb_mark m = mark_of(t->x);
    int ops = t->ops;
    buf_t a = BUF_INIT(SCRATCH_MAX), b = BUF_INIT(SCRATCH_MAX);
    int ra = tr(t, e->args[0], &a);
    int rb = tr(t, e->args[1], &b);
    int r = 1;
    if (ra && rb) {
        buf_printf(out, "(%s %s %s)", buf_cstr(&a), is_and ? "AND" : "OR", buf_cstr(&b));
        t->ops++;
    } else if (is_and && (ra || rb)) {
        buf_puts(out, buf_cstr(ra ? &a : &b)); /* a weaker condition: more items */
    } else {
        rollback(t->x, &m);
        t->ops = ops;
        r = 0;
    }
    buf_free(&a);
    buf_free(&b);
    return r;
}

static int tr_compare(tr_ctx *t, const bexpr *e, buf_t *out)
{
    attr_ref a;
    sql_op op;
    const bexpr *c;
    val_class cls;
    bool was_null;
    if (!split_compare(e, t->sp, t->nslots, &a, &op, &c, &cls))
        return 0;
    json_object *av = const_av(t, c, cls, &was_null);
    if (!av)
        return 0;
    write_attr(t, out, &a);
    buf_printf(out, " %s ", sql_op_text(op));
    ddb_expr_value(t->x, out, av);
    t->ops++;
    return 1;
}

static int tr_between(tr_ctx *t, const bexpr *e, buf_t *out)
{
    attr_ref a;
    bool was_null;
    if (e->negated || e->nargs != 3 || !attr_or_size(e->args[0], t->sp, t->nslots, &a))
        return 0;
    json_object *lo = const_av(t, e->args[1], a.size ? CLS_SIZE : CLS_ORD, &was_null);
    json_object *hi = a.size ? NULL : const_av(t, e->args[2], CLS_ORD, &was_null);
    if (lo && hi)
        buf_putc(out, '(');
    if (lo) {
        write_attr(t, out, &a);
        buf_puts(out, " >= ");
        ddb_expr_value(t->x, out, lo);
        t->ops++;
    }
    if (lo && hi) {
        buf_puts(out, " AND ");
        t->ops++;
    }
    if (hi) {
        write_attr(t, out, &a);
        buf_puts(out, " <= ");
        ddb_expr_value(t->x, out, hi);
        t->ops++;
    }
    if (lo && hi)
        buf_putc(out, ')');
    return lo || hi;
}

static int tr_in(tr_ctx *t, const bexpr *e, buf_t *out)
{
    attr_ref a;
    size_t n = e->nargs - 1;
    if (e->nargs < 2 || n > DDB_EXPR_MAX_IN || !attr_path(e->args[0], t->sp, t->nslots, &a))
        return 0;
    json_object *avs[DDB_EXPR_MAX_IN];
    size_t k = 0;
    for (size_t i = 1; i < e->nargs; i++) {
        bool was_null;
        json_object *av = const_av(t, e->args[i], CLS_EQ, &was_null);
        if (av) {
            avs[k++] = av;
        } else if (!was_null) {
            while (k)
                json_object_put(avs[--k]);
            return 0; /* a value DynamoDB cannot compare as SQL does */
        }
    }
    if (k == 0)
        return 0;
    if (e->negated)
        buf_puts(out, "(NOT ");
    ddb_expr_path(t->x, out, &a.path);
    buf_puts(out, " IN (");
    for (size_t i = 0; i < k; i++) {
        if (i)
            buf_puts(out, ", ");
        ddb_expr_value(t->x, out, avs[i]);
    }
    buf_putc(out, ')');
    if (e->negated)
        buf_putc(out, ')');
    t->ops += 1 + (e->negated ? 1 : 0);
    return 1;
}

static int tr_like(tr_ctx *t, const bexpr *e, buf_t *out)
{
    attr_ref a;
    size_t len;
    if (!attr_path(e->args[0], t->sp, t->nslots, &a))
        return 0;
    char *prefix = like_prefix(e, &len);
    if (!prefix)
        return 0;
    json_object *av = json_object_new_object();
    jset(av, "S", json_object_new_string_len(prefix, (int)len));
    free(prefix);
    buf_puts(out, "begins_with(");
    ddb_expr_path(t->x, out, &a.path);
    buf_puts(out, ", ");
    ddb_expr_value(t->x, out, av);
    buf_putc(out, ')');
    t->ops++;
    return 1;
}

/* attribute_type's operand for DynamoDB's NULL type, one per request. */
static void write_null_type(ddb_expr *x, buf_t *out)
{
    if (x->null_type < 0) {
        x->null_type = x->nvalues;
        json_object *av = json_object_new_object();
        jset_str(av, "S", "NULL");
        ddb_expr_value(x, out, av);
        return;
    }
    buf_printf(out, ":v%d", x->null_type);
}

static int tr_is_null(tr_ctx *t, const bexpr *e, buf_t *out)
{
    attr_ref a;
    if (e->nargs != 1 || !attr_path(e->args[0], t->sp, t->nslots, &a))
        return 0;
    buf_puts(out, e->negated ? "(attribute_exists(" : "(attribute_not_exists(");
    ddb_expr_path(t->x, out, &a.path);
    buf_puts(out, e->negated ? ") AND NOT attribute_type(" : ") OR attribute_type(");
    ddb_expr_path(t->x, out, &a.path);
    buf_puts(out, ", ");
    write_null_type(t->x, out);
    buf_puts(out, "))");
    t->ops += e->negated ? 4 : 3;
    return 1;
}

static int tr_contains(tr_ctx *t, const bexpr *e, buf_t *out)
{
    attr_ref a;
    bool was_null;
    if (e->fn != FN_CONTAINS || e->nargs != 2 || !attr_path(e->args[0], t->sp, t->nslots, &a))
        return 0;
    json_object *av = const_av(t, e->args[1], CLS_CONTAINS, &was_null);
    if (!av)
        return 0;
    buf_puts(out, "contains(");
    ddb_expr_path(t->x, out, &a.path);
    buf_puts(out, ", ");
    ddb_expr_value(t->x, out, av);
    buf_putc(out, ')');
    t->ops++;
    return 1;
}

static int tr(tr_ctx *t, const bexpr *e, buf_t *out)
{
    switch (e->kind) {
    case BX_BINARY:
        if (e->op == SQL_OP_AND || e->op == SQL_OP_OR)
            return tr_logic(t, e, out);
        return tr_compare(t, e, out);
    case BX_BETWEEN:
        return tr_between(t, e, out);
    case BX_IN_LIST:
        return tr_in(t, e, out);
    case BX_LIKE:
        return tr_like(t, e, out);
    case BX_IS_NULL:
        return tr_is_null(t, e, out);
    case BX_FUNC:
        return tr_contains(t, e, out);
    default:
        return 0;
    }
}

int ddb_expr_filter(ddb_expr *x, buf_t *out, bexpr *const *conj, int n, const ddb_path *slot_paths,
                    int nslots, exec_ctx *ctx)
{
    tr_ctx t = {.x = x, .sp = slot_paths, .nslots = nslots, .ctx = ctx};
    buf_t one = BUF_INIT(SCRATCH_MAX);
    size_t len = 0; /* of the text written so far */
    int written = 0;
    for (int i = 0; i < n; i++) {
        if (!ddb_expr_pushable(conj[i], slot_paths, nslots))
            continue;
        ddb_mark m = mark_of(x);
        int ops = t.ops;
        buf_reset(&one);
        if (!tr(&t, conj[i], &one))
            continue;
        size_t add = one.len + (written ? 5 : 0);
        if (len + add > DDB_EXPR_MAX_TEXT || t.ops + (written ? 1 : 0) > DDB_EXPR_MAX_OPS) {
            rollback(x, &m); /* past DynamoDB's limits: the executor applies it */
            t.ops = ops;
            continue;
        }
        if (written) {
            buf_puts(out, " AND ");
            t.ops++;
        }
        buf_append(out, one.data, one.len);
        len += add;
        written++;
    }
    buf_free(&one);
    return written;
}
