/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The cgroup v2 backend (pure unified hosts). The helpers for the unified
 * hierarchy are also used by the v1 backend on hybrid hosts, where cgroup2
 * at /sys/fs/cgroup/unified may hold a controller (here: hugetlb).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs-util.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "runtime/cgroup-internal.h"

int cgroup_v2_mkdir(const char *root, const char *path, char **ret_dir, struct berth_error **err)
{
        _cleanup_free_ char *dir = xasprintf("%s/%s", root, path);
        int r;

        r = mkdir_p(dir, 0755, err);
        if (r < 0)
                return r;
        if (ret_dir)
                *ret_dir = TAKE_PTR(dir);
        return 0;
}

/*
 * A controller works in a cgroup only when every ancestor enables it in
 * cgroup.subtree_control: enable what each level offers, from the root down
 * to the container's parent. A controller that cannot be enabled (a level
 * with processes, a threaded subtree) is left out; asking for one of its
 * limits then fails with an error naming it.
 */
int cgroup_v2_enable_controllers(const char *root, const char *path, struct berth_error **err)
{
        _cleanup_free_ char *cur = xstrdup(root), *copy = xstrdup(path);
        char *save = NULL, *next;

        for (char *c = strtok_r(copy, "/", &save); c; c = next) {
                _cleanup_free_ char *avail = NULL;
                char *s2 = NULL, *n;
                next = strtok_r(NULL, "/", &save);
                int r = cgroup_read(cur, "cgroup.controllers", &avail, err);
                if (r < 0)
                        return r;
                for (char *ctl = strtok_r(avail, " ", &s2); ctl; ctl = strtok_r(NULL, " ", &s2)) {
                        _cleanup_error_ struct berth_error *e = NULL;
                        if (cgroup_writef(cur, "cgroup.subtree_control", &e, "+%s", ctl) < 0)
                                log_debug("cgroup: cannot enable `%s` in `%s`: %s", ctl, cur, e->msg);
                }
                n = xasprintf("%s/%s", cur, c);
                free(cur);
                cur = n;
        }
        return 0;
}

static bool v2_has_controller(const char *dir, const char *ctl)
{
        _cleanup_free_ char *avail = NULL;
        char *save = NULL;

        if (cgroup_read(dir, "cgroup.controllers", &avail, NULL) < 0)
                return false;
        for (char *c = strtok_r(avail, " ", &save); c; c = strtok_r(NULL, " ", &save))
                if (streq(c, ctl))
                        return true;
        return false;
}

static int v2_need(const char *dir, const char *ctl, const char *what, struct berth_error **err)
{
        if (v2_has_controller(dir, ctl))
                return 0;
        return berth_err_msg(err, ENOTSUP, "cgroup controller `%s` is not available: cannot apply %s", ctl,
                             what);
}

int cgroup_v2_apply_hugetlb(const char *dir, const struct cgroup_resources *res, struct berth_error **err)
{
        int r;

        if (res->n_hugepages == 0)
                return 0;
        r = v2_need(dir, "hugetlb", "hugepageLimits", err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < res->n_hugepages; i++) {
                _cleanup_free_ char *file = xasprintf("hugetlb.%s.max", res->hugepages[i].page_size);
                r = cgroup_check_hugepage_size(res->hugepages[i].page_size, err);
                if (r < 0)
                        return r;
                r = cgroup_writef(dir, file, err, "%llu", (unsigned long long)res->hugepages[i].limit);
                if (r < 0)
                        return r;
        }
        return 0;
}

static void fmt_max(char *buf, size_t len, int64_t v)
{
        if (v < 0)
                snprintf(buf, len, "max");
        else
                snprintf(buf, len, "%lld", (long long)v);
}

static int v2_apply_memory(const char *dir, const struct cgroup_resources *res, struct berth_error **err)
{
        char buf[32];
        int r;

        if (!res->mem_limit.set && !res->mem_reservation.set && !res->mem_swap.set)
                goto ignored;
        r = v2_need(dir, "memory", "memory limits", err);
        if (r < 0)
                return r;
        if (res->mem_reservation.set) {
                fmt_max(buf, sizeof(buf), res->mem_reservation.v);
                if ((r = cgroup_write(dir, "memory.low", buf, err)) < 0)
                        return r;
        }
        if (res->mem_limit.set) {
                fmt_max(buf, sizeof(buf), res->mem_limit.v);
                if ((r = cgroup_write(dir, "memory.max", buf, err)) < 0)
                        return r;
        }
        if (res->mem_swap.set) {
                /* OCI's swap is memory+swap (the v1 memsw meaning); memory.swap.max is swap alone. */
                int64_t swap = res->mem_swap.v;
                if (swap >= 0) {
                        if (!res->mem_limit.set || res->mem_limit.v < 0)
                                return berth_err_msg(err, EINVAL, "a swap limit needs a memory limit");
                        if (swap < res->mem_limit.v)
                                return berth_err_msg(err, EINVAL,
                                                     "`memory.swap` (%lld) must not be smaller "
                                                     "than `memory.limit` (%lld)",
                                                     (long long)swap, (long long)res->mem_limit.v);
                        swap -= res->mem_limit.v;
                }
                if (!cgroup_file_exists(dir, "memory.swap.max"))
                        return berth_err_msg(err, ENOTSUP,
                                             "cannot limit swap: the kernel has no swap "
                                             "accounting (`memory.swap.max` is missing)");
                fmt_max(buf, sizeof(buf), swap);
                if ((r = cgroup_write(dir, "memory.swap.max", buf, err)) < 0)
                        return r;
        }
ignored:
        if (res->mem_swappiness.set || res->disable_oom_killer)
                log_debug(
                    "cgroup: memory.swappiness and disableOOMKiller do not exist on cgroup v2; ignored");
        return 0;
}

static int v2_apply_cpu(const char *dir, const struct cgroup_resources *res, struct berth_error **err)
{
        int r;

        if (res->cpu_rt_runtime.set || res->cpu_rt_period.set)
                return berth_err_msg(err, ENOTSUP, "realtime cpu limits are not supported on cgroup v2");
        if (!res->cpu_shares.set && !res->cpu_quota.set && !res->cpu_period.set && !res->cpu_idle.set)
                return 0;
        r = v2_need(dir, "cpu", "cpu limits", err);
        if (r < 0)
                return r;
        if (res->cpu_shares.set && res->cpu_shares.v > 0) {
                /* Maps shares [2, 262144] linearly onto weight [1, 10000]. */
                uint64_t w = 1 + (((uint64_t)res->cpu_shares.v - 2) * 9999) / 262142;
                if ((r = cgroup_writef(dir, "cpu.weight", err, "%llu", (unsigned long long)w)) < 0)
                        return r;
        }
        if (res->cpu_quota.set || res->cpu_period.set) {
                char quota[32];
                fmt_max(quota, sizeof(quota),
                        res->cpu_quota.set && res->cpu_quota.v > 0 ? res->cpu_quota.v : -1);
                if (res->cpu_period.set && res->cpu_period.v > 0)
                        r = cgroup_writef(dir, "cpu.max", err, "%s %lld", quota,
                                          (long long)res->cpu_period.v);
                else
                        r = cgroup_write(dir, "cpu.max", quota, err);
                if (r < 0)
                        return r;
        }
        if (res->cpu_idle.set &&
            (r = cgroup_writef(dir, "cpu.idle", err, "%lld", (long long)res->cpu_idle.v)) < 0)
                return r;
        return 0;
}

static int v2_apply_misc(const char *dir, const struct cgroup_resources *res, struct berth_error **err)
{
        int r;

        if (res->cpus || res->mems) {
                if ((r = v2_need(dir, "cpuset", "cpu.cpus/mems", err)) < 0)
                        return r;
                if (res->cpus && (r = cgroup_write(dir, "cpuset.cpus", res->cpus, err)) < 0)
                        return r;
                if (res->mems && (r = cgroup_write(dir, "cpuset.mems", res->mems, err)) < 0)
                        return r;
        }
        if (res->pids_limit.set) {
                char buf[32];
                if ((r = v2_need(dir, "pids", "pids.limit", err)) < 0)
                        return r;
                fmt_max(buf, sizeof(buf), res->pids_limit.v > 0 ? res->pids_limit.v : -1);
                if ((r = cgroup_write(dir, "pids.max", buf, err)) < 0)
                        return r;
        }
        if (res->blkio_weight.set && res->blkio_weight.v > 0) {
                /* Best effort: [10, 1000] onto io.weight [1, 10000]. */
                _cleanup_error_ struct berth_error *e = NULL;
                uint64_t w = 1 + (((uint64_t)res->blkio_weight.v - 10) * 9999) / 990;
                if (cgroup_writef(dir, "io.weight", &e, "default %llu", (unsigned long long)w) < 0)
                        log_debug("cgroup: blockIO weight not applied: %s", e->msg);
        }
        return cgroup_v2_apply_hugetlb(dir, res, err);
}

static int v2_apply_unified(const char *dir, const struct cgroup_resources *res, struct berth_error **err)
{
        for (size_t i = 0; i < res->n_unified; i++) {
                const char *k = res->unified_keys[i];
                if (!cgroup_file_exists(dir, k)) {
                        _cleanup_free_ char *ctl = strndup(k, strcspn(k, "."));
                        return berth_err_msg(err, ENOTSUP,
                                             "cannot set `linux.resources.unified.%s`: no such "
                                             "cgroup file (is the `%s` controller available?)",
                                             k, ctl);
                }
                if (cgroup_write(dir, k, res->unified_values[i], err) < 0)
                        return berth_err_prefix(err, "linux.resources.unified");
        }
        return 0;
}

static int v2_apply(struct cgroup *cg, const struct cgroup_resources *res, struct berth_error **err)
{
        int r;

        if ((r = v2_apply_memory(cg->unified_dir, res, err)) < 0 ||
            (r = v2_apply_cpu(cg->unified_dir, res, err)) < 0 ||
            (r = v2_apply_misc(cg->unified_dir, res, err)) < 0 ||
            (r = v2_apply_unified(cg->unified_dir, res, err)) < 0)
                return r;
        if (res->has_devices)
                return cgroup_bpf_apply_devices(cg->unified_dir, res->devices, res->n_devices, err);
        return 0;
}

static int v2_enter(struct cgroup *cg, pid_t pid, struct berth_error **err)
{
        return cgroup_write_pid(cg->unified_dir, pid, err);
}

static int v2_create(struct cgroup *cg, const struct cgroup_resources *res, pid_t pid,
                     struct berth_error **err)
{
        int r;

        r = cgroup_v2_mkdir(CGROUP_ROOT, cg->path, NULL, err);
        if (r < 0)
                return r;
        r = cgroup_v2_enable_controllers(CGROUP_ROOT, cg->path, err);
        if (r < 0)
                return r;
        r = v2_apply(cg, res, err);
        if (r < 0)
                return r;
        return pid > 0 ? v2_enter(cg, pid, err) : 0;
}

static int v2_update(struct cgroup *cg, const struct cgroup_resources *res, struct berth_error **err)
{
        return v2_apply(cg, res, err);
}

static int v2_is_frozen(struct cgroup *cg, bool *ret, struct berth_error **err)
{
        _cleanup_free_ char *events = NULL;
        int r;

        r = cgroup_read(cg->unified_dir, "cgroup.events", &events, err);
        if (r < 0)
                return r;
        *ret = strstr(events, "frozen 1") != NULL;
        return 0;
}

static int v2_freeze(struct cgroup *cg, bool frozen, struct berth_error **err)
{
        int r;

        if (!cgroup_file_exists(cg->unified_dir, "cgroup.freeze"))
                return berth_err_msg(err, ENOTSUP, "cgroup freezer is not available (no `cgroup.freeze`)");
        r = cgroup_write(cg->unified_dir, "cgroup.freeze", frozen ? "1" : "0", err);
        if (r < 0)
                return r;
        /* Freezing completes asynchronously; wait up to a second for cgroup.events to agree. */
        for (int i = 0; i < 100; i++) {
                bool now = !frozen;
                if ((r = v2_is_frozen(cg, &now, err)) < 0)
                        return r;
                if (now == frozen)
                        return 0;
                nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
        }
        return frozen ? berth_err_msg(err, EBUSY, "cgroup `%s` did not freeze in time", cg->unified_dir) : 0;
}

static const char *v2_procs_dir(struct cgroup *cg)
{
        return cg->unified_dir;
}

static int v2_kill(struct cgroup *cg, int sig, struct berth_error **err)
{
        if (sig != SIGKILL || !cgroup_file_exists(cg->unified_dir, "cgroup.kill"))
                return 0;
        int r = cgroup_write(cg->unified_dir, "cgroup.kill", "1", err);
        return r < 0 ? r : 1;
}

static int v2_destroy(struct cgroup *cg, struct berth_error **err)
{
        return cgroup_rmdir(cg->unified_dir, err);
}

const struct cgroup_ops cgroup_v2_ops = {
    .create = v2_create,
    .update = v2_update,
    .enter = v2_enter,
    .freeze = v2_freeze,
    .is_frozen = v2_is_frozen,
    .procs_dir = v2_procs_dir,
    .kill = v2_kill,
    .destroy = v2_destroy,
};
