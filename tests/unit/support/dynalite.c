#include "dynalite.h"

#include "core/aws/aws_http.h"
#include "core/base/alloc.h"
#include "core/base/json_util.h"
#include "core/base/timeutil.h"
#include "fake_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

struct dynalite {
    pid_t pid;
    char url[64];
};

/* The server running, stopped before aborting so it does not outlive the
 * test (and hold its output pipe open). */
static pid_t running;

static void die(const char *fmt, const char *a, const char *b)
{
    if (running > 0) {
        kill(running, SIGKILL);
        waitpid(running, NULL, 0);
    }
    fprintf(stderr, "dynalite test helper: ");
    fprintf(stderr, fmt, a, b);
    fprintf(stderr, "\n");
    abort();
}

static bool port_open(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

dynalite *dynalite_start(void)
{
    if (system("command -v node >/dev/null 2>&1") != 0)
        return NULL;
    const char *rel = "deploy/local/node_modules/dynalite/cli.js";
    char cli[128];
    snprintf(cli, sizeof cli, "%s", rel);
    for (int up = 1; up <= 6 && access(cli, R_OK) != 0; up++) {
        cli[0] = '\0';
        for (int i = 0; i < up; i++)
            strcat(cli, "../");
        strcat(cli, rel);
    }
    if (access(cli, R_OK) != 0)
        die("%s%s is missing: run `make deps` (npm install in deploy/local)", rel, "");
    /* Tests run in parallel: a port found free may be taken by the time
       dynalite binds it, so try a few. */
    for (int attempt = 0; attempt < 5; attempt++) {
        int port = fake_http_free_port();
        char portstr[16];
        snprintf(portstr, sizeof portstr, "%d", port);
        pid_t pid = fork();
        if (pid < 0)
            die("fork failed%s%s", "", "");
        if (pid == 0) {
            execlp("node", "node", cli, "--host", "127.0.0.1", "--port", portstr, "--createTableMs",
                   "0", "--deleteTableMs", "0", "--updateTableMs", "0", (char *)NULL);
            _exit(127);
        }
        for (int i = 0; i < 400; i++) {
            if (port_open(port)) {
                dynalite *d = xcalloc(1, sizeof *d);
                d->pid = pid;
                running = pid;
                snprintf(d->url, sizeof d->url, "http://127.0.0.1:%d", port);
                return d;
            }
            if (waitpid(pid, NULL, WNOHANG) == pid)
                break;
            sleep_ms(25);
        }
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    die("dynalite did not start listening%s%s", "", "");
    return NULL;
}

void dynalite_stop(dynalite *d)
{
    if (!d)
        return;
    kill(d->pid, SIGTERM);
    waitpid(d->pid, NULL, 0);
    if (running == d->pid)
        running = 0;
    free(d);
}

const char *dynalite_url(const dynalite *d)
{
    return d->url;
}

json_object *dynalite_call(dynalite *d, const char *op, const char *json)
{
    char target[96];
    snprintf(target, sizeof target, "X-Amz-Target: DynamoDB_20120810.%s", op);
    const char *headers[] = {"Content-Type: application/x-amz-json-1.0", target, NULL};
    /* dynalite does not check signatures; the request is signed anyway. */
    aws_creds creds = {.access_key_id = "AKIDUNITTEST00000000",
                       .secret_access_key = "unittestsecretunittestsecretunittest0000",
                       .source = "static"};
    char url[80];
    snprintf(url, sizeof url, "%s/", d->url);
    aws_http_req req = {.method = "POST",
                        .url = url,
                        .headers = headers,
                        .body = json,
                        .connect_timeout_ms = 2000,
                        .timeout_ms = 20000,
                        .max_response = 16u << 20,
                        .sigv4 = "aws:amz:us-east-1:dynamodb",
                        .creds = &creds};
    aws_http_resp resp;
    if (!aws_http_perform(&req, &resp))
        die("%s: %s", op, resp.error);
    if (resp.status != 200)
        die("%s failed: %s", op, buf_cstr(&resp.body));
    char err[128];
    json_object *doc = json_parse_strict(resp.body.data, resp.body.len, 64, err, sizeof err);
    if (!doc)
        die("%s: bad JSON answer: %s", op, err);
    aws_http_resp_free(&resp);
    return doc;
}

void dynalite_create_table(dynalite *d, const char *json)
{
    json_object_put(dynalite_call(d, "CreateTable", json));
    json_object *req = json_tokener_parse(json);
    char desc[256];
    snprintf(desc, sizeof desc, "{\"TableName\":\"%s\"}", jget_str(req, "TableName"));
    json_object_put(req);
    for (int i = 0; i < 200; i++) {
        json_object *r = dynalite_call(d, "DescribeTable", desc);
        const char *st = jget_str(jget_obj(r, "Table"), "TableStatus");
        bool active = st && strcmp(st, "ACTIVE") == 0;
        json_object_put(r);
        if (active)
            return;
        sleep_ms(10);
    }
    die("table %s did not become ACTIVE%s", desc, "");
}

void dynalite_put_items(dynalite *d, const char *table, const char *items_json)
{
    json_object *items = json_tokener_parse(items_json);
    if (!items || !json_object_is_type(items, json_type_array))
        die("items for %s are not a JSON array: %s", table, items_json);
    size_t n = json_object_array_length(items);
    for (size_t from = 0; from < n; from += 25) {
        json_object *puts = json_object_new_array();
        for (size_t i = from; i < n && i < from + 25; i++) {
            json_object *put = json_object_new_object();
            json_object *pr = json_object_new_object();
            jset(pr, "Item", json_object_get(json_object_array_get_idx(items, i)));
            jset(put, "PutRequest", pr);
            json_object_array_add(puts, put);
        }
        json_object *ri = json_object_new_object();
        jset(ri, table, puts);
        json_object *req = json_object_new_object();
        jset(req, "RequestItems", ri);
        json_object *r = dynalite_call(d, "BatchWriteItem", json_compact(req));
        json_object *left = jget_obj(r, "UnprocessedItems");
        if (left && json_object_object_length(left) > 0)
            die("BatchWriteItem left items unprocessed in %s%s", table, "");
        json_object_put(r);
        json_object_put(req);
    }
    json_object_put(items);
}
