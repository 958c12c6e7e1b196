/* The FastCGI accept loop shared by every executable: accept a request,
 * read it with limits, call the handler, write the response, log one line.
 * Stops cleanly after the current request on SIGTERM, SIGINT or SIGUSR1
 * (how lighttpd, mod_fcgid and spawn-fcgi ask a worker to go). */
#ifndef DDBSQL_FCGI_SERVER_H
#define DDBSQL_FCGI_SERVER_H

#include "request.h"
#include "response.h"

typedef void (*http_handler)(void *app, http_request *req, http_response *resp);

/* Formats the answer to a request refused while it was read (400, 411,
 * 413, 431): each executable speaks its own error dialect (JSON-RPC for
 * /mcp, RFC 6749 for /token). The default writes {"error": message}. */
typedef void (*http_refusal_formatter)(http_response *resp, int status, const char *message);
void http_set_refusal_formatter(http_refusal_formatter fn);

/* Returns the process exit status. */
int fcgi_serve(const http_limits *limits, http_handler handler, void *app);

/* Handles one request from an env array and a body reader (used by
 * fcgi_serve and by tests): fills resp and logs the access line. resp is
 * initialised here; the caller writes it and frees it with
 * http_response_free. A request refused while being read (400, 413, 431)
 * gets {"error":"<message>"} and never reaches the handler. */
void http_handle_one(char **envp, http_body_reader reader, void *reader_ctx,
                     const http_limits *limits, http_handler handler, void *app,
                     http_response *resp, char request_id_out[33]);

#endif
