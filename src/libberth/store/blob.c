/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs-util.h"
#include "base/xalloc.h"
#include "store/store.h"

static const char *hex_of(const char *digest)
{
        return digest + strlen(DIGEST_PREFIX);
}

static int check_digest(const char *digest, struct berth_error **err)
{
        if (!digest || !digest_valid(digest))
                return berth_err_msg(err, EINVAL, "invalid digest `%s`", digest ? digest : "");
        return 0;
}

int blob_writer_open(struct store *s, struct blob_writer *w, struct berth_error **err)
{
        *w = (struct blob_writer){ .store = s, .fd = -EBADF };
        w->fd = openat(s->blobs_fd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0644);
        if (w->fd < 0)
                return berth_err(err, errno, "create a temporary blob");
        digest_init(&w->digest);
        w->open = true;
        return 0;
}

int blob_writer_write(struct blob_writer *w, const void *buf, size_t len, struct berth_error **err)
{
        digest_update(&w->digest, buf, len);
        if (write_all(w->fd, buf, len) < 0)
                return berth_err(err, errno, "write blob");
        w->size += len;
        return 0;
}

void blob_writer_release(struct blob_writer *w)
{
        if (w->open)
                digest_release(&w->digest);
        w->open = false;
        if (w->fd >= 0)
                close(w->fd);
        w->fd = -EBADF;
}

/*
 * The blob gets its name only after its digest is known, checked and
 * fsynced: a crash or a bad digest leaves nothing behind.
 */
int blob_writer_commit(struct blob_writer *w, const char *expected, char ret_digest[static DIGEST_STRING_MAX],
                       uint64_t *ret_size, struct berth_error **err)
{
        char digest[DIGEST_STRING_MAX], path[64];
        int r = 0;

        digest_final(&w->digest, digest);
        w->open = false;
        if (expected && strcmp(expected, digest) != 0)
                r = berth_err_msg(err, EBADMSG, "digest mismatch: expected %s, got %s", expected, digest);
        else if (fsync(w->fd) < 0)
                r = berth_err(err, errno, "fsync blob");
        if (r == 0) {
                snprintf(path, sizeof(path), "/proc/self/fd/%d", w->fd);
                if (linkat(AT_FDCWD, path, w->store->blobs_fd, hex_of(digest), AT_SYMLINK_FOLLOW) < 0 &&
                    errno != EEXIST)
                        r = berth_err(err, errno, "store blob %s", digest);
        }
        if (r == 0) {
                memcpy(ret_digest, digest, DIGEST_STRING_MAX);
                if (ret_size)
                        *ret_size = w->size;
        }
        blob_writer_release(w);
        return r;
}

int blob_put_fd(struct store *s, int fd, const char *expected, char ret_digest[static DIGEST_STRING_MAX],
                uint64_t *ret_size, struct berth_error **err)
{
        struct blob_writer w;
        char buf[1 << 16];
        int r;

        if (expected && (r = check_digest(expected, err)) < 0)
                return r;
        r = blob_writer_open(s, &w, err);
        if (r < 0)
                return r;
        for (;;) {
                ssize_t n = read(fd, buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        blob_writer_release(&w);
                        return berth_err(err, errno, "read blob");
                }
                if (n == 0)
                        break;
                if ((r = blob_writer_write(&w, buf, (size_t)n, err)) < 0) {
                        blob_writer_release(&w);
                        return r;
                }
        }
        return blob_writer_commit(&w, expected, ret_digest, ret_size, err);
}

int blob_put_buf(struct store *s, const void *buf, size_t len, const char *expected,
                 char ret_digest[static DIGEST_STRING_MAX], struct berth_error **err)
{
        struct blob_writer w;
        int r;

        digest_buffer(buf, len, ret_digest);
        if (expected && strcmp(expected, ret_digest) != 0)
                return berth_err_msg(err, EBADMSG, "digest mismatch: expected %s, got %s", expected,
                                     ret_digest);
        if (blob_exists(s, ret_digest))
                return 0;
        r = blob_writer_open(s, &w, err);
        if (r == 0 && (r = blob_writer_write(&w, buf, len, err)) < 0)
                blob_writer_release(&w);
        if (r < 0)
                return r;
        return blob_writer_commit(&w, expected, ret_digest, NULL, err);
}

int blob_open(struct store *s, const char *digest, int *ret_fd, struct berth_error **err)
{
        int r = check_digest(digest, err), fd;

        if (r < 0)
                return r;
        fd = openat(s->blobs_fd, hex_of(digest), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) {
                if (errno == ENOENT)
                        return berth_err_msg(err, ENOENT, "blob %s not found", digest);
                return berth_err(err, errno, "open blob %s", digest);
        }
        *ret_fd = fd;
        return 0;
}

int blob_read(struct store *s, const char *digest, size_t max, char **ret, size_t *ret_len,
              struct berth_error **err)
{
        int r = check_digest(digest, err);

        if (r < 0)
                return r;
        r = read_file_at(s->blobs_fd, hex_of(digest), max, ret, ret_len, err);
        if (r == -ENOENT) {
                berth_error_freep(err);
                return berth_err_msg(err, ENOENT, "blob %s not found", digest);
        }
        return r;
}

bool blob_exists(struct store *s, const char *digest)
{
        return digest_valid(digest) && faccessat(s->blobs_fd, hex_of(digest), F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

int blob_size(struct store *s, const char *digest, uint64_t *ret, struct berth_error **err)
{
        struct stat st;
        int r = check_digest(digest, err);

        if (r < 0)
                return r;
        if (fstatat(s->blobs_fd, hex_of(digest), &st, AT_SYMLINK_NOFOLLOW) < 0)
                return berth_err(err, errno, "blob %s", digest);
        *ret = (uint64_t)st.st_size;
        return 0;
}

int blob_remove(struct store *s, const char *digest, struct berth_error **err)
{
        int r = check_digest(digest, err);

        if (r < 0)
                return r;
        if (unlinkat(s->blobs_fd, hex_of(digest), 0) < 0 && errno != ENOENT)
                return berth_err(err, errno, "remove blob %s", digest);
        return 0;
}
