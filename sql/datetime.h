/* Dates and times for the SQL functions (EXTRACT, DATE_TRUNC, CURRENT_*).
 * DynamoDB has no date type: dates are ISO-8601 strings or epoch numbers,
 * and this module reads both.
 *
 * Strings: 'YYYY-MM-DD' (a date), or 'YYYY-MM-DD' 'T' (or 't' or one space)
 * 'HH:MM[:SS[.fraction]]' with an optional zone 'Z', '+HH:MM', '-HH:MM',
 * '+HHMM' or '+HH' (a timestamp). Surrounding spaces are ignored. Years are
 * 0000..9999. A timestamp with an offset is the instant it names, so
 * '2024-01-01T02:00:00+02:00' is 2024-01-01T00:00:00Z; one without a zone is
 * taken as UTC. Every field and every result is in UTC.
 *
 * Numbers: seconds since 1970-01-01T00:00:00Z (fractions kept exactly);
 * a magnitude above 1e11 (about year 5138 in seconds) is taken as
 * milliseconds, so both common epoch encodings work.
 *
 * The calendar is the proleptic Gregorian one, computed by hand
 * (days-from-civil), never through the C library's locale or TZ. */
#ifndef DDBSQL_SQL_DATETIME_H
#define DDBSQL_SQL_DATETIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sql/decimal.h"

/* Seconds of 0000-01-01T00:00:00Z and of 9999-12-31T23:59:59Z. */
#define DT_MIN_SEC (-INT64_C(62167219200))
#define DT_MAX_SEC INT64_C(253402300799)

typedef enum dt_form {
    DT_DATE,      /* 'YYYY-MM-DD' */
    DT_TIMESTAMP, /* 'YYYY-MM-DDTHH:MM:SS...' */
    DT_EPOCH_S,   /* a NUMBER of seconds */
    DT_EPOCH_MS,  /* a NUMBER of milliseconds */
} dt_form;

/* An instant, and the form it was written in (so a result can be written
 * back the same way). */
typedef struct dt_time {
    int64_t sec; /* UTC seconds since the epoch, floored; DT_MIN_SEC..DT_MAX_SEC */
    dec_t frac;  /* the fraction of a second, 0 <= frac < 1, exact (keeps its scale) */
    dt_form form;
    /* DT_TIMESTAMP only: how it was written */
    char sep;        /* 'T' or ' ' */
    int frac_digits; /* digits after the seconds' point (0: none) */
    bool zone;       /* it had a zone ('Z' or an offset) */
} dt_time;

/* The accepted formats, for error messages. */
#define DT_FORMATS                                                                                 \
    "'YYYY-MM-DD', 'YYYY-MM-DDTHH:MM[:SS[.fff]][Z|+HH:MM|-HH:MM]' (a space may replace the T) "    \
    "or an epoch NUMBER (seconds, or milliseconds above 1e11)"

/* Days since 1970-01-01 of a proleptic Gregorian date (any year, month
 * 1..12, day 1..31), and back. */
int64_t dt_days_from_civil(int64_t y, int m, int d);
void dt_civil_from_days(int64_t days, int64_t *y, int *m, int *d);
bool dt_is_leap(int64_t y);
int dt_days_in_month(int64_t y, int m);

/* Parses an ISO-8601 string (see above). On failure writes why ("month 13
 * is not 1..12", "not a date") into err. */
bool dt_parse(const char *s, size_t len, dt_time *out, char *err, size_t errlen);
/* An epoch number (seconds, or milliseconds above 1e11 in magnitude). */
bool dt_from_epoch(const dec_t *n, dt_time *out, char *err, size_t errlen);
/* A timestamp from epoch milliseconds, written 'YYYY-MM-DDTHH:MM:SS.mmmZ'
 * (CURRENT_TIMESTAMP); as_date makes it the day's date (CURRENT_DATE). */
bool dt_from_ms(int64_t ms, bool as_date, dt_time *out);

typedef enum dt_field {
    DT_F_YEAR,
    DT_F_QUARTER,
    DT_F_MONTH,
    DT_F_WEEK, /* ISO 8601 week (1..53; weeks start on Monday) */
    DT_F_DAY,
    DT_F_HOUR,
    DT_F_MINUTE,
    DT_F_SECOND, /* with the fraction, exact */
    DT_F_DOW,    /* 0 = Sunday .. 6 = Saturday */
    DT_F_DOY,    /* 1..366 */
    DT_F_EPOCH,  /* seconds since the epoch, with the fraction */
    DT_F_COUNT_
} dt_field;

/* The field named s (case-insensitive), or false. */
bool dt_field_parse(const char *s, size_t len, dt_field *out);
const char *dt_field_name(dt_field f);
/* "YEAR, QUARTER, ..." for error messages. */
#define DT_EXTRACT_FIELDS "YEAR, QUARTER, MONTH, WEEK, DAY, HOUR, MINUTE, SECOND, DOW, DOY, EPOCH"
#define DT_TRUNC_UNITS    "YEAR, QUARTER, MONTH, WEEK, DAY, HOUR, MINUTE, SECOND"
/* Whether DATE_TRUNC accepts the field as a unit. */
bool dt_field_truncates(dt_field f);

/* EXTRACT(f FROM t). */
void dt_extract(const dt_time *t, dt_field f, dec_t *out);
/* DATE_TRUNC(unit, t): the start of t's unit, in t's form (a date stays a
 * date). False when the unit is not a truncation unit or the result falls
 * before year 0000 (a WEEK starting in year -1). */
bool dt_trunc(const dt_time *t, dt_field unit, dt_time *out);

/* Writes a DT_DATE or DT_TIMESTAMP: a date as 'YYYY-MM-DD'; a timestamp
 * with its own separator and fraction digits, in UTC, ending in 'Z' when it
 * had a zone. Returns the length. */
#define DT_STR_MAX 64
size_t dt_format(const dt_time *t, char out[DT_STR_MAX]);
/* A DT_EPOCH_S or DT_EPOCH_MS as its number (seconds or milliseconds,
 * fraction included). */
void dt_to_epoch(const dt_time *t, dec_t *out);

#endif
