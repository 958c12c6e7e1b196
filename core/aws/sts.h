/* STS AssumeRole over the Query API (form POST, XML answer), signed with
 * libcurl's SigV4 using the base credentials. Internal to core/aws. */
#ifndef DDBSQL_STS_H
#define DDBSQL_STS_H

#include "../base/buf.h"
#include "aws_creds.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct sts_assume_params {
    const char *schema;   /* for messages */
    const char *endpoint; /* e.g. https://sts.us-east-1.amazonaws.com */
    const char *region;   /* the SigV4 scope */
    const char *role_arn;
    const char *external_id; /* NULL: none */
    const char *session_name;
    int duration_seconds;
    long connect_timeout_ms;
    long timeout_ms;
} sts_assume_params;

typedef enum {
    STS_OK,
    STS_ERR_EXPIRED_BASE, /* ExpiredToken: the base credentials need a refresh */
    STS_ERR,              /* anything else; the message says what and what to do */
} sts_status;

/* Calls AssumeRole (retrying throttling, 5xx and transport errors a few
 * times). On STS_OK *out holds the role's credentials (source
 * "assume-role"). Messages name the role ARN and mention the ExternalId
 * but never contain a secret. */
sts_status sts_assume_role(const sts_assume_params *p, const aws_creds *base, aws_creds *out,
                           char *err, size_t errlen);

/* A small XML reader for STS answers, not a general parser: finds the first
 * element <tag> (with or without attributes) in [xml, xml+len) and gives
 * its raw content span. False when absent or unterminated. */
bool xml_element(const char *xml, size_t len, const char *tag, const char **inner,
                 size_t *inner_len);
/* Appends the text content of a span, decoding the five named entities
 * and numeric character references. False on markup, an unknown entity or
 * overflow of out. */
bool xml_text(const char *s, size_t len, buf_t *out);

#endif
