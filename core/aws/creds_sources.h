/* Credential values and the simple sources of the default chain: the
 * environment, the ECS container endpoint and EC2 IMDSv2. Each source
 * either yields credentials or says, in a few words, why not ("not
 * configured", "unreachable: Connection refused"), for the chain's error
 * message. Internal to core/aws. */
#ifndef DDBSQL_CREDS_SOURCES_H
#define DDBSQL_CREDS_SOURCES_H

#include "aws_creds.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The link-local ECS agent; AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is
 * appended to it. */
#define ECS_CREDS_BASE        "http://169.254.170.2"
#define IMDS_DEFAULT_ENDPOINT "http://169.254.169.254"
/* Metadata endpoints answer within milliseconds on AWS; short timeouts make
 * a host without them fail fast. */
#define METADATA_CONNECT_TIMEOUT_MS 1000L
#define METADATA_TIMEOUT_MS         2000L

typedef enum {
    SRC_OK,
    SRC_ABSENT, /* not configured here: the chain moves on */
    SRC_FAILED, /* configured but unusable: the chain moves on, the reason is reported */
} src_status;

/* Replaces c's contents with copies (token may be NULL); wipes the old. */
void aws_creds_set(aws_creds *c, const char *akid, const char *secret, const char *token,
                   int64_t expires_ms, const char *source);
void aws_creds_copy(aws_creds *dst, const aws_creds *src);
/* Wipes and frees the strings; leaves c zeroed. */
void aws_creds_clear(aws_creds *c);
/* True when c holds a key pair that will not expire within margin_ms. */
bool aws_creds_fresh(const aws_creds *c, int64_t margin_ms);

/* AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and optional AWS_SESSION_TOKEN. */
src_status creds_from_env(aws_creds *out, char *why, size_t whylen);

/* The ECS/EKS container endpoint: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI
 * (appended to relative_base, normally ECS_CREDS_BASE) or
 * AWS_CONTAINER_CREDENTIALS_FULL_URI (https, or http to a loopback or
 * container-agent address), with the Authorization header from
 * AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE or AWS_CONTAINER_AUTHORIZATION_TOKEN. */
src_status creds_from_ecs(const char *relative_base, aws_creds *out, char *why, size_t whylen);

/* EC2 IMDSv2 at AWS_EC2_METADATA_SERVICE_ENDPOINT (default
 * IMDS_DEFAULT_ENDPOINT), unless AWS_EC2_METADATA_DISABLED=true. */
src_status creds_from_imds(aws_creds *out, char *why, size_t whylen);

/* Parses a metadata credentials document ({"AccessKeyId", "SecretAccessKey",
 * "Token", "Expiration", optional "Code"}). */
bool creds_parse_json(const char *body, size_t len, const char *source, aws_creds *out, char *why,
                      size_t whylen);

#endif
