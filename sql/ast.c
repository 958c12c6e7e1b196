#include "sql/ast.h"

const char *sql_op_text(sql_op op)
{
    switch (op) {
    case SQL_OP_NONE:
        return "?";
    case SQL_OP_OR:
        return "OR";
    case SQL_OP_AND:
        return "AND";
    case SQL_OP_NOT:
        return "NOT";
    case SQL_OP_EQ:
        return "=";
    case SQL_OP_NE:
        return "<>";
    case SQL_OP_LT:
        return "<";
    case SQL_OP_LE:
        return "<=";
    case SQL_OP_GT:
        return ">";
    case SQL_OP_GE:
        return ">=";
    case SQL_OP_CONCAT:
        return "||";
    case SQL_OP_BITOR:
        return "|";
    case SQL_OP_BITAND:
        return "&";
    case SQL_OP_BITXOR:
        return "^";
    case SQL_OP_SHL:
        return "<<";
    case SQL_OP_SHR:
        return ">>";
    case SQL_OP_ADD:
    case SQL_OP_PLUS:
        return "+";
    case SQL_OP_SUB:
    case SQL_OP_NEG:
        return "-";
    case SQL_OP_MUL:
        return "*";
    case SQL_OP_DIV:
        return "/";
    case SQL_OP_MOD:
        return "%";
    case SQL_OP_BITNOT:
        return "~";
    }
    return "?";
}
