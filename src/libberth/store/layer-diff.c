/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Layer creation (commit, export of a container's changes): a pax tar of a
 * directory, reproducible (entries sorted, only the metadata we choose), with
 * overlay whiteouts turned back into the OCI ".wh." names. The diff-id is
 * hashed from the uncompressed tar bytes as libarchive writes them.
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <zlib.h>

#include "base/cleanup.h"
#include "base/fs-util.h"
#include "base/xalloc.h"
#include "store/digest.h"
#include "store/layer-apply.h"

#define DIFF_BUF_SIZE (1U << 20)
#define DIFF_MAX_DEPTH 512
#define XATTR_LIST_MAX_SIZE (64U << 10)

/* (dev, ino) of a file with several links -> the first path written, for hardlink entries. */
struct link_node {
        dev_t dev;
        ino_t ino;
        char *path;
        struct link_node *next;
};

struct diff_ctx {
        int out_fd;
        unsigned flags;
        struct archive *a;
        struct digest_ctx digest;
        z_stream z;
        bool z_ready;
        uint8_t *zbuf;
        uint8_t *buf;
        struct link_node *links[4096];
        struct berth_error *write_error;
};

static int diff_out(struct diff_ctx *c, const void *buf, size_t len)
{
        if (write_all(c->out_fd, buf, len) < 0)
                return berth_err(&c->write_error, errno, "write layer");
        return 0;
}

static int diff_deflate(struct diff_ctx *c, const void *buf, size_t len, int flush)
{
        int r;

        c->z.next_in = (Bytef *)buf;
        c->z.avail_in = (uInt)len;
        do {
                c->z.next_out = c->zbuf;
                c->z.avail_out = DIFF_BUF_SIZE;
                r = deflate(&c->z, flush);
                if (r == Z_STREAM_ERROR)
                        return berth_err_msg(&c->write_error, EIO, "gzip: deflate failed");
                if (diff_out(c, c->zbuf, DIFF_BUF_SIZE - c->z.avail_out) < 0)
                        return -1;
        } while (c->z.avail_out == 0 || (flush == Z_FINISH && r != Z_STREAM_END));
        return 0;
}

static la_ssize_t diff_archive_write(struct archive *a, void *data, const void *buf, size_t len)
{
        struct diff_ctx *c = data;
        int r;

        digest_update(&c->digest, buf, len);
        r = c->z_ready ? diff_deflate(c, buf, len, Z_NO_FLUSH) : diff_out(c, buf, len);
        if (r < 0) {
                archive_set_error(a, c->write_error->code, "%s", c->write_error->msg);
                return -1;
        }
        return (la_ssize_t)len;
}

static int diff_fail(struct diff_ctx *c, const char *path, struct berth_error **err)
{
        if (c->write_error) {
                *err = TAKE_PTR(c->write_error);
                return -(*err)->code;
        }
        return berth_err_msg(err, EIO, "write layer entry `%s`: %s", path,
                             archive_error_string(c->a) ?: "unknown error");
}

static int name_cmp(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names in a directory (without . and ..): sorting makes the tar reproducible. */
static int read_dir_sorted(int dfd, char ***ret, size_t *ret_n, struct berth_error **err)
{
        /* Not a dup: a dup shares the offset, so a directory listed twice would come back empty. */
        int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_closedir_ DIR *d = NULL;
        char **names = NULL;
        size_t n = 0, cap = 0;
        struct dirent *de;

        if (fd < 0)
                return berth_err(err, errno, "open directory");
        d = fdopendir(fd);
        if (!d) {
                close(fd);
                return berth_err(err, errno, "opendir");
        }
        rewinddir(d);
        while ((errno = 0, de = readdir(d))) {
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (n == cap) {
                        cap = cap ? cap * 2 : 32;
                        names = xrealloc(names, cap * sizeof(*names));
                }
                names[n++] = xstrdup(de->d_name);
        }
        if (errno != 0) {
                for (size_t i = 0; i < n; i++)
                        free(names[i]);
                free(names);
                return berth_err(err, errno, "readdir");
        }
        if (n > 0)
                qsort(names, n, sizeof(*names), name_cmp);
        *ret = names;
        *ret_n = n;
        return 0;
}

static bool xattr_exported(const char *name)
{
        if (strncmp(name, "trusted.overlay.", 16) == 0 || strncmp(name, "user.overlay.", 13) == 0)
                return false;
        return strncmp(name, "user.", 5) == 0 || strncmp(name, "trusted.", 8) == 0 ||
               streq(name, "security.capability");
}

/* Adds the exported xattrs of path (not followed) to e; names are listed sorted for reproducibility. */
static int diff_xattrs(struct archive_entry *e, const char *path, const char *rel, struct berth_error **err)
{
        _cleanup_free_ char *list = xmalloc(XATTR_LIST_MAX_SIZE);
        _cleanup_free_ char *value = NULL;
        _cleanup_free_ const char **names = NULL;
        ssize_t len = llistxattr(path, list, XATTR_LIST_MAX_SIZE);
        size_t n = 0;

        if (len < 0)
                return errno == ENOTSUP ? 0 : berth_err(err, errno, "list xattrs of `%s`", rel);
        names = xcalloc((size_t)len + 1, sizeof(*names));
        for (char *p = list; p < list + len; p += strlen(p) + 1)
                if (xattr_exported(p))
                        names[n++] = p;
        if (n > 1)
                qsort(names, n, sizeof(*names), name_cmp);
        value = xmalloc(XATTR_SIZE_MAX);
        for (size_t i = 0; i < n; i++) {
                ssize_t vlen = lgetxattr(path, names[i], value, XATTR_SIZE_MAX);
                if (vlen < 0) {
                        if (errno == ENODATA)
                                continue;
                        return berth_err(err, errno, "read xattr `%s` of `%s`", names[i], rel);
                }
                archive_entry_xattr_add_entry(e, names[i], value, (size_t)vlen);
        }
        return 0;
}

static bool is_opaque(const char *path)
{
        char v[2];
        ssize_t n = lgetxattr(path, "trusted.overlay.opaque", v, sizeof(v));

        if (n < 0)
                n = lgetxattr(path, "user.overlay.opaque", v, sizeof(v));
        return n == 1 && v[0] == 'y';
}

static struct link_node **link_slot(struct diff_ctx *c, const struct stat *st)
{
        size_t h = ((size_t)st->st_ino * 2654435761U) ^ (size_t)st->st_dev;
        return &c->links[h % ARRAY_SIZE(c->links)];
}

/* The path an earlier entry wrote for this inode, or NULL (and it is remembered for later links). */
static const char *link_seen(struct diff_ctx *c, const struct stat *st, const char *rel)
{
        struct link_node **slot = link_slot(c, st), *l;

        for (l = *slot; l; l = l->next)
                if (l->dev == st->st_dev && l->ino == st->st_ino)
                        return l->path;
        l = xmalloc(sizeof(*l));
        *l = (struct link_node){ st->st_dev, st->st_ino, xstrdup(rel), *slot };
        *slot = l;
        return NULL;
}

static int diff_write_header(struct diff_ctx *c, struct archive_entry *e, const char *rel, struct berth_error **err)
{
        if (archive_write_header(c->a, e) < ARCHIVE_WARN)
                return diff_fail(c, rel, err);
        return 0;
}

/* An empty regular entry: whiteouts and opaque markers. */
static int diff_marker(struct diff_ctx *c, const char *rel, const struct stat *st, struct berth_error **err)
{
        struct archive_entry *e = archive_entry_new();
        int r;

        if (!e)
                oom();
        archive_entry_set_pathname(e, rel);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0);
        archive_entry_set_size(e, 0);
        archive_entry_set_uid(e, st->st_uid);
        archive_entry_set_gid(e, st->st_gid);
        archive_entry_set_mtime(e, st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
        r = diff_write_header(c, e, rel, err);
        archive_entry_free(e);
        return r;
}

static int diff_file_data(struct diff_ctx *c, int dfd, const char *name, const char *rel, struct berth_error **err)
{
        _cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
        ssize_t n;

        if (fd < 0)
                return berth_err(err, errno, "open `%s`", rel);
        while ((n = read(fd, c->buf, DIFF_BUF_SIZE)) != 0) {
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return berth_err(err, errno, "read `%s`", rel);
                }
                if (archive_write_data(c->a, c->buf, (size_t)n) < 0)
                        return diff_fail(c, rel, err);
        }
        return 0;
}

static int diff_dir(struct diff_ctx *c, int dfd, const char *prefix, unsigned depth, struct berth_error **err);

static int diff_one(struct diff_ctx *c, int dfd, const char *name, const char *rel, unsigned depth,
                    struct berth_error **err)
{
        _cleanup_free_ char *proc = xasprintf("/proc/self/fd/%d/%s", dfd, name);
        struct archive_entry *e = NULL;
        char target[PATH_MAX];
        const char *first;
        struct stat st;
        int r;

        if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return berth_err(err, errno, "stat `%s`", rel);
        if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
                const char *slash = strrchr(rel, '/');
                _cleanup_free_ char *wh = slash ? xasprintf("%.*s/.wh.%s", (int)(slash - rel), rel, name)
                                                : xasprintf(".wh.%s", name);
                return diff_marker(c, wh, &st, err);
        }
        if (S_ISSOCK(st.st_mode))
                return 0; /* sockets cannot be stored in a tar; Docker skips them too */
        e = archive_entry_new();
        if (!e)
                oom();
        archive_entry_set_pathname(e, rel);
        archive_entry_set_mode(e, st.st_mode);
        archive_entry_set_uid(e, st.st_uid);
        archive_entry_set_gid(e, st.st_gid);
        archive_entry_set_mtime(e, st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
        r = diff_xattrs(e, proc, rel, err);
        if (r < 0)
                goto out;
        if (S_ISREG(st.st_mode) && st.st_nlink > 1 && (first = link_seen(c, &st, rel))) {
                archive_entry_set_hardlink(e, first);
                archive_entry_set_size(e, 0);
        } else if (S_ISREG(st.st_mode)) {
                archive_entry_set_size(e, st.st_size);
        } else if (S_ISLNK(st.st_mode)) {
                ssize_t n = readlinkat(dfd, name, target, sizeof(target) - 1);
                if (n < 0) {
                        r = berth_err(err, errno, "readlink `%s`", rel);
                        goto out;
                }
                target[n] = '\0';
                archive_entry_set_symlink(e, target);
        } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
                archive_entry_set_rdevmajor(e, major(st.st_rdev));
                archive_entry_set_rdevminor(e, minor(st.st_rdev));
        }
        r = diff_write_header(c, e, rel, err);
        if (r < 0)
                goto out;
        if (S_ISREG(st.st_mode) && !archive_entry_hardlink(e) && st.st_size > 0)
                r = diff_file_data(c, dfd, name, rel, err);
        else if (S_ISDIR(st.st_mode)) {
                _cleanup_close_ int sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (sub < 0) {
                        r = berth_err(err, errno, "open `%s`", rel);
                        goto out;
                }
                if (is_opaque(proc)) {
                        _cleanup_free_ char *opq = xasprintf("%s/.wh..wh..opq", rel);
                        r = diff_marker(c, opq, &st, err);
                        if (r < 0)
                                goto out;
                }
                r = diff_dir(c, sub, rel, depth + 1, err);
        }
out:
        archive_entry_free(e);
        return r;
}

static int diff_dir(struct diff_ctx *c, int dfd, const char *prefix, unsigned depth, struct berth_error **err)
{
        char **names = NULL;
        size_t n = 0;
        int r;

        if (depth > DIFF_MAX_DEPTH)
                return berth_err_msg(err, ELOOP, "`%s`: directories nested too deep", prefix);
        r = read_dir_sorted(dfd, &names, &n, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                if (r >= 0) {
                        _cleanup_free_ char *rel = prefix[0] ? xasprintf("%s/%s", prefix, names[i])
                                                             : xstrdup(names[i]);
                        if (strlen(rel) >= PATH_MAX)
                                r = berth_err_msg(err, ENAMETOOLONG, "`%s`: name too long", rel);
                        else
                                r = diff_one(c, dfd, names[i], rel, depth, err);
                }
                free(names[i]);
        }
        free(names);
        return r;
}

static void diff_ctx_release(struct diff_ctx *c)
{
        for (size_t i = 0; i < ARRAY_SIZE(c->links); i++)
                while (c->links[i]) {
                        struct link_node *l = c->links[i];
                        c->links[i] = l->next;
                        free(l->path);
                        free(l);
                }
        if (c->a)
                archive_write_free(c->a);
        if (c->z_ready)
                deflateEnd(&c->z);
        free(c->zbuf);
        free(c->buf);
        digest_release(&c->digest);
        berth_error_free(c->write_error);
}

static int diff_run(struct diff_ctx *c, int dir_fd, struct berth_error **err)
{
        c->a = archive_write_new();
        if (!c->a)
                oom();
        /* pax only where ustar cannot express an entry: Docker's and Go's layers look the same. */
        archive_write_set_format_pax_restricted(c->a);
        archive_write_add_filter_none(c->a);
        archive_write_set_bytes_per_block(c->a, 10240);
        archive_write_set_bytes_in_last_block(c->a, 1);
        if (archive_write_open(c->a, c, NULL, diff_archive_write, NULL) != ARCHIVE_OK)
                return diff_fail(c, "", err);
        if (diff_dir(c, dir_fd, "", 0, err) < 0)
                return -berth_error_code(*err);
        if (archive_write_close(c->a) != ARCHIVE_OK)
                return diff_fail(c, "", err);
        if (c->z_ready && diff_deflate(c, NULL, 0, Z_FINISH) < 0)
                return diff_fail(c, "", err);
        return 0;
}

int layer_diff_create(int dir_fd, int out_fd, unsigned flags, char ret_diff_id[72], struct berth_error **err)
{
        struct diff_ctx *c = xmalloc(sizeof(*c));
        int r;

        c->out_fd = out_fd;
        c->flags = flags;
        c->buf = xmalloc(DIFF_BUF_SIZE);
        digest_init(&c->digest);
        if (flags & LAYER_DIFF_GZIP) {
                c->zbuf = xmalloc(DIFF_BUF_SIZE);
                if (deflateInit2(&c->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8,
                                 Z_DEFAULT_STRATEGY) != Z_OK)
                        oom();
                c->z_ready = true;
        }
        r = diff_run(c, dir_fd, err);
        if (r >= 0)
                digest_final(&c->digest, ret_diff_id);
        diff_ctx_release(c);
        free(c);
        return r;
}
