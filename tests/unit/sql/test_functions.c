#include "sql/functions.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"

/* ---- values from short specs -------------------------------------------------
 * "NULL", "T", "F", "N:1.50" (exact NUMBER), "D:1.5" (DOUBLE), "S:text",
 * "X:00ff" (BINARY, hex), "L:[..]", "M:{..}", "SS:[..]", "NS:[..]", "BS:[..]"
 * (DynamoDB JSON without the type wrapper). */

static value_t V(const char *spec)
{
    if (strcmp(spec, "NULL") == 0)
        return value_null();
    if (strcmp(spec, "T") == 0 || strcmp(spec, "F") == 0)
        return value_bool(spec[0] == 'T');
    if (strncmp(spec, "N:", 2) == 0) {
        value_t v;
        assert_int_equal(value_number_parse(spec + 2, strlen(spec + 2), &v), DEC_OK);
        return v;
    }
    if (strncmp(spec, "D:", 2) == 0)
        return value_double(strtod(spec + 2, NULL));
    if (strncmp(spec, "S:", 2) == 0)
        return value_cstring(spec + 2);
    if (strncmp(spec, "X:", 2) == 0) {
        unsigned char b[256];
        size_t n = strlen(spec + 2) / 2;
        assert_true(n <= sizeof b);
        for (size_t i = 0; i < n; i++) {
            unsigned x;
            assert_int_equal(sscanf(spec + 2 + 2 * i, "%2x", &x), 1);
            b[i] = (unsigned char)x;
        }
        return value_binary(b, n);
    }
    static const struct {
        const char *tag;
        value_type t;
    } docs[] = {
        {"L:", VAL_LIST}, {"M:", VAL_MAP}, {"SS:", VAL_SS}, {"NS:", VAL_NS}, {"BS:", VAL_BS}};
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        size_t k = strlen(docs[i].tag);
        if (strncmp(spec, docs[i].tag, k) == 0) {
            json_object *j = json_tokener_parse(spec + k);
            assert_non_null(j);
            value_t v = value_doc(docs[i].t, j);
            json_object_put(j);
            return v;
        }
    }
    fail_msg("bad spec %s", spec);
    return value_null();
}

static char shown[1024];

static const char *show(const value_t *v)
{
    char b[DEC_STR_MAX];
    switch (v->type) {
    case VAL_NULL:
        snprintf(shown, sizeof shown, "NULL");
        break;
    case VAL_BOOL:
        snprintf(shown, sizeof shown, "%s", v->u.b ? "TRUE" : "FALSE");
        break;
    case VAL_NUMBER:
        snprintf(shown, sizeof shown, "N:%s", value_number_text(v, b));
        break;
    case VAL_DOUBLE:
        snprintf(shown, sizeof shown, "D:%.17g", v->u.f);
        break;
    case VAL_STRING:
        snprintf(shown, sizeof shown, "S:%.*s", (int)v->u.bytes->len, v->u.bytes->data);
        break;
    case VAL_BINARY: {
        int n = snprintf(shown, sizeof shown, "X:");
        for (size_t i = 0; i < v->u.bytes->len && n < 1000; i++)
            n += snprintf(shown + n, sizeof shown - (size_t)n, "%02x",
                          (unsigned char)v->u.bytes->data[i]);
        break;
    }
    default:
        snprintf(shown, sizeof shown, "%s", value_type_name(v->type));
        break;
    }
    return shown;
}

static int64_t now_ms = 0;

/* Calls fn on the specs; "ERR:<message>" on failure (the position is
 * checked separately). */
static const char *callv(fn_id fn, size_t n, const char *const *specs)
{
    value_t args[16];
    assert_true(n <= 16);
    for (size_t i = 0; i < n; i++)
        args[i] = V(specs[i]);
    exec_ctx ctx;
    exec_ctx_init(&ctx, NULL, now_ms);
    sql_pos pos = {1, 8, 7};
    value_t out;
    out.type = VAL_BOOL; /* fn_call must overwrite it */
    if (fn_call(&ctx, fn, args, n, &pos, &out)) {
        assert_int_equal(ctx.err_kind, EXEC_OK);
        show(&out);
        value_free(&out);
    } else {
        assert_int_equal(out.type, VAL_NULL);
        assert_int_equal(ctx.err_kind, EXEC_ERR_SQL);
        assert_int_equal(ctx.err.line, 1);
        assert_int_equal(ctx.err.column, 8);
        snprintf(shown, sizeof shown, "ERR:%s", ctx.err.message);
    }
    for (size_t i = 0; i < n; i++)
        value_free(&args[i]);
    return shown;
}

#define CALL(fn, ...)                                                                              \
    callv(fn, sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *),                   \
          (const char *const[]){__VA_ARGS__})
#define CALL0(fn)             callv(fn, 0, NULL)
#define EXPECT(want, fn, ...) assert_string_equal(CALL(fn, __VA_ARGS__), want)
#define EXPECT_ERR(substr, fn, ...)                                                                \
    do {                                                                                           \
        const char *got_ = CALL(fn, __VA_ARGS__);                                                  \
        if (strncmp(got_, "ERR:", 4) != 0 || !strstr(got_, substr))                                \
            fail_msg("got %s, want an error containing %s", got_, substr);                         \
    } while (0)

/* ---- the table ---------------------------------------------------------------- */

static void test_table(void **state)
{
    (void)state;
    size_t n;
    const fn_info *all = fn_all(&n);
    assert_int_equal(n, FN_COUNT_);
    for (size_t i = 0; i < n; i++) {
        /* Indexed by id, named in upper case, found by its own name. */
        assert_int_equal(all[i].id, (fn_id)i);
        assert_ptr_equal(fn_lookup(all[i].name), &all[i]);
        for (const char *p = all[i].name; *p; p++)
            assert_false(*p >= 'a' && *p <= 'z');
        assert_true(all[i].min_args >= 0);
        assert_true(all[i].max_args == -1 || all[i].max_args >= all[i].min_args);
        assert_true(strncmp(all[i].signature, all[i].name, strlen(all[i].name)) == 0);
    }
    assert_int_equal(fn_lookup("CEILING")->id, FN_CEIL);
    assert_int_equal(fn_lookup("CARDINALITY")->id, FN_SIZE);
    assert_int_equal(fn_lookup("NOW")->id, FN_CURRENT_TIMESTAMP);
    assert_int_equal(fn_lookup("CHAR_LENGTH")->id, FN_LENGTH);
    assert_int_equal(fn_lookup("SUBSTR")->id, FN_SUBSTRING);
    assert_int_equal(fn_lookup("LTRIM")->id, FN_LTRIM);
    assert_int_equal(fn_lookup("RTRIM")->id, FN_RTRIM);
    assert_int_equal(fn_lookup("lower")->id, FN_LOWER);
    assert_null(fn_lookup("NOPE"));
    assert_null(fn_lookup(""));
    assert_null(fn_lookup(NULL));
    /* Aliases are not listed as functions of their own. */
    for (size_t i = 0; i < n; i++)
        assert_string_not_equal(all[i].name, "CEILING");

    const fn_info *f = fn_lookup("SUBSTRING");
    assert_int_equal(f->min_args, 2);
    assert_int_equal(f->max_args, 3);
    assert_string_equal(f->signature, "SUBSTRING(s, start [, count])");
    assert_int_equal(fn_lookup("COALESCE")->max_args, -1);
    assert_int_equal(fn_lookup("CONCAT")->max_args, -1);
    assert_int_equal(fn_lookup("CURRENT_DATE")->max_args, 0);
    assert_int_equal(fn_lookup("ROUND")->min_args, 1);
    assert_int_equal(fn_lookup("ROUND")->max_args, 2);
    assert_int_equal(fn_lookup("EXTRACT")->min_args, 2);
    assert_int_equal(fn_lookup("TRIM")->max_args, 2);
}

static void test_arity_and_bad_id(void **state)
{
    (void)state;
    EXPECT("ERR:UPPER: wrong number of arguments (2); use UPPER(s)", FN_UPPER, "S:a", "S:b");
    EXPECT_ERR("use SUBSTRING(s, start [, count])", FN_SUBSTRING, "S:a");
    assert_string_equal(CALL0(FN_LOWER), "ERR:LOWER: wrong number of arguments (0); use LOWER(s)");
    exec_ctx ctx;
    exec_ctx_init(&ctx, NULL, 0);
    value_t out;
    assert_false(fn_call(&ctx, FN_COUNT_, NULL, 0, NULL, &out));
    assert_int_equal(out.type, VAL_NULL);
    assert_int_equal(ctx.err_kind, EXEC_ERR_SQL);
}

/* ---- NULL handling -------------------------------------------------------------- */

static void test_nulls(void **state)
{
    (void)state;
    /* Every ordinary function gives NULL for a NULL argument, even when the
       other argument has the wrong type. */
    EXPECT("NULL", FN_LOWER, "NULL");
    EXPECT("NULL", FN_UPPER, "NULL");
    EXPECT("NULL", FN_LENGTH, "NULL");
    EXPECT("NULL", FN_SUBSTRING, "NULL", "N:1");
    EXPECT("NULL", FN_SUBSTRING, "S:abc", "NULL");
    EXPECT("NULL", FN_SUBSTRING, "S:abc", "N:1", "NULL");
    EXPECT("NULL", FN_TRIM, "NULL");
    EXPECT("NULL", FN_TRIM, "S: a ", "NULL");
    EXPECT("NULL", FN_LTRIM, "NULL");
    EXPECT("NULL", FN_RTRIM, "NULL");
    EXPECT("NULL", FN_REPLACE, "S:a", "NULL", "S:b");
    EXPECT("NULL", FN_POSITION, "NULL", "S:b");
    EXPECT("NULL", FN_ABS, "NULL");
    EXPECT("NULL", FN_ROUND, "NULL");
    EXPECT("NULL", FN_ROUND, "N:1.5", "NULL");
    EXPECT("NULL", FN_FLOOR, "NULL");
    EXPECT("NULL", FN_CEIL, "NULL");
    EXPECT("NULL", FN_MOD, "NULL", "N:0");
    EXPECT("NULL", FN_MOD, "N:1", "NULL");
    EXPECT("NULL", FN_SIZE, "NULL");
    EXPECT("NULL", FN_CONTAINS, "NULL", "S:a");
    EXPECT("NULL", FN_CONTAINS, "S:abc", "NULL");
    EXPECT("NULL", FN_CONTAINS, "L:[{\"NULL\":true}]", "NULL");
    EXPECT("NULL", FN_EXTRACT, "S:YEAR", "NULL");
    EXPECT("NULL", FN_EXTRACT, "NULL", "S:2024-01-01");
    EXPECT("NULL", FN_DATE_TRUNC, "S:DAY", "NULL");
    EXPECT("NULL", FN_ABS, "NULL");
    EXPECT("NULL", FN_LOWER, "NULL");
    EXPECT("NULL", FN_UPPER, "NULL");
    /* ... but wrong types with non-NULL arguments are errors. */
    EXPECT_ERR("LOWER: argument 1 must be a STRING, got NUMBER", FN_LOWER, "N:1");
}

/* ---- COALESCE, NULLIF, TYPEOF, CONCAT ------------------------------------------ */

static void test_coalesce_nullif(void **state)
{
    (void)state;
    EXPECT("N:2", FN_COALESCE, "NULL", "N:2", "S:x");
    EXPECT("S:a", FN_COALESCE, "S:a");
    EXPECT("NULL", FN_COALESCE, "NULL", "NULL");
    EXPECT("FALSE", FN_COALESCE, "NULL", "F");
    EXPECT("N:1.50", FN_COALESCE, "N:1.50", "NULL"); /* the original text is kept */

    EXPECT("NULL", FN_NULLIF, "N:1", "N:1.0"); /* numerically equal */
    EXPECT("N:1", FN_NULLIF, "N:1", "N:2");
    EXPECT("S:a", FN_NULLIF, "S:a", "S:b");
    EXPECT("NULL", FN_NULLIF, "S:a", "S:a");
    EXPECT("NULL", FN_NULLIF, "NULL", "N:1");
    EXPECT("N:1", FN_NULLIF, "N:1", "NULL");   /* unknown is not equal */
    EXPECT("N:1", FN_NULLIF, "N:1", "S:1");    /* different types never equal */
    EXPECT("NULL", FN_NULLIF, "N:1", "D:1.0"); /* NUMBER and DOUBLE compare */
}

static void test_typeof(void **state)
{
    (void)state;
    EXPECT("S:NULL", FN_TYPEOF, "NULL");
    EXPECT("S:BOOLEAN", FN_TYPEOF, "T");
    EXPECT("S:NUMBER", FN_TYPEOF, "N:1");
    EXPECT("S:DOUBLE", FN_TYPEOF, "D:1");
    EXPECT("S:STRING", FN_TYPEOF, "S:");
    EXPECT("S:BINARY", FN_TYPEOF, "X:00");
    EXPECT("S:LIST", FN_TYPEOF, "L:[]");
    EXPECT("S:MAP", FN_TYPEOF, "M:{}");
    EXPECT("S:SS", FN_TYPEOF, "SS:[\"a\"]");
    EXPECT("S:NS", FN_TYPEOF, "NS:[\"1\"]");
    EXPECT("S:BS", FN_TYPEOF, "BS:[\"AA==\"]");
}

static void test_concat(void **state)
{
    (void)state;
    EXPECT("S:abc", FN_CONCAT, "S:a", "S:b", "S:c");
    EXPECT("S:ac", FN_CONCAT, "S:a", "NULL", "S:c");
    EXPECT("S:", FN_CONCAT, "NULL", "NULL");
    EXPECT("S:x", FN_CONCAT, "S:x");
    /* Numbers keep their text; booleans and doubles convert like ||. */
    EXPECT("S:n=1.50", FN_CONCAT, "S:n=", "N:1.50");
    EXPECT("S:true/false", FN_CONCAT, "T", "S:/", "F");
    EXPECT("S:0.5", FN_CONCAT, "D:0.5");
    EXPECT("S:h\xc3\xa9llo", FN_CONCAT, "S:h\xc3\xa9", "S:llo");
    EXPECT("ERR:CONCAT: argument 2 must be a STRING (NUMBERs and BOOLEANs are converted), got "
           "MAP; use CAST(x AS TEXT) for other types",
           FN_CONCAT, "S:a", "M:{}");
    EXPECT_ERR("argument 1 must be a STRING", FN_CONCAT, "X:00");
    EXPECT_ERR("got LIST", FN_CONCAT, "L:[]", "NULL");
}

static void test_concat_limit(void **state)
{
    (void)state;
    size_t half = FN_MAX_RESULT_BYTES / 2 + 1;
    char *big = xmalloc(half + 1);
    memset(big, 'a', half);
    big[half] = '\0';
    value_t args[2] = {value_string(big, half), value_string(big, half)};
    exec_ctx ctx;
    exec_ctx_init(&ctx, NULL, 0);
    value_t out;
    assert_false(fn_call(&ctx, FN_CONCAT, args, 2, NULL, &out));
    assert_non_null(strstr(ctx.err.message, "CONCAT: the result would be longer than"));
    assert_int_equal(out.type, VAL_NULL);
    /* One of them fits. */
    exec_ctx_init(&ctx, NULL, 0);
    assert_true(fn_call(&ctx, FN_CONCAT, args, 1, NULL, &out));
    assert_int_equal(out.u.bytes->len, half);
    value_free(&out);
    value_free(&args[0]);
    value_free(&args[1]);
    free(big);
}

/* ---- strings ------------------------------------------------------------------- */

static void test_case(void **state)
{
    (void)state;
    EXPECT("S:hello world 1!", FN_LOWER, "S:HeLLo WORLD 1!");
    EXPECT("S:HELLO WORLD 1!", FN_UPPER, "S:HeLLo world 1!");
    EXPECT("S:", FN_UPPER, "S:");
    /* ASCII only: other characters are left as they are. */
    EXPECT("S:\xc3\x89t\xc3\xa9", FN_LOWER, "S:\xc3\x89T\xc3\xa9");
    EXPECT("S:\xc3\x89T\xc3\xa9", FN_UPPER, "S:\xc3\x89t\xc3\xa9");
    EXPECT("ERR:UPPER: argument 1 must be a STRING, got NUMBER; use CAST(x AS TEXT) to convert",
           FN_UPPER, "N:1");
    EXPECT_ERR("LOWER: argument 1 must be a STRING, got BOOLEAN", FN_LOWER, "T");
}

static void test_length(void **state)
{
    (void)state;
    EXPECT("N:0", FN_LENGTH, "S:");
    EXPECT("N:5", FN_LENGTH, "S:hello");
    /* Characters, not bytes: é (2 bytes), € (3), 😀 (4). */
    EXPECT("N:3", FN_LENGTH, "S:\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
    /* Each invalid byte is one character: a lone continuation, a truncated
       sequence, an overlong form, a surrogate, a lead byte 0xFF. */
    EXPECT("N:3", FN_LENGTH, "S:a\x80z");
    EXPECT("N:4", FN_LENGTH, "S:a\xe2\x82z"); /* two bytes of a 3-byte char */
    EXPECT("N:2", FN_LENGTH, "S:\xc0\xaf");   /* overlong '/' */
    EXPECT("N:3", FN_LENGTH, "S:\xed\xa0\x80");
    EXPECT("N:1", FN_LENGTH, "S:\xff");
    EXPECT("N:4", FN_LENGTH, "S:\xf4\x90\x80\x80"); /* above U+10FFFF */
    EXPECT("N:1", FN_LENGTH, "S:\xf4\x8f\xbf\xbf"); /* U+10FFFF */
    /* Of a BINARY: bytes. */
    EXPECT("N:3", FN_LENGTH, "X:00ff10");
    EXPECT("ERR:LENGTH: argument 1 must be a STRING or BINARY, got NUMBER; use CAST(x AS TEXT) "
           "to convert",
           FN_LENGTH, "N:12");
    EXPECT_ERR("got LIST", FN_LENGTH, "L:[]");
}

static void test_substring(void **state)
{
    (void)state;
    EXPECT("S:bcdef", FN_SUBSTRING, "S:abcdef", "N:2");
    EXPECT("S:bcd", FN_SUBSTRING, "S:abcdef", "N:2", "N:3");
    EXPECT("S:abcdef", FN_SUBSTRING, "S:abcdef", "N:1");
    EXPECT("S:", FN_SUBSTRING, "S:abcdef", "N:7");
    EXPECT("S:", FN_SUBSTRING, "S:abcdef", "N:100", "N:2");
    EXPECT("S:ef", FN_SUBSTRING, "S:abcdef", "N:5", "N:100");
    EXPECT("S:", FN_SUBSTRING, "S:abcdef", "N:2", "N:0");
    /* SQL semantics: a start below 1 counts positions before the string. */
    EXPECT("S:a", FN_SUBSTRING, "S:abcdef", "N:0", "N:2");
    EXPECT("S:", FN_SUBSTRING, "S:abcdef", "N:-1", "N:2");
    EXPECT("S:ab", FN_SUBSTRING, "S:abcdef", "N:-1", "N:4");
    EXPECT("S:abcdef", FN_SUBSTRING, "S:abcdef", "N:-5");
    EXPECT("S:abcdef", FN_SUBSTRING, "S:abcdef", "N:-5", "N:100");
    /* Huge positions and counts clamp rather than overflow. */
    EXPECT("S:abcdef", FN_SUBSTRING, "S:abcdef", "N:-99999999999999999999999",
           "N:999999999999999999999999999");
    EXPECT("S:", FN_SUBSTRING, "S:abcdef", "N:99999999999999999999999", "N:1");
    /* The end is exact even when both are huge: -1E30 + (1E30 + 3) = 3. */
    EXPECT("S:ab", FN_SUBSTRING, "S:abcdef", "N:-1E30", "N:1000000000000000000000000000003");
    EXPECT("S:", FN_SUBSTRING, "S:abcdef", "N:9E125", "N:9E125");
    EXPECT("S:", FN_SUBSTRING, "S:abcdef", "D:-1e300", "D:1e300");
    EXPECT("S:bcdef", FN_SUBSTRING, "S:abcdef", "N:2", "N:9223372036854775807");
    /* Integral values written with a scale or as doubles are integers. */
    EXPECT("S:bc", FN_SUBSTRING, "S:abcdef", "N:2.00", "D:2");
    /* Characters, not bytes. */
    EXPECT("S:\xe2\x82\xac\xf0\x9f\x98\x80", FN_SUBSTRING,
           "S:\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z", "N:2", "N:2");
    EXPECT("S:\x80z", FN_SUBSTRING, "S:a\x80z", "N:2");
    /* A BINARY is cut by bytes. */
    EXPECT("X:0203", FN_SUBSTRING, "X:01020304", "N:2", "N:2");
    EXPECT("X:01", FN_SUBSTRING, "X:01020304", "N:-1", "N:3");
    EXPECT("X:", FN_SUBSTRING, "X:01020304", "N:9");
    EXPECT("X:04", FN_SUBSTRING, "X:01020304", "N:4");
    /* Errors. */
    EXPECT("ERR:SUBSTRING: argument 3 (the count) must not be negative, got -1", FN_SUBSTRING,
           "S:abc", "N:1", "N:-1");
    EXPECT("ERR:SUBSTRING: argument 2 must be an integer NUMBER, got STRING 'x'; use CAST(x AS "
           "INTEGER) to convert",
           FN_SUBSTRING, "S:abc", "S:x");
    EXPECT("ERR:SUBSTRING: argument 2 must be an integer NUMBER, got 1.5; use ROUND(x) or CAST(x "
           "AS INTEGER)",
           FN_SUBSTRING, "S:abc", "N:1.5");
    EXPECT_ERR("argument 3 must be an integer NUMBER, got 0.5", FN_SUBSTRING, "S:abc", "N:1",
               "D:0.5");
    EXPECT_ERR("argument 2 must be an integer NUMBER, got nan", FN_SUBSTRING, "S:abc", "D:nan");
    EXPECT_ERR("SUBSTRING: argument 1 must be a STRING or BINARY, got NUMBER", FN_SUBSTRING,
               "N:123", "N:1");
}

static void test_trim(void **state)
{
    (void)state;
    EXPECT("S:a b", FN_TRIM, "S:  a b  ");
    EXPECT("S:a b  ", FN_LTRIM, "S:  a b  ");
    EXPECT("S:  a b", FN_RTRIM, "S:  a b  ");
    EXPECT("S:", FN_TRIM, "S:    ");
    EXPECT("S:", FN_LTRIM, "S:   ");
    EXPECT("S:", FN_RTRIM, "S:   ");
    EXPECT("S:", FN_TRIM, "S:");
    /* Only spaces by default: tabs stay. */
    EXPECT("S:\ta\t", FN_TRIM, "S: \ta\t ");
    /* A set of characters, each removed from the ends. */
    EXPECT("S:abc", FN_TRIM, "S:xyxabcyyx", "S:xy");
    EXPECT("S:abcyyx", FN_LTRIM, "S:xyxabcyyx", "S:yx");
    EXPECT("S:xyxabc", FN_RTRIM, "S:xyxabcyyx", "S:xy");
    EXPECT("S:axb", FN_TRIM, "S:xaxbx", "S:x");
    EXPECT("S:abc", FN_TRIM, "S:abc", "S:");
    /* Multi-byte characters are matched whole: trimming "é" must not strip
       the first byte of "è" (c3 a8), which shares its lead byte. */
    EXPECT("S:\xc3\xa8", FN_TRIM, "S:\xc3\xa9\xc3\xa8\xc3\xa9", "S:\xc3\xa9");
    EXPECT("S:b", FN_TRIM,
           "S:\xe2\x82\xac"
           "b\xf0\x9f\x98\x80",
           "S:\xf0\x9f\x98\x80\xe2\x82\xac");
    EXPECT("S:\x80z\x80", FN_TRIM, "S:\x80z\x80", "S:y");
    EXPECT("S:z", FN_TRIM, "S:\x80z\x80", "S:\x80");
    EXPECT("ERR:TRIM: argument 2 must be a STRING, got NUMBER; use CAST(x AS TEXT) to convert",
           FN_TRIM, "S:a", "N:1");
    EXPECT_ERR("RTRIM: argument 1 must be a STRING, got BINARY", FN_RTRIM, "X:20");
}

static void test_replace(void **state)
{
    (void)state;
    EXPECT("S:a-b-c", FN_REPLACE, "S:a b c", "S: ", "S:-");
    EXPECT("S:abc", FN_REPLACE, "S:a b c", "S: ", "S:");
    EXPECT("S:xxyxx", FN_REPLACE, "S:xyx", "S:x", "S:xx");
    EXPECT("S:aaa", FN_REPLACE, "S:aaa", "S:", "S:b"); /* an empty from changes nothing */
    EXPECT("S:abc", FN_REPLACE, "S:abc", "S:abcd", "S:z");
    EXPECT("S:abc", FN_REPLACE, "S:abc", "S:z", "S:y");
    EXPECT("S:ba", FN_REPLACE, "S:aaa", "S:aa", "S:b"); /* left to right, no overlap */
    EXPECT("S:", FN_REPLACE, "S:", "S:a", "S:b");
    EXPECT("S:caf\xc3\xa9s", FN_REPLACE, "S:cafes", "S:e", "S:\xc3\xa9");
    EXPECT("S:\xe2\x82\xac"
           "5",
           FN_REPLACE, "S:EUR5", "S:EUR", "S:\xe2\x82\xac");
    EXPECT("ERR:REPLACE: argument 3 must be a STRING, got NUMBER; use CAST(x AS TEXT) to convert",
           FN_REPLACE, "S:a", "S:a", "N:1");
    EXPECT_ERR("REPLACE: argument 1 must be a STRING, got NUMBER", FN_REPLACE, "N:1", "S:1", "S:2");
}

static void test_replace_limit(void **state)
{
    (void)state;
    /* 64 KiB of 'a', each replaced by 512 bytes: 32 MiB is over the limit. */
    size_t n = 64 * 1024;
    char *s = xmalloc(n);
    memset(s, 'a', n);
    char to[512];
    memset(to, 'b', sizeof to);
    value_t args[3] = {value_string(s, n), value_cstring("a"), value_string(to, sizeof to)};
    exec_ctx ctx;
    exec_ctx_init(&ctx, NULL, 0);
    value_t out;
    assert_false(fn_call(&ctx, FN_REPLACE, args, 3, NULL, &out));
    assert_non_null(strstr(ctx.err.message, "REPLACE: the result would be longer than 16777216"));
    /* 64 bytes each (4 MiB) fits. */
    value_free(&args[2]);
    args[2] = value_string(to, 64);
    exec_ctx_init(&ctx, NULL, 0);
    assert_true(fn_call(&ctx, FN_REPLACE, args, 3, NULL, &out));
    assert_int_equal(out.u.bytes->len, n * 64);
    assert_int_equal(out.u.bytes->data[n * 64 - 1], 'b');
    value_free(&out);
    for (int i = 0; i < 3; i++)
        value_free(&args[i]);
    free(s);
}

static void test_position(void **state)
{
    (void)state;
    EXPECT("N:3", FN_POSITION, "S:c", "S:abcabc");
    EXPECT("N:2", FN_POSITION, "S:bc", "S:abcabc");
    EXPECT("N:0", FN_POSITION, "S:x", "S:abc");
    EXPECT("N:1", FN_POSITION, "S:", "S:abc");
    EXPECT("N:1", FN_POSITION, "S:", "S:");
    EXPECT("N:0", FN_POSITION, "S:abcd", "S:abc");
    /* A character index: é and € before the match count once each. */
    EXPECT("N:3", FN_POSITION, "S:x", "S:\xc3\xa9\xe2\x82\xacx");
    EXPECT("N:2", FN_POSITION, "S:\xe2\x82\xac", "S:\xc3\xa9\xe2\x82\xacx");
    EXPECT("ERR:POSITION: argument 2 must be a STRING, got NUMBER; use CAST(x AS TEXT) to convert",
           FN_POSITION, "S:1", "N:212");
}

/* ---- numbers -------------------------------------------------------------------- */

static void test_abs(void **state)
{
    (void)state;
    EXPECT("N:1.50", FN_ABS, "N:-1.50");
    EXPECT("N:1.50", FN_ABS, "N:1.50");
    EXPECT("N:0", FN_ABS, "N:-0");
    EXPECT("N:12345678901234567890123456789012345678", FN_ABS,
           "N:-12345678901234567890123456789012345678");
    EXPECT("N:1E-130", FN_ABS, "N:-1E-130");
    EXPECT("D:2.5", FN_ABS, "D:-2.5");
    EXPECT("D:0", FN_ABS, "D:-0.0");
    EXPECT("D:inf", FN_ABS, "D:-inf");
    EXPECT("ERR:ABS: argument 1 must be a NUMBER, got STRING '-1'; use CAST(x AS DECIMAL) to "
           "convert",
           FN_ABS, "S:-1");
}

static void test_round(void **state)
{
    (void)state;
    /* Half away from zero. */
    EXPECT("N:3", FN_ROUND, "N:2.5");
    EXPECT("N:-3", FN_ROUND, "N:-2.5");
    EXPECT("N:2", FN_ROUND, "N:2.49999999999999999999");
    EXPECT("N:1", FN_ROUND, "N:0.5");
    EXPECT("N:0", FN_ROUND, "N:0.4");
    EXPECT("N:0", FN_ROUND, "N:-0.4");
    /* Digits, exact. */
    EXPECT("N:2.68", FN_ROUND, "N:2.675", "N:2");
    EXPECT("N:-2.68", FN_ROUND, "N:-2.675", "N:2");
    EXPECT("N:0.1", FN_ROUND, "N:0.05", "N:1");
    EXPECT("N:1.23", FN_ROUND, "N:1.23", "N:5"); /* fewer digits: unchanged */
    EXPECT("N:7", FN_ROUND, "N:7", "N:0");
    /* Negative digits round to tens, hundreds, ... */
    EXPECT("N:120", FN_ROUND, "N:123.456", "N:-1");
    EXPECT("N:200", FN_ROUND, "N:150", "N:-2");
    EXPECT("N:0", FN_ROUND, "N:49", "N:-2");
    EXPECT("N:-1000", FN_ROUND, "N:-500", "N:-3");
    EXPECT("N:0", FN_ROUND, "N:123", "N:-100");
    EXPECT("N:0", FN_ROUND, "N:123", "N:-99999999999");
    EXPECT("N:123.5", FN_ROUND, "N:123.5", "N:99999999999");
    /* 38-digit values stay exact. */
    EXPECT("N:1234567890123456789012345678901234568", FN_ROUND,
           "N:1234567890123456789012345678901234567.8");
    /* Overflow past DynamoDB's range is an error, not infinity. */
    EXPECT_ERR("ROUND: numeric overflow", FN_ROUND, "N:9.5E+125", "N:-126");
    /* DOUBLEs give DOUBLEs, rounded on the decimal the user sees. */
    EXPECT("D:2.6800000000000002", FN_ROUND, "D:2.675", "N:2");
    EXPECT("D:3", FN_ROUND, "D:2.5");
    EXPECT("D:-3", FN_ROUND, "D:-2.5");
    EXPECT("D:1200", FN_ROUND, "D:1234.5", "N:-2");
    EXPECT("D:1.0000000000000001e+300", FN_ROUND, "D:1e300", "N:2");
    EXPECT("D:0", FN_ROUND, "D:1e-300", "N:2");
    EXPECT("D:nan", FN_ROUND, "D:nan");
    EXPECT("D:-inf", FN_ROUND, "D:-inf");
    /* Digits may be a NUMBER with scale or a DOUBLE when integral. */
    EXPECT("N:1.3", FN_ROUND, "N:1.25", "N:1.0");
    EXPECT("N:1.3", FN_ROUND, "N:1.25", "D:1");
    EXPECT("ERR:ROUND: argument 2 must be an integer NUMBER, got 1.5; use ROUND(x) or CAST(x AS "
           "INTEGER)",
           FN_ROUND, "N:1.25", "N:1.5");
    EXPECT_ERR("ROUND: argument 1 must be a NUMBER, got STRING '1.5'", FN_ROUND, "S:1.5");
    EXPECT_ERR("ROUND: argument 2 must be an integer NUMBER, got STRING", FN_ROUND, "N:1", "S:1");
}

static void test_floor_ceil(void **state)
{
    (void)state;
    EXPECT("N:1", FN_FLOOR, "N:1.9");
    EXPECT("N:-2", FN_FLOOR, "N:-1.1");
    EXPECT("N:2", FN_CEIL, "N:1.1");
    EXPECT("N:-1", FN_CEIL, "N:-1.9");
    EXPECT("N:5", FN_FLOOR, "N:5");
    EXPECT("N:5", FN_CEIL, "N:5.000");
    EXPECT("N:1200", FN_CEIL, "N:1.2E3");
    EXPECT("N:0", FN_FLOOR, "N:0.999");
    EXPECT("N:1", FN_CEIL, "N:1E-130");
    EXPECT("N:-1", FN_FLOOR, "N:-1E-130");
    EXPECT("N:0", FN_CEIL, "N:-0.5");
    EXPECT("N:9999999999999999999999999999999999999", FN_FLOOR,
           "N:9999999999999999999999999999999999999.1");
    /* DOUBLEs, without libm. */
    EXPECT("D:1", FN_FLOOR, "D:1.5");
    EXPECT("D:-2", FN_FLOOR, "D:-1.5");
    EXPECT("D:2", FN_CEIL, "D:1.5");
    EXPECT("D:-1", FN_CEIL, "D:-1.5");
    EXPECT("D:-1", FN_FLOOR, "D:-1e-300");
    EXPECT("D:1", FN_CEIL, "D:1e-300");
    EXPECT("D:4503599627370497", FN_FLOOR, "D:4503599627370497");
    EXPECT("D:1.0000000000000001e+300", FN_CEIL, "D:1e300");
    EXPECT("D:-inf", FN_FLOOR, "D:-inf");
    EXPECT("D:nan", FN_CEIL, "D:nan");
    EXPECT("ERR:FLOOR: argument 1 must be a NUMBER, got BOOLEAN; use CAST(x AS DECIMAL) to convert",
           FN_FLOOR, "T");
    EXPECT_ERR("CEIL: argument 1 must be a NUMBER, got LIST", FN_CEIL, "L:[]");
}

static void test_mod(void **state)
{
    (void)state;
    EXPECT("N:1", FN_MOD, "N:7", "N:3");
    EXPECT("N:-1", FN_MOD, "N:-7", "N:3");
    EXPECT("N:1", FN_MOD, "N:7", "N:-3");
    EXPECT("N:0.5", FN_MOD, "N:5.5", "N:1");
    EXPECT("N:0.1", FN_MOD, "N:1", "N:0.3");
    EXPECT("N:0", FN_MOD, "N:6", "N:3");
    EXPECT("ERR:MOD: division by zero (argument 2 is 0); guard it with NULLIF(b, 0)", FN_MOD, "N:1",
           "N:0");
    EXPECT_ERR("MOD: division by zero", FN_MOD, "D:1", "N:0");
    EXPECT_ERR("MOD: division by zero", FN_MOD, "N:1", "D:0");
    /* A DOUBLE on either side gives a DOUBLE. */
    EXPECT("D:1.5", FN_MOD, "D:7.5", "N:2");
    EXPECT("D:-1", FN_MOD, "N:-7", "D:3");
    EXPECT("D:0.10000000000000001", FN_MOD, "D:1", "D:0.3");
    EXPECT("D:nan", FN_MOD, "D:inf", "N:2");
    EXPECT("D:5", FN_MOD, "D:5", "D:inf");
    EXPECT("D:nan", FN_MOD, "D:nan", "N:2");
    EXPECT_ERR("MOD: a DOUBLE outside DynamoDB's number range", FN_MOD, "D:1e300", "N:7");
    EXPECT("ERR:MOD: argument 2 must be a NUMBER, got STRING '3'; use CAST(x AS DECIMAL) to "
           "convert",
           FN_MOD, "N:1", "S:3");
}

/* ---- documents ------------------------------------------------------------------- */

static void test_size(void **state)
{
    (void)state;
    EXPECT("N:3", FN_SIZE, "L:[{\"S\":\"a\"},{\"N\":\"1\"},{\"NULL\":true}]");
    EXPECT("N:0", FN_SIZE, "L:[]");
    EXPECT("N:2", FN_SIZE, "M:{\"a\":{\"N\":\"1\"},\"b\":{\"S\":\"x\"}}");
    EXPECT("N:2", FN_SIZE, "SS:[\"a\",\"b\"]");
    EXPECT("N:3", FN_SIZE, "NS:[\"1\",\"2\",\"3\"]");
    EXPECT("N:1", FN_SIZE, "BS:[\"AAE=\"]");
    EXPECT("N:2", FN_SIZE, "S:\xc3\xa9\xe2\x82\xac");
    EXPECT("N:2", FN_SIZE, "X:0001");
    /* Malformed documents do not crash: a LIST that is not an array. */
    EXPECT("N:0", FN_SIZE, "L:\"x\"");
    EXPECT("ERR:SIZE: argument 1 must be a LIST, MAP, set (SS, NS, BS), STRING or BINARY, got "
           "NUMBER; TYPEOF(x) tells what it is",
           FN_SIZE, "N:5");
    EXPECT_ERR("got BOOLEAN", FN_SIZE, "T");
}

static void test_contains(void **state)
{
    (void)state;
    /* Strings: a substring. */
    EXPECT("TRUE", FN_CONTAINS, "S:hello world", "S:o w");
    EXPECT("FALSE", FN_CONTAINS, "S:hello", "S:O");
    EXPECT("TRUE", FN_CONTAINS, "S:hello", "S:");
    EXPECT("TRUE", FN_CONTAINS, "S:caf\xc3\xa9", "S:\xc3\xa9");
    EXPECT("FALSE", FN_CONTAINS, "S:123", "N:2"); /* different types: false, as in DynamoDB */
    /* Binaries: a run of bytes. */
    EXPECT("TRUE", FN_CONTAINS, "X:00010203", "X:0102");
    EXPECT("FALSE", FN_CONTAINS, "X:00010203", "X:0201");
    EXPECT("FALSE", FN_CONTAINS, "X:0001", "S:a");
    /* Lists: an equal element, of any type. */
    const char *list = "L:[{\"S\":\"a\"},{\"N\":\"1.0\"},{\"BOOL\":true},{\"L\":[{\"S\":\"x\"}]},"
                       "{\"M\":{\"k\":{\"N\":\"2\"}}},{\"B\":\"AAE=\"},{\"NULL\":true}]";
    EXPECT("TRUE", FN_CONTAINS, list, "S:a");
    EXPECT("TRUE", FN_CONTAINS, list, "N:1"); /* numerically equal */
    EXPECT("TRUE", FN_CONTAINS, list, "D:1");
    EXPECT("TRUE", FN_CONTAINS, list, "T");
    EXPECT("FALSE", FN_CONTAINS, list, "F");
    EXPECT("TRUE", FN_CONTAINS, list, "L:[{\"S\":\"x\"}]");
    EXPECT("TRUE", FN_CONTAINS, list, "M:{\"k\":{\"N\":\"2.00\"}}");
    EXPECT("TRUE", FN_CONTAINS, list, "X:0001");
    EXPECT("FALSE", FN_CONTAINS, list, "S:1");
    EXPECT("FALSE", FN_CONTAINS, list, "S:b");
    EXPECT("FALSE", FN_CONTAINS, "L:[]", "S:a");
    /* Sets: an element, of the set's type. */
    EXPECT("TRUE", FN_CONTAINS, "SS:[\"a\",\"b\"]", "S:b");
    EXPECT("FALSE", FN_CONTAINS, "SS:[\"a\",\"b\"]", "S:c");
    EXPECT("FALSE", FN_CONTAINS, "SS:[\"1\"]", "N:1");
    EXPECT("TRUE", FN_CONTAINS, "NS:[\"1.50\",\"2\"]", "N:1.5");
    EXPECT("TRUE", FN_CONTAINS, "NS:[\"1E+2\"]", "N:100");
    EXPECT("FALSE", FN_CONTAINS, "NS:[\"1\",\"2\"]", "N:3");
    EXPECT("FALSE", FN_CONTAINS, "NS:[\"1\"]", "S:1");
    EXPECT("TRUE", FN_CONTAINS, "BS:[\"AAE=\",\"/w==\"]", "X:ff");
    EXPECT("FALSE", FN_CONTAINS, "BS:[\"AAE=\"]", "X:00");
    /* Anything else is false (a MAP's keys are not its elements). */
    EXPECT("FALSE", FN_CONTAINS, "M:{\"a\":{\"S\":\"a\"}}", "S:a");
    EXPECT("FALSE", FN_CONTAINS, "N:123", "N:2");
    EXPECT("FALSE", FN_CONTAINS, "T", "T");
    /* Malformed documents and elements are skipped, not crashed on. */
    EXPECT("FALSE", FN_CONTAINS, "L:{\"a\":1}", "S:a");
    EXPECT("TRUE", FN_CONTAINS, "L:[{\"bogus\":1},7,{\"S\":\"a\"}]", "S:a");
    EXPECT("FALSE", FN_CONTAINS, "NS:[\"x\",5]", "N:5");
}

/* ---- dates -------------------------------------------------------------------------- */

static void test_current(void **state)
{
    (void)state;
    now_ms = INT64_C(1709210096789); /* 2024-02-29T12:34:56.789Z */
    assert_string_equal(CALL0(FN_CURRENT_DATE), "S:2024-02-29");
    assert_string_equal(CALL0(FN_CURRENT_TIMESTAMP), "S:2024-02-29T12:34:56.789Z");
    now_ms = 0;
    assert_string_equal(CALL0(FN_CURRENT_TIMESTAMP), "S:1970-01-01T00:00:00.000Z");
    now_ms = -1;
    assert_string_equal(CALL0(FN_CURRENT_DATE), "S:1969-12-31");
    assert_string_equal(CALL0(FN_CURRENT_TIMESTAMP), "S:1969-12-31T23:59:59.999Z");
    now_ms = INT64_MAX;
    assert_string_equal(CALL0(FN_CURRENT_DATE),
                        "ERR:CURRENT_DATE: the clock is outside the years 0000..9999");
    now_ms = 0;
    EXPECT_ERR("wrong number of arguments (1)", FN_CURRENT_DATE, "N:1");
}

static void test_extract(void **state)
{
    (void)state;
    const char *ts = "S:2024-02-29T13:45:06.250Z";
    EXPECT("N:2024", FN_EXTRACT, "S:YEAR", ts);
    EXPECT("N:1", FN_EXTRACT, "S:QUARTER", ts);
    EXPECT("N:2", FN_EXTRACT, "S:MONTH", ts);
    EXPECT("N:9", FN_EXTRACT, "S:WEEK", ts);
    EXPECT("N:29", FN_EXTRACT, "S:DAY", ts);
    EXPECT("N:13", FN_EXTRACT, "S:HOUR", ts);
    EXPECT("N:45", FN_EXTRACT, "S:MINUTE", ts);
    EXPECT("N:6.250", FN_EXTRACT, "S:SECOND", ts); /* exact, with the written scale */
    EXPECT("N:4", FN_EXTRACT, "S:DOW", ts);        /* Thursday */
    EXPECT("N:60", FN_EXTRACT, "S:DOY", ts);
    EXPECT("N:1709214306.250", FN_EXTRACT, "S:EPOCH", ts);
    /* Field names are case-insensitive. */
    EXPECT("N:2024", FN_EXTRACT, "S:year", ts);
    /* Dates: midnight. */
    EXPECT("N:0", FN_EXTRACT, "S:HOUR", "S:2024-12-31");
    EXPECT("N:0", FN_EXTRACT, "S:SECOND", "S:2024-12-31");
    EXPECT("N:366", FN_EXTRACT, "S:DOY", "S:2024-12-31");
    EXPECT("N:365", FN_EXTRACT, "S:DOY", "S:2023-12-31");
    EXPECT("N:4", FN_EXTRACT, "S:QUARTER", "S:2023-10-01");
    EXPECT("N:0", FN_EXTRACT, "S:DOW", "S:2024-01-07"); /* Sunday */
    EXPECT("N:6", FN_EXTRACT, "S:DOW", "S:2024-01-06"); /* Saturday */
    EXPECT("N:1704067200", FN_EXTRACT, "S:EPOCH", "S:2024-01-01");
    /* Offsets name an instant; fields are in UTC. */
    EXPECT("N:22", FN_EXTRACT, "S:HOUR", "S:2024-03-01T03:30:00+05:30");
    EXPECT("N:29", FN_EXTRACT, "S:DAY", "S:2024-03-01T03:30:00+05:30");
    EXPECT("N:0", FN_EXTRACT, "S:MINUTE", "S:2024-03-01T03:30:00+05:30");
    EXPECT("N:2025", FN_EXTRACT, "S:YEAR", "S:2024-12-31T23:00:00-01:00");
    /* ISO weeks around the new year. */
    EXPECT("N:53", FN_EXTRACT, "S:WEEK", "S:2021-01-03");
    EXPECT("N:1", FN_EXTRACT, "S:WEEK", "S:2021-01-04");
    EXPECT("N:1", FN_EXTRACT, "S:WEEK", "S:2024-12-30");
    EXPECT("N:52", FN_EXTRACT, "S:WEEK", "S:2023-01-01");
    /* Epoch seconds, and milliseconds above 1e11. */
    EXPECT("N:2023", FN_EXTRACT, "S:YEAR", "N:1700000000");
    EXPECT("N:20", FN_EXTRACT, "S:SECOND", "N:1700000000");
    EXPECT("N:20.123", FN_EXTRACT, "S:SECOND", "N:1700000000123");
    EXPECT("N:1700000000.123", FN_EXTRACT, "S:EPOCH", "N:1700000000123");
    EXPECT("N:20.5", FN_EXTRACT, "S:SECOND", "N:1700000000.5");
    EXPECT("N:22", FN_EXTRACT, "S:HOUR", "D:1700000000.5");
    EXPECT("N:5138", FN_EXTRACT, "S:YEAR", "N:100000000000"); /* 1e11 itself: seconds */
    EXPECT("N:1973", FN_EXTRACT, "S:YEAR", "N:100000000001"); /* just above: ms */
    EXPECT("N:1969", FN_EXTRACT, "S:YEAR", "N:-1");
    EXPECT("N:59.5", FN_EXTRACT, "S:SECOND", "N:-0.5");
    EXPECT("N:-0.5", FN_EXTRACT, "S:EPOCH", "N:-0.5");
    /* Errors: the field, the value, and what would work. */
    EXPECT("ERR:EXTRACT: unknown field 'YAER' (did you mean YEAR?); the fields are YEAR, QUARTER, "
           "MONTH, WEEK, DAY, HOUR, MINUTE, SECOND, DOW, DOY, EPOCH",
           FN_EXTRACT, "S:YAER", ts);
    EXPECT("ERR:EXTRACT: unknown field 'CENTURY'; the fields are YEAR, QUARTER, MONTH, WEEK, DAY, "
           "HOUR, MINUTE, SECOND, DOW, DOY, EPOCH",
           FN_EXTRACT, "S:CENTURY", ts);
    EXPECT_ERR("EXTRACT: argument 1 must be a field name, got NUMBER", FN_EXTRACT, "N:1", ts);
    EXPECT("ERR:EXTRACT: argument 2 'yesterday' is not a date or timestamp: it does not start "
           "with a date YYYY-MM-DD; use 'YYYY-MM-DD', 'YYYY-MM-DDTHH:MM[:SS[.fff]][Z|+HH:MM|-HH:"
           "MM]' (a space may replace the T) or an epoch NUMBER (seconds, or milliseconds above "
           "1e11)",
           FN_EXTRACT, "S:YEAR", "S:yesterday");
    EXPECT_ERR("argument 2 '2023-02-29' is not a date or timestamp: day 29 is not 1..28 for "
               "2023-02",
               FN_EXTRACT, "S:DAY", "S:2023-02-29");
    EXPECT_ERR("argument 2 '2024-01-01T24:00' is not a date or timestamp: hour 24 is not 0..23",
               FN_EXTRACT, "S:DAY", "S:2024-01-01T24:00");
    EXPECT_ERR("argument 2 (1E20) is not a usable epoch time: it is outside the years "
               "0000..9999 as epoch milliseconds",
               FN_EXTRACT, "S:YEAR", "N:1E20");
    EXPECT_ERR("argument 2 (inf) is not a usable epoch time", FN_EXTRACT, "S:YEAR", "D:inf");
    EXPECT_ERR("EXTRACT: argument 2 must be an ISO-8601 date STRING or an epoch NUMBER, got "
               "BOOLEAN",
               FN_EXTRACT, "S:YEAR", "T");
    /* A long bad value is cut in the message. */
    EXPECT_ERR("'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' is not a date", FN_EXTRACT, "S:DAY",
               "S:xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
}

static void test_date_trunc(void **state)
{
    (void)state;
    const char *ts = "S:2024-05-15T13:45:06.250Z"; /* a Wednesday */
    EXPECT("S:2024-01-01T00:00:00.000Z", FN_DATE_TRUNC, "S:YEAR", ts);
    EXPECT("S:2024-04-01T00:00:00.000Z", FN_DATE_TRUNC, "S:QUARTER", ts);
    EXPECT("S:2024-05-01T00:00:00.000Z", FN_DATE_TRUNC, "S:MONTH", ts);
    EXPECT("S:2024-05-13T00:00:00.000Z", FN_DATE_TRUNC, "S:WEEK", ts);
    EXPECT("S:2024-05-15T00:00:00.000Z", FN_DATE_TRUNC, "S:DAY", ts);
    EXPECT("S:2024-05-15T13:00:00.000Z", FN_DATE_TRUNC, "S:HOUR", ts);
    EXPECT("S:2024-05-15T13:45:00.000Z", FN_DATE_TRUNC, "S:MINUTE", ts);
    EXPECT("S:2024-05-15T13:45:06.000Z", FN_DATE_TRUNC, "S:SECOND", ts);
    EXPECT("S:2024-05-15T13:00:00.000Z", FN_DATE_TRUNC, "S:hour", ts);
    /* The input's own format: separator, fraction digits, zone or not. */
    EXPECT("S:2024-05-15 13:00:00", FN_DATE_TRUNC, "S:HOUR", "S:2024-05-15 13:45:06");
    EXPECT("S:2024-05-15T13:00:00", FN_DATE_TRUNC, "S:HOUR", "S:2024-05-15T13:45");
    EXPECT("S:2024-05-15T13:00:00.000000Z", FN_DATE_TRUNC, "S:HOUR",
           "S:2024-05-15T13:45:06.123456Z");
    /* An offset is converted: the result is the UTC instant, with Z. */
    EXPECT("S:2024-05-14T00:00:00Z", FN_DATE_TRUNC, "S:DAY", "S:2024-05-15T01:00:00+02:00");
    EXPECT("S:2024-05-15T11:00:00Z", FN_DATE_TRUNC, "S:HOUR", "S:2024-05-15T13:45:00+02:00");
    /* A date stays a date. */
    EXPECT("S:2024-05-01", FN_DATE_TRUNC, "S:MONTH", "S:2024-05-15");
    EXPECT("S:2024-05-15", FN_DATE_TRUNC, "S:HOUR", "S:2024-05-15");
    EXPECT("S:2023-12-25", FN_DATE_TRUNC, "S:WEEK", "S:2023-12-31"); /* Sunday: back to Monday */
    EXPECT("S:2024-12-30", FN_DATE_TRUNC, "S:WEEK", "S:2025-01-01"); /* across the year */
    EXPECT("S:2024-12-30", FN_DATE_TRUNC, "S:WEEK", "S:2024-12-30"); /* a Monday stays */
    EXPECT("S:2024-10-01", FN_DATE_TRUNC, "S:QUARTER", "S:2024-12-31");
    /* An epoch number stays one, in its own unit. */
    EXPECT("N:1699920000", FN_DATE_TRUNC, "S:DAY", "N:1700000000");
    EXPECT("N:1699920000000", FN_DATE_TRUNC, "S:DAY", "N:1700000000123");
    EXPECT("N:1700000000", FN_DATE_TRUNC, "S:SECOND", "N:1700000000.75");
    EXPECT("N:1700000000000", FN_DATE_TRUNC, "S:SECOND", "N:1700000000000.5");
    EXPECT("N:1699833600", FN_DATE_TRUNC, "S:WEEK", "N:1700000000"); /* Monday 2023-11-13 */
    EXPECT("N:-86400", FN_DATE_TRUNC, "S:DAY", "N:-1");
    EXPECT("N:1699999200", FN_DATE_TRUNC, "S:HOUR", "D:1700000000.5");
    /* Errors. */
    EXPECT("ERR:DATE_TRUNC: unknown unit 'DOW'; the units are YEAR, QUARTER, MONTH, WEEK, DAY, "
           "HOUR, MINUTE, SECOND",
           FN_DATE_TRUNC, "S:DOW", ts);
    EXPECT_ERR("DATE_TRUNC: unknown unit 'EPOCH'", FN_DATE_TRUNC, "S:EPOCH", ts);
    EXPECT_ERR("unknown unit 'MONHT' (did you mean MONTH?)", FN_DATE_TRUNC, "S:MONHT", ts);
    EXPECT_ERR("DATE_TRUNC: argument 2 '2024-02-30' is not a date or timestamp: day 30 is not "
               "1..29 for 2024-02",
               FN_DATE_TRUNC, "S:DAY", "S:2024-02-30");
    EXPECT("ERR:DATE_TRUNC: the start of the WEEK falls before the year 0000", FN_DATE_TRUNC,
           "S:WEEK", "S:0000-01-01");
    EXPECT_ERR("DATE_TRUNC: argument 1 must be a unit name, got NUMBER", FN_DATE_TRUNC, "N:1", ts);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),         cmocka_unit_test(test_arity_and_bad_id),
        cmocka_unit_test(test_nulls),         cmocka_unit_test(test_coalesce_nullif),
        cmocka_unit_test(test_typeof),        cmocka_unit_test(test_concat),
        cmocka_unit_test(test_concat_limit),  cmocka_unit_test(test_case),
        cmocka_unit_test(test_length),        cmocka_unit_test(test_substring),
        cmocka_unit_test(test_trim),          cmocka_unit_test(test_replace),
        cmocka_unit_test(test_replace_limit), cmocka_unit_test(test_position),
        cmocka_unit_test(test_abs),           cmocka_unit_test(test_round),
        cmocka_unit_test(test_floor_ceil),    cmocka_unit_test(test_mod),
        cmocka_unit_test(test_size),          cmocka_unit_test(test_contains),
        cmocka_unit_test(test_current),       cmocka_unit_test(test_extract),
        cmocka_unit_test(test_date_trunc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
