/* DynamoDB answers to rows in one pass over their text; see
 * ddb_page_decode.h. A recursive descent whose depth is bounded by
 * DDB_PAGE_MAX_DEPTH, so hostile nesting cannot exhaust the stack. */
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
    for (int i = 0; i < s->width; i++) {
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

/* The string at d->pos (its opening quote). With want, *out and *outlen get its
 * decoded bytes: a span of the text when it has no escapes, else the
 * scratch buffer (valid until the next string is read with want). */
static bool scan_string(dc *d, bool want, const char **out, size_t *outlen)
{
    const unsigned char *s = d->s;
    size_t pos = ++d->pos, len = d->len, seg = pos, start = pos;
    bool esc = false;
    for (;;) {
        unsigned char c = 0;
        while (pos < len && (c = s[pos]) >= 0x20 && c != '"' && c != '\\' && c < 0x80)
            pos++;
        if (pos >= len) {
            d->pos = pos;
            return fail_syntax(d, "unterminated string");
        }
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
static bool next_member(dc *d, char close, bool *done)
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

/* The value text[start..end) (valid JSON) as a json-c object. */
static json_object *parse_span(dc *d, size_t start, size_t end)
{
    if (!d->tok) {
        d->tok = json_tokener_new_ex(DDB_PAGE_MAX_DEPTH + 1);
        if (!d->tok)
            die_oom(sizeof(void *));
        json_tokener_set_flags(d->tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    }
    json_tokener_reset(d->tok);
    json_object *o = json_tokener_parse_ex(d->tok, (const char *)d->s + start, (int)(end - start));
    if (json_tokener_get_error(d->tok) != json_tokener_success) {
        json_object_put(o);
        return NULL;
    }
    return o;
}

/* ---- AttributeValues into slots ------------------------------------------------- */

enum av_type { T_S, T_N, T_B, T_BOOL, T_NULL, T_M, T_L, T_SS, T_NS, T_BS, T_UNKNOWN };

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

/* A decoded key as json-c sees it: up to its first NUL. */
static size_t key_len(const char *k, size_t n)
{
    const char *z = memchr(k, '\0', n);
    return z ? (size_t)(z - k) : n;
}

static const snode *find_name(const snode *n, const char *k, size_t kl)
{
    kl = key_len(k, kl);
    for (int i = 0; i < n->nkids; i++) {
        const snode *c = &n->kids[i];
        if (c->name && c->nlen == kl && memcmp(c->name, k, kl) == 0)
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
static void reset_slots(const snode *n, value_t *row)
{
    for (int i = 0; i < n->nsub; i++)
        value_free(&row[n->sub[i]]);
}

static void set_slots(const snode *n, value_t *row, value_t v)
{
    for (int i = 1; i < n->nslots; i++) {
        value_free(&row[n->slots[i]]);
        row[n->slots[i]] = value_copy(&v);
    }
    value_free(&row[n->slots[0]]);
    row[n->slots[0]] = v;
}

static bool decode_av(dc *d, const snode *n, value_t *row);

/* The members of an M (d->pos at '{') into n's name kids. */
static bool decode_map(dc *d, const snode *n, value_t *row)
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
        const char *k;
        size_t kl;
        if (!scan_key(d, true, &k, &kl))
            return false;
        const snode *kid = find_name(n, k, kl);
        if (kid)
            reset_slots(kid, row);
        if (!(kid ? decode_av(d, kid, row) : skip_value(d)))
            return false;
        bool done;
        if (!next_member(d, '}', &done))
            return done;
    }
}

/* The elements of an L (d->pos at '[') into n's index kids. */
static bool decode_list(dc *d, const snode *n, value_t *row)
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

static const char *type_label(enum av_type t)
{
    static const char *const names[] = {"S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"};
    return t < T_UNKNOWN ? names[t] : "?";
}

/* A document (M, L or a set) at d->pos: checked for its container type
 * (DynamoDB validated its contents, as ddb_to_value_shallow assumes) and
 * descended into for n's kids. */
static bool scan_doc(dc *d, const snode *n, enum av_type t, value_t *row)
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

/* The value of a type key, for a node that holds a slot. */
static bool decode_typed(dc *d, const snode *n, enum av_type t, const char *k, size_t kl,
                         value_t *row)
{
    const char *s;
    size_t sl;
    value_t v = value_null();
    switch (t) {
    case T_S:
        if (peek(d) != '"')
            return fail_attr(d, "S must be a string");
        if (!scan_string(d, true, &s, &sl))
            return false;
        v = value_string(s, sl);
        break;
    case T_N: {
        if (peek(d) != '"')
            return fail_attr(d, "N must be a string (\"N\":\"12.5\")");
        if (!scan_string(d, true, &s, &sl))
            return false;
        dec_status st = value_number_parse(s, sl, &v);
        if (st != DEC_OK)
            return fail_attr(d, "N \"%.*s\": %s", sl > 40 ? 40 : (int)sl, s, dec_status_str(st));
        break;
    }
    case T_B: {
        if (peek(d) != '"')
            return fail_attr(d, "B must be a base64 string");
        if (!scan_string(d, true, &s, &sl))
            return false;
        uint8_t *bytes = NULL;
        size_t nb = 0;
        if (!base64_decode(s, sl, &bytes, &nb))
            return fail_attr(d, "B must be a base64 string");
        v = value_binary(bytes, nb);
        free(bytes);
        break;
    }
    case T_BOOL:
        if (take_literal(d, "true", 4))
            v = value_bool(true);
        else if (take_literal(d, "false", 5))
            v = value_bool(false);
        else
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
    case T_BS: {
        size_t start = d->pos;
        if (!scan_doc(d, n, t, row))
            return false;
        json_object *doc = parse_span(d, start, d->pos);
        if (!doc)
            return fail_attr(d, "%s could not be read", type_label(t));
        static const value_type vt[] = {
            [T_M] = VAL_MAP, [T_L] = VAL_LIST, [T_SS] = VAL_SS, [T_NS] = VAL_NS, [T_BS] = VAL_BS};
        v = value_doc(vt[t], doc);
        json_object_put(doc);
        break;
    }
    case T_UNKNOWN:
        return fail_attr(d,
                         "unknown AttributeValue type \"%.*s\" (expected S, N, B, BOOL, NULL, M, "
                         "L, SS, NS or BS)",
                         kl > 20 ? 20 : (int)kl, k);
    }
    set_slots(n, row, v);
    return true;
}

/* The AttributeValue at d->pos for node n: its slots get the value, its
 * kids the values inside an M or L. A node that only leads to others takes
 * any value as "nothing there", as ddb_item_lookup does. */
static bool decode_av(dc *d, const snode *n, value_t *row)
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
    if (!scan_key(d, true, &k, &kl))
        return false;
    enum av_type t = av_type_of(k, key_len(k, kl));
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

/* ---- items and answers ------------------------------------------------------------ */

static bool decode_item(dc *d, const ddb_shape *sh, value_t *row)
{
    size_t start = d->pos;
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
    } else {
        for (;;) {
            if (peek(d) != '"')
                return fail_syntax(d, "a string key expected");
            size_t name_at = d->pos + 1;
            const char *k;
            size_t kl;
            if (!scan_key(d, true, &k, &kl))
                return false;
            const snode *kid = find_name(&sh->root, k, kl);
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
            bool done;
            if (!next_member(d, '}', &done)) {
                if (!done)
                    return false;
                break;
            }
        }
    }
    if (sh->nwhole) {
        json_object *item = parse_span(d, start, d->pos);
        if (!item)
            return fail_shape(d, "item %zu could not be read", d->item);
        for (int i = 0; i < sh->nwhole; i++) {
            value_free(&row[sh->whole[i]]);
            row[sh->whole[i]] = value_doc(VAL_MAP, item);
        }
        json_object_put(item);
    }
    return true;
}

typedef struct page_build {
    ddb_page *p;
    size_t cap; /* items the arrays hold */
    bool keep;
} page_build;

static void grow(page_build *b)
{
    size_t cap = b->cap ? b->cap * 2 : 64;
    ddb_page *p = b->p;
    if (p->nslots > 0)
        p->rows = xreallocarray(p->rows, cap, (size_t)p->nslots * sizeof *p->rows);
    if (b->keep)
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
    for (;;) {
        if (p->nitems == b->cap)
            grow(b);
        value_t *row = p->rows ? p->rows + p->nitems * (size_t)p->nslots : NULL;
        for (int i = 0; i < p->nslots; i++)
            row[i] = value_null();
        d->item = p->nitems + 1;
        size_t start = d->pos;
        if (!decode_item(d, sh, row)) {
            for (int i = 0; i < p->nslots; i++)
                value_free(&row[i]);
            return false;
        }
        if (b->keep) {
            p->spans[2 * p->nitems] = start;
            p->spans[2 * p->nitems + 1] = d->pos;
        }
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
            kl = key_len(k, kl);
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
    out->summary = json_object_new_object();
    if (!out->summary)
        die_oom(sizeof(void *));
    if (len > DDB_PAGE_MAX_TEXT) {
        snprintf(err, errlen, "DynamoDB's answer is larger than %u MiB", DDB_PAGE_MAX_TEXT >> 20);
        return false;
    }
    dc d = {.s = (const unsigned char *)text, .len = len, .err = err, .errlen = errlen};
    buf_init(&d.scratch, DDB_PAGE_MAX_TEXT);
    page_build b = {.p = out, .keep = o->keep_text};
    bool ok = decode_answer(&d, s, o, &b);
    buf_free(&d.scratch);
    if (d.tok)
        json_tokener_free(d.tok);
    if (ok && o->keep_text) {
        out->text = xmalloc(len + 1);
        memcpy(out->text, text, len);
        out->text[len] = '\0';
    }
    return ok;
}

bool ddb_page_take_row(ddb_page *p, value_t *row)
{
    if (p->taken >= p->nitems)
        return false;
    if (p->nslots > 0) {
        value_t *src = p->rows + p->taken * (size_t)p->nslots;
        memcpy(row, src, (size_t)p->nslots * sizeof *row);
        for (int i = 0; i < p->nslots; i++)
            src[i].type = VAL_NULL;
    }
    p->taken++;
    return true;
}

json_object *ddb_page_item(const ddb_page *p, size_t i)
{
    if (!p->text || i >= p->nitems)
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
    if (p->rows)
        for (size_t i = 0; i < p->nitems * (size_t)p->nslots; i++)
            value_free(&p->rows[i]);
    free(p->rows);
    free(p->spans);
    free(p->text);
    json_object_put(p->summary);
    memset(p, 0, sizeof *p);
}
