/* SPDX-License-Identifier: Apache-2.0 */
/* `import`, `save` and `load`: images in and out of the store as files, as docker's client does it. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef HAVE_LIBCURL
#include <curl/curl.h>
#include <dlfcn.h>
#endif

#include "base/cleanup.h"
#include "base/fs-util.h"
#include "base/strv.h"
#include "base/xalloc.h"
#include "cmd-image.h"
#include "engine.h"
#include "store/archive.h"
#include "store/reference.h"

/* Go prints errno texts in lower case: "open x.tar: no such file or directory". */
static int go_errno(struct berth_error **err, int e, const char *what, const char *path)
{
        _cleanup_free_ char *text = xstrdup(strerror(e));

        if (text[0] >= 'A' && text[0] <= 'Z')
                text[0] = (char)(text[0] - 'A' + 'a');
        return berth_err_msg(err, e, "%s %s: %s", what, path, text);
}

/* ---- import */

const struct cli_option image_import_options[] = {
    {"change", 'c', CLI_OPT_LIST, "list", NULL, "Apply Dockerfile instruction to the created image"},
    {"message", 'm', CLI_OPT_STRING, "string", NULL, "Set commit message for imported image"},
    {"platform", 0, CLI_OPT_STRING, "string", NULL, "Set platform if server is multi-platform capable"},
    {NULL},
};

static bool is_url(const char *s)
{
        return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0;
}

/* An unlinked temporary file in $TMPDIR (or /var/tmp: a download may be large). */
static int tmpfile_fd(struct berth_error **err)
{
        const char *dir = secure_getenv("TMPDIR") ?: "/var/tmp";
        int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

        if (fd < 0)
                return berth_err(err, errno, "create a temporary file in `%s`", dir);
        return fd;
}

#ifdef HAVE_LIBCURL
static size_t curl_write_fd(char *ptr, size_t size, size_t n, void *userdata)
{
        return write_all(*(int *)userdata, ptr, size * n) < 0 ? 0 : size * n;
}

/*
 * libcurl is loaded only when a URL is imported: linked, it and its ~30
 * dependencies (gnutls, krb5, ldap, ...) cost every berth command ~6 ms of
 * dynamic loading, `run` included (docs: issue 4, Performance).
 */
struct curl_fns {
        CURL *(*init)(void);
        CURLcode (*setopt)(CURL *, CURLoption, ...);
        CURLcode (*perform)(CURL *);
        CURLcode (*getinfo)(CURL *, CURLINFO, ...);
        void (*cleanup)(CURL *);
        const char *(*strerror)(CURLcode);
};

static bool curl_load(struct curl_fns *f)
{
        void *h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);

        if (!h)
                return false;
        /* Never closed: the process is short-lived and libcurl keeps global state. */
        *(void **)&f->init = dlsym(h, "curl_easy_init");
        *(void **)&f->setopt = dlsym(h, "curl_easy_setopt");
        *(void **)&f->perform = dlsym(h, "curl_easy_perform");
        *(void **)&f->getinfo = dlsym(h, "curl_easy_getinfo");
        *(void **)&f->cleanup = dlsym(h, "curl_easy_cleanup");
        *(void **)&f->strerror = dlsym(h, "curl_easy_strerror");
        return f->init && f->setopt && f->perform && f->getinfo && f->cleanup && f->strerror;
}

static int download_curl(const struct curl_fns *f, const char *url, int fd, struct berth_error **err)
{
        char errbuf[CURL_ERROR_SIZE] = "";
        CURL *c = f->init();
        long code = 0;
        CURLcode rc;

        if (!c)
                return berth_err_msg(err, ENOMEM, "cannot initialise libcurl");
        f->setopt(c, CURLOPT_URL, url);
        f->setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
        f->setopt(c, CURLOPT_FAILONERROR, 1L);
        f->setopt(c, CURLOPT_ERRORBUFFER, errbuf);
        f->setopt(c, CURLOPT_WRITEFUNCTION, curl_write_fd);
        f->setopt(c, CURLOPT_WRITEDATA, &fd);
        rc = f->perform(c);
        f->getinfo(c, CURLINFO_RESPONSE_CODE, &code);
        f->cleanup(c);
        if (rc != CURLE_OK)
                return berth_err_msg(err, EIO, "Get \"%s\": %s", url, *errbuf ? errbuf : f->strerror(rc));
        return 0;
}
#endif

/* Without libcurl, curl(1) streams the body into fd. */
static int download_exec(const char *url, int fd, struct berth_error **err)
{
        int status;
        pid_t pid = fork();

        if (pid < 0)
                return berth_err(err, errno, "fork");
        if (pid == 0) {
                if (dup2(fd, STDOUT_FILENO) < 0)
                        _exit(127);
                execlp("curl", "curl", "-fsSL", "--", url, (char *)NULL);
                _exit(127);
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return berth_err(err, errno, "waitpid");
        if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
                return berth_err_msg(err, ENOSYS, "Get \"%s\": no HTTP client (curl) available", url);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return berth_err_msg(err, EIO, "Get \"%s\": download failed (curl exit status %d)", url,
                                     WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
        return 0;
}

static int download(const char *url, int fd, struct berth_error **err)
{
#ifdef HAVE_LIBCURL
        struct curl_fns f;

        if (curl_load(&f))
                return download_curl(&f, url, fd, err);
#endif
        return download_exec(url, fd, err);
}

/* The fd to import from: stdin for "-", the file, or a temp file holding the URL's body. */
static int import_source_fd(const char *src, int *ret, struct berth_error **err)
{
        int fd, r;

        if (streq(src, "-")) {
                *ret = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
                return *ret < 0 ? berth_err(err, errno, "dup stdin") : 0;
        }
        if (!is_url(src)) {
                fd = open(src, O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        return go_errno(err, errno, "open", src);
                *ret = fd;
                return 0;
        }
        fd = tmpfile_fd(err);
        if (fd < 0)
                return fd;
        r = download(src, fd, err);
        if (r == 0 && lseek(fd, 0, SEEK_SET) < 0)
                r = berth_err(err, errno, "rewind the download");
        if (r < 0) {
                close(fd);
                return r;
        }
        *ret = fd;
        return 0;
}

int cmd_image_import(struct cli_context *ctx, struct cli_args *args)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_store_ struct store *s = NULL;
        _cleanup_image_ struct image *img = NULL;
        _cleanup_close_ int fd = -EBADF;
        char **argv = cli_argv(args);
        const char *ref = cli_argc(args) > 1 ? argv[1] : NULL;
        struct image_import_options o = {
            .ref = ref,
            .changes = cli_list(args, "change"),
            .message = cli_string(args, "message"),
            .source = is_url(argv[0]) ? argv[0] : "-",
        };

        if (ref) {
                /* docker validates the repository before reading anything. */
                _cleanup_image_ref_ struct image_ref *r = NULL;
                if (image_ref_parse(ref, IMAGE_REF_DEFAULT_TAG, &r, &err) < 0)
                        return cli_fail(ctx, err);
        }
        if (engine_store_open(ctx, &s, &err) < 0 || import_source_fd(argv[0], &fd, &err) < 0 ||
            image_import(s, fd, &o, &img, &err) < 0)
                return cli_fail(ctx, err);
        printf("%s\n", img->id);
        return CLI_EXIT_OK;
}

/* ---- save */

const struct cli_option image_save_options[] = {
    {"format", 0, CLI_OPT_STRING, "string", "docker-archive", "Save image to docker-archive or oci-archive"},
    {"output", 'o', CLI_OPT_STRING, "string", NULL, "Write to a file, instead of STDOUT"},
    {"platform", 0, CLI_OPT_STRING, "string", NULL, "Save only the given platform variant"},
    {NULL},
};

/* docker's CopyToFile: a temp file beside the target, renamed over it once complete. */
static int save_to_file(struct store *s, char **names, const char *path, enum image_archive_format fmt,
                        struct berth_error **err)
{
        _cleanup_free_ char *copy = xstrdup(path), *tmp = NULL;
        _cleanup_close_ int fd = -EBADF;
        int r;

        tmp = xasprintf("%s/.berth_temp_XXXXXX", dirname(copy));
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return go_errno(err, errno, "open", path);
        r = image_save(s, names, fd, fmt, err);
        if (r == 0 && fsync(fd) < 0)
                r = berth_err(err, errno, "fsync `%s`", tmp);
        if (r == 0 && fchmod(fd, 0644 & ~umask(umask(0))) < 0)
                r = berth_err(err, errno, "chmod `%s`", tmp);
        if (r == 0 && rename(tmp, path) < 0)
                r = go_errno(err, errno, "rename", path);
        if (r < 0)
                (void)unlink(tmp);
        return r;
}

int cmd_image_save(struct cli_context *ctx, struct cli_args *args)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_store_ struct store *s = NULL;
        const char *out = cli_string(args, "output");
        enum image_archive_format fmt = image_archive_format_from_string(cli_string(args, "format"));
        char **names = cli_argv(args);
        int r;

        if (fmt < 0)
                return cli_failf(ctx, "unsupported format \"%s\": use docker-archive or oci-archive",
                                 cli_string(args, "format"));
        if ((!out || !*out || streq(out, "-")) && isatty(STDOUT_FILENO))
                return cli_failf(ctx,
                                 "cowardly refusing to save to a terminal. Use the -o flag or redirect");
        if (engine_store_open(ctx, &s, &err) < 0)
                return cli_fail(ctx, err);
        if (out && *out && !streq(out, "-"))
                r = save_to_file(s, names, out, fmt, &err);
        else
                r = image_save(s, names, STDOUT_FILENO, fmt, &err);
        if (r < 0) {
                for (size_t i = 0; names[i]; i++)
                        engine_reword_no_such_image(names[i], true, &err);
                return cli_fail(ctx, err);
        }
        return CLI_EXIT_OK;
}

/* ---- load */

const struct cli_option image_load_options[] = {
    {"input", 'i', CLI_OPT_STRING, "string", NULL, "Read from tar archive file, instead of STDIN"},
    {"platform", 0, CLI_OPT_STRING, "string", NULL, "Load only the given platform variant"},
    {"quiet", 'q', CLI_OPT_BOOL, NULL, NULL, "Suppress the load output"},
    {NULL},
};

int cmd_image_load(struct cli_context *ctx, struct cli_args *args)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_store_ struct store *s = NULL;
        _cleanup_strv_ char **loaded = NULL;
        _cleanup_close_ int fd = -EBADF;
        const char *in = cli_string(args, "input");
        struct stat st;
        int r;

        if (!in || !*in) {
                if (isatty(STDIN_FILENO))
                        return cli_failf(ctx, "requested load from stdin, but stdin is empty");
                fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
        } else {
                fd = open(in, O_RDONLY | O_CLOEXEC);
                if (fd < 0) {
                        go_errno(&err, errno, "open", in);
                        return cli_fail(ctx, err);
                }
        }
        if (fd < 0 || fstat(fd, &st) < 0)
                return cli_failf(ctx, "%s", strerror(errno));
        if (engine_store_open(ctx, &s, &err) < 0)
                return cli_fail(ctx, err);
        /* A directory is an OCI image layout (skopeo's oci:DIR, umoci) or an unpacked docker-archive. */
        if (S_ISDIR(st.st_mode))
                r = image_load_dir(s, fd, &loaded, &err);
        else
                r = image_load(s, fd, &loaded, &err);
        if (r < 0)
                return cli_fail(ctx, err);
        for (size_t i = 0; loaded && loaded[i]; i++)
                printf("%s\n", loaded[i]);
        return CLI_EXIT_OK;
}
