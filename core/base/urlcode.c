#include "urlcode.h"

#include "alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool url_decode(const char *in, size_t len, bool plus_is_space, buf_t *out)
{
    for (size_t i = 0; i < len; i++) {
        char c = in[i];
        if (c == '%') {
            if (len - i < 3)
                return false;
            int hi = hexval(in[i + 1]), lo = hexval(in[i + 2]);
            if (hi < 0 || lo < 0)
                return false;
            c = (char)(hi << 4 | lo);
            i += 2;
        } else if (c == '+' && plus_is_space) {
            c = ' ';
        }
        if (c == '\0' || !buf_putc(out, c))
            return false;
    }
    return true;
}

bool url_encode(const char *in, size_t len, buf_t *out)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                          (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
        if (unreserved) {
            if (!buf_putc(out, (char)c))
                return false;
        } else {
            char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
            if (!buf_append(out, esc, 3))
                return false;
        }
    }
    return true;
}

bool form_parse(const char *in, size_t len, size_t max_pairs, size_t max_len, kvlist_t *out,
                char *err, size_t errlen)
{
    out->items = NULL;
    out->n = 0;
    size_t cap = 0, pos = 0;
    while (pos <= len) {
        const char *seg = in + pos;
        const char *amp = memchr(seg, '&', len - pos);
        size_t seglen = amp ? (size_t)(amp - seg) : len - pos;
        size_t next = pos + seglen + 1;
        if (seglen == 0) {
            pos = next;
            continue;
        }
        if (out->n >= max_pairs) {
            snprintf(err, errlen, "too many parameters (the limit is %zu)", max_pairs);
            goto fail;
        }
        const char *eq = memchr(seg, '=', seglen);
        size_t klen = eq ? (size_t)(eq - seg) : seglen;
        size_t vlen = eq ? seglen - klen - 1 : 0;
        buf_t k = BUF_INIT(max_len), v = BUF_INIT(max_len);
        if (!url_decode(seg, klen, true, &k)) {
            snprintf(err, errlen, "parameter %zu: malformed or too long name", out->n + 1);
            buf_free(&k);
            goto fail;
        }
        if (eq && !url_decode(eq + 1, vlen, true, &v)) {
            snprintf(err, errlen,
                     "parameter '%.64s': malformed escape or value longer than %zu bytes",
                     buf_cstr(&k), max_len);
            buf_free(&k);
            buf_free(&v);
            goto fail;
        }
        if (out->n == cap) {
            cap = cap ? cap * 2 : 8;
            out->items = xreallocarray(out->items, cap, sizeof *out->items);
        }
        out->items[out->n].key = buf_steal(&k);
        out->items[out->n].val = buf_steal(&v);
        out->n++;
        pos = next;
    }
    return true;
fail:
    kvlist_free(out);
    return false;
}

const char *kvlist_get(const kvlist_t *l, const char *key)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->items[i].key, key) == 0)
            return l->items[i].val;
    return NULL;
}

size_t kvlist_count(const kvlist_t *l, const char *key)
{
    size_t c = 0;
    for (size_t i = 0; i < l->n; i++)
        c += strcmp(l->items[i].key, key) == 0;
    return c;
}

void kvlist_free(kvlist_t *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].key);
        free(l->items[i].val);
    }
    free(l->items);
    l->items = NULL;
    l->n = 0;
}
