#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Create+start+delete of a /bin/true container with nspawn-oci (its box built by systemd-nspawn, and
# by the native builder: "native") next to runc and crun, on the same
# machine: sequential (median of N) and 50 at once (wall time), plus the resident memory per running
# container. Prints ratios against runc. A benchmark, not a test: run it as root, by hand.
#
# usage: bench/bench-lifecycle.sh [NSPAWN_OCI_BINARY]   env: ROUNDS (default 20), PARALLEL (default 50),
#        SECCOMP=podman (every container gets podman's default seccomp profile, tests/fixtures/oci)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
NSPAWN_OCI=${1:-$top/build/nspawn-oci}
ROUNDS=${ROUNDS:-20}
PARALLEL=${PARALLEL:-50}

[ "$(id -u)" = 0 ] || { echo "bench-lifecycle: must run as root" >&2; exit 2; }
work=$(mktemp -d /var/tmp/nspawn-oci-bench.XXXXXX)
cleanup() {
    for rt in "${!RUNTIMES[@]}"; do
        for id in $("${RUNTIMES[$rt]}" --root "$work/state-$rt" list -q 2>/dev/null); do
            "${RUNTIMES[$rt]}" --root "$work/state-$rt" delete -f "$id" >/dev/null 2>&1 || true
        done
    done
    rm -rf --one-file-system "$work"
}
declare -A RUNTIMES=([nspawn-oci]=$NSPAWN_OCI [runc]=runc)
if command -v crun >/dev/null; then
    # crun 1.8 refuses a cgroup v1 hybrid host whose unified hierarchy has controllers; the wrapper hides it
    if grep -q . /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null; then
        RUNTIMES[crun]=$top/tools/crun-wrapper.sh
    else
        RUNTIMES[crun]=crun
    fi
fi
trap cleanup EXIT
# the native builder's figure next to nspawn's: the same binary, its create given --builder native
cat >"$work/native.sh" <<WRAPPER
#!/bin/bash
args=()
for a in "\$@"; do args+=("\$a"); [ "\$a" = create ] && args+=(--builder native); done
exec "$NSPAWN_OCI" "\${args[@]}"
WRAPPER
chmod +x "$work/native.sh"
RUNTIMES[native]=$work/native.sh

# a busybox root file system with true and sleep
mkdir -p "$work/rootfs/bin" "$work/rootfs/usr" "$work/rootfs/proc" "$work/rootfs/dev" "$work/rootfs/sys"
cp /bin/busybox "$work/rootfs/bin/"
for a in true sleep sh; do ln -s busybox "$work/rootfs/bin/$a"; done

SECCOMP_FROM=
case ${SECCOMP:-} in
    "") ;;
    podman) SECCOMP_FROM=$top/tests/fixtures/oci/podman-run-default.json ;;
    *) echo "bench-lifecycle: SECCOMP=podman or nothing" >&2; exit 2 ;;
esac

bundle() { # DIR ARGS_JSON
    mkdir -p "$1"
    (cd "$1" && runc spec && python3 - "$2" "$work/rootfs" "$SECCOMP_FROM" <<'PY'
import json, sys
c = json.load(open("config.json"))
if sys.argv[3]:
    c["linux"]["seccomp"] = json.load(open(sys.argv[3]))["linux"]["seccomp"]
c["process"]["args"] = json.loads(sys.argv[1])
c["process"]["terminal"] = False
c["root"]["readonly"] = False
c["root"]["path"] = sys.argv[2]
c["ociVersion"] = "1.0.2"
json.dump(c, open("config.json", "w"))
PY
    )
}
bundle "$work/true" '["/bin/true"]'
bundle "$work/sleep" '["/bin/sleep","1000"]'

# The sequence an engine runs, as an engine runs it: under a child subreaper that reaps the container
# process as soon as it exits (conmon does this), so that no runtime waits for the host's init.
cat >"$work/lifecycle.py" <<'PY'
import ctypes, os, subprocess, sys
rt, state, cid, bundle = sys.argv[1:5]
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
pidfile = os.path.join(state, cid + ".pid")
os.makedirs(state, exist_ok=True)
def call(*a):
    subprocess.run([rt, "--root", state, *a], check=True, stdout=subprocess.DEVNULL)
call("create", "--bundle", bundle, "--pid-file", pidfile, cid)
pid = int(open(pidfile).read())
call("start", cid)
os.waitpid(pid, 0)
call("delete", "-f", cid)
os.unlink(pidfile)
PY
lifecycle() { # RUNTIME STATE ID BUNDLE
    /usr/bin/python3 "$work/lifecycle.py" "$@"
}

now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

declare -A SEQ PAR RSS
for rt in "${!RUNTIMES[@]}"; do
    bin=${RUNTIMES[$rt]}
    st=$work/state-$rt
    times=()
    for i in $(seq "$ROUNDS"); do
        t0=$(now)
        lifecycle "$bin" "$st" "bench-$rt-$i" "$work/true"
        t1=$(now)
        times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN{print (b-a)*1000}')")
    done
    SEQ[$rt]=$(printf '%s\n' "${times[@]}" | median)

    t0=$(now)
    for i in $(seq "$PARALLEL"); do
        lifecycle "$bin" "$st" "par-$rt-$i" "$work/true" &
    done
    wait
    t1=$(now)
    PAR[$rt]=$(awk -v a="$t0" -v b="$t1" 'BEGIN{print (b-a)*1000}')

    # memory: what stays resident per running container (the runtime's own processes included)
    "$bin" --root "$st" create --bundle "$work/sleep" "mem-$rt" >/dev/null
    "$bin" --root "$st" start "mem-$rt"
    pid=$("$bin" --root "$st" state "mem-$rt" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
    # every process in the container's cgroup: nspawn and the holder count for nspawn-oci
    cg=$(awk -F: '$2 == "name=systemd" || ($1 == "0" && !found) {p=$3; found = ($2 == "name=systemd")} END {print p}' \
         "/proc/$pid/cgroup")
    procs=/sys/fs/cgroup/systemd$cg/cgroup.procs
    [ -r "$procs" ] || procs=/sys/fs/cgroup$cg/cgroup.procs
    kb=0
    for p in $(cat "$procs" 2>/dev/null || echo "$pid"); do
        v=$(awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null || true)
        kb=$((kb + ${v:-0}))
    done
    RSS[$rt]=$kb
    "$bin" --root "$st" delete -f "mem-$rt"
done

[ -z "$SECCOMP_FROM" ] || echo "seccomp profile: $SECCOMP_FROM"
printf '%-12s %16s %18s %16s\n' runtime "lifecycle ms" "${PARALLEL} at once ms" "RSS kB/ctr"
for rt in nspawn-oci native runc crun; do
    [ -n "${SEQ[$rt]:-}" ] || continue
    printf '%-12s %16.1f %18.0f %16s\n' "$rt" "${SEQ[$rt]}" "${PAR[$rt]}" "${RSS[$rt]}"
done
for rt in nspawn-oci native crun; do
    [ -n "${SEQ[$rt]:-}" ] || continue
    awk -v n="$rt" -v a="${SEQ[$rt]}" -v b="${SEQ[runc]}" -v c="${PAR[$rt]}" -v d="${PAR[runc]}" \
        'BEGIN{printf "%s / runc: lifecycle %.2fx, %s at once %.2fx\n", n, a/b, "'"$PARALLEL"'", c/d}'
done
