/* SPDX-License-Identifier: Apache-2.0 */
#include "store/image-index.h"

#include <errno.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/fs-util.h"
#include "base/json-util.h"
#include "base/xalloc.h"

#define IMAGE_INDEX_MAX (64u << 20)

int image_index_load(struct store *s, json_t **ret, struct berth_error **err)
{
        _cleanup_free_ char *buf = NULL;
        json_error_t jerr;
        size_t len = 0;
        json_t *j;
        int r;

        r = read_file_at(s->images_fd, "index.json", IMAGE_INDEX_MAX, &buf, &len, err);
        if (r == -ENOENT) {
                berth_error_freep(err);
                *ret = json_pack("{s:[]}", "images");
                return 0;
        }
        if (r < 0)
                return r;
        j = json_loadb(buf, len, 0, &jerr);
        if (!j || !json_is_array(json_object_get(j, "images"))) {
                json_decref(j);
                return berth_err_msg(err, EBADMSG, "image index is corrupt: %s (run `berth system check`)",
                                     jerr.text);
        }
        *ret = j;
        return 0;
}

int image_index_save(struct store *s, json_t *index, struct berth_error **err)
{
        _cleanup_free_ char *text = json_dumps(index, JSON_COMPACT);

        if (!text)
                oom();
        return write_file_atomic_at(s->images_fd, "index.json", text, strlen(text), 0600, err);
}

json_t *image_index_entries(json_t *index)
{
        return json_object_get(index, "images");
}

json_t *image_index_find(json_t *index, const char *manifest_digest)
{
        json_t *e;
        size_t i;

        json_array_foreach (image_index_entries(index), i, e) {
                const char *m = json_string_value(json_object_get(e, "manifest"));
                if (m && streq(m, manifest_digest))
                        return e;
        }
        return NULL;
}

static void drop_from(json_t *arr, const char *ref)
{
        for (size_t i = 0; i < json_array_size(arr);) {
                const char *v = json_string_value(json_array_get(arr, i));
                if (v && streq(v, ref))
                        json_array_remove(arr, i);
                else
                        i++;
        }
}

void image_index_drop_ref(json_t *index, const char *ref)
{
        json_t *e;
        size_t i;

        json_array_foreach (image_index_entries(index), i, e) {
                drop_from(json_object_get(e, "tags"), ref);
                drop_from(json_object_get(e, "digests"), ref);
        }
}
