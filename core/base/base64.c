#include "base64.h"

#include "alloc.h"

#include <stdlib.h>

static const char STD[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char URL[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static char *encode(const void *in, size_t len, const char *alpha, bool pad)
{
    const uint8_t *p = in;
    char *out = xmalloc(len / 3 * 4 + 5);
    size_t o = 0, i = 0;
    for (; i + 2 < len; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        out[o++] = alpha[v >> 18 & 63];
        out[o++] = alpha[v >> 12 & 63];
        out[o++] = alpha[v >> 6 & 63];
        out[o++] = alpha[v & 63];
    }
    if (i < len) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < len ? (uint32_t)p[i + 1] << 8 : 0);
        out[o++] = alpha[v >> 18 & 63];
        out[o++] = alpha[v >> 12 & 63];
        if (i + 1 < len)
            out[o++] = alpha[v >> 6 & 63];
        else if (pad)
            out[o++] = '=';
        if (pad)
            out[o++] = '=';
    }
    out[o] = '\0';
    return out;
}

char *base64_encode(const void *in, size_t len)
{
    return encode(in, len, STD, true);
}

char *base64url_encode(const void *in, size_t len)
{
    return encode(in, len, URL, false);
}

static int value_of(char c, bool url)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == (url ? '-' : '+'))
        return 62;
    if (c == (url ? '_' : '/'))
        return 63;
    return -1;
}

static bool decode(const char *in, size_t len, uint8_t **out, size_t *outlen, bool url)
{
    *out = NULL;
    if (!url) {
        /* Standard base64 must be padded to a multiple of 4. */
        if (len % 4)
            return false;
        size_t pads = 0;
        while (pads < 2 && len > 0 && in[len - 1] == '=') {
            len--;
            pads++;
        }
    }
    if (len % 4 == 1)
        return false;
    uint8_t *buf = xmalloc(len / 4 * 3 + 3);
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        int v = value_of(in[i], url);
        if (v < 0) {
            free(buf);
            return false;
        }
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            buf[o++] = (uint8_t)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    if (acc != 0) { /* non-canonical trailing bits */
        free(buf);
        return false;
    }
    buf[o] = 0;
    *out = buf;
    *outlen = o;
    return true;
}

bool base64_decode(const char *in, size_t len, uint8_t **out, size_t *outlen)
{
    return decode(in, len, out, outlen, false);
}

bool base64url_decode(const char *in, size_t len, uint8_t **out, size_t *outlen)
{
    return decode(in, len, out, outlen, true);
}
