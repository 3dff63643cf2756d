/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Shared between rootfs.c (the phases), mounts.c (config.json mounts) and
 * devices.c (/dev). Every target is an fd resolved inside the rootfs with
 * chase_at(); the kernel is handed "/proc/self/fd/N", never a joined string.
 */
#include <stdbool.h>

#include "base/error.h"
#include "oci/runtime-spec.h"

struct cgroup;

struct mount_ctx {
        int rootfs_fd;         /* O_PATH fd of the rootfs bind mount */
        bool userns;           /* no mknod, locked mount flags */
        bool new_netns;        /* sysfs may be mounted (it is tied to the netns) */
        struct cgroup *cgroup; /* may be NULL */
};

#define FD_PROC_PATH_MAX 32
/* "/proc/self/fd/N": the mount(2) argument that names exactly the inode fd holds. */
const char *fd_proc_path(int fd, char buf[FD_PROC_PATH_MAX]);

/*
 * Whether a path from config.json names top ("proc", "dev") or lies below it,
 * ignoring repeated slashes and "." components. A ".." component makes it
 * false: such a path may end anywhere.
 */
bool mount_path_under(const char *path, const char *top);
/* Whether path names top itself ("/dev", "//dev/"). */
bool mount_path_is(const char *path, const char *top);

/*
 * Sets (flags) and clears (clear) per-mount MS_* flags on the mount fd is the
 * root of, recursively if asked. Uses mount_setattr, which leaves every other
 * flag alone; on kernels without it, a MS_REMOUNT|MS_BIND of the top mount
 * that keeps nosuid/nodev/noexec/rdonly/atime already set when keep_existing
 * (a user namespace locks them).
 */
int mount_set_flags(int fd, unsigned long flags, unsigned long clear, bool recursive, bool keep_existing,
                    struct berth_error **err);

/* Every config.json mount, in order. */
int mounts_apply(const struct oci_spec *spec, const struct mount_ctx *ctx, struct berth_error **err);
/* Device nodes and the /dev symlinks, after the mounts. */
int devices_setup(const struct oci_spec *spec, const struct mount_ctx *ctx, struct berth_error **err);
