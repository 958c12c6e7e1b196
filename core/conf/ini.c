#include "ini.h"

#include "../base/alloc.h"
#include "../base/json_util.h"
#include "../base/secure.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct parser {
    const char *path;
    int line;
    ini_file *f;
    char *err;
    size_t errlen;
} parser;

static bool is_ws(char c)
{
    return c == ' ' || c == '\t';
}

static bool is_key_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
}

/* "<path>:<line>: [section] key: what" (parts omitted when NULL/empty). */
static bool fail(parser *p, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool fail(parser *p, const char *key, const char *fmt, ...)
{
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    char label[INI_MAX_LINE + 8] = "";
    if (key && p->f->nsections > 0)
        ini_section_label(&p->f->sections[p->f->nsections - 1], label, sizeof label);
    snprintf(p->err, p->errlen, "%s:%d: %s%s%s%s%s", p->path, p->line, label, *label ? " " : "",
             key ? key : "", key ? ": " : "", what);
    return false;
}

void ini_section_label(const ini_section *s, char *out, size_t outlen)
{
    if (!s->kind[0])
        snprintf(out, outlen, "%s", "");
    else if (s->name)
        snprintf(out, outlen, "[%s %s]", s->kind, s->name);
    else
        snprintf(out, outlen, "[%s]", s->kind);
}

static ini_section *add_section(ini_file *f, char *kind, char *name, int line)
{
    f->sections = xreallocarray(f->sections, f->nsections + 1, sizeof *f->sections);
    ini_section *s = &f->sections[f->nsections++];
    s->kind = kind;
    s->name = name;
    s->line = line;
    s->kvs = NULL;
    s->nkvs = 0;
    return s;
}

/* A comment starts at '#' or ';' at the start of the (trimmed) line or
 * after whitespace; this returns whether the rest from *s is blank or one. */
static bool rest_is_blank(const char *s, const char *end)
{
    while (s < end && is_ws(*s))
        s++;
    return s == end || *s == '#' || *s == ';';
}

static bool parse_section(parser *p, const char *s, const char *end)
{
    const char *close = memchr(s, ']', (size_t)(end - s));
    if (!close)
        return fail(p, NULL, "section header has no closing ']'");
    if (!rest_is_blank(close + 1, end))
        return fail(p, NULL, "unexpected text after the section header's ']'");
    /* Tokens between the brackets: kind, then an optional name. */
    const char *tok[3];
    size_t toklen[3];
    int ntok = 0;
    const char *q = s + 1;
    while (q < close) {
        while (q < close && is_ws(*q))
            q++;
        if (q == close)
            break;
        const char *t = q;
        while (q < close && !is_ws(*q))
            q++;
        if (ntok == 3)
            break;
        tok[ntok] = t;
        toklen[ntok] = (size_t)(q - t);
        ntok++;
    }
    if (ntok == 0)
        return fail(p, NULL, "empty section header '[]'");
    if (ntok > 2)
        return fail(p, NULL, "malformed section header: expected [kind] or [kind name]");
    for (size_t i = 0; i < toklen[0]; i++)
        if (!is_key_char(tok[0][i]))
            return fail(p, NULL,
                        "malformed section header: '%.*s' is not a section kind (letters, "
                        "digits, '_', '-' and '.' only)",
                        (int)(toklen[0] > 64 ? 64 : toklen[0]), tok[0]);
    for (size_t i = 0; ntok == 2 && i < toklen[1]; i++)
        if (tok[1][i] == '[' || tok[1][i] == '"')
            return fail(p, NULL, "malformed section header: unexpected '%c' in the name",
                        tok[1][i]);
    char *kind = xstrndup(tok[0], toklen[0]);
    char *name = ntok == 2 ? xstrndup(tok[1], toklen[1]) : NULL;
    for (size_t i = 1; i < p->f->nsections; i++) {
        const ini_section *o = &p->f->sections[i];
        bool same_name = (!o->name && !name) || (o->name && name && !strcmp(o->name, name));
        if (!strcmp(o->kind, kind) && same_name) {
            int first = o->line;
            fail(p, NULL, "section [%s%s%s] appears twice (first at line %d)", kind,
                 name ? " " : "", name ? name : "", first);
            free(kind);
            free(name);
            return false;
        }
    }
    add_section(p->f, kind, name, p->line);
    return true;
}

/* Parses a double-quoted value starting at s (on the opening quote). */
static bool parse_quoted(parser *p, const char *key, const char *s, const char *end, char **out)
{
    char *val = xmalloc((size_t)(end - s) + 1);
    size_t n = 0;
    const char *q = s + 1;
    for (;;) {
        if (q == end) {
            secure_wipe(val, n);
            free(val);
            return fail(p, key, "unterminated quoted value (no closing '\"')");
        }
        if (*q == '"')
            break;
        if (*q == '\\') {
            if (q + 1 == end || (q[1] != '"' && q[1] != '\\')) {
                secure_wipe(val, n);
                free(val);
                if (q + 1 == end)
                    return fail(p, key, "unterminated quoted value (ends with '\\')");
                return fail(p, key,
                            "unknown escape '\\%c' in quoted value (only \\\" and \\\\ are "
                            "allowed)",
                            q[1]);
            }
            q++;
        }
        val[n++] = *q++;
    }
    val[n] = '\0';
    if (!rest_is_blank(q + 1, end)) {
        secure_wipe(val, n);
        free(val);
        return fail(p, key, "unexpected text after the closing quote");
    }
    *out = val;
    return true;
}

static bool parse_kv(parser *p, const char *s, const char *end)
{
    const char *k = s;
    while (s < end && is_key_char(*s))
        s++;
    size_t klen = (size_t)(s - k);
    if (klen == 0)
        return fail(p, NULL, "expected 'key = value', '[section]' or a comment, found '%c'", *k);
    while (s < end && is_ws(*s))
        s++;
    /* Only the key-like prefix is echoed: the rest might be a secret. */
    if (s == end || *s != '=') {
        if (s == end)
            return fail(p, NULL, "expected '=' after '%.*s'", (int)(klen > 64 ? 64 : klen), k);
        return fail(p, NULL, "expected '=' after '%.*s', found '%c'", (int)(klen > 64 ? 64 : klen),
                    k, *s);
    }
    s++;
    while (s < end && is_ws(*s))
        s++;
    char *key = xstrndup(k, klen);
    char *val = NULL;
    if (s < end && *s == '"') {
        if (!parse_quoted(p, key, s, end, &val)) {
            free(key);
            return false;
        }
    } else {
        const char *v = s;
        while (s < end && !((*s == '#' || *s == ';') && is_ws(s[-1])))
            s++;
        while (s > v && is_ws(s[-1]))
            s--;
        val = xstrndup(v, (size_t)(s - v));
    }
    ini_section *sec = &p->f->sections[p->f->nsections - 1];
    for (size_t i = 0; i < sec->nkvs; i++) {
        if (!strcmp(sec->kvs[i].key, key)) {
            fail(p, key, "given twice (first at line %d)", sec->kvs[i].line);
            free(key);
            secure_free_str(val);
            return false;
        }
    }
    sec->kvs = xreallocarray(sec->kvs, sec->nkvs + 1, sizeof *sec->kvs);
    sec->kvs[sec->nkvs].key = key;
    sec->kvs[sec->nkvs].value = val;
    sec->kvs[sec->nkvs].line = p->line;
    sec->nkvs++;
    return true;
}

/* Byte-level checks of one line (without its newline). */
static bool check_line(parser *p, const char *s, size_t len)
{
    if (len > INI_MAX_LINE)
        return fail(p, NULL, "line is longer than %d bytes", INI_MAX_LINE);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0)
            return fail(p, NULL, "NUL byte at column %zu", i + 1);
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return fail(p, NULL, "control character 0x%02x at column %zu", c, i + 1);
    }
    if (!utf8_valid(s, len))
        return fail(p, NULL, "line is not valid UTF-8");
    return true;
}

bool ini_parse(const char *path, const char *text, size_t len, ini_file *out, char *err,
               size_t errlen)
{
    memset(out, 0, sizeof *out);
    parser p = {path, 0, out, err, errlen};
    if (len > INI_MAX_FILE) {
        snprintf(err, errlen, "%s: file is larger than 1 MiB (%zu bytes)", path, len);
        return false;
    }
    add_section(out, xstrdup(""), NULL, 0);
    const char *s = text, *end = text + len;
    if (len >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3))
        s += 3; /* a UTF-8 byte-order mark some editors write */
    bool ok = true;
    while (ok && s < end) {
        p.line++;
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *le = nl ? nl : end;
        const char *next = nl ? nl + 1 : end;
        if (le > s && le[-1] == '\r')
            le--;
        ok = check_line(&p, s, (size_t)(le - s));
        if (ok) {
            while (s < le && is_ws(*s))
                s++;
            if (s == le || *s == '#' || *s == ';')
                ; /* blank or comment */
            else if (*s == '[')
                ok = parse_section(&p, s, le);
            else
                ok = parse_kv(&p, s, le);
        }
        s = next;
    }
    out->nlines = p.line;
    if (!ok)
        ini_free(out);
    return ok;
}

bool ini_load(const char *path, ini_file *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return false;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        snprintf(err, errlen, "%s: cannot stat: %s", path, strerror(errno));
        close(fd);
        return false;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file", path);
        close(fd);
        return false;
    }
    if (st.st_size > INI_MAX_FILE) {
        snprintf(err, errlen, "%s: file is larger than 1 MiB (%lld bytes)", path,
                 (long long)st.st_size);
        close(fd);
        return false;
    }
    /* Read at most one byte past the limit, in case the file grew. */
    size_t cap = (size_t)st.st_size + 1, n = 0;
    if (cap > INI_MAX_FILE + 1)
        cap = INI_MAX_FILE + 1;
    char *data = xmalloc(cap);
    for (;;) {
        if (n == cap) {
            if (cap > INI_MAX_FILE)
                break;
            size_t ncap = cap * 2 > INI_MAX_FILE + 1 ? INI_MAX_FILE + 1 : cap * 2;
            char *nd = xmalloc(ncap);
            memcpy(nd, data, n);
            secure_wipe(data, n);
            free(data);
            data = nd;
            cap = ncap;
        }
        ssize_t r = read(fd, data + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
            close(fd);
            secure_wipe(data, n);
            free(data);
            return false;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    bool ok = ini_parse(path, data, n, out, err, errlen);
    secure_wipe(data, n);
    free(data);
    return ok;
}

void ini_free(ini_file *f)
{
    for (size_t i = 0; i < f->nsections; i++) {
        ini_section *s = &f->sections[i];
        for (size_t j = 0; j < s->nkvs; j++) {
            free(s->kvs[j].key);
            secure_free_str(s->kvs[j].value);
        }
        free(s->kvs);
        free(s->kind);
        free(s->name);
    }
    free(f->sections);
    memset(f, 0, sizeof *f);
}
