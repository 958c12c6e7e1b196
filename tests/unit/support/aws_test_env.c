#include "aws_test_env.h"

#include "core/base/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void aws_test_env_isolate(void)
{
    static const char *const vars[] = {
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_SHARED_CREDENTIALS_FILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
        "AWS_EC2_METADATA_SERVICE_ENDPOINT",
        "AWS_EC2_METADATA_DISABLED",
    };
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        unsetenv(vars[i]);
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/ddbsql-test/credentials", 1);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
}

char *aws_test_temp_file(const char *content)
{
    const char *dir = getenv("TMPDIR");
    size_t n = strlen(dir && *dir ? dir : "/tmp") + 32;
    char *path = xmalloc(n);
    snprintf(path, n, "%s/ddbsql-test-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    size_t len = strlen(content);
    if (fd < 0 || write(fd, content, len) != (ssize_t)len) {
        perror("aws_test_temp_file");
        abort();
    }
    close(fd);
    return path;
}
