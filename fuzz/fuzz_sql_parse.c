/* libFuzzer target: the SQL lexer and parser. Any input must either parse
 * or fail with an error message, never crash, hang or leak; and a parsed
 * statement's canonical print must parse back to the same print. */
#include "core/base/buf.h"
#include "sql/arena.h"
#include "sql/ast_print.h"
#include "sql/limits.h"
#include "sql/parser.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *print(const char *sql, size_t len, bool *ok)
{
    sql_arena arena;
    sql_arena_init(&arena, SQL_MAX_ARENA);
    sql_error err;
    sql_stmt *st = sql_parse(sql, len, &arena, &err);
    char *out = NULL;
    *ok = st != NULL;
    if (st) {
        buf_t b = BUF_INIT(64u << 20);
        if (sql_print_stmt(&b, st))
            out = buf_steal(&b);
        buf_free(&b);
    } else if (err.message[0] == '\0') {
        fprintf(stderr, "parse error without a message\n");
        abort();
    }
    sql_arena_free(&arena);
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bool ok;
    char *first = print((const char *)data, size, &ok);
    if (first) {
        /* Near the depth limit the printer's parentheses may push a
         * re-parse over it; only two successful prints must agree. */
        bool ok2;
        char *second = print(first, strlen(first), &ok2);
        if (second && strcmp(first, second) != 0) {
            fprintf(stderr, "round trip differs:\n%s\n%s\n", first, second);
            abort();
        }
        free(second);
    }
    free(first);
    return 0;
}
