/* Semantic validation of the configuration file (syntax is ini.c's job).
 * Each section kind has a table of key descriptors: a name, a parser and
 * the field it fills. Adding a section means adding a table and an entry in
 * `sections` below; cross-key rules live in the section's close hook. */
#include "config.h"

#include "../base/alloc.h"
#include "../base/base64.h"
#include "../base/secure.h"
#include "../base/suggest.h"
#include "ini.h"

#include "../../oauth/password.h"
#include "../../oauth/redirect_uri.h"
#include "../../oauth/scope.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_SHOWN_VALUE 100 /* longer values are cut in messages */

typedef struct ctx {
    const char *path;
    char *err;
    size_t errlen;
    config *cfg;
    const ini_section *sec; /* the section being validated */
    int auth_line;          /* 0: auth not given */
} ctx;

struct key_desc;
typedef bool (*key_parser)(ctx *c, const ini_kv *kv, const struct key_desc *d, void *base);
/* String checkers: on failure write the phrase that follows the value,
 * e.g. "is not an AWS region (expected something like us-east-1)". */
typedef bool (*str_check)(const char *v, char *why, size_t whylen);

typedef struct key_desc {
    const char *name;
    key_parser parse;
    size_t offset; /* of the field inside the section's struct */
    long long min, max;
    str_check check;
    bool secret; /* never shown in messages; wiped on free */
} key_desc;

typedef enum { SEC_GLOBAL, SEC_SINGLE, SEC_NAMED } section_form;

typedef struct section_desc {
    const char *kind;
    section_form form;
    const key_desc *keys;
    /* Returns the struct the key offsets refer to (NULL: error reported). */
    void *(*open)(ctx *c);
    /* Cross-key rules once every key of the section is parsed. */
    bool (*close)(ctx *c, void *base);
} section_desc;

/* ---- messages ------------------------------------------------------------- */

/* "<path>:<line>: [section] key: what"; line 0 and key NULL omit parts. */
static bool cfail(ctx *c, int line, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static bool cfail(ctx *c, int line, const char *key, const char *fmt, ...)
{
    char what[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    char lineno[24] = "";
    if (line > 0)
        snprintf(lineno, sizeof lineno, ":%d", line);
    char label[INI_MAX_LINE + 8] = "";
    if (c->sec)
        ini_section_label(c->sec, label, sizeof label);
    snprintf(c->err, c->errlen, "%s%s: %s%s%s%s%s", c->path, lineno, label, *label ? " " : "",
             key ? key : "", key ? ": " : "", what);
    return false;
}

/* The value as shown in a message: quoted and cut, or "(hidden)". */
static const char *shown(const ini_kv *kv, const key_desc *d, char *out, size_t outlen)
{
    if (d && d->secret)
        return "(hidden)";
    size_t n = strlen(kv->value);
    if (n > MAX_SHOWN_VALUE)
        snprintf(out, outlen, "'%.*s...'", MAX_SHOWN_VALUE, kv->value);
    else
        snprintf(out, outlen, "'%s'", kv->value);
    return out;
}

#define SHOWN(kv, d) shown((kv), (d), showbuf, sizeof showbuf)

/* ---- small helpers -------------------------------------------------------- */

static char **field_str(void *base, const key_desc *d)
{
    return (char **)((char *)base + d->offset);
}

static void set_str(char **field, char *v, bool secret)
{
    if (secret)
        secure_free_str(*field);
    else
        free(*field);
    *field = v;
}

static bool all_chars(const char *v, const char *extra)
{
    for (const char *p = v; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr(extra, *p))
            return false;
    return true;
}

/* Printable ASCII without spaces (keys, tokens, names). */
static bool printable_nospace(const char *v)
{
    for (const char *p = v; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
            return false;
    return true;
}

static const ini_kv *find_kv(const ini_section *s, const char *key)
{
    for (size_t i = 0; i < s->nkvs; i++)
        if (!strcmp(s->kvs[i].key, key))
            return &s->kvs[i];
    return NULL;
}

/* Splits a list on spaces and commas; returns the number of items. */
static size_t split_list(const char *v, char ***items)
{
    size_t n = 0;
    *items = NULL;
    const char *p = v;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (!*p)
            break;
        const char *s = p;
        while (*p && *p != ' ' && *p != '\t' && *p != ',')
            p++;
        *items = xreallocarray(*items, n + 1, sizeof **items);
        (*items)[n++] = xstrndup(s, (size_t)(p - s));
    }
    return n;
}

static void free_list(char **items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(items[i]);
    free(items);
}

/* ---- URLs ----------------------------------------------------------------- */

typedef struct url_info {
    bool https;
    char host[256]; /* lowercased; IPv6 without brackets */
    bool ipv6;
    int port; /* 0: scheme default */
} url_info;

static bool host_char(char c)
{
    return isalnum((unsigned char)c) || c == '-' || c == '.' || c == '_';
}

/* Parses an http(s) URL. With origin_only no path is allowed. On success
 * *norm is "scheme://host[:port][/path]" (scheme and host lowercased,
 * trailing slashes removed). Never echoes a userinfo part, which may hold a
 * password. */
static bool parse_url(const char *v, bool origin_only, char **norm, url_info *u, char *why,
                      size_t whylen)
{
    memset(u, 0, sizeof *u);
    const char *p;
    if (!strncasecmp(v, "http://", 7)) {
        p = v + 7;
    } else if (!strncasecmp(v, "https://", 8)) {
        p = v + 8;
        u->https = true;
    } else {
        snprintf(why, whylen, "is not an http:// or https:// URL");
        return false;
    }
    size_t alen = strcspn(p, "/?#");
    if (memchr(p, '@', alen)) {
        snprintf(why, whylen, "must not contain a user name or password (user@host)");
        return false;
    }
    const char *host = p, *hend;
    if (*p == '[') {
        const char *close = memchr(p, ']', alen);
        if (!close || (size_t)(close - p) > 64) {
            snprintf(why, whylen, "has a malformed IPv6 address (expected [::1])");
            return false;
        }
        char addr[65];
        memcpy(addr, p + 1, (size_t)(close - p - 1));
        addr[close - p - 1] = '\0';
        unsigned char bin[16];
        if (inet_pton(AF_INET6, addr, bin) != 1) {
            snprintf(why, whylen, "has a malformed IPv6 address (expected [::1])");
            return false;
        }
        u->ipv6 = true;
        host = p + 1;
        hend = close;
        p = close + 1;
    } else {
        while (p < host + alen && *p != ':')
            p++;
        hend = p;
        for (const char *q = host; q < hend; q++) {
            if (!host_char(*q)) {
                snprintf(why, whylen, "has an invalid character '%c' in the host", *q);
                return false;
            }
        }
    }
    if (hend == host) {
        snprintf(why, whylen, "has no host");
        return false;
    }
    if ((size_t)(hend - host) >= sizeof u->host) {
        snprintf(why, whylen, "has a host longer than 255 characters");
        return false;
    }
    for (size_t i = 0; host + i < hend; i++)
        u->host[i] = (char)tolower((unsigned char)host[i]);
    if (*p == ':') {
        p++;
        long port = 0;
        const char *ds = p;
        while (isdigit((unsigned char)*p) && p - ds < 6)
            port = port * 10 + (*p++ - '0');
        if (p == ds || (*p && !strchr("/?#", *p)) || port < 1 || port > 65535) {
            snprintf(why, whylen, "has an invalid port (expected 1 to 65535)");
            return false;
        }
        u->port = (int)port;
    } else if (*p && !strchr("/?#", *p)) {
        snprintf(why, whylen, "is malformed after the host");
        return false;
    }
    const char *path = p;
    size_t plen = strcspn(path, "?#");
    if (path[plen] == '?') {
        snprintf(why, whylen, "must not have a query ('?...')");
        return false;
    }
    if (path[plen] == '#') {
        snprintf(why, whylen, "must not have a fragment ('#...')");
        return false;
    }
    for (size_t i = 0; i < plen; i++) {
        unsigned char ch = (unsigned char)path[i];
        if (ch <= 0x20 || ch >= 0x7f || strchr("\"<>\\^`{|}", ch)) {
            snprintf(why, whylen, "has a character that must be percent-encoded in the path");
            return false;
        }
    }
    while (plen > 0 && path[plen - 1] == '/')
        plen--;
    if (origin_only && plen > 0) {
        snprintf(why, whylen, "is not an origin: it has a path (expected scheme://host[:port])");
        return false;
    }
    /* Browsers omit the default port in Origin, so origins do too. */
    int port = u->port;
    if (origin_only && port == (u->https ? 443 : 80))
        port = 0;
    char portbuf[8] = "";
    if (port)
        snprintf(portbuf, sizeof portbuf, ":%d", port);
    size_t n = strlen(u->host) + plen + 32;
    *norm = xmalloc(n);
    snprintf(*norm, n, "%s://%s%s%s%s%.*s", u->https ? "https" : "http", u->ipv6 ? "[" : "",
             u->host, u->ipv6 ? "]" : "", portbuf, (int)plen, path);
    return true;
}

static bool url_is_loopback(const url_info *u)
{
    if (!strcmp(u->host, "localhost"))
        return true;
    unsigned char a[16];
    if (!u->ipv6)
        return inet_pton(AF_INET, u->host, a) == 1 && a[0] == 127;
    if (inet_pton(AF_INET6, u->host, a) != 1)
        return false;
    static const unsigned char one[16] = {[15] = 1};
    static const unsigned char mapped[12] = {[10] = 0xff, [11] = 0xff};
    return !memcmp(a, one, 16) || (!memcmp(a, mapped, 12) && a[12] == 127);
}

/* ---- string checkers ------------------------------------------------------ */

static bool check_region(const char *v, char *why, size_t whylen)
{
    /* Two letters, one or more letter groups, a number: us-east-1,
     * us-gov-west-1, ap-southeast-2. */
    size_t n = strlen(v), i = 0, groups = 0;
    bool ok = n <= 32 && n >= 4 && islower((unsigned char)v[0]) && islower((unsigned char)v[1]) &&
              v[2] == '-';
    for (i = 3; ok;) {
        size_t s = i;
        while (islower((unsigned char)v[i]))
            i++;
        if (i == s || v[i] != '-') {
            i = s;
            break;
        }
        i++;
        groups++;
    }
    size_t ds = i;
    while (ok && isdigit((unsigned char)v[i]))
        i++;
    if (!ok || groups == 0 || i == ds || i - ds > 2 || v[i]) {
        snprintf(why, whylen, "is not an AWS region (expected something like us-east-1)");
        return false;
    }
    return true;
}

static bool check_schema_name(const char *v)
{
    size_t n = strlen(v);
    return n >= 1 && n <= 63 && (isalpha((unsigned char)v[0]) || v[0] == '_') && all_chars(v, "_");
}

static bool check_role_arn(const char *v, char *why, size_t whylen)
{
    /* arn:<partition>:iam::<12 digits>:role/[path/]name */
    const char *p = v;
    bool ok = !strncmp(p, "arn:aws", 7);
    if (ok) {
        p += 7;
        while (*p == '-' || islower((unsigned char)*p))
            p++;
        ok = !strncmp(p, ":iam::", 6);
    }
    if (ok) {
        p += 6;
        for (int i = 0; i < 12 && ok; i++)
            ok = isdigit((unsigned char)*p++);
        ok = ok && !strncmp(p, ":role/", 6);
    }
    if (ok) {
        p += 6;
        const char *slash = strrchr(p, '/');
        const char *name = slash ? slash + 1 : p;
        size_t nlen = strlen(name);
        ok = nlen >= 1 && nlen <= 64 && strlen(p) <= 576 && *p != '/' && all_chars(p, "+=,.@_/-") &&
             !strstr(p, "//");
    }
    if (!ok)
        snprintf(why, whylen,
                 "is not an IAM role ARN (expected arn:aws:iam::123456789012:role/name)");
    return ok;
}

static bool check_external_id(const char *v, char *why, size_t whylen)
{
    size_t n = strlen(v);
    if (n < 2 || n > 1224 || !all_chars(v, "+=,.@:/_-")) {
        snprintf(why, whylen, "must be 2 to 1224 characters of letters, digits and +=,.@:/_-");
        return false;
    }
    return true;
}

static bool check_session_name(const char *v, char *why, size_t whylen)
{
    size_t n = strlen(v);
    if (n < 2 || n > 64 || !all_chars(v, "+=,.@_-")) {
        snprintf(why, whylen, "must be 2 to 64 characters of letters, digits and +=,.@_-");
        return false;
    }
    return true;
}

static bool check_access_key_id(const char *v, char *why, size_t whylen)
{
    if (strlen(v) > 128 || !printable_nospace(v)) {
        snprintf(why, whylen,
                 "is not an access key id (up to 128 printable characters, no "
                 "spaces)");
        return false;
    }
    return true;
}

static bool check_secret(const char *v, char *why, size_t whylen)
{
    if (!printable_nospace(v)) {
        snprintf(why, whylen, "contains a space or a non-ASCII character");
        return false;
    }
    return true;
}

static bool check_profile(const char *v, char *why, size_t whylen)
{
    if (strlen(v) > 128 || !printable_nospace(v) || strpbrk(v, "[]")) {
        snprintf(why, whylen,
                 "is not a profile name (up to 128 printable characters, no spaces "
                 "or brackets)");
        return false;
    }
    return true;
}

static bool check_host(const char *v, char *why, size_t whylen)
{
    if (strlen(v) > 253 || !all_chars(v, ".-_:")) {
        snprintf(why, whylen, "is not a host name or address");
        return false;
    }
    return true;
}

static bool check_socket(const char *v, char *why, size_t whylen)
{
    if (v[0] != '/') {
        snprintf(why, whylen, "is not an absolute path");
        return false;
    }
    if (strlen(v) > 107) { /* sizeof(sun_path) - 1 on Linux */
        snprintf(why, whylen, "is longer than 107 bytes, the limit for a Unix socket path");
        return false;
    }
    return true;
}

static bool check_key_path(const char *v, char *why, size_t whylen)
{
    if (v[0] != '/') {
        snprintf(why, whylen, "is not an absolute path");
        return false;
    }
    if (strlen(v) > 4095) {
        snprintf(why, whylen, "is longer than 4095 bytes");
        return false;
    }
    return true;
}

static bool check_password(const char *v, char *why, size_t whylen)
{
    if (strlen(v) > 1024) {
        snprintf(why, whylen, "is longer than 1024 characters");
        return false;
    }
    return true;
}

static bool check_key_prefix(const char *v, char *why, size_t whylen)
{
    if (strlen(v) > 64 || !all_chars(v, ":_-.")) {
        snprintf(why, whylen, "must be up to 64 letters, digits or ':_-.'");
        return false;
    }
    return true;
}

/* ---- key parsers ---------------------------------------------------------- */

static bool parse_ll(ctx *c, const ini_kv *kv, const key_desc *d, long long *out)
{
    char showbuf[MAX_SHOWN_VALUE + 8];
    const char *p = kv->value;
    if (*p == '-' || *p == '+')
        p++;
    bool digits = *p != '\0';
    for (const char *q = p; *q; q++)
        digits = digits && isdigit((unsigned char)*q);
    if (!digits)
        return cfail(c, kv->line, kv->key, "%s is not a whole number", SHOWN(kv, d));
    errno = 0;
    long long v = strtoll(kv->value, NULL, 10);
    if (errno || v < d->min || v > d->max)
        return cfail(c, kv->line, kv->key, "%s is out of range (%lld to %lld)", SHOWN(kv, d),
                     d->min, d->max);
    *out = v;
    return true;
}

static bool p_int(ctx *c, const ini_kv *kv, const key_desc *d, void *base)
{
    long long v;
    if (!parse_ll(c, kv, d, &v))
        return false;
    *(int *)((char *)base + d->offset) = (int)v;
    return true;
}

static bool p_size(ctx *c, const ini_kv *kv, const key_desc *d, void *base)
{
    long long v;
    if (!parse_ll(c, kv, d, &v))
        return false;
    *(size_t *)((char *)base + d->offset) = (size_t)v;
    return true;
}

static bool p_bool(ctx *c, const ini_kv *kv, const key_desc *d, void *base)
{
    static const char *const yes[] = {"true", "yes", "on", "1"}, *const no[] = {"false", "no",
                                                                                "off", "0"};
    char showbuf[MAX_SHOWN_VALUE + 8];
    for (size_t i = 0; i < 4; i++) {
        if (!strcasecmp(kv->value, yes[i]) || !strcasecmp(kv->value, no[i])) {
            *(bool *)((char *)base + d->offset) = !strcasecmp(kv->value, yes[i]);
            return true;
        }
    }
    return cfail(c, kv->line, kv->key,
                 "%s is not a boolean (use true/false, yes/no, on/off or 1/0)", SHOWN(kv, d));
}

static bool p_str(ctx *c, const ini_kv *kv, const key_desc *d, void *base)
{
    char showbuf[MAX_SHOWN_VALUE + 8], why[256];
    if (d->check && !d->check(kv->value, why, sizeof why))
        return cfail(c, kv->line, kv->key, "%s %s", SHOWN(kv, d), why);
    set_str(field_str(base, d), xstrdup(kv->value), d->secret);
    return true;
}

static bool p_url(ctx *c, const ini_kv *kv, const key_desc *d, void *base)
{
    char showbuf[MAX_SHOWN_VALUE + 8], why[256];
    char *norm;
    url_info u;
    if (!parse_url(kv->value, false, &norm, &u, why, sizeof why)) {
        if (strchr(kv->value, '@')) /* the value may hold a password */
            return cfail(c, kv->line, kv->key, "the URL %s", why);
        return cfail(c, kv->line, kv->key, "%s %s", SHOWN(kv, d), why);
    }
    set_str(field_str(base, d), norm, false);
    return true;
}

/* Matches a value against a list of names; returns the index or -1. */
static int p_enum(ctx *c, const ini_kv *kv, const char *const *names, size_t n, const char *hint)
{
    char showbuf[MAX_SHOWN_VALUE + 8];
    for (size_t i = 0; i < n; i++)
        if (!strcasecmp(kv->value, names[i]))
            return (int)i;
    cfail(c, kv->line, kv->key, "%s is not one of %s", SHOWN(kv, NULL), hint);
    return -1;
}

static bool p_auth(ctx *c, const ini_kv *kv, const key_desc *d, void *base)
{
    static const char *const names[] = {"none", "oauth"};
    (void)d;
    int i = p_enum(c, kv, names, 2, "none, oauth");
    if (i < 0)
        return false;
    ((config *)base)->auth_none = i == 0;
    c->auth_line = kv->line;
    return true;
}

static bool p_log_level(ctx *c, const ini_kv *kv, const key_desc *d, void *base)
{
    static const char *const names[] = {"debug", "info", "warn", "error"};
    int i = p_enum(c, kv, names, 4, "debug, info, warn, error");
    if (i < 0)
        return false;
    set_str(field_str(base, d), xstrdup(names[i]), false);
    return true;
}

static bool p_credentials(ctx *c, const ini_kv *kv, const key_desc *d, void *base)
{
    static const char *const names[] = {"chain", "static", "profile"};
    static const creds_kind kinds[] = {CREDS_CHAIN, CREDS_STATIC, CREDS_PROFILE};
    (void)d;
    int i = p_enum(c, kv, names, 3, "chain, static, profile");
    if (i < 0)
        return false;
    ((schema_conf *)base)->creds = kinds[i];
    return true;
}

static bool p_origins(ctx *c, const ini_kv *kv, const key_desc *d, void *base)
{
    config *cfg = base;
    char **items, why[256];
    size_t n = split_list(kv->value, &items);
    (void)d;
    if (n == 0) {
        free_list(items, n);
        return cfail(c, kv->line, kv->key, "the list is empty");
    }
    char **norm = xcalloc(n, sizeof *norm);
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++) {
        url_info u;
        if (!strcmp(items[i], "*"))
            ok = cfail(c, kv->line, kv->key,
                       "'*' is not allowed: list each origin (scheme://host[:port])");
        else if (!parse_url(items[i], true, &norm[i], &u, why, sizeof why))
            ok = strchr(items[i], '@')
                     ? cfail(c, kv->line, kv->key, "an origin %s", why)
                     : cfail(c, kv->line, kv->key, "'%.*s' %s", MAX_SHOWN_VALUE, items[i], why);
        for (size_t j = 0; ok && j < i; j++)
            if (!strcmp(norm[j], norm[i]))
                ok = cfail(c, kv->line, kv->key, "'%.*s' is listed twice", MAX_SHOWN_VALUE,
                           items[i]);
    }
    free_list(items, n);
    if (!ok) {
        free_list(norm, n);
        return false;
    }
    free_list(cfg->allowed_origins, cfg->norigins);
    cfg->allowed_origins = norm;
    cfg->norigins = n;
    return true;
}

static bool valid_table_name(const char *t)
{
    size_t n = strlen(t);
    return n >= 3 && n <= 255 && all_chars(t, "_.-");
}

static bool p_tables(ctx *c, const ini_kv *kv, const key_desc *d, void *base)
{
    schema_conf *s = base;
    char **items;
    size_t n = split_list(kv->value, &items);
    (void)d;
    bool ok = n > 0 || cfail(c, kv->line, kv->key,
                             "the list is empty (use * for every table, or name the tables)");
    for (size_t i = 0; i < n && ok; i++) {
        if (!strcmp(items[i], "*")) {
            if (n > 1)
                ok =
                    cfail(c, kv->line, kv->key, "'*' must be alone: it already allows every table");
        } else if (!valid_table_name(items[i])) {
            ok = cfail(c, kv->line, kv->key,
                       "'%.*s' is not a DynamoDB table name (3 to 255 letters, digits, '_', '-' "
                       "or '.')",
                       MAX_SHOWN_VALUE, items[i]);
        }
        for (size_t j = 0; ok && j < i; j++)
            if (!strcmp(items[j], items[i]))
                ok = cfail(c, kv->line, kv->key, "'%s' is listed twice", items[i]);
    }
    if (!ok) {
        free_list(items, n);
        return false;
    }
    free_list(s->tables, s->ntables);
    s->all_tables = !strcmp(items[0], "*");
    if (s->all_tables) {
        free_list(items, n);
        items = NULL;
        n = 0;
    }
    s->tables = items;
    s->ntables = n;
    return true;
}

/* ---- cursor secrets ------------------------------------------------------- */

#define SECRET_HINT     "generate one with: openssl rand -hex 32"
#define SECRET_FILE_MAX 8192

static int hex_val(char ch)
{
    return isdigit((unsigned char)ch) ? ch - '0' : tolower((unsigned char)ch) - 'a' + 10;
}

/* A cursor secret is hex (an even number of hex digits; a value made only of
 * hex digits is always read as hex) or base64 (standard with padding, or
 * base64url without), decoding to CONFIG_CURSOR_KEY_MIN..MAX bytes. */
static bool decode_secret(const char *v, size_t n, unsigned char **key, size_t *keylen, char *why,
                          size_t whylen)
{
    bool hex = n > 0;
    for (size_t i = 0; i < n && hex; i++)
        hex = isxdigit((unsigned char)v[i]);
    uint8_t *out = NULL;
    size_t len = 0;
    if (hex) {
        if (n % 2) {
            snprintf(why, whylen, "has an odd number of hex digits (%s)", SECRET_HINT);
            return false;
        }
        len = n / 2;
        out = xmalloc(len + 1);
        for (size_t i = 0; i < len; i++)
            out[i] = (uint8_t)(hex_val(v[2 * i]) << 4 | hex_val(v[2 * i + 1]));
    } else if (!base64_decode(v, n, &out, &len) && !base64url_decode(v, n, &out, &len)) {
        snprintf(why, whylen, "is neither hex nor base64 (%s)", SECRET_HINT);
        return false;
    }
    if (len < CONFIG_CURSOR_KEY_MIN || len > CONFIG_CURSOR_KEY_MAX) {
        secure_wipe(out, len);
        free(out);
        snprintf(why, whylen, "decodes to %zu bytes; it must be %d to %d random bytes (%s)", len,
                 CONFIG_CURSOR_KEY_MIN, CONFIG_CURSOR_KEY_MAX, SECRET_HINT);
        return false;
    }
    *key = out;
    *keylen = len;
    return true;
}

static void set_cursor_key(sql_conf *s, unsigned char *key, size_t len)
{
    if (s->cursor_key)
        secure_wipe(s->cursor_key, s->cursor_key_len);
    free(s->cursor_key);
    s->cursor_key = key;
    s->cursor_key_len = len;
}

static bool p_cursor_secret(ctx *c, const ini_kv *kv, const key_desc *d, void *base)
{
    char why[256];
    unsigned char *key;
    size_t len;
    (void)d;
    if (!decode_secret(kv->value, strlen(kv->value), &key, &len, why, sizeof why))
        return cfail(c, kv->line, kv->key, "(hidden) %s", why);
    set_cursor_key(base, key, len);
    return true;
}

/* Reads at most max bytes of a regular file into text; -1 with errno set
 * on failure, max + 1 when the file is larger. */
static ssize_t read_small_file(const char *path, char *text, size_t max, bool *regular)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return -1;
    struct stat st;
    *regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    size_t got = 0;
    while (*regular && got <= max) {
        ssize_t r = read(fd, text + got, max + 1 - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    return (ssize_t)got;
}

/* The secret lives in its own file (mode 0600, a systemd credential, a
 * mounted Kubernetes secret), so the config itself may stay readable. */
static bool p_cursor_secret_file(ctx *c, const ini_kv *kv, const key_desc *d, void *base)
{
    char showbuf[MAX_SHOWN_VALUE + 8], why[256];
    static char text[SECRET_FILE_MAX + 1];
    sql_conf *s = base;
    if (kv->value[0] != '/')
        return cfail(c, kv->line, kv->key, "%s is not an absolute path", SHOWN(kv, d));
    bool regular = false;
    ssize_t n = read_small_file(kv->value, text, SECRET_FILE_MAX, &regular);
    if (n < 0)
        return cfail(c, kv->line, kv->key, "cannot read %s: %s", SHOWN(kv, d), strerror(errno));
    bool ok = false;
    size_t start = 0, end = (size_t)n;
    if (!regular) {
        cfail(c, kv->line, kv->key, "%s is not a regular file", SHOWN(kv, d));
    } else if (end > SECRET_FILE_MAX) {
        cfail(c, kv->line, kv->key, "%s is larger than %d bytes; it must hold only the secret",
              SHOWN(kv, d), SECRET_FILE_MAX);
    } else {
        while (start < end && isspace((unsigned char)text[start]))
            start++;
        while (end > start && isspace((unsigned char)text[end - 1]))
            end--;
        unsigned char *key;
        size_t len;
        if (start == end)
            cfail(c, kv->line, kv->key, "%s is empty (%s)", SHOWN(kv, d), SECRET_HINT);
        else if (!decode_secret(text + start, end - start, &key, &len, why, sizeof why))
            cfail(c, kv->line, kv->key, "the secret in %s %s", SHOWN(kv, d), why);
        else
            ok = true;
        if (ok) {
            set_cursor_key(s, key, len);
            free(s->cursor_secret_file);
            s->cursor_secret_file = xstrdup(kv->value);
        }
    }
    secure_wipe(text, sizeof text);
    return ok;
}

/* ---- [client ID]: pre-registered OAuth clients ------------------------------ */

#define CLIENT_REDIRECTS_MAX 32 /* redirect_uris of one pre-registered client */

/* A client id travels in URLs and forms: unreserved URI characters only.
 * "dcr_" starts the ids /register hands out, so it cannot shadow one. */
static bool check_client_id(const char *v, char *why, size_t whylen)
{
    size_t n = strlen(v);
    if (n < 1 || n > CONFIG_CLIENT_ID_MAX || !all_chars(v, "._~-")) {
        snprintf(why, whylen,
                 "is not a valid client id (1 to %d letters, digits, '.', '_', '~' or "
                 "'-')",
                 CONFIG_CLIENT_ID_MAX);
        return false;
    }
    if (!strncmp(v, "dcr_", 4)) {
        snprintf(why, whylen,
                 "starts with 'dcr_', which is kept for dynamically registered "
                 "clients");
        return false;
    }
    return true;
}

static bool check_client_name(const char *v, char *why, size_t whylen)
{
    if (strlen(v) > 128) {
        snprintf(why, whylen, "is longer than 128 bytes");
        return false;
    }
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        if (*p < 0x20 || *p == 0x7f) {
            snprintf(why, whylen, "has a control character");
            return false;
        }
    }
    return true;
}

/* Client secrets are 256-bit random strings made by ddbsql-admin, so one
 * SHA-256 is enough (nothing to guess from) and keeps /token fast. */
static bool check_secret_hash(const char *v, char *why, size_t whylen)
{
    size_t pre = strlen(CONFIG_CLIENT_SECRET_PREFIX);
    bool ok = strlen(v) == pre + 64 && !strncmp(v, CONFIG_CLIENT_SECRET_PREFIX, pre);
    for (size_t i = pre; ok && v[i]; i++)
        ok = isdigit((unsigned char)v[i]) || (v[i] >= 'a' && v[i] <= 'f');
    if (!ok)
        snprintf(why, whylen,
                 "is not " CONFIG_CLIENT_SECRET_PREFIX "<64 lowercase hex digits>, the SHA-256 of "
                 "the client secret (ddbsql-admin prints both; or: printf %%s \"$SECRET\" | "
                 "sha256sum)");
    return ok;
}

static bool check_ca_file(const char *v, char *why, size_t whylen)
{
    struct stat st;
    if (v[0] != '/')
        snprintf(why, whylen, "is not an absolute path");
    else if (stat(v, &st) != 0 || !S_ISREG(st.st_mode))
        snprintf(why, whylen, "is not a readable file");
    else
        return true;
    return false;
}

/* Splits on whitespace only: a redirect URI may hold a comma. */
static size_t split_spaces(const char *v, char ***items)
{
    size_t n = 0;
    *items = NULL;
    for (const char *p = v; *p;) {
        p += strspn(p, " \t");
        size_t len = strcspn(p, " \t");
        if (!len)
            break;
        *items = xreallocarray(*items, n + 1, sizeof **items);
        (*items)[n++] = xstrndup(p, len);
        p += len;
    }
    return n;
}

static bool p_redirect_uris(ctx *c, const ini_kv *kv, const key_desc *d, void *base)
{
    client_conf *cl = base;
    char **items, why[256];
    size_t n = split_spaces(kv->value, &items);
    (void)d;
    bool ok = n <= CLIENT_REDIRECTS_MAX ||
              cfail(c, kv->line, kv->key, "lists %zu URIs (at most %d)", n, CLIENT_REDIRECTS_MAX);
    for (size_t i = 0; i < n && ok; i++) {
        if (!redirect_uri_check(items[i], why, sizeof why))
            ok = cfail(c, kv->line, kv->key, "'%.*s' %s", MAX_SHOWN_VALUE, items[i], why);
        for (size_t j = 0; ok && j < i; j++)
            if (!strcmp(items[j], items[i]))
                ok = cfail(c, kv->line, kv->key, "'%.*s' is listed twice", MAX_SHOWN_VALUE,
                           items[i]);
    }
    if (!ok) {
        free_list(items, n);
        return false;
    }
    free_list(cl->redirect_uris, cl->nredirect_uris);
    cl->redirect_uris = items;
    cl->nredirect_uris = n;
    return true;
}

static bool p_client_type(ctx *c, const ini_kv *kv, const key_desc *d, void *base)
{
    static const char *const names[] = {"public", "confidential"};
    (void)d;
    int i = p_enum(c, kv, names, 2, "public, confidential");
    if (i < 0)
        return false;
    ((client_conf *)base)->confidential = i == 1;
    return true;
}

static bool p_client_scopes(ctx *c, const ini_kv *kv, const key_desc *d, void *base)
{
    static const char *const known[] = {SCOPE_NAME_QUERY, SCOPE_NAME_SCHEMAS_READ};
    scope_list l;
    char err[256];
    if (!scope_parse(kv->value, &l, err, sizeof err))
        return cfail(c, kv->line, kv->key, "%s (scopes are separated by single spaces)", err);
    for (size_t i = 0; i < l.n; i++) {
        if (scope_bit(l.items[i]))
            continue;
        const char *near = suggest_nearest(l.items[i], known, 2);
        bool r = cfail(c, kv->line, kv->key, "'%.*s' is not a scope of this server (%s%s%s%s)",
                       MAX_SHOWN_VALUE, l.items[i],
                       near ? "did you mean '" : "known: ", near ? near : SCOPES_SUPPORTED,
                       near ? "'?" : "", "");
        scope_list_free(&l);
        return r;
    }
    char names[SCOPE_BITS_STR_MAX];
    scope_bits_format(scope_bits(&l), names);
    scope_list_free(&l);
    set_str(field_str(base, d), xstrdup(names), false);
    return true;
}

static bool p_grant_types(ctx *c, const ini_kv *kv, const key_desc *d, void *base)
{
    static const char *const names[] = {"authorization_code", "refresh_token",
                                        "client_credentials"};
    static const unsigned bits[] = {OAUTH_GRANT_AUTHORIZATION_CODE, OAUTH_GRANT_REFRESH_TOKEN,
                                    OAUTH_GRANT_CLIENT_CREDENTIALS};
    char **items;
    size_t n = split_list(kv->value, &items);
    unsigned got = 0;
    bool ok = true;
    (void)d;
    for (size_t i = 0; i < n && ok; i++) {
        size_t k = 0;
        while (k < 3 && strcmp(items[i], names[k]))
            k++;
        if (k == 3) {
            const char *near = suggest_nearest(items[i], names, 3);
            ok = near ? cfail(c, kv->line, kv->key,
                              "'%.*s' is not a grant type (did you mean "
                              "'%s'?)",
                              MAX_SHOWN_VALUE, items[i], near)
                      : cfail(c, kv->line, kv->key,
                              "'%.*s' is not a grant type (known: authorization_code, "
                              "refresh_token, client_credentials)",
                              MAX_SHOWN_VALUE, items[i]);
        } else if (got & bits[k]) {
            ok = cfail(c, kv->line, kv->key, "'%s' is listed twice", names[k]);
        }
        if (ok)
            got |= bits[k];
    }
    free_list(items, n);
    if (ok)
        ((client_conf *)base)->grant_types = got;
    return ok;
}

/* ---- [user NAME]: people who sign in ------------------------------------- */

/* A user name shows in tokens (sub), logs and pages: keep it plain. */
static bool check_user_name(const char *v)
{
    size_t n = strlen(v);
    return n >= 1 && n <= CONFIG_USER_NAME_MAX && all_chars(v, "._@+-");
}

/* scopes = a subset of the known scopes, kept in canonical order. */
static bool p_user_scopes(ctx *c, const ini_kv *kv, const key_desc *d, void *base)
{
    static const char *const known[] = {SCOPE_NAME_QUERY, SCOPE_NAME_SCHEMAS_READ};
    scope_list l;
    char why[256];
    if (!scope_parse(kv->value, &l, why, sizeof why))
        return cfail(c, kv->line, kv->key, "%s (scopes are separated by single spaces)", why);
    for (size_t i = 0; i < l.n; i++) {
        if (scope_bit(l.items[i]))
            continue;
        const char *near = suggest_nearest(l.items[i], known, 2);
        bool r = near ? cfail(c, kv->line, kv->key,
                              "'%.*s' is not a scope of this server (did you mean '%s'?)",
                              MAX_SHOWN_VALUE, l.items[i], near)
                      : cfail(c, kv->line, kv->key,
                              "'%.*s' is not a scope of this server (known: " SCOPES_SUPPORTED ")",
                              MAX_SHOWN_VALUE, l.items[i]);
        scope_list_free(&l);
        return r;
    }
    char names[SCOPE_BITS_STR_MAX];
    scope_bits_format(scope_bits(&l), names);
    scope_list_free(&l);
    set_str(field_str(base, d), xstrdup(names), false);
    return true;
}

/* ---- key tables ----------------------------------------------------------- */

#define K(name, parser, type, field, lo, hi, check, secret)                                        \
    {                                                                                              \
        name, parser, offsetof(type, field), lo, hi, check, secret                                 \
    }

static const key_desc global_keys[] = {
    K("public_url", p_url, config, public_url, 0, 0, NULL, false),
    K("allowed_origins", p_origins, config, allowed_origins, 0, 0, NULL, false),
    K("auth", p_auth, config, auth_none, 0, 0, NULL, false),
    K("max_body_bytes", p_size, config, max_body_bytes, 1024, 67108864, NULL, false),
    K("max_params", p_size, config, max_params, 16, 10000, NULL, false),
    K("max_param_bytes", p_size, config, max_param_bytes, 256, 1048576, NULL, false),
    K("log_level", p_log_level, config, log_level, 0, 0, NULL, false),
    K("metadata_ttl_seconds", p_int, config, metadata_ttl_seconds, 0, 86400, NULL, false),
    K("sample_size", p_int, config, sample_size, 1, 10000, NULL, false),
    {NULL, NULL, 0, 0, 0, NULL, false},
};

static const key_desc redis_keys[] = {
    K("host", p_str, redis_conf, host, 0, 0, check_host, false),
    K("port", p_int, redis_conf, port, 1, 65535, NULL, false),
    K("socket", p_str, redis_conf, socket, 0, 0, check_socket, false),
    K("password", p_str, redis_conf, password, 0, 0, check_password, true),
    K("db", p_int, redis_conf, db, 0, 15, NULL, false),
    K("connect_timeout_ms", p_int, redis_conf, connect_timeout_ms, 10, 60000, NULL, false),
    K("command_timeout_ms", p_int, redis_conf, command_timeout_ms, 10, 60000, NULL, false),
    K("key_prefix", p_str, redis_conf, key_prefix, 0, 0, check_key_prefix, false),
    {NULL, NULL, 0, 0, 0, NULL, false},
};

static const key_desc dynamodb_keys[] = {
    K("connect_timeout_ms", p_int, dynamodb_conf, connect_timeout_ms, 100, 60000, NULL, false),
    K("request_timeout_ms", p_int, dynamodb_conf, request_timeout_ms, 100, 300000, NULL, false),
    K("retry_budget_ms", p_int, dynamodb_conf, retry_budget_ms, 100, 600000, NULL, false),
    K("max_attempts", p_int, dynamodb_conf, max_attempts, 1, 20, NULL, false),
    K("base_backoff_ms", p_int, dynamodb_conf, base_backoff_ms, 1, 10000, NULL, false),
    {NULL, NULL, 0, 0, 0, NULL, false},
};

/* max_capacity_units defaults to unlimited: max_items_read already bounds
 * the work, and what a read costs in capacity depends on item size (4 KB per
 * unit, half for eventually consistent reads), so no single default fits
 * every table; operators of provisioned tables set it to a share of their
 * read capacity. */
static const key_desc sql_keys[] = {
    K("max_items_read", p_int, sql_conf, max_items_read, 1, 1000000000, NULL, false),
    K("max_capacity_units", p_int, sql_conf, max_capacity_units, 0, 1000000000, NULL, false),
    K("time_limit_ms", p_int, sql_conf, time_limit_ms, 100, 600000, NULL, false),
    K("max_memory_mb", p_int, sql_conf, max_memory_mb, 1, 4096, NULL, false),
    K("max_scan_segments", p_int, sql_conf, max_scan_segments, 1, 16, NULL, false),
    K("default_rows", p_int, sql_conf, default_rows, 1, CONFIG_SQL_ROWS_CAP, NULL, false),
    K("max_rows", p_int, sql_conf, max_rows, 1, CONFIG_SQL_ROWS_CAP, NULL, false),
    K("cursor_secret", p_cursor_secret, sql_conf, cursor_key, 0, 0, NULL, true),
    K("cursor_secret_file", p_cursor_secret_file, sql_conf, cursor_secret_file, 0, 0, NULL, false),
    {NULL, NULL, 0, 0, 0, NULL, false},
};

static const key_desc schema_keys[] = {
    K("default", p_bool, schema_conf, is_default, 0, 0, NULL, false),
    K("region", p_str, schema_conf, region, 0, 0, check_region, false),
    K("endpoint", p_url, schema_conf, endpoint, 0, 0, NULL, false),
    K("credentials", p_credentials, schema_conf, creds, 0, 0, NULL, false),
    K("access_key_id", p_str, schema_conf, access_key_id, 0, 0, check_access_key_id, false),
    K("secret_access_key", p_str, schema_conf, secret_access_key, 0, 0, check_secret, true),
    K("session_token", p_str, schema_conf, session_token, 0, 0, check_secret, true),
    K("profile", p_str, schema_conf, profile, 0, 0, check_profile, false),
    K("role_arn", p_str, schema_conf, role_arn, 0, 0, check_role_arn, false),
    K("external_id", p_str, schema_conf, external_id, 0, 0, check_external_id, false),
    K("role_session_name", p_str, schema_conf, role_session_name, 0, 0, check_session_name, false),
    K("role_duration_seconds", p_int, schema_conf, role_duration_seconds, 900, 43200, NULL, false),
    K("sts_endpoint", p_url, schema_conf, sts_endpoint, 0, 0, NULL, false),
    K("tables", p_tables, schema_conf, tables, 0, 0, NULL, false),
    {NULL, NULL, 0, 0, 0, NULL, false},
};

/* Lifetimes of the authorization server's artefacts. The authorization code
 * (60 s) is fixed by design and not configurable. */
static const key_desc oauth_keys[] = {
    K("issuer", p_url, oauth_conf, issuer, 0, 0, NULL, false),
    K("access_token_ttl_seconds", p_int, oauth_conf, access_token_ttl_seconds, 60, 86400, NULL,
      false),
    K("clock_leeway_seconds", p_int, oauth_conf, clock_leeway_seconds, 0, 300, NULL, false),
    K("session_lifetime_hours", p_int, oauth_conf, session_lifetime_hours, 1, 8760, NULL, false),
    K("refresh_token_ttl_seconds", p_int, oauth_conf, refresh_token_ttl_seconds, 60, 31536000, NULL,
      false),
    K("registered_client_ttl_days", p_int, oauth_conf, registered_client_ttl_days, 1, 3650, NULL,
      false),
    K("login_session_ttl_seconds", p_int, oauth_conf, login_session_ttl_seconds, 60, 31536000, NULL,
      false),
    K("login_max_attempts_per_user", p_int, oauth_conf, login_max_attempts_per_user, 1, 1000000,
      NULL, false),
    K("login_max_attempts_per_ip", p_int, oauth_conf, login_max_attempts_per_ip, 1, 1000000, NULL,
      false),
    K("login_window_seconds", p_int, oauth_conf, login_window_seconds, 1, 86400, NULL, false),
    K("trust_remote_user", p_bool, oauth_conf, trust_remote_user, 0, 0, NULL, false),
    K("cimd_allow_loopback", p_bool, oauth_conf, cimd_allow_loopback, 0, 0, NULL, false),
    K("cimd_ca_file", p_str, oauth_conf, cimd_ca_file, 0, 0, check_ca_file, false),
    K("registration_rate_limit", p_int, oauth_conf, registration_rate_limit, 1, 1000000, NULL,
      false),
    K("registration_rate_window_seconds", p_int, oauth_conf, registration_rate_window_seconds, 1,
      86400, NULL, false),
    {NULL, NULL, 0, 0, 0, NULL, false},
};

static const key_desc user_keys[] = {
    K("password_hash", p_str, user_conf, password_hash, 0, 0, password_hash_check, true),
    K("scopes", p_user_scopes, user_conf, scopes, 0, 0, NULL, false),
    K("disabled", p_bool, user_conf, disabled, 0, 0, NULL, false),
    {NULL, NULL, 0, 0, 0, NULL, false},
};

static const key_desc signing_key_keys[] = {
    K("path", p_str, signing_key_conf, path, 0, 0, check_key_path, false),
    K("active", p_bool, signing_key_conf, active, 0, 0, NULL, false),
    {NULL, NULL, 0, 0, 0, NULL, false},
};

static const key_desc client_keys[] = {
    K("name", p_str, client_conf, name, 0, 0, check_client_name, false),
    K("redirect_uris", p_redirect_uris, client_conf, redirect_uris, 0, 0, NULL, false),
    K("type", p_client_type, client_conf, confidential, 0, 0, NULL, false),
    K("secret_hash", p_str, client_conf, secret_hash, 0, 0, check_secret_hash, true),
    K("scopes", p_client_scopes, client_conf, scopes, 0, 0, NULL, false),
    K("grant_types", p_grant_types, client_conf, grant_types, 0, 0, NULL, false),
    {NULL, NULL, 0, 0, 0, NULL, false},
};

/* ---- sections ------------------------------------------------------------- */

/* Section names (schemas, users) must differ by more than letter case, so
 * that a lookup that ignores case finds one. items: n structs of size
 * stride, each with its name (char *) at name_at. */
static bool distinct_by_case(ctx *c, const char *kind, const char *name, const void *items,
                             size_t n, size_t stride, size_t name_at)
{
    for (size_t i = 0; i < n; i++) {
        const char *other = *(char *const *)((const char *)items + i * stride + name_at);
        if (!strcasecmp(other, name))
            return cfail(c, c->sec->line, NULL,
                         "%s '%s' differs from %s '%s' only in letter case; %s names must differ "
                         "by more than case",
                         kind, name, kind, other, kind);
    }
    return true;
}

static void *open_global(ctx *c)
{
    return c->cfg;
}

static void *open_redis(ctx *c)
{
    return &c->cfg->redis;
}

static void *open_dynamodb(ctx *c)
{
    return &c->cfg->dynamodb;
}

static void *open_sql(ctx *c)
{
    return &c->cfg->sql;
}

static void *open_oauth(ctx *c)
{
    return &c->cfg->oauth;
}

/* A key id travels in every token header and the JWKS: short and plain. */
static bool check_kid(const char *v)
{
    size_t n = strlen(v);
    return n >= 1 && n <= CONFIG_KID_MAX && all_chars(v, "._-");
}

static void *open_signing_key(ctx *c)
{
    const char *kid = c->sec->name;
    if (!check_kid(kid)) {
        cfail(c, c->sec->line, NULL,
              "'%.*s' is not a valid key id (1 to %d letters, digits, '.', '_' or '-')",
              MAX_SHOWN_VALUE, kid, CONFIG_KID_MAX);
        return NULL;
    }
    oauth_conf *o = &c->cfg->oauth;
    o->keys = xreallocarray(o->keys, o->nkeys + 1, sizeof *o->keys);
    signing_key_conf *k = &o->keys[o->nkeys++];
    memset(k, 0, sizeof *k);
    k->kid = xstrdup(kid);
    return k;
}

static void *open_schema(ctx *c)
{
    const char *name = c->sec->name;
    if (!check_schema_name(name)) {
        cfail(c, c->sec->line, NULL,
              "'%.*s' is not a valid schema name (a letter or '_' followed by up to 62 letters, "
              "digits or '_')",
              MAX_SHOWN_VALUE, name);
        return NULL;
    }
    config *cfg = c->cfg;
    if (!distinct_by_case(c, "schema", name, cfg->schemas, cfg->nschemas, sizeof *cfg->schemas,
                          offsetof(schema_conf, name)))
        return NULL;
    cfg->schemas = xreallocarray(cfg->schemas, cfg->nschemas + 1, sizeof *cfg->schemas);
    schema_conf *s = &cfg->schemas[cfg->nschemas++];
    memset(s, 0, sizeof *s);
    s->name = xstrdup(name);
    s->creds = CREDS_CHAIN;
    s->role_session_name = xstrdup("ddbsql");
    s->role_duration_seconds = 3600;
    s->all_tables = true;
    return s;
}

static bool close_redis(ctx *c, void *base)
{
    redis_conf *r = base;
    const ini_kv *sock = find_kv(c->sec, "socket");
    if (!sock)
        return true;
    const ini_kv *hp = find_kv(c->sec, "host");
    if (!hp)
        hp = find_kv(c->sec, "port");
    if (hp)
        return cfail(c, sock->line, "socket",
                     "set either socket or host/port, not both (%s is at line %d)", hp->key,
                     hp->line);
    free(r->host);
    r->host = NULL;
    return true;
}

static bool close_sql(ctx *c, void *base)
{
    sql_conf *s = base;
    const ini_kv *inline_kv = find_kv(c->sec, "cursor_secret");
    const ini_kv *file_kv = find_kv(c->sec, "cursor_secret_file");
    if (inline_kv && file_kv) {
        const ini_kv *later = inline_kv->line > file_kv->line ? inline_kv : file_kv;
        const ini_kv *first = later == inline_kv ? file_kv : inline_kv;
        return cfail(c, later->line, later->key,
                     "set either cursor_secret or cursor_secret_file, not both (%s is at line %d)",
                     first->key, first->line);
    }
    if (s->default_rows > s->max_rows) {
        const ini_kv *kv = find_kv(c->sec, "default_rows");
        if (!kv)
            kv = find_kv(c->sec, "max_rows");
        return cfail(c, kv->line, kv->key, "default_rows (%d) is larger than max_rows (%d)",
                     s->default_rows, s->max_rows);
    }
    return true;
}

/* A key that only makes sense with another setting. */
static bool only_with(ctx *c, const char *key, bool allowed, const char *needs)
{
    const ini_kv *kv = find_kv(c->sec, key);
    if (kv && !allowed)
        return cfail(c, kv->line, key, "is only used with %s", needs);
    return true;
}

static bool close_signing_key(ctx *c, void *base)
{
    signing_key_conf *k = base;
    if (!k->path)
        return cfail(c, c->sec->line, "path",
                     "missing (required): the key file, e.g. path = /etc/ddbsql/keys/%s.pem",
                     k->kid);
    /* The file is read later (oauth/signing_keys.h); its errors name this line. */
    k->line = find_kv(c->sec, "path")->line;
    return true;
}

static void *open_client(ctx *c)
{
    const char *id = c->sec->name;
    char why[160];
    if (!check_client_id(id, why, sizeof why)) {
        cfail(c, c->sec->line, NULL, "'%.*s' %s", MAX_SHOWN_VALUE, id, why);
        return NULL;
    }
    oauth_conf *o = &c->cfg->oauth;
    o->clients = xreallocarray(o->clients, o->nclients + 1, sizeof *o->clients);
    client_conf *cl = &o->clients[o->nclients++];
    memset(cl, 0, sizeof *cl);
    cl->client_id = xstrdup(id);
    return cl;
}

static bool close_client(ctx *c, void *base)
{
    client_conf *cl = base;
    const ini_kv *gkv = find_kv(c->sec, "grant_types");
    int gline = gkv ? gkv->line : c->sec->line;
    if (!cl->grant_types)
        cl->grant_types = OAUTH_GRANT_AUTHORIZATION_CODE | OAUTH_GRANT_REFRESH_TOKEN;
    unsigned g = cl->grant_types;
    if (cl->confidential && !cl->secret_hash)
        return cfail(c, c->sec->line, "secret_hash",
                     "missing (required with type = confidential): " CONFIG_CLIENT_SECRET_PREFIX
                     "<hex SHA-256 of the secret>, as ddbsql-admin prints it");
    if (!only_with(c, "secret_hash", cl->confidential, "type = confidential"))
        return false;
    if ((g & OAUTH_GRANT_CLIENT_CREDENTIALS) && !cl->confidential)
        return cfail(c, gline, "grant_types",
                     "client_credentials needs type = confidential (a client with a secret)");
    if ((g & OAUTH_GRANT_REFRESH_TOKEN) && !(g & OAUTH_GRANT_AUTHORIZATION_CODE))
        return cfail(c, gline, "grant_types",
                     "refresh_token is only issued with authorization_code; list both");
    if ((g & OAUTH_GRANT_AUTHORIZATION_CODE) && !cl->nredirect_uris)
        return cfail(c, c->sec->line, "redirect_uris",
                     "missing (required with the authorization_code grant): the exact URIs the "
                     "client may be sent back to, separated by spaces");
    if (!only_with(c, "redirect_uris", g & OAUTH_GRANT_AUTHORIZATION_CODE,
                   "grant_types including authorization_code"))
        return false;
    if (!cl->name)
        cl->name = xstrdup(cl->client_id);
    if (!cl->scopes)
        cl->scopes = xstrdup(SCOPES_SUPPORTED);
    return true;
}

static void *open_user(ctx *c)
{
    const char *name = c->sec->name;
    if (!check_user_name(name)) {
        cfail(c, c->sec->line, NULL,
              "'%.*s' is not a valid user name (1 to %d letters, digits, '.', '_', '@', '+' or "
              "'-')",
              MAX_SHOWN_VALUE, name, CONFIG_USER_NAME_MAX);
        return NULL;
    }
    oauth_conf *o = &c->cfg->oauth;
    if (!distinct_by_case(c, "user", name, o->users, o->nusers, sizeof *o->users,
                          offsetof(user_conf, name)))
        return NULL;
    o->users = xreallocarray(o->users, o->nusers + 1, sizeof *o->users);
    user_conf *u = &o->users[o->nusers++];
    memset(u, 0, sizeof *u);
    u->name = xstrdup(name);
    return u;
}

static bool close_user(ctx *c, void *base)
{
    user_conf *u = base;
    (void)c;
    if (!u->scopes)
        u->scopes = xstrdup(SCOPES_SUPPORTED);
    return true;
}

static bool close_schema(ctx *c, void *base)
{
    schema_conf *s = base;
    if (!s->region)
        return cfail(c, c->sec->line, "region", "missing (required), e.g. region = us-east-1");
    const ini_kv *cred = find_kv(c->sec, "credentials");
    int cline = cred ? cred->line : c->sec->line;
    bool st = s->creds == CREDS_STATIC, pr = s->creds == CREDS_PROFILE;
    if (!only_with(c, "access_key_id", st, "credentials = static") ||
        !only_with(c, "secret_access_key", st, "credentials = static") ||
        !only_with(c, "session_token", st, "credentials = static") ||
        !only_with(c, "profile", pr, "credentials = profile"))
        return false;
    if (st && (!s->access_key_id || !s->secret_access_key))
        return cfail(c, cline, "credentials",
                     "credentials = static needs both access_key_id and secret_access_key (%s is "
                     "missing)",
                     s->access_key_id ? "secret_access_key" : "access_key_id");
    if (pr && !s->profile)
        return cfail(c, cline, "credentials",
                     "credentials = profile needs profile = <name of a shared credentials file "
                     "section>");
    bool role = s->role_arn != NULL;
    if (!only_with(c, "external_id", role, "role_arn") ||
        !only_with(c, "role_session_name", role, "role_arn") ||
        !only_with(c, "role_duration_seconds", role, "role_arn") ||
        !only_with(c, "sts_endpoint", role, "role_arn"))
        return false;
    if (role && !s->external_id)
        return cfail(c, find_kv(c->sec, "role_arn")->line, "role_arn",
                     "external_id is required with role_arn (the ExternalId the role's trust "
                     "policy demands)");
    return true;
}

static const section_desc sections[] = {
    {"", SEC_GLOBAL, global_keys, open_global, NULL},
    {"redis", SEC_SINGLE, redis_keys, open_redis, close_redis},
    {"dynamodb", SEC_SINGLE, dynamodb_keys, open_dynamodb, NULL},
    {"sql", SEC_SINGLE, sql_keys, open_sql, close_sql},
    {"oauth", SEC_SINGLE, oauth_keys, open_oauth, NULL},
    {"signing_key", SEC_NAMED, signing_key_keys, open_signing_key, close_signing_key},
    {"client", SEC_NAMED, client_keys, open_client, close_client},
    {"user", SEC_NAMED, user_keys, open_user, close_user},
    {"schema", SEC_NAMED, schema_keys, open_schema, close_schema},
};
#define NSECTIONS (sizeof sections / sizeof sections[0])

static const char *section_hint(const section_desc *d, char *out, size_t outlen)
{
    if (d->form == SEC_GLOBAL)
        snprintf(out, outlen, "before any section");
    else if (d->form == SEC_NAMED)
        snprintf(out, outlen, "in a [%s NAME] section", d->kind);
    else
        snprintf(out, outlen, "in the [%s] section", d->kind);
    return out;
}

static bool unknown_key(ctx *c, const section_desc *d, const ini_kv *kv)
{
    const char *cands[32];
    size_t n = 0;
    for (const key_desc *k = d->keys; k->name && n < 32; k++)
        cands[n++] = k->name;
    const char *near = suggest_nearest(kv->key, cands, n);
    if (near)
        return cfail(c, kv->line, kv->key, "unknown key '%s' (did you mean '%s'?)", kv->key, near);
    /* A known key in the wrong place. */
    for (size_t i = 0; i < NSECTIONS; i++) {
        if (&sections[i] == d)
            continue;
        for (const key_desc *k = sections[i].keys; k->name; k++) {
            if (!strcmp(k->name, kv->key)) {
                char hint[64];
                return cfail(c, kv->line, kv->key, "unknown key '%s' here (it belongs %s)", kv->key,
                             section_hint(&sections[i], hint, sizeof hint));
            }
        }
    }
    return cfail(c, kv->line, kv->key, "unknown key '%s'", kv->key);
}

static bool validate_section(ctx *c, const ini_section *s)
{
    c->sec = s;
    const section_desc *d = NULL;
    for (size_t i = 0; i < NSECTIONS && !d; i++)
        if (!strcmp(sections[i].kind, s->kind))
            d = &sections[i];
    if (!d) {
        const char *cands[NSECTIONS];
        for (size_t i = 0; i < NSECTIONS; i++)
            cands[i] = sections[i].kind;
        const char *near = suggest_nearest(s->kind, cands + 1, NSECTIONS - 1);
        c->sec = NULL;
        if (near)
            return cfail(c, s->line, NULL, "unknown section [%s] (did you mean [%s]?)", s->kind,
                         near);
        char known[256] = "";
        for (size_t i = 1; i < NSECTIONS; i++)
            snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s", i > 1 ? ", " : "",
                     sections[i].kind);
        return cfail(c, s->line, NULL, "unknown section [%s] (known: %s)", s->kind, known);
    }
    if (d->form == SEC_SINGLE && s->name)
        return cfail(c, s->line, NULL, "[%s] takes no name", d->kind);
    if (d->form == SEC_NAMED && !s->name)
        return cfail(c, s->line, NULL, "[%s] needs a name: [%s NAME]", d->kind, d->kind);
    void *base = d->open(c);
    if (!base)
        return false;
    for (size_t i = 0; i < s->nkvs; i++) {
        const ini_kv *kv = &s->kvs[i];
        const key_desc *k = d->keys;
        while (k->name && strcmp(k->name, kv->key))
            k++;
        if (!k->name)
            return unknown_key(c, d, kv);
        if (!kv->value[0])
            return cfail(c, kv->line, kv->key,
                         "the value is empty (remove the line to use the default)");
        if (!k->parse(c, kv, k, base))
            return false;
    }
    return !d->close || d->close(c, base);
}

/* ---- whole-file rules ----------------------------------------------------- */

static bool check_global(ctx *c, const ini_file *f)
{
    config *cfg = c->cfg;
    c->sec = &f->sections[0];
    if (!cfg->public_url)
        return cfail(c, 0, "public_url",
                     "missing (required), e.g. public_url = http://127.0.0.1:8080");
    char *norm, why[256];
    url_info u;
    if (!parse_url(cfg->public_url, false, &norm, &u, why, sizeof why))
        return cfail(c, 0, "public_url", "%s", why); /* cannot happen: parsed before */
    free(norm);
    if (cfg->auth_none && !url_is_loopback(&u))
        return cfail(c, c->auth_line, "auth",
                     "auth = none is only allowed when public_url's host is loopback "
                     "(127.0.0.0/8, ::1 or localhost): anyone who can reach '%s' could query "
                     "the data without credentials",
                     cfg->public_url);
    if (!cfg->auth_none && !u.https && !url_is_loopback(&u))
        return cfail(c, c->auth_line, "auth",
                     "%sauth = oauth needs an https:// public_url (clients send tokens and "
                     "passwords to it); '%s' is plain http on a host that is not loopback. Behind "
                     "a TLS-terminating proxy, set public_url to the https:// URL clients use",
                     c->auth_line ? "" : "not set, so it defaults to oauth; ", cfg->public_url);
    if (!cfg->allowed_origins) {
        /* The origin of public_url: its scheme://host[:port] part. */
        const char *auth = strstr(cfg->public_url, "://") + 3;
        char *prefix =
            xstrndup(cfg->public_url, (size_t)(auth - cfg->public_url) + strcspn(auth, "/"));
        char *origin;
        if (!parse_url(prefix, true, &origin, &u, why, sizeof why))
            origin = xstrdup(prefix); /* cannot happen: public_url parsed */
        free(prefix);
        cfg->allowed_origins = xcalloc(1, sizeof *cfg->allowed_origins);
        cfg->allowed_origins[0] = origin;
        cfg->norigins = 1;
    }
    size_t n = strlen(cfg->public_url) + 5;
    cfg->mcp_url = xmalloc(n);
    snprintf(cfg->mcp_url, n, "%s/mcp", cfg->public_url);
    return true;
}

static bool check_schemas(ctx *c, const ini_file *f)
{
    config *cfg = c->cfg;
    c->sec = NULL;
    if (cfg->nschemas == 0)
        return cfail(c, 0, NULL,
                     "no [schema NAME] section: at least one schema (a DynamoDB connection) is "
                     "required");
    /* Find each schema's section again for line numbers. */
    const ini_section *first = NULL;
    const ini_kv *first_kv = NULL;
    for (size_t i = 1; i < f->nsections; i++) {
        const ini_section *s = &f->sections[i];
        if (strcmp(s->kind, "schema"))
            continue;
        const schema_conf *sc = config_schema(cfg, s->name);
        if (!sc || !sc->is_default)
            continue;
        const ini_kv *kv = find_kv(s, "default");
        if (first) {
            c->sec = s;
            return cfail(c, kv->line, "default",
                         "two schemas are marked default ('%s' at line %d and '%s' at line %d); "
                         "mark exactly one",
                         first->name, first_kv->line, s->name, kv->line);
        }
        first = s;
        first_kv = kv;
        cfg->default_schema = (schema_conf *)sc;
    }
    if (!cfg->default_schema) {
        if (cfg->nschemas > 1)
            return cfail(c, 0, NULL,
                         "%zu schemas and none has default = true; mark exactly one as the "
                         "default (used when a query names no schema)",
                         cfg->nschemas);
        cfg->default_schema = &cfg->schemas[0];
        cfg->schemas[0].is_default = true;
    }
    return true;
}

/* The parts of an already validated URL. */
static bool url_info_of(const char *url, url_info *u)
{
    char *norm, why[256];
    if (!parse_url(url, false, &norm, u, why, sizeof why))
        return false;
    free(norm);
    return true;
}

static const ini_section *find_section(const ini_file *f, const char *kind, const char *name)
{
    for (size_t i = 1; i < f->nsections; i++) {
        const ini_section *s = &f->sections[i];
        if (!strcmp(s->kind, kind) && (!name || (s->name && !strcmp(s->name, name))))
            return s;
    }
    return NULL;
}

#define KEYGEN_HINT                                                                                \
    "create one with: openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "        \
    "KEY.pem && chmod 600 KEY.pem"

/* The active signing key, the issuer, and what auth = oauth needs. */
static bool check_oauth(ctx *c, const ini_file *f)
{
    config *cfg = c->cfg;
    oauth_conf *o = &cfg->oauth;
    const ini_section *osec = find_section(f, "oauth", NULL);
    c->sec = osec;
    if (!o->issuer)
        o->issuer = xstrdup(cfg->public_url);
    const ini_kv *ikv = osec ? find_kv(osec, "issuer") : NULL;
    url_info u, pu;
    if (!url_info_of(o->issuer, &u) || !url_info_of(cfg->public_url, &pu))
        return cfail(c, 0, "issuer", "is not a valid URL"); /* cannot happen: parsed before */
    if (!cfg->auth_none && ikv && !u.https && !url_is_loopback(&u))
        return cfail(c, ikv->line, "issuer",
                     "'%s' must be an https:// URL (or a loopback http:// one for local tests)",
                     o->issuer);
    const ini_kv *ckv = osec ? find_kv(osec, "cimd_allow_loopback") : NULL;
    if (o->cimd_allow_loopback && !url_is_loopback(&pu))
        return cfail(c, ckv->line, "cimd_allow_loopback",
                     "is for tests only and is refused unless public_url's host is loopback "
                     "('%s' is not)",
                     cfg->public_url);

    const ini_kv *cakv = osec ? find_kv(osec, "cimd_ca_file") : NULL;
    if (cakv && !o->cimd_allow_loopback)
        return cfail(c, cakv->line, "cimd_ca_file",
                     "is for tests only and is used only with cimd_allow_loopback = true");

    /* Exactly one active key; a single key is active by itself. */
    const ini_section *first = NULL;
    for (size_t i = 0; i < o->nkeys; i++) {
        signing_key_conf *k = &o->keys[i];
        if (!k->active)
            continue;
        const ini_section *s = find_section(f, "signing_key", k->kid);
        if (first) {
            c->sec = s;
            return cfail(c, find_kv(s, "active")->line, "active",
                         "two signing keys are active ('%s' at line %d and '%s' at line %d); "
                         "mark exactly one (it signs new tokens; the others only verify)",
                         first->name, find_kv(first, "active")->line, s->name,
                         find_kv(s, "active")->line);
        }
        first = s;
        o->active_key = k;
    }
    c->sec = NULL;
    if (!o->active_key && o->nkeys > 1)
        return cfail(c, 0, NULL,
                     "%zu [signing_key] sections and none has active = true; mark exactly one "
                     "(it signs new tokens; the others only verify)",
                     o->nkeys);
    if (!o->active_key && o->nkeys == 1) {
        o->active_key = &o->keys[0];
        o->keys[0].active = true;
    }
    if (!cfg->auth_none && o->nkeys == 0) {
        c->sec = &f->sections[0];
        if (!c->auth_line)
            return cfail(c, 0, "auth",
                         "not set, so it defaults to oauth, which needs at least one "
                         "[signing_key NAME] section with the path of an EC P-256 private key "
                         "(" KEYGEN_HINT "); for a local test without authentication use "
                         "auth = none with a loopback public_url");
        return cfail(c, c->auth_line, "auth",
                     "auth = oauth needs at least one [signing_key NAME] section with the path "
                     "of an EC P-256 private key (" KEYGEN_HINT ")");
    }
    return true;
}

/* What [user] sections and the sign-in keys of [oauth] need of each other
 * (the sections may come in any order). */
static bool check_users(ctx *c, const ini_file *f)
{
    oauth_conf *o = &c->cfg->oauth;
    for (size_t i = 0; i < o->nusers; i++) {
        const user_conf *u = &o->users[i];
        if (u->password_hash || o->trust_remote_user)
            continue;
        c->sec = find_section(f, "user", u->name);
        return cfail(c, c->sec ? c->sec->line : 0, "password_hash",
                     "missing (required unless [oauth] trust_remote_user = true): the scrypt hash "
                     "of the user's password, as ddbsql-admin writes it "
                     "($scrypt$ln=..,r=..,p=..$salt$hash)");
    }
    const ini_section *osec = find_section(f, "oauth", NULL);
    const ini_kv *kv = osec ? find_kv(osec, "login_session_ttl_seconds") : NULL;
    long long cap = (long long)o->session_lifetime_hours * 3600;
    if (o->login_session_ttl_seconds > cap) {
        c->sec = osec;
        return cfail(c, kv ? kv->line : 0,
                     kv ? "login_session_ttl_seconds" : "session_lifetime_hours",
                     "login_session_ttl_seconds (%d) is longer than session_lifetime_hours (%d h "
                     "= %lld s); a browser sign-in cannot outlive the session it starts",
                     o->login_session_ttl_seconds, o->session_lifetime_hours, cap);
    }
    return true;
}

/* ---- public API ----------------------------------------------------------- */

const char *config_path(void)
{
    const char *p = getenv(CONFIG_ENV_VAR);
    return p && *p ? p : CONFIG_DEFAULT_PATH;
}

static void set_defaults(config *cfg, const char *path)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->path = xstrdup(path);
    cfg->max_body_bytes = 1048576;
    cfg->max_params = 200;
    cfg->max_param_bytes = 16384;
    cfg->log_level = xstrdup("info");
    cfg->metadata_ttl_seconds = 300;
    cfg->sample_size = 100;
    cfg->redis.host = xstrdup("127.0.0.1");
    cfg->redis.port = 6379;
    cfg->redis.db = 0;
    cfg->redis.connect_timeout_ms = 500;
    cfg->redis.command_timeout_ms = 1000;
    cfg->redis.key_prefix = xstrdup("ddbsql:");
    cfg->dynamodb.connect_timeout_ms = 2000;
    cfg->dynamodb.request_timeout_ms = 10000;
    cfg->dynamodb.retry_budget_ms = 20000;
    cfg->dynamodb.max_attempts = 8;
    cfg->dynamodb.base_backoff_ms = 50;
    cfg->sql.max_items_read = 100000;
    cfg->sql.max_capacity_units = 0;
    cfg->sql.time_limit_ms = 30000;
    cfg->sql.max_memory_mb = 64;
    cfg->sql.max_scan_segments = 4;
    cfg->sql.default_rows = 100;
    cfg->sql.max_rows = CONFIG_SQL_ROWS_CAP;
    cfg->oauth.access_token_ttl_seconds = 600;
    cfg->oauth.clock_leeway_seconds = 60;
    cfg->oauth.session_lifetime_hours = 12;
    cfg->oauth.refresh_token_ttl_seconds = 43200;
    cfg->oauth.registered_client_ttl_days = 30;
    cfg->oauth.login_session_ttl_seconds = 3600;
    cfg->oauth.login_max_attempts_per_user = 10;
    cfg->oauth.login_max_attempts_per_ip = 50;
    cfg->oauth.login_window_seconds = 900;
    cfg->oauth.registration_rate_limit = 10;
    cfg->oauth.registration_rate_window_seconds = 600;
}

bool config_load(const char *path, config *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (!path) {
        snprintf(err, errlen, "no configuration file given");
        return false;
    }
    ini_file f;
    if (!ini_load(path, &f, err, errlen))
        return false;
    config cfg;
    set_defaults(&cfg, path);
    ctx c = {path, err, errlen, &cfg, NULL, 0};
    bool ok = true;
    for (size_t i = 0; i < f.nsections && ok; i++)
        ok = validate_section(&c, &f.sections[i]);
    ok = ok && check_global(&c, &f) && check_schemas(&c, &f) && check_oauth(&c, &f) &&
         check_users(&c, &f);
    ini_free(&f);
    if (!ok) {
        config_free(&cfg);
        return false;
    }
    *out = cfg;
    return true;
}

static void free_schema(schema_conf *s)
{
    free(s->name);
    free(s->region);
    free(s->endpoint);
    free(s->access_key_id);
    secure_free_str(s->secret_access_key);
    secure_free_str(s->session_token);
    free(s->profile);
    free(s->role_arn);
    free(s->external_id);
    free(s->role_session_name);
    free(s->sts_endpoint);
    free_list(s->tables, s->ntables);
}

void config_free(config *c)
{
    if (!c)
        return;
    free(c->path);
    free(c->public_url);
    free(c->mcp_url);
    free_list(c->allowed_origins, c->norigins);
    free(c->log_level);
    free(c->redis.host);
    free(c->redis.socket);
    secure_free_str(c->redis.password);
    free(c->redis.key_prefix);
    set_cursor_key(&c->sql, NULL, 0);
    free(c->sql.cursor_secret_file);
    for (size_t i = 0; i < c->nschemas; i++)
        free_schema(&c->schemas[i]);
    free(c->schemas);
    free(c->oauth.issuer);
    for (size_t i = 0; i < c->oauth.nkeys; i++) {
        free(c->oauth.keys[i].kid);
        free(c->oauth.keys[i].path);
    }
    free(c->oauth.keys);
    for (size_t i = 0; i < c->oauth.nusers; i++) {
        free(c->oauth.users[i].name);
        secure_free_str(c->oauth.users[i].password_hash);
        free(c->oauth.users[i].scopes);
    }
    free(c->oauth.users);
    free(c->oauth.cimd_ca_file);
    for (size_t i = 0; i < c->oauth.nclients; i++) {
        client_conf *cl = &c->oauth.clients[i];
        free(cl->client_id);
        free(cl->name);
        free_list(cl->redirect_uris, cl->nredirect_uris);
        secure_free_str(cl->secret_hash);
        free(cl->scopes);
    }
    free(c->oauth.clients);
    memset(c, 0, sizeof *c);
}

const schema_conf *config_schema(const config *c, const char *name)
{
    if (!name || !*name)
        return c->default_schema;
    for (size_t i = 0; i < c->nschemas; i++)
        if (!strcmp(c->schemas[i].name, name))
            return &c->schemas[i];
    return NULL;
}

bool schema_allows_table(const schema_conf *s, const char *table)
{
    if (!s || !table || !valid_table_name(table))
        return false;
    if (s->all_tables)
        return true;
    for (size_t i = 0; i < s->ntables; i++)
        if (!strcmp(s->tables[i], table))
            return true;
    return false;
}
