#include "sql/lexer.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "sql/limits.h"

typedef struct lexed {
    sql_arena arena;
    sql_tokens toks;
    sql_error err;
    bool ok;
} lexed;

static void lex(lexed *l, const char *sql, size_t len)
{
    sql_arena_init(&l->arena, SQL_MAX_ARENA);
    l->ok = sql_lex(sql, len, &l->arena, &l->toks, &l->err);
}

static void lex_s(lexed *l, const char *sql)
{
    lex(l, sql, strlen(sql));
}

static void test_keywords_are_case_insensitive_identifiers(void **state)
{
    (void)state;
    lexed l;
    lex_s(&l, "select SeLeCt FROM frommer");
    assert_true(l.ok);
    assert_int_equal(l.toks.n, 5);
    for (int i = 0; i < 4; i++)
        assert_int_equal(l.toks.v[i].kind, TK_IDENT);
    assert_int_equal(l.toks.v[0].kw, KW_SELECT);
    assert_int_equal(l.toks.v[1].kw, KW_SELECT);
    assert_string_equal(l.toks.v[1].text, "SeLeCt"); /* the spelling is kept */
    assert_int_equal(l.toks.v[2].kw, KW_FROM);
    assert_int_equal(l.toks.v[3].kw, KW_NONE);
    assert_int_equal(l.toks.v[4].kind, TK_EOF);
    sql_arena_free(&l.arena);
}

static void test_every_keyword_is_found(void **state)
{
    (void)state;
    /* The lookup is a binary search, so the table must stay sorted. */
    for (int k = KW_NONE + 1; k < KW_COUNT_; k++) {
        const char *name = sql_kw_name((sql_kw)k);
        if (k > KW_NONE + 1)
            assert_true(strcmp(sql_kw_name((sql_kw)(k - 1)), name) < 0);
        lexed l;
        lex_s(&l, name);
        assert_true(l.ok);
        assert_int_equal(l.toks.v[0].kw, k);
        sql_arena_free(&l.arena);
    }
    assert_true(sql_kw_reserved(KW_SELECT));
    assert_false(sql_kw_reserved(KW_TEXT));
    assert_false(sql_kw_reserved(KW_NONE));
    assert_null(sql_kw_name(KW_NONE));
}

static void test_quoted_identifiers_keep_case_and_unescape(void **state)
{
    (void)state;
    lexed l;
    lex_s(&l, "\"Select\" \"a\"\"b\" \"with space\"");
    assert_true(l.ok);
    assert_int_equal(l.toks.v[0].kind, TK_QIDENT);
    assert_int_equal(l.toks.v[0].kw, KW_NONE);
    assert_string_equal(l.toks.v[0].text, "Select");
    assert_string_equal(l.toks.v[1].text, "a\"b");
    assert_int_equal(l.toks.v[1].len, 3);
    assert_string_equal(l.toks.v[2].text, "with space");
    assert_int_equal(l.toks.v[2].column, 17);
    sql_arena_free(&l.arena);
}

static void test_strings_unescape_doubled_quotes(void **state)
{
    (void)state;
    lexed l;
    lex_s(&l, "'it''s' '' ''''");
    assert_true(l.ok);
    assert_int_equal(l.toks.v[0].kind, TK_STRING);
    assert_string_equal(l.toks.v[0].text, "it's");
    assert_int_equal(l.toks.v[0].src_len, 7);
    assert_string_equal(l.toks.v[1].text, "");
    assert_int_equal(l.toks.v[1].len, 0);
    assert_string_equal(l.toks.v[2].text, "'");
    sql_arena_free(&l.arena);
}

static void test_numbers_keep_exact_text(void **state)
{
    (void)state;
    const char *nums[] = {"0",      "007",  "3.14",
                          ".5",     "1.",   "1e3",
                          "2.5E-4", "6e+2", "123456789012345678901234567890.000000000001"};
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        lexed l;
        lex_s(&l, nums[i]);
        assert_true(l.ok);
        assert_int_equal(l.toks.n, 2);
        assert_int_equal(l.toks.v[0].kind, TK_NUMBER);
        assert_string_equal(l.toks.v[0].text, nums[i]);
        sql_arena_free(&l.arena);
    }
}

static void test_operators(void **state)
{
    (void)state;
    lexed l;
    lex_s(&l, "+ - * / % & | ^ ~ << >> || = <> != < <= > >= ( ) , . ; [ ] ::");
    assert_true(l.ok);
    const sql_tok_kind want[] = {
        TK_PLUS,  TK_MINUS, TK_STAR, TK_SLASH,    TK_PERCENT,  TK_AMP,    TK_PIPE,
        TK_CARET, TK_TILDE, TK_SHL,  TK_SHR,      TK_CONCAT,   TK_EQ,     TK_NE,
        TK_NE,    TK_LT,    TK_LE,   TK_GT,       TK_GE,       TK_LPAREN, TK_RPAREN,
        TK_COMMA, TK_DOT,   TK_SEMI, TK_LBRACKET, TK_RBRACKET, TK_DCOLON, TK_EOF};
    assert_int_equal(l.toks.n, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < l.toks.n; i++)
        assert_int_equal(l.toks.v[i].kind, want[i]);
    sql_arena_free(&l.arena);
    /* No space needed between operators and operands. */
    lex_s(&l, "a<=b||'x'");
    assert_true(l.ok);
    assert_int_equal(l.toks.n, 6);
    assert_int_equal(l.toks.v[1].kind, TK_LE);
    assert_int_equal(l.toks.v[3].kind, TK_CONCAT);
    sql_arena_free(&l.arena);
}

static void test_positions_and_comments(void **state)
{
    (void)state;
    lexed l;
    lex_s(&l, "-- one\nSELECT /* two\nlines */ a,\n\tb -- end");
    assert_true(l.ok);
    assert_int_equal(l.toks.n, 5);
    assert_string_equal(l.toks.v[0].text, "SELECT");
    assert_int_equal(l.toks.v[0].line, 2);
    assert_int_equal(l.toks.v[0].column, 1);
    assert_int_equal(l.toks.v[0].offset, 7);
    assert_string_equal(l.toks.v[1].text, "a");
    assert_int_equal(l.toks.v[1].line, 3);
    assert_int_equal(l.toks.v[1].column, 10);
    assert_int_equal(l.toks.v[3].line, 4);
    assert_int_equal(l.toks.v[3].column, 2);
    assert_int_equal(l.toks.v[4].kind, TK_EOF);
    sql_arena_free(&l.arena);
    /* A string spanning lines moves the line count on. */
    lex_s(&l, "'a\nb' c");
    assert_true(l.ok);
    assert_int_equal(l.toks.v[1].line, 2);
    assert_int_equal(l.toks.v[1].column, 4);
    sql_arena_free(&l.arena);
}

static void expect_lex_error(const char *sql, size_t len, const char *msg, int line, int col)
{
    lexed l;
    lex(&l, sql, len);
    assert_false(l.ok);
    if (!strstr(l.err.message, msg))
        fail_msg("error '%s' lacks '%s'", l.err.message, msg);
    assert_int_equal(l.err.line, line);
    assert_int_equal(l.err.column, col);
    sql_arena_free(&l.arena);
}

static void test_errors_have_positions(void **state)
{
    (void)state;
    expect_lex_error("SELECT 'abc", 11, "unterminated string literal", 1, 8);
    expect_lex_error("SELECT\n  \"abc", 13, "unterminated quoted identifier", 2, 3);
    expect_lex_error("SELECT 1 /* x", 13, "unterminated comment", 1, 10);
    expect_lex_error("SELECT 1 /*", 11, "unterminated comment", 1, 10);
    expect_lex_error("SELECT 1\0", 9, "NUL byte", 1, 9);
    expect_lex_error("SELECT 'a\0'", 11, "NUL byte", 1, 10);
    expect_lex_error("SELECT 1 /* \0 */", 16, "NUL byte", 1, 13);
    expect_lex_error("SELECT @x", 9, "invalid character '@'", 1, 8);
    expect_lex_error("SELECT \x01", 8, "invalid character (byte 0x01)", 1, 8);
    expect_lex_error("SELECT `a`", 10, "double quotes", 1, 8);
    expect_lex_error("SELECT $1", 9, "parameters are not supported", 1, 8);
    expect_lex_error("SELECT 1e+", 10, "exponent needs digits", 1, 8);
    expect_lex_error("SELECT 1.2.3", 12, "malformed number '1.2.3'", 1, 8);
    expect_lex_error("SELECT \"\"", 9, "cannot be empty", 1, 8);
}

static void test_identifier_length_limit(void **state)
{
    (void)state;
    char s[SQL_MAX_IDENT + 3];
    memset(s, 'a', sizeof s);
    lexed l;
    lex(&l, s, SQL_MAX_IDENT);
    assert_true(l.ok);
    sql_arena_free(&l.arena);
    expect_lex_error(s, SQL_MAX_IDENT + 1, "identifier too long", 1, 1);
    s[0] = '"';
    s[SQL_MAX_IDENT + 2] = '"';
    expect_lex_error(s, SQL_MAX_IDENT + 3, "identifier too long", 1, 1);
}

static void test_token_limit(void **state)
{
    (void)state;
    size_t n = (size_t)SQL_MAX_TOKENS + 10;
    char *s = test_malloc(n * 2);
    for (size_t i = 0; i < n; i++) {
        s[2 * i] = '1';
        s[2 * i + 1] = ',';
    }
    expect_lex_error(s, n * 2, "too many tokens", 1, SQL_MAX_TOKENS + 1);
    test_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keywords_are_case_insensitive_identifiers),
        cmocka_unit_test(test_every_keyword_is_found),
        cmocka_unit_test(test_quoted_identifiers_keep_case_and_unescape),
        cmocka_unit_test(test_strings_unescape_doubled_quotes),
        cmocka_unit_test(test_numbers_keep_exact_text),
        cmocka_unit_test(test_operators),
        cmocka_unit_test(test_positions_and_comments),
        cmocka_unit_test(test_errors_have_positions),
        cmocka_unit_test(test_identifier_length_limit),
        cmocka_unit_test(test_token_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
