#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# exec latency of nspawn-oci next to runc: one running busybox container each (the same bundle), N
# execs of /bin/true, the median in ms and the ratio. A benchmark, not a test: run it as root, by hand.
# (create+start+delete with podman's seccomp profile: SECCOMP=podman bench/bench-lifecycle.sh)
#
# usage: bench/bench-exec.sh [NSPAWN_OCI_BINARY]   env: ROUNDS (default 50)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
NSPAWN_OCI=${1:-$top/build/nspawn-oci}
ROUNDS=${ROUNDS:-50}

[ "$(id -u)" = 0 ] || { echo "bench-exec: must run as root" >&2; exit 2; }
work=$(mktemp -d /var/tmp/nspawn-oci-bench-exec.XXXXXX)
states=$(mktemp -d /run/nspawn-oci-bench-exec.XXXXXX) # where engines keep a runtime's state: a tmpfs
declare -A RUNTIMES=([nspawn-oci]=$NSPAWN_OCI [runc]=runc)
cleanup() {
    for rt in "${!RUNTIMES[@]}"; do
        "${RUNTIMES[$rt]}" --root "$states/$rt" delete -f "bench-exec-$rt" >/dev/null 2>&1 || true
    done
    rm -rf --one-file-system "$work" "$states"
}
trap cleanup EXIT

mkdir -p "$work/rootfs/bin" "$work/rootfs/proc" "$work/rootfs/dev" "$work/rootfs/sys" "$work/bundle"
cp /bin/busybox "$work/rootfs/bin/"
for a in true sleep sh; do ln -s busybox "$work/rootfs/bin/$a"; done
(cd "$work/bundle" && runc spec && python3 - "$work/rootfs" <<'PY'
import json, sys
c = json.load(open("config.json"))
c["process"]["args"] = ["/bin/sleep", "100000"]
c["process"]["terminal"] = False
c["root"]["path"] = sys.argv[1]
json.dump(c, open("config.json", "w"))
PY
)

now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

declare -A MED
for rt in nspawn-oci runc; do
    bin=${RUNTIMES[$rt]}
    st=$states/$rt
    id=bench-exec-$rt
    "$bin" --root "$st" create --bundle "$work/bundle" "$id" </dev/null >/dev/null 2>&1
    "$bin" --root "$st" start "$id"
    "$bin" --root "$st" exec "$id" /bin/true # warm up
    times=()
    for i in $(seq "$ROUNDS"); do
        t0=$(now)
        "$bin" --root "$st" exec "$id" /bin/true
        t1=$(now)
        times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN{print (b-a)*1000}')")
    done
    MED[$rt]=$(printf '%s\n' "${times[@]}" | median)
    "$bin" --root "$st" delete -f "$id"
done

printf '%-12s %14s\n' runtime "exec ms (median of $ROUNDS)"
for rt in nspawn-oci runc; do
    printf '%-12s %14.1f\n' "$rt" "${MED[$rt]}"
done
awk -v a="${MED[nspawn-oci]}" -v b="${MED[runc]}" 'BEGIN{printf "nspawn-oci / runc: exec %.2fx\n", a/b}'
