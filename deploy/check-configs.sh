#!/usr/bin/env bash
# Checks the deployment configs in deploy/ and prints TAP (run by
# tests/run-all.sh). Each server is given the file as shipped; only
# site-specific values (ports, paths, TLS, user names) are rewritten into a
# temp copy where the file cannot take them as variables. Where the release
# executable exists (make), each setup is also started on loopback and must
# answer an MCP initialize through /mcp.
#
#   deploy/check-configs.sh [BINDIR]     (default build/release/bin)

set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
REPO=$PWD
BINDIR=$(cd "${1:-build/release/bin}" 2>/dev/null && pwd || echo "")
BIN=${BINDIR:+$BINDIR/ddbsql-mcp}
T=$(mktemp -d "${TMPDIR:-/tmp}/ddbsql-deploy.XXXXXX")
chmod 755 "$T" # the workers run as www-data in some setups
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do wait_gone "$p"; done
  rm -rf "$T"
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
free_port() {
  node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}
# POSTs an MCP initialize; succeeds on HTTP 200 with a protocolVersion.
initialize_ok() { # url, logfile
  local _ out
  for _ in $(seq 1 50); do
    out=$(curl -sS -m 5 -o "$2.body" -w '%{http_code}' -X POST "$1" \
      -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
      --data '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"check-configs","version":"0"}}}' 2>"$2.err")
    if [[ $out == 200 ]] && grep -q '"protocolVersion"' "$2.body"; then return 0; fi
    sleep 0.2
  done
  { echo "POST $1: HTTP status $out"; cat "$2.err" "$2.body" 2>/dev/null; echo; } >>"$2"
  return 1
}
# The OAuth discovery paths reach ddbsql-mcp (which, with auth = none,
# answers its own JSON 404) and other /.well-known/ paths do not.
discovery_routed() { # base url, logfile
  local code
  code=$(curl -sS -m 5 -o "$2.body" -w '%{http_code}' "$1/.well-known/oauth-protected-resource/mcp" 2>"$2.err")
  if [[ $code != 404 ]] || ! grep -q 'OAuth is off on this server' "$2.body"; then
    { echo "GET $1/.well-known/oauth-protected-resource/mcp: HTTP $code"; cat "$2.err" "$2.body" 2>/dev/null; echo; } >>"$2"
    return 1
  fi
  curl -sS -m 5 -o "$2.acme" "$1/.well-known/acme-challenge/x" 2>>"$2.err"
  if grep -q 'OAuth is off on this server\|"error"' "$2.acme"; then
    { echo "GET $1/.well-known/acme-challenge/x reached ddbsql:"; cat "$2.acme"; echo; } >>"$2"
    return 1
  fi
}
# POST /register reaches ddbsql-register (which, with auth = none, answers
# its own JSON 404 naming auth = none).
register_routed() { # base url, logfile
  local code
  code=$(curl -sS -m 5 -o "$2.body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    --data '{"redirect_uris":["http://127.0.0.1/cb"]}' "$1/register" 2>"$2.err")
  if [[ $code != 404 ]] || ! grep -q 'auth = none' "$2.body"; then
    { echo "POST $1/register: HTTP $code"; cat "$2.err" "$2.body" 2>/dev/null; echo; } >>"$2"
    return 1
  fi
}
# GET /authorize reaches ddbsql-authorize (which, with auth = none, answers
# its own HTML 404 naming auth = none, with its security headers).
authorize_routed() { # base url, logfile
  local code
  code=$(curl -sS -m 5 -D "$2.head" -o "$2.body" -w '%{http_code}' \
    "$1/authorize?response_type=code&client_id=x" 2>"$2.err")
  if [[ $code != 404 ]] || ! grep -q 'auth = none' "$2.body" || ! grep -qi '^X-Frame-Options: DENY' "$2.head"; then
    { echo "GET $1/authorize: HTTP $code"; cat "$2.err" "$2.head" "$2.body" 2>/dev/null; echo; } >>"$2"
    return 1
  fi
}
# POST /token and /revoke reach ddbsql-token (which, with auth = none,
# answers its own JSON 404 naming auth = none, with Cache-Control: no-store).
token_routed() { # base url, logfile
  local code ep
  for ep in token revoke; do
    code=$(curl -sS -m 5 -D "$2.head" -o "$2.body" -w '%{http_code}' -X POST \
      -H 'Content-Type: application/x-www-form-urlencoded' --data 'grant_type=client_credentials' \
      "$1/$ep" 2>"$2.err")
    if [[ $code != 404 ]] || ! grep -q 'auth = none), so there is no token endpoint' "$2.body" ||
      ! grep -qi '^Cache-Control: no-store' "$2.head"; then
      { echo "POST $1/$ep: HTTP $code"; cat "$2.err" "$2.head" "$2.body" 2>/dev/null; echo; } >>"$2"
      return 1
    fi
  done
}
# A ddbsql config for a setup listening on 127.0.0.1:port (+ path).
write_config() { # file, public_url
  cat >"$1" <<EOF
public_url = $2
auth = none
[redis]
port = 1
connect_timeout_ms = 50
[schema demo]
region = us-east-1
endpoint = http://127.0.0.1:1
credentials = static
access_key_id = AKIDLOCALDEMO0000000
secret_access_key = localdemosecretlocaldemosecretlocaldemo0
EOF
  chmod 644 "$1"
}
wait_gone() { # pid: up to 5 s for a clean exit, then SIGKILL
  local _
  for _ in $(seq 1 50); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$1" 2>/dev/null
  wait "$1" 2>/dev/null
}

LIVE=1
[[ -n $BIN && -x $BIN ]] || LIVE=0
[[ $(id -u) == 0 ]] || LIVE=0 # the setups switch users like production
live_skip_reason="needs root and $REPO/build/release/bin/ddbsql-mcp (make)"

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
  # As shipped except: auth = oauth is not available yet, and auth = none
  # needs a loopback public_url.
  sed -e 's|^public_url = .*|public_url = http://127.0.0.1:8080|' -e 's|^#auth = oauth|auth = none|' "$ex" >"$T/example.conf"
  check "ddbsql.conf.example passes ddbsql-mcp --check-config" "$T/example.log" \
    env DDBSQL_CONFIG="$T/example.conf" "$BIN" --check-config
else
  skip "ddbsql.conf.example passes ddbsql-mcp --check-config" "no $REPO/build/release/bin/ddbsql-mcp"
fi

# ---- lighttpd --------------------------------------------------------------------
if have lighttpd; then
  mkdir -p "$T/lt/run" "$T/lt/www" "$T/lt/log"
  chown www-data:www-data "$T/lt/run" "$T/lt/log" 2>/dev/null
  port=$(free_port)
  write_config "$T/lt/ddbsql.conf" "http://127.0.0.1:$port"
  sed -e "s|^server.bind .*|server.bind = \"127.0.0.1\"|" \
    -e "s|^server.port .*|server.port = $port|" \
    -e "s|\"/var/www/empty\"|\"$T/lt/www\"|" \
    -e "s|\"/var/log/lighttpd/|\"$T/lt/log/|g" \
    -e "s|\"/run/lighttpd.pid\"|\"$T/lighttpd.pid\"|" \
    -e "s|^var.ddbsql_bindir .*|var.ddbsql_bindir = \"${BINDIR:-/usr/local/bin}\"|" \
    -e "s|^var.ddbsql_sockdir .*|var.ddbsql_sockdir = \"$T/lt/run\"|" \
    -e "s|\"/etc/ddbsql/ddbsql.conf\"|\"$T/lt/ddbsql.conf\"|" \
    -e "s|\"/usr/local/share/doc/ddbsql/deploy/lighttpd/ddbsql.conf\"|\"$REPO/deploy/lighttpd/ddbsql.conf\"|" \
    deploy/lighttpd/lighttpd.conf >"$T/lt/lighttpd.conf"
  check "lighttpd: lighttpd.conf + ddbsql.conf pass lighttpd -tt" "$T/lt/tt.log" lighttpd -tt -f "$T/lt/lighttpd.conf"
  if ((LIVE)); then
    lighttpd -D -f "$T/lt/lighttpd.conf" >"$T/lt/stderr.log" 2>&1 &
    pid=$!
    PIDS+=("$pid")
    if initialize_ok "http://127.0.0.1:$port/mcp" "$T/lt/curl.log"; then
      ok "lighttpd: serves MCP initialize on /mcp (workers as www-data)"
    else
      cat "$T/lt/stderr.log" "$T/lt/log/error.log" >>"$T/lt/curl.log" 2>/dev/null
      not_ok "lighttpd: serves MCP initialize on /mcp (workers as www-data)" "$T/lt/curl.log"
    fi
    check "lighttpd: routes the OAuth discovery paths (only those) to ddbsql-mcp" "$T/lt/wk.log" \
      discovery_routed "http://127.0.0.1:$port" "$T/lt/wk.log"
    check "lighttpd: routes /register to ddbsql-register" "$T/lt/reg.log" \
      register_routed "http://127.0.0.1:$port" "$T/lt/reg.log"
    check "lighttpd: routes /authorize to ddbsql-authorize" "$T/lt/authz.log" \
      authorize_routed "http://127.0.0.1:$port" "$T/lt/authz.log"
    check "lighttpd: routes /token and /revoke to ddbsql-token" "$T/lt/token.log" \
      token_routed "http://127.0.0.1:$port" "$T/lt/token.log"
    kill "$pid" 2>/dev/null
    wait_gone "$pid"
  else
    skip "lighttpd: serves MCP initialize on /mcp" "$live_skip_reason"
  fi
else
  skip "lighttpd configs" "lighttpd not installed"
fi

# ---- Apache + mod_fcgid ----------------------------------------------------------
MODS=/usr/lib/apache2/modules
if have apache2 && [[ -f $MODS/mod_fcgid.so ]]; then
  A=$T/apache
  mkdir -p "$A/run" "$A/fcgid" "$A/www/ddbsql"
  chown www-data:www-data "$A/fcgid"
  port=$(free_port)
  write_config "$A/ddbsql.conf" "http://127.0.0.1:$port"
  write_config "$A/shared.conf" "http://127.0.0.1:$port/ddbsql"
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
FcgidIPCDir "$A/fcgid"
FcgidProcessTableFile "$A/fcgid/shm"
DocumentRoot "$A/www"
<Directory "$A/www">
  AllowOverride All
  Require all granted
</Directory>
Define DDBSQL_BINDIR "${BINDIR:-/usr/local/bin}"
Define DDBSQL_CONFIG "$A/ddbsql.conf"
Include "$REPO/deploy/apache/ddbsql.conf"
EOF
  # shared hosting: .htaccess + wrapper in the web space
  cp deploy/apache/shared-hosting/htaccess "$A/www/ddbsql/.htaccess"
  sed -e "s|^DDBSQL_CONFIG=.*|DDBSQL_CONFIG=$A/shared.conf|" \
    -e "s|/home/USER/ddbsql/bin/ddbsql-mcp|${BIN:-/usr/local/bin/ddbsql-mcp}|" \
    deploy/apache/shared-hosting/mcp >"$A/www/ddbsql/mcp"
  chmod 755 "$A/www/ddbsql/mcp"
  check "apache: ddbsql.conf passes apache2ctl -t" "$A/t.log" env APACHE_CONFDIR="$A" APACHE_ENVVARS=/dev/null apache2ctl -t
  if ((LIVE)); then
    apache2 -d "$A" -f "$A/apache2.conf" -DFOREGROUND >"$A/stderr.log" 2>&1 &
    pid=$!
    PIDS+=("$pid")
    if initialize_ok "http://127.0.0.1:$port/mcp" "$A/curl.log"; then
      ok "apache: mod_fcgid serves MCP initialize on /mcp"
    else
      cat "$A/stderr.log" "$A/error.log" >>"$A/curl.log" 2>/dev/null
      not_ok "apache: mod_fcgid serves MCP initialize on /mcp" "$A/curl.log"
    fi
    check "apache: routes the OAuth discovery paths (only those) to ddbsql-mcp" "$A/wk.log" \
      discovery_routed "http://127.0.0.1:$port" "$A/wk.log"
    check "apache: routes /register to ddbsql-register" "$A/reg.log" \
      register_routed "http://127.0.0.1:$port" "$A/reg.log"
    check "apache: routes /authorize to ddbsql-authorize" "$A/authz.log" \
      authorize_routed "http://127.0.0.1:$port" "$A/authz.log"
    check "apache: routes /token and /revoke to ddbsql-token" "$A/token.log" \
      token_routed "http://127.0.0.1:$port" "$A/token.log"
    if initialize_ok "http://127.0.0.1:$port/ddbsql/mcp" "$A/curl2.log"; then
      ok "apache: shared-hosting .htaccess + wrapper serve MCP initialize on /ddbsql/mcp"
    else
      cat "$A/error.log" >>"$A/curl2.log" 2>/dev/null
      not_ok "apache: shared-hosting .htaccess + wrapper serve MCP initialize on /ddbsql/mcp" "$A/curl2.log"
    fi
    kill "$pid" 2>/dev/null
    wait_gone "$pid"
  else
    skip "apache: mod_fcgid serves MCP initialize" "$live_skip_reason"
  fi
else
  skip "apache configs" "apache2 or libapache2-mod-fcgid not installed"
fi

# ---- spawn-fcgi + systemd + nginx -------------------------------------------------
unit=deploy/spawn-fcgi/ddbsql-mcp@.service
if have systemd-analyze; then
  # verify wants an instance name; the paths it checks must exist.
  mkdir -p "$T/units"
  cp "$unit" "$T/units/ddbsql-mcp@1.service"
  # It exits 0 on many problems it only warns about: any output fails.
  systemd-analyze verify --man=no "$T/units/ddbsql-mcp@1.service" >"$T/units/verify.log" 2>&1
  rc=$?
  if [[ $rc == 0 ]] && ! grep -q . "$T/units/verify.log"; then
    ok "spawn-fcgi: systemd unit passes systemd-analyze verify"
  else
    not_ok "spawn-fcgi: systemd unit passes systemd-analyze verify" "$T/units/verify.log"
  fi
  cp deploy/spawn-fcgi/ddbsql-register@.service "$T/units/ddbsql-register@1.service"
  systemd-analyze verify --man=no "$T/units/ddbsql-register@1.service" >"$T/units/verify-register.log" 2>&1
  rc=$?
  if [[ $rc == 0 ]] && ! grep -q . "$T/units/verify-register.log"; then
    ok "spawn-fcgi: the ddbsql-register unit passes systemd-analyze verify"
  else
    not_ok "spawn-fcgi: the ddbsql-register unit passes systemd-analyze verify" "$T/units/verify-register.log"
  fi
  cp deploy/spawn-fcgi/ddbsql-authorize@.service "$T/units/ddbsql-authorize@1.service"
  systemd-analyze verify --man=no "$T/units/ddbsql-authorize@1.service" >"$T/units/verify-authorize.log" 2>&1
  rc=$?
  if [[ $rc == 0 ]] && ! grep -q . "$T/units/verify-authorize.log"; then
    ok "spawn-fcgi: the ddbsql-authorize unit passes systemd-analyze verify"
  else
    not_ok "spawn-fcgi: the ddbsql-authorize unit passes systemd-analyze verify" "$T/units/verify-authorize.log"
  fi
  cp deploy/spawn-fcgi/ddbsql-token@.service "$T/units/ddbsql-token@1.service"
  systemd-analyze verify --man=no "$T/units/ddbsql-token@1.service" >"$T/units/verify-token.log" 2>&1
  rc=$?
  if [[ $rc == 0 ]] && ! grep -q . "$T/units/verify-token.log"; then
    ok "spawn-fcgi: the ddbsql-token unit passes systemd-analyze verify"
  else
    not_ok "spawn-fcgi: the ddbsql-token unit passes systemd-analyze verify" "$T/units/verify-token.log"
  fi
else
  skip "spawn-fcgi: systemd unit passes systemd-analyze verify" "systemd-analyze not installed"
fi
if have nginx; then
  G=$T/nginx
  mkdir -p "$G/run" "$G/logs"
  port=$(free_port)
  write_config "$G/ddbsql.conf" "http://127.0.0.1:$port"
  # TLS and names are the site's; the rest is the file as shipped.
  sed -e "s|listen 443 ssl;|listen 127.0.0.1:$port;|" -e '/listen \[::\]:443 ssl;/d' -e '/ssl_certificate/d' \
    -e "s|/run/ddbsql/|$G/run/|g" deploy/spawn-fcgi/nginx-ddbsql.conf >"$G/site.conf"
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
  if ((LIVE)) && have spawn-fcgi; then
    # The unit's ExecStart as written, with this machine's paths and users.
    cmd=$(sed -n 's/^ExecStart=//p' "$unit" | sed -e "s|/run/ddbsql/mcp-%i.sock|$G/run/mcp-WORKER.sock|" \
      -e 's|-u ddbsql -g ddbsql|-u www-data -g www-data|' -e "s|/usr/local/bin/ddbsql-mcp|$BIN|")
    for w in 1 2; do
      # shellcheck disable=SC2086 # the command line is split like systemd does
      DDBSQL_CONFIG="$G/ddbsql.conf" ${cmd//WORKER/$w} >"$G/worker$w.log" 2>&1 &
      PIDS+=("$!")
    done
    # One ddbsql-register worker, from its unit's ExecStart the same way.
    rcmd=$(sed -n 's/^ExecStart=//p' deploy/spawn-fcgi/ddbsql-register@.service |
      sed -e "s|/run/ddbsql/register-%i.sock|$G/run/register-1.sock|" \
        -e 's|-u ddbsql -g ddbsql|-u www-data -g www-data|' -e "s|/usr/local/bin/ddbsql-register|$BINDIR/ddbsql-register|")
    # shellcheck disable=SC2086 # the command line is split like systemd does
    DDBSQL_CONFIG="$G/ddbsql.conf" $rcmd >"$G/register.log" 2>&1 &
    PIDS+=("$!")
    # And one ddbsql-authorize worker.
    acmd=$(sed -n 's/^ExecStart=//p' deploy/spawn-fcgi/ddbsql-authorize@.service |
      sed -e "s|/run/ddbsql/authorize-%i.sock|$G/run/authorize-1.sock|" \
        -e 's|-u ddbsql -g ddbsql|-u www-data -g www-data|' -e "s|/usr/local/bin/ddbsql-authorize|$BINDIR/ddbsql-authorize|")
    # shellcheck disable=SC2086 # the command line is split like systemd does
    DDBSQL_CONFIG="$G/ddbsql.conf" $acmd >"$G/authorize.log" 2>&1 &
    PIDS+=("$!")
    # And one ddbsql-token worker.
    tcmd=$(sed -n 's/^ExecStart=//p' deploy/spawn-fcgi/ddbsql-token@.service |
      sed -e "s|/run/ddbsql/token-%i.sock|$G/run/token-1.sock|" \
        -e 's|-u ddbsql -g ddbsql|-u www-data -g www-data|' -e "s|/usr/local/bin/ddbsql-token|$BINDIR/ddbsql-token|")
    # shellcheck disable=SC2086 # the command line is split like systemd does
    DDBSQL_CONFIG="$G/ddbsql.conf" $tcmd >"$G/token.log" 2>&1 &
    PIDS+=("$!")
    nginx -p "$G" -c "$G/nginx.conf" >"$G/stderr.log" 2>&1 &
    PIDS+=("$!")
    if initialize_ok "http://127.0.0.1:$port/mcp" "$G/curl.log"; then
      ok "spawn-fcgi + nginx: the unit's spawn-fcgi command and the nginx site serve MCP initialize"
    else
      cat "$G"/worker*.log "$G/stderr.log" "$G/logs/error.log" >>"$G/curl.log" 2>/dev/null
      not_ok "spawn-fcgi + nginx: the unit's spawn-fcgi command and the nginx site serve MCP initialize" "$G/curl.log"
    fi
    check "spawn-fcgi + nginx: routes the OAuth discovery paths (only those) to ddbsql-mcp" "$G/wk.log" \
      discovery_routed "http://127.0.0.1:$port" "$G/wk.log"
    check "spawn-fcgi + nginx: routes /register to ddbsql-register" "$G/reg.log" \
      register_routed "http://127.0.0.1:$port" "$G/reg.log"
    check "spawn-fcgi + nginx: routes /authorize to ddbsql-authorize" "$G/authz.log" \
      authorize_routed "http://127.0.0.1:$port" "$G/authz.log"
    check "spawn-fcgi + nginx: routes /token and /revoke to ddbsql-token" "$G/token.log" \
      token_routed "http://127.0.0.1:$port" "$G/token.log"
  else
    skip "spawn-fcgi + nginx serve MCP initialize" "$live_skip_reason, spawn-fcgi"
  fi
else
  skip "nginx config" "nginx not installed"
fi

echo "1..$N"
((FAILED == 0))
