#include "signing_keys.h"

#include "../core/base/alloc.h"
#include "../core/base/base64.h"
#include "../core/base/json_util.h"
#include "../core/base/secure.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define P256_COORD 32

struct signing_key {
    char *kid;
    EVP_PKEY *pkey;
    char *x, *y; /* base64url public coordinates, for the JWK */
    bool active;
};

struct signing_keys {
    signing_key keys[SIGNING_KEYS_MAX];
    size_t n;
    signing_key *active;
};

signing_keys *signing_keys_new(void)
{
    return xcalloc(1, sizeof(signing_keys));
}

void signing_keys_free(signing_keys *ks)
{
    if (!ks)
        return;
    for (size_t i = 0; i < ks->n; i++) {
        free(ks->keys[i].kid);
        free(ks->keys[i].x);
        free(ks->keys[i].y);
        EVP_PKEY_free(ks->keys[i].pkey);
    }
    free(ks);
}

bool signing_kid_valid(const char *kid)
{
    size_t n = kid ? strlen(kid) : 0;
    if (n < 1 || n > CONFIG_KID_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)kid[i]) && !strchr("._-", kid[i]))
            return false;
    return true;
}

/* The first OpenSSL error as text (for a message), and an empty queue. */
static const char *ossl_reason(char *buf, size_t len)
{
    unsigned long e = ERR_peek_last_error();
    if (!e)
        snprintf(buf, len, "no details");
    else
        ERR_error_string_n(e, buf, len);
    ERR_clear_error();
    return buf;
}

/* An encrypted key would need a passphrase at every worker start. */
static int refuse_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    *(bool *)u = true;
    return -1;
}

static char *coord_b64(EVP_PKEY *pkey, const char *param)
{
    BIGNUM *bn = NULL;
    if (!EVP_PKEY_get_bn_param(pkey, param, &bn))
        return NULL;
    unsigned char raw[P256_COORD];
    char *out = NULL;
    if (BN_bn2binpad(bn, raw, sizeof raw) == (int)sizeof raw)
        out = base64url_encode(raw, sizeof raw);
    BN_free(bn);
    return out;
}

/* Checks the parsed key is a usable P-256 key pair. */
static bool check_p256(EVP_PKEY *pkey, const char *what, char *err, size_t errlen)
{
    char group[64] = "";
    if (!EVP_PKEY_is_a(pkey, "EC") ||
        !EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                        NULL) ||
        strcmp(group, "prime256v1") != 0) {
        ERR_clear_error();
        snprintf(err, errlen,
                 "%s is not an EC P-256 key (ES256 needs the curve P-256, also called "
                 "prime256v1; found %s%s%s)",
                 what, EVP_PKEY_get0_type_name(pkey) ? EVP_PKEY_get0_type_name(pkey) : "?",
                 group[0] ? " on " : "", group);
        return false;
    }
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    bool ok = ctx && EVP_PKEY_pairwise_check(ctx) == 1;
    EVP_PKEY_CTX_free(ctx);
    if (!ok) {
        char reason[256];
        snprintf(err, errlen, "%s holds an inconsistent EC key pair (%s)", what,
                 ossl_reason(reason, sizeof reason));
        return false;
    }
    return true;
}

static bool add_parsed(signing_keys *ks, const char *kid, const char *source, const char *pem,
                       size_t len, bool active, char *err, size_t errlen)
{
    char what[CONFIG_KID_MAX + 4200];
    snprintf(what, sizeof what, "signing key '%s' (%s)", kid, source);
    if (!signing_kid_valid(kid)) {
        snprintf(err, errlen,
                 "signing key id '%.*s' is not valid (1 to %d letters, digits, '.', '_' or '-')",
                 CONFIG_KID_MAX, kid ? kid : "", CONFIG_KID_MAX);
        return false;
    }
    if (signing_keys_find(ks, kid)) {
        snprintf(err, errlen, "%s: the key id is already in use", what);
        return false;
    }
    if (ks->n == SIGNING_KEYS_MAX) {
        snprintf(err, errlen, "%s: more than %d signing keys", what, SIGNING_KEYS_MAX);
        return false;
    }
    if (active && ks->active) {
        snprintf(err, errlen, "%s: key '%s' is already the active key; only one key signs", what,
                 ks->active->kid);
        return false;
    }
    if (len > SIGNING_KEY_FILE_MAX || len > (size_t)INT32_MAX) {
        snprintf(err, errlen, "%s is larger than %d bytes; it must hold one PEM private key", what,
                 SIGNING_KEY_FILE_MAX);
        return false;
    }
    ERR_clear_error();
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    if (!bio)
        die_oom(len);
    bool encrypted = false;
    EVP_PKEY *pkey = PEM_read_bio_PrivateKey(bio, NULL, refuse_passphrase, &encrypted);
    BIO_free(bio);
    if (!pkey) {
        char reason[256];
        ossl_reason(reason, sizeof reason);
        if (encrypted)
            snprintf(err, errlen,
                     "%s is encrypted; ddbsql needs an unencrypted key file, protected by its "
                     "permissions (mode 0600)",
                     what);
        else
            snprintf(err, errlen,
                     "%s holds no PEM private key (expected -----BEGIN PRIVATE KEY----- or "
                     "-----BEGIN EC PRIVATE KEY-----; %s)",
                     what, reason);
        return false;
    }
    if (!check_p256(pkey, what, err, errlen)) {
        EVP_PKEY_free(pkey);
        return false;
    }
    char *x = coord_b64(pkey, OSSL_PKEY_PARAM_EC_PUB_X);
    char *y = coord_b64(pkey, OSSL_PKEY_PARAM_EC_PUB_Y);
    if (!x || !y) {
        char reason[256];
        snprintf(err, errlen, "%s: cannot read its public point (%s)", what,
                 ossl_reason(reason, sizeof reason));
        free(x);
        free(y);
        EVP_PKEY_free(pkey);
        return false;
    }
    signing_key *k = &ks->keys[ks->n++];
    k->kid = xstrdup(kid);
    k->pkey = pkey;
    k->x = x;
    k->y = y;
    k->active = active;
    if (active)
        ks->active = k;
    return true;
}

bool signing_keys_add_pem(signing_keys *ks, const char *kid, const char *pem, size_t len,
                          bool active, char *err, size_t errlen)
{
    return add_parsed(ks, kid, "PEM text", pem, len, active, err, errlen);
}

bool signing_keys_add_file(signing_keys *ks, const char *kid, const char *path, bool active,
                           char *err, size_t errlen)
{
    char what[CONFIG_KID_MAX + 4200];
    snprintf(what, sizeof what, "signing key '%s' ('%s')", kid ? kid : "", path);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot open the file: %s", what, strerror(errno));
        return false;
    }
    /* Checked on the open descriptor, so the file read is the file checked. */
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s is not a regular file", what);
        close(fd);
        return false;
    }
    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        snprintf(err, errlen,
                 "%s has mode %04o: a private key must not be readable or writable by group or "
                 "others (anyone who reads it can mint access tokens); fix it with: chmod 600 "
                 "'%s' (and make the file owned by the user the workers run as)",
                 what, (unsigned)(st.st_mode & 07777), path);
        close(fd);
        return false;
    }
    if (st.st_size > SIGNING_KEY_FILE_MAX) {
        snprintf(err, errlen, "%s is larger than %d bytes; it must hold one PEM private key", what,
                 SIGNING_KEY_FILE_MAX);
        close(fd);
        return false;
    }
    char *text = xmalloc(SIGNING_KEY_FILE_MAX + 1);
    size_t got = 0;
    bool read_ok = true;
    while (got <= SIGNING_KEY_FILE_MAX) {
        ssize_t r = read(fd, text + got, SIGNING_KEY_FILE_MAX + 1 - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            snprintf(err, errlen, "%s: cannot read the file: %s", what, strerror(errno));
            read_ok = false;
            break;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    bool ok = false;
    if (read_ok && got > SIGNING_KEY_FILE_MAX)
        snprintf(err, errlen, "%s is larger than %d bytes; it must hold one PEM private key", what,
                 SIGNING_KEY_FILE_MAX);
    else if (read_ok) {
        char source[4200];
        snprintf(source, sizeof source, "'%s'", path);
        ok = add_parsed(ks, kid, source, text, got, active, err, errlen);
    }
    secure_wipe(text, SIGNING_KEY_FILE_MAX + 1);
    free(text);
    return ok;
}

bool signing_keys_load_config(const oauth_conf *conf, signing_keys **out, char *err, size_t errlen)
{
    *out = NULL;
    if (conf->nkeys == 0) {
        snprintf(err, errlen, "no [signing_key] is configured");
        return false;
    }
    signing_keys *ks = signing_keys_new();
    for (size_t i = 0; i < conf->nkeys; i++) {
        const signing_key_conf *k = &conf->keys[i];
        if (!signing_keys_add_file(ks, k->kid, k->path, k == conf->active_key, err, errlen)) {
            signing_keys_free(ks);
            return false;
        }
    }
    *out = ks;
    return true;
}

bool signing_keys_load(const config *cfg, signing_keys **out, char *err, size_t errlen)
{
    const oauth_conf *conf = &cfg->oauth;
    *out = NULL;
    if (conf->nkeys == 0) {
        snprintf(err, errlen, "%s: no [signing_key] is configured", cfg->path);
        return false;
    }
    signing_keys *ks = signing_keys_new();
    char why[1024];
    for (size_t i = 0; i < conf->nkeys; i++) {
        const signing_key_conf *k = &conf->keys[i];
        if (!signing_keys_add_file(ks, k->kid, k->path, k == conf->active_key, why, sizeof why)) {
            snprintf(err, errlen, "%s:%d: [signing_key %s] path: %s", cfg->path, k->line, k->kid,
                     why);
            signing_keys_free(ks);
            return false;
        }
    }
    *out = ks;
    return true;
}

size_t signing_keys_count(const signing_keys *ks)
{
    return ks ? ks->n : 0;
}

const signing_key *signing_keys_at(const signing_keys *ks, size_t i)
{
    return ks && i < ks->n ? &ks->keys[i] : NULL;
}

const signing_key *signing_keys_find(const signing_keys *ks, const char *kid)
{
    for (size_t i = 0; ks && kid && i < ks->n; i++)
        if (strcmp(ks->keys[i].kid, kid) == 0)
            return &ks->keys[i];
    return NULL;
}

const signing_key *signing_keys_active(const signing_keys *ks)
{
    return ks ? ks->active : NULL;
}

const char *signing_key_kid(const signing_key *k)
{
    return k->kid;
}

bool signing_key_is_active(const signing_key *k)
{
    return k->active;
}

EVP_PKEY *signing_key_pkey(const signing_key *k)
{
    return k->pkey;
}

json_object *signing_key_jwk(const signing_key *k)
{
    json_object *o = json_object_new_object();
    jset_str(o, "kty", "EC");
    jset_str(o, "crv", "P-256");
    jset_str(o, "x", k->x);
    jset_str(o, "y", k->y);
    jset_str(o, "kid", k->kid);
    jset_str(o, "use", "sig");
    jset_str(o, "alg", "ES256");
    return o;
}

json_object *signing_keys_jwks(const signing_keys *ks)
{
    json_object *arr = json_object_new_array();
    for (size_t i = 0; ks && i < ks->n; i++)
        json_object_array_add(arr, signing_key_jwk(&ks->keys[i]));
    json_object *doc = json_object_new_object();
    jset(doc, "keys", arr);
    return doc;
}

/* ---- generation ------------------------------------------------------------ */

static bool write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* Makes the new directory entry durable. */
static void fsync_dir_of(const char *path)
{
    char *copy = xstrdup(path);
    int dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
    free(copy);
}

bool signing_key_generate(const char *path, char *err, size_t errlen)
{
    if (!path || !*path) {
        snprintf(err, errlen, "no path given for the new signing key");
        return false;
    }
    if (strlen(path) > 4000) {
        snprintf(err, errlen, "the key path is longer than 4000 bytes");
        return false;
    }
    if (access(path, F_OK) == 0) {
        snprintf(err, errlen, "'%s' already exists; a new key never replaces a file", path);
        return false;
    }
    ERR_clear_error();
    EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    if (!pkey) {
        char reason[256];
        snprintf(err, errlen, "cannot generate an EC P-256 key: %s",
                 ossl_reason(reason, sizeof reason));
        return false;
    }
    BIO *mem = BIO_new(BIO_s_mem());
    if (!mem)
        die_oom(0);
    bool ok = PEM_write_bio_PrivateKey(mem, pkey, NULL, NULL, 0, NULL, NULL) == 1;
    EVP_PKEY_free(pkey);
    char *pem = NULL;
    long pemlen = ok ? BIO_get_mem_data(mem, &pem) : 0;
    if (!ok || pemlen <= 0) {
        char reason[256];
        snprintf(err, errlen, "cannot encode the new key: %s", ossl_reason(reason, sizeof reason));
        BIO_free(mem);
        return false;
    }
    /* mkstemp creates the file with mode 0600 whatever the umask. */
    size_t tlen = strlen(path) + 16;
    char *tmp = xmalloc(tlen);
    snprintf(tmp, tlen, "%s.tmp-XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create a temporary file beside '%s': %s", path,
                 strerror(errno));
        ok = false;
    } else {
        ok = fchmod(fd, 0600) == 0 && write_all(fd, pem, (size_t)pemlen) && fsync(fd) == 0;
        if (!ok)
            snprintf(err, errlen, "cannot write '%s': %s", tmp, strerror(errno));
        if (close(fd) != 0 && ok) {
            snprintf(err, errlen, "cannot write '%s': %s", tmp, strerror(errno));
            ok = false;
        }
        /* link() fails when path exists, so a concurrent writer never loses
         * its key to ours. */
        if (ok && link(tmp, path) != 0) {
            snprintf(err, errlen, "cannot create '%s': %s", path,
                     errno == EEXIST ? "it already exists" : strerror(errno));
            ok = false;
        }
        unlink(tmp);
        if (ok)
            fsync_dir_of(path);
    }
    free(tmp);
    secure_wipe(pem, (size_t)pemlen);
    BIO_free(mem);
    return ok;
}
