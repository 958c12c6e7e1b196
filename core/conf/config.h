/* ddbsql's configuration: one INI-style file, validated completely at
 * start-up. Any error names the file, the line, the section and key, and
 * what is wrong; the worker then refuses to serve. See README "Config".
 *
 *   public_url = http://127.0.0.1:8080        # base URL; /mcp is appended
 *   allowed_origins = http://127.0.0.1:8080 http://localhost:8080
 *   auth = none | oauth
 *   ...
 *   [oauth]                  # with auth = oauth (see docs/CONFIG.md)
 *   access_token_ttl_seconds = 600
 *   [signing_key 2026-01]    # one per key; the kid is the section name
 *   path = /etc/ddbsql/keys/2026-01.pem
 *   active = true
 *   [schema demo]
 *   default = true
 *   region = us-east-1
 *   endpoint = http://127.0.0.1:4567
 *   tables = *
 */
#ifndef DDBSQL_CONFIG_H
#define DDBSQL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#define CONFIG_ENV_VAR      "DDBSQL_CONFIG"
#define CONFIG_DEFAULT_PATH "/etc/ddbsql/ddbsql.conf"

typedef enum {
    CREDS_CHAIN,   /* env, shared file (default profile), ECS, IMDSv2 */
    CREDS_STATIC,  /* access_key_id / secret_access_key in this file */
    CREDS_PROFILE, /* a named profile of the shared credentials file */
} creds_kind;

typedef struct schema_conf {
    char *name;
    bool is_default;
    char *region;
    char *endpoint; /* NULL: https://dynamodb.<region>.amazonaws.com */
    creds_kind creds;
    char *access_key_id;     /* CREDS_STATIC */
    char *secret_access_key; /* CREDS_STATIC; wiped on config_free */
    char *session_token;     /* CREDS_STATIC, optional */
    char *profile;           /* CREDS_PROFILE */
    /* Optional: assume this role (with base creds from above). */
    char *role_arn;
    char *external_id;
    char *role_session_name;
    int role_duration_seconds;
    char *sts_endpoint; /* NULL: https://sts.<region>.amazonaws.com */
    /* Table allow-list: all_tables, or exact case-sensitive names. */
    bool all_tables;
    char **tables;
    size_t ntables;
} schema_conf;

typedef struct redis_conf {
    char *host; /* NULL when socket is set */
    int port;
    char *socket;
    char *password; /* wiped on config_free */
    int db;
    int connect_timeout_ms;
    int command_timeout_ms;
    char *key_prefix;
} redis_conf;

typedef struct dynamodb_conf {
    int connect_timeout_ms;
    int request_timeout_ms; /* one HTTP attempt */
    int retry_budget_ms;    /* all attempts of one call, backoff included */
    int max_attempts;
    int base_backoff_ms;
} dynamodb_conf;

/* [sql]: the limits and paging of run_sql (sql/run_sql.h). */
#define CONFIG_SQL_ROWS_CAP   1000 /* no page is ever larger */
#define CONFIG_CURSOR_KEY_MIN 32   /* bytes of a cursor secret, at least */
#define CONFIG_CURSOR_KEY_MAX 1024
typedef struct sql_conf {
    int max_items_read;     /* items DynamoDB may read for one query */
    int max_capacity_units; /* read capacity units per query; 0 = unlimited */
    int time_limit_ms;      /* per query */
    int max_memory_mb;      /* held by sorts, joins, aggregates, DISTINCT */
    int max_scan_segments;  /* parallel Scan segments, at most */
    int default_rows;       /* a page when the caller gives no max_rows */
    int max_rows;           /* the largest page a caller may ask for */
    /* The secret that signs cursors: decoded from cursor_secret, or read
       from the file cursor_secret_file names. NULL when neither is set (each
       process then draws a random key; see docs/CONFIG.md). Wiped on free. */
    unsigned char *cursor_key;
    size_t cursor_key_len;
    char *cursor_secret_file; /* as configured, or NULL */
} sql_conf;

/* [user NAME]: a person who may sign in on the /authorize pages
 * (oauth/users.h). */
#define CONFIG_USER_NAME_MAX 64 /* bytes of a user name */
typedef struct user_conf {
    char *name;          /* the section name: 1..CONFIG_USER_NAME_MAX of [A-Za-z0-9._@+-] */
    char *password_hash; /* scrypt PHC string (oauth/password.h); NULL: REMOTE_USER only */
    char *scopes;        /* scopes the user may grant, space-separated, canonical order */
    bool disabled;       /* may not sign in */
} user_conf;

/* [signing_key KID]: one EC P-256 private key file (PEM). Every key
 * verifies access tokens; the active one signs new tokens. */
#define CONFIG_KID_MAX 64 /* bytes of a key id */
typedef struct signing_key_conf {
    char *kid;  /* the section name: 1..CONFIG_KID_MAX of [A-Za-z0-9._-] */
    char *path; /* absolute */
    bool active;
    int line; /* the line of its path key, for messages about the file (0: unknown) */
} signing_key_conf;

/* Grant types as bits: [client ID] grant_types, and the clients of
 * oauth/client_registry.h. */
#define OAUTH_GRANT_AUTHORIZATION_CODE 1u
#define OAUTH_GRANT_REFRESH_TOKEN      2u
#define OAUTH_GRANT_CLIENT_CREDENTIALS 4u

/* [client ID]: a pre-registered OAuth client (oauth/client_registry.h). */
#define CONFIG_CLIENT_ID_MAX        128       /* bytes of a pre-registered client id */
#define CONFIG_CLIENT_SECRET_PREFIX "sha256:" /* secret_hash = sha256:<64 hex> */
typedef struct client_conf {
    char *client_id;      /* the section name: 1..CONFIG_CLIENT_ID_MAX of [A-Za-z0-9._~-] */
    char *name;           /* shown on the consent page; defaults to client_id */
    char **redirect_uris; /* exact strings, oauth/redirect_uri.h rules */
    size_t nredirect_uris;
    bool confidential;    /* type = confidential: authenticates with a secret */
    char *secret_hash;    /* confidential only: "sha256:" + 64 lowercase hex */
    char *scopes;         /* allowed scopes, space-separated, canonical order */
    unsigned grant_types; /* OAUTH_GRANT_* */
} client_conf;

/* [oauth]: the authorization server and the bearer check of /mcp. */
typedef struct oauth_conf {
    char *issuer;                   /* normalised URL; defaults to public_url */
    int access_token_ttl_seconds;   /* lifetime of an access token (JWT) */
    int clock_leeway_seconds;       /* tolerated clock skew on exp, nbf, iat */
    int session_lifetime_hours;     /* absolute, from the interactive login */
    int refresh_token_ttl_seconds;  /* one refresh token, capped by the session */
    int registered_client_ttl_days; /* a DCR client unused this long expires */
    bool trust_remote_user;         /* sign in as REMOTE_USER from the web server */
    bool cimd_allow_loopback;       /* tests only: CIMD documents on loopback */
    char *cimd_ca_file;             /* tests only: CA certificates for CIMD fetches */
    int registration_rate_limit;    /* DCR registrations per client address per window */
    int registration_rate_window_seconds;
    client_conf *clients; /* [client ID] sections */
    size_t nclients;
    signing_key_conf *keys;
    size_t nkeys;
    signing_key_conf *active_key; /* into keys; NULL when there is none */

    /* Sign-in on /authorize (oauth/users.h, login_session.h, rate_limit.h). */
    int login_session_ttl_seconds;   /* a browser stays signed in this long */
    int login_max_attempts_per_user; /* sign-in attempts per user name per window */
    int login_max_attempts_per_ip;   /* sign-in attempts per client address per window */
    int login_window_seconds;        /* the window of those two limits */
    user_conf *users;                /* [user NAME] sections */
    size_t nusers;
} oauth_conf;

typedef struct config {
    char *path;
    char *public_url; /* normalised: no trailing slash */
    char *mcp_url;    /* public_url + "/mcp" */
    char **allowed_origins;
    size_t norigins;
    bool auth_none; /* `auth = none`: loopback public_url only; else oauth */
    size_t max_body_bytes;
    size_t max_params;
    size_t max_param_bytes;
    char *log_level;
    int metadata_ttl_seconds;
    int sample_size; /* items read to infer columns */
    redis_conf redis;
    dynamodb_conf dynamodb;
    sql_conf sql;
    oauth_conf oauth;
    schema_conf *schemas;
    size_t nschemas;
    schema_conf *default_schema;
} config;

/* The config path: $DDBSQL_CONFIG, else CONFIG_DEFAULT_PATH. */
const char *config_path(void);
/* Loads and validates. On failure returns false with a message such as
 * "/etc/ddbsql/ddbsql.conf:12: [schema demo] region: 'us-east' is not an
 * AWS region (expected e.g. us-east-1)". */
bool config_load(const char *path, config *out, char *err, size_t errlen);
void config_free(config *c);
const schema_conf *config_schema(const config *c, const char *name);
/* True when the allow-list admits this physical table name. */
bool schema_allows_table(const schema_conf *s, const char *table);

#endif
