/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spec.mounts: Docker's standard set (/proc, /dev, /dev/pts, /sys,
 * /sys/fs/cgroup, /dev/mqueue, /dev/shm), the container's /etc files, then
 * the user's mounts (-v, --mount, --tmpfs) and an anonymous volume for each
 * image VOLUME nobody mounted, parents before children. The user's
 * mounts are recorded in the record's "Mounts" in Docker's inspect shape.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/chase.h"
#include "base/cleanup.h"
#include "base/fs-util.h"
#include "base/strv.h"
#include "base/xalloc.h"
#include "container/oci-config-internal.h"
#include "volume/volume.h"

#define SHM_DEFAULT (64LL << 20)

struct user_mount {
        char *dst;
        json_t *oci;    /* the spec mount */
        json_t *record; /* the inspect "Mounts" entry, or NULL (--tmpfs is not listed, as Docker) */
};

struct mount_list {
        struct user_mount *v;
        size_t n;
};

static json_t *strs(const char *first, ...)
{
        json_t *a = json_array();
        va_list ap;

        va_start(ap, first);
        for (const char *s = first; s; s = va_arg(ap, const char *))
                json_array_append_new(a, json_string(s));
        va_end(ap);
        return a;
}

static json_t *oci_mount(const char *dst, const char *type, const char *src, json_t *opts)
{
        return json_pack("{s:s,s:s,s:s,s:o}", "destination", dst, "type", type, "source", src, "options", opts);
}

/* "/a/b/" -> "/a/b"; NULL for a relative path or "/". */
static char *clean_dst(const char *d)
{
        char *s;
        size_t n;

        if (!d || d[0] != '/')
                return NULL;
        s = xstrdup(d);
        n = strlen(s);
        while (n > 1 && s[n - 1] == '/')
                s[--n] = '\0';
        return n > 1 ? s : (free(s), NULL);
}

static struct user_mount *list_find(struct mount_list *l, const char *dst)
{
        for (size_t i = 0; i < l->n; i++)
                if (streq(l->v[i].dst, dst))
                        return &l->v[i];
        return NULL;
}

static int list_add(struct mount_list *l, char *dst, json_t *oci, json_t *record, struct berth_error **err)
{
        if (list_find(l, dst)) {
                int r = berth_err_msg(err, EINVAL, "Duplicate mount point: %s", dst);
                free(dst);
                json_decref(oci);
                json_decref(record);
                return r;
        }
        l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
        l->v[l->n++] = (struct user_mount){ dst, oci, record };
        return 0;
}

static void list_release(struct mount_list *l)
{
        for (size_t i = 0; i < l->n; i++) {
                free(l->v[i].dst);
                json_decref(l->v[i].oci);
                json_decref(l->v[i].record);
        }
        free(l->v);
}

/* The name of the anonymous volume this container had at dst before (restarts keep their volumes). */
static const char *previous_volume(struct oci_build *b, const char *dst)
{
        json_t *m;
        size_t i;

        json_array_foreach (json_object_get(b->c->record, "Mounts"), i, m) {
                const char *d = json_string_value(json_object_get(m, "Destination"));
                const char *t = json_string_value(json_object_get(m, "Type"));
                if (d && t && streq(d, dst) && streq(t, "volume"))
                        return json_string_value(json_object_get(m, "Name"));
        }
        return NULL;
}

static bool dir_is_empty(const char *path)
{
        _cleanup_closedir_ DIR *d = opendir(path);
        struct dirent *de;

        if (!d)
                return false;
        while ((de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        return false;
        return true;
}

/* A new (empty) volume takes the image's content at its mount point, as Docker's copy-up. */
static int volume_seed(struct oci_build *b, const char *dst, const char *data, struct berth_error **err)
{
        _cleanup_close_ int src = -EBADF, dfd = -EBADF;
        struct stat st;
        int r;

        if (chase_at(b->rootfs_fd, dst, 0, &src, NULL) < 0 || fstat(src, &st) < 0 || !S_ISDIR(st.st_mode))
                return 0; /* nothing in the image there */
        dfd = open(data, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd < 0)
                return berth_err(err, errno, "open `%s`", data);
        r = volume_copy_tree(src, dfd, err);
        return r < 0 ? berth_err_prefix(err, "copy the image's %s into the volume", dst) : 0;
}

static int add_volume(struct oci_build *b, struct mount_list *l, const char *name, char *dst, bool ro, bool nocopy,
                      const char *mode, struct berth_error **err)
{
        _cleanup_free_ char *anon = NULL, *data = NULL;
        bool created = false, known = previous_volume(b, dst) != NULL;
        json_t *opts;
        int r;

        if (!name)
                name = previous_volume(b, dst) ?: (anon = volume_name_random());
        r = volume_ensure(b->store, name, anon != NULL, &created, &data, err);
        if (r < 0)
                return free(dst), r;
        if (!nocopy && !known && (created || dir_is_empty(data)) && (r = volume_seed(b, dst, data, err)) < 0)
                return free(dst), r;
        opts = ro ? strs("rbind", "rprivate", "ro", NULL) : strs("rbind", "rprivate", NULL);
        return list_add(l, dst, oci_mount(dst, "bind", data, opts),
                        json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:s}", "Type", "volume", "Name", name, "Source",
                                  data, "Destination", dst, "Driver", "local", "Mode", mode, "RW", !ro,
                                  "Propagation", ""),
                        err);
}

static int add_bind(struct mount_list *l, const char *src, char *dst, bool ro, const char *prop, const char *mode,
                    struct berth_error **err)
{
        json_t *opts = strs("rbind", prop, NULL);

        if (ro)
                json_array_append_new(opts, json_string("ro"));
        return list_add(l, dst, oci_mount(dst, "bind", src, opts),
                        json_pack("{s:s,s:s,s:s,s:s,s:b,s:s}", "Type", "bind", "Source", src, "Destination", dst,
                                  "Mode", mode, "RW", !ro, "Propagation", prop),
                        err);
}

static bool is_propagation(const char *o)
{
        static const char *const p[] = { "shared", "rshared", "slave", "rslave", "private", "rprivate" };

        for (size_t i = 0; i < ARRAY_SIZE(p); i++)
                if (streq(o, p[i]))
                        return true;
        return false;
}

/* -v "SRC:DST[:OPTS]", "NAME:DST[:OPTS]" or "DST" (anonymous). */
static int parse_bind(struct oci_build *b, struct mount_list *l, const char *spec, struct berth_error **err)
{
        _cleanup_strv_ char **f = NULL, **opts = NULL;
        const char *prop = "rprivate", *src = NULL;
        bool ro = false, nocopy = false;
        char *dst, *save = NULL;
        _cleanup_free_ char *copy = xstrdup(spec), *optcopy = NULL;

        for (char *t = strtok_r(copy, ":", &save); t; t = strtok_r(NULL, ":", &save))
                f = strv_push(f, t);
        if (strv_length(f) < 1 || strv_length(f) > 3)
                return berth_err_msg(err, EINVAL, "invalid volume specification: '%s'", spec);
        if (strv_length(f) == 1) {
                if (!(dst = clean_dst(f[0])))
                        return berth_err_msg(err, EINVAL, "invalid volume specification: '%s'", spec);
                return add_volume(b, l, NULL, dst, false, false, "", err);
        }
        src = f[0];
        if (!(dst = clean_dst(f[1])))
                return berth_err_msg(err, EINVAL,
                                     "invalid volume specification: '%s': invalid mount config: invalid mount path: "
                                     "'%s' mount path must be absolute",
                                     spec, f[1]);
        if (f[2]) {
                optcopy = xstrdup(f[2]);
                for (char *t = strtok_r(optcopy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                        if (streq(t, "ro") || streq(t, "rw"))
                                ro = streq(t, "ro");
                        else if (streq(t, "nocopy"))
                                nocopy = true;
                        else if (is_propagation(t))
                                prop = t;
                        else if (!streq(t, "z") && !streq(t, "Z")) {
                                free(dst);
                                return berth_err_msg(err, EINVAL, "invalid mode: %s", f[2]);
                        }
                }
        }
        if (src[0] != '/')
                return add_volume(b, l, src, dst, ro, nocopy, f[2] ? f[2] : "z", err);
        /* Docker's -v creates a missing host directory (--mount refuses). */
        if (access(src, F_OK) < 0) {
                int r = mkdir_p(src, 0755, err);
                if (r < 0)
                        return free(dst), r;
        }
        return add_bind(l, src, dst, ro, prop, f[2] ? f[2] : "", err);
}

static int parse_tmpfs(struct mount_list *l, char *dst, const char *opts, json_t *record, struct berth_error **err)
{
        json_t *o = strs("nosuid", "nodev", "noexec", NULL);
        _cleanup_free_ char *copy = xstrdup(opts ? opts : "");
        char *save = NULL;

        for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
                json_array_append_new(o, json_string(t));
        return list_add(l, dst, oci_mount(dst, "tmpfs", "tmpfs", o), record, err);
}

/* --mount: [{Type, Source, Target, ReadOnly, BindOptions, VolumeOptions, TmpfsOptions}] */
static int parse_mount(struct oci_build *b, struct mount_list *l, json_t *m, struct berth_error **err)
{
        const char *type = json_string_value(json_object_get(m, "Type")) ?: "volume";
        const char *src = json_string_value(json_object_get(m, "Source"));
        const char *prop = json_string_value(json_object_get(json_object_get(m, "BindOptions"), "Propagation"));
        bool ro = json_is_true(json_object_get(m, "ReadOnly"));
        char *dst = clean_dst(json_string_value(json_object_get(m, "Target")));
        json_t *tmpfs = json_object_get(m, "TmpfsOptions");

        if (!dst)
                return berth_err_msg(err, EINVAL, "invalid mount config for type \"%s\": invalid mount path", type);
        if (streq(type, "bind")) {
                if (!src || src[0] != '/' || access(src, F_OK) < 0) {
                        int r = berth_err_msg(err, EINVAL,
                                              "invalid mount config for type \"bind\": bind source path does not "
                                              "exist: %s",
                                              src ? src : "");
                        free(dst);
                        return r;
                }
                return add_bind(l, src, dst, ro, prop && *prop ? prop : "rprivate", "", err);
        }
        if (streq(type, "volume"))
                return add_volume(b, l, src && *src ? src : NULL, dst, ro,
                                  json_is_true(json_object_get(json_object_get(m, "VolumeOptions"), "NoCopy")), "z",
                                  err);
        if (streq(type, "tmpfs")) {
                long long size = json_integer_value(json_object_get(tmpfs, "SizeBytes"));
                long long mode = json_integer_value(json_object_get(tmpfs, "Mode"));
                char buf[96] = "";
                int n = 0;

                if (ro)
                        n += snprintf(buf + n, sizeof(buf) - (size_t)n, "ro,");
                if (size > 0)
                        n += snprintf(buf + n, sizeof(buf) - (size_t)n, "size=%lld,", size);
                if (mode > 0)
                        snprintf(buf + n, sizeof(buf) - (size_t)n, "mode=%llo", mode);
                return parse_tmpfs(l, dst, buf,
                                   json_pack("{s:s,s:s,s:s,s:s,s:b,s:s}", "Type", "tmpfs", "Source", "",
                                             "Destination", dst, "Mode", "", "RW", !ro, "Propagation", ""),
                                   err);
        }
        free(dst);
        return berth_err_msg(err, EINVAL, "invalid mount config: mount type unknown: \"%s\"", type);
}

static int collect_user_mounts(struct oci_build *b, struct mount_list *l, struct berth_error **err)
{
        json_t *v, *tmpfs = json_object_get(b->host_config, "Tmpfs");
        const char *key;
        size_t i;
        int r;

        json_array_foreach (json_object_get(b->host_config, "Binds"), i, v)
                if (json_string_value(v) && (r = parse_bind(b, l, json_string_value(v), err)) < 0)
                        return r;
        json_array_foreach (json_object_get(b->host_config, "Mounts"), i, v)
                if ((r = parse_mount(b, l, v, err)) < 0)
                        return r;
        json_object_foreach (tmpfs, key, v) {
                char *dst = clean_dst(key);
                if (!dst)
                        return berth_err_msg(err, EINVAL, "invalid tmpfs destination: %s", key);
                if ((r = parse_tmpfs(l, dst, json_string_value(v), NULL, err)) < 0)
                        return r;
        }
        /* The image's VOLUMEs nobody mounted: an anonymous volume each. */
        json_object_foreach (json_object_get(b->config, "Volumes"), key, v) {
                char *dst = clean_dst(key);
                if (!dst)
                        continue;
                if (list_find(l, dst)) {
                        free(dst);
                        continue;
                }
                if ((r = add_volume(b, l, NULL, dst, false, false, "", err)) < 0)
                        return r;
        }
        return 0;
}

static size_t depth(const char *p)
{
        size_t n = 0;

        for (; *p; p++)
                n += *p == '/';
        return n;
}

static int by_depth(const void *a, const void *b)
{
        size_t x = depth(((const struct user_mount *)a)->dst), y = depth(((const struct user_mount *)b)->dst);
        return x < y ? -1 : x > y;
}

static void add_default(json_t *mounts, struct mount_list *l, json_t *m)
{
        /* A user's mount on the same path replaces the default one (-v /x:/dev/shm), as Docker. */
        if (list_find(l, json_string_value(json_object_get(m, "destination"))))
                json_decref(m);
        else
                json_array_append_new(mounts, m);
}

static void default_mounts(struct oci_build *b, json_t *mounts, struct mount_list *l)
{
        long long shm = hc_int(b->host_config, "ShmSize");
        const char *ro = b->privileged ? "rw" : "ro";
        _cleanup_free_ char *shm_opt = xasprintf("size=%lld", shm > 0 ? shm : SHM_DEFAULT);
        static const char *const etc[] = { "resolv.conf", "hostname", "hosts" };

        add_default(mounts, l, oci_mount("/proc", "proc", "proc", strs("nosuid", "noexec", "nodev", NULL)));
        add_default(mounts, l, oci_mount("/dev", "tmpfs", "tmpfs",
                                          strs("nosuid", "strictatime", "mode=755", "size=65536k", NULL)));
        add_default(mounts, l, oci_mount("/dev/pts", "devpts", "devpts",
                                          strs("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620",
                                               "gid=5", NULL)));
        add_default(mounts, l, oci_mount("/sys", "sysfs", "sysfs", strs("nosuid", "noexec", "nodev", ro, NULL)));
        add_default(mounts, l, oci_mount("/sys/fs/cgroup", "cgroup", "cgroup",
                                          strs("nosuid", "noexec", "nodev", "relatime", ro, NULL)));
        add_default(mounts, l, oci_mount("/dev/mqueue", "mqueue", "mqueue", strs("nosuid", "noexec", "nodev", NULL)));
        add_default(mounts, l, oci_mount("/dev/shm", "tmpfs", "shm",
                                          strs("nosuid", "noexec", "nodev", "mode=1777", shm_opt, NULL)));
        for (size_t i = 0; i < ARRAY_SIZE(etc); i++) {
                _cleanup_free_ char *dst = xasprintf("/etc/%s", etc[i]), *src = xasprintf("%s/%s", b->dir, etc[i]);
                add_default(mounts, l, oci_mount(dst, "bind", src, strs("rbind", "rprivate", NULL)));
        }
}

int oci_config_mounts(struct oci_build *b, json_t *spec, struct berth_error **err)
{
        struct mount_list l = { 0 };
        json_t *mounts = json_array(), *record = json_array();
        int r;

        json_object_set_new(spec, "mounts", mounts);
        r = collect_user_mounts(b, &l, err);
        if (r < 0)
                goto out;
        if (l.n)
                qsort(l.v, l.n, sizeof(*l.v), by_depth);
        default_mounts(b, mounts, &l);
        for (size_t i = 0; i < l.n; i++) {
                json_array_append(mounts, l.v[i].oci);
                if (l.v[i].record)
                        json_array_append(record, l.v[i].record);
        }
        json_object_set(b->c->record, "Mounts", record);
out:
        json_decref(record);
        list_release(&l);
        return r;
}
