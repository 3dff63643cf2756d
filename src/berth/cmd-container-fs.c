/* SPDX-License-Identifier: Apache-2.0 */
/* A container's filesystem: `export`, `diff`, `commit`, `cp`. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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

/* Runs tar with stdin/stdout as given: `tar -c -C dir name` or `tar -x -C dir`. */
static int run_tar(char *const argv[], int in_fd, int out_fd, struct berth_error **err)
{
        pid_t pid = fork();
        int st;

        if (pid < 0)
                return berth_err(err, errno, "fork");
        if (pid == 0) {
                if ((in_fd >= 0 && dup2(in_fd, STDIN_FILENO) < 0) ||
                    (out_fd >= 0 && dup2(out_fd, STDOUT_FILENO) < 0))
                        _exit(127);
                execvp("tar", argv);
                _exit(127);
        }
        if (in_fd >= 0)
                close(in_fd);
        if (out_fd >= 0)
                close(out_fd);
        while (waitpid(pid, &st, 0) < 0)
                if (errno != EINTR)
                        return berth_err(err, errno, "waitpid");
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
                return berth_err_msg(err, EIO, "tar failed");
        return 0;
}

/* Container -> host: a tar of the path (resolved inside the rootfs), unpacked by tar(1) or sent to stdout.
 */
static int cp_out(int rootfd, const char *cpath, const char *dest, struct berth_error **err)
{
        _cleanup_close_ int pfd = -EBADF, dfd = -EBADF;
        _cleanup_free_ char *copy = xstrdup(cpath), *parent = NULL, *base = NULL, *pdir = NULL;
        int pipefd[2], r;
        char diff_id[72];
        struct stat st;
        char *slash;

        while (strlen(copy) > 1 && copy[strlen(copy) - 1] == '/')
                copy[strlen(copy) - 1] = '\0';
        slash = strrchr(copy, '/');
        parent = slash ? strndup(copy, (size_t)(slash - copy)) : xstrdup(".");
        base = xstrdup(slash ? slash + 1 : copy);
        r = chase_at(rootfd, *parent ? parent : "/", CHASE_NO_MAGICLINKS, &pfd, err);
        if (r < 0)
                return r;
        dfd = fd_reopen(pfd, O_RDONLY | O_DIRECTORY, err);
        if (dfd < 0)
                return dfd;
        if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return berth_err_msg(err, ENOENT, "Could not find the file %s in container", cpath);
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return berth_err(err, errno, "pipe");
        /* The parent dir's content, filtered by tar(1) to the one entry: the dir fd was resolved safely. */
        pid_t pid = fork();
        if (pid == 0) {
                close(pipefd[0]);
                _exit(layer_diff_create(dfd, pipefd[1], 0, diff_id, NULL) < 0 ? 1 : 0);
        }
        close(pipefd[1]);
        if (streq(dest, "-")) {
                /* Stream the single entry as a tar: unpacked aside, then packed alone. */
                _cleanup_free_ char *tmpd = xstrdup("/tmp/berth-cp-XXXXXX");
                if (!mkdtemp(tmpd))
                        return berth_err(err, errno, "mkdtemp");
                char *xargv[] = {"tar", "-x", "-p", "-C", tmpd, base, NULL};
                r = run_tar(xargv, pipefd[0], -1, err);
                if (r == 0) {
                        char *cargv[] = {"tar", "-c", "-C", tmpd, base, NULL};
                        r = run_tar(cargv, -1, dup(STDOUT_FILENO), err);
                }
                char *rmargv[] = {"rm", "-rf", tmpd, NULL};
                pid_t rp = fork();
                if (rp == 0) {
                        execvp("rm", rmargv);
                        _exit(1);
                }
                waitpid(rp, NULL, 0);
        } else {
                struct stat dst;
                _cleanup_free_ char *tdir = NULL, *rename_from = NULL, *rename_to = NULL;
                if (stat(dest, &dst) == 0 && S_ISDIR(dst.st_mode)) {
                        tdir = xstrdup(dest);
                } else {
                        /* dest is the new name: unpack beside it, then rename. */
                        _cleanup_free_ char *dcopy = xstrdup(dest);
                        char *ds = strrchr(dcopy, '/');
                        tdir = ds ? (ds == dcopy ? xstrdup("/") : strndup(dcopy, (size_t)(ds - dcopy)))
                                  : xstrdup(".");
                        if (!streq(base, ds ? ds + 1 : dcopy)) {
                                rename_from = xasprintf("%s/%s", tdir, base);
                                rename_to = xstrdup(dest);
                        }
                }
                char *xargv[] = {"tar", "-x", "-p", "-C", tdir, base, NULL};
                r = run_tar(xargv, pipefd[0], -1, err);
                if (r == 0 && rename_from && rename(rename_from, rename_to) < 0)
                        r = berth_err(err, errno, "rename to %s", rename_to);
        }
        waitpid(pid, NULL, 0);
        return r;
}

/* Host -> container: tar(1) packs the source; layer_apply unpacks it without ever leaving the rootfs. */
static int cp_in(int rootfd, const char *src, const char *cpath, struct berth_error **err)
{
        _cleanup_close_ int pfd = -EBADF, dfd = -EBADF;
        struct layer_apply_result res;
        int pipefd[2], r;
        struct stat st;

        r = chase_at(rootfd, cpath, CHASE_NO_MAGICLINKS, &pfd, err);
        if (r == -ENOENT) {
                /* A new name: the source goes in the parent under that name. */
                berth_error_freep(err);
                _cleanup_free_ char *copy = xstrdup(cpath);
                char *slash = strrchr(copy, '/');
                if (!slash)
                        return berth_err_msg(err, ENOENT, "Could not find the file %s in container", cpath);
                *slash = '\0';
                r = chase_at(rootfd, *copy ? copy : "/", CHASE_NO_MAGICLINKS, &pfd, err);
                if (r < 0)
                        return r;
                dfd = fd_reopen(pfd, O_RDONLY | O_DIRECTORY, err);
                if (dfd < 0)
                        return dfd;
                if (pipe2(pipefd, O_CLOEXEC) < 0)
                        return berth_err(err, errno, "pipe");
                _cleanup_free_ char *transform = xasprintf("s,^\\./,%s/,", slash + 1);
                _cleanup_free_ char *sdir = stat(src, &st) == 0 && S_ISDIR(st.st_mode) ? xstrdup(src) : NULL;
                if (sdir) {
                        char *argv[] = {"tar", "-c", "-C", sdir, "--transform", transform, ".", NULL};
                        pid_t pid = fork();
                        if (pid == 0) {
                                close(pipefd[0]);
                                dup2(pipefd[1], STDOUT_FILENO);
                                execvp("tar", argv);
                                _exit(127);
                        }
                        close(pipefd[1]);
                        r = layer_apply(dfd, pipefd[0], LAYER_APPLY_NO_WHITEOUT_CONVERSION, &res, err);
                        close(pipefd[0]);
                        waitpid(pid, NULL, 0);
                        return r;
                }
                _cleanup_free_ char *sc = xstrdup(src);
                char *ss = strrchr(sc, '/');
                _cleanup_free_ char *sparent =
                    ss ? (ss == sc ? xstrdup("/") : strndup(sc, (size_t)(ss - sc))) : xstrdup(".");
                _cleanup_free_ char *xf = xasprintf("s,^%s$,%s,", ss ? ss + 1 : sc, slash + 1);
                char *argv[] = {"tar", "-c", "-C", sparent, "--transform", xf, ss ? ss + 1 : sc, NULL};
                pid_t pid = fork();
                if (pid == 0) {
                        close(pipefd[0]);
                        dup2(pipefd[1], STDOUT_FILENO);
                        execvp("tar", argv);
                        _exit(127);
                }
                close(pipefd[1]);
                r = layer_apply(dfd, pipefd[0], LAYER_APPLY_NO_WHITEOUT_CONVERSION, &res, err);
                close(pipefd[0]);
                waitpid(pid, NULL, 0);
                return r;
        }
        if (r < 0)
                return r;
        dfd = fd_reopen(pfd, O_RDONLY | O_DIRECTORY, err);
        if (dfd < 0)
                return dfd;
        if (streq(src, "-"))
                return layer_apply(dfd, STDIN_FILENO, LAYER_APPLY_NO_WHITEOUT_CONVERSION, &res, err);
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return berth_err(err, errno, "pipe");
        _cleanup_free_ char *sc = xstrdup(src);
        while (strlen(sc) > 1 && sc[strlen(sc) - 1] == '/')
                sc[strlen(sc) - 1] = '\0';
        char *ss = strrchr(sc, '/');
        _cleanup_free_ char *sparent =
            ss ? (ss == sc ? xstrdup("/") : strndup(sc, (size_t)(ss - sc))) : xstrdup(".");
        char *argv[] = {"tar", "-c", "-C", sparent, ss ? ss + 1 : sc, NULL};
        pid_t pid = fork();
        if (pid == 0) {
                close(pipefd[0]);
                dup2(pipefd[1], STDOUT_FILENO);
                execvp("tar", argv);
                _exit(127);
        }
        close(pipefd[1]);
        r = layer_apply(dfd, pipefd[0], LAYER_APPLY_NO_WHITEOUT_CONVERSION, &res, err);
        close(pipefd[0]);
        waitpid(pid, NULL, 0);
        return r;
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

        if ((sname && dname) || (!sname && !dname))
                return cli_failf(ctx, sname ? "copying between containers is not supported"
                                            : "must specify at least one container source");
        if (engine_store_open(ctx, &s, &err) < 0 || container_load(s, sname ?: dname, &c, &err) < 0)
                return cli_fail(ctx, err);
        r = rootfs_open(s, c, &fd, &mounted, &err);
        if (r == 0)
                r = sname ? cp_out(fd, *spath ? spath : "/", argv[1], &err)
                          : cp_in(fd, argv[0], *dpath ? dpath : "/", &err);
        rootfs_close(s, c, fd, mounted);
        return r < 0 ? cli_fail(ctx, err) : CLI_EXIT_OK;
}
