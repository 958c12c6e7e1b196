#!/usr/bin/env bash
# Runs every libFuzzer target (fuzz/fuzz_*.c, built by `make fuzz-build`)
# for N seconds (default 60) with its seed corpus.
#
#   fuzz/run.sh [SECONDS] [TARGET...]      TARGET: e.g. mcp or fuzz_mcp
#
# FUZZ_TOTAL_SECONDS, when set, caps the whole run: each target gets
# min(SECONDS, FUZZ_TOTAL_SECONDS / number of targets), but never less
# than FUZZ_MIN_SECONDS (default 5), so adding targets keeps the short pass
# of `make test` bounded instead of growing with their number.
#
# Exit status: 0 when no target found a crash, leak or UB report.
# Findings go to build/fuzz/findings/<target>/; the growing corpus to
# build/fuzz/corpus/<target>/ (seeded from the repo, never written back).
# Each target's log is build/fuzz/<target>.log; the "ok" line shows
# libFuzzer's last status line (execs, cov: edges, ft: features).
set -uo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
shift || true
names=()
if (($#)); then
    for t in "$@"; do names+=("${t#fuzz_}"); done
else
    for src in fuzz/fuzz_*.c; do
        n=$(basename "$src" .c)
        names+=("${n#fuzz_}")
    done
fi
if [[ -n ${FUZZ_TOTAL_SECONDS:-} ]]; then
    min=${FUZZ_MIN_SECONDS:-5}
    share=$((FUZZ_TOTAL_SECONDS / ${#names[@]}))
    ((share < secs)) && secs=$share
    ((secs < min)) && secs=$min
fi
failed=0
for name in "${names[@]}"; do
    bin=build/fuzz/fuzz_$name
    if [ ! -x "$bin" ]; then
        echo "FAIL $name: $bin is not built (make fuzz-build)"
        failed=1
        continue
    fi
    seeds=()
    case "$name" in
        sql_parse) seeds=(tests/sql/parse) ;;
        *) [ -d "fuzz/corpus/$name" ] && seeds=("fuzz/corpus/$name") ;;
    esac
    work=build/fuzz/corpus/$name
    findings=build/fuzz/findings/$name
    mkdir -p "$work" "$findings"
    log=build/fuzz/$name.log
    if "$bin" -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$findings/" "$work" "${seeds[@]}" >"$log" 2>&1; then
        stats=$(grep -E '^#[0-9]+.*(DONE|pulse)' "$log" | tail -1)
        echo "ok   $name (${secs}s): $stats"
    else
        echo "FAIL $name: see $log and $findings/"
        tail -20 "$log"
        failed=1
    fi
done
exit $failed
