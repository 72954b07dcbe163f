#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The nspawn-oci binary from the outside: --version, --help, spec, features, checkpoint, usage errors
# and --log. Touches only a temporary directory; needs no privilege.
set -u

bin=$(realpath "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
failed=0

ok() {
        n=$((n + 1))
        if [ "$1" -eq 0 ]; then
                echo "ok $n - $2"
        else
                echo "not ok $n - $2"
                failed=1
        fi
}

# run CMD…: stdout in $tmp/out, stderr in $tmp/err, the exit status in $rc
run() {
        "$@" >"$tmp/out" 2>"$tmp/err"
        rc=$?
}

json_ok() {
        python3 -m json.tool "$1" >/dev/null 2>&1
}

run "$bin" --version
ok $(( rc != 0 )) "--version exits 0"
head -n1 "$tmp/out" | grep -Eq '^nspawn-oci version [0-9]+\.[0-9]+\.[0-9]+$'
ok $? "--version: first line 'nspawn-oci version X'"
grep -qx 'spec: 1.2.0' "$tmp/out"
ok $? "--version: 'spec: 1.2.0'"

run "$bin" --help
ok $(( rc != 0 )) "--help exits 0"
grep -q 'checkpoint' "$tmp/out"
ok $? "--help lists the commands"

for verb in create start state kill delete run exec ps list pause resume update events spec features explain; do
        run "$bin" "$verb" --help
        ok $(( rc != 0 )) "$verb --help exits 0"
        grep -q "^Usage: nspawn-oci \[GLOBAL OPTIONS\] $verb" "$tmp/out"
        ok $? "$verb --help prints its usage"
done

for verb in checkpoint restore; do
        for args in "--help" "ctr"; do
                run "$bin" "$verb" $args
                ok $(( rc == 0 )) "$verb $args exits non-zero"
                grep -q "$verb: not supported" "$tmp/err"
                ok $? "$verb $args says '$verb: not supported'"
        done
done

run "$bin" frobnicate
ok $(( rc != 1 )) "unknown command exits 1"
grep -q "unknown command 'frobnicate'" "$tmp/err"
ok $? "unknown command is named"

run "$bin" kill
ok $(( rc != 1 )) "kill without an id exits 1"
grep -q "kill: container id missing" "$tmp/err"
ok $? "kill without an id says so"

# A usage error reaches --log as a runc JSON line, where conmon looks for it.
run "$bin" --log-format=json --log "$tmp/log.json" kill ctr NOSIG
ok $(( rc != 1 )) "invalid signal exits 1"
tail -n1 "$tmp/log.json" | python3 -c '
import json, sys
o = json.loads(sys.stdin.read())
assert o["level"] == "error", o
assert "invalid signal" in o["msg"] and "NOSIG" in o["msg"], o
assert o["time"].endswith("Z"), o
'
ok $? "--log-format=json --log FILE: the error is the last JSON line"
[ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q "^nspawn-oci: kill: invalid signal 'NOSIG'" "$tmp/err"
ok $? "--log FILE: the error is also one plain line on stderr"

# Without --log, stderr is the log: in the format asked for, as runc and crun write it.
run "$bin" --log-format=json kill ctr NOSIG
ok $(( rc != 1 )) "invalid signal exits 1 (--log-format=json without --log)"
[ "$(wc -l <"$tmp/err")" -eq 1 ] && python3 -c '
import json, sys
o = json.loads(open(sys.argv[1]).read())
assert o["level"] == "error" and "NOSIG" in o["msg"], o
' "$tmp/err"
ok $? "--log-format=json without --log: the error is one JSON line on stderr"

mkdir "$tmp/bundle"
run "$bin" spec --bundle "$tmp/bundle"
ok $(( rc != 0 )) "spec --bundle DIR exits 0"
json_ok "$tmp/bundle/config.json"
ok $? "spec writes valid JSON"
grep -q '"ociVersion": "1.2.0"' "$tmp/bundle/config.json"
ok $? "spec writes ociVersion 1.2.0"
cp "$tmp/bundle/config.json" "$tmp/first.json"
run "$bin" spec --bundle "$tmp/bundle" --rootless
ok $(( rc == 0 )) "spec refuses to overwrite config.json"
grep -q "exists" "$tmp/err"
ok $? "… and says it exists"
cmp -s "$tmp/bundle/config.json" "$tmp/first.json"
ok $? "… and leaves it untouched"

mkdir "$tmp/rootless"
(cd "$tmp/rootless" && "$bin" spec --rootless)
ok $? "spec --rootless in the current directory"
python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))
types = [n["type"] for n in c["linux"]["namespaces"]]
assert "user" in types and "network" not in types, types
assert c["linux"]["uidMappings"][0]["hostID"] == int(sys.argv[2]), c["linux"]["uidMappings"]
' "$tmp/rootless/config.json" "$(id -u)"
ok $? "spec --rootless maps root to the caller and has a user namespace"

run "$bin" spec --bundle "$tmp/does-not-exist"
ok $(( rc == 0 )) "spec into a missing directory fails"
[ ! -e "$tmp/does-not-exist" ]
ok $? "… and creates nothing"

run "$bin" features
ok $(( rc != 0 )) "features exits 0"
python3 -c '
import json, sys
f = json.load(sys.stdin)
assert f["ociVersionMin"] == "1.0.0" and f["ociVersionMax"] == "1.2.0", f
assert len(f["hooks"]) == 6, f["hooks"]
assert f["linux"]["seccomp"]["enabled"] is True and "SCMP_ACT_ERRNO" in f["linux"]["seccomp"]["actions"], f["linux"]["seccomp"]
' <"$tmp/out"
ok $? "features prints the features document"

echo "1..$n"
exit $failed
