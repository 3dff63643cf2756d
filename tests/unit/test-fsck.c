/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store_fsck against real stores: each test imports small tarballs into a
 * fresh store, breaks it one way (a flipped byte in a blob, a missing
 * manifest, a deleted or half layer, temp leftovers, orphans, a truncated
 * index), checks that the report names the problem, then repairs and checks
 * that the store is clean and the healthy images are still there.
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
#include "base/strv.h"
#include "base/xalloc.h"
#include "store/archive.h"
#include "store/fsck.h"
#include "store/image-index.h"
#include "store/image.h"
#include "store/layer-store.h"
#include "store/store.h"
#include "tap.h"
#include "test-util.h"

static char tmp[] = "/var/tmp/test-fsck-XXXXXX";
static int n_stores;


static int import(struct store *s, const char *file, const char *ref, struct image **ret)
{
        _cleanup_free_ char *p = xasprintf("%s/%s", tmp, file);
        _cleanup_close_ int fd = open(p, O_RDONLY | O_CLOEXEC);
        _cleanup_error_ struct berth_error *err = NULL;
        struct image_import_options o = {.ref = ref, .source = "-"};
        int r;

        if (fd < 0)
                return -errno;
        r = image_import(s, fd, &o, ret, &err);
        if (r < 0)
                printf("# import %s: %s\n", file, err->msg);
        return r;
}

/* A fresh store with two images: a:1 (one.tar) and b:1 (two.tar); *ret_a gets a:1. */
static struct store *new_store(struct image **ret_a)
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
        if (import(s, "one.tar", "a:1", ret_a) < 0 || import(s, "two.tar", "b:1", NULL) < 0)
                return store_free(s);
        return s;
}

static struct store_fsck_report *fsck(struct store *s, unsigned flags)
{
        _cleanup_error_ struct berth_error *err = NULL;
        struct store_fsck_report *rep = NULL;

        if (store_fsck(s, flags, &rep, &err) < 0) {
                printf("# store_fsck: %s\n", err->msg);
                return NULL;
        }
        for (size_t i = 0; i < rep->n_problems; i++)
                printf("#   %s %s: %s%s%s\n", store_fsck_kind_to_string(rep->problems[i].kind),
                       rep->problems[i].object, rep->problems[i].message,
                       rep->problems[i].repair ? " -> " : "", rep->problems[i].repair ?: "");
        return rep;
}

/* How many problems of a kind (and object, when given) the report holds. */
static size_t count(const struct store_fsck_report *rep, enum store_fsck_kind kind, const char *object)
{
        size_t n = 0;

        for (size_t i = 0; i < rep->n_problems; i++)
                if (rep->problems[i].kind == kind && (!object || streq(rep->problems[i].object, object)))
                        n++;
        return n;
}

static bool all_repaired(const struct store_fsck_report *rep)
{
        return rep->n_repaired == rep->n_problems;
}

static bool clean(struct store *s)
{
        _cleanup_fsck_report_ struct store_fsck_report *rep = fsck(s, 0);

        return rep && rep->n_problems == 0;
}

static bool has_image(struct store *s, const char *name)
{
        _cleanup_image_ struct image *img = NULL;

        return image_lookup(s, name, &img, NULL) == 0;
}

static char *blob_path(struct store *s, const char *digest)
{
        return xasprintf("%s/blobs/sha256/%s", s->root, digest + strlen(DIGEST_PREFIX));
}

static const char *layer_blob(struct image *img)
{
        return json_string_value(
            json_object_get(json_array_get(json_object_get(img->manifest, "layers"), 0), "digest"));
}

TEST(clean_store)
{
        _cleanup_image_ struct image *a = NULL;
        _cleanup_store_ struct store *s = new_store(&a);
        _cleanup_fsck_report_ struct store_fsck_report *rep = NULL;
        _cleanup_free_ char *sum = NULL;

        ASSERT_TRUE(s);
        rep = fsck(s, 0);
        ASSERT_TRUE(rep);
        ASSERT_EQ(rep->n_problems, 0);
        ASSERT_EQ(rep->n_images, 2);
        ASSERT_EQ(rep->n_blobs, 6); /* two images: manifest, config, layer each */
        ASSERT_EQ(rep->n_layers, 2);
        sum = store_fsck_summary(rep);
        ASSERT_STREQ(sum, "checked 2 images, 6 blobs, 2 layers: the store is clean");
}

TEST(flipped_byte_in_layer_blob)
{
        _cleanup_image_ struct image *a = NULL;
        _cleanup_store_ struct store *s = new_store(&a);
        _cleanup_fsck_report_ struct store_fsck_report *rep = NULL, *fix = NULL;
        _cleanup_free_ char *p = NULL;

        ASSERT_TRUE(s);
        p = blob_path(s, layer_blob(a));
        ASSERT_EQ(sh("printf 'X' | dd of=%s bs=1 seek=600 conv=notrunc status=none", p), 0);
        rep = fsck(s, 0);
        ASSERT_TRUE(rep);
        ASSERT_EQ(count(rep, STORE_FSCK_CORRUPT_BLOB, layer_blob(a)), 1);
        ASSERT_EQ(count(rep, STORE_FSCK_BROKEN_IMAGE, a->manifest_digest), 1);
        ASSERT_EQ(rep->n_repaired, 0);
        ASSERT_EQ(access(p, F_OK), 0); /* a check alone changes nothing */

        fix = fsck(s, STORE_FSCK_REPAIR);
        ASSERT_TRUE(fix);
        ASSERT_TRUE(all_repaired(fix));
        ASSERT_EQ(count(fix, STORE_FSCK_BROKEN_IMAGE, a->manifest_digest), 1);
        /* The dropped image's config and manifest are orphans now, its layer dir too. */
        ASSERT_EQ(count(fix, STORE_FSCK_ORPHAN_BLOB, a->id), 1);
        ASSERT_EQ(count(fix, STORE_FSCK_ORPHAN_LAYER, a->chain_ids[0]), 1);
        ASSERT_TRUE(access(p, F_OK) < 0);
        ASSERT_TRUE(clean(s));
        ASSERT_TRUE(!has_image(s, "a:1"));
        ASSERT_TRUE(has_image(s, "b:1"));
}

TEST(missing_manifest_blob)
{
        _cleanup_image_ struct image *a = NULL;
        _cleanup_store_ struct store *s = new_store(&a);
        _cleanup_fsck_report_ struct store_fsck_report *rep = NULL, *fix = NULL;
        _cleanup_free_ char *p = NULL;

        ASSERT_TRUE(s);
        p = blob_path(s, a->manifest_digest);
        ASSERT_EQ(unlink(p), 0);
        rep = fsck(s, 0);
        ASSERT_TRUE(rep);
        ASSERT_EQ(count(rep, STORE_FSCK_BROKEN_IMAGE, a->manifest_digest), 1);
        ASSERT_TRUE(strstr(rep->problems[0].message, "is missing"));
        fix = fsck(s, STORE_FSCK_REPAIR);
        ASSERT_TRUE(fix && all_repaired(fix));
        ASSERT_TRUE(clean(s));
        ASSERT_TRUE(has_image(s, "b:1"));
        ASSERT_TRUE(!has_image(s, "a:1"));
}

TEST(deleted_layer_dir_is_unpacked_again)
{
        _cleanup_image_ struct image *a = NULL;
        _cleanup_store_ struct store *s = new_store(&a);
        _cleanup_fsck_report_ struct store_fsck_report *rep = NULL, *fix = NULL;
        _cleanup_free_ char *diff = NULL, *file = NULL;

        ASSERT_TRUE(s);
        ASSERT_EQ(rm_rf_at(s->layers_fd, a->chain_ids[0] + 7, NULL), 0);
        ASSERT_TRUE(!layer_store_exists(s, a->chain_ids[0]));
        rep = fsck(s, 0);
        ASSERT_TRUE(rep);
        ASSERT_EQ(rep->n_problems, 1);
        ASSERT_EQ(count(rep, STORE_FSCK_MISSING_LAYER, a->chain_ids[0]), 1);
        fix = fsck(s, STORE_FSCK_REPAIR);
        ASSERT_TRUE(fix && all_repaired(fix));
        ASSERT_STREQ(fix->problems[0].repair, "unpacked again from its blob");
        ASSERT_TRUE(layer_store_exists(s, a->chain_ids[0]));
        diff = layer_store_diff_path(s, a->chain_ids[0]);
        file = xasprintf("%s/hello.txt", diff);
        ASSERT_EQ(access(file, F_OK), 0);
        ASSERT_TRUE(clean(s));
        ASSERT_TRUE(has_image(s, "a:1"));
}

TEST(half_layer_without_layer_json)
{
        _cleanup_image_ struct image *a = NULL;
        _cleanup_store_ struct store *s = new_store(&a);
        _cleanup_fsck_report_ struct store_fsck_report *rep = NULL, *fix = NULL;
        _cleanup_free_ char *lj = NULL;

        ASSERT_TRUE(s);
        lj = xasprintf("%s/layer.json", a->chain_ids[0] + 7);
        ASSERT_EQ(unlinkat(s->layers_fd, lj, 0), 0);
        rep = fsck(s, 0);
        ASSERT_TRUE(rep);
        ASSERT_EQ(count(rep, STORE_FSCK_MISSING_LAYER, a->chain_ids[0]), 1);
        fix = fsck(s, STORE_FSCK_REPAIR);
        ASSERT_TRUE(fix && all_repaired(fix));
        ASSERT_TRUE(layer_store_exists(s, a->chain_ids[0]));
        ASSERT_TRUE(clean(s));
}

TEST(partial_writes)
{
        _cleanup_image_ struct image *a = NULL;
        _cleanup_store_ struct store *s = new_store(&a);
        _cleanup_fsck_report_ struct store_fsck_report *rep = NULL, *fix = NULL;

        ASSERT_TRUE(s);
        ASSERT_EQ(
            sh("cd %s && mkdir -p layers/.tmp-4242-abc/diff/x && echo y >layers/.tmp-4242-abc/diff/x/f && "
               "mkdir layers/.tmp-rm-def && echo '{\"images\":[' >images/index.json.tmp-77 && "
               "echo junk >blobs/sha256/partial",
               s->root),
            0);
        rep = fsck(s, 0);
        ASSERT_TRUE(rep);
        ASSERT_EQ(rep->n_problems, 4);
        ASSERT_EQ(count(rep, STORE_FSCK_PARTIAL_WRITE, "layers/.tmp-4242-abc"), 1);
        ASSERT_EQ(count(rep, STORE_FSCK_PARTIAL_WRITE, "layers/.tmp-rm-def"), 1);
        ASSERT_EQ(count(rep, STORE_FSCK_PARTIAL_WRITE, "images/index.json.tmp-77"), 1);
        ASSERT_EQ(count(rep, STORE_FSCK_PARTIAL_WRITE, "blobs/sha256/partial"), 1);
        fix = fsck(s, STORE_FSCK_REPAIR);
        ASSERT_TRUE(fix && all_repaired(fix));
        ASSERT_EQ(faccessat(s->layers_fd, ".tmp-4242-abc", F_OK, AT_SYMLINK_NOFOLLOW), -1);
        ASSERT_EQ(faccessat(s->images_fd, "index.json.tmp-77", F_OK, AT_SYMLINK_NOFOLLOW), -1);
        ASSERT_TRUE(clean(s));
        ASSERT_TRUE(has_image(s, "a:1") && has_image(s, "b:1"));
}

TEST(orphans)
{
        _cleanup_image_ struct image *a = NULL;
        _cleanup_store_ struct store *s = new_store(&a);
        _cleanup_fsck_report_ struct store_fsck_report *rep = NULL, *fix = NULL;
        _cleanup_error_ struct berth_error *err = NULL;
        char orphan[DIGEST_STRING_MAX];
        const char *fake = "sha256:00000000000000000000000000000000000000000000000000000000000000aa";

        ASSERT_TRUE(s);
        ASSERT_OK(blob_put_buf(s, "nobody wants me", 15, NULL, orphan, &err));
        ASSERT_EQ(sh("mkdir -p %s/layers/%s/diff && echo '{\"size\":0}' >%s/layers/%s/layer.json", s->root,
                     fake + 7, s->root, fake + 7),
                  0);
        rep = fsck(s, 0);
        ASSERT_TRUE(rep);
        ASSERT_EQ(rep->n_problems, 2);
        ASSERT_EQ(count(rep, STORE_FSCK_ORPHAN_BLOB, orphan), 1);
        ASSERT_EQ(count(rep, STORE_FSCK_ORPHAN_LAYER, fake), 1);
        fix = fsck(s, STORE_FSCK_REPAIR);
        ASSERT_TRUE(fix && all_repaired(fix));
        ASSERT_TRUE(!blob_exists(s, orphan));
        ASSERT_TRUE(!layer_store_exists(s, fake));
        ASSERT_TRUE(clean(s));
        ASSERT_TRUE(has_image(s, "a:1") && has_image(s, "b:1"));
}

TEST(truncated_index_is_rebuilt)
{
        _cleanup_image_ struct image *a = NULL;
        _cleanup_store_ struct store *s = new_store(&a);
        _cleanup_fsck_report_ struct store_fsck_report *rep = NULL, *fix = NULL;
        _cleanup_error_ struct berth_error *err = NULL;
        struct image **list = NULL;
        size_t n = 0;

        ASSERT_TRUE(s);
        ASSERT_EQ(sh("truncate -s 40 %s/images/index.json", s->root), 0);
        rep = fsck(s, 0);
        ASSERT_TRUE(rep);
        /* Without an index every blob would look orphaned: only the index is reported. */
        ASSERT_EQ(rep->n_problems, 1);
        ASSERT_EQ(count(rep, STORE_FSCK_CORRUPT_INDEX, "images/index.json"), 1);
        fix = fsck(s, STORE_FSCK_REPAIR);
        ASSERT_TRUE(fix && all_repaired(fix));
        ASSERT_EQ(fix->n_problems, 1);
        ASSERT_TRUE(strstr(fix->problems[0].repair, "2 images"));
        ASSERT_TRUE(clean(s));
        ASSERT_OK(image_list(s, &list, &n, &err));
        ASSERT_EQ(n, 2);
        image_list_free(list, n);
        ASSERT_TRUE(has_image(s, a->id)); /* back, untagged */
        ASSERT_TRUE(!has_image(s, "a:1"));
}

TEST(corrupt_config_blob)
{
        _cleanup_image_ struct image *a = NULL;
        _cleanup_store_ struct store *s = new_store(&a);
        _cleanup_fsck_report_ struct store_fsck_report *rep = NULL, *fix = NULL;
        _cleanup_free_ char *p = NULL;

        ASSERT_TRUE(s);
        p = blob_path(s, a->id);
        ASSERT_EQ(sh("truncate -s 10 %s", p), 0);
        rep = fsck(s, 0);
        ASSERT_TRUE(rep);
        ASSERT_EQ(count(rep, STORE_FSCK_CORRUPT_BLOB, a->id), 1);
        ASSERT_EQ(count(rep, STORE_FSCK_BROKEN_IMAGE, a->manifest_digest), 1);
        fix = fsck(s, STORE_FSCK_REPAIR);
        ASSERT_TRUE(fix && all_repaired(fix));
        ASSERT_TRUE(clean(s));
        ASSERT_TRUE(has_image(s, "b:1"));
}

TEST(kind_names)
{
        ASSERT_STREQ(store_fsck_kind_to_string(STORE_FSCK_CORRUPT_BLOB), "corrupt-blob");
        ASSERT_STREQ(store_fsck_kind_to_string(STORE_FSCK_PARTIAL_WRITE), "partial-write");
        ASSERT_TRUE(store_fsck_kind_to_string(_STORE_FSCK_KIND_MAX) == NULL);
}

int main(void)
{
        if (geteuid() != 0) {
                printf("1..0 # SKIP needs root (layers keep owners)\n");
                return 77;
        }
        if (!mkdtemp(tmp))
                return 1;
        if (sh("cd %s && mkdir -p r1/etc r2/bin && echo one >r1/hello.txt && echo x >r1/etc/conf && "
               "head -c 3000 /dev/urandom >r1/data && echo two >r2/bin/tool && "
               "tar -C r1 -cf one.tar . && tar -C r2 -cf two.tar .",
               tmp) != 0)
                return 1;
        RUN(clean_store);
        RUN(flipped_byte_in_layer_blob);
        RUN(missing_manifest_blob);
        RUN(deleted_layer_dir_is_unpacked_again);
        RUN(half_layer_without_layer_json);
        RUN(partial_writes);
        RUN(orphans);
        RUN(truncated_index_is_rebuilt);
        RUN(corrupt_config_blob);
        RUN(kind_names);
        sh("rm -rf %s", tmp);
        TAP_DONE();
}
