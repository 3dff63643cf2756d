/* SPDX-License-Identifier: Apache-2.0 */
/*
 * import / save / load against real stores in temporary roots: compressed
 * rootfs tarballs, --change lines, docker-archive and oci-archive round trips
 * into a second store, legacy docker-archives with symlinked layers, and
 * corrupt, truncated and hostile archives that must leave the target store
 * without a new image.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs-util.h"
#include "base/json-util.h"
#include "base/strv.h"
#include "base/xalloc.h"
#include "store/archive.h"
#include "store/image-import.h"
#include "store/image.h"
#include "store/layer-store.h"
#include "store/store.h"
#include "tap.h"
#include "test-util.h"

static char tmp[] = "/var/tmp/test-archive-XXXXXX";
static int n_stores;

/* Runs a shell line (the test builds its inputs with the real tar, gzip, xz, zstd). */

static struct store *new_store(void)
{
        _cleanup_free_ char *root = xasprintf("%s/root%d", tmp, n_stores),
                            *run = xasprintf("%s/run%d", tmp, n_stores);
        struct berth_error *err = NULL;
        struct store *s = NULL;

        n_stores++;
        if (store_open(root, run, &s, &err) < 0) {
                printf("# store_open: %s\n", err->msg);
                berth_error_free(err);
                return NULL;
        }
        return s;
}

static size_t count_images(struct store *s)
{
        _cleanup_error_ struct berth_error *err = NULL;
        struct image **list = NULL;
        size_t n = 0;

        if (image_list(s, &list, &n, &err) < 0)
                return (size_t)-1;
        image_list_free(list, n);
        return n;
}

static int open_file(const char *name, int flags)
{
        _cleanup_free_ char *p = xasprintf("%s/%s", tmp, name);

        return open(p, flags | O_CLOEXEC, 0644);
}

static int do_import(struct store *s, const char *file, const char *ref, char **changes, struct image **ret)
{
        _cleanup_close_ int fd = open_file(file, O_RDONLY);
        struct image_import_options o = {.ref = ref, .changes = changes, .source = "-"};
        _cleanup_error_ struct berth_error *err = NULL;
        int r;

        if (fd < 0)
                return -errno;
        r = image_import(s, fd, &o, ret, &err);
        if (r < 0)
                printf("# import %s: %s\n", file, err->msg);
        return r;
}

static int do_save(struct store *s, const char *file, char **names, enum image_archive_format fmt)
{
        _cleanup_close_ int fd = open_file(file, O_WRONLY | O_CREAT | O_TRUNC);
        _cleanup_error_ struct berth_error *err = NULL;
        int r = image_save(s, names, fd, fmt, &err);

        if (r < 0)
                printf("# save: %s\n", err->msg);
        return r;
}

/* Loads file; the error message (if any) is returned in *ret_msg. */
static int do_load(struct store *s, const char *file, char ***ret, char **ret_msg)
{
        _cleanup_close_ int fd = open_file(file, O_RDONLY);
        _cleanup_error_ struct berth_error *err = NULL;
        int r = image_load(s, fd, ret, &err);

        if (r < 0) {
                printf("# load %s: %s\n", file, err->msg);
                if (ret_msg)
                        *ret_msg = xstrdup(err->msg);
        }
        return r;
}

static bool layer_has(struct store *s, struct image *img, const char *file)
{
        _cleanup_free_ char *diff = NULL, *p = NULL;

        if (img->n_layers == 0)
                return false;
        diff = layer_store_diff_path(s, img->chain_ids[img->n_layers - 1]);
        p = xasprintf("%s/%s", diff, file);
        return access(p, F_OK) == 0;
}

static const char *cfg_str(struct image *img, const char *key)
{
        return json_string_value(json_object_get(json_object_get(img->config, "config"), key));
}

TEST(import_compressions)
{
        const char *files[] = {"rootfs.tar", "rootfs.tar.gz", "rootfs.tar.xz", "rootfs.tar.zst",
                               "rootfs.tar.bz2"};
        char *changes[] = {"CMD [\"sh\"]", "ENV A=b C=\"d e\"",  "EXPOSE 80 53/udp",
                           "LABEL x=y",    "WORKDIR /srv",       "USER nobody",
                           "VOLUME /data", "STOPSIGNAL SIGTERM", NULL};
        _cleanup_store_ struct store *s = new_store();
        char first_diff[DIGEST_STRING_MAX] = "";

        ASSERT_TRUE(s);
        for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
                _cleanup_image_ struct image *img = NULL;
                json_t *c, *h;
                ASSERT_OK(do_import(s, files[i], "test/imp:v1", changes, &img));
                c = json_object_get(img->config, "config");
                ASSERT_EQ(img->n_layers, 1);
                if (i == 0)
                        snprintf(first_diff, sizeof(first_diff), "%s", img->diff_ids[0]);
                /* The layer is stored uncompressed: its blob is its diff ID, whatever came in. */
                ASSERT_STREQ(img->diff_ids[0], first_diff);
                ASSERT_STREQ(json_string_value(json_object_get(
                                 json_array_get(json_object_get(img->manifest, "layers"), 0), "digest")),
                             first_diff);
                ASSERT_STREQ(json_string_value(json_array_get(json_object_get(c, "Cmd"), 0)), "sh");
                ASSERT_EQ(json_array_size(json_object_get(c, "Cmd")), 1);
                ASSERT_STREQ(json_string_value(json_array_get(json_object_get(c, "Env"), 0)), "A=b");
                ASSERT_STREQ(json_string_value(json_array_get(json_object_get(c, "Env"), 1)), "C=d e");
                ASSERT_TRUE(json_object_get(json_object_get(c, "ExposedPorts"), "80/tcp"));
                ASSERT_TRUE(json_object_get(json_object_get(c, "ExposedPorts"), "53/udp"));
                ASSERT_STREQ(json_string_value(json_object_get(json_object_get(c, "Labels"), "x")), "y");
                ASSERT_TRUE(json_object_get(json_object_get(c, "Volumes"), "/data"));
                ASSERT_STREQ(cfg_str(img, "WorkingDir"), "/srv");
                ASSERT_STREQ(cfg_str(img, "User"), "nobody");
                ASSERT_STREQ(cfg_str(img, "StopSignal"), "SIGTERM");
                ASSERT_STREQ(json_string_value(json_object_get(img->config, "os")), "linux");
                ASSERT_TRUE(json_string_value(json_object_get(img->config, "architecture")));
                h = json_array_get(json_object_get(img->config, "history"), 0);
                ASSERT_STREQ(json_string_value(json_object_get(h, "comment")), "Imported from -");
                ASSERT_STREQ(json_string_value(json_object_get(h, "created")),
                             json_string_value(json_object_get(img->config, "created")));
                ASSERT_TRUE(strv_contains(img->tags, "docker.io/test/imp:v1"));
                ASSERT_TRUE(layer_has(s, img, "bin/hello"));
                ASSERT_TRUE(layer_has(s, img, "etc/link"));
        }
}

TEST(import_bad_input)
{
        _cleanup_store_ struct store *s = new_store();
        char *bad_change[] = {"FROM scratch", NULL};
        _cleanup_error_ struct berth_error *err = NULL;
        struct image_import_options o = {.changes = bad_change};

        ASSERT_TRUE(s);
        ASSERT_EQ(image_import(s, -1, &o, NULL, &err), -EINVAL);
        ASSERT_STREQ(err->msg, "from is not a valid change command");
        ASSERT_TRUE(do_import(s, "garbage.bin", NULL, NULL, NULL) < 0);
        ASSERT_TRUE(do_import(s, "empty.tar", NULL, NULL, NULL) < 0);
        ASSERT_EQ(count_images(s), 0);
        /* The garbage that was spooled before it failed to unpack is collected. */
        ASSERT_EQ(sh("test -z \"$(ls -A %s/blobs/sha256)\"", s->root), 0);
}

TEST(change_lines)
{
        _cleanup_json_ json_t *c = json_object();
        _cleanup_error_ struct berth_error *err = NULL;

        ASSERT_OK(image_config_apply_change(c, "cmd echo hi", NULL));
        ASSERT_STREQ(json_string_value(json_array_get(json_object_get(c, "Cmd"), 2)), "echo hi");
        ASSERT_OK(image_config_apply_change(c, "ENTRYPOINT [ \"/bin/sh\" , \"-x\"]", NULL));
        ASSERT_EQ(json_array_size(json_object_get(c, "Entrypoint")), 2);
        ASSERT_OK(image_config_apply_change(c, "CMD [bad", NULL));
        ASSERT_STREQ(json_string_value(json_array_get(json_object_get(c, "Cmd"), 2)), "[bad");
        ASSERT_OK(image_config_apply_change(c, "ENV A B C", NULL));
        ASSERT_OK(image_config_apply_change(c, "ENV A=1 Y='2 3'", NULL));
        ASSERT_STREQ(json_string_value(json_array_get(json_object_get(c, "Env"), 0)), "A=1");
        ASSERT_STREQ(json_string_value(json_array_get(json_object_get(c, "Env"), 1)), "Y=2 3");
        ASSERT_OK(image_config_apply_change(c, "EXPOSE 8000-8002/TCP", NULL));
        ASSERT_EQ(json_object_size(json_object_get(c, "ExposedPorts")), 3);
        ASSERT_OK(image_config_apply_change(c, "VOLUME [\"/v\", \"/w\"]", NULL));
        ASSERT_EQ(json_object_size(json_object_get(c, "Volumes")), 2);
        ASSERT_OK(image_config_apply_change(c, "WORKDIR /a", NULL));
        ASSERT_OK(image_config_apply_change(c, "WORKDIR b", NULL));
        ASSERT_STREQ(json_string_value(json_object_get(c, "WorkingDir")), "/a/b");
        ASSERT_OK(image_config_apply_change(c, "ONBUILD RUN x", NULL));
        ASSERT_STREQ(json_string_value(json_array_get(json_object_get(c, "OnBuild"), 0)), "RUN x");
        ASSERT_OK(image_config_apply_change(c, "LABEL \"c d\"=e", NULL));
        ASSERT_STREQ(json_string_value(json_object_get(json_object_get(c, "Labels"), "c d")), "e");
        ASSERT_EQ(image_config_apply_change(c, "EXPOSE 99999", &err), -EINVAL);
        berth_error_freep(&err);
        ASSERT_EQ(image_config_apply_change(c, "ENV x=\"unterminated", &err), -EINVAL);
        berth_error_freep(&err);
        ASSERT_EQ(image_config_apply_change(c, "ENV novalue", &err), -EINVAL);
        berth_error_freep(&err);
        ASSERT_EQ(image_config_apply_change(c, "ONBUILD ONBUILD RUN x", &err), -EINVAL);
}

/* Imports into store A, saves in fmt, loads into a fresh store B: same ID, tags and files. */
static void round_trip(enum image_archive_format fmt, const char *file)
{
        _cleanup_store_ struct store *a = new_store(), *b = new_store();
        _cleanup_image_ struct image *img = NULL, *back = NULL;
        _cleanup_strv_ char **report = NULL, **report2 = NULL;
        char *changes[] = {"CMD [\"sh\"]", NULL};
        char *names[] = {"test/rt:v1", "test/rt:v2", NULL};
        _cleanup_error_ struct berth_error *err = NULL;

        ASSERT_TRUE(a && b);
        ASSERT_OK(do_import(a, "rootfs.tar.gz", "test/rt:v1", changes, &img));
        ASSERT_OK(image_tag(a, "test/rt:v1", "test/rt:v2", &err));
        ASSERT_OK(do_save(a, file, names, fmt));
        ASSERT_OK(do_load(b, file, &report, NULL));
        ASSERT_EQ(strv_length(report), 2);
        ASSERT_TRUE(strv_contains(report, "Loaded image: test/rt:v1"));
        ASSERT_TRUE(strv_contains(report, "Loaded image: test/rt:v2"));
        ASSERT_EQ(count_images(b), 1);
        ASSERT_OK(image_lookup(b, "test/rt:v2", &back, &err));
        ASSERT_STREQ(back->id, img->id);
        ASSERT_STREQ(back->manifest_digest, img->manifest_digest);
        ASSERT_TRUE(layer_has(b, back, "bin/hello"));
        /* A second load of the same archive is a no-op that reports the same. */
        ASSERT_OK(do_load(b, file, &report2, NULL));
        ASSERT_EQ(strv_length(report2), 2);
        ASSERT_EQ(count_images(b), 1);
}

TEST(docker_archive_round_trip)
{
        round_trip(IMAGE_ARCHIVE_DOCKER, "rt-docker.tar");
        ASSERT_EQ(
            sh("cd %s && tar -xOf rt-docker.tar manifest.json | grep -q '\"RepoTags\":\\[\"test/rt:v1\"' && "
               "tar -tf rt-docker.tar | grep -qx oci-layout && tar -tf rt-docker.tar | grep -qx "
               "repositories",
               tmp),
            0);
}

TEST(oci_archive_round_trip)
{
        round_trip(IMAGE_ARCHIVE_OCI, "rt-oci.tar");
        ASSERT_EQ(sh("cd %s && tar -xOf rt-oci.tar index.json | "
                     "grep -q 'org.opencontainers.image.ref.name\":\"docker.io/test/rt:v1' && "
                     "! tar -tf rt-oci.tar | grep -qx manifest.json",
                     tmp),
                  0);
}

static int load_dir(struct store *s, const char *dir, char ***ret)
{
        _cleanup_free_ char *p = xasprintf("%s/%s", tmp, dir);
        _cleanup_close_ int dfd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_error_ struct berth_error *err = NULL;
        int r = image_load_dir(s, dfd, ret, &err);

        if (r < 0)
                printf("# load %s: %s\n", dir, err->msg);
        return r;
}

/* A gzip layer (as from a registry) goes into a docker-archive uncompressed, named by its diff ID. */
TEST(compressed_layer_to_docker_archive)
{
        _cleanup_store_ struct store *a = new_store(), *b = new_store(), *c = new_store();
        _cleanup_strv_ char **report = NULL, **report2 = NULL;
        _cleanup_image_ struct image *img = NULL, *back = NULL;
        char *names[] = {"test/gz", NULL};
        _cleanup_error_ struct berth_error *lerr = NULL;

        ASSERT_TRUE(a && b && c);
        /* Store A gets an image whose layer blob is gzip: load it from an OCI layout we build by hand. */
        ASSERT_EQ(
            sh("cd %s && rm -rf gzl && mkdir -p gzl/blobs/sha256 && cp rootfs.tar.gz gzl/l && "
               "L=$(sha256sum < rootfs.tar.gz | cut -c1-64) && D=$(sha256sum < rootfs.tar | cut -c1-64) && "
               "mv gzl/l gzl/blobs/sha256/$L && "
               "printf '{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},"
               "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:%%s\"]}}' $D > gzl/c && "
               "C=$(sha256sum < gzl/c | cut -c1-64) && mv gzl/c gzl/blobs/sha256/$C && "
               "printf '{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
               "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":"
               "\"sha256:%%s\",\"size\":%%s},\"layers\":[{\"mediaType\":"
               "\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:%%s\",\"size\":%%s}]}' "
               "$C $(stat -c %%s gzl/blobs/sha256/$C) $L $(stat -c %%s rootfs.tar.gz) > gzl/m && "
               "M=$(sha256sum < gzl/m | cut -c1-64) && S=$(stat -c %%s gzl/m) && mv gzl/m "
               "gzl/blobs/sha256/$M && "
               "echo '{\"imageLayoutVersion\":\"1.0.0\"}' > gzl/oci-layout && "
               "printf '{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
               "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:%%s\",\"size\":%%s,"
               "\"annotations\":{\"org.opencontainers.image.ref.name\":\"test/gz:latest\"}}]}' $M $S "
               "> gzl/index.json",
               tmp),
            0);
        ASSERT_OK(load_dir(a, "gzl", &report));
        ASSERT_TRUE(strv_contains(report, "Loaded image: test/gz:latest"));
        ASSERT_OK(image_lookup(a, "test/gz", &img, &lerr));
        ASSERT_TRUE(layer_has(a, img, "bin/hello"));
        ASSERT_OK(do_save(a, "gz-docker.tar", names, IMAGE_ARCHIVE_DOCKER));
        /* The layer entry is the uncompressed tar: its name is its own sha256. */
        ASSERT_EQ(sh("cd %s && rm -rf gzx && mkdir gzx && tar -C gzx -xf gz-docker.tar && "
                     "D=$(sha256sum < rootfs.tar | cut -c1-64) && cmp gzx/blobs/sha256/$D rootfs.tar",
                     tmp),
                  0);
        ASSERT_OK(do_load(b, "gz-docker.tar", &report2, NULL));
        ASSERT_OK(image_lookup(b, "test/gz:latest", &back, &lerr));
        ASSERT_STREQ(back->id, img->id);
        ASSERT_TRUE(layer_has(b, back, "bin/hello"));
        /* The same image ID from another manifest (the gzip one) joins the image that is there. */
        strv_free(report2);
        report2 = NULL;
        ASSERT_OK(load_dir(b, "gzl", &report2));
        ASSERT_EQ(count_images(b), 1);
        /* A nested index resolves to linux/<host arch>; the other platform's blob is never needed. */
        ASSERT_EQ(
            sh("cd %s/gzl && M=$(grep -o 'sha256:[0-9a-f]*' index.json) && S=$(grep -o '\"size\":[0-9]*' "
               "index.json) && "
               "printf '{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
               "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:%%064d\",\"size\":1,"
               "\"platform\":{\"os\":\"linux\",\"architecture\":\"mips\"}},{\"mediaType\":"
               "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"%%s\",%%s,\"platform\":"
               "{\"os\":\"linux\",\"architecture\":\"%s\"}}]}' 0 $M $S > ix && "
               "I=$(sha256sum < ix | cut -c1-64) && mv ix blobs/sha256/$I && "
               "printf '{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
               "\"application/vnd.oci.image.index.v1+json\",\"digest\":\"sha256:%%s\",\"size\":%%s,"
               "\"annotations\":{\"io.containerd.image.name\":\"test/multi:1\"}}]}' $I "
               "$(stat -c %%s blobs/sha256/$I) > index.json",
               tmp, archive_host_arch()),
            0);
        strv_free(report2);
        report2 = NULL;
        ASSERT_OK(load_dir(c, "gzl", &report2));
        ASSERT_TRUE(strv_contains(report2, "Loaded image: test/multi:1"));
        ASSERT_EQ(count_images(c), 1);
        /* The whole archive compressed, as `docker save | gzip` makes it. */
        strv_free(report2);
        report2 = NULL;
        ASSERT_EQ(sh("cd %s && gzip -kf gz-docker.tar", tmp), 0);
        ASSERT_OK(do_load(c, "gz-docker.tar.gz", &report2, NULL));
        ASSERT_TRUE(strv_contains(report2, "Loaded image: test/gz:latest"));
        ASSERT_EQ(count_images(c), 1);
}

/* Old docker-archive: "<id>/layer.tar" (here a symlink to another entry, as docker writes for shared
 * layers). */
TEST(legacy_docker_archive)
{
        _cleanup_store_ struct store *a = new_store(), *b = new_store();
        _cleanup_strv_ char **report = NULL;
        _cleanup_image_ struct image *img = NULL, *back = NULL;
        char *names[] = {"test/legacy:1", NULL};
        _cleanup_error_ struct berth_error *lerr = NULL;

        ASSERT_TRUE(a && b);
        ASSERT_OK(do_import(a, "rootfs.tar", "test/legacy:1", NULL, &img));
        ASSERT_OK(do_save(a, "leg-src.tar", names, IMAGE_ARCHIVE_DOCKER));
        ASSERT_EQ(sh("cd %s && rm -rf leg && mkdir -p leg/src leg/out/aaaa leg/out/bbbb && tar -C leg/src "
                     "-xf leg-src.tar && "
                     "C=%s && D=%s && cp leg/src/blobs/sha256/$C leg/out/$C.json && "
                     "cp leg/src/blobs/sha256/$D leg/out/bbbb/layer.tar && ln -s ../bbbb/layer.tar "
                     "leg/out/aaaa/layer.tar && "
                     "echo '{}' > leg/out/aaaa/json && echo 1.0 > leg/out/aaaa/VERSION && "
                     "printf '[{\"Config\":\"%%s.json\",\"RepoTags\":[\"test/legacy:1\",\"other:2\"],"
                     "\"Layers\":[\"aaaa/layer.tar\"]}]' $C > leg/out/manifest.json && "
                     "tar -C leg/out -cf leg.tar .",
                     tmp, img->id + 7, img->diff_ids[0] + 7),
                  0);
        ASSERT_OK(do_load(b, "leg.tar", &report, NULL));
        ASSERT_TRUE(strv_contains(report, "Loaded image: other:2"));
        ASSERT_OK(image_lookup(b, "test/legacy:1", &back, &lerr));
        ASSERT_STREQ(back->id, img->id);
        ASSERT_TRUE(layer_has(b, back, "bin/hello"));
}

static void expect_load_fails(const char *file, const char *needle)
{
        _cleanup_store_ struct store *b = new_store();
        _cleanup_strv_ char **report = NULL;
        _cleanup_free_ char *msg = NULL;
        _cleanup_free_ char *blobs = NULL;

        ASSERT_TRUE(b);
        ASSERT_EQ(do_load(b, file, &report, &msg), -EBADMSG);
        ASSERT_TRUE(msg && strstr(msg, needle));
        ASSERT_EQ(count_images(b), 0);
        /* What the failed load spooled was collected. */
        blobs = xasprintf("test -z \"$(ls -A %s/blobs/sha256)\" && test -z \"$(ls -A %s/layers)\"", b->root,
                          b->root);
        ASSERT_EQ(sh("%s", blobs), 0);
}

TEST(corrupt_archives)
{
        _cleanup_store_ struct store *a = new_store();
        _cleanup_image_ struct image *img = NULL;
        char *names[] = {"test/bad:1", NULL};

        ASSERT_TRUE(a);
        ASSERT_OK(do_import(a, "rootfs.tar", "test/bad:1", NULL, &img));
        ASSERT_OK(do_save(a, "good.tar", names, IMAGE_ARCHIVE_DOCKER));
        ASSERT_OK(do_save(a, "good-oci.tar", names, IMAGE_ARCHIVE_OCI));
        /* Cut in half: the tar stream ends inside an entry. */
        ASSERT_EQ(sh("cd %s && head -c $(( $(stat -c %%s good.tar) / 2 )) good.tar > half.tar", tmp), 0);
        expect_load_fails("half.tar", "invalid archive");
        ASSERT_EQ(
            sh("cd %s && head -c $(( $(stat -c %%s good-oci.tar) / 2 )) good-oci.tar > half-oci.tar", tmp),
            0);
        expect_load_fails("half-oci.tar", "invalid archive");
        /* One byte of the layer flipped (its file starts after the 3 header blocks and the config). */
        ASSERT_EQ(sh("cd %s && cp good.tar flip.tar && O=$(( $(stat -c %%s good.tar) / 3 )) && "
                     "B=$(dd if=flip.tar bs=1 skip=$O count=1 2>/dev/null | od -An -tu1 | tr -d ' ') && "
                     "printf \"\\\\$(printf %%o $(( (B + 1) %% 256 )))\" | "
                     "dd of=flip.tar bs=1 seek=$O conv=notrunc 2>/dev/null && ! cmp -s good.tar flip.tar",
                     tmp),
                  0);
        expect_load_fails("flip.tar", "digest mismatch");
        /* Not an archive at all, and an empty one. */
        expect_load_fails("garbage.bin", "invalid archive");
        expect_load_fails("empty.tar", "no manifest.json or index.json");
        /* An entry climbing out of the archive. */
        ASSERT_EQ(sh("cd %s && rm -rf hostile && mkdir -p hostile/a && echo x > hostile/evil && "
                     "cd hostile/a && tar -P -cf ../../hostile.tar ../evil",
                     tmp),
                  0);
        expect_load_fails("hostile.tar", "outside the archive");
}

TEST(save_unknown_image)
{
        _cleanup_store_ struct store *a = new_store();
        _cleanup_error_ struct berth_error *err = NULL;
        char *names[] = {"nosuch:1", NULL};

        ASSERT_TRUE(a);
        ASSERT_EQ(image_save(a, names, STDERR_FILENO, IMAGE_ARCHIVE_DOCKER, &err), -ENOENT);
        ASSERT_STREQ(err->msg, "No such image: nosuch:1");
}

static int make_inputs(void)
{
        return sh(
            "cd %s && mkdir -p rootfs/bin rootfs/etc && echo hello > rootfs/bin/hello && "
            "chmod 755 rootfs/bin/hello && ln -s ../bin/hello rootfs/etc/link && "
            "tar --numeric-owner -C rootfs -cf rootfs.tar . && gzip -k rootfs.tar && xz -k rootfs.tar && "
            "zstd -q -k rootfs.tar && bzip2 -k rootfs.tar && "
            "head -c 5000 /dev/urandom > garbage.bin && : > empty.tar",
            tmp);
}

int main(void)
{
        if (geteuid() != 0)
                TAP_SKIP_ALL("needs root (layers keep owners and device nodes)");
        if (!mkdtemp(tmp) || make_inputs() != 0)
                TAP_SKIP_ALL("cannot build the test inputs (tar, gzip, xz, zstd, bzip2)");
        RUN(change_lines);
        RUN(import_compressions);
        RUN(import_bad_input);
        RUN(docker_archive_round_trip);
        RUN(oci_archive_round_trip);
        RUN(compressed_layer_to_docker_archive);
        RUN(legacy_docker_archive);
        RUN(corrupt_archives);
        RUN(save_unknown_image);
        if (!tap_failed && !getenv("TEST_KEEP"))
                (void)rm_rf_at(AT_FDCWD, tmp, NULL);
        TAP_DONE();
}
