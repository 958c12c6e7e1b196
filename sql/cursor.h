/* run_sql's result cursors: stateless, tamper-proof tokens that say where
 * the next page of a result starts.
 *
 *   cursor = base64url(payload) "." base64url(HMAC-SHA-256(key, base64url(payload)))
 *   payload = {"v":1,"h":<base64url SHA-256 of the exact SQL text>,"s":<skip>,
 *              "k":<start key, optional>,"m":<max_rows>,"f":"rows"|"objects",
 *              "t":<issued at, Unix seconds>}
 *
 * Nothing is stored server-side, so any worker holding the same key accepts
 * a cursor another one issued. The tag is checked (in constant time) before
 * the payload is even parsed; a cursor is then refused when it was issued
 * for other SQL text, is older than CURSOR_TTL_S, or claims to come from the
 * future (beyond CURSOR_SKEW_S of clock skew between hosts). */
#ifndef DDBSQL_SQL_CURSOR_H
#define DDBSQL_SQL_CURSOR_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/base/crypto.h"

#define CURSOR_VERSION  1
#define CURSOR_TTL_S    3600
#define CURSOR_SKEW_S   300
#define CURSOR_MAX_TEXT 16384 /* longest cursor accepted (a start key is at most a few KB) */

/* The signing key, derived from the configured secret so the same secret
 * could later sign other things without the tokens being interchangeable. */
typedef struct cursor_key {
    uint8_t k[SHA256_LEN];
} cursor_key;

/* secret NULL: a random key, good for this process only. */
void cursor_key_init(cursor_key *key, const unsigned char *secret, size_t len);
void cursor_key_wipe(cursor_key *key);

typedef struct sql_cursor {
    uint8_t sql_hash[SHA256_LEN];
    int64_t skip;           /* result rows already returned */
    json_object *start_key; /* owned; NULL when the plan re-executes */
    int max_rows;
    bool objects; /* format=objects */
    int64_t issued_s;
} sql_cursor;

/* The hash a cursor carries for this SQL text. */
void cursor_sql_hash(const char *sql, size_t len, uint8_t out[SHA256_LEN]);

/* A new cursor string (malloc'd). */
char *cursor_encode(const cursor_key *key, const sql_cursor *c);

typedef enum cursor_status {
    CURSOR_OK = 0,
    CURSOR_MALFORMED, /* not a cursor of ours, cut short, or altered */
    CURSOR_OTHER_SQL, /* issued for different SQL text */
    CURSOR_EXPIRED,   /* older than CURSOR_TTL_S, or from the future */
} cursor_status;

/* Verifies and parses text against the SQL it is used with. On CURSOR_OK
 * *out is filled (free with cursor_free); otherwise *out is empty and msg
 * says what was wrong, for a person or a model. */
cursor_status cursor_decode(const cursor_key *key, const char *text, const char *sql, size_t sqllen,
                            int64_t now_s, sql_cursor *out, char *msg, size_t msglen);
void cursor_free(sql_cursor *c);

#endif
