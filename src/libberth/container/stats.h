/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Resource usage of a running container, as `docker stats` shows it: read
 * from the cgroups of its init process (cgroup v1, v2 or hybrid, whichever
 * hierarchy holds each controller) and from /proc/<pid>/net/dev, which is
 * the device table of the container's network namespace.
 */
#include <stdint.h>
#include <sys/types.h>

#include "base/error.h"

struct container_stats {
        uint64_t when_ns;   /* CLOCK_MONOTONIC at the sample */
        uint64_t cpu_ns;    /* CPU time of the cgroup (cpuacct.usage, or cpu.stat usage_usec) */
        int64_t mem_usage;  /* bytes charged, minus the inactive file cache (docker's figure); -1 unknown */
        int64_t mem_limit;  /* the cgroup's limit; -1 none (the caller shows the host's memory) */
        int64_t pids;       /* pids.current; -1 unknown */
        uint64_t net_rx;    /* bytes received by every interface but lo */
        uint64_t net_tx;    /* bytes sent by every interface but lo */
        uint64_t blk_read;  /* bytes read from block devices (blkio / io.stat) */
        uint64_t blk_write; /* bytes written to block devices */
};

/*
 * One sample of the container whose init is `pid` (seen from the host). A
 * figure the host does not account (no such controller) stays 0 or -1 as
 * documented above; -ESRCH when the process is gone.
 */
int container_stats_read(pid_t pid, struct container_stats *ret, struct berth_error **err);

/*
 * CPU % between two samples of the same container: CPU time used over the
 * wall time elapsed, x100 (docker's usage delta / system delta x online
 * CPUs, where the system delta is the elapsed time of every CPU). 200% is
 * two CPUs busy.
 */
double container_stats_cpu_percent(const struct container_stats *before,
                                   const struct container_stats *after);
