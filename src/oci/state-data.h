/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What state.json records about one container: the OCI state fields plus the runtime's own. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "oci/oci-config.h"

typedef struct StateData {
        char *oci_version;
        char *id;
        char *bundle;
        char *rootfs;            /* absolute path of root.path */
        char *created;           /* RFC 3339 */
        OciKeyValue *annotations;
        size_t n_annotations;

        pid_t pid;               /* the container process, host pid */
        uint64_t pid_start_time; /* field 22 of /proc/PID/stat, against pid reuse */
        pid_t holder_pid;        /* PID 1 of the box (host pid) */
        uint64_t holder_start_time;
        pid_t nspawn_pid;
        uint64_t nspawn_start_time;

        char *builder;           /* "native" when nspawn-oci built the box; NULL: systemd-nspawn did */
        char *machine;           /* machined name */
        char *unit;              /* the scope unit; NULL without systemd */
        char *cgroup;            /* cgroup path of the container, relative to the hierarchy root */
        char *devices_cgroup;    /* v1 devices cgroup made by nspawn-oci where systemd manages none */
        bool registered;         /* registered with machined */
        bool started;            /* `start` released the FIFO */
        bool exit_noted;         /* the journal has the process's exit */
        bool no_new_keyring;     /* --no-new-keyring: processes keep the caller's session keyring */
        char *config_path;       /* copy of config.json for poststop hooks and exec */
} StateData;

StateData *state_data_free(StateData *s);
static inline void state_data_freep(StateData **s) {
        state_data_free(*s);
}
