/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The built-in hello-world image: made once, on demand, with the same ID in
 * every store; its /hello (executed straight from the unpacked layer) prints
 * berth's greeting; the store checks clean afterwards.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs-util.h"
#include "base/strv.h"
#include "base/xalloc.h"
#include "store/builtin-images.h"
#include "store/fsck.h"
#include "store/image.h"
#include "store/layer-store.h"
#include "store/store.h"
#include "tap.h"

static char tmp[] = "/var/tmp/test-builtin-XXXXXX";
static int n_stores;

static struct store *new_store(void)
{
        _cleanup_free_ char *root = xasprintf("%s/root%d", tmp, n_stores),
                            *run = xasprintf("%s/run%d", tmp, n_stores);
        _cleanup_error_ struct berth_error *err = NULL;
        struct store *s = NULL;

        n_stores++;
        if (store_open(root, run, &s, &err) < 0) {
                printf("# store_open: %s\n", err->msg);
                return NULL;
        }
        return s;
}

static int ensure(struct store *s, const char *name)
{
        _cleanup_error_ struct berth_error *err = NULL;
        int r = builtin_image_ensure(s, name, &err);

        if (r < 0)
                printf("# builtin_image_ensure %s: %s\n", name, err->msg);
        return r;
}

/* Runs path with stdout into a pipe; returns its output (and exit status in *ret_status). */
static char *run_capture(const char *path, int *ret_status)
{
        _cleanup_free_ char *out = xmalloc(1 << 16);
        size_t len = 0;
        int p[2], st;
        pid_t pid;

        if (pipe2(p, O_CLOEXEC) < 0)
                return NULL;
        pid = fork();
        if (pid == 0) {
                dup2(p[1], 1);
                execl(path, path, (char *)NULL);
                _exit(127);
        }
        close(p[1]);
        for (;;) {
                ssize_t n = read(p[0], out + len, (1 << 16) - 1 - len);
                if (n <= 0)
                        break;
                len += (size_t)n;
        }
        close(p[0]);
        out[len] = 0;
        if (waitpid(pid, &st, 0) < 0)
                return NULL;
        *ret_status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        return TAKE_PTR(out);
}

TEST(names)
{
        ASSERT_TRUE(builtin_image_is("hello-world"));
        ASSERT_TRUE(builtin_image_is("hello-world:latest"));
        ASSERT_TRUE(builtin_image_is("library/hello-world"));
        ASSERT_TRUE(builtin_image_is("docker.io/library/hello-world:latest"));
        ASSERT_TRUE(!builtin_image_is("hello-world:linux"));
        ASSERT_TRUE(!builtin_image_is("quay.io/hello-world"));
        ASSERT_TRUE(!builtin_image_is("busybox"));
        ASSERT_TRUE(!builtin_image_is("Hello-World"));
        ASSERT_TRUE(!builtin_image_is(NULL));
}

TEST(ensure_creates_once)
{
        _cleanup_store_ struct store *s = new_store();
        _cleanup_image_ struct image *img = NULL, *again = NULL;
        _cleanup_error_ struct berth_error *err = NULL;
        struct image **list = NULL;
        size_t n = 0;

        ASSERT_TRUE(s);
        ASSERT_EQ(ensure(s, "busybox"), 0);
        ASSERT_EQ(ensure(s, "hello-world:v2"), 0);
        ASSERT_OK(image_list(s, &list, &n, &err));
        image_list_free(list, n);
        ASSERT_EQ(n, 0);

        ASSERT_EQ(ensure(s, "hello-world"), 1);
        ASSERT_OK(image_lookup(s, "hello-world", &img, &err));
        ASSERT_EQ(ensure(s, "hello-world:latest"), 0);
        ASSERT_OK(image_list(s, &list, &n, &err));
        image_list_free(list, n);
        ASSERT_EQ(n, 1);
        ASSERT_OK(image_lookup(s, "docker.io/library/hello-world:latest", &again, &err));
        ASSERT_STREQ(img->id, again->id);
        ASSERT_EQ(img->n_layers, 1);
        ASSERT_TRUE(strv_contains(img->tags, BUILTIN_HELLO_WORLD_REF));
        ASSERT_STREQ(json_string_value(
                         json_array_get(json_object_get(json_object_get(img->config, "config"), "Cmd"), 0)),
                     "/hello");
        ASSERT_STREQ(json_string_value(json_object_get(img->config, "os")), "linux");
        ASSERT_STREQ(json_string_value(json_object_get(img->config, "created")), "2024-01-01T00:00:00Z");
        ASSERT_TRUE(img->size > 0 && img->size < 64 * 1024); /* a few KB */
}

TEST(id_is_stable_across_stores)
{
        _cleanup_store_ struct store *a = new_store(), *b = new_store();
        _cleanup_image_ struct image *ia = NULL, *ib = NULL;
        _cleanup_error_ struct berth_error *err = NULL;

        ASSERT_TRUE(a && b);
        ASSERT_EQ(ensure(a, "hello-world"), 1);
        sleep(1); /* a timestamp taken at creation would now differ */
        ASSERT_EQ(ensure(b, "hello-world"), 1);
        ASSERT_OK(image_lookup(a, "hello-world", &ia, &err));
        ASSERT_OK(image_lookup(b, "hello-world", &ib, &err));
        ASSERT_STREQ(ia->id, ib->id);
        ASSERT_STREQ(ia->manifest_digest, ib->manifest_digest);
        ASSERT_STREQ(ia->diff_ids[0], ib->diff_ids[0]);
}

TEST(hello_runs_from_the_layer)
{
        _cleanup_store_ struct store *s = new_store();
        _cleanup_image_ struct image *img = NULL;
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_free_ char *diff = NULL, *path = NULL, *out = NULL;
        struct stat st;
        int status = -1;

        ASSERT_TRUE(s);
        ASSERT_EQ(ensure(s, "hello-world"), 1);
        ASSERT_OK(image_lookup(s, "hello-world", &img, &err));
        diff = layer_store_diff_path(s, img->chain_ids[0]);
        path = xasprintf("%s/hello", diff);
        ASSERT_EQ(stat(path, &st), 0);
        ASSERT_TRUE(S_ISREG(st.st_mode));
        ASSERT_EQ(st.st_mode & 07777, 0755);
        ASSERT_EQ(st.st_uid, 0);
        out = run_capture(path, &status);
        ASSERT_TRUE(out);
        ASSERT_EQ(status, 0);
        ASSERT_TRUE(strncmp(out, "Hello from berth!\n", 18) == 0);
        ASSERT_TRUE(strstr(out, "berth run -it debian bash"));
}

TEST(store_checks_clean_after_ensure)
{
        _cleanup_store_ struct store *s = new_store();
        _cleanup_fsck_report_ struct store_fsck_report *rep = NULL;
        _cleanup_error_ struct berth_error *err = NULL;

        ASSERT_TRUE(s);
        ASSERT_EQ(ensure(s, "hello-world"), 1);
        ASSERT_OK(store_fsck(s, 0, &rep, &err));
        ASSERT_EQ(rep->n_problems, 0);
        ASSERT_EQ(rep->n_images, 1);
        ASSERT_EQ(rep->n_blobs, 3);
}

int main(void)
{
        if (geteuid() != 0) {
                printf("1..0 # SKIP needs root (layers keep owners)\n");
                return 77;
        }
        if (!mkdtemp(tmp))
                return 1;
        RUN(names);
        RUN(ensure_creates_once);
        RUN(id_is_stable_across_stores);
        RUN(hello_runs_from_the_layer);
        RUN(store_checks_clean_after_ensure);
        (void)rm_rf_at(AT_FDCWD, tmp, NULL);
        TAP_DONE();
}
