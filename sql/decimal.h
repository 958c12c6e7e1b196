/* Exact decimal numbers for the SQL engine: value = coef * 10^exp with a
 * signed coefficient of at most 38 decimal digits, DynamoDB's precision.
 *
 * Range: a non-zero value's adjusted exponent (exp + digits - 1, the power of
 * ten of its leading digit) lies in DEC_MIN_ADJ..DEC_MAX_ADJ, DynamoDB's range
 * (1E-130 .. 9.99..9E+125). Any result outside it is DEC_ERR_RANGE: no silent
 * infinity, no silent flush to zero.
 *
 * Text: parsing keeps the scale ("1.50" is 150E-2) and formatting writes it
 * back ("1.50"), so a parsed number formats to the same digits; the value
 * layer additionally keeps the original text of numbers read from DynamoDB so
 * pass-through output is byte-exact (see value.h). There is no negative zero:
 * "-0" parses to 0 and formats as "0".
 *
 * Rounding: mul and div round half-even to 38 significant digits; dec_round
 * (SQL ROUND) and integer conversion round half away from zero, as SQL does.
 * Results never carry binary floating-point artefacts: 0.1 + 0.2 is 0.3. */
#ifndef DDBSQL_DECIMAL_H
#define DDBSQL_DECIMAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DEC_MAX_DIGITS 38
#define DEC_MIN_ADJ    (-130)
#define DEC_MAX_ADJ    125
/* Enough for any formatted decimal, with its NUL. */
#define DEC_STR_MAX 80

typedef struct dec {
    __int128 coef; /* |coef| < 10^38 */
    int32_t exp;
} dec_t;

typedef enum dec_status {
    DEC_OK = 0,
    DEC_ERR_SYNTAX,    /* not a number */
    DEC_ERR_PRECISION, /* more than 38 significant digits (parse without rounding) */
    DEC_ERR_RANGE,     /* magnitude outside 1E-130 .. 9.99..9E+125, or int64 overflow */
    DEC_ERR_DIV_ZERO,  /* division or modulo by zero */
} dec_status;

/* A short English description ("numeric overflow", ...). */
const char *dec_status_str(dec_status s);

/* Parses a DynamoDB N string or a SQL numeric literal: optional sign, digits
 * with an optional '.', at least one digit, optional exponent (e/E, sign,
 * digits). No spaces. Extra significant digits beyond 38 are an error unless
 * round_excess, which rounds them half-even (trailing zeros never count). */
dec_status dec_parse(const char *s, size_t len, bool round_excess, dec_t *out);

/* Writes d, keeping its scale: plain notation ("-12.50", "1200", "0.001")
 * when the leading digit's power is within -25..39, otherwise scientific
 * ("1.5E+100", "2E-120"). Output is a valid JSON number. Returns the length. */
size_t dec_format(const dec_t *d, char out[DEC_STR_MAX]);

void dec_from_int64(int64_t v, dec_t *out);
/* Rounds half away from zero to an integer; DEC_ERR_RANGE outside int64. */
dec_status dec_to_int64(const dec_t *d, int64_t *out);
/* The correctly rounded nearest double (DynamoDB's range fits in a double's). */
double dec_to_double(const dec_t *d);
/* The shortest decimal that round-trips to d (17 digits at most); NaN and
 * infinities are DEC_ERR_RANGE, as are doubles outside DynamoDB's range. */
dec_status dec_from_double(double v, dec_t *out);

bool dec_is_zero(const dec_t *d);
bool dec_is_integer(const dec_t *d);
/* -1, 0 or 1. */
int dec_sign(const dec_t *d);

dec_status dec_add(const dec_t *a, const dec_t *b, dec_t *out);
dec_status dec_sub(const dec_t *a, const dec_t *b, dec_t *out);
dec_status dec_mul(const dec_t *a, const dec_t *b, dec_t *out);
/* To 38 significant digits, then trailing zeros are dropped down to the
 * natural scale (1/4 = 0.25, 6/2 = 3, 1.00/3 = 0.333..). */
dec_status dec_div(const dec_t *a, const dec_t *b, dec_t *out);
/* Remainder with the sign of the dividend (SQL MOD): mod(-7, 3) = -1. Exact. */
dec_status dec_mod(const dec_t *a, const dec_t *b, dec_t *out);
void dec_negate(const dec_t *a, dec_t *out);
void dec_abs(const dec_t *a, dec_t *out);
/* Numeric comparison: 1.0 = 1.00. Returns -1, 0 or 1. */
int dec_cmp(const dec_t *a, const dec_t *b);
/* Equal for numerically equal values (1 and 1.000 hash alike). */
uint64_t dec_hash(const dec_t *d);

/* SQL ROUND(x, n): to n digits after the point (n may be negative), half away
 * from zero; a value with fewer digits is returned unchanged. */
dec_status dec_round(const dec_t *a, int32_t ndigits, dec_t *out);
dec_status dec_floor(const dec_t *a, dec_t *out);
dec_status dec_ceil(const dec_t *a, dec_t *out);

#endif
