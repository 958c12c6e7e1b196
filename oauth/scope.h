/* OAuth scopes (RFC 6749 §3.3): parsing a space-delimited scope string,
 * set operations for the token endpoint (granted = requested ∩ allowed,
 * narrowing on refresh), and ddbsql's two known scopes as a bit set for
 * the resource server:
 *
 *   query         run_sql
 *   schemas:read  list_tables, describe_table (and the schema resources)
 *
 * A scope list keeps the order of first appearance and holds no duplicate.
 * Unknown scope names are kept in lists (the token endpoint decides what to
 * do with them) but have no bit. */
#ifndef DDBSQL_OAUTH_SCOPE_H
#define DDBSQL_OAUTH_SCOPE_H

#include <stdbool.h>
#include <stddef.h>

/* The known scopes as bits. With `auth = none` every scope is granted. */
#define SCOPE_QUERY        1u
#define SCOPE_SCHEMAS_READ 2u
#define SCOPE_ALL          (SCOPE_QUERY | SCOPE_SCHEMAS_READ)

#define SCOPE_NAME_QUERY        "query"
#define SCOPE_NAME_SCHEMAS_READ "schemas:read"
/* Every known scope in canonical order, as discovery documents and
 * challenges list them. */
#define SCOPES_SUPPORTED "query schemas:read"

/* Limits on a parsed scope string (a request parameter or a token claim). */
#define SCOPE_MAX_LEN       1024 /* the whole string */
#define SCOPE_MAX_TOKEN_LEN 128  /* one scope */
#define SCOPE_MAX_TOKENS    32
/* Big enough for scope_bits_format of any bit set, NUL included. */
#define SCOPE_BITS_STR_MAX 32

typedef struct scope_list {
    char **items;
    size_t n;
} scope_list;

/* Parses "a b c": scope tokens of RFC 6749 §3.3 characters (%x21 / %x23-5B
 * / %x5D-7E, i.e. printable ASCII but '"' and '\'), separated by exactly one
 * space. "" gives an empty list. Duplicates are dropped. On failure returns
 * false, leaves out empty (safe to free) and says what is wrong in err
 * without quoting the input (it may come from an untrusted token). */
bool scope_parse(const char *s, scope_list *out, char *err, size_t errlen);
void scope_list_free(scope_list *l);

bool scope_list_has(const scope_list *l, const char *scope);
/* Appends a copy of scope unless already present. The caller validates it. */
void scope_list_add(scope_list *l, const char *scope);
/* out = a ∩ b, in a's order. out must not be a or b. */
void scope_intersect(const scope_list *a, const scope_list *b, scope_list *out);
/* True when every scope of a is in b (the empty list is a subset of any). */
bool scope_is_subset(const scope_list *a, const scope_list *b);
/* "a b c" (malloc'd; "" for the empty list). */
char *scope_join(const scope_list *l);

/* The bit of a known scope name, 0 otherwise (exact, case-sensitive). */
unsigned scope_bit(const char *name);
/* The known scopes of a list as bits. */
unsigned scope_bits(const scope_list *l);
/* The names of the bits in canonical order, space-separated ("" for 0). */
void scope_bits_format(unsigned bits, char out[SCOPE_BITS_STR_MAX]);

/* The scope a tool needs: run_sql -> SCOPE_QUERY, list_tables and
 * describe_table -> SCOPE_SCHEMAS_READ; 0 for a name that is no tool. The
 * tool registry (core/mcp/tools.h) carries the same value per tool. */
unsigned scope_for_tool(const char *tool);

#endif
