/* SPDX-License-Identifier: Apache-2.0 */
#include "base/fs-util.h"

#include <dirent.h>
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

ssize_t write_all(int fd, const void *buf, size_t len)
{
        const char *p = buf;
        size_t done = 0;

        while (done < len) {
                ssize_t n = write(fd, p + done, len - done);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -1;
                }
                done += (size_t)n;
        }
        return (ssize_t)done;
}

ssize_t read_all(int fd, void *buf, size_t len)
{
        char *p = buf;
        size_t done = 0;

        while (done < len) {
                ssize_t n = read(fd, p + done, len - done);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -1;
                }
                if (n == 0)
                        break;
                done += (size_t)n;
        }
        return (ssize_t)done;
}

int read_file_at(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len, struct berth_error **err)
{
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, cap = 4096;

        fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return berth_err(err, errno, "open `%s`", path);
        buf = xmalloc(cap + 1);
        for (;;) {
                ssize_t n;
                if (len == cap) {
                        if (cap >= max)
                                return berth_err_msg(err, EFBIG, "`%s` is larger than %zu bytes", path, max);
                        cap = cap * 2 > max ? max : cap * 2;
                        buf = xrealloc(buf, cap + 1);
                }
                n = read(fd, buf + len, cap - len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return berth_err(err, errno, "read `%s`", path);
                }
                if (n == 0)
                        break;
                len += (size_t)n;
        }
        buf[len] = '\0';
        if (ret_len)
                *ret_len = len;
        *ret = TAKE_PTR(buf);
        return 0;
}

int write_file_at(int dirfd, const char *path, const char *data, size_t len, struct berth_error **err)
{
        _cleanup_close_ int fd = -EBADF;

        fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return berth_err(err, errno, "open `%s`", path);
        if (write_all(fd, data, len) < 0)
                return berth_err(err, errno, "write `%s`", path);
        return 0;
}

static int write_file_replace_at(int dirfd, const char *path, const char *data, size_t len, mode_t mode,
                                 bool durable, struct berth_error **err)
{
        _cleanup_free_ char *tmp = xasprintf("%s.tmp-%d", path, (int)getpid());
        _cleanup_close_ int fd = -EBADF;

        fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
        if (fd < 0)
                return berth_err(err, errno, "create `%s`", tmp);
        if (write_all(fd, data, len) < 0 || (durable && fsync(fd) < 0)) {
                int e = errno;
                (void)unlinkat(dirfd, tmp, 0);
                return berth_err(err, e, "write `%s`", tmp);
        }
        if (renameat(dirfd, tmp, dirfd, path) < 0) {
                int e = errno;
                (void)unlinkat(dirfd, tmp, 0);
                return berth_err(err, e, "rename `%s`", path);
        }
        return 0;
}

int write_file_atomic_at(int dirfd, const char *path, const char *data, size_t len, mode_t mode,
                         struct berth_error **err)
{
        return write_file_replace_at(dirfd, path, data, len, mode, true, err);
}

int write_file_volatile_at(int dirfd, const char *path, const char *data, size_t len, mode_t mode,
                           struct berth_error **err)
{
        return write_file_replace_at(dirfd, path, data, len, mode, false, err);
}

int mkdir_p(const char *path, mode_t mode, struct berth_error **err)
{
        _cleanup_free_ char *p = xstrdup(path);
        char *end = p + strlen(p), *s = end;

        /* The parents are usually there (a cgroup in each of ~11 hierarchies): one mkdir, not one a
         * component. Else back up to the deepest ancestor that exists or can be made... */
        while (mkdir(p, mode) < 0 && errno != EEXIST) {
                if (errno != ENOENT || !(s = memrchr(p, '/', (size_t)(s - p))) || s == p)
                        return berth_err(err, errno, "mkdir `%s`", p);
                *s = '\0';
        }
        /* ...then down again, a component at a time (the NULs left above mark them). */
        for (char *q = p; q < end; q++) {
                if (*q != '\0')
                        continue;
                *q = '/';
                if (mkdir(p, mode) < 0 && errno != EEXIST)
                        return berth_err(err, errno, "mkdir `%s`", p);
        }
        return 0;
}

static int rm_rf_children(int dfd, dev_t dev, struct berth_error **err)
{
        _cleanup_closedir_ DIR *d = fdopendir(dfd);
        struct dirent *de;

        if (!d) {
                close(dfd);
                return berth_err(err, errno, "fdopendir");
        }
        while ((de = readdir(d))) {
                struct stat st;
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                        if (errno == ENOENT)
                                continue;
                        return berth_err(err, errno, "stat `%s`", de->d_name);
                }
                if (S_ISDIR(st.st_mode)) {
                        int cfd;
                        if (st.st_dev != dev)
                                return berth_err_msg(err, EBUSY, "`%s` is a mount point", de->d_name);
                        cfd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (cfd < 0)
                                return berth_err(err, errno, "open `%s`", de->d_name);
                        if (rm_rf_children(cfd, dev, err) < 0)
                                return -berth_error_code(*err);
                        if (unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR) < 0 && errno != ENOENT)
                                return berth_err(err, errno, "rmdir `%s`", de->d_name);
                } else if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT) {
                        return berth_err(err, errno, "unlink `%s`", de->d_name);
                }
        }
        return 0;
}

int rm_rf_at(int dirfd, const char *path, struct berth_error **err)
{
        struct stat st;
        int fd;

        if (fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : berth_err(err, errno, "stat `%s`", path);
        if (!S_ISDIR(st.st_mode)) {
                if (unlinkat(dirfd, path, 0) < 0 && errno != ENOENT)
                        return berth_err(err, errno, "unlink `%s`", path);
                return 0;
        }
        fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return berth_err(err, errno, "open `%s`", path);
        if (rm_rf_children(fd, st.st_dev, err) < 0)
                return berth_err_prefix(err, "remove `%s`", path);
        if (unlinkat(dirfd, path, AT_REMOVEDIR) < 0 && errno != ENOENT)
                return berth_err(err, errno, "rmdir `%s`", path);
        return 0;
}

int mark_fds_cloexec_from(int from)
{
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;

        if (sys_close_range((unsigned)from, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
                return 0;
        d = opendir("/proc/self/fd");
        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                char *end;
                long fd = strtol(de->d_name, &end, 10);
                if (*end || de->d_name[0] == '.' || fd < from || fd == dirfd(d))
                        continue;
                if (fcntl((int)fd, F_SETFD, FD_CLOEXEC) < 0)
                        return -errno;
        }
        return 0;
}
