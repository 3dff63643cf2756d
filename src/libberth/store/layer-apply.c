/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Layer unpacking. The stream is decompressed here (not by libarchive) so
 * that the uncompressed bytes can be hashed for the diff-id in the same pass;
 * libarchive only parses tar headers from the plain bytes we hand it. Every
 * entry is then written with *at() calls relative to directory fds that were
 * opened one component at a time with O_NOFOLLOW, so no symlink (extracted
 * earlier or already there) is ever followed and nothing lands outside the
 * target (STYLE.md B6).
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs-util.h"
#include "base/xalloc.h"
#include "store/digest.h"
#include "store/layer-apply.h"
#include "store/layer-stream.h"

#define LAYER_MAX_ENTRIES (4U << 20)
#define WHITEOUT_PREFIX ".wh."
#define WHITEOUT_META_PREFIX ".wh..wh."
#define WHITEOUT_OPAQUE ".wh..wh..opq"

/* Directory times are set last: creating entries inside a directory bumps its mtime. */
struct dir_time {
        char *path;
        struct timespec ts[2];
};

struct apply_ctx {
        int root_fd;
        unsigned flags;
        struct archive *a;
        const char *entry; /* raw name of the entry being applied, for messages */
        char *cache_dir;   /* parent directory most recently resolved ... */
        int cache_fd;      /* ... and its fd (entries come grouped by directory) */
        struct dir_time *dirs;
        size_t n_dirs, cap_dirs;
        uint64_t n_entries, unpacked_bytes;
        struct layer_stream *stream;
        struct berth_error *stream_error; /* why the stream failed, kept while libarchive unwinds */
};

static int entry_err(struct apply_ctx *c, struct berth_error **err, int code, const char *what)
{
        return berth_err(err, code, "layer entry `%s`: %s", c->entry, what);
}

static int entry_err_msg(struct apply_ctx *c, struct berth_error **err, int code, const char *what)
{
        return berth_err_msg(err, code, "layer entry `%s`: %s", c->entry, what);
}

/*
 * Cleans a tar name into "a/b/c" (no leading "/" or "./", no "." or empty
 * components). Docker strips a leading "/" so we accept it, but the result is
 * always relative to the target. ".." is refused outright rather than
 * resolved: a legitimate layer never needs it.
 */
static int layer_path_clean(struct apply_ctx *c, const char *raw, char **ret, struct berth_error **err)
{
        size_t len = strlen(raw);
        _cleanup_free_ char *out = xmalloc(len + 1);
        size_t o = 0;
        const char *p = raw;

        if (len >= PATH_MAX)
                return entry_err_msg(c, err, ENAMETOOLONG, "name too long");
        while (*p) {
                const char *e = strchrnul(p, '/');
                size_t n = (size_t)(e - p);

                if (n == 2 && p[0] == '.' && p[1] == '.')
                        return entry_err_msg(c, err, EINVAL, "`..` in name");
                if (n > NAME_MAX)
                        return entry_err_msg(c, err, ENAMETOOLONG, "name component too long");
                if (n > 0 && !(n == 1 && p[0] == '.')) {
                        if (o > 0)
                                out[o++] = '/';
                        memcpy(out + o, p, n);
                        o += n;
                }
                p = *e ? e + 1 : e;
        }
        out[o] = '\0';
        *ret = TAKE_PTR(out);
        return 0;
}

/*
 * Opens directory `dir` ("" = the root) below root_fd one component at a
 * time, never following a symlink, optionally creating missing components
 * (tar files often omit parent directories; Docker creates them 0755).
 */
static int walk_dir(struct apply_ctx *c, const char *dir, bool create, int *ret_fd, struct berth_error **err)
{
        _cleanup_close_ int fd = fcntl(c->root_fd, F_DUPFD_CLOEXEC, 3);
        _cleanup_free_ char *copy = xstrdup(dir);
        char *save = NULL;

        if (fd < 0)
                return berth_err(err, errno, "dup");
        for (char *comp = strtok_r(copy, "/", &save); comp; comp = strtok_r(NULL, "/", &save)) {
                int nfd = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                struct stat st;

                if (nfd < 0 && errno == ENOENT && create) {
                        if (mkdirat(fd, comp, 0755) < 0 && errno != EEXIST)
                                return entry_err(c, err, errno, "create parent directory");
                        nfd = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                }
                if (nfd < 0 && (errno == ELOOP || errno == ENOTDIR)) {
                        if (fstatat(fd, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
                                return berth_err_msg(err, ELOOP, "layer entry `%s` goes through a symlink (`%s`)",
                                                     c->entry, comp);
                        return berth_err_msg(err, ENOTDIR, "layer entry `%s`: `%s` is not a directory",
                                             c->entry, comp);
                }
                if (nfd < 0)
                        return berth_err(err, errno, "layer entry `%s`: open `%s`", c->entry, comp);
                closep(&fd);
                fd = nfd;
        }
        *ret_fd = TAKE_FD(fd);
        return 0;
}

static void cache_invalidate(struct apply_ctx *c)
{
        closep(&c->cache_fd);
        free(c->cache_dir);
        c->cache_dir = NULL;
}

/* Splits path into its parent fd (borrowed from the cache) and last component. */
static int open_parent(struct apply_ctx *c, const char *path, int *ret_fd, const char **ret_name,
                       struct berth_error **err)
{
        const char *slash = strrchr(path, '/');
        _cleanup_free_ char *dir = slash ? strndup(path, (size_t)(slash - path)) : xstrdup("");
        int fd = -EBADF, r;

        if (!dir)
                oom();
        if (!c->cache_dir || !streq(c->cache_dir, dir)) {
                r = walk_dir(c, dir, true, &fd, err);
                if (r < 0)
                        return r;
                cache_invalidate(c);
                c->cache_fd = fd;
                c->cache_dir = TAKE_PTR(dir);
        }
        *ret_fd = c->cache_fd;
        *ret_name = slash ? slash + 1 : path;
        return 0;
}

/* Removes what is at dfd/name unless it is a directory and keep_dir; returns 1 if a kept dir is there. */
static int remove_existing(struct apply_ctx *c, int dfd, const char *name, bool keep_dir, struct berth_error **err)
{
        struct stat st;

        if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno == ENOENT)
                        return 0;
                return entry_err(c, err, errno, "stat");
        }
        if (!S_ISDIR(st.st_mode)) {
                if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
                        return entry_err(c, err, errno, "remove the existing entry");
                return 0;
        }
        if (keep_dir)
                return 1;
        /* dfd (the cached parent) is not inside what we remove: name is its child. */
        if (rm_rf_at(dfd, name, err) < 0)
                return berth_err_prefix(err, "layer entry `%s`", c->entry);
        return 0;
}

static bool xattr_wanted(const char *name)
{
        /* Overlay's own attributes come only from whiteout conversion, never from a layer. */
        if (strncmp(name, "trusted.overlay.", 16) == 0)
                return false;
        return strncmp(name, "user.", 5) == 0 || strncmp(name, "trusted.", 8) == 0 ||
               streq(name, "security.capability");
}

/* fd >= 0: fsetxattr on it; otherwise lsetxattr on path (symlinks and nodes). */
static int apply_xattrs(struct apply_ctx *c, struct archive_entry *e, int fd, const char *path,
                        struct berth_error **err)
{
        const char *name;
        const void *value;
        size_t size;

        archive_entry_xattr_reset(e);
        while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
                int r;
                if (!name || !xattr_wanted(name))
                        continue;
                r = fd >= 0 ? fsetxattr(fd, name, value, size, 0) : lsetxattr(path, name, value, size, 0);
                if (r < 0 && errno != ENOTSUP && errno != EOPNOTSUPP &&
                    !(errno == EPERM && strncmp(name, "user.", 5) == 0))
                        return berth_err(err, errno, "layer entry `%s`: set xattr `%s`", c->entry, name);
        }
        return 0;
}

static void entry_times(struct archive_entry *e, struct timespec ts[2])
{
        ts[1] = (struct timespec){ archive_entry_mtime(e), archive_entry_mtime_nsec(e) };
        if (archive_entry_atime_is_set(e))
                ts[0] = (struct timespec){ archive_entry_atime(e), archive_entry_atime_nsec(e) };
        else
                ts[0] = ts[1];
}

/* Owner, mode, xattrs (after chown, which clears security.capability) and times of an open fd. */
static int apply_meta_fd(struct apply_ctx *c, struct archive_entry *e, int fd, bool times,
                         struct berth_error **err)
{
        struct timespec ts[2];

        if (!(c->flags & LAYER_APPLY_NO_CHOWN) &&
            fchown(fd, (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e)) < 0)
                return entry_err(c, err, errno, "chown");
        if (fchmod(fd, archive_entry_perm(e) & 07777) < 0)
                return entry_err(c, err, errno, "chmod");
        if (apply_xattrs(c, e, fd, NULL, err) < 0)
                return -berth_error_code(*err);
        if (times) {
                entry_times(e, ts);
                if (futimens(fd, ts) < 0)
                        return entry_err(c, err, errno, "set times");
        }
        return 0;
}

/* The same for something we cannot open (symlink, device, fifo): by name in its parent, no following. */
static int apply_meta_at(struct apply_ctx *c, struct archive_entry *e, int dfd, const char *name, bool chmod,
                         struct berth_error **err)
{
        char proc[64 + NAME_MAX];
        struct timespec ts[2];

        if (!(c->flags & LAYER_APPLY_NO_CHOWN) &&
            fchownat(dfd, name, (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e), AT_SYMLINK_NOFOLLOW) < 0)
                return entry_err(c, err, errno, "chown");
        /* fchmodat follows symlinks, but name is a node we just made in a directory only we write to. */
        if (chmod && fchmodat(dfd, name, archive_entry_perm(e) & 07777, 0) < 0)
                return entry_err(c, err, errno, "chmod");
        snprintf(proc, sizeof(proc), "/proc/self/fd/%d/%s", dfd, name);
        if (apply_xattrs(c, e, -1, proc, err) < 0)
                return -berth_error_code(*err);
        entry_times(e, ts);
        if (utimensat(dfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
                return entry_err(c, err, errno, "set times");
        return 0;
}

static int write_data(struct apply_ctx *c, struct archive_entry *e, int fd, struct berth_error **err)
{
        int64_t pos = 0, size = archive_entry_size(e);

        for (;;) {
                const void *buf;
                size_t len;
                la_int64_t off;
                int r = archive_read_data_block(c->a, &buf, &len, &off);

                if (r == ARCHIVE_EOF)
                        break;
                if (r < ARCHIVE_WARN)
                        return -EIO; /* reported by the caller from the archive state */
                if (off != pos && lseek(fd, off, SEEK_SET) < 0) /* sparse files */
                        return entry_err(c, err, errno, "seek");
                if (write_all(fd, buf, len) < 0)
                        return entry_err(c, err, errno, "write");
                pos = off + (int64_t)len;
        }
        if (size > pos && ftruncate(fd, size) < 0)
                return entry_err(c, err, errno, "truncate");
        c->unpacked_bytes += (uint64_t)(size > pos ? size : pos);
        return 0;
}

static int apply_regular(struct apply_ctx *c, struct archive_entry *e, int dfd, const char *name,
                         struct berth_error **err)
{
        _cleanup_close_ int fd = -EBADF;
        int r;

        /* Most names are new: try first, clear the way only when something is there. */
        fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0 && errno == EEXIST) {
                r = remove_existing(c, dfd, name, false, err);
                if (r < 0)
                        return r;
                fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        }
        if (fd < 0)
                return entry_err(c, err, errno, "create");
        r = write_data(c, e, fd, err);
        if (r < 0)
                return r;
        return apply_meta_fd(c, e, fd, true, err);
}

static int apply_dir(struct apply_ctx *c, struct archive_entry *e, int dfd, const char *name, const char *path,
                     struct berth_error **err)
{
        _cleanup_close_ int fd = -EBADF;
        struct dir_time *d;
        int r;

        if (path[0] == '\0') { /* "./": the target itself */
                fd = fcntl(c->root_fd, F_DUPFD_CLOEXEC, 3);
        } else {
                if (mkdirat(dfd, name, 0700) < 0) {
                        if (errno != EEXIST)
                                return entry_err(c, err, errno, "mkdir");
                        r = remove_existing(c, dfd, name, true, err);
                        if (r < 0)
                                return r;
                        if (r == 0 && mkdirat(dfd, name, 0700) < 0)
                                return entry_err(c, err, errno, "mkdir");
                }
                fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        }
        if (fd < 0)
                return entry_err(c, err, errno, "open");
        r = apply_meta_fd(c, e, fd, false, err);
        if (r < 0)
                return r;
        if (c->n_dirs == c->cap_dirs) {
                c->cap_dirs = c->cap_dirs ? c->cap_dirs * 2 : 256;
                c->dirs = xrealloc(c->dirs, c->cap_dirs * sizeof(*c->dirs));
        }
        d = &c->dirs[c->n_dirs++];
        d->path = xstrdup(path);
        entry_times(e, d->ts);
        return 0;
}

static int apply_hardlink(struct apply_ctx *c, struct archive_entry *e, int dfd, const char *name,
                          struct berth_error **err)
{
        _cleanup_free_ char *target = NULL, *tdir = NULL;
        _cleanup_close_ int tfd = -EBADF;
        const char *slash, *tname;
        int r;

        r = layer_path_clean(c, archive_entry_hardlink(e), &target, err);
        if (r < 0)
                return r;
        if (target[0] == '\0')
                return entry_err_msg(c, err, EINVAL, "hardlink to the root");
        /* The link target is resolved like any entry: inside the target, through no symlink. */
        slash = strrchr(target, '/');
        tdir = slash ? strndup(target, (size_t)(slash - target)) : xstrdup("");
        if (!tdir)
                oom();
        tname = slash ? slash + 1 : target;
        r = walk_dir(c, tdir, false, &tfd, err);
        if (r < 0)
                return r;
        r = remove_existing(c, dfd, name, false, err);
        if (r < 0)
                return r;
        /* flags 0: a symlink as link target is linked itself, never followed. */
        if (linkat(tfd, tname, dfd, name, 0) < 0)
                return berth_err(err, errno, "layer entry `%s`: hardlink to `%s`", c->entry, target);
        return 0;
}

static int apply_symlink(struct apply_ctx *c, struct archive_entry *e, int dfd, const char *name,
                         struct berth_error **err)
{
        const char *target = archive_entry_symlink(e);
        int r;

        if (!target || !*target || strlen(target) >= PATH_MAX)
                return entry_err_msg(c, err, EINVAL, "bad symlink target");
        r = remove_existing(c, dfd, name, false, err);
        if (r < 0)
                return r;
        /* The target text is stored as is: it is only ever resolved inside the container's root. */
        if (symlinkat(target, dfd, name) < 0)
                return entry_err(c, err, errno, "symlink");
        return apply_meta_at(c, e, dfd, name, false, err);
}

static int apply_node(struct apply_ctx *c, struct archive_entry *e, int dfd, const char *name,
                      struct berth_error **err)
{
        mode_t type = archive_entry_filetype(e);
        dev_t dev = 0;
        int r;

        if (type != AE_IFIFO)
                dev = makedev(archive_entry_rdevmajor(e), archive_entry_rdevminor(e));
        r = remove_existing(c, dfd, name, false, err);
        if (r < 0)
                return r;
        if (mknodat(dfd, name, type | 0600, dev) < 0)
                return entry_err(c, err, errno, "mknod");
        return apply_meta_at(c, e, dfd, name, true, err);
}

/* ".wh.NAME" -> a 0:0 char device NAME; ".wh..wh..opq" -> opaque xattr on the directory. */
static int apply_whiteout(struct apply_ctx *c, struct archive_entry *e, int dfd, const char *base,
                          struct berth_error **err)
{
        struct timespec times[2];
        const char *victim = base + strlen(WHITEOUT_PREFIX);
        int r;

        if (streq(base, WHITEOUT_OPAQUE)) {
                if (fsetxattr(dfd, "trusted.overlay.opaque", "y", 1, 0) < 0)
                        return entry_err(c, err, errno, "set opaque xattr");
                return 0;
        }
        if (!*victim || streq(victim, ".") || streq(victim, ".."))
                return entry_err_msg(c, err, EINVAL, "bad whiteout name");
        r = remove_existing(c, dfd, victim, false, err);
        if (r < 0)
                return r;
        if (mknodat(dfd, victim, S_IFCHR | 0600, makedev(0, 0)) < 0)
                return entry_err(c, err, errno, "create whiteout");
        /* The whiteout keeps the entry's time, so a layer re-created from this tree is the same bytes. */
        times[0] = times[1] = (struct timespec){ .tv_sec = archive_entry_mtime(e),
                                                 .tv_nsec = archive_entry_mtime_nsec(e) };
        (void)utimensat(dfd, victim, times, AT_SYMLINK_NOFOLLOW);
        return 0;
}

static int apply_entry(struct apply_ctx *c, struct archive_entry *e, struct berth_error **err)
{
        _cleanup_free_ char *path = NULL;
        const char *name;
        mode_t type;
        int dfd, r;

        c->entry = archive_entry_pathname(e);
        if (!c->entry)
                c->entry = archive_entry_pathname_utf8(e);
        if (!c->entry)
                return berth_err_msg(err, EBADMSG, "corrupt layer: entry without a name");
        if (++c->n_entries > LAYER_MAX_ENTRIES)
                return berth_err_msg(err, E2BIG, "layer has more than %u entries", LAYER_MAX_ENTRIES);
        r = layer_path_clean(c, c->entry, &path, err);
        if (r < 0)
                return r;
        type = archive_entry_filetype(e);
        if (path[0] == '\0') {
                if (type == AE_IFDIR && !archive_entry_hardlink(e))
                        return apply_dir(c, e, c->root_fd, "", "", err);
                return entry_err_msg(c, err, EINVAL, "only a directory can name the root");
        }
        /* Other ".wh..wh." names are aufs bookkeeping (e.g. /.wh..wh.plnk/): Docker skips them. */
        if (!(c->flags & LAYER_APPLY_NO_WHITEOUT_CONVERSION) && strncmp(path, WHITEOUT_META_PREFIX, 8) == 0)
                return 0;
        r = open_parent(c, path, &dfd, &name, err);
        if (r < 0)
                return r;
        if (!(c->flags & LAYER_APPLY_NO_WHITEOUT_CONVERSION) && strncmp(name, WHITEOUT_PREFIX, 4) == 0) {
                if (strncmp(name, WHITEOUT_META_PREFIX, 8) == 0 && !streq(name, WHITEOUT_OPAQUE))
                        return 0;
                return apply_whiteout(c, e, dfd, name, err);
        }
        if (archive_entry_hardlink(e))
                return apply_hardlink(c, e, dfd, name, err);
        switch (type) {
        case AE_IFREG:
                return apply_regular(c, e, dfd, name, err);
        case AE_IFDIR:
                return apply_dir(c, e, dfd, name, path, err);
        case AE_IFLNK:
                return apply_symlink(c, e, dfd, name, err);
        case AE_IFCHR:
        case AE_IFBLK:
        case AE_IFIFO:
                return apply_node(c, e, dfd, name, err);
        default:
                return berth_err_msg(err, EBADMSG, "layer entry `%s`: unsupported type 0%o", c->entry,
                                     (unsigned)type);
        }
}

static void apply_dir_times(struct apply_ctx *c)
{
        /* Best effort: a directory may have been replaced by a later entry. */
        for (size_t i = c->n_dirs; i > 0; i--) {
                struct dir_time *d = &c->dirs[i - 1];
                _cleanup_error_ struct berth_error *ignored = NULL;
                _cleanup_close_ int fd = -EBADF;

                c->entry = d->path;
                if (walk_dir(c, d->path, false, &fd, &ignored) == 0)
                        (void)futimens(fd, d->ts);
        }
}

static void apply_ctx_release(struct apply_ctx *c)
{
        cache_invalidate(c);
        for (size_t i = 0; i < c->n_dirs; i++)
                free(c->dirs[i].path);
        free(c->dirs);
        closep(&c->root_fd);
        if (c->a)
                archive_read_free(c->a);
        c->stream = layer_stream_free(c->stream);
        berth_error_free(c->stream_error);
}

static la_ssize_t stream_archive_read(struct archive *a, void *data, const void **buf)
{
        struct apply_ctx *c = data;
        ssize_t n = layer_stream_read(c->stream, buf, &c->stream_error);

        if (n < 0) {
                archive_set_error(a, c->stream_error->code, "%s", c->stream_error->msg);
                return -1;
        }
        return n;
}

/* The error for a libarchive failure: the stream's if it failed, else corrupt tar data. */
static int archive_failure(struct apply_ctx *c, struct berth_error **err)
{
        if (c->stream_error) {
                *err = TAKE_PTR(c->stream_error);
                return -(*err)->code;
        }
        if (c->entry)
                return berth_err_msg(err, EBADMSG, "corrupt layer: entry `%s`: %s", c->entry,
                                     archive_error_string(c->a) ?: "unknown error");
        return berth_err_msg(err, EBADMSG, "corrupt layer: %s", archive_error_string(c->a) ?: "unknown error");
}

static int apply_all(struct apply_ctx *c, struct berth_error **err)
{
        struct archive_entry *e;
        int r;

        c->a = archive_read_new();
        if (!c->a)
                oom();
        archive_read_support_format_tar(c->a);
        archive_read_support_format_empty(c->a);
        archive_read_support_filter_none(c->a);
        if (archive_read_open(c->a, c, NULL, stream_archive_read, NULL) != ARCHIVE_OK)
                return archive_failure(c, err);
        for (;;) {
                c->entry = NULL;
                r = archive_read_next_header(c->a, &e);
                if (r == ARCHIVE_EOF)
                        break;
                if (r < ARCHIVE_WARN || r == ARCHIVE_RETRY)
                        return archive_failure(c, err);
                r = apply_entry(c, e, err);
                if (r == -EIO && !*err)
                        return archive_failure(c, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

int layer_apply(int target_fd, int fd, unsigned flags, struct layer_apply_result *ret, struct berth_error **err)
{
        struct apply_ctx c = { .root_fd = -EBADF, .cache_fd = -EBADF, .flags = flags };
        struct layer_stream_digests dg;
        int r;

        /* A real (not O_PATH) fd of the target: the root may get xattrs and a mode. */
        c.root_fd = openat(target_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (c.root_fd < 0)
                return berth_err(err, errno, "open the layer target");
        r = layer_stream_open(fd, &c.stream, err);
        if (r >= 0)
                r = apply_all(&c, err);
        /* The digests cover the whole stream, including padding libarchive did not need. */
        if (r >= 0)
                r = layer_stream_finish(c.stream, &dg, err);
        if (r >= 0) {
                apply_dir_times(&c);
                if (ret) {
                        *ret = (struct layer_apply_result){
                                .compressed_size = dg.compressed_size,
                                .uncompressed_size = dg.uncompressed_size,
                                .unpacked_bytes = c.unpacked_bytes,
                        };
                        memcpy(ret->diff_id, dg.diff_id, sizeof(ret->diff_id));
                        memcpy(ret->compressed_digest, dg.compressed_digest, sizeof(ret->compressed_digest));
                }
        }
        apply_ctx_release(&c);
        return r;
}
