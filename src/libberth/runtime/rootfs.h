/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The container's filesystem view, built inside its new mount namespace by
 * the init process: rootfs propagation, the rootfs bind, every mount of
 * config.json (targets resolved inside the rootfs, never through a symlink
 * that leads out), /dev with the default devices, pivot_root (or chroot with
 * --no-pivot), then masked and read-only paths and a read-only root.
 */
#include <stdbool.h>

#include "base/error.h"
#include "oci/runtime-spec.h"

struct cgroup;

struct rootfs_options {
        const char *rootfs;  /* absolute host path of the root filesystem */
        bool no_pivot;       /* --no-pivot: MS_MOVE + chroot instead of pivot_root */
        struct cgroup *cgroup; /* for "cgroup" mounts; may be NULL */
};

/* Everything before the root changes: propagation, bind, mounts, devices. */
int rootfs_prepare(const struct oci_spec *spec, const struct rootfs_options *o, struct berth_error **err);
/* pivot_root (or the --no-pivot fallback); afterwards "/" is the container's root. */
int rootfs_pivot(const struct oci_spec *spec, const struct rootfs_options *o, struct berth_error **err);
/* After the pivot: masked and read-only paths, read-only root, final propagation. */
int rootfs_finalize(const struct oci_spec *spec, struct berth_error **err);
