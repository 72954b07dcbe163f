#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Builds nspawn-oci with AddressSanitizer and UndefinedBehaviorSanitizer in build-asan/ (configured on
# first use) and runs the meson test suite there. The last line is meson's result summary on one line;
# the exit status is non-zero if the build or any test failed. Some tests need root, as in build/.
#
# env: NSPAWN_OCI_ASAN_BUILD_DIR  the build tree (default: build-asan/ at the top of the source tree)
#      MESON_TEST_ARGS            extra `meson test` arguments (e.g. "--suite fuzz" or a test name)
set -u

cd "$(dirname "$0")/.." || exit 2
BUILD=${NSPAWN_OCI_ASAN_BUILD_DIR:-build-asan}

say() { echo "test-sanitizers: $*" >&2; }

if [ ! -f "$BUILD/build.ninja" ]; then
        meson setup "$BUILD" -Db_sanitize=address,undefined >/dev/null ||
                { say "meson setup failed"; exit 1; }
else
        # An existing tree may have been configured otherwise: the point of this run is the sanitizers.
        meson configure "$BUILD" -Db_sanitize=address,undefined >/dev/null ||
                { say "meson configure failed"; exit 1; }
fi

ninja -C "$BUILD" >/dev/null || { say "the build failed (run: ninja -C $BUILD)"; exit 1; }

# UBSan reports and carries on by default: halt, so that undefined behaviour fails its test. ASan halts
# by default; abort_on_error stays off, because an abort() under a test's seccomp filter can hang.
UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1:print_summary=1}
export UBSAN_OPTIONS

log=$(mktemp) || exit 2
trap 'rm -f "$log"' EXIT
# shellcheck disable=SC2086
meson test -C "$BUILD" --print-errorlogs ${MESON_TEST_ARGS:-} >"$log" 2>&1
rc=$?
cat "$log"

# meson's summary is one "Name: N" line per result kind; print them on one line.
kinds='Ok\|Expected Fail\|Fail\|Unexpected Pass\|Skipped\|Timeout'
summary=$(sed -n "s/^\($kinds\): *\([0-9]*\) *\$/\1: \2/p" "$log" | paste -sd, - | sed 's/,/, /g')
if [ -z "$summary" ]; then
        say "no test summary from meson (exit status $rc)"
        exit 1
fi
echo "sanitizers (address,undefined): $summary"
[ "$rc" -eq 0 ]
