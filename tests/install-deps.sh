#!/usr/bin/env bash
# Installs what ddbsql needs on Debian 12 (bookworm), then the npm packages.
#
#   tests/install-deps.sh            build + run + test needs (CI, `make deps`)
#   tests/install-deps.sh --runtime  build + run needs only (`make run`)
#
# apt-get runs only when a package is missing (with sudo when not root), and
# with daemons' automatic start-up blocked: the stack and the tests start
# their own redis/lighttpd/apache/nginx on free ports. `npm ci` runs in
# deploy/local (and tests/) when node_modules is missing or older than
# package-lock.json.

set -euo pipefail
cd "$(dirname "$0")/.."

mode=all
case ${1:-} in
  "") ;;
  --runtime) mode=runtime ;;
  *)
    echo "usage: $0 [--runtime]" >&2
    exit 2
    ;;
esac

BUILD_PKGS=(gcc make pkg-config libfcgi-dev libjson-c-dev libcurl4-openssl-dev libssl-dev
  libhiredis-dev libcmocka-dev)
RUN_PKGS=(redis-server lighttpd spawn-fcgi nodejs npm)
# chromium: the browser the integration tests drive with npm playwright-core
# (tests/package.json), which downloads no browser of its own.
# openssl and iproute2 (ss): the test certificate and worker lookup of
# deploy/check-configs.sh.
TEST_PKGS=(valgrind clang libclang-rt-14-dev wrk chromium apache2 libapache2-mod-fcgid nginx-light curl
  sqlite3 openssl iproute2)

pkgs=("${BUILD_PKGS[@]}" "${RUN_PKGS[@]}")
[[ $mode == all ]] && pkgs+=("${TEST_PKGS[@]}")

# Is the package (or what it stands for) present?
have() {
  case $1 in
    # Node may come from elsewhere (e.g. NodeSource, which bundles npm and
    # conflicts with Debian's npm package): the commands are what matters.
    nodejs) command -v node >/dev/null ;;
    npm) command -v npm >/dev/null ;;
    # Any nginx flavour (nginx-light, nginx-core, nginx-full) will do.
    nginx-light) command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] ;;
    *) [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) == "install ok installed" ]] ;;
  esac
}

missing=()
for p in "${pkgs[@]}"; do have "$p" || missing+=("$p"); done

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  SUDO=()
  if [[ $(id -u) != 0 ]]; then
    command -v sudo >/dev/null || {
      echo "install-deps: need root or sudo to install: ${missing[*]}" >&2
      exit 1
    }
    SUDO=(sudo)
  fi
  # Keep the packages' services from starting (port 80 clashes between apache
  # and nginx would fail the install); remove the block afterwards.
  policy=/usr/sbin/policy-rc.d
  own_policy=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\n# temporary, from ddbsql tests/install-deps.sh\nexit 101\n' |
      "${SUDO[@]}" tee "$policy" >/dev/null
    "${SUDO[@]}" chmod 755 "$policy"
    own_policy=1
  fi
  cleanup() {
    if ((own_policy)); then "${SUDO[@]}" rm -f "$policy"; fi
  }
  trap cleanup EXIT
  export DEBIAN_FRONTEND=noninteractive
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}"
  cleanup
  trap - EXIT
  for p in "${missing[@]}"; do
    have "$p" || {
      echo "install-deps: $p still missing after apt-get install" >&2
      exit 1
    }
  done
else
  echo "install-deps: all Debian packages present"
fi

# npm ci where node_modules is missing or stale. Without a lock file,
# npm install creates one (commit it).
npm_sync() {
  local dir=$1 stamp=$1/node_modules/.package-lock.json
  if [[ ! -f $dir/package-lock.json ]]; then
    echo "install-deps: $dir has no package-lock.json: npm install (commit the lock file)"
    (cd "$dir" && npm install --no-audit --no-fund)
  elif [[ ! -f $stamp || $dir/package-lock.json -nt $stamp || $dir/package.json -nt $stamp ]]; then
    echo "install-deps: npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund)
  else
    echo "install-deps: $dir/node_modules up to date"
  fi
}
npm_sync deploy/local
if [[ $mode == all ]]; then npm_sync tests; fi
