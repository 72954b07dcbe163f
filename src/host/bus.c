/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* systemd over D-Bus: the container's scope, its properties, freezing. Runs as root on the host. */
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "host/bus.h"
#include "base/util.h"

#define SYSTEMD_DEST "org.freedesktop.systemd1"
#define SYSTEMD_PATH "/org/freedesktop/systemd1"
#define SYSTEMD_MANAGER "org.freedesktop.systemd1.Manager"
#define JOB_TIMEOUT_USEC (30ULL * 1000000ULL)

bool bus_systemd_running(void) {
        return sd_booted() > 0;
}

/* systemd's own socket: straight to PID 1, without the bus daemon's Hello and the hops through it
 * (systemctl talks to systemd this way as root). Only root can connect there, and the peer is
 * checked to be root: no one else could have bound that path in /run/systemd. */
static int open_private(sd_bus **ret) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        struct ucred cred;
        socklen_t n = sizeof(cred);
        int r;

        if (geteuid() != 0)
                return -EPERM;
        r = sd_bus_new(&bus);
        if (r >= 0)
                r = sd_bus_set_address(bus, "unix:path=/run/systemd/private");
        if (r >= 0)
                r = sd_bus_start(bus);
        if (r < 0)
                return r;
        if (getsockopt(sd_bus_get_fd(bus), SOL_SOCKET, SO_PEERCRED, &cred, &n) < 0)
                return negative_errno();
        if (cred.uid != 0)
                return -EPERM;
        *ret = TAKE_PTR(bus);
        return 0;
}

int bus_open(Bus **ret) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r;

        if (open_private(&bus) >= 0) {
                *ret = TAKE_PTR(bus);
                return 0;
        }
        r = sd_bus_open_system(&bus);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(bus);
        return 0;
}

Bus *bus_close(Bus *bus) {
        return sd_bus_flush_close_unref(bus);
}

/* A call of a method of systemd's Manager object, to be filled in. */
static int new_manager_call(Bus *bus, const char *method, sd_bus_message **ret) {
        return sd_bus_message_new_method_call(bus, ret, SYSTEMD_DEST, SYSTEMD_PATH, SYSTEMD_MANAGER, method);
}

/* The error's message, or the errno's text when systemd sent none. */
static int error_message(const sd_bus_error *e, int r, char **ret) {
        if (!ret)
                return r;
        *ret = strdup(e->message ?: strerror(-r));
        return r;
}

/* Opens the (sv) of property 'name' and its variant of type 'sig'; close_property() closes both. */
static int open_property(sd_bus_message *m, const char *name, const char *sig) {
        int r = sd_bus_message_open_container(m, 'r', "sv");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", name);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'v', sig);
        return r;
}

static int close_property(sd_bus_message *m) {
        int r = sd_bus_message_close_container(m);
        return r < 0 ? r : sd_bus_message_close_container(m);
}

static int append_pairs(sd_bus_message *m, const UnitProperty *p) {
        bool ss = p->type == UNIT_PROPERTY_PAIRS_SS;
        int r;

        r = open_property(m, p->name, ss ? "a(ss)" : "a(st)");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', ss ? "(ss)" : "(st)");
        for (size_t i = 0; r >= 0 && i < p->n_pairs; i++)
                r = ss ? sd_bus_message_append(m, "(ss)", p->keys[i], p->str_values[i])
                       : sd_bus_message_append(m, "(st)", p->keys[i], p->u64_values[i]);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        return r < 0 ? r : close_property(m);
}

static int append_property(sd_bus_message *m, const UnitProperty *p) {
        int r;

        switch (p->type) {
        case UNIT_PROPERTY_U64:
                return sd_bus_message_append(m, "(sv)", p->name, "t", p->u64);
        case UNIT_PROPERTY_BOOL:
                return sd_bus_message_append(m, "(sv)", p->name, "b", (int) p->b);
        case UNIT_PROPERTY_STRING:
                return sd_bus_message_append(m, "(sv)", p->name, "s", p->str);
        case UNIT_PROPERTY_BYTES:
                r = open_property(m, p->name, "ay");
                if (r >= 0)
                        r = sd_bus_message_append_array(m, 'y', p->bytes, p->n_bytes);
                return r < 0 ? r : close_property(m);
        case UNIT_PROPERTY_PAIRS_SS:
        case UNIT_PROPERTY_PAIRS_ST:
                return append_pairs(m, p);
        }
        return -EINVAL;
}

/* The a(sv) of a unit's properties: StartTransientUnit's Slice and PIDs first, when given. */
static int append_property_array(sd_bus_message *m, const char *slice, pid_t pid, const UnitProperty *props,
                                 size_t n) {
        int r = sd_bus_message_open_container(m, 'a', "(sv)");

        if (r >= 0 && slice)
                r = sd_bus_message_append(m, "(sv)", "Slice", "s", slice);
        if (r >= 0 && pid > 0)
                r = sd_bus_message_append(m, "(sv)", "PIDs", "au", 1, (uint32_t) pid);
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = append_property(m, props + i);
        return r < 0 ? r : sd_bus_message_close_container(m);
}

typedef struct JobWait {
        const char *job;
        bool done;
        char *result;
} JobWait;

static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        JobWait *w = userdata;
        const char *path, *unit, *result;
        uint32_t id;

        if (sd_bus_message_read(m, "uoss", &id, &path, &unit, &result) < 0)
                return 0;
        if (w->job && streq(path, w->job)) {
                w->done = true;
                w->result = strdup(result);
        }
        return 0;
}

static uint64_t now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
}

/* Calls a Manager method that returns a job, and waits for the job to finish. */
static int call_and_wait(Bus *bus, sd_bus_message *m, char **ret_error) {
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *slot = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        JobWait w = {};
        const char *job;
        int r;

        /* Subscribe before the call, so that a fast job cannot finish unseen. The bus delivers one
         * connection's messages in order, so the AddMatch sent first is in force before systemd sees
         * the call: no round trip of its own is needed (systemctl waits for its jobs the same way).
         * systemd's private socket is no bus: its messages carry no sender to match, and systemd
         * sends its signals to every connection there unasked. */
        r = sd_bus_match_signal_async(bus, &slot, sd_bus_is_bus_client(bus) ? SYSTEMD_DEST : NULL,
                                      SYSTEMD_PATH, SYSTEMD_MANAGER, "JobRemoved", on_job_removed, NULL, &w);
        if (r < 0)
                return r;

        r = sd_bus_call(bus, m, 0, &error, &reply);
        if (r < 0)
                return error_message(&error, r, ret_error);
        r = sd_bus_message_read(reply, "o", &job);
        if (r < 0)
                return r;
        w.job = job;

        uint64_t deadline = now_usec() + JOB_TIMEOUT_USEC;
        while (!w.done) {
                r = sd_bus_process(bus, NULL);
                if (r < 0)
                        return r;
                if (r > 0)
                        continue;
                uint64_t now = now_usec();
                if (now >= deadline)
                        return -ETIMEDOUT;
                r = sd_bus_wait(bus, deadline - now);
                if (r < 0)
                        return r;
        }
        _cleanup_free_ char *result = w.result;
        if (!result)
                return -ENOMEM;
        if (!streq(result, "done")) {
                if (ret_error)
                        asprintf_safe(ret_error, "job %s", result);
                return -EIO;
        }
        return 0;
}

int bus_start_scope(Bus *bus, const char *unit, const char *slice, pid_t pid,
                    const UnitProperty *props, size_t n_props, char **ret_error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = new_manager_call(bus, "StartTransientUnit", &m);
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "ss", unit, "fail");
        if (r >= 0)
                r = append_property_array(m, slice, pid, props, n_props);
        if (r >= 0)
                r = sd_bus_message_append(m, "a(sa(sv))", 0);
        if (r < 0)
                return r;
        return call_and_wait(bus, m, ret_error);
}

static bool error_is_no_unit(const sd_bus_error *e) {
        return sd_bus_error_has_name(e, "org.freedesktop.systemd1.NoSuchUnit") ||
               sd_bus_error_has_name(e, "org.freedesktop.systemd1.NoSuchUnitError") ||
               sd_bus_error_has_name(e, "org.freedesktop.systemd1.LoadFailed");
}

int bus_stop_unit(Bus *bus, const char *unit) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_free_ char *error = NULL;
        int r;

        r = new_manager_call(bus, "StopUnit", &m);
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "ss", unit, "replace");
        if (r < 0)
                return r;
        r = call_and_wait(bus, m, &error);
        /* NoSuchUnit: the scope ended by itself when the box's last process exited. */
        if (r == -ENOENT || (r < 0 && error && strstr(error, "not loaded")))
                return 0;
        return r;
}

int bus_freeze_unit(Bus *bus, const char *unit, bool freeze) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_call_method(bus, SYSTEMD_DEST, SYSTEMD_PATH, SYSTEMD_MANAGER,
                               freeze ? "FreezeUnit" : "ThawUnit", &error, &reply, "s", unit);
        if (r < 0 && error_is_no_unit(&error))
                return -ENOENT;
        return r < 0 ? r : 0;
}

int bus_set_unit_properties(Bus *bus, const char *unit, const UnitProperty *props, size_t n_props,
                            char **ret_error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = new_manager_call(bus, "SetUnitProperties", &m);
        if (r >= 0)
                r = sd_bus_message_append(m, "sb", unit, 1);
        if (r >= 0)
                r = append_property_array(m, NULL, 0, props, n_props);
        if (r < 0)
                return r;
        r = sd_bus_call(bus, m, 0, &error, &reply);
        if (r < 0)
                return error_message(&error, r, ret_error);
        return 0;
}

int bus_register_machine(const char *name, pid_t leader, const char *root, char **ret_error) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        /* machined is a service on the system bus, which systemd's private socket (bus_open()) is not */
        r = sd_bus_open_system(&bus);
        if (r < 0)
                return error_message(&error, r, ret_error);
        /* machined finds the unit from the leader's cgroup: the container's scope */
        r = sd_bus_call_method(bus, "org.freedesktop.machine1", "/org/freedesktop/machine1",
                               "org.freedesktop.machine1.Manager", "RegisterMachine", &error, &reply, "sayssus",
                               name, 0, "nspawn-oci", "container", (uint32_t) leader, root);
        if (r < 0)
                return error_message(&error, r, ret_error);
        return 0;
}
