/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The OCI runtime as a library: what `berth-runtime` exposes on its command
 * line and what the engine calls in-process. One state directory per
 * container under ctx->state_root (default /run/berth-runtime).
 */
#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "base/error.h"

struct runtime_context {
        const char *state_root;
        bool systemd_cgroup;
};

struct runtime_create_options {
        const char *id;
        const char *bundle;         /* NULL: the current directory */
        const char *config;         /* NULL: <bundle>/config.json */
        const char *pid_file;
        const char *console_socket;
        bool no_pivot;
        bool no_new_keyring;
        int preserve_fds;
};

enum runtime_status {
        RUNTIME_STATUS_CREATING,
        RUNTIME_STATUS_CREATED,
        RUNTIME_STATUS_RUNNING,
        RUNTIME_STATUS_PAUSED,
        RUNTIME_STATUS_STOPPED,
};

struct runtime_exec_options {
        const char *process_file;  /* --process FILE; or the fields below */
        char **args;
        bool tty;
        const char *cwd;
        char **env;                /* added to the container's env */
        const char *user;          /* UID[:GID] */
        char **caps;               /* added capabilities */
        char **additional_gids;
        bool detach;
        bool no_new_privs;
        const char *pid_file;
        const char *console_socket;
        int preserve_fds;
};

const char *runtime_status_to_string(enum runtime_status s);

int runtime_create(struct runtime_context *ctx, const struct runtime_create_options *o, pid_t *ret_pid,
                   struct berth_error **err);
int runtime_start(struct runtime_context *ctx, const char *id, struct berth_error **err);
/* create + start; without detach waits for the container and deletes it, *ret_status = its exit code. */
int runtime_run(struct runtime_context *ctx, const struct runtime_create_options *o, bool detach,
                int *ret_status, struct berth_error **err);
/* The state JSON of the runtime-spec (ociVersion, id, status, pid, bundle, annotations). */
int runtime_state(struct runtime_context *ctx, const char *id, json_t **ret, struct berth_error **err);
int runtime_kill(struct runtime_context *ctx, const char *id, int sig, bool all, struct berth_error **err);
int runtime_delete(struct runtime_context *ctx, const char *id, bool force, struct berth_error **err);
/* An array of state objects (plus "created" and "rootfs"), for `list`. */
int runtime_list(struct runtime_context *ctx, json_t **ret, struct berth_error **err);
int runtime_ps(struct runtime_context *ctx, const char *id, pid_t **ret, size_t *ret_n, struct berth_error **err);
int runtime_pause(struct runtime_context *ctx, const char *id, bool pause, struct berth_error **err);
int runtime_update(struct runtime_context *ctx, const char *id, json_t *resources, struct berth_error **err);
int runtime_exec(struct runtime_context *ctx, const char *id, const struct runtime_exec_options *o,
                 int *ret_status, struct berth_error **err);
/* The runtime-spec features document. */
json_t *runtime_features(void);
/* Parses a signal name or number ("KILL", "SIGKILL", "9"). */
int runtime_signal_parse(const char *s);

/*
 * CVE-2019-5736: re-executes the current program from a sealed memfd unless
 * it already runs from one, so nothing inside a container can ever open the
 * host binary for writing through /proc/PID/exe. Returns only on failure or
 * when already sealed.
 */
int runtime_ensure_sealed_self(int argc, char **argv, struct berth_error **err);
