/* Clocks and timestamp formatting. */
#ifndef DDBSQL_TIMEUTIL_H
#define DDBSQL_TIMEUTIL_H

#include <stdbool.h>
#include <stdint.h>

/* Milliseconds on a monotonic clock: for durations and deadlines. */
int64_t mono_ms(void);
/* Wall clock, milliseconds since the Unix epoch. */
int64_t wall_ms(void);
/* "2026-11-24T14:18:03.123Z" (24 chars + NUL). */
#define ISO8601_LEN 25
void iso8601_ms(int64_t unix_ms, char out[ISO8601_LEN]);
/* Parses "YYYY-MM-DDTHH:MM:SS[.fff]Z" (as AWS returns expirations).
 * Returns false on anything else. */
bool iso8601_parse(const char *s, int64_t *unix_ms);
/* Sleeps, returning early on signal. */
void sleep_ms(int64_t ms);

#endif
