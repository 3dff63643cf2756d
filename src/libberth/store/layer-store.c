/* SPDX-License-Identifier: Apache-2.0 */
#include "store/layer-store.h"

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
#include "base/xalloc.h"
#include "store/image.h"
#include "store/layer-apply.h"

static const char *hex_of(const char *digest)
{
        return digest + strlen(DIGEST_PREFIX);
}

bool layer_store_exists(struct store *s, const char *chain_id)
{
        _cleanup_free_ char *p = NULL;

        if (!digest_valid(chain_id))
                return false;
        p = xasprintf("%s/layer.json", hex_of(chain_id));
        return faccessat(s->layers_fd, p, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

char *layer_store_diff_path(struct store *s, const char *chain_id)
{
        return xasprintf("%s/layers/%s/diff", s->root, hex_of(chain_id));
}

int layer_store_size(struct store *s, const char *chain_id, uint64_t *ret, struct berth_error **err)
{
        _cleanup_free_ char *p = xasprintf("%s/layer.json", hex_of(chain_id)), *buf = NULL;
        _cleanup_json_ json_t *j = NULL;
        int r;

        r = read_file_at(s->layers_fd, p, 1u << 16, &buf, NULL, err);
        if (r < 0)
                return r;
        j = json_loads(buf, 0, NULL);
        if (!j || !json_is_integer(json_object_get(j, "size")))
                return berth_err_msg(err, EBADMSG, "layer %s: layer.json is malformed", chain_id);
        *ret = (uint64_t)json_integer_value(json_object_get(j, "size"));
        return 0;
}

static int layer_record(int dir_fd, const char *chain, const char *parent, const char *diff_id, uint64_t size,
                        struct berth_error **err)
{
        _cleanup_json_ json_t *j = json_pack("{s:s,s:s,s:s,s:I}", "chainID", chain, "parent", parent ? parent : "",
                                             "diffID", diff_id, "size", (json_int_t)size);
        _cleanup_free_ char *s = json_dumps(j, JSON_COMPACT);

        return write_file_atomic_at(dir_fd, "layer.json", s, strlen(s), 0600, err);
}

/* Unpacks into layers/.tmp-<pid>-<chain>, then renames: a half layer never has the final name. */
static int layer_unpack(struct store *s, const char *parent, const char *blob, const char *expected_diff_id,
                        char chain[static DIGEST_STRING_MAX], uint64_t *ret_size, struct berth_error **err)
{
        _cleanup_free_ char *tmp = xasprintf(".tmp-%d-%s", (int)getpid(), hex_of(blob));
        _cleanup_close_ int blob_fd = -EBADF, dir_fd = -EBADF, diff_fd = -EBADF;
        struct layer_apply_result res = {};
        int r;

        r = blob_open(s, blob, &blob_fd, err);
        if (r < 0)
                return r;
        (void)rm_rf_at(s->layers_fd, tmp, NULL);
        if (mkdirat(s->layers_fd, tmp, 0700) < 0)
                return berth_err(err, errno, "mkdir layer");
        dir_fd = openat(s->layers_fd, tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd < 0 || mkdirat(dir_fd, "diff", 0755) < 0 ||
            (diff_fd = openat(dir_fd, "diff", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
                r = berth_err(err, errno, "create layer dir");
                goto fail;
        }
        r = layer_apply(diff_fd, blob_fd, 0, &res, err);
        if (r < 0)
                goto fail;
        if (expected_diff_id && strcmp(expected_diff_id, res.diff_id) != 0) {
                r = berth_err_msg(err, EBADMSG, "layer %s: diff ID mismatch: expected %s, got %s", blob,
                                  expected_diff_id, res.diff_id);
                goto fail;
        }
        layer_chain_id(parent, res.diff_id, chain);
        r = layer_record(dir_fd, chain, parent, res.diff_id, res.unpacked_bytes, err);
        if (r < 0)
                goto fail;
        if (fsync(dir_fd) < 0) {
                r = berth_err(err, errno, "fsync layer");
                goto fail;
        }
        if (renameat(s->layers_fd, tmp, s->layers_fd, hex_of(chain)) < 0) {
                /* Someone unpacked the same chain meanwhile: theirs is as good as ours. */
                if (errno != EEXIST && errno != ENOTEMPTY) {
                        r = berth_err(err, errno, "rename layer %s", chain);
                        goto fail;
                }
                (void)rm_rf_at(s->layers_fd, tmp, NULL);
        }
        if (ret_size)
                *ret_size = res.unpacked_bytes;
        return 0;
fail:
        (void)rm_rf_at(s->layers_fd, tmp, NULL);
        return r;
}

int layer_store_ensure(struct store *s, const char *parent_chain, const char *blob_digest,
                       const char *expected_diff_id, char ret_chain[static DIGEST_STRING_MAX],
                       uint64_t *ret_size, struct berth_error **err)
{
        if (expected_diff_id) {
                layer_chain_id(parent_chain, expected_diff_id, ret_chain);
                if (layer_store_exists(s, ret_chain))
                        return ret_size ? layer_store_size(s, ret_chain, ret_size, err) : 0;
        }
        return layer_unpack(s, parent_chain, blob_digest, expected_diff_id, ret_chain, ret_size, err);
}

int layer_store_remove(struct store *s, const char *chain_id, struct berth_error **err)
{
        _cleanup_free_ char *tmp = NULL;

        if (!digest_valid(chain_id))
                return berth_err_msg(err, EINVAL, "invalid chain ID `%s`", chain_id);
        /* Rename first: a removal cut short leaves a temp dir, never a half layer under its name. */
        tmp = xasprintf(".tmp-rm-%s", hex_of(chain_id));
        if (renameat(s->layers_fd, hex_of(chain_id), s->layers_fd, tmp) < 0)
                return errno == ENOENT ? 0 : berth_err(err, errno, "remove layer %s", chain_id);
        return rm_rf_at(s->layers_fd, tmp, err);
}
