#include "aws_creds.h"

#include "../base/alloc.h"
#include "../base/log.h"
#include "../base/secure.h"
#include "../base/timeutil.h"
#include "aws_http.h"
#include "creds_file.h"
#include "creds_sources.h"
#include "sts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Temporary credentials are replaced this long before they expire, so a
 * request never goes out with a key that dies in flight. */
#define REFRESH_MARGIN_MS (5 * 60 * 1000)
/* When a refresh fails, credentials that still have this long to live
 * are used anyway (with a warning) rather than failing the request. */
#define STALE_GRACE_MS (10 * 1000)

struct aws_creds_provider {
    char *schema;
    char *region;
    creds_kind kind;
    char *st_akid, *st_secret, *st_token; /* CREDS_STATIC */
    char *profile;                        /* CREDS_PROFILE */
    char *role_arn, *external_id, *session_name, *sts_endpoint;
    int duration;
    long connect_timeout_ms, request_timeout_ms;
    aws_creds base; /* from the configured source */
    aws_creds role; /* from AssumeRole, when role_arn is set */
};

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

aws_creds_provider *aws_creds_provider_new(const schema_conf *schema, const dynamodb_conf *dconf)
{
    aws_http_global_init();
    aws_creds_provider *p = xcalloc(1, sizeof *p);
    p->schema = xstrdup(schema->name ? schema->name : "?");
    p->region = xstrdup(schema->region ? schema->region : "us-east-1");
    p->kind = schema->creds;
    p->st_akid = dup_or_null(schema->access_key_id);
    p->st_secret = dup_or_null(schema->secret_access_key);
    p->st_token = dup_or_null(schema->session_token);
    p->profile = dup_or_null(schema->profile);
    p->role_arn = schema->role_arn && *schema->role_arn ? xstrdup(schema->role_arn) : NULL;
    p->external_id =
        schema->external_id && *schema->external_id ? xstrdup(schema->external_id) : NULL;
    p->session_name =
        xstrdup(schema->role_session_name && *schema->role_session_name ? schema->role_session_name
                                                                        : "ddbsql");
    p->duration = schema->role_duration_seconds > 0 ? schema->role_duration_seconds : 3600;
    if (schema->sts_endpoint && *schema->sts_endpoint) {
        p->sts_endpoint = xstrdup(schema->sts_endpoint);
    } else {
        size_t n = strlen(p->region) + 40;
        p->sts_endpoint = xmalloc(n);
        snprintf(p->sts_endpoint, n, "https://sts.%s.amazonaws.com", p->region);
    }
    p->connect_timeout_ms =
        dconf && dconf->connect_timeout_ms > 0 ? dconf->connect_timeout_ms : 2000;
    p->request_timeout_ms =
        dconf && dconf->request_timeout_ms > 0 ? dconf->request_timeout_ms : 10000;
    return p;
}

void aws_creds_provider_free(aws_creds_provider *p)
{
    if (!p)
        return;
    aws_creds_clear(&p->base);
    aws_creds_clear(&p->role);
    free(p->schema);
    free(p->region);
    free(p->st_akid);
    secure_free_str(p->st_secret);
    secure_free_str(p->st_token);
    free(p->profile);
    free(p->role_arn);
    free(p->external_id);
    free(p->session_name);
    free(p->sts_endpoint);
    free(p);
}

void aws_creds_invalidate(aws_creds_provider *p)
{
    aws_creds_clear(&p->base);
    aws_creds_clear(&p->role);
}

/* Resolves the default chain into *out; on failure err lists each source. */
static bool resolve_chain(aws_creds_provider *p, aws_creds *out, char *err, size_t errlen)
{
    char env_why[160] = "", file_why[600] = "", ecs_why[400] = "", imds_why[400] = "";
    if (creds_from_env(out, env_why, sizeof env_why) == SRC_OK)
        return true;

    char path[512];
    const char *aws_profile = getenv("AWS_PROFILE");
    const char *profile = aws_profile && *aws_profile ? aws_profile : "default";
    if (!creds_file_path(path, sizeof path))
        snprintf(file_why, sizeof file_why, "%s", path);
    else if (creds_file_load(path, profile, out, file_why, sizeof file_why) == SRC_OK)
        return true;

    if (creds_from_ecs(ECS_CREDS_BASE, out, ecs_why, sizeof ecs_why) == SRC_OK)
        return true;
    if (creds_from_imds(out, imds_why, sizeof imds_why) == SRC_OK)
        return true;
    snprintf(err, errlen,
             "no AWS credentials found for schema '%s': tried environment (%s), shared "
             "credentials file (%s), ECS (%s), EC2 IMDSv2 (%s); set credentials = static or "
             "profile in [schema %s], or run on an instance with a role",
             p->schema, env_why, file_why, ecs_why, imds_why, p->schema);
    return false;
}

/* Fills p->base from the configured source unless it is still fresh. */
static bool refresh_base(aws_creds_provider *p, char *err, size_t errlen)
{
    if (aws_creds_fresh(&p->base, REFRESH_MARGIN_MS))
        return true;
    aws_creds next = {0};
    bool ok = false;
    switch (p->kind) {
    case CREDS_STATIC:
        if (!p->st_akid || !*p->st_akid || !p->st_secret || !*p->st_secret) {
            snprintf(err, errlen,
                     "schema '%s': credentials = static needs access_key_id and "
                     "secret_access_key in [schema %s]",
                     p->schema, p->schema);
        } else {
            aws_creds_set(&next, p->st_akid, p->st_secret, p->st_token, 0, "static");
            ok = true;
        }
        break;
    case CREDS_PROFILE: {
        char path[512], why[600];
        const char *profile = p->profile && *p->profile ? p->profile : "default";
        if (!creds_file_path(path, sizeof path))
            snprintf(err, errlen, "schema '%s': cannot locate the shared credentials file: %s",
                     p->schema, path);
        else if (creds_file_load(path, profile, &next, why, sizeof why) == SRC_OK)
            ok = true;
        else
            snprintf(err, errlen,
                     "schema '%s': cannot load profile '%s' from the shared credentials file "
                     "(%s); fix the file (or AWS_SHARED_CREDENTIALS_FILE) or the profile key in "
                     "[schema %s]",
                     p->schema, profile, why, p->schema);
        break;
    }
    case CREDS_CHAIN:
    default:
        ok = resolve_chain(p, &next, err, errlen);
        break;
    }
    if (!ok) {
        aws_creds_clear(&next);
        /* Still-valid credentials beat a failure. */
        if (p->base.access_key_id && aws_creds_fresh(&p->base, STALE_GRACE_MS)) {
            log_msg(LOG_WARN,
                    "schema '%s': refreshing %s credentials failed; using the current "
                    "ones until they expire",
                    p->schema, p->base.source);
            return true;
        }
        return false;
    }
    aws_creds_clear(&p->base);
    p->base = next;
    return true;
}

static bool refresh_role(aws_creds_provider *p, char *err, size_t errlen)
{
    sts_assume_params sp = {
        .schema = p->schema,
        .endpoint = p->sts_endpoint,
        .region = p->region,
        .role_arn = p->role_arn,
        .external_id = p->external_id,
        .session_name = p->session_name,
        .duration_seconds = p->duration,
        .connect_timeout_ms = p->connect_timeout_ms,
        .timeout_ms = p->request_timeout_ms,
    };
    for (int round = 0; round < 2; round++) {
        if (!refresh_base(p, err, errlen))
            return false;
        aws_creds next = {0};
        sts_status st = sts_assume_role(&sp, &p->base, &next, err, errlen);
        if (st == STS_OK) {
            aws_creds_clear(&p->role);
            p->role = next;
            log_msg(LOG_INFO, "schema '%s': assumed role %s", p->schema, p->role_arn);
            return true;
        }
        aws_creds_clear(&next);
        if (st != STS_ERR_EXPIRED_BASE)
            break;
        /* The base credentials expired under us: fetch them again, once. */
        aws_creds_clear(&p->base);
    }
    return false;
}

const aws_creds *aws_creds_get(aws_creds_provider *p, char *err, size_t errlen)
{
    if (!p->role_arn)
        return refresh_base(p, err, errlen) ? &p->base : NULL;
    if (aws_creds_fresh(&p->role, REFRESH_MARGIN_MS))
        return &p->role;
    if (refresh_role(p, err, errlen))
        return &p->role;
    if (p->role.access_key_id && aws_creds_fresh(&p->role, STALE_GRACE_MS)) {
        log_msg(LOG_WARN,
                "schema '%s': refreshing the role credentials failed (%s); using the "
                "current ones until they expire",
                p->schema, err);
        return &p->role;
    }
    return NULL;
}
