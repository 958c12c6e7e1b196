/* Exact decimals. Fast paths stay in unsigned __int128; anything wider (a
 * 76-digit product, a scaled dividend, far-apart exponents) goes through a
 * small fixed-size binary bignum and is rounded back to 38 digits once. */
#include "sql/decimal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef unsigned __int128 u128;

#define POW10_19 10000000000000000000ULL

static const uint64_t pow10_u64[20] = {1ULL,
                                       10ULL,
                                       100ULL,
                                       1000ULL,
                                       10000ULL,
                                       100000ULL,
                                       1000000ULL,
                                       10000000ULL,
                                       100000000ULL,
                                       1000000000ULL,
                                       10000000000ULL,
                                       100000000000ULL,
                                       1000000000000ULL,
                                       10000000000000ULL,
                                       100000000000000ULL,
                                       1000000000000000ULL,
                                       10000000000000000ULL,
                                       100000000000000000ULL,
                                       1000000000000000000ULL,
                                       10000000000000000000ULL};

/* 10^k for 0 <= k <= 38. */
static u128 pow10_u128(int k)
{
    return k <= 19 ? pow10_u64[k] : (u128)pow10_u64[19] * pow10_u64[k - 19];
}

/* Decimal digits of m (1 for 0): floor(bits * log10(2)) is the digit count
 * or one less. */
static int digits_u128(u128 m)
{
    if (m == 0)
        return 1;
    uint64_t hi = (uint64_t)(m >> 64);
    int bits = hi ? 128 - __builtin_clzll(hi) : 64 - __builtin_clzll((uint64_t)m);
    int t = (bits * 1233) >> 12;
    return t + (t <= 38 && m >= pow10_u128(t));
}

static u128 mag(const dec_t *d)
{
    return d->coef < 0 ? (u128)0 - (u128)d->coef : (u128)d->coef;
}

/* ---- a small bignum: little-endian 64-bit limbs ------------------------ */

/* 1280 bits: 385 decimal digits, more than the widest exact remainder
 * (38 digits shifted across DynamoDB's whole exponent range). */
#define BIG_LIMBS 20

typedef struct big {
    uint64_t l[BIG_LIMBS];
    int n; /* limbs in use; l[n-1] != 0 unless n == 0 */
} big;

static void big_trim(big *b)
{
    while (b->n > 0 && b->l[b->n - 1] == 0)
        b->n--;
}

static void big_set(big *b, u128 v)
{
    memset(b, 0, sizeof *b);
    b->l[0] = (uint64_t)v;
    b->l[1] = (uint64_t)(v >> 64);
    b->n = 2;
    big_trim(b);
}

static bool big_is_zero(const big *b)
{
    return b->n == 0;
}

static void big_mul_small(big *b, uint64_t m)
{
    uint64_t carry = 0;
    for (int i = 0; i < b->n; i++) {
        u128 t = (u128)b->l[i] * m + carry;
        b->l[i] = (uint64_t)t;
        carry = (uint64_t)(t >> 64);
    }
    if (carry) {
        if (b->n >= BIG_LIMBS)
            abort(); /* sized so this cannot happen */
        b->l[b->n++] = carry;
    }
}

static void big_mul_pow10(big *b, int k)
{
    for (; k >= 19; k -= 19)
        big_mul_small(b, POW10_19);
    if (k > 0)
        big_mul_small(b, (uint64_t)pow10_u128(k));
}

/* b /= d; returns the remainder. */
static uint64_t big_div_small(big *b, uint64_t d)
{
    u128 r = 0;
    for (int i = b->n - 1; i >= 0; i--) {
        u128 cur = (r << 64) | b->l[i];
        b->l[i] = (uint64_t)(cur / d);
        r = cur % d;
    }
    big_trim(b);
    return (uint64_t)r;
}

static int big_cmp(const big *a, const big *b)
{
    if (a->n != b->n)
        return a->n < b->n ? -1 : 1;
    for (int i = a->n - 1; i >= 0; i--)
        if (a->l[i] != b->l[i])
            return a->l[i] < b->l[i] ? -1 : 1;
    return 0;
}

static void big_add(big *a, const big *b)
{
    uint64_t carry = 0;
    int n = a->n > b->n ? a->n : b->n;
    for (int i = 0; i < n; i++) {
        u128 t = (u128)a->l[i] + b->l[i] + carry;
        a->l[i] = (uint64_t)t;
        carry = (uint64_t)(t >> 64);
    }
    a->n = n;
    if (carry) {
        if (n >= BIG_LIMBS)
            abort();
        a->l[a->n++] = carry;
    }
}

/* a -= b, requires a >= b. */
static void big_sub(big *a, const big *b)
{
    uint64_t borrow = 0;
    for (int i = 0; i < a->n; i++) {
        uint64_t bi = i < b->n ? b->l[i] : 0;
        u128 t = (u128)a->l[i] - bi - borrow;
        a->l[i] = (uint64_t)t;
        borrow = (uint64_t)(t >> 64) ? 1 : 0;
    }
    big_trim(a);
}

static void big_mul(big *out, const big *a, const big *b)
{
    big r;
    memset(&r, 0, sizeof r);
    for (int i = 0; i < a->n; i++) {
        uint64_t carry = 0;
        for (int j = 0; j < b->n; j++) {
            u128 t = (u128)a->l[i] * b->l[j] + r.l[i + j] + carry;
            r.l[i + j] = (uint64_t)t;
            carry = (uint64_t)(t >> 64);
        }
        if (a->n + b->n > BIG_LIMBS && carry)
            abort();
        if (i + b->n < BIG_LIMBS)
            r.l[i + b->n] = carry;
    }
    r.n = a->n + b->n > BIG_LIMBS ? BIG_LIMBS : a->n + b->n;
    big_trim(&r);
    *out = r;
}

static int big_bits(const big *b)
{
    if (b->n == 0)
        return 0;
    return (b->n - 1) * 64 + (64 - __builtin_clzll(b->l[b->n - 1]));
}

static void big_shl1(big *b)
{
    uint64_t carry = 0;
    for (int i = 0; i < b->n; i++) {
        uint64_t nc = b->l[i] >> 63;
        b->l[i] = (b->l[i] << 1) | carry;
        carry = nc;
    }
    if (carry) {
        if (b->n >= BIG_LIMBS)
            abort();
        b->l[b->n++] = carry;
    }
}

/* q = a / d, r = a % d (d non-zero); binary long division, rarely used. */
static void big_divmod(const big *a, const big *d, big *q, big *r)
{
    if (d->n == 1) {
        *q = *a;
        big_set(r, big_div_small(q, d->l[0]));
        return;
    }
    big qq, rr;
    memset(&qq, 0, sizeof qq);
    memset(&rr, 0, sizeof rr);
    for (int bit = big_bits(a) - 1; bit >= 0; bit--) {
        big_shl1(&rr);
        if ((a->l[bit / 64] >> (bit % 64)) & 1) {
            if (rr.n == 0)
                rr.n = 1;
            rr.l[0] |= 1;
        }
        if (big_cmp(&rr, d) >= 0) {
            big_sub(&rr, d);
            qq.l[bit / 64] |= (uint64_t)1 << (bit % 64);
            if (qq.n < bit / 64 + 1)
                qq.n = bit / 64 + 1;
        }
    }
    big_trim(&qq);
    *q = qq;
    *r = rr;
}

static int big_digits(const big *b)
{
    if (b->n <= 2) {
        u128 v = ((u128)b->l[1] << 64) | b->l[0];
        if (b->n < 2 || v < pow10_u128(38))
            return digits_u128(v);
    }
    big t = *b;
    int n = 0;
    while (t.n > 1 || (t.n == 1 && t.l[0] >= POW10_19)) {
        big_div_small(&t, POW10_19);
        n += 19;
    }
    return n + (t.n ? digits_u128(t.l[0]) : 1);
}

static u128 big_to_u128(const big *b)
{
    return ((u128)b->l[1] << 64) | b->l[0];
}

/* ---- rounding --------------------------------------------------------- */

typedef enum { R_HALF_EVEN, R_HALF_UP, R_FLOOR, R_CEIL } rmode;

/* Whether dropping digits whose leading digit is rd (with sticky = any
 * nonzero digit after it) rounds the kept magnitude up. */
static bool round_up(rmode mode, bool neg, bool odd, int rd, bool sticky)
{
    bool inexact = rd != 0 || sticky;
    switch (mode) {
    case R_HALF_EVEN:
        return rd > 5 || (rd == 5 && (sticky || odd));
    case R_HALF_UP:
        return rd >= 5;
    case R_FLOOR:
        return neg && inexact;
    case R_CEIL:
        return !neg && inexact;
    }
    return false;
}

/* Drops the low k >= 1 digits of m, rounding by mode. */
static void big_drop_digits(big *m, int k, rmode mode, bool neg, bool sticky)
{
    while (k - 1 >= 19) {
        sticky |= big_div_small(m, POW10_19) != 0;
        k -= 19;
    }
    if (k - 1 > 0)
        sticky |= big_div_small(m, (uint64_t)pow10_u128(k - 1)) != 0;
    int rd = (int)big_div_small(m, 10);
    bool odd = m->n > 0 && (m->l[0] & 1);
    if (round_up(mode, neg, odd, rd, sticky)) {
        big one;
        big_set(&one, 1);
        big_add(m, &one);
    }
}

static dec_status check_range(u128 m, int64_t exp, bool neg, dec_t *out)
{
    if (m == 0) {
        /* Zero keeps its scale, clamped so formatting stays bounded. */
        if (exp < DEC_MIN_ADJ - (DEC_MAX_DIGITS - 1))
            exp = DEC_MIN_ADJ - (DEC_MAX_DIGITS - 1);
        if (exp > DEC_MAX_ADJ)
            exp = DEC_MAX_ADJ;
        out->coef = 0;
        out->exp = (int32_t)exp;
        return DEC_OK;
    }
    int64_t adj = exp + digits_u128(m) - 1;
    if (adj > DEC_MAX_ADJ || adj < DEC_MIN_ADJ)
        return DEC_ERR_RANGE;
    out->coef = neg ? -(__int128)m : (__int128)m;
    out->exp = (int32_t)exp;
    return DEC_OK;
}

/* Rounds a wide magnitude half-even to 38 digits and range-checks it.
 * sticky: the exact value is slightly above m (a non-zero division rest). */
static dec_status finish(bool neg, big *m, int64_t exp, bool sticky, dec_t *out)
{
    int d = big_digits(m);
    if (d > DEC_MAX_DIGITS) {
        big_drop_digits(m, d - DEC_MAX_DIGITS, R_HALF_EVEN, neg, sticky);
        exp += d - DEC_MAX_DIGITS;
    }
    /* sticky with <= 38 digits cannot happen: dec_div scales to >= 39. */
    if (big_digits(m) > DEC_MAX_DIGITS) { /* 99..9 rounded up to 10^38 */
        big_div_small(m, 10);
        exp++;
    }
    return check_range(big_to_u128(m), exp, neg, out);
}

/* ---- public API --------------------------------------------------------- */

const char *dec_status_str(dec_status s)
{
    switch (s) {
    case DEC_OK:
        return "ok";
    case DEC_ERR_SYNTAX:
        return "not a valid number";
    case DEC_ERR_PRECISION:
        return "more than 38 significant digits";
    case DEC_ERR_RANGE:
        return "numeric value out of range";
    case DEC_ERR_DIV_ZERO:
        return "division by zero";
    }
    return "unknown numeric error";
}

dec_status dec_parse(const char *s, size_t len, bool round_excess, dec_t *out)
{
    size_t i = 0;
    bool neg = false;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    u128 coef = 0;
    int nsig = 0, ndigits = 0, rd = -1;
    int64_t exp = 0;
    bool frac = false, sticky = false, lost = false;
    for (; i < len; i++) {
        char c = s[i];
        if (c == '.') {
            if (frac)
                return DEC_ERR_SYNTAX;
            frac = true;
            continue;
        }
        if (c < '0' || c > '9')
            break;
        int dgt = c - '0';
        ndigits++;
        if (nsig == 0 && dgt == 0) { /* leading zero */
            if (frac)
                exp--;
            continue;
        }
        if (nsig < DEC_MAX_DIGITS) {
            coef = coef * 10 + (u128)dgt;
            nsig++;
            if (frac)
                exp--;
        } else { /* beyond 38 digits: only rounding information */
            if (!frac)
                exp++;
            if (rd < 0)
                rd = dgt;
            else if (dgt)
                sticky = true;
            if (dgt)
                lost = true;
        }
    }
    if (ndigits == 0)
        return DEC_ERR_SYNTAX;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        bool eneg = false;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            eneg = s[i++] == '-';
        int64_t e = 0;
        size_t start = i;
        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
            if (e < 1000000)
                e = e * 10 + (s[i] - '0');
        if (i == start)
            return DEC_ERR_SYNTAX;
        exp += eneg ? -e : e;
    }
    if (i != len)
        return DEC_ERR_SYNTAX;
    if (lost) {
        if (!round_excess)
            return DEC_ERR_PRECISION;
        if (round_up(R_HALF_EVEN, neg, (coef & 1) != 0, rd, sticky)) {
            coef++;
            if (coef == pow10_u128(38)) {
                coef /= 10;
                exp++;
            }
        }
    }
    return check_range(coef, exp, neg, out) == DEC_OK ? DEC_OK : DEC_ERR_RANGE;
}

static size_t u128_to_str(u128 m, char *out)
{
    char tmp[40];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + (int)(m % 10));
        m /= 10;
    } while (m);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = '\0';
    return n;
}

size_t dec_format(const dec_t *d, char out[DEC_STR_MAX])
{
    char dig[40];
    u128 m = mag(d);
    int n = (int)u128_to_str(m, dig);
    size_t o = 0;
    if (d->coef < 0)
        out[o++] = '-';
    if (m == 0) {
        out[o++] = '0';
        if (d->exp < 0 && d->exp >= -40) {
            out[o++] = '.';
            for (int i = 0; i < -d->exp; i++)
                out[o++] = '0';
        }
        out[o] = '\0';
        return o;
    }
    int adj = d->exp + n - 1;
    if (adj >= -25 && adj <= 39) {
        if (d->exp >= 0) {
            memcpy(out + o, dig, (size_t)n);
            o += (size_t)n;
            for (int i = 0; i < d->exp; i++)
                out[o++] = '0';
        } else if (adj >= 0) {
            memcpy(out + o, dig, (size_t)adj + 1);
            o += (size_t)adj + 1;
            out[o++] = '.';
            memcpy(out + o, dig + adj + 1, (size_t)(n - adj - 1));
            o += (size_t)(n - adj - 1);
        } else {
            out[o++] = '0';
            out[o++] = '.';
            for (int i = 0; i < -adj - 1; i++)
                out[o++] = '0';
            memcpy(out + o, dig, (size_t)n);
            o += (size_t)n;
        }
        out[o] = '\0';
        return o;
    }
    out[o++] = dig[0];
    if (n > 1) {
        out[o++] = '.';
        memcpy(out + o, dig + 1, (size_t)n - 1);
        o += (size_t)n - 1;
    }
    o += (size_t)snprintf(out + o, DEC_STR_MAX - o, "E%c%d", adj < 0 ? '-' : '+', abs(adj));
    return o;
}

void dec_from_int64(int64_t v, dec_t *out)
{
    out->coef = v;
    out->exp = 0;
}

bool dec_is_zero(const dec_t *d)
{
    return d->coef == 0;
}

int dec_sign(const dec_t *d)
{
    return d->coef < 0 ? -1 : d->coef > 0;
}

bool dec_is_integer(const dec_t *d)
{
    if (d->exp >= 0 || d->coef == 0)
        return true;
    if (d->exp < -38)
        return false;
    return mag(d) % pow10_u128(-d->exp) == 0;
}

/* Rounds to exponent t (if d has more digits), by mode. */
static dec_status quantize(const dec_t *a, int64_t t, rmode mode, dec_t *out)
{
    if (a->exp >= t) {
        *out = *a;
        return DEC_OK;
    }
    bool neg = a->coef < 0;
    int64_t k = t - a->exp;
    big m;
    big_set(&m, mag(a));
    if (k > DEC_MAX_DIGITS + 1) {
        /* Everything is dropped, and the rest is below half a unit. */
        bool nz = !big_is_zero(&m);
        big_set(&m, 0);
        if (round_up(mode, neg, false, 0, nz))
            big_set(&m, 1);
    } else {
        big_drop_digits(&m, (int)k, mode, neg, false);
    }
    /* Rounding cannot exceed 38 digits: we dropped at least one. */
    return check_range(big_to_u128(&m), t, neg, out);
}

dec_status dec_to_int64(const dec_t *d, int64_t *out)
{
    dec_t r;
    if (quantize(d, 0, R_HALF_UP, &r) != DEC_OK)
        return DEC_ERR_RANGE;
    u128 m = mag(&r);
    if (r.exp > 0) {
        if (r.exp > 19)
            return m == 0 ? (*out = 0, DEC_OK) : DEC_ERR_RANGE;
        u128 p = pow10_u128(r.exp);
        if (m > ((u128)1 << 64) / p)
            return DEC_ERR_RANGE;
        m *= p;
    }
    if (r.coef < 0) {
        if (m > (u128)1 << 63)
            return DEC_ERR_RANGE;
        *out = (int64_t)(0 - (uint64_t)m);
    } else {
        if (m > (u128)INT64_MAX)
            return DEC_ERR_RANGE;
        *out = (int64_t)m;
    }
    return DEC_OK;
}

double dec_to_double(const dec_t *d)
{
    char s[DEC_STR_MAX];
    dec_format(d, s);
    return strtod(s, NULL);
}

dec_status dec_from_double(double v, dec_t *out)
{
    if (!isfinite(v))
        return DEC_ERR_RANGE;
    char s[64];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(s, sizeof s, "%.*g", prec, v);
        if (strtod(s, NULL) == v)
            break;
    }
    dec_status st = dec_parse(s, strlen(s), true, out);
    return st == DEC_OK ? DEC_OK : DEC_ERR_RANGE;
}

void dec_negate(const dec_t *a, dec_t *out)
{
    out->coef = -a->coef;
    out->exp = a->exp;
}

void dec_abs(const dec_t *a, dec_t *out)
{
    out->coef = a->coef < 0 ? -a->coef : a->coef;
    out->exp = a->exp;
}

static dec_status addsub(const dec_t *a, const dec_t *b, bool negate_b, dec_t *out)
{
    dec_t bb = *b;
    if (negate_b)
        bb.coef = -bb.coef;
    if (a->coef == 0) {
        *out = bb;
        return DEC_OK;
    }
    if (bb.coef == 0) {
        *out = *a;
        return DEC_OK;
    }
    const dec_t *hi = a->exp >= bb.exp ? a : &bb;
    const dec_t *lo = hi == a ? &bb : a;
    bool hneg = hi->coef < 0, lneg = lo->coef < 0;
    u128 hm = mag(hi), lm = mag(lo);
    int64_t shift = (int64_t)hi->exp - lo->exp;
    int64_t exp = lo->exp;
    /* Fast path: everything fits in 38 digits. */
    if (shift <= 37 && hm < pow10_u128(38 - (int)shift)) {
        u128 hs = hm * pow10_u128((int)shift);
        u128 r;
        bool neg;
        if (hneg == lneg) {
            r = hs + lm;
            neg = hneg;
        } else if (hs >= lm) {
            r = hs - lm;
            neg = hneg;
        } else {
            r = lm - hs;
            neg = lneg;
        }
        if (r < pow10_u128(38))
            return check_range(r, exp, neg && r != 0, out);
    }
    /* Far apart: the smaller operand only decides the rounding direction,
     * which a unit in a far lower digit decides the same way. */
    if (shift > 80) {
        lm = 1;
        shift = 80;
        exp = hi->exp - 80;
    }
    big H, L;
    big_set(&H, hm);
    big_mul_pow10(&H, (int)shift);
    big_set(&L, lm);
    bool neg;
    if (hneg == lneg) {
        big_add(&H, &L);
        neg = hneg;
    } else if (big_cmp(&H, &L) >= 0) {
        big_sub(&H, &L);
        neg = hneg;
    } else {
        big_sub(&L, &H);
        H = L;
        neg = lneg;
    }
    return finish(neg && !big_is_zero(&H), &H, exp, false, out);
}

dec_status dec_add(const dec_t *a, const dec_t *b, dec_t *out)
{
    return addsub(a, b, false, out);
}

dec_status dec_sub(const dec_t *a, const dec_t *b, dec_t *out)
{
    return addsub(a, b, true, out);
}

dec_status dec_mul(const dec_t *a, const dec_t *b, dec_t *out)
{
    bool neg = (a->coef < 0) != (b->coef < 0);
    int64_t exp = (int64_t)a->exp + b->exp;
    u128 am = mag(a), bm = mag(b);
    if (am == 0 || bm == 0)
        return check_range(0, exp, false, out);
    if ((am >> 64) == 0 && (bm >> 64) == 0) { /* fast path: the product fits 128 bits */
        u128 p = am * bm;
        if (p < pow10_u128(38))
            return check_range(p, exp, neg, out);
    }
    big A, B, P;
    big_set(&A, am);
    big_set(&B, bm);
    big_mul(&P, &A, &B);
    return finish(neg, &P, exp, false, out);
}

dec_status dec_div(const dec_t *a, const dec_t *b, dec_t *out)
{
    u128 am = mag(a), bm = mag(b);
    if (bm == 0)
        return DEC_ERR_DIV_ZERO;
    int64_t ideal = (int64_t)a->exp - b->exp;
    if (am == 0)
        return check_range(0, ideal, false, out);
    bool neg = (a->coef < 0) != (b->coef < 0);
    /* Scale the dividend so the quotient has 39..40 digits. */
    int s = DEC_MAX_DIGITS + 1 - digits_u128(am) + digits_u128(bm);
    big A, B, Q, R;
    big_set(&A, am);
    big_mul_pow10(&A, s);
    big_set(&B, bm);
    big_divmod(&A, &B, &Q, &R);
    int64_t exp = ideal - s;
    bool sticky = !big_is_zero(&R);
    if (!sticky) { /* exact: back to the natural scale */
        while (exp < ideal) {
            big t = Q;
            if (big_div_small(&t, 10) != 0)
                break;
            Q = t;
            exp++;
        }
    }
    return finish(neg, &Q, exp, sticky, out);
}

dec_status dec_mod(const dec_t *a, const dec_t *b, dec_t *out)
{
    u128 am = mag(a), bm = mag(b);
    if (bm == 0)
        return DEC_ERR_DIV_ZERO;
    int64_t e = a->exp < b->exp ? a->exp : b->exp;
    if (am == 0)
        return check_range(0, e, false, out);
    big A, B, Q, R;
    big_set(&A, am);
    big_mul_pow10(&A, (int)(a->exp - e));
    big_set(&B, bm);
    big_mul_pow10(&B, (int)(b->exp - e));
    big_divmod(&A, &B, &Q, &R);
    /* |R| < |b|, and R is exact at exponent e; it still may need rounding
     * when b's exponent is far above a's (then R has up to 38 + shift digits). */
    bool neg = a->coef < 0 && !big_is_zero(&R);
    return finish(neg, &R, e, false, out);
}

int dec_cmp(const dec_t *a, const dec_t *b)
{
    int sa = dec_sign(a), sb = dec_sign(b);
    if (sa != sb)
        return sa < sb ? -1 : 1;
    if (sa == 0)
        return 0;
    u128 am = mag(a), bm = mag(b);
    int da = digits_u128(am), db = digits_u128(bm);
    int adja = a->exp + da - 1, adjb = b->exp + db - 1;
    int c;
    if (adja != adjb) {
        c = adja < adjb ? -1 : 1;
    } else {
        /* Same leading power: align the shorter coefficient (fits 38 digits). */
        if (a->exp > b->exp)
            am *= pow10_u128(a->exp - b->exp);
        else if (b->exp > a->exp)
            bm *= pow10_u128(b->exp - a->exp);
        c = am < bm ? -1 : am > bm;
    }
    return sa < 0 ? -c : c;
}

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

uint64_t dec_hash(const dec_t *d)
{
    u128 m = mag(d);
    if (m == 0)
        return mix64(0x5eed);
    int64_t e = d->exp;
    while (m % 10 == 0) {
        m /= 10;
        e++;
    }
    uint64_t h = mix64((uint64_t)m ^ 0x9e3779b97f4a7c15ULL);
    h = mix64(h ^ (uint64_t)(m >> 64));
    h = mix64(h ^ (uint64_t)e ^ (d->coef < 0 ? 0x8000000000000000ULL : 0));
    return h;
}

dec_status dec_round(const dec_t *a, int32_t ndigits, dec_t *out)
{
    return quantize(a, -(int64_t)ndigits, R_HALF_UP, out);
}

dec_status dec_floor(const dec_t *a, dec_t *out)
{
    return quantize(a, 0, R_FLOOR, out);
}

dec_status dec_ceil(const dec_t *a, dec_t *out)
{
    return quantize(a, 0, R_CEIL, out);
}
