#include "client_metadata.h"

#include "redirect_uri.h"
#include "scope.h"

#include "../core/base/alloc.h"
#include "../core/base/json_util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHOWN_MAX 60 /* bytes of a value quoted in a message */

static client_metadata_status fail(client_metadata_status st, char *why, size_t whylen,
                                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static client_metadata_status fail(client_metadata_status st, char *why, size_t whylen,
                                   const char *fmt, ...)
{
    if (why && whylen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, whylen, fmt, ap);
        va_end(ap);
    }
    return st;
}

/* A value as quoted in a message: cut, and with anything unprintable
 * replaced, so a message never carries control bytes. */
static const char *shown(const char *v, char out[SHOWN_MAX + 8])
{
    size_t n = 0;
    out[n++] = '\'';
    for (size_t i = 0; v[i] && n < SHOWN_MAX + 1; i++) {
        unsigned char c = (unsigned char)v[i];
        out[n++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    if (strlen(v) > SHOWN_MAX) {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n++] = '\'';
    out[n] = '\0';
    return out;
}

/* ---- duplicate member names ---------------------------------------------- */

typedef struct frame {
    bool object;
    bool want_key;
    char **keys;
    size_t *lens;
    size_t nkeys;
} frame;

static void frame_free(frame *f)
{
    for (size_t i = 0; i < f->nkeys; i++)
        free(f->keys[i]);
    free(f->keys);
    free(f->lens);
}

/* The decoded text of the JSON string token s (quotes included). */
static char *decode_key(const char *s, size_t n, size_t *outlen)
{
    json_tokener *tok = json_tokener_new();
    json_object *o = json_tokener_parse_ex(tok, s, (int)n);
    char *k = NULL;
    if (o && json_object_is_type(o, json_type_string)) {
        *outlen = (size_t)json_object_get_string_len(o);
        k = xmalloc(*outlen + 1);
        memcpy(k, json_object_get_string(o), *outlen);
        k[*outlen] = '\0';
    }
    json_object_put(o);
    json_tokener_free(tok);
    return k;
}

bool json_has_duplicate_member(const char *text, size_t len, char *name, size_t namelen)
{
    frame *st = NULL;
    size_t depth = 0, cap = 0;
    bool dup = false;
    for (size_t i = 0; i < len && !dup; i++) {
        char c = text[i];
        if (c == '{' || c == '[') {
            if (depth == cap) {
                cap = cap ? cap * 2 : 8;
                st = xreallocarray(st, cap, sizeof *st);
            }
            st[depth++] = (frame){.object = c == '{', .want_key = c == '{'};
        } else if (c == '}' || c == ']') {
            if (depth)
                frame_free(&st[--depth]);
        } else if (c == ',') {
            if (depth && st[depth - 1].object)
                st[depth - 1].want_key = true;
        } else if (c == '"') {
            size_t start = i++;
            while (i < len && text[i] != '"')
                i += text[i] == '\\' ? 2 : 1;
            frame *f = depth ? &st[depth - 1] : NULL;
            if (!f || !f->object || !f->want_key || i >= len)
                continue;
            f->want_key = false;
            size_t klen = 0;
            char *k = decode_key(text + start, i - start + 1, &klen);
            if (!k)
                continue;
            for (size_t j = 0; j < f->nkeys && !dup; j++)
                dup = f->lens[j] == klen && memcmp(f->keys[j], k, klen) == 0;
            if (dup) {
                if (name && namelen)
                    snprintf(name, namelen, "%s", k);
                free(k);
                break;
            }
            f->keys = xreallocarray(f->keys, f->nkeys + 1, sizeof *f->keys);
            f->lens = xreallocarray(f->lens, f->nkeys + 1, sizeof *f->lens);
            f->keys[f->nkeys] = k;
            f->lens[f->nkeys++] = klen;
        }
    }
    while (depth)
        frame_free(&st[--depth]);
    free(st);
    return dup;
}

/* ---- members --------------------------------------------------------------- */

unsigned oauth_grant_bit(const char *name)
{
    if (!name)
        return 0;
    if (!strcmp(name, "authorization_code"))
        return OAUTH_GRANT_AUTHORIZATION_CODE;
    if (!strcmp(name, "refresh_token"))
        return OAUTH_GRANT_REFRESH_TOKEN;
    if (!strcmp(name, "client_credentials"))
        return OAUTH_GRANT_CLIENT_CREDENTIALS;
    return 0;
}

/* Control characters, C1 controls, and the invisible characters that can
 * make a name on the consent page read as something else (bidirectional
 * overrides and isolates, line and paragraph separators). s is valid UTF-8. */
static bool name_char_ok(const unsigned char *s, size_t n, size_t *i)
{
    unsigned char c = s[*i];
    if (c < 0x20 || c == 0x7f)
        return false;
    if (c == 0xc2 && *i + 1 < n && s[*i + 1] >= 0x80 && s[*i + 1] <= 0x9f)
        return false; /* U+0080..U+009F */
    if (c == 0xe2 && *i + 2 < n) {
        unsigned char b = s[*i + 1], d = s[*i + 2];
        if (b == 0x80 && (d == 0x8e || d == 0x8f || (d >= 0xa8 && d <= 0xae)))
            return false; /* U+200E, U+200F, U+2028..U+202E */
        if (b == 0x81 && d >= 0xa6 && d <= 0xa9)
            return false; /* U+2066..U+2069 */
    }
    if (c == 0xef && *i + 2 < n && s[*i + 1] == 0xbb && s[*i + 2] == 0xbf)
        return false; /* U+FEFF */
    (*i)++;
    return true;
}

static client_metadata_status check_name(json_object *v, client_metadata *out, char *why,
                                         size_t whylen)
{
    if (!json_object_is_type(v, json_type_string))
        return fail(CLIENT_METADATA_INVALID, why, whylen, "client_name must be a string");
    const unsigned char *s = (const unsigned char *)json_object_get_string(v);
    size_t n = (size_t)json_object_get_string_len(v);
    if (n == 0 || n > CLIENT_NAME_MAX)
        return fail(CLIENT_METADATA_INVALID, why, whylen,
                    "client_name must be 1 to %d bytes long (it has %zu)", CLIENT_NAME_MAX, n);
    bool blank = true;
    for (size_t i = 0; i < n;) {
        if (s[i] != ' ')
            blank = false;
        if (!name_char_ok(s, n, &i))
            return fail(CLIENT_METADATA_INVALID, why, whylen,
                        "client_name has a control, line-separator or bidirectional-override "
                        "character at byte %zu",
                        i + 1);
    }
    if (blank)
        return fail(CLIENT_METADATA_INVALID, why, whylen, "client_name is blank");
    out->client_name = xstrndup((const char *)s, n);
    return CLIENT_METADATA_OK;
}

static client_metadata_status check_redirects(json_object *v, client_metadata *out, char *why,
                                              size_t whylen)
{
    if (!v)
        return fail(CLIENT_METADATA_BAD_REDIRECT, why, whylen,
                    "redirect_uris is missing: list the URIs the authorization response may be "
                    "sent to");
    if (!json_object_is_type(v, json_type_array))
        return fail(CLIENT_METADATA_INVALID, why, whylen,
                    "redirect_uris must be an array of strings");
    size_t n = json_object_array_length(v);
    if (n == 0)
        return fail(CLIENT_METADATA_BAD_REDIRECT, why, whylen, "redirect_uris is empty");
    if (n > CLIENT_METADATA_MAX_REDIRECTS)
        return fail(CLIENT_METADATA_INVALID, why, whylen,
                    "redirect_uris has %zu entries (at most %d)", n, CLIENT_METADATA_MAX_REDIRECTS);
    out->redirect_uris = xcalloc(n, sizeof *out->redirect_uris);
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(v, i);
        if (!json_object_is_type(e, json_type_string))
            return fail(CLIENT_METADATA_INVALID, why, whylen, "redirect_uris[%zu] must be a string",
                        i);
        const char *uri = json_object_get_string(e);
        char reason[256], sh[SHOWN_MAX + 8];
        if ((size_t)json_object_get_string_len(e) != strlen(uri))
            return fail(CLIENT_METADATA_BAD_REDIRECT, why, whylen,
                        "redirect_uris[%zu] contains a NUL character", i);
        if (!redirect_uri_check(uri, reason, sizeof reason))
            return fail(CLIENT_METADATA_BAD_REDIRECT, why, whylen, "redirect_uris[%zu]: %s %s", i,
                        shown(uri, sh), reason);
        bool seen = false;
        for (size_t j = 0; j < out->nredirect_uris && !seen; j++)
            seen = strcmp(out->redirect_uris[j], uri) == 0;
        if (!seen)
            out->redirect_uris[out->nredirect_uris++] = xstrdup(uri);
    }
    return CLIENT_METADATA_OK;
}

static client_metadata_status check_grants(json_object *v, client_metadata *out, char *why,
                                           size_t whylen)
{
    if (!v) {
        out->grant_types = OAUTH_GRANT_AUTHORIZATION_CODE | OAUTH_GRANT_REFRESH_TOKEN;
        return CLIENT_METADATA_OK;
    }
    if (!json_object_is_type(v, json_type_array) || json_object_array_length(v) == 0 ||
        json_object_array_length(v) > 8)
        return fail(CLIENT_METADATA_INVALID, why, whylen,
                    "grant_types must be a non-empty array of strings (at most 8)");
    for (size_t i = 0; i < json_object_array_length(v); i++) {
        json_object *e = json_object_array_get_idx(v, i);
        if (!json_object_is_type(e, json_type_string))
            return fail(CLIENT_METADATA_INVALID, why, whylen, "grant_types[%zu] must be a string",
                        i);
        const char *g = json_object_get_string(e);
        unsigned bit = oauth_grant_bit(g);
        char sh[SHOWN_MAX + 8];
        if (bit == OAUTH_GRANT_CLIENT_CREDENTIALS)
            return fail(CLIENT_METADATA_INVALID, why, whylen,
                        "grant_types: client_credentials needs a confidential client with a "
                        "secret, which cannot be registered here; ask the server's administrator "
                        "for an API client");
        if (!bit)
            return fail(CLIENT_METADATA_INVALID, why, whylen,
                        "grant_types: %s is not supported (supported: authorization_code, "
                        "refresh_token)",
                        shown(g, sh));
        out->grant_types |= bit;
    }
    if (!(out->grant_types & OAUTH_GRANT_AUTHORIZATION_CODE))
        return fail(CLIENT_METADATA_INVALID, why, whylen,
                    "grant_types must include authorization_code (the only way such a client "
                    "gets tokens)");
    return CLIENT_METADATA_OK;
}

static client_metadata_status check_response_types(json_object *v, char *why, size_t whylen)
{
    if (!v)
        return CLIENT_METADATA_OK;
    if (!json_object_is_type(v, json_type_array) || json_object_array_length(v) == 0 ||
        json_object_array_length(v) > 8)
        return fail(CLIENT_METADATA_INVALID, why, whylen,
                    "response_types must be a non-empty array of strings (at most 8)");
    for (size_t i = 0; i < json_object_array_length(v); i++) {
        json_object *e = json_object_array_get_idx(v, i);
        char sh[SHOWN_MAX + 8];
        if (!json_object_is_type(e, json_type_string))
            return fail(CLIENT_METADATA_INVALID, why, whylen,
                        "response_types[%zu] must be a string", i);
        if (strcmp(json_object_get_string(e), "code") != 0)
            return fail(CLIENT_METADATA_INVALID, why, whylen,
                        "response_types: %s is not supported (only code)",
                        shown(json_object_get_string(e), sh));
    }
    return CLIENT_METADATA_OK;
}

static client_metadata_status check_scope(json_object *v, client_metadata *out, char *why,
                                          size_t whylen)
{
    char names[SCOPE_BITS_STR_MAX];
    if (!v) {
        out->scope = xstrdup(SCOPES_SUPPORTED);
        return CLIENT_METADATA_OK;
    }
    if (!json_object_is_type(v, json_type_string))
        return fail(CLIENT_METADATA_INVALID, why, whylen, "scope must be a string");
    scope_list l;
    char err[256];
    if ((size_t)json_object_get_string_len(v) != strlen(json_object_get_string(v)))
        return fail(CLIENT_METADATA_INVALID, why, whylen, "scope contains a NUL character");
    if (!scope_parse(json_object_get_string(v), &l, err, sizeof err))
        return fail(CLIENT_METADATA_INVALID, why, whylen, "scope: %s", err);
    unsigned bits = scope_bits(&l);
    scope_list_free(&l);
    if (!bits)
        return fail(CLIENT_METADATA_INVALID, why, whylen,
                    "scope names none of the scopes this server has (%s)", SCOPES_SUPPORTED);
    scope_bits_format(bits, names);
    out->scope = xstrdup(names);
    return CLIENT_METADATA_OK;
}

static client_metadata_status check_auth_method(json_object *v, char *why, size_t whylen)
{
    if (!v)
        return CLIENT_METADATA_OK;
    char sh[SHOWN_MAX + 8];
    if (!json_object_is_type(v, json_type_string))
        return fail(CLIENT_METADATA_INVALID, why, whylen,
                    "token_endpoint_auth_method must be a string");
    if (strcmp(json_object_get_string(v), "none") != 0)
        return fail(CLIENT_METADATA_INVALID, why, whylen,
                    "token_endpoint_auth_method %s is not supported: only public clients "
                    "(\"none\", with PKCE) can be registered this way",
                    shown(json_object_get_string(v), sh));
    return CLIENT_METADATA_OK;
}

/* Members only type- and size-checked. */
static const char *const STRING_MEMBERS[] = {
    "client_uri",       "logo_uri",           "tos_uri",
    "policy_uri",       "jwks_uri",           "software_id",
    "software_version", "software_statement", "application_type",
};

static client_metadata_status check_others(json_object *doc, char *why, size_t whylen)
{
    for (size_t i = 0; i < sizeof STRING_MEMBERS / sizeof STRING_MEMBERS[0]; i++) {
        json_object *v = jget(doc, STRING_MEMBERS[i]);
        if (!v)
            continue;
        if (!json_object_is_type(v, json_type_string))
            return fail(CLIENT_METADATA_INVALID, why, whylen, "%s must be a string",
                        STRING_MEMBERS[i]);
        if (json_object_get_string_len(v) > CLIENT_METADATA_MAX_STRING)
            return fail(CLIENT_METADATA_INVALID, why, whylen, "%s is longer than %d bytes",
                        STRING_MEMBERS[i], CLIENT_METADATA_MAX_STRING);
    }
    json_object *at = jget(doc, "application_type");
    if (at && strcmp(json_object_get_string(at), "native") != 0 &&
        strcmp(json_object_get_string(at), "web") != 0)
        return fail(CLIENT_METADATA_INVALID, why, whylen,
                    "application_type must be \"native\" or \"web\"");
    json_object *c = jget(doc, "contacts");
    if (c) {
        if (!json_object_is_type(c, json_type_array) ||
            json_object_array_length(c) > CLIENT_METADATA_MAX_CONTACTS)
            return fail(CLIENT_METADATA_INVALID, why, whylen,
                        "contacts must be an array of at most %d strings",
                        CLIENT_METADATA_MAX_CONTACTS);
        for (size_t i = 0; i < json_object_array_length(c); i++) {
            json_object *e = json_object_array_get_idx(c, i);
            if (!json_object_is_type(e, json_type_string) ||
                json_object_get_string_len(e) > CLIENT_METADATA_MAX_STRING)
                return fail(CLIENT_METADATA_INVALID, why, whylen,
                            "contacts[%zu] must be a string of at most %d bytes", i,
                            CLIENT_METADATA_MAX_STRING);
        }
    }
    json_object *j = jget(doc, "jwks");
    if (j && !json_object_is_type(j, json_type_object))
        return fail(CLIENT_METADATA_INVALID, why, whylen, "jwks must be an object");
    return CLIENT_METADATA_OK;
}

static client_metadata_status check_client_id(json_object *doc, client_metadata_source src,
                                              const char *expected, client_metadata *out, char *why,
                                              size_t whylen)
{
    if (src == CLIENT_METADATA_DCR)
        return CLIENT_METADATA_OK; /* the server assigns it */
    json_object *v = jget(doc, "client_id");
    if (!v)
        return fail(CLIENT_METADATA_INVALID, why, whylen, "client_id is missing%s",
                    src == CLIENT_METADATA_CIMD ? " (it must be the document's own URL)" : "");
    if (!json_object_is_type(v, json_type_string))
        return fail(CLIENT_METADATA_INVALID, why, whylen, "client_id must be a string");
    const char *id = json_object_get_string(v);
    size_t n = (size_t)json_object_get_string_len(v);
    if (n == 0 || n > CLIENT_ID_MAX || n != strlen(id))
        return fail(CLIENT_METADATA_INVALID, why, whylen,
                    "client_id is empty, too long or has NUL");
    if (src == CLIENT_METADATA_CIMD) {
        char a[SHOWN_MAX + 8], b[SHOWN_MAX + 8];
        /* Simple string comparison (RFC 3986 §6.2.1), as the draft says. */
        if (!expected || strcmp(id, expected) != 0)
            return fail(CLIENT_METADATA_INVALID, why, whylen,
                        "client_id %s is not exactly the URL the document was fetched from (%s)",
                        shown(id, a), shown(expected ? expected : "", b));
        if (jget(doc, "client_secret") || jget(doc, "client_secret_expires_at"))
            return fail(CLIENT_METADATA_INVALID, why, whylen,
                        "a client ID metadata document may not carry client_secret or "
                        "client_secret_expires_at (shared secrets cannot be published)");
    }
    out->client_id = xstrdup(id);
    return CLIENT_METADATA_OK;
}

client_metadata_status client_metadata_parse(const char *json, size_t len,
                                             client_metadata_source src,
                                             const char *expected_client_id, client_metadata *out,
                                             char *why, size_t whylen)
{
    memset(out, 0, sizeof *out);
    if (why && whylen)
        why[0] = '\0';
    if (!json)
        return fail(CLIENT_METADATA_INVALID, why, whylen, "there is no client metadata");
    if (len > CLIENT_METADATA_MAX_BYTES)
        return fail(CLIENT_METADATA_INVALID, why, whylen,
                    "the client metadata is larger than %d bytes", CLIENT_METADATA_MAX_BYTES);
    char jerr[200];
    json_object *doc = json_parse_strict(json, len, CLIENT_METADATA_MAX_DEPTH, jerr, sizeof jerr);
    if (!doc)
        return fail(CLIENT_METADATA_INVALID, why, whylen,
                    "the client metadata is not valid JSON: %s", jerr);
    client_metadata_status st = CLIENT_METADATA_OK;
    char dup[64];
    if (!json_object_is_type(doc, json_type_object))
        st =
            fail(CLIENT_METADATA_INVALID, why, whylen, "the client metadata must be a JSON object");
    else if (json_has_duplicate_member(json, len, dup, sizeof dup))
        st = fail(CLIENT_METADATA_INVALID, why, whylen, "the member \"%s\" appears twice", dup);
    if (st == CLIENT_METADATA_OK)
        st = check_client_id(doc, src, expected_client_id, out, why, whylen);
    if (st == CLIENT_METADATA_OK)
        st = check_auth_method(jget(doc, "token_endpoint_auth_method"), why, whylen);
    if (st == CLIENT_METADATA_OK)
        st = check_redirects(jget(doc, "redirect_uris"), out, why, whylen);
    if (st == CLIENT_METADATA_OK)
        st = check_grants(jget(doc, "grant_types"), out, why, whylen);
    if (st == CLIENT_METADATA_OK)
        st = check_response_types(jget(doc, "response_types"), why, whylen);
    if (st == CLIENT_METADATA_OK && jget(doc, "client_name"))
        st = check_name(jget(doc, "client_name"), out, why, whylen);
    if (st == CLIENT_METADATA_OK)
        st = check_scope(jget(doc, "scope"), out, why, whylen);
    if (st == CLIENT_METADATA_OK)
        st = check_others(doc, why, whylen);
    if (st == CLIENT_METADATA_OK && src == CLIENT_METADATA_STORED) {
        json_object *at = jget(doc, "client_id_issued_at");
        if (!at || !json_object_is_type(at, json_type_int) || json_object_get_int64(at) < 0)
            st = fail(CLIENT_METADATA_INVALID, why, whylen,
                      "client_id_issued_at must be a non-negative integer");
        else
            out->client_id_issued_at = json_object_get_int64(at);
    }
    json_object_put(doc);
    if (st != CLIENT_METADATA_OK)
        client_metadata_free(out);
    return st;
}

void client_metadata_free(client_metadata *m)
{
    if (!m)
        return;
    free(m->client_id);
    free(m->client_name);
    for (size_t i = 0; i < m->nredirect_uris; i++)
        free(m->redirect_uris[i]);
    free(m->redirect_uris);
    free(m->scope);
    memset(m, 0, sizeof *m);
}

json_object *client_metadata_to_json(const client_metadata *m)
{
    json_object *o = json_object_new_object();
    if (m->client_id)
        jset_str(o, "client_id", m->client_id);
    if (m->client_id_issued_at)
        jset_int(o, "client_id_issued_at", m->client_id_issued_at);
    if (m->client_name)
        jset_str(o, "client_name", m->client_name);
    json_object *r = json_object_new_array();
    for (size_t i = 0; i < m->nredirect_uris; i++)
        json_object_array_add(r, json_object_new_string(m->redirect_uris[i]));
    jset(o, "redirect_uris", r);
    json_object *g = json_object_new_array();
    if (m->grant_types & OAUTH_GRANT_AUTHORIZATION_CODE)
        json_object_array_add(g, json_object_new_string("authorization_code"));
    if (m->grant_types & OAUTH_GRANT_REFRESH_TOKEN)
        json_object_array_add(g, json_object_new_string("refresh_token"));
    jset(o, "grant_types", g);
    json_object *rt = json_object_new_array();
    json_object_array_add(rt, json_object_new_string("code"));
    jset(o, "response_types", rt);
    jset_str(o, "token_endpoint_auth_method", "none");
    jset_str(o, "scope", m->scope ? m->scope : SCOPES_SUPPORTED);
    return o;
}
