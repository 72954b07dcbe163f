#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Builds the OCI runtime conformance suite (opencontainers/runtime-tools validation/) from a
# runtime-tools source tree into a self-contained suite directory. Called by run.sh; needs Go, no root.
#
# usage: build.sh RUNTIME_TOOLS_SRC OUT_DIR
#   RUNTIME_TOOLS_SRC  a runtime-tools checkout (needs vendor/ and rootfs-<arch>.tar.gz)
#   OUT_DIR            where the suite goes
#
# Result layout (what run-suite.sh expects):
#   OUT_DIR/runtimetest                 static helper copied into every bundle
#   OUT_DIR/rootfs-<arch>.tar.gz        busybox rootfs unpacked into every bundle
#   OUT_DIR/validation/<name>.t         one TAP-emitting test binary per validation/<name>/
#   OUT_DIR/BUILD-INFO                  source commit, Go version, compat shims used
#
# Builds offline (GOFLAGS=-mod=vendor, GOPROXY=off). The source tree is not modified.
# If the local Go is older than the stdlib APIs the source/vendor code uses (upstream
# go.mod says go 1.21; Debian 12 ships 1.19), tiny shims for the missing APIs
# (package slices; sync.OnceValue(s); strings.CutPrefix/CutSuffix) are injected with
# `go build -overlay`, feature-detected against $GOROOT.
set -euo pipefail

die() { echo "build.sh: $*" >&2; exit 1; }

[ $# -eq 2 ] || die "usage: $0 RUNTIME_TOOLS_SRC OUT_DIR"
SRC=$(cd "$1" && pwd) || die "no such source dir: $1"
OUT=$2
mkdir -p "$OUT/validation"
OUT=$(cd "$OUT" && pwd)

command -v go >/dev/null || die "go not found in PATH"
[ -d "$SRC/validation" ] && [ -d "$SRC/cmd/runtimetest" ] || die "$SRC does not look like runtime-tools"
ARCH=$(go env GOARCH)
ROOTFS="$SRC/rootfs-$ARCH.tar.gz"
[ -f "$ROOTFS" ] || die "missing $ROOTFS"

export GOFLAGS=-mod=vendor GOPROXY=off GOTOOLCHAIN=local GOWORK=off CGO_ENABLED=${CGO_ENABLED:-1}
GOROOT=$(go env GOROOT)
GOVER=$(go env GOVERSION)

# ---- compatibility shims for old Go toolchains (via -overlay, source untouched) ----
SHIMDIR=$(mktemp -d /tmp/ocival-shims.XXXXXX)
trap 'rm -rf "$SHIMDIR"' EXIT
OVERLAY_ENTRIES=()
SHIMS_USED=()

if [ ! -d "$GOROOT/src/slices" ] && [ ! -d "$SRC/vendor/slices" ]; then
	cat >"$SHIMDIR/slices.go" <<'EOF'
// Package slices: Go<1.21 compatibility subset injected by build.sh.
package slices

func Index[S ~[]E, E comparable](s S, v E) int {
	for i := range s {
		if v == s[i] {
			return i
		}
	}
	return -1
}

func Contains[S ~[]E, E comparable](s S, v E) bool { return Index(s, v) >= 0 }

func ContainsFunc[S ~[]E, E any](s S, f func(E) bool) bool {
	for _, v := range s {
		if f(v) {
			return true
		}
	}
	return false
}

func DeleteFunc[S ~[]E, E any](s S, del func(E) bool) S {
	j := 0
	for _, v := range s {
		if !del(v) {
			s[j] = v
			j++
		}
	}
	return s[:j]
}
EOF
	# A new std package cannot be added through the overlay with go1.19, but a
	# vendor/ package can; "slices" has no dot so it resolves there in -mod=vendor.
	OVERLAY_ENTRIES+=("\"$SRC/vendor/slices/slices.go\": \"$SHIMDIR/slices.go\"")
	SHIMS_USED+=(slices)
fi

if ! grep -qs 'func OnceValues\[' "$GOROOT"/src/sync/*.go; then
	cat >"$SHIMDIR/sync_compat.go" <<'EOF'
// Go<1.21 compatibility shim injected by build.sh (panics are not re-raised on later calls).
package sync

func OnceValue[T any](f func() T) func() T {
	var once Once
	var r T
	return func() T {
		once.Do(func() { r = f() })
		return r
	}
}

func OnceValues[T1, T2 any](f func() (T1, T2)) func() (T1, T2) {
	var once Once
	var r1 T1
	var r2 T2
	return func() (T1, T2) {
		once.Do(func() { r1, r2 = f() })
		return r1, r2
	}
}
EOF
	OVERLAY_ENTRIES+=("\"$GOROOT/src/sync/zz_ocival_compat.go\": \"$SHIMDIR/sync_compat.go\"")
	SHIMS_USED+=(sync.OnceValue/OnceValues)
fi

if ! grep -qs 'func CutPrefix(' "$GOROOT"/src/strings/*.go; then
	cat >"$SHIMDIR/strings_compat.go" <<'EOF'
// Go<1.20 compatibility shim injected by build.sh.
package strings

func CutPrefix(s, prefix string) (after string, found bool) {
	if !HasPrefix(s, prefix) {
		return s, false
	}
	return s[len(prefix):], true
}

func CutSuffix(s, suffix string) (before string, found bool) {
	if !HasSuffix(s, suffix) {
		return s, false
	}
	return s[:len(s)-len(suffix)], true
}
EOF
	OVERLAY_ENTRIES+=("\"$GOROOT/src/strings/zz_ocival_compat.go\": \"$SHIMDIR/strings_compat.go\"")
	SHIMS_USED+=(strings.CutPrefix/CutSuffix)
fi

OVERLAY_ARGS=()
if [ ${#OVERLAY_ENTRIES[@]} -gt 0 ]; then
	{
		echo '{"Replace": {'
		sep=""
		for e in "${OVERLAY_ENTRIES[@]}"; do printf '%s %s\n' "$sep" "$e"; sep=","; done
		echo '}}'
	} >"$SHIMDIR/overlay.json"
	OVERLAY_ARGS=(-overlay "$SHIMDIR/overlay.json")
fi

# ---- build ----
COMMIT=$(git -C "$SRC" describe --dirty --long --always --tags 2>/dev/null || echo unknown)
VERSION=$(cat "$SRC/VERSION" 2>/dev/null || echo unknown)
cd "$SRC"

echo "build.sh: $GOVER, shims: ${SHIMS_USED[*]:-none}" >&2
echo "build.sh: building runtimetest (static)" >&2
go build "${OVERLAY_ARGS[@]}" -tags "netgo osusergo" \
	-ldflags "-extldflags -static -X main.gitCommit=$COMMIT -X main.version=$VERSION" \
	-o "$OUT/runtimetest" ./cmd/runtimetest

echo "build.sh: building validation tests" >&2
TMPBIN=$(mktemp -d "$OUT/.bin.XXXXXX")
# One go invocation for all main packages: each binary is named after its directory.
go build "${OVERLAY_ARGS[@]}" -trimpath -ldflags "-s -w" -o "$TMPBIN/" ./validation/...
rm -f "$OUT"/validation/*.t
n=0
for d in validation/*/; do
	name=$(basename "$d")
	[ "$name" = util ] && continue
	[ -x "$TMPBIN/$name" ] || die "no binary built for validation/$name"
	mv "$TMPBIN/$name" "$OUT/validation/$name.t"
	n=$((n + 1))
done
rm -rf "$TMPBIN"

cp "$ROOTFS" "$OUT/"
{
	echo "source: $SRC"
	echo "commit: $COMMIT"
	echo "version: $VERSION"
	echo "go: $GOVER"
	echo "compat-shims: ${SHIMS_USED[*]:-none}"
	echo "tests: $n"
	echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
} >"$OUT/BUILD-INFO"
echo "build.sh: $n validation tests -> $OUT" >&2
