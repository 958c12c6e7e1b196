/* The AWS shared credentials file (~/.aws/credentials): an INI file whose
 * sections are profile names and whose keys are aws_access_key_id,
 * aws_secret_access_key and aws_session_token. Internal to core/aws. */
#ifndef DDBSQL_CREDS_FILE_H
#define DDBSQL_CREDS_FILE_H

#include "creds_sources.h"

#include <stdbool.h>
#include <stddef.h>

#define CREDS_FILE_MAX (1u << 20)

/* $AWS_SHARED_CREDENTIALS_FILE, else $HOME/.aws/credentials. Returns false
 * (with a reason in out) when neither is set. */
bool creds_file_path(char *out, size_t outlen);

/* Loads one profile. SRC_ABSENT when the file does not exist; SRC_FAILED
 * when it cannot be read, has no such profile, or the profile lacks a key;
 * why then says which, with the line number for syntax errors. */
src_status creds_file_load(const char *path, const char *profile, aws_creds *out, char *why,
                           size_t whylen);

#endif
