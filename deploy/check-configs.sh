#!/usr/bin/env bash
# Checks the deployment configs in deploy/ and runs the end-to-end smoke
# suite through each front end; prints TAP (tests/run-all.sh deploy, make
# test-deploy). Each server is given the files as shipped; only site-specific
# values (ports, paths, certificates, user names) are rewritten into a temp
# copy where the file cannot take them as variables.
#
# Static checks always run: the example config, lighttpd -tt, apachectl -t,
# nginx -t, systemd-analyze verify. When the release executables exist (make)
# and this runs as root (the set-ups switch users like production), each
# set-up is also started on loopback in front of Redis and dynalite with the
# demo data, with auth = oauth:
#   lighttpd + mod_fastcgi   public_url http://127.0.0.1:PORT
#   Apache + mod_fcgid       public_url https://127.0.0.1:PORT2, TLS ended by a
#                            proxy in front (Apache and ddbsql see plain http);
#                            and the shared-hosting .htaccess set-up under
#                            /ddbsql (a base path)
#   nginx + spawn-fcgi       public_url https://127.0.0.1:PORT, TLS ended by
#                            nginx itself (the shipped ssl lines, a test cert)
# and each must route every endpoint, pass tests/deploy/smoke.mjs (discovery,
# client_credentials, the MCP SDK client's tools/list and run_sql, body
# sizes, the sign-in and consent pages, /token and /revoke, workers stopped
# and killed mid-request, Redis left consistent), and stop all its workers
# cleanly when it stops.
#
#   deploy/check-configs.sh [BINDIR]     (default build/release/bin)
#
# DDBSQL_DEPLOY_KEEP=1 keeps the temp dir (configs, logs) for a look after;
# DDBSQL_DEPLOY_ONLY=lighttpd|apache|nginx checks that set-up alone.

set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
REPO=$PWD
BINDIR=$(cd "${1:-build/release/bin}" 2>/dev/null && pwd || echo "")
T=$(mktemp -d "${TMPDIR:-/tmp}/ddbsql-deploy.XXXXXX")
chmod 755 "$T" # the workers run as www-data
# A copy of the executables: mod_fcgid and the restarts start workers late,
# and a concurrent make must not swap a binary under a running check.
if [[ -n $BINDIR ]] && ls "$BINDIR"/ddbsql-* >/dev/null 2>&1; then
  mkdir -p "$T/bin" && cp -p "$BINDIR"/ddbsql-* "$T/bin/" && BINDIR=$T/bin
fi
BIN=${BINDIR:+$BINDIR/ddbsql-mcp}
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do wait_gone "$p"; done
  # Whatever a server left behind (its command line names this run's dir).
  local left
  left=$(ps -e -o pid=,args= | awk -v t="$T" 'index($0, t) && $2 != "awk" { print $1 }')
  # shellcheck disable=SC2086 # pids
  [[ -z $left ]] || kill -9 $left 2>/dev/null
  if [[ -n ${DDBSQL_DEPLOY_KEEP:-} ]]; then echo "# kept $T" >&2; else rm -rf "$T"; fi
}
trap cleanup EXIT

N=0
FAILED=0
ok() {
  N=$((N + 1))
  echo "ok $N - $1"
}
not_ok() {
  N=$((N + 1))
  FAILED=$((FAILED + 1))
  echo "not ok $N - $1"
  shift
  [[ $# -gt 0 && -f $1 ]] && sed 's/^/# /' "$1" | tail -n 40
}
skip() {
  N=$((N + 1))
  echo "ok $N - $1 # SKIP $2"
}
check() { # name logfile command...
  local name=$1 log=$2
  shift 2
  if "$@" >"$log" 2>&1; then ok "$name"; else not_ok "$name" "$log"; fi
}
have() { command -v "$1" >/dev/null 2>&1 || [[ -x /usr/sbin/$1 ]]; }
want() { [[ -z ${DDBSQL_DEPLOY_ONLY:-} || $DDBSQL_DEPLOY_ONLY == "$1" ]]; }
free_port() {
  node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}
wait_gone() { # pid: up to 5 s for a clean exit, then SIGKILL (with what it started)
  local _ kids
  kids=$(ps -e -o pid=,ppid= | awk -v root="$1" '{ parent[$1] = $2 }
    END { for (p in parent) for (q = parent[p]; q > 1; q = parent[q]) if (q == root) { print p; break } }')
  for _ in $(seq 1 50); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  # shellcheck disable=SC2086 # pids
  kill -9 "$1" $kids 2>/dev/null
  wait "$1" 2>/dev/null
}
# The ddbsql workers below a process (any depth), as "pid pid ...".
workers_of() { # root pid
  ps -e -o pid=,ppid=,stat=,comm= | awk -v root="$1" '
    { parent[$1] = $2; state[$1] = $3; comm[$1] = $4 }
    END {
      for (p in parent) {
        if (comm[p] !~ /^ddbsql-/ || state[p] ~ /^Z/) continue
        for (q = parent[p]; q > 1; q = parent[q]) if (q == root) { printf "%s ", p; break }
      }
    }'
}
# True once none of the given pids is alive (zombies count as gone).
all_gone() { # pid...
  local p st
  for p in "$@"; do
    st=$(ps -o stat= -p "$p" 2>/dev/null) || continue
    [[ $st == Z* ]] || return 1
  done
}
wait_all_gone() { # seconds pid...
  local limit=$(($1 * 10)) i
  shift
  for ((i = 0; i < limit; i++)); do all_gone "$@" && return 0; sleep 0.1; done
  return 1
}
# Relays the lines of tests/deploy/smoke.mjs ("ok - x", "not ok - x", "# ...")
# as numbered points, each prefixed with the set-up's name.
relay_smoke() { # prefix, output file
  local line
  while IFS= read -r line; do
    case $line in
      "ok - "*" # SKIP "*)
        local rest=${line#ok - }
        skip "$1: ${rest%% # SKIP *}" "${rest#* # SKIP }"
        ;;
      "ok - "*) ok "$1: ${line#ok - }" ;;
      "not ok - "*)
        N=$((N + 1))
        FAILED=$((FAILED + 1))
        echo "not ok $N - $1: ${line#not ok - }"
        ;;
      "#"*) echo "$line" ;;
      *) echo "# $line" ;;
    esac
  done <"$2"
}

# ---- what the live checks need ------------------------------------------------------

LIVE=1
live_skip_reason=""
need() { # what is missing
  LIVE=0
  live_skip_reason="${live_skip_reason:+$live_skip_reason, }$1"
}
[[ -n $BIN && -x $BIN ]] || need "$REPO/build/release/bin/ddbsql-mcp (make)"
[[ $(id -u) == 0 ]] || need "root (the set-ups switch users like production)"
{ have redis-server && have redis-cli; } || need "redis-server"
{ have node && [[ -f deploy/local/node_modules/dynalite/cli.js && -d tests/node_modules/@modelcontextprotocol/sdk ]]; } ||
  need "node with deploy/local and tests node_modules (tests/install-deps.sh)"
have openssl || need "openssl"
have ss || need "ss (iproute2)"

# A test certificate for the TLS set-ups (nginx's ssl lines, the proxy in
# front of Apache), for 127.0.0.1.
TLS=$T/tls
if have openssl; then
  mkdir -p "$TLS"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$TLS/key.pem" -out "$TLS/cert.pem" >"$TLS/openssl.log" 2>&1
  chmod 644 "$TLS/key.pem" # nginx reads it as root; the test key guards nothing
  export CURL_CA_BUNDLE=$TLS/cert.pem
fi

# Redis, dynalite with the demo data, the OAuth material (a signing key, a
# user, an API client) shared by every set-up's config.
start_backends() {
  local _
  REDIS_PORT=$(free_port)
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no --dir "$T" \
    --loglevel warning >"$T/redis.log" 2>&1 &
  PIDS+=("$!")
  DDB_PORT=$(free_port)
  node deploy/local/node_modules/dynalite/cli.js --host 127.0.0.1 --port "$DDB_PORT" \
    --createTableMs 5 --deleteTableMs 5 --updateTableMs 5 >"$T/dynalite.log" 2>&1 &
  PIDS+=("$!")
  SLOW_PORT=$(free_port) # smoke.mjs's DynamoDB proxy (schema "slow")
  for _ in $(seq 1 100); do
    redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && (echo >"/dev/tcp/127.0.0.1/$DDB_PORT") 2>/dev/null && break
    sleep 0.1
  done
  # The smoke suite reads customers only.
  node deploy/local/load-demo.mjs "http://127.0.0.1:$DDB_PORT" customers >"$T/load-demo.log" 2>&1 &&
    node tests/deploy/smoke.mjs material "$T/oauth" >"$T/material.log" 2>&1 &&
    chown www-data:www-data "$T/oauth/signing.pem" # 0600, the workers' user
}

# A ddbsql config for a set-up whose clients use public_url.
write_config() { # file, public_url
  cat >"$1" <<EOF
public_url = $2
auth = oauth
[redis]
host = 127.0.0.1
port = $REDIS_PORT
[sql]
# Every worker must accept the others' cursors.
cursor_secret = 64646273716c2d6465706c6f792d736d6f6b652d637572736f722d7365637265
[schema demo]
default = true
region = us-east-1
endpoint = http://127.0.0.1:$DDB_PORT
credentials = static
access_key_id = AKIDLOCALDEMO0000000
secret_access_key = localdemosecretlocaldemosecretlocaldemo0
# dynalite behind smoke.mjs's proxy, which holds a request on demand
[schema slow]
region = us-east-1
endpoint = http://127.0.0.1:$SLOW_PORT
credentials = static
access_key_id = AKIDLOCALDEMO0000000
secret_access_key = localdemosecretlocaldemosecretlocaldemo0
EOF
  cat "$T/oauth/oauth.conf" >>"$1"
  chmod 644 "$1" # read by the www-data workers (holds only hashes and a key path)
  if ! DDBSQL_CONFIG=$1 "$BIN" --check-config >"$1.check" 2>&1; then
    not_ok "the config written for $2 passes ddbsql-mcp --check-config" "$1.check"
    return 1
  fi
}

# ---- the routing checks: each endpoint reaches its executable --------------------

# /mcp without a token: ddbsql-mcp's 401 with its OAuth challenge (waits for
# the server to come up).
mcp_challenge_ok() { # url, logfile
  local out deadline=$((SECONDS + 15))
  while ((SECONDS < deadline)); do
    out=$(curl -sS -m 5 -D "$2.head" -o "$2.body" -w '%{http_code}' -X POST "$1" \
      -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
      --data '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"check-configs","version":"0"}}}' 2>"$2.err")
    if [[ $out == 401 ]] && grep -qi '^WWW-Authenticate: Bearer .*resource_metadata=' "$2.head"; then return 0; fi
    sleep 0.2
  done
  { echo "POST $1: HTTP status $out"; cat "$2.err" "$2.head" "$2.body" 2>/dev/null; echo; } >>"$2"
  return 1
}
# The OAuth discovery paths reach ddbsql-mcp and other /.well-known/ paths
# do not.
discovery_routed() { # origin, base path, logfile
  local code
  code=$(curl -sS -m 5 -o "$3.body" -w '%{http_code}' "$1/.well-known/oauth-protected-resource$2/mcp" 2>"$3.err")
  if [[ $code != 200 ]] || ! grep -q '"resource":"' "$3.body"; then
    { echo "GET $1/.well-known/oauth-protected-resource$2/mcp: HTTP $code"; cat "$3.err" "$3.body" 2>/dev/null; echo; } >>"$3"
    return 1
  fi
  curl -sS -m 5 -o "$3.acme" "$1/.well-known/acme-challenge/x" 2>>"$3.err"
  if grep -q '"error"' "$3.acme"; then
    { echo "GET $1/.well-known/acme-challenge/x reached ddbsql:"; cat "$3.acme"; echo; } >>"$3"
    return 1
  fi
}
# POST /register reaches ddbsql-register: its RFC 7591 error for metadata
# without redirect URIs.
register_routed() { # base url, logfile
  local code
  code=$(curl -sS -m 5 -o "$2.body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    --data '{"redirect_uris":[]}' "$1/register" 2>"$2.err")
  if [[ $code != 400 ]] || ! grep -q '"error":"invalid_redirect_uri"' "$2.body"; then
    { echo "POST $1/register: HTTP $code"; cat "$2.err" "$2.body" 2>/dev/null; echo; } >>"$2"
    return 1
  fi
}
# GET /authorize reaches ddbsql-authorize: its HTML error page for an
# unknown client, with its security headers.
authorize_routed() { # base url, logfile
  local code
  code=$(curl -sS -m 5 -D "$2.head" -o "$2.body" -w '%{http_code}' \
    "$1/authorize?response_type=code&client_id=no-such-client" 2>"$2.err")
  if [[ $code != 400 ]] || ! grep -q 'no-such-client' "$2.body" || ! grep -qi '^X-Frame-Options: DENY' "$2.head"; then
    { echo "GET $1/authorize: HTTP $code"; cat "$2.err" "$2.head" "$2.body" 2>/dev/null; echo; } >>"$2"
    return 1
  fi
}
# POST /token and /revoke reach ddbsql-token: RFC 6749's invalid_client
# for a request without client authentication, with Cache-Control: no-store.
token_routed() { # base url, logfile
  local code ep
  for ep in token revoke; do
    code=$(curl -sS -m 5 -D "$2.head" -o "$2.body" -w '%{http_code}' -X POST \
      -H 'Content-Type: application/x-www-form-urlencoded' --data 'grant_type=client_credentials&token=x' \
      "$1/$ep" 2>"$2.err")
    if [[ $code != 401 ]] || ! grep -q '"error":"invalid_client"' "$2.body" ||
      ! grep -qi '^Cache-Control: no-store' "$2.head"; then
      { echo "POST $1/$ep: HTTP $code"; cat "$2.err" "$2.head" "$2.body" 2>/dev/null; echo; } >>"$2"
      return 1
    fi
  done
}
# Every routing check for one set-up, as test points.
check_routes() { # name, url clients use (public_url), curl options file
  local name=$1 url=$2 log=$T/routes-${1//[^a-z]/_}
  local origin=$url path=""
  if [[ $url =~ ^(https?://[^/]+)(/.*)?$ ]]; then
    origin=${BASH_REMATCH[1]}
    path=${BASH_REMATCH[2]}
  fi
  if mcp_challenge_ok "$url/mcp" "$log-mcp.log"; then
    ok "$name: /mcp reaches ddbsql-mcp (401 with its OAuth challenge)"
  else
    not_ok "$name: /mcp reaches ddbsql-mcp (401 with its OAuth challenge)" "$log-mcp.log"
    return 1
  fi
  if [[ $name != *shared* ]]; then
    check "$name: routes the OAuth discovery paths (only those) to ddbsql-mcp" "$log-wk.log" \
      discovery_routed "$origin" "$path" "$log-wk.log"
  fi
  check "$name: routes /register to ddbsql-register" "$log-reg.log" register_routed "$url" "$log-reg.log"
  check "$name: routes /authorize to ddbsql-authorize" "$log-authz.log" authorize_routed "$url" "$log-authz.log"
  check "$name: routes /token and /revoke to ddbsql-token" "$log-token.log" token_routed "$url" "$log-token.log"
}

# The smoke suite through one set-up.
smoke() { # name, public_url, smoke.mjs options...
  local name=$1 url=$2 out=$T/smoke-${1//[^a-z]/_}.out
  shift 2
  NODE_EXTRA_CA_CERTS=$TLS/cert.pem timeout -k 5 240 node tests/deploy/smoke.mjs run --public-url "$url" \
    --creds "$T/oauth/creds.json" --redis-port "$REDIS_PORT" "$@" >"$out" 2>&1
  local rc=$?
  relay_smoke "$name" "$out"
  if [[ $rc != 0 ]] && ! grep -q '^not ok' "$out"; then
    not_ok "$name: the smoke suite ran to the end (exit status $rc)" "$out"
  fi
}

# Stops a front end the way its service manager does (SIGTERM) and checks
# that every worker it ran exits with it, cleanly (the worker's own "stopping
# on signal 15" line in the log its stderr goes to).
stop_and_check_workers() { # name, front end pid, workers' log, workers...
  local name=$1 pid=$2 log=$3 p unclean=""
  shift 3
  local what="$name: every worker exits cleanly on SIGTERM when the server stops"
  kill "$pid" 2>/dev/null
  wait_gone "$pid"
  if (($# == 0)); then
    echo "no ddbsql workers were found under pid $pid" >"$T/stop.log"
    not_ok "$what" "$T/stop.log"
    return
  fi
  if ! wait_all_gone 15 "$@"; then
    { echo "still running after 15 s:"; ps -o pid,ppid,stat,args -p "$*"; } >"$T/stop.log" 2>&1
    not_ok "$what" "$T/stop.log"
    for p in "$@"; do kill -9 "$p" 2>/dev/null; done
    return
  fi
  for p in "$@"; do
    grep -q "\[$p\] info: stopping on signal 15" "$log" || unclean="$unclean $p"
  done
  if [[ -z $unclean ]]; then
    ok "$what ($# workers)"
  else
    { echo "no clean stop logged by:$unclean"; tail -n 20 "$log"; } >"$T/stop.log" 2>&1
    not_ok "$what" "$T/stop.log"
  fi
}

# ---- ddbsql.conf.example ------------------------------------------------------
ex=deploy/ddbsql.conf.example
# shellcheck disable=SC2016 # backquotes in the pattern are literal
missing=$(sed -n 's/^| `\([a-z_]*\)` |.*/\1/p' docs/CONFIG.md | sort -u | while read -r k; do
  grep -qE "^#?$k *=" "$ex" || echo "$k"
done)
if [[ -z $missing ]]; then ok "ddbsql.conf.example covers every key of docs/CONFIG.md"; else
  echo "keys missing: $missing" >"$T/keys.log"
  not_ok "ddbsql.conf.example covers every key of docs/CONFIG.md" "$T/keys.log"
fi
if [[ -n $BIN && -x $BIN ]]; then
  # As shipped except: auth = none (no signing key here) needs a loopback
  # public_url.
  sed -e 's|^public_url = .*|public_url = http://127.0.0.1:8080|' -e 's|^#auth = oauth|auth = none|' "$ex" >"$T/example.conf"
  check "ddbsql.conf.example passes ddbsql-mcp --check-config" "$T/example.log" \
    env DDBSQL_CONFIG="$T/example.conf" "$BIN" --check-config
else
  skip "ddbsql.conf.example passes ddbsql-mcp --check-config" "no $REPO/build/release/bin/ddbsql-mcp"
fi

if ((LIVE)); then
  if start_backends; then
    ok "backends: Redis, dynalite with the demo data, OAuth material"
  else
    cat "$T/redis.log" "$T/dynalite.log" "$T/load-demo.log" "$T/material.log" >"$T/backends.log" 2>/dev/null
    not_ok "backends: Redis, dynalite with the demo data, OAuth material" "$T/backends.log"
    LIVE=0
    live_skip_reason="the backends did not start"
  fi
fi

# ---- lighttpd --------------------------------------------------------------------
if ! want lighttpd; then
  : # DDBSQL_DEPLOY_ONLY
elif have lighttpd; then
  L=$T/lt
  mkdir -p "$L/run" "$L/www" "$L/log"
  chown www-data:www-data "$L/run" "$L/log" 2>/dev/null
  port=$(free_port)
  L_URL=http://127.0.0.1:$port
  LT_LIVE=$LIVE
  ((LIVE)) && { write_config "$L/ddbsql.conf" "$L_URL" || LT_LIVE=0; }
  sed -e "s|^server.bind .*|server.bind = \"127.0.0.1\"|" \
    -e "s|^server.port .*|server.port = $port|" \
    -e "s|\"/var/www/empty\"|\"$L/www\"|" \
    -e "s|\"/var/log/lighttpd/|\"$L/log/|g" \
    -e "s|\"/run/lighttpd.pid\"|\"$T/lighttpd.pid\"|" \
    -e "s|^var.ddbsql_bindir .*|var.ddbsql_bindir = \"${BINDIR:-/usr/local/bin}\"|" \
    -e "s|^var.ddbsql_sockdir .*|var.ddbsql_sockdir = \"$L/run\"|" \
    -e "s|\"/etc/ddbsql/ddbsql.conf\"|\"$L/ddbsql.conf\"|" \
    -e "s|\"/usr/local/share/doc/ddbsql/deploy/lighttpd/ddbsql.conf\"|\"$REPO/deploy/lighttpd/ddbsql.conf\"|" \
    deploy/lighttpd/lighttpd.conf >"$L/lighttpd.conf"
  check "lighttpd: lighttpd.conf + ddbsql.conf pass lighttpd -tt" "$L/tt.log" lighttpd -tt -f "$L/lighttpd.conf"
  if ((LT_LIVE)); then
    lighttpd -D -f "$L/lighttpd.conf" >"$L/stderr.log" 2>&1 &
    pid=$!
    PIDS+=("$pid")
    if check_routes lighttpd "$L_URL"; then
      smoke lighttpd "$L_URL" --slow-port "$SLOW_PORT" --dynamo "http://127.0.0.1:$DDB_PORT"
      # shellcheck disable=SC2046 # pids
      stop_and_check_workers lighttpd "$pid" "$L/stderr.log" $(workers_of "$pid")
    fi
    kill "$pid" 2>/dev/null
    wait_gone "$pid"
  else
    skip "lighttpd: live checks and the smoke suite" "needs $live_skip_reason"
  fi
else
  skip "lighttpd configs" "lighttpd not installed"
fi

# ---- Apache + mod_fcgid ----------------------------------------------------------
MODS=/usr/lib/apache2/modules
if ! want apache; then
  : # DDBSQL_DEPLOY_ONLY
elif have apache2 && [[ -f $MODS/mod_fcgid.so ]]; then
  A=$T/apache
  mkdir -p "$A/run" "$A/fcgid" "$A/www/ddbsql"
  chown www-data:www-data "$A/fcgid"
  port=$(free_port)
  tls_port=$(free_port)
  A_URL=https://127.0.0.1:$tls_port # TLS ended by smoke.mjs's proxy in front
  A_SHARED_URL=http://127.0.0.1:$port/ddbsql
  A_LIVE=$LIVE
  if ((LIVE)); then
    write_config "$A/ddbsql.conf" "$A_URL" || A_LIVE=0
    write_config "$A/shared.conf" "$A_SHARED_URL" || A_LIVE=0
  fi
  cat >"$A/apache2.conf" <<EOF
# Minimal server around deploy/apache/ddbsql.conf (check-configs.sh).
ServerRoot "$A"
ServerName 127.0.0.1
Listen 127.0.0.1:$port
PidFile "$T/apache.pid"
DefaultRuntimeDir "$A/run"
ErrorLog "$A/error.log"
LogLevel warn
User www-data
Group www-data
LoadModule mpm_event_module $MODS/mod_mpm_event.so
LoadModule authz_core_module $MODS/mod_authz_core.so
LoadModule alias_module $MODS/mod_alias.so
LoadModule fcgid_module $MODS/mod_fcgid.so
LoadModule remoteip_module $MODS/mod_remoteip.so
FcgidIPCDir "$A/fcgid"
FcgidProcessTableFile "$A/fcgid/shm"
# Shortened (defaults 300 s and 120 s) so this run sees mod_fcgid stop idle
# workers; deploy/apache/ddbsql.conf leaves them at their defaults.
FcgidIdleTimeout 3
FcgidIdleScanInterval 1
DocumentRoot "$A/www"
<Directory "$A/www">
  AllowOverride All
  Require all granted
</Directory>
Define DDBSQL_BINDIR "${BINDIR:-/usr/local/bin}"
Define DDBSQL_CONFIG "$A/ddbsql.conf"
# smoke.mjs's TLS proxy, which forwards the client's address
Define DDBSQL_TRUSTED_PROXY 127.0.0.1
Include "$REPO/deploy/apache/ddbsql.conf"
EOF
  # shared hosting: .htaccess + wrappers in the web space
  cp deploy/apache/shared-hosting/htaccess "$A/www/ddbsql/.htaccess"
  for w in mcp register authorize token revoke; do
    sed -e "s|^DDBSQL_CONFIG=.*|DDBSQL_CONFIG=$A/shared.conf|" \
      -e "s|/home/USER/ddbsql/bin/|${BINDIR:-/usr/local/bin}/|" \
      "deploy/apache/shared-hosting/$w" >"$A/www/ddbsql/$w"
    chmod 755 "$A/www/ddbsql/$w"
  done
  check "apache: ddbsql.conf passes apache2ctl -t" "$A/t.log" env APACHE_CONFDIR="$A" APACHE_ENVVARS=/dev/null apache2ctl -t
  if ((A_LIVE)); then
    apache2 -d "$A" -f "$A/apache2.conf" -DFOREGROUND >"$A/stderr.log" 2>&1 &
    pid=$!
    PIDS+=("$pid")
    # Routes are checked on Apache's own port (http): the public https URL
    # exists only while smoke.mjs's proxy runs.
    direct=http://127.0.0.1:$port
    if check_routes apache "$direct"; then
      smoke "apache (TLS ended in front)" "$A_URL" --tls-proxy "$tls_port" --upstream "$direct" \
        --cert "$TLS/cert.pem" --cert-key "$TLS/key.pem" --forwarded-for 198.51.100.7 --slow-port "$SLOW_PORT" --dynamo "http://127.0.0.1:$DDB_PORT"
      # mod_fcgid stops idle workers (FcgidIdleTimeout) with SIGTERM: they go
      # cleanly, and the next request starts a new one.
      idle_log=$T/apache-idle.log
      name="apache: mod_fcgid stops idle workers (FcgidIdleTimeout) with SIGTERM; they exit cleanly and the next request starts one"
      mcp_challenge_ok "$direct/mcp" "$idle_log"
      read -r -a idle < <(workers_of "$pid")
      unclean=""
      if ((${#idle[@]})) && wait_all_gone 20 "${idle[@]}"; then
        for p in "${idle[@]}"; do
          grep -q "\[$p\] info: stopping on signal 15" "$A/error.log" || unclean="$unclean $p"
        done
      else
        unclean="${idle[*]:-none found}"
      fi
      if [[ -z $unclean ]] && mcp_challenge_ok "$direct/mcp" "$idle_log"; then
        ok "$name"
      else
        { echo "workers without a clean stop: $unclean"; tail -n 30 "$A/error.log"; } >>"$idle_log"
        not_ok "$name" "$idle_log"
      fi
    fi
    if check_routes "apache shared hosting" "$A_SHARED_URL"; then
      smoke "apache shared hosting (/ddbsql)" "$A_SHARED_URL" --no-discovery
    fi
    # shellcheck disable=SC2046 # pids
    stop_and_check_workers apache "$pid" "$A/error.log" $(workers_of "$pid")
  else
    skip "apache: live checks and the smoke suite" "needs $live_skip_reason"
  fi
else
  skip "apache configs" "apache2 or libapache2-mod-fcgid not installed"
fi

# ---- spawn-fcgi + systemd + nginx -------------------------------------------------
if ! want nginx; then
  : # DDBSQL_DEPLOY_ONLY
elif have systemd-analyze; then
  mkdir -p "$T/units"
  for unit in deploy/spawn-fcgi/*@.service; do
    # verify wants an instance name. It exits 0 on many problems it only
    # warns about: any output fails.
    u=$(basename "$unit" @.service)
    cp "$unit" "$T/units/$u@1.service"
    systemd-analyze verify --man=no "$T/units/$u@1.service" >"$T/units/verify-$u.log" 2>&1
    rc=$?
    if [[ $rc == 0 ]] && ! grep -q . "$T/units/verify-$u.log"; then
      ok "spawn-fcgi: the $u unit passes systemd-analyze verify"
    else
      not_ok "spawn-fcgi: the $u unit passes systemd-analyze verify" "$T/units/verify-$u.log"
    fi
  done
else
  skip "spawn-fcgi: systemd units pass systemd-analyze verify" "systemd-analyze not installed"
fi

# One worker the way its unit runs it, restarted like Restart=always
# RestartSec=1 does; SIGTERM stops it as systemctl stop does, and its last
# exit status is written to STATUSFILE.
supervise() { # unit, instance, socket, log, statusfile
  local unit=deploy/spawn-fcgi/$1@.service inst=$2 sock=$3 log=$4 status=$5 cmd exe
  exe=$(sed -n 's|^ExecStart=.* -- /usr/local/bin/\(ddbsql-[a-z]*\)$|\1|p' "$unit")
  # The unit's ExecStart as written, with this machine's paths and users.
  cmd=$(sed -n 's/^ExecStart=//p' "$unit" | sed -e "s|/run/ddbsql/[a-z]*-%i.sock|$sock|" \
    -e 's|-u ddbsql -g ddbsql|-u www-data -g www-data|' -e "s|/usr/local/bin/$exe|$BINDIR/$exe|")
  (
    child=0
    trap 'kill -TERM $child 2>/dev/null; wait $child; echo $? >"$status"; exit 0' TERM
    while :; do
      # shellcheck disable=SC2086 # the command line is split like systemd does
      DDBSQL_CONFIG="$G/ddbsql.conf" $cmd >>"$log" 2>&1 &
      child=$!
      wait $child
      echo "exited with status $? (instance $inst)" >>"$log"
      sleep 1
    done
  ) 2>>"$log" &
  PIDS+=("$!")
  SUPERVISORS+=("$!")
  SPAWNED+=("${1#ddbsql-}-$inst")
}
SUPERVISORS=()
SPAWNED=()

if ! want nginx; then
  : # DDBSQL_DEPLOY_ONLY
elif have nginx; then
  G=$T/nginx
  mkdir -p "$G/run" "$G/logs"
  port=$(free_port)
  G_URL=https://127.0.0.1:$port
  G_LIVE=$LIVE
  ((LIVE)) && { write_config "$G/ddbsql.conf" "$G_URL" || G_LIVE=0; }
  # TLS as shipped, with the test certificate; names and paths are the site's.
  if [[ -f $TLS/cert.pem ]]; then
    sed -e "s|listen 443 ssl;|listen 127.0.0.1:$port ssl;|" -e '/listen \[::\]:443 ssl;/d' \
      -e "s|/etc/letsencrypt/live/ddbsql.example.com/fullchain.pem|$TLS/cert.pem|" \
      -e "s|/etc/letsencrypt/live/ddbsql.example.com/privkey.pem|$TLS/key.pem|" \
      -e "s|/run/ddbsql/|$G/run/|g" deploy/spawn-fcgi/nginx-ddbsql.conf >"$G/site.conf"
  else
    sed -e "s|listen 443 ssl;|listen 127.0.0.1:$port;|" -e '/listen \[::\]:443 ssl;/d' -e '/ssl_certificate/d' \
      -e "s|/run/ddbsql/|$G/run/|g" deploy/spawn-fcgi/nginx-ddbsql.conf >"$G/site.conf"
  fi
  cp /etc/nginx/fastcgi_params "$G/" 2>/dev/null || cp "$(dirname "$(readlink -f "$(command -v nginx)")")/../../etc/nginx/fastcgi_params" "$G/"
  cat >"$G/nginx.conf" <<EOF
user www-data;
pid $T/nginx.pid;
error_log $G/logs/error.log;
daemon off;
events { worker_connections 64; }
http {
  access_log $G/logs/access.log;
  client_body_temp_path $G/logs;
  fastcgi_temp_path $G/logs;
  include $G/site.conf;
}
EOF
  check "nginx: nginx-ddbsql.conf passes nginx -t" "$G/t.log" nginx -t -q -p "$G" -c "$G/nginx.conf"
  if ((G_LIVE)) && have spawn-fcgi; then
    # The workers of nginx-ddbsql.conf's upstreams: two ddbsql-mcp, one each
    # of the others.
    for w in mcp:1 mcp:2 register:1 authorize:1 token:1; do
      supervise "ddbsql-${w%:*}" "${w#*:}" "$G/run/${w%:*}-${w#*:}.sock" "$G/worker-${w%:*}-${w#*:}.log" \
        "$G/status-${w%:*}-${w#*:}"
    done
    # Like After= ordering: the sockets exist before nginx starts.
    for _ in $(seq 1 100); do
      n=0
      for w in "${SPAWNED[@]}"; do [[ -S $G/run/$w.sock ]] && n=$((n + 1)); done
      ((n == ${#SPAWNED[@]})) && break
      sleep 0.1
    done
    nginx -p "$G" -c "$G/nginx.conf" >"$G/stderr.log" 2>&1 &
    pid=$!
    PIDS+=("$pid")
    if check_routes "spawn-fcgi + nginx" "$G_URL"; then
      smoke "spawn-fcgi + nginx (TLS)" "$G_URL" --slow-port "$SLOW_PORT" --dynamo "http://127.0.0.1:$DDB_PORT"
    fi
    kill "$pid" 2>/dev/null
    wait_gone "$pid"
    # systemctl stop: SIGTERM to each worker, which must exit with status 0.
    # First let a worker killed by the smoke suite come back (RestartSec=1).
    for _ in $(seq 1 50); do
      read -r -a running < <(workers_of $$)
      ((${#running[@]} >= ${#SPAWNED[@]})) && break
      sleep 0.1
    done
    for s in "${SUPERVISORS[@]}"; do kill -TERM "$s" 2>/dev/null; done
    bad=""
    for s in "${SUPERVISORS[@]}"; do wait_gone "$s"; done
    for w in "${SPAWNED[@]}"; do
      st=$(cat "$G/status-$w" 2>/dev/null || echo none)
      [[ $st == 0 ]] || bad="$bad $w:$st"
    done
    if [[ -z $bad ]]; then
      ok "spawn-fcgi + nginx: every worker exits with status 0 on SIGTERM (systemctl stop)"
    else
      { echo "worker:exit status of the last run:$bad"; tail -n 5 "$G"/worker-*.log; } >"$G/stop.log" 2>&1
      not_ok "spawn-fcgi + nginx: every worker exits with status 0 on SIGTERM (systemctl stop)" "$G/stop.log"
    fi
  else
    skip "spawn-fcgi + nginx: live checks and the smoke suite" "needs $live_skip_reason, spawn-fcgi"
  fi
else
  skip "nginx config" "nginx not installed"
fi

echo "1..$N"
((FAILED == 0))
