/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Terminals: pty allocation, sending the master over --console-socket (SCM_RIGHTS), relaying a pty
 * to our own stdio for `run` and foreground `exec`. Runs as root on the host. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

/* Opens a new pty pair; the slave gets the given size when rows/cols > 0. */
int console_open(int *ret_master, int *ret_slave, unsigned rows, unsigned cols);
/* Connects to the unix socket at path and sends fd with SCM_RIGHTS. */
int console_send_fd(const char *socket_path, int fd);
/* Relays master <-> our stdin/stdout (raw mode when stdin is a tty), forwards window size changes,
 * until the child exits or master hangs up. Returns when 'pid' is gone; *ret_status is its wait status. */
int console_relay(int master, pid_t pid, int *ret_status);
