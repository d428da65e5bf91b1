#!/usr/bin/env bash
# Runs every libFuzzer harness in BUILD_DIR for SECONDS each, over a scratch copy of its
# seed corpus (tests/fuzz/corpus/<name>), so new inputs never land in the repository.
# Fails if any harness crashes, leaks or times out; the reproducer is left in the
# scratch directory and its path printed.
# Usage: scripts/fuzz.sh BUILD_DIR SECONDS
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 BUILD_DIR SECONDS" >&2
    exit 2
fi
build=$1
seconds=$2
root=$(cd "$(dirname "$0")/.." && pwd)
corpus_root=$root/tests/fuzz/corpus

shopt -s nullglob
harnesses=("$build"/tests/fuzz/fuzz_*)
if [ ${#harnesses[@]} -eq 0 ]; then
    echo "fuzz: no harnesses under $build/tests/fuzz (build with the fuzz preset)" >&2
    exit 1
fi

scratch=$(mktemp -d "${TMPDIR:-/tmp}/owed-fuzz.XXXXXX")
failed=()
for bin in "${harnesses[@]}"; do
    [ -x "$bin" ] && [ -f "$bin" ] || continue
    name=$(basename "$bin")
    short=${name#fuzz_}
    work=$scratch/$short
    mkdir -p "$work/corpus" "$work/artifacts"
    if [ -d "$corpus_root/$short" ]; then
        cp -R "$corpus_root/$short/." "$work/corpus/"
    fi
    echo "fuzz: $name for ${seconds}s" >&2
    if ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
        UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
        "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$work/artifacts/" "$work/corpus" >"$work/log" 2>&1; then
        echo "fuzz: $name ok ($(grep -c '' "$work/log") log lines," \
            "$(find "$work/corpus" -type f | wc -l) corpus files)" >&2
    else
        echo "fuzz: $name FAILED; log and reproducer in $work" >&2
        tail -n 40 "$work/log" >&2
        failed+=("$name")
    fi
done

if [ ${#failed[@]} -ne 0 ]; then
    echo "fuzz: failures: ${failed[*]} (scratch kept in $scratch)" >&2
    exit 1
fi
rm -rf "$scratch"
echo "fuzz: all harnesses clean" >&2
