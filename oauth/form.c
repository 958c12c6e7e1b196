#include "form.h"

#include "../core/base/alloc.h"
#include "../core/base/buf.h"
#include "../core/base/json_util.h"
#include "../core/base/secure.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A name safe to quote in a message: short, letters, digits and "_-.". */
static bool plain_name(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++) {
        char c = s[n];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-' || c == '.';
        if (!ok || n >= 64)
            return false;
    }
    return n > 0;
}

/* RFC 6749 error_description: %x20-21 / %x23-5B / %x5D-7E. */
static void sanitize(char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c > 0x7e || c == '"' || c == '\\')
            *s = '?';
    }
}

static bool value_ok(const char *v)
{
    size_t n = strlen(v);
    if (!utf8_valid(v, n))
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return false;
    }
    return true;
}

static void wipe_item(kv_t *kv)
{
    secure_free_str(kv->key);
    secure_free_str(kv->val);
    kv->key = kv->val = NULL;
}

void oauth_form_free(kvlist_t *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n; i++)
        wipe_item(&f->items[i]);
    free(f->items);
    f->items = NULL;
    f->n = 0;
}

static bool fail(kvlist_t *out, char *err, size_t errlen, const char *what, const char *name)
{
    if (plain_name(name))
        snprintf(err, errlen, "parameter '%s' %s", name, what);
    else
        snprintf(err, errlen, "a parameter %s", what);
    sanitize(err);
    oauth_form_free(out);
    return false;
}

/* Decodes one name or value into a fresh string (wiped on failure). */
static char *decode(const char *s, size_t n, size_t max)
{
    buf_t b = BUF_INIT(max);
    if (!url_decode(s, n, true, &b)) {
        buf_free_secure(&b);
        return NULL;
    }
    return buf_steal(&b);
}

bool oauth_form_parse(const char *in, size_t len, const oauth_form_limits *limits, kvlist_t *out,
                      char *err, size_t errlen)
{
    oauth_form_limits lim = {OAUTH_FORM_MAX_PARAMS, OAUTH_FORM_MAX_VALUE};
    if (limits)
        lim = *limits;
    out->items = NULL;
    out->n = 0;
    size_t pos = 0, seen = 0;
    while (in && pos < len) {
        const char *seg = in + pos;
        const char *amp = memchr(seg, '&', len - pos);
        size_t seglen = amp ? (size_t)(amp - seg) : len - pos;
        pos += seglen + 1;
        if (seglen == 0)
            continue;
        if (++seen > lim.max_params) {
            snprintf(err, errlen, "too many parameters (at most %zu)", lim.max_params);
            oauth_form_free(out);
            return false;
        }
        const char *eq = memchr(seg, '=', seglen);
        size_t klen = eq ? (size_t)(eq - seg) : seglen;
        char *key = decode(seg, klen, lim.max_value);
        if (!key) {
            snprintf(err, errlen,
                     "parameter %zu has a malformed %%-escape or a name longer than %zu bytes",
                     seen, lim.max_value);
            oauth_form_free(out);
            return false;
        }
        char *val = eq ? decode(eq + 1, seglen - klen - 1, lim.max_value) : xstrdup("");
        if (!val) {
            bool ok = fail(out, err, errlen, "has a malformed %-escape or is too long", key);
            secure_free_str(key);
            return ok;
        }
        /* Empty names and values count as omitted (RFC 6749 §3.1). */
        if (!key[0] || !val[0]) {
            secure_free_str(key);
            secure_free_str(val);
            continue;
        }
        out->items = xreallocarray(out->items, out->n + 1, sizeof *out->items);
        out->items[out->n].key = key;
        out->items[out->n].val = val;
        out->n++;
    }
    for (size_t i = 0; i < out->n; i++) {
        const kv_t *kv = &out->items[i];
        for (size_t j = 0; j < i; j++)
            if (strcmp(out->items[j].key, kv->key) == 0)
                return fail(out, err, errlen, "is given more than once", kv->key);
        if (!value_ok(kv->val))
            return fail(out, err, errlen, "is not valid UTF-8 text (control characters?)", kv->key);
    }
    return true;
}

const char *oauth_form_get(const kvlist_t *f, const char *name)
{
    return f && name ? kvlist_get(f, name) : NULL;
}
