#include "admin.h"

#include "client_registry.h"
#include "login_session.h"
#include "refresh_token.h"
#include "scope.h"
#include "signing_keys.h"

#include "../core/base/alloc.h"
#include "../core/base/base64.h"
#include "../core/base/buf.h"
#include "../core/base/secure.h"
#include "../core/conf/config.h"
#include "../core/conf/config_edit.h"
#include "../core/store/redis_store.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define PROG "ddbsql-admin"

/* ---- options ------------------------------------------------------------- */

enum {
    O_SCOPES = 1 << 0,
    O_NAME = 1 << 1,
    O_REDIRECT = 1 << 2,
    O_PUBLIC = 1 << 3,
    O_PW_STDIN = 1 << 4,
    O_NO_PW = 1 << 5,
    O_KID = 1 << 6,
    O_DIR = 1 << 7,
    O_OWNER = 1 << 8,
    O_KEEP_FILE = 1 << 9,
};

typedef struct opt_desc {
    const char *name;
    unsigned bit;
    bool value;
} opt_desc;

static const opt_desc OPTS[] = {
    {"--scopes", O_SCOPES, true},
    {"--name", O_NAME, true},
    {"--redirect-uri", O_REDIRECT, true},
    {"--public", O_PUBLIC, false},
    {"--password-stdin", O_PW_STDIN, false},
    {"--no-password", O_NO_PW, false},
    {"--kid", O_KID, true},
    {"--dir", O_DIR, true},
    {"--owner", O_OWNER, true},
    {"--keep-file", O_KEEP_FILE, false},
};
#define NOPTS (sizeof OPTS / sizeof OPTS[0])

#define MAX_POS      8
#define MAX_REDIRECT 32

typedef struct args {
    const char *config;
    unsigned seen;
    const char *scopes, *name, *kid, *dir, *owner;
    const char *redirect[MAX_REDIRECT];
    size_t nredirect;
    const char *pos[MAX_POS];
    size_t npos;
    bool help;
} args;

/* What one command run needs. */
typedef struct run {
    const admin_io *io;
    args a;
    const char *path; /* the config file */
} run;

static void say(const run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(const run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(const run *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(r->io->out, fmt, ap);
    va_end(ap);
}

static void note(const run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void note(const run *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(r->io->err, fmt, ap);
    va_end(ap);
}

static int fail(const run *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(r->io->err, PROG ": ");
    vfprintf(r->io->err, fmt, ap);
    fprintf(r->io->err, "\n");
    va_end(ap);
    return ADMIN_EXIT_FAILED;
}

static const char USAGE[] =
    "usage: " PROG " [--config FILE] COMMAND ...\n"
    "\n"
    "Clients (pre-registered OAuth clients, [client ID] sections):\n"
    "  client create ID --scopes \"query schemas:read\" [--name NAME]\n"
    "                [--redirect-uri URI ...] [--public]\n"
    "      Without --redirect-uri: an API client (confidential, client_credentials).\n"
    "      With them: an interactive client (authorization_code, refresh_token),\n"
    "      confidential unless --public. A confidential client's secret is printed\n"
    "      once; only its SHA-256 is stored.\n"
    "  client list\n"
    "  client delete ID\n"
    "Users (people who sign in on the /authorize pages, [user NAME] sections):\n"
    "  user add NAME [--scopes S] [--password-stdin | --no-password]\n"
    "  user passwd NAME [--password-stdin]\n"
    "      The password is read from the terminal without echo (twice), or with\n"
    "      --password-stdin from the first line of standard input.\n"
    "  user delete NAME\n"
    "  user list\n"
    "Signing keys (EC P-256, [signing_key KID] sections):\n"
    "  key generate [--kid KID] [--dir DIR] [--owner USER]\n"
    "      A new key file (mode 0600) that verifies but does not sign yet.\n"
    "  key activate KID      the key signs new tokens; the others still verify\n"
    "  key retire KID [--keep-file]\n"
    "                        removes an inactive key (and its file)\n"
    "  key list\n"
    "Revocation (in Redis; takes effect at once):\n"
    "  revoke user NAME      ends the user's sign-in sessions and refresh tokens\n"
    "  revoke client ID      ends the client's refresh tokens\n"
    "\n"
    "The config file is --config, else $" CONFIG_ENV_VAR ", else " CONFIG_DEFAULT_PATH ".\n"
    "Every change is validated with the workers' config loader before the file is\n"
    "replaced (atomically, keeping its comments, mode and owner); workers read the\n"
    "config when they start, so restart or reload them afterwards.\n"
    "Exit status: 0 done, 1 failed, 2 usage error, 3 Redis unreachable.\n";

static int usage_error(const run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int usage_error(const run *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(r->io->err, PROG ": ");
    vfprintf(r->io->err, fmt, ap);
    fprintf(r->io->err, "\n(" PROG " --help lists the commands)\n");
    va_end(ap);
    return ADMIN_EXIT_USAGE;
}

static int parse_args(run *r, int argc, char **argv)
{
    args *a = &r->a;
    memset(a, 0, sizeof *a);
    bool only_pos = false;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (only_pos || s[0] != '-' || !s[1]) {
            if (a->npos == MAX_POS)
                return usage_error(r, "too many arguments ('%.64s')", s);
            a->pos[a->npos++] = s;
            continue;
        }
        if (!strcmp(s, "--")) {
            only_pos = true;
            continue;
        }
        if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
            a->help = true;
            continue;
        }
        const char *eq = strchr(s, '=');
        size_t nlen = eq ? (size_t)(eq - s) : strlen(s);
        const char *val = eq ? eq + 1 : NULL;
        if (nlen == 8 && !strncmp(s, "--config", 8)) {
            if (!val && i + 1 == argc)
                return usage_error(r, "--config needs a value (the config file)");
            a->config = val ? val : argv[++i];
            continue;
        }
        const opt_desc *d = NULL;
        for (size_t j = 0; j < NOPTS && !d; j++)
            if (strlen(OPTS[j].name) == nlen && !strncmp(OPTS[j].name, s, nlen))
                d = &OPTS[j];
        if (!d)
            return usage_error(r, "unknown option '%.*s'", (int)(nlen > 64 ? 64 : nlen), s);
        if (!d->value && val)
            return usage_error(r, "%s takes no value", d->name);
        if (d->value && !val) {
            if (i + 1 == argc)
                return usage_error(r, "%s needs a value", d->name);
            val = argv[++i];
        }
        if ((a->seen & d->bit) && d->bit != O_REDIRECT)
            return usage_error(r, "%s given twice", d->name);
        a->seen |= d->bit;
        switch (d->bit) {
        case O_SCOPES:
            a->scopes = val;
            break;
        case O_NAME:
            a->name = val;
            break;
        case O_KID:
            a->kid = val;
            break;
        case O_DIR:
            a->dir = val;
            break;
        case O_OWNER:
            a->owner = val;
            break;
        case O_REDIRECT:
            if (a->nredirect == MAX_REDIRECT)
                return usage_error(r, "at most %d --redirect-uri", MAX_REDIRECT);
            a->redirect[a->nredirect++] = val;
            break;
        default:
            break;
        }
    }
    return ADMIN_EXIT_OK;
}

/* ---- shared helpers -------------------------------------------------------- */

static bool id_chars(const char *v, size_t max, const char *extra)
{
    size_t n = strlen(v);
    if (n < 1 || n > max)
        return false;
    for (const char *p = v; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              strchr(extra, *p)))
            return false;
    return true;
}

/* The canonical form of a --scopes value (known scopes only). */
static bool canonical_scopes(const run *r, const char *s, char out[SCOPE_BITS_STR_MAX])
{
    buf_t b = BUF_INIT(SCOPE_MAX_LEN);
    /* Accept any mix of spaces and commas between scopes. */
    bool space = true;
    for (const char *p = s; *p; p++) {
        bool sep = *p == ' ' || *p == ',' || *p == '\t';
        if (sep && !space)
            buf_putc(&b, ' ');
        else if (!sep && !buf_putc(&b, *p))
            break;
        space = sep;
    }
    if (b.len && buf_cstr(&b)[b.len - 1] == ' ')
        b.data[--b.len] = '\0';
    scope_list l;
    char perr[256];
    bool ok = scope_parse(buf_cstr(&b), &l, perr, sizeof perr);
    if (!ok)
        fail(r, "--scopes: %s (known scopes: %s)", perr, SCOPES_SUPPORTED);
    for (size_t i = 0; ok && i < l.n; i++) {
        if (!scope_bit(l.items[i])) {
            fail(r, "--scopes: unknown scope '%.64s' (known scopes: %s)", l.items[i],
                 SCOPES_SUPPORTED);
            ok = false;
        }
    }
    if (ok && l.n == 0) {
        fail(r, "--scopes: no scope given (known scopes: %s)", SCOPES_SUPPORTED);
        ok = false;
    }
    if (ok)
        scope_bits_format(scope_bits(&l), out);
    scope_list_free(&l);
    buf_free(&b);
    return ok;
}

static int open_edit(const run *r, config_edit **e)
{
    char err[2048];
    if (!config_edit_open(r->path, e, err, sizeof err))
        return fail(r, "%s", err);
    return ADMIN_EXIT_OK;
}

static int commit(const run *r, config_edit *e)
{
    char err[4096];
    if (!config_edit_commit(e, err, sizeof err))
        return fail(r, "%s", err);
    return ADMIN_EXIT_OK;
}

static int load_config(const run *r, config *cfg)
{
    char err[2048];
    if (!config_load(r->path, cfg, err, sizeof err))
        return fail(r, "%s", err);
    return ADMIN_EXIT_OK;
}

static const char *restart_hint =
    "Workers read the config when they start: restart or reload them to apply this.\n";

/* The config holds password hashes: say so when anyone may read it. */
static void warn_if_readable(const run *r, const config_edit *e)
{
    struct stat st;
    if (stat(config_edit_path(e), &st) == 0 && (st.st_mode & S_IROTH))
        note(r,
             "warning: %s is readable by every user of this machine (mode %04o) and holds "
             "password hashes; make it private: chmod o-rwx %s\n",
             config_edit_path(e), (unsigned)(st.st_mode & 07777), config_edit_path(e));
}

/* ---- passwords -------------------------------------------------------------- */

static struct termios tty_saved;
static volatile sig_atomic_t tty_fd = -1;

static void tty_restore_on_signal(int sig)
{
    if (tty_fd >= 0)
        tcsetattr(tty_fd, TCSANOW, &tty_saved);
    signal(sig, SIG_DFL);
    raise(sig);
}

char *admin_tty_read_secret(int fd, const char *prompt, char *err, size_t errlen)
{
    struct termios t;
    if (!isatty(fd) || tcgetattr(fd, &t) != 0) {
        snprintf(err, errlen, "not a terminal");
        return NULL;
    }
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
    struct sigaction old[4], sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = tty_restore_on_signal;
    sigemptyset(&sa.sa_mask);
    tty_saved = t;
    tty_fd = fd;
    for (size_t i = 0; i < 4; i++)
        sigaction(sigs[i], &sa, &old[i]);
    t.c_lflag &= (tcflag_t)~ECHO;
    t.c_lflag |= ECHONL | ICANON;
    bool ok = tcsetattr(fd, TCSAFLUSH, &t) == 0;
    if (!ok)
        snprintf(err, errlen, "cannot turn off the terminal's echo: %s", strerror(errno));
    if (ok && prompt && write(fd, prompt, strnlen(prompt, ADMIN_TTY_PROMPT_MAX)) < 0) {
        snprintf(err, errlen, "cannot write to the terminal: %s", strerror(errno));
        ok = false;
    }
    char *pw = xmalloc(PASSWORD_MAX_LEN + 1);
    size_t n = 0;
    bool too_long = false, eof = true;
    while (ok) {
        char c;
        ssize_t got = read(fd, &c, 1);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        if (c == '\n') {
            eof = false;
            break;
        }
        if (n < PASSWORD_MAX_LEN)
            pw[n++] = c;
        else
            too_long = true;
        c = 0;
    }
    tcsetattr(fd, TCSANOW, &tty_saved);
    tty_fd = -1;
    for (size_t i = 0; i < 4; i++)
        sigaction(sigs[i], &old[i], NULL);
    if (n && pw[n - 1] == '\r')
        n--;
    pw[n] = '\0';
    if (ok && (eof || too_long)) {
        snprintf(err, errlen,
                 eof ? "end of input before the password's line ended"
                     : "the password is longer than %d bytes",
                 PASSWORD_MAX_LEN);
        ok = false;
    }
    if (!ok) {
        secure_wipe(pw, PASSWORD_MAX_LEN + 1);
        free(pw);
        return NULL;
    }
    return pw;
}

static char *read_from_dev_tty(void *ctx, const char *prompt, char *err, size_t errlen)
{
    (void)ctx;
    int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen,
                 "no terminal to read the password from (%s); give it on standard input with "
                 "--password-stdin",
                 strerror(errno));
        return NULL;
    }
    char *pw = admin_tty_read_secret(fd, prompt, err, errlen);
    close(fd);
    return pw;
}

/* The first line of io->in. */
static char *read_stdin_line(const run *r, char *err, size_t errlen)
{
    if (!r->io->in) {
        snprintf(err, errlen, "no standard input to read the password from");
        return NULL;
    }
    char *pw = xmalloc(PASSWORD_MAX_LEN + 2);
    size_t n = 0;
    int c;
    bool newline = false;
    while ((c = fgetc(r->io->in)) != EOF) {
        if (c == '\n') {
            newline = true;
            break;
        }
        if (n == PASSWORD_MAX_LEN + 1)
            break;
        pw[n++] = (char)c;
    }
    if (n && pw[n - 1] == '\r' && newline)
        n--;
    pw[n] = '\0';
    if (n > PASSWORD_MAX_LEN) {
        snprintf(err, errlen, "the password on standard input is longer than %d bytes",
                 PASSWORD_MAX_LEN);
        secure_wipe(pw, PASSWORD_MAX_LEN + 2);
        free(pw);
        return NULL;
    }
    return pw;
}

/* A new password for user, hashed; NULL after saying why. */
static char *new_password_hash(const run *r, const char *user)
{
    char err[512];
    char *pw = NULL;
    if (r->a.seen & O_PW_STDIN) {
        pw = read_stdin_line(r, err, sizeof err);
    } else {
        admin_secret_reader rd = r->io->read_secret ? r->io->read_secret : read_from_dev_tty;
        char prompt[160];
        snprintf(prompt, sizeof prompt, "New password for %s: ", user);
        pw = rd(r->io->ctx, prompt, err, sizeof err);
        char *again = pw ? rd(r->io->ctx, "The same password again: ", err, sizeof err) : NULL;
        if (pw && !again) {
            secure_free_str(pw);
            pw = NULL;
        } else if (pw && !ct_streq(pw, again)) {
            snprintf(err, sizeof err, "the two passwords differ");
            secure_free_str(pw);
            pw = NULL;
        }
        secure_free_str(again);
    }
    if (!pw) {
        fail(r, "%s; nothing was changed", err);
        return NULL;
    }
    size_t len = strlen(pw);
    if (len < ADMIN_PASSWORD_MIN) {
        secure_free_str(pw);
        fail(r, "the password is too short (%zu bytes; at least %d); nothing was changed", len,
             ADMIN_PASSWORD_MIN);
        return NULL;
    }
    char *hash = password_hash(pw, len, r->io->pw_params, err, sizeof err);
    secure_free_str(pw);
    if (!hash)
        fail(r, "cannot hash the password: %s", err);
    return hash;
}

/* ---- clients ------------------------------------------------------------------ */

static int client_create(run *r)
{
    const args *a = &r->a;
    const char *id = a->pos[2];
    if (!id_chars(id, CONFIG_CLIENT_ID_MAX, "._~-"))
        return usage_error(r,
                           "'%.64s' is not a valid client id (1 to %d letters, digits, '.', "
                           "'_', '~' or '-')",
                           id, CONFIG_CLIENT_ID_MAX);
    if (!strncmp(id, "dcr_", 4))
        return usage_error(r, "a client id may not start with 'dcr_' (kept for clients "
                              "registered at /register)");
    if (!(a->seen & O_SCOPES))
        return usage_error(r, "client create needs --scopes (any of: %s)", SCOPES_SUPPORTED);
    bool interactive = a->nredirect > 0;
    if ((a->seen & O_PUBLIC) && !interactive)
        return usage_error(r, "--public is for interactive clients, which need --redirect-uri "
                              "(an API client always has a secret)");
    for (size_t i = 0; i < a->nredirect; i++)
        if (!a->redirect[i][0] || strpbrk(a->redirect[i], " \t,"))
            return usage_error(r,
                               "--redirect-uri '%.200s': a redirect URI cannot be empty or "
                               "hold spaces or commas",
                               a->redirect[i]);
    char scopes[SCOPE_BITS_STR_MAX];
    if (!canonical_scopes(r, a->scopes, scopes))
        return ADMIN_EXIT_USAGE;
    config_edit *e;
    int rc = open_edit(r, &e);
    if (rc)
        return rc;
    if (config_edit_has_section(e, "client", id)) {
        config_edit_free(e);
        return fail(r,
                    "client '%s' already exists in %s; to replace it, delete it first "
                    "(" PROG " client delete %s)",
                    id, r->path, id);
    }
    bool confidential = !(a->seen & O_PUBLIC);
    char *secret = NULL, *hash = NULL;
    if (confidential) {
        unsigned char raw[ADMIN_SECRET_BYTES];
        random_bytes(raw, sizeof raw);
        secret = base64url_encode(raw, sizeof raw);
        secure_wipe(raw, sizeof raw);
        hash = client_secret_hash(secret, strlen(secret));
    }
    buf_t uris = BUF_INIT(64 * 1024);
    for (size_t i = 0; i < a->nredirect; i++)
        buf_printf(&uris, "%s%s", i ? " " : "", a->redirect[i]);
    const char *keys[6], *vals[6];
    size_t n = 0;
    if (a->name) {
        keys[n] = "name";
        vals[n++] = a->name;
    }
    keys[n] = "type";
    vals[n++] = confidential ? "confidential" : "public";
    if (hash) {
        keys[n] = "secret_hash";
        vals[n++] = hash;
    }
    const char *grants = interactive ? "authorization_code refresh_token" : "client_credentials";
    keys[n] = "grant_types";
    vals[n++] = grants;
    if (interactive) {
        keys[n] = "redirect_uris";
        vals[n++] = buf_cstr(&uris);
    }
    keys[n] = "scopes";
    vals[n++] = scopes;
    char err[1024];
    if (!config_edit_add_section(e, "client", id, keys, vals, n, err, sizeof err))
        rc = fail(r, "%s", err);
    else
        rc = commit(r, e);
    config_edit_free(e);
    buf_free(&uris);
    free(hash);
    if (rc) {
        secure_free_str(secret);
        return rc;
    }
    say(r, "Created %s client '%s' (%s; grant types: %s; scopes: %s) in %s.\n",
        interactive ? "interactive" : "API", id, confidential ? "confidential" : "public", grants,
        scopes, r->path);
    say(r, "client_id: %s\n", id);
    if (secret) {
        say(r, "client_secret: %s\n", secret);
        say(r, "The secret is shown only this once: ddbsql stores only its SHA-256 and cannot "
               "show it again.\nStore it now; if it is lost, delete the client and create it "
               "again.\n");
        fflush(r->io->out);
    }
    secure_free_str(secret);
    note(r, "%s", restart_hint);
    return ADMIN_EXIT_OK;
}

static int client_list(run *r)
{
    config cfg;
    int rc = load_config(r, &cfg);
    if (rc)
        return rc;
    const oauth_conf *o = &cfg.oauth;
    if (!o->nclients) {
        say(r, "No pre-registered clients in %s.\n", r->path);
    } else {
        say(r, "%-24s %-13s %-14s %-20s %s\n", "CLIENT_ID", "TYPE", "AUTH", "SCOPES",
            "NAME / REDIRECT URIS");
        for (size_t i = 0; i < o->nclients; i++) {
            const client_conf *c = &o->clients[i];
            bool api = c->grant_types == OAUTH_GRANT_CLIENT_CREDENTIALS;
            say(r, "%-24s %-13s %-14s %-20s %s", c->client_id,
                api ? "api"
                    : (c->grant_types & OAUTH_GRANT_CLIENT_CREDENTIALS ? "api+interactive"
                                                                       : "interactive"),
                c->confidential ? "secret" : "none (public)", c->scopes, c->name);
            for (size_t j = 0; j < c->nredirect_uris; j++)
                say(r, " %s", c->redirect_uris[j]);
            say(r, "\n");
        }
    }
    say(r, "(Clients registered at /register or known by a metadata URL live in Redis, not "
           "here.)\n");
    config_free(&cfg);
    return ADMIN_EXIT_OK;
}

static int delete_section(run *r, const char *kind, const char *what, const char *name)
{
    config_edit *e;
    int rc = open_edit(r, &e);
    if (rc)
        return rc;
    char err[1024];
    if (!config_edit_has_section(e, kind, name))
        rc = fail(r, "no %s '%s' in %s", what, name, r->path);
    else if (!config_edit_remove_section(e, kind, name, err, sizeof err))
        rc = fail(r, "%s", err);
    else
        rc = commit(r, e);
    config_edit_free(e);
    return rc;
}

static int client_delete(run *r)
{
    const char *id = r->a.pos[2];
    int rc = delete_section(r, "client", "client", id);
    if (rc)
        return rc;
    say(r, "Deleted client '%s' from %s.\n", id, r->path);
    note(r,
         "%sIts refresh tokens stop working once the workers no longer know the client; to end "
         "them now: " PROG " revoke client %s\nAccess tokens already issued stay valid until "
         "they expire (access_token_ttl_seconds).\n",
         restart_hint, id);
    return ADMIN_EXIT_OK;
}

/* ---- users -------------------------------------------------------------------- */

static bool valid_user(const run *r, const char *name)
{
    if (id_chars(name, CONFIG_USER_NAME_MAX, "._@+-"))
        return true;
    usage_error(r,
                "'%.64s' is not a valid user name (1 to %d letters, digits, '.', '_', '@', "
                "'+' or '-')",
                name, CONFIG_USER_NAME_MAX);
    return false;
}

static int user_add(run *r)
{
    const args *a = &r->a;
    const char *name = a->pos[2];
    if (!valid_user(r, name))
        return ADMIN_EXIT_USAGE;
    if ((a->seen & O_PW_STDIN) && (a->seen & O_NO_PW))
        return usage_error(r, "--password-stdin and --no-password exclude each other");
    char scopes[SCOPE_BITS_STR_MAX] = "";
    if ((a->seen & O_SCOPES) && !canonical_scopes(r, a->scopes, scopes))
        return ADMIN_EXIT_USAGE;
    config_edit *e;
    int rc = open_edit(r, &e);
    if (rc)
        return rc;
    if (config_edit_has_section(e, "user", name)) {
        config_edit_free(e);
        return fail(r,
                    "user '%s' already exists in %s (to set a password: " PROG " user passwd %s)",
                    name, r->path, name);
    }
    char *hash = NULL;
    if (!(a->seen & O_NO_PW) && !(hash = new_password_hash(r, name))) {
        config_edit_free(e);
        return ADMIN_EXIT_FAILED;
    }
    const char *keys[2], *vals[2];
    size_t n = 0;
    if (hash) {
        keys[n] = "password_hash";
        vals[n++] = hash;
    }
    if (scopes[0]) {
        keys[n] = "scopes";
        vals[n++] = scopes;
    }
    char err[1024];
    if (!config_edit_add_section(e, "user", name, keys, vals, n, err, sizeof err))
        rc = fail(r, "%s", err);
    else
        rc = commit(r, e);
    secure_free_str(hash);
    if (!rc) {
        say(r, "Added user '%s' (scopes: %s; %s) to %s.\n", name,
            scopes[0] ? scopes : SCOPES_SUPPORTED " (every scope)",
            (a->seen & O_NO_PW) ? "no password: signs in through REMOTE_USER only" : "password set",
            r->path);
        warn_if_readable(r, e);
        note(r, "%s", restart_hint);
    }
    config_edit_free(e);
    return rc;
}

static int user_passwd(run *r)
{
    const char *name = r->a.pos[2];
    if (!valid_user(r, name))
        return ADMIN_EXIT_USAGE;
    config_edit *e;
    int rc = open_edit(r, &e);
    if (rc)
        return rc;
    if (!config_edit_has_section(e, "user", name)) {
        config_edit_free(e);
        return fail(r, "no user '%s' in %s (to add one: " PROG " user add %s)", name, r->path,
                    name);
    }
    char *hash = new_password_hash(r, name);
    if (!hash) {
        config_edit_free(e);
        return ADMIN_EXIT_FAILED;
    }
    char err[1024];
    if (!config_edit_set(e, "user", name, "password_hash", hash, err, sizeof err))
        rc = fail(r, "%s", err);
    else
        rc = commit(r, e);
    secure_free_str(hash);
    if (!rc) {
        say(r, "Changed the password of '%s' in %s.\n", name, r->path);
        warn_if_readable(r, e);
        note(r,
             "%sBrowsers already signed in as %s stay signed in, and refresh tokens keep "
             "working; to end them now: " PROG " revoke user %s\n",
             restart_hint, name, name);
    }
    config_edit_free(e);
    return rc;
}

static int user_delete(run *r)
{
    const char *name = r->a.pos[2];
    if (!valid_user(r, name))
        return ADMIN_EXIT_USAGE;
    int rc = delete_section(r, "user", "user", name);
    if (rc)
        return rc;
    say(r, "Deleted user '%s' from %s.\n", name, r->path);
    note(r,
         "%sOnce the workers have restarted, %s can no longer sign in or use an existing "
         "browser session; to end the refresh tokens at once: " PROG " revoke user %s\n",
         restart_hint, name, name);
    return ADMIN_EXIT_OK;
}

static int user_list(run *r)
{
    config cfg;
    int rc = load_config(r, &cfg);
    if (rc)
        return rc;
    const oauth_conf *o = &cfg.oauth;
    if (!o->nusers) {
        say(r, "No users in %s.\n", r->path);
    } else {
        say(r, "%-24s %-20s %-10s %s\n", "USER", "SCOPES", "PASSWORD", "STATE");
        for (size_t i = 0; i < o->nusers; i++) {
            const user_conf *u = &o->users[i];
            say(r, "%-24s %-20s %-10s %s\n", u->name, u->scopes, u->password_hash ? "set" : "none",
                u->disabled ? "disabled" : "enabled");
        }
    }
    if (o->trust_remote_user)
        say(r, "(trust_remote_user is on: the web server's REMOTE_USER may also sign in.)\n");
    config_free(&cfg);
    return ADMIN_EXIT_OK;
}

/* ---- signing keys ------------------------------------------------------------- */

/* A boolean as the config loader reads it. */
static bool raw_true(const char *v)
{
    return v && (!strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcasecmp(v, "on") ||
                 !strcmp(v, "1"));
}

typedef struct key_info {
    char **kids;
    size_t n;
    size_t active; /* index, or n when none is marked */
    bool explicit_active;
} key_info;

static void key_info_read(const config_edit *e, key_info *k)
{
    k->kids = config_edit_section_names(e, "signing_key", &k->n);
    k->active = k->n;
    k->explicit_active = false;
    for (size_t i = 0; i < k->n; i++) {
        char *v = config_edit_get(e, "signing_key", k->kids[i], "active");
        if (raw_true(v) && k->active == k->n) {
            k->active = i;
            k->explicit_active = true;
        }
        free(v);
    }
    if (k->active == k->n && k->n == 1)
        k->active = 0; /* a single key is active by itself */
}

static void key_info_free(key_info *k)
{
    config_edit_free_names(k->kids, k->n);
}

static bool path_in_use(const config_edit *e, const key_info *k, const char *path,
                        const char *except)
{
    for (size_t i = 0; i < k->n; i++) {
        if (!strcmp(k->kids[i], except))
            continue;
        char *p = config_edit_get(e, "signing_key", k->kids[i], "path");
        bool same = p && !strcmp(p, path);
        free(p);
        if (same)
            return true;
    }
    return false;
}

static bool resolve_owner(const run *r, const char *spec, uid_t *uid, gid_t *gid)
{
    struct passwd *pw = getpwnam(spec);
    if (!pw) {
        char *end;
        unsigned long v = strtoul(spec, &end, 10);
        if (*spec && !*end && v < 0x7fffffffUL)
            pw = getpwuid((uid_t)v);
    }
    if (!pw) {
        usage_error(r, "--owner: no user '%.64s' on this system", spec);
        return false;
    }
    *uid = pw->pw_uid;
    *gid = pw->pw_gid;
    return true;
}

static char *default_key_dir(const config_edit *e, const key_info *k)
{
    size_t ref = k->active < k->n ? k->active : 0;
    char *p = k->n ? config_edit_get(e, "signing_key", k->kids[ref], "path") : NULL;
    if (p && p[0] == '/') {
        char *slash = strrchr(p, '/');
        if (slash == p)
            slash[1] = '\0';
        else
            *slash = '\0';
        return p;
    }
    free(p);
    const char *cp = config_edit_path(e);
    const char *slash = strrchr(cp, '/');
    buf_t b = BUF_INIT(8192);
    buf_append(&b, cp, slash ? (size_t)(slash - cp) : 0);
    buf_puts(&b, "/keys");
    return buf_steal(&b);
}

static int key_generate(run *r)
{
    const args *a = &r->a;
    if (a->kid && !signing_kid_valid(a->kid))
        return usage_error(r,
                           "--kid '%.64s' is not a valid key id (1 to %d letters, digits, '.', "
                           "'_' or '-')",
                           a->kid, CONFIG_KID_MAX);
    if (a->dir && a->dir[0] != '/')
        return usage_error(r, "--dir must be an absolute path (the config names key files by "
                              "absolute path)");
    uid_t uid = geteuid();
    gid_t gid = getegid();
    bool owner_set = false;
    if (a->owner) {
        if (!resolve_owner(r, a->owner, &uid, &gid))
            return ADMIN_EXIT_USAGE;
        owner_set = true;
    }
    config_edit *e;
    int rc = open_edit(r, &e);
    if (rc)
        return rc;
    key_info k;
    key_info_read(e, &k);
    char *dir = a->dir ? xstrdup(a->dir) : default_key_dir(e, &k);
    /* Without --owner, a new key belongs to whoever owns the active one
     * (the workers' user), so the workers can read it. */
    if (!owner_set && k.n) {
        char *ap = config_edit_get(e, "signing_key", k.kids[k.active < k.n ? k.active : 0], "path");
        struct stat st;
        if (ap && stat(ap, &st) == 0) {
            uid = st.st_uid;
            gid = st.st_gid;
            owner_set = uid != geteuid() || gid != getegid();
        }
        free(ap);
    }
    char kid[CONFIG_KID_MAX + 1];
    buf_t path = BUF_INIT(8192);
    for (int i = 1;; i++) {
        if (a->kid) {
            snprintf(kid, sizeof kid, "%s", a->kid);
        } else {
            time_t now = time(NULL);
            struct tm tm;
            gmtime_r(&now, &tm);
            char day[16];
            strftime(day, sizeof day, "%Y-%m-%d", &tm);
            if (i == 1)
                snprintf(kid, sizeof kid, "%s", day);
            else
                snprintf(kid, sizeof kid, "%s.%d", day, i);
        }
        buf_reset(&path);
        buf_printf(&path, "%s%s%s.pem", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", kid);
        bool taken = config_edit_has_section(e, "signing_key", kid);
        if (a->kid && taken) {
            rc = fail(r, "a key '%s' already exists in %s", kid, r->path);
            goto out;
        }
        if (!taken && access(buf_cstr(&path), F_OK) != 0)
            break;
        if (a->kid) {
            rc = fail(r, "%s already exists; choose another --kid or --dir", buf_cstr(&path));
            goto out;
        }
        if (i == 99) {
            rc = fail(r, "no free key id for today in %s; give one with --kid", dir);
            goto out;
        }
    }
    struct stat dst;
    if (stat(dir, &dst) != 0) {
        if (mkdir(dir, 0700) != 0) {
            rc = fail(r, "cannot create the key directory %s: %s", dir, strerror(errno));
            goto out;
        }
        if (owner_set && chown(dir, uid, gid) != 0) {
            rc = fail(r, "cannot give %s to uid %u: %s", dir, (unsigned)uid, strerror(errno));
            rmdir(dir);
            goto out;
        }
    } else if (!S_ISDIR(dst.st_mode)) {
        rc = fail(r, "%s is not a directory", dir);
        goto out;
    }
    char err[2048];
    const char *kp = buf_cstr(&path);
    if (!signing_key_generate(kp, err, sizeof err)) {
        rc = fail(r, "%s", err);
        goto out;
    }
    if (owner_set && chown(kp, uid, gid) != 0) {
        rc = fail(r, "cannot give %s to uid %u: %s", kp, (unsigned)uid, strerror(errno));
        unlink(kp);
        goto out;
    }
    /* The key as the workers will load it. */
    signing_keys *ks = signing_keys_new();
    bool loads = signing_keys_add_file(ks, kid, kp, false, err, sizeof err);
    signing_keys_free(ks);
    bool first = k.n == 0;
    if (!loads) {
        rc = fail(r, "the new key does not load: %s", err);
    } else {
        const char *keys[] = {"path", "active"}, *vals[] = {kp, "true"};
        bool ok = config_edit_add_section(e, "signing_key", kid, keys, vals, first ? 2 : 1, err,
                                          sizeof err);
        /* Two keys need one marked active: mark the one that signed alone. */
        if (ok && k.n == 1 && !k.explicit_active)
            ok = config_edit_set(e, "signing_key", k.kids[0], "active", "true", err, sizeof err);
        rc = ok ? commit(r, e) : fail(r, "%s", err);
    }
    if (rc) {
        unlink(kp);
        goto out;
    }
    struct passwd *pw = getpwuid(uid);
    say(r, "Generated signing key '%s': %s (EC P-256, mode 0600, owner %s).\n", kid, kp,
        pw ? pw->pw_name : "?");
    if (first) {
        say(r, "It is the only key, so it signs access tokens.\n");
        note(r, "%s", restart_hint);
    } else {
        say(r, "It verifies tokens but does not sign yet.\n");
        note(r,
             "Next: restart or reload every worker so that all of them know the key, then: " PROG
             " key activate %s\n",
             kid);
    }
    /* A root-owned config (the local stack, a container) has root workers. */
    struct stat cst;
    if (uid == 0 && stat(config_edit_path(e), &cst) == 0 && (cst.st_uid != 0 || cst.st_gid != 0))
        note(r,
             "note: the key belongs to root; workers that run as another user cannot read it. "
             "Give it to their user: chown USER %s (or generate with --owner USER)\n",
             kp);
out:
    buf_free(&path);
    free(dir);
    key_info_free(&k);
    config_edit_free(e);
    return rc;
}

static int key_activate(run *r)
{
    const char *kid = r->a.pos[2];
    config_edit *e;
    int rc = open_edit(r, &e);
    if (rc)
        return rc;
    key_info k;
    key_info_read(e, &k);
    char *path = config_edit_get(e, "signing_key", kid, "path");
    char err[2048];
    size_t idx = k.n;
    for (size_t i = 0; i < k.n; i++)
        if (!strcmp(k.kids[i], kid))
            idx = i;
    if (idx == k.n) {
        rc = fail(r, "no key '%s' in %s (" PROG " key list shows them)", kid, r->path);
        goto out;
    }
    if (!path) {
        rc = fail(r, "[signing_key %s] in %s has no path", kid, r->path);
        goto out;
    }
    signing_keys *ks = signing_keys_new();
    bool loads = signing_keys_add_file(ks, kid, path, true, err, sizeof err);
    signing_keys_free(ks);
    if (!loads) {
        rc = fail(r, "key '%s' cannot sign: %s", kid, err);
        goto out;
    }
    const char *old = k.active < k.n && k.active != idx ? k.kids[k.active] : NULL;
    if (k.active == idx && (k.explicit_active || k.n == 1)) {
        say(r, "Key '%s' is already the active key.\n", kid);
        goto out;
    }
    for (size_t i = 0; i < k.n; i++)
        if (i != idx)
            config_edit_unset(e, "signing_key", k.kids[i], "active");
    if (!config_edit_set(e, "signing_key", kid, "active", "true", err, sizeof err)) {
        rc = fail(r, "%s", err);
        goto out;
    }
    rc = commit(r, e);
    if (rc)
        goto out;
    say(r, "Key '%s' now signs new access tokens", kid);
    if (old)
        say(r, "; '%s' still verifies the tokens it signed", old);
    say(r, ".\n");
    note(r, "%s", restart_hint);
    if (old)
        note(r,
             "Once the workers have restarted and the last tokens '%s' signed have expired "
             "(access_token_ttl_seconds later), retire it: " PROG " key retire %s\n",
             old, old);
out:
    free(path);
    key_info_free(&k);
    config_edit_free(e);
    return rc;
}

static int key_retire(run *r)
{
    const char *kid = r->a.pos[2];
    config_edit *e;
    int rc = open_edit(r, &e);
    if (rc)
        return rc;
    key_info k;
    key_info_read(e, &k);
    char *path = config_edit_get(e, "signing_key", kid, "path");
    size_t idx = k.n;
    for (size_t i = 0; i < k.n; i++)
        if (!strcmp(k.kids[i], kid))
            idx = i;
    bool delete_file = false;
    if (idx == k.n) {
        rc = fail(r, "no key '%s' in %s (" PROG " key list shows them)", kid, r->path);
    } else if (idx == k.active) {
        rc = fail(r,
                  "key '%s' is the active key (it signs new tokens) and cannot be retired; "
                  "activate another key first (" PROG " key generate, then " PROG
                  " key activate KID)",
                  kid);
    } else {
        char err[1024];
        delete_file = path && !(r->a.seen & O_KEEP_FILE) && !path_in_use(e, &k, path, kid);
        if (!config_edit_remove_section(e, "signing_key", kid, err, sizeof err))
            rc = fail(r, "%s", err);
        else
            rc = commit(r, e);
    }
    if (!rc) {
        say(r, "Retired key '%s': removed from %s", kid, r->path);
        if (delete_file && unlink(path) == 0)
            say(r, "; deleted %s", path);
        else if (delete_file)
            note(r, "warning: cannot delete %s: %s\n", path, strerror(errno));
        else if (path)
            say(r, "; kept %s", path);
        say(r, ".\n");
        note(r, "%sTokens it signed are refused once the workers have restarted.\n", restart_hint);
    }
    free(path);
    key_info_free(&k);
    config_edit_free(e);
    return rc;
}

/* From the file as written (not config_load): it also works on a config
 * that does not load yet, e.g. auth = oauth before the first key. */
static int key_list(run *r)
{
    config_edit *e;
    int rc = open_edit(r, &e);
    if (rc)
        return rc;
    key_info k;
    key_info_read(e, &k);
    if (!k.n)
        say(r, "No signing keys in %s (" PROG " key generate makes one).\n", r->path);
    else
        say(r, "%-20s %-7s %-6s %s\n", "KID", "ACTIVE", "FILE", "PATH");
    buf_t problems = BUF_INIT(64 * 1024);
    for (size_t i = 0; i < k.n; i++) {
        char *path = config_edit_get(e, "signing_key", k.kids[i], "path");
        char err[1024] = "no path";
        signing_keys *ks = signing_keys_new();
        bool ok = path && signing_keys_add_file(ks, k.kids[i], path, false, err, sizeof err);
        signing_keys_free(ks);
        say(r, "%-20s %-7s %-6s %s\n", k.kids[i], i == k.active ? "yes" : "no", ok ? "ok" : "ERROR",
            path ? path : "-");
        if (!ok) {
            buf_printf(&problems, "  %s: %s\n", k.kids[i], err);
            rc = ADMIN_EXIT_FAILED;
        }
        free(path);
    }
    if (k.n > 1 && k.active == k.n)
        note(r, "No key is marked active = true: the workers refuse to start (" PROG
                " key activate KID).\n");
    if (problems.len)
        note(r, "Keys that do not load (the workers would refuse to start):\n%s",
             buf_cstr(&problems));
    buf_free(&problems);
    key_info_free(&k);
    config_edit_free(e);
    return rc;
}

/* ---- revocation --------------------------------------------------------------- */

static int revoke_any(run *r, bool user)
{
    const char *who = r->a.pos[2];
    size_t n = strlen(who);
    bool ok = n >= 1 && n <= (user ? LOGIN_USER_MAX : REFRESH_FIELD_MAX);
    for (const unsigned char *p = (const unsigned char *)who; ok && *p; p++)
        ok = *p >= 0x20 && *p != 0x7f;
    if (!ok)
        return usage_error(r, "'%.64s' is not a %s", who, user ? "user name" : "client id");
    config cfg;
    int rc = load_config(r, &cfg);
    if (rc)
        return rc;
    redis_store *rs = redis_store_new(&cfg.redis);
    char err[1024];
    size_t sessions = 0, families = 0;
    if (user && login_session_revoke_user(rs, who, &sessions, err, sizeof err) != LOGIN_OK) {
        rc = ADMIN_EXIT_UNAVAILABLE;
    } else {
        refresh_status st = user ? refresh_revoke_user(rs, who, &families, err, sizeof err)
                                 : refresh_revoke_client(rs, who, &families, err, sizeof err);
        if (st != REFRESH_OK)
            rc = st == REFRESH_STORE_DOWN ? ADMIN_EXIT_UNAVAILABLE : ADMIN_EXIT_FAILED;
    }
    if (rc) {
        fail(r, "cannot revoke: %s", err);
    } else {
        if (user)
            say(r,
                "Revoked user '%s': %zu sign-in session%s ended, %zu refresh token famil%s "
                "revoked.\n",
                who, sessions, sessions == 1 ? "" : "s", families, families == 1 ? "y" : "ies");
        else
            say(r, "Revoked client '%s': %zu refresh token famil%s revoked.\n", who, families,
                families == 1 ? "y" : "ies");
        note(r,
             "Access tokens already issued stay valid until they expire (at most %d s): they "
             "are checked without Redis.\n",
             cfg.oauth.access_token_ttl_seconds);
    }
    redis_store_free(rs);
    config_free(&cfg);
    return rc;
}

static int revoke_user(run *r)
{
    return revoke_any(r, true);
}

static int revoke_client(run *r)
{
    return revoke_any(r, false);
}

/* ---- dispatch ----------------------------------------------------------------- */

typedef struct command {
    const char *group, *verb;
    size_t nargs; /* positionals after the verb */
    const char *arg_name;
    unsigned opts;
    int (*fn)(run *r);
} command;

static const command COMMANDS[] = {
    {"client", "create", 1, "ID", O_SCOPES | O_NAME | O_REDIRECT | O_PUBLIC, client_create},
    {"client", "list", 0, NULL, 0, client_list},
    {"client", "delete", 1, "ID", 0, client_delete},
    {"user", "add", 1, "NAME", O_SCOPES | O_PW_STDIN | O_NO_PW, user_add},
    {"user", "passwd", 1, "NAME", O_PW_STDIN, user_passwd},
    {"user", "delete", 1, "NAME", 0, user_delete},
    {"user", "list", 0, NULL, 0, user_list},
    {"key", "generate", 0, NULL, O_KID | O_DIR | O_OWNER, key_generate},
    {"key", "activate", 1, "KID", 0, key_activate},
    {"key", "retire", 1, "KID", O_KEEP_FILE, key_retire},
    {"key", "list", 0, NULL, 0, key_list},
    {"revoke", "user", 1, "NAME", 0, revoke_user},
    {"revoke", "client", 1, "ID", 0, revoke_client},
};
#define NCOMMANDS (sizeof COMMANDS / sizeof COMMANDS[0])

static void verbs_of(const char *group, char *out, size_t outlen)
{
    out[0] = '\0';
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (!strcmp(COMMANDS[i].group, group))
            snprintf(out + strlen(out), outlen - strlen(out), "%s%s", out[0] ? ", " : "",
                     COMMANDS[i].verb);
}

int admin_run(int argc, char **argv, const admin_io *io)
{
    run r = {io, {0}, NULL};
    int rc = parse_args(&r, argc, argv);
    if (rc)
        return rc;
    const args *a = &r.a;
    if (a->help || (a->npos == 1 && !strcmp(a->pos[0], "help"))) {
        fputs(USAGE, io->out);
        return ADMIN_EXIT_OK;
    }
    if (a->npos == 0)
        return usage_error(&r, "no command given (client, user, key or revoke)");
    char verbs[128];
    verbs_of(a->pos[0], verbs, sizeof verbs);
    if (!verbs[0])
        return usage_error(&r, "unknown command '%.64s' (client, user, key or revoke)", a->pos[0]);
    if (a->npos == 1)
        return usage_error(&r, "%s needs a subcommand: %s", a->pos[0], verbs);
    const command *c = NULL;
    for (size_t i = 0; i < NCOMMANDS && !c; i++)
        if (!strcmp(COMMANDS[i].group, a->pos[0]) && !strcmp(COMMANDS[i].verb, a->pos[1]))
            c = &COMMANDS[i];
    if (!c)
        return usage_error(&r, "unknown command '%s %.64s' (%s takes: %s)", a->pos[0], a->pos[1],
                           a->pos[0], verbs);
    if (a->npos - 2 < c->nargs)
        return usage_error(&r, "%s %s needs %s", c->group, c->verb, c->arg_name);
    if (a->npos - 2 > c->nargs)
        return usage_error(&r, "%s %s: unexpected argument '%.64s'", c->group, c->verb,
                           a->pos[2 + c->nargs]);
    for (size_t i = 0; i < NOPTS; i++)
        if ((a->seen & OPTS[i].bit) && !(c->opts & OPTS[i].bit))
            return usage_error(&r, "%s %s does not take %s", c->group, c->verb, OPTS[i].name);
    r.path = a->config ? a->config : config_path();
    rc = c->fn(&r);
    fflush(io->out);
    return rc;
}
