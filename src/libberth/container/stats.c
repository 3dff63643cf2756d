/* SPDX-License-Identifier: Apache-2.0 */
/* docker stats' figures from the cgroup filesystems and /proc (see stats.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/xalloc.h"
#include "container/stats.h"

/* The directories of the init's cgroups, one per controller we read (NULL: not mounted or not found). */
struct cgroup_dirs {
        char *memory, *pids, *cpuacct, *blkio; /* v1 */
        char *unified;                         /* v2 (pure or hybrid) */
};

static void cgroup_dirs_free(struct cgroup_dirs *d)
{
        free(d->memory);
        free(d->pids);
        free(d->cpuacct);
        free(d->blkio);
        free(d->unified);
}

static bool has_controller(const char *list, const char *name)
{
        size_t n = strlen(name);

        for (const char *p = list; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
                if (strncmp(p, name, n) == 0 && (p[n] == ',' || p[n] == '\0'))
                        return true;
        return false;
}

/* The v2 hierarchy: /sys/fs/cgroup on a pure v2 host, /sys/fs/cgroup/unified on a hybrid one. */
static const char *unified_mount(void)
{
        return access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0 ? "/sys/fs/cgroup"
                                                                      : "/sys/fs/cgroup/unified";
}

/* /proc/<pid>/cgroup lines "ID:CONTROLLERS:PATH"; v1 hierarchies are mounted by their controller list. */
static int cgroup_dirs_of(pid_t pid, struct cgroup_dirs *d, struct berth_error **err)
{
        _cleanup_free_ char *path = xasprintf("/proc/%d/cgroup", (int)pid), *line = NULL;
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        size_t cap = 0;

        if (!f)
                return berth_err(err, errno == ENOENT ? ESRCH : errno, "open `%s`", path);
        while (getline(&line, &cap, f) >= 0) {
                char *ctl = strchr(line, ':'), *cg = ctl ? strchr(ctl + 1, ':') : NULL;
                if (!cg)
                        continue;
                *cg++ = '\0';
                ctl++;
                cg[strcspn(cg, "\n")] = '\0';
                if (!*ctl) {
                        free(d->unified);
                        d->unified = xasprintf("%s%s", unified_mount(), cg);
                        continue;
                }
                char **slots[] = {has_controller(ctl, "memory") ? &d->memory : NULL,
                                  has_controller(ctl, "pids") ? &d->pids : NULL,
                                  has_controller(ctl, "cpuacct") ? &d->cpuacct : NULL,
                                  has_controller(ctl, "blkio") ? &d->blkio : NULL};
                for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++)
                        if (slots[i] && !*slots[i])
                                *slots[i] = xasprintf("/sys/fs/cgroup/%s%s", ctl, cg);
        }
        return 0;
}

/* The first integer of DIR/FILE; -1 when absent or not a number ("max"). */
static int64_t read_int(const char *dir, const char *file)
{
        _cleanup_free_ char *path = dir ? xasprintf("%s/%s", dir, file) : NULL;
        _cleanup_fclose_ FILE *f = path ? fopen(path, "re") : NULL;
        long long v;

        if (!f || fscanf(f, "%lld", &v) != 1)
                return -1;
        return v;
}

/* The value of KEY in a flat keyed file (memory.stat, cpu.stat); -1 when absent. */
static int64_t read_key(const char *dir, const char *file, const char *key)
{
        _cleanup_free_ char *path = dir ? xasprintf("%s/%s", dir, file) : NULL;
        _cleanup_fclose_ FILE *f = path ? fopen(path, "re") : NULL;
        char name[128];
        long long v;

        while (f && fscanf(f, "%127s %lld", name, &v) == 2)
                if (strcmp(name, key) == 0)
                        return v;
        return -1;
}

/* Whether a v2 controller is enabled in this cgroup (its files exist only then). */
static bool v2_has(const char *dir, const char *file)
{
        _cleanup_free_ char *path = dir ? xasprintf("%s/%s", dir, file) : NULL;

        return path && access(path, F_OK) == 0;
}

static void read_memory(const struct cgroup_dirs *d, struct container_stats *s)
{
        int64_t usage, inactive;

        if (d->memory) {
                usage = read_int(d->memory, "memory.usage_in_bytes");
                inactive = read_key(d->memory, "memory.stat", "total_inactive_file");
                s->mem_limit = read_int(d->memory, "memory.limit_in_bytes");
        } else if (v2_has(d->unified, "memory.current")) {
                usage = read_int(d->unified, "memory.current");
                inactive = read_key(d->unified, "memory.stat", "inactive_file");
                s->mem_limit = read_int(d->unified, "memory.max");
        } else {
                return;
        }
        /* docker's "usage without cache": the page cache the kernel can drop at once is not counted. */
        s->mem_usage = usage >= 0 && inactive >= 0 && inactive < usage ? usage - inactive : usage;
        /* v1 says "no limit" with a huge page-rounded number. */
        if (s->mem_limit >= (INT64_C(1) << 62))
                s->mem_limit = -1;
}

static void read_cpu(const struct cgroup_dirs *d, struct container_stats *s)
{
        int64_t v = read_int(d->cpuacct, "cpuacct.usage");

        if (v < 0) {
                v = read_key(d->unified, "cpu.stat", "usage_usec");
                v = v >= 0 ? v * 1000 : 0;
        }
        s->cpu_ns = (uint64_t)v;
}

/* v1: "MAJ:MIN Read N" lines (blkio.throttle.io_service_bytes[_recursive]); v2: "MAJ:MIN rbytes=N wbytes=N
 * ...". */
static void read_blkio(const struct cgroup_dirs *d, struct container_stats *s)
{
        static const char *const v1_files[] = {"blkio.throttle.io_service_bytes_recursive",
                                               "blkio.throttle.io_service_bytes"};
        _cleanup_free_ char *line = NULL;
        size_t cap = 0;

        for (size_t i = 0; d->blkio && i < sizeof(v1_files) / sizeof(v1_files[0]); i++) {
                _cleanup_free_ char *path = xasprintf("%s/%s", d->blkio, v1_files[i]);
                _cleanup_fclose_ FILE *f = fopen(path, "re");
                char dev[64], op[16];
                unsigned long long v;
                if (!f)
                        continue;
                while (getline(&line, &cap, f) >= 0)
                        if (sscanf(line, "%63s %15s %llu", dev, op, &v) == 3) {
                                if (strcmp(op, "Read") == 0)
                                        s->blk_read += v;
                                else if (strcmp(op, "Write") == 0)
                                        s->blk_write += v;
                        }
                return;
        }
        _cleanup_free_ char *path = d->unified ? xasprintf("%s/io.stat", d->unified) : NULL;
        _cleanup_fclose_ FILE *f = path ? fopen(path, "re") : NULL;
        while (f && getline(&line, &cap, f) >= 0)
                for (char *tok = strtok(line, " \n"); tok; tok = strtok(NULL, " \n")) {
                        if (strncmp(tok, "rbytes=", 7) == 0)
                                s->blk_read += strtoull(tok + 7, NULL, 10);
                        else if (strncmp(tok, "wbytes=", 7) == 0)
                                s->blk_write += strtoull(tok + 7, NULL, 10);
                }
}

/* /proc/<pid>/net/dev: "  name: rx_bytes packets errs drop fifo frame compressed multicast tx_bytes ...". */
static void read_net(pid_t pid, struct container_stats *s)
{
        _cleanup_free_ char *path = xasprintf("/proc/%d/net/dev", (int)pid), *line = NULL;
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        size_t cap = 0;

        while (f && getline(&line, &cap, f) >= 0) {
                char *colon = strchr(line, ':'), *name = line + strspn(line, " ");
                unsigned long long v[9];
                if (!colon)
                        continue; /* the two header lines */
                *colon = '\0';
                if (strcmp(name, "lo") == 0)
                        continue;
                if (sscanf(colon + 1, "%llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
                           &v[3], &v[4], &v[5], &v[6], &v[7], &v[8]) == 9) {
                        s->net_rx += v[0];
                        s->net_tx += v[8];
                }
        }
}

int container_stats_read(pid_t pid, struct container_stats *ret, struct berth_error **err)
{
        struct cgroup_dirs d = {0};
        struct timespec ts;
        int r;

        *ret = (struct container_stats){.mem_usage = -1, .mem_limit = -1, .pids = -1};
        if (pid <= 0)
                return berth_err_msg(err, ESRCH, "container is not running");
        r = cgroup_dirs_of(pid, &d, err);
        if (r < 0)
                return r;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ret->when_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
        read_cpu(&d, ret);
        read_memory(&d, ret);
        ret->pids = read_int(d.pids, "pids.current");
        if (ret->pids < 0 && v2_has(d.unified, "pids.current"))
                ret->pids = read_int(d.unified, "pids.current");
        read_blkio(&d, ret);
        read_net(pid, ret);
        cgroup_dirs_free(&d);
        return 0;
}

double container_stats_cpu_percent(const struct container_stats *before, const struct container_stats *after)
{
        if (after->when_ns <= before->when_ns || after->cpu_ns < before->cpu_ns)
                return 0.0;
        return 100.0 * (double)(after->cpu_ns - before->cpu_ns) / (double)(after->when_ns - before->when_ns);
}
