# SPDX-License-Identifier: LGPL-2.1-or-later
# Mount destinations that are symlinks in the image resolve inside the root file system, never on
# the host: an absolute link target (/etc) is the container's /etc. Runs as root.

import os

import pytest

pytestmark = [pytest.mark.bare, pytest.mark.systemd, pytest.mark.lifecycle]


def test_mount_destination_symlinks(rt, new_id, make_bundle, work):
    src = work / "src"
    src.mkdir()
    (src / "marker").write_text("from the host\n")
    b = make_bundle()
    (b.rootfs / "srv" / "data").mkdir(parents=True)
    os.symlink("/srv/data", b.rootfs / "data")
    os.symlink("/etc", b.rootfs / "hostetc")
    host_etc = os.stat("/etc")
    b.update({"mounts": b.config["mounts"] + [
        # nosuid and nodev are remounts done in the box after nspawn mounted them: both must resolve
        # the link in the container's root too
        {"destination": "/data", "type": "bind", "source": str(src), "options": ["rbind", "nosuid"]},
        {"destination": "/hostetc", "type": "tmpfs", "source": "tmpfs", "options": ["nodev", "size=1m"]},
    ]})
    b.set_args("/bin/sh", "-c", "cat /srv/data/marker; grep -E ' /(srv/data|etc) ' /proc/mounts")
    p = rt("run", "--bundle", b.path, new_id())
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0] == "from the host"
    mounts = {line.split()[1]: line.split()[3].split(",") for line in lines[1:]}
    assert "nosuid" in mounts["/srv/data"], p.stdout
    assert "nodev" in mounts["/etc"] and "size=1024k" in mounts["/etc"], p.stdout
    # the host's /etc is untouched
    assert os.stat("/etc").st_ino == host_etc.st_ino and (b.rootfs / "etc").is_dir()
