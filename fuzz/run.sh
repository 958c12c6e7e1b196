#!/usr/bin/env bash
# Runs every libFuzzer target for N seconds (default 60) with its seed corpus.
# Exit status: 0 when no target found a crash, leak or UB report.
# Findings go to build/fuzz/findings/<target>/; the growing corpus to
# build/fuzz/corpus/<target>/ (seeded from the repo, never written back).
set -uo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
failed=0
for bin in build/fuzz/fuzz_*; do
    [ -x "$bin" ] || continue
    name=$(basename "$bin" | sed 's/^fuzz_//')
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
        echo "ok   $name: $stats"
    else
        echo "FAIL $name: see $log and $findings/"
        tail -20 "$log"
        failed=1
    fi
done
exit $failed
