/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Named network namespaces: an nsfs bind mount on an empty file, as `ip netns add` makes them, so a
 * namespace exists before (and independently of) the container's processes.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs-util.h"
#include "base/xalloc.h"
#include "network/network-internal.h"
#include "network/network.h"

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

char *netns_path(struct store *s, const char *container_id)
{
        return xasprintf("%s/netns/%s", s->runroot, container_id);
}

bool netns_exists(const char *path)
{
        struct statfs sf;

        return statfs(path, &sf) == 0 && (unsigned long)sf.f_type == NSFS_MAGIC;
}

/*
 * The directory holding the namespaces is a mount point of its own, with shared propagation in a
 * peer group of its own (what iproute2 does for /run/netns): a mount namespace cloned later (a
 * container being set up) gets a copy of every namespace file as a slave, and our unmount then
 * reaches that copy too instead of leaving it pinning the namespace. Nothing we mount there
 * propagates anywhere else, since the group is new.
 */
static int dir_prepare(const char *dir, struct berth_error **err)
{
        int r = mkdir_p(dir, 0700, err);

        if (r < 0)
                return r;
        if (mount(NULL, dir, NULL, MS_SHARED | MS_REC, NULL) == 0)
                return 0;
        if (errno != EINVAL) /* EINVAL: not a mount point yet */
                return berth_err(err, errno, "make `%s` shared", dir);
        if (mount(dir, dir, NULL, MS_BIND | MS_REC, NULL) < 0)
                return berth_err(err, errno, "bind mount `%s` on itself", dir);
        /* A new peer group first: shared right away would join the parent's (e.g. / or /run). */
        if (mount(NULL, dir, NULL, MS_PRIVATE, NULL) < 0 || mount(NULL, dir, NULL, MS_SHARED, NULL) < 0)
                return berth_err(err, errno, "make `%s` shared", dir);
        return 0;
}

/* unshare + bind mount of the new namespace, then back to the caller's. */
static int netns_mount_new(const char *path, struct berth_error **err)
{
        _cleanup_close_ int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        int r = 0;

        if (self < 0)
                return berth_err(err, errno, "open `/proc/thread-self/ns/net`");
        if (unshare(CLONE_NEWNET) < 0)
                return berth_err(err, errno, "create network namespace");
        if (mount("/proc/thread-self/ns/net", path, NULL, MS_BIND, NULL) < 0)
                r = berth_err(err, errno, "bind mount network namespace on `%s`", path);
        if (setns(self, CLONE_NEWNET) < 0) {
                /* Never observed; going on in the new namespace would configure the wrong one. */
                if (r >= 0)
                        (void)umount2(path, MNT_DETACH);
                berth_error_freep(err);
                return berth_err(err, errno, "return to the original network namespace");
        }
        return r;
}

int netns_create(const char *path, struct berth_error **err)
{
        _cleanup_free_ char *copy = xstrdup(path);
        int fd, r;
        NETWORK_LOCAL_ERR(err);

        r = dir_prepare(dirname(copy), err);
        if (r < 0)
                return r;
        fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0444);
        if (fd < 0 && errno == EEXIST) {
                if (netns_exists(path))
                        return berth_err_msg(err, EEXIST, "network namespace `%s` already exists", path);
                /* An empty file left by a crash between create and mount. */
                (void)unlink(path);
                fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0444);
        }
        if (fd < 0)
                return berth_err(err, errno, "create `%s`", path);
        close(fd);
        r = netns_mount_new(path, err);
        if (r < 0)
                (void)unlink(path);
        return r;
}

int netns_remove(const char *path, struct berth_error **err)
{
        if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
                return berth_err(err, errno, "unmount `%s`", path);
        if (unlink(path) < 0 && errno != ENOENT)
                return berth_err(err, errno, "remove `%s`", path);
        return 0;
}
