#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Create+start+delete, and run, of a /bin/true container with nspawn-oci (its box built by
# systemd-nspawn, and by the native builder: "native") next to runc (its cgroupfs
# driver, and its systemd driver where systemd is PID 1) and crun, on the same machine: sequential
# (median of N, and of each verb; each round runs every runtime in turn), 50 at once (wall time), plus
# the resident memory per running container. Prints ratios against runc. A benchmark, not a test: run
# it as root, by hand.
#
# usage: bench/bench-lifecycle.sh [NSPAWN_OCI_BINARY]   env: ROUNDS (default 20), PARALLEL (default 50),
#        SECCOMP=podman (every container gets podman's default seccomp profile, tests/fixtures/oci),
#        BEFORE=BINARY (another nspawn-oci, say of an earlier commit, measured in the same rounds: "before")
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
NSPAWN_OCI=${1:-$top/build/nspawn-oci}
ROUNDS=${ROUNDS:-20}
PARALLEL=${PARALLEL:-50}

[ "$(id -u)" = 0 ] || { echo "bench-lifecycle: must run as root" >&2; exit 2; }
work=$(mktemp -d /var/tmp/nspawn-oci-bench.XXXXXX)
# each runtime's state where engines keep it, on /run (podman, CRI-O and containerd's shim give runc a
# root there): a tmpfs, as under /run/runc and /run/nspawn-oci
states=$(mktemp -d /run/nspawn-oci-bench.XXXXXX)
# a runtime's command line: its binary and the global options that make it the one named
rtcmd() { # NAME ARGS...
    local -a c
    read -ra c <<<"${RUNTIMES[$1]}"
    "${c[@]}" --root "$states/$1" "${@:2}"
}
cleanup() {
    for rt in "${!RUNTIMES[@]}"; do
        for id in $(rtcmd "$rt" list -q 2>/dev/null); do
            rtcmd "$rt" delete -f "$id" >/dev/null 2>&1 || true
        done
    done
    rm -rf --one-file-system "$work" "$states"
}
declare -A RUNTIMES=([nspawn-oci]=$NSPAWN_OCI [runc]=runc)
# runc's systemd cgroup driver makes a scope per container, as nspawn-oci does
[ "$(cat /proc/1/comm)" = systemd ] && RUNTIMES[runc-systemd]="runc --systemd-cgroup"
if command -v crun >/dev/null; then
    # crun 1.8 refuses a cgroup v1 hybrid host whose unified hierarchy has controllers; the wrapper hides it
    if grep -q . /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null; then
        RUNTIMES[crun]=$top/tools/crun-wrapper.sh
    else
        RUNTIMES[crun]=crun
    fi
fi
[ -z "${BEFORE:-}" ] || RUNTIMES[before]=$BEFORE
trap cleanup EXIT
# the native builder's figure next to nspawn's: the same binary, its create and run given --builder native
cat >"$work/native.sh" <<WRAPPER
#!/bin/bash
args=()
for a in "\$@"; do args+=("\$a"); case "\$a" in create|run) args+=(--builder native) ;; esac; done
exec "$NSPAWN_OCI" "\${args[@]}"
WRAPPER
chmod +x "$work/native.sh"
# (a binary from before the native builder has no --builder: then nspawn's figure alone)
if "$NSPAWN_OCI" create --help 2>&1 | grep -q -- --builder; then
    RUNTIMES[native]=$work/native.sh
fi

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
# Prints the milliseconds of create, start (up to the process's exit) and delete.
cat >"$work/lifecycle.py" <<'PY'
import ctypes, os, shlex, subprocess, sys, time
rt, state, cid, bundle = sys.argv[1:5]
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
pidfile = os.path.join(state, cid + ".pid")
os.makedirs(state, exist_ok=True)
def call(*a):
    t = time.monotonic()
    subprocess.run([*shlex.split(rt), "--root", state, *a], check=True, stdout=subprocess.DEVNULL)
    return (time.monotonic() - t) * 1000
c = call("create", "--bundle", bundle, "--pid-file", pidfile, cid)
pid = int(open(pidfile).read())
t = time.monotonic()
call("start", cid)
os.waitpid(pid, 0)
s = (time.monotonic() - t) * 1000
d = call("delete", "-f", cid)
os.unlink(pidfile)
print(f"{c:.1f} {s:.1f} {d:.1f}")
PY
lifecycle() { # RUNTIME ID BUNDLE
    /usr/bin/python3 "$work/lifecycle.py" "${RUNTIMES[$1]}" "$states/$1" "$2" "$3"
}

now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# The floor under nspawn-oci: systemd-nspawn alone runs /bin/true with the options nspawn-oci gives it,
# in a scope of its own and registered where systemd runs (the time no runtime built on it can beat)
nspawn_alone() { # N
    local -a scope=() reg=(--keep-unit --register=no)
    if [ "$(cat /proc/1/comm)" = systemd ]; then
        scope=(systemd-run --scope --quiet -p Delegate=yes --unit "bench-nspawn-$1")
        reg=(--keep-unit --register=yes)
    fi
    SYSTEMD_SECCOMP=0 SYSTEMD_NSPAWN_TMPFS_TMP=0 SYSTEMD_NSPAWN_LOCK=0 SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=$unified \
        "${scope[@]}" systemd-nspawn --quiet "${reg[@]}" -M "bench-nspawn-$1" -D "$work/rootfs" \
        --resolv-conf=off --timezone=off --link-journal=no --console=pipe --private-network /bin/true \
        2>/dev/null
    local rc=$?
    # what nspawn leaves behind when it cannot remove it itself (nspawn-oci removes it too)
    rmdir "/run/systemd/nspawn/propagate/bench-nspawn-$1" 2>/dev/null || true
    return $rc
}
unified=0
[ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] && unified=1
ORDER=(nspawn-oci native before runc runc-systemd crun)
declare -A SEQ PAR RSS RUN CREATE START DELETE TIMES CREATES STARTS DELETES RUNS
ms_since() { awk -v a="$1" -v b="$(now)" 'BEGIN{print (b-a)*1000}'; }
# Sequential: every round runs each runtime in turn (and nspawn alone), so that a change in the
# machine's load during the run (a virtual machine's host) weighs on all of them alike.
alone_ok=1
for i in $(seq "$ROUNDS"); do
    for rt in "${ORDER[@]}"; do
        [ -n "${RUNTIMES[$rt]:-}" ] || continue
        t0=$(now)
        read -r c s d < <(lifecycle "$rt" "bench-$rt-$i" "$work/true")
        TIMES[$rt]+="$(ms_since "$t0") " CREATES[$rt]+="$c " STARTS[$rt]+="$s " DELETES[$rt]+="$d "
        # run: create, start, wait and delete in one call, in the foreground
        t0=$(now)
        rtcmd "$rt" run --bundle "$work/true" "run-$rt-$i" >/dev/null </dev/null
        RUNS[$rt]+="$(ms_since "$t0") "
    done
    if ((alone_ok)); then
        t0=$(now)
        if nspawn_alone "$i" >/dev/null </dev/null; then
            TIMES[alone]+="$(ms_since "$t0") "
        else
            alone_ok=0
        fi
    fi
done
med() { printf '%s\n' $1 | median; }
for rt in "${ORDER[@]}"; do
    [ -n "${RUNTIMES[$rt]:-}" ] || continue
    SEQ[$rt]=$(med "${TIMES[$rt]}") CREATE[$rt]=$(med "${CREATES[$rt]}") START[$rt]=$(med "${STARTS[$rt]}")
    DELETE[$rt]=$(med "${DELETES[$rt]}") RUN[$rt]=$(med "${RUNS[$rt]}")

    t0=$(now)
    for i in $(seq "$PARALLEL"); do
        lifecycle "$rt" "par-$rt-$i" "$work/true" >/dev/null &
    done
    wait
    PAR[$rt]=$(ms_since "$t0")

    # memory: what stays resident per running container (the runtime's own processes included)
    rtcmd "$rt" create --bundle "$work/sleep" "mem-$rt" >/dev/null
    rtcmd "$rt" start "mem-$rt"
    pid=$(rtcmd "$rt" state "mem-$rt" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
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
    rtcmd "$rt" delete -f "mem-$rt"
done
NSPAWN_ALONE=0
((alone_ok)) && NSPAWN_ALONE=$(med "${TIMES[alone]}")

[ -z "$SECCOMP_FROM" ] || echo "seccomp profile: $SECCOMP_FROM"
echo "medians of $ROUNDS, in ms (start: until the process exited)"
printf '%-13s %9s %7s %7s %7s %9s %16s %11s\n' runtime lifecycle create start delete run \
    "${PARALLEL} at once" "RSS kB/ctr"
for rt in "${ORDER[@]}"; do
    [ -n "${SEQ[$rt]:-}" ] || continue
    printf '%-13s %9.1f %7.1f %7.1f %7.1f %9.1f %16.0f %11s\n' "$rt" "${SEQ[$rt]}" "${CREATE[$rt]}" \
        "${START[$rt]}" "${DELETE[$rt]}" "${RUN[$rt]}" "${PAR[$rt]}" "${RSS[$rt]}"
done
[ "$NSPAWN_ALONE" = 0 ] || printf '%-13s %9s %7s %7s %7s %9.1f\n' "nspawn alone" - - - - "$NSPAWN_ALONE"
for rt in nspawn-oci native before crun; do
    [ -n "${SEQ[$rt]:-}" ] || continue
    for ref in runc runc-systemd; do
        [ -n "${SEQ[$ref]:-}" ] || continue
        awk -v n="$rt" -v r="$ref" -v a="${SEQ[$rt]}" -v b="${SEQ[$ref]}" -v c="${PAR[$rt]}" \
            -v d="${PAR[$ref]}" -v e="${RUN[$rt]}" -v f="${RUN[$ref]}" -v p="$PARALLEL" \
            'BEGIN{printf "%s / %s: lifecycle %.2fx, run %.2fx, %s at once %.2fx\n", n, r, a/b, e/f, p, c/d}'
    done
done
