/* SPDX-License-Identifier: Apache-2.0 */
/* A container's filesystem: `export`, `diff`, `commit`, `cp`. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/chase.h"
#include "base/cleanup.h"
#include "base/json-util.h"
#include "base/strv.h"
#include "base/time-util.h"
#include "base/xalloc.h"
#include "cmd-container.h"
#include "container/oci-config.h"
#include "container/supervisor.h"
#include "engine.h"
#include "store/image-import.h"
#include "store/layer-apply.h"
#include "store/layer-store.h"

/* Mounts the container's root filesystem (if it is not already: a running container's is). */
static int rootfs_open(struct store *s, struct container *c, int *ret_fd, bool *ret_mounted,
                       struct berth_error **err)
{
        _cleanup_image_ struct image *img = NULL;
        _cleanup_free_ char *path = xasprintf("%s/containers/%s/rootfs", s->root, c->id);
        enum container_status st = ctr_status(s, c);
        int r, fd;

        r = image_lookup(s, json_string_value(json_object_get(c->record, "Image")) ?: "", &img, err);
        if (r < 0)
                return r;
        r = container_rootfs_mount(s, c, img, err);
        if (r < 0)
                return r;
        *ret_mounted = st != CONTAINER_RUNNING && st != CONTAINER_PAUSED;
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
                r = berth_err(err, errno, "open %s", path);
                if (*ret_mounted)
                        (void)container_rootfs_umount(s, c, NULL);
                return r;
        }
        *ret_fd = fd;
        return 0;
}

static void rootfs_close(struct store *s, struct container *c, int fd, bool mounted)
{
        if (fd >= 0)
                close(fd);
        if (mounted)
                (void)container_rootfs_umount(s, c, NULL);
}

/* ---- export */

const struct cli_option container_export_options[] = {
    {"output", 'o', CLI_OPT_STRING, NULL, NULL, "Write to a file, instead of STDOUT"},
    {NULL},
};

int cmd_container_export(struct cli_context *ctx, struct cli_args *args)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_store_ struct store *s = NULL;
        _cleanup_container_ struct container *c = NULL;
        _cleanup_free_ char *tmp = NULL;
        const char *out = cli_string(args, "output");
        int fd = -1, outfd = STDOUT_FILENO, r;
        bool mounted = false;
        char diff_id[72];

        if (!out && isatty(STDOUT_FILENO))
                return cli_failf(ctx,
                                 "cowardly refusing to save to a terminal. Use the -o flag or redirect");
        if (engine_store_open(ctx, &s, &err) < 0 || container_load(s, cli_argv(args)[0], &c, &err) < 0)
                return cli_fail(ctx, err);
        if (out) {
                tmp = xasprintf("%s.berth-tmp-%d", out, (int)getpid());
                outfd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
                if (outfd < 0)
                        return cli_failf(ctx, "failed to export container: open %s: %s", out,
                                         strerror(errno));
        }
        r = rootfs_open(s, c, &fd, &mounted, &err);
        if (r == 0)
                r = layer_diff_create(fd, outfd, 0, diff_id, &err);
        rootfs_close(s, c, fd, mounted);
        if (out) {
                if (r == 0 && (fsync(outfd) < 0 || rename(tmp, out) < 0))
                        r = berth_err(&err, errno, "write %s", out);
                close(outfd);
                if (r < 0)
                        (void)unlink(tmp);
        }
        return r < 0 ? cli_fail(ctx, err) : CLI_EXIT_OK;
}

/* ---- diff: A/C/D from the overlay upper dir */

struct lowers {
        int *fds;
        size_t n;
};

static bool is_whiteout(const struct stat *st)
{
        return S_ISCHR(st->st_mode) && major(st->st_rdev) == 0 && minor(st->st_rdev) == 0;
}

/* Does path exist in the image (the topmost layer that has an entry decides)? */
static bool in_lower(const struct lowers *l, const char *path)
{
        for (size_t i = l->n; i-- > 0;) {
                _cleanup_close_ int fd = -EBADF;
                struct stat st;
                if (chase_at(l->fds[i], path, CHASE_NOFOLLOW | CHASE_NO_MAGICLINKS, &fd, NULL) < 0)
                        continue;
                if (fstat(fd, &st) < 0)
                        continue;
                return !is_whiteout(&st);
        }
        return false;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
        return strcmp((*a)->d_name, (*b)->d_name);
}

static void diff_walk(int dirfd, const char *prefix, const struct lowers *l)
{
        struct dirent **ents = NULL;
        _cleanup_free_ char *self = xasprintf("/proc/self/fd/%d", dirfd);
        int n = scandir(self, &ents, NULL, by_name);

        for (int i = 0; i < n; i++) {
                const char *name = ents[i]->d_name;
                _cleanup_free_ char *path = xasprintf("%s/%s", prefix, name);
                struct stat st;
                if (streq(name, ".") || streq(name, "..") ||
                    fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                        free(ents[i]);
                        continue;
                }
                if (is_whiteout(&st)) {
                        printf("D %s\n", path);
                } else {
                        bool lower = in_lower(l, path);
                        printf("%c %s\n", lower ? 'C' : 'A', path);
                        if (S_ISDIR(st.st_mode)) {
                                int sub =
                                    openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                                if (sub >= 0) {
                                        diff_walk(sub, path, l);
                                        close(sub);
                                }
                        }
                }
                free(ents[i]);
        }
        free(ents);
}

int cmd_container_diff(struct cli_context *ctx, struct cli_args *args)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_store_ struct store *s = NULL;
        _cleanup_container_ struct container *c = NULL;
        _cleanup_image_ struct image *img = NULL;
        _cleanup_free_ char *upper = NULL;
        _cleanup_close_ int ufd = -EBADF;
        struct lowers l = {0};

        if (engine_store_open(ctx, &s, &err) < 0 || container_load(s, cli_argv(args)[0], &c, &err) < 0)
                return cli_fail(ctx, err);
        if (image_lookup(s, json_string_value(json_object_get(c->record, "Image")) ?: "", &img, &err) < 0)
                return cli_fail(ctx, err);
        upper = xasprintf("%s/containers/%s/upper", s->root, c->id);
        ufd = open(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (ufd < 0)
                return cli_failf(ctx, "open %s: %s", upper, strerror(errno));
        l.fds = xmalloc((img->n_layers + 1) * sizeof(int));
        for (size_t i = 0; i < img->n_layers; i++) {
                _cleanup_free_ char *p = layer_store_diff_path(s, img->chain_ids[i]);
                int fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd >= 0)
                        l.fds[l.n++] = fd;
        }
        diff_walk(ufd, "", &l);
        for (size_t i = 0; i < l.n; i++)
                close(l.fds[i]);
        free(l.fds);
        return CLI_EXIT_OK;
}

/* ---- commit */

const struct cli_option container_commit_options[] = {
    {"author", 'a', CLI_OPT_STRING, NULL, NULL,
     "Author (e.g., \"John Hannibal Smith <hannibal@a-team.com>\")"},
    {"change", 'c', CLI_OPT_LIST, "list", NULL, "Apply Dockerfile instruction to the created image"},
    {"message", 'm', CLI_OPT_STRING, NULL, NULL, "Commit message"},
    {"pause", 'p', CLI_OPT_BOOL, NULL, "true", "Pause container during commit"},
    {NULL},
};

/* The image config's "config": the container's, as docker's commit keeps it. */
static json_t *commit_config(const struct container *c)
{
        static const char *const keys[] = {"Hostname",     "Domainname",   "User",         "AttachStdin",
                                           "AttachStdout", "AttachStderr", "ExposedPorts", "Tty",
                                           "OpenStdin",    "StdinOnce",    "Env",          "Cmd",
                                           "Healthcheck",  "Image",        "Volumes",      "WorkingDir",
                                           "Entrypoint",   "OnBuild",      "Labels",       "StopSignal"};
        json_t *src = json_object_get(c->record, "Config"), *out = json_object();

        for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++) {
                json_t *v = json_object_get(src, keys[i]);
                if (v)
                        json_object_set(out, keys[i], v);
        }
        return out;
}

static char *command_line(const struct container *c)
{
        char *out = xstrdup(json_string_value(json_object_get(c->record, "Path")) ?: "");
        json_t *v;
        size_t i;

        json_array_foreach (json_object_get(c->record, "Args"), i, v) {
                char *n = xasprintf("%s %s", out, json_string_value(v) ?: "");
                free(out);
                out = n;
        }
        return out;
}

static int tmp_fd(struct store *s, struct berth_error **err)
{
        int fd = openat(s->root_fd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

        if (fd < 0)
                return berth_err(err, errno, "create a temporary file in %s", s->root);
        return fd;
}

static int commit_layer(struct store *s, struct container *c, struct image *img,
                        struct image_layer_desc *ret, struct berth_error **err)
{
        _cleanup_free_ char *upper = xasprintf("%s/containers/%s/upper", s->root, c->id);
        _cleanup_close_ int ufd = -EBADF, fd = -EBADF;
        char chain[DIGEST_STRING_MAX];
        uint64_t size = 0;
        int r;

        ufd = open(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (ufd < 0)
                return berth_err(err, errno, "open %s", upper);
        fd = tmp_fd(s, err);
        if (fd < 0)
                return fd;
        r = layer_diff_create(ufd, fd, 0, ret->diff_id, err);
        if (r < 0)
                return r;
        if (lseek(fd, 0, SEEK_SET) < 0)
                return berth_err(err, errno, "rewind the layer");
        r = blob_put_fd(s, fd, NULL, ret->digest, &size, err);
        if (r < 0)
                return r;
        ret->size = size;
        ret->media_type = MEDIA_OCI_LAYER;
        /* Unpacked now, so the new image runs at once in this store. */
        return layer_store_ensure(s, img->n_layers ? img->chain_ids[img->n_layers - 1] : NULL, ret->digest,
                                  ret->diff_id, chain, NULL, err);
}

static int commit_image(struct store *s, struct container *c, struct cli_args *args, struct image **ret,
                        struct berth_error **err)
{
        _cleanup_image_ struct image *img = NULL;
        _cleanup_json_ json_t *cfg = NULL;
        _cleanup_free_ struct image_layer_desc *layers = NULL;
        _cleanup_free_ char *now = time_now_rfc3339(), *cmd = command_line(c);
        const char *author = cli_string(args, "author"), *msg = cli_string(args, "message");
        char **changes = cli_list(args, "change");
        const char *ref = cli_argc(args) > 1 ? cli_argv(args)[1] : NULL;
        json_t *ml = NULL, *hist;
        size_t n;
        int r;

        r = image_lookup(s, json_string_value(json_object_get(c->record, "Image")) ?: "", &img, err);
        if (r < 0)
                return r;
        cfg = json_deep_copy(img->config);
        json_object_set_new(cfg, "config", commit_config(c));
        for (size_t i = 0; changes && changes[i]; i++)
                if ((r = image_config_apply_change(json_object_get(cfg, "config"), changes[i], err)) < 0)
                        return r;
        n = img->n_layers;
        layers = xmalloc((n + 1) * sizeof(*layers));
        ml = json_object_get(img->manifest, "layers");
        for (size_t i = 0; i < n; i++) {
                json_t *d = json_array_get(ml, i);
                snprintf(layers[i].digest, sizeof(layers[i].digest), "%s",
                         json_string_value(json_object_get(d, "digest")) ?: "");
                snprintf(layers[i].diff_id, sizeof(layers[i].diff_id), "%s", img->diff_ids[i]);
                layers[i].size = (uint64_t)json_integer_value(json_object_get(d, "size"));
                layers[i].media_type = json_string_value(json_object_get(d, "mediaType")) ?: MEDIA_OCI_LAYER;
        }
        r = commit_layer(s, c, img, &layers[n], err);
        if (r < 0)
                return r;
        json_object_set_new(cfg, "created", json_string(now));
        json_object_set_new(cfg, "author", json_string(author ?: ""));
        json_object_set_new(cfg, "container", json_string(c->id));
        hist = json_object_get(cfg, "history");
        if (!json_is_array(hist))
                json_object_set_new(cfg, "history", hist = json_array());
        json_t *h = json_pack("{s:s,s:s}", "created", now, "created_by", cmd);
        if (author && *author)
                json_object_set_new(h, "author", json_string(author));
        if (msg && *msg)
                json_object_set_new(h, "comment", json_string(msg));
        json_array_append_new(hist, h);
        return image_create(s, cfg, layers, n + 1, ref, ret, err);
}

int cmd_container_commit(struct cli_context *ctx, struct cli_args *args)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_store_ struct store *s = NULL;
        _cleanup_container_ struct container *c = NULL;
        _cleanup_image_ struct image *img = NULL;
        bool paused = false;
        int r;

        if (engine_store_open(ctx, &s, &err) < 0 || container_load(s, cli_argv(args)[0], &c, &err) < 0)
                return cli_fail(ctx, err);
        /* A consistent snapshot: nothing writes to the upper dir while it is read. */
        if (cli_bool(args, "pause") && ctr_status(s, c) == CONTAINER_RUNNING)
                paused = container_pause(s, c, true, NULL) == 0;
        r = commit_image(s, c, args, &img, &err);
        if (paused)
                (void)container_pause(s, c, false, NULL);
        if (r < 0)
                return cli_fail(ctx, err);
        printf("%s\n", img->id);
        return CLI_EXIT_OK;
}

/* ---- cp */

const struct cli_option container_cp_options[] = {
    {"archive", 'a', CLI_OPT_BOOL, NULL, NULL, "Archive mode (copy all uid/gid information)"},
    {"follow-link", 'L', CLI_OPT_BOOL, NULL, NULL, "Always follow symbol link in SRC_PATH"},
    {"quiet", 'q', CLI_OPT_BOOL, NULL, NULL,
     "Suppress progress output during copy. Progress output is "
     "automatically suppressed if no terminal is attached"},
    {NULL},
};

/* "name:path" names a container path unless it starts like a local path (docker's splitCpArg). */
static char *split_container(const char *arg, const char **ret_path)
{
        const char *colon = strchr(arg, ':');

        if (!colon || arg[0] == '/' || arg[0] == '.' || colon == arg)
                return NULL;
        *ret_path = colon + 1;
        return strndup(arg, (size_t)(colon - arg));
}

/*
 * The tar of one entry (a file, or a directory and everything under it), walked through fds only: each name
 * is opened with O_NOFOLLOW relative to the directory fd it was listed in, and a regular file's header is
 * written from the fstat of the fd that is read. A container that swaps a directory for a symlink while
 * this runs makes the walk fail or see the swapped-in symlink as a symlink entry: it is never followed, so
 * nothing outside the directory the walk started from is read (no path is ever re-resolved).
 */
#define CP_MAX_DEPTH 512
#define CP_BUF_SIZE (256U << 10)

struct cp_tar {
        struct archive *a;
        char *buf;
};

static int cp_tar_fail(struct cp_tar *t, const char *rel, struct berth_error **err)
{
        return berth_err_msg(err, EIO, "write tar entry `%s`: %s", rel,
                             archive_error_string(t->a) ?: "failed");
}

static int cp_tar_entry(struct cp_tar *t, int dfd, const char *name, const char *rel, unsigned depth,
                        struct berth_error **err);

static int cp_tar_dir(struct cp_tar *t, int fd, const char *rel, unsigned depth, struct berth_error **err)
{
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int lfd, r = 0;

        if (depth > CP_MAX_DEPTH)
                return berth_err_msg(err, ELOOP, "`%s`: directories nested too deep", rel);
        /* A second open for the listing: fd itself stays the base of every openat below. */
        lfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (lfd < 0 || !(d = fdopendir(lfd))) {
                if (lfd >= 0)
                        close(lfd);
                return berth_err(err, errno, "open directory `%s`", rel);
        }
        while (r >= 0 && (errno = 0, de = readdir(d))) {
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                _cleanup_free_ char *sub = xasprintf("%s/%s", rel, de->d_name);
                r = cp_tar_entry(t, fd, de->d_name, sub, depth + 1, err);
        }
        if (r >= 0 && errno != 0)
                return berth_err(err, errno, "read directory `%s`", rel);
        return r;
}

static int cp_tar_file_data(struct cp_tar *t, int fd, off_t size, const char *rel, struct berth_error **err)
{
        while (size > 0) {
                ssize_t n = read(fd, t->buf, (size_t)size < CP_BUF_SIZE ? (size_t)size : CP_BUF_SIZE);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return berth_err(err, errno, "read `%s`", rel);
                if (n == 0)
                        break; /* truncated meanwhile: libarchive pads the entry to its header's size */
                if (archive_write_data(t->a, t->buf, (size_t)n) < 0)
                        return cp_tar_fail(t, rel, err);
                size -= n;
        }
        return 0;
}

static int cp_tar_entry(struct cp_tar *t, int dfd, const char *name, const char *rel, unsigned depth,
                        struct berth_error **err)
{
        _cleanup_close_ int fd = -EBADF;
        struct archive_entry *e;
        char target[PATH_MAX];
        struct stat st;
        int r = 0;

        /* name "": dfd is the entry itself (an O_PATH fd chased inside the root, for cp -L) */
        if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW | (*name ? 0 : AT_EMPTY_PATH)) < 0)
                return berth_err(err, errno, "stat `%s`", rel);
        if (S_ISSOCK(st.st_mode))
                return 0; /* a tar cannot hold a socket; docker skips them too */
        if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
                /* O_NONBLOCK: a FIFO swapped in meanwhile must not hang us (it fails the check below). */
                int flags = (S_ISDIR(st.st_mode) ? O_DIRECTORY : O_NONBLOCK) | O_RDONLY | O_NOCTTY;
                fd = *name ? openat(dfd, name, flags | O_NOFOLLOW | O_CLOEXEC) : fd_reopen(dfd, flags, NULL);
                if (fd < 0 || fstat(fd, &st) < 0)
                        return berth_err(err, errno, "open `%s`", rel);
                if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
                        return berth_err_msg(err, EAGAIN, "`%s` changed during the copy", rel);
        }
        e = archive_entry_new();
        if (!e)
                oom();
        archive_entry_set_pathname(e, rel);
        archive_entry_set_mode(e, st.st_mode);
        archive_entry_set_uid(e, st.st_uid);
        archive_entry_set_gid(e, st.st_gid);
        archive_entry_set_mtime(e, st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
        if (S_ISREG(st.st_mode))
                archive_entry_set_size(e, st.st_size);
        if (S_ISLNK(st.st_mode)) {
                ssize_t n = readlinkat(dfd, name, target, sizeof(target) - 1);
                if (n < 0)
                        r = berth_err(err, errno, "readlink `%s`", rel);
                target[n < 0 ? 0 : n] = '\0';
                archive_entry_set_symlink(e, target);
        }
        if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
                archive_entry_set_rdevmajor(e, major(st.st_rdev));
                archive_entry_set_rdevminor(e, minor(st.st_rdev));
        }
        if (r >= 0 && archive_write_header(t->a, e) < ARCHIVE_WARN)
                r = cp_tar_fail(t, rel, err);
        archive_entry_free(e);
        if (r >= 0 && S_ISREG(st.st_mode))
                r = cp_tar_file_data(t, fd, st.st_size, rel, err);
        if (r >= 0 && S_ISDIR(st.st_mode))
                r = cp_tar_dir(t, fd, rel, depth, err);
        return r;
}

/* Writes to out_fd a tar of the entry `name` of dfd ("." for dfd itself), named `top` in the tar. */
static int cp_tar_write(int dfd, const char *name, const char *top, int out_fd, struct berth_error **err)
{
        struct cp_tar t = {.a = archive_write_new(), .buf = xmalloc(CP_BUF_SIZE)};
        int r;

        if (!t.a)
                oom();
        archive_write_set_format_pax_restricted(t.a);
        archive_write_add_filter_none(t.a);
        archive_write_set_bytes_in_last_block(t.a, 1);
        if (archive_write_open_fd(t.a, out_fd) != ARCHIVE_OK)
                r = cp_tar_fail(&t, top, err);
        else
                r = cp_tar_entry(&t, dfd, name, top, 0, err);
        if (r >= 0 && archive_write_close(t.a) != ARCHIVE_OK)
                r = cp_tar_fail(&t, top, err);
        archive_write_free(t.a);
        free(t.buf);
        return r;
}

/* Splits a path into its parent ("/" or "." when it has none) and its last name ("." for "/"). */
static void cp_split(const char *path, char **ret_parent, char **ret_base)
{
        _cleanup_free_ char *copy = xstrdup(path);
        char *slash;

        while (strlen(copy) > 1 && copy[strlen(copy) - 1] == '/')
                copy[strlen(copy) - 1] = '\0';
        slash = strrchr(copy, '/');
        if (streq(copy, "/")) {
                *ret_parent = xstrdup("/");
                *ret_base = xstrdup(".");
                return;
        }
        *ret_parent = !slash          ? xstrdup(".")
                      : slash == copy ? xstrdup("/")
                                      : strndup(copy, (size_t)(slash - copy));
        *ret_base = xstrdup(slash ? slash + 1 : copy);
}

/* Resolves dir inside the container root (RESOLVE_IN_ROOT: a symlink never leaves it) to a directory fd. */
static int cp_chase_dir(int rootfd, const char *dir, int *ret_fd, struct berth_error **err)
{
        _cleanup_close_ int pfd = -EBADF;
        int r = chase_at(rootfd, dir, CHASE_NO_MAGICLINKS, &pfd, err);

        if (r < 0)
                return r;
        r = fd_reopen(pfd, O_RDONLY | O_DIRECTORY, err);
        if (r < 0)
                return r;
        *ret_fd = r;
        return 0;
}

/*
 * One side writes the tar (cp_tar_write of dfd/name as top) into a pipe, the other unpacks it with
 * layer_apply into target_fd (never through a symlink, never outside target_fd). The walk runs in this
 * process when walk_here (its errors are ours), else in a child (the extraction's errors are ours).
 */
static int cp_pipe(int dfd, const char *name, const char *top, int target_fd, unsigned apply_flags,
                   bool walk_here, struct berth_error **err)
{
        struct layer_apply_result res;
        int pipefd[2], st, r;
        pid_t pid;

        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return berth_err(err, errno, "pipe");
        pid = fork();
        if (pid < 0) {
                close(pipefd[0]);
                close(pipefd[1]);
                return berth_err(err, errno, "fork");
        }
        if (pid == 0) {
                _cleanup_error_ struct berth_error *cerr = NULL;
                close(pipefd[walk_here ? 1 : 0]);
                r = walk_here ? layer_apply(target_fd, pipefd[0], apply_flags, &res, &cerr)
                              : cp_tar_write(dfd, name, top, pipefd[1], &cerr);
                if (r < 0)
                        fprintf(stderr, "berth: %s\n", cerr->msg);
                _exit(r < 0 ? 1 : 0);
        }
        close(pipefd[walk_here ? 0 : 1]);
        r = walk_here ? cp_tar_write(dfd, name, top, pipefd[1], err)
                      : layer_apply(target_fd, pipefd[0], apply_flags, &res, err);
        close(pipefd[walk_here ? 1 : 0]);
        while (waitpid(pid, &st, 0) < 0)
                if (errno != EINTR)
                        return r < 0 ? r : berth_err(err, errno, "waitpid");
        if (r >= 0 && (!WIFEXITED(st) || WEXITSTATUS(st) != 0))
                return berth_err_msg(err, EIO, "copying failed"); /* the child printed why */
        return r;
}

/*
 * Container -> host: the entry is found from a parent resolved inside the rootfs, walked through fds. With
 * -L a symlink is replaced by its target, resolved inside the rootfs too (the copy keeps the link's name).
 */
static int cp_out(int rootfd, const char *cpath, const char *dest, bool archive, bool follow,
                  struct berth_error **err)
{
        _cleanup_free_ char *parent = NULL, *base = NULL, *dparent = NULL, *dbase = NULL;
        _cleanup_close_ int dfd = -EBADF, tfd = -EBADF, lfd = -EBADF;
        const char *top, *walk;
        struct stat st;
        int r;

        cp_split(cpath, &parent, &base);
        r = cp_chase_dir(rootfd, parent, &dfd, err);
        if (r >= 0 && fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
                r = -errno;
        if (r >= 0 && follow && S_ISLNK(st.st_mode))
                r = chase_at(rootfd, cpath, CHASE_NO_MAGICLINKS, &lfd, err);
        if (r == -ENOENT || r == -ENOTDIR) {
                berth_error_freep(err);
                return berth_err_msg(err, ENOENT, "Could not find the file %s in container", cpath);
        }
        if (r < 0)
                return r;
        walk = lfd >= 0 ? "" : base; /* "": the walk starts at lfd itself */
        if (lfd >= 0) {
                close(dfd);
                dfd = TAKE_FD(lfd);
        }
        if (streq(dest, "-"))
                return cp_tar_write(dfd, walk, base, STDOUT_FILENO, err);
        if (stat(dest, &st) == 0 && S_ISDIR(st.st_mode)) {
                tfd = open(dest, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                top = base;
        } else {
                /* dest is the new name, in its parent directory */
                cp_split(dest, &dparent, &dbase);
                tfd = open(dparent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                top = dbase;
        }
        if (tfd < 0)
                return berth_err(err, errno, "open %s", dparent ?: dest);
        /* As docker: the copies belong to the caller unless -a. */
        return cp_pipe(dfd, walk, top, tfd,
                       LAYER_APPLY_NO_WHITEOUT_CONVERSION | (archive ? 0 : LAYER_APPLY_NO_CHOWN), true, err);
}

/* Host -> container: the destination directory is resolved inside the rootfs and layer_apply unpacks into
 * its fd, refusing any symlink on the way. */
static int cp_in(int rootfd, const char *src, const char *cpath, bool archive, struct berth_error **err)
{
        _cleanup_free_ char *sparent = NULL, *sbase = NULL, *cparent = NULL, *cbase = NULL;
        _cleanup_close_ int sfd = -EBADF, dfd = -EBADF, pfd = -EBADF;
        unsigned flags = LAYER_APPLY_NO_WHITEOUT_CONVERSION | (archive ? 0 : LAYER_APPLY_NO_CHOWN);
        struct layer_apply_result res;
        const char *top;
        struct stat st, cst;
        int r;

        if (streq(src, "-")) {
                r = cp_chase_dir(rootfd, cpath, &dfd, err);
                return r < 0 ? r : layer_apply(dfd, STDIN_FILENO, flags & ~LAYER_APPLY_NO_CHOWN, &res, err);
        }
        cp_split(src, &sparent, &sbase);
        sfd = open(sparent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (sfd < 0 || fstatat(sfd, sbase, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return berth_err(err, errno, "lstat %s", src);
        r = chase_at(rootfd, cpath, CHASE_NO_MAGICLINKS, &pfd, err);
        if (r >= 0 && fstat(pfd, &cst) == 0 && S_ISDIR(cst.st_mode)) {
                /* an existing directory: the source goes in it (its fd, the path is not resolved again) */
                r = dfd = fd_reopen(pfd, O_RDONLY | O_DIRECTORY, err);
                top = sbase;
        } else if (r >= 0 || r == -ENOENT) {
                /* a new name, or a file to replace: in the parent, under that name */
                berth_error_freep(err);
                if (r >= 0 && S_ISDIR(st.st_mode))
                        return berth_err_msg(err, ENOTDIR, "cannot copy a directory to a file: %s", cpath);
                cp_split(cpath, &cparent, &cbase);
                r = cp_chase_dir(rootfd, cparent, &dfd, err);
                top = cbase;
        }
        if (r < 0)
                return r;
        return cp_pipe(sfd, sbase, top, dfd, flags, false, err);
}

int cmd_container_cp(struct cli_context *ctx, struct cli_args *args)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_store_ struct store *s = NULL;
        _cleanup_container_ struct container *c = NULL;
        char **argv = cli_argv(args);
        const char *spath = NULL, *dpath = NULL;
        _cleanup_free_ char *sname = split_container(argv[0], &spath),
                            *dname = split_container(argv[1], &dpath);
        int fd = -1, r;
        bool mounted = false;

        signal(SIGPIPE, SIG_IGN); /* a failed extraction must not kill us mid-write: its error is reported */
        if ((sname && dname) || (!sname && !dname))
                return cli_failf(ctx, sname ? "copying between containers is not supported"
                                            : "must specify at least one container source");
        if (engine_store_open(ctx, &s, &err) < 0 || container_load(s, sname ?: dname, &c, &err) < 0)
                return cli_fail(ctx, err);
        r = rootfs_open(s, c, &fd, &mounted, &err);
        if (r == 0)
                r = sname ? cp_out(fd, *spath ? spath : "/", argv[1], cli_bool(args, "archive"),
                                   cli_bool(args, "follow-link"), &err)
                          : cp_in(fd, argv[0], *dpath ? dpath : "/", cli_bool(args, "archive"), &err);
        rootfs_close(s, c, fd, mounted);
        return r < 0 ? cli_fail(ctx, err) : CLI_EXIT_OK;
}
