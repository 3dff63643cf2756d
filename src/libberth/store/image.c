/* SPDX-License-Identifier: Apache-2.0 */
#include "store/image.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/cleanup.h"
#include "base/json-util.h"
#include "base/time-util.h"
#include "base/strv.h"
#include "base/xalloc.h"
#include "store/image-index.h"
#include "store/layer-store.h"
#include "store/reference.h"

void layer_chain_id(const char *parent, const char *diff_id, char out[static DIGEST_STRING_MAX])
{
        _cleanup_free_ char *s = NULL;

        if (!parent || !*parent) {
                snprintf(out, DIGEST_STRING_MAX, "%s", diff_id);
                return;
        }
        s = xasprintf("%s %s", parent, diff_id);
        digest_buffer(s, strlen(s), out);
}

struct image *image_free(struct image *img)
{
        if (!img)
                return NULL;
        strv_free(img->tags);
        strv_free(img->digests);
        json_decref(img->manifest);
        json_decref(img->config);
        free(img->added);
        free(img->diff_ids);
        free(img->chain_ids);
        free(img);
        return NULL;
}

void image_freep(struct image **img)
{
        *img = image_free(*img);
}

void image_list_free(struct image **list, size_t n)
{
        for (size_t i = 0; i < n; i++)
                image_free(list[i]);
        free(list);
}

static int load_json_blob(struct store *s, const char *digest, size_t max, json_t **ret, struct berth_error **err)
{
        _cleanup_free_ char *buf = NULL;
        json_error_t jerr;
        size_t len = 0;
        int r;

        r = blob_read(s, digest, max, &buf, &len, err);
        if (r < 0)
                return r;
        *ret = json_loadb(buf, len, 0, &jerr);
        if (!*ret)
                return berth_err_msg(err, EBADMSG, "blob %s is not valid JSON: %s", digest, jerr.text);
        return 0;
}

static int image_fill_layers(struct store *s, struct image *img, struct berth_error **err)
{
        json_t *diff_ids = json_object_get(json_object_get(img->config, "rootfs"), "diff_ids"), *v;
        size_t i;

        if (!json_is_array(diff_ids))
                return berth_err_msg(err, EBADMSG, "image %s: config has no rootfs.diff_ids", img->id);
        img->n_layers = json_array_size(diff_ids);
        if (img->n_layers > IMAGE_LAYERS_MAX)
                return berth_err_msg(err, EBADMSG, "image %s has more than %d layers", img->id, IMAGE_LAYERS_MAX);
        img->diff_ids = xcalloc(img->n_layers, DIGEST_STRING_MAX);
        img->chain_ids = xcalloc(img->n_layers, DIGEST_STRING_MAX);
        json_array_foreach (diff_ids, i, v) {
                uint64_t size = 0;
                if (!json_is_string(v) || !digest_valid(json_string_value(v)))
                        return berth_err_msg(err, EBADMSG, "image %s: bad diff_id %zu", img->id, i);
                snprintf(img->diff_ids[i], DIGEST_STRING_MAX, "%s", json_string_value(v));
                layer_chain_id(i ? img->chain_ids[i - 1] : NULL, img->diff_ids[i], img->chain_ids[i]);
                if (layer_store_size(s, img->chain_ids[i], &size, NULL) == 0)
                        img->size += size;
        }
        return 0;
}

/* Loads an index entry into a struct image: manifest, config, chain IDs, size. */
static int image_load_entry(struct store *s, json_t *e, struct image **ret, struct berth_error **err)
{
        _cleanup_image_ struct image *img = xmalloc(sizeof(*img));
        const char *manifest = json_string_value(json_object_get(e, "manifest"));
        const char *config;
        int r;

        if (!manifest || !digest_valid(manifest))
                return berth_err_msg(err, EBADMSG, "image index entry without a valid manifest digest");
        snprintf(img->manifest_digest, DIGEST_STRING_MAX, "%s", manifest);
        r = load_json_blob(s, manifest, IMAGE_MANIFEST_MAX, &img->manifest, err);
        if (r < 0)
                return r;
        config = json_string_value(json_object_get(json_object_get(img->manifest, "config"), "digest"));
        if (!config || !digest_valid(config))
                return berth_err_msg(err, EBADMSG, "manifest %s has no valid config digest", manifest);
        snprintf(img->id, DIGEST_STRING_MAX, "%s", config);
        r = load_json_blob(s, config, IMAGE_CONFIG_MAX, &img->config, err);
        if (r < 0)
                return r;
        (void)json_get_strv(e, "tags", "image", &img->tags, NULL);
        (void)json_get_strv(e, "digests", "image", &img->digests, NULL);
        img->added = xstrdup(json_string_value(json_object_get(e, "added")));
        r = image_fill_layers(s, img, err);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(img);
        return 0;
}

int image_index_load_images(struct store *s, json_t *index, struct image ***ret, size_t *ret_n,
                           struct berth_error **err)
{
        json_t *entries = image_index_entries(index), *e;
        struct image **list = xcalloc(json_array_size(entries) + 1, sizeof(*list));
        size_t i, n = 0;

        json_array_foreach (entries, i, e) {
                _cleanup_error_ struct berth_error *lerr = NULL;
                /* One broken image must not hide the others; `system check` reports it. */
                if (image_load_entry(s, e, &list[n], &lerr) == 0)
                        n++;
        }
        (void)err;
        *ret = list;
        *ret_n = n;
        return 0;
}

int image_list(struct store *s, struct image ***ret, size_t *ret_n, struct berth_error **err)
{
        _cleanup_json_ json_t *index = NULL;
        int lock = -1, r;

        r = store_lock(s, &lock, err);
        if (r < 0)
                return r;
        r = image_index_load(s, &index, err);
        store_unlock(lock);
        if (r < 0)
                return r;
        return image_index_load_images(s, index, ret, ret_n, err);
}

static bool is_hex(const char *s)
{
        if (!*s)
                return false;
        for (; *s; s++)
                if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
                        return false;
        return true;
}

/* Docker's order: a full digest ID, then a reference, then a short ID prefix. */
static struct image *find_in(struct image **list, size_t n, const char *name, int *ambiguous)
{
        _cleanup_image_ref_ struct image_ref *ref = NULL;
        const char *hex = strncmp(name, DIGEST_PREFIX, strlen(DIGEST_PREFIX)) == 0 ? name + strlen(DIGEST_PREFIX)
                                                                                  : name;
        struct image *found = NULL;

        for (size_t i = 0; i < n; i++)
                if (streq(list[i]->id, name) || (strlen(hex) == DIGEST_HEX_LEN && streq(list[i]->id + 7, hex)))
                        return list[i];
        if (image_ref_parse(name, IMAGE_REF_DEFAULT_TAG, &ref, NULL) == 0) {
                _cleanup_free_ char *canon = image_ref_string(ref);
                for (size_t i = 0; i < n; i++) {
                        if (strv_contains(list[i]->tags, canon) || strv_contains(list[i]->digests, canon))
                                return list[i];
                        if (ref->digest && streq(list[i]->manifest_digest, ref->digest))
                                return list[i];
                }
        }
        if (!is_hex(hex) || strlen(hex) > DIGEST_HEX_LEN)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                if (strncmp(list[i]->id + 7, hex, strlen(hex)) != 0)
                        continue;
                if (found && found != list[i]) {
                        *ambiguous = 1;
                        return NULL;
                }
                found = list[i];
        }
        return found;
}

int image_lookup_in(struct image **list, size_t n, const char *name, struct image **ret, struct berth_error **err)
{
        int ambiguous = 0;
        struct image *hit = find_in(list, n, name, &ambiguous);

        if (!hit) {
                if (ambiguous)
                        return berth_err_msg(err, EINVAL, "ambiguous image ID prefix: %s", name);
                return berth_err_msg(err, ENOENT, "No such image: %s", name);
        }
        *ret = hit;
        return 0;
}

/* Whether index entry e is the image with config digest id: its manifest only, not its config and layers. */
static bool entry_is_id(struct store *s, json_t *e, const char *id)
{
        _cleanup_json_ json_t *m = NULL;
        const char *manifest = json_string_value(json_object_get(e, "manifest")), *config;

        if (!manifest || !digest_valid(manifest) || load_json_blob(s, manifest, IMAGE_MANIFEST_MAX, &m, NULL) < 0)
                return false;
        config = json_string_value(json_object_get(json_object_get(m, "config"), "digest"));
        return config && streq(config, id);
}

/*
 * The common cases without loading every image (a container's start looks
 * its image up by full ID, `run` by reference): a full ID needs the index and
 * the manifests up to the match; a reference found among the index's tags or
 * digests needs the index only; then that one image is loaded. Same order as
 * find_in (a full ID first, then a reference). 1 when found, 0 when the full
 * search must decide (short ID prefixes, errors).
 */
static int lookup_fast(struct store *s, const char *name, struct image **ret)
{
        _cleanup_image_ref_ struct image_ref *ref = NULL;
        _cleanup_json_ json_t *index = NULL;
        _cleanup_free_ char *canon = NULL;
        const char *hex = strncmp(name, DIGEST_PREFIX, strlen(DIGEST_PREFIX)) == 0 ? name + strlen(DIGEST_PREFIX)
                                                                                  : name;
        json_t *e;
        size_t i;
        int lock = -1, r;

        bool full_id = strlen(hex) == DIGEST_HEX_LEN && (hex == name + strlen(DIGEST_PREFIX) || is_hex(hex));

        if (!full_id && image_ref_parse(name, IMAGE_REF_DEFAULT_TAG, &ref, NULL) < 0)
                return 0;
        if (store_lock(s, &lock, NULL) < 0)
                return 0;
        r = image_index_load(s, &index, NULL);
        store_unlock(lock);
        if (r < 0)
                return 0;
        if (full_id) {
                _cleanup_free_ char *id = xasprintf("%s%s", DIGEST_PREFIX, hex);
                json_array_foreach (image_index_entries(index), i, e)
                        if (entry_is_id(s, e, id))
                                return image_load_entry(s, e, ret, NULL) == 0 ? 1 : 0;
                return 0;
        }
        canon = image_ref_string(ref);
        json_array_foreach (image_index_entries(index), i, e) {
                _cleanup_strv_ char **tags = NULL, **digests = NULL;
                const char *manifest = json_string_value(json_object_get(e, "manifest"));
                (void)json_get_strv(e, "tags", "image", &tags, NULL);
                (void)json_get_strv(e, "digests", "image", &digests, NULL);
                if (strv_contains(tags, canon) || strv_contains(digests, canon) ||
                    (ref->digest && manifest && streq(manifest, ref->digest)))
                        return image_load_entry(s, e, ret, NULL) == 0 ? 1 : 0;
        }
        return 0;
}

int image_lookup(struct store *s, const char *name, struct image **ret, struct berth_error **err)
{
        struct image **list = NULL, *hit = NULL;
        size_t n = 0;
        int r;

        if (lookup_fast(s, name, ret) > 0)
                return 0;
        r = image_list(s, &list, &n, err);
        if (r < 0)
                return r;
        r = image_lookup_in(list, n, name, &hit, err);
        for (size_t i = 0; r == 0 && i < n; i++)
                if (list[i] == hit)
                        list[i] = NULL;
        image_list_free(list, n);
        if (r == 0)
                *ret = hit;
        return r;
}

static int canonical_ref(const char *ref, char **ret, struct berth_error **err)
{
        _cleanup_image_ref_ struct image_ref *r = NULL;
        int rr = image_ref_parse(ref, IMAGE_REF_DEFAULT_TAG, &r, err);

        if (rr < 0)
                return rr;
        *ret = image_ref_string(r);
        return 0;
}

int image_register(struct store *s, const char *manifest_digest, const char *ref, const char *repo_digest,
                   struct berth_error **err)
{
        _cleanup_json_ json_t *index = NULL;
        _cleanup_free_ char *canon = NULL;
        json_t *e;
        int lock = -1, r;

        if (ref && (r = canonical_ref(ref, &canon, err)) < 0)
                return r;
        r = store_lock(s, &lock, err);
        if (r < 0)
                return r;
        r = image_index_load(s, &index, err);
        if (r < 0)
                goto out;
        if (canon)
                image_index_drop_ref(index, canon);
        e = image_index_find(index, manifest_digest);
        if (!e) {
                _cleanup_free_ char *added = time_now_rfc3339();
                struct image *tmp = NULL;
                e = json_pack("{s:s,s:[],s:[],s:s}", "manifest", manifest_digest, "tags", "digests", "added", added);
                json_array_append_new(image_index_entries(index), e);
                /* Validate before it becomes visible: the blobs must exist and parse. */
                r = image_load_entry(s, e, &tmp, err);
                image_free(tmp);
                if (r < 0)
                        goto out;
        }
        if (canon)
                json_array_append_new(json_object_get(e, "tags"), json_string(canon));
        if (repo_digest) {
                image_index_drop_ref(index, repo_digest);
                json_array_append_new(json_object_get(e, "digests"), json_string(repo_digest));
        }
        r = image_index_save(s, index, err);
out:
        store_unlock(lock);
        return r;
}
