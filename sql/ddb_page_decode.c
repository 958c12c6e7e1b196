/* DynamoDB answers to rows; see ddb_page_decode.h. Pass 1 (ddb_page_decode)
 * is a recursive descent over the whole text, its depth bounded by
 * DDB_PAGE_MAX_DEPTH so hostile nesting cannot exhaust the stack, that
 * records where each slot's value is; pass 2 (ddb_page_take_row) makes one
 * row's values from those places when the row is taken, so its strings are
 * allocated just before they are used and freed. */
#include "sql/ddb_page_decode.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"
#include "core/base/base64.h"
#include "core/base/buf.h"
#include "core/base/json_util.h"

/* ---- the shape ----------------------------------------------------------------- */

/* One step of the slot paths' tree. */
typedef struct snode {
    char *name; /* NULL for an index step */
    size_t nlen;
    size_t index;
    int *slots; /* slots whose path ends here */
    int nslots;
    int *sub; /* every slot at or below this node: reset when the key repeats */
    int nsub;
    struct snode *kids;
    int nkids;
    bool name_kids, index_kids;
} snode;

struct ddb_shape {
    int width;
    snode root; /* its kids are the top-level attributes */
    int *whole; /* slots that hold the whole item */
    int nwhole;
    char **attr; /* per slot: its top-level attribute (NULL: the whole item) */
};

static void push_int(int **arr, int *n, int v)
{
    *arr = xreallocarray(*arr, (size_t)*n + 1, sizeof **arr);
    (*arr)[(*n)++] = v;
}

/* The kid of n for step st, added when absent. */
static snode *kid_for(snode *n, const ddb_path_step *st)
{
    for (int i = 0; i < n->nkids; i++) {
        snode *k = &n->kids[i];
        if (st->name ? (k->name && strcmp(k->name, st->name) == 0)
                     : (!k->name && k->index == st->index))
            return k;
    }
    n->kids = xreallocarray(n->kids, (size_t)n->nkids + 1, sizeof *n->kids);
    snode *k = &n->kids[n->nkids++];
    memset(k, 0, sizeof *k);
    if (st->name) {
        k->name = xstrdup(st->name);
        k->nlen = strlen(st->name);
        n->name_kids = true;
    } else {
        k->index = st->index;
        n->index_kids = true;
    }
    return k;
}

ddb_shape *ddb_shape_new(const ddb_path *paths, int nslots)
{
    ddb_shape *s = xcalloc(1, sizeof *s);
    s->width = nslots > 0 ? nslots : 0;
    s->attr = xcalloc((size_t)s->width + 1, sizeof *s->attr);
    for (int i = 0; i < s->width; i++) {
        if (paths[i].n > 0)
            s->attr[i] = xstrdup(paths[i].steps[0].name);
        if (paths[i].n == 0) {
            push_int(&s->whole, &s->nwhole, i);
            continue;
        }
        snode *n = &s->root;
        for (size_t k = 0; k < paths[i].n; k++) {
            n = kid_for(n, &paths[i].steps[k]);
            push_int(&n->sub, &n->nsub, i);
        }
        push_int(&n->slots, &n->nslots, i);
    }
    return s;
}

static void snode_clear(snode *n)
{
    for (int i = 0; i < n->nkids; i++)
        snode_clear(&n->kids[i]);
    free(n->kids);
    free(n->name);
    free(n->slots);
    free(n->sub);
}

void ddb_shape_free(ddb_shape *s)
{
    if (!s)
        return;
    snode_clear(&s->root);
    free(s->whole);
    for (int i = 0; i < s->width; i++)
        free(s->attr[i]);
    free(s->attr);
    free(s);
}

int ddb_shape_width(const ddb_shape *s)
{
    return s->width;
}

/* ---- the scanner ---------------------------------------------------------------- */

typedef struct dc {
    const unsigned char *s;
    size_t len, pos;
    int depth;
    char *err;
    size_t errlen;
    buf_t scratch;             /* strings with escapes, decoded */
    json_tokener *tok;         /* for documents, made on first use */
    size_t item;               /* 1-based number of the item being decoded; 0 outside items */
    const unsigned char *attr; /* the raw name of its current top-level attribute */
    size_t attr_len;
    size_t str_end; /* where the last string read ends (its closing quote) */
    bool escaped;   /* it had escapes (it is in scratch) */
} dc;

static bool fail_syntax(dc *d, const char *what)
{
    char where[48] = "";
    if (d->item)
        snprintf(where, sizeof where, " (in item %zu)", d->item);
    if (d->pos >= d->len) {
        snprintf(d->err, d->errlen,
                 "DynamoDB's answer is not valid JSON: %s%sunexpected end at byte %zu%s", what,
                 *what ? ": " : "", d->len, where);
    } else {
        unsigned char c = d->s[d->pos];
        if (c > 0x20 && c < 0x7f)
            snprintf(d->err, d->errlen,
                     "DynamoDB's answer is not valid JSON: %s at byte %zu (found '%c')%s", what,
                     d->pos, c, where);
        else
            snprintf(d->err, d->errlen,
                     "DynamoDB's answer is not valid JSON: %s at byte %zu (found byte 0x%02x)%s",
                     what, d->pos, c, where);
    }
    return false;
}

static bool fail_attr(dc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* An AttributeValue that breaks DynamoDB's rules, named by its item and
 * top-level attribute. */
static bool fail_attr(dc *d, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    int n = d->attr_len > 64 ? 64 : (int)d->attr_len;
    snprintf(d->err, d->errlen,
             "DynamoDB returned a malformed attribute %.*s (item %zu of the answer, byte %zu): %s",
             n, d->attr ? (const char *)d->attr : "?", d->item, d->pos, msg);
    return false;
}

static bool fail_shape(dc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* An answer that is JSON but not DynamoDB's shape. */
static bool fail_shape(dc *d, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(d->err, d->errlen, "DynamoDB's answer is not what DynamoDB sends: %s (at byte %zu)",
             msg, d->pos);
    return false;
}

static inline void ws(dc *d)
{
    while (d->pos < d->len) {
        unsigned char c = d->s[d->pos];
        if (c != ' ' && c != '\n' && c != '\r' && c != '\t')
            break;
        d->pos++;
    }
}

static inline int peek(const dc *d)
{
    return d->pos < d->len ? d->s[d->pos] : -1;
}

/* Past '{' or '[', within the depth limit. */
static bool enter(dc *d)
{
    if (d->depth >= DDB_PAGE_MAX_DEPTH)
        return fail_syntax(d, "nesting deeper than the limit");
    d->depth++;
    d->pos++;
    return true;
}

/* Length of the valid UTF-8 sequence at s (n bytes available), or 0: no
 * overlongs, surrogates or code points past U+10FFFF (json_util's rules). */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t extra;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
        extra = 1;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        extra = 2;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        extra = 3;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n <= extra)
        return 0;
    for (size_t k = 1; k <= extra; k++) {
        if ((s[k] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (s[k] & 0x3F);
    }
    if ((extra == 2 && cp < 0x800) || (extra == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return extra + 1;
}

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* The 4 hex digits at s[at..at+4) as a code unit, or -1. */
static long hex4(const dc *d, size_t at)
{
    if (at + 4 > d->len)
        return -1;
    long v = 0;
    for (size_t i = 0; i < 4; i++) {
        int h = hexval(d->s[at + i]);
        if (h < 0)
            return -1;
        v = v << 4 | h;
    }
    return v;
}

static void put_utf8(buf_t *b, uint32_t cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | cp >> 6);
        u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | cp >> 12);
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | cp >> 18);
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    buf_append(b, u, n); /* cannot overflow: the decoded text is shorter than the raw */
}

/* One escape at d->pos (just past the backslash), decoded into out when
 * given. \u escapes decode as json-c does: a surrogate pair is one code
 * point, a lone surrogate U+FFFD. */
static bool escape(dc *d, buf_t *out)
{
    if (d->pos >= d->len)
        return fail_syntax(d, "unterminated string");
    unsigned char c = d->s[d->pos];
    char simple = 0;
    switch (c) {
    case '"':
    case '\\':
    case '/':
        simple = (char)c;
        break;
    case 'b':
        simple = '\b';
        break;
    case 'f':
        simple = '\f';
        break;
    case 'n':
        simple = '\n';
        break;
    case 'r':
        simple = '\r';
        break;
    case 't':
        simple = '\t';
        break;
    case 'u': {
        long cp = hex4(d, d->pos + 1);
        if (cp < 0) {
            d->pos++;
            while (d->pos < d->len && hexval(d->s[d->pos]) >= 0)
                d->pos++;
            return fail_syntax(d, "invalid \\u escape");
        }
        d->pos += 5;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            long lo = -1;
            if (d->pos + 1 < d->len && d->s[d->pos] == '\\' && d->s[d->pos + 1] == 'u')
                lo = hex4(d, d->pos + 2);
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                d->pos += 6;
            } else {
                cp = 0xFFFD;
            }
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            cp = 0xFFFD;
        }
        if (out)
            put_utf8(out, (uint32_t)cp);
        return true;
    }
    default:
        return fail_syntax(d, "invalid escape in a string");
    }
    d->pos++;
    if (out)
        buf_putc(out, simple);
    return true;
}

/* The offset of the first byte in s[0..n) that ends a run of plain string
 * bytes: '"', '\\', a control character or a byte >= 0x80 (n when none).
 * Eight bytes at a time: the lowest flagged byte of each test is exact. */
static inline size_t plain_run(const unsigned char *s, size_t n)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, s + i, 8);
        uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
        uint64_t m = ((x - ones * 0x20) & ~x) | ((q - ones) & ~q) | ((b - ones) & ~b) | x;
        m &= highs;
        if (m)
            return i + (size_t)(__builtin_ctzll(m) >> 3);
    }
    for (; i < n; i++) {
        unsigned char c = s[i];
        if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80)
            break;
    }
    return i;
}

/* scan_string's general case: escapes, non-ASCII bytes, errors. */
static bool __attribute__((noinline))
scan_string_slow(dc *d, bool want, const char **out, size_t *outlen)
{
    const unsigned char *s = d->s;
    size_t pos = ++d->pos, len = d->len, seg = pos, start = pos;
    bool esc = false, bs = false;
    for (;;) {
        pos += plain_run(s + pos, len - pos);
        if (pos >= len) {
            d->pos = pos;
            return fail_syntax(d, "unterminated string");
        }
        unsigned char c = s[pos];
        if (c == '"') {
            if (want) {
                if (!esc) {
                    *out = (const char *)s + start;
                    *outlen = pos - start;
                } else {
                    buf_append(&d->scratch, s + seg, pos - seg);
                    *out = buf_cstr(&d->scratch);
                    *outlen = d->scratch.len;
                }
            }
            d->escaped = bs;
            d->str_end = pos;
            d->pos = pos + 1;
            return true;
        }
        if (c < 0x20) {
            d->pos = pos;
            return fail_syntax(d, "control character in a string");
        }
        if (c >= 0x80) {
            size_t n = utf8_seq(s + pos, len - pos);
            if (n == 0) {
                d->pos = pos;
                return fail_syntax(d, "invalid UTF-8 in a string");
            }
            pos += n;
            continue;
        }
        /* a backslash */
        bs = true;
        if (want) {
            if (!esc) {
                buf_reset(&d->scratch);
                esc = true;
            }
            buf_append(&d->scratch, s + seg, pos - seg);
        }
        d->pos = pos + 1;
        if (!escape(d, want ? &d->scratch : NULL))
            return false;
        pos = seg = d->pos;
    }
}

/* The string at d->pos (its opening quote). With want, *out and *outlen get
 * its decoded bytes: a span of the text when it has no escapes, else the
 * scratch buffer (valid until the next string is read with want);
 * d->escaped says which. Inline for the common case: plain ASCII. */
static inline bool scan_string(dc *d, bool want, const char **out, size_t *outlen)
{
    size_t start = d->pos + 1;
    size_t end = start + plain_run(d->s + start, d->len - start);
    if (end < d->len && d->s[end] == '"') {
        if (want) {
            *out = (const char *)d->s + start;
            *outlen = end - start;
        }
        d->escaped = false;
        d->str_end = end;
        d->pos = end + 1;
        return true;
    }
    return scan_string_slow(d, want, out, outlen);
}

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static bool scan_digits(dc *d)
{
    if (!is_digit(peek(d)))
        return fail_syntax(d, "digit expected in a number");
    while (is_digit(peek(d)))
        d->pos++;
    return true;
}

/* RFC 8259 numbers: no leading zeros, no "1.", no NaN. */
static bool scan_number(dc *d)
{
    if (peek(d) == '-')
        d->pos++;
    if (peek(d) == '0')
        d->pos++;
    else if (!scan_digits(d))
        return false;
    if (peek(d) == '.') {
        d->pos++;
        if (!scan_digits(d))
            return false;
    }
    if (peek(d) == 'e' || peek(d) == 'E') {
        d->pos++;
        if (peek(d) == '+' || peek(d) == '-')
            d->pos++;
        if (!scan_digits(d))
            return false;
    }
    return true;
}

/* True and past it when the text at d->pos is lit. */
static bool take_literal(dc *d, const char *lit, size_t n)
{
    if (d->len - d->pos >= n && memcmp(d->s + d->pos, lit, n) == 0) {
        d->pos += n;
        return true;
    }
    return false;
}

/* Past "," (true, more follows) or the closing bracket (false, *done); an
 * error otherwise (false, !*done). */
static inline bool next_member(dc *d, char close, bool *done)
{
    ws(d);
    int c = peek(d);
    if (c == ',') {
        d->pos++;
        ws(d);
        return true;
    }
    if (c == close) {
        d->pos++;
        d->depth--;
        *done = true;
        return false;
    }
    *done = false;
    return fail_syntax(d, close == '}' ? "',' or '}' expected" : "',' or ']' expected");
}

/* Past a key and its colon; the key decoded when want. */
static bool scan_key(dc *d, bool want, const char **k, size_t *kl)
{
    if (peek(d) != '"')
        return fail_syntax(d, "a string key expected");
    if (!scan_string(d, want, k, kl))
        return false;
    if (d->pos + 1 < d->len && d->s[d->pos] == ':' && d->s[d->pos + 1] > ' ') {
        d->pos++; /* no spaces around it: as DynamoDB writes */
        return true;
    }
    ws(d);
    if (peek(d) != ':')
        return fail_syntax(d, "':' expected");
    d->pos++;
    ws(d);
    return true;
}

/* Validates and skips any JSON value at d->pos. */
static bool skip_value(dc *d)
{
    ws(d);
    int c = peek(d);
    if (c == '{' || c == '[') {
        char close = c == '{' ? '}' : ']';
        if (!enter(d))
            return false;
        ws(d);
        if (peek(d) == close) {
            d->pos++;
            d->depth--;
            return true;
        }
        for (;;) {
            if (close == '}' && !scan_key(d, false, NULL, NULL))
                return false;
            if (!skip_value(d))
                return false;
            bool done;
            if (!next_member(d, close, &done))
                return done;
        }
    }
    if (c == '"')
        return scan_string(d, false, NULL, NULL);
    if (c == '-' || is_digit(c))
        return scan_number(d);
    if (take_literal(d, "true", 4) || take_literal(d, "false", 5) || take_literal(d, "null", 4))
        return true;
    return fail_syntax(d, c < 0 ? "a value expected" : "unexpected character");
}

/* ---- pass 1: where each slot's value is --------------------------------------------- */

enum av_type { T_S, T_N, T_B, T_BOOL, T_NULL, T_M, T_L, T_SS, T_NS, T_BS, T_UNKNOWN };

/* Where pass 1 found a slot's value: its JSON token (a string with its
 * quotes, or an object or array) in the text. type is 0 when the slot has
 * nothing (NULL), else 1 + its av_type. */
struct ddb_vref {
    uint32_t off, len;
    uint8_t type;
    uint8_t flag; /* S, N, B: the string has escapes; BOOL: its value */
};
typedef struct ddb_vref vref;

static enum av_type av_type_of(const char *k, size_t n)
{
    if (n == 1)
        return k[0] == 'S'   ? T_S
               : k[0] == 'N' ? T_N
               : k[0] == 'B' ? T_B
               : k[0] == 'M' ? T_M
               : k[0] == 'L' ? T_L
                             : T_UNKNOWN;
    if (n == 2 && k[1] == 'S')
        return k[0] == 'S' ? T_SS : k[0] == 'N' ? T_NS : k[0] == 'B' ? T_BS : T_UNKNOWN;
    if (n == 4 && memcmp(k, "BOOL", 4) == 0)
        return T_BOOL;
    if (n == 4 && memcmp(k, "NULL", 4) == 0)
        return T_NULL;
    return T_UNKNOWN;
}

static const char *type_label(enum av_type t)
{
    static const char *const names[] = {"S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"};
    return t < T_UNKNOWN ? names[t] : "?";
}

/* A decoded key as json-c sees it: up to its first NUL. */
static size_t key_len(const char *k, size_t n)
{
    const char *z = memchr(k, '\0', n);
    return z ? (size_t)(z - k) : n;
}

/* The kid named k (decoded; when escaped it may hold a NUL, where json-c's
 * keys end). */
static inline const snode *find_name(const snode *n, const char *k, size_t kl, bool escaped)
{
    if (escaped)
        kl = key_len(k, kl);
    for (int i = 0; i < n->nkids; i++) {
        const snode *c = &n->kids[i];
        if (c->nlen != kl || !c->name)
            continue;
        size_t j = 0;
        while (j < kl && c->name[j] == k[j])
            j++;
        if (j == kl)
            return c;
    }
    return NULL;
}

static const snode *find_index(const snode *n, size_t idx)
{
    for (int i = 0; i < n->nkids; i++)
        if (!n->kids[i].name && n->kids[i].index == idx)
            return &n->kids[i];
    return NULL;
}

/* A key seen again replaces what it gave before (json-c keeps the last). */
static inline void reset_slots(const snode *n, vref *row)
{
    for (int i = 0; i < n->nsub; i++)
        row[n->sub[i]].type = 0;
}

static inline void set_slots(const snode *n, vref *row, enum av_type t, size_t off, size_t end,
                             bool flag)
{
    vref r = {(uint32_t)off, (uint32_t)(end - off), (uint8_t)(t + 1), flag};
    for (int i = 0; i < n->nslots; i++)
        row[n->slots[i]] = r;
}

static bool decode_av(dc *d, const snode *n, vref *row);
static int fast_member(dc *d, const snode *parent, vref *row, bool top);

/* The members of an M (d->pos at '{') into n's name kids. */
static bool decode_map(dc *d, const snode *n, vref *row)
{
    if (!enter(d))
        return false;
    ws(d);
    if (peek(d) == '}') {
        d->pos++;
        d->depth--;
        return true;
    }
    for (;;) {
        int f = fast_member(d, n, row, false);
        if (f < 0)
            return false;
        if (f == 0) {
            const char *k;
            size_t kl;
            if (!scan_key(d, true, &k, &kl))
                return false;
            const snode *kid = find_name(n, k, kl, d->escaped);
            if (kid)
                reset_slots(kid, row);
            if (!(kid ? decode_av(d, kid, row) : skip_value(d)))
                return false;
        }
        bool done;
        if (!next_member(d, '}', &done))
            return done;
    }
}

/* The elements of an L (d->pos at '[') into n's index kids. */
static bool decode_list(dc *d, const snode *n, vref *row)
{
    if (!enter(d))
        return false;
    ws(d);
    if (peek(d) == ']') {
        d->pos++;
        d->depth--;
        return true;
    }
    for (size_t idx = 0;; idx++) {
        const snode *kid = find_index(n, idx);
        if (!(kid ? decode_av(d, kid, row) : skip_value(d)))
            return false;
        bool done;
        if (!next_member(d, ']', &done))
            return done;
    }
}

/* A document (M, L or a set) at d->pos: checked for its container type
 * (DynamoDB validated its contents, as ddb_to_value_shallow assumes) and
 * descended into for n's kids. */
static bool scan_doc(dc *d, const snode *n, enum av_type t, vref *row)
{
    if (t == T_M) {
        if (peek(d) != '{')
            return fail_attr(d, "M must be an object");
        return n->name_kids ? decode_map(d, n, row) : skip_value(d);
    }
    if (peek(d) != '[')
        return fail_attr(d, "%s must be an array", type_label(t));
    return t == T_L && n->index_kids ? decode_list(d, n, row) : skip_value(d);
}

/* The value of a type key, for a node that holds a slot: checked as far as
 * JSON goes (a string for S, N and B, true or false for BOOL, true for
 * NULL, the container of a document) and recorded; what the string holds
 * is read when the row is taken. */
static bool decode_typed(dc *d, const snode *n, enum av_type t, const char *k, size_t kl, vref *row)
{
    size_t start = d->pos;
    bool flag = false;
    switch (t) {
    case T_S:
    case T_N:
    case T_B:
        if (peek(d) != '"')
            return fail_attr(d, t == T_S   ? "S must be a string"
                                : t == T_N ? "N must be a string (\"N\":\"12.5\")"
                                           : "B must be a base64 string");
        if (!scan_string(d, false, NULL, NULL))
            return false;
        flag = d->escaped;
        break;
    case T_BOOL:
        if (take_literal(d, "true", 4))
            flag = true;
        else if (!take_literal(d, "false", 5))
            return fail_attr(d, "BOOL must be true or false");
        break;
    case T_NULL:
        if (!take_literal(d, "true", 4))
            return fail_attr(d, "NULL must be true");
        break;
    case T_M:
    case T_L:
    case T_SS:
    case T_NS:
    case T_BS:
        if (!scan_doc(d, n, t, row))
            return false;
        break;
    case T_UNKNOWN:
        return fail_attr(d,
                         "unknown AttributeValue type \"%.*s\" (expected S, N, B, BOOL, NULL, M, "
                         "L, SS, NS or BS)",
                         kl > 20 ? 20 : (int)kl, k);
    }
    set_slots(n, row, t, start, d->pos, flag);
    return true;
}

/* The AttributeValue at d->pos for node n: its slots get the value, its
 * kids the values inside an M or L. A node that only leads to others takes
 * any value as "nothing there", as ddb_item_lookup does. */
static bool decode_av(dc *d, const snode *n, vref *row)
{
    bool term = n->nslots > 0;
    ws(d);
    if (peek(d) != '{') {
        if (term)
            return fail_attr(d, "an AttributeValue must be a JSON object");
        return skip_value(d);
    }
    if (!enter(d))
        return false;
    ws(d);
    if (peek(d) == '}') {
        if (term)
            return fail_attr(d, "an AttributeValue must have exactly one type key, not 0");
        d->pos++;
        d->depth--;
        return true;
    }
    const char *k;
    size_t kl;
    enum av_type t;
    const unsigned char *p = d->s + d->pos;
    if (d->len - d->pos >= 4 && p[0] == '"' && p[2] == '"' && p[3] == ':' &&
        (p[1] == 'S' || p[1] == 'N' || p[1] == 'B' || p[1] == 'M' || p[1] == 'L')) {
        /* "S": and the other one-letter types, as DynamoDB writes them */
        k = (const char *)p + 1;
        kl = 1;
        t = av_type_of(k, 1);
        d->pos += 4;
        ws(d);
    } else {
        if (!scan_key(d, true, &k, &kl))
            return false;
        t = av_type_of(k, d->escaped ? key_len(k, kl) : kl);
    }
    bool ok;
    if (term)
        ok = decode_typed(d, n, t, k, kl, row);
    else if (t == T_M && n->name_kids && peek(d) == '{')
        ok = decode_map(d, n, row);
    else if (t == T_L && n->index_kids && peek(d) == '[')
        ok = decode_list(d, n, row);
    else
        ok = skip_value(d);
    if (!ok)
        return false;
    ws(d);
    if (peek(d) == ',')
        return fail_attr(d, "an AttributeValue must have exactly one type key");
    if (peek(d) != '}')
        return fail_syntax(d, "',' or '}' expected");
    d->pos++;
    d->depth--;
    return true;
}

/* The usual member, as DynamoDB writes it: "name":{"T":"text"} with T one
 * of S, N, B, or "name":{"BOOL":true|false} or "name":{"NULL":true}, no
 * spaces, the strings plain printable ASCII without escapes (so valid as
 * they stand). Read by matching bytes, for a member of parent that is
 * skipped or holds only slots. 1: done, d->pos past the value; 0: not that
 * shape, nothing consumed (the general path reads it). */
static inline int fast_member(dc *d, const snode *parent, vref *row, bool top)
{
    const unsigned char *s = d->s;
    size_t len = d->len, p = d->pos;
    if (p >= len || s[p] != '"')
        return 0;
    size_t ns = p + 1, ne = ns + plain_run(s + ns, len - ns);
    if (ne + 8 >= len || memcmp(s + ne, "\":{\"", 4) != 0)
        return 0;
    size_t tp = ne + 4, vs, end;
    enum av_type t;
    bool flag = false;
    if (s[tp + 1] == '"' && s[tp + 2] == ':' && s[tp + 3] == '"' &&
        (s[tp] == 'S' || s[tp] == 'N' || s[tp] == 'B')) {
        t = s[tp] == 'S' ? T_S : s[tp] == 'N' ? T_N : T_B;
        vs = tp + 3; /* the value's opening quote */
        size_t ve = vs + 1 + plain_run(s + vs + 1, len - vs - 1);
        if (ve + 1 >= len || s[ve] != '"' || s[ve + 1] != '}')
            return 0;
        end = ve + 1;
    } else if (len - tp >= 11 && memcmp(s + tp, "BOOL\":true}", 11) == 0) {
        t = T_BOOL;
        flag = true;
        vs = tp + 6;
        end = vs + 4;
    } else if (len - tp >= 12 && memcmp(s + tp, "BOOL\":false}", 12) == 0) {
        t = T_BOOL;
        vs = tp + 6;
        end = vs + 5;
    } else if (len - tp >= 11 && memcmp(s + tp, "NULL\":true}", 11) == 0) {
        t = T_NULL;
        vs = tp + 6;
        end = vs + 4;
    } else {
        return 0;
    }
    const snode *kid = find_name(parent, (const char *)s + ns, ne - ns, false);
    if (kid && kid->nkids > 0)
        return 0; /* paths go on inside: the general path follows them */
    if (kid && kid->nslots == 1 && kid->nsub == 1) {
        row[kid->slots[0]] = (vref){(uint32_t)vs, (uint32_t)(end - vs), (uint8_t)(t + 1), flag};
    } else if (kid) {
        reset_slots(kid, row);
        set_slots(kid, row, t, vs, end, flag);
    }
    (void)top;
    d->pos = end + 1; /* past the AttributeValue's '}' */
    return 1;
}

/* ---- items and answers ------------------------------------------------------------ */

static bool decode_item(dc *d, const ddb_shape *sh, vref *row)
{
    int c = peek(d);
    if (c != '{') {
        if (c < 0 || !strchr("[\"-0123456789tfn", c))
            return fail_syntax(d, c < 0 ? "" : "unexpected character");
        return fail_shape(d, "item %zu is not a JSON object", d->item);
    }
    if (!enter(d))
        return false;
    ws(d);
    if (peek(d) == '}') {
        d->pos++;
        d->depth--;
        return true;
    }
    for (;;) {
        if (fast_member(d, &sh->root, row, true) == 0) {
            if (peek(d) != '"')
                return fail_syntax(d, "a string key expected");
            size_t name_at = d->pos + 1;
            const char *k;
            size_t kl;
            if (!scan_key(d, true, &k, &kl))
                return false;
            const snode *kid = find_name(&sh->root, k, kl, d->escaped);
            bool ok;
            if (kid) {
                d->attr = d->s + name_at;
                d->attr_len = d->str_end - name_at;
                reset_slots(kid, row);
                ok = decode_av(d, kid, row);
                d->attr = NULL;
            } else {
                ok = skip_value(d);
            }
            if (!ok)
                return false;
        }
        bool done;
        if (!next_member(d, '}', &done))
            return done;
    }
}

typedef struct page_build {
    ddb_page *p;
    size_t cap; /* items the arrays hold */
} page_build;

/* Room for more items: at first 64; then, from the size of the items so far
 * (used bytes over items), enough for the rest of the text, so a page is
 * usually reallocated once. */
static void grow(page_build *b, size_t used, size_t left)
{
    ddb_page *p = b->p;
    size_t cap = b->cap ? b->cap * 2 : 64;
    if (p->nitems > 0 && used > 0) {
        size_t per = used / p->nitems + 1;
        size_t guess = p->nitems + left / per + left / per / 8 + 16;
        if (guess > cap)
            cap = guess;
    }
    if (p->nslots > 0)
        p->refs = xreallocarray(p->refs, cap, (size_t)p->nslots * sizeof *p->refs);
    p->spans = xreallocarray(p->spans, cap, 2 * sizeof *p->spans);
    b->cap = cap;
}

/* An array of items (d->pos at the value). */
static bool decode_items(dc *d, const ddb_shape *sh, page_build *b, const char *what)
{
    if (peek(d) != '[')
        return fail_shape(d, "%s must be an array", what);
    if (!enter(d))
        return false;
    ws(d);
    if (peek(d) == ']') {
        d->pos++;
        d->depth--;
        return true;
    }
    ddb_page *p = b->p;
    size_t first = d->pos;
    for (;;) {
        if (p->nitems == b->cap)
            grow(b, d->pos - first, d->len - d->pos);
        vref *row = p->refs ? p->refs + p->nitems * (size_t)p->nslots : NULL;
        for (int k = 0; k < p->nslots; k++)
            row[k].type = 0; /* nothing yet: NULL */
        d->item = p->nitems + 1;
        size_t start = d->pos;
        if (!decode_item(d, sh, row))
            return false;
        p->spans[2 * p->nitems] = start;
        p->spans[2 * p->nitems + 1] = d->pos;
        p->nitems++;
        d->item = 0;
        bool done;
        if (!next_member(d, ']', &done))
            return done;
    }
}

/* BatchGetItem's Responses: {"table": [items], ...}. */
static bool decode_responses(dc *d, const ddb_shape *sh, page_build *b, const char *table)
{
    if (peek(d) != '{')
        return fail_shape(d, "Responses must be an object");
    if (!enter(d))
        return false;
    ws(d);
    if (peek(d) == '}') {
        d->pos++;
        d->depth--;
        return true;
    }
    bool seen = false;
    for (;;) {
        const char *k;
        size_t kl;
        if (!scan_key(d, true, &k, &kl))
            return false;
        kl = key_len(k, kl);
        bool mine = table && kl == strlen(table) && memcmp(k, table, kl) == 0;
        if (mine && seen)
            return fail_shape(d, "Responses names table %s twice", table);
        seen = seen || mine;
        if (!(mine ? decode_items(d, sh, b, "a table's Responses") : skip_value(d)))
            return false;
        bool done;
        if (!next_member(d, '}', &done))
            return done;
    }
}

/* A member other than the items, into the summary. */
static bool add_summary(dc *d, json_object *summary, const char *k, size_t kl)
{
    char *key = xstrndup(k, key_len(k, kl));
    size_t start = d->pos;
    bool ok = skip_value(d);
    if (ok) {
        json_object *v = NULL;
        size_t n = d->pos - start;
        if (!(n == 4 && memcmp(d->s + start, "null", 4) == 0)) {
            char jerr[128];
            v = json_parse_strict((const char *)d->s + start, n, DDB_PAGE_MAX_DEPTH, jerr,
                                  sizeof jerr);
            if (!v)
                ok = fail_shape(d, "member %s could not be read: %s", key, jerr);
        }
        if (ok)
            json_object_object_add(summary, key, v);
    }
    free(key);
    return ok;
}

static bool decode_answer(dc *d, const ddb_shape *sh, const ddb_decode_opts *o, page_build *b)
{
    const char *items_key = o->op == DDB_BATCH_GET_ITEM ? "Responses" : "Items";
    ws(d);
    if (peek(d) != '{')
        return peek(d) < 0 ? fail_syntax(d, "") : fail_shape(d, "the answer is not a JSON object");
    if (!enter(d))
        return false;
    ws(d);
    bool seen = false;
    if (peek(d) == '}') {
        d->pos++;
        d->depth--;
    } else {
        for (;;) {
            const char *k;
            size_t kl;
            if (!scan_key(d, true, &k, &kl))
                return false;
            kl = d->escaped ? key_len(k, kl) : kl;
            bool items = kl == strlen(items_key) && memcmp(k, items_key, kl) == 0;
            if (items && seen)
                return fail_shape(d, "%s appears twice", items_key);
            seen = seen || items;
            bool ok;
            if (!items)
                ok = add_summary(d, b->p->summary, k, kl);
            else if (o->op == DDB_BATCH_GET_ITEM)
                ok = decode_responses(d, sh, b, o->table);
            else
                ok = decode_items(d, sh, b, "Items");
            if (!ok)
                return false;
            bool done;
            if (!next_member(d, '}', &done)) {
                if (!done)
                    return false;
                break;
            }
        }
    }
    ws(d);
    if (d->pos < d->len)
        return fail_syntax(d, "unexpected data after the JSON value");
    return true;
}

bool ddb_page_decode(const ddb_shape *s, const ddb_decode_opts *o, const char *text, size_t len,
                     ddb_page *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->nslots = s->width;
    out->shape = s;
    out->summary = json_object_new_object();
    if (!out->summary)
        die_oom(sizeof(void *));
    if (len > DDB_PAGE_MAX_TEXT) {
        snprintf(err, errlen, "DynamoDB's answer is larger than %u MiB", DDB_PAGE_MAX_TEXT >> 20);
        return false;
    }
    dc d = {.s = (const unsigned char *)text, .len = len, .err = err, .errlen = errlen};
    buf_init(&d.scratch, DDB_PAGE_MAX_TEXT);
    page_build b = {.p = out};
    bool ok = decode_answer(&d, s, o, &b);
    buf_free(&d.scratch);
    if (ok && out->nitems > 0) {
        /* the rows are read from it when taken */
        out->text = xmalloc(len + 1);
        memcpy(out->text, text, len);
        out->text[len] = '\0';
        out->len = len;
    }
    return ok;
}

/* ---- pass 2: rows from the text -------------------------------------------------- */

/* A DynamoDB number as value_number_parse would make it. Most are plain
 * ("123.45", "-7", at most 18 digits): parsed here without 128-bit
 * arithmetic, and their text is not kept, since it is exactly what
 * dec_format writes back (value_number_text gives the same bytes; "-0",
 * whose sign formatting drops, keeps its text). The rest go through
 * value_number_parse. */
static dec_status number_value(const char *s, size_t len, value_t *out)
{
    if (len == 0)
        return value_number_parse(s, len, out);
    size_t i = s[0] == '-' ? 1 : 0, int_start = i;
    int64_t c = 0;
    int digits = 0, frac = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9' && digits < 18) {
        c = c * 10 + (s[i++] - '0');
        digits++;
    }
    bool plain = i > int_start && !(s[int_start] == '0' && i - int_start > 1);
    if (plain && i < len && s[i] == '.') {
        size_t fs = ++i;
        while (i < len && s[i] >= '0' && s[i] <= '9' && digits < 18) {
            c = c * 10 + (s[i++] - '0');
            digits++;
        }
        frac = (int)(i - fs);
        plain = frac > 0;
    }
    if (!plain || i != len || (int_start && c == 0))
        return value_number_parse(s, len, out);
    dec_t d = {.coef = int_start ? -c : c, .exp = -frac};
    *out = value_number(&d);
    return DEC_OK;
}

static bool take_fail(const ddb_page *p, size_t item, int slot, const vref *r, char *err,
                      size_t errlen, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

/* A value that breaks DynamoDB's rules, named by its item and attribute. */
static bool take_fail(const ddb_page *p, size_t item, int slot, const vref *r, char *err,
                      size_t errlen, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const char *name = p->shape ? p->shape->attr[slot] : NULL;
    snprintf(err, errlen,
             "DynamoDB returned a malformed attribute %.64s (item %zu of the answer, byte %zu): "
             "%s",
             name ? name : "?", item + 1, (size_t)r->off + r->len, msg);
    return false;
}

/* The json-c object of text[off, off + len) (valid JSON). */
static json_object *page_json(ddb_page *p, size_t off, size_t len)
{
    if (!p->tok) {
        p->tok = json_tokener_new_ex(DDB_PAGE_MAX_DEPTH + 1);
        if (!p->tok)
            die_oom(sizeof(void *));
        json_tokener_set_flags(p->tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    }
    json_tokener_reset(p->tok);
    json_object *o = json_tokener_parse_ex(p->tok, p->text + off, (int)len);
    if (json_tokener_get_error(p->tok) != json_tokener_success) {
        json_object_put(o);
        return NULL;
    }
    return o;
}

/* The decoded bytes of a string token with escapes (the slow path): into
 * scratch. */
static void unescape(const ddb_page *p, const vref *r, buf_t *scratch, const char **v, size_t *vl)
{
    char err[8];
    dc d = {.s = (const unsigned char *)p->text,
            .len = r->off + r->len,
            .pos = r->off,
            .err = err,
            .errlen = sizeof err,
            .scratch = *scratch};
    if (!scan_string_slow(&d, true, v, vl)) { /* not reached: pass 1 checked it */
        *v = "";
        *vl = 0;
    }
    *scratch = d.scratch;
}

/* The value of one slot of item i. */
static bool take_value(ddb_page *p, size_t i, int slot, value_t *out, char *err, size_t errlen)
{
    const vref *r = &p->refs[i * (size_t)p->nslots + (size_t)slot];
    *out = (value_t){.type = VAL_NULL};
    if (r->type == 0)
        return true;
    enum av_type t = (enum av_type)(r->type - 1);
    const char *s = p->text + r->off + 1; /* a string's bytes, inside its quotes */
    size_t n = r->len - 2;
    if (t == T_S && !r->flag) {
        *out = value_string(s, n);
        return true;
    }
    if (t == T_N && !r->flag && number_value(s, n, out) == DEC_OK)
        return true;
    buf_t scratch = BUF_INIT(DDB_PAGE_MAX_TEXT);
    if ((t == T_S || t == T_N || t == T_B) && r->flag)
        unescape(p, r, &scratch, &s, &n);
    bool ok = true;
    switch (t) {
    case T_S:
        *out = value_string(s, n);
        break;
    case T_N: {
        dec_status st = number_value(s, n, out);
        if (st != DEC_OK)
            ok = take_fail(p, i, slot, r, err, errlen, "N \"%.*s\": %s", n > 40 ? 40 : (int)n, s,
                           dec_status_str(st));
        break;
    }
    case T_B: {
        uint8_t *bytes = NULL;
        size_t nb = 0;
        if (base64_decode(s, n, &bytes, &nb))
            *out = value_binary(bytes, nb);
        else
            ok = take_fail(p, i, slot, r, err, errlen, "B must be a base64 string");
        free(bytes);
        break;
    }
    case T_BOOL:
        *out = value_bool(r->flag);
        break;
    case T_NULL:
    case T_UNKNOWN:
        break;
    case T_M:
    case T_L:
    case T_SS:
    case T_NS:
    case T_BS: {
        static const value_type vt[] = {
            [T_M] = VAL_MAP, [T_L] = VAL_LIST, [T_SS] = VAL_SS, [T_NS] = VAL_NS, [T_BS] = VAL_BS};
        json_object *doc = page_json(p, r->off, r->len);
        if (doc)
            *out = value_doc(vt[t], doc);
        else
            ok = take_fail(p, i, slot, r, err, errlen, "%s could not be read", type_label(t));
        json_object_put(doc);
        break;
    }
    }
    buf_free(&scratch);
    return ok;
}

int ddb_page_take_row(ddb_page *p, value_t *row, char *err, size_t errlen)
{
    if (p->taken >= p->nitems)
        return 0;
    size_t i = p->taken++;
    int w = p->nslots;
    if (p->rows) { /* a row source's */
        value_t *src = p->rows + i * (size_t)w;
        memcpy(row, src, (size_t)w * sizeof *row);
        for (int k = 0; k < w; k++)
            src[k].type = VAL_NULL;
        return 1;
    }
    for (int k = 0; k < w; k++)
        row[k] = (value_t){.type = VAL_NULL};
    for (int k = 0; k < w; k++) {
        bool ok;
        if (p->shape->attr[k]) {
            ok = take_value(p, i, k, &row[k], err, errlen);
        } else {
            json_object *item =
                page_json(p, p->spans[2 * i], p->spans[2 * i + 1] - p->spans[2 * i]);
            ok = item != NULL;
            if (ok)
                row[k] = value_doc(VAL_MAP, item);
            else
                snprintf(err, errlen, "DynamoDB's answer: item %zu could not be read", i + 1);
            json_object_put(item);
        }
        if (!ok) {
            for (int j = 0; j < w; j++)
                value_free(&row[j]);
            return -1;
        }
    }
    return 1;
}

json_object *ddb_page_item(const ddb_page *p, size_t i)
{
    if (!p->text || !p->spans || i >= p->nitems)
        return NULL;
    size_t start = p->spans[2 * i], end = p->spans[2 * i + 1];
    json_tokener *tok = json_tokener_new_ex(DDB_PAGE_MAX_DEPTH + 1);
    if (!tok)
        die_oom(sizeof(void *));
    json_object *o = json_tokener_parse_ex(tok, p->text + start, (int)(end - start));
    if (json_tokener_get_error(tok) != json_tokener_success) {
        json_object_put(o);
        o = NULL;
    }
    json_tokener_free(tok);
    return o;
}

void ddb_page_free(ddb_page *p)
{
    if (p->rows) /* rows taken are NULL already */
        for (size_t i = p->taken * (size_t)p->nslots; i < p->nitems * (size_t)p->nslots; i++)
            if (p->rows[i].type != VAL_NULL)
                value_free(&p->rows[i]);
    free(p->rows);
    free(p->refs);
    free(p->spans);
    free(p->text);
    if (p->tok)
        json_tokener_free(p->tok);
    json_object_put(p->summary);
    memset(p, 0, sizeof *p);
}
