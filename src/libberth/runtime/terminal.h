/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The console: the container's init opens a pty inside its own devpts, sends
 * the master end over --console-socket (SCM_RIGHTS, the runc/crun contract
 * that conmon and containerd-shim rely on) and keeps the peer as its
 * controlling terminal and stdio.
 */
#include <stdbool.h>

#include "base/error.h"

int console_socket_connect(const char *path, int *ret_fd, struct berth_error **err);
/* In the container after pivot_root; console: also bind the terminal on /dev/console (the init's). */
int terminal_setup_in_container(int console_fd, unsigned rows, unsigned cols, bool console,
                                struct berth_error **err);
int fd_send(int sock, int fd, struct berth_error **err);
int fd_recv(int sock, int *ret_fd, struct berth_error **err);
/* Copies stdin -> master and master -> stdout until the master closes (foreground run -t). */
int terminal_proxy(int master, struct berth_error **err);
