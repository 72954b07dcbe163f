#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs the libFuzzer targets (tests/fuzz/fuzz-<name>.c) built with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer in build-fuzz/ (configured on first use), one after the other, each for
# MINUTES minutes of one CPU. Inputs that reach new code are merged into tests/fuzz/corpus-<name>/;
# crashes, leaks and timeouts are kept in build-fuzz/fuzz-artifacts/<name>/. Not part of the test suite:
# a benchmark of sorts, run by hand. Unprivileged.
#
#   tools/fuzz.sh [-m MINUTES] [TARGET...]    default: 5 minutes, every target
#   tools/fuzz.sh --install-deps              installs clang and its sanitizer runtimes (Debian 12; root)
#
# Prints one line per target: runs, runs per second, coverage (edges, features), corpus entries
# added, and the artifact of a crash, if any. Exits non-zero if any target crashed.
#
# env: NSPAWN_OCI_FUZZ_BUILD_DIR  the build tree (default: build-fuzz/ at the top of the source tree)
#      FUZZ_ARGS                  extra libFuzzer arguments (e.g. "-max_len=4096")
set -u

cd "$(dirname "$0")/.." || exit 2
BUILD=${NSPAWN_OCI_FUZZ_BUILD_DIR:-build-fuzz}
TARGETS_ALL="parse process state seccomp cli plan"
MINUTES=5

say() { echo "fuzz: $*" >&2; }

# clang 14 and its runtimes: libFuzzer and the sanitizers are in libclang-rt-14-dev.
install_deps() {
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends clang libclang-rt-14-dev >/dev/null
}

# Seeds besides the target's corpus: what the replay test runs it over too (tests/meson.build).
seeds() {
        case $1 in
        parse) echo tests/fixtures/oci ;;
        plan) echo tests/fixtures/oci tests/golden/plan ;;
        esac
}

while [ $# -gt 0 ]; do
        case $1 in
        --install-deps) install_deps; exit ;;
        -m) [ $# -ge 2 ] || { say "-m needs a number of minutes"; exit 2; }; MINUTES=$2; shift 2 ;;
        -h|--help) sed -n '3,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) say "unknown option $1"; exit 2 ;;
        *) break ;;
        esac
done
case $MINUTES in
''|*[!0-9]*|0) say "-m: expected a positive number of minutes, got '$MINUTES'"; exit 2 ;;
esac
TARGETS=${*:-$TARGETS_ALL}
for t in $TARGETS; do
        case " $TARGETS_ALL " in
        *" $t "*) ;;
        *) say "unknown target '$t' (targets: $TARGETS_ALL)"; exit 2 ;;
        esac
done

command -v clang >/dev/null || { say "clang is missing (tools/fuzz.sh --install-deps)"; exit 1; }
if [ ! -f "$BUILD/build.ninja" ]; then
        CC=clang meson setup "$BUILD" -Dfuzzer=true -Db_sanitize=address,undefined -Db_lundef=false >/dev/null ||
                { say "meson setup failed (libFuzzer missing? tools/fuzz.sh --install-deps)"; exit 1; }
fi
ninja -C "$BUILD" >/dev/null || { say "the build failed (run: ninja -C $BUILD)"; exit 1; }

# UBSan only reports by default: make it abort, so that libFuzzer keeps the input.
UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}
export UBSAN_OPTIONS
# Leaks in our dependencies, not ours: each is explained there.
LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/fuzz/lsan.supp:print_suppressions=0}
export LSAN_OPTIONS

work=$(mktemp -d) || exit 2
trap 'rm -rf "$work"' EXIT
crashed=0

for t in $TARGETS; do
        corpus=tests/fuzz/corpus-$t
        artifacts=$BUILD/fuzz-artifacts/$t
        new=$work/$t
        log=$work/$t.log
        mkdir -p "$artifacts" "$new"

        # New inputs go to a scratch directory first (libFuzzer writes to the first one), so that
        # only those that reach code the corpus does not reach (new edges, not new hit counts:
        # -use_counters=0) get into it, through the merge below.
        # shellcheck disable=SC2046,SC2086
        "$BUILD/tests/fuzz-$t" -max_total_time=$((MINUTES * 60)) -timeout=10 -rss_limit_mb=2048 \
                -print_final_stats=1 -artifact_prefix="$artifacts/" ${FUZZ_ARGS:-} \
                "$new" "$corpus" $(seeds "$t") >"$log" 2>&1
        rc=$?

        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
        speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
        cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -n 1)
        crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)

        "$BUILD/tests/fuzz-$t" -merge=1 -use_counters=0 "$corpus" "$new" >"$work/$t.merge" 2>&1
        added=$(sed -n 's/.*MERGE-OUTER: \([0-9]*\) new files.*/\1/p' "$work/$t.merge")

        line="$t: ${runs:-?} runs (${speed:-?}/s), ${cov:-no coverage}, ${added:-0} added to $corpus"
        if [ "$rc" -ne 0 ]; then
                crashed=1
                line="$line, FAILED (exit $rc): ${crash:-see below}"
        fi
        echo "$line"
        if [ "$rc" -ne 0 ]; then
                grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|.*does not hold)' "$log" | head -n 5
                cp "$log" "$artifacts/last.log"
        fi
done
exit $crashed
