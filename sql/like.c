#include "sql/like.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/alloc.h"

enum tok_kind { TOK_LIT, TOK_ONE, TOK_ANY };

typedef struct tok {
    enum tok_kind kind;
    size_t off, len; /* TOK_LIT: the literal character's bytes in the pattern */
} tok;

/* Length in bytes of the character at p (n > 0 bytes left): a well-formed
 * UTF-8 sequence, or 1 for a stray byte so bad input still makes progress. */
static size_t char_len(const unsigned char *p, size_t n)
{
    size_t want = 1;
    if (p[0] >= 0xC2 && p[0] <= 0xDF)
        want = 2;
    else if (p[0] >= 0xE0 && p[0] <= 0xEF)
        want = 3;
    else if (p[0] >= 0xF0 && p[0] <= 0xF4)
        want = 4;
    if (want > n)
        return 1;
    for (size_t i = 1; i < want; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 1;
    return want;
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Splits the pattern into tokens (at most one per pattern byte). Consecutive
 * '%' collapse into one. Returns the count, or -1 on a bad escape. */
static long compile(const char *pat, size_t patlen, const char *esc, size_t esclen, tok *out,
                    char *err, size_t errlen)
{
    if (esc && (esclen == 0 || char_len((const unsigned char *)esc, esclen) != esclen)) {
        set_err(err, errlen, "LIKE: the ESCAPE string must be exactly one character, got %zu bytes",
                esclen);
        return -1;
    }
    long n = 0;
    size_t i = 0;
    while (i < patlen) {
        size_t cl = char_len((const unsigned char *)pat + i, patlen - i);
        if (esc && cl == esclen && memcmp(pat + i, esc, esclen) == 0) {
            size_t j = i + cl;
            if (j >= patlen) {
                set_err(err, errlen, "LIKE: the pattern ends with the escape character (byte %zu)",
                        i + 1);
                return -1;
            }
            size_t nl = char_len((const unsigned char *)pat + j, patlen - j);
            bool is_esc = nl == esclen && memcmp(pat + j, esc, esclen) == 0;
            if (!is_esc && pat[j] != '%' && pat[j] != '_') {
                set_err(err, errlen,
                        "LIKE: the escape character at byte %zu must be followed by '%%', '_' or "
                        "itself",
                        i + 1);
                return -1;
            }
            out[n++] = (tok){TOK_LIT, j, nl};
            i = j + nl;
        } else if (pat[i] == '%') {
            if (n == 0 || out[n - 1].kind != TOK_ANY)
                out[n++] = (tok){TOK_ANY, 0, 0};
            i++;
        } else if (pat[i] == '_') {
            out[n++] = (tok){TOK_ONE, 0, 0};
            i++;
        } else {
            out[n++] = (tok){TOK_LIT, i, cl};
            i += cl;
        }
    }
    return n;
}

int like_match(const char *s, size_t slen, const char *pat, size_t patlen, const char *esc,
               size_t esclen, char *err, size_t errlen)
{
    tok *t = xmallocarray(patlen ? patlen : 1, sizeof *t);
    long nt = compile(pat, patlen, esc, esclen, t, err, errlen);
    if (nt < 0) {
        free(t);
        return -1;
    }
    size_t n = (size_t)nt, si = 0, pi = 0, mark = 0;
    const unsigned char *us = (const unsigned char *)s;
    bool have_star = false;
    size_t star = 0;
    int result = 0;
    while (si < slen) {
        if (pi < n && t[pi].kind == TOK_ANY) {
            have_star = true;
            star = pi++;
            mark = si;
            continue;
        }
        size_t cl = char_len(us + si, slen - si);
        if (pi < n && (t[pi].kind == TOK_ONE ||
                       (cl == t[pi].len && memcmp(s + si, pat + t[pi].off, cl) == 0))) {
            si += cl;
            pi++;
            continue;
        }
        if (!have_star)
            goto done;
        /* Let the last '%' swallow one more character and retry after it. */
        mark += char_len(us + mark, slen - mark);
        si = mark;
        pi = star + 1;
    }
    while (pi < n && t[pi].kind == TOK_ANY)
        pi++;
    result = pi == n;
done:
    free(t);
    return result;
}

bool like_literal_prefix(const char *pat, size_t patlen, const char *esc, size_t esclen,
                         char **prefix, size_t *prefix_len)
{
    tok *t = xmallocarray(patlen ? patlen : 1, sizeof *t);
    long nt = compile(pat, patlen, esc, esclen, t, NULL, 0);
    bool ok = nt >= 2 && t[nt - 1].kind == TOK_ANY;
    for (long i = 0; ok && i < nt - 1; i++)
        ok = t[i].kind == TOK_LIT;
    if (ok) {
        size_t len = 0;
        for (long i = 0; i < nt - 1; i++)
            len += t[i].len;
        char *p = xmalloc(len + 1);
        size_t o = 0;
        for (long i = 0; i < nt - 1; i++) {
            memcpy(p + o, pat + t[i].off, t[i].len);
            o += t[i].len;
        }
        p[len] = '\0';
        *prefix = p;
        *prefix_len = len;
    }
    free(t);
    return ok;
}
