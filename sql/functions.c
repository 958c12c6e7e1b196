/* memmem (glibc: linear time, so hostile strings cannot make searches quadratic). */
#define _GNU_SOURCE

#include "sql/functions.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/base/alloc.h"
#include "core/base/suggest.h"
#include "sql/datetime.h"
#include "sql/ddb_value.h"

/* ---- the table -------------------------------------------------------------- */

/* Indexed by fn_id (checked by the unit tests). */
static const fn_info FNS[FN_COUNT_] = {
    {FN_COALESCE, "COALESCE", 1, -1, "COALESCE(a, b, ...)"},
    {FN_NULLIF, "NULLIF", 2, 2, "NULLIF(a, b)"},
    {FN_LOWER, "LOWER", 1, 1, "LOWER(s)"},
    {FN_UPPER, "UPPER", 1, 1, "UPPER(s)"},
    {FN_LENGTH, "LENGTH", 1, 1, "LENGTH(s)"},
    {FN_SUBSTRING, "SUBSTRING", 2, 3, "SUBSTRING(s, start [, count])"},
    {FN_TRIM, "TRIM", 1, 2, "TRIM(s [, chars])"},
    {FN_LTRIM, "LTRIM", 1, 2, "LTRIM(s [, chars])"},
    {FN_RTRIM, "RTRIM", 1, 2, "RTRIM(s [, chars])"},
    {FN_REPLACE, "REPLACE", 3, 3, "REPLACE(s, from, to)"},
    {FN_POSITION, "POSITION", 2, 2, "POSITION(needle IN haystack)"},
    {FN_ABS, "ABS", 1, 1, "ABS(n)"},
    {FN_ROUND, "ROUND", 1, 2, "ROUND(n [, digits])"},
    {FN_FLOOR, "FLOOR", 1, 1, "FLOOR(n)"},
    {FN_CEIL, "CEIL", 1, 1, "CEIL(n)"},
    {FN_MOD, "MOD", 2, 2, "MOD(a, b)"},
    {FN_SIZE, "SIZE", 1, 1, "SIZE(x)"},
    {FN_CONTAINS, "CONTAINS", 2, 2, "CONTAINS(collection, value)"},
    {FN_CURRENT_DATE, "CURRENT_DATE", 0, 0, "CURRENT_DATE"},
    {FN_CURRENT_TIMESTAMP, "CURRENT_TIMESTAMP", 0, 0, "CURRENT_TIMESTAMP"},
    {FN_EXTRACT, "EXTRACT", 2, 2, "EXTRACT(field FROM t)"},
    {FN_DATE_TRUNC, "DATE_TRUNC", 2, 2, "DATE_TRUNC(unit, t)"},
    {FN_TYPEOF, "TYPEOF", 1, 1, "TYPEOF(x)"},
    {FN_CONCAT, "CONCAT", 1, -1, "CONCAT(a, b, ...)"},
};

static const struct {
    const char *name;
    fn_id id;
} ALIASES[] = {
    {"CEILING", FN_CEIL},       {"CARDINALITY", FN_SIZE},        {"NOW", FN_CURRENT_TIMESTAMP},
    {"CHAR_LENGTH", FN_LENGTH}, {"CHARACTER_LENGTH", FN_LENGTH}, {"SUBSTR", FN_SUBSTRING},
};

const fn_info *fn_lookup(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < FN_COUNT_; i++)
        if (strcasecmp(FNS[i].name, name) == 0)
            return &FNS[i];
    for (size_t i = 0; i < sizeof ALIASES / sizeof ALIASES[0]; i++)
        if (strcasecmp(ALIASES[i].name, name) == 0)
            return &FNS[ALIASES[i].id];
    return NULL;
}

const fn_info *fn_all(size_t *n)
{
    *n = FN_COUNT_;
    return FNS;
}

/* ---- errors ------------------------------------------------------------------ */

static const char *fname(fn_id fn)
{
    return (unsigned)fn < FN_COUNT_ ? FNS[fn].name : "function";
}

/* "SUBSTRING: argument 2 must be an integer NUMBER, got STRING 'x'; <hint>" */
static bool arg_fail(exec_ctx *ctx, const sql_pos *pos, fn_id fn, size_t i, const char *need,
                     const value_t *got, const char *hint)
{
    char shown[80] = "";
    if (got->type == VAL_STRING) {
        size_t n = got->u.bytes->len > 40 ? 40 : got->u.bytes->len;
        snprintf(shown, sizeof shown, " '%.*s%s'", (int)n, got->u.bytes->data,
                 n < got->u.bytes->len ? "..." : "");
    }
    return exec_fail(ctx, EXEC_ERR_SQL, pos, "%s: argument %zu must be %s, got %s%s%s%s", fname(fn),
                     i + 1, need, value_type_name(got->type), shown, hint ? "; " : "",
                     hint ? hint : "");
}

static bool num_status_fail(exec_ctx *ctx, const sql_pos *pos, fn_id fn, dec_status st)
{
    if (st == DEC_ERR_RANGE)
        return exec_fail(ctx, EXEC_ERR_SQL, pos,
                         "%s: numeric overflow: the result is outside DynamoDB's number range "
                         "(1E-130 to 9.99E+125 in magnitude)",
                         fname(fn));
    if (st == DEC_ERR_DIV_ZERO)
        return exec_fail(ctx, EXEC_ERR_SQL, pos,
                         "%s: division by zero (argument 2 is 0); guard it with NULLIF(b, 0)",
                         fname(fn));
    return exec_fail(ctx, EXEC_ERR_SQL, pos, "%s: %s", fname(fn), dec_status_str(st));
}

static bool too_long(exec_ctx *ctx, const sql_pos *pos, fn_id fn)
{
    return exec_fail(ctx, EXEC_ERR_SQL, pos,
                     "%s: the result would be longer than %d bytes; work on shorter strings",
                     fname(fn), FN_MAX_RESULT_BYTES);
}

#define NEED_STRING  "a STRING"
#define HINT_TEXT    "use CAST(x AS TEXT) to convert"
#define NEED_NUMBER  "a NUMBER"
#define HINT_DECIMAL "use CAST(x AS DECIMAL) to convert"
#define NEED_INTEGER "an integer NUMBER"
#define HINT_INTEGER "use CAST(x AS INTEGER) to convert"

/* An integer argument as an exact decimal (integral NUMBERs, and DOUBLEs
 * with an integral value; doubles beyond DynamoDB's range become +-1E+100,
 * which is as good as infinite for positions and digits). */
static bool int_arg(exec_ctx *ctx, const sql_pos *pos, fn_id fn, const value_t *args, size_t i,
                    dec_t *out)
{
    const value_t *v = &args[i];
    if (v->type == VAL_NUMBER && dec_is_integer(&v->u.num.d)) {
        *out = v->u.num.d;
        return true;
    }
    if (v->type == VAL_DOUBLE && !isnan(v->u.f)) {
        if (dec_from_double(v->u.f, out) != DEC_OK) {
            double a = v->u.f < 0 ? -v->u.f : v->u.f;
            if (a >= 1) {
                out->coef = v->u.f < 0 ? -1 : 1;
                out->exp = 100;
                return true;
            }
        } else if (dec_is_integer(out)) {
            return true;
        }
    }
    if (v->type == VAL_NUMBER || v->type == VAL_DOUBLE) {
        char t[DEC_STR_MAX];
        const char *txt = t;
        if (v->type == VAL_NUMBER)
            txt = value_number_text(v, t);
        else
            snprintf(t, sizeof t, "%.17g", v->u.f);
        return exec_fail(ctx, EXEC_ERR_SQL, pos,
                         "%s: argument %zu must be an integer NUMBER, got %s; use ROUND(x) or "
                         "CAST(x AS INTEGER)",
                         fname(fn), i + 1, txt);
    }
    return arg_fail(ctx, pos, fn, i, NEED_INTEGER, v, HINT_INTEGER);
}

/* An integral decimal saturated to +-2^62 (beyond any string's length). */
static int64_t sat62(const dec_t *d)
{
    const int64_t lim = INT64_C(1) << 62;
    int64_t x;
    if (dec_to_int64(d, &x) != DEC_OK)
        return dec_sign(d) < 0 ? -lim : lim;
    return x < -lim ? -lim : x > lim ? lim : x;
}

/* ---- UTF-8 ------------------------------------------------------------------ */

/* Bytes of the character at s[i] (i < len): a well-formed UTF-8 sequence, or
 * 1 for an invalid byte (which counts as one character). */
static size_t u8_len(const unsigned char *s, size_t len, size_t i)
{
    unsigned c = s[i];
    size_t n;
    unsigned lo = 0x80, hi = 0xBF;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0)
            lo = 0xA0; /* no overlong forms */
        else if (c == 0xED)
            hi = 0x9F; /* no surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F; /* <= U+10FFFF */
    } else {
        return 1;
    }
    if (len - i < n)
        return 1;
    if (s[i + 1] < lo || s[i + 1] > hi)
        return 1;
    for (size_t k = 2; k < n; k++)
        if (s[i + k] < 0x80 || s[i + k] > 0xBF)
            return 1;
    return n;
}

static size_t u8_count(const char *p, size_t len)
{
    const unsigned char *s = (const unsigned char *)p;
    size_t n = 0;
    for (size_t i = 0; i < len; i += u8_len(s, len, i))
        n++;
    return n;
}

/* Byte offset of character k (0-based) in s, or len when past the end. */
static size_t u8_offset(const char *p, size_t len, int64_t k)
{
    const unsigned char *s = (const unsigned char *)p;
    size_t i = 0;
    while (k > 0 && i < len) {
        i += u8_len(s, len, i);
        k--;
    }
    return i;
}

/* ---- string functions --------------------------------------------------------- */

static bool string_arg(exec_ctx *ctx, const sql_pos *pos, fn_id fn, const value_t *args, size_t i)
{
    if (args[i].type == VAL_STRING)
        return true;
    return arg_fail(ctx, pos, fn, i, NEED_STRING, &args[i], HINT_TEXT);
}

static bool any_null(const value_t *args, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (args[i].type == VAL_NULL)
            return true;
    return false;
}

static bool fn_case(exec_ctx *ctx, fn_id fn, const value_t *args, const sql_pos *pos, value_t *out)
{
    if (!string_arg(ctx, pos, fn, args, 0))
        return false;
    const vbytes *b = args[0].u.bytes;
    char *s = xmalloc(b->len + 1);
    for (size_t i = 0; i < b->len; i++) {
        char c = b->data[i];
        if (fn == FN_LOWER && c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        else if (fn == FN_UPPER && c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        s[i] = c;
    }
    *out = value_string(s, b->len);
    free(s);
    return true;
}

static bool fn_length(exec_ctx *ctx, fn_id fn, const value_t *args, const sql_pos *pos,
                      value_t *out)
{
    if (args[0].type == VAL_BINARY) {
        *out = value_int((int64_t)args[0].u.bytes->len);
        return true;
    }
    if (args[0].type != VAL_STRING)
        return arg_fail(ctx, pos, fn, 0, "a STRING or BINARY", &args[0], HINT_TEXT);
    *out = value_int((int64_t)u8_count(args[0].u.bytes->data, args[0].u.bytes->len));
    return true;
}

/* SQL SUBSTRING: characters start .. start+count-1 that lie within 1..len, so
 * a start below 1 shortens the result. Of a BINARY, bytes. */
static bool fn_substring(exec_ctx *ctx, fn_id fn, const value_t *args, size_t n, const sql_pos *pos,
                         value_t *out)
{
    const value_t *s = &args[0];
    if (s->type != VAL_STRING && s->type != VAL_BINARY)
        return arg_fail(ctx, pos, fn, 0, "a STRING or BINARY", s, HINT_TEXT);
    dec_t start_d, count_d, end_d;
    if (!int_arg(ctx, pos, fn, args, 1, &start_d))
        return false;
    int64_t start = sat62(&start_d), end = 0; /* end: exclusive, 1-based */
    if (n > 2) {
        if (!int_arg(ctx, pos, fn, args, 2, &count_d))
            return false;
        if (dec_sign(&count_d) < 0) {
            char t[DEC_STR_MAX];
            dec_format(&count_d, t);
            return exec_fail(ctx, EXEC_ERR_SQL, pos,
                             "SUBSTRING: argument 3 (the count) must not be negative, got %s", t);
        }
        /* The end is computed exactly, then saturated: SUBSTRING(s, -1E30,
           1E30 + 3) is the first two characters. */
        if (dec_add(&start_d, &count_d, &end_d) == DEC_OK)
            end = sat62(&end_d);
        else
            end = INT64_C(1) << 62; /* only two huge positives overflow */
    }
    int64_t first = start < 1 ? 1 : start;
    const vbytes *b = s->u.bytes;
    size_t from, to;
    if (s->type == VAL_BINARY) {
        from = (uint64_t)(first - 1) < b->len ? (size_t)(first - 1) : b->len;
        to = b->len;
        if (n > 2) {
            to = end <= 1 ? 0 : (uint64_t)(end - 1) < b->len ? (size_t)(end - 1) : b->len;
        }
        *out = value_binary(b->data + from, to > from ? to - from : 0);
        return true;
    }
    from = u8_offset(b->data, b->len, first - 1);
    to = b->len;
    if (n > 2) {
        int64_t nchars = end - first;
        to = nchars <= 0 ? from : from + u8_offset(b->data + from, b->len - from, nchars);
    }
    *out = value_string(b->data + from, to - from);
    return true;
}

/* Is the character c[0..k) one of the characters of set[0..n)? */
static bool in_set(const char *c, size_t k, const char *set, size_t n)
{
    const unsigned char *p = (const unsigned char *)set;
    for (size_t j = 0; j < n;) {
        size_t m = u8_len(p, n, j);
        if (m == k && memcmp(set + j, c, k) == 0)
            return true;
        j += m;
    }
    return false;
}

static bool fn_trim(exec_ctx *ctx, fn_id fn, const value_t *args, size_t n, const sql_pos *pos,
                    value_t *out)
{
    if (!string_arg(ctx, pos, fn, args, 0) || (n > 1 && !string_arg(ctx, pos, fn, args, 1)))
        return false;
    const char *set = n > 1 ? args[1].u.bytes->data : " ";
    size_t nset = n > 1 ? args[1].u.bytes->len : 1;
    const vbytes *b = args[0].u.bytes;
    const unsigned char *s = (const unsigned char *)b->data;
    size_t from = 0, to = b->len;
    if (fn != FN_RTRIM) {
        while (from < to) {
            size_t k = u8_len(s, b->len, from);
            if (!in_set(b->data + from, k, set, nset))
                break;
            from += k;
        }
    }
    if (fn != FN_LTRIM) {
        /* Walk forward recording the end of the last character to keep. */
        size_t keep = from;
        for (size_t i = from; i < to;) {
            size_t k = u8_len(s, b->len, i);
            if (!in_set(b->data + i, k, set, nset))
                keep = i + k;
            i += k;
        }
        to = keep;
    }
    *out = value_string(b->data + from, to - from);
    return true;
}

/* REPLACE matches bytewise: for valid UTF-8 that is matching characters. */
static bool fn_replace(exec_ctx *ctx, fn_id fn, const value_t *args, const sql_pos *pos,
                       value_t *out)
{
    for (size_t i = 0; i < 3; i++)
        if (!string_arg(ctx, pos, fn, args, i))
            return false;
    const vbytes *s = args[0].u.bytes, *from = args[1].u.bytes, *to = args[2].u.bytes;
    if (from->len == 0 || from->len > s->len) {
        *out = value_copy(&args[0]);
        return true;
    }
    /* Count first, so the result's size is checked before it is built. */
    size_t hits = 0;
    for (const char *p = s->data, *end = s->data + s->len;;) {
        const char *q = memmem(p, (size_t)(end - p), from->data, from->len);
        if (!q)
            break;
        hits++;
        p = q + from->len;
    }
    if (hits == 0) {
        *out = value_copy(&args[0]);
        return true;
    }
    size_t keep = s->len - hits * from->len;
    if (to->len && hits > (FN_MAX_RESULT_BYTES - keep) / to->len)
        return too_long(ctx, pos, fn);
    size_t total = keep + hits * to->len;
    char *r = xmalloc(total + 1), *w = r;
    for (const char *p = s->data, *end = s->data + s->len;;) {
        const char *q = memmem(p, (size_t)(end - p), from->data, from->len);
        if (!q) {
            memcpy(w, p, (size_t)(end - p));
            w += end - p;
            break;
        }
        memcpy(w, p, (size_t)(q - p));
        w += q - p;
        memcpy(w, to->data, to->len);
        w += to->len;
        p = q + from->len;
    }
    *out = value_string(r, (size_t)(w - r));
    free(r);
    return true;
}

static bool fn_position(exec_ctx *ctx, fn_id fn, const value_t *args, const sql_pos *pos,
                        value_t *out)
{
    if (!string_arg(ctx, pos, fn, args, 0) || !string_arg(ctx, pos, fn, args, 1))
        return false;
    const vbytes *needle = args[0].u.bytes, *hay = args[1].u.bytes;
    if (needle->len == 0) {
        *out = value_int(1);
        return true;
    }
    const char *q = memmem(hay->data, hay->len, needle->data, needle->len);
    *out = value_int(q ? (int64_t)u8_count(hay->data, (size_t)(q - hay->data)) + 1 : 0);
    return true;
}

/* The text CONCAT and || give a value: STRINGs as they are, NUMBERs, DOUBLEs
 * and BOOLEANs converted. */
static bool concat_piece(const value_t *v, value_t *out)
{
    if (v->type == VAL_STRING) {
        *out = value_copy(v);
        return true;
    }
    if (v->type != VAL_NUMBER && v->type != VAL_DOUBLE && v->type != VAL_BOOL)
        return false;
    char err[128];
    return value_cast(v, CAST_TEXT, out, err, sizeof err);
}

static bool fn_concat(exec_ctx *ctx, fn_id fn, const value_t *args, size_t n, const sql_pos *pos,
                      value_t *out)
{
    buf_t b = BUF_INIT(FN_MAX_RESULT_BYTES);
    for (size_t i = 0; i < n; i++) {
        if (args[i].type == VAL_NULL)
            continue;
        value_t t;
        if (!concat_piece(&args[i], &t)) {
            buf_free(&b);
            return arg_fail(ctx, pos, fn, i, "a STRING (NUMBERs and BOOLEANs are converted)",
                            &args[i], "use CAST(x AS TEXT) for other types");
        }
        bool ok = buf_append(&b, t.u.bytes->data, t.u.bytes->len);
        value_free(&t);
        if (!ok) {
            buf_free(&b);
            return too_long(ctx, pos, fn);
        }
    }
    *out = value_string(buf_cstr(&b), b.len);
    buf_free(&b);
    return true;
}

/* ---- numeric functions -------------------------------------------------------- */

static bool number_arg(exec_ctx *ctx, const sql_pos *pos, fn_id fn, const value_t *args, size_t i)
{
    if (args[i].type == VAL_NUMBER || args[i].type == VAL_DOUBLE)
        return true;
    return arg_fail(ctx, pos, fn, i, NEED_NUMBER, &args[i], HINT_DECIMAL);
}

/* floor/ceil of a double without libm: doubles at or beyond 2^52 are
 * integers already. */
static double dbl_floor(double f)
{
    if (!(f > -4503599627370496.0 && f < 4503599627370496.0))
        return f; /* NaN, infinities, integers */
    double t = (double)(int64_t)f;
    return t > f ? t - 1 : t;
}

static double dbl_ceil(double f)
{
    if (!(f > -4503599627370496.0 && f < 4503599627370496.0))
        return f;
    double t = (double)(int64_t)f;
    return t < f ? t + 1 : t;
}

/* ROUND of a double on its shortest decimal form (what the user sees), so
 * ROUND(2.675, 2) is 2.68; values outside DynamoDB's range stay as they are
 * (huge ones are integers) or round to 0 (tiny ones). */
static double dbl_round(double f, int32_t digits)
{
    if (f != f || f == 0 || f - f != 0)
        return f; /* NaN, zero, infinities */
    dec_t d, r;
    if (dec_from_double(f, &d) != DEC_OK) {
        double a = f < 0 ? -f : f;
        return a < 1 ? 0.0 : f;
    }
    if (dec_round(&d, digits, &r) != DEC_OK)
        return f;
    return dec_to_double(&r);
}

static bool fn_unary_num(exec_ctx *ctx, fn_id fn, const value_t *args, size_t n, const sql_pos *pos,
                         value_t *out)
{
    if (!number_arg(ctx, pos, fn, args, 0))
        return false;
    int32_t digits = 0;
    if (fn == FN_ROUND && n > 1) {
        dec_t xd;
        if (!int_arg(ctx, pos, fn, args, 1, &xd))
            return false;
        int64_t x = sat62(&xd);
        digits = x < -100000 ? -100000 : x > 100000 ? 100000 : (int32_t)x;
    }
    if (args[0].type == VAL_DOUBLE) {
        double f = args[0].u.f;
        switch (fn) {
        case FN_ABS:
            f = f < 0 ? -f : f == 0 ? 0.0 : f;
            break;
        case FN_FLOOR:
            f = dbl_floor(f);
            break;
        case FN_CEIL:
            f = dbl_ceil(f);
            break;
        default: /* FN_ROUND */
            f = dbl_round(f, digits);
            break;
        }
        *out = value_double(f);
        return true;
    }
    const dec_t *a = &args[0].u.num.d;
    dec_t r;
    dec_status st = DEC_OK;
    switch (fn) {
    case FN_ABS:
        if (dec_sign(a) > 0) {
            *out = value_copy(&args[0]); /* keeps the original text */
            return true;
        }
        dec_abs(a, &r);
        break;
    case FN_FLOOR:
        st = dec_floor(a, &r);
        break;
    case FN_CEIL:
        st = dec_ceil(a, &r);
        break;
    default:
        st = dec_round(a, digits, &r);
        break;
    }
    if (st != DEC_OK)
        return num_status_fail(ctx, pos, fn, st);
    *out = value_number(&r);
    return true;
}

static double as_double(const value_t *v)
{
    return v->type == VAL_DOUBLE ? v->u.f : dec_to_double(&v->u.num.d);
}

static bool fn_mod(exec_ctx *ctx, fn_id fn, const value_t *args, const sql_pos *pos, value_t *out)
{
    if (!number_arg(ctx, pos, fn, args, 0) || !number_arg(ctx, pos, fn, args, 1))
        return false;
    if (args[0].type == VAL_NUMBER && args[1].type == VAL_NUMBER) {
        dec_t r;
        dec_status st = dec_mod(&args[0].u.num.d, &args[1].u.num.d, &r);
        if (st != DEC_OK)
            return num_status_fail(ctx, pos, fn, st);
        *out = value_number(&r);
        return true;
    }
    /* fmod without libm, as the % operator does: the exact remainder of the
     * doubles' shortest decimal forms, with fmod's rules otherwise. */
    double x = as_double(&args[0]), y = as_double(&args[1]);
    if (y == 0)
        return num_status_fail(ctx, pos, fn, DEC_ERR_DIV_ZERO);
    double r;
    if (isnan(x) || isnan(y) || isinf(x)) {
        r = NAN;
    } else if (isinf(y)) {
        r = x;
    } else {
        dec_t a, b, m;
        if (dec_from_double(x, &a) != DEC_OK || dec_from_double(y, &b) != DEC_OK ||
            dec_mod(&a, &b, &m) != DEC_OK)
            return exec_fail(ctx, EXEC_ERR_SQL, pos,
                             "MOD: a DOUBLE outside DynamoDB's number range; use NUMBERs");
        r = dec_to_double(&m);
    }
    *out = value_double(r);
    return true;
}

/* ---- documents ------------------------------------------------------------------ */

static size_t doc_len(json_object *doc)
{
    if (json_object_is_type(doc, json_type_array))
        return json_object_array_length(doc);
    if (json_object_is_type(doc, json_type_object))
        return (size_t)json_object_object_length(doc);
    return 0;
}

static bool fn_size(exec_ctx *ctx, fn_id fn, const value_t *args, const sql_pos *pos, value_t *out)
{
    const value_t *v = &args[0];
    switch (v->type) {
    case VAL_STRING:
        *out = value_int((int64_t)u8_count(v->u.bytes->data, v->u.bytes->len));
        return true;
    case VAL_BINARY:
        *out = value_int((int64_t)v->u.bytes->len);
        return true;
    case VAL_LIST:
    case VAL_MAP:
    case VAL_SS:
    case VAL_NS:
    case VAL_BS:
        *out = value_int((int64_t)doc_len(v->u.doc));
        return true;
    default:
        return arg_fail(ctx, pos, fn, 0, "a LIST, MAP, set (SS, NS, BS), STRING or BINARY", v,
                        "TYPEOF(x) tells what it is");
    }
}

/* Does the set element (a string in a SS/NS/BS array) equal v? */
static bool set_elem_equal(json_object *elem, const char *tag, const value_t *v)
{
    json_object *av = json_object_new_object();
    json_object_object_add(av, tag, json_object_get(elem));
    value_t e;
    char err[64];
    bool eq = ddb_to_value_shallow(av, &e, err, sizeof err) && value_equal(&e, v);
    value_free(&e);
    json_object_put(av);
    return eq;
}

/* DynamoDB's contains(): a substring of a STRING, a byte run of a BINARY, an
 * element of a set or a LIST. Anything else is simply false, as in DynamoDB,
 * so a filter gives the same answer here and there. */
static bool fn_contains(const value_t *args, value_t *out)
{
    const value_t *c = &args[0], *v = &args[1];
    bool found = false;
    switch (c->type) {
    case VAL_STRING:
    case VAL_BINARY:
        if (v->type == c->type)
            found = v->u.bytes->len == 0 || memmem(c->u.bytes->data, c->u.bytes->len,
                                                   v->u.bytes->data, v->u.bytes->len) != NULL;
        break;
    case VAL_LIST:
        if (!json_object_is_type(c->u.doc, json_type_array))
            break;
        for (size_t i = 0, n = json_object_array_length(c->u.doc); i < n && !found; i++) {
            value_t e;
            char err[64];
            if (ddb_to_value_shallow(json_object_array_get_idx(c->u.doc, i), &e, err, sizeof err))
                found = value_equal(&e, v);
            value_free(&e);
        }
        break;
    case VAL_SS:
    case VAL_NS:
    case VAL_BS: {
        const char *tag = c->type == VAL_SS ? "S" : c->type == VAL_NS ? "N" : "B";
        if (!json_object_is_type(c->u.doc, json_type_array))
            break;
        for (size_t i = 0, n = json_object_array_length(c->u.doc); i < n && !found; i++)
            found = set_elem_equal(json_object_array_get_idx(c->u.doc, i), tag, v);
        break;
    }
    default:
        break;
    }
    *out = value_bool(found);
    return true;
}

/* ---- dates ------------------------------------------------------------------------ */

static bool fn_now(exec_ctx *ctx, fn_id fn, const sql_pos *pos, value_t *out)
{
    dt_time t;
    if (!dt_from_ms(ctx->now_ms, fn == FN_CURRENT_DATE, &t))
        return exec_fail(ctx, EXEC_ERR_SQL, pos, "%s: the clock is outside the years 0000..9999",
                         fname(fn));
    char buf[DT_STR_MAX];
    size_t n = dt_format(&t, buf);
    *out = value_string(buf, n);
    return true;
}

/* A date/time argument: an ISO-8601 STRING or an epoch NUMBER (or DOUBLE). */
static bool time_arg(exec_ctx *ctx, const sql_pos *pos, fn_id fn, const value_t *args, size_t i,
                     dt_time *t)
{
    const value_t *v = &args[i];
    char why[160];
    if (v->type == VAL_STRING) {
        const vbytes *b = v->u.bytes;
        if (dt_parse(b->data, b->len, t, why, sizeof why))
            return true;
        size_t k = b->len > 40 ? 40 : b->len;
        return exec_fail(
            ctx, EXEC_ERR_SQL, pos,
            "%s: argument %zu '%.*s%s' is not a date or timestamp: %s; use " DT_FORMATS, fname(fn),
            i + 1, (int)k, b->data, k < b->len ? "..." : "", why);
    }
    if (v->type == VAL_NUMBER || v->type == VAL_DOUBLE) {
        dec_t d;
        char txt[DEC_STR_MAX];
        if (v->type == VAL_DOUBLE) {
            if (dec_from_double(v->u.f, &d) != DEC_OK) {
                snprintf(txt, sizeof txt, "%g", v->u.f);
                return exec_fail(
                    ctx, EXEC_ERR_SQL, pos,
                    "%s: argument %zu (%s) is not a usable epoch time; use " DT_FORMATS, fname(fn),
                    i + 1, txt);
            }
        } else {
            d = v->u.num.d;
        }
        if (dt_from_epoch(&d, t, why, sizeof why))
            return true;
        const char *shown = v->type == VAL_NUMBER ? value_number_text(v, txt) : txt;
        if (v->type == VAL_DOUBLE)
            snprintf(txt, sizeof txt, "%.17g", v->u.f);
        return exec_fail(ctx, EXEC_ERR_SQL, pos,
                         "%s: argument %zu (%s) is not a usable epoch time: %s; use " DT_FORMATS,
                         fname(fn), i + 1, shown, why);
    }
    return arg_fail(ctx, pos, fn, i, "an ISO-8601 date STRING or an epoch NUMBER", v,
                    "use " DT_FORMATS);
}

/* The field (EXTRACT) or unit (DATE_TRUNC) argument. */
static bool field_arg(exec_ctx *ctx, const sql_pos *pos, fn_id fn, const value_t *args, dt_field *f)
{
    const char *what = fn == FN_EXTRACT ? "field" : "unit";
    const char *list = fn == FN_EXTRACT ? DT_EXTRACT_FIELDS : DT_TRUNC_UNITS;
    if (args[0].type != VAL_STRING)
        return arg_fail(
            ctx, pos, fn, 0, fn == FN_EXTRACT ? "a field name" : "a unit name", &args[0],
            fn == FN_EXTRACT ? "use one of " DT_EXTRACT_FIELDS : "use one of " DT_TRUNC_UNITS);
    const vbytes *b = args[0].u.bytes;
    if (dt_field_parse(b->data, b->len, f) && (fn == FN_EXTRACT || dt_field_truncates(*f)))
        return true;
    const char *cands[DT_F_COUNT_];
    size_t nc = 0;
    for (int k = 0; k < DT_F_COUNT_; k++)
        if (fn == FN_EXTRACT || dt_field_truncates((dt_field)k))
            cands[nc++] = dt_field_name((dt_field)k);
    char word[65];
    size_t k = b->len < 64 ? b->len : 64;
    memcpy(word, b->data, k);
    word[k] = '\0';
    const char *near = strlen(word) == b->len ? suggest_nearest(word, cands, nc) : NULL;
    size_t shown = b->len > 40 ? 40 : b->len;
    return exec_fail(ctx, EXEC_ERR_SQL, pos, "%s: unknown %s '%.*s%s'%s%s%s; the %ss are %s",
                     fname(fn), what, (int)shown, b->data, shown < b->len ? "..." : "",
                     near ? " (did you mean " : "", near ? near : "", near ? "?)" : "", what, list);
}

static bool fn_extract(exec_ctx *ctx, fn_id fn, const value_t *args, const sql_pos *pos,
                       value_t *out)
{
    dt_field f;
    dt_time t;
    if (!field_arg(ctx, pos, fn, args, &f) || !time_arg(ctx, pos, fn, args, 1, &t))
        return false;
    dec_t d;
    dt_extract(&t, f, &d);
    *out = value_number(&d);
    return true;
}

static bool fn_date_trunc(exec_ctx *ctx, fn_id fn, const value_t *args, const sql_pos *pos,
                          value_t *out)
{
    dt_field f;
    dt_time t, r;
    if (!field_arg(ctx, pos, fn, args, &f) || !time_arg(ctx, pos, fn, args, 1, &t))
        return false;
    if (!dt_trunc(&t, f, &r))
        return exec_fail(ctx, EXEC_ERR_SQL, pos,
                         "DATE_TRUNC: the start of the %s falls before the year 0000",
                         dt_field_name(f));
    if (r.form == DT_DATE || r.form == DT_TIMESTAMP) {
        char buf[DT_STR_MAX];
        size_t n = dt_format(&r, buf);
        *out = value_string(buf, n);
    } else {
        dec_t d;
        dt_to_epoch(&r, &d);
        *out = value_number(&d);
    }
    return true;
}

/* ---- dispatch ------------------------------------------------------------------- */

bool fn_call(exec_ctx *ctx, fn_id fn, const value_t *args, size_t n, const sql_pos *pos,
             value_t *out)
{
    *out = value_null();
    if ((unsigned)fn >= FN_COUNT_)
        return exec_fail(ctx, EXEC_ERR_SQL, pos, "unknown function id %d", (int)fn);
    const fn_info *f = &FNS[fn];
    if (n < (size_t)f->min_args || (f->max_args >= 0 && n > (size_t)f->max_args))
        return exec_fail(ctx, EXEC_ERR_SQL, pos, "%s: wrong number of arguments (%zu); use %s",
                         f->name, n, f->signature);
    /* Functions that look at NULL arguments themselves. */
    switch (fn) {
    case FN_COALESCE:
        for (size_t i = 0; i < n; i++)
            if (args[i].type != VAL_NULL) {
                *out = value_copy(&args[i]);
                break;
            }
        return true;
    case FN_NULLIF:
        if (value_compare(&args[0], &args[1]) != VCMP_EQ)
            *out = value_copy(&args[0]);
        return true;
    case FN_TYPEOF:
        *out = value_cstring(value_type_name(args[0].type));
        return true;
    case FN_CONCAT:
        return fn_concat(ctx, fn, args, n, pos, out);
    case FN_CURRENT_DATE:
    case FN_CURRENT_TIMESTAMP:
        return fn_now(ctx, fn, pos, out);
    default:
        break;
    }
    if (any_null(args, n))
        return true;
    switch (fn) {
    case FN_LOWER:
    case FN_UPPER:
        return fn_case(ctx, fn, args, pos, out);
    case FN_LENGTH:
        return fn_length(ctx, fn, args, pos, out);
    case FN_SUBSTRING:
        return fn_substring(ctx, fn, args, n, pos, out);
    case FN_TRIM:
    case FN_LTRIM:
    case FN_RTRIM:
        return fn_trim(ctx, fn, args, n, pos, out);
    case FN_REPLACE:
        return fn_replace(ctx, fn, args, pos, out);
    case FN_POSITION:
        return fn_position(ctx, fn, args, pos, out);
    case FN_ABS:
    case FN_ROUND:
    case FN_FLOOR:
    case FN_CEIL:
        return fn_unary_num(ctx, fn, args, n, pos, out);
    case FN_MOD:
        return fn_mod(ctx, fn, args, pos, out);
    case FN_SIZE:
        return fn_size(ctx, fn, args, pos, out);
    case FN_CONTAINS:
        return fn_contains(args, out);
    case FN_EXTRACT:
        return fn_extract(ctx, fn, args, pos, out);
    case FN_DATE_TRUNC:
        return fn_date_trunc(ctx, fn, args, pos, out);
    default:
        return exec_fail(ctx, EXEC_ERR_SQL, pos, "%s is not a scalar function here", f->name);
    }
}
