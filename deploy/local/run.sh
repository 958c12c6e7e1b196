#!/usr/bin/env bash
# `make run`: installs what is missing, builds, and runs the local stack
# (redis, dynalite with the demo tables, lighttpd + ddbsql) in the
# foreground until Ctrl-C. PORT=, CONFIG= and VARIANT= are passed on to
# deploy/local/stack.mjs (see its header).
set -euo pipefail
cd "$(dirname "$0")/../.."
tests/install-deps.sh --runtime
variant=${VARIANT:-release}
make -j"$(nproc 2>/dev/null || echo 2)" VARIANT="$variant" all
export VARIANT=$variant
exec node deploy/local/stack.mjs
