#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/base/alloc.h"
#include "core/conf/ini.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char err[1024];

static bool parse(const char *text, ini_file *f)
{
    err[0] = '\0';
    return ini_parse("t.conf", text, strlen(text), f, err, sizeof err);
}

/* Expects parsing to fail with exactly this message. */
static void expect_error(const char *text, size_t len, const char *msg)
{
    ini_file f;
    err[0] = '\0';
    bool ok = ini_parse("t.conf", text, len, &f, err, sizeof err);
    if (ok)
        ini_free(&f);
    assert_false(ok);
    assert_string_equal(err, msg);
    assert_int_equal(f.nsections, 0); /* left empty */
}

static void expect_err(const char *text, const char *msg)
{
    expect_error(text, strlen(text), msg);
}

static const ini_kv *kv_at(const ini_file *f, size_t sec, size_t i)
{
    assert_true(sec < f->nsections);
    assert_true(i < f->sections[sec].nkvs);
    return &f->sections[sec].kvs[i];
}

static void test_sections_and_keys(void **state)
{
    (void)state;
    ini_file f;
    const char *text = "public_url = http://127.0.0.1:8080\n"
                       "\n"
                       "  auth=none  \n"
                       "[redis]\n"
                       "port = 6390\n"
                       "[ schema   prod ]\n"
                       "region = us-east-1\n"
                       "tables = a b, c\n";
    assert_true(parse(text, &f));
    assert_int_equal(f.nsections, 3);
    assert_int_equal(f.nlines, 8);
    assert_string_equal(f.sections[0].kind, "");
    assert_null(f.sections[0].name);
    assert_int_equal(f.sections[0].line, 0);
    assert_int_equal(f.sections[0].nkvs, 2);
    assert_string_equal(kv_at(&f, 0, 0)->key, "public_url");
    assert_string_equal(kv_at(&f, 0, 0)->value, "http://127.0.0.1:8080");
    assert_int_equal(kv_at(&f, 0, 0)->line, 1);
    assert_string_equal(kv_at(&f, 0, 1)->key, "auth");
    assert_string_equal(kv_at(&f, 0, 1)->value, "none");
    assert_int_equal(kv_at(&f, 0, 1)->line, 3);
    assert_string_equal(f.sections[1].kind, "redis");
    assert_null(f.sections[1].name);
    assert_int_equal(f.sections[1].line, 4);
    assert_string_equal(kv_at(&f, 1, 0)->value, "6390");
    assert_int_equal(kv_at(&f, 1, 0)->line, 5);
    assert_string_equal(f.sections[2].kind, "schema");
    assert_string_equal(f.sections[2].name, "prod");
    assert_int_equal(f.sections[2].line, 6);
    assert_string_equal(kv_at(&f, 2, 1)->value, "a b, c");
    assert_int_equal(kv_at(&f, 2, 1)->line, 8);
    char label[64];
    ini_section_label(&f.sections[2], label, sizeof label);
    assert_string_equal(label, "[schema prod]");
    ini_section_label(&f.sections[1], label, sizeof label);
    assert_string_equal(label, "[redis]");
    ini_section_label(&f.sections[0], label, sizeof label);
    assert_string_equal(label, "");
    ini_free(&f);
    assert_null(f.sections);
}

static void test_comments(void **state)
{
    (void)state;
    ini_file f;
    const char *text = "# a comment\n"
                       "; another\n"
                       "   # indented comment\n"
                       "a = x # trailing\n"
                       "b = x\t; trailing after a tab\n"
                       "c = x#y;z\n"
                       "d=#notcomment\n"
                       "e = # only a comment\n"
                       "[redis] # after a header\n"
                       "f = 1\n";
    assert_true(parse(text, &f));
    assert_int_equal(f.sections[0].nkvs, 5);
    assert_string_equal(kv_at(&f, 0, 0)->value, "x");
    assert_string_equal(kv_at(&f, 0, 1)->value, "x");
    assert_string_equal(kv_at(&f, 0, 2)->value, "x#y;z");
    assert_string_equal(kv_at(&f, 0, 3)->value, "#notcomment");
    assert_string_equal(kv_at(&f, 0, 4)->value, "");
    assert_string_equal(f.sections[1].kind, "redis");
    assert_int_equal(kv_at(&f, 1, 0)->line, 10);
    ini_free(&f);
}

static void test_quoted_values(void **state)
{
    (void)state;
    ini_file f;
    const char *text = "a = \"  spaced  \"\n"
                       "b = \"has # and ; inside\"  # comment\n"
                       "c = \"quote \\\" and backslash \\\\ end\"\n"
                       "d = \"\"\n"
                       "e = say \"hi\"\n";
    assert_true(parse(text, &f));
    assert_string_equal(kv_at(&f, 0, 0)->value, "  spaced  ");
    assert_string_equal(kv_at(&f, 0, 1)->value, "has # and ; inside");
    assert_string_equal(kv_at(&f, 0, 2)->value, "quote \" and backslash \\ end");
    assert_string_equal(kv_at(&f, 0, 3)->value, "");
    /* Quotes not at the start of the value are literal. */
    assert_string_equal(kv_at(&f, 0, 4)->value, "say \"hi\"");
    ini_free(&f);
}

static void test_quoted_errors(void **state)
{
    (void)state;
    expect_err("[redis]\npassword = \"abc\n", "t.conf:2: [redis] password: unterminated quoted "
                                              "value (no closing '\"')");
    expect_err("a = \"abc\\\n", "t.conf:1: a: unterminated quoted value (ends with '\\')");
    expect_err("a = \"a\\nb\"\n",
               "t.conf:1: a: unknown escape '\\n' in quoted value (only \\\" and \\\\ are "
               "allowed)");
    expect_err("\n[schema x]\nk = \"a\" b\n",
               "t.conf:3: [schema x] k: unexpected text after the closing quote");
}

static void test_line_endings_and_bom(void **state)
{
    (void)state;
    ini_file f;
    assert_true(parse("\xEF\xBB\xBF"
                      "a = 1\r\n[redis]\r\nb = two words \r\nc = \"q\"\r\n",
                      &f));
    assert_string_equal(kv_at(&f, 0, 0)->key, "a");
    assert_string_equal(kv_at(&f, 1, 0)->value, "two words");
    assert_int_equal(kv_at(&f, 1, 0)->line, 3);
    assert_string_equal(kv_at(&f, 1, 1)->value, "q");
    ini_free(&f);
    /* No trailing newline; empty input. */
    assert_true(parse("a = 1", &f));
    assert_string_equal(kv_at(&f, 0, 0)->value, "1");
    ini_free(&f);
    assert_true(parse("", &f));
    assert_int_equal(f.nsections, 1);
    assert_int_equal(f.sections[0].nkvs, 0);
    ini_free(&f);
}

static void test_malformed_lines(void **state)
{
    (void)state;
    expect_err("a = 1\njunk\n", "t.conf:2: expected '=' after 'junk'");
    expect_err("my key = 1\n", "t.conf:1: expected '=' after 'my', found 'k'");
    expect_err("=1\n", "t.conf:1: expected 'key = value', '[section]' or a comment, found '='");
    expect_err("[redis\n", "t.conf:1: section header has no closing ']'");
    expect_err("[]\n", "t.conf:1: empty section header '[]'");
    expect_err("[ ]\n", "t.conf:1: empty section header '[]'");
    expect_err("[a b c]\n", "t.conf:1: malformed section header: expected [kind] or [kind name]");
    expect_err("[redis] x\n", "t.conf:1: unexpected text after the section header's ']'");
    expect_err("[re$dis]\n", "t.conf:1: malformed section header: 're$dis' is not a section kind "
                             "(letters, digits, '_', '-' and '.' only)");
    expect_err("[schema \"x\"]\n", "t.conf:1: malformed section header: unexpected '\"' in the "
                                   "name");
}

static void test_malformed_line_hides_value(void **state)
{
    (void)state;
    /* A ':' typo must not echo what may be a secret. */
    expect_err("[redis]\npassword: hunter2\n",
               "t.conf:2: expected '=' after 'password', found ':'");
}

static void test_duplicates(void **state)
{
    (void)state;
    expect_err("[redis]\nport = 1\n\nport = 2\n",
               "t.conf:4: [redis] port: given twice (first at line 2)");
    expect_err("a = 1\na = 1\n", "t.conf:2: a: given twice (first at line 1)");
    expect_err("[schema a]\nx = 1\n[schema a]\n",
               "t.conf:3: section [schema a] appears twice (first at line 1)");
    expect_err("[redis]\n[dynamodb]\n[redis]\n",
               "t.conf:3: section [redis] appears twice (first at line 1)");
    /* Same kind, different names, is fine; same key in two sections too. */
    ini_file f;
    assert_true(parse("[schema a]\nx = 1\n[schema b]\nx = 2\n", &f));
    assert_int_equal(f.nsections, 3);
    ini_free(&f);
}

static void test_bytes_rejected(void **state)
{
    (void)state;
    expect_error("a = 1\nb = x\0y\n", 12, "t.conf:2: NUL byte at column 6");
    expect_err("a = 1\nb = \x01\n", "t.conf:2: control character 0x01 at column 5");
    expect_err("a = \x7f\n", "t.conf:1: control character 0x7f at column 5");
    expect_err("a = \xff\xfe\n", "t.conf:1: line is not valid UTF-8");
    /* Valid UTF-8 and tabs are fine. */
    ini_file f;
    assert_true(parse("a\t=\t\"caf\xc3\xa9\"\n", &f));
    assert_string_equal(kv_at(&f, 0, 0)->value, "caf\xc3\xa9");
    ini_free(&f);
}

static void test_line_length(void **state)
{
    (void)state;
    char *text = xmalloc(INI_MAX_LINE + 16);
    /* Exactly INI_MAX_LINE bytes is accepted... */
    memset(text, 'v', INI_MAX_LINE);
    memcpy(text, "k = ", 4);
    strcpy(text + INI_MAX_LINE, "\n");
    ini_file f;
    assert_true(parse(text, &f));
    assert_int_equal(strlen(kv_at(&f, 0, 0)->value), INI_MAX_LINE - 4);
    ini_free(&f);
    /* ...one more byte is not; the CR of CRLF does not count. */
    memset(text, 'v', INI_MAX_LINE + 1);
    memcpy(text, "k = ", 4);
    strcpy(text + INI_MAX_LINE + 1, "\n");
    expect_err(text, "t.conf:1: line is longer than 4096 bytes");
    memset(text, 'v', INI_MAX_LINE);
    memcpy(text, "k = ", 4);
    strcpy(text + INI_MAX_LINE, "\r\n");
    assert_true(parse(text, &f));
    ini_free(&f);
    free(text);
}

static void test_file_size(void **state)
{
    (void)state;
    size_t n = INI_MAX_FILE + 1;
    char *text = xmalloc(n);
    memset(text, '\n', n);
    expect_error(text, n, "t.conf: file is larger than 1 MiB (1048577 bytes)");
    ini_file f;
    err[0] = '\0';
    assert_true(ini_parse("t.conf", text, n - 1, &f, err, sizeof err));
    ini_free(&f);
    free(text);
}

/* ---- ini_load ------------------------------------------------------------- */

static char tmpdir[64];

static int make_dir(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/ddbsql-ini-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_dir(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *path, const char *data, size_t len)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
}

static void test_load(void **state)
{
    (void)state;
    char path[128], msg[256];
    snprintf(path, sizeof path, "%s/good.conf", tmpdir);
    const char *text = "a = 1\n[redis]\nb = \"x y\"\n";
    write_file(path, text, strlen(text));
    ini_file f;
    assert_true(ini_load(path, &f, err, sizeof err));
    assert_string_equal(kv_at(&f, 1, 0)->value, "x y");
    ini_free(&f);

    snprintf(path, sizeof path, "%s/bad.conf", tmpdir);
    text = "a = 1\n\nnot a line\n";
    write_file(path, text, strlen(text));
    assert_false(ini_load(path, &f, err, sizeof err));
    snprintf(msg, sizeof msg, "%s:3: expected '=' after 'not', found 'a'", path);
    assert_string_equal(err, msg);

    snprintf(path, sizeof path, "%s/missing.conf", tmpdir);
    assert_false(ini_load(path, &f, err, sizeof err));
    snprintf(msg, sizeof msg, "%s: cannot open: No such file or directory", path);
    assert_string_equal(err, msg);

    assert_false(ini_load(tmpdir, &f, err, sizeof err));
    snprintf(msg, sizeof msg, "%s: not a regular file", tmpdir);
    assert_string_equal(err, msg);

    snprintf(path, sizeof path, "%s/big.conf", tmpdir);
    char *big = xmalloc(INI_MAX_FILE + 10);
    memset(big, '#', INI_MAX_FILE + 10);
    for (size_t i = 80; i < INI_MAX_FILE + 10; i += 80)
        big[i] = '\n';
    write_file(path, big, INI_MAX_FILE + 10);
    free(big);
    assert_false(ini_load(path, &f, err, sizeof err));
    snprintf(msg, sizeof msg, "%s: file is larger than 1 MiB (1048586 bytes)", path);
    assert_string_equal(err, msg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sections_and_keys),
        cmocka_unit_test(test_comments),
        cmocka_unit_test(test_quoted_values),
        cmocka_unit_test(test_quoted_errors),
        cmocka_unit_test(test_line_endings_and_bom),
        cmocka_unit_test(test_malformed_lines),
        cmocka_unit_test(test_malformed_line_hides_value),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_bytes_rejected),
        cmocka_unit_test(test_line_length),
        cmocka_unit_test(test_file_size),
        cmocka_unit_test_setup_teardown(test_load, make_dir, remove_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
