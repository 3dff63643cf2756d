/* SPDX-License-Identifier: Apache-2.0 */
/* `berth system check`: verify the store, report what is wrong, optionally repair it. See fsck.h. */
#include "store/fsck.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs-util.h"
#include "base/json-util.h"
#include "base/strv.h"
#include "base/time-util.h"
#include "base/xalloc.h"
#include "store/image-import.h"
#include "store/image-index.h"
#include "store/image.h"
#include "store/layer-store.h"

static const char *const kind_names[_STORE_FSCK_KIND_MAX] = {
    [STORE_FSCK_CORRUPT_BLOB] = "corrupt-blob",   [STORE_FSCK_CORRUPT_INDEX] = "corrupt-index",
    [STORE_FSCK_BROKEN_IMAGE] = "broken-image",   [STORE_FSCK_MISSING_LAYER] = "missing-layer",
    [STORE_FSCK_ORPHAN_BLOB] = "orphan-blob",     [STORE_FSCK_ORPHAN_LAYER] = "orphan-layer",
    [STORE_FSCK_PARTIAL_WRITE] = "partial-write",
};

const char *store_fsck_kind_to_string(enum store_fsck_kind k)
{
        return k >= 0 && k < _STORE_FSCK_KIND_MAX ? kind_names[k] : NULL;
}

struct fsck {
        struct store *s;
        bool repair;
        struct store_fsck_report *rep;
        char **good_blobs; /* hashed to their name; sorted after the scan */
        char **bad_blobs;  /* corrupt or unreadable */
        char **ref_blobs;  /* referenced by a kept index entry; sorted before the orphan scan */
        char **ref_chains;
        json_t *index; /* NULL when it could not be read (and was not rebuilt) */
        bool index_dirty;
};

__attribute__((format(printf, 5, 6))) static void problem(struct fsck *f, enum store_fsck_kind kind,
                                                          const char *object, const char *repair,
                                                          const char *fmt, ...)
{
        struct store_fsck_report *r = f->rep;
        struct store_fsck_problem *p;
        va_list ap;

        r->problems = xrealloc(r->problems, (r->n_problems + 1) * sizeof(*r->problems));
        p = &r->problems[r->n_problems++];
        p->kind = kind;
        p->object = xstrdup(object);
        va_start(ap, fmt);
        if (vasprintf(&p->message, fmt, ap) < 0)
                oom();
        va_end(ap);
        p->repair = repair ? xstrdup(repair) : NULL;
        if (repair)
                r->n_repaired++;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static void strv_sort(char **v)
{
        if (v)
                qsort(v, strv_length(v), sizeof(char *), cmp_str);
}

static bool sorted_contains(char **v, const char *s)
{
        return v && bsearch(&s, v, strv_length(v), sizeof(char *), cmp_str);
}

static bool is_hex64(const char *s)
{
        size_t i;

        for (i = 0; s[i]; i++)
                if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
                        return false;
        return i == DIGEST_HEX_LEN;
}

/* ---- blobs */

/*
 * A new open file description of the dir, not a dup: a dup shares the
 * directory offset with the store's fd, so a second walk in the same
 * process would start at the end and see nothing.
 */
static int open_dir_stream(int dfd, DIR **ret, struct berth_error **err)
{
        int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (fd < 0)
                return berth_err(err, errno, "open dir");
        if (!(*ret = fdopendir(fd))) {
                int e = errno;
                close(fd);
                return berth_err(err, e, "open dir");
        }
        return 0;
}

static int hash_file_at(int dfd, const char *name, char out[static DIGEST_STRING_MAX],
                        struct berth_error **err)
{
        _cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        _cleanup_free_ char *buf = xmalloc(1 << 20);
        struct digest_ctx d;
        struct stat st;

        if (fd < 0)
                return berth_err(err, errno, "open");
        if (fstat(fd, &st) < 0)
                return berth_err(err, errno, "stat");
        if (!S_ISREG(st.st_mode))
                return berth_err_msg(err, EBADMSG, "not a regular file");
        digest_init(&d);
        for (;;) {
                ssize_t n = read(fd, buf, 1 << 20);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        int e = errno;
                        digest_release(&d);
                        return berth_err(err, e, "read");
                }
                if (n == 0)
                        break;
                digest_update(&d, buf, (size_t)n);
        }
        digest_final(&d, out);
        return 0;
}

static void remove_entry_at(int dfd, const char *name)
{
        if (unlinkat(dfd, name, 0) < 0 && (errno == EISDIR || errno == EPERM))
                (void)rm_rf_at(dfd, name, NULL);
}

static void check_blob(struct fsck *f, const char *name)
{
        _cleanup_error_ struct berth_error *e = NULL;
        _cleanup_free_ char *digest = xasprintf("%s%s", DIGEST_PREFIX, name);
        char got[DIGEST_STRING_MAX];

        f->rep->n_blobs++;
        if (hash_file_at(f->s->blobs_fd, name, got, &e) < 0) {
                if (f->repair)
                        remove_entry_at(f->s->blobs_fd, name);
                problem(f, STORE_FSCK_CORRUPT_BLOB, digest, f->repair ? "removed" : NULL, "cannot read: %s",
                        e->msg);
                f->bad_blobs = strv_push(f->bad_blobs, digest);
                return;
        }
        if (!streq(got, digest)) {
                if (f->repair)
                        (void)unlinkat(f->s->blobs_fd, name, 0);
                problem(f, STORE_FSCK_CORRUPT_BLOB, digest, f->repair ? "removed" : NULL,
                        "content hashes to %s", got);
                f->bad_blobs = strv_push(f->bad_blobs, digest);
                return;
        }
        f->good_blobs = strv_push(f->good_blobs, digest);
}

static int scan_blobs(struct fsck *f, struct berth_error **err)
{
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int r = open_dir_stream(f->s->blobs_fd, &d, err);

        if (r < 0)
                return berth_err_prefix(err, "blobs/sha256");
        while ((errno = 0, de = readdir(d))) {
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (is_hex64(de->d_name)) {
                        check_blob(f, de->d_name);
                        continue;
                }
                /* Blobs are written through O_TMPFILE: any other name is a leftover of something else. */
                _cleanup_free_ char *obj = xasprintf("blobs/sha256/%s", de->d_name);
                if (f->repair)
                        remove_entry_at(f->s->blobs_fd, de->d_name);
                problem(f, STORE_FSCK_PARTIAL_WRITE, obj, f->repair ? "removed" : NULL,
                        "not a blob name (a leftover of an interrupted write)");
        }
        if (errno)
                return berth_err(err, errno, "read blobs/sha256");
        strv_sort(f->good_blobs);
        return 0;
}

/* ---- the index */

static const char *blob_state(struct fsck *f, const char *digest)
{
        if (!digest || !digest_valid(digest))
                return "is not a valid digest";
        if (sorted_contains(f->good_blobs, digest))
                return NULL;
        return strv_contains(f->bad_blobs, digest) ? "is corrupt" : "is missing";
}

static int read_json_blob(struct fsck *f, const char *digest, size_t max, json_t **ret, char **ret_why)
{
        _cleanup_error_ struct berth_error *e = NULL;
        _cleanup_free_ char *buf = NULL;
        json_error_t jerr;
        size_t len = 0;

        if (blob_read(f->s, digest, max, &buf, &len, &e) < 0) {
                *ret_why = xstrdup(e->msg);
                return -EBADMSG;
        }
        *ret = json_loadb(buf, len, 0, &jerr);
        if (!*ret || !json_is_object(*ret)) {
                *ret_why = xasprintf("is not a JSON object: %s", *ret ? "wrong type" : jerr.text);
                json_decref(*ret);
                *ret = NULL;
                return -EBADMSG;
        }
        return 0;
}

/* The blobs an entry refers to, and why it is broken (*ret_why, NULL when it is whole). */
struct entry_refs {
        char **blobs;
        char **layer_blobs; /* per layer, in order */
        char **diff_ids;
        char *id;
        char *why;
};

static void entry_refs_release(struct entry_refs *r)
{
        strv_free(r->blobs);
        strv_free(r->layer_blobs);
        strv_free(r->diff_ids);
        free(r->id);
        free(r->why);
}

static void entry_examine_config(struct fsck *f, json_t *config_json, struct entry_refs *r)
{
        json_t *diff_ids = json_object_get(json_object_get(config_json, "rootfs"), "diff_ids"), *v;
        size_t i;

        (void)f;
        if (!json_is_array(diff_ids) || json_array_size(diff_ids) > IMAGE_LAYERS_MAX) {
                r->why = xasprintf("config %s has no usable rootfs.diff_ids", r->id);
                return;
        }
        json_array_foreach (diff_ids, i, v) {
                if (!digest_valid(json_string_value(v))) {
                        r->why = xasprintf("config %s: diff_id %zu is not a valid digest", r->id, i);
                        return;
                }
                r->diff_ids = strv_push(r->diff_ids, json_string_value(v));
        }
}

static void entry_examine(struct fsck *f, json_t *e, struct entry_refs *r)
{
        _cleanup_json_ json_t *manifest = NULL, *config = NULL;
        const char *m = json_string_value(json_object_get(e, "manifest")), *c, *st;
        json_t *layers, *l;
        size_t i;

        if ((st = blob_state(f, m))) {
                r->why = xasprintf("manifest blob %s %s", m ? m : "(none)", st);
                return;
        }
        r->blobs = strv_push(r->blobs, m);
        if (read_json_blob(f, m, IMAGE_MANIFEST_MAX, &manifest, &r->why) < 0) {
                _cleanup_free_ char *w = r->why;
                r->why = xasprintf("manifest %s %s", m, w);
                return;
        }
        c = json_string_value(json_object_get(json_object_get(manifest, "config"), "digest"));
        r->id = xstrdup(c ? c : "(none)");
        layers = json_object_get(manifest, "layers");
        /* Whatever exists is referenced, even when the entry turns out broken: no double reports. */
        if (c && digest_valid(c))
                r->blobs = strv_push(r->blobs, c);
        json_array_foreach (layers, i, l) {
                const char *d = json_string_value(json_object_get(l, "digest"));
                if (d && digest_valid(d))
                        r->blobs = strv_push(r->blobs, d);
                r->layer_blobs = strv_push(r->layer_blobs, d ? d : "");
        }
        if ((st = blob_state(f, c))) {
                r->why = xasprintf("config blob %s %s", r->id, st);
                return;
        }
        if (read_json_blob(f, c, IMAGE_CONFIG_MAX, &config, &r->why) < 0) {
                _cleanup_free_ char *w = r->why;
                r->why = xasprintf("config %s %s", c, w);
                return;
        }
        if (!json_is_array(layers)) {
                r->why = xasprintf("manifest %s has no layers array", m);
                return;
        }
        for (i = 0; r->layer_blobs && r->layer_blobs[i]; i++)
                if ((st = blob_state(f, r->layer_blobs[i]))) {
                        r->why = xasprintf("layer blob %s %s", r->layer_blobs[i], st);
                        return;
                }
        entry_examine_config(f, config, r);
        if (!r->why && strv_length(r->diff_ids) != strv_length(r->layer_blobs))
                r->why = xasprintf("manifest %s has %zu layers, its config %zu diff IDs", m,
                                   strv_length(r->layer_blobs), strv_length(r->diff_ids));
}

/* Is the chain unpacked: layers/<hex>/layer.json naming the diff ID, and a diff/ dir? */
static bool layer_whole(struct fsck *f, const char *chain, const char *diff_id)
{
        _cleanup_free_ char *p = xasprintf("%s/layer.json", chain + strlen(DIGEST_PREFIX)), *buf = NULL,
                            *dp = xasprintf("%s/diff", chain + strlen(DIGEST_PREFIX));
        _cleanup_json_ json_t *j = NULL;
        struct stat st;

        if (read_file_at(f->s->layers_fd, p, 1u << 16, &buf, NULL, NULL) < 0)
                return false;
        j = json_loads(buf, 0, NULL);
        if (!j || !json_is_integer(json_object_get(j, "size")))
                return false;
        if (!streq(json_string_value(json_object_get(j, "diffID")) ?: "", diff_id))
                return false;
        return fstatat(f->s->layers_fd, dp, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

/* Checks (and repairs) the unpacked layers of a whole entry; false when the entry must go. */
static bool entry_check_layers(struct fsck *f, const char *m, struct entry_refs *r, char ***chains)
{
        char chain[DIGEST_STRING_MAX] = "", parent[DIGEST_STRING_MAX] = "";

        for (size_t i = 0; r->diff_ids && r->diff_ids[i]; i++) {
                _cleanup_error_ struct berth_error *e = NULL;
                layer_chain_id(i ? parent : NULL, r->diff_ids[i], chain);
                *chains = strv_push(*chains, chain);
                if (!layer_whole(f, chain, r->diff_ids[i])) {
                        if (!f->repair) {
                                problem(f, STORE_FSCK_MISSING_LAYER, chain, NULL,
                                        "layer %zu of image %s is not unpacked (or its layer.json is bad)",
                                        i, r->id);
                        } else {
                                char got[DIGEST_STRING_MAX];
                                (void)rm_rf_at(f->s->layers_fd, chain + strlen(DIGEST_PREFIX), NULL);
                                if (layer_store_ensure(f->s, i ? parent : NULL, r->layer_blobs[i],
                                                       r->diff_ids[i], got, NULL, &e) < 0) {
                                        r->why = xasprintf("layer %zu (%s) cannot be unpacked: %s", i, chain,
                                                           e->msg);
                                        return false;
                                }
                                problem(f, STORE_FSCK_MISSING_LAYER, chain, "unpacked again from its blob",
                                        "layer %zu of image %s was not unpacked (or its layer.json was bad)",
                                        i, r->id);
                        }
                }
                memcpy(parent, chain, sizeof(parent));
        }
        (void)m;
        return true;
}

static void report_broken(struct fsck *f, json_t *e, struct entry_refs *r)
{
        const char *m = json_string_value(json_object_get(e, "manifest"));
        json_t *tags = json_object_get(e, "tags");
        _cleanup_free_ char *name = NULL;

        if (json_array_size(tags) > 0)
                name = xasprintf("image %s%s%s", json_string_value(json_array_get(tags, 0)),
                                 r->id ? " " : "", r->id ?: "");
        else
                name = xasprintf("image %s", r->id ?: "(untagged)");
        problem(f, STORE_FSCK_BROKEN_IMAGE, m && *m ? m : "(no manifest)",
                f->repair ? "dropped from the index" : NULL, "%s: %s", name, r->why);
}

static void check_entries(struct fsck *f)
{
        json_t *entries = image_index_entries(f->index);

        for (size_t i = 0; i < json_array_size(entries);) {
                json_t *e = json_array_get(entries, i);
                const char *m = json_string_value(json_object_get(e, "manifest"));
                _cleanup_strv_ char **chains = NULL;
                struct entry_refs r = {};
                bool keep;

                f->rep->n_images++;
                entry_examine(f, e, &r);
                keep = !r.why && entry_check_layers(f, m, &r, &chains);
                if (!keep)
                        report_broken(f, e, &r);
                /* Check and repair agree: what a repair would remove is reported as such. */
                if (keep) {
                        for (size_t j = 0; r.blobs && r.blobs[j]; j++)
                                f->ref_blobs = strv_push(f->ref_blobs, r.blobs[j]);
                        for (size_t j = 0; chains && chains[j]; j++)
                                f->ref_chains = strv_push(f->ref_chains, chains[j]);
                }
                entry_refs_release(&r);
                if (!keep && f->repair) {
                        json_array_remove(entries, i);
                        f->index_dirty = true;
                        continue;
                }
                i++;
        }
}

/* An intact blob that reads as an image manifest becomes an (untagged) index entry again. */
static void rebuild_consider(struct fsck *f, const char *digest, char ***seen_configs)
{
        _cleanup_json_ json_t *m = NULL;
        _cleanup_free_ char *why = NULL, *added = NULL;
        const char *mt, *c;
        json_t *layers, *l;
        uint64_t size = 0;
        size_t i;

        if (blob_size(f->s, digest, &size, NULL) < 0 || size > IMAGE_MANIFEST_MAX)
                return;
        if (read_json_blob(f, digest, IMAGE_MANIFEST_MAX, &m, &why) < 0)
                return;
        mt = json_string_value(json_object_get(m, "mediaType"));
        if (mt && !streq(mt, MEDIA_OCI_MANIFEST) && !streq(mt, MEDIA_DOCKER_MANIFEST))
                return;
        c = json_string_value(json_object_get(json_object_get(m, "config"), "digest"));
        layers = json_object_get(m, "layers");
        if (!json_is_array(layers) || blob_state(f, c) || strv_contains(*seen_configs, c))
                return;
        json_array_foreach (layers, i, l)
                if (blob_state(f, json_string_value(json_object_get(l, "digest"))))
                        return;
        *seen_configs = strv_push(*seen_configs, c);
        added = time_now_rfc3339();
        json_array_append_new(
            image_index_entries(f->index),
            json_pack("{s:s,s:[],s:[],s:s}", "manifest", digest, "tags", "digests", "added", added));
}

static void load_index(struct fsck *f)
{
        _cleanup_error_ struct berth_error *e = NULL;
        _cleanup_strv_ char **seen = NULL;
        size_t n;

        if (image_index_load(f->s, &f->index, &e) == 0)
                return;
        f->index = NULL;
        if (!f->repair) {
                problem(f, STORE_FSCK_CORRUPT_INDEX, "images/index.json", NULL,
                        "%s; orphans are not reported until it is repaired", e->msg);
                return;
        }
        f->index = json_pack("{s:[]}", "images");
        for (size_t i = 0; f->good_blobs && f->good_blobs[i]; i++)
                rebuild_consider(f, f->good_blobs[i], &seen);
        n = json_array_size(image_index_entries(f->index));
        _cleanup_free_ char *what = xasprintf(
            "rebuilt from the manifests in the store: %zu image%s, untagged", n, n == 1 ? "" : "s");
        problem(f, STORE_FSCK_CORRUPT_INDEX, "images/index.json", what, "%s", e->msg);
        f->index_dirty = true;
}

/* ---- layers, images dir, orphans */

static int scan_layers(struct fsck *f, struct berth_error **err)
{
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int r = open_dir_stream(f->s->layers_fd, &d, err);

        if (r < 0)
                return berth_err_prefix(err, "layers");
        strv_sort(f->ref_chains);
        while ((errno = 0, de = readdir(d))) {
                _cleanup_free_ char *obj = xasprintf("layers/%s", de->d_name),
                                    *chain = xasprintf("%s%s", DIGEST_PREFIX, de->d_name);
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (!is_hex64(de->d_name)) {
                        if (f->repair)
                                remove_entry_at(f->s->layers_fd, de->d_name);
                        problem(f, STORE_FSCK_PARTIAL_WRITE, obj, f->repair ? "removed" : NULL, "%s",
                                strncmp(de->d_name, ".tmp-", 5) == 0
                                    ? "temporary layer dir of an interrupted unpack or removal"
                                    : "not a layer name");
                        continue;
                }
                f->rep->n_layers++;
                if (!f->index || sorted_contains(f->ref_chains, chain))
                        continue;
                if (f->repair)
                        (void)layer_store_remove(f->s, chain, NULL);
                problem(f, STORE_FSCK_ORPHAN_LAYER, chain, f->repair ? "removed" : NULL,
                        "unpacked layer that no image uses");
        }
        return errno ? berth_err(err, errno, "read layers") : 0;
}

static int scan_images_dir(struct fsck *f, struct berth_error **err)
{
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int r = open_dir_stream(f->s->images_fd, &d, err);

        if (r < 0)
                return berth_err_prefix(err, "images");
        while ((errno = 0, de = readdir(d))) {
                _cleanup_free_ char *obj = xasprintf("images/%s", de->d_name);
                if (!strstr(de->d_name, ".tmp-"))
                        continue;
                if (f->repair)
                        remove_entry_at(f->s->images_fd, de->d_name);
                problem(f, STORE_FSCK_PARTIAL_WRITE, obj, f->repair ? "removed" : NULL,
                        "temporary file of an interrupted index write");
        }
        return errno ? berth_err(err, errno, "read images") : 0;
}

static void scan_orphan_blobs(struct fsck *f)
{
        if (!f->index)
                return;
        strv_sort(f->ref_blobs);
        for (size_t i = 0; f->good_blobs && f->good_blobs[i]; i++) {
                const char *d = f->good_blobs[i];
                if (sorted_contains(f->ref_blobs, d))
                        continue;
                if (f->repair)
                        (void)blob_remove(f->s, d, NULL);
                problem(f, STORE_FSCK_ORPHAN_BLOB, d, f->repair ? "removed" : NULL,
                        "no image references it");
        }
}

/* ---- the whole */

static int take_gc_lock(struct store *s, int *ret, struct berth_error **err)
{
        _cleanup_close_ int fd = openat(s->images_fd, ".gc.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);

        if (fd < 0)
                return berth_err(err, errno, "open the gc lock");
        /* Exclusive: waits for loads, imports and pulls in flight (they hold it shared). */
        while (flock(fd, LOCK_EX) < 0)
                if (errno != EINTR)
                        return berth_err(err, errno, "lock the store for checking");
        *ret = TAKE_FD(fd);
        return 0;
}

static int fsck_run(struct fsck *f, struct berth_error **err)
{
        int r;

        r = scan_blobs(f, err);
        if (r < 0)
                return r;
        load_index(f);
        if (f->index)
                check_entries(f);
        if (f->index && f->index_dirty && f->repair) {
                r = image_index_save(f->s, f->index, err);
                if (r < 0)
                        return berth_err_prefix(err, "write the repaired index");
        }
        r = scan_layers(f, err);
        if (r < 0)
                return r;
        r = scan_images_dir(f, err);
        if (r < 0)
                return r;
        scan_orphan_blobs(f);
        return 0;
}

int store_fsck(struct store *s, unsigned flags, struct store_fsck_report **ret, struct berth_error **err)
{
        _cleanup_fsck_report_ struct store_fsck_report *rep = xcalloc(1, sizeof(*rep));
        _cleanup_close_ int gc = -EBADF;
        struct fsck f = {.s = s, .repair = flags & STORE_FSCK_REPAIR, .rep = rep};
        int lock = -1, r;

        r = take_gc_lock(s, &gc, err);
        if (r < 0)
                return r;
        r = store_lock(s, &lock, err);
        if (r < 0)
                return r;
        r = fsck_run(&f, err);
        store_unlock(lock);
        strv_free(f.good_blobs);
        strv_free(f.bad_blobs);
        strv_free(f.ref_blobs);
        strv_free(f.ref_chains);
        json_decref(f.index);
        if (r < 0)
                return berth_err_prefix(err, "system check");
        *ret = TAKE_PTR(rep);
        return 0;
}

char *store_fsck_summary(const struct store_fsck_report *r)
{
        _cleanup_free_ char *head = xasprintf(
            "checked %zu image%s, %zu blob%s, %zu layer%s", r->n_images, r->n_images == 1 ? "" : "s",
            r->n_blobs, r->n_blobs == 1 ? "" : "s", r->n_layers, r->n_layers == 1 ? "" : "s");

        if (r->n_problems == 0)
                return xasprintf("%s: the store is clean", head);
        return xasprintf("%s: %zu problem%s, %zu repaired", head, r->n_problems,
                         r->n_problems == 1 ? "" : "s", r->n_repaired);
}

struct store_fsck_report *store_fsck_report_free(struct store_fsck_report *r)
{
        if (!r)
                return NULL;
        for (size_t i = 0; i < r->n_problems; i++) {
                free(r->problems[i].object);
                free(r->problems[i].message);
                free(r->problems[i].repair);
        }
        free(r->problems);
        free(r);
        return NULL;
}

void store_fsck_report_freep(struct store_fsck_report **r)
{
        *r = store_fsck_report_free(*r);
}
