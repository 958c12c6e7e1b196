/* AWS credentials for one schema. Sources, in the order the SDKs use:
 * static keys from the config; or a named profile; or the default chain
 * (environment, shared credentials file, ECS container endpoint, EC2
 * IMDSv2). A schema with role_arn then calls STS AssumeRole (with its
 * ExternalId) using those base credentials, and caches the result until
 * five minutes before it expires. Secrets are wiped when replaced. */
#ifndef DDBSQL_AWS_CREDS_H
#define DDBSQL_AWS_CREDS_H

#include "../conf/config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct aws_creds {
    char *access_key_id;
    char *secret_access_key;
    char *session_token; /* NULL when none */
    int64_t expires_ms;  /* wall clock; 0 = does not expire */
    const char *source;  /* "static", "env", "profile", "ecs", "imds", "assume-role" */
} aws_creds;

typedef struct aws_creds_provider aws_creds_provider;

aws_creds_provider *aws_creds_provider_new(const schema_conf *schema, const dynamodb_conf *dconf);
void aws_creds_provider_free(aws_creds_provider *p);
/* Current credentials, refreshed when absent or within 5 minutes of
 * expiry. The result stays valid until the next call. On failure returns
 * NULL with a message that says which source failed and how to fix it. */
const aws_creds *aws_creds_get(aws_creds_provider *p, char *err, size_t errlen);
/* Drops cached credentials (after the service rejects them). */
void aws_creds_invalidate(aws_creds_provider *p);

#endif
