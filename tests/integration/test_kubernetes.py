# SPDX-License-Identifier: LGPL-2.1-or-later
# The Kubernetes files in contrib/kubernetes, as far as this machine can test them: containerd 1.6
# loads the CRI runtime table (appended to the package's config.toml and to the one `containerd config
# default` writes) and its CRI plugin comes up with it; the CRI-O drop-in and the RuntimeClass parse and
# name the same handler. No kubelet, CRI client or CRI-O here (Debian 12 packages neither crictl nor
# cri-o), so no pod runs: test_containerd.py runs containers with the same shim options through ctr.

import re
import subprocess
import tomllib

import pytest

import paths
from conftest import TAG
from containerd import Containerd

# python3-yaml: installed by tools/install-deps.sh, not in the cgroup v2 machine's image
yaml = pytest.importorskip("yaml")

pytestmark = [pytest.mark.bare, pytest.mark.systemd, pytest.mark.containerd]

K8S = paths.TOP / "contrib/kubernetes"
HANDLER = "nspawn-oci"
CRI = "io.containerd.grpc.v1.cri"

# What Debian 12's containerd package ships as /etc/containerd/config.toml, less the opt plugin's
# table (the tests switch that plugin off: it would create /var/lib/containerd/opt).
DEBIAN_CRI = f"""
[plugins]
  [plugins."{CRI}"]
    [plugins."{CRI}".cni]
      bin_dir = "/usr/lib/cni"
      conf_dir = "/etc/cni/net.d"
"""

RUNC_MARK = "# runc, the default runtime"


def generated_cri():
    """The CRI plugin's section of `containerd config default`, which lists runc already."""
    out = subprocess.run(["containerd", "config", "default"], capture_output=True, text=True,
                         check=True).stdout
    start = out.index(f'  [plugins."{CRI}"]')
    m = re.compile(r'^  \[plugins\."(?!io\.containerd\.grpc\.v1\.cri)', re.M).search(out, start)
    return out[start:m.start()]


def snippet(rt, work, runc=True):
    """contrib's containerd tables with the build's binary and a private state directory; without
    the runc table where the base config has one."""
    text = (K8S / "containerd/nspawn-oci.toml").read_text()
    if not runc:
        text = text[:text.index(RUNC_MARK)]
    return (text.replace('BinaryName = "/usr/bin/nspawn-oci"', f'BinaryName = "{rt.path}"')
            .replace('Root = "/run/containerd/nspawn-oci"', f'Root = "{work}/rtroot"'))


def cri_status(cd):
    """The CRI plugin's line in `ctr plugins ls`: its status, and the error of one that failed."""
    for line in cd.check("plugins", "ls").splitlines():
        f = line.split()
        if f[:2] == ["io.containerd.grpc.v1", "cri"]:
            if f[-1] == "ok":
                return "ok"
            return cd.check("plugins", "ls", "--detailed", "id==cri").split("Message:")[-1].strip()
    return None


def loaded(work, tail):
    """Starts containerd with the CRI plugin and the tables; returns its merged configuration (as
    `containerd config dump` prints it) and the CRI plugin's status."""
    cd = Containerd(work / "containerd", f"k8s-{TAG}", cri=True, tail=tail)
    dump = subprocess.run(["containerd", "--config", str(cd.config), "config", "dump"],
                          capture_output=True, text=True)
    assert dump.returncode == 0, dump.stderr
    try:
        cd.start()
        return tomllib.loads(dump.stdout), cri_status(cd)
    finally:
        cd.stop()


@pytest.mark.parametrize("start", ["debian", "generated"])
def test_containerd_loads_the_cri_runtime(rt, work, start):
    """The tables appended to the package's config.toml, and to what `containerd config default`
    writes (less the runc table, which that has)."""
    if start == "debian":
        tail = DEBIAN_CRI + snippet(rt, work)
    else:
        tail = generated_cri() + snippet(rt, work, runc=False)
    config, status = loaded(work, tail)
    assert status == "ok"
    cri = config["plugins"][CRI]
    runtimes = cri["containerd"]["runtimes"]
    assert runtimes[HANDLER]["runtime_type"] == "io.containerd.runc.v2"
    assert runtimes[HANDLER]["options"] == {"BinaryName": str(rt.path), "Root": f"{work}/rtroot",
                                            "SystemdCgroup": True}
    assert runtimes["runc"]["runtime_type"] == "io.containerd.runc.v2"
    assert cri["containerd"]["default_runtime_name"] == "runc"
    if start == "debian":
        # what config.toml had stays
        assert cri["cni"]["bin_dir"] == "/usr/lib/cni"


def test_containerd_without_runc_table(rt, work):
    """Why the snippet names runc: on the package's config.toml, which lists no runtime, a runtimes
    table without runc leaves the default runtime undefined and the CRI plugin fails to load."""
    _, status = loaded(work, DEBIAN_CRI + snippet(rt, work, runc=False))
    assert 'default_runtime_name = "runc"' in status, status


def test_crio_dropin():
    """CRI-O is not packaged for Debian 12: the drop-in is checked as TOML with the fields CRI-O 1.2x
    documents for a runtime handler."""
    conf = tomllib.loads((K8S / "crio/10-nspawn-oci.conf").read_text())
    assert list(conf) == ["crio"] and list(conf["crio"]) == ["runtime"]
    h = conf["crio"]["runtime"]["runtimes"][HANDLER]
    assert h["runtime_path"] == "/usr/bin/nspawn-oci"
    assert h["runtime_type"] == "oci"
    assert h["runtime_root"] == "/run/nspawn-oci"
    assert h["monitor_path"].startswith("/") and h["monitor_path"].endswith("/conmon")
    assert h["monitor_cgroup"] == "pod" or h["monitor_cgroup"].endswith(".slice")
    assert h["monitor_exec_cgroup"] in ("", "container")
    assert all(isinstance(e, str) and "=" in e for e in h["monitor_env"])
    known = {"runtime_path", "runtime_type", "runtime_root", "runtime_config_path", "monitor_path",
             "monitor_cgroup", "monitor_exec_cgroup", "monitor_env", "privileged_without_host_devices",
             "allowed_annotations", "platform_runtime_paths", "container_min_memory", "no_sync_log",
             "inherit_default_runtime", "default_annotations"}
    assert set(h) <= known, set(h) - known


def test_runtimeclass():
    rc = yaml.safe_load((K8S / "runtimeclass.yaml").read_text())
    assert rc["apiVersion"] == "node.k8s.io/v1"
    assert rc["kind"] == "RuntimeClass"
    assert rc["handler"] == HANDLER
    assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", rc["metadata"]["name"])
