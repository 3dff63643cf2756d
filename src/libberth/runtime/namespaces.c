/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs-util.h"
#include "base/xalloc.h"
#include "runtime/runtime-internal.h"

unsigned long ns_new_flags(const struct oci_spec *s, bool with_user)
{
        unsigned long flags = 0;

        for (int t = 0; t < _OCI_NS_MAX; t++) {
                if (!s->namespaces[t].present || s->namespaces[t].path)
                        continue;
                if (t == OCI_NS_USER && !with_user)
                        continue;
                flags |= (unsigned long)oci_ns_clone_flag(t);
        }
        return flags;
}

static int join_one(const struct oci_spec *s, int t, struct berth_error **err)
{
        _cleanup_close_ int fd = -EBADF;
        const char *path = s->namespaces[t].path;

        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return berth_err(err, errno, "open %s namespace `%s`", oci_ns_type_to_string(t), path);
        if (setns(fd, oci_ns_clone_flag(t)) < 0)
                return berth_err(err, errno, "join %s namespace `%s`", oci_ns_type_to_string(t), path);
        return 0;
}

int ns_join_paths(const struct oci_spec *s, unsigned skip_mask, struct berth_error **err)
{
        /* The user namespace first: the others are then joined with its privileges. */
        static const int order[] = { OCI_NS_USER, OCI_NS_IPC, OCI_NS_UTS, OCI_NS_NETWORK, OCI_NS_PID,
                                     OCI_NS_CGROUP, OCI_NS_TIME, OCI_NS_MOUNT };

        for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
                int t = order[i], r;
                if (!s->namespaces[t].present || !s->namespaces[t].path || (skip_mask & (1u << t)))
                        continue;
                r = join_one(s, t, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int write_map(pid_t pid, const char *file, const struct oci_id_mapping *m, size_t n,
                     struct berth_error **err)
{
        _cleanup_free_ char *path = xasprintf("/proc/%d/%s", (int)pid, file);
        char buf[4096];
        size_t len = 0;

        for (size_t i = 0; i < n; i++) {
                int w = snprintf(buf + len, sizeof(buf) - len, "%u %u %u\n", m[i].container_id, m[i].host_id,
                                 m[i].size);
                if (w < 0 || (size_t)w >= sizeof(buf) - len)
                        return berth_err_msg(err, E2BIG, "too many %s entries", file);
                len += (size_t)w;
        }
        return write_file_at(AT_FDCWD, path, buf, len, err);
}

int ns_write_id_maps(pid_t pid, const struct oci_spec *s, struct berth_error **err)
{
        int r;

        r = write_map(pid, "uid_map", s->uid_mappings, s->n_uid_mappings, err);
        if (r < 0)
                return r;
        return write_map(pid, "gid_map", s->gid_mappings, s->n_gid_mappings, err);
}
