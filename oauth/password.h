/* Password hashing for the users of the config ([user NAME] password_hash).
 *
 * scrypt (RFC 7914) through OpenSSL 3's EVP_KDF "SCRYPT", not Argon2id via
 * libargon2: OpenSSL is already a dependency (JWT signing, TLS for libcurl),
 * so this adds no library to build, package or audit, and scrypt is
 * memory-hard like Argon2id (each guess needs 128*N*r bytes of RAM, which
 * is what makes GPU and ASIC cracking expensive).
 *
 * A hash is a PHC-style string, base64 without padding (standard alphabet):
 *
 *   $scrypt$ln=14,r=8,p=1$<salt>$<hash>
 *
 * where N = 2^ln. The salt is 16 random bytes per hash; the derived hash
 * is 32 bytes. The parameters travel in the string, so hashes made with
 * older settings keep verifying. Parameters read from a string are bounded
 * (PASSWORD_LN_MAX, ...): a config edited by mistake or by an attacker
 * cannot make one login cost seconds or gigabytes.
 *
 * Verification compares in constant time and wipes every intermediate.
 * Callers wipe the password they pass (secure_wipe) once done. */
#ifndef DDBSQL_OAUTH_PASSWORD_H
#define DDBSQL_OAUTH_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Default work factors: N = 2^14, r = 8, p = 1 (16 MiB of memory; about
 * 45 ms per verification on the 2-core development machine, 115 ms with
 * ln = 15). Tens of milliseconds keeps a login quick while each guess still
 * costs an attacker 16 MiB and as much time; the rate limits do the rest. */
#define PASSWORD_DEFAULT_LN 14
#define PASSWORD_DEFAULT_R  8
#define PASSWORD_DEFAULT_P  1

/* Bounds on parameters read from a hash string. The minimum refuses hashes
 * too weak to deserve the name; the maxima cap memory (about 128*N*r bytes:
 * N*r at most 2^20, i.e. 128 MiB) and time (proportional to N*r*p: at most
 * 2^22, 16 times the default). */
#define PASSWORD_LN_MIN   10
#define PASSWORD_LN_MAX   20
#define PASSWORD_R_MAX    32
#define PASSWORD_P_MAX    16
#define PASSWORD_MAX_NR   (1u << 20)
#define PASSWORD_MAX_WORK (1u << 22)

#define PASSWORD_SALT_LEN   16 /* bytes drawn for a new hash */
#define PASSWORD_SALT_MIN   8  /* accepted in a hash string */
#define PASSWORD_SALT_MAX   64
#define PASSWORD_HASH_LEN   32 /* bytes derived for a new hash */
#define PASSWORD_HASH_MIN   16 /* accepted in a hash string */
#define PASSWORD_HASH_MAX   64
#define PASSWORD_STRING_MAX 256  /* a whole hash string */
#define PASSWORD_MAX_LEN    1024 /* bytes of a password */

typedef struct password_params {
    unsigned ln; /* N = 2^ln */
    uint32_t r;
    uint32_t p;
} password_params;

typedef enum {
    PASSWORD_OK = 0,
    PASSWORD_MISMATCH, /* a well-formed hash that this password does not match */
    PASSWORD_BAD_HASH, /* the stored string is not a hash this module accepts */
    PASSWORD_ERROR,    /* the KDF failed (e.g. out of memory) */
} password_result;

/* Hashes a password (1..PASSWORD_MAX_LEN bytes, any bytes) with a fresh
 * random salt. params NULL means the defaults. Returns the PHC string
 * (malloc'd), or NULL with a message in err. */
char *password_hash(const char *pw, size_t pwlen, const password_params *params, char *err,
                    size_t errlen);

/* Checks pw against a PHC string. A password that is empty or longer than
 * PASSWORD_MAX_LEN never matches. err says what is wrong with a bad hash
 * (without quoting it) or why the KDF failed. */
password_result password_verify(const char *pw, size_t pwlen, const char *phc, char *err,
                                size_t errlen);

/* Parses and bounds-checks a PHC string without deriving anything. On
 * failure why says what is wrong ("has an unknown algorithm ..."). The
 * signature fits config.c's string checkers. */
bool password_hash_check(const char *phc, char *why, size_t whylen);

/* The parameters of a valid PHC string (false when it is not one). */
bool password_hash_params(const char *phc, password_params *out);

/* Does the work of one verification with the default parameters and
 * throws the result away: login answers take as long for an unknown or
 * disabled user as for a wrong password. */
void password_burn(const char *pw, size_t pwlen);

#endif
