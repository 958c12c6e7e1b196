/* ddbsql-admin: administers the authorization server from the command line
 * (clients, users, signing keys, revocation). It is NOT a FastCGI program
 * (the build names every fcgi/NAME_main.c ddbsql-NAME): it runs one command
 * and exits. Everything is in oauth/admin.c; see oauth/admin.h or
 * `ddbsql-admin --help` for the commands and exit statuses. */
#include "core/base/log.h"
#include "oauth/admin.h"

#include <stdio.h>
#include <sys/stat.h>

int main(int argc, char **argv)
{
    /* Whatever a command creates is private until it says otherwise (key
     * files, temp files: those are 0600 anyway). */
    umask(077);
    log_init("admin");
    log_set_level(LOG_ERROR); /* the commands say what went wrong themselves */
    admin_io io = {stdout, stderr, stdin, NULL, NULL, NULL};
    int rc = admin_run(argc, argv, &io);
    if (fflush(stdout) != 0 && rc == 0)
        rc = ADMIN_EXIT_FAILED;
    return rc;
}
