/* Captures what the process writes to stderr (fd 2), e.g. log lines, into
 * a temporary file, for tests that assert on logging. Not nestable. */
#ifndef DDBSQL_TEST_CAPTURE_STDERR_H
#define DDBSQL_TEST_CAPTURE_STDERR_H

/* Redirects fd 2 to a fresh temporary file; aborts the test on failure. */
void capture_stderr_start(void);
/* Restores fd 2 and returns everything written meanwhile (malloc'd,
 * NUL-terminated; free it). */
char *capture_stderr_stop(void);

#endif
