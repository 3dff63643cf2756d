/* SPDX-License-Identifier: Apache-2.0 */
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs-util.h"
#include "base/xalloc.h"

static int open_dir(int dirfd, const char *path, int *ret, struct berth_error **err)
{
        if (mkdirat(dirfd, path, 0700) < 0 && errno != EEXIST)
                return berth_err(err, errno, "mkdir `%s`", path);
        *ret = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (*ret < 0)
                return berth_err(err, errno, "open `%s`", path);
        return 0;
}

int store_open(const char *root, const char *runroot, struct store **ret, struct berth_error **err)
{
        struct store *s;
        int blobs = -1, r;

        r = mkdir_p(root, 0700, err);
        if (r < 0)
                return berth_err_prefix(err, "store");
        s = xmalloc(sizeof(*s));
        s->root_fd = s->blobs_fd = s->layers_fd = s->images_fd = -1;
        s->root = xstrdup(root);
        s->runroot = xstrdup(runroot);
        s->root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (s->root_fd < 0) {
                r = berth_err(err, errno, "open store `%s`", root);
                goto fail;
        }
        if ((r = open_dir(s->root_fd, "blobs", &blobs, err)) < 0 ||
            (r = open_dir(blobs, "sha256", &s->blobs_fd, err)) < 0 ||
            (r = open_dir(s->root_fd, "layers", &s->layers_fd, err)) < 0 ||
            (r = open_dir(s->root_fd, "images", &s->images_fd, err)) < 0)
                goto fail;
        close(blobs);
        *ret = s;
        return 0;
fail:
        if (blobs >= 0)
                close(blobs);
        store_free(s);
        return berth_err_prefix(err, "store `%s`", root);
}

struct store *store_free(struct store *s)
{
        if (!s)
                return NULL;
        for (int *fd = &s->root_fd; fd <= &s->images_fd; fd++)
                if (*fd >= 0)
                        close(*fd);
        free(s->root);
        free(s->runroot);
        free(s);
        return NULL;
}

void store_freep(struct store **s)
{
        *s = store_free(*s);
}

int store_lock(struct store *s, int *ret_fd, struct berth_error **err)
{
        int fd = openat(s->images_fd, ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);

        if (fd < 0)
                return berth_err(err, errno, "open the store lock");
        while (flock(fd, LOCK_EX) < 0) {
                if (errno != EINTR) {
                        int e = errno;
                        close(fd);
                        return berth_err(err, e, "lock the store");
                }
        }
        *ret_fd = fd;
        return 0;
}

void store_unlock(int fd)
{
        if (fd >= 0)
                close(fd); /* closing drops the flock */
}
