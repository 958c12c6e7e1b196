#include "creds_file.h"

#include "../base/alloc.h"
#include "../base/buf.h"
#include "../base/secure.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

bool creds_file_path(char *out, size_t outlen)
{
    const char *p = getenv("AWS_SHARED_CREDENTIALS_FILE");
    if (p && *p) {
        snprintf(out, outlen, "%s", p);
        return true;
    }
    const char *home = getenv("HOME");
    if (home && *home) {
        snprintf(out, outlen, "%s/.aws/credentials", home);
        return true;
    }
    snprintf(out, outlen, "~/.aws/credentials (HOME is not set)");
    return false;
}

static char *trim(char *s, char *end)
{
    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
        end--;
    *end = '\0';
    return s;
}

/* Cuts a comment that starts at '#' or ';' after whitespace. */
static void cut_comment(char *s)
{
    for (char *p = s; *p; p++)
        if ((*p == '#' || *p == ';') && p > s && (p[-1] == ' ' || p[-1] == '\t')) {
            *p = '\0';
            return;
        }
}

typedef struct profile_vals {
    bool found;
    char *akid, *secret, *token;
    bool unsupported; /* role_arn, credential_process, sso_* */
} profile_vals;

static void set_val(char **dst, const char *v)
{
    secure_free_str(*dst);
    *dst = xstrdup(v);
}

/* Parses the whole file, collecting the keys of one profile. */
static bool parse(char *text, size_t len, const char *profile, profile_vals *pv, char *why,
                  size_t whylen)
{
    bool in_target = false, nested = false;
    size_t lineno = 0;
    char *end = text + len;
    for (char *line = text; line < end;) {
        char *eol = memchr(line, '\n', (size_t)(end - line));
        if (!eol)
            eol = end;
        char *next = eol < end ? eol + 1 : end;
        lineno++;
        bool indented = line < eol && (*line == ' ' || *line == '\t');
        char *s = trim(line, eol);
        line = next;
        if (*s == '\0' || *s == '#' || *s == ';')
            continue;
        if (indented && nested)
            continue; /* a nested block (e.g. s3 = ...) belongs to its key */
        nested = false;
        if (*s == '[') {
            cut_comment(s);
            s = trim(s, s + strlen(s));
            char *close = s + strlen(s) - 1;
            if (*close != ']') {
                snprintf(why, whylen, "line %zu: a section header must look like [name]", lineno);
                return false;
            }
            char *name = trim(s + 1, close);
            in_target = strcmp(name, profile) == 0;
            if (in_target)
                pv->found = true;
            continue;
        }
        char *eq = strchr(s, '=');
        if (!eq) {
            snprintf(why, whylen, "line %zu: expected key = value", lineno);
            return false;
        }
        char *key = trim(s, eq);
        char *val = eq + 1;
        cut_comment(val);
        val = trim(val, val + strlen(val));
        if (*val == '\0')
            nested = true;
        if (!in_target)
            continue;
        if (strcasecmp(key, "aws_access_key_id") == 0)
            set_val(&pv->akid, val);
        else if (strcasecmp(key, "aws_secret_access_key") == 0)
            set_val(&pv->secret, val);
        else if (strcasecmp(key, "aws_session_token") == 0)
            set_val(&pv->token, val);
        else if (strcasecmp(key, "role_arn") == 0 || strcasecmp(key, "credential_process") == 0 ||
                 strncasecmp(key, "sso_", 4) == 0)
            pv->unsupported = true;
    }
    return true;
}

src_status creds_file_load(const char *path, const char *profile, aws_creds *out, char *why,
                           size_t whylen)
{
    FILE *f = fopen(path, "re");
    if (!f) {
        if (errno == ENOENT) {
            snprintf(why, whylen, "%s: not found", path);
            return SRC_ABSENT;
        }
        snprintf(why, whylen, "%s: cannot read: %s", path, strerror(errno));
        return SRC_FAILED;
    }
    buf_t text = BUF_INIT(CREDS_FILE_MAX);
    char chunk[4096];
    size_t n;
    bool ok = true;
    while (ok && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        ok = buf_append(&text, chunk, n);
    bool read_err = ferror(f);
    fclose(f);
    secure_wipe(chunk, sizeof chunk);
    src_status st = SRC_FAILED;
    profile_vals pv = {0};
    char perr[160] = "";
    if (!ok) {
        snprintf(why, whylen, "%s: larger than %u bytes, not a credentials file", path,
                 CREDS_FILE_MAX);
    } else if (read_err) {
        snprintf(why, whylen, "%s: read error", path);
    } else if (!parse(text.data ? text.data : (char[]){""}, text.len, profile, &pv, perr,
                      sizeof perr)) {
        snprintf(why, whylen, "%s: %s", path, perr);
    } else if (!pv.found) {
        snprintf(why, whylen, "%s: no [%s] profile", path, profile);
    } else if (!pv.akid && !pv.secret && pv.unsupported) {
        snprintf(why, whylen,
                 "%s: profile [%s] uses role_arn, credential_process or SSO, which ddbsql does "
                 "not read; give it aws_access_key_id and aws_secret_access_key, or set role_arn "
                 "in the schema",
                 path, profile);
    } else if (!pv.akid || !*pv.akid || !pv.secret || !*pv.secret) {
        snprintf(why, whylen, "%s: profile [%s] has no %s", path, profile,
                 !pv.akid || !*pv.akid ? "aws_access_key_id" : "aws_secret_access_key");
    } else {
        aws_creds_set(out, pv.akid, pv.secret, pv.token, 0, "profile");
        st = SRC_OK;
    }
    secure_free_str(pv.akid);
    secure_free_str(pv.secret);
    secure_free_str(pv.token);
    buf_free_secure(&text);
    return st;
}
