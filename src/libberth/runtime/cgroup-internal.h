/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Private to the cgroup module: the parsed resources, the cgroup handle and
 * the ops table that cgroup-v1.c and cgroup-v2.c fill in. cgroup.c holds the
 * mode detection, path mapping, parsing and the code both backends share.
 */
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/error.h"
#include "runtime/cgroup.h"

struct cgroup_opt {
        bool set;
        int64_t v;
};

struct cgroup_hugepage_limit {
        char *page_size; /* as in the spec and in hugetlb.<size>.*: "2MB", "1GB" */
        uint64_t limit;
};

/* -1 is the wildcard for major/minor; type is 'a', 'c' or 'b'. */
struct cgroup_device_rule {
        bool allow;
        char type;
        int64_t major, minor;
        char access[4]; /* subset of "rwm", never empty */
};

struct cgroup_resources {
        struct cgroup_opt mem_limit, mem_reservation, mem_swap, mem_swappiness;
        bool disable_oom_killer;
        struct cgroup_opt cpu_shares, cpu_quota, cpu_period, cpu_rt_runtime, cpu_rt_period, cpu_idle;
        char *cpus, *mems;
        struct cgroup_opt pids_limit;
        struct cgroup_opt blkio_weight;
        struct cgroup_hugepage_limit *hugepages;
        size_t n_hugepages;
        bool has_devices; /* linux.resources.devices was given (even empty: deny all) */
        struct cgroup_device_rule *devices;
        size_t n_devices;
        char **unified_keys, **unified_values; /* linux.resources.unified, in order */
        size_t n_unified;
};

/* One v1 hierarchy: a mount of some controllers (or a named hierarchy). */
struct cgroup_hierarchy {
        char *name;  /* the super options: "memory", "cpu,cpuacct", "name=systemd" */
        char *mount; /* where the host mounted it: /sys/fs/cgroup/memory */
        char *dir;   /* this container's cgroup in it */
};

struct cgroup_ops;

struct cgroup {
        enum cgroup_mode mode;
        char *path;                 /* relative to every hierarchy root, no leading '/': "berth/<id>" */
        struct cgroup_hierarchy *h; /* v1 and hybrid */
        size_t n_h;
        char *unified_dir; /* v2: the cgroup; hybrid: the same path under unified, or NULL */
        const struct cgroup_ops *ops;
};

struct cgroup_ops {
        /* mkdir, apply res, then move pid in (pid may be 0: no process yet). */
        int (*create)(struct cgroup *cg, const struct cgroup_resources *res, pid_t pid,
                      struct berth_error **err);
        int (*update)(struct cgroup *cg, const struct cgroup_resources *res, struct berth_error **err);
        int (*enter)(struct cgroup *cg, pid_t pid, struct berth_error **err);
        int (*freeze)(struct cgroup *cg, bool frozen, struct berth_error **err);
        int (*is_frozen)(struct cgroup *cg, bool *ret, struct berth_error **err);
        /* A directory whose cgroup.procs lists the container's processes. */
        const char *(*procs_dir)(struct cgroup *cg);
        /* 1 when the whole cgroup was killed in one step (cgroup.kill), 0 when not supported. */
        int (*kill)(struct cgroup *cg, int sig, struct berth_error **err);
        int (*destroy)(struct cgroup *cg, struct berth_error **err);
};

extern const struct cgroup_ops cgroup_v1_ops;
extern const struct cgroup_ops cgroup_v2_ops;

#define CGROUP_ROOT "/sys/fs/cgroup"
#define CGROUP_UNIFIED_HYBRID "/sys/fs/cgroup/unified"

/* Shared helpers (cgroup.c). */
/*
 * linux.cgroupsPath to a path relative to every hierarchy root: absolute as
 * is, empty -> "berth/<id>", relative -> "berth/<relative>", and with
 * systemd_path "slice:prefix:name" -> "<slice dirs>/<prefix>-<name>.scope".
 * ".." components are refused.
 */
int cgroup_path_from_spec(const char *id, const char *cgroups_path, bool systemd_path, char **ret,
                          struct berth_error **err);
int cgroup_write(const char *dir, const char *file, const char *value, struct berth_error **err);
int cgroup_writef(const char *dir, const char *file, struct berth_error **err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int cgroup_read(const char *dir, const char *file, char **ret, struct berth_error **err);
bool cgroup_file_exists(const char *dir, const char *file);
/* rmdir (children first) with retries while processes leave; ENOENT is success. */
int cgroup_rmdir(const char *dir, struct berth_error **err);

int cgroup_write_pid(const char *dir, pid_t pid, struct berth_error **err);
/* Maps the hugetlb size from the spec ("2MB") onto the host's hugepages dirs; error if missing. */
int cgroup_check_hugepage_size(const char *size, struct berth_error **err);
/* v2 unified-hierarchy helpers, also used by the hybrid v1 backend. */
int cgroup_v2_mkdir(const char *root, const char *path, char **ret_dir, struct berth_error **err);
int cgroup_v2_enable_controllers(const char *root, const char *path, struct berth_error **err);
int cgroup_v2_apply_hugetlb(const char *dir, const struct cgroup_resources *res, struct berth_error **err);

/* cgroup-bpf.c: device rules on cgroup v2 as a BPF_PROG_TYPE_CGROUP_DEVICE program. */
int cgroup_bpf_apply_devices(const char *dir, const struct cgroup_device_rule *rules, size_t n,
                             struct berth_error **err);
