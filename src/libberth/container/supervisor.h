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
        const struct image *image; /* the container's image if the caller holds it (run): not looked up again */
};

/*
 * Starts the supervisor and the container; returns once it runs (with
 * attach: once it is created; it starts when container_attach connects), or
 * with the reason it could not: the runtime's message as is (map it with
 * container_start_error_exit_code). A live supervisor: -EALREADY (docker's
 * `start` treats that as success), -EBUSY when paused. c->record is re-read.
 */
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
/* A pidfd of the live supervisor (poll it: readable once it exited); -ESRCH when there is none. */
int container_supervisor_pidfd(struct store *s, const struct container *c, int *ret_fd);
/*
 * A record that says running, paused or restarting with no live supervisor
 * (it was killed, or the machine rebooted): under the lock, kill whatever
 * the runtime still knows of it, unmount its rootfs and record it as exited
 * with code 255 (Docker's code for a container lost with its daemon), so
 * that ps shows it Exited and start and rm work. A no-op otherwise.
 */
void container_fix_stale_state(struct store *s, struct container *c);

/* The shim's runtime state root ($runroot/runtime) for berth's own runtime; callers free. */
char *container_runtime_root(struct store *s);
/* HostConfig.Runtime when it names another OCI runtime binary (crun, a path); NULL: berth's own, in-process. */
const char *container_external_runtime(const struct container *c);
/* Its state root: $runroot/runtime-<basename>; callers free. */
char *container_external_runtime_root(struct store *s, const char *runtime);
/* Runs `<runtime> --root <its root> args...` (NULL-terminated); a failure carries its stderr. */
int container_external_runtime_run(struct store *s, const char *runtime, const char *const *args,
                                   struct berth_error **err);
/* Docker's exit code for a start failure: 127 not found, 126 cannot execute, else 128. */
int container_start_error_exit_code(int code, const char *msg);
