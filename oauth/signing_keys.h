/* The keys that sign and verify access tokens: EC P-256 private keys (ES256)
 * loaded from PEM files, each known by a key id (kid). Every loaded key
 * verifies; exactly one, the active key, signs new tokens, so keys can be
 * rotated: add the new key, let every worker load it, make it active, and
 * drop the old one once the tokens it signed have expired.
 *
 * Key files must be private to their owner (no group or other permission
 * bits): a readable key lets anyone mint tokens. Loading refuses anything
 * else with a message naming the file and saying how to fix it. The public
 * halves are published as a JWKS (RFC 7517/7518) at /.well-known/jwks.json.
 *
 *   signing_keys *ks;
 *   if (!signing_keys_load(&cfg, &ks, err, sizeof err)) ...
 *   const signing_key *k = signing_keys_find(ks, kid);   // verify
 *   const signing_key *a = signing_keys_active(ks);      // sign
 */
#ifndef DDBSQL_OAUTH_SIGNING_KEYS_H
#define DDBSQL_OAUTH_SIGNING_KEYS_H

#include "../core/conf/config.h"

#include <json-c/json.h>
#include <openssl/types.h>
#include <stdbool.h>
#include <stddef.h>

#define SIGNING_KEYS_MAX     16          /* keys held at once */
#define SIGNING_KEY_FILE_MAX (16 * 1024) /* bytes of one PEM file */

typedef struct signing_key signing_key;
typedef struct signing_keys signing_keys;

signing_keys *signing_keys_new(void);
/* Frees every key (NULL is fine). */
void signing_keys_free(signing_keys *ks);

/* True for a usable kid: 1..CONFIG_KID_MAX of letters, digits, '.', '_', '-'
 * (the same rule as the [signing_key KID] section name). */
bool signing_kid_valid(const char *kid);

/* Adds the key in a PEM file (PKCS#8 "PRIVATE KEY" or SEC1 "EC PRIVATE
 * KEY", unencrypted). Refuses: a file that is not regular or is larger than
 * SIGNING_KEY_FILE_MAX, permissions for group or others, encrypted keys,
 * keys other than EC P-256, a kid already present, a second active key, and
 * more than SIGNING_KEYS_MAX keys. err names the kid and the file. The file
 * contents are wiped from memory after parsing. */
bool signing_keys_add_file(signing_keys *ks, const char *kid, const char *path, bool active,
                           char *err, size_t errlen);
/* The same from PEM text in memory (tests, tools). */
bool signing_keys_add_pem(signing_keys *ks, const char *kid, const char *pem, size_t len,
                          bool active, char *err, size_t errlen);
/* Loads every [signing_key] of the config; the config's active key is the
 * active one. On failure *out is NULL and err says which key and why. */
bool signing_keys_load_config(const oauth_conf *conf, signing_keys **out, char *err, size_t errlen);
/* The same for a loaded config, as a worker starts: err is located like
 * config_load's messages, "<file>:<line>: [signing_key KID] path: <why>", so
 * a key file that cannot be used is reported like any other bad value. */
bool signing_keys_load(const config *cfg, signing_keys **out, char *err, size_t errlen);

size_t signing_keys_count(const signing_keys *ks);
/* The i-th key in the order added (NULL past the end). */
const signing_key *signing_keys_at(const signing_keys *ks, size_t i);
/* The key with this kid (exact match), or NULL. */
const signing_key *signing_keys_find(const signing_keys *ks, const char *kid);
/* The key that signs, or NULL when none is active. */
const signing_key *signing_keys_active(const signing_keys *ks);

const char *signing_key_kid(const signing_key *k);
bool signing_key_is_active(const signing_key *k);
/* The OpenSSL key (borrowed; valid as long as the key set). */
EVP_PKEY *signing_key_pkey(const signing_key *k);

/* The public JWK: {"kty":"EC","crv":"P-256","x":..,"y":..,"kid":..,
 * "use":"sig","alg":"ES256"} (new object, caller puts it). */
json_object *signing_key_jwk(const signing_key *k);
/* {"keys":[every key's public JWK, in the order added]}. */
json_object *signing_keys_jwks(const signing_keys *ks);

/* Generates a new P-256 key and writes it as PKCS#8 PEM to path, atomically
 * (a temp file in the same directory, fsync, then link into place) with
 * mode 0600. Refuses to replace an existing file. For `ddbsql-admin`. */
bool signing_key_generate(const char *path, char *err, size_t errlen);

#endif
