/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's root filesystem: overlay(lower = the image's layers, top
 * first; upper and work in the container dir) on containers/<id>/rootfs.
 *
 * The new mount API adds the lower dirs one by one ("lowerdir+", Linux 6.8),
 * so an image of any number of layers mounts (mount(2) takes one page of
 * options, fsconfig 256 bytes per string). Older kernels get one "lowerdir="
 * string through mount(2); when that would not fit a page, each layer is
 * named through a short symlink in $root/layers/l/, reached through
 * /proc/self/fd so the length does not grow with $root.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/strv.h"
#include "base/xalloc.h"
#include "container/oci-config-internal.h"
#include "container/oci-config.h"
#include "store/layer-store.h"

#define MOUNT_DATA_MAX 4000 /* one page, less some room */

/* Tests force the mount(2) path, as on kernels without "lowerdir+". */
bool rootfs_mount_force_legacy;

static bool is_overlay_mount(const char *dir, const char *mountpoint)
{
        struct statfs sfs;
        struct stat a, b;

        if (statfs(mountpoint, &sfs) < 0 || sfs.f_type != OVERLAYFS_SUPER_MAGIC)
                return false;
        /* The store itself may live on an overlay: a mount point differs from its parent's device. */
        return stat(mountpoint, &a) == 0 && stat(dir, &b) == 0 && a.st_dev != b.st_dev;
}

/* The image's layers, top first; an image without layers gets an empty dir of the container's. */
static int lower_dirs(struct store *s, struct image *img, const char *dir, char ***ret, struct berth_error **err)
{
        char **v = NULL;

        for (size_t i = img->n_layers; i > 0; i--) {
                _cleanup_free_ char *p = layer_store_diff_path(s, img->chain_ids[i - 1]);
                v = strv_push(v, p);
        }
        if (!v) {
                _cleanup_free_ char *empty = xasprintf("%s/lower-empty", dir);
                if (mkdir(empty, 0755) < 0 && errno != EEXIST)
                        return berth_err(err, errno, "mkdir `%s`", empty);
                v = strv_push(v, empty);
        }
        *ret = v;
        return 0;
}

static int fsconfig_str(int fd, const char *key, const char *value, struct berth_error **err)
{
        if (fsconfig(fd, FSCONFIG_SET_STRING, key, value, 0) < 0)
                return berth_err(err, errno, "overlay option %s=%s", key, value);
        return 0;
}

/* Returns -EOPNOTSUPP (no error set) when the kernel lacks "lowerdir+". */
static int mount_new_api(char **lowers, const char *upper, const char *work, const char *target,
                         struct berth_error **err)
{
        _cleanup_close_ int fs = -EBADF, mnt = -EBADF;
        int r;

        if (rootfs_mount_force_legacy)
                return -EOPNOTSUPP;
        fs = fsopen("overlay", FSOPEN_CLOEXEC);
        if (fs < 0)
                return errno == ENOSYS ? -EOPNOTSUPP : berth_err(err, errno, "fsopen overlay");
        if (fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir+", lowers[0], 0) < 0)
                return errno == EINVAL ? -EOPNOTSUPP : berth_err(err, errno, "overlay lowerdir+ %s", lowers[0]);
        for (size_t i = 1; lowers[i]; i++)
                if ((r = fsconfig_str(fs, "lowerdir+", lowers[i], err)) < 0)
                        return r;
        if ((r = fsconfig_str(fs, "upperdir", upper, err)) < 0 || (r = fsconfig_str(fs, "workdir", work, err)) < 0)
                return r;
        /* Lower dirs are shared by every container of the image: no origin index ties them to one upper. */
        (void)fsconfig(fs, FSCONFIG_SET_STRING, "index", "off", 0);
        if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return berth_err(err, errno, "create overlay (%zu layers)", strv_length(lowers));
        mnt = fsmount(fs, FSMOUNT_CLOEXEC, 0);
        if (mnt < 0)
                return berth_err(err, errno, "fsmount overlay");
        if (move_mount(mnt, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                return berth_err(err, errno, "move overlay onto `%s`", target);
        return 0;
}

/* $root/layers/l/<10 hex of the chain> -> ../<chain>/diff, made once; a clash keeps the long path. */
static char *short_link(struct store *s, const char *lower)
{
        const char *chain = strrchr(lower, '/');
        _cleanup_free_ char *hex = NULL, *target = NULL, *link = NULL;

        /* lower is "$root/layers/<hex>/diff": take <hex>. */
        size_t end = (size_t)(chain - lower), start = end;
        while (start > 0 && lower[start - 1] != '/')
                start--;
        hex = xasprintf("%.*s", (int)(end - start), lower + start);
        target = xasprintf("../%s/diff", hex);
        link = xasprintf("l/%.10s", hex);
        (void)mkdirat(s->layers_fd, "l", 0700);
        if (symlinkat(target, s->layers_fd, link) < 0 && errno != EEXIST)
                return xstrdup(lower);
        char have[256];
        ssize_t n = readlinkat(s->layers_fd, link, have, sizeof(have) - 1);
        if (n < 0 || (have[n] = '\0', !streq(have, target)))
                return xstrdup(lower);
        return xasprintf("/proc/self/fd/%d/%s", s->layers_fd, link);
}

static int mount_legacy(struct store *s, char **lowers, const char *upper, const char *work, const char *target,
                        struct berth_error **err)
{
        _cleanup_free_ char *data = NULL, *joined = NULL;
        size_t n = strv_length(lowers), len = 0;

        for (size_t i = 0; i < n; i++)
                len += strlen(lowers[i]) + 1;
        joined = xmalloc(len + n * 40 + 1);
        joined[0] = '\0';
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *l = len + 200 > MOUNT_DATA_MAX && strstr(lowers[i], "/layers/")
                                                 ? short_link(s, lowers[i])
                                                 : xstrdup(lowers[i]);
                if (i)
                        strcat(joined, ":");
                strcat(joined, l);
        }
        data = xasprintf("lowerdir=%s,upperdir=%s,workdir=%s,index=off", joined, upper, work);
        if (strlen(data) > MOUNT_DATA_MAX)
                return berth_err_msg(err, E2BIG, "overlay options for %zu layers exceed a page", n);
        if (mount("overlay", target, "overlay", 0, data) < 0)
                return berth_err(err, errno, "mount overlay on `%s` (%zu layers)", target, n);
        return 0;
}

int container_rootfs_mount(struct store *s, struct container *c, struct image *img, struct berth_error **err)
{
        _cleanup_free_ char *dir = container_dir(s, c->id), *target = xasprintf("%s/rootfs", dir);
        _cleanup_free_ char *upper = xasprintf("%s/upper", dir), *work = xasprintf("%s/work", dir);
        _cleanup_strv_ char **lowers = NULL;
        int r;

        if (is_overlay_mount(dir, target))
                return 0;
        for (size_t i = 0; i < img->n_layers; i++)
                if (!layer_store_exists(s, img->chain_ids[i]))
                        return berth_err_msg(err, ENOENT, "layer %s of image %s is missing (berth system check)",
                                             img->chain_ids[i], img->id);
        r = lower_dirs(s, img, dir, &lowers, err);
        if (r < 0)
                return r;
        r = mount_new_api(lowers, upper, work, target, err);
        if (r == -EOPNOTSUPP)
                r = mount_legacy(s, lowers, upper, work, target, err);
        if (r < 0)
                return berth_err_prefix(err, "container %.12s: root filesystem", c->id);
        return 0;
}

int container_rootfs_umount(struct store *s, struct container *c, struct berth_error **err)
{
        _cleanup_free_ char *target = xasprintf("%s/containers/%s/rootfs", s->root, c->id);

        if (umount2(target, MNT_DETACH) < 0 && errno != ENOENT && errno != EINVAL)
                return berth_err(err, errno, "unmount `%s`", target);
        return 0;
}
