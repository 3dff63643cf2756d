/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Container records against a real store: create with a merged image config,
 * lookup by id, prefix and name, atomic name claims (also under concurrency),
 * rename, state changes, delete, and the image_in_use hook rmi relies on.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs-util.h"
#include "base/json-util.h"
#include "base/xalloc.h"
#include "container/container.h"
#include "store/archive.h"
#include "store/image.h"
#include "tap.h"

static char tmp[] = "/var/tmp/test-container-XXXXXX";
static struct store *st;

/* "hc:1": base:1's layer with a HEALTHCHECK in its config (import has no HEALTHCHECK change). */
static int image_with_healthcheck(struct image *base)
{
        _cleanup_json_ json_t *cfg = json_deep_copy(base->config);
        json_t *layer = json_array_get(json_object_get(base->manifest, "layers"), 0);
        struct image_layer_desc d = { .size = (uint64_t)json_integer_value(json_object_get(layer, "size")),
                                      .media_type = MEDIA_OCI_LAYER };
        int r;

        snprintf(d.digest, sizeof(d.digest), "%s", json_string_value(json_object_get(layer, "digest")));
        snprintf(d.diff_id, sizeof(d.diff_id), "%s", base->diff_ids[0]);
        json_object_set_new(json_object_get(cfg, "config"), "Healthcheck",
                            json_pack("{s:[s,s],s:I,s:i}", "Test", "CMD", "true", "Interval",
                                      (json_int_t)30000000000LL, "Retries", 7));
        r = image_create(st, cfg, &d, 1, "hc:1", NULL, NULL);
        image_free(base);
        return r;
}

static int setup(void)
{
        _cleanup_free_ char *root = NULL, *run = NULL, *tar = NULL, *cmd = NULL;
        char *changes[] = { "ENV A=image B=image", "CMD [\"sh\"]", "WORKDIR /w", "LABEL l=image", NULL };
        struct image_import_options o = { .ref = "base:1", .changes = changes, .source = "-" };
        struct image *img = NULL;
        _cleanup_close_ int fd = -EBADF;

        if (!mkdtemp(tmp))
                return -1;
        root = xasprintf("%s/root", tmp);
        run = xasprintf("%s/run", tmp);
        tar = xasprintf("%s/rootfs.tar", tmp);
        cmd = xasprintf("mkdir -p %s/r/etc && echo x > %s/r/etc/file && tar -C %s/r -cf %s .", tmp, tmp, tmp, tar);
        if (system(cmd) != 0 || store_open(root, run, &st, NULL) < 0)
                return -1;
        fd = open(tar, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || image_import(st, fd, &o, &img, NULL) < 0)
                return -1;
        return image_with_healthcheck(img);
}

static struct container *create(const char *name, const char *config_json, struct berth_error **err)
{
        _cleanup_json_ json_t *cfg = json_loads(config_json, 0, NULL), *hc = json_object();
        struct container *c = NULL;

        if (container_create(st, cfg, hc, name, &c, err) < 0)
                return NULL;
        return c;
}

TEST(create_merges_image_config)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_container_ struct container *c = create("web", "{\"Image\":\"base:1\",\"Env\":[\"B=req\",\"C=req\"]}",
                                                          &err);
        json_t *cfg;

        if (!c)
                TAP_FAIL("create: %s", err ? err->msg : "?");
        cfg = json_object_get(c->record, "Config");
        ASSERT_STREQ(json_string_value(json_object_get(c->record, "Name")), "/web");
        ASSERT_STREQ(json_string_value(json_object_get(c->record, "Path")), "sh");
        ASSERT_STREQ(json_string_value(json_object_get(cfg, "WorkingDir")), "/w");
        ASSERT_STREQ(json_string_value(json_array_get(json_object_get(cfg, "Env"), 0)), "A=image");
        ASSERT_STREQ(json_string_value(json_array_get(json_object_get(cfg, "Env"), 1)), "B=req");
        ASSERT_STREQ(json_string_value(json_array_get(json_object_get(cfg, "Env"), 2)), "C=req");
        ASSERT_STREQ(json_string_value(json_object_get(json_object_get(cfg, "Labels"), "l")), "image");
        ASSERT_EQ(strlen(json_string_value(json_object_get(cfg, "Hostname"))), 12);
        ASSERT_EQ(container_status(c), CONTAINER_CREATED);
}

TEST(entrypoint_override_drops_image_cmd)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_container_ struct container *c = create(NULL, "{\"Image\":\"base:1\",\"Entrypoint\":[\"cat\"]}", &err);

        if (!c)
                TAP_FAIL("create: %s", err ? err->msg : "?");
        ASSERT_STREQ(json_string_value(json_object_get(c->record, "Path")), "cat");
        ASSERT_EQ(json_array_size(json_object_get(c->record, "Args")), 0);
        ASSERT_TRUE(strchr(c->name, '_') != NULL);
}

TEST(healthcheck_merges_field_by_field)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_container_ struct container *c = NULL;
        json_t *hc;

        c = create(NULL, "{\"Image\":\"hc:1\",\"Healthcheck\":{\"Interval\":1000000000}}", &err);
        if (!c)
                TAP_FAIL("create: %s", err ? err->msg : "?");
        hc = json_object_get(json_object_get(c->record, "Config"), "Healthcheck");
        ASSERT_STREQ(json_string_value(json_array_get(json_object_get(hc, "Test"), 1)), "true");
        ASSERT_EQ(json_integer_value(json_object_get(hc, "Interval")), 1000000000);
        ASSERT_EQ(json_integer_value(json_object_get(hc, "Retries")), 7);
}

TEST(lookup_by_id_prefix_and_name)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_container_ struct container *a = NULL, *b = NULL, *d = NULL;
        char prefix[13];

        ASSERT_OK(container_load(st, "web", &a, &err));
        ASSERT_OK(container_load(st, a->id, &b, &err));
        memcpy(prefix, a->id, 12);
        prefix[12] = 0;
        ASSERT_OK(container_load(st, prefix, &d, &err));
        ASSERT_STREQ(d->id, a->id);
        ASSERT_EQ(container_load(st, "nope", &d, &err), -ENOENT);
        ASSERT_STREQ(err->msg, "No such container: nope");
}

TEST(taken_name_is_refused_with_dockers_message)
{
        _cleanup_error_ struct berth_error *err = NULL;
        struct container *c = create("web", "{\"Image\":\"base:1\"}", &err);

        ASSERT_TRUE(c == NULL);
        ASSERT_EQ(err->code, EEXIST);
        ASSERT_TRUE(strstr(err->msg, "The container name \"/web\" is already in use by container") != NULL);
        berth_error_freep(&err);
        ASSERT_TRUE(create("bad name", "{\"Image\":\"base:1\"}", &err) == NULL);
        ASSERT_EQ(err->code, EINVAL);
        berth_error_freep(&err);
        ASSERT_TRUE(create("x1", "{\"Image\":\"nosuch\"}", &err) == NULL);
        ASSERT_EQ(err->code, ENOENT);
}

/* Eight processes race for one name: exactly one wins. */
TEST(name_claim_is_atomic)
{
        int wins = 0;

        for (int i = 0; i < 8; i++) {
                if (fork() == 0) {
                        struct container *c = create("racer", "{\"Image\":\"base:1\"}", NULL);
                        _exit(c ? 0 : 1);
                }
        }
        for (int i = 0; i < 8; i++) {
                int status;
                if (wait(&status) > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
                        wins++;
        }
        ASSERT_EQ(wins, 1);
}

TEST(rename_state_delete_and_in_use)
{
        _cleanup_error_ struct berth_error *err = NULL;
        _cleanup_container_ struct container *c = NULL, *again = NULL;
        _cleanup_image_ struct image *img = NULL;
        _cleanup_free_ char *who = NULL;

        ASSERT_OK(container_load(st, "racer", &c, &err));
        ASSERT_OK(container_rename(st, c, "renamed", &err));
        ASSERT_OK(container_load(st, "renamed", &again, &err));
        ASSERT_EQ(container_load(st, "racer", &again, &err), -ENOENT);
        berth_error_freep(&err);
        container_set_state(c, CONTAINER_EXITED, 0, 3, NULL);
        ASSERT_OK(container_save(st, c, &err));
        container_freep(&again);
        ASSERT_OK(container_load(st, c->id, &again, &err));
        ASSERT_EQ(container_status(again), CONTAINER_EXITED);
        ASSERT_EQ(json_integer_value(json_object_get(json_object_get(again->record, "State"), "ExitCode")), 3);
        ASSERT_OK(image_lookup(st, "base:1", &img, &err));
        ASSERT_EQ(container_image_in_use(st, img->id, &who), 1);
        ASSERT_OK(container_delete(st, c, &err));
        container_freep(&again);
        ASSERT_EQ(container_load(st, "renamed", &again, &err), -ENOENT);
}

TEST(list_newest_first)
{
        _cleanup_error_ struct berth_error *err = NULL;
        struct container **list = NULL;
        size_t n = 0;

        ASSERT_OK(container_list(st, &list, &n, &err));
        ASSERT_EQ(n, 3);
        ASSERT_TRUE(strcmp(json_string_value(json_object_get(list[0]->record, "Created")),
                           json_string_value(json_object_get(list[1]->record, "Created"))) >= 0);
        container_list_free(list, n);
}

int main(void)
{
        if (geteuid() != 0)
                TAP_SKIP_ALL("needs root (layers keep owners)");
        if (setup() < 0) {
                printf("Bail out! setup failed\n");
                return 1;
        }
        RUN(create_merges_image_config);
        RUN(entrypoint_override_drops_image_cmd);
        RUN(healthcheck_merges_field_by_field);
        RUN(lookup_by_id_prefix_and_name);
        RUN(taken_name_is_refused_with_dockers_message);
        RUN(name_claim_is_atomic);
        RUN(rename_state_delete_and_in_use);
        RUN(list_newest_first);
        (void)rm_rf_at(AT_FDCWD, tmp, NULL);
        TAP_DONE();
}
