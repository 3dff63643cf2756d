/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `load`: docker-archive and OCI archives (or layout directories) into the
 * store. Three phases, so that a bad archive registers nothing:
 *   1. spool: every file of the tar stream becomes a verified blob (names of
 *      the form blobs/sha256/<hex> must match their content), remembered by
 *      path; links between entries are remembered too; manifest.json and
 *      index.json are kept in memory;
 *   2. plan: manifest.json (else index.json) is resolved into images: a
 *      manifest blob, its layer blobs and diff IDs, its tags;
 *   3. unpack every layer of every image (diff IDs checked), then register.
 * Entry names are only ever used as keys, never as host paths.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/chase.h"
#include "base/cleanup.h"
#include "base/fs-util.h"
#include "base/json-util.h"
#include "base/strv.h"
#include "base/xalloc.h"
#include "store/archive.h"
#include "store/image-import.h"
#include "store/image-index.h"
#include "store/layer-store.h"
#include "store/reference.h"

#define IO_BUF_SIZE (1U << 20)
#define LOAD_MAX_ENTRIES 100000
#define LOAD_MAX_IMAGES 1000
#define LOAD_MAX_LINK_HOPS 16

struct pending {
        char manifest[DIGEST_STRING_MAX];
        char id[DIGEST_STRING_MAX];
        size_t n_layers;
        char (*blobs)[DIGEST_STRING_MAX];
        char (*diff_ids)[DIGEST_STRING_MAX];
        char **tags;
};

struct loader {
        struct store *store;
        int dir_fd;    /* image_load_dir: the layout directory; -EBADF for a stream */
        json_t *files; /* entry path -> blob digest */
        json_t *links; /* entry path -> path it links to */
        char *manifest_json, *index_json;
        size_t manifest_len, index_len;
        struct pending *images;
        size_t n_images;
        char *buf;
};

static void loader_release(struct loader *l)
{
        json_decref(l->files);
        json_decref(l->links);
        free(l->manifest_json);
        free(l->index_json);
        for (size_t i = 0; i < l->n_images; i++) {
                free(l->images[i].blobs);
                free(l->images[i].diff_ids);
                strv_free(l->images[i].tags);
        }
        free(l->images);
        free(l->buf);
}

__attribute__((format(printf, 2, 3))) static int bad(struct berth_error **err, const char *fmt, ...)
{
        _cleanup_free_ char *msg = NULL;
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (n < 0)
                oom();
        return berth_err_msg(err, EBADMSG, "%s", msg);
}

/*
 * "a/./b/" -> "a/b". Inside base (the directory of a symlink), ".." may go
 * up but never above the archive's root; in an entry name it is refused,
 * like an absolute name: no honest archive has them.
 */
static int clean_path(const char *base, const char *raw, char **ret, struct berth_error **err)
{
        _cleanup_free_ char *joined = NULL, *out = NULL;
        char *save = NULL, *c;
        size_t n = 0;

        if (raw[0] == '/' ||
            (!base && (streq(raw, "..") || strstr(raw, "../") == raw || strstr(raw, "/../") ||
                       (strlen(raw) >= 3 && streq(raw + strlen(raw) - 3, "/.."))))) {
                return bad(err, "invalid archive: entry `%s` points outside the archive", raw);
        }
        joined = base && *base ? xasprintf("%s/%s", base, raw) : xstrdup(raw);
        out = xmalloc(strlen(joined) + 1);
        for (c = strtok_r(joined, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
                if (streq(c, "."))
                        continue;
                if (streq(c, "..")) {
                        char *slash;
                        if (n == 0)
                                return bad(err, "invalid archive: entry `%s` points outside the archive",
                                           raw);
                        out[n] = '\0';
                        slash = strrchr(out, '/');
                        n = slash ? (size_t)(slash - out) : 0;
                        continue;
                }
                if (n)
                        out[n++] = '/';
                memcpy(out + n, c, strlen(c));
                n += strlen(c);
        }
        out[n] = '\0';
        *ret = TAKE_PTR(out);
        return 0;
}

/* "blobs/sha256/<64 hex>" -> "sha256:<hex>" */
static bool blob_path_digest(const char *path, char out[static DIGEST_STRING_MAX])
{
        const char *prefix = "blobs/sha256/";

        if (strncmp(path, prefix, strlen(prefix)) != 0)
                return false;
        snprintf(out, DIGEST_STRING_MAX, "%s%s", DIGEST_PREFIX, path + strlen(prefix));
        return strlen(path + strlen(prefix)) == DIGEST_HEX_LEN && digest_valid(out);
}

static int archive_fail(struct archive *a, struct berth_error **err)
{
        const char *msg = archive_error_string(a);

        return berth_err_msg(err, EBADMSG, "invalid archive: %s", msg ? msg : "unexpected EOF");
}

static int spool_memory(struct archive *a, struct archive_entry *e, char **ret, size_t *ret_len,
                        struct berth_error **err)
{
        la_int64_t size = archive_entry_size(e);
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;

        if (size < 0 || size > (la_int64_t)IMAGE_MANIFEST_MAX)
                return bad(err, "invalid archive: `%s` is too large", archive_entry_pathname(e));
        buf = xmalloc((size_t)size + 1);
        while (len < (size_t)size) {
                la_ssize_t n = archive_read_data(a, buf + len, (size_t)size - len);
                if (n < 0)
                        return archive_fail(a, err);
                if (n == 0)
                        return bad(err, "invalid archive: `%s` is truncated", archive_entry_pathname(e));
                len += (size_t)n;
        }
        buf[len] = '\0';
        free(*ret);
        *ret = TAKE_PTR(buf);
        *ret_len = len;
        return 0;
}

static int spool_blob(struct loader *l, struct archive *a, const char *path, struct berth_error **err)
{
        char expected[DIGEST_STRING_MAX], digest[DIGEST_STRING_MAX];
        bool named = blob_path_digest(path, expected);
        struct blob_writer w = {.fd = -EBADF};
        int r;

        /* Content-addressed and already here (verified when it came in): no need to hash it again. */
        if (named && blob_exists(l->store, expected)) {
                if (archive_read_data_skip(a) < ARCHIVE_WARN)
                        return archive_fail(a, err);
                json_object_set_new(l->files, path, json_string(expected));
                return 0;
        }
        r = blob_writer_open(l->store, &w, err);
        for (la_ssize_t n; r == 0;) {
                n = archive_read_data(a, l->buf, IO_BUF_SIZE);
                if (n < 0)
                        r = bad(err, "invalid archive: `%s`: %s", path,
                                archive_error_string(a) ?: "unexpected EOF");
                else if (n == 0)
                        break;
                else
                        r = blob_writer_write(&w, l->buf, (size_t)n, err);
        }
        if (r == 0 && (r = blob_writer_commit(&w, named ? expected : NULL, digest, NULL, err)) < 0)
                berth_err_prefix(err, "invalid archive: `%s`", path);
        blob_writer_release(&w);
        if (r < 0)
                return r;
        json_object_set_new(l->files, path, json_string(digest));
        return 0;
}

/* Legacy per-layer metadata of old docker-archives ("<id>/json", "<id>/VERSION"): not needed. */
static bool legacy_metadata(const char *path)
{
        const char *slash = strrchr(path, '/');

        return slash && strncmp(path, "blobs/", 6) != 0 &&
               (streq(slash + 1, "json") || streq(slash + 1, "VERSION"));
}

static int spool_entry(struct loader *l, struct archive *a, struct archive_entry *e,
                       struct berth_error **err)
{
        _cleanup_free_ char *path = NULL, *target = NULL;
        const char *hardlink = archive_entry_hardlink(e);
        mode_t type = archive_entry_filetype(e);
        int r;

        r = clean_path(NULL, archive_entry_pathname(e) ?: "", &path, err);
        if (r < 0)
                return r;
        if (hardlink || type == AE_IFLNK) {
                _cleanup_free_ char *dir = xstrdup(path);
                char *slash = strrchr(dir, '/');
                *(slash ? slash : dir) = '\0';
                r = hardlink ? clean_path(NULL, hardlink, &target, err)
                             : clean_path(dir, archive_entry_symlink(e) ?: "", &target, err);
                if (r < 0)
                        return r;
                json_object_set_new(l->links, path, json_string(target));
                return 0;
        }
        if (type != AE_IFREG)
                return 0;
        if (streq(path, "manifest.json"))
                return spool_memory(a, e, &l->manifest_json, &l->manifest_len, err);
        if (streq(path, "index.json"))
                return spool_memory(a, e, &l->index_json, &l->index_len, err);
        if (streq(path, "oci-layout") || streq(path, "repositories") || legacy_metadata(path))
                return 0; /* libarchive skips unread data */
        return spool_blob(l, a, path, err);
}

static int spool_stream(struct loader *l, int fd, struct berth_error **err)
{
        struct archive *a = archive_read_new();
        struct archive_entry *e;
        size_t n = 0;
        int r = 0;

        if (!a)
                oom();
        archive_read_support_filter_gzip(a);
        archive_read_support_filter_bzip2(a);
        archive_read_support_filter_xz(a);
        archive_read_support_filter_zstd(a);
        archive_read_support_filter_none(a);
        archive_read_support_format_tar(a);
        archive_read_support_format_empty(a);
        if (archive_read_open_fd(a, fd, IO_BUF_SIZE) != ARCHIVE_OK)
                r = archive_fail(a, err);
        while (r == 0) {
                int ar = archive_read_next_header(a, &e);
                if (ar == ARCHIVE_EOF)
                        break;
                if (ar < ARCHIVE_WARN)
                        r = archive_fail(a, err);
                else if (++n > LOAD_MAX_ENTRIES)
                        r = berth_err_msg(err, EBADMSG, "invalid archive: more than %d entries",
                                          LOAD_MAX_ENTRIES);
                else
                        r = spool_entry(l, a, e, err);
        }
        archive_read_free(a);
        return r;
}

/* ---- phase 2: what the archive describes ---- */

/* A file of a layout directory into the store (verified if its name is a digest). */
static int dir_blob(struct loader *l, const char *path, char digest[static DIGEST_STRING_MAX],
                    struct berth_error **err)
{
        _cleanup_close_ int pfd = -EBADF, fd = -EBADF;
        char expected[DIGEST_STRING_MAX];
        bool named = blob_path_digest(path, expected);
        int r;

        if (named && blob_exists(l->store, expected)) {
                memcpy(digest, expected, DIGEST_STRING_MAX);
                return 0;
        }
        /* RESOLVE_IN_ROOT: a symlink in the layout cannot reach outside it. */
        r = chase_at(l->dir_fd, path, 0, &pfd, err);
        if (r < 0)
                return r == -ENOENT
                           ? (berth_error_freep(err), bad(err, "invalid layout: `%s` not found", path))
                           : r;
        fd = fd_reopen(pfd, O_RDONLY, err);
        if (fd < 0)
                return fd;
        r = blob_put_fd(l->store, fd, named ? expected : NULL, digest, NULL, err);
        return r < 0 ? berth_err_prefix(err, "invalid layout: %s", path) : 0;
}

/* The blob an archive path names, following links between entries. */
static int lookup_path(struct loader *l, const char *path, char digest[static DIGEST_STRING_MAX],
                       struct berth_error **err)
{
        _cleanup_free_ char *p = NULL;
        int r = clean_path(NULL, path, &p, err);

        if (r < 0)
                return r;
        if (l->dir_fd >= 0)
                return dir_blob(l, p, digest, err);
        for (int hops = 0; hops < LOAD_MAX_LINK_HOPS; hops++) {
                const char *d = json_string_value(json_object_get(l->files, p));
                const char *next = json_string_value(json_object_get(l->links, p));
                if (d) {
                        snprintf(digest, DIGEST_STRING_MAX, "%s", d);
                        return 0;
                }
                if (!next)
                        return bad(err, "invalid archive: `%s` not found", path);
                free(p);
                p = xstrdup(next);
        }
        return bad(err, "invalid archive: too many links at `%s`", path);
}

/* A blob an OCI descriptor names must be in the store by now (or in the layout directory). */
static int need_blob(struct loader *l, const char *digest, struct berth_error **err)
{
        _cleanup_free_ char *path = NULL;
        char got[DIGEST_STRING_MAX];

        if (!digest || !digest_valid(digest))
                return bad(err, "invalid archive: bad digest `%s`", digest ? digest : "");
        if (blob_exists(l->store, digest))
                return 0;
        if (l->dir_fd < 0)
                return bad(err, "invalid archive: blob %s is missing", digest);
        path = xasprintf("blobs/sha256/%s", digest + strlen(DIGEST_PREFIX));
        return dir_blob(l, path, got, err);
}

static int read_json_blob(struct loader *l, const char *digest, size_t max, json_t **ret,
                          struct berth_error **err)
{
        _cleanup_free_ char *buf = NULL;
        json_error_t jerr;
        size_t len = 0;
        int r = need_blob(l, digest, err);

        if (r == 0)
                r = blob_read(l->store, digest, max, &buf, &len, err);
        if (r < 0)
                return r;
        *ret = json_loadb(buf, len, 0, &jerr);
        if (!*ret)
                return berth_err_msg(err, EBADMSG, "invalid archive: blob %s: %s", digest, jerr.text);
        return 0;
}

static int check_tag(const char *tag, char **ret, struct berth_error **err)
{
        _cleanup_image_ref_ struct image_ref *ref = NULL;
        int r = image_ref_parse(tag, IMAGE_REF_DEFAULT_TAG, &ref, err);

        if (r < 0)
                return berth_err_prefix(err, "invalid archive: tag `%s`", tag);
        *ret = image_ref_string(ref);
        return 0;
}

static struct pending *pending_add(struct loader *l, const char *manifest, const char *id)
{
        for (size_t i = 0; i < l->n_images; i++)
                if (streq(l->images[i].manifest, manifest))
                        return &l->images[i];
        l->images = xrealloc(l->images, (l->n_images + 1) * sizeof(*l->images));
        l->images[l->n_images] = (struct pending){};
        snprintf(l->images[l->n_images].manifest, DIGEST_STRING_MAX, "%s", manifest);
        snprintf(l->images[l->n_images].id, DIGEST_STRING_MAX, "%s", id);
        return &l->images[l->n_images++];
}

/* The config's diff IDs, checked against the number of layers. */
static int config_diff_ids(struct loader *l, const char *config, size_t n_layers, json_t **ret_cfg,
                           json_t **ret_ids, struct berth_error **err)
{
        json_t *cfg = NULL, *ids, *v;
        size_t i;
        int r = read_json_blob(l, config, IMAGE_CONFIG_MAX, &cfg, err);

        if (r < 0)
                return r;
        ids = json_object_get(json_object_get(cfg, "rootfs"), "diff_ids");
        if (!json_is_array(ids) || json_array_size(ids) != n_layers || n_layers > IMAGE_LAYERS_MAX) {
                json_decref(cfg);
                return bad(err, "invalid archive: config %s does not match its layers", config);
        }
        json_array_foreach (ids, i, v)
                if (!digest_valid(json_string_value(v))) {
                        json_decref(cfg);
                        return bad(err, "invalid archive: config %s has an invalid diff ID", config);
                }
        *ret_cfg = cfg;
        *ret_ids = ids;
        return 0;
}

static int plan_docker_entry(struct loader *l, json_t *entry, struct berth_error **err)
{
        const char *config_path = json_string_value(json_object_get(entry, "Config"));
        json_t *layers = json_object_get(entry, "Layers"), *tags = json_object_get(entry, "RepoTags"), *v;
        _cleanup_free_ struct image_layer_desc *descs = NULL;
        _cleanup_json_ json_t *cfg = NULL, *manifest = NULL;
        _cleanup_free_ char *text = NULL;
        char config[DIGEST_STRING_MAX], man[DIGEST_STRING_MAX];
        struct pending *p;
        json_t *ids = NULL;
        uint64_t config_size = 0;
        size_t i, n = json_array_size(layers);
        int r;

        if (!config_path || !json_is_array(layers))
                return bad(err, "invalid archive: %s", "manifest.json entry without Config or Layers");
        r = lookup_path(l, config_path, config, err);
        if (r == 0 && strlen(config_path) == DIGEST_HEX_LEN + 5 &&
            streq(config_path + DIGEST_HEX_LEN, ".json") &&
            strncmp(config_path, config + strlen(DIGEST_PREFIX), DIGEST_HEX_LEN) != 0)
                r = bad(err, "invalid archive: config `%s` does not match its digest", config_path);
        if (r == 0)
                r = config_diff_ids(l, config, n, &cfg, &ids, err);
        if (r == 0)
                r = blob_size(l->store, config, &config_size, err);
        if (r < 0)
                return r;
        descs = xcalloc(n + 1, sizeof(*descs));
        json_array_foreach (layers, i, v) {
                if (!json_is_string(v))
                        return bad(err, "invalid archive: %s", "manifest.json has a bad layer path");
                r = lookup_path(l, json_string_value(v), descs[i].digest, err);
                if (r == 0)
                        r = blob_size(l->store, descs[i].digest, &descs[i].size, err);
                if (r == 0)
                        r = archive_layer_media_type(l->store, descs[i].digest, &descs[i].media_type, err);
                if (r < 0)
                        return r;
                snprintf(descs[i].diff_id, DIGEST_STRING_MAX, "%s",
                         json_string_value(json_array_get(ids, i)));
        }
        manifest = archive_manifest_build(config, config_size, descs, n);
        text = json_dumps(manifest, JSON_COMPACT);
        r = blob_put_buf(l->store, text, strlen(text), NULL, man, err);
        if (r < 0)
                return r;
        p = pending_add(l, man, config);
        if (!p->blobs) {
                p->n_layers = n;
                p->blobs = xcalloc(n + 1, DIGEST_STRING_MAX);
                p->diff_ids = xcalloc(n + 1, DIGEST_STRING_MAX);
                for (i = 0; i < n; i++) {
                        memcpy(p->blobs[i], descs[i].digest, DIGEST_STRING_MAX);
                        memcpy(p->diff_ids[i], descs[i].diff_id, DIGEST_STRING_MAX);
                }
        }
        json_array_foreach (tags, i, v) {
                _cleanup_free_ char *canon = NULL;
                if (!json_is_string(v))
                        return bad(err, "invalid archive: %s", "manifest.json has a bad tag");
                if ((r = check_tag(json_string_value(v), &canon, err)) < 0)
                        return r;
                if (!strv_contains(p->tags, canon))
                        p->tags = strv_push(p->tags, canon);
        }
        return 0;
}

static int parse_meta(const char *name, const char *text, size_t len, json_t **ret, struct berth_error **err)
{
        json_error_t jerr;

        *ret = json_loadb(text, len, 0, &jerr);
        if (!*ret)
                return berth_err_msg(err, EBADMSG, "invalid archive: %s: %s", name, jerr.text);
        return 0;
}

static int plan_docker(struct loader *l, struct berth_error **err)
{
        _cleanup_json_ json_t *m = NULL;
        json_t *e;
        size_t i;
        int r = parse_meta("manifest.json", l->manifest_json, l->manifest_len, &m, err);

        if (r < 0)
                return r;
        if (!json_is_array(m) || json_array_size(m) > LOAD_MAX_IMAGES)
                return bad(err, "invalid archive: %s", "manifest.json is not a list of images");
        json_array_foreach (m, i, e)
                if ((r = plan_docker_entry(l, e, err)) < 0)
                        return r;
        return 0;
}

/* The tag an index.json entry gives: containerd's full name, else ref.name if it is a full reference. */
static int oci_tag(json_t *desc, char **ret, struct berth_error **err)
{
        json_t *ann = json_object_get(desc, "annotations");
        const char *name = json_string_value(json_object_get(ann, "io.containerd.image.name"));

        *ret = NULL;
        if (!name) {
                name = json_string_value(json_object_get(ann, "org.opencontainers.image.ref.name"));
                /* A bare word ("latest", as `oci:dir:latest` writes) is a tag of nothing: untagged. */
                if (!name || !strpbrk(name, "/:@"))
                        return 0;
        }
        return check_tag(name, ret, err);
}

static bool is_index(const char *media_type, json_t *doc)
{
        if (media_type)
                return streq(media_type, MEDIA_OCI_INDEX) || streq(media_type, MEDIA_DOCKER_LIST);
        return json_is_array(json_object_get(doc, "manifests")) && !json_object_get(doc, "layers");
}

/* linux/<host arch> from an index or manifest list (an entry without platform is taken too). */
static json_t *pick_platform(json_t *index)
{
        json_t *m, *fallback = NULL;
        size_t i;

        json_array_foreach (json_object_get(index, "manifests"), i, m) {
                json_t *p = json_object_get(m, "platform");
                const char *os = json_string_value(json_object_get(p, "os"));
                const char *arch = json_string_value(json_object_get(p, "architecture"));
                if (!p && !fallback)
                        fallback = m;
                if (os && arch && streq(os, "linux") && streq(arch, archive_host_arch()))
                        return m;
        }
        return fallback;
}

static int plan_manifest(struct loader *l, const char *digest, json_t *man, const char *tag,
                         struct berth_error **err)
{
        const char *config = json_string_value(json_object_get(json_object_get(man, "config"), "digest"));
        json_t *layers = json_object_get(man, "layers"), *cfg = NULL, *ids = NULL, *v;
        struct pending *p;
        size_t i;
        int r;

        if (!json_is_array(layers))
                return bad(err, "invalid archive: manifest %s has no layers", digest);
        r = need_blob(l, config, err);
        if (r == 0)
                r = config_diff_ids(l, config, json_array_size(layers), &cfg, &ids, err);
        if (r < 0)
                return r;
        p = pending_add(l, digest, config);
        if (!p->blobs) {
                p->n_layers = json_array_size(layers);
                p->blobs = xcalloc(p->n_layers + 1, DIGEST_STRING_MAX);
                p->diff_ids = xcalloc(p->n_layers + 1, DIGEST_STRING_MAX);
                json_array_foreach (layers, i, v) {
                        const char *d = json_string_value(json_object_get(v, "digest"));
                        if ((r = need_blob(l, d, err)) < 0)
                                break;
                        snprintf(p->blobs[i], DIGEST_STRING_MAX, "%s", d);
                        snprintf(p->diff_ids[i], DIGEST_STRING_MAX, "%s",
                                 json_string_value(json_array_get(ids, i)));
                }
        }
        json_decref(cfg);
        if (r == 0 && tag && !strv_contains(p->tags, tag))
                p->tags = strv_push(p->tags, tag);
        return r;
}

static int plan_descriptor(struct loader *l, json_t *desc, const char *tag, int depth,
                           struct berth_error **err)
{
        const char *digest = json_string_value(json_object_get(desc, "digest"));
        const char *mt = json_string_value(json_object_get(desc, "mediaType"));
        _cleanup_json_ json_t *doc = NULL;
        json_t *pick;
        int r = read_json_blob(l, digest, IMAGE_MANIFEST_MAX, &doc, err);

        if (r < 0)
                return r;
        if (!is_index(mt, doc))
                return plan_manifest(l, digest, doc, tag, err);
        if (depth >= 2)
                return bad(err, "invalid archive: index %s nests too deep", digest);
        pick = pick_platform(doc);
        if (!pick)
                return berth_err_msg(err, ENOENT, "invalid archive: no manifest for linux/%s in %s",
                                     archive_host_arch(), digest);
        return plan_descriptor(l, pick, tag, depth + 1, err);
}

static int plan_oci(struct loader *l, struct berth_error **err)
{
        _cleanup_json_ json_t *index = NULL;
        json_t *manifests, *d;
        size_t i;
        int r = parse_meta("index.json", l->index_json, l->index_len, &index, err);

        if (r < 0)
                return r;
        manifests = json_object_get(index, "manifests");
        if (!json_is_array(manifests) || json_array_size(manifests) > LOAD_MAX_IMAGES)
                return bad(err, "invalid archive: %s", "index.json has no manifests");
        json_array_foreach (manifests, i, d) {
                _cleanup_free_ char *tag = NULL;
                if ((r = oci_tag(d, &tag, err)) < 0 || (r = plan_descriptor(l, d, tag, 0, err)) < 0)
                        return r;
        }
        return 0;
}

/* ---- phase 3 ---- */

static int unpack_all(struct loader *l, struct berth_error **err)
{
        for (size_t i = 0; i < l->n_images; i++) {
                struct pending *p = &l->images[i];
                char chain[DIGEST_STRING_MAX] = "";
                for (size_t j = 0; j < p->n_layers; j++) {
                        char next[DIGEST_STRING_MAX];
                        int r = layer_store_ensure(l->store, j ? chain : NULL, p->blobs[j], p->diff_ids[j],
                                                   next, NULL, err);
                        if (r < 0)
                                return berth_err_prefix(err, "load %s", p->id);
                        memcpy(chain, next, DIGEST_STRING_MAX);
                }
        }
        return 0;
}

/*
 * An image is its config (Docker's image ID). If the store has that ID under
 * another manifest (the same image saved as docker-archive and as
 * oci-archive, say), the tags go to the image that is there rather than
 * making a second entry with the same ID.
 */
static const char *existing_manifest(struct store *s, struct pending *p)
{
        _cleanup_error_ struct berth_error *e = NULL;
        _cleanup_image_ struct image *img = NULL;

        if (image_lookup(s, p->id, &img, &e) == 0 && !streq(img->manifest_digest, p->manifest))
                snprintf(p->manifest, DIGEST_STRING_MAX, "%s", img->manifest_digest);
        return p->manifest;
}

static int register_all(struct loader *l, char ***report, struct berth_error **err)
{
        for (size_t i = 0; i < l->n_images; i++) {
                struct pending *p = &l->images[i];
                const char *manifest = existing_manifest(l->store, p);
                int r = image_register(l->store, manifest, p->tags ? p->tags[0] : NULL, NULL, err);
                for (size_t j = 1; r == 0 && p->tags && p->tags[j]; j++)
                        r = image_register(l->store, manifest, p->tags[j], NULL, err);
                if (r < 0)
                        return r;
                for (size_t j = 0; p->tags && p->tags[j]; j++) {
                        _cleanup_image_ref_ struct image_ref *ref = NULL;
                        _cleanup_free_ char *f = NULL, *line = NULL;
                        if (image_ref_parse(p->tags[j], 0, &ref, NULL) == 0)
                                f = image_ref_familiar_string(ref);
                        line = xasprintf("Loaded image: %s", f ? f : p->tags[j]);
                        *report = strv_push(*report, line);
                }
                if (!p->tags) {
                        _cleanup_free_ char *line = xasprintf("Loaded image ID: %s", p->id);
                        *report = strv_push(*report, line);
                }
        }
        return 0;
}

static int dir_read(int dir_fd, const char *name, char **ret, size_t *ret_len, struct berth_error **err)
{
        _cleanup_close_ int pfd = -EBADF;
        char proc[64];
        int r = chase_at(dir_fd, name, 0, &pfd, err);

        if (r == -ENOENT) {
                berth_error_freep(err);
                return 0;
        }
        if (r < 0)
                return r;
        /* Read through the resolved fd: no second walk of a path inside the layout. */
        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
        r = read_file_at(AT_FDCWD, proc, IMAGE_MANIFEST_MAX, ret, ret_len, err);
        return r < 0 ? berth_err_prefix(err, "invalid layout: %s", name) : 0;
}

static int load_run(struct loader *l, int in_fd, char ***ret_loaded, struct berth_error **err)
{
        _cleanup_strv_ char **report = NULL;
        int r;

        if (l->dir_fd >= 0) {
                r = dir_read(l->dir_fd, "manifest.json", &l->manifest_json, &l->manifest_len, err);
                if (r == 0)
                        r = dir_read(l->dir_fd, "index.json", &l->index_json, &l->index_len, err);
        } else
                r = spool_stream(l, in_fd, err);
        if (r < 0)
                return r;
        /* manifest.json first: it is what docker and podman read when an archive has both. */
        if (l->manifest_json)
                r = plan_docker(l, err);
        else if (l->index_json)
                r = plan_oci(l, err);
        else
                r = bad(err, "invalid archive: %s", "no manifest.json or index.json found");
        if (r == 0 && l->n_images == 0)
                r = bad(err, "invalid archive: %s", "no image in it");
        if (r == 0)
                r = unpack_all(l, err);
        if (r == 0)
                r = register_all(l, &report, err);
        if (r == 0)
                *ret_loaded = TAKE_PTR(report);
        return r;
}

static int load_common(struct store *s, int in_fd, int dir_fd, char ***ret_loaded, struct berth_error **err)
{
        struct loader l = {
            .store = s,
            .dir_fd = dir_fd,
            .files = json_object(),
            .links = json_object(),
            .buf = xmalloc(IO_BUF_SIZE),
        };
        int guard = -EBADF, r;

        /* Shared for the whole load: gc must not take blobs that no image names yet. */
        r = store_gc_guard(s, &guard, err);
        if (r == 0)
                r = load_run(&l, in_fd, ret_loaded, err);
        loader_release(&l);
        if (guard >= 0)
                close(guard);
        if (r < 0) {
                /* What a failed load spooled (a local error object: the store's helpers need one). */
                _cleanup_error_ struct berth_error *gc_err = NULL;
                (void)store_gc(s, &gc_err);
        }
        return r;
}

int image_load(struct store *s, int in_fd, char ***ret_loaded, struct berth_error **err)
{
        return load_common(s, in_fd, -EBADF, ret_loaded, err);
}

int image_load_dir(struct store *s, int dir_fd, char ***ret_loaded, struct berth_error **err)
{
        return load_common(s, -EBADF, dir_fd, ret_loaded, err);
}
