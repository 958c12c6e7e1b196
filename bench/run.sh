#!/usr/bin/env bash
# `make bench`: builds the release executables, then measures ddbsql's /mcp
# behind lighttpd against a static file and the MCP TypeScript SDK with wrk
# (bench/bench.mjs). Settings come from the environment (DURATION, WARMUP,
# CONNECTIONS, THREADS, WORKERS, LOG_LEVEL): see bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
for cmd in wrk lighttpd redis-server node; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("$cmd")
done
[[ -d tests/node_modules/@modelcontextprotocol/sdk ]] || missing+=("tests/node_modules/@modelcontextprotocol/sdk")
[[ -d deploy/local/node_modules/dynalite ]] || missing+=("deploy/local/node_modules/dynalite")
if ((${#missing[@]})); then
  echo "make bench: missing ${missing[*]}: run 'make deps' (tests/install-deps.sh) first" >&2
  exit 2
fi

# The release build is what gets measured.
"${MAKE:-make}" --no-print-directory all >/dev/null

exec node bench/bench.mjs
