/* A hash set of SQL values (value_equal / value_hash: 1, 1.0 and the double
 * 1.0 are one element), for IN against a subquery or a long constant list.
 * It holds its own reference to every element. Growth is bounded by the
 * caller, which charges value_set_bytes to the query's memory account. */
#ifndef DDBSQL_SQL_VALUE_SET_H
#define DDBSQL_SQL_VALUE_SET_H

#include <stdbool.h>
#include <stddef.h>

#include "sql/value.h"

typedef struct value_set value_set;

value_set *value_set_new(void);
/* NULL is fine. */
void value_set_free(value_set *s);
/* Adds a copy of v unless an equal element is there; true when added.
 * *grew (may be NULL) receives the bytes the set grew by. */
bool value_set_add(value_set *s, const value_t *v, size_t *grew);
bool value_set_contains(const value_set *s, const value_t *v);
size_t value_set_count(const value_set *s);
/* An estimate of the memory the set holds. */
size_t value_set_bytes(const value_set *s);

#endif
