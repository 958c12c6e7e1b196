/* ddbsql-admin: the command-line administration of the authorization server
 * (fcgi/admin_main.c is only its entry point). It edits the config file
 * through core/conf/config_edit.h (comments and order kept, written
 * atomically, refused unless the result loads) and writes key files
 * through signing_key_generate (mode 0600).
 *
 *   ddbsql-admin [--config FILE] COMMAND ...
 *
 *   client create ID --scopes "query schemas:read" [--name N]
 *                 [--redirect-uri URI ...] [--public]
 *   client list | client delete ID
 *   user add NAME [--scopes S] [--password-stdin | --no-password]
 *   user passwd NAME [--password-stdin]
 *   user delete NAME | user list
 *   key generate [--kid KID] [--dir DIR] [--owner USER]
 *   key activate KID | key retire KID [--keep-file] | key list
 *   revoke user NAME | revoke client ID
 *
 * `client create` without --redirect-uri makes an API client (confidential,
 * client_credentials only); with them, an interactive client
 * (authorization_code + refresh_token), confidential unless --public. A
 * confidential client's secret is 32 random bytes (base64url), printed
 * once; only "sha256:<hex>" of it is stored (oauth/client_registry.h).
 *
 * Passwords are read from the terminal without echo, twice (termios on
 * /dev/tty), or with --password-stdin from the first line of stdin, and
 * stored as scrypt hashes (oauth/password.h). Secrets and passwords are
 * wiped from memory after use and never printed, except a new client
 * secret, once.
 *
 * Exit status (ADMIN_EXIT_*): 0 done; 1 the command failed (an unknown or
 * existing name, a result the config loader refuses, a file that cannot
 * be written); 2 a usage error; 3 Redis is unreachable (revoke). */
#ifndef DDBSQL_OAUTH_ADMIN_H
#define DDBSQL_OAUTH_ADMIN_H

#include "password.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define ADMIN_EXIT_OK          0
#define ADMIN_EXIT_FAILED      1
#define ADMIN_EXIT_USAGE       2
#define ADMIN_EXIT_UNAVAILABLE 3

#define ADMIN_PASSWORD_MIN   8  /* bytes of a new password, at least */
#define ADMIN_SECRET_BYTES   32 /* random bytes of a client secret */
#define ADMIN_TTY_PROMPT_MAX 256

/* Reads a password for prompt without echo; malloc'd, or NULL with err. */
typedef char *(*admin_secret_reader)(void *ctx, const char *prompt, char *err, size_t errlen);

typedef struct admin_io {
    FILE *out; /* results (the one-time client secret included) */
    FILE *err; /* errors, warnings and hints */
    FILE *in;  /* --password-stdin */
    /* Passwords from a terminal; NULL: admin_tty_read_secret on /dev/tty. */
    admin_secret_reader read_secret;
    void *ctx;
    /* scrypt parameters of new password hashes; NULL: the defaults (tests
     * pass cheaper ones the loader still accepts). */
    const password_params *pw_params;
} admin_io;

/* Runs one command line (argv[0] is the program name). */
int admin_run(int argc, char **argv, const admin_io *io);

/* Writes prompt to the terminal fd and reads one line from it with echo
 * off (the line break still echoed); the terminal's settings are restored
 * before returning, and also when SIGINT, SIGTERM, SIGHUP or SIGQUIT
 * interrupts the read. NULL with err when fd is not a terminal, at end of
 * input, or for a line over PASSWORD_MAX_LEN bytes. */
char *admin_tty_read_secret(int fd, const char *prompt, char *err, size_t errlen);

#endif
