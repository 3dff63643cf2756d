/* SPDX-License-Identifier: Apache-2.0 */
/* Creating, tagging and removing images; collecting what no image needs. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs-util.h"
#include "base/json-util.h"
#include "base/strv.h"
#include "base/xalloc.h"
#include "store/image-index.h"
#include "store/image.h"
#include "store/layer-store.h"
#include "store/reference.h"

int image_create(struct store *s, json_t *config, const struct image_layer_desc *layers, size_t n_layers,
                 const char *ref, struct image **ret, struct berth_error **err)
{
        _cleanup_json_ json_t *cfg = json_deep_copy(config), *manifest = NULL;
        _cleanup_free_ char *cfg_text = NULL, *man_text = NULL;
        char cfg_digest[DIGEST_STRING_MAX], man_digest[DIGEST_STRING_MAX];
        json_t *diff_ids = json_array(), *descs = json_array();
        int r;

        for (size_t i = 0; i < n_layers; i++) {
                json_array_append_new(diff_ids, json_string(layers[i].diff_id));
                json_array_append_new(descs, json_pack("{s:s,s:s,s:I}", "mediaType", layers[i].media_type,
                                                       "digest", layers[i].digest, "size",
                                                       (json_int_t)layers[i].size));
        }
        json_object_set_new(cfg, "rootfs", json_pack("{s:s,s:o}", "type", "layers", "diff_ids", diff_ids));
        cfg_text = json_dumps(cfg, JSON_COMPACT);
        r = blob_put_buf(s, cfg_text, strlen(cfg_text), NULL, cfg_digest, err);
        if (r < 0) {
                json_decref(descs);
                return r;
        }
        manifest = json_pack("{s:i,s:s,s:{s:s,s:s,s:I},s:o}", "schemaVersion", 2, "mediaType", MEDIA_OCI_MANIFEST,
                             "config", "mediaType", MEDIA_OCI_CONFIG, "digest", cfg_digest, "size",
                             (json_int_t)strlen(cfg_text), "layers", descs);
        man_text = json_dumps(manifest, JSON_COMPACT);
        r = blob_put_buf(s, man_text, strlen(man_text), NULL, man_digest, err);
        if (r < 0)
                return r;
        r = image_register(s, man_digest, ref, NULL, err);
        if (r < 0)
                return r;
        return ret ? image_lookup(s, cfg_digest, ret, err) : 0;
}

int image_tag(struct store *s, const char *source, const char *target, struct berth_error **err)
{
        _cleanup_image_ struct image *img = NULL;
        int r;

        r = image_lookup(s, source, &img, err);
        if (r < 0)
                return r;
        return image_register(s, img->manifest_digest, target, NULL, err);
}

static char *familiar(const char *canonical)
{
        _cleanup_image_ref_ struct image_ref *r = NULL;

        if (image_ref_parse(canonical, 0, &r, NULL) < 0)
                return xstrdup(canonical);
        return image_ref_familiar_string(r);
}

/* Docker's rmi report lines: "Untagged: busybox:latest", "Deleted: sha256:...". */
static void report_add(char ***report, const char *verb, const char *arg)
{
        _cleanup_free_ char *line = xasprintf("%s: %s", verb, arg);
        *report = strv_push(*report, line);
}

/* Removes every tag and repo digest of an index entry, reporting each. */
static void untag_all(json_t *e, char ***report)
{
        const char *keys[] = { "tags", "digests" };

        for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
                json_t *arr = json_object_get(e, keys[k]), *v;
                size_t i;
                json_array_foreach (arr, i, v) {
                        _cleanup_free_ char *f = familiar(json_string_value(v));
                        report_add(report, "Untagged", f);
                }
                json_array_clear(arr);
        }
}

static size_t count_repositories(json_t *e)
{
        _cleanup_strv_ char **repos = NULL;
        json_t *v;
        size_t i;

        json_array_foreach (json_object_get(e, "tags"), i, v) {
                _cleanup_image_ref_ struct image_ref *r = NULL;
                _cleanup_free_ char *name = NULL;
                bool seen = false;
                if (image_ref_parse(json_string_value(v), 0, &r, NULL) < 0)
                        continue;
                name = image_ref_name(r);
                for (size_t j = 0; repos && repos[j]; j++)
                        seen = seen || streq(repos[j], name);
                if (!seen)
                        repos = strv_push(repos, name);
        }
        return strv_length(repos);
}

static void entry_delete(json_t *index, json_t *e, const char *id, char ***report)
{
        json_t *entries = image_index_entries(index);

        for (size_t i = 0; i < json_array_size(entries); i++) {
                if (json_array_get(entries, i) == e) {
                        json_array_remove(entries, i);
                        break;
                }
        }
        report_add(report, "Deleted", id);
}

static bool entry_named(json_t *e)
{
        return json_array_size(json_object_get(e, "tags")) + json_array_size(json_object_get(e, "digests")) > 0;
}

static int in_use_error(struct store *s, struct image *img, const char *name, bool by_ref, struct berth_error **err)
{
        _cleanup_free_ char *who = NULL;
        char shortid[13];

        if (!s->image_in_use || s->image_in_use(s, img->id, &who) <= 0)
                return 0;
        snprintf(shortid, sizeof(shortid), "%s", img->id + 7);
        if (by_ref)
                return berth_err_msg(err, EBUSY,
                                     "conflict: unable to remove repository reference \"%s\" (must force) - "
                                     "container %.12s is using its referenced image %s",
                                     name, who ? who : "", shortid);
        return berth_err_msg(err, EBUSY,
                             "conflict: unable to delete %s (cannot be forced) - image is being used by running "
                             "container %.12s",
                             shortid, who ? who : "");
}

static int remove_locked(struct store *s, json_t *index, struct image *img, const char *name, bool force,
                         char ***report, struct berth_error **err)
{
        _cleanup_image_ref_ struct image_ref *ref = NULL;
        _cleanup_free_ char *canon = NULL;
        json_t *e = image_index_find(index, img->manifest_digest);
        bool by_ref = false;
        int r;

        if (!e)
                return berth_err_msg(err, ENOENT, "No such image: %s", name);
        if (image_ref_parse(name, IMAGE_REF_DEFAULT_TAG, &ref, NULL) == 0) {
                canon = image_ref_string(ref);
                by_ref = strv_contains(img->tags, canon) || strv_contains(img->digests, canon);
        }
        if (by_ref) {
                size_t left = json_array_size(json_object_get(e, "tags")) +
                              json_array_size(json_object_get(e, "digests"));
                if (left == 1 && !force && (r = in_use_error(s, img, name, true, err)) < 0)
                        return r;
                image_index_drop_ref(index, canon);
                _cleanup_free_ char *f = familiar(canon);
                report_add(report, "Untagged", f);
                if (entry_named(e) || (s->image_in_use && s->image_in_use(s, img->id, NULL) > 0))
                        return 0;
                entry_delete(index, e, img->id, report);
                return 0;
        }
        /* Docker's isSingleReference: one repository and at most one tag, or force. */
        if (!force && (count_repositories(e) > 1 || json_array_size(json_object_get(e, "tags")) > 1)) {
                char shortid[13];
                snprintf(shortid, sizeof(shortid), "%s", img->id + 7);
                return berth_err_msg(err, EBUSY,
                                     "conflict: unable to delete %s (must be forced) - image is referenced in "
                                     "multiple repositories",
                                     shortid);
        }
        if ((r = in_use_error(s, img, name, false, err)) < 0)
                return r;
        untag_all(e, report);
        entry_delete(index, e, img->id, report);
        return 0;
}

int image_remove(struct store *s, const char *name, bool force, char ***ret_report, struct berth_error **err)
{
        _cleanup_json_ json_t *index = NULL;
        struct image **list = NULL;
        _cleanup_strv_ char **report = NULL;
        struct image *img = NULL;
        size_t n = 0;
        int lock = -1, r;

        r = store_lock(s, &lock, err);
        if (r < 0)
                return r;
        r = image_index_load(s, &index, err);
        if (r == 0)
                r = image_index_load_images(s, index, &list, &n, err);
        if (r == 0) {
                r = image_lookup_in(list, n, name, &img, err);
                if (r == 0)
                        r = remove_locked(s, index, img, name, force, &report, err);
                if (r == 0)
                        r = image_index_save(s, index, err);
        }
        image_list_free(list, n);
        store_unlock(lock);
        if (r < 0)
                return r;
        (void)store_gc(s, NULL);
        *ret_report = TAKE_PTR(report);
        return 0;
}

int store_gc_guard(struct store *s, int *ret_fd, struct berth_error **err)
{
        int fd = openat(s->images_fd, ".gc.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);

        if (fd < 0)
                return berth_err(err, errno, "open the gc lock");
        while (flock(fd, LOCK_SH) < 0) {
                if (errno != EINTR) {
                        int e = errno;
                        close(fd);
                        return berth_err(err, e, "lock the store for writing");
                }
        }
        *ret_fd = fd;
        return 0;
}

/* Everything an image in the index refers to: blobs (manifest, config, layers) and layer chains. */
static void collect_refs(struct store *s, struct image **list, size_t n, char ***blobs, char ***chains)
{
        for (size_t i = 0; i < n; i++) {
                json_t *layers = json_object_get(list[i]->manifest, "layers"), *l;
                size_t j;
                *blobs = strv_push(*blobs, list[i]->manifest_digest);
                *blobs = strv_push(*blobs, list[i]->id);
                json_array_foreach (layers, j, l) {
                        const char *d = json_string_value(json_object_get(l, "digest"));
                        if (d)
                                *blobs = strv_push(*blobs, d);
                }
                for (j = 0; j < list[i]->n_layers; j++)
                        *chains = strv_push(*chains, list[i]->chain_ids[j]);
        }
        (void)s;
}

static void sweep_dir(int dfd, char **keep, bool is_layers, struct store *s)
{
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        /* A fresh open, not a dup: a dup shares the directory offset, and a second sweep would see nothing. */
        int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (fd < 0 || !(d = fdopendir(fd))) {
                if (fd >= 0)
                        close(fd);
                return;
        }
        while ((de = readdir(d))) {
                _cleanup_free_ char *digest = xasprintf("%s%s", DIGEST_PREFIX, de->d_name);
                if (de->d_name[0] == '.' && (streq(de->d_name, ".") || streq(de->d_name, "..")))
                        continue;
                /* With the gc lock held exclusively no writer is active: temp entries are leftovers. */
                if (de->d_name[0] != '.' && strv_contains(keep, digest))
                        continue;
                if (is_layers)
                        (void)rm_rf_at(dfd, de->d_name, NULL);
                else
                        (void)unlinkat(dfd, de->d_name, 0);
        }
        (void)s;
}

int store_gc(struct store *s, struct berth_error **err)
{
        _cleanup_json_ json_t *index = NULL;
        _cleanup_strv_ char **blobs = NULL, **chains = NULL;
        _cleanup_close_ int gc = -EBADF;
        struct image **list = NULL;
        size_t n = 0;
        int lock = -1, r;

        gc = openat(s->images_fd, ".gc.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (gc < 0)
                return berth_err(err, errno, "open the gc lock");
        if (flock(gc, LOCK_EX | LOCK_NB) < 0)
                return 0; /* a load or pull is writing: collect next time */
        r = store_lock(s, &lock, err);
        if (r < 0)
                return r;
        r = image_index_load(s, &index, err);
        if (r == 0)
                r = image_index_load_images(s, index, &list, &n, err);
        if (r == 0 && n == json_array_size(image_index_entries(index))) {
                collect_refs(s, list, n, &blobs, &chains);
                sweep_dir(s->blobs_fd, blobs, false, s);
                sweep_dir(s->layers_fd, chains, true, s);
        }
        image_list_free(list, n);
        store_unlock(lock);
        return r;
}
