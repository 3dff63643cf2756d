/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Shared between oci-config*.c, etc-files.c and rootfs-mount.c; not a public API. */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"
#include "container/container.h"
#include "store/image.h"

/* What every part of the config needs to know about the container being built. */
struct oci_build {
        struct store *store;
        struct container *c;
        struct image *img;
        json_t *config;      /* record.Config (borrowed) */
        json_t *host_config; /* record.HostConfig (borrowed) */
        char *dir;           /* $root/containers/<id> */
        int rootfs_fd;       /* the mounted overlay */
        bool privileged;
        bool host_network;
        uint64_t caps;       /* the bounding set the container gets */
};

/* etc-files.c: writes hostname, hosts and resolv.conf into the container dir. */
int container_etc_files_write(struct oci_build *b, struct berth_error **err);

/* oci-config-mounts.c: spec.mounts (and the record's Mounts); seeds new volumes. */
int oci_config_mounts(struct oci_build *b, json_t *spec, struct berth_error **err);

/* oci-config-security.c */
int oci_config_caps(struct oci_build *b, json_t *process, struct berth_error **err);
int oci_config_seccomp(struct oci_build *b, json_t *spec, struct berth_error **err);
/* linux.devices and the devices cgroup rules (HostConfig.Devices, or every host device when privileged). */
int oci_config_devices(struct oci_build *b, json_t *linux_, json_t *resources, struct berth_error **err);

/* The number of the highest capability this kernel knows (/proc/sys/kernel/cap_last_cap). */
int oci_config_cap_last(void);

/* HostConfig accessors that tolerate absent and null values. */
const char *hc_string(json_t *hc, const char *key);
long long hc_int(json_t *hc, const char *key);
bool hc_bool(json_t *hc, const char *key);

/* rootfs-mount.c: tests force the mount(2) path, as on kernels without "lowerdir+". */
extern bool rootfs_mount_force_legacy;

/* Annotation the runtime reads to take a precompiled filter: "PATH#sha256:HEX". */
#define OCI_ANNOTATION_SECCOMP_BPF "io.berth.seccomp.bpf"
