/* Parser tests: the golden files in tests/sql/parse (NAME.sql parses to the
 * canonical print in NAME.ast, or fails with the error in NAME.err), a
 * round trip of every canonical print, and the size and depth limits on
 * generated input too large to keep as files.
 *
 * SQL_GOLDEN_BLESS=1 writes the missing expected file of a new case (review
 * it before committing). */
#include "sql/parser.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"
#include "sql/ast_print.h"
#include "sql/limits.h"

#define GOLDEN_DIR "tests/sql/parse"

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *s = xmalloc(cap);
    size_t r;
    while ((r = fread(s + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (cap - n - 1 == 0) {
            cap *= 2;
            s = xrealloc(s, cap);
        }
    }
    fclose(f);
    s[n] = '\0';
    *len = n;
    return s;
}

static void chomp(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = '\0';
}

/* Parses sql; returns the canonical print or "ERROR: <formatted error>". */
static char *parse_to_text(const char *sql, size_t len)
{
    sql_arena a;
    sql_error err;
    sql_arena_init(&a, SQL_MAX_ARENA);
    sql_stmt *st = sql_parse(sql, len, &a, &err);
    char *out;
    if (st) {
        out = sql_stmt_to_string(st);
        assert_non_null(out);
    } else {
        char msg[700];
        sql_error_format(&err, msg, sizeof msg);
        out = xmalloc(strlen(msg) + 8);
        sprintf(out, "ERROR: %s", msg);
    }
    sql_arena_free(&a);
    return out;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_golden_files(void **state)
{
    (void)state;
    DIR *d = opendir(GOLDEN_DIR);
    assert_non_null(d);
    char *names[2048];
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t l = strlen(de->d_name);
        if (l > 4 && strcmp(de->d_name + l - 4, ".sql") == 0 && n < 2048)
            names[n++] = xstrndup(de->d_name, l - 4);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    int failures = 0, nast = 0, nerr = 0;
    bool bless = getenv("SQL_GOLDEN_BLESS") != NULL;
    for (size_t i = 0; i < n; i++) {
        char path[512];
        size_t len, elen;
        snprintf(path, sizeof path, "%s/%s.sql", GOLDEN_DIR, names[i]);
        char *sql = read_file(path, &len);
        assert_non_null(sql);
        char *got = parse_to_text(sql, len);
        snprintf(path, sizeof path, "%s/%s.ast", GOLDEN_DIR, names[i]);
        char *want = read_file(path, &elen);
        bool is_err = false;
        if (!want) {
            snprintf(path, sizeof path, "%s/%s.err", GOLDEN_DIR, names[i]);
            want = read_file(path, &elen);
            is_err = true;
        }
        if (!want && bless) {
            bool e = strncmp(got, "ERROR: ", 7) == 0;
            snprintf(path, sizeof path, "%s/%s.%s", GOLDEN_DIR, names[i], e ? "err" : "ast");
            FILE *f = fopen(path, "w");
            assert_non_null(f);
            fprintf(f, "%s\n", e ? got + 7 : got);
            fclose(f);
            printf("# blessed %s\n", path);
        } else if (!want) {
            printf("# %s: no .ast or .err file\n", names[i]);
            failures++;
        } else {
            chomp(want);
            const char *cmp = got;
            if (is_err) {
                if (strncmp(got, "ERROR: ", 7) != 0) {
                    printf("# %s: expected an error, got: %s\n", names[i], got);
                    failures++;
                    goto next;
                }
                cmp = got + 7;
                nerr++;
            } else {
                nast++;
            }
            if (strcmp(cmp, want) != 0) {
                printf("# %s:\n#  want: %s\n#  got:  %s\n", names[i], want, cmp);
                failures++;
            } else if (!is_err) {
                /* The canonical print is valid SQL that prints the same. */
                char *again = parse_to_text(got, strlen(got));
                if (strcmp(again, got) != 0) {
                    printf("# %s: the canonical print does not round-trip:\n#  %s\n#  %s\n",
                           names[i], got, again);
                    failures++;
                }
                free(again);
            }
        }
    next:
        free(want);
        free(got);
        free(sql);
        free(names[i]);
    }
    printf("# %zu golden cases: %d parse, %d errors, %d failures\n", n, nast, nerr, failures);
    assert_true(n >= 120);
    assert_int_equal(failures, 0);
}

static void expect_error(const char *sql, size_t len, const char *want_substr, int line, int col)
{
    sql_arena a;
    sql_error err;
    sql_arena_init(&a, SQL_MAX_ARENA);
    sql_stmt *st = sql_parse(sql, len, &a, &err);
    assert_null(st);
    if (!strstr(err.message, want_substr))
        fail_msg("error '%s' lacks '%s'", err.message, want_substr);
    assert_int_equal(err.line, line);
    assert_int_equal(err.column, col);
    sql_arena_free(&a);
}

static char *repeat(const char *head, const char *unit, size_t times, const char *tail)
{
    size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail);
    char *s = xmalloc(hl + ul * times + tl + 1);
    memcpy(s, head, hl);
    for (size_t i = 0; i < times; i++)
        memcpy(s + hl + i * ul, unit, ul);
    memcpy(s + hl + ul * times, tail, tl + 1);
    return s;
}

static void test_text_over_one_mib_is_refused_before_lexing(void **state)
{
    (void)state;
    size_t len = SQL_MAX_TEXT + 1;
    char *s = xmalloc(len + 1);
    memset(s, ' ', len);
    memcpy(s, "SELECT 1", 8);
    s[len - 1] = '\0'; /* a NUL would be an error too: the size check comes first */
    expect_error(s, len, "too long: 1048577 bytes (the limit is 1048576 bytes", 0, 0);
    /* Exactly 1 MiB is fine. */
    s[len - 1] = ' ';
    sql_arena a;
    sql_error err;
    sql_arena_init(&a, SQL_MAX_ARENA);
    assert_non_null(sql_parse(s, SQL_MAX_TEXT, &a, &err));
    sql_arena_free(&a);
    free(s);
}

static void test_deep_parentheses_are_refused(void **state)
{
    (void)state;
    char *s = repeat("SELECT ", "(", 100000, "1");
    /* The select item is one level, so the 200th '(' is one too many. */
    expect_error(s, strlen(s), "nested too deeply (the limit is 200 levels)", 1, 7 + 200);
    free(s);
}

static void test_deep_not_and_minus_are_refused(void **state)
{
    (void)state;
    char *s = repeat("SELECT ", "NOT ", 100000, "TRUE");
    expect_error(s, strlen(s), "nested too deeply", 1, 8 + 4 * 199);
    free(s);
    s = repeat("SELECT ", "- ", 100000, "1");
    expect_error(s, strlen(s), "nested too deeply", 1, 8 + 2 * 199);
    free(s);
}

static void test_deep_subqueries_are_refused(void **state)
{
    (void)state;
    /* 60000 levels: deep, yet under the token limit, so the depth check is what fires. */
    char *s = repeat("SELECT * FROM ", "(SELECT * FROM ", 60000, "t");
    sql_arena a;
    sql_error err;
    sql_arena_init(&a, SQL_MAX_ARENA);
    assert_null(sql_parse(s, strlen(s), &a, &err));
    assert_non_null(strstr(err.message, "nested too deeply"));
    sql_arena_free(&a);
    free(s);
    s = repeat("SELECT ", "(SELECT ", 100000, "1");
    expect_error(s, strlen(s), "nested too deeply", 1, 8 + 8 * 99 + 1);
    free(s);
    s = repeat("SELECT 1 WHERE ", "EXISTS (SELECT 1 WHERE ", 40000, "TRUE");
    sql_arena_init(&a, SQL_MAX_ARENA);
    assert_null(sql_parse(s, strlen(s), &a, &err));
    assert_non_null(strstr(err.message, "nested too deeply"));
    sql_arena_free(&a);
    free(s);
}

static void test_just_under_the_depth_limit_parses(void **state)
{
    (void)state;
    /* 198 parentheses and the select item: 199 levels. */
    char *s = repeat("SELECT ", "(", 198, "1");
    char *t = repeat(s, ")", 198, "");
    sql_arena a;
    sql_error err;
    sql_arena_init(&a, SQL_MAX_ARENA);
    sql_stmt *st = sql_parse(t, strlen(t), &a, &err);
    if (!st)
        fail_msg("%s", err.message);
    sql_arena_free(&a);
    free(s);
    free(t);
}

static void test_long_operator_chains_are_bounded(void **state)
{
    (void)state;
    /* Iterative in the parser but a tall tree for later walks: capped. */
    char *s = repeat("SELECT 1", " + 1", 100000, "");
    sql_arena a;
    sql_error err;
    sql_arena_init(&a, SQL_MAX_ARENA);
    assert_null(sql_parse(s, strlen(s), &a, &err));
    assert_non_null(strstr(err.message, "too long or nested too deeply"));
    sql_arena_free(&a);
    free(s);
    s = repeat("SELECT 1", " + 1", 1000, "");
    sql_arena_init(&a, SQL_MAX_ARENA);
    assert_non_null(sql_parse(s, strlen(s), &a, &err));
    sql_arena_free(&a);
    free(s);
}

static void test_in_list_limit(void **state)
{
    (void)state;
    char *s = repeat("SELECT 1 WHERE a IN (0", ", 1", SQL_MAX_IN_LIST - 1, ")");
    sql_arena a;
    sql_error err;
    sql_arena_init(&a, SQL_MAX_ARENA);
    sql_stmt *st = sql_parse(s, strlen(s), &a, &err);
    assert_non_null(st);
    assert_int_equal(st->query->body->select->where->list.n, SQL_MAX_IN_LIST);
    sql_arena_free(&a);
    free(s);
    s = repeat("SELECT 1 WHERE a IN (0", ", 1", SQL_MAX_IN_LIST, ")");
    expect_error(s, strlen(s), "the IN list has too many items (the limit is 10000)", 1,
                 (int)(22 + 3 * (SQL_MAX_IN_LIST - 1) + 3));
    free(s);
    s = repeat("SELECT 1 WHERE a IN (0", ", 1", 300000, ")");
    sql_arena_init(&a, SQL_MAX_ARENA);
    assert_null(sql_parse(s, strlen(s), &a, &err));
    assert_non_null(strstr(err.message, "too many"));
    sql_arena_free(&a);
    free(s);
}

static void test_ast_positions_and_names(void **state)
{
    (void)state;
    const char *sql = "SELECT t.\"Mixed\", b[3]\n  FROM s.tbl AS t\n WHERE x = 'it''s'";
    sql_arena a;
    sql_error err;
    sql_arena_init(&a, SQL_MAX_ARENA);
    sql_stmt *st = sql_parse(sql, strlen(sql), &a, &err);
    assert_non_null(st);
    sql_select *s = st->query->body->select;
    assert_int_equal(s->nitems, 2);
    sql_expr *c = s->items[0].expr;
    assert_int_equal(c->kind, SQL_E_COLUMN);
    assert_int_equal(c->path.n, 2);
    assert_string_equal(c->path.v[0].name.text, "t");
    assert_false(c->path.v[0].name.quoted);
    assert_string_equal(c->path.v[1].name.text, "Mixed");
    assert_true(c->path.v[1].name.quoted);
    assert_int_equal(c->pos.line, 1);
    assert_int_equal(c->pos.column, 8);
    sql_expr *b = s->items[1].expr;
    assert_int_equal(b->path.n, 2);
    assert_true(b->path.v[1].is_index);
    assert_int_equal(b->path.v[1].index, 3);
    assert_int_equal(s->from->kind, SQL_TR_TABLE);
    assert_string_equal(s->from->schema.text, "s");
    assert_string_equal(s->from->name.text, "tbl");
    assert_string_equal(s->from->alias.text, "t");
    assert_int_equal(s->from->pos.line, 2);
    assert_int_equal(s->from->pos.column, 8);
    assert_int_equal(s->where->pos.line, 3);
    assert_int_equal(s->where->pos.column, 10);
    assert_string_equal(s->where->right->text, "it's");
    sql_arena_free(&a);
}

static void test_arena_limit_fails_cleanly(void **state)
{
    (void)state;
    sql_arena a;
    sql_error err;
    sql_arena_init(&a, 4096);
    const char *sql = "SELECT a, b, c, d, e, f, g, h FROM t WHERE a = 1 AND b = 2 OR c IN (1, 2, "
                      "3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20)";
    assert_null(sql_parse(sql, strlen(sql), &a, &err));
    assert_non_null(strstr(err.message, "memory limit"));
    sql_arena_free(&a);
    /* And the arena itself refuses past its maximum. */
    sql_arena_init(&a, 100);
    assert_non_null(sql_arena_alloc(&a, 64));
    assert_null(sql_arena_alloc(&a, 64));
    assert_non_null(sql_arena_alloc(&a, 16));
    sql_arena_free(&a);
}

/* Every prefix of every golden case, and deterministic byte mutations of it,
 * either parses (and then round-trips through the printer) or fails with a
 * positioned message; nothing crashes (ASan/valgrind watch the memory). */
static void check_any_input(const char *sql, size_t len)
{
    sql_arena a;
    sql_error err;
    sql_arena_init(&a, SQL_MAX_ARENA);
    memset(&err, 0, sizeof err);
    sql_stmt *st = sql_parse(sql, len, &a, &err);
    if (st) {
        char *text = sql_stmt_to_string(st);
        assert_non_null(text);
        char *again = parse_to_text(text, strlen(text));
        /* The print adds parentheses, so a statement near the depth limit may
         * print deeper than the limit: only that may keep it from reparsing. */
        if (strcmp(again, text) != 0 && !strstr(again, "nested too deeply"))
            fail_msg("no round trip for '%.*s':\n%s\n%s", (int)len, sql, text, again);
        free(again);
        free(text);
    } else {
        assert_true(err.message[0] != '\0');
        assert_true(err.line >= 1);
        assert_true(err.column >= 1);
        assert_true(err.offset <= len);
    }
    sql_arena_free(&a);
}

static void test_prefixes_and_mutations_never_crash(void **state)
{
    (void)state;
    DIR *d = opendir(GOLDEN_DIR);
    assert_non_null(d);
    struct dirent *de;
    uint32_t rng = 12345;
    static const char bytes[] = "()',.;\"*-+|<>=[]0aZ_ \n";
    size_t inputs = 0;
    while ((de = readdir(d)) != NULL) {
        size_t l = strlen(de->d_name);
        if (l <= 4 || strcmp(de->d_name + l - 4, ".sql") != 0)
            continue;
        char path[512];
        size_t len;
        snprintf(path, sizeof path, "%s/%s", GOLDEN_DIR, de->d_name);
        char *sql = read_file(path, &len);
        assert_non_null(sql);
        /* Long generated cases: a few hundred evenly spaced prefixes. */
        size_t step = len > 2000 ? len / 300 : 1;
        for (size_t cut = 1; cut < len; cut += step) {
            if (len - cut == 1 && sql[cut] == '\0')
                continue; /* an empty text is checked by its own case */
            check_any_input(sql, cut);
            inputs++;
        }
        char *m = xmalloc(len + 1);
        for (int k = 0; k < 40 && len > 0; k++) {
            memcpy(m, sql, len);
            for (int j = 0; j < 3; j++) {
                rng = rng * 1103515245u + 12345u;
                size_t at = (rng >> 8) % len;
                rng = rng * 1103515245u + 12345u;
                m[at] = bytes[(rng >> 8) % (sizeof bytes - 1)];
            }
            check_any_input(m, len);
            inputs++;
        }
        free(m);
        free(sql);
    }
    closedir(d);
    assert_true(inputs > 5000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_files),
        cmocka_unit_test(test_text_over_one_mib_is_refused_before_lexing),
        cmocka_unit_test(test_deep_parentheses_are_refused),
        cmocka_unit_test(test_deep_not_and_minus_are_refused),
        cmocka_unit_test(test_deep_subqueries_are_refused),
        cmocka_unit_test(test_just_under_the_depth_limit_parses),
        cmocka_unit_test(test_long_operator_chains_are_bounded),
        cmocka_unit_test(test_in_list_limit),
        cmocka_unit_test(test_ast_positions_and_names),
        cmocka_unit_test(test_arena_limit_fails_cleanly),
        cmocka_unit_test(test_prefixes_and_mutations_never_crash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
