/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The three phases of the container's filesystem (see rootfs.h), run by the
 * container's init in its new mount namespace, in this order:
 * rootfs_prepare, rootfs_pivot, rootfs_finalize.
 */
#include "runtime/rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "base/chase.h"
#include "base/cleanup.h"
#include "base/syscalls.h"
#include "base/xalloc.h"
#include "runtime/mounts-internal.h"

/* Undoes mountinfo's octal escapes (\040 for a space) in place. */
static void mountinfo_unescape(char *s)
{
        char *w = s;

        for (; *s; s++) {
                if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
                    s[3] >= '0' && s[3] <= '7') {
                        *w++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
                        s += 3;
                } else
                        *w++ = *s;
        }
        *w = '\0';
}

static bool path_has_prefix(const char *path, const char *mnt)
{
        size_t n = strlen(mnt);

        if (streq(mnt, "/"))
                return true;
        return strncmp(path, mnt, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/*
 * pivot_root refuses a new root whose parent mount is shared. Finds the mount
 * that holds the rootfs (the topmost with the longest matching mount point)
 * and makes it private when it is shared, as "rshared" rootfsPropagation does.
 */
static int rootfs_parent_private(const char *rootfs, struct berth_error **err)
{
        _cleanup_free_ char *real = NULL, *best = NULL, *line = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        bool best_shared = false;
        size_t cap = 0;

        real = realpath(rootfs, NULL);
        if (!real)
                return berth_err(err, errno, "realpath `%s`", rootfs);
        f = fopen("/proc/self/mountinfo", "re");
        if (!f)
                return berth_err(err, errno, "open /proc/self/mountinfo");
        while (getline(&line, &cap, f) > 0) {
                char *fields[5] = {0}, *save = NULL, *sep, *tok;
                bool shared;
                size_t n = 0;

                /* The optional fields ("shared:N", "master:N") end at " - ". */
                sep = strstr(line, " - ");
                shared = sep && strstr(line, " shared:") && strstr(line, " shared:") < sep;
                for (tok = strtok_r(line, " ", &save); tok && n < ARRAY_SIZE(fields);
                     tok = strtok_r(NULL, " ", &save))
                        fields[n++] = tok;
                if (n < 5)
                        continue;
                mountinfo_unescape(fields[4]);
                if (!path_has_prefix(real, fields[4]) || (best && strlen(fields[4]) < strlen(best)))
                        continue;
                free(best);
                best = xstrdup(fields[4]);
                best_shared = shared;
        }
        if (best && best_shared && mount(NULL, best, NULL, MS_PRIVATE, NULL) < 0)
                return berth_err(err, errno, "make `%s` private", best);
        return 0;
}

int rootfs_prepare(const struct oci_spec *spec, const struct rootfs_options *o, struct berth_error **err)
{
        unsigned long prop =
            spec->rootfs_propagation ? spec->rootfs_propagation | MS_REC : MS_SLAVE | MS_REC;
        _cleanup_close_ int rootfs_fd = -EBADF;
        struct mount_ctx ctx;
        int r;

        if (!o->rootfs || o->rootfs[0] != '/')
                return berth_err_msg(err, EINVAL, "rootfs `%s` is not an absolute path",
                                     o->rootfs ? o->rootfs : "");
        /* Nothing we mount below may reach the host's mounts unless rootfsPropagation asks for it. */
        if (mount(NULL, "/", NULL, prop, NULL) < 0)
                return berth_err(err, errno, "set propagation of /");
        r = rootfs_parent_private(o->rootfs, err);
        if (r < 0)
                return r;
        /* pivot_root needs a mount point; the bind also keeps the host's view of the rootfs dir apart. */
        if (mount(o->rootfs, o->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
                return berth_err(err, errno, "bind rootfs `%s`", o->rootfs);
        rootfs_fd = open(o->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rootfs_fd < 0)
                return berth_err(err, errno, "open rootfs `%s`", o->rootfs);
        ctx = (struct mount_ctx){
            .rootfs_fd = rootfs_fd,
            .userns = spec->namespaces[OCI_NS_USER].present,
            .new_netns = spec->namespaces[OCI_NS_NETWORK].present && !spec->namespaces[OCI_NS_NETWORK].path,
            .cgroup = o->cgroup,
        };
        r = mounts_apply(spec, &ctx, err);
        if (r < 0)
                return r;
        return devices_setup(spec, &ctx, err);
}

int rootfs_pivot(const struct oci_spec *spec, const struct rootfs_options *o, struct berth_error **err)
{
        _cleanup_close_ int old_root = -EBADF, new_root = -EBADF;

        (void)spec;
        old_root = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
        if (old_root < 0)
                return berth_err(err, errno, "open /");
        new_root = open(o->rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
        if (new_root < 0)
                return berth_err(err, errno, "open rootfs `%s`", o->rootfs);
        if (fchdir(new_root) < 0)
                return berth_err(err, errno, "chdir to rootfs");
        if (o->no_pivot) {
                /* For a root on a ramfs, where pivot_root is not possible. The old root stays reachable. */
                if (mount(o->rootfs, "/", NULL, MS_MOVE, NULL) < 0)
                        return berth_err(err, errno, "move rootfs onto /");
                if (chroot(".") < 0)
                        return berth_err(err, errno, "chroot");
        } else {
                /* Stacks the old root on top of the new one, so no put_old directory is needed. */
                if (sys_pivot_root(".", ".") < 0)
                        return berth_err(err, errno, "pivot_root");
                if (fchdir(old_root) < 0)
                        return berth_err(err, errno, "chdir to old root");
                /* The detach must not propagate to the host's mounts. */
                if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
                        return berth_err(err, errno, "make old root rslave");
                if (umount2(".", MNT_DETACH) < 0)
                        return berth_err(err, errno, "detach old root");
        }
        if (chdir("/") < 0)
                return berth_err(err, errno, "chdir /");
        return 0;
}

/* /dev/null as the masking source: it must be the real 1:3, not something planted in its place. */
static int open_dev_null(int *fd, struct berth_error **err)
{
        struct stat st;

        if (*fd >= 0)
                return 0;
        *fd = open("/dev/null", O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (*fd < 0)
                return berth_err(err, errno, "open /dev/null");
        if (fstat(*fd, &st) < 0)
                return berth_err(err, errno, "stat /dev/null");
        if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != 1 || minor(st.st_rdev) != 3)
                return berth_err_msg(err, EPERM, "/dev/null is not the character device 1:3");
        return 0;
}

/* Resolves a masked or read-only path; a path the image does not have is not an error. */
static int resolve_optional(int root_fd, const char *path, int *ret_fd, struct berth_error **err)
{
        _cleanup_error_ struct berth_error *e = NULL;
        int r = chase_at(root_fd, path, 0, ret_fd, &e);

        if (r == -ENOENT || r == -ENOTDIR)
                return 0;
        if (r < 0)
                return berth_err_msg(err, -r, "%s", e->msg);
        return 1;
}

static int mask_path(int root_fd, const char *path, int *null_fd, struct berth_error **err)
{
        _cleanup_close_ int fd = -EBADF;
        char p[FD_PROC_PATH_MAX], pn[FD_PROC_PATH_MAX];
        struct stat st;
        int r;

        r = resolve_optional(root_fd, path, &fd, err);
        if (r <= 0)
                return r;
        if (fstat(fd, &st) < 0)
                return berth_err(err, errno, "stat `%s`", path);
        if (S_ISDIR(st.st_mode)) {
                if (mount("tmpfs", fd_proc_path(fd, p), "tmpfs",
                          MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0k") < 0)
                        return berth_err(err, errno, "mask directory `%s`", path);
                return 0;
        }
        r = open_dev_null(null_fd, err);
        if (r < 0)
                return r;
        if (mount(fd_proc_path(*null_fd, pn), fd_proc_path(fd, p), NULL, MS_BIND, NULL) < 0)
                return berth_err(err, errno, "mask `%s`", path);
        return 0;
}

static int readonly_path(int root_fd, const char *path, struct berth_error **err)
{
        _cleanup_close_ int fd = -EBADF, mnt = -EBADF;
        char p[FD_PROC_PATH_MAX];
        int r;

        r = resolve_optional(root_fd, path, &fd, err);
        if (r <= 0)
                return r;
        if (mount(fd_proc_path(fd, p), p, NULL, MS_BIND | MS_REC, NULL) < 0)
                return berth_err(err, errno, "bind `%s` onto itself", path);
        /* fd still names the covered inode; the new mount is found by resolving again. */
        r = chase_at(root_fd, path, 0, &mnt, err);
        if (r < 0)
                return r;
        r = mount_set_flags(mnt, MS_RDONLY, 0, true, true, err);
        if (r < 0)
                return berth_err_prefix(err, "make `%s` read-only", path);
        return 0;
}

int rootfs_finalize(const struct oci_spec *spec, struct berth_error **err)
{
        _cleanup_close_ int root_fd = -EBADF, null_fd = -EBADF;
        int r;

        root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0)
                return berth_err(err, errno, "open /");
        for (char **p = spec->readonly_paths; p && *p; p++) {
                r = readonly_path(root_fd, *p, err);
                if (r < 0)
                        return r;
        }
        for (char **p = spec->masked_paths; p && *p; p++) {
                r = mask_path(root_fd, *p, &null_fd, err);
                if (r < 0)
                        return berth_err_prefix(err, "masked path");
        }
        if (spec->root_readonly) {
                r = mount_set_flags(root_fd, MS_RDONLY, 0, false, true, err);
                if (r < 0)
                        return berth_err_prefix(err, "make / read-only");
        }
        /* Applied last, as runc does, so the mounts made above did not travel with it. */
        if (spec->rootfs_propagation && mount(NULL, "/", NULL, spec->rootfs_propagation | MS_REC, NULL) < 0)
                return berth_err(err, errno, "set propagation of /");
        return 0;
}
