/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Control groups for one container, behind one interface whatever the host
 * runs: pure cgroup v2, pure v1, or hybrid (v1 controllers plus a cgroup2
 * mount at /sys/fs/cgroup/unified, as on these machines). The v1 and v2
 * backends sit behind an ops table in cgroup-v1.c / cgroup-v2.c.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/error.h"

enum cgroup_mode {
        CGROUP_MODE_V1,      /* every controller on its own v1 hierarchy */
        CGROUP_MODE_HYBRID,  /* v1 controllers + a cgroup2 mount (unified) */
        CGROUP_MODE_UNIFIED, /* pure cgroup v2 */
};

/* linux.resources, parsed and validated before anything is forked. */
struct cgroup_resources;
int cgroup_resources_parse(json_t *resources, struct cgroup_resources **ret, struct berth_error **err);
struct cgroup_resources *cgroup_resources_free(struct cgroup_resources *r);

struct cgroup;

/* Detects the host layout once (statfs of /sys/fs/cgroup). */
int cgroup_mode_detect(enum cgroup_mode *ret, struct berth_error **err);

/*
 * Creates the container's cgroup(s) from linux.cgroupsPath (absolute: from the
 * hierarchy root; relative or empty: under "berth/<id>"; with systemd_path the
 * "slice:prefix:name" form is mapped to slice/prefix-name.scope), applies
 * resources, and moves pid in. A resource the host cannot apply (a missing
 * controller) fails with an error naming it.
 */
int cgroup_create(const char *id, const char *cgroups_path, bool systemd_path, const struct cgroup_resources *res,
                  pid_t pid, struct cgroup **ret, struct berth_error **err);
/* Serialises what cgroup_load needs to find the cgroup again (stored in the runtime state). */
json_t *cgroup_to_json(const struct cgroup *cg);
int cgroup_load(json_t *j, struct cgroup **ret, struct berth_error **err);
struct cgroup *cgroup_free(struct cgroup *cg);

int cgroup_enter(struct cgroup *cg, pid_t pid, struct berth_error **err);
/*
 * The fast way in, for a new single-threaded process, in two halves. The
 * parent creates the cgroup with pid 0 and clones the child with
 * CLONE_INTO_CGROUP and the fd of cgroup_clone_target() (v2, or hybrid's
 * unified cgroup; *ret_fd = -1 when there is none: pure v1); the child then calls
 * cgroup_enter_self() for the v1 hierarchies. Why: a write of a pid to
 * cgroup.procs takes the kernel's global threadgroup lock for writing, which
 * waits for an RCU grace period (10-20 ms here, the largest single cost of
 * `berth run`); a clone into the cgroup, and a thread moving itself through
 * a v1 "tasks" file, do not take it.
 */
int cgroup_clone_target(const struct cgroup *cg, int *ret_fd, struct berth_error **err);
int cgroup_enter_self(struct cgroup *cg, struct berth_error **err);
int cgroup_update(struct cgroup *cg, const struct cgroup_resources *res, struct berth_error **err);
int cgroup_freeze(struct cgroup *cg, bool frozen, struct berth_error **err);
/* "paused" when frozen. */
int cgroup_is_frozen(struct cgroup *cg, bool *ret, struct berth_error **err);
int cgroup_pids(struct cgroup *cg, pid_t **ret, size_t *ret_n, struct berth_error **err);
int cgroup_kill_all(struct cgroup *cg, int sig, struct berth_error **err);
/* Removes the cgroup(s); EBUSY while processes remain. */
int cgroup_destroy(struct cgroup *cg, struct berth_error **err);

/*
 * Mounts the container's view of cgroupfs at target_fd (an O_PATH fd of
 * <rootfs>/sys/fs/cgroup) from inside the container's mount namespace, before
 * pivot_root: on v2 a cgroup2 mount (needs the cgroup namespace) or a bind of
 * the container's cgroup; on v1/hybrid a tmpfs with one bind per controller.
 * Read-only unless readonly is false (cgroupfs is read-only inside unless asked).
 */
int cgroup_mount_in_rootfs(struct cgroup *cg, int target_fd, bool readonly, unsigned long extra_flags,
                           struct berth_error **err);
