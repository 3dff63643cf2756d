/* SPDX-License-Identifier: Apache-2.0 */
#include "base/chase.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/syscalls.h"
#include "base/xalloc.h"

#define CHASE_MAX_SYMLINKS 40

static bool force_fallback;
static bool openat2_missing;

void chase_set_force_fallback(bool on)
{
        force_fallback = on;
}

int fd_reopen(int fd, int flags, struct berth_error **err)
{
        char p[64];
        int r;

        snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
        r = open(p, flags | O_CLOEXEC);
        if (r < 0)
                return berth_err(err, errno, "reopen fd %d", fd);
        return r;
}

static int chase_openat2(int root_fd, const char *path, unsigned flags, int *ret_fd)
{
        struct open_how how = {
                .flags = O_PATH | O_CLOEXEC | ((flags & CHASE_NOFOLLOW) ? O_NOFOLLOW : 0),
                .resolve = RESOLVE_IN_ROOT | ((flags & CHASE_NO_MAGICLINKS) ? RESOLVE_NO_MAGICLINKS : 0),
        };
        int fd;

        do
                fd = sys_openat2(root_fd, path, &how, sizeof(how));
        while (fd < 0 && (errno == EAGAIN || errno == EINTR));
        if (fd < 0)
                return -errno;
        *ret_fd = fd;
        return 0;
}

/* Creates the missing component name under dir: a directory, or a file when last. */
static int chase_create(int dir, const char *name, bool as_file)
{
        if (as_file) {
                int fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
                if (fd < 0)
                        return errno == EEXIST ? 0 : -errno;
                close(fd);
                return 0;
        }
        if (mkdirat(dir, name, 0755) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

static bool same_inode(int a, int b)
{
        struct stat sa, sb;
        return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/*
 * The user-space walk: one component at a time with O_NOFOLLOW, symlinks
 * expanded by hand with "/" meaning root_fd, ".." clamped at the root. It
 * also serves CHASE_MKDIR, which openat2 cannot do.
 */
static int chase_walk(int root_fd, const char *path, unsigned flags, int *ret_fd, struct berth_error **err)
{
        _cleanup_free_ char *todo = xstrdup(path);
        _cleanup_close_ int cur = -EBADF;
        unsigned links = 0;

        cur = openat(root_fd, ".", O_PATH | O_CLOEXEC | O_DIRECTORY);
        if (cur < 0)
                return berth_err(err, errno, "open root");
        for (;;) {
                _cleanup_close_ int next = -EBADF;
                char *p = todo, *slash, *rest;
                struct stat st;
                bool last;

                while (*p == '/')
                        p++;
                if (!*p)
                        break;
                slash = strchr(p, '/');
                rest = slash ? slash + 1 : p + strlen(p);
                if (slash)
                        *slash = '\0';
                while (*rest == '/')
                        rest++;
                last = *rest == '\0';

                if (streq(p, ".")) {
                        memmove(todo, rest, strlen(rest) + 1);
                        continue;
                }
                if (streq(p, "..")) {
                        if (!same_inode(cur, root_fd)) {
                                next = openat(cur, "..", O_PATH | O_CLOEXEC | O_DIRECTORY);
                                if (next < 0)
                                        return berth_err(err, errno, "resolve `%s`", path);
                                closep(&cur);
                                cur = TAKE_FD(next);
                        }
                        memmove(todo, rest, strlen(rest) + 1);
                        continue;
                }
                next = openat(cur, p, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                if (next < 0 && errno == ENOENT && (flags & CHASE_MKDIR)) {
                        int r = chase_create(cur, p, last && (flags & CHASE_MKFILE_LAST));
                        if (r < 0)
                                return berth_err(err, -r, "create `%s` in `%s`", p, path);
                        next = openat(cur, p, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                }
                if (next < 0)
                        return berth_err(err, errno, "resolve `%s`", path);
                if (fstat(next, &st) < 0)
                        return berth_err(err, errno, "stat `%s`", path);
                if (S_ISLNK(st.st_mode) && !(last && (flags & CHASE_NOFOLLOW))) {
                        char target[PATH_MAX];
                        ssize_t n;
                        char *joined;

                        if (++links > CHASE_MAX_SYMLINKS)
                                return berth_err(err, ELOOP, "resolve `%s`", path);
                        n = readlinkat(next, "", target, sizeof(target) - 1);
                        if (n < 0)
                                return berth_err(err, errno, "readlink in `%s`", path);
                        target[n] = '\0';
                        if (target[0] == '/') {
                                closep(&cur);
                                cur = openat(root_fd, ".", O_PATH | O_CLOEXEC | O_DIRECTORY);
                                if (cur < 0)
                                        return berth_err(err, errno, "open root");
                        }
                        joined = xasprintf("%s/%s", target, rest);
                        free(todo);
                        todo = joined;
                        continue;
                }
                if (!last && !S_ISDIR(st.st_mode))
                        return berth_err(err, ENOTDIR, "resolve `%s`", path);
                closep(&cur);
                cur = TAKE_FD(next);
                memmove(todo, rest, strlen(rest) + 1);
        }
        *ret_fd = TAKE_FD(cur);
        return 0;
}

int chase_at(int root_fd, const char *path, unsigned flags, int *ret_fd, struct berth_error **err)
{
        int r;

        if (!(flags & CHASE_MKDIR) && !force_fallback && !openat2_missing) {
                r = chase_openat2(root_fd, path, flags, ret_fd);
                if (r == 0)
                        return 0;
                if (r == -ENOSYS)
                        openat2_missing = true;
                else if (r != -EXDEV && r != -ELOOP)
                        return berth_err(err, -r, "resolve `%s`", path);
                else if (r == -ELOOP || (flags & CHASE_NO_MAGICLINKS))
                        return berth_err(err, -r, "resolve `%s`", path);
        }
        return chase_walk(root_fd, path, flags, ret_fd, err);
}
