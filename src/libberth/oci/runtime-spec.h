/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The OCI runtime-spec config.json, parsed and validated once in the parent
 * before anything is forked, so that a bad bundle fails with a clear message
 * and no side effect. Sections owned by one module (linux.resources,
 * linux.seccomp) stay as JSON here and are parsed by that module.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/error.h"

enum oci_ns_type {
        OCI_NS_PID,
        OCI_NS_NETWORK,
        OCI_NS_MOUNT,
        OCI_NS_IPC,
        OCI_NS_UTS,
        OCI_NS_USER,
        OCI_NS_CGROUP,
        OCI_NS_TIME,
        _OCI_NS_MAX,
};

struct oci_namespace {
        bool present;
        char *path; /* join this one instead of creating one */
};

struct oci_id_mapping {
        uint32_t container_id, host_id, size;
};

struct oci_rlimit {
        int resource;
        uint64_t soft, hard;
};

struct oci_mount {
        char *destination;
        char *type;
        char *source;
        char **options;
        unsigned long flags;       /* MS_* from options */
        unsigned long clear_flags; /* flags an option explicitly turned off (rw, suid, ...) */
        unsigned long propagation; /* MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE (| MS_REC) */
        bool bind, recursive;
        char *data;                /* the options the kernel takes as a string */
};

struct oci_device {
        char *path;
        char type; /* c, b, u, p */
        int64_t major, minor;
        mode_t file_mode;
        bool has_mode;
        uid_t uid;
        gid_t gid;
};

struct oci_hook {
        char *path;
        char **args;
        char **env;
        int timeout; /* seconds, 0 for none */
};

enum oci_hook_kind {
        OCI_HOOK_PRESTART,
        OCI_HOOK_CREATE_RUNTIME,
        OCI_HOOK_CREATE_CONTAINER,
        OCI_HOOK_START_CONTAINER,
        OCI_HOOK_POSTSTART,
        OCI_HOOK_POSTSTOP,
        _OCI_HOOK_MAX,
};

struct oci_hooks {
        struct oci_hook *list[_OCI_HOOK_MAX];
        size_t n[_OCI_HOOK_MAX];
};

struct oci_caps {
        uint64_t bounding, effective, inheritable, permitted, ambient;
};

struct oci_process {
        bool terminal;
        unsigned console_width, console_height;
        char **args;
        char **env;
        char *cwd;
        uid_t uid;
        gid_t gid;
        gid_t *additional_gids;
        size_t n_additional_gids;
        bool has_umask;
        mode_t umask;
        struct oci_rlimit *rlimits;
        size_t n_rlimits;
        bool has_caps;
        struct oci_caps caps;
        bool no_new_privileges;
        bool has_oom_score_adj;
        int oom_score_adj;
        char *apparmor_profile;
        char *selinux_label;
};

struct oci_spec {
        json_t *json; /* the whole document; owns nothing below */
        char *oci_version;
        char *root_path; /* as written: relative to the bundle or absolute */
        bool root_readonly;
        char *hostname;
        char *domainname;
        struct oci_process *process; /* NULL is allowed by the spec (create-only) */
        struct oci_mount *mounts;
        size_t n_mounts;
        struct oci_hooks hooks;
        json_t *annotations;

        struct oci_namespace namespaces[_OCI_NS_MAX];
        struct oci_id_mapping *uid_mappings, *gid_mappings;
        size_t n_uid_mappings, n_gid_mappings;
        char **masked_paths;
        char **readonly_paths;
        unsigned long rootfs_propagation; /* 0 = default (rslave... see runtime/rootfs.c) */
        json_t *sysctl;                   /* object of string values */
        struct oci_device *devices;
        size_t n_devices;
        char *cgroups_path;
        json_t *resources; /* linux.resources, parsed by runtime/cgroup.c */
        json_t *seccomp;   /* linux.seccomp, parsed by runtime/seccomp.c */
        char *mount_label;
        json_t *personality;
};

int oci_spec_parse(json_t *json, struct oci_spec **ret, struct berth_error **err);
int oci_spec_load(const char *path, struct oci_spec **ret, struct berth_error **err);
struct oci_spec *oci_spec_free(struct oci_spec *s);
void oci_spec_freep(struct oci_spec **s);

/* Parses process JSON alone (runtime exec --process FILE). */
int oci_process_parse(json_t *json, struct oci_process **ret, struct berth_error **err);
struct oci_process *oci_process_free(struct oci_process *p);

/* Parses one mount option list into flags/propagation/data. Exposed for unit tests. */
int oci_mount_parse_options(struct oci_mount *m, struct berth_error **err);

int oci_ns_type_from_string(const char *s);
const char *oci_ns_type_to_string(int t);
int oci_ns_clone_flag(int t);
/* "/proc/self/ns/<name>" file names. */
const char *oci_ns_proc_name(int t);
int oci_rlimit_from_string(const char *s);
/* A capability name ("CAP_SYS_ADMIN") to its number, or -EINVAL. */
int oci_cap_from_name(const char *name);
uint64_t oci_caps_default_set(void);

/* A default config.json, as `spec` prints it (crun/runc shape). */
json_t *oci_spec_default(bool rootless);

#define _cleanup_spec_ __attribute__((cleanup(oci_spec_freep)))
