/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bus.c against a stand-in for systemd's manager on a private dbus-daemon: the messages it sends
 * (StartTransientUnit with every property type, StopUnit, FreezeUnit, SetUnitProperties), its wait for
 * the job, and systemd's errors as it passes them on. No privilege; skipped without dbus-daemon. */
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <systemd/sd-bus.h>
#include <time.h>
#include <unistd.h>

#include "host/bus.h"
#include "tap.h"
#include "base/util.h"

#define MANAGER "org.freedesktop.systemd1.Manager"
#define JOB "/org/freedesktop/systemd1/job/7"

static char dir[] = "/tmp/test-bus-XXXXXX";
static char calls[PATH_MAX];

static void record(const char *fmt, ...) _printf_(1, 2);
static void record(const char *fmt, ...) {
        FILE *f = fopen(calls, "ae");
        va_list ap;

        if (!f)
                return;
        va_start(ap, fmt);
        vfprintf(f, fmt, ap);
        va_end(ap);
        fputc('\n', f);
        fclose(f);
}

/* One property (sv) as "Name=signature:value", the way the test compares them. */
static int read_property(sd_bus_message *m, char **ret) {
        _cleanup_free_ char *value = NULL;
        const char *name, *sig;
        int r;

        r = sd_bus_message_enter_container(m, 'r', "sv");
        if (r <= 0)
                return r;
        if ((r = sd_bus_message_read(m, "s", &name)) < 0 ||
            (r = sd_bus_message_peek_type(m, NULL, &sig)) < 0 ||
            (r = sd_bus_message_enter_container(m, 'v', sig)) < 0)
                return r;
        if (streq(sig, "t") || streq(sig, "b") || streq(sig, "s")) {
                union {
                        uint64_t t;
                        int b;
                        const char *s;
                } v;
                r = sd_bus_message_read_basic(m, sig[0], &v);
                if (r >= 0)
                        r = streq(sig, "t")   ? asprintf_safe(&value, "%" PRIu64, v.t)
                            : streq(sig, "b") ? asprintf_safe(&value, "%d", v.b)
                                              : asprintf_safe(&value, "%s", v.s);
        } else if (streq(sig, "ay")) {
                const uint8_t *b;
                size_t n;
                r = sd_bus_message_read_array(m, 'y', (const void **) &b, &n);
                value = strdup("");
                for (size_t i = 0; r >= 0 && value && i < n; i++) {
                        char *t = NULL;
                        r = asprintf_safe(&t, "%s%02x", value, b[i]);
                        free(value);
                        value = t;
                }
        } else if (streq(sig, "au")) {
                uint32_t u;
                r = sd_bus_message_read(m, "au", 1, &u);
                if (r >= 0)
                        r = asprintf_safe(&value, "%" PRIu32, u);
        } else {
                /* a(ss), a(st): "key value, key value" */
                bool ss = streq(sig, "a(ss)");
                value = strdup("");
                r = sd_bus_message_enter_container(m, 'a', ss ? "(ss)" : "(st)");
                while (r >= 0 && value) {
                        const char *k, *sv;
                        uint64_t tv;
                        char *t = NULL;
                        r = ss ? sd_bus_message_read(m, "(ss)", &k, &sv)
                               : sd_bus_message_read(m, "(st)", &k, &tv);
                        if (r <= 0)
                                break;
                        r = ss ? asprintf_safe(&t, "%s%s%s %s", value, *value ? ", " : "", k, sv)
                               : asprintf_safe(&t, "%s%s%s %" PRIu64, value, *value ? ", " : "", k, tv);
                        free(value);
                        value = t;
                }
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
        }
        if (r < 0 || !value)
                return r < 0 ? r : -ENOMEM;
        if ((r = sd_bus_message_exit_container(m)) < 0 || (r = sd_bus_message_exit_container(m)) < 0)
                return r;
        return asprintf_safe(ret, "%s=%s:%s", name, sig, value) < 0 ? -ENOMEM : 1;
}

static int record_properties(sd_bus_message *m) {
        int r = sd_bus_message_enter_container(m, 'a', "(sv)");

        for (;;) {
                _cleanup_free_ char *p = NULL;
                if (r < 0)
                        return r;
                r = read_property(m, &p);
                if (r <= 0)
                        break;
                record("  %s", p);
        }
        return r < 0 ? r : sd_bus_message_exit_container(m);
}

/* The job of a unit: done, or failed for "fail.scope"; JobRemoved follows the reply. */
static int reply_job(sd_bus_message *m, const char *unit) {
        int r = sd_bus_reply_method_return(m, "o", JOB);
        if (r < 0)
                return r;
        return sd_bus_emit_signal(sd_bus_message_get_bus(m), "/org/freedesktop/systemd1", MANAGER,
                                  "JobRemoved", "uoss", 7, JOB, unit,
                                  streq(unit, "fail.scope") ? "failed" : "done");
}

static int method_start(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *unit, *mode;
        int r;

        if ((r = sd_bus_message_read(m, "ss", &unit, &mode)) < 0)
                return r;
        record("StartTransientUnit %s %s", unit, mode);
        if ((r = record_properties(m)) < 0)
                return r;
        return reply_job(m, unit);
}

static int method_stop(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *unit, *mode;
        int r;

        if ((r = sd_bus_message_read(m, "ss", &unit, &mode)) < 0)
                return r;
        record("StopUnit %s %s", unit, mode);
        if (streq(unit, "gone.scope"))
                return sd_bus_error_setf(error, "org.freedesktop.systemd1.NoSuchUnit", "Unit %s not loaded.",
                                         unit);
        return reply_job(m, unit);
}

static int method_freeze(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *unit;
        int r;

        if ((r = sd_bus_message_read(m, "s", &unit)) < 0)
                return r;
        record("%s %s", sd_bus_message_get_member(m), unit);
        if (streq(unit, "gone.scope"))
                return sd_bus_error_setf(error, "org.freedesktop.systemd1.NoSuchUnit", "Unit %s not loaded.",
                                         unit);
        return sd_bus_reply_method_return(m, NULL);
}

static int method_set(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *unit;
        int runtime, r;

        if ((r = sd_bus_message_read(m, "sb", &unit, &runtime)) < 0)
                return r;
        record("SetUnitProperties %s %d", unit, runtime);
        if ((r = record_properties(m)) < 0)
                return r;
        if (streq(unit, "bad.scope"))
                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS, "Cannot set property MemoryMax");
        return sd_bus_reply_method_return(m, NULL);
}

static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("StartTransientUnit", "ssa(sv)a(sa(sv))", "o", method_start, 0),
        SD_BUS_METHOD("StopUnit", "ss", "o", method_stop, 0),
        SD_BUS_METHOD("FreezeUnit", "s", "", method_freeze, 0),
        SD_BUS_METHOD("ThawUnit", "s", "", method_freeze, 0),
        SD_BUS_METHOD("SetUnitProperties", "sba(sv)", "", method_set, 0),
        SD_BUS_SIGNAL("JobRemoved", "uoss", 0),
        SD_BUS_VTABLE_END,
};

static _noreturn_ void run_manager(int ready) {
        sd_bus *bus = NULL;

        if (sd_bus_open_system(&bus) < 0 ||
            sd_bus_add_object_vtable(bus, NULL, "/org/freedesktop/systemd1", MANAGER, manager_vtable, NULL) <
                    0 ||
            sd_bus_request_name(bus, "org.freedesktop.systemd1", 0) < 0)
                _exit(1);
        (void) !write(ready, "1", 1);
        close(ready);
        for (;;) {
                int r = sd_bus_process(bus, NULL);
                if (r < 0)
                        _exit(2);
                if (r == 0 && sd_bus_wait(bus, UINT64_MAX) < 0)
                        _exit(3);
        }
}

static char *last_calls(void) {
        char *s = NULL;

        if (read_full_file(calls, &s, NULL) < 0)
                return NULL;
        (void) truncate(calls, 0);
        return s;
}

static void test_start_scope(Bus *bus) {
        uint8_t cpus[] = {0x0f};
        char *keys[] = {(char *) "/dev/null", (char *) "char-pts"},
             *modes[] = {(char *) "rw", (char *) "rwm"};
        char *io_keys[] = {(char *) "/dev/sda"};
        uint64_t io_values[] = {1048576};
        UnitProperty props[] = {
                {.name = (char *) "MemoryMax", .type = UNIT_PROPERTY_U64, .u64 = 67108864},
                {.name = (char *) "Delegate", .type = UNIT_PROPERTY_BOOL, .b = true},
                {.name = (char *) "DevicePolicy", .type = UNIT_PROPERTY_STRING, .str = (char *) "strict"},
                {.name = (char *) "AllowedCPUs", .type = UNIT_PROPERTY_BYTES, .bytes = cpus, .n_bytes = 1},
                {.name = (char *) "DeviceAllow",
                 .type = UNIT_PROPERTY_PAIRS_SS,
                 .keys = keys,
                 .str_values = modes,
                 .n_pairs = 2},
                {.name = (char *) "IOReadBandwidthMax",
                 .type = UNIT_PROPERTY_PAIRS_ST,
                 .keys = io_keys,
                 .u64_values = io_values,
                 .n_pairs = 1},
        };
        _cleanup_free_ char *got = NULL, *error = NULL;

        tap_is_int(bus_start_scope(bus, "c1.scope", "machine.slice", 4242, props, ELEMENTSOF(props), &error),
                   0, "bus_start_scope(): the job is done");
        tap_is_str(got = last_calls(),
                   "StartTransientUnit c1.scope fail\n"
                   "  Slice=s:machine.slice\n"
                   "  PIDs=au:4242\n"
                   "  MemoryMax=t:67108864\n"
                   "  Delegate=b:1\n"
                   "  DevicePolicy=s:strict\n"
                   "  AllowedCPUs=ay:0f\n"
                   "  DeviceAllow=a(ss):/dev/null rw, char-pts rwm\n"
                   "  IOReadBandwidthMax=a(st):/dev/sda 1048576\n",
                   "the slice, the pid and every property type, as systemd reads them");

        tap_is_int(bus_start_scope(bus, "fail.scope", NULL, 4242, NULL, 0, &error), -EIO,
                   "a failed job: -EIO");
        tap_is_str(error, "job failed", "… and the job's result as the message");
        free(last_calls());
}

static void test_stop_freeze_set(Bus *bus) {
        UnitProperty max = {.name = (char *) "TasksMax", .type = UNIT_PROPERTY_U64, .u64 = 10};
        _cleanup_free_ char *stop = NULL, *freeze = NULL, *set = NULL, *error = NULL;

        tap_is_int(bus_stop_unit(bus, "c1.scope"), 0, "bus_stop_unit()");
        tap_is_int(bus_stop_unit(bus, "gone.scope"), 0, "a unit that is gone already: success");
        tap_is_str(stop = last_calls(), "StopUnit c1.scope replace\nStopUnit gone.scope replace\n",
                   "StopUnit, mode replace");

        tap_is_int(bus_freeze_unit(bus, "c1.scope", true), 0, "bus_freeze_unit()");
        tap_is_int(bus_freeze_unit(bus, "c1.scope", false), 0, "… and thaw");
        tap_is_int(bus_freeze_unit(bus, "gone.scope", true), -ENOENT, "no such unit: -ENOENT");
        tap_is_str(freeze = last_calls(), "FreezeUnit c1.scope\nThawUnit c1.scope\nFreezeUnit gone.scope\n",
                   "FreezeUnit, ThawUnit");

        tap_is_int(bus_set_unit_properties(bus, "c1.scope", &max, 1, &error), 0,
                   "bus_set_unit_properties()");
        tap_ok(bus_set_unit_properties(bus, "bad.scope", &max, 1, &error) < 0 && error &&
                       streq(error, "Cannot set property MemoryMax"),
               "systemd's refusal comes back with its message");
        tap_is_str(set = last_calls(),
                   "SetUnitProperties c1.scope 1\n  TasksMax=t:10\nSetUnitProperties bad.scope 1\n  "
                   "TasksMax=t:10\n",
                   "SetUnitProperties, at runtime");
}

int main(void) {
        char address[PATH_MAX + 16], socket_path[PATH_MAX], cmd[PATH_MAX + 16];
        _cleanup_bus_ Bus *bus = NULL;
        pid_t daemon_pid, manager = -1;
        int ready[2];
        char c;

        if (access("/usr/bin/dbus-daemon", X_OK) < 0) {
                printf("1..0 # SKIP no /usr/bin/dbus-daemon\n");
                return 0;
        }
        if (!mkdtemp(dir))
                return 1;
        snprintf(calls, sizeof(calls), "%s/calls", dir);
        snprintf(socket_path, sizeof(socket_path), "%s/bus", dir);
        snprintf(address, sizeof(address), "unix:path=%s", socket_path);

        daemon_pid = fork();
        if (daemon_pid == 0) {
                char arg[PATH_MAX + 32];
                snprintf(arg, sizeof(arg), "--address=%s", address);
                execl("/usr/bin/dbus-daemon", "dbus-daemon", "--session", arg, "--nofork", "--nopidfile",
                      "--nosyslog", NULL);
                _exit(127);
        }
        for (int i = 0; i < 500 && access(socket_path, F_OK) < 0; i++)
                (void) nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
        setenv("DBUS_SYSTEM_BUS_ADDRESS", address, 1);

        if (pipe2(ready, O_CLOEXEC) < 0)
                return 1;
        manager = fork();
        if (manager == 0)
                run_manager(ready[1]);
        close(ready[1]);
        if (!tap_ok(read(ready[0], &c, 1) == 1, "a stand-in for systemd on a private bus"))
                goto finish;
        if (!tap_ok(bus_open(&bus) >= 0, "bus_open() reaches it"))
                goto finish;

        test_start_scope(bus);
        test_stop_freeze_set(bus);

finish:
        bus = bus_close(bus);
        if (manager > 0)
                (void) kill(manager, SIGTERM);
        (void) kill(daemon_pid, SIGTERM);
        (void) waitpid(manager, NULL, 0);
        (void) waitpid(daemon_pid, NULL, 0);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        (void) system(cmd);
        return tap_done(0);
}
