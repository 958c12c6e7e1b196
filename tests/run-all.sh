#!/usr/bin/env bash
# Runs ddbsql's tests (`make test`).
#
#   tests/run-all.sh [unit|integration|sql|valgrind|deploy|fuzz|all]     (default: all)
#
#   unit         every cmocka binary under build/asan/tests (ASan+UBSan build)
#   integration  node --test tests/integration/*.test.mjs against the asan build
#   sql          the SQL engine's data-driven suites through build/asan/bin/ddbsql-sql:
#                golden queries (tests/sql/queries), planner goldens (tests/sql/plans)
#                and the differential tests against SQLite (tests/sql/run-differential.mjs),
#                bad input (tests/sql/run-bad-input.mjs) and every SQL example in
#                docs/resources (tests/sql/run-doc-examples.mjs); each case is one test
#   valgrind     every unit binary once under valgrind, release build; a binary
#                with valgrind errors (or failing tests) counts as one failure
#   deploy       the configs in deploy/ (deploy/check-configs.sh, release build): syntax
#                checks, then each front end (lighttpd, Apache mod_fcgid incl. shared
#                hosting, nginx + spawn-fcgi) started on loopback with Redis and dynalite
#                and the smoke suite (tests/deploy/smoke.mjs) run through it; the live
#                part needs root (make test-deploy runs this phase alone)
#   fuzz         a short run of every libFuzzer target when clang is present: FUZZ_SECONDS
#                (default 15) each, capped at FUZZ_TOTAL_SECONDS (default 120) for the whole
#                phase but at least 5 s a target (fuzz/run.sh); each target is one test
#                (make fuzz runs longer)
#   all          all of the above
#
# Results are counted from TAP: `ok` / `not ok` test points (cmocka with
# CMOCKA_MESSAGE_OUTPUT=TAP; node's own summary for node --test). A binary
# that crashes or exits non-zero without a failing point counts as one
# failure named after it. The last line is always "N passed, N failed"; the
# exit status is non-zero when anything failed.

set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

# Internal: run one unit binary (called in parallel through xargs).
#   run-all.sh --run-one unit|valgrind BINARY OUTDIR
if [[ ${1:-} == --run-one ]]; then
  mode=$2 bin=$3 out=$4
  key=$(echo "$bin" | tr '/' '_')
  export CMOCKA_MESSAGE_OUTPUT=TAP
  if [[ $mode == unit ]]; then
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:strict_string_checks=1} \
      UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1} \
      timeout -k 10 300 "$bin" >"$out/$key.out" 2>&1
  else
    timeout -k 10 900 valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
      --error-exitcode=99 "$bin" >"$out/$key.out" 2>&1
  fi
  echo $? >"$out/$key.rc"
  exit 0
fi

phase=${1:-all}
case $phase in
  unit | integration | sql | valgrind | deploy | fuzz | all) ;;
  *)
    echo "usage: $0 [unit|integration|sql|valgrind|deploy|fuzz|all]" >&2
    exit 2
    ;;
esac

JOBS=$(nproc 2>/dev/null || echo 2)
RESULTS=$(mktemp -d "${TMPDIR:-/tmp}/ddbsql-tests.XXXXXX")
trap 'rm -rf "$RESULTS"' EXIT
PASS=0 FAIL=0 SKIP=0
FAILURES=()

say() { printf '%s\n' "$*"; }
phase_start() {
  PHASE_T0=$SECONDS
  say ""
  say "=== $1"
}
phase_end() { say "--- $1 done in $((SECONDS - PHASE_T0)) s"; }
fail_one() {
  FAIL=$((FAIL + 1))
  FAILURES+=("$1")
  say "  FAIL $1"
}
finish() {
  say ""
  if ((${#FAILURES[@]})); then
    say "Failures:"
    for f in "${FAILURES[@]}"; do say "  - $f"; done
  fi
  ((SKIP)) && say "($SKIP skipped)"
  say "$PASS passed, $FAIL failed"
  ((FAIL == 0))
  exit $?
}

# Counts a cmocka TAP file: prints "COUNT pass fail skip" and one
# "FAILED name" line per failing point.
count_tap() {
  awk '
    /^[ \t]*(not )?ok( |$)/ {
      line = $0; sub(/^[ \t]*/, "", line)
      if (line ~ /#[ \t]*(SKIP|skip|TODO|todo)/) { skip++; next }
      if (line ~ /^not ok/) {
        fail++; name = line; sub(/^not ok[ \t]*[0-9]*[ \t]*(-[ \t]*)?/, "", name)
        print "FAILED " name
      } else pass++
    }
    END { print "COUNT", pass + 0, fail + 0, skip + 0 }' "$1"
}

build() { # variant, make targets...
  local variant=$1
  shift
  say "building ($variant): make -j$JOBS VARIANT=$variant $*"
  if ! make -j"$JOBS" VARIANT="$variant" "$@" >"$RESULTS/build-$variant.log" 2>&1; then
    tail -n 60 "$RESULTS/build-$variant.log"
    fail_one "build ($variant) failed"
    return 1
  fi
}

unit_bins() { # variant
  [[ -d build/$1/tests ]] || return 0
  find "build/$1/tests" -type f -perm -u+x | sort
}

# Runs the unit binaries of a variant in parallel, then reports in order.
run_units() { # unit|valgrind variant
  local mode=$1 variant=$2 out="$RESULTS/$1"
  mkdir -p "$out"
  mapfile -t bins < <(unit_bins "$variant")
  if ((${#bins[@]} == 0)); then
    say "  (no unit test binaries under build/$variant/tests)"
    return
  fi
  say "running ${#bins[@]} binaries, $JOBS at a time"
  printf '%s\n' "${bins[@]}" | xargs -P "$JOBS" -I{} "$0" --run-one "$mode" {} "$out"
  local bin key rc name p f s
  for bin in "${bins[@]}"; do
    key=$(echo "$bin" | tr '/' '_')
    rc=$(cat "$out/$key.rc" 2>/dev/null || echo 255)
    name=${bin#build/"$variant"/tests/}
    if [[ $mode == valgrind ]]; then
      if [[ $rc == 0 ]]; then
        PASS=$((PASS + 1))
        say "  ok   $name"
      else
        case $rc in
          99) why="valgrind errors" ;;
          124 | 137) why="timed out" ;;
          *) why="exit status $rc" ;;
        esac
        tail -n 80 "$out/$key.out"
        fail_one "valgrind: $name ($why)"
      fi
      continue
    fi
    read -r _ p f s < <(count_tap "$out/$key.out" | grep '^COUNT')
    PASS=$((PASS + p)) SKIP=$((SKIP + s))
    if ((f > 0)) || [[ $rc != 0 ]]; then
      tail -n 80 "$out/$key.out"
      while read -r _ t; do fail_one "$name: $t"; done < <(count_tap "$out/$key.out" | grep '^FAILED')
      if ((f == 0)); then
        case $rc in
          124 | 137) fail_one "$name (timed out)" ;;
          *) fail_one "$name (exit status $rc without a failing test: crashed?)" ;;
        esac
      fi
    else
      if ((s > 0)); then say "  ok   $name ($p passed, $s skipped)"; else say "  ok   $name ($p passed)"; fi
    fi
  done
}

phase_unit() {
  phase_start "unit tests (asan)"
  run_units unit asan
  phase_end "unit"
}

phase_valgrind() {
  phase_start "unit tests under valgrind (release)"
  if build release all unit-bins; then run_units valgrind release; fi
  phase_end "valgrind"
}

phase_integration() {
  phase_start "integration tests (asan)"
  shopt -s nullglob
  local files=(tests/integration/*.test.mjs)
  shopt -u nullglob
  if ((${#files[@]} == 0)); then
    say "  (no integration tests yet: tests/integration/*.test.mjs)"
    phase_end "integration"
    return
  fi
  if [[ ! -d tests/node_modules || ! -d deploy/local/node_modules ]]; then
    fail_one "integration: node_modules missing (run tests/install-deps.sh)"
    phase_end "integration"
    return
  fi
  local tap="$RESULTS/integration.tap" rc
  # Test points as they come; the full TAP (with error details) is kept
  # and its failures shown at the end.
  DDBSQL_TEST_VARIANT=asan node --test --test-reporter=tap --test-concurrency=2 \
    --test-timeout=300000 "${files[@]}" 2>&1 | tee "$tap" |
    grep --line-buffered -E '^ *(not )?ok [0-9]+ '
  rc=${PIPESTATUS[0]}
  local p f c s t
  p=$(grep -E '^# pass [0-9]+$' "$tap" | tail -n1 | awk '{print $3}')
  f=$(grep -E '^# fail [0-9]+$' "$tap" | tail -n1 | awk '{print $3}')
  c=$(grep -E '^# cancelled [0-9]+$' "$tap" | tail -n1 | awk '{print $3}')
  s=$(grep -E '^# skipped [0-9]+$' "$tap" | tail -n1 | awk '{print $3}')
  t=$(grep -E '^# todo [0-9]+$' "$tap" | tail -n1 | awk '{print $3}')
  if [[ -z $p ]]; then
    tail -n 80 "$tap"
    fail_one "integration: node --test printed no summary (exit status $rc)"
    phase_end "integration"
    return
  fi
  PASS=$((PASS + p)) SKIP=$((SKIP + ${s:-0} + ${t:-0}))
  # Name the failing tests (leaves, not the suites that contain them).
  local names
  mapfile -t names < <(awk '
    function flush() {
      if (pending != "") print pending (loc != "" ? " (" loc ")" : "")
      pending = ""; loc = ""
    }
    /^ *(not )?ok [0-9]+ / { flush() }
    /^ *not ok [0-9]+ / { pending = $0; sub(/^ *not ok [0-9]+ (- )?/, "", pending); sub(/ #.*$/, "", pending) }
    /^ *location: / { loc = $0; sub(/^ *location: .?/, "", loc); sub(/.$/, "", loc); sub(/^.*\//, "", loc) }
    /failureType: .subtestsFailed./ { pending = "" }
    END { flush() }' "$tap")
  local nfail=$((${f:-0} + ${c:-0}))
  if ((nfail > 0)); then
    # Details of each failure (the YAML blocks) for the log.
    awk '
      function flush() { if (block != "" && block !~ /subtestsFailed/) printf "%s", block; block = "" }
      /^ *(not )?ok [0-9]+ |^ *# Subtest|^# (tests|pass|fail) / { flush(); show = ($0 ~ /^ *not ok/) }
      show { block = block $0 "\n" }
      END { flush() }' "$tap" | head -n 300
    local i
    for ((i = 0; i < nfail; i++)); do
      fail_one "integration: ${names[i]:-test $((i + 1))}"
    done
  elif [[ $rc != 0 ]]; then
    tail -n 40 "$tap"
    fail_one "integration: node --test exited with status $rc without a failing test"
  fi
  phase_end "integration"
}

# Runs one SQL suite runner (TAP-like output: "ok N - name" / "not ok N -
# name" followed by "#   " detail lines) and counts its points.
run_sql_suite() { # label, command...
  local label=$1 out="$RESULTS/sql-$1.tap" rc p f s
  shift
  DDBSQL_TEST_VARIANT=asan timeout -k 10 600 "$@" >"$out" 2>&1
  rc=$?
  read -r _ p f s < <(count_tap "$out" | grep '^COUNT')
  PASS=$((PASS + p)) SKIP=$((SKIP + s))
  if ((f > 0)); then
    # Each failure with its details (query, expected vs got).
    awk '/^not ok [0-9]+ /{show=1; print; next} /^(ok [0-9]+ |1\.\.|[0-9]+ passed)/{show=0} show' "$out" | head -n 600
    while read -r _ t; do fail_one "sql: $t"; done < <(count_tap "$out" | grep '^FAILED')
  fi
  if ((f == 0)) && [[ $rc != 0 ]]; then
    tail -n 40 "$out"
    fail_one "sql: $label exited with status $rc without a failing test"
  fi
  say "  $label: $p passed, $f failed"
}

phase_sql() {
  phase_start "SQL golden and differential tests (asan)"
  if [[ ! -f fcgi/sql_main.c ]]; then
    say "  (no fcgi/sql_main.c yet: the SQL suites need build/asan/bin/ddbsql-sql)"
    SKIP=$((SKIP + 1))
  elif [[ ! -x build/asan/bin/ddbsql-sql ]]; then
    fail_one "sql: build/asan/bin/ddbsql-sql was not built"
  elif ! command -v sqlite3 >/dev/null; then
    fail_one "sql: sqlite3 is not installed (tests/install-deps.sh installs it)"
  elif [[ ! -d deploy/local/node_modules ]]; then
    fail_one "sql: deploy/local/node_modules missing (run tests/install-deps.sh)"
  else
    run_sql_suite golden node tests/sql/run-golden.mjs
    run_sql_suite differential node tests/sql/run-differential.mjs
    run_sql_suite bad-input node tests/sql/run-bad-input.mjs
    run_sql_suite doc-examples node tests/sql/run-doc-examples.mjs
  fi
  phase_end "sql"
}

phase_deploy() {
  phase_start "deploy: configs, and the smoke suite through each front end (release)"
  local out="$RESULTS/deploy.tap" p f s rc
  deploy/check-configs.sh >"$out" 2>&1
  rc=$?
  read -r _ p f s < <(count_tap "$out" | grep '^COUNT')
  PASS=$((PASS + p)) SKIP=$((SKIP + s))
  grep -E '^(not )?ok ' "$out" | sed 's/^/  /'
  if ((f > 0)) || [[ $rc != 0 ]]; then
    grep -v -E '^((not )?ok |1\.\.)' "$out" | head -n 80
    while read -r _ t; do fail_one "deploy: $t"; done < <(count_tap "$out" | grep '^FAILED')
    ((f == 0)) && fail_one "deploy/check-configs.sh exited with status $rc"
  fi
  phase_end "deploy"
}

phase_fuzz() {
  phase_start "fuzzing (short run)"
  if ! command -v clang >/dev/null; then
    say "  (clang not installed: fuzzing skipped; tests/install-deps.sh installs it)"
    SKIP=$((SKIP + 1))
  elif ! make -s fuzz-build >"$RESULTS/fuzz-build.log" 2>&1; then
    tail -n 40 "$RESULTS/fuzz-build.log"
    fail_one "fuzz: the targets did not build"
  else
    local line
    while read -r line; do
      say "  $line"
      case $line in
        "ok   "*) PASS=$((PASS + 1)) ;;
        "FAIL "*) fail_one "fuzz: ${line#FAIL }" ;;
      esac
    done < <(FUZZ_TOTAL_SECONDS=${FUZZ_TOTAL_SECONDS:-120} fuzz/run.sh "${FUZZ_SECONDS:-15}" 2>&1 |
      grep -E '^(ok|FAIL) ')
  fi
  phase_end "fuzz"
}

T0=$SECONDS
case $phase in
  unit | integration | sql)
    phase_start "build (asan)"
    build asan all unit-bins || finish
    phase_end "build"
    case $phase in
      unit) phase_unit ;;
      integration) phase_integration ;;
      sql) phase_sql ;;
    esac
    ;;
  valgrind) phase_valgrind ;;
  deploy) phase_deploy ;;
  fuzz) phase_fuzz ;;
  all)
    phase_start "build (asan)"
    if build asan all unit-bins; then
      phase_end "build"
      phase_unit
      phase_integration
      phase_sql
    fi
    phase_valgrind
    phase_deploy
    phase_fuzz
    ;;
esac
say ""
say "total time $((SECONDS - T0)) s"
finish
