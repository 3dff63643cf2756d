/* SPDX-License-Identifier: Apache-2.0 */
/* The hello-world image, made from the program embedded at build time. See builtin-images.h. */
#include "store/builtin-images.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <jansson.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/json-util.h"
#include "base/xalloc.h"
#include "store/image-import.h"
#include "store/image-index.h"
#include "store/image.h"
#include "store/layer-store.h"
#include "store/reference.h"

/* scripts/embed.py's output (hello-world-blob.c, generated from src/hello-world). */
extern const unsigned char builtin_hello_world[];
extern const size_t builtin_hello_world_len;

/* Fixed, so the config (hence the image ID) and the layer are the same in every store. */
#define HELLO_CREATED "2024-01-01T00:00:00Z"
#define HELLO_MTIME 1704067200

bool builtin_image_is(const char *name)
{
        _cleanup_image_ref_ struct image_ref *r = NULL;
        _cleanup_free_ char *canon = NULL;

        if (!name || image_ref_parse(name, IMAGE_REF_DEFAULT_TAG, &r, NULL) < 0 || r->digest)
                return false;
        canon = image_ref_string(r);
        return streq(canon, BUILTIN_HELLO_WORLD_REF);
}

/* Is the reference in the index? Reads one file under the lock; loads no image. */
static int ref_present(struct store *s, const char *ref, struct berth_error **err)
{
        _cleanup_json_ json_t *index = NULL;
        json_t *e, *t;
        size_t i, j;
        int lock = -1, r;

        r = store_lock(s, &lock, err);
        if (r < 0)
                return r;
        r = image_index_load(s, &index, err);
        store_unlock(lock);
        if (r < 0)
                return r;
        json_array_foreach (image_index_entries(index), i, e)
                json_array_foreach (json_object_get(e, "tags"), j, t)
                        if (json_is_string(t) && streq(json_string_value(t), ref))
                                return 1;
        return 0;
}

/* One uncompressed tar holding /hello (root:root 0755), written into a memfd. */
static int hello_layer_tar(int *ret_fd, struct berth_error **err)
{
        _cleanup_close_ int fd = memfd_create("hello-world-layer", MFD_CLOEXEC);
        struct archive *a = NULL;
        struct archive_entry *e = NULL;
        int r = 0;

        if (fd < 0)
                return berth_err(err, errno, "memfd_create");
        a = archive_write_new();
        e = archive_entry_new();
        if (!a || !e)
                oom();
        archive_entry_set_pathname(e, "hello");
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0755);
        archive_entry_set_size(e, (la_int64_t)builtin_hello_world_len);
        archive_entry_set_mtime(e, HELLO_MTIME, 0);
        archive_entry_set_uid(e, 0);
        archive_entry_set_gid(e, 0);
        if (archive_write_set_format_ustar(a) != ARCHIVE_OK || archive_write_open_fd(a, fd) != ARCHIVE_OK ||
            archive_write_header(a, e) != ARCHIVE_OK ||
            archive_write_data(a, builtin_hello_world, builtin_hello_world_len) !=
                (la_ssize_t)builtin_hello_world_len ||
            archive_write_close(a) != ARCHIVE_OK)
                r = berth_err_msg(err, EIO, "write the hello-world layer: %s", archive_error_string(a));
        archive_entry_free(e);
        archive_write_free(a);
        if (r < 0)
                return r;
        if (lseek(fd, 0, SEEK_SET) < 0)
                return berth_err(err, errno, "seek");
        *ret_fd = TAKE_FD(fd);
        return 0;
}

static json_t *hello_config(void)
{
        return json_pack("{s:s,s:s,s:{s:[s],s:[s],s:s},s:s,s:[{s:s,s:s,s:s},{s:s,s:s,s:s,s:b}]}",
                         "architecture", archive_host_arch(), "os", "linux", "config", "Env",
                         "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "Cmd",
                         "/hello", "WorkingDir", "", "created", HELLO_CREATED, "history", "created",
                         HELLO_CREATED, "created_by", "COPY hello / # buildkit", "comment",
                         "buildkit.dockerfile.v0", "created", HELLO_CREATED, "created_by",
                         "CMD [\"/hello\"]", "comment", "buildkit.dockerfile.v0", "empty_layer", 1);
}

static int hello_create(struct store *s, struct berth_error **err)
{
        _cleanup_close_ int tar = -EBADF;
        _cleanup_json_ json_t *config = NULL;
        struct image_layer_desc layer = {.media_type = MEDIA_OCI_LAYER};
        char chain[DIGEST_STRING_MAX];
        int r;

        r = hello_layer_tar(&tar, err);
        if (r < 0)
                return r;
        r = blob_put_fd(s, tar, NULL, layer.digest, &layer.size, err);
        if (r < 0)
                return r;
        /* Uncompressed: the blob digest is the diff ID. */
        memcpy(layer.diff_id, layer.digest, sizeof(layer.diff_id));
        r = layer_store_ensure(s, NULL, layer.digest, layer.diff_id, chain, NULL, err);
        if (r < 0)
                return r;
        config = hello_config();
        return image_create(s, config, &layer, 1, BUILTIN_HELLO_WORLD_REF, NULL, err);
}

int builtin_image_ensure(struct store *s, const char *name, struct berth_error **err)
{
        _cleanup_close_ int guard = -EBADF;
        int r;

        if (!builtin_image_is(name))
                return 0;
        r = ref_present(s, BUILTIN_HELLO_WORLD_REF, err);
        if (r != 0)
                return r < 0 ? r : 0;
        /* Shared gc lock: a gc or system check must not sweep the blobs before the image is recorded. */
        r = store_gc_guard(s, &guard, err);
        if (r < 0)
                return r;
        r = hello_create(s, err);
        if (r < 0)
                return berth_err_prefix(err, "create the hello-world image");
        return 1;
}
