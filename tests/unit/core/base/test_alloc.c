#include "core/base/alloc.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
/* ASan would report an impossible malloc as its own error; let it return
 * NULL like the real allocator so xmalloc's check is what is tested. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "allocator_may_return_null=1";
}
#endif

/* Runs fn in a child with stderr sent to a pipe; returns the wait status
 * and what the child wrote to stderr (in msg). */
static int run_in_child(void (*fn)(void), char *msg, size_t msglen)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        dup2(fds[1], STDERR_FILENO);
        fn();
        _exit(0); /* not reached when fn aborts */
    }
    close(fds[1]);
    size_t got = 0;
    ssize_t n;
    while (got + 1 < msglen && (n = read(fds[0], msg + got, msglen - 1 - got)) > 0)
        got += (size_t)n;
    msg[got] = '\0';
    close(fds[0]);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return status;
}

static void overflow_mallocarray(void)
{
    void *p = xmallocarray(SIZE_MAX / 2 + 1, 2);
    free(p);
}

static void overflow_reallocarray(void)
{
    void *p = xreallocarray(NULL, 3, SIZE_MAX / 3 + 1);
    free(p);
}

static void huge_malloc(void)
{
    /* No allocator can satisfy this; xmalloc must abort, not return NULL. */
    void *p = xmalloc(SIZE_MAX - 4096);
    free(p);
}

static void no_abort(void)
{
    free(xmallocarray(4, 8));
}

static void assert_aborted(void (*fn)(void))
{
    char msg[512];
    int status = run_in_child(fn, msg, sizeof msg);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGABRT);
    assert_non_null(strstr(msg, "out of memory"));
}

static void test_mallocarray_overflow_aborts(void **state)
{
    (void)state;
    assert_aborted(overflow_mallocarray);
}

static void test_reallocarray_overflow_aborts(void **state)
{
    (void)state;
    assert_aborted(overflow_reallocarray);
}

static void test_huge_malloc_aborts(void **state)
{
    (void)state;
    assert_aborted(huge_malloc);
}

static void test_child_harness_sees_normal_exit(void **state)
{
    (void)state;
    char msg[64];
    int status = run_in_child(no_abort, msg, sizeof msg);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_zero_sizes_return_memory(void **state)
{
    (void)state;
    void *a = xmalloc(0), *b = xcalloc(0, 0), *c = xmallocarray(0, 16), *d = xrealloc(NULL, 0);
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(c);
    assert_non_null(d);
    free(a);
    free(b);
    free(c);
    free(d);
}

static void test_calloc_zeroes_and_realloc_keeps(void **state)
{
    (void)state;
    unsigned char *p = xcalloc(100, 1);
    for (int i = 0; i < 100; i++)
        assert_int_equal(p[i], 0);
    memset(p, 0xab, 100);
    p = xreallocarray(p, 1000, 2);
    for (int i = 0; i < 100; i++)
        assert_int_equal(p[i], 0xab);
    free(p);
}

static void test_strdup_and_strndup(void **state)
{
    (void)state;
    char *a = xstrdup("hello");
    assert_string_equal(a, "hello");
    char *b = xstrndup("hello", 3);
    assert_string_equal(b, "hel");
    /* n past the end: stops at the terminator, reads nothing beyond. */
    char *c = xstrndup("hi", 100);
    assert_string_equal(c, "hi");
    char *d = xstrdup("");
    assert_string_equal(d, "");
    free(a);
    free(b);
    free(c);
    free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mallocarray_overflow_aborts),
        cmocka_unit_test(test_reallocarray_overflow_aborts),
        cmocka_unit_test(test_huge_malloc_aborts),
        cmocka_unit_test(test_child_harness_sees_normal_exit),
        cmocka_unit_test(test_zero_sizes_return_memory),
        cmocka_unit_test(test_calloc_zeroes_and_realloc_keeps),
        cmocka_unit_test(test_strdup_and_strndup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
