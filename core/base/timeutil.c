#include "timeutil.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void iso8601_ms(int64_t unix_ms, char out[ISO8601_LEN])
{
    time_t secs = (time_t)(unix_ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    /* Fields are in range by construction; the wide buffer only silences
     * the compiler's worst-case width analysis. */
    char tmp[96];
    int ms = (int)(unix_ms % 1000);
    snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms < 0 ? 0 : ms);
    memcpy(out, tmp, ISO8601_LEN - 1);
    out[ISO8601_LEN - 1] = '\0';
}

/* Reads exactly n ASCII digits (sscanf's %d would also take signs,
 * spaces and short fields). */
static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

static int days_in_month(int year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : days[month - 1];
}

bool iso8601_parse(const char *s, int64_t *unix_ms)
{
    int year, mon, day, hour, min, sec, ms = 0;
    /* strnlen guards the fixed-position reads below against short input. */
    if (strnlen(s, 20) < 20 || !digits(s, 4, &year) || s[4] != '-' || !digits(s + 5, 2, &mon) ||
        s[7] != '-' || !digits(s + 8, 2, &day) || s[10] != 'T' || !digits(s + 11, 2, &hour) ||
        s[13] != ':' || !digits(s + 14, 2, &min) || s[16] != ':' || !digits(s + 17, 2, &sec))
        return false;
    const char *p = s + 19;
    if (*p == '.') {
        int ndigits = 0;
        for (p++; *p >= '0' && *p <= '9'; p++, ndigits++)
            if (ndigits < 3)
                ms = ms * 10 + (*p - '0');
        if (ndigits == 0)
            return false;
        for (; ndigits < 3; ndigits++)
            ms *= 10;
    }
    if (strcmp(p, "Z") != 0)
        return false;
    /* A leap second (:60) is accepted and folds into the next minute. */
    if (mon < 1 || mon > 12 || day < 1 || day > days_in_month(year, mon) || hour > 23 || min > 59 ||
        sec > 60)
        return false;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = year - 1900;
    tm.tm_mon = mon - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = min;
    tm.tm_sec = sec;
    /* Every field is in range, so timegm cannot fail with a 64-bit time_t. */
    time_t t = timegm(&tm);
    *unix_ms = (int64_t)t * 1000 + ms;
    return true;
}

void sleep_ms(int64_t ms)
{
    if (ms <= 0)
        return;
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}
