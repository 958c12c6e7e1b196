/* Environment hygiene for tests of the AWS credential sources: every test
 * starts from a known environment, so a developer's own AWS settings (or an
 * EC2 host's metadata service) cannot change a result. */
#ifndef DDBSQL_TEST_AWS_TEST_ENV_H
#define DDBSQL_TEST_AWS_TEST_ENV_H

/* Unsets every AWS_* variable the credential chain reads, points
 * AWS_SHARED_CREDENTIALS_FILE at a path that does not exist, and sets
 * AWS_EC2_METADATA_DISABLED=true. Tests then set what they need. */
void aws_test_env_isolate(void);
/* Writes content to a fresh temporary file and returns its path
 * (malloc'd); aborts on failure. Remove it with unlink + free. */
char *aws_test_temp_file(const char *content);

#endif
