/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A new volume's copy-up: the image's content at the mount point goes into
 * the volume, owners, modes, times and all, never following a symlink.
 */
#include "volume/volume.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs-util.h"
#include "base/xalloc.h"

#define COPY_DEPTH_MAX 256

static int copy_meta(int dst_dir, const char *name, const struct stat *st, struct berth_error **err)
{
        struct timespec ts[2] = {st->st_atim, st->st_mtim};
        int nf = AT_SYMLINK_NOFOLLOW;

        if (fchownat(dst_dir, name, st->st_uid, st->st_gid, nf) < 0)
                return berth_err(err, errno, "chown `%s`", name);
        /* Symlinks have no mode of their own; chown may have cleared setuid bits, so chmod after. */
        if (!S_ISLNK(st->st_mode) && fchmodat(dst_dir, name, st->st_mode & 07777, 0) < 0)
                return berth_err(err, errno, "chmod `%s`", name);
        if (utimensat(dst_dir, name, ts, nf) < 0)
                return berth_err(err, errno, "set times of `%s`", name);
        return 0;
}

static int copy_data(int src_fd, int dst_fd, struct berth_error **err)
{
        char buf[1 << 16];

        for (;;) {
                ssize_t n = copy_file_range(src_fd, NULL, dst_fd, NULL, 1 << 30, 0);
                if (n == 0)
                        return 0;
                if (n > 0)
                        continue;
                if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
                        return berth_err(err, errno, "copy_file_range");
                break;
        }
        for (;;) {
                ssize_t n = read(src_fd, buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return berth_err(err, errno, "read");
                if (n == 0)
                        return 0;
                if (write_all(dst_fd, buf, (size_t)n) < 0)
                        return berth_err(err, errno, "write");
        }
}

static int copy_tree(int src, int dst, unsigned depth, struct berth_error **err);

static int copy_entry(int src, int dst, const char *name, const struct stat *st, unsigned depth,
                      struct berth_error **err)
{
        _cleanup_close_ int sfd = -EBADF, dfd = -EBADF;
        char target[4097];
        ssize_t n;
        int r;

        switch (st->st_mode & S_IFMT) {
        case S_IFDIR:
                if (mkdirat(dst, name, 0700) < 0 && errno != EEXIST)
                        return berth_err(err, errno, "mkdir `%s`", name);
                sfd = openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                dfd = openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (sfd < 0 || dfd < 0)
                        return berth_err(err, errno, "open directory `%s`", name);
                r = copy_tree(sfd, dfd, depth + 1, err);
                if (r < 0)
                        return r;
                break;
        case S_IFREG:
                sfd = openat(src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
                if (sfd < 0)
                        return berth_err(err, errno, "open `%s`", name);
                dfd = openat(dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
                if (dfd < 0)
                        return berth_err(err, errno, "create `%s`", name);
                r = copy_data(sfd, dfd, err);
                if (r < 0)
                        return berth_err_prefix(err, "copy `%s`", name);
                break;
        case S_IFLNK:
                n = readlinkat(src, name, target, sizeof(target) - 1);
                if (n < 0)
                        return berth_err(err, errno, "readlink `%s`", name);
                target[n] = '\0';
                if (symlinkat(target, dst, name) < 0)
                        return berth_err(err, errno, "symlink `%s`", name);
                break;
        case S_IFCHR:
        case S_IFBLK:
        case S_IFIFO:
                if (mknodat(dst, name, st->st_mode, st->st_rdev) < 0)
                        return berth_err(err, errno, "mknod `%s`", name);
                break;
        default:
                return 0; /* sockets are not content */
        }
        return copy_meta(dst, name, st, err);
}

static int copy_tree(int src, int dst, unsigned depth, struct berth_error **err)
{
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int fd, r;

        if (depth > COPY_DEPTH_MAX)
                return berth_err_msg(err, ELOOP, "directory tree deeper than %d levels", COPY_DEPTH_MAX);
        /* A fresh fd: readdir on a dup would share (and move) the caller's offset. */
        fd = openat(src, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || !(d = fdopendir(fd))) {
                if (fd >= 0)
                        close(fd);
                return berth_err(err, errno, "read directory");
        }
        while ((errno = 0, de = readdir(d))) {
                struct stat st;
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (fstatat(src, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        return berth_err(err, errno, "stat `%s`", de->d_name);
                r = copy_entry(src, dst, de->d_name, &st, depth, err);
                if (r < 0)
                        return r;
        }
        if (errno)
                return berth_err(err, errno, "read directory");
        return 0;
}

int volume_copy_tree(int src_dir_fd, int dst_dir_fd, struct berth_error **err)
{
        struct stat st;
        int r;

        r = copy_tree(src_dir_fd, dst_dir_fd, 0, err);
        if (r < 0)
                return r;
        if (fstat(src_dir_fd, &st) < 0)
                return berth_err(err, errno, "stat source directory");
        if (fchown(dst_dir_fd, st.st_uid, st.st_gid) < 0 || fchmod(dst_dir_fd, st.st_mode & 07777) < 0)
                return berth_err(err, errno, "set owner and mode of the volume");
        return 0;
}
