/* bench/fcgi_empty.c: the "empty FastCGI app" reference of `make bench`.
 *
 * The least a FastCGI responder can do for a POST: read the whole request
 * body, answer 200 with a fixed JSON body, finish. Whatever it reaches behind
 * lighttpd is the cap the FastCGI hop itself puts on any application, ddbsql
 * included. Not part of the product build: bench/run.sh compiles it into
 * build/bench/.
 *
 * The body is read once at start-up from the file named by BENCH_EMPTY_BODY
 * (bench/bench.mjs writes ddbsql's exact response there). The program is
 * started by the web server (lighttpd "bin-path") with its listening socket on
 * fd 0, as ddbsql-mcp is.
 */
#include <fcgiapp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Far above any response measured; a bigger file is an error, not truncated. */
#define MAX_BODY (1024 * 1024)

static char *read_body(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "fcgi_empty: cannot open BENCH_EMPTY_BODY=%s\n", path);
        return NULL;
    }
    char *buf = malloc(MAX_BODY + 1);
    if (!buf) {
        fclose(f);
        fprintf(stderr, "fcgi_empty: out of memory\n");
        return NULL;
    }
    size_t n = fread(buf, 1, MAX_BODY + 1, f);
    int err = ferror(f);
    fclose(f);
    if (err || n == 0 || n > MAX_BODY) {
        fprintf(stderr, "fcgi_empty: BENCH_EMPTY_BODY=%s: %s\n", path,
                err      ? "read error"
                : n == 0 ? "empty file"
                         : "larger than 1 MiB");
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

int main(void)
{
    const char *path = getenv("BENCH_EMPTY_BODY");
    if (!path || !*path) {
        fprintf(stderr, "fcgi_empty: BENCH_EMPTY_BODY must name the response body file\n");
        return 2;
    }
    size_t body_len = 0;
    char *body = read_body(path, &body_len);
    if (!body)
        return 2;

    /* libfcgi's FCGX_FPrintF knows no %zu: format the headers here. */
    char head[160];
    int head_len = snprintf(head, sizeof head,
                            "Status: 200\r\nContent-Type: application/json\r\n"
                            "Content-Length: %zu\r\n\r\n",
                            body_len);
    if (head_len < 0 || (size_t)head_len >= sizeof head) {
        free(body);
        return 2;
    }

    if (FCGX_Init() != 0 || FCGX_IsCGI()) {
        fprintf(stderr, "fcgi_empty: run me under a FastCGI web server (fd 0 must be the "
                        "listening socket)\n");
        free(body);
        return 2;
    }
    FCGX_Request req;
    if (FCGX_InitRequest(&req, 0, 0) != 0) {
        free(body);
        return 2;
    }
    char sink[8192];
    while (FCGX_Accept_r(&req) >= 0) {
        /* Read the request body to its end, as any real application must. */
        while (FCGX_GetStr(sink, (int)sizeof sink, req.in) > 0) {
        }
        FCGX_PutStr(head, head_len, req.out);
        FCGX_PutStr(body, (int)body_len, req.out);
        FCGX_Finish_r(&req);
    }
    FCGX_Free(&req, 1);
    free(body);
    return 0;
}
