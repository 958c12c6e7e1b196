/* libFuzzer target: OAuth form decoding (oauth/form.h) and the urlencoded
 * parser under it (core/base/urlcode.h). Any input must be accepted or
 * refused with a message, never crash or leak. The first byte picks the
 * limits. An accepted form must hold unique, non-empty names and non-empty
 * UTF-8 values within the caps; a refusal must leave the list empty and a
 * message fit for an OAuth error_description. The bytes also go through
 * the percent-decoder and -encoder alone (url_decode of request paths and
 * query strings), which must round-trip. */
#include "core/base/json_util.h"
#include "core/base/urlcode.h"
#include "oauth/form.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool cond, const char *what)
{
    if (!cond) {
        fprintf(stderr, "invariant broken: %s\n", what);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    oauth_form_limits lim = {1 + data[0] % 40, 1 + (size_t)(data[0] >> 3) * 97};
    const char *in = (const char *)data + 1;
    size_t len = size - 1;
    char err[256] = "";
    kvlist_t f;
    if (oauth_form_parse(in, len, data[0] & 1 ? &lim : NULL, &f, err, sizeof err)) {
        size_t maxp = data[0] & 1 ? lim.max_params : OAUTH_FORM_MAX_PARAMS;
        size_t maxv = data[0] & 1 ? lim.max_value : OAUTH_FORM_MAX_VALUE;
        check(f.n <= maxp, "too many parameters kept");
        for (size_t i = 0; i < f.n; i++) {
            size_t kl = strlen(f.items[i].key), vl = strlen(f.items[i].val);
            check(kl > 0 && vl > 0, "an empty name or value kept");
            check(kl <= maxv && vl <= maxv, "a name or value over the cap");
            check(utf8_valid(f.items[i].val, vl), "a value that is not UTF-8");
            check(oauth_form_get(&f, f.items[i].key) == f.items[i].val, "a duplicate name");
        }
        oauth_form_free(&f);
    } else {
        check(f.n == 0 && f.items == NULL, "a refusal left parameters");
        check(err[0] != '\0', "a refusal without a message");
        for (const char *p = err; *p; p++)
            check((unsigned char)*p >= 0x20 && (unsigned char)*p <= 0x7e && *p != '"' && *p != '\\',
                  "a message unfit for error_description");
    }
    /* The plain parser under it, with the same caps. */
    kvlist_t raw;
    if (form_parse(in, len, lim.max_params, lim.max_value, &raw, err, sizeof err))
        kvlist_free(&raw);

    /* The percent-decoder on its own (request paths, query strings): a
     * decoded text has no NUL and is never longer; and encoding any text
     * without NUL decodes back to it. */
    buf_t dec = BUF_INIT(len + 1);
    if (url_decode(in, len, data[0] & 2, &dec))
        check(dec.len <= len && memchr(buf_cstr(&dec), '\0', dec.len) == NULL,
              "a decoded text with a NUL or longer than its input");
    buf_free(&dec);
    if (!memchr(in, '\0', len)) {
        buf_t enc = BUF_INIT(3 * len + 1), back = BUF_INIT(len + 1);
        check(url_encode(in, len, &enc), "encoding failed");
        for (size_t i = 0; i < enc.len; i++)
            check(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~%",
                         enc.data[i]) != NULL,
                  "an encoded text with a reserved character");
        check(url_decode(buf_cstr(&enc), enc.len, false, &back) && back.len == len &&
                  memcmp(buf_cstr(&back), in, len) == 0,
              "encoding does not decode back");
        buf_free(&enc);
        buf_free(&back);
    }
    return 0;
}
