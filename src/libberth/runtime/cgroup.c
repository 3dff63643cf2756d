/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The cgroup module's front: mode detection, linux.resources parsing,
 * cgroupsPath mapping, the handle's persistence, and the operations that do
 * not depend on the backend (listing pids, killing, mounting the container's
 * view). Backend work goes through the ops table (cgroup-v1.c, cgroup-v2.c).
 */
#include "runtime/cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs-util.h"
#include "base/json-util.h"
#include "base/log.h"
#include "base/missing.h"
#include "base/strv.h"
#include "base/syscalls.h"
#include "base/xalloc.h"
#include "runtime/cgroup-internal.h"

/* ---- small file helpers shared by the backends ---- */

int cgroup_write(const char *dir, const char *file, const char *value, struct berth_error **err)
{
        _cleanup_free_ char *p = xasprintf("%s/%s", dir, file);

        log_debug("cgroup: write `%s` = `%s`", p, value);
        return write_file_at(AT_FDCWD, p, value, strlen(value), err);
}

int cgroup_writef(const char *dir, const char *file, struct berth_error **err, const char *fmt, ...)
{
        _cleanup_free_ char *v = NULL;
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(&v, fmt, ap) < 0)
                oom();
        va_end(ap);
        return cgroup_write(dir, file, v, err);
}

int cgroup_read(const char *dir, const char *file, char **ret, struct berth_error **err)
{
        _cleanup_free_ char *p = xasprintf("%s/%s", dir, file);
        char *buf = NULL;
        size_t len = 0;
        int r;

        r = read_file_at(AT_FDCWD, p, 16 << 20, &buf, &len, err);
        if (r < 0)
                return r;
        while (len > 0 && buf[len - 1] == '\n')
                buf[--len] = '\0';
        *ret = buf;
        return 0;
}

bool cgroup_file_exists(const char *dir, const char *file)
{
        _cleanup_free_ char *p = xasprintf("%s/%s", dir, file);

        return access(p, F_OK) == 0;
}

int cgroup_write_pid(const char *dir, pid_t pid, struct berth_error **err)
{
        return cgroup_writef(dir, "cgroup.procs", err, "%d", (int)pid);
}

/* Children first: a container with a writable cgroupfs may have made sub-cgroups. */
static int rmdir_children(const char *dir)
{
        _cleanup_closedir_ DIR *d = opendir(dir);
        struct dirent *de;

        if (!d)
                return errno == ENOENT ? 0 : -errno;
        while ((de = readdir(d))) {
                _cleanup_free_ char *sub = NULL;
                if (de->d_type != DT_DIR || streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                sub = xasprintf("%s/%s", dir, de->d_name);
                (void)rmdir_children(sub);
                (void)rmdir(sub);
        }
        return 0;
}

int cgroup_rmdir(const char *dir, struct berth_error **err)
{
        /* Killed processes take a moment to leave the cgroup: retry for about a second. */
        for (int i = 0; i < 50; i++) {
                (void)rmdir_children(dir);
                if (rmdir(dir) == 0 || errno == ENOENT)
                        return 0;
                if (errno != EBUSY && errno != ENOTEMPTY)
                        break;
                nanosleep(&(struct timespec){.tv_nsec = 20 * 1000 * 1000}, NULL);
        }
        return berth_err(err, errno, "remove cgroup `%s`", dir);
}

int cgroup_check_hugepage_size(const char *size, struct berth_error **err)
{
        static const struct {
                char suffix;
                unsigned long long mult;
        } units[] = {{'K', 1}, {'M', 1024}, {'G', 1024 * 1024}};
        _cleanup_free_ char *p = NULL;
        unsigned long long n;
        char *end;

        errno = 0;
        n = strtoull(size, &end, 10);
        if (errno || end == size || n == 0 || strlen(end) != 2 || end[1] != 'B')
                return berth_err_msg(err, EINVAL, "invalid hugepage size `%s` (expected e.g. \"2MB\")",
                                     size);
        for (size_t i = 0; i < ARRAY_SIZE(units); i++)
                if (end[0] == units[i].suffix)
                        p = xasprintf("/sys/kernel/mm/hugepages/hugepages-%llukB", n * units[i].mult);
        if (!p)
                return berth_err_msg(err, EINVAL, "invalid hugepage size `%s` (expected e.g. \"2MB\")",
                                     size);
        if (access(p, F_OK) < 0)
                return berth_err_msg(err, EINVAL, "hugepage size `%s` is not supported by this host", size);
        return 0;
}

/* ---- mode detection ---- */

int cgroup_mode_detect(enum cgroup_mode *ret, struct berth_error **err)
{
        static int cached = -1;
        struct statfs fs;

        if (cached >= 0) {
                *ret = (enum cgroup_mode)cached;
                return 0;
        }
        if (statfs(CGROUP_ROOT, &fs) < 0)
                return berth_err(err, errno, "statfs `%s`", CGROUP_ROOT);
        if ((unsigned long)fs.f_type == CGROUP2_SUPER_MAGIC)
                cached = CGROUP_MODE_UNIFIED;
        else if ((unsigned long)fs.f_type != TMPFS_MAGIC)
                return berth_err_msg(err, ENOTSUP, "`%s` is neither cgroup2 nor a tmpfs of v1 hierarchies",
                                     CGROUP_ROOT);
        else if (statfs(CGROUP_UNIFIED_HYBRID, &fs) == 0 && (unsigned long)fs.f_type == CGROUP2_SUPER_MAGIC)
                cached = CGROUP_MODE_HYBRID;
        else
                cached = CGROUP_MODE_V1;
        *ret = (enum cgroup_mode)cached;
        return 0;
}

static const char *mode_name(enum cgroup_mode m)
{
        switch (m) {
        case CGROUP_MODE_V1:
                return "v1";
        case CGROUP_MODE_HYBRID:
                return "hybrid";
        case CGROUP_MODE_UNIFIED:
                return "unified";
        }
        return "?";
}

/* ---- cgroupsPath ---- */

/* Appends the components of p to out, refusing "..": the path must stay under the hierarchy root. */
static int path_append_clean(char **out, const char *p, const char *what, struct berth_error **err)
{
        _cleanup_free_ char *copy = xstrdup(p);
        char *save = NULL;

        for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
                char *n;
                if (streq(c, "."))
                        continue;
                if (streq(c, ".."))
                        return berth_err_msg(err, EINVAL, "%s `%s` must not contain \"..\"", what, p);
                n = *out && **out ? xasprintf("%s/%s", *out, c) : xstrdup(c);
                free(*out);
                *out = n;
        }
        return 0;
}

/* systemd names a slice "a-b-c.slice" and nests it under a.slice/a-b.slice. */
static int systemd_slice_dirs(const char *slice, char **out, struct berth_error **err)
{
        size_t len = strlen(slice);

        if (len == 0)
                slice = "system.slice", len = strlen(slice);
        if (len <= 6 || !streq(slice + len - 6, ".slice") || strchr(slice, '/'))
                return berth_err_msg(err, EINVAL, "invalid systemd slice `%s` in cgroupsPath", slice);
        for (size_t i = 0; i < len - 6; i++) {
                if (slice[i] != '-')
                        continue;
                char *n = xasprintf("%s%s%.*s.slice", *out ? *out : "", *out ? "/" : "", (int)i, slice);
                free(*out);
                *out = n;
        }
        char *n = xasprintf("%s%s%s", *out ? *out : "", *out ? "/" : "", slice);
        free(*out);
        *out = n;
        return 0;
}

static int systemd_path_map(const char *spec, char **ret, struct berth_error **err)
{
        _cleanup_free_ char *copy = xstrdup(spec), *out = NULL;
        char *slice = copy, *prefix, *name;
        int r;

        prefix = strchr(slice, ':');
        name = prefix ? strchr(prefix + 1, ':') : NULL;
        if (!name || strchr(name + 1, ':'))
                return berth_err_msg(err, EINVAL,
                                     "cgroupsPath `%s` must have the form \"slice:prefix:name\"", spec);
        *prefix++ = '\0';
        *name++ = '\0';
        if (!*name || strchr(name, '/') || strchr(prefix, '/') || streq(name, "..") || streq(name, "."))
                return berth_err_msg(err, EINVAL, "invalid cgroupsPath `%s`", spec);
        r = systemd_slice_dirs(slice, &out, err);
        if (r < 0)
                return r;
        if (strlen(name) > 6 && streq(name + strlen(name) - 6, ".slice"))
                *ret = xasprintf("%s/%s", out, name); /* a slice as the unit itself */
        else if (*prefix)
                *ret = xasprintf("%s/%s-%s.scope", out, prefix, name);
        else
                *ret = xasprintf("%s/%s.scope", out, name);
        return 0;
}

int cgroup_path_from_spec(const char *id, const char *cgroups_path, bool systemd_path, char **ret,
                          struct berth_error **err)
{
        _cleanup_free_ char *out = NULL;
        int r;

        if (!id || !*id || strchr(id, '/') || streq(id, ".") || streq(id, ".."))
                return berth_err_msg(err, EINVAL, "invalid container id `%s` for a cgroup name",
                                     id ? id : "");
        if (!cgroups_path)
                cgroups_path = "";
        if (systemd_path && strchr(cgroups_path, ':'))
                return systemd_path_map(cgroups_path, ret, err);
        if (cgroups_path[0] != '/')
                out = xstrdup("berth");
        r = path_append_clean(&out, *cgroups_path ? cgroups_path : id, "cgroupsPath", err);
        if (r < 0)
                return r;
        if (!out || !*out)
                return berth_err_msg(err, EINVAL, "cgroupsPath `%s` names the root cgroup", cgroups_path);
        *ret = TAKE_PTR(out);
        return 0;
}

/* ---- v1 hierarchies from /proc/self/mountinfo ---- */

static char **v1_known_controllers(void)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/cgroups", "re");
        char line[256], name[64];
        char **v = NULL;

        if (!f)
                return NULL;
        while (fgets(line, sizeof(line), f))
                if (line[0] != '#' && sscanf(line, "%63s", name) == 1)
                        v = strv_push(v, name);
        return v;
}

/* Keeps the controller names (and "name=x") of a v1 mount's super options. */
static char *v1_controllers_of(const char *superopts, char *const *known)
{
        _cleanup_free_ char *copy = xstrdup(superopts);
        char *save = NULL, *out = NULL;

        for (char *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
                char *n;
                if (strncmp(o, "name=", 5) != 0 && !strv_contains(known, o))
                        continue;
                n = out ? xasprintf("%s,%s", out, o) : xstrdup(o);
                free(out);
                out = n;
        }
        return out;
}

static void cgroup_add_hierarchy(struct cgroup *cg, char *name, const char *mount)
{
        for (size_t i = 0; i < cg->n_h; i++)
                if (streq(cg->h[i].name, name)) {
                        free(name); /* the same hierarchy mounted twice: keep the first */
                        return;
                }
        cg->h = xrealloc(cg->h, (cg->n_h + 1) * sizeof(*cg->h));
        cg->h[cg->n_h++] = (struct cgroup_hierarchy){.name = name, .mount = xstrdup(mount)};
}

static int cgroup_find_v1_hierarchies(struct cgroup *cg, struct berth_error **err)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
        _cleanup_strv_ char **known = v1_known_controllers();
        _cleanup_free_ char *line = NULL;
        size_t cap = 0;

        if (!f)
                return berth_err(err, errno, "open `/proc/self/mountinfo`");
        while (getline(&line, &cap, f) > 0) {
                char mnt[PATH_MAX], fstype[64], superopts[512];
                const char *sep = strstr(line, " - ");
                char *name;
                if (!sep || sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 ||
                    sscanf(sep + 3, "%63s %*s %511s", fstype, superopts) != 2 || !streq(fstype, "cgroup"))
                        continue;
                if (strncmp(mnt, CGROUP_ROOT "/", strlen(CGROUP_ROOT) + 1) != 0 || strchr(mnt, '\\'))
                        continue; /* only the host's standard place; no escaped names */
                name = v1_controllers_of(superopts, known);
                if (name)
                        cgroup_add_hierarchy(cg, name, mnt);
        }
        if (cg->n_h == 0)
                return berth_err_msg(err, ENOENT, "no cgroup v1 hierarchy is mounted under `%s`",
                                     CGROUP_ROOT);
        return 0;
}

/* ---- resources parsing ---- */

struct cgroup_resources *cgroup_resources_free(struct cgroup_resources *r)
{
        if (!r)
                return NULL;
        free(r->cpus);
        free(r->mems);
        for (size_t i = 0; i < r->n_hugepages; i++)
                free(r->hugepages[i].page_size);
        free(r->hugepages);
        free(r->devices);
        for (size_t i = 0; i < r->n_unified; i++) {
                free(r->unified_keys[i]);
                free(r->unified_values[i]);
        }
        free(r->unified_keys);
        free(r->unified_values);
        free(r);
        return NULL;
}

static void resources_freep(struct cgroup_resources **r)
{
        cgroup_resources_free(*r);
}

static int get_opt(json_t *o, const char *key, const char *where, bool nonneg, struct cgroup_opt *ret,
                   struct berth_error **err)
{
        json_t *v = json_object_get(o, key);
        long long n = 0;
        int r;

        if (!v || json_is_null(v))
                return 0;
        r = json_get_int64(o, key, where, &n, err);
        if (r < 0)
                return r;
        if (nonneg && n < 0)
                return berth_err_msg(err, EINVAL, "`%s.%s` must not be negative", where, key);
        *ret = (struct cgroup_opt){.set = true, .v = n};
        return 0;
}

static const char *const memory_keys[] = {"limit", "reservation", "swap", "swappiness", NULL};

static int parse_memory(json_t *o, struct cgroup_resources *res, struct berth_error **err)
{
        static const char *w = "linux.resources.memory";
        struct cgroup_opt *dst[] = {&res->mem_limit, &res->mem_reservation, &res->mem_swap,
                                    &res->mem_swappiness};
        long long ignored = 0;
        int r;

        for (size_t i = 0; memory_keys[i]; i++) {
                r = get_opt(o, memory_keys[i], w, streq(memory_keys[i], "swappiness"), dst[i], err);
                if (r < 0)
                        return r;
        }
        if (res->mem_swappiness.set && res->mem_swappiness.v > 100)
                return berth_err_msg(err, EINVAL, "`%s.swappiness` must be between 0 and 100", w);
        /* kernel and kernelTCP are deprecated and ignored by current runtimes; only their type is checked.
         */
        if (json_get_int64(o, "kernel", w, &ignored, err) < 0 ||
            json_get_int64(o, "kernelTCP", w, &ignored, err) < 0)
                return -EINVAL;
        return json_get_bool(o, "disableOOMKiller", w, &res->disable_oom_killer, err);
}

static int parse_cpu(json_t *o, struct cgroup_resources *res, struct berth_error **err)
{
        static const char *w = "linux.resources.cpu";
        const char *cpus = NULL, *mems = NULL;
        int r;

        if ((r = get_opt(o, "shares", w, true, &res->cpu_shares, err)) < 0 ||
            (r = get_opt(o, "quota", w, false, &res->cpu_quota, err)) < 0 ||
            (r = get_opt(o, "period", w, true, &res->cpu_period, err)) < 0 ||
            (r = get_opt(o, "realtimeRuntime", w, false, &res->cpu_rt_runtime, err)) < 0 ||
            (r = get_opt(o, "realtimePeriod", w, true, &res->cpu_rt_period, err)) < 0 ||
            (r = get_opt(o, "idle", w, false, &res->cpu_idle, err)) < 0 ||
            (r = json_get_string(o, "cpus", false, w, &cpus, err)) < 0 ||
            (r = json_get_string(o, "mems", false, w, &mems, err)) < 0)
                return r;
        if (res->cpu_shares.set && res->cpu_shares.v != 0 &&
            (res->cpu_shares.v < 2 || res->cpu_shares.v > 262144))
                return berth_err_msg(err, EINVAL, "`%s.shares` must be between 2 and 262144", w);
        if (res->cpu_idle.set && res->cpu_idle.v != 0 && res->cpu_idle.v != 1)
                return berth_err_msg(err, EINVAL, "`%s.idle` must be 0 or 1", w);
        if (cpus && *cpus)
                res->cpus = xstrdup(cpus);
        if (mems && *mems)
                res->mems = xstrdup(mems);
        return 0;
}

static int parse_hugepages(json_t *arr, struct cgroup_resources *res, struct berth_error **err)
{
        json_t *e;
        size_t i;

        res->hugepages = xcalloc(json_array_size(arr), sizeof(*res->hugepages));
        json_array_foreach (arr, i, e) {
                _cleanup_free_ char *w = xasprintf("linux.resources.hugepageLimits[%zu]", i);
                const char *size = NULL;
                struct cgroup_opt limit = {0};
                int r;

                if (!json_is_object(e))
                        return berth_err_msg(err, EINVAL, "`%s` must be an object", w);
                if ((r = json_get_string(e, "pageSize", true, w, &size, err)) < 0 ||
                    (r = get_opt(e, "limit", w, true, &limit, err)) < 0)
                        return r;
                if (!limit.set)
                        return berth_err_msg(err, EINVAL, "`%s.limit` is required", w);
                res->hugepages[i].page_size = xstrdup(size);
                res->hugepages[i].limit = (uint64_t)limit.v;
                res->n_hugepages++;
        }
        return 0;
}

static int parse_device_rule(json_t *e, const char *w, struct cgroup_device_rule *d,
                             struct berth_error **err)
{
        const char *type = "a", *access = "rwm";
        struct cgroup_opt major = {0}, minor = {0};
        json_t *allow = json_object_get(e, "allow");
        int r;

        if (!json_is_object(e))
                return berth_err_msg(err, EINVAL, "`%s` must be an object", w);
        if (!json_is_boolean(allow))
                return berth_err_msg(err, EINVAL, "`%s.allow` is required and must be a boolean", w);
        if ((r = json_get_string(e, "type", false, w, &type, err)) < 0 ||
            (r = json_get_string(e, "access", false, w, &access, err)) < 0 ||
            (r = get_opt(e, "major", w, false, &major, err)) < 0 ||
            (r = get_opt(e, "minor", w, false, &minor, err)) < 0)
                return r;
        if (!streq(type, "a") && !streq(type, "c") && !streq(type, "b"))
                return berth_err_msg(err, EINVAL, "`%s.type` must be \"a\", \"c\" or \"b\", not `%s`", w,
                                     type);
        if (!*access)
                access = "rwm";
        if (strlen(access) > 3 || strspn(access, "rwm") != strlen(access))
                return berth_err_msg(err, EINVAL,
                                     "`%s.access` must be made of \"r\", \"w\", \"m\", not `%s`", w, access);
        if ((major.set && major.v < -1) || (minor.set && minor.v < -1) || major.v > UINT32_MAX ||
            minor.v > UINT32_MAX)
                return berth_err_msg(err, EINVAL, "`%s` has an invalid major or minor number", w);
        d->allow = json_is_true(allow);
        d->type = type[0];
        d->major = major.set ? major.v : -1;
        d->minor = minor.set ? minor.v : -1;
        /* Normalised order so rules compare and print the same way. */
        memset(d->access, 0, sizeof(d->access));
        for (size_t i = 0, n = 0; i < 3; i++)
                if (strchr(access, "rwm"[i]))
                        d->access[n++] = "rwm"[i];
        return 0;
}

static int parse_devices(json_t *arr, struct cgroup_resources *res, struct berth_error **err)
{
        json_t *e;
        size_t i;

        res->has_devices = true;
        res->devices = xcalloc(json_array_size(arr), sizeof(*res->devices));
        json_array_foreach (arr, i, e) {
                _cleanup_free_ char *w = xasprintf("linux.resources.devices[%zu]", i);
                int r = parse_device_rule(e, w, &res->devices[i], err);
                if (r < 0)
                        return r;
                res->n_devices++;
        }
        return 0;
}

static int parse_unified(json_t *o, struct cgroup_resources *res, struct berth_error **err)
{
        const char *k;
        json_t *v;
        size_t n = json_object_size(o);

        res->unified_keys = xcalloc(n, sizeof(char *));
        res->unified_values = xcalloc(n, sizeof(char *));
        json_object_foreach (o, k, v) {
                if (!json_is_string(v))
                        return berth_err_msg(err, EINVAL, "`linux.resources.unified.%s` must be a string",
                                             k);
                /* A key is one file of the container's cgroup, nothing else. */
                if (!*k || strchr(k, '/') || k[0] == '.' || !strchr(k, '.'))
                        return berth_err_msg(err, EINVAL, "invalid key `%s` in `linux.resources.unified`",
                                             k);
                if (streq(k, "cgroup.procs") || streq(k, "cgroup.threads") ||
                    streq(k, "cgroup.subtree_control"))
                        return berth_err_msg(err, EINVAL, "`linux.resources.unified` must not set `%s`", k);
                res->unified_keys[res->n_unified] = xstrdup(k);
                res->unified_values[res->n_unified++] = xstrdup(json_string_value(v));
        }
        return 0;
}

static int parse_block_io(json_t *o, struct cgroup_resources *res, struct berth_error **err)
{
        static const char *w = "linux.resources.blockIO";
        const char *k;
        json_t *v;
        int r;

        r = get_opt(o, "weight", w, true, &res->blkio_weight, err);
        if (r < 0)
                return r;
        if (res->blkio_weight.set && res->blkio_weight.v != 0 &&
            (res->blkio_weight.v < 10 || res->blkio_weight.v > 1000))
                return berth_err_msg(err, EINVAL, "`%s.weight` must be between 10 and 1000", w);
        json_object_foreach (o, k, v)
                if (!streq(k, "weight"))
                        log_debug("cgroup: `%s.%s` is not supported and is ignored", w, k);
        return 0;
}

static int resources_parse_sections(json_t *j, struct cgroup_resources *res, struct berth_error **err)
{
        static const char *w = "linux.resources";
        json_t *memory = NULL, *cpu = NULL, *pids = NULL, *blkio = NULL, *huge = NULL, *dev = NULL,
               *unified = NULL, *o = NULL;
        int r;

        if ((r = json_get_object(j, "memory", w, &memory, err)) < 0 ||
            (r = json_get_object(j, "cpu", w, &cpu, err)) < 0 ||
            (r = json_get_object(j, "pids", w, &pids, err)) < 0 ||
            (r = json_get_object(j, "blockIO", w, &blkio, err)) < 0 ||
            (r = json_get_array(j, "hugepageLimits", w, &huge, err)) < 0 ||
            (r = json_get_array(j, "devices", w, &dev, err)) < 0 ||
            (r = json_get_object(j, "unified", w, &unified, err)) < 0 ||
            (r = json_get_object(j, "network", w, &o, err)) < 0 ||
            (r = json_get_object(j, "rdma", w, &o, err)) < 0)
                return r;
        if (memory && (r = parse_memory(memory, res, err)) < 0)
                return r;
        if (cpu && (r = parse_cpu(cpu, res, err)) < 0)
                return r;
        if (pids && (r = get_opt(pids, "limit", "linux.resources.pids", false, &res->pids_limit, err)) < 0)
                return r;
        if (blkio && (r = parse_block_io(blkio, res, err)) < 0)
                return r;
        if (huge && (r = parse_hugepages(huge, res, err)) < 0)
                return r;
        if (dev && (r = parse_devices(dev, res, err)) < 0)
                return r;
        if (unified && (r = parse_unified(unified, res, err)) < 0)
                return r;
        if (json_object_get(j, "network"))
                log_debug("cgroup: `linux.resources.network` (classID, priorities) is ignored");
        if (json_object_get(j, "rdma"))
                log_debug("cgroup: `linux.resources.rdma` is ignored");
        return 0;
}

int cgroup_resources_parse(json_t *resources, struct cgroup_resources **ret, struct berth_error **err)
{
        _cleanup_(resources_freep) struct cgroup_resources *res = xmalloc(sizeof(*res));
        int r;

        if (resources && !json_is_null(resources)) {
                if (!json_is_object(resources))
                        return berth_err_msg(err, EINVAL, "`linux.resources` must be an object");
                r = resources_parse_sections(resources, res, err);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(res);
        return 0;
}

/* ---- the handle ---- */

struct cgroup *cgroup_free(struct cgroup *cg)
{
        if (!cg)
                return NULL;
        for (size_t i = 0; i < cg->n_h; i++) {
                free(cg->h[i].name);
                free(cg->h[i].mount);
                free(cg->h[i].dir);
        }
        free(cg->h);
        free(cg->path);
        free(cg->unified_dir);
        free(cg);
        return NULL;
}

static void cgroup_freep(struct cgroup **cg)
{
        cgroup_free(*cg);
}

static const struct cgroup_resources no_resources;

int cgroup_create(const char *id, const char *cgroups_path, bool systemd_path,
                  const struct cgroup_resources *res, pid_t pid, struct cgroup **ret,
                  struct berth_error **err)
{
        _cleanup_(cgroup_freep) struct cgroup *cg = xmalloc(sizeof(*cg));
        int r;

        r = cgroup_mode_detect(&cg->mode, err);
        if (r < 0)
                return r;
        r = cgroup_path_from_spec(id, cgroups_path, systemd_path, &cg->path, err);
        if (r < 0)
                return r;
        /* What can be checked without touching cgroupfs is checked before the first mkdir. */
        for (size_t i = 0; res && i < res->n_hugepages; i++)
                if ((r = cgroup_check_hugepage_size(res->hugepages[i].page_size, err)) < 0)
                        return r;
        if (cg->mode == CGROUP_MODE_UNIFIED) {
                cg->ops = &cgroup_v2_ops;
                cg->unified_dir = xasprintf("%s/%s", CGROUP_ROOT, cg->path);
        } else {
                cg->ops = &cgroup_v1_ops;
                r = cgroup_find_v1_hierarchies(cg, err);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < cg->n_h; i++)
                        cg->h[i].dir = xasprintf("%s/%s", cg->h[i].mount, cg->path);
                if (cg->mode == CGROUP_MODE_HYBRID)
                        cg->unified_dir = xasprintf("%s/%s", CGROUP_UNIFIED_HYBRID, cg->path);
        }
        r = cg->ops->create(cg, res ? res : &no_resources, pid, err);
        if (r < 0) {
                /* Undo the directories so a failed start leaves nothing behind. */
                (void)cg->ops->destroy(cg, NULL);
                return berth_err_prefix(err, "cgroup `%s`", cg->path);
        }
        *ret = TAKE_PTR(cg);
        return 0;
}

json_t *cgroup_to_json(const struct cgroup *cg)
{
        json_t *j = json_object(), *hs = json_array();

        json_object_set_new(j, "mode", json_string(mode_name(cg->mode)));
        json_object_set_new(j, "path", json_string(cg->path));
        for (size_t i = 0; i < cg->n_h; i++)
                json_array_append_new(hs, json_pack("{s:s, s:s, s:s}", "name", cg->h[i].name, "mount",
                                                    cg->h[i].mount, "dir", cg->h[i].dir));
        json_object_set_new(j, "hierarchies", hs);
        json_object_set_new(j, "unified", cg->unified_dir ? json_string(cg->unified_dir) : json_null());
        return j;
}

/* The state file is ours, but a path that escapes cgroupfs must still never be acted on. */
static int check_state_path(const char *p, struct berth_error **err)
{
        if (strncmp(p, CGROUP_ROOT "/", strlen(CGROUP_ROOT) + 1) != 0 || strstr(p, "/../") ||
            strstr(p, "/./") || (strlen(p) >= 3 && streq(p + strlen(p) - 3, "/..")))
                return berth_err_msg(err, EINVAL, "cgroup state: path `%s` is not under `%s`", p,
                                     CGROUP_ROOT);
        return 0;
}

static int load_hierarchies(json_t *hs, struct cgroup *cg, struct berth_error **err)
{
        json_t *e;
        size_t i;

        json_array_foreach (hs, i, e) {
                const char *name = NULL, *mount = NULL, *dir = NULL;
                int r;
                if ((r = json_get_string(e, "name", true, "cgroup.hierarchies", &name, err)) < 0 ||
                    (r = json_get_string(e, "mount", true, "cgroup.hierarchies", &mount, err)) < 0 ||
                    (r = json_get_string(e, "dir", true, "cgroup.hierarchies", &dir, err)) < 0 ||
                    (r = check_state_path(dir, err)) < 0)
                        return r;
                cgroup_add_hierarchy(cg, xstrdup(name), mount);
                cg->h[cg->n_h - 1].dir = xstrdup(dir);
        }
        return 0;
}

int cgroup_load(json_t *j, struct cgroup **ret, struct berth_error **err)
{
        _cleanup_(cgroup_freep) struct cgroup *cg = xmalloc(sizeof(*cg));
        const char *mode = NULL, *path = NULL, *unified = NULL;
        json_t *hs = NULL;
        int r;

        if (!json_is_object(j))
                return berth_err_msg(err, EINVAL, "cgroup state must be an object");
        if ((r = json_get_string(j, "mode", true, "cgroup", &mode, err)) < 0 ||
            (r = json_get_string(j, "path", true, "cgroup", &path, err)) < 0 ||
            (r = json_get_string(j, "unified", false, "cgroup", &unified, err)) < 0 ||
            (r = json_get_array(j, "hierarchies", "cgroup", &hs, err)) < 0)
                return r;
        if (streq(mode, "v1"))
                cg->mode = CGROUP_MODE_V1;
        else if (streq(mode, "hybrid"))
                cg->mode = CGROUP_MODE_HYBRID;
        else if (streq(mode, "unified"))
                cg->mode = CGROUP_MODE_UNIFIED;
        else
                return berth_err_msg(err, EINVAL, "cgroup state: unknown mode `%s`", mode);
        cg->ops = cg->mode == CGROUP_MODE_UNIFIED ? &cgroup_v2_ops : &cgroup_v1_ops;
        cg->path = xstrdup(path);
        if (unified) {
                if ((r = check_state_path(unified, err)) < 0)
                        return r;
                cg->unified_dir = xstrdup(unified);
        }
        if (hs && (r = load_hierarchies(hs, cg, err)) < 0)
                return r;
        if (cg->mode == CGROUP_MODE_UNIFIED ? !cg->unified_dir : cg->n_h == 0)
                return berth_err_msg(err, EINVAL, "cgroup state: no cgroup directory recorded");
        *ret = TAKE_PTR(cg);
        return 0;
}

/* ---- operations ---- */

int cgroup_enter(struct cgroup *cg, pid_t pid, struct berth_error **err)
{
        return cg->ops->enter(cg, pid, err);
}

int cgroup_clone_target(const struct cgroup *cg, int *ret_fd, struct berth_error **err)
{
        *ret_fd = -1;
        if (!cg->unified_dir)
                return 0;
        *ret_fd = open(cg->unified_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (*ret_fd < 0)
                return berth_err(err, errno, "open `%s`", cg->unified_dir);
        return 0;
}

/* "0" is the caller; through "tasks" only this thread moves, which is the whole of a single-threaded process. */
int cgroup_enter_self(struct cgroup *cg, struct berth_error **err)
{
        for (size_t i = 0; i < cg->n_h; i++) {
                int r = cgroup_writef(cg->h[i].dir, "tasks", err, "0");
                if (r < 0)
                        return r;
        }
        return 0;
}

int cgroup_update(struct cgroup *cg, const struct cgroup_resources *res, struct berth_error **err)
{
        return cg->ops->update(cg, res, err);
}

int cgroup_freeze(struct cgroup *cg, bool frozen, struct berth_error **err)
{
        return cg->ops->freeze(cg, frozen, err);
}

int cgroup_is_frozen(struct cgroup *cg, bool *ret, struct berth_error **err)
{
        return cg->ops->is_frozen(cg, ret, err);
}

int cgroup_pids(struct cgroup *cg, pid_t **ret, size_t *ret_n, struct berth_error **err)
{
        _cleanup_free_ char *buf = NULL;
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0, cap = 0;
        char *save = NULL;
        int r;

        r = cgroup_read(cg->ops->procs_dir(cg), "cgroup.procs", &buf, err);
        if (r < 0)
                return r;
        for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                if (n == cap) {
                        cap = cap ? cap * 2 : 16;
                        pids = xrealloc(pids, cap * sizeof(*pids));
                }
                pids[n++] = (pid_t)atoi(l);
        }
        *ret = TAKE_PTR(pids);
        *ret_n = n;
        return 0;
}

static int signal_all(struct cgroup *cg, int sig, struct berth_error **err)
{
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        int r;

        r = cgroup_pids(cg, &pids, &n, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++)
                if (pids[i] > 0 && kill(pids[i], sig) < 0 && errno != ESRCH)
                        return berth_err(err, errno, "kill %d", (int)pids[i]);
        return 0;
}

int cgroup_kill_all(struct cgroup *cg, int sig, struct berth_error **err)
{
        _cleanup_error_ struct berth_error *ferr = NULL;
        bool frozen;
        int r;

        r = cg->ops->kill(cg, sig, err);
        if (r != 0)
                return r < 0 ? r : 0;
        /* Frozen, no process can fork a new one between our read of cgroup.procs and the signals. */
        frozen = cg->ops->freeze(cg, true, &ferr) >= 0;
        if (!frozen)
                log_debug("cgroup: kill without freezing: %s", ferr->msg);
        r = signal_all(cg, sig, err);
        if (frozen) {
                /* Thaw even after a failure: a frozen container would hang forever. */
                int t = cg->ops->freeze(cg, false, r < 0 ? NULL : err);
                if (r >= 0)
                        r = t;
        }
        return r;
}

int cgroup_destroy(struct cgroup *cg, struct berth_error **err)
{
        return cg->ops->destroy(cg, err);
}

/* ---- the container's view of cgroupfs ---- */

static unsigned long attr_from_ms(bool readonly, unsigned long ms)
{
        /* cgroupfs never needs devices, setuid or executables, whatever the mount asked. */
        unsigned long a = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;

        if (readonly || (ms & MS_RDONLY))
                a |= MOUNT_ATTR_RDONLY;
        if (ms & MS_NOATIME)
                a |= MOUNT_ATTR_NOATIME;
        if (ms & MS_RELATIME)
                a |= MOUNT_ATTR_RELATIME;
        return a;
}

/* Binds a host cgroup directory onto target_fd: a detached clone, its flags set, then attached. */
static int bind_cgroup_dir(const char *src, int target_fd, unsigned long attr_set, struct berth_error **err)
{
        _cleanup_close_ int tree = -EBADF;
        struct mount_attr attr = {.attr_set = attr_set};

        tree = sys_open_tree(AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
        if (tree < 0)
                return berth_err(err, errno, "clone the mount of `%s`", src);
        if (sys_mount_setattr(tree, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
                return berth_err(err, errno, "set the flags of the bind of `%s`", src);
        if (sys_move_mount(tree, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return berth_err(err, errno, "mount `%s` in the container", src);
        return 0;
}

/* Mounts a tmpfs on target_fd and returns an fd of its root (a path walk could not reach it). */
static int mount_tmpfs(int target_fd, int *ret, struct berth_error **err)
{
        _cleanup_close_ int fs = -EBADF, mnt = -EBADF;

        fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
        if (fs < 0)
                return berth_err(err, errno, "fsopen tmpfs");
        if (fsconfig(fs, FSCONFIG_SET_STRING, "mode", "755", 0) < 0 ||
            fsconfig(fs, FSCONFIG_SET_STRING, "size", "64k", 0) < 0 ||
            fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return berth_err(err, errno, "create the tmpfs for `/sys/fs/cgroup`");
        mnt = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
        if (mnt < 0)
                return berth_err(err, errno, "fsmount tmpfs");
        if (sys_move_mount(mnt, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return berth_err(err, errno, "mount a tmpfs on `/sys/fs/cgroup`");
        *ret = TAKE_FD(mnt);
        return 0;
}

/* "cpu,cpuacct" also answers to "cpu" and "cpuacct", as on the host and in Docker. */
static void link_comounted(int dir_fd, const char *name)
{
        _cleanup_free_ char *copy = xstrdup(name);
        char *save = NULL;

        if (!strchr(name, ','))
                return;
        for (char *c = strtok_r(copy, ",", &save); c; c = strtok_r(NULL, ",", &save))
                if (symlinkat(name, dir_fd, c) < 0 && errno != EEXIST)
                        log_debug("cgroup: symlink `%s` -> `%s`: %m", c, name);
}

static int mount_v1_one(int dir_fd, const char *name, const char *src, unsigned long attr,
                        struct berth_error **err)
{
        _cleanup_close_ int fd = -EBADF;

        if (mkdirat(dir_fd, name, 0755) < 0 && errno != EEXIST)
                return berth_err(err, errno, "mkdir `/sys/fs/cgroup/%s`", name);
        fd = openat(dir_fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return berth_err(err, errno, "open `/sys/fs/cgroup/%s`", name);
        return bind_cgroup_dir(src, fd, attr, err);
}

static int mount_v1(struct cgroup *cg, int target_fd, bool readonly, unsigned long attr,
                    struct berth_error **err)
{
        _cleanup_close_ int root = -EBADF;
        struct mount_attr ro = {.attr_set = MOUNT_ATTR_RDONLY};
        int r;

        r = mount_tmpfs(target_fd, &root, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < cg->n_h; i++) {
                const char *base = strrchr(cg->h[i].mount, '/') + 1;
                if (!*base || streq(base, ".") || streq(base, ".."))
                        continue;
                r = mount_v1_one(root, base, cg->h[i].dir, attr, err);
                if (r < 0)
                        return r;
                link_comounted(root, base);
        }
        /*
         * The hybrid host's cgroup2 mount stays out of the container: runc and
         * crun show only the v1 hierarchies there, and programs that see a
         * cgroup2 mount may take the host for a unified one.
         */
        if (readonly && sys_mount_setattr(root, "", AT_EMPTY_PATH, &ro, sizeof(ro)) < 0)
                return berth_err(err, errno, "make the `/sys/fs/cgroup` tmpfs read-only");
        return 0;
}

int cgroup_mount_in_rootfs(struct cgroup *cg, int target_fd, bool readonly, unsigned long extra_flags,
                           struct berth_error **err)
{
        unsigned long attr = attr_from_ms(readonly, extra_flags);
        int r;

        if (cg->mode == CGROUP_MODE_UNIFIED)
                r = bind_cgroup_dir(cg->unified_dir, target_fd, attr, err);
        else
                r = mount_v1(cg, target_fd, readonly || (extra_flags & MS_RDONLY), attr, err);
        return r < 0 ? berth_err_prefix(err, "mount cgroupfs") : 0;
}
