#include "scope.h"

#include "../core/base/alloc.h"
#include "../core/base/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    unsigned bit;
} KNOWN[] = {
    {SCOPE_NAME_QUERY, SCOPE_QUERY},
    {SCOPE_NAME_SCHEMAS_READ, SCOPE_SCHEMAS_READ},
};
#define NKNOWN (sizeof KNOWN / sizeof KNOWN[0])

static const struct {
    const char *tool;
    unsigned scope;
} TOOLS[] = {
    {"run_sql", SCOPE_QUERY},
    {"list_tables", SCOPE_SCHEMAS_READ},
    {"describe_table", SCOPE_SCHEMAS_READ},
};

/* RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ) */
static bool scope_char(unsigned char c)
{
    return c == 0x21 || (c >= 0x23 && c <= 0x5b) || (c >= 0x5d && c <= 0x7e);
}

void scope_list_free(scope_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->n = 0;
}

bool scope_list_has(const scope_list *l, const char *scope)
{
    for (size_t i = 0; l && i < l->n; i++)
        if (strcmp(l->items[i], scope) == 0)
            return true;
    return false;
}

static void add_n(scope_list *l, const char *s, size_t len)
{
    for (size_t i = 0; i < l->n; i++)
        if (strlen(l->items[i]) == len && memcmp(l->items[i], s, len) == 0)
            return;
    l->items = xreallocarray(l->items, l->n + 1, sizeof *l->items);
    l->items[l->n++] = xstrndup(s, len);
}

void scope_list_add(scope_list *l, const char *scope)
{
    add_n(l, scope, strlen(scope));
}

bool scope_parse(const char *s, scope_list *out, char *err, size_t errlen)
{
    out->items = NULL;
    out->n = 0;
    size_t len = strlen(s);
    if (len > SCOPE_MAX_LEN) {
        snprintf(err, errlen, "the scope is longer than %d characters", SCOPE_MAX_LEN);
        return false;
    }
    size_t pos = 0, count = 0;
    while (pos < len) {
        size_t start = pos;
        while (pos < len && s[pos] != ' ') {
            if (!scope_char((unsigned char)s[pos])) {
                snprintf(err, errlen,
                         "the scope has a character that is not allowed at offset %zu (scopes "
                         "are printable ASCII other than '\"' and '\\', separated by one space)",
                         pos);
                scope_list_free(out);
                return false;
            }
            pos++;
        }
        if (pos == start) {
            snprintf(err, errlen,
                     "the scope has an empty entry at offset %zu (scopes are separated by "
                     "exactly one space, with none before the first or after the last)",
                     pos);
            scope_list_free(out);
            return false;
        }
        if (pos - start > SCOPE_MAX_TOKEN_LEN) {
            snprintf(err, errlen, "a scope is longer than %d characters", SCOPE_MAX_TOKEN_LEN);
            scope_list_free(out);
            return false;
        }
        if (++count > SCOPE_MAX_TOKENS) {
            snprintf(err, errlen, "the scope names more than %d scopes", SCOPE_MAX_TOKENS);
            scope_list_free(out);
            return false;
        }
        add_n(out, s + start, pos - start);
        if (pos < len) {
            pos++; /* the separator */
            if (pos == len) {
                snprintf(err, errlen,
                         "the scope ends with a space (scopes are separated by exactly one "
                         "space, with none after the last)");
                scope_list_free(out);
                return false;
            }
        }
    }
    return true;
}

void scope_intersect(const scope_list *a, const scope_list *b, scope_list *out)
{
    out->items = NULL;
    out->n = 0;
    for (size_t i = 0; i < a->n; i++)
        if (scope_list_has(b, a->items[i]))
            scope_list_add(out, a->items[i]);
}

bool scope_is_subset(const scope_list *a, const scope_list *b)
{
    for (size_t i = 0; i < a->n; i++)
        if (!scope_list_has(b, a->items[i]))
            return false;
    return true;
}

char *scope_join(const scope_list *l)
{
    /* Bounded by the parse limits; lists built with scope_list_add are the
     * caller's and may be longer, so the bound is generous. */
    buf_t b = BUF_INIT((size_t)64 * 1024);
    for (size_t i = 0; i < l->n; i++)
        if (!buf_printf(&b, "%s%s", i ? " " : "", l->items[i]))
            break;
    return buf_steal(&b);
}

unsigned scope_bit(const char *name)
{
    for (size_t i = 0; name && i < NKNOWN; i++)
        if (strcmp(name, KNOWN[i].name) == 0)
            return KNOWN[i].bit;
    return 0;
}

unsigned scope_bits(const scope_list *l)
{
    unsigned bits = 0;
    for (size_t i = 0; l && i < l->n; i++)
        bits |= scope_bit(l->items[i]);
    return bits;
}

void scope_bits_format(unsigned bits, char out[SCOPE_BITS_STR_MAX])
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < NKNOWN; i++) {
        if (!(bits & KNOWN[i].bit))
            continue;
        int w = snprintf(out + o, SCOPE_BITS_STR_MAX - o, "%s%s", o ? " " : "", KNOWN[i].name);
        if (w < 0 || (size_t)w >= SCOPE_BITS_STR_MAX - o)
            break; /* cannot happen: the buffer fits every known name */
        o += (size_t)w;
    }
}

unsigned scope_for_tool(const char *tool)
{
    for (size_t i = 0; tool && i < sizeof TOOLS / sizeof TOOLS[0]; i++)
        if (strcmp(tool, TOOLS[i].tool) == 0)
            return TOOLS[i].scope;
    return 0;
}
