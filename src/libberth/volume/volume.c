/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Local volumes: metadata, lookup, list, inspect, in-use, remove, prune.
 * See volume.h for the layout and the rules.
 */
#include "volume/volume.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs-util.h"
#include "base/json-util.h"
#include "base/strv.h"
#include "base/random-util.h"
#include "base/xalloc.h"
#include "volume/volume-internal.h"

#define VOLUME_JSON_MAX (1 << 20)
#define RECORD_MAX (16 << 20)

bool volume_name_valid(const char *name)
{
        size_t n = strlen(name);

        if (n < 2 || n > 255 ||
            !((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z') ||
              (name[0] >= '0' && name[0] <= '9')))
                return false;
        return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

char *volume_name_random(void)
{
        return random_id_new();
}

/* Docker's CreatedAt: time.RFC3339, whole seconds. */
static char *now_rfc3339(void)
{
        time_t t = time(NULL);
        struct tm tm;
        char buf[64];

        gmtime_r(&t, &tm);
        strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
        return xstrdup(buf);
}

static int invalid_name(const char *name, struct berth_error **err)
{
        return berth_err_msg(
            err, EINVAL,
            "create %s: \"%s\" includes invalid characters for a local volume name, only "
            "\"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, "
            "use absolute path",
            name, name);
}

/* The local driver's options: type, device, o (size needs quotas, which berth does not set up). */
static int options_check(const char *name, json_t *options, struct berth_error **err)
{
        const char *key;
        json_t *v;

        json_object_foreach (options, key, v) {
                if (!json_is_string(v))
                        return berth_err_msg(err, EINVAL, "create %s: option %s must be a string", name,
                                             key);
                if (streq(key, "size"))
                        return berth_err_msg(err, EINVAL,
                                             "create %s: quota size requested but no quota support", name);
                if (!streq(key, "type") && !streq(key, "device") && !streq(key, "o"))
                        return berth_err_msg(err, EINVAL, "create %s: invalid option: \"%s\"", name, key);
        }
        if (json_object_get(options, "device") && !json_object_get(options, "type"))
                return berth_err_msg(err, EINVAL, "create %s: missing required option: \"type\"", name);
        if (json_object_get(options, "type") && !json_object_get(options, "device"))
                return berth_err_msg(err, EINVAL, "create %s: missing required option: \"device\"", name);
        return 0;
}

static int meta_write(struct store *s, const char *name, json_t *labels, json_t *options, bool anonymous,
                      struct berth_error **err)
{
        _cleanup_free_ char *created = now_rfc3339(), *path = xasprintf("volumes/%s/volume.json", name);
        /* NULL labels or options stay null, as Docker shows a volume that `run -v NAME:/dst` made. */
        _cleanup_json_ json_t *j =
            json_pack("{s:s,s:s,s:O,s:O,s:b}", "CreatedAt", created, "Driver", "local", "Labels",
                      labels ?: json_null(), "Options", options ?: json_null(), "Anonymous", anonymous);
        _cleanup_free_ char *text = NULL;

        if (!j)
                return berth_err_msg(err, ENOMEM, "volume %s: metadata", name);
        text = json_dumps(j, JSON_COMPACT);
        if (!text)
                return berth_err_msg(err, ENOMEM, "volume %s: metadata", name);
        return write_file_atomic_at(s->root_fd, path, text, strlen(text), 0600, err);
}

/*
 * Makes volumes/<name>/_data; *ret_created says whether this call made it,
 * and then writes the metadata (labels and options are borrowed).
 */
static int volume_make(struct store *s, const char *name, json_t *labels, json_t *options, bool anonymous,
                       bool *ret_created, struct berth_error **err)
{
        _cleanup_free_ char *vol = xasprintf("volumes/%s", name),
                            *data = xasprintf("volumes/%s/_data", name);
        int r;

        if (!volume_name_valid(name))
                return invalid_name(name, err);
        if (mkdirat(s->root_fd, "volumes", 0700) < 0 && errno != EEXIST)
                return berth_err(err, errno, "mkdir volumes");
        if (mkdirat(s->root_fd, vol, 0701) < 0 && errno != EEXIST)
                return berth_err(err, errno, "mkdir volume %s", name);
        /* _data is the claim: whoever makes it seeds it and writes the metadata. */
        if (mkdirat(s->root_fd, data, 0755) < 0) {
                if (errno != EEXIST)
                        return berth_err(err, errno, "mkdir volume %s data", name);
                *ret_created = false;
                return 0;
        }
        *ret_created = true;
        r = meta_write(s, name, labels, options, anonymous, err);
        return r < 0 ? berth_err_prefix(err, "create %s", name) : 0;
}

static json_t *labels_with_anonymous(json_t *labels, bool anonymous)
{
        json_t *l = labels ? json_deep_copy(labels) : json_object();

        if (anonymous)
                json_object_set_new(l, VOLUME_ANONYMOUS_LABEL, json_string(""));
        return l;
}

int volume_create(struct store *s, const char *name, const char *driver, json_t *labels, json_t *options,
                  struct volume **ret, struct berth_error **err)
{
        _cleanup_free_ char *gen = name ? NULL : volume_name_random();
        _cleanup_json_ json_t *l = labels_with_anonymous(labels, false);
        _cleanup_json_ json_t *o = options ? json_incref(options) : json_object();
        const char *key;
        json_t *v;
        bool created;
        int r;

        name = name ?: gen;
        if (driver && *driver && !streq(driver, "local"))
                return berth_err_msg(err, EINVAL,
                                     "create %s: error looking up volume plugin %s: plugin \"%s\" not found",
                                     name, driver, driver);
        if (!volume_name_valid(name))
                return invalid_name(name, err);
        json_object_foreach (l, key, v)
                if (!json_is_string(v))
                        return berth_err_msg(err, EINVAL, "create %s: label %s must be a string", name, key);
        r = options_check(name, o, err);
        if (r < 0)
                return r;
        r = volume_make(s, name, l, o, false, &created, err);
        if (r < 0)
                return r;
        return ret ? volume_load(s, name, ret, err) : 0;
}

int volume_ensure(struct store *s, const char *name, bool anonymous, bool *ret_created, char **ret_data_path,
                  struct berth_error **err)
{
        _cleanup_json_ json_t *l = anonymous ? labels_with_anonymous(NULL, true) : NULL;
        _cleanup_volume_ struct volume *v = NULL;
        bool created = false;
        int r;

        r = volume_make(s, name, l, NULL, anonymous, &created, err);
        if (r < 0)
                return r;
        r = volume_load(s, name, &v, err);
        if (r < 0)
                return r;
        r = volume_mount_device(v, err);
        if (r < 0)
                return r;
        if (ret_created)
                *ret_created = created;
        if (ret_data_path)
                *ret_data_path = TAKE_PTR(v->mountpoint);
        return 0;
}

struct volume *volume_free(struct volume *v)
{
        if (!v)
                return NULL;
        free(v->name);
        free(v->created_at);
        json_decref(v->labels);
        json_decref(v->options);
        free(v->mountpoint);
        free(v);
        return NULL;
}

void volume_freep(struct volume **v)
{
        volume_free(*v);
}

void volume_list_free(struct volume **list, size_t n)
{
        for (size_t i = 0; i < n; i++)
                volume_free(list[i]);
        free(list);
}

/* A volume.json that is missing (a creator not done yet, an older store) reads as a plain local volume. */
static void meta_fill(struct store *s, struct volume *v, json_t *j, const struct stat *st)
{
        json_t *labels = json_object_get(j, "Labels"), *options = json_object_get(j, "Options");
        const char *created = json_string_value(json_object_get(j, "CreatedAt"));

        v->labels = json_is_object(labels) ? json_incref(labels) : NULL;
        v->options = json_is_object(options) ? json_incref(options) : NULL;
        v->anonymous = json_is_true(json_object_get(j, "Anonymous"));
        if (created) {
                v->created_at = xstrdup(created);
        } else {
                char buf[64];
                struct tm tm;
                gmtime_r(&st->st_mtim.tv_sec, &tm);
                strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
                v->created_at = xstrdup(buf);
        }
        v->mountpoint = xasprintf("%s/volumes/%s/_data", s->root, v->name);
}

int volume_load(struct store *s, const char *name, struct volume **ret, struct berth_error **err)
{
        _cleanup_free_ char *data = xasprintf("volumes/%s/_data", name), *meta = NULL;
        _cleanup_json_ json_t *j = NULL;
        struct volume *v;
        struct stat st;

        if (!volume_name_valid(name) || fstatat(s->root_fd, data, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
            !S_ISDIR(st.st_mode))
                return berth_err_msg(err, ENOENT, "get %s: no such volume", name);
        meta = xasprintf("%s/volumes/%s/volume.json", s->root, name);
        if (json_load_path(meta, VOLUME_JSON_MAX, &j, NULL) < 0)
                j = NULL;
        v = xcalloc(1, sizeof(*v));
        v->name = xstrdup(name);
        meta_fill(s, v, j, &st);
        *ret = v;
        return 0;
}

static int cmp_volume(const void *a, const void *b)
{
        return strcmp((*(struct volume *const *)a)->name, (*(struct volume *const *)b)->name);
}

int volume_list(struct store *s, struct volume ***ret, size_t *ret_n, struct berth_error **err)
{
        _cleanup_closedir_ DIR *d = NULL;
        struct volume **list = NULL;
        struct dirent *de;
        size_t n = 0;
        int fd;

        fd = openat(s->root_fd, "volumes", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 && errno != ENOENT)
                return berth_err(err, errno, "open volumes");
        if (fd >= 0 && !(d = fdopendir(fd))) {
                close(fd);
                return berth_err(err, errno, "open volumes");
        }
        while (d && (errno = 0, de = readdir(d))) {
                struct volume *v = NULL;
                if (!volume_name_valid(de->d_name) || volume_load(s, de->d_name, &v, NULL) < 0)
                        continue; /* dot-names are removals under way */
                list = xrealloc(list, (n + 1) * sizeof(*list));
                list[n++] = v;
        }
        if (d && errno) {
                volume_list_free(list, n);
                return berth_err(err, errno, "read volumes");
        }
        if (n)
                qsort(list, n, sizeof(*list), cmp_volume);
        *ret = list;
        *ret_n = n;
        return 0;
}

static int cmp_key(const void *a, const void *b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A copy with the keys in Go's order (sorted), or null. */
static json_t *sorted_object(json_t *o)
{
        const char **keys;
        const char *key;
        json_t *v, *out;
        size_t n = 0;

        if (!o)
                return json_null();
        keys = xcalloc(json_object_size(o) + 1, sizeof(*keys));
        json_object_foreach (o, key, v)
                keys[n++] = key;
        qsort(keys, n, sizeof(*keys), cmp_key);
        out = json_object();
        for (size_t i = 0; i < n; i++)
                json_object_set(out, keys[i], json_object_get(o, keys[i]));
        free(keys);
        return out;
}

json_t *volume_inspect_json(const struct volume *v)
{
        /* Go prints map keys sorted: Labels and Options as {{json}} and inspect show them. */
        return json_pack("{s:s,s:s,s:o,s:s,s:s,s:o,s:s}", "CreatedAt", v->created_at, "Driver", "local",
                         "Labels", sorted_object(v->labels), "Mountpoint", v->mountpoint, "Name", v->name,
                         "Options", sorted_object(v->options), "Scope", "local");
}
