/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Device nodes in the container's /dev, made after the mounts. Nodes are
 * created relative to a directory fd resolved inside the rootfs; an existing
 * entry is inspected without following it, so a symlink planted by the image
 * (dev/null -> /proc/sys/kernel/core_pattern) is refused, never written
 * through. In a user namespace mknod is not allowed: the host's node is bound
 * onto an empty file instead.
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
#include <sys/sysmacros.h>
#include <unistd.h>

#include "base/chase.h"
#include "base/cleanup.h"
#include "base/xalloc.h"

struct dev_node {
        const char *path;
        mode_t type; /* S_IFCHR, S_IFBLK, S_IFIFO */
        dev_t rdev;
        mode_t mode;
        uid_t uid;
        gid_t gid;
};

static const struct {
        const char *path;
        unsigned major, minor;
} default_devices[] = {
    {"/dev/null", 1, 3},   {"/dev/zero", 1, 5},    {"/dev/full", 1, 7},
    {"/dev/random", 1, 8}, {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0},
};

static const char *node_kind(mode_t type)
{
        return type == S_IFCHR ? "character device" : type == S_IFBLK ? "block device" : "fifo";
}

/* An existing entry is fine only when it already is the node we want (or our bind placeholder). */
static int device_check_existing(const struct dev_node *d, const struct stat *st, bool placeholder_ok,
                                 struct berth_error **err)
{
        if (S_ISLNK(st->st_mode))
                return berth_err_msg(err, EEXIST, "refusing to create device `%s` over a symlink", d->path);
        if (placeholder_ok && S_ISREG(st->st_mode))
                return 0;
        if ((st->st_mode & S_IFMT) != d->type || (d->type != S_IFIFO && st->st_rdev != d->rdev))
                return berth_err_msg(err, EEXIST, "`%s` exists and is not the %s %u:%u", d->path,
                                     node_kind(d->type), major(d->rdev), minor(d->rdev));
        return 0;
}

/* In a user namespace: the host's node, checked, bound onto an empty file at name. */
static int device_bind(int dir_fd, const char *name, const struct dev_node *d, struct berth_error **err)
{
        _cleanup_close_ int src = -EBADF, tgt = -EBADF;
        char ps[FD_PROC_PATH_MAX], pt[FD_PROC_PATH_MAX];
        struct stat st;

        src = open(d->path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (src < 0)
                return berth_err(err, errno, "open host device `%s`", d->path);
        if (fstat(src, &st) < 0)
                return berth_err(err, errno, "stat host device `%s`", d->path);
        if ((st.st_mode & S_IFMT) != d->type || st.st_rdev != d->rdev)
                return berth_err_msg(err, ENODEV, "host `%s` is not the %s %u:%u", d->path,
                                     node_kind(d->type), major(d->rdev), minor(d->rdev));
        tgt = openat(dir_fd, name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0000);
        if (tgt < 0)
                return berth_err(err, errno, "create `%s`", d->path);
        if (fstat(tgt, &st) < 0)
                return berth_err(err, errno, "stat `%s`", d->path);
        if (!S_ISREG(st.st_mode))
                return berth_err_msg(err, EEXIST, "`%s` is not a regular file", d->path);
        if (mount(fd_proc_path(src, ps), fd_proc_path(tgt, pt), NULL, MS_BIND, NULL) < 0)
                return berth_err(err, errno, "bind host device `%s`", d->path);
        return 0;
}

/* Mode and owner, on the node just checked through a fd that cannot be a symlink. */
static int device_fix_perms(int dir_fd, const char *name, const struct dev_node *d, struct berth_error **err)
{
        _cleanup_close_ int fd = -EBADF;
        char p[FD_PROC_PATH_MAX];
        struct stat st;
        int r;

        fd = openat(dir_fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return berth_err(err, errno, "open `%s`", d->path);
        if (fstat(fd, &st) < 0)
                return berth_err(err, errno, "stat `%s`", d->path);
        r = device_check_existing(d, &st, false, err);
        if (r < 0)
                return r;
        if (fchownat(fd, "", d->uid, d->gid, AT_EMPTY_PATH) < 0)
                return berth_err(err, errno, "chown `%s`", d->path);
        /* mknod applied the umask; chmod through the fd, as O_PATH has no fchmod. */
        if (chmod(fd_proc_path(fd, p), d->mode & 07777) < 0)
                return berth_err(err, errno, "chmod `%s`", d->path);
        return 0;
}

static int device_create(const struct mount_ctx *ctx, const struct dev_node *d, struct berth_error **err)
{
        _cleanup_free_ char *dir = xstrdup(d->path);
        _cleanup_close_ int dir_fd = -EBADF;
        bool bind = ctx->userns && d->type != S_IFIFO;
        char *name = strrchr(dir, '/');
        struct statfs sfs;
        struct stat st;
        int r;

        if (!name || !name[1] || streq(name + 1, ".") || streq(name + 1, ".."))
                return berth_err_msg(err, EINVAL, "bad device path `%s`", d->path);
        *name++ = '\0';
        r = chase_at(ctx->rootfs_fd, *dir ? dir : "/", CHASE_MKDIR, &dir_fd, err);
        if (r < 0)
                return r;
        if (fstatfs(dir_fd, &sfs) < 0)
                return berth_err(err, errno, "statfs `%s`", dir);
        if ((unsigned long)sfs.f_type == PROC_SUPER_MAGIC || (unsigned long)sfs.f_type == SYSFS_MAGIC)
                return berth_err_msg(err, EPERM, "device `%s` resolves into procfs or sysfs: refusing",
                                     d->path);
        if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
                r = device_check_existing(d, &st, bind, err);
                if (r < 0)
                        return r;
                if (bind && !S_ISREG(st.st_mode))
                        bind = false; /* already the right node (the image has it) */
                else if (!bind)
                        return device_fix_perms(dir_fd, name, d, err);
        } else if (errno != ENOENT)
                return berth_err(err, errno, "stat `%s`", d->path);
        else if (!bind && mknodat(dir_fd, name, d->type | (d->mode & 07777), d->rdev) < 0)
                return berth_err(err, errno, "mknod `%s`", d->path);
        if (bind)
                return device_bind(dir_fd, name, d, err);
        if (ctx->userns && d->type != S_IFIFO)
                return 0; /* the image's own node: ours to use, not to chown */
        return device_fix_perms(dir_fd, name, d, err);
}

static int device_from_spec(const struct oci_device *s, struct dev_node *d, struct berth_error **err)
{
        switch (s->type) {
        case 'c':
        case 'u':
                d->type = S_IFCHR;
                break;
        case 'b':
                d->type = S_IFBLK;
                break;
        case 'p':
                d->type = S_IFIFO;
                break;
        default:
                return berth_err_msg(err, EINVAL, "device `%s`: unknown type '%c'", s->path, s->type);
        }
        if (!s->path || s->path[0] != '/')
                return berth_err_msg(err, EINVAL, "device path `%s` is not absolute",
                                     s->path ? s->path : "");
        d->path = s->path;
        d->rdev = d->type == S_IFIFO ? 0 : makedev(s->major, s->minor);
        d->mode = s->has_mode ? s->file_mode : 0666;
        d->uid = s->uid;
        d->gid = s->gid;
        return 0;
}

static bool spec_has_device(const struct oci_spec *spec, const char *path)
{
        for (size_t i = 0; i < spec->n_devices; i++)
                if (spec->devices[i].path && streq(spec->devices[i].path, path))
                        return true;
        return false;
}

static const struct oci_mount *spec_mount_at(const struct oci_spec *spec, const char *top)
{
        const struct oci_mount *found = NULL;

        /* The last mount on a destination is the one that shows. */
        for (size_t i = 0; i < spec->n_mounts; i++)
                if (spec->mounts[i].destination && mount_path_is(spec->mounts[i].destination, top))
                        found = &spec->mounts[i];
        return found;
}

static bool mount_is_type(const struct oci_mount *m, const char *type)
{
        return m && !m->bind && m->type && streq(m->type, type);
}

/* /dev/fd and friends, and /dev/ptmx pointing into a devpts instance of our own. */
static int devices_symlinks(const struct oci_spec *spec, const struct mount_ctx *ctx,
                            struct berth_error **err)
{
        static const char *const links[][2] = {
            {"/proc/self/fd", "fd"},
            {"/proc/self/fd/0", "stdin"},
            {"/proc/self/fd/1", "stdout"},
            {"/proc/self/fd/2", "stderr"},
        };
        _cleanup_close_ int dev = -EBADF;
        struct stat st;
        int r;

        r = chase_at(ctx->rootfs_fd, "/dev", 0, &dev, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ARRAY_SIZE(links); i++)
                if (symlinkat(links[i][0], dev, links[i][1]) < 0 && errno != EEXIST)
                        return berth_err(err, errno, "symlink /dev/%s", links[i][1]);
        if (!mount_is_type(spec_mount_at(spec, "dev/pts"), "devpts"))
                return 0;
        if (fstatat(dev, "ptmx", &st, AT_SYMLINK_NOFOLLOW) == 0) {
                if (S_ISDIR(st.st_mode))
                        return berth_err_msg(err, EISDIR, "/dev/ptmx is a directory");
                if (unlinkat(dev, "ptmx", 0) < 0)
                        return berth_err(err, errno, "remove /dev/ptmx");
        }
        if (symlinkat("pts/ptmx", dev, "ptmx") < 0)
                return berth_err(err, errno, "symlink /dev/ptmx");
        return 0;
}

int devices_setup(const struct oci_spec *spec, const struct mount_ctx *ctx, struct berth_error **err)
{
        const struct oci_mount *dev = spec_mount_at(spec, "dev");
        bool dev_tmpfs = mount_is_type(dev, "tmpfs");
        int r;

        /* A /dev bound from the host already has its nodes. */
        if (dev && !dev_tmpfs && (dev->bind || (dev->type && streq(dev->type, "bind"))))
                return 0;
        if (dev_tmpfs)
                for (size_t i = 0; i < ARRAY_SIZE(default_devices); i++) {
                        struct dev_node d = {
                            .path = default_devices[i].path,
                            .type = S_IFCHR,
                            .rdev = makedev(default_devices[i].major, default_devices[i].minor),
                            .mode = 0666,
                        };
                        if (spec_has_device(spec, d.path))
                                continue;
                        r = device_create(ctx, &d, err);
                        if (r < 0)
                                return berth_err_prefix(err, "default device");
                }
        for (size_t i = 0; i < spec->n_devices; i++) {
                struct dev_node d;

                r = device_from_spec(&spec->devices[i], &d, err);
                if (r < 0)
                        return r;
                r = device_create(ctx, &d, err);
                if (r < 0)
                        return berth_err_prefix(err, "device");
        }
        return dev_tmpfs ? devices_symlinks(spec, ctx, err) : 0;
}
