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

/*
 * Writes through an unnamed O_TMPFILE: the blob gets its name only after
 * its digest is known, checked and fsynced, so a crash or a bad digest
 * leaves nothing behind.
 */
static int blob_commit(struct store *s, int tmp, const char *digest, const char *expected, struct berth_error **err)
{
        char path[64];

        if (expected && strcmp(expected, digest) != 0)
                return berth_err_msg(err, EBADMSG, "digest mismatch: expected %s, got %s", expected, digest);
        if (fsync(tmp) < 0)
                return berth_err(err, errno, "fsync blob");
        snprintf(path, sizeof(path), "/proc/self/fd/%d", tmp);
        if (linkat(AT_FDCWD, path, s->blobs_fd, hex_of(digest), AT_SYMLINK_FOLLOW) < 0 && errno != EEXIST)
                return berth_err(err, errno, "store blob %s", digest);
        return 0;
}

static int blob_tmpfile(struct store *s, struct berth_error **err)
{
        int fd = openat(s->blobs_fd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0644);

        if (fd < 0)
                return berth_err(err, errno, "create a temporary blob");
        return fd;
}

int blob_put_fd(struct store *s, int fd, const char *expected, char ret_digest[static DIGEST_STRING_MAX],
                uint64_t *ret_size, struct berth_error **err)
{
        _cleanup_close_ int tmp = -EBADF;
        struct digest_ctx d;
        uint64_t size = 0;
        char buf[1 << 16];
        int r;

        if (expected && (r = check_digest(expected, err)) < 0)
                return r;
        tmp = blob_tmpfile(s, err);
        if (tmp < 0)
                return tmp;
        digest_init(&d);
        for (;;) {
                ssize_t n = read(fd, buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        digest_release(&d);
                        return berth_err(err, errno, "read blob");
                }
                if (n == 0)
                        break;
                digest_update(&d, buf, (size_t)n);
                if (write_all(tmp, buf, (size_t)n) < 0) {
                        digest_release(&d);
                        return berth_err(err, errno, "write blob");
                }
                size += (uint64_t)n;
        }
        digest_final(&d, ret_digest);
        r = blob_commit(s, tmp, ret_digest, expected, err);
        if (r == 0 && ret_size)
                *ret_size = size;
        return r;
}

int blob_put_buf(struct store *s, const void *buf, size_t len, const char *expected,
                 char ret_digest[static DIGEST_STRING_MAX], struct berth_error **err)
{
        _cleanup_close_ int tmp = -EBADF;

        digest_buffer(buf, len, ret_digest);
        if (blob_exists(s, ret_digest))
                return expected && strcmp(expected, ret_digest)
                               ? berth_err_msg(err, EBADMSG, "digest mismatch: expected %s, got %s", expected,
                                               ret_digest)
                               : 0;
        tmp = blob_tmpfile(s, err);
        if (tmp < 0)
                return tmp;
        if (write_all(tmp, buf, len) < 0)
                return berth_err(err, errno, "write blob");
        return blob_commit(s, tmp, ret_digest, expected, err);
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
