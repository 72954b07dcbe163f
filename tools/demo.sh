#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The demo: installs what is needed, builds nspawn-oci into build/, makes a bundle whose root file
# system is busybox-static in a temporary directory, runs it and says hello from inside, cleans up.
# Runs as root on Debian 12.
set -eu

cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
        echo "demo: run this as root (it installs packages and runs a container)" >&2
        exit 1
fi

tools/install-deps.sh

if [ ! -d build ]; then
        meson setup build
fi
ninja -C build

id="demo-$$"
bundle=$(mktemp -d -t nspawn-oci-demo.XXXXXX)
cleanup() {
        # Whatever happened: no container, no state, no bundle left behind.
        build/nspawn-oci delete --force "$id" >/dev/null 2>&1 || true
        rm -rf "$bundle"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The root file system: busybox-static and the directories a container expects. nspawn wants /usr
# and an os-release to accept the tree.
rootfs="$bundle/rootfs"
mkdir -p "$rootfs/bin" "$rootfs/usr" "$rootfs/etc" "$rootfs/proc" "$rootfs/sys" "$rootfs/dev" \
         "$rootfs/tmp" "$rootfs/run"
cp /bin/busybox "$rootfs/bin/busybox"
for applet in sh echo cat ls hostname id; do
        ln -s busybox "$rootfs/bin/$applet"
done
cat >"$rootfs/etc/os-release" <<'OS'
ID=busybox
NAME="busybox demo"
OS

build/nspawn-oci spec --bundle "$bundle"
python3 - "$bundle/config.json" <<'PY'
import json, sys
path = sys.argv[1]
with open(path) as f:
    config = json.load(f)
config["process"]["terminal"] = False
config["process"]["args"] = ["sh", "-c", 'echo "hello from inside $(hostname), uid $(id -u)"']
with open(path, "w") as f:
    json.dump(config, f, indent=4)
PY

echo "demo: running $id from $bundle" >&2
status=0
build/nspawn-oci run --bundle "$bundle" "$id" || status=$?
echo "demo: $id exited with status $status" >&2
exit "$status"
