/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A default config.json, the one `runc spec` writes (libcontainer/specconv/example.go), for the
 * current runtime-spec version. Pure: builds a string. */
#include "oci/spec.h"
#include "base/util.h"

/* The document is written with ' for " so that it reads as JSON here; no value in it contains a
 * quote of either kind, and spec_default_json() turns every ' into ". */

static const char head[] =
        "{\n"
        "    'ociVersion': '" SPEC_OCI_VERSION "',\n"
        "    'process': {\n"
        "        'terminal': true,\n"
        "        'user': {\n"
        "            'uid': 0,\n"
        "            'gid': 0\n"
        "        },\n"
        "        'args': [\n"
        "            'sh'\n"
        "        ],\n"
        "        'env': [\n"
        "            'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',\n"
        "            'TERM=xterm'\n"
        "        ],\n"
        "        'cwd': '/',\n"
        "        'capabilities': {\n"
        "            'bounding': [\n"
        "                'CAP_AUDIT_WRITE',\n"
        "                'CAP_KILL',\n"
        "                'CAP_NET_BIND_SERVICE'\n"
        "            ],\n"
        "            'effective': [\n"
        "                'CAP_AUDIT_WRITE',\n"
        "                'CAP_KILL',\n"
        "                'CAP_NET_BIND_SERVICE'\n"
        "            ],\n"
        "            'permitted': [\n"
        "                'CAP_AUDIT_WRITE',\n"
        "                'CAP_KILL',\n"
        "                'CAP_NET_BIND_SERVICE'\n"
        "            ],\n"
        "            'ambient': [\n"
        "                'CAP_AUDIT_WRITE',\n"
        "                'CAP_KILL',\n"
        "                'CAP_NET_BIND_SERVICE'\n"
        "            ]\n"
        "        },\n"
        "        'rlimits': [\n"
        "            {\n"
        "                'type': 'RLIMIT_NOFILE',\n"
        "                'hard': 1024,\n"
        "                'soft': 1024\n"
        "            }\n"
        "        ],\n"
        "        'noNewPrivileges': true\n"
        "    },\n"
        "    'root': {\n"
        "        'path': 'rootfs',\n"
        "        'readonly': true\n"
        "    },\n"
        "    'hostname': 'nspawn-oci',\n"
        "    'mounts': [\n"
        "        {\n"
        "            'destination': '/proc',\n"
        "            'type': 'proc',\n"
        "            'source': 'proc'\n"
        "        },\n"
        "        {\n"
        "            'destination': '/dev',\n"
        "            'type': 'tmpfs',\n"
        "            'source': 'tmpfs',\n"
        "            'options': [\n"
        "                'nosuid',\n"
        "                'strictatime',\n"
        "                'mode=755',\n"
        "                'size=65536k'\n"
        "            ]\n"
        "        },\n"
        "        {\n"
        "            'destination': '/dev/pts',\n"
        "            'type': 'devpts',\n"
        "            'source': 'devpts',\n"
        "            'options': [\n"
        "                'nosuid',\n"
        "                'noexec',\n"
        "                'newinstance',\n"
        "                'ptmxmode=0666',\n";

/* A user namespace has no group 5 unless it is mapped: the rootless config leaves gid= out. */
static const char devpts_tail[] =
        "                'mode=0620',\n"
        "                'gid=5'\n";
static const char devpts_tail_rootless[] =
        "                'mode=0620'\n";

static const char shm_mqueue[] =
        "            ]\n"
        "        },\n"
        "        {\n"
        "            'destination': '/dev/shm',\n"
        "            'type': 'tmpfs',\n"
        "            'source': 'shm',\n"
        "            'options': [\n"
        "                'nosuid',\n"
        "                'noexec',\n"
        "                'nodev',\n"
        "                'mode=1777',\n"
        "                'size=65536k'\n"
        "            ]\n"
        "        },\n"
        "        {\n"
        "            'destination': '/dev/mqueue',\n"
        "            'type': 'mqueue',\n"
        "            'source': 'mqueue',\n"
        "            'options': [\n"
        "                'nosuid',\n"
        "                'noexec',\n"
        "                'nodev'\n"
        "            ]\n"
        "        },\n";

/* sysfs cannot be mounted in a user namespace that does not own the network namespace: rootless
 * containers bind the host's /sys instead. */
static const char sys_mount[] =
        "        {\n"
        "            'destination': '/sys',\n"
        "            'type': 'sysfs',\n"
        "            'source': 'sysfs',\n"
        "            'options': [\n"
        "                'nosuid',\n"
        "                'noexec',\n"
        "                'nodev',\n"
        "                'ro'\n"
        "            ]\n"
        "        },\n";
static const char sys_mount_rootless[] =
        "        {\n"
        "            'destination': '/sys',\n"
        "            'type': 'none',\n"
        "            'source': '/sys',\n"
        "            'options': [\n"
        "                'rbind',\n"
        "                'nosuid',\n"
        "                'noexec',\n"
        "                'nodev',\n"
        "                'ro'\n"
        "            ]\n"
        "        },\n";

static const char cgroup_mount[] =
        "        {\n"
        "            'destination': '/sys/fs/cgroup',\n"
        "            'type': 'cgroup',\n"
        "            'source': 'cgroup',\n"
        "            'options': [\n"
        "                'nosuid',\n"
        "                'noexec',\n"
        "                'nodev',\n"
        "                'relatime',\n"
        "                'ro'\n"
        "            ]\n"
        "        }\n"
        "    ],\n"
        "    'linux': {\n";

static const char resources[] =
        "        'resources': {\n"
        "            'devices': [\n"
        "                {\n"
        "                    'allow': false,\n"
        "                    'access': 'rwm'\n"
        "                }\n"
        "            ]\n"
        "        },\n"
        "        'namespaces': [\n"
        "            {\n"
        "                'type': 'pid'\n"
        "            },\n"
        "            {\n"
        "                'type': 'network'\n"
        "            },\n"
        "            {\n"
        "                'type': 'ipc'\n"
        "            },\n"
        "            {\n"
        "                'type': 'uts'\n"
        "            },\n"
        "            {\n"
        "                'type': 'mount'\n";

/* Rootless: root in the container is the caller on the host; no device cgroup (an unprivileged user
 * cannot set one up) and no new network namespace (it would have no connectivity). */
static const char mappings_rootless_fmt[] =
        "        'uidMappings': [\n"
        "            {\n"
        "                'containerID': 0,\n"
        "                'hostID': %u,\n"
        "                'size': 1\n"
        "            }\n"
        "        ],\n"
        "        'gidMappings': [\n"
        "            {\n"
        "                'containerID': 0,\n"
        "                'hostID': %u,\n"
        "                'size': 1\n"
        "            }\n"
        "        ],\n"
        "        'namespaces': [\n"
        "            {\n"
        "                'type': 'pid'\n"
        "            },\n"
        "            {\n"
        "                'type': 'ipc'\n"
        "            },\n"
        "            {\n"
        "                'type': 'uts'\n"
        "            },\n"
        "            {\n"
        "                'type': 'mount'\n"
        "            },\n"
        "            {\n"
        "                'type': 'user'\n";

/* The end of the namespaces: a cgroup namespace of the container's own on a cgroup v2 host, as runc's
 * spec has it there. */
static const char namespaces_end[] =
        "            }\n"
        "        ],\n";
static const char namespaces_end_cgroupns[] =
        "            },\n"
        "            {\n"
        "                'type': 'cgroup'\n"
        "            }\n"
        "        ],\n";

static const char tail[] =
        "        'maskedPaths': [\n"
        "            '/proc/acpi',\n"
        "            '/proc/asound',\n"
        "            '/proc/kcore',\n"
        "            '/proc/keys',\n"
        "            '/proc/latency_stats',\n"
        "            '/proc/timer_list',\n"
        "            '/proc/timer_stats',\n"
        "            '/proc/sched_debug',\n"
        "            '/sys/firmware',\n"
        "            '/proc/scsi'\n"
        "        ],\n"
        "        'readonlyPaths': [\n"
        "            '/proc/bus',\n"
        "            '/proc/fs',\n"
        "            '/proc/irq',\n"
        "            '/proc/sys',\n"
        "            '/proc/sysrq-trigger'\n"
        "        ]\n"
        "    }\n"
        "}\n";

int spec_default_json(bool rootless, bool cgroupns, uid_t uid, gid_t gid, char **ret) {
        _cleanup_free_ char *linux_part = NULL, *json = NULL;

        if (rootless) {
                if (asprintf_safe(&linux_part, mappings_rootless_fmt, (unsigned) uid, (unsigned) gid) < 0)
                        return -ENOMEM;
        } else {
                linux_part = strdup(resources);
                if (!linux_part)
                        return -ENOMEM;
        }

        json = strjoin(head,
                       rootless ? devpts_tail_rootless : devpts_tail,
                       shm_mqueue,
                       rootless ? sys_mount_rootless : sys_mount,
                       cgroup_mount,
                       linux_part,
                       cgroupns ? namespaces_end_cgroupns : namespaces_end,
                       tail);
        if (!json)
                return -ENOMEM;

        for (char *p = json; *p; p++)
                if (*p == '\'')
                        *p = '"';

        *ret = TAKE_PTR(json);
        return 0;
}
