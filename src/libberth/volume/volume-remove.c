/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Who uses a volume, how big it is, and its removal: `volume rm`,
 * `volume prune`, and the anonymous volumes that go with their container.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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
#include "base/xalloc.h"
#include "volume/volume-internal.h"

#define RECORD_MAX (16 << 20)
#define SIZE_DEPTH_MAX 256

static void usage_add(json_t *map, const char *name, const char *id)
{
        json_t *ids = json_object_get(map, name);

        if (!name || !*name)
                return;
        if (!ids)
                json_object_set_new(map, name, ids = json_array());
        for (size_t i = 0; i < json_array_size(ids); i++)
                if (streq(json_string_value(json_array_get(ids, i)), id))
                        return;
        json_array_append_new(ids, json_string(id));
}

/* Mounts (made at start), and HostConfig's Binds and Mounts (a created container that never started). */
static void usage_of_record(json_t *map, json_t *rec, const char *id)
{
        json_t *hc = json_object_get(rec, "HostConfig"), *m;
        size_t i;

        json_array_foreach (json_object_get(rec, "Mounts"), i, m) {
                const char *t = json_string_value(json_object_get(m, "Type"));
                if (t && streq(t, "volume"))
                        usage_add(map, json_string_value(json_object_get(m, "Name")), id);
        }
        json_array_foreach (json_object_get(hc, "Binds"), i, m) {
                const char *b = json_string_value(m), *colon = b ? strchr(b, ':') : NULL;
                if (colon && b[0] != '/') {
                        _cleanup_free_ char *name = strndup(b, (size_t)(colon - b));
                        usage_add(map, name, id);
                }
        }
        json_array_foreach (json_object_get(hc, "Mounts"), i, m) {
                const char *t = json_string_value(json_object_get(m, "Type"));
                if (!t || streq(t, "volume"))
                        usage_add(map, json_string_value(json_object_get(m, "Source")), id);
        }
}

int volume_usage(struct store *s, json_t **ret, struct berth_error **err)
{
        _cleanup_json_ json_t *map = json_object();
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int fd;

        fd = openat(s->root_fd, "containers", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 && errno != ENOENT)
                return berth_err(err, errno, "open containers");
        if (fd >= 0 && !(d = fdopendir(fd))) {
                close(fd);
                return berth_err(err, errno, "open containers");
        }
        while (d && (errno = 0, de = readdir(d))) {
                _cleanup_free_ char *path = NULL;
                _cleanup_json_ json_t *rec = NULL;
                if (strlen(de->d_name) != 64 || strspn(de->d_name, "0123456789abcdef") != 64)
                        continue;
                path = xasprintf("%s/containers/%s/container.json", s->root, de->d_name);
                if (json_load_path(path, RECORD_MAX, &rec, NULL) < 0)
                        continue; /* being created or removed */
                usage_of_record(map, rec, de->d_name);
        }
        if (d && errno)
                return berth_err(err, errno, "read containers");
        *ret = TAKE_PTR(map);
        return 0;
}

int volume_users(struct store *s, const char *name, char ***ret_ids, struct berth_error **err)
{
        _cleanup_json_ json_t *map = NULL;
        json_t *ids, *id;
        char **v = NULL;
        size_t i;
        int r;

        r = volume_usage(s, &map, err);
        if (r < 0)
                return r;
        ids = json_object_get(map, name);
        json_array_foreach (ids, i, id)
                v = strv_push(v, json_string_value(id));
        if (ret_ids)
                *ret_ids = v;
        else
                strv_free(v);
        return (int)json_array_size(ids);
}

struct size_walk {
        uint64_t total;
        ino_t *seen;
        size_t n_seen;
};

static bool seen_before(struct size_walk *w, const struct stat *st)
{
        if (st->st_nlink < 2)
                return false;
        for (size_t i = 0; i < w->n_seen; i++)
                if (w->seen[i] == st->st_ino)
                        return true;
        w->seen = xrealloc(w->seen, (w->n_seen + 1) * sizeof(*w->seen));
        w->seen[w->n_seen++] = st->st_ino;
        return false;
}

static int size_tree(struct size_walk *w, int dfd, dev_t dev, unsigned depth)
{
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int fd;

        if (depth > SIZE_DEPTH_MAX)
                return -ELOOP;
        fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || !(d = fdopendir(fd))) {
                if (fd >= 0)
                        close(fd);
                return -errno;
        }
        while ((de = readdir(d))) {
                struct stat st;
                if (streq(de->d_name, ".") || streq(de->d_name, "..") ||
                    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                if (S_ISDIR(st.st_mode) && st.st_dev == dev) {
                        _cleanup_close_ int sub =
                            openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (sub >= 0)
                                (void)size_tree(w, sub, dev, depth + 1);
                } else if ((S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) && !seen_before(w, &st)) {
                        w->total += (uint64_t)st.st_size;
                }
        }
        return 0;
}

int volume_size(struct store *s, const char *name, uint64_t *ret, struct berth_error **err)
{
        _cleanup_free_ char *data = xasprintf("volumes/%s/_data", name);
        _cleanup_close_ int fd = openat(s->root_fd, data, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        struct size_walk w = {};
        struct stat st;
        int r;

        if (fd < 0 || fstat(fd, &st) < 0)
                return berth_err(err, errno, "open volume %s", name);
        r = size_tree(&w, fd, st.st_dev, 0);
        free(w.seen);
        if (r < 0)
                return berth_err(err, -r, "size of volume %s", name);
        *ret = w.total;
        return 0;
}

int volume_lock(struct store *s, bool exclusive, int *ret_fd, struct berth_error **err)
{
        _cleanup_close_ int fd = -EBADF;

        if (mkdirat(s->root_fd, "volumes", 0700) < 0 && errno != EEXIST)
                return berth_err(err, errno, "mkdir volumes");
        fd = openat(s->root_fd, "volumes/.lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return berth_err(err, errno, "open volumes/.lock");
        while (flock(fd, exclusive ? LOCK_EX : LOCK_SH) < 0)
                if (errno != EINTR)
                        return berth_err(err, errno, "lock volumes/.lock");
        *ret_fd = TAKE_FD(fd);
        return 0;
}

void volume_unlock(int fd)
{
        if (fd >= 0)
                close(fd);
}

/*
 * Under the lock, renamed to a dot-name: from then on nobody lists, loads or
 * ensures it (a new user makes a new volume). *ret_gone (freed by the caller)
 * is that name, deleted with volume_purge once the lock is released.
 */
static int volume_detach(struct store *s, const struct volume *v, char **ret_gone, struct berth_error **err)
{
        _cleanup_free_ char *rnd = volume_name_random(), *from = xasprintf("volumes/%s", v->name);
        _cleanup_free_ char *to = xasprintf("volumes/.rm-%.16s", rnd);

        *ret_gone = NULL;
        volume_umount_device(v);
        if (renameat(s->root_fd, from, s->root_fd, to) < 0)
                return errno == ENOENT ? 0 : berth_err(err, errno, "remove %s", v->name);
        *ret_gone = TAKE_PTR(to);
        return 0;
}

static int volume_purge(struct store *s, const char *name, char *gone, struct berth_error **err)
{
        _cleanup_free_ char *g = gone;

        if (!g)
                return 0;
        return rm_rf_at(s->root_fd, g, err) < 0 ? berth_err_prefix(err, "remove %s", name) : 0;
}

static char *join_ids(json_t *ids)
{
        char *s = xstrdup("");
        json_t *id;
        size_t i;

        json_array_foreach (ids, i, id) {
                char *n = xasprintf("%s%s%s", s, i ? " " : "", json_string_value(id));
                free(s);
                s = n;
        }
        return s;
}

int volume_remove(struct store *s, const char *name, bool force, struct berth_error **err)
{
        _cleanup_volume_ struct volume *v = NULL;
        _cleanup_json_ json_t *map = NULL;
        char *gone = NULL;
        json_t *ids;
        int r, lock = -1;

        r = volume_lock(s, true, &lock, err);
        if (r < 0)
                return r;
        /* -f: a missing volume is no error (the message is made only when it is one). */
        r = volume_load(s, name, &v, force ? NULL : err);
        if (r == -ENOENT && force)
                r = 0;
        else if (r < 0 && force)
                r = berth_err_msg(err, -r, "get %s: no such volume", name);
        else if (r >= 0)
                r = volume_usage(s, &map, err);
        ids = json_object_get(map, name);
        if (r >= 0 && v && json_array_size(ids) > 0) {
                _cleanup_free_ char *list = join_ids(ids);
                /* Docker refuses even with -f: force only hides a missing volume. */
                r = berth_err_msg(err, EBUSY, "remove %s: volume is in use - [%s]", name, list);
        } else if (r >= 0 && v) {
                r = volume_detach(s, v, &gone, err);
        }
        volume_unlock(lock);
        return r < 0 ? r : volume_purge(s, name, gone, err);
}

/* "KEY" or "KEY=VALUE" against the volume's labels. */
static bool label_match(const struct volume *v, const char *f)
{
        const char *eq = strchr(f, '=');
        _cleanup_free_ char *key = eq ? strndup(f, (size_t)(eq - f)) : xstrdup(f);
        const char *val = json_string_value(json_object_get(v->labels, key));

        return val && (!eq || streq(val, eq + 1));
}

bool volume_filter_labels(const struct volume *v, char *const *filters)
{
        for (size_t i = 0; filters && filters[i]; i++) {
                const char *f = filters[i];
                if (strncmp(f, "label!=", 7) == 0) {
                        if (label_match(v, f + 7))
                                return false;
                } else if (!label_match(v, strncmp(f, "label=", 6) == 0 ? f + 6 : f)) {
                        return false;
                }
        }
        return true;
}

int volume_prune(struct store *s, bool all, char *const *label_filters, char ***ret_names,
                 uint64_t *ret_reclaimed, struct berth_error **err)
{
        _cleanup_json_ json_t *map = NULL;
        struct volume **list = NULL;
        char **names = NULL;
        uint64_t total = 0;
        size_t n = 0;
        int r;

        char **gone = NULL;
        int lock = -1;

        r = volume_lock(s, true, &lock, err);
        if (r >= 0)
                r = volume_usage(s, &map, err);
        if (r >= 0)
                r = volume_list(s, &list, &n, err);
        for (size_t i = 0; r >= 0 && i < n; i++) {
                struct volume *v = list[i];
                uint64_t size = 0;
                char *g = NULL;
                if (json_object_get(map, v->name) || (!all && !v->anonymous) ||
                    !volume_filter_labels(v, label_filters))
                        continue;
                (void)volume_size(s, v->name, &size, NULL);
                if (volume_detach(s, v, &g, NULL) < 0 || !g)
                        continue; /* Docker skips what it cannot remove */
                gone = strv_push(gone, g);
                free(g);
                total += size;
                names = strv_push(names, v->name);
        }
        volume_unlock(lock);
        for (size_t i = 0; gone && gone[i]; i++)
                (void)rm_rf_at(s->root_fd, gone[i], NULL);
        strv_free(gone);
        volume_list_free(list, n);
        if (r < 0) {
                strv_free(names);
                return r;
        }
        if (ret_names)
                *ret_names = names;
        else
                strv_free(names);
        if (ret_reclaimed)
                *ret_reclaimed = total;
        return 0;
}

int volume_remove_anonymous_of(struct store *s, json_t *record_mounts, struct berth_error **err)
{
        _cleanup_json_ json_t *map = NULL;
        json_t *m;
        size_t i;
        int r, ret = 0;

        int lock = -1;

        if (json_array_size(record_mounts) == 0)
                return 0;
        r = volume_lock(s, true, &lock, err);
        if (r < 0)
                return r;
        r = volume_usage(s, &map, err);
        if (r < 0) {
                volume_unlock(lock);
                return r;
        }
        json_array_foreach (record_mounts, i, m) {
                const char *t = json_string_value(json_object_get(m, "Type"));
                const char *name = json_string_value(json_object_get(m, "Name"));
                _cleanup_volume_ struct volume *v = NULL;
                char *gone = NULL;
                if (!t || !streq(t, "volume") || !name || json_object_get(map, name) ||
                    volume_load(s, name, &v, NULL) < 0 || !v->anonymous)
                        continue;
                /* The few anonymous volumes of one container: deleted under the lock, simply. */
                r = volume_detach(s, v, &gone, ret < 0 ? NULL : err);
                if (r >= 0)
                        r = volume_purge(s, name, gone, ret < 0 ? NULL : err);
                if (r < 0 && ret == 0)
                        ret = r;
        }
        volume_unlock(lock);
        return ret;
}
