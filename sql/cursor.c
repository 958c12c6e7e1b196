#include "sql/cursor.h"

#include "core/base/alloc.h"
#include "core/base/base64.h"
#include "core/base/json_util.h"
#include "core/base/secure.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_LABEL "ddbsql run_sql cursor v1"

void cursor_key_init(cursor_key *key, const unsigned char *secret, size_t len)
{
    if (!secret) {
        random_bytes(key->k, sizeof key->k);
        return;
    }
    hmac_sha256(secret, len, KEY_LABEL, strlen(KEY_LABEL), key->k);
}

void cursor_key_wipe(cursor_key *key)
{
    secure_wipe(key->k, sizeof key->k);
}

void cursor_sql_hash(const char *sql, size_t len, uint8_t out[SHA256_LEN])
{
    sha256(sql, len, out);
}

char *cursor_encode(const cursor_key *key, const sql_cursor *c)
{
    json_object *p = json_object_new_object();
    jset_int(p, "v", CURSOR_VERSION);
    char *h = base64url_encode(c->sql_hash, SHA256_LEN);
    jset_str(p, "h", h);
    free(h);
    jset_int(p, "s", c->skip);
    if (c->start_key)
        jset(p, "k", json_object_get(c->start_key));
    jset_int(p, "m", c->max_rows);
    jset_str(p, "f", c->objects ? "objects" : "rows");
    jset_int(p, "t", c->issued_s);
    const char *json = json_compact(p);
    char *body = base64url_encode(json, strlen(json));
    json_object_put(p);
    uint8_t tag[SHA256_LEN];
    hmac_sha256(key->k, sizeof key->k, body, strlen(body), tag);
    char *t = base64url_encode(tag, sizeof tag);
    size_t n = strlen(body) + strlen(t) + 2;
    char *out = xmalloc(n);
    snprintf(out, n, "%s.%s", body, t);
    free(body);
    free(t);
    return out;
}

void cursor_free(sql_cursor *c)
{
    if (!c)
        return;
    json_object_put(c->start_key);
    memset(c, 0, sizeof *c);
}

static cursor_status malformed(char *msg, size_t msglen, const char *why)
{
    snprintf(msg, msglen, "the cursor is not valid (%s)", why);
    return CURSOR_MALFORMED;
}

/* An integer member in [lo, hi], exactly (not a double, not a string). */
static bool int_member(json_object *o, const char *key, int64_t lo, int64_t hi, int64_t *out)
{
    json_object *v = jget(o, key);
    if (!v || !json_object_is_type(v, json_type_int))
        return false;
    int64_t x = json_object_get_int64(v);
    if (x < lo || x > hi)
        return false;
    *out = x;
    return true;
}

/* The payload, once its tag has been verified: every member checked,
 * nothing unknown allowed (a cursor is only ever made by cursor_encode). */
static bool parse_payload(json_object *p, sql_cursor *out)
{
    if (!json_object_is_type(p, json_type_object))
        return false;
    int64_t v, m;
    const char *h = jget_str(p, "h"), *f = jget_str(p, "f");
    json_object *k = jget(p, "k");
    size_t known = 6 + (k != NULL);
    if (!int_member(p, "v", CURSOR_VERSION, CURSOR_VERSION, &v) ||
        !int_member(p, "s", 0, INT64_MAX / 2, &out->skip) || !int_member(p, "m", 1, 1000, &m) ||
        !int_member(p, "t", 0, INT64_MAX / 2, &out->issued_s) || !h || !f ||
        (strcmp(f, "rows") && strcmp(f, "objects")) ||
        (k && !json_object_is_type(k, json_type_object)) ||
        (size_t)json_object_object_length(p) != known)
        return false;
    uint8_t *hash = NULL;
    size_t hlen = 0;
    if (!base64url_decode(h, strlen(h), &hash, &hlen) || hlen != SHA256_LEN) {
        free(hash);
        return false;
    }
    memcpy(out->sql_hash, hash, SHA256_LEN);
    free(hash);
    out->max_rows = (int)m;
    out->objects = strcmp(f, "objects") == 0;
    out->start_key = k ? json_object_get(k) : NULL;
    return true;
}

cursor_status cursor_decode(const cursor_key *key, const char *text, const char *sql, size_t sqllen,
                            int64_t now_s, sql_cursor *out, char *msg, size_t msglen)
{
    memset(out, 0, sizeof *out);
    size_t n = strnlen(text, CURSOR_MAX_TEXT + 1);
    if (n > CURSOR_MAX_TEXT)
        return malformed(msg, msglen, "it is longer than any cursor this server issues");
    const char *dot = strchr(text, '.');
    if (!dot || strchr(dot + 1, '.'))
        return malformed(msg, msglen, "it is not a run_sql cursor, or it was cut short");
    size_t blen = (size_t)(dot - text);
    uint8_t *tag = NULL;
    size_t taglen = 0;
    if (!base64url_decode(dot + 1, strlen(dot + 1), &tag, &taglen) || taglen != SHA256_LEN) {
        free(tag);
        return malformed(msg, msglen, "it was cut short or altered");
    }
    uint8_t want[SHA256_LEN];
    hmac_sha256(key->k, sizeof key->k, text, blen, want);
    bool authentic = ct_memeq(tag, taglen, want, sizeof want);
    free(tag);
    if (!authentic)
        return malformed(msg, msglen,
                         "its signature does not match: it was altered, cut short, or issued by "
                         "another server or a worker with a different cursor secret");

    uint8_t *json = NULL;
    size_t jlen = 0;
    json_object *p = NULL;
    char err[160];
    if (base64url_decode(text, blen, &json, &jlen))
        p = json_parse_strict((const char *)json, jlen, 16, err, sizeof err);
    free(json);
    bool ok = p && parse_payload(p, out);
    json_object_put(p);
    if (!ok) {
        cursor_free(out);
        return malformed(msg, msglen, "its contents are not those of a run_sql cursor");
    }

    uint8_t h[SHA256_LEN];
    cursor_sql_hash(sql, sqllen, h);
    if (!ct_memeq(h, sizeof h, out->sql_hash, sizeof out->sql_hash)) {
        cursor_free(out);
        snprintf(msg, msglen,
                 "the cursor belongs to a different query: a cursor only continues the exact SQL "
                 "text it was returned with");
        return CURSOR_OTHER_SQL;
    }
    int64_t age = now_s - out->issued_s;
    if (age > CURSOR_TTL_S || age < -CURSOR_SKEW_S) {
        cursor_free(out);
        if (age > 0)
            snprintf(msg, msglen,
                     "the cursor expired: it was issued %lld minutes ago and cursors are valid "
                     "for %d minutes",
                     (long long)(age / 60), CURSOR_TTL_S / 60);
        else
            snprintf(msg, msglen, "the cursor's issue time is in the future (clock skew?)");
        return CURSOR_EXPIRED;
    }
    return CURSOR_OK;
}
