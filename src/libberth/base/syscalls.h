/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Raw syscalls glibc does not wrap (or wraps too late for Debian 12), in one
 * place (STYLE.md B6). Each returns -1 with errno ENOSYS when the syscall
 * number is unknown at build time; callers detect features at run time.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/types.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/missing.h"

static inline int sys_openat2(int dirfd, const char *path, struct open_how *how, size_t size)
{
#ifdef __NR_openat2
        return (int)syscall(__NR_openat2, dirfd, path, how, size);
#else
        errno = ENOSYS;
        return -1;
#endif
}

static inline int sys_close_range(unsigned int first, unsigned int last, unsigned int flags)
{
#ifdef __NR_close_range
        return (int)syscall(__NR_close_range, first, last, flags);
#else
        errno = ENOSYS;
        return -1;
#endif
}

static inline int sys_pidfd_open(pid_t pid, unsigned int flags)
{
#ifdef __NR_pidfd_open
        return (int)syscall(__NR_pidfd_open, pid, flags);
#else
        errno = ENOSYS;
        return -1;
#endif
}

static inline int sys_pidfd_send_signal(int pidfd, int sig, siginfo_t *info, unsigned int flags)
{
#ifdef __NR_pidfd_send_signal
        return (int)syscall(__NR_pidfd_send_signal, pidfd, sig, info, flags);
#else
        errno = ENOSYS;
        return -1;
#endif
}

static inline int sys_pivot_root(const char *new_root, const char *put_old)
{
        return (int)syscall(__NR_pivot_root, new_root, put_old);
}

static inline int sys_open_tree(int dirfd, const char *path, unsigned int flags)
{
#ifdef __NR_open_tree
        return (int)syscall(__NR_open_tree, dirfd, path, flags);
#else
        errno = ENOSYS;
        return -1;
#endif
}

static inline int sys_move_mount(int from_dirfd, const char *from_path, int to_dirfd, const char *to_path,
                                 unsigned int flags)
{
#ifdef __NR_move_mount
        return (int)syscall(__NR_move_mount, from_dirfd, from_path, to_dirfd, to_path, flags);
#else
        errno = ENOSYS;
        return -1;
#endif
}

static inline int sys_mount_setattr(int dirfd, const char *path, unsigned int flags, struct mount_attr *attr,
                                    size_t size)
{
#ifdef __NR_mount_setattr
        return (int)syscall(__NR_mount_setattr, dirfd, path, flags, attr, size);
#else
        errno = ENOSYS;
        return -1;
#endif
}

static inline long sys_clone3(struct berth_clone_args *args, size_t size)
{
#ifdef __NR_clone3
        return syscall(__NR_clone3, args, size);
#else
        errno = ENOSYS;
        return -1;
#endif
}
