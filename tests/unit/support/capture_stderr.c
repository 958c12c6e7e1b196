#include "capture_stderr.h"

#include "core/base/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int saved_fd = -1;
static FILE *tmp;

static void fail(const char *what)
{
    perror(what);
    abort();
}

void capture_stderr_start(void)
{
    if (saved_fd >= 0)
        fail("capture_stderr_start: already capturing");
    fflush(stderr);
    tmp = tmpfile();
    if (!tmp)
        fail("capture_stderr_start: tmpfile");
    saved_fd = dup(STDERR_FILENO);
    if (saved_fd < 0 || dup2(fileno(tmp), STDERR_FILENO) < 0)
        fail("capture_stderr_start: dup");
}

char *capture_stderr_stop(void)
{
    if (saved_fd < 0)
        fail("capture_stderr_stop: not capturing");
    fflush(stderr);
    if (dup2(saved_fd, STDERR_FILENO) < 0)
        fail("capture_stderr_stop: dup2");
    close(saved_fd);
    saved_fd = -1;
    /* fd 2 shared the file's offset, so its end is the captured length. */
    int fd = fileno(tmp);
    off_t len = lseek(fd, 0, SEEK_END);
    if (len < 0 || lseek(fd, 0, SEEK_SET) != 0)
        fail("capture_stderr_stop: lseek");
    char *out = xmalloc((size_t)len + 1);
    size_t got = 0;
    while (got < (size_t)len) {
        ssize_t n = read(fd, out + got, (size_t)len - got);
        if (n <= 0)
            fail("capture_stderr_stop: read");
        got += (size_t)n;
    }
    out[got] = '\0';
    fclose(tmp);
    tmp = NULL;
    return out;
}
