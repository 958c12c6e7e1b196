#include "sql/parser.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/base/alloc.h"
#include "sql/lexer.h"
#include "sql/limits.h"

#define MAX_EXPECTED 24

typedef struct parser {
    const sql_token *tok;
    size_t ntok;
    size_t pos;
    sql_arena *arena;
    sql_error *err;
    bool failed;
    int depth;
    size_t nodes;
    int qheight; /* tallest expression seen in the current query */
    /* What the parser tried at token exp_at, for "expected ..." messages. */
    size_t exp_at;
    const char *exp[MAX_EXPECTED];
    int nexp;
    size_t alias_at; /* index of the last unquoted alias written without AS */
    size_t *match;   /* token index of the ')' matching each '(' (SIZE_MAX: none) */
} parser;

/* ---- tokens and errors ---------------------------------------------------- */

static const sql_token *cur(const parser *p)
{
    return &p->tok[p->pos];
}

static const sql_token *peek_at(const parser *p, size_t k)
{
    size_t i = p->pos + k;
    return &p->tok[i < p->ntok ? i : p->ntok - 1];
}

static void advance(parser *p)
{
    if (p->tok[p->pos].kind != TK_EOF)
        p->pos++;
}

static void note(parser *p, const char *what)
{
    if (p->exp_at != p->pos) {
        p->exp_at = p->pos;
        p->nexp = 0;
    }
    for (int i = 0; i < p->nexp; i++)
        if (strcmp(p->exp[i], what) == 0)
            return;
    if (p->nexp < MAX_EXPECTED)
        p->exp[p->nexp++] = what;
}

/* Describes a token for a message: 'FORM', the string 'x', the end of the statement. */
static void describe(const sql_token *t, char *out, size_t outsz)
{
    switch (t->kind) {
    case TK_EOF:
        snprintf(out, outsz, "end of the statement");
        break;
    case TK_STRING:
        snprintf(out, outsz, "string '%.40s%s'", t->text, t->len > 40 ? "..." : "");
        break;
    case TK_QIDENT:
        snprintf(out, outsz, "\"%.40s%s\"", t->text, t->len > 40 ? "..." : "");
        break;
    case TK_NUMBER:
    case TK_IDENT:
        snprintf(out, outsz, "'%.40s%s'", t->text, t->len > 40 ? "..." : "");
        break;
    default:
        snprintf(out, outsz, "%s", t->text);
        break;
    }
}

static void *fail_tok(parser *p, const sql_token *t, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void *fail_tok(parser *p, const sql_token *t, const char *fmt, ...)
{
    if (p->failed)
        return NULL;
    p->failed = true;
    char msg[sizeof p->err->message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sql_error_set(p->err, t->line, t->column, t->offset, "%s", msg);
    return NULL;
}

#define fail(p, ...) fail_tok((p), cur(p), __VA_ARGS__)

/* "unexpected X; expected A, B or C" from what was tried at this token. */
static void *unexpected(parser *p)
{
    char what[128];
    char list[384];
    describe(cur(p), what, sizeof what);
    size_t w = 0;
    list[0] = '\0';
    if (p->exp_at == p->pos) {
        for (int i = 0; i < p->nexp; i++) {
            const char *sep = i == 0 ? "" : (i == p->nexp - 1 ? " or " : ", ");
            int n = snprintf(list + w, sizeof list - w, "%s%s", sep, p->exp[i]);
            if (n < 0 || (size_t)n >= sizeof list - w)
                break;
            w += (size_t)n;
        }
    }
    /* "FROM t WERE a = 1": the typo became an alias; say so. */
    char hint[160] = "";
    if (p->alias_at != (size_t)-1 && p->alias_at + 1 == p->pos)
        snprintf(hint, sizeof hint, " ('%.40s' was read as an alias: is it a misspelled keyword?)",
                 p->tok[p->alias_at].text);
    if (w)
        return fail(p, "unexpected %s; expected %s%s", what, list, hint);
    return fail(p, "unexpected %s%s", what, hint);
}

static bool is_kw(const parser *p, sql_kw kw)
{
    return cur(p)->kind == TK_IDENT && cur(p)->kw == kw;
}

static bool accept_kw(parser *p, sql_kw kw, const char *label)
{
    if (is_kw(p, kw)) {
        advance(p);
        return true;
    }
    note(p, label ? label : sql_kw_name(kw));
    return false;
}

static bool accept(parser *p, sql_tok_kind k)
{
    if (cur(p)->kind == k) {
        advance(p);
        return true;
    }
    note(p, sql_tok_kind_name(k));
    return false;
}

static bool expect(parser *p, sql_tok_kind k)
{
    if (accept(p, k))
        return true;
    unexpected(p);
    return false;
}

static bool expect_kw(parser *p, sql_kw kw, const char *label)
{
    if (accept_kw(p, kw, label))
        return true;
    unexpected(p);
    return false;
}

static bool enter(parser *p)
{
    if (p->failed)
        return false;
    if (++p->depth > SQL_MAX_DEPTH) {
        fail(p, "the statement is nested too deeply (the limit is %d levels)", SQL_MAX_DEPTH);
        return false;
    }
    return true;
}

static void leave(parser *p)
{
    p->depth--;
}

static sql_pos pos_of(const sql_token *t)
{
    sql_pos s = {t->line, t->column, t->offset};
    return s;
}

static void *alloc(parser *p, size_t n)
{
    if (p->failed)
        return NULL;
    if (++p->nodes > SQL_MAX_NODES)
        return fail(p, "the statement is too large (more than %d syntax nodes)", SQL_MAX_NODES);
    void *m = sql_arena_alloc(p->arena, n);
    if (!m)
        return fail(p, "the statement is too large to parse (memory limit)");
    return m;
}

/* Appends one element to an arena array, doubling its capacity as needed. */
static bool grow(parser *p, void **v, size_t n, size_t *cap, size_t elsize)
{
    if (n < *cap)
        return true;
    size_t ncap = *cap ? *cap * 2 : 4;
    void *nv = sql_arena_alloc(p->arena, ncap * elsize);
    if (!nv) {
        fail(p, "the statement is too large to parse (memory limit)");
        return false;
    }
    if (n)
        memcpy(nv, *v, n * elsize);
    *v = nv;
    *cap = ncap;
    return true;
}

static bool list_push(parser *p, sql_expr_list *l, size_t *cap, sql_expr *e)
{
    if (!grow(p, (void **)&l->v, l->n, cap, sizeof *l->v))
        return false;
    l->v[l->n++] = e;
    return true;
}

static char *upper_dup(parser *p, const char *s)
{
    size_t n = strlen(s);
    char *u = sql_arena_alloc(p->arena, n + 1);
    if (!u)
        return fail(p, "the statement is too large to parse (memory limit)");
    for (size_t i = 0; i < n; i++)
        u[i] = (char)toupper((unsigned char)s[i]);
    u[n] = '\0';
    return u;
}

/* ---- expression nodes ----------------------------------------------------- */

static sql_expr *new_expr(parser *p, sql_expr_kind kind, const sql_token *at)
{
    sql_expr *e = alloc(p, sizeof *e);
    if (e) {
        e->kind = kind;
        e->pos = pos_of(at);
        e->height = 1;
    }
    return e;
}

/* Records a child's height; fails when the tree grows too tall to walk. */
static bool child(parser *p, sql_expr *e, const sql_expr *c)
{
    if (!c)
        return true;
    if (c->height + 1 > e->height)
        e->height = c->height + 1;
    if (e->height > p->qheight)
        p->qheight = e->height;
    if (e->height > SQL_MAX_HEIGHT) {
        fail_tok(p, cur(p),
                 "the expression is too long or nested too deeply (the limit is a tree of "
                 "height %d); for long OR chains of equalities use IN (...)",
                 SQL_MAX_HEIGHT);
        return false;
    }
    return true;
}

static bool children(parser *p, sql_expr *e, const sql_expr_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        if (!child(p, e, l->v[i]))
            return false;
    return true;
}

static sql_query *parse_query(parser *p);
static sql_query *parse_query_from(parser *p, sql_body *first);
static sql_expr *parse_expr(parser *p);
static sql_expr *parse_binary(parser *p, int min_prec);
static sql_table_ref *parse_from_list(parser *p);
static bool parse_order_list(parser *p, sql_order_list *out);

/* A subquery counts as tall as its tallest expression. */
static sql_query *parse_subquery_into(parser *p, sql_expr *e)
{
    int saved = p->qheight;
    p->qheight = 0;
    sql_query *q = parse_query(p);
    int qh = p->qheight;
    p->qheight = saved;
    if (!q)
        return NULL;
    if (qh + 1 > e->height)
        e->height = qh + 1;
    if (e->height > SQL_MAX_HEIGHT) {
        fail(p, "the statement is nested too deeply (syntax tree height limit %d)", SQL_MAX_HEIGHT);
        return NULL;
    }
    if (e->height > p->qheight)
        p->qheight = e->height;
    return q;
}

static bool at_set_op_or_tail(const parser *p)
{
    return is_kw(p, KW_UNION) || is_kw(p, KW_INTERSECT) || is_kw(p, KW_EXCEPT) ||
           is_kw(p, KW_ORDER) || is_kw(p, KW_LIMIT) || is_kw(p, KW_OFFSET);
}

static sql_body *body_of(parser *p, sql_query *q);

/* "((SELECT 1) UNION (SELECT 2))": the first parenthesised operand was read as
 * a scalar subquery; a set operation (or ORDER BY/LIMIT) after it makes the
 * whole a query, read on from that operand. NULL (not failed) otherwise. */
static sql_query *continue_as_query(parser *p, sql_expr *sub)
{
    if (sub->kind != SQL_E_SUBQUERY || !at_set_op_or_tail(p))
        return NULL;
    sql_body *first = body_of(p, sub->query);
    if (!first || !enter(p))
        return NULL;
    sql_query *q = parse_query_from(p, first);
    if (q)
        leave(p);
    return q;
}

static bool starts_query(const parser *p, size_t k)
{
    const sql_token *t = peek_at(p, k);
    return t->kind == TK_IDENT && (t->kw == KW_SELECT || t->kw == KW_WITH);
}

/* A name token: quoted, or an unquoted word that is not reserved. */
static bool is_name(const sql_token *t)
{
    return t->kind == TK_QIDENT || (t->kind == TK_IDENT && !sql_kw_reserved(t->kw));
}

static bool take_name(parser *p, sql_name *out, const char *what)
{
    const sql_token *t = cur(p);
    if (!is_name(t)) {
        note(p, what);
        if (t->kind == TK_IDENT && t->kw != KW_NONE) {
            fail(p,
                 "unexpected '%s'; expected %s (%s is a reserved word: write \"%s\" in double "
                 "quotes to use it as a name)",
                 t->text, what, sql_kw_name(t->kw), t->text);
            return false;
        }
        unexpected(p);
        return false;
    }
    out->text = t->text;
    out->quoted = t->kind == TK_QIDENT;
    advance(p);
    return true;
}

/* ( name, name, ... ) */
static bool parse_name_list(parser *p, sql_name_list *out, const char *what)
{
    size_t cap = 0;
    if (!expect(p, TK_LPAREN))
        return false;
    do {
        if (!grow(p, (void **)&out->v, out->n, &cap, sizeof *out->v))
            return false;
        if (!take_name(p, &out->v[out->n], what))
            return false;
        out->n++;
        if (out->n > SQL_MAX_IN_LIST) {
            fail(p, "too many names in the list (the limit is %d)", SQL_MAX_IN_LIST);
            return false;
        }
    } while (accept(p, TK_COMMA));
    return expect(p, TK_RPAREN);
}

/* what names the value in messages ("LIMIT"); label is what was expected. */
static bool parse_uint(parser *p, long long *out, const char *what, const char *label)
{
    const sql_token *t = cur(p);
    if (t->kind != TK_NUMBER || strspn(t->text, "0123456789") != t->len) {
        note(p, label);
        if (t->kind == TK_MINUS || t->kind == TK_NUMBER) {
            fail(p, "%s must be a non-negative integer", what);
            return false;
        }
        unexpected(p);
        return false;
    }
    errno = 0;
    unsigned long long v = strtoull(t->text, NULL, 10);
    if (errno || v > 9223372036854775807ULL) {
        fail(p, "%s is too large", what);
        return false;
    }
    *out = (long long)v;
    advance(p);
    return true;
}

/* ---- expressions ---------------------------------------------------------- */

static bool parse_type(parser *p, sql_type *ty)
{
    const sql_token *t = cur(p);
    ty->precision = -1;
    ty->scale = -1;
    if (t->kind != TK_IDENT) {
        note(p, "a type (TEXT, INTEGER, DECIMAL, DOUBLE or BOOLEAN)");
        unexpected(p);
        return false;
    }
    ty->spelled = upper_dup(p, t->text);
    if (!ty->spelled)
        return false;
    bool params = false, scale_ok = false;
    switch (t->kw) {
    case KW_TEXT:
    case KW_CHAR:
        ty->kind = SQL_T_TEXT;
        params = t->kw == KW_CHAR;
        break;
    case KW_VARCHAR:
        ty->kind = SQL_T_TEXT;
        params = true;
        break;
    case KW_INT:
    case KW_INTEGER:
        ty->kind = SQL_T_INTEGER;
        break;
    case KW_BIGINT:
        ty->kind = SQL_T_BIGINT;
        break;
    case KW_DECIMAL:
    case KW_NUMERIC:
        ty->kind = SQL_T_DECIMAL;
        params = scale_ok = true;
        break;
    case KW_DOUBLE:
        ty->kind = SQL_T_DOUBLE;
        break;
    case KW_REAL:
    case KW_FLOAT:
        ty->kind = SQL_T_REAL;
        break;
    case KW_BOOLEAN:
        ty->kind = SQL_T_BOOLEAN;
        break;
    default:
        if (strcasecmp(t->text, "bool") == 0) {
            ty->kind = SQL_T_BOOLEAN;
            break;
        }
        if (strcasecmp(t->text, "string") == 0) {
            ty->kind = SQL_T_TEXT;
            break;
        }
        fail(p,
             "unknown type '%.40s'; the types are TEXT, VARCHAR, CHAR, INTEGER, INT, BIGINT, "
             "DECIMAL, NUMERIC, DOUBLE, REAL, FLOAT and BOOLEAN",
             t->text);
        return false;
    }
    advance(p);
    if (ty->kind == SQL_T_DOUBLE)
        accept_kw(p, KW_PRECISION, NULL);
    if (params && accept(p, TK_LPAREN)) {
        long long v;
        if (!parse_uint(p, &v, "a type length or precision", "a length or precision"))
            return false;
        if (v > 65535)
            return fail(p, "type length or precision %lld is too large", v), false;
        ty->precision = (int)v;
        if (scale_ok && accept(p, TK_COMMA)) {
            if (!parse_uint(p, &v, "a scale", "a scale"))
                return false;
            if (v > ty->precision)
                return fail(p, "the scale cannot be larger than the precision"), false;
            ty->scale = (int)v;
        }
        if (!expect(p, TK_RPAREN))
            return false;
    }
    return true;
}

static sql_expr *parse_case(parser *p)
{
    const sql_token *at = cur(p);
    advance(p); /* CASE */
    sql_expr *e = new_expr(p, SQL_E_CASE, at);
    if (!e)
        return NULL;
    if (!is_kw(p, KW_WHEN)) {
        e->left = parse_expr(p);
        if (!e->left || !child(p, e, e->left))
            return NULL;
    }
    size_t c1 = 0, c2 = 0;
    while (accept_kw(p, KW_WHEN, NULL)) {
        sql_expr *w = parse_expr(p);
        if (!w || !expect_kw(p, KW_THEN, NULL))
            return NULL;
        sql_expr *th = parse_expr(p);
        if (!th || !list_push(p, &e->list, &c1, w) || !list_push(p, &e->list2, &c2, th) ||
            !child(p, e, w) || !child(p, e, th))
            return NULL;
    }
    if (e->list.n == 0)
        return unexpected(p);
    if (accept_kw(p, KW_ELSE, NULL)) {
        e->right = parse_expr(p);
        if (!e->right || !child(p, e, e->right))
            return NULL;
    }
    if (!expect_kw(p, KW_END, NULL))
        return NULL;
    return e;
}

static bool parse_window(parser *p, sql_expr *e)
{
    if (!expect(p, TK_LPAREN))
        return false;
    sql_window *w = alloc(p, sizeof *w);
    if (!w)
        return false;
    e->over = w;
    if (accept_kw(p, KW_PARTITION, "PARTITION BY")) {
        if (!expect_kw(p, KW_BY, NULL))
            return false;
        size_t cap = 0;
        do {
            sql_expr *x = parse_expr(p);
            if (!x || !list_push(p, &w->partition_by, &cap, x) || !child(p, e, x))
                return false;
        } while (accept(p, TK_COMMA));
    }
    if (accept_kw(p, KW_ORDER, "ORDER BY")) {
        if (!expect_kw(p, KW_BY, NULL) || !parse_order_list(p, &w->order_by))
            return false;
        for (size_t i = 0; i < w->order_by.n; i++)
            if (!child(p, e, w->order_by.v[i].expr))
                return false;
    }
    if (is_kw(p, KW_ROWS) || is_kw(p, KW_RANGE)) {
        fail(p, "window frames (ROWS/RANGE) are not supported; windows use the whole partition, "
                "or rows up to the current one when there is an ORDER BY");
        return false;
    }
    return expect(p, TK_RPAREN);
}

/* name( [DISTINCT] args | * ) [OVER (...)] */
static sql_expr *parse_call(parser *p, const sql_token *name_tok)
{
    sql_expr *e = new_expr(p, SQL_E_FUNC, name_tok);
    if (!e)
        return NULL;
    e->func_quoted = name_tok->kind == TK_QIDENT;
    e->func = e->func_quoted ? name_tok->text : upper_dup(p, name_tok->text);
    if (!e->func)
        return NULL;
    advance(p); /* name */
    advance(p); /* ( */
    if (!enter(p))
        return NULL;
    if (accept(p, TK_STAR)) {
        e->star = true;
    } else if (!accept(p, TK_RPAREN)) {
        if (accept_kw(p, KW_DISTINCT, NULL))
            e->distinct = true;
        else
            accept_kw(p, KW_ALL, NULL);
        size_t cap = 0;
        do {
            sql_expr *a = parse_expr(p);
            if (!a || !list_push(p, &e->list, &cap, a) || !child(p, e, a))
                return NULL;
            if (e->list.n > SQL_MAX_IN_LIST)
                return fail(p, "too many function arguments");
        } while (accept(p, TK_COMMA));
        if (is_kw(p, KW_ORDER))
            return fail(p, "ORDER BY inside a function call is not supported");
        if (!expect(p, TK_RPAREN))
            return NULL;
        goto over;
    }
    if (e->star && !expect(p, TK_RPAREN))
        return NULL;
over:
    leave(p);
    if (cur(p)->kind == TK_IDENT && cur(p)->text && strcasecmp(cur(p)->text, "filter") == 0 &&
        peek_at(p, 1)->kind == TK_LPAREN)
        return fail(p, "FILTER (WHERE ...) is not supported; use CASE inside the aggregate, as "
                       "in SUM(CASE WHEN cond THEN x END)");
    if (accept_kw(p, KW_OVER, NULL)) {
        if (cur(p)->kind != TK_LPAREN)
            return fail(p, "named windows are not supported; write OVER (PARTITION BY ... "
                           "ORDER BY ...)");
        if (!enter(p))
            return NULL;
        if (!parse_window(p, e))
            return NULL;
        leave(p);
    }
    return e;
}

/* EXTRACT(field FROM e) */
static sql_expr *parse_extract(parser *p)
{
    const sql_token *at = cur(p);
    advance(p);
    advance(p);
    sql_expr *e = new_expr(p, SQL_E_EXTRACT, at);
    if (!e)
        return NULL;
    const sql_token *f = cur(p);
    if (f->kind != TK_IDENT && f->kind != TK_STRING) {
        note(p, "a date field (YEAR, MONTH, DAY, HOUR, MINUTE, SECOND, ...)");
        return unexpected(p);
    }
    e->text = upper_dup(p, f->text);
    if (!e->text)
        return NULL;
    advance(p);
    if (!expect_kw(p, KW_FROM, NULL))
        return NULL;
    e->left = parse_expr(p);
    if (!e->left || !child(p, e, e->left) || !expect(p, TK_RPAREN))
        return NULL;
    return e;
}

static sql_expr *make_func(parser *p, const sql_token *at, const char *name)
{
    sql_expr *e = new_expr(p, SQL_E_FUNC, at);
    if (e)
        e->func = name;
    return e;
}

/* POSITION(a IN b) -> POSITION(a, b) */
static sql_expr *parse_position(parser *p)
{
    const sql_token *at = cur(p);
    advance(p);
    advance(p);
    sql_expr *e = make_func(p, at, "POSITION");
    size_t cap = 0;
    if (!e)
        return NULL;
    /* The needle stops before IN, so it is parsed above the IN level. */
    sql_expr *a = parse_binary(p, 7);
    if (!a || !expect_kw(p, KW_IN, NULL))
        return NULL;
    sql_expr *b = parse_expr(p);
    if (!b || !list_push(p, &e->list, &cap, a) || !list_push(p, &e->list, &cap, b) ||
        !children(p, e, &e->list) || !expect(p, TK_RPAREN))
        return NULL;
    return e;
}

/* SUBSTRING(s FROM a [FOR b]) and SUBSTRING(s, a [, b]) -> SUBSTRING(s, a[, b]) */
static sql_expr *parse_substring(parser *p)
{
    const sql_token *at = cur(p);
    advance(p);
    advance(p);
    sql_expr *e = make_func(p, at, "SUBSTRING");
    size_t cap = 0;
    if (!e)
        return NULL;
    sql_expr *s = parse_expr(p);
    if (!s || !list_push(p, &e->list, &cap, s))
        return NULL;
    if (accept_kw(p, KW_FROM, NULL)) {
        sql_expr *a = parse_expr(p);
        if (!a || !list_push(p, &e->list, &cap, a))
            return NULL;
        if (accept_kw(p, KW_FOR, NULL)) {
            sql_expr *b = parse_expr(p);
            if (!b || !list_push(p, &e->list, &cap, b))
                return NULL;
        }
    } else if (accept(p, TK_COMMA)) {
        sql_expr *a = parse_expr(p);
        if (!a || !list_push(p, &e->list, &cap, a))
            return NULL;
        if (accept(p, TK_COMMA)) {
            sql_expr *b = parse_expr(p);
            if (!b || !list_push(p, &e->list, &cap, b))
                return NULL;
        }
    } else {
        return unexpected(p);
    }
    if (!children(p, e, &e->list) || !expect(p, TK_RPAREN))
        return NULL;
    return e;
}

/* TRIM([LEADING|TRAILING|BOTH] [chars] FROM s) and TRIM(s) */
static sql_expr *parse_trim(parser *p)
{
    const sql_token *at = cur(p);
    advance(p);
    advance(p);
    sql_expr *e = new_expr(p, SQL_E_TRIM, at);
    if (!e)
        return NULL;
    e->trim_where = SQL_TRIM_BOTH;
    bool where = true;
    if (accept_kw(p, KW_LEADING, NULL))
        e->trim_where = SQL_TRIM_LEADING;
    else if (accept_kw(p, KW_TRAILING, NULL))
        e->trim_where = SQL_TRIM_TRAILING;
    else if (!accept_kw(p, KW_BOTH, NULL))
        where = false;
    if (where && accept_kw(p, KW_FROM, NULL)) {
        e->left = parse_expr(p);
    } else {
        sql_expr *first = parse_expr(p);
        if (!first)
            return NULL;
        if (accept_kw(p, KW_FROM, NULL)) {
            e->right = first;
            e->left = parse_expr(p);
        } else if (where) {
            note(p, "FROM");
            return unexpected(p);
        } else {
            e->left = first;
        }
    }
    if (!e->left || !child(p, e, e->left) || !child(p, e, e->right) || !expect(p, TK_RPAREN))
        return NULL;
    return e;
}

/* a, t.a, s.t.a, a.b[2].c, "Quoted".x */
static sql_expr *parse_column(parser *p)
{
    sql_expr *e = new_expr(p, SQL_E_COLUMN, cur(p));
    if (!e)
        return NULL;
    size_t cap = 0;
    for (;;) {
        if (!grow(p, (void **)&e->path.v, e->path.n, &cap, sizeof *e->path.v))
            return NULL;
        sql_path_step *st = &e->path.v[e->path.n];
        memset(st, 0, sizeof *st);
        if (!take_name(p, &st->name, "a name"))
            return NULL;
        e->path.n++;
        for (;;) {
            if (cur(p)->kind == TK_LBRACKET) {
                advance(p);
                if (!grow(p, (void **)&e->path.v, e->path.n, &cap, sizeof *e->path.v))
                    return NULL;
                st = &e->path.v[e->path.n];
                memset(st, 0, sizeof *st);
                st->is_index = true;
                if (!parse_uint(p, &st->index, "a list index", "a list index") ||
                    !expect(p, TK_RBRACKET))
                    return NULL;
                e->path.n++;
                continue;
            }
            break;
        }
        if (e->path.n > 64)
            return fail(p, "the attribute path is too long (the limit is 64 steps)");
        if (cur(p)->kind == TK_DOT && peek_at(p, 1)->kind != TK_STAR) {
            advance(p);
            continue;
        }
        break;
    }
    return e;
}

static sql_expr *parse_primary(parser *p)
{
    const sql_token *t = cur(p);
    sql_expr *e;
    switch (t->kind) {
    case TK_NUMBER:
    case TK_STRING:
        e = new_expr(p, t->kind == TK_NUMBER ? SQL_E_NUMBER : SQL_E_STRING, t);
        if (!e)
            return NULL;
        e->text = t->text;
        e->text_len = t->len;
        advance(p);
        return e;
    case TK_LPAREN:
        if (starts_query(p, 1)) {
            advance(p);
            e = new_expr(p, SQL_E_SUBQUERY, t);
            if (!e || !(e->query = parse_subquery_into(p, e)) || !expect(p, TK_RPAREN))
                return NULL;
            return e;
        }
        advance(p);
        e = parse_expr(p);
        if (!e)
            return NULL;
        if (e->kind == SQL_E_SUBQUERY && at_set_op_or_tail(p)) {
            if (!(e->query = continue_as_query(p, e)))
                return NULL;
        }
        if (cur(p)->kind == TK_COMMA)
            return fail(p, "row values such as (a, b) are not supported; compare each column "
                           "separately");
        if (!expect(p, TK_RPAREN))
            return NULL;
        return e;
    case TK_QIDENT:
        if (peek_at(p, 1)->kind == TK_LPAREN)
            return parse_call(p, t);
        return parse_column(p);
    case TK_IDENT:
        break;
    case TK_SHL:
        return fail(p, "bag literals such as <<1, 2>> (PartiQL) are not supported; test "
                       "membership with x IN (1, 2)");
    case TK_LBRACKET:
        return fail(p, "list literals such as [1, 2] are not supported; test membership with "
                       "x IN (1, 2), or CONTAINS(list_attribute, value) for a list attribute");
    default:
        note(p, "an expression");
        return unexpected(p);
    }
    switch (t->kw) {
    case KW_TRUE:
    case KW_FALSE:
        e = new_expr(p, SQL_E_BOOL, t);
        if (e)
            e->bval = t->kw == KW_TRUE;
        advance(p);
        return e;
    case KW_NULL:
        advance(p);
        return new_expr(p, SQL_E_NULL, t);
    case KW_CASE:
        return parse_case(p);
    case KW_EXISTS:
        advance(p);
        e = new_expr(p, SQL_E_EXISTS, t);
        if (!e || !expect(p, TK_LPAREN))
            return NULL;
        if (!(e->query = parse_subquery_into(p, e)) || !expect(p, TK_RPAREN))
            return NULL;
        return e;
    case KW_CAST:
        advance(p);
        e = new_expr(p, SQL_E_CAST, t);
        if (!e || !expect(p, TK_LPAREN) || !(e->left = parse_expr(p)) || !child(p, e, e->left))
            return NULL;
        if (!expect_kw(p, KW_AS, NULL) || !parse_type(p, &e->type) || !expect(p, TK_RPAREN))
            return NULL;
        return e;
    case KW_CURRENT_DATE:
    case KW_CURRENT_TIMESTAMP:
        advance(p);
        e = make_func(p, t, sql_kw_name(t->kw));
        if (e && cur(p)->kind == TK_LPAREN && peek_at(p, 1)->kind == TK_RPAREN) {
            advance(p);
            advance(p);
        }
        return e;
    default:
        break;
    }
    if (peek_at(p, 1)->kind == TK_LPAREN) {
        switch (t->kw) {
        case KW_EXTRACT:
            return parse_extract(p);
        case KW_POSITION:
            return parse_position(p);
        case KW_SUBSTRING:
            return parse_substring(p);
        case KW_TRIM:
            return parse_trim(p);
        case KW_LEFT:
        case KW_RIGHT:
            return fail(p, "%s() is not supported; use SUBSTRING(s, start, length)",
                        sql_kw_name(t->kw));
        default:
            if (!sql_kw_reserved(t->kw))
                return parse_call(p, t);
        }
    }
    if (t->kw == KW_SELECT)
        return fail(p, "a subquery must be in parentheses: (SELECT ...)");
    if (sql_kw_reserved(t->kw)) {
        note(p, "an expression");
        const sql_token *n = peek_at(p, 1);
        bool looks_like_name = n->kind == TK_COMMA || n->kind == TK_DOT || n->kind == TK_RPAREN ||
                               n->kind == TK_EOF || n->kind == TK_EQ ||
                               (n->kind == TK_IDENT && (n->kw == KW_FROM || n->kw == KW_AS));
        if (looks_like_name)
            return fail(p,
                        "unexpected '%s'; expected an expression (%s is a reserved word: write "
                        "\"%s\" in double quotes to use it as a name)",
                        t->text, sql_kw_name(t->kw), t->text);
        return unexpected(p);
    }
    if (peek_at(p, 1)->kind == TK_STRING &&
        (strcasecmp(t->text, "date") == 0 || strcasecmp(t->text, "timestamp") == 0 ||
         strcasecmp(t->text, "time") == 0 || strcasecmp(t->text, "interval") == 0))
        return fail(p,
                    "typed literals such as %s '...' are not supported; dates are ISO-8601 "
                    "strings, so write the string itself, as in '2024-01-31'",
                    t->text);
    return parse_column(p);
}

/* primary followed by postfix forms that are refused with a hint. */
static sql_expr *parse_postfix(parser *p)
{
    sql_expr *e = parse_primary(p);
    if (!e)
        return NULL;
    if (cur(p)->kind == TK_DCOLON)
        return fail(p, "'::' casts are not supported; use CAST(x AS type)");
    if (cur(p)->kind == TK_LBRACKET)
        return fail(p, "[index] applies only to column paths, as in a.list[2]");
    return e;
}

static sql_expr *parse_prefix(parser *p)
{
    const sql_token *t = cur(p);
    sql_op op = SQL_OP_NONE;
    int prec = 14;
    if (t->kind == TK_MINUS)
        op = SQL_OP_NEG;
    else if (t->kind == TK_PLUS)
        op = SQL_OP_PLUS;
    else if (t->kind == TK_TILDE)
        op = SQL_OP_BITNOT;
    else if (t->kind == TK_IDENT && t->kw == KW_NOT) {
        op = SQL_OP_NOT;
        prec = 3;
    }
    if (op == SQL_OP_NONE)
        return parse_postfix(p);
    advance(p);
    if (!enter(p))
        return NULL;
    sql_expr *e = new_expr(p, SQL_E_UNARY, t);
    if (!e)
        return NULL;
    e->op = op;
    e->left = parse_binary(p, prec);
    if (!e->left || !child(p, e, e->left))
        return NULL;
    leave(p);
    return e;
}

/* Binding strength of the operator at the current token (0: none).
 * OR 1, AND 2, NOT 3 (prefix), IS 4, comparisons 5, BETWEEN/IN/LIKE 6,
 * || 7, | 8, ^ 9, & 10, << >> 11, + - 12, * / % 13, unary 14. */
static int binary_prec(const parser *p, sql_op *op)
{
    const sql_token *t = cur(p);
    *op = SQL_OP_NONE;
    switch (t->kind) {
    case TK_EQ:
        *op = SQL_OP_EQ;
        return 5;
    case TK_NE:
        *op = SQL_OP_NE;
        return 5;
    case TK_LT:
        *op = SQL_OP_LT;
        return 5;
    case TK_LE:
        *op = SQL_OP_LE;
        return 5;
    case TK_GT:
        *op = SQL_OP_GT;
        return 5;
    case TK_GE:
        *op = SQL_OP_GE;
        return 5;
    case TK_CONCAT:
        *op = SQL_OP_CONCAT;
        return 7;
    case TK_PIPE:
        *op = SQL_OP_BITOR;
        return 8;
    case TK_CARET:
        *op = SQL_OP_BITXOR;
        return 9;
    case TK_AMP:
        *op = SQL_OP_BITAND;
        return 10;
    case TK_SHL:
        *op = SQL_OP_SHL;
        return 11;
    case TK_SHR:
        *op = SQL_OP_SHR;
        return 11;
    case TK_PLUS:
        *op = SQL_OP_ADD;
        return 12;
    case TK_MINUS:
        *op = SQL_OP_SUB;
        return 12;
    case TK_STAR:
        *op = SQL_OP_MUL;
        return 13;
    case TK_SLASH:
        *op = SQL_OP_DIV;
        return 13;
    case TK_PERCENT:
        *op = SQL_OP_MOD;
        return 13;
    case TK_IDENT:
        break;
    default:
        return 0;
    }
    switch (t->kw) {
    case KW_OR:
        *op = SQL_OP_OR;
        return 1;
    case KW_AND:
        *op = SQL_OP_AND;
        return 2;
    case KW_IS:
        return 4;
    case KW_BETWEEN:
    case KW_IN:
    case KW_LIKE:
    case KW_ILIKE:
    case KW_SIMILAR:
        return 6;
    case KW_NOT: {
        const sql_token *n = peek_at(p, 1);
        if (n->kind == TK_IDENT && (n->kw == KW_BETWEEN || n->kw == KW_IN || n->kw == KW_LIKE ||
                                    n->kw == KW_ILIKE || n->kw == KW_SIMILAR))
            return 6;
        return 0;
    }
    default:
        return 0;
    }
}

static sql_expr *parse_is(parser *p, sql_expr *left, const sql_token *at)
{
    advance(p); /* IS */
    bool neg = accept_kw(p, KW_NOT, NULL);
    if (is_kw(p, KW_TRUE) || is_kw(p, KW_FALSE))
        return fail(p, "IS [NOT] TRUE/FALSE is not supported; use x = TRUE, or COALESCE(x, "
                       "FALSE) = TRUE to treat NULL as false");
    if (is_kw(p, KW_DISTINCT))
        return fail(p, "IS [NOT] DISTINCT FROM is not supported; for a IS NOT DISTINCT FROM b "
                       "write (COALESCE(a = b, FALSE) OR (a IS NULL AND b IS NULL)), and NOT "
                       "(...) of that for IS DISTINCT FROM");
    if (cur(p)->kind == TK_IDENT && cur(p)->kw == KW_NONE &&
        strcasecmp(cur(p)->text, "missing") == 0)
        return fail(p, "IS [NOT] MISSING (PartiQL) is not supported: a missing attribute reads as "
                       "NULL, so write IS [NOT] NULL");
    if (!expect_kw(p, KW_NULL, NULL))
        return NULL;
    sql_expr *e = new_expr(p, SQL_E_IS_NULL, at);
    if (!e)
        return NULL;
    e->negated = neg;
    e->left = left;
    return child(p, e, left) ? e : NULL;
}

static sql_expr *parse_in(parser *p, sql_expr *e)
{
    if (cur(p)->kind == TK_SHL || cur(p)->kind == TK_LBRACKET)
        return fail(p,
                    "IN takes a parenthesised list, as in x IN (1, 2); %s literals (PartiQL) "
                    "are not supported",
                    cur(p)->kind == TK_SHL ? "<<bag>>" : "[list]");
    if (!expect(p, TK_LPAREN))
        return NULL;
    if (starts_query(p, 0)) {
        e->kind = SQL_E_IN_QUERY;
        if (!(e->query = parse_subquery_into(p, e)))
            return NULL;
    } else {
        e->kind = SQL_E_IN_LIST;
        size_t cap = 0;
        if (cur(p)->kind == TK_RPAREN)
            return fail(p, "an IN list cannot be empty");
        do {
            if (e->list.n >= SQL_MAX_IN_LIST)
                return fail(p, "the IN list has too many items (the limit is %d)", SQL_MAX_IN_LIST);
            sql_expr *x = parse_expr(p);
            if (!x)
                return NULL;
            if (e->list.n == 0 && x->kind == SQL_E_SUBQUERY && at_set_op_or_tail(p)) {
                /* IN ((SELECT ...) UNION (SELECT ...)) */
                e->kind = SQL_E_IN_QUERY;
                if (!(e->query = continue_as_query(p, x)) || !child(p, e, x))
                    return NULL;
                break;
            }
            if (!list_push(p, &e->list, &cap, x) || !child(p, e, x))
                return NULL;
        } while (accept(p, TK_COMMA));
    }
    return expect(p, TK_RPAREN) ? e : NULL;
}

/* left [NOT] BETWEEN / IN / LIKE ... */
static sql_expr *parse_predicate(parser *p, sql_expr *left, const sql_token *at)
{
    bool neg = accept_kw(p, KW_NOT, NULL);
    const sql_token *t = cur(p);
    if (t->kw == KW_ILIKE)
        return fail(p, "ILIKE is not supported; use LOWER(x) LIKE LOWER(pattern)");
    if (t->kw == KW_SIMILAR)
        return fail(p, "SIMILAR TO is not supported; use LIKE with %% and _");
    advance(p);
    sql_expr *e = new_expr(p, SQL_E_BETWEEN, at);
    if (!e)
        return NULL;
    e->negated = neg;
    e->left = left;
    if (!child(p, e, left))
        return NULL;
    if (t->kw == KW_IN) {
        if (!enter(p))
            return NULL;
        e = parse_in(p, e);
        leave(p);
        return e;
    }
    if (t->kw == KW_BETWEEN) {
        e->right = parse_binary(p, 7);
        if (!e->right || !expect_kw(p, KW_AND, NULL))
            return NULL;
        e->third = parse_binary(p, 7);
        if (!e->third || !child(p, e, e->right) || !child(p, e, e->third))
            return NULL;
        return e;
    }
    e->kind = SQL_E_LIKE;
    e->right = parse_binary(p, 7);
    if (!e->right || !child(p, e, e->right))
        return NULL;
    if (accept_kw(p, KW_ESCAPE, NULL)) {
        e->third = parse_binary(p, 7);
        if (!e->third || !child(p, e, e->third))
            return NULL;
    }
    return e;
}

static sql_expr *parse_binary(parser *p, int min_prec)
{
    sql_expr *left = parse_prefix(p);
    if (!left)
        return NULL;
    for (;;) {
        sql_op op;
        int prec = binary_prec(p, &op);
        if (prec == 0 || prec < min_prec)
            return left;
        const sql_token *at = cur(p);
        if (prec == 4) {
            left = parse_is(p, left, at);
        } else if (prec == 6) {
            left = parse_predicate(p, left, at);
        } else {
            advance(p);
            sql_expr *right = parse_binary(p, prec + 1);
            if (!right)
                return NULL;
            sql_expr *e = new_expr(p, SQL_E_BINARY, at);
            if (!e)
                return NULL;
            e->op = op;
            e->left = left;
            e->right = right;
            if (!child(p, e, left) || !child(p, e, right))
                return NULL;
            left = e;
        }
        if (!left)
            return NULL;
        if (cur(p)->kind == TK_DCOLON)
            return fail(p, "'::' casts are not supported; use CAST(x AS type)");
    }
}

static sql_expr *parse_expr(parser *p)
{
    if (!enter(p))
        return NULL;
    sql_expr *e = parse_binary(p, 1);
    leave(p);
    return e;
}

/* ---- ORDER BY ------------------------------------------------------------- */

static bool parse_order_list(parser *p, sql_order_list *out)
{
    size_t cap = 0;
    do {
        sql_expr *x = parse_expr(p);
        if (!x)
            return false;
        if (!grow(p, (void **)&out->v, out->n, &cap, sizeof *out->v))
            return false;
        sql_order_item *it = &out->v[out->n++];
        it->expr = x;
        if (accept_kw(p, KW_DESC, NULL))
            it->desc = true;
        else
            accept_kw(p, KW_ASC, NULL);
        if (is_kw(p, KW_NULLS)) {
            fail(p, "NULLS FIRST/LAST is not supported: NULLs always sort first in ascending "
                    "order and last in descending order; to move them, sort first by "
                    "(x IS NULL) with CASE WHEN x IS NULL THEN 1 ELSE 0 END");
            return false;
        }
        if (out->n > SQL_MAX_IN_LIST) {
            fail(p, "too many ORDER BY items");
            return false;
        }
    } while (accept(p, TK_COMMA));
    return true;
}

/* ---- FROM ----------------------------------------------------------------- */

static sql_table_ref *new_ref(parser *p, sql_table_ref_kind kind, const sql_token *at)
{
    sql_table_ref *r = alloc(p, sizeof *r);
    if (r) {
        r->kind = kind;
        r->pos = pos_of(at);
    }
    return r;
}

/* [AS] alias; required says whether one must be there. */
static bool parse_alias(parser *p, sql_name *alias, bool required, const char *why)
{
    if (accept_kw(p, KW_AS, NULL))
        return take_name(p, alias, "an alias");
    if (is_name(cur(p))) {
        alias->text = cur(p)->text;
        alias->quoted = cur(p)->kind == TK_QIDENT;
        if (!alias->quoted)
            p->alias_at = p->pos;
        advance(p);
        return true;
    }
    note(p, "an alias");
    if (required) {
        fail(p, "%s", why);
        return false;
    }
    return true;
}

/* Inside the '(' just read in FROM: a query, or a parenthesised join? A
 * query starts with SELECT/WITH, or with a parenthesised query followed by
 * a set operation, ORDER BY, LIMIT, OFFSET or ')'. "((SELECT 1) AS s JOIN t
 * ON ...)" is a join: its inner group is followed by an alias. */
static bool parens_open_query(const parser *p, size_t k)
{
    /* Beyond the depth limit the parse fails anyway; stop looking there. */
    for (int n = 0; n <= SQL_MAX_DEPTH; n++, k++) {
        if (starts_query(p, k))
            return true;
        size_t i = p->pos + k;
        if (i >= p->ntok || p->tok[i].kind != TK_LPAREN)
            return false;
        size_t m = p->match[i];
        if (m == SIZE_MAX || p->tok[m + 1].kind == TK_RPAREN)
            continue; /* unbalanced (reported later), or only more grouping */
        const sql_token *after = &p->tok[m + 1];
        return after->kind == TK_IDENT &&
               (after->kw == KW_UNION || after->kw == KW_INTERSECT || after->kw == KW_EXCEPT ||
                after->kw == KW_ORDER || after->kw == KW_LIMIT || after->kw == KW_OFFSET);
    }
    return false;
}

static sql_table_ref *parse_values(parser *p, const sql_token *at)
{
    sql_table_ref *r = new_ref(p, SQL_TR_VALUES, at);
    if (!r)
        return NULL;
    advance(p); /* VALUES */
    size_t cap = 0;
    do {
        if (r->nrows >= SQL_MAX_IN_LIST)
            return fail(p, "VALUES has too many rows (the limit is %d)", SQL_MAX_IN_LIST);
        if (!grow(p, (void **)&r->rows, r->nrows, &cap, sizeof *r->rows))
            return NULL;
        sql_expr_list *row = &r->rows[r->nrows];
        memset(row, 0, sizeof *row);
        size_t rcap = 0;
        if (!expect(p, TK_LPAREN))
            return NULL;
        do {
            sql_expr *x = parse_expr(p);
            if (!x || !list_push(p, row, &rcap, x))
                return NULL;
            if (row->n > SQL_MAX_IN_LIST)
                return fail(p, "a VALUES row has too many items");
        } while (accept(p, TK_COMMA));
        if (!expect(p, TK_RPAREN))
            return NULL;
        if (r->nrows > 0 && row->n != r->rows[0].n)
            return fail_tok(p, &p->tok[p->pos - 1],
                            "every VALUES row must have the same number of items (the first "
                            "has %zu, this one %zu)",
                            r->rows[0].n, row->n);
        r->nrows++;
    } while (accept(p, TK_COMMA));
    return r;
}

static sql_table_ref *parse_table_ref(parser *p);

static sql_table_ref *parse_table_primary(parser *p)
{
    const sql_token *at = cur(p);
    sql_table_ref *r;
    if (at->kind == TK_LPAREN) {
        if (!enter(p))
            return NULL;
        advance(p);
        if (is_kw(p, KW_VALUES)) {
            r = parse_values(p, at);
            if (!r || !expect(p, TK_RPAREN))
                return NULL;
            if (!parse_alias(p, &r->alias, true,
                             "VALUES in FROM needs an alias, as in (VALUES (1, 'a')) AS v(n, s)"))
                return NULL;
        } else if (parens_open_query(p, 0)) {
            r = new_ref(p, SQL_TR_SUBQUERY, at);
            if (!r || !(r->query = parse_query(p)) || !expect(p, TK_RPAREN))
                return NULL;
            if (!parse_alias(p, &r->alias, true,
                             "a derived table needs an alias, as in (SELECT ...) AS name"))
                return NULL;
        } else {
            /* A parenthesised join: (a JOIN b ON ...), (a, b). */
            r = parse_from_list(p);
            if (!r || !expect(p, TK_RPAREN))
                return NULL;
            leave(p);
            return r;
        }
        if (cur(p)->kind == TK_LPAREN && !parse_name_list(p, &r->col_alias, "a column alias"))
            return NULL;
        leave(p);
        return r;
    }
    if (is_kw(p, KW_LATERAL))
        return fail(p, "LATERAL is not supported; use a correlated subquery in the select list "
                       "or a JOIN");
    if (is_kw(p, KW_VALUES))
        return fail(p, "VALUES in FROM must be in parentheses with an alias, as in "
                       "(VALUES (1, 'a')) AS v(n, s)");
    r = new_ref(p, SQL_TR_TABLE, at);
    if (!r || !take_name(p, &r->name, "a table name"))
        return NULL;
    if (cur(p)->kind == TK_DOT) { /* not noted: "expected '.'" would only distract */
        advance(p);
        r->schema = r->name;
        if (!take_name(p, &r->name, "a table name"))
            return NULL;
        if (cur(p)->kind == TK_DOT)
            return fail(p, "a table name has at most two parts: schema.table");
    }
    if (cur(p)->kind == TK_LPAREN)
        return fail(p, "table functions are not supported; name a table as schema.table");
    if (!parse_alias(p, &r->alias, false, NULL))
        return NULL;
    return r;
}

static bool join_kind(parser *p, sql_join_kind *kind)
{
    if (is_kw(p, KW_NATURAL)) {
        fail(p, "NATURAL JOIN is not supported; name the columns with JOIN ... USING (...)");
        return false;
    }
    if (accept_kw(p, KW_JOIN, NULL) ||
        (accept_kw(p, KW_INNER, NULL) && expect_kw(p, KW_JOIN, NULL))) {
        *kind = SQL_JOIN_INNER;
        return !p->failed;
    }
    if (p->failed)
        return false;
    sql_join_kind k;
    if (accept_kw(p, KW_LEFT, NULL))
        k = SQL_JOIN_LEFT;
    else if (accept_kw(p, KW_RIGHT, NULL))
        k = SQL_JOIN_RIGHT;
    else if (accept_kw(p, KW_FULL, NULL))
        k = SQL_JOIN_FULL;
    else if (accept_kw(p, KW_CROSS, NULL)) {
        if (!expect_kw(p, KW_JOIN, NULL))
            return false;
        *kind = SQL_JOIN_CROSS;
        return true;
    } else
        return false;
    if (k != SQL_JOIN_CROSS)
        accept_kw(p, KW_OUTER, NULL);
    if (!expect_kw(p, KW_JOIN, NULL))
        return false;
    *kind = k;
    return true;
}

static sql_table_ref *parse_table_ref(parser *p)
{
    sql_table_ref *left = parse_table_primary(p);
    int njoins = 0;
    while (left) {
        const sql_token *at = cur(p);
        sql_join_kind kind;
        if (!join_kind(p, &kind))
            return p->failed ? NULL : left;
        if (++njoins > SQL_MAX_JOINS)
            return fail_tok(p, at, "too many joins (the limit is %d per FROM)", SQL_MAX_JOINS);
        sql_table_ref *j = new_ref(p, SQL_TR_JOIN, at);
        if (!j)
            return NULL;
        j->join = kind;
        j->left = left;
        if (!(j->right = parse_table_primary(p)))
            return NULL;
        if (kind != SQL_JOIN_CROSS) {
            if (accept_kw(p, KW_ON, NULL)) {
                if (!(j->on = parse_expr(p)))
                    return NULL;
            } else if (accept_kw(p, KW_USING, NULL)) {
                j->has_using = true;
                if (!parse_name_list(p, &j->using_cols, "a column name"))
                    return NULL;
            } else {
                return unexpected(p);
            }
        }
        left = j;
    }
    return NULL;
}

static sql_table_ref *parse_from_list(parser *p)
{
    sql_table_ref *left = parse_table_ref(p);
    int n = 0;
    while (left && cur(p)->kind == TK_COMMA) {
        const sql_token *at = cur(p);
        advance(p);
        if (++n > SQL_MAX_JOINS)
            return fail_tok(p, at, "too many tables in FROM (the limit is %d)", SQL_MAX_JOINS);
        sql_table_ref *j = new_ref(p, SQL_TR_JOIN, at);
        if (!j)
            return NULL;
        j->join = SQL_JOIN_COMMA;
        j->left = left;
        if (!(j->right = parse_table_ref(p)))
            return NULL;
        left = j;
    }
    if (left)
        note(p, "','");
    return left;
}

/* ---- SELECT --------------------------------------------------------------- */

/* name(.name)*.* at the current token? Returns the number of names, else 0. */
static size_t qualified_star(const parser *p)
{
    size_t k = 0, n = 0;
    while (is_name(peek_at(p, k)) && peek_at(p, k + 1)->kind == TK_DOT) {
        n++;
        k += 2;
        if (peek_at(p, k)->kind == TK_STAR)
            return n;
    }
    return 0;
}

static bool parse_select_item(parser *p, sql_select_item *it)
{
    const sql_token *at = cur(p);
    it->pos = pos_of(at);
    if (accept(p, TK_STAR)) {
        it->kind = SQL_ITEM_STAR;
        if (is_kw(p, KW_EXCEPT) && peek_at(p, 1)->kind == TK_LPAREN) {
            fail(p, "SELECT * EXCEPT (...) is not supported; list the columns you want");
            return false;
        }
        return true;
    }
    size_t nq = qualified_star(p);
    if (nq) {
        it->kind = SQL_ITEM_QSTAR;
        it->qualifier.v = alloc(p, nq * sizeof *it->qualifier.v);
        if (!it->qualifier.v)
            return false;
        for (size_t i = 0; i < nq; i++) {
            take_name(p, &it->qualifier.v[i], "a name");
            advance(p); /* . */
        }
        it->qualifier.n = nq;
        advance(p); /* * */
        return true;
    }
    it->kind = SQL_ITEM_EXPR;
    if (!(it->expr = parse_expr(p)))
        return false;
    if (accept_kw(p, KW_AS, NULL)) {
        const sql_token *t = cur(p);
        if (t->kind == TK_IDENT || t->kind == TK_QIDENT) {
            it->alias.text = t->text;
            it->alias.quoted = t->kind == TK_QIDENT;
            advance(p);
            return true;
        }
        if (t->kind == TK_STRING) {
            fail(p, "an alias is a name, not a string: write AS \"%.40s\"", t->text);
            return false;
        }
        note(p, "an alias");
        unexpected(p);
        return false;
    }
    if (is_name(cur(p))) {
        it->alias.text = cur(p)->text;
        it->alias.quoted = cur(p)->kind == TK_QIDENT;
        if (!it->alias.quoted)
            p->alias_at = p->pos;
        advance(p);
    }
    return true;
}

static sql_select *parse_select(parser *p)
{
    const sql_token *at = cur(p);
    advance(p); /* SELECT */
    sql_select *s = alloc(p, sizeof *s);
    if (!s)
        return NULL;
    s->pos = pos_of(at);
    if (accept_kw(p, KW_DISTINCT, NULL)) {
        s->distinct = true;
        if (is_kw(p, KW_ON))
            return fail(p, "DISTINCT ON is not supported; use ROW_NUMBER() OVER (PARTITION BY "
                           "...) in a subquery and keep row 1");
    } else if (accept_kw(p, KW_ALL, NULL)) {
        s->all = true;
    }
    if (is_kw(p, KW_TOP))
        return fail(p, "TOP is not supported; use LIMIT n at the end of the query");
    size_t cap = 0;
    do {
        if (s->nitems >= SQL_MAX_IN_LIST)
            return fail(p, "too many select items (the limit is %d)", SQL_MAX_IN_LIST);
        if (!grow(p, (void **)&s->items, s->nitems, &cap, sizeof *s->items))
            return NULL;
        memset(&s->items[s->nitems], 0, sizeof *s->items);
        if (!parse_select_item(p, &s->items[s->nitems]))
            return NULL;
        s->nitems++;
    } while (accept(p, TK_COMMA));
    if (is_kw(p, KW_INTO))
        return fail(p, "SELECT ... INTO is not allowed: ddbsql is read-only and accepts only "
                       "SELECT (or WITH ... SELECT) queries");
    if (accept_kw(p, KW_FROM, NULL)) {
        if (!(s->from = parse_from_list(p)))
            return NULL;
    }
    if (accept_kw(p, KW_WHERE, NULL) && !(s->where = parse_expr(p)))
        return NULL;
    if (accept_kw(p, KW_GROUP, "GROUP BY")) {
        if (!expect_kw(p, KW_BY, NULL))
            return NULL;
        size_t gcap = 0;
        do {
            sql_expr *x = parse_expr(p);
            if (!x || !list_push(p, &s->group_by, &gcap, x))
                return NULL;
            if (s->group_by.n > SQL_MAX_IN_LIST)
                return fail(p, "too many GROUP BY items");
        } while (accept(p, TK_COMMA));
    }
    if (accept_kw(p, KW_HAVING, NULL) && !(s->having = parse_expr(p)))
        return NULL;
    if (is_kw(p, KW_WINDOW))
        return fail(p, "named windows (WINDOW w AS ...) are not supported; write the window in "
                       "OVER (...)");
    return s;
}

/* ---- queries and set operations ------------------------------------------ */

static sql_body *parse_set_primary(parser *p)
{
    const sql_token *at = cur(p);
    sql_body *b = alloc(p, sizeof *b);
    if (!b)
        return NULL;
    b->pos = pos_of(at);
    if (is_kw(p, KW_SELECT)) {
        b->kind = SQL_BODY_SELECT;
        return (b->select = parse_select(p)) ? b : NULL;
    }
    if (at->kind == TK_LPAREN) {
        if (!enter(p))
            return NULL;
        advance(p);
        sql_query *q = parse_query(p);
        if (!q || !expect(p, TK_RPAREN))
            return NULL;
        leave(p);
        return body_of(p, q);
    }
    if (is_kw(p, KW_VALUES))
        return fail(p, "a bare VALUES query is not supported; use SELECT * FROM (VALUES ...) AS "
                       "v(a, b)");
    note(p, "SELECT");
    note(p, "'('");
    return unexpected(p);
}

/* A parenthesised query as a set operand. Parentheses that only group,
 * (SELECT ...) UNION (...), leave no trace: the tree says what groups with
 * what. One with its own WITH, ORDER BY or LIMIT stays a nested query. */
static sql_body *body_of(parser *p, sql_query *q)
{
    if (!q->nctes && !q->order_by.n && !q->has_limit && !q->has_offset)
        return q->body;
    sql_body *b = alloc(p, sizeof *b);
    if (!b)
        return NULL;
    b->kind = SQL_BODY_QUERY;
    b->pos = q->pos;
    b->query = q;
    return b;
}

static bool set_op(parser *p, bool intersect, sql_setop *op, bool *all)
{
    if (intersect) {
        if (!accept_kw(p, KW_INTERSECT, NULL))
            return false;
        *op = SQL_INTERSECT;
    } else if (accept_kw(p, KW_UNION, NULL)) {
        *op = SQL_UNION;
    } else if (accept_kw(p, KW_EXCEPT, NULL)) {
        *op = SQL_EXCEPT;
    } else {
        return false;
    }
    *all = accept_kw(p, KW_ALL, NULL);
    if (!*all)
        accept_kw(p, KW_DISTINCT, NULL);
    return true;
}

/* INTERSECT binds tighter than UNION and EXCEPT. */
static sql_body *parse_set_level(parser *p, bool intersect, int *nops, sql_body *first)
{
    sql_body *left;
    if (intersect)
        left = first ? first : parse_set_primary(p);
    else
        left = parse_set_level(p, true, nops, first);
    while (left) {
        const sql_token *at = cur(p);
        sql_setop op;
        bool all;
        if (!set_op(p, intersect, &op, &all))
            return left;
        if (++*nops > SQL_MAX_SETOPS)
            return fail_tok(p, at, "too many set operations (the limit is %d per query)",
                            SQL_MAX_SETOPS);
        sql_body *b = alloc(p, sizeof *b);
        if (!b)
            return NULL;
        b->kind = SQL_BODY_SETOP;
        b->pos = pos_of(at);
        b->op = op;
        b->all = all;
        b->left = left;
        b->right = intersect ? parse_set_primary(p) : parse_set_level(p, true, nops, NULL);
        if (!b->right)
            return NULL;
        left = b;
    }
    return NULL;
}

static const char *refused_statement(const sql_token *t);
static void refuse_statement(parser *p, const char *what);

/* A data-modifying statement where WITH expects a query (WITH x AS (DELETE
 * ...) or WITH ... UPDATE) is refused as a write, not as a syntax error. */
static bool refuse_write_in_with(parser *p)
{
    const char *what = refused_statement(cur(p));
    if (what)
        refuse_statement(p, what);
    return what != NULL;
}

static bool parse_with(parser *p, sql_query *q)
{
    if (is_kw(p, KW_RECURSIVE)) {
        fail(p, "WITH RECURSIVE is not supported: recursive queries could read without bound; "
                "only plain WITH ... SELECT is accepted");
        return false;
    }
    size_t cap = 0;
    do {
        if (q->nctes >= SQL_MAX_JOINS) {
            fail(p, "too many common table expressions (the limit is %d)", SQL_MAX_JOINS);
            return false;
        }
        if (!grow(p, (void **)&q->ctes, q->nctes, &cap, sizeof *q->ctes))
            return false;
        sql_cte *c = &q->ctes[q->nctes];
        memset(c, 0, sizeof *c);
        c->pos = pos_of(cur(p));
        if (!take_name(p, &c->name, "a name for the WITH query"))
            return false;
        if (cur(p)->kind == TK_LPAREN && starts_query(p, 1)) {
            fail(p, "AS is missing before the query: write WITH name AS (SELECT ...)");
            return false;
        }
        if (cur(p)->kind == TK_LPAREN && !parse_name_list(p, &c->columns, "a column name"))
            return false;
        if (!expect_kw(p, KW_AS, NULL))
            return false;
        if (is_kw(p, KW_NOT) ||
            (cur(p)->kind == TK_IDENT && strcasecmp(cur(p)->text, "materialized") == 0)) {
            fail(p, "MATERIALIZED is not supported; write name AS (SELECT ...)");
            return false;
        }
        if (!expect(p, TK_LPAREN) || refuse_write_in_with(p))
            return false;
        if (!(c->query = parse_query(p)) || !expect(p, TK_RPAREN))
            return false;
        q->nctes++;
    } while (accept(p, TK_COMMA));
    return !refuse_write_in_with(p);
}

static sql_query *parse_query(parser *p)
{
    return parse_query_from(p, NULL);
}

/* A query; when first is given, its first set operand was already read. */
static sql_query *parse_query_from(parser *p, sql_body *first)
{
    if (!enter(p))
        return NULL;
    sql_query *q = alloc(p, sizeof *q);
    if (!q)
        return NULL;
    q->pos = first ? first->pos : pos_of(cur(p));
    if (!first && accept_kw(p, KW_WITH, NULL) && !parse_with(p, q))
        return NULL;
    int nops = 0;
    if (!(q->body = parse_set_level(p, false, &nops, first)))
        return NULL;
    if (nops > p->qheight)
        p->qheight = nops;
    if (accept_kw(p, KW_ORDER, "ORDER BY")) {
        if (!expect_kw(p, KW_BY, NULL) || !parse_order_list(p, &q->order_by))
            return NULL;
    }
    for (int i = 0; i < 2; i++) {
        if (!q->has_limit && accept_kw(p, KW_LIMIT, NULL)) {
            if (is_kw(p, KW_ALL)) {
                advance(p);
                continue;
            }
            if (!parse_uint(p, &q->limit, "LIMIT", "a non-negative integer"))
                return NULL;
            q->has_limit = true;
            if (cur(p)->kind == TK_COMMA)
                return fail(p, "LIMIT a, b is not supported; write LIMIT b OFFSET a");
        } else if (!q->has_offset && accept_kw(p, KW_OFFSET, NULL)) {
            if (!parse_uint(p, &q->offset, "OFFSET", "a non-negative integer"))
                return NULL;
            q->has_offset = true;
            if (cur(p)->kind == TK_IDENT && cur(p)->kw == KW_ROWS)
                advance(p);
        }
    }
    if (is_kw(p, KW_FETCH))
        return fail(p, "FETCH FIRST is not supported; use LIMIT n");
    if (is_kw(p, KW_FOR))
        return fail(p, "FOR UPDATE/SHARE is not supported: ddbsql is read-only");
    leave(p);
    return q;
}

/* ---- statements ----------------------------------------------------------- */

/* The statement keywords refused up front, with what they are. */
static const char *refused_statement(const sql_token *t)
{
    if (t->kind != TK_IDENT)
        return NULL;
    switch (t->kw) {
    case KW_INSERT:
        return "INSERT";
    case KW_UPDATE:
        return "UPDATE";
    case KW_DELETE:
        return "DELETE";
    case KW_MERGE:
        return "MERGE";
    case KW_UPSERT:
        return "UPSERT";
    case KW_CREATE:
        return "CREATE";
    case KW_ALTER:
        return "ALTER";
    case KW_DROP:
        return "DROP";
    case KW_TRUNCATE:
        return "TRUNCATE";
    case KW_GRANT:
        return "GRANT";
    case KW_REVOKE:
        return "REVOKE";
    case KW_COPY:
        return "COPY";
    case KW_CALL:
        return "CALL";
    case KW_SET:
        return "SET";
    case KW_BEGIN:
        return "BEGIN (transaction control)";
    case KW_START:
        return "START TRANSACTION (transaction control)";
    case KW_COMMIT:
        return "COMMIT (transaction control)";
    case KW_ROLLBACK:
        return "ROLLBACK (transaction control)";
    default:
        break;
    }
    static const char *const others[] = {"replace", "upsert",    "use",     "show",    "describe",
                                         "analyze", "vacuum",    "lock",    "execute", "prepare",
                                         "end",     "savepoint", "release", "do",      "load"};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
        if (strcasecmp(t->text, others[i]) == 0)
            return others[i];
    return NULL;
}

static void refuse_statement(parser *p, const char *what)
{
    char up[64];
    snprintf(up, sizeof up, "%s", what);
    for (char *c = up; *c && *c != ' '; c++)
        *c = (char)toupper((unsigned char)*c);
    /* SHOW TABLES and DESCRIBE t have tools of their own. */
    bool meta = strcasecmp(what, "show") == 0 || strcasecmp(what, "describe") == 0;
    fail(p,
         "%s statements are not allowed: ddbsql is read-only and accepts only one SELECT "
         "(or WITH ... SELECT) query%s",
         up,
         meta ? "; to list tables or see a table's keys, indexes and columns, use the list_tables "
                "and describe_table tools"
              : "");
}

static sql_stmt *parse_statement(parser *p)
{
    sql_stmt *st = alloc(p, sizeof *st);
    if (!st)
        return NULL;
    if (accept_kw(p, KW_EXPLAIN, NULL))
        st->explain = true;
    const char *what = refused_statement(cur(p));
    if (what) {
        refuse_statement(p, what);
        return NULL;
    }
    if (cur(p)->kind == TK_EOF || (cur(p)->kind == TK_SEMI && !st->explain)) {
        if (!st->explain)
            return fail(p, "the SQL text is empty; write a SELECT query");
    }
    if (!starts_query(p, 0) && cur(p)->kind != TK_LPAREN) {
        note(p, "SELECT");
        note(p, "WITH");
        if (!st->explain)
            note(p, "EXPLAIN");
        if (is_kw(p, KW_VALUES) || is_kw(p, KW_TABLE)) {
            fail(p, "%s statements are not supported; use SELECT * FROM ...",
                 sql_kw_name(cur(p)->kw));
            return NULL;
        }
        return unexpected(p);
    }
    if (!(st->query = parse_query(p)))
        return NULL;
    if (accept(p, TK_SEMI)) {
        if (cur(p)->kind != TK_EOF) {
            const char *second = refused_statement(cur(p));
            if (!second && cur(p)->kind == TK_IDENT)
                second = cur(p)->text;
            if (second) {
                char up[64];
                snprintf(up, sizeof up, "%s", second);
                for (char *c = up; *c && *c != ' '; c++)
                    *c = (char)toupper((unsigned char)*c);
                char *note_start = strstr(up, " (");
                if (note_start) /* "COMMIT (transaction control)": the name is enough here */
                    *note_start = '\0';
                return fail(p,
                            "only one statement is allowed, and a second one (%s) follows the "
                            "';'; ddbsql accepts only one SELECT (or WITH ... SELECT) query",
                            up);
            }
            return fail(p, "only one statement is allowed, but more text follows the ';'; "
                           "ddbsql accepts only one SELECT (or WITH ... SELECT) query");
        }
        return st;
    }
    if (cur(p)->kind != TK_EOF) {
        note(p, "the end of the statement");
        if (is_kw(p, KW_ILIKE) || is_kw(p, KW_SIMILAR)) /* after a select alias */
            return fail(p, "ILIKE is not supported; use LOWER(x) LIKE LOWER(pattern)");
        return unexpected(p);
    }
    return st;
}

/* After a lexer error: a write, DDL or transaction statement is still
 * refused as such (PartiQL's INSERT INTO t VALUE {...} stops the lexer at
 * '{'), since that it is not a read is what the caller must learn. toks
 * holds the tokens lexed before the error. */
static void refuse_unlexable(const sql_tokens *toks, sql_error *err)
{
    size_t i = 0;
    if (toks->n > 0 && toks->v[0].kind == TK_IDENT && toks->v[0].kw == KW_EXPLAIN)
        i = 1;
    const char *what = i < toks->n ? refused_statement(&toks->v[i]) : NULL;
    if (!what)
        return;
    parser p;
    memset(&p, 0, sizeof p);
    p.tok = toks->v;
    p.ntok = toks->n;
    p.pos = i;
    p.err = err;
    refuse_statement(&p, what);
}

sql_stmt *sql_parse(const char *sql, size_t len, sql_arena *arena, sql_error *err)
{
    if (len > SQL_MAX_TEXT) {
        sql_error_set(err, 0, 0, 0,
                      "the SQL text is too long: %zu bytes (the limit is %d bytes, 1 MiB)", len,
                      SQL_MAX_TEXT);
        return NULL;
    }
    sql_tokens toks;
    if (!sql_lex(sql, len, arena, &toks, err)) {
        refuse_unlexable(&toks, err);
        return NULL;
    }
    parser p;
    memset(&p, 0, sizeof p);
    p.tok = toks.v;
    p.ntok = toks.n;
    p.arena = arena;
    p.err = err;
    p.match = sql_arena_alloc(arena, toks.n * sizeof *p.match);
    if (!p.match) {
        sql_error_set(err, 1, 1, 0, "the statement is too large to parse (memory limit)");
        return NULL;
    }
    size_t *stack = xmallocarray(toks.n, sizeof *stack);
    size_t top = 0;
    for (size_t i = 0; i < toks.n; i++) {
        p.match[i] = SIZE_MAX;
        if (toks.v[i].kind == TK_LPAREN)
            stack[top++] = i;
        else if (toks.v[i].kind == TK_RPAREN && top > 0)
            p.match[stack[--top]] = i;
    }
    free(stack);
    p.exp_at = (size_t)-1;
    p.alias_at = (size_t)-1;
    sql_stmt *st = parse_statement(&p);
    return p.failed ? NULL : st;
}
