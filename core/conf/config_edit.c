#include "config_edit.h"

#include "config.h"
#include "ini.h"

#include "../base/alloc.h"
#include "../base/buf.h"
#include "../base/json_util.h"
#include "../base/secure.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define LOCK_WAIT_MS 10000 /* another ddbsql-admin holding the file this long is an error */

typedef struct line {
    char *text;      /* without its line ending */
    const char *eol; /* "\n", "\r\n", or "" (the last line without one) */
} line;

struct config_edit {
    char *path; /* symlinks resolved */
    int fd;     /* the file, locked */
    bool bom;   /* the file starts with a UTF-8 byte-order mark, kept */
    line *lines;
    size_t nlines;
    const char *eol; /* for new lines: the file's first line ending */
    buf_t text;      /* serialisation cache (config_edit_text, commit) */
};

typedef enum { L_BLANK, L_COMMENT, L_HEADER, L_KV } ltype;

static bool is_ws(char c)
{
    return c == ' ' || c == '\t';
}

static bool is_key_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
}

static const char *skip_ws(const char *s)
{
    while (is_ws(*s))
        s++;
    return s;
}

static ltype classify(const char *s)
{
    s = skip_ws(s);
    if (!*s)
        return L_BLANK;
    if (*s == '#' || *s == ';')
        return L_COMMENT;
    return *s == '[' ? L_HEADER : L_KV;
}

/* Does header line s name [kind name]? (kind "" never matches a header.) */
static bool header_is(const char *s, const char *kind, const char *name)
{
    s = skip_ws(s) + 1;
    const char *close = strchr(s, ']');
    if (!close)
        return false;
    const char *tok[3];
    size_t len[3];
    int n = 0;
    while (s < close && n < 3) {
        while (s < close && is_ws(*s))
            s++;
        if (s == close)
            break;
        tok[n] = s;
        while (s < close && !is_ws(*s))
            s++;
        len[n] = (size_t)(s - tok[n]);
        n++;
    }
    if (n < 1 || n > 2 || len[0] != strlen(kind) || memcmp(tok[0], kind, len[0]))
        return false;
    if (!name)
        return n == 1;
    return n == 2 && len[1] == strlen(name) && !memcmp(tok[1], name, len[1]);
}

/* The key of a key line (its length into *klen). */
static const char *kv_key(const char *s, size_t *klen)
{
    s = skip_ws(s);
    const char *k = s;
    while (is_key_char(*s))
        s++;
    *klen = (size_t)(s - k);
    return k;
}

/* Where the value of a key line starts and ends, and whether it is quoted. */
static void kv_value_span(const char *s, size_t *vstart, size_t *vend, bool *quoted)
{
    const char *p = strchr(s, '=');
    p = p ? skip_ws(p + 1) : s + strlen(s);
    *vstart = (size_t)(p - s);
    *quoted = *p == '"';
    if (*quoted) {
        const char *q = p + 1;
        while (*q && *q != '"')
            q += (q[0] == '\\' && q[1]) ? 2 : 1;
        *vend = (size_t)((*q ? q + 1 : q) - s);
        return;
    }
    const char *q = p;
    while (*q && !((*q == '#' || *q == ';') && q > p && is_ws(q[-1])))
        q++;
    while (q > p && is_ws(q[-1]))
        q--;
    *vend = (size_t)(q - s);
}

/* ---- sections ------------------------------------------------------------- */

static bool is_global(const char *kind)
{
    return !kind || !*kind;
}

static size_t next_header(const config_edit *e, size_t from)
{
    while (from < e->nlines && classify(e->lines[from].text) != L_HEADER)
        from++;
    return from;
}

/* The header line of [kind name]; e->nlines when absent. */
static size_t find_header(const config_edit *e, const char *kind, const char *name)
{
    for (size_t i = next_header(e, 0); i < e->nlines; i = next_header(e, i + 1))
        if (header_is(e->lines[i].text, kind, name))
            return i;
    return e->nlines;
}

/* The first line of the comment block that describes the header at h (a
 * block directly above it, preceded by a blank line), else h. */
static size_t described_from(const config_edit *e, size_t h)
{
    size_t i = h;
    while (i > 0 && classify(e->lines[i - 1].text) == L_COMMENT)
        i--;
    return (i < h && i > 0 && classify(e->lines[i - 1].text) == L_BLANK) ? i : h;
}

typedef struct span {
    bool found;
    size_t header; /* e->nlines for the global section */
    size_t body;   /* first line after the header */
    size_t end;    /* one past the section's last line */
} span;

static span section_span(const config_edit *e, const char *kind, const char *name)
{
    span s = {false, e->nlines, 0, 0};
    if (is_global(kind)) {
        s.found = true;
        size_t h = next_header(e, 0);
        s.end = h < e->nlines ? described_from(e, h) : e->nlines;
        return s;
    }
    s.header = find_header(e, kind, name);
    if (s.header == e->nlines)
        return s;
    s.found = true;
    s.body = s.header + 1;
    size_t h = next_header(e, s.body);
    s.end = h < e->nlines ? described_from(e, h) : e->nlines;
    if (s.end < s.body)
        s.end = s.body;
    return s;
}

/* The line of key in a section, or e->nlines. */
static size_t find_key(const config_edit *e, const span *s, const char *key)
{
    size_t stop = next_header(e, s->body);
    for (size_t i = s->body; i < stop; i++) {
        if (classify(e->lines[i].text) != L_KV)
            continue;
        size_t klen;
        const char *k = kv_key(e->lines[i].text, &klen);
        if (klen == strlen(key) && !memcmp(k, key, klen))
            return i;
    }
    return e->nlines;
}

/* ---- lines ---------------------------------------------------------------- */

static void insert_line(config_edit *e, size_t at, char *text)
{
    /* The line before the new one must end with a line break. */
    if (at > 0 && at == e->nlines && !*e->lines[at - 1].eol)
        e->lines[at - 1].eol = e->eol;
    e->lines = xreallocarray(e->lines, e->nlines + 1, sizeof *e->lines);
    memmove(&e->lines[at + 1], &e->lines[at], (e->nlines - at) * sizeof *e->lines);
    e->lines[at].text = text;
    e->lines[at].eol = e->eol;
    e->nlines++;
}

static void remove_lines(config_edit *e, size_t from, size_t to)
{
    if (from == to)
        return;
    for (size_t i = from; i < to; i++)
        secure_free_str(e->lines[i].text);
    memmove(&e->lines[from], &e->lines[to], (e->nlines - to) * sizeof *e->lines);
    e->nlines -= to - from;
}

static bool check_value(const char *v, char *err, size_t errlen, const char *key)
{
    size_t n = strlen(v);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            snprintf(err, errlen, "%s: the value has a control character or a line break", key);
            return false;
        }
    }
    if (!utf8_valid(v, n)) {
        snprintf(err, errlen, "%s: the value is not valid UTF-8", key);
        return false;
    }
    return true;
}

/* The value as the tokenizer reads it back: bare when that is unambiguous. */
static void put_value(buf_t *b, const char *v)
{
    size_t n = strlen(v);
    bool quote = n == 0 || is_ws(v[0]) || is_ws(v[n - 1]) || v[0] == '"' || strpbrk(v, "#;");
    if (!quote) {
        buf_puts(b, v);
        return;
    }
    buf_putc(b, '"');
    for (const char *p = v; *p; p++) {
        if (*p == '"' || *p == '\\')
            buf_putc(b, '\\');
        buf_putc(b, *p);
    }
    buf_putc(b, '"');
}

static bool check_key(const char *key, char *err, size_t errlen)
{
    bool ok = *key != '\0';
    for (const char *p = key; *p && ok; p++)
        ok = is_key_char(*p);
    if (!ok)
        snprintf(err, errlen, "'%.64s' is not a key name (letters, digits, '_', '-', '.')", key);
    return ok;
}

static bool check_section(const char *kind, const char *name, char *err, size_t errlen)
{
    if (!check_key(kind, err, errlen))
        return false;
    if (!name)
        return true;
    bool ok = *name != '\0' && utf8_valid(name, strlen(name));
    for (const unsigned char *p = (const unsigned char *)name; *p && ok; p++)
        ok = *p > 0x20 && *p != 0x7f && !strchr("[]\"#;", *p);
    if (!ok)
        snprintf(err, errlen,
                 "a section name cannot be empty or hold spaces, control characters or any of "
                 "[ ] \" # ;");
    return ok;
}

static char *kv_line(const char *indent, size_t indentlen, const char *key, const char *value)
{
    buf_t b = BUF_INIT(INI_MAX_FILE);
    buf_append(&b, indent, indentlen);
    buf_printf(&b, "%s = ", key);
    put_value(&b, value);
    return buf_steal(&b);
}

/* ---- public API: reading ---------------------------------------------------- */

const char *config_edit_path(const config_edit *e)
{
    return e->path;
}

const char *config_edit_text(const config_edit *e, size_t *len)
{
    config_edit *m = (config_edit *)e; /* the cache is not part of the value */
    buf_free_secure(&m->text);
    buf_init(&m->text, (size_t)INI_MAX_FILE * 4);
    if (e->bom)
        buf_puts(&m->text, "\xEF\xBB\xBF");
    for (size_t i = 0; i < e->nlines; i++) {
        buf_puts(&m->text, e->lines[i].text);
        buf_puts(&m->text, e->lines[i].eol);
    }
    if (len)
        *len = m->text.len;
    return buf_cstr(&m->text);
}

bool config_edit_has_section(const config_edit *e, const char *kind, const char *name)
{
    return section_span(e, kind, name).found;
}

char *config_edit_get(const config_edit *e, const char *kind, const char *name, const char *key)
{
    span s = section_span(e, kind, name);
    size_t i = s.found ? find_key(e, &s, key) : e->nlines;
    if (i == e->nlines)
        return NULL;
    const char *t = e->lines[i].text;
    size_t vs, ve;
    bool quoted;
    kv_value_span(t, &vs, &ve, &quoted);
    if (!quoted)
        return xstrndup(t + vs, ve - vs);
    char *out = xmalloc(ve - vs + 1);
    size_t n = 0;
    for (size_t j = vs + 1; j + 1 < ve; j++) {
        if (t[j] == '\\' && j + 2 < ve)
            j++;
        out[n++] = t[j];
    }
    out[n] = '\0';
    return out;
}

char **config_edit_section_names(const config_edit *e, const char *kind, size_t *n)
{
    char **names = NULL;
    *n = 0;
    for (size_t i = next_header(e, 0); i < e->nlines; i = next_header(e, i + 1)) {
        const char *s = skip_ws(e->lines[i].text) + 1;
        const char *close = strchr(s, ']');
        s = skip_ws(s);
        const char *k = s;
        while (s < close && !is_ws(*s))
            s++;
        if ((size_t)(s - k) != strlen(kind) || memcmp(k, kind, (size_t)(s - k)))
            continue;
        while (s < close && is_ws(*s))
            s++;
        const char *nm = s;
        while (s < close && !is_ws(*s))
            s++;
        if (s == nm)
            continue;
        names = xreallocarray(names, *n + 1, sizeof *names);
        names[(*n)++] = xstrndup(nm, (size_t)(s - nm));
    }
    return names;
}

void config_edit_free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* ---- public API: editing ---------------------------------------------------- */

bool config_edit_add_section(config_edit *e, const char *kind, const char *name,
                             const char *const *keys, const char *const *values, size_t n,
                             char *err, size_t errlen)
{
    if (!check_section(kind, name, err, errlen))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!check_key(keys[i], err, errlen) || !check_value(values[i], err, errlen, keys[i]))
            return false;
    if (section_span(e, kind, name).found) {
        snprintf(err, errlen, "[%s%s%.200s] already exists", kind, name ? " " : "",
                 name ? name : "");
        return false;
    }
    /* After the last section of the same kind, else at the end. */
    size_t at = e->nlines;
    for (size_t i = next_header(e, 0); i < e->nlines; i = next_header(e, i + 1)) {
        size_t k;
        const char *s = skip_ws(e->lines[i].text) + 1;
        s = skip_ws(s);
        k = strcspn(s, " \t]");
        if (k == strlen(kind) && !memcmp(s, kind, k)) {
            size_t stop = next_header(e, i + 1);
            at = stop < e->nlines ? described_from(e, stop) : e->nlines;
        }
    }
    /* Trailing blank lines stay after the new section. */
    if (at == e->nlines)
        while (at > 0 && classify(e->lines[at - 1].text) == L_BLANK)
            at--;
    if (at > 0 && classify(e->lines[at - 1].text) != L_BLANK)
        insert_line(e, at++, xstrdup(""));
    buf_t h = BUF_INIT(INI_MAX_LINE * 2);
    buf_printf(&h, "[%s%s%s]", kind, name ? " " : "", name ? name : "");
    insert_line(e, at++, buf_steal(&h));
    for (size_t i = 0; i < n; i++)
        insert_line(e, at++, kv_line("", 0, keys[i], values[i]));
    if (at < e->nlines && classify(e->lines[at].text) != L_BLANK)
        insert_line(e, at, xstrdup(""));
    return true;
}

bool config_edit_remove_section(config_edit *e, const char *kind, const char *name, char *err,
                                size_t errlen)
{
    span s = section_span(e, kind, name);
    if (!s.found || is_global(kind)) {
        snprintf(err, errlen, "[%s%s%.200s] does not exist", kind ? kind : "", name ? " " : "",
                 name ? name : "");
        return false;
    }
    size_t from = described_from(e, s.header);
    remove_lines(e, from, s.end);
    if (from == e->nlines) {
        /* The last section: the blank lines that separated it go too. */
        while (e->nlines > 0 && classify(e->lines[e->nlines - 1].text) == L_BLANK)
            remove_lines(e, e->nlines - 1, e->nlines);
        if (e->nlines > 0 && !*e->lines[e->nlines - 1].eol)
            e->lines[e->nlines - 1].eol = e->eol;
    } else if (from > 0 && classify(e->lines[from - 1].text) == L_BLANK &&
               classify(e->lines[from].text) == L_BLANK) {
        remove_lines(e, from, from + 1); /* one blank line between neighbours, not two */
    }
    return true;
}

bool config_edit_set(config_edit *e, const char *kind, const char *name, const char *key,
                     const char *value, char *err, size_t errlen)
{
    if (!check_key(key, err, errlen) || !check_value(value, err, errlen, key))
        return false;
    span s = section_span(e, kind, name);
    if (!s.found) {
        snprintf(err, errlen, "[%s%s%.200s] does not exist", kind, name ? " " : "",
                 name ? name : "");
        return false;
    }
    size_t i = find_key(e, &s, key);
    if (i < e->nlines) {
        const char *t = e->lines[i].text;
        size_t vs, ve;
        bool quoted;
        kv_value_span(t, &vs, &ve, &quoted);
        buf_t b = BUF_INIT(INI_MAX_FILE);
        buf_append(&b, t, vs);
        if (vs > 0 && !is_ws(t[vs - 1]))
            buf_putc(&b, ' ');
        put_value(&b, value);
        buf_puts(&b, t + ve);
        secure_free_str(e->lines[i].text);
        e->lines[i].text = buf_steal(&b);
        return true;
    }
    /* A new line after the section's last key, indented like it. */
    size_t last = e->nlines;
    for (size_t j = s.body; j < s.end; j++)
        if (classify(e->lines[j].text) == L_KV)
            last = j;
    size_t at = last < e->nlines ? last + 1 : (s.header < e->nlines ? s.body : s.end);
    const char *indent = last < e->nlines ? e->lines[last].text : "";
    insert_line(e, at, kv_line(indent, (size_t)(skip_ws(indent) - indent), key, value));
    return true;
}

bool config_edit_unset(config_edit *e, const char *kind, const char *name, const char *key)
{
    span s = section_span(e, kind, name);
    size_t i = s.found ? find_key(e, &s, key) : e->nlines;
    if (i == e->nlines)
        return false;
    remove_lines(e, i, i + 1);
    return true;
}

/* ---- opening ---------------------------------------------------------------- */

static bool read_fd(int fd, const char *path, char **out, size_t *outlen, char *err, size_t errlen)
{
    size_t cap = 4096, n = 0;
    char *data = xmalloc(cap);
    for (;;) {
        if (n == cap) {
            if (cap > INI_MAX_FILE) {
                snprintf(err, errlen, "%s: file is larger than 1 MiB", path);
                secure_wipe(data, n);
                free(data);
                return false;
            }
            char *nd = xmalloc(cap * 2);
            memcpy(nd, data, n);
            secure_wipe(data, n);
            free(data);
            data = nd;
            cap *= 2;
        }
        ssize_t r = read(fd, data + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
            secure_wipe(data, n);
            free(data);
            return false;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    *out = data;
    *outlen = n;
    return true;
}

static void split_lines(config_edit *e, const char *text, size_t len)
{
    const char *s = text, *end = text + len;
    if (len >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3)) {
        e->bom = true;
        s += 3;
    }
    e->eol = NULL;
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *le = nl ? nl : end;
        const char *eol = "";
        if (nl)
            eol = (le > s && le[-1] == '\r') ? "\r\n" : "\n";
        if (nl && le > s && le[-1] == '\r')
            le--;
        e->lines = xreallocarray(e->lines, e->nlines + 1, sizeof *e->lines);
        e->lines[e->nlines].text = xstrndup(s, (size_t)(le - s));
        e->lines[e->nlines].eol = eol;
        e->nlines++;
        if (!e->eol && *eol)
            e->eol = eol;
        s = nl ? nl + 1 : end;
    }
    if (!e->eol)
        e->eol = "\n";
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Opens and locks the file the path names now (a rename by another run may
 * have replaced the one it named when we opened it). */
static int open_locked(const char *path, char *err, size_t errlen)
{
    long waited = 0;
    for (;;) {
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
            snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
            return -1;
        }
        struct stat fst, pst;
        if (fstat(fd, &fst) != 0 || !S_ISREG(fst.st_mode)) {
            snprintf(err, errlen, "%s: not a regular file", path);
            close(fd);
            return -1;
        }
        while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            if (errno != EWOULDBLOCK && errno != EINTR) {
                snprintf(err, errlen, "%s: cannot lock: %s", path, strerror(errno));
                close(fd);
                return -1;
            }
            if (waited >= LOCK_WAIT_MS) {
                snprintf(err, errlen,
                         "%s: another ddbsql-admin has been editing it for %ld s; try again "
                         "when it is done",
                         path, waited / 1000);
                close(fd);
                return -1;
            }
            sleep_ms(50);
            waited += 50;
        }
        if (stat(path, &pst) == 0 && pst.st_dev == fst.st_dev && pst.st_ino == fst.st_ino)
            return fd;
        close(fd); /* replaced while we waited: lock the new file */
    }
}

bool config_edit_open(const char *path, config_edit **out, char *err, size_t errlen)
{
    *out = NULL;
    char *real = realpath(path, NULL);
    if (!real) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return false;
    }
    int fd = open_locked(real, err, errlen);
    if (fd < 0) {
        free(real);
        return false;
    }
    char *text;
    size_t len;
    if (!read_fd(fd, real, &text, &len, err, errlen)) {
        close(fd);
        free(real);
        return false;
    }
    /* Only a file the tokenizer accepts is edited: its lines are then known
     * to be blank, comments, headers or key lines. */
    ini_file f;
    bool ok = ini_parse(real, text, len, &f, err, errlen);
    if (ok)
        ini_free(&f);
    config_edit *e = xcalloc(1, sizeof *e);
    e->path = real;
    e->fd = fd;
    buf_init(&e->text, 0);
    if (ok)
        split_lines(e, text, len);
    secure_wipe(text, len);
    free(text);
    if (!ok) {
        config_edit_free(e);
        return false;
    }
    *out = e;
    return true;
}

void config_edit_free(config_edit *e)
{
    if (!e)
        return;
    remove_lines(e, 0, e->nlines);
    free(e->lines);
    buf_free_secure(&e->text);
    if (e->fd >= 0)
        close(e->fd); /* releases the lock */
    free(e->path);
    free(e);
}

/* ---- committing ------------------------------------------------------------- */

static bool write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* The loader's message about the temp file, told about the real one. */
static void retarget(const char *msg, const char *tmp, const char *real, char *out, size_t outlen)
{
    buf_t b = BUF_INIT(outlen ? outlen - 1 : 0);
    size_t tl = strlen(tmp);
    for (const char *p = msg; *p;) {
        const char *hit = strstr(p, tmp);
        if (!hit) {
            buf_puts(&b, p);
            break;
        }
        buf_append(&b, p, (size_t)(hit - p));
        buf_puts(&b, real);
        p = hit + tl;
    }
    snprintf(out, outlen, "%s", buf_cstr(&b));
    buf_free(&b);
}

bool config_edit_commit(config_edit *e, char *err, size_t errlen)
{
    size_t len;
    const char *text = config_edit_text(e, &len);
    if (len > INI_MAX_FILE) {
        snprintf(err, errlen, "%s: the result would be larger than 1 MiB; not written", e->path);
        return false;
    }
    struct stat st;
    if (fstat(e->fd, &st) != 0) {
        snprintf(err, errlen, "%s: cannot stat: %s", e->path, strerror(errno));
        return false;
    }
    const char *slash = strrchr(e->path, '/');
    size_t dlen = slash ? (size_t)(slash - e->path) : 0;
    char *dir = dlen ? xstrndup(e->path, dlen) : xstrdup(slash ? "/" : ".");
    buf_t tb = BUF_INIT(PATH_MAX * 2);
    buf_printf(&tb, "%s/.%s.tmp-XXXXXX", dlen ? dir : (slash ? "" : "."),
               slash ? slash + 1 : e->path);
    char *tmp = buf_steal(&tb);
    bool ok = false;
    int fd = mkstemp(tmp); /* mode 0600: nothing is readable by others meanwhile */
    if (fd < 0) {
        snprintf(err, errlen,
                 "cannot create a temporary file in %s: %s (ddbsql-admin writes the new config "
                 "next to the old one, then renames it)",
                 dir, strerror(errno));
        goto out;
    }
    if ((st.st_uid != geteuid() || st.st_gid != getegid()) &&
        fchown(fd, st.st_uid, st.st_gid) != 0) {
        snprintf(err, errlen,
                 "%s: cannot give the new file the owner and group of the old one (uid %u, gid "
                 "%u): %s; run ddbsql-admin as root or as the file's owner",
                 e->path, (unsigned)st.st_uid, (unsigned)st.st_gid, strerror(errno));
        goto drop;
    }
    if (!write_all(fd, text, len) || fsync(fd) != 0) {
        snprintf(err, errlen, "%s: cannot write: %s", tmp, strerror(errno));
        goto drop;
    }
    if (fchmod(fd, st.st_mode & 07777) != 0) {
        snprintf(err, errlen, "%s: cannot set mode %04o: %s", tmp, (unsigned)(st.st_mode & 07777),
                 strerror(errno));
        goto drop;
    }
    config cfg;
    char lerr[2048];
    if (!config_load(tmp, &cfg, lerr, sizeof lerr)) {
        char msg[2048];
        retarget(lerr, tmp, e->path, msg, sizeof msg);
        snprintf(err, errlen, "the change was not written, because the result would not load: %s",
                 msg);
        goto drop;
    }
    config_free(&cfg);
    /* Lock the new file before it has a name anyone else can open. */
    if (flock(fd, LOCK_EX | LOCK_NB) != 0 || rename(tmp, e->path) != 0) {
        snprintf(err, errlen, "%s: cannot replace it: %s", e->path, strerror(errno));
        goto drop;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)fsync(dfd); /* the rename is durable */
        close(dfd);
    }
    close(e->fd);
    e->fd = fd;
    fd = -1;
    ok = true;
    goto out;
drop:
    unlink(tmp);
out:
    if (fd >= 0)
        close(fd);
    free(tmp);
    free(dir);
    return ok;
}
