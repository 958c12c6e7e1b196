/* Scalar functions of the dialect. The binder looks a name up (fn_lookup)
 * and checks the argument count; the evaluator calls fn_call with the
 * evaluated arguments. COALESCE is evaluated lazily by the evaluator itself
 * (it stops at the first non-NULL argument); fn_call still handles it, for
 * callers that evaluate every argument first.
 *
 * Conventions: a NULL argument gives NULL unless the function says
 * otherwise; a wrong type is an EXEC_ERR_SQL error that names the function,
 * the argument and what it needs ("SUBSTRING: argument 2 must be an integer
 * NUMBER, got STRING"). String positions are 1-based and count characters
 * (UTF-8 code points; an invalid byte counts as one character), as in SQL;
 * REPLACE, POSITION and CONTAINS match bytewise, which for valid UTF-8 is
 * matching characters. Numbers stay exact decimals: ABS, ROUND, FLOOR, CEIL
 * and MOD of NUMBERs give exact NUMBERs; a DOUBLE argument gives a DOUBLE.
 * Dates are ISO-8601 STRINGs or epoch NUMBERs (sql/datetime.h has the
 * formats); fields and results are in UTC. */
#ifndef DDBSQL_SQL_FUNCTIONS_H
#define DDBSQL_SQL_FUNCTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "sql/ast.h"
#include "sql/exec.h"
#include "sql/value.h"

/* The longest STRING a function builds (REPLACE, CONCAT): more is an error
 * rather than unbounded memory. */
#define FN_MAX_RESULT_BYTES (16 * 1024 * 1024)

typedef enum fn_id {
    FN_COALESCE,          /* (a, b, ...): the first non-NULL */
    FN_NULLIF,            /* (a, b): NULL when a = b, else a */
    FN_LOWER,             /* (s): ASCII letters only; other characters are kept as they are */
    FN_UPPER,             /* (s) */
    FN_LENGTH,            /* (s): characters; of a BINARY: bytes */
    FN_SUBSTRING,         /* (s, start [, count]): SQL semantics for start < 1 */
    FN_TRIM,              /* (s [, chars]): both ends; chars default ' ' */
    FN_LTRIM,             /* (s [, chars]): TRIM(LEADING ...) */
    FN_RTRIM,             /* (s [, chars]): TRIM(TRAILING ...) */
    FN_REPLACE,           /* (s, from, to); an empty from leaves s unchanged */
    FN_POSITION,          /* (needle, haystack): 1-based character index, 0 when absent */
    FN_ABS,               /* (n) */
    FN_ROUND,             /* (n [, digits]): half away from zero; digits may be negative */
    FN_FLOOR,             /* (n) */
    FN_CEIL,              /* (n); CEILING is an alias */
    FN_MOD,               /* (a, b): remainder with the sign of a; b = 0 is an error */
    FN_SIZE,              /* (x): elements of a LIST/set, entries of a MAP, characters of a
                             STRING, bytes of a BINARY; CARDINALITY is an alias */
    FN_CONTAINS,          /* (collection, v): TRUE when a LIST or set holds an element equal
                             to v, or a STRING contains the STRING v, or a BINARY the BINARY v
                             (DynamoDB's contains); FALSE for any other pair of types */
    FN_CURRENT_DATE,      /* (): 'YYYY-MM-DD' (UTC), fixed for the query (ctx->now_ms) */
    FN_CURRENT_TIMESTAMP, /* (): 'YYYY-MM-DDTHH:MM:SS.mmmZ' (UTC), fixed for the query; NOW is
                             an alias */
    FN_EXTRACT,           /* (field, t): field is a STRING constant (YEAR, MONTH, DAY, HOUR,
                             MINUTE, SECOND, DOW, DOY, WEEK, QUARTER, EPOCH); t an ISO-8601
                             STRING or an epoch NUMBER (seconds; > 1e11 taken as ms) */
    FN_DATE_TRUNC,        /* (unit, t): unit as for EXTRACT (YEAR..SECOND, WEEK, QUARTER);
                             gives an ISO-8601 STRING in t's own format (a date stays a date;
                             a timestamp keeps its separator and fraction digits, in UTC, with
                             Z when t had a zone or offset) or, for an epoch NUMBER, an epoch
                             NUMBER in the same unit */
    FN_TYPEOF,            /* (x): the value's type name ("NUMBER", "MAP", ...), never NULL */
    FN_CONCAT,            /* (a, ...): like ||, but NULL arguments are skipped */
    FN_COUNT_             /* number of ids */
} fn_id;

typedef struct fn_info {
    fn_id id;
    const char *name; /* upper case, as looked up */
    int min_args;
    int max_args;          /* -1: no maximum */
    const char *signature; /* for error messages and docs: "SUBSTRING(s, start [, count])" */
} fn_info;

/* The function called name (upper-case; aliases included), or NULL. */
const fn_info *fn_lookup(const char *name);
/* All canonical functions (for "did you mean" hints and docs). */
const fn_info *fn_all(size_t *n);

/* Calls fn on args[0..n) (borrowed). *out gets an owned value. False on
 * error (ctx has it, positioned at pos). */
bool fn_call(exec_ctx *ctx, fn_id fn, const value_t *args, size_t n, const sql_pos *pos,
             value_t *out);

#endif
