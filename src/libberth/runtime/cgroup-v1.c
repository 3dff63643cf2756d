/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The cgroup v1 backend, for pure v1 and hybrid hosts: one directory per
 * mounted hierarchy. On hybrid hosts the same path is also made in the
 * unified cgroup2 mount (as runc does), which may hold controllers of its own.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs-util.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "runtime/cgroup-internal.h"

static struct cgroup_hierarchy *v1_find(struct cgroup *cg, const char *ctl)
{
        size_t len = strlen(ctl);

        for (size_t i = 0; i < cg->n_h; i++)
                for (const char *p = cg->h[i].name; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
                        if (strncmp(p, ctl, len) == 0 && (p[len] == ',' || p[len] == '\0'))
                                return &cg->h[i];
        return NULL;
}

/* hugetlb may live on the unified mount of a hybrid host instead of a v1 hierarchy. */
static bool hugetlb_on_unified(struct cgroup *cg)
{
        return !v1_find(cg, "hugetlb") && cg->mode == CGROUP_MODE_HYBRID;
}

static int need(struct cgroup *cg, bool wanted, const char *ctl, const char *what, struct berth_error **err)
{
        if (!wanted || v1_find(cg, ctl))
                return 0;
        return berth_err_msg(err, ENOTSUP, "cgroup controller `%s` is not available: cannot apply %s", ctl,
                             what);
}

/* Every requested limit must have its controller before anything is written. */
static int v1_check(struct cgroup *cg, const struct cgroup_resources *res, struct berth_error **err)
{
        bool mem = res->mem_limit.set || res->mem_reservation.set || res->mem_swap.set ||
                   res->mem_swappiness.set || res->disable_oom_killer;
        bool cpu = res->cpu_shares.set || res->cpu_quota.set || res->cpu_period.set ||
                   res->cpu_rt_runtime.set || res->cpu_rt_period.set ||
                   (res->cpu_idle.set && res->cpu_idle.v);
        int r;

        if (res->n_unified > 0)
                return berth_err_msg(err, ENOTSUP,
                                     "`linux.resources.unified` needs cgroup v2, but this host "
                                     "runs its controllers on cgroup v1");
        if ((r = need(cg, mem, "memory", "memory limits", err)) < 0 ||
            (r = need(cg, cpu, "cpu", "cpu limits", err)) < 0 ||
            (r = need(cg, res->cpus || res->mems, "cpuset", "cpu.cpus/mems", err)) < 0 ||
            (r = need(cg, res->pids_limit.set, "pids", "pids.limit", err)) < 0 ||
            (r = need(cg, res->has_devices, "devices", "device rules", err)) < 0)
                return r;
        if (res->n_hugepages > 0 && !hugetlb_on_unified(cg))
                r = need(cg, true, "hugetlb", "hugepageLimits", err);
        for (size_t i = 0; r >= 0 && i < res->n_hugepages; i++)
                r = cgroup_check_hugepage_size(res->hugepages[i].page_size, err);
        return r;
}

static void fmt_rule(char *buf, size_t len, const struct cgroup_device_rule *d)
{
        char major[24] = "*", minor[24] = "*";

        if (d->type == 'a') {
                snprintf(buf, len, "a");
                return;
        }
        if (d->major >= 0)
                snprintf(major, sizeof(major), "%lld", (long long)d->major);
        if (d->minor >= 0)
                snprintf(minor, sizeof(minor), "%lld", (long long)d->minor);
        snprintf(buf, len, "%c %s:%s %s", d->type, major, minor, d->access);
}

/* Deny everything, then the rules in order: the kernel's exception list then matches the OCI meaning. */
static int v1_apply_devices(const char *dir, const struct cgroup_resources *res, struct berth_error **err)
{
        int r;

        r = cgroup_write(dir, "devices.deny", "a", err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < res->n_devices; i++) {
                char rule[80];
                fmt_rule(rule, sizeof(rule), &res->devices[i]);
                r = cgroup_write(dir, res->devices[i].allow ? "devices.allow" : "devices.deny", rule, err);
                if (r < 0)
                        return berth_err_prefix(err, "device rule `%s`", rule);
        }
        return 0;
}

static int write_i64(const char *dir, const char *file, int64_t v, struct berth_error **err)
{
        return cgroup_writef(dir, file, err, "%lld", (long long)v);
}

/*
 * The kernel keeps memsw.limit >= limit at every step, so which to write
 * first depends on whether the limits grow or shrink: try one order, and on
 * EINVAL the other.
 */
static int v1_apply_memory_limits(const char *dir, const struct cgroup_resources *res,
                                  struct berth_error **err)
{
        _cleanup_error_ struct berth_error *first = NULL;
        int r;

        if (res->mem_swap.set && !cgroup_file_exists(dir, "memory.memsw.limit_in_bytes"))
                return berth_err_msg(err, ENOTSUP,
                                     "cannot limit swap: the kernel has no swap accounting "
                                     "(`memory.memsw.limit_in_bytes` is missing; boot with swapaccount=1)");
        if (!res->mem_swap.set)
                return res->mem_limit.set ? write_i64(dir, "memory.limit_in_bytes", res->mem_limit.v, err)
                                          : 0;
        if (!res->mem_limit.set)
                return write_i64(dir, "memory.memsw.limit_in_bytes", res->mem_swap.v, err);
        r = write_i64(dir, "memory.limit_in_bytes", res->mem_limit.v, &first);
        if (r >= 0)
                r = write_i64(dir, "memory.memsw.limit_in_bytes", res->mem_swap.v, &first);
        if (r != -EINVAL)
                return r < 0 ? berth_err_msg(err, first->code, "%s", first->msg) : 0;
        r = write_i64(dir, "memory.memsw.limit_in_bytes", res->mem_swap.v, err);
        if (r < 0)
                return r;
        return write_i64(dir, "memory.limit_in_bytes", res->mem_limit.v, err);
}

static int v1_apply_memory(const char *dir, const struct cgroup_resources *res, struct berth_error **err)
{
        int r;

        r = v1_apply_memory_limits(dir, res, err);
        if (r < 0)
                return r;
        if (res->mem_reservation.set &&
            (r = write_i64(dir, "memory.soft_limit_in_bytes", res->mem_reservation.v, err)) < 0)
                return r;
        if (res->mem_swappiness.set &&
            (r = write_i64(dir, "memory.swappiness", res->mem_swappiness.v, err)) < 0)
                return r;
        if (res->disable_oom_killer && (r = cgroup_write(dir, "memory.oom_control", "1", err)) < 0)
                return r;
        return 0;
}

static int v1_apply_cpu(const char *dir, const struct cgroup_resources *res, struct berth_error **err)
{
        int r;

        if (res->cpu_shares.set && res->cpu_shares.v > 0 &&
            (r = write_i64(dir, "cpu.shares", res->cpu_shares.v, err)) < 0)
                return r;
        /* The period first: a quota is checked against the period in force. */
        if (res->cpu_period.set && res->cpu_period.v > 0 &&
            (r = write_i64(dir, "cpu.cfs_period_us", res->cpu_period.v, err)) < 0)
                return r;
        if (res->cpu_quota.set &&
            (r = write_i64(dir, "cpu.cfs_quota_us", res->cpu_quota.v > 0 ? res->cpu_quota.v : -1, err)) < 0)
                return r;
        if (res->cpu_rt_period.set && res->cpu_rt_period.v > 0 &&
            (r = write_i64(dir, "cpu.rt_period_us", res->cpu_rt_period.v, err)) < 0)
                return r;
        if (res->cpu_rt_runtime.set &&
            (r = write_i64(dir, "cpu.rt_runtime_us", res->cpu_rt_runtime.v, err)) < 0)
                return r;
        if (res->cpu_idle.set && res->cpu_idle.v &&
            (r = write_i64(dir, "cpu.idle", res->cpu_idle.v, err)) < 0)
                return r;
        return 0;
}

static int v1_apply_hugetlb(struct cgroup *cg, const struct cgroup_resources *res, struct berth_error **err)
{
        struct cgroup_hierarchy *h = v1_find(cg, "hugetlb");
        int r;

        if (res->n_hugepages == 0)
                return 0;
        if (!h) {
                if (!cg->unified_dir)
                        return berth_err_msg(err, ENOTSUP,
                                             "cgroup controller `hugetlb` is not available: "
                                             "cannot apply hugepageLimits (no unified cgroup)");
                /* Enabling writes the unified root's subtree_control: only when a limit needs it. */
                r = cgroup_v2_enable_controllers(CGROUP_UNIFIED_HYBRID, cg->path, err);
                if (r < 0)
                        return r;
                return cgroup_v2_apply_hugetlb(cg->unified_dir, res, err);
        }
        for (size_t i = 0; i < res->n_hugepages; i++) {
                _cleanup_free_ char *f = xasprintf("hugetlb.%s.limit_in_bytes", res->hugepages[i].page_size);
                r = cgroup_writef(h->dir, f, err, "%llu", (unsigned long long)res->hugepages[i].limit);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int v1_apply(struct cgroup *cg, const struct cgroup_resources *res, struct berth_error **err)
{
        struct cgroup_hierarchy *h;
        int r;

        r = v1_check(cg, res, err);
        if (r < 0)
                return r;
        if (res->has_devices && (r = v1_apply_devices(v1_find(cg, "devices")->dir, res, err)) < 0)
                return r;
        if ((h = v1_find(cg, "memory")) && (r = v1_apply_memory(h->dir, res, err)) < 0)
                return r;
        if ((h = v1_find(cg, "cpu")) && (r = v1_apply_cpu(h->dir, res, err)) < 0)
                return r;
        if ((h = v1_find(cg, "cpuset"))) {
                if (res->cpus && (r = cgroup_write(h->dir, "cpuset.cpus", res->cpus, err)) < 0)
                        return r;
                if (res->mems && (r = cgroup_write(h->dir, "cpuset.mems", res->mems, err)) < 0)
                        return r;
        }
        if (res->pids_limit.set) {
                h = v1_find(cg, "pids");
                if (res->pids_limit.v > 0)
                        r = write_i64(h->dir, "pids.max", res->pids_limit.v, err);
                else
                        r = cgroup_write(h->dir, "pids.max", "max", err);
                if (r < 0)
                        return r;
        }
        if (res->blkio_weight.set && res->blkio_weight.v > 0) {
                _cleanup_error_ struct berth_error *e = NULL;
                h = v1_find(cg, "blkio");
                if (!h || (write_i64(h->dir, "blkio.weight", res->blkio_weight.v, &e) < 0 &&
                           write_i64(h->dir, "blkio.bfq.weight", res->blkio_weight.v, NULL) < 0))
                        log_debug("cgroup: blockIO weight not applied (best effort)");
        }
        return v1_apply_hugetlb(cg, res, err);
}

/* A new v1 cpuset cgroup starts with empty cpus and mems, and no task may join it then: copy them down. */
static int v1_cpuset_init(struct cgroup_hierarchy *h, const char *path, struct berth_error **err)
{
        _cleanup_free_ char *parent = xstrdup(h->mount), *copy = xstrdup(path);
        static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
        char *save = NULL;

        for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
                _cleanup_free_ char *cur = xasprintf("%s/%s", parent, c);
                for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
                        _cleanup_free_ char *mine = NULL, *theirs = NULL;
                        int r = cgroup_read(cur, files[i], &mine, err);
                        if (r < 0)
                                return r;
                        if (*mine)
                                continue;
                        if ((r = cgroup_read(parent, files[i], &theirs, err)) < 0 ||
                            (r = cgroup_write(cur, files[i], theirs, err)) < 0)
                                return r;
                }
                free(parent);
                parent = TAKE_PTR(cur);
        }
        return 0;
}

static int v1_enter(struct cgroup *cg, pid_t pid, struct berth_error **err)
{
        for (size_t i = 0; i < cg->n_h; i++) {
                int r = cgroup_write_pid(cg->h[i].dir, pid, err);
                if (r < 0)
                        return r;
        }
        if (cg->unified_dir) {
                _cleanup_error_ struct berth_error *e = NULL;
                /* Best effort, as runc: the unified mount only matters for what it holds. */
                if (cgroup_write_pid(cg->unified_dir, pid, &e) < 0)
                        log_debug("cgroup: %s", e->msg);
        }
        return 0;
}

static int v1_create_unified(struct cgroup *cg, const struct cgroup_resources *res, struct berth_error **err)
{
        _cleanup_error_ struct berth_error *e = NULL;
        bool needed = res->n_hugepages > 0 && hugetlb_on_unified(cg);

        if (!cg->unified_dir)
                return 0;
        if (cgroup_v2_mkdir(CGROUP_UNIFIED_HYBRID, cg->path, NULL, &e) < 0) {
                if (needed)
                        return berth_err_msg(err, e->code, "%s", e->msg);
                log_debug("cgroup: no unified cgroup: %s", e->msg);
                free(cg->unified_dir);
                cg->unified_dir = NULL;
        }
        return 0;
}

static int v1_create(struct cgroup *cg, const struct cgroup_resources *res, pid_t pid,
                     struct berth_error **err)
{
        struct cgroup_hierarchy *cpuset = v1_find(cg, "cpuset");
        int r;

        r = v1_check(cg, res, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < cg->n_h; i++)
                if ((r = mkdir_p(cg->h[i].dir, 0755, err)) < 0)
                        return r;
        if (cpuset && (r = v1_cpuset_init(cpuset, cg->path, err)) < 0)
                return r;
        if ((r = v1_create_unified(cg, res, err)) < 0)
                return r;
        if ((r = v1_apply(cg, res, err)) < 0)
                return r;
        return pid > 0 ? v1_enter(cg, pid, err) : 0;
}

static int v1_freezer_state(struct cgroup *cg, char **ret, struct berth_error **err)
{
        struct cgroup_hierarchy *h = v1_find(cg, "freezer");

        if (!h)
                return berth_err_msg(err, ENOTSUP, "cgroup controller `freezer` is not available");
        return cgroup_read(h->dir, "freezer.state", ret, err);
}

static int v1_is_frozen(struct cgroup *cg, bool *ret, struct berth_error **err)
{
        _cleanup_free_ char *s = NULL;
        int r;

        r = v1_freezer_state(cg, &s, err);
        if (r < 0)
                return r;
        *ret = streq(s, "FROZEN");
        return 0;
}

static int v1_freeze(struct cgroup *cg, bool frozen, struct berth_error **err)
{
        struct cgroup_hierarchy *h = v1_find(cg, "freezer");
        int r;

        if (!h)
                return berth_err_msg(err, ENOTSUP, "cgroup controller `freezer` is not available");
        /* FREEZING can last while tasks are in uninterruptible sleep: rewrite and poll up to a second. */
        for (int i = 0; i < 100; i++) {
                bool now = !frozen;
                r = cgroup_write(h->dir, "freezer.state", frozen ? "FROZEN" : "THAWED", err);
                if (r < 0)
                        return r;
                if ((r = v1_is_frozen(cg, &now, err)) < 0)
                        return r;
                if (now == frozen)
                        return 0;
                nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
        }
        return berth_err_msg(err, EBUSY, "cgroup `%s` did not %s in time", h->dir,
                             frozen ? "freeze" : "thaw");
}

static const char *v1_procs_dir(struct cgroup *cg)
{
        static const char *const pref[] = {"pids", "memory", "freezer"};

        for (size_t i = 0; i < ARRAY_SIZE(pref); i++)
                if (v1_find(cg, pref[i]))
                        return v1_find(cg, pref[i])->dir;
        return cg->h[0].dir;
}

static int v1_kill(struct cgroup *cg, int sig, struct berth_error **err)
{
        (void)cg, (void)sig, (void)err;
        return 0; /* no cgroup.kill on v1: the caller freezes and signals each pid */
}

static int v1_destroy(struct cgroup *cg, struct berth_error **err)
{
        int ret = 0;

        /* Every hierarchy is tried; the first failure is reported. */
        for (size_t i = 0; i < cg->n_h; i++) {
                int r = cg->h[i].dir ? cgroup_rmdir(cg->h[i].dir, ret < 0 ? NULL : err) : 0;
                if (r < 0 && ret == 0)
                        ret = r;
        }
        if (cg->unified_dir) {
                _cleanup_error_ struct berth_error *e = NULL;
                if (cgroup_rmdir(cg->unified_dir, &e) < 0)
                        log_debug("cgroup: %s", e->msg);
        }
        return ret;
}

const struct cgroup_ops cgroup_v1_ops = {
    .create = v1_create,
    .update = v1_apply,
    .enter = v1_enter,
    .freeze = v1_freeze,
    .is_frozen = v1_is_frozen,
    .procs_dir = v1_procs_dir,
    .kill = v1_kill,
    .destroy = v1_destroy,
};
