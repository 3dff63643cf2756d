/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Volumes: create (names, labels, local options, refusals), list, inspect
 * JSON, anonymous volumes, in-use through real container records, rm,
 * prune, the anonymous volumes of a removed container, size, and a
 * type=tmpfs volume really mounted. Needs root (chown in copy-up, mount).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs-util.h"
#include "base/json-util.h"
#include "base/strv.h"
#include "base/xalloc.h"
#include "container/container.h"
#include "store/archive.h"
#include "store/image.h"
#include "tap.h"
#include "volume/volume.h"

static char tmp[] = "/var/tmp/test-volume-XXXXXX";
static struct store *st;

static int setup(void)
{
        _cleanup_free_ char *root = NULL, *run = NULL, *tar = NULL, *cmd = NULL;
        struct image_import_options o = {.ref = "base:1", .source = "-"};
        struct image *img = NULL;
        _cleanup_close_ int fd = -EBADF;

        if (!mkdtemp(tmp))
                return -1;
        root = xasprintf("%s/root", tmp);
        run = xasprintf("%s/run", tmp);
        tar = xasprintf("%s/rootfs.tar", tmp);
        cmd = xasprintf("mkdir -p %s/r/etc && echo x > %s/r/etc/file && tar -C %s/r -cf %s .", tmp, tmp, tmp,
                        tar);
        if (system(cmd) != 0 || store_open(root, run, &st, NULL) < 0)
                return -1;
        fd = open(tar, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || image_import(st, fd, &o, &img, NULL) < 0)
                return -1;
        image_free(img);
        return 0;
}

static bool exists(const char *rel)
{
        return faccessat(st->root_fd, rel, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

/* A real container record whose Mounts (as a start writes them) and Binds name volumes. */
static struct container *container_using(const char *mount_name, const char *bind)
{
        _cleanup_json_ json_t *cfg = json_pack("{s:s,s:[s]}", "Image", "base:1", "Cmd", "true");
        _cleanup_json_ json_t *hc = bind ? json_pack("{s:[s]}", "Binds", bind) : json_object();
        struct container *c = NULL;
        int fd = -1;

        if (container_create(st, cfg, hc, NULL, &c, NULL) < 0)
                return NULL;
        if (mount_name) {
                json_object_set_new(c->record, "Mounts",
                                    json_pack("[{s:s,s:s,s:s,s:s}]", "Type", "volume", "Name", mount_name,
                                              "Destination", "/m", "Driver", "local"));
                if (container_lock(st, c->id, &fd, NULL) < 0 || container_save(st, c, NULL) < 0)
                        return container_free(c);
                container_unlock(fd);
        }
        return c;
}

static void drop(struct container *c)
{
        int fd = -1;

        if (c && container_lock(st, c->id, &fd, NULL) == 0) {
                (void)container_delete(st, c, NULL);
                container_unlock(fd);
        }
        container_free(c);
}

TEST(create_with_labels_and_inspect)
{
        _cleanup_json_ json_t *labels = json_pack("{s:s,s:s}", "z", "1", "a", "");
        _cleanup_json_ json_t *j = NULL;
        _cleanup_volume_ struct volume *v = NULL, *again = NULL;
        _cleanup_free_ char *mp = xasprintf("%s/volumes/vol1/_data", st->root), *dump = NULL;
        struct stat s;

        ASSERT_OK(volume_create(st, "vol1", "local", labels, NULL, &v, NULL));
        ASSERT_STREQ(v->name, "vol1");
        ASSERT_STREQ(v->mountpoint, mp);
        ASSERT_TRUE(stat(mp, &s) == 0 && S_ISDIR(s.st_mode));
        ASSERT_TRUE(exists("volumes/vol1/volume.json"));
        ASSERT_TRUE(!v->anonymous);
        j = volume_inspect_json(v);
        dump = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
        /* Docker's keys, in Go's order, labels sorted, Options {} for `volume create`. */
        ASSERT_TRUE(strncmp(dump, "{\"CreatedAt\":\"20", 16) == 0);
        ASSERT_TRUE(
            strstr(dump, "\"Driver\":\"local\",\"Labels\":{\"a\":\"\",\"z\":\"1\"},\"Mountpoint\":\"") !=
            NULL);
        ASSERT_TRUE(strstr(dump, "\"Name\":\"vol1\",\"Options\":{},\"Scope\":\"local\"}") != NULL);
        ASSERT_EQ(strlen(v->created_at), 20);
        /* Idempotent: the same volume, labels untouched. */
        ASSERT_OK(volume_create(st, "vol1", NULL, NULL, NULL, &again, NULL));
        ASSERT_STREQ(json_string_value(json_object_get(again->labels, "z")), "1");
        ASSERT_STREQ(again->created_at, v->created_at);
        ASSERT_OK(volume_remove(st, "vol1", false, NULL));
}

TEST(create_generated_name_and_refusals)
{
        _cleanup_volume_ struct volume *v = NULL;
        _cleanup_error_ struct berth_error *e1 = NULL, *e2 = NULL, *e3 = NULL, *e4 = NULL, *e5 = NULL;
        _cleanup_json_ json_t *bad = json_pack("{s:s}", "foo", "1"),
                              *dev = json_pack("{s:s}", "device", "x");

        ASSERT_OK(volume_create(st, NULL, NULL, NULL, NULL, &v, NULL));
        ASSERT_EQ(strlen(v->name), 64);
        ASSERT_EQ(strspn(v->name, "0123456789abcdef"), 64);
        ASSERT_EQ(volume_create(st, "x1", "nfs", NULL, NULL, NULL, &e1), -EINVAL);
        ASSERT_STREQ(e1->msg, "create x1: error looking up volume plugin nfs: plugin \"nfs\" not found");
        ASSERT_EQ(volume_create(st, "x1", NULL, NULL, bad, NULL, &e2), -EINVAL);
        ASSERT_STREQ(e2->msg, "create x1: invalid option: \"foo\"");
        ASSERT_EQ(volume_create(st, "x1", NULL, NULL, dev, NULL, &e3), -EINVAL);
        ASSERT_EQ(volume_create(st, "../x", NULL, NULL, NULL, NULL, &e4), -EINVAL);
        ASSERT_TRUE(strstr(e4->msg, "includes invalid characters for a local volume name") != NULL);
        ASSERT_EQ(volume_create(st, "x", NULL, NULL, NULL, NULL, &e5), -EINVAL);
        ASSERT_TRUE(!exists("volumes/x1") && !exists("volumes/x"));
        ASSERT_OK(volume_remove(st, v->name, false, NULL));
}

TEST(list_sorted_skips_removals_and_load_misses)
{
        _cleanup_error_ struct berth_error *e = NULL;
        struct volume **list = NULL, *v = NULL;
        size_t n = 0;

        ASSERT_OK(volume_create(st, "bvol", NULL, NULL, NULL, NULL, NULL));
        ASSERT_OK(volume_create(st, "avol", NULL, NULL, NULL, NULL, NULL));
        ASSERT_OK(mkdirat(st->root_fd, "volumes/.rm-half", 0700));
        ASSERT_OK(volume_list(st, &list, &n, NULL));
        /* Sorted by name; the dot-name (a removal under way) is not a volume. */
        ASSERT_EQ(n, 2);
        ASSERT_STREQ(list[0]->name, "avol");
        ASSERT_STREQ(list[1]->name, "bvol");
        volume_list_free(list, n);
        ASSERT_EQ(volume_load(st, "nosuch", &v, &e), -ENOENT);
        ASSERT_STREQ(e->msg, "get nosuch: no such volume");
        ASSERT_OK(volume_remove(st, "avol", false, NULL));
        ASSERT_OK(volume_remove(st, "bvol", false, NULL));
        ASSERT_OK(rm_rf_at(st->root_fd, "volumes/.rm-half", NULL));
}

TEST(ensure_named_and_anonymous)
{
        _cleanup_free_ char *anon = volume_name_random(), *data = NULL;
        _cleanup_volume_ struct volume *a = NULL, *n = NULL;
        _cleanup_json_ json_t *j = NULL;
        bool created = false;

        ASSERT_OK(volume_ensure(st, anon, true, &created, &data, NULL));
        ASSERT_TRUE(created);
        ASSERT_TRUE(strstr(data, "/_data") != NULL);
        ASSERT_OK(volume_ensure(st, anon, true, &created, NULL, NULL));
        ASSERT_TRUE(!created);
        ASSERT_OK(volume_load(st, anon, &a, NULL));
        ASSERT_TRUE(a->anonymous);
        ASSERT_TRUE(json_object_get(a->labels, VOLUME_ANONYMOUS_LABEL) != NULL);
        /* `run -v NAME:/dst` makes a named volume: Docker shows null labels and options. */
        ASSERT_OK(volume_ensure(st, "implicit", false, &created, NULL, NULL));
        ASSERT_OK(volume_load(st, "implicit", &n, NULL));
        ASSERT_TRUE(!n->anonymous && !n->labels && !n->options);
        j = volume_inspect_json(n);
        ASSERT_TRUE(json_is_null(json_object_get(j, "Labels")) &&
                    json_is_null(json_object_get(j, "Options")));
        ASSERT_OK(volume_remove(st, anon, false, NULL));
        ASSERT_OK(volume_remove(st, "implicit", false, NULL));
}

TEST(in_use_refuses_rm_until_the_container_goes)
{
        _cleanup_error_ struct berth_error *e = NULL, *e2 = NULL;
        _cleanup_strv_ char **ids = NULL;
        struct container *c1 = NULL, *c2 = NULL;
        _cleanup_free_ char *msg = NULL;

        ASSERT_OK(volume_create(st, "busy", NULL, NULL, NULL, NULL, NULL));
        ASSERT_TRUE((c1 = container_using("busy", NULL)) != NULL);
        ASSERT_EQ(volume_users(st, "busy", &ids, NULL), 1);
        ASSERT_STREQ(ids[0], c1->id);
        msg = xasprintf("remove busy: volume is in use - [%s]", c1->id);
        ASSERT_EQ(volume_remove(st, "busy", false, &e), -EBUSY);
        ASSERT_STREQ(e->msg, msg);
        /* -f does not override it, as Docker. */
        ASSERT_EQ(volume_remove(st, "busy", true, &e2), -EBUSY);
        ASSERT_TRUE(exists("volumes/busy/_data"));
        drop(c1);
        /* A created container's Binds count too (its Mounts come at start). */
        ASSERT_TRUE((c2 = container_using(NULL, "busy:/x:ro")) != NULL);
        ASSERT_EQ(volume_users(st, "busy", NULL, NULL), 1);
        drop(c2);
        ASSERT_EQ(volume_users(st, "busy", NULL, NULL), 0);
        ASSERT_OK(volume_remove(st, "busy", false, NULL));
        ASSERT_TRUE(!exists("volumes/busy"));
        /* Gone: -f is quiet, without it Docker's message. */
        ASSERT_OK(volume_remove(st, "busy", true, NULL));
}

TEST(prune_anonymous_then_all_with_labels)
{
        _cleanup_free_ char *anon = volume_name_random(), *used_anon = volume_name_random();
        _cleanup_json_ json_t *keep = json_pack("{s:s}", "keep", "yes");
        _cleanup_strv_ char **names = NULL, **names2 = NULL, **names3 = NULL;
        char *not_keep[] = {"label!=keep", NULL};
        struct container *c = NULL;
        uint64_t freed = 0;
        _cleanup_free_ char *f = NULL;

        ASSERT_OK(volume_create(st, "named1", NULL, NULL, NULL, NULL, NULL));
        ASSERT_OK(volume_create(st, "kept1", NULL, keep, NULL, NULL, NULL));
        ASSERT_OK(volume_ensure(st, anon, true, NULL, NULL, NULL));
        ASSERT_OK(volume_ensure(st, used_anon, true, NULL, NULL, NULL));
        f = xasprintf("volumes/%s/_data/f", anon);
        ASSERT_OK(write_file_atomic_at(st->root_fd, f, "12345", 5, 0644, NULL));
        ASSERT_TRUE((c = container_using(used_anon, NULL)) != NULL);
        /* Default (Docker 23+): unused anonymous volumes only. */
        ASSERT_OK(volume_prune(st, false, NULL, &names, &freed, NULL));
        ASSERT_EQ(strv_length(names), 1);
        ASSERT_STREQ(names[0], anon);
        ASSERT_EQ(freed, 5);
        ASSERT_TRUE(exists("volumes/named1") && exists("volumes/kept1"));
        /* -a with label!=keep: named1 goes, kept1 and the used one stay. */
        ASSERT_OK(volume_prune(st, true, not_keep, &names2, NULL, NULL));
        ASSERT_EQ(strv_length(names2), 1);
        ASSERT_STREQ(names2[0], "named1");
        drop(c);
        ASSERT_OK(volume_prune(st, true, NULL, &names3, NULL, NULL));
        ASSERT_EQ(strv_length(names3), 2);
        ASSERT_TRUE(!exists("volumes/kept1"));
}

TEST(remove_anonymous_of_a_container)
{
        _cleanup_free_ char *a1 = volume_name_random(), *a2 = volume_name_random();
        _cleanup_json_ json_t *mounts = NULL;
        struct container *other = NULL;

        ASSERT_OK(volume_create(st, "named2", NULL, NULL, NULL, NULL, NULL));
        ASSERT_OK(volume_ensure(st, a1, true, NULL, NULL, NULL));
        ASSERT_OK(volume_ensure(st, a2, true, NULL, NULL, NULL));
        mounts = json_pack("[{s:s,s:s},{s:s,s:s},{s:s,s:s},{s:s,s:s}]", "Type", "volume", "Name", "named2",
                           "Type", "volume", "Name", a1, "Type", "volume", "Name", a2, "Type", "bind",
                           "Source", "/tmp");
        /* a2 is someone else's too: it stays. */
        ASSERT_TRUE((other = container_using(a2, NULL)) != NULL);
        ASSERT_OK(volume_remove_anonymous_of(st, mounts, NULL));
        _cleanup_free_ char *p1 = xasprintf("volumes/%s", a1), *p2 = xasprintf("volumes/%s", a2);
        ASSERT_TRUE(!exists(p1));
        ASSERT_TRUE(exists(p2));
        ASSERT_TRUE(exists("volumes/named2"));
        drop(other);
        ASSERT_OK(volume_remove_anonymous_of(st, mounts, NULL));
        ASSERT_TRUE(!exists(p2));
        ASSERT_OK(volume_remove(st, "named2", false, NULL));
}

TEST(size_counts_hard_links_once)
{
        _cleanup_free_ char *dir = xasprintf("%s/volumes/sized/_data", st->root);
        _cleanup_free_ char *a = xasprintf("%s/a", dir), *b = xasprintf("%s/sub/b", dir);
        _cleanup_free_ char *sub = xasprintf("%s/sub", dir);
        char buf[1000];
        uint64_t size = 0;

        memset(buf, 'x', sizeof(buf));
        ASSERT_OK(volume_create(st, "sized", NULL, NULL, NULL, NULL, NULL));
        ASSERT_OK(mkdir(sub, 0755));
        ASSERT_OK(write_file_atomic_at(AT_FDCWD, a, buf, sizeof(buf), 0644, NULL));
        ASSERT_OK(link(a, b));
        ASSERT_OK(volume_size(st, "sized", &size, NULL));
        ASSERT_EQ(size, 1000);
        ASSERT_OK(volume_remove(st, "sized", false, NULL));
}

TEST(tmpfs_option_mounts_at_first_use)
{
        _cleanup_json_ json_t *o =
            json_pack("{s:s,s:s,s:s}", "type", "tmpfs", "device", "tmpfs", "o", "size=1m,nodev");
        _cleanup_free_ char *data = NULL;
        struct statfs sf;

        ASSERT_OK(volume_create(st, "tmpvol", NULL, NULL, o, NULL, NULL));
        ASSERT_OK(volume_ensure(st, "tmpvol", false, NULL, &data, NULL));
        ASSERT_OK(statfs(data, &sf));
        ASSERT_EQ(sf.f_type, TMPFS_MAGIC);
        ASSERT_EQ(sf.f_blocks * sf.f_bsize, 1 << 20);
        /* A second use does not stack another mount. */
        ASSERT_OK(volume_ensure(st, "tmpvol", false, NULL, NULL, NULL));
        ASSERT_OK(volume_remove(st, "tmpvol", false, NULL));
        ASSERT_TRUE(!exists("volumes/tmpvol"));
}

int main(void)
{
        _cleanup_free_ char *cmd = NULL;
        int r;

        if (geteuid() != 0)
                TAP_SKIP_ALL("needs root");
        if (setup() < 0)
                TAP_SKIP_ALL("cannot set up a store with an image");
        RUN(create_with_labels_and_inspect);
        RUN(create_generated_name_and_refusals);
        RUN(list_sorted_skips_removals_and_load_misses);
        RUN(ensure_named_and_anonymous);
        RUN(in_use_refuses_rm_until_the_container_goes);
        RUN(prune_anonymous_then_all_with_labels);
        RUN(remove_anonymous_of_a_container);
        RUN(size_counts_hard_links_once);
        RUN(tmpfs_option_mounts_at_first_use);
        store_free(st);
        cmd = xasprintf("rm -rf %s", tmp);
        r = system(cmd);
        (void)r;
        TAP_DONE();
}
