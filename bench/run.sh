#!/usr/bin/env bash
# `make bench`: builds the release executables and the empty FastCGI app
# (bench/fcgi_empty.c, into build/bench/), then measures ddbsql's /mcp behind
# lighttpd against a static file, the empty FastCGI app and the MCP
# TypeScript SDK with wrk (bench/bench.mjs). Settings come from the
# environment (DURATION, WARMUP, CONNECTIONS, THREADS, WORKERS, LOG_LEVEL):
# see bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
for cmd in wrk lighttpd redis-server node cc pkg-config; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("$cmd")
done
[[ -d tests/node_modules/@modelcontextprotocol/sdk ]] || missing+=("tests/node_modules/@modelcontextprotocol/sdk")
[[ -d deploy/local/node_modules/dynalite ]] || missing+=("deploy/local/node_modules/dynalite")
pkg-config --exists fcgi 2>/dev/null || missing+=("libfcgi (pkg-config fcgi)")
if ((${#missing[@]})); then
  echo "make bench: missing ${missing[*]}: run 'make deps' (tests/install-deps.sh) first" >&2
  exit 2
fi

# The release build is what gets measured.
"${MAKE:-make}" --no-print-directory all >/dev/null

# The empty FastCGI app: a reference, not part of the product build.
mkdir -p build/bench
# shellcheck disable=SC2046 # pkg-config output is meant to be split into words
cc -std=c11 -O2 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla \
  -o build/bench/fcgi_empty bench/fcgi_empty.c $(pkg-config --cflags --libs fcgi)

exec node bench/bench.mjs
