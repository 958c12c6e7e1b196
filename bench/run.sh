#!/usr/bin/env bash
# The benchmarks (bench/README.md). Not tests: they print figures and save
# them to bench/results/, and assert nothing about timings.
#
#   bench/run.sh [http] [sql] [e2e] [mem] [oauth]     (no argument: all five)
#
#   http  `make bench-http`: ddbsql's /mcp behind lighttpd against a static
#         file, an empty FastCGI app and the MCP TypeScript SDK (wrk;
#         bench/bench.mjs)
#   sql   `make bench-sql`: the SQL engine's CPU per row against SQLite on
#         the same in-memory rows (bench/sql/engine_bench.c)
#   e2e   `make bench-e2e`: run_sql over HTTP against the AWS SDK for
#         JavaScript v3's Query on the same dynalite (bench/sql/e2e.mjs)
#   mem   `make bench-mem`: a worker's resident memory while it streams a
#         200k-item Scan aggregate (bench/sql/mem.mjs)
#   oauth `make bench-oauth`: /token client_credentials against node
#         oidc-provider, and tools/list with a bearer against without one
#         (wrk; bench/oauth.mjs)
#
# Settings come from the environment: see bench/README.md. Each part builds
# what it needs (the release executables; bench programs go to build/,
# never into the product build) and installs what is missing for it alone:
# libsqlite3-dev (apt-get) for sql, the AWS SDK (npm ci in bench/) for e2e,
# oidc-provider (npm ci in bench/) for oauth.
set -euo pipefail
cd "$(dirname "$0")/.."

ALL=(http sql e2e mem oauth)
parts=("$@")
((${#parts[@]})) || parts=("${ALL[@]}")
for p in "${parts[@]}"; do
  case $p in
    http | sql | e2e | mem | oauth) ;;
    *)
      echo "usage: bench/run.sh [http] [sql] [e2e] [mem] [oauth]" >&2
      exit 2
      ;;
  esac
done

MAKE=${MAKE:-make}

need() { # need PART CMD|PATH...: stops with what is missing for PART
  local part=$1
  shift
  local missing=()
  for x in "$@"; do
    case $x in
      */*) [[ -e $x ]] || missing+=("$x") ;;
      pkg:*) pkg-config --exists "${x#pkg:}" 2>/dev/null || missing+=("${x#pkg:} (pkg-config)") ;;
      *) command -v "$x" >/dev/null 2>&1 || missing+=("$x") ;;
    esac
  done
  if ((${#missing[@]})); then
    echo "bench $part: missing ${missing[*]}: run 'make deps' (tests/install-deps.sh) first" >&2
    return 2
  fi
}

# libsqlite3-dev is needed by the sql benchmark only, so it is installed
# here rather than by tests/install-deps.sh.
sqlite_dev() {
  pkg-config --exists sqlite3 2>/dev/null && return 0
  echo "bench sql: installing libsqlite3-dev (the SQLite C library, the engine's peer)"
  local sudo=()
  if [[ $(id -u) != 0 ]]; then
    command -v sudo >/dev/null || {
      echo "bench sql: need root or sudo to install libsqlite3-dev" >&2
      return 2
    }
    sudo=(sudo)
  fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    libsqlite3-dev
}

# The AWS SDK for the e2e peer, from bench/package-lock.json.
aws_sdk() {
  if [[ ! -d bench/node_modules/@aws-sdk/client-dynamodb ||
    bench/package-lock.json -nt bench/node_modules/.package-lock.json ]]; then
    echo "bench e2e: installing the AWS SDK for JavaScript v3 into bench/node_modules (npm ci)"
    (cd bench && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# node oidc-provider, the oauth peer, from bench/package-lock.json.
oidc_provider() {
  if [[ ! -d bench/node_modules/oidc-provider ||
    bench/package-lock.json -nt bench/node_modules/.package-lock.json ]]; then
    echo "bench oauth: installing oidc-provider into bench/node_modules (npm ci)"
    (cd bench && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

stamp() { date -u +%Y-%m-%dT%H-%M-%SZ; }

run_http() {
  need http wrk lighttpd redis-server node cc pkg-config pkg:fcgi \
    tests/node_modules/@modelcontextprotocol/sdk deploy/local/node_modules/dynalite || return
  # The empty FastCGI app: a reference, not part of the product build.
  mkdir -p build/bench
  # shellcheck disable=SC2046 # pkg-config output is meant to be split into words
  cc -std=c11 -O2 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla \
    -o build/bench/fcgi_empty bench/fcgi_empty.c $(pkg-config --cflags --libs fcgi) || return
  node bench/bench.mjs
}

run_sql() {
  need sql cc pkg-config || return
  sqlite_dev || return
  "${MAKE}" --no-print-directory build/release/bench/engine_bench >/dev/null || return
  mkdir -p bench/results
  local out
  out=bench/results/sql-$(stamp).json
  build/release/bench/engine_bench --rows "${SQL_ROWS:-100000}" --reps "${SQL_REPS:-10}" \
    --json "$out" ${SQL_ONLY:+--only "$SQL_ONLY"} || return
  echo "results: $out"
}

run_e2e() {
  need e2e lighttpd redis-server node npm deploy/local/node_modules/dynalite || return
  aws_sdk || return
  node bench/sql/e2e.mjs
}

run_mem() {
  need mem lighttpd redis-server node deploy/local/node_modules/dynalite || return
  node bench/sql/mem.mjs
}

run_oauth() {
  need oauth wrk lighttpd redis-server node npm deploy/local/node_modules/dynalite || return
  oidc_provider || return
  node bench/oauth.mjs
}

# In a function called as `f || ...`, set -e is off: every step above
# that can fail ends with `|| return`.

# Every part measures the release build.
"${MAKE}" --no-print-directory all >/dev/null

failed=()
for p in "${parts[@]}"; do
  ((${#parts[@]} == 1)) || printf '\n==== bench %s ====\n' "$p"
  "run_$p" || failed+=("$p")
done
if ((${#failed[@]})); then
  echo "bench: failed: ${failed[*]}" >&2
  exit 1
fi
