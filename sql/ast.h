/* The parsed form of one statement. Every node lives in the parser's arena
 * and carries the line and column where it starts, so later stages (binder,
 * planner) can report errors at the right place. Names keep the case they
 * were written in, and whether they were double-quoted, because matching
 * DynamoDB attribute names depends on both. */
#ifndef DDBSQL_SQL_AST_H
#define DDBSQL_SQL_AST_H

#include <stdbool.h>
#include <stddef.h>

typedef struct sql_pos {
    int line;
    int column;
    size_t offset;
} sql_pos;

/* A name as written. */
typedef struct sql_name {
    const char *text;
    bool quoted;
} sql_name;

typedef struct sql_name_list {
    sql_name *v;
    size_t n;
} sql_name_list;

typedef struct sql_expr sql_expr;
typedef struct sql_query sql_query;
typedef struct sql_table_ref sql_table_ref;

typedef struct sql_expr_list {
    sql_expr **v;
    size_t n;
} sql_expr_list;

typedef enum sql_expr_kind {
    SQL_E_NUMBER,   /* text: exact source text */
    SQL_E_STRING,   /* text (may hold no NUL) */
    SQL_E_BOOL,     /* bval */
    SQL_E_NULL,     /* NULL literal */
    SQL_E_COLUMN,   /* path: dotted names and [index] steps, for the binder */
    SQL_E_UNARY,    /* op: SQL_OP_NEG, SQL_OP_PLUS, SQL_OP_BITNOT, SQL_OP_NOT; left */
    SQL_E_BINARY,   /* op; left, right */
    SQL_E_IS_NULL,  /* left IS [NOT] NULL (negated) */
    SQL_E_BETWEEN,  /* left [NOT] BETWEEN right AND third */
    SQL_E_IN_LIST,  /* left [NOT] IN (list) */
    SQL_E_IN_QUERY, /* left [NOT] IN (query) */
    SQL_E_LIKE,     /* left [NOT] LIKE right [ESCAPE third] */
    SQL_E_EXISTS,   /* EXISTS (query) */
    SQL_E_SUBQUERY, /* (query), scalar */
    SQL_E_CASE,     /* CASE [left] WHEN list[i] THEN list2[i] ... [ELSE right] END */
    SQL_E_CAST,     /* CAST(left AS type) */
    SQL_E_EXTRACT,  /* EXTRACT(field FROM left); field upper-cased */
    SQL_E_TRIM,     /* TRIM([trim_where] [right] FROM left) */
    SQL_E_FUNC,     /* name(list) [OVER (...)], COUNT(*), COUNT(DISTINCT x),
                       POSITION, SUBSTRING, CURRENT_DATE, CURRENT_TIMESTAMP */
} sql_expr_kind;

typedef enum sql_op {
    SQL_OP_NONE,
    SQL_OP_OR,
    SQL_OP_AND,
    SQL_OP_NOT,
    SQL_OP_EQ,
    SQL_OP_NE,
    SQL_OP_LT,
    SQL_OP_LE,
    SQL_OP_GT,
    SQL_OP_GE,
    SQL_OP_CONCAT,
    SQL_OP_BITOR,
    SQL_OP_BITAND,
    SQL_OP_BITXOR,
    SQL_OP_SHL,
    SQL_OP_SHR,
    SQL_OP_ADD,
    SQL_OP_SUB,
    SQL_OP_MUL,
    SQL_OP_DIV,
    SQL_OP_MOD,
    SQL_OP_NEG,
    SQL_OP_PLUS,
    SQL_OP_BITNOT,
} sql_op;

/* One step of a column path: a name, or an [index] into a list. */
typedef struct sql_path_step {
    sql_name name;   /* when !is_index */
    long long index; /* when is_index */
    bool is_index;
} sql_path_step;

typedef struct sql_path {
    sql_path_step *v;
    size_t n;
} sql_path;

typedef enum sql_type_kind {
    SQL_T_TEXT,
    SQL_T_INTEGER,
    SQL_T_BIGINT,
    SQL_T_DECIMAL,
    SQL_T_DOUBLE,
    SQL_T_REAL,
    SQL_T_BOOLEAN,
} sql_type_kind;

typedef struct sql_type {
    sql_type_kind kind;
    const char *spelled; /* as written, upper-cased: "VARCHAR", "NUMERIC" */
    int precision;       /* -1 when absent; VARCHAR(n) length */
    int scale;           /* -1 when absent */
} sql_type;

typedef enum sql_trim_where { SQL_TRIM_BOTH, SQL_TRIM_LEADING, SQL_TRIM_TRAILING } sql_trim_where;

typedef struct sql_order_item {
    sql_expr *expr;
    bool desc;
} sql_order_item;

typedef struct sql_order_list {
    sql_order_item *v;
    size_t n;
} sql_order_list;

typedef struct sql_window {
    sql_expr_list partition_by;
    sql_order_list order_by;
} sql_window;

struct sql_expr {
    sql_expr_kind kind;
    sql_pos pos;
    sql_op op;
    bool negated;
    bool bval;
    const char *text; /* number/string literal; EXTRACT field */
    size_t text_len;
    sql_path path; /* SQL_E_COLUMN */
    sql_expr *left;
    sql_expr *right;
    sql_expr *third;
    sql_expr_list list;  /* IN list, function args, CASE WHEN conditions */
    sql_expr_list list2; /* CASE THEN results */
    sql_query *query;    /* IN/EXISTS/scalar subquery */
    sql_type type;       /* CAST */
    sql_trim_where trim_where;
    /* SQL_E_FUNC */
    const char *func; /* upper-cased name */
    bool func_quoted; /* the name was written "quoted" (kept in func as is) */
    bool star;        /* COUNT(*) */
    bool distinct;    /* COUNT(DISTINCT x) */
    sql_window *over; /* NULL unless a window call */
    int height;       /* of this subtree, subqueries included (bounded) */
};

typedef enum sql_select_item_kind {
    SQL_ITEM_EXPR,  /* expr [AS alias] */
    SQL_ITEM_STAR,  /* * */
    SQL_ITEM_QSTAR, /* qualifier.* */
} sql_select_item_kind;

typedef struct sql_select_item {
    sql_select_item_kind kind;
    sql_pos pos;
    sql_expr *expr;
    sql_name alias;          /* text NULL when none */
    sql_name_list qualifier; /* t.* or s.t.* */
} sql_select_item;

typedef enum sql_join_kind {
    SQL_JOIN_INNER,
    SQL_JOIN_LEFT,
    SQL_JOIN_RIGHT,
    SQL_JOIN_FULL,
    SQL_JOIN_CROSS,
    SQL_JOIN_COMMA, /* FROM a, b */
} sql_join_kind;

typedef enum sql_table_ref_kind {
    SQL_TR_TABLE,    /* [schema.]name */
    SQL_TR_SUBQUERY, /* (query) alias [(cols)] */
    SQL_TR_VALUES,   /* (VALUES (...), ...) alias [(cols)] */
    SQL_TR_JOIN,
} sql_table_ref_kind;

struct sql_table_ref {
    sql_table_ref_kind kind;
    sql_pos pos;
    sql_name schema; /* text NULL when unqualified */
    sql_name name;
    sql_name alias;          /* text NULL when none */
    sql_name_list col_alias; /* alias(a, b, ...) */
    sql_query *query;
    sql_expr_list *rows; /* VALUES rows */
    size_t nrows;
    sql_join_kind join;
    sql_table_ref *left;
    sql_table_ref *right;
    sql_expr *on;
    sql_name_list using_cols;
    bool has_using;
};

typedef struct sql_select {
    sql_pos pos;
    bool distinct;
    bool all; /* SELECT ALL written explicitly */
    sql_select_item *items;
    size_t nitems;
    sql_table_ref *from; /* NULL without FROM */
    sql_expr *where;
    sql_expr_list group_by;
    sql_expr *having;
} sql_select;

typedef enum sql_body_kind {
    SQL_BODY_SELECT,
    SQL_BODY_SETOP,
    SQL_BODY_QUERY, /* a parenthesised query, possibly with its own ORDER BY/LIMIT */
} sql_body_kind;

typedef enum sql_setop { SQL_UNION, SQL_INTERSECT, SQL_EXCEPT } sql_setop;

typedef struct sql_body sql_body;
struct sql_body {
    sql_body_kind kind;
    sql_pos pos;
    sql_select *select;
    sql_setop op;
    bool all;
    sql_body *left;
    sql_body *right;
    sql_query *query;
};

typedef struct sql_cte {
    sql_pos pos;
    sql_name name;
    sql_name_list columns;
    sql_query *query;
} sql_cte;

struct sql_query {
    sql_pos pos;
    sql_cte *ctes;
    size_t nctes;
    sql_body *body;
    sql_order_list order_by;
    bool has_limit;
    long long limit;
    bool has_offset;
    long long offset;
};

typedef struct sql_stmt {
    bool explain;
    sql_query *query;
} sql_stmt;

const char *sql_op_text(sql_op op);

#endif
