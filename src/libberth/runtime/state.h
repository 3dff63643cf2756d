/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * A container's runtime state on disk: <state_root>/<id>/state.json, written
 * atomically. The status is derived, never stored: a live init process whose
 * start time matches is created (not yet started) or running (paused when
 * its cgroup is frozen); anything else is stopped.
 */
#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "base/error.h"
#include "runtime/runtime.h"

struct runtime_state {
        char *id;
        pid_t pid;
        unsigned long long pid_start; /* field 22 of /proc/PID/stat: guards against pid reuse */
        char *bundle;
        char *rootfs;
        char *created; /* RFC 3339 */
        char *owner;
        bool started;
        json_t *annotations;
        json_t *cgroup;   /* cgroup_to_json() */
        json_t *hooks;    /* the config's hooks: poststart runs at start, poststop at delete */
};

int state_validate_id(const char *id, struct berth_error **err);
char *state_dir(const struct runtime_context *ctx, const char *id);
/* Creates <root>/<id> (EEXIST: the container exists) and returns an fd of it. */
int state_dir_create(const struct runtime_context *ctx, const char *id, int *ret_fd, struct berth_error **err);
int state_write(const struct runtime_context *ctx, const struct runtime_state *st, struct berth_error **err);
int state_read(const struct runtime_context *ctx, const char *id, struct runtime_state **ret,
               struct berth_error **err);
struct runtime_state *state_free(struct runtime_state *st);
void state_freep(struct runtime_state **st);
int state_remove(const struct runtime_context *ctx, const char *id, struct berth_error **err);

/* 0 when pid is gone; the start time otherwise. */
unsigned long long process_start_time(pid_t pid);
bool state_init_alive(const struct runtime_state *st);
enum runtime_status state_status(const struct runtime_state *st);
/* The runtime-spec state object. */
json_t *state_to_oci_json(const struct runtime_state *st, enum runtime_status status);

#define _cleanup_state_ __attribute__((cleanup(state_freep)))
