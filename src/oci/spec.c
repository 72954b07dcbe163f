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
 * containers bind the host's /sys instead (type, source, and an rbind option line). */
static const char sys_mount_fmt[] =
        "        {\n"
        "            'destination': '/sys',\n"
        "            'type': '%s',\n"
        "            'source': '%s',\n"
        "            'options': [\n"
        "%s"
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
        "        },\n";

/* Rootless: root in the container is the caller on the host; no device cgroup (an unprivileged user
 * cannot set one up) and no new network namespace (it would have no connectivity). The same one-id
 * mapping serves for uids (%s "uid") and gids. */
static const char mapping_rootless_fmt[] =
        "        '%sMappings': [\n"
        "            {\n"
        "                'containerID': 0,\n"
        "                'hostID': %u,\n"
        "                'size': 1\n"
        "            }\n"
        "        ],\n";

/* The last of each list, "cgroup", only on a cgroup v2 host, as runc's spec has it there. */
static const char * const namespaces[] = { "pid", "network", "ipc", "uts", "mount", "cgroup", NULL };
static const char * const namespaces_rootless[] = { "pid", "ipc", "uts", "mount", "user", "cgroup", NULL };

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

/* linux.namespaces: one object for each type, but the last ("cgroup") without cgroupns. */
static char *namespaces_json(const char * const *types, bool cgroupns) {
        _cleanup_free_ char *list = strdup("");
        size_t n = strv_length((char **) types) - !cgroupns;

        for (size_t i = 0; list && i < n; i++) {
                char *more = NULL;

                (void) asprintf_safe(&more, "%s            {\n                'type': '%s'\n            }%s\n",
                                     list, types[i], i + 1 < n ? "," : "");
                free(list);
                list = more;
        }
        return list ? strjoin("        'namespaces': [\n", list, "        ],\n") : NULL;
}

int spec_default_json(bool rootless, bool cgroupns, uid_t uid, gid_t gid, char **ret) {
        _cleanup_free_ char *sys = NULL, *uid_map = NULL, *gid_map = NULL, *ns = NULL, *json = NULL;

        if (asprintf_safe(&sys, sys_mount_fmt, rootless ? "none" : "sysfs", rootless ? "/sys" : "sysfs",
                          rootless ? "                'rbind',\n" : "") < 0)
                return -ENOMEM;
        if (rootless && (asprintf_safe(&uid_map, mapping_rootless_fmt, "uid", (unsigned) uid) < 0 ||
                         asprintf_safe(&gid_map, mapping_rootless_fmt, "gid", (unsigned) gid) < 0))
                return -ENOMEM;
        ns = namespaces_json(rootless ? namespaces_rootless : namespaces, cgroupns);
        if (!ns)
                return -ENOMEM;

        json = strjoin(head,
                       rootless ? devpts_tail_rootless : devpts_tail,
                       shm_mqueue,
                       sys,
                       cgroup_mount,
                       rootless ? uid_map : resources,
                       rootless ? gid_map : "",
                       ns,
                       tail);
        if (!json)
                return -ENOMEM;

        for (char *p = json; *p; p++)
                if (*p == '\'')
                        *p = '"';

        *ret = TAKE_PTR(json);
        return 0;
}
