/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `save`: streams images out as a docker-archive (Docker >= 25's layout,
 * which is also an OCI layout) or an oci-archive; see store/archive.h. Blobs
 * are copied from the store through a fixed buffer, never held in memory.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs-util.h"
#include "base/json-util.h"
#include "base/strv.h"
#include "base/xalloc.h"
#include "store/archive.h"
#include "store/image-import.h"
#include "store/image-index.h"
#include "store/reference.h"

#define IO_BUF_SIZE (1U << 20)

enum image_archive_format image_archive_format_from_string(const char *s)
{
        if (s && (streq(s, "docker-archive") || streq(s, "docker")))
                return IMAGE_ARCHIVE_DOCKER;
        if (s && (streq(s, "oci-archive") || streq(s, "oci")))
                return IMAGE_ARCHIVE_OCI;
        return _IMAGE_ARCHIVE_FORMAT_INVALID;
}

/* One image to write and the canonical tags it is saved under. */
struct save_item {
        struct image *img; /* borrowed from the list */
        char **tags;
};

struct saver {
        struct store *store;
        struct archive *a;
        json_t *written; /* blob digest -> size, for blobs already in the archive */
        char *buf;
        json_t *docker_manifest, *repositories, *index;
};

static int tar_error(struct saver *w, struct berth_error **err)
{
        int e = archive_errno(w->a);

        return berth_err_msg(err, e > 0 ? e : EIO, "write archive: %s", archive_error_string(w->a));
}

static int tar_header(struct saver *w, const char *name, mode_t type, uint64_t size,
                      struct berth_error **err)
{
        struct archive_entry *e = archive_entry_new();
        int r;

        if (!e)
                oom();
        archive_entry_set_pathname(e, name);
        archive_entry_set_filetype(e, type);
        archive_entry_set_perm(e, type == AE_IFDIR ? 0755 : 0644);
        archive_entry_set_size(e, type == AE_IFDIR ? 0 : (la_int64_t)size);
        archive_entry_set_mtime(e, 0, 0); /* the same images give the same archive */
        r = archive_write_header(w->a, e);
        archive_entry_free(e);
        return r == ARCHIVE_OK ? 0 : tar_error(w, err);
}

static int tar_buffer(struct saver *w, const char *name, const char *data, size_t len,
                      struct berth_error **err)
{
        int r = tar_header(w, name, AE_IFREG, len, err);

        if (r < 0)
                return r;
        if (len && archive_write_data(w->a, data, len) != (la_ssize_t)len)
                return tar_error(w, err);
        return 0;
}

static int tar_json(struct saver *w, const char *name, json_t *j, struct berth_error **err)
{
        _cleanup_free_ char *text = json_dumps(j, JSON_COMPACT);

        if (!text)
                oom();
        return tar_buffer(w, name, text, strlen(text), err);
}

/* Copies exactly size bytes of fd (from its current offset) into the current entry. */
static int tar_copy_fd(struct saver *w, const char *name, int fd, uint64_t size, struct berth_error **err)
{
        int r = tar_header(w, name, AE_IFREG, size, err);

        while (r == 0 && size > 0) {
                size_t want = size < IO_BUF_SIZE ? (size_t)size : IO_BUF_SIZE;
                ssize_t n = read(fd, w->buf, want);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return berth_err(err, errno, "read %s", name);
                if (n == 0)
                        return berth_err_msg(err, EIO, "%s shrank while it was saved", name);
                if (archive_write_data(w->a, w->buf, (size_t)n) != n)
                        return tar_error(w, err);
                size -= (uint64_t)n;
        }
        return r;
}

static char *blob_entry_name(const char *digest)
{
        return xasprintf("blobs/sha256/%s", digest + strlen(DIGEST_PREFIX));
}

/* Writes a store blob as blobs/sha256/<hex> once per archive. */
static int save_blob(struct saver *w, const char *digest, struct berth_error **err)
{
        _cleanup_free_ char *name = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        int r;

        if (json_object_get(w->written, digest))
                return 0;
        r = blob_open(w->store, digest, &fd, err);
        if (r < 0)
                return r;
        if (fstat(fd, &st) < 0)
                return berth_err(err, errno, "stat blob %s", digest);
        name = blob_entry_name(digest);
        r = tar_copy_fd(w, name, fd, (uint64_t)st.st_size, err);
        if (r == 0)
                json_object_set_new(w->written, digest, json_integer((json_int_t)st.st_size));
        return r;
}

static int save_buffer_blob(struct saver *w, const char *text, char ret_digest[static DIGEST_STRING_MAX],
                            struct berth_error **err)
{
        _cleanup_free_ char *name = NULL;
        int r;

        digest_buffer(text, strlen(text), ret_digest);
        if (json_object_get(w->written, ret_digest))
                return 0;
        name = blob_entry_name(ret_digest);
        r = tar_buffer(w, name, text, strlen(text), err);
        if (r == 0)
                json_object_set_new(w->written, ret_digest, json_integer((json_int_t)strlen(text)));
        return r;
}

/*
 * A compressed layer goes into a docker-archive uncompressed, named by its
 * diff ID. tar needs the size before the data, so it is decompressed into an
 * unnamed temporary file first (disk, not memory), and checked on the way.
 */
static int save_layer_uncompressed(struct saver *w, const char *blob, const char *diff_id,
                                   uint64_t *ret_size, struct berth_error **err)
{
        _cleanup_close_ int in = -EBADF, tmp = -EBADF;
        _cleanup_free_ char *name = blob_entry_name(diff_id);
        struct archive_entry *e;
        struct archive *a = NULL;
        struct digest_ctx d;
        char got[DIGEST_STRING_MAX];
        uint64_t size = 0;
        int r;

        r = blob_open(w->store, blob, &in, err);
        if (r < 0)
                return r;
        tmp = openat(w->store->blobs_fd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
        if (tmp < 0)
                return berth_err(err, errno, "create a temporary file");
        r = archive_raw_reader(in, &a, err);
        if (r < 0)
                return r;
        digest_init(&d);
        if (archive_read_next_header(a, &e) < ARCHIVE_WARN)
                r = berth_err_msg(err, EBADMSG, "layer %s: %s", blob, archive_error_string(a));
        for (la_ssize_t n; r == 0;) {
                n = archive_read_data(a, w->buf, IO_BUF_SIZE);
                if (n < 0)
                        r = berth_err_msg(err, EBADMSG, "layer %s: %s", blob, archive_error_string(a));
                else if (n == 0)
                        break;
                else if (write_all(tmp, w->buf, (size_t)n) < 0)
                        r = berth_err(err, errno, "write a temporary file");
                else {
                        digest_update(&d, w->buf, (size_t)n);
                        size += (uint64_t)n;
                }
        }
        archive_read_free(a);
        if (r < 0) {
                digest_release(&d);
                return r;
        }
        digest_final(&d, got);
        if (!streq(got, diff_id))
                return berth_err_msg(err, EBADMSG, "layer %s: diff ID mismatch: expected %s, got %s", blob,
                                     diff_id, got);
        if (lseek(tmp, 0, SEEK_SET) < 0)
                return berth_err(err, errno, "seek a temporary file");
        r = tar_copy_fd(w, name, tmp, size, err);
        if (r < 0)
                return r;
        json_object_set_new(w->written, diff_id, json_integer((json_int_t)size));
        *ret_size = size;
        return 0;
}

/* Writes one layer as an uncompressed tar named by its diff ID; *ret_size is that tar's size. */
static int save_docker_layer(struct saver *w, json_t *desc, const char *diff_id, uint64_t *ret_size,
                             struct berth_error **err)
{
        const char *blob = json_string_value(json_object_get(desc, "digest"));
        int r = 0;

        if (!blob || !digest_valid(blob))
                return berth_err_msg(err, EBADMSG, "manifest has a layer without a valid digest");
        if (!json_object_get(w->written, diff_id))
                r = streq(blob, diff_id) ? save_blob(w, blob, err)
                                         : save_layer_uncompressed(w, blob, diff_id, ret_size, err);
        if (r == 0)
                *ret_size = (uint64_t)json_integer_value(json_object_get(w->written, diff_id));
        return r;
}

static void add_repositories(struct saver *w, char **tags, const char *top_diff_id)
{
        for (size_t i = 0; tags && tags[i]; i++) {
                _cleanup_image_ref_ struct image_ref *ref = NULL;
                _cleanup_free_ char *name = NULL;
                json_t *repo;
                if (image_ref_parse(tags[i], 0, &ref, NULL) < 0 || !ref->tag)
                        continue;
                name = image_ref_familiar_name(ref);
                repo = json_object_get(w->repositories, name);
                if (!repo) {
                        repo = json_object();
                        json_object_set_new(w->repositories, name, repo);
                }
                json_object_set_new(repo, ref->tag, json_string(top_diff_id + strlen(DIGEST_PREFIX)));
        }
}

/* index.json entries: one per tag (with the names containerd and podman read), or one bare. */
static void add_index_entries(struct saver *w, const char *media_type, const char *digest, uint64_t size,
                              char **tags, bool oci)
{
        json_t *manifests = json_object_get(w->index, "manifests");

        if (!tags || !tags[0])
                json_array_append_new(manifests, json_pack("{s:s,s:s,s:I}", "mediaType", media_type,
                                                           "digest", digest, "size", (json_int_t)size));
        for (size_t i = 0; tags && tags[i]; i++) {
                _cleanup_image_ref_ struct image_ref *ref = NULL;
                const char *refname = tags[i];
                if (image_ref_parse(tags[i], 0, &ref, NULL) == 0 && !oci && ref->tag)
                        refname = ref->tag; /* Docker's own docker-archive: the tag alone */
                json_array_append_new(manifests,
                                      json_pack("{s:s,s:s,s:I,s:{s:s,s:s}}", "mediaType", media_type,
                                                "digest", digest, "size", (json_int_t)size, "annotations",
                                                "io.containerd.image.name", tags[i],
                                                "org.opencontainers.image.ref.name", refname));
        }
}

static json_t *familiar_tags(char **tags)
{
        json_t *arr = json_array();

        for (size_t i = 0; tags && tags[i]; i++) {
                _cleanup_image_ref_ struct image_ref *ref = NULL;
                _cleanup_free_ char *f = NULL;
                if (image_ref_parse(tags[i], 0, &ref, NULL) < 0)
                        continue;
                f = image_ref_familiar_string(ref);
                json_array_append_new(arr, json_string(f));
        }
        return arr;
}

static int save_docker_image(struct saver *w, struct save_item *it, struct berth_error **err)
{
        struct image *img = it->img;
        json_t *layers = json_object_get(img->manifest, "layers");
        _cleanup_free_ struct image_layer_desc *descs = NULL;
        _cleanup_free_ char *config_name = blob_entry_name(img->id), *man_text = NULL;
        _cleanup_json_ json_t *manifest = NULL;
        json_t *paths = json_array();
        char man_digest[DIGEST_STRING_MAX];
        uint64_t config_size = 0;
        int r;

        if (json_array_size(layers) != img->n_layers) {
                json_decref(paths);
                return berth_err_msg(err, EBADMSG, "image %s: manifest and config disagree on the layers",
                                     img->id);
        }
        descs = xcalloc(img->n_layers, sizeof(*descs));
        r = save_blob(w, img->id, err);
        if (r == 0)
                r = blob_size(w->store, img->id, &config_size, err);
        for (size_t i = 0; r == 0 && i < img->n_layers; i++) {
                r = save_docker_layer(w, json_array_get(layers, i), img->diff_ids[i], &descs[i].size, err);
                memcpy(descs[i].digest, img->diff_ids[i], DIGEST_STRING_MAX);
                descs[i].media_type = MEDIA_OCI_LAYER;
                _cleanup_free_ char *path = blob_entry_name(img->diff_ids[i]);
                json_array_append_new(paths, json_string(path));
        }
        if (r < 0) {
                json_decref(paths);
                return r;
        }
        /* The manifest as load rebuilds it from manifest.json, so a round trip keeps its digest. */
        manifest = archive_manifest_build(img->id, config_size, descs, img->n_layers);
        man_text = json_dumps(manifest, JSON_COMPACT);
        r = save_buffer_blob(w, man_text, man_digest, err);
        if (r < 0) {
                json_decref(paths);
                return r;
        }
        json_array_append_new(w->docker_manifest,
                              json_pack("{s:s,s:o,s:o}", "Config", config_name, "RepoTags",
                                        it->tags ? familiar_tags(it->tags) : json_null(), "Layers", paths));
        if (img->n_layers)
                add_repositories(w, it->tags, img->diff_ids[img->n_layers - 1]);
        add_index_entries(w, MEDIA_OCI_MANIFEST, man_digest, strlen(man_text), it->tags, false);
        return 0;
}

static int save_oci_image(struct saver *w, struct save_item *it, struct berth_error **err)
{
        struct image *img = it->img;
        const char *mt = json_string_value(json_object_get(img->manifest, "mediaType"));
        json_t *layers = json_object_get(img->manifest, "layers"), *l;
        uint64_t size = 0;
        size_t i;
        int r;

        r = save_blob(w, img->manifest_digest, err);
        if (r == 0)
                r = blob_size(w->store, img->manifest_digest, &size, err);
        if (r == 0)
                r = save_blob(w, img->id, err);
        json_array_foreach (layers, i, l) {
                const char *d = json_string_value(json_object_get(l, "digest"));
                if (r == 0)
                        r = d ? save_blob(w, d, err)
                              : berth_err_msg(err, EBADMSG, "image %s: layer without a digest", img->id);
        }
        if (r < 0)
                return r;
        add_index_entries(w, mt ? mt : MEDIA_OCI_MANIFEST, img->manifest_digest, size, it->tags, true);
        return 0;
}

static void save_items_free(struct save_item *items, size_t n)
{
        for (size_t i = 0; i < n; i++)
                strv_free(items[i].tags);
        free(items);
}

static struct save_item *item_for(struct save_item **items, size_t *n, struct image *img)
{
        for (size_t i = 0; i < *n; i++)
                if ((*items)[i].img == img)
                        return &(*items)[i];
        *items = xrealloc(*items, (*n + 1) * sizeof(**items));
        (*items)[*n] = (struct save_item){.img = img};
        return &(*items)[(*n)++];
}

static void item_add_tag(struct save_item *it, const char *tag)
{
        if (tag && !strv_contains(it->tags, tag))
                it->tags = strv_push(it->tags, tag);
}

/* A bare repository name ("busybox") saves every tag of that repository, as `docker save` does. */
static bool add_repository(struct image **list, size_t n, const char *name, struct save_item **items,
                           size_t *n_items)
{
        _cleanup_image_ref_ struct image_ref *ref = NULL;
        _cleanup_free_ char *repo = NULL;
        bool found = false;

        if (image_id_like(name) || image_ref_parse(name, 0, &ref, NULL) < 0 || ref->tag || ref->digest)
                return false;
        repo = image_ref_name(ref);
        for (size_t i = 0; i < n; i++)
                for (size_t j = 0; list[i]->tags && list[i]->tags[j]; j++) {
                        const char *t = list[i]->tags[j];
                        if (strncmp(t, repo, strlen(repo)) == 0 && t[strlen(repo)] == ':') {
                                item_add_tag(item_for(items, n_items, list[i]), t);
                                found = true;
                        }
                }
        return found;
}

static int resolve_names(struct image **list, size_t n, char **names, struct save_item **ret, size_t *ret_n,
                         struct berth_error **err)
{
        struct save_item *items = NULL;
        size_t n_items = 0;
        int r;

        for (size_t i = 0; names && names[i]; i++) {
                _cleanup_image_ref_ struct image_ref *ref = NULL;
                _cleanup_free_ char *canon = NULL;
                struct image *img = NULL;
                if (add_repository(list, n, names[i], &items, &n_items))
                        continue;
                r = image_lookup_in(list, n, names[i], &img, err);
                if (r < 0) {
                        save_items_free(items, n_items);
                        return r;
                }
                if (image_ref_parse(names[i], IMAGE_REF_DEFAULT_TAG, &ref, NULL) == 0)
                        canon = image_ref_string(ref);
                item_add_tag(item_for(&items, &n_items, img),
                             strv_contains(img->tags, canon) ? canon : NULL);
        }
        if (n_items == 0)
                return berth_err_msg(err, EINVAL, "no image to save");
        *ret = items;
        *ret_n = n_items;
        return 0;
}

static int save_trailer(struct saver *w, enum image_archive_format fmt, struct berth_error **err)
{
        _cleanup_json_ json_t *layout = json_pack("{s:s}", "imageLayoutVersion", "1.0.0");
        int r = 0;

        if (fmt == IMAGE_ARCHIVE_DOCKER) {
                r = tar_json(w, "manifest.json", w->docker_manifest, err);
                if (r == 0 && json_object_size(w->repositories) > 0)
                        r = tar_json(w, "repositories", w->repositories, err);
        }
        if (r == 0)
                r = tar_json(w, "index.json", w->index, err);
        if (r == 0)
                r = tar_json(w, "oci-layout", layout, err);
        if (r == 0 && archive_write_close(w->a) != ARCHIVE_OK)
                r = tar_error(w, err);
        return r;
}

static int save_all(struct saver *w, struct save_item *items, size_t n, enum image_archive_format fmt,
                    int out_fd, struct berth_error **err)
{
        int r;

        w->a = archive_write_new();
        if (!w->a)
                oom();
        archive_write_set_format_pax_restricted(w->a);
        archive_write_set_bytes_in_last_block(w->a, 1);
        if (archive_write_open_fd(w->a, out_fd) != ARCHIVE_OK)
                return tar_error(w, err);
        r = tar_header(w, "blobs/", AE_IFDIR, 0, err);
        if (r == 0)
                r = tar_header(w, "blobs/sha256/", AE_IFDIR, 0, err);
        for (size_t i = 0; r == 0 && i < n; i++)
                r = fmt == IMAGE_ARCHIVE_DOCKER ? save_docker_image(w, &items[i], err)
                                                : save_oci_image(w, &items[i], err);
        if (r == 0)
                r = save_trailer(w, fmt, err);
        return r;
}

int image_save(struct store *s, char **names, int out_fd, enum image_archive_format fmt,
               struct berth_error **err)
{
        struct saver w = {
            .store = s,
            .buf = xmalloc(IO_BUF_SIZE),
            .written = json_object(),
            .docker_manifest = json_array(),
            .repositories = json_object(),
            .index =
                json_pack("{s:i,s:s,s:[]}", "schemaVersion", 2, "mediaType", MEDIA_OCI_INDEX, "manifests"),
        };
        struct image **list = NULL;
        struct save_item *items = NULL;
        size_t n = 0, n_items = 0;
        int r;

        if (fmt != IMAGE_ARCHIVE_DOCKER && fmt != IMAGE_ARCHIVE_OCI)
                r = berth_err_msg(err, EINVAL, "unknown archive format");
        else
                r = image_list(s, &list, &n, err);
        if (r == 0)
                r = resolve_names(list, n, names, &items, &n_items, err);
        if (r == 0)
                r = save_all(&w, items, n_items, fmt, out_fd, err);
        if (w.a && r < 0)
                archive_write_fail(w.a); /* no end-of-archive blocks: a cut-short save must not look whole */
        if (w.a)
                archive_write_free(w.a);
        save_items_free(items, n_items);
        image_list_free(list, n);
        json_decref(w.written);
        free(w.buf);
        json_decref(w.docker_manifest);
        json_decref(w.repositories);
        json_decref(w.index);
        return r;
}
