/* Rate limits on sign-in attempts, per user name and per client address,
 * in Redis (fixed windows: a counter with an expiry set by the window's
 * first attempt). An attempt is reserved before the password is checked,
 * atomically with the check of both limits, so concurrent guesses cannot
 * slip past the limit; a successful sign-in hands the attempt back and
 * clears the user's counter.
 *
 *   <prefix>rl:login-user:<hex sha256(user)>   failed attempts in the window
 *   <prefix>rl:login-ip:<hex sha256(address)>  IPv6: the /64 the address is in
 *
 * When a limit is used up the answer is RATE_LOCKED with the seconds left in
 * the window ("try again in N seconds"). Unknown user names are counted
 * like known ones, so the answers do not tell which names exist. A per-user
 * limit lets anyone lock a user out for a window; the window is short and
 * the per-address limit stops one address from doing it to many users.
 * RATE_STORE_ERROR (Redis down) is for the caller to answer 503. */
#ifndef DDBSQL_OAUTH_RATE_LIMIT_H
#define DDBSQL_OAUTH_RATE_LIMIT_H

#include "../core/store/redis_store.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct rate_limit_conf {
    int max_per_user;   /* attempts per user name per window; <= 0: no limit */
    int max_per_addr;   /* attempts per client address per window; <= 0: no limit */
    int window_seconds; /* >= 1 */
} rate_limit_conf;

typedef enum {
    RATE_OK = 0,
    RATE_LOCKED,      /* *retry_after seconds until the window ends */
    RATE_STORE_ERROR, /* Redis failed: 503 */
} rate_status;

/* Which limit locked (for the log; the page says the same either way). */
typedef enum {
    RATE_BY_NONE = 0,
    RATE_BY_USER = 1,
    RATE_BY_ADDR = 2,
    RATE_BY_BOTH = 3,
} rate_by;

/* Reserves one attempt for user and addr (REMOTE_ADDR; "" when unknown),
 * or says how long they are locked. retry_after and by may be NULL. */
rate_status rate_limit_login_attempt(redis_store *r, const rate_limit_conf *c, const char *user,
                                     const char *addr, int *retry_after, rate_by *by, char *err,
                                     size_t errlen);

/* After a correct password: clears the user's counter and hands back the
 * address's attempt. */
rate_status rate_limit_login_success(redis_store *r, const rate_limit_conf *c, const char *user,
                                     const char *addr, char *err, size_t errlen);

/* The address a limit counts: IPv4 as is, IPv4-mapped IPv6 as IPv4, other
 * IPv6 as its /64 ("2001:db8:1:2::/64"); anything else as given. */
void rate_limit_addr_bucket(const char *addr, char *out, size_t outlen);

#endif
