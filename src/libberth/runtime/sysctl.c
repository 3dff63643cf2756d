/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/fs-util.h"
#include "base/xalloc.h"
#include "runtime/runtime-internal.h"

/*
 * Keys and values were validated at parse time (namespaced keys only, no
 * "..", no newline). Each write goes through a dirfd of the container's
 * /proc/sys with O_NOFOLLOW on every step, never a joined host path.
 */
int sysctl_apply(json_t *sysctl, struct berth_error **err)
{
        _cleanup_close_ int dir = -EBADF;
        const char *key;
        json_t *v;

        if (!sysctl || json_object_size(sysctl) == 0)
                return 0;
        dir = open("/proc/sys", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0)
                return berth_err(err, errno, "open /proc/sys");
        json_object_foreach (sysctl, key, v) {
                _cleanup_free_ char *rel = xstrdup(key);
                _cleanup_close_ int fd = -EBADF;
                const char *val = json_string_value(v);
                /* "net.ipv4.ip_forward" and "net/ipv4/ip_forward" both name the file. */
                for (char *p = rel; *p; p++)
                        if (*p == '.')
                                *p = '/';
                fd = openat(dir, rel, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        return berth_err(err, errno, "sysctl `%s`", key);
                if (write_all(fd, val, strlen(val)) < 0)
                        return berth_err(err, errno, "sysctl `%s` = `%s`", key, val);
        }
        return 0;
}
