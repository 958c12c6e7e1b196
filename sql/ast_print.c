#include "sql/ast_print.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "sql/limits.h"

static bool print_table_ref(buf_t *b, const sql_table_ref *r);
static bool print_operand(buf_t *b, const sql_body *body);

/* Unquoted names print as written; quoted ones in "..." with "" escapes. */
bool sql_print_name(buf_t *b, const sql_name *n)
{
    if (!n->quoted)
        return buf_puts(b, n->text);
    if (!buf_putc(b, '"'))
        return false;
    for (const char *s = n->text; *s; s++)
        if ((*s == '"' && !buf_putc(b, '"')) || !buf_putc(b, *s))
            return false;
    return buf_putc(b, '"');
}

static bool print_string(buf_t *b, const char *s, size_t n)
{
    if (!buf_putc(b, '\''))
        return false;
    for (size_t i = 0; i < n; i++)
        if ((s[i] == '\'' && !buf_putc(b, '\'')) || !buf_putc(b, s[i]))
            return false;
    return buf_putc(b, '\'');
}

static bool print_list(buf_t *b, const sql_expr_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        if ((i && !buf_puts(b, ", ")) || !sql_print_expr(b, l->v[i]))
            return false;
    return true;
}

static bool print_names(buf_t *b, const sql_name_list *l)
{
    if (!buf_putc(b, '('))
        return false;
    for (size_t i = 0; i < l->n; i++)
        if ((i && !buf_puts(b, ", ")) || !sql_print_name(b, &l->v[i]))
            return false;
    return buf_putc(b, ')');
}

static bool print_order(buf_t *b, const sql_order_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        if ((i && !buf_puts(b, ", ")) || !sql_print_expr(b, l->v[i].expr) ||
            !buf_puts(b, l->v[i].desc ? " DESC" : " ASC"))
            return false;
    return true;
}

static bool print_type(buf_t *b, const sql_type *t)
{
    if (!buf_puts(b, t->spelled))
        return false;
    if (t->precision >= 0) {
        if (t->scale >= 0)
            return buf_printf(b, "(%d, %d)", t->precision, t->scale);
        return buf_printf(b, "(%d)", t->precision);
    }
    return true;
}

static bool print_func(buf_t *b, const sql_expr *e)
{
    if (e->func_quoted) {
        sql_name n = {e->func, true};
        if (!sql_print_name(b, &n))
            return false;
    } else if (!buf_puts(b, e->func)) {
        return false;
    }
    if (strcmp(e->func, "POSITION") == 0 && !e->func_quoted && e->list.n == 2)
        return buf_putc(b, '(') && sql_print_expr(b, e->list.v[0]) && buf_puts(b, " IN ") &&
               sql_print_expr(b, e->list.v[1]) && buf_putc(b, ')');
    if ((strcmp(e->func, "CURRENT_DATE") == 0 || strcmp(e->func, "CURRENT_TIMESTAMP") == 0) &&
        !e->func_quoted && e->list.n == 0 && !e->star)
        return true;
    if (!buf_putc(b, '('))
        return false;
    if (e->star && !buf_putc(b, '*'))
        return false;
    if (e->distinct && !buf_puts(b, "DISTINCT "))
        return false;
    if (!print_list(b, &e->list) || !buf_putc(b, ')'))
        return false;
    if (!e->over)
        return true;
    if (!buf_puts(b, " OVER ("))
        return false;
    bool sp = false;
    if (e->over->partition_by.n) {
        if (!buf_puts(b, "PARTITION BY ") || !print_list(b, &e->over->partition_by))
            return false;
        sp = true;
    }
    if (e->over->order_by.n) {
        if ((sp && !buf_putc(b, ' ')) || !buf_puts(b, "ORDER BY ") ||
            !print_order(b, &e->over->order_by))
            return false;
    }
    return buf_putc(b, ')');
}

bool sql_print_expr(buf_t *b, const sql_expr *e)
{
    switch (e->kind) {
    case SQL_E_NUMBER:
        return buf_puts(b, e->text);
    case SQL_E_STRING:
        return print_string(b, e->text, e->text_len);
    case SQL_E_BOOL:
        return buf_puts(b, e->bval ? "TRUE" : "FALSE");
    case SQL_E_NULL:
        return buf_puts(b, "NULL");
    case SQL_E_COLUMN:
        for (size_t i = 0; i < e->path.n; i++) {
            const sql_path_step *s = &e->path.v[i];
            if (s->is_index) {
                if (!buf_printf(b, "[%lld]", s->index))
                    return false;
            } else if ((i && !buf_putc(b, '.')) || !sql_print_name(b, &s->name)) {
                return false;
            }
        }
        return true;
    case SQL_E_UNARY:
        return buf_putc(b, '(') && buf_puts(b, sql_op_text(e->op)) &&
               buf_puts(b, e->op == SQL_OP_NOT ? " " : "") && sql_print_expr(b, e->left) &&
               buf_putc(b, ')');
    case SQL_E_BINARY:
        return buf_putc(b, '(') && sql_print_expr(b, e->left) && buf_putc(b, ' ') &&
               buf_puts(b, sql_op_text(e->op)) && buf_putc(b, ' ') && sql_print_expr(b, e->right) &&
               buf_putc(b, ')');
    case SQL_E_IS_NULL:
        return buf_putc(b, '(') && sql_print_expr(b, e->left) &&
               buf_puts(b, e->negated ? " IS NOT NULL)" : " IS NULL)");
    case SQL_E_BETWEEN:
        return buf_putc(b, '(') && sql_print_expr(b, e->left) &&
               buf_puts(b, e->negated ? " NOT BETWEEN " : " BETWEEN ") &&
               sql_print_expr(b, e->right) && buf_puts(b, " AND ") && sql_print_expr(b, e->third) &&
               buf_putc(b, ')');
    case SQL_E_IN_LIST:
        return buf_putc(b, '(') && sql_print_expr(b, e->left) &&
               buf_puts(b, e->negated ? " NOT IN (" : " IN (") && print_list(b, &e->list) &&
               buf_puts(b, "))");
    case SQL_E_IN_QUERY:
        return buf_putc(b, '(') && sql_print_expr(b, e->left) &&
               buf_puts(b, e->negated ? " NOT IN (" : " IN (") && sql_print_query(b, e->query) &&
               buf_puts(b, "))");
    case SQL_E_LIKE:
        if (!buf_putc(b, '(') || !sql_print_expr(b, e->left) ||
            !buf_puts(b, e->negated ? " NOT LIKE " : " LIKE ") || !sql_print_expr(b, e->right))
            return false;
        if (e->third && (!buf_puts(b, " ESCAPE ") || !sql_print_expr(b, e->third)))
            return false;
        return buf_putc(b, ')');
    case SQL_E_EXISTS:
        return buf_puts(b, "EXISTS (") && sql_print_query(b, e->query) && buf_putc(b, ')');
    case SQL_E_SUBQUERY:
        return buf_putc(b, '(') && sql_print_query(b, e->query) && buf_putc(b, ')');
    case SQL_E_CASE:
        if (!buf_puts(b, "CASE"))
            return false;
        if (e->left && (!buf_putc(b, ' ') || !sql_print_expr(b, e->left)))
            return false;
        for (size_t i = 0; i < e->list.n; i++)
            if (!buf_puts(b, " WHEN ") || !sql_print_expr(b, e->list.v[i]) ||
                !buf_puts(b, " THEN ") || !sql_print_expr(b, e->list2.v[i]))
                return false;
        if (e->right && (!buf_puts(b, " ELSE ") || !sql_print_expr(b, e->right)))
            return false;
        return buf_puts(b, " END");
    case SQL_E_CAST:
        return buf_puts(b, "CAST(") && sql_print_expr(b, e->left) && buf_puts(b, " AS ") &&
               print_type(b, &e->type) && buf_putc(b, ')');
    case SQL_E_EXTRACT:
        return buf_puts(b, "EXTRACT(") && buf_puts(b, e->text) && buf_puts(b, " FROM ") &&
               sql_print_expr(b, e->left) && buf_putc(b, ')');
    case SQL_E_TRIM: {
        static const char *const where[] = {"BOTH", "LEADING", "TRAILING"};
        if (!buf_puts(b, "TRIM(") || !buf_puts(b, where[e->trim_where]) || !buf_putc(b, ' '))
            return false;
        if (e->right && (!sql_print_expr(b, e->right) || !buf_putc(b, ' ')))
            return false;
        return buf_puts(b, "FROM ") && sql_print_expr(b, e->left) && buf_putc(b, ')');
    }
    case SQL_E_FUNC:
        return print_func(b, e);
    }
    return false;
}

static bool print_alias(buf_t *b, const sql_name *alias)
{
    if (!alias->text)
        return true;
    return buf_puts(b, " AS ") && sql_print_name(b, alias);
}

static bool print_table_ref(buf_t *b, const sql_table_ref *r)
{
    static const char *const joins[] = {"INNER JOIN", "LEFT JOIN",  "RIGHT JOIN",
                                        "FULL JOIN",  "CROSS JOIN", ","};
    switch (r->kind) {
    case SQL_TR_TABLE:
        if (r->schema.text && (!sql_print_name(b, &r->schema) || !buf_putc(b, '.')))
            return false;
        return sql_print_name(b, &r->name) && print_alias(b, &r->alias);
    case SQL_TR_SUBQUERY:
        if (!buf_putc(b, '(') || !sql_print_query(b, r->query) || !buf_putc(b, ')') ||
            !print_alias(b, &r->alias))
            return false;
        break;
    case SQL_TR_VALUES:
        if (!buf_puts(b, "(VALUES "))
            return false;
        for (size_t i = 0; i < r->nrows; i++)
            if ((i && !buf_puts(b, ", ")) || !buf_putc(b, '(') || !print_list(b, &r->rows[i]) ||
                !buf_putc(b, ')'))
                return false;
        if (!buf_putc(b, ')') || !print_alias(b, &r->alias))
            return false;
        break;
    case SQL_TR_JOIN:
        if (!buf_putc(b, '(') || !print_table_ref(b, r->left) ||
            !buf_puts(b, r->join == SQL_JOIN_COMMA ? "" : " ") || !buf_puts(b, joins[r->join]) ||
            !buf_putc(b, ' ') || !print_table_ref(b, r->right))
            return false;
        if (r->on && (!buf_puts(b, " ON ") || !sql_print_expr(b, r->on)))
            return false;
        if (r->has_using && (!buf_puts(b, " USING ") || !print_names(b, &r->using_cols)))
            return false;
        return buf_putc(b, ')');
    }
    if (r->col_alias.n && (!buf_putc(b, ' ') || !print_names(b, &r->col_alias)))
        return false;
    return true;
}

static bool print_select(buf_t *b, const sql_select *s)
{
    if (!buf_puts(b, s->distinct ? "SELECT DISTINCT " : "SELECT "))
        return false;
    for (size_t i = 0; i < s->nitems; i++) {
        const sql_select_item *it = &s->items[i];
        if (i && !buf_puts(b, ", "))
            return false;
        switch (it->kind) {
        case SQL_ITEM_STAR:
            if (!buf_putc(b, '*'))
                return false;
            break;
        case SQL_ITEM_QSTAR:
            for (size_t k = 0; k < it->qualifier.n; k++)
                if (!sql_print_name(b, &it->qualifier.v[k]) || !buf_putc(b, '.'))
                    return false;
            if (!buf_putc(b, '*'))
                return false;
            break;
        case SQL_ITEM_EXPR:
            if (!sql_print_expr(b, it->expr) || !print_alias(b, &it->alias))
                return false;
            break;
        }
    }
    if (s->from && (!buf_puts(b, " FROM ") || !print_table_ref(b, s->from)))
        return false;
    if (s->where && (!buf_puts(b, " WHERE ") || !sql_print_expr(b, s->where)))
        return false;
    if (s->group_by.n && (!buf_puts(b, " GROUP BY ") || !print_list(b, &s->group_by)))
        return false;
    if (s->having && (!buf_puts(b, " HAVING ") || !sql_print_expr(b, s->having)))
        return false;
    return true;
}

static bool print_body(buf_t *b, const sql_body *body)
{
    static const char *const ops[] = {"UNION", "INTERSECT", "EXCEPT"};
    switch (body->kind) {
    case SQL_BODY_SELECT:
        return print_select(b, body->select);
    case SQL_BODY_QUERY:
        return buf_putc(b, '(') && sql_print_query(b, body->query) && buf_putc(b, ')');
    case SQL_BODY_SETOP:
        return print_operand(b, body->left) && buf_putc(b, ' ') && buf_puts(b, ops[body->op]) &&
               buf_puts(b, body->all ? " ALL " : " ") && print_operand(b, body->right);
    }
    return false;
}

/* A set operation inside another is parenthesised, so grouping is explicit. */
static bool print_operand(buf_t *b, const sql_body *body)
{
    if (body->kind != SQL_BODY_SETOP)
        return print_body(b, body);
    return buf_putc(b, '(') && print_body(b, body) && buf_putc(b, ')');
}

bool sql_print_query(buf_t *b, const sql_query *q)
{
    if (q->nctes) {
        if (!buf_puts(b, "WITH "))
            return false;
        for (size_t i = 0; i < q->nctes; i++) {
            const sql_cte *c = &q->ctes[i];
            if ((i && !buf_puts(b, ", ")) || !sql_print_name(b, &c->name))
                return false;
            if (c->columns.n && (!buf_putc(b, ' ') || !print_names(b, &c->columns)))
                return false;
            if (!buf_puts(b, " AS (") || !sql_print_query(b, c->query) || !buf_putc(b, ')'))
                return false;
        }
        if (!buf_putc(b, ' '))
            return false;
    }
    if (!print_body(b, q->body))
        return false;
    if (q->order_by.n && (!buf_puts(b, " ORDER BY ") || !print_order(b, &q->order_by)))
        return false;
    if (q->has_limit && !buf_printf(b, " LIMIT %lld", q->limit))
        return false;
    if (q->has_offset && !buf_printf(b, " OFFSET %lld", q->offset))
        return false;
    return true;
}

bool sql_print_stmt(buf_t *b, const sql_stmt *st)
{
    return (!st->explain || buf_puts(b, "EXPLAIN ")) && sql_print_query(b, st->query);
}

char *sql_stmt_to_string(const sql_stmt *st)
{
    buf_t b = BUF_INIT((size_t)SQL_MAX_TEXT * 8);
    if (!sql_print_stmt(&b, st)) {
        buf_free(&b);
        return NULL;
    }
    return buf_steal(&b);
}
