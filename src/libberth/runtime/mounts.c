/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The mounts of config.json, made inside the container's mount namespace
 * before pivot_root. A rootfs is hostile input: each destination is resolved
 * with chase_at() below the rootfs fd, so a symlink such as
 * /dev/null -> /proc/sys/kernel/core_pattern or /x -> /../../etc cannot lead
 * a mount (or a mkdir) outside of it, and a target that ends on procfs or
 * sysfs without being asked for is refused.
 */
#include <linux/magic.h>

#include "runtime/mounts-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>

#include "base/chase.h"
#include "base/cleanup.h"
#include "base/syscalls.h"
#include "runtime/cgroup.h"

#define MS_PROPAGATION (MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE)
#define MS_ATIME_MASK (MS_NOATIME | MS_RELATIME | MS_STRICTATIME)
/* The flags that belong to a mount (not to its superblock): what a bind remount can change. */
#define MS_PER_MOUNT (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NODIRATIME | MS_ATIME_MASK)

const char *fd_proc_path(int fd, char buf[FD_PROC_PATH_MAX])
{
        snprintf(buf, FD_PROC_PATH_MAX, "/proc/self/fd/%d", fd);
        return buf;
}

/* Skips slashes and "." components; returns NULL at a ".." component. */
static const char *path_skip_dots(const char *p)
{
        for (;;) {
                while (*p == '/')
                        p++;
                if (p[0] == '.' && (p[1] == '/' || !p[1])) {
                        p++;
                        continue;
                }
                if (p[0] == '.' && p[1] == '.' && (p[2] == '/' || !p[2]))
                        return NULL;
                return p;
        }
}

bool mount_path_under(const char *path, const char *top)
{
        size_t n = strlen(top);
        const char *p = path_skip_dots(path), *q;

        if (!p || strncmp(p, top, n) != 0 || (p[n] != '\0' && p[n] != '/'))
                return false;
        /* The rest must not climb back out with "..". */
        for (q = p + n; q && *q;) {
                q = path_skip_dots(q);
                if (!q)
                        return false;
                q += strcspn(q, "/");
        }
        return true;
}

bool mount_path_is(const char *path, const char *top)
{
        size_t n = strlen(top);
        const char *p = path_skip_dots(path);

        if (!p || strncmp(p, top, n) != 0 || (p[n] != '\0' && p[n] != '/'))
                return false;
        p = path_skip_dots(p + n);
        return p && *p == '\0';
}

static unsigned long statfs_to_ms(unsigned long f)
{
        unsigned long ms = 0;

        if (f & ST_RDONLY)
                ms |= MS_RDONLY;
        if (f & ST_NOSUID)
                ms |= MS_NOSUID;
        if (f & ST_NODEV)
                ms |= MS_NODEV;
        if (f & ST_NOEXEC)
                ms |= MS_NOEXEC;
        if (f & ST_NOATIME)
                ms |= MS_NOATIME;
        if (f & ST_NODIRATIME)
                ms |= MS_NODIRATIME;
        if (f & ST_RELATIME)
                ms |= MS_RELATIME;
        return ms;
}

static uint64_t ms_to_attr(unsigned long ms)
{
        uint64_t a = 0;

        if (ms & MS_RDONLY)
                a |= MOUNT_ATTR_RDONLY;
        if (ms & MS_NOSUID)
                a |= MOUNT_ATTR_NOSUID;
        if (ms & MS_NODEV)
                a |= MOUNT_ATTR_NODEV;
        if (ms & MS_NOEXEC)
                a |= MOUNT_ATTR_NOEXEC;
        if (ms & MS_NODIRATIME)
                a |= MOUNT_ATTR_NODIRATIME;
        return a;
}

static int mount_setattr_flags(int fd, unsigned long flags, unsigned long clear, bool recursive,
                               unsigned long existing, bool keep_existing)
{
        struct mount_attr attr = {
            .attr_set = ms_to_attr(flags),
            .attr_clr = ms_to_attr(clear & ~flags),
        };
        unsigned at = AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0);

        /* Clearing a flag a user namespace locked is EPERM: leave those as they are. */
        if (keep_existing)
                attr.attr_clr &= ~ms_to_attr(existing);
        if (flags & MS_ATIME_MASK) {
                attr.attr_clr |= MOUNT_ATTR__ATIME;
                attr.attr_set |= (flags & MS_NOATIME)    ? MOUNT_ATTR_NOATIME
                                 : (flags & MS_RELATIME) ? MOUNT_ATTR_RELATIME
                                                         : MOUNT_ATTR_STRICTATIME;
        }
        if (sys_mount_setattr(fd, "", at, &attr, sizeof(attr)) == 0)
                return 0;
        if (errno == EPERM && keep_existing && (flags & MS_ATIME_MASK)) {
                /* The atime mode is locked too: keep it rather than fail the container. */
                attr.attr_clr &= ~(uint64_t)MOUNT_ATTR__ATIME;
                attr.attr_set &= ~(uint64_t)MOUNT_ATTR__ATIME;
                if (sys_mount_setattr(fd, "", at, &attr, sizeof(attr)) == 0)
                        return 0;
        }
        return -errno;
}

int mount_set_flags(int fd, unsigned long flags, unsigned long clear, bool recursive, bool keep_existing,
                    struct berth_error **err)
{
        char p[FD_PROC_PATH_MAX];
        unsigned long existing, keep = 0;
        struct statfs sfs;
        int r;

        flags &= MS_PER_MOUNT;
        clear &= MS_PER_MOUNT;
        if (!flags && !clear)
                return 0;
        if (fstatfs(fd, &sfs) < 0)
                return berth_err(err, errno, "statfs mount");
        existing = statfs_to_ms(sfs.f_flags);
        r = mount_setattr_flags(fd, flags, clear, recursive, existing, keep_existing);
        if (r == 0)
                return 0;
        if (r != -ENOSYS)
                return berth_err(err, -r, "set mount flags");
        /* Old kernels: one remount of the top mount, which replaces every per-mount flag. */
        if (keep_existing)
                keep = existing & ~((flags & MS_ATIME_MASK) ? (unsigned long)MS_ATIME_MASK : 0UL);
        if (mount(NULL, fd_proc_path(fd, p), NULL, MS_REMOUNT | MS_BIND | flags | keep, NULL) < 0)
                return berth_err(err, errno, "remount");
        return 0;
}

static bool fs_is(const struct statfs *s, unsigned long magic)
{
        return (unsigned long)s->f_type == magic;
}

/*
 * Resolves (and creates) a mount destination below the rootfs. A target that
 * lands on procfs or sysfs while the destination does not name /proc or /sys
 * went through a symlink planted in the rootfs: mounting there would hand the
 * container a writable view of a host knob (the core_pattern attack class).
 */
static int mount_target(const struct mount_ctx *ctx, const char *dest, bool file, int *ret_fd,
                        struct berth_error **err)
{
        _cleanup_close_ int fd = -EBADF;
        struct statfs sfs;
        int r;

        r = chase_at(ctx->rootfs_fd, dest, CHASE_MKDIR | (file ? CHASE_MKFILE_LAST : 0), &fd, err);
        if (r < 0)
                return r;
        if (fstatfs(fd, &sfs) < 0)
                return berth_err(err, errno, "statfs `%s`", dest);
        if (fs_is(&sfs, PROC_SUPER_MAGIC) && !mount_path_under(dest, "proc"))
                return berth_err_msg(err, EPERM, "mount destination `%s` resolves into procfs: refusing",
                                     dest);
        if (fs_is(&sfs, SYSFS_MAGIC) && !mount_path_under(dest, "sys"))
                return berth_err_msg(err, EPERM, "mount destination `%s` resolves into sysfs: refusing",
                                     dest);
        *ret_fd = TAKE_FD(fd);
        return 0;
}

static int fd_mnt_id(int fd, uint64_t *ret)
{
        struct statx stx;

        if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &stx) < 0)
                return -errno;
        if (!(stx.stx_mask & STATX_MNT_ID))
                return -EOPNOTSUPP;
        *ret = stx.stx_mnt_id;
        return 0;
}

/*
 * The fd of the mount just made on old_fd (which still names the covered
 * inode): the destination resolved again, and it must be a different mount.
 */
static int mount_reopen(const struct mount_ctx *ctx, const char *dest, int old_fd, int *ret_fd,
                        struct berth_error **err)
{
        _cleanup_close_ int fd = -EBADF;
        uint64_t a, b;
        int r;

        r = chase_at(ctx->rootfs_fd, dest, 0, &fd, err);
        if (r < 0)
                return berth_err_prefix(err, "reopen mount");
        if (fd_mnt_id(old_fd, &a) == 0 && fd_mnt_id(fd, &b) == 0 && a == b)
                return berth_err_msg(err, EBUSY, "mount on `%s` is not where it was made", dest);
        *ret_fd = TAKE_FD(fd);
        return 0;
}

static int mount_propagation(int fd, unsigned long propagation, struct berth_error **err)
{
        char p[FD_PROC_PATH_MAX];

        propagation &= MS_PROPAGATION | MS_REC;
        if (!(propagation & MS_PROPAGATION))
                return 0;
        if (mount(NULL, fd_proc_path(fd, p), NULL, propagation, NULL) < 0)
                return berth_err(err, errno, "set propagation");
        return 0;
}

/* Binds the host object src_fd onto dest, then applies flags and propagation to the new mount. */
static int mount_bind_fd(const struct mount_ctx *ctx, int src_fd, const char *dest, bool recursive,
                         unsigned long flags, unsigned long clear, unsigned long propagation,
                         struct berth_error **err)
{
        _cleanup_close_ int tgt = -EBADF, mnt = -EBADF;
        char ps[FD_PROC_PATH_MAX], pt[FD_PROC_PATH_MAX];
        struct stat ss, ts;
        int r;

        if (fstat(src_fd, &ss) < 0)
                return berth_err(err, errno, "stat bind source");
        r = mount_target(ctx, dest, !S_ISDIR(ss.st_mode), &tgt, err);
        if (r < 0)
                return r;
        if (fstat(tgt, &ts) < 0)
                return berth_err(err, errno, "stat `%s`", dest);
        if (S_ISDIR(ss.st_mode) != S_ISDIR(ts.st_mode))
                return berth_err_msg(err, S_ISDIR(ss.st_mode) ? ENOTDIR : EISDIR,
                                     "bind a %s onto `%s`, which is %s a directory",
                                     S_ISDIR(ss.st_mode) ? "directory" : "file", dest,
                                     S_ISDIR(ts.st_mode) ? "" : "not");
        if (mount(fd_proc_path(src_fd, ps), fd_proc_path(tgt, pt), NULL, MS_BIND | (recursive ? MS_REC : 0),
                  NULL) < 0)
                return berth_err(err, errno, "bind mount");
        r = mount_reopen(ctx, dest, tgt, &mnt, err);
        if (r < 0)
                return r;
        r = mount_set_flags(mnt, flags, clear, recursive, ctx->userns, err);
        if (r < 0)
                return r;
        return mount_propagation(mnt, propagation, err);
}

static int mount_bind_host(const struct mount_ctx *ctx, const struct oci_mount *m, const char *source,
                           bool recursive, unsigned long flags, struct berth_error **err)
{
        _cleanup_close_ int src = -EBADF;

        /* Relative sources are relative to the bundle, the process's cwd. */
        src = open(source, O_PATH | O_CLOEXEC);
        if (src < 0)
                return berth_err(err, errno, "open bind source `%s`", source);
        return mount_bind_fd(ctx, src, m->destination, recursive, flags, m->clear_flags, m->propagation,
                             err);
}

/* cgroupfs: the cgroup module knows the layout; without a cgroup, the host's tree read-only. */
static int mount_cgroup(const struct mount_ctx *ctx, const struct oci_mount *m, struct berth_error **err)
{
        _cleanup_close_ int tgt = -EBADF, mnt = -EBADF;
        int r;

        if (!ctx->cgroup)
                return mount_bind_host(ctx, m, "/sys/fs/cgroup", true, m->flags | MS_RDONLY, err);
        r = mount_target(ctx, m->destination, false, &tgt, err);
        if (r < 0)
                return r;
        r = cgroup_mount_in_rootfs(ctx->cgroup, tgt, m->flags & MS_RDONLY,
                                   m->flags & MS_PER_MOUNT & ~MS_RDONLY, err);
        if (r < 0)
                return r;
        if (!(m->propagation & MS_PROPAGATION))
                return 0;
        r = mount_reopen(ctx, m->destination, tgt, &mnt, err);
        if (r < 0)
                return r;
        return mount_propagation(mnt, m->propagation, err);
}

/* proc, sysfs, tmpfs, devpts, mqueue and any other filesystem by type. */
static int mount_fs(const struct mount_ctx *ctx, const struct oci_mount *m, struct berth_error **err)
{
        _cleanup_close_ int tgt = -EBADF, mnt = -EBADF;
        unsigned long flags = m->flags & ~(MS_PROPAGATION | MS_REC | MS_BIND);
        bool sysfs = streq(m->type, "sysfs");
        char p[FD_PROC_PATH_MAX];
        struct statfs sfs;
        int r;

        /* sysfs belongs to the network namespace's owner: a user namespace alone may not mount it. */
        if (sysfs && ctx->userns && !ctx->new_netns)
                return mount_bind_host(ctx, m, "/sys", true, m->flags, err);
        r = mount_target(ctx, m->destination, false, &tgt, err);
        if (r < 0)
                return r;
        if (mount(m->source ? m->source : m->type, fd_proc_path(tgt, p), m->type, flags, m->data) < 0) {
                if (errno == EPERM && sysfs && ctx->userns) {
                        closep(&tgt);
                        return mount_bind_host(ctx, m, "/sys", true, m->flags, err);
                }
                return berth_err(err, errno, "mount %s", m->type);
        }
        r = mount_reopen(ctx, m->destination, tgt, &mnt, err);
        if (r < 0)
                return r;
        if (fstatfs(mnt, &sfs) < 0)
                return berth_err(err, errno, "statfs");
        if (streq(m->type, "proc") && !fs_is(&sfs, PROC_SUPER_MAGIC))
                return berth_err_msg(err, EBADF, "mount of proc on `%s` is not procfs", m->destination);
        return mount_propagation(mnt, m->propagation, err);
}

static int mount_one(const struct mount_ctx *ctx, const struct oci_mount *m, struct berth_error **err)
{
        bool is_bind = m->bind || (m->type && (streq(m->type, "bind") || streq(m->type, "rbind")));

        if (!m->destination || !*m->destination)
                return berth_err_msg(err, EINVAL, "mount without a destination");
        if (is_bind) {
                if (!m->source)
                        return berth_err_msg(err, EINVAL, "bind mount without a source");
                return mount_bind_host(ctx, m, m->source,
                                       m->recursive || streq(m->type ? m->type : "", "rbind"), m->flags,
                                       err);
        }
        if (!m->type || !*m->type)
                return berth_err_msg(err, EINVAL, "mount without a type");
        if (streq(m->type, "cgroup") || streq(m->type, "cgroup2"))
                return mount_cgroup(ctx, m, err);
        return mount_fs(ctx, m, err);
}

int mounts_apply(const struct oci_spec *spec, const struct mount_ctx *ctx, struct berth_error **err)
{
        for (size_t i = 0; i < spec->n_mounts; i++) {
                const struct oci_mount *m = &spec->mounts[i];
                int r = mount_one(ctx, m, err);
                if (r < 0)
                        return berth_err_prefix(err, "mount `%s` (%s)", m->destination ? m->destination : "",
                                                m->type ? m->type : "bind");
        }
        return 0;
}
