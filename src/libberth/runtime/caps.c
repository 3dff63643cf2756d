/* SPDX-License-Identifier: Apache-2.0 */
/*
 * process.capabilities. The kernel interfaces are used directly (capset with
 * the v3 ABI, prctl for the bounding and ambient sets) so that the container's
 * init allocates nothing on the success path. Capabilities the running kernel
 * does not know (above cap_last_cap) are ignored, as runc does, so a config
 * written for a newer kernel still runs.
 */
#include "runtime/caps.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/log.h"

static int cached_last_cap = -1;

/* Used when /proc is not mounted (the container's init may run before it is). */
static int probe_last_cap(void)
{
        int lo = 0, hi = 63;

        /* PR_CAPBSET_READ fails with EINVAL above the last capability. */
        while (lo < hi) {
                int mid = (lo + hi + 1) / 2;
                if (prctl(PR_CAPBSET_READ, (unsigned long)mid, 0, 0, 0) >= 0)
                        lo = mid;
                else
                        hi = mid - 1;
        }
        return lo;
}

static int read_last_cap(void)
{
        _cleanup_close_ int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
        char buf[16];
        ssize_t n;
        char *end;
        long v;

        if (fd < 0)
                return -1;
        n = read(fd, buf, sizeof(buf) - 1);
        if (n <= 0)
                return -1;
        buf[n] = '\0';
        errno = 0;
        v = strtol(buf, &end, 10);
        if (errno != 0 || end == buf || v < 0 || v > 63)
                return -1;
        return (int)v;
}

int caps_last_cap(void)
{
        int v = cached_last_cap;

        if (v >= 0)
                return v;
        v = read_last_cap();
        if (v < 0)
                v = probe_last_cap();
        cached_last_cap = v;
        return v;
}

static uint64_t known_mask(void)
{
        int last = caps_last_cap();

        return last >= 63 ? ~(uint64_t)0 : ((uint64_t)1 << (last + 1)) - 1;
}

/* Only on error paths: cap_to_name allocates. */
static int cap_err(struct berth_error **err, int code, const char *what, int cap, const char *hint)
{
        char *name = cap_to_name((cap_value_t)cap);
        int r = berth_err(err, code, "%s `%s`%s", what, name ? name : "?", hint);

        cap_free(name);
        return r;
}

int caps_apply_bounding(const struct oci_caps *caps, struct berth_error **err)
{
        int last = caps_last_cap();

        for (int cap = 0; cap <= last; cap++) {
                int r;

                if (caps->bounding & ((uint64_t)1 << cap))
                        continue;
                r = prctl(PR_CAPBSET_READ, (unsigned long)cap, 0, 0, 0);
                if (r < 0) {
                        if (errno == EINVAL)
                                continue;
                        return cap_err(err, errno, "read bounding capability", cap, "");
                }
                if (r == 0)
                        continue;
                if (prctl(PR_CAPBSET_DROP, (unsigned long)cap, 0, 0, 0) < 0)
                        return cap_err(err, errno, "drop bounding capability", cap,
                                       errno == EPERM ? " (needs CAP_SETPCAP)" : "");
        }
        return 0;
}

static int apply_ambient(uint64_t ambient, uint64_t permitted, uint64_t inheritable,
                         struct berth_error **err)
{
        int last = caps_last_cap();

        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0) {
                /* Kernels before 4.3 have no ambient set; nothing to clear, nothing can be raised. */
                if (errno != EINVAL || ambient != 0)
                        return berth_err(err, errno, "clear the ambient capability set");
                return 0;
        }
        for (int cap = 0; cap <= last; cap++) {
                uint64_t bit = (uint64_t)1 << cap;

                if (!(ambient & bit))
                        continue;
                /*
                 * The kernel only raises an ambient cap that is permitted and
                 * inheritable. runc's own default spec lists ambient caps without
                 * inheritable ones and runc only warns: do the same, or no
                 * `runc spec` bundle would run.
                 */
                if (!(permitted & bit) || !(inheritable & bit)) {
                        log_debug("ambient capability %d skipped: not permitted and inheritable", cap);
                        continue;
                }
                if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (unsigned long)cap, 0, 0) < 0)
                        return cap_err(err, errno, "raise ambient capability", cap, "");
        }
        return 0;
}

int caps_apply(const struct oci_caps *caps, struct berth_error **err)
{
        struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
        struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
        uint64_t mask = known_mask();
        uint64_t eff = caps->effective & mask, perm = caps->permitted & mask, inh = caps->inheritable & mask;

        data[0].effective = (uint32_t)eff;
        data[1].effective = (uint32_t)(eff >> 32);
        data[0].permitted = (uint32_t)perm;
        data[1].permitted = (uint32_t)(perm >> 32);
        data[0].inheritable = (uint32_t)inh;
        data[1].inheritable = (uint32_t)(inh >> 32);
        /*
         * EPERM here usually means a set asks for more than the process holds:
         * permitted can only shrink, and inheritable must stay inside the
         * bounding set.
         */
        if (syscall(SYS_capset, &hdr, data) < 0)
                return berth_err(err, errno, "capset (effective %#llx, permitted %#llx, inheritable %#llx)",
                                 (unsigned long long)eff, (unsigned long long)perm, (unsigned long long)inh);
        return apply_ambient(caps->ambient & mask, perm, inh, err);
}
