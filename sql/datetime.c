#include "sql/datetime.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ---- calendar ------------------------------------------------------------------- */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t floor_mod(int64_t a, int64_t b)
{
    return a - floor_div(a, b) * b;
}

/* Howard Hinnant's days_from_civil: eras of 400 years (146097 days) make the
 * arithmetic exact for any year, before 1970 included. */
int64_t dt_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;                                   /* 0..399 */
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* 0..365 */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* 0..146096 */
    return era * 146097 + doe - 719468;
}

void dt_civil_from_days(int64_t days, int64_t *y, int *m, int *d)
{
    int64_t z = days + 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

bool dt_is_leap(int64_t y)
{
    return floor_mod(y, 4) == 0 && (floor_mod(y, 100) != 0 || floor_mod(y, 400) == 0);
}

int dt_days_in_month(int64_t y, int m)
{
    static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12)
        return 0;
    return m == 2 && dt_is_leap(y) ? 29 : dm[m - 1];
}

/* 0 = Sunday. 1970-01-01 was a Thursday. */
static int dow_of(int64_t days)
{
    return (int)floor_mod(days + 4, 7);
}

static int iso_weeks_in_year(int64_t y)
{
    int jan1 = dow_of(dt_days_from_civil(y, 1, 1));
    return (jan1 == 4 || (jan1 == 3 && dt_is_leap(y))) ? 53 : 52;
}

/* ---- parsing ------------------------------------------------------------------- */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Exactly n digits at s[*i]. */
static bool take_digits(const char *s, size_t len, size_t *i, int n, int *out)
{
    int v = 0;
    for (int k = 0; k < n; k++) {
        if (*i >= len || !is_digit(s[*i]))
            return false;
        v = v * 10 + (s[(*i)++] - '0');
    }
    *out = v;
    return true;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

#define FAIL(...) (snprintf(err, errlen, __VA_ARGS__), false)

static bool in_range(int64_t sec, char *err, size_t errlen)
{
    if (sec < DT_MIN_SEC || sec > DT_MAX_SEC)
        return FAIL("the instant in UTC falls outside the years 0000..9999");
    return true;
}

/* The zone at s[*i..]: 'Z', or +-HH[:MM] / +-HHMM, as seconds east of UTC. */
static bool parse_zone(const char *s, size_t len, size_t *i, int *offset, char *err, size_t errlen)
{
    char c = s[*i];
    if (c == 'Z' || c == 'z') {
        (*i)++;
        *offset = 0;
        return true;
    }
    int sign = c == '-' ? -1 : 1;
    (*i)++;
    int hh, mm = 0;
    if (!take_digits(s, len, i, 2, &hh))
        return FAIL("expected the offset as +HH:MM or -HH:MM after '%c'", c);
    if (*i < len && s[*i] == ':') {
        (*i)++;
        if (!take_digits(s, len, i, 2, &mm))
            return FAIL("expected the offset's minutes as two digits after '%c%02d:'", c, hh);
    } else if (*i < len && is_digit(s[*i])) {
        if (!take_digits(s, len, i, 2, &mm))
            return FAIL("expected the offset as +HH:MM or -HH:MM");
    }
    if (hh > 23 || mm > 59)
        return FAIL("offset %c%02d:%02d is not a valid UTC offset", c, hh, mm);
    *offset = sign * (hh * 3600 + mm * 60);
    return true;
}

/* The time part after the separator: HH:MM[:SS[.fff]][zone]. */
static bool parse_time(const char *s, size_t len, size_t i, int64_t days, dt_time *out, char *err,
                       size_t errlen)
{
    int hh, mi, ss = 0;
    if (!take_digits(s, len, &i, 2, &hh) || i >= len || s[i] != ':')
        return FAIL("expected the time as HH:MM after the date");
    i++;
    if (!take_digits(s, len, &i, 2, &mi))
        return FAIL("expected the minutes as two digits after '%02d:'", hh);
    int ndig = 0;
    __int128 coef = 0;
    if (i < len && s[i] == ':') {
        i++;
        if (!take_digits(s, len, &i, 2, &ss))
            return FAIL("expected the seconds as two digits after '%02d:%02d:'", hh, mi);
        if (i < len && (s[i] == '.' || s[i] == ',')) {
            i++;
            while (i < len && is_digit(s[i])) {
                if (++ndig > 18)
                    return FAIL("more than 18 digits in the fraction of a second");
                coef = coef * 10 + (s[i++] - '0');
            }
            if (ndig == 0)
                return FAIL("expected digits after the seconds' decimal point");
        }
    }
    if (hh > 23)
        return FAIL("hour %d is not 0..23", hh);
    if (mi > 59)
        return FAIL("minute %d is not 0..59", mi);
    if (ss > 59)
        return FAIL("second %d is not 0..59 (leap seconds are not supported)", ss);
    int offset = 0;
    bool zone = false;
    if (i < len && (s[i] == 'Z' || s[i] == 'z' || s[i] == '+' || s[i] == '-')) {
        if (!parse_zone(s, len, &i, &offset, err, errlen))
            return false;
        zone = true;
    }
    if (i < len)
        return FAIL("unexpected '%c' after the time", s[i]);
    int64_t sec = days * 86400 + hh * 3600 + mi * 60 + ss - offset;
    if (!in_range(sec, err, errlen))
        return false;
    out->sec = sec;
    out->frac.coef = coef;
    out->frac.exp = -ndig;
    out->form = DT_TIMESTAMP;
    out->frac_digits = ndig;
    out->zone = zone;
    return true;
}

bool dt_parse(const char *s, size_t len, dt_time *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    while (len && is_space(s[0]))
        s++, len--;
    while (len && is_space(s[len - 1]))
        len--;
    size_t i = 0;
    int y, m, d;
    if (!take_digits(s, len, &i, 4, &y) || i >= len || s[i++] != '-' ||
        !take_digits(s, len, &i, 2, &m) || i >= len || s[i++] != '-' ||
        !take_digits(s, len, &i, 2, &d))
        return FAIL("it does not start with a date YYYY-MM-DD");
    if (m < 1 || m > 12)
        return FAIL("month %d is not 1..12", m);
    int dim = dt_days_in_month(y, m);
    if (d < 1 || d > dim)
        return FAIL("day %d is not 1..%d for %04d-%02d", d, dim, y, m);
    int64_t days = dt_days_from_civil(y, m, d);
    if (i == len) {
        out->sec = days * 86400;
        out->form = DT_DATE;
        return true;
    }
    char sep = s[i];
    if (sep != 'T' && sep != 't' && sep != ' ')
        return FAIL("unexpected '%c' after the date (use T or a space before the time)", sep);
    out->sep = sep == ' ' ? ' ' : 'T';
    return parse_time(s, len, i + 1, days, out, err, errlen);
}

static const dec_t *dec_const(int64_t v, dec_t *tmp)
{
    dec_from_int64(v, tmp);
    return tmp;
}

bool dt_from_epoch(const dec_t *n, dt_time *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    dec_t s = *n, a, t, lim = {1, 11};
    out->form = DT_EPOCH_S;
    dec_abs(n, &a);
    if (dec_cmp(&a, &lim) > 0) {
        s.exp -= 3; /* milliseconds: an exact division by 1000 */
        out->form = DT_EPOCH_MS;
    }
    if (dec_cmp(&s, dec_const(DT_MIN_SEC, &t)) < 0 ||
        dec_cmp(&s, dec_const(DT_MAX_SEC + 1, &t)) >= 0)
        return FAIL("it is outside the years 0000..9999 as epoch %s",
                    out->form == DT_EPOCH_MS ? "milliseconds" : "seconds");
    dec_t fl;
    int64_t sec;
    if (dec_floor(&s, &fl) != DEC_OK || dec_to_int64(&fl, &sec) != DEC_OK ||
        dec_sub(&s, &fl, &out->frac) != DEC_OK)
        return FAIL("it is not a usable epoch number");
    if (out->frac.exp > 0)
        out->frac.exp = 0; /* a zero with a positive exponent */
    out->sec = sec;
    return true;
}

bool dt_from_ms(int64_t ms, bool as_date, dt_time *out)
{
    memset(out, 0, sizeof *out);
    int64_t sec = floor_div(ms, 1000);
    if (sec < DT_MIN_SEC || sec > DT_MAX_SEC)
        return false;
    if (as_date) {
        out->sec = sec - floor_mod(sec, 86400);
        out->form = DT_DATE;
        return true;
    }
    out->sec = sec;
    out->frac.coef = floor_mod(ms, 1000);
    out->frac.exp = -3;
    out->form = DT_TIMESTAMP;
    out->sep = 'T';
    out->frac_digits = 3;
    out->zone = true;
    return true;
}

/* ---- fields ------------------------------------------------------------------ */

static const char *const FIELD_NAMES[DT_F_COUNT_] = {
    "YEAR", "QUARTER", "MONTH", "WEEK", "DAY", "HOUR", "MINUTE", "SECOND", "DOW", "DOY", "EPOCH",
};

bool dt_field_parse(const char *s, size_t len, dt_field *out)
{
    for (int f = 0; f < DT_F_COUNT_; f++) {
        if (strlen(FIELD_NAMES[f]) == len && strncasecmp(FIELD_NAMES[f], s, len) == 0) {
            *out = (dt_field)f;
            return true;
        }
    }
    return false;
}

const char *dt_field_name(dt_field f)
{
    return (unsigned)f < DT_F_COUNT_ ? FIELD_NAMES[f] : "?";
}

bool dt_field_truncates(dt_field f)
{
    return f <= DT_F_SECOND;
}

typedef struct parts {
    int64_t days, sod, y;
    int m, d;
} parts;

static void split(const dt_time *t, parts *p)
{
    p->days = floor_div(t->sec, 86400);
    p->sod = t->sec - p->days * 86400;
    dt_civil_from_days(p->days, &p->y, &p->m, &p->d);
}

static int iso_week(const parts *p)
{
    int isodow = (dow_of(p->days) + 6) % 7 + 1; /* Monday 1 .. Sunday 7 */
    int64_t doy = p->days - dt_days_from_civil(p->y, 1, 1) + 1;
    int64_t w = (doy - isodow + 10) / 7;
    if (w < 1)
        return iso_weeks_in_year(p->y - 1);
    if (w > iso_weeks_in_year(p->y))
        return 1;
    return (int)w;
}

void dt_extract(const dt_time *t, dt_field f, dec_t *out)
{
    parts p;
    split(t, &p);
    int64_t v = 0;
    dec_t whole;
    switch (f) {
    case DT_F_YEAR:
        v = p.y;
        break;
    case DT_F_QUARTER:
        v = (p.m - 1) / 3 + 1;
        break;
    case DT_F_MONTH:
        v = p.m;
        break;
    case DT_F_WEEK:
        v = iso_week(&p);
        break;
    case DT_F_DAY:
        v = p.d;
        break;
    case DT_F_HOUR:
        v = p.sod / 3600;
        break;
    case DT_F_MINUTE:
        v = p.sod / 60 % 60;
        break;
    case DT_F_SECOND:
    case DT_F_EPOCH:
        /* Whole seconds plus the exact fraction: small, so the sum is exact. */
        dec_from_int64(f == DT_F_SECOND ? p.sod % 60 : t->sec, &whole);
        if (dec_is_zero(&t->frac) && t->frac.exp == 0) {
            *out = whole;
            return;
        }
        if (dec_add(&whole, &t->frac, out) != DEC_OK)
            *out = whole;
        return;
    case DT_F_DOW:
        v = dow_of(p.days);
        break;
    case DT_F_DOY:
        v = p.days - dt_days_from_civil(p.y, 1, 1) + 1;
        break;
    default:
        break;
    }
    dec_from_int64(v, out);
}

bool dt_trunc(const dt_time *t, dt_field unit, dt_time *out)
{
    parts p;
    split(t, &p);
    int64_t sec;
    switch (unit) {
    case DT_F_YEAR:
        sec = dt_days_from_civil(p.y, 1, 1) * 86400;
        break;
    case DT_F_QUARTER:
        sec = dt_days_from_civil(p.y, (p.m - 1) / 3 * 3 + 1, 1) * 86400;
        break;
    case DT_F_MONTH:
        sec = dt_days_from_civil(p.y, p.m, 1) * 86400;
        break;
    case DT_F_WEEK: /* ISO weeks start on Monday */
        sec = (p.days - (dow_of(p.days) + 6) % 7) * 86400;
        break;
    case DT_F_DAY:
        sec = p.days * 86400;
        break;
    case DT_F_HOUR:
        sec = t->sec - p.sod % 3600;
        break;
    case DT_F_MINUTE:
        sec = t->sec - p.sod % 60;
        break;
    case DT_F_SECOND:
        sec = t->sec;
        break;
    default:
        return false;
    }
    if (sec < DT_MIN_SEC)
        return false;
    *out = *t;
    out->sec = sec;
    out->frac.coef = 0;
    out->frac.exp = 0;
    return true;
}

/* ---- output ------------------------------------------------------------------ */

/* The first k digits of the fraction (truncated; k <= 18). */
static void frac_digits(const dec_t *frac, int k, char *out)
{
    __int128 c = frac->coef < 0 ? -frac->coef : frac->coef;
    int shift = k + frac->exp; /* digits = floor(c * 10^shift) */
    if (shift >= 0) {
        for (int i = 0; i < shift && c < ((__int128)1 << 100); i++)
            c *= 10;
    } else {
        for (int i = 0; i < -shift && c; i++)
            c /= 10;
    }
    for (int i = k - 1; i >= 0; i--) {
        out[i] = (char)('0' + (int)(c % 10));
        c /= 10;
    }
    out[k] = '\0';
}

size_t dt_format(const dt_time *t, char out[DT_STR_MAX])
{
    parts p;
    split(t, &p);
    int n = snprintf(out, DT_STR_MAX, "%04lld-%02d-%02d", (long long)p.y, p.m, p.d);
    if (t->form != DT_TIMESTAMP)
        return (size_t)n;
    n += snprintf(out + n, DT_STR_MAX - (size_t)n, "%c%02d:%02d:%02d", t->sep ? t->sep : 'T',
                  (int)(p.sod / 3600), (int)(p.sod / 60 % 60), (int)(p.sod % 60));
    if (t->frac_digits > 0) {
        int k = t->frac_digits > 18 ? 18 : t->frac_digits;
        out[n++] = '.';
        frac_digits(&t->frac, k, out + n);
        n += k;
    }
    if (t->zone)
        out[n++] = 'Z';
    out[n] = '\0';
    return (size_t)n;
}

void dt_to_epoch(const dt_time *t, dec_t *out)
{
    dec_t whole;
    dec_from_int64(t->sec, &whole);
    if (!(dec_is_zero(&t->frac) && t->frac.exp == 0) && dec_add(&whole, &t->frac, out) == DEC_OK)
        whole = *out;
    *out = whole;
    if (t->form == DT_EPOCH_MS && !dec_is_zero(out)) {
        out->exp += 3; /* exact: times 1000 */
        while (out->exp > 0) {
            out->coef *= 10; /* |value| < 3e14, far inside 38 digits */
            out->exp--;
        }
    } else if (t->form == DT_EPOCH_MS) {
        out->exp = out->exp + 3 > 0 ? 0 : out->exp + 3;
    }
}
