/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Resolves a path inside a root directory fd the way the kernel would if the
 * root were "/": absolute symlinks and ".." never leave it (RESOLVE_IN_ROOT).
 * Every path the container controls (mount targets, cwd, masked paths, files
 * in a rootfs) goes through here, never through string joins (STYLE.md B6).
 */
#include <stdbool.h>

#include "base/error.h"

enum chase_flags {
        CHASE_NOFOLLOW = 1 << 0,      /* do not follow a symlink in the last component */
        CHASE_MKDIR = 1 << 1,         /* create missing directories (0755) */
        CHASE_MKFILE_LAST = 1 << 2,   /* with CHASE_MKDIR: the last component is created as a file */
        CHASE_NO_MAGICLINKS = 1 << 3, /* refuse /proc/self/fd style links */
};

/* Returns an O_PATH|O_CLOEXEC fd for path under root_fd in *ret_fd. */
int chase_at(int root_fd, const char *path, unsigned flags, int *ret_fd, struct berth_error **err);
/* Reopens an O_PATH fd with real access flags (through /proc/self/fd, no path walk). */
int fd_reopen(int fd, int flags, struct berth_error **err);
/* Tests force the user-space fallback, as on kernels without openat2. */
void chase_set_force_fallback(bool on);
