/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Terminals: pty allocation, sending the master over --console-socket (SCM_RIGHTS), relaying a pty
 * to our own stdio for `run` and foreground `exec`. Runs as root on the host. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

/* Opens a new pty pair from /dev/ptmx of the current mount namespace (call it inside the box's, so that
 * the slave is the container's /dev/pts/N); the slave gets the given size when rows and cols > 0.
 * Both fds are O_CLOEXEC; the slave is opened O_NOCTTY. */
int console_open(int *ret_master, int *ret_slave, unsigned rows, unsigned cols);
/* "/dev/pts/N" for a pty master. */
int console_pty_name(int master, char **ret);
/* Connects to the unix stream socket at path and sends fd with SCM_RIGHTS, the way runc does for
 * conmon: one message whose payload is the pty's name (NUL-terminated). Paths longer than sun_path
 * work too. */
int console_send_fd(const char *socket_path, int fd);
/* Sends / receives one fd over a connected unix socket (between nspawn-oci's own processes). The
 * received fd is O_CLOEXEC. console_recv_fd returns -ECONNRESET when the peer closed without
 * sending, -EBADMSG when a message came without an fd. */
int console_send_fd_over(int sock, int fd);
int console_recv_fd(int sock, int *ret_fd);
/* Relays master <-> our stdin/stdout (raw mode while stdin is a tty, restored afterwards), forwards
 * window size changes (SIGWINCH) to the pty, until the child 'pid' (ours) has exited and the master
 * has drained. The caller must have closed its own copy of the slave. Returns when 'pid' is reaped;
 * *ret_status is its wait status. */
int console_relay(int master, pid_t pid, int *ret_status);
