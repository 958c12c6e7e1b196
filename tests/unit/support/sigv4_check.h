/* Independent SigV4 verification for tests: recomputes the signature of a
 * request recorded by fake_http from the secret key, so a test can prove
 * that what libcurl sent would be accepted by AWS (signed headers, body
 * hash, credential scope). Test-only: production code never signs by hand. */
#ifndef DDBSQL_TEST_SIGV4_CHECK_H
#define DDBSQL_TEST_SIGV4_CHECK_H

#include "fake_http.h"

#include <stdbool.h>
#include <stddef.h>

/* True when r's Authorization header is a valid AWS4-HMAC-SHA256 signature
 * by secret for region/service; otherwise why says what differs. */
bool sigv4_check(const fake_http_req *r, const char *secret, const char *region,
                 const char *service, char *why, size_t whylen);
/* True when the header name appears in the SignedHeaders list. */
bool sigv4_signs_header(const fake_http_req *r, const char *lower_name);

#endif
