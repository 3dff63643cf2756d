/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "base/error.h"

/* Reads a whole file (at most max bytes) into a NUL-terminated buffer. */
int read_file_at(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len, struct berth_error **err);
/* Writes data to an existing file (cgroupfs, procfs): no temp file, no truncation games. */
int write_file_at(int dirfd, const char *path, const char *data, size_t len, struct berth_error **err);
/* Replaces path atomically: temp file in the same dir, fsync, rename (DESIGN.md principle 5). */
int write_file_atomic_at(int dirfd, const char *path, const char *data, size_t len, mode_t mode,
                         struct berth_error **err);
/*
 * The same without the fsync: readers still see the old or the new file, never a mix, but after a
 * power loss (not a process crash) the new file may be empty. Only for files that are written again
 * before each use (a container's config.json, hosts, resolv.conf), or that are removed when their
 * process ends (the record of a --rm container): an fsync on a disk costs 0.3-3 ms.
 */
int write_file_volatile_at(int dirfd, const char *path, const char *data, size_t len, mode_t mode,
                           struct berth_error **err);
/* mkdir -p for host-side paths that berth owns. */
int mkdir_p(const char *path, mode_t mode, struct berth_error **err);
/* rm -rf of a host-side directory berth owns; never crosses mount points. */
int rm_rf_at(int dirfd, const char *path, struct berth_error **err);
/* Loops over short writes and EINTR. */
ssize_t write_all(int fd, const void *buf, size_t len);
ssize_t read_all(int fd, void *buf, size_t len);
/* Marks every fd >= from close-on-exec (close_range, or a walk of /proc/self/fd). */
int mark_fds_cloexec_from(int from);
