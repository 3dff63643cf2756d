/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The per-container supervisor (berth-shim, DESIGN.md "Processes"): one
 * small process per running container. It owns the container's stdio
 * (pipes, or a pty with Tty), appends output to the json-file log, serves
 * attach clients on $runroot/containers/<id>/attach.sock, waits for the exit
 * through a pidfd, records the exit status atomically in the record, applies
 * the restart policy and health check, removes the container for --rm, and
 * exits when the container is gone for good. Nothing else stays resident.
 */
#include <stdbool.h>

#include "base/error.h"
#include "container/container.h"

struct container_start_options {
        bool attach;      /* the caller attaches: the process starts once it has connected */
        bool interactive; /* keep stdin open (-i) */
};

/* Starts the supervisor and the container; returns once it runs (or with the reason it could not). */
int container_start(struct store *s, struct container *c, const struct container_start_options *o,
                    struct berth_error **err);

/*
 * Attaches the caller's fds: container output to out_fd/err_fd (one stream
 * with a tty), in_fd to its stdin when interactive. Returns the exit code
 * when the container exits, or -EINTR style "detached" on ctrl-p ctrl-q
 * (*ret_detached = true).
 */
int container_attach(struct store *s, struct container *c, int in_fd, int out_fd, int err_fd, bool interactive,
                     int *ret_exit_code, bool *ret_detached, struct berth_error **err);

/* STOPSIGNAL (or the record's), then SIGKILL after timeout seconds (-1: the record's, default 10). */
int container_stop(struct store *s, struct container *c, int timeout, struct berth_error **err);
int container_kill(struct store *s, struct container *c, int sig, struct berth_error **err);
/* Blocks until the container is not running; its exit code. */
int container_wait(struct store *s, struct container *c, int *ret_exit_code, struct berth_error **err);
int container_pause(struct store *s, struct container *c, bool pause, struct berth_error **err);
/* True when the supervisor of a container recorded as running is alive (false after a reboot). */
bool container_supervisor_alive(struct store *s, const struct container *c);
